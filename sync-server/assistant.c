/*
 * assistant: personal assistants and the rule of domain.md §4.7 point 9
 * (see assistant.h).
 */
#include "assistant.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "report.h"

static const char *const status_names[ASSISTANT_NSTATUS] = {"applied", "interviewed", "trained",
							    "contracted"};
static const char *const roles[] = {"personal_assistant", "social_assistant", "home_helper", NULL};

const char *assistant_status_name(assistant_status s)
{
	return s < ASSISTANT_NSTATUS ? status_names[s] : "unknown";
}

int assistant_status_parse(const char *s)
{
	for (int i = 0; s && i < ASSISTANT_NSTATUS; i++)
		if (!strcmp(s, status_names[i]))
			return i;
	return -1;
}

int assistant_role_valid(const char *role)
{
	for (const char *const *r = roles; role && *r; r++)
		if (!strcmp(role, *r))
			return 1;
	return 0;
}

void assistant_check(const assistant_user_hours *u, size_t n, assistant_load *out)
{
	memset(out, 0, sizeof *out);
	out->users = (int)n;
	for (size_t i = 0; i < n; i++) {
		if (u[i].known)
			out->hours += u[i].hours;
		else
			out->unknown++;
		out->children += u[i].is_child != 0;
	}
	/* hours are whole or half hours: compare with a tolerance so that
	 * 2.5 + 5.5 is exactly a full day */
	out->over_limit = out->hours > ASSISTANT_DAY_HOURS + 1e-9;
	out->child_not_alone = out->children > 0 && n > 1;
	out->part_time = out->hours < ASSISTANT_DAY_HOURS - 1e-9;
}

/* --- store helpers ------------------------------------------------------------ */

static int check_date(const char *d, const char *what, char out[11], err *e)
{
	if (!d) {
		report_today(out);
		return 0;
	}
	if (!report_date_valid(d))
		return err_set(e, ERR_INVALID, "%s: expected a date YYYY-MM-DD", what);
	memcpy(out, d, 10);
	out[10] = '\0';
	return 0;
}

/* Current status of assistant id (-1 when unknown). Caller holds the lock. */
static int current_status(central *c, int64_t id, err *e)
{
	db_stmt st;
	int rc = db_prepare(&c->d, &st, "SELECT status FROM assistant WHERE id = :id", e);
	if (rc)
		return rc;
	db_bind_int(&st, ":id", id);
	rc = db_step(&st, e);
	int s = rc == 1 ? assistant_status_parse(db_col_text(&st, 0)) : -1;
	db_finalize(&st);
	if (rc < 0)
		return rc;
	if (rc == 0)
		return err_set(e, ERR_NOTFOUND, "no assistant %lld", (long long)id);
	return s;
}

static int add_step(central *c, int64_t id, const char *status, const char *on, const char *actor,
		    err *e)
{
	db_stmt st;
	char at[21];
	db_timestamp(at);
	int rc = db_prepare(&c->d, &st,
			    "INSERT INTO assistant_step(assistant_id, status, on_date, at, actor)"
			    " VALUES (:id, :s, :on, :at, :actor)", e);
	if (rc)
		return rc;
	db_bind_int(&st, ":id", id);
	db_bind_text(&st, ":s", status, -1);
	db_bind_text(&st, ":on", on, -1);
	db_bind_text(&st, ":at", at, -1);
	db_bind_text(&st, ":actor", actor, -1);
	rc = db_step(&st, e);
	db_finalize(&st);
	return rc < 0 ? rc : 0;
}

