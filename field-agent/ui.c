/*
 * ui: text screen helpers (see ui.h).
 */
#include "ui.h"

#include <string.h>

size_t ui_width(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

void ui_wrap(buf *b, const char *text, size_t width, size_t indent)
{
	/* start from the column the buffer's last line has reached */
	size_t col = 0;
	if (b->len) {
		size_t i = b->len;
		while (i > 0 && b->data[i - 1] != '\n')
			i--;
		col = ui_width(b->data + i);
	}
	int line_start = 1;
	const char *p = text;
	while (*p) {
		if (*p == '\n') { /* explicit line breaks are kept */
			buf_printf(b, "\n%*s", (int)indent, "");
			col = indent;
			line_start = 1;
			p++;
			continue;
		}
		if (*p == ' ') {
			p++;
			continue;
		}
		const char *w = p;
		while (*w && *w != ' ' && *w != '\n')
			w++;
		size_t len = (size_t)(w - p), cols = 0;
		for (size_t i = 0; i < len; i++)
			cols += ((unsigned char)p[i] & 0xC0) != 0x80;
		if (!line_start && col + 1 + cols > width) {
			buf_printf(b, "\n%*s", (int)indent, "");
			col = indent;
			line_start = 1;
		}
		if (!line_start) {
			buf_putc(b, ' ');
			col++;
		}
		buf_append(b, p, len);
		col += cols;
		line_start = 0;
		p = w;
	}
}

void ui_rule(buf *b, const char *title, const char *tag, size_t width)
{
	size_t used = 3 + ui_width(title) + 1 + (tag && *tag ? ui_width(tag) + 2 : 0);
	buf_printf(b, "── %s ", title);
	for (size_t i = used; i < width; i++)
		buf_puts(b, "─");
	if (tag && *tag)
		buf_printf(b, " %s", tag);
	buf_putc(b, '\n');
}

int ui_read_line(FILE *in, buf *b, size_t max, int *cut)
{
	buf_reset(b);
	*cut = 0;
	int c;
	while ((c = fgetc(in)) != EOF && c != '\n') {
		if (b->len < max)
			buf_putc(b, (char)c);
		else
			*cut = 1;
	}
	if (c == EOF && b->len == 0)
		return -1;
	if (b->len && b->data[b->len - 1] == '\r')
		b->data[--b->len] = '\0';
	if (!b->data)
		buf_puts(b, "");
	return 0;
}

void ui_flush(FILE *f, buf *b)
{
	if (b->len)
		fwrite(b->data, 1, b->len, f);
	fflush(f);
	buf_reset(b);
}
