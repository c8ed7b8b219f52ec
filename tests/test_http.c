/*
 * test_http: sync-server/http.c through a real HTTPS server on 127.0.0.1
 * (a random high port, a self-signed certificate made by
 * http_make_self_signed in a temporary directory) and libcurl with
 * certificate verification on. Covers routing and the JSON errors, body
 * limits and gzip in both directions, the content checks, keep-alive, TLS
 * versions, public-key pins, concurrency, the per-client limit and the
 * idle timeout, the log line, a graceful stop, and the small helpers
 * (query parameters, error bodies, certificate files).
 */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "test.h"
#include "../common/json.h"
#include "../common/log.h"
#include "../sync-server/http.h"

#define TEST_MAX_BODY (64 * 1024)

/* ---- the application under test ---- */

static int h_hello(void *app, const http_req *req, http_resp *resp)
{
	(void)app;
	(void)req;
	return buf_puts(&resp->body, "{\"hello\":\"world\"}");
}

/* Echoes the body; refuses (500 via the http layer) a body that is not
 * NUL-terminated at body_len. */
static int h_echo(void *app, const http_req *req, http_resp *resp)
{
	(void)app;
	if (req->body[req->body_len] != '\0')
		return -1;
	return buf_append(&resp->body, req->body, req->body_len);
}

static void put_field(buf *b, const char *name, const char *value, int last)
{
	buf_printf(b, "\"%s\":", name);
	if (value)
		json_write_string(b, value, strlen(value));
	else
		buf_puts(b, "null");
	buf_puts(b, last ? "}" : ",");
}

/* What the handler saw: the http_req fields and two decoded parameters. */
static int h_info(void *app, const http_req *req, http_resp *resp)
{
	(void)app;
	char a[64], b[64];
	int has_a = http_query_param(req->query, "a", a, sizeof a) == 0;
	int has_b = http_query_param(req->query, "b", b, sizeof b) == 0;
	buf *o = &resp->body;
	buf_puts(o, "{");
	buf_printf(o, "\"accept_gzip\":%d,\"body_len\":%zu,", req->accept_gzip, req->body_len);
	put_field(o, "method", req->method, 0);
	put_field(o, "path", req->path, 0);
	put_field(o, "query", req->query, 0);
	put_field(o, "auth", req->auth, 0);
	put_field(o, "client", req->client, 0);
	put_field(o, "a", has_a ? a : NULL, 0);
	put_field(o, "b", has_b ? b : NULL, 1);
	return 0;
}

/* About 20 KB of JSON, for response compression. */
static int h_big(void *app, const http_req *req, http_resp *resp)
{
	(void)app;
	(void)req;
	buf_puts(&resp->body, "[");
	for (int i = 0; i < 3000; i++)
		buf_printf(&resp->body, "%s%d", i ? "," : "", i * 7);
	return buf_puts(&resp->body, "]");
}

static int h_fail(void *app, const http_req *req, http_resp *resp)
{
	(void)app;
	(void)req;
	buf_puts(&resp->body, "{\"half\":");
	return -1;
}

static int h_busy(void *app, const http_req *req, http_resp *resp)
{
	(void)app;
	(void)req;
	http_error(resp, 429, "busy", "too many requests");
	resp->retry_after = 7;
	return -1;
}

static atomic_int slow_started; /* h_slow is running */

static int h_slow(void *app, const http_req *req, http_resp *resp)
{
	atomic_store(&slow_started, 1);
	struct timespec ts = {0, 400 * 1000 * 1000};
	nanosleep(&ts, NULL);
	return h_hello(app, req, resp);
}

/* Echoes the X-Probe request header; sets two cookies, its own
 * Cache-Control and a header the layer must refuse (a newline). */
static int h_headers(void *app, const http_req *req, http_resp *resp)
{
	(void)app;
	const char *probe = http_req_header(req, "x-probe");
	buf_puts(&resp->body, "{");
	put_field(&resp->body, "probe", probe, 1);
	if (http_resp_header(resp, "Set-Cookie", "a=1; HttpOnly") ||
	    http_resp_header(resp, "Set-Cookie", "b=2; Secure") ||
	    http_resp_header(resp, "Cache-Control", "max-age=60") ||
	    http_resp_header(resp, "X-Bad", "x\r\nInjected: 1") != ERR_INVALID ||
	    http_resp_header(resp, "Bad Name", "x") != ERR_INVALID)
		return -1;
	return 0;
}

static const http_route test_routes[] = {
	{"GET", "/v1/headers", h_headers},
	{"GET", "/v1/hello", h_hello},
	{"POST", "/v1/echo", h_echo},
	{"PUT", "/v1/echo", h_echo},
	{"GET", "/v1/info", h_info},
	{"POST", "/v1/info", h_info},
	{"GET", "/v1/big", h_big},
	{"GET", "/v1/fail", h_fail},
	{"GET", "/v1/busy", h_busy},
	{"GET", "/v1/slow", h_slow},
};

/* ---- a server in a temporary directory ---- */

typedef struct fixture {
	char dir[64];
	char cert[128], key[128];
	int port;
	http_server *srv;
	int saved_level;
} fixture;

typedef void (*config_tweak)(http_config *c);

static unsigned next_random(void)
{
	static unsigned state;
	if (!state)
		state = (unsigned)time(NULL) ^ ((unsigned)getpid() << 16);
	state = state * 1103515245u + 12345u;
	return state >> 8;
}

/* Makes the certificate and starts a server (random port in 20000..59999,
 * tried again when the port is taken). Returns 0 or -1 (with a message). */
static int fx_start(fixture *fx, config_tweak tweak)
{
	memset(fx, 0, sizeof *fx);
	fx->saved_level = log_level;
	log_level = LOG_ERROR; /* one line per request would drown the test output */
	curl_global_init(CURL_GLOBAL_DEFAULT);
	snprintf(fx->dir, sizeof fx->dir, "/tmp/test_http.XXXXXX");
	if (!mkdtemp(fx->dir)) {
		fprintf(stderr, "  mkdtemp: %s\n", strerror(errno));
		return -1;
	}
	snprintf(fx->cert, sizeof fx->cert, "%s/cert.pem", fx->dir);
	snprintf(fx->key, sizeof fx->key, "%s/key.pem", fx->dir);
	err e;
	err_clear(&e);
	if (http_make_self_signed(fx->cert, fx->key, "sync-test", "127.0.0.1, sync.test", 30,
				  &e) != 0) {
		fprintf(stderr, "  http_make_self_signed: %s\n", e.msg);
		return -1;
	}
	for (int attempt = 0; attempt < 30; attempt++) {
		http_config c;
		http_config_defaults(&c);
		c.port = 20000 + (int)(next_random() % 40000);
		c.cert_path = fx->cert;
		c.key_path = fx->key;
		c.max_body = TEST_MAX_BODY;
		c.timeout_s = 10;
		if (tweak)
			tweak(&c);
		if (http_start(&fx->srv, &c, test_routes,
			       sizeof test_routes / sizeof test_routes[0], NULL, &e) == 0) {
			fx->port = c.port;
			return 0;
		}
	}
	fprintf(stderr, "  http_start: %s\n", e.msg);
	return -1;
}

static void fx_stop(fixture *fx)
{
	http_stop(fx->srv);
	fx->srv = NULL;
	if (fx->dir[0]) {
		char other[160];
		unlink(fx->cert);
		unlink(fx->key);
		snprintf(other, sizeof other, "%s/other-cert.pem", fx->dir);
		unlink(other);
		snprintf(other, sizeof other, "%s/other-key.pem", fx->dir);
		unlink(other);
		snprintf(other, sizeof other, "%s/log.txt", fx->dir);
		unlink(other);
		rmdir(fx->dir);
	}
	curl_global_cleanup();
	log_level = fx->saved_level;
}

