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
 * with four costs taken out: the score's dot product in 8 partial sums
 * (LpDot8), one log per step for the logistic losses, the waits of the
 * candidates' edge checks one after another (EdgesOfUser runs them
 * together), and the chain through u's row: it moves once per step, by
 * the pairs' summed gradient, instead of after every pair (StepShared).
 * The trainer feeds it positives in source order with lanes (train.c), so
 * u's row and neighbour list are in the cache from one of u's steps to
 * the next.  It is compiled twice, for the baseline and for AVX2 with FMA
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

/*
 * A pair's move with u's row deferred: the item rows (v, or vi and vj)
 * move along gr as LpDotPointMove and LpDotPairMove move them, against u's
 * row p as the step found it, and u's share of the gradient, gr times the
 * item side, is added to gu (and gr to *gbu) for the step's end.
 */
static inline void
DeferredPointMove(const LpTrainConfig *cfg, const float *p, float *gu, float *gbu, float *v,
				  float *bv, float gr, float lr)
{
	const float reg = cfg->reg;

	for (int d = 0; d < cfg->dim; d++)
	{
		float		b = v[d];

		gu[d] += gr * b;
		v[d] += lr * (gr * p[d] - reg * b);
	}
	*gbu += gr;
	if (cfg->bias)
		*bv += lr * (gr - reg * *bv);
}

static inline void
DeferredPairMove(const LpTrainConfig *cfg, const float *p, float *gu, float *vi, float *bi,
				 float *vj, float *bj, float gr, float lr)
{
	const float reg = cfg->reg;

	for (int d = 0; d < cfg->dim; d++)
	{
		float		b = vi[d],
					c = vj[d];

		gu[d] += gr * (b - c);
		vi[d] += lr * (gr * p[d] - reg * b);
		vj[d] += lr * (-gr * p[d] - reg * c);
	}
	LpBiasStep(cfg, bi, gr, bj, -gr, lr);
}

/* the pointwise loss's gradient on score x, target t, as LpDotPointStep's */
static inline float
SharedPointGrad(const LpTrainConfig *cfg, float x, float t, float scale, double *soft,
				float *loss)
{
	if (cfg->loss == LP_TRAIN_BCE)
		return LogisticGrad(x, t > 0, soft, loss) * scale;
	return LpPointGrad(cfg, x, t, loss) * scale;
}

/* the pairwise loss's gradient on x = p.vi - p.vj (+ biases), as LpDotPairStep's */
static inline float
SharedPairGrad(const LpTrainConfig *cfg, float x, float w, double *soft, float *loss)
{
	float		l = 0;
	float		gr;

	if (cfg->loss == LP_TRAIN_BPR && w == 1.0f)
		return LogisticGrad(x, true, soft, loss);
	gr = LpPairGrad(cfg, x, &l) * w;
	*loss += l * w;
	return gr;
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
 * Step with the group's negatives, u's row moved once: every pair is
 * scored against u's row as the step found it, the item rows move at once
 * (DeferredPointMove, DeferredPairMove), and u's row and bias take the
 * pairs' summed gradient at the end, with the L2 of as many pairs.  The
 * pairs' scores then wait on nothing but their rows (where moving u after
 * each pair made every score wait for the move before it), and u's row is
 * written once (word2vec defers the centre word's update the same way).
 * The candidates that are edges of u (or u) are skipped.  Inlined into
 * each variant below, so that it and its helpers are compiled for the
 * variant's instruction set.
 */
static inline __attribute__((always_inline)) float
StepShared(const LpGraph *g, const LpTrainConfig *cfg, LpEmbeddings *emb, const LpNegGroup *grp,
		   int32 u, int32 i, float w, float lr)
{
	const int	dim = cfg->dim;
	float	   *pu = emb->U + (int64) u * dim;
	float	   *pi = emb->V + (int64) i * dim;
	float		bu = emb->bu[u];
	float		loss = 0;
	double		soft = 1.0;
	bool		pairwise = LpLossPairwise(cfg->loss);
	bool		edge[CHECK_BATCH];
	float		gu[LP_MAX_DIM];
	float		gbu = 0;
	/* each pair's L2 shrinks u's row by keep; decay is their product */
	const float keep = 1.0f - lr * cfg->reg;
	float		decay = 1.0f;

	memset(gu, 0, sizeof(float) * dim);
	if (!pairwise)
	{
		float		x = LpDot8(pu, pi, dim) + bu + emb->bv[i];

		DeferredPointMove(cfg, pu, gu, &gbu, pi, &emb->bv[i],
						  SharedPointGrad(cfg, x, LpPositiveTarget(cfg, w),
										  LpPositiveScale(cfg, w), &soft, &loss), lr);
		decay *= keep;
	}
	for (int n = 0; n < grp->n; n++)
	{
		int32		j = grp->j[n];
		float	   *pj;
		float		x;

		if (n % CHECK_BATCH == 0)
			EdgesOfUser(g, u, grp->j + n, Min(CHECK_BATCH, grp->n - n), edge);
		if (j < 0 || (g->homogeneous && j == u) || edge[n % CHECK_BATCH])
			continue;
		pj = emb->V + (int64) j * dim;
		decay *= keep;
		if (!pairwise)
		{
			x = LpDot8(pu, pj, dim) + bu + emb->bv[j];
			DeferredPointMove(cfg, pu, gu, &gbu, pj, &emb->bv[j],
							  SharedPointGrad(cfg, x, 0.0f, 1.0f, &soft, &loss), lr);
			continue;
		}
		x = LpDot8(pu, pi, dim) - LpDot8(pu, pj, dim);
		if (cfg->bias)
			x += emb->bv[i] - emb->bv[j];
		DeferredPairMove(cfg, pu, gu, pi, &emb->bv[i], pj, &emb->bv[j],
						 SharedPairGrad(cfg, x, w, &soft, &loss), lr);
	}
	/* u's row and bias: the pairs' summed gradient, the L2 of each pair */
	for (int d = 0; d < dim; d++)
		pu[d] = pu[d] * decay + lr * gu[d];
	if (cfg->bias && !pairwise)
		emb->bu[u] = bu * decay + lr * gbu;
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
