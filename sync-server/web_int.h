/*
 * web_int: what the parts of the web interface share (web.c, and the
 * pages over other modules such as web_round.c).
 */
#ifndef SS_WEB_INT_H
#define SS_WEB_INT_H

#include <cjson/cJSON.h>

#include "api.h"
#include "http.h"
#include "user.h"

/* Answers a store error: 404, 400, 409, 403 or 503 by its code. */
void web_fail(http_resp *resp, int rc, const err *e);
/* 0 if the user's role has perm, else answers 403 and returns -1. */
int web_require(const user_session *s, http_resp *resp, const char *perm);
/* The headers of a printable letter: its own inline styles, no script. */
void web_letter_headers(http_resp *resp);

#endif
