/*
 * uuid: random record ids (UUID v4), generated on the device so that work
 * created offline never collides (domain.md §2).
 */
#ifndef FA_UUID_H
#define FA_UUID_H

#include "err.h"

#define UUID_STR_LEN 37 /* 36 characters and the NUL */

int uuid_v4(char out[UUID_STR_LEN], err *e);

/* 1 if s is a UUID in canonical lower-case form. */
int uuid_valid(const char *s);

#endif
