/*
 * json: bounded JSON scanning, parsing, writing and array streaming (see
 * json.h).
 */
#include "json.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

const json_limits json_limits_case = {256 * 1024, 16, 16 * 1024};
const json_limits json_limits_instrument = {1024 * 1024, 32, 4096};

void json_position(const char *s, size_t off, int *line, int *col)
{
	int l = 1, c = 1;
	for (size_t i = 0; i < off; i++) {
		if (s[i] == '\n') {
			l++;
			c = 1;
		} else {
			c++;
		}
	}
	*line = l;
	*col = c;
}

static int scan_fail(const char *s, size_t off, err *e, int code, const char *what)
{
	int line, col;
	json_position(s, off, &line, &col);
	return err_set(e, code, "line %d, column %d: %s", line, col, what);
}

/* Length of the UTF-8 sequence starting at p (at most n bytes available),
 * or 0 if it is not a valid, shortest-form, non-surrogate sequence. */
static size_t utf8_seq(const unsigned char *p, size_t n)
{
	unsigned c = p[0];
	if (c < 0x80)
		return 1;
	size_t k;
	unsigned cp;
	if (c >= 0xC2 && c <= 0xDF) {
		k = 2;
		cp = c & 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		k = 3;
		cp = c & 0x0F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		k = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (n < k)
		return 0;
	for (size_t i = 1; i < k; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3F);
	}
	if ((k == 3 && cp < 0x800) || (k == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
		return 0;
	if (cp >= 0xD800 && cp <= 0xDFFF)
		return 0;
	return k;
}

int json_scan(const char *s, size_t len, const json_limits *lim, err *e)
{
	const unsigned char *p = (const unsigned char *)s;
	if (len > lim->max_bytes)
		return err_set(e, ERR_LIMIT, "larger than the limit of %zu bytes",
			       lim->max_bytes);
	int depth = 0;
	size_t i = 0;
	while (i < len) {
		unsigned c = p[i];
		if (c == '"') {
			size_t start = ++i;
			for (;;) {
				if (i >= len)
					return scan_fail(s, start - 1, e, ERR_INVALID,
							 "unterminated string");
				c = p[i];
				if (c == '"')
					break;
				if (c < 0x20)
					return scan_fail(s, i, e, ERR_INVALID,
							 "control character inside a string");
				if (c == '\\') {
					if (i + 1 >= len)
						return scan_fail(s, i, e, ERR_INVALID,
								 "unterminated string");
					if (p[i + 1] == 'u' && i + 5 < len &&
					    memcmp(s + i + 2, "0000", 4) == 0)
						return scan_fail(s, i, e, ERR_INVALID,
								 "NUL character (\\u0000) in a string");
					i += 2;
					continue;
				}
				size_t k = utf8_seq(p + i, len - i);
				if (!k)
					return scan_fail(s, i, e, ERR_INVALID, "invalid UTF-8");
				i += k;
			}
			if (i - start > lim->max_string)
				return scan_fail(s, start, e, ERR_LIMIT, "string too long");
			i++;
			continue;
		}
		if (c == '[' || c == '{') {
			if (++depth > lim->max_depth)
				return scan_fail(s, i, e, ERR_LIMIT, "nested too deeply");
		} else if (c == ']' || c == '}') {
			depth--;
		} else if (c == 0) {
			return scan_fail(s, i, e, ERR_INVALID, "NUL byte");
		} else if (c >= 0x80) {
			return scan_fail(s, i, e, ERR_INVALID, "unexpected byte outside a string");
		}
		i++;
	}
	return 0;
}

int json_parse(const char *s, size_t len, const json_limits *lim, cJSON **out,
	       err *e)
{
	*out = NULL;
	if (len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) { /* a UTF-8 byte order mark */
		s += 3;
		len -= 3;
	}
	int rc = json_scan(s, len, lim, e);
	if (rc)
		return rc;
	const char *end = NULL;
	cJSON *j = cJSON_ParseWithLengthOpts(s, len, &end, 0);
	if (!j) {
		size_t off = end && end >= s && end <= s + len ? (size_t)(end - s) : 0;
		return scan_fail(s, off, e, ERR_INVALID, "not valid JSON");
	}
	size_t off = (size_t)(end - s);
	while (off < len && (s[off] == ' ' || s[off] == '\t' || s[off] == '\n' ||
			     s[off] == '\r'))
		off++;
	if (off < len) {
		cJSON_Delete(j);
		return scan_fail(s, off, e, ERR_INVALID, "text after the JSON value");
	}
	*out = j;
	return 0;
}

int json_write_string(buf *b, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	int rc = buf_reserve(b, len + 2);
	if (rc)
		return rc;
	buf_putc(b, '"');
	size_t run = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		const char *esc = NULL;
		char u[7];
		if (c == '"')
			esc = "\\\"";
		else if (c == '\\')
			esc = "\\\\";
		else if (c == '\n')
			esc = "\\n";
		else if (c == '\r')
			esc = "\\r";
		else if (c == '\t')
			esc = "\\t";
		else if (c < 0x20) {
			u[0] = '\\'; u[1] = 'u'; u[2] = '0'; u[3] = '0';
			u[4] = hex[c >> 4]; u[5] = hex[c & 15]; u[6] = 0;
			esc = u;
		}
		if (esc) {
			buf_append(b, s + run, i - run);
			buf_puts(b, esc);
			run = i + 1;
		}
	}
	buf_append(b, s + run, len - run);
	return buf_putc(b, '"');
}

int json_write_number(buf *b, double x)
{
	if (!isfinite(x))
		return buf_puts(b, "null");
	if (x == floor(x) && fabs(x) < 9007199254740992.0)
		return buf_printf(b, "%.0f", x);
	char tmp[32];
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(tmp, sizeof tmp, "%.*g", prec, x);
		if (strtod(tmp, NULL) == x)
			break;
	}
	return buf_puts(b, tmp);
}

