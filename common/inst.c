/*
 * inst: loading instrument files and evaluating assessments (see inst.h and
 * docs/instrument-format.md).
 *
 * Loading is two passes over the JSON tree: the first declares every field
 * (so that an item's condition may name a later item), the second compiles
 * expressions with the visibility rules of the format. Everything an
 * instrument owns lives in one arena, freed at once by inst_free.
 */
#include "inst.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "json.h"

/* --- arena ------------------------------------------------------------- */

typedef struct arena_block {
	struct arena_block *next;
	size_t used, cap;
	max_align_t data[];
} arena_block;

typedef struct inst_priv {
	arena_block *blocks;
	int *index;        /* open addressing: slot+1, 0 = empty */
	size_t index_cap;  /* power of two */
	expr **exprs;      /* every compiled expression, for freeing */
	size_t nexprs, exprs_cap;
} inst_priv;

static void *arena_alloc(inst_priv *p, size_t n)
{
	n = (n + sizeof(max_align_t) - 1) & ~(sizeof(max_align_t) - 1);
	arena_block *b = p->blocks;
	if (!b || b->cap - b->used < n) {
		size_t cap = n > 65536 ? n : 65536;
		b = malloc(sizeof *b + cap);
		if (!b)
			return NULL;
		b->cap = cap;
		b->used = 0;
		b->next = p->blocks;
		p->blocks = b;
	}
	void *r = (char *)b->data + b->used;
	b->used += n;
	memset(r, 0, n);
	return r;
}

static const char *arena_strndup(inst_priv *p, const char *s, size_t n)
{
	char *d = arena_alloc(p, n + 1);
	if (!d)
		return NULL;
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

/* --- id index ---------------------------------------------------------- */

static uint64_t hash_id(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

int inst_slot(const instrument *in, const char *id, size_t len)
{
	const inst_priv *p = in->priv;
	size_t mask = p->index_cap - 1;
	for (size_t i = (size_t)(hash_id(id, len) & mask);; i = (i + 1) & mask) {
		int v = p->index[i];
		if (v == 0)
			return -1;
		const inst_field *f = &in->fields[v - 1];
		if (f->id_len == len && memcmp(f->id, id, len) == 0)
			return v - 1;
	}
}

#define INST_F_REQUIRED 1 /* inst_eval.flags: a constant requirement */
#define INST_F_SLOW 2     /* a requirement or a constraint to evaluate */

/* --- languages and labels ---------------------------------------------- */

static const char *const lang_codes[LANG_COUNT] = {"bg", "ro", "en"};

int inst_lang_parse(const char *code)
{
	for (int i = 0; i < LANG_COUNT; i++)
		if (code && strncmp(code, lang_codes[i], 2) == 0 &&
		    (code[2] == '\0' || code[2] == '_' || code[2] == '.' || code[2] == '-'))
			return i;
	return -1;
}

const char *inst_lang_code(inst_lang l)
{
	return (unsigned)l < LANG_COUNT ? lang_codes[l] : "en";
}

const char *inst_text(const inst_label *l, inst_lang lang)
{
	if ((unsigned)lang < LANG_COUNT && l->t[lang])
		return l->t[lang];
	return l->t[LANG_EN] ? l->t[LANG_EN] : "";
}

/* --- loader ------------------------------------------------------------ */

typedef struct loader {
	const char *name; /* file name for messages */
	instrument *in;
	inst_priv *p;
	inst_field *fields;
	size_t nfields;
	err *e;
	/* expression resolution */
	int visible_below; /* slots < this are visible; -1: all */
	int current;       /* slot of "." or -1 */
	int nquestions;    /* context fields + items: what conditions may see */
} loader;

#define FAIL(L, code, ...) \
	do { rc = err_set((L)->e, code, __VA_ARGS__); goto done; } while (0)

static int valid_id(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > INST_MAX_ID)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-'))
			return 0;
	}
	return 1;
}

/* Copies a JSON string member; NULL (no error) when absent and optional. */
static int get_str(loader *L, const cJSON *obj, const char *key, int required,
		   const char *where, const char **out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	*out = NULL;
	if (!v) {
		if (required)
			return err_set(L->e, ERR_INVALID, "%s: %s: \"%s\" is missing",
				       L->name, where, key);
		return 0;
	}
	if (!cJSON_IsString(v))
		return err_set(L->e, ERR_INVALID, "%s: %s: \"%s\" must be a string",
			       L->name, where, key);
	size_t n = strlen(v->valuestring);
	if (n > INST_MAX_STRING)
		return err_set(L->e, ERR_LIMIT, "%s: %s: \"%s\" is longer than %d bytes",
			       L->name, where, key, INST_MAX_STRING);
	*out = arena_strndup(L->p, v->valuestring, n);
	return *out ? 0 : err_set(L->e, ERR_NOMEM, "out of memory");
}

static int get_label(loader *L, const cJSON *obj, const char *key, int required,
		     const char *where, inst_label *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	memset(out, 0, sizeof *out);
	if (!v) {
		if (required)
			return err_set(L->e, ERR_INVALID, "%s: %s: \"%s\" is missing",
				       L->name, where, key);
		return 0;
	}
	if (!cJSON_IsObject(v))
		return err_set(L->e, ERR_INVALID,
			       "%s: %s: \"%s\" must be an object with bg, ro and en texts",
			       L->name, where, key);
	for (int i = 0; i < LANG_COUNT; i++) {
		char w[160];
		snprintf(w, sizeof w, "%s: \"%s\"", where, key);
		int rc = get_str(L, v, lang_codes[i], 1, w, &out->t[i]);
		if (rc)
			return rc;
		if (out->t[i][0] == '\0')
			return err_set(L->e, ERR_INVALID, "%s: %s: \"%s\".%s is empty",
				       L->name, where, key, lang_codes[i]);
	}
	return 0;
}

static int get_number(loader *L, const cJSON *obj, const char *key, const char *where,
		      int *has, double *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	*has = 0;
	if (!v || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble))
		return err_set(L->e, ERR_INVALID, "%s: %s: \"%s\" must be a number",
			       L->name, where, key);
	*has = 1;
	*out = v->valuedouble;
	return 0;
}

static int get_bool(loader *L, const cJSON *obj, const char *key, const char *where,
		    int dflt, int *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	*out = dflt;
	if (!v)
		return 0;
	if (!cJSON_IsBool(v))
		return err_set(L->e, ERR_INVALID, "%s: %s: \"%s\" must be true or false",
			       L->name, where, key);
	*out = cJSON_IsTrue(v);
	return 0;
}

/* A literal value of a choice, table row or rule: number, string, bool,
 * null. */
