/*
 * cmd_score: `field-agent score FILE` — the provisional result of one
 * assessment in the exchange format, for a person (in their language) or
 * as JSON. The same engine the server uses computes it; the server's
 * result is the one that counts, which the output says.
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "cmd.h"
#include "i18n.h"
#include "inst.h"
#include "json.h"
#include "ui.h"

static void help(void)
{
	fputs(_("usage: field-agent score [--json] [--lang bg|ro|en] [--instruments DIRS] FILE\n"
		"\n"
		"Shows the provisional result of one assessment (a JSON object in the\n"
		"exchange format; \"-\" reads standard input): hours per activity,\n"
		"points, daily hours and group. The municipality recomputes the result\n"
		"from the answers; this one is provisional.\n"
		"\n"
		"Exit status: 0 scored; 1 the assessment is not valid; 2 bad usage;\n"
		"3 the file cannot be read.\n"),
	      stdout);
}

static void put_value_text(buf *b, const expr_value *v)
{
	switch (v->type) {
	case EXPR_NULL: buf_puts(b, "—"); break;
	case EXPR_BOOL: buf_puts(b, v->u.b ? _("yes") : _("no")); break;
	case EXPR_NUM:
		if (v->u.num == floor(v->u.num) && fabs(v->u.num) < 1e15)
			buf_printf(b, "%.0f", v->u.num);
		else
			buf_printf(b, "%.2f", v->u.num);
		break;
	case EXPR_STR: buf_append(b, v->u.str.s, v->u.str.len); break;
	case EXPR_LIST:
		for (size_t i = 0; i < v->u.list.n; i++) {
			if (i)
				buf_puts(b, ", ");
			put_value_text(b, &v->u.list.items[i]);
		}
		break;
	}
}

static void put_value_json(buf *b, const expr_value *v)
{
	switch (v->type) {
	case EXPR_NULL: buf_puts(b, "null"); break;
	case EXPR_BOOL: buf_puts(b, v->u.b ? "true" : "false"); break;
	case EXPR_NUM: json_write_number(b, v->u.num); break;
	case EXPR_STR: json_write_string(b, v->u.str.s, v->u.str.len); break;
	case EXPR_LIST:
		buf_putc(b, '[');
		for (size_t i = 0; i < v->u.list.n; i++) {
			if (i)
				buf_putc(b, ',');
			put_value_json(b, &v->u.list.items[i]);
		}
		buf_putc(b, ']');
		break;
	}
}

void score_render_text(buf *b, const instrument *in, const inst_eval *ev, const char *id,
		       inst_lang lang)
{
	buf_printf(b, "%s\n", _("PROVISIONAL RESULT"));
	ui_wrap(b, inst_text(&in->title, lang), 78, 0);
	buf_printf(b, " (v%d)\n", in->version);
	if (id)
		buf_printf(b, "%s %s\n", _("Assessment"), id);
	buf_puts(b, "\n");
	for (size_t i = 0; i < in->nfields; i++) {
		const inst_field *f = &in->fields[i];
		if (f->kind != INST_OUTPUT || !f->show)
			continue;
		const char *label = inst_text(&f->label, lang);
		size_t w = ui_width(label);
		/* Fits 80 columns: a long label gets its value on the next line. */
		if (w > 50) {
			buf_puts(b, "  ");
			ui_wrap(b, label, 76, 2);
			buf_printf(b, "\n  %*s", 52, "");
		} else {
			buf_printf(b, "  %s ", label);
			for (size_t k = w; k < 50; k++)
				buf_putc(b, '.');
			buf_putc(b, ' ');
		}
		put_value_text(b, &ev->slots[i]);
		/* Show the suggestion beside an activity the assessor changed. */
		char sug[INST_MAX_ID + 16];
		snprintf(sug, sizeof sug, "%s_suggested", f->id);
		int s = inst_slot(in, sug, strlen(sug));
		if (s >= 0 && !expr_value_equal(&ev->slots[s], &ev->slots[i])) {
			buf_printf(b, "  (%s ", _("suggested"));
			put_value_text(b, &ev->slots[s]);
			buf_puts(b, ")");
		}
		buf_putc(b, '\n');
	}
	buf_putc(b, '\n');
	ui_wrap(b, _("Provisional: the municipality recomputes the result from the "
			 "answers; only its result counts."), 78, 0);
	buf_putc(b, '\n');
}

