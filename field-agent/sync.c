/*
 * sync: the device's side of the sync protocol (proto/README.md) —
 * `field-agent enroll URL CODE --pin PIN` and `field-agent sync`.
 *
 * libcurl does the TLS: the server must present the key whose pin was
 * given at enrollment (and a certificate signed by what enrollment
 * stored), or curl stops in the handshake, before a byte of data is sent.
 * The outbox is pushed in gzip'd batches; a row leaves the outbox only in
 * the transaction that records the server's answer for it, so a cut at any
 * byte means the batch is sent again and the server answers "duplicate".
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <linux/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "agent.h"
#include "clock.h"
#include "curlrt.h"
#include "cmd.h"
#include "crypto.h"
#include "gz.h"
#include "i18n.h"
#include "json.h"
#include "num.h"
#include "uuid.h"

#define SYNC_BATCH_RECORDS 500
#define BATCH_SLOTS 2048 /* a power of two, over twice SYNC_BATCH_RECORDS */
#define SYNC_BATCH_BYTES (3 * 1024 * 1024)
#define SYNC_MAX_RESPONSE (32 * 1024 * 1024)

/* One transfer: the easy handle and what its request needs until it ends. */
typedef struct xfer {
	CURL *h;
	struct curl_slist *hdr; /* of the request in flight */
	buf gz;                 /* its compressed body */
	int done;               /* curl said it ended, with result */
	CURLcode result;
} xfer;

#define WIRE_SOCKS 4

typedef struct conn {
	/* x[0] for every request; x[1] for a second push batch in flight */
	xfer x[2];
	char url[1024];
	char auth[160];
	char pin[200];
	buf cert;
	long bytes_up, bytes_down; /* HTTP bodies as sent (gzip'd) */
	long wire_up, wire_down;   /* TLS bytes on the socket */
	long wire_up_done, wire_down_done;
	struct {
		curl_socket_t fd; /* CURL_SOCKET_BAD: free */
		long up, down;
	} socks[WIRE_SOCKS];
	CURLM *multi; /* one connection cache; two push batches in flight */
	int requests;
	int cert_mismatch; /* the server's certificate is not the stored one */
	int pin_only;      /* check the server by its key pin alone (see cmd_sync) */
	/* the second connection failed (a server or proxy that allows one
	 * per address, many tablets behind one address): push one batch at a
	 * time for the rest of this sync, and start again at once */
	int one_flight, retry_now;
	struct curl_boot *boot; /* libcurl still loading on a thread (cmd_sync) */
	int warm; /* x[0] carries the first connection's GET (curl_boot) */
	struct timespec acks_since; /* the answers' transaction began (acks_begin) */
} conn;

/* libcurl loaded on a thread (dlopen of it and its two dozen libraries,
 * OpenSSL's set-up) while the store opens and the first batch is built;
 * conn_ready takes its handles before the first request. The thread
 * touches only this struct. */
typedef struct curl_boot {
	pthread_t thread;
	int started, joined, rc;
	err e;
	CURLM *multi;
	CURL *h[2];
	/* The connection's server (its url, pin and certificate), told once
	 * the store is open (boot_target; NULL: nothing to send) and left
	 * alone by the main thread until boot_join. The thread then makes the
	 * first connection (a GET of /v1/health on h[0]) while the store
	 * unlocks and the first batch is built, until it is answered or
	 * boot_join takes the handles over (stop, and a wakeup of the poll). */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int told, polling;
	atomic_int stop;
	const struct conn *target;
	int warming, warm_done; /* the GET added to multi; ended, with: */
	CURLcode warm_result;
} curl_boot;

static size_t discard(char *p, size_t size, size_t n, void *ud)
{
	(void)p;
	(void)ud;
	return size * n;
}

/* The TLS options of every request (request_start): a connection is
 * reused only by a request that asks the same of the server. */
static void tls_options(CURL *h, const char *pin, const buf *cert, int pin_only)
{
	CR.easy_setopt(h, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	CR.easy_setopt(h, CURLOPT_PINNEDPUBLICKEY, pin);
	if (cert->len && !pin_only) {
		struct curl_blob blob = {cert->data, cert->len, CURL_BLOB_COPY};
		CR.easy_setopt(h, CURLOPT_CAINFO_BLOB, &blob);
		CR.easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
		CR.easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	} else {
		/* enrollment (no certificate yet), or a device whose clock makes
		 * the stored certificate look expired: the pin alone decides */
		CR.easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
		CR.easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	CR.easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
	CR.easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
	CR.easy_setopt(h, CURLOPT_LOW_SPEED_TIME, 30L);
	CR.easy_setopt(h, CURLOPT_TIMEOUT, 120L);
	CR.easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
}

/* The first connection, made on the loading thread (see curl_boot). */
static void warm_up(curl_boot *b)
{
	const conn *c = b->target;
	char url[sizeof c->url + 16];
	snprintf(url, sizeof url, "%s/v1/health", c->url);
	CR.easy_setopt(b->h[0], CURLOPT_URL, url);
	CR.easy_setopt(b->h[0], CURLOPT_WRITEFUNCTION, discard);
	CR.easy_setopt(b->h[0], CURLOPT_HTTPGET, 1L);
	tls_options(b->h[0], c->pin, &c->cert, c->pin_only);
	CR.multi_add_handle(b->multi, b->h[0]);
	b->warming = 1;
	pthread_mutex_lock(&b->lock);
	b->polling = 1;
	pthread_mutex_unlock(&b->lock);
	while (!atomic_load(&b->stop)) {
		int running = 0, left;
		if (CR.multi_perform(b->multi, &running) != CURLM_OK)
			break;
		CURLMsg *m;
		while ((m = CR.multi_info_read(b->multi, &left)))
			if (m->msg == CURLMSG_DONE && m->easy_handle == b->h[0]) {
				b->warm_done = 1;
				b->warm_result = m->data.result;
			}
		if (b->warm_done || !running)
			break;
		CR.multi_poll(b->multi, NULL, 0, 1000, NULL);
	}
}

static void *boot_curl(void *arg)
{
	curl_boot *b = arg;
	if ((b->rc = curlrt_load(&b->e)))
		return NULL;
	b->multi = CR.multi_init();
	b->h[0] = CR.easy_init();
	b->h[1] = CR.easy_init();
	if (!b->multi || !b->h[0] || !b->h[1]) {
		b->rc = err_set(&b->e, ERR_NOMEM, "out of memory");
		return NULL;
	}
	pthread_mutex_lock(&b->lock);
	while (!b->told)
		pthread_cond_wait(&b->cond, &b->lock);
	pthread_mutex_unlock(&b->lock);
	if (b->target && !atomic_load(&b->stop))
		warm_up(b);
	return NULL;
}

/* Tells the loading thread the connection to make (NULL: none); only the
 * first call counts. */
static void boot_target(curl_boot *b, const struct conn *target)
{
	pthread_mutex_lock(&b->lock);
	if (!b->told)
		b->target = target;
	b->told = 1;
	pthread_cond_signal(&b->cond);
	pthread_mutex_unlock(&b->lock);
}

static void conn_zero(conn *c)
{
	memset(c, 0, sizeof *c);
	for (int k = 0; k < WIRE_SOCKS; k++)
		c->socks[k].fd = CURL_SOCKET_BAD;
}

static int warm_end(conn *c, err *e);

/* Waits for libcurl if it is still loading, and takes its handles (the
 * first connection's GET, if going, goes on in c->multi). */
static void boot_join(conn *c)
{
	curl_boot *b = c->boot;
	if (b && !b->joined) {
		boot_target(b, NULL);
		pthread_mutex_lock(&b->lock);
		atomic_store(&b->stop, 1);
		if (b->polling)
			CR.multi_wakeup(b->multi);
		pthread_mutex_unlock(&b->lock);
		if (b->started)
			pthread_join(b->thread, NULL);
		b->joined = 1;
		pthread_cond_destroy(&b->cond);
		pthread_mutex_destroy(&b->lock);
		c->multi = b->multi;
		c->x[0].h = b->h[0];
		c->x[1].h = b->h[1];
		/* the first connection's GET: ended, or still going (warm_end) */
		if (b->warming) {
			c->warm = 1;
			c->x[0].done = b->warm_done;
			c->x[0].result = b->warm_result;
		}
	}
}

/* libcurl ready for a request: loaded, its handles taken, the first
 * connection made (or its failure, which is the request's). */
static int conn_ready(conn *c, err *e)
{
	curl_boot *b = c->boot;
	if (!b)
		return 0;
	boot_join(c);
	if (b->rc)
		return err_set(e, b->e.code, "%s", b->e.msg);
	return warm_end(c, e);
}

/* The bytes on the wire (TLS records with handshakes, without TCP/IP
 * headers), read from the kernel's counters of the transfer's socket after
 * each request; a push keeps two connections. A socket number seen again
 * with smaller counters is a new connection: the old one's count is kept. */
static void count_wire(conn *c, xfer *x)
{
	curl_socket_t fd = CURL_SOCKET_BAD;
	struct tcp_info ti;
	socklen_t len = sizeof ti;
	if (CR.easy_getinfo(x->h, CURLINFO_ACTIVESOCKET, &fd) != CURLE_OK || fd == CURL_SOCKET_BAD)
		return;
	memset(&ti, 0, sizeof ti);
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) != 0)
		return;
	long up = (long)ti.tcpi_bytes_acked, down = (long)ti.tcpi_bytes_received;
	int k = 0, free_k = -1;
	for (; k < WIRE_SOCKS && c->socks[k].fd != fd; k++)
		if (free_k < 0 && c->socks[k].fd == CURL_SOCKET_BAD)
			free_k = k;
	if (k == WIRE_SOCKS || up < c->socks[k].up || down < c->socks[k].down) {
		if (k == WIRE_SOCKS)
			k = free_k >= 0 ? free_k : 0;
		c->wire_up_done += c->socks[k].up;
		c->wire_down_done += c->socks[k].down;
	}
	c->socks[k].fd = fd;
	c->socks[k].up = up;
	c->socks[k].down = down;
	c->wire_up = c->wire_up_done;
	c->wire_down = c->wire_down_done;
	for (k = 0; k < WIRE_SOCKS; k++) {
		c->wire_up += c->socks[k].up;
		c->wire_down += c->socks[k].down;
	}
}

