/*
 * http: the sync server's HTTP layer (see http.h) on libmicrohttpd, whose
 * TLS is GnuTLS, plus the two certificate helpers on mbedTLS.
 *
 * One request goes through libmicrohttpd's usual shape: per-request state
 * lives in *req_cls; the first call of the access handler checks the
 * headers (route, length, type, encoding) and can answer at once without
 * reading the body; later calls collect the body into a buffer with a hard
 * cap; the last call (no more upload data) inflates a gzip'd body with its
 * own cap, runs the route's handler and queues the answer; the completion
 * callback writes the one log line and frees the state. libmicrohttpd
 * only lets a response be queued on the first call or after the whole body
 * has arrived, so a chunked body that passes the cap is read on and thrown
 * away (up to a bound) to be able to answer 413; see check_headers for
 * when an error found in the headers is answered before the body.
 *
 * The state is allocated a little earlier than the first access-handler
 * call, in the URI log callback: that is the only place libmicrohttpd
 * shows the raw query string, which http_req carries. libmicrohttpd
 * promises the completion callback for every request it has shown to
 * that callback, so nothing leaks when a request dies before the handler.
 */
#include "http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <mbedtls/asn1write.h>
#include <mbedtls/base64.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ecp.h>
#include <mbedtls/oid.h>
#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>
#include <microhttpd.h>

#include "clock.h"
#include "crypto.h"
#include "gz.h"
#include "json.h"
#include "log.h"

/* Per-connection memory of libmicrohttpd: request line, headers and the
 * read buffer. Headers that do not fit are refused by libmicrohttpd. */
#define HTTP_CONN_MEMORY (64 * 1024)
/* TLS 1.2 and 1.3 only (proto/README.md). */
#define HTTP_TLS_PRIORITIES "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"
/* The certificate and key files are small; anything bigger is not one. */
#define HTTP_PEM_MAX (1024 * 1024)
/* Responses larger than this are gzip'd for clients that accept it. */
#define HTTP_GZIP_MIN 1024
/* A request may take this long in all (proto/README.md "Limits"); checked
 * whenever body data arrives, as libmicrohttpd only has an idle timeout. */
#define HTTP_REQUEST_SECONDS 60
/* http_stop waits this long for requests in flight. */
#define HTTP_DRAIN_MS 10000
/* Bytes of the path kept for the log line. */
#define HTTP_LOG_PATH 128
/* Most memory reserved for a body before its bytes arrive. */
#define HTTP_PREALLOC (256 * 1024)

struct http_server {
	struct MHD_Daemon *daemon;
	http_config cfg;
	http_route *routes; /* copies; method and path strings owned */
	size_t nroutes;
	void *app;
	buf cert, key; /* PEM, kept for the daemon's lifetime */
	char bind_addr[INET_ADDRSTRLEN];
	atomic_int in_flight; /* requests between the URI callback and completion */
	atomic_int stopping;  /* set by http_stop: answers close their connection */
	pthread_mutex_t log_lock;
	int starting;        /* under log_lock: keep libmicrohttpd's messages */
	char start_msg[512]; /* under log_lock: its messages while starting */
};

/* One request; see the file comment for its life. */
typedef struct request {
	http_server *srv;
	struct timespec t0;
	buf query;               /* raw text after '?' */
	int checked;             /* the headers were checked (first call done) */
	const http_route *route; /* NULL when an error is already decided */
	int has_body;
	int gzip_body;
	int over_cap;            /* the body passed max_body: reading on, not keeping */
	size_t received;         /* body bytes as sent, kept or not */
	buf body;
	http_resp early;         /* error decided from the headers alone */
	char allow[64];          /* the Allow header of a 405 */
	char client[INET6_ADDRSTRLEN];
	char method[16];         /* for the log line */
	char path[HTTP_LOG_PATH];
	int status;              /* as queued; 0 until then */
	size_t bytes_out;
} request;

void http_config_defaults(http_config *c)
{
	memset(c, 0, sizeof *c);
	c->bind_addr = "127.0.0.1";
	c->port = 8443;
	c->threads = 4;
	c->max_connections = 256;
	c->max_per_client = 16;
	c->timeout_s = 30;
	c->max_body = 4u * 1024 * 1024;
	c->max_inflated = 16u * 1024 * 1024;
}

/* ---- small text helpers ---- */

static const char *skip_space(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* 1 if s[0..n) equals word, ignoring case. */
static int token_is(const char *s, size_t n, const char *word)
{
	return strlen(word) == n && strncasecmp(s, word, n) == 0;
}

/* Length of s without trailing spaces and tabs, within [0, n). */
static size_t trim_end(const char *s, size_t n)
{
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	return n;
}

/* Copies s (at most len bytes of it) into out (n bytes) for a log line:
 * at most n-1 bytes, anything but printable ASCII other than space becomes
 * '?'. */
static void log_safe_copy(char *out, size_t n, const char *s, size_t len)
{
	size_t i = 0;
	for (; s && i < len && s[i] && i + 1 < n; i++) {
		unsigned char c = (unsigned char)s[i];
		out[i] = c > 0x20 && c < 0x7f ? (char)c : '?';
	}
	out[i] = '\0';
}

/* Content-Type is application/json, with at most a charset=utf-8 (any
 * case, quoted or not) parameter. */
static int is_json_type(const char *v)
{
	const char *p = skip_space(v);
	static const char json[] = "application/json";
	if (strncasecmp(p, json, sizeof json - 1) != 0)
		return 0;
	p = skip_space(p + sizeof json - 1);
	while (*p == ';') {
		p = skip_space(p + 1);
		const char *eq = strchr(p, '=');
		if (!eq)
			return 0;
		if (!token_is(p, trim_end(p, (size_t)(eq - p)), "charset"))
			return 0;
		const char *val = skip_space(eq + 1);
		const char *end = strchr(val, ';');
		size_t n = trim_end(val, end ? (size_t)(end - val) : strlen(val));
		if (n >= 2 && val[0] == '"' && val[n - 1] == '"') {
			val++;
			n -= 2;
		}
		if (!token_is(val, n, "utf-8") && !token_is(val, n, "utf8"))
			return 0;
		p = end ? end : eq + strlen(eq);
	}
	return *skip_space(p) == '\0';
}

/* Accept-Encoding names gzip (or *) without q=0. */
static int accepts_gzip(const char *v)
{
	const char *p = v;
	while (p && *p) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		const char *s = skip_space(p);
		size_t n = len - (size_t)(s - p);
		const char *semi = memchr(s, ';', n);
		size_t name = trim_end(s, semi ? (size_t)(semi - s) : n);
		if (token_is(s, name, "gzip") || token_is(s, name, "x-gzip") ||
		    token_is(s, name, "*")) {
			int zero = 0;
			if (semi) {
				const char *q = skip_space(semi + 1);
				if ((q[0] == 'q' || q[0] == 'Q') && q[1] == '=') {
					/* q=0, q=0.0, q=0.000 refuse; anything else accepts */
					const char *d = q + 2;
					zero = *d == '0';
					for (d++; zero && d < s + n && *d != ' ' && *d != ';'; d++)
						if (*d != '.' && *d != '0')
							zero = 0;
				}
			}
			if (!zero)
				return 1;
		}
		p = end ? end + 1 : NULL;
	}
	return 0;
}

