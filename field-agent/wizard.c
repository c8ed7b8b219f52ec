/*
 * wizard: the assessment dialogue (see wizard.h).
 *
 * The draft lives in memory as an exchange-format document (cJSON) whose
 * answers mirror the store; the instrument engine evaluates it after each
 * change, which gives relevance (what to ask next), constraint checks and
 * the provisional result with the same code the server uses.
 */
#include "wizard.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "i18n.h"
#include "ui.h"

#define WIZ_MAX_LINE 4096

typedef struct wiz {
	store *s;
	const instrument *in;
	const char *id;
	inst_lang lang;
	FILE *input, *output;
	cJSON *doc;     /* the draft in the exchange format */
	cJSON *answers; /* borrowed from doc */
	inst_eval ev;
	size_t first, end; /* item slots [first, end) */
	buf out, line;
	err *e;
} wiz;

static int is_item(const wiz *w, size_t i)
{
	return i < w->in->nfields && w->in->fields[i].kind == INST_ITEM;
}

/* Re-evaluates the draft; relevance and outputs follow. */
static void evaluate(wiz *w)
{
	err ignored;
	inst_evaluate_draft(&w->ev, w->doc, w->lang, &ignored);
}

static size_t next_relevant(wiz *w, size_t from)
{
	size_t i = from;
	while (i < w->end && !w->ev.relevant[i])
		i++;
	return i;
}

static size_t prev_relevant(wiz *w, size_t from)
{
	size_t i = from;
	while (i > w->first) {
		i--;
		if (w->ev.relevant[i])
			return i;
	}
	return from;
}

static const char *section_title(const wiz *w, size_t slot)
{
	const inst_field *f = &w->in->fields[slot];
	return f->section >= 0 ? inst_text(&w->in->sections[f->section].title, w->lang) : "";
}

/* Appends the answer of slot as text for people. */
static void put_answer(wiz *w, buf *b, size_t slot)
{
	const inst_field *f = &w->in->fields[slot];
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(w->answers, f->id);
	if (!v) {
		buf_puts(b, "—");
		return;
	}
	if (cJSON_IsNull(v)) {
		buf_puts(b, _("none"));
	} else if (cJSON_IsBool(v)) {
		buf_puts(b, cJSON_IsTrue(v) ? _("yes") : _("no"));
	} else if (cJSON_IsNumber(v)) {
		if (v->valuedouble == floor(v->valuedouble) && fabs(v->valuedouble) < 1e15)
			buf_printf(b, "%.0f", v->valuedouble);
		else
			buf_printf(b, "%.2f", v->valuedouble);
		for (size_t c = 0; c < f->nchoices; c++)
			if (f->choices[c].value.type == EXPR_NUM &&
			    f->choices[c].value.u.num == v->valuedouble)
				buf_printf(b, " (%s)", inst_text(&f->choices[c].label, w->lang));
	} else if (cJSON_IsString(v)) {
		int shown = 0;
		for (size_t c = 0; c < f->nchoices; c++)
			if (f->choices[c].value.type == EXPR_STR &&
			    !strcmp(f->choices[c].value.u.str.s, v->valuestring)) {
				buf_puts(b, inst_text(&f->choices[c].label, w->lang));
				shown = 1;
			}
		if (!shown)
			buf_puts(b, v->valuestring);
	} else if (cJSON_IsArray(v)) {
		int n = 0;
		const cJSON *x;
		cJSON_ArrayForEach(x, v) {
			if (n++)
				buf_puts(b, ", ");
			for (size_t c = 0; c < f->nchoices; c++)
				if (cJSON_IsString(x) && f->choices[c].value.type == EXPR_STR &&
				    !strcmp(f->choices[c].value.u.str.s, x->valuestring))
					buf_puts(b, inst_text(&f->choices[c].label, w->lang));
		}
		if (!n)
			buf_puts(b, _("none"));
	}
}

