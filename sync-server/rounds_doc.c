/*
 * rounds_doc: the round's documents — the public list (CSV, HTML, JSON)
 * and the decision letter to one applicant (see rounds.h).
 *
 * The public list is built from the applicant table alone, which holds no
 * national id, name or address: what is not read cannot leak. The letter
 * reads the name and address of its one addressee and nothing else.
 *
 * Labels of the documents are data here (one row per language), not
 * program messages: a page is rendered for a commission in its language
 * while the server answers others in theirs.
 */
#include "rounds.h"
#include "rounds_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "json.h"

enum { L_BG, L_RO, L_EN, NLANG };

enum {
	T_TITLE, T_RANK, T_APP, T_INITIALS, T_LOCALITY, T_GROUP, T_POINTS, T_HOURS, T_OUTCOME,
	T_APPROVED, T_WAITLISTED, T_INELIGIBLE, T_INVALID, T_MUNICIPALITY, T_SERVICE, T_DECIDED,
	T_PUBLISHED_NOTE, NTEXT
};

static const char *const texts[NTEXT][NLANG] = {
	[T_TITLE] = {"Класиране на кандидатите", "Clasamentul solicitanților", "Ranking of applicants"},
	[T_RANK] = {"Ранг", "Loc", "Rank"},
	[T_APP] = {"Заявление №", "Cerere nr.", "Application no."},
	[T_INITIALS] = {"Инициали", "Inițiale", "Initials"},
	[T_LOCALITY] = {"Населено място", "Localitate", "Locality"},
	[T_GROUP] = {"Група", "Grupa", "Group"},
	[T_POINTS] = {"Точки", "Puncte", "Points"},
	[T_HOURS] = {"Часа на ден", "Ore pe zi", "Hours a day"},
	[T_OUTCOME] = {"Резултат", "Rezultat", "Outcome"},
	[T_APPROVED] = {"одобрен", "aprobat", "approved"},
	[T_WAITLISTED] = {"в списъка на чакащите", "pe lista de așteptare", "waiting list"},
	[T_INELIGIBLE] = {"не отговаря на условията", "nu îndeplinește condițiile", "ineligible"},
	[T_INVALID] = {"непълна оценка", "evaluare incompletă", "incomplete assessment"},
	[T_MUNICIPALITY] = {"Община", "Comuna", "Municipality"},
	[T_SERVICE] = {"Услуга", "Serviciul", "Service"},
	[T_DECIDED] = {"Решение на комисията от", "Decizia comisiei din", "Commission decision of"},
	[T_PUBLISHED_NOTE] = {"Списъкът не съдържа ЕГН, имена и адреси.",
			      "Lista nu conține CNP, nume sau adrese.",
			      "The list holds no national id, name or address."},
};

static int lang_index(const char *lang)
{
	if (!lang || !strcmp(lang, "bg"))
		return L_BG;
	if (!strcmp(lang, "ro"))
		return L_RO;
	if (!strcmp(lang, "en"))
		return L_EN;
	return -1;
}

static const char *outcome_text(const char *o, int l)
{
	if (!strcmp(o, "approved"))
		return texts[T_APPROVED][l];
	if (!strcmp(o, "waitlisted"))
		return texts[T_WAITLISTED][l];
	if (!strcmp(o, "ineligible"))
		return texts[T_INELIGIBLE][l];
	return texts[T_INVALID][l];
}

static void html_text(buf *b, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&': buf_puts(b, "&amp;"); break;
		case '<': buf_puts(b, "&lt;"); break;
		case '>': buf_puts(b, "&gt;"); break;
		case '"': buf_puts(b, "&quot;"); break;
		case '\'': buf_puts(b, "&#39;"); break;
		default: buf_putc(b, *s);
		}
	}
}

/* One CSV field (RFC 4180): quoted when it holds a separator, quote or
 * line break; a leading = + - @ (a formula to a spreadsheet) is made
 * plain text with a leading apostrophe. */
static void csv_field(buf *b, const char *s)
{
	s = s ? s : "";
	int quote = strpbrk(s, ",\"\r\n") != NULL || strchr("=+-@", *s) != NULL;
	if (!quote) {
		buf_puts(b, s);
		return;
	}
	buf_putc(b, '"');
	if (*s && strchr("=+-@", *s))
		buf_putc(b, '\'');
	for (; *s; s++) {
		if (*s == '"')
			buf_putc(b, '"');
		buf_putc(b, *s);
	}
	buf_putc(b, '"');
}

static void num_text(char *out, size_t n, db_stmt *st, int col)
{
	if (db_col_is_null(st, col)) {
		out[0] = '\0';
		return;
	}
	double x = db_col_double(st, col);
	if (x == floor(x) && fabs(x) < 1e15)
		snprintf(out, n, "%.0f", x);
	else
		snprintf(out, n, "%.1f", x);
}