/* Parses a Content-Length value; -1 if it is not a plain decimal number. */
static int parse_length(const char *v, size_t *out)
{
	const char *p = skip_space(v);
	size_t n = 0;
	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		size_t d = (size_t)(*p - '0');
		if (n > (SIZE_MAX - d) / 10)
			return -1;
		n = n * 10 + d;
	}
	if (*skip_space(p) != '\0')
		return -1;
	*out = n;
	return 0;
}

/* ---- errors and responses ---- */

void http_error(http_resp *resp, int status, const char *code, const char *fmt, ...)
{
	buf msg = BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(&msg, fmt, ap);
	va_end(ap);
	if (!code)
		code = "internal";
	/* a body that ran out of memory stays unusable until freed */
	if (resp->body.oom)
		buf_free(&resp->body);
	buf_reset(&resp->body);
	resp->status = status;
	resp->content_type = "application/json";
	buf_puts(&resp->body, "{\"error\":{\"code\":");
	json_write_string(&resp->body, code, strlen(code));
	buf_puts(&resp->body, ",\"message\":");
	json_write_string(&resp->body, msg.data ? msg.data : "", msg.len);
	buf_puts(&resp->body, "}}");
	buf_free(&msg);
}

const char *http_req_header(const http_req *req, const char *name)
{
	if (!req || !req->conn || !name)
		return NULL;
	return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

int http_resp_header(http_resp *resp, const char *name, const char *value)
{
	if (!name || !*name || !value)
		return ERR_INVALID;
	for (const char *p = name; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c <= 0x20 || c >= 0x7f || c == ':')
			return ERR_INVALID;
	}
	for (const char *p = value; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return ERR_INVALID;
	}
	return buf_printf(&resp->headers, "%s: %s\n", name, value);
}

/* Adds the "Name: value\n" lines of h to mr; *cache is set when one of
 * them is Cache-Control. Returns 0, or -1 when libmicrohttpd refuses. */
static int add_extra_headers(struct MHD_Response *mr, const buf *h, int *cache)
{
	const char *p = h->data;
	while (p && *p) {
		const char *nl = strchr(p, '\n');
		const char *colon = strchr(p, ':');
		if (!nl || !colon || colon > nl)
			return -1;
		char name[64];
		size_t n = (size_t)(colon - p);
		if (n >= sizeof name)
			return -1;
		memcpy(name, p, n);
		name[n] = '\0';
		const char *v = colon + 2;
		size_t vlen = v <= nl ? (size_t)(nl - v) : 0;
		char *value = malloc(vlen + 1);
		if (!value)
			return -1;
		memcpy(value, v, vlen);
		value[vlen] = '\0';
		if (!strcasecmp(name, MHD_HTTP_HEADER_CACHE_CONTROL))
			*cache = 1;
		enum MHD_Result ok = MHD_add_response_header(mr, name, value);
		free(value);
		if (ok != MHD_YES)
			return -1;
		p = nl + 1;
	}
	return 0;
}

/* Queues resp on conn and records status and size in r. The body's memory
 * is handed to libmicrohttpd (it frees it); resp->body is left empty.
 * Returns MHD_NO only when libmicrohttpd cannot take the response, which
 * closes the connection. */
