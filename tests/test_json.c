/*
 * test_json: the bounded JSON layer (common/json.c) — json_scan and
 * json_parse limits and errors with their line/column, json_write_string
 * and json_write_number round-tripping through cJSON, and the streaming
 * json_array_reader over in-memory files.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "test.h"
#include "../common/json.h"

static const json_limits small_lim = {64, 4, 8};

/* json_scan over s[0..len); checks the code and the exact message. */
static void scan_is(int line, const char *s, size_t len, const json_limits *lim,
		    int code, const char *msg)
{
	err e = {0, ""};
	int rc = json_scan(s, len, lim, &e);
	if (rc != code || (msg && strcmp(e.msg, msg) != 0)) {
		fprintf(stderr, "  %s:%d: json_scan == %d \"%s\", expected %d \"%s\"\n",
			__FILE__, line, rc, e.msg, code, msg ? msg : "");
		test_failures++;
	}
}

#define SCAN(lit, lim, code, msg) scan_is(__LINE__, lit, sizeof(lit) - 1, lim, code, msg)

/* json_parse of a literal; checks code, message and that no tree leaks out. */
static void parse_is(int line, const char *s, size_t len, int code, const char *msg)
{
	err e = {0, ""};
	cJSON *j = (cJSON *)1;
	int rc = json_parse(s, len, &json_limits_case, &j, &e);
	if (rc != code || (msg && strcmp(e.msg, msg) != 0) || (rc != 0) != (j == NULL)) {
		fprintf(stderr, "  %s:%d: json_parse == %d \"%s\", expected %d \"%s\"\n",
			__FILE__, line, rc, e.msg, code, msg ? msg : "");
		test_failures++;
	}
	cJSON_Delete(rc == 0 ? j : NULL);
}

#define PARSE(lit, code, msg) parse_is(__LINE__, lit, sizeof(lit) - 1, code, msg)

static void json_scan_depth_limit(void)
{
	size_t n = 10000;
	char *s = malloc(2 * n);
	CHECK(s != NULL);
	if (!s)
		return;
	memset(s, '[', n);
	memset(s + n, ']', n);
	scan_is(__LINE__, s, 2 * n, &json_limits_case, ERR_LIMIT,
		"line 1, column 17: nested too deeply");
	err e = {0, ""};
	cJSON *j = NULL;
	CHECK_INT(json_parse(s, 2 * n, &json_limits_instrument, &j, &e), ERR_LIMIT);
	CHECK_STR(e.msg, "line 1, column 33: nested too deeply");
	CHECK(j == NULL);
	/* exactly the limit is fine; objects count as well */
	scan_is(__LINE__, s + n - 16, 32, &json_limits_case, 0, NULL);
	SCAN("{\"a\":[{\"b\":[1]}]}", &small_lim, 0, NULL);
	SCAN("{\"a\":[{\"b\":[{}]}]}", &small_lim, ERR_LIMIT,
	     "line 1, column 13: nested too deeply");
	/* brackets inside strings do not count */
	SCAN("[\"[[[[[[[\"]", &small_lim, 0, NULL);
	free(s);
}

static void json_scan_string_limit(void)
{
	SCAN("[\"12345678\"]", &small_lim, 0, NULL);
	SCAN("[\"123456789\"]", &small_lim, ERR_LIMIT, "line 1, column 3: string too long");
	SCAN("{\"123456789\":1}", &small_lim, ERR_LIMIT, "line 1, column 3: string too long");
	/* escapes are counted raw: \n is two bytes */
	SCAN("[\"\\n\\n\\n\\n\"]", &small_lim, 0, NULL);
	SCAN("[\"\\n\\n\\n\\na\"]", &small_lim, ERR_LIMIT, "line 1, column 3: string too long");
	SCAN("[\n \"abc\",\n  \"123456789\"]", &small_lim, ERR_LIMIT,
	     "line 3, column 4: string too long");
	SCAN("[\"abc", &small_lim, ERR_INVALID, "line 1, column 2: unterminated string");
}

