/*
 * census: the Romanian community census side (domain.md §6, instrument
 * ro-household-screening) computed from what the devices synced —
 * households, persons, screenings (assessments, scored again by the
 * server) and services (given, or planned in an individual service plan,
 * optionally naming the screening item they resolved).
 *
 * Per locality and overall: households and people censused, people
 * screened, cases and active cases by dimension and item, resolved
 * vulnerabilities, services given by type, month and place, service plans
 * of active cases (planned, given, missing), average beneficiaries a month
 * and a day, staff to beneficiary ratio, and each locality's needs
 * profile; a priority list of cases with the active ones marked.
 *
 * Definitions (Decisions, also in docs/census.md):
 * - a person's state is their latest valid final screening (by
 *   assessed_on, then id); a case is a person whose latest screening the
 *   server scored is_case; cases are ordered by the instrument's ranking
 *   key (dimensions hit, vulnerabilities, age) then person id, and the
 *   first `capacity` are active;
 * - a vulnerability (person, item) is resolved when an earlier screening
 *   found it and the latest does not, or when a service given on or after
 *   the first screening that found it names it in `resolves`;
 * - beneficiaries are the persons (or households, for household services)
 *   given a service; a month's figure counts each once in that month, and
 *   the average is over every calendar month of the period (or from the
 *   first to the last month with a service); a day's average is over the
 *   days on which services were given;
 * - staff are the distinct workers of the services given (the `worker`
 *   field, else the assessor of the device that logged it); the ratio is
 *   beneficiaries per staff member over the period.
 *
 * The pure parts (ordering with capacity, averages, resolved items) work
 * on plain arrays and are tested directly.
 */
#ifndef SS_CENSUS_H
#define SS_CENSUS_H

#include <stddef.h>

#include "buf.h"
#include "central.h"
#include "err.h"
#include "inst.h"

#define CENSUS_INSTRUMENT "ro-household-screening"

typedef struct census_opts {
	const char *locality; /* NULL: every locality */
	const char *from, *to; /* period of services (dates, inclusive); NULL: all */
	long capacity;         /* active cases; <= 0: the stored setting */
	inst_lang lang;        /* labels in CSV */
} census_opts;

/* The indicators as JSON: {"capacity", "period", "overall": {…},
 * "localities": [{"locality", …}]}. */
int census_json(central *c, const census_opts *o, buf *out, err *e);
/* The same as CSV (UTF-8 BOM, RFC 4180): locality, indicator, key, month,
 * place, label, value. */
int census_csv(central *c, const census_opts *o, buf *out, err *e);

/* The priority list: every case in order with rank, person id, locality,
 * dimensions, vulnerabilities, age, priority, active, and its plan
 * (planned, given). JSON, or CSV when csv is set. */
int census_priority(central *c, const census_opts *o, int csv, buf *out, err *e);

/* The capacity of active cases: the stored setting, else the instrument's
 * allocation.max_users. */
int census_capacity(central *c, long *capacity, err *e);
/* Stores a new capacity (1-10,000,000), audited. */
int census_set_capacity(central *c, long capacity, const char *actor, err *e);

/* --- pure parts ---------------------------------------------------------------- */

/* Months "YYYY-MM" from first to last inclusive (both "YYYY-MM…"); 0 if
 * last is before first. */
long census_months_between(const char *first, const char *last);

/* Averages from (period key, beneficiary) pairs already made distinct:
 * the number of pairs divided by nperiods (0 when nperiods is 0). */
double census_average(long pairs, long nperiods);

/* Given the screenings of one person in order (oldest first) as item
 * flags (items[k * nitems + i] = 1 when item i was found in screening k),
 * the index of the first screening finding each item (or -1) in first[],
 * and whether it is resolved by screenings alone in resolved[] (found
 * earlier, not found in the latest). */
void census_resolved_items(const unsigned char *items, size_t nscreenings, size_t nitems,
			   long *first, unsigned char *resolved);

#endif
