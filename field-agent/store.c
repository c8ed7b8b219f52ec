/*
 * store: the device's local store (see store.h).
 */
#include "store.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "expr.h"
#include "json.h"

/* Schema migrations: entry i brings the schema from version i to i+1.
 * Never edit a shipped entry; append a new one. */
static const char *const migrations[] = {
	/* 0 → 1 */
	"CREATE TABLE keyring("
	"  id INTEGER PRIMARY KEY CHECK (id = 1),"
	"  salt BLOB NOT NULL, iterations INTEGER NOT NULL, pin_wrapped BLOB NOT NULL,"
	"  recovery_salt BLOB NOT NULL, recovery_wrapped BLOB NOT NULL,"
	"  failed INTEGER NOT NULL DEFAULT 0, max_tries INTEGER NOT NULL,"
	"  locked INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE household("
	"  id TEXT PRIMARY KEY, locality TEXT NOT NULL, sealed BLOB NOT NULL,"
	"  created_at TEXT NOT NULL, revision INTEGER NOT NULL DEFAULT 1);"
	"CREATE TABLE person("
	"  id TEXT PRIMARY KEY, household_id TEXT REFERENCES household(id),"
	"  locality TEXT NOT NULL, nid_hash BLOB, ident_hash BLOB NOT NULL,"
	"  sealed BLOB NOT NULL, created_at TEXT NOT NULL,"
	"  revision INTEGER NOT NULL DEFAULT 1);"
	"CREATE INDEX person_nid ON person(nid_hash);"
	"CREATE INDEX person_ident ON person(ident_hash);"
	"CREATE TABLE assessment("
	"  id TEXT PRIMARY KEY, person_id TEXT NOT NULL REFERENCES person(id),"
	"  instrument TEXT NOT NULL, version INTEGER NOT NULL,"
	"  status TEXT NOT NULL CHECK (status IN ('draft', 'final', 'voided')),"
	"  revision INTEGER NOT NULL DEFAULT 1, cursor TEXT, sealed BLOB NOT NULL,"
	"  started_at TEXT NOT NULL, updated_at TEXT NOT NULL, finalised_at TEXT);"
	"CREATE TABLE answer("
	"  assessment_id TEXT NOT NULL REFERENCES assessment(id), item TEXT NOT NULL,"
	"  sealed BLOB NOT NULL, entered_at TEXT NOT NULL,"
	"  PRIMARY KEY (assessment_id, item));"
	"CREATE TABLE assessment_revision("
	"  assessment_id TEXT NOT NULL REFERENCES assessment(id),"
	"  revision INTEGER NOT NULL, status TEXT NOT NULL, sealed BLOB NOT NULL,"
	"  created_at TEXT NOT NULL, PRIMARY KEY (assessment_id, revision, status));"
	"CREATE TABLE service("
	"  id TEXT PRIMARY KEY, person_id TEXT REFERENCES person(id),"
	"  household_id TEXT REFERENCES household(id), type TEXT NOT NULL,"
	"  date TEXT NOT NULL, minutes INTEGER NOT NULL, place TEXT NOT NULL,"
	"  sealed BLOB NOT NULL, created_at TEXT NOT NULL,"
	"  CHECK (person_id IS NOT NULL OR household_id IS NOT NULL));"
	"CREATE TABLE outbox("
	"  seq INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL,"
	"  record_id TEXT NOT NULL, revision INTEGER NOT NULL, state TEXT NOT NULL DEFAULT '',"
	"  created_at TEXT NOT NULL, refused TEXT, UNIQUE (kind, record_id, revision, state));"
	/* sync: the enrollment (token sealed), the pull cursor, what was sent
	 * (to name the base of the next revision), what was received */
	"CREATE TABLE sync_state(key TEXT PRIMARY KEY, value BLOB NOT NULL);"
	"CREATE TABLE pushed(kind TEXT NOT NULL, record_id TEXT NOT NULL, rev INTEGER NOT NULL,"
	"  hash TEXT NOT NULL, at TEXT NOT NULL, PRIMARY KEY (record_id, rev));"
	"CREATE TABLE remote(id TEXT PRIMARY KEY, kind TEXT NOT NULL, head TEXT NOT NULL,"
	"  locality TEXT NOT NULL, sealed BLOB NOT NULL, seq INTEGER NOT NULL);"
	"CREATE TABLE heads(record_id TEXT PRIMARY KEY, hash TEXT NOT NULL);"
	"CREATE TABLE remote_conflict(id TEXT PRIMARY KEY, record_id TEXT NOT NULL,"
	"  fields TEXT NOT NULL, winner TEXT NOT NULL, status TEXT NOT NULL, seq INTEGER NOT NULL);",
	/* 1 → 2: one row a record, in the order of its key (WITHOUT ROWID):
	 * the last head known (pushed or pulled) and the last revision this
	 * device pushed. Before, recording the server's answer for an edited
	 * record wrote three places at random (a `pushed` row for every
	 * revision, its index, a `heads` row moved to the end and its index)
	 * and building the next revision read two; now it writes and reads
	 * the one page where the record's key is. */
	"CREATE TABLE heads_new(record_id TEXT PRIMARY KEY, hash TEXT NOT NULL,"
	"  rev INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;"
	"INSERT INTO heads_new(record_id, hash, rev)"
	"  SELECT record_id, hash, coalesce((SELECT max(p.rev) FROM pushed p"
	"    WHERE p.record_id = heads.record_id), 0) FROM heads;"
	/* a push answered, its head not recorded (not made by this agent) */
	"INSERT INTO heads_new(record_id, hash, rev)"
	"  SELECT p.record_id, p.hash, p.rev FROM pushed p"
	"  WHERE p.rev = (SELECT max(q.rev) FROM pushed q WHERE q.record_id = p.record_id)"
	"    AND p.record_id NOT IN (SELECT record_id FROM heads);"
	"DROP TABLE heads;"
	"DROP TABLE pushed;"
	"ALTER TABLE heads_new RENAME TO heads;",
	/* 2 → 3: a record's id and hash as their bytes (16 and 32) instead of
	 * 36 and 64 characters: the table in half the pages, and a sync
	 * writes most of its pages (fa_unhex: migrate, below) */
	"CREATE TABLE heads_new(record_id BLOB PRIMARY KEY, hash BLOB NOT NULL,"
	"  rev INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;"
	"INSERT INTO heads_new(record_id, hash, rev)"
	"  SELECT fa_unhex(record_id), fa_unhex(hash), rev FROM heads"
	"  WHERE length(fa_unhex(record_id)) = 16 AND length(fa_unhex(hash)) = 32;"
	"DROP TABLE heads;"
	"ALTER TABLE heads_new RENAME TO heads;",
};

void store_now(char out[21])
{
	db_timestamp(out);
}