int assistant_add(central *c, const char *name, const char *locality, const char *role,
		  const char *on_date, const char *actor, int64_t *id, err *e)
{
	char on[11], at[21], detail[200];
	db_stmt st;
	int rc;
	if (!name || !*name || strlen(name) > ASSISTANT_MAX_NAME)
		return err_set(e, ERR_INVALID, "name: 1-%d bytes", ASSISTANT_MAX_NAME);
	if (!locality || !*locality || strlen(locality) > 120)
		return err_set(e, ERR_INVALID, "locality: 1-120 bytes");
	if (!role)
		role = "personal_assistant";
	if (!assistant_role_valid(role))
		return err_set(e, ERR_INVALID,
			       "role: personal_assistant, social_assistant or home_helper");
	if ((rc = check_date(on_date, "date", on, e)))
		return rc;
	db_timestamp(at);
	pthread_mutex_lock(&c->lock);
	if ((rc = db_begin(&c->d, e)))
		goto out;
	if ((rc = db_prepare(&c->d, &st,
			     "INSERT INTO assistant(name, locality, role, status, created_at, created_by)"
			     " VALUES (:n, :l, :r, 'applied', :at, :by)", e)))
		goto fail;
	db_bind_text(&st, ":n", name, -1);
	db_bind_text(&st, ":l", locality, -1);
	db_bind_text(&st, ":r", role, -1);
	db_bind_text(&st, ":at", at, -1);
	db_bind_text(&st, ":by", actor, -1);
	rc = db_step(&st, e);
	db_finalize(&st);
	if (rc < 0)
		goto fail;
	*id = sqlite3_last_insert_rowid(c->d.h);
	char subject[32];
	snprintf(subject, sizeof subject, "assistant/%lld", (long long)*id);
	/* the audit names the assistant by number; the name stays in its row */
	snprintf(detail, sizeof detail, "%s %s applied %s", role, locality, on);
	if ((rc = add_step(c, *id, "applied", on, actor, e)) ||
	    (rc = central_audit_locked(c, actor, "assistant_add", subject, detail, e)) ||
	    (rc = db_commit(&c->d, e)))
		goto fail;
	goto out;
fail:
	db_rollback(&c->d);
out:
	pthread_mutex_unlock(&c->lock);
	return rc;
}

int assistant_set_status(central *c, int64_t id, const char *status, const char *on_date,
			 const char *actor, err *e)
{
	char on[11], subject[32], detail[64];
	db_stmt st;
	int want = assistant_status_parse(status), rc;
	if (want < 0)
		return err_set(e, ERR_INVALID, "status: applied, interviewed, trained or contracted");
	if ((rc = check_date(on_date, "date", on, e)))
		return rc;
	pthread_mutex_lock(&c->lock);
	if ((rc = db_begin(&c->d, e)))
		goto out;
	int cur = current_status(c, id, e);
	if (cur < 0) {
		rc = cur;
		goto fail;
	}
	if (want <= cur) {
		rc = err_set(e, ERR_STATE, "assistant %lld is already %s: a status only moves forward",
			     (long long)id, status_names[cur]);
		goto fail;
	}
	if ((rc = db_prepare(&c->d, &st, "UPDATE assistant SET status = :s WHERE id = :id", e)))
		goto fail;
	db_bind_text(&st, ":s", status_names[want], -1);
	db_bind_int(&st, ":id", id);
	rc = db_step(&st, e);
	db_finalize(&st);
	snprintf(subject, sizeof subject, "assistant/%lld", (long long)id);
	snprintf(detail, sizeof detail, "%s -> %s on %s", status_names[cur], status_names[want], on);
	if (rc < 0 || (rc = add_step(c, id, status_names[want], on, actor, e)) ||
	    (rc = central_audit_locked(c, actor, "assistant_status", subject, detail, e)) ||
	    (rc = db_commit(&c->d, e)))
		goto fail;
	goto out;
fail:
	db_rollback(&c->d);
out:
	pthread_mutex_unlock(&c->lock);
	return rc;
}

/* Ends the current link(s) of person (with assistant id, or any when id is
 * 0) on date on; *ended counts them. */
static int end_links(central *c, int64_t id, const char *person_id, const char *on, int *ended,
		     err *e)
{
	db_stmt st;
	int rc = db_prepare(&c->d, &st,
			    "UPDATE assistant_user SET to_date = :on WHERE person_id = :p AND to_date IS NULL"
			    " AND (:id = 0 OR assistant_id = :id)", e);
	if (rc)
		return rc;
	db_bind_text(&st, ":on", on, -1);
	db_bind_text(&st, ":p", person_id, -1);
	db_bind_int(&st, ":id", id);
	rc = db_step(&st, e);
	db_finalize(&st);
	*ended = (int)db_changes(&c->d);
	return rc < 0 ? rc : 0;
}