static enum MHD_Result send_response(request *r, struct MHD_Connection *conn,
				     http_resp *resp, int accept_gzip)
{
	int status = resp->status ? resp->status : 200;
	if (status < 100 || status > 599) {
		LOG(LOG_ERROR, "http: %s %s: handler set status %d", r->method, r->path,
		    status);
		http_error(resp, 500, "internal", "internal error");
		status = 500;
	}
	if (resp->body.oom) {
		LOG(LOG_ERROR, "http: %s %s: out of memory building the answer", r->method,
		    r->path);
		buf_free(&resp->body);
		http_error(resp, 500, "internal", "out of memory");
		status = 500;
	}
	buf *body = &resp->body;
	buf gz = BUF_INIT;
	int gzipped = 0;
	if (accept_gzip && body->len > HTTP_GZIP_MIN) {
		if (gz_deflate(body->data, body->len, &gz) == 0) {
			body = &gz;
			gzipped = 1;
		} else {
			LOG(LOG_WARN, "http: %s %s: cannot gzip the answer, sending it plain",
			    r->method, r->path);
		}
	}
	struct MHD_Response *mr;
	size_t len = body->len;
	if (len == 0) {
		mr = MHD_create_response_from_buffer(0, (void *)(uintptr_t)"",
						     MHD_RESPMEM_PERSISTENT);
	} else {
		mr = MHD_create_response_from_buffer(len, body->data, MHD_RESPMEM_MUST_FREE);
		if (mr) {
			/* libmicrohttpd owns the bytes now */
			body->data = NULL;
			body->len = body->cap = 0;
		}
	}
	buf_free(&gz);
	buf_free(&resp->body);
	if (!mr) {
		LOG(LOG_ERROR, "http: %s %s: cannot create the response", r->method, r->path);
		return MHD_NO;
	}
	int ok = MHD_add_response_header(mr, MHD_HTTP_HEADER_CONTENT_TYPE,
					 resp->content_type ? resp->content_type
							    : "application/json") == MHD_YES;
	/* the handler's own headers; then, unless it chose otherwise, sync
	 * data is personal: no cache anywhere keeps it */
	int own_cache = 0;
	ok = ok && add_extra_headers(mr, &resp->headers, &own_cache) == 0;
	buf_free(&resp->headers);
	if (ok && !own_cache)
		ok = MHD_add_response_header(mr, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store") ==
		     MHD_YES;
	if (ok && gzipped)
		ok = MHD_add_response_header(mr, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip") ==
		     MHD_YES;
	if (ok && accept_gzip)
		ok = MHD_add_response_header(mr, MHD_HTTP_HEADER_VARY, "Accept-Encoding") ==
		     MHD_YES;
	if (ok && resp->retry_after > 0) {
		char secs[16];
		snprintf(secs, sizeof secs, "%d", resp->retry_after);
		ok = MHD_add_response_header(mr, MHD_HTTP_HEADER_RETRY_AFTER, secs) == MHD_YES;
	}
	if (ok && status == 405 && r->allow[0])
		ok = MHD_add_response_header(mr, MHD_HTTP_HEADER_ALLOW, r->allow) == MHD_YES;
	if (ok && atomic_load(&r->srv->stopping))
		ok = MHD_add_response_header(mr, MHD_HTTP_HEADER_CONNECTION, "close") == MHD_YES;
	enum MHD_Result res = MHD_NO;
	if (ok)
		res = MHD_queue_response(conn, (unsigned int)status, mr);
	MHD_destroy_response(mr);
	if (res == MHD_YES) {
		r->status = status;
		r->bytes_out = len;
	} else {
		LOG(LOG_ERROR, "http: %s %s: cannot queue the response", r->method, r->path);
	}
	return res;
}

/* ---- the request cycle ---- */

/* A route's path matches exactly, or, when it ends in '*', any path that
 * starts with what precedes the '*' (the handler reads the rest from
 * req->path). */
static int route_matches(const char *pattern, const char *path)
{
	size_t n = strlen(pattern);
	if (n && pattern[n - 1] == '*')
		return strncmp(pattern, path, n - 1) == 0;
	return strcmp(pattern, path) == 0;
}

/* The route for path and method; NULL with *path_known telling whether
 * some other method has that path (then r->allow lists them). */
static const http_route *find_route(http_server *s, request *r, const char *path,
				    const char *method, int *path_known)
{
	*path_known = 0;
	r->allow[0] = '\0';
	for (size_t i = 0; i < s->nroutes; i++) {
		if (!route_matches(s->routes[i].path, path))
			continue;
		if (strcmp(s->routes[i].method, method) == 0)
			return &s->routes[i];
		*path_known = 1;
		size_t used = strlen(r->allow);
		snprintf(r->allow + used, sizeof r->allow - used, "%s%s", used ? ", " : "",
			 s->routes[i].method);
	}
	return NULL;
}

/* The first call: decides from the request line and headers alone whether
 * the request can go on. An error is kept in r->early and answered
 *  - at once, without reading the body, when the client waits for
 *    "100 Continue" (nothing is on its way yet) or announced a body too
 *    large to be worth reading (over twice max_body, or of unknown length
 *    and not chunked); libmicrohttpd closes the connection after such an
 *    early answer;
 *  - otherwise at the end of the body, which is read and dropped: a client
 *    already sending would often see its upload cut (a reset) instead of
 *    the answer if the connection were closed under it, and this way the
 *    connection stays alive. */
static enum MHD_Result check_headers(http_server *s, request *r,
				     struct MHD_Connection *conn, const char *url,
				     const char *method)
{
	const char *te = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						     MHD_HTTP_HEADER_TRANSFER_ENCODING);
	const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						     MHD_HTTP_HEADER_CONTENT_LENGTH);
	/* the same test libmicrohttpd makes to read a chunked body */
	int chunked = te && strcasecmp(te, "chunked") == 0;
	size_t length = 0;
	int bad_length = cl && parse_length(cl, &length) != 0;
	/* any Transfer-Encoding makes libmicrohttpd read a body */
	r->has_body = te || (cl && (bad_length || length > 0));
	int wants_body = !strcmp(method, MHD_HTTP_METHOD_POST) ||
			 !strcmp(method, MHD_HTTP_METHOD_PUT);

	int path_known;
	r->route = find_route(s, r, url, method, &path_known);
	if (!r->route) {
		if (path_known)
			http_error(&r->early, 405, "method_not_allowed",
				   "%s is not allowed on this path (allowed: %s)", r->method,
				   r->allow);
		else
			http_error(&r->early, 404, "not_found", "no such path: %s", r->path);
	} else if (te && !chunked) {
		http_error(&r->early, 411, "length_required",
			   "the only transfer encoding accepted is chunked; send a Content-Length");
	} else if (wants_body && !chunked && !cl) {
		http_error(&r->early, 411, "length_required",
			   "a %s needs a Content-Length header", r->method);
	} else if (bad_length) {
		http_error(&r->early, 411, "length_required",
			   "the Content-Length header is not a number");
	} else if (!chunked && length > s->cfg.max_body) {
		http_error(&r->early, 413, "too_large",
			   "the body (%zu bytes) is over the limit of %zu bytes", length,
			   s->cfg.max_body);
	} else if (r->has_body) {
		/* a body of known length gets exactly its size: with a hundred
		 * devices uploading at once, buf's doubling would hold up to twice
		 * what they send (P7) */
		if (!chunked && length > 0 && !r->body.data && (r->body.data = malloc(length + 1)))
			r->body.cap = length + 1;
		const char *ct = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
							     MHD_HTTP_HEADER_CONTENT_TYPE);
		const char *ce = MHD_lookup_connection_value(
			conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_ENCODING);
		size_t celen = ce ? trim_end(skip_space(ce), strlen(skip_space(ce))) : 0;
		if (!ct || !is_json_type(ct)) {
			http_error(&r->early, 415, "unsupported_media_type",
				   "the body must be application/json (Content-Type %s)",
				   ct ? "not JSON" : "missing");
		} else if (ce && (token_is(skip_space(ce), celen, "gzip") ||
				  token_is(skip_space(ce), celen, "x-gzip"))) {
			r->gzip_body = 1;
		} else if (ce && celen > 0 && !token_is(skip_space(ce), celen, "identity")) {
			http_error(&r->early, 415, "unsupported_media_type",
				   "the only content encoding accepted is gzip");
		}
	}
	if (r->early.status) {
		const char *expect = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
								 MHD_HTTP_HEADER_EXPECT);
		int waiting = expect && strcasecmp(skip_space(expect), "100-continue") == 0;
		int too_much = (te && !chunked) ||
			       (!chunked && length / 2 > s->cfg.max_body);
		r->route = NULL;
		if (r->has_body && (waiting || too_much))
			return send_response(r, conn, &r->early, 0);
		return MHD_YES;
	}
	/* one allocation for a body of known size, if small: a client's word
	 * alone does not reserve megabytes */
	if (r->has_body && !chunked &&
	    buf_reserve(&r->body, length < HTTP_PREALLOC ? length : HTTP_PREALLOC) != 0)
		return MHD_NO;
	return MHD_YES;
}

