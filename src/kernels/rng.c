/*
 * rng.c: xoshiro256** and what is drawn from it (rng.h).  No PostgreSQL
 * calls.
 */
#include "postgres.h"

#include <math.h>

#include "rng.h"

static inline uint64
Rotl(uint64 x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64
SplitMix(uint64 *x)
{
	uint64		z = (*x += UINT64CONST(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64CONST(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64CONST(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

void
LpRngSeed(LpRng *rng, uint64 seed)
{
	for (int i = 0; i < 4; i++)
		rng->s[i] = SplitMix(&seed);
}

uint64
LpRngNext(LpRng *rng)
{
	uint64	   *s = rng->s;
	uint64		result = Rotl(s[1] * 5, 7) * 9;
	uint64		t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = Rotl(s[3], 45);
	return result;
}

void
LpRngNormals(LpRng *rng, float *m, int64 n, float sd)
{
	/* Box-Muller: a pair of uniforms gives two normals (the last may go unused) */
	for (int64 i = 0; i < n; i += 2)
	{
		/* one draw each: Max() would evaluate the draw twice */
		float		a = LpRngUniform(rng);
		float		b = LpRngUniform(rng);
		float		r;

		if (a < 1e-7f)
			a = 1e-7f;			/* log(0) would be infinite */
		r = sqrtf(-2.0f * logf(a)) * sd;

		m[i] = r * cosf(6.2831853f * b);
		if (i + 1 < n)
			m[i + 1] = r * sinf(6.2831853f * b);
	}
}

void
LpShuffle(LpEntry *order, int64 n, LpRng *rng)
{
	/* Fisher-Yates */
	for (int64 e = n - 1; e > 0; e--)
	{
		int64		k = (int64) (LpRngNext(rng) % (uint64) (e + 1));
		int64		t = order[e];

		order[e] = order[k];
		order[k] = t;
	}
}

static uint64
Gcd(uint64 a, uint64 b)
{
	while (b != 0)
	{
		uint64		t = a % b;

		a = b;
		b = t;
	}
	return a;
}

void
LpAffineDraw(LpAffinePerm *perm, int64 n, LpRng *rng)
{
	perm->n = (uint64) Max(n, 1);
	perm->a = 1;
	/* a in 1 .. n - 1 prime to n: about 6 / pi^2 of the draws are */
	if (perm->n > 2)
		do
			perm->a = 1 + LpRngNext(rng) % (perm->n - 1);
		while (Gcd(perm->a, perm->n) != 1);
	perm->c = LpRngNext(rng) % perm->n;
}
