/*
 * census: indicators of the Romanian community census (see census.h for
 * the definitions).
 *
 * Everything is read once from the central store into plain arrays
 * (screenings with their item flags and the server's outputs, services),
 * then each locality and the whole are computed by sorting and counting
 * runs: a county (121,000 people, 550,000 services) stays a few sorts.
 */
#include "census.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expr.h"
#include "json.h"
#include "rank.h"
#include "report.h"

/* --- pure parts ------------------------------------------------------------------ */

long census_months_between(const char *first, const char *last)
{
	int y1, m1, y2, m2;
	if (!first || !last || sscanf(first, "%4d-%2d", &y1, &m1) != 2 ||
	    sscanf(last, "%4d-%2d", &y2, &m2) != 2)
		return 0;
	long n = (long)(y2 - y1) * 12 + (m2 - m1) + 1;
	return n > 0 ? n : 0;
}

double census_average(long pairs, long nperiods)
{
	return nperiods > 0 ? (double)pairs / (double)nperiods : 0.0;
}

void census_resolved_items(const unsigned char *items, size_t nscreenings, size_t nitems,
			   long *first, unsigned char *resolved)
{
	for (size_t i = 0; i < nitems; i++) {
		first[i] = -1;
		resolved[i] = 0;
		for (size_t k = 0; k < nscreenings; k++)
			if (items[k * nitems + i]) {
				first[i] = (long)k;
				break;
			}
		if (nscreenings && first[i] >= 0 && !items[(nscreenings - 1) * nitems + i])
			resolved[i] = 1;
	}
}

/* --- loaded data ------------------------------------------------------------------ */

typedef struct scr {
	char *assessment, *person, *locality, *assessed_on, *priority;
	int is_case;
	double dims, vulns, age;
	double key[RANK_MAX_KEYS];
	unsigned char *items; /* nitems flags */
} scr;

typedef struct svc {
	const char *benef, *type, *place; /* interned (cen.benefs, types, places) */
	uint32_t benef_id, staff_id, type_id, place_id; /* ids in those tables */
	char date[11];
	long day, month, minutes; /* days since 1970, year × 12 + month − 1 */
	int is_person, planned;
	int loc;        /* index in cen.locs */
	char *resolves; /* owned; NULL mostly */
} svc;

/* Strings interned once (a county has 550,000 services but a few dozen
 * types and places, a few hundred workers): id = order of first sight. */
typedef struct strtab {
	char **s;
	size_t n, cap;
	uint32_t *slot; /* open addressing: id + 1, 0 empty */
	size_t nslot;
} strtab;

static uint64_t str_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

/* The id of s in t; inserted (copied) unless find_only. -1 when absent
 * (find_only) or out of memory. */
static long strtab_id(strtab *t, const char *s, int find_only)
{
	if (t->nslot) {
		for (size_t i = (size_t)(str_hash(s) & (t->nslot - 1));; i = (i + 1) & (t->nslot - 1)) {
			if (!t->slot[i])
				break;
			if (!strcmp(t->s[t->slot[i] - 1], s))
				return (long)t->slot[i] - 1;
		}
	}
	if (find_only)
		return -1;
	if ((t->n + 1) * 2 > t->nslot) { /* grow and rehash */
		size_t ns = t->nslot ? t->nslot * 2 : 64;
		uint32_t *sl = calloc(ns, sizeof *sl);
		if (!sl)
			return -1;
		for (size_t k = 0; k < t->n; k++) {
			size_t i = (size_t)(str_hash(t->s[k]) & (ns - 1));
			while (sl[i])
				i = (i + 1) & (ns - 1);
			sl[i] = (uint32_t)k + 1;
		}
		free(t->slot);
		t->slot = sl;
		t->nslot = ns;
	}
	if (t->n == t->cap) {
		size_t nc = t->cap ? t->cap * 2 : 64;
		char **g = realloc(t->s, nc * sizeof *g);
		if (!g)
			return -1;
		t->s = g;
		t->cap = nc;
	}
	char *copy = strdup(s);
	if (!copy)
		return -1;
	t->s[t->n] = copy;
	size_t i = (size_t)(str_hash(s) & (t->nslot - 1));
	while (t->slot[i])
		i = (i + 1) & (t->nslot - 1);
	t->slot[i] = (uint32_t)t->n + 1;
	return (long)t->n++;
}

static void strtab_free(strtab *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->s[i]);
	free(t->s);
	free(t->slot);
	memset(t, 0, sizeof *t);
}

typedef struct person_st {
	size_t first_scr, nscr; /* its screenings in cen.s */
	int loc;
	long rank;
	int active;
	long planned, plan_given;
	unsigned char *resolved; /* nitems */
} person_st;

typedef struct cen {
	instrument *in;
	size_t ndims, nitems;
	int dim_section[32];
	struct {
		int slot, dim;
	} item[128];
	char **locs;
	size_t nlocs;
	long *households, *people; /* per locality */
	scr *s;
	size_t ns;
	svc *v;
	size_t nv;
	person_st *p;
	size_t np;
	long capacity;
	char first_month[8], last_month[8];
	strtab benefs, staff, types, places;
} cen;

static char *dup_text(const char *s)
{
	return strdup(s ? s : "");
}

static void cen_free(cen *c)
{
	for (size_t i = 0; i < c->ns; i++) {
		free(c->s[i].assessment);
		free(c->s[i].person);
		free(c->s[i].locality);
		free(c->s[i].assessed_on);
		free(c->s[i].priority);
		free(c->s[i].items);
	}
	free(c->s);
	for (size_t i = 0; i < c->nv; i++)
		free(c->v[i].resolves);
	free(c->v);
	for (size_t i = 0; i < c->np; i++)
		free(c->p[i].resolved);
	free(c->p);
	for (size_t i = 0; i < c->nlocs; i++)
		free(c->locs[i]);
	free(c->locs);
	free(c->households);
	free(c->people);
	strtab_free(&c->benefs);
	strtab_free(&c->staff);
	strtab_free(&c->types);
	strtab_free(&c->places);
	inst_free(c->in);
}

/* qsort, but never with a NULL base (an empty array may have none) */
static void sort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	if (base && n > 1)
		qsort(base, n, size, cmp);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int loc_index(const cen *c, const char *name)
{
	if (!name || !c->nlocs)
		return -1;
	char *const *hit = bsearch(&name, c->locs, c->nlocs, sizeof *c->locs, cmp_str);
	return hit ? (int)(hit - c->locs) : -1;
}

/* Dimensions are the instrument's sections that hold yes/no items; their
 * items are those yes/no items. */
