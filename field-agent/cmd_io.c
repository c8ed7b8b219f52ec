/*
 * cmd_io: the exchange format at the device's edges — `export` (JSON in
 * the exchange format of domain.md §9, or CSV for a spreadsheet) and
 * `import` (exchange-format JSON, idempotent, streamed).
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "cmd.h"
#include "i18n.h"
#include "crypto.h"
#include "json.h"

#define IMPORT_MAX_CASE (256 * 1024)

/* CSV field: quoted when it holds a comma, quote or line break. */
static void csv_field(buf *b, const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		buf_puts(b, s);
		return;
	}
	buf_putc(b, '"');
	for (; *s; s++) {
		if (*s == '"')
			buf_putc(b, '"');
		buf_putc(b, *s);
	}
	buf_putc(b, '"');
}

static void csv_value(buf *b, const expr_value *v)
{
	char tmp[64];
	switch (v->type) {
	case EXPR_NUM:
		if (v->u.num == floor(v->u.num) && fabs(v->u.num) < 1e15)
			snprintf(tmp, sizeof tmp, "%.0f", v->u.num);
		else
			snprintf(tmp, sizeof tmp, "%.2f", v->u.num);
		buf_puts(b, tmp);
		break;
	case EXPR_BOOL: buf_puts(b, v->u.b ? "true" : "false"); break;
	case EXPR_STR: {
		buf t = BUF_INIT;
		buf_append(&t, v->u.str.s, v->u.str.len);
		csv_field(b, t.data ? t.data : "");
		buf_free(&t);
		break;
	}
	default: break;
	}
}

