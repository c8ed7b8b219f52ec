/*
 * round: scoring a set of assessments and ranking them (see round.h).
 *
 * Per case only what the ranking needs is kept (id, keys, the three
 * reported outputs, a reason), copied into a string pool, so the JSON of a
 * case can be freed as soon as it is scored: a million cases fit in a few
 * hundred megabytes whatever the size of their answers.
 */
#include "round.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <time.h>

#include "clock.h"
#include "json.h"

typedef struct pool_block {
	struct pool_block *next;
	size_t used, cap;
	char data[];
} pool_block;

typedef struct strpool {
	pool_block *blocks;
} strpool;

struct round_ctx {
	const instrument *in;
	inst_eval ev;
	round_case *cases;
	size_t n, cap;
	rank_case **order; /* each points at the rank_case that opens a round_case */
	strpool pool;
	/* id set: open addressing over case indices + 1 */
	size_t *ids;
	size_t ids_cap;
	double score_s, rank_s;
	double score_cpu_s, rank_cpu_s; /* CPU time of the threads that did it */
};

static const char *pool_strndup(strpool *p, const char *s, size_t n)
{
	pool_block *b = p->blocks;
	if (!b || b->cap - b->used < n + 1) {
		size_t cap = n + 1 > 1 << 20 ? n + 1 : 1 << 20;
		b = malloc(sizeof *b + cap);
		if (!b)
			return NULL;
		b->cap = cap;
		b->used = 0;
		b->next = p->blocks;
		p->blocks = b;
	}
	char *d = b->data + b->used;
	memcpy(d, s, n);
	d[n] = '\0';
	b->used += n + 1;
	return d;
}

static void pool_free(strpool *p)
{
	pool_block *b = p->blocks;
	while (b) {
		pool_block *n = b->next;
		free(b);
		b = n;
	}
	p->blocks = NULL;
}

/* CPU time of the calling thread: what other load on the machine does
 * not change (a benchmark's second reading). */
static double cpu_s(void)
{
	return clock_s(CLOCK_THREAD_CPUTIME_ID);
}

int round_new(const instrument *in, round_ctx **out, err *e)
{
	*out = NULL;
	if (!in->ranking.present)
		return err_set(e, ERR_INVALID, "instrument %s has no ranking rules", in->id);
	round_ctx *r = calloc(1, sizeof *r);
	if (!r)
		return err_set(e, ERR_NOMEM, "out of memory");
	json_arena_install(); /* score_text and the stream's workers parse into it */
	r->in = in;
	if (inst_eval_init(&r->ev, in)) {
		free(r);
		return err_set(e, ERR_NOMEM, "out of memory");
	}
	*out = r;
	return 0;
}

void round_free(round_ctx *r)
{
	if (!r)
		return;
	inst_eval_free(&r->ev);
	free(r->cases);
	free(r->order);
	free(r->ids);
	pool_free(&r->pool);
	free(r);
}

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

/* Returns 1 if id is already in the set, else adds case index i. */
static int id_seen(round_ctx *r, const char *id, size_t i, int *nomem)
{
	if ((r->n + 1) * 2 > r->ids_cap) {
		size_t cap = r->ids_cap ? r->ids_cap * 2 : 1024;
		size_t *ids = calloc(cap, sizeof *ids);
		if (!ids) {
			*nomem = 1;
			return 0;
		}
		for (size_t k = 0; k < r->ids_cap; k++) {
			size_t v = r->ids[k];
			if (!v)
				continue;
			size_t j = (size_t)(hash_str(r->cases[v - 1].id) & (cap - 1));
			while (ids[j])
				j = (j + 1) & (cap - 1);
			ids[j] = v;
		}
		free(r->ids);
		r->ids = ids;
		r->ids_cap = cap;
	}
	size_t mask = r->ids_cap - 1;
	size_t j = (size_t)(hash_str(id) & mask);
	while (r->ids[j]) {
		if (strcmp(r->cases[r->ids[j] - 1].id, id) == 0)
			return 1;
		j = (j + 1) & mask;
	}
	r->ids[j] = i + 1;
	return 0;
}

static round_case *new_case(round_ctx *r, err *e)
{
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 256;
		round_case *c = realloc(r->cases, cap * sizeof *c);
		if (!c) {
			err_set(e, ERR_NOMEM, "out of memory");
			return NULL;
		}
		r->cases = c;
		r->cap = cap;
	}
	round_case *c = &r->cases[r->n];
	memset(c, 0, sizeof *c);
	c->rc.seq = r->n;
	return c;
}

