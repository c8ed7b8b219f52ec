/*
 * web_round: the round's pages of the web interface over rounds.h — the
 * ranking table, capacity, the commission's overrides (with a reason),
 * lock, publish, the public list and the decision letters; setting up and
 * running a round, the applicants' answers, re-decisions, withdrawals and
 * departures (with the places they free), reassessments due; and the
 * assistants' load (assistant.h) and the census indicators (census.h).
 * Same session, CSRF and role checks as
 * the rest of /api (web.c); a user of some localities sees only their
 * applicants.
 */
#include "web_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assistant.h"
#include "census.h"
#include "rounds.h"

/* JSON lines into a JSON array. */
static void lines_to_array(const buf *lines, buf *out)
{
	buf_putc(out, '[');
	int n = 0;
	const char *p = lines->data;
	while (p && *p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		if (len) {
			if (n++)
				buf_putc(out, ',');
			buf_append(out, p, len);
		}
		p = nl ? nl + 1 : NULL;
	}
	buf_puts(out, "]\n");
}

static int id_valid(const char *id)
{
	size_t n = id ? strlen(id) : 0;
	if (n < 1 || n > 64)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char ch = id[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		      ch == '.' || ch == '_' || ch == '-'))
			return 0;
	}
	return 1;
}

/* rounds_show, without the applicants of localities the user does not
 * see. 0, or an answer already set. */
static int round_json(api_ctx *a, const user_session *s, const char *id, cJSON **out,
		      http_resp *resp)
{
	buf b = BUF_INIT;
	err e = {0, ""};
	*out = NULL;
	if (!id_valid(id)) {
		http_error(resp, 400, "invalid", "id: a round id is needed");
		return -1;
	}
	int rc = rounds_show(a->c, id, &b, &e);
	if (rc) {
		web_fail(resp, rc, &e);
		buf_free(&b);
		return -1;
	}
	cJSON *j = cJSON_Parse(b.data ? b.data : "");
	buf_free(&b);
	if (!j) {
		http_error(resp, 500, "internal", "the round cannot be read");
		return -1;
	}
	cJSON *apps = cJSON_GetObjectItemCaseSensitive(j, "applicants");
	if (!s->u.all_localities && cJSON_IsArray(apps)) {
		int i = 0;
		while (i < cJSON_GetArraySize(apps)) {
			const cJSON *loc = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(apps, i), "locality");
			if (cJSON_IsString(loc) && user_sees(&s->u, loc->valuestring))
				i++;
			else
				cJSON_DeleteItemFromArray(apps, i);
		}
	}
	*out = j;
	return 0;
}

/* The applicant app_no of round j, or NULL if the user does not see it. */
static const cJSON *applicant(const cJSON *j, long app_no)
{
	const cJSON *it;
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(j, "applicants")) {
		const cJSON *n = cJSON_GetObjectItemCaseSensitive(it, "application");
		if (cJSON_IsNumber(n) && (long)n->valuedouble == app_no)
			return it;
	}
	return NULL;
}

/* JSON lines, keeping those whose "locality" the user sees. */
static void visible_lines(const buf *in, const user_session *s, buf *out)
{
	const char *p = in->data;
	while (p && *p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		cJSON *j = cJSON_ParseWithLength(p, len);
		const cJSON *loc = cJSON_GetObjectItemCaseSensitive(j, "locality");
		if (s->u.all_localities || (cJSON_IsString(loc) && user_sees(&s->u, loc->valuestring))) {
			buf_append(out, p, len);
			buf_putc(out, '\n');
		}
		cJSON_Delete(j);
		p = nl ? nl + 1 : NULL;
	}
}

static const char *round_status(const cJSON *j, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "round"), key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static long app_param(const http_req *req)
{
	char v[24];
	if (http_query_param(req->query, "app", v, sizeof v))
		return 0;
	char *end;
	long n = strtol(v, &end, 10);
	return *end || n < 1 ? 0 : n;
}

/* The assistants' load (JSON of assistant_load_json) without the
 * assistants of localities the user does not see. */