int cmd_export(int argc, char **argv)
{
	static const struct option opts[] = {
		{"format", required_argument, NULL, 'f'}, {"status", required_argument, NULL, 's'},
		{"output", required_argument, NULL, 'o'}, {"with-names", no_argument, NULL, 'n'},
		{"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
	};
	const char *format = "json", *status = "final", *path = NULL;
	int with_names = 0, c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'f': format = optarg; break;
		case 's': status = optarg; break;
		case 'o': path = optarg; break;
		case 'n': with_names = 1; break;
		case 'h':
			printf("%s", _("usage: field-agent export [--format json|csv] [--status final|draft|voided|all]\n"
				       "                        [--with-names] [-o FILE]\n"
				       "\n"
				       "json: the assessments in the exchange format (with the person's\n"
				       "data, as the format has it). csv: one row per assessment with its\n"
				       "results, for a spreadsheet; names and national ids only with\n"
				       "--with-names. The file is written whole or not at all.\n"));
			return AGENT_EXIT_OK;
		default:
			fprintf(stderr, _("field-agent export: unknown option (see --help)\n"));
			return AGENT_EXIT_USAGE;
		}
	}
	int csv = !strcmp(format, "csv");
	if (!csv && strcmp(format, "json")) {
		fprintf(stderr, _("field-agent export: --format json or csv\n"));
		return AGENT_EXIT_USAGE;
	}
	if (strcmp(status, "all") && strcmp(status, "final") && strcmp(status, "draft") &&
	    strcmp(status, "voided")) {
		fprintf(stderr, _("field-agent export: --status final, draft, voided or all\n"));
		return AGENT_EXIT_USAGE;
	}
	store s;
	err e = {0, ""};
	buf out = BUF_INIT;
	db_stmt st = {0};
	int rc = agent_open(&s, 1, &e), n = 0;
	if (rc)
		return agent_fail("export", &e);
	if ((rc = db_prepare(&s.d, &st,
			     "SELECT id FROM assessment WHERE :st = 'all' OR status = :st"
			     " ORDER BY started_at, id", &e)))
		goto done;
	db_bind_text(&st, ":st", status, -1);
	if (csv)
		buf_puts(&out, "\xEF\xBB\xBF" /* BOM: spreadsheets then read UTF-8 */
			       "id,instrument,version,status,revision,person_id,locality,"
			       "registered_on,assessed_on,points,daily_hours,group,valid");
	if (csv && with_names)
		buf_puts(&out, ",name,national_id,birth_date");
	if (csv)
		buf_puts(&out, "\r\n");
	else
		buf_puts(&out, "[");
	while ((rc = db_step(&st, &e)) == 1) {
		cJSON *doc = NULL;
		const char *id = db_col_text(&st, 0);
		if ((rc = store_assessment_json(&s, id, &doc, &e)))
			goto done;
		if (!csv) {
			char *t = cJSON_PrintUnformatted(doc);
			buf_puts(&out, n ? ",\n" : "\n");
			buf_puts(&out, t ? t : "null");
			cJSON_free(t);
		} else {
			const cJSON *p = cJSON_GetObjectItemCaseSensitive(doc, "person");
			const char *inst_id = cJSON_GetObjectItemCaseSensitive(doc, "instrument")->valuestring;
			int ver = (int)cJSON_GetObjectItemCaseSensitive(doc, "version")->valuedouble;
			instrument *in = NULL;
			inst_eval ev;
			int valid = 0, have = 0;
			if (inst_load_by_id(agent.inst_dirs, inst_id, ver, &in, &e) == 0 &&
			    inst_eval_init(&ev, in) == 0) {
				have = 1;
				valid = inst_evaluate(&ev, doc, LANG_EN, &e) == 0;
			}
			static const char *const cols[] = {"id", "instrument", "version", "status",
							   "revision"};
			for (size_t i = 0; i < 5; i++) {
				const cJSON *v = cJSON_GetObjectItemCaseSensitive(doc, cols[i]);
				if (i)
					buf_putc(&out, ',');
				if (cJSON_IsString(v))
					csv_field(&out, v->valuestring);
				else if (cJSON_IsNumber(v))
					buf_printf(&out, "%.0f", v->valuedouble);
			}
			const char *pcols[] = {"id", "locality"};
			for (size_t i = 0; i < 2; i++) {
				const cJSON *v = cJSON_GetObjectItemCaseSensitive(p, pcols[i]);
				buf_putc(&out, ',');
				csv_field(&out, cJSON_IsString(v) ? v->valuestring : "");
			}
			const char *ecols[] = {"registered_on", "assessed_on"};
			for (size_t i = 0; i < 2; i++) {
				const cJSON *v = cJSON_GetObjectItemCaseSensitive(doc, ecols[i]);
				buf_putc(&out, ',');
				csv_field(&out, cJSON_IsString(v) ? v->valuestring : "");
			}
			const char *ocols[] = {"points", "daily_hours", "group"};
			for (size_t i = 0; i < 3; i++) {
				buf_putc(&out, ',');
				int sl = have && valid ? inst_slot(in, ocols[i], strlen(ocols[i])) : -1;
				if (sl >= 0)
					csv_value(&out, &ev.slots[sl]);
			}
			buf_puts(&out, valid ? ",true" : ",false");
			if (with_names) {
				const char *ncols[] = {"name", "national_id", "birth_date"};
				for (size_t i = 0; i < 3; i++) {
					const cJSON *v = cJSON_GetObjectItemCaseSensitive(p, ncols[i]);
					buf_putc(&out, ',');
					csv_field(&out, cJSON_IsString(v) ? v->valuestring : "");
				}
			}
			buf_puts(&out, "\r\n");
			if (have)
				inst_eval_free(&ev);
			inst_free(in);
		}
		cJSON_Delete(doc);
		n++;
	}
	if (rc < 0)
		goto done;
	if (!csv)
		buf_puts(&out, n ? "\n]\n" : "]\n");
	rc = 0;
	/* Write whole or not at all: a temporary file renamed into place. */
	if (path) {
		char tmp[4200];
		snprintf(tmp, sizeof tmp, "%s.partial", path);
		FILE *f = fopen(tmp, "wb");
		if (!f || fwrite(out.data, 1, out.len, f) != out.len || fflush(f) || fsync(fileno(f))) {
			rc = err_set(&e, ERR_IO, "%s: cannot write: %m", path);
			if (f)
				fclose(f);
			remove(tmp);
			goto done;
		}
		fclose(f);
		if (rename(tmp, path)) {
			rc = err_set(&e, ERR_IO, "%s: cannot write: %m", path);
			remove(tmp);
			goto done;
		}
		fprintf(stderr, _("%d assessments written to %s\n"), n, path);
	} else {
		fwrite(out.data, 1, out.len, stdout);
		fflush(stdout);
	}
