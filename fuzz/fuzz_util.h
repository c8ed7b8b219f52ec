/*
 * Shared set-up of the fuzz targets: a device store in a fresh temporary
 * directory (unlocked, synchronous=OFF: durability is not what a fuzzer
 * looks at, and fsync per input would make it crawl), and the shipped
 * instruments loaded once.
 */
#ifndef FUZZ_UTIL_H
#define FUZZ_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inst.h"

/* A mkdtemp template under $TMPDIR (scripts/fuzz.sh gives each run its
 * own, and removes it), else /tmp. */
static inline void fuzz_tmpdir(char *out, size_t n, const char *what)
{
	const char *t = getenv("TMPDIR");
	snprintf(out, n, "%s/fa-fuzz-%s.XXXXXX", t && *t ? t : "/tmp", what);
}

#ifdef FUZZ_WITH_STORE
#include "store.h"

static inline int fuzz_store(store *s)
{
	char tmpl[4096];
	char recovery[25];
	err e = {0, ""};
	fuzz_tmpdir(tmpl, sizeof tmpl, "store");
	if (!mkdtemp(tmpl) || store_open(s, tmpl, 1, &e) ||
	    store_init_keys(s, "2468", 1, 5, recovery, &e)) {
		fprintf(stderr, "fuzz: cannot make a store: %s\n", e.msg);
		abort();
	}
	db_exec(&s->d, "PRAGMA synchronous=OFF", &e);
	return 0;
}
#endif

static instrument *fuzz_inst[8];
static size_t fuzz_ninst;

static inline void fuzz_load_instruments(void)
{
	static const char *const files[] = {
		"bg-independent-living.v1.json", "bg-personal-assistance.v1.json",
		"ro-household-screening.v1.json", "barthel.v1.json", "lawton-iadl.v1.json",
		"katz-adl.v1.json",
	};
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		char path[4096];
		err e = {0, ""};
		snprintf(path, sizeof path, "%s/instruments/%s", FA_SOURCE_DIR, files[i]);
		if (inst_load_file(path, &fuzz_inst[fuzz_ninst], &e)) {
			fprintf(stderr, "fuzz: %s\n", e.msg);
			abort();
		}
		fuzz_ninst++;
	}
}

static inline instrument *fuzz_find_instrument(const char *id, int version)
{
	for (size_t i = 0; i < fuzz_ninst; i++)
		if (!strcmp(fuzz_inst[i]->id, id) && fuzz_inst[i]->version == version)
			return fuzz_inst[i];
	return NULL;
}

#endif
