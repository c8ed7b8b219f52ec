/*
 * test_rank: ordering and allocation (common/rank.c) on hand-made cases —
 * key directions, ties, nulls, the id tie-break, ineligible and invalid
 * cases, each allocation limit and the order in which they are reported —
 * and a property test: random cases in random input orders always give
 * the same order and never exceed any limit.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "test.h"
#include "../common/rank.h"

#define MAXC 16

typedef struct fixture {
	rank_case c[MAXC];
	rank_case *order[MAXC];
	size_t n;
} fixture;

/* Adds a case with up to two keys (NaN = null). */
static rank_case *add(fixture *f, const char *id, double k0, double k1, rank_status st)
{
	rank_case *c = &f->c[f->n];
	memset(c, 0, sizeof *c);
	c->id = id;
	c->key[0] = k0;
	c->key[1] = k1;
	c->status = st;
	c->seq = f->n;
	c->rank = -1;
	f->order[f->n] = c;
	f->n++;
	return c;
}

/* The ids in order, joined with spaces. */
static const char *ids(const fixture *f)
{
	static char out[256];
	size_t k = 0;
	out[0] = '\0';
	for (size_t i = 0; i < f->n; i++)
		k += (size_t)snprintf(out + k, sizeof out - k, "%s%s", i ? " " : "",
				      f->order[i]->id);
	return out;
}

static const rank_spec spec_desc = {1, {1}};
static const rank_spec spec_asc = {1, {0}};

static void rank_order_directions(void)
{
	fixture f = {0};
	add(&f, "a", 5, 0, RANK_ELIGIBLE);
	add(&f, "b", 9, 0, RANK_ELIGIBLE);
	add(&f, "c", 1, 0, RANK_ELIGIBLE);
	add(&f, "d", -3.5, 0, RANK_ELIGIBLE);
	rank_order(f.order, f.n, &spec_desc);
	CHECK_STR(ids(&f), "b a c d");
	for (size_t i = 0; i < f.n; i++)
		CHECK_INT(f.order[i]->rank, (long)i + 1);
	rank_order(f.order, f.n, &spec_asc);
	CHECK_STR(ids(&f), "d c a b");
	CHECK_INT(f.c[3].rank, 1); /* d */
	CHECK_INT(f.c[1].rank, 4); /* b */
}

static void rank_order_multi_key_ties(void)
{
	fixture f = {0};
	rank_spec spec = {2, {1, 0}}; /* first desc, then asc */
	add(&f, "a", 5, 3, RANK_ELIGIBLE);
	add(&f, "b", 5, 1, RANK_ELIGIBLE);
	add(&f, "c", 7, 9, RANK_ELIGIBLE);
	add(&f, "d", 5, 2, RANK_ELIGIBLE);
	add(&f, "e", 5, 2, RANK_ELIGIBLE); /* equal to d on both keys: id decides */
	rank_order(f.order, f.n, &spec);
	CHECK_STR(ids(&f), "c b d e a");
	spec.desc[1] = 1;
	rank_order(f.order, f.n, &spec);
	CHECK_STR(ids(&f), "c a d e b");
	/* a third key that is not used by the spec does not matter */
	f.c[4].key[2] = -100;
	spec.nkeys = 2;
	rank_order(f.order, f.n, &spec);
	CHECK_STR(ids(&f), "c a d e b");
}

static void rank_order_null_last(void)
{
	fixture f = {0};
	add(&f, "a", NAN, 0, RANK_ELIGIBLE);
	add(&f, "b", 1, 0, RANK_ELIGIBLE);
	add(&f, "c", 3, 0, RANK_ELIGIBLE);
	add(&f, "0", NAN, 0, RANK_ELIGIBLE);
	add(&f, "z", -1e300, 0, RANK_ELIGIBLE);
	rank_order(f.order, f.n, &spec_desc);
	CHECK_STR(ids(&f), "c b z 0 a");
	rank_order(f.order, f.n, &spec_asc);
	CHECK_STR(ids(&f), "z b c 0 a");
	/* null on the first key: the second key still orders the nulls */
	fixture g = {0};
	rank_spec spec = {2, {1, 1}};
	add(&g, "a", NAN, 1, RANK_ELIGIBLE);
	add(&g, "b", NAN, 7, RANK_ELIGIBLE);
	add(&g, "c", 2, NAN, RANK_ELIGIBLE);
	add(&g, "d", 2, 0, RANK_ELIGIBLE);
	add(&g, "e", NAN, NAN, RANK_ELIGIBLE);
	rank_order(g.order, g.n, &spec);
	CHECK_STR(ids(&g), "d c b a e");
	CHECK_INT(g.c[4].rank, 5);
}

