/*
 * err: the one error convention of the project.
 *
 * Every fallible function returns int: 0 on success, or a negative ERR_*
 * code. When it fails it may fill an `err` supplied by the caller with a
 * human-readable message saying what was wrong and where. The message never
 * contains personal data (names, national ids, addresses): callers name
 * fields and positions, not values.
 */
#ifndef FA_ERR_H
#define FA_ERR_H

#include <stddef.h>

enum {
	ERR_OK = 0,
	ERR_NOMEM = -1,   /* allocation failed */
	ERR_INVALID = -2, /* input is malformed or breaks a rule */
	ERR_IO = -3,      /* read/write/fsync failed */
	ERR_LIMIT = -4,   /* input exceeds an explicit limit */
	ERR_NOTFOUND = -5,
	ERR_TYPE = -6,    /* a value has the wrong type */
	ERR_STATE = -7,   /* operation not allowed in the current state */
	ERR_AUTH = -8,    /* authentication or authorisation refused */
	ERR_CONFLICT = -9,
	ERR_CRYPTO = -10,
	ERR_NET = -11,
};

#define ERR_MSG_MAX 512

typedef struct err {
	int code;
	char msg[ERR_MSG_MAX];
} err;

/* Records code and a printf-style message in e (if e is not NULL) and
 * returns code, so that `return err_set(e, ERR_INVALID, "...")` reads well. */
int err_set(err *e, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Prepends "prefix: " to the message already in e (if any). Returns e->code
 * (or code when e is NULL). */
int err_prefix(err *e, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Clears e. */
void err_clear(err *e);

/* A short English name of an ERR_* code ("invalid input", …). Static. */
const char *err_name(int code);

#endif