static int item_required(wiz *w, size_t slot)
{
	const inst_field *f = &w->in->fields[slot];
	int req = f->required;
	if (f->required_x) {
		expr_scope sc = {w->ev.slots, w->in->nfields, w->in->tables, w->in->ntables};
		err ignored;
		if (expr_eval_bool(f->required_x, &sc, &req, &ignored))
			req = 0;
	}
	return req;
}

static void show_item(wiz *w, size_t slot)
{
	const inst_field *f = &w->in->fields[slot];
	buf *b = &w->out;
	char tag[48];
	size_t k = 0, n = 0;
	for (size_t i = w->first; i < w->end; i++) {
		if (!w->ev.relevant[i])
			continue;
		n++;
		if (i <= slot)
			k++;
	}
	snprintf(tag, sizeof tag, "%zu/%zu", k, n);
	buf_putc(b, '\n');
	ui_rule(b, section_title(w, slot), tag, UI_WIDTH);
	buf_printf(b, "%s  ", f->id);
	ui_wrap(b, inst_text(&f->label, w->lang), UI_WIDTH, 2);
	buf_putc(b, '\n');
	if (f->hint.t[LANG_EN]) {
		buf_puts(b, "  ");
		ui_wrap(b, inst_text(&f->hint, w->lang), UI_WIDTH, 2);
		buf_putc(b, '\n');
	}
	for (size_t c = 0; c < f->nchoices; c++) {
		const expr_value *v = &f->choices[c].value;
		if (v->type == EXPR_NUM)
			buf_printf(b, "  %3g  ", v->u.num);
		else
			buf_printf(b, "  %3zu) ", c + 1);
		ui_wrap(b, inst_text(&f->choices[c].label, w->lang), UI_WIDTH, 7);
		buf_putc(b, '\n');
	}
	switch (f->type) {
	case INST_YESNO: buf_printf(b, "  %s\n", _("answer: y = yes, n = no")); break;
	case INST_INTEGER:
	case INST_DECIMAL:
		buf_printf(b, "  %s", _("a number"));
		if (f->has_min && f->has_max)
			buf_printf(b, " %.15g-%.15g", f->min, f->max);
		buf_printf(b, "%s\n", f->nullable ? _("; - if there is none") : "");
		break;
	case INST_DATE: buf_printf(b, "  %s\n", _("a date: YYYY-MM-DD or DD.MM.YYYY")); break;
	case INST_MULTIPLE:
		buf_printf(b, "  %s\n", _("numbers separated by commas; - for none"));
		break;
	default: break;
	}
	if (cJSON_GetObjectItemCaseSensitive(w->answers, f->id)) {
		buf_printf(b, "  [%s: ", _("now"));
		put_answer(w, b, slot);
		buf_puts(b, "]  ");
		buf_puts(b, _("Enter keeps it"));
		buf_putc(b, '\n');
	}
	buf_puts(b, item_required(w, slot) ? "> " : _("(optional) > "));
	ui_flush(w->output, b);
}

static int parse_number(const char *s, double *out)
{
	char tmp[64];
	size_t n = strlen(s);
	if (n == 0 || n >= sizeof tmp)
		return -1;
	for (size_t i = 0; i <= n; i++) /* accept a decimal comma */
		tmp[i] = s[i] == ',' ? '.' : s[i];
	char *end;
	double v = strtod(tmp, &end);
	if (*end || !isfinite(v))
		return -1;
	*out = v;
	return 0;
}

static int word_in(const char *s, const char *const *words)
{
	for (; *words; words++)
		if (!strcasecmp(s, *words))
			return 1;
	return 0;
}

/* Turns what the assessor typed into an answer value; NULL with a message
 * when it cannot be read as the item's type. */