static void rank_order_id_tiebreak(void)
{
	fixture f = {0};
	add(&f, "b", 1, 0, RANK_ELIGIBLE);
	add(&f, "a9", 1, 0, RANK_ELIGIBLE);
	add(&f, "a10", 1, 0, RANK_ELIGIBLE);
	add(&f, "B", 1, 0, RANK_ELIGIBLE);
	add(&f, "a", 1, 0, RANK_ELIGIBLE);
	add(&f, "\xD0\x96", 1, 0, RANK_ELIGIBLE); /* Ж: bytes above ASCII */
	rank_order(f.order, f.n, &spec_desc);
	CHECK_STR(ids(&f), "B a a10 a9 b \xD0\x96"); /* bytewise, ascending */
	rank_order(f.order, f.n, &spec_asc);      /* the id is ascending either way */
	CHECK_STR(ids(&f), "B a a10 a9 b \xD0\x96");
}

static void rank_order_statuses(void)
{
	fixture f = {0};
	add(&f, "x1", 9, 0, RANK_INVALID)->seq = 7;
	add(&f, "i1", 100, 0, RANK_INELIGIBLE);
	add(&f, "e1", 2, 0, RANK_ELIGIBLE);
	add(&f, "x2", 50, 0, RANK_INVALID)->seq = 3;
	add(&f, "i2", 1, 0, RANK_INELIGIBLE);
	add(&f, "e2", 8, 0, RANK_ELIGIBLE);
	add(&f, "a0", NAN, 0, RANK_INVALID)->seq = 5;
	add(&f, "i0", 1, 0, RANK_INELIGIBLE);
	rank_order(f.order, f.n, &spec_desc);
	CHECK_STR(ids(&f), "e2 e1 i1 i0 i2 x2 a0 x1");
	CHECK_INT(f.c[5].rank, 1);
	CHECK_INT(f.c[2].rank, 2);
	for (size_t i = 2; i < f.n; i++)
		CHECK_INT(f.order[i]->rank, 0);
	rank_order(f.order, f.n, &spec_asc);
	CHECK_STR(ids(&f), "e1 e2 i0 i2 i1 x2 a0 x1");
}

static rank_capacity cap_of(long users, double share, int has_hours, double hours)
{
	rank_capacity c = {users, share, has_hours, hours};
	return c;
}

/* Outcome of each case (in input order): A approved, u/c/h waitlisted for
 * users/children/hours, I ineligible, X invalid. */
static const char *outcomes(const fixture *f)
{
	static char out[MAXC + 1];
	for (size_t i = 0; i < f->n; i++) {
		const rank_case *c = &f->c[i];
		char ch = '?';
		if (c->outcome == RANK_APPROVED && c->limit == RANK_LIMIT_NONE)
			ch = 'A';
		else if (c->outcome == RANK_WAITLISTED)
			ch = c->limit == RANK_LIMIT_USERS ? 'u' : c->limit == RANK_LIMIT_CHILDREN ? 'c' :
			     c->limit == RANK_LIMIT_HOURS ? 'h' : '?';
		else if (c->outcome == RANK_OUT_INELIGIBLE && c->limit == RANK_LIMIT_NONE)
			ch = 'I';
		else if (c->outcome == RANK_OUT_INVALID && c->limit == RANK_LIMIT_NONE)
			ch = 'X';
		out[i] = ch;
	}
	out[f->n] = '\0';
	return out;
}