static void json_scan_invalid_utf8(void)
{
	const json_limits *l = &json_limits_case;
	SCAN("[\"a\x80\"]", l, ERR_INVALID, "line 1, column 4: invalid UTF-8");
	SCAN("[\"\xC0\xAF\"]", l, ERR_INVALID, "line 1, column 3: invalid UTF-8");
	SCAN("[\"\xC1\xBF\"]", l, ERR_INVALID, "line 1, column 3: invalid UTF-8");
	SCAN("[\"\xE0\x80\xAF\"]", l, ERR_INVALID, "line 1, column 3: invalid UTF-8");
	SCAN("[\"\xF0\x80\x80\xAF\"]", l, ERR_INVALID, "line 1, column 3: invalid UTF-8");
	SCAN("[\"ab\xED\xA0\x80\"]", l, ERR_INVALID, "line 1, column 5: invalid UTF-8");
	SCAN("[\"\xED\xBF\xBF\"]", l, ERR_INVALID, "line 1, column 3: invalid UTF-8");
	SCAN("[\"\xF4\x90\x80\x80\"]", l, ERR_INVALID, "line 1, column 3: invalid UTF-8");
	SCAN("[\"\xF5\x80\x80\x80\"]", l, ERR_INVALID, "line 1, column 3: invalid UTF-8");
	SCAN("[\"\xFF\"]", l, ERR_INVALID, "line 1, column 3: invalid UTF-8");
	/* truncated: the sequence is cut by the quote, or by the end */
	SCAN("[\"\xE2\x82\"]", l, ERR_INVALID, "line 1, column 3: invalid UTF-8");
	SCAN("[\"\xE2\x82", l, ERR_INVALID, "line 1, column 3: invalid UTF-8");
	SCAN("[\"\xD0", l, ERR_INVALID, "line 1, column 3: invalid UTF-8");
	SCAN("{\n  \"k\": \"x\x80\"\n}", l, ERR_INVALID, "line 2, column 10: invalid UTF-8");
	/* the largest valid sequences of each length pass */
	SCAN("[\"\xC2\x80\xDF\xBF\xEE\x80\x80\xEF\xBF\xBF\xF0\x90\x80\x80\xF4\x8F\xBF\xBF\"]",
	     l, 0, NULL);
	PARSE("[\"\xED\xA0\x80\"]", ERR_INVALID, "line 1, column 3: invalid UTF-8");
}

static void json_scan_control_and_nul(void)
{
	const json_limits *l = &json_limits_case;
	SCAN("[\"a\tb\"]", l, ERR_INVALID, "line 1, column 4: control character inside a string");
	SCAN("[\"a\nb\"]", l, ERR_INVALID, "line 1, column 4: control character inside a string");
	SCAN("[\"\x1f\"]", l, ERR_INVALID, "line 1, column 3: control character inside a string");
	SCAN("[\"a\\tb\"]", l, 0, NULL); /* escaped: fine */
	SCAN("[\"\x7f\"]", l, 0, NULL);  /* DEL is not a control character in JSON */
	SCAN("[\"a\\u0000\"]", l, ERR_INVALID,
	     "line 1, column 4: NUL character (\\u0000) in a string");
	SCAN("{\"\\u0000\":1}", l, ERR_INVALID,
	     "line 1, column 3: NUL character (\\u0000) in a string");
	SCAN("[\"\\u0001\"]", l, 0, NULL);
	SCAN("[\"\\\\u0000\"]", l, 0, NULL); /* an escaped backslash, then text */
	SCAN("[1,\0 2]", l, ERR_INVALID, "line 1, column 4: NUL byte");
	SCAN("[\"a\0\"]", l, ERR_INVALID, "line 1, column 4: control character inside a string");
	SCAN("[1,\xC3\xA9]", l, ERR_INVALID, "line 1, column 4: unexpected byte outside a string");
	PARSE("[\"a\\u0000\"]", ERR_INVALID, "line 1, column 4: NUL character (\\u0000) in a string");
	PARSE("[\"x\",\n \"\\u0001\"]", 0, NULL);
}

