/*
 * cmd_census: `sync-server census [priority|capacity N]` — the Romanian
 * census indicators, the priority list of cases and the capacity of
 * active cases, on the server's data directory (census.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "central.h"
#include "census.h"
#include "cmd.h"
#include "num.h"
#include "report.h"

static int usage(FILE *f, int status)
{
	fprintf(f,
		"usage: sync-server census [--locality L] [--from DATE --to DATE]\n"
		"                          [--capacity N] [--format json|csv] [--lang ro|bg|en]\n"
		"       sync-server census priority [--locality L] [--capacity N] [--format json|csv]\n"
		"       sync-server census capacity [N]\n"
		"(and any setting: --data DIR …)\n"
		"\n"
		"Indicators of the community census (ro-household-screening) from what\n"
		"the devices synced, per locality and overall: households and people\n"
		"censused, cases and active cases by dimension and item, resolved\n"
		"vulnerabilities, services given by type, month and place (in the\n"
		"period, when given), service plans of active cases, average\n"
		"beneficiaries a month and a day, staff to beneficiary ratio and the\n"
		"needs profile. `priority` lists the cases in order with the first N\n"
		"(the capacity) active. `capacity N` stores the capacity of active\n"
		"cases (default: the instrument's allocation). CSV is UTF-8 with a BOM.\n"
		"No names, national ids or addresses are in any output.\n");
	return status;
}

int cmd_census(int argc, char **argv)
{
	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "help")))
		return usage(stdout, EXIT_OK);
	const char *sub = argc > 1 && strncmp(argv[1], "--", 2) ? argv[1] : "";
	if (*sub && strcmp(sub, "priority") && strcmp(sub, "capacity"))
		return usage(stderr, EXIT_USAGE);
	if (*sub) {
		argc--;
		argv++;
	}
	census_opts o = {NULL, NULL, NULL, 0, LANG_RO};
	err e = {0, ""};
	o.locality = cmd_take_opt(&argc, argv, "--locality");
	o.from = cmd_take_opt(&argc, argv, "--from");
	o.to = cmd_take_opt(&argc, argv, "--to");
	const char *cap = cmd_take_opt(&argc, argv, "--capacity");
	const char *format = cmd_take_opt(&argc, argv, "--format");
	const char *lang = cmd_take_opt(&argc, argv, "--lang");
	int rc = 0;
	if (cap && num_parse_long(cap, 1, 10000000, "--capacity", &o.capacity, &e))
		rc = ERR_INVALID;
	else if (format && strcmp(format, "json") && strcmp(format, "csv"))
		rc = err_set(&e, ERR_INVALID, "--format json or csv");
	else if (lang && inst_lang_parse(lang) < 0)
		rc = err_set(&e, ERR_INVALID, "--lang ro, bg or en");
	else if ((o.from && !report_date_valid(o.from)) || (o.to && !report_date_valid(o.to)))
		rc = err_set(&e, ERR_INVALID, "--from/--to: expected dates YYYY-MM-DD");
	else if (o.from && o.to && strcmp(o.from, o.to) > 0)
		rc = err_set(&e, ERR_INVALID, "the period ends before it starts");
	else if (o.locality && (!*o.locality || strlen(o.locality) > 120))
		rc = err_set(&e, ERR_INVALID, "--locality: 1-120 bytes");
	if (rc) {
		fprintf(stderr, "sync-server census: %s\n", e.msg);
		return EXIT_USAGE;
	}
	if (lang)
		o.lang = (inst_lang)inst_lang_parse(lang);
	central cen;
	int rest;
	if ((rc = cmd_open_central(&argc, argv, &rest, &cen, &e))) {
		fprintf(stderr, "sync-server census: %s\n", e.msg);
		return rc == ERR_INVALID ? EXIT_USAGE : EXIT_REFUSED;
	}
	int csv = format && !strcmp(format, "csv");
	buf out = BUF_INIT;
	const char *actor = cmd_actor();
	if (!strcmp(sub, "capacity")) {
		long n = 0;
		if (argc > 2 || (argc == 2 && !strncmp(argv[1], "--", 2)))
			rc = err_set(&e, ERR_INVALID, "give one number");
		else if (argc == 2) {
			if (!(rc = num_parse_long(argv[1], 1, 10000000, "capacity", &n, &e)) &&
			    !(rc = census_set_capacity(&cen, n, actor, &e)))
				buf_printf(&out, "capacity of active cases: %ld\n", n);
		} else if (!(rc = census_capacity(&cen, &n, &e))) {
			buf_printf(&out, "%ld\n", n);
		}
	} else if (argc > 1) {
		rc = err_set(&e, ERR_INVALID, "unexpected \"%.40s\"", argv[1]);
	} else {
		if (!strcmp(sub, "priority"))
			rc = census_priority(&cen, &o, csv, &out, &e);
		else
			rc = csv ? census_csv(&cen, &o, &out, &e) : census_json(&cen, &o, &out, &e);
		if (!rc) /* an export of personal-data aggregates: on the audit trail */
			central_audit(&cen, actor, *sub ? "census_priority_export" : "census_export",
				      o.locality ? o.locality : "*", csv ? "csv" : "json", NULL);
	}
	central_close(&cen);
	if (rc) {
		fprintf(stderr, "sync-server census%s%s: %s\n", *sub ? " " : "", sub, e.msg);
		buf_free(&out);
		return rc == ERR_INVALID ? EXIT_USAGE : rc == ERR_IO || rc == ERR_NOMEM ? EXIT_INTERNAL : EXIT_REFUSED;
	}
	fwrite(out.data ? out.data : "", 1, out.len, stdout);
	buf_free(&out);
	return EXIT_OK;
}
