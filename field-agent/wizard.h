/*
 * wizard: walks an assessment's instrument item by item at the kitchen
 * table. Every accepted answer is committed to the store (with the
 * position) before the next question is shown, so a dead battery loses at
 * most the answer being typed, and `field-agent resume` continues at the
 * exact item where it stopped.
 *
 * Line based: it works in an 80×24 terminal, on a small screen, and from
 * a pipe (scripted). Commands start with ':' — :b back, :s skip, :j
 * section, :r review, :n note, :p provisional result, :f finalise,
 * :q save and quit, :h help.
 */
#ifndef FA_WIZARD_H
#define FA_WIZARD_H

#include <stdio.h>

#include "inst.h"
#include "store.h"

enum {
	WIZ_FINALISED = 0, /* the assessment was finalised */
	WIZ_SAVED = 1,     /* saved as a draft (quit, or input ended) */
};

/* Runs the wizard on draft assessment_id. Returns WIZ_FINALISED,
 * WIZ_SAVED, or a negative error (storage failure) with e filled; answers
 * given before an error stay saved. */
int wiz_run(store *s, const instrument *in, const char *assessment_id, inst_lang lang,
	    FILE *input, FILE *output, err *e);

#endif
