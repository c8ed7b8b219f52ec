/*
 * user_cmd: `sync-server user add|passwd|list|disable` — the staff
 * accounts of the web interface, on the data directory of `serve`
 * (--data DIR, or $SS_DATA; default sync-data). Passwords are read from
 * the first line of standard input, never from the command line (where
 * other users of the machine could see them in the process list).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "crypto.h"
#include "user.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: sync-server user add NAME --role ROLE [--localities \"A, B\" | *]\n"
		   "       sync-server user passwd NAME\n"
		   "       sync-server user disable NAME\n"
		   "       sync-server user list\n"
		   "(and --data DIR)\n"
		   "\n"
		   "Staff accounts of the web interface. ROLE is admin, coordinator,\n"
		   "commission or viewer; LOCALITIES limits what the account sees (default *,\n"
		   "all). add and passwd read the password (at least %d characters) from the\n"
		   "first line of standard input.\n",
		USER_PASSWORD_MIN);
}

static int read_password(char *out, size_t n)
{
	if (!fgets(out, (int)n, stdin))
		return -1;
	out[strcspn(out, "\r\n")] = '\0';
	return 0;
}

int cmd_user(int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : "";
	const char *role = NULL, *locs = "*", *name = NULL;
	err e = {0, ""};
	if (!strcmp(sub, "--help") || !strcmp(sub, "help")) {
		usage(stdout);
		return EXIT_OK;
	}
	if (strcmp(sub, "add") && strcmp(sub, "passwd") && strcmp(sub, "list") &&
	    strcmp(sub, "disable")) {
		usage(stderr);
		return EXIT_USAGE;
	}
	central c;
	int rest, sub_argc = argc - 1;
	char **sub_argv = argv + 1;
	if (cmd_open_central(&sub_argc, sub_argv, &rest, &c, &e)) {
		fprintf(stderr, "sync-server user: %s\n", e.msg);
		return EXIT_REFUSED;
	}
	for (int i = rest; i < sub_argc; i++) {
		const char *a = sub_argv[i];
		if (!strcmp(a, "--role") && i + 1 < sub_argc)
			role = sub_argv[++i];
		else if (!strcmp(a, "--localities") && i + 1 < sub_argc)
			locs = sub_argv[++i];
		else if (!strncmp(a, "--", 2) || name) {
			fprintf(stderr, "sync-server user: unexpected \"%.40s\"\n", a);
			central_close(&c);
			return EXIT_USAGE;
		} else
			name = a;
	}
	char pw[USER_PASSWORD_MAX + 2] = "";
	const char *problem = NULL;
	if (strcmp(sub, "list") && !name)
		problem = "give the user name";
	else if (!strcmp(sub, "add") && !role)
		problem = "give --role (admin, coordinator, commission, viewer)";
	else if ((!strcmp(sub, "add") || !strcmp(sub, "passwd")) && read_password(pw, sizeof pw))
		problem = "give the password on standard input";
	if (problem) {
		fprintf(stderr, "sync-server user %s: %s\n", sub, problem);
		central_close(&c);
		return EXIT_USAGE;
	}
	buf out = BUF_INIT;
	int rc;
	if (!strcmp(sub, "add"))
		rc = user_add(&c, name, role, locs, pw, cmd_actor(), &e);
	else if (!strcmp(sub, "passwd"))
		rc = user_passwd(&c, name, pw, cmd_actor(), &e);
	else if (!strcmp(sub, "disable"))
		rc = user_disable(&c, name, cmd_actor(), &e);
	else
		rc = user_list(&c, &out, &e);
	crypto_wipe(pw, sizeof pw);
	central_close(&c);
	if (rc) {
		fprintf(stderr, "sync-server user %s: %s\n", sub, e.msg);
		buf_free(&out);
		return rc == ERR_INVALID ? EXIT_USAGE : EXIT_REFUSED;
	}
	if (!strcmp(sub, "list"))
		fputs(out.data ? out.data : "", stdout);
	else
		printf("%s %s\n", !strcmp(sub, "add") ? "added" : !strcmp(sub, "passwd") ? "password set for" : "disabled", name);
	buf_free(&out);
	return EXIT_OK;
}