done:
	db_finalize(&st);
	store_close(&s);
	if (out.data)
		crypto_wipe(out.data, out.len);
	buf_free(&out);
	return rc ? agent_fail("export", &e) : AGENT_EXIT_OK;
}

int cmd_import(int argc, char **argv)
{
	if (argc != 2 || !strcmp(argv[1], "--help")) {
		printf("%s", _("usage: field-agent import FILE\n"
			       "\n"
			       "Imports final assessments in the exchange format (a JSON array).\n"
			       "Each one is checked against its instrument and saved on its own:\n"
			       "an interruption keeps those already imported, and importing the\n"
			       "same file again changes nothing. The same id with different answers\n"
			       "is refused, never overwritten.\n"
			       "Exit status: 0 all imported or already there; 1 some were invalid;\n"
			       "6 some conflicted with what is on the device.\n"));
		return argc != 2 ? AGENT_EXIT_USAGE : AGENT_EXIT_OK;
	}
	const char *path = argv[1];
	store s;
	err e = {0, ""};
	json_array_reader rd;
	int rd_open = 0, added = 0, same = 0, invalid = 0, conflicts = 0;
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	if (!f) {
		err_set(&e, ERR_IO, "%s: cannot open: %m", path);
		return agent_fail("import", &e);
	}
	int rc = agent_open(&s, 1, &e);
	if (rc)
		goto done;
	if ((rc = json_array_open(&rd, f, path, IMPORT_MAX_CASE, &e)))
		goto done;
	rd_open = 1;
	for (;;) {
		const char *text;
		size_t len;
		int got = json_array_next(&rd, &text, &len, &e);
		if (got < 0) {
			rc = got;
			break;
		}
		if (got == 0)
			break;
		cJSON *a = NULL;
		err ce = {0, ""};
		int r = json_parse(text, len, &json_limits_case, &a, &ce);
		if (!r) {
			const cJSON *ji = cJSON_GetObjectItemCaseSensitive(a, "instrument");
			const cJSON *jv = cJSON_GetObjectItemCaseSensitive(a, "version");
			instrument *in = NULL;
			inst_eval ev;
			if (!cJSON_IsString(ji) || !cJSON_IsNumber(jv))
				r = err_set(&ce, ERR_INVALID, "instrument and version are needed");
			else if (!(r = inst_load_by_id(agent.inst_dirs, ji->valuestring,
						       (int)jv->valuedouble, &in, &ce))) {
				if (!(r = inst_eval_init(&ev, in))) {
					r = inst_evaluate(&ev, a, agent.lang, &ce);
					inst_eval_free(&ev);
				}
				inst_free(in);
			}
		}
		int result = 0;
		if (!r)
			r = store_import_assessment(&s, a, &result, &ce);
		if (r == ERR_CONFLICT) {
			conflicts++;
			fprintf(stderr, "field-agent import: #%zu: %s\n", rd.index, ce.msg);
		} else if (r == ERR_IO || r == ERR_NOMEM) {
			cJSON_Delete(a);
			e = ce;
			rc = r;
			break;
		} else if (r) {
			invalid++;
			const cJSON *id = cJSON_GetObjectItemCaseSensitive(a, "id");
			fprintf(stderr, "field-agent import: #%zu (%.40s): %s\n", rd.index,
				cJSON_IsString(id) ? id->valuestring : "?", ce.msg);
		} else if (result) {
			added++;
		} else {
			same++;
		}
		cJSON_Delete(a);
	}
	printf(_("imported %d, already there %d, invalid %d, conflicts %d\n"), added, same, invalid,
	       conflicts);
done:
	if (rd_open)
		json_array_close(&rd);
	if (f != stdin)
		fclose(f);
	store_close(&s);
	if (rc)
		return agent_fail("import", &e);
	return conflicts ? AGENT_EXIT_CONFLICT : invalid ? AGENT_EXIT_INVALID : AGENT_EXIT_OK;
}
