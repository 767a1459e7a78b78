/*
 * negshare.h: negatives shared by a group of consecutive positives (option
 * negative_group, cfg->neg_group > 1; LpSharesNegatives says when they
 * apply): the group's draw and the dot decoder's step against it.  Called
 * by the matrix factorisation's trainer (train.c), serial and parallel.
 * Above the sampler and sgd.h; nothing here calls PostgreSQL.
 */
#ifndef LINKPRED_NEGSHARE_H
#define LINKPRED_NEGSHARE_H

#include "postgres.h"

#include "graph.h"
#include "rng.h"
#include "sampler.h"
#include "sgd.h"

/* a group's candidates: -1 where a draw found none in the sampler's blocks */
typedef struct LpNegGroup
{
	int			n;				/* candidates drawn: cfg->negatives */
	int32		j[LP_GROUP_MAX_NEGATIVES];
} LpNegGroup;

/* the next group's candidates, their rows asked of the cache */
extern void LpDrawNegGroup(const LpGraph *g, const LpTrainConfig *cfg,
						   const LpSamplerState *sampler, const LpEmbeddings *emb, LpRng *rng,
						   LpNegGroup *grp);

/*
 * The position of the k-th step of the positives lo .. lo + len - 1 taken
 * in `lanes` lanes: the first lanes * q positions (q = len / lanes) cut
 * into lanes of q, the steps taking one from each lane in turn, then the
 * rest in order.  With the positives in source order (LpSourceOrder), a
 * group of `lanes` consecutive steps then holds `lanes` sources, not one
 * source's positives against the same negatives, and each source's next
 * positive is `lanes` steps on, its rows still in the cache.
 */
static inline int64
LpLanePosition(int64 lo, int64 len, int lanes, int64 k)
{
	int64		q = len / Max(lanes, 1);

	if (lanes <= 1 || k >= q * lanes)
		return lo + k;
	return lo + (k % lanes) * q + k / lanes;
}

/* positive u -> i (weight w) against the group's candidates; returns its loss */
typedef float (*LpStepSharedFn) (const LpGraph *g, const LpTrainConfig *cfg, LpEmbeddings *emb,
								 const LpNegGroup *grp, int32 u, int32 i, float w, float lr);

/* the step compiled for simd (simd.h), or for the widest narrower set the CPU runs */
extern LpStepSharedFn LpStepSharedFor(LpSimd simd);

#endif
