/*
 * cmd_round: `sync-server round …` — the central round on the command
 * line, one subcommand per action of rounds.h, on the server's data
 * directory (the server may be running: SQLite serialises the writers).
 */
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "num.h"
#include "rounds.h"

static const char round_help[] =
	"usage: sync-server round COMMAND … [--data DIR]\n"
	"\n"
	"  create ID --municipality M --service S --from DATE --to DATE\n"
	"         [--localities A,B,…] [--max-users N] [--children-share F]\n"
	"         [--hours-budget H] [--instrument ID]\n"
	"                       a round: who may apply (window, villages) and capacity\n"
	"  run ID [--timing]    rank and allocate every final assessment in the window\n"
	"                       (recomputed by the server; re-run until locked)\n"
	"  list                 every round\n"
	"  show ID              the round as JSON: capacity used, every application\n"
	"  ranking ID           the ranking document of the last run (as `rank`)\n"
	"  override ID APP (--hours H | --outcome approved|waitlisted) --reason TEXT\n"
	"                       the commission changes a computed result\n"
	"  lock ID [--on DATE]  approve the list; decisions go to the devices\n"
	"  publish ID [--format csv|html|json] [--lang bg|ro|en] [--out FILE]\n"
	"                       the public list: no national id, name or address\n"
	"  letter ID APP [--out FILE]\n"
	"                       the decision letter to one applicant (Bulgarian, HTML)\n"
	"  respond ID APP accept|object|contract [--hours H] [--reason TEXT]\n"
	"                       the applicant's answer (object: proposed hours a day)\n"
	"  redecide ID APP --hours H --reason TEXT\n"
	"                       the commission's answer to an objection\n"
	"  withdraw ID APP [--reason TEXT]\n"
	"  refuse-assistants ID APP [--reason TEXT]\n"
	"  leave ID APP [--reason TEXT]\n"
	"                       a place is given up; the next waiting people that fit\n"
	"                       the capacity are offered it (printed)\n"
	"  history ID [APP]     decisions, oldest first: what, from, to, why, who, when\n"
	"  due [--on DATE]      applications due for reassessment (6 months on)\n"
	"\n"
	"APP is the application number shown by `show`. The actor recorded in\n"
	"the audit trail is $SS_ACTOR, else $USER.\n"
	"Exit status: 0 done; 1 refused (the message says why); 2 bad usage.\n";

typedef struct round_opts {
	const char *pos[4];
	int npos;
	const char *municipality, *service, *from, *to, *localities, *instrument;
	const char *max_users, *children_share, *hours_budget;
	const char *hours, *outcome, *reason, *on, *format, *lang, *out;
	int timing;
} round_opts;

static int parse_opts(int argc, char **argv, round_opts *o, err *e)
{
	static const struct {
		const char *name;
		size_t off;
	} flags[] = {
		{"--municipality", offsetof(round_opts, municipality)},
		{"--service", offsetof(round_opts, service)},
		{"--from", offsetof(round_opts, from)},
		{"--to", offsetof(round_opts, to)},
		{"--localities", offsetof(round_opts, localities)},
		{"--instrument", offsetof(round_opts, instrument)},
		{"--max-users", offsetof(round_opts, max_users)},
		{"--children-share", offsetof(round_opts, children_share)},
		{"--hours-budget", offsetof(round_opts, hours_budget)},
		{"--hours", offsetof(round_opts, hours)},
		{"--outcome", offsetof(round_opts, outcome)},
		{"--reason", offsetof(round_opts, reason)},
		{"--on", offsetof(round_opts, on)},
		{"--format", offsetof(round_opts, format)},
		{"--lang", offsetof(round_opts, lang)},
		{"--out", offsetof(round_opts, out)},
	};
	memset(o, 0, sizeof *o);
	for (int i = 1; i < argc; i++) {
		size_t f;
		for (f = 0; f < sizeof flags / sizeof flags[0]; f++)
			if (!strcmp(argv[i], flags[f].name))
				break;
		if (!strcmp(argv[i], "--timing")) {
			o->timing = 1;
		} else if (f < sizeof flags / sizeof flags[0]) {
			if (i + 1 >= argc)
				return err_set(e, ERR_INVALID, "%s needs a value", argv[i]);
			*(const char **)(void *)((char *)o + flags[f].off) = argv[++i];
		} else if (!strncmp(argv[i], "--", 2)) {
			return err_set(e, ERR_INVALID, "unknown option \"%.40s\"", argv[i]);
		} else if (o->npos < 4) {
			o->pos[o->npos++] = argv[i];
		} else {
			return err_set(e, ERR_INVALID, "unexpected \"%.40s\"", argv[i]);
		}
	}
	return 0;
}