static int load_dimensions(cen *c, err *e)
{
	const instrument *in = c->in;
	for (size_t s = 0; s < in->nsections; s++) {
		int dim = -1;
		for (size_t f = in->sections[s].first; f < in->sections[s].first + in->sections[s].count; f++) {
			if (in->fields[f].kind != INST_ITEM || in->fields[f].type != INST_YESNO)
				continue;
			if (dim < 0) {
				if (c->ndims == sizeof c->dim_section / sizeof c->dim_section[0])
					return err_set(e, ERR_LIMIT, "%s: too many dimensions", in->id);
				dim = (int)c->ndims;
				c->dim_section[c->ndims++] = (int)s;
			}
			if (c->nitems == sizeof c->item / sizeof c->item[0])
				return err_set(e, ERR_LIMIT, "%s: too many items", in->id);
			c->item[c->nitems].slot = (int)f;
			c->item[c->nitems++].dim = dim;
		}
	}
	return 0;
}

static double output_key(const cJSON *outputs, const instrument *in, const inst_rank_key *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(outputs, in->fields[k->slot].id);
	if (cJSON_IsNumber(v))
		return v->valuedouble;
	if (cJSON_IsBool(v))
		return cJSON_IsTrue(v) ? 1 : 0;
	if (cJSON_IsString(v) && k->priority) {
		for (size_t i = 0; i < k->npriority; i++)
			if (!strcmp(k->priority[i], v->valuestring))
				return (double)i;
	}
	return NAN;
}

static double out_num(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsNumber(v) ? v->valuedouble : cJSON_IsBool(v) ? (cJSON_IsTrue(v) ? 1 : 0) : NAN;
}

#define GROW(arr, n, cap)                                                              \
	do {                                                                           \
		if ((n) == (cap)) {                                                    \
			size_t nc_ = (cap) ? (cap) * 2 : 256;                          \
			void *g_ = realloc((arr), nc_ * sizeof *(arr));                \
			if (!g_) {                                                     \
				rc = err_set(e, ERR_NOMEM, "out of memory");           \
				goto done;                                             \
			}                                                              \
			(arr) = g_;                                                    \
			(cap) = nc_;                                                   \
		}                                                                      \
	} while (0)

static int load_screenings(central *ce, cen *c, err *e)
{
	db_stmt st;
	size_t cap = 0;
	int rc = db_prepare(&ce->d, &st,
			    "SELECT r.id, r.locality, coalesce(json_extract(r.body, '$.person.id'), r.id),"
			    " json_extract(r.body, '$.assessed_on'), json_extract(r.body, '$.answers'), s.outputs"
			    " FROM record r JOIN score s ON s.assessment_id = r.id AND s.head = r.head"
			    " AND s.valid = 1 WHERE r.kind = 'assessment'"
			    " AND json_extract(r.body, '$.instrument') = :i"
			    " AND json_extract(r.body, '$.status') = 'final' ORDER BY 3, 4, 1", e);
	if (rc)
		return rc;
	db_bind_text(&st, ":i", CENSUS_INSTRUMENT, -1);
	while ((rc = db_step(&st, e)) == 1) {
		GROW(c->s, c->ns, cap);
		scr *s = &c->s[c->ns];
		memset(s, 0, sizeof *s);
		c->ns++;
		s->assessment = dup_text(db_col_text(&st, 0));
		s->locality = dup_text(db_col_text(&st, 1));
		s->person = dup_text(db_col_text(&st, 2));
		s->assessed_on = dup_text(db_col_text(&st, 3));
		s->items = calloc(c->nitems ? c->nitems : 1, 1);
		cJSON *ans = cJSON_Parse(db_col_text(&st, 4) ? db_col_text(&st, 4) : "{}");
		cJSON *out = cJSON_Parse(db_col_text(&st, 5) ? db_col_text(&st, 5) : "{}");
		if (!s->assessment || !s->locality || !s->person || !s->assessed_on || !s->items) {
			cJSON_Delete(ans);
			cJSON_Delete(out);
			rc = err_set(e, ERR_NOMEM, "out of memory");
			goto done;
		}
		for (size_t i = 0; i < c->nitems; i++) {
			const inst_field *f = &c->in->fields[c->item[i].slot];
			s->items[i] = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ans, f->id)) ? 1 : 0;
		}
		double is_case = out_num(out, "is_case");
		s->is_case = is_case == 1;
		s->dims = out_num(out, "dimensions_hit");
		s->vulns = out_num(out, "vulnerabilities");
		s->age = out_num(out, "age");
		const cJSON *pr = cJSON_GetObjectItemCaseSensitive(out, "priority");
		s->priority = cJSON_IsString(pr) ? strdup(pr->valuestring) : NULL;
		const inst_ranking *rk = &c->in->ranking;
		for (size_t k = 0; k < rk->nkeys && k < RANK_MAX_KEYS; k++)
			s->key[k] = output_key(out, c->in, &rk->keys[k]);
		cJSON_Delete(ans);
		cJSON_Delete(out);
	}
	rc = rc < 0 ? rc : 0;
done:
	db_finalize(&st);
	return rc;
}

static int load_services(central *ce, cen *c, err *e)
{
	db_stmt st;
	size_t cap = 0;
	int rc = db_prepare(&ce->d, &st,
			    /* the worker: named in the record, else the assessor of the
			     * device that sent its first revision */
			    "SELECT h.locality, json_extract(v.body, '$.person_id'),"
			    " json_extract(v.body, '$.household_id'), json_extract(v.body, '$.type'),"
			    " json_extract(v.body, '$.date'), json_extract(v.body, '$.minutes'),"
			    " json_extract(v.body, '$.place'), json_extract(v.body, '$.status'),"
			    " json_extract(v.body, '$.resolves'),"
			    " coalesce(json_extract(v.body, '$.worker'), (SELECT d.assessor FROM json_each(h.revs) j"
			    "  JOIN revision f ON f.seq = j.value JOIN device d ON d.id = f.device_id"
			    "  ORDER BY f.rev LIMIT 1), '')"
			    " FROM record_head h JOIN revision v ON v.seq = h.rev_seq WHERE h.kind = 'service'", e);
	if (rc)
		return rc;
	while ((rc = db_step(&st, e)) == 1) {
		const char *loc = db_col_text(&st, 0), *date = db_col_text(&st, 4);
		/* only the census localities, and dated services */
		if (loc_index(c, loc) < 0 || !report_date_valid(date))
			continue;
		GROW(c->v, c->nv, cap);
		svc *v = &c->v[c->nv];
		memset(v, 0, sizeof *v);
		c->nv++;
		v->is_person = !db_col_is_null(&st, 1);
		const char *type = db_col_text(&st, 3), *place = db_col_text(&st, 6);
		const char *staff = db_col_text(&st, 9);
		long b = strtab_id(&c->benefs, db_col_text(&st, v->is_person ? 1 : 2) ? db_col_text(&st, v->is_person ? 1 : 2) : "", 0);
		long w = strtab_id(&c->staff, staff ? staff : "", 0);
		long t = strtab_id(&c->types, type ? type : "", 0);
		long pl = strtab_id(&c->places, place ? place : "", 0);
		if (b < 0 || w < 0 || t < 0 || pl < 0) {
			rc = err_set(e, ERR_NOMEM, "out of memory");
			goto done;
		}
		v->benef_id = (uint32_t)b;
		v->staff_id = (uint32_t)w;
		v->type_id = (uint32_t)t;
		v->place_id = (uint32_t)pl;
		v->benef = c->benefs.s[b];
		v->type = c->types.s[t];
		v->place = c->places.s[pl];
		v->loc = loc_index(c, loc);
		memcpy(v->date, date, 10);
		int y, m;
		expr_parse_date(date, 10, &v->day);
		v->month = sscanf(date, "%4d-%2d", &y, &m) == 2 ? (long)y * 12 + m - 1 : 0;
		v->minutes = (long)db_col_int(&st, 5);
		v->planned = db_col_text(&st, 7) && !strcmp(db_col_text(&st, 7), "planned");
		if (!db_col_is_null(&st, 8) && !(v->resolves = strdup(db_col_text(&st, 8)))) {
			rc = err_set(e, ERR_NOMEM, "out of memory");
			goto done;
		}
	}
	rc = rc < 0 ? rc : 0;
done:
	db_finalize(&st);
	return rc;
}

