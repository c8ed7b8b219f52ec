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

enum {
	F_IF, F_COALESCE, F_IS_NULL, F_MIN, F_MAX, F_SUM, F_COUNT_NONNULL,
	F_COUNT_TRUE, F_COUNT, F_SELECTED, F_ROUND, F_FLOOR, F_CEIL, F_ABS,
	F_AGE, F_LOOKUP, F_NFUNCS,
};

static const struct fn_def {
	const char *name;
	size_t min, max; /* number of arguments */
} fn_defs[F_NFUNCS] = {
	[F_IF] = {"if", 3, 3},
	[F_COALESCE] = {"coalesce", 1, EXPR_MAX_ARGS},
	[F_IS_NULL] = {"is_null", 1, 1},
	[F_MIN] = {"min", 1, EXPR_MAX_ARGS},
	[F_MAX] = {"max", 1, EXPR_MAX_ARGS},
	[F_SUM] = {"sum", 1, EXPR_MAX_ARGS},
	[F_COUNT_NONNULL] = {"count_nonnull", 1, EXPR_MAX_ARGS},
	[F_COUNT_TRUE] = {"count_true", 1, EXPR_MAX_ARGS},
	[F_COUNT] = {"count", 1, 1},
	[F_SELECTED] = {"selected", 2, 2},
	[F_ROUND] = {"round", 1, 1},
	[F_FLOOR] = {"floor", 1, 1},
	[F_CEIL] = {"ceil", 1, 1},
	[F_ABS] = {"abs", 1, 1},
	[F_AGE] = {"age", 2, 2},
	[F_LOOKUP] = {"lookup", 2, 2},
};

static const char *const type_names[] = {"null", "boolean", "number", "string",
					 "list"};

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
};

struct expr {
	node *root;
};

typedef struct token {
	int kind;   /* T_* */
	size_t pos; /* offset of the first byte */
	size_t a, b; /* T_STR: raw contents; T_REF, T_NAME: the name */
	double num; /* T_NUM */
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

static void free_node(node *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->nkid; i++)
		free_node(n->kid[i]);
	free(n->kid);
	free(n->text);
	free(n);
}

/* ---- dates and rounding ---- */

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
	if (*y < 1900 || *y > 2199 || *m < 1 || *m > 12 || *d < 1)
		return ERR_INVALID;
	if (*d > mdays[*m - 1] + (*m == 2 && is_leap(*y)))
		return ERR_INVALID;
	return 0;
}