/* Writes text to path (mode 0600: letters hold personal data), or to
 * standard output when path is NULL. */
static int emit(const buf *b, const char *path, err *e)
{
	if (!path) {
		if (b->len)
			fwrite(b->data, 1, b->len, stdout);
		return fflush(stdout) ? err_set(e, ERR_IO, "cannot write the output") : 0;
	}
	char tmp[4200];
	snprintf(tmp, sizeof tmp, "%s.partial", path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return err_set(e, ERR_IO, "%s: cannot create", tmp);
	size_t done = 0;
	while (done < b->len) {
		ssize_t w = write(fd, b->data + done, b->len - done);
		if (w <= 0)
			break;
		done += (size_t)w;
	}
	if (done != b->len || fsync(fd) || close(fd) || rename(tmp, path)) {
		unlink(tmp);
		return err_set(e, ERR_IO, "%s: cannot write", path);
	}
	return 0;
}

static int app_number(const char *s, long *out, err *e)
{
	return num_parse_long(s, 1, 100000000, "application number", out, e);
}

int cmd_round(int argc, char **argv)
{
	err e = {0, ""};
	central cen;
	round_opts o;
	buf out = BUF_INIT;
	int rest, rc;
	const char *sub = argc > 1 ? argv[1] : "";
	if (!*sub || !strcmp(sub, "--help") || !strcmp(sub, "-h")) {
		fputs(round_help, *sub ? stdout : stderr);
		return *sub ? EXIT_OK : EXIT_USAGE;
	}
	int sub_argc = argc - 1;
	char **sub_argv = argv + 1;
	if (cmd_open_central(&sub_argc, sub_argv, &rest, &cen, &e)) {
		fprintf(stderr, "sync-server round: %s\n", e.msg);
		return e.code == ERR_INVALID ? EXIT_USAGE : EXIT_REFUSED;
	}
	if ((rc = parse_opts(sub_argc, sub_argv, &o, &e)))
		goto usage;
	const char *id = o.npos > 0 ? o.pos[0] : NULL;
	long app = 0;
	int need_id = strcmp(sub, "list") && strcmp(sub, "due");
	if (need_id && !id) {
		rc = err_set(&e, ERR_INVALID, "give the round id");
		goto usage;
	}
	int need_app = !strcmp(sub, "override") || !strcmp(sub, "letter") || !strcmp(sub, "respond") ||
		       !strcmp(sub, "redecide") || !strcmp(sub, "withdraw") ||
		       !strcmp(sub, "refuse-assistants") || !strcmp(sub, "leave");
	if (need_app || (!strcmp(sub, "history") && o.npos > 1)) {
		if (o.npos < 2) {
			rc = err_set(&e, ERR_INVALID, "give the application number");
			goto usage;
		}
		if ((rc = app_number(o.pos[1], &app, &e)))
			goto usage;
	}
	const char *actor = cmd_actor();
	if (!strcmp(sub, "create")) {
		rounds_spec s = {id, o.municipality, o.service, o.instrument, o.localities ? o.localities : "",
				 o.from, o.to, 150, 0.25, 0, 0};
		if (!o.from || !o.to) {
			rc = err_set(&e, ERR_INVALID, "give the application window: --from DATE --to DATE");
			goto usage;
		}
		if ((o.max_users && (rc = num_parse_long(o.max_users, 1, 1000000, "--max-users",
							 &s.max_users, &e))) ||
		    (o.children_share && (rc = num_parse_double(o.children_share, 0, 1,
								 "--children-share", &s.children_share, &e))))
			goto usage;
		if (o.hours_budget) {
			s.has_hours_budget = 1;
			if ((rc = num_parse_double(o.hours_budget, 1, 1e9, "--hours-budget",
						   &s.hours_budget, &e)))
				goto usage;
		}
		if (!(rc = rounds_create(&cen, &s, actor, &e)))
			buf_printf(&out, "round %s created\n", id);
	} else if (!strcmp(sub, "run")) {
		rc = rounds_run(&cen, id, actor, o.timing, &out, &e);
	} else if (!strcmp(sub, "list")) {
		rc = rounds_list(&cen, &out, &e);
	} else if (!strcmp(sub, "show")) {
		rc = rounds_show(&cen, id, &out, &e);
	} else if (!strcmp(sub, "ranking")) {
		rc = rounds_ranking(&cen, id, &out, &e);
	} else if (!strcmp(sub, "override")) {
		if (!!o.hours == !!o.outcome) {
			rc = err_set(&e, ERR_INVALID, "give --hours H or --outcome O");
			goto usage;
		}
		rc = rounds_override(&cen, id, app, o.hours ? "hours" : "outcome",
				     o.hours ? o.hours : o.outcome, o.reason, actor, &e);
	} else if (!strcmp(sub, "lock")) {
		rc = rounds_lock(&cen, id, o.on, actor, &e);
	} else if (!strcmp(sub, "publish")) {
		if (!(rc = rounds_publish(&cen, id, o.format ? o.format : "csv", o.lang, actor, &out, &e)))
			rc = emit(&out, o.out, &e);
		buf_reset(&out);
	} else if (!strcmp(sub, "letter")) {
		if (!(rc = rounds_letter(&cen, id, app, &out, &e)))
			rc = emit(&out, o.out, &e);
		buf_reset(&out);
	} else if (!strcmp(sub, "respond")) {
		double h = 0;
		const char *answer = o.npos > 2 ? o.pos[2] : "";
		if (o.hours && (rc = num_parse_double(o.hours, 0, 24, "--hours", &h, &e)))
			goto usage;
		if (!strcmp(answer, "object") && !o.hours) {
			rc = err_set(&e, ERR_INVALID, "an objection proposes hours: --hours H");
			goto usage;
		}
		rc = rounds_respond(&cen, id, app, answer, h, o.reason, actor, &e);
	} else if (!strcmp(sub, "redecide")) {
		double h = 0;
		if (!o.hours) {
			rc = err_set(&e, ERR_INVALID, "give --hours H");
			goto usage;
		}
		if ((rc = num_parse_double(o.hours, 0, 24, "--hours", &h, &e)))
			goto usage;
		rc = rounds_redecide(&cen, id, app, h, o.reason, actor, &e);
	} else if (!strcmp(sub, "withdraw") || !strcmp(sub, "refuse-assistants") ||
		   !strcmp(sub, "leave")) {
		buf promoted = BUF_INIT;
		rc = rounds_release(&cen, id, app, sub, o.reason, actor, &promoted, &e);
		if (!rc && promoted.len)
			buf_printf(&out, "offered the freed place: %s", promoted.data);
		buf_free(&promoted);
	} else if (!strcmp(sub, "history")) {
		rc = rounds_history(&cen, id, app, &out, &e);
	} else if (!strcmp(sub, "due")) {
		rc = rounds_due(&cen, o.on, &out, &e);
	} else {
		rc = err_set(&e, ERR_INVALID, "unknown command \"%.40s\"", sub);
		goto usage;
	}
	central_close(&cen);
	if (rc) {
		fprintf(stderr, "sync-server round %s: %s\n", sub, e.msg);
		buf_free(&out);
		return EXIT_REFUSED;
	}
	if (out.len)
		fwrite(out.data, 1, out.len, stdout);
	buf_free(&out);
	return EXIT_OK;
usage:
	central_close(&cen);
	buf_free(&out);
	fprintf(stderr, "sync-server round %s: %s\n(see sync-server round --help)\n", sub, e.msg);
	return EXIT_USAGE;
}
