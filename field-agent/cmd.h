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

#include "buf.h"
#include "inst.h"

int cmd_score(int argc, char **argv);
int cmd_init(int argc, char **argv);
int cmd_recover(int argc, char **argv);
int cmd_outbox(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_household(int argc, char **argv);
int cmd_person(int argc, char **argv);
int cmd_service(int argc, char **argv);
int cmd_assess(int argc, char **argv);
int cmd_resume(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_finalise(int argc, char **argv); /* also void and correct */
int cmd_export(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_enroll(int argc, char **argv);
int cmd_sync(int argc, char **argv);
int cmd_conflicts(int argc, char **argv);
int cmd_decisions(int argc, char **argv);

/* The person-readable provisional result of an evaluated assessment (also
 * shown by the wizard before finalising). */
void score_render_text(buf *b, const instrument *in, const inst_eval *ev, const char *id,
		       inst_lang lang);

#endif