/* A connection's handles and counters, before its first request. */
static int conn_init(conn *c, int handles, err *e)
{
	conn_zero(c);
	c->multi = CR.multi_init();
	for (int i = 0; i < handles; i++)
		c->x[i].h = CR.easy_init();
	if (!c->multi || !c->x[0].h || (handles > 1 && !c->x[1].h))
		return err_set(e, ERR_NOMEM, "out of memory");
	return 0;
}

static void conn_free(conn *c)
{
	boot_join(c);
	if (c->warm && c->multi && c->x[0].h)
		CR.multi_remove_handle(c->multi, c->x[0].h);
	for (int i = 0; i < 2; i++) {
		if (c->x[i].h)
			CR.easy_cleanup(c->x[i].h);
		buf_free(&c->x[i].gz);
	}
	if (c->multi)
		CR.multi_cleanup(c->multi);
	buf_free(&c->cert);
}

static size_t on_data(char *p, size_t size, size_t n, void *ud)
{
	buf *b = ud;
	size_t k = size * n;
	if (b->len + k > SYNC_MAX_RESPONSE || buf_append(b, p, k))
		return 0; /* makes curl fail: the answer is too large */
	return k;
}

/* Sets up one request on x (body NULL for GET); the headers and the
 * compressed body live in x until request_end. A body already gzip'd by
 * the caller (gzipped 1) is sent as it is and must outlive the request. */
static void request_start(conn *c, xfer *x, const char *path, const char *body, size_t len,
			  int gzipped, buf *resp)
{
	char url[1200];
	snprintf(url, sizeof url, "%s%s", c->url, path);
	buf_reset(resp);
	buf_reset(&x->gz);
	x->hdr = NULL;
	CR.easy_setopt(x->h, CURLOPT_URL, url);
	CR.easy_setopt(x->h, CURLOPT_WRITEFUNCTION, on_data);
	CR.easy_setopt(x->h, CURLOPT_WRITEDATA, resp);
	CR.easy_setopt(x->h, CURLOPT_ACCEPT_ENCODING, "gzip");
	tls_options(x->h, c->pin, &c->cert, c->pin_only);
	if (c->auth[0])
		x->hdr = CR.slist_append(x->hdr, c->auth);
	if (body) {
		x->hdr = CR.slist_append(x->hdr, "Content-Type: application/json");
		if (gzipped) {
			x->hdr = CR.slist_append(x->hdr, "Content-Encoding: gzip");
		} else if (len > 1024 && gz_deflate(body, len, &x->gz) == 0) {
			x->hdr = CR.slist_append(x->hdr, "Content-Encoding: gzip");
			body = x->gz.data;
			len = x->gz.len;
		}
		CR.easy_setopt(x->h, CURLOPT_POST, 1L);
		CR.easy_setopt(x->h, CURLOPT_POSTFIELDS, body);
		CR.easy_setopt(x->h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	} else {
		CR.easy_setopt(x->h, CURLOPT_HTTPGET, 1L);
	}
	CR.easy_setopt(x->h, CURLOPT_HTTPHEADER, x->hdr);
}

/* After the transfer: counts, frees, and turns curl's result into ours.
 * Network errors give ERR_NET; a key that is not the enrolled one says so. */
static int request_end(conn *c, xfer *x, CURLcode cr, long *status, err *e)
{
	CR.slist_free_all(x->hdr);
	x->hdr = NULL;
	c->requests++;
	curl_off_t up = 0, down = 0;
	CR.easy_getinfo(x->h, CURLINFO_SIZE_UPLOAD_T, &up);
	CR.easy_getinfo(x->h, CURLINFO_SIZE_DOWNLOAD_T, &down);
	c->bytes_up += (long)up;
	c->bytes_down += (long)down;
	if (cr != CURLE_OK) {
		if (cr == CURLE_SSL_PINNEDPUBKEYNOTMATCH)
			return err_set(e, ERR_AUTH,
				       "the server's key does not match the pin stored at enrollment: "
				       "nothing was sent");
		if (cr == CURLE_PEER_FAILED_VERIFICATION || cr == CURLE_SSL_CACERT_BADFILE) {
			c->cert_mismatch = 1;
			return err_set(e, ERR_AUTH, "the server's certificate is not the one enrolled: "
					       "nothing was sent");
		}
		return err_set(e, ERR_NET, "%s", CR.easy_strerror(cr));
	}
	CR.easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, status);
	return 0;
}

/* Marks the transfers curl says have ended. */
static void collect_done(conn *c)
{
	CURLMsg *m;
	int left;
	while ((m = CR.multi_info_read(c->multi, &left)))
		if (m->msg == CURLMSG_DONE)
			for (int i = 0; i < 2; i++)
				if (c->x[i].h && m->easy_handle == c->x[i].h) {
					c->x[i].done = 1;
					c->x[i].result = m->data.result;
				}
}

static int wait_done_until(conn *c, unsigned want, const struct timespec *until);

/* Drives every transfer of c->multi until one of those in want (a bit per
 * c->x) has ended; returns its index. */
static int wait_done(conn *c, unsigned want)
{
	return wait_done_until(c, want, NULL);
}

/* wait_done, giving up (-1) once `until` (CLOCK_MONOTONIC) has passed. */
static int wait_done_until(conn *c, unsigned want, const struct timespec *until)
{
	for (;;) {
		int running = 0;
		CURLMcode mc = CR.multi_perform(c->multi, &running);
		collect_done(c);
		for (int i = 0; i < 2; i++)
			if ((want >> i & 1u) && c->x[i].done)
				return i;
		if (mc != CURLM_OK || !running) { /* nothing left to drive: end them */
			for (int i = 0; i < 2; i++)
				if (want >> i & 1u) {
					c->x[i].done = 1;
					c->x[i].result = CURLE_SEND_ERROR;
					return i;
				}
		}
		int wait_ms = 200;
		if (until) {
			long left = -clock_ms_since(until);
			if (left <= 0)
				return -1;
			if (left < wait_ms)
				wait_ms = (int)left;
		}
		CR.multi_poll(c->multi, NULL, 0, wait_ms, NULL);
	}
}

static void xfer_add(conn *c, xfer *x)
{
	x->done = 0;
	CR.multi_add_handle(c->multi, x->h);
}

/* The transfer on x, ended: counts its bytes, detaches it. */
static CURLcode xfer_take(conn *c, xfer *x)
{
	count_wire(c, x);
	CR.multi_remove_handle(c->multi, x->h);
	x->done = 0;
	return x->result;
}

/* The first connection's GET (curl_boot), waited for if it is still
 * going, counted and taken off x[0]. Its failure is the sync's: the
 * server cannot be reached, or is not the one enrolled (request_end says
 * which, and the device's key is never sent to it). */
static int warm_end(conn *c, err *e)
{
	if (!c->warm)
		return 0;
	c->warm = 0;
	if (!c->x[0].done)
		wait_done(c, 1u);
	long status = 0;
	return request_end(c, &c->x[0], xfer_take(c, &c->x[0]), &status, e);
}

/* Runs the transfer on x through c->multi (one connection cache for
 * the whole sync) until it is done. */
static CURLcode run_transfer(conn *c, xfer *x)
{
	wait_done(c, x == &c->x[0] ? 1u : 2u);
	return xfer_take(c, x);
}

/* One request, waited for. */
static int request(conn *c, const char *method, const char *path, const char *body, size_t len,
		   buf *resp, long *status, err *e)
{
	(void)method;
	xfer *x = &c->x[0];
	request_start(c, x, path, body, len, 0, resp);
	xfer_add(c, x);
	return request_end(c, x, run_transfer(c, x), status, e);
}

static int state_get(store *s, const char *key, buf *out)
{
	db_stmt st;
	err e;
	int rc = db_prepare(&s->d, &st, "SELECT value FROM sync_state WHERE key = :k", &e);
	if (rc)
		return rc;
	db_bind_text(&st, ":k", key, -1);
	rc = db_step(&st, &e);
	if (rc == 1) {
		int n;
		const void *p = db_col_blob(&st, 0, &n);
		buf_reset(out);
		buf_append(out, p, (size_t)n);
		rc = 0;
	} else {
		rc = ERR_NOTFOUND;
	}
	db_finalize(&st);
	return rc;
}