static int load_localities(central *ce, cen *c, const char *only, err *e)
{
	db_stmt st;
	size_t cap = 0;
	int rc = db_prepare(&ce->d, &st,
			    "SELECT DISTINCT locality FROM record WHERE kind = 'assessment'"
			    " AND json_extract(body, '$.instrument') = :i ORDER BY locality", e);
	if (rc)
		return rc;
	db_bind_text(&st, ":i", CENSUS_INSTRUMENT, -1);
	while ((rc = db_step(&st, e)) == 1) {
		GROW(c->locs, c->nlocs, cap);
		if (!(c->locs[c->nlocs] = dup_text(db_col_text(&st, 0)))) {
			rc = err_set(e, ERR_NOMEM, "out of memory");
			goto done;
		}
		c->nlocs++;
	}
	db_finalize(&st);
	if (rc < 0)
		return rc;
	/* SQLite's order is bytewise, as strcmp's: bsearch works */
	sort(c->locs, c->nlocs, sizeof *c->locs, cmp_str);
	if (only && loc_index(c, only) < 0)
		return err_set(e, ERR_NOTFOUND, "no census screening in locality \"%.120s\"", only);
	c->households = calloc(c->nlocs + 1, sizeof *c->households);
	c->people = calloc(c->nlocs + 1, sizeof *c->people);
	if (!c->households || !c->people)
		return err_set(e, ERR_NOMEM, "out of memory");
	if ((rc = db_prepare(&ce->d, &st,
			     "SELECT locality, kind, count(*) FROM record WHERE kind IN ('household', 'person')"
			     " GROUP BY locality, kind", e)))
		return rc;
	while ((rc = db_step(&st, e)) == 1) {
		int li = loc_index(c, db_col_text(&st, 0));
		if (li < 0)
			continue;
		long n = (long)db_col_int(&st, 2);
		if (!strcmp(db_col_text(&st, 1), "household"))
			c->households[li] += n;
		else
			c->people[li] += n;
	}
	rc = rc < 0 ? rc : 0;
done:
	db_finalize(&st);
	return rc;
}

static int cmp_svc_benef(const void *a, const void *b)
{
	const svc *x = a, *y = b;
	if (x->benef_id != y->benef_id)
		return x->benef_id < y->benef_id ? -1 : 1;
	return x->day < y->day ? -1 : x->day > y->day;
}

/* The services of one beneficiary (range in c->v, sorted by beneficiary). */
static void services_of(const cen *c, const char *benef, size_t *lo, size_t *hi)
{
	long id = strtab_id((strtab *)&c->benefs, benef, 1);
	size_t a = 0, b = c->nv;
	if (id < 0) {
		*lo = *hi = 0;
		return;
	}
	while (a < b) {
		size_t m = a + (b - a) / 2;
		if (c->v[m].benef_id < (uint32_t)id)
			a = m + 1;
		else
			b = m;
	}
	*lo = a;
	while (a < c->nv && c->v[a].benef_id == (uint32_t)id)
		a++;
	*hi = a;
}

/* Persons, their latest screening, resolved items, plan, and the order of
 * cases with the capacity. */
static int build_persons(cen *c, err *e)
{
	int rc = 0;
	sort(c->v, c->nv, sizeof *c->v, cmp_svc_benef);
	c->p = calloc(c->ns ? c->ns : 1, sizeof *c->p);
	long *first = calloc(c->nitems ? c->nitems : 1, sizeof *first);
	unsigned char *flags = NULL;
	rank_case *rcs = calloc(c->ns ? c->ns : 1, sizeof *rcs);
	rank_case **order = calloc(c->ns ? c->ns : 1, sizeof *order);
	if (!c->p || !first || !rcs || !order) {
		rc = err_set(e, ERR_NOMEM, "out of memory");
		goto done;
	}
	size_t nr = 0;
	for (size_t i = 0; i < c->ns;) {
		size_t j = i;
		while (j < c->ns && !strcmp(c->s[j].person, c->s[i].person))
			j++;
		person_st *p = &c->p[c->np++];
		p->first_scr = i;
		p->nscr = j - i;
		const scr *latest = &c->s[j - 1];
		p->loc = loc_index(c, latest->locality);
		p->resolved = calloc(c->nitems ? c->nitems : 1, 1);
		unsigned char *grown = realloc(flags, (j - i) * (c->nitems ? c->nitems : 1));
		if (!p->resolved || !grown) {
			free(grown ? grown : flags);
			flags = NULL;
			rc = err_set(e, ERR_NOMEM, "out of memory");
			goto done;
		}
		flags = grown;
		for (size_t k = i; k < j; k++)
			memcpy(flags + (k - i) * c->nitems, c->s[k].items, c->nitems);
		census_resolved_items(flags, j - i, c->nitems, first, p->resolved);
		size_t lo, hi;
		services_of(c, latest->person, &lo, &hi);
		for (size_t v = lo; v < hi; v++) {
			const svc *sv = &c->v[v];
			if (sv->planned) {
				p->planned++;
				for (size_t w = lo; w < hi; w++)
					if (!c->v[w].planned && c->v[w].type_id == sv->type_id) {
						p->plan_given++;
						break;
					}
				continue;
			}
			if (!sv->resolves)
				continue;
			for (size_t it = 0; it < c->nitems; it++) {
				const inst_field *f = &c->in->fields[c->item[it].slot];
				if (first[it] >= 0 && !strcmp(f->id, sv->resolves) &&
				    strcmp(sv->date, c->s[i + (size_t)first[it]].assessed_on) >= 0)
					p->resolved[it] = 1;
			}
		}
		if (latest->is_case) {
			rank_case *r = &rcs[nr];
			r->id = latest->person;
			for (size_t k = 0; k < RANK_MAX_KEYS; k++)
				r->key[k] = latest->key[k];
			r->is_child = 0;
			r->status = RANK_ELIGIBLE;
			r->seq = c->np - 1; /* back to the person */
			order[nr] = r;
			nr++;
		}
		i = j;
	}
	rank_spec spec = {0, {0}};
	spec.nkeys = c->in->ranking.nkeys < RANK_MAX_KEYS ? c->in->ranking.nkeys : RANK_MAX_KEYS;
	for (size_t k = 0; k < spec.nkeys; k++)
		spec.desc[k] = (unsigned char)(c->in->ranking.keys[k].desc != 0);
	rank_capacity cap = {c->capacity, 1.0, 0, 0};
	rank_order(order, nr, &spec);
	rank_allocate(order, nr, &cap);
	for (size_t k = 0; k < nr; k++) {
		person_st *p = &c->p[order[k]->seq];
		p->rank = order[k]->rank;
		p->active = order[k]->outcome == RANK_APPROVED;
	}
done:
	free(first);
	free(flags);
	free(rcs);
	free(order);
	return rc;
}