/* ---- a client ---- */

typedef struct reply {
	CURLcode rc;
	long status;
	long connects;
	buf body;
	buf headers;
} reply;

static size_t on_data(char *p, size_t size, size_t n, void *cls)
{
	buf_append(cls, p, size * n);
	return size * n;
}

/* A handle that trusts only the fixture's certificate. */
static CURL *client(void)
{
	CURL *h = curl_easy_init();
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 30L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	return h;
}

static void perform(CURL *h, const fixture *fx, const char *path, reply *out)
{
	char url[256];
	buf_free(&out->body);
	buf_free(&out->headers);
	out->status = 0;
	out->connects = -1;
	snprintf(url, sizeof url, "https://127.0.0.1:%d%s", fx->port, path);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_CAINFO, fx->cert);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &out->body);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_data);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, &out->headers);
	out->rc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &out->status);
	curl_easy_getinfo(h, CURLINFO_NUM_CONNECTS, &out->connects);
	if (out->rc != CURLE_OK)
		out->status = 0;
}

static void reply_free(reply *r)
{
	buf_free(&r->body);
	buf_free(&r->headers);
}

/* GET path on a fresh handle. */
static void get(const fixture *fx, const char *path, reply *out)
{
	CURL *h = client();
	perform(h, fx, path, out);
	curl_easy_cleanup(h);
}

/* POST body with the given headers (NULL-terminated list, may be NULL). */
static void post(const fixture *fx, const char *path, const void *body, size_t len,
		 const char *const *headers, reply *out)
{
	CURL *h = client();
	struct curl_slist *list = NULL;
	for (size_t i = 0; headers && headers[i]; i++)
		list = curl_slist_append(list, headers[i]);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, list);
	perform(h, fx, path, out);
	curl_easy_cleanup(h);
	curl_slist_free_all(list);
}

static const char *const json_header[] = {"Content-Type: application/json", NULL};

/* The value of a response header (case-insensitive name), copied into out;
 * "" when absent. */
static const char *header_value(const reply *r, const char *name, char *out, size_t n)
{
	out[0] = '\0';
	const char *p = r->headers.data;
	size_t nl = strlen(name);
	while (p && *p) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		if (len > nl && strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
			const char *v = p + nl + 1;
			while (*v == ' ')
				v++;
			size_t vl = (size_t)(p + len - v);
			while (vl > 0 && (v[vl - 1] == '\r' || v[vl - 1] == ' '))
				vl--;
			snprintf(out, n, "%.*s", (int)vl, v);
		}
		p = eol ? eol + 1 : NULL;
	}
	return out;
}

/* The error code of a JSON error body, "" if the body is not one. */
static const char *error_code(const reply *r, char *out, size_t n)
{
	cJSON *root = NULL;
	err e;
	out[0] = '\0';
	if (r->body.len && json_parse(r->body.data, r->body.len, &json_limits_case, &root, &e) == 0) {
		const cJSON *er = cJSON_GetObjectItemCaseSensitive(root, "error");
		const cJSON *code = cJSON_GetObjectItemCaseSensitive(er, "code");
		const cJSON *msg = cJSON_GetObjectItemCaseSensitive(er, "message");
		if (cJSON_IsString(code) && cJSON_IsString(msg) && cJSON_GetArraySize(root) == 1)
			snprintf(out, n, "%s", code->valuestring);
	}
	cJSON_Delete(root);
	return out;
}

#define CHECK_ERROR(r, want_status, want_code)                                 \
	do {                                                                   \
		char code_[64];                                                \
		CHECK_INT((r)->rc, CURLE_OK);                                  \
		CHECK_INT((r)->status, want_status);                           \
		CHECK_STR(error_code((r), code_, sizeof code_), want_code);    \
	} while (0)

/* A string field of a JSON object body, "" when absent or not a string
 * ("(null)" for null). */
static const char *json_field(const reply *r, const char *name, char *out, size_t n)
{
	cJSON *root = NULL;
	err e;
	out[0] = '\0';
	if (r->body.len && json_parse(r->body.data, r->body.len, &json_limits_case, &root, &e) == 0) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, name);
		if (cJSON_IsString(v))
			snprintf(out, n, "%s", v->valuestring);
		else if (cJSON_IsNull(v))
			snprintf(out, n, "(null)");
		else if (cJSON_IsNumber(v))
			snprintf(out, n, "%d", v->valueint);
	}
	cJSON_Delete(root);
	return out;
}

/* gzip of data[0..len) (possibly in several deflate calls, for big input
 * such as a bomb made of zeros: fill repeats the byte, data is NULL). */
static void gzip_of(const void *data, size_t len, int fill, buf *out)
{
	z_stream z;
	memset(&z, 0, sizeof z);
	deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 9, Z_DEFAULT_STRATEGY);
	static unsigned char block[65536];
	unsigned char outbuf[65536];
	size_t left = len;
	const unsigned char *p = data;
	if (!data)
		memset(block, fill, sizeof block);
	for (;;) {
		size_t step = left < sizeof block ? left : sizeof block;
		z.next_in = data ? (Bytef *)(uintptr_t)p : block;
		z.avail_in = (uInt)step;
		left -= step;
		if (data)
			p += step;
		int flush = left ? Z_NO_FLUSH : Z_FINISH;
		int zr;
		do {
			z.next_out = outbuf;
			z.avail_out = sizeof outbuf;
			zr = deflate(&z, flush);
			buf_append(out, outbuf, sizeof outbuf - z.avail_out);
		} while (z.avail_out == 0);
		if (!left && zr == Z_STREAM_END)
			break;
	}
	deflateEnd(&z);
}

/* Inflates gzip data for checking a compressed answer. */
static int gunzip_of(const char *data, size_t len, buf *out)
{
	z_stream z;
	memset(&z, 0, sizeof z);
	inflateInit2(&z, 16 + MAX_WBITS);
	unsigned char outbuf[65536];
	z.next_in = (Bytef *)(uintptr_t)data;
	z.avail_in = (uInt)len;
	int zr;
	do {
		z.next_out = outbuf;
		z.avail_out = sizeof outbuf;
		zr = inflate(&z, Z_NO_FLUSH);
		buf_append(out, outbuf, sizeof outbuf - z.avail_out);
	} while (zr == Z_OK);
	inflateEnd(&z);
	return zr == Z_STREAM_END ? 0 : -1;
}

/* ---- tests ---- */

static void http_get_route_returns_handler_json(void)
{
	fixture fx;
	if (fx_start(&fx, NULL) != 0) {
		test_failures++;
		fx_stop(&fx);
		return;
	}
	reply r = {0};
	char v[128];
	get(&fx, "/v1/hello", &r);
	CHECK_INT(r.rc, CURLE_OK);
	CHECK_INT(r.status, 200);
	CHECK_STR(r.body.data, "{\"hello\":\"world\"}");
	CHECK_STR(header_value(&r, "Content-Type", v, sizeof v), "application/json");
	CHECK_STR(header_value(&r, "Cache-Control", v, sizeof v), "no-store");
	CHECK_STR(header_value(&r, "Content-Encoding", v, sizeof v), "");
	reply_free(&r);
	fx_stop(&fx);
}

