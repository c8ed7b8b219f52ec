/*
 * report: the home-care programme report and the output helpers shared by
 * the census and assistant modules (see report.h).
 *
 * Definitions (domain.md §6, seed 000), all over the period from..to:
 * - application: a person with a final bg-* needs assessment whose
 *   registered_on falls in the period; a child if the server's score says
 *   so (under 18 at the assessment);
 * - assessment: a final bg-* assessment whose assessed_on falls in it;
 * - contract: a person who chose an assistant (`assistant choose`) with a
 *   start date in it, or whose contract a round recorded in it
 *   (`round answer … contract`); a child if under 18 on that date;
 * - users of a service: persons with that service logged (not planned) in
 *   the period, or served by an assistant of that role during it;
 * - integrated services at home: services logged at home for programme
 *   users (persons with a bg-* assessment), by kind: medical
 *   (medical_at_home, medical_consultation), psychological
 *   (psychological_counselling), rehabilitation (kinetotherapy,
 *   speech_therapy);
 * - assistants: how many reached each recruitment step in the period, and
 *   how many stand at each step at its end;
 * - localities: where programme users got a service or an assistant.
 */
#include "report.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "assistant.h"
#include "expr.h"
#include "json.h"

/* --- helpers ------------------------------------------------------------------- */

int report_date_valid(const char *s)
{
	long days;
	return s && strlen(s) == 10 && expr_parse_date(s, 10, &days) == 0;
}

void report_today(char out[11])
{
	char ts[21];
	db_timestamp(ts);
	memcpy(out, ts, 10);
	out[10] = '\0';
}

void report_initials(const char *name, char *out, size_t n)
{
	size_t k = 0;
	int words = 0;
	const unsigned char *p = (const unsigned char *)(name ? name : "");
	out[0] = '\0';
	while (*p && words < 8) {
		while (*p == ' ' || *p == '\t' || *p == '-' || *p == '.')
			p++;
		if (!*p)
			break;
		size_t len = *p < 0x80 ? 1 : (*p >> 5) == 6 ? 2 : (*p >> 4) == 14 ? 3 : (*p >> 3) == 30 ? 4 : 1;
		for (size_t i = 1; i < len; i++)
			if ((p[i] & 0xC0) != 0x80) {
				len = 1;
				break;
			}
		if (k + len + 2 > n)
			break;
		if (len == 1 && *p >= 'a' && *p <= 'z')
			out[k++] = (char)(*p - 32);
		else
			memcpy(out + k, p, len), k += len;
		out[k++] = '.';
		out[k] = '\0';
		words++;
		while (*p && *p != ' ' && *p != '\t' && *p != '-')
			p++;
	}
}

void report_fmt_number(char *out, size_t n, double x)
{
	if (!isfinite(x)) {
		snprintf(out, n, "%s", "");
		return;
	}
	double r = round(x * 100) / 100;
	if (r == floor(r) && fabs(r) < 1e15)
		snprintf(out, n, "%.0f", r);
	else {
		snprintf(out, n, "%.2f", r);
		size_t l = strlen(out);
		while (l && out[l - 1] == '0')
			out[--l] = '\0';
	}
}

void report_csv_begin(buf *out)
{
	buf_puts(out, "\xEF\xBB\xBF");
}

void report_csv_field(buf *out, const char *s)
{
	if (!s)
		s = "";
	int formula = *s == '=' || *s == '+' || *s == '@' ||
		      (*s == '-' && !(s[1] >= '0' && s[1] <= '9'));
	if (!formula && !strpbrk(s, ",\"\r\n")) {
		buf_puts(out, s);
		return;
	}
	buf_putc(out, '"');
	if (formula)
		buf_putc(out, '\'');
	for (const char *p = s; *p; p++) {
		if (*p == '"')
			buf_putc(out, '"');
		buf_putc(out, *p);
	}
	buf_putc(out, '"');
}

void report_csv_row(buf *out, const char *const *cells, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (i)
			buf_putc(out, ',');
		report_csv_field(out, cells[i]);
	}
	buf_puts(out, "\r\n");
}

void report_html_escape(buf *out, const char *s)
{
	for (const char *p = s ? s : ""; *p; p++) {
		switch (*p) {
		case '&': buf_puts(out, "&amp;"); break;
		case '<': buf_puts(out, "&lt;"); break;
		case '>': buf_puts(out, "&gt;"); break;
		case '"': buf_puts(out, "&quot;"); break;
		case '\'': buf_puts(out, "&#39;"); break;
		default: buf_putc(out, *p);
		}
	}
}

