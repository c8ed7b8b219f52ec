/*
 * cmd_serve: `sync-server serve` and the coordinator's commands on the
 * same data directory — `device enroll|revoke|list`, `conflicts
 * list|show|resolve`, `audit verify`.
 *
 * Configuration is one table of {name, default, min, max} rows (Redis's
 * habit), read from an optional file of `name = value` lines, then from
 * flags `--name value`; the data directory holds the store and, made on
 * first run, a self-signed certificate.
 */
#include <ctype.h>
#include <errno.h>
#include <qrencode.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api.h"
#include "buf.h"
#include "central.h"
#include "cmd.h"
#include "http.h"
#include "log.h"
#include "num.h"

typedef struct conf_row {
	const char *name;
	const char *dflt;
	long min, max; /* for numbers; min > max means text */
	const char *help;
} conf_row;

static const conf_row conf_rows[] = {
	{"data", "sync-data", 1, 0, "data directory (store, certificate)"},
	{"bind", "127.0.0.1", 1, 0, "address to listen on"},
	{"port", "8443", 1, 65535, "TLS port"},
	{"threads", "4", 1, 64, "worker threads"},
	{"max-connections", "256", 1, 10000, "connections in all"},
	{"max-per-client", "16", 1, 10000, "connections per client address"},
	{"timeout", "30", 1, 3600, "seconds before an idle connection is closed"},
	{"max-body", "4194304", 1024, 67108864, "request body bytes as sent"},
	{"cert", "", 1, 0, "PEM certificate (default: data/server.crt, made on first run)"},
	{"key", "", 1, 0, "PEM key (default: data/server.key)"},
	{"hostname", "localhost", 1, 0, "name in a generated certificate"},
	{"backup-pin", "", 1, 0, "pin (sha256//…) of the next certificate's key, given to devices"},
	{"instruments", "", 1, 0, "instrument directories (':'-separated)"},
	{"log-level", "2", 0, 3, "0 errors … 3 debug"},
};
#define NCONF (sizeof conf_rows / sizeof conf_rows[0])

typedef struct conf {
	char v[NCONF][4096];
} conf;

static int conf_index(const char *name)
{
	for (size_t i = 0; i < NCONF; i++)
		if (!strcmp(conf_rows[i].name, name))
			return (int)i;
	return -1;
}

static int conf_set(conf *c, const char *name, const char *value, err *e)
{
	int i = conf_index(name);
	if (i < 0)
		return err_set(e, ERR_INVALID, "unknown setting \"%.40s\"", name);
	const conf_row *r = &conf_rows[i];
	if (r->min <= r->max) {
		long v;
		int rc = num_parse_long(value, r->min, r->max, name, &v, e);
		if (rc)
			return rc;
	}
	if (strlen(value) >= sizeof c->v[i])
		return err_set(e, ERR_INVALID, "%s: too long", name);
	snprintf(c->v[i], sizeof c->v[i], "%s", value);
	return 0;
}

static const char *conf_get(const conf *c, const char *name)
{
	return c->v[conf_index(name)];
}

static long conf_long(const conf *c, const char *name)
{
	return strtol(conf_get(c, name), NULL, 10);
}

static int conf_file(conf *c, const char *path, err *e)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return err_set(e, ERR_IO, "%s: cannot open: %s", path, strerror(errno));
	char line[4200];
	int n = 0, rc = 0;
	while (fgets(line, sizeof line, f)) {
		n++;
		char *p = line;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '#' || *p == '\n' || !*p)
			continue;
		char *eq = strchr(p, '=');
		if (!eq) {
			rc = err_set(e, ERR_INVALID, "%s:%d: expected name = value", path, n);
			break;
		}
		char *end = eq;
		while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
		*end = '\0';
		char *v = eq + 1;
		while (*v == ' ' || *v == '\t')
			v++;
		v[strcspn(v, "\r\n")] = '\0';
		if ((rc = conf_set(c, p, v, e))) {
			err_prefix(e, rc, "%s:%d", path, n);
			break;
		}
	}
	fclose(f);
	return rc;
}

