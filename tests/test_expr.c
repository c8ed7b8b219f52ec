/*
 * test_expr: unit tests of the expression language (common/expr.c):
 * precedence, types, null handling, laziness, every function, compile-time
 * errors with positions, limits, and the date helpers.
 */
#include "test.h"
#include "../common/expr.h"

#include <math.h>
#include <stdlib.h>

/* Slots 0..: a b c s d1 d2 list empty nl t f . */
static const char *const slot_names[] = {"a", "b", "c", "s", "birth", "on",
					 "list", "empty", "n", "t", "f", "."};
#define NSLOTS (sizeof slot_names / sizeof slot_names[0])

static int resolve(void *ctx, const char *name, size_t len)
{
	(void)ctx;
	for (size_t i = 0; i < NSLOTS; i++)
		if (strlen(slot_names[i]) == len && memcmp(slot_names[i], name, len) == 0)
			return (int)i;
	return -1;
}

static const expr_table_row hours_rows[] = {
	{0, {EXPR_NUM, {.num = 1}}},
	{10, {EXPR_NUM, {.num = 2}}},
	{20.5, {EXPR_STR, {.str = {"many", 4}}}},
};
static const expr_table_row degree_rows[] = {
	{-5, {EXPR_STR, {.str = {"low", 3}}}},
	{50, {EXPR_STR, {.str = {"high", 4}}}},
};
static const expr_table tables[] = {
	{"hours", hours_rows, 3},
	{"degree", degree_rows, 2},
};

static const expr_value list_items[] = {
	{EXPR_STR, {.str = {"school", 6}}},
	{EXPR_NUM, {.num = 3}},
	{EXPR_STR, {.str = {"work", 4}}},
};

static expr_value slots[NSLOTS];

static void set_slots(void)
{
	slots[0] = expr_num(2);
	slots[1] = expr_num(3);
	slots[2] = expr_null();
	slots[3] = expr_str("abc", 3);
	slots[4] = expr_str("2000-02-29", 10);
	slots[5] = expr_str("2024-02-28", 10);
	slots[6].type = EXPR_LIST;
	slots[6].u.list.items = list_items;
	slots[6].u.list.n = 3;
	slots[7].type = EXPR_LIST;
	slots[7].u.list.items = NULL;
	slots[7].u.list.n = 0;
	slots[8] = expr_null();
	slots[9] = expr_bool(1);
	slots[10] = expr_bool(0);
	slots[11] = expr_num(7);
}

static const expr_names names = {NULL, resolve, tables, 2};
static const expr_scope scope = {slots, NSLOTS, tables, 2};

static err last;

/* Compiles and evaluates src; returns the error code (0 on success). The
 * compiled expression goes to *keep (the caller frees it) or is freed. */
static int run_keep(const char *src, expr_value *out, expr **keep)
{
	expr *x = NULL;
	err_clear(&last);
	set_slots();
	int rc = expr_compile(src, strlen(src), &names, &x, &last);
	if (rc == 0) {
		CHECK(x != NULL);
		rc = expr_eval(x, &scope, out, &last);
	} else {
		CHECK(x == NULL);
	}
	if (keep)
		*keep = x;
	else
		expr_free(x);
	return rc;
}

static int run(const char *src, expr_value *out)
{
	return run_keep(src, out, NULL);
}

/* Fails the test unless src evaluates to the number want. */
static void num_is(const char *src, double want, int line)
{
	expr_value v;
	int rc = run(src, &v);
	if (rc != 0 || v.type != EXPR_NUM || v.u.num != want) {
		fprintf(stderr, "  line %d: %s: rc %d type %d value %g (%s), expected %g\n",
			line, src, rc, (int)v.type, rc ? 0 : v.u.num, last.msg, want);
		test_failures++;
	}
}

static void bool_is(const char *src, int want, int line)
{
	expr_value v;
	int rc = run(src, &v);
	if (rc != 0 || v.type != EXPR_BOOL || v.u.b != want) {
		fprintf(stderr, "  line %d: %s: rc %d type %d (%s), expected %s\n", line,
			src, rc, (int)v.type, last.msg, want ? "true" : "false");
		test_failures++;
	}
}

static void null_is(const char *src, int line)
{
	expr_value v;
	int rc = run(src, &v);
	if (rc != 0 || v.type != EXPR_NULL) {
		fprintf(stderr, "  line %d: %s: rc %d type %d (%s), expected null\n",
			line, src, rc, (int)v.type, last.msg);
		test_failures++;
	}
}

static void str_is(const char *src, const char *want, int line)
{
	expr_value v;
	expr *x = NULL;
	int rc = run_keep(src, &v, &x); /* the result may point into x */
	if (rc != 0 || v.type != EXPR_STR || v.u.str.len != strlen(want) ||
	    memcmp(v.u.str.s, want, v.u.str.len) != 0) {
		fprintf(stderr, "  line %d: %s: rc %d type %d (%s), expected '%s'\n",
			line, src, rc, (int)v.type, last.msg, want);
		test_failures++;
	}
	expr_free(x);
}

