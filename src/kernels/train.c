/*
 * train.c: the SGD trainer (matrix factorisation with a dot-product decoder).
 *
 * Design.  Each epoch visits every training positive (a CSR entry u -> i)
 * once in a fresh random order and contrasts it with `negatives` sampled
 * non-edges u -> j, where j comes from the sampler and is redrawn when it is
 * a real edge of u (or u itself).  Two losses:
 *
 *   bpr  -log sigmoid(s(u,i) - s(u,j))            per (i, j) pair
 *   bce  -log sigmoid(s(u,i)) - log sigmoid(-s(u,j))
 *
 * with s(u,v) = U[u].V[v] + bu[u] + bv[v].  Updates are plain per-sample SGD
 * with L2 on the touched rows and a learning rate that decays linearly to a
 * tenth of its start over the run (word2vec's schedule), which needs no
 * per-parameter state.  An edge weight w multiplies the positive's gradient.
 *
 * The bilinear decoder, s(u,v) = U[u]' R V[v] + biases, uses the same loop:
 * a step first forms u's query q = R' U[u], after which every score of the
 * step is a dot product q.V[v] and the item rows are updated as above.  The
 * gradient with respect to q, summed over the step's pairs, is carried back
 * to U[u] (times R) and to R (an outer product with U[u]).  R is one matrix
 * shared by every step, so its gradient is summed over LP_BILINEAR_BATCH
 * positives and applied by Adam (LP_BILINEAR_LR_SCALE times the learning
 * rate): per-sample SGD on a shared parameter would let each step's noise
 * move every score.
 *
 * With option negative_group (cfg->neg_group > 1), the dot decoder and the
 * plain or in-batch negatives, consecutive positives share one draw of
 * negatives (negshare.c: their rows stay in the cache), and an epoch takes
 * the positives by source (MfOrder): each user's together, its row and
 * neighbour list in the cache from one positive to its next, the steps
 * drawn from neg_group lanes so that a group's positives are of different
 * users (LpLanePosition).
 *
 * The dot decoder's steps (Step here, negshare.c's shared one) are also
 * compiled for AVX2 with FMA (simd.h): a run takes the variant of
 * cfg->simd, chosen once (LpTrainSimd), through a pointer.
 *
 * With cfg->threads > 1 and the dot decoder the epochs run on that many
 * threads (parallel.c; the bilinear decoder's R, one matrix every step
 * writes, keeps it on one thread, and so do node attributes, attrs.c);
 * with one thread the loop is the serial one (epoch.c), unchanged.
 *
 * This file is the top of the trainer's layers (train.h lists them): it
 * calls down into the samplers, the epoch loops and the attribute step,
 * and nothing below calls it.
 *
 * This file never calls PostgreSQL; the caller's progress callback is the
 * only way out mid-run, and it is called between chunks, never inside one.
 */
#include "postgres.h"

#include "attrs.h"
#include "decoder.h"
#include "negshare.h"
#include "train.h"

#define CHUNK 65536

/* positives per Adam step on the bilinear decoder's R (CHUNK is a multiple) */
#define LP_BILINEAR_BATCH 256
#define LP_BILINEAR_LR_SCALE 0.01f

/* positives between two rounds of user-user pulls (option user_edges) */
#define LP_LINK_BATCH 1024

void
LpBilinearInit(float *R, int dim)
{
	memset(R, 0, sizeof(float) * dim * dim);
	for (int a = 0; a < dim; a++)
		R[a * dim + a] = 1.0f;
}

/* q = R' p: row a of R scaled by p[a], summed (contiguous rows) */
static inline void
RelTransposeTimes(const float *R, const float *p, int dim, float *q)
{
	memset(q, 0, sizeof(float) * dim);
	for (int a = 0; a < dim; a++)
	{
		const float *r = R + (Size) a * dim;
		float		pa = p[a];

		for (int b = 0; b < dim; b++)
			q[b] += r[b] * pa;
	}
}

/*
 * An undirected graph's relation is symmetric: its R gets the symmetric
 * part of each gradient, so s(u,v) = s(v,u) holds exactly, not just on
 * average over the two directions every edge is trained in.
 */
static void
Symmetrise(float *m, int dim)
{
	for (int a = 0; a < dim; a++)
		for (int b = a + 1; b < dim; b++)
		{
			float		s = 0.5f * (m[a * dim + b] + m[b * dim + a]);

			m[a * dim + b] = m[b * dim + a] = s;
		}
}

