/*
 * field-agent: the assessor's program on a tablet or a Raspberry Pi
 * handheld. This file only dispatches to the subcommands in cmd_*.c.
 */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "i18n.h"

typedef struct command {
	const char *name;
	int (*fn)(int, char **);
	const char *summary;
} command;

static const command commands[] = {
	{"score", cmd_score, N_("show the provisional result of an assessment file")},
};

static void usage(FILE *f)
{
	fprintf(f, "%s\n\n%s\n", _("usage: field-agent COMMAND [OPTIONS]"), _("commands:"));
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, _(commands[i].summary));
	fprintf(f, "\n%s\n", _("`field-agent COMMAND --help` describes a command."));
}

int main(int argc, char **argv)
{
	i18n_init(NULL);
	if (argc < 2) {
		usage(stderr);
		return FA_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return FA_EXIT_OK;
	}
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, _("field-agent: unknown command \"%.40s\"\n"), argv[1]);
	usage(stderr);
	return FA_EXIT_USAGE;
}
