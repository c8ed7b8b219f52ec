/*
 * central: the server's store — devices and enrollment codes, every record
 * revision ever received (named by the hash of its content), the current
 * head of each record, the change feed devices pull from, conflicts, the
 * server's own recomputed scores, and the hash-chained audit trail.
 *
 * All of it in one SQLite file (WAL, synchronous=FULL) in the data
 * directory, used through one connection guarded by a mutex: SQLite
 * serialises writers anyway, and a push is one transaction, so a crash
 * leaves a batch either wholly applied or not at all.
 */
#ifndef SS_CENTRAL_H
#define SS_CENTRAL_H

#include <pthread.h>
#include <stdint.h>
#include <cjson/cJSON.h>

#include "buf.h"
#include "db.h"
#include "err.h"
#include "inst.h"

#define CENTRAL_MAX_LOCALITIES 64

typedef struct central {
	db d;
	pthread_mutex_t lock;
	/* device credentials are read on a connection of their own (opened
	 * at the first request), so that a push is let in while another
	 * holds the lock (central_authenticate) */
	db auth;
	pthread_mutex_t auth_lock;
	pthread_mutex_t inst_lock; /* the instrument cache below; taken alone or inside lock */
	char path[4096];
	const char *inst_dirs;
	/* loaded instruments, by id and version */
	instrument *inst[16];
	size_t ninst;
	/* checkpoints when nothing is written (central_idle_checkpoints) */
	pthread_t idle_thread;
	pthread_mutex_t idle_lock;
	pthread_cond_t idle_cond;
	int idle_running, idle_stop;
} central;

typedef struct central_device {
	char id[37];
	char name[65];
	char assessor[129];
	char localities[CENTRAL_MAX_LOCALITIES][121];
	int nlocalities;
	int revoked;
} central_device;

int central_open(central *c, const char *dir, const char *inst_dirs, err *e);
void central_close(central *c);

/* From here on (`serve`), a thread copies the WAL into the store and
 * empties it whenever nothing was written for half a second, so that the
 * next burst of pushes does not pay for the last one's checkpoint. */
int central_idle_checkpoints(central *c, err *e);

/* --- enrollment and devices ------------------------------------------- */

/* Creates a one-time enrollment code for assessor and localities
 * (comma separated), valid ttl_s seconds. code gets "XXXX-XXXX-XXXX". */
int central_enroll_code(central *c, const char *assessor, const char *localities, long ttl_s,
			const char *actor, char code[16], err *e);

/* Spends a code: creates the device and its token (64 hex). ERR_AUTH
 * (bad_code), ERR_STATE (code_used / code_expired: e->msg starts with the
 * code name). */
int central_enroll_device(central *c, const char *code, const char *device_name,
			  central_device *dev, char token[65], err *e);

/* Checks "Bearer <device_id>.<token>". ERR_AUTH with "unauthenticated" or
 * "device_revoked" as the message's first word; audited. */
int central_authenticate(central *c, const char *authorization, central_device *dev, err *e);

int central_revoke(central *c, const char *device_id, const char *actor, err *e);

/* Lists devices as JSON lines into out. */
int central_devices(central *c, buf *out, err *e);

/* --- push and pull ----------------------------------------------------- */

/* Applies one push request (already parsed) from dev, writing the
 * response JSON into out. raw/raw_len is the request's text (NULL if not
 * at hand): a body whose bytes as sent hash to its `hash` is stored as
 * those bytes, without printing the tree again. Returns 0 with out filled (per-record results,
 * some may be refused); ERR_INVALID with e->msg "<code>: <message>" when
 * the request itself is malformed (4xx, nothing applied); ERR_IO when the
 * store cannot be written (nothing applied). */
int central_push(central *c, const central_device *dev, const cJSON *req, const char *raw,
		 size_t raw_len, buf *out, err *e);

/* Changes after cursor for dev's localities, at most limit. */
int central_pull(central *c, const central_device *dev, int64_t cursor, int limit, buf *out,
		 err *e);

/* Checks an instrument file and publishes it: every device receives it
 * on its next pull. */
int central_publish_instrument(central *c, const char *path, const char *actor, err *e);

/* --- conflicts ---------------------------------------------------------- */

int central_conflicts_list(central *c, int open_only, buf *out, err *e);
int central_conflict_show(central *c, const char *id, buf *out, err *e);
/* Resolves by choosing revision `pick` (a hash of one side) or a JSON body
 * given in `body_json`; the result is a new head pulled by devices. */
int central_conflict_resolve(central *c, const char *id, const char *pick,
			     const char *body_json, const char *actor, err *e);

/* --- audit -------------------------------------------------------------- */

int central_audit(central *c, const char *actor, const char *action, const char *subject,
		  const char *detail, err *e);
/* The same, for a caller that holds c->lock and has a transaction open:
 * the entry commits or rolls back with the caller's changes. */
int central_audit_locked(central *c, const char *actor, const char *action, const char *subject,
			 const char *detail, err *e);
/* Adds a change devices pull (kind, id, locality or "*"; device_id: the
 * device that made it, which does not get it back; may be NULL). The
 * caller holds c->lock and has a transaction open. */
int central_change_locked(central *c, const char *kind, const char *id, const char *locality,
			  const char *device_id, err *e);
/* Recomputes the hash chain; 0 if intact, ERR_INVALID naming the first
 * broken entry. */
int central_audit_verify(central *c, int64_t *entries, err *e);

/* The current body of a record and its head (for tests and the round). */
int central_record(central *c, const char *id, buf *body, char head[65], err *e);

/* Final assessments of an instrument as a JSON array in the exchange
 * format (latest head of each), for ranking. */
int central_assessments(central *c, const char *inst_id, buf *out, err *e);

#endif