static int set_invalid(strpool *pool, round_case *c, const char *why)
{
	c->rc.status = RANK_INVALID;
	c->has_result = 0;
	c->reason = pool_strndup(pool, why, strlen(why));
	return c->reason ? 0 : ERR_NOMEM;
}

/* Maps a slot value to a sortable number for ranking key k. */
static double key_value(const inst_rank_key *k, const expr_value *v)
{
	long days;
	switch (v->type) {
	case EXPR_NUM:
		return v->u.num;
	case EXPR_BOOL:
		return v->u.b;
	case EXPR_STR:
		for (size_t i = 0; i < k->npriority; i++)
			if (strlen(k->priority[i]) == v->u.str.len &&
			    memcmp(k->priority[i], v->u.str.s, v->u.str.len) == 0)
				return (double)i;
		if (!k->npriority && expr_parse_date(v->u.str.s, v->u.str.len, &days) == 0)
			return (double)days;
		return NAN;
	case EXPR_NULL:
	case EXPR_LIST:
		break;
	}
	return NAN;
}

static const char *slot_text(strpool *pool, const inst_eval *ev, int slot)
{
	if (slot < 0)
		return NULL;
	const expr_value *v = inst_value(ev, slot);
	if (v->type == EXPR_STR)
		return pool_strndup(pool, v->u.str.s, v->u.str.len);
	if (v->type == EXPR_BOOL)
		return v->u.b ? "true" : NULL;
	if (v->type == EXPR_NUM) {
		char tmp[32];
		snprintf(tmp, sizeof tmp, "%g", v->u.num);
		return pool_strndup(pool, tmp, strlen(tmp));
	}
	return NULL;
}

static double slot_num(const inst_eval *ev, int slot)
{
	if (slot < 0)
		return NAN;
	const expr_value *v = inst_value(ev, slot);
	if (v->type == EXPR_NUM)
		return v->u.num;
	if (v->type == EXPR_BOOL)
		return v->u.b;
	return NAN;
}

/* Scores one assessment into c, strings in pool; needs nothing shared, so
 * workers run it in parallel with their own ev and pool. seq is the
 * case's position (for messages and the order of invalid cases). Returns
 * 0 (c filled, perhaps invalid), ERR_INVALID for another instrument (the
 * whole input is refused), ERR_NOMEM. */
static int score_case(const instrument *in, inst_eval *ev, strpool *pool, const cJSON *a,
		      size_t seq, round_case *c, double *score_s, err *e)
{
	const inst_ranking *R = &in->ranking;
	char why[ERR_MSG_MAX];
	memset(c, 0, sizeof *c);
	c->rc.seq = seq;
	if (!cJSON_IsObject(a))
		return set_invalid(pool, c, "the case is not a JSON object");
	const cJSON *jid = cJSON_GetObjectItemCaseSensitive(a, "id");
	if (cJSON_IsString(jid) && jid->valuestring[0] && strlen(jid->valuestring) <= 128) {
		c->id = pool_strndup(pool, jid->valuestring, strlen(jid->valuestring));
		if (!c->id)
			return err_set(e, ERR_NOMEM, "out of memory");
	}
	c->rc.id = c->id;
	const cJSON *ji = cJSON_GetObjectItemCaseSensitive(a, "instrument");
	if (cJSON_IsString(ji) && strcmp(ji->valuestring, in->id) != 0)
		return err_set(e, ERR_INVALID,
			       "case #%zu: its instrument is \"%.64s\", not %s: this input is "
			       "for another instrument", seq + 1, ji->valuestring, in->id);
	if (!c->id)
		return set_invalid(pool, c, jid ? "id: must be text of 1-128 bytes" : "id: missing");
	if (!ji)
		return set_invalid(pool, c, "instrument: missing");
	if (!cJSON_IsString(ji))
		return set_invalid(pool, c, "instrument: expected text");
	const cJSON *jv = cJSON_GetObjectItemCaseSensitive(a, "version");
	if (!cJSON_IsNumber(jv) || jv->valuedouble != in->version) {
		snprintf(why, sizeof why, "version: expected %d (the version of %s loaded)",
			 in->version, in->id);
		return set_invalid(pool, c, why);
	}
	double t0 = score_s ? clock_now_s() : 0;
	err ee = {0, ""};
	int rc = inst_evaluate(ev, a, LANG_EN, &ee);
	if (score_s)
		*score_s += clock_now_s() - t0;
	if (rc)
		return set_invalid(pool, c, ee.msg);
	for (size_t k = 0; k < R->nkeys; k++)
		c->rc.key[k] = key_value(&R->keys[k], inst_value(ev, R->keys[k].slot));
	c->rc.is_child = R->child_slot >= 0 && inst_value(ev, R->child_slot)->type == EXPR_BOOL &&
			 inst_value(ev, R->child_slot)->u.b;
	c->rc.hours = slot_num(ev, R->hours_slot);
	if (isnan(c->rc.hours))
		c->rc.hours = 0;
	c->has_result = 1;
	c->points = slot_num(ev, R->report_points);
	c->daily_hours = slot_num(ev, R->report_daily);
	c->group = slot_text(pool, ev, R->report_group);
	c->reason = slot_text(pool, ev, R->ineligible_slot);
	c->rc.status = c->reason ? RANK_INELIGIBLE : RANK_ELIGIBLE;
	return 0;
}

