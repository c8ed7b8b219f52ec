/*
 * web: the coordinator web interface (see web.h).
 *
 * The page is one HTML shell and a script that draws every view from the
 * JSON of /api/…; the server renders no HTML of its own beyond setting the
 * page's language. Reads are SQL over the central store, rows written out
 * as JSON objects by one helper (query_json), always filtered by the
 * user's localities in the SQL itself (:all / :locs); changes go through
 * the store's own functions (central_conflict_resolve, central_revoke …)
 * with the user's name as the audit actor.
 */
#include "web.h"
#include "web_int.h"

#include <qrencode.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "crypto.h"
#include "inst.h"
#include "json.h"
#include "log.h"
#include "user.h"

#define WEB_COOKIE "fa_session"
#define WEB_LANG_COOKIE "fa_lang"
#define WEB_CSP                                                                                    \
	"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "          \
	"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

static const json_limits web_limits = {256 * 1024, 16, 64 * 1024};

/* ---- small helpers ---- */

void web_letter_headers(http_resp *resp)
{
	http_resp_header(resp, "Content-Security-Policy",
			 "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
			 "frame-ancestors 'none'; base-uri 'none'; form-action 'none'");
	http_resp_header(resp, "X-Content-Type-Options", "nosniff");
	http_resp_header(resp, "Referrer-Policy", "no-referrer");
}

static void security_headers(http_resp *resp)
{
	http_resp_header(resp, "Content-Security-Policy", WEB_CSP);
	http_resp_header(resp, "X-Content-Type-Options", "nosniff");
	http_resp_header(resp, "Referrer-Policy", "no-referrer");
	http_resp_header(resp, "X-Frame-Options", "DENY");
}

/* The value of cookie name in the Cookie header into out; 0 if found. */
static int cookie_value(const http_req *req, const char *name, char *out, size_t n)
{
	const char *h = http_req_header(req, "Cookie");
	size_t nl = strlen(name);
	while (h && *h) {
		while (*h == ' ' || *h == ';')
			h++;
		const char *end = strchr(h, ';');
		size_t len = end ? (size_t)(end - h) : strlen(h);
		if (len > nl && !strncmp(h, name, nl) && h[nl] == '=') {
			size_t vl = len - nl - 1;
			if (vl >= n)
				return -1;
			memcpy(out, h + nl + 1, vl);
			out[vl] = '\0';
			return 0;
		}
		h = end;
	}
	return -1;
}

/* "bg", "ro" or "en": the lang cookie, else the first of Accept-Language
 * that is one of them, else English. */
static const char *page_lang(const http_req *req)
{
	char v[8];
	if (cookie_value(req, WEB_LANG_COOKIE, v, sizeof v) == 0) {
		if (!strcmp(v, "bg"))
			return "bg";
		if (!strcmp(v, "ro"))
			return "ro";
		if (!strcmp(v, "en"))
			return "en";
	}
	const char *al = http_req_header(req, "Accept-Language");
	while (al && *al) {
		while (*al == ' ' || *al == ',')
			al++;
		if (!strncasecmp(al, "bg", 2))
			return "bg";
		if (!strncasecmp(al, "ro", 2))
			return "ro";
		if (!strncasecmp(al, "en", 2))
			return "en";
		al = strchr(al, ',');
	}
	return "en";
}

void web_fail(http_resp *resp, int rc, const err *e)
{
	switch (rc) {
	case ERR_NOTFOUND:
		http_error(resp, 404, "not_found", "%s", e->msg);
		break;
	case ERR_INVALID:
	case ERR_TYPE:
	case ERR_LIMIT:
		http_error(resp, 400, "invalid", "%s", e->msg);
		break;
	case ERR_STATE:
	case ERR_CONFLICT:
		http_error(resp, 409, "conflict", "%s", e->msg);
		break;
	case ERR_AUTH:
		http_error(resp, 403, "forbidden", "%s", e->msg);
		break;
	default:
		LOG(LOG_ERROR, "web: store error: %s", e->msg);
		http_error(resp, 503, "unavailable", "the server cannot answer now; retry later");
		resp->retry_after = 10;
	}
}

/* The user's localities as a JSON array text, for :locs. */
static void locs_json(const user_info *u, buf *out)
{
	buf_putc(out, '[');
	for (int i = 0; i < u->nlocalities; i++) {
		if (i)
			buf_putc(out, ',');
		json_write_string(out, u->localities[i], strlen(u->localities[i]));
	}
	buf_putc(out, ']');
}

typedef struct bind_kv {
	const char *name; /* ":q" */
	const char *text; /* NULL binds NULL */
} bind_kv;

