/*
 * user: the staff accounts of the coordinator web interface — roles,
 * localities, passwords kept only as a slow salted hash (PBKDF2-HMAC-SHA256
 * through common/crypto), lockout after repeated failures, and sessions
 * (a random token whose SHA-256 alone is stored, with a per-session CSRF
 * token).
 *
 * Roles and what each may do (user_can):
 *   admin        everything
 *   coordinator  read; resolve conflicts; enroll and revoke devices;
 *                override a case's hours in the round
 *   commission   read; override; lock and publish the round
 *   viewer       read only
 * A user sees the records of their localities only, unless they hold "*"
 * (all); the same rules apply to every /api route.
 */
#ifndef SS_USER_H
#define SS_USER_H

#include "buf.h"
#include "central.h"
#include "err.h"

#define USER_NAME_MAX 64
#define USER_PASSWORD_MIN 10
#define USER_PASSWORD_MAX 256
/* consecutive failed logins that lock an account, and for how long */
#define USER_LOCK_FAILURES 5
#define USER_LOCK_SECONDS 900
/* a session ends after this long without a request, or this long in all */
#define USER_SESSION_IDLE 3600
#define USER_SESSION_MAX (12 * 3600)
#define USER_PBKDF2_ITERATIONS 210000

typedef struct user_info {
	char name[USER_NAME_MAX + 1];
	char role[16];
	char localities[CENTRAL_MAX_LOCALITIES][121];
	int nlocalities;
	int all_localities; /* "*" */
	int disabled;
} user_info;

typedef struct user_session {
	user_info u;
	char csrf[65];
} user_session;

/* 1 if role is one of admin, coordinator, commission, viewer. */
int user_role_valid(const char *role);

/* Creates an account. localities: comma-separated names or "*".
 * ERR_INVALID (name, role, password rules), ERR_CONFLICT (exists). */
int user_add(central *c, const char *name, const char *role, const char *localities,
	     const char *password, const char *actor, err *e);
/* Sets a new password (and unlocks); ends the user's sessions. */
int user_passwd(central *c, const char *name, const char *password, const char *actor,
		err *e);
/* Disables an account and ends its sessions. ERR_NOTFOUND. */
int user_disable(central *c, const char *name, const char *actor, err *e);
/* One line per account: name, role, localities, state. */
int user_list(central *c, buf *out, err *e);

/* Checks name and password. On success a new session: token (64 hex, for
 * the cookie) and *s. ERR_AUTH with "bad_login: …" (unknown user, wrong
 * password or disabled: one message for all) or "locked: …". Audited. */
int user_login(central *c, const char *name, const char *password, char token[65],
	       user_session *s, err *e);
/* The session of a cookie token; ERR_AUTH "unauthenticated" when unknown,
 * expired or of a disabled user. Refreshes its idle time. */
int user_session_get(central *c, const char *token, user_session *s, err *e);
/* Ends a session (no error if unknown). */
int user_logout(central *c, const char *token, err *e);

/* Permissions: "read", "resolve", "devices", "override", "lock",
 * "publish", "users". */
int user_can(const user_info *u, const char *perm);
/* 1 if u may see records of locality. */
int user_sees(const user_info *u, const char *locality);

/* `sync-server user add|passwd|list|disable`. */
int cmd_user(int argc, char **argv);

#endif