/* Scores a case given as text (invalid when it is not JSON). */
static int score_text(const instrument *in, inst_eval *ev, strpool *pool, const char *text,
		      size_t len, size_t seq, round_case *c, double *score_s, err *e)
{
	cJSON *j = NULL;
	err pe = {0, ""};
	json_arena_begin(); /* the case's tree in this thread's arena (json.h) */
	int bad = json_parse(text, len, &json_limits_case, &j, &pe);
	json_arena_pause();
	if (bad) {
		char why[ERR_MSG_MAX];
		json_arena_release();
		memset(c, 0, sizeof *c);
		c->rc.seq = seq;
		snprintf(why, sizeof why, "not a valid case: %s", pe.msg);
		return set_invalid(pool, c, why);
	}
	int rc = score_case(in, ev, pool, j, seq, c, score_s, e);
	cJSON_Delete(j);
	json_arena_release();
	return rc;
}

/* Adds a scored case: the second case with an id already seen is
 * invalid. Strings are copied into the round's pool unless they are
 * there already. */
static int commit(round_ctx *r, const round_case *src, int copy, err *e)
{
	round_case *c = new_case(r, e);
	if (!c)
		return ERR_NOMEM;
	*c = *src;
	c->rc.seq = r->n;
	if (copy) {
		const char **s[] = {&c->id, &c->group, &c->reason};
		for (size_t i = 0; i < 3; i++)
			if (*s[i] && strcmp(*s[i], "true") &&
			    !(*s[i] = pool_strndup(&r->pool, *s[i], strlen(*s[i]))))
				return err_set(e, ERR_NOMEM, "out of memory");
		c->rc.id = c->id;
	}
	int nomem = 0;
	if (c->id && id_seen(r, c->id, r->n, &nomem)) {
		c->group = NULL;
		if (set_invalid(&r->pool, c, "id: the same id appears earlier in the input"))
			return err_set(e, ERR_NOMEM, "out of memory");
	}
	if (nomem)
		return err_set(e, ERR_NOMEM, "out of memory");
	r->n++;
	return 0;
}

int round_add(round_ctx *r, const cJSON *a, err *e)
{
	round_case c;
	int rc = score_case(r->in, &r->ev, &r->pool, a, r->n, &c, &r->score_s, e);
	return rc ? rc : commit(r, &c, 0, e);
}

int round_add_text(round_ctx *r, const char *text, size_t len, err *e)
{
	round_case c;
	int rc = score_text(r->in, &r->ev, &r->pool, text, len, r->n, &c, &r->score_s, e);
	return rc ? rc : commit(r, &c, 0, e);
}

/* --- parallel scoring of a stream -------------------------------------- */

#define CHUNK_CASES 1024

typedef struct chunk {
	buf text;
	size_t off[CHUNK_CASES], len[CHUNK_CASES];
	size_t n, first;
	round_case res[CHUNK_CASES];
	strpool pool;
	int state; /* 0 free, 1 filled, 2 scoring, 3 scored */
	int rc;
	err e;
} chunk;

typedef struct stream_job {
	round_ctx *r;
	chunk *ring;
	size_t nring;
	size_t next_fill, next_take, next_commit;
	int stop;
	double score_s, score_cpu;
	pthread_mutex_t mu;
	pthread_cond_t cv;
} stream_job;

/* Parses up to BATCH cases of c from first, then scores them, timing the
 * scoring alone (wall and thread CPU) once for the batch. */