static int state_put(store *s, const char *key, const void *v, size_t n, err *e)
{
	db_stmt st;
	int rc = db_prepare(&s->d, &st,
			    "INSERT OR REPLACE INTO sync_state(key, value) VALUES (:k, :v)", e);
	if (rc)
		return rc;
	db_bind_text(&st, ":k", key, -1);
	db_bind_blob(&st, ":v", v, (int)n);
	rc = db_step(&st, e);
	db_finalize(&st);
	return rc < 0 ? rc : 0;
}

static int error_message(const buf *resp, long status, err *e)
{
	cJSON *j = cJSON_ParseWithLength(resp->data ? resp->data : "", resp->len);
	const cJSON *er = cJSON_GetObjectItemCaseSensitive(j, "error");
	const cJSON *code = cJSON_GetObjectItemCaseSensitive(er, "code");
	const cJSON *msg = cJSON_GetObjectItemCaseSensitive(er, "message");
	int rc = status == 401 || status == 403 ? ERR_AUTH : status == 410 ? ERR_STATE : ERR_NET;
	err_set(e, rc, "server answered %ld %s: %s", status,
		cJSON_IsString(code) ? code->valuestring : "",
		cJSON_IsString(msg) ? msg->valuestring : "");
	cJSON_Delete(j);
	return rc;
}

/* A key pin as the server prints it: sha256// and 44 characters of base64. */
static int pin_valid(const char *p)
{
	if (!p || strlen(p) != 52 || strncmp(p, "sha256//", 8) || p[51] != '=')
		return 0;
	for (int i = 8; i < 51; i++)
		if (!((p[i] >= 'A' && p[i] <= 'Z') || (p[i] >= 'a' && p[i] <= 'z') ||
		      (p[i] >= '0' && p[i] <= '9') || p[i] == '+' || p[i] == '/'))
			return 0;
	return 1;
}

/* Whether pin is one of the ';'-separated list (curl's pinned key syntax). */
static int pin_listed(const char *list, const char *pin)
{
	size_t n = strlen(pin);
	for (const char *p = list; p && *p;) {
		const char *end = strchr(p, ';');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len == n && !strncmp(p, pin, n))
			return 1;
		p = end ? end + 1 : NULL;
	}
	return 0;
}

/* The pins a device keeps: the server's key, and the backup pin (the key
 * of its next certificate) when the server announced a valid one. */
static void pin_list(char *out, size_t n, const char *pin, const cJSON *backup)
{
	if (cJSON_IsString(backup) && pin_valid(backup->valuestring) &&
	    strcmp(backup->valuestring, pin))
		snprintf(out, n, "%s;%s", pin, backup->valuestring);
	else
		snprintf(out, n, "%s", pin);
}

/* The server presented a certificate other than the stored one (a
 * rotation to the backup key, or a renewal with the same key). Asks for
 * its identity over a connection checked against the stored pins alone
 * and without the device's credential: an impostor fails in the
 * handshake, before a byte is sent. On success stores the new
 * certificate and pins and uses them from now on. */
static int refresh_identity(store *s, conn *c, int quiet, err *e)
{
	buf old_cert = c->cert, resp = BUF_INIT;
	char auth[sizeof c->auth];
	memcpy(auth, c->auth, sizeof auth);
	c->cert = (buf)BUF_INIT;
	c->auth[0] = '\0';
	long status = 0;
	cJSON *j = NULL;
	int rc = request(c, "GET", "/v1/server-key", NULL, 0, &resp, &status, e);
	memcpy(c->auth, auth, sizeof auth);
	if (rc)
		goto done;
	if (status != 200) {
		rc = error_message(&resp, status, e);
		goto done;
	}
	j = cJSON_ParseWithLength(resp.data ? resp.data : "", resp.len);
	const cJSON *pin = cJSON_GetObjectItemCaseSensitive(j, "server_pin");
	const cJSON *backup = cJSON_GetObjectItemCaseSensitive(j, "backup_pin");
	const cJSON *cert = cJSON_GetObjectItemCaseSensitive(j, "server_cert");
	if (!cJSON_IsString(pin) || !pin_valid(pin->valuestring) || !cJSON_IsString(cert) ||
	    strncmp(cert->valuestring, "-----BEGIN CERTIFICATE-----", 27) ||
	    strlen(cert->valuestring) > 64 * 1024) {
		rc = err_set(e, ERR_NET, "the server's answer is not its identity");
		goto done;
	}
	/* the handshake proved a key we pin; the server must name that one */
	if (!pin_listed(c->pin, pin->valuestring)) {
		rc = err_set(e, ERR_AUTH, "the server names a key pin this device does not trust: "
					  "nothing was sent");
		goto done;
	}
	char pins[sizeof c->pin];
	pin_list(pins, sizeof pins, pin->valuestring, backup);
	if ((rc = db_begin(&s->d, e)) || (rc = state_put(s, "pin", pins, strlen(pins), e)) ||
	    (rc = state_put(s, "cert", cert->valuestring, strlen(cert->valuestring), e)) ||
	    (rc = db_commit(&s->d, e))) {
		db_rollback(&s->d);
		goto done;
	}
	snprintf(c->pin, sizeof c->pin, "%s", pins);
	buf_reset(&c->cert);
	buf_append(&c->cert, cert->valuestring, strlen(cert->valuestring));
	if (!quiet)
		fprintf(stderr, "%s", _("The server has a new certificate, with a key this device trusts; "
					"it is stored and used from now on.\n"));
done:
	cJSON_Delete(j);
	buf_free(&resp);
	if (rc) {
		buf_free(&c->cert);
		c->cert = old_cert;
	} else {
		buf_free(&old_cert);
	}
	return rc;
}

int cmd_enroll(int argc, char **argv)
{
	const char *url = NULL, *code = NULL, *pin = NULL, *name = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--pin") && i + 1 < argc)
			pin = argv[++i];
		else if (!strcmp(argv[i], "--name") && i + 1 < argc)
			name = argv[++i];
		else if (!strcmp(argv[i], "--help"))
			url = NULL, i = argc;
		else if (!url)
			url = argv[i];
		else if (!code)
			code = argv[i];
	}
	if (!url || !code || !pin) {
		printf("%s", _("usage: field-agent enroll URL CODE --pin sha256//… [--name DEVICE]\n"
			       "\n"
			       "Enrolls this device with the sync server, using the one-time code\n"
			       "and the server key pin a coordinator gave you (`sync-server device\n"
			       "enroll` prints both, and a QR code). The device credential is stored\n"
			       "encrypted like the rest of the data.\n"));
		return argc > 1 && !strcmp(argv[1], "--help") ? AGENT_EXIT_OK : AGENT_EXIT_USAGE;
	}
	if (strncmp(url, "https://", 8) || strlen(url) > 900) {
		fprintf(stderr, _("field-agent enroll: the URL must start with https://\n"));
		return AGENT_EXIT_USAGE;
	}
	if (strncmp(pin, "sha256//", 8) || strlen(pin) > 190) {
		fprintf(stderr, _("field-agent enroll: the pin looks like sha256//…\n"));
		return AGENT_EXIT_USAGE;
	}
	store s;
	err e = {0, ""};
	if (curlrt_load(&e))
		return agent_fail("enroll", &e);
	int rc = agent_open(&s, 1, &e);
	if (rc)
		return agent_fail("enroll", &e);
	conn c;
	if ((rc = conn_init(&c, 1, &e))) {
		conn_free(&c);
		store_close(&s);
		return agent_fail("enroll", &e);
	}
	snprintf(c.url, sizeof c.url, "%s", url);
	snprintf(c.pin, sizeof c.pin, "%s", pin);
	char host[128];
	if (!name) {
		if (gethostname(host, sizeof host))
			snprintf(host, sizeof host, "device");
		host[64] = '\0';
		name = host;
	}
	buf body = BUF_INIT, resp = BUF_INIT;
	buf_puts(&body, "{\"code\":");
	json_write_string(&body, code, strlen(code));
	buf_puts(&body, ",\"device_name\":");
	json_write_string(&body, name, strlen(name));
	buf_puts(&body, "}");
	long status = 0;
	cJSON *j = NULL;
	if ((rc = request(&c, "POST", "/v1/enroll", body.data, body.len, &resp, &status, &e)))
		goto done;
	if (status != 200) {
		rc = error_message(&resp, status, &e);
		goto done;
	}
	j = cJSON_ParseWithLength(resp.data, resp.len);
	const cJSON *did = cJSON_GetObjectItemCaseSensitive(j, "device_id");
	const cJSON *tok = cJSON_GetObjectItemCaseSensitive(j, "token");
	const cJSON *cert = cJSON_GetObjectItemCaseSensitive(j, "server_cert");
	const cJSON *locs = cJSON_GetObjectItemCaseSensitive(j, "localities");
	const cJSON *backup = cJSON_GetObjectItemCaseSensitive(j, "backup_pin");
	char pins[sizeof c.pin];
	pin_list(pins, sizeof pins, pin, backup);
	if (!cJSON_IsString(did) || !cJSON_IsString(tok) || !cJSON_IsString(cert)) {
		rc = err_set(&e, ERR_NET, "the server's answer is not an enrollment");
		goto done;
	}
	buf sealed = BUF_INIT;
	char *ltext = cJSON_PrintUnformatted(locs);
	if ((rc = db_begin(&s.d, &e)) ||
	    (rc = store_seal(&s, "sync/token", tok->valuestring, strlen(tok->valuestring), &sealed, &e)) ||
	    (rc = state_put(&s, "url", url, strlen(url), &e)) ||
	    (rc = state_put(&s, "device_id", did->valuestring, strlen(did->valuestring), &e)) ||
	    (rc = state_put(&s, "token", sealed.data, sealed.len, &e)) ||
	    (rc = state_put(&s, "pin", pins, strlen(pins), &e)) ||
	    (rc = state_put(&s, "cert", cert->valuestring, strlen(cert->valuestring), &e)) ||
	    (rc = state_put(&s, "localities", ltext ? ltext : "[]", ltext ? strlen(ltext) : 2, &e)) ||
	    (rc = state_put(&s, "cursor", "0", 1, &e)) || (rc = db_commit(&s.d, &e)))
		db_rollback(&s.d);
	buf_free(&sealed);
	if (!rc)
		printf(_("Enrolled as device %s for: %s\n"), did->valuestring, ltext ? ltext : "[]");
	cJSON_free(ltext);
