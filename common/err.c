/*
 * err: error codes and messages (see err.h).
 */
#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int err_set(err *e, int code, const char *fmt, ...)
{
	if (!e)
		return code;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	e->code = code;
	return code;
}

int err_prefix(err *e, int code, const char *fmt, ...)
{
	if (!e)
		return code;
	char head[ERR_MSG_MAX];
	char tail[ERR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(head, sizeof head, fmt, ap);
	va_end(ap);
	memcpy(tail, e->msg, sizeof tail);
	tail[sizeof tail - 1] = '\0';
	snprintf(e->msg, sizeof e->msg, "%s: %s", head, tail);
	if (e->code == 0)
		e->code = code;
	return e->code;
}

void err_clear(err *e)
{
	if (!e)
		return;
	e->code = 0;
	e->msg[0] = '\0';
}

const char *err_name(int code)
{
	switch (code) {
	case ERR_OK: return "ok";
	case ERR_NOMEM: return "out of memory";
	case ERR_INVALID: return "invalid input";
	case ERR_IO: return "input/output error";
	case ERR_LIMIT: return "limit exceeded";
	case ERR_NOTFOUND: return "not found";
	case ERR_TYPE: return "wrong type";
	case ERR_STATE: return "not allowed now";
	case ERR_AUTH: return "not authorised";
	case ERR_CONFLICT: return "conflict";
	case ERR_CRYPTO: return "cryptographic failure";
	case ERR_NET: return "network error";
	}
	return "error";
}