#define BATCH 32
static void score_batch(const instrument *in, inst_eval *ev, chunk *c, size_t first,
			size_t n, double *score_s, double *score_cpu)
{
	cJSON *tree[BATCH];
	json_arena_begin(); /* the batch's trees in this thread's arena (json.h) */
	for (size_t i = 0; i < n; i++) {
		err pe = {0, ""};
		size_t k = first + i;
		tree[i] = NULL;
		if (json_parse(c->text.data + c->off[k], c->len[k], &json_limits_case, &tree[i], &pe)) {
			char why[ERR_MSG_MAX];
			memset(&c->res[k], 0, sizeof c->res[k]);
			c->res[k].rc.seq = c->first + k;
			snprintf(why, sizeof why, "not a valid case: %s", pe.msg);
			if (!c->rc && set_invalid(&c->pool, &c->res[k], why))
				c->rc = err_set(&c->e, ERR_NOMEM, "out of memory");
			tree[i] = NULL;
		}
	}
	json_arena_pause();
	double t0 = clock_now_s(), u0 = cpu_s();
	for (size_t i = 0; i < n && !c->rc; i++)
		if (tree[i])
			c->rc = score_case(in, ev, &c->pool, tree[i], c->first + first + i,
					   &c->res[first + i], NULL, &c->e);
	*score_s += clock_now_s() - t0;
	*score_cpu += cpu_s() - u0;
	for (size_t i = 0; i < n; i++)
		cJSON_Delete(tree[i]);
	json_arena_release();
}

static void *stream_worker(void *arg)
{
	stream_job *j = arg;
	inst_eval ev;
	int ok = inst_eval_init(&ev, j->r->in) == 0;
	double score_s = 0, score_cpu = 0;
	pthread_mutex_lock(&j->mu);
	for (;;) {
		while (!j->stop && j->ring[j->next_take % j->nring].state != 1)
			pthread_cond_wait(&j->cv, &j->mu);
		if (j->ring[j->next_take % j->nring].state != 1 && j->stop)
			break;
		chunk *c = &j->ring[j->next_take++ % j->nring];
		c->state = 2;
		pthread_mutex_unlock(&j->mu);
		c->rc = ok ? 0 : err_set(&c->e, ERR_NOMEM, "out of memory");
		for (size_t i = 0; i < c->n && !c->rc; i += BATCH)
			score_batch(j->r->in, &ev, c, i, c->n - i < BATCH ? c->n - i : BATCH, &score_s,
				    &score_cpu);
		pthread_mutex_lock(&j->mu);
		c->state = 3;
		pthread_cond_broadcast(&j->cv);
	}
	j->score_s += score_s;
	j->score_cpu += score_cpu;
	pthread_mutex_unlock(&j->mu);
	if (ok)
		inst_eval_free(&ev);
	return NULL;
}

