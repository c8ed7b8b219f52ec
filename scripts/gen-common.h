/*
 * gen-common: what the generators share — the PRNG (splitmix64, one
 * small state per stream, so both draw the same way) and the calendar.
 * Header-only: the generators are standalone programs (libc and libm).
 */
#ifndef GEN_COMMON_H
#define GEN_COMMON_H

#include <stdbool.h>
#include <stdint.h>

typedef struct gen_rng {
	uint64_t s;
} gen_rng;

static inline uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

static inline uint64_t rng_next(gen_rng *r)
{
	r->s += 0x9E3779B97F4A7C15ULL;
	return mix64(r->s);
}

/* Record ids as devices make them (UUID v7, common/uuid.h): 48 bits of
 * the generator's own clock ms, then random bits from r. Ids generated one
 * after another sort one after another, as a device's do. */
#define GEN_ID_EPOCH_MS 1767600000000ULL /* 2026-01-05 08:00 UTC */

static inline void gen_uuid(gen_rng *r, uint64_t ms, char out[37])
{
	static const char hex[] = "0123456789abcdef";
	uint64_t hi = rng_next(r), lo = rng_next(r);
	hi = (ms << 16) | 0x7000ULL | (hi & 0x0FFFULL);                  /* version 7 */
	lo = (lo & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;        /* variant */
	size_t k = 0;
	for (int i = 0; i < 16; i++) {
		unsigned b = (unsigned)((i < 8 ? hi >> (56 - 8 * i) : lo >> (56 - 8 * (i - 8))) & 0xFF);
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[k++] = '-';
		out[k++] = hex[b >> 4];
		out[k++] = hex[b & 15];
	}
	out[k] = '\0';
}

/* Uniform in [0, 1). */
static inline double rng_unit(gen_rng *r)
{
	return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

/* Uniform in [0, n), n > 0; the 2^-32 bias of the multiply is irrelevant
 * here. */
static inline unsigned rng_below(gen_rng *r, unsigned n)
{
	return (unsigned)(((rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

/* Uniform integer in [lo, hi]. */
static inline int rng_range(gen_rng *r, int lo, int hi)
{
	return lo + (int)rng_below(r, (unsigned)(hi - lo + 1));
}

static inline bool rng_chance(gen_rng *r, double p)
{
	return rng_unit(r) < p;
}

/* Roughly standard normal (Irwin-Hall of four 16-bit uniforms, scaled to
 * variance 1, bounded to +-3.46): one draw, no libm, plenty for ratings. */
static inline double rng_gauss(gen_rng *r)
{
	uint64_t x = rng_next(r);
	double sum = (double)(x & 0xFFFF) + (double)((x >> 16) & 0xFFFF) +
		     (double)((x >> 32) & 0xFFFF) + (double)(x >> 48);
	return (sum / 65536.0 - 2.0) * 1.7320508075688772;
}

/* ---- calendar: proleptic Gregorian, days since 1970-01-01 ---- */

static inline int days_from_civil(int y, int m, int d)
{
	y -= m <= 2;
	int era = (y >= 0 ? y : y - 399) / 400;
	int yoe = y - era * 400;
	int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static inline void civil_from_days(int z, int *y, int *m, int *d)
{
	z += 719468;
	int era = (z >= 0 ? z : z - 146096) / 146097;
	int doe = z - era * 146097;
	int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = yoe + era * 400 + (*m <= 2);
}

#endif
