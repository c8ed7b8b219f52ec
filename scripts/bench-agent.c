/*
 * bench-agent: the field agent's own figures, each next to the machine's
 * floor measured in the same run (issue "Field agent", P6/P8):
 *   - durable answer save: store_answer_put() (one SQLite WAL commit with
 *     synchronous=FULL) against a bare write + fdatasync of the same size;
 *   - start to first output: `field-agent list` spawned and reaped, against
 *     spawning /bin/true;
 *   - peak RSS of a whole Ruse assessment through the wizard (wait4).
 * Usage: bench-agent BUILD_DIR FIXTURE [N_SAVES]
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../field-agent/store.h"

extern char **environ;

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp_d);
	return v[n / 2];
}

/* Runs argv with stdin from in_path (or /dev/null); returns wall seconds
 * and the peak RSS in KiB. */
static double run(char *const argv[], const char *in_path, long *maxrss_kb)
{
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, in_path ? in_path : "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	pid_t pid;
	double t0 = now();
	if (posix_spawn(&pid, argv[0], &fa, NULL, argv, environ) != 0) {
		perror("spawn");
		exit(1);
	}
	int status;
	struct rusage ru;
	wait4(pid, &status, 0, &ru);
	double t = now() - t0;
	posix_spawn_file_actions_destroy(&fa);
	if (maxrss_kb)
		*maxrss_kb = ru.ru_maxrss;
	return t;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: bench-agent BUILD_DIR FIXTURE [N_SAVES]\n");
		return 2;
	}
	const char *bin = argv[1], *fixture = argv[2];
	int nsaves = argc > 3 ? (int)strtol(argv[3], NULL, 10) : 300;
	if (nsaves < 10 || nsaves > 100000)
		nsaves = 300;
	char dir[] = "/tmp/fa-bench-agent.XXXXXX";
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	err e = {0, ""};
	store s;
	char code[25], pid_s[UUID_STR_LEN], aid[UUID_STR_LEN];
	int dups;
	if (store_open(&s, dir, 1, &e) || store_init_keys(&s, "2468", 20, 5, code, &e)) {
		fprintf(stderr, "%s\n", e.msg);
		return 1;
	}
	cJSON *f = cJSON_CreateObject();
	cJSON_AddStringToObject(f, "name", "BENCH PERSON");
	cJSON_AddStringToObject(f, "birth_date", "1950-01-01");
	cJSON *env = cJSON_CreateObject();
	cJSON_AddStringToObject(env, "registered_on", "2026-01-01");
	cJSON_AddStringToObject(env, "assessed_on", "2026-01-02");
	if (store_person_add(&s, NULL, "Русе", f, pid_s, &dups, &e) ||
	    store_assessment_new(&s, pid_s, "bg-independent-living", 1, env, aid, &e)) {
		fprintf(stderr, "%s\n", e.msg);
		return 1;
	}
	/* 1. durable save vs the fsync floor */
	double *t = calloc((size_t)nsaves, sizeof *t);
	static const char *const items[] = {"3.1.1", "3.1.2", "3.1.3", "3.1.4", "3.1.5"};
	for (int i = 0; i < nsaves; i++) {
		cJSON *v = cJSON_CreateNumber(i % 5);
		double t0 = now();
		if (store_answer_put(&s, aid, items[i % 5], v, items[(i + 1) % 5], &e)) {
			fprintf(stderr, "%s\n", e.msg);
			return 1;
		}
		t[i] = now() - t0;
		cJSON_Delete(v);
	}
	double save = median(t, nsaves);
	char path[256];
	snprintf(path, sizeof path, "%s/floor.bin", dir);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	char block[4096] = {0};
	for (int i = 0; i < nsaves; i++) {
		double t0 = now();
		if (pwrite(fd, block, sizeof block, (off_t)i * (off_t)sizeof block) < 0 || fdatasync(fd))
			perror("floor");
		t[i] = now() - t0;
	}
	close(fd);
	double floor_s = median(t, nsaves);
	store_close(&s);
	cJSON_Delete(f);
	cJSON_Delete(env);

	/* 2. start to first output */
	setenv("FA_DATA", dir, 1);
	char fa[512];
	snprintf(fa, sizeof fa, "%s/field-agent", bin);
	char *list_argv[] = {fa, "list", NULL};
	char *true_argv[] = {"/bin/true", NULL};
	double ts[41], tt[41];
	long rss_list = 0;
	for (int i = 0; i < 41; i++) {
		ts[i] = run(list_argv, NULL, &rss_list);
		tt[i] = run(true_argv, NULL, NULL);
	}
	double start = median(ts, 41), spawn = median(tt, 41);

	/* 3. a whole Ruse assessment through the wizard: peak RSS */
	char *assess_argv[] = {fa, "--lang", "bg", "assess", "--person", pid_s, "--instrument",
			       "bg-independent-living", NULL};
	unsetenv("FA_PIN");
	long rss_wizard = 0;
	double wiz = run(assess_argv, fixture, &rss_wizard);

	printf("%-34s %10s %10s %8s %s\n", "figure", "value", "floor", "ratio", "target");
	printf("%-34s %8.3f ms %7.3f ms %8.2f %s\n", "P8 durable answer save (median)", save * 1e3,
	       floor_s * 1e3, save / floor_s, "<= 2 ms + one fsync");
	printf("%-34s %8.3f ms %7.3f ms %8.2f %s\n", "P6 start to first output (list)", start * 1e3,
	       spawn * 1e3, start / spawn, "<= 10 ms");
	printf("%-34s %8ld KB %10s %8s %s\n", "P6 peak RSS, list", rss_list, "-", "-", "<= 8 MB");
	printf("%-34s %8ld KB %10s %8s %s\n", "P6 peak RSS, full wizard", rss_wizard, "-", "-",
	       "<= 8 MB");
	printf("%-34s %8.1f ms %10s %8s %s\n", "whole Ruse assessment, piped", wiz * 1e3, "-", "-",
	       "(70 questions, 55 saves, KDF 20 ms)");
	printf("floor: save = 4 KiB pwrite + fdatasync in the same directory; start = spawn of /bin/true\n");
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	free(t);
	return 0;
}