static void bind_if(sqlite3_stmt *s, const char *name, const char *text)
{
	int i = sqlite3_bind_parameter_index(s, name);
	if (i > 0) {
		if (text)
			sqlite3_bind_text(s, i, text, -1, SQLITE_TRANSIENT);
		else
			sqlite3_bind_null(s, i);
	}
}

/* Runs sql and writes its rows into out as a JSON array of objects named
 * by the columns; a column whose name ends in "_json" holds JSON text and
 * is written as it is. :all and :locs are bound from u. The store's lock
 * is held for the query. */
static int query_json(central *c, const char *sql, const user_info *u, const bind_kv *kv,
		      int nkv, buf *out, err *e)
{
	db_stmt st;
	buf locs = BUF_INIT;
	locs_json(u, &locs);
	pthread_mutex_lock(&c->lock);
	int rc = db_prepare(&c->d, &st, sql, e);
	if (!rc) {
		int i = sqlite3_bind_parameter_index(st.s, ":all");
		if (i > 0)
			sqlite3_bind_int(st.s, i, u->all_localities);
		bind_if(st.s, ":locs", locs.data);
		for (int k = 0; k < nkv; k++)
			bind_if(st.s, kv[k].name, kv[k].text);
		int ncol = sqlite3_column_count(st.s), n = 0;
		buf_putc(out, '[');
		while ((rc = db_step(&st, e)) == 1) {
			buf_puts(out, n++ ? ",{" : "{");
			for (int col = 0; col < ncol; col++) {
				const char *name = sqlite3_column_name(st.s, col);
				size_t nl = strlen(name);
				int raw = nl > 5 && !strcmp(name + nl - 5, "_json");
				if (col)
					buf_putc(out, ',');
				json_write_string(out, name, raw ? nl - 5 : nl);
				buf_putc(out, ':');
				switch (sqlite3_column_type(st.s, col)) {
				case SQLITE_NULL:
					buf_puts(out, "null");
					break;
				case SQLITE_INTEGER:
					buf_printf(out, "%lld", (long long)sqlite3_column_int64(st.s, col));
					break;
				case SQLITE_FLOAT:
					json_write_number(out, sqlite3_column_double(st.s, col));
					break;
				default: {
					const char *t = (const char *)sqlite3_column_text(st.s, col);
					if (raw)
						buf_puts(out, t && *t ? t : "null");
					else
						json_write_string(out, t ? t : "", t ? strlen(t) : 0);
				}
				}
			}
			buf_putc(out, '}');
		}
		buf_putc(out, ']');
		db_finalize(&st);
	}
	pthread_mutex_unlock(&c->lock);
	buf_free(&locs);
	if (rc < 0)
		return rc;
	return out->oom ? err_set(e, ERR_NOMEM, "out of memory") : 0;
}

/* The locality of record id (assessment, person …) into out; 0 if found. */
static int record_locality(central *c, const char *sql, const char *id, char *out, size_t n)
{
	db_stmt st;
	int found = -1;
	pthread_mutex_lock(&c->lock);
	if (db_prepare(&c->d, &st, sql, NULL) == 0) {
		db_bind_text(&st, ":id", id, -1);
		if (db_step(&st, NULL) == 1) {
			snprintf(out, n, "%s", db_col_text(&st, 0));
			found = 0;
		}
		db_finalize(&st);
	}
	pthread_mutex_unlock(&c->lock);
	return found;
}

/* ---- the session of a request ---- */

/* Checks the session (and for a POST the CSRF token and Origin); fills
 * *s, or answers 401/403 and returns -1. */
static int require_session(api_ctx *a, const http_req *req, http_resp *resp, user_session *s,
			   int is_post)
{
	char token[80];
	err e = {0, ""};
	if (cookie_value(req, WEB_COOKIE, token, sizeof token) != 0 ||
	    user_session_get(a->c, token, s, &e) != 0) {
		http_error(resp, 401, "unauthenticated", "log in first");
		return -1;
	}
	if (is_post) {
		const char *t = http_req_header(req, "X-CSRF-Token");
		if (!t || strlen(t) != 64 || crypto_equal(t, s->csrf, 64) != 0) {
			LOG(LOG_WARN, "web: POST %s refused: missing or wrong CSRF token", req->path);
			http_error(resp, 403, "csrf", "the request lacks this session's CSRF token");
			return -1;
		}
	}
	return 0;
}

/* A browser's Origin (sent on every POST) must be this server. */
static int origin_ok(const http_req *req)
{
	const char *origin = http_req_header(req, "Origin");
	const char *host = http_req_header(req, "Host");
	if (!origin)
		return 1;
	if (!host || strncmp(origin, "https://", 8))
		return 0;
	return !strcmp(origin + 8, host);
}

