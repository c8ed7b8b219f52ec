/*
 * api: the routes of the sync protocol (proto/README.md).
 */
#ifndef SS_API_H
#define SS_API_H

#include "central.h"
#include "http.h"

typedef struct api_ctx {
	central *c;
	const char *pin;      /* the server's public-key pin */
	const char *cert_pem; /* its certificate, handed to devices at enrollment */
	const char *backup_pin; /* pin of the key of the next certificate, or "" */
} api_ctx;

/* The route table; handlers take an api_ctx as their app pointer. */
const http_route *api_routes(size_t *n);

#endif
