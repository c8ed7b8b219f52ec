/*
 * gz: gzip bodies in and out of memory (libdeflate), for the sync
 * client's batches and the server's requests and answers.
 */
#ifndef FA_GZ_H
#define FA_GZ_H

#include <stddef.h>

#include "buf.h"

/* Appends the gzip of in[0..n) to out (level 1: most of the gain for
 * little CPU). Returns 0 or ERR_NOMEM. */
int gz_deflate(const char *in, size_t n, buf *out);

/* Inflates the gzip data in[0..n) (one or more members, as `gzip -c a b`
 * makes) into out, which must be empty, at most max bytes. Returns 0,
 * ERR_LIMIT (more than max once inflated), ERR_INVALID (corrupt,
 * truncated, not gzip, or bytes after the last member) or ERR_NOMEM. */
int gz_inflate_capped(const char *in, size_t n, size_t max, buf *out);

#endif