static int cen_load(central *ce, const census_opts *o, cen *c, err *e)
{
	memset(c, 0, sizeof *c);
	int rc = inst_load_by_id(ce->inst_dirs, CENSUS_INSTRUMENT, 1, &c->in, e);
	if (rc)
		return rc;
	if ((rc = load_dimensions(c, e)))
		return rc;
	c->capacity = o->capacity;
	pthread_mutex_lock(&ce->lock);
	if (c->capacity <= 0) {
		c->capacity = (long)db_int(&ce->d, -1,
					   "SELECT CAST(value AS INTEGER) FROM census_setting WHERE key = 'capacity'");
		if (c->capacity <= 0)
			c->capacity = c->in->ranking.max_users > 0 ? c->in->ranking.max_users : 5200;
	}
	if (!(rc = load_localities(ce, c, o->locality, e)) && !(rc = load_screenings(ce, c, e)))
		rc = load_services(ce, c, e);
	pthread_mutex_unlock(&ce->lock);
	if (!rc)
		rc = build_persons(c, e);
	/* the months of the period: given, or those with services */
	if (!rc && o->from && o->to) {
		snprintf(c->first_month, sizeof c->first_month, "%.7s", o->from);
		snprintf(c->last_month, sizeof c->last_month, "%.7s", o->to);
	} else if (!rc) {
		for (size_t i = 0; i < c->nv; i++) {
			if (c->v[i].planned || (o->from && strcmp(c->v[i].date, o->from) < 0) ||
			    (o->to && strcmp(c->v[i].date, o->to) > 0))
				continue;
			if (!c->first_month[0] || strncmp(c->v[i].date, c->first_month, 7) < 0)
				snprintf(c->first_month, sizeof c->first_month, "%.7s", c->v[i].date);
			if (!c->last_month[0] || strncmp(c->v[i].date, c->last_month, 7) > 0)
				snprintf(c->last_month, sizeof c->last_month, "%.7s", c->v[i].date);
		}
	}
	return rc;
}

/* --- one scope (a locality, or all) ------------------------------------------------ */

typedef struct kv {
	char key[96];
	long n, minutes;
} kv;

typedef struct kvs {
	kv *a;
	size_t n, cap;
} kvs;

static int kvs_add(kvs *s, const char *key, long n, long minutes)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->a[i].key, key)) {
			s->a[i].n += n;
			s->a[i].minutes += minutes;
			return 0;
		}
	if (s->n == s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 16;
		kv *g = realloc(s->a, nc * sizeof *g);
		if (!g)
			return ERR_NOMEM;
		s->a = g;
		s->cap = nc;
	}
	snprintf(s->a[s->n].key, sizeof s->a[s->n].key, "%s", key);
	s->a[s->n].n = n;
	s->a[s->n++].minutes = minutes;
	return 0;
}

static int cmp_kv(const void *a, const void *b)
{
	return strcmp(((const kv *)a)->key, ((const kv *)b)->key);
}

typedef struct scope {
	int loc; /* -1: all */
	long households, people, screened, cases, active, resolved;
	long *dim_cases, *dim_active, *item_cases, *item_active, *item_resolved;
	long active_with_plan, planned, plan_given;
	long services, minutes, beneficiaries, staff, months, days;
	double avg_month, avg_day;
	kvs by_type, by_month, by_place, by_tmp, missing_by_type;
} scope;