static void http_post_echo_receives_exact_body(void)
{
	fixture fx;
	if (fx_start(&fx, NULL) != 0) {
		test_failures++;
		fx_stop(&fx);
		return;
	}
	/* 50,000 bytes with UTF-8, quotes and every printable byte */
	buf body = BUF_INIT;
	buf_puts(&body, "{\"name\":\"Басарбово \\\"x\\\"\",\"pad\":\"");
	while (body.len < 50000 - 2)
		buf_putc(&body, (char)(' ' + (char)(body.len % 90) + 4));
	buf_puts(&body, "\"}");
	reply r = {0};
	post(&fx, "/v1/echo", body.data, body.len, json_header, &r);
	CHECK_INT(r.status, 200);
	CHECK_INT(r.body.len, body.len);
	CHECK(r.body.len == body.len && memcmp(r.body.data, body.data, body.len) == 0);

	/* charset=utf-8 is accepted, and so is PUT */
	const char *const utf8[] = {"Content-Type: Application/JSON; charset=\"UTF-8\"", NULL};
	post(&fx, "/v1/echo", "[1]", 3, utf8, &r);
	CHECK_INT(r.status, 200);
	CHECK_STR(r.body.data, "[1]");
	CURL *h = client();
	struct curl_slist *list = curl_slist_append(NULL, "Content-Type: application/json");
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "PUT");
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, "{\"put\":true}");
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, list);
	perform(h, &fx, "/v1/echo", &r);
	CHECK_INT(r.status, 200);
	CHECK_STR(r.body.data, "{\"put\":true}");
	curl_easy_cleanup(h);
	curl_slist_free_all(list);

	/* the request as the handler sees it */
	const char *const auth[] = {"Content-Type: application/json",
				    "Authorization: Bearer dev.tok", NULL};
	post(&fx, "/v1/info?a=1&b=x%20y", "{}", 2, auth, &r);
	char v[128];
	CHECK_INT(r.status, 200);
	CHECK_STR(json_field(&r, "method", v, sizeof v), "POST");
	CHECK_STR(json_field(&r, "path", v, sizeof v), "/v1/info");
	CHECK_STR(json_field(&r, "query", v, sizeof v), "a=1&b=x%20y");
	CHECK_STR(json_field(&r, "auth", v, sizeof v), "Bearer dev.tok");
	CHECK_STR(json_field(&r, "client", v, sizeof v), "127.0.0.1");
	CHECK_STR(json_field(&r, "body_len", v, sizeof v), "2");
	CHECK_STR(json_field(&r, "a", v, sizeof v), "1");
	CHECK_STR(json_field(&r, "b", v, sizeof v), "x y");
	get(&fx, "/v1/info", &r);
	CHECK_STR(json_field(&r, "query", v, sizeof v), "");
	CHECK_STR(json_field(&r, "auth", v, sizeof v), "(null)");
	CHECK_STR(json_field(&r, "body_len", v, sizeof v), "0");
	reply_free(&r);
	buf_free(&body);
	fx_stop(&fx);
}

static void http_gzip_body_is_inflated(void)
{
	fixture fx;
	if (fx_start(&fx, NULL) != 0) {
		test_failures++;
		fx_stop(&fx);
		return;
	}
	/* 2 MB once inflated: far over max_body as sent, allowed inflated */
	buf body = BUF_INIT, gz = BUF_INIT;
	buf_puts(&body, "[");
	for (int i = 0; body.len < 2 * 1024 * 1024; i++)
		buf_printf(&body, "%s{\"kind\":\"person\",\"n\":%d}", i ? "," : "", i % 100);
	buf_puts(&body, "]");
	gzip_of(body.data, body.len, 0, &gz);
	CHECK(gz.len < TEST_MAX_BODY);
	const char *const hdr[] = {"Content-Type: application/json", "Content-Encoding: gzip",
				   NULL};
	reply r = {0};
	post(&fx, "/v1/echo", gz.data, gz.len, hdr, &r);
	CHECK_INT(r.status, 200);
	CHECK_INT(r.body.len, body.len);
	CHECK(r.body.len == body.len && memcmp(r.body.data, body.data, body.len) == 0);

	/* two gzip members one after the other are one body */
	buf two = BUF_INIT;
	gzip_of("[1,", 3, 0, &two);
	gzip_of("2]", 2, 0, &two);
	post(&fx, "/v1/echo", two.data, two.len, hdr, &r);
	CHECK_INT(r.status, 200);
	CHECK_STR(r.body.data, "[1,2]");
	reply_free(&r);
	buf_free(&two);
	buf_free(&gz);
	buf_free(&body);
	fx_stop(&fx);
}

static void http_gzip_bomb_is_413(void)
{
	fixture fx;
	if (fx_start(&fx, NULL) != 0) {
		test_failures++;
		fx_stop(&fx);
		return;
	}
	buf gz = BUF_INIT;
	gzip_of(NULL, 20u * 1024 * 1024, 0, &gz); /* 20 MiB of zeros */
	CHECK(gz.len < 64 * 1024);
	const char *const hdr[] = {"Content-Type: application/json", "Content-Encoding: gzip",
				   NULL};
	reply r = {0};
	post(&fx, "/v1/echo", gz.data, gz.len, hdr, &r);
	CHECK_ERROR(&r, 413, "too_large");
	/* and still serving */
	get(&fx, "/v1/hello", &r);
	CHECK_INT(r.status, 200);
	reply_free(&r);
	buf_free(&gz);
	fx_stop(&fx);
}

static void http_corrupt_gzip_is_400(void)
{
	fixture fx;
	if (fx_start(&fx, NULL) != 0) {
		test_failures++;
		fx_stop(&fx);
		return;
	}
	const char *const hdr[] = {"Content-Type: application/json", "Content-Encoding: gzip",
				   NULL};
	buf text = BUF_INIT, gz = BUF_INIT;
	for (int i = 0; i < 2000; i++)
		buf_printf(&text, "%d,", i * 31);
	gzip_of(text.data, text.len, 0, &gz);
	reply r = {0};

	buf bad = BUF_INIT; /* bytes flipped in the middle */
	buf_append(&bad, gz.data, gz.len);
	for (size_t i = bad.len / 2; i < bad.len / 2 + 8; i++)
		bad.data[i] = (char)~bad.data[i];
	post(&fx, "/v1/echo", bad.data, bad.len, hdr, &r);
	CHECK_ERROR(&r, 400, "bad_gzip");

	post(&fx, "/v1/echo", gz.data, gz.len / 2, hdr, &r); /* truncated */
	CHECK_ERROR(&r, 400, "bad_gzip");

	post(&fx, "/v1/echo", "{\"plain\":1}", 11, hdr, &r); /* not gzip at all */
	CHECK_ERROR(&r, 400, "bad_gzip");

	buf trailing = BUF_INIT; /* a valid member followed by junk */
	buf_append(&trailing, gz.data, gz.len);
	buf_puts(&trailing, "junk");
	post(&fx, "/v1/echo", trailing.data, trailing.len, hdr, &r);
	CHECK_ERROR(&r, 400, "bad_gzip");

	post(&fx, "/v1/echo", gz.data, gz.len, hdr, &r); /* the intact one works */
	CHECK_INT(r.status, 200);
	CHECK_INT(r.body.len, text.len);
	reply_free(&r);
	buf_free(&trailing);
	buf_free(&bad);
	buf_free(&gz);
	buf_free(&text);
	fx_stop(&fx);
}

/* Sends a body with chunked transfer encoding, in 4 KiB pieces. */
typedef struct chunk_src {
	size_t left;
	size_t abort_after; /* 0: never; else abort the upload after this many bytes */
	size_t sent;
} chunk_src;

static size_t on_read(char *p, size_t size, size_t n, void *cls)
{
	chunk_src *src = cls;
	if (src->abort_after && src->sent >= src->abort_after)
		return CURL_READFUNC_ABORT;
	size_t room = size * n;
	size_t step = src->left < room ? src->left : room;
	if (step > 4096)
		step = 4096;
	for (size_t i = 0; i < step; i++)
		p[i] = i == 0 && src->sent == 0 ? '[' : ' ';
	src->left -= step;
	src->sent += step;
	return step;
}

