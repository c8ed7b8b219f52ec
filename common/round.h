/*
 * round: ranks a set of assessments of one instrument — the exchange
 * format of domain.md §9 in, the ranking document out. It joins the
 * instrument engine (scoring every case from its answers) with the pure
 * ranking and allocation of rank.c. Used by `sync-server rank` and by the
 * server's rounds, so both print the same list for the same cases.
 */
#ifndef FA_ROUND_H
#define FA_ROUND_H

#include <cjson/cJSON.h>

#include "buf.h"
#include "err.h"
#include "inst.h"
#include "json.h"
#include "rank.h"

typedef struct round_case {
	rank_case rc;
	const char *id;     /* NULL when the case had no usable id */
	int has_result;     /* points/daily/group below are meaningful */
	double points, daily_hours;
	const char *group;  /* NULL when null */
	const char *reason; /* ineligibility reason or what made it invalid */
} round_case;

typedef struct round_ctx round_ctx;

/* Creates an empty round over instrument in (borrowed; it must have a
 * "ranking" block). */
int round_new(const instrument *in, round_ctx **out, err *e);
void round_free(round_ctx *r);

/* Scores one assessment and keeps what ranking needs. A case that cannot
 * be scored is kept as invalid with the reason; that is not an error.
 * Returns ERR_INVALID only when the case belongs to another instrument
 * (then the whole input is refused), with the message saying so. */
int round_add(round_ctx *r, const cJSON *assessment, err *e);

/* Parses text as one assessment (limits of json_limits_case) and adds it;
 * text that is not JSON makes an invalid case. */
int round_add_text(round_ctx *r, const char *text, size_t len, err *e);

/* Scores every element of a JSON array stream with `threads` workers and
 * adds them in input order (the same result as round_add_text on each).
 * Returns as round_add_text does, or the reader's error. */
int round_add_stream(round_ctx *r, json_array_reader *rd, int threads, err *e);

/* Orders and allocates under cap. May be called again with another cap. */
int round_run(round_ctx *r, const rank_capacity *cap, err *e);

/* Writes the ranking document of domain.md §9 (after round_run). */
int round_write_json(const round_ctx *r, const rank_capacity *cap, buf *out);

/* Writes the same result as a table for people: rank, application (the
 * first 8 characters of the id), points, hours a day, group, outcome,
 * reason; a summary of capacity used at the end. No personal data. */
int round_write_text(const round_ctx *r, const rank_capacity *cap, buf *out);

size_t round_count(const round_ctx *r);
/* The i-th case in ranked order (after round_run). */
const round_case *round_get(const round_ctx *r, size_t i);

/* Default capacity from the instrument's "allocation" block. */
rank_capacity round_default_capacity(const instrument *in);

/* Cumulative seconds spent scoring and ranking, for benchmarks. */
void round_timing(const round_ctx *r, double *score_s, double *rank_s);

/* The same in CPU time of the threads that did it (scoring: the sum over
 * the worker threads divided by their number), which other load on the
 * machine does not change. Scoring of round_add_stream only. */
void round_timing_cpu(const round_ctx *r, double *score_cpu_s, double *rank_cpu_s);

#endif
