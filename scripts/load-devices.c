/*
 * load-devices: many field devices syncing at once against a real
 * sync-server (benchmark P4). Each simulated device enrolls with its own
 * one-time code (POST /v1/enroll, as `field-agent enroll` does), then
 * pushes its records in the protocol's batches (500 records, gzip'd,
 * `Authorization: Bearer <device>.<token>`), one request after another on
 * its own keep-alive TLS connection, the server's key checked against the
 * pin. All devices run at once through one libcurl multi handle.
 *
 * Records come from a gen-cases file: each case is a person and an
 * assessment (the device's wire form: the case without its id, with
 * status "final"); device d takes cases [d*k, (d+1)*k). Bodies, hashes and
 * gzip are prepared before the clock starts, so what is timed is the
 * network and the server.
 *
 * Prints one line:
 *   P4 devices=D records=R seconds=S rps=R/S p50_ms=… p99_ms=… requests=N errors=E
 * where records counts results "applied" and errors counts failed
 * transfers, non-200 answers and records not applied.
 *
 * usage: load-devices URL PIN CERT CODES CASES [DEVICES=100] [RECORDS=1000]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>
#include <curl/curl.h>
#include <cjson/cJSON.h>

#include "buf.h"
#include "crypto.h"
#include "uuid.h"

#define BATCH 500

typedef struct request {
	buf body;        /* gzip'd */
	double t0, ms;   /* start, latency */
	long status;
	int ok;
} request;

typedef struct device {
	char code[32];
	char auth[200];
	CURL *h;
	struct curl_slist *hdr;
	buf resp;
	request *req;
	int nreq, cur;
	long applied, records;
	int failed;
} device;

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static size_t on_data(char *p, size_t size, size_t n, void *ud)
{
	return buf_append(ud, p, size * n) ? 0 : size * n;
}

static int gzip_buf(const char *in, size_t len, buf *out)
{
	z_stream z;
	memset(&z, 0, sizeof z);
	if (deflateInit2(&z, 1, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return -1;
	size_t cap = deflateBound(&z, (uLong)len) + 32;
	if (buf_reserve(out, cap)) {
		deflateEnd(&z);
		return -1;
	}
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)len;
	z.next_out = (Bytef *)out->data + out->len;
	z.avail_out = (uInt)cap;
	int zr = deflate(&z, Z_FINISH);
	out->len += cap - z.avail_out;
	deflateEnd(&z);
	return zr == Z_STREAM_END ? 0 : -1;
}

static const char *g_url, *g_pin, *g_cert;

static void setup(CURL *h, const char *path, buf *resp)
{
	char url[1200];
	snprintf(url, sizeof url, "%s%s", g_url, path);
	buf_reset(resp);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, resp);
	curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "gzip");
	curl_easy_setopt(h, CURLOPT_PINNEDPUBLICKEY, g_pin);
	curl_easy_setopt(h, CURLOPT_CAINFO, g_cert);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 300L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 60L);
}

/* One record of the wire form appended to body. */
static void add_record(buf *body, int first, const char *kind, const char *id, cJSON *b)
{
	char hash[65];
	char *text = cJSON_PrintUnformatted(b);
	crypto_sha256_hex(text, strlen(text), hash);
	buf_printf(body, "%s{\"kind\":\"%s\",\"id\":\"%s\",\"rev\":1,\"base\":null,\"hash\":\"%s\",\"body\":",
		   first ? "" : ",", kind, id, hash);
	buf_puts(body, text);
	buf_putc(body, '}');
	cJSON_free(text);
}

/* The device's batches from its cases. */
static int prepare(device *d, cJSON **cases, int n)
{
	int nrec = 2 * n;
	d->nreq = (nrec + BATCH - 1) / BATCH;
	d->req = calloc((size_t)(d->nreq ? d->nreq : 1), sizeof *d->req);
	if (!d->req)
		return -1;
	buf plain = BUF_INIT;
	int r = 0, in_batch = 0;
	err e;
	for (int i = 0; i < n; i++) {
		for (int part = 0; part < 2; part++) {
			if (in_batch == 0) {
				char bid[UUID_STR_LEN];
				uuid_v4(bid, &e);
				buf_reset(&plain);
				buf_printf(&plain, "{\"batch\":\"%s\",\"records\":[", bid);
			}
			cJSON *c = cases[i];
			if (part == 0) {
				cJSON *p = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(c, "person"), 1);
				cJSON *pid = cJSON_DetachItemFromObjectCaseSensitive(p, "id");
				add_record(&plain, in_batch == 0, "person", pid->valuestring, p);
				cJSON_Delete(pid);
				cJSON_Delete(p);
			} else {
				cJSON *a = cJSON_Duplicate(c, 1);
				cJSON *aid = cJSON_DetachItemFromObjectCaseSensitive(a, "id");
				cJSON_AddStringToObject(a, "status", "final");
				add_record(&plain, in_batch == 0, "assessment", aid->valuestring, a);
				cJSON_Delete(aid);
				cJSON_Delete(a);
			}
			d->records++;
			if (++in_batch == BATCH || (i == n - 1 && part == 1)) {
				buf_puts(&plain, "]}");
				if (gzip_buf(plain.data, plain.len, &d->req[r].body))
					return -1;
				r++;
				in_batch = 0;
			}
		}
	}
	buf_free(&plain);
	d->nreq = r;
	return 0;
}