static void post_chunked(const fixture *fx, chunk_src *src, reply *out)
{
	CURL *h = client();
	struct curl_slist *list = curl_slist_append(NULL, "Content-Type: application/json");
	list = curl_slist_append(list, "Transfer-Encoding: chunked");
	curl_easy_setopt(h, CURLOPT_POST, 1L);
	curl_easy_setopt(h, CURLOPT_READFUNCTION, on_read);
	curl_easy_setopt(h, CURLOPT_READDATA, src);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, list);
	perform(h, fx, "/v1/echo", out);
	curl_easy_cleanup(h);
	curl_slist_free_all(list);
}

static void http_body_over_limit_is_413(void)
{
	fixture fx;
	if (fx_start(&fx, NULL) != 0) {
		test_failures++;
		fx_stop(&fx);
		return;
	}
	size_t big = TEST_MAX_BODY + 36 * 1024;
	char *body = malloc(big);
	memset(body, ' ', big);
	body[0] = '[';
	reply r = {0};

	/* a Content-Length over the limit: a client already sending gets its
	 * 413 after the body (read and dropped), on a connection kept alive */
	CURL *h = client();
	struct curl_slist *list = curl_slist_append(NULL, "Content-Type: application/json");
	for (int i = 0; i < 5; i++) {
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, list);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)big);
		perform(h, &fx, "/v1/echo", &r);
		CHECK_ERROR(&r, 413, "too_large");
		CHECK_INT(r.connects, i == 0);
	}
	curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
	perform(h, &fx, "/v1/hello", &r);
	CHECK_INT(r.status, 200);
	CHECK_INT(r.connects, 0);
	curl_easy_cleanup(h);
	curl_slist_free_all(list);

	/* a client waiting for 100 Continue gets it before sending anything */
	const char *const expect[] = {"Content-Type: application/json",
				      "Expect: 100-continue", NULL};
	post(&fx, "/v1/echo", body, big, expect, &r);
	CHECK_ERROR(&r, 413, "too_large");

	/* so does a body announced far over the limit, then the connection is
	 * closed: the client sees the 413, or at worst its upload cut */
	size_t far = 4u * 1024 * 1024;
	char *huge_body = malloc(far);
	memset(huge_body, ' ', far);
	const char *const no_expect[] = {"Content-Type: application/json", "Expect:", NULL};
	post(&fx, "/v1/echo", huge_body, far, no_expect, &r);
	CHECK(r.status == 413 || r.rc == CURLE_SEND_ERROR || r.rc == CURLE_RECV_ERROR);
	free(huge_body);

	/* exactly the limit is fine */
	post(&fx, "/v1/echo", body, TEST_MAX_BODY, json_header, &r);
	CHECK_INT(r.status, 200);
	CHECK_INT(r.body.len, TEST_MAX_BODY);

	/* a chunked body over the limit is read on and refused at its end */
	chunk_src src = {big, 0, 0};
	post_chunked(&fx, &src, &r);
	CHECK_ERROR(&r, 413, "too_large");

	/* a chunked body under it is accepted */
	chunk_src small = {1000, 0, 0};
	post_chunked(&fx, &small, &r);
	CHECK_INT(r.status, 200);
	CHECK_INT(r.body.len, 1000);

	/* far over the limit, the connection is closed rather than read on
	 * (32 MiB: more than loopback socket buffers can swallow) */
	chunk_src huge = {32u * 1024 * 1024, 0, 0};
	post_chunked(&fx, &huge, &r);
	CHECK(r.rc != CURLE_OK || r.status == 413);
	CHECK(huge.left > 0);

	/* an upload the client abandons half way */
	chunk_src aborted = {big, 8192, 0};
	post_chunked(&fx, &aborted, &r);
	CHECK(r.rc != CURLE_OK);

	get(&fx, "/v1/hello", &r);
	CHECK_INT(r.status, 200);
	reply_free(&r);
	free(body);
	fx_stop(&fx);
}

static void http_content_checks(void)
{
	fixture fx;
	if (fx_start(&fx, NULL) != 0) {
		test_failures++;
		fx_stop(&fx);
		return;
	}
	reply r = {0};
	const char *const none[] = {"Content-Type:", NULL}; /* curl: remove the header */
	post(&fx, "/v1/echo", "{}", 2, none, &r);
	CHECK_ERROR(&r, 415, "unsupported_media_type");

	const char *const text[] = {"Content-Type: text/plain", NULL};
	post(&fx, "/v1/echo", "{}", 2, text, &r);
	CHECK_ERROR(&r, 415, "unsupported_media_type");

	const char *const form[] = {NULL}; /* curl's default form type */
	post(&fx, "/v1/echo", "{}", 2, form, &r);
	CHECK_ERROR(&r, 415, "unsupported_media_type");

	const char *const latin[] = {"Content-Type: application/json; charset=latin1", NULL};
	post(&fx, "/v1/echo", "{}", 2, latin, &r);
	CHECK_ERROR(&r, 415, "unsupported_media_type");

	const char *const jsonx[] = {"Content-Type: application/jsonx", NULL};
	post(&fx, "/v1/echo", "{}", 2, jsonx, &r);
	CHECK_ERROR(&r, 415, "unsupported_media_type");

	const char *const br[] = {"Content-Type: application/json", "Content-Encoding: br", NULL};
	post(&fx, "/v1/echo", "{}", 2, br, &r);
	CHECK_ERROR(&r, 415, "unsupported_media_type");

	const char *const ident[] = {"Content-Type: application/json",
				     "Content-Encoding: identity", NULL};
	post(&fx, "/v1/echo", "{}", 2, ident, &r);
	CHECK_INT(r.status, 200);

	/* a POST without a body and without Content-Length */
	CURL *h = client();
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "POST");
	perform(h, &fx, "/v1/echo", &r);
	CHECK_ERROR(&r, 411, "length_required");
	curl_easy_cleanup(h);

	/* a transfer encoding other than chunked */
	const char *const te[] = {"Content-Type: application/json", "Transfer-Encoding: gzip",
				  NULL};
	post(&fx, "/v1/echo", "{}", 2, te, &r);
	CHECK_ERROR(&r, 411, "length_required");

	/* a Content-Length that is not a number: libmicrohttpd answers 400 itself */
	const char *const badlen[] = {"Content-Type: application/json", "Content-Length: 2x",
				      NULL};
	post(&fx, "/v1/echo", "{}", 2, badlen, &r);
	CHECK(r.rc != CURLE_OK || r.status == 400);

	/* an empty body with Content-Length: 0 needs no type */
	post(&fx, "/v1/echo", "", 0, none, &r);
	CHECK_INT(r.status, 200);
	CHECK_INT(r.body.len, 0);
	reply_free(&r);
	fx_stop(&fx);
}

static void http_routing_errors_are_json(void)
{
	fixture fx;
	if (fx_start(&fx, NULL) != 0) {
		test_failures++;
		fx_stop(&fx);
		return;
	}
	reply r = {0};
	char v[64];
	get(&fx, "/v1/nothing", &r);
	CHECK_ERROR(&r, 404, "not_found");
	CHECK_STR(header_value(&r, "Content-Type", v, sizeof v), "application/json");
	get(&fx, "/v1/hello/", &r); /* exact match only */
	CHECK_ERROR(&r, 404, "not_found");
	get(&fx, "/v1/hello?x=1", &r); /* the query does not take part */
	CHECK_INT(r.status, 200);

	get(&fx, "/v1/echo", &r);
	CHECK_ERROR(&r, 405, "method_not_allowed");
	CHECK_STR(header_value(&r, "Allow", v, sizeof v), "POST, PUT");

	/* a refused POST with a body to an unknown path */
	post(&fx, "/v2/push", "{}", 2, json_header, &r);
	CHECK_ERROR(&r, 404, "not_found");
	post(&fx, "/v1/hello", "{}", 2, json_header, &r);
	CHECK_ERROR(&r, 405, "method_not_allowed");
	CHECK_STR(header_value(&r, "Allow", v, sizeof v), "GET");

	/* a handler failing without an error status is a 500 with a JSON body
	 * (the server logs that as an error: silenced here) */
	log_level = -1;
	get(&fx, "/v1/fail", &r);
	log_level = LOG_ERROR;
	CHECK_ERROR(&r, 500, "internal");
	/* a handler failing with one is answered as it said, Retry-After too */
	get(&fx, "/v1/busy", &r);
	CHECK_ERROR(&r, 429, "busy");
	CHECK_STR(header_value(&r, "Retry-After", v, sizeof v), "7");
	reply_free(&r);
	fx_stop(&fx);
}