/* n eligible adults with keys n, n-1, … so that input order = rank order. */
static void line_up(fixture *f, size_t n)
{
	static const char *const names[] = {"c01", "c02", "c03", "c04", "c05", "c06", "c07",
					    "c08", "c09", "c10", "c11", "c12"};
	f->n = 0;
	for (size_t i = 0; i < n; i++)
		add(f, names[i], (double)(n - i), 0, RANK_ELIGIBLE);
}

static void rank_allocate_users_limit(void)
{
	fixture f = {0};
	line_up(&f, 5);
	rank_capacity cap = cap_of(3, 0.25, 0, 0);
	rank_order(f.order, f.n, &spec_desc);
	rank_allocate(f.order, f.n, &cap);
	CHECK_STR(outcomes(&f), "AAAuu");
}

static void rank_allocate_children_limit(void)
{
	fixture f = {0};
	line_up(&f, 8);
	rank_capacity cap = cap_of(10, 0.3, 0, 0); /* 3 child places */
	for (size_t i = 0; i < 5; i++)
		f.c[i].is_child = 1;
	rank_order(f.order, f.n, &spec_desc);
	rank_allocate(f.order, f.n, &cap);
	CHECK_STR(outcomes(&f), "AAAccAAA");
	/* 4 users: the children's refusals leave room for adults */
	cap = cap_of(4, 1.0, 0, 0);
	rank_allocate(f.order, f.n, &cap);
	CHECK_STR(outcomes(&f), "AAAAuuuu");
	cap = cap_of(4, 0.5, 0, 0); /* 2 child places */
	rank_allocate(f.order, f.n, &cap);
	CHECK_STR(outcomes(&f), "AAcccAAu");
}

static void rank_allocate_hours_budget(void)
{
	fixture f = {0};
	line_up(&f, 6);
	double h[] = {60, 50, 30, 11, 10, 0};
	for (size_t i = 0; i < 6; i++)
		f.c[i].hours = h[i];
	rank_capacity cap = cap_of(10, 0.25, 1, 100);
	rank_order(f.order, f.n, &spec_desc);
	rank_allocate(f.order, f.n, &cap);
	/* 60 fits; 50 would make 110; 30 → 90; 11 → 101 no; 10 → exactly 100 */
	CHECK_STR(outcomes(&f), "AhAhAA");
	/* without a budget the hours do not count */
	cap = cap_of(10, 0.25, 0, 100);
	rank_allocate(f.order, f.n, &cap);
	CHECK_STR(outcomes(&f), "AAAAAA");
}

static void rank_allocate_reason_order(void)
{
	fixture f = {0};
	line_up(&f, 6);
	/* c01 adult 5h, c02 child 5h, c03 child 50h, c04 adult 50h, c05 child 1h,
	 * c06 adult 1h; 3 users, 1 child place, 20 hours */
	double h[] = {5, 5, 50, 50, 1, 1};
	int child[] = {0, 1, 1, 0, 1, 0};
	for (size_t i = 0; i < 6; i++) {
		f.c[i].hours = h[i];
		f.c[i].is_child = child[i];
	}
	rank_capacity cap = cap_of(3, 0.34, 1, 20);
	CHECK_INT(rank_children_places(&cap), 1);
	rank_order(f.order, f.n, &spec_desc);
	rank_allocate(f.order, f.n, &cap);
	/* c03: children and hours both stop it: children is reported; c04:
	 * hours; c05 children; c06 fits (third user) */
	CHECK_STR(outcomes(&f), "AAchcA");
	/* once the users are full, users is the reason even for a child */
	f.c[5].hours = 100;
	f.c[3].hours = 1;
	rank_allocate(f.order, f.n, &cap);
	CHECK_STR(outcomes(&f), "AAcAuu");
	CHECK_STR(rank_limit_name(f.c[4].limit), "users");
	CHECK_STR(rank_limit_name(f.c[2].limit), "children");
	CHECK(rank_limit_name(f.c[0].limit) == NULL);
	CHECK_STR(rank_outcome_name(f.c[0].outcome), "approved");
	CHECK_STR(rank_outcome_name(f.c[4].outcome), "waitlisted");
}

