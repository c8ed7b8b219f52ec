/*
 * cmd_assess: assessments on the device — start one and walk it
 * (`assess`), continue a draft (`resume`), list them (`list`), finalise
 * without the dialogue (`finalise`), void or correct a final one.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "agent.h"
#include "cmd.h"
#include "expr.h"
#include "i18n.h"
#include "num.h"
#include "wizard.h"

static int run_wizard(store *s, const char *id, const char *cmd)
{
	store_assessment a;
	instrument *in = NULL;
	err e = {0, ""};
	int rc = store_assessment_get(s, id, &a, &e);
	if (!rc)
		rc = inst_load_by_id(agent.inst_dirs, a.instrument, a.version, &in, &e);
	if (!rc)
		rc = wiz_run(s, in, id, agent.lang, stdin, stdout, &e);
	inst_free(in);
	if (rc < 0)
		return agent_fail(cmd, &e);
	return AGENT_EXIT_OK;
}

int cmd_assess(int argc, char **argv)
{
	static const struct option opts[] = {
		{"person", required_argument, NULL, 'p'},
		{"instrument", required_argument, NULL, 'i'},
		{"version", required_argument, NULL, 'v'},
		{"registered-on", required_argument, NULL, 'r'},
		{"assessed-on", required_argument, NULL, 'a'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *person = NULL, *inst_id = NULL, *reg = NULL, *on = NULL;
	long version = 1, days;
	char today[11];
	err e = {0, ""};
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'p': person = optarg; break;
		case 'i': inst_id = optarg; break;
		case 'r': reg = optarg; break;
		case 'a': on = optarg; break;
		case 'v':
			if (num_parse_long(optarg, 1, 1000000, "--version", &version, &e))
				return agent_fail("assess", &e), AGENT_EXIT_USAGE;
			break;
		case 'h':
			printf("%s", _("usage: field-agent assess --person ID --instrument ID [--version N]\n"
				       "                        [--registered-on DATE] [--assessed-on DATE]\n"
				       "\n"
				       "Starts an assessment of the person and walks its questions. Every\n"
				       "answer is saved the moment it is accepted; stop at any time (:q, or\n"
				       "the battery) and continue with `field-agent resume`. Answers can\n"
				       "also be piped in, one per line, after the PIN.\n"
				       "Dates default to today.\n"));
			return AGENT_EXIT_OK;
		default:
			fprintf(stderr, _("field-agent assess: unknown option (see --help)\n"));
			return AGENT_EXIT_USAGE;
		}
	}
	if (!person || !inst_id) {
		fprintf(stderr, _("field-agent assess: --person and --instrument are required\n"));
		return AGENT_EXIT_USAGE;
	}
	store_today(today);
	if ((reg && expr_parse_date(reg, strlen(reg), &days)) ||
	    (on && expr_parse_date(on, strlen(on), &days))) {
		fprintf(stderr, _("field-agent assess: dates are YYYY-MM-DD\n"));
		return AGENT_EXIT_USAGE;
	}
	instrument *in = NULL;
	if (inst_load_by_id(agent.inst_dirs, inst_id, (int)version, &in, &e))
		return agent_fail("assess", &e);
	inst_free(in);
	store s;
	char id[UUID_STR_LEN];
	int rc = agent_open(&s, 1, &e);
	if (rc)
		return agent_fail("assess", &e);
	cJSON *env = cJSON_CreateObject();
	cJSON_AddStringToObject(env, "registered_on", reg ? reg : today);
	cJSON_AddStringToObject(env, "assessed_on", on ? on : today);
	rc = store_assessment_new(&s, person, inst_id, (int)version, env, id, &e);
	cJSON_Delete(env);
	if (rc) {
		store_close(&s);
		return agent_fail("assess", &e);
	}
	rc = run_wizard(&s, id, "assess");
	store_close(&s);
	return rc;
}

int cmd_resume(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "--help")) {
		printf("%s", _("usage: field-agent resume [ASSESSMENT_ID]\n"
			       "\n"
			       "Continues a draft at the question where it stopped (by default the\n"
			       "draft worked on last).\n"));
		return AGENT_EXIT_OK;
	}
	store s;
	err e = {0, ""};
	char id[UUID_STR_LEN];
	int rc = agent_open(&s, 1, &e);
	if (rc)
		return agent_fail("resume", &e);
	if (argc > 1)
		snprintf(id, sizeof id, "%s", argv[1]);
	else if ((rc = store_latest_draft(&s, id, &e))) {
		store_close(&s);
		return agent_fail("resume", &e);
	}
	rc = run_wizard(&s, id, "resume");
	store_close(&s);
	return rc;
}

int cmd_list(int argc, char **argv)
{
	const char *status = NULL;
	if (argc > 1 && !strcmp(argv[1], "--help")) {
		printf("%s", _("usage: field-agent list [draft|final|voided]\n\n"
			       "Lists the assessments on this device.\n"));
		return AGENT_EXIT_OK;
	}
	if (argc > 1) {
		status = argv[1];
		if (strcmp(status, "draft") && strcmp(status, "final") && strcmp(status, "voided")) {
			fprintf(stderr, _("field-agent list: draft, final or voided\n"));
			return AGENT_EXIT_USAGE;
		}
	}
	store s;
	err e = {0, ""};
	int rc = agent_open(&s, 0, &e);
	if (rc)
		return agent_fail("list", &e);
	db_stmt st;
	if ((rc = db_prepare(&s.d, &st,
			     "SELECT a.id, a.instrument, a.status, a.revision, a.updated_at,"
			     " coalesce(a.cursor, ''), p.locality,"
			     " (SELECT count(*) FROM answer WHERE assessment_id = a.id)"
			     " FROM assessment a JOIN person p ON p.id = a.person_id"
			     " WHERE :st IS NULL OR a.status = :st ORDER BY a.updated_at DESC", &e)) == 0) {
		db_bind_text(&st, ":st", status, -1);
		while ((rc = db_step(&st, &e)) == 1)
			printf("%s  %-22s %-6s r%lld %s %-14s %s %lld%s%s\n", db_col_text(&st, 0),
			       db_col_text(&st, 1), db_col_text(&st, 2), (long long)db_col_int(&st, 3),
			       db_col_text(&st, 4), db_col_text(&st, 6), _("answers"),
			       (long long)db_col_int(&st, 7), *db_col_text(&st, 5) ? " @" : "",
			       db_col_text(&st, 5));
		db_finalize(&st);
	}
	store_close(&s);
	return rc < 0 ? agent_fail("list", &e) : AGENT_EXIT_OK;
}

/* finalise / void / correct ID … */
int cmd_finalise(int argc, char **argv)
{
	const char *cmd = argv[0];
	if (argc < 2 || !strcmp(argv[1], "--help")) {
		printf("%s", _("usage: field-agent finalise ID\n"
			       "       field-agent void ID --reason TEXT\n"
			       "       field-agent correct ID\n"
			       "\n"
			       "finalise: checks every answer and makes the draft final.\n"
			       "void: withdraws a final assessment, with a reason.\n"
			       "correct: opens a new revision of a final assessment as a draft;\n"
			       "the final revision stays as it was.\n"));
		return argc < 2 ? AGENT_EXIT_USAGE : AGENT_EXIT_OK;
	}
	const char *id = argv[1];
	store s;
	err e = {0, ""};
	int rc = agent_open(&s, 1, &e);
	if (rc)
		return agent_fail(cmd, &e);
	if (!strcmp(cmd, "void")) {
		const char *reason = argc > 3 && !strcmp(argv[2], "--reason") ? argv[3] : NULL;
		rc = store_void(&s, id, reason, &e);
	} else if (!strcmp(cmd, "correct")) {
		rc = store_correct(&s, id, &e);
	} else {
		store_assessment a;
		instrument *in = NULL;
		cJSON *doc = NULL;
		inst_eval ev;
		int ev_ok = 0;
		if (!(rc = store_assessment_get(&s, id, &a, &e)) &&
		    !(rc = inst_load_by_id(agent.inst_dirs, a.instrument, a.version, &in, &e)) &&
		    !(rc = store_assessment_json(&s, id, &doc, &e))) {
			ev_ok = inst_eval_init(&ev, in) == 0;
			rc = ev_ok ? inst_evaluate(&ev, doc, agent.lang, &e) : ERR_NOMEM;
			if (!rc)
				rc = store_finalise(&s, id, NULL, &e);
		}
		if (ev_ok)
			inst_eval_free(&ev);
		cJSON_Delete(doc);
		inst_free(in);
	}
	store_close(&s);
	if (rc)
		return agent_fail(cmd, &e);
	printf("%s\n", id);
	return AGENT_EXIT_OK;
}