int assistant_choose(central *c, int64_t id, const char *person_id, const char *on_date,
		     const char *actor, err *e)
{
	char on[11], at[21], subject[32], detail[128];
	db_stmt st;
	int rc, ended = 0;
	if (!person_id || strlen(person_id) > 64)
		return err_set(e, ERR_INVALID, "person: a person id is needed");
	if ((rc = check_date(on_date, "date", on, e)))
		return rc;
	db_timestamp(at);
	pthread_mutex_lock(&c->lock);
	if ((rc = db_begin(&c->d, e)))
		goto out;
	if ((rc = current_status(c, id, e)) < 0)
		goto fail;
	if (db_prepare(&c->d, &st, "SELECT count(*) FROM record WHERE id = :p AND kind = 'person'", e) == 0) {
		db_bind_text(&st, ":p", person_id, -1);
		rc = db_step(&st, e) == 1 && db_col_int(&st, 0) == 1 ? 0
			: err_set(e, ERR_NOTFOUND, "no person %.40s in the central store", person_id);
		db_finalize(&st);
	} else {
		rc = ERR_IO;
	}
	if (rc)
		goto fail;
	if ((rc = db_prepare(&c->d, &st,
			     "SELECT count(*) FROM assistant_user WHERE person_id = :p AND assistant_id = :id"
			     " AND to_date IS NULL", e)))
		goto fail;
	db_bind_text(&st, ":p", person_id, -1);
	db_bind_int(&st, ":id", id);
	int already = db_step(&st, e) == 1 && db_col_int(&st, 0) > 0;
	db_finalize(&st);
	if (already) {
		rc = err_set(e, ERR_STATE, "this person is already served by assistant %lld",
			     (long long)id);
		goto fail;
	}
	if ((rc = end_links(c, 0, person_id, on, &ended, e)))
		goto fail;
	if ((rc = db_prepare(&c->d, &st,
			     "INSERT INTO assistant_user(assistant_id, person_id, from_date, at, actor)"
			     " VALUES (:id, :p, :on, :at, :actor)", e)))
		goto fail;
	db_bind_int(&st, ":id", id);
	db_bind_text(&st, ":p", person_id, -1);
	db_bind_text(&st, ":on", on, -1);
	db_bind_text(&st, ":at", at, -1);
	db_bind_text(&st, ":actor", actor, -1);
	rc = db_step(&st, e);
	db_finalize(&st);
	snprintf(subject, sizeof subject, "assistant/%lld", (long long)id);
	snprintf(detail, sizeof detail, "person %.40s from %s%s", person_id, on,
		 ended ? " (left the previous assistant)" : "");
	if (rc < 0 || (rc = central_audit_locked(c, actor, "assistant_choose", subject, detail, e)) ||
	    (rc = db_commit(&c->d, e)))
		goto fail;
	goto out;
fail:
	db_rollback(&c->d);
out:
	pthread_mutex_unlock(&c->lock);
	return rc;
}

int assistant_release(central *c, int64_t id, const char *person_id, const char *on_date,
		      const char *actor, err *e)
{
	char on[11], subject[32], detail[128];
	int rc, ended = 0;
	if (!person_id || strlen(person_id) > 64)
		return err_set(e, ERR_INVALID, "person: a person id is needed");
	if ((rc = check_date(on_date, "date", on, e)))
		return rc;
	pthread_mutex_lock(&c->lock);
	if ((rc = db_begin(&c->d, e)))
		goto out;
	if ((rc = end_links(c, id, person_id, on, &ended, e)))
		goto fail;
	if (!ended) {
		rc = err_set(e, ERR_NOTFOUND, "assistant %lld serves no such person", (long long)id);
		goto fail;
	}
	snprintf(subject, sizeof subject, "assistant/%lld", (long long)id);
	snprintf(detail, sizeof detail, "person %.40s until %s", person_id, on);
	if ((rc = central_audit_locked(c, actor, "assistant_release", subject, detail, e)) ||
	    (rc = db_commit(&c->d, e)))
		goto fail;
	goto out;
fail:
	db_rollback(&c->d);
out:
	pthread_mutex_unlock(&c->lock);
	return rc;
}

/* --- where a user's hours come from ------------------------------------------- */

static double json_num(const cJSON *o, const char *k, int *ok)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	if (cJSON_IsNumber(v)) {
		*ok = 1;
		return v->valuedouble;
	}
	if (cJSON_IsBool(v)) {
		*ok = 1;
		return cJSON_IsTrue(v);
	}
	*ok = 0;
	return 0;
}