static const char page_style[] =
	"<style>body{font-family:sans-serif;margin:2em;color:#000}"
	"table{border-collapse:collapse;width:100%}th,td{border:1px solid #444;padding:.25em .5em;"
	"text-align:left}td.n{text-align:right}caption{text-align:left;margin-bottom:.5em}"
	"@media print{body{margin:0}a{display:none}}</style>";

int rounds_publish(central *c, const char *id, const char *format, const char *lang,
		   const char *actor, buf *out, err *e)
{
	round_row r;
	db_stmt st;
	int l = lang_index(lang);
	int csv = format && !strcmp(format, "csv"), html = format && !strcmp(format, "html");
	int json = !format || !strcmp(format, "json");
	if (l < 0)
		return err_set(e, ERR_INVALID, "language: bg, ro or en");
	if (!csv && !html && !json)
		return err_set(e, ERR_INVALID, "format: csv, html or json");
	pthread_mutex_lock(&c->lock);
	int rc = rounds_load(c, id, &r, e);
	if (rc)
		goto unlock;
	if (!rounds_is_locked(&r)) {
		rc = err_set(e, ERR_STATE, "round %s is %s: lock the list before publishing it", id,
			     r.status);
		goto unlock;
	}
	static const int cols[] = {T_RANK, T_APP, T_INITIALS, T_LOCALITY, T_GROUP, T_POINTS,
				   T_HOURS, T_OUTCOME};
	if (csv) {
		buf_puts(out, "\xEF\xBB\xBF"); /* UTF-8 byte order mark: spreadsheets read UTF-8 */
		for (int i = 0; i < 8; i++) {
			if (i)
				buf_putc(out, ',');
			csv_field(out, texts[cols[i]][l]);
		}
		buf_puts(out, "\r\n");
	} else if (html) {
		buf_printf(out, "<!DOCTYPE html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\">"
			   "<title>", l == L_BG ? "bg" : l == L_RO ? "ro" : "en");
		html_text(out, texts[T_TITLE][l]);
		buf_printf(out, "</title>%s</head><body>\n<h1>", page_style);
		html_text(out, texts[T_TITLE][l]);
		buf_puts(out, "</h1>\n<p>");
		html_text(out, texts[T_MUNICIPALITY][l]);
		buf_puts(out, " ");
		html_text(out, r.municipality);
		buf_puts(out, " · ");
		html_text(out, texts[T_SERVICE][l]);
		buf_puts(out, " ");
		html_text(out, r.service);
		buf_puts(out, " · ");
		html_text(out, texts[T_DECIDED][l]);
		buf_puts(out, " ");
		html_text(out, r.locked_on);
		buf_puts(out, "</p>\n<table><thead><tr>");
		for (int i = 0; i < 8; i++) {
			buf_puts(out, "<th scope=\"col\">");
			html_text(out, texts[cols[i]][l]);
			buf_puts(out, "</th>");
		}
		buf_puts(out, "</tr></thead><tbody>\n");
	} else {
		buf_puts(out, "{");
		rounds_put_str(out, "round", id);
		buf_putc(out, ',');
		rounds_put_str(out, "municipality", r.municipality);
		buf_putc(out, ',');
		rounds_put_str(out, "service", r.service);
		buf_putc(out, ',');
		rounds_put_str(out, "decided_on", r.locked_on);
		buf_puts(out, ",\"list\":[");
	}
	/* duplicates are the same person twice: listed once, under the
	 * application that was ranked */
	if ((rc = db_prepare(&c->d, &st,
			     "SELECT rank, app_no, initials, locality, grp, points,"
			     " coalesce(override_hours, daily_hours), coalesce(override_outcome, outcome)"
			     " FROM applicant WHERE round_id = :r AND outcome != 'duplicate'"
			     " ORDER BY ord, app_no", e)))
		goto unlock;
	db_bind_text(&st, ":r", id, -1);
	int k = 0;
	while ((rc = db_step(&st, e)) == 1) {
		char rank[24], app[24], pts[32], hrs[32];
		num_text(rank, sizeof rank, &st, 0);
		num_text(app, sizeof app, &st, 1);
		num_text(pts, sizeof pts, &st, 5);
		num_text(hrs, sizeof hrs, &st, 6);
		const char *grp = db_col_is_null(&st, 4) ? "" : db_col_text(&st, 4);
		const char *oc = db_col_text(&st, 7);
		const char *cells[8] = {rank, app, db_col_text(&st, 2), db_col_text(&st, 3), grp, pts, hrs,
					outcome_text(oc, l)};
		if (csv) {
			for (int i = 0; i < 8; i++) {
				if (i)
					buf_putc(out, ',');
				csv_field(out, cells[i]);
			}
			buf_puts(out, "\r\n");
		} else if (html) {
			buf_puts(out, "<tr>");
			for (int i = 0; i < 8; i++) {
				buf_puts(out, i == 0 || i == 1 || i == 5 || i == 6 ? "<td class=\"n\">" : "<td>");
				html_text(out, cells[i]);
				buf_puts(out, "</td>");
			}
			buf_puts(out, "</tr>\n");
		} else {
			buf_printf(out, "%s\n{\"rank\":%s,\"application\":%s,", k ? "," : "",
				   *rank ? rank : "null", app);
			rounds_put_str(out, "initials", cells[2]);
			buf_putc(out, ',');
			rounds_put_str(out, "locality", cells[3]);
			buf_putc(out, ',');
			rounds_put_str(out, "group", *grp ? grp : NULL);
			buf_printf(out, ",\"points\":%s,\"hours\":%s,", *pts ? pts : "null",
				   *hrs ? hrs : "null");
			rounds_put_str(out, "outcome", oc);
			buf_putc(out, '}');
		}
		k++;
	}
	db_finalize(&st);
	if (rc < 0)
		goto unlock;
	if (html) {
		buf_puts(out, "</tbody></table>\n<p>");
		html_text(out, texts[T_PUBLISHED_NOTE][l]);
		buf_puts(out, "</p>\n</body></html>\n");
	} else if (json) {
		buf_puts(out, "\n]}\n");
	}
	/* the first publication marks the round; every one is audited */
	char at[21];
	db_timestamp(at);
	if ((rc = db_begin(&c->d, e)))
		goto unlock;
	if ((rc = db_prepare(&c->d, &st,
			     "UPDATE round SET status = 'published', published_at = coalesce(published_at, :at)"
			     " WHERE id = :r", e)))
		goto fail;
	db_bind_text(&st, ":at", at, -1);
	db_bind_text(&st, ":r", id, -1);
	rc = db_step(&st, e);
	db_finalize(&st);
	if (rc < 0 || (rc = central_audit_locked(c, actor, "round_published", id,
						 csv ? "csv" : html ? "html" : "json", e)) ||
	    (rc = db_commit(&c->d, e)))
		goto fail;
	goto unlock;
fail:
	db_rollback(&c->d);
unlock:
	pthread_mutex_unlock(&c->lock);
	return rc;
}

