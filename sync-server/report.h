/*
 * report: the programme report of the Bulgarian home-care services for a
 * period (domain.md §6, seed 000): applications received (children among
 * them), needs assessments made, contracts with users (children among
 * them), users of each service, integrated services given at home,
 * assistants recruited, interviewed, trained and contracted, and the
 * localities served — as JSON, CSV and a printable HTML page.
 *
 * Also the small output helpers the census and assistant modules share:
 * CSV (UTF-8 with a byte-order mark so spreadsheet programs read it as
 * UTF-8, RFC 4180 quoting, CRLF line ends), HTML escaping, initials,
 * dates. No report carries a national id, a name or an address.
 */
#ifndef SS_REPORT_H
#define SS_REPORT_H

#include <stddef.h>

#include "buf.h"
#include "central.h"
#include "err.h"
#include "inst.h"

/* --- shared helpers ----------------------------------------------------------- */

/* 1 if s is a real date "YYYY-MM-DD" (and nothing after it). */
int report_date_valid(const char *s);
/* Today's date (UTC) as "YYYY-MM-DD". */
void report_today(char out[11]);
/* "Мария Петрова Иванова" → "М.П.И." (first letter of each word, UTF-8
 * aware; at most 8 words); "" for an empty name. */
void report_initials(const char *name, char *out, size_t n);
/* A number as people write it: 3, 2.5, 0.17 (at most 2 decimals). */
void report_fmt_number(char *out, size_t n, double x);

/* Starts a CSV document: the UTF-8 byte-order mark. */
void report_csv_begin(buf *out);
/* Appends one field, quoted when it holds a comma, a quote, CR or LF, or
 * starts with a character a spreadsheet would take for a formula
 * (= + - @: then it is also prefixed with a quote mark, OWASP's advice);
 * NULL is an empty field. */
void report_csv_field(buf *out, const char *s);
/* Appends a row of n fields and CRLF. */
void report_csv_row(buf *out, const char *const *cells, size_t n);

/* Appends s with & < > " ' escaped for HTML. */
void report_html_escape(buf *out, const char *s);

/* --- the programme report ----------------------------------------------------- */

typedef enum report_format { REPORT_JSON = 0, REPORT_CSV, REPORT_HTML, REPORT_TEXT } report_format;

/* "json", "csv", "html", "text" → the format, or -1. */
int report_format_parse(const char *s);

/* Writes the programme report for from..to (inclusive dates) in format,
 * labels (CSV, HTML) in lang. ERR_INVALID for bad dates or from > to. */
int report_programme(central *c, const char *from, const char *to, report_format format,
		     inst_lang lang, buf *out, err *e);

#endif