/* Child on date `on` from a birth date: whole years under 18. */
static int child_on(const char *birth, const char *on, int *known)
{
	int y1, m1, d1, y2, m2, d2;
	*known = 0;
	if (!birth || !report_date_valid(birth) || sscanf(birth, "%4d-%2d-%2d", &y1, &m1, &d1) != 3 ||
	    sscanf(on, "%4d-%2d-%2d", &y2, &m2, &d2) != 3)
		return 0;
	int age = y2 - y1 - (m2 < m1 || (m2 == m1 && d2 < d1));
	*known = 1;
	return age < 18;
}

int assistant_user_hours_of(central *c, const char *person_id, const char *on_date,
			    assistant_user_hours *out, const char **source, err *e)
{
	db_stmt st;
	int rc, known = 0;
	memset(out, 0, sizeof *out);
	*source = "none";
	/* 1. the approved daily hours of the person in the latest locked round */
	rc = db_prepare(&c->d, &st,
			"SELECT coalesce(a.override_hours, a.daily_hours), a.is_child FROM applicant a"
			" JOIN round r ON r.id = a.round_id"
			" WHERE a.person_id = :p AND r.locked_on IS NOT NULL"
			" AND a.state IN ('offered', 'accepted', 'objected', 'contracted')"
			" ORDER BY r.locked_on DESC, r.created_at DESC, r.id DESC LIMIT 1", e);
	if (rc)
		return rc;
	db_bind_text(&st, ":p", person_id, -1);
	if ((rc = db_step(&st, e)) == 1 && !db_col_is_null(&st, 0)) {
		out->hours = db_col_double(&st, 0);
		out->known = 1;
		out->is_child = (int)db_col_int(&st, 1);
		*source = "round";
	}
	db_finalize(&st);
	if (rc < 0)
		return rc;
	/* 2. else the server's score of the latest final needs assessment */
	if (!out->known) {
		rc = db_prepare(&c->d, &st,
				"SELECT s.outputs FROM record r JOIN score s ON s.assessment_id = r.id"
				" AND s.head = r.head AND s.valid = 1"
				" WHERE r.kind = 'assessment'"
				" AND json_extract(r.body, '$.instrument') = 'bg-independent-living'"
				" AND json_extract(r.body, '$.status') = 'final'"
				" AND r.person = :p"
				" ORDER BY json_extract(r.body, '$.assessed_on') DESC, r.id DESC LIMIT 1", e);
		if (rc)
			return rc;
		db_bind_text(&st, ":p", person_id, -1);
		if ((rc = db_step(&st, e)) == 1) {
			cJSON *o = cJSON_Parse(db_col_text(&st, 0));
			int ok = 0, okc = 0;
			double h = json_num(o, "daily_hours", &ok);
			double ch = json_num(o, "is_child", &okc);
			if (ok) {
				out->hours = h;
				out->known = 1;
				out->is_child = okc && ch != 0;
				*source = "assessment";
			}
			cJSON_Delete(o);
		}
		db_finalize(&st);
		if (rc < 0)
			return rc;
	}
	/* a child on the day checked, from the birth date the person record
	 * carries (a child of 17 at the decision may be 18 now) */
	char on[11];
	if ((rc = check_date(on_date, "date", on, e)))
		return rc;
	rc = db_prepare(&c->d, &st,
			"SELECT json_extract(body, '$.birth_date') FROM record WHERE id = :p AND kind = 'person'",
			e);
	if (rc)
		return rc;
	db_bind_text(&st, ":p", person_id, -1);
	if ((rc = db_step(&st, e)) == 1) {
		int child = child_on(db_col_text(&st, 0), on, &known);
		if (known)
			out->is_child = child;
	}
	db_finalize(&st);
	return rc < 0 ? rc : 0;
}

/* --- listing and load ------------------------------------------------------------ */

static void write_initials(buf *out, const char *name)
{
	char ini[64];
	report_initials(name, ini, sizeof ini);
	json_write_string(out, ini, strlen(ini));
}