static void http_query_param_decoding(void)
{
	char out[32];
	const char *q = "a=1&b=x+y%20z&c=%zz&d&e=%00&f=%41%2f%2B&a=2&long=0123456789012345678901234567890123456789&%6Bey=v&g=";
	CHECK_INT(http_query_param(q, "a", out, sizeof out), 0);
	CHECK_STR(out, "1"); /* the first of two */
	CHECK_INT(http_query_param(q, "b", out, sizeof out), 0);
	CHECK_STR(out, "x y z");
	CHECK_INT(http_query_param(q, "c", out, sizeof out), 0);
	CHECK_STR(out, "%zz"); /* not an escape: kept */
	CHECK_INT(http_query_param(q, "d", out, sizeof out), 0);
	CHECK_STR(out, "");
	CHECK_INT(http_query_param(q, "e", out, sizeof out), -1); /* NUL refused */
	CHECK_INT(http_query_param(q, "f", out, sizeof out), 0);
	CHECK_STR(out, "A/+");
	CHECK_INT(http_query_param(q, "long", out, sizeof out), -1); /* would not fit */
	CHECK_INT(http_query_param(q, "key", out, sizeof out), 0);
	CHECK_STR(out, "v");
	CHECK_INT(http_query_param(q, "g", out, sizeof out), 0);
	CHECK_STR(out, "");
	CHECK_INT(http_query_param(q, "zzz", out, sizeof out), -1);
	CHECK_INT(http_query_param(q, "", out, sizeof out), -1);
	CHECK_INT(http_query_param("", "a", out, sizeof out), -1);
	CHECK_INT(http_query_param(NULL, "a", out, sizeof out), -1);
	CHECK_INT(http_query_param("a=%4", "a", out, sizeof out), 0);
	CHECK_STR(out, "%4");
	CHECK_INT(http_query_param("a=12", "a", out, 3), 0);
	CHECK_STR(out, "12");
	CHECK_INT(http_query_param("a=123", "a", out, 3), -1);
	CHECK_INT(http_query_param("a=1", "a", out, 0), -1);

	/* and through the server */
	fixture fx;
	if (fx_start(&fx, NULL) != 0) {
		test_failures++;
		fx_stop(&fx);
		return;
	}
	reply r = {0};
	char v[64];
	get(&fx, "/v1/info?cursor=12&a=%D0%91%D0%B0&b=1+%2B+1", &r);
	CHECK_INT(r.status, 200);
	CHECK_STR(json_field(&r, "a", v, sizeof v), "Ба");
	CHECK_STR(json_field(&r, "b", v, sizeof v), "1 + 1");
	CHECK_STR(json_field(&r, "query", v, sizeof v), "cursor=12&a=%D0%91%D0%B0&b=1+%2B+1");
	CHECK_STR(json_field(&r, "path", v, sizeof v), "/v1/info");
	reply_free(&r);
	fx_stop(&fx);
}

static void http_request_and_response_headers(void)
{
	fixture fx;
	if (fx_start(&fx, NULL) != 0) {
		test_failures++;
		fx_stop(&fx);
		return;
	}
	reply r = {0};
	char v[128];
	CURL *h = client();
	struct curl_slist *list = curl_slist_append(NULL, "X-Probe: Ба 1");
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, list);
	perform(h, &fx, "/v1/headers", &r);
	curl_easy_cleanup(h);
	curl_slist_free_all(list);
	CHECK_INT(r.status, 200);
	CHECK_STR(json_field(&r, "probe", v, sizeof v), "Ба 1");
	CHECK(strstr(r.headers.data, "Set-Cookie: a=1; HttpOnly\r\n") != NULL);
	CHECK(strstr(r.headers.data, "Set-Cookie: b=2; Secure\r\n") != NULL);
	CHECK_STR(header_value(&r, "Cache-Control", v, sizeof v), "max-age=60");
	CHECK(strstr(r.headers.data, "Injected") == NULL);
	CHECK(strstr(r.headers.data, "no-store") == NULL);
	/* without the header: null; and other routes keep no-store */
	get(&fx, "/v1/headers", &r);
	CHECK(strstr(r.body.data, "\"probe\":null") != NULL);
	get(&fx, "/v1/hello", &r);
	CHECK_STR(header_value(&r, "Cache-Control", v, sizeof v), "no-store");
	reply_free(&r);
	fx_stop(&fx);
}

static void http_error_body_is_escaped_json(void)
{
	http_resp resp = HTTP_RESP_INIT;
	buf_puts(&resp.body, "{\"partial\":");
	http_error(&resp, 400, "bad_json", "line %d: \"%s\"\n\ttab \\ %s", 3, "q", "Ω");
	CHECK_INT(resp.status, 400);
	CHECK_STR(resp.content_type, "application/json");
	cJSON *root = NULL;
	err e;
	CHECK_INT(json_parse(resp.body.data, resp.body.len, &json_limits_case, &root, &e), 0);
	const cJSON *er = cJSON_GetObjectItemCaseSensitive(root, "error");
	const cJSON *code = cJSON_GetObjectItemCaseSensitive(er, "code");
	const cJSON *msg = cJSON_GetObjectItemCaseSensitive(er, "message");
	CHECK(cJSON_IsString(code) && !strcmp(code->valuestring, "bad_json"));
	CHECK(cJSON_IsString(msg) && !strcmp(msg->valuestring, "line 3: \"q\"\n\ttab \\ Ω"));
	cJSON_Delete(root);
	buf_free(&resp.body);
}

static void http_keep_alive_reuses_connection(void)
{
	fixture fx;
	if (fx_start(&fx, NULL) != 0) {
		test_failures++;
		fx_stop(&fx);
		return;
	}
	CURL *h = client();
	reply r = {0};
	perform(h, &fx, "/v1/hello", &r);
	CHECK_INT(r.status, 200);
	CHECK_INT(r.connects, 1);
	perform(h, &fx, "/v1/info", &r);
	CHECK_INT(r.status, 200);
	CHECK_INT(r.connects, 0);
	/* an error answered after the headers keeps the connection too */
	perform(h, &fx, "/v1/none", &r);
	CHECK_INT(r.status, 404);
	CHECK_INT(r.connects, 0);
	perform(h, &fx, "/v1/hello", &r);
	CHECK_INT(r.status, 200);
	CHECK_INT(r.connects, 0);
	curl_easy_cleanup(h);
	reply_free(&r);
	fx_stop(&fx);
}

