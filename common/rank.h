/*
 * rank: ordering and allocation of assessed cases (domain.md §4.5-4.6), as
 * pure functions over plain structs: no database, no network, no JSON.
 * The same code ranks a round on the server and a file on the command
 * line, so both give the same list.
 */
#ifndef FA_RANK_H
#define FA_RANK_H

#include <stddef.h>

#define RANK_MAX_KEYS 8

typedef enum rank_status {
	RANK_ELIGIBLE = 0,
	RANK_INELIGIBLE, /* has an ineligibility reason: listed apart, never approved */
	RANK_INVALID,    /* could not be scored: listed last */
} rank_status;

typedef enum rank_outcome {
	RANK_NONE = 0, RANK_APPROVED, RANK_WAITLISTED, RANK_OUT_INELIGIBLE, RANK_OUT_INVALID
} rank_outcome;

typedef enum rank_limit {
	RANK_LIMIT_NONE = 0, RANK_LIMIT_USERS, RANK_LIMIT_CHILDREN, RANK_LIMIT_HOURS
} rank_limit;

typedef struct rank_case {
	const char *id;            /* borrowed; the last key, ascending (bytewise) */
	double key[RANK_MAX_KEYS]; /* already mapped to numbers; NaN = null, sorts last */
	int is_child;
	double hours;              /* counted against the hours budget */
	rank_status status;
	size_t seq;                /* input position: orders invalid cases */
	/* results */
	long rank;                 /* 1-based for eligible cases, 0 otherwise */
	rank_outcome outcome;
	rank_limit limit;          /* why a case was waitlisted */
} rank_case;

typedef struct rank_spec {
	size_t nkeys;
	unsigned char desc[RANK_MAX_KEYS]; /* 1 = higher first */
} rank_spec;

typedef struct rank_capacity {
	long max_users;
	double children_share;  /* children may take floor(max_users × share) places */
	int has_hours_budget;
	double hours_budget;    /* total of approved cases' hours */
} rank_capacity;

/* Places for children: floor(max_users × share), robust to the binary
 * representation of share (0.3 × 10 is 3, not 2). */
long rank_children_places(const rank_capacity *cap);

/* Sorts order[0..n) (pointers into the caller's cases): eligible cases by
 * the key then id, then ineligible cases by the same key then id, then
 * invalid cases in input order (seq). Sets rank 1..k on eligible cases. */
void rank_order(rank_case **order, size_t n, const rank_spec *spec);

/* Walks order (as left by rank_order) and approves each eligible case if
 * every limit still holds with it added, else waitlists it with the first
 * limit that stopped it (users, children, hours). Ineligible and invalid
 * cases get their own outcome. */
void rank_allocate(rank_case **order, size_t n, const rank_capacity *cap);

/* "approved", "waitlisted", "ineligible", "invalid"; "users", "children",
 * "hours" (NULL for none). Static strings. */
const char *rank_outcome_name(rank_outcome o);
const char *rank_limit_name(rank_limit l);

#endif