/* Fails unless compiling or evaluating src fails with code and a message
 * starting with msg. */
static void fails(const char *src, int code, const char *msg, int line)
{
	expr_value v;
	int rc = run(src, &v);
	if (rc != code || strncmp(last.msg, msg, strlen(msg)) != 0) {
		fprintf(stderr, "  line %d: %s: rc %d \"%s\", expected %d \"%s…\"\n",
			line, src, rc, last.msg, code, msg);
		test_failures++;
	}
}

/* Fails unless src compiles and then evaluation fails with ERR_TYPE. */
static void eval_type_error(const char *src, int line)
{
	expr *x = NULL;
	expr_value v;
	err e = {0, ""};
	set_slots();
	int rc = expr_compile(src, strlen(src), &names, &x, &e);
	if (rc != 0) {
		fprintf(stderr, "  line %d: %s: compile failed: %s\n", line, src, e.msg);
		test_failures++;
		return;
	}
	rc = expr_eval(x, &scope, &v, &e);
	if (rc != ERR_TYPE) {
		fprintf(stderr, "  line %d: %s: eval rc %d, expected ERR_TYPE\n", line, src, rc);
		test_failures++;
	}
	expr_free(x);
}

#define NUM(s, w) num_is(s, w, __LINE__)
#define BOOL(s, w) bool_is(s, w, __LINE__)
#define NUL(s) null_is(s, __LINE__)
#define STR(s, w) str_is(s, w, __LINE__)
#define FAILS(s, c, m) fails(s, c, m, __LINE__)
#define ETYPE(s) eval_type_error(s, __LINE__)

static void test_precedence(void)
{
	NUM("1 + 2 * 3", 7);
	NUM("(1 + 2) * 3", 9);
	NUM("-2 * 3", -6);
	NUM("- 2 * - 3", 6);
	NUM("10 - 4 - 3", 3);
	NUM("8 / 4 / 2", 1);
	NUM("2 * 3 % 4", 2);
	NUM("7 % 3 * 2", 2);
	NUM("-${a} * ${b}", -6);
	NUM("--2", 2);
	NUM("1 - -1", 2);
	BOOL("not true or true", 1);
	BOOL("not (true or true)", 0);
	BOOL("true or false and false", 1);
	BOOL("(true or false) and false", 0);
	BOOL("not 1 = 2", 1);
	BOOL("1 + 1 = 2 and 2 * 2 = 4", 1);
	BOOL("not not true", 1);
}

static void test_comparisons(void)
{
	BOOL("1 < 2", 1);
	BOOL("2 <= 2", 1);
	BOOL("3 > 2", 1);
	BOOL("2 >= 3", 0);
	BOOL("2 < 2", 0);
	BOOL("2 > 2", 0);
	BOOL("2 <= 1", 0);
	BOOL("3 >= 3", 1);
	BOOL("'abc' < 'abc'", 0);
	BOOL("'abc' <= 'abc'", 1);
	BOOL("'b' > 'abc'", 1);
	BOOL("'abc' >= 'abcd'", 0);
	BOOL("2 = 2.0", 1);
	BOOL("2 != 2", 0);
	BOOL("'abc' < 'abd'", 1);
	BOOL("'ab' < 'abc'", 1);
	BOOL("'abc' = \"abc\"", 1);
	BOOL("'2024-01-31' < '2024-02-01'", 1);
	BOOL("${birth} < ${on}", 1);
	BOOL("true = true", 1);
	BOOL("true != false", 1);
	BOOL("${list} = ${list}", 1);
	BOOL("${list} = ${empty}", 0);
	/* null */
	BOOL("null = null", 1);
	BOOL("${c} = null", 1);
	BOOL("${a} = null", 0);
	BOOL("${a} != null", 1);
	BOOL("null = 0", 0);
	BOOL("null = ''", 0);
	BOOL("null = false", 0);
	BOOL("${c} < 1", 0);
	BOOL("${c} >= 1", 0);
	BOOL("1 > null", 0);
	BOOL("null <= null", 0);
	/* not chainable */
	FAILS("1 < 2 < 3", ERR_INVALID, "at 6: comparisons cannot be chained");
	FAILS("1 = 1 = true", ERR_INVALID, "at 6: comparisons cannot be chained");
	FAILS("1 == 1", ERR_INVALID, "at 2: use '='");
	BOOL("(1 < 2) = true", 1);
}