static void assistants_visible(const buf *in, const user_session *s, buf *out)
{
	if (s->u.all_localities) {
		buf_append(out, in->data, in->len);
		return;
	}
	cJSON *j = cJSON_Parse(in->data ? in->data : "");
	cJSON *list = cJSON_GetObjectItemCaseSensitive(j, "assistants");
	int i = 0;
	while (cJSON_IsArray(list) && i < cJSON_GetArraySize(list)) {
		const cJSON *loc = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(list, i), "locality");
		if (cJSON_IsString(loc) && user_sees(&s->u, loc->valuestring))
			i++;
		else
			cJSON_DeleteItemFromArray(list, i);
	}
	/* the totals are of every assistant: not for a user of some localities */
	cJSON_DeleteItemFromObjectCaseSensitive(j, "totals");
	char *t = j ? cJSON_PrintUnformatted(j) : NULL;
	buf_puts(out, t ? t : "{\"assistants\":[]}");
	cJSON_free(t);
	cJSON_Delete(j);
}

int web_round_get(api_ctx *a, const http_req *req, http_resp *resp, const user_session *s,
		  const char *what)
{
	char id[80] = "", fmt[8] = "", lang[4] = "";
	buf b = BUF_INIT;
	err e = {0, ""};
	int rc = 0;
	cJSON *j = NULL;
	http_query_param(req->query, "id", id, sizeof id);
	if (!strcmp(what, "rounds")) {
		if (!(rc = rounds_list(a->c, &b, &e)))
			lines_to_array(&b, &resp->body);
	} else if (!strcmp(what, "round")) {
		if (!round_json(a, s, id, &j, resp)) {
			char *t = cJSON_PrintUnformatted(j);
			buf_puts(&resp->body, t ? t : "{}");
			cJSON_free(t);
		}
	} else if (!strcmp(what, "round/history")) {
		long app = app_param(req);
		if (!round_json(a, s, id, &j, resp)) {
			if (!app && !s->u.all_localities)
				http_error(resp, 403, "forbidden", "the whole history is for users of all localities");
			else if (app && !applicant(j, app))
				http_error(resp, 404, "not_found", "no such application in your localities");
			else if (!(rc = rounds_history(a->c, id, app, &b, &e)))
				lines_to_array(&b, &resp->body);
		}
	} else if (!strcmp(what, "round/public")) {
		/* the public list of a published round, as a file */
		http_query_param(req->query, "format", fmt, sizeof fmt);
		http_query_param(req->query, "lang", lang, sizeof lang);
		if (strcmp(fmt, "csv") && strcmp(fmt, "html")) {
			http_error(resp, 400, "invalid", "format: csv or html");
		} else if (!round_json(a, s, id, &j, resp)) {
			if (!round_status(j, "published_at")) {
				http_error(resp, 409, "conflict", "the round is not published yet");
			} else if (!(rc = rounds_publish(a->c, id, fmt, *lang ? lang : "bg", s->u.name,
							&resp->body, &e))) {
				char cd[160];
				snprintf(cd, sizeof cd, "attachment; filename=\"public-list-%s.%s\"", id, fmt);
				resp->content_type = !strcmp(fmt, "csv") ? "text/csv; charset=utf-8"
									 : "text/html; charset=utf-8";
				http_resp_header(resp, "Content-Disposition", cd);
			}
		}
	} else if (!strcmp(what, "round/letter")) {
		long app = app_param(req);
		if (!round_json(a, s, id, &j, resp)) {
			if (!app || !applicant(j, app)) {
				http_error(resp, 404, "not_found", "no such application in your localities");
			} else if (!(rc = rounds_letter(a->c, id, app, &resp->body, &e))) {
				resp->content_type = "text/html; charset=utf-8";
				/* a letter is a printable page: its own styles, no script */
				web_letter_headers(resp);
			}
		}
	} else if (!strcmp(what, "round/due")) {
		/* reassessments due on or before ?on= (default today), of the
		 * user's localities */
		char on[16];
		if (http_query_param(req->query, "on", on, sizeof on))
			on[0] = '\0';
		if (!(rc = rounds_due(a->c, *on ? on : NULL, &b, &e))) {
			buf mine = BUF_INIT;
			visible_lines(&b, s, &mine);
			lines_to_array(&mine, &resp->body);
			buf_free(&mine);
		}
	} else if (!strcmp(what, "census")) {
		char loc[128], lc[8];
		census_opts o;
		memset(&o, 0, sizeof o);
		o.lang = LANG_RO;
		if (!http_query_param(req->query, "lang", lc, sizeof lc) && inst_lang_parse(lc) >= 0)
			o.lang = (inst_lang)inst_lang_parse(lc);
		if (!http_query_param(req->query, "locality", loc, sizeof loc) && *loc)
			o.locality = loc;
		else if (!s->u.all_localities && s->u.nlocalities > 0)
			o.locality = s->u.localities[0];
		if (o.locality && !user_sees(&s->u, o.locality))
			http_error(resp, 403, "forbidden", "this locality is not one of yours");
		else if (!o.locality && !s->u.all_localities)
			http_error(resp, 403, "forbidden", "no locality of yours");
		else
			rc = census_json(a->c, &o, &resp->body, &e);
	} else if (!strcmp(what, "assistants")) {
		char on[16];
		if (http_query_param(req->query, "on", on, sizeof on))
			on[0] = '\0';
		if (!(rc = assistant_load_json(a->c, *on ? on : NULL, &b, &e)))
			assistants_visible(&b, s, &resp->body);
	} else {
		http_error(resp, 404, "not_found", "no such path: %.80s", req->path);
	}
	if (rc)
		web_fail(resp, rc, &e);
	cJSON_Delete(j);
	buf_free(&b);
	return 0;
}

