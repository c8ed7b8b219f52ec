/*
 * num: strict number parsing (see num.h).
 */
#include "num.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

int num_parse_long(const char *s, long min, long max, const char *what, long *out,
		   err *e)
{
	char *end = NULL;
	if (!s || !*s)
		return err_set(e, ERR_INVALID, "%s: a whole number is needed", what);
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || *end || end == s)
		return err_set(e, ERR_INVALID, "%s: \"%.40s\" is not a whole number", what, s);
	if (v < min || v > max)
		return err_set(e, ERR_INVALID, "%s: %ld is outside %ld-%ld", what, v, min, max);
	*out = v;
	return 0;
}

int num_parse_double(const char *s, double min, double max, const char *what,
		     double *out, err *e)
{
	char *end = NULL;
	if (!s || !*s)
		return err_set(e, ERR_INVALID, "%s: a number is needed", what);
	errno = 0;
	double v = strtod(s, &end);
	if (errno || *end || end == s || !isfinite(v))
		return err_set(e, ERR_INVALID, "%s: \"%.40s\" is not a number", what, s);
	if (v < min || v > max)
		return err_set(e, ERR_INVALID, "%s: %g is outside %g-%g", what, v, min, max);
	*out = v;
	return 0;
}