static void scope_free(scope *s)
{
	free(s->dim_cases);
	free(s->dim_active);
	free(s->item_cases);
	free(s->item_active);
	free(s->item_resolved);
	free(s->by_type.a);
	free(s->by_month.a);
	free(s->by_place.a);
	free(s->by_tmp.a);
	free(s->missing_by_type.a);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* The number of distinct values of keys[0..n) >> shift (sorts keys). */
static long distinct_keys(uint64_t *keys, size_t n, int shift)
{
	sort(keys, n, sizeof *keys, cmp_u64);
	long k = 0;
	for (size_t i = 0; i < n; i++)
		if (i == 0 || keys[i - 1] >> shift != keys[i] >> shift)
			k++;
	return k;
}

static int cmp_ptr_tmp(const void *a, const void *b)
{
	const svc *x = *(svc *const *)a, *y = *(svc *const *)b;
	if (x->type_id != y->type_id)
		return x->type_id < y->type_id ? -1 : 1;
	if (x->month != y->month)
		return x->month < y->month ? -1 : 1;
	return x->place_id < y->place_id ? -1 : x->place_id > y->place_id;
}


static int compute_scope(const cen *c, const census_opts *o, int loc, scope *s, err *e)
{
	memset(s, 0, sizeof *s);
	s->loc = loc;
	size_t nd = c->ndims ? c->ndims : 1, ni = c->nitems ? c->nitems : 1;
	s->dim_cases = calloc(nd, sizeof *s->dim_cases);
	s->dim_active = calloc(nd, sizeof *s->dim_active);
	s->item_cases = calloc(ni, sizeof *s->item_cases);
	s->item_active = calloc(ni, sizeof *s->item_active);
	s->item_resolved = calloc(ni, sizeof *s->item_resolved);
	svc **sel = calloc(c->nv ? c->nv : 1, sizeof *sel);
	uint64_t *keys = NULL;
	int rc = 0;
	if (!s->dim_cases || !s->dim_active || !s->item_cases || !s->item_active ||
	    !s->item_resolved || !sel) {
		rc = err_set(e, ERR_NOMEM, "out of memory");
		goto done;
	}
	for (size_t l = 0; l < c->nlocs; l++)
		if (loc < 0 || (size_t)loc == l) {
			s->households += c->households[l];
			s->people += c->people[l];
		}
	for (size_t i = 0; i < c->np; i++) {
		const person_st *p = &c->p[i];
		if (loc >= 0 && p->loc != loc)
			continue;
		const scr *latest = &c->s[p->first_scr + p->nscr - 1];
		s->screened++;
		for (size_t it = 0; it < c->nitems; it++)
			if (p->resolved[it]) {
				s->item_resolved[it]++;
				s->resolved++;
			}
		if (!latest->is_case)
			continue;
		s->cases++;
		s->active += p->active;
		unsigned char hit[32] = {0};
		for (size_t it = 0; it < c->nitems; it++)
			if (latest->items[it]) {
				s->item_cases[it]++;
				s->item_active[it] += p->active;
				hit[c->item[it].dim] = 1;
			}
		for (size_t d = 0; d < c->ndims; d++)
			if (hit[d]) {
				s->dim_cases[d]++;
				s->dim_active[d] += p->active;
			}
		if (p->active) {
			s->active_with_plan += p->planned > 0;
			s->planned += p->planned;
			s->plan_given += p->plan_given;
			/* what the plan still misses, by type */
			size_t lo, hi;
			services_of(c, latest->person, &lo, &hi);
			for (size_t v = lo; v < hi; v++) {
				if (!c->v[v].planned)
					continue;
				int given = 0;
				for (size_t w = lo; w < hi && !given; w++)
					given = !c->v[w].planned && c->v[w].type_id == c->v[v].type_id;
				if (!given && kvs_add(&s->missing_by_type, c->v[v].type, 1, 0)) {
					rc = err_set(e, ERR_NOMEM, "out of memory");
					goto done;
				}
			}
		}
	}
	/* services given in the scope and the period */
	size_t n = 0;
	for (size_t i = 0; i < c->nv; i++) {
		svc *v = &c->v[i];
		if (v->planned || (loc >= 0 && v->loc != loc) ||
		    (o->from && strcmp(v->date, o->from) < 0) || (o->to && strcmp(v->date, o->to) > 0))
			continue;
		sel[n++] = v;
		s->services++;
		s->minutes += v->minutes;
	}
	/* by type, by place: counted by id (ids are in the names' order) */
	size_t ntypes = c->types.n, nplaces = c->places.n;
	long *cnt = calloc((ntypes + nplaces) * 2 + 2, sizeof *cnt);
	keys = malloc((n ? n : 1) * sizeof *keys);
	if (!cnt || !keys) {
		free(cnt);
		rc = err_set(e, ERR_NOMEM, "out of memory");
		goto done;
	}
	long *tmin = cnt + ntypes, *pcnt = tmin + ntypes, *pmin = pcnt + nplaces;
	for (size_t i = 0; i < n; i++) {
		cnt[sel[i]->type_id]++;
		tmin[sel[i]->type_id] += sel[i]->minutes;
		pcnt[sel[i]->place_id]++;
		pmin[sel[i]->place_id] += sel[i]->minutes;
	}
	for (size_t t = 0; t < ntypes && !rc; t++)
		if (cnt[t] && kvs_add(&s->by_type, c->types.s[t], cnt[t], tmin[t]))
			rc = ERR_NOMEM;
	for (size_t p = 0; p < nplaces && !rc; p++)
		if (pcnt[p] && kvs_add(&s->by_place, c->places.s[p], pcnt[p], pmin[p]))
			rc = ERR_NOMEM;
	free(cnt);
	/* by month, and by type, month and place: sorted runs */
	sort(sel, n, sizeof *sel, cmp_ptr_tmp);
	for (size_t i = 0; i < n && !rc;) {
		size_t j = i;
		long minutes = 0;
		while (j < n && !cmp_ptr_tmp(&sel[i], &sel[j]))
			minutes += sel[j++]->minutes;
		char key[96], month[8];
		snprintf(key, sizeof key, "%.40s\t%.7s\t%.40s", sel[i]->type, sel[i]->date, sel[i]->place);
		snprintf(month, sizeof month, "%.7s", sel[i]->date);
		if (kvs_add(&s->by_tmp, key, (long)(j - i), minutes) ||
		    kvs_add(&s->by_month, month, (long)(j - i), minutes))
			rc = ERR_NOMEM;
		i = j;
	}
	if (rc) {
		rc = err_set(e, ERR_NOMEM, "out of memory");
		goto done;
	}
	/* distinct beneficiaries, staff, (month, beneficiary), (day,
	 * beneficiary) and days: sorted 64-bit keys */
	for (size_t i = 0; i < n; i++)
		keys[i] = sel[i]->benef_id;
	s->beneficiaries = distinct_keys(keys, n, 0);
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (c->staff.s[sel[i]->staff_id][0])
			keys[k++] = sel[i]->staff_id;
	s->staff = distinct_keys(keys, k, 0);
	for (size_t i = 0; i < n; i++)
		keys[i] = (uint64_t)sel[i]->month << 32 | sel[i]->benef_id;
	long month_pairs = distinct_keys(keys, n, 0);
	for (size_t i = 0; i < n; i++)
		keys[i] = (uint64_t)(sel[i]->day + 1000000) << 32 | sel[i]->benef_id;
	long day_pairs = distinct_keys(keys, n, 0);
	s->days = distinct_keys(keys, n, 32);
	s->months = census_months_between(c->first_month, c->last_month);
	s->avg_month = census_average(month_pairs, s->months);
	s->avg_day = census_average(day_pairs, s->days);
	sort(s->by_type.a, s->by_type.n, sizeof(kv), cmp_kv);
	sort(s->by_month.a, s->by_month.n, sizeof(kv), cmp_kv);
	sort(s->by_place.a, s->by_place.n, sizeof(kv), cmp_kv);
	sort(s->by_tmp.a, s->by_tmp.n, sizeof(kv), cmp_kv);
	sort(s->missing_by_type.a, s->missing_by_type.n, sizeof(kv), cmp_kv);
done:
	free(sel);
	free(keys);
	return rc;
}

/* --- writing ------------------------------------------------------------------------ */

static const char *dim_id(const cen *c, size_t d)
{
	return c->in->sections[c->dim_section[d]].id;
}

static const char *item_id(const cen *c, size_t i)
{
	return c->in->fields[c->item[i].slot].id;
}

static void json_kvs(buf *out, const char *name, const kvs *s)
{
	buf_printf(out, ",\"%s\":{", name);
	for (size_t i = 0; i < s->n; i++) {
		if (i)
			buf_putc(out, ',');
		json_write_string(out, s->a[i].key, strlen(s->a[i].key));
		buf_printf(out, ":%ld", s->a[i].n);
	}
	buf_putc(out, '}');
}

static void write_label(buf *out, const inst_label *l, inst_lang lang)
{
	const char *t = inst_text(l, lang);
	buf_puts(out, ",\"label\":");
	json_write_string(out, t, strlen(t));
}

static void write_scope_json(const cen *c, const scope *s, inst_lang lang, buf *out)
{
	buf_printf(out,
		   "\"households\":%ld,\"people\":%ld,\"screened\":%ld,\"cases\":%ld,"
		   "\"active_cases\":%ld,\"dimensions\":[",
		   s->households, s->people, s->screened, s->cases, s->active);
	for (size_t d = 0; d < c->ndims; d++) {
		buf_printf(out, "%s\n   {\"id\":", d ? "," : "");
		json_write_string(out, dim_id(c, d), strlen(dim_id(c, d)));
		write_label(out, &c->in->sections[c->dim_section[d]].title, lang);
		buf_printf(out, ",\"cases\":%ld,\"active\":%ld,\"items\":[", s->dim_cases[d],
			   s->dim_active[d]);
		int k = 0;
		for (size_t i = 0; i < c->nitems; i++) {
			if (c->item[i].dim != (int)d)
				continue;
			buf_printf(out, "%s{\"id\":", k++ ? "," : "");
			json_write_string(out, item_id(c, i), strlen(item_id(c, i)));
			write_label(out, &c->in->fields[c->item[i].slot].label, lang);
			buf_printf(out, ",\"cases\":%ld,\"active\":%ld,\"resolved\":%ld}", s->item_cases[i],
				   s->item_active[i], s->item_resolved[i]);
		}
		buf_puts(out, "]}");
	}
	buf_printf(out, "],\n  \"resolved\":%ld,\n  \"services\":{\"given\":%ld,\"minutes\":%ld",
		   s->resolved, s->services, s->minutes);
	json_kvs(out, "by_type", &s->by_type);
	json_kvs(out, "by_month", &s->by_month);
	json_kvs(out, "by_place", &s->by_place);
	buf_puts(out, ",\"by_type_month_place\":[");
	for (size_t i = 0; i < s->by_tmp.n; i++) {
		char type[48], month[8], place[48];
		if (sscanf(s->by_tmp.a[i].key, "%47[^\t]\t%7[^\t]\t%47s", type, month, place) != 3)
			continue;
		buf_printf(out, "%s{\"type\":", i ? "," : "");
		json_write_string(out, type, strlen(type));
		buf_printf(out, ",\"month\":\"%s\",\"place\":", month);
		json_write_string(out, place, strlen(place));
		buf_printf(out, ",\"services\":%ld,\"minutes\":%ld}", s->by_tmp.a[i].n,
			   s->by_tmp.a[i].minutes);
	}
	buf_printf(out,
		   "]},\n  \"plans\":{\"active_cases\":%ld,\"with_plan\":%ld,\"without_plan\":%ld,"
		   "\"planned\":%ld,\"given\":%ld,\"missing\":%ld",
		   s->active, s->active_with_plan, s->active - s->active_with_plan, s->planned,
		   s->plan_given, s->planned - s->plan_given);
	json_kvs(out, "missing_by_type", &s->missing_by_type);
	buf_printf(out, "},\n  \"beneficiaries\":{\"total\":%ld,\"months\":%ld,\"per_month\":",
		   s->beneficiaries, s->months);
	json_write_number(out, round(s->avg_month * 100) / 100);
	buf_printf(out, ",\"days\":%ld,\"per_day\":", s->days);
	json_write_number(out, round(s->avg_day * 100) / 100);
	buf_printf(out, "},\n  \"staff\":{\"staff\":%ld,\"beneficiaries_per_staff\":", s->staff);
	if (s->staff)
		json_write_number(out, round((double)s->beneficiaries / (double)s->staff * 100) / 100);
	else
		buf_puts(out, "null");
	buf_puts(out, "},\n  \"needs_profile\":{\"items\":[");
	/* items with open cases, most frequent first: what the action plan
	 * must answer */
	size_t order[128];
	size_t no = 0;
	for (size_t i = 0; i < c->nitems; i++)
		if (s->item_cases[i])
			order[no++] = i;
	for (size_t a = 1; a < no; a++) /* insertion sort: at most a few dozen items */
		for (size_t b = a; b > 0 && s->item_cases[order[b]] > s->item_cases[order[b - 1]]; b--) {
			size_t t = order[b];
			order[b] = order[b - 1];
			order[b - 1] = t;
		}
	for (size_t k = 0; k < no; k++) {
		size_t i = order[k];
		buf_printf(out, "%s{\"dimension\":", k ? "," : "");
		json_write_string(out, dim_id(c, (size_t)c->item[i].dim), strlen(dim_id(c, (size_t)c->item[i].dim)));
		buf_puts(out, ",\"item\":");
		json_write_string(out, item_id(c, i), strlen(item_id(c, i)));
		buf_printf(out, ",\"cases\":%ld,\"active\":%ld}", s->item_cases[i], s->item_active[i]);
	}
	buf_puts(out, "]");
	json_kvs(out, "services_given", &s->by_type);
	json_kvs(out, "services_missing", &s->missing_by_type);
	buf_printf(out, ",\"active_without_plan\":%ld}", s->active - s->active_with_plan);
}

int census_json(central *ce, const census_opts *o, buf *out, err *e)
{
	cen c;
	int rc = cen_load(ce, o, &c, e);
	if (rc)
		goto done;
	buf_printf(out, "{\"instrument\":\"%s\",\"capacity\":%ld,\"period\":{\"from\":", CENSUS_INSTRUMENT,
		   c.capacity);
	if (o->from)
		buf_printf(out, "\"%.10s\"", o->from);
	else
		buf_puts(out, "null");
	buf_puts(out, ",\"to\":");
	if (o->to)
		buf_printf(out, "\"%.10s\"", o->to);
	else
		buf_puts(out, "null");
	buf_puts(out, "},\n \"overall\":{");
	scope s;
	if ((rc = compute_scope(&c, o, -1, &s, e)) == 0)
		write_scope_json(&c, &s, o->lang, out);
	scope_free(&s);
	if (rc)
		goto done;
	buf_puts(out, "},\n \"localities\":[");
	int n = 0;
	for (size_t l = 0; l < c.nlocs; l++) {
		if (o->locality && strcmp(o->locality, c.locs[l]))
			continue;
		buf_puts(out, n++ ? ",\n {\"locality\":" : "\n {\"locality\":");
		json_write_string(out, c.locs[l], strlen(c.locs[l]));
		buf_puts(out, ",\n  ");
		if ((rc = compute_scope(&c, o, (int)l, &s, e)) == 0)
			write_scope_json(&c, &s, o->lang, out);
		scope_free(&s);
		if (rc)
			goto done;
		buf_putc(out, '}');
	}
	buf_puts(out, "\n]}\n");
	if (out->oom)
		rc = err_set(e, ERR_NOMEM, "out of memory");
done:
	cen_free(&c);
	return rc;
}

/* Labels of the CSV's indicators. */
typedef struct label {
	const char *key;
	const char *t[LANG_COUNT];
} ind_label;

static const ind_label labels[] = {
	{"households", {"Преброени домакинства", "Gospodării recenzate", "Households censused"}},
	{"people", {"Преброени лица", "Persoane recenzate", "People censused"}},
	{"screened", {"Оценени лица", "Persoane evaluate", "People screened"}},
	{"cases", {"Случаи", "Cazuri", "Cases"}},
	{"active_cases", {"Активни случаи", "Cazuri active", "Active cases"}},
	{"cases_by_dimension", {"Случаи по измерение", "Cazuri pe dimensiune", "Cases by dimension"}},
	{"active_by_dimension", {"Активни случаи по измерение", "Cazuri active pe dimensiune", "Active cases by dimension"}},
	{"cases_by_item", {"Случаи по уязвимост", "Cazuri pe vulnerabilitate", "Cases by vulnerability"}},
	{"active_by_item", {"Активни случаи по уязвимост", "Cazuri active pe vulnerabilitate", "Active cases by vulnerability"}},
	{"resolved_by_item", {"Разрешени уязвимости", "Vulnerabilități rezolvate", "Vulnerabilities resolved"}},
	{"resolved", {"Разрешени уязвимости (общо)", "Vulnerabilități rezolvate (total)", "Vulnerabilities resolved (total)"}},
	{"services", {"Предоставени услуги", "Servicii furnizate", "Services given"}},
	{"minutes", {"Минути услуги", "Minute de servicii", "Minutes of services"}},
	{"services_by_type", {"Услуги по вид", "Servicii pe tip", "Services by type"}},
	{"services_by_month", {"Услуги по месец", "Servicii pe lună", "Services by month"}},
	{"services_by_place", {"Услуги по място", "Servicii pe loc", "Services by place"}},
	{"services_by_type_month_place", {"Услуги по вид, месец и място", "Servicii pe tip, lună și loc", "Services by type, month and place"}},
	{"plans_with_plan", {"Активни случаи с план за услуги", "Cazuri active cu plan de servicii", "Active cases with a service plan"}},
	{"plans_without_plan", {"Активни случаи без план", "Cazuri active fără plan", "Active cases without a plan"}},
	{"plans_planned", {"Планирани услуги", "Servicii planificate", "Services planned"}},
	{"plans_given", {"Планирани и предоставени", "Planificate și furnizate", "Planned and given"}},
	{"plans_missing", {"Планирани, още непредоставени", "Planificate, încă nefurnizate", "Planned, not yet given"}},
	{"missing_by_type", {"Липсващи услуги по вид", "Servicii lipsă pe tip", "Missing services by type"}},
	{"beneficiaries", {"Бенефициери", "Beneficiari", "Beneficiaries"}},
	{"beneficiaries_per_month", {"Среден брой бенефициери на месец", "Numărul mediu de beneficiari pe lună", "Average beneficiaries a month"}},
	{"beneficiaries_per_day", {"Среден брой бенефициери на ден", "Numărul mediu de beneficiari pe zi", "Average beneficiaries a day"}},
	{"staff", {"Персонал", "Personal", "Staff"}},
	{"beneficiaries_per_staff", {"Бенефициери на един служител", "Beneficiari per angajat", "Beneficiaries per staff member"}},
};

static const char *L(const char *key, inst_lang lang)
{
	for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++)
		if (!strcmp(labels[i].key, key))
			return labels[i].t[lang < LANG_COUNT ? lang : LANG_EN];
	return key;
}

