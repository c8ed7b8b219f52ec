/*
 * cmd_init: setting up the device store (`init`), unlocking a locked one
 * with the recovery code (`recover`), and what is waiting to sync
 * (`outbox`).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "agent.h"
#include "cmd.h"
#include "crypto.h"
#include "i18n.h"
#include "num.h"

int cmd_init(int argc, char **argv)
{
	static const struct option opts[] = {
		{"kdf-ms", required_argument, NULL, 'k'},
		{"max-tries", required_argument, NULL, 't'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	long kdf_ms = 500, tries = STORE_DEFAULT_TRIES;
	err e = {0, ""};
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'k':
			if (num_parse_long(optarg, 1, 10000, "--kdf-ms", &kdf_ms, &e))
				return agent_fail("init", &e), AGENT_EXIT_USAGE;
			break;
		case 't':
			if (num_parse_long(optarg, 1, 100, "--max-tries", &tries, &e))
				return agent_fail("init", &e), AGENT_EXIT_USAGE;
			break;
		case 'h':
			printf("%s", _("usage: field-agent init [--kdf-ms MS] [--max-tries N]\n"
				       "\n"
				       "Creates the encrypted store of this device and sets the PIN\n"
				       "(asked twice, or $FA_PIN). Prints a recovery code once: write it\n"
				       "down and keep it apart from the device; it unlocks the store\n"
				       "after too many wrong PINs. --kdf-ms tunes how long deriving the\n"
				       "key from the PIN takes on this machine (default 500 ms).\n"));
			return AGENT_EXIT_OK;
		default:
			fprintf(stderr, _("field-agent init: unknown option (see --help)\n"));
			return AGENT_EXIT_USAGE;
		}
	}
	store s;
	char pin[STORE_PIN_MAX + 2], again[STORE_PIN_MAX + 2], code[25];
	int rc = store_open(&s, agent_data_dir(), 1, &e);
	if (rc)
		return agent_fail("init", &e);
	if (store_has_keys(&s)) {
		store_close(&s);
		err_set(&e, ERR_STATE, _("%s already has a store; nothing changed"), agent_data_dir());
		return agent_fail("init", &e);
	}
	if (agent_read_secret(_("New PIN: "), "FA_PIN", pin, sizeof pin) ||
	    agent_read_secret(_("The same PIN again: "), "FA_PIN", again, sizeof again)) {
		store_close(&s);
		err_set(&e, ERR_INVALID, "%s", _("no PIN given"));
		return agent_fail("init", &e);
	}
	if (strcmp(pin, again)) {
		store_close(&s);
		err_set(&e, ERR_INVALID, "%s", _("the two PINs differ; nothing changed"));
		return agent_fail("init", &e);
	}
	rc = store_init_keys(&s, pin, (unsigned)kdf_ms, (int)tries, code, &e);
	crypto_wipe(pin, sizeof pin);
	crypto_wipe(again, sizeof again);
	store_close(&s);
	if (rc)
		return agent_fail("init", &e);
	printf(_("Store created in %s.\n"), agent_data_dir());
	printf(_("Recovery code (write it down, keep it apart from the device): %s\n"), code);
	crypto_wipe(code, sizeof code);
	return AGENT_EXIT_OK;
}

int cmd_recover(int argc, char **argv)
{
	(void)argc;
	if (argc > 1 && !strcmp(argv[1], "--help")) {
		printf("%s", _("usage: field-agent recover\n"
			       "\n"
			       "Unlocks a store locked after too many wrong PINs: asks for the\n"
			       "recovery code ($FA_RECOVERY) and a new PIN ($FA_NEW_PIN).\n"));
		return AGENT_EXIT_OK;
	}
	store s;
	err e = {0, ""};
	char code[64], pin[STORE_PIN_MAX + 2];
	int rc = agent_open(&s, 0, &e);
	if (rc)
		return agent_fail("recover", &e);
	if (agent_read_secret(_("Recovery code: "), "FA_RECOVERY", code, sizeof code) ||
	    agent_read_secret(_("New PIN: "), "FA_NEW_PIN", pin, sizeof pin)) {
		store_close(&s);
		err_set(&e, ERR_INVALID, "%s", _("no recovery code or PIN given"));
		return agent_fail("recover", &e);
	}
	rc = store_recover(&s, code, pin, &e);
	crypto_wipe(code, sizeof code);
	crypto_wipe(pin, sizeof pin);
	store_close(&s);
	if (rc)
		return agent_fail("recover", &e);
	printf("%s\n", _("Unlocked; the new PIN is set."));
	return AGENT_EXIT_OK;
}

int cmd_outbox(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "--help")) {
		printf("%s", _("usage: field-agent outbox\n\nLists what is waiting to be sent at the next sync.\n"));
		return AGENT_EXIT_OK;
	}
	store s;
	err e = {0, ""};
	int rc = agent_open(&s, 0, &e);
	if (rc)
		return agent_fail("outbox", &e);
	db_stmt st;
	if ((rc = db_prepare(&s.d, &st,
			     "SELECT kind, count(*) FROM outbox GROUP BY kind ORDER BY kind", &e))) {
		store_close(&s);
		return agent_fail("outbox", &e);
	}
	printf(_("Waiting to sync: %lld\n"), (long long)store_outbox_count(&s));
	while (db_step(&st, &e) == 1)
		printf("  %-12s %lld\n", db_col_text(&st, 0), (long long)db_col_int(&st, 1));
	db_finalize(&st);
	store_close(&s);
	return AGENT_EXIT_OK;
}

int cmd_check(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "--help")) {
		printf("%s", _("usage: field-agent check\n\nVerifies the store file (SQLite integrity check); prints ok.\n"));
		return AGENT_EXIT_OK;
	}
	store s;
	err e = {0, ""};
	int rc = agent_open(&s, 0, &e);
	if (rc)
		return agent_fail("check", &e);
	db_stmt st;
	int ok = 0;
	if (db_prepare(&s.d, &st, "PRAGMA integrity_check", &e) == 0) {
		while (db_step(&st, &e) == 1) {
			const char *t = db_col_text(&st, 0);
			printf("%s\n", t);
			ok = ok || !strcmp(t, "ok");
		}
		db_finalize(&st);
	}
	store_close(&s);
	return ok ? AGENT_EXIT_OK : AGENT_EXIT_IO;
}
