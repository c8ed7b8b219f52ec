/*
 * sync-server: the central program — merges what devices send, recomputes
 * every score, ranks and allocates. This file only dispatches to the
 * subcommands in cmd_*.c.
 */
#include <stdio.h>
#include <string.h>

#include "cmd.h"

typedef struct command {
	const char *name;
	int (*fn)(int, char **);
	const char *summary;
} command;

static const command commands[] = {
	{"serve", cmd_serve, "serve devices over TLS (sync protocol v1)"},
	{"device", cmd_device, "enroll, revoke or list devices"},
	{"conflicts", cmd_conflicts, "list, show or resolve conflicting edits"},
	{"audit", cmd_audit, "verify the audit trail"},
	{"instrument", cmd_instrument, "publish an instrument version to the devices"},
	{"assessments", cmd_assessments, "print the central final assessments (exchange format)"},
	{"user", cmd_user, "add, list or disable staff accounts of the web interface"},
	{"rank", cmd_rank, "rank and allocate a file of assessments (domain.md §9)"},
	{"round", cmd_round, "the central round: rank, decide, lock, publish, letters"},
	{"assistant", cmd_assistant, "personal assistants: recruitment, users, daily load"},
	{"census", cmd_census, "Romanian census indicators, priority list, needs profiles"},
	{"report", cmd_report, "programme report of the home-care services for a period"},
};

static void usage(FILE *f)
{
	fprintf(f, "usage: sync-server COMMAND [OPTIONS]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\n`sync-server COMMAND --help` describes a command.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return EXIT_OK;
	}
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "sync-server: unknown command \"%.40s\"\n", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