static cJSON *parse_answer(const inst_field *f, const char *s)
{
	static const char *const yes[] = {"y", "yes", "д", "да", "da", "1", "true", NULL};
	static const char *const no[] = {"n", "no", "н", "не", "nu", "0", "false", NULL};
	double num;
	if (f->nullable && !strcmp(s, "-"))
		return cJSON_CreateNull();
	switch (f->type) {
	case INST_YESNO:
		if (word_in(s, yes))
			return cJSON_CreateBool(1);
		if (word_in(s, no))
			return cJSON_CreateBool(0);
		return NULL;
	case INST_INTEGER:
	case INST_DECIMAL:
		return parse_number(s, &num) ? NULL : cJSON_CreateNumber(num);
	case INST_TEXT:
		return cJSON_CreateString(s);
	case INST_DATE: {
		int d, m, y;
		char iso[16];
		if (sscanf(s, "%2d.%2d.%4d", &d, &m, &y) == 3) {
			snprintf(iso, sizeof iso, "%04d-%02d-%02d", y, m, d);
			return cJSON_CreateString(iso);
		}
		return cJSON_CreateString(s);
	}
	case INST_SINGLE:
		for (size_t c = 0; c < f->nchoices; c++) {
			const expr_value *v = &f->choices[c].value;
			if (v->type == EXPR_STR && !strcmp(v->u.str.s, s))
				return cJSON_CreateString(v->u.str.s);
		}
		if (parse_number(s, &num))
			return NULL;
		if (f->nchoices && f->choices[0].value.type == EXPR_STR) {
			if (num >= 1 && num <= (double)f->nchoices && num == floor(num))
				return cJSON_CreateString(f->choices[(size_t)num - 1].value.u.str.s);
			return NULL;
		}
		return cJSON_CreateNumber(num);
	case INST_MULTIPLE: {
		cJSON *arr = cJSON_CreateArray();
		if (!strcmp(s, "-"))
			return arr;
		char tmp[WIZ_MAX_LINE];
		snprintf(tmp, sizeof tmp, "%s", s);
		for (char *save = NULL, *t = strtok_r(tmp, ", ", &save); t;
		     t = strtok_r(NULL, ", ", &save)) {
			cJSON *one = NULL;
			for (size_t c = 0; c < f->nchoices; c++) {
				const expr_value *v = &f->choices[c].value;
				if (v->type == EXPR_STR && !strcmp(v->u.str.s, t))
					one = cJSON_CreateString(v->u.str.s);
			}
			if (!one && !parse_number(t, &num) && num >= 1 && num <= (double)f->nchoices &&
			    num == floor(num) && f->choices[(size_t)num - 1].value.type == EXPR_STR)
				one = cJSON_CreateString(f->choices[(size_t)num - 1].value.u.str.s);
			if (!one) {
				cJSON_Delete(arr);
				return NULL;
			}
			cJSON_AddItemToArray(arr, one);
		}
		return arr;
	}
	case INST_CALC:
		break;
	}
	return NULL;
}

static void say(wiz *w, const char *msg)
{
	buf_puts(&w->out, "  ! ");
	buf_puts(&w->out, msg);
	buf_putc(&w->out, '\n');
	ui_flush(w->output, &w->out);
}

/* Puts value (owned, may be NULL to clear) into the draft and the store,
 * with the position that follows. Returns 0, 1 when refused by a
 * constraint (message shown), or a negative storage error. */
static int accept(wiz *w, size_t slot, cJSON *value, size_t *next)
{
	const inst_field *f = &w->in->fields[slot];
	err e = {0, ""};
	cJSON *old = cJSON_DetachItemFromObjectCaseSensitive(w->answers, f->id);
	if (value)
		cJSON_AddItemToObject(w->answers, f->id, value);
	if (inst_evaluate_draft(&w->ev, w->doc, w->lang, &e)) {
		/* the new answer breaks a rule: put the old one back */
		cJSON_DeleteItemFromObjectCaseSensitive(w->answers, f->id);
		if (old)
			cJSON_AddItemToObject(w->answers, f->id, old);
		evaluate(w);
		say(w, e.msg);
		return 1;
	}
	size_t n = next_relevant(w, slot + 1);
	const char *cursor = n < w->end ? w->in->fields[n].id : "";
	int rc = store_answer_put(w->s, w->id, f->id, value, cursor, w->e);
	if (rc) {
		/* not saved: keep memory equal to the store */
		cJSON_DeleteItemFromObjectCaseSensitive(w->answers, f->id);
		if (old)
			cJSON_AddItemToObject(w->answers, f->id, old);
		evaluate(w);
		return rc;
	}
	cJSON_Delete(old);
	*next = n;
	return 0;
}