static int get_literal(loader *L, const cJSON *v, const char *where, expr_value *out)
{
	if (!v || cJSON_IsNull(v)) {
		*out = expr_null();
	} else if (cJSON_IsBool(v)) {
		*out = expr_bool(cJSON_IsTrue(v));
	} else if (cJSON_IsNumber(v) && isfinite(v->valuedouble)) {
		*out = expr_num(v->valuedouble);
	} else if (cJSON_IsString(v)) {
		size_t n = strlen(v->valuestring);
		if (n > INST_MAX_STRING)
			return err_set(L->e, ERR_LIMIT, "%s: %s: value too long", L->name, where);
		const char *s = arena_strndup(L->p, v->valuestring, n);
		if (!s)
			return err_set(L->e, ERR_NOMEM, "out of memory");
		*out = expr_str(s, n);
	} else {
		return err_set(L->e, ERR_INVALID,
			       "%s: %s: value must be a number, text, true/false or null",
			       L->name, where);
	}
	return 0;
}

static int resolve_name(void *ctx, const char *name, size_t len)
{
	loader *L = ctx;
	if (len == 1 && name[0] == '.')
		return L->current;
	int slot = inst_slot(L->in, name, len);
	if (slot < 0)
		return -1;
	if (L->visible_below >= 0 && slot >= L->visible_below)
		return -1;
	return slot;
}

static int compile(loader *L, const char *src, int visible_below, int current,
		   const char *where, const char *what, expr **out)
{
	*out = NULL;
	if (!src)
		return 0;
	L->visible_below = visible_below;
	L->current = current;
	expr_names names = {L, resolve_name, L->in->tables, L->in->ntables};
	err ee = {0, ""};
	int rc = expr_compile(src, strlen(src), &names, out, &ee);
	if (rc)
		return err_set(L->e, rc, "%s: %s: \"%s\": %s", L->name, where, what, ee.msg);
	inst_priv *p = L->p;
	if (p->nexprs == p->exprs_cap) {
		size_t cap = p->exprs_cap ? p->exprs_cap * 2 : 64;
		expr **n = realloc(p->exprs, cap * sizeof *n);
		if (!n) {
			expr_free(*out);
			*out = NULL;
			return err_set(L->e, ERR_NOMEM, "out of memory");
		}
		p->exprs = n;
		p->exprs_cap = cap;
	}
	p->exprs[p->nexprs++] = *out;
	return 0;
}

static const struct {
	const char *name;
	inst_type type;
} type_names[] = {
	{"single", INST_SINGLE}, {"multiple", INST_MULTIPLE}, {"integer", INST_INTEGER},
	{"decimal", INST_DECIMAL}, {"date", INST_DATE}, {"text", INST_TEXT},
	{"yesno", INST_YESNO},
};

static int add_field(loader *L, const cJSON *obj, inst_kind kind, int section,
		     const char *where_kind, size_t pos)
{
	int rc = 0;
	char where[200];
	if (L->nfields >= INST_MAX_FIELDS)
		return err_set(L->e, ERR_LIMIT, "%s: more than %d fields", L->name,
			       INST_MAX_FIELDS);
	if (!cJSON_IsObject(obj))
		return err_set(L->e, ERR_INVALID, "%s: %s #%zu: must be an object", L->name,
			       where_kind, pos);
	inst_field *f = &L->fields[L->nfields];
	memset(f, 0, sizeof *f);
	f->section = section;
	f->kind = kind;
	f->show = 1;
	snprintf(where, sizeof where, "%s #%zu", where_kind, pos);
	if ((rc = get_str(L, obj, "id", 1, where, &f->id)))
		return rc;
	if (!valid_id(f->id))
		return err_set(L->e, ERR_INVALID,
			       "%s: %s: id must be 1-%d characters of A-Z a-z 0-9 _ . -",
			       L->name, where, INST_MAX_ID);
	f->id_len = strlen(f->id);
	snprintf(where, sizeof where, "%s \"%s\"", where_kind, f->id);
	if (inst_slot(L->in, f->id, strlen(f->id)) >= 0)
		return err_set(L->e, ERR_INVALID, "%s: %s: duplicate id", L->name, where);
	L->nfields++;
	L->in->nfields = L->nfields;
	inst_priv *p = L->p;
	size_t mask = p->index_cap - 1;
	size_t i = (size_t)(hash_id(f->id, strlen(f->id)) & mask);
	while (p->index[i])
		i = (i + 1) & mask;
	p->index[i] = (int)L->nfields;

	if (kind == INST_COMPUTED || kind == INST_OUTPUT) {
		f->type = INST_CALC;
		if ((rc = get_label(L, obj, "label", kind == INST_OUTPUT, where, &f->label)))
			return rc;
		return get_bool(L, obj, "show", where, 1, &f->show);
	}
	const char *tname = NULL;
	if ((rc = get_str(L, obj, "type", 1, where, &tname)))
		return rc;
	size_t t;
	for (t = 0; t < sizeof type_names / sizeof type_names[0]; t++)
		if (strcmp(tname, type_names[t].name) == 0)
			break;
	if (t == sizeof type_names / sizeof type_names[0])
		return err_set(L->e, ERR_INVALID, "%s: %s: unknown type \"%s\"", L->name,
			       where, tname);
	f->type = type_names[t].type;
	if (kind == INST_CONTEXT) {
		const char *src = NULL;
		if ((rc = get_str(L, obj, "source", 1, where, &src)))
			return rc;
		const char *dot = strchr(src, '.');
		if (dot && strchr(dot + 1, '.'))
			return err_set(L->e, ERR_INVALID,
				       "%s: %s: source may have at most two keys", L->name, where);
		if (dot) {
			f->source[0] = arena_strndup(p, src, (size_t)(dot - src));
			f->source[1] = dot + 1;
		} else {
			f->source[0] = src;
		}
		if (!f->source[0] || !f->source[0][0] || (dot && !dot[1]))
			return err_set(L->e, ERR_INVALID, "%s: %s: bad source \"%s\"", L->name,
				       where, src);
	} else {
		if ((rc = get_label(L, obj, "label", 1, where, &f->label)) ||
		    (rc = get_label(L, obj, "hint", 0, where, &f->hint)))
			return rc;
	}
	const cJSON *req = cJSON_GetObjectItemCaseSensitive(obj, "required");
	if (req && !cJSON_IsBool(req) && !cJSON_IsString(req))
		return err_set(L->e, ERR_INVALID,
			       "%s: %s: \"required\" must be true, false or an expression",
			       L->name, where);
	f->required = req && cJSON_IsTrue(req);
	if ((rc = get_bool(L, obj, "nullable", where, 0, &f->nullable)))
		return rc;
	if ((rc = get_number(L, obj, "min", where, &f->has_min, &f->min)) ||
	    (rc = get_number(L, obj, "max", where, &f->has_max, &f->max)))
		return rc;
	if (f->type == INST_INTEGER && (!f->has_min || !f->has_max))
		return err_set(L->e, ERR_INVALID,
			       "%s: %s: an integer item needs \"min\" and \"max\"", L->name, where);
	if (f->has_min && f->has_max && f->max < f->min)
		return err_set(L->e, ERR_INVALID, "%s: %s: \"max\" (%g) is below \"min\" (%g)",
			       L->name, where, f->max, f->min);
	if ((f->has_min || f->has_max) && f->type != INST_INTEGER && f->type != INST_DECIMAL)
		return err_set(L->e, ERR_INVALID,
			       "%s: %s: \"min\"/\"max\" only apply to integer and decimal items",
			       L->name, where);
	int hasml;
	double ml;
	if ((rc = get_number(L, obj, "max_length", where, &hasml, &ml)))
		return rc;
	f->max_length = INST_DEFAULT_TEXT;
	if (hasml) {
		if (f->type != INST_TEXT || ml < 1 || ml > INST_MAX_STRING || ml != floor(ml))
			return err_set(L->e, ERR_INVALID,
				       "%s: %s: \"max_length\" must be an integer 1-%d on a text item",
				       L->name, where, INST_MAX_STRING);
		f->max_length = (size_t)ml;
	}
	return 0;
}

