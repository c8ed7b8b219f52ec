/*
 * test: a minimal unit-test harness. Each test file defines functions
 * `static void name(void)` and registers them in a table with TEST_CASE;
 * tests/unit_main.c runs every table (or one test by name) and prints one
 * line per failed check plus the final `N passed, N failed`.
 */
#ifndef FA_TEST_H
#define FA_TEST_H

#include <stdio.h>
#include <string.h>

typedef struct test_case {
	const char *name;
	void (*fn)(void);
} test_case;

extern int test_failures; /* checks failed in the current test */

#define CHECK(cond)                                                              \
	do {                                                                     \
		if (!(cond)) {                                                   \
			fprintf(stderr, "  %s:%d: CHECK failed: %s\n", __FILE__,  \
				__LINE__, #cond);                                \
			test_failures++;                                         \
		}                                                                \
	} while (0)

#define CHECK_INT(a, b)                                                          \
	do {                                                                     \
		long long a_ = (long long)(a), b_ = (long long)(b);              \
		if (a_ != b_) {                                                  \
			fprintf(stderr, "  %s:%d: %s == %lld, expected %lld\n",  \
				__FILE__, __LINE__, #a, a_, b_);                  \
			test_failures++;                                         \
		}                                                                \
	} while (0)

#define CHECK_STR(a, b)                                                          \
	do {                                                                     \
		const char *a_ = (a), *b_ = (b);                                 \
		if (!a_ || !b_ || strcmp(a_, b_) != 0) {                         \
			fprintf(stderr, "  %s:%d: %s == \"%s\", expected \"%s\"\n", \
				__FILE__, __LINE__, #a, a_ ? a_ : "(null)",       \
				b_ ? b_ : "(null)");                             \
			test_failures++;                                         \
		}                                                                \
	} while (0)

/* Each test module exports one table, terminated by {NULL, NULL}. */
#define TEST_TABLE(modname) const test_case modname##_tests[]

#endif
