/*
 * cmd: the field agent's subcommands. Each takes argc/argv starting at the
 * subcommand's own name and returns the process exit code.
 */
#ifndef FA_CMD_H
#define FA_CMD_H

/* Exit codes scripts can rely on. */
enum {
	FA_EXIT_OK = 0,
	FA_EXIT_INVALID = 1, /* the input was read but is not valid (e.g. an invalid assessment) */
	FA_EXIT_USAGE = 2,
	FA_EXIT_IO = 3,      /* a file could not be read or written */
};

int cmd_score(int argc, char **argv);

#endif