int report_format_parse(const char *s)
{
	static const char *const names[] = {"json", "csv", "html", "text"};
	for (int i = 0; s && i < 4; i++)
		if (!strcmp(s, names[i]))
			return i;
	return -1;
}

/* --- figures ------------------------------------------------------------------- */

enum { SVC_PA, SVC_SA, SVC_HH, NSVC };
enum { INT_MED, INT_PSY, INT_REHAB, NINT };

typedef struct programme {
	long applications, applications_children;
	long assessments, assessments_by[2];
	long contracts, contracts_children;
	long users[NSVC];
	long int_users[NINT], int_services[NINT];
	long reached[ASSISTANT_NSTATUS], at_end[ASSISTANT_NSTATUS];
	char **localities;
	size_t nlocalities;
} programme;

static const char *const svc_types[NSVC] = {"personal_assistant", "social_assistant", "home_helper"};
static const char *const int_types[NINT][2] = {
	{"medical_at_home", "medical_consultation"},
	{"psychological_counselling", "psychological_counselling"},
	{"kinetotherapy", "speech_therapy"},
};
static const char *const int_names[NINT] = {"medical", "psychological", "rehabilitation"};
static const char *const bg_instruments[2] = {"bg-independent-living", "bg-personal-assistance"};

/* programme users: persons with a bg-* assessment */
#define BG_PERSONS                                                                      \
	"WITH bgp AS (SELECT DISTINCT json_extract(body, '$.person.id') AS id FROM record" \
	" WHERE kind = 'assessment' AND json_extract(body, '$.instrument') LIKE 'bg-%') "
#define SERVICE_IN_PERIOD                                                               \
	" r.kind = 'service' AND coalesce(json_extract(r.body, '$.status'), '') != 'planned'" \
	" AND json_extract(r.body, '$.date') BETWEEN :from AND :to"

static int bind_period(db_stmt *st, const char *from, const char *to)
{
	db_bind_text(st, ":from", from, -1);
	db_bind_text(st, ":to", to, -1);
	return 0;
}

/* Runs sql (two integer columns at most) with the period bound and
 * optional :a/:b texts; results into *x and *y (may be NULL). */
static int two_ints(central *c, const char *sql, const char *from, const char *to, const char *a,
		    const char *b, long *x, long *y, err *e)
{
	db_stmt st;
	int rc = db_prepare(&c->d, &st, sql, e);
	if (rc)
		return rc;
	bind_period(&st, from, to);
	if (a)
		db_bind_text(&st, ":a", a, -1);
	if (b)
		db_bind_text(&st, ":b", b, -1);
	if ((rc = db_step(&st, e)) == 1) {
		if (x)
			*x = (long)db_col_int(&st, 0);
		if (y)
			*y = (long)db_col_int(&st, 1);
	}
	db_finalize(&st);
	return rc < 0 ? rc : 0;
}

