/*
 * api: the sync protocol's routes (proto/README.md) — enroll, push, pull —
 * on top of the HTTP layer and the central store. Every request body is
 * parsed with the bounded JSON reader; every refusal is a 4xx JSON error
 * that says what was wrong; nothing here can stop the server.
 */
#include "api.h"

#include <malloc.h>
#include <semaphore.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "log.h"
#include "web.h"

static const json_limits api_limits = {16 * 1024 * 1024, 32, 64 * 1024};

/* At most two pushes hold a parsed tree at once: one applying under the
 * store's lock while the next is parsed and checked. More would not go
 * faster (the store applies one at a time) but each holds megabytes (P7). */
#define PUSH_TREES 2
static sem_t push_trees;

/* Maps "code: message" errors of the central store to HTTP. */
static void central_error(http_resp *resp, int rc, const err *e)
{
	const char *colon = strchr(e->msg, ':');
	char code[40] = "invalid";
	const char *msg = e->msg;
	if (colon && colon - e->msg < (long)sizeof code && colon[1] == ' ') {
		memcpy(code, e->msg, (size_t)(colon - e->msg));
		code[colon - e->msg] = '\0';
		msg = colon + 2;
	}
	int status = 400;
	switch (rc) {
	case ERR_AUTH:
		status = !strcmp(code, "bad_code") || !strcmp(code, "forbidden") ? 403 : 401;
		break;
	case ERR_STATE:
		status = 410;
		break;
	case ERR_LIMIT:
		status = 413;
		break;
	case ERR_NOTFOUND:
		status = 404;
		break;
	case ERR_IO:
	case ERR_NOMEM:
		/* the store cannot be written: nothing was applied; retry */
		resp->retry_after = 30;
		http_error(resp, 503, "unavailable", "the server cannot store data now; retry later");
		LOG(LOG_ERROR, "store error: %s", e->msg);
		return;
	default:
		break;
	}
	http_error(resp, status, code, "%s", msg);
}

static int parse_body(const http_req *req, http_resp *resp, cJSON **out)
{
	err e = {0, ""};
	int rc = json_parse(req->body, req->body_len, &api_limits, out, &e);
	if (rc == ERR_LIMIT && strstr(e.msg, "deeply"))
		http_error(resp, 400, "too_deep", "%s", e.msg);
	else if (rc == ERR_LIMIT)
		http_error(resp, 413, "too_large", "%s", e.msg);
	else if (rc)
		http_error(resp, 400, "bad_json", "%s", e.msg);
	return rc;
}

/* "server_pin":…,"backup_pin":…,"server_cert":… — what a device pins and
 * checks; the backup pin only when one is configured. */
static void server_identity(const api_ctx *a, buf *b)
{
	buf_puts(b, "\"server_pin\":");
	json_write_string(b, a->pin, strlen(a->pin));
	if (a->backup_pin && *a->backup_pin) {
		buf_puts(b, ",\"backup_pin\":");
		json_write_string(b, a->backup_pin, strlen(a->backup_pin));
	}
	buf_puts(b, ",\"server_cert\":");
	json_write_string(b, a->cert_pem, strlen(a->cert_pem));
}

static int h_enroll(void *app, const http_req *req, http_resp *resp)
{
	api_ctx *a = app;
	cJSON *j = NULL;
	if (parse_body(req, resp, &j))
		return 0;
	const cJSON *code = cJSON_GetObjectItemCaseSensitive(j, "code");
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(j, "device_name");
	const cJSON *f;
	if (!cJSON_IsObject(j)) {
		http_error(resp, 400, "wrong_type", "the request must be an object");
		goto done;
	}
	cJSON_ArrayForEach(f, j) {
		if (strcmp(f->string, "code") && strcmp(f->string, "device_name")) {
			http_error(resp, 400, "unknown_field", "unknown field \"%.40s\"", f->string);
			goto done;
		}
	}
	if (!cJSON_IsString(code) || !cJSON_IsString(name)) {
		http_error(resp, 400, "missing_field", "code and device_name (text) are needed");
		goto done;
	}
	central_device dev;
	char token[65];
	err e = {0, ""};
	int rc = central_enroll_device(a->c, code->valuestring, name->valuestring, &dev, token, &e);
	if (rc) {
		central_error(resp, rc, &e);
		goto done;
	}
	buf_printf(&resp->body, "{\"device_id\":\"%s\",\"token\":\"%s\",\"localities\":[", dev.id, token);
	for (int i = 0; i < dev.nlocalities; i++) {
		if (i)
			buf_putc(&resp->body, ',');
		json_write_string(&resp->body, dev.localities[i], strlen(dev.localities[i]));
	}
	buf_puts(&resp->body, "],");
	server_identity(a, &resp->body);
	buf_puts(&resp->body, "}\n");
	LOG(LOG_INFO, "enrolled device=%s", dev.id);
done:
	cJSON_Delete(j);
	return 0;
}