static int load_choices(loader *L, inst_field *f, const cJSON *obj, const cJSON *scales,
			const char *where)
{
	const cJSON *ch = cJSON_GetObjectItemCaseSensitive(obj, "choices");
	const cJSON *sc = cJSON_GetObjectItemCaseSensitive(obj, "scale");
	int want = f->type == INST_SINGLE || f->type == INST_MULTIPLE;
	if (!want) {
		if (ch || sc)
			return err_set(L->e, ERR_INVALID,
				       "%s: %s: only single and multiple items have choices",
				       L->name, where);
		return 0;
	}
	if (ch && sc)
		return err_set(L->e, ERR_INVALID, "%s: %s: give \"choices\" or \"scale\", not both",
			       L->name, where);
	if (sc) {
		if (!cJSON_IsString(sc))
			return err_set(L->e, ERR_INVALID, "%s: %s: \"scale\" must be a name",
				       L->name, where);
		ch = cJSON_GetObjectItemCaseSensitive(scales, sc->valuestring);
		if (!ch)
			return err_set(L->e, ERR_INVALID, "%s: %s: unknown scale \"%s\"", L->name,
				       where, sc->valuestring);
	}
	if (!cJSON_IsArray(ch) || cJSON_GetArraySize(ch) == 0)
		return err_set(L->e, ERR_INVALID, "%s: %s: needs a non-empty list of choices",
			       L->name, where);
	int n = cJSON_GetArraySize(ch);
	if (n > INST_MAX_CHOICES)
		return err_set(L->e, ERR_LIMIT, "%s: %s: more than %d choices", L->name, where,
			       INST_MAX_CHOICES);
	inst_choice *c = arena_alloc(L->p, (size_t)n * sizeof *c);
	if (!c)
		return err_set(L->e, ERR_NOMEM, "out of memory");
	int i = 0;
	const cJSON *it;
	cJSON_ArrayForEach(it, ch) {
		char w[200];
		snprintf(w, sizeof w, "%s: choice #%d", where, i + 1);
		if (!cJSON_IsObject(it))
			return err_set(L->e, ERR_INVALID, "%s: %s: must be an object", L->name, w);
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(it, "value");
		int rc;
		if (!v || !(cJSON_IsString(v) || cJSON_IsNumber(v)))
			return err_set(L->e, ERR_INVALID,
				       "%s: %s: \"value\" must be text or a number", L->name, w);
		if ((rc = get_literal(L, v, w, &c[i].value)) ||
		    (rc = get_label(L, it, "label", 1, w, &c[i].label)))
			return rc;
		for (int j = 0; j < i; j++)
			if (expr_value_equal(&c[j].value, &c[i].value))
				return err_set(L->e, ERR_INVALID, "%s: %s: duplicate value",
					       L->name, w);
		i++;
	}
	f->choices = c;
	f->nchoices = (size_t)n;
	if (f->type == INST_MULTIPLE)
		L->in->nlist_items += (size_t)n;
	return 0;
}

static int cmp_rows(const void *a, const void *b)
{
	double x = ((const expr_table_row *)a)->min, y = ((const expr_table_row *)b)->min;
	return (x > y) - (x < y);
}

static int load_tables(loader *L, const cJSON *tables)
{
	if (!tables)
		return 0;
	if (!cJSON_IsObject(tables))
		return err_set(L->e, ERR_INVALID, "%s: \"tables\" must be an object", L->name);
	int n = cJSON_GetArraySize(tables);
	if (n > INST_MAX_FIELDS)
		return err_set(L->e, ERR_LIMIT, "%s: too many tables", L->name);
	expr_table *t = arena_alloc(L->p, (size_t)(n ? n : 1) * sizeof *t);
	if (!t)
		return err_set(L->e, ERR_NOMEM, "out of memory");
	int k = 0;
	const cJSON *tab;
	cJSON_ArrayForEach(tab, tables) {
		char where[120];
		snprintf(where, sizeof where, "table \"%s\"", tab->string);
		if (!valid_id(tab->string))
			return err_set(L->e, ERR_INVALID, "%s: %s: bad table name", L->name, where);
		int nr = cJSON_GetArraySize(tab);
		if (!cJSON_IsArray(tab) || nr == 0)
			return err_set(L->e, ERR_INVALID, "%s: %s: must be a non-empty list of rows",
				       L->name, where);
		if (nr > INST_MAX_TABLE_ROWS)
			return err_set(L->e, ERR_LIMIT, "%s: %s: more than %d rows", L->name, where,
				       INST_MAX_TABLE_ROWS);
		expr_table_row *rows = arena_alloc(L->p, (size_t)nr * sizeof *rows);
		if (!rows)
			return err_set(L->e, ERR_NOMEM, "out of memory");
		int r = 0;
		const cJSON *row;
		cJSON_ArrayForEach(row, tab) {
			char w[160];
			snprintf(w, sizeof w, "%s row #%d", where, r + 1);
			int has, rc;
			if (!cJSON_IsObject(row))
				return err_set(L->e, ERR_INVALID, "%s: %s: must be an object", L->name, w);
			if ((rc = get_number(L, row, "min", w, &has, &rows[r].min)))
				return rc;
			if (!has)
				return err_set(L->e, ERR_INVALID, "%s: %s: \"min\" is missing", L->name, w);
			if ((rc = get_literal(L, cJSON_GetObjectItemCaseSensitive(row, "value"), w,
					      &rows[r].value)))
				return rc;
			r++;
		}
		qsort(rows, (size_t)nr, sizeof *rows, cmp_rows);
		for (int i = 1; i < nr; i++)
			if (rows[i].min == rows[i - 1].min)
				return err_set(L->e, ERR_INVALID, "%s: %s: two rows with min %g",
					       L->name, where, rows[i].min);
		t[k].name = arena_strndup(L->p, tab->string, strlen(tab->string));
		t[k].rows = rows;
		t[k].n = (size_t)nr;
		k++;
	}
	L->in->tables = t;
	L->in->ntables = (size_t)k;
	return 0;
}

