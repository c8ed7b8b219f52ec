/*
 * http: the sync server's HTTP layer on libmicrohttpd with its own TLS —
 * a bounded thread pool, limits on connections, body size, time and
 * memory, request bodies collected with a hard cap (and inflated when
 * gzip'd, with a cap on the inflated size), routes as a {method, path,
 * handler} table, JSON error bodies. Handlers see a complete, bounded
 * request and fill a response; they never see a partial body.
 */
#ifndef SS_HTTP_H
#define SS_HTTP_H

#include <stddef.h>

#include "buf.h"
#include "err.h"

typedef struct http_req {
	const char *method;  /* "GET", "POST", … */
	const char *path;    /* without the query string */
	const char *query;   /* raw text after '?', or "" */
	const char *auth;    /* the Authorization header, or NULL */
	const char *body;    /* complete (inflated) body, NUL-terminated; "" if none */
	size_t body_len;
	const char *client;  /* client address, for logs and per-address limits only */
	int accept_gzip;     /* the client sent Accept-Encoding: gzip */
	void *conn;          /* the connection, for http_req_header; NULL in tests */
} http_req;

typedef struct http_resp {
	int status;               /* default 200 */
	buf body;                 /* JSON text */
	const char *content_type; /* default "application/json" */
	int retry_after;          /* seconds, sent when > 0 */
	buf headers;              /* more headers, "Name: value\n" lines (http_resp_header) */
} http_resp;

#define HTTP_RESP_INIT {200, BUF_INIT, NULL, 0, BUF_INIT}

/* The value of a request header (any case of name), or NULL. Valid for the
 * handler's call. */
const char *http_req_header(const http_req *req, const char *name);

/* Adds a response header (Set-Cookie, Content-Disposition,
 * Content-Security-Policy, Cache-Control …). A Cache-Control given here
 * replaces the default "no-store". Returns 0, ERR_INVALID (a name that is
 * not a token, a value with a control character) or ERR_NOMEM. */
int http_resp_header(http_resp *resp, const char *name, const char *value);

typedef int (*http_handler)(void *app, const http_req *req, http_resp *resp);

typedef struct http_route {
	const char *method;
	const char *path; /* exact, or a prefix when it ends in an asterisk */
	http_handler fn;
} http_route;

typedef struct http_config {
	const char *bind_addr;    /* default "127.0.0.1" */
	int port;                 /* default 8443 */
	const char *cert_path;    /* PEM certificate */
	const char *key_path;     /* PEM private key */
	int threads;              /* thread pool size, default 4 */
	int max_connections;      /* default 256 */
	int max_per_client;       /* default 16 */
	int timeout_s;            /* idle connection timeout, default 30 */
	size_t max_body;          /* as sent, default 4 MiB */
	size_t max_inflated;      /* after gzip, default 16 MiB */
} http_config;

typedef struct http_server http_server;

/* Fills *c with the defaults above. */
void http_config_defaults(http_config *c);

/* Starts serving routes[0..n) with app passed to every handler. Returns 0,
 * or ERR_IO (cannot bind, cannot read the certificate/key) with e. */
int http_start(http_server **out, const http_config *c, const http_route *routes,
	       size_t n, void *app, err *e);

/* Stops accepting, finishes requests in flight, frees everything. */
void http_stop(http_server *s);

/* Sets resp to an error: status, JSON {"error": {"code", "message"}}. */
void http_error(http_resp *resp, int status, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Value of key in a query string ("a=1&b=2"), URL-decoded into out; 0 if
 * found, -1 otherwise. */
int http_query_param(const char *query, const char *key, char *out, size_t n);

/* Generates a self-signed certificate and EC P-256 key for the given
 * common name and subject alternative names (IP addresses or DNS names,
 * comma separated), valid for `days`, written as PEM (key file mode 0600).
 * Uses mbedTLS. */
int http_make_self_signed(const char *cert_path, const char *key_path, const char *cn,
			  const char *alt_names, int days, err *e);

/* The public-key pin of a PEM certificate: "sha256//" + base64 of the
 * SHA-256 of its SubjectPublicKeyInfo (DER) — the form libcurl's
 * CURLOPT_PINNEDPUBLICKEY takes. out must hold 64 bytes. */
int http_cert_pin(const char *cert_path, char *out, size_t n, err *e);

#endif
