/*
 * store: the device's local store — one SQLite file in the data directory,
 * WAL with synchronous=FULL, a versioned schema with forward migrations.
 *
 * Everything that identifies or describes a person (names, national ids,
 * addresses, birth dates, every answer, notes) is sealed with AES-256-GCM
 * under a data key that exists only in memory while the agent runs. The
 * data key is stored wrapped twice: under a key derived from the
 * assessor's PIN (slow PBKDF2) and under a recovery code printed once at
 * initialisation. Wrong PINs are counted on disk before each try, so
 * killing the program does not buy free attempts; after max_tries the
 * store locks until the recovery code is given.
 *
 * Ids, localities, instrument ids, item ids, statuses and timestamps stay
 * in clear: they are what sync and duplicate checks need, and say nothing
 * about a person on their own.
 */
#ifndef FA_STORE_H
#define FA_STORE_H

#include <stdint.h>
#include <cjson/cJSON.h>

#include "buf.h"
#include "crypto.h"
#include "db.h"
#include "err.h"
#include "uuid.h"

#define STORE_SCHEMA_VERSION 1
#define STORE_DEFAULT_TRIES 5
#define STORE_PIN_MIN 4
#define STORE_PIN_MAX 64

typedef struct store {
	db d;
	char path[4096];
	int unlocked;
	uint8_t key[CRYPTO_KEY_LEN];  /* sealing key (derived from the data key) */
	uint8_t hkey[CRYPTO_KEY_LEN]; /* keyed-hash key */
} store;

/* Opens dir/agent.db, creating dir and the file when create is set, and
 * migrates the schema forward. ERR_NOTFOUND when there is no store and
 * create is not set ("run field-agent init"). */
int store_open(store *s, const char *dir, int create, err *e);
void store_close(store *s); /* wipes the keys */

/* 1 if the keyring exists (the device was initialised). */
int store_has_keys(store *s);

/* First-time set-up: a random data key wrapped under the PIN (PBKDF2 with
 * iterations calibrated to kdf_ms on this machine) and under a random
 * recovery code written to recovery (25 bytes incl. NUL, groups of 4).
 * Leaves the store unlocked. */
int store_init_keys(store *s, const char *pin, unsigned kdf_ms, int max_tries,
		    char recovery[25], err *e);

/* Unlocks with the PIN. ERR_AUTH "wrong PIN (N tries left)" or "locked
 * after N wrong PINs: unlock with the recovery code". */
int store_unlock(store *s, const char *pin, err *e);

/* Unlocks with the recovery code and sets a new PIN (clears the lock). */
int store_recover(store *s, const char *code, const char *new_pin, err *e);

/* Seals/opens a value bound to aad (e.g. "person/<id>"). */
int store_seal(store *s, const char *aad, const void *p, size_t n, buf *out, err *e);
int store_unseal(store *s, const char *aad, const void *p, size_t n, buf *out, err *e);
/* The same for a JSON value: sealed text of j; parsed tree (caller frees). */
int store_seal_json(store *s, const char *aad, const cJSON *j, buf *out, err *e);
int store_unseal_json(store *s, const char *aad, const void *p, size_t n, cJSON **out,
		      err *e);

/* Keyed hash of a normalised text (case-folded ASCII, spaces collapsed). */
int store_hash(store *s, const char *text, uint8_t out[CRYPTO_HASH_LEN], err *e);

/* Current UTC time as "YYYY-MM-DDTHH:MM:SSZ" and today's date. */
void store_now(char out[21]);
void store_today(char out[11]);

/* --- records ------------------------------------------------------------ */

/* Households: fields is an object {"address", "head", "note"} (sealed). */
int store_household_add(store *s, const char *locality, const cJSON *fields,
			char id[UUID_STR_LEN], err *e);

/* Persons: fields {"name", "national_id", "birth_date", "sex",
 * "legal_rep", "role"}; name and birth_date are required. Sets *dups to
 * the number of persons already stored with the same national id, or with
 * the same name + birth date + locality (the person is still added). */
int store_person_add(store *s, const char *household_id, const char *locality,
		     const cJSON *fields, char id[UUID_STR_LEN], int *dups, err *e);
/* The person's sealed fields and locality. Caller frees *fields. */
int store_person_get(store *s, const char *id, cJSON **fields, char locality[128],
		     err *e);
/* Changes a person's fields (patch replaces the keys it has; locality
 * and household stay). With queue set the change gets a new revision in
 * the outbox (an assessor's edit); without, it is silent (for tests). */
int store_person_update(store *s, const char *id, const cJSON *patch, int queue, err *e);
/* A person received from the server becomes usable on this device (to
 * assess, to edit); one with local changes waiting keeps them. Runs
 * inside the caller's transaction. */
int store_person_put_remote(store *s, const char *id, const cJSON *body, err *e);
/* Ids of persons that look like the same person as id (same national id,
 * or same name + birth date + locality), into out (space separated). */
int store_person_duplicates(store *s, const char *id, buf *out, err *e);

/* Assessments. */
int store_assessment_new(store *s, const char *person_id, const char *instrument,
			 int version, const cJSON *envelope, char id[UUID_STR_LEN], err *e);
/* Saves one answer (value NULL deletes it) and the wizard's position in
 * one transaction: durable when this returns 0. Refused (ERR_STATE) unless
 * the assessment is a draft. */
int store_answer_put(store *s, const char *assessment_id, const char *item,
		     const cJSON *value, const char *cursor, err *e);
/* Saves the position alone. */
int store_cursor_put(store *s, const char *assessment_id, const char *cursor, err *e);

typedef struct store_assessment {
	char id[UUID_STR_LEN];
	char person_id[UUID_STR_LEN];
	char instrument[65];
	int version;
	char status[8];
	int revision;
	char cursor[65];
	char started_at[21], updated_at[21];
} store_assessment;

int store_assessment_get(store *s, const char *id, store_assessment *a, err *e);
/* The whole assessment in the exchange format (envelope, person, answers),
 * decrypted. Caller frees. */
int store_assessment_json(store *s, const char *id, cJSON **out, err *e);
/* The most recently updated draft, or ERR_NOTFOUND. */
int store_latest_draft(store *s, char id[UUID_STR_LEN], err *e);
/* Draft → final: snapshot of this revision kept, outbox entry added. The
 * caller has validated the answers. outputs (may be NULL) are sealed into
 * the snapshot. */
int store_finalise(store *s, const char *id, const cJSON *outputs, err *e);
/* Final → voided (with a reason), or final → a new draft revision
 * (correct): the final snapshot stays as it was. */
int store_void(store *s, const char *id, const char *reason, err *e);
int store_correct(store *s, const char *id, err *e);

/* Services delivered (domain.md §6). */
int store_service_add(store *s, const char *person_id, const char *household_id,
		      const char *type, const char *date, int minutes, const char *place,
		      const cJSON *fields, char id[UUID_STR_LEN], err *e);

/* Imports one assessment in the exchange format as a final assessment
 * (creating its person when unknown). Idempotent: the same id with the
 * same content is skipped (*result 0), a new one added (1); the same id
 * with different content is refused with ERR_CONFLICT. */
int store_import_assessment(store *s, const cJSON *a, int *result, err *e);

/* Number of rows in the outbox. */
int64_t store_outbox_count(store *s);

#endif
