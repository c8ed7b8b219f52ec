/*
 * fuzz_expr: the expression language of instruments. Compiles the input
 * with a few known names and a table, then evaluates it against slots of
 * every type. Anything but a clean error or a value is a finding.
 */
#include <stdint.h>
#include <stddef.h>
#include <string.h>

#include "expr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const names[] = {".", "a", "b", "s", "l", "d", "n"};

static int resolve(void *ctx, const char *name, size_t len)
{
	(void)ctx;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strlen(names[i]) == len && !memcmp(names[i], name, len))
			return (int)i;
	return -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const expr_table_row rows[] = {
		{0, {EXPR_NUM, {.num = 1}}}, {10, {EXPR_NUM, {.num = 2}}}, {20, {EXPR_STR, {.str = {"II", 2}}}},
	};
	static const expr_table tables[] = {{"t", rows, 3}};
	expr_value list_items[3];
	list_items[0] = expr_num(1);
	list_items[1] = expr_str("x", 1);
	list_items[2] = expr_num(-2.5);
	expr_value slots[7];
	slots[0] = expr_num(3);
	slots[1] = expr_num(1e308);
	slots[2] = expr_bool(1);
	slots[3] = expr_str("2026-03-01", 10);
	slots[4].type = EXPR_LIST;
	slots[4].u.list.items = list_items;
	slots[4].u.list.n = 3;
	slots[5] = expr_str("1950-02-29", 10);
	slots[6] = expr_null();
	expr_names nm = {NULL, resolve, tables, 1};
	expr_scope sc = {slots, 7, tables, 1};
	expr *x = NULL;
	err e = {0, ""};
	if (expr_compile((const char *)data, size, &nm, &x, &e) == 0) {
		expr_value v;
		int b;
		expr_eval(x, &sc, &v, &e);
		expr_eval_bool(x, &sc, &b, &e);
		expr_free(x);
	}
	return 0;
}
