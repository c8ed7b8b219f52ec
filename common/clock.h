/*
 * clock: deadlines and elapsed times on the monotonic clock, which a clock
 * set back (a handheld without a battery clock, an operator) does not move.
 */
#ifndef FA_CLOCK_H
#define FA_CLOCK_H

#include <time.h>

/* Now. */
static inline struct timespec clock_now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t;
}

/* The moment ms milliseconds from now. */
static inline struct timespec clock_after_ms(long ms)
{
	struct timespec t = clock_now();
	t.tv_sec += ms / 1000;
	t.tv_nsec += ms % 1000 * 1000000L;
	if (t.tv_nsec >= 1000000000L) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000L;
	}
	return t;
}

/* Milliseconds from t0 to now (negative when t0 is still to come). */
static inline long clock_ms_since(const struct timespec *t0)
{
	struct timespec t = clock_now();
	return (long)(t.tv_sec - t0->tv_sec) * 1000L + (t.tv_nsec - t0->tv_nsec) / 1000000L;
}

/* Microseconds from t0 to now. */
static inline long clock_us_since(const struct timespec *t0)
{
	struct timespec t = clock_now();
	return (long)(t.tv_sec - t0->tv_sec) * 1000000L + (t.tv_nsec - t0->tv_nsec) / 1000L;
}

/* Seconds on clock id (CLOCK_MONOTONIC, or a CPU-time clock such as
 * CLOCK_THREAD_CPUTIME_ID), for subtracting two readings. */
static inline double clock_s(clockid_t id)
{
	struct timespec t;
	clock_gettime(id, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Seconds on the monotonic clock, for subtracting two readings. */
static inline double clock_now_s(void)
{
	return clock_s(CLOCK_MONOTONIC);
}

/* Seconds from t0 to now, to the nanosecond. */
static inline double clock_s_since(const struct timespec *t0)
{
	struct timespec t = clock_now();
	return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

#endif