static int gather(central *c, const char *from, const char *to, programme *p, err *e)
{
	int rc;
	db_stmt st;
	memset(p, 0, sizeof *p);
	if ((rc = two_ints(c,
			   "SELECT count(DISTINCT pid), count(DISTINCT CASE WHEN child = 1 THEN pid END) FROM ("
			   " SELECT json_extract(r.body, '$.person.id') AS pid,"
			   " json_extract(s.outputs, '$.is_child') AS child FROM record r"
			   " LEFT JOIN score s ON s.assessment_id = r.id AND s.head = r.head AND s.valid = 1"
			   " WHERE r.kind = 'assessment' AND json_extract(r.body, '$.instrument') LIKE 'bg-%'"
			   " AND json_extract(r.body, '$.status') = 'final'"
			   " AND json_extract(r.body, '$.registered_on') BETWEEN :from AND :to)",
			   from, to, NULL, NULL, &p->applications, &p->applications_children, e)))
		return rc;
	for (int i = 0; i < 2; i++) {
		if ((rc = two_ints(c,
				   "SELECT count(*), 0 FROM record r WHERE r.kind = 'assessment'"
				   " AND json_extract(r.body, '$.instrument') = :a"
				   " AND json_extract(r.body, '$.status') = 'final'"
				   " AND json_extract(r.body, '$.assessed_on') BETWEEN :from AND :to",
				   from, to, bg_instruments[i], NULL, &p->assessments_by[i], NULL, e)))
			return rc;
		p->assessments += p->assessments_by[i];
	}
	/* contracts: each person once, a child as of the first start date */
	if ((rc = db_prepare(&c->d, &st,
			     "SELECT pid, min(day) FROM ("
			     " SELECT person_id AS pid, from_date AS day FROM assistant_user"
			     "  WHERE from_date BETWEEN :from AND :to"
			     " UNION ALL SELECT a.person_id, substr(d.at, 1, 10) FROM decision d"
			     "  JOIN applicant a ON a.round_id = d.round_id AND a.app_no = d.app_no"
			     "  WHERE d.action = 'contract' AND substr(d.at, 1, 10) BETWEEN :from AND :to)"
			     " GROUP BY pid ORDER BY pid", e)))
		return rc;
	bind_period(&st, from, to);
	while ((rc = db_step(&st, e)) == 1) {
		assistant_user_hours h;
		const char *src;
		char pid[65], on[11];
		snprintf(pid, sizeof pid, "%s", db_col_text(&st, 0));
		snprintf(on, sizeof on, "%s", db_col_text(&st, 1));
		p->contracts++;
		if (assistant_user_hours_of(c, pid, on, &h, &src, e) == 0 && h.is_child)
			p->contracts_children++;
	}
	db_finalize(&st);
	if (rc < 0)
		return rc;
	for (int i = 0; i < NSVC; i++)
		if ((rc = two_ints(c,
				   BG_PERSONS "SELECT count(*), 0 FROM ("
				   " SELECT json_extract(r.body, '$.person_id') AS pid FROM record r WHERE"
				   SERVICE_IN_PERIOD " AND json_extract(r.body, '$.type') = :a"
				   " AND json_extract(r.body, '$.person_id') IN (SELECT id FROM bgp)"
				   " UNION SELECT u.person_id FROM assistant_user u"
				   " JOIN assistant a ON a.id = u.assistant_id WHERE a.role = :a"
				   " AND u.from_date <= :to AND (u.to_date IS NULL OR u.to_date > :from))",
				   from, to, svc_types[i], NULL, &p->users[i], NULL, e)))
			return rc;
	for (int i = 0; i < NINT; i++)
		if ((rc = two_ints(c,
				   BG_PERSONS "SELECT count(DISTINCT json_extract(r.body, '$.person_id')), count(*)"
				   " FROM record r WHERE" SERVICE_IN_PERIOD
				   " AND json_extract(r.body, '$.type') IN (:a, :b)"
				   " AND json_extract(r.body, '$.place') = 'home'"
				   " AND json_extract(r.body, '$.person_id') IN (SELECT id FROM bgp)",
				   from, to, int_types[i][0], int_types[i][1], &p->int_users[i],
				   &p->int_services[i], e)))
			return rc;
	for (int i = 0; i < ASSISTANT_NSTATUS; i++) {
		const char *s = assistant_status_name((assistant_status)i);
		if ((rc = two_ints(c,
				   "SELECT count(DISTINCT assistant_id), 0 FROM assistant_step"
				   " WHERE status = :a AND on_date BETWEEN :from AND :to",
				   from, to, s, NULL, &p->reached[i], NULL, e)) ||
		    (rc = two_ints(c,
				   "SELECT count(*), 0 FROM (SELECT (SELECT s2.status FROM assistant_step s2"
				   "  WHERE s2.assistant_id = a.id AND s2.on_date <= :to"
				   "  ORDER BY s2.on_date DESC, s2.seq DESC LIMIT 1) AS st FROM assistant a"
				   "  WHERE :from <= :to) WHERE st = :a",
				   from, to, s, NULL, &p->at_end[i], NULL, e)))
			return rc;
	}
	if ((rc = db_prepare(&c->d, &st,
			     BG_PERSONS "SELECT DISTINCT loc FROM ("
			     " SELECT r.locality AS loc FROM record r WHERE" SERVICE_IN_PERIOD
			     " AND json_extract(r.body, '$.person_id') IN (SELECT id FROM bgp)"
			     " UNION SELECT r.locality FROM assistant_user u JOIN record r ON r.id = u.person_id"
			     " WHERE u.from_date <= :to AND (u.to_date IS NULL OR u.to_date > :from))"
			     " ORDER BY loc", e)))
		return rc;
	bind_period(&st, from, to);
	while ((rc = db_step(&st, e)) == 1) {
		char **grown = realloc(p->localities, (p->nlocalities + 1) * sizeof *grown);
		char *name = grown ? strdup(db_col_text(&st, 0)) : NULL;
		if (!name) {
			if (grown)
				p->localities = grown;
			rc = err_set(e, ERR_NOMEM, "out of memory");
			break;
		}
		p->localities = grown;
		p->localities[p->nlocalities++] = name;
	}
	db_finalize(&st);
	return rc < 0 ? rc : 0;
}