static const char *str_of(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

int web_round_post(api_ctx *a, const cJSON *body, http_resp *resp, const user_session *s,
		   const char *what)
{
	const cJSON *jid = cJSON_GetObjectItemCaseSensitive(body, "id");
	const char *id = cJSON_IsString(jid) ? jid->valuestring : NULL;
	err e = {0, ""};
	cJSON *j = NULL;
	buf out = BUF_INIT;
	int rc = 0;
	if (!strcmp(what, "round/override")) {
		if (web_require(s, resp, "override") || round_json(a, s, id, &j, resp))
			goto done;
		const cJSON *app = cJSON_GetObjectItemCaseSensitive(body, "application");
		const cJSON *field = cJSON_GetObjectItemCaseSensitive(body, "field");
		const cJSON *value = cJSON_GetObjectItemCaseSensitive(body, "value");
		const cJSON *reason = cJSON_GetObjectItemCaseSensitive(body, "reason");
		if (!cJSON_IsNumber(app) || !cJSON_IsString(field) || !cJSON_IsString(value) ||
		    !cJSON_IsString(reason)) {
			http_error(resp, 400, "invalid", "application, field, value and reason are needed");
			goto done;
		}
		if (!applicant(j, (long)app->valuedouble)) {
			http_error(resp, 404, "not_found", "no such application in your localities");
			goto done;
		}
		rc = rounds_override(a->c, id, (long)app->valuedouble, field->valuestring,
				     value->valuestring, reason->valuestring, s->u.name, &e);
	} else if (!strcmp(what, "round/lock") || !strcmp(what, "round/publish")) {
		int lock = !strcmp(what, "round/lock");
		if (web_require(s, resp, lock ? "lock" : "publish"))
			goto done;
		if (!s->u.all_localities) {
			http_error(resp, 403, "forbidden", "only a user of all localities decides for the whole round");
			goto done;
		}
		if (round_json(a, s, id, &j, resp))
			goto done;
		if (lock) {
			rc = rounds_lock(a->c, id, NULL, s->u.name, &e);
		} else {
			rc = rounds_publish(a->c, id, "json", "en", s->u.name, &out, &e);
			buf_reset(&out);
		}
	} else if (!strcmp(what, "round/create") || !strcmp(what, "round/run")) {
		/* a round is the whole municipality's: coordinators of all localities */
		if (web_require(s, resp, "rounds"))
			goto done;
		if (!s->u.all_localities) {
			http_error(resp, 403, "forbidden", "only a user of all localities sets up a round");
			goto done;
		}
		if (!strcmp(what, "round/run")) {
			rc = rounds_run(a->c, id ? id : "", s->u.name, 0, &out, &e);
		} else {
			rounds_spec sp = {id, str_of(body, "municipality"), str_of(body, "service"),
					  str_of(body, "instrument"), str_of(body, "localities"),
					  str_of(body, "opens_on"), str_of(body, "closes_on"), 150, 0.25, 0, 0};
			const cJSON *mu = cJSON_GetObjectItemCaseSensitive(body, "max_users");
			const cJSON *cs = cJSON_GetObjectItemCaseSensitive(body, "children_share");
			const cJSON *hb = cJSON_GetObjectItemCaseSensitive(body, "hours_budget");
			if ((mu && !cJSON_IsNumber(mu)) || (cs && !cJSON_IsNumber(cs)) ||
			    (hb && !cJSON_IsNull(hb) && !cJSON_IsNumber(hb))) {
				http_error(resp, 400, "invalid", "max_users, children_share and hours_budget are numbers");
				goto done;
			}
			if (mu)
				sp.max_users = mu->valuedouble >= 1 && mu->valuedouble <= 1e6 ? (long)mu->valuedouble : 0;
			if (cs)
				sp.children_share = cs->valuedouble;
			if (cJSON_IsNumber(hb)) {
				sp.has_hours_budget = 1;
				sp.hours_budget = hb->valuedouble;
			}
			if (!id || !sp.opens_on || !sp.closes_on) {
				http_error(resp, 400, "invalid", "id, opens_on and closes_on are needed");
				goto done;
			}
			rc = rounds_create(a->c, &sp, s->u.name, &e);
		}
	} else if (!strcmp(what, "round/respond") || !strcmp(what, "round/redecide") ||
		   !strcmp(what, "round/release")) {
		/* the applicant's answers and departures are recorded by a
		 * coordinator; a re-decision is the commission's */
		int redecide = !strcmp(what, "round/redecide");
		if (web_require(s, resp, redecide ? "redecide" : "rounds") || round_json(a, s, id, &j, resp))
			goto done;
		const cJSON *app = cJSON_GetObjectItemCaseSensitive(body, "application");
		const cJSON *hours = cJSON_GetObjectItemCaseSensitive(body, "hours");
		const char *act = str_of(body, redecide ? "reason" : "action");
		if (!cJSON_IsNumber(app) || !act || (hours && !cJSON_IsNumber(hours)) ||
		    (redecide && !hours)) {
			http_error(resp, 400, "invalid", redecide ? "application, hours and reason are needed"
								  : "application and action are needed");
			goto done;
		}
		long n = (long)app->valuedouble;
		if (!applicant(j, n)) {
			http_error(resp, 404, "not_found", "no such application in your localities");
			goto done;
		}
		double h = cJSON_IsNumber(hours) ? hours->valuedouble : 0;
		if (redecide)
			rc = rounds_redecide(a->c, id, n, h, act, s->u.name, &e);
		else if (!strcmp(what, "round/respond"))
			rc = rounds_respond(a->c, id, n, act, h, str_of(body, "reason"), s->u.name, &e);
		else
			rc = rounds_release(a->c, id, n, act, str_of(body, "reason"), s->u.name, &out, &e);
	} else {
		http_error(resp, 404, "not_found", "no such path");
		goto done;
	}
	if (rc) {
		web_fail(resp, rc, &e);
	} else if (!strcmp(what, "round/release")) {
		/* the applications offered the freed place */
		buf_puts(&resp->body, "{\"ok\":true,\"offered\":[");
		for (const char *p = out.data; p && *p;) {
			buf_printf(&resp->body, "%s%ld", p == out.data ? "" : ",", strtol(p, NULL, 10));
			p = strchr(p, '\n');
			p = p && p[1] ? p + 1 : NULL;
		}
		buf_puts(&resp->body, "]}\n");
	} else {
		buf_puts(&resp->body, "{\"ok\":true}\n");
	}
done:
	cJSON_Delete(j);
	buf_free(&out);
	return 0;
}
