/*
 * curlrt: libcurl, loaded when a command first needs the network.
 *
 * libcurl brings three dozen libraries with it (TLS, HTTP/2, LDAP,
 * Kerberos …). Linked into the field agent, they would be loaded by every
 * command, network or not, and double its start-up time and memory on a
 * handheld. Only `enroll` and `sync` talk to the server, so they load it
 * with dlopen; everything else starts without it.
 */
#ifndef FA_CURLRT_H
#define FA_CURLRT_H

#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>

#include "err.h"

typedef struct curlrt {
	CURL *(*easy_init)(void);
	CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
	CURLcode (*easy_perform)(CURL *);
	CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
	const char *(*easy_strerror)(CURLcode);
	void (*easy_cleanup)(CURL *);
	struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
	void (*slist_free_all)(struct curl_slist *);
	CURLM *(*multi_init)(void);
	CURLMcode (*multi_add_handle)(CURLM *, CURL *);
	CURLMcode (*multi_remove_handle)(CURLM *, CURL *);
	CURLMcode (*multi_perform)(CURLM *, int *);
	CURLMcode (*multi_poll)(CURLM *, struct curl_waitfd *, unsigned int, int, int *);
	CURLMsg *(*multi_info_read)(CURLM *, int *);
	CURLMcode (*multi_wakeup)(CURLM *);
	CURLMcode (*multi_cleanup)(CURLM *);
} curlrt;

extern curlrt CR;

/* Loads libcurl (once). ERR_STATE with a message saying what to install
 * when it is missing. */
int curlrt_load(err *e);

#endif