static void programme_free(programme *p)
{
	for (size_t i = 0; i < p->nlocalities; i++)
		free(p->localities[i]);
	free(p->localities);
}

/* --- labels ---------------------------------------------------------------------- */

typedef struct label {
	const char *key;
	const char *t[LANG_COUNT]; /* bg, ro, en */
} rep_label;

static const rep_label labels[] = {
	{"title", {"Отчет за интегрираните услуги в домашна среда", "Raport privind serviciile integrate la domiciliu", "Report on integrated home-care services"}},
	{"period", {"Период", "Perioada", "Period"}},
	{"applications", {"Приети заявления", "Cereri primite", "Applications received"}},
	{"applications_children", {"в т.ч. деца", "din care copii", "of which children"}},
	{"assessments", {"Извършени оценки на потребностите", "Evaluări ale nevoilor efectuate", "Needs assessments made"}},
	{"contracts", {"Сключени договори с потребители", "Contracte încheiate cu beneficiarii", "Contracts with users"}},
	{"contracts_children", {"в т.ч. деца", "din care copii", "of which children"}},
	{"users.personal_assistant", {"Потребители на услугата „личен асистент“", "Beneficiari ai serviciului de asistent personal", "Users of the personal assistant service"}},
	{"users.social_assistant", {"Потребители на услугата „социален асистент“", "Beneficiari ai serviciului de asistent social", "Users of the social assistant service"}},
	{"users.home_helper", {"Потребители на услугата „домашен помощник“", "Beneficiari ai serviciului de îngrijitor la domiciliu", "Users of the home helper service"}},
	{"integrated.medical", {"Помощ и консултация от медицински специалист (потребители)", "Asistență și consultații medicale (beneficiari)", "Medical help and consultation (users)"}},
	{"integrated.psychological", {"Психологическа подкрепа (потребители)", "Sprijin psihologic (beneficiari)", "Psychological support (users)"}},
	{"integrated.rehabilitation", {"Рехабилитационни грижи (потребители)", "Recuperare (beneficiari)", "Rehabilitation care (users)"}},
	{"services.medical", {"Медицински услуги в дома (брой)", "Servicii medicale la domiciliu (număr)", "Medical services at home (number)"}},
	{"services.psychological", {"Психологически услуги в дома (брой)", "Servicii psihologice la domiciliu (număr)", "Psychological services at home (number)"}},
	{"services.rehabilitation", {"Рехабилитационни услуги в дома (брой)", "Servicii de recuperare la domiciliu (număr)", "Rehabilitation services at home (number)"}},
	{"reached.applied", {"Кандидатствали за асистенти", "Candidați pentru asistenți", "Applied as assistants"}},
	{"reached.interviewed", {"Проведени събеседвания с кандидати", "Interviuri cu candidații", "Assistant candidates interviewed"}},
	{"reached.trained", {"Обучени асистенти", "Asistenți instruiți", "Assistants trained"}},
	{"reached.contracted", {"Сключени трудови договори с асистенти", "Contracte de muncă cu asistenți", "Assistants contracted"}},
	{"at_end.applied", {"В края на периода: кандидати", "La sfârșitul perioadei: candidați", "At the end: applied"}},
	{"at_end.interviewed", {"В края на периода: след събеседване", "La sfârșitul perioadei: intervievați", "At the end: interviewed"}},
	{"at_end.trained", {"В края на периода: обучени", "La sfârșitul perioadei: instruiți", "At the end: trained"}},
	{"at_end.contracted", {"В края на периода: с договор", "La sfârșitul perioadei: cu contract", "At the end: contracted"}},
	{"localities", {"Населени места, в които са предоставени услуги", "Localități în care s-au furnizat servicii", "Localities served"}},
	{"localities_count", {"Брой населени места", "Numărul de localități", "Number of localities"}},
	{"section.applications", {"Заявления и оценки", "Cereri și evaluări", "Applications and assessments"}},
	{"section.users", {"Потребители", "Beneficiari", "Users"}},
	{"section.integrated", {"Интегрирани услуги в домашна среда", "Servicii integrate la domiciliu", "Integrated services at home"}},
	{"section.assistants", {"Асистенти", "Asistenți", "Assistants"}},
	{"generated", {"Изготвен на", "Generat la", "Generated on"}},
};