void
LpBilinearQueries(const float *U, int32 n, int dim, const float *R, float *Q)
{
	for (int32 u = 0; u < n; u++)
		RelTransposeTimes(R, U + (Size) u * dim, dim, Q + (Size) u * dim);
}

/*
 * One positive u -> i with its negatives under the dot decoder; returns the
 * loss.  Each pair is one of sgd.h's dot steps on the model's rows, U[u]
 * moving after each.  Inlined into each instruction set's variant (below).
 */
static inline __attribute__((always_inline)) float
Step(const LpGraph *g, const LpTrainConfig *cfg, const LpSamplerState *sampler,
	 LpEmbeddings *emb, LpRng *rng, int32 u, int32 i, float w, float lr)
{
	const int	dim = cfg->dim;
	float	   *pu = emb->U + (int64) u * dim;
	float	   *pi = emb->V + (int64) i * dim;
	float		loss = 0;
	int			negatives = LpNegativeCount(g, cfg, u);
	int32		drawn[LP_PREDRAW_MAX];
	bool		predrawn = cfg->neg_mode != LP_NEG_HARD && negatives <= LP_PREDRAW_MAX;

	/*
	 * Negatives that do not depend on the vectors (all but hard ones) are
	 * drawn first, in the same order from the same stream, and their rows
	 * fetched into the cache while the steps before them run: the rows of
	 * random items are the step's cache misses.  The results are the same.
	 */
	if (predrawn)
		for (int n = 0; n < negatives; n++)
		{
			drawn[n] = LpNegative(g, cfg, sampler, emb, pu, rng, u);
			if (drawn[n] >= 0)
				LpPrefetchRow(emb->V + (int64) drawn[n] * dim, dim);
		}

	if (!LpLossPairwise(cfg->loss))
		LpDotPointStep(cfg, pu, &emb->bu[u], pi, &emb->bv[i], LpPositiveTarget(cfg, w),
					   LpPositiveScale(cfg, w), lr, &loss);

	for (int n = 0; n < negatives; n++)
	{
		int32		j = predrawn ? drawn[n] : LpNegative(g, cfg, sampler, emb, pu, rng, u);
		float	   *pj;

		if (j < 0)
			continue;
		pj = emb->V + (int64) j * dim;
		if (!LpLossPairwise(cfg->loss))
			LpDotPointStep(cfg, pu, &emb->bu[u], pj, &emb->bv[j], 0.0f, 1.0f, lr, &loss);
		else
			LpDotPairStep(cfg, pu, pi, &emb->bv[i], pj, &emb->bv[j], w, lr, &loss);
	}
	return loss;
}

/* Step as the baseline build compiles it, and for AVX2 with FMA (simd.h) */
typedef float (*StepFn) (const LpGraph *g, const LpTrainConfig *cfg,
						 const LpSamplerState *sampler, LpEmbeddings *emb, LpRng *rng,
						 int32 u, int32 i, float w, float lr);

static float
StepBaseline(const LpGraph *g, const LpTrainConfig *cfg, const LpSamplerState *sampler,
			 LpEmbeddings *emb, LpRng *rng, int32 u, int32 i, float w, float lr)
{
	return Step(g, cfg, sampler, emb, rng, u, i, w, lr);
}

#ifdef LP_SIMD_VARIANTS
LP_TARGET_AVX2 static float
StepAvx2(const LpGraph *g, const LpTrainConfig *cfg, const LpSamplerState *sampler,
		 LpEmbeddings *emb, LpRng *rng, int32 u, int32 i, float w, float lr)
{
	return Step(g, cfg, sampler, emb, rng, u, i, w, lr);
}
#endif

static StepFn
StepFor(LpSimd simd)
{
	switch (simd)
	{
#ifdef LP_SIMD_VARIANTS
		case LP_SIMD_AVX2:
			return StepAvx2;
#endif
		default:
			return StepBaseline;
	}
}

/* the bilinear decoder's item row v along gr against the query q; q's gradient into gq */
static inline void
QueryPointUpdate(const float *q, float *gq, float *v, float gr, float lr, float reg, int dim)
{
	for (int d = 0; d < dim; d++)
	{
		gq[d] += gr * v[d];
		v[d] += lr * (gr * q[d] - reg * v[d]);
	}
}

