/*
 * sampler.h: negative sampling: the samplers over the target nodes
 * (uniform, or Walker's alias table by degree), the restriction of a
 * parallel run's thread to its node blocks, and the negatives of a source
 * under the training's negative mode (plain, in-batch, hard, dynamic count).
 *
 * Above the random numbers (rng.h) and the training's types (sgd.h); the
 * attribute step, the parallel loop and the trainers draw through it.
 * Nothing here calls PostgreSQL.
 */
#ifndef LINKPRED_SAMPLER_H
#define LINKPRED_SAMPLER_H

#include "postgres.h"

#include <math.h>

#include "graph.h"
#include "rng.h"
#include "sgd.h"
#include "vec.h"

/* Negative sampler over the target nodes (items) of a graph. */
typedef struct LpSamplerState
{
	int32		n;
	bool		uniform;
	float	   *prob;			/* alias method: n entries each */
	int32	   *alias;
	/*
	 * A thread of a parallel run (LpEpochLoopParallel) draws only nodes of
	 * the blocks it owns: the node's block (LpNodeBlock over `blocks`) must
	 * be a bit of `allowed`.  blocks = 0: every node (the serial trainers).
	 */
	int			blocks;
	uint64		allowed;
} LpSamplerState;

/* arrays prob and alias hold n entries; weights[i] >= 0 */
extern void LpSamplerInitAlias(LpSamplerState *s, int32 n, const double *weights,
							   float *prob, int32 *alias, int32 *work);
extern void LpSamplerInitUniform(LpSamplerState *s, int32 n);

/* most threads a parallel run uses (parallel.c: its node blocks fit a uint64) */
#define LP_MAX_THREADS 32

/* the block of node j among `blocks`: a multiplicative hash, so hubs spread */
static inline int
LpNodeBlock(int32 j, int blocks)
{
	return (int) (((uint64) ((uint32) j * 2654435761u) * (uint64) blocks) >> 32);
}

static inline bool
LpSamplerAllows(const LpSamplerState *s, int32 j)
{
	return s->blocks == 0 || ((s->allowed >> LpNodeBlock(j, s->blocks)) & 1) != 0;
}

static inline int32
LpSamplerDraw(const LpSamplerState *s, LpRng *rng)
{
	int32		i = (int32) LpRngBelow(rng, (uint32) s->n);

	if (s->uniform)
		return i;
	return LpRngUniform(rng) < s->prob[i] ? i : s->alias[i];
}

#define LP_MAX_REDRAWS 16
/* draws outside a thread's blocks a negative may take before it gives up */
#define LP_MAX_MISSES (LP_MAX_REDRAWS * LP_MAX_THREADS)

/*
 * A negative for source u: a target that is neither u (homogeneous graphs)
 * nor one of u's training edges; redrawn up to LP_MAX_REDRAWS times, -1 if
 * none was found (u is linked to nearly everything).  A draw outside the
 * sampler's blocks is no redraw: it is drawn again (up to LP_MAX_MISSES),
 * which restricts the distribution to the blocks without reshaping it.
 */
static inline int32
LpDrawNegative(const LpGraph *g, const LpSamplerState *sampler, LpRng *rng, int32 u)
{
	int			misses = 0;

	for (int t = 0; t < LP_MAX_REDRAWS; t++)
	{
		int32		j = LpSamplerDraw(sampler, rng);

		if (!LpSamplerAllows(sampler, j))
		{
			if (++misses < LP_MAX_MISSES)
				t--;
			continue;
		}
		if (g->homogeneous && j == u)
			continue;
		if (!LpGraphHasEdge(g, u, j))
			return j;
	}
	return -1;
}

/*
 * A candidate negative for a group of positives (train.c's shared
 * negatives): a draw from the sampler, or under in-batch negatives the
 * target of a random training edge, within the sampler's blocks, and
 * checked against no source (each positive of the group skips its own
 * edges); -1 if LP_MAX_MISSES draws fell outside the blocks.
 */
static inline int32
LpDrawCandidate(const LpGraph *g, const LpTrainConfig *cfg, const LpSamplerState *sampler,
				LpRng *rng)
{
	for (int m = 0; m < LP_MAX_MISSES; m++)
	{
		int32		j = cfg->neg_mode == LP_NEG_INBATCH ?
			g->targets[LpRngNext(rng) % (uint64) g->n_entries] : LpSamplerDraw(sampler, rng);

		if (LpSamplerAllows(sampler, j))
			return j;
	}
	return -1;
}

/* most negatives a group shares: option negatives' maximum */
#define LP_GROUP_MAX_NEGATIVES 1000

/* whether positives share their negatives (cfg->neg_group): not hard or dynamic ones */
static inline bool
LpSharesNegatives(const LpTrainConfig *cfg)
{
	return cfg->neg_group > 1 && cfg->negatives <= LP_GROUP_MAX_NEGATIVES &&
		(cfg->neg_mode == LP_NEG_PLAIN || cfg->neg_mode == LP_NEG_INBATCH);
}

/*
 * One negative for source u under cfg->neg_mode (pu = u's current vector,
 * for hard negatives); never u itself in a homogeneous graph nor one of
 * u's training edges; -1 when none was found.
 */
extern int32 LpNegative(const LpGraph *g, const LpTrainConfig *cfg, const LpSamplerState *sampler,
						const LpEmbeddings *emb, const float *pu, LpRng *rng, int32 u);

/* how many negatives source u gets: `negatives`, or DSSLP's dynamic count */
static inline int
LpNegativeCount(const LpGraph *g, const LpTrainConfig *cfg, int32 u)
{
	float		k;

	if (cfg->neg_mode != LP_NEG_DYNAMIC)
		return cfg->negatives;
	/* rarely seen nodes get more contrast, hubs fewer */
	k = cfg->negatives * sqrtf(cfg->mean_degree / (float) Max(g->offsets[u + 1] - g->offsets[u], 1));
	return Max(1, Min((int) (k + 0.5f), 4 * cfg->negatives));
}

/*
 * A fold-in's negative: a uniform draw among n_items items that is not one
 * of the user's items (sorted ascending, n of them), redrawn up to
 * LP_MAX_REDRAWS times; -1 if none was found.
 */
static inline int32
LpFoldInNegative(LpRng *rng, const int32 *items, int n, int32 n_items)
{
	for (int r = 0; r < LP_MAX_REDRAWS; r++)
	{
		int32		c = (int32) LpRngBelow(rng, (uint32) n_items);

		if (!LpSortedContains(items, n, c))
			return c;
	}
	return -1;
}

#endif
