/*
 * i18n: the user's language. Messages of the programs go through gettext
 * (catalogues in po/, domain "fieldassess"); labels of instruments are in
 * the instrument files themselves. One language choice drives both.
 */
#ifndef FA_I18N_H
#define FA_I18N_H

#include <libintl.h>

#include "inst.h"

#define _(s) gettext(s)
#define N_(s) (s)

/* Chooses the language: `forced` ("bg", "ro", "en") if not NULL, else the
 * first of $LANGUAGE, $LC_ALL, $LC_MESSAGES, $LANG that names bg, ro or
 * en; else English. Sets up gettext so that _() answers in it even when
 * the system has no such locale generated (UTF-8 output is assumed).
 * Returns the language chosen. */
inst_lang i18n_init(const char *forced);

#endif
