/*
 * central: the server's store (see central.h and proto/README.md).
 */
#include "central.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <sqlite3.h>

#include "clock.h"
#include "crypto.h"
#include "json.h"
#include "log.h"
#include "uuid.h"

static const char *const migrations[] = {
	/* 0 → 1 */
	"CREATE TABLE device("
	"  id TEXT PRIMARY KEY, name TEXT NOT NULL, assessor TEXT NOT NULL,"
	"  token_hash BLOB NOT NULL, localities TEXT NOT NULL, enrolled_at TEXT NOT NULL,"
	"  revoked_at TEXT);"
	"CREATE TABLE enrollment("
	"  code_hash BLOB PRIMARY KEY, assessor TEXT NOT NULL, localities TEXT NOT NULL,"
	"  created_at TEXT NOT NULL, expires_at INTEGER NOT NULL, used_at TEXT, device_id TEXT);"
	"CREATE TABLE revision("
	"  hash TEXT PRIMARY KEY, kind TEXT NOT NULL, record_id TEXT NOT NULL,"
	"  rev INTEGER NOT NULL, base TEXT, device_id TEXT NOT NULL, body TEXT NOT NULL,"
	"  received_at TEXT NOT NULL);"
	"CREATE UNIQUE INDEX revision_by_device ON revision(record_id, rev, device_id);"
	"CREATE TABLE record("
	"  id TEXT PRIMARY KEY, kind TEXT NOT NULL, locality TEXT NOT NULL,"
	"  head TEXT NOT NULL, body TEXT NOT NULL, conflict TEXT);"
	"CREATE TABLE change("
	"  seq INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, record_id TEXT NOT NULL,"
	"  locality TEXT NOT NULL, device_id TEXT);"
	"CREATE INDEX change_by_locality ON change(locality, seq);"
	"CREATE TABLE conflict("
	"  id TEXT PRIMARY KEY, record_id TEXT NOT NULL, base TEXT, a TEXT NOT NULL,"
	"  b TEXT NOT NULL, fields TEXT NOT NULL, winner TEXT NOT NULL, status TEXT NOT NULL,"
	"  created_at TEXT NOT NULL, resolved_at TEXT, resolved_by TEXT, resolution TEXT);"
	"CREATE TABLE score("
	"  assessment_id TEXT PRIMARY KEY, head TEXT NOT NULL, valid INTEGER NOT NULL,"
	"  error TEXT, outputs TEXT);"
	"CREATE TABLE batch(id TEXT NOT NULL, device_id TEXT NOT NULL, response TEXT NOT NULL,"
	"  at TEXT NOT NULL, PRIMARY KEY (id, device_id));"
	"CREATE TABLE audit("
	"  seq INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, actor TEXT NOT NULL,"
	"  action TEXT NOT NULL, subject TEXT, detail TEXT, prev TEXT NOT NULL, hash TEXT NOT NULL);",
	/* 1 → 2: instrument versions published to the devices */
	"CREATE TABLE instrument(id TEXT NOT NULL, version INTEGER NOT NULL, body TEXT NOT NULL,"
	"  published_at TEXT NOT NULL, PRIMARY KEY (id, version));",
	/* 2 → 3: rounds, their applicants, commission decisions (rounds.c) */
	"CREATE TABLE round("
	"  id TEXT PRIMARY KEY, municipality TEXT NOT NULL, service TEXT NOT NULL,"
	"  instrument TEXT NOT NULL, localities TEXT NOT NULL, opens_on TEXT NOT NULL,"
	"  closes_on TEXT NOT NULL, max_users INTEGER NOT NULL, children_share REAL NOT NULL,"
	"  hours_budget REAL, status TEXT NOT NULL, created_at TEXT NOT NULL,"
	"  created_by TEXT NOT NULL, ranked_at TEXT, locked_on TEXT, locked_by TEXT,"
	"  published_at TEXT, ranking TEXT);"
	/* computed values (points … reason, budget_hours) are the server's;
	 * the commission's changes are kept apart (override_*), so the
	 * current value is coalesce(override, computed) */
	"CREATE TABLE applicant("
	"  round_id TEXT NOT NULL, person_id TEXT NOT NULL, assessment_id TEXT NOT NULL,"
	"  app_no INTEGER NOT NULL, locality TEXT NOT NULL, initials TEXT NOT NULL,"
	"  is_child INTEGER NOT NULL, registered_on TEXT, duplicate_of INTEGER,"
	"  points REAL, daily_hours REAL, grp TEXT, rank INTEGER, outcome TEXT NOT NULL,"
	"  reason TEXT, budget_hours REAL NOT NULL DEFAULT 0,"
	"  override_hours REAL, override_outcome TEXT, override_reason TEXT,"
	"  state TEXT NOT NULL, proposed_hours REAL, decided_on TEXT, reassess_on TEXT,"
	"  ord INTEGER NOT NULL,"
	"  PRIMARY KEY (round_id, person_id), UNIQUE (round_id, app_no));"
	"CREATE TABLE decision("
	"  seq INTEGER PRIMARY KEY AUTOINCREMENT, round_id TEXT NOT NULL, app_no INTEGER,"
	"  action TEXT NOT NULL, old TEXT, new TEXT, reason TEXT, actor TEXT NOT NULL,"
	"  at TEXT NOT NULL);"
	"CREATE INDEX decision_by_round ON decision(round_id, app_no, seq);"
	/* what devices pull about their cases: one row per assessment, replaced
	 * on every change of the decision */
	"CREATE TABLE decision_feed(id TEXT PRIMARY KEY, locality TEXT NOT NULL, body TEXT NOT NULL);",
	/* 3 → 4: personal assistants, their recruitment steps and the users
	 * who chose them (assistant.c); census settings (census.c) */
	"CREATE TABLE assistant("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, locality TEXT NOT NULL,"
	"  role TEXT NOT NULL, status TEXT NOT NULL, created_at TEXT NOT NULL,"
	"  created_by TEXT NOT NULL);"
	"CREATE TABLE assistant_step("
	"  seq INTEGER PRIMARY KEY AUTOINCREMENT, assistant_id INTEGER NOT NULL REFERENCES assistant(id),"
	"  status TEXT NOT NULL, on_date TEXT NOT NULL, at TEXT NOT NULL, actor TEXT NOT NULL);"
	"CREATE TABLE assistant_user("
	"  seq INTEGER PRIMARY KEY AUTOINCREMENT, assistant_id INTEGER NOT NULL REFERENCES assistant(id),"
	"  person_id TEXT NOT NULL, from_date TEXT NOT NULL, to_date TEXT, at TEXT NOT NULL,"
	"  actor TEXT NOT NULL);"
	"CREATE INDEX assistant_user_by_person ON assistant_user(person_id, to_date);"
	"CREATE TABLE census_setting(key TEXT PRIMARY KEY, value TEXT NOT NULL);",
	/* 4 → 5, web: staff accounts of the web interface and their sessions (user.c) */
	"CREATE TABLE staff(name TEXT PRIMARY KEY, role TEXT NOT NULL, localities TEXT NOT NULL,"
	"  pw_hash TEXT NOT NULL, created_at TEXT NOT NULL, disabled_at TEXT,"
	"  failures INTEGER NOT NULL DEFAULT 0, locked_until INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE session(token_hash TEXT PRIMARY KEY, user TEXT NOT NULL, csrf TEXT NOT NULL,"
	"  created INTEGER NOT NULL, last_seen INTEGER NOT NULL);"
	"CREATE INDEX session_by_user ON session(user);",
	/* 5 → 6: a person's assessments found without a scan (assistant.c
	 * looks up each user's latest needs assessment) */
	"CREATE INDEX record_assessment_person ON record(json_extract(body, '$.person.id'))"
	"  WHERE kind = 'assessment';",
	/* 6 → 7: a revision is its record's: found by (record, hash), no more
	 * by the hash alone. The index on the hash alone took every new
	 * revision at a random page (a push rewrote most of it); the record's
	 * id is time-ordered (UUID v7), so new revisions go at the end. The
	 * same body under two records is two revisions (two persons with the
	 * same details were one). The server's own revisions (merges,
	 * resolutions: rev 0, device 'server') are unique by their hash, no
	 * more by (record, 0, 'server'), which kept only a record's first. */
	"CREATE TABLE revision_new("
	"  hash TEXT NOT NULL, kind TEXT NOT NULL, record_id TEXT NOT NULL,"
	"  rev INTEGER NOT NULL, base TEXT, device_id TEXT NOT NULL, body TEXT NOT NULL,"
	"  received_at TEXT NOT NULL);"
	"INSERT INTO revision_new SELECT hash, kind, record_id, rev, base, device_id, body, received_at"
	"  FROM revision ORDER BY rowid;"
	"DROP TABLE revision;"
	"ALTER TABLE revision_new RENAME TO revision;"
	"CREATE UNIQUE INDEX revision_by_record ON revision(record_id, hash);"
	"CREATE UNIQUE INDEX revision_by_device ON revision(record_id, rev, device_id)"
	"  WHERE device_id != 'server';",
	/* 7 → 8: an edit writes near the end of the store. Every revision
	 * keeps its own text, written once when it arrives (before, a head's
	 * text was in record.body and went back into its revision row when the
	 * head moved on: two rewrites of old pages per edit). What changes
	 * about a record (its head) is a small row, record_head, and `record`
	 * is a view of it with its head's text; inserting into the view still
	 * works (scripts, the bench loaders). The index on (record, rev,
	 * device) is gone: apply_one finds a clash through (record, hash), in
	 * the same transaction; one index instead of two takes half the
	 * random pages of an edit. An assessment's person is a column
	 * (record_head.person), indexed, instead of an index on an expression
	 * of the body. Revisions get an explicit INTEGER PRIMARY KEY, which
	 * VACUUM keeps, as record_head.rev_seq points at it. */
	"CREATE TABLE revision_new("
	"  seq INTEGER PRIMARY KEY, hash TEXT NOT NULL, kind TEXT NOT NULL, record_id TEXT NOT NULL,"
	"  rev INTEGER NOT NULL, base TEXT, device_id TEXT NOT NULL, body TEXT NOT NULL,"
	"  received_at TEXT NOT NULL);"
	"INSERT INTO revision_new(seq, hash, kind, record_id, rev, base, device_id, body, received_at)"
	"  SELECT v.rowid, v.hash, v.kind, v.record_id, v.rev, v.base, v.device_id,"
	"    CASE WHEN v.body = '' THEN coalesce((SELECT r.body FROM record r"
	"      WHERE r.id = v.record_id AND r.head = v.hash), '') ELSE v.body END, v.received_at"
	"  FROM revision v ORDER BY v.rowid;"
	"DROP TABLE revision;"
	"ALTER TABLE revision_new RENAME TO revision;"
	"CREATE UNIQUE INDEX revision_by_record ON revision(record_id, hash);"
	/* a head without its revision row (a store that met 6 → 7's bug) */
	"INSERT INTO revision(hash, kind, record_id, rev, base, device_id, body, received_at)"
	"  SELECT r.head, r.kind, r.id, 0, NULL, 'server', r.body, strftime('%Y-%m-%dT%H:%M:%SZ', 'now')"
	"  FROM record r WHERE NOT EXISTS (SELECT 1 FROM revision v"
	"    WHERE v.record_id = r.id AND v.hash = r.head);"
	"CREATE TABLE record_head("
	"  id TEXT PRIMARY KEY, kind TEXT NOT NULL, locality TEXT NOT NULL, head TEXT NOT NULL,"
	"  rev_seq INTEGER NOT NULL, conflict TEXT, person TEXT) WITHOUT ROWID;"
	"INSERT INTO record_head(id, kind, locality, head, rev_seq, conflict, person)"
	"  SELECT r.id, r.kind, r.locality, r.head,"
	"    (SELECT v.seq FROM revision v WHERE v.record_id = r.id AND v.hash = r.head), r.conflict,"
	"    CASE WHEN r.kind = 'assessment' AND json_valid(r.body)"
	"      THEN json_extract(r.body, '$.person.id') END"
	"  FROM record r ORDER BY r.id;"
	"DROP TABLE record;"
	"CREATE INDEX record_by_person ON record_head(person) WHERE person IS NOT NULL;"
	/* A join: flattened into a query that reads it, each head's text
	 * read once however often the query names it. On the right of a LEFT
	 * JOIN, SQLite would copy it whole first: there, join record_head and
	 * revision instead (scripts/check-banned.sh refuses "LEFT JOIN
	 * record"). */
	"CREATE VIEW record(id, kind, locality, head, body, conflict, person) AS"
	"  SELECT h.id, h.kind, h.locality, h.head, v.body, h.conflict, h.person"
	"  FROM record_head h JOIN revision v ON v.seq = h.rev_seq;"
	"CREATE TRIGGER record_insert INSTEAD OF INSERT ON record BEGIN"
	"  INSERT INTO revision(hash, kind, record_id, rev, base, device_id, body, received_at)"
	"    VALUES (NEW.head, NEW.kind, NEW.id, 0, NULL, 'server', NEW.body,"
	"            strftime('%Y-%m-%dT%H:%M:%SZ', 'now'));"
	"  INSERT INTO record_head(id, kind, locality, head, rev_seq, conflict, person)"
	"    VALUES (NEW.id, NEW.kind, NEW.locality, NEW.head,"
	"            (SELECT seq FROM revision WHERE record_id = NEW.id AND hash = NEW.head),"
	"            NEW.conflict, CASE WHEN NEW.kind = 'assessment' AND json_valid(NEW.body)"
	"              THEN json_extract(NEW.body, '$.person.id') END);"
	"END;",
	/* 8 → 9: a record's revisions are listed in its record_head row
	 * (`revs`, their seqs as a JSON array, oldest first) instead of an
	 * index on revision(record, hash). An edit wrote that index at a
	 * random page beside the record's own row (half of a push's pages);
	 * the list is in the row the edit rewrites anyway. Queries that need
	 * a record's revisions read them through json_each(revs). */
	"ALTER TABLE record_head ADD COLUMN revs TEXT NOT NULL DEFAULT '[]';"
	"UPDATE record_head SET revs = (SELECT json_group_array(seq) FROM"
	"  (SELECT v.seq FROM revision v WHERE v.record_id = record_head.id ORDER BY v.seq));"
	"DROP INDEX revision_by_record;"
	/* a device's last sync (the web's device list) without reading every
	 * revision; a push adds at the end of its device's part */
	"CREATE INDEX revision_by_device ON revision(device_id, received_at);"
	"DROP TRIGGER record_insert;"
	"CREATE TRIGGER record_insert INSTEAD OF INSERT ON record BEGIN"
	"  INSERT INTO revision(hash, kind, record_id, rev, base, device_id, body, received_at)"
	"    VALUES (NEW.head, NEW.kind, NEW.id, 0, NULL, 'server', NEW.body,"
	"            strftime('%Y-%m-%dT%H:%M:%SZ', 'now'));"
	"  INSERT INTO record_head(id, kind, locality, head, rev_seq, conflict, person, revs)"
	"    VALUES (NEW.id, NEW.kind, NEW.locality, NEW.head, (SELECT max(seq) FROM revision),"
	"            NEW.conflict, CASE WHEN NEW.kind = 'assessment' AND json_valid(NEW.body)"
	"              THEN json_extract(NEW.body, '$.person.id') END,"
	"            json_array((SELECT max(seq) FROM revision)));"
	"END;",
};