done:
	cJSON_Delete(j);
	buf_free(&body);
	buf_free(&resp);
	conn_free(&c);
	store_close(&s);
	return rc ? agent_fail("enroll", &e) : AGENT_EXIT_OK;
}

/* --- building wire bodies ------------------------------------------------ */

/* The opened snapshot of row id (the text cJSON printed when it was
 * sealed) into plain, which the caller wipes. */
static int sealed_plain(store *s, const char *sql, const char *id, const char *aad_prefix,
			buf *plain, char *locality, size_t loclen, char *third, err *e)
{
	db_stmt st;
	char aad[160];
	int rc = db_prepare_cached(&s->d, &st, sql, e); /* sql: always a constant */
	if (rc)
		return rc;
	db_bind_text(&st, ":id", id, -1);
	rc = db_step(&st, e);
	if (rc == 1) {
		int n;
		const void *p = db_col_blob(&st, 0, &n);
		if (locality)
			snprintf(locality, loclen, "%s", db_col_text(&st, 1));
		if (third) /* a third column of UUID_STR_LEN bytes at most */
			snprintf(third, UUID_STR_LEN, "%s", db_col_text(&st, 2));
		snprintf(aad, sizeof aad, "%s/%s", aad_prefix, id);
		rc = store_unseal(s, aad, p, (size_t)n, plain, e);
	} else if (rc == 0) {
		rc = err_set(e, ERR_NOTFOUND, "record %.40s vanished", id);
	}
	db_finalize(&st);
	return rc;
}

static int sealed_json(store *s, const char *sql, const char *id, const char *aad_prefix,
		       cJSON **out, char *locality, size_t loclen, char *third, err *e)
{
	buf plain = BUF_INIT;
	*out = NULL;
	int rc = sealed_plain(s, sql, id, aad_prefix, &plain, locality, loclen, third, e);
	if (!rc && !(*out = cJSON_ParseWithLength(plain.data ? plain.data : "", plain.len)))
		rc = err_set(e, ERR_INVALID, "%s/%s: damaged record", aad_prefix, id);
	if (plain.data)
		crypto_wipe(plain.data, plain.len);
	buf_free(&plain);
	return rc;
}

/* Appends s as cJSON prints a string, byte for byte. */
static void put_cjson_string(buf *b, const char *s)
{
	buf_putc(b, '"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"': buf_puts(b, "\\\""); break;
		case '\\': buf_puts(b, "\\\\"); break;
		case '\b': buf_puts(b, "\\b"); break;
		case '\f': buf_puts(b, "\\f"); break;
		case '\n': buf_puts(b, "\\n"); break;
		case '\r': buf_puts(b, "\\r"); break;
		case '\t': buf_puts(b, "\\t"); break;
		default:
			if (*p < 32)
				buf_printf(b, "\\u%04x", *p);
			else
				buf_putc(b, (char)*p);
		}
	}
	buf_putc(b, '"');
}

/* The object text t, as cJSON printed it, without the first member named
 * by each of drop[], with the members add[] (key, text value) appended:
 * byte for byte what parsing it, deleting, adding and printing again with
 * cJSON gives, without building a tree (which was most of the device's
 * work in a sync). -1 with out unchanged when t is not such a text (then
 * the caller goes through cJSON). */
static int object_rewrite(const char *t, size_t n, const char *const *drop, int ndrop,
			  const char *const (*add)[2], int nadd, buf *out)
{
	const char *p = t, *end = t + n, *k;
	size_t kl, start = out->len;
	int m, first = 1, any = 0;
	unsigned dropped = 0;
	buf_putc(out, '{');
	for (; (m = json_next_member(&p, end, first, &k, &kl)) == 1; first = 0) {
		const char *ve = json_skip_value(p, end);
		/* compact: "key":value followed at once by ',' or '}' */
		if (p != k + kl + 2 || ve >= end || (*ve != ',' && *ve != '}'))
			goto not_compact;
		int skip = 0;
		for (int i = 0; i < ndrop && !skip; i++)
			if (!(dropped & 1u << i) && kl == strlen(drop[i]) && !memcmp(k, drop[i], kl)) {
				dropped |= 1u << i;
				skip = 1;
			}
		if (!skip) {
			if (any++)
				buf_putc(out, ',');
			buf_append(out, k - 1, (size_t)(ve - (k - 1)));
		}
		p = ve;
	}
	if (m < 0 || p != end)
		goto not_compact;
	for (int i = 0; i < nadd; i++) {
		if (any++)
			buf_putc(out, ',');
		put_cjson_string(out, add[i][0]);
		buf_putc(out, ':');
		put_cjson_string(out, add[i][1]);
	}
	buf_putc(out, '}');
	return 0;
not_compact:
	if (out->data)
		crypto_wipe(out->data + start, out->len - start);
	out->len = start;
	return -1;
}

/* The wire text of a household, person or assessment row straight from its
 * sealed snapshot. 1 when done, 0 when the row needs the cJSON path, or a
 * negative error. */
static int wire_text_fast(store *s, const char *kind, const char *id, int64_t rev,
			  const char *state, buf *text, err *e)
{
	static const char *const drop_assessment[] = {"outputs", "id", "revision"};
	char locality[128] = "", household[UUID_STR_LEN] = "", aad[160];
	const char *add[2][2];
	int nadd = 0, rc;
	buf plain = BUF_INIT;
	if (!strcmp(kind, "household")) {
		rc = sealed_plain(s, "SELECT sealed, locality FROM household WHERE id = :id", id,
				  "household", &plain, locality, sizeof locality, NULL, e);
		add[nadd][0] = "locality";
		add[nadd++][1] = locality;
	} else if (!strcmp(kind, "person")) {
		rc = sealed_plain(s, "SELECT sealed, locality, coalesce(household_id, '') FROM person"
				  " WHERE id = :id", id, "person", &plain, locality, sizeof locality,
				  household, e);
		add[nadd][0] = "locality";
		add[nadd++][1] = locality;
		if (household[0]) {
			add[nadd][0] = "household_id";
			add[nadd++][1] = household;
		}
	} else if (!strcmp(kind, "assessment")) {
		db_stmt st;
		if ((rc = db_prepare_cached(&s->d, &st,
				     "SELECT sealed FROM assessment_revision WHERE assessment_id = :id"
				     " AND revision = :rev AND status = :st", e)))
			return rc;
		db_bind_text(&st, ":id", id, -1);
		db_bind_int(&st, ":rev", rev);
		db_bind_text(&st, ":st", state, -1);
		rc = db_step(&st, e);
		if (rc == 1) {
			int n;
			const void *p = db_col_blob(&st, 0, &n);
			snprintf(aad, sizeof aad, "revision/%s/%lld/%s", id, (long long)rev, state);
			rc = store_unseal(s, aad, p, (size_t)n, &plain, e);
		} else if (rc == 0) {
			rc = err_set(e, ERR_NOTFOUND, "revision of %.40s vanished", id);
		}
		db_finalize(&st);
	} else {
		return 0;
	}
	if (!rc)
		rc = object_rewrite(plain.data ? plain.data : "", plain.len,
				    !strcmp(kind, "assessment") ? drop_assessment : NULL,
				    !strcmp(kind, "assessment") ? 3 : 0,
				    (const char *const (*)[2])add, nadd, text) == 0 ? 1 : 0;
	if (plain.data)
		crypto_wipe(plain.data, plain.len);
	buf_free(&plain);
	return rc;
}

