/*
 * rounds: the central round (see rounds.h).
 *
 * The computed result of a run (points, hours, group, rank, outcome,
 * reason) is never changed afterwards; what the commission or the
 * applicant changes lives in override_* and state, and every change is a
 * row of `decision` (what, from, to, why, who, when) plus an audit entry,
 * in the transaction that makes it.
 */
#include "rounds.h"
#include "rounds_int.h"

#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "json.h"
#include "num.h"
#include "round.h"

#define ROUNDS_MAX_REASON 1000
#define ROUNDS_MAX_LOCALITIES 256

/* States in which an applicant holds a place. */
#define HOLDING "('offered','accepted','objected','contracted')"

/* --- small helpers ---------------------------------------------------------- */

int rounds_date_valid(const char *s)
{
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
			return -1;
	int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	int m = (s[5] - '0') * 10 + (s[6] - '0');
	int d = (s[8] - '0') * 10 + (s[9] - '0');
	if (y < 1900 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return -1;
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (m == 2 && d == 29 && !leap)
		return -1;
	return 0;
}

void rounds_add_months(const char *date, int months, char out[11])
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int y = 0, m = 0, d = 0;
	if (sscanf(date, "%4d-%2d-%2d", &y, &m, &d) != 3) {
		snprintf(out, 11, "%.10s", date);
		return;
	}
	int k = y * 12 + (m - 1) + months;
	y = k / 12;
	m = k % 12 + 1;
	int last = mdays[m - 1] + (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
	if (d > last)
		d = last;
	snprintf(out, 11, "%04d-%02d-%02d", y, m, d);
}

void rounds_initials(const char *name, char *out, size_t n)
{
	size_t k = 0;
	int at_start = 1;
	out[0] = '\0';
	for (const unsigned char *p = (const unsigned char *)(name ? name : ""); *p;) {
		size_t len = *p < 0x80 ? 1 : (*p & 0xE0) == 0xC0 ? 2 : (*p & 0xF0) == 0xE0 ? 3 :
			     (*p & 0xF8) == 0xF0 ? 4 : 1;
		int space = *p == ' ' || *p == '\t' || *p == '-';
		if (at_start && !space && *p != '.' && *p != ',') {
			size_t need = len + (k ? 3 : 2);
			if (k + need > n) /* the name part, its dot, a space before it and the NUL */
				break;
			if (k)
				out[k++] = ' ';
			for (size_t i = 0; i < len && p[i]; i++)
				out[k++] = (char)(len == 1 ? toupper(p[i]) : p[i]);
			out[k++] = '.';
			out[k] = '\0';
			at_start = 0;
		}
		if (space)
			at_start = 1;
		for (size_t i = 0; i < len && *p; i++)
			p++;
	}
}

void rounds_today(char out[11])
{
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
}

int rounds_load(central *c, const char *id, round_row *r, err *e)
{
	db_stmt st;
	int rc = db_prepare(&c->d, &st,
			    "SELECT instrument, status, localities, opens_on, closes_on, max_users,"
			    " children_share, hours_budget, municipality, service, coalesce(locked_on, '')"
			    " FROM round WHERE id = :id", e);
	if (rc)
		return rc;
	db_bind_text(&st, ":id", id, -1);
	rc = db_step(&st, e);
	if (rc == 1) {
		memset(r, 0, sizeof *r);
		snprintf(r->instrument, sizeof r->instrument, "%s", db_col_text(&st, 0));
		snprintf(r->status, sizeof r->status, "%s", db_col_text(&st, 1));
		snprintf(r->localities, sizeof r->localities, "%s", db_col_text(&st, 2));
		snprintf(r->opens_on, sizeof r->opens_on, "%s", db_col_text(&st, 3));
		snprintf(r->closes_on, sizeof r->closes_on, "%s", db_col_text(&st, 4));
		r->cap.max_users = (long)db_col_int(&st, 5);
		r->cap.children_share = db_col_double(&st, 6);
		r->cap.has_hours_budget = !db_col_is_null(&st, 7);
		r->cap.hours_budget = db_col_double(&st, 7);
		snprintf(r->municipality, sizeof r->municipality, "%s", db_col_text(&st, 8));
		snprintf(r->service, sizeof r->service, "%s", db_col_text(&st, 9));
		snprintf(r->locked_on, sizeof r->locked_on, "%s", db_col_text(&st, 10));
		rc = 0;
	} else if (rc == 0) {
		rc = err_set(e, ERR_NOTFOUND, "no round \"%.64s\"", id);
	}
	db_finalize(&st);
	return rc;
}

int rounds_is_locked(const round_row *r)
{
	return !strcmp(r->status, "locked") || !strcmp(r->status, "published");
}

static int check_text(const char *what, const char *s, size_t max, err *e)
{
	if (!s || !*s)
		return err_set(e, ERR_INVALID, "%s: required", what);
	if (strlen(s) > max)
		return err_set(e, ERR_INVALID, "%s: longer than %zu bytes", what, max);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 && *p != '\n' && *p != '\t')
			return err_set(e, ERR_INVALID, "%s: control characters are not allowed", what);
	return 0;
}

static int check_id(const char *id, err *e)
{
	size_t n = id ? strlen(id) : 0;
	if (n < 1 || n > 64)
		return err_set(e, ERR_INVALID, "round id: 1 to 64 characters");
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)id[i]) && !strchr("._-", id[i]))
			return err_set(e, ERR_INVALID, "round id: only letters, digits, '.', '_' and '-'");
	return 0;
}

static int check_hours(const char *what, double h, err *e)
{
	if (!isfinite(h) || h < 0 || h > 24 || fabs(h * 2 - round(h * 2)) > 1e-9)
		return err_set(e, ERR_INVALID, "%s: daily hours from 0 to 24 in steps of 0.5", what);
	return 0;
}

void rounds_put_str(buf *b, const char *key, const char *v)
{
	buf_printf(b, "\"%s\":", key);
	if (v)
		json_write_string(b, v, strlen(v));
	else
		buf_puts(b, "null");
}

static void put_col_num(buf *b, const char *key, db_stmt *st, int col)
{
	buf_printf(b, "\"%s\":", key);
	if (db_col_is_null(st, col))
		buf_puts(b, "null");
	else
		json_write_number(b, db_col_double(st, col));
}

static const char *col_or_null(db_stmt *st, int col)
{
	return db_col_is_null(st, col) ? NULL : db_col_text(st, col);
}

/* Writes the current row's columns from col0 on as JSON members
 * "key":value, comma-separated, one per spec: "s:key" text, "n:key"
 * number, "b:key" true/false; NULL is null. The list ends with NULL. */
static void put_cols(buf *b, db_stmt *st, int col0, const char *const *spec)
{
	for (int i = 0; spec[i]; i++) {
		int col = col0 + i;
		const char *key = spec[i] + 2;
		if (i)
			buf_putc(b, ',');
		switch (spec[i][0]) {
		case 'n':
			put_col_num(b, key, st, col);
			break;
		case 'b':
			buf_printf(b, "\"%s\":%s", key, db_col_int(st, col) ? "true" : "false");
			break;
		default:
			rounds_put_str(b, key, col_or_null(st, col));
		}
	}
}


/* Appends a decision row and its audit entry; caller holds the lock and a
 * transaction. */