/* Defaults, then --config FILE, then --name value flags, wherever they
 * stand. The settings are taken out of argv and *argcp shrinks; *rest is
 * where the other arguments start (argv[0] is the command). */
static int conf_load(conf *c, int *argcp, char **argv, int *rest, err *e)
{
	int argc = *argcp;
	for (size_t i = 0; i < NCONF; i++)
		snprintf(c->v[i], sizeof c->v[i], "%s", conf_rows[i].dflt);
	const char *env = getenv("SS_DATA");
	if (env && *env)
		snprintf(c->v[conf_index("data")], sizeof c->v[0], "%s", env);
	/* a --config file first, so that flags override it */
	for (int i = 1; i + 1 < argc; i++)
		if (!strcmp(argv[i], "--config")) {
			int rc = conf_file(c, argv[i + 1], e);
			if (rc)
				return rc;
		}
	int out = 1;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strncmp(a, "--", 2) && (conf_index(a + 2) >= 0 || !strcmp(a, "--config"))) {
			if (i + 1 >= argc)
				return err_set(e, ERR_INVALID, "%s needs a value", a);
			if (strcmp(a, "--config")) {
				int rc = conf_set(c, a + 2, argv[i + 1], e);
				if (rc)
					return rc;
			}
			i++;
			continue;
		}
		argv[out++] = argv[i];
	}
	*argcp = out;
	*rest = 1;
	return 0;
}

static void conf_help(FILE *f)
{
	fprintf(f, "settings (--name value, or name = value in --config FILE):\n");
	for (size_t i = 0; i < NCONF; i++)
		fprintf(f, "  --%-16s %s (default %s)\n", conf_rows[i].name, conf_rows[i].help,
			*conf_rows[i].dflt ? conf_rows[i].dflt : "see text");
}

static void tls_paths(const conf *c, char *cert, char *key, size_t n)
{
	if (*conf_get(c, "cert"))
		snprintf(cert, n, "%s", conf_get(c, "cert"));
	else
		snprintf(cert, n, "%s/server.crt", conf_get(c, "data"));
	if (*conf_get(c, "key"))
		snprintf(key, n, "%s", conf_get(c, "key"));
	else
		snprintf(key, n, "%s/server.key", conf_get(c, "data"));
}

/* Makes a self-signed certificate on first run (for the demo and a first
 * installation); an operator may replace it with their own. */
static int ensure_cert(const conf *c, char *cert, char *key, size_t n, err *e)
{
	tls_paths(c, cert, key, n);
	if (access(cert, R_OK) == 0 && access(key, R_OK) == 0)
		return 0;
	if (mkdir(conf_get(c, "data"), 0700) != 0 && errno != EEXIST)
		return err_set(e, ERR_IO, "%s: cannot create: %s", conf_get(c, "data"), strerror(errno));
	char alt[512];
	snprintf(alt, sizeof alt, "127.0.0.1,localhost,%s", conf_get(c, "hostname"));
	int rc = http_make_self_signed(cert, key, conf_get(c, "hostname"), alt, 3650, e);
	if (!rc)
		LOG(LOG_INFO, "made a self-signed certificate %s", cert);
	return rc;
}

/* The backup pin, if set, must be a SHA-256 key pin as devices use them:
 * sha256// and 44 characters of base64. */
static int check_backup_pin(const conf *c, const char *pin, err *e)
{
	const char *b = conf_get(c, "backup-pin");
	if (!*b)
		return 0;
	size_t n = strlen(b);
	int ok = n == 52 && !strncmp(b, "sha256//", 8) && b[51] == '=';
	for (size_t i = 8; ok && i < 51; i++)
		ok = isalnum((unsigned char)b[i]) || b[i] == '+' || b[i] == '/';
	if (!ok)
		return err_set(e, ERR_INVALID, "backup-pin: expected sha256// and 44 characters of base64 "
					       "(the pin of a key, see the operator's guide)");
	if (!strcmp(b, pin))
		return err_set(e, ERR_INVALID, "backup-pin: it is the pin of the current key; "
					       "give the pin of the next certificate's key");
	return 0;
}

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