/* The body of one outbox row, as the protocol's record table says. */
static int wire_body(store *s, const char *kind, const char *id, int64_t rev, const char *state,
		     cJSON **out, err *e)
{
	char locality[128] = "";
	int rc;
	*out = NULL;
	if (!strcmp(kind, "household")) {
		if ((rc = sealed_json(s, "SELECT sealed, locality FROM household WHERE id = :id", id,
				      "household", out, locality, sizeof locality, NULL, e)))
			return rc;
		cJSON_AddStringToObject(*out, "locality", locality);
		return 0;
	}
	if (!strcmp(kind, "person")) {
		char household[UUID_STR_LEN] = "";
		if ((rc = sealed_json(s, "SELECT sealed, locality, coalesce(household_id, '') FROM person"
				      " WHERE id = :id", id, "person", out, locality, sizeof locality,
				      household, e)))
			return rc;
		cJSON_AddStringToObject(*out, "locality", locality);
		if (household[0])
			cJSON_AddStringToObject(*out, "household_id", household);
		return 0;
	}
	if (!strcmp(kind, "service")) {
		db_stmt st;
		if ((rc = sealed_json(s, "SELECT sealed FROM service WHERE id = :id", id, "service",
				      out, NULL, 0, NULL, e)))
			return rc;
		if ((rc = db_prepare(&s->d, &st,
				     "SELECT s.person_id, s.household_id, s.type, s.date, s.minutes, s.place,"
				     " coalesce(p.locality, h.locality) FROM service s"
				     " LEFT JOIN person p ON p.id = s.person_id"
				     " LEFT JOIN household h ON h.id = s.household_id WHERE s.id = :id", e)))
			return rc;
		db_bind_text(&st, ":id", id, -1);
		if (db_step(&st, e) == 1) {
			if (!db_col_is_null(&st, 0))
				cJSON_AddStringToObject(*out, "person_id", db_col_text(&st, 0));
			if (!db_col_is_null(&st, 1))
				cJSON_AddStringToObject(*out, "household_id", db_col_text(&st, 1));
			cJSON_AddStringToObject(*out, "type", db_col_text(&st, 2));
			cJSON_AddStringToObject(*out, "date", db_col_text(&st, 3));
			cJSON_AddNumberToObject(*out, "minutes", (double)db_col_int(&st, 4));
			cJSON_AddStringToObject(*out, "place", db_col_text(&st, 5));
			cJSON_AddStringToObject(*out, "locality", db_col_text(&st, 6));
		}
		db_finalize(&st);
		return 0;
	}
	/* assessment: the snapshot of that revision and status */
	db_stmt st;
	char aad[160];
	if ((rc = db_prepare_cached(&s->d, &st,
			     "SELECT sealed FROM assessment_revision WHERE assessment_id = :id"
			     " AND revision = :rev AND status = :st", e)))
		return rc;
	db_bind_text(&st, ":id", id, -1);
	db_bind_int(&st, ":rev", rev);
	db_bind_text(&st, ":st", state, -1);
	rc = db_step(&st, e);
	if (rc == 1) {
		int n;
		const void *p = db_col_blob(&st, 0, &n);
		snprintf(aad, sizeof aad, "revision/%s/%lld/%s", id, (long long)rev, state);
		rc = store_unseal_json(s, aad, p, (size_t)n, out, e);
	} else if (rc == 0) {
		rc = err_set(e, ERR_NOTFOUND, "revision of %.40s vanished", id);
	}
	db_finalize(&st);
	if (!rc) {
		/* the server recomputes outputs; the device's are not sent */
		cJSON_DeleteItemFromObjectCaseSensitive(*out, "outputs");
		cJSON_DeleteItemFromObjectCaseSensitive(*out, "id");
		cJSON_DeleteItemFromObjectCaseSensitive(*out, "revision");
	}
	return rc;
}

/* The heads table keeps a record's id and hash as their bytes (16 and
 * 32): half the pages of their text, and a sync rewrites most of that
 * table. 0 for what is not a record id and a hash, which the server would
 * not take from this device anyway: no head kept. */
static int head_bytes(const char *id, const char *hash, uint8_t key[16], uint8_t h[32])
{
	return uuid_valid(id) && crypto_unhex(id, key, 16) == 16 &&
	       (!hash || crypto_unhex(hash, h, 32) == 32);
}

/* Last hash known for a record (what was pushed or pulled last) and the
 * last revision this device pushed of it. */
static void known_head(store *s, const char *id, char out[65], int64_t *rev)
{
	db_stmt st;
	err e;
	uint8_t key[16];
	out[0] = '\0';
	*rev = 0;
	if (!head_bytes(id, NULL, key, NULL) ||
	    db_prepare_cached(&s->d, &st, "SELECT hash, rev FROM heads WHERE record_id = :id", &e))
		return;
	db_bind_blob(&st, ":id", key, sizeof key);
	int n = 0;
	const void *h = db_step(&st, &e) == 1 ? db_col_blob(&st, 0, &n) : NULL;
	if (h && n == 32) {
		crypto_hex(h, 32, out);
		*rev = db_col_int(&st, 1);
	}
	db_finalize(&st);
}

/* Records hash as the record's head; rev > 0: its revision rev was pushed
 * (0, a pulled head, keeps the revision number). */
static int set_head(store *s, const char *id, const char *hash, int64_t rev, err *e)
{
	db_stmt st;
	uint8_t key[16], h[32];
	if (!head_bytes(id, hash, key, h))
		return 0;
	int rc = db_prepare_cached(&s->d, &st,
				   "INSERT INTO heads(record_id, hash, rev) VALUES (:id, :h, :rev)"
				   " ON CONFLICT(record_id) DO UPDATE SET hash = excluded.hash,"
				   " rev = max(heads.rev, excluded.rev)", e);
	if (rc)
		return rc;
	db_bind_blob(&st, ":id", key, sizeof key);
	db_bind_blob(&st, ":h", h, sizeof h);
	db_bind_int(&st, ":rev", rev);
	rc = db_step(&st, e);
	db_finalize(&st);
	return rc < 0 ? rc : 0;
}

static void progress(int tty, long done, long total, const char *what)
{
	if (!tty || total <= 0)
		return;
	int width = 30, k = (int)(done * width / total);
	fprintf(stderr, "\r%-8s [", what);
	for (int i = 0; i < width; i++)
		fputc(i < k ? '#' : ' ', stderr);
	fprintf(stderr, "] %ld/%ld", done, total);
	if (done >= total)
		fputc('\n', stderr);
	fflush(stderr);
}

typedef struct sync_counts {
	long sent, applied, duplicate, merged, conflicts, refused, received;
} sync_counts;

/* One batch of the outbox, as built and as sent. */
typedef struct batch {
	int k;
	int64_t seqs[SYNC_BATCH_RECORDS];
	char ids[SYNC_BATCH_RECORDS][37];
	char hashes[SYNC_BATCH_RECORDS][65];
	int64_t revs[SYNC_BATCH_RECORDS];
	int64_t last_seq;
	int blocked; /* ended before a record in flight */
	buf body, resp;
	buf gz;   /* body, compressed as soon as it is built */
	buf text; /* one record's body while it is added */
	/* where each record id last appears in the batch (index + 1; 0 empty):
	 * finding a record in the batches was a quadratic loop of strcmp */
	int16_t slots[BATCH_SLOTS];
} batch;

static unsigned id_slot(const char *id)
{
	uint32_t h = 2166136261u;
	for (const unsigned char *p = (const unsigned char *)id; *p; p++)
		h = (h ^ *p) * 16777619u;
	return h & (BATCH_SLOTS - 1);
}

/* The last index of id in b, or -1. */
static int batch_find(const batch *b, const char *id)
{
	for (unsigned sl = id_slot(id);; sl = (sl + 1) & (BATCH_SLOTS - 1)) {
		int v = b->slots[sl];
		if (!v)
			return -1;
		if (!strcmp(b->ids[v - 1], id))
			return v - 1;
	}
}

static void batch_index(batch *b, int k)
{
	for (unsigned sl = id_slot(b->ids[k]);; sl = (sl + 1) & (BATCH_SLOTS - 1)) {
		int v = b->slots[sl];
		if (!v || !strcmp(b->ids[v - 1], b->ids[k])) {
			b->slots[sl] = (int16_t)(k + 1);
			return;
		}
	}
}

/* Lets a transfer in flight progress while the next batch is built. */
static void keep_moving(conn *c)
{
	int running;
	if (c->multi)
		CR.multi_perform(c->multi, &running);
}

/* Drives the transfer just started until its whole body (len bytes) is
 * on the way, so the server can apply the batch while this device builds
 * the next and records the answers to the one before: sent piecemeal from
 * build_batch, the TLS handshake and the last kilobytes waited for the
 * device and the server sat idle. (libcurl knows the upload's length only
 * once the request is under way: asked before, it says -1.) */
static void send_body(conn *c, xfer *x, size_t len)
{
	int running = 1;
	for (;;) {
		if (CR.multi_perform(c->multi, &running) != CURLM_OK || !running)
			return;
		collect_done(c);
		if (x->done)
			return;
		curl_off_t up = 0;
		CR.easy_getinfo(x->h, CURLINFO_SIZE_UPLOAD_T, &up);
		if (up >= (curl_off_t)len)
			return;
		CR.multi_poll(c->multi, NULL, 0, 200, NULL);
	}
}

/* The revision number and base of the next revision of record id: after
 * what the server acknowledged and what this batch already holds (a
 * record in flight is never in the batch being built: build_batch). */
static void next_rev_base(store *s, const batch *b, const char *id, int64_t *rev, char base[65])
{
	known_head(s, id, base, rev);
	*rev += 1;
	/* its last revision in the batch is its newest */
	int j = batch_find(b, id);
	if (j >= 0) {
		if (b->revs[j] >= *rev)
			*rev = b->revs[j] + 1;
		snprintf(base, 65, "%s", b->hashes[j]);
	}
}