static void json_parse_trailing_and_invalid(void)
{
	PARSE("[1] x", ERR_INVALID, "line 1, column 5: text after the JSON value");
	PARSE("{}{}", ERR_INVALID, "line 1, column 3: text after the JSON value");
	PARSE("{\"a\":1}\n\n  2", ERR_INVALID, "line 3, column 3: text after the JSON value");
	PARSE("  [1]  \r\n\t ", 0, NULL);
	PARSE("42", 0, NULL);
	err e = {0, ""};
	cJSON *j = (cJSON *)1;
	CHECK_INT(json_parse("[1,]", 4, &json_limits_case, &j, &e), ERR_INVALID);
	CHECK(j == NULL);
	CHECK(strncmp(e.msg, "line 1, column ", 15) == 0);
	CHECK(strstr(e.msg, ": not valid JSON") != NULL);
	CHECK_INT(json_parse("", 0, &json_limits_case, &j, &e), ERR_INVALID);
	CHECK(j == NULL);
	int line, col;
	json_position("ab\ncd\n\nxyz", 9, &line, &col);
	CHECK_INT(line, 4);
	CHECK_INT(col, 3);
	json_position("abc", 0, &line, &col);
	CHECK_INT(line, 1);
	CHECK_INT(col, 1);
}

static void json_scan_size_limit(void)
{
	static const json_limits lim16 = {16, 8, 16};
	SCAN("[\"0123456789ab\"]", &lim16, 0, NULL); /* 16 bytes */
	SCAN("[\"0123456789abc\"]", &lim16, ERR_LIMIT, "larger than the limit of 16 bytes");
	err e = {0, ""};
	cJSON *j = (cJSON *)1;
	CHECK_INT(json_parse("[\"0123456789abc\"]", 17, &lim16, &j, &e), ERR_LIMIT);
	CHECK(j == NULL);
}

static void json_parse_cyrillic_romanian(void)
{
	static const char txt[] =
		"{\"bg\": \"Оценка на потребностите – ЪЬЮЯ ѝ\", "
		"\"ro\": \"Evaluare: șțăîâ ȘȚĂÎÂ ţş\", \"emoji\": \"\xF0\x9F\x98\x80\"}";
	err e = {0, ""};
	cJSON *j = NULL;
	CHECK_INT(json_parse(txt, sizeof txt - 1, &json_limits_case, &j, &e), 0);
	CHECK_STR(e.msg, "");
	if (!j)
		return;
	CHECK_STR(cJSON_GetObjectItemCaseSensitive(j, "bg")->valuestring,
		  "Оценка на потребностите – ЪЬЮЯ ѝ");
	CHECK_STR(cJSON_GetObjectItemCaseSensitive(j, "ro")->valuestring,
		  "Evaluare: șțăîâ ȘȚĂÎÂ ţş");
	CHECK_STR(cJSON_GetObjectItemCaseSensitive(j, "emoji")->valuestring, "\xF0\x9F\x98\x80");
	cJSON_Delete(j);
	/* an error after Cyrillic text: the column counts bytes */
	SCAN("[\"Ж\", \x80]", &json_limits_case, ERR_INVALID,
	     "line 1, column 8: unexpected byte outside a string");
}

/* Writes s[0..len) and checks the literal and that cJSON reads it back. */
static void write_string_is(int line, const char *s, size_t len, const char *want)
{
	buf b = BUF_INIT;
	buf_puts(&b, "x=");
	int rc = json_write_string(&b, s, len);
	if (rc || !b.data || strcmp(b.data + 2, want) != 0) {
		fprintf(stderr, "  %s:%d: json_write_string == %d '%s', expected '%s'\n",
			__FILE__, line, rc, b.data ? b.data + 2 : "(null)", want);
		test_failures++;
	}
	if (!memchr(s, '\0', len)) {
		cJSON *j = b.data ? cJSON_Parse(b.data + 2) : NULL;
		if (!cJSON_IsString(j) || strlen(j->valuestring) != len ||
		    memcmp(j->valuestring, s, len) != 0) {
			fprintf(stderr, "  %s:%d: '%s' does not read back\n", __FILE__, line,
				b.data ? b.data : "");
			test_failures++;
		}
		cJSON_Delete(j);
	}
	buf_free(&b);
}

