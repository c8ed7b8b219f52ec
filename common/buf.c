/*
 * buf: growable byte buffer (see buf.h).
 */
#include "buf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

int buf_reserve(buf *b, size_t n)
{
	if (b->oom)
		return ERR_NOMEM;
	if (n < b->cap - b->len && b->data)
		return 0;
	size_t need = b->len + n + 1;
	if (need < n) {
		b->oom = 1;
		return ERR_NOMEM;
	}
	size_t cap = b->cap ? b->cap : 64;
	while (cap < need) {
		if (cap > ((size_t)-1) / 2) {
			cap = need;
			break;
		}
		cap *= 2;
	}
	char *p = realloc(b->data, cap);
	if (!p) {
		b->oom = 1;
		return ERR_NOMEM;
	}
	b->data = p;
	b->cap = cap;
	return 0;
}

int buf_append(buf *b, const void *p, size_t n)
{
	int rc = buf_reserve(b, n);
	if (rc)
		return rc;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int buf_puts(buf *b, const char *s)
{
	return buf_append(b, s, strlen(s));
}

int buf_putc(buf *b, char c)
{
	return buf_append(b, &c, 1);
}

int buf_vprintf(buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	va_copy(ap2, ap);
	char small[256];
	int n = vsnprintf(small, sizeof small, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return ERR_INVALID;
	if ((size_t)n < sizeof small)
		return buf_append(b, small, (size_t)n);
	int rc = buf_reserve(b, (size_t)n);
	if (rc)
		return rc;
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int buf_printf(buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = buf_vprintf(b, fmt, ap);
	va_end(ap);
	return rc;
}

void buf_reset(buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

void buf_free(buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
	b->oom = 0;
}

int buf_read_file(buf *b, const char *path, size_t max_bytes, err *e)
{
	int rc = 0;
	FILE *f = fopen(path, "rb");
	if (!f)
		return err_set(e, ERR_IO, "%s: cannot open: %s", path, strerror(errno));
	buf_reset(b);
	char chunk[65536];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
		if (b->len + n > max_bytes) {
			rc = err_set(e, ERR_LIMIT, "%s: larger than the limit of %zu bytes",
				     path, max_bytes);
			goto done;
		}
		if (buf_append(b, chunk, n)) {
			rc = err_set(e, ERR_NOMEM, "%s: out of memory", path);
			goto done;
		}
	}
	if (ferror(f)) {
		rc = err_set(e, ERR_IO, "%s: read error: %s", path, strerror(errno));
		goto done;
	}
	if (!b->data && buf_reserve(b, 0))
		rc = err_set(e, ERR_NOMEM, "%s: out of memory", path);
	else if (b->data)
		b->data[b->len] = '\0';
done:
	fclose(f);
	return rc;
}
