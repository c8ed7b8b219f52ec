/*
 * agent: shared command plumbing (see agent.h).
 */
#include "agent.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "crypto.h"
#include "i18n.h"

agent_opts agent;

int agent_exit_code(int code)
{
	switch (code) {
	case 0: return AGENT_EXIT_OK;
	case ERR_AUTH: return AGENT_EXIT_AUTH;
	case ERR_NOTFOUND: return AGENT_EXIT_NOTFOUND;
	case ERR_CONFLICT: return AGENT_EXIT_CONFLICT;
	case ERR_IO: case ERR_NOMEM: case ERR_CRYPTO: return AGENT_EXIT_IO;
	default: return AGENT_EXIT_INVALID;
	}
}

int agent_fail(const char *cmd, const err *e)
{
	fprintf(stderr, "field-agent %s: %s\n", cmd, e->msg);
	return agent_exit_code(e->code);
}

int agent_read_secret(const char *prompt, const char *env_name, char *out, size_t n)
{
	const char *env = env_name ? getenv(env_name) : NULL;
	if (env && *env) {
		snprintf(out, n, "%s", env);
		return 0;
	}
	int tty = isatty(STDIN_FILENO);
	struct termios old, quiet;
	if (tty) {
		fprintf(stderr, "%s", prompt);
		fflush(stderr);
		if (tcgetattr(STDIN_FILENO, &old) == 0) {
			quiet = old;
			quiet.c_lflag &= ~(tcflag_t)ECHO;
			tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
		}
	}
	/* Read byte by byte: the rest of standard input (answers piped after
	 * the PIN) must stay unread for the command. */
	size_t k = 0;
	int c, got = 0;
	while ((c = getchar()) != EOF) {
		got = 1;
		if (c == '\n')
			break;
		if (k + 1 < n)
			out[k++] = (char)c;
	}
	if (k && out[k - 1] == '\r')
		k--;
	out[k] = '\0';
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fputc('\n', stderr);
	}
	return got ? 0 : -1;
}

static const char *data_dir(void)
{
	static char path[4096];
	if (agent.data_dir)
		return agent.data_dir;
	const char *env = getenv("FA_DATA");
	if (env && *env)
		return env;
	const char *home = getenv("HOME");
	snprintf(path, sizeof path, "%s/.local/share/field-agent", home ? home : ".");
	return path;
}

int agent_open(store *s, int unlock, err *e)
{
	int rc = store_open(s, data_dir(), 0, e);
	if (rc || !unlock)
		return rc;
	return agent_unlock(s, e);
}

int agent_unlock(store *s, err *e)
{
	int rc;
	char pin[STORE_PIN_MAX + 2];
	if (agent_read_secret(_("PIN: "), "FA_PIN", pin, sizeof pin)) {
		store_close(s);
		return err_set(e, ERR_AUTH, "%s", _("no PIN given"));
	}
	rc = store_unlock(s, pin, e);
	crypto_wipe(pin, sizeof pin);
	if (rc)
		store_close(s);
	return rc;
}

const char *agent_data_dir(void)
{
	return data_dir();
}