static void render_json(buf *b, const instrument *in, const inst_eval *ev, const char *id,
			const char *error)
{
	buf_puts(b, "{\"id\":");
	if (id)
		json_write_string(b, id, strlen(id));
	else
		buf_puts(b, "null");
	buf_puts(b, ",\"instrument\":");
	json_write_string(b, in->id, strlen(in->id));
	buf_printf(b, ",\"version\":%d,\"provisional\":true,\"valid\":%s", in->version,
		   error ? "false" : "true");
	if (error) {
		buf_puts(b, ",\"error\":");
		json_write_string(b, error, strlen(error));
	} else {
		buf_puts(b, ",\"outputs\":{");
		int first = 1;
		for (size_t i = 0; i < in->nfields; i++) {
			const inst_field *f = &in->fields[i];
			if (f->kind != INST_OUTPUT)
				continue;
			if (!first)
				buf_putc(b, ',');
			first = 0;
			json_write_string(b, f->id, strlen(f->id));
			buf_putc(b, ':');
			put_value_json(b, &ev->slots[i]);
		}
		buf_putc(b, '}');
	}
	buf_puts(b, "}\n");
}

int cmd_score(int argc, char **argv)
{
	static const struct option opts[] = {
		{"json", no_argument, NULL, 'j'},
		{"lang", required_argument, NULL, 'l'},
		{"instruments", required_argument, NULL, 'd'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int as_json = 0, want_help = 0, c, status = FA_EXIT_IO;
	const char *dirs = NULL, *lang_code = NULL;
	err e = {0, ""};
	buf text = BUF_INIT, out = BUF_INIT;
	cJSON *a = NULL;
	instrument *in = NULL;
	inst_eval ev;
	int ev_ok = 0;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'j': as_json = 1; break;
		case 'l':
			if (inst_lang_parse(optarg) < 0) {
				fprintf(stderr, _("field-agent score: --lang must be bg, ro or en\n"));
				return FA_EXIT_USAGE;
			}
			lang_code = optarg;
			break;
		case 'd': dirs = optarg; break;
		case 'h': want_help = 1; break;
		default:
			fprintf(stderr, _("field-agent score: unknown or incomplete option \"%s\"\n"),
				argv[optind - 1]);
			return FA_EXIT_USAGE;
		}
	}
	inst_lang lang = i18n_init(lang_code);
	if (want_help) {
		help();
		return FA_EXIT_OK;
	}
	if (optind != argc - 1) {
		fprintf(stderr, _("field-agent score: give exactly one FILE (see --help)\n"));
		return FA_EXIT_USAGE;
	}
	const char *path = argv[optind];
	if (!strcmp(path, "-")) {
		char chunk[65536];
		size_t n;
		while ((n = fread(chunk, 1, sizeof chunk, stdin)) > 0) {
			if (text.len + n > json_limits_case.max_bytes) {
				fprintf(stderr, _("field-agent score: the input is larger than %zu bytes\n"),
					json_limits_case.max_bytes);
				goto done;
			}
			buf_append(&text, chunk, n);
		}
		if (!text.data)
			buf_puts(&text, "");
	} else if (buf_read_file(&text, path, json_limits_case.max_bytes, &e)) {
		fprintf(stderr, "field-agent score: %s\n", e.msg);
		goto done;
	}
	status = FA_EXIT_INVALID;
	if (json_parse(text.data, text.len, &json_limits_case, &a, &e)) {
		fprintf(stderr, _("field-agent score: %s: not a valid assessment: %s\n"), path, e.msg);
		goto done;
	}
	const cJSON *ji = cJSON_GetObjectItemCaseSensitive(a, "instrument");
	const cJSON *jv = cJSON_GetObjectItemCaseSensitive(a, "version");
	const cJSON *jid = cJSON_GetObjectItemCaseSensitive(a, "id");
	if (!cJSON_IsObject(a) || !cJSON_IsString(ji) || !cJSON_IsNumber(jv) ||
	    jv->valuedouble < 1 || jv->valuedouble > 1e6 || jv->valuedouble != floor(jv->valuedouble)) {
		fprintf(stderr, _("field-agent score: %s: expected an assessment object with "
				  "\"instrument\" and \"version\"\n"), path);
		goto done;
	}
	if (inst_load_by_id(dirs, ji->valuestring, (int)jv->valuedouble, &in, &e)) {
		fprintf(stderr, "field-agent score: %s\n", e.msg);
		goto done;
	}
	if (inst_eval_init(&ev, in)) {
		fprintf(stderr, "field-agent score: out of memory\n");
		goto done;
	}
	ev_ok = 1;
	const char *id = cJSON_IsString(jid) ? jid->valuestring : NULL;
	int rc = inst_evaluate(&ev, a, lang, &e);
	if (as_json) {
		render_json(&out, in, &ev, id, rc ? e.msg : NULL);
	} else if (rc) {
		fprintf(stderr, _("field-agent score: the assessment cannot be scored: %s\n"), e.msg);
	} else {
		score_render_text(&out, in, &ev, id, lang);
	}
	fwrite(out.data ? out.data : "", 1, out.len, stdout);
	status = rc ? FA_EXIT_INVALID : FA_EXIT_OK;
done:
	if (ev_ok)
		inst_eval_free(&ev);
	inst_free(in);
	cJSON_Delete(a);
	buf_free(&text);
	buf_free(&out);
	return status;
}
