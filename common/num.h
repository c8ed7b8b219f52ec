/*
 * num: strict parsing of numbers given by people (command-line flags,
 * configuration). The whole text must be the number; no atoi-style
 * silent zero.
 */
#ifndef FA_NUM_H
#define FA_NUM_H

#include "err.h"

/* Parses a decimal integer in [min, max]. ERR_INVALID with a message naming
 * `what` otherwise. */
int num_parse_long(const char *s, long min, long max, const char *what, long *out,
		   err *e);

/* Parses a finite decimal number in [min, max]. */
int num_parse_double(const char *s, double min, double max, const char *what,
		     double *out, err *e);

#endif