static void show_review(wiz *w)
{
	buf *b = &w->out;
	int sec = -1;
	for (size_t i = w->first; i < w->end; i++) {
		const inst_field *f = &w->in->fields[i];
		if (!w->ev.relevant[i])
			continue;
		if (f->section != sec) {
			sec = f->section;
			buf_putc(b, '\n');
			ui_rule(b, section_title(w, i), w->in->sections[sec].id, UI_WIDTH);
		}
		const char *label = inst_text(&f->label, w->lang);
		buf_printf(b, "  %-8s ", f->id);
		/* label cut to leave room for the answer on one line */
		size_t cols = 0;
		const char *p = label;
		for (; *p && cols < 40; p++)
			cols += ((unsigned char)*p & 0xC0) != 0x80;
		while (*p && ((unsigned char)*p & 0xC0) == 0x80)
			p++;
		buf_append(b, label, (size_t)(p - label));
		buf_puts(b, *p ? "… " : " ");
		for (; cols < 41; cols++)
			buf_putc(b, '.');
		buf_putc(b, ' ');
		put_answer(w, b, i);
		buf_putc(b, '\n');
	}
	ui_flush(w->output, b);
}

static void show_help(wiz *w)
{
	buf_printf(&w->out, "\n%s\n",
		   _("Type the answer and press Enter. Commands:\n"
		     "  :b  back to the previous question     :s  skip this question for now\n"
		     "  :j  jump to a part (e.g. :j 6)         :r  review all answers\n"
		     "  :n  note for this part                 :p  provisional result\n"
		     "  :c  clear this answer                  :f  finish and finalise\n"
		     "  :q  save and stop (continue later with `field-agent resume`)\n"
		     "Every answer is saved as soon as it is accepted."));
	ui_flush(w->output, &w->out);
}

static void show_result(wiz *w)
{
	evaluate(w);
	buf_putc(&w->out, '\n');
	score_render_text(&w->out, w->in, &w->ev, w->id, w->lang);
	ui_flush(w->output, &w->out);
}

/* Section index by id or 1-based number, or -1. */
static int find_section(wiz *w, const char *arg)
{
	for (size_t i = 0; i < w->in->nsections; i++)
		if (!strcmp(w->in->sections[i].id, arg))
			return (int)i;
	return -1;
}

/* Finalising: everything required answered and valid. Returns 1 done,
 * 0 not finalised (position moved to the first problem), <0 error. */
static int finalise(wiz *w, size_t *pos)
{
	err e = {0, ""};
	if (inst_evaluate(&w->ev, w->doc, w->lang, &e)) {
		char msg[ERR_MSG_MAX + 64];
		snprintf(msg, sizeof msg, _("Cannot finalise yet: %s"), e.msg);
		say(w, msg);
		char item[INST_MAX_ID + 1];
		size_t n = strcspn(e.msg, ":");
		snprintf(item, sizeof item, "%.*s", (int)n, e.msg);
		int s = inst_slot(w->in, item, strlen(item));
		if (s >= 0 && is_item(w, (size_t)s))
			*pos = (size_t)s;
		evaluate(w);
		return 0;
	}
	cJSON *outputs = cJSON_CreateObject();
	for (size_t i = 0; i < w->in->nfields; i++) {
		const inst_field *f = &w->in->fields[i];
		if (f->kind != INST_OUTPUT)
			continue;
		const expr_value *v = &w->ev.slots[i];
		switch (v->type) {
		case EXPR_NUM: cJSON_AddNumberToObject(outputs, f->id, v->u.num); break;
		case EXPR_BOOL: cJSON_AddBoolToObject(outputs, f->id, v->u.b); break;
		case EXPR_STR: {
			char *t = strndup(v->u.str.s, v->u.str.len);
			cJSON_AddStringToObject(outputs, f->id, t ? t : "");
			free(t);
			break;
		}
		default: cJSON_AddNullToObject(outputs, f->id); break;
		}
	}
	int rc = store_finalise(w->s, w->id, outputs, w->e);
	cJSON_Delete(outputs);
	if (rc)
		return rc;
	buf_printf(&w->out, "\n%s\n", _("Finalised. It will be sent at the next sync."));
	ui_flush(w->output, &w->out);
	return 1;
}

