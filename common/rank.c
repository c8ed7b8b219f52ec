/*
 * rank: ordering and allocation (see rank.h).
 */
#include "rank.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

long rank_children_places(const rank_capacity *cap)
{
	if (cap->max_users <= 0 || cap->children_share <= 0)
		return 0;
	double x = (double)cap->max_users * cap->children_share;
	double r = nearbyint(x);
	/* 0.29 × 10^8 is 28999999.999999996 in binary: a product within a
	 * relative 1e-9 of a whole number is that number. */
	if (fabs(x - r) <= 1e-9 * fmax(1.0, fabs(x)))
		return (long)r;
	return (long)floor(x);
}

static int cmp_key(const rank_case *a, const rank_case *b, const rank_spec *spec)
{
	for (size_t i = 0; i < spec->nkeys; i++) {
		double x = a->key[i], y = b->key[i];
		int xn = isnan(x), yn = isnan(y);
		if (xn || yn) {
			if (xn != yn)
				return xn ? 1 : -1; /* null after any value */
			continue;
		}
		if (x != y)
			return ((x < y) ^ spec->desc[i]) ? -1 : 1;
	}
	return 0;
}

static int cmp_cases(const void *pa, const void *pb, void *ctx)
{
	const rank_spec *spec = ctx;
	const rank_case *a = *(rank_case *const *)pa, *b = *(rank_case *const *)pb;
	if (a->status != b->status)
		return a->status < b->status ? -1 : 1;
	if (a->status == RANK_INVALID)
		return (a->seq > b->seq) - (a->seq < b->seq);
	int c = cmp_key(a, b, spec);
	if (c)
		return c;
	c = strcmp(a->id ? a->id : "", b->id ? b->id : "");
	if (c)
		return c;
	return (a->seq > b->seq) - (a->seq < b->seq);
}

typedef struct half_sort {
	rank_case **v;
	size_t n;
	const rank_spec *spec;
} half_sort;

static void *sort_half(void *p)
{
	half_sort *h = p;
	qsort_r(h->v, h->n, sizeof *h->v, cmp_cases, (void *)h->spec);
	return NULL;
}

/* From this many cases on, the two halves are sorted on two threads and
 * merged: a million cases took 0.4 s on one core. */
#define RANK_PARALLEL_MIN 65536

void rank_order(rank_case **order, size_t n, const rank_spec *spec)
{
	rank_case **tmp = n >= RANK_PARALLEL_MIN ? malloc(n * sizeof *tmp) : NULL;
	pthread_t tid;
	half_sort h = {order, n / 2, spec};
	if (tmp && pthread_create(&tid, NULL, sort_half, &h) == 0) {
		qsort_r(order + n / 2, n - n / 2, sizeof *order, cmp_cases, (void *)spec);
		pthread_join(tid, NULL);
		/* cmp_cases is a total order (the input position last), so the
		 * merge gives exactly the order one sort gives */
		size_t i = 0, j = n / 2, k = 0;
		while (i < n / 2 && j < n)
			tmp[k++] = cmp_cases(&order[j], &order[i], (void *)spec) < 0 ? order[j++] : order[i++];
		while (i < n / 2)
			tmp[k++] = order[i++];
		while (j < n)
			tmp[k++] = order[j++];
		memcpy(order, tmp, n * sizeof *order);
	} else { /* few cases, or no memory or thread for two */
		qsort_r(order, n, sizeof *order, cmp_cases, (void *)spec);
	}
	free(tmp);
	long r = 0;
	for (size_t i = 0; i < n; i++)
		order[i]->rank = order[i]->status == RANK_ELIGIBLE ? ++r : 0;
}

void rank_allocate(rank_case **order, size_t n, const rank_capacity *cap)
{
	long users = 0, children = 0;
	long child_places = rank_children_places(cap);
	double hours = 0;
	for (size_t i = 0; i < n; i++) {
		rank_case *c = order[i];
		c->limit = RANK_LIMIT_NONE;
		if (c->status == RANK_INELIGIBLE) {
			c->outcome = RANK_OUT_INELIGIBLE;
			continue;
		}
		if (c->status == RANK_INVALID) {
			c->outcome = RANK_OUT_INVALID;
			continue;
		}
		if (users + 1 > cap->max_users)
			c->limit = RANK_LIMIT_USERS;
		else if (c->is_child && children + 1 > child_places)
			c->limit = RANK_LIMIT_CHILDREN;
		else if (cap->has_hours_budget && hours + c->hours > cap->hours_budget)
			c->limit = RANK_LIMIT_HOURS;
		if (c->limit != RANK_LIMIT_NONE) {
			c->outcome = RANK_WAITLISTED;
			continue;
		}
		c->outcome = RANK_APPROVED;
		users++;
		children += c->is_child != 0;
		hours += c->hours;
	}
}

const char *rank_outcome_name(rank_outcome o)
{
	switch (o) {
	case RANK_APPROVED: return "approved";
	case RANK_WAITLISTED: return "waitlisted";
	case RANK_OUT_INELIGIBLE: return "ineligible";
	case RANK_OUT_INVALID: return "invalid";
	case RANK_NONE: break;
	}
	return "none";
}

const char *rank_limit_name(rank_limit l)
{
	switch (l) {
	case RANK_LIMIT_USERS: return "users";
	case RANK_LIMIT_CHILDREN: return "children";
	case RANK_LIMIT_HOURS: return "hours";
	case RANK_LIMIT_NONE: break;
	}
	return NULL;
}
