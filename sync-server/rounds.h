/*
 * rounds: the central round of a municipality's service (domain.md
 * §4.5-§4.7) on top of the central store — who applied, the ranking and
 * allocation recomputed by the server from the synced answers, the
 * commission's changes (each with who, when, why and the original value
 * kept), the lock, the public list and decision letters, and what happens
 * after the decision: acceptance, objection and re-decision, withdrawal,
 * refusal of every offered assistant, a user leaving and the next on the
 * waiting list taking the place, reassessment six months on.
 *
 * An applicant is a person, numbered in the round ("application number");
 * the public list names people by that number and their initials only.
 * Every change is one transaction with its audit entry, and a decision
 * about a case goes to the devices of its locality on their next pull
 * (change kind "decision").
 *
 * Every function returns 0 or an error code with e set: ERR_NOTFOUND (no
 * such round or application), ERR_INVALID (a value out of range: e says
 * which), ERR_STATE (not allowed in the round's or the applicant's state:
 * e says what state it is in). Outputs are appended to `out`, which the
 * caller owns and frees.
 */
#ifndef SS_ROUNDS_H
#define SS_ROUNDS_H

#include "buf.h"
#include "central.h"
#include "err.h"

typedef struct rounds_spec {
	const char *id;           /* [A-Za-z0-9._-]{1,64}, chosen by the coordinator */
	const char *municipality; /* 1-120 bytes */
	const char *service;      /* 1-120 bytes, e.g. "personal-assistance" */
	const char *instrument;   /* default bg-independent-living */
	const char *localities;   /* comma-separated villages; "" = every locality */
	const char *opens_on;     /* application window, YYYY-MM-DD, inclusive */
	const char *closes_on;
	long max_users;           /* 1 … 1,000,000 */
	double children_share;    /* 0 … 1 */
	int has_hours_budget;
	double hours_budget;      /* monthly hours of approved cases, > 0 */
} rounds_spec;

/* Creates a round (status "open"). ERR_STATE if the id exists. */
int rounds_create(central *c, const rounds_spec *s, const char *actor, err *e);

/* Ranks and allocates: every final assessment of the round's instrument
 * registered in the window, of a person of its localities; per person the
 * latest (assessed_on, then registered_on, then id); people with the same
 * national id under two person records are shown as duplicates of the
 * one with the latest assessment and not ranked. Scores are recomputed
 * from the answers (common/round.c, the same code as `sync-server rank`).
 * Allowed until the round is locked; a commission change made before a
 * re-run stays. Writes a one-line summary to out, and with `timing` a
 * second line of seconds spent in each step. */
int rounds_run(central *c, const char *id, const char *actor, int timing, buf *out, err *e);

/* All rounds, one JSON object per line. */
int rounds_list(central *c, buf *out, err *e);

/* The round as JSON: its settings and status, capacity used, and every
 * applicant in list order with computed and current values, state and
 * dates; no national id, name or address. */
int rounds_show(central *c, const char *id, buf *out, err *e);

/* The ranking document of the last run (domain.md §9), byte for byte what
 * `sync-server rank` prints for the same cases and capacity. */
int rounds_ranking(central *c, const char *id, buf *out, err *e);

/* A commission change before the lock: field "hours" (daily hours, 0-24,
 * in steps of 0.5) or "outcome" ("approved", "waitlisted"); reason 1-1000
 * bytes, required. The computed value stays in the record. */
int rounds_override(central *c, const char *id, long app_no, const char *field,
		    const char *value, const char *reason, const char *actor, err *e);

/* Locks (approves) the list on date `on` (YYYY-MM-DD; NULL = today):
 * approved people are offered their hours, waitlisted ones wait, and a
 * reassessment falls due six months on. No more overrides after this. */
int rounds_lock(central *c, const char *id, const char *on, const char *actor, err *e);

/* The public list (domain.md §4.7) of a locked round: rank, application
 * number, initials, locality, group, points, hours a day, outcome — never
 * a national id or address. format "csv" (UTF-8 with BOM, CRLF, RFC 4180
 * quoting), "html" (a printable page) or "json"; lang "bg", "ro" or "en"
 * for headings and outcomes. Marks the round published (audited). */
int rounds_publish(central *c, const char *id, const char *format, const char *lang,
		   const char *actor, buf *out, err *e);

/* The decision letter to one applicant, a printable HTML page in
 * Bulgarian: addressed to that person (name and address), with the
 * decision, the hours approved and what the applicant may do next. Holds
 * nothing about anyone else and no national id. Round must be locked. */
int rounds_letter(central *c, const char *id, long app_no, buf *out, err *e);

/* After the lock. answer: "accept", "object" (with proposed daily hours
 * and a reason), "contract" (the contract with an assistant is signed).
 * A person who was offered a place answers; "contract" follows "accept". */
int rounds_respond(central *c, const char *id, long app_no, const char *answer,
		   double proposed_hours, const char *reason, const char *actor, err *e);

/* The commission re-decides an objection: new daily hours (0-24) with a
 * reason; the applicant is offered them again. */
int rounds_redecide(central *c, const char *id, long app_no, double hours, const char *reason,
		    const char *actor, err *e);

/* Someone gives up or loses a place:
 *   "withdraw"            the applicant withdraws (offered, accepted,
 *                         objected, contracted or waiting) — out, kept;
 *   "refuse-assistants"   refused every offered assistant and stays on
 *                         the waiting list (domain.md §4.7 point 8);
 *   "leave"               an approved user leaves the service.
 * A place freed is offered at once to the next waiting people, in rank
 * order, that fit every limit (users, children, hours budget); their
 * application numbers are written to `out`, one per line. */
int rounds_release(central *c, const char *id, long app_no, const char *how, const char *reason,
		   const char *actor, buf *out, err *e);

/* The commission's and applicants' decisions about one application (or
 * all of the round's when app_no is 0), oldest first, as JSON lines: what
 * changed, from what to what, why, who and when. */
int rounds_history(central *c, const char *id, long app_no, buf *out, err *e);

/* Applications whose reassessment is due on or before `on` (NULL =
 * today), over every locked round, as JSON lines. */
int rounds_due(central *c, const char *on, buf *out, err *e);

/* Date helpers (exposed for the unit tests). YYYY-MM-DD → 0 if a real
 * date; adds months, clamping the day to the month's last. */
int rounds_date_valid(const char *s);
void rounds_add_months(const char *date, int months, char out[11]);
/* The initials of a name ("Иван Петров" → "И. П."), UTF-8 aware. */
void rounds_initials(const char *name, char *out, size_t n);

#endif