int cmd_serve(int argc, char **argv)
{
	conf c;
	err e = {0, ""};
	int rest;
	if (argc > 1 && !strcmp(argv[1], "--help")) {
		printf("usage: sync-server serve [--config FILE] [--name value …]\n\n");
		conf_help(stdout);
		return EXIT_OK;
	}
	if (conf_load(&c, &argc, argv, &rest, &e)) {
		fprintf(stderr, "sync-server serve: %s\n", e.msg);
		return EXIT_USAGE;
	}
	log_level = (int)conf_long(&c, "log-level");
	char cert[4200], key[4200], pin[64];
	if (ensure_cert(&c, cert, key, sizeof cert, &e) || http_cert_pin(cert, pin, sizeof pin, &e) ||
	    check_backup_pin(&c, pin, &e)) {
		fprintf(stderr, "sync-server serve: %s\n", e.msg);
		return EXIT_REFUSED;
	}
	buf pem = BUF_INIT;
	if (buf_read_file(&pem, cert, 64 * 1024, &e)) {
		fprintf(stderr, "sync-server serve: %s\n", e.msg);
		return EXIT_REFUSED;
	}
	central cen;
	if (central_open(&cen, conf_get(&c, "data"), *conf_get(&c, "instruments") ? conf_get(&c, "instruments") : NULL, &e)) {
		fprintf(stderr, "sync-server serve: %s\n", e.msg);
		buf_free(&pem);
		return EXIT_REFUSED;
	}
	if (central_idle_checkpoints(&cen, &e)) {
		fprintf(stderr, "sync-server serve: %s\n", e.msg);
		central_close(&cen);
		buf_free(&pem);
		return EXIT_REFUSED;
	}
	api_ctx app = {&cen, pin, pem.data, conf_get(&c, "backup-pin")};
	http_config hc;
	http_config_defaults(&hc);
	hc.bind_addr = conf_get(&c, "bind");
	hc.port = (int)conf_long(&c, "port");
	hc.cert_path = cert;
	hc.key_path = key;
	hc.threads = (int)conf_long(&c, "threads");
	hc.max_connections = (int)conf_long(&c, "max-connections");
	hc.max_per_client = (int)conf_long(&c, "max-per-client");
	hc.timeout_s = (int)conf_long(&c, "timeout");
	hc.max_body = (size_t)conf_long(&c, "max-body");
	size_t nroutes;
	const http_route *routes = api_routes(&nroutes);
	http_server *srv = NULL;
	if (http_start(&srv, &hc, routes, nroutes, &app, &e)) {
		fprintf(stderr, "sync-server serve: %s\n", e.msg);
		central_close(&cen);
		buf_free(&pem);
		return EXIT_REFUSED;
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	printf("listening on https://%s:%ld\nserver key pin %s\n", hc.bind_addr, conf_long(&c, "port"), pin);
	if (*conf_get(&c, "backup-pin"))
		printf("backup pin %s\n", conf_get(&c, "backup-pin"));
	fflush(stdout);
	LOG(LOG_INFO, "serving on %s:%ld with %d threads", hc.bind_addr, conf_long(&c, "port"), hc.threads);
	while (!stopping)
		pause();
	LOG(LOG_INFO, "stopping");
	http_stop(srv);
	central_close(&cen);
	buf_free(&pem);
	return EXIT_OK;
}

/* Prints a QR code with Unicode half blocks (two modules per character
 * row) so it scans from an 80-column terminal. */
static void print_qr(const char *text)
{
	QRcode *q = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	if (!q) {
		printf("(no QR code: %s)\n", strerror(errno));
		return;
	}
	int w = q->width, border = 2;
	for (int y = -border; y < w + border; y += 2) {
		for (int x = -border; x < w + border; x++) {
			int top = y >= 0 && y < w && x >= 0 && x < w && (q->data[y * w + x] & 1);
			int bot = y + 1 >= 0 && y + 1 < w && x >= 0 && x < w && (q->data[(y + 1) * w + x] & 1);
			/* dark modules are drawn as spaces on a light block: terminals differ,
			 * so print light as █ and dark as ' ' for dark-on-light scanning */
			fputs(top && bot ? " " : top ? "▄" : bot ? "▀" : "█", stdout);
		}
		putchar('\n');
	}
	QRcode_free(q);
}

static int open_central(const conf *c, central *cen, err *e)
{
	return central_open(cen, conf_get(c, "data"),
			    *conf_get(c, "instruments") ? conf_get(c, "instruments") : NULL, e);
}

int cmd_open_central(int *argc, char **argv, int *rest, central *cen, err *e)
{
	conf c;
	int rc = conf_load(&c, argc, argv, rest, e);
	return rc ? rc : open_central(&c, cen, e);
}

const char *cmd_take_opt(int *argc, char **argv, const char *name)
{
	for (int i = 1; i + 1 < *argc; i++)
		if (!strcmp(argv[i], name)) {
			const char *v = argv[i + 1];
			memmove(&argv[i], &argv[i + 2], (size_t)(*argc - i - 2) * sizeof *argv);
			*argc -= 2;
			return v;
		}
	return NULL;
}

const char *cmd_actor(void)
{
	const char *u = getenv("SS_ACTOR");
	if (!u || !*u)
		u = getenv("USER");
	return u && *u ? u : "coordinator";
}

int cmd_device(int argc, char **argv)
{
	conf c;
	err e = {0, ""};
	int rest;
	const char *sub = argc > 1 ? argv[1] : "";
	int sub_argc = argc - 1;
	if (!strcmp(sub, "enroll") || !strcmp(sub, "revoke") || !strcmp(sub, "list")) {
		if (conf_load(&c, &sub_argc, argv + 1, &rest, &e))
			goto usage_err;
	} else {
		printf("usage: sync-server device enroll ASSESSOR LOCALITIES [--url URL] [--ttl HOURS]\n"
		       "       sync-server device revoke DEVICE_ID\n"
		       "       sync-server device list\n"
		       "(and any setting: --data DIR …)\n"
		       "\n"
		       "enroll prints a one-time code, the server's key pin and a QR code\n"
		       "holding both, for `field-agent enroll URL CODE --pin PIN`.\n"
		       "LOCALITIES is a comma-separated list of the villages the device serves.\n");
		return strcmp(sub, "--help") ? EXIT_USAGE : EXIT_OK;
	}
	argc = sub_argc;
	argv++;
	central cen;
	int status = EXIT_REFUSED;
	if (!strcmp(sub, "list")) {
		buf out = BUF_INIT;
		if (open_central(&c, &cen, &e))
			goto fail;
		if (!central_devices(&cen, &out, &e)) {
			fputs(out.data ? out.data : "", stdout);
			status = EXIT_OK;
		}
		central_close(&cen);
		buf_free(&out);
		if (status)
			goto fail;
		return status;
	}
	if (!strcmp(sub, "revoke")) {
		if (rest >= argc) {
			err_set(&e, ERR_INVALID, "give the device id");
			goto usage_err;
		}
		if (open_central(&c, &cen, &e))
			goto fail;
		int rc = central_revoke(&cen, argv[rest], cmd_actor(), &e);
		central_close(&cen);
		if (rc)
			goto fail;
		printf("revoked %s\n", argv[rest]);
		return EXIT_OK;
	}
	/* enroll ASSESSOR LOCALITIES [--url URL] [--ttl HOURS] */
	const char *url = NULL;
	long ttl_h = 24;
	const char *pos[2] = {NULL, NULL};
	int np = 0;
	for (int i = rest; i < argc; i++) {
		if (!strcmp(argv[i], "--url") && i + 1 < argc) {
			url = argv[++i];
		} else if (!strcmp(argv[i], "--ttl") && i + 1 < argc) {
			if (num_parse_long(argv[++i], 1, 24 * 30, "--ttl", &ttl_h, &e))
				goto usage_err;
		} else if (np < 2 && strncmp(argv[i], "--", 2)) {
			pos[np++] = argv[i];
		} else {
			err_set(&e, ERR_INVALID, "unexpected \"%.40s\"", argv[i]);
			goto usage_err;
		}
	}
	if (np != 2) {
		err_set(&e, ERR_INVALID, "give ASSESSOR and LOCALITIES");
		goto usage_err;
	}
	char cert[4200], key[4200], pin[64], code[16], deflt[300];
	if (ensure_cert(&c, cert, key, sizeof cert, &e) || http_cert_pin(cert, pin, sizeof pin, &e) ||
	    check_backup_pin(&c, pin, &e))
		goto fail;
	if (!url) {
		snprintf(deflt, sizeof deflt, "https://%s:%s", conf_get(&c, "bind"), conf_get(&c, "port"));
		url = deflt;
	}
	if (open_central(&c, &cen, &e))
		goto fail;
	int rc = central_enroll_code(&cen, pos[0], pos[1], ttl_h * 3600, cmd_actor(), code, &e);
	central_close(&cen);
	if (rc)
		goto fail;
	printf("enrollment code  %s   (one use, valid %ld h)\n", code, ttl_h);
	printf("server key pin   %s\n", pin);
	if (*conf_get(&c, "backup-pin"))
		printf("backup pin       %s   (sent to the device at enrollment)\n", conf_get(&c, "backup-pin"));
	printf("on the device:   field-agent enroll %s %s --pin %s\n\n", url, code, pin);
	buf qr = BUF_INIT;
	buf_printf(&qr, "fieldassess:enroll?url=%s&code=%s&pin=%s", url, code, pin);
	print_qr(qr.data);
	buf_free(&qr);
	return EXIT_OK;
usage_err:
	fprintf(stderr, "sync-server device: %s\n", e.msg);
	return EXIT_USAGE;
fail:
	fprintf(stderr, "sync-server device %s: %s\n", sub, e.msg);
	return e.code == ERR_NOTFOUND ? EXIT_REFUSED : EXIT_REFUSED;
}

int cmd_conflicts(int argc, char **argv)
{
	conf c;
	err e = {0, ""};
	int rest;
	const char *sub = argc > 1 ? argv[1] : "";
	if (strcmp(sub, "list") && strcmp(sub, "show") && strcmp(sub, "resolve")) {
		printf("usage: sync-server conflicts list [--all yes]\n"
		       "       sync-server conflicts show ID\n"
		       "       sync-server conflicts resolve ID (a|b|--body FILE)\n"
		       "(and any setting: --data DIR …)\n"
		       "\n"
		       "Two devices changed the same fields of a record from the same base:\n"
		       "both versions are kept; the provisional winner is the one with the\n"
		       "greater hash. `resolve` takes side a or b for the conflicting fields\n"
		       "(or a whole new body) and sends the result to the devices.\n");
		return strcmp(sub, "--help") ? EXIT_USAGE : EXIT_OK;
	}
	int all = 0;
	for (int i = 2; i + 1 < argc; i++)
		if (!strcmp(argv[i], "--all")) {
			all = 1;
			memmove(&argv[i], &argv[i + 2], (size_t)(argc - i - 2) * sizeof *argv);
			argc -= 2;
			break;
		}
	int sub_argc = argc - 1;
	if (conf_load(&c, &sub_argc, argv + 1, &rest, &e)) {
		fprintf(stderr, "sync-server conflicts: %s\n", e.msg);
		return EXIT_USAGE;
	}
	argc = sub_argc;
	argv++;
	central cen;
	buf out = BUF_INIT;
	int rc;
	if (open_central(&c, &cen, &e)) {
		fprintf(stderr, "sync-server conflicts: %s\n", e.msg);
		return EXIT_REFUSED;
	}
	if (!strcmp(sub, "list")) {
		rc = central_conflicts_list(&cen, !all, &out, &e);
	} else if (rest >= argc) {
		rc = err_set(&e, ERR_INVALID, "give the conflict id");
	} else if (!strcmp(sub, "show")) {
		rc = central_conflict_show(&cen, argv[rest], &out, &e);
	} else {
		const char *pick = rest + 1 < argc ? argv[rest + 1] : NULL;
		buf body = BUF_INIT;
		rc = 0;
		if (pick && !strcmp(pick, "--body")) {
			rc = rest + 2 < argc ? buf_read_file(&body, argv[rest + 2], 1 << 20, &e)
					     : err_set(&e, ERR_INVALID, "--body needs a file");
			pick = NULL;
		} else if (!pick) {
			rc = err_set(&e, ERR_INVALID, "choose a or b, or --body FILE");
		}
		if (!rc)
			rc = central_conflict_resolve(&cen, argv[rest], pick, body.data, cmd_actor(), &e);
		if (!rc)
			buf_printf(&out, "resolved %s\n", argv[rest]);
		buf_free(&body);
	}
	central_close(&cen);
	if (!rc)
		fputs(out.data ? out.data : "", stdout);
	else
		fprintf(stderr, "sync-server conflicts %s: %s\n", sub, e.msg);
	buf_free(&out);
	return rc ? (rc == ERR_INVALID ? EXIT_USAGE : EXIT_REFUSED) : EXIT_OK;
}

int cmd_audit(int argc, char **argv)
{
	conf c;
	err e = {0, ""};
	int rest;
	if (argc < 2 || strcmp(argv[1], "verify")) {
		printf("usage: sync-server audit verify [--data DIR]\n\n"
		       "Recomputes the hash chain of the audit trail.\n");
		return argc < 2 ? EXIT_USAGE : EXIT_OK;
	}
	int sub_argc = argc - 1;
	if (conf_load(&c, &sub_argc, argv + 1, &rest, &e)) {
		fprintf(stderr, "sync-server audit: %s\n", e.msg);
		return EXIT_USAGE;
	}
	central cen;
	int64_t n = 0;
	if (open_central(&c, &cen, &e)) {
		fprintf(stderr, "sync-server audit: %s\n", e.msg);
		return EXIT_REFUSED;
	}
	int rc = central_audit_verify(&cen, &n, &e);
	central_close(&cen);
	if (rc) {
		fprintf(stderr, "sync-server audit: %s\n", e.msg);
		return EXIT_REFUSED;
	}
	printf("audit trail intact: %lld entries\n", (long long)n);
	return EXIT_OK;
}

/* `sync-server export-assessments INSTRUMENT`: the central final
 * assessments in the exchange format (for `rank`). */
int cmd_assessments(int argc, char **argv)
{
	conf c;
	err e = {0, ""};
	int rest;
	if (conf_load(&c, &argc, argv, &rest, &e) || rest >= argc) {
		fprintf(stderr, "usage: sync-server assessments [--data DIR] INSTRUMENT\n");
		return EXIT_USAGE;
	}
	central cen;
	buf out = BUF_INIT;
	if (open_central(&c, &cen, &e)) {
		fprintf(stderr, "sync-server assessments: %s\n", e.msg);
		return EXIT_REFUSED;
	}
	int rc = central_assessments(&cen, argv[rest], &out, &e);
	central_close(&cen);
	if (!rc)
		fputs(out.data ? out.data : "[]\n", stdout);
	else
		fprintf(stderr, "sync-server assessments: %s\n", e.msg);
	buf_free(&out);
	return rc ? EXIT_REFUSED : EXIT_OK;
}

int cmd_instrument(int argc, char **argv)
{
	conf c;
	err e = {0, ""};
	int rest;
	if (argc < 3 || strcmp(argv[1], "publish")) {
		printf("usage: sync-server instrument publish FILE [--data DIR]\n\n"
		       "Checks an instrument file and sends it to every device at its next sync.\n");
		return argc > 1 && !strcmp(argv[1], "--help") ? EXIT_OK : EXIT_USAGE;
	}
	int sub_argc = argc - 1;
	if (conf_load(&c, &sub_argc, argv + 1, &rest, &e) || rest >= sub_argc) {
		fprintf(stderr, "sync-server instrument: %s\n", e.msg[0] ? e.msg : "give the file");
		return EXIT_USAGE;
	}
	central cen;
	if (open_central(&c, &cen, &e)) {
		fprintf(stderr, "sync-server instrument: %s\n", e.msg);
		return EXIT_REFUSED;
	}
	int rc = central_publish_instrument(&cen, argv[1 + rest], cmd_actor(), &e);
	central_close(&cen);
	if (rc) {
		fprintf(stderr, "sync-server instrument: %s\n", e.msg);
		return EXIT_REFUSED;
	}
	printf("published %s\n", argv[1 + rest]);
	return EXIT_OK;
}