/* Second pass over an item: conditions and choices. */
static int finish_item(loader *L, int slot, const cJSON *obj, const cJSON *scales)
{
	inst_field *f = &L->fields[slot];
	char where[200];
	int rc;
	snprintf(where, sizeof where, "%s \"%s\"", f->kind == INST_CONTEXT ? "context" : "item",
		 f->id);
	if ((rc = load_choices(L, f, obj, scales, where)))
		return rc;
	const char *s = NULL;
	const cJSON *req = cJSON_GetObjectItemCaseSensitive(obj, "required");
	if (cJSON_IsString(req) &&
	    (rc = compile(L, req->valuestring, L->nquestions, -1, where,
			  "required", &f->required_x)))
		return rc;
	/* relevance may depend only on what comes before: then one pass in
	 * file order settles it (and a wizard can follow it as it goes) */
	if ((rc = get_str(L, obj, "relevant", 0, where, &s)) ||
	    (rc = compile(L, s, slot, -1, where, "relevant",
			  &f->relevant)))
		return rc;
	if ((rc = get_str(L, obj, "constraint", 0, where, &s)) ||
	    (rc = compile(L, s, L->nquestions, slot, where, "constraint",
			  &f->constraint)))
		return rc;
	if ((rc = get_label(L, obj, "message", f->constraint != NULL, where, &f->message)))
		return rc;
	return 0;
}

static int finish_calc(loader *L, int slot, const cJSON *obj)
{
	inst_field *f = &L->fields[slot];
	char where[200];
	int rc;
	snprintf(where, sizeof where, "%s \"%s\"",
		 f->kind == INST_OUTPUT ? "output" : "computed", f->id);
	const char *s = NULL;
	const cJSON *rules = cJSON_GetObjectItemCaseSensitive(obj, "rules");
	if ((rc = get_str(L, obj, "expr", 0, where, &s)))
		return rc;
	if ((s != NULL) == (rules != NULL))
		return err_set(L->e, ERR_INVALID, "%s: %s: needs exactly one of \"expr\" or \"rules\"",
			       L->name, where);
	if (s)
		return compile(L, s, slot, -1, where, "expr", &f->x);
	int n = cJSON_GetArraySize(rules);
	if (!cJSON_IsArray(rules) || n == 0 || n > INST_MAX_CHOICES)
		return err_set(L->e, ERR_INVALID, "%s: %s: \"rules\" must be a list of 1-%d rules",
			       L->name, where, INST_MAX_CHOICES);
	inst_rule *r = arena_alloc(L->p, (size_t)n * sizeof *r);
	if (!r)
		return err_set(L->e, ERR_NOMEM, "out of memory");
	int i = 0;
	const cJSON *it;
	cJSON_ArrayForEach(it, rules) {
		char w[220];
		snprintf(w, sizeof w, "%s rule #%d", where, i + 1);
		if (!cJSON_IsObject(it))
			return err_set(L->e, ERR_INVALID, "%s: %s: must be an object", L->name, w);
		if ((rc = get_literal(L, cJSON_GetObjectItemCaseSensitive(it, "value"), w,
				      &r[i].value)) ||
		    (rc = get_str(L, it, "when", 1, w, &s)) ||
		    (rc = compile(L, s, slot, -1, w, "when", &r[i].when)))
			return rc;
		i++;
	}
	f->rules = r;
	f->nrules = (size_t)n;
	return get_literal(L, cJSON_GetObjectItemCaseSensitive(obj, "default"), where,
			   &f->deflt);
}

static int ref_slot(loader *L, const cJSON *obj, const char *key, int required,
		    const char *where, int *slot)
{
	const char *s = NULL;
	int rc = get_str(L, obj, key, required, where, &s);
	*slot = -1;
	if (rc || !s)
		return rc;
	*slot = inst_slot(L->in, s, strlen(s));
	if (*slot < 0)
		return err_set(L->e, ERR_INVALID, "%s: %s: \"%s\" names unknown field \"%s\"",
			       L->name, where, key, s);
	return 0;
}

static int load_ranking(loader *L, const cJSON *rk, const cJSON *al)
{
	inst_ranking *R = &L->in->ranking;
	int rc;
	R->max_users = 150;
	R->children_share = 0.25;
	if (!rk)
		return 0;
	if (!cJSON_IsObject(rk))
		return err_set(L->e, ERR_INVALID, "%s: \"ranking\" must be an object", L->name);
	R->present = 1;
	const cJSON *keys = cJSON_GetObjectItemCaseSensitive(rk, "key");
	int n = cJSON_GetArraySize(keys);
	if (!cJSON_IsArray(keys) || n < 1 || n > INST_MAX_RANK_KEYS)
		return err_set(L->e, ERR_INVALID, "%s: ranking: \"key\" must list 1-%d fields",
			       L->name, INST_MAX_RANK_KEYS);
	const cJSON *k;
	cJSON_ArrayForEach(k, keys) {
		char w[64];
		snprintf(w, sizeof w, "ranking key #%zu", R->nkeys + 1);
		inst_rank_key *key = &R->keys[R->nkeys];
		const char *order = NULL;
		if (!cJSON_IsObject(k))
			return err_set(L->e, ERR_INVALID, "%s: %s: must be an object", L->name, w);
		if ((rc = ref_slot(L, k, "output", 1, w, &key->slot)) ||
		    (rc = get_str(L, k, "order", 1, w, &order)))
			return rc;
		if (strcmp(order, "asc") && strcmp(order, "desc"))
			return err_set(L->e, ERR_INVALID, "%s: %s: \"order\" must be asc or desc",
				       L->name, w);
		key->desc = strcmp(order, "desc") == 0;
		const cJSON *pr = cJSON_GetObjectItemCaseSensitive(k, "priority");
		if (pr) {
			int np = cJSON_GetArraySize(pr);
			if (!cJSON_IsArray(pr) || np < 1 || np > INST_MAX_CHOICES)
				return err_set(L->e, ERR_INVALID,
					       "%s: %s: \"priority\" must be a list of values",
					       L->name, w);
			const char **list = arena_alloc(L->p, (size_t)np * sizeof *list);
			if (!list)
				return err_set(L->e, ERR_NOMEM, "out of memory");
			int i = 0;
			const cJSON *it;
			cJSON_ArrayForEach(it, pr) {
				if (!cJSON_IsString(it))
					return err_set(L->e, ERR_INVALID,
						       "%s: %s: priority #%d must be text",
						       L->name, w, i + 1);
				list[i++] = arena_strndup(L->p, it->valuestring,
							  strlen(it->valuestring));
			}
			key->priority = list;
			key->npriority = (size_t)np;
		}
		R->nkeys++;
	}
	if ((rc = ref_slot(L, rk, "ineligible", 0, "ranking", &R->ineligible_slot)) ||
	    (rc = ref_slot(L, rk, "child", 0, "ranking", &R->child_slot)) ||
	    (rc = ref_slot(L, rk, "hours", 0, "ranking", &R->hours_slot)))
		return rc;
	R->report_points = R->report_daily = R->report_group = -1;
	const cJSON *rep = cJSON_GetObjectItemCaseSensitive(rk, "report");
	if (rep && ((rc = ref_slot(L, rep, "points", 0, "ranking report", &R->report_points)) ||
		    (rc = ref_slot(L, rep, "daily_hours", 0, "ranking report", &R->report_daily)) ||
		    (rc = ref_slot(L, rep, "group", 0, "ranking report", &R->report_group))))
		return rc;
	if (!al)
		return 0;
	if (!cJSON_IsObject(al))
		return err_set(L->e, ERR_INVALID, "%s: \"allocation\" must be an object", L->name);
	int has;
	double v;
	if ((rc = get_number(L, al, "max_users", "allocation", &has, &v)))
		return rc;
	if (has) {
		if (v < 0 || v > 1e9 || v != floor(v))
			return err_set(L->e, ERR_INVALID,
				       "%s: allocation: max_users must be a whole number >= 0", L->name);
		R->max_users = (long)v;
	}
	if ((rc = get_number(L, al, "children_share", "allocation", &has, &v)))
		return rc;
	if (has) {
		if (v < 0 || v > 1)
			return err_set(L->e, ERR_INVALID,
				       "%s: allocation: children_share must be 0-1", L->name);
		R->children_share = v;
	}
	if ((rc = get_number(L, al, "hours_budget", "allocation", &R->has_hours_budget,
			     &R->hours_budget)))
		return rc;
	return 0;
}