/* The end of the questionnaire: result, then finalise or not. */
static int end_screen(wiz *w, size_t *pos)
{
	show_result(w);
	buf_printf(&w->out, "%s ", _("Finalise now? [y = yes / n = save as draft / :b back / :r review]"));
	ui_flush(w->output, &w->out);
	int cut;
	if (ui_read_line(w->input, &w->line, WIZ_MAX_LINE, &cut) < 0)
		return WIZ_SAVED;
	const char *a = w->line.data;
	static const char *const yes[] = {"y", "yes", "д", "да", "da", ":f", NULL};
	if (word_in(a, yes)) {
		int rc = finalise(w, pos);
		return rc < 0 ? rc : rc == 1 ? WIZ_FINALISED : -100;
	}
	if (!strcmp(a, ":b")) {
		*pos = prev_relevant(w, w->end);
		return -100;
	}
	if (!strcmp(a, ":r")) {
		show_review(w);
		return -101;
	}
	return WIZ_SAVED;
}

int wiz_run(store *s, const instrument *in, const char *assessment_id, inst_lang lang,
	    FILE *input, FILE *output, err *e)
{
	wiz W = {0};
	wiz *w = &W;
	int rc;
	store_assessment a;
	w->s = s;
	w->in = in;
	w->id = assessment_id;
	w->lang = lang;
	w->input = input;
	w->output = output;
	w->e = e;
	if ((rc = store_assessment_get(s, assessment_id, &a, e)))
		return rc;
	if (strcmp(a.status, "draft"))
		return err_set(e, ERR_STATE, _("assessment %s is %s, not a draft"), assessment_id,
			       a.status);
	if ((rc = store_assessment_json(s, assessment_id, &w->doc, e)))
		return rc;
	w->answers = cJSON_GetObjectItemCaseSensitive(w->doc, "answers");
	if (inst_eval_init(&w->ev, in)) {
		cJSON_Delete(w->doc);
		return err_set(e, ERR_NOMEM, "out of memory");
	}
	w->first = in->nfields;
	w->end = 0;
	for (size_t i = 0; i < in->nfields; i++)
		if (in->fields[i].kind == INST_ITEM) {
			if (i < w->first)
				w->first = i;
			w->end = i + 1;
		}
	evaluate(w);

	/* Resume at the saved position, else at the first question. */
	size_t pos = w->first;
	if (a.cursor[0]) {
		int sl = inst_slot(in, a.cursor, strlen(a.cursor));
		if (sl >= 0 && is_item(w, (size_t)sl))
			pos = (size_t)sl;
	} else if (cJSON_GetArraySize(w->answers) > 0) {
		pos = w->end; /* every question was passed: straight to the end */
	}
	buf_printf(&w->out, "%s %s\n", _("Assessment"), assessment_id);
	ui_wrap(&w->out, inst_text(&in->title, lang), UI_WIDTH, 0);
	buf_putc(&w->out, '\n');
	buf_printf(&w->out, "%s\n", _("Type :h for help. Every answer is saved as soon as it is accepted."));
	ui_flush(output, &w->out);

	for (;;) {
		pos = next_relevant(w, pos);
		if (pos >= w->end) {
			if ((rc = store_cursor_put(s, assessment_id, "", e)))
				break;
			rc = end_screen(w, &pos);
			if (rc == -100 || rc == -101)
				continue;
			break;
		}
		const inst_field *f = &in->fields[pos];
		show_item(w, pos);
		int cut;
		if (ui_read_line(input, &w->line, WIZ_MAX_LINE, &cut) < 0) {
			rc = store_cursor_put(s, assessment_id, f->id, e);
			if (!rc)
				rc = WIZ_SAVED;
			break;
		}
		if (cut) {
			say(w, _("that line is too long"));
			continue;
		}
		char *t = w->line.data;
		while (*t == ' ')
			t++;
		size_t tl = strlen(t);
		while (tl && t[tl - 1] == ' ')
			t[--tl] = '\0';
		if (t[0] == ':' && isalpha((unsigned char)t[1]) && (t[2] == '\0' || t[2] == ' ')) {
			char cmd = t[1];
			const char *arg = t[2] ? t + 3 : "";
			size_t np = pos;
			switch (cmd) {
			case 'b': np = prev_relevant(w, pos); break;
			case 's': np = next_relevant(w, pos + 1); break;
			case 'h': show_help(w); continue;
			case 'r': show_review(w); continue;
			case 'p': show_result(w); continue;
			case 'q':
				rc = store_cursor_put(s, assessment_id, f->id, e);
				if (!rc) {
					buf_printf(&w->out, "%s\n", _("Saved. Continue with `field-agent resume`."));
					ui_flush(output, &w->out);
					rc = WIZ_SAVED;
				}
				goto done;
			case 'f': {
				int r = finalise(w, &np);
				if (r < 0) {
					rc = r;
					goto done;
				}
				if (r == 1) {
					rc = WIZ_FINALISED;
					goto done;
				}
				break;
			}
			case 'j': {
				int sec = find_section(w, arg);
				if (sec < 0) {
					char msg[128];
					snprintf(msg, sizeof msg, _("no part \"%s\""), arg);
					say(w, msg);
					continue;
				}
				np = in->sections[sec].first;
				break;
			}
			case 'c': {
				size_t nx;
				int r = accept(w, pos, NULL, &nx);
				if (r < 0) {
					rc = r;
					goto done;
				}
				continue;
			}
			case 'n': {
				const inst_section *sec = &in->sections[f->section];
				char nid[INST_MAX_ID + 8];
				snprintf(nid, sizeof nid, "%s.note", sec->id);
				int ns = inst_slot(in, nid, strlen(nid));
				if (ns < 0 || in->fields[ns].type != INST_TEXT) {
					say(w, _("this part has no note"));
					continue;
				}
				buf_printf(&w->out, "%s > ", _("Note for this part"));
				ui_flush(output, &w->out);
				if (ui_read_line(input, &w->line, WIZ_MAX_LINE, &cut) < 0)
					continue;
				size_t nx;
				int r = accept(w, (size_t)ns, w->line.len ? cJSON_CreateString(w->line.data) : NULL,
					       &nx);
				if (r < 0) {
					rc = r;
					goto done;
				}
				if (r == 0)
					store_cursor_put(s, assessment_id, f->id, e);
				continue;
			}
			default:
				say(w, _("unknown command (:h for help)"));
				continue;
			}
			pos = np < w->first ? w->first : np;
			if (pos < w->end && (rc = store_cursor_put(s, assessment_id, in->fields[pos].id, e)))
				goto done;
			continue;
		}
		if (!*t) { /* Enter: keep the current answer, or skip an optional one */
			if (cJSON_GetObjectItemCaseSensitive(w->answers, f->id) || !item_required(w, pos)) {
				pos = next_relevant(w, pos + 1);
				if (pos < w->end &&
				    (rc = store_cursor_put(s, assessment_id, in->fields[pos].id, e)))
					goto done;
			} else {
				say(w, _("an answer is needed here (or :s to skip it for now)"));
			}
			continue;
		}
		cJSON *v = parse_answer(f, t);
		err ce = {0, ""};
		if (!v) {
			say(w, _("not understood; see the choices above (:h for help)"));
			continue;
		}
		if (inst_check_value(&w->ev, (int)pos, v, lang, &ce)) {
			cJSON_Delete(v);
			say(w, ce.msg);
			continue;
		}
		size_t nx;
		int r = accept(w, pos, v, &nx);
		if (r < 0) {
			rc = r;
			goto done;
		}
		if (r == 0)
			pos = nx;
	}
done:
	inst_eval_free(&w->ev);
	cJSON_Delete(w->doc);
	buf_free(&w->out);
	buf_free(&w->line);
	return rc;
}