static int record_decision(central *c, const char *round_id, long app_no, const char *action,
			   const char *old, const char *new_, const char *reason, const char *actor,
			   err *e)
{
	db_stmt st;
	char at[21], subject[96], detail[160];
	db_timestamp(at);
	int rc = db_prepare(&c->d, &st,
			    "INSERT INTO decision(round_id, app_no, action, old, new, reason, actor, at)"
			    " VALUES (:r, :n, :a, :o, :w, :why, :who, :at)", e);
	if (rc)
		return rc;
	db_bind_text(&st, ":r", round_id, -1);
	if (app_no > 0)
		db_bind_int(&st, ":n", app_no);
	db_bind_text(&st, ":a", action, -1);
	db_bind_text(&st, ":o", old, -1);
	db_bind_text(&st, ":w", new_, -1);
	db_bind_text(&st, ":why", reason, -1);
	db_bind_text(&st, ":who", actor, -1);
	db_bind_text(&st, ":at", at, -1);
	rc = db_step(&st, e);
	db_finalize(&st);
	if (rc < 0)
		return rc;
	/* the audit names the application, never the person; the reason is
	 * free text a person wrote, so it stays in `decision` only */
	if (app_no > 0)
		snprintf(subject, sizeof subject, "%s#%ld", round_id, app_no);
	else
		snprintf(subject, sizeof subject, "%s", round_id);
	snprintf(detail, sizeof detail, "%s%s%s", old ? old : "", old || new_ ? " -> " : "",
		 new_ ? new_ : "");
	return central_audit_locked(c, actor, action, subject, detail[0] ? detail : NULL, e);
}

/* Rewrites what the devices of the applicant's locality pull about the
 * decision on their case, and queues the change. Caller holds the lock
 * and a transaction. */
static int feed_decision(central *c, const char *round_id, long app_no, err *e)
{
	db_stmt st;
	buf b = BUF_INIT;
	char aid[64] = "", loc[128] = "";
	int rc = db_prepare(&c->d, &st,
			    "SELECT assessment_id, person_id, locality, points, daily_hours,"
			    " coalesce(override_hours, daily_hours), grp, rank,"
			    " coalesce(override_outcome, outcome), reason, state, decided_on, reassess_on"
			    " FROM applicant WHERE round_id = :r AND app_no = :n", e);
	if (rc)
		return rc;
	db_bind_text(&st, ":r", round_id, -1);
	db_bind_int(&st, ":n", app_no);
	if ((rc = db_step(&st, e)) == 1) {
		snprintf(aid, sizeof aid, "%s", db_col_text(&st, 0));
		snprintf(loc, sizeof loc, "%s", db_col_text(&st, 2));
		static const char *const who[] = {"s:assessment", "s:person", NULL};
		static const char *const what[] = {"s:locality", "n:points", "n:daily_hours", "n:hours",
						   "s:group", "n:rank", "s:outcome", "s:reason", "s:state",
						   "s:decided_on", "s:reassess_on", NULL};
		buf_putc(&b, '{');
		put_cols(&b, &st, 0, who);
		buf_putc(&b, ',');
		rounds_put_str(&b, "round", round_id);
		buf_printf(&b, ",\"application\":%ld,", app_no);
		put_cols(&b, &st, 2, what);
		buf_putc(&b, '}');
		rc = 0;
	} else if (rc == 0) {
		rc = err_set(e, ERR_NOTFOUND, "round %.64s has no application %ld", round_id, app_no);
	}
	db_finalize(&st);
	if (rc)
		goto done;
	if ((rc = db_prepare(&c->d, &st,
			     "INSERT OR REPLACE INTO decision_feed(id, locality, body) VALUES (:id, :l, :b)",
			     e)))
		goto done;
	/* one decision per round and assessment: a person may apply to the
	 * rounds of two services */
	char fid[140];
	snprintf(fid, sizeof fid, "%s/%s", round_id, aid);
	db_bind_text(&st, ":id", fid, -1);
	db_bind_text(&st, ":l", loc, -1);
	db_bind_text(&st, ":b", b.data, (int)b.len);
	rc = db_step(&st, e);
	db_finalize(&st);
	if (rc >= 0)
		rc = central_change_locked(c, "decision", fid, loc, NULL, e);
done:
	buf_free(&b);
	return rc < 0 ? rc : 0;
}

/* Steps st to its end, writing one JSON object a line (put_cols with
 * spec). Returns 0 or the step's error. */
static int put_rows(db_stmt *st, const char *const *spec, buf *out, err *e)
{
	int rc;
	while ((rc = db_step(st, e)) == 1) {
		buf_putc(out, '{');
		put_cols(out, st, 0, spec);
		buf_puts(out, "}\n");
	}
	return rc < 0 ? rc : 0;
}

/* --- create and list ---------------------------------------------------------- */

int rounds_create(central *c, const rounds_spec *s, const char *actor, err *e)
{
	db_stmt st;
	char at[21];
	int rc;
	if ((rc = check_id(s->id, e)) || (rc = check_text("municipality", s->municipality, 120, e)) ||
	    (rc = check_text("service", s->service, 120, e)))
		return rc;
	if (s->localities && strlen(s->localities) > 4000)
		return err_set(e, ERR_INVALID, "localities: longer than 4000 bytes");
	if (rounds_date_valid(s->opens_on))
		return err_set(e, ERR_INVALID, "opens on: not a date (YYYY-MM-DD)");
	if (rounds_date_valid(s->closes_on))
		return err_set(e, ERR_INVALID, "closes on: not a date (YYYY-MM-DD)");
	if (strcmp(s->opens_on, s->closes_on) > 0)
		return err_set(e, ERR_INVALID, "the window closes before it opens");
	if (s->max_users < 1 || s->max_users > 1000000)
		return err_set(e, ERR_INVALID, "max users: from 1 to 1000000");
	if (!isfinite(s->children_share) || s->children_share < 0 || s->children_share > 1)
		return err_set(e, ERR_INVALID, "children share: from 0 to 1");
	if (s->has_hours_budget && (!isfinite(s->hours_budget) || s->hours_budget <= 0 ||
				    s->hours_budget > 1e9))
		return err_set(e, ERR_INVALID, "hours budget: more than 0");
	const char *inst = s->instrument && *s->instrument ? s->instrument : "bg-independent-living";
	instrument *in = NULL;
	if ((rc = inst_load_by_id(c->inst_dirs, inst, 1, &in, e)))
		return rc;
	int ranked = in->ranking.present;
	inst_free(in);
	if (!ranked)
		return err_set(e, ERR_INVALID, "instrument %s has no ranking rules", inst);
	/* localities normalised: trimmed, comma-separated */
	buf locs = BUF_INIT;
	const char *p = s->localities ? s->localities : "";
	while (*p) {
		const char *q = strchr(p, ',');
		size_t n = q ? (size_t)(q - p) : strlen(p);
		while (n && (*p == ' ' || *p == '\t'))
			p++, n--;
		while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		if (n) {
			if (locs.len)
				buf_putc(&locs, ',');
			buf_append(&locs, p, n);
		}
		p = q ? q + 1 : p + strlen(p);
	}
	db_timestamp(at);
	pthread_mutex_lock(&c->lock);
	if ((rc = db_begin(&c->d, e)))
		goto unlock;
	rc = db_prepare(&c->d, &st, "SELECT 1 FROM round WHERE id = :id", e);
	if (!rc) {
		db_bind_text(&st, ":id", s->id, -1);
		rc = db_step(&st, e);
		db_finalize(&st);
		if (rc == 1)
			rc = err_set(e, ERR_STATE, "round \"%s\" exists already", s->id);
	}
	if (rc)
		goto fail;
	if ((rc = db_prepare(&c->d, &st,
			     "INSERT INTO round(id, municipality, service, instrument, localities,"
			     " opens_on, closes_on, max_users, children_share, hours_budget, status,"
			     " created_at, created_by)"
			     " VALUES (:id, :m, :s, :i, :l, :o, :c, :u, :cs, :hb, 'open', :at, :by)", e)))
		goto fail;
	db_bind_text(&st, ":id", s->id, -1);
	db_bind_text(&st, ":m", s->municipality, -1);
	db_bind_text(&st, ":s", s->service, -1);
	db_bind_text(&st, ":i", inst, -1);
	db_bind_text(&st, ":l", locs.data ? locs.data : "", -1);
	db_bind_text(&st, ":o", s->opens_on, -1);
	db_bind_text(&st, ":c", s->closes_on, -1);
	db_bind_int(&st, ":u", s->max_users);
	db_bind_double(&st, ":cs", s->children_share);
	if (s->has_hours_budget)
		db_bind_double(&st, ":hb", s->hours_budget);
	db_bind_text(&st, ":at", at, -1);
	db_bind_text(&st, ":by", actor, -1);
	rc = db_step(&st, e);
	db_finalize(&st);
	if (rc < 0 || (rc = central_audit_locked(c, actor, "round_created", s->id, NULL, e)) ||
	    (rc = db_commit(&c->d, e)))
		goto fail;
	goto unlock;
fail:
	db_rollback(&c->d);
unlock:
	pthread_mutex_unlock(&c->lock);
	buf_free(&locs);
	return rc < 0 ? rc : 0;
}

