/*
 * ui: small helpers for text screens that must work in an 80×24 terminal,
 * on a small handheld screen and through a pipe: UTF-8 aware widths,
 * word wrapping, rules, and reading one line of input.
 */
#ifndef FA_UI_H
#define FA_UI_H

#include <stdio.h>

#include "buf.h"

#define UI_WIDTH 78

/* Columns taken by UTF-8 text (one per code point: the scripts we show
 * are Latin and Cyrillic). */
size_t ui_width(const char *s);

/* Appends text word-wrapped to width columns, continuing the buffer's last
 * line; lines after the first are indented by indent spaces. */
void ui_wrap(buf *b, const char *text, size_t width, size_t indent);

/* Appends a rule "── title ───…" of width columns, with right-aligned tag. */
void ui_rule(buf *b, const char *title, const char *tag, size_t width);

/* Reads one line (without the newline) into b, at most max bytes; longer
 * input is cut and the rest of the line discarded (*cut set). Returns 0,
 * or -1 at end of input. */
int ui_read_line(FILE *in, buf *b, size_t max, int *cut);

/* Writes b to f and flushes. */
void ui_flush(FILE *f, buf *b);

#endif
