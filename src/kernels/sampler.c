/*
 * sampler.c: negative sampling (sampler.h).
 *
 * Negatives are drawn from the target nodes either uniformly or in
 * proportion to degree^alpha (word2vec's unigram^0.75 idea, which makes
 * popular items harder negatives).  The degree sampler uses Walker's alias
 * method: O(n) to build, O(1) per draw.  On top of the draw, LpNegative
 * applies the training's negative mode (plain, in-batch, hard, dynamic
 * count: sgd.h) and redraws a node that is a true edge of the source
 * (checked against the CSR) or the source itself.  No PostgreSQL calls.
 */
#include "postgres.h"

#include "sampler.h"

void
LpSamplerInitUniform(LpSamplerState *s, int32 n)
{
	s->n = n;
	s->uniform = true;
	s->prob = NULL;
	s->alias = NULL;
	s->blocks = 0;
	s->allowed = 0;
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

	LpSamplerInitUniform(s, n);
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

/* one negative for u under the configured mode; -1 if none found */
int32
LpNegative(const LpGraph *g, const LpTrainConfig *cfg, const LpSamplerState *sampler,
		 const LpEmbeddings *emb, const float *pu, LpRng *rng, int32 u)
{
	if (cfg->neg_mode == LP_NEG_INBATCH)
	{
		int			misses = 0;

		for (int t = 0; t < LP_MAX_REDRAWS; t++)
		{
			int32		j = g->targets[LpRngNext(rng) % (uint64) g->n_entries];

			if (!LpSamplerAllows(sampler, j))
			{
				if (++misses < LP_MAX_MISSES)
					t--;
				continue;
			}
			if (!(g->homogeneous && j == u) && !LpGraphHasEdge(g, u, j))
				return j;
		}
		return -1;
	}
	if (cfg->neg_mode == LP_NEG_HARD)
	{
		int32		best = -1;
		float		best_s = 0;

		for (int c = 0; c < cfg->hard_pool; c++)
		{
			int32		j = LpDrawNegative(g, sampler, rng, u);
			float		s;

			if (j < 0)
				continue;
			s = LpDot(pu, emb->V + (int64) j * cfg->dim, cfg->dim) + emb->bu[u] + emb->bv[j];
			if (best < 0 || s > best_s)
			{
				best = j;
				best_s = s;
			}
		}
		return best;
	}
	return LpDrawNegative(g, sampler, rng, u);
}