static const char *L(const char *key, inst_lang lang)
{
	for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++)
		if (!strcmp(labels[i].key, key))
			return labels[i].t[lang < LANG_COUNT ? lang : LANG_EN];
	return key;
}

/* --- writers ------------------------------------------------------------------------ */

/* The figures as (key, value) rows in one order for CSV and HTML;
 * section headings have a NULL value. */
typedef struct row {
	char key[40];
	long value;
	int heading;
} row;

static size_t rows_of(const programme *p, row *r)
{
	size_t n = 0;
#define HEAD(k) (snprintf(r[n].key, sizeof r[n].key, "%s", k), r[n].value = 0, r[n++].heading = 1)
#define ROW(k, v) (snprintf(r[n].key, sizeof r[n].key, "%s", k), r[n].value = (v), r[n++].heading = 0)
	HEAD("section.applications");
	ROW("applications", p->applications);
	ROW("applications_children", p->applications_children);
	ROW("assessments", p->assessments);
	ROW("contracts", p->contracts);
	ROW("contracts_children", p->contracts_children);
	HEAD("section.users");
	for (int i = 0; i < NSVC; i++) {
		char k[40];
		snprintf(k, sizeof k, "users.%s", svc_types[i]);
		ROW(k, p->users[i]);
	}
	HEAD("section.integrated");
	for (int i = 0; i < NINT; i++) {
		char k[40];
		snprintf(k, sizeof k, "integrated.%s", int_names[i]);
		ROW(k, p->int_users[i]);
		snprintf(k, sizeof k, "services.%s", int_names[i]);
		ROW(k, p->int_services[i]);
	}
	HEAD("section.assistants");
	for (int i = 0; i < ASSISTANT_NSTATUS; i++) {
		char k[40];
		snprintf(k, sizeof k, "reached.%s", assistant_status_name((assistant_status)i));
		ROW(k, p->reached[i]);
	}
	for (int i = 0; i < ASSISTANT_NSTATUS; i++) {
		char k[40];
		snprintf(k, sizeof k, "at_end.%s", assistant_status_name((assistant_status)i));
		ROW(k, p->at_end[i]);
	}
	ROW("localities_count", (long)p->nlocalities);
#undef HEAD
#undef ROW
	return n;
}

static void write_json(const programme *p, const char *from, const char *to, buf *out)
{
	buf_printf(out, "{\"period\":{\"from\":\"%s\",\"to\":\"%s\"},\n", from, to);
	buf_printf(out, " \"applications\":{\"total\":%ld,\"children\":%ld},\n", p->applications,
		   p->applications_children);
	buf_printf(out, " \"assessments\":{\"total\":%ld,\"%s\":%ld,\"%s\":%ld},\n", p->assessments,
		   bg_instruments[0], p->assessments_by[0], bg_instruments[1], p->assessments_by[1]);
	buf_printf(out, " \"contracts\":{\"total\":%ld,\"children\":%ld},\n", p->contracts,
		   p->contracts_children);
	buf_puts(out, " \"users\":{");
	for (int i = 0; i < NSVC; i++)
		buf_printf(out, "%s\"%s\":%ld", i ? "," : "", svc_types[i], p->users[i]);
	buf_puts(out, "},\n \"integrated_at_home\":{");
	for (int i = 0; i < NINT; i++)
		buf_printf(out, "%s\"%s\":{\"users\":%ld,\"services\":%ld}", i ? "," : "", int_names[i],
			   p->int_users[i], p->int_services[i]);
	buf_puts(out, "},\n \"assistants\":{\"reached_in_period\":{");
	for (int i = 0; i < ASSISTANT_NSTATUS; i++)
		buf_printf(out, "%s\"%s\":%ld", i ? "," : "", assistant_status_name((assistant_status)i),
			   p->reached[i]);
	buf_puts(out, "},\"at_end\":{");
	for (int i = 0; i < ASSISTANT_NSTATUS; i++)
		buf_printf(out, "%s\"%s\":%ld", i ? "," : "", assistant_status_name((assistant_status)i),
			   p->at_end[i]);
	buf_puts(out, "}},\n \"localities\":[");
	for (size_t i = 0; i < p->nlocalities; i++) {
		if (i)
			buf_putc(out, ',');
		json_write_string(out, p->localities[i], strlen(p->localities[i]));
	}
	buf_puts(out, "]}\n");
}