static void test_types(void)
{
	/* certain at load time */
	FAILS("'a' + 1", ERR_INVALID, "at 4: '+' needs numbers, got string");
	FAILS("not 3", ERR_INVALID, "at 0: 'not' needs true or false, got number");
	FAILS("1 and true", ERR_INVALID, "at 2: 'and' needs true or false");
	FAILS("-'x'", ERR_INVALID, "at 0: '-' needs a number");
	FAILS("1 = 'a'", ERR_INVALID, "at 2: '=' needs values of the same type, got number and string");
	FAILS("true < 1", ERR_INVALID, "at 5: '<' needs two numbers or two strings");
	FAILS("${a} + 'x'", ERR_INVALID, "at 5: '+' needs numbers");
	FAILS("round('x')", ERR_INVALID, "at 0: round() needs a number, got string");
	FAILS("if(1, 2, 3)", ERR_INVALID, "at 0: if() needs true or false");
	FAILS("count(3)", ERR_INVALID, "at 0: count() needs a list");
	FAILS("sum(1, 'a')", ERR_INVALID, "at 0: sum() needs numbers");
	FAILS("(1 < 2) + 1", ERR_INVALID, "at 8: '+' needs numbers, got boolean");
	FAILS("age('2020-01-01', 5)", ERR_INVALID, "at 0: age() needs dates");
	FAILS("age('2020-13-01', '2021-01-01')", ERR_INVALID, "at 4: not a date");
	/* only at run time */
	ETYPE("${s} + 1");
	ETYPE("${a} and true");
	ETYPE("not ${s}");
	ETYPE("${a} = ${s}");
	ETYPE("${t} < ${f}");
	ETYPE("${list} < ${list}");
	ETYPE("round(${s})");
	ETYPE("count(${a})");
	ETYPE("selected(${s}, 'x')");
	ETYPE("selected(${list}, ${t})");
	ETYPE("age(${a}, ${on})");
	ETYPE("age(${s}, ${on})");
	ETYPE("lookup('hours', ${s})");
	ETYPE("if(${a}, 1, 2)");
	ETYPE("count_true(${a})");
	ETYPE("min(${s})");
	/* eval_bool */
	{
		expr *x = NULL;
		err e = {0, ""};
		int b = 7;
		set_slots();
		CHECK_INT(expr_compile("${a}", 4, &names, &x, &e), 0);
		CHECK_INT(expr_eval_bool(x, &scope, &b, &e), ERR_TYPE);
		expr_free(x);
		x = NULL;
		CHECK_INT(expr_compile("${c}", 4, &names, &x, &e), 0);
		CHECK_INT(expr_eval_bool(x, &scope, &b, &e), 0);
		CHECK_INT(b, 0);
		expr_free(x);
		x = NULL;
		CHECK_INT(expr_compile("${a} > 1", 8, &names, &x, &e), 0);
		CHECK_INT(expr_eval_bool(x, &scope, &b, &e), 0);
		CHECK_INT(b, 1);
		expr_free(x);
	}
}

static void test_null_arith(void)
{
	NUL("null + 1");
	NUL("${c} + 1");
	NUL("1 - ${c}");
	NUL("${c} * 0");
	NUL("${c} / 0"); /* null wins over the zero divisor */
	NUL("-${c}");
	NUL("-null");
	NUL("(null + 1) * 2");
	BOOL("(null + 1) = null", 1);
	BOOL("(null + 1) = 'a'", 0); /* null compared to anything: not equal */
	BOOL("not null", 1);
	BOOL("null or true", 1);
	BOOL("null and true", 0);
	BOOL("${c} or false", 0);
	FAILS("1 / 0", ERR_INVALID, "at 2: division by zero");
	FAILS("${a} % (${a} - 2)", ERR_INVALID, "at 5: division by zero");
	NUM("7 % 3", 1);
	NUM("-7 % 3", -1);
	NUM("7.5 % 2", 1.5);
	FAILS("1e300 * 1e300", ERR_INVALID, "at 6: number out of range");
}

static void test_short_circuit(void)
{
	BOOL("false and (1/0 = 1)", 0);
	BOOL("true or (1/0 = 1)", 1);
	BOOL("${f} and (1/0 = 1)", 0);
	BOOL("${t} or (${s} + 1 = 1)", 1);
	FAILS("${t} and (1/0 = 1)", ERR_INVALID, "at 11: division by zero");
	FAILS("${f} or (1/0 = 1)", ERR_INVALID, "at 10: division by zero");
	NUM("if(true, 1, 1/0)", 1);
	NUM("if(false, 1/0, 2)", 2);
	NUM("if(null, 1/0, 2)", 2);
	NUM("if(${t}, ${a}, ${s} + 1)", 2);
	STR("if(${f}, 1, 'no')", "no");
	FAILS("if(${t}, 1/0, 2)", ERR_INVALID, "at 10: division by zero");
	NUM("coalesce(${c}, 5, 1/0)", 5);
}