/* --- the letter --------------------------------------------------------------------- */

static const char *limit_bg(const char *reason)
{
	if (!reason)
		return "ограничения брой места";
	if (!strcmp(reason, "children"))
		return "изчерпаните места за деца";
	if (!strcmp(reason, "hours"))
		return "изчерпания бюджет от часове";
	return "ограничения брой места";
}

static const char *ineligible_bg(const char *reason)
{
	if (reason && !strcmp(reason, "in_institution"))
		return "лицето е настанено в специализирана институция";
	if (reason && !strcmp(reason, "other_service"))
		return "лицето ползва друга услуга със същото предназначение";
	return "не са изпълнени условията за ползване на услугата";
}

static const char *obj_text(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

int rounds_letter(central *c, const char *id, long app_no, buf *out, err *e)
{
	round_row r;
	db_stmt st;
	cJSON *ab = NULL, *pb = NULL;
	pthread_mutex_lock(&c->lock);
	int rc = rounds_load(c, id, &r, e);
	if (rc)
		goto unlock;
	if (!rounds_is_locked(&r)) {
		rc = err_set(e, ERR_STATE, "round %s is %s: letters follow the locked list", id, r.status);
		goto unlock;
	}
	if ((rc = db_prepare(&c->d, &st,
			     "SELECT ap.rank, coalesce(ap.override_hours, ap.daily_hours), ap.points, ap.grp,"
			     " coalesce(ap.override_outcome, ap.outcome), ap.reason, ap.state, ap.decided_on,"
			     " ap.reassess_on, ap.locality, a.body, p.body, ap.override_hours IS NOT NULL"
			     " FROM applicant ap LEFT JOIN record_head ah ON ah.id = ap.assessment_id"
			     " LEFT JOIN revision a ON a.seq = ah.rev_seq"
			     " LEFT JOIN record_head ph ON ph.kind = 'person' AND ph.id = ap.person_id"
			     " LEFT JOIN revision p ON p.seq = ph.rev_seq"
			     " WHERE ap.round_id = :r AND ap.app_no = :n", e)))
		goto unlock;
	db_bind_text(&st, ":r", id, -1);
	db_bind_int(&st, ":n", app_no);
	rc = db_step(&st, e);
	if (rc == 0) {
		rc = err_set(e, ERR_NOTFOUND, "round %.64s has no application %ld", id, app_no);
		goto done;
	}
	if (rc < 0)
		goto done;
	rc = 0;
	ab = db_col_is_null(&st, 10) ? NULL : cJSON_Parse(db_col_text(&st, 10));
	pb = db_col_is_null(&st, 11) ? NULL : cJSON_Parse(db_col_text(&st, 11));
	const cJSON *ap = cJSON_GetObjectItemCaseSensitive(ab, "person");
	const char *name = obj_text(pb, "name") ? obj_text(pb, "name") : obj_text(ap, "name");
	const char *address = obj_text(pb, "address") ? obj_text(pb, "address") : obj_text(ap, "address");
	const char *outcome = db_col_text(&st, 4);
	const char *reason = db_col_is_null(&st, 5) ? NULL : db_col_text(&st, 5);
	char rank[24], hours[32], points[32];
	num_text(rank, sizeof rank, &st, 0);
	num_text(hours, sizeof hours, &st, 1);
	num_text(points, sizeof points, &st, 2);

	buf_puts(out, "<!DOCTYPE html>\n<html lang=\"bg\"><head><meta charset=\"utf-8\">"
		      "<title>Уведомително писмо</title>");
	buf_puts(out, page_style);
	buf_puts(out, "</head><body>\n<p>Община ");
	html_text(out, r.municipality);
	buf_puts(out, "</p>\n<address>До<br>");
	html_text(out, name ? name : "кандидата");
	buf_puts(out, "<br>");
	html_text(out, address ? address : "");
	buf_puts(out, "<br>");
	html_text(out, db_col_text(&st, 9));
	buf_puts(out, "</address>\n<p>Изх. № ");
	html_text(out, id);
	buf_printf(out, "/%ld от ", app_no);
	html_text(out, db_col_is_null(&st, 7) ? r.locked_on : db_col_text(&st, 7));
	buf_puts(out, "</p>\n<h1>Уведомително писмо</h1>\n<p>Относно: заявление № ");
	buf_printf(out, "%ld за предоставяне на услугата „", app_no);
	html_text(out, r.service);
	buf_puts(out, "“.</p>\n<p>Уважаеми/а ");
	html_text(out, name ? name : "господин/госпожо");
	buf_puts(out, ",</p>\n");
	if (!strcmp(outcome, "approved")) {
		buf_puts(out, "<p>Комисията <strong>одобри</strong> предоставянето на услугата в размер на "
			      "<strong>");
		html_text(out, hours);
		buf_puts(out, " часа дневно</strong>");
		if (*points && !db_col_int(&st, 12)) {
			buf_puts(out, " (");
			html_text(out, points);
			buf_puts(out, " часа месечно по оценката на потребностите)");
		}
		buf_puts(out, ". Група: ");
		html_text(out, db_col_is_null(&st, 3) ? "—" : db_col_text(&st, 3));
		buf_puts(out, ". Място в класирането: ");
		html_text(out, *rank ? rank : "—");
		buf_puts(out, ".</p>\n<p>В срок от 14 дни от получаването на писмото можете да "
			      "<strong>приемете</strong> определения брой часове или да направите "
			      "<strong>възражение</strong>, като предложите друг брой часове и посочите "
			      "причините.</p>\n");
	} else if (!strcmp(outcome, "waitlisted")) {
		buf_puts(out, "<p>Заявлението Ви отговаря на условията, но поради ");
		html_text(out, limit_bg(reason));
		buf_puts(out, " е включено в <strong>списъка на чакащите</strong> на място ");
		html_text(out, *rank ? rank : "—");
		buf_puts(out, ". Ще Ви бъде предложено място, когато се освободи такова.</p>\n");
	} else if (!strcmp(outcome, "ineligible")) {
		buf_puts(out, "<p>Заявлението Ви <strong>не отговаря на условията</strong>: ");
		html_text(out, ineligible_bg(reason));
		buf_puts(out, ".</p>\n");
	} else {
		buf_puts(out, "<p>Оценката на потребностите по заявлението Ви не е пълна и то не е "
			      "класирано. Социален работник ще се свърже с Вас.</p>\n");
	}
	if (!db_col_is_null(&st, 8)) {
		buf_puts(out, "<p>Потребностите Ви ще бъдат оценени отново до ");
		html_text(out, db_col_text(&st, 8));
		buf_puts(out, " или по-рано, ако състоянието Ви се промени.</p>\n");
	}
	buf_puts(out, "<p>Решението може да бъде обжалвано по реда на Административнопроцесуалния "
		      "кодекс.</p>\n<p>Председател на комисията: ..............................</p>\n"
		      "</body></html>\n");
done:
	db_finalize(&st);
unlock:
	pthread_mutex_unlock(&c->lock);
	cJSON_Delete(ab);
	cJSON_Delete(pb);
	return rc;
}
