/*
 * fuzz_client: what the server answers a device — push results, pull
 * pages (records, conflicts, instruments), error bodies and the enrollment
 * answer — through the field agent's real sync code (field-agent/sync.c,
 * included here so that its internal functions can be driven) into a
 * real device store. libcurl is replaced by a stand-in that hands the
 * fuzz input to sync.c's write callback as the body of the first answer;
 * later requests of the same run get an empty, final pull page.
 *
 * The input's first byte picks what is fuzzed: 'P' the answer to a push
 * (the outbox holds one or two records), 'X' an error status (4xx/5xx)
 * with the input as its body, 'N' the answer to an enrollment, anything
 * else a pull page (so a pull response seeds it as is).
 */
#define FUZZ_WITH_STORE
#include <stdarg.h>
#include <stdint.h>

#include "../field-agent/sync.c"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* ---- the stand-in for libcurl ---- */
curlrt CR;
static struct {
	const char *data;
	size_t size;
	long status;
	int served, pending, done;
	size_t (*write_fn)(char *, size_t, size_t, void *);
	void *write_ud;
	CURL *cur; /* the transfer being answered */
} fake;
static int dummy_handle, easy_handles[4], neasy;
static const char empty_page[] = "{\"changes\":[],\"cursor\":0,\"more\":false}";

/* distinct handles: sync.c tells its two push transfers apart by them */
static CURL *f_easy_init(void) { return (CURL *)&easy_handles[neasy++ % 4]; }
static void f_easy_cleanup(CURL *h) { (void)h; }
static const char *f_easy_strerror(CURLcode c) { (void)c; return "fake transfer error"; }
static CURLcode f_easy_perform(CURL *h) { (void)h; return CURLE_OK; }
static CURLcode f_easy_setopt(CURL *h, CURLoption opt, ...)
{
	(void)h;
	va_list ap;
	va_start(ap, opt);
	if (opt == CURLOPT_WRITEFUNCTION)
		fake.write_fn = va_arg(ap, size_t (*)(char *, size_t, size_t, void *));
	else if (opt == CURLOPT_WRITEDATA)
		fake.write_ud = va_arg(ap, void *);
	va_end(ap);
	return CURLE_OK;
}
static CURLcode f_easy_getinfo(CURL *h, CURLINFO info, ...)
{
	(void)h;
	va_list ap;
	va_start(ap, info);
	if (info == CURLINFO_ACTIVESOCKET)
		*va_arg(ap, curl_socket_t *) = CURL_SOCKET_BAD;
	else if (info == CURLINFO_RESPONSE_CODE)
		*va_arg(ap, long *) = fake.served == 1 ? fake.status : 200;
	else if (info == CURLINFO_SIZE_UPLOAD_T || info == CURLINFO_SIZE_DOWNLOAD_T)
		*va_arg(ap, curl_off_t *) = 0;
	va_end(ap);
	return CURLE_OK;
}
static struct curl_slist *f_slist_append(struct curl_slist *l, const char *s)
{
	(void)s;
	return l ? l : (struct curl_slist *)&dummy_handle;
}
static void f_slist_free_all(struct curl_slist *l) { (void)l; }
static CURLM *f_multi_init(void) { return (CURLM *)&dummy_handle; }
static CURLMcode f_multi_add_handle(CURLM *m, CURL *h) { (void)m; fake.cur = h; fake.pending = 1; return CURLM_OK; }
static CURLMcode f_multi_remove_handle(CURLM *m, CURL *h) { (void)m; (void)h; return CURLM_OK; }
static CURLMcode f_multi_cleanup(CURLM *m) { (void)m; return CURLM_OK; }
static CURLMcode f_multi_poll(CURLM *m, struct curl_waitfd *w, unsigned n, int t, int *r)
{
	(void)m; (void)w; (void)n; (void)t;
	if (r)
		*r = 0;
	return CURLM_OK;
}
/* Delivers the whole answer at once, in pieces of at most 16 KiB as
 * curl would. */