int expr_parse_date(const char *s, size_t len, long *days)
{
	int y, m, d;
	if (split_date(s, len, &y, &m, &d))
		return ERR_INVALID;
	/* days from civil (proleptic Gregorian), valid for y >= 0 */
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
	/* comparing (month, day) pairs makes 29 Feb reached on 1 Mar in a
	 * common year, since 28 Feb < 29 Feb < 1 Mar */
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
	if (x - r >= 0.5) /* exact, unlike floor(x + 0.5) near 0.49999… */
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
	case EXPR_LIST:
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
 * Up to 15 significant digits and a power of ten within ±22 are converted
 * with one correctly rounded operation, independent of the C locale; the
 * rest goes through strtod, whose end must match. */
static int to_double(const char *s, size_t n, double *out)
{
	static const double p10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7,
				     1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
				     1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
	uint64_t m = 0;
	int sig = 0, e10 = 0, frac = 0;
	size_t i = 0;
	for (; i < n && (is_digit(s[i]) || s[i] == '.'); i++) {
		if (s[i] == '.') {
			frac = 1;
			continue;
		}
		if (m == 0 && s[i] == '0') {
			e10 -= frac;
			continue;
		}
		sig++;
		m = m * 10 + (uint64_t)(s[i] - '0');
		e10 -= frac;
		if (sig > 15)
			break;
	}
	if (i < n && sig <= 15 && (s[i] == 'e' || s[i] == 'E')) {
		int neg = 0, x = 0;
		if (s[++i] == '+' || s[i] == '-')
			neg = s[i++] == '-';
		for (; i < n; i++)
			if (x < 10000)
				x = x * 10 + (s[i] - '0');
		e10 += neg ? -x : x;
	}
	if (sig <= 15 && (m == 0 || (e10 >= -22 && e10 <= 22))) {
		double v = (double)m;
		*out = m == 0 ? 0.0 : e10 >= 0 ? v * p10[e10] : v / p10[-e10];
		return 0;
	}
	char buf[128];
	char *end = NULL;
	if (n >= sizeof buf)
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	*out = strtod(buf, &end);
	return end == buf + n && isfinite(*out) ? 0 : -1;
}

/* Reads the token at p->at into p->t. */
static int lex(parser *p)
{
	const char *s = p->s;
	size_t n = p->len, i = p->at, j;
	token *t = &p->t;
	while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
		i++;
	t->pos = i;
	if (i >= n) {
		t->kind = T_END;
		p->at = i;
		return 0;
	}
	char c = s[i], c1 = i + 1 < n ? s[i + 1] : '\0';
	j = i + 1;
	switch (c) {
	case '(': t->kind = T_LP; break;
	case ')': t->kind = T_RP; break;
	case ',': t->kind = T_COMMA; break;
	case '+': t->kind = T_PLUS; break;
	case '-': t->kind = T_MINUS; break;
	case '*': t->kind = T_STAR; break;
	case '/': t->kind = T_SLASH; break;
	case '%': t->kind = T_PCT; break;
	case '=':
		if (c1 == '=')
			return perr(p->e, ERR_INVALID, i, "use '=' to compare, not '=='");
		t->kind = T_EQ;
		break;
	case '!':
		if (c1 != '=')
			return perr(p->e, ERR_INVALID, i, "unexpected character '!'");
		t->kind = T_NE;
		j++;
		break;
	case '<':
	case '>':
		t->kind = c == '<' ? (c1 == '=' ? T_LE : T_LT) : (c1 == '=' ? T_GE : T_GT);
		j += c1 == '=';
		break;
	case '.':
		if (is_digit(c1))
			return perr(p->e, ERR_INVALID, i, "malformed number");
		t->kind = T_DOT;
		break;
	case '$':
		if (c1 != '{')
			return perr(p->e, ERR_INVALID, i, "expected '{' after '$'");
		for (j = i + 2; j < n && s[j] != '}'; j++)
			if (!is_alpha(s[j]) && !is_digit(s[j]) && s[j] != '.' && s[j] != '-')
				return perr(p->e, ERR_INVALID, j,
					    "unexpected character in ${…}");
		if (j >= n)
			return perr(p->e, ERR_INVALID, i, "unterminated ${");
		if (j == i + 2)
			return perr(p->e, ERR_INVALID, i, "empty reference ${}");
		t->kind = T_REF;
		t->a = i + 2;
		t->b = j++;
		break;
	case '\'':
	case '"':
		for (j = i + 1; j < n && s[j] != c; j++)
			if (s[j] == '\\') {
				if (j + 1 < n && (s[j + 1] == '\\' || s[j + 1] == '\'' ||
						  s[j + 1] == '"'))
					j++;
				else
					return perr(p->e, ERR_INVALID, j,
						    "unknown escape (use \\\\, \\' or \\\")");
			}
		if (j >= n)
			return perr(p->e, ERR_INVALID, i, "unterminated string");
		t->kind = T_STR;
		t->a = i + 1;
		t->b = j++;
		break;
	default:
		if (is_digit(c)) {
			for (j = i; j < n && is_digit(s[j]); j++)
				;
			if (j < n && s[j] == '.') {
				if (++j >= n || !is_digit(s[j]))
					return perr(p->e, ERR_INVALID, i, "malformed number");
				while (j < n && is_digit(s[j]))
					j++;
			}
			if (j < n && (s[j] == 'e' || s[j] == 'E')) {
				j += j + 1 < n && (s[j + 1] == '+' || s[j + 1] == '-');
				if (++j >= n || !is_digit(s[j]))
					return perr(p->e, ERR_INVALID, i, "malformed number");
				while (j < n && is_digit(s[j]))
					j++;
			}
			if (j < n && (is_alpha(s[j]) || is_digit(s[j]) || s[j] == '.'))
				return perr(p->e, ERR_INVALID, i, "malformed number");
			if (to_double(s + i, j - i, &t->num))
				return perr(p->e, ERR_INVALID, i, "number out of range");
			t->kind = T_NUM;
		} else if (is_alpha(c)) {
			static const struct {
				const char *w;
				int kind;
			} kw[] = {{"and", T_AND}, {"or", T_OR}, {"not", T_NOT},
				  {"true", T_TRUE}, {"false", T_FALSE}, {"null", T_NULL}};
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

static int need_all(parser *p, const node *n, unsigned want, const char *what)
{
	for (size_t i = 0; i < n->nkid; i++) {
		int rc = need(p, n, n->kid[i], want, what);
		if (rc)
			return rc;
	}
	return 0;
}

static int pair_fail(err *e, int code, const node *n, const char *want,
		     const char *a, const char *b)
{
	return perr(e, code, n->pos, "%s needs %s, got %s and %s",
		    op_names[n->kind], want, a, b);
}

static int check_call(parser *p, node *n)
{
	unsigned m0 = n->kid[0]->mask, m1 = n->nkid > 1 ? n->kid[1]->mask : 0;
	int rc = 0;
	switch (n->fn) {
	case F_IF:
		rc = need(p, n, n->kid[0], M_BOOL | M_NULL, "true or false");
		n->mask = m1 | n->kid[2]->mask;
		break;
	case F_COALESCE: {
		unsigned all_null = M_NULL;
		n->mask = 0;
		for (size_t i = 0; i < n->nkid; i++) {
			n->mask |= n->kid[i]->mask & ~M_NULL;
			if (!(n->kid[i]->mask & M_NULL))
				all_null = 0;
		}
		n->mask |= all_null;
		break;
	}
	case F_IS_NULL: n->mask = M_BOOL; break;
	case F_MIN:
	case F_MAX:
		rc = need_all(p, n, M_NUM | M_NULL, "numbers");
		n->mask = M_NUM | M_NULL;
		break;
	case F_SUM:
		rc = need_all(p, n, M_NUM | M_NULL, "numbers");
		n->mask = M_NUM;
		break;
	case F_COUNT_NONNULL: n->mask = M_NUM; break;
	case F_COUNT_TRUE:
		rc = need_all(p, n, M_BOOL | M_NULL, "true or false");
		n->mask = M_NUM;
		break;
	case F_COUNT:
		rc = need(p, n, n->kid[0], M_LIST | M_NULL, "a list");
		n->mask = M_NUM;
		break;
	case F_SELECTED:
		rc = need(p, n, n->kid[0], M_LIST | M_NULL, "a list");
		if (!rc)
			rc = need(p, n, n->kid[1], M_NUM | M_STR | M_NULL,
				  "a number or string");
		n->mask = M_BOOL;
		break;
	case F_ROUND:
	case F_FLOOR:
	case F_CEIL:
	case F_ABS:
		rc = need(p, n, n->kid[0], M_NUM | M_NULL, "a number");
		n->mask = M_NUM | (m0 & M_NULL);
		break;
	case F_AGE:
		rc = need_all(p, n, M_STR | M_NULL, "dates");
		for (size_t i = 0; !rc && i < 2; i++) {
			const node *k = n->kid[i];
			if (k->kind == N_LIT && k->lit.type == EXPR_STR &&
			    expr_parse_date(k->lit.u.str.s, k->lit.u.str.len, NULL))
				rc = perr(p->e, ERR_INVALID, k->pos,
					  "not a date YYYY-MM-DD");
		}
		n->mask = M_NUM | ((m0 | m1) & M_NULL);
		break;
	case F_LOOKUP: {
		const node *k = n->kid[0];
		const expr_table *tabs = p->names ? p->names->tables : NULL;
		size_t nt = p->names && tabs ? p->names->ntables : 0, i;
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
		rc = need(p, n, n->kid[1], M_NUM | M_NULL, "a number");
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
	switch (n->kind) {
	case N_NEG:
		n->mask = M_NUM | (m0 & M_NULL);
		return need(p, n, n->kid[0], M_NUM | M_NULL, "a number");
	case N_NOT:
	case N_AND:
	case N_OR:
		n->mask = M_BOOL;
		return need_all(p, n, M_BOOL | M_NULL, "true or false");
	case N_ADD:
	case N_SUB:
	case N_MUL:
	case N_DIV:
	case N_MOD:
		n->mask = M_NUM | ((m0 | m1) & M_NULL);
		return need_all(p, n, M_NUM | M_NULL, "numbers");
	case N_EQ:
	case N_NE:
		n->mask = M_BOOL;
		if (((m0 | m1) & M_NULL) || (m0 & m1))
			return 0;
		mask_text(m0, a, sizeof a);
		mask_text(m1, b, sizeof b);
		return pair_fail(p->e, ERR_INVALID, n, "values of the same type", a, b);
	case N_LT:
	case N_LE:
	case N_GT:
	case N_GE:
		n->mask = M_BOOL;
		if (((m0 | m1) & M_NULL) || (m0 & m1 & (M_NUM | M_STR)))
			return 0;
		mask_text(m0, a, sizeof a);
		mask_text(m1, b, sizeof b);
		return pair_fail(p->e, ERR_INVALID, n, "two numbers or two strings", a, b);
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
	if (x && n) {
		x->kid = malloc(n * sizeof *x->kid);
		if (!x->kid) {
			free(x);
			x = NULL;
			err_set(p->e, ERR_NOMEM, "out of memory");
		}
	}
	if (!x) {
		for (size_t i = 0; i < n; i++)
			free_node(kids[i]);
		return ERR_NOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		x->kid[i] = kids[i];
		if (kids[i]->height > h)
			h = kids[i]->height;
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

static int enter(parser *p)
{
	if (++p->depth > EXPR_MAX_DEPTH)
		return perr(p->e, ERR_LIMIT, p->t.pos, "expression nested deeper than %d",
			    EXPR_MAX_DEPTH);
	return 0;
}

typedef int (*parse_fn)(parser *p, node **out);
static int parse_or(parser *p, node **out);

/* sub (op sub)* for the left-associative operators in ops (pairs of token
 * and node kind, ended by -1). */
static int parse_chain(parser *p, parse_fn sub, const int *ops, node **out)
{
	node *l = NULL, *r = NULL;
	int rc = sub(p, &l);
	while (!rc) {
		int kind = -1;
		for (size_t i = 0; ops[i] >= 0; i += 2)
			if (ops[i] == p->t.kind)
				kind = ops[i + 1];
		if (kind < 0)
			break;
		size_t pos = p->t.pos;
		rc = lex(p);
		if (!rc)
			rc = sub(p, &r);
		if (rc) {
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

/* Calls f for an operand one level deeper. */
static int nested(parser *p, parse_fn f, node **out)
{
	*out = NULL;
	int rc = enter(p);
	if (!rc)
		rc = f(p, out);
	p->depth--;
	return rc;
}

static int parse_call(parser *p, size_t pos, size_t a, size_t b, node **out)
{
	node *args[EXPR_MAX_ARGS];
	size_t n = 0;
	int fn, rc = 0;
	for (fn = 0; fn < F_NFUNCS; fn++)
		if (strlen(fn_defs[fn].name) == b - a &&
		    memcmp(fn_defs[fn].name, p->s + a, b - a) == 0)
			break;
	if (p->t.kind != T_LP)
		return fn < F_NFUNCS ?
			perr(p->e, ERR_INVALID, p->t.pos, "expected '(' after '%s'",
			     fn_defs[fn].name) :
			perr(p->e, ERR_INVALID, pos, "unknown name '%.*s'",
			     (int)(b - a), p->s + a);
	if (fn == F_NFUNCS)
		return perr(p->e, ERR_INVALID, pos, "unknown function '%.*s'",
			    (int)(b - a), p->s + a);
	rc = lex(p);
	while (!rc && (n > 0 || p->t.kind != T_RP)) {
		if (n == EXPR_MAX_ARGS) {
			rc = perr(p->e, ERR_LIMIT, p->t.pos, "more than %d arguments",
				  EXPR_MAX_ARGS);
			break;
		}
		rc = nested(p, parse_or, &args[n]);
		if (rc)
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
	if (!rc && (n < fn_defs[fn].min || n > fn_defs[fn].max)) {
		const struct fn_def *d = &fn_defs[fn];
		if (d->min == d->max)
			rc = perr(p->e, ERR_INVALID, pos, "%s() takes %zu argument%s, got %zu",
				  d->name, d->min, d->min == 1 ? "" : "s", n);
		else
			rc = perr(p->e, ERR_INVALID, pos, "%s() takes at least %zu argument%s",
				  d->name, d->min, d->min == 1 ? "" : "s");
	}
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
	int rc = 0;
	*out = NULL;
	switch (t.kind) {
	case T_LP:
		if ((rc = lex(p)) || (rc = nested(p, parse_or, out)))
			return rc;
		if (p->t.kind != T_RP) {
			free_node(*out);
			*out = NULL;
			return perr(p->e, ERR_INVALID, p->t.pos, "expected ')'");
		}
		return lex(p);
	case T_NAME:
		if ((rc = lex(p)))
			return rc;
		return parse_call(p, t.pos, t.a, t.b, out);
	case T_NUM:
	case T_STR:
	case T_TRUE:
	case T_FALSE:
	case T_NULL:
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
	case T_REF:
	case T_DOT: {
		const char *name = t.kind == T_DOT ? "." : p->s + t.a;
		size_t len = t.kind == T_DOT ? 1 : t.b - t.a;
		int slot = p->names && p->names->resolve ?
			p->names->resolve(p->names->ctx, name, len) : -1;
		if (slot < 0 && t.kind == T_DOT)
			return perr(p->e, ERR_INVALID, t.pos,
				    "'.' (the current value) is not available here");
		if (slot < 0)
			return perr(p->e, ERR_INVALID, t.pos, "unknown reference ${%.*s}",
				    (int)len, name);
		if (!(x = new_leaf(p, N_SLOT, t.pos)))
			return ERR_NOMEM;
		x->idx = (size_t)slot;
		x->mask = M_ANY;
		break;
	}
	default:
		return perr(p->e, ERR_INVALID, t.pos, "expected an expression");
	}
	*out = x;
	return lex(p);
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
static const int cmp_ops[] = {T_EQ, N_EQ, T_NE, N_NE, T_LT, N_LT,
			      T_LE, N_LE, T_GT, N_GT, T_GE, N_GE, -1};
static const int and_ops[] = {T_AND, N_AND, -1};
static const int or_ops[] = {T_OR, N_OR, -1};

static int cmp_kind(int tok)
{
	for (size_t i = 0; cmp_ops[i] >= 0; i += 2)
		if (cmp_ops[i] == tok)
			return cmp_ops[i + 1];
	return -1;
}

static int parse_mul(parser *p, node **out) { return parse_chain(p, parse_unary, mul_ops, out); }
static int parse_add(parser *p, node **out) { return parse_chain(p, parse_mul, add_ops, out); }

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
	if ((rc = lex(p)) || (rc = parse_add(p, &k[1]))) {
		free_node(k[0]);
		return rc;
	}
	if (cmp_kind(p->t.kind) >= 0) {
		free_node(k[0]);
		free_node(k[1]);
		return perr(p->e, ERR_INVALID, p->t.pos, "comparisons cannot be chained");
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

/* Evaluates k, an operand of n, into *v; v must have a type in want. */
static int ev_want(const node *n, const node *k, const expr_scope *sc, unsigned want,
		   const char *what, expr_value *v, err *e)
{
	int rc = ev(k, sc, v, e);
	if (rc)
		return rc;
	if ((unsigned)v->type > EXPR_LIST || !(want & (1u << v->type)))
		return node_fail(e, ERR_TYPE, n, what, tname(v->type));
	return 0;
}

static int truth(const node *n, const node *k, const expr_scope *sc, int *b, err *e)
{
	expr_value v;
	int rc = ev_want(n, k, sc, M_BOOL | M_NULL, "true or false", &v, e);
	*b = !rc && v.type == EXPR_BOOL && v.u.b;
	return rc;
}

static int put_num(const node *n, double d, expr_value *out, err *e)
{
	if (!isfinite(d))
		return perr(e, ERR_INVALID, n->pos, "number out of range");
	*out = expr_num(d == 0 ? 0.0 : d);
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
	if ((rc = ev(n->kid[0], sc, &a, e)) || (rc = ev(n->kid[1], sc, &b, e)))
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
	*out = expr_bool(n->kind == N_LT ? c < 0 : n->kind == N_LE ? c <= 0 :
			 n->kind == N_GT ? c > 0 : c >= 0);
	return 0;
}

static int ev_call(const node *n, const expr_scope *sc, expr_value *out, err *e)
{
	expr_value v, w;
	int rc = 0, b;
	double acc = 0, cnt = 0;
	*out = expr_null();
	switch (n->fn) {
	case F_IF:
		if ((rc = truth(n, n->kid[0], sc, &b, e)))
			return rc;
		return ev(n->kid[b ? 1 : 2], sc, out, e);
	case F_COALESCE:
		for (size_t i = 0; i < n->nkid; i++) {
			if ((rc = ev(n->kid[i], sc, out, e)) || out->type != EXPR_NULL)
				return rc;
		}
		return 0;
	case F_IS_NULL:
		if ((rc = ev(n->kid[0], sc, &v, e)))
			return rc;
		*out = expr_bool(v.type == EXPR_NULL);
		return 0;
	case F_MIN:
	case F_MAX:
	case F_SUM:
		for (size_t i = 0; i < n->nkid; i++) {
			if ((rc = ev_want(n, n->kid[i], sc, M_NUM | M_NULL, "numbers", &v, e)))
				return rc;
			if (v.type == EXPR_NULL)
				continue;
			if (n->fn == F_SUM)
				acc += v.u.num;
			else if (cnt++ == 0 || (n->fn == F_MIN ? v.u.num < acc : v.u.num > acc))
				acc = v.u.num;
		}
		if (n->fn != F_SUM && cnt == 0)
			return 0;
		return put_num(n, acc, out, e);
	case F_COUNT_NONNULL:
	case F_COUNT_TRUE:
		for (size_t i = 0; i < n->nkid; i++) {
			if (n->fn == F_COUNT_TRUE) {
				if ((rc = truth(n, n->kid[i], sc, &b, e)))
					return rc;
				acc += b;
			} else {
				if ((rc = ev(n->kid[i], sc, &v, e)))
					return rc;
				acc += v.type != EXPR_NULL;
			}
		}
		return put_num(n, acc, out, e);
	case F_COUNT:
		if ((rc = ev_want(n, n->kid[0], sc, M_LIST | M_NULL, "a list", &v, e)))
			return rc;
		return put_num(n, v.type == EXPR_LIST ? (double)v.u.list.n : 0, out, e);
	case F_SELECTED:
		if ((rc = ev_want(n, n->kid[0], sc, M_LIST | M_NULL, "a list", &v, e)) ||
		    (rc = ev_want(n, n->kid[1], sc, M_NUM | M_STR | M_NULL,
				  "a number or string", &w, e)))
			return rc;
		*out = expr_bool(0);
		if (v.type == EXPR_LIST)
			for (size_t i = 0; i < v.u.list.n; i++)
				if (scalar_equal(&v.u.list.items[i], &w))
					out->u.b = w.type != EXPR_NULL;
		return 0;
	case F_ROUND:
	case F_FLOOR:
	case F_CEIL:
	case F_ABS:
		if ((rc = ev_want(n, n->kid[0], sc, M_NUM | M_NULL, "a number", &v, e)) ||
		    v.type == EXPR_NULL)
			return rc;
		acc = v.u.num;
		return put_num(n, n->fn == F_ROUND ? expr_round_half_up(acc) :
			       n->fn == F_FLOOR ? floor(acc) :
			       n->fn == F_CEIL ? ceil(acc) : fabs(acc), out, e);
	case F_AGE: {
		int years;
		if ((rc = ev_want(n, n->kid[0], sc, M_STR | M_NULL, "dates", &v, e)) ||
		    (rc = ev_want(n, n->kid[1], sc, M_STR | M_NULL, "dates", &w, e)) ||
		    v.type == EXPR_NULL || w.type == EXPR_NULL)
			return rc;
		if (expr_age_years(v.u.str.s, v.u.str.len, w.u.str.s, w.u.str.len, &years))
			return perr(e, ERR_TYPE, n->pos, "age() needs dates YYYY-MM-DD");
		return put_num(n, years, out, e);
	}
	case F_LOOKUP: {
		const expr_table *t;
		size_t lo = 0, hi;
		if (n->idx >= sc->ntables || !sc->tables)
			return perr(e, ERR_INVALID, n->pos, "lookup() table not in scope");
		if ((rc = ev_want(n, n->kid[1], sc, M_NUM | M_NULL, "a number", &v, e)) ||
		    v.type == EXPR_NULL)
			return rc;
		t = &sc->tables[n->idx];
		hi = t->n;
		while (lo < hi) { /* first row with min > x */
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
	}
	return perr(e, ERR_INVALID, n->pos, "bad function");
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
	case N_AND:
	case N_OR:
		if ((rc = truth(n, n->kid[0], sc, &b, e)))
			return rc;
		if (b == (n->kind == N_AND) && (rc = truth(n, n->kid[1], sc, &b, e)))
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
