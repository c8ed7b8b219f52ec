/*
 * expr: compiler and evaluator of the instrument expression language
 * (docs/instrument-format.md "Expressions"; contracts in expr.h).
 * expr_compile lexes and parses the text by recursive descent into a tree,
 * resolving ${…} to slots and lookup() tables to indices, and rejects type
 * errors that are certain at load time (each node carries a bit mask of the
 * types its value may have). expr_eval walks the tree without allocating;
 * the tree is at most EXPR_MAX_DEPTH high, which bounds every recursion.
 */
#include "expr.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define M_NULL (1u << EXPR_NULL)
#define M_BOOL (1u << EXPR_BOOL)
#define M_NUM (1u << EXPR_NUM)
#define M_STR (1u << EXPR_STR)
#define M_LIST (1u << EXPR_LIST)
#define M_ANY (M_NULL | M_BOOL | M_NUM | M_STR | M_LIST)

enum {
	T_END, T_NUM, T_STR, T_REF, T_DOT, T_NAME, T_AND, T_OR, T_NOT, T_TRUE,
	T_FALSE, T_NULL, T_LP, T_RP, T_COMMA, T_PLUS, T_MINUS, T_STAR, T_SLASH,
	T_PCT, T_EQ, T_NE, T_LT, T_LE, T_GT, T_GE,
};

enum {
	N_LIT, N_SLOT, N_NEG, N_NOT, N_AND, N_OR, N_ADD, N_SUB, N_MUL, N_DIV,
	N_MOD, N_EQ, N_NE, N_LT, N_LE, N_GT, N_GE, N_CALL,
};

/* Spelling of each node kind in messages. */
static const char *const op_names[] = {
	"literal", "reference", "'-'", "'not'", "'and'", "'or'", "'+'", "'-'",
	"'*'", "'/'", "'%'", "'='", "'!='", "'<'", "'<='", "'>'", "'>='", "call",
};

static const char *const type_names[] = {"null", "boolean", "number",
					 "string", "list"};

enum {
	F_IF, F_COALESCE, F_IS_NULL, F_MIN, F_MAX, F_SUM, F_COUNT_NONNULL,
	F_COUNT_TRUE, F_COUNT, F_SELECTED, F_ROUND, F_FLOOR, F_CEIL, F_ABS,
	F_AGE, F_LOOKUP, F_NFUNCS,
};

#define VAR EXPR_MAX_ARGS
#define NUM_ M_NUM | M_NULL, "numbers"
#define BOOL_ M_BOOL | M_NULL, "true or false"
#define ONE_NUM_ M_NUM | M_NULL, "a number"

/* The functions: arity, the types each argument may have (exceptions in
 * arg_types()), and the types of the result (0: worked out in check_call). */
static const struct fn_def {
	const char *name;
	size_t min, max;
	unsigned arg;
	const char *want;
	unsigned result;
} fn_defs[F_NFUNCS] = {
	[F_IF] = {"if", 3, 3, BOOL_, 0},
	[F_COALESCE] = {"coalesce", 1, VAR, M_ANY, "", 0},
	[F_IS_NULL] = {"is_null", 1, 1, M_ANY, "", M_BOOL},
	[F_MIN] = {"min", 1, VAR, NUM_, M_NUM | M_NULL},
	[F_MAX] = {"max", 1, VAR, NUM_, M_NUM | M_NULL},
	[F_SUM] = {"sum", 1, VAR, NUM_, M_NUM},
	[F_COUNT_NONNULL] = {"count_nonnull", 1, VAR, M_ANY, "", M_NUM},
	[F_COUNT_TRUE] = {"count_true", 1, VAR, BOOL_, M_NUM},
	[F_COUNT] = {"count", 1, 1, M_LIST | M_NULL, "a list", M_NUM},
	[F_SELECTED] = {"selected", 2, 2, M_LIST | M_NULL, "a list", M_BOOL},
	[F_ROUND] = {"round", 1, 1, ONE_NUM_, 0},
	[F_FLOOR] = {"floor", 1, 1, ONE_NUM_, 0},
	[F_CEIL] = {"ceil", 1, 1, ONE_NUM_, 0},
	[F_ABS] = {"abs", 1, 1, ONE_NUM_, 0},
	[F_AGE] = {"age", 2, 2, M_STR | M_NULL, "dates", 0},
	[F_LOOKUP] = {"lookup", 2, 2, ONE_NUM_, 0},
};

typedef struct node node;
struct node {
	int kind;        /* N_* */
	int fn;          /* N_CALL: F_* */
	size_t pos;      /* byte offset of the operator, function or literal */
	unsigned height; /* 1 for a leaf */
	unsigned mask;   /* M_* bits: the types the value may have */
	size_t idx;      /* N_SLOT: slot; lookup(): table */
	expr_value lit;  /* N_LIT */
	char *text;      /* N_LIT: owned string bytes */
	node **kid;
	size_t nkid;
	size_t *sl;      /* sum/count over references only: their slots */
	size_t sl_max;   /* the greatest of them */
};

struct expr {
	node *root;
};

typedef struct token {
	int kind;    /* T_* */
	size_t pos;  /* offset of the first byte */
	size_t a, b; /* T_STR: raw contents; T_REF, T_NAME: the name */
	double num;  /* T_NUM */
} token;

typedef struct parser {
	const char *s;
	size_t len, at; /* text; offset after the current token */
	token t;        /* current token */
	const expr_names *names;
	unsigned depth; /* nesting of parentheses, arguments, unary operators */
	err *e;
} parser;

