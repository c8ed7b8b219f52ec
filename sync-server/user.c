/*
 * user: staff accounts and sessions (see user.h). Rows live in the central
 * store (tables staff and session, a migration of central.c); the slow
 * hash runs outside the store's lock.
 */
#include "user.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto.h"
#include "json.h"
#include "log.h"

static const char *const roles[] = {"admin", "coordinator", "commission", "viewer", NULL};

int user_role_valid(const char *role)
{
	for (size_t i = 0; role && roles[i]; i++)
		if (!strcmp(role, roles[i]))
			return 1;
	return 0;
}

int user_can(const user_info *u, const char *perm)
{
	if (!u || u->disabled)
		return 0;
	if (!strcmp(perm, "read"))
		return 1;
	if (!strcmp(u->role, "admin"))
		return 1;
	if (!strcmp(u->role, "coordinator"))
		return !strcmp(perm, "resolve") || !strcmp(perm, "devices") || !strcmp(perm, "override") ||
		       !strcmp(perm, "rounds");
	if (!strcmp(u->role, "commission"))
		return !strcmp(perm, "override") || !strcmp(perm, "lock") || !strcmp(perm, "publish") ||
		       !strcmp(perm, "redecide");
	return 0;
}

int user_sees(const user_info *u, const char *locality)
{
	if (!u || u->disabled)
		return 0;
	if (u->all_localities)
		return 1;
	for (int i = 0; locality && i < u->nlocalities; i++)
		if (!strcmp(u->localities[i], locality))
			return 1;
	return 0;
}

static int name_valid(const char *name)
{
	size_t n = name ? strlen(name) : 0;
	if (n < 1 || n > USER_NAME_MAX)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char ch = name[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		      ch == '.' || ch == '-' || ch == '_' || ch == '@'))
			return 0;
	}
	return 1;
}

static int password_valid(const char *pw, err *e)
{
	size_t n = pw ? strlen(pw) : 0;
	if (n < USER_PASSWORD_MIN || n > USER_PASSWORD_MAX)
		return err_set(e, ERR_INVALID, "password: %d to %d characters", USER_PASSWORD_MIN,
			       USER_PASSWORD_MAX);
	return 0;
}

/* "pbkdf2-sha256$ITER$SALTHEX$KEYHEX" of pw with a fresh salt. */
static int hash_password(const char *pw, uint32_t iter, char *out, size_t n, err *e)
{
	uint8_t salt[CRYPTO_SALT_LEN], key[CRYPTO_KEY_LEN];
	char salthex[2 * CRYPTO_SALT_LEN + 1], keyhex[2 * CRYPTO_KEY_LEN + 1];
	int rc = crypto_random(salt, sizeof salt, e);
	if (!rc)
		rc = crypto_derive_key(pw, strlen(pw), salt, sizeof salt, iter, key, e);
	if (rc)
		return rc;
	crypto_hex(salt, sizeof salt, salthex);
	crypto_hex(key, sizeof key, keyhex);
	crypto_wipe(key, sizeof key);
	snprintf(out, n, "pbkdf2-sha256$%u$%s$%s", (unsigned)iter, salthex, keyhex);
	return 0;
}

/* The n bytes written in hex at p, up to the next '$' or the end
 * (exactly 2n lower-case digits): 0, or -1. */
static int hex_field(const char *p, uint8_t *out, size_t n)
{
	char field[2 * CRYPTO_KEY_LEN + 1];
	size_t len = strcspn(p, "$");
	if (len != 2 * n || len >= sizeof field)
		return -1;
	memcpy(field, p, len);
	field[len] = '\0';
	return crypto_unhex(field, out, n) == (int)n ? 0 : -1;
}