/* The last call: the body is complete. Inflates it, runs the handler and
 * queues its answer. */
static enum MHD_Result run_handler(http_server *s, request *r, struct MHD_Connection *conn,
				   const char *url, const char *method)
{
	const char *ae = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						     MHD_HTTP_HEADER_ACCEPT_ENCODING);
	int gz = ae && accepts_gzip(ae);
	http_resp resp = HTTP_RESP_INIT;
	enum MHD_Result res;
	if (r->over_cap) {
		http_error(&resp, 413, "too_large",
			   "the body is over the limit of %zu bytes", s->cfg.max_body);
		return send_response(r, conn, &resp, gz);
	}
	if (r->gzip_body && r->body.len > 0) {
		buf plain = BUF_INIT;
		int rc = gz_inflate_capped(r->body.data, r->body.len, s->cfg.max_inflated, &plain);
		if (rc == ERR_LIMIT)
			http_error(&resp, 413, "too_large",
				   "the body is over the limit of %zu bytes once inflated",
				   s->cfg.max_inflated);
		else if (rc == ERR_INVALID)
			http_error(&resp, 400, "bad_gzip", "the body is not valid gzip data");
		else if (rc)
			http_error(&resp, 503, "unavailable",
				   "out of memory inflating the body; retry later");
		buf_free(&r->body);
		if (rc) {
			buf_free(&plain);
			if (rc == ERR_NOMEM)
				resp.retry_after = 5;
			return send_response(r, conn, &resp, gz);
		}
		r->body = plain;
	}
	http_req req = {
		.method = method,
		.path = url,
		.query = r->query.data ? r->query.data : "",
		.auth = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						    MHD_HTTP_HEADER_AUTHORIZATION),
		.body = r->body.data ? r->body.data : "",
		.body_len = r->body.len,
		.client = r->client,
		.accept_gzip = gz,
		.conn = conn,
	};
	int rc = r->route->fn(s->app, &req, &resp);
	if (rc != 0 && resp.status < 400) {
		LOG(LOG_ERROR, "http: %s %s: handler failed (%d) without an error status",
		    r->method, r->path, rc);
		http_error(&resp, 500, "internal", "internal error");
	}
	/* the request body is not needed any more: free it before sending */
	buf_free(&r->body);
	res = send_response(r, conn, &resp, gz);
	buf_free(&resp.body);
	buf_free(&resp.headers);
	return res;
}

/* The client's address as text into out ("" if unknown). */
static void client_address(struct MHD_Connection *conn, char *out, socklen_t n)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	out[0] = '\0';
	if (!ci || !ci->client_addr)
		return;
	const void *sa = ci->client_addr;
	if (ci->client_addr->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out, n);
	else if (ci->client_addr->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out, n);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_data_size,
				  void **req_cls)
{
	http_server *s = cls;
	request *r = *req_cls;
	(void)version;
	if (!r)
		return MHD_NO; /* the URI callback ran out of memory */
	if (!r->checked) {
		r->checked = 1;
		log_safe_copy(r->method, sizeof r->method, method, SIZE_MAX);
		log_safe_copy(r->path, sizeof r->path, url, SIZE_MAX);
		client_address(conn, r->client, sizeof r->client);
		return check_headers(s, r, conn, url, method);
	}
	if (r->status) {
		*upload_data_size = 0;
		return MHD_YES; /* answered early; libmicrohttpd finishes the rest */
	}
	if (*upload_data_size > 0) {
		size_t n = *upload_data_size;
		*upload_data_size = 0;
		if (clock_us_since(&r->t0) > HTTP_REQUEST_SECONDS * 1000000L) {
			LOG(LOG_WARN, "http: %s %s: body still arriving after %d s, closing",
			    r->method, r->path, HTTP_REQUEST_SECONDS);
			return MHD_NO;
		}
		size_t cap = s->cfg.max_body;
		r->received += n;
		if (!r->early.status && !r->over_cap && r->received <= cap) {
			if (buf_append(&r->body, upload_data, n) != 0)
				return MHD_NO;
			return MHD_YES;
		}
		/* Over the cap (only a chunked body gets here), or a body where
		 * none was expected. Read on without keeping, so that the answer
		 * can be sent at the end, but not for ever: past twice the cap
		 * the connection is closed instead. */
		if (!r->early.status)
			r->over_cap = 1;
		buf_free(&r->body);
		if (r->received > cap && r->received - cap > cap) {
			LOG(LOG_WARN, "http: %s %s: body far over the limit, closing", r->method,
			    r->path);
			return MHD_NO;
		}
		return MHD_YES;
	}
	if (r->early.status)
		return send_response(r, conn, &r->early, 0);
	return run_handler(s, r, conn, url, method);
}