void store_today(char out[11])
{
	time_t t = time(NULL);
	struct tm tm;
	localtime_r(&t, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
}

/* fa_unhex(text): the bytes of lower-case hex text (dashes skipped), or
 * NULL; for migration 2 → 3. */
static void sql_unhex(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
	(void)argc;
	const unsigned char *t = sqlite3_value_text(argv[0]);
	uint8_t out[64];
	int n = t ? crypto_unhex((const char *)t, out, sizeof out) : -1;
	if (n < 0)
		sqlite3_result_null(cx);
	else
		sqlite3_result_blob(cx, out, n, SQLITE_TRANSIENT);
}

static int migrate(store *s, err *e)
{
	sqlite3_create_function_v2(s->d.h, "fa_unhex", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
				   sql_unhex, NULL, NULL, NULL);
	return db_migrate(&s->d, migrations, (int)(sizeof migrations / sizeof migrations[0]), e);
}

int store_open(store *s, const char *dir, int create, err *e)
{
	memset(s, 0, sizeof *s);
	struct stat sb;
	if (stat(dir, &sb) != 0) {
		if (!create)
			return err_set(e, ERR_NOTFOUND, "no device store in %s (run `field-agent init`)", dir);
		if (mkdir(dir, 0700) != 0 && errno != EEXIST)
			return err_set(e, ERR_IO, "%s: cannot create: %s", dir, strerror(errno));
	}
	snprintf(s->path, sizeof s->path, "%s/agent.db", dir);
	if (!create && stat(s->path, &sb) != 0)
		return err_set(e, ERR_NOTFOUND, "no device store in %s (run `field-agent init`)", dir);
	mode_t old = umask(077); /* the database and its WAL are for this user only */
	int rc = db_open(&s->d, s->path, DB_CREATE, e);
	umask(old);
	if (rc)
		return rc;
	if ((rc = migrate(s, e))) {
		db_close(&s->d);
		return rc;
	}
	return 0;
}

void store_close(store *s)
{
	crypto_wipe(s->key, sizeof s->key);
	crypto_wipe(s->hkey, sizeof s->hkey);
	s->unlocked = 0;
	db_close(&s->d);
}

int store_has_keys(store *s)
{
	return db_int(&s->d, 0, "SELECT count(*) FROM keyring") > 0;
}

/* Derives the two working keys from the data key. */
static int use_data_key(store *s, const uint8_t dk[CRYPTO_KEY_LEN], err *e)
{
	int rc = crypto_keyed_hash(dk, "seal", 4, s->key, e);
	if (!rc)
		rc = crypto_keyed_hash(dk, "hash", 4, s->hkey, e);
	s->unlocked = rc == 0;
	return rc;
}

static int wrap_key(const char *secret, const uint8_t *salt, uint32_t iter,
		    const uint8_t dk[CRYPTO_KEY_LEN], const char *aad, buf *out, err *e)
{
	uint8_t kek[CRYPTO_KEY_LEN];
	int rc = crypto_derive_key(secret, strlen(secret), salt, CRYPTO_SALT_LEN, iter, kek, e);
	if (!rc)
		rc = crypto_seal(kek, aad, strlen(aad), dk, CRYPTO_KEY_LEN, out, e);
	crypto_wipe(kek, sizeof kek);
	return rc;
}

static int unwrap_key(const char *secret, const uint8_t *salt, uint32_t iter,
		      const void *wrapped, size_t wlen, const char *aad,
		      uint8_t dk[CRYPTO_KEY_LEN], err *e)
{
	uint8_t kek[CRYPTO_KEY_LEN];
	buf out = BUF_INIT;
	int rc = crypto_derive_key(secret, strlen(secret), salt, CRYPTO_SALT_LEN, iter, kek, e);
	if (!rc)
		rc = crypto_open(kek, aad, strlen(aad), wrapped, wlen, &out, e);
	if (!rc && out.len != CRYPTO_KEY_LEN)
		rc = err_set(e, ERR_CRYPTO, "damaged keyring");
	if (!rc)
		memcpy(dk, out.data, CRYPTO_KEY_LEN);
	crypto_wipe(kek, sizeof kek);
	if (out.data)
		crypto_wipe(out.data, out.len);
	buf_free(&out);
	return rc;
}

static int check_pin(const char *pin, err *e)
{
	size_t n = strlen(pin);
	if (n < STORE_PIN_MIN || n > STORE_PIN_MAX)
		return err_set(e, ERR_INVALID, "the PIN must have %d-%d characters", STORE_PIN_MIN,
			       STORE_PIN_MAX);
	return 0;
}

int store_init_keys(store *s, const char *pin, unsigned kdf_ms, int max_tries,
		    char recovery[25], err *e)
{
	int rc;
	uint8_t dk[CRYPTO_KEY_LEN], salt[CRYPTO_SALT_LEN], rsalt[CRYPTO_SALT_LEN], rnd[20];
	buf pw = BUF_INIT, rw = BUF_INIT;
	if ((rc = check_pin(pin, e)))
		return rc;
	if (store_has_keys(s))
		return err_set(e, ERR_STATE, "%s is already initialised", s->path);
	if ((rc = crypto_random(dk, sizeof dk, e)) || (rc = crypto_random(salt, sizeof salt, e)) ||
	    (rc = crypto_random(rsalt, sizeof rsalt, e)) || (rc = crypto_random(rnd, sizeof rnd, e)))
		goto done;
	/* Recovery code: 20 characters from an alphabet without look-alikes,
	 * in groups of four. */
	static const char alphabet[] = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
	size_t k = 0;
	for (size_t i = 0; i < 20; i++) {
		if (i && i % 4 == 0)
			recovery[k++] = '-';
		recovery[k++] = alphabet[rnd[i] % 32];
	}
	recovery[k] = '\0';
	uint32_t iter = crypto_calibrate_iterations(kdf_ms);
	if ((rc = wrap_key(pin, salt, iter, dk, "keyring/pin", &pw, e)) ||
	    (rc = wrap_key(recovery, rsalt, iter, dk, "keyring/recovery", &rw, e)))
		goto done;
	db_stmt st;
	if ((rc = db_prepare(&s->d, &st,
			     "INSERT INTO keyring(id, salt, iterations, pin_wrapped, recovery_salt,"
			     " recovery_wrapped, max_tries) VALUES (1, :salt, :iter, :pw, :rsalt, :rw, :max)",
			     e)))
		goto done;
	db_bind_blob(&st, ":salt", salt, sizeof salt);
	db_bind_int(&st, ":iter", iter);
	db_bind_blob(&st, ":pw", pw.data, (int)pw.len);
	db_bind_blob(&st, ":rsalt", rsalt, sizeof rsalt);
	db_bind_blob(&st, ":rw", rw.data, (int)rw.len);
	db_bind_int(&st, ":max", max_tries > 0 ? max_tries : STORE_DEFAULT_TRIES);
	rc = db_step(&st, e);
	db_finalize(&st);
	if (rc >= 0)
		rc = use_data_key(s, dk, e);
done:
	crypto_wipe(dk, sizeof dk);
	crypto_wipe(rnd, sizeof rnd);
	buf_free(&pw);
	buf_free(&rw);
	return rc;
}

typedef struct keyring {
	uint8_t salt[CRYPTO_SALT_LEN], rsalt[CRYPTO_SALT_LEN];
	uint32_t iter;
	buf pw, rw;
	int failed, max_tries, locked;
} keyring;

static int keyring_load(store *s, keyring *k, err *e)
{
	db_stmt st;
	memset(k, 0, sizeof *k);
	int rc = db_prepare(&s->d, &st,
			    "SELECT salt, iterations, pin_wrapped, recovery_salt, recovery_wrapped,"
			    " failed, max_tries, locked FROM keyring WHERE id = 1",
			    e);
	if (rc)
		return rc;
	rc = db_step(&st, e);
	if (rc == 0)
		rc = err_set(e, ERR_NOTFOUND, "the device is not initialised (run `field-agent init`)");
	if (rc == 1) {
		int n;
		const void *p = db_col_blob(&st, 0, &n);
		if (n == CRYPTO_SALT_LEN)
			memcpy(k->salt, p, CRYPTO_SALT_LEN);
		k->iter = (uint32_t)db_col_int(&st, 1);
		p = db_col_blob(&st, 2, &n);
		buf_append(&k->pw, p, (size_t)n);
		p = db_col_blob(&st, 3, &n);
		if (n == CRYPTO_SALT_LEN)
			memcpy(k->rsalt, p, CRYPTO_SALT_LEN);
		p = db_col_blob(&st, 4, &n);
		buf_append(&k->rw, p, (size_t)n);
		k->failed = (int)db_col_int(&st, 5);
		k->max_tries = (int)db_col_int(&st, 6);
		k->locked = (int)db_col_int(&st, 7);
		rc = 0;
	}
	db_finalize(&st);
	return rc;
}

static void keyring_free(keyring *k)
{
	buf_free(&k->pw);
	buf_free(&k->rw);
}

static int keyring_set_failed(store *s, int failed, int locked, err *e)
{
	db_stmt st;
	int rc = db_prepare(&s->d, &st, "UPDATE keyring SET failed = :f, locked = :l WHERE id = 1", e);
	if (rc)
		return rc;
	db_bind_int(&st, ":f", failed);
	db_bind_int(&st, ":l", locked);
	rc = db_step(&st, e);
	db_finalize(&st);
	return rc < 0 ? rc : 0;
}

int store_unlock(store *s, const char *pin, err *e)
{
	keyring k;
	uint8_t dk[CRYPTO_KEY_LEN];
	int rc = keyring_load(s, &k, e);
	if (rc)
		return rc;
	if (k.locked) {
		rc = err_set(e, ERR_AUTH,
			     "locked after %d wrong PINs: unlock with the recovery code "
			     "(field-agent recover)", k.max_tries);
		goto done;
	}
	/* Count the try before making it: a kill during the slow derivation
	 * must not give a free attempt. */
	if ((rc = keyring_set_failed(s, k.failed + 1, 0, e)))
		goto done;
	err ignored;
	if (unwrap_key(pin, k.salt, k.iter, k.pw.data, k.pw.len, "keyring/pin", dk, &ignored)) {
		int left = k.max_tries - (k.failed + 1);
		keyring_set_failed(s, k.failed + 1, left <= 0, e);
		rc = left <= 0 ? err_set(e, ERR_AUTH,
					 "wrong PIN; the store is now locked: unlock with the "
					 "recovery code (field-agent recover)")
			       : err_set(e, ERR_AUTH, "wrong PIN (%d %s left)", left,
					 left == 1 ? "try" : "tries");
		goto done;
	}
	/* The count back to 0 need not wait for the disk: a power cut that
	 * takes it leaves one try fewer, and the next durable commit of this
	 * store (or its checkpoint) writes it down. */
	db_exec(&s->d, "PRAGMA synchronous=NORMAL", NULL);
	rc = keyring_set_failed(s, 0, 0, e);
	db_exec(&s->d, "PRAGMA synchronous=FULL", NULL);
	if (rc == 0)
		rc = use_data_key(s, dk, e);
done:
	crypto_wipe(dk, sizeof dk);
	keyring_free(&k);
	return rc;
}

int store_recover(store *s, const char *code, const char *new_pin, err *e)
{
	keyring k;
	uint8_t dk[CRYPTO_KEY_LEN], salt[CRYPTO_SALT_LEN];
	buf pw = BUF_INIT;
	int rc = check_pin(new_pin, e);
	if (rc)
		return rc;
	if ((rc = keyring_load(s, &k, e)))
		return rc;
	/* Accept the code in any case and with or without dashes. */
	char raw[21], norm[32];
	size_t n = 0, w = 0;
	for (const char *p = code; *p && n < 20; p++)
		if (*p != '-' && *p != ' ')
			raw[n++] = (char)toupper((unsigned char)*p);
	for (size_t i = 0; i < n; i++) {
		if (i && i % 4 == 0)
			norm[w++] = '-';
		norm[w++] = raw[i];
	}
	norm[w] = '\0';
	crypto_wipe(raw, sizeof raw);
	if (unwrap_key(norm, k.rsalt, k.iter, k.rw.data, k.rw.len, "keyring/recovery", dk, e)) {
		rc = err_set(e, ERR_AUTH, "wrong recovery code");
		goto done;
	}
	if ((rc = crypto_random(salt, sizeof salt, e)) ||
	    (rc = wrap_key(new_pin, salt, k.iter, dk, "keyring/pin", &pw, e)))
		goto done;
	db_stmt st;
	if ((rc = db_prepare(&s->d, &st,
			     "UPDATE keyring SET salt = :salt, pin_wrapped = :pw, failed = 0,"
			     " locked = 0 WHERE id = 1", e)))
		goto done;
	db_bind_blob(&st, ":salt", salt, sizeof salt);
	db_bind_blob(&st, ":pw", pw.data, (int)pw.len);
	rc = db_step(&st, e);
	db_finalize(&st);
	if (rc >= 0)
		rc = use_data_key(s, dk, e);
done:
	crypto_wipe(dk, sizeof dk);
	crypto_wipe(norm, sizeof norm);
	buf_free(&pw);
	keyring_free(&k);
	return rc;
}

/* --- sealing ------------------------------------------------------------ */

int store_seal(store *s, const char *aad, const void *p, size_t n, buf *out, err *e)
{
	if (!s->unlocked)
		return err_set(e, ERR_STATE, "the store is locked");
	return crypto_seal(s->key, aad, strlen(aad), p, n, out, e);
}

int store_unseal(store *s, const char *aad, const void *p, size_t n, buf *out, err *e)
{
	if (!s->unlocked)
		return err_set(e, ERR_STATE, "the store is locked");
	return crypto_open(s->key, aad, strlen(aad), p, n, out, e);
}

int store_seal_json(store *s, const char *aad, const cJSON *j, buf *out, err *e)
{
	char *text = cJSON_PrintUnformatted(j);
	if (!text)
		return err_set(e, ERR_NOMEM, "out of memory");
	int rc = store_seal(s, aad, text, strlen(text), out, e);
	crypto_wipe(text, strlen(text));
	cJSON_free(text);
	return rc;
}

int store_unseal_json(store *s, const char *aad, const void *p, size_t n, cJSON **out,
		      err *e)
{
	buf plain = BUF_INIT;
	*out = NULL;
	int rc = store_unseal(s, aad, p, n, &plain, e);
	if (!rc) {
		*out = cJSON_ParseWithLength(plain.data, plain.len);
		if (!*out)
			rc = err_set(e, ERR_INVALID, "%s: damaged record", aad);
	}
	if (plain.data)
		crypto_wipe(plain.data, plain.len);
	buf_free(&plain);
	return rc;
}

int store_hash(store *s, const char *text, uint8_t out[CRYPTO_HASH_LEN], err *e)
{
	if (!s->unlocked)
		return err_set(e, ERR_STATE, "the store is locked");
	/* Normalise: trim, collapse spaces, fold ASCII case. Cyrillic case
	 * folding would need the locale; assessors type names as written on
	 * the identity card, which is upper case in Bulgaria. */
	buf b = BUF_INIT;
	int space = 0;
	for (const char *p = text; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == ' ' || c == '\t') {
			space = b.len > 0;
			continue;
		}
		if (space)
			buf_putc(&b, ' ');
		space = 0;
		buf_putc(&b, (char)tolower(c));
	}
	int rc = crypto_keyed_hash(s->hkey, b.data ? b.data : "", b.len, out, e);
	if (b.data)
		crypto_wipe(b.data, b.len);
	buf_free(&b);
	return rc;
}