static int write_steps(central *c, int64_t id, buf *out, err *e)
{
	db_stmt st;
	int rc = db_prepare(&c->d, &st,
			    "SELECT status, on_date FROM assistant_step WHERE assistant_id = :id ORDER BY seq",
			    e);
	if (rc)
		return rc;
	db_bind_int(&st, ":id", id);
	buf_puts(out, "\"steps\":[");
	int n = 0;
	while ((rc = db_step(&st, e)) == 1)
		buf_printf(out, "%s{\"status\":\"%s\",\"on\":\"%s\"}", n++ ? "," : "",
			   db_col_text(&st, 0), db_col_text(&st, 1));
	buf_putc(out, ']');
	db_finalize(&st);
	return rc < 0 ? rc : 0;
}

static int write_current_users(central *c, int64_t id, buf *out, err *e)
{
	db_stmt st;
	int rc = db_prepare(&c->d, &st,
			    "SELECT person_id, from_date FROM assistant_user WHERE assistant_id = :id"
			    " AND to_date IS NULL ORDER BY from_date, seq", e);
	if (rc)
		return rc;
	db_bind_int(&st, ":id", id);
	buf_puts(out, "\"users\":[");
	int n = 0;
	while ((rc = db_step(&st, e)) == 1) {
		buf_puts(out, n++ ? ",{\"person\":" : "{\"person\":");
		json_write_string(out, db_col_text(&st, 0), strlen(db_col_text(&st, 0)));
		buf_printf(out, ",\"from\":\"%s\"}", db_col_text(&st, 1));
	}
	buf_putc(out, ']');
	db_finalize(&st);
	return rc < 0 ? rc : 0;
}

int assistant_list_json(central *c, const char *status, buf *out, err *e)
{
	db_stmt st;
	if (status && assistant_status_parse(status) < 0)
		return err_set(e, ERR_INVALID, "status: applied, interviewed, trained or contracted");
	pthread_mutex_lock(&c->lock);
	int rc = db_prepare(&c->d, &st,
			    "SELECT id, name, locality, role, status FROM assistant"
			    " WHERE :s IS NULL OR status = :s ORDER BY id", e);
	if (rc)
		goto out;
	db_bind_text(&st, ":s", status, -1);
	buf_puts(out, "{\"assistants\":[");
	int n = 0;
	while ((rc = db_step(&st, e)) == 1) {
		int64_t id = db_col_int(&st, 0);
		buf_printf(out, "%s\n {\"id\":%lld,\"initials\":", n++ ? "," : "", (long long)id);
		write_initials(out, db_col_text(&st, 1));
		buf_puts(out, ",\"locality\":");
		json_write_string(out, db_col_text(&st, 2), strlen(db_col_text(&st, 2)));
		buf_printf(out, ",\"role\":\"%s\",\"status\":\"%s\",", db_col_text(&st, 3),
			   db_col_text(&st, 4));
		if ((rc = write_steps(c, id, out, e)))
			break;
		buf_putc(out, ',');
		if ((rc = write_current_users(c, id, out, e)))
			break;
		buf_putc(out, '}');
	}
	db_finalize(&st);
	if (rc >= 0) {
		buf_printf(out, "\n],\"count\":%d}\n", n);
		rc = 0;
	}
out:
	pthread_mutex_unlock(&c->lock);
	return out->oom ? ERR_NOMEM : rc;
}

int assistant_show_json(central *c, int64_t id, buf *out, err *e)
{
	db_stmt st;
	pthread_mutex_lock(&c->lock);
	int rc = db_prepare(&c->d, &st,
			    "SELECT name, locality, role, status, created_at, created_by FROM assistant"
			    " WHERE id = :id", e);
	if (rc)
		goto out;
	db_bind_int(&st, ":id", id);
	rc = db_step(&st, e);
	if (rc == 1) {
		buf_printf(out, "{\"id\":%lld,\"name\":", (long long)id);
		json_write_string(out, db_col_text(&st, 0), strlen(db_col_text(&st, 0)));
		buf_puts(out, ",\"initials\":");
		write_initials(out, db_col_text(&st, 0));
		buf_puts(out, ",\"locality\":");
		json_write_string(out, db_col_text(&st, 1), strlen(db_col_text(&st, 1)));
		buf_printf(out, ",\"role\":\"%s\",\"status\":\"%s\",\"created_at\":\"%s\",",
			   db_col_text(&st, 2), db_col_text(&st, 3), db_col_text(&st, 4));
		rc = write_steps(c, id, out, e);
		if (!rc) {
			buf_putc(out, ',');
			rc = write_current_users(c, id, out, e);
		}
		buf_puts(out, "}\n");
	} else if (rc == 0) {
		rc = err_set(e, ERR_NOTFOUND, "no assistant %lld", (long long)id);
	}
	db_finalize(&st);
	if (rc > 0)
		rc = 0;
out:
	pthread_mutex_unlock(&c->lock);
	return rc;
}

