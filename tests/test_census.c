/*
 * Unit tests of the pure parts of the census, assistant and report
 * modules: the rule of point 9 at its boundaries, months and averages,
 * resolved vulnerabilities, CSV quoting, initials, dates.
 */
#include <math.h>

#include "assistant.h"
#include "census.h"
#include "report.h"
#include "test.h"

static void assistant_check_exactly_8_is_full_time(void)
{
	assistant_user_hours u[] = {{5, 1, 0}, {3, 1, 0}};
	assistant_load l;
	assistant_check(u, 2, &l);
	CHECK(l.hours == 8);
	CHECK_INT(l.over_limit, 0);
	CHECK_INT(l.part_time, 0);
	CHECK_INT(l.child_not_alone, 0);
}

static void assistant_check_over_8(void)
{
	assistant_user_hours u[] = {{4, 1, 0}, {4, 1, 0}, {0.5, 1, 0}};
	assistant_load l;
	assistant_check(u, 3, &l);
	CHECK_INT(l.over_limit, 1);
	CHECK_INT(l.part_time, 0);
	/* halves add up exactly: 2.5 + 5.5 is a full day, not over */
	assistant_user_hours h[] = {{2.5, 1, 0}, {5.5, 1, 0}};
	assistant_check(h, 2, &l);
	CHECK_INT(l.over_limit, 0);
	CHECK_INT(l.part_time, 0);
}

static void assistant_check_child_alone_or_not(void)
{
	assistant_user_hours one[] = {{3, 1, 1}};
	assistant_load l;
	assistant_check(one, 1, &l);
	CHECK_INT(l.child_not_alone, 0);
	CHECK_INT(l.part_time, 1);
	assistant_user_hours two[] = {{3, 1, 1}, {1, 1, 0}};
	assistant_check(two, 2, &l);
	CHECK_INT(l.child_not_alone, 1);
	CHECK_INT(l.children, 1);
	assistant_user_hours kids[] = {{3, 1, 1}, {3, 1, 1}};
	assistant_check(kids, 2, &l);
	CHECK_INT(l.child_not_alone, 1);
}

static void assistant_check_unknown_hours_and_no_user(void)
{
	assistant_user_hours u[] = {{0, 0, 0}, {7, 1, 0}};
	assistant_load l;
	assistant_check(u, 2, &l);
	CHECK_INT(l.unknown, 1);
	CHECK(l.hours == 7);
	CHECK_INT(l.part_time, 1);
	assistant_check(NULL, 0, &l);
	CHECK_INT(l.users, 0);
	CHECK_INT(l.part_time, 1);
	CHECK_INT(l.over_limit, 0);
}

static void assistant_status_names(void)
{
	CHECK_INT(assistant_status_parse("contracted"), ASSISTANT_CONTRACTED);
	CHECK_INT(assistant_status_parse("hired"), -1);
	CHECK_INT(assistant_status_parse(NULL), -1);
	CHECK_STR(assistant_status_name(ASSISTANT_TRAINED), "trained");
	CHECK(assistant_role_valid("home_helper"));
	CHECK(!assistant_role_valid("gardener"));
}

static void census_months(void)
{
	CHECK_INT(census_months_between("2026-03", "2026-04"), 2);
	CHECK_INT(census_months_between("2026-03-15", "2026-03-20"), 1);
	CHECK_INT(census_months_between("2025-11-01", "2026-02-28"), 4);
	CHECK_INT(census_months_between("2026-04", "2026-03"), 0);
	CHECK_INT(census_months_between("", "2026-03"), 0);
	CHECK_INT(census_months_between(NULL, NULL), 0);
}

static void census_averages(void)
{
	CHECK(census_average(8, 2) == 4);
	CHECK(fabs(census_average(8, 7) - 8.0 / 7.0) < 1e-12);
	CHECK(census_average(5, 0) == 0);
}