static int authenticate(api_ctx *a, const http_req *req, http_resp *resp, central_device *dev)
{
	err e = {0, ""};
	int rc = central_authenticate(a->c, req->auth, dev, &e);
	if (rc)
		central_error(resp, rc, &e);
	return rc;
}

static int h_push(void *app, const http_req *req, http_resp *resp)
{
	api_ctx *a = app;
	central_device dev;
	cJSON *j = NULL;
	if (authenticate(a, req, resp, &dev))
		return 0;
	while (sem_wait(&push_trees) != 0)
		; /* EINTR */
	/* the push tree in this thread's arena (json.h): some 60,000 values,
	 * all dropped at once; malloc and free were a quarter of the time */
	json_arena_begin();
	int prc = parse_body(req, resp, &j);
	json_arena_pause();
	if (!prc) {
		err e = {0, ""};
		int rc = central_push(a->c, &dev, j, req->body, req->body_len, &resp->body, &e);
		if (rc)
			central_error(resp, rc, &e);
	}
	json_arena_release(); /* the whole tree at once */
	sem_post(&push_trees);
	return 0;
}

static int h_pull(void *app, const http_req *req, http_resp *resp)
{
	api_ctx *a = app;
	central_device dev;
	char v[32];
	long long cursor = 0;
	long limit = 500;
	if (authenticate(a, req, resp, &dev))
		return 0;
	if (http_query_param(req->query, "cursor", v, sizeof v) == 0) {
		char *end;
		cursor = strtoll(v, &end, 10);
		if (*end || cursor < 0) {
			http_error(resp, 400, "wrong_type", "cursor: a whole number >= 0 is needed");
			return 0;
		}
	}
	if (http_query_param(req->query, "limit", v, sizeof v) == 0) {
		char *end;
		limit = strtol(v, &end, 10);
		if (*end || limit < 1 || limit > 1000) {
			http_error(resp, 400, "wrong_type", "limit: 1-1000");
			return 0;
		}
	}
	err e = {0, ""};
	int rc = central_pull(a->c, &dev, cursor, (int)limit, &resp->body, &e);
	if (rc)
		central_error(resp, rc, &e);
	return 0;
}

static int h_health(void *app, const http_req *req, http_resp *resp)
{
	(void)app;
	(void)req;
	buf_puts(&resp->body, "{\"status\":\"ok\",\"protocol\":1}\n");
	return 0;
}

/* The server's key pins and certificate, public: a device whose stored
 * certificate no longer matches (a rotation) asks for them over a
 * connection checked against its pins alone. */
static int h_server_key(void *app, const http_req *req, http_resp *resp)
{
	(void)req;
	buf_putc(&resp->body, '{');
	server_identity(app, &resp->body);
	buf_puts(&resp->body, "}\n");
	return 0;
}

/* Every refusal of the web interface (no session, a role without the
 * permission, a missing CSRF token) goes to the audit trail, as the
 * devices' do (reliability.md R10); failed logins are audited by login. */
static void audit_refusal(void *app, const http_req *req, const http_resp *resp)
{
	api_ctx *a = app;
	if ((resp->status != 401 && resp->status != 403) || !strcmp(req->path, "/api/login"))
		return;
	char detail[160];
	snprintf(detail, sizeof detail, "%d %s %.100s", resp->status, req->method, req->path);
	err ignored;
	central_audit(a->c, "web", "request_refused", NULL, detail, &ignored);
}

static int web_get_audited(void *app, const http_req *req, http_resp *resp)
{
	int rc = web_get(app, req, resp);
	audit_refusal(app, req, resp);
	return rc;
}

static int web_post_audited(void *app, const http_req *req, http_resp *resp)
{
	int rc = web_post(app, req, resp);
	audit_refusal(app, req, resp);
	return rc;
}

static const http_route routes[] = {
	{"POST", "/v1/enroll", h_enroll},
	{"POST", "/v1/push", h_push},
	{"GET", "/v1/pull", h_pull},
	{"GET", "/v1/health", h_health},
	{"GET", "/v1/server-key", h_server_key},
	/* the coordinator web interface (web.c) */
	{"GET", "/", web_get_audited},
	{"GET", "/web/*", web_get_audited},
	{"GET", "/api/*", web_get_audited},
	{"POST", "/api/*", web_post_audited},
};

const http_route *api_routes(size_t *n)
{
	/* before any worker thread runs */
	json_arena_install();
	static int once;
	if (!once++)
		sem_init(&push_trees, 0, PUSH_TREES);
	/* Buffers of 128 KB and more (bodies as sent and inflated, answers,
	 * arena blocks) are mapped and unmapped, never kept in malloc's heaps:
	 * glibc otherwise raises this threshold as they are freed and each
	 * worker thread's heap keeps its largest request's memory (P7). */
	mallopt(M_MMAP_THRESHOLD, 128 * 1024);
	*n = sizeof routes / sizeof routes[0];
	return routes;
}