static void csv_line(buf *out, const char *loc, const char *ind, const char *key,
		     const char *month, const char *place, const char *label, const char *value)
{
	const char *cells[] = {loc, ind, key, month, place, label, value};
	report_csv_row(out, cells, 7);
}

static void csv_num(buf *out, const char *loc, const char *ind, const char *key,
		    const char *label, double v, inst_lang lang)
{
	char num[32];
	report_fmt_number(num, sizeof num, v);
	csv_line(out, loc, ind, key, NULL, NULL, label ? label : L(ind, lang), num);
}

static void write_scope_csv(const cen *c, const scope *s, const char *loc, inst_lang lang, buf *out)
{
	csv_num(out, loc, "households", NULL, NULL, (double)s->households, lang);
	csv_num(out, loc, "people", NULL, NULL, (double)s->people, lang);
	csv_num(out, loc, "screened", NULL, NULL, (double)s->screened, lang);
	csv_num(out, loc, "cases", NULL, NULL, (double)s->cases, lang);
	csv_num(out, loc, "active_cases", NULL, NULL, (double)s->active, lang);
	for (size_t d = 0; d < c->ndims; d++) {
		const char *lab = inst_text(&c->in->sections[c->dim_section[d]].title, lang);
		csv_num(out, loc, "cases_by_dimension", dim_id(c, d), lab, (double)s->dim_cases[d], lang);
		csv_num(out, loc, "active_by_dimension", dim_id(c, d), lab, (double)s->dim_active[d], lang);
	}
	for (size_t i = 0; i < c->nitems; i++) {
		const char *lab = inst_text(&c->in->fields[c->item[i].slot].label, lang);
		csv_num(out, loc, "cases_by_item", item_id(c, i), lab, (double)s->item_cases[i], lang);
		csv_num(out, loc, "active_by_item", item_id(c, i), lab, (double)s->item_active[i], lang);
		csv_num(out, loc, "resolved_by_item", item_id(c, i), lab, (double)s->item_resolved[i], lang);
	}
	csv_num(out, loc, "resolved", NULL, NULL, (double)s->resolved, lang);
	csv_num(out, loc, "services", NULL, NULL, (double)s->services, lang);
	csv_num(out, loc, "minutes", NULL, NULL, (double)s->minutes, lang);
	for (size_t i = 0; i < s->by_type.n; i++)
		csv_num(out, loc, "services_by_type", s->by_type.a[i].key, L("services_by_type", lang),
			(double)s->by_type.a[i].n, lang);
	for (size_t i = 0; i < s->by_month.n; i++) {
		char num[24];
		snprintf(num, sizeof num, "%ld", s->by_month.a[i].n);
		csv_line(out, loc, "services_by_month", NULL, s->by_month.a[i].key, NULL,
			 L("services_by_month", lang), num);
	}
	for (size_t i = 0; i < s->by_place.n; i++) {
		char num[24];
		snprintf(num, sizeof num, "%ld", s->by_place.a[i].n);
		csv_line(out, loc, "services_by_place", NULL, NULL, s->by_place.a[i].key,
			 L("services_by_place", lang), num);
	}
	for (size_t i = 0; i < s->by_tmp.n; i++) {
		char type[48], month[8], place[48], num[24];
		if (sscanf(s->by_tmp.a[i].key, "%47[^\t]\t%7[^\t]\t%47s", type, month, place) != 3)
			continue;
		snprintf(num, sizeof num, "%ld", s->by_tmp.a[i].n);
		csv_line(out, loc, "services_by_type_month_place", type, month, place,
			 L("services_by_type_month_place", lang), num);
	}
	csv_num(out, loc, "plans_with_plan", NULL, NULL, (double)s->active_with_plan, lang);
	csv_num(out, loc, "plans_without_plan", NULL, NULL, (double)(s->active - s->active_with_plan), lang);
	csv_num(out, loc, "plans_planned", NULL, NULL, (double)s->planned, lang);
	csv_num(out, loc, "plans_given", NULL, NULL, (double)s->plan_given, lang);
	csv_num(out, loc, "plans_missing", NULL, NULL, (double)(s->planned - s->plan_given), lang);
	for (size_t i = 0; i < s->missing_by_type.n; i++)
		csv_num(out, loc, "missing_by_type", s->missing_by_type.a[i].key, NULL,
			(double)s->missing_by_type.a[i].n, lang);
	csv_num(out, loc, "beneficiaries", NULL, NULL, (double)s->beneficiaries, lang);
	csv_num(out, loc, "beneficiaries_per_month", NULL, NULL, s->avg_month, lang);
	csv_num(out, loc, "beneficiaries_per_day", NULL, NULL, s->avg_day, lang);
	csv_num(out, loc, "staff", NULL, NULL, (double)s->staff, lang);
	if (s->staff)
		csv_num(out, loc, "beneficiaries_per_staff", NULL, NULL,
			(double)s->beneficiaries / (double)s->staff, lang);
}

