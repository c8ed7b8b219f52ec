/*
 * assistant: personal assistants of the Bulgarian home-care services —
 * their recruitment steps (applied, interviewed, trained, contracted), the
 * users (persons) who chose them, and the check of domain.md §4.7 point 9:
 * the daily hours of an assistant's users add up to at most 8; a child
 * user has the assistant to themself; under 8 hours the assistant is
 * part-time.
 *
 * The check itself is a pure function over plain structs
 * (assistant_check); the rest reads and writes the central store and
 * answers in JSON (for the command line and the web interface alike).
 * Every change is written to the audit trail in the same transaction.
 * Outputs carry an assistant's initials, never the name; users are named
 * by their person id only.
 */
#ifndef SS_ASSISTANT_H
#define SS_ASSISTANT_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "central.h"
#include "err.h"

#define ASSISTANT_DAY_HOURS 8.0
#define ASSISTANT_MAX_NAME 200

typedef enum assistant_status {
	ASSISTANT_APPLIED = 0,
	ASSISTANT_INTERVIEWED,
	ASSISTANT_TRAINED,
	ASSISTANT_CONTRACTED,
	ASSISTANT_NSTATUS
} assistant_status;

/* "applied", … ; static. */
const char *assistant_status_name(assistant_status s);
/* The status named s, or -1. */
int assistant_status_parse(const char *s);
/* 1 if role is one of "personal_assistant", "social_assistant",
 * "home_helper". */
int assistant_role_valid(const char *role);

/* --- the rule of point 9, pure --------------------------------------------- */

typedef struct assistant_user_hours {
	double hours;  /* daily hours of service of the user */
	int known;     /* hours come from a decision or an assessment */
	int is_child;  /* under 18 on the day checked */
} assistant_user_hours;

typedef struct assistant_load {
	double hours;        /* sum of the users' known daily hours */
	int users, children, unknown;
	int over_limit;      /* hours > 8 */
	int child_not_alone; /* a child user and other users */
	int part_time;       /* 0 < hours < 8, or no user */
} assistant_load;

/* Applies point 9 to one assistant's current users. */
void assistant_check(const assistant_user_hours *u, size_t n, assistant_load *out);

/* --- the store ------------------------------------------------------------- */

/* Registers an assistant who applied on on_date (NULL: today). *id gets
 * the new number. ERR_INVALID names the field that is wrong. */
int assistant_add(central *c, const char *name, const char *locality, const char *role,
		  const char *on_date, const char *actor, int64_t *id, err *e);

/* Moves an assistant forward to status (steps may be skipped, never
 * undone): ERR_STATE when it is not ahead of the current one,
 * ERR_NOTFOUND for an unknown assistant. */
int assistant_set_status(central *c, int64_t id, const char *status, const char *on_date,
			 const char *actor, err *e);

/* The person (a person record the devices synced) chose assistant id from
 * on_date; a current choice of another assistant ends that day (a user
 * has one assistant at a time). ERR_NOTFOUND for an unknown person or
 * assistant, ERR_STATE when the person is already with this assistant. */
int assistant_choose(central *c, int64_t id, const char *person_id, const char *on_date,
		     const char *actor, err *e);
/* The person stops being served by assistant id on on_date. */
int assistant_release(central *c, int64_t id, const char *person_id, const char *on_date,
		      const char *actor, err *e);

/* The daily hours of service of a user on on_date and whether they are a
 * child then: the one place that decides where a user's hours come from
 * (the approved hours of the latest locked round, else the server's
 * score of the person's latest final bg-independent-living assessment).
 * *source gets "round", "assessment" or "none" (static). The caller holds
 * c->lock. */
int assistant_user_hours_of(central *c, const char *person_id, const char *on_date,
			    assistant_user_hours *out, const char **source, err *e);

/* JSON array of assistants (optionally only those in status), each with
 * initials, locality, role, status, the dates of its steps and its
 * current users. */
int assistant_list_json(central *c, const char *status, buf *out, err *e);

/* One assistant, with the name (for the coordinator's own screen, not
 * for reports). */
int assistant_show_json(central *c, int64_t id, buf *out, err *e);

/* The daily load on on_date (NULL: today): for each assistant with users
 * or contracted, its users with their hours and where they come from, the
 * sum, "full_time"/"part_time"/"over", and the violations
 * ("over_8_hours", "child_not_alone") and warnings ("hours_unknown",
 * "not_contracted"); totals at the end. */
int assistant_load_json(central *c, const char *on_date, buf *out, err *e);
/* The same as CSV (UTF-8 with BOM, RFC 4180): one row per assistant. */
int assistant_load_csv(central *c, const char *on_date, buf *out, err *e);

#endif