int rounds_list(central *c, buf *out, err *e)
{
	db_stmt st;
	pthread_mutex_lock(&c->lock);
	int rc = db_prepare(&c->d, &st,
			    "SELECT r.id, r.municipality, r.service, r.status, r.opens_on, r.closes_on,"
			    " r.max_users, (SELECT count(*) FROM applicant a WHERE a.round_id = r.id)"
			    " FROM round r ORDER BY r.created_at, r.id", e);
	if (!rc) {
		static const char *const cols[] = {"s:id", "s:municipality", "s:service",
						   "s:status", "s:opens_on", "s:closes_on",
						   "n:max_users", "n:applicants", NULL};
		rc = put_rows(&st, cols, out, e);
		db_finalize(&st);
	}
	pthread_mutex_unlock(&c->lock);
	return rc < 0 ? rc : 0;
}

/* --- run ------------------------------------------------------------------------ */

typedef struct candidate {
	char *aid, *pid, *nid, *name, *locality, *registered, *assessed;
	long app_no;
	long dup_of; /* index + 1 of the candidate this one duplicates, 0 if none */
	int kept;    /* the latest assessment of its person */
} candidate;

static char *dup_str(const char *s)
{
	return strdup(s ? s : "");
}

/* Later assessment first: assessed_on, registered_on, id, all descending. */
static int later_first(const candidate *a, const candidate *b)
{
	int d = strcmp(b->assessed, a->assessed);
	if (!d)
		d = strcmp(b->registered, a->registered);
	return d ? d : strcmp(b->aid, a->aid);
}

static int by_person(const void *x, const void *y)
{
	const candidate *a = x, *b = y;
	int d = strcmp(a->pid, b->pid);
	return d ? d : later_first(a, b);
}

static const candidate *sort_base;
static int by_nid_idx(const void *x, const void *y)
{
	const candidate *a = &sort_base[*(const size_t *)x], *b = &sort_base[*(const size_t *)y];
	int d = strcmp(a->nid, b->nid);
	return d ? d : later_first(a, b);
}

static int by_registered_idx(const void *x, const void *y)
{
	const candidate *a = &sort_base[*(const size_t *)x], *b = &sort_base[*(const size_t *)y];
	int d = strcmp(a->registered, b->registered);
	return d ? d : strcmp(a->aid, b->aid);
}

static int by_aid_idx(const void *x, const void *y)
{
	return strcmp(sort_base[*(const size_t *)x].aid, sort_base[*(const size_t *)y].aid);
}

static int in_list(const char *list, const char *item)
{
	if (!*list)
		return 1;
	size_t n = strlen(item);
	for (const char *p = list; *p;) {
		const char *q = strchr(p, ',');
		size_t len = q ? (size_t)(q - p) : strlen(p);
		if (len == n && !memcmp(p, item, n))
			return 1;
		p = q ? q + 1 : p + len;
	}
	return 0;
}

/* National ids compared by their digits and letters only ("500 301-4567"
 * is "5003014567"). */
static char *norm_nid(const char *s)
{
	char *o = malloc(strlen(s ? s : "") + 1), *q = o;
	if (!o)
		return NULL;
	for (const char *p = s ? s : ""; *p; p++)
		if (isalnum((unsigned char)*p))
			*q++ = (char)toupper((unsigned char)*p);
	*q = '\0';
	return o;
}

static void free_candidates(candidate *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].aid);
		free(v[i].pid);
		free(v[i].nid);
		free(v[i].name);
		free(v[i].locality);
		free(v[i].registered);
		free(v[i].assessed);
	}
	free(v);
}

/* Reads the candidates of round r — what choosing and numbering them
 * needs, not their answers (a county has 100,000 of them); the caller
 * holds the lock. */
static int read_candidates(central *c, const round_row *r, candidate **out, size_t *nout, err *e)
{
	db_stmt st;
	candidate *v = NULL;
	size_t n = 0, cap = 0;
	int rc = db_prepare(&c->d, &st,
			    "SELECT a.id, a.person,"
			    " coalesce(json_extract(p.body, '$.national_id'),"
			    "  json_extract(a.body, '$.person.national_id')),"
			    " coalesce(json_extract(p.body, '$.name'), json_extract(a.body, '$.person.name')),"
			    " coalesce(json_extract(p.body, '$.locality'),"
			    "  json_extract(a.body, '$.person.locality')),"
			    " json_extract(a.body, '$.registered_on'), json_extract(a.body, '$.assessed_on')"
			    /* the person by the tables under the record view: a
			     * LEFT JOIN onto the view would copy it whole */
			    " FROM record a"
			    " LEFT JOIN record_head ph ON ph.kind = 'person' AND ph.id = a.person"
			    " LEFT JOIN revision p ON p.seq = ph.rev_seq"
			    " WHERE a.kind = 'assessment' AND json_extract(a.body, '$.instrument') = :i"
			    " AND json_extract(a.body, '$.status') = 'final'"
			    " AND json_extract(a.body, '$.registered_on') BETWEEN :o AND :c", e);
	if (rc)
		return rc;
	db_bind_text(&st, ":i", r->instrument, -1);
	db_bind_text(&st, ":o", r->opens_on, -1);
	db_bind_text(&st, ":c", r->closes_on, -1);
	while ((rc = db_step(&st, e)) == 1) {
		const char *f[7];
		for (int i = 0; i < 7; i++)
			f[i] = db_col_is_null(&st, i) ? NULL : db_col_text(&st, i);
		/* no person or locality: not an application to this round */
		if (!f[1] || !f[4] || !in_list(r->localities, f[4]))
			continue;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 256;
			candidate *nv = realloc(v, ncap * sizeof *v);
			if (!nv) {
				rc = err_set(e, ERR_NOMEM, "out of memory");
				break;
			}
			v = nv;
			cap = ncap;
		}
		candidate *k = &v[n++];
		memset(k, 0, sizeof *k);
		k->aid = dup_str(f[0]);
		k->pid = dup_str(f[1]);
		k->nid = norm_nid(f[2]);
		k->name = dup_str(f[3]);
		k->locality = dup_str(f[4]);
		k->registered = dup_str(f[5]);
		k->assessed = dup_str(f[6]);
		if (!k->aid || !k->pid || !k->nid || !k->name || !k->locality || !k->registered ||
		    !k->assessed) {
			rc = err_set(e, ERR_NOMEM, "out of memory");
			break;
		}
	}
	db_finalize(&st);
	if (rc < 0) {
		free_candidates(v, n);
		return rc;
	}
	*out = v;
	*nout = n;
	return 0;
}