/* Allocates the request state (see the file comment). */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
	http_server *s = cls;
	(void)conn;
	request *r = calloc(1, sizeof *r);
	if (!r)
		return NULL;
	r->srv = s;
	r->t0 = clock_now();
	const char *q = uri ? strchr(uri, '?') : NULL;
	/* until the access handler has the method and the decoded path, the
	 * log line of a request libmicrohttpd refuses itself (headers too
	 * large, a bad Content-Length) shows the raw path */
	r->method[0] = '-';
	log_safe_copy(r->path, sizeof r->path, uri, q ? (size_t)(q - uri) : SIZE_MAX);
	if (q && buf_puts(&r->query, q + 1) != 0) {
		buf_free(&r->query);
		free(r);
		return NULL;
	}
	atomic_fetch_add(&s->in_flight, 1);
	return r;
}

static const char *termination_name(enum MHD_RequestTerminationCode toe)
{
	switch (toe) {
	case MHD_REQUEST_TERMINATED_COMPLETED_OK:
		return "ok";
	case MHD_REQUEST_TERMINATED_WITH_ERROR:
		return "error";
	case MHD_REQUEST_TERMINATED_TIMEOUT_REACHED:
		return "timeout";
	case MHD_REQUEST_TERMINATED_DAEMON_SHUTDOWN:
		return "shutdown";
	case MHD_REQUEST_TERMINATED_READ_ERROR:
		return "read error";
	case MHD_REQUEST_TERMINATED_CLIENT_ABORT:
		return "client abort";
	}
	return "unknown";
}

/* Writes the request's log line and frees its state. */
static void on_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
			 enum MHD_RequestTerminationCode toe)
{
	http_server *s = cls;
	request *r = *req_cls;
	(void)conn;
	if (!r)
		return;
	*req_cls = NULL;
	long us = clock_us_since(&r->t0);
	if (toe == MHD_REQUEST_TERMINATED_COMPLETED_OK)
		LOG(LOG_INFO, "http %s %s %d in=%zu out=%zu %ldus", r->method, r->path,
		    r->status, r->received, r->bytes_out, us);
	else
		LOG(LOG_INFO, "http %s %s %d in=%zu out=%zu %ldus (%s)", r->method, r->path,
		    r->status, r->received, r->bytes_out, us, termination_name(toe));
	buf_free(&r->body);
	buf_free(&r->query);
	buf_free(&r->early.body);
	buf_free(&r->early.headers);
	free(r);
	atomic_fetch_sub(&s->in_flight, 1);
}

/* libmicrohttpd's own messages. While the daemon starts they are kept, so
 * that a failure to start can say why (and are logged as warnings after a
 * successful start). */
__attribute__((format(printf, 2, 0))) static void on_mhd_log(void *cls, const char *fmt,
							      va_list ap)
{
	http_server *s = cls;
	char line[256];
	vsnprintf(line, sizeof line, fmt, ap);
	size_t n = strlen(line);
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	pthread_mutex_lock(&s->log_lock);
	int keep = s->starting;
	if (keep) {
		size_t used = strlen(s->start_msg);
		snprintf(s->start_msg + used, sizeof s->start_msg - used, "%s%s",
			 used ? "; " : "", line);
	}
	pthread_mutex_unlock(&s->log_lock);
	if (!keep)
		LOG(LOG_WARN, "http: %s", line);
}

/* ---- start and stop ---- */

static void server_free(http_server *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nroutes; i++) {
		free((char *)(uintptr_t)s->routes[i].method);
		free((char *)(uintptr_t)s->routes[i].path);
	}
	free(s->routes);
	if (s->key.data)
		crypto_wipe(s->key.data, s->key.len);
	buf_free(&s->key);
	buf_free(&s->cert);
	pthread_mutex_destroy(&s->log_lock);
	free(s);
}

static char *dup_string(const char *p)
{
	size_t n = strlen(p) + 1;
	char *d = malloc(n);
	if (d)
		memcpy(d, p, n);
	return d;
}

