/*
 * web: the coordinator web interface, served by `sync-server serve` on its
 * TLS port — the page and its assets (embedded in the binary, see
 * web_assets.c), and the JSON API the page uses under /api/. Every /api
 * request is checked here: a session cookie (user.h), the role's
 * permission and the user's localities; every POST also needs the
 * session's CSRF token in X-CSRF-Token and, when the browser sends one, an
 * Origin equal to the server's own.
 */
#ifndef SS_WEB_H
#define SS_WEB_H

#include "api.h"
#include "http.h"

/* GET /, /web/<asset>, /api/<what>; app is an api_ctx. */
int web_get(void *app, const http_req *req, http_resp *resp);
/* POST /api/<what>. */
int web_post(void *app, const http_req *req, http_resp *resp);

/* One embedded asset by file name ("app.js"); NULL if none. */
const char *web_asset(const char *name, size_t *len, const char **type);

#endif