/* --- streaming a top-level array ------------------------------------- */

static int rd_byte(json_array_reader *r)
{
	if (r->rpos == r->rlen) {
		r->rlen = fread(r->rbuf, 1, sizeof r->rbuf, r->f);
		r->rpos = 0;
		if (r->rlen == 0)
			return -1;
	}
	r->offset++;
	return (unsigned char)r->rbuf[r->rpos++];
}

static int is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int rd_skip_space(json_array_reader *r)
{
	int c;
	do
		c = rd_byte(r);
	while (c >= 0 && is_space(c));
	return c;
}

int json_array_open(json_array_reader *r, FILE *f, const char *name,
		    size_t max_elem, err *e)
{
	memset(r, 0, sizeof *r);
	r->f = f;
	r->name = name;
	r->max_elem = max_elem;
	int c = rd_skip_space(r);
	if (c == 0xEF) { /* a UTF-8 byte order mark, as some editors write */
		if (rd_byte(r) != 0xBB || rd_byte(r) != 0xBF)
			return err_set(e, ERR_INVALID, "%s: not JSON", name);
		c = rd_skip_space(r);
	}
	if (c < 0)
		return err_set(e, ERR_INVALID, "%s: empty file, expected a JSON array", name);
	if (c != '[')
		return err_set(e, ERR_INVALID, "%s: not a JSON array (it starts with '%c')",
			       name, c >= 0x20 && c < 0x7f ? c : '?');
	return 0;
}