static void test_functions(void)
{
	NUM("coalesce(null, ${c}, ${a})", 2);
	NUL("coalesce(null, ${c})");
	STR("coalesce(${s}, 1)", "abc");
	BOOL("is_null(${c})", 1);
	BOOL("is_null(${a})", 0);
	BOOL("is_null(${list})", 0);
	NUM("min(3, ${a}, ${c}, 9)", 2);
	NUM("max(3, ${a}, ${c}, 9)", 9);
	NUM("min(-1)", -1);
	NUL("min(null, ${c})");
	NUL("max(${c})");
	NUM("min(168, sum(100, 50, 30))", 168);
	NUM("sum(1, 2, ${c}, 3)", 6);
	NUM("sum(null)", 0);
	NUM("count_nonnull(1, null, ${c}, 's', ${list})", 3);
	NUM("count_nonnull(null)", 0);
	NUM("count_true(true, false, null, ${t}, 1 < 2)", 3);
	NUM("count(${list})", 3);
	NUM("count(${empty})", 0);
	NUM("count(${n})", 0);
	NUM("count(null)", 0);
	BOOL("selected(${list}, 'school')", 1);
	BOOL("selected(${list}, 3)", 1);
	BOOL("selected(${list}, '3')", 0);
	BOOL("selected(${list}, 'scho')", 0);
	BOOL("selected(${empty}, 'school')", 0);
	BOOL("selected(${n}, 'school')", 0);
	BOOL("selected(${list}, null)", 0);
	NUM("floor(2.7)", 2);
	NUM("floor(-2.5)", -3);
	NUM("ceil(2.1)", 3);
	NUM("ceil(-2.5)", -2);
	NUM("abs(-4.5)", 4.5);
	NUM("abs(3)", 3);
	NUL("abs(${c})");
	NUL("floor(null)");
	NUL("ceil(${c})");
	/* many arguments */
	NUM("sum(1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,"
	    "1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1)", 64);
	FAILS("sum(1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,"
	      "1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1)",
	      ERR_LIMIT, "at 132: more than 64 arguments");
}

static void test_round(void)
{
	NUM("round(2.5)", 3);
	NUM("round(-2.5)", -2);
	NUM("round(75.6)", 76);
	NUM("round(0.5)", 1);
	NUM("round(-0.5)", 0);
	NUM("round(2.4999)", 2);
	NUM("round(-2.6)", -3);
	NUL("round(${c})");
	CHECK(expr_round_half_up(2.5) == 3);
	CHECK(expr_round_half_up(-2.5) == -2);
	CHECK(expr_round_half_up(75.6) == 76);
	CHECK(expr_round_half_up(0.5) == 1);
	CHECK(expr_round_half_up(0.49999999999999994) == 0);
	CHECK(expr_round_half_up(-0.49999999999999994) == 0);
	CHECK(expr_round_half_up(4503599627370497.0) == 4503599627370497.0);
	CHECK(!signbit(expr_round_half_up(-0.2)));
	CHECK(expr_round_half_up(1e300) == 1e300);
}

static void test_age(void)
{
	int y = -1;
	NUM("age('2000-05-10', '2018-05-09')", 17); /* birthday eve */
	NUM("age('2000-05-10', '2018-05-10')", 18); /* birthday */
	NUM("age('2000-05-10', '2018-12-31')", 18);
	NUM("age('2000-02-29', '2001-02-28')", 0);
	NUM("age('2000-02-29', '2001-03-01')", 1);
	NUM("age('2000-02-29', '2004-02-28')", 3);
	NUM("age('2000-02-29', '2004-02-29')", 4);
	NUM("age(${birth}, ${on})", 23);
	NUM("age('2000-01-01', '2000-01-01')", 0);
	NUM("age('2020-05-01', '2020-04-30')", -1); /* on before birth: floor */
	NUM("age('1900-01-01', '2199-12-31')", 299);
	NUL("age(${c}, ${on})");
	NUL("age(${birth}, null)");
	BOOL("age(${birth}, ${on}) < 18", 0);
	CHECK_INT(expr_age_years("1990-12-31", 10, "2000-12-30", 10, &y), 0);
	CHECK_INT(y, 9);
	CHECK_INT(expr_age_years("1990-12-31", 10, "2000-12-31", 10, &y), 0);
	CHECK_INT(y, 10);
	CHECK_INT(expr_age_years("2004-02-29", 10, "2005-02-28", 10, &y), 0);
	CHECK_INT(y, 0);
	CHECK_INT(expr_age_years("2004-02-29", 10, "2005-03-01", 10, &y), 0);
	CHECK_INT(y, 1);
	CHECK_INT(expr_age_years("2004-02-30", 10, "2005-03-01", 10, &y), ERR_INVALID);
	CHECK_INT(expr_age_years("2004-02-01", 10, "2005-3-01", 9, &y), ERR_INVALID);
}

