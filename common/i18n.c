/*
 * i18n: language choice and gettext set-up (see i18n.h).
 *
 * A field device may not have bg_BG or ro_RO locales generated; gettext
 * ignores $LANGUAGE only under the "C" locale, so when the user's locale
 * cannot be set we fall back to C.UTF-8 and select the catalogue through
 * $LANGUAGE.
 */
#include "i18n.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int lang_from_env(void)
{
	static const char *const vars[] = {"LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"};
	for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
		const char *v = getenv(vars[i]);
		if (v && *v) {
			int l = inst_lang_parse(v);
			if (l >= 0)
				return l;
			if (i > 0) /* a locale was set but is none of ours */
				return LANG_EN;
		}
	}
	return LANG_EN;
}

static const char *locale_dir(void)
{
	const char *env = getenv("FA_LOCALEDIR");
	if (env && *env)
		return env;
#if defined(FA_LOCALEDIR)
	/* an installed build (make install, the Debian packages) */
	return FA_LOCALEDIR;
#else
#ifdef FA_SOURCE_DIR
	if (access(FA_SOURCE_DIR "/build/locale", R_OK) == 0)
		return FA_SOURCE_DIR "/build/locale";
#endif
	return "/usr/share/locale";
#endif
}

inst_lang i18n_init(const char *forced)
{
	int l = forced ? inst_lang_parse(forced) : -1;
	if (l < 0)
		l = lang_from_env();
	/* Only the categories the agent uses: characters (UTF-8 on the
	 * terminal) and messages. Each one set is a locale file opened at
	 * every start; the others stay "C", and nothing here depends on
	 * them (dates and numbers are written in fixed formats). */
	if (!setlocale(LC_CTYPE, "") || !setlocale(LC_MESSAGES, "")) {
		setlocale(LC_CTYPE, "C.UTF-8");
		setlocale(LC_MESSAGES, "C.UTF-8");
	}
	const char *cur = setlocale(LC_MESSAGES, NULL);
	if (!cur || !strcmp(cur, "C") || !strcmp(cur, "POSIX") ||
	    strncmp(cur, inst_lang_code((inst_lang)l), 2) != 0) {
		if (!setlocale(LC_MESSAGES, "C.UTF-8"))
			setlocale(LC_MESSAGES, "");
		setlocale(LC_CTYPE, "C.UTF-8");
	}
	/* Numbers in files and on the wire always use a decimal point: never
	 * set from the environment (above), said here for whoever adds a
	 * category. */
	setlocale(LC_NUMERIC, "C");
	setenv("LANGUAGE", inst_lang_code((inst_lang)l), 1);
	bindtextdomain("fieldassess", locale_dir());
	bind_textdomain_codeset("fieldassess", "UTF-8");
	textdomain("fieldassess");
	return (inst_lang)l;
}
