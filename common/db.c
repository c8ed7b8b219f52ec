/*
 * db: the thin SQLite wrapper (see db.h).
 */
#include "db.h"

#include <pthread.h>
#include <string.h>
#include <time.h>

static int db_fail(db *d, err *e, const char *what)
{
	int xc = sqlite3_extended_errcode(d->h);
	int code = (xc & 0xff) == SQLITE_CONSTRAINT ? ERR_CONFLICT :
		   (xc & 0xff) == SQLITE_FULL ? ERR_IO : ERR_IO;
	return err_set(e, code, "%s: %s: %s", d->path ? d->path : "database", what,
		       sqlite3_errmsg(d->h));
}

/* Before SQLite starts: no memory statistics (nothing reads them; each
 * allocation took a global mutex to count itself). */
static void sqlite_setup(void)
{
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

int db_open(db *d, const char *path, int flags, err *e)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, sqlite_setup);
	memset(d, 0, sizeof *d);
	d->path = path;
	int oflags = (flags & DB_READONLY) ? SQLITE_OPEN_READONLY :
		     SQLITE_OPEN_READWRITE | ((flags & DB_CREATE) ? SQLITE_OPEN_CREATE : 0);
	oflags |= SQLITE_OPEN_NOMUTEX;
	if (sqlite3_open_v2(path, &d->h, oflags, NULL) != SQLITE_OK) {
		int rc = err_set(e, ERR_IO, "%s: cannot open: %s", path,
				 d->h ? sqlite3_errmsg(d->h) : "out of memory");
		sqlite3_close(d->h);
		d->h = NULL;
		return rc;
	}
	sqlite3_busy_timeout(d->h, 5000);
	sqlite3_extended_result_codes(d->h, 1);
	/* Durability: a committed answer survives a power cut (WAL + FULL).
	 * No temporary files on disk, freed pages zeroed. */
	int rc = db_exec(d,
			 "PRAGMA journal_mode=WAL;"
			 "PRAGMA synchronous=FULL;"
			 "PRAGMA foreign_keys=ON;"
			 "PRAGMA secure_delete=ON;"
			 "PRAGMA temp_store=MEMORY;",
			 e);
	if (rc && !(flags & DB_READONLY)) {
		db_close(d);
		return rc;
	}
	return 0;
}

void db_close(db *d)
{
	for (int i = 0; i < DB_CACHE; i++) {
		if (d->cache[i].s)
			sqlite3_finalize(d->cache[i].s);
		d->cache[i].s = NULL;
		d->cache[i].sql = NULL;
	}
	if (d->h)
		sqlite3_close_v2(d->h);
	d->h = NULL;
}

int db_exec(db *d, const char *sql, err *e)
{
	char *msg = NULL;
	if (sqlite3_exec(d->h, sql, NULL, NULL, &msg) != SQLITE_OK) {
		int rc = err_set(e, ERR_IO, "%s: %s", d->path ? d->path : "database",
				 msg ? msg : sqlite3_errmsg(d->h));
		sqlite3_free(msg);
		return rc;
	}
	return 0;
}

int db_prepare_cached(db *d, db_stmt *st, const char *sql, err *e)
{
	st->d = d;
	st->s = NULL;
	st->cached = 0;
	int slot = -1;
	for (int i = 0; i < DB_CACHE; i++) {
		if (d->cache[i].sql == sql) {
			st->s = d->cache[i].s;
			st->cached = 1;
			return 0;
		}
		if (!d->cache[i].sql && slot < 0)
			slot = i;
	}
	if (sqlite3_prepare_v3(d->h, sql, -1, SQLITE_PREPARE_PERSISTENT, &st->s, NULL) != SQLITE_OK)
		return db_fail(d, e, "prepare");
	if (slot >= 0) {
		d->cache[slot].sql = sql;
		d->cache[slot].s = st->s;
		st->cached = 1;
	}
	return 0;
}

int db_prepare(db *d, db_stmt *st, const char *sql, err *e)
{
	st->d = d;
	st->s = NULL;
	st->cached = 0;
	if (sqlite3_prepare_v2(d->h, sql, -1, &st->s, NULL) != SQLITE_OK)
		return db_fail(d, e, "prepare");
	return 0;
}

static int param(db_stmt *st, const char *name)
{
	return sqlite3_bind_parameter_index(st->s, name);
}

#define BIND(call)                                        \
	int i = param(st, name);                          \
	if (i == 0)                                       \
		return ERR_INVALID;                       \
	return (call) == SQLITE_OK ? 0 : ERR_NOMEM