static void test_lookup(void)
{
	NUL("lookup('hours', -0.01)"); /* below the first row */
	NUM("lookup('hours', 0)", 1);  /* exact boundary */
	NUM("lookup('hours', 9.99)", 1);
	NUM("lookup('hours', 10)", 2);
	NUM("lookup('hours', 20.4)", 2);
	STR("lookup('hours', 20.5)", "many");
	STR("lookup('hours', 1e9)", "many");
	NUL("lookup('hours', ${c})");
	NUL("lookup('hours', null)");
	NUM("lookup('hours', ${a} * 5)", 2);
	STR("lookup(\"degree\", -5)", "low");
	NUL("lookup('degree', -5.5)");
	STR("lookup('degree', 49)", "low");
	STR("lookup('degree', 50)", "high");
	FAILS("lookup('nope', 1)", ERR_INVALID, "at 7: unknown table 'nope'");
	FAILS("lookup(${s}, 1)", ERR_INVALID, "at 7: lookup() needs a table name in quotes");
	FAILS("lookup('hours', 'x')", ERR_INVALID, "at 0: lookup() needs a number");
	FAILS("lookup('hours')", ERR_INVALID, "at 0: lookup() takes 2 arguments, got 1");
	/* the degree table holds strings (or null below its first row) */
	ETYPE("lookup('degree', 1) = 1");
	ETYPE("lookup('degree', 1) + 1"); /* null + 1 would be fine */
	FAILS("lookup('degree', 1) < true", ERR_TYPE, "at 20: '<' needs two numbers");
	BOOL("lookup('hours', 1) = 1", 1);
}

static void test_names(void)
{
	NUM("${a}", 2);
	NUM(".", 7);
	NUM(". + 1", 8);
	NUM("${.}", 7);
	FAILS("${foo}", ERR_INVALID, "at 0: unknown reference ${foo}");
	FAILS("1 + ${x.y-z}", ERR_INVALID, "at 4: unknown reference ${x.y-z}");
	FAILS("sqrt(4)", ERR_INVALID, "at 0: unknown function 'sqrt'");
	FAILS("1 + sqrt(4)", ERR_INVALID, "at 4: unknown function 'sqrt'");
	FAILS("foo", ERR_INVALID, "at 0: unknown name 'foo'");
	FAILS("round", ERR_INVALID, "at 5: expected '(' after 'round'");
	FAILS("TRUE", ERR_INVALID, "at 0: unknown name 'TRUE'");
	FAILS("true AND false", ERR_INVALID, "at 5: expected an operator");
	FAILS("Round(1)", ERR_INVALID, "at 0: unknown function 'Round'");
	FAILS("${}", ERR_INVALID, "at 0: empty reference");
	FAILS("${a", ERR_INVALID, "at 0: unterminated ${");
	FAILS("${a b}", ERR_INVALID, "at 3: unexpected character in ${");
	FAILS("$a", ERR_INVALID, "at 0: expected '{' after '$'");
	/* arity */
	FAILS("if(true, 1)", ERR_INVALID, "at 0: if() takes 3 arguments, got 2");
	FAILS("is_null()", ERR_INVALID, "at 0: is_null() takes 1 argument, got 0");
	FAILS("round(1, 2)", ERR_INVALID, "at 0: round() takes 1 argument, got 2");
	FAILS("sum()", ERR_INVALID, "at 0: sum() takes at least 1 argument");
	FAILS("1 + age('2000-01-01')", ERR_INVALID, "at 4: age() takes 2 arguments, got 1");
	FAILS("selected(${list})", ERR_INVALID, "at 0: selected() takes 2 arguments");
	/* without a resolver every reference is unknown */
	{
		expr *x = NULL;
		err e = {0, ""};
		CHECK_INT(expr_compile("${a}", 4, NULL, &x, &e), ERR_INVALID);
		CHECK_STR(e.msg, "at 0: unknown reference ${a}");
		CHECK_INT(expr_compile(".", 1, NULL, &x, &e), ERR_INVALID);
		CHECK(x == NULL);
		CHECK_INT(expr_compile("lookup('hours', 1)", 18, NULL, &x, &e), ERR_INVALID);
		CHECK_STR(e.msg, "at 7: unknown table 'hours'");
		CHECK_INT(expr_compile("1 + 1", 5, NULL, &x, &e), 0);
		expr_free(x);
	}
}

