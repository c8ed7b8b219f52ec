/*
 * cmd_assistant: `sync-server assistant add|list|show|status|choose|release|load`
 * on the server's data directory (assistant.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assistant.h"
#include "central.h"
#include "cmd.h"
#include "num.h"
#include "report.h"

static int usage(FILE *f, int status)
{
	fprintf(f,
		"usage: sync-server assistant add NAME --locality L [--role ROLE] [--on DATE]\n"
		"       sync-server assistant list [--status STATUS]\n"
		"       sync-server assistant show ID\n"
		"       sync-server assistant status ID STATUS [--on DATE]\n"
		"       sync-server assistant choose ID PERSON_ID [--on DATE]\n"
		"       sync-server assistant release ID PERSON_ID [--on DATE]\n"
		"       sync-server assistant load [--on DATE] [--format json|csv]\n"
		"(and any setting: --data DIR …)\n"
		"\n"
		"Personal assistants and their recruitment: STATUS is applied,\n"
		"interviewed, trained or contracted (forward only); ROLE is\n"
		"personal_assistant (default), social_assistant or home_helper.\n"
		"`choose` records that a user (a person the devices synced) chose the\n"
		"assistant; `load` checks domain.md §4.7 point 9 on DATE (default today):\n"
		"the users' daily hours add up to at most 8, a child user has the\n"
		"assistant alone, under 8 hours the assistant is part-time. A user's\n"
		"hours are the approved hours of the latest locked round, else the\n"
		"server's score of their latest needs assessment. Lists show initials,\n"
		"never names. Exit status: 0 done, 1 refused, 2 usage, 3 storage;\n"
		"`load` exits 1 when an assistant breaks the rule.\n");
	return status;
}

static int parse_id(const char *s, int64_t *id, err *e)
{
	long v;
	int rc = num_parse_long(s, 1, 2000000000L, "assistant id", &v, e);
	*id = v;
	return rc;
}

static int exit_for(int rc)
{
	return rc == 0 ? EXIT_OK : rc == ERR_IO || rc == ERR_NOMEM ? EXIT_INTERNAL : EXIT_REFUSED;
}

int cmd_assistant(int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : "";
	static const char *const subs[] = {"add", "list", "show", "status", "choose", "release", "load", NULL};
	int known = 0;
	for (const char *const *s = subs; *s; s++)
		known |= !strcmp(sub, *s);
	if (!known)
		return usage(strcmp(sub, "--help") && strcmp(sub, "help") ? stderr : stdout,
			     strcmp(sub, "--help") && strcmp(sub, "help") ? EXIT_USAGE : EXIT_OK);
	argc--;
	argv++;
	const char *on = cmd_take_opt(&argc, argv, "--on");
	const char *locality = cmd_take_opt(&argc, argv, "--locality");
	const char *role = cmd_take_opt(&argc, argv, "--role");
	const char *status = cmd_take_opt(&argc, argv, "--status");
	const char *format = cmd_take_opt(&argc, argv, "--format");
	central cen;
	int rest;
	err e = {0, ""};
	int rc = cmd_open_central(&argc, argv, &rest, &cen, &e);
	if (rc) {
		fprintf(stderr, "sync-server assistant: %s\n", e.msg);
		return rc == ERR_INVALID ? EXIT_USAGE : EXIT_REFUSED;
	}
	for (int i = 1; i < argc; i++)
		if (!strncmp(argv[i], "--", 2)) {
			fprintf(stderr, "sync-server assistant %s: unknown option \"%.40s\"\n", sub, argv[i]);
			central_close(&cen);
			return EXIT_USAGE;
		}
	buf out = BUF_INIT;
	int64_t id = 0;
	int status_code = EXIT_OK;
	const char *actor = cmd_actor();
	if (!strcmp(sub, "add")) {
		if (argc != 2 || !locality)
			rc = err_set(&e, ERR_INVALID, "give NAME and --locality");
		else if (!(rc = assistant_add(&cen, argv[1], locality, role, on, actor, &id, &e)))
			buf_printf(&out, "%lld\n", (long long)id);
	} else if (!strcmp(sub, "list")) {
		rc = assistant_list_json(&cen, status, &out, &e);
	} else if (!strcmp(sub, "show")) {
		if (argc != 2)
			rc = err_set(&e, ERR_INVALID, "give the assistant's number");
		else if (!(rc = parse_id(argv[1], &id, &e)))
			rc = assistant_show_json(&cen, id, &out, &e);
	} else if (!strcmp(sub, "status")) {
		if (argc != 3)
			rc = err_set(&e, ERR_INVALID, "give the assistant's number and the status");
		else if (!(rc = parse_id(argv[1], &id, &e)) &&
			 !(rc = assistant_set_status(&cen, id, argv[2], on, actor, &e)))
			buf_printf(&out, "assistant %lld: %s\n", (long long)id, argv[2]);
	} else if (!strcmp(sub, "choose") || !strcmp(sub, "release")) {
		if (argc != 3)
			rc = err_set(&e, ERR_INVALID, "give the assistant's number and the person id");
		else if (!(rc = parse_id(argv[1], &id, &e))) {
			rc = !strcmp(sub, "choose") ? assistant_choose(&cen, id, argv[2], on, actor, &e)
						    : assistant_release(&cen, id, argv[2], on, actor, &e);
			if (!rc)
				buf_printf(&out, "assistant %lld: %s %s\n", (long long)id,
					   !strcmp(sub, "choose") ? "chosen by" : "no longer serves", argv[2]);
		}
	} else { /* load */
		if (format && strcmp(format, "json") && strcmp(format, "csv"))
			rc = err_set(&e, ERR_INVALID, "--format json or csv");
		else if (format && !strcmp(format, "csv"))
			rc = assistant_load_csv(&cen, on, &out, &e);
		else
			rc = assistant_load_json(&cen, on, &out, &e);
		if (!rc) {
			/* a broken rule is the answer, and also the exit status */
			buf check = BUF_INIT;
			if (assistant_load_json(&cen, on, &check, &e) == 0 && check.data &&
			    !strstr(check.data, "\"with_violations\":0,"))
				status_code = EXIT_REFUSED;
			buf_free(&check);
			char subject[16];
			snprintf(subject, sizeof subject, "%.10s", on ? on : "today");
			central_audit(&cen, actor, "assistant_load_export", subject,
				      format ? format : "json", NULL);
		}
	}
	central_close(&cen);
	if (rc) {
		fprintf(stderr, "sync-server assistant %s: %s\n", sub, e.msg);
		buf_free(&out);
		return rc == ERR_INVALID && !strncmp(e.msg, "give", 4) ? EXIT_USAGE : exit_for(rc);
	}
	fwrite(out.data ? out.data : "", 1, out.len, stdout);
	buf_free(&out);
	return status_code;
}