int web_require(const user_session *s, http_resp *resp, const char *perm)
{
	if (user_can(&s->u, perm))
		return 0;
	http_error(resp, 403, "forbidden", "the role %s may not do this (%s)", s->u.role, perm);
	return -1;
}

static void session_cookie(http_resp *resp, const char *token, int max_age)
{
	char v[200];
	snprintf(v, sizeof v, "%s=%s; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=%d",
		 WEB_COOKIE, token, max_age);
	http_resp_header(resp, "Set-Cookie", v);
}

static void write_me(const user_session *s, buf *out)
{
	static const char *const perms[] = {"resolve", "devices", "override", "lock", "publish",
					    "rounds", "redecide", "audit", NULL};
	buf_puts(out, "{\"name\":");
	json_write_string(out, s->u.name, strlen(s->u.name));
	buf_puts(out, ",\"role\":");
	json_write_string(out, s->u.role, strlen(s->u.role));
	buf_puts(out, ",\"all_localities\":");
	buf_puts(out, s->u.all_localities ? "true" : "false");
	buf_puts(out, ",\"localities\":");
	locs_json(&s->u, out);
	buf_puts(out, ",\"can\":[");
	int n = 0;
	for (int i = 0; perms[i]; i++)
		if (!strcmp(perms[i], "audit") ? (s->u.all_localities || user_can(&s->u, "users"))
					       : user_can(&s->u, perms[i])) {
			buf_puts(out, n++ ? ",\"" : "\"");
			buf_puts(out, perms[i]);
			buf_putc(out, '"');
		}
	buf_puts(out, "],\"csrf\":\"");
	buf_puts(out, s->csrf);
	buf_puts(out, "\"}\n");
}

/* ---- GET ---- */

static int serve_asset(const http_req *req, http_resp *resp, const char *name)
{
	size_t len;
	const char *type;
	const char *p = web_asset(name, &len, &type);
	if (!p) {
		http_error(resp, 404, "not_found", "no such file");
		return 0;
	}
	resp->content_type = type;
	security_headers(resp);
	if (!strcmp(name, "index.html")) {
		/* the page's language: <html lang="en"> in the file */
		const char *mark = "<html lang=\"en\">";
		const char *at = memmem(p, len, mark, strlen(mark));
		if (at) {
			buf_append(&resp->body, p, (size_t)(at - p));
			buf_printf(&resp->body, "<html lang=\"%s\">", page_lang(req));
			const char *rest = at + strlen(mark);
			buf_append(&resp->body, rest, len - (size_t)(rest - p));
			return 0;
		}
	}
	buf_append(&resp->body, p, len);
	return 0;
}

static const char overview_sql[] =
	"WITH a AS (SELECT r.id, r.locality, r.body, s.outputs FROM record r"
	"  LEFT JOIN score s ON s.assessment_id = r.id"
	"  WHERE r.kind = 'assessment' AND json_extract(r.body, '$.status') IS NOT 'voided'"
	"  AND (:all OR r.locality IN (SELECT value FROM json_each(:locs))))"
	" SELECT"
	" (SELECT count(*) FROM a) AS assessments,"
	" (SELECT count(*) FROM a WHERE json_extract(body, '$.instrument') = 'bg-independent-living')"
	"   AS applications,"
	" (SELECT count(*) FROM record WHERE kind = 'person'"
	"   AND (:all OR locality IN (SELECT value FROM json_each(:locs)))) AS persons,"
	" (SELECT count(*) FROM record WHERE kind = 'household'"
	"   AND (:all OR locality IN (SELECT value FROM json_each(:locs)))) AS households,"
	" (SELECT count(*) FROM conflict f JOIN record r ON r.id = f.record_id WHERE f.status = 'open'"
	"   AND (:all OR r.locality IN (SELECT value FROM json_each(:locs)))) AS open_conflicts,"
	" (SELECT count(*) FROM device WHERE revoked_at IS NULL) AS devices,"
	" (SELECT round(coalesce(sum(json_extract(outputs, '$.daily_hours')), 0), 2) FROM a) AS hours,"
	" (SELECT json_group_array(json_object('locality', locality, 'week', wk, 'n', n)) FROM"
	"   (SELECT locality, strftime('%Y-W%W', json_extract(body, '$.assessed_on')) AS wk,"
	"    count(*) AS n FROM a GROUP BY 1, 2 ORDER BY 2, 1)) AS by_week_json,"
	" (SELECT json_group_array(json_object('group', g, 'n', n, 'hours', h)) FROM"
	"   (SELECT coalesce(json_extract(outputs, '$.group'), '-') AS g, count(*) AS n,"
	"    round(coalesce(sum(json_extract(outputs, '$.daily_hours')), 0), 2) AS h"
	"    FROM a WHERE json_extract(body, '$.instrument') = 'bg-independent-living'"
	"    GROUP BY 1 ORDER BY 1)) AS groups_json,"
	" (SELECT json_group_array(json_object('hours', h, 'n', n)) FROM"
	"   (SELECT json_extract(outputs, '$.daily_hours') AS h, count(*) AS n FROM a"
	"    WHERE h IS NOT NULL GROUP BY 1 ORDER BY 1)) AS hours_hist_json,"
	" (SELECT json_group_array(json_object('dimension', k, 'n', n)) FROM"
	"   (SELECT j.key AS k, count(*) AS n FROM a, json_each(a.outputs) j"
	"    WHERE json_extract(a.body, '$.instrument') = 'ro-household-screening'"
	"    AND j.type = 'true' GROUP BY 1 ORDER BY 1)) AS census_json,"
	" (SELECT json_group_array(json_object('month', m, 'n', n, 'minutes', mins)) FROM"
	"   (SELECT substr(json_extract(body, '$.date'), 1, 7) AS m, count(*) AS n,"
	"    coalesce(sum(json_extract(body, '$.minutes')), 0) AS mins FROM record"
	"    WHERE kind = 'service' AND (:all OR locality IN (SELECT value FROM json_each(:locs)))"
	"    GROUP BY 1 ORDER BY 1)) AS services_json";