/* 0 if pw matches the stored hash, 1 if not, <0 on error. */
static int check_password(const char *pw, const char *stored, err *e)
{
	unsigned long iter;
	uint8_t salt[CRYPTO_SALT_LEN], want[CRYPTO_KEY_LEN], got[CRYPTO_KEY_LEN];
	const char *p = stored;
	if (strncmp(p, "pbkdf2-sha256$", 14))
		return err_set(e, ERR_INVALID, "stored password hash: unknown scheme");
	p += 14;
	char *end;
	iter = strtoul(p, &end, 10);
	if (*end != '$' || iter < 1000 || iter > 50000000)
		return err_set(e, ERR_INVALID, "stored password hash: bad iterations");
	p = end + 1;
	if (hex_field(p, salt, sizeof salt))
		return err_set(e, ERR_INVALID, "stored password hash: bad salt");
	p += 2 * sizeof salt + 1;
	if (hex_field(p, want, sizeof want))
		return err_set(e, ERR_INVALID, "stored password hash: bad key");
	int rc = crypto_derive_key(pw, strlen(pw), salt, sizeof salt, (uint32_t)iter, got, e);
	if (rc)
		return rc;
	rc = crypto_equal(got, want, sizeof got) ? 1 : 0;
	crypto_wipe(got, sizeof got);
	return rc;
}

static uint32_t iterations(void)
{
	/* tests may lower the cost; never below 1000 */
	const char *env = getenv("SS_PBKDF2_ITERATIONS");
	if (env && *env) {
		unsigned long v = strtoul(env, NULL, 10);
		if (v >= 1000 && v <= 50000000)
			return (uint32_t)v;
	}
	return USER_PBKDF2_ITERATIONS;
}

/* Localities "A, B" or "*" as a JSON array text (["*"] for all). */
static int localities_json(const char *text, buf *out, err *e)
{
	const char *p = text ? text : "";
	int n = 0;
	while (*p == ' ')
		p++;
	if (!strcmp(p, "*"))
		return buf_puts(out, "[\"*\"]");
	buf_putc(out, '[');
	while (*p) {
		while (*p == ' ' || *p == ',')
			p++;
		const char *q = p;
		while (*q && *q != ',')
			q++;
		size_t len = (size_t)(q - p);
		while (len && p[len - 1] == ' ')
			len--;
		if (len) {
			if (len > 120 || n >= CENTRAL_MAX_LOCALITIES)
				return err_set(e, ERR_INVALID, "localities: at most %d names of 1-120 bytes",
					       CENTRAL_MAX_LOCALITIES);
			if (n++)
				buf_putc(out, ',');
			json_write_string(out, p, len);
		}
		p = q;
	}
	buf_putc(out, ']');
	if (!n)
		return err_set(e, ERR_INVALID, "localities: give at least one, or *");
	return out->oom ? err_set(e, ERR_NOMEM, "out of memory") : 0;
}

static void fill_user(user_info *u, const char *name, const char *role, const char *locs,
		      int disabled)
{
	memset(u, 0, sizeof *u);
	snprintf(u->name, sizeof u->name, "%s", name);
	snprintf(u->role, sizeof u->role, "%s", role);
	u->disabled = disabled;
	cJSON *l = cJSON_Parse(locs);
	const cJSON *it;
	cJSON_ArrayForEach(it, l) {
		if (!cJSON_IsString(it))
			continue;
		if (!strcmp(it->valuestring, "*"))
			u->all_localities = 1;
		else if (u->nlocalities < CENTRAL_MAX_LOCALITIES)
			snprintf(u->localities[u->nlocalities++], 121, "%s", it->valuestring);
	}
	cJSON_Delete(l);
}

