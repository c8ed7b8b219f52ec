/*
 * agent: what every field-agent command shares — global options, opening
 * and unlocking the device store, reading the PIN, mapping errors to exit
 * codes that scripts can rely on.
 */
#ifndef FA_AGENT_H
#define FA_AGENT_H

#include "err.h"
#include "inst.h"
#include "store.h"

typedef struct agent_opts {
	const char *data_dir;  /* --data, $FA_DATA, ~/.local/share/field-agent */
	const char *inst_dirs; /* --instruments, else the default search path */
	inst_lang lang;
} agent_opts;

extern agent_opts agent;

/* Exit codes (also in --help). */
enum {
	AGENT_EXIT_OK = 0,
	AGENT_EXIT_INVALID = 1,  /* input refused: it says what and where */
	AGENT_EXIT_USAGE = 2,
	AGENT_EXIT_IO = 3,       /* a file or the store could not be read or written */
	AGENT_EXIT_AUTH = 4,     /* wrong PIN, or the store is locked */
	AGENT_EXIT_NOTFOUND = 5, /* no such record, or no store yet */
	AGENT_EXIT_CONFLICT = 6, /* the same id with different content */
};

/* The exit code for an ERR_* code. */
int agent_exit_code(int err_code);

/* Opens the store; with unlock set, reads the PIN ($FA_PIN, else the
 * terminal without echo, else the first line of standard input) and
 * unlocks it. Prints nothing; e says what went wrong. */
int agent_open(store *s, int unlock, err *e);
/* Asks the PIN (or reads $FA_PIN) and unlocks the open store s; closes
 * it on failure. */
int agent_unlock(store *s, err *e);

/* Reads a secret (PIN) with the prompt; from $env_name if set. 0 or -1. */
int agent_read_secret(const char *prompt, const char *env_name, char *out, size_t n);

/* The data directory in use. */
const char *agent_data_dir(void);

/* Prints "field-agent CMD: message" to stderr and returns the exit code. */
int agent_fail(const char *cmd, const err *e);

#endif
