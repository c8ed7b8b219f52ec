/*
 * json: bounded JSON reading and writing on top of cJSON.
 *
 * cJSON parses; this module decides what may reach it. Every text is first
 * scanned against explicit limits (size, nesting depth, string length,
 * valid UTF-8, no NUL or raw control characters), so a hostile 10,000-deep
 * document or a 2 GB string is refused with a message before any tree is
 * built. A top-level array can also be read element by element from a file,
 * so a million-case file never has to be one tree in memory.
 */
#ifndef FA_JSON_H
#define FA_JSON_H

#include <stdio.h>
#include <cjson/cJSON.h>

#include "buf.h"
#include "err.h"

typedef struct json_limits {
	size_t max_bytes;  /* whole text */
	int max_depth;     /* nesting of arrays/objects */
	size_t max_string; /* bytes of one string, after escapes are counted raw */
} json_limits;

/* Limits for one assessment, one instrument file, one sync request. */
extern const json_limits json_limits_case;
extern const json_limits json_limits_instrument;

/* Checks s[0..len) against lim without building anything: size, depth,
 * string length, valid UTF-8 (no overlongs or surrogates), no raw control
 * characters inside strings, no \u0000 escapes, no NUL bytes. Returns 0 or
 * ERR_LIMIT/ERR_INVALID with "line L, column C: …". */
int json_scan(const char *s, size_t len, const json_limits *lim, err *e);

/* json_scan, then cJSON. On success *out is a tree the caller frees with
 * cJSON_Delete. Trailing non-space text is an error. */
int json_parse(const char *s, size_t len, const json_limits *lim, cJSON **out,
	       err *e);

/* Line and column (1-based, column in bytes) of offset off in s. */
void json_position(const char *s, size_t off, int *line, int *col);

/* Appends s[0..len) as a JSON string literal (quotes included). Non-ASCII
 * UTF-8 is written as is. */
int json_write_string(buf *b, const char *s, size_t len);

/* Appends a number: integers (|x| < 2^53) without a fraction, others with
 * the shortest "%.17g" form that reads back the same; non-finite → null. */
int json_write_number(buf *b, double x);

/* Reads a top-level JSON array from a stream, one element at a time. */
typedef struct json_array_reader {
	FILE *f;
	const char *name;  /* for messages: the file name */
	size_t max_elem;   /* bytes of one element */
	buf elem;          /* text of the current element */
	size_t index;      /* elements returned so far */
	unsigned long long offset; /* bytes consumed */
	int done;
	char rbuf[65536];
	size_t rpos, rlen;
} json_array_reader;

/* Skips leading white space and the '['. ERR_INVALID "… is not a JSON
 * array" if the first other character is not '['. */
int json_array_open(json_array_reader *r, FILE *f, const char *name,
		    size_t max_elem, err *e);

/* Returns 1 and the text of the next element in *text and *len (valid until
 * the next call), 0 at the closing ']', or a negative error (malformed,
 * element larger than max_elem, text after the array). */
int json_array_next(json_array_reader *r, const char **text, size_t *len,
		    err *e);

void json_array_close(json_array_reader *r);

/* Walking a text that json_scan has accepted (well-formed, strings closed)
 * without building a tree, e.g. to find the bytes of a value as sent.
 * They only skip; they do not check again. end is one past the text. */
const char *json_skip_ws(const char *p, const char *end);
/* Past the value starting at p (object, array, string or scalar). */
const char *json_skip_value(const char *p, const char *end);
/* Steps over the members of the object at *pp: first = 1 for the first
 * call (*pp at the '{'). Returns 1 with the key's raw bytes in *k, *klen
 * and *pp at its value (the caller skips the value, or walks into it, and
 * calls again with first = 0); 0 at the closing brace (*pp past it); -1
 * when the text is not an object or a key holds an escape (then its bytes
 * are not its name). */
int json_next_member(const char **pp, const char *end, int first, const char **k, size_t *klen);

/* A thread's arena for cJSON trees parsed in bulk (a push of 500 records,
 * a million cases to rank): json_arena_install sets cJSON's allocator once
 * for the process, before other threads use cJSON (a no-op later). Between
 * json_arena_begin and json_arena_pause the calling thread's cJSON
 * allocations come from its arena; json_arena_release drops them all at
 * once (cJSON_Delete of such a tree frees nothing, and the tree must not
 * be used after). Any other allocation is malloc, freed by cJSON as usual. */
void json_arena_install(void);
void json_arena_begin(void);
void json_arena_pause(void);
void json_arena_release(void);

#endif