static void start_push(device *d, CURLM *m)
{
	request *q = &d->req[d->cur];
	setup(d->h, "/v1/push", &d->resp);
	curl_easy_setopt(d->h, CURLOPT_POST, 1L);
	curl_easy_setopt(d->h, CURLOPT_POSTFIELDS, q->body.data);
	curl_easy_setopt(d->h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)q->body.len);
	curl_easy_setopt(d->h, CURLOPT_HTTPHEADER, d->hdr);
	curl_easy_setopt(d->h, CURLOPT_PRIVATE, d);
	q->t0 = now_ms();
	curl_multi_add_handle(m, d->h);
}

static long count_applied(const buf *resp)
{
	long n = 0;
	const char *p = resp->data;
	while (p && (p = strstr(p, "\"status\":\"applied\""))) {
		n++;
		p += 18;
	}
	return n;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	if (argc < 6) {
		fprintf(stderr, "usage: load-devices URL PIN CERT CODES CASES [DEVICES=100] [RECORDS=1000]\n");
		return 2;
	}
	g_url = argv[1];
	g_pin = argv[2];
	g_cert = argv[3];
	int ndev = argc > 6 ? (int)strtol(argv[6], NULL, 10) : 100;
	int per = argc > 7 ? (int)strtol(argv[7], NULL, 10) : 1000;
	if (ndev < 1 || ndev > 1000 || per < 2 || per > 100000) {
		fprintf(stderr, "load-devices: 1-1000 devices of 2-100000 records\n");
		return 2;
	}
	int cases_per = per / 2;
	buf text = BUF_INIT;
	err e = {0, ""};
	if (buf_read_file(&text, argv[5], (size_t)1 << 31, &e)) {
		fprintf(stderr, "load-devices: %s\n", e.msg);
		return 3;
	}
	cJSON *all = cJSON_ParseWithLength(text.data, text.len);
	buf_free(&text);
	if (!cJSON_IsArray(all) || cJSON_GetArraySize(all) < ndev * cases_per) {
		fprintf(stderr, "load-devices: %s: need %d cases\n", argv[5], ndev * cases_per);
		return 3;
	}
	cJSON **cases = calloc((size_t)cJSON_GetArraySize(all), sizeof *cases);
	int nc = 0;
	cJSON *it;
	cJSON_ArrayForEach(it, all) cases[nc++] = it;

	FILE *cf = fopen(argv[4], "r");
	device *dev = calloc((size_t)ndev, sizeof *dev);
	if (!cf || !dev) {
		fprintf(stderr, "load-devices: %s: cannot read\n", argv[4]);
		return 3;
	}
	for (int i = 0; i < ndev; i++) {
		if (!fgets(dev[i].code, sizeof dev[i].code, cf)) {
			fprintf(stderr, "load-devices: %s: fewer than %d codes\n", argv[4], ndev);
			return 3;
		}
		dev[i].code[strcspn(dev[i].code, "\r\n")] = '\0';
	}
	fclose(cf);
	curl_global_init(CURL_GLOBAL_DEFAULT);

	/* enrollment, one device after another (not timed) */
	for (int i = 0; i < ndev; i++) {
		device *d = &dev[i];
		d->h = curl_easy_init();
		char body[200];
		snprintf(body, sizeof body, "{\"code\":\"%s\",\"device_name\":\"load-%03d\"}", d->code, i);
		setup(d->h, "/v1/enroll", &d->resp);
		struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
		curl_easy_setopt(d->h, CURLOPT_HTTPHEADER, h);
		curl_easy_setopt(d->h, CURLOPT_POSTFIELDS, body);
		long status = 0;
		CURLcode cr = curl_easy_perform(d->h);
		curl_easy_getinfo(d->h, CURLINFO_RESPONSE_CODE, &status);
		curl_slist_free_all(h);
		cJSON *j = cJSON_ParseWithLength(d->resp.data ? d->resp.data : "", d->resp.len);
		const cJSON *did = cJSON_GetObjectItemCaseSensitive(j, "device_id");
		const cJSON *tok = cJSON_GetObjectItemCaseSensitive(j, "token");
		if (cr != CURLE_OK || status != 200 || !cJSON_IsString(did) || !cJSON_IsString(tok)) {
			fprintf(stderr, "load-devices: enrollment of device %d failed (%s, %ld)\n", i,
				curl_easy_strerror(cr), status);
			return 1;
		}
		snprintf(d->auth, sizeof d->auth, "Authorization: Bearer %s.%s", did->valuestring,
			 tok->valuestring);
		cJSON_Delete(j);
		d->hdr = curl_slist_append(NULL, d->auth);
		d->hdr = curl_slist_append(d->hdr, "Content-Type: application/json");
		d->hdr = curl_slist_append(d->hdr, "Content-Encoding: gzip");
		/* a fresh connection for the timed part, as a device coming into coverage */
		curl_easy_cleanup(d->h);
		d->h = curl_easy_init();
		if (prepare(d, cases + (size_t)i * (size_t)cases_per, cases_per)) {
			fprintf(stderr, "load-devices: out of memory\n");
			return 3;
		}
	}
	cJSON_Delete(all);
	free(cases);

	/* all devices at once */
	CURLM *m = curl_multi_init();
	curl_multi_setopt(m, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)ndev);
	double t0 = now_ms();
	for (int i = 0; i < ndev; i++)
		start_push(&dev[i], m);
	int running = ndev, nreq = 0, errors = 0;
	long applied = 0, records = 0;
	while (running) {
		int still;
		curl_multi_perform(m, &still);
		CURLMsg *msg;
		int left;
		while ((msg = curl_multi_info_read(m, &left))) {
			if (msg->msg != CURLMSG_DONE)
				continue;
			device *d;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&d);
			request *q = &d->req[d->cur];
			q->ms = now_ms() - q->t0;
			curl_easy_getinfo(d->h, CURLINFO_RESPONSE_CODE, &q->status);
			curl_multi_remove_handle(m, d->h);
			nreq++;
			q->ok = msg->data.result == CURLE_OK && q->status == 200;
			if (!q->ok) {
				errors++;
				if (errors <= 5)
					fprintf(stderr, "load-devices: device %d request %d: %s, status %ld: %.200s\n",
						(int)(d - dev), d->cur, curl_easy_strerror(msg->data.result),
						q->status, d->resp.data ? d->resp.data : "");
			} else {
				d->applied += count_applied(&d->resp);
			}
			if (q->ok && ++d->cur < d->nreq)
				start_push(d, m);
			else
				running--;
		}
		if (running)
			curl_multi_poll(m, NULL, 0, 100, NULL);
	}
	double secs = (now_ms() - t0) / 1e3;
	size_t total_req = 0;
	for (int i = 0; i < ndev; i++)
		total_req += (size_t)dev[i].nreq;
	double *lat = calloc(total_req + 1, sizeof *lat);
	int nl = 0;
	for (int i = 0; i < ndev; i++) {
		applied += dev[i].applied;
		records += dev[i].records;
		for (int r = 0; r < dev[i].nreq; r++)
			if (dev[i].req[r].ms > 0)
				lat[nl++] = dev[i].req[r].ms;
	}
	qsort(lat, (size_t)nl, sizeof *lat, cmp_double);
	double p50 = nl ? lat[nl / 2] : 0, p99 = nl ? lat[(nl * 99) / 100 < nl ? (nl * 99) / 100 : nl - 1] : 0;
	errors += (int)(records - applied);
	printf("P4 devices=%d records=%ld seconds=%.3f rps=%.0f p50_ms=%.1f p99_ms=%.1f requests=%d errors=%d\n",
	       ndev, applied, secs, secs > 0 ? (double)applied / secs : 0, p50, p99, nreq, errors);
	for (int i = 0; i < ndev; i++) {
		for (int r = 0; r < dev[i].nreq; r++)
			buf_free(&dev[i].req[r].body);
		free(dev[i].req);
		buf_free(&dev[i].resp);
		curl_slist_free_all(dev[i].hdr);
		curl_easy_cleanup(dev[i].h);
	}
	free(lat);
	free(dev);
	curl_multi_cleanup(m);
	curl_global_cleanup();
	return errors ? 1 : 0;
}