static void rank_allocate_zero_capacity(void)
{
	fixture f = {0};
	line_up(&f, 3);
	f.c[1].is_child = 1;
	rank_order(f.order, f.n, &spec_desc);
	rank_capacity cap = cap_of(0, 0.25, 0, 0);
	rank_allocate(f.order, f.n, &cap);
	CHECK_STR(outcomes(&f), "uuu");
	cap = cap_of(5, 0, 0, 0); /* no child places */
	rank_allocate(f.order, f.n, &cap);
	CHECK_STR(outcomes(&f), "AcA");
	cap = cap_of(5, 0.25, 0, 0); /* floor(1.25) = 1 */
	rank_allocate(f.order, f.n, &cap);
	CHECK_STR(outcomes(&f), "AAA");
	cap = cap_of(5, 0.1, 1, 0); /* no hours: only 0-hour cases fit */
	f.c[2].hours = 0.5;
	rank_allocate(f.order, f.n, &cap);
	CHECK_STR(outcomes(&f), "Ach");
}

static void rank_allocate_ineligible_invalid(void)
{
	fixture f = {0};
	add(&f, "x", 10, 0, RANK_INVALID);
	add(&f, "i", 10, 0, RANK_INELIGIBLE)->hours = 1000;
	add(&f, "e1", 5, 0, RANK_ELIGIBLE)->hours = 10;
	add(&f, "e2", 4, 0, RANK_ELIGIBLE)->hours = 10;
	add(&f, "e3", 3, 0, RANK_ELIGIBLE)->hours = 10;
	rank_order(f.order, f.n, &spec_desc);
	rank_capacity cap = cap_of(2, 0.25, 1, 20);
	rank_allocate(f.order, f.n, &cap);
	/* neither takes a place nor hours */
	CHECK_STR(outcomes(&f), "XIAAu");
	CHECK_INT(f.c[0].rank, 0);
	CHECK_INT(f.c[1].rank, 0);
	CHECK_STR(rank_outcome_name(f.c[0].outcome), "invalid");
	CHECK_STR(rank_outcome_name(f.c[1].outcome), "ineligible");
	CHECK_STR(rank_outcome_name(RANK_NONE), "none");
}

static long places(long users, double share)
{
	rank_capacity c = cap_of(users, share, 0, 0);
	return rank_children_places(&c);
}

static void rank_children_places_floor(void)
{
	CHECK_INT(places(10, 0.3), 3);
	CHECK_INT(places(150, 0.25), 37);
	CHECK_INT(places(12, 0.25), 3);
	CHECK_INT(places(0, 0.25), 0);
	CHECK_INT(places(0, 1.0), 0);
	CHECK_INT(places(100, 0.29), 29);  /* 28.999999999999996 in binary */
	CHECK_INT(places(100, 0.57), 57);  /* 56.99999999999999 */
	CHECK_INT(places(7, 0.0), 0);
	CHECK_INT(places(7, 1.0), 7);
	CHECK_INT(places(-5, 0.5), 0);
	CHECK_INT(places(9, 0.999), 8);
	CHECK_INT(places(5200, 1.0), 5200);
	CHECK_INT(places(1000000000, 0.25), 250000000);
}

/* The loader accepts max_users up to 1e9 (and the rank command's flags
 * override it): floor(max_users × share) must stay exact there too. In
 * binary 1e8 × 0.29 is 28999999.999999996, 4e-9 below the integer: an
 * absolute tolerance of 1e-9 is not enough, it must be relative. */
static void rank_children_places_large_max_users(void)
{
	CHECK_INT(places(100000000, 0.29), 29000000);
	CHECK_INT(places(1000000000, 0.57), 570000000);
	CHECK_INT(places(200000000, 0.29), 58000000);
}

/* --- property test ---------------------------------------------------- */

#define NPROP 500

