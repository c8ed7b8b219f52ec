/*
 * test_user: staff accounts and sessions (sync-server/user.c) on a real
 * central store in a temporary directory: the stored hash, logins right
 * and wrong, lockout and its end by passwd, sessions (unknown, ended by
 * logout, by disable), and the role and locality rules.
 */
#include <stdlib.h>
#include <unistd.h>

#include "test.h"
#include "../common/log.h"
#include "../sync-server/user.h"

typedef struct ufx {
	char dir[64];
	central c;
	int saved_level;
} ufx;

static int ufx_open(ufx *f)
{
	err e = {0, ""};
	f->saved_level = log_level;
	log_level = LOG_ERROR;
	setenv("SS_PBKDF2_ITERATIONS", "1000", 1); /* the format, not the cost, is tested here */
	snprintf(f->dir, sizeof f->dir, "/tmp/test_user.XXXXXX");
	if (!mkdtemp(f->dir) || central_open(&f->c, f->dir, NULL, &e)) {
		fprintf(stderr, "  store: %s\n", e.msg);
		return -1;
	}
	return 0;
}

static void ufx_close(ufx *f)
{
	char p[128];
	central_close(&f->c);
	const char *files[] = {"central.db", "central.db-wal", "central.db-shm"};
	for (size_t i = 0; i < 3; i++) {
		snprintf(p, sizeof p, "%s/%s", f->dir, files[i]);
		unlink(p);
	}
	rmdir(f->dir);
	unsetenv("SS_PBKDF2_ITERATIONS");
	log_level = f->saved_level;
}

static void user_add_rules_and_hash(void)
{
	ufx f;
	err e = {0, ""};
	if (ufx_open(&f)) {
		test_failures++;
		return;
	}
	CHECK_INT(user_add(&f.c, "ana", "coordinator", "Русе, Басарбово", "long-enough-1", "t", &e), 0);
	CHECK_INT(user_add(&f.c, "ana", "viewer", "*", "long-enough-1", "t", &e), ERR_CONFLICT);
	CHECK_INT(user_add(&f.c, "bob", "boss", "*", "long-enough-1", "t", &e), ERR_INVALID);
	CHECK_INT(user_add(&f.c, "bob", "viewer", "*", "short", "t", &e), ERR_INVALID);
	CHECK_INT(user_add(&f.c, "bad name", "viewer", "*", "long-enough-1", "t", &e), ERR_INVALID);
	CHECK_INT(user_add(&f.c, "bob", "viewer", " , ", "long-enough-1", "t", &e), ERR_INVALID);
	db_stmt st;
	CHECK_INT(db_prepare(&f.c.d, &st, "SELECT pw_hash, localities FROM staff WHERE name = 'ana'", &e), 0);
	CHECK_INT(db_step(&st, &e), 1);
	const char *h = db_col_text(&st, 0);
	CHECK(strncmp(h, "pbkdf2-sha256$1000$", 19) == 0);
	CHECK(strlen(h) == 19 + 32 + 1 + 64);
	CHECK(strstr(h, "long-enough") == NULL);
	CHECK_STR(db_col_text(&st, 1), "[\"Русе\",\"Басарбово\"]");
	db_finalize(&st);
	ufx_close(&f);
}