static void priv_free(inst_priv *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->nexprs; i++)
		expr_free(p->exprs[i]);
	free(p->exprs);
	free(p->index);
	arena_block *b = p->blocks;
	while (b) {
		arena_block *n = b->next;
		free(b);
		b = n;
	}
	free(p);
}

void inst_free(instrument *in)
{
	if (!in)
		return;
	priv_free(in->priv);
	free(in);
}

/* Visits the objects of a list member, calling fn for each. */
static int each(loader *L, const cJSON *list, const char *what, size_t max,
		int (*fn)(loader *, const cJSON *, void *), void *arg)
{
	if (!list)
		return 0;
	if (!cJSON_IsArray(list))
		return err_set(L->e, ERR_INVALID, "%s: \"%s\" must be a list", L->name, what);
	if ((size_t)cJSON_GetArraySize(list) > max)
		return err_set(L->e, ERR_LIMIT, "%s: more than %zu %s", L->name, max, what);
	const cJSON *it;
	cJSON_ArrayForEach(it, list) {
		int rc = fn(L, it, arg);
		if (rc)
			return rc;
	}
	return 0;
}

typedef struct decl_arg {
	inst_kind kind;
	const char *what;
	size_t pos;
} decl_arg;

static int declare_one(loader *L, const cJSON *obj, void *arg)
{
	decl_arg *d = arg;
	return add_field(L, obj, d->kind, -1, d->what, ++d->pos);
}

int inst_load_text(const char *name, const char *text, size_t len, instrument **out,
		   err *e)
{
	int rc = 0;
	cJSON *root = NULL;
	*out = NULL;
	loader L0 = {0};
	loader *L = &L0;
	L->name = name;
	L->e = e;
	instrument *in = calloc(1, sizeof *in);
	inst_priv *p = calloc(1, sizeof *p);
	if (!in || !p) {
		free(in);
		free(p);
		return err_set(e, ERR_NOMEM, "out of memory");
	}
	in->priv = p;
	L->in = in;
	L->p = p;
	p->index_cap = 4096; /* > 2 × INST_MAX_FIELDS: probes stay short */
	p->index = calloc(p->index_cap, sizeof *p->index);
	L->fields = arena_alloc(p, INST_MAX_FIELDS * sizeof *L->fields);
	if (!p->index || !L->fields)
		FAIL(L, ERR_NOMEM, "out of memory");
	in->fields = L->fields;

	static const json_limits lim = {INST_MAX_FILE, INST_MAX_DEPTH, INST_MAX_STRING};
	if ((rc = json_parse(text, len, &lim, &root, e))) {
		err_prefix(e, rc, "%s", name);
		goto done;
	}
	if (!cJSON_IsObject(root))
		FAIL(L, ERR_INVALID, "%s: the instrument must be a JSON object", name);
	const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(root, "format");
	if (!cJSON_IsNumber(fmt) || fmt->valuedouble != 1)
		FAIL(L, ERR_INVALID, "%s: \"format\" must be 1 (this program reads format 1)", name);
	if ((rc = get_str(L, root, "id", 1, "instrument", &in->id)))
		goto done;
	if (!valid_id(in->id))
		FAIL(L, ERR_INVALID, "%s: \"id\" must be 1-%d characters of A-Z a-z 0-9 _ . -",
		     name, INST_MAX_ID);
	const cJSON *ver = cJSON_GetObjectItemCaseSensitive(root, "version");
	if (!cJSON_IsNumber(ver) || ver->valuedouble < 1 || ver->valuedouble > 1e6 ||
	    ver->valuedouble != floor(ver->valuedouble))
		FAIL(L, ERR_INVALID, "%s: \"version\" must be a whole number >= 1", name);
	in->version = (int)ver->valuedouble;
	if ((rc = get_label(L, root, "title", 1, "instrument", &in->title)))
		goto done;
	in->path = arena_strndup(p, name, strlen(name));

	const cJSON *scales = cJSON_GetObjectItemCaseSensitive(root, "scales");
	if (scales && !cJSON_IsObject(scales))
		FAIL(L, ERR_INVALID, "%s: \"scales\" must be an object", name);
	if ((rc = load_tables(L, cJSON_GetObjectItemCaseSensitive(root, "tables"))))
		goto done;

	/* Pass 1: declare every field in slot order. */
	const cJSON *context = cJSON_GetObjectItemCaseSensitive(root, "context");
	const cJSON *sections = cJSON_GetObjectItemCaseSensitive(root, "sections");
	const cJSON *computed = cJSON_GetObjectItemCaseSensitive(root, "computed");
	const cJSON *outputs = cJSON_GetObjectItemCaseSensitive(root, "outputs");
	decl_arg dctx = {INST_CONTEXT, "context", 0};
	if ((rc = each(L, context, "context", INST_MAX_FIELDS, declare_one, &dctx)))
		goto done;
	int nsec = cJSON_GetArraySize(sections);
	if (!cJSON_IsArray(sections) || nsec < 1)
		FAIL(L, ERR_INVALID, "%s: \"sections\" must be a non-empty list", name);
	if (nsec > INST_MAX_SECTIONS)
		FAIL(L, ERR_LIMIT, "%s: more than %d sections", name, INST_MAX_SECTIONS);
	inst_section *secs = arena_alloc(p, (size_t)nsec * sizeof *secs);
	if (!secs)
		FAIL(L, ERR_NOMEM, "out of memory");
	int si = 0;
	size_t item_pos = 0;
	const cJSON *sec;
	cJSON_ArrayForEach(sec, sections) {
		char where[80];
		snprintf(where, sizeof where, "section #%d", si + 1);
		if (!cJSON_IsObject(sec))
			FAIL(L, ERR_INVALID, "%s: %s: must be an object", name, where);
		if ((rc = get_str(L, sec, "id", 1, where, &secs[si].id)) ||
		    (rc = get_label(L, sec, "title", 1, where, &secs[si].title)))
			goto done;
		if (!valid_id(secs[si].id))
			FAIL(L, ERR_INVALID, "%s: %s: id must be 1-%d characters of A-Z a-z 0-9 _ . -",
			     name, where, INST_MAX_ID);
		const cJSON *items = cJSON_GetObjectItemCaseSensitive(sec, "items");
		if (!cJSON_IsArray(items))
			FAIL(L, ERR_INVALID, "%s: section \"%s\": \"items\" must be a list", name,
			     secs[si].id);
		secs[si].first = L->nfields;
		const cJSON *it;
		cJSON_ArrayForEach(it, items) {
			if ((rc = add_field(L, it, INST_ITEM, si, "item", ++item_pos)))
				goto done;
		}
		secs[si].count = L->nfields - secs[si].first;
		si++;
	}
	in->sections = secs;
	in->nsections = (size_t)nsec;
	decl_arg dcomp = {INST_COMPUTED, "computed", 0}, dout = {INST_OUTPUT, "output", 0};
	if ((rc = each(L, computed, "computed", INST_MAX_FIELDS, declare_one, &dcomp)) ||
	    (rc = each(L, outputs, "outputs", INST_MAX_FIELDS, declare_one, &dout)))
		goto done;
	size_t nquestions = L->nfields;
	{
		size_t ncalc = 0;
		for (size_t i = 0; i < L->nfields; i++)
			if (L->fields[i].type == INST_CALC)
				ncalc++;
		nquestions = L->nfields - ncalc;
	}

	/* Pass 2: conditions, choices and expressions. Items see every
	 * context field and item; a computed value or output sees those and
	 * the calculations before it. */
	L->nquestions = (int)nquestions;
	size_t slot = 0;
	const cJSON *it;
	cJSON_ArrayForEach(it, context) {
		if ((rc = finish_item(L, (int)slot++, it, scales)))
			goto done;
	}
	cJSON_ArrayForEach(sec, sections) {
		const cJSON *items = cJSON_GetObjectItemCaseSensitive(sec, "items");
		cJSON_ArrayForEach(it, items) {
			if ((rc = finish_item(L, (int)slot++, it, scales)))
				goto done;
		}
	}
	cJSON_ArrayForEach(it, computed) {
		if ((rc = finish_calc(L, (int)slot++, it)))
			goto done;
	}
	cJSON_ArrayForEach(it, outputs) {
		if ((rc = finish_calc(L, (int)slot++, it)))
			goto done;
	}
	if ((rc = load_ranking(L, cJSON_GetObjectItemCaseSensitive(root, "ranking"),
			       cJSON_GetObjectItemCaseSensitive(root, "allocation"))))
		goto done;
	*out = in;
	in = NULL;
done:
	cJSON_Delete(root);
	if (in)
		inst_free(in);
	return rc;
}