static const char cases_sql[] =
	"SELECT r.id, r.locality, json_extract(r.body, '$.instrument') AS instrument,"
	" json_extract(r.body, '$.status') AS status,"
	" json_extract(r.body, '$.assessed_on') AS assessed_on,"
	" coalesce(json_extract(r.body, '$.person.name'), json_extract(p.body, '$.name')) AS name,"
	" json_extract(s.outputs, '$.points') AS points, json_extract(s.outputs, '$.group') AS grp,"
	" json_extract(s.outputs, '$.daily_hours') AS hours, r.conflict IS NOT NULL AS conflict"
	" FROM record r LEFT JOIN score s ON s.assessment_id = r.id"
	" LEFT JOIN record_head ph ON ph.id = r.person AND ph.kind = 'person'"
	" LEFT JOIN revision p ON p.seq = ph.rev_seq"
	" WHERE r.kind = 'assessment'"
	" AND (:all OR r.locality IN (SELECT value FROM json_each(:locs)))"
	" AND (:loc IS NULL OR r.locality = :loc)"
	" AND (:inst IS NULL OR json_extract(r.body, '$.instrument') = :inst)"
	" AND (:grp IS NULL OR json_extract(s.outputs, '$.group') = :grp)"
	" AND (:q IS NULL OR r.id LIKE :q || '%'"
	"  OR coalesce(json_extract(r.body, '$.person.name'), json_extract(p.body, '$.name'))"
	"     LIKE '%' || :q || '%')"
	" ORDER BY name, r.id LIMIT 200 OFFSET coalesce(CAST(:offset AS INTEGER), 0)";

static const char case_sql[] =
	"SELECT r.id, r.kind, r.locality, r.head, r.body AS body_json, s.outputs AS outputs_json,"
	" s.valid, s.error, r.conflict,"
	" (SELECT json_group_array(json_object('hash', hash, 'rev', rev, 'base', base,"
	"   'device', device_id, 'device_name', (SELECT name FROM device d WHERE d.id = device_id),"
	"   'received_at', received_at)) FROM"
	"   (SELECT v.* FROM record_head h, json_each(h.revs) j JOIN revision v ON v.seq = j.value"
	"    WHERE h.id = r.id ORDER BY v.received_at, v.rev))"
	"   AS revisions_json,"
	" (SELECT json_group_array(json_object('seq', seq, 'at', at, 'actor', actor, 'action', action,"
	"   'detail', detail)) FROM (SELECT * FROM audit WHERE subject = r.id OR subject IN"
	"   (SELECT id FROM conflict WHERE record_id = r.id) ORDER BY seq)) AS audit_json,"
	" (SELECT json_group_array(json_object('id', id, 'status', status, 'fields', json(fields)))"
	"   FROM conflict WHERE record_id = r.id) AS conflicts_json,"
	/* the commission's decisions about this assessment in every round */
	" (SELECT json_group_array(json_object('round', d.round_id, 'application', d.app_no,"
	"   'action', d.action, 'old', d.old, 'new', d.new, 'reason', d.reason, 'actor', d.actor,"
	"   'at', d.at)) FROM (SELECT d.* FROM decision d JOIN applicant ap"
	"   ON ap.round_id = d.round_id AND ap.app_no = d.app_no"
	"   WHERE ap.assessment_id = r.id ORDER BY d.seq) d) AS decisions_json"
	" FROM record r LEFT JOIN score s ON s.assessment_id = r.id"
	" WHERE r.id = :id AND (:all OR r.locality IN (SELECT value FROM json_each(:locs)))";