int http_start(http_server **out, const http_config *c, const http_route *routes,
	       size_t n, void *app, err *e)
{
	int rc = 0;
	http_server *s = NULL;
	if (!out || !c || (!routes && n > 0))
		return err_set(e, ERR_INVALID, "http_start: missing arguments");
	*out = NULL;
	if (!c->cert_path || !c->key_path)
		return err_set(e, ERR_INVALID, "https: a certificate and a key are needed");
	if (c->port < 1 || c->port > 65535 || c->threads < 1 || c->threads > 1024 ||
	    c->max_connections < 1 || c->max_per_client < 1 || c->timeout_s < 1 ||
	    c->max_body < 1 || c->max_inflated < 1)
		return err_set(e, ERR_INVALID,
			       "https: port, threads, connection limits, timeout and body "
			       "limits must be positive (port at most 65535)");
	for (size_t i = 0; i < n; i++)
		if (!routes[i].method || !routes[i].path || !routes[i].fn)
			return err_set(e, ERR_INVALID, "https: route %zu is incomplete", i);

	s = calloc(1, sizeof *s);
	if (!s)
		return err_set(e, ERR_NOMEM, "out of memory");
	pthread_mutex_init(&s->log_lock, NULL);
	s->cfg = *c;
	s->app = app;
	s->routes = calloc(n ? n : 1, sizeof *s->routes);
	if (!s->routes) {
		rc = err_set(e, ERR_NOMEM, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < n; i++) {
		s->routes[i].fn = routes[i].fn;
		s->routes[i].method = dup_string(routes[i].method);
		s->routes[i].path = dup_string(routes[i].path);
		s->nroutes = i + 1;
		if (!s->routes[i].method || !s->routes[i].path) {
			rc = err_set(e, ERR_NOMEM, "out of memory");
			goto done;
		}
	}
	snprintf(s->bind_addr, sizeof s->bind_addr, "%s",
		 c->bind_addr ? c->bind_addr : "127.0.0.1");
	s->cfg.bind_addr = s->bind_addr;

	struct sockaddr_in sa;
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)c->port);
	if (inet_pton(AF_INET, s->bind_addr, &sa.sin_addr) != 1) {
		rc = err_set(e, ERR_IO, "https: cannot bind to %s: not an IPv4 address",
			     c->bind_addr ? c->bind_addr : "127.0.0.1");
		goto done;
	}
	rc = buf_read_file(&s->cert, c->cert_path, HTTP_PEM_MAX, e);
	if (rc == 0)
		rc = buf_read_file(&s->key, c->key_path, HTTP_PEM_MAX, e);
	if (rc) {
		rc = err_prefix(e, ERR_IO, "https: cannot read the certificate or key");
		goto done;
	}
	if (s->cert.len == 0 || s->key.len == 0) {
		rc = err_set(e, ERR_IO, "https: the certificate or key file is empty");
		goto done;
	}

	/* poll(), not epoll: in libmicrohttpd 0.9.75 MHD_quiesce_daemon (which
	 * http_stop needs) races with the epoll worker threads over removing
	 * the listening socket from their epoll sets, and the loser calls
	 * MHD_PANIC, which aborts the process (seen in this module's tests).
	 * At a few hundred connections poll() costs nothing that matters. */
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_TLS |
			     MHD_USE_ERROR_LOG | MHD_USE_ITC;
	pthread_mutex_lock(&s->log_lock);
	s->starting = 1;
	pthread_mutex_unlock(&s->log_lock);
	/* the logger goes first so that it sees every message; a pool of one
	 * thread is no pool (libmicrohttpd warns about it) */
	s->daemon = MHD_start_daemon(
		flags, (uint16_t)c->port, NULL, NULL, on_request, s,
		MHD_OPTION_EXTERNAL_LOGGER, (MHD_LogCallback)on_mhd_log, s,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
		MHD_OPTION_HTTPS_MEM_CERT, s->cert.data,
		MHD_OPTION_HTTPS_MEM_KEY, s->key.data,
		MHD_OPTION_HTTPS_PRIORITIES, HTTP_TLS_PRIORITIES,
		MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)(c->threads > 1 ? c->threads : 0),
		MHD_OPTION_CONNECTION_LIMIT, (unsigned int)c->max_connections,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)c->max_per_client,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)c->timeout_s,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_CONN_MEMORY,
		MHD_OPTION_URI_LOG_CALLBACK, on_uri, s,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
		MHD_OPTION_END);
	pthread_mutex_lock(&s->log_lock);
	s->starting = 0;
	pthread_mutex_unlock(&s->log_lock);
	if (!s->daemon) {
		rc = err_set(e, ERR_IO, "https: cannot serve on %s:%d: %s", s->bind_addr,
			     c->port, s->start_msg[0] ? s->start_msg : "libmicrohttpd refused to start");
		goto done;
	}
	if (s->start_msg[0])
		LOG(LOG_WARN, "http: %s", s->start_msg);
	LOG(LOG_INFO, "http: serving https://%s:%d (%d threads)", s->bind_addr, c->port,
	    c->threads);
	*out = s;
	s = NULL;
done:
	server_free(s);
	return rc;
}