/* Builds the next batch from outbox rows after `after`. It ends before a
 * record that is in a batch in flight (fl), setting b->blocked: the
 * server must get a record's revisions in order. Returns the number of
 * records (0 and not blocked: nothing left) or a negative error. */
static int build_batch(store *s, conn *c, batch *const fl[2], batch *b, int64_t after, err *e)
{
	db_stmt st;
	char id[UUID_STR_LEN];
	int rc;
	b->k = 0;
	b->blocked = 0;
	memset(b->slots, 0, sizeof b->slots);
	b->last_seq = after;
	buf_reset(&b->body);
	if ((rc = uuid_v4(id, e)))
		return rc;
	buf_printf(&b->body, "{\"batch\":\"%s\",\"records\":[", id);
	if ((rc = db_prepare(&s->d, &st,
			     "SELECT seq, kind, record_id, revision, state FROM outbox"
			     " WHERE refused IS NULL AND seq > :after ORDER BY seq LIMIT :n", e)))
		return rc;
	db_bind_int(&st, ":after", after);
	db_bind_int(&st, ":n", SYNC_BATCH_RECORDS);
	while (b->k < SYNC_BATCH_RECORDS && b->body.len < SYNC_BATCH_BYTES && (rc = db_step(&st, e)) == 1) {
		int k = b->k;
		const char *kind = db_col_text(&st, 1), *rid = db_col_text(&st, 2);
		if ((fl[0] && batch_find(fl[0], rid) >= 0) || (fl[1] && batch_find(fl[1], rid) >= 0)) {
			b->blocked = 1;
			break;
		}
		buf_reset(&b->text);
		if ((rc = wire_text_fast(s, kind, rid, db_col_int(&st, 3), db_col_text(&st, 4), &b->text, e)) < 0)
			break;
		if (rc == 0) {
			cJSON *body = NULL;
			if ((rc = wire_body(s, kind, rid, db_col_int(&st, 3), db_col_text(&st, 4), &body, e)))
				break;
			char *t = cJSON_PrintUnformatted(body);
			cJSON_Delete(body);
			if (!t) {
				rc = err_set(e, ERR_NOMEM, "out of memory");
				break;
			}
			buf_puts(&b->text, t);
			crypto_wipe(t, strlen(t));
			cJSON_free(t);
		}
		const char *text = b->text.data;
		b->seqs[k] = db_col_int(&st, 0);
		snprintf(b->ids[k], sizeof b->ids[k], "%s", rid);
		char base[65];
		next_rev_base(s, b, rid, &b->revs[k], base);
		crypto_sha256_hex(text, b->text.len, b->hashes[k]);
		buf_printf(&b->body, "%s{\"kind\":\"%s\",\"id\":\"%s\",\"rev\":%lld,\"base\":", k ? "," : "",
			   kind, rid, (long long)b->revs[k]);
		if (base[0])
			buf_printf(&b->body, "\"%s\"", base);
		else
			buf_puts(&b->body, "null");
		buf_printf(&b->body, ",\"hash\":\"%s\",\"body\":", b->hashes[k]);
		buf_append(&b->body, text, b->text.len);
		buf_putc(&b->body, '}');
		crypto_wipe(b->text.data, b->text.len);
		b->last_seq = b->seqs[k];
		batch_index(b, k);
		b->k++;
		if (b->k % 32 == 0)
			keep_moving(c);
	}
	db_finalize(&st);
	if (rc < 0)
		return rc;
	buf_puts(&b->body, "]}");
	/* compressed now, while the batch before travels: done after its
	 * answer, it held the next send back by a few milliseconds a batch */
	buf_reset(&b->gz);
	if (b->k && gz_deflate(b->body.data, b->body.len, &b->gz))
		buf_reset(&b->gz);
	return b->k;
}

/* The answers to consecutive batches are recorded in one transaction, a
 * savepoint each: a commit writes the pages of the heads table that the
 * batches touched once instead of once a batch (the 10 % push of 100,000
 * records: 36 MB of WAL became ~14; 0.275 → 0.25 s). It is committed before
 * the sync waits more than ACKS_WAIT_MS for the server, after ACKS_MAX_MS
 * at most, and when the push ends: other commands wait for it no longer
 * than that. A crash before the commit loses only answers, and a batch
 * sent again is answered "duplicate". */
#define ACKS_WAIT_MS 20
#define ACKS_MAX_MS 250

static int acks_begin(store *s, conn *c, err *e)
{
	int rc, began = !s->d.in_tx;
	if (began) {
		if ((rc = db_begin(&s->d, e)))
			return rc;
		c->acks_since = clock_now();
	}
	if ((rc = db_exec(&s->d, "SAVEPOINT ack", e)) && began)
		db_rollback(&s->d);
	return rc;
}

static int acks_commit(store *s, err *e)
{
	if (!s->d.in_tx)
		return 0;
	int rc = db_commit(&s->d, e);
	if (rc)
		db_rollback(&s->d);
	return rc;
}

/* Records the server's answers to batch b and empties those outbox rows
 * (a savepoint in the answers' transaction, above). */
static int ack_batch(store *s, conn *c, batch *b, sync_counts *n, err *e)
{
	int rc;
	cJSON *j = cJSON_ParseWithLength(b->resp.data, b->resp.len);
	const cJSON *results = cJSON_GetObjectItemCaseSensitive(j, "results");
	if (!cJSON_IsArray(results) || cJSON_GetArraySize(results) != b->k) {
		cJSON_Delete(j);
		return err_set(e, ERR_NET, "the server's answer does not match the batch");
	}
	if ((rc = acks_begin(s, c, e))) {
		cJSON_Delete(j);
		return rc;
	}
	int i = 0;
	const cJSON *r;
	cJSON_ArrayForEach(r, results) {
		const cJSON *js = cJSON_GetObjectItemCaseSensitive(r, "status");
		const char *status_s = cJSON_IsString(js) ? js->valuestring : "refused";
		db_stmt u;
		if (!strcmp(status_s, "refused")) {
			const cJSON *msg = cJSON_GetObjectItemCaseSensitive(r, "message");
			rc = db_prepare(&s->d, &u, "UPDATE outbox SET refused = :m WHERE seq = :seq", e);
			if (!rc) {
				db_bind_text(&u, ":m", cJSON_IsString(msg) ? msg->valuestring : "refused", -1);
				db_bind_int(&u, ":seq", b->seqs[i]);
				rc = db_step(&u, e) < 0 ? ERR_IO : 0;
				db_finalize(&u);
			}
			n->refused++;
		} else {
			rc = set_head(s, b->ids[i], b->hashes[i], b->revs[i], e);
			n->applied += !strcmp(status_s, "applied");
			n->duplicate += !strcmp(status_s, "duplicate");
			n->merged += !strcmp(status_s, "merged");
			n->conflicts += !strcmp(status_s, "conflict");
		}
		if (rc)
			break;
		i++;
	}
	cJSON_Delete(j);
	/* the rows answered leave the outbox: the batch is every row not
	 * refused from its first to its last (build_batch), and those refused
	 * now are marked */
	db_stmt d;
	if (!rc && !(rc = db_prepare_cached(&s->d, &d,
					    "DELETE FROM outbox WHERE seq BETWEEN :first AND :last"
					    " AND refused IS NULL", e))) {
		db_bind_int(&d, ":first", b->seqs[0]);
		db_bind_int(&d, ":last", b->seqs[b->k - 1]);
		rc = db_step(&d, e) < 0 ? ERR_IO : 0;
		db_finalize(&d);
	}
	if (rc) {
		db_exec(&s->d, "ROLLBACK TO ack; RELEASE ack", NULL);
		return rc;
	}
	if ((rc = db_exec(&s->d, "RELEASE ack", e)))
		return rc;
	n->sent += b->k;
	/* a long run of quick answers is committed now and then: another
	 * command (an assessor saving an answer) waits for it */
	return clock_ms_since(&c->acks_since) >= ACKS_MAX_MS ? acks_commit(s, e) : 0;
}

/* Sends batch b on x; returns once its body is on the way. */
static void push_start(conn *c, xfer *x, batch *b)
{
	if (b->gz.len)
		request_start(c, x, "/v1/push", b->gz.data, b->gz.len, 1, &b->resp);
	else
		request_start(c, x, "/v1/push", b->body.data, b->body.len, 0, &b->resp);
	xfer_add(c, x);
	/* (the body compressed here when it could not be before) */
	send_body(c, x, b->gz.len ? b->gz.len : x->gz.len ? x->gz.len : b->body.len);
}

/* Batch b's transfer on x has ended: takes the server's answer. */
static int push_end(conn *c, xfer *x, batch *b, store *s, sync_counts *n, err *e)
{
	long status = 0;
	int rc = request_end(c, x, xfer_take(c, x), &status, e);
	if (rc)
		return rc;
	if (status != 200)
		return error_message(&b->resp, status, e);
	return ack_batch(s, c, b, n, e);
}

/* Pushes the outbox with up to two batches in flight, each on its own
 * connection: while the server applies one, the next is already there
 * (its inflating, parsing, checks and scoring run on another core until
 * it waits for the store), and the device builds a third and records
 * answers meanwhile. A record is never in two batches in flight
 * (build_batch), so its revisions reach the server in order whichever
 * batch lands first. A row leaves the outbox only when its answer is
 * recorded. */
