/*
 * gen-rng: the generators' PRNG (splitmix64), one small state per stream,
 * shared by gen-cases.c and gen-data.c so both draw the same way.
 * Header-only: the generators are standalone programs (libc and libm).
 */
#ifndef GEN_RNG_H
#define GEN_RNG_H

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

#endif