#define WSTR(lit, want) write_string_is(__LINE__, lit, sizeof(lit) - 1, want)

static void json_write_string_escapes(void)
{
	WSTR("", "\"\"");
	WSTR("plain", "\"plain\"");
	WSTR("a\"b", "\"a\\\"b\"");
	WSTR("back\\slash", "\"back\\\\slash\"");
	WSTR("\n\r\t", "\"\\n\\r\\t\"");
	WSTR("\x01\x08\x0c\x1f", "\"\\u0001\\u0008\\u000c\\u001f\"");
	WSTR("a\0b", "\"a\\u0000b\"");
	WSTR("\x7f", "\"\x7f\"");
	WSTR("Иван \"Ж\"\nș", "\"Иван \\\"Ж\\\"\\nș\"");
	WSTR("\xF0\x9F\x98\x80/", "\"\xF0\x9F\x98\x80/\"");
	/* only len bytes are written */
	buf b = BUF_INIT;
	CHECK_INT(json_write_string(&b, "abcdef", 3), 0);
	CHECK_STR(b.data, "\"abc\"");
	CHECK_INT(b.len, 5);
	buf_free(&b);
}

static void write_number_is(int line, double x, const char *want)
{
	buf b = BUF_INIT;
	int rc = json_write_number(&b, x);
	if (rc || !b.data || strcmp(b.data, want) != 0) {
		fprintf(stderr, "  %s:%d: json_write_number(%.17g) == '%s', expected '%s'\n",
			__FILE__, line, x, b.data ? b.data : "(null)", want);
		test_failures++;
	}
	buf_free(&b);
}

#define WNUM(x, want) write_number_is(__LINE__, x, want)