static const char conflicts_sql[] =
	"SELECT f.id, f.record_id, r.kind, r.locality, f.fields AS fields_json, f.status,"
	" f.created_at, f.resolved_at, f.resolved_by"
	" FROM conflict f JOIN record r ON r.id = f.record_id"
	" WHERE (:all OR r.locality IN (SELECT value FROM json_each(:locs)))"
	" AND (:open IS NULL OR f.status = 'open')"
	" ORDER BY f.status = 'open' DESC, f.created_at DESC, f.id LIMIT 500";

static const char conflict_sql[] =
	"SELECT f.id, f.record_id, r.kind, r.locality, f.fields AS fields_json, f.status, f.winner,"
	" f.a, f.b, ra.device_id AS a_device, rb.device_id AS b_device,"
	" (SELECT name FROM device WHERE id = ra.device_id) AS a_device_name,"
	" (SELECT name FROM device WHERE id = rb.device_id) AS b_device_name,"
	" ra.received_at AS a_at, rb.received_at AS b_at,"
	" ra.body AS a_body_json, rb.body AS b_body_json,"
	" f.resolution, f.resolved_by"
	" FROM conflict f JOIN record_head r ON r.id = f.record_id,"
	" json_each(r.revs) ja JOIN revision ra ON ra.seq = ja.value AND ra.hash = f.a,"
	" json_each(r.revs) jb JOIN revision rb ON rb.seq = jb.value AND rb.hash = f.b"
	" WHERE f.id = :id AND (:all OR r.locality IN (SELECT value FROM json_each(:locs)))";

/* devices serving any of the user's localities */
static const char devices_sql[] =
	"SELECT d.id, d.name, d.assessor, d.localities AS localities_json, d.enrolled_at,"
	" d.revoked_at, (SELECT max(received_at) FROM revision WHERE device_id = d.id) AS last_sync"
	" FROM device d WHERE :all OR EXISTS (SELECT 1 FROM json_each(d.localities) l"
	"  WHERE l.value IN (SELECT value FROM json_each(:locs)))"
	" ORDER BY d.revoked_at IS NOT NULL, d.enrolled_at";

static const char audit_sql[] =
	"SELECT seq, at, actor, action, subject, detail FROM audit"
	" WHERE (:before IS NULL OR seq < CAST(:before AS INTEGER))"
	" AND (:action IS NULL OR action = :action)"
	" ORDER BY seq DESC LIMIT 200";

static const char localities_sql[] =
	"SELECT DISTINCT locality FROM record WHERE kind = 'assessment'"
	" AND (:all OR locality IN (SELECT value FROM json_each(:locs))) ORDER BY 1";

/* A query parameter into out (NULL when absent or empty). */
static const char *param(const http_req *req, const char *key, char *out, size_t n)
{
	if (http_query_param(req->query, key, out, n) != 0 || !*out)
		return NULL;
	return out;
}

/* One object: the first row of a query_json array, or 404. */
static int one_row(buf *rows, http_resp *resp, const char *what)
{
	if (rows->len < 3) {
		http_error(resp, 404, "not_found", "no such %s (or not in your localities)", what);
		return -1;
	}
	buf_append(&resp->body, rows->data + 1, rows->len - 2);
	buf_putc(&resp->body, '\n');
	return 0;
}

/* The labels of an instrument's fields and choices in lang, for showing
 * a case's answers: {"title", "fields": {id: {"label", "choices":
 * {value: label}}}}. Instruments hold no personal data: any user may read
 * them. */