static void test_syntax(void)
{
	FAILS("(1 + 2", ERR_INVALID, "at 6: expected ')'");
	FAILS("(1 + 2 3)", ERR_INVALID, "at 7: expected ')'");
	FAILS("1 + 2)", ERR_INVALID, "at 5: unmatched ')'");
	FAILS("", ERR_INVALID, "at 0: expected an expression");
	FAILS("   ", ERR_INVALID, "at 3: expected an expression");
	FAILS("1 +", ERR_INVALID, "at 3: expected an expression");
	FAILS("1 2", ERR_INVALID, "at 2: expected an operator");
	FAILS("* 2", ERR_INVALID, "at 0: expected an expression");
	FAILS("min(1,)", ERR_INVALID, "at 6: expected an expression");
	FAILS("min(1 2)", ERR_INVALID, "at 6: expected ',' or ')'");
	FAILS("min(1", ERR_INVALID, "at 5: expected ',' or ')'");
	FAILS("1 = not true", ERR_INVALID, "at 4: expected an expression");
	FAILS("1.2.3", ERR_INVALID, "at 0: malformed number");
	FAILS("1.", ERR_INVALID, "at 0: malformed number");
	FAILS(".5", ERR_INVALID, "at 0: malformed number");
	FAILS("1e", ERR_INVALID, "at 0: malformed number");
	FAILS("12abc", ERR_INVALID, "at 0: malformed number");
	FAILS("0x10", ERR_INVALID, "at 0: malformed number");
	FAILS("1e999", ERR_INVALID, "at 0: number out of range");
	FAILS("'abc", ERR_INVALID, "at 0: unterminated string");
	FAILS("'a\\nb'", ERR_INVALID, "at 2: unknown escape");
	FAILS("\"it's", ERR_INVALID, "at 0: unterminated string");
	FAILS("1 & 2", ERR_INVALID, "at 2: unexpected character '&'");
	FAILS("!true", ERR_INVALID, "at 0: unexpected character '!'");
	FAILS("1 +\x01 2", ERR_INVALID, "at 3: unexpected byte 0x01");
	FAILS("..", ERR_INVALID, "at 1: expected an operator");
	/* a lexer error right after a finished operand (once leaked it) */
	FAILS("(1){", ERR_INVALID, "at 3: unexpected character '{'");
	FAILS("is_null(.{", ERR_INVALID, "at 9: unexpected character '{'");
	FAILS("round(1)!", ERR_INVALID, "at 8: unexpected character '!'");
	FAILS("-${a}'", ERR_INVALID, "at 5: unterminated string");
	FAILS("1 + 'x", ERR_INVALID, "at 4: unterminated string");
	/* literals */
	NUM("42", 42);
	NUM("0.25", 0.25);
	NUM("007", 7);
	NUM("1e3", 1000);
	NUM("2.5E-1", 0.25);
	NUM("1e+2", 100);
	NUM("0.1 + 0.2", 0.1 + 0.2);
	NUM("3.14159265358979323846", 3.14159265358979323846);
	NUM("123456789012345678901234567890", 123456789012345678901234567890.0);
	NUM("0.000001", 0.000001);
	NUM("1.7976931348623157e308", 1.7976931348623157e308);
	NUM("\t1\n+\r2 ", 3);
	STR("'it\\'s'", "it's");
	STR("\"say \\\"hi\\\"\"", "say \"hi\"");
	STR("'a\\\\b'", "a\\b");
	STR("\"it's\"", "it's");
	STR("''", "");
	STR("'ünï'", "ünï");
	BOOL("'' = \"\"", 1);
	BOOL("true", 1);
	BOOL("false", 0);
	NUL("null");
	NUL("(((null)))");
}