static int migrate(central *c, err *e)
{
	return db_migrate(&c->d, migrations, (int)(sizeof migrations / sizeof migrations[0]), e);
}

int central_open(central *c, const char *dir, const char *inst_dirs, err *e)
{
	memset(c, 0, sizeof *c);
	c->inst_dirs = inst_dirs;
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return err_set(e, ERR_IO, "%s: cannot create: %s", dir, strerror(errno));
	snprintf(c->path, sizeof c->path, "%s/central.db", dir);
	mode_t old = umask(077);
	int rc = db_open(&c->d, c->path, DB_CREATE, e);
	umask(old);
	if (rc)
		return rc;
	if ((rc = migrate(c, e))) {
		db_close(&c->d);
		return rc;
	}
	/* Checkpoint the WAL every 128 MB rather than every 4 MB: that
	 * checkpoint runs inside a push's commit, and pushes are the hot path;
	 * a server that stops receiving checkpoints when idle instead
	 * (central_idle_checkpoints). A 10 % push of 100,000 records writes
	 * ~90 MB: at 40 MB it paid two checkpoints of ~50 ms under the lock. */
	db_exec(&c->d, "PRAGMA wal_autocheckpoint=32768", NULL);
	/* A WAL emptied (below) keeps up to 64 MB of its file: the next
	 * commits write over blocks the file already has, and their fsync
	 * has no new size and no new blocks to put in the file system's
	 * journal (the 10 % push of 10,000 records: ~1.8 ms less in all). */
	db_exec(&c->d, "PRAGMA journal_size_limit=67108864", NULL);
	/* 4 MB of page cache instead of 2: record_head and the change index
	 * are touched at random, and every miss is a pread of the file. */
	db_exec(&c->d, "PRAGMA cache_size=-4096", NULL);
	pthread_mutex_init(&c->lock, NULL);
	pthread_mutex_init(&c->inst_lock, NULL);
	pthread_mutex_init(&c->auth_lock, NULL);
	return 0;
}

/* --- checkpoints when idle ------------------------------------------------ */

/* Every half second: a WAL that has not grown since the last look and is
 * not empty is copied into the store, and the next commit writes from its
 * start again (RESTART: ~60 ms for 40 MB, under the store's lock, so never
 * in the middle of a push; the file is not truncated: see
 * journal_size_limit in central_open).
 * During a burst the commits' own checkpoints (wal_autocheckpoint) still
 * bound the WAL. */
#define IDLE_TICK_MS 500

