/*
 * cmd_rank: `sync-server rank --cases FILE …` — ranks a file of assessments
 * in the exchange format and prints the ranking document (domain.md §9).
 *
 * The file is streamed element by element (json_array_reader), so its size
 * is bounded only by what the cases themselves keep (about 200 bytes each),
 * not by the size of their answers.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "cmd.h"
#include "inst.h"
#include "clock.h"
#include "json.h"
#include "num.h"
#include "round.h"

#define RANK_MAX_CASE_BYTES (256 * 1024)

static const char rank_help[] =
	"usage: sync-server rank --cases FILE [--max-users N] [--children-share F]\n"
	"                        [--hours-budget H] [--instrument ID] [--version V]\n"
	"                        [--instruments DIRS] [--format json|text] [--timing]\n"
	"\n"
	"Ranks the assessments in FILE (a JSON array in the exchange format of\n"
	"domain.md §9; \"-\" reads standard input), recomputing every score from\n"
	"the answers, allocates places and prints the result as JSON.\n"
	"\n"
	"  --cases FILE          the assessments (required)\n"
	"  --max-users N         places (default from the instrument: 150)\n"
	"  --children-share F    share of places children may take, 0-1 (0.25)\n"
	"  --hours-budget H      total monthly hours of approved cases (no limit)\n"
	"  --instrument ID       instrument of the cases (bg-independent-living)\n"
	"  --version V           instrument version to load (1)\n"
	"  --instruments DIRS    where instrument files are (':'-separated)\n"
	"  --format json|text    the ranking document (default) or a table for people\n"
	"  --threads N           parse and score on N threads (default: every core)\n"
	"  --timing              print parse/score/rank seconds on standard error\n"
	"\n"
	"Exit status: 0 ranked; 1 the file was refused (not JSON, not an array,\n"
	"another instrument, unreadable); 2 bad usage.\n";

int cmd_rank(int argc, char **argv)
{
	static const struct option opts[] = {
		{"cases", required_argument, NULL, 'c'},
		{"max-users", required_argument, NULL, 'u'},
		{"children-share", required_argument, NULL, 's'},
		{"hours-budget", required_argument, NULL, 'b'},
		{"instrument", required_argument, NULL, 'i'},
		{"version", required_argument, NULL, 'v'},
		{"instruments", required_argument, NULL, 'd'},
		{"timing", no_argument, NULL, 't'},
		{"format", required_argument, NULL, 'f'},
		{"threads", required_argument, NULL, 'T'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *cases = NULL, *inst_id = "bg-independent-living", *dirs = NULL;
	const char *max_users = NULL, *share = NULL, *budget = NULL;
	long version = 1, threads = 0;
	int timing = 0, as_text = 0, c, status = EXIT_REFUSED;
	err e = {0, ""};
	instrument *in = NULL;
	round_ctx *r = NULL;
	FILE *f = NULL;
	json_array_reader rd;
	int rd_open = 0;
	buf out = BUF_INIT;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': cases = optarg; break;
		case 'u': max_users = optarg; break;
		case 's': share = optarg; break;
		case 'b': budget = optarg; break;
		case 'i': inst_id = optarg; break;
		case 'd': dirs = optarg; break;
		case 't': timing = 1; break;
		case 'T':
			if (num_parse_long(optarg, 1, 16, "--threads", &threads, &e))
				goto usage_err;
			break;
		case 'f':
			if (strcmp(optarg, "json") && strcmp(optarg, "text")) {
				fprintf(stderr, "sync-server rank: --format must be json or text\n");
				goto usage;
			}
			as_text = !strcmp(optarg, "text");
			break;
		case 'v':
			if (num_parse_long(optarg, 1, 1000000, "--version", &version, &e))
				goto usage_err;
			break;
		case 'h': fputs(rank_help, stdout); return EXIT_OK;
		default:
			fprintf(stderr, "sync-server rank: unknown or incomplete option \"%s\"\n",
				argv[optind - 1]);
			goto usage;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "sync-server rank: unexpected argument \"%.60s\"\n", argv[optind]);
		goto usage;
	}
	if (!cases) {
		fprintf(stderr, "sync-server rank: --cases FILE is required\n");
		goto usage;
	}
	if (inst_load_by_id(dirs, inst_id, (int)version, &in, &e)) {
		fprintf(stderr, "sync-server rank: %s\n", e.msg);
		goto done;
	}
	rank_capacity cap = round_default_capacity(in);
	if (max_users && num_parse_long(max_users, 0, 100000000, "--max-users", &cap.max_users, &e))
		goto usage_err;
	if (share && num_parse_double(share, 0, 1, "--children-share", &cap.children_share, &e))
		goto usage_err;
	if (budget) {
		if (num_parse_double(budget, 0, 1e12, "--hours-budget", &cap.hours_budget, &e))
			goto usage_err;
		cap.has_hours_budget = 1;
	}
	if (round_new(in, &r, &e)) {
		fprintf(stderr, "sync-server rank: %s\n", e.msg);
		goto done;
	}

	double t0 = clock_now_s();
	f = strcmp(cases, "-") == 0 ? stdin : fopen(cases, "rb");
	if (!f) {
		fprintf(stderr, "sync-server rank: %s: cannot open: %m\n", cases);
		goto done;
	}
	if (json_array_open(&rd, f, cases, RANK_MAX_CASE_BYTES, &e)) {
		fprintf(stderr, "sync-server rank: %s\n", e.msg);
		goto done;
	}
	rd_open = 1;
	/* Parsing and scoring run on every core; cases are added in input
	 * order, so the result is the same as on one. */
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	if (round_add_stream(r, &rd, threads ? (int)threads : (int)(ncpu > 0 ? ncpu : 1), &e)) {
		fprintf(stderr, "sync-server rank: %s: %s\n", cases, e.msg);
		goto done;
	}
	double t_read = clock_now_s() - t0;
	if (round_run(r, &cap, &e)) {
		fprintf(stderr, "sync-server rank: %s\n", e.msg);
		goto done;
	}
	double t1 = clock_now_s();
	if ((as_text ? round_write_text(r, &cap, &out) : round_write_json(r, &cap, &out))) {
		fprintf(stderr, "sync-server rank: out of memory\n");
		goto done;
	}
	if (fwrite(out.data, 1, out.len, stdout) != out.len || fflush(stdout)) {
		fprintf(stderr, "sync-server rank: writing the result failed: %m\n");
		goto done;
	}
	if (timing) {
		double score_s, rank_s, score_cpu, rank_cpu;
		round_timing(r, &score_s, &rank_s);
		round_timing_cpu(r, &score_cpu, &rank_cpu);
		fprintf(stderr,
			"timing cases=%zu read_parse_score_s=%.3f score_s=%.3f rank_s=%.3f write_s=%.3f"
			" score_cpu_s=%.3f rank_cpu_s=%.3f\n",
			round_count(r), t_read, score_s, rank_s, clock_now_s() - t1, score_cpu, rank_cpu);
	}
	status = EXIT_OK;
	goto done;
usage_err:
	fprintf(stderr, "sync-server rank: %s\n", e.msg);
usage:
	fputs("Try `sync-server rank --help`.\n", stderr);
	status = EXIT_USAGE;
done:
	if (rd_open)
		json_array_close(&rd);
	if (f && f != stdin)
		fclose(f);
	buf_free(&out);
	round_free(r);
	inst_free(in);
	return status;
}