/*
 * One positive u -> i with its negatives under the bilinear decoder; q and
 * gq are dim floats of scratch.  Every score of the step is q.V[v] with
 * the query q = R' U[u] fixed; U[u] moves once, at the end, along R gq.
 * R's gradient is added to emb->R_state.
 */
static float
StepBilinear(const LpGraph *g, const LpTrainConfig *cfg, const LpSamplerState *sampler,
			 LpEmbeddings *emb, LpRng *rng, int32 u, int32 i, float w, float lr,
			 float *q, float *gq)
{
	const int	dim = cfg->dim;
	const float reg = cfg->reg;
	float	   *pu = emb->U + (int64) u * dim;
	float	   *pi = emb->V + (int64) i * dim;
	float	   *rgrad = emb->R_state;
	float		loss = 0;
	int			negatives = LpNegativeCount(g, cfg, u);

	RelTransposeTimes(emb->R, pu, dim, q);
	memset(gq, 0, sizeof(float) * dim);

	if (!LpLossPairwise(cfg->loss))
	{
		float		gr = LpDotPointGrad(cfg, q, &emb->bu[u], pi, &emb->bv[i],
										LpPositiveTarget(cfg, w), LpPositiveScale(cfg, w), &loss);

		QueryPointUpdate(q, gq, pi, gr, lr, reg, dim);
		LpBiasStep(cfg, &emb->bu[u], gr, &emb->bv[i], gr, lr);
	}

	for (int n = 0; n < negatives; n++)
	{
		int32		j = LpNegative(g, cfg, sampler, emb, q, rng, u);
		float	   *pj;
		float		gr;

		if (j < 0)
			continue;
		pj = emb->V + (int64) j * dim;
		if (!LpLossPairwise(cfg->loss))
		{
			gr = LpDotPointGrad(cfg, q, &emb->bu[u], pj, &emb->bv[j], 0.0f, 1.0f, &loss);
			QueryPointUpdate(q, gq, pj, gr, lr, reg, dim);
			LpBiasStep(cfg, &emb->bu[u], gr, &emb->bv[j], gr, lr);
			continue;
		}
		gr = LpDotPairGrad(cfg, q, pi, &emb->bv[i], pj, &emb->bv[j], w, &loss);
		for (int d = 0; d < dim; d++)
		{
			gq[d] += gr * (pi[d] - pj[d]);
			pi[d] += lr * (gr * q[d] - reg * pi[d]);
			pj[d] += lr * (-gr * q[d] - reg * pj[d]);
		}
		LpBiasStep(cfg, &emb->bv[i], gr, &emb->bv[j], -gr, lr);
	}

	/* carry gq back: d/dU[u] = R gq, d/dR = U[u] gq' (taken before U[u] moves) */
	for (int a = 0; a < dim; a++)
	{
		const float *r = emb->R + (Size) a * dim;
		float	   *rg = rgrad + (Size) a * dim;
		float		pa = pu[a];
		float		s = 0;

		for (int b = 0; b < dim; b++)
		{
			s += r[b] * gq[b];
			rg[b] += pa * gq[b];
		}
		pu[a] += lr * (s - reg * pa);
	}
	return loss;
}

/* LpTrain's state between batches */
typedef struct MfRun
{
	const LpGraph *g;
	const LpTrainConfig *cfg;
	const LpSamplerState *sampler;
	LpEmbeddings *emb;
	const int32 *entry_src;
	int64		pulled;			/* positives of the epoch the user-user pull has covered */
	int64		r_steps;		/* Adam steps taken on R */
	/* the dot decoder's steps for the run's instruction set (LpTrainSimd) */
	StepFn		step;
	LpStepSharedFn step_shared;
	float		q[LP_MAX_DIM];
	float		gq[LP_MAX_DIM];
	float		attr_scratch[LP_ATTR_SCRATCH_FLOATS(LP_MAX_DIM)];	/* node attributes (attrs.h) */
} MfRun;

/*
 * The memory the positives after order[p] will touch, asked of the cache
 * in stages (a hint only; results do not change).  Positives come in
 * shuffled order (in source order, a lane's next user and the items are
 * still anywhere), so a fetch is a miss otherwise, and each stage needs
 * the one before it: the entry's source and target (PREFETCH_FAR ahead),
 * then the user and item rows and the source's CSR offset (PREFETCH_MID),
 * then the source's neighbour list, which the negatives are checked
 * against (PREFETCH_NEAR).
 */