int user_add(central *c, const char *name, const char *role, const char *localities,
	     const char *password, const char *actor, err *e)
{
	char hash[160], at[21];
	buf locs = BUF_INIT;
	db_stmt st;
	int rc;
	if (!name_valid(name))
		return err_set(e, ERR_INVALID, "user name: 1-%d of a-z A-Z 0-9 . - _ @", USER_NAME_MAX);
	if (!user_role_valid(role))
		return err_set(e, ERR_INVALID, "role: admin, coordinator, commission or viewer");
	if ((rc = password_valid(password, e)) || (rc = localities_json(localities, &locs, e)) ||
	    (rc = hash_password(password, iterations(), hash, sizeof hash, e)))
		goto done;
	db_timestamp(at);
	pthread_mutex_lock(&c->lock);
	rc = db_prepare(&c->d, &st,
			"INSERT INTO staff(name, role, localities, pw_hash, created_at)"
			" VALUES (:n, :r, :l, :h, :at)", e);
	if (!rc) {
		db_bind_text(&st, ":n", name, -1);
		db_bind_text(&st, ":r", role, -1);
		db_bind_text(&st, ":l", locs.data, -1);
		db_bind_text(&st, ":h", hash, -1);
		db_bind_text(&st, ":at", at, -1);
		rc = db_step(&st, e);
		db_finalize(&st);
		if (rc == ERR_CONFLICT)
			rc = err_set(e, ERR_CONFLICT, "user %s exists already", name);
		rc = rc < 0 ? rc : 0;
	}
	pthread_mutex_unlock(&c->lock);
	if (!rc)
		rc = central_audit(c, actor, "user_add", name, role, e);
done:
	crypto_wipe(hash, sizeof hash);
	buf_free(&locs);
	return rc;
}

/* Runs one UPDATE/DELETE with :n bound to name; ERR_NOTFOUND if
 * must_change and no row changed. Caller holds the lock. */
static int exec_named(central *c, const char *sql, const char *name, const char *text,
		      int must_change, err *e)
{
	db_stmt st;
	int rc = db_prepare(&c->d, &st, sql, e);
	if (rc)
		return rc;
	db_bind_text(&st, ":n", name, -1);
	if (text)
		db_bind_text(&st, ":t", text, -1);
	rc = db_step(&st, e);
	db_finalize(&st);
	if (rc < 0)
		return rc;
	if (must_change && db_changes(&c->d) == 0)
		return err_set(e, ERR_NOTFOUND, "no user %.64s", name);
	return 0;
}

int user_passwd(central *c, const char *name, const char *password, const char *actor,
		err *e)
{
	char hash[160];
	int rc = password_valid(password, e);
	if (rc || (rc = hash_password(password, iterations(), hash, sizeof hash, e)))
		return rc;
	pthread_mutex_lock(&c->lock);
	rc = exec_named(c, "UPDATE staff SET pw_hash = :t, failures = 0, locked_until = 0 WHERE name = :n",
			name, hash, 1, e);
	if (!rc)
		rc = exec_named(c, "DELETE FROM session WHERE user = :n", name, NULL, 0, e);
	pthread_mutex_unlock(&c->lock);
	crypto_wipe(hash, sizeof hash);
	if (!rc)
		rc = central_audit(c, actor, "user_passwd", name, NULL, e);
	return rc;
}

int user_disable(central *c, const char *name, const char *actor, err *e)
{
	char at[21];
	db_timestamp(at);
	pthread_mutex_lock(&c->lock);
	int rc = exec_named(c, "UPDATE staff SET disabled_at = :t WHERE name = :n AND disabled_at IS NULL",
			    name, at, 1, e);
	if (!rc)
		rc = exec_named(c, "DELETE FROM session WHERE user = :n", name, NULL, 0, e);
	pthread_mutex_unlock(&c->lock);
	if (!rc)
		rc = central_audit(c, actor, "user_disable", name, NULL, e);
	return rc;
}

int user_list(central *c, buf *out, err *e)
{
	db_stmt st;
	pthread_mutex_lock(&c->lock);
	int rc = db_prepare(&c->d, &st,
			    "SELECT name, role, localities, disabled_at IS NOT NULL, locked_until > :now"
			    " FROM staff ORDER BY name", e);
	if (!rc) {
		db_bind_int(&st, ":now", (int64_t)time(NULL));
		while ((rc = db_step(&st, e)) == 1)
			buf_printf(out, "%-24s %-12s %s%s%s\n", db_col_text(&st, 0), db_col_text(&st, 1),
				   db_col_text(&st, 2), db_col_int(&st, 3) ? " DISABLED" : "",
				   db_col_int(&st, 4) ? " LOCKED" : "");
		db_finalize(&st);
	}
	pthread_mutex_unlock(&c->lock);
	return rc < 0 ? rc : 0;
}