/* Scores candidate k into the round: its body as stored, with its id put
 * first (the exchange format carries the id inside; a device's body has
 * none, and the first of two equal keys is the one read). */
static int add_case(central *c, round_ctx *rx, const candidate *k, buf *text, err *e)
{
	db_stmt st;
	int rc = db_prepare_cached(&c->d, &st, "SELECT body FROM record WHERE id = :id", e);
	if (rc)
		return rc;
	db_bind_text(&st, ":id", k->aid, -1);
	rc = db_step(&st, e);
	if (rc == 1) {
		const char *body = db_col_text(&st, 0);
		buf_reset(text);
		buf_puts(text, "{\"id\":");
		json_write_string(text, k->aid, strlen(k->aid));
		while (*body == ' ' || *body == '\n')
			body++;
		if (*body == '{') {
			body++;
			while (*body == ' ' || *body == '\n')
				body++;
			if (*body != '}')
				buf_putc(text, ',');
		}
		buf_puts(text, body);
		db_finalize(&st);
		return round_add_text(rx, text->data, text->len, e);
	}
	db_finalize(&st);
	return rc < 0 ? rc : err_set(e, ERR_NOTFOUND, "assessment %.40s vanished", k->aid);
}

/* Upserts one applicant row; computed values replace the previous run's,
 * the commission's changes stay. */
static int put_applicant(central *c, const char *round_id, const candidate *k, long ord,
			 const round_case *rcase, long dup_app_no, err *e)
{
	db_stmt st;
	char initials[64];
	rounds_initials(k->name, initials, sizeof initials);
	int rc = db_prepare_cached(&c->d, &st,
		"INSERT INTO applicant(round_id, person_id, assessment_id, app_no, locality, initials,"
		" is_child, registered_on, duplicate_of, points, daily_hours, grp, rank, outcome,"
		" reason, budget_hours, state, ord)"
		" VALUES (:r, :p, :a, :n, :l, :i, :ch, :reg, :dup, :pts, :dh, :g, :rk, :o, :why, :bh,"
		"  'proposed', :ord)"
		" ON CONFLICT(round_id, person_id) DO UPDATE SET assessment_id = excluded.assessment_id,"
		"  locality = excluded.locality, initials = excluded.initials,"
		"  is_child = excluded.is_child, registered_on = excluded.registered_on,"
		"  duplicate_of = excluded.duplicate_of, points = excluded.points,"
		"  daily_hours = excluded.daily_hours, grp = excluded.grp, rank = excluded.rank,"
		"  outcome = excluded.outcome, reason = excluded.reason,"
		"  budget_hours = excluded.budget_hours, ord = excluded.ord", e);
	if (rc)
		return rc;
	db_bind_text(&st, ":r", round_id, -1);
	db_bind_text(&st, ":p", k->pid, -1);
	db_bind_text(&st, ":a", k->aid, -1);
	db_bind_int(&st, ":n", k->app_no);
	db_bind_text(&st, ":l", k->locality, -1);
	db_bind_text(&st, ":i", initials, -1);
	db_bind_text(&st, ":reg", k->registered, -1);
	db_bind_int(&st, ":ord", ord);
	if (rcase) {
		db_bind_int(&st, ":ch", rcase->rc.is_child);
		if (rcase->has_result) {
			db_bind_double(&st, ":pts", rcase->points);
			db_bind_double(&st, ":dh", rcase->daily_hours);
			db_bind_text(&st, ":g", rcase->group, -1);
		}
		if (rcase->rc.rank > 0)
			db_bind_int(&st, ":rk", rcase->rc.rank);
		db_bind_text(&st, ":o", rank_outcome_name(rcase->rc.outcome), -1);
		const char *why = rcase->rc.outcome == RANK_WAITLISTED ? rank_limit_name(rcase->rc.limit)
								       : rcase->reason;
		db_bind_text(&st, ":why", why, -1);
		db_bind_double(&st, ":bh", rcase->rc.hours);
	} else {
		db_bind_int(&st, ":ch", 0);
		db_bind_text(&st, ":o", "duplicate", -1);
		db_bind_int(&st, ":dup", dup_app_no);
		db_bind_text(&st, ":why", "same national id as another application", -1);
		db_bind_double(&st, ":bh", 0);
	}
	rc = db_step(&st, e);
	db_finalize(&st);
	return rc < 0 ? rc : 0;
}