static uint64_t prng(uint64_t *s)
{
	uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

static void json_write_number_forms(void)
{
	WNUM(0, "0");
	WNUM(42, "42");
	WNUM(-7, "-7");
	WNUM(168, "168");
	WNUM(1e15, "1000000000000000");
	WNUM(9007199254740991.0, "9007199254740991");
	WNUM(9007199254740992.0, "9007199254740992");
	WNUM(0.25, "0.25");
	WNUM(-2.5, "-2.5");
	WNUM(0.1, "0.1");
	WNUM(123456.789, "123456.789");
	WNUM(1e300, "1e+300");
	WNUM(-1e300, "-1e+300");
	WNUM(1.0 / 3.0, "0.3333333333333333");
	WNUM(0.1 + 0.2, "0.30000000000000004");
	WNUM(NAN, "null");
	WNUM(INFINITY, "null");
	WNUM(-INFINITY, "null");
	/* random finite doubles read back equal, through strtod and cJSON */
	uint64_t seed = 12345;
	int bad = 0;
	for (int i = 0; i < 20000; i++) {
		uint64_t bits = prng(&seed);
		double x;
		memcpy(&x, &bits, sizeof x);
		if (i % 2)
			x = (double)(bits % 2000000) / 1000.0 - 1000.0;
		if (!isfinite(x))
			continue;
		buf b = BUF_INIT;
		json_write_number(&b, x);
		cJSON *j = b.data ? cJSON_Parse(b.data) : NULL;
		if (!b.data || strtod(b.data, NULL) != x || b.len > 24 || !cJSON_IsNumber(j) ||
		    j->valuedouble != x) {
			if (bad++ < 5)
				fprintf(stderr, "  %.17g written as '%s'\n", x, b.data ? b.data : "");
		}
		cJSON_Delete(j);
		buf_free(&b);
	}
	CHECK_INT(bad, 0);
}

/* --- streaming -------------------------------------------------------- */

/* Streams text[0..len) with max_elem; joins the elements with '|' into out.
 * Returns the first nonzero code of open/next (or 0 at the end). */
static int stream(const char *text, size_t len, size_t max_elem, buf *out, size_t *count,
		  err *e)
{
	char *copy = malloc(len ? len : 1);
	json_array_reader *r = calloc(1, sizeof *r);
	int rc = ERR_NOMEM;
	*count = 0;
	buf_reset(out);
	buf_puts(out, "");
	if (!copy || !r)
		goto out;
	memcpy(copy, text, len);
	FILE *f = fmemopen(copy, len, "r");
	rc = ERR_IO;
	if (!f)
		goto out;
	rc = json_array_open(r, f, "cases.json", max_elem, e);
	while (rc == 0) {
		const char *t;
		size_t n;
		rc = json_array_next(r, &t, &n, e);
		if (rc == 0) {
			/* a finished reader keeps answering 0 */
			CHECK_INT(json_array_next(r, &t, &n, e), 0);
			break;
		}
		if (rc < 0)
			break;
		CHECK_INT(rc, 1);
		CHECK_INT(strlen(t), n);
		if (*count)
			buf_putc(out, '|');
		buf_append(out, t, n);
		(*count)++;
		rc = 0;
	}
	json_array_close(r);
	fclose(f);
out:
	free(copy);
	free(r);
	return rc;
}

static void stream_is(int line, const char *text, size_t len, size_t max_elem, int code,
		      const char *joined, size_t count, const char *msg)
{
	buf out = BUF_INIT;
	err e = {0, ""};
	size_t n;
	int rc = stream(text, len, max_elem, &out, &n, &e);
	if (rc != code || n != count || strcmp(out.data ? out.data : "", joined) != 0 ||
	    (msg && strcmp(e.msg, msg) != 0)) {
		fprintf(stderr, "  %s:%d: stream == %d, %zu '%s' \"%s\"; expected %d, %zu '%s' \"%s\"\n",
			__FILE__, line, rc, n, out.data ? out.data : "", e.msg, code, count, joined,
			msg ? msg : "");
		test_failures++;
	}
	buf_free(&out);
}

#define STREAM(lit, code, joined, count, msg) \
	stream_is(__LINE__, lit, sizeof(lit) - 1, 4096, code, joined, count, msg)

static void json_reader_empty_and_scalars(void)
{
	STREAM("[]", 0, "", 0, NULL);
	STREAM("  \n[ \n\t ]\n", 0, "", 0, NULL);
	STREAM("[1, -2.5e3,true,false, null ,\"s\"]", 0, "1|-2.5e3|true|false|null|\"s\"", 6,
	       NULL);
	STREAM("[0]", 0, "0", 1, NULL);
	STREAM("[\n  1\r\n ,\n\n  {\"a\" : 2}\n]\n", 0, "1|{\"a\" : 2}", 2, NULL);
	STREAM("\xEF\xBB\xBF[1,2]", 0, "1|2", 2, NULL);
	STREAM("\xEF\xBB\xBF\n[\"x\"]\n", 0, "\"x\"", 1, NULL);
}

static void json_reader_delimiters_in_strings(void)
{
	STREAM("[\"a,b\", \"x]y}\", \"q\\\"u,]\\\"o\", \"back\\\\\", {\"k\":\"}],[{\"}]", 0,
	       "\"a,b\"|\"x]y}\"|\"q\\\"u,]\\\"o\"|\"back\\\\\"|{\"k\":\"}],[{\"}", 5, NULL);
	STREAM("[[1,[2,3]],{\"a\":{\"b\":[4,\"]\"]}},[],{}]", 0,
	       "[1,[2,3]]|{\"a\":{\"b\":[4,\"]\"]}}|[]|{}", 4, NULL);
	STREAM("[\"Иван, Ș\"]", 0, "\"Иван, Ș\"", 1, NULL);
}

static void json_reader_errors(void)
{
	STREAM("{}", ERR_INVALID, "", 0, "cases.json: not a JSON array (it starts with '{')");
	STREAM("  \n ", ERR_INVALID, "", 0, "cases.json: empty file, expected a JSON array");
	STREAM("\xEF\xBB[]", ERR_INVALID, "", 0, "cases.json: not JSON");
	STREAM("[", ERR_INVALID, "", 0, "cases.json: the array is not closed (truncated file?)");
	STREAM("[1,", ERR_INVALID, "1", 1, "cases.json: the array is not closed (truncated file?)");
	STREAM("[{\"a\":1", ERR_INVALID, "", 0, "cases.json: element 1 is cut off (truncated file?)");
	STREAM("[1,\"ab", ERR_INVALID, "1", 1, "cases.json: element 2 is cut off (truncated file?)");
	/* a truncated array whose last element is whole: an error after it */
	STREAM("[1,2", ERR_INVALID, "1|2", 2, NULL);
	STREAM("[{\"a\":1}", ERR_INVALID, "{\"a\":1}", 1, NULL);
	STREAM("[1 2]", ERR_INVALID, "1", 1,
	       "cases.json: byte 4: expected ',' or ']' after element 1");
	STREAM("[{\"a\":1}{\"b\":2}]", ERR_INVALID, "{\"a\":1}", 1,
	       "cases.json: byte 9: expected ',' or ']' after element 1");
	STREAM("[1] x", ERR_INVALID, "1", 1, "cases.json: byte 5: text after the closing ']'");
	STREAM("[] []", ERR_INVALID, "", 0, "cases.json: byte 4: text after the closing ']'");
	STREAM("[1]\n\n", 0, "1", 1, NULL);
}

static void json_reader_element_limit(void)
{
	buf out = BUF_INIT;
	err e = {0, ""};
	size_t n;
	static const char ok[] = "[\"123456\",{\"a\":12}]"; /* 8 bytes each */
	CHECK_INT(stream(ok, sizeof ok - 1, 8, &out, &n, &e), 0);
	CHECK_INT(n, 2);
	static const char big[] = "[\"123456\",\"1234567\"]";
	CHECK_INT(stream(big, sizeof big - 1, 8, &out, &n, &e), ERR_LIMIT);
	CHECK_INT(n, 1);
	CHECK_STR(e.msg, "cases.json: element 2 is larger than 8 bytes");
	static const char num[] = "[123456789]";
	CHECK_INT(stream(num, sizeof num - 1, 8, &out, &n, &e), ERR_LIMIT);
	CHECK_STR(e.msg, "cases.json: element 1 is larger than 8 bytes");
	buf_free(&out);
}

static void json_reader_many_elements(void)
{
	buf in = BUF_INIT, out = BUF_INIT;
	buf_putc(&in, '[');
	for (int i = 0; i < 10000; i++)
		buf_printf(&in, "%s{\"i\":%d,\"s\":\"a,]\\\"%d\"}", i ? ",\n" : "", i, i);
	buf_putc(&in, ']');
	CHECK(in.len > 2 * 65536); /* crosses the reader's buffer several times */
	char *copy = malloc(in.len);
	json_array_reader *r = calloc(1, sizeof *r);
	FILE *f = NULL;
	if (copy && r) {
		memcpy(copy, in.data, in.len);
		f = fmemopen(copy, in.len, "r");
	}
	CHECK(f != NULL);
	if (f) {
		err e = {0, ""};
		CHECK_INT(json_array_open(r, f, "big.json", 256, &e), 0);
		int count = 0, rc, bad = 0;
		const char *t;
		size_t n;
		while ((rc = json_array_next(r, &t, &n, &e)) == 1) {
			cJSON *j = NULL;
			char want[32];
			snprintf(want, sizeof want, "a,]\"%d", count);
			if (json_parse(t, n, &json_limits_case, &j, &e) ||
			    cJSON_GetObjectItemCaseSensitive(j, "i")->valuedouble != count ||
			    strcmp(cJSON_GetObjectItemCaseSensitive(j, "s")->valuestring, want))
				bad++;
			cJSON_Delete(j);
			count++;
		}
		CHECK_INT(rc, 0);
		CHECK_INT(count, 10000);
		CHECK_INT(bad, 0);
		CHECK_INT(r->index, 10000);
		CHECK_INT(r->offset, in.len);
		json_array_close(r);
		fclose(f);
	}
	free(copy);
	free(r);

	/* one element larger than the read buffer, and a scalar that ends
	 * exactly at the buffer's end (the peek must refill) */
	buf_reset(&in);
	buf_puts(&in, "[\"");
	for (int i = 0; i < 65527; i++)
		buf_putc(&in, 'a');
	buf_puts(&in, "\",12345]");
	CHECK_INT(in.len, 65537);
	CHECK(in.data[65535] == '5' && in.data[65536] == ']');
	err e = {0, ""};
	size_t n;
	CHECK_INT(stream(in.data, in.len, 70000, &out, &n, &e), 0);
	CHECK_INT(n, 2);
	CHECK_INT(out.len, 65529 + 1 + 5);
	CHECK(out.data && strcmp(out.data + out.len - 6, "|12345") == 0);
	buf_free(&in);
	buf_free(&out);
}

/* json_skip_value and json_next_member find the bytes of values as sent,
 * over strings holding delimiters and escaped quotes; an escaped key stops
 * the walk. */
static void json_walk_members(void)
{
	const char *t = "{ \"a\" : [1, {\"x\":\"}]\\\"\"}], \"body\":{\"k\":\"v\\\\\"},\"n\":-1.5e3 ,\"z\":null}";
	const char *end = t + strlen(t), *p = t, *k;
	size_t kl;
	const char *want_keys[] = {"a", "body", "n", "z"};
	const char *want_vals[] = {"[1, {\"x\":\"}]\\\"\"}]", "{\"k\":\"v\\\\\"}", "-1.5e3", "null"};
	int i = 0, m;
	for (int first = 1; (m = json_next_member(&p, end, first, &k, &kl)) == 1; first = 0) {
		const char *ve = json_skip_value(p, end);
		CHECK(i < 4);
		if (i < 4) {
			CHECK_INT(kl, strlen(want_keys[i]));
			CHECK(!memcmp(k, want_keys[i], kl));
			CHECK_INT(ve - p, strlen(want_vals[i]));
			CHECK(!memcmp(p, want_vals[i], (size_t)(ve - p)));
		}
		p = ve;
		i++;
	}
	CHECK_INT(m, 0);
	CHECK_INT(i, 4);
	CHECK(p == end);
	const char *esc = "{\"b\\u006fdy\":{}}";
	p = esc;
	CHECK_INT(json_next_member(&p, esc + strlen(esc), 1, &k, &kl), -1);
	const char *notobj = "[1]";
	p = notobj;
	CHECK_INT(json_next_member(&p, notobj + 3, 1, &k, &kl), -1);
	const char *empty = "{}";
	p = empty;
	CHECK_INT(json_next_member(&p, empty + 2, 1, &k, &kl), 0);
	CHECK(p == empty + 2);
}

TEST_TABLE(json) = {
	{"json_scan_depth_limit", json_scan_depth_limit},
	{"json_scan_string_limit", json_scan_string_limit},
	{"json_scan_invalid_utf8", json_scan_invalid_utf8},
	{"json_scan_control_and_nul", json_scan_control_and_nul},
	{"json_parse_trailing_and_invalid", json_parse_trailing_and_invalid},
	{"json_scan_size_limit", json_scan_size_limit},
	{"json_parse_cyrillic_romanian", json_parse_cyrillic_romanian},
	{"json_write_string_escapes", json_write_string_escapes},
	{"json_write_number_forms", json_write_number_forms},
	{"json_reader_empty_and_scalars", json_reader_empty_and_scalars},
	{"json_reader_delimiters_in_strings", json_reader_delimiters_in_strings},
	{"json_reader_errors", json_reader_errors},
	{"json_reader_element_limit", json_reader_element_limit},
	{"json_reader_many_elements", json_reader_many_elements},
	{"json_walk_members", json_walk_members},
	{NULL, NULL},
};