/* A hash of the right form that matches nothing: an unknown user costs
 * the same time as a wrong password. */
static const char dummy_hash[] =
	"pbkdf2-sha256$%u$00000000000000000000000000000000$"
	"0000000000000000000000000000000000000000000000000000000000000000";

int user_login(central *c, const char *name, const char *password, char token[65],
	       user_session *s, err *e)
{
	db_stmt st;
	char stored[160] = "", role[16] = "", locs[8192] = "";
	int64_t now = (int64_t)time(NULL), locked_until = 0;
	int found = 0, disabled = 0, rc;
	if (!name || !password || strlen(password) > USER_PASSWORD_MAX || !name_valid(name)) {
		central_audit(c, "anonymous", "login_refused", NULL, "bad_login", NULL);
		return err_set(e, ERR_AUTH, "bad_login: wrong user name or password");
	}
	pthread_mutex_lock(&c->lock);
	rc = db_prepare(&c->d, &st,
			"SELECT pw_hash, role, localities, disabled_at IS NOT NULL, locked_until"
			" FROM staff WHERE name = :n", e);
	if (!rc) {
		db_bind_text(&st, ":n", name, -1);
		if ((rc = db_step(&st, e)) == 1) {
			found = 1;
			snprintf(stored, sizeof stored, "%s", db_col_text(&st, 0));
			snprintf(role, sizeof role, "%s", db_col_text(&st, 1));
			snprintf(locs, sizeof locs, "%s", db_col_text(&st, 2));
			disabled = (int)db_col_int(&st, 3);
			locked_until = db_col_int(&st, 4);
		}
		db_finalize(&st);
	}
	pthread_mutex_unlock(&c->lock);
	if (rc < 0)
		return rc;
	if (found && locked_until > now) {
		central_audit(c, name, "login_refused", NULL, "locked", NULL);
		return err_set(e, ERR_AUTH, "locked: too many failed logins; try again in %lld minutes",
			       (long long)((locked_until - now + 59) / 60));
	}
	if (!found) {
		char dummy[200];
		snprintf(dummy, sizeof dummy, dummy_hash, (unsigned)iterations());
		check_password(password, dummy, NULL);
	}
	int bad = !found || disabled || check_password(password, stored, e) != 0;
	crypto_wipe(stored, sizeof stored);
	if (bad) {
		if (found) {
			pthread_mutex_lock(&c->lock);
			exec_named(c, "UPDATE staff SET failures = failures + 1 WHERE name = :n", name, NULL, 0,
				   NULL);
			int64_t f = 0;
			if (db_prepare(&c->d, &st, "SELECT failures FROM staff WHERE name = :n", NULL) == 0) {
				db_bind_text(&st, ":n", name, -1);
				if (db_step(&st, NULL) == 1)
					f = db_col_int(&st, 0);
				db_finalize(&st);
			}
			if (f >= USER_LOCK_FAILURES) {
				char until[32];
				snprintf(until, sizeof until, "%lld", (long long)(now + USER_LOCK_SECONDS));
				exec_named(c, "UPDATE staff SET locked_until = CAST(:t AS INTEGER), failures = 0"
					      " WHERE name = :n", name, until, 0, NULL);
				LOG(LOG_WARN, "web: account locked after %d failed logins", USER_LOCK_FAILURES);
			}
			pthread_mutex_unlock(&c->lock);
		}
		central_audit(c, found ? name : "anonymous", "login_refused", NULL,
			      disabled ? "disabled" : "bad_login", NULL);
		return err_set(e, ERR_AUTH, "bad_login: wrong user name or password");
	}
	/* a new session */
	uint8_t rnd[64];
	char thash[65];
	if ((rc = crypto_random(rnd, sizeof rnd, e)))
		return rc;
	crypto_hex(rnd, 32, token);
	crypto_hex(rnd + 32, 32, s->csrf);
	crypto_wipe(rnd, sizeof rnd);
	crypto_sha256_hex(token, 64, thash);
	fill_user(&s->u, name, role, locs, 0);
	pthread_mutex_lock(&c->lock);
	rc = db_prepare(&c->d, &st,
			"INSERT INTO session(token_hash, user, csrf, created, last_seen)"
			" VALUES (:h, :n, :c, :now, :now)", e);
	if (!rc) {
		db_bind_text(&st, ":h", thash, -1);
		db_bind_text(&st, ":n", name, -1);
		db_bind_text(&st, ":c", s->csrf, -1);
		db_bind_int(&st, ":now", now);
		rc = db_step(&st, e);
		db_finalize(&st);
		rc = rc < 0 ? rc : 0;
	}
	if (!rc)
		exec_named(c, "UPDATE staff SET failures = 0 WHERE name = :n", name, NULL, 0, NULL);
	/* expired sessions go on each login */
	if (!rc && db_prepare(&c->d, &st,
			      "DELETE FROM session WHERE last_seen < :idle OR created < :max", NULL) == 0) {
		db_bind_int(&st, ":idle", now - USER_SESSION_IDLE);
		db_bind_int(&st, ":max", now - USER_SESSION_MAX);
		db_step(&st, NULL);
		db_finalize(&st);
	}
	pthread_mutex_unlock(&c->lock);
	if (!rc)
		rc = central_audit(c, name, "login", NULL, role, e);
	return rc;
}

