/*
 * negshare.c: negatives shared by a group of consecutive positives (option
 * negative_group, cfg->neg_group = G > 1; LpSharesNegatives), the matrix
 * factorisation's step with them (negshare.h).
 *
 * Why.  The step is
 * bound by random rows: each positive's own negatives are `negatives`
 * random item rows, a cache miss each.  A group of G positives of one cell
 * (parallel.c) or of one chunk (one thread) draws `negatives` candidates
 * once, from the blocks the cell may write, and every positive of the
 * group trains against them, so their rows stay in the cache for G steps
 * and the sampler runs G times less (PyTorch-BigGraph batches its
 * negatives the same way).  A candidate that is an edge of the positive's
 * source (or the source itself) is skipped for that positive, as the
 * sampler would have redrawn it.  Groups start at fixed offsets of the
 * cell or chunk, so a fixed seed and thread count still repeat exactly.
 *
 * The step itself is the dot decoder's per-positive step (train.c's Step)
 * with three costs taken out: the score's dot product in 8 partial sums
 * (LpDot8), one log per step for the logistic losses, and the waits of the
 * candidates' edge checks one after another (EdgesOfUser runs them
 * together).  It is compiled twice, for the baseline and for AVX2 with FMA
 * (simd.h), from the same source (LpStepSharedFor chooses).  No PostgreSQL
 * calls.
 */
#include "postgres.h"

#include "negshare.h"

void
LpDrawNegGroup(const LpGraph *g, const LpTrainConfig *cfg, const LpSamplerState *sampler,
			   const LpEmbeddings *emb, LpRng *rng, LpNegGroup *grp)
{
	grp->n = cfg->negatives;
	for (int k = 0; k < grp->n; k++)
	{
		grp->j[k] = LpDrawCandidate(g, cfg, sampler, rng);
		if (grp->j[k] >= 0)
			LpPrefetchRow(emb->V + (int64) grp->j[k] * cfg->dim, cfg->dim);
	}
}

/*
 * A logistic term (bce's pointwise, bpr's pairwise) of score s, target 1
 * (positive) or 0: its gradient, as LpPointGrad's and LpPairGrad's.  Its
 * loss is max(-s, 0) + log(1 + e) (target 1; max(s, 0) + ... for 0) with
 * e = exp(-|s|): the first part goes to *loss, the factor 1 + e (in
 * [1, 2]) to *soft, the product whose log the step takes once instead of
 * one log1pf per pair (the log1pf cost as much as a pair's update).  A
 * step has at most 1 + LP_GROUP_MAX_NEGATIVES factors, under the 1024
 * that 2^k needs to stay a finite double.
 */
static inline float
LogisticGrad(float s, bool positive, double *soft, float *loss)
{
	float		e = expf(-fabsf(s));
	float		sig = s >= 0 ? 1.0f / (1.0f + e) : e / (1.0f + e);

	*soft *= 1.0 + (double) e;
	if (positive)
	{
		*loss += s > 0 ? 0.0f : -s;
		return 1.0f - sig;
	}
	*loss += s < 0 ? 0.0f : s;
	return -sig;
}

/* the dot decoder's pointwise step as LpDotPointStep, its score by LpDot8 */
static inline void
SharedPointStep(const LpTrainConfig *cfg, float *p, float *bp, float *v, float *bv,
				float t, float scale, float lr, double *soft, float *loss)
{
	float		x = LpDot8(p, v, cfg->dim) + *bp + *bv;
	float		gr;

	if (cfg->loss == LP_TRAIN_BCE)
		gr = LogisticGrad(x, t > 0, soft, loss) * scale;
	else
		gr = LpPointGrad(cfg, x, t, loss) * scale;
	LpDotPointMove(cfg, p, bp, v, bv, gr, lr);
}

/* the dot decoder's pairwise step as LpDotPairStep, its score by LpDot8 */
static inline void
SharedPairStep(const LpTrainConfig *cfg, float *p, float *vi, float *bi, float *vj, float *bj,
			   float w, float lr, double *soft, float *loss)
{
	const int	dim = cfg->dim;
	float		x = LpDot8(p, vi, dim) - LpDot8(p, vj, dim);
	float		gr;

	if (cfg->bias)
		x += *bi - *bj;
	if (cfg->loss == LP_TRAIN_BPR && w == 1.0f)
		gr = LogisticGrad(x, true, soft, loss);
	else
	{
		float		l = 0;

		gr = LpPairGrad(cfg, x, &l) * w;
		*loss += l * w;
	}
	LpDotPairMove(cfg, p, vi, bi, vj, bj, gr, lr);
}

