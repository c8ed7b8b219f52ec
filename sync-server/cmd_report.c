/*
 * cmd_report: `sync-server report --from D --to D [--format json|csv|html]`
 * — the programme report of the home-care services (report.h).
 */
#include <stdio.h>
#include <string.h>

#include "central.h"
#include "cmd.h"
#include "report.h"

int cmd_report(int argc, char **argv)
{
	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "help"))) {
		printf("usage: sync-server report --from DATE --to DATE [--format json|csv|html]\n"
		       "                          [--lang bg|ro|en]\n"
		       "(and any setting: --data DIR …)\n"
		       "\n"
		       "The programme report of the home-care services for a period: applications\n"
		       "(children among them), needs assessments, contracts with users (children\n"
		       "among them), users of each service, integrated services at home,\n"
		       "assistants by recruitment step and the localities served. HTML is a\n"
		       "printable page (Bulgarian by default); CSV is UTF-8 with a BOM.\n");
		return EXIT_OK;
	}
	const char *from = cmd_take_opt(&argc, argv, "--from");
	const char *to = cmd_take_opt(&argc, argv, "--to");
	const char *format = cmd_take_opt(&argc, argv, "--format");
	const char *lang = cmd_take_opt(&argc, argv, "--lang");
	int fmt = format ? report_format_parse(format) : REPORT_JSON;
	err e = {0, ""};
	if (!from || !to || fmt < 0 || fmt == REPORT_TEXT || (lang && inst_lang_parse(lang) < 0)) {
		fprintf(stderr, "sync-server report: give --from and --to dates; --format json, csv or html;"
				" --lang bg, ro or en\n");
		return EXIT_USAGE;
	}
	central cen;
	int rest;
	int rc = cmd_open_central(&argc, argv, &rest, &cen, &e);
	if (rc) {
		fprintf(stderr, "sync-server report: %s\n", e.msg);
		return rc == ERR_INVALID ? EXIT_USAGE : EXIT_REFUSED;
	}
	if (argc > 1) {
		fprintf(stderr, "sync-server report: unexpected \"%.40s\"\n", argv[1]);
		central_close(&cen);
		return EXIT_USAGE;
	}
	buf out = BUF_INIT;
	rc = report_programme(&cen, from, to, (report_format)fmt,
			     lang ? (inst_lang)inst_lang_parse(lang) : LANG_BG, &out, &e);
	if (!rc) {
		char period[32];
		snprintf(period, sizeof period, "%.10s..%.10s", from, to);
		central_audit(&cen, cmd_actor(), "programme_report_export", period,
			      format ? format : "json", NULL);
	}
	central_close(&cen);
	if (rc) {
		fprintf(stderr, "sync-server report: %s\n", e.msg);
		buf_free(&out);
		return rc == ERR_INVALID ? EXIT_USAGE : EXIT_REFUSED;
	}
	fwrite(out.data ? out.data : "", 1, out.len, stdout);
	buf_free(&out);
	return EXIT_OK;
}