static uint64_t rnd(uint64_t *s)
{
	uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

static size_t below(uint64_t *s, size_t n)
{
	return (size_t)(rnd(s) % n);
}

/* Independent statement of the order: 1 when a must come before b. */
static int before(const rank_case *a, const rank_case *b, const rank_spec *spec)
{
	if (a->status != b->status)
		return a->status < b->status;
	if (a->status == RANK_INVALID)
		return a->seq < b->seq;
	for (size_t k = 0; k < spec->nkeys; k++) {
		double x = a->key[k], y = b->key[k];
		if (isnan(x) && isnan(y))
			continue;
		if (isnan(x) || isnan(y))
			return isnan(y);
		if (x != y)
			return spec->desc[k] ? x > y : x < y;
	}
	return strcmp(a->id, b->id) < 0;
}

static void rank_property_shuffles(void)
{
	static rank_case cases[NPROP];
	static rank_case *order[NPROP];
	static char idbuf[NPROP][8];
	static char first_ids[NPROP][8];
	static rank_outcome first_out[NPROP];
	uint64_t seed = 20260301;
	const rank_spec spec = {4, {1, 0, 1, 0}};
	const rank_capacity cap = {120, 0.25, 1, 6000};
	const long child_places = rank_children_places(&cap);
	CHECK_INT(child_places, 30);
	for (size_t i = 0; i < NPROP; i++) {
		rank_case *c = &cases[i];
		memset(c, 0, sizeof *c);
		snprintf(idbuf[i], sizeof idbuf[i], "p%03zu", (i * 7919) % NPROP);
		c->id = idbuf[i];
		/* few distinct values, so that ties are common */
		/* negative values, -0 beside 0 (one value), infinities: the
		 * sort compares codes of the first two keys (rank.c) */
		c->key[0] = below(&seed, 10) == 0 ? NAN : (double)below(&seed, 20) - 10;
		if (c->key[0] == 0 && below(&seed, 2))
			c->key[0] = -0.0;
		if (below(&seed, 50) == 0)
			c->key[0] = below(&seed, 2) ? INFINITY : -INFINITY;
		c->key[1] = below(&seed, 10) == 0 ? NAN : (double)below(&seed, 4) / 4 - 0.5;
		if (c->key[1] == 0 && below(&seed, 2))
			c->key[1] = -0.0;
		c->key[2] = (double)below(&seed, 3);
		c->key[3] = below(&seed, 5) == 0 ? NAN : (double)below(&seed, 2);
		size_t st = below(&seed, 20);
		c->status = st == 0 ? RANK_INVALID : st < 3 ? RANK_INELIGIBLE : RANK_ELIGIBLE;
		c->is_child = below(&seed, 3) == 0;
		c->hours = (double)below(&seed, 169);
		c->seq = i;
		order[i] = c;
	}
	int bad_order = 0, bad_same = 0, bad_limit = 0, bad_rank = 0, bad_reason = 0;
	for (int round = 0; round < 200; round++) {
		for (size_t i = NPROP - 1; i > 0; i--) { /* Fisher-Yates */
			size_t j = below(&seed, i + 1);
			rank_case *t = order[i];
			order[i] = order[j];
			order[j] = t;
		}
		rank_order(order, NPROP, &spec);
		rank_allocate(order, NPROP, &cap);
		long users = 0, children = 0, next_rank = 0;
		double hours = 0;
		for (size_t i = 0; i < NPROP; i++) {
			const rank_case *c = order[i];
			if (i + 1 < NPROP && !before(c, order[i + 1], &spec))
				bad_order++;
			if (round == 0) {
				snprintf(first_ids[i], sizeof first_ids[i], "%s", c->id);
				first_out[i] = c->outcome;
			} else if (strcmp(first_ids[i], c->id) || first_out[i] != c->outcome) {
				bad_same++;
			}
			if (c->rank != (c->status == RANK_ELIGIBLE ? ++next_rank : 0))
				bad_rank++;
			if (c->outcome == RANK_APPROVED) {
				users++;
				children += c->is_child;
				hours += c->hours;
			} else if (c->outcome == RANK_WAITLISTED) {
				/* the reason given is the first limit that stops it */
				rank_limit want = users + 1 > cap.max_users ? RANK_LIMIT_USERS :
						  c->is_child && children + 1 > child_places ?
						  RANK_LIMIT_CHILDREN :
						  hours + c->hours > cap.hours_budget ? RANK_LIMIT_HOURS :
						  RANK_LIMIT_NONE;
				if (want == RANK_LIMIT_NONE || c->limit != want)
					bad_reason++;
			} else if (c->outcome != (c->status == RANK_INELIGIBLE ? RANK_OUT_INELIGIBLE :
						  RANK_OUT_INVALID) || c->status == RANK_ELIGIBLE) {
				bad_reason++;
			}
		}
		if (users > cap.max_users || children > child_places || hours > cap.hours_budget)
			bad_limit++;
		if (round == 0) /* the limits are actually reached */
			CHECK(users == cap.max_users || hours > cap.hours_budget - 168);
	}
	CHECK_INT(bad_order, 0);
	CHECK_INT(bad_same, 0);
	CHECK_INT(bad_limit, 0);
	CHECK_INT(bad_rank, 0);
	CHECK_INT(bad_reason, 0);
}

/* Over RANK_PARALLEL_MIN cases the halves are sorted on two threads and
 * merged: the same total order (ties down to the input position, ids
 * repeated), every case once. */
#define NBIG 150001

static void rank_order_parallel_merge(void)
{
	rank_case *cases = calloc(NBIG, sizeof *cases);
	rank_case **order = calloc(NBIG, sizeof *order);
	char (*idbuf)[8] = calloc(NBIG, sizeof *idbuf);
	unsigned char *seen = calloc(NBIG, 1);
	if (!cases || !order || !idbuf || !seen) {
		CHECK(0);
		goto out;
	}
	uint64_t seed = 77;
	const rank_spec spec = {2, {1, 0}};
	for (size_t i = 0; i < NBIG; i++) {
		rank_case *c = &cases[i];
		snprintf(idbuf[i], sizeof idbuf[i], "q%05zu", (size_t)below(&seed, 40000));
		c->id = idbuf[i];
		c->key[0] = below(&seed, 10) == 0 ? NAN : (double)below(&seed, 30);
		c->key[1] = (double)below(&seed, 3);
		size_t st = below(&seed, 20);
		c->status = st == 0 ? RANK_INVALID : st < 3 ? RANK_INELIGIBLE : RANK_ELIGIBLE;
		c->seq = i;
		order[i] = c;
	}
	rank_order(order, NBIG, &spec);
	size_t bad = 0, twice = 0;
	for (size_t i = 0; i < NBIG; i++) {
		if (seen[order[i]->seq]++)
			twice++;
		if (i + 1 < NBIG) {
			const rank_case *a = order[i], *b = order[i + 1];
			int ok = before(a, b, &spec) ||
				 (!before(b, a, &spec) && a->status != RANK_INVALID && a->seq < b->seq);
			bad += !ok;
		}
	}
	CHECK_INT(twice, 0);
	CHECK_INT(bad, 0);
out:
	free(cases);
	free(order);
	free(idbuf);
	free(seen);
}

TEST_TABLE(rank) = {
	{"rank_order_directions", rank_order_directions},
	{"rank_order_multi_key_ties", rank_order_multi_key_ties},
	{"rank_order_null_last", rank_order_null_last},
	{"rank_order_id_tiebreak", rank_order_id_tiebreak},
	{"rank_order_statuses", rank_order_statuses},
	{"rank_allocate_users_limit", rank_allocate_users_limit},
	{"rank_allocate_children_limit", rank_allocate_children_limit},
	{"rank_allocate_hours_budget", rank_allocate_hours_budget},
	{"rank_allocate_reason_order", rank_allocate_reason_order},
	{"rank_allocate_zero_capacity", rank_allocate_zero_capacity},
	{"rank_allocate_ineligible_invalid", rank_allocate_ineligible_invalid},
	{"rank_children_places_floor", rank_children_places_floor},
	{"rank_children_places_large_max_users", rank_children_places_large_max_users},
	{"rank_property_shuffles", rank_property_shuffles},
	{"rank_order_parallel_merge", rank_order_parallel_merge},
	{NULL, NULL},
};