static void http_tls_versions(void)
{
	fixture fx;
	if (fx_start(&fx, NULL) != 0) {
		test_failures++;
		fx_stop(&fx);
		return;
	}
	reply r = {0};
	/* the client is allowed TLS 1.0-1.1 (OpenSSL 3 needs security level 0
	 * for them), so a refusal comes from the server */
	CURL *h = client();
	curl_easy_setopt(h, CURLOPT_SSLVERSION,
			 (long)(CURL_SSLVERSION_TLSv1_0 | CURL_SSLVERSION_MAX_TLSv1_1));
	curl_easy_setopt(h, CURLOPT_SSL_CIPHER_LIST, "DEFAULT:@SECLEVEL=0");
	perform(h, &fx, "/v1/hello", &r);
	CHECK_INT(r.rc, CURLE_SSL_CONNECT_ERROR);
	curl_easy_cleanup(h);

	h = client();
	curl_easy_setopt(h, CURLOPT_SSLVERSION,
			 (long)(CURL_SSLVERSION_TLSv1_2 | CURL_SSLVERSION_MAX_TLSv1_2));
	perform(h, &fx, "/v1/hello", &r);
	CHECK_INT(r.rc, CURLE_OK);
	CHECK_INT(r.status, 200);
	curl_easy_cleanup(h);

	h = client();
	curl_easy_setopt(h, CURLOPT_SSLVERSION,
			 (long)(CURL_SSLVERSION_TLSv1_3 | CURL_SSLVERSION_MAX_TLSv1_3));
	perform(h, &fx, "/v1/hello", &r);
	CHECK_INT(r.rc, CURLE_OK);
	CHECK_INT(r.status, 200);
	curl_easy_cleanup(h);

	/* plain HTTP on the TLS port gets no answer */
	char url[64];
	snprintf(url, sizeof url, "http://127.0.0.1:%d/v1/hello", fx.port);
	h = client();
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 5L);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &r.body);
	long status = 0;
	CHECK(curl_easy_perform(h) != CURLE_OK ||
	      (curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status), status != 200));
	curl_easy_cleanup(h);
	reply_free(&r);
	fx_stop(&fx);
}

static void http_certificate_pins(void)
{
	fixture fx;
	if (fx_start(&fx, NULL) != 0) {
		test_failures++;
		fx_stop(&fx);
		return;
	}
	err e;
	char pin[64], other_pin[64];
	CHECK_INT(http_cert_pin(fx.cert, pin, sizeof pin, &e), 0);
	CHECK(!strncmp(pin, "sha256//", 8));
	CHECK_INT(strlen(pin), 8 + 44);
	char other_cert[160], other_key[160];
	snprintf(other_cert, sizeof other_cert, "%s/other-cert.pem", fx.dir);
	snprintf(other_key, sizeof other_key, "%s/other-key.pem", fx.dir);
	CHECK_INT(http_make_self_signed(other_cert, other_key, "other", "127.0.0.1", 1, &e), 0);
	CHECK_INT(http_cert_pin(other_cert, other_pin, sizeof other_pin, &e), 0);
	CHECK(strcmp(pin, other_pin) != 0);

	reply r = {0};
	CURL *h = client();
	curl_easy_setopt(h, CURLOPT_PINNEDPUBLICKEY, pin);
	perform(h, &fx, "/v1/hello", &r);
	CHECK_INT(r.rc, CURLE_OK);
	CHECK_INT(r.status, 200);
	curl_easy_cleanup(h);

	h = client();
	curl_easy_setopt(h, CURLOPT_PINNEDPUBLICKEY, other_pin);
	perform(h, &fx, "/v1/hello", &r);
	CHECK_INT(r.rc, CURLE_SSL_PINNEDPUBKEYNOTMATCH);
	curl_easy_cleanup(h);

	/* a pin with a backup: either key may match */
	char both[140];
	snprintf(both, sizeof both, "%s;%s", other_pin, pin);
	h = client();
	curl_easy_setopt(h, CURLOPT_PINNEDPUBLICKEY, both);
	perform(h, &fx, "/v1/hello", &r);
	CHECK_INT(r.rc, CURLE_OK);
	curl_easy_cleanup(h);

	/* the pin alone (verification off) still tells the keys apart */
	h = client();
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
	curl_easy_setopt(h, CURLOPT_PINNEDPUBLICKEY, other_pin);
	perform(h, &fx, "/v1/hello", &r);
	CHECK_INT(r.rc, CURLE_SSL_PINNEDPUBKEYNOTMATCH);
	curl_easy_cleanup(h);

	/* another certificate as the CA: verification fails */
	h = client();
	char url[64];
	snprintf(url, sizeof url, "https://127.0.0.1:%d/v1/hello", fx.port);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_CAINFO, other_cert);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &r.body);
	CHECK_INT(curl_easy_perform(h), CURLE_PEER_FAILED_VERIFICATION);
	curl_easy_cleanup(h);

	/* the DNS alternative name verifies too */
	char resolve[64];
	snprintf(resolve, sizeof resolve, "sync.test:%d:127.0.0.1", fx.port);
	struct curl_slist *res = curl_slist_append(NULL, resolve);
	snprintf(url, sizeof url, "https://sync.test:%d/v1/hello", fx.port);
	h = client();
	curl_easy_setopt(h, CURLOPT_RESOLVE, res);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_CAINFO, fx.cert);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &r.body);
	CHECK_INT(curl_easy_perform(h), CURLE_OK);
	curl_easy_cleanup(h);
	curl_slist_free_all(res);

	/* a name not in the certificate does not */
	snprintf(resolve, sizeof resolve, "other.test:%d:127.0.0.1", fx.port);
	res = curl_slist_append(NULL, resolve);
	snprintf(url, sizeof url, "https://other.test:%d/v1/hello", fx.port);
	h = client();
	curl_easy_setopt(h, CURLOPT_RESOLVE, res);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_CAINFO, fx.cert);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &r.body);
	CHECK_INT(curl_easy_perform(h), CURLE_PEER_FAILED_VERIFICATION);
	curl_easy_cleanup(h);
	curl_slist_free_all(res);

	/* errors */
	CHECK_INT(http_cert_pin(fx.key, pin, sizeof pin, &e), ERR_INVALID);
	CHECK_INT(http_cert_pin("/nonexistent/cert.pem", pin, sizeof pin, &e), ERR_IO);
	CHECK_INT(http_cert_pin(fx.cert, pin, 32, &e), ERR_INVALID);
	reply_free(&r);
	fx_stop(&fx);
}

static void http_self_signed_files(void)
{
	char dir[64];
	snprintf(dir, sizeof dir, "/tmp/test_http.XXXXXX");
	if (!mkdtemp(dir)) {
		test_failures++;
		return;
	}
	char cert[128], key[128];
	snprintf(cert, sizeof cert, "%s/c.pem", dir);
	snprintf(key, sizeof key, "%s/k.pem", dir);
	err e;
	CHECK_INT(http_make_self_signed(cert, key, "sync.example", "10.0.0.1,::1, a.example", 365,
					&e),
		  0);
	struct stat st;
	CHECK_INT(stat(key, &st), 0);
	CHECK_INT(st.st_mode & 0777, 0600);
	buf b = BUF_INIT;
	CHECK_INT(buf_read_file(&b, cert, 65536, &e), 0);
	CHECK(b.data && strstr(b.data, "-----BEGIN CERTIFICATE-----"));
	buf_reset(&b);
	CHECK_INT(buf_read_file(&b, key, 65536, &e), 0);
	CHECK(b.data && strstr(b.data, "PRIVATE KEY-----"));
	buf_free(&b);
	/* bad input is refused with a message, nothing aborts */
	CHECK_INT(http_make_self_signed(cert, key, "a,b", NULL, 1, &e), ERR_INVALID);
	CHECK_INT(http_make_self_signed(cert, key, "x", "bad name!", 1, &e), ERR_INVALID);
	CHECK_INT(http_make_self_signed(cert, key, "x", NULL, 0, &e), ERR_INVALID);
	CHECK_INT(http_make_self_signed(cert, "/nonexistent/dir/k.pem", "x", NULL, 1, &e), ERR_IO);
	unlink(cert);
	unlink(key);
	rmdir(dir);
}