/* One assistant's load, computed for both output formats. */
typedef struct load_row {
	int64_t id;
	char initials[64], locality[121], role[32], status[16];
	assistant_load load;
	int nusers;
	struct {
		char person[65];
		assistant_user_hours h;
		const char *source;
	} users[32]; /* more users than 32 is itself a violation long before */
	int more_users;
} load_row;

static const char *load_kind(const assistant_load *l)
{
	return l->over_limit ? "over" : l->part_time ? "part_time" : "full_time";
}

/* Calls fn for each assistant that is contracted or has users. */
static int each_load(central *c, const char *on, int (*fn)(const load_row *, void *), void *arg,
		     err *e)
{
	db_stmt st, us;
	int rc = db_prepare(&c->d, &st,
			    "SELECT a.id, a.name, a.locality, a.role, a.status FROM assistant a"
			    " WHERE a.status = 'contracted' OR EXISTS (SELECT 1 FROM assistant_user u"
			    "  WHERE u.assistant_id = a.id AND u.from_date <= :on"
			    "  AND (u.to_date IS NULL OR u.to_date > :on))"
			    " ORDER BY a.id", e);
	if (rc)
		return rc;
	db_bind_text(&st, ":on", on, -1);
	load_row *r = malloc(sizeof *r);
	if (!r) {
		db_finalize(&st);
		return err_set(e, ERR_NOMEM, "out of memory");
	}
	while ((rc = db_step(&st, e)) == 1) {
		memset(r, 0, sizeof *r);
		r->id = db_col_int(&st, 0);
		report_initials(db_col_text(&st, 1), r->initials, sizeof r->initials);
		snprintf(r->locality, sizeof r->locality, "%s", db_col_text(&st, 2));
		snprintf(r->role, sizeof r->role, "%s", db_col_text(&st, 3));
		snprintf(r->status, sizeof r->status, "%s", db_col_text(&st, 4));
		if ((rc = db_prepare(&c->d, &us,
				     "SELECT person_id FROM assistant_user WHERE assistant_id = :id"
				     " AND from_date <= :on AND (to_date IS NULL OR to_date > :on)"
				     " ORDER BY from_date, seq", e)))
			break;
		db_bind_int(&us, ":id", r->id);
		db_bind_text(&us, ":on", on, -1);
		assistant_user_hours hs[32];
		while ((rc = db_step(&us, e)) == 1) {
			if (r->nusers == 32) {
				r->more_users++;
				continue;
			}
			snprintf(r->users[r->nusers].person, 65, "%s", db_col_text(&us, 0));
			if ((rc = assistant_user_hours_of(c, r->users[r->nusers].person, on,
							  &r->users[r->nusers].h,
							  &r->users[r->nusers].source, e)))
				break;
			hs[r->nusers] = r->users[r->nusers].h;
			r->nusers++;
		}
		db_finalize(&us);
		if (rc < 0)
			break;
		assistant_check(hs, (size_t)r->nusers, &r->load);
		r->load.users += r->more_users;
		if ((rc = fn(r, arg)))
			break;
	}
	db_finalize(&st);
	free(r);
	return rc < 0 ? rc : 0;
}

typedef struct load_totals {
	buf *out;
	int n, full, part, over, violations, warnings;
} load_totals;

