/*
 * buf: the one growable byte buffer used everywhere (Fossil's Blob).
 * The bytes are always followed by a NUL that is not counted in len, so
 * buf.data can be handed to C string functions when it holds text.
 */
#ifndef FA_BUF_H
#define FA_BUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct buf {
	char *data; /* NULL until the first append; owned, freed by buf_free */
	size_t len;
	size_t cap;
	int oom;    /* set once an allocation failed; later appends do nothing */
} buf;

#define BUF_INIT {NULL, 0, 0, 0}

/* Appends n bytes. Returns 0 or ERR_NOMEM (and sets b->oom). */
int buf_append(buf *b, const void *p, size_t n);
int buf_puts(buf *b, const char *s);
int buf_putc(buf *b, char c);
int buf_printf(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int buf_vprintf(buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Ensures room for n more bytes without changing len. */
int buf_reserve(buf *b, size_t n);
/* Empties the buffer, keeping its memory. */
void buf_reset(buf *b);
/* Releases the memory; b becomes empty and reusable. */
void buf_free(buf *b);

/* Reads a whole file into b (replacing its content). Refuses files larger
 * than max_bytes with ERR_LIMIT. Returns 0, ERR_IO (message names the path
 * and the system error), ERR_LIMIT or ERR_NOMEM. */
struct err;
int buf_read_file(buf *b, const char *path, size_t max_bytes, struct err *e);

#endif
