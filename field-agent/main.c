/*
 * field-agent: the assessor's program on a tablet or a Raspberry Pi
 * handheld. This file reads the global options and dispatches to the
 * subcommands in cmd_*.c.
 */
#include <stdio.h>
#include <string.h>

#include "agent.h"
#include "cmd.h"
#include "i18n.h"

typedef struct command {
	const char *name;
	int (*fn)(int, char **);
	const char *summary;
} command;

static const command commands[] = {
	{"init", cmd_init, N_("create this device's encrypted store and set the PIN")},
	{"household", cmd_household, N_("add or list census households")},
	{"person", cmd_person, N_("add, list or show persons")},
	{"assess", cmd_assess, N_("start an assessment and walk its questions")},
	{"resume", cmd_resume, N_("continue a draft where it stopped")},
	{"list", cmd_list, N_("list assessments (drafts, finals, voided)")},
	{"finalise", cmd_finalise, N_("check a draft and make it final")},
	{"void", cmd_finalise, N_("withdraw a final assessment, with a reason")},
	{"correct", cmd_finalise, N_("open a new revision of a final assessment")},
	{"service", cmd_service, N_("log a service delivered")},
	{"outbox", cmd_outbox, N_("show what is waiting to sync")},
	{"export", cmd_export, N_("export assessments as JSON or CSV")},
	{"import", cmd_import, N_("import assessments in the exchange format")},
	{"enroll", cmd_enroll, N_("enroll this device with the sync server")},
	{"sync", cmd_sync, N_("send the outbox and receive changes")},
	{"conflicts", cmd_conflicts, N_("list conflicts reported by the server")},
	{"decisions", cmd_decisions, N_("show the commission's decisions about this device's cases")},
	{"score", cmd_score, N_("show the provisional result of an assessment file")},
	{"check", cmd_check, N_("verify the store file")},
	{"recover", cmd_recover, N_("unlock a locked store with the recovery code")},
};

static void usage(FILE *f)
{
	fprintf(f, "%s\n\n%s\n", _("usage: field-agent [--data DIR] [--lang bg|ro|en] COMMAND [OPTIONS]"),
		_("commands:"));
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, _(commands[i].summary));
	fprintf(f, "\n%s\n", _("`field-agent COMMAND --help` describes a command."));
	fprintf(f, "%s\n", _("Exit status: 0 done; 1 input refused; 2 bad usage; 3 storage or file "
			     "error; 4 wrong PIN or locked; 5 not found; 6 conflict."));
}

int main(int argc, char **argv)
{
	const char *lang = NULL;
	int i = 1;
	for (; i < argc && argv[i][0] == '-' && argv[i][1] == '-'; i += 2) {
		if (!strcmp(argv[i], "--help"))
			break;
		if (i + 1 >= argc) {
			i18n_init(NULL);
			fprintf(stderr, _("field-agent: %s needs a value\n"), argv[i]);
			return AGENT_EXIT_USAGE;
		}
		if (!strcmp(argv[i], "--data"))
			agent.data_dir = argv[i + 1];
		else if (!strcmp(argv[i], "--lang"))
			lang = argv[i + 1];
		else if (!strcmp(argv[i], "--instruments"))
			agent.inst_dirs = argv[i + 1];
		else
			break;
	}
	if (lang && inst_lang_parse(lang) < 0) {
		i18n_init(NULL);
		fprintf(stderr, _("field-agent: --lang must be bg, ro or en\n"));
		return AGENT_EXIT_USAGE;
	}
	agent.lang = i18n_init(lang);
	/* instruments pulled from the server (in the data directory) first */
	static char dirs[8192];
	if (!agent.inst_dirs) {
		snprintf(dirs, sizeof dirs, "%s/instruments:%s", agent_data_dir(), inst_default_dirs());
		agent.inst_dirs = dirs;
	}
	if (i >= argc) {
		usage(stderr);
		return AGENT_EXIT_USAGE;
	}
	if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h") || !strcmp(argv[i], "help")) {
		usage(stdout);
		return AGENT_EXIT_OK;
	}
	for (size_t k = 0; k < sizeof commands / sizeof commands[0]; k++)
		if (!strcmp(argv[i], commands[k].name))
			return commands[k].fn(argc - i, argv + i);
	fprintf(stderr, _("field-agent: unknown command \"%.40s\"\n"), argv[i]);
	usage(stderr);
	return AGENT_EXIT_USAGE;
}
