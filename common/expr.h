/*
 * expr: the small expression language of instruments (docs/instrument-format.md
 * "Expressions"). Source text is compiled once, when an instrument is loaded,
 * into a tree whose variable references are already resolved to slot
 * numbers; evaluation then needs no allocation and no name lookups, so
 * scoring a million assessments costs only the arithmetic.
 *
 * Values are borrowed: a string or list value points into memory owned by
 * whoever filled the slots (the answers of one assessment) or by the
 * compiled expression (literals) or by a table (lookup results). A result
 * is valid as long as those are.
 */
#ifndef FA_EXPR_H
#define FA_EXPR_H

#include <stddef.h>

#include "err.h"

#define EXPR_MAX_SOURCE 4096 /* bytes of one expression's text */
#define EXPR_MAX_DEPTH 64    /* nesting of parentheses/calls/operators */
#define EXPR_MAX_ARGS 64     /* arguments of one function call */

typedef enum expr_type {
	EXPR_NULL = 0,
	EXPR_BOOL,
	EXPR_NUM,
	EXPR_STR,
	EXPR_LIST,
} expr_type;

typedef struct expr_value expr_value;

struct expr_value {
	expr_type type;
	union {
		int b;      /* EXPR_BOOL: 0 or 1 */
		double num; /* EXPR_NUM */
		struct {
			const char *s; /* not necessarily NUL-terminated */
			size_t len;
		} str;              /* EXPR_STR */
		struct {
			const expr_value *items; /* each EXPR_NUM or EXPR_STR */
			size_t n;
		} list;             /* EXPR_LIST */
	} u;
};

/* One row of a step table: lookup() returns the value of the row with the
 * greatest min <= x. */
typedef struct expr_table_row {
	double min;
	expr_value value;
} expr_table_row;

typedef struct expr_table {
	const char *name;
	const expr_table_row *rows; /* sorted by min ascending, mins distinct */
	size_t n;
} expr_table;

/* What the compiler needs to resolve names. resolve() maps the text inside
 * ${…} (or "." for the current item) to a slot number >= 0, or returns -1
 * when the name is unknown or not visible here (the compile then fails with
 * "unknown reference ${name}"). */
typedef struct expr_names {
	void *ctx;
	int (*resolve)(void *ctx, const char *name, size_t len);
	const expr_table *tables; /* lookup('name', …) is checked against these */
	size_t ntables;
} expr_names;

/* What evaluation reads: the slot values and the same tables (same order) as
 * at compile time. */
typedef struct expr_scope {
	const expr_value *slots;
	size_t nslots;
	const expr_table *tables;
	size_t ntables;
} expr_scope;

typedef struct expr expr; /* opaque compiled expression */

/* Compiles src[0..len) into *out. On error returns ERR_INVALID (syntax,
 * unknown reference/function/table, wrong number of arguments, a literal
 * type error such as 'a' + 1) or ERR_LIMIT (longer than EXPR_MAX_SOURCE,
 * deeper than EXPR_MAX_DEPTH), with a message that quotes the position
 * ("at 12: expected ')'"). The caller owns *out and frees it with
 * expr_free(). */
int expr_compile(const char *src, size_t len, const expr_names *names,
		 expr **out, err *e);

/* Evaluates x in scope into *out. Returns 0, or ERR_TYPE for a type
 * mismatch at run time (e.g. a string added to a number), or ERR_INVALID
 * for division by zero, with a message. Never allocates. */
int expr_eval(const expr *x, const expr_scope *scope, expr_value *out, err *e);

/* Evaluates x and requires a boolean; null counts as false. */
int expr_eval_bool(const expr *x, const expr_scope *scope, int *out, err *e);

void expr_free(expr *x);

/* Convenience constructors. */
static inline expr_value expr_null(void) { expr_value v = {0}; v.type = EXPR_NULL; return v; }
static inline expr_value expr_bool(int b) { expr_value v = {0}; v.type = EXPR_BOOL; v.u.b = b != 0; return v; }
static inline expr_value expr_num(double d) { expr_value v = {0}; v.type = EXPR_NUM; v.u.num = d; return v; }
static inline expr_value expr_str(const char *s, size_t len) { expr_value v = {0}; v.type = EXPR_STR; v.u.str.s = s; v.u.str.len = len; return v; }

/* Equality as the language defines it (same type and same value; lists
 * element-wise). */
int expr_value_equal(const expr_value *a, const expr_value *b);

/* Parses a calendar date "YYYY-MM-DD" (exactly 10 bytes, a real date, year
 * 1900-2199) into a day number (days since 1970-01-01). Returns 0 or
 * ERR_INVALID. Used by age() and by the instrument's date validation. */
int expr_parse_date(const char *s, size_t len, long *days);

/* Whole years from birth to on (both "YYYY-MM-DD"); ERR_INVALID if either is
 * not a date. A birthday on 29 February is reached on 1 March in a common
 * year. */
int expr_age_years(const char *birth, size_t blen, const char *on, size_t olen,
		   int *years);

/* Rounds half up (towards +infinity): 2.5 -> 3, -2.5 -> -2. */
double expr_round_half_up(double x);

#endif