static void labels(api_ctx *a, const http_req *req, http_resp *resp)
{
	char id[80], ver[16], lc[8];
	instrument *in = NULL;
	err e = {0, ""};
	long v = 0;
	char *end = NULL;
	if (http_query_param(req->query, "instrument", id, sizeof id) ||
	    http_query_param(req->query, "version", ver, sizeof ver) ||
	    (v = strtol(ver, &end, 10)) < 1 || *end || v > 100000 || strpbrk(id, "/.\\")) {
		http_error(resp, 400, "invalid", "instrument and version are needed");
		return;
	}
	int lang = http_query_param(req->query, "lang", lc, sizeof lc) ? LANG_EN : inst_lang_parse(lc);
	if (lang < 0)
		lang = LANG_EN;
	if (inst_load_by_id(a->c->inst_dirs, id, (int)v, &in, &e)) {
		http_error(resp, 404, "not_found", "no instrument %.64s version %ld", id, v);
		return;
	}
	buf *o = &resp->body;
	const char *title = inst_text(&in->title, (inst_lang)lang);
	buf_puts(o, "{\"title\":");
	json_write_string(o, title, strlen(title));
	buf_puts(o, ",\"fields\":{");
	int n = 0;
	for (size_t i = 0; i < in->nfields; i++) {
		const inst_field *f = &in->fields[i];
		const char *l = inst_text(&f->label, (inst_lang)lang);
		if (!*l)
			continue;
		if (n++)
			buf_putc(o, ',');
		json_write_string(o, f->id, f->id_len);
		buf_puts(o, ":{\"label\":");
		json_write_string(o, l, strlen(l));
		buf_puts(o, ",\"choices\":{");
		for (size_t k = 0; k < f->nchoices; k++) {
			const expr_value *cv = &f->choices[k].value;
			const char *cl = inst_text(&f->choices[k].label, (inst_lang)lang);
			if (k)
				buf_putc(o, ',');
			if (cv->type == EXPR_STR) {
				json_write_string(o, cv->u.str.s, cv->u.str.len);
			} else {
				buf b = BUF_INIT;
				json_write_number(&b, cv->u.num);
				json_write_string(o, b.data ? b.data : "", b.len);
				buf_free(&b);
			}
			buf_putc(o, ':');
			json_write_string(o, cl, strlen(cl));
		}
		buf_puts(o, "}}");
	}
	buf_puts(o, "}}\n");
	inst_free(in);
}

static int api_get(api_ctx *a, const http_req *req, http_resp *resp, const user_session *s)
{
	const char *what = req->path + 5; /* after "/api/" */
	err e = {0, ""};
	buf rows = BUF_INIT;
	int rc = 0;
	char q[256], loc[128], inst[64], grp[16], off[16], id[80], before[24], act[40];
	if (!strcmp(what, "me")) {
		write_me(s, &resp->body);
	} else if (!strcmp(what, "overview")) {
		if (!(rc = query_json(a->c, overview_sql, &s->u, NULL, 0, &rows, &e)))
			one_row(&rows, resp, "overview");
	} else if (!strcmp(what, "labels")) {
		labels(a, req, resp);
	} else if (!strcmp(what, "localities")) {
		rc = query_json(a->c, localities_sql, &s->u, NULL, 0, &resp->body, &e);
	} else if (!strcmp(what, "cases")) {
		bind_kv kv[] = {{":q", param(req, "q", q, sizeof q)},
				{":loc", param(req, "locality", loc, sizeof loc)},
				{":inst", param(req, "instrument", inst, sizeof inst)},
				{":grp", param(req, "group", grp, sizeof grp)},
				{":offset", param(req, "offset", off, sizeof off)}};
		rc = query_json(a->c, cases_sql, &s->u, kv, 5, &resp->body, &e);
	} else if (!strcmp(what, "case")) {
		bind_kv kv[] = {{":id", param(req, "id", id, sizeof id)}};
		if (!(rc = query_json(a->c, case_sql, &s->u, kv, 1, &rows, &e)))
			one_row(&rows, resp, "case");
	} else if (!strcmp(what, "conflicts")) {
		char open[8];
		bind_kv kv[] = {{":open", param(req, "open", open, sizeof open)}};
		rc = query_json(a->c, conflicts_sql, &s->u, kv, 1, &resp->body, &e);
	} else if (!strcmp(what, "conflict")) {
		bind_kv kv[] = {{":id", param(req, "id", id, sizeof id)}};
		if (!(rc = query_json(a->c, conflict_sql, &s->u, kv, 1, &rows, &e)))
			one_row(&rows, resp, "conflict");
	} else if (!strcmp(what, "devices")) {
		rc = query_json(a->c, devices_sql, &s->u, NULL, 0, &resp->body, &e);
	} else if (!strcmp(what, "audit")) {
		/* the trail names records of every locality: all-locality users */
		if (!s->u.all_localities && !user_can(&s->u, "users")) {
			http_error(resp, 403, "forbidden", "the audit trail is for users of all localities");
		} else {
			bind_kv kv[] = {{":before", param(req, "before", before, sizeof before)},
					{":action", param(req, "action", act, sizeof act)}};
			rc = query_json(a->c, audit_sql, &s->u, kv, 2, &resp->body, &e);
		}
	} else if (!strcmp(what, "rounds") || !strncmp(what, "round", 5) ||
		   !strcmp(what, "assistants") || !strcmp(what, "census")) {
		web_round_get(a, req, resp, s, what);
	} else {
		http_error(resp, 404, "not_found", "no such path: %.80s", req->path);
	}
	buf_free(&rows);
	if (rc)
		web_fail(resp, rc, &e);
	return 0;
}

