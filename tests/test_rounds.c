/*
 * Unit tests of the round's pure helpers: dates (validation, six months
 * on with month-end clamping and leap years) and initials of names in
 * Cyrillic and Latin script.
 */
#include "rounds.h"
#include "test.h"

static void dates_valid(void)
{
	CHECK_INT(rounds_date_valid("2026-05-15"), 0);
	CHECK_INT(rounds_date_valid("2024-02-29"), 0);
	CHECK(rounds_date_valid("2026-02-29") != 0);  /* not a leap year */
	CHECK(rounds_date_valid("1900-02-29") != 0);  /* century, not leap */
	CHECK_INT(rounds_date_valid("2000-02-29"), 0); /* 400: leap */
	CHECK(rounds_date_valid("2026-13-01") != 0);
	CHECK(rounds_date_valid("2026-04-31") != 0);
	CHECK(rounds_date_valid("2026-00-10") != 0);
	CHECK(rounds_date_valid("2026-5-15") != 0);
	CHECK(rounds_date_valid("2026-05-15x") != 0);
	CHECK(rounds_date_valid("") != 0);
	CHECK(rounds_date_valid(NULL) != 0);
}

static void six_months_on(void)
{
	char out[11];
	rounds_add_months("2026-05-15", 6, out);
	CHECK_STR(out, "2026-11-15");
	rounds_add_months("2026-08-31", 6, out); /* February has 28 days */
	CHECK_STR(out, "2027-02-28");
	rounds_add_months("2027-08-31", 6, out); /* 2028 is a leap year */
	CHECK_STR(out, "2028-02-29");
	rounds_add_months("2026-12-01", 6, out);
	CHECK_STR(out, "2027-06-01");
	rounds_add_months("2026-07-31", 2, out);
	CHECK_STR(out, "2026-09-30");
}

static void initials(void)
{
	char out[64];
	rounds_initials("Иван Петров Иванов", out, sizeof out);
	CHECK_STR(out, "И. П. И.");
	rounds_initials("  мария   стоянова-петрова ", out, sizeof out);
	CHECK_STR(out, "м. с. п.");
	rounds_initials("ion popescu", out, sizeof out);
	CHECK_STR(out, "I. P.");
	rounds_initials("Ștefan Țepeș", out, sizeof out);
	CHECK_STR(out, "Ș. Ț.");
	rounds_initials("", out, sizeof out);
	CHECK_STR(out, "");
	rounds_initials(NULL, out, sizeof out);
	CHECK_STR(out, "");
	/* never more than fits, never a cut character */
	rounds_initials("Аа Бб Вв Гг", out, 8);
	CHECK_STR(out, "А. Б.");
}

const test_case rounds_tests[] = {
	{"rounds: dates are validated", dates_valid},
	{"rounds: six months on, clamped to the month's end", six_months_on},
	{"rounds: initials of Cyrillic and Latin names", initials},
	{NULL, NULL},
};