static int push_all(store *s, conn *c, sync_counts *n, int tty, err *e)
{
	long total = (long)store_outbox_count(s);
	long done = 0;
	int rc = 0, more = 1;
	batch *bb = calloc(3, sizeof *bb);
	if (!bb)
		return err_set(e, ERR_NOMEM, "out of memory");
	batch *fl[2] = {NULL, NULL}; /* in flight on c->x[0] and c->x[1] */
	int64_t after = 0;
	for (;;) {
		int slot = !fl[0] ? 0 : !fl[1] && !c->one_flight ? 1 : -1;
		if (more && slot >= 0) {
			batch *next = &bb[0];
			while (next == fl[0] || next == fl[1])
				next++;
			int k = build_batch(s, c, fl, next, after, e);
			if (k < 0) {
				rc = k;
				break;
			}
			if (k > 0) {
				if ((rc = conn_ready(c, e)))
					break;
				after = next->last_seq;
				push_start(c, &c->x[slot], next);
				fl[slot] = next;
				continue;
			}
			if (!next->blocked)
				more = 0;
		}
		if (!fl[0] && !fl[1])
			break;
		unsigned want = (fl[0] ? 1u : 0u) | (fl[1] ? 2u : 0u);
		int w = -1;
		if (s->d.in_tx) {
			struct timespec until = clock_after_ms(ACKS_WAIT_MS);
			if ((w = wait_done_until(c, want, &until)) < 0 && (rc = acks_commit(s, e)))
				break;
		}
		if (w < 0)
			w = wait_done(c, want);
		batch *landed = fl[w];
		fl[w] = NULL;
		if ((rc = push_end(c, &c->x[w], landed, s, n, e))) {
			if (w == 1 && e->code == ERR_NET && !c->one_flight)
				c->one_flight = c->retry_now = 1;
			break;
		}
		done += landed->k;
		progress(tty, done, total, _("sending"));
	}
	/* an error while batches were in flight: let them land and record
	 * their answers */
	for (int i = 0; i < 2; i++)
		if (fl[i]) {
			err ignored;
			wait_done(c, i ? 2u : 1u);
			push_end(c, &c->x[i], fl[i], s, n, &ignored);
		}
	/* the answers recorded: committed whatever happened after them */
	err cig;
	int crc = acks_commit(s, rc ? &cig : e);
	if (!rc)
		rc = crc;
	for (int i = 0; i < 3; i++) {
		buf_free(&bb[i].body);
		buf_free(&bb[i].gz);
		buf_free(&bb[i].resp);
		buf_free(&bb[i].text);
	}
	free(bb);
	return rc;
}

/* A sequence number or cursor from the server: a whole number that fits
 * (a hostile or broken answer could say 1e300). */
static int wire_seq(const cJSON *j)
{
	return cJSON_IsNumber(j) && j->valuedouble >= 0 && j->valuedouble <= 9007199254740992.0 &&
	       j->valuedouble == (double)(int64_t)j->valuedouble;
}

/* Applies one pulled change: kept sealed in `remote`; persons and
 * households of the device's villages become local so they can be
 * assessed; conflicts are listed. */
static int apply_change(store *s, const cJSON *ch, err *e)
{
	const cJSON *kind = cJSON_GetObjectItemCaseSensitive(ch, "kind");
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(ch, "id");
	const cJSON *seq = cJSON_GetObjectItemCaseSensitive(ch, "seq");
	const cJSON *body = cJSON_GetObjectItemCaseSensitive(ch, "body");
	const cJSON *hash = cJSON_GetObjectItemCaseSensitive(ch, "hash");
	db_stmt st;
	int rc;
	if (!cJSON_IsString(kind) || !cJSON_IsString(id) || !wire_seq(seq) || !cJSON_IsObject(body))
		return err_set(e, ERR_NET, "a pulled change is malformed");
	if (!strcmp(kind->valuestring, "instrument")) {
		/* a new instrument version: checked, then written next to the
		 * store where the agent looks first */
		char *text = cJSON_PrintUnformatted(body);
		instrument *in = NULL;
		err ie = {0, ""};
		rc = text ? inst_load_text("pulled instrument", text, strlen(text), &in, &ie) : ERR_NOMEM;
		if (!rc) {
			char dir[4200], path[4400], tmp[4500];
			snprintf(dir, sizeof dir, "%s/instruments", agent_data_dir());
			mkdir(dir, 0700);
			snprintf(path, sizeof path, "%s/%s.v%d.json", dir, in->id, in->version);
			snprintf(tmp, sizeof tmp, "%s.partial", path);
			FILE *f = fopen(tmp, "wb");
			if (!f || fputs(text, f) < 0 || fflush(f) || fsync(fileno(f))) {
				rc = err_set(e, ERR_IO, "%s: cannot write", tmp);
				if (f)
					fclose(f);
			} else {
				fclose(f);
				rc = rename(tmp, path) ? err_set(e, ERR_IO, "%s: cannot write", path) : 0;
			}
			inst_free(in);
		} else if (rc != ERR_NOMEM) {
			/* a file this agent cannot read (a newer format): skip it */
			rc = 0;
		}
		cJSON_free(text);
		return rc;
	}
	if (!strcmp(kind->valuestring, "conflict")) {
		const cJSON *rec = cJSON_GetObjectItemCaseSensitive(body, "record");
		const cJSON *f = cJSON_GetObjectItemCaseSensitive(body, "fields");
		const cJSON *w = cJSON_GetObjectItemCaseSensitive(body, "winner");
		const cJSON *stt = cJSON_GetObjectItemCaseSensitive(body, "status");
		char *ftext = cJSON_PrintUnformatted(f);
		rc = db_prepare(&s->d, &st,
				"INSERT OR REPLACE INTO remote_conflict(id, record_id, fields, winner, status, seq)"
				" VALUES (:id, :r, :f, :w, :s, :seq)", e);
		if (!rc) {
			db_bind_text(&st, ":id", id->valuestring, -1);
			db_bind_text(&st, ":r", cJSON_IsString(rec) ? rec->valuestring : "", -1);
			db_bind_text(&st, ":f", ftext ? ftext : "[]", -1);
			db_bind_text(&st, ":w", cJSON_IsString(w) ? w->valuestring : "", -1);
			db_bind_text(&st, ":s", cJSON_IsString(stt) ? stt->valuestring : "open", -1);
			db_bind_int(&st, ":seq", (int64_t)seq->valuedouble);
			rc = db_step(&st, e) < 0 ? ERR_IO : 0;
			db_finalize(&st);
		}
		cJSON_free(ftext);
		return rc;
	}
	const char *loc = cJSON_IsString(cJSON_GetObjectItemCaseSensitive(body, "locality"))
				  ? cJSON_GetObjectItemCaseSensitive(body, "locality")->valuestring : "";
	const cJSON *person = cJSON_GetObjectItemCaseSensitive(body, "person");
	if (!*loc && cJSON_IsString(cJSON_GetObjectItemCaseSensitive(person, "locality")))
		loc = cJSON_GetObjectItemCaseSensitive(person, "locality")->valuestring;
	char aad[80];
	buf sealed = BUF_INIT;
	snprintf(aad, sizeof aad, "remote/%s", id->valuestring);
	if ((rc = store_seal_json(s, aad, body, &sealed, e)))
		return rc;
	rc = db_prepare(&s->d, &st,
			"INSERT OR REPLACE INTO remote(id, kind, head, locality, sealed, seq)"
			" VALUES (:id, :k, :h, :l, :s, :seq)", e);
	if (!rc) {
		db_bind_text(&st, ":id", id->valuestring, -1);
		db_bind_text(&st, ":k", kind->valuestring, -1);
		db_bind_text(&st, ":h", cJSON_IsString(hash) ? hash->valuestring : "", -1);
		db_bind_text(&st, ":l", loc, -1);
		db_bind_blob(&st, ":s", sealed.data, (int)sealed.len);
		db_bind_int(&st, ":seq", (int64_t)seq->valuedouble);
		rc = db_step(&st, e) < 0 ? ERR_IO : 0;
		db_finalize(&st);
	}
	buf_free(&sealed);
	if (!rc && cJSON_IsString(hash))
		rc = set_head(s, id->valuestring, hash->valuestring, 0, e);
	if (!rc && !strcmp(kind->valuestring, "person"))
		rc = store_person_put_remote(s, id->valuestring, body, e);
	return rc;
}

