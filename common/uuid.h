/*
 * uuid: record ids generated on the device so that work created offline
 * never collides (domain.md §2). New records get UUID v7 (RFC 9562): the
 * time in milliseconds, then 74 random bits. Ids made one after another
 * sort one after another, so the stores' indexes on ids grow at their end
 * instead of at random pages (a sync of 10,000 records wrote every page of
 * every index again with v4 ids). Tokens and one-off ids stay v4.
 */
#ifndef FA_UUID_H
#define FA_UUID_H

#include <stdint.h>

#include "err.h"

#define UUID_STR_LEN 37 /* 36 characters and the NUL */

int uuid_v4(char out[UUID_STR_LEN], err *e);

/* A UUID v7 for the time ms (milliseconds since 1970; uuid_v7 takes the
 * clock's). A device whose clock is wrong still makes unique ids: they
 * only stop sorting by time. */
int uuid_v7(char out[UUID_STR_LEN], err *e);
int uuid_v7_at(uint64_t ms, char out[UUID_STR_LEN], err *e);

/* 1 if s is a UUID in canonical lower-case form. */
int uuid_valid(const char *s);

#endif