static int load_json_row(const load_row *r, void *arg)
{
	load_totals *t = arg;
	buf *out = t->out;
	const assistant_load *l = &r->load;
	buf_printf(out, "%s\n {\"id\":%lld,\"initials\":", t->n++ ? "," : "", (long long)r->id);
	json_write_string(out, r->initials, strlen(r->initials));
	buf_puts(out, ",\"locality\":");
	json_write_string(out, r->locality, strlen(r->locality));
	buf_printf(out, ",\"role\":\"%s\",\"status\":\"%s\",\"users\":[", r->role, r->status);
	for (int i = 0; i < r->nusers; i++) {
		buf_printf(out, "%s{\"person\":", i ? "," : "");
		json_write_string(out, r->users[i].person, strlen(r->users[i].person));
		buf_puts(out, ",\"hours\":");
		if (r->users[i].h.known)
			json_write_number(out, r->users[i].h.hours);
		else
			buf_puts(out, "null");
		buf_printf(out, ",\"hours_from\":\"%s\",\"child\":%s}", r->users[i].source,
			   r->users[i].h.is_child ? "true" : "false");
	}
	buf_puts(out, "],\"hours\":");
	json_write_number(out, l->hours);
	buf_printf(out, ",\"load\":\"%s\",\"violations\":[", load_kind(l));
	int k = 0;
	if (l->over_limit)
		buf_printf(out, "%s\"over_8_hours\"", k++ ? "," : "");
	if (l->child_not_alone)
		buf_printf(out, "%s\"child_not_alone\"", k++ ? "," : "");
	buf_puts(out, "],\"warnings\":[");
	int w = 0;
	if (l->unknown)
		buf_printf(out, "%s\"hours_unknown\"", w++ ? "," : "");
	if (l->users && strcmp(r->status, "contracted"))
		buf_printf(out, "%s\"not_contracted\"", w++ ? "," : "");
	buf_puts(out, "]}");
	t->full += !l->over_limit && !l->part_time;
	t->part += l->part_time;
	t->over += l->over_limit;
	t->violations += k ? 1 : 0;
	t->warnings += w ? 1 : 0;
	return out->oom ? ERR_NOMEM : 0;
}

int assistant_load_json(central *c, const char *on_date, buf *out, err *e)
{
	char on[11];
	int rc = check_date(on_date, "date", on, e);
	if (rc)
		return rc;
	load_totals t = {out, 0, 0, 0, 0, 0, 0};
	buf_printf(out, "{\"on\":\"%s\",\"day_hours\":", on);
	json_write_number(out, ASSISTANT_DAY_HOURS);
	buf_puts(out, ",\"assistants\":[");
	pthread_mutex_lock(&c->lock);
	rc = each_load(c, on, load_json_row, &t, e);
	pthread_mutex_unlock(&c->lock);
	if (rc)
		return rc;
	buf_printf(out,
		   "\n],\"totals\":{\"assistants\":%d,\"full_time\":%d,\"part_time\":%d,\"over\":%d,"
		   "\"with_violations\":%d,\"with_warnings\":%d}}\n",
		   t.n, t.full, t.part, t.over, t.violations, t.warnings);
	return out->oom ? ERR_NOMEM : 0;
}

static int load_csv_row(const load_row *r, void *arg)
{
	load_totals *t = arg;
	buf *out = t->out;
	const assistant_load *l = &r->load;
	char num[32], hours[32];
	t->n++;
	snprintf(num, sizeof num, "%lld", (long long)r->id);
	report_fmt_number(hours, sizeof hours, l->hours);
	buf b = BUF_INIT;
	for (int i = 0; i < r->nusers; i++)
		buf_printf(&b, "%s%s", i ? " " : "", r->users[i].person);
	const char *viol = l->over_limit && l->child_not_alone ? "over_8_hours child_not_alone"
			   : l->over_limit			? "over_8_hours"
			   : l->child_not_alone			? "child_not_alone"
								: "";
	char users[16];
	snprintf(users, sizeof users, "%d", l->users);
	const char *cells[] = {num,   r->initials, r->locality, r->role,	r->status, users,
			       hours, load_kind(l), viol,	b.data ? b.data : ""};
	report_csv_row(out, cells, sizeof cells / sizeof cells[0]);
	buf_free(&b);
	return out->oom ? ERR_NOMEM : 0;
}

int assistant_load_csv(central *c, const char *on_date, buf *out, err *e)
{
	char on[11];
	int rc = check_date(on_date, "date", on, e);
	if (rc)
		return rc;
	static const char *const head[] = {"assistant", "initials", "locality", "role",
					   "status", "users", "hours_a_day", "load",
					   "violations", "user_ids"};
	report_csv_begin(out);
	report_csv_row(out, head, sizeof head / sizeof head[0]);
	load_totals t = {out, 0, 0, 0, 0, 0, 0};
	pthread_mutex_lock(&c->lock);
	rc = each_load(c, on, load_csv_row, &t, e);
	pthread_mutex_unlock(&c->lock);
	return rc ? rc : out->oom ? ERR_NOMEM : 0;
}