int round_add_stream(round_ctx *r, json_array_reader *rd, int threads, err *e)
{
	if (threads < 1)
		threads = 1;
	if (threads > 16)
		threads = 16;
	stream_job j;
	memset(&j, 0, sizeof j);
	j.r = r;
	j.nring = (size_t)threads * 2;
	j.ring = calloc(j.nring, sizeof *j.ring);
	pthread_t tid[16];
	int started = 0, rc = 0, eof = 0;
	if (!j.ring)
		return err_set(e, ERR_NOMEM, "out of memory");
	pthread_mutex_init(&j.mu, NULL);
	pthread_cond_init(&j.cv, NULL);
	for (; started < threads; started++)
		if (pthread_create(&tid[started], NULL, stream_worker, &j))
			break;
	if (!started) {
		rc = err_set(e, ERR_NOMEM, "cannot start threads");
		goto done;
	}
	size_t seq = r->n;
	while (!rc) {
		/* fill the next free chunk, on this thread (reading is serial) */
		chunk *f = &j.ring[j.next_fill % j.nring];
		pthread_mutex_lock(&j.mu);
		int free_slot = !eof && f->state == 0;
		pthread_mutex_unlock(&j.mu);
		if (free_slot) {
			buf_reset(&f->text);
			f->n = 0;
			f->first = seq;
			while (f->n < CHUNK_CASES) {
				const char *t;
				size_t len;
				int got = json_array_next(rd, &t, &len, e);
				if (got < 0) {
					rc = got;
					break;
				}
				if (got == 0) {
					eof = 1;
					break;
				}
				f->off[f->n] = f->text.len;
				f->len[f->n] = len;
				if (buf_append(&f->text, t, len)) {
					rc = err_set(e, ERR_NOMEM, "out of memory");
					break;
				}
				f->n++;
			}
			seq += f->n;
			if (rc)
				break;
			if (f->n) {
				pthread_mutex_lock(&j.mu);
				f->state = 1;
				j.next_fill++;
				pthread_cond_broadcast(&j.cv);
				pthread_mutex_unlock(&j.mu);
				continue;
			}
		}
		/* commit the oldest chunk once it is scored, in input order */
		if (j.next_commit == j.next_fill) {
			if (eof)
				break;
			continue;
		}
		chunk *c = &j.ring[j.next_commit % j.nring];
		pthread_mutex_lock(&j.mu);
		while (c->state != 3)
			pthread_cond_wait(&j.cv, &j.mu);
		pthread_mutex_unlock(&j.mu);
		if (c->rc) {
			*e = c->e;
			rc = c->rc;
			break;
		}
		for (size_t i = 0; i < c->n && !rc; i++)
			rc = commit(r, &c->res[i], 1, e);
		pool_free(&c->pool);
		pthread_mutex_lock(&j.mu);
		c->state = 0;
		j.next_commit++;
		pthread_mutex_unlock(&j.mu);
	}
done:
	pthread_mutex_lock(&j.mu);
	j.stop = 1;
	pthread_cond_broadcast(&j.cv);
	pthread_mutex_unlock(&j.mu);
	for (int i = 0; i < started; i++)
		pthread_join(tid[i], NULL);
	r->score_s += j.score_s / threads; /* wall time of the scoring, not the sum */
	r->score_cpu_s += j.score_cpu / threads;
	for (size_t i = 0; i < j.nring; i++) {
		buf_free(&j.ring[i].text);
		pool_free(&j.ring[i].pool);
	}
	free(j.ring);
	pthread_mutex_destroy(&j.mu);
	pthread_cond_destroy(&j.cv);
	return rc;
}

int round_run(round_ctx *r, const rank_capacity *cap, err *e)
{
	/* the process's CPU time: a large round is sorted on two threads
	 * (rank_order), and nothing else runs meanwhile */
	double t0 = clock_now_s(), u0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
	if (!r->order || r->n) {
		rank_case **o = realloc(r->order, (r->n ? r->n : 1) * sizeof *o);
		if (!o)
			return err_set(e, ERR_NOMEM, "out of memory");
		r->order = o;
	}
	for (size_t i = 0; i < r->n; i++)
		r->order[i] = &r->cases[i].rc;
	rank_spec spec = {r->in->ranking.nkeys, {0}};
	for (size_t k = 0; k < spec.nkeys; k++)
		spec.desc[k] = (unsigned char)r->in->ranking.keys[k].desc;
	rank_order(r->order, r->n, &spec);
	rank_allocate(r->order, r->n, cap);
	r->rank_s += clock_now_s() - t0;
	r->rank_cpu_s += clock_s(CLOCK_PROCESS_CPUTIME_ID) - u0;
	return 0;
}

size_t round_count(const round_ctx *r)
{
	return r->n;
}

const round_case *round_get(const round_ctx *r, size_t i)
{
	/* rc is the first member: the pointer converts back to its round_case. */
	return i < r->n ? (const round_case *)r->order[i] : NULL;
}

rank_capacity round_default_capacity(const instrument *in)
{
	rank_capacity cap = {in->ranking.max_users, in->ranking.children_share,
			     in->ranking.has_hours_budget, in->ranking.hours_budget};
	return cap;
}

void round_timing(const round_ctx *r, double *score_s, double *rank_s)
{
	*score_s = r->score_s;
	*rank_s = r->rank_s;
}

void round_timing_cpu(const round_ctx *r, double *score_cpu_s, double *rank_cpu_s)
{
	*score_cpu_s = r->score_cpu_s;
	*rank_cpu_s = r->rank_cpu_s;
}

static void put_num_or_null(buf *b, int present, double x)
{
	if (present && !isnan(x))
		json_write_number(b, x);
	else
		buf_puts(b, "null");
}

static void put_str_or_null(buf *b, const char *s)
{
	if (s)
		json_write_string(b, s, strlen(s));
	else
		buf_puts(b, "null");
}