int json_array_next(json_array_reader *r, const char **text, size_t *len, err *e)
{
	if (r->done)
		return 0;
	buf_reset(&r->elem);
	int c = rd_skip_space(r);
	if (c == ']' && r->index == 0)
		goto closing;
	if (r->index > 0) {
		if (c == ']')
			goto closing;
		if (c != ',')
			return err_set(e, ERR_INVALID,
				       "%s: byte %llu: expected ',' or ']' after element %zu",
				       r->name, r->offset, r->index);
		c = rd_skip_space(r);
	}
	if (c < 0)
		return err_set(e, ERR_INVALID, "%s: the array is not closed (truncated file?)",
			       r->name);
	/* Copy one value: track strings and nesting so that a ',' or ']'
	 * inside it is not taken for the end. Bytes are scanned inside the
	 * read buffer and copied a span at a time. */
	int depth = 0, in_str = 0, esc = 0, scalar = 0;
	if (c == '"')
		in_str = 1;
	else if (c == '{' || c == '[')
		depth = 1;
	else
		scalar = 1;
	if (buf_putc(&r->elem, (char)c))
		return err_set(e, ERR_NOMEM, "out of memory");
	for (;;) {
		if (r->rpos == r->rlen) {
			r->rlen = fread(r->rbuf, 1, sizeof r->rbuf, r->f);
			r->rpos = 0;
			if (r->rlen == 0) {
				if (scalar)
					break; /* the caller then finds the array unclosed */
				return err_set(e, ERR_INVALID,
					       "%s: element %zu is cut off (truncated file?)",
					       r->name, r->index + 1);
			}
		}
		size_t i = r->rpos;
		int done = 0;
		for (; i < r->rlen; i++) {
			unsigned char ch = (unsigned char)r->rbuf[i];
			if (scalar) {
				if (ch == ',' || ch == ']' || is_space(ch)) {
					done = 1;
					break;
				}
			} else if (in_str) {
				if (esc)
					esc = 0;
				else if (ch == '\\')
					esc = 1;
				else if (ch == '"') {
					in_str = 0;
					if (depth == 0) {
						i++;
						done = 1;
						break;
					}
				}
			} else if (ch == '"') {
				in_str = 1;
			} else if (ch == '{' || ch == '[') {
				depth++;
			} else if ((ch == '}' || ch == ']') && --depth == 0) {
				i++;
				done = 1;
				break;
			}
		}
		size_t n = i - r->rpos;
		if (r->elem.len + n > r->max_elem)
			return err_set(e, ERR_LIMIT, "%s: element %zu is larger than %zu bytes",
				       r->name, r->index + 1, r->max_elem);
		if (buf_append(&r->elem, r->rbuf + r->rpos, n))
			return err_set(e, ERR_NOMEM, "out of memory");
		r->offset += n;
		r->rpos = i;
		if (done)
			break;
	}
	r->index++;
	*text = r->elem.data;
	*len = r->elem.len;
	return 1;
closing:
	c = rd_skip_space(r);
	if (c >= 0)
		return err_set(e, ERR_INVALID, "%s: byte %llu: text after the closing ']'",
			       r->name, r->offset);
	r->done = 1;
	return 0;
}

void json_array_close(json_array_reader *r)
{
	buf_free(&r->elem);
}

/* --- skipping through accepted text (json.h) --------------------------------- */

const char *json_skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

/* Past a string starting at its opening quote; when escaped is not NULL,
 * *escaped is set if the string holds a backslash anywhere. */
static const char *skip_string(const char *p, const char *end, int *escaped)
{
	const char *start = ++p;
	for (;;) {
		const char *q = memchr(p, '"', (size_t)(end - p));
		if (!q)
			return end;
		const char *b = q;
		while (b > p && b[-1] == '\\')
			b--;
		if ((q - b) % 2 == 0) {
			if (escaped && memchr(start, '\\', (size_t)(q - start)))
				*escaped = 1;
			return q + 1;
		}
		p = q + 1; /* an escaped quote */
	}
}

const char *json_skip_value(const char *p, const char *end)
{
	int depth = 0;
	do {
		if (p >= end)
			return end;
		char ch = *p;
		if (ch == '"') {
			p = skip_string(p, end, NULL);
			continue;
		}
		if (ch == '{' || ch == '[')
			depth++;
		else if (ch == '}' || ch == ']')
			depth--;
		else if (!depth) { /* a number, true, false or null */
			while (p < end && *p != ',' && *p != '}' && *p != ']' && *p != ' ' &&
			       *p != '\n' && *p != '\t' && *p != '\r')
				p++;
			return p;
		}
		p++;
	} while (depth > 0);
	return p;
}

/* Steps over the members of the object at p. For each key, k and klen give its
 * raw text and p is left at its value; the caller skips the value (or
 * walks into it) and calls again. Returns 1 with a member, 0 at the
 * closing brace (p past it), -1 when the text is not what is expected or a
 * key is written with an escape (then its bytes are not its name). */