static CURLMcode f_multi_perform(CURLM *m, int *running)
{
	(void)m;
	*running = 0;
	if (!fake.pending)
		return CURLM_OK;
	fake.pending = 0;
	fake.done = 1;
	const char *p = fake.served == 0 ? fake.data : empty_page;
	size_t n = fake.served == 0 ? fake.size : sizeof empty_page - 1;
	fake.served++;
	while (n) {
		size_t k = n < 16384 ? n : 16384;
		char piece[16384];
		memcpy(piece, p, k);
		if (fake.write_fn(piece, 1, k, fake.write_ud) != k) {
			fake.done = 2; /* curl would fail the transfer */
			break;
		}
		p += k;
		n -= k;
	}
	return CURLM_OK;
}
static CURLMsg *f_multi_info_read(CURLM *m, int *left)
{
	(void)m;
	static CURLMsg msg;
	*left = 0;
	if (!fake.done)
		return NULL;
	msg.msg = CURLMSG_DONE;
	msg.easy_handle = fake.cur;
	msg.data.result = fake.done == 2 ? CURLE_WRITE_ERROR : CURLE_OK;
	fake.done = 0;
	return &msg;
}

int curlrt_load(err *e)
{
	(void)e;
	CR.easy_init = f_easy_init;
	CR.easy_setopt = f_easy_setopt;
	CR.easy_perform = f_easy_perform;
	CR.easy_getinfo = f_easy_getinfo;
	CR.easy_strerror = f_easy_strerror;
	CR.easy_cleanup = f_easy_cleanup;
	CR.slist_append = f_slist_append;
	CR.slist_free_all = f_slist_free_all;
	CR.multi_init = f_multi_init;
	CR.multi_add_handle = f_multi_add_handle;
	CR.multi_remove_handle = f_multi_remove_handle;
	CR.multi_perform = f_multi_perform;
	CR.multi_poll = f_multi_poll;
	CR.multi_info_read = f_multi_info_read;
	CR.multi_cleanup = f_multi_cleanup;
	return 0;
}

/* ---- the device ---- */
static store st;
static char enroll_dir[64];

static void setup(void)
{
	err e = {0, ""};
	curlrt_load(&e);
	fuzz_store(&st);
	agent.data_dir = strdup(st.path);
	char *slash = strrchr((char *)agent.data_dir, '/');
	if (slash)
		*slash = '\0';
	/* a second, never-enrolled device for the enrollment answers */
	store s2;
	fuzz_store(&s2);
	snprintf(enroll_dir, sizeof enroll_dir, "%s", s2.path);
	slash = strrchr(enroll_dir, '/');
	if (slash)
		*slash = '\0';
	store_close(&s2);
	setenv("FA_PIN", "2468", 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!st.path[0])
		setup();
	memset(&fake, 0, sizeof fake);
	fake.data = (const char *)data;
	fake.size = size;
	fake.status = 200;
	char mode = size ? (char)data[0] : 0;
	if (mode == 'P' || mode == 'X' || mode == 'N') {
		fake.data++;
		fake.size--;
	}
	if (mode == 'X')
		fake.status = size > 1 && (data[1] & 1) ? 503 : 401;
	if (mode == 'N') {
		const char *saved = agent.data_dir;
		agent.data_dir = enroll_dir;
		char *argv[] = {"enroll", "https://127.0.0.1:1", "K7QX-3M9D-PA2W", "--pin",
				"sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "--name", "fuzz", NULL};
		cmd_enroll(7, argv);
		agent.data_dir = saved;
		return 0;
	}
	conn c;
	sync_counts n = {0};
	err e = {0, ""};
	conn_init(&c, 2, &e);
	snprintf(c.url, sizeof c.url, "https://127.0.0.1:1");
	if (mode == 'P' || mode == 'X') {
		if (store_outbox_count(&st) < 2) {
			cJSON *fields = cJSON_Parse("{\"head\":\"ФУЗ ФУЗОВ\",\"address\":\"ул. 1\"}");
			char id[UUID_STR_LEN];
			store_household_add(&st, "Басарбово", fields, id, &e);
			cJSON_Delete(fields);
		}
		push_all(&st, &c, &n, 0, &e);
	} else {
		pull_all(&st, &c, &n, 0, &e);
	}
	conn_free(&c);
	return 0;
}