static void census_resolved_by_screenings(void)
{
	/* 3 items, 3 screenings oldest first */
	const unsigned char items[] = {
		1, 0, 0, /* item 0 found first */
		1, 1, 0, /* item 1 found second */
		0, 1, 0, /* latest: item 0 no longer, item 1 still */
	};
	long first[3];
	unsigned char resolved[3];
	census_resolved_items(items, 3, 3, first, resolved);
	CHECK_INT(first[0], 0);
	CHECK_INT(first[1], 1);
	CHECK_INT(first[2], -1);
	CHECK_INT(resolved[0], 1);
	CHECK_INT(resolved[1], 0);
	CHECK_INT(resolved[2], 0);
	/* one screening: nothing is resolved by screenings alone */
	census_resolved_items(items, 1, 3, first, resolved);
	CHECK_INT(resolved[0], 0);
}

static void report_csv_quoting(void)
{
	buf b = BUF_INIT;
	report_csv_begin(&b);
	const char *cells[] = {"plain", "a,b", "say \"hi\"", "two\nlines", NULL, "=SUM(A1)", "-3", "-x"};
	report_csv_row(&b, cells, 8);
	CHECK_STR(b.data, "\xEF\xBB\xBFplain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",,\"'=SUM(A1)\",-3,\"'-x\"\r\n");
	buf_free(&b);
}

static void report_initials_utf8(void)
{
	char out[64];
	report_initials("Мария Петрова Иванова", out, sizeof out);
	CHECK_STR(out, "М.П.И.");
	report_initials("  ion  popescu-ionescu ", out, sizeof out);
	CHECK_STR(out, "I.P.I.");
	report_initials("Ștefan Țurcanu", out, sizeof out);
	CHECK_STR(out, "Ș.Ț.");
	report_initials("", out, sizeof out);
	CHECK_STR(out, "");
	report_initials("Anna Bell", out, 4); /* no room for the second: stops whole */
	CHECK_STR(out, "A.");
}

static void report_dates_and_numbers(void)
{
	CHECK(report_date_valid("2026-02-28"));
	CHECK(!report_date_valid("2026-02-30"));
	CHECK(!report_date_valid("2026-2-28"));
	CHECK(!report_date_valid("2026-02-28x"));
	CHECK(!report_date_valid(NULL));
	char n[32];
	report_fmt_number(n, sizeof n, 3);
	CHECK_STR(n, "3");
	report_fmt_number(n, sizeof n, 8.0 / 7.0);
	CHECK_STR(n, "1.14");
	report_fmt_number(n, sizeof n, 2.5);
	CHECK_STR(n, "2.5");
	report_fmt_number(n, sizeof n, NAN);
	CHECK_STR(n, "");
}

static void report_html_escaping(void)
{
	buf b = BUF_INIT;
	report_html_escape(&b, "<a href=\"x\">O'Neil & co</a>");
	CHECK_STR(b.data, "&lt;a href=&quot;x&quot;&gt;O&#39;Neil &amp; co&lt;/a&gt;");
	buf_free(&b);
}

TEST_TABLE(census) = {
	{"census_assistant_check_exactly_8_is_full_time", assistant_check_exactly_8_is_full_time},
	{"census_assistant_check_over_8", assistant_check_over_8},
	{"census_assistant_check_child_alone_or_not", assistant_check_child_alone_or_not},
	{"census_assistant_check_unknown_hours_and_no_user", assistant_check_unknown_hours_and_no_user},
	{"census_assistant_status_names", assistant_status_names},
	{"census_months_between", census_months},
	{"census_averages", census_averages},
	{"census_resolved_by_screenings", census_resolved_by_screenings},
	{"census_report_csv_quoting", report_csv_quoting},
	{"census_report_initials_utf8", report_initials_utf8},
	{"census_report_dates_and_numbers", report_dates_and_numbers},
	{"census_report_html_escaping", report_html_escaping},
	{NULL, NULL},
};