static void test_limits(void)
{
	size_t n = 100000, i;
	char *s = malloc(4 * n + 16);
	expr *x = NULL;
	err e = {0, ""};
	CHECK(s != NULL);
	if (!s)
		return;
	/* 100000 '(' : too long, and too deep if it were allowed in */
	memset(s, '(', n);
	CHECK_INT(expr_compile(s, n, &names, &x, &e), ERR_LIMIT);
	CHECK(x == NULL);
	/* within the length limit the depth check fires */
	memset(s, '(', 4000);
	memcpy(s + 4000, "1", 1);
	CHECK_INT(expr_compile(s, 4001, &names, &x, &e), ERR_LIMIT);
	CHECK_STR(e.msg, "at 65: expression nested deeper than 64");
	for (i = 0; i < n; i++)
		memcpy(s + 4 * i, "not ", 4);
	memcpy(s + 4 * n, "true", 4);
	CHECK_INT(expr_compile(s, 4 * n + 4, &names, &x, &e), ERR_LIMIT);
	CHECK_INT(expr_compile(s + 4 * n - 4000, 4004, &names, &x, &e), ERR_LIMIT);
	CHECK(strstr(e.msg, "nested deeper than 64") != NULL);
	memset(s, '-', 4000);
	s[4000] = '1';
	CHECK_INT(expr_compile(s, 4001, &names, &x, &e), ERR_LIMIT);
	/* a long flat chain builds a deep tree: refused too */
	for (i = 0; i < 1000; i++)
		memcpy(s + 2 * i, "1+", 2);
	memcpy(s + 2000, "1", 1);
	CHECK_INT(expr_compile(s, 2001, &names, &x, &e), ERR_LIMIT);
	/* 64 nested parentheses are fine, 65 are not */
	memset(s, '(', 64);
	s[64] = '1';
	memset(s + 65, ')', 64);
	CHECK_INT(expr_compile(s, 129, &names, &x, &e), 0);
	expr_free(x);
	x = NULL;
	memset(s, '(', 65);
	s[65] = '1';
	memset(s + 66, ')', 65);
	CHECK_INT(expr_compile(s, 131, &names, &x, &e), ERR_LIMIT);
	/* 63 'not' over a literal make a tree 64 high */
	for (i = 0; i < 63; i++)
		memcpy(s + 4 * i, "not ", 4);
	memcpy(s + 4 * 63, "true", 4);
	CHECK_INT(expr_compile(s, 4 * 63 + 4, &names, &x, &e), 0);
	{
		int b = -1;
		CHECK_INT(expr_eval_bool(x, &scope, &b, &e), 0);
		CHECK_INT(b, 0);
	}
	expr_free(x);
	x = NULL;
	/* source length */
	memset(s, ' ', EXPR_MAX_SOURCE + 1);
	s[0] = '1';
	CHECK_INT(expr_compile(s, EXPR_MAX_SOURCE, &names, &x, &e), 0);
	expr_free(x);
	x = NULL;
	CHECK_INT(expr_compile(s, EXPR_MAX_SOURCE + 1, &names, &x, &e), ERR_LIMIT);
	CHECK(x == NULL);
	/* NUL bytes */
	CHECK_INT(expr_compile("1 +\0 2", 6, &names, &x, &e), ERR_INVALID);
	CHECK_STR(e.msg, "at 3: NUL byte in expression");
	CHECK_INT(expr_compile("'a\0b'", 5, &names, &x, &e), ERR_INVALID);
	CHECK(x == NULL);
	/* source need not be NUL-terminated */
	CHECK_INT(expr_compile("1 + 23", 5, &names, &x, &e), 0);
	{
		expr_value v;
		CHECK_INT(expr_eval(x, &scope, &v, &e), 0);
		CHECK(v.type == EXPR_NUM && v.u.num == 3);
	}
	expr_free(x);
	x = NULL;
	CHECK_INT(expr_compile("${a}", 3, &names, &x, &e), ERR_INVALID);
	CHECK_INT(expr_compile("1.5", 2, &names, &x, &e), ERR_INVALID);
	CHECK_INT(expr_compile("1e5", 2, &names, &x, &e), ERR_INVALID);
	free(s);
}

static void test_scope(void)
{
	expr *x = NULL;
	expr_value v;
	err e = {0, ""};
	expr_scope small = {slots, 1, NULL, 0};
	set_slots();
	CHECK_INT(expr_compile("${b}", 4, &names, &x, &e), 0);
	CHECK_INT(expr_eval(x, &small, &v, &e), ERR_INVALID);
	CHECK_INT(expr_eval(x, NULL, &v, &e), ERR_INVALID);
	expr_free(x);
	x = NULL;
	CHECK_INT(expr_compile("lookup('hours', 1)", 18, &names, &x, &e), 0);
	CHECK_INT(expr_eval(x, &small, &v, &e), ERR_INVALID);
	CHECK_INT(expr_eval(x, &scope, &v, &e), 0);
	CHECK(v.type == EXPR_NUM && v.u.num == 1);
	/* compiled once, evaluated with other slot values */
	expr_free(x);
	x = NULL;
	CHECK_INT(expr_compile("${a} * 2", 8, &names, &x, &e), 0);
	for (int i = 0; i < 5; i++) {
		slots[0] = expr_num(i);
		CHECK_INT(expr_eval(x, &scope, &v, &e), 0);
		CHECK(v.type == EXPR_NUM && v.u.num == 2 * i);
	}
	expr_free(x);
	expr_free(NULL);
}