#define PREFETCH_FAR 12
#define PREFETCH_MID 6
#define PREFETCH_NEAR 2

static inline void
PrefetchPositive(const MfRun *r, const LpEntry *order, int64 lo, int64 hi, int lanes, int64 p)
{
	const LpGraph *g = r->g;
	int			dim = r->cfg->dim;
	int64		len = hi - lo,
				k = p - lo;

	if (k + PREFETCH_FAR < len)
	{
		int64		e = order[LpLanePosition(lo, len, lanes, k + PREFETCH_FAR)];

		__builtin_prefetch(&r->entry_src[e], 0, 1);
		__builtin_prefetch(&g->targets[e], 0, 1);
	}
	if (k + PREFETCH_MID < len)
	{
		int64		e = order[LpLanePosition(lo, len, lanes, k + PREFETCH_MID)];
		int32		u = r->entry_src[e];

		LpPrefetchRow(r->emb->U + (int64) u * dim, dim);
		LpPrefetchRow(r->emb->V + (int64) g->targets[e] * dim, dim);
		__builtin_prefetch(&g->offsets[u], 0, 1);
	}
	if (k + PREFETCH_NEAR < len)
	{
		int32		u = r->entry_src[order[LpLanePosition(lo, len, lanes, k + PREFETCH_NEAR)]];

		__builtin_prefetch(g->targets + g->offsets[u], 0, 1);
	}
}

/* whether the run's steps are negshare.c's, negatives shared by groups */
static bool
MfSharesNegatives(const LpGraph *g, const LpTrainConfig *cfg)
{
	return !LpDecoderIs(LpDecoderAt(cfg->decoder), LP_DEC_SGD_MATRIX) && g->n_attrs == 0 &&
		LpSharesNegatives(cfg);
}

/*
 * The epoch's order: by source where the negatives are shared, the steps
 * that gain from it (bench/RESULTS-source-order.md) and the ones it was
 * validated on; a fresh shuffle otherwise, as before.
 */
static LpEpochOrder
MfOrder(const LpGraph *g, const LpTrainConfig *cfg)
{
	return MfSharesNegatives(g, cfg) ? LP_ORDER_BY_SOURCE : LP_ORDER_SHUFFLED;
}

/*
 * One chunk of positives.  The learning rate decays with every positive,
 * not per chunk: per-sample SGD has no other state to smooth it.
 */
static void
MfBatch(void *state, const LpEntry *order, const LpBatch *b, LpRng *rng, double *loss)
{
	MfRun	   *r = state;
	const LpGraph *g = r->g;
	const LpTrainConfig *cfg = r->cfg;
	LpEmbeddings *emb = r->emb;
	int64		n = g->n_entries;
	int64		total_steps = n * cfg->epochs;
	int64		step = (int64) (b->epoch - 1) * n + b->start;
	bool		bilinear = LpDecoderIs(LpDecoderAt(cfg->decoder), LP_DEC_SGD_MATRIX);
	const Size	dd = (Size) cfg->dim * cfg->dim;

	bool		shared = MfSharesNegatives(g, cfg);
	int			lanes = shared ? cfg->neg_group : 1;
	LpNegGroup	grp;

	if (b->start == 0)
		r->pulled = 0;
	for (int64 p = b->start; p < b->end; p++, step++)
	{
		int64		e = order[LpLanePosition(b->start, b->end - b->start, lanes, p - b->start)];
		float		lr = LpDecayedLr(cfg, step, total_steps);

		PrefetchPositive(r, order, b->start, b->end, lanes, p);

		if ((p + 1) % LP_LINK_BATCH == 0 || p + 1 == n)
		{
			LpLinkPull(g, cfg, emb->U, lr, r->pulled, p + 1, rng);
			r->pulled = p + 1;
		}
		if (!bilinear && g->n_attrs > 0 && emb->A != NULL)
		{
			/* nodes composed of id and attribute vectors (item_features, user_features) */
			*loss += LpAttrStep(g, cfg, r->sampler, emb, rng, r->entry_src[e], g->targets[e],
								g->weights ? g->weights[e] : 1.0f, lr, r->attr_scratch);
			continue;
		}
		if (shared)
		{
			/* groups of the chunk's steps from its start */
			if ((p - b->start) % cfg->neg_group == 0)
				LpDrawNegGroup(g, cfg, r->sampler, emb, rng, &grp);
			*loss += r->step_shared(g, cfg, emb, &grp, r->entry_src[e], g->targets[e],
									g->weights ? g->weights[e] : 1.0f, lr);
			continue;
		}
		if (!bilinear)
		{
			*loss += r->step(g, cfg, r->sampler, emb, rng, r->entry_src[e], g->targets[e],
							 g->weights ? g->weights[e] : 1.0f, lr);
			continue;
		}
		*loss += StepBilinear(g, cfg, r->sampler, emb, rng, r->entry_src[e], g->targets[e],
							  g->weights ? g->weights[e] : 1.0f, lr, r->q, r->gq);
		if ((p + 1) % LP_BILINEAR_BATCH == 0 || p + 1 == n)
		{
			/* the batch's summed gradient, averaged, and cleared */
			float	   *rg = emb->R_state;

			for (Size k = 0; k < dd; k++)
				rg[k] /= LP_BILINEAR_BATCH;
			if (g->tied)
				Symmetrise(rg, cfg->dim);
			LpAdam(emb->R, rg, rg + dd, rg + 2 * dd, dd,
				   lr * LP_BILINEAR_LR_SCALE, ++r->r_steps);
			memset(rg, 0, sizeof(float) * dd);
		}
	}
}