int inst_load_file(const char *path, instrument **out, err *e)
{
	buf b = BUF_INIT;
	*out = NULL;
	int rc = buf_read_file(&b, path, INST_MAX_FILE, e);
	if (rc == 0)
		rc = inst_load_text(path, b.data, b.len, out, e);
	buf_free(&b);
	return rc;
}

const char *inst_default_dirs(void)
{
	const char *env = getenv("FA_INSTRUMENTS");
	if (env && *env)
		return env;
#if defined(FA_DATADIR)
	/* an installed build (make install, the Debian packages) */
	return FA_DATADIR "/instruments";
#elif defined(FA_SOURCE_DIR)
	return FA_SOURCE_DIR "/instruments:/usr/local/share/fieldassess/instruments:"
			     "/usr/share/fieldassess/instruments";
#else
	return "/usr/local/share/fieldassess/instruments:/usr/share/fieldassess/instruments";
#endif
}

int inst_load_by_id(const char *dirs, const char *id, int version, instrument **out,
		    err *e)
{
	*out = NULL;
	if (!valid_id(id))
		return err_set(e, ERR_INVALID, "bad instrument id");
	if (!dirs)
		dirs = inst_default_dirs();
	const char *d = dirs;
	while (*d) {
		const char *end = strchr(d, ':');
		size_t n = end ? (size_t)(end - d) : strlen(d);
		char path[4096];
		snprintf(path, sizeof path, "%.*s/%s.v%d.json", (int)n, d, id, version);
		FILE *f = fopen(path, "rb");
		if (f) {
			fclose(f);
			return inst_load_file(path, out, e);
		}
		d += n;
		if (*d == ':')
			d++;
	}
	return err_set(e, ERR_NOTFOUND, "instrument %s version %d not found (searched %s)",
		       id, version, dirs);
}

/* --- evaluation -------------------------------------------------------- */

int inst_eval_init(inst_eval *ev, const instrument *in)
{
	memset(ev, 0, sizeof *ev);
	ev->in = in;
	ev->slots = calloc(in->nfields ? in->nfields : 1, sizeof *ev->slots);
	ev->given = calloc(in->nfields ? in->nfields : 1, 1);
	ev->relevant = calloc(in->nfields ? in->nfields : 1, 1);
	ev->problem = calloc(in->nfields ? in->nfields : 1, 1);
	ev->list_items = calloc(in->nlist_items ? in->nlist_items : 1, sizeof *ev->list_items);
	ev->hint = malloc((in->nfields ? in->nfields : 1) * sizeof *ev->hint);
	ev->flags = calloc(in->nfields ? in->nfields : 1, 1);
	ev->rel = malloc((in->nfields ? in->nfields : 1) * sizeof *ev->rel);
	if (!ev->slots || !ev->given || !ev->relevant || !ev->problem || !ev->list_items ||
	    !ev->hint || !ev->flags || !ev->rel) {
		inst_eval_free(ev);
		return ERR_NOMEM;
	}
	ev->first_calc = in->nfields;
	for (size_t i = 0; i < in->nfields; i++) {
		const inst_field *f = &in->fields[i];
		ev->hint[i] = -1;
		if (f->type == INST_CALC) {
			if (ev->first_calc == in->nfields)
				ev->first_calc = i;
			continue;
		}
		if (ev->first_calc < in->nfields)
			continue; /* only what comes before the first computed value is checked */
		ev->flags[i] = (unsigned char)((f->required ? INST_F_REQUIRED : 0) |
					       (f->required_x || f->constraint ? INST_F_SLOW : 0));
		if (f->relevant)
			ev->rel[ev->nrel++] = (int)i;
	}
	return 0;
}