static void test_dates(void)
{
	long d = -1;
	CHECK_INT(expr_parse_date("1970-01-01", 10, &d), 0);
	CHECK_INT(d, 0);
	CHECK_INT(expr_parse_date("1970-01-02", 10, &d), 0);
	CHECK_INT(d, 1);
	CHECK_INT(expr_parse_date("2000-03-01", 10, &d), 0);
	CHECK_INT(d, 11017);
	CHECK_INT(expr_parse_date("1969-12-31", 10, &d), 0);
	CHECK_INT(d, -1);
	CHECK_INT(expr_parse_date("1900-01-01", 10, &d), 0);
	CHECK_INT(d, -25567);
	CHECK_INT(expr_parse_date("2199-12-31", 10, &d), 0);
	CHECK_INT(d, 84005);
	CHECK_INT(expr_parse_date("2024-02-29", 10, &d), 0);
	CHECK_INT(d, 19782);
	CHECK_INT(expr_parse_date("2000-02-29", 10, &d), 0);
	CHECK_INT(expr_parse_date("2023-02-29", 10, &d), ERR_INVALID);
	CHECK_INT(expr_parse_date("1900-02-29", 10, &d), ERR_INVALID);
	CHECK_INT(expr_parse_date("2100-02-29", 10, &d), ERR_INVALID);
	CHECK_INT(expr_parse_date("2024-2-01", 9, &d), ERR_INVALID);
	CHECK_INT(expr_parse_date("2024-02-1 ", 10, &d), ERR_INVALID);
	CHECK_INT(expr_parse_date("2024-04-31", 10, &d), ERR_INVALID);
	CHECK_INT(expr_parse_date("2024-12-32", 10, &d), ERR_INVALID);
	CHECK_INT(expr_parse_date("2024-13-01", 10, &d), ERR_INVALID);
	CHECK_INT(expr_parse_date("2024-00-01", 10, &d), ERR_INVALID);
	CHECK_INT(expr_parse_date("2024-01-00", 10, &d), ERR_INVALID);
	CHECK_INT(expr_parse_date("1899-12-31", 10, &d), ERR_INVALID);
	CHECK_INT(expr_parse_date("2200-01-01", 10, &d), ERR_INVALID);
	CHECK_INT(expr_parse_date("2024/01/01", 10, &d), ERR_INVALID);
	CHECK_INT(expr_parse_date("+024-01-01", 10, &d), ERR_INVALID);
	CHECK_INT(expr_parse_date("2024-01-011", 11, &d), ERR_INVALID);
	CHECK_INT(expr_parse_date("2024-01-01", 9, &d), ERR_INVALID);
	CHECK_INT(expr_parse_date("", 0, &d), ERR_INVALID);
	CHECK_INT(expr_parse_date(NULL, 10, &d), ERR_INVALID);
	CHECK_INT(expr_parse_date("2024-01-01", 10, NULL), 0);
}

static void test_equal(void)
{
	expr_value a = expr_str("x", 1), b = expr_str("xy", 1), c = expr_num(1);
	expr_value l1 = {0}, l2 = {0};
	static const expr_value other[] = {
		{EXPR_STR, {.str = {"school", 6}}},
		{EXPR_NUM, {.num = 3}},
		{EXPR_STR, {.str = {"worK", 4}}},
	};
	CHECK(expr_value_equal(&a, &b));
	CHECK(!expr_value_equal(&a, &c));
	a = expr_num(0);
	b = expr_num(-0.0);
	CHECK(expr_value_equal(&a, &b));
	a = expr_bool(1);
	b = expr_bool(0);
	CHECK(!expr_value_equal(&a, &b));
	a = expr_null();
	b = expr_null();
	CHECK(expr_value_equal(&a, &b));
	CHECK(!expr_value_equal(&a, &c));
	a = expr_str(NULL, 0);
	b = expr_str("", 0);
	CHECK(expr_value_equal(&a, &b));
	l1.type = l2.type = EXPR_LIST;
	l1.u.list.items = list_items;
	l2.u.list.items = other;
	l1.u.list.n = l2.u.list.n = 2;
	CHECK(expr_value_equal(&l1, &l2));
	l1.u.list.n = l2.u.list.n = 3;
	CHECK(!expr_value_equal(&l1, &l2));
	l2.u.list.n = 2;
	CHECK(!expr_value_equal(&l1, &l2));
}

static void test_messages(void)
{
	/* runtime messages name positions and types, never values */
	expr_value v;
	CHECK_INT(run("${s} + 1", &v), ERR_TYPE);
	CHECK_STR(last.msg, "at 5: '+' needs numbers, got string");
	CHECK_INT(run("${a} = ${s}", &v), ERR_TYPE);
	CHECK_STR(last.msg, "at 5: '=' needs values of the same type, got number and string");
	CHECK_INT(run("age(${s}, ${on})", &v), ERR_TYPE);
	CHECK_STR(last.msg, "at 0: age() needs dates YYYY-MM-DD");
	CHECK_INT(run("if(${a}, 1, 2)", &v), ERR_TYPE);
	CHECK_STR(last.msg, "at 0: if() needs true or false, got number");
	CHECK_INT(run("coalesce(${c}, 1) + 'a'", &v), ERR_INVALID);
	CHECK_STR(last.msg, "at 18: '+' needs numbers, got string");
	NUM("if(${t}, 1, 'a') + 1", 2);
	CHECK_INT(run("if(${f}, 1, 'a') + 1", &v), ERR_TYPE);
	CHECK_STR(last.msg, "at 17: '+' needs numbers, got string");
}

TEST_TABLE(expr) = {
	{"expr_precedence", test_precedence},
	{"expr_comparisons", test_comparisons},
	{"expr_types", test_types},
	{"expr_null_arith", test_null_arith},
	{"expr_short_circuit", test_short_circuit},
	{"expr_functions", test_functions},
	{"expr_round", test_round},
	{"expr_age", test_age},
	{"expr_lookup", test_lookup},
	{"expr_names", test_names},
	{"expr_syntax", test_syntax},
	{"expr_limits", test_limits},
	{"expr_scope", test_scope},
	{"expr_dates", test_dates},
	{"expr_equal", test_equal},
	{"expr_messages", test_messages},
	{NULL, NULL},
};
