/*
 * unit_main: runs the unit tests of every module (tables registered
 * below), or only those whose name contains argv[1]. Prints one line per
 * test and ends with `N passed, N failed`.
 */
#include <stdio.h>
#include <string.h>

#include "test.h"

int test_failures;

extern const test_case expr_tests[];
extern const test_case json_tests[];
extern const test_case inst_tests[];
extern const test_case rank_tests[];
extern const test_case rules_tests[];
extern const test_case crypto_tests[];
extern const test_case http_tests[];
extern const test_case rounds_tests[];
extern const test_case census_tests[];
extern const test_case user_tests[];

static const test_case *const tables[] = {
	expr_tests, json_tests, inst_tests, rank_tests, rules_tests, crypto_tests, http_tests, rounds_tests,
	census_tests, user_tests,
};

int main(int argc, char **argv)
{
	const char *only = argc > 1 ? argv[1] : NULL;
	int passed = 0, failed = 0;
	for (size_t t = 0; t < sizeof tables / sizeof tables[0]; t++) {
		for (const test_case *c = tables[t]; c->name; c++) {
			if (only && !strstr(c->name, only))
				continue;
			test_failures = 0;
			c->fn();
			if (test_failures) {
				failed++;
				printf("FAIL %s\n", c->name);
			} else {
				passed++;
				printf("ok   %s\n", c->name);
			}
			fflush(stdout);
		}
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