static int token_valid(const char *t)
{
	if (!t || strlen(t) != 64)
		return 0;
	for (int i = 0; i < 64; i++)
		if (!((t[i] >= '0' && t[i] <= '9') || (t[i] >= 'a' && t[i] <= 'f')))
			return 0;
	return 1;
}

int user_session_get(central *c, const char *token, user_session *s, err *e)
{
	char thash[65];
	db_stmt st;
	int64_t now = (int64_t)time(NULL);
	if (!token_valid(token))
		return err_set(e, ERR_AUTH, "unauthenticated: log in first");
	crypto_sha256_hex(token, 64, thash);
	pthread_mutex_lock(&c->lock);
	int rc = db_prepare(&c->d, &st,
			    "SELECT s.user, s.csrf, u.role, u.localities FROM session s"
			    " JOIN staff u ON u.name = s.user"
			    " WHERE s.token_hash = :h AND u.disabled_at IS NULL"
			    " AND s.last_seen >= :idle AND s.created >= :max", e);
	if (!rc) {
		db_bind_text(&st, ":h", thash, -1);
		db_bind_int(&st, ":idle", now - USER_SESSION_IDLE);
		db_bind_int(&st, ":max", now - USER_SESSION_MAX);
		rc = db_step(&st, e);
		if (rc == 1) {
			fill_user(&s->u, db_col_text(&st, 0), db_col_text(&st, 2), db_col_text(&st, 3), 0);
			snprintf(s->csrf, sizeof s->csrf, "%s", db_col_text(&st, 1));
			rc = 0;
		} else if (rc == 0) {
			rc = err_set(e, ERR_AUTH, "unauthenticated: the session has ended; log in again");
		}
		db_finalize(&st);
	}
	if (!rc && db_prepare(&c->d, &st, "UPDATE session SET last_seen = :now WHERE token_hash = :h",
			      NULL) == 0) {
		db_bind_int(&st, ":now", now);
		db_bind_text(&st, ":h", thash, -1);
		db_step(&st, NULL);
		db_finalize(&st);
	}
	pthread_mutex_unlock(&c->lock);
	return rc;
}

int user_logout(central *c, const char *token, err *e)
{
	char thash[65];
	db_stmt st;
	if (!token_valid(token))
		return 0;
	crypto_sha256_hex(token, 64, thash);
	pthread_mutex_lock(&c->lock);
	int rc = db_prepare(&c->d, &st, "DELETE FROM session WHERE token_hash = :h", e);
	if (!rc) {
		db_bind_text(&st, ":h", thash, -1);
		rc = db_step(&st, e);
		db_finalize(&st);
	}
	pthread_mutex_unlock(&c->lock);
	return rc < 0 ? rc : 0;
}