/*
 * A thread's share of a parallel run (parallel.c): the same steps, on rows
 * no other thread touches this round, with the thread's own sampler (its
 * negatives' blocks) and stream.
 */
static void
MfShare(void *state, const LpEntry *order, int64 lo, int64 hi, const LpShare *sh,
		const LpSamplerState *sampler, LpRng *rng, double *loss)
{
	MfRun	   *r = state;
	const LpGraph *g = r->g;
	const LpTrainConfig *cfg = r->cfg;
	int64		total_steps = g->n_entries * cfg->epochs;
	LpNegGroup	grp;

	if (LpSharesNegatives(cfg))
	{
		/* groups from the start of the piece, drawn in the cell's blocks */
		for (int64 p = lo; p < hi; p++)
		{
			int64		e = order[LpLanePosition(lo, hi - lo, cfg->neg_group, p - lo)];

			PrefetchPositive(r, order, lo, hi, cfg->neg_group, p);
			if ((p - lo) % cfg->neg_group == 0)
				LpDrawNegGroup(g, cfg, sampler, r->emb, rng, &grp);
			*loss += r->step_shared(g, cfg, r->emb, &grp, r->entry_src[e], g->targets[e],
									g->weights ? g->weights[e] : 1.0f,
									LpDecayedLr(cfg, LpShareStep(sh, p), total_steps));
		}
		return;
	}
	for (int64 p = lo; p < hi; p++)
	{
		int64		e = order[p];

		PrefetchPositive(r, order, lo, hi, 1, p);
		*loss += r->step(g, cfg, sampler, r->emb, rng, r->entry_src[e], g->targets[e],
						 g->weights ? g->weights[e] : 1.0f,
						 LpDecayedLr(cfg, LpShareStep(sh, p), total_steps));
	}
}

/* the user-user pull of a parallel run: its share of the links, between pieces */
static void
MfSerial(void *state, int epoch, int64 done, int64 now, LpRng *rng)
{
	MfRun	   *r = state;
	const LpGraph *g = r->g;
	const LpTrainConfig *cfg = r->cfg;
	int64		n = g->n_entries;

	LpLinkPull(g, cfg, r->emb->U, LpDecayedLr(cfg, (int64) (epoch - 1) * n + now, n * cfg->epochs),
			   done, now, rng);
}

int
LpTrainThreads(const LpGraph *g, const LpTrainConfig *cfg)
{
	/*
	 * Node attributes (attrs.h) are shared by many items or users, so two
	 * cells of a round would write the same attribute rows: one thread.
	 */
	if (cfg->threads <= 1 || !LpDecoderIs(LpDecoderAt(cfg->decoder), LP_DEC_PARALLEL) || g->n_entries == 0 ||
		g->n_attrs > 0)
		return 1;
	return Min(cfg->threads, LP_MAX_THREADS);
}