static void user_login_sessions_and_lockout(void)
{
	ufx f;
	err e = {0, ""};
	char tok[65], tok2[65];
	user_session s, s2;
	if (ufx_open(&f)) {
		test_failures++;
		return;
	}
	CHECK_INT(user_add(&f.c, "ana", "coordinator", "Русе", "long-enough-1", "t", &e), 0);
	CHECK_INT(user_login(&f.c, "ana", "long-enough-1", tok, &s, &e), 0);
	CHECK_INT((int)strlen(tok), 64);
	CHECK_INT((int)strlen(s.csrf), 64);
	CHECK_STR(s.u.role, "coordinator");
	CHECK_INT(user_session_get(&f.c, tok, &s2, &e), 0);
	CHECK_STR(s2.csrf, s.csrf);
	CHECK_INT(user_session_get(&f.c, "zz", &s2, &e), ERR_AUTH);
	char other[65];
	memset(other, 'a', 64);
	other[64] = '\0';
	CHECK_INT(user_session_get(&f.c, other, &s2, &e), ERR_AUTH);
	/* unknown user and wrong password: the same answer */
	CHECK_INT(user_login(&f.c, "nobody", "long-enough-1", tok2, &s2, &e), ERR_AUTH);
	CHECK(strncmp(e.msg, "bad_login", 9) == 0);
	/* four failures, then the right password still works and resets */
	for (int i = 0; i < USER_LOCK_FAILURES - 1; i++)
		CHECK_INT(user_login(&f.c, "ana", "wrong-password", tok2, &s2, &e), ERR_AUTH);
	CHECK_INT(user_login(&f.c, "ana", "long-enough-1", tok2, &s2, &e), 0);
	/* five in a row lock it: even the right password is refused */
	for (int i = 0; i < USER_LOCK_FAILURES; i++)
		CHECK_INT(user_login(&f.c, "ana", "wrong-password", tok2, &s2, &e), ERR_AUTH);
	CHECK_INT(user_login(&f.c, "ana", "long-enough-1", tok2, &s2, &e), ERR_AUTH);
	CHECK(strncmp(e.msg, "locked", 6) == 0);
	/* a new password unlocks and ends the old sessions */
	CHECK_INT(user_passwd(&f.c, "ana", "long-enough-2", "t", &e), 0);
	CHECK_INT(user_session_get(&f.c, tok, &s2, &e), ERR_AUTH);
	CHECK_INT(user_login(&f.c, "ana", "long-enough-2", tok, &s, &e), 0);
	/* logout and disable end sessions */
	CHECK_INT(user_logout(&f.c, tok, &e), 0);
	CHECK_INT(user_session_get(&f.c, tok, &s2, &e), ERR_AUTH);
	CHECK_INT(user_login(&f.c, "ana", "long-enough-2", tok, &s, &e), 0);
	CHECK_INT(user_disable(&f.c, "ana", "t", &e), 0);
	CHECK_INT(user_session_get(&f.c, tok, &s2, &e), ERR_AUTH);
	CHECK_INT(user_login(&f.c, "ana", "long-enough-2", tok, &s, &e), ERR_AUTH);
	CHECK_INT(user_disable(&f.c, "ana", "t", &e), ERR_NOTFOUND);
	int64_t n = 0;
	CHECK_INT(central_audit_verify(&f.c, &n, &e), 0);
	CHECK(n >= 15);
	ufx_close(&f);
}

static void user_roles_and_localities(void)
{
	user_info u;
	memset(&u, 0, sizeof u);
	snprintf(u.role, sizeof u.role, "viewer");
	snprintf(u.localities[0], 121, "Русе");
	u.nlocalities = 1;
	CHECK(user_can(&u, "read"));
	CHECK(!user_can(&u, "resolve") && !user_can(&u, "devices") && !user_can(&u, "override") &&
	      !user_can(&u, "lock") && !user_can(&u, "publish"));
	snprintf(u.role, sizeof u.role, "coordinator");
	CHECK(user_can(&u, "resolve") && user_can(&u, "devices") && user_can(&u, "override"));
	CHECK(!user_can(&u, "lock") && !user_can(&u, "publish") && !user_can(&u, "users"));
	snprintf(u.role, sizeof u.role, "commission");
	CHECK(user_can(&u, "override") && user_can(&u, "lock") && user_can(&u, "publish"));
	CHECK(!user_can(&u, "resolve") && !user_can(&u, "devices"));
	snprintf(u.role, sizeof u.role, "admin");
	CHECK(user_can(&u, "users") && user_can(&u, "publish"));
	CHECK(user_sees(&u, "Русе") && !user_sees(&u, "Басарбово") && !user_sees(&u, NULL));
	u.all_localities = 1;
	CHECK(user_sees(&u, "Басарбово"));
	u.disabled = 1;
	CHECK(!user_can(&u, "read") && !user_sees(&u, "Русе"));
}

const test_case user_tests[] = {
	{"user_add_rules_and_hash", user_add_rules_and_hash},
	{"user_login_sessions_and_lockout", user_login_sessions_and_lockout},
	{"user_roles_and_localities", user_roles_and_localities},
	{NULL, NULL},
};