static int perr(err *e, int code, size_t pos, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Sets "at <pos>: <message>" in e and returns code. */
static int perr(err *e, int code, size_t pos, const char *fmt, ...)
{
	char msg[ERR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return err_set(e, code, "at %zu: %.400s", pos, msg);
}

static const char *tname(expr_type t)
{
	return (unsigned)t <= EXPR_LIST ? type_names[t] : "unknown";
}

/* "number or string" for a mask of possible types. */
static void mask_text(unsigned m, char *buf, size_t size)
{
	size_t n = 0;
	buf[0] = '\0';
	for (unsigned t = 0; t <= EXPR_LIST; t++)
		if ((m & (1u << t)) && n < size) {
			int w = snprintf(buf + n, size - n, "%s%s", n ? " or " : "",
					 type_names[t]);
			n += w > 0 ? (size_t)w : 0;
		}
}

/* "<op> needs <want>, got <got>" at the operator or function of n. */
static int node_fail(err *e, int code, const node *n, const char *want,
		     const char *got)
{
	if (n->kind == N_CALL)
		return perr(e, code, n->pos, "%s() needs %s, got %s",
			    fn_defs[n->fn].name, want, got);
	return perr(e, code, n->pos, "%s needs %s, got %s", op_names[n->kind],
		    want, got);
}

static int pair_fail(err *e, int code, const node *n, const char *want,
		     const char *a, const char *b)
{
	return perr(e, code, n->pos, "%s needs %s, got %s and %s",
		    op_names[n->kind], want, a, b);
}

/* Types argument i of n's function may have, and how to say so. */
static unsigned arg_types(const node *n, size_t i, const char **what)
{
	if ((n->fn == F_IF && i > 0) || (n->fn == F_LOOKUP && i == 0)) {
		*what = "";
		return M_ANY;
	}
	if (n->fn == F_SELECTED && i == 1) {
		*what = "a number or string";
		return M_NUM | M_STR | M_NULL;
	}
	*what = fn_defs[n->fn].want;
	return fn_defs[n->fn].arg;
}

static void free_node(node *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->nkid; i++)
		free_node(n->kid[i]);
	free(n->kid);
	free(n->text);
	free(n->sl);
	free(n);
}

/* ---- dates, rounding, equality ---- */

static int is_digit(char c) { return c >= '0' && c <= '9'; }
static int is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
static int is_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

/* Splits "YYYY-MM-DD" into a real date of years 1900-2199. */
static int split_date(const char *s, size_t len, int *y, int *m, int *d)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (!s || len != 10 || s[4] != '-' || s[7] != '-')
		return ERR_INVALID;
	for (size_t i = 0; i < 10; i++)
		if (i != 4 && i != 7 && !is_digit(s[i]))
			return ERR_INVALID;
	*y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	*m = (s[5] - '0') * 10 + (s[6] - '0');
	*d = (s[8] - '0') * 10 + (s[9] - '0');
	if (*y < 1900 || *y > 2199 || *m < 1 || *m > 12 || *d < 1 ||
	    *d > mdays[*m - 1] + (*m == 2 && is_leap(*y)))
		return ERR_INVALID;
	return 0;
}