static int pull_all(store *s, conn *c, sync_counts *n, int tty, err *e)
{
	buf v = BUF_INIT, resp = BUF_INIT;
	int rc = conn_ready(c, e);
	if (rc)
		return rc;
	for (int page = 0; page < 100000; page++) {
		char cursor[32] = "0", path[96];
		if (state_get(s, "cursor", &v) == 0 && v.len < sizeof cursor)
			snprintf(cursor, sizeof cursor, "%.*s", (int)v.len, v.data);
		snprintf(path, sizeof path, "/v1/pull?cursor=%s&limit=500", cursor);
		long status = 0;
		if ((rc = request(c, "GET", path, NULL, 0, &resp, &status, e)))
			break;
		if (status != 200) {
			rc = error_message(&resp, status, e);
			break;
		}
		cJSON *j = cJSON_ParseWithLength(resp.data, resp.len);
		const cJSON *changes = cJSON_GetObjectItemCaseSensitive(j, "changes");
		const cJSON *next = cJSON_GetObjectItemCaseSensitive(j, "cursor");
		const cJSON *more = cJSON_GetObjectItemCaseSensitive(j, "more");
		if (!cJSON_IsArray(changes) || !wire_seq(next)) {
			cJSON_Delete(j);
			rc = err_set(e, ERR_NET, "the server's answer is not a page of changes");
			break;
		}
		/* nothing new: nothing to write (a durable commit saved) */
		char cur[32];
		snprintf(cur, sizeof cur, "%lld", (long long)next->valuedouble);
		if (cJSON_GetArraySize(changes) == 0 && !strcmp(cur, cursor) && !cJSON_IsTrue(more)) {
			cJSON_Delete(j);
			break;
		}
		/* a page and the new cursor in one transaction */
		if ((rc = db_begin(&s->d, e))) {
			cJSON_Delete(j);
			break;
		}
		const cJSON *ch;
		cJSON_ArrayForEach(ch, changes) {
			if ((rc = apply_change(s, ch, e)))
				break;
			n->received++;
		}
		if (rc || (rc = state_put(s, "cursor", cur, strlen(cur), e)) || (rc = db_commit(&s->d, e))) {
			db_rollback(&s->d);
			cJSON_Delete(j);
			break;
		}
		int again = cJSON_IsTrue(more);
		cJSON_Delete(j);
		if (n->received)
			progress(tty && again, n->received, n->received, _("receiving"));
		if (!again)
			break;
	}
	buf_free(&v);
	buf_free(&resp);
	return rc;
}

int cmd_sync(int argc, char **argv)
{
	long retries = 5;
	int quiet = 0;
	for (int i = 1; i < argc; i++) {
		err pe = {0, ""};
		if (!strcmp(argv[i], "--retries") && i + 1 < argc) {
			if (num_parse_long(argv[++i], 0, 100, "--retries", &retries, &pe)) {
				fprintf(stderr, "field-agent sync: %s\n", pe.msg);
				return AGENT_EXIT_USAGE;
			}
		} else if (!strcmp(argv[i], "--quiet")) {
			quiet = 1;
		} else {
			printf("%s", _("usage: field-agent sync [--retries N] [--quiet]\n"
				       "\n"
				       "Sends what is waiting in the outbox and receives what changed for\n"
				       "this device's villages. Safe to interrupt at any moment: run it again\n"
				       "and it continues; nothing is lost or sent twice.\n"));
			return strcmp(argv[i], "--help") ? AGENT_EXIT_USAGE : AGENT_EXIT_OK;
		}
	}
	store s;
	err e = {0, ""};
	conn c;
	conn_zero(&c);
	curl_boot boot;
	memset(&boot, 0, sizeof boot);
	pthread_mutex_init(&boot.lock, NULL);
	pthread_cond_init(&boot.cond, NULL);
	c.boot = &boot;
	boot.started = pthread_create(&boot.thread, NULL, boot_curl, &boot) == 0;
	int rc = agent_open(&s, 0, &e);
	/* The server's address, key pin and certificate are not sealed: read
	 * before the unlock, so that with something to send the first
	 * connection is made meanwhile (curl_boot). */
	buf v = BUF_INIT;
	int enrolled = !rc && state_get(&s, "url", &v) == 0;
	if (enrolled) {
		snprintf(c.url, sizeof c.url, "%.*s", (int)v.len, v.data);
		state_get(&s, "pin", &v);
		snprintf(c.pin, sizeof c.pin, "%.*s", (int)v.len, v.data);
		state_get(&s, "cert", &c.cert);
	}
	boot_target(&boot, enrolled && store_outbox_count(&s) > 0 ? &c : NULL);
	if (!boot.started)
		boot_curl(&boot);
	if (!rc)
		rc = agent_unlock(&s, &e);
	if (rc) {
		conn_free(&c);
		buf_free(&v);
		return agent_fail("sync", &e);
	}
	/* A sync reads every outbox row's sealed snapshot and writes the
	 * heads table at random: 16 MB of page cache for it
	 * (the agent's other commands keep SQLite's 2 MB) */
	db_exec(&s.d, "PRAGMA cache_size=-16384", NULL);
	/* and one checkpoint of up to 40 MB of WAL, at the end, instead of
	 * one every 4 MB: each copied the same pages of that table again
	 * (10,000 answers recorded: 0.65 → 0.53 s) */
	db_exec(&s.d, "PRAGMA wal_autocheckpoint=10000", NULL);
	/* What a sync writes (the server's answers, what it sent back) is
	 * the server's and comes again if a power cut takes it: a row leaves
	 * the outbox only with its answer, and a batch sent again is answered
	 * "duplicate". So its commits do not wait for the disk; the store
	 * stays whole (WAL), the next durable commit or the checkpoint at
	 * close writes them down. */
	db_exec(&s.d, "PRAGMA synchronous=NORMAL", NULL);
	if (!enrolled) {
		conn_free(&c);
		buf_free(&v);
		store_close(&s);
		err_set(&e, ERR_STATE, "%s", _("this device is not enrolled (field-agent enroll)"));
		return agent_fail("sync", &e);
	}
	char did[64] = "";
	if (state_get(&s, "device_id", &v) == 0)
		snprintf(did, sizeof did, "%.*s", (int)v.len, v.data);
	buf token = BUF_INIT;
	if (state_get(&s, "token", &v) || store_unseal(&s, "sync/token", v.data, v.len, &token, &e)) {
		conn_free(&c);
		buf_free(&v);
		buf_free(&token);
		store_close(&s);
		err_set(&e, ERR_STATE, "the device credential cannot be read");
		return agent_fail("sync", &e);
	}
	snprintf(c.auth, sizeof c.auth, "Authorization: Bearer %s.%.*s", did, (int)token.len, token.data);
	crypto_wipe(token.data, token.len);
	buf_free(&token);
	int tty = !quiet && isatty(STDERR_FILENO);
	sync_counts n = {0};
	/* FA_SYNC_TIMING: how long the exchange took with the store already
	 * open and unlocked, on stderr (scripts/bench-sync.sh puts it beside
	 * the peer, whose timer covers replicate.to() on an open database) */
	struct timespec t0 = clock_now();
	unsigned delay = 1;
	int refreshed = 0;
	for (long attempt = 0;; attempt++) {
		rc = push_all(&s, &c, &n, tty, &e);
		if (!rc)
			rc = pull_all(&s, &c, &n, tty, &e);
		/* a second connection refused: again at once, on one (push_all) */
		if (rc && c.retry_now) {
			c.retry_now = 0;
			attempt--;
			continue;
		}
		/* a certificate not the stored one: once per sync, ask the server
		 * for its identity under the pins alone, then go on */
		if (rc && c.cert_mismatch && !refreshed) {
			refreshed = 1;
			c.cert_mismatch = 0;
			if ((rc = refresh_identity(&s, &c, quiet, &e)) == 0) {
				attempt--;
				continue;
			}
			break;
		}
		/* the certificate the server just confirmed still fails: its dates,
		 * read against this device's clock, which is not trusted
		 * (reliability.md R5; a handheld without a battery clock may think
		 * it is 1970). The key pin, checked in every handshake, decides. */
		if (rc && c.cert_mismatch && refreshed && !c.pin_only) {
			c.pin_only = 1;
			c.cert_mismatch = 0;
			attempt--;
			continue;
		}
		/* retry what a weak link breaks; not a refusal by the server */
		if (!rc || e.code != ERR_NET || attempt >= retries)
			break;
		if (!quiet)
			fprintf(stderr, _("connection problem (%s); trying again in %u s\n"), e.msg, delay);
		sleep(delay);
		delay = delay < 32 ? delay * 2 : 60;
	}
	if (getenv("FA_SYNC_TIMING"))
		fprintf(stderr, "sync exchange %.6f s\n", clock_s_since(&t0));
	int64_t open_conflicts = db_int(&s.d, 0, "SELECT count(*) FROM remote_conflict WHERE status = 'open'");
	int64_t waiting = store_outbox_count(&s);
	if (!quiet || rc)
		printf(_("sent %ld (new %ld, already there %ld, merged %ld, conflicts %ld, refused %ld), "
			 "received %ld, open conflicts %lld, still waiting %lld; %d requests, "
			 "%ld bytes up, %ld down\n"),
		       n.sent, n.applied, n.duplicate, n.merged, n.conflicts, n.refused, n.received,
		       (long long)open_conflicts, (long long)waiting, c.requests, c.wire_up, c.wire_down);
	conn_free(&c);
	buf_free(&v);
	store_close(&s);
	return rc ? agent_fail("sync", &e) : AGENT_EXIT_OK;

}

int cmd_conflicts(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	store s;
	err e = {0, ""};
	int rc = agent_open(&s, 0, &e);
	if (rc)
		return agent_fail("conflicts", &e);
	db_stmt st;
	if (db_prepare(&s.d, &st,
		       "SELECT id, record_id, fields, status FROM remote_conflict ORDER BY seq", &e) == 0) {
		while (db_step(&st, &e) == 1)
			printf("%s  %-8s %s  %s\n", db_col_text(&st, 0), db_col_text(&st, 3),
			       db_col_text(&st, 1), db_col_text(&st, 2));
		db_finalize(&st);
	}
	store_close(&s);
	return AGENT_EXIT_OK;
}