int db_bind_int(db_stmt *st, const char *name, int64_t v)
{
	BIND(sqlite3_bind_int64(st->s, i, v));
}

int db_bind_double(db_stmt *st, const char *name, double v)
{
	BIND(sqlite3_bind_double(st->s, i, v));
}

int db_bind_text(db_stmt *st, const char *name, const char *s, int len)
{
	BIND(s ? sqlite3_bind_text(st->s, i, s, len, SQLITE_TRANSIENT) : sqlite3_bind_null(st->s, i));
}

int db_bind_text_static(db_stmt *st, const char *name, const char *s, int len)
{
	BIND(s ? sqlite3_bind_text(st->s, i, s, len, SQLITE_STATIC) : sqlite3_bind_null(st->s, i));
}

int db_bind_blob(db_stmt *st, const char *name, const void *p, int len)
{
	BIND(p ? sqlite3_bind_blob(st->s, i, p, len, SQLITE_TRANSIENT) : sqlite3_bind_null(st->s, i));
}

int db_bind_null(db_stmt *st, const char *name)
{
	BIND(sqlite3_bind_null(st->s, i));
}

int db_step(db_stmt *st, err *e)
{
	int rc = sqlite3_step(st->s);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return db_fail(st->d, e, "step");
}

int db_reset(db_stmt *st)
{
	sqlite3_clear_bindings(st->s);
	return sqlite3_reset(st->s) == SQLITE_OK ? 0 : ERR_IO;
}

void db_finalize(db_stmt *st)
{
	if (st->s && st->cached) {
		sqlite3_reset(st->s);
		sqlite3_clear_bindings(st->s);
	} else if (st->s) {
		sqlite3_finalize(st->s);
	}
	st->s = NULL;
}

int64_t db_col_int(db_stmt *st, int col)
{
	return sqlite3_column_int64(st->s, col);
}

double db_col_double(db_stmt *st, int col)
{
	return sqlite3_column_double(st->s, col);
}

const char *db_col_text(db_stmt *st, int col)
{
	return (const char *)sqlite3_column_text(st->s, col);
}

const void *db_col_blob(db_stmt *st, int col, int *len)
{
	const void *p = sqlite3_column_blob(st->s, col);
	*len = sqlite3_column_bytes(st->s, col);
	return p;
}

int db_col_is_null(db_stmt *st, int col)
{
	return sqlite3_column_type(st->s, col) == SQLITE_NULL;
}

int db_begin(db *d, err *e)
{
	int rc = db_exec(d, "BEGIN IMMEDIATE", e);
	if (!rc)
		d->in_tx = 1;
	return rc;
}

int db_commit(db *d, err *e)
{
	int rc = db_exec(d, "COMMIT", e);
	if (!rc)
		d->in_tx = 0;
	return rc;
}

void db_rollback(db *d)
{
	if (d->in_tx)
		sqlite3_exec(d->h, "ROLLBACK", NULL, NULL, NULL);
	d->in_tx = 0;
}

int64_t db_int(db *d, int64_t dflt, const char *sql)
{
	sqlite3_stmt *s = NULL;
	int64_t v = dflt;
	if (sqlite3_prepare_v2(d->h, sql, -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

int64_t db_changes(db *d)
{
	return sqlite3_changes64(d->h);
}

int64_t db_last_rowid(db *d)
{
	return sqlite3_last_insert_rowid(d->h);
}

int db_migrate(db *d, const char *const *migrations, int n, err *e)
{
	int rc = db_exec(d, "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL)", e);
	if (rc)
		return rc;
	int64_t v = db_int(d, 0, "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'schema_version'");
	if (v > n)
		return err_set(e, ERR_STATE, "%s: made by a newer version of this program (schema %lld, "
			       "this one knows %d)", d->path ? d->path : "database", (long long)v, n);
	for (; v < n; v++) {
		db_stmt st;
		if ((rc = db_begin(d, e)))
			return rc;
		if ((rc = db_exec(d, migrations[v], e)) ||
		    (rc = db_prepare(d, &st,
				     "INSERT OR REPLACE INTO meta(key, value) VALUES ('schema_version', :v)", e))) {
			db_rollback(d);
			return rc;
		}
		db_bind_int(&st, ":v", v + 1);
		rc = db_step(&st, e);
		db_finalize(&st);
		if (rc < 0 || (rc = db_commit(d, e))) {
			db_rollback(d);
			return rc;
		}
	}
	return 0;
}

void db_timestamp(char out[21])
{
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}