int web_get(void *app, const http_req *req, http_resp *resp)
{
	api_ctx *a = app;
	if (!strcmp(req->path, "/"))
		return serve_asset(req, resp, "index.html");
	if (!strncmp(req->path, "/web/", 5))
		return serve_asset(req, resp, req->path + 5);
	user_session s;
	security_headers(resp);
	if (require_session(a, req, resp, &s, 0))
		return 0;
	return api_get(a, req, resp, &s);
}

/* ---- POST ---- */

static const char *str_field(const cJSON *j, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, name);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int post_login(api_ctx *a, const cJSON *j, http_resp *resp)
{
	const char *name = str_field(j, "user"), *pw = str_field(j, "password");
	char token[65];
	user_session s;
	err e = {0, ""};
	int rc = user_login(a->c, name, pw, token, &s, &e);
	if (rc == ERR_AUTH) {
		int locked = !strncmp(e.msg, "locked", 6);
		http_error(resp, locked ? 429 : 401, locked ? "locked" : "bad_login", "%s",
			   strchr(e.msg, ':') ? strchr(e.msg, ':') + 2 : e.msg);
		return 0;
	}
	if (rc) {
		web_fail(resp, rc, &e);
		return 0;
	}
	session_cookie(resp, token, USER_SESSION_MAX);
	crypto_wipe(token, sizeof token);
	write_me(&s, &resp->body);
	return 0;
}

/* A QR code of text as rows of '0'/'1' (JSON array of strings). */
static void qr_rows(const char *text, buf *out)
{
	QRcode *q = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	buf_putc(out, '[');
	for (int y = 0; q && y < q->width; y++) {
		buf_puts(out, y ? ",\"" : "\"");
		for (int x = 0; x < q->width; x++)
			buf_putc(out, (q->data[y * q->width + x] & 1) ? '1' : '0');
		buf_putc(out, '"');
	}
	buf_putc(out, ']');
	if (q)
		QRcode_free(q);
}

static int post_enroll(api_ctx *a, const http_req *req, const cJSON *j, http_resp *resp,
		       const user_session *s)
{
	const char *assessor = str_field(j, "assessor"), *locs = str_field(j, "localities");
	char code[16];
	err e = {0, ""};
	if (!assessor || !locs || !*assessor || strlen(assessor) > 128 || strlen(locs) > 4000) {
		http_error(resp, 400, "invalid", "assessor (1-128 bytes) and localities are needed");
		return 0;
	}
	/* every locality named must be one of the user's */
	if (!s->u.all_localities) {
		char name[121];
		const char *p = locs;
		while (*p) {
			while (*p == ' ' || *p == ',')
				p++;
			size_t n = strcspn(p, ",");
			size_t m = n;
			while (m && p[m - 1] == ' ')
				m--;
			if (m) {
				snprintf(name, sizeof name, "%.*s", (int)(m < 120 ? m : 120), p);
				if (!user_sees(&s->u, name)) {
					http_error(resp, 403, "forbidden",
						   "a locality of the device is not one of yours");
					return 0;
				}
			}
			p += n;
		}
	}
	int rc = central_enroll_code(a->c, assessor, locs, 24 * 3600, s->u.name, code, &e);
	if (rc) {
		web_fail(resp, rc, &e);
		return 0;
	}
	const char *host = http_req_header(req, "Host");
	buf url = BUF_INIT, qr = BUF_INIT;
	buf_printf(&url, "https://%s", host && strlen(host) < 256 && !strpbrk(host, "\"\\/ ") ? host
											    : "127.0.0.1");
	buf_printf(&qr, "fieldassess:enroll?url=%s&code=%s&pin=%s", url.data, code, a->pin);
	buf_puts(&resp->body, "{\"code\":");
	json_write_string(&resp->body, code, strlen(code));
	buf_puts(&resp->body, ",\"pin\":");
	json_write_string(&resp->body, a->pin, strlen(a->pin));
	buf_puts(&resp->body, ",\"url\":");
	json_write_string(&resp->body, url.data, url.len);
	buf_puts(&resp->body, ",\"qr\":");
	qr_rows(qr.data, &resp->body);
	buf_puts(&resp->body, "}\n");
	buf_free(&url);
	buf_free(&qr);
	return 0;
}