void inst_eval_free(inst_eval *ev)
{
	free(ev->slots);
	free(ev->given);
	free(ev->relevant);
	free(ev->problem);
	free(ev->list_items);
	free(ev->hint);
	free(ev->flags);
	free(ev->rel);
	memset(ev, 0, sizeof *ev);
}

/* Problems found while reading answers, reported in file order. */
typedef enum problem {
	P_NONE, P_MISSING, P_INT, P_NUM, P_BOOL, P_DATE, P_TEXT, P_LIST, P_RANGE,
	P_CHOICE, P_LONG, P_DUPCHOICE, P_DUPKEY
} problem;

static const char *const problem_text[][LANG_COUNT] = {
	[P_MISSING] = {"липсва", "lipsește", "missing"},
	[P_INT] = {"очаква се цяло число", "se așteaptă un număr întreg", "expected an integer"},
	[P_NUM] = {"очаква се число", "se așteaptă un număr", "expected a number"},
	[P_BOOL] = {"очаква се да/не (true или false)", "se așteaptă da/nu (true sau false)",
		    "expected true or false"},
	[P_DATE] = {"очаква се дата ГГГГ-ММ-ДД", "se așteaptă o dată AAAA-LL-ZZ",
		    "expected a date YYYY-MM-DD"},
	[P_TEXT] = {"очаква се текст", "se așteaptă text", "expected text"},
	[P_LIST] = {"очаква се списък", "se așteaptă o listă", "expected a list"},
	[P_RANGE] = {"извън допустимия обхват", "în afara intervalului permis", "out of range"},
	[P_CHOICE] = {"не е от възможните отговори", "nu este una dintre variante",
		      "not one of the choices"},
	[P_LONG] = {"твърде дълъг текст", "text prea lung", "too long"},
	[P_DUPCHOICE] = {"повторен отговор", "variantă repetată", "duplicate choice"},
	[P_DUPKEY] = {"дадено два пъти", "dat de două ori", "given twice"},
};

static const char *problem_msg(problem p, inst_lang lang)
{
	return problem_text[p][(unsigned)lang < LANG_COUNT ? lang : LANG_EN];
}

/* The JSON type of a value that is not NULL (what cJSON_IsNumber() and
 * friends test, without a call into the library per answer). */
#define JTYPE(v) ((v)->type & 0xFF)

static int match_choice(const inst_field *f, const cJSON *v, expr_value *out)
{
	if (JTYPE(v) == cJSON_Number) {
		double d = v->valuedouble;
		/* a rating scale 0..k: the choice at index d is usually d */
		if (d >= 0 && d < (double)f->nchoices) {
			const expr_value *c = &f->choices[(size_t)d].value;
			if (c->type == EXPR_NUM && d == c->u.num) {
				*out = *c;
				return 1;
			}
		}
		for (size_t i = 0; i < f->nchoices; i++) {
			const expr_value *c = &f->choices[i].value;
			if (c->type == EXPR_NUM && d == c->u.num) {
				*out = *c;
				return 1;
			}
		}
	} else if (JTYPE(v) == cJSON_String && v->valuestring) {
		size_t len = strlen(v->valuestring);
		for (size_t i = 0; i < f->nchoices; i++) {
			const expr_value *c = &f->choices[i].value;
			if (c->type == EXPR_STR && len == c->u.str.len &&
			    memcmp(v->valuestring, c->u.str.s, len) == 0) {
				*out = *c;
				return 1;
			}
		}
	}
	return 0;
}

/* Converts one JSON answer to a slot value, or says what is wrong with it.
 * Range is checked here; requiredness and constraints later. */
static problem read_value(inst_eval *ev, const inst_field *f, const cJSON *v,
			  expr_value *out)
{
	int jt = JTYPE(v);
	if (jt == cJSON_NULL) {
		*out = expr_null();
		return P_NONE;
	}
	switch (f->type) {
	case INST_YESNO:
		if (jt != cJSON_True && jt != cJSON_False)
			return P_BOOL;
		*out = expr_bool(jt == cJSON_True);
		return P_NONE;
	case INST_INTEGER:
	case INST_DECIMAL:
		if (jt != cJSON_Number || !isfinite(v->valuedouble))
			return f->type == INST_INTEGER ? P_INT : P_NUM;
		if (f->type == INST_INTEGER && v->valuedouble != floor(v->valuedouble))
			return P_INT;
		if ((f->has_min && v->valuedouble < f->min) ||
		    (f->has_max && v->valuedouble > f->max))
			return P_RANGE;
		*out = expr_num(v->valuedouble);
		return P_NONE;
	case INST_TEXT:
		if (!cJSON_IsString(v))
			return P_TEXT;
		*out = expr_str(v->valuestring, strlen(v->valuestring));
		if (out->u.str.len > f->max_length)
			return P_LONG;
		return P_NONE;
	case INST_DATE: {
		long days;
		if (!cJSON_IsString(v) ||
		    expr_parse_date(v->valuestring, strlen(v->valuestring), &days))
			return P_DATE;
		*out = expr_str(v->valuestring, strlen(v->valuestring));
		return P_NONE;
	}
	case INST_SINGLE:
		if (jt != cJSON_Number && jt != cJSON_String)
			return P_CHOICE;
		return match_choice(f, v, out) ? P_NONE : P_CHOICE;
	case INST_MULTIPLE: {
		if (!cJSON_IsArray(v))
			return P_LIST;
		size_t n = (size_t)cJSON_GetArraySize(v);
		if (n > f->nchoices)
			return P_DUPCHOICE;
		expr_value *items = ev->list_items + ev->list_used;
		size_t k = 0;
		const cJSON *x;
		cJSON_ArrayForEach(x, v) {
			if (!match_choice(f, x, &items[k]))
				return P_CHOICE;
			for (size_t j = 0; j < k; j++)
				if (expr_value_equal(&items[j], &items[k]))
					return P_DUPCHOICE;
			k++;
		}
		ev->list_used += k;
		out->type = EXPR_LIST;
		out->u.list.items = items;
		out->u.list.n = k;
		return P_NONE;
	}
	case INST_CALC:
		break;
	}
	return P_TEXT;
}

static const cJSON *context_value(const cJSON *a, const inst_field *f)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(a, f->source[0]);
	if (v && f->source[1])
		v = cJSON_IsObject(v) ? cJSON_GetObjectItemCaseSensitive(v, f->source[1]) : NULL;
	return v;
}

static int field_error(err *e, const inst_field *f, problem p, inst_lang lang)
{
	if (f->kind == INST_CONTEXT)
		return err_set(e, ERR_INVALID, "%s%s%s: %s", f->source[0],
			       f->source[1] ? "." : "", f->source[1] ? f->source[1] : "",
			       problem_msg(p, lang));
	if (p == P_RANGE && f->has_min && f->has_max)
		return err_set(e, ERR_INVALID, "%s: %s %g-%g", f->id, problem_msg(p, lang),
			       f->min, f->max);
	return err_set(e, ERR_INVALID, "%s: %s", f->id, problem_msg(p, lang));
}