/* --- records ------------------------------------------------------------ */

static const char *json_str(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int outbox_add_state(store *s, const char *kind, const char *id, int64_t rev,
			    const char *state, err *e)
{
	db_stmt st;
	char now[21];
	store_now(now);
	int rc = db_prepare(&s->d, &st,
			    "INSERT OR IGNORE INTO outbox(kind, record_id, revision, state, created_at)"
			    " VALUES (:k, :id, :rev, :state, :now)", e);
	if (rc)
		return rc;
	db_bind_text(&st, ":k", kind, -1);
	db_bind_text(&st, ":id", id, -1);
	db_bind_int(&st, ":rev", rev);
	db_bind_text(&st, ":state", state, -1);
	db_bind_text(&st, ":now", now, -1);
	rc = db_step(&st, e);
	db_finalize(&st);
	return rc < 0 ? rc : 0;
}

static int outbox_add(store *s, const char *kind, const char *id, int64_t rev, err *e)
{
	return outbox_add_state(s, kind, id, rev, "", e);
}

static int check_locality(const char *locality, err *e)
{
	if (!locality || !*locality || strlen(locality) > 120)
		return err_set(e, ERR_INVALID, "the locality must be 1-120 bytes");
	return 0;
}

int store_household_add(store *s, const char *locality, const cJSON *fields,
			char id[UUID_STR_LEN], err *e)
{
	char aad[64], now[21];
	buf sealed = BUF_INIT;
	db_stmt st = {0};
	int rc;
	if ((rc = check_locality(locality, e)) || (rc = uuid_v7(id, e)))
		return rc;
	snprintf(aad, sizeof aad, "household/%s", id);
	if ((rc = store_seal_json(s, aad, fields, &sealed, e)))
		goto done;
	store_now(now);
	if ((rc = db_begin(&s->d, e)))
		goto done;
	if ((rc = db_prepare(&s->d, &st,
			     "INSERT INTO household(id, locality, sealed, created_at)"
			     " VALUES (:id, :loc, :sealed, :now)", e)))
		goto fail;
	db_bind_text(&st, ":id", id, -1);
	db_bind_text(&st, ":loc", locality, -1);
	db_bind_blob(&st, ":sealed", sealed.data, (int)sealed.len);
	db_bind_text(&st, ":now", now, -1);
	if ((rc = db_step(&st, e)) < 0 || (rc = outbox_add(s, "household", id, 1, e)) ||
	    (rc = db_commit(&s->d, e)))
		goto fail;
	goto done;
fail:
	db_rollback(&s->d);
done:
	db_finalize(&st);
	buf_free(&sealed);
	return rc;
}

static int count_matches(store *s, const char *col, const uint8_t *hash, const char *except,
			 int *n, err *e)
{
	db_stmt st;
	char sql[160];
	/* col is one of two fixed column names chosen by this file, never input */
	snprintf(sql, sizeof sql, "SELECT count(*) FROM person WHERE %s = :h AND id != :id", col);
	int rc = db_prepare(&s->d, &st, sql, e);
	if (rc)
		return rc;
	db_bind_blob(&st, ":h", hash, CRYPTO_HASH_LEN);
	db_bind_text(&st, ":id", except, -1);
	rc = db_step(&st, e);
	if (rc == 1)
		*n += (int)db_col_int(&st, 0);
	db_finalize(&st);
	return rc < 0 ? rc : 0;
}

static int person_hashes(store *s, const cJSON *fields, const char *locality,
			 uint8_t nid[CRYPTO_HASH_LEN], int *has_nid,
			 uint8_t ident[CRYPTO_HASH_LEN], err *e)
{
	const char *name = json_str(fields, "name"), *birth = json_str(fields, "birth_date");
	const char *natid = json_str(fields, "national_id");
	int rc;
	*has_nid = natid && *natid;
	if (*has_nid && (rc = store_hash(s, natid, nid, e)))
		return rc;
	buf b = BUF_INIT;
	buf_printf(&b, "%s|%s|%s", name ? name : "", birth ? birth : "", locality);
	rc = store_hash(s, b.data, ident, e);
	crypto_wipe(b.data, b.len);
	buf_free(&b);
	return rc;
}

/* store_person_add, with the id given when want_id is set; inside the
 * caller's transaction when one is open, else in its own. */
static int person_add(store *s, const char *want_id, const char *household_id,
		      const char *locality, const cJSON *fields, char id[UUID_STR_LEN], int *dups,
		      err *e)
{
	int own = !s->d.in_tx;
	char aad[64], now[21];
	uint8_t nid[CRYPTO_HASH_LEN], ident[CRYPTO_HASH_LEN];
	int has_nid, rc;
	long days;
	buf sealed = BUF_INIT;
	db_stmt st = {0};
	*dups = 0;
	const char *name = json_str(fields, "name"), *birth = json_str(fields, "birth_date");
	if ((rc = check_locality(locality, e)))
		return rc;
	if (!name || !*name || strlen(name) > 200)
		return err_set(e, ERR_INVALID, "name: 1-200 bytes needed");
	if (!birth || expr_parse_date(birth, strlen(birth), &days))
		return err_set(e, ERR_INVALID, "birth date: expected YYYY-MM-DD, a real date");
	const char *natid = json_str(fields, "national_id");
	if (natid && strlen(natid) > 32)
		return err_set(e, ERR_INVALID, "national id: at most 32 characters");
	if (want_id)
		snprintf(id, UUID_STR_LEN, "%s", want_id);
	if ((!want_id && (rc = uuid_v7(id, e))) ||
	    (rc = person_hashes(s, fields, locality, nid, &has_nid, ident, e)))
		return rc;
	snprintf(aad, sizeof aad, "person/%s", id);
	if ((rc = store_seal_json(s, aad, fields, &sealed, e)))
		goto done;
	store_now(now);
	if (own && (rc = db_begin(&s->d, e)))
		goto done;
	if ((rc = db_prepare(&s->d, &st,
			     "INSERT INTO person(id, household_id, locality, nid_hash, ident_hash,"
			     " sealed, created_at) VALUES (:id, :hh, :loc, :nid, :ident, :sealed, :now)",
			     e)))
		goto fail;
	db_bind_text(&st, ":id", id, -1);
	db_bind_text(&st, ":hh", household_id, -1);
	db_bind_text(&st, ":loc", locality, -1);
	db_bind_blob(&st, ":nid", has_nid ? nid : NULL, CRYPTO_HASH_LEN);
	db_bind_blob(&st, ":ident", ident, CRYPTO_HASH_LEN);
	db_bind_blob(&st, ":sealed", sealed.data, (int)sealed.len);
	db_bind_text(&st, ":now", now, -1);
	if ((rc = db_step(&st, e)) < 0) {
		if (rc == ERR_CONFLICT && household_id)
			rc = err_set(e, ERR_NOTFOUND, "no household %s on this device", household_id);
		goto fail;
	}
	if ((has_nid && (rc = count_matches(s, "nid_hash", nid, id, dups, e))) ||
	    (rc = count_matches(s, "ident_hash", ident, id, dups, e)) ||
	    (rc = outbox_add(s, "person", id, 1, e)) || (own && (rc = db_commit(&s->d, e))))
		goto fail;
	goto done;
fail:
	if (own)
		db_rollback(&s->d);
done:
	db_finalize(&st);
	buf_free(&sealed);
	return rc;
}

int store_person_add(store *s, const char *household_id, const char *locality,
		     const cJSON *fields, char id[UUID_STR_LEN], int *dups, err *e)
{
	return person_add(s, NULL, household_id, locality, fields, id, dups, e);
}

int store_person_update(store *s, const char *id, const cJSON *patch, int queue, err *e)
{
	cJSON *f = NULL;
	char locality[128], aad[64];
	buf sealed = BUF_INIT;
	db_stmt st = {0};
	uint8_t nid[CRYPTO_HASH_LEN], ident[CRYPTO_HASH_LEN];
	int has_nid;
	int rc = store_person_get(s, id, &f, locality, e);
	if (rc)
		return rc;
	const cJSON *it;
	cJSON_ArrayForEach(it, patch) {
		if (!strcmp(it->string, "id") || !strcmp(it->string, "locality") ||
		    !strcmp(it->string, "household_id"))
			continue;
		cJSON_DeleteItemFromObjectCaseSensitive(f, it->string);
		cJSON_AddItemToObject(f, it->string, cJSON_Duplicate(it, 1));
	}
	long days;
	const char *birth = json_str(f, "birth_date");
	if (!json_str(f, "name") || !birth || expr_parse_date(birth, strlen(birth), &days)) {
		rc = err_set(e, ERR_INVALID, "name and a real birth date are needed");
		goto done;
	}
	snprintf(aad, sizeof aad, "person/%s", id);
	if ((rc = person_hashes(s, f, locality, nid, &has_nid, ident, e)) ||
	    (rc = store_seal_json(s, aad, f, &sealed, e)) || (rc = db_begin(&s->d, e)))
		goto done;
	if ((rc = db_prepare(&s->d, &st,
			     "UPDATE person SET sealed = :s, nid_hash = :nid, ident_hash = :ident,"
			     " revision = revision + :q WHERE id = :id", e)))
		goto fail;
	db_bind_blob(&st, ":s", sealed.data, (int)sealed.len);
	db_bind_blob(&st, ":nid", has_nid ? nid : NULL, CRYPTO_HASH_LEN);
	db_bind_blob(&st, ":ident", ident, CRYPTO_HASH_LEN);
	db_bind_int(&st, ":q", queue != 0);
	db_bind_text(&st, ":id", id, -1);
	if ((rc = db_step(&st, e)) < 0)
		goto fail;
	if (queue) {
		int64_t rev = 1;
		db_stmt q;
		if (db_prepare(&s->d, &q, "SELECT revision FROM person WHERE id = :id", e) == 0) {
			db_bind_text(&q, ":id", id, -1);
			if (db_step(&q, e) == 1)
				rev = db_col_int(&q, 0);
			db_finalize(&q);
		}
		if ((rc = outbox_add(s, "person", id, rev, e)))
			goto fail;
	}
	if ((rc = db_commit(&s->d, e)))
		goto fail;
	goto done;
fail:
	db_rollback(&s->d);
done:
	db_finalize(&st);
	buf_free(&sealed);
	cJSON_Delete(f);
	return rc;
}

int store_person_put_remote(store *s, const char *id, const cJSON *body, err *e)
{
	const char *locality = json_str(body, "locality");
	const char *hh = json_str(body, "household_id");
	cJSON *f = cJSON_Duplicate(body, 1);
	cJSON_DeleteItemFromObjectCaseSensitive(f, "locality");
	cJSON_DeleteItemFromObjectCaseSensitive(f, "household_id");
	char aad[64], now[21];
	uint8_t nid[CRYPTO_HASH_LEN], ident[CRYPTO_HASH_LEN];
	int has_nid, rc;
	buf sealed = BUF_INIT;
	db_stmt st = {0};
	if (!locality || !uuid_valid(id)) {
		cJSON_Delete(f);
		return 0; /* not a person this device can use; it stays in `remote` */
	}
	snprintf(aad, sizeof aad, "person/%s", id);
	store_now(now);
	if ((rc = person_hashes(s, f, locality, nid, &has_nid, ident, e)) ||
	    (rc = store_seal_json(s, aad, f, &sealed, e)))
		goto done;
	/* a person with changes waiting to be sent keeps them: the server
	 * decides between the two versions */
	if ((rc = db_prepare(&s->d, &st,
			     "INSERT INTO person(id, household_id, locality, nid_hash, ident_hash, sealed, created_at)"
			     " VALUES (:id, NULL, :loc, :nid, :ident, :s, :now) ON CONFLICT(id) DO UPDATE SET"
			     " sealed = excluded.sealed, nid_hash = excluded.nid_hash, ident_hash = excluded.ident_hash"
			     " WHERE NOT EXISTS (SELECT 1 FROM outbox WHERE kind = 'person' AND record_id = :id)",
			     e)))
		goto done;
	db_bind_text(&st, ":id", id, -1);
	db_bind_text(&st, ":loc", locality, -1);
	db_bind_blob(&st, ":nid", has_nid ? nid : NULL, CRYPTO_HASH_LEN);
	db_bind_blob(&st, ":ident", ident, CRYPTO_HASH_LEN);
	db_bind_blob(&st, ":s", sealed.data, (int)sealed.len);
	db_bind_text(&st, ":now", now, -1);
	rc = db_step(&st, e);
	rc = rc < 0 ? rc : 0;
	(void)hh;
done:
	db_finalize(&st);
	buf_free(&sealed);
	cJSON_Delete(f);
	return rc;
}

int store_person_get(store *s, const char *id, cJSON **fields, char locality[128], err *e)
{
	db_stmt st;
	char aad[64];
	*fields = NULL;
	int rc = db_prepare(&s->d, &st, "SELECT sealed, locality FROM person WHERE id = :id", e);
	if (rc)
		return rc;
	db_bind_text(&st, ":id", id, -1);
	rc = db_step(&st, e);
	if (rc == 0)
		rc = err_set(e, ERR_NOTFOUND, "no person %.40s on this device", id);
	if (rc == 1) {
		int n;
		const void *p = db_col_blob(&st, 0, &n);
		snprintf(aad, sizeof aad, "person/%s", id);
		snprintf(locality, 128, "%s", db_col_text(&st, 1));
		rc = store_unseal_json(s, aad, p, (size_t)n, fields, e);
	}
	db_finalize(&st);
	return rc;
}

int store_person_duplicates(store *s, const char *id, buf *out, err *e)
{
	db_stmt st;
	int rc = db_prepare(&s->d, &st,
			    "SELECT o.id FROM person p JOIN person o ON o.id != p.id AND"
			    " (o.ident_hash = p.ident_hash OR o.nid_hash = p.nid_hash)"
			    " WHERE p.id = :id ORDER BY o.id", e);
	if (rc)
		return rc;
	db_bind_text(&st, ":id", id, -1);
	while ((rc = db_step(&st, e)) == 1)
		buf_printf(out, "%s%s", out->len ? " " : "", db_col_text(&st, 0));
	db_finalize(&st);
	return rc < 0 ? rc : 0;
}

int store_assessment_new(store *s, const char *person_id, const char *instrument,
			 int version, const cJSON *envelope, char id[UUID_STR_LEN], err *e)
{
	char aad[64], now[21];
	buf sealed = BUF_INIT;
	db_stmt st = {0};
	int rc = uuid_v7(id, e);
	if (rc)
		return rc;
	snprintf(aad, sizeof aad, "assessment/%s", id);
	if ((rc = store_seal_json(s, aad, envelope, &sealed, e)))
		goto done;
	store_now(now);
	if ((rc = db_prepare(&s->d, &st,
			     "INSERT INTO assessment(id, person_id, instrument, version, status,"
			     " sealed, started_at, updated_at)"
			     " VALUES (:id, :p, :i, :v, 'draft', :sealed, :now, :now)", e)))
		goto done;
	db_bind_text(&st, ":id", id, -1);
	db_bind_text(&st, ":p", person_id, -1);
	db_bind_text(&st, ":i", instrument, -1);
	db_bind_int(&st, ":v", version);
	db_bind_blob(&st, ":sealed", sealed.data, (int)sealed.len);
	db_bind_text(&st, ":now", now, -1);
	rc = db_step(&st, e);
	if (rc == ERR_CONFLICT)
		rc = err_set(e, ERR_NOTFOUND, "no person %.40s on this device", person_id);
	rc = rc < 0 ? rc : 0;
done:
	db_finalize(&st);
	buf_free(&sealed);
	return rc;
}

int store_assessment_get(store *s, const char *id, store_assessment *a, err *e)
{
	db_stmt st;
	memset(a, 0, sizeof *a);
	int rc = db_prepare(&s->d, &st,
			    "SELECT id, person_id, instrument, version, status, revision,"
			    " coalesce(cursor, ''), started_at, updated_at FROM assessment WHERE id = :id",
			    e);
	if (rc)
		return rc;
	db_bind_text(&st, ":id", id, -1);
	rc = db_step(&st, e);
	if (rc == 0)
		rc = err_set(e, ERR_NOTFOUND, "no assessment %.40s on this device", id);
	if (rc == 1) {
		snprintf(a->id, sizeof a->id, "%s", db_col_text(&st, 0));
		snprintf(a->person_id, sizeof a->person_id, "%s", db_col_text(&st, 1));
		snprintf(a->instrument, sizeof a->instrument, "%s", db_col_text(&st, 2));
		a->version = (int)db_col_int(&st, 3);
		snprintf(a->status, sizeof a->status, "%s", db_col_text(&st, 4));
		a->revision = (int)db_col_int(&st, 5);
		snprintf(a->cursor, sizeof a->cursor, "%s", db_col_text(&st, 6));
		snprintf(a->started_at, sizeof a->started_at, "%s", db_col_text(&st, 7));
		snprintf(a->updated_at, sizeof a->updated_at, "%s", db_col_text(&st, 8));
		rc = 0;
	}
	db_finalize(&st);
	return rc;
}

static int touch(store *s, const char *id, const char *cursor, int set_cursor, err *e)
{
	db_stmt st;
	char now[21];
	store_now(now);
	int rc = db_prepare(&s->d, &st,
			    set_cursor ? "UPDATE assessment SET updated_at = :now, cursor = :c"
					 " WHERE id = :id AND status = 'draft'"
				       : "UPDATE assessment SET updated_at = :now"
					 " WHERE id = :id AND status = 'draft'", e);
	if (rc)
		return rc;
	db_bind_text(&st, ":now", now, -1);
	if (set_cursor)
		db_bind_text(&st, ":c", cursor, -1);
	db_bind_text(&st, ":id", id, -1);
	rc = db_step(&st, e);
	db_finalize(&st);
	if (rc < 0)
		return rc;
	if (db_changes(&s->d) != 1)
		return err_set(e, ERR_STATE, "assessment %.40s is not a draft on this device", id);
	return 0;
}

int store_answer_put(store *s, const char *assessment_id, const char *item,
		     const cJSON *value, const char *cursor, err *e)
{
	char aad[160], now[21];
	buf sealed = BUF_INIT;
	db_stmt st = {0};
	int rc;
	snprintf(aad, sizeof aad, "answer/%s/%s", assessment_id, item);
	if (value && (rc = store_seal_json(s, aad, value, &sealed, e)))
		return rc;
	store_now(now);
	if ((rc = db_begin(&s->d, e)))
		goto done;
	if ((rc = touch(s, assessment_id, cursor, cursor != NULL, e)))
		goto fail;
	if ((rc = db_prepare(&s->d, &st,
			     value ? "INSERT OR REPLACE INTO answer(assessment_id, item, sealed, entered_at)"
				     " VALUES (:a, :item, :sealed, :now)"
				   : "DELETE FROM answer WHERE assessment_id = :a AND item = :item",
			     e)))
		goto fail;
	db_bind_text(&st, ":a", assessment_id, -1);
	db_bind_text(&st, ":item", item, -1);
	if (value) {
		db_bind_blob(&st, ":sealed", sealed.data, (int)sealed.len);
		db_bind_text(&st, ":now", now, -1);
	}
	if ((rc = db_step(&st, e)) < 0 || (rc = db_commit(&s->d, e)))
		goto fail;
	goto done;
fail:
	db_rollback(&s->d);
done:
	db_finalize(&st);
	buf_free(&sealed);
	return rc;
}

int store_cursor_put(store *s, const char *assessment_id, const char *cursor, err *e)
{
	return touch(s, assessment_id, cursor, 1, e);
}

int store_assessment_json(store *s, const char *id, cJSON **out, err *e)
{
	store_assessment a;
	cJSON *root = NULL, *env = NULL, *person = NULL;
	char aad[160], locality[128];
	db_stmt st = {0};
	*out = NULL;
	int rc = store_assessment_get(s, id, &a, e);
	if (rc)
		return rc;
	if ((rc = db_prepare(&s->d, &st, "SELECT sealed FROM assessment WHERE id = :id", e)))
		return rc;
	db_bind_text(&st, ":id", id, -1);
	if ((rc = db_step(&st, e)) != 1) {
		rc = rc < 0 ? rc : err_set(e, ERR_NOTFOUND, "assessment vanished");
		goto done;
	}
	int n;
	const void *p = db_col_blob(&st, 0, &n);
	snprintf(aad, sizeof aad, "assessment/%s", id);
	if ((rc = store_unseal_json(s, aad, p, (size_t)n, &env, e)))
		goto done;
	db_finalize(&st);
	if ((rc = store_person_get(s, a.person_id, &person, locality, e)))
		goto done;
	root = cJSON_CreateObject();
	cJSON_AddStringToObject(root, "id", id);
	cJSON_AddStringToObject(root, "instrument", a.instrument);
	cJSON_AddNumberToObject(root, "version", a.version);
	cJSON_AddNumberToObject(root, "revision", a.revision);
	cJSON_AddStringToObject(root, "status", a.status);
	const cJSON *it;
	cJSON_ArrayForEach(it, env) cJSON_AddItemToObject(root, it->string, cJSON_Duplicate(it, 1));
	cJSON_AddStringToObject(person, "id", a.person_id);
	cJSON_AddStringToObject(person, "locality", locality);
	cJSON_AddItemToObject(root, "person", person);
	person = NULL;
	cJSON *answers = cJSON_AddObjectToObject(root, "answers");
	if ((rc = db_prepare(&s->d, &st,
			     "SELECT item, sealed FROM answer WHERE assessment_id = :id ORDER BY rowid", e)))
		goto done;
	db_bind_text(&st, ":id", id, -1);
	while ((rc = db_step(&st, e)) == 1) {
		const char *item = db_col_text(&st, 0);
		cJSON *v = NULL;
		p = db_col_blob(&st, 1, &n);
		snprintf(aad, sizeof aad, "answer/%s/%s", id, item);
		if ((rc = store_unseal_json(s, aad, p, (size_t)n, &v, e)))
			goto done;
		cJSON_AddItemToObject(answers, item, v);
	}
	if (rc < 0)
		goto done;
	*out = root;
	root = NULL;
	rc = 0;
done:
	db_finalize(&st);
	cJSON_Delete(root);
	cJSON_Delete(env);
	cJSON_Delete(person);
	return rc;
}

int store_latest_draft(store *s, char id[UUID_STR_LEN], err *e)
{
	db_stmt st;
	int rc = db_prepare(&s->d, &st,
			    "SELECT id FROM assessment WHERE status = 'draft'"
			    " ORDER BY updated_at DESC, rowid DESC LIMIT 1", e);
	if (rc)
		return rc;
	rc = db_step(&st, e);
	if (rc == 1)
		snprintf(id, UUID_STR_LEN, "%s", db_col_text(&st, 0));
	else if (rc == 0)
		rc = err_set(e, ERR_NOTFOUND, "no draft assessment on this device");
	db_finalize(&st);
	return rc == 1 ? 0 : rc;
}

/* Writes the snapshot of the assessment's current revision with status. */
static int snapshot(store *s, const char *id, const char *status, const cJSON *extra,
		    err *e)
{
	cJSON *doc = NULL;
	buf sealed = BUF_INIT;
	db_stmt st = {0};
	char aad[160], now[21];
	int rc = store_assessment_json(s, id, &doc, e);
	if (rc)
		return rc;
	cJSON_ReplaceItemInObjectCaseSensitive(doc, "status", cJSON_CreateString(status));
	if (extra)
		cJSON_AddItemToObject(doc, "outputs", cJSON_Duplicate(extra, 1));
	int rev = (int)cJSON_GetObjectItemCaseSensitive(doc, "revision")->valuedouble;
	snprintf(aad, sizeof aad, "revision/%s/%d/%s", id, rev, status);
	if ((rc = store_seal_json(s, aad, doc, &sealed, e)))
		goto done;
	store_now(now);
	if ((rc = db_prepare(&s->d, &st,
			     "INSERT INTO assessment_revision(assessment_id, revision, status, sealed,"
			     " created_at) VALUES (:id, :rev, :st, :sealed, :now)", e)))
		goto done;
	db_bind_text(&st, ":id", id, -1);
	db_bind_int(&st, ":rev", rev);
	db_bind_text(&st, ":st", status, -1);
	db_bind_blob(&st, ":sealed", sealed.data, (int)sealed.len);
	db_bind_text(&st, ":now", now, -1);
	rc = db_step(&st, e);
	if (rc >= 0)
		rc = outbox_add_state(s, "assessment", id, rev, status, e);
done:
	db_finalize(&st);
	buf_free(&sealed);
	cJSON_Delete(doc);
	return rc < 0 ? rc : 0;
}

static int set_status(store *s, const char *id, const char *from, const char *to,
		      const char *extra_sql, err *e)
{
	db_stmt st;
	char now[21], sql[256];
	store_now(now);
	snprintf(sql, sizeof sql,
		 "UPDATE assessment SET status = :to, updated_at = :now%s WHERE id = :id AND status = :from",
		 extra_sql);
	int rc = db_prepare(&s->d, &st, sql, e);
	if (rc)
		return rc;
	db_bind_text(&st, ":to", to, -1);
	db_bind_text(&st, ":from", from, -1);
	db_bind_text(&st, ":now", now, -1);
	db_bind_text(&st, ":id", id, -1);
	rc = db_step(&st, e);
	db_finalize(&st);
	if (rc < 0)
		return rc;
	if (db_changes(&s->d) != 1)
		return err_set(e, ERR_STATE, "assessment %.40s is not %s", id,
			       !strcmp(from, "draft") ? "a draft" : "final");
	return 0;
}

int store_finalise(store *s, const char *id, const cJSON *outputs, err *e)
{
	int rc = db_begin(&s->d, e);
	if (rc)
		return rc;
	if ((rc = set_status(s, id, "draft", "final", ", finalised_at = :now, cursor = NULL", e)) ||
	    (rc = snapshot(s, id, "final", outputs, e)) || (rc = db_commit(&s->d, e)))
		db_rollback(&s->d);
	return rc;
}

int store_void(store *s, const char *id, const char *reason, err *e)
{
	if (!reason || !*reason)
		return err_set(e, ERR_INVALID, "a reason is needed to void an assessment");
	cJSON *why = cJSON_CreateObject();
	cJSON_AddStringToObject(why, "void_reason", reason);
	int rc = db_begin(&s->d, e);
	if (!rc) {
		if ((rc = set_status(s, id, "final", "voided", "", e)) ||
		    (rc = snapshot(s, id, "voided", why, e)) || (rc = db_commit(&s->d, e)))
			db_rollback(&s->d);
	}
	cJSON_Delete(why);
	return rc;
}

int store_correct(store *s, const char *id, err *e)
{
	int rc = db_begin(&s->d, e);
	if (rc)
		return rc;
	if ((rc = set_status(s, id, "final", "draft", ", revision = revision + 1", e)) ||
	    (rc = db_commit(&s->d, e)))
		db_rollback(&s->d);
	return rc;
}

int store_service_add(store *s, const char *person_id, const char *household_id,
		      const char *type, const char *date, int minutes, const char *place,
		      const cJSON *fields, char id[UUID_STR_LEN], err *e)
{
	char aad[64], now[21];
	long days;
	buf sealed = BUF_INIT;
	db_stmt st = {0};
	int rc;
	if (!date || expr_parse_date(date, strlen(date), &days))
		return err_set(e, ERR_INVALID, "date: expected YYYY-MM-DD");
	if (minutes < 1 || minutes > 24 * 60)
		return err_set(e, ERR_INVALID, "minutes: 1-1440");
	if ((rc = uuid_v7(id, e)))
		return rc;
	snprintf(aad, sizeof aad, "service/%s", id);
	if ((rc = store_seal_json(s, aad, fields, &sealed, e)))
		goto done;
	store_now(now);
	if ((rc = db_begin(&s->d, e)))
		goto done;
	if ((rc = db_prepare(&s->d, &st,
			     "INSERT INTO service(id, person_id, household_id, type, date, minutes,"
			     " place, sealed, created_at) VALUES (:id, :p, :h, :t, :d, :m, :pl, :sealed, :now)",
			     e)))
		goto fail;
	db_bind_text(&st, ":id", id, -1);
	db_bind_text(&st, ":p", person_id, -1);
	db_bind_text(&st, ":h", household_id, -1);
	db_bind_text(&st, ":t", type, -1);
	db_bind_text(&st, ":d", date, -1);
	db_bind_int(&st, ":m", minutes);
	db_bind_text(&st, ":pl", place, -1);
	db_bind_blob(&st, ":sealed", sealed.data, (int)sealed.len);
	db_bind_text(&st, ":now", now, -1);
	if ((rc = db_step(&st, e)) < 0) {
		if (rc == ERR_CONFLICT)
			rc = err_set(e, ERR_NOTFOUND, "no such person or household on this device");
		goto fail;
	}
	if ((rc = outbox_add(s, "service", id, 1, e)) || (rc = db_commit(&s->d, e)))
		goto fail;
	goto done;
fail:
	db_rollback(&s->d);
done:
	db_finalize(&st);
	buf_free(&sealed);
	return rc;
}

/* Canonical text of an imported assessment, to tell a replay from a
 * different version under the same id. */
static char *canonical(const cJSON *a)
{
	cJSON *c = cJSON_Duplicate(a, 1);
	cJSON_DeleteItemFromObjectCaseSensitive(c, "status");
	cJSON_DeleteItemFromObjectCaseSensitive(c, "revision");
	cJSON_DeleteItemFromObjectCaseSensitive(c, "outputs");
	char *t = cJSON_PrintUnformatted(c);
	cJSON_Delete(c);
	return t;
}

static int find_person(store *s, const cJSON *person, const char *locality,
		       char id[UUID_STR_LEN], err *e)
{
	const char *pid = json_str(person, "id");
	db_stmt st;
	int rc;
	id[0] = '\0';
	if (pid && uuid_valid(pid)) {
		if ((rc = db_prepare(&s->d, &st, "SELECT id FROM person WHERE id = :id", e)))
			return rc;
		db_bind_text(&st, ":id", pid, -1);
		rc = db_step(&st, e);
		if (rc == 1)
			snprintf(id, UUID_STR_LEN, "%s", pid);
		db_finalize(&st);
		if (rc < 0)
			return rc;
	}
	(void)locality;
	return 0;
}

int store_import_assessment(store *s, const cJSON *a, int *result, err *e)
{
	const char *id = json_str(a, "id"), *inst = json_str(a, "instrument");
	const cJSON *ver = cJSON_GetObjectItemCaseSensitive(a, "version");
	const cJSON *person = cJSON_GetObjectItemCaseSensitive(a, "person");
	const cJSON *answers = cJSON_GetObjectItemCaseSensitive(a, "answers");
	char pid[UUID_STR_LEN], aad[160], now[21];
	char *canon = NULL;
	cJSON *existing = NULL, *env = NULL, *fields = NULL;
	buf sealed = BUF_INIT;
	db_stmt st = {0};
	int rc = 0, dups;
	*result = 0;
	if (!id || !uuid_valid(id))
		return err_set(e, ERR_INVALID, "id: a UUID is needed");
	if (!inst || !cJSON_IsNumber(ver) || !cJSON_IsObject(person) || !cJSON_IsObject(answers))
		return err_set(e, ERR_INVALID, "%s: instrument, version, person and answers are needed", id);
	const char *locality = json_str(person, "locality");
	if ((rc = check_locality(locality, e)))
		return err_prefix(e, rc, "%s: person.locality", id);

	/* Replay or conflict? */
	store_assessment cur;
	if (store_assessment_get(s, id, &cur, NULL) == 0) {
		if ((rc = store_assessment_json(s, id, &existing, e)))
			return rc;
		char *c1 = canonical(existing), *c2 = NULL;
		/* compare only what the import carries: answers and envelope */
		cJSON *mine = cJSON_Duplicate(a, 1);
		cJSON *ep = cJSON_GetObjectItemCaseSensitive(existing, "person");
		cJSON *mp = cJSON_GetObjectItemCaseSensitive(mine, "person");
		cJSON_ReplaceItemInObjectCaseSensitive(mine, "person", cJSON_Duplicate(ep, 1));
		(void)mp;
		c2 = canonical(mine);
		cJSON_Delete(mine);
		int same = c1 && c2 && cJSON_Compare(cJSON_GetObjectItemCaseSensitive(existing, "answers"),
						     answers, 1);
		cJSON_free(c1);
		cJSON_free(c2);
		cJSON_Delete(existing);
		if (!same)
			return err_set(e, ERR_CONFLICT,
				       "%s: already on this device with different answers: not overwritten",
				       id);
		return 0;
	}

	if ((rc = db_begin(&s->d, e)))
		return rc;
	if ((rc = find_person(s, person, locality, pid, e)))
		goto fail;
	if (!pid[0]) {
		fields = cJSON_CreateObject();
		static const char *const keep[] = {"name", "national_id", "birth_date", "sex",
						   "address", "legal_rep"};
		for (size_t i = 0; i < sizeof keep / sizeof keep[0]; i++) {
			const cJSON *v = cJSON_GetObjectItemCaseSensitive(person, keep[i]);
			if (cJSON_IsString(v))
				cJSON_AddStringToObject(fields, keep[i], v->valuestring);
		}
		/* in the same transaction as the assessment, and under the
		 * file's person id: an import cut between the two, then run
		 * again, or two cases of one person, make one person */
		const char *fpid = json_str(person, "id");
		if ((rc = person_add(s, fpid && uuid_valid(fpid) ? fpid : NULL, NULL, locality, fields,
				     pid, &dups, e)))
			goto fail;
	}
	env = cJSON_CreateObject();
	static const char *const envelope[] = {"registered_on", "assessed_on"};
	for (size_t i = 0; i < sizeof envelope / sizeof envelope[0]; i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(a, envelope[i]);
		if (v)
			cJSON_AddItemToObject(env, envelope[i], cJSON_Duplicate(v, 1));
	}
	snprintf(aad, sizeof aad, "assessment/%s", id);
	if ((rc = store_seal_json(s, aad, env, &sealed, e)))
		goto fail;
	store_now(now);
	if ((rc = db_prepare(&s->d, &st,
			     "INSERT INTO assessment(id, person_id, instrument, version, status, sealed,"
			     " started_at, updated_at) VALUES (:id, :p, :i, :v, 'draft', :sealed, :now, :now)",
			     e)))
		goto fail;
	db_bind_text(&st, ":id", id, -1);
	db_bind_text(&st, ":p", pid, -1);
	db_bind_text(&st, ":i", inst, -1);
	db_bind_int(&st, ":v", (int64_t)ver->valuedouble);
	db_bind_blob(&st, ":sealed", sealed.data, (int)sealed.len);
	db_bind_text(&st, ":now", now, -1);
	if ((rc = db_step(&st, e)) < 0)
		goto fail;
	db_finalize(&st);
	const cJSON *v;
	cJSON_ArrayForEach(v, answers) {
		buf_reset(&sealed);
		snprintf(aad, sizeof aad, "answer/%s/%s", id, v->string);
		if (strlen(v->string) > 64) {
			rc = err_set(e, ERR_INVALID, "%s: answers: an item id is longer than 64 bytes", id);
			goto fail;
		}
		if ((rc = store_seal_json(s, aad, v, &sealed, e)))
			goto fail;
		if ((rc = db_prepare(&s->d, &st,
				     "INSERT INTO answer(assessment_id, item, sealed, entered_at)"
				     " VALUES (:a, :item, :sealed, :now)", e)))
			goto fail;
		db_bind_text(&st, ":a", id, -1);
		db_bind_text(&st, ":item", v->string, -1);
		db_bind_blob(&st, ":sealed", sealed.data, (int)sealed.len);
		db_bind_text(&st, ":now", now, -1);
		rc = db_step(&st, e);
		db_finalize(&st);
		if (rc < 0)
			goto fail;
	}
	if ((rc = set_status(s, id, "draft", "final", ", finalised_at = :now", e)) ||
	    (rc = snapshot(s, id, "final", NULL, e)) || (rc = db_commit(&s->d, e)))
		goto fail;
	*result = 1;
	goto done;
fail:
	db_rollback(&s->d);
done:
	db_finalize(&st);
	cJSON_Delete(env);
	cJSON_Delete(fields);
	cJSON_free(canon);
	buf_free(&sealed);
	return rc;
}

int64_t store_outbox_count(store *s)
{
	return db_int(&s->d, 0, "SELECT count(*) FROM outbox");
}
