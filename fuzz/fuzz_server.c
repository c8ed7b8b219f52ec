/*
 * fuzz_server: what a device sends the sync server — enroll and push
 * bodies, the pull query string — through the real route handlers of
 * sync-server/api.c into a real central store. The input's first byte
 * picks the route: 'E' enroll (body follows), 'Q' pull (query follows),
 * anything else is a whole push body (so proto/examples seed it as is).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static central cen;
static api_ctx ctx = {.c = &cen, .pin = "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
		      .cert_pem = "-----BEGIN CERTIFICATE-----\n"};
static char auth[200];

static void setup(void)
{
	char tmpl[4096];
	err e = {0, ""};
	char code[16];
	central_device dev;
	char token[65];
	fuzz_tmpdir(tmpl, sizeof tmpl, "srv");
	if (!mkdtemp(tmpl) || central_open(&cen, tmpl, NULL, &e) ||
	    central_enroll_code(&cen, "Fuzz", "Басарбово,Николово,Мартен", 3600, "fuzz", code, &e) ||
	    central_enroll_device(&cen, code, "fuzz", &dev, token, &e)) {
		fprintf(stderr, "fuzz: cannot set up the central store: %s\n", e.msg);
		abort();
	}
	/* codes the enroll route can spend while fuzzing */
	for (int i = 0; i < 4; i++)
		central_enroll_code(&cen, "Fuzz", "Басарбово", 3600, "fuzz", code, &e);
	db_exec(&cen.d, "PRAGMA synchronous=OFF", &e);
	snprintf(auth, sizeof auth, "Bearer %s.%s", dev.id, token);
}

static http_handler route(const char *method, const char *path)
{
	size_t n;
	const http_route *r = api_routes(&n);
	for (size_t i = 0; i < n; i++)
		if (!strcmp(r[i].method, method) && !strcmp(r[i].path, path))
			return r[i].fn;
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!cen.path[0])
		setup();
	/* the HTTP layer hands handlers a NUL-terminated copy */
	char *body = malloc(size + 1);
	if (!body)
		return 0;
	memcpy(body, data, size);
	body[size] = '\0';
	http_req req = {.method = "POST", .path = "/v1/push", .query = "", .auth = auth, .body = body,
			.body_len = size, .client = "127.0.0.1", .accept_gzip = 1};
	http_resp resp = {.status = 200, .body = BUF_INIT};
	if (size && data[0] == 'E') {
		req.path = "/v1/enroll";
		req.body = body + 1;
		req.body_len = size - 1;
		req.auth = NULL;
	} else if (size && data[0] == 'Q') {
		req.method = "GET";
		req.path = "/v1/pull";
		req.query = memchr(body, '\0', size) ? "" : body + 1;
		req.body = "";
		req.body_len = 0;
	}
	route(req.method, req.path)(&ctx, &req, &resp);
	/* a refusal is a 4xx with a JSON error; never a 5xx for bad input */
	if (resp.status >= 500) {
		fprintf(stderr, "fuzz: a %d for bad input: %.*s\n", resp.status, (int)resp.body.len,
			resp.body.data);
		abort();
	}
	buf_free(&resp.body);
	free(body);
	return 0;
}