int json_next_member(const char **pp, const char *end, int first, const char **k, size_t *klen)
{
	const char *p = json_skip_ws(*pp, end);
	if (first) {
		if (p >= end || *p != '{')
			return -1;
		p = json_skip_ws(p + 1, end);
	} else if (p < end && *p == ',') {
		p = json_skip_ws(p + 1, end);
	}
	if (p < end && *p == '}') {
		*pp = p + 1;
		return 0;
	}
	if (p >= end || *p != '"')
		return -1;
	int esc = 0;
	const char *kend = skip_string(p, end, &esc);
	if (esc || kend > end)
		return -1;
	*k = p + 1;
	*klen = (size_t)(kend - 1 - *k);
	p = json_skip_ws(kend, end);
	if (p >= end || *p != ':')
		return -1;
	*pp = json_skip_ws(p + 1, end);
	return 1;
}

/* --- a thread's arena for cJSON (json.h) -------------------------------------
 *
 * A tree parsed between json_arena_begin and json_arena_pause lives in a
 * few large blocks of the thread's own, dropped at once by
 * json_arena_release; cJSON's free is a no-op for pointers inside them.
 * Every other cJSON allocation (other threads, other times) is malloc. */

typedef struct arena_block {
	struct arena_block *next;
	size_t used, size;
	_Alignas(16) unsigned char data[];
} arena_block;

typedef struct arena {
	arena_block *blocks;
	int active; /* cJSON allocates here */
} arena;

static _Thread_local arena tl_arena;

/* A thread's kept block is freed when the thread ends: a key whose
 * destructor runs at thread exit. */
static pthread_key_t arena_key;
static pthread_once_t arena_once = PTHREAD_ONCE_INIT;

static void arena_thread_end(void *p)
{
	arena *a = p;
	while (a->blocks) {
		arena_block *next = a->blocks->next;
		free(a->blocks);
		a->blocks = next;
	}
}

static void arena_key_make(void)
{
	pthread_key_create(&arena_key, arena_thread_end);
}

#define ARENA_FIRST (64 * 1024)
#define ARENA_MAX_BLOCK (1024 * 1024)

static void *arena_alloc(size_t n)
{
	arena *a = &tl_arena;
	if (!a->active)
		return malloc(n);
	n = (n + 15) & ~(size_t)15;
	arena_block *b = a->blocks;
	if (!b || b->size - b->used < n) {
		size_t size = b ? b->size * 2 : ARENA_FIRST;
		if (size > ARENA_MAX_BLOCK)
			size = ARENA_MAX_BLOCK;
		if (size < n)
			size = n;
		arena_block *nb = malloc(sizeof *nb + size);
		if (!nb)
			return NULL;
		if (!b) { /* this thread's first block: free it when the thread ends */
			pthread_once(&arena_once, arena_key_make);
			pthread_setspecific(arena_key, a);
		}
		nb->next = b;
		nb->used = 0;
		nb->size = size;
		a->blocks = b = nb;
	}
	void *p = b->data + b->used;
	b->used += n;
	return p;
}

static void arena_free(void *p)
{
	for (const arena_block *b = tl_arena.blocks; b; b = b->next)
		if ((unsigned char *)p >= b->data && (unsigned char *)p < b->data + b->size)
			return;
	free(p);
}

/* Keeps the newest block (the largest, at most ARENA_MAX_BLOCK = 1 MB) for
 * the thread's next tree, so a steady stream of them does not map and
 * fault in fresh pages each time. */
void json_arena_release(void)
{
	arena_block *b = tl_arena.blocks;
	if (b) {
		arena_block *rest = b->next;
		b->next = NULL;
		b->used = 0;
		while (rest) {
			arena_block *next = rest->next;
			free(rest);
			rest = next;
		}
	}
	tl_arena.active = 0;
}

void json_arena_begin(void)
{
	tl_arena.active = 1;
}

void json_arena_pause(void)
{
	tl_arena.active = 0;
}

static void arena_hooks(void)
{
	cJSON_Hooks hooks = {arena_alloc, arena_free};
	cJSON_InitHooks(&hooks);
}

void json_arena_install(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, arena_hooks);
}
