/*
 * rng.h: the random numbers every kernel draws: xoshiro256** seeded by
 * SplitMix64, a bounded draw, a uniform float, normals (Box-Muller) and a
 * shuffle.  The lowest layer of the trainers: it calls nothing of theirs.
 *
 * A fixed seed repeats bit for bit on every platform: the trainers' tests
 * and the stored models' reproducibility rest on it, so the order and
 * count of draws in each function here is part of its contract.
 */
#ifndef LINKPRED_RNG_H
#define LINKPRED_RNG_H

#include "postgres.h"

/*
 * An edge entry's index, as the trainers shuffle them: 32 bits halve the
 * shuffled order, the largest array a fit holds per edge after the graph.
 * A job over LP_ENTRY_MAX entries is refused after loading, before its fit
 * allocates the order (jobfit.c).
 */
typedef uint32 LpEntry;

#define LP_ENTRY_MAX ((int64) PG_UINT32_MAX)

/* xoshiro256** state: fast, good enough for sampling, seedable */
typedef struct LpRng
{
	uint64		s[4];
} LpRng;

extern void LpRngSeed(LpRng *rng, uint64 seed);
extern uint64 LpRngNext(LpRng *rng);

static inline uint32
LpRngBelow(LpRng *rng, uint32 n)
{
	/* multiply-shift: unbiased enough for n << 2^32 */
	return (uint32) (((LpRngNext(rng) >> 32) * (uint64) n) >> 32);
}

static inline float
LpRngUniform(LpRng *rng)
{
	return (float) (LpRngNext(rng) >> 40) * (1.0f / 16777216.0f);
}

/* m[0 .. n-1] = N(0, sd^2) draws, two uniform draws per pair of entries */
extern void LpRngNormals(LpRng *rng, float *m, int64 n, float sd);

/* a uniformly random permutation of order[0 .. n-1], in place */
extern void LpShuffle(LpEntry *order, int64 n, LpRng *rng);

/*
 * A random affine permutation of 0 .. n-1, k -> (a k + c) mod n with a
 * prime to n: a fresh order of n nodes from two draws and no memory.
 * Not every permutation is reachable, but neighbours by number land far
 * apart, and a fresh (a, c) gives a fresh order.
 */
typedef struct LpAffinePerm
{
	uint64		a;
	uint64		c;
	uint64		n;
} LpAffinePerm;

extern void LpAffineDraw(LpAffinePerm *perm, int64 n, LpRng *rng);

static inline int32
LpAffineAt(const LpAffinePerm *perm, int64 k)
{
	return (int32) ((perm->a * (uint64) k + perm->c) % perm->n);
}

#endif
