/*
 * sampler.c: random numbers and negative sampling.
 *
 * Negatives are drawn from the target nodes either uniformly or in
 * proportion to degree^alpha (word2vec's unigram^0.75 idea, which makes
 * popular items harder negatives).  The degree sampler uses Walker's alias
 * method: O(n) to build, O(1) per draw.  Whether a drawn node is a true edge
 * is checked by the trainer against the CSR, not here.  No PostgreSQL calls.
 */
#include "postgres.h"

#include "train.h"

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
LpSamplerInitUniform(LpSamplerState *s, int32 n)
{
	s->n = n;
	s->uniform = true;
	s->prob = NULL;
	s->alias = NULL;
}

/*
 * Walker's alias table.  work holds n int32 (the small/large worklists share
 * it from both ends).  All-zero weights fall back to uniform.
 */
void
LpSamplerInitAlias(LpSamplerState *s, int32 n, const double *weights,
				   float *prob, int32 *alias, int32 *work)
{
	double		total = 0;
	int32		nsmall = 0,
				nlarge = 0;

	for (int32 i = 0; i < n; i++)
		total += weights[i];
	if (total <= 0)
	{
		LpSamplerInitUniform(s, n);
		return;
	}

	s->n = n;
	s->uniform = false;
	s->prob = prob;
	s->alias = alias;

	/* prob first holds the scaled weight n * w / total */
	for (int32 i = 0; i < n; i++)
	{
		prob[i] = (float) (weights[i] * n / total);
		alias[i] = i;
		if (prob[i] < 1.0f)
			work[nsmall++] = i;
		else
			work[n - 1 - nlarge++] = i;
	}
	while (nsmall > 0 && nlarge > 0)
	{
		int32		sm = work[--nsmall];
		int32		lg = work[n - nlarge];

		alias[sm] = lg;
		prob[lg] -= 1.0f - prob[sm];
		if (prob[lg] < 1.0f)
		{
			nlarge--;
			work[nsmall++] = lg;
		}
	}
	/* leftovers are 1 up to rounding */
	while (nlarge > 0)
		prob[work[n - nlarge--]] = 1.0f;
	while (nsmall > 0)
		prob[work[--nsmall]] = 1.0f;
}