static void http_response_gzip(void)
{
	fixture fx;
	if (fx_start(&fx, NULL) != 0) {
		test_failures++;
		fx_stop(&fx);
		return;
	}
	reply plain = {0}, r = {0};
	char v[64];
	get(&fx, "/v1/big", &plain);
	CHECK_INT(plain.status, 200);
	CHECK(plain.body.len > 1024);
	CHECK_STR(header_value(&plain, "Content-Encoding", v, sizeof v), "");

	/* raw: ask for gzip without letting curl decode */
	CURL *h = client();
	struct curl_slist *list = curl_slist_append(NULL, "Accept-Encoding: gzip");
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, list);
	perform(h, &fx, "/v1/big", &r);
	CHECK_INT(r.status, 200);
	CHECK_STR(header_value(&r, "Content-Encoding", v, sizeof v), "gzip");
	CHECK_STR(header_value(&r, "Vary", v, sizeof v), "Accept-Encoding");
	CHECK(r.body.len < plain.body.len / 2);
	buf inflated = BUF_INIT;
	CHECK_INT(gunzip_of(r.body.data, r.body.len, &inflated), 0);
	CHECK(inflated.len == plain.body.len &&
	      memcmp(inflated.data, plain.body.data, inflated.len) == 0);
	buf_free(&inflated);
	/* a small answer is not compressed */
	perform(h, &fx, "/v1/hello", &r);
	CHECK_STR(header_value(&r, "Content-Encoding", v, sizeof v), "");
	CHECK_STR(r.body.data, "{\"hello\":\"world\"}");
	curl_easy_cleanup(h);
	curl_slist_free_all(list);

	/* q=0 refuses gzip */
	h = client();
	list = curl_slist_append(NULL, "Accept-Encoding: gzip;q=0, identity");
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, list);
	perform(h, &fx, "/v1/big", &r);
	CHECK_STR(header_value(&r, "Content-Encoding", v, sizeof v), "");
	CHECK_INT(r.body.len, plain.body.len);
	curl_easy_cleanup(h);
	curl_slist_free_all(list);

	/* curl's own decoding */
	h = client();
	curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
	perform(h, &fx, "/v1/big", &r);
	CHECK_INT(r.status, 200);
	CHECK_STR(header_value(&r, "Content-Encoding", v, sizeof v), "gzip");
	CHECK(r.body.len == plain.body.len &&
	      memcmp(r.body.data, plain.body.data, r.body.len) == 0);
	/* and the handler saw accept_gzip */
	perform(h, &fx, "/v1/info", &r);
	CHECK_STR(json_field(&r, "accept_gzip", v, sizeof v), "1");
	curl_easy_cleanup(h);
	reply_free(&r);
	reply_free(&plain);
	fx_stop(&fx);
}

/* ---- concurrency ---- */

typedef struct worker {
	const fixture *fx;
	int id;
	int ok;
	int done;
} worker;

static void *run_worker(void *arg)
{
	worker *w = arg;
	CURL *h = client();
	reply r = {0};
	char body[64];
	for (int i = 0; i < 20; i++) {
		if (i % 2) {
			snprintf(body, sizeof body, "{\"worker\":%d,\"i\":%d}", w->id, i);
			struct curl_slist *list =
				curl_slist_append(NULL, "Content-Type: application/json");
			curl_easy_setopt(h, CURLOPT_HTTPHEADER, list);
			curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
			curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
			perform(h, w->fx, "/v1/echo", &r);
			curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
			curl_slist_free_all(list);
			if (r.status == 200 && r.body.data && !strcmp(r.body.data, body))
				w->ok++;
			curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
		} else {
			perform(h, w->fx, "/v1/big", &r);
			if (r.status == 200 && r.body.len > 1024)
				w->ok++;
		}
		w->done++;
	}
	reply_free(&r);
	curl_easy_cleanup(h);
	return NULL;
}

static void http_concurrent_requests(void)
{
	fixture fx;
	if (fx_start(&fx, NULL) != 0) {
		test_failures++;
		fx_stop(&fx);
		return;
	}
	enum { N = 8 };
	pthread_t t[N];
	worker w[N];
	for (int i = 0; i < N; i++) {
		w[i] = (worker){&fx, i, 0, 0};
		pthread_create(&t[i], NULL, run_worker, &w[i]);
	}
	for (int i = 0; i < N; i++) {
		pthread_join(t[i], NULL);
		CHECK_INT(w[i].done, 20);
		CHECK_INT(w[i].ok, 20);
	}
	fx_stop(&fx);
}

/* ---- limits on connections ---- */

static int tcp_connect(int port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa;
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* 1 if the server closed fd within about ms milliseconds (after a TLS
 * alert, perhaps: whatever arrives before the end is read and dropped). */
static int closed_within(int fd, int ms)
{
	for (int waited = 0; waited <= ms; waited += 50) {
		struct pollfd p = {fd, POLLIN, 0};
		if (poll(&p, 1, 50) <= 0)
			continue;
		char c[512];
		ssize_t n = recv(fd, c, sizeof c, 0);
		if (n == 0 || (n < 0 && errno == ECONNRESET))
			return 1;
	}
	return 0;
}

static void two_per_client(http_config *c)
{
	c->max_per_client = 2;
}

static void http_per_client_limit(void)
{
	fixture fx;
	if (fx_start(&fx, two_per_client) != 0) {
		test_failures++;
		fx_stop(&fx);
		return;
	}
	int fd[3];
	for (int i = 0; i < 3; i++) {
		fd[i] = tcp_connect(fx.port);
		CHECK(fd[i] >= 0);
	}
	int closed = 0;
	for (int i = 0; i < 3; i++)
		closed += fd[i] >= 0 && closed_within(fd[i], 500);
	CHECK_INT(closed, 1);
	for (int i = 0; i < 3; i++)
		if (fd[i] >= 0)
			close(fd[i]);
	/* once they are gone, a client gets in again */
	struct timespec ts = {0, 200 * 1000 * 1000};
	nanosleep(&ts, NULL);
	reply r = {0};
	get(&fx, "/v1/hello", &r);
	CHECK_INT(r.status, 200);
	reply_free(&r);
	fx_stop(&fx);
}

static void one_second_timeout(http_config *c)
{
	c->timeout_s = 1;
}

static void http_idle_connection_times_out(void)
{
	fixture fx;
	if (fx_start(&fx, one_second_timeout) != 0) {
		test_failures++;
		fx_stop(&fx);
		return;
	}
	/* a client that connects and never says anything (not even a TLS hello) */
	int fd = tcp_connect(fx.port);
	CHECK(fd >= 0);
	if (fd >= 0) {
		CHECK(!closed_within(fd, 300));
		CHECK(closed_within(fd, 5000));
		close(fd);
	}
	/* a keep-alive connection left idle is closed too: curl reconnects */
	CURL *h = client();
	reply r = {0};
	perform(h, &fx, "/v1/hello", &r);
	CHECK_INT(r.connects, 1);
	struct timespec ts = {2, 500 * 1000 * 1000};
	nanosleep(&ts, NULL);
	perform(h, &fx, "/v1/hello", &r);
	CHECK_INT(r.status, 200);
	CHECK_INT(r.connects, 1);
	curl_easy_cleanup(h);
	reply_free(&r);
	fx_stop(&fx);
}

static void http_oversized_headers_refused(void)
{
	fixture fx;
	if (fx_start(&fx, NULL) != 0) {
		test_failures++;
		fx_stop(&fx);
		return;
	}
	/* 100 KB of header: more than the connection's memory */
	buf hdr = BUF_INIT;
	buf_puts(&hdr, "X-Padding: ");
	while (hdr.len < 100 * 1024)
		buf_putc(&hdr, 'a');
	struct curl_slist *list = curl_slist_append(NULL, hdr.data);
	CURL *h = client();
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, list);
	reply r = {0};
	perform(h, &fx, "/v1/hello?x=1", &r);
	CHECK(r.rc != CURLE_OK || r.status == 431 || r.status == 413);
	curl_easy_cleanup(h);
	curl_slist_free_all(list);
	get(&fx, "/v1/hello", &r);
	CHECK_INT(r.status, 200);
	reply_free(&r);
	buf_free(&hdr);
	fx_stop(&fx);
}