LpSimd
LpTrainSimd(const LpGraph *g, const LpTrainConfig *cfg)
{
	const LpDecoderKind *dk = LpDecoderAt(cfg->decoder);

	/*
	 * Only the dot decoder's two steps have variants: the bilinear step, the
	 * attribute step (attrs.c) and a decoder that trains itself (the MLP)
	 * run the baseline code.
	 */
	if (dk->fit.run != NULL || LpDecoderIs(dk, LP_DEC_SGD_MATRIX) || g->n_attrs > 0)
		return LP_SIMD_BASELINE;
	return LpSimdUsable(cfg->simd);
}

LpTrainResult
LpTrain(const LpGraph *g, const LpTrainConfig *cfg, const LpSamplerState *sampler,
		LpEmbeddings *emb, LpEntry *order, int32 *entry_src,
		LpProgressFn progress, void *arg, double *final_loss)
{
	LpRng		rng;
	MfRun		r;

	memset(&r, 0, sizeof(r));
	r.g = g;
	r.cfg = cfg;
	r.sampler = sampler;
	r.emb = emb;
	r.entry_src = entry_src;
	r.step = StepFor(LpTrainSimd(g, cfg));
	r.step_shared = LpStepSharedFor(LpTrainSimd(g, cfg));
	if (LpDecoderIs(LpDecoderAt(cfg->decoder), LP_DEC_SGD_MATRIX))
		memset(emb->R_state, 0, sizeof(float) * LP_BILINEAR_STATE_FLOATS(cfg->dim));
	LpTrainBegin(g, cfg, &rng, order, entry_src);
	if (LpTrainThreads(g, cfg) > 1)
		return LpEpochLoopParallel(g, cfg, LpTrainThreads(g, cfg), CHUNK, MfOrder(g, cfg), &rng,
								   order, entry_src, sampler, MfShare, MfSerial, &r, progress,
								   arg, final_loss);
	return LpEpochLoop(g, cfg, CHUNK, MfOrder(g, cfg), &rng, order, MfBatch, &r, progress, arg,
					   final_loss);
}

/* a fold-in's pointwise step: u (bias *bu) against item v (bias bv), target t */
static void
FoldInPoint(const LpTrainConfig *cfg, float *u, float *bu, const float *v, float bv, float t,
			float lr)
{
	const int	dim = cfg->dim;
	float		x = *bu + bv;
	float		g;
	float		l = 0;

	for (int d = 0; d < dim; d++)
		x += u[d] * v[d];
	g = LpPointGrad(cfg, x, t, &l);
	for (int d = 0; d < dim; d++)
		u[d] += lr * (g * v[d] - cfg->reg * u[d]);
	if (cfg->bias)
		*bu += lr * (g - cfg->reg * *bu);
}

void
LpFoldIn(const float *V, const float *bv, int32 n_items, const int32 *items, int n,
		 const LpTrainConfig *cfg, int passes, float *u, float *bu)
{
	const int	dim = cfg->dim;
	LpRng		rng;

	if (!LpFoldInBegin(cfg, n, n_items, u, bu, &rng))
		return;
	for (int p = 0; p < passes; p++)
	{
		float		lr = LpDecayedLr(cfg, p, passes);

		for (int t = 0; t < n; t++)
		{
			const float *vi = V + (int64) items[t] * dim;

			if (!LpLossPairwise(cfg->loss))
				FoldInPoint(cfg, u, bu, vi, bv[items[t]], 1.0f, lr);
			for (int k = 0; k < cfg->negatives; k++)
			{
				int32		j = LpFoldInNegative(&rng, items, n, n_items);
				const float *vj;
				float		x;
				float		g;
				float		l = 0;

				if (j < 0)
					continue;
				vj = V + (int64) j * dim;
				if (!LpLossPairwise(cfg->loss))
				{
					FoldInPoint(cfg, u, bu, vj, bv[j], 0.0f, lr);
					continue;
				}
				x = bv[items[t]] - bv[j];
				for (int d = 0; d < dim; d++)
					x += u[d] * (vi[d] - vj[d]);
				g = LpPairGrad(cfg, x, &l);
				for (int d = 0; d < dim; d++)
					u[d] += lr * (g * (vi[d] - vj[d]) - cfg->reg * u[d]);
			}
		}
	}
}
