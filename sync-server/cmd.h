/*
 * cmd: the sync server's subcommands. Each takes argc/argv starting at the
 * subcommand's own name and returns the process exit code:
 * 0 success, 1 the input was refused or the operation failed, 2 usage.
 */
#ifndef SS_CMD_H
#define SS_CMD_H

#include "central.h"

enum { EXIT_OK = 0, EXIT_REFUSED = 1, EXIT_USAGE = 2, EXIT_INTERNAL = 3 };

/* For subcommands that work on the server's store: reads the settings
 * (--data DIR, --config FILE, SS_DATA …; see `serve --help`) out of
 * argv[1..*argc), leaving the other arguments in argv[1..*argc) and
 * *rest = 1, and opens the central store. */
int cmd_open_central(int *argc, char **argv, int *rest, central *cen, err *e);

/* Takes "NAME value" out of argv[1..*argc) and returns value (NULL when
 * absent); the arguments after it move down. */
const char *cmd_take_opt(int *argc, char **argv, const char *name);

/* Who is acting, for the audit trail: $SS_ACTOR, else $USER. */
const char *cmd_actor(void);

int cmd_rank(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_device(int argc, char **argv);
int cmd_conflicts(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_assessments(int argc, char **argv);
int cmd_instrument(int argc, char **argv);
int cmd_round(int argc, char **argv);
int cmd_assistant(int argc, char **argv);
int cmd_census(int argc, char **argv);
int cmd_report(int argc, char **argv);

int cmd_user(int argc, char **argv);

#endif