static void write_csv(const programme *p, const char *from, const char *to, inst_lang lang,
		      buf *out)
{
	row r[64];
	size_t n = rows_of(p, r);
	report_csv_begin(out);
	const char *head[] = {"indicator", "label", "value"};
	report_csv_row(out, head, 3);
	const char *period[] = {"period", L("period", lang), NULL};
	char pv[32];
	snprintf(pv, sizeof pv, "%s..%s", from, to);
	period[2] = pv;
	report_csv_row(out, period, 3);
	for (size_t i = 0; i < n; i++) {
		if (r[i].heading)
			continue;
		char v[24];
		snprintf(v, sizeof v, "%ld", r[i].value);
		const char *cells[] = {r[i].key, L(r[i].key, lang), v};
		report_csv_row(out, cells, 3);
	}
	for (size_t i = 0; i < p->nlocalities; i++) {
		const char *cells[] = {"locality", L("localities", lang), p->localities[i]};
		report_csv_row(out, cells, 3);
	}
}

static void write_html(const programme *p, const char *from, const char *to, inst_lang lang,
		       buf *out)
{
	row r[64];
	size_t n = rows_of(p, r);
	char today[11];
	report_today(today);
	buf_printf(out, "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n<title>",
		   inst_lang_code(lang));
	report_html_escape(out, L("title", lang));
	buf_puts(out, "</title>\n<style>\n"
		      "body{font-family:sans-serif;margin:2em;color:#000}\n"
		      "h1{font-size:1.4em}table{border-collapse:collapse;width:100%}\n"
		      "th,td{border:1px solid #444;padding:.3em .6em;text-align:left}\n"
		      "td.n{text-align:right;width:8em}th.s{background:#eee}\n"
		      "@media print{body{margin:1cm}a{display:none}}\n"
		      "</style>\n</head>\n<body>\n<h1>");
	report_html_escape(out, L("title", lang));
	buf_puts(out, "</h1>\n<p>");
	report_html_escape(out, L("period", lang));
	buf_printf(out, ": %s – %s</p>\n<table>\n", from, to);
	for (size_t i = 0; i < n; i++) {
		if (r[i].heading) {
			buf_puts(out, "<tr><th class=\"s\" colspan=\"2\">");
			report_html_escape(out, L(r[i].key, lang));
			buf_puts(out, "</th></tr>\n");
			continue;
		}
		buf_puts(out, "<tr><td>");
		report_html_escape(out, L(r[i].key, lang));
		buf_printf(out, "</td><td class=\"n\">%ld</td></tr>\n", r[i].value);
	}
	buf_puts(out, "</table>\n<h2>");
	report_html_escape(out, L("localities", lang));
	buf_puts(out, "</h2>\n<p>");
	for (size_t i = 0; i < p->nlocalities; i++) {
		if (i)
			buf_puts(out, ", ");
		report_html_escape(out, p->localities[i]);
	}
	buf_puts(out, "</p>\n<p><small>");
	report_html_escape(out, L("generated", lang));
	buf_printf(out, " %s</small></p>\n</body>\n</html>\n", today);
}

int report_programme(central *c, const char *from, const char *to, report_format format,
		     inst_lang lang, buf *out, err *e)
{
	if (!report_date_valid(from))
		return err_set(e, ERR_INVALID, "--from: expected a date YYYY-MM-DD");
	if (!report_date_valid(to))
		return err_set(e, ERR_INVALID, "--to: expected a date YYYY-MM-DD");
	if (strcmp(from, to) > 0)
		return err_set(e, ERR_INVALID, "the period ends before it starts");
	programme p;
	pthread_mutex_lock(&c->lock);
	int rc = gather(c, from, to, &p, e);
	pthread_mutex_unlock(&c->lock);
	if (!rc) {
		if (format == REPORT_CSV)
			write_csv(&p, from, to, lang, out);
		else if (format == REPORT_HTML)
			write_html(&p, from, to, lang, out);
		else
			write_json(&p, from, to, out);
		if (out->oom)
			rc = err_set(e, ERR_NOMEM, "out of memory");
	}
	programme_free(&p);
	return rc;
}