int round_write_json(const round_ctx *r, const rank_capacity *cap, buf *b)
{
	buf_puts(b, "{\n \"settings\": {\n  \"max_users\": ");
	json_write_number(b, (double)cap->max_users);
	buf_puts(b, ",\n  \"children_share\": ");
	json_write_number(b, cap->children_share);
	buf_puts(b, ",\n  \"hours_budget\": ");
	put_num_or_null(b, cap->has_hours_budget, cap->hours_budget);
	buf_puts(b, "\n },\n \"cases\": [");
	for (size_t i = 0; i < r->n; i++) {
		const round_case *c = round_get(r, i);
		buf_puts(b, i ? ",\n  {\n   \"id\": " : "\n  {\n   \"id\": ");
		put_str_or_null(b, c->id);
		buf_puts(b, ",\n   \"points\": ");
		put_num_or_null(b, c->has_result, c->points);
		buf_puts(b, ",\n   \"daily_hours\": ");
		put_num_or_null(b, c->has_result, c->daily_hours);
		buf_puts(b, ",\n   \"group\": ");
		put_str_or_null(b, c->has_result ? c->group : NULL);
		buf_puts(b, ",\n   \"rank\": ");
		put_num_or_null(b, c->rc.rank > 0, (double)c->rc.rank);
		buf_puts(b, ",\n   \"outcome\": ");
		put_str_or_null(b, rank_outcome_name(c->rc.outcome));
		buf_puts(b, ",\n   \"reason\": ");
		if (c->rc.outcome == RANK_WAITLISTED)
			put_str_or_null(b, rank_limit_name(c->rc.limit));
		else if (c->rc.outcome == RANK_OUT_INELIGIBLE || c->rc.outcome == RANK_OUT_INVALID)
			put_str_or_null(b, c->reason);
		else
			buf_puts(b, "null");
		buf_puts(b, "\n  }");
	}
	buf_puts(b, r->n ? "\n ]\n}\n" : "]\n}\n");
	return b->oom ? ERR_NOMEM : 0;
}

int round_write_text(const round_ctx *r, const rank_capacity *cap, buf *b)
{
	long approved = 0, children = 0, waiting = 0, inelig = 0, invalid = 0;
	double hours = 0;
	buf_printf(b, "%5s  %-10s %6s %5s %-6s %-11s %s\n", "rank", "applic.", "points",
		   "h/day", "group", "outcome", "reason");
	for (size_t i = 0; i < r->n; i++) {
		const round_case *c = round_get(r, i);
		char rank[16] = "-", pts[16] = "-", daily[16] = "-";
		if (c->rc.rank > 0)
			snprintf(rank, sizeof rank, "%ld", c->rc.rank);
		if (c->has_result && !isnan(c->points))
			snprintf(pts, sizeof pts, "%g", c->points);
		if (c->has_result && !isnan(c->daily_hours))
			snprintf(daily, sizeof daily, "%g", c->daily_hours);
		const char *reason = c->rc.outcome == RANK_WAITLISTED ? rank_limit_name(c->rc.limit) :
				     c->rc.outcome == RANK_APPROVED ? "" : c->reason;
		/* the id's last 8 characters: random in UUID v4 and v7 alike,
		 * where v7's first ones are the time and repeat for ids made
		 * within the same minute */
		const char *sid = c->id ? c->id : "-";
		size_t sl = strlen(sid);
		buf_printf(b, "%5s  %-10.8s %6s %5s %-6s %-11s %.60s\n", rank,
			   sl > 8 ? sid + sl - 8 : sid, pts, daily, c->has_result && c->group ? c->group : "-",
			   rank_outcome_name(c->rc.outcome), reason ? reason : "");
		switch (c->rc.outcome) {
		case RANK_APPROVED:
			approved++;
			children += c->rc.is_child != 0;
			hours += c->rc.hours;
			break;
		case RANK_WAITLISTED: waiting++; break;
		case RANK_OUT_INELIGIBLE: inelig++; break;
		case RANK_OUT_INVALID: invalid++; break;
		case RANK_NONE: break;
		}
	}
	buf_printf(b, "\napproved %ld of %ld places (children %ld of %ld), monthly hours %g",
		   approved, cap->max_users, children, rank_children_places(cap), hours);
	if (cap->has_hours_budget)
		buf_printf(b, " of %g", cap->hours_budget);
	buf_printf(b, "\nwaiting list %ld, ineligible %ld, invalid %ld\n", waiting, inelig, invalid);
	return b->oom ? ERR_NOMEM : 0;
}