/* The same size and time of change: the WAL not written in between. */
static int same_wal(const struct stat *a, const struct stat *b)
{
	return a->st_size == b->st_size && a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	       a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

static void *idle_checkpointer(void *arg)
{
	central *c = arg;
	char wal[sizeof c->path + 8];
	snprintf(wal, sizeof wal, "%s-wal", c->path);
	/* the WAL's size and time of change: at the last look, and when it was
	 * last copied (the copy does not write the WAL) */
	struct stat seen = {0}, copied = {0};
	pthread_mutex_lock(&c->idle_lock);
	while (!c->idle_stop) {
		struct timespec until = clock_after_ms(IDLE_TICK_MS);
		pthread_cond_timedwait(&c->idle_cond, &c->idle_lock, &until);
		if (c->idle_stop)
			break;
		struct stat st;
		if (stat(wal, &st) != 0)
			memset(&st, 0, sizeof st);
		if (st.st_size > 0 && same_wal(&st, &seen) && !same_wal(&st, &copied)) {
			/* a reader in another process (a command run beside the
			 * server): BUSY at once, tried again at the next tick */
			pthread_mutex_lock(&c->lock);
			sqlite3_busy_timeout(c->d.h, 0);
			int rc = sqlite3_wal_checkpoint_v2(c->d.h, NULL, SQLITE_CHECKPOINT_RESTART, NULL, NULL);
			sqlite3_busy_timeout(c->d.h, 5000); /* db_open's */
			pthread_mutex_unlock(&c->lock);
			if (rc == SQLITE_OK)
				copied = st;
			else if (rc != SQLITE_BUSY)
				LOG(LOG_WARN, "checkpoint: %s", sqlite3_errstr(rc));
		}
		seen = st;
	}
	pthread_mutex_unlock(&c->idle_lock);
	return NULL;
}

int central_idle_checkpoints(central *c, err *e)
{
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	/* ticks by the monotonic clock: a clock set back must not stop them */
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_mutex_init(&c->idle_lock, NULL);
	pthread_cond_init(&c->idle_cond, &ca);
	pthread_condattr_destroy(&ca);
	c->idle_stop = 0;
	if (pthread_create(&c->idle_thread, NULL, idle_checkpointer, c)) {
		pthread_cond_destroy(&c->idle_cond);
		pthread_mutex_destroy(&c->idle_lock);
		return err_set(e, ERR_NOMEM, "cannot start the checkpoint thread");
	}
	c->idle_running = 1;
	return 0;
}

void central_close(central *c)
{
	if (c->idle_running) {
		pthread_mutex_lock(&c->idle_lock);
		c->idle_stop = 1;
		pthread_cond_signal(&c->idle_cond);
		pthread_mutex_unlock(&c->idle_lock);
		pthread_join(c->idle_thread, NULL);
		pthread_cond_destroy(&c->idle_cond);
		pthread_mutex_destroy(&c->idle_lock);
		c->idle_running = 0;
	}
	for (size_t i = 0; i < c->ninst; i++)
		inst_free(c->inst[i]);
	c->ninst = 0;
	db_close(&c->auth);
	db_close(&c->d);
	pthread_mutex_destroy(&c->lock);
	pthread_mutex_destroy(&c->inst_lock);
	pthread_mutex_destroy(&c->auth_lock);
}

/* --- audit ---------------------------------------------------------------- */

static void audit_hash(const char *prev, const char *at, const char *actor, const char *action,
		       const char *subject, const char *detail, char out[65])
{
	buf b = BUF_INIT;
	buf_printf(&b, "%s\n%s\n%s\n%s\n%s\n%s", prev, at, actor, action, subject ? subject : "",
		   detail ? detail : "");
	crypto_sha256_hex(b.data, b.len, out);
	buf_free(&b);
}

int central_audit_locked(central *c, const char *actor, const char *action, const char *subject,
			 const char *detail, err *e)
{
	char at[21], prev[65] = "0", hash[65];
	db_stmt st;
	db_timestamp(at);
	int rc = db_prepare(&c->d, &st, "SELECT hash FROM audit ORDER BY seq DESC LIMIT 1", e);
	if (rc)
		return rc;
	if (db_step(&st, e) == 1)
		snprintf(prev, sizeof prev, "%s", db_col_text(&st, 0));
	db_finalize(&st);
	audit_hash(prev, at, actor, action, subject, detail, hash);
	if ((rc = db_prepare(&c->d, &st,
			     "INSERT INTO audit(at, actor, action, subject, detail, prev, hash)"
			     " VALUES (:at, :actor, :action, :subject, :detail, :prev, :hash)", e)))
		return rc;
	db_bind_text(&st, ":at", at, -1);
	db_bind_text(&st, ":actor", actor, -1);
	db_bind_text(&st, ":action", action, -1);
	db_bind_text(&st, ":subject", subject, -1);
	db_bind_text(&st, ":detail", detail, -1);
	db_bind_text(&st, ":prev", prev, -1);
	db_bind_text(&st, ":hash", hash, -1);
	rc = db_step(&st, e);
	db_finalize(&st);
	return rc < 0 ? rc : 0;
}

int central_audit(central *c, const char *actor, const char *action, const char *subject,
		  const char *detail, err *e)
{
	pthread_mutex_lock(&c->lock);
	int rc = central_audit_locked(c, actor, action, subject, detail, e);
	pthread_mutex_unlock(&c->lock);
	return rc;
}

int central_audit_verify(central *c, int64_t *entries, err *e)
{
	db_stmt st;
	char prev[65] = "0", hash[65];
	*entries = 0;
	pthread_mutex_lock(&c->lock);
	int rc = db_prepare(&c->d, &st,
			    "SELECT seq, at, actor, action, subject, detail, prev, hash FROM audit ORDER BY seq", e);
	if (!rc) {
		while ((rc = db_step(&st, e)) == 1) {
			audit_hash(prev, db_col_text(&st, 1), db_col_text(&st, 2), db_col_text(&st, 3),
				   db_col_text(&st, 4), db_col_text(&st, 5), hash);
			if (strcmp(prev, db_col_text(&st, 6)) || strcmp(hash, db_col_text(&st, 7))) {
				rc = err_set(e, ERR_INVALID, "audit entry %lld does not chain",
					     (long long)db_col_int(&st, 0));
				break;
			}
			snprintf(prev, sizeof prev, "%s", hash);
			(*entries)++;
		}
		db_finalize(&st);
	}
	pthread_mutex_unlock(&c->lock);
	return rc < 0 ? rc : rc == ERR_INVALID ? rc : 0;
}

/* --- devices -------------------------------------------------------------- */

/* Normalises "A, B,C" into a JSON array of trimmed names. */
static cJSON *locality_list(const char *text, err *e)
{
	cJSON *arr = cJSON_CreateArray();
	const char *p = text;
	while (*p) {
		while (*p == ' ' || *p == ',')
			p++;
		const char *q = p;
		while (*q && *q != ',')
			q++;
		size_t n = (size_t)(q - p);
		while (n && p[n - 1] == ' ')
			n--;
		if (n) {
			if (n > 120 || cJSON_GetArraySize(arr) >= CENTRAL_MAX_LOCALITIES) {
				cJSON_Delete(arr);
				err_set(e, ERR_INVALID, "localities: at most %d names of 1-120 bytes",
					CENTRAL_MAX_LOCALITIES);
				return NULL;
			}
			char name[121];
			memcpy(name, p, n);
			name[n] = '\0';
			cJSON_AddItemToArray(arr, cJSON_CreateString(name));
		}
		p = q;
	}
	if (cJSON_GetArraySize(arr) == 0) {
		cJSON_Delete(arr);
		err_set(e, ERR_INVALID, "at least one locality is needed");
		return NULL;
	}
	return arr;
}

int central_enroll_code(central *c, const char *assessor, const char *localities, long ttl_s,
			const char *actor, char code[16], err *e)
{
	static const char alphabet[] = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
	uint8_t rnd[12];
	char at[21], chash[65];
	db_stmt st;
	if (!assessor || !*assessor || strlen(assessor) > 128)
		return err_set(e, ERR_INVALID, "assessor: 1-128 bytes");
	cJSON *locs = locality_list(localities ? localities : "", e);
	if (!locs)
		return ERR_INVALID;
	int rc = crypto_random(rnd, sizeof rnd, e);
	if (rc) {
		cJSON_Delete(locs);
		return rc;
	}
	size_t k = 0;
	for (size_t i = 0; i < 12; i++) {
		if (i && i % 4 == 0)
			code[k++] = '-';
		code[k++] = alphabet[rnd[i] % 32];
	}
	code[k] = '\0';
	crypto_sha256_hex(code, strlen(code), chash);
	char *ltext = cJSON_PrintUnformatted(locs);
	cJSON_Delete(locs);
	db_timestamp(at);
	pthread_mutex_lock(&c->lock);
	if ((rc = db_begin(&c->d, e)))
		goto out;
	if ((rc = db_prepare(&c->d, &st,
			     "INSERT INTO enrollment(code_hash, assessor, localities, created_at, expires_at)"
			     " VALUES (:h, :a, :l, :at, :exp)", e)))
		goto fail;
	db_bind_text(&st, ":h", chash, -1);
	db_bind_text(&st, ":a", assessor, -1);
	db_bind_text(&st, ":l", ltext, -1);
	db_bind_text(&st, ":at", at, -1);
	db_bind_int(&st, ":exp", (int64_t)time(NULL) + ttl_s);
	rc = db_step(&st, e);
	db_finalize(&st);
	if (rc < 0 || (rc = central_audit_locked(c, actor, "enrollment_code", assessor, ltext, e)) ||
	    (rc = db_commit(&c->d, e)))
		goto fail;
	goto out;
fail:
	db_rollback(&c->d);
out:
	pthread_mutex_unlock(&c->lock);
	cJSON_free(ltext);
	return rc;
}

static void fill_device(central_device *dev, const char *id, const char *name,
			const char *assessor, const char *locs_json, int revoked)
{
	memset(dev, 0, sizeof *dev);
	snprintf(dev->id, sizeof dev->id, "%s", id);
	snprintf(dev->name, sizeof dev->name, "%s", name);
	snprintf(dev->assessor, sizeof dev->assessor, "%s", assessor);
	dev->revoked = revoked;
	cJSON *l = cJSON_Parse(locs_json);
	const cJSON *it;
	cJSON_ArrayForEach(it, l) {
		if (dev->nlocalities < CENTRAL_MAX_LOCALITIES && cJSON_IsString(it))
			snprintf(dev->localities[dev->nlocalities++], 121, "%s", it->valuestring);
	}
	cJSON_Delete(l);
}

int central_enroll_device(central *c, const char *code, const char *device_name,
			  central_device *dev, char token[65], err *e)
{
	char chash[65], thash[65], at[21], id[UUID_STR_LEN];
	uint8_t rnd[32];
	db_stmt st = {0};
	int rc;
	if (!code || strlen(code) > 32)
		return err_set(e, ERR_AUTH, "bad_code: unknown enrollment code");
	if (!device_name || !*device_name || strlen(device_name) > 64)
		return err_set(e, ERR_INVALID, "wrong_type: device_name must be 1-64 bytes");
	/* accept the code in any case */
	char norm[33];
	size_t n = 0;
	for (const char *p = code; *p && n < 32; p++)
		norm[n++] = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
	norm[n] = '\0';
	crypto_sha256_hex(norm, n, chash);
	if ((rc = crypto_random(rnd, sizeof rnd, e)) || (rc = uuid_v4(id, e)))
		return rc;
	crypto_hex(rnd, sizeof rnd, token);
	crypto_sha256_hex(token, 64, thash);
	crypto_wipe(rnd, sizeof rnd);
	db_timestamp(at);
	pthread_mutex_lock(&c->lock);
	if ((rc = db_begin(&c->d, e)))
		goto out;
	if ((rc = db_prepare(&c->d, &st,
			     "SELECT assessor, localities, expires_at, used_at FROM enrollment WHERE code_hash = :h",
			     e)))
		goto fail;
	db_bind_text(&st, ":h", chash, -1);
	rc = db_step(&st, e);
	if (rc <= 0) {
		rc = rc < 0 ? rc : err_set(e, ERR_AUTH, "bad_code: unknown enrollment code");
		central_audit_locked(c, "anonymous", "enroll_refused", NULL, "bad_code", e);
		db_finalize(&st);
		db_commit(&c->d, NULL);
		goto out;
	}
	char assessor[129], locs[8192];
	snprintf(assessor, sizeof assessor, "%s", db_col_text(&st, 0));
	snprintf(locs, sizeof locs, "%s", db_col_text(&st, 1));
	int64_t exp = db_col_int(&st, 2);
	int used = !db_col_is_null(&st, 3);
	db_finalize(&st);
	if (used || exp < (int64_t)time(NULL)) {
		rc = used ? err_set(e, ERR_STATE, "code_used: this enrollment code was already used")
			  : err_set(e, ERR_STATE, "code_expired: this enrollment code has expired");
		central_audit_locked(c, "anonymous", "enroll_refused", assessor, used ? "code_used" : "code_expired", NULL);
		db_commit(&c->d, NULL);
		goto out;
	}
	if ((rc = db_prepare(&c->d, &st,
			     "INSERT INTO device(id, name, assessor, token_hash, localities, enrolled_at)"
			     " VALUES (:id, :n, :a, :t, :l, :at)", e)))
		goto fail;
	db_bind_text(&st, ":id", id, -1);
	db_bind_text(&st, ":n", device_name, -1);
	db_bind_text(&st, ":a", assessor, -1);
	db_bind_text(&st, ":t", thash, -1);
	db_bind_text(&st, ":l", locs, -1);
	db_bind_text(&st, ":at", at, -1);
	rc = db_step(&st, e);
	db_finalize(&st);
	if (rc < 0)
		goto fail;
	if ((rc = db_prepare(&c->d, &st,
			     "UPDATE enrollment SET used_at = :at, device_id = :id WHERE code_hash = :h", e)))
		goto fail;
	db_bind_text(&st, ":at", at, -1);
	db_bind_text(&st, ":id", id, -1);
	db_bind_text(&st, ":h", chash, -1);
	rc = db_step(&st, e);
	db_finalize(&st);
	if (rc < 0 || (rc = central_audit_locked(c, assessor, "enroll", id, device_name, e)) ||
	    (rc = db_commit(&c->d, e)))
		goto fail;
	fill_device(dev, id, device_name, assessor, locs, 0);
	goto out;
fail:
	db_rollback(&c->d);
out:
	pthread_mutex_unlock(&c->lock);
	return rc;
}

int central_authenticate(central *c, const char *authorization, central_device *dev, err *e)
{
	char id[UUID_STR_LEN], thash[65];
	db_stmt st;
	err ignored;
	if (!authorization || strncmp(authorization, "Bearer ", 7) != 0) {
		/* every refusal is audited (reliability.md R10), anonymous ones too */
		central_audit(c, "anonymous", "request_refused", NULL, "no_credential", &ignored);
		return err_set(e, ERR_AUTH, "unauthenticated: no device credential");
	}
	const char *cred = authorization + 7;
	const char *dot = strchr(cred, '.');
	if (!dot || dot - cred != 36 || strlen(dot + 1) != 64) {
		central_audit(c, "anonymous", "request_refused", NULL, "malformed_credential", &ignored);
		return err_set(e, ERR_AUTH, "unauthenticated: malformed device credential");
	}
	memcpy(id, cred, 36);
	id[36] = '\0';
	crypto_sha256_hex(dot + 1, 64, thash);
	/* Read on the credentials' own connection, beside the store's lock:
	 * a push checked while another one is applied (WAL: a reader sees
	 * the last commit, a revocation included, and waits for no writer). */
	pthread_mutex_lock(&c->auth_lock);
	int rc = c->auth.h ? 0 : db_open(&c->auth, c->path, DB_READONLY, e);
	if (!rc)
		rc = db_prepare_cached(&c->auth, &st,
				       "SELECT name, assessor, token_hash, localities, revoked_at IS NOT NULL"
				       " FROM device WHERE id = :id", e);
	if (!rc) {
		db_bind_text(&st, ":id", id, -1);
		rc = db_step(&st, e);
		if (rc == 1 && crypto_equal(db_col_text(&st, 2), thash, 64) == 0) {
			fill_device(dev, id, db_col_text(&st, 0), db_col_text(&st, 1),
				    db_col_text(&st, 3), (int)db_col_int(&st, 4));
			rc = dev->revoked ? err_set(e, ERR_AUTH, "device_revoked: this device was revoked")
					  : 0;
		} else if (rc >= 0) {
			rc = err_set(e, ERR_AUTH, "unauthenticated: unknown device or wrong token");
		}
		db_finalize(&st);
	}
	pthread_mutex_unlock(&c->auth_lock);
	if (rc == ERR_AUTH) {
		central_audit(c, uuid_valid(id) ? id : "anonymous", "request_refused", NULL,
			      strncmp(e->msg, "device_revoked", 14) ? "unauthenticated" : "device_revoked",
			      &ignored);
	}
	return rc;
}

int central_revoke(central *c, const char *device_id, const char *actor, err *e)
{
	db_stmt st;
	char at[21];
	db_timestamp(at);
	pthread_mutex_lock(&c->lock);
	int rc = db_begin(&c->d, e);
	if (rc)
		goto out;
	if ((rc = db_prepare(&c->d, &st,
			     "UPDATE device SET revoked_at = :at WHERE id = :id AND revoked_at IS NULL", e)))
		goto fail;
	db_bind_text(&st, ":at", at, -1);
	db_bind_text(&st, ":id", device_id, -1);
	rc = db_step(&st, e);
	db_finalize(&st);
	if (rc < 0)
		goto fail;
	if (db_changes(&c->d) != 1) {
		rc = err_set(e, ERR_NOTFOUND, "no active device %.40s", device_id);
		goto fail;
	}
	if ((rc = central_audit_locked(c, actor, "revoke", device_id, NULL, e)) || (rc = db_commit(&c->d, e)))
		goto fail;
	goto out;
fail:
	db_rollback(&c->d);
out:
	pthread_mutex_unlock(&c->lock);
	return rc;
}

int central_devices(central *c, buf *out, err *e)
{
	db_stmt st;
	pthread_mutex_lock(&c->lock);
	int rc = db_prepare(&c->d, &st,
			    "SELECT id, name, assessor, localities, enrolled_at, coalesce(revoked_at, '')"
			    " FROM device ORDER BY enrolled_at", e);
	if (!rc) {
		while ((rc = db_step(&st, e)) == 1)
			buf_printf(out, "%s  %-12s %-20s %s %s%s\n", db_col_text(&st, 0), db_col_text(&st, 1),
				   db_col_text(&st, 2), db_col_text(&st, 3), db_col_text(&st, 4),
				   *db_col_text(&st, 5) ? " REVOKED" : "");
		db_finalize(&st);
	}
	pthread_mutex_unlock(&c->lock);
	return rc < 0 ? rc : 0;
}

/* --- records ---------------------------------------------------------------- */

static const char *const kinds[] = {"household", "person", "assessment", "service", NULL};

static int known_kind(const char *k)
{
	for (const char *const *p = kinds; *p; p++)
		if (!strcmp(*p, k))
			return 1;
	return 0;
}

static const char *body_locality(const cJSON *body)
{
	const cJSON *l = cJSON_GetObjectItemCaseSensitive(body, "locality");
	if (!l) {
		const cJSON *p = cJSON_GetObjectItemCaseSensitive(body, "person");
		l = cJSON_GetObjectItemCaseSensitive(p, "locality");
	}
	return cJSON_IsString(l) && l->valuestring[0] && strlen(l->valuestring) <= 120 ? l->valuestring
											    : NULL;
}

static int device_has(const central_device *dev, const char *locality)
{
	for (int i = 0; i < dev->nlocalities; i++)
		if (!strcmp(dev->localities[i], locality))
			return 1;
	return 0;
}

/* Loaded instruments are never freed while the store is open, so the
 * pointer stays valid after the cache's lock is released. */
static const instrument *instrument_for(central *c, const char *id, int version)
{
	const instrument *found = NULL;
	pthread_mutex_lock(&c->inst_lock);
	for (size_t i = 0; i < c->ninst && !found; i++)
		if (!strcmp(c->inst[i]->id, id) && c->inst[i]->version == version)
			found = c->inst[i];
	if (!found && c->ninst < sizeof c->inst / sizeof c->inst[0]) {
		instrument *in = NULL;
		err ignored;
		if (inst_load_by_id(c->inst_dirs, id, version, &in, &ignored) == 0)
			found = c->inst[c->ninst++] = in;
	}
	pthread_mutex_unlock(&c->inst_lock);
	return found;
}

/* The server's own result for an assessment body: outputs recomputed from
 * the answers. Needs no store: central_push computes it for every
 * assessment before taking the store's lock. */
typedef struct score_result {
	int done;  /* computed (else apply_one computes it) */
	int valid; /* the outputs are in out; else msg says why not */
	buf out;
	char msg[200];
} score_result;

static void score_compute(central *c, const cJSON *body, score_result *sr)
{
	const cJSON *ji = cJSON_GetObjectItemCaseSensitive(body, "instrument");
	const cJSON *jv = cJSON_GetObjectItemCaseSensitive(body, "version");
	const instrument *in = cJSON_IsString(ji) && cJSON_IsNumber(jv)
				       ? instrument_for(c, ji->valuestring, (int)jv->valuedouble)
				       : NULL;
	err ee = {0, ""};
	buf_reset(&sr->out);
	sr->done = 1;
	sr->valid = 0;
	snprintf(sr->msg, sizeof sr->msg, "%s", in ? "" : "unknown instrument");
	if (!in)
		return;
	inst_eval ev;
	if (inst_eval_init(&ev, in) != 0) {
		snprintf(sr->msg, sizeof sr->msg, "out of memory");
		return;
	}
	sr->valid = inst_evaluate(&ev, body, LANG_EN, &ee) == 0;
	if (!sr->valid) {
		snprintf(sr->msg, sizeof sr->msg, "%s", ee.msg);
	} else {
		/* written directly: a cJSON tree and its printing cost more
		 * than the evaluation */
		buf *out = &sr->out;
		int any = 0;
		buf_putc(out, '{');
		for (size_t i = 0; i < in->nfields; i++) {
			const inst_field *f = &in->fields[i];
			const expr_value *v = &ev.slots[i];
			if (f->kind != INST_OUTPUT)
				continue;
			if (any++)
				buf_putc(out, ',');
			json_write_string(out, f->id, strlen(f->id));
			buf_putc(out, ':');
			if (v->type == EXPR_NUM)
				json_write_number(out, v->u.num);
			else if (v->type == EXPR_BOOL)
				buf_puts(out, v->u.b ? "true" : "false");
			else if (v->type == EXPR_STR)
				json_write_string(out, v->u.str.s, v->u.str.len);
			else
				buf_puts(out, "null");
		}
		buf_putc(out, '}');
	}
	inst_eval_free(&ev);
}

static int score_store(central *c, const char *id, const char *head, const score_result *sr, err *e)
{
	db_stmt st;
	int rc = db_prepare_cached(&c->d, &st,
			    "INSERT OR REPLACE INTO score(assessment_id, head, valid, error, outputs)"
			    " VALUES (:id, :head, :valid, :err, :out)", e);
	if (rc)
		return rc;
	db_bind_text(&st, ":id", id, -1);
	db_bind_text(&st, ":head", head, -1);
	db_bind_int(&st, ":valid", sr->valid);
	db_bind_text(&st, ":err", sr->valid ? NULL : sr->msg, -1);
	db_bind_text_static(&st, ":out", sr->valid ? sr->out.data : NULL, -1);
	rc = db_step(&st, e);
	db_finalize(&st);
	return rc < 0 ? rc : 0;
}

static int rescore(central *c, const char *id, const char *head, const cJSON *body, err *e)
{
	score_result sr = {0};
	score_compute(c, body, &sr);
	int rc = score_store(c, id, head, &sr, e);
	buf_free(&sr.out);
	return rc;
}

/* Field access for the merge: "answers.<item>" or a top-level key. */
static const cJSON *field_get(const cJSON *body, const char *f)
{
	if (!strncmp(f, "answers.", 8)) {
		const cJSON *a = cJSON_GetObjectItemCaseSensitive(body, "answers");
		return cJSON_GetObjectItemCaseSensitive(a, f + 8);
	}
	return cJSON_GetObjectItemCaseSensitive(body, f);
}

static void field_set(cJSON *body, const char *f, const cJSON *v)
{
	cJSON *parent = body;
	const char *key = f;
	if (!strncmp(f, "answers.", 8)) {
		parent = cJSON_GetObjectItemCaseSensitive(body, "answers");
		if (!parent)
			parent = cJSON_AddObjectToObject(body, "answers");
		key = f + 8;
	}
	cJSON_DeleteItemFromObjectCaseSensitive(parent, key);
	if (v)
		cJSON_AddItemToObject(parent, key, cJSON_Duplicate(v, 1));
}

static int same(const cJSON *a, const cJSON *b)
{
	if (!a || !b)
		return a == b;
	return cJSON_Compare(a, b, 1);
}

static void add_fields(cJSON *names, const cJSON *body)
{
	const cJSON *it;
	cJSON_ArrayForEach(it, body) {
		char name[200];
		if (!strcmp(it->string, "answers") && cJSON_IsObject(it)) {
			const cJSON *a;
			cJSON_ArrayForEach(a, it) {
				snprintf(name, sizeof name, "answers.%s", a->string);
				if (!cJSON_GetObjectItemCaseSensitive(names, name))
					cJSON_AddTrueToObject(names, name);
			}
			continue;
		}
		if (!cJSON_GetObjectItemCaseSensitive(names, it->string))
			cJSON_AddTrueToObject(names, it->string);
	}
}

/* 1 if value t wins over c in a conflict: the one whose text has the
 * greater hash (an absent value hashes as ""). Decided by the values
 * alone, so three devices' edits end the same whatever order they
 * arrive in, and without a bias towards larger numbers. */
static int value_wins(const cJSON *t, const cJSON *c)
{
	char ht[65], hc[65];
	char *tt = t ? cJSON_PrintUnformatted(t) : NULL, *tc = c ? cJSON_PrintUnformatted(c) : NULL;
	crypto_sha256_hex(tt ? tt : "", tt ? strlen(tt) : 0, ht);
	crypto_sha256_hex(tc ? tc : "", tc ? strlen(tc) : 0, hc);
	cJSON_free(tt);
	cJSON_free(tc);
	return strcmp(ht, hc) > 0;
}

static int key_cmp(const void *a, const void *b)
{
	return strcmp((*(cJSON *const *)a)->string, (*(cJSON *const *)b)->string);
}

/* Orders an object's keys (and those of its "answers"), so that a body
 * the server makes has one text, and one hash, for one content. */
static void sort_keys(cJSON *obj)
{
	int n = cJSON_GetArraySize(obj);
	cJSON **items = n > 0 ? malloc((size_t)n * sizeof *items) : NULL;
	if (!items)
		return;
	for (int i = 0; i < n; i++)
		items[i] = cJSON_DetachItemViaPointer(obj, obj->child);
	qsort(items, (size_t)n, sizeof *items, key_cmp);
	for (int i = 0; i < n; i++) {
		if (!strcmp(items[i]->string, "answers") && cJSON_IsObject(items[i]))
			sort_keys(items[i]);
		cJSON_AddItemToArray(obj, items[i]);
	}
	free(items);
}

/* Three-way merge of cur and theirs over base. Returns the merged body
 * (caller frees), keys in order; conflicting fields are appended to
 * conflicts (names) and take the winning value (value_wins); *theirs_first
 * says whether theirs won the first of them. */
static cJSON *merge3(const cJSON *base, const cJSON *cur, const cJSON *theirs, cJSON *conflicts,
		     int *theirs_first)
{
	cJSON *names = cJSON_CreateObject();
	add_fields(names, base);
	add_fields(names, cur);
	add_fields(names, theirs);
	cJSON *out = cJSON_Duplicate(cur, 1);
	const cJSON *n;
	cJSON_ArrayForEach(n, names) {
		const cJSON *b = field_get(base, n->string), *c = field_get(cur, n->string),
			    *t = field_get(theirs, n->string);
		if (same(t, b) || same(c, t))
			continue;              /* they did not change it, or both agree */
		if (same(c, b)) {
			field_set(out, n->string, t); /* only they changed it */
			continue;
		}
		int theirs_wins = value_wins(t, c);
		if (cJSON_GetArraySize(conflicts) == 0)
			*theirs_first = theirs_wins;
		cJSON_AddItemToArray(conflicts, cJSON_CreateString(n->string));
		if (theirs_wins)
			field_set(out, n->string, t);
	}
	cJSON_Delete(names);
	sort_keys(out);
	return out;
}

int central_change_locked(central *c, const char *kind, const char *id, const char *locality,
			  const char *device_id, err *e)
{
	db_stmt st;
	int rc = db_prepare_cached(&c->d, &st,
			    "INSERT INTO change(kind, record_id, locality, device_id)"
			    " VALUES (:k, :id, :loc, :dev)", e);
	if (rc)
		return rc;
	db_bind_text(&st, ":k", kind, -1);
	db_bind_text(&st, ":id", id, -1);
	db_bind_text(&st, ":loc", locality, -1);
	db_bind_text(&st, ":dev", device_id, -1);
	rc = db_step(&st, e);
	db_finalize(&st);
	return rc < 0 ? rc : 0;
}

/* --- a record's revisions ------------------------------------------------ */

/* The seqs of a record's revisions, oldest first: record_head.revs, a JSON
 * array of whole numbers (migration 8 → 9). */
typedef struct revs {
	int64_t *seq;
	int n, cap;
} revs;

static void revs_free(revs *r)
{
	free(r->seq);
	memset(r, 0, sizeof *r);
}

static int revs_add(revs *r, int64_t seq, err *e)
{
	if (r->n == r->cap) {
		int cap = r->cap ? r->cap * 2 : 8;
		int64_t *p = realloc(r->seq, (size_t)cap * sizeof *p);
		if (!p)
			return err_set(e, ERR_NOMEM, "out of memory");
		r->seq = p;
		r->cap = cap;
	}
	r->seq[r->n++] = seq;
	return 0;
}

/* Reads "[1,2,3]" (what this file and the migration write). */
static int revs_parse(revs *r, const char *id, const char *text, err *e)
{
	const char *p = text ? text : "";
	r->n = 0;
	while (*p == ' ' || *p == '[')
		p++;
	while (*p >= '0' && *p <= '9') {
		char *end;
		long long v = strtoll(p, &end, 10);
		int rc = revs_add(r, v, e);
		if (rc)
			return rc;
		p = end;
		while (*p == ',' || *p == ' ')
			p++;
	}
	if (*p != ']')
		return err_set(e, ERR_STATE, "record %.40s: its list of revisions is damaged", id);
	return 0;
}

static void revs_text(const revs *r, buf *out)
{
	buf_reset(out);
	buf_putc(out, '[');
	for (int i = 0; i < r->n; i++)
		buf_printf(out, "%s%lld", i ? "," : "", (long long)r->seq[i]);
	buf_putc(out, ']');
}

/* The seq of the record's revision named hash, or 0. */
static int revs_find(central *c, const revs *r, const char *hash, int64_t *seq, err *e)
{
	db_stmt st;
	*seq = 0;
	for (int i = r->n - 1; i >= 0 && !*seq; i--) {
		int rc = db_prepare_cached(&c->d, &st, "SELECT hash FROM revision WHERE seq = :s", e);
		if (rc)
			return rc;
		db_bind_int(&st, ":s", r->seq[i]);
		if ((rc = db_step(&st, e)) == 1 && !strcmp(db_col_text(&st, 0), hash))
			*seq = r->seq[i];
		db_finalize(&st);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Stores a revision of record id with its text, unless the record has one
 * with that hash already (not looked for when fresh is set: the caller
 * has), and gives its seq; a new one goes at the end of r. */
static int put_revision(central *c, revs *r, int fresh, const char *hash, const char *kind,
			const char *id, int64_t rev, const char *base, const char *device_id,
			const char *body_text, int64_t *seq, err *e)
{
	int rc;
	if (!fresh && ((rc = revs_find(c, r, hash, seq, e)) || *seq))
		return rc;
	db_stmt st;
	char at[21];
	db_timestamp(at);
	if ((rc = db_prepare_cached(&c->d, &st,
			    "INSERT INTO revision(hash, kind, record_id, rev, base, device_id, body,"
			    " received_at) VALUES (:h, :k, :id, :rev, :base, :dev, :body, :at)", e)))
		return rc;
	db_bind_text(&st, ":h", hash, -1);
	db_bind_text(&st, ":k", kind, -1);
	db_bind_text(&st, ":id", id, -1);
	db_bind_int(&st, ":rev", rev);
	db_bind_text(&st, ":base", base, -1);
	db_bind_text(&st, ":dev", device_id, -1);
	db_bind_text_static(&st, ":body", body_text, -1);
	db_bind_text(&st, ":at", at, -1);
	rc = db_step(&st, e);
	db_finalize(&st);
	if (rc < 0)
		return rc;
	*seq = db_last_rowid(&c->d);
	return revs_add(r, *seq, e);
}

/* Makes revision seq (hash head) record id's head. body is its text,
 * parsed: an assessment's person is kept beside it (NULL for the other
 * kinds, which the partial index on person leaves out: their edits write
 * no index entry). */
static int set_record(central *c, const char *id, const char *kind, const char *locality,
		      const char *head, int64_t seq, const revs *r, const cJSON *body,
		      const char *conflict, err *e)
{
	db_stmt st;
	const char *person = NULL;
	if (!strcmp(kind, "assessment")) {
		const cJSON *pid = cJSON_GetObjectItemCaseSensitive(
			cJSON_GetObjectItemCaseSensitive(body, "person"), "id");
		person = cJSON_IsString(pid) ? pid->valuestring : NULL;
	}
	int rc = db_prepare_cached(&c->d, &st,
			    "INSERT INTO record_head(id, kind, locality, head, rev_seq, conflict, person, revs)"
			    " VALUES (:id, :k, :loc, :head, :seq, :cf, :p, :revs) ON CONFLICT(id) DO UPDATE SET"
			    " head = excluded.head, rev_seq = excluded.rev_seq, locality = excluded.locality,"
			    " conflict = coalesce(excluded.conflict, record_head.conflict),"
			    " person = excluded.person, revs = excluded.revs", e);
	if (rc)
		return rc;
	buf list = BUF_INIT;
	revs_text(r, &list);
	db_bind_text(&st, ":id", id, -1);
	db_bind_text(&st, ":k", kind, -1);
	db_bind_text(&st, ":loc", locality, -1);
	db_bind_text(&st, ":head", head, -1);
	db_bind_int(&st, ":seq", seq);
	db_bind_text(&st, ":cf", conflict, -1);
	db_bind_text(&st, ":p", person, -1);
	db_bind_text(&st, ":revs", list.data, (int)list.len);
	rc = db_step(&st, e);
	db_finalize(&st);
	buf_free(&list);
	return rc < 0 ? rc : 0;
}

typedef struct push_counts {
	int applied, duplicate, merged, conflict, refused;
} push_counts;

/* One record's answer. Not its hash: the device sent it, and it is the
 * same (half the answer's bytes, random hex that does not compress). */
static void result_line(buf *out, int first, const char *id, int64_t rev, const char *status,
			const char *code, const char *msg, const char *conflict)
{
	buf_puts(out, first ? "\n  {\"id\":" : ",\n  {\"id\":");
	json_write_string(out, id ? id : "", id ? strlen(id) : 0);
	buf_printf(out, ",\"rev\":%lld,\"status\":\"%s\"", (long long)rev, status);
	if (code) {
		buf_printf(out, ",\"code\":\"%s\",\"message\":", code);
		json_write_string(out, msg, strlen(msg));
	}
	if (conflict)
		buf_printf(out, ",\"conflict\":\"%s\"", conflict);
	buf_putc(out, '}');
}

/* Checks one record's shape, hash, locality and instrument. Returns NULL
 * when it is acceptable, else the error code with msg filled. */
static const char *validate_record(central *c, const central_device *dev, const cJSON *r,
				   char *msg, size_t msglen)
{
	const cJSON *jk = cJSON_GetObjectItemCaseSensitive(r, "kind");
	const cJSON *ji = cJSON_GetObjectItemCaseSensitive(r, "id");
	const cJSON *jr = cJSON_GetObjectItemCaseSensitive(r, "rev");
	const cJSON *jb = cJSON_GetObjectItemCaseSensitive(r, "base");
	const cJSON *jh = cJSON_GetObjectItemCaseSensitive(r, "hash");
	const cJSON *body = cJSON_GetObjectItemCaseSensitive(r, "body");
#define REFUSE(c_, ...) do { snprintf(msg, msglen, __VA_ARGS__); return (c_); } while (0)
	if (!cJSON_IsObject(r))
		REFUSE("wrong_type", "a record must be an object");
	const cJSON *f;
	cJSON_ArrayForEach(f, r) {
		if (strcmp(f->string, "kind") && strcmp(f->string, "id") && strcmp(f->string, "rev") &&
		    strcmp(f->string, "base") && strcmp(f->string, "hash") && strcmp(f->string, "body"))
			REFUSE("unknown_field", "unknown field \"%.40s\"", f->string);
	}
	if (!cJSON_IsString(jk))
		REFUSE("missing_field", "kind: missing");
	if (!known_kind(jk->valuestring))
		REFUSE("unknown_kind", "kind: \"%.40s\" is not a record kind", jk->valuestring);
	if (!cJSON_IsString(ji) || !uuid_valid(ji->valuestring))
		REFUSE("wrong_type", "id: a UUID is needed");
	if (!cJSON_IsNumber(jr) || jr->valuedouble < 1 || jr->valuedouble > 1e9 ||
	    jr->valuedouble != (double)(int64_t)jr->valuedouble)
		REFUSE("wrong_type", "rev: a whole number 1-1000000000 is needed");
	if (jb && !cJSON_IsNull(jb) && !(cJSON_IsString(jb) && strlen(jb->valuestring) == 64))
		REFUSE("wrong_type", "base: a hash or null is needed");
	if (!cJSON_IsString(jh) || strlen(jh->valuestring) != 64)
		REFUSE("wrong_type", "hash: 64 hex characters are needed");
	if (!cJSON_IsObject(body))
		REFUSE("wrong_type", "body: an object is needed");
	const char *locality = body_locality(body);
	if (!locality)
		REFUSE("missing_field", "body.locality: missing");
	if (!device_has(dev, locality))
		REFUSE("forbidden", "this device is not assigned to the record's locality");
	if (!strcmp(jk->valuestring, "assessment")) {
		const cJSON *ins = cJSON_GetObjectItemCaseSensitive(body, "instrument");
		const cJSON *ver = cJSON_GetObjectItemCaseSensitive(body, "version");
		if (!cJSON_IsString(ins) || !cJSON_IsNumber(ver) ||
		    !instrument_for(c, ins->valuestring, (int)ver->valuedouble))
			REFUSE("unknown_instrument", "body.instrument: not known to the server");
	}
	return NULL;
#undef REFUSE
}

/* One of a record's revisions (hash, rev, device) against a pushed one
 * (h, rev from dev): the same content is seen; this device's same
 * revision with other content is a clash. */
static void compare_revision(const char *hash, int64_t rev, const char *device, const char *h,
			     int64_t want_rev, const char *dev_id, int *seen, int *clash)
{
	if (!strcmp(hash, h))
		*seen = 1;
	else if (rev == want_rev && !strcmp(device, dev_id))
		*clash = 1;
}

/* Applies one revision inside the push transaction. Returns 0 and sets
 * status (and code/msg for refused); negative on storage errors. */
static int apply_one(central *c, const central_device *dev, const cJSON *r, char *text,
		     const char *h, const score_result *sr, const char **status, const char **code,
		     char *msg, size_t msglen,
		     char conflict_id[UUID_STR_LEN], int64_t *rev_out,
		     const char **id_out, err *e)
{
	const cJSON *jk = cJSON_GetObjectItemCaseSensitive(r, "kind");
	const cJSON *ji = cJSON_GetObjectItemCaseSensitive(r, "id");
	const cJSON *jr = cJSON_GetObjectItemCaseSensitive(r, "rev");
	const cJSON *jb = cJSON_GetObjectItemCaseSensitive(r, "base");
	const cJSON *body = cJSON_GetObjectItemCaseSensitive(r, "body");
	db_stmt st;
	revs rl = {0};
	int rc = 0;
	*status = "refused";
	*code = NULL;
	conflict_id[0] = '\0';
	*id_out = cJSON_IsString(ji) ? ji->valuestring : NULL;
	*rev_out = cJSON_IsNumber(jr) ? (int64_t)jr->valuedouble : 0;

	/* central_push has validated the record and computed its text and h */
	const char *kind = jk->valuestring, *id = ji->valuestring;
	const char *base = cJSON_IsString(jb) ? jb->valuestring : NULL;
	const char *locality = body_locality(body);
	/* The record's head and its revisions (the head's text only for a
	 * merge: an old record's text is a page read that a change from its
	 * head does not need). */
	char head[65] = "", *cur_text = NULL;
	int64_t head_seq = 0;
	int seen = 0, clash = 0;
	/* Seen before? The same content is a duplicate; the same revision of
	 * this device with other content is refused, never overwritten. The
	 * head's revision is read with the record, the others one by one. */
	if ((rc = db_prepare_cached(&c->d, &st,
				    "SELECT h.head, h.rev_seq, h.revs, v.rev, coalesce(v.device_id, '')"
				    " FROM record_head h LEFT JOIN revision v ON v.seq = h.rev_seq"
				    " WHERE h.id = :id", e)))
		goto done;
	db_bind_text(&st, ":id", id, -1);
	if ((rc = db_step(&st, e)) == 1) {
		snprintf(head, sizeof head, "%s", db_col_text(&st, 0));
		head_seq = db_col_int(&st, 1);
		rc = revs_parse(&rl, id, db_col_text(&st, 2), e);
		compare_revision(head, db_col_int(&st, 3), db_col_text(&st, 4), h, *rev_out, dev->id,
				 &seen, &clash);
	}
	db_finalize(&st);
	if (rc < 0)
		goto done;
	rc = 0;
	for (int i = rl.n - 1; i >= 0 && !seen; i--) {
		if (rl.seq[i] == head_seq)
			continue;
		if ((rc = db_prepare_cached(&c->d, &st,
					    "SELECT hash, rev, device_id FROM revision WHERE seq = :s", e)))
			goto done;
		db_bind_int(&st, ":s", rl.seq[i]);
		if ((rc = db_step(&st, e)) == 1)
			compare_revision(db_col_text(&st, 0), db_col_int(&st, 1), db_col_text(&st, 2), h,
					 *rev_out, dev->id, &seen, &clash);
		db_finalize(&st);
		if (rc < 0)
			goto done;
		rc = 0;
	}
	if (seen) {
		*status = "duplicate";
		goto done;
	}
	if (clash) {
		*code = "different_content";
		snprintf(msg, msglen, "this revision was already received with other content");
		goto done;
	}
	int64_t seq = 0;
	if (!head[0] || (base && !strcmp(base, head))) {
		/* new record, or a change made from the current head: the
		 * revision becomes the head */
		if ((rc = put_revision(c, &rl, 1, h, kind, id, *rev_out, base, dev->id, text, &seq, e)) ||
		    (rc = set_record(c, id, kind, locality, h, seq, &rl, body, NULL, e)) ||
		    (rc = central_change_locked(c, kind, id, locality, dev->id, e)))
			goto done2;
		if (!strcmp(kind, "assessment") &&
		    (rc = sr->done ? score_store(c, id, h, sr, e) : rescore(c, id, h, body, e)))
			goto done2;
		*status = "applied";
		goto done2;
	}
	/* Made from another base: three-way merge. */
	if ((rc = db_prepare_cached(&c->d, &st, "SELECT body FROM revision WHERE seq = :s", e)))
		goto done2;
	db_bind_int(&st, ":s", head_seq);
	if ((rc = db_step(&st, e)) == 1)
		cur_text = strdup(db_col_text(&st, 0));
	db_finalize(&st);
	if (rc < 0 || (rc = put_revision(c, &rl, 1, h, kind, id, *rev_out, base, dev->id, text, &seq, e)))
		goto done2;
	cJSON *basej = NULL, *cur = cJSON_Parse(cur_text ? cur_text : "{}");
	int64_t base_seq = 0;
	if (base && (rc = revs_find(c, &rl, base, &base_seq, e)))
		goto done3;
	if (base_seq) {
		if ((rc = db_prepare_cached(&c->d, &st, "SELECT body FROM revision WHERE seq = :s", e)))
			goto done3;
		db_bind_int(&st, ":s", base_seq);
		if (db_step(&st, e) == 1)
			basej = cJSON_Parse(db_col_text(&st, 0));
		db_finalize(&st);
	}
	if (!basej)
		basej = cJSON_CreateObject();
	cJSON *fields = cJSON_CreateArray();
	int theirs_first = 0;
	cJSON *merged = merge3(basej, cur, body, fields, &theirs_first);
	char *mtext = cJSON_PrintUnformatted(merged);
	char mh[65];
	crypto_sha256_hex(mtext, strlen(mtext), mh);
	if (cJSON_GetArraySize(fields) == 0) {
		if ((rc = put_revision(c, &rl, 0, mh, kind, id, 0, head, "server", mtext, &seq, e)) ||
		    (rc = set_record(c, id, kind, locality, mh, seq, &rl, merged, NULL, e)) ||
		    (rc = central_change_locked(c, kind, id, locality, NULL, e)))
			goto done4;
		if (!strcmp(kind, "assessment") && (rc = rescore(c, id, mh, merged, e)))
			goto done4;
		*status = "merged";
		goto done4;
	}
	/* Same field changed both ways: keep both; the provisional winner is
	 * the side whose value won (value_wins). */
	if ((rc = uuid_v4(conflict_id, e)))
		goto done4;
	char *ftext = cJSON_PrintUnformatted(fields);
	char at[21];
	db_timestamp(at);
	const char *winner = theirs_first ? h : head;
	if ((rc = db_prepare(&c->d, &st,
			     "INSERT INTO conflict(id, record_id, base, a, b, fields, winner, status, created_at)"
			     " VALUES (:id, :rec, :base, :a, :b, :f, :w, 'open', :at)", e)) == 0) {
		db_bind_text(&st, ":id", conflict_id, -1);
		db_bind_text(&st, ":rec", id, -1);
		db_bind_text(&st, ":base", base, -1);
		/* a and b in hash order: the same conflict whatever the arrival order */
		db_bind_text(&st, ":a", strcmp(h, head) < 0 ? h : head, -1);
		db_bind_text(&st, ":b", strcmp(h, head) < 0 ? head : h, -1);
		db_bind_text(&st, ":f", ftext, -1);
		db_bind_text(&st, ":w", winner, -1);
		db_bind_text(&st, ":at", at, -1);
		rc = db_step(&st, e);
		db_finalize(&st);
		rc = rc < 0 ? rc : 0;
	}
	if (!rc)
		rc = put_revision(c, &rl, 0, mh, kind, id, 0, head, "server", mtext, &seq, e);
	if (!rc)
		rc = set_record(c, id, kind, locality, mh, seq, &rl, merged, conflict_id, e);
	if (!rc)
		rc = central_change_locked(c, kind, id, locality, NULL, e);
	if (!rc)
		rc = central_change_locked(c, "conflict", conflict_id, locality, NULL, e);
	if (!rc && !strcmp(kind, "assessment"))
		rc = rescore(c, id, mh, merged, e);
	if (!rc)
		rc = central_audit_locked(c, dev->id, "conflict", id, ftext, e);
	cJSON_free(ftext);
	if (!rc)
		*status = "conflict";
done4:
	cJSON_free(mtext);
	cJSON_Delete(merged);
	cJSON_Delete(fields);
done3:
	cJSON_Delete(basej);
	cJSON_Delete(cur);
done2:
	free(cur_text);
done:
	revs_free(&rl);
	return rc;
}

/* --- the bodies' bytes as sent ------------------------------------------- */

#define KEY_IS(k, n, lit) ((n) == sizeof lit - 1 && !memcmp((k), lit, sizeof lit - 1))

/* The bytes of records[i].body in the request text, for each i (NULL
 * where they could differ from the tree cJSON built: a key written with
 * an escape, a key given twice). 0 when the records array was found with
 * n elements, else -1 and nothing usable. */
static int body_spans(const char *raw, size_t len, int n, const char **bp, size_t *bl)
{
	const char *end = raw + len, *p = raw, *k;
	size_t kl;
	int m, found = 0, i = 0;
	for (int first = 1; (m = json_next_member(&p, end, first, &k, &kl)) == 1; first = 0) {
		if (!KEY_IS(k, kl, "records") || *p != '[') {
			p = json_skip_value(p, end);
			continue;
		}
		if (found++)
			return -1;
		p = json_skip_ws(p + 1, end);
		while (p < end && *p != ']') {
			if (i == n || *p != '{')
				return -1;
			const char *v = NULL, *vend = NULL;
			int seen = 0, r;
			for (int f = 1; (r = json_next_member(&p, end, f, &k, &kl)) == 1; f = 0) {
				const char *ve = json_skip_value(p, end);
				if (KEY_IS(k, kl, "body")) {
					v = p;
					vend = ve;
					seen++;
				}
				p = ve;
			}
			if (r < 0)
				return -1;
			bp[i] = seen == 1 && *v == '{' ? v : NULL;
			bl[i] = bp[i] ? (size_t)(vend - v) : 0;
			i++;
			p = json_skip_ws(p, end);
			if (p < end && *p == ',')
				p = json_skip_ws(p + 1, end);
		}
		if (p >= end)
			return -1;
		p++;
	}
	return m == 0 && found == 1 && i == n ? 0 : -1;
}

int central_push(central *c, const central_device *dev, const cJSON *req, const char *raw,
		 size_t raw_len, buf *out, err *e)
{
	const cJSON *jbatch = cJSON_GetObjectItemCaseSensitive(req, "batch");
	const cJSON *recs = cJSON_GetObjectItemCaseSensitive(req, "records");
	if (!cJSON_IsObject(req))
		return err_set(e, ERR_INVALID, "wrong_type: the request must be an object");
	const cJSON *f;
	cJSON_ArrayForEach(f, req) {
		if (strcmp(f->string, "batch") && strcmp(f->string, "records"))
			return err_set(e, ERR_INVALID, "unknown_field: unknown field \"%.40s\"", f->string);
	}
	if (!cJSON_IsString(jbatch) || !uuid_valid(jbatch->valuestring))
		return err_set(e, ERR_INVALID, "missing_field: batch: a UUID is needed");
	if (!cJSON_IsArray(recs))
		return err_set(e, ERR_INVALID, "missing_field: records: a list is needed");
	if (cJSON_GetArraySize(recs) > 500)
		return err_set(e, ERR_LIMIT, "too_large: at most 500 records per push");
	/* A malformed record makes the whole request a 4xx: nothing applied.
	 * The text and hash of each body are found once here, outside the
	 * store's lock: the bytes as sent when they hash to the record's
	 * `hash` (the device sends the canonical text), else the canonical
	 * text cJSON prints. */
	int nrec = cJSON_GetArraySize(recs);
	size_t nalloc = (size_t)(nrec ? nrec : 1);
	char **texts = calloc(nalloc, sizeof *texts);
	char (*hashes)[65] = calloc(nalloc, sizeof *hashes);
	score_result *scores = calloc(nalloc, sizeof *scores);
	const char **bp = calloc(nalloc, sizeof *bp);
	size_t *bl = calloc(nalloc, sizeof *bl);
	if (!texts || !hashes || !scores || !bp || !bl) {
		free(texts);
		free(hashes);
		free(scores);
		free(bp);
		free(bl);
		return err_set(e, ERR_NOMEM, "out of memory");
	}
	if (!raw || body_spans(raw, raw_len, nrec, bp, bl))
		memset(bp, 0, nalloc * sizeof *bp);
	{
		int i = 0;
		const cJSON *r0;
		char msg[200];
		const char *code = NULL;
		cJSON_ArrayForEach(r0, recs) {
			code = validate_record(c, dev, r0, msg, sizeof msg);
			if (!code) {
				const cJSON *jh0 = cJSON_GetObjectItemCaseSensitive(r0, "hash");
				if (bp[i]) {
					crypto_sha256_hex(bp[i], bl[i], hashes[i]);
					if (!strcmp(hashes[i], jh0->valuestring) && (texts[i] = malloc(bl[i] + 1))) {
						memcpy(texts[i], bp[i], bl[i]);
						texts[i][bl[i]] = '\0';
					}
				}
				if (!texts[i]) {
					char *t = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(r0, "body"));
					texts[i] = t ? strdup(t) : NULL;
					cJSON_free(t);
					if (texts[i])
						crypto_sha256_hex(texts[i], strlen(texts[i]), hashes[i]);
				}
				if (!texts[i]) {
					code = "too_large";
					snprintf(msg, sizeof msg, "out of memory");
				} else if (strcmp(hashes[i], jh0->valuestring)) {
					code = "bad_hash";
					snprintf(msg, sizeof msg, "hash: does not match the body");
				} else if (!strcmp(cJSON_GetObjectItemCaseSensitive(r0, "kind")->valuestring,
						   "assessment")) {
					/* scored here, outside the lock: used when the
					 * record is applied as sent (no merge) */
					score_compute(c, cJSON_GetObjectItemCaseSensitive(r0, "body"),
						      &scores[i]);
				}
			}
			if (code)
				break;
			i++;
		}
		free(bp);
		free(bl);
		if (code) {
			for (int k = 0; k < nrec; k++) {
				free(texts[k]);
				buf_free(&scores[k].out);
			}
			free(texts);
			free(hashes);
			free(scores);
			if (!strcmp(code, "forbidden")) { /* every refusal of access is audited */
				err ignored;
				central_audit(c, dev->id, "request_refused", NULL, "forbidden", &ignored);
			}
			return err_set(e, !strcmp(code, "forbidden") ? ERR_AUTH : ERR_INVALID,
				       "%s: records[%d]: %s", code, i, msg);
		}
	}
	db_stmt st;
	pthread_mutex_lock(&c->lock);
	/* The same batch again: the same answer, nothing applied twice. */
	int rc = db_prepare(&c->d, &st, "SELECT response FROM batch WHERE id = :id AND device_id = :dev", e);
	if (rc)
		goto out;
	db_bind_text(&st, ":id", jbatch->valuestring, -1);
	db_bind_text(&st, ":dev", dev->id, -1);
	if ((rc = db_step(&st, e)) == 1) {
		buf_puts(out, db_col_text(&st, 0));
		db_finalize(&st);
		rc = 0;
		goto out;
	}
	db_finalize(&st);
	if (rc < 0)
		goto out;
	if ((rc = db_begin(&c->d, e)))
		goto out;
	push_counts n = {0};
	size_t start = out->len;
	buf_puts(out, "{\"batch\":");
	json_write_string(out, jbatch->valuestring, strlen(jbatch->valuestring));
	buf_puts(out, ",\"results\":[");
	const cJSON *r;
	int first = 1, ri = 0;
	cJSON_ArrayForEach(r, recs) {
		const char *status, *code, *id;
		char msg[200], cid[UUID_STR_LEN];
		int64_t rev;
		if ((rc = apply_one(c, dev, r, texts[ri], hashes[ri], &scores[ri], &status, &code, msg,
				    sizeof msg, cid, &rev, &id, e)))
			goto fail;
		ri++;
		result_line(out, first, id, rev, status, code, code ? msg : NULL,
			    cid[0] ? cid : NULL);
		first = 0;
		n.applied += !strcmp(status, "applied");
		n.duplicate += !strcmp(status, "duplicate");
		n.merged += !strcmp(status, "merged");
		n.conflict += !strcmp(status, "conflict");
		n.refused += !strcmp(status, "refused");
	}
	buf_printf(out, "\n],\"cursor_hint\":%lld}\n",
		   (long long)db_int(&c->d, 0, "SELECT coalesce(max(seq), 0) FROM change"));
	char detail[160];
	snprintf(detail, sizeof detail, "applied %d duplicate %d merged %d conflict %d refused %d",
		 n.applied, n.duplicate, n.merged, n.conflict, n.refused);
	if ((rc = db_prepare(&c->d, &st,
			     "INSERT INTO batch(id, device_id, response, at) VALUES (:id, :dev, :r, :at)", e)))
		goto fail;
	char at[21];
	db_timestamp(at);
	db_bind_text(&st, ":id", jbatch->valuestring, -1);
	db_bind_text(&st, ":dev", dev->id, -1);
	db_bind_text_static(&st, ":r", out->data + start, -1);
	db_bind_text(&st, ":at", at, -1);
	rc = db_step(&st, e);
	db_finalize(&st);
	if (rc < 0 || (rc = central_audit_locked(c, dev->id, "push", jbatch->valuestring, detail, e)) ||
	    (rc = db_commit(&c->d, e)))
		goto fail;
	LOG(LOG_INFO, "push device=%s batch=%s %s", dev->id, jbatch->valuestring, detail);
	goto out;
fail:
	db_rollback(&c->d);
	out->len = start;
	if (out->data)
		out->data[start] = '\0';
out:
	pthread_mutex_unlock(&c->lock);
	for (int k = 0; k < nrec; k++) {
		free(texts[k]);
		buf_free(&scores[k].out);
	}
	free(texts);
	free(hashes);
	free(scores);
	return rc;
}

int central_pull(central *c, const central_device *dev, int64_t cursor, int limit, buf *out,
		 err *e)
{
	char sql[4096];
	db_stmt st;
	if (limit < 1 || limit > 1000)
		limit = 500;
	/* the IN list has one named parameter per locality: its shape comes
	 * from the count, never from the names */
	size_t k = (size_t)snprintf(sql, sizeof sql,
				    "SELECT c.seq, c.kind, c.record_id, rh.head, rv.body, rh.kind,"
				    " f.record_id, f.fields, f.winner, f.status, i.body, d.body"
				    " FROM change c LEFT JOIN record_head rh ON c.kind != 'conflict' AND rh.id = c.record_id"
				    " LEFT JOIN revision rv ON rv.seq = rh.rev_seq"
				    " LEFT JOIN conflict f ON c.kind = 'conflict' AND f.id = c.record_id"
				    " LEFT JOIN instrument i ON c.kind = 'instrument'"
				    "  AND i.id || '@' || i.version = c.record_id"
				    " LEFT JOIN decision_feed d ON c.kind = 'decision' AND d.id = c.record_id"
				    " WHERE c.seq > :cursor AND (c.device_id IS NULL OR c.device_id != :dev)"
				    " AND (c.locality = '*' OR c.locality IN (");
	for (int i = 0; i < dev->nlocalities && k < sizeof sql - 64; i++)
		k += (size_t)snprintf(sql + k, sizeof sql - k, "%s:l%d", i ? "," : "", i);
	snprintf(sql + k, sizeof sql - k, ")) ORDER BY c.seq LIMIT :lim");
	pthread_mutex_lock(&c->lock);
	int rc = db_prepare(&c->d, &st, sql, e);
	if (rc)
		goto out;
	db_bind_int(&st, ":cursor", cursor);
	db_bind_text(&st, ":dev", dev->id, -1);
	db_bind_int(&st, ":lim", limit + 1);
	for (int i = 0; i < dev->nlocalities; i++) {
		char name[16];
		snprintf(name, sizeof name, ":l%d", i);
		db_bind_text(&st, name, dev->localities[i], -1);
	}
	int64_t last = cursor;
	int n = 0, more = 0;
	buf_puts(out, "{\"changes\":[");
	while ((rc = db_step(&st, e)) == 1) {
		if (n == limit) {
			more = 1;
			break;
		}
		int64_t seq = db_col_int(&st, 0);
		const char *kind = db_col_text(&st, 1);
		buf_printf(out, "%s\n {\"seq\":%lld,\"kind\":\"%s\",\"id\":\"%s\"", n ? "," : "",
			   (long long)seq, kind, db_col_text(&st, 2));
		if (!strcmp(kind, "instrument")) {
			buf_printf(out, ",\"body\":%s}", db_col_is_null(&st, 10) ? "{}" : db_col_text(&st, 10));
		} else if (!strcmp(kind, "decision")) {
			buf_printf(out, ",\"body\":%s}", db_col_is_null(&st, 11) ? "{}" : db_col_text(&st, 11));
		} else if (!strcmp(kind, "conflict")) {
			buf_printf(out, ",\"body\":{\"record\":\"%s\",\"fields\":%s,\"winner\":\"%s\",\"status\":\"%s\"}}",
				   db_col_text(&st, 6), db_col_text(&st, 7), db_col_text(&st, 8),
				   db_col_text(&st, 9));
		} else {
			buf_printf(out, ",\"hash\":\"%s\",\"body\":%s}", db_col_text(&st, 3),
				   db_col_text(&st, 4));
		}
		last = seq;
		n++;
	}
	db_finalize(&st);
	if (rc < 0)
		goto out;
	rc = 0;
	if (!more && n == 0) /* nothing for this device: still move past others' changes */
		last = db_int(&c->d, cursor, "SELECT coalesce(max(seq), 0) FROM change");
	if (last < cursor)
		last = cursor;
	buf_printf(out, "\n],\"cursor\":%lld,\"more\":%s}\n", (long long)last, more ? "true" : "false");
out:
	pthread_mutex_unlock(&c->lock);
	return rc;
}

/* --- conflicts ------------------------------------------------------------ */

int central_conflicts_list(central *c, int open_only, buf *out, err *e)
{
	db_stmt st;
	pthread_mutex_lock(&c->lock);
	int rc = db_prepare(&c->d, &st,
			    "SELECT f.id, f.record_id, r.kind, r.locality, f.fields, f.status, f.created_at"
			    " FROM conflict f JOIN record r ON r.id = f.record_id"
			    " WHERE :open = 0 OR f.status = 'open' ORDER BY f.created_at, f.id", e);
	if (!rc) {
		db_bind_int(&st, ":open", open_only);
		while ((rc = db_step(&st, e)) == 1)
			buf_printf(out, "%s  %-8s %s  %s  %s  %s\n", db_col_text(&st, 0), db_col_text(&st, 5),
				   db_col_text(&st, 2), db_col_text(&st, 1), db_col_text(&st, 3),
				   db_col_text(&st, 4));
		db_finalize(&st);
	}
	pthread_mutex_unlock(&c->lock);
	return rc < 0 ? rc : 0;
}

int central_conflict_show(central *c, const char *id, buf *out, err *e)
{
	db_stmt st;
	pthread_mutex_lock(&c->lock);
	int rc = db_prepare(&c->d, &st,
			    "SELECT f.record_id, f.fields, f.winner, f.status, f.a, f.b, ra.body, rb.body,"
			    " ra.device_id, rb.device_id, coalesce(f.resolution, '')"
			    " FROM conflict f JOIN record_head h ON h.id = f.record_id,"
			    " json_each(h.revs) ja JOIN revision ra ON ra.seq = ja.value AND ra.hash = f.a,"
			    " json_each(h.revs) jb JOIN revision rb ON rb.seq = jb.value AND rb.hash = f.b"
			    " WHERE f.id = :id", e);
	if (!rc) {
		db_bind_text(&st, ":id", id, -1);
		rc = db_step(&st, e);
		if (rc == 0)
			rc = err_set(e, ERR_NOTFOUND, "no conflict %.40s", id);
		if (rc == 1) {
			cJSON *fields = cJSON_Parse(db_col_text(&st, 1));
			cJSON *a = cJSON_Parse(db_col_text(&st, 6)), *b = cJSON_Parse(db_col_text(&st, 7));
			buf_printf(out, "conflict %s on record %s (%s)\n", id, db_col_text(&st, 0),
				   db_col_text(&st, 3));
			buf_printf(out, "  A %s from device %s%s\n", db_col_text(&st, 4), db_col_text(&st, 8),
				   !strcmp(db_col_text(&st, 2), db_col_text(&st, 4)) ? "  (provisional winner)" : "");
			buf_printf(out, "  B %s from device %s%s\n", db_col_text(&st, 5), db_col_text(&st, 9),
				   !strcmp(db_col_text(&st, 2), db_col_text(&st, 5)) ? "  (provisional winner)" : "");
			const cJSON *fname;
			cJSON_ArrayForEach(fname, fields) {
				char *va = cJSON_PrintUnformatted(field_get(a, fname->valuestring));
				char *vb = cJSON_PrintUnformatted(field_get(b, fname->valuestring));
				buf_printf(out, "  %-24s A: %-20s B: %s\n", fname->valuestring,
					   va ? va : "(none)", vb ? vb : "(none)");
				cJSON_free(va);
				cJSON_free(vb);
			}
			if (*db_col_text(&st, 10))
				buf_printf(out, "  resolved: %s\n", db_col_text(&st, 10));
			cJSON_Delete(fields);
			cJSON_Delete(a);
			cJSON_Delete(b);
			rc = 0;
		}
		db_finalize(&st);
	}
	pthread_mutex_unlock(&c->lock);
	return rc;
}

int central_conflict_resolve(central *c, const char *id, const char *pick,
			     const char *body_json, const char *actor, err *e)
{
	db_stmt st;
	char rec[UUID_STR_LEN] = "", a[65] = "", b[65] = "", at[21];
	char *body_text = NULL;
	cJSON *body = NULL;
	revs rl = {0};
	pthread_mutex_lock(&c->lock);
	int rc = db_begin(&c->d, e);
	if (rc)
		goto out;
	if ((rc = db_prepare(&c->d, &st,
			     "SELECT record_id, a, b FROM conflict WHERE id = :id AND status = 'open'", e)))
		goto fail;
	db_bind_text(&st, ":id", id, -1);
	rc = db_step(&st, e);
	if (rc == 1) {
		snprintf(rec, sizeof rec, "%s", db_col_text(&st, 0));
		snprintf(a, sizeof a, "%s", db_col_text(&st, 1));
		snprintf(b, sizeof b, "%s", db_col_text(&st, 2));
	}
	db_finalize(&st);
	if (rc <= 0) {
		rc = rc < 0 ? rc : err_set(e, ERR_NOTFOUND, "no open conflict %.40s", id);
		goto fail;
	}
	char kind[16] = "", locality[121] = "", head[65] = "";
	if ((rc = db_prepare(&c->d, &st,
			     "SELECT h.kind, h.locality, h.head, v.body, h.revs FROM record_head h"
			     " JOIN revision v ON v.seq = h.rev_seq WHERE h.id = :id", e)))
		goto fail;
	db_bind_text(&st, ":id", rec, -1);
	if ((rc = db_step(&st, e)) == 1) {
		snprintf(kind, sizeof kind, "%s", db_col_text(&st, 0));
		snprintf(locality, sizeof locality, "%s", db_col_text(&st, 1));
		snprintf(head, sizeof head, "%s", db_col_text(&st, 2));
		body = cJSON_Parse(db_col_text(&st, 3));
		rc = revs_parse(&rl, rec, db_col_text(&st, 4), e);
	}
	db_finalize(&st);
	if (rc < 0)
		goto fail;
	if (pick) {
		/* take the chosen side for the conflicting fields, keep the rest */
		const char *side = !strcmp(pick, "a") || !strcmp(pick, a) ? a :
				   !strcmp(pick, "b") || !strcmp(pick, b) ? b : NULL;
		if (!side) {
			rc = err_set(e, ERR_INVALID, "choose a or b (or one of the two hashes)");
			goto fail;
		}
		cJSON *chosen = NULL, *fields = NULL;
		if ((rc = db_prepare(&c->d, &st,
				     "SELECT r.body, f.fields FROM conflict f JOIN record_head h ON h.id = f.record_id,"
				     " json_each(h.revs) j JOIN revision r ON r.seq = j.value"
				     " WHERE f.id = :id AND r.hash = :h",
				     e)))
			goto fail;
		db_bind_text(&st, ":h", side, -1);
		db_bind_text(&st, ":id", id, -1);
		if (db_step(&st, e) == 1) {
			chosen = cJSON_Parse(db_col_text(&st, 0));
			fields = cJSON_Parse(db_col_text(&st, 1));
		}
		db_finalize(&st);
		const cJSON *fname;
		cJSON_ArrayForEach(fname, fields) field_set(body, fname->valuestring,
							    field_get(chosen, fname->valuestring));
		cJSON_Delete(chosen);
		cJSON_Delete(fields);
	} else {
		cJSON_Delete(body);
		body = body_json ? cJSON_Parse(body_json) : NULL;
		if (!cJSON_IsObject(body)) {
			rc = err_set(e, ERR_INVALID, "the resolution must be a JSON object");
			goto fail;
		}
	}
	body_text = cJSON_PrintUnformatted(body);
	char h[65];
	crypto_sha256_hex(body_text, strlen(body_text), h);
	db_timestamp(at);
	int64_t seq = 0;
	if ((rc = put_revision(c, &rl, 0, h, kind, rec, 0, head, "server", body_text, &seq, e)) ||
	    (rc = set_record(c, rec, kind, locality, h, seq, &rl, body, NULL, e)) ||
	    (rc = db_prepare(&c->d, &st, "UPDATE record_head SET conflict = NULL WHERE id = :id", e)))
		goto fail;
	db_bind_text(&st, ":id", rec, -1);
	rc = db_step(&st, e);
	db_finalize(&st);
	if (rc < 0 ||
	    (rc = db_prepare(&c->d, &st,
			     "UPDATE conflict SET status = 'resolved', resolved_at = :at, resolved_by = :who,"
			     " resolution = :h WHERE id = :id", e)))
		goto fail;
	db_bind_text(&st, ":at", at, -1);
	db_bind_text(&st, ":who", actor, -1);
	db_bind_text(&st, ":h", h, -1);
	db_bind_text(&st, ":id", id, -1);
	rc = db_step(&st, e);
	db_finalize(&st);
	if (rc < 0 || (rc = central_change_locked(c, kind, rec, locality, NULL, e)) ||
	    (rc = central_change_locked(c, "conflict", id, locality, NULL, e)) ||
	    (!strcmp(kind, "assessment") && (rc = rescore(c, rec, h, body, e))) ||
	    (rc = central_audit_locked(c, actor, "resolve", id, pick ? pick : "edited", e)) ||
	    (rc = db_commit(&c->d, e)))
		goto fail;
	goto out;
fail:
	db_rollback(&c->d);
out:
	pthread_mutex_unlock(&c->lock);
	cJSON_free(body_text);
	cJSON_Delete(body);
	revs_free(&rl);
	return rc;
}

int central_record(central *c, const char *id, buf *body, char head[65], err *e)
{
	db_stmt st;
	pthread_mutex_lock(&c->lock);
	int rc = db_prepare(&c->d, &st, "SELECT head, body FROM record WHERE id = :id", e);
	if (!rc) {
		db_bind_text(&st, ":id", id, -1);
		rc = db_step(&st, e);
		if (rc == 1) {
			snprintf(head, 65, "%s", db_col_text(&st, 0));
			buf_puts(body, db_col_text(&st, 1));
			rc = 0;
		} else if (rc == 0) {
			rc = err_set(e, ERR_NOTFOUND, "no record %.40s", id);
		}
		db_finalize(&st);
	}
	pthread_mutex_unlock(&c->lock);
	return rc;
}

int central_assessments(central *c, const char *inst_id, buf *out, err *e)
{
	db_stmt st;
	pthread_mutex_lock(&c->lock);
	int rc = db_prepare(&c->d, &st,
			    "SELECT id, body FROM record WHERE kind = 'assessment'"
			    " AND json_extract(body, '$.instrument') = :i"
			    " AND json_extract(body, '$.status') = 'final' ORDER BY id", e);
	int n = 0;
	if (!rc) {
		db_bind_text(&st, ":i", inst_id, -1);
		buf_putc(out, '[');
		while ((rc = db_step(&st, e)) == 1) {
			/* the exchange format carries the id inside */
			cJSON *b = cJSON_Parse(db_col_text(&st, 1));
			if (!b)
				continue;
			cJSON_DeleteItemFromObjectCaseSensitive(b, "id");
			cJSON_AddStringToObject(b, "id", db_col_text(&st, 0));
			char *t = cJSON_PrintUnformatted(b);
			buf_puts(out, n++ ? ",\n" : "\n");
			buf_puts(out, t);
			cJSON_free(t);
			cJSON_Delete(b);
		}
		buf_puts(out, "\n]\n");
		db_finalize(&st);
	}
	pthread_mutex_unlock(&c->lock);
	return rc < 0 ? rc : 0;
}

int central_publish_instrument(central *c, const char *path, const char *actor, err *e)
{
	instrument *in = NULL;
	buf text = BUF_INIT;
	db_stmt st;
	char at[21], key[96];
	int rc = inst_load_file(path, &in, e);
	if (rc)
		return rc;
	if ((rc = buf_read_file(&text, path, INST_MAX_FILE, e)))
		goto done;
	/* stored compact: it travels inside pull pages */
	cJSON *j = cJSON_Parse(text.data);
	char *compact = j ? cJSON_PrintUnformatted(j) : NULL;
	cJSON_Delete(j);
	if (!compact) {
		rc = err_set(e, ERR_NOMEM, "out of memory");
		goto done;
	}
	snprintf(key, sizeof key, "%s@%d", in->id, in->version);
	db_timestamp(at);
	pthread_mutex_lock(&c->lock);
	if ((rc = db_begin(&c->d, e)))
		goto unlock;
	if ((rc = db_prepare(&c->d, &st,
			     "INSERT OR REPLACE INTO instrument(id, version, body, published_at)"
			     " VALUES (:id, :v, :b, :at)", e)))
		goto fail;
	db_bind_text(&st, ":id", in->id, -1);
	db_bind_int(&st, ":v", in->version);
	db_bind_text(&st, ":b", compact, -1);
	db_bind_text(&st, ":at", at, -1);
	rc = db_step(&st, e);
	db_finalize(&st);
	if (rc < 0 || (rc = central_change_locked(c, "instrument", key, "*", NULL, e)) ||
	    (rc = central_audit_locked(c, actor, "instrument_published", key, NULL, e)) ||
	    (rc = db_commit(&c->d, e)))
		goto fail;
	goto unlock;
fail:
	db_rollback(&c->d);
unlock:
	pthread_mutex_unlock(&c->lock);
	cJSON_free(compact);
done:
	buf_free(&text);
	inst_free(in);
	return rc;
}