int rounds_run(central *c, const char *id, const char *actor, int timing, buf *out, err *e)
{
	round_row r;
	candidate *v = NULL;
	size_t n = 0, *idx = NULL, nkept = 0, ndup = 0;
	instrument *in = NULL;
	round_ctx *rx = NULL;
	buf ranking = BUF_INIT, text = BUF_INIT;
	db_stmt st;
	char at[21];
	int rc;
	pthread_mutex_lock(&c->lock);
	if ((rc = rounds_load(c, id, &r, e)))
		goto unlock;
	if (rounds_is_locked(&r)) {
		rc = err_set(e, ERR_STATE, "round %s is %s: it can no longer be re-run", id, r.status);
		goto unlock;
	}
	double t0 = clock_now_s();
	if ((rc = inst_load_by_id(c->inst_dirs, r.instrument, 1, &in, e)) ||
	    (rc = read_candidates(c, &r, &v, &n, e)))
		goto unlock;
	double t_select = clock_now_s() - t0;
	/* one per person: the latest assessment */
	qsort(v, n, sizeof *v, by_person);
	idx = malloc((n ? n : 1) * sizeof *idx);
	if (!idx) {
		rc = err_set(e, ERR_NOMEM, "out of memory");
		goto unlock;
	}
	for (size_t i = 0; i < n; i++)
		if (i == 0 || strcmp(v[i].pid, v[i - 1].pid)) {
			v[i].kept = 1;
			idx[nkept++] = i;
		}
	/* the same national id under two person records: the one with the
	 * latest assessment is ranked, the others are shown as duplicates */
	sort_base = v;
	qsort(idx, nkept, sizeof *idx, by_nid_idx);
	for (size_t i = 1; i < nkept; i++) {
		candidate *a = &v[idx[i]];
		if (*a->nid && !strcmp(a->nid, v[idx[i - 1]].nid)) {
			size_t first = i - 1;
			while (v[idx[first]].dup_of)
				first--;
			a->dup_of = (long)idx[first] + 1;
			ndup++;
		}
	}
	/* application numbers: kept from earlier runs; new people numbered in
	 * order of registration */
	long next = 1;
	if ((rc = db_prepare(&c->d, &st,
			     "SELECT coalesce(max(app_no), 0) FROM applicant WHERE round_id = :r", e)))
		goto unlock;
	db_bind_text(&st, ":r", id, -1);
	if (db_step(&st, e) == 1)
		next = (long)db_col_int(&st, 0) + 1;
	db_finalize(&st);
	if ((rc = db_prepare(&c->d, &st,
			     "SELECT app_no FROM applicant WHERE round_id = :r AND person_id = :p", e)))
		goto unlock;
	qsort(idx, nkept, sizeof *idx, by_registered_idx);
	for (size_t i = 0; i < nkept; i++) {
		candidate *a = &v[idx[i]];
		db_bind_text(&st, ":r", id, -1);
		db_bind_text(&st, ":p", a->pid, -1);
		a->app_no = db_step(&st, e) == 1 ? (long)db_col_int(&st, 0) : next++;
		db_reset(&st);
	}
	db_finalize(&st);
	/* rank every kept, non-duplicate case: the same code as `rank`, fed
	 * in assessment id order as `sync-server assessments` lists them (the
	 * order invalid cases keep) */
	if ((rc = round_new(in, &rx, e)))
		goto unlock;
	qsort(idx, nkept, sizeof *idx, by_aid_idx);
	for (size_t i = 0; i < nkept; i++)
		if (!v[idx[i]].dup_of && (rc = add_case(c, rx, &v[idx[i]], &text, e)))
			goto unlock;
	double t_scored = clock_now_s();
	if ((rc = round_run(rx, &r.cap, e)) || (rc = round_write_json(rx, &r.cap, &ranking)))
		goto unlock;
	double t_ranked = clock_now_s();

	if ((rc = db_begin(&c->d, e)))
		goto unlock;
	/* rows not written again (a person no longer in the round) go */
	if ((rc = db_prepare(&c->d, &st, "UPDATE applicant SET ord = -1 WHERE round_id = :r", e)))
		goto fail;
	db_bind_text(&st, ":r", id, -1);
	rc = db_step(&st, e);
	db_finalize(&st);
	if (rc < 0)
		goto fail;
	size_t nr = round_count(rx);
	/* the ranked cases are found again by assessment id (idx is in that
	 * order) */
	for (size_t i = 0; i < nr; i++) {
		const round_case *rcase = round_get(rx, i);
		candidate key = {.aid = (char *)(uintptr_t)(rcase->id ? rcase->id : "")};
		size_t lo = 0, hi = nkept;
		while (lo < hi) {
			size_t mid = (lo + hi) / 2;
			if (strcmp(v[idx[mid]].aid, key.aid) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo == nkept || strcmp(v[idx[lo]].aid, key.aid) || v[idx[lo]].dup_of)
			continue;
		if ((rc = put_applicant(c, id, &v[idx[lo]], (long)i, rcase, 0, e)))
			goto fail;
	}
	qsort(idx, nkept, sizeof *idx, by_registered_idx);
	long ord = (long)nr;
	for (size_t i = 0; i < nkept; i++) {
		candidate *k = &v[idx[i]];
		if (k->dup_of && (rc = put_applicant(c, id, k, ord++, NULL, v[k->dup_of - 1].app_no, e)))
			goto fail;
	}
	if ((rc = db_prepare(&c->d, &st,
			     "DELETE FROM applicant WHERE round_id = :r AND ord = -1", e)))
		goto fail;
	db_bind_text(&st, ":r", id, -1);
	rc = db_step(&st, e);
	db_finalize(&st);
	if (rc < 0)
		goto fail;
	long removed = (long)db_changes(&c->d);
	db_timestamp(at);
	if ((rc = db_prepare(&c->d, &st,
			     "UPDATE round SET status = 'ranked', ranked_at = :at, ranking = :doc"
			     " WHERE id = :r", e)))
		goto fail;
	db_bind_text(&st, ":at", at, -1);
	db_bind_text(&st, ":doc", ranking.data, (int)ranking.len);
	db_bind_text(&st, ":r", id, -1);
	rc = db_step(&st, e);
	db_finalize(&st);
	char detail[128];
	snprintf(detail, sizeof detail, "applicants=%zu ranked=%zu duplicates=%zu removed=%ld",
		 nkept, nr, ndup, removed);
	if (rc < 0 || (rc = central_audit_locked(c, actor, "round_run", id, detail, e)) ||
	    (rc = db_commit(&c->d, e)))
		goto fail;
	double score_s, rank_s;
	round_timing(rx, &score_s, &rank_s);
	buf_printf(out, "round %s: %s\n", id, detail);
	if (timing)
		buf_printf(out, "timing select_s=%.3f fetch_score_s=%.3f score_s=%.3f rank_s=%.3f"
			   " write_s=%.3f total_s=%.3f\n", t_select, t_scored - t0 - t_select, score_s,
			   rank_s, clock_now_s() - t_ranked, clock_now_s() - t0);
	goto unlock;
fail:
	db_rollback(&c->d);
unlock:
	pthread_mutex_unlock(&c->lock);
	round_free(rx);
	inst_free(in);
	free(idx);
	free_candidates(v, n);
	buf_free(&ranking);
	buf_free(&text);
	return rc;
}

/* --- show --------------------------------------------------------------------- */

/* Capacity used: before the lock, the people the list approves; after it,
 * those who hold a place. Caller holds the lock. */
static int capacity_used(central *c, const char *id, const round_row *r, long *users,
			 long *children, double *hours, err *e)
{
	db_stmt st;
	int rc = db_prepare(&c->d, &st,
			    rounds_is_locked(r)
				    ? "SELECT count(*), coalesce(sum(is_child), 0), coalesce(sum(budget_hours), 0)"
				      " FROM applicant WHERE round_id = :r AND state IN " HOLDING
				    : "SELECT count(*), coalesce(sum(is_child), 0), coalesce(sum(budget_hours), 0)"
				      " FROM applicant WHERE round_id = :r"
				      " AND coalesce(override_outcome, outcome) = 'approved'", e);
	if (rc)
		return rc;
	db_bind_text(&st, ":r", id, -1);
	rc = db_step(&st, e);
	if (rc == 1) {
		*users = (long)db_col_int(&st, 0);
		*children = (long)db_col_int(&st, 1);
		*hours = db_col_double(&st, 2);
		rc = 0;
	}
	db_finalize(&st);
	return rc;
}

int rounds_show(central *c, const char *id, buf *out, err *e)
{
	round_row r;
	db_stmt st;
	long users = 0, children = 0;
	double hours = 0;
	pthread_mutex_lock(&c->lock);
	int rc = rounds_load(c, id, &r, e);
	if (rc || (rc = capacity_used(c, id, &r, &users, &children, &hours, e)))
		goto unlock;
	if ((rc = db_prepare(&c->d, &st,
			     "SELECT municipality, service, instrument, localities, opens_on, closes_on,"
			     " status, created_at, ranked_at, locked_on, published_at FROM round"
			     " WHERE id = :r", e)))
		goto unlock;
	db_bind_text(&st, ":r", id, -1);
	if (db_step(&st, e) == 1) {
		buf_puts(out, "{\"round\":{");
		rounds_put_str(out, "id", id);
		static const char *const keys[] = {"municipality", "service", "instrument", "localities",
						   "opens_on", "closes_on", "status", "created_at",
						   "ranked_at", "locked_on", "published_at"};
		for (int i = 0; i < 11; i++) {
			buf_putc(out, ',');
			rounds_put_str(out, keys[i], col_or_null(&st, i));
		}
		buf_puts(out, "},\"settings\":{");
		buf_printf(out, "\"max_users\":%ld,\"children_share\":", r.cap.max_users);
		json_write_number(out, r.cap.children_share);
		buf_puts(out, ",\"hours_budget\":");
		if (r.cap.has_hours_budget)
			json_write_number(out, r.cap.hours_budget);
		else
			buf_puts(out, "null");
		buf_printf(out, "},\"capacity\":{\"users\":{\"used\":%ld,\"max\":%ld},"
			   "\"children\":{\"used\":%ld,\"max\":%ld},\"hours\":{\"used\":",
			   users, r.cap.max_users, children, rank_children_places(&r.cap));
		json_write_number(out, hours);
		buf_puts(out, ",\"max\":");
		if (r.cap.has_hours_budget)
			json_write_number(out, r.cap.hours_budget);
		else
			buf_puts(out, "null");
		buf_puts(out, "}},\"applicants\":[");
	}
	db_finalize(&st);
	if ((rc = db_prepare(&c->d, &st,
			     "SELECT app_no, assessment_id, person_id, locality, initials, is_child,"
			     " registered_on, points, daily_hours, grp, rank, outcome, reason,"
			     " coalesce(override_hours, daily_hours), coalesce(override_outcome, outcome),"
			     " override_hours, override_outcome, override_reason, state, proposed_hours,"
			     " decided_on, reassess_on, duplicate_of"
			     " FROM applicant WHERE round_id = :r ORDER BY ord, app_no", e)))
		goto unlock;
	db_bind_text(&st, ":r", id, -1);
	int k = 0;
	while ((rc = db_step(&st, e)) == 1) {
		static const char *const cols[] = {
			"n:application", "s:assessment", "s:person", "s:locality", "s:initials", "b:child",
			"s:registered_on", "n:points", "n:daily_hours", "s:group", "n:rank", "s:outcome",
			"s:reason", "n:hours", "s:decided", NULL};
		static const char *const over[] = {"n:hours", "s:outcome", "s:reason", NULL};
		static const char *const after[] = {"s:state", "n:proposed_hours", "s:decided_on",
						    "s:reassess_on", "n:duplicate_of", NULL};
		buf_puts(out, k++ ? ",\n{" : "\n{");
		put_cols(out, &st, 0, cols);
		buf_puts(out, ",\"override\":");
		if (db_col_is_null(&st, 15) && db_col_is_null(&st, 16)) {
			buf_puts(out, "null");
		} else {
			buf_putc(out, '{');
			put_cols(out, &st, 15, over);
			buf_putc(out, '}');
		}
		buf_putc(out, ',');
		put_cols(out, &st, 18, after);
		buf_putc(out, '}');
	}
	db_finalize(&st);
	if (rc < 0)
		goto unlock;
	rc = 0;
	buf_puts(out, "\n]}\n");
unlock:
	pthread_mutex_unlock(&c->lock);
	return rc;
}

int rounds_ranking(central *c, const char *id, buf *out, err *e)
{
	db_stmt st;
	pthread_mutex_lock(&c->lock);
	int rc = db_prepare(&c->d, &st, "SELECT ranking FROM round WHERE id = :r", e);
	if (!rc) {
		db_bind_text(&st, ":r", id, -1);
		rc = db_step(&st, e);
		if (rc == 1 && !db_col_is_null(&st, 0)) {
			buf_puts(out, db_col_text(&st, 0));
			rc = 0;
		} else if (rc == 1) {
			rc = err_set(e, ERR_STATE, "round %.64s has not been run yet", id);
		} else if (rc == 0) {
			rc = err_set(e, ERR_NOTFOUND, "no round \"%.64s\"", id);
		}
		db_finalize(&st);
	}
	pthread_mutex_unlock(&c->lock);
	return rc;
}

/* --- decisions on one applicant ---------------------------------------------------- */

typedef struct app_row {
	char state[16], decided[16], outcome[16];
	double hours;
	int has_hours, is_child, ranked;
	double budget_hours;
} app_row;

static int load_app(central *c, const char *id, long app_no, app_row *a, err *e)
{
	db_stmt st;
	int rc = db_prepare(&c->d, &st,
			    "SELECT state, coalesce(override_outcome, outcome), outcome,"
			    " coalesce(override_hours, daily_hours), is_child, rank IS NOT NULL,"
			    " budget_hours FROM applicant WHERE round_id = :r AND app_no = :n", e);
	if (rc)
		return rc;
	db_bind_text(&st, ":r", id, -1);
	db_bind_int(&st, ":n", app_no);
	rc = db_step(&st, e);
	if (rc == 1) {
		memset(a, 0, sizeof *a);
		snprintf(a->state, sizeof a->state, "%s", db_col_text(&st, 0));
		snprintf(a->decided, sizeof a->decided, "%s", db_col_text(&st, 1));
		snprintf(a->outcome, sizeof a->outcome, "%s", db_col_text(&st, 2));
		a->has_hours = !db_col_is_null(&st, 3);
		a->hours = db_col_double(&st, 3);
		a->is_child = (int)db_col_int(&st, 4);
		a->ranked = (int)db_col_int(&st, 5);
		a->budget_hours = db_col_double(&st, 6);
		rc = 0;
	} else if (rc == 0) {
		rc = err_set(e, ERR_NOTFOUND, "round %.64s has no application %ld", id, app_no);
	}
	db_finalize(&st);
	return rc;
}

/* Runs one UPDATE on an applicant with the given SQL, binding :r, :n and
 * up to two optional values :v1 (number) and :t1 (text). */
static int update_app(central *c, const char *sql, const char *id, long app_no, const double *v1,
		      const char *t1, err *e)
{
	db_stmt st;
	int rc = db_prepare(&c->d, &st, sql, e);
	if (rc)
		return rc;
	db_bind_text(&st, ":r", id, -1);
	db_bind_int(&st, ":n", app_no);
	if (v1)
		db_bind_double(&st, ":v1", *v1);
	if (t1)
		db_bind_text(&st, ":t1", t1, -1);
	rc = db_step(&st, e);
	db_finalize(&st);
	return rc < 0 ? rc : 0;
}

static void fmt_hours(char *out, size_t n, int has, double h)
{
	if (!has)
		snprintf(out, n, "none");
	else if (h == floor(h))
		snprintf(out, n, "%.0f", h);
	else
		snprintf(out, n, "%.1f", h);
}

int rounds_override(central *c, const char *id, long app_no, const char *field,
		    const char *value, const char *reason, const char *actor, err *e)
{
	round_row r;
	app_row a;
	int rc;
	double h = 0;
	int is_hours = field && !strcmp(field, "hours");
	if (!is_hours && !(field && !strcmp(field, "outcome")))
		return err_set(e, ERR_INVALID, "change \"hours\" or \"outcome\"");
	if ((rc = check_text("reason", reason, ROUNDS_MAX_REASON, e)))
		return rc;
	if (is_hours) {
		if ((rc = num_parse_double(value, 0, 24, "hours", &h, e)))
			return rc;
		if ((rc = check_hours("hours", h, e)))
			return rc;
	} else if (!value || (strcmp(value, "approved") && strcmp(value, "waitlisted"))) {
		return err_set(e, ERR_INVALID, "outcome: \"approved\" or \"waitlisted\"");
	}
	pthread_mutex_lock(&c->lock);
	if ((rc = rounds_load(c, id, &r, e)) || (rc = load_app(c, id, app_no, &a, e)))
		goto unlock;
	if (rounds_is_locked(&r)) {
		rc = err_set(e, ERR_STATE, "round %s is %s: use redecide after an objection", id, r.status);
		goto unlock;
	}
	if (strcmp(a.outcome, "approved") && strcmp(a.outcome, "waitlisted")) {
		rc = err_set(e, ERR_STATE, "application %ld is %s: only ranked people can be decided on",
			     app_no, a.outcome);
		goto unlock;
	}
	char old[32], new_[32];
	if ((rc = db_begin(&c->d, e)))
		goto unlock;
	if (is_hours) {
		fmt_hours(old, sizeof old, a.has_hours, a.hours);
		fmt_hours(new_, sizeof new_, 1, h);
		rc = update_app(c, "UPDATE applicant SET override_hours = :v1, override_reason = :t1"
				   " WHERE round_id = :r AND app_no = :n", id, app_no, &h, reason, e);
	} else {
		snprintf(old, sizeof old, "%s", a.decided);
		snprintf(new_, sizeof new_, "%s", value);
		rc = update_app(c, "UPDATE applicant SET override_outcome = :t1"
				   " WHERE round_id = :r AND app_no = :n", id, app_no, NULL, value, e);
		if (!rc)
			rc = update_app(c, "UPDATE applicant SET override_reason = :t1"
					   " WHERE round_id = :r AND app_no = :n", id, app_no, NULL, reason, e);
	}
	if (rc || (rc = record_decision(c, id, app_no, is_hours ? "override_hours" : "override_outcome",
					old, new_, reason, actor, e)) ||
	    (rc = db_commit(&c->d, e)))
		db_rollback(&c->d);
unlock:
	pthread_mutex_unlock(&c->lock);
	return rc;
}

/* --- the lock --------------------------------------------------------------------- */

int rounds_lock(central *c, const char *id, const char *on, const char *actor, err *e)
{
	round_row r;
	db_stmt st;
	char day[11], due[11];
	int rc;
	if (on && rounds_date_valid(on))
		return err_set(e, ERR_INVALID, "decision date: not a date (YYYY-MM-DD)");
	if (on)
		snprintf(day, sizeof day, "%s", on);
	else
		rounds_today(day);
	rounds_add_months(day, 6, due);
	pthread_mutex_lock(&c->lock);
	if ((rc = rounds_load(c, id, &r, e)))
		goto unlock;
	if (strcmp(r.status, "ranked")) {
		rc = err_set(e, ERR_STATE, "round %s is %s: only a ranked round can be locked", id,
			     r.status);
		goto unlock;
	}
	if ((rc = db_begin(&c->d, e)))
		goto unlock;
	if ((rc = db_prepare(&c->d, &st,
			     "UPDATE applicant SET"
			     " state = CASE coalesce(override_outcome, outcome)"
			     "  WHEN 'approved' THEN 'offered' WHEN 'waitlisted' THEN 'waiting' ELSE 'out' END,"
			     " decided_on = :d,"
			     " reassess_on = CASE WHEN coalesce(override_outcome, outcome)"
			     "  IN ('approved', 'waitlisted') THEN :due END"
			     " WHERE round_id = :r", e)))
		goto fail;
	db_bind_text(&st, ":d", day, -1);
	db_bind_text(&st, ":due", due, -1);
	db_bind_text(&st, ":r", id, -1);
	rc = db_step(&st, e);
	db_finalize(&st);
	if (rc < 0)
		goto fail;
	if ((rc = db_prepare(&c->d, &st,
			     "UPDATE round SET status = 'locked', locked_on = :d, locked_by = :by"
			     " WHERE id = :r", e)))
		goto fail;
	db_bind_text(&st, ":d", day, -1);
	db_bind_text(&st, ":by", actor, -1);
	db_bind_text(&st, ":r", id, -1);
	rc = db_step(&st, e);
	db_finalize(&st);
	if (rc < 0 || (rc = record_decision(c, id, 0, "round_locked", NULL, day, NULL, actor, e)))
		goto fail;
	/* every decision goes to the devices of its locality */
	if ((rc = db_prepare(&c->d, &st,
			     "SELECT app_no FROM applicant WHERE round_id = :r ORDER BY app_no", e)))
		goto fail;
	db_bind_text(&st, ":r", id, -1);
	while ((rc = db_step(&st, e)) == 1) {
		long n = (long)db_col_int(&st, 0);
		if ((rc = feed_decision(c, id, n, e)))
			break;
	}
	db_finalize(&st);
	if (rc < 0 || rc > 1 || (rc = db_commit(&c->d, e)))
		goto fail;
	goto unlock;
fail:
	db_rollback(&c->d);
unlock:
	pthread_mutex_unlock(&c->lock);
	return rc;
}

/* --- after the decision -------------------------------------------------------------- */

static int locked_app(central *c, const char *id, long app_no, round_row *r, app_row *a, err *e)
{
	int rc = rounds_load(c, id, r, e);
	if (!rc && !rounds_is_locked(r))
		rc = err_set(e, ERR_STATE, "round %s is %s: lock it first", id, r->status);
	if (!rc)
		rc = load_app(c, id, app_no, a, e);
	return rc;
}

static int set_state(central *c, const char *id, long app_no, const char *state, err *e)
{
	return update_app(c, "UPDATE applicant SET state = :t1 WHERE round_id = :r AND app_no = :n",
			  id, app_no, NULL, state, e);
}

int rounds_respond(central *c, const char *id, long app_no, const char *answer,
		   double proposed_hours, const char *reason, const char *actor, err *e)
{
	round_row r;
	app_row a;
	int rc;
	const char *need, *to;
	if (!answer)
		answer = "";
	if (!strcmp(answer, "accept")) {
		need = "offered";
		to = "accepted";
	} else if (!strcmp(answer, "object")) {
		need = "offered";
		to = "objected";
		if ((rc = check_hours("proposed hours", proposed_hours, e)) ||
		    (rc = check_text("reason", reason, ROUNDS_MAX_REASON, e)))
			return rc;
	} else if (!strcmp(answer, "contract")) {
		need = "accepted";
		to = "contracted";
	} else {
		return err_set(e, ERR_INVALID, "answer: \"accept\", \"object\" or \"contract\"");
	}
	pthread_mutex_lock(&c->lock);
	if ((rc = locked_app(c, id, app_no, &r, &a, e)))
		goto unlock;
	if (strcmp(a.state, need)) {
		rc = err_set(e, ERR_STATE, "application %ld is %s: \"%s\" needs %s", app_no, a.state,
			     answer, need);
		goto unlock;
	}
	char newv[48];
	if (!strcmp(to, "objected"))
		snprintf(newv, sizeof newv, "objected (proposes %.1f h)", proposed_hours);
	else
		snprintf(newv, sizeof newv, "%s", to);
	if ((rc = db_begin(&c->d, e)))
		goto unlock;
	if ((rc = set_state(c, id, app_no, to, e)) ||
	    (!strcmp(to, "objected") &&
	     (rc = update_app(c, "UPDATE applicant SET proposed_hours = :v1"
				 " WHERE round_id = :r AND app_no = :n", id, app_no, &proposed_hours,
			      NULL, e))) ||
	    (rc = record_decision(c, id, app_no, answer, a.state, newv, reason, actor, e)) ||
	    (rc = feed_decision(c, id, app_no, e)) || (rc = db_commit(&c->d, e)))
		db_rollback(&c->d);
unlock:
	pthread_mutex_unlock(&c->lock);
	return rc;
}

int rounds_redecide(central *c, const char *id, long app_no, double hours, const char *reason,
		    const char *actor, err *e)
{
	round_row r;
	app_row a;
	int rc;
	if ((rc = check_hours("hours", hours, e)) ||
	    (rc = check_text("reason", reason, ROUNDS_MAX_REASON, e)))
		return rc;
	pthread_mutex_lock(&c->lock);
	if ((rc = locked_app(c, id, app_no, &r, &a, e)))
		goto unlock;
	if (strcmp(a.state, "objected")) {
		rc = err_set(e, ERR_STATE, "application %ld is %s: only an objection is re-decided",
			     app_no, a.state);
		goto unlock;
	}
	char old[32], new_[32];
	fmt_hours(old, sizeof old, a.has_hours, a.hours);
	fmt_hours(new_, sizeof new_, 1, hours);
	if ((rc = db_begin(&c->d, e)))
		goto unlock;
	if ((rc = update_app(c, "UPDATE applicant SET override_hours = :v1, override_reason = :t1,"
			        " state = 'offered', proposed_hours = NULL"
			        " WHERE round_id = :r AND app_no = :n", id, app_no, &hours, reason, e)) ||
	    (rc = record_decision(c, id, app_no, "redecided", old, new_, reason, actor, e)) ||
	    (rc = feed_decision(c, id, app_no, e)) || (rc = db_commit(&c->d, e)))
		db_rollback(&c->d);
unlock:
	pthread_mutex_unlock(&c->lock);
	return rc;
}

/* Offers freed places to the waiting people in rank order, each if every
 * limit holds with them added; `except` (the one who just left the place)
 * is passed over. Caller holds the lock and a transaction. */
static int promote(central *c, const char *id, const round_row *r, long except, const char *day,
		   const char *actor, buf *out, err *e)
{
	long users, children;
	double hours;
	db_stmt st;
	char due[11];
	long places = rank_children_places(&r->cap);
	rounds_add_months(day, 6, due);
	int rc = capacity_used(c, id, r, &users, &children, &hours, e);
	if (rc)
		return rc;
	if ((rc = db_prepare(&c->d, &st,
			     "SELECT app_no, is_child, budget_hours FROM applicant"
			     " WHERE round_id = :r AND state = 'waiting' AND rank IS NOT NULL"
			     " AND app_no != :x ORDER BY rank", e)))
		return rc;
	db_bind_text(&st, ":r", id, -1);
	db_bind_int(&st, ":x", except);
	long chosen[64];
	int nchosen = 0;
	while (users < r->cap.max_users && nchosen < 64 && (rc = db_step(&st, e)) == 1) {
		int child = (int)db_col_int(&st, 1);
		double bh = db_col_double(&st, 2);
		if (child && children + 1 > places)
			continue;
		if (r->cap.has_hours_budget && hours + bh > r->cap.hours_budget + 1e-9)
			continue;
		chosen[nchosen++] = (long)db_col_int(&st, 0);
		users++;
		children += child;
		hours += bh;
	}
	db_finalize(&st);
	if (rc < 0)
		return rc;
	for (int i = 0; i < nchosen; i++) {
		char why[96];
		snprintf(why, sizeof why, "a place was freed (application %ld)", except);
		if ((rc = update_app(c, "UPDATE applicant SET state = 'offered',"
				        " override_outcome = 'approved', decided_on = :t1"
				        " WHERE round_id = :r AND app_no = :n", id, chosen[i], NULL, day, e)) ||
		    (rc = update_app(c, "UPDATE applicant SET reassess_on = :t1"
				        " WHERE round_id = :r AND app_no = :n", id, chosen[i], NULL, due, e)) ||
		    (rc = record_decision(c, id, chosen[i], "promoted", "waiting", "offered", why, actor,
					  e)) ||
		    (rc = feed_decision(c, id, chosen[i], e)))
			return rc;
		buf_printf(out, "%ld\n", chosen[i]);
	}
	return 0;
}

int rounds_release(central *c, const char *id, long app_no, const char *how, const char *reason,
		   const char *actor, buf *out, err *e)
{
	round_row r;
	app_row a;
	char day[11];
	int rc;
	const char *to;
	const char *from_ok;
	if (!how)
		how = "";
	if (!strcmp(how, "withdraw")) {
		to = "withdrawn";
		from_ok = "offered accepted objected contracted waiting";
	} else if (!strcmp(how, "refuse-assistants")) {
		to = "waiting";
		from_ok = "offered accepted objected";
	} else if (!strcmp(how, "leave")) {
		to = "left";
		from_ok = "offered accepted objected contracted";
	} else {
		return err_set(e, ERR_INVALID, "\"withdraw\", \"refuse-assistants\" or \"leave\"");
	}
	if (reason && (rc = check_text("reason", reason, ROUNDS_MAX_REASON, e)))
		return rc;
	rounds_today(day);
	pthread_mutex_lock(&c->lock);
	if ((rc = locked_app(c, id, app_no, &r, &a, e)))
		goto unlock;
	char padded[80];
	snprintf(padded, sizeof padded, " %s ", from_ok);
	char key[24];
	snprintf(key, sizeof key, " %s ", a.state);
	if (!strstr(padded, key)) {
		rc = err_set(e, ERR_STATE, "application %ld is %s: cannot %s", app_no, a.state, how);
		goto unlock;
	}
	int held = strcmp(a.state, "waiting") != 0;
	if ((rc = db_begin(&c->d, e)))
		goto unlock;
	if ((rc = set_state(c, id, app_no, to, e)) ||
	    (rc = record_decision(c, id, app_no, how, a.state, to, reason, actor, e)) ||
	    (rc = feed_decision(c, id, app_no, e)) ||
	    (held && (rc = promote(c, id, &r, app_no, day, actor, out, e))) ||
	    (rc = db_commit(&c->d, e)))
		db_rollback(&c->d);
unlock:
	pthread_mutex_unlock(&c->lock);
	return rc;
}

int rounds_history(central *c, const char *id, long app_no, buf *out, err *e)
{
	db_stmt st;
	pthread_mutex_lock(&c->lock);
	int rc = db_prepare(&c->d, &st,
			    "SELECT seq, app_no, action, old, new, reason, actor, at FROM decision"
			    " WHERE round_id = :r AND (:n = 0 OR app_no = :n) ORDER BY seq", e);
	if (!rc) {
		db_bind_text(&st, ":r", id, -1);
		db_bind_int(&st, ":n", app_no);
		static const char *const cols[] = {"n:seq", "n:application", "s:action", "s:from",
						   "s:to", "s:reason", "s:by", "s:at", NULL};
		rc = put_rows(&st, cols, out, e);
		db_finalize(&st);
	}
	pthread_mutex_unlock(&c->lock);
	return rc < 0 ? rc : 0;
}

int rounds_due(central *c, const char *on, buf *out, err *e)
{
	db_stmt st;
	char day[11];
	if (on && rounds_date_valid(on))
		return err_set(e, ERR_INVALID, "date: not a date (YYYY-MM-DD)");
	if (on)
		snprintf(day, sizeof day, "%s", on);
	else
		rounds_today(day);
	pthread_mutex_lock(&c->lock);
	int rc = db_prepare(&c->d, &st,
			    "SELECT a.round_id, a.app_no, a.assessment_id, a.locality, a.state,"
			    " a.reassess_on FROM applicant a JOIN round r ON r.id = a.round_id"
			    " WHERE r.status IN ('locked', 'published') AND a.reassess_on <= :d"
			    " AND a.state IN ('offered','accepted','objected','contracted','waiting')"
			    " ORDER BY a.reassess_on, a.round_id, a.app_no", e);
	if (!rc) {
		db_bind_text(&st, ":d", day, -1);
		static const char *const cols[] = {"s:round", "n:application", "s:assessment",
						   "s:locality", "s:state", "s:due", NULL};
		rc = put_rows(&st, cols, out, e);
		db_finalize(&st);
	}
	pthread_mutex_unlock(&c->lock);
	return rc < 0 ? rc : 0;
}