int expr_parse_date(const char *s, size_t len, long *days)
{
	int y, m, d;
	if (split_date(s, len, &y, &m, &d))
		return ERR_INVALID;
	/* days from civil (proleptic Gregorian, March-based years) */
	long yy = y - (m <= 2);
	long era = yy / 400, yoe = yy - era * 400;
	long doy = (153L * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	if (days)
		*days = era * 146097 + doe - 719468;
	return 0;
}

int expr_age_years(const char *birth, size_t blen, const char *on, size_t olen,
		   int *years)
{
	int by, bm, bd, oy, om, od;
	if (split_date(birth, blen, &by, &bm, &bd) || split_date(on, olen, &oy, &om, &od))
		return ERR_INVALID;
	/* comparing (month, day) makes a 29 February birthday reached on
	 * 1 March in a common year, as 28 Feb < 29 Feb < 1 Mar */
	int n = oy - by;
	if (om < bm || (om == bm && od < bd))
		n--;
	if (years)
		*years = n;
	return 0;
}

double expr_round_half_up(double x)
{
	double r = floor(x);
	if (x - r >= 0.5) /* exact, unlike floor(x + 0.5) for 0.49999999999999994 */
		r += 1.0;
	return r == 0 ? 0.0 : r;
}

static int scalar_equal(const expr_value *a, const expr_value *b)
{
	if (a->type != b->type)
		return 0;
	switch (a->type) {
	case EXPR_NULL: return 1;
	case EXPR_BOOL: return (a->u.b != 0) == (b->u.b != 0);
	case EXPR_NUM: return a->u.num == b->u.num;
	case EXPR_STR:
		return a->u.str.len == b->u.str.len &&
		       (a->u.str.len == 0 ||
			memcmp(a->u.str.s, b->u.str.s, a->u.str.len) == 0);
	case EXPR_LIST: /* lists are not list items: no deeper recursion */
		return a->u.list.n == b->u.list.n && a->u.list.items == b->u.list.items;
	}
	return 0;
}

int expr_value_equal(const expr_value *a, const expr_value *b)
{
	if (a->type != EXPR_LIST || b->type != EXPR_LIST)
		return scalar_equal(a, b);
	if (a->u.list.n != b->u.list.n)
		return 0;
	for (size_t i = 0; i < a->u.list.n; i++)
		if (!scalar_equal(&a->u.list.items[i], &b->u.list.items[i]))
			return 0;
	return 1;
}

/* ---- lexer ---- */

/* Converts a literal the lexer has checked (digits [. digits] [e[+-]digits]).
 * Up to 15 significant digits times a power of ten within ±22 take one
 * correctly rounded operation, independent of the C locale; anything else
 * goes through strtod, whose end must match. */
static int to_double(const char *s, size_t n, double *out)
{
	static const double p10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7,
				     1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
				     1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
	uint64_t m = 0;
	int sig = 0, e10 = 0, frac = 0;
	size_t i = 0;
	for (; i < n && sig <= 15 && (is_digit(s[i]) || s[i] == '.'); i++) {
		if (s[i] == '.') {
			frac = 1;
		} else if (m != 0 || s[i] != '0') {
			sig++;
			m = m * 10 + (uint64_t)(s[i] - '0');
			e10 -= frac;
		} else {
			e10 -= frac; /* leading zero */
		}
	}
	if (sig <= 15 && i < n) { /* exponent */
		int neg = 0, x = 0;
		if (s[++i] == '+' || s[i] == '-')
			neg = s[i++] == '-';
		for (; i < n; i++)
			x = x < 10000 ? x * 10 + (s[i] - '0') : x;
		e10 += neg ? -x : x;
	}
	if (sig <= 15 && (m == 0 || (e10 >= -22 && e10 <= 22))) {
		*out = m == 0 ? 0.0 : e10 >= 0 ? (double)m * p10[e10] : (double)m / p10[-e10];
		return 0;
	}
	char buf[128], *end = NULL;
	if (n >= sizeof buf)
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	*out = strtod(buf, &end);
	return end == buf + n && isfinite(*out) ? 0 : -1;
}

/* Scans a number at s[i..n) into t; returns its end or 0 if malformed. */
static size_t lex_number(const char *s, size_t n, size_t i, token *t)
{
	size_t j = i;
	while (j < n && is_digit(s[j]))
		j++;
	if (j < n && s[j] == '.') {
		if (++j >= n || !is_digit(s[j]))
			return 0;
		while (j < n && is_digit(s[j]))
			j++;
	}
	if (j < n && (s[j] == 'e' || s[j] == 'E')) {
		j += j + 1 < n && (s[j + 1] == '+' || s[j + 1] == '-');
		if (++j >= n || !is_digit(s[j]))
			return 0;
		while (j < n && is_digit(s[j]))
			j++;
	}
	if (j < n && (is_alpha(s[j]) || is_digit(s[j]) || s[j] == '.'))
		return 0;
	t->kind = T_NUM;
	return j;
}

/* Reads the token at p->at into p->t. */
static int lex(parser *p)
{
	static const struct {
		const char *w;
		int kind;
	} kw[] = {{"and", T_AND}, {"or", T_OR}, {"not", T_NOT},
		  {"true", T_TRUE}, {"false", T_FALSE}, {"null", T_NULL}};
	static const char singles[] = "(),+-*/%=<>.";
	static const int single_kinds[] = {T_LP, T_RP, T_COMMA, T_PLUS, T_MINUS,
		T_STAR, T_SLASH, T_PCT, T_EQ, T_LT, T_GT, T_DOT};
	const char *s = p->s, *one;
	size_t n = p->len, i = p->at, j;
	token *t = &p->t;
	while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
		i++;
	t->pos = i;
	t->kind = T_END;
	if (i >= n) {
		p->at = i;
		return 0;
	}
	char c = s[i], c1 = i + 1 < n ? s[i + 1] : '\0';
	j = i + 1;
	if (c == '=' && c1 == '=')
		return perr(p->e, ERR_INVALID, i, "use '=' to compare, not '=='");
	if ((c == '!' || c == '<' || c == '>') && c1 == '=') {
		t->kind = c == '!' ? T_NE : c == '<' ? T_LE : T_GE;
		j++;
	} else if (c == '.' && is_digit(c1)) {
		return perr(p->e, ERR_INVALID, i, "malformed number");
	} else if (c != '\0' && (one = strchr(singles, c))) {
		t->kind = single_kinds[one - singles];
	} else if (c == '$') {
		if (c1 != '{')
			return perr(p->e, ERR_INVALID, i, "expected '{' after '$'");
		for (j = i + 2; j < n && s[j] != '}'; j++)
			if (!is_alpha(s[j]) && !is_digit(s[j]) && s[j] != '.' && s[j] != '-')
				return perr(p->e, ERR_INVALID, j, "unexpected character in ${…}");
		if (j >= n)
			return perr(p->e, ERR_INVALID, i, "unterminated ${");
		if (j == i + 2)
			return perr(p->e, ERR_INVALID, i, "empty reference ${}");
		t->kind = T_REF;
		t->a = i + 2;
		t->b = j++;
	} else if (c == '\'' || c == '"') {
		for (j = i + 1; j < n && s[j] != c; j++)
			if (s[j] == '\\' && j + 1 < n && (s[j + 1] == '\\' ||
							  s[j + 1] == '\'' || s[j + 1] == '"'))
				j++;
			else if (s[j] == '\\')
				return perr(p->e, ERR_INVALID, j,
					    "unknown escape (use \\\\, \\' or \\\")");
		if (j >= n)
			return perr(p->e, ERR_INVALID, i, "unterminated string");
		t->kind = T_STR;
		t->a = i + 1;
		t->b = j++;
	} else if (is_digit(c)) {
		if (!(j = lex_number(s, n, i, t)))
			return perr(p->e, ERR_INVALID, i, "malformed number");
		if (to_double(s + i, j - i, &t->num))
			return perr(p->e, ERR_INVALID, i, "number out of range");
	} else if (is_alpha(c)) {
		for (j = i; j < n && (is_alpha(s[j]) || is_digit(s[j])); j++)
			;
		t->kind = T_NAME;
		t->a = i;
		t->b = j;
		for (size_t k = 0; k < sizeof kw / sizeof kw[0]; k++)
			if (strlen(kw[k].w) == j - i && memcmp(kw[k].w, s + i, j - i) == 0)
				t->kind = kw[k].kind;
	} else if (c >= 0x20 && c < 0x7f) {
		return perr(p->e, ERR_INVALID, i, "unexpected character '%c'", c);
	} else {
		return perr(p->e, ERR_INVALID, i, "unexpected byte 0x%02x",
			    (unsigned)(unsigned char)c);
	}
	p->at = j;
	return 0;
}

/* ---- static checks ---- */

/* Fails unless k may have one of the types in want. */
static int need(parser *p, const node *n, const node *k, unsigned want,
		const char *what)
{
	char got[64];
	if (k->mask & want)
		return 0;
	mask_text(k->mask, got, sizeof got);
	return node_fail(p->e, ERR_INVALID, n, what, got);
}

static int check_call(parser *p, node *n)
{
	const char *what;
	unsigned m0 = n->kid[0]->mask, m1 = n->nkid > 1 ? n->kid[1]->mask : 0;
	int rc = 0;
	for (size_t i = 0; !rc && i < n->nkid; i++) {
		unsigned want = arg_types(n, i, &what);
		rc = need(p, n, n->kid[i], want, what);
	}
	if (rc)
		return rc;
	n->mask = fn_defs[n->fn].result;
	switch (n->fn) {
	case F_IF:
		n->mask = m1 | n->kid[2]->mask;
		break;
	case F_COALESCE:
		n->mask = M_NULL;
		for (size_t i = 0; i < n->nkid; i++) {
			if (!(n->kid[i]->mask & M_NULL))
				n->mask &= ~M_NULL; /* never null */
			n->mask |= n->kid[i]->mask & ~M_NULL;
		}
		break;
	case F_ROUND: case F_FLOOR: case F_CEIL: case F_ABS:
		n->mask = M_NUM | (m0 & M_NULL);
		break;
	case F_AGE:
		for (size_t i = 0; !rc && i < 2; i++) {
			const node *k = n->kid[i];
			if (k->kind == N_LIT && k->lit.type == EXPR_STR &&
			    expr_parse_date(k->lit.u.str.s, k->lit.u.str.len, NULL))
				rc = perr(p->e, ERR_INVALID, k->pos, "not a date YYYY-MM-DD");
		}
		n->mask = M_NUM | ((m0 | m1) & M_NULL);
		break;
	case F_LOOKUP: {
		const node *k = n->kid[0];
		const expr_table *tabs = p->names ? p->names->tables : NULL;
		size_t nt = tabs ? p->names->ntables : 0, i;
		if (k->kind != N_LIT || k->lit.type != EXPR_STR)
			return perr(p->e, ERR_INVALID, k->pos,
				    "lookup() needs a table name in quotes");
		for (i = 0; i < nt; i++)
			if (tabs[i].name && strlen(tabs[i].name) == k->lit.u.str.len &&
			    memcmp(tabs[i].name, k->lit.u.str.s, k->lit.u.str.len) == 0)
				break;
		if (i == nt)
			return perr(p->e, ERR_INVALID, k->pos, "unknown table '%.*s'",
				    (int)k->lit.u.str.len, k->lit.u.str.s);
		n->idx = i;
		n->mask = M_NULL;
		for (size_t r = 0; r < tabs[i].n; r++)
			n->mask |= 1u << tabs[i].rows[r].value.type;
		break;
	}
	case F_SUM: case F_COUNT_NONNULL: case F_COUNT_TRUE: {
		/* over references only (most of a score): keep their slots in
		 * one array for a tight loop at evaluation */
		size_t i;
		for (i = 0; i < n->nkid && n->kid[i]->kind == N_SLOT; i++)
			;
		if (i == n->nkid && n->nkid > 2 && (n->sl = malloc(n->nkid * sizeof *n->sl))) {
			for (i = 0; i < n->nkid; i++) {
				n->sl[i] = n->kid[i]->idx;
				if (n->sl[i] > n->sl_max)
					n->sl_max = n->sl[i];
			}
		}
		break;
	}
	}
	return rc;
}

/* Works out n->mask and rejects type errors that are certain. */
static int check(parser *p, node *n)
{
	unsigned m0 = n->nkid > 0 ? n->kid[0]->mask : 0;
	unsigned m1 = n->nkid > 1 ? n->kid[1]->mask : 0;
	char a[64], b[64];
	int rc = 0;
	switch (n->kind) {
	case N_NEG:
		n->mask = M_NUM | (m0 & M_NULL);
		return need(p, n, n->kid[0], M_NUM | M_NULL, "a number");
	case N_NOT: case N_AND: case N_OR:
		n->mask = M_BOOL;
		for (size_t i = 0; !rc && i < n->nkid; i++)
			rc = need(p, n, n->kid[i], M_BOOL | M_NULL, "true or false");
		return rc;
	case N_ADD: case N_SUB: case N_MUL: case N_DIV: case N_MOD:
		n->mask = M_NUM | ((m0 | m1) & M_NULL);
		if (!(rc = need(p, n, n->kid[0], M_NUM | M_NULL, "numbers")))
			rc = need(p, n, n->kid[1], M_NUM | M_NULL, "numbers");
		return rc;
	case N_EQ: case N_NE:
	case N_LT: case N_LE: case N_GT: case N_GE:
		n->mask = M_BOOL;
		if (((m0 | m1) & M_NULL) ||
		    (m0 & m1 & (n->kind <= N_NE ? M_ANY : M_NUM | M_STR)))
			return 0;
		mask_text(m0, a, sizeof a);
		mask_text(m1, b, sizeof b);
		return pair_fail(p->e, ERR_INVALID, n, n->kind <= N_NE ?
				 "values of the same type" : "two numbers or two strings", a, b);
	case N_CALL:
		return check_call(p, n);
	}
	return 0;
}

/* ---- parser ---- */

static node *new_leaf(parser *p, int kind, size_t pos)
{
	node *x = calloc(1, sizeof *x);
	if (!x) {
		err_set(p->e, ERR_NOMEM, "out of memory");
		return NULL;
	}
	x->kind = kind;
	x->pos = pos;
	x->height = 1;
	return x;
}

/* Makes *out a node over kids[0..n), which it owns from now on (they are
 * freed if it fails), and checks height and types. */
static int mknode(parser *p, int kind, int fn, size_t pos, node *const *kids,
		  size_t n, node **out)
{
	int rc;
	unsigned h = 0;
	node *x = new_leaf(p, kind, pos);
	*out = NULL;
	if (x && n && !(x->kid = malloc(n * sizeof *x->kid))) {
		free(x);
		x = NULL;
		err_set(p->e, ERR_NOMEM, "out of memory");
	}
	if (!x) {
		for (size_t i = 0; i < n; i++)
			free_node(kids[i]);
		return ERR_NOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		x->kid[i] = kids[i];
		h = kids[i]->height > h ? kids[i]->height : h;
	}
	x->nkid = n;
	x->fn = fn;
	x->height = h + 1;
	if (x->height > EXPR_MAX_DEPTH)
		rc = perr(p->e, ERR_LIMIT, pos, "expression nested deeper than %d",
			  EXPR_MAX_DEPTH);
	else
		rc = check(p, x);
	if (rc) {
		free_node(x);
		return rc;
	}
	*out = x;
	return 0;
}

/* Every parse function sets *out to a tree it hands over, or to NULL when
 * it fails (having freed what it built). */
typedef int (*parse_fn)(parser *p, node **out);
static int parse_or(parser *p, node **out);

/* Calls f for an operand one level deeper: this bounds the C stack. */
static int nested(parser *p, parse_fn f, node **out)
{
	int rc = 0;
	*out = NULL;
	if (++p->depth > EXPR_MAX_DEPTH)
		rc = perr(p->e, ERR_LIMIT, p->t.pos, "expression nested deeper than %d",
			  EXPR_MAX_DEPTH);
	if (!rc)
		rc = f(p, out);
	p->depth--;
	return rc;
}

/* sub (op sub)* for the left-associative operators in ops (pairs of token
 * and node kind, ended by -1). */
static int parse_chain(parser *p, parse_fn sub, const int *ops, node **out)
{
	node *l = NULL, *r = NULL;
	int rc = sub(p, &l);
	while (!rc) {
		int kind = -1;
		for (size_t i = 0; ops[i] >= 0; i += 2)
			kind = ops[i] == p->t.kind ? ops[i + 1] : kind;
		if (kind < 0)
			break;
		size_t pos = p->t.pos;
		if ((rc = lex(p)) || (rc = sub(p, &r))) {
			free_node(l);
			l = NULL;
			break;
		}
		node *k[2] = {l, r};
		rc = mknode(p, kind, 0, pos, k, 2, &l);
	}
	*out = l;
	return rc;
}

static int parse_call(parser *p, size_t pos, size_t a, size_t b, node **out)
{
	node *args[EXPR_MAX_ARGS];
	size_t n = 0;
	int fn, rc;
	for (fn = 0; fn < F_NFUNCS; fn++)
		if (strlen(fn_defs[fn].name) == b - a &&
		    memcmp(fn_defs[fn].name, p->s + a, b - a) == 0)
			break;
	if (p->t.kind != T_LP && fn < F_NFUNCS)
		return perr(p->e, ERR_INVALID, p->t.pos, "expected '(' after '%s'",
			    fn_defs[fn].name);
	if (fn == F_NFUNCS)
		return perr(p->e, ERR_INVALID, pos, "unknown %s '%.*s'",
			    p->t.kind == T_LP ? "function" : "name", (int)(b - a), p->s + a);
	rc = lex(p);
	while (!rc && (n > 0 || p->t.kind != T_RP)) {
		if (n == EXPR_MAX_ARGS) {
			rc = perr(p->e, ERR_LIMIT, p->t.pos, "more than %d arguments",
				  EXPR_MAX_ARGS);
			break;
		}
		if ((rc = nested(p, parse_or, &args[n])))
			break;
		n++;
		if (p->t.kind == T_RP)
			break;
		if (p->t.kind != T_COMMA)
			rc = perr(p->e, ERR_INVALID, p->t.pos, "expected ',' or ')'");
		else
			rc = lex(p);
	}
	if (!rc)
		rc = lex(p); /* the ')' */
	const struct fn_def *d = &fn_defs[fn];
	if (!rc && d->min == d->max && n != d->min)
		rc = perr(p->e, ERR_INVALID, pos, "%s() takes %zu argument%s, got %zu",
			  d->name, d->min, d->min == 1 ? "" : "s", n);
	else if (!rc && n < d->min)
		rc = perr(p->e, ERR_INVALID, pos, "%s() takes at least %zu argument%s",
			  d->name, d->min, d->min == 1 ? "" : "s");
	if (rc) {
		for (size_t i = 0; i < n; i++)
			free_node(args[i]);
		return rc;
	}
	return mknode(p, N_CALL, fn, pos, args, n, out);
}

static int parse_primary(parser *p, node **out)
{
	token t = p->t;
	node *x = NULL;
	int rc, slot;
	*out = NULL;
	switch (t.kind) {
	case T_LP:
		if ((rc = lex(p)) || (rc = nested(p, parse_or, out)))
			return rc;
		x = *out;
		*out = NULL;
		if (p->t.kind != T_RP) {
			free_node(x);
			return perr(p->e, ERR_INVALID, p->t.pos, "expected ')'");
		}
		break;
	case T_NAME:
		return (rc = lex(p)) ? rc : parse_call(p, t.pos, t.a, t.b, out);
	case T_NUM: case T_STR: case T_TRUE: case T_FALSE: case T_NULL:
		if (!(x = new_leaf(p, N_LIT, t.pos)))
			return ERR_NOMEM;
		if (t.kind == T_NUM) {
			x->lit = expr_num(t.num);
		} else if (t.kind == T_STR) {
			size_t n = 0;
			if (!(x->text = malloc(t.b - t.a + 1))) {
				free_node(x);
				return err_set(p->e, ERR_NOMEM, "out of memory");
			}
			for (size_t i = t.a; i < t.b; i++) {
				if (p->s[i] == '\\')
					i++; /* the lexer checked the escape */
				x->text[n++] = p->s[i];
			}
			x->lit = expr_str(x->text, n);
		} else {
			x->lit = t.kind == T_NULL ? expr_null() : expr_bool(t.kind == T_TRUE);
		}
		x->mask = 1u << x->lit.type;
		break;
	case T_REF: case T_DOT:
		if (t.kind == T_DOT) { /* resolved as the name "." */
			t.a = t.pos;
			t.b = t.pos + 1;
		}
		slot = p->names && p->names->resolve ?
			p->names->resolve(p->names->ctx, p->s + t.a, t.b - t.a) : -1;
		if (slot < 0 && t.kind == T_DOT)
			return perr(p->e, ERR_INVALID, t.pos,
				    "'.' (the current value) is not available here");
		if (slot < 0)
			return perr(p->e, ERR_INVALID, t.pos, "unknown reference ${%.*s}",
				    (int)(t.b - t.a), p->s + t.a);
		if (!(x = new_leaf(p, N_SLOT, t.pos)))
			return ERR_NOMEM;
		x->idx = (size_t)slot;
		x->mask = M_ANY;
		break;
	default:
		return perr(p->e, ERR_INVALID, t.pos, "expected an expression");
	}
	if ((rc = lex(p))) { /* the token after, e.g. "1 }" */
		free_node(x);
		return rc;
	}
	*out = x;
	return 0;
}

static int parse_unary(parser *p, node **out)
{
	size_t pos = p->t.pos;
	node *k = NULL;
	int rc;
	if (p->t.kind != T_MINUS)
		return parse_primary(p, out);
	if ((rc = lex(p)) || (rc = nested(p, parse_unary, &k)))
		return rc;
	if (k->kind == N_LIT && k->lit.type == EXPR_NUM) { /* fold -literal */
		k->lit.u.num = k->lit.u.num == 0 ? 0.0 : -k->lit.u.num;
		k->pos = pos;
		*out = k;
		return 0;
	}
	return mknode(p, N_NEG, 0, pos, &k, 1, out);
}

static const int mul_ops[] = {T_STAR, N_MUL, T_SLASH, N_DIV, T_PCT, N_MOD, -1};
static const int add_ops[] = {T_PLUS, N_ADD, T_MINUS, N_SUB, -1};
static const int and_ops[] = {T_AND, N_AND, -1};
static const int or_ops[] = {T_OR, N_OR, -1};

static int parse_mul(parser *p, node **out) { return parse_chain(p, parse_unary, mul_ops, out); }
static int parse_add(parser *p, node **out) { return parse_chain(p, parse_mul, add_ops, out); }

static int cmp_kind(int tok)
{
	return tok >= T_EQ && tok <= T_GE ? N_EQ + (tok - T_EQ) : -1;
}

/* add [cmp add], not chainable */
static int parse_cmp(parser *p, node **out)
{
	node *k[2] = {NULL, NULL};
	int rc = parse_add(p, &k[0]), kind = cmp_kind(p->t.kind);
	size_t pos = p->t.pos;
	*out = NULL;
	if (rc || kind < 0) {
		*out = k[0];
		return rc;
	}
	if (!(rc = lex(p)) && !(rc = parse_add(p, &k[1])) && cmp_kind(p->t.kind) >= 0)
		rc = perr(p->e, ERR_INVALID, p->t.pos, "comparisons cannot be chained");
	if (rc) {
		free_node(k[0]);
		free_node(k[1]);
		return rc;
	}
	return mknode(p, kind, 0, pos, k, 2, out);
}

static int parse_not(parser *p, node **out)
{
	size_t pos = p->t.pos;
	node *k = NULL;
	int rc;
	if (p->t.kind != T_NOT)
		return parse_cmp(p, out);
	if ((rc = lex(p)) || (rc = nested(p, parse_not, &k)))
		return rc;
	return mknode(p, N_NOT, 0, pos, &k, 1, out);
}

static int parse_and(parser *p, node **out) { return parse_chain(p, parse_not, and_ops, out); }
static int parse_or(parser *p, node **out) { return parse_chain(p, parse_and, or_ops, out); }

int expr_compile(const char *src, size_t len, const expr_names *names,
		 expr **out, err *e)
{
	parser p = {0};
	node *root = NULL;
	const char *nul;
	int rc;
	if (!out)
		return err_set(e, ERR_INVALID, "expr_compile: no output");
	*out = NULL;
	if (len > EXPR_MAX_SOURCE)
		return err_set(e, ERR_LIMIT, "expression longer than %d bytes",
			       EXPR_MAX_SOURCE);
	if (!src && len)
		return err_set(e, ERR_INVALID, "expr_compile: no text");
	if (len && (nul = memchr(src, '\0', len)))
		return perr(e, ERR_INVALID, (size_t)(nul - src), "NUL byte in expression");
	p.s = src ? src : "";
	p.len = len;
	p.names = names;
	p.e = e;
	if ((rc = lex(&p)) || (rc = parse_or(&p, &root)))
		goto done;
	if (p.t.kind != T_END) {
		rc = perr(e, ERR_INVALID, p.t.pos, p.t.kind == T_RP ? "unmatched ')'" :
			  "expected an operator or the end of the expression");
		goto done;
	}
	if (!(*out = malloc(sizeof **out))) {
		rc = err_set(e, ERR_NOMEM, "out of memory");
		goto done;
	}
	(*out)->root = root;
	root = NULL;
done:
	free_node(root);
	return rc;
}

void expr_free(expr *x)
{
	if (!x)
		return;
	free_node(x->root);
	free(x);
}

/* ---- evaluation ---- */

static int ev(const node *n, const expr_scope *sc, expr_value *out, err *e);

/* The small steps of the tree walk are inlined into it: a call per operand
 * was most of the cost of scoring. */
#define HOT __attribute__((always_inline))

/* Evaluates k into *v: references and literals (most operands) inline,
 * anything else through ev(). */
HOT static inline int fetch(const node *k, const expr_scope *sc, expr_value *v, err *e)
{
	if (k->kind == N_SLOT && k->idx < sc->nslots) {
		*v = sc->slots[k->idx];
		return 0;
	}
	if (k->kind == N_LIT) {
		*v = k->lit;
		return 0;
	}
	return ev(k, sc, v, e);
}

/* Evaluates k, an operand of n, into *v, which must have a type in want. */
HOT static inline int ev_want(const node *n, const node *k, const expr_scope *sc,
		   unsigned want, const char *what, expr_value *v, err *e)
{
	int rc = fetch(k, sc, v, e);
	if (!rc && ((unsigned)v->type > EXPR_LIST || !(want & (1u << v->type))))
		rc = node_fail(e, ERR_TYPE, n, what, tname(v->type));
	return rc;
}

/* Evaluates argument i of the call n with the types arg_types() allows. */
HOT static inline int ev_arg(const node *n, size_t i, const expr_scope *sc, expr_value *v, err *e)
{
	const char *what;
	unsigned want = arg_types(n, i, &what);
	return ev_want(n, n->kid[i], sc, want, what, v, e);
}

/* A condition: true, or false for false and null. */
/* A reference or literal operand in place, or NULL for anything else. */
HOT static inline const expr_value *operand(const node *k, const expr_scope *sc)
{
	if (k->kind == N_SLOT)
		return k->idx < sc->nslots && sc->slots ? &sc->slots[k->idx] : NULL;
	return k->kind == N_LIT ? &k->lit : NULL;
}

/* A comparison of two references or literals of the same plain type (the
 * conditions of rules and relevance), decided here with the semantics of
 * ev_binary; returns 0 when it is not that case and the tree walk must. */
HOT static inline int compare_fast(const node *k, const expr_scope *sc, int *b)
{
	const expr_value *x = operand(k->kid[0], sc), *y = operand(k->kid[1], sc);
	if (!x || !y || x->type != y->type)
		return 0;
	int eq;
	switch (x->type) {
	case EXPR_NUM: /* NaN: every order is false, = false, != true */
		switch (k->kind) {
		case N_LT: *b = x->u.num < y->u.num; return 1;
		case N_LE: *b = x->u.num <= y->u.num; return 1;
		case N_GT: *b = x->u.num > y->u.num; return 1;
		case N_GE: *b = x->u.num >= y->u.num; return 1;
		}
		eq = x->u.num == y->u.num;
		break;
	case EXPR_BOOL:
		eq = (x->u.b != 0) == (y->u.b != 0);
		break;
	case EXPR_STR:
		eq = x->u.str.len == y->u.str.len &&
		     (x->u.str.len == 0 || memcmp(x->u.str.s, y->u.str.s, x->u.str.len) == 0);
		break;
	default:
		return 0;
	}
	if (k->kind != N_EQ && k->kind != N_NE)
		return 0; /* ordering strings or booleans: the tree walk decides */
	*b = k->kind == N_EQ ? eq : !eq;
	return 1;
}

HOT static inline int truth(const node *n, const node *k, const expr_scope *sc, int *b, err *e)
{
	expr_value v;
	if (k->kind >= N_EQ && k->kind <= N_GE && compare_fast(k, sc, b))
		return 0;
	int rc = ev_want(n, k, sc, M_BOOL | M_NULL, "true or false", &v, e);
	*b = !rc && v.type == EXPR_BOOL && v.u.b;
	return rc;
}

HOT static inline int put_num(const node *n, double d, expr_value *out, err *e)
{
	if (!isfinite(d))
		return perr(e, ERR_INVALID, n->pos, "number out of range");
	*out = expr_num(d == 0 ? 0.0 : d); /* no -0 */
	return 0;
}

static int ev_binary(const node *n, const expr_scope *sc, expr_value *out, err *e)
{
	expr_value a, b;
	int rc, c;
	if (n->kind >= N_ADD && n->kind <= N_MOD) {
		if ((rc = ev_want(n, n->kid[0], sc, M_NUM | M_NULL, "numbers", &a, e)) ||
		    (rc = ev_want(n, n->kid[1], sc, M_NUM | M_NULL, "numbers", &b, e)))
			return rc;
		if (a.type == EXPR_NULL || b.type == EXPR_NULL) {
			*out = expr_null();
			return 0;
		}
		double x = a.u.num, y = b.u.num;
		if ((n->kind == N_DIV || n->kind == N_MOD) && y == 0)
			return perr(e, ERR_INVALID, n->pos, "division by zero");
		return put_num(n, n->kind == N_ADD ? x + y : n->kind == N_SUB ? x - y :
			       n->kind == N_MUL ? x * y : n->kind == N_DIV ? x / y :
			       fmod(x, y), out, e);
	}
	if ((rc = fetch(n->kid[0], sc, &a, e)) || (rc = fetch(n->kid[1], sc, &b, e)))
		return rc;
	if (n->kind == N_EQ || n->kind == N_NE) {
		if (a.type != EXPR_NULL && b.type != EXPR_NULL && a.type != b.type)
			return pair_fail(e, ERR_TYPE, n, "values of the same type",
					 tname(a.type), tname(b.type));
		*out = expr_bool(expr_value_equal(&a, &b) == (n->kind == N_EQ));
		return 0;
	}
	*out = expr_bool(0);
	if (a.type == EXPR_NULL || b.type == EXPR_NULL)
		return 0;
	if (a.type == EXPR_NUM && b.type == EXPR_NUM) {
		if (isnan(a.u.num) || isnan(b.u.num))
			return 0;
		c = a.u.num < b.u.num ? -1 : a.u.num > b.u.num;
	} else if (a.type == EXPR_STR && b.type == EXPR_STR) {
		size_t m = a.u.str.len < b.u.str.len ? a.u.str.len : b.u.str.len;
		c = m ? memcmp(a.u.str.s, b.u.str.s, m) : 0;
		if (c == 0)
			c = a.u.str.len < b.u.str.len ? -1 : a.u.str.len > b.u.str.len;
	} else {
		return pair_fail(e, ERR_TYPE, n, "two numbers or two strings",
				 tname(a.type), tname(b.type));
	}
	out->u.b = n->kind == N_LT ? c < 0 : n->kind == N_LE ? c <= 0 :
		   n->kind == N_GT ? c > 0 : c >= 0;
	return 0;
}

static int ev_lookup(const node *n, const expr_scope *sc, expr_value *out, err *e)
{
	expr_value v;
	size_t lo = 0, hi;
	int rc;
	if (n->idx >= sc->ntables || !sc->tables)
		return perr(e, ERR_INVALID, n->pos, "lookup() table not in scope");
	if ((rc = ev_arg(n, 1, sc, &v, e)) || v.type == EXPR_NULL)
		return rc;
	const expr_table *t = &sc->tables[n->idx];
	for (hi = t->n; lo < hi;) { /* the first row with min > x */
		size_t mid = lo + (hi - lo) / 2;
		if (t->rows[mid].min <= v.u.num)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo > 0)
		*out = t->rows[lo - 1].value;
	return 0;
}

static int ev_call(const node *n, const expr_scope *sc, expr_value *out, err *e)
{
	expr_value v[2];
	double acc = 0, cnt = 0;
	int rc = 0, b;
	*out = expr_null();
	switch (n->fn) {
	case F_IF: /* lazy */
		return (rc = truth(n, n->kid[0], sc, &b, e)) ? rc :
			fetch(n->kid[b ? 1 : 2], sc, out, e);
	case F_COALESCE: /* lazy */
		for (size_t i = 0; !rc && i < n->nkid && out->type == EXPR_NULL; i++)
			rc = fetch(n->kid[i], sc, out, e);
		return rc;
	case F_LOOKUP:
		return ev_lookup(n, sc, out, e);
	}
	if (n->sl && n->sl_max < sc->nslots) {
		const expr_value *S = sc->slots;
		size_t i;
		if (n->fn == F_COUNT_NONNULL) {
			for (i = 0; i < n->nkid; i++)
				acc += S[n->sl[i]].type != EXPR_NULL;
		} else if (n->fn == F_COUNT_TRUE) {
			for (i = 0; i < n->nkid; i++) {
				const expr_value *x = &S[n->sl[i]];
				if (x->type == EXPR_BOOL)
					acc += x->u.b != 0;
				else if (x->type != EXPR_NULL)
					break;
			}
		} else {
			for (i = 0; i < n->nkid; i++) {
				const expr_value *x = &S[n->sl[i]];
				if (x->type == EXPR_NUM)
					acc += x->u.num;
				else if (x->type != EXPR_NULL)
					break;
			}
		}
		if (i < n->nkid) {
			const char *what;
			arg_types(n, i, &what);
			return node_fail(e, ERR_TYPE, n, what, tname(S[n->sl[i]].type));
		}
		return put_num(n, acc, out, e);
	}
	/* sum() and count_nonnull() over item slots are most of a score: a
	 * tight loop for them (same checks, no per-argument dispatch) */
	if ((n->fn == F_SUM || n->fn == F_COUNT_NONNULL) && n->nkid > 2) {
		for (size_t i = 0; i < n->nkid; i++) {
			const node *k = n->kid[i];
			expr_value xv;
			if (k->kind == N_SLOT && k->idx < sc->nslots)
				xv = sc->slots[k->idx];
			else if ((rc = ev_arg(n, i, sc, &xv, e)))
				return rc;
			if (n->fn == F_COUNT_NONNULL) {
				acc += xv.type != EXPR_NULL;
			} else if (xv.type == EXPR_NUM) {
				acc += xv.u.num;
			} else if (xv.type != EXPR_NULL) {
				const char *what;
				arg_types(n, i, &what);
				return node_fail(e, ERR_TYPE, n, what, tname(xv.type));
			}
		}
		return put_num(n, acc, out, e);
	}
	/* the rest evaluate every argument, with the types of arg_types() */
	for (size_t i = 0; i < n->nkid; i++) {
		expr_value *x = &v[i < 2 ? i : 1];
		if ((rc = ev_arg(n, i, sc, x, e)))
			return rc;
		if (n->fn == F_COUNT_NONNULL || n->fn == F_COUNT_TRUE)
			acc += n->fn == F_COUNT_TRUE ? x->type == EXPR_BOOL && x->u.b :
			       x->type != EXPR_NULL;
		else if (n->fn == F_SUM && x->type == EXPR_NUM)
			acc += x->u.num;
		else if ((n->fn == F_MIN || n->fn == F_MAX) && x->type == EXPR_NUM &&
			 (cnt++ == 0 || (n->fn == F_MIN ? x->u.num < acc : x->u.num > acc)))
			acc = x->u.num;
	}
	switch (n->fn) {
	case F_IS_NULL:
		*out = expr_bool(v[0].type == EXPR_NULL);
		return 0;
	case F_MIN: case F_MAX:
		return cnt == 0 ? 0 : put_num(n, acc, out, e);
	case F_SUM: case F_COUNT_NONNULL: case F_COUNT_TRUE:
		return put_num(n, acc, out, e);
	case F_COUNT:
		return put_num(n, v[0].type == EXPR_LIST ? (double)v[0].u.list.n : 0, out, e);
	case F_SELECTED:
		*out = expr_bool(0);
		for (size_t i = 0; v[0].type == EXPR_LIST && i < v[0].u.list.n; i++)
			if (v[1].type != EXPR_NULL && scalar_equal(&v[0].u.list.items[i], &v[1]))
				out->u.b = 1;
		return 0;
	case F_ROUND: case F_FLOOR: case F_CEIL: case F_ABS:
		if (v[0].type == EXPR_NULL)
			return 0;
		acc = v[0].u.num;
		return put_num(n, n->fn == F_ROUND ? expr_round_half_up(acc) :
			       n->fn == F_FLOOR ? floor(acc) :
			       n->fn == F_CEIL ? ceil(acc) : fabs(acc), out, e);
	case F_AGE: {
		int years;
		if (v[0].type == EXPR_NULL || v[1].type == EXPR_NULL)
			return 0;
		if (expr_age_years(v[0].u.str.s, v[0].u.str.len, v[1].u.str.s,
				   v[1].u.str.len, &years))
			return perr(e, ERR_TYPE, n->pos, "age() needs dates YYYY-MM-DD");
		return put_num(n, years, out, e);
	}
	}
	return perr(e, ERR_INVALID, n->pos, "unknown function");
}

static int ev(const node *n, const expr_scope *sc, expr_value *out, err *e)
{
	expr_value v;
	int rc, b;
	switch (n->kind) {
	case N_LIT:
		*out = n->lit;
		return 0;
	case N_SLOT:
		if (n->idx >= sc->nslots || !sc->slots)
			return perr(e, ERR_INVALID, n->pos, "reference outside the scope");
		*out = sc->slots[n->idx];
		return 0;
	case N_NEG:
		if ((rc = ev_want(n, n->kid[0], sc, M_NUM | M_NULL, "a number", &v, e)))
			return rc;
		*out = v.type == EXPR_NULL ? v : expr_num(v.u.num == 0 ? 0.0 : -v.u.num);
		return 0;
	case N_NOT:
		if ((rc = truth(n, n->kid[0], sc, &b, e)))
			return rc;
		*out = expr_bool(!b);
		return 0;
	case N_AND: case N_OR: /* the right side only when the left does not decide */
		if ((rc = truth(n, n->kid[0], sc, &b, e)) ||
		    (b == (n->kind == N_AND) && (rc = truth(n, n->kid[1], sc, &b, e))))
			return rc;
		*out = expr_bool(b);
		return 0;
	case N_CALL:
		return ev_call(n, sc, out, e);
	}
	return ev_binary(n, sc, out, e);
}

int expr_eval(const expr *x, const expr_scope *scope, expr_value *out, err *e)
{
	static const expr_scope empty;
	if (!out)
		return err_set(e, ERR_INVALID, "expr_eval: no output");
	*out = expr_null();
	if (!x || !x->root)
		return err_set(e, ERR_INVALID, "expr_eval: no expression");
	return ev(x->root, scope ? scope : &empty, out, e);
}

int expr_eval_bool(const expr *x, const expr_scope *scope, int *out, err *e)
{
	expr_value v;
	int rc = expr_eval(x, scope, &v, e);
	if (out)
		*out = 0;
	if (rc)
		return rc;
	if (v.type != EXPR_BOOL && v.type != EXPR_NULL)
		return err_set(e, ERR_TYPE, "expected true or false, got %s", tname(v.type));
	if (out)
		*out = v.type == EXPR_BOOL && v.u.b;
	return 0;
}
