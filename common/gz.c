/*
 * gz: gzip bodies in and out of memory (see gz.h).
 */
#include "gz.h"

#include <stdint.h>

#include <libdeflate.h>

#include "err.h"

int gz_deflate(const char *in, size_t n, buf *out)
{
	struct libdeflate_compressor *z = libdeflate_alloc_compressor(1);
	if (!z)
		return ERR_NOMEM;
	size_t cap = libdeflate_gzip_compress_bound(z, n);
	size_t got = buf_reserve(out, cap) ? 0
		     : libdeflate_gzip_compress(z, in, n, out->data + out->len, cap);
	libdeflate_free_compressor(z);
	if (!got)
		return ERR_NOMEM;
	out->len += got;
	out->data[out->len] = '\0';
	return 0;
}

/* The size a gzip member ending at end says it inflates to (its ISIZE,
 * modulo 2^32): a first guess for the room, never trusted. */
static size_t isize(const unsigned char *end)
{
	return (size_t)end[-4] | (size_t)end[-3] << 8 | (size_t)end[-2] << 16 |
	       (size_t)end[-1] << 24;
}

int gz_inflate_capped(const char *in, size_t n, size_t max, buf *out)
{
	/* libdeflate inflates a whole member into room given beforehand: the
	 * room is the size the input's last member names (exact for the one
	 * member a client sends), doubled while it is short, up to max + 1
	 * bytes in all so that "more than max" shows. */
	struct libdeflate_decompressor *d = libdeflate_alloc_decompressor();
	if (!d)
		return ERR_NOMEM;
	const unsigned char *p = (const unsigned char *)in, *end = p + n;
	int rc = p == end ? ERR_INVALID : 0;
	while (!rc && p < end) {
		size_t left = max + 1 - out->len;
		size_t room = end - p >= 18 ? isize(end) : 0;
		size_t plausible = (size_t)(end - p) * 64 + 4096; /* not a bomb's word */
		if (room > plausible)
			room = plausible;
		if (room < 4096)
			room = 4096;
		for (;;) {
			if (room > left)
				room = left;
			if ((rc = buf_reserve(out, room)))
				break;
			size_t used = 0, got = 0;
			enum libdeflate_result r = libdeflate_gzip_decompress_ex(
				d, p, (size_t)(end - p), out->data + out->len, room, &used, &got);
			if (r == LIBDEFLATE_SUCCESS) {
				out->len += got;
				out->data[out->len] = '\0';
				p += used;
				break;
			}
			if (r != LIBDEFLATE_INSUFFICIENT_SPACE) {
				rc = ERR_INVALID;
				break;
			}
			if (room == left) {
				rc = ERR_LIMIT;
				break;
			}
			room = room > left / 2 ? left : room * 2;
		}
	}
	if (!rc && out->len > max)
		rc = ERR_LIMIT;
	libdeflate_free_decompressor(d);
	return rc;
}