/* ---- the log line ---- */

static void http_log_line_has_no_query_or_body(void)
{
	fixture fx;
	if (fx_start(&fx, NULL) != 0) {
		test_failures++;
		fx_stop(&fx);
		return;
	}
	char path[160];
	snprintf(path, sizeof path, "%s/log.txt", fx.dir);
	fflush(stderr);
	int saved = dup(2);
	FILE *f = fopen(path, "w");
	if (saved < 0 || !f) {
		test_failures++;
		if (f)
			fclose(f);
		if (saved >= 0)
			close(saved);
		fx_stop(&fx);
		return;
	}
	dup2(fileno(f), 2);
	log_level = LOG_INFO;
	reply r = {0};
	get(&fx, "/v1/info?a=SECRETQUERY", &r);
	post(&fx, "/v1/echo", "{\"n\":\"SECRETBODY\"}", 18, json_header, &r);
	get(&fx, "/v1/nothing", &r);
	/* refused by libmicrohttpd itself (headers over its memory) */
	buf hdr = BUF_INIT;
	buf_puts(&hdr, "X-Padding: ");
	while (hdr.len < 100 * 1024)
		buf_putc(&hdr, 'a');
	struct curl_slist *list = curl_slist_append(NULL, hdr.data);
	CURL *h = client();
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, list);
	perform(h, &fx, "/v1/hello?b=SECRETQUERY", &r);
	curl_easy_cleanup(h);
	curl_slist_free_all(list);
	buf_free(&hdr);
	http_stop(fx.srv); /* every completion callback has run after this */
	fx.srv = NULL;
	log_level = LOG_ERROR;
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	fclose(f);
	buf log = BUF_INIT;
	err e;
	CHECK_INT(buf_read_file(&log, path, 1 << 20, &e), 0);
	const char *s = log.data ? log.data : "";
	CHECK(strstr(s, "http GET /v1/info 200 in=0 out=") != NULL);
	CHECK(strstr(s, "http POST /v1/echo 200 in=18 out=18 ") != NULL);
	CHECK(strstr(s, "http GET /v1/nothing 404 ") != NULL);
	CHECK(strstr(s, "http - /v1/hello 0 ") != NULL);
	CHECK(strstr(s, "us\n") != NULL);
	CHECK(strstr(s, "SECRET") == NULL);
	CHECK(strstr(s, "a=") == NULL);
	if (test_failures)
		fprintf(stderr, "  log was:\n%s", s);
	buf_free(&log);
	reply_free(&r);
	fx_stop(&fx);
}

/* ---- start and stop ---- */

typedef struct slow_client {
	const fixture *fx;
	reply r;
} slow_client;

static void *run_slow(void *arg)
{
	slow_client *c = arg;
	get(c->fx, "/v1/slow", &c->r);
	return NULL;
}

static void http_stop_finishes_requests_in_flight(void)
{
	fixture fx;
	if (fx_start(&fx, NULL) != 0) {
		test_failures++;
		fx_stop(&fx);
		return;
	}
	slow_client c = {&fx, {0}};
	pthread_t t;
	atomic_store(&slow_started, 0);
	pthread_create(&t, NULL, run_slow, &c);
	/* stop while the handler runs (a request the server has not accepted
	 * yet would just be refused) */
	for (int i = 0; i < 1000 && !atomic_load(&slow_started); i++) {
		struct timespec ts = {0, 10 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	CHECK(atomic_load(&slow_started));
	http_stop(fx.srv);
	fx.srv = NULL;
	pthread_join(t, NULL);
	CHECK_INT(c.r.rc, CURLE_OK);
	CHECK_INT(c.r.status, 200);
	char v[32];
	CHECK_STR(header_value(&c.r, "Connection", v, sizeof v), "close");
	reply_free(&c.r);
	/* and nothing listens any more */
	int fd = tcp_connect(fx.port);
	CHECK(fd < 0);
	if (fd >= 0)
		close(fd);
	fx_stop(&fx);
}

static void http_start_errors(void)
{
	fixture fx;
	if (fx_start(&fx, NULL) != 0) {
		test_failures++;
		fx_stop(&fx);
		return;
	}
	http_config c;
	http_config_defaults(&c);
	c.cert_path = fx.cert;
	c.key_path = fx.key;
	c.port = fx.port; /* taken */
	http_server *s = NULL;
	err e;
	err_clear(&e);
	CHECK_INT(http_start(&s, &c, test_routes, 1, NULL, &e), ERR_IO);
	CHECK(s == NULL);
	CHECK(strstr(e.msg, "127.0.0.1") != NULL);

	c.port = fx.port + 1 > 65535 ? fx.port - 1 : fx.port + 1;
	c.cert_path = "/nonexistent/cert.pem";
	CHECK_INT(http_start(&s, &c, test_routes, 1, NULL, &e), ERR_IO);
	CHECK(strstr(e.msg, "/nonexistent/cert.pem") != NULL);

	c.cert_path = fx.key; /* not a certificate */
	CHECK_INT(http_start(&s, &c, test_routes, 1, NULL, &e), ERR_IO);

	c.cert_path = fx.cert;
	c.bind_addr = "not-an-address";
	CHECK_INT(http_start(&s, &c, test_routes, 1, NULL, &e), ERR_IO);

	c.bind_addr = NULL;
	c.threads = 0;
	CHECK_INT(http_start(&s, &c, test_routes, 1, NULL, &e), ERR_INVALID);
	CHECK(s == NULL);
	http_stop(NULL);
	fx_stop(&fx);
}

TEST_TABLE(http) = {
	{"http_get_route_returns_handler_json", http_get_route_returns_handler_json},
	{"http_post_echo_receives_exact_body", http_post_echo_receives_exact_body},
	{"http_gzip_body_is_inflated", http_gzip_body_is_inflated},
	{"http_gzip_bomb_is_413", http_gzip_bomb_is_413},
	{"http_corrupt_gzip_is_400", http_corrupt_gzip_is_400},
	{"http_body_over_limit_is_413", http_body_over_limit_is_413},
	{"http_content_checks", http_content_checks},
	{"http_routing_errors_are_json", http_routing_errors_are_json},
	{"http_query_param_decoding", http_query_param_decoding},
	{"http_error_body_is_escaped_json", http_error_body_is_escaped_json},
	{"http_request_and_response_headers", http_request_and_response_headers},
	{"http_keep_alive_reuses_connection", http_keep_alive_reuses_connection},
	{"http_tls_versions", http_tls_versions},
	{"http_certificate_pins", http_certificate_pins},
	{"http_self_signed_files", http_self_signed_files},
	{"http_response_gzip", http_response_gzip},
	{"http_concurrent_requests", http_concurrent_requests},
	{"http_per_client_limit", http_per_client_limit},
	{"http_idle_connection_times_out", http_idle_connection_times_out},
	{"http_oversized_headers_refused", http_oversized_headers_refused},
	{"http_log_line_has_no_query_or_body", http_log_line_has_no_query_or_body},
	{"http_stop_finishes_requests_in_flight", http_stop_finishes_requests_in_flight},
	{"http_start_errors", http_start_errors},
	{NULL, NULL},
};
