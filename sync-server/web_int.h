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

/* GET /api/rounds, /api/round, /api/round/history|public|letter
 * (web_round.c); what is the path after "/api/". */
int web_round_get(api_ctx *a, const http_req *req, http_resp *resp, const user_session *s,
		  const char *what);
/* POST /api/round/override|lock|publish; body already parsed, session
 * and CSRF token checked. */
int web_round_post(api_ctx *a, const cJSON *body, http_resp *resp, const user_session *s,
		   const char *what);

#endif