static int post_revoke(api_ctx *a, const cJSON *j, http_resp *resp, const user_session *s)
{
	const char *id = str_field(j, "id");
	err e = {0, ""};
	buf rows = BUF_INIT;
	if (!id || strlen(id) != 36) {
		http_error(resp, 400, "invalid", "id: a device id is needed");
		return 0;
	}
	/* only a device the user can see */
	int rc = query_json(a->c, devices_sql, &s->u, NULL, 0, &rows, &e);
	if (!rc && !strstr(rows.data ? rows.data : "", id)) {
		http_error(resp, 404, "not_found", "no such device in your localities");
		buf_free(&rows);
		return 0;
	}
	buf_free(&rows);
	if (!rc)
		rc = central_revoke(a->c, id, s->u.name, &e);
	if (rc)
		web_fail(resp, rc, &e);
	else
		buf_puts(&resp->body, "{\"revoked\":true}\n");
	return 0;
}

static int post_resolve(api_ctx *a, const cJSON *j, http_resp *resp, const user_session *s)
{
	const char *id = str_field(j, "id"), *pick = str_field(j, "pick");
	char loc[128];
	err e = {0, ""};
	if (!id || strlen(id) > 64 || !pick || (strcmp(pick, "a") && strcmp(pick, "b"))) {
		http_error(resp, 400, "invalid", "id and pick (\"a\" or \"b\") are needed");
		return 0;
	}
	if (record_locality(a->c,
			    "SELECT r.locality FROM conflict f JOIN record r ON r.id = f.record_id"
			    " WHERE f.id = :id", id, loc, sizeof loc) ||
	    !user_sees(&s->u, loc)) {
		http_error(resp, 404, "not_found", "no such conflict in your localities");
		return 0;
	}
	int rc = central_conflict_resolve(a->c, id, pick, NULL, s->u.name, &e);
	if (rc)
		web_fail(resp, rc, &e);
	else
		buf_puts(&resp->body, "{\"resolved\":true}\n");
	return 0;
}

int web_post(void *app, const http_req *req, http_resp *resp)
{
	api_ctx *a = app;
	const char *what = req->path + 5;
	cJSON *j = NULL;
	err e = {0, ""};
	user_session s;
	security_headers(resp);
	if (!origin_ok(req)) {
		http_error(resp, 403, "csrf", "the request comes from another site");
		return 0;
	}
	if (json_parse(req->body, req->body_len, &web_limits, &j, &e) || !cJSON_IsObject(j)) {
		http_error(resp, 400, "bad_json", "the body must be a JSON object");
		cJSON_Delete(j);
		return 0;
	}
	if (!strcmp(what, "login")) {
		post_login(a, j, resp);
		goto done;
	}
	if (!strcmp(what, "lang")) {
		/* the language is not a secret and changes nothing on the server */
		const char *l = str_field(j, "lang");
		if (!l || (strcmp(l, "bg") && strcmp(l, "ro") && strcmp(l, "en"))) {
			http_error(resp, 400, "invalid", "lang: bg, ro or en");
			goto done;
		}
		char v[96];
		snprintf(v, sizeof v, "%s=%s; Path=/; Secure; SameSite=Strict; Max-Age=31536000",
			 WEB_LANG_COOKIE, l);
		http_resp_header(resp, "Set-Cookie", v);
		buf_puts(&resp->body, "{}\n");
		goto done;
	}
	if (require_session(a, req, resp, &s, 1))
		goto done;
	if (!strcmp(what, "logout")) {
		char token[80];
		if (cookie_value(req, WEB_COOKIE, token, sizeof token) == 0)
			user_logout(a->c, token, NULL);
		session_cookie(resp, "", 0);
		central_audit(a->c, s.u.name, "logout", NULL, NULL, NULL);
		buf_puts(&resp->body, "{}\n");
	} else if (!strcmp(what, "conflict/resolve")) {
		if (!web_require(&s, resp, "resolve"))
			post_resolve(a, j, resp, &s);
	} else if (!strcmp(what, "device/enroll")) {
		if (!web_require(&s, resp, "devices"))
			post_enroll(a, req, j, resp, &s);
	} else if (!strcmp(what, "device/revoke")) {
		if (!web_require(&s, resp, "devices"))
			post_revoke(a, j, resp, &s);
	} else if (!strncmp(what, "round/", 6)) {
		web_round_post(a, j, resp, &s, what);
	} else {
		http_error(resp, 404, "not_found", "no such path: %.80s", req->path);
	}
done:
	cJSON_Delete(j);
	return 0;
}