int census_csv(central *ce, const census_opts *o, buf *out, err *e)
{
	cen c;
	int rc = cen_load(ce, o, &c, e);
	if (rc)
		goto done;
	report_csv_begin(out);
	static const char *const head[] = {"locality", "indicator", "key", "month", "place", "label", "value"};
	report_csv_row(out, head, 7);
	scope s;
	if (!o->locality) {
		if ((rc = compute_scope(&c, o, -1, &s, e)) == 0)
			write_scope_csv(&c, &s, "ALL", o->lang, out);
		scope_free(&s);
		if (rc)
			goto done;
	}
	for (size_t l = 0; l < c.nlocs; l++) {
		if (o->locality && strcmp(o->locality, c.locs[l]))
			continue;
		if ((rc = compute_scope(&c, o, (int)l, &s, e)) == 0)
			write_scope_csv(&c, &s, c.locs[l], o->lang, out);
		scope_free(&s);
		if (rc)
			goto done;
	}
	if (out->oom)
		rc = err_set(e, ERR_NOMEM, "out of memory");
done:
	cen_free(&c);
	return rc;
}

static int cmp_rank(const void *a, const void *b)
{
	const person_st *x = *(person_st *const *)a, *y = *(person_st *const *)b;
	return x->rank < y->rank ? -1 : x->rank > y->rank;
}

