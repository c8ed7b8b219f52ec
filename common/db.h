/*
 * db: one thin wrapper over SQLite (Fossil's habit): open with the
 * project's durability settings, prepare/bind-by-name/step/finalize,
 * one-liners for single values, transactions, and errors carried in `err`
 * with the SQL's purpose rather than its values (no personal data).
 *
 * Statements bind parameters; SQL text is never built from input.
 */
#ifndef FA_DB_H
#define FA_DB_H

#include <sqlite3.h>
#include <stdint.h>

#include "err.h"

#define DB_CACHE 48

typedef struct db {
	sqlite3 *h;
	const char *path;
	int in_tx;
	/* statements of hot paths, kept prepared, keyed by the address of
	 * their SQL text (a string constant) */
	struct {
		const char *sql;
		sqlite3_stmt *s;
	} cache[DB_CACHE];
} db;

typedef struct db_stmt {
	sqlite3_stmt *s;
	db *d;
	int cached;
} db_stmt;

/* Opens (creating if asked) the database at path with WAL journal,
 * synchronous=FULL, foreign_keys=ON, secure_delete=ON, temp_store=MEMORY
 * and a busy timeout. Returns 0 or ERR_IO with the path and SQLite's
 * message. */
#define DB_CREATE 1
#define DB_READONLY 2
int db_open(db *d, const char *path, int flags, err *e);
void db_close(db *d);

/* Runs one or more statements without parameters (schema, pragmas). */
int db_exec(db *d, const char *sql, err *e);

/* Prepares sql. Parameters are named :name and bound with db_bind_*. */
int db_prepare(db *d, db_stmt *st, const char *sql, err *e);
/* The same for a statement run again and again: sql must be a string
 * constant; the prepared statement is kept and db_finalize only resets
 * it. */
int db_prepare_cached(db *d, db_stmt *st, const char *sql, err *e);
/* Binding an unknown name is a programming error: ERR_INVALID. */
int db_bind_int(db_stmt *st, const char *name, int64_t v);
int db_bind_double(db_stmt *st, const char *name, double v);
int db_bind_text(db_stmt *st, const char *name, const char *s, int len); /* len -1: strlen */
/* The same without a copy: s must stay as it is until db_finalize (bodies
 * of a kilobyte and more, bound once and stepped at once). */
int db_bind_text_static(db_stmt *st, const char *name, const char *s, int len);
int db_bind_blob(db_stmt *st, const char *name, const void *p, int len);
int db_bind_null(db_stmt *st, const char *name);
/* Returns 1 when a row is ready, 0 when done, or a negative error (ERR_IO,
 * ERR_CONFLICT for a constraint violation) with e filled. */
int db_step(db_stmt *st, err *e);
int db_reset(db_stmt *st);
void db_finalize(db_stmt *st);
/* Column readers for the current row (0-based). Text/blob pointers are
 * valid until the next step/reset/finalize. */
int64_t db_col_int(db_stmt *st, int col);
double db_col_double(db_stmt *st, int col);
const char *db_col_text(db_stmt *st, int col);
const void *db_col_blob(db_stmt *st, int col, int *len);
int db_col_is_null(db_stmt *st, int col);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK. */
int db_begin(db *d, err *e);
int db_commit(db *d, err *e);
void db_rollback(db *d);

/* One-liner: the integer of the first column of the first row of sql
 * (no parameters), or dflt if there is no row or on error. */
int64_t db_int(db *d, int64_t dflt, const char *sql);

int64_t db_changes(db *d);

/* The rowid of the last row inserted through d. */
int64_t db_last_rowid(db *d);

/* The current UTC time as stored in rows: "YYYY-MM-DDTHH:MM:SSZ". */
void db_timestamp(char out[21]);

/* Brings the schema forward: migrations[i] takes version i to i+1; each
 * step runs in its own transaction with the new version recorded in the
 * meta table. ERR_STATE when the file was made by a newer program. */
int db_migrate(db *d, const char *const *migrations, int n, err *e);

#endif
