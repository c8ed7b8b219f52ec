/*
 * cmd: the sync server's subcommands. Each takes argc/argv starting at the
 * subcommand's own name and returns the process exit code:
 * 0 success, 1 the input was refused or the operation failed, 2 usage.
 */
#ifndef SS_CMD_H
#define SS_CMD_H

enum { EXIT_OK = 0, EXIT_REFUSED = 1, EXIT_USAGE = 2, EXIT_INTERNAL = 3 };

int cmd_rank(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_device(int argc, char **argv);
int cmd_conflicts(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_assessments(int argc, char **argv);
int cmd_instrument(int argc, char **argv);

#endif