void http_stop(http_server *s)
{
	if (!s)
		return;
	/* Stop accepting, let requests in flight finish (their answers close
	 * the connection), then stop; idle keep-alive connections are simply
	 * closed by MHD_stop_daemon. */
	atomic_store(&s->stopping, 1);
	MHD_socket listen_fd = MHD_quiesce_daemon(s->daemon);
	for (int waited = 0; atomic_load(&s->in_flight) > 0 && waited < HTTP_DRAIN_MS;
	     waited += 10) {
		struct timespec ts = {0, 10 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	if (atomic_load(&s->in_flight) > 0)
		LOG(LOG_WARN, "http: stopping with %d requests unfinished",
		    atomic_load(&s->in_flight));
	MHD_stop_daemon(s->daemon);
	if (listen_fd != MHD_INVALID_SOCKET)
		close(listen_fd);
	server_free(s);
}

/* ---- query strings ---- */

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* URL-decodes s[0..len) ('+' is a space, %XX a byte; a '%' not followed by
 * two hex digits stays as it is) into out (n bytes, NUL-terminated).
 * Returns the decoded length, or -1 if it does not fit or holds a NUL. */
static long url_decode(const char *s, size_t len, char *out, size_t n)
{
	size_t o = 0;
	if (n == 0)
		return -1;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (c == '+') {
			c = ' ';
		} else if (c == '%' && i + 2 < len && hex_value(s[i + 1]) >= 0 &&
			   hex_value(s[i + 2]) >= 0) {
			c = (char)(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
			i += 2;
		}
		if (c == '\0' || o + 1 >= n)
			return -1;
		out[o++] = c;
	}
	out[o] = '\0';
	return (long)o;
}

int http_query_param(const char *query, const char *key, char *out, size_t n)
{
	if (!query || !key || !out || n == 0)
		return -1;
	size_t keylen = strlen(key);
	const char *p = query;
	while (*p) {
		const char *amp = strchr(p, '&');
		size_t len = amp ? (size_t)(amp - p) : strlen(p);
		const char *eq = memchr(p, '=', len);
		size_t namelen = eq ? (size_t)(eq - p) : len;
		char name[256];
		long got = url_decode(p, namelen, name, sizeof name);
		if (got >= 0 && (size_t)got == keylen && memcmp(name, key, keylen) == 0) {
			const char *v = eq ? eq + 1 : p + len;
			size_t vlen = (size_t)(p + len - v);
			/* a value that does not fit is not returned cut short */
			return url_decode(v, vlen, out, n) >= 0 ? 0 : -1;
		}
		if (!amp)
			break;
		p = amp + 1;
	}
	return -1;
}

/* ---- certificates (mbedTLS) ---- */

static int mbed_rng(void *ctx, unsigned char *out, size_t n)
{
	(void)ctx;
	return crypto_random(out, n, NULL) ? MBEDTLS_ERR_CTR_DRBG_ENTROPY_SOURCE_FAILED : 0;
}

/* The DER of a GeneralNames SEQUENCE for the comma-separated names
 * (IPv4/IPv6 addresses as iPAddress, anything else as dNSName), written at
 * the end of der[0..size) as mbedTLS's writers do. *len is its length (0
 * when there are no names). Returns 0 or ERR_INVALID / ERR_LIMIT. */
static int san_der(const char *names, unsigned char *der, size_t size, size_t *len,
		   err *e)
{
	unsigned char *p = der + size;
	size_t total = 0;
	size_t count = 0;
	*len = 0;
	if (!names)
		return 0;
	/* mbedTLS writes backwards: walk the list from its end */
	const char *end = names + strlen(names);
	while (end > names) {
		const char *start = end;
		while (start > names && start[-1] != ',')
			start--;
		const char *a = skip_space(start);
		size_t n = trim_end(a, a <= end ? (size_t)(end - a) : 0);
		end = start > names ? start - 1 : names;
		if (n == 0)
			continue;
		char name[256];
		if (n >= sizeof name)
			return err_set(e, ERR_LIMIT, "certificate: a subject alternative name is "
						     "longer than 255 bytes");
		memcpy(name, a, n);
		name[n] = '\0';
		unsigned char ip[16];
		size_t iplen = 0;
		int ret;
		if (inet_pton(AF_INET, name, ip) == 1)
			iplen = 4;
		else if (inet_pton(AF_INET6, name, ip) == 1)
			iplen = 16;
		if (iplen) {
			ret = mbedtls_asn1_write_raw_buffer(&p, der, ip, iplen);
			if (ret >= 0)
				ret = mbedtls_asn1_write_len(&p, der, iplen);
			if (ret >= 0)
				ret = mbedtls_asn1_write_tag(&p, der, MBEDTLS_ASN1_CONTEXT_SPECIFIC |
									  MBEDTLS_X509_SAN_IP_ADDRESS);
		} else {
			for (size_t i = 0; i < n; i++) {
				char c = name[i];
				if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
				      (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '*'))
					return err_set(e, ERR_INVALID,
						       "certificate: subject alternative name %zu is "
						       "neither an IP address nor a DNS name",
						       count + 1);
			}
			ret = mbedtls_asn1_write_raw_buffer(&p, der, (const unsigned char *)name, n);
			if (ret >= 0)
				ret = mbedtls_asn1_write_len(&p, der, n);
			if (ret >= 0)
				ret = mbedtls_asn1_write_tag(&p, der, MBEDTLS_ASN1_CONTEXT_SPECIFIC |
									  MBEDTLS_X509_SAN_DNS_NAME);
		}
		if (ret < 0)
			return err_set(e, ERR_LIMIT, "certificate: too many alternative names");
		count++;
	}
	if (count == 0)
		return 0;
	total = (size_t)(der + size - p);
	int ret = mbedtls_asn1_write_len(&p, der, total);
	if (ret >= 0)
		ret = mbedtls_asn1_write_tag(&p, der,
					     MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE);
	if (ret < 0)
		return err_set(e, ERR_LIMIT, "certificate: too many alternative names");
	*len = (size_t)(der + size - p);
	return 0;
}

/* Writes data to path through a temporary file and a rename, with mode. */
static int write_file_atomic(const char *path, const void *data, size_t len, mode_t mode,
			     err *e)
{
	int rc = 0;
	int fd = -1;
	buf tmp = BUF_INIT;
	if (buf_printf(&tmp, "%s.tmp", path) != 0)
		return err_set(e, ERR_NOMEM, "out of memory");
	unlink(tmp.data);
	fd = open(tmp.data, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0) {
		rc = err_set(e, ERR_IO, "%s: %s", tmp.data, strerror(errno));
		goto done;
	}
	if (fchmod(fd, mode) != 0) {
		rc = err_set(e, ERR_IO, "%s: %s", tmp.data, strerror(errno));
		goto done;
	}
	const char *p = data;
	size_t left = len;
	while (left > 0) {
		ssize_t w = write(fd, p, left);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			rc = err_set(e, ERR_IO, "%s: %s", tmp.data, strerror(errno));
			goto done;
		}
		p += w;
		left -= (size_t)w;
	}
	if (fsync(fd) != 0 || close(fd) != 0) {
		fd = -1;
		rc = err_set(e, ERR_IO, "%s: %s", tmp.data, strerror(errno));
		goto done;
	}
	fd = -1;
	if (rename(tmp.data, path) != 0) {
		rc = err_set(e, ERR_IO, "%s: %s", path, strerror(errno));
		goto done;
	}
done:
	if (fd >= 0)
		close(fd);
	if (rc && tmp.data)
		unlink(tmp.data);
	buf_free(&tmp);
	return rc;
}

/* "YYYYMMDDhhmmss" (UTC) of t, as mbedTLS wants validity times. */
static void x509_time(time_t t, char out[16])
{
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 16, "%Y%m%d%H%M%S", &tm);
}

