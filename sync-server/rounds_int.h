/*
 * rounds_int: what the round's modules (rounds.c, rounds_doc.c) share and
 * no one else needs.
 */
#ifndef SS_ROUNDS_INT_H
#define SS_ROUNDS_INT_H

#include "buf.h"
#include "central.h"
#include "rank.h"

typedef struct round_row {
	char instrument[64], status[16], localities[4096], opens_on[11], closes_on[11];
	char municipality[121], service[121], locked_on[11];
	rank_capacity cap;
} round_row;

/* Reads round id into r; the caller holds c->lock. ERR_NOTFOUND if none. */
int rounds_load(central *c, const char *id, round_row *r, err *e);
/* Locked or published: the list is decided. */
int rounds_is_locked(const round_row *r);
/* Appends "key":"escaped v" (or null) to b. */
void rounds_put_str(buf *b, const char *key, const char *v);
/* Today's date (UTC) as YYYY-MM-DD. */
void rounds_today(char out[11]);

#endif