int census_priority(central *ce, const census_opts *o, int csv, buf *out, err *e)
{
	cen c;
	person_st **list = NULL;
	int rc = cen_load(ce, o, &c, e);
	if (rc)
		goto done;
	list = calloc(c.np ? c.np : 1, sizeof *list);
	if (!list) {
		rc = err_set(e, ERR_NOMEM, "out of memory");
		goto done;
	}
	size_t n = 0;
	for (size_t i = 0; i < c.np; i++)
		if (c.p[i].rank > 0 && (!o->locality || (c.p[i].loc >= 0 && !strcmp(c.locs[c.p[i].loc], o->locality))))
			list[n++] = &c.p[i];
	sort(list, n, sizeof *list, cmp_rank);
	if (csv) {
		report_csv_begin(out);
		static const char *const head[] = {"rank", "person", "locality", "dimensions",
						   "vulnerabilities", "age", "priority", "active",
						   "planned", "planned_given"};
		report_csv_row(out, head, 10);
	} else {
		buf_printf(out, "{\"capacity\":%ld,\"cases\":[", c.capacity);
	}
	for (size_t k = 0; k < n; k++) {
		const person_st *p = list[k];
		const scr *s = &c.s[p->first_scr + p->nscr - 1];
		char rank[24], dims[24], vul[24], age[24], pl[24], pg[24];
		snprintf(rank, sizeof rank, "%ld", p->rank);
		report_fmt_number(dims, sizeof dims, s->dims);
		report_fmt_number(vul, sizeof vul, s->vulns);
		report_fmt_number(age, sizeof age, s->age);
		snprintf(pl, sizeof pl, "%ld", p->planned);
		snprintf(pg, sizeof pg, "%ld", p->plan_given);
		if (csv) {
			const char *cells[] = {rank, s->person, s->locality, dims, vul, age,
					       s->priority ? s->priority : "", p->active ? "yes" : "no", pl, pg};
			report_csv_row(out, cells, 10);
			continue;
		}
		buf_printf(out, "%s\n {\"rank\":%ld,\"person\":", k ? "," : "", p->rank);
		json_write_string(out, s->person, strlen(s->person));
		buf_puts(out, ",\"locality\":");
		json_write_string(out, s->locality, strlen(s->locality));
		buf_printf(out, ",\"dimensions\":%s,\"vulnerabilities\":%s,\"age\":%s,\"priority\":", dims[0] ? dims : "null",
			   vul[0] ? vul : "null", age[0] ? age : "null");
		if (s->priority)
			json_write_string(out, s->priority, strlen(s->priority));
		else
			buf_puts(out, "null");
		buf_printf(out, ",\"active\":%s,\"planned\":%ld,\"planned_given\":%ld}",
			   p->active ? "true" : "false", p->planned, p->plan_given);
	}
	if (!csv)
		buf_printf(out, "\n],\"count\":%zu}\n", n);
	if (out->oom)
		rc = err_set(e, ERR_NOMEM, "out of memory");
done:
	free(list);
	cen_free(&c);
	return rc;
}

int census_capacity(central *ce, long *capacity, err *e)
{
	instrument *in = NULL;
	pthread_mutex_lock(&ce->lock);
	*capacity = (long)db_int(&ce->d, -1,
				 "SELECT CAST(value AS INTEGER) FROM census_setting WHERE key = 'capacity'");
	pthread_mutex_unlock(&ce->lock);
	if (*capacity > 0)
		return 0;
	int rc = inst_load_by_id(ce->inst_dirs, CENSUS_INSTRUMENT, 1, &in, e);
	if (!rc)
		*capacity = in->ranking.max_users > 0 ? in->ranking.max_users : 5200;
	inst_free(in);
	return rc;
}

int census_set_capacity(central *ce, long capacity, const char *actor, err *e)
{
	char v[24];
	db_stmt st;
	if (capacity < 1 || capacity > 10000000)
		return err_set(e, ERR_INVALID, "capacity: 1-10000000 active cases");
	snprintf(v, sizeof v, "%ld", capacity);
	pthread_mutex_lock(&ce->lock);
	int rc = db_begin(&ce->d, e);
	if (rc)
		goto out;
	if ((rc = db_prepare(&ce->d, &st,
			     "INSERT INTO census_setting(key, value) VALUES ('capacity', :v)"
			     " ON CONFLICT(key) DO UPDATE SET value = excluded.value", e)))
		goto fail;
	db_bind_text(&st, ":v", v, -1);
	rc = db_step(&st, e);
	db_finalize(&st);
	if (rc < 0 || (rc = central_audit_locked(ce, actor, "census_capacity", "census", v, e)) ||
	    (rc = db_commit(&ce->d, e)))
		goto fail;
	goto out;
fail:
	db_rollback(&ce->d);
out:
	pthread_mutex_unlock(&ce->lock);
	return rc;
}