/* candidates whose edge checks run together (EdgesOfUser) */
#define CHECK_BATCH 16

/*
 * edge[k]: whether j[k] (k < n <= CHECK_BATCH) is an edge of u.  The n
 * binary searches of LpSortedContains, in lockstep: they probe the same
 * list with the same halvings, so each round's n loads are independent and
 * the cache misses on a long neighbour list overlap, where one search
 * after another waits for each miss in turn (about a third of the step's
 * time in a profile on a loaded machine).  The same answers.
 */
static inline void
EdgesOfUser(const LpGraph *g, int32 u, const int32 *j, int n, bool *edge)
{
	const int32 *a = g->targets + g->offsets[u];
	int64		len = g->offsets[u + 1] - g->offsets[u];
	int64		at[CHECK_BATCH];

	if (len <= 0)
	{
		memset(edge, 0, sizeof(bool) * n);
		return;
	}
	for (int k = 0; k < n; k++)
		at[k] = 0;
	while (len > 1)
	{
		int64		half = len / 2;

		for (int k = 0; k < n; k++)
			at[k] = a[at[k] + half] <= j[k] ? at[k] + half : at[k];
		len -= half;
	}
	for (int k = 0; k < n; k++)
		edge[k] = a[at[k]] == j[k];
}

/*
 * Step with the group's negatives: the same updates in the same order,
 * the candidates that are edges of u (or u) skipped.  Inlined into each
 * variant below, so that it and its helpers are compiled for the variant's
 * instruction set.
 */
static inline __attribute__((always_inline)) float
StepShared(const LpGraph *g, const LpTrainConfig *cfg, LpEmbeddings *emb, const LpNegGroup *grp,
		   int32 u, int32 i, float w, float lr)
{
	const int	dim = cfg->dim;
	float	   *pu = emb->U + (int64) u * dim;
	float	   *pi = emb->V + (int64) i * dim;
	float		loss = 0;
	double		soft = 1.0;
	bool		pairwise = LpLossPairwise(cfg->loss);
	bool		edge[CHECK_BATCH];

	if (!pairwise)
		SharedPointStep(cfg, pu, &emb->bu[u], pi, &emb->bv[i], LpPositiveTarget(cfg, w),
						LpPositiveScale(cfg, w), lr, &soft, &loss);
	for (int n = 0; n < grp->n; n++)
	{
		int32		j = grp->j[n];
		float	   *pj;

		if (n % CHECK_BATCH == 0)
			EdgesOfUser(g, u, grp->j + n, Min(CHECK_BATCH, grp->n - n), edge);
		if (j < 0 || (g->homogeneous && j == u) || edge[n % CHECK_BATCH])
			continue;
		pj = emb->V + (int64) j * dim;
		if (!pairwise)
			SharedPointStep(cfg, pu, &emb->bu[u], pj, &emb->bv[j], 0.0f, 1.0f, lr, &soft, &loss);
		else
			SharedPairStep(cfg, pu, pi, &emb->bv[i], pj, &emb->bv[j], w, lr, &soft, &loss);
	}
	return loss + (float) log(soft);
}

/* the baseline build's step */
static float
StepSharedBaseline(const LpGraph *g, const LpTrainConfig *cfg, LpEmbeddings *emb,
				   const LpNegGroup *grp, int32 u, int32 i, float w, float lr)
{
	return StepShared(g, cfg, emb, grp, u, i, w, lr);
}

#ifdef LP_SIMD_VARIANTS
LP_TARGET_AVX2 static float
StepSharedAvx2(const LpGraph *g, const LpTrainConfig *cfg, LpEmbeddings *emb,
			   const LpNegGroup *grp, int32 u, int32 i, float w, float lr)
{
	return StepShared(g, cfg, emb, grp, u, i, w, lr);
}
#endif

LpStepSharedFn
LpStepSharedFor(LpSimd simd)
{
	switch (LpSimdUsable(simd))
	{
#ifdef LP_SIMD_VARIANTS
		case LP_SIMD_AVX2:
			return StepSharedAvx2;
#endif
		default:
			return StepSharedBaseline;
	}
}