int http_make_self_signed(const char *cert_path, const char *key_path, const char *cn,
			  const char *alt_names, int days, err *e)
{
	int rc = 0, ret = 0;
	mbedtls_pk_context key;
	mbedtls_x509write_cert crt;
	mbedtls_mpi serial;
	buf subject = BUF_INIT;
	unsigned char san[2048];
	size_t san_len = 0;
	unsigned char cert_pem[8192];
	unsigned char key_pem[2048];
	mbedtls_pk_init(&key);
	mbedtls_x509write_crt_init(&crt);
	mbedtls_mpi_init(&serial);
	memset(key_pem, 0, sizeof key_pem);

	if (!cert_path || !key_path || !cn || !*cn) {
		rc = err_set(e, ERR_INVALID, "certificate: paths and a common name are needed");
		goto done;
	}
	if (days < 1 || days > 36500) {
		rc = err_set(e, ERR_INVALID, "certificate: validity must be 1 to 36500 days");
		goto done;
	}
	/* mbedTLS parses "CN=…" itself: keep the name free of its syntax */
	for (const char *p = cn; *p; p++) {
		if (*p == ',' || *p == '=' || *p == '\\' || *p == '+' || (unsigned char)*p < 0x20) {
			rc = err_set(e, ERR_INVALID,
				     "certificate: the common name may not contain , = + \\ "
				     "or control characters");
			goto done;
		}
	}
	if (strlen(cn) > 64) {
		rc = err_set(e, ERR_INVALID, "certificate: the common name is over 64 bytes");
		goto done;
	}
	rc = san_der(alt_names, san, sizeof san, &san_len, e);
	if (rc)
		goto done;

	ret = mbedtls_pk_setup(&key, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY));
	if (ret == 0)
		ret = mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(key), mbed_rng,
					  NULL);
	if (ret) {
		rc = err_set(e, ERR_CRYPTO, "certificate: cannot generate the key (mbedTLS -0x%04x)",
			     (unsigned)-ret);
		goto done;
	}

	/* a positive 128-bit random serial */
	unsigned char sn[16];
	if (crypto_random(sn, sizeof sn, e) != 0) {
		rc = ERR_CRYPTO;
		goto done;
	}
	sn[0] = (unsigned char)((sn[0] & 0x7f) | 0x01);
	char not_before[16], not_after[16];
	time_t now = time(NULL);
	x509_time(now - 86400, not_before);
	x509_time(now + (time_t)days * 86400, not_after);
	if (buf_printf(&subject, "CN=%s", cn) != 0) {
		rc = err_set(e, ERR_NOMEM, "out of memory");
		goto done;
	}

	mbedtls_x509write_crt_set_version(&crt, MBEDTLS_X509_CRT_VERSION_3);
	mbedtls_x509write_crt_set_md_alg(&crt, MBEDTLS_MD_SHA256);
	mbedtls_x509write_crt_set_subject_key(&crt, &key);
	mbedtls_x509write_crt_set_issuer_key(&crt, &key);
	ret = mbedtls_mpi_read_binary(&serial, sn, sizeof sn);
	if (ret == 0)
		ret = mbedtls_x509write_crt_set_serial(&crt, &serial);
	if (ret == 0)
		ret = mbedtls_x509write_crt_set_validity(&crt, not_before, not_after);
	if (ret == 0)
		ret = mbedtls_x509write_crt_set_subject_name(&crt, subject.data);
	if (ret == 0)
		ret = mbedtls_x509write_crt_set_issuer_name(&crt, subject.data);
	/* CA, so that a client can trust this very certificate as its root */
	if (ret == 0)
		ret = mbedtls_x509write_crt_set_basic_constraints(&crt, 1, 0);
	if (ret == 0)
		ret = mbedtls_x509write_crt_set_key_usage(
			&crt, MBEDTLS_X509_KU_DIGITAL_SIGNATURE | MBEDTLS_X509_KU_KEY_CERT_SIGN);
	if (ret == 0)
		ret = mbedtls_x509write_crt_set_subject_key_identifier(&crt);
	if (ret == 0)
		ret = mbedtls_x509write_crt_set_authority_key_identifier(&crt);
	if (ret == 0 && san_len > 0)
		ret = mbedtls_x509write_crt_set_extension(
			&crt, MBEDTLS_OID_SUBJECT_ALT_NAME,
			MBEDTLS_OID_SIZE(MBEDTLS_OID_SUBJECT_ALT_NAME), 0,
			san + sizeof san - san_len, san_len);
	if (ret == 0)
		ret = mbedtls_x509write_crt_pem(&crt, cert_pem, sizeof cert_pem, mbed_rng, NULL);
	if (ret == 0)
		ret = mbedtls_pk_write_key_pem(&key, key_pem, sizeof key_pem);
	if (ret) {
		rc = err_set(e, ERR_CRYPTO, "certificate: cannot build it (mbedTLS -0x%04x)",
			     (unsigned)-ret);
		goto done;
	}
	/* the key first: a certificate without its key is of no use */
	rc = write_file_atomic(key_path, key_pem, strlen((char *)key_pem), 0600, e);
	if (rc == 0)
		rc = write_file_atomic(cert_path, cert_pem, strlen((char *)cert_pem), 0644, e);
done:
	crypto_wipe(key_pem, sizeof key_pem);
	mbedtls_mpi_free(&serial);
	mbedtls_x509write_crt_free(&crt);
	mbedtls_pk_free(&key);
	buf_free(&subject);
	return rc;
}

int http_cert_pin(const char *cert_path, char *out, size_t n, err *e)
{
	int rc = 0;
	buf pem = BUF_INIT;
	mbedtls_x509_crt crt;
	mbedtls_x509_crt_init(&crt);
	if (!cert_path || !out || n < 64) {
		rc = err_set(e, ERR_INVALID, "certificate pin: the output needs 64 bytes");
		goto done;
	}
	out[0] = '\0';
	rc = buf_read_file(&pem, cert_path, HTTP_PEM_MAX, e);
	if (rc) {
		rc = err_prefix(e, ERR_IO, "certificate pin");
		goto done;
	}
	/* mbedTLS takes PEM with its terminating NUL counted */
	int ret = mbedtls_x509_crt_parse(&crt, (const unsigned char *)(pem.data ? pem.data : ""),
					 pem.len + 1);
	if (ret != 0 || crt.pk_raw.p == NULL) {
		rc = err_set(e, ERR_INVALID, "%s: not a PEM certificate (mbedTLS -0x%04x)",
			     cert_path, ret < 0 ? (unsigned)-ret : (unsigned)ret);
		goto done;
	}
	unsigned char hash[32];
	if (crypto_sha256(crt.pk_raw.p, crt.pk_raw.len, hash) != 0) {
		rc = err_set(e, ERR_CRYPTO, "certificate pin: SHA-256 failed");
		goto done;
	}
	unsigned char b64[48];
	size_t b64len = 0;
	ret = mbedtls_base64_encode(b64, sizeof b64, &b64len, hash, sizeof hash);
	if (ret) {
		rc = err_set(e, ERR_CRYPTO, "certificate pin: base64 failed");
		goto done;
	}
	snprintf(out, n, "sha256//%.*s", (int)b64len, (const char *)b64);
done:
	mbedtls_x509_crt_free(&crt);
	buf_free(&pem);
	return rc;
}
