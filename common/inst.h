/*
 * inst: instruments — questionnaires with their scoring, loaded from JSON
 * data files (docs/instrument-format.md) — and the evaluation of one
 * assessment against an instrument: validation of the answers, relevance
 * of items, computed values and outputs.
 *
 * An instrument, once loaded, is immutable and may be shared by threads.
 * Evaluation uses a per-caller inst_eval scratch object, so scoring a
 * million assessments allocates nothing per case.
 */
#ifndef FA_INST_H
#define FA_INST_H

#include <stddef.h>
#include <cjson/cJSON.h>

#include "err.h"
#include "expr.h"

/* Explicit limits on instrument files (see the format document). */
#define INST_MAX_FILE (1024 * 1024)
#define INST_MAX_DEPTH 32
#define INST_MAX_STRING 4096
#define INST_MAX_ID 64
#define INST_MAX_SECTIONS 64
#define INST_MAX_FIELDS 1024
#define INST_MAX_CHOICES 128
#define INST_MAX_TABLE_ROWS 256
#define INST_MAX_RANK_KEYS 8
#define INST_DEFAULT_TEXT 2000

typedef enum inst_lang { LANG_BG = 0, LANG_RO, LANG_EN, LANG_COUNT } inst_lang;

/* Language code ("bg", "ro", "en") → inst_lang; -1 if unknown. */
int inst_lang_parse(const char *code);
const char *inst_lang_code(inst_lang l);

typedef struct inst_label {
	const char *t[LANG_COUNT]; /* NULL when absent (hint is optional) */
} inst_label;

typedef enum inst_type {
	INST_SINGLE, INST_MULTIPLE, INST_INTEGER, INST_DECIMAL, INST_DATE,
	INST_TEXT, INST_YESNO, INST_CALC /* computed value or output */
} inst_type;

typedef enum inst_kind { INST_CONTEXT, INST_ITEM, INST_COMPUTED, INST_OUTPUT } inst_kind;

typedef struct inst_choice {
	expr_value value; /* EXPR_NUM or EXPR_STR */
	inst_label label;
} inst_choice;

typedef struct inst_rule {
	expr *when;
	expr_value value;
} inst_rule;

/* One slot of an assessment: a context field, an item, a computed value or
 * an output. Slot number = index in instrument.fields. */
typedef struct inst_field {
	const char *id;
	size_t id_len;
	inst_kind kind;
	inst_type type;
	int section;          /* items: index of their section; else -1 */
	inst_label label, hint, message;
	const inst_choice *choices;
	size_t nchoices;
	double min, max;
	int has_min, has_max;
	size_t max_length;
	int nullable;
	int required;         /* constant requirement when required_x is NULL */
	expr *required_x;
	expr *relevant;
	expr *constraint;
	const char *source[2]; /* context: path in the assessment object */
	/* computed/outputs */
	expr *x;
	const inst_rule *rules;
	size_t nrules;
	expr_value deflt;
	int show;
} inst_field;

typedef struct inst_section {
	const char *id;
	inst_label title;
	size_t first, count; /* fields[first .. first+count) are its items */
} inst_section;

typedef struct inst_rank_key {
	int slot;
	int desc;
	const char *const *priority; /* for string keys; NULL otherwise */
	size_t npriority;
} inst_rank_key;

typedef struct inst_ranking {
	int present;
	inst_rank_key keys[INST_MAX_RANK_KEYS];
	size_t nkeys;
	int ineligible_slot, child_slot, hours_slot;   /* -1 if not given */
	int report_points, report_daily, report_group; /* -1 if not given */
	long max_users;
	double children_share;
	int has_hours_budget;
	double hours_budget;
} inst_ranking;

typedef struct instrument instrument;
struct instrument {
	const char *id;
	int version;
	const char *path;
	inst_label title;
	const inst_field *fields;
	size_t nfields;
	const inst_section *sections;
	size_t nsections;
	const expr_table *tables;
	size_t ntables;
	inst_ranking ranking;
	size_t nlist_items; /* scratch needed for multiple-choice answers */
	void *priv;         /* arena and id index */
};

/* Loads and checks an instrument file. On success *out is owned by the
 * caller (inst_free). On failure returns ERR_IO/ERR_LIMIT/ERR_INVALID and
 * e names the file, the item and what is wrong. */
int inst_load_file(const char *path, instrument **out, err *e);

/* The same from text already in memory; name is used in messages. */
int inst_load_text(const char *name, const char *text, size_t len,
		   instrument **out, err *e);

void inst_free(instrument *in);

/* Slot of a field by id, or -1. */
int inst_slot(const instrument *in, const char *id, size_t len);

/* Finds "<dir>/<id>.v<version>.json" for each dir of a ':'-separated list;
 * falls back to inst_default_dirs(). Loads it into *out. */
int inst_load_by_id(const char *dirs, const char *id, int version,
		    instrument **out, err *e);

/* The default search path: $FA_INSTRUMENTS, the source tree's instruments/
 * (for a build that was not installed), PREFIX/share/fieldassess/instruments.
 * Static string. */
const char *inst_default_dirs(void);

/* --- evaluation -------------------------------------------------------- */

typedef struct inst_eval {
	const instrument *in;
	expr_value *slots;      /* nfields */
	unsigned char *given;   /* nfields: an answer was present */
	unsigned char *relevant;/* nfields: the item was asked */
	unsigned char *problem; /* nfields: scratch for validation */
	expr_value *list_items; /* backing store of multiple-choice answers */
	size_t list_used;
	int *hint;              /* nfields: slot of the k-th answer key last time */
	/* what evaluation reads per field, in small arrays (set by init) */
	unsigned char *flags;   /* nfields: INST_F_* */
	int *rel;               /* the fields with a relevance condition, in order */
	size_t nrel, first_calc;
} inst_eval;

int inst_eval_init(inst_eval *ev, const instrument *in);
void inst_eval_free(inst_eval *ev);

/* Fills the slots from one assessment in the exchange format (an object
 * with the envelope fields named by the context sources and an "answers"
 * object), validates every answer, and evaluates computed values and
 * outputs. Strings in the slots borrow from assessment, which must outlive
 * their use.
 *
 * Returns 0 when the assessment is valid; ERR_INVALID when it is not, with
 * e->msg "<field>: <problem>" in lang (the field-level problem of the first
 * item in file order); ERR_TYPE or ERR_INVALID from an expression failing
 * at run time (an instrument defect), with the field named. */
int inst_evaluate(inst_eval *ev, const cJSON *assessment, inst_lang lang, err *e);

/* The same for a draft: missing required answers are not an error (the
 * outputs that depend on them come out null); a given answer that is
 * wrong still is. Slot relevance (ev->relevant) tells a wizard what to
 * ask next. */
int inst_evaluate_draft(inst_eval *ev, const cJSON *assessment, inst_lang lang, err *e);

/* Checks one answer for the item in slot: type, range, choices, null
 * where not nullable. Constraints that involve other items are checked by
 * evaluating the draft with the answer in place. Returns 0 or ERR_INVALID
 * with "<item>: <problem>" in lang. */
int inst_check_value(inst_eval *ev, int slot, const cJSON *v, inst_lang lang, err *e);

/* Reads slot values after a successful inst_evaluate. */
static inline const expr_value *inst_value(const inst_eval *ev, int slot)
{
	return &ev->slots[slot];
}

/* The label of a field (or "" when absent), in lang with English fallback. */
const char *inst_text(const inst_label *l, inst_lang lang);

#endif