static const cJSON empty_answers = {NULL, NULL, NULL, cJSON_Object, NULL, 0, 0, NULL};

static int evaluate(inst_eval *ev, const cJSON *a, inst_lang lang, int draft, err *e)
{
	const instrument *in = ev->in;
	size_t n = in->nfields;
	expr_scope scope = {ev->slots, n, in->tables, in->ntables};
	unsigned char *prob = ev->problem;
	int rc;

	ev->list_used = 0;
	memset(ev->given, 0, n);
	memset(prob, 0, n);
	memset(ev->slots, 0, n * sizeof *ev->slots); /* all null: EXPR_NULL is 0 */
	if (!cJSON_IsObject(a))
		return err_set(e, ERR_INVALID, "the assessment must be a JSON object");

	/* Read context fields and answers into slots; remember problems. */
	for (size_t i = 0; i < n && in->fields[i].kind == INST_CONTEXT; i++) {
		const cJSON *v = context_value(a, &in->fields[i]);
		if (v) {
			ev->given[i] = !cJSON_IsNull(v);
			prob[i] = (unsigned char)read_value(ev, &in->fields[i], v, &ev->slots[i]);
		}
	}
	const cJSON *answers = cJSON_GetObjectItemCaseSensitive(a, "answers");
	if (!answers && draft)
		answers = &empty_answers;
	if (!cJSON_IsObject(answers))
		return err_set(e, ERR_INVALID, "answers: %s",
			       answers ? problem_msg(P_TEXT, lang) : problem_msg(P_MISSING, lang));
	const cJSON *v;
	size_t k = 0;
	cJSON_ArrayForEach(v, answers) {
		/* Answers mostly come in the order of the previous assessment:
		 * the slot the k-th key had then is tried before the index. */
		size_t klen = strlen(v->string);
		int s = k < n ? ev->hint[k] : -1;
		if (s < 0 || in->fields[s].id_len != klen ||
		    memcmp(in->fields[s].id, v->string, klen) != 0) {
			s = inst_slot(in, v->string, klen);
			if (k < n)
				ev->hint[k] = s;
		}
		k++;
		if (s < 0 || in->fields[s].kind != INST_ITEM)
			return err_set(e, ERR_INVALID, "answers.%.64s: %s", v->string,
				       lang == LANG_BG ? "непознат въпрос" :
				       lang == LANG_RO ? "întrebare necunoscută" : "unknown item");
		if (ev->given[s] || prob[s]) {
			prob[s] = P_DUPKEY;
			continue;
		}
		ev->given[s] = 1;
		prob[s] = (unsigned char)read_value(ev, &in->fields[s], v, &ev->slots[s]);
		if (prob[s] == P_NONE && ev->slots[s].type == EXPR_NULL && !in->fields[s].nullable)
			ev->given[s] = 0;
	}

	/* Check in file order: relevance, requiredness, type and range,
	 * constraint. An item that is not relevant is null for everything
	 * that follows, whatever was answered. */
	size_t nchk = ev->first_calc;
	memset(ev->relevant, 1, nchk);
	for (size_t r = 0; r < ev->nrel; r++) {
		size_t i = (size_t)ev->rel[r];
		const inst_field *f = &in->fields[i];
		int relevant = 1;
		if ((rc = expr_eval_bool(f->relevant, &scope, &relevant, e)))
			return err_prefix(e, rc, "%s: relevant", f->id);
		ev->relevant[i] = (unsigned char)relevant;
		if (!relevant)
			ev->slots[i] = expr_null();
	}
	/* Relevance refers only to earlier items, so after the pass above
	 * every value is final; now check what was asked. The common case
	 * (a constant requirement, no constraint) reads only byte arrays. */
	const unsigned char *flags = ev->flags;
	for (size_t i = 0; i < nchk; i++) {
		if (!ev->relevant[i])
			continue;
		if (prob[i])
			return field_error(e, &in->fields[i], (problem)prob[i], lang);
		if (!(flags[i] & INST_F_SLOW)) {
			if ((flags[i] & INST_F_REQUIRED) && !ev->given[i] && !draft)
				return field_error(e, &in->fields[i], P_MISSING, lang);
			continue;
		}
		const inst_field *f = &in->fields[i];
		int required = f->required;
		if (f->required_x && (rc = expr_eval_bool(f->required_x, &scope, &required, e)))
			return err_prefix(e, rc, "%s: required", f->id);
		if (required && !ev->given[i] && !draft)
			return field_error(e, f, P_MISSING, lang);
		if (f->constraint && ev->slots[i].type != EXPR_NULL) {
			int ok;
			if ((rc = expr_eval_bool(f->constraint, &scope, &ok, e)))
				return err_prefix(e, rc, "%s: constraint", f->id);
			if (!ok)
				return err_set(e, ERR_INVALID, "%s: %s", f->id,
					       inst_text(&f->message, lang));
		}
	}

	/* Computed values and outputs, in file order. */
	for (size_t i = ev->first_calc; i < n; i++) {
		const inst_field *f = &in->fields[i];
		if (f->type != INST_CALC)
			continue;
		/* In a draft, a value that cannot be computed yet (a division by
		 * the number of items answered so far, say) is simply null. */
		if (f->x) {
			if ((rc = expr_eval(f->x, &scope, &ev->slots[i], e))) {
				if (!draft)
					return err_prefix(e, rc, "%s", f->id);
				ev->slots[i] = expr_null();
			}
			continue;
		}
		ev->slots[i] = f->deflt;
		for (size_t r = 0; r < f->nrules; r++) {
			int hit;
			if ((rc = expr_eval_bool(f->rules[r].when, &scope, &hit, e))) {
				if (!draft)
					return err_prefix(e, rc, "%s: rule #%zu", f->id, r + 1);
				hit = 0;
			}
			if (hit) {
				ev->slots[i] = f->rules[r].value;
				break;
			}
		}
	}
	return 0;
}

int inst_evaluate(inst_eval *ev, const cJSON *a, inst_lang lang, err *e)
{
	return evaluate(ev, a, lang, 0, e);
}

int inst_evaluate_draft(inst_eval *ev, const cJSON *a, inst_lang lang, err *e)
{
	return evaluate(ev, a, lang, 1, e);
}

int inst_check_value(inst_eval *ev, int slot, const cJSON *v, inst_lang lang, err *e)
{
	const inst_field *f = &ev->in->fields[slot];
	expr_value tmp;
	size_t used = ev->list_used;
	problem p = read_value(ev, f, v, &tmp);
	ev->list_used = used; /* the scratch was only borrowed */
	if (p == P_NONE && cJSON_IsNull(v) && !f->nullable)
		p = P_MISSING;
	return p == P_NONE ? 0 : field_error(e, f, p, lang);
}
