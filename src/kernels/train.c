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
 * With cfg->threads > 1 and the dot decoder the epochs run on that many
 * threads (parallel.c; the bilinear decoder's R, one matrix every step
 * writes, keeps it on one thread); with one thread the loop is the serial
 * one below, unchanged.
 *
 * This file never calls PostgreSQL; the caller's progress callback is the
 * only way out mid-run, and it is called between chunks, never inside one.
 */
#include "postgres.h"

#include <math.h>

#include "attrs.h"
#include "decoder.h"
#include "train.h"

#define CHUNK 65536

/* positives per Adam step on the bilinear decoder's R (CHUNK is a multiple) */
#define LP_BILINEAR_BATCH 256
#define LP_BILINEAR_LR_SCALE 0.01f

/* positives between two rounds of user-user pulls (option user_edges) */
#define LP_LINK_BATCH 1024

#define ADAM_B1 0.9f
#define ADAM_B2 0.999f
#define ADAM_EPS 1e-8f
/* below this an Adam moment is taken as zero (FLT_MIN is 1.2e-38) */
#define ADAM_FLUSH 1e-30f

void
LpAdam(float *p, const float *g, float *m, float *v, Size n, float lr, int64 t)
{
	float		c1 = 1.0f - powf(ADAM_B1, (float) t),
				c2 = 1.0f - powf(ADAM_B2, (float) t);
	float		step = lr * sqrtf(c2) / c1;

	for (Size i = 0; i < n; i++)
	{
		float		mi = ADAM_B1 * m[i] + (1.0f - ADAM_B1) * g[i];
		float		vi = ADAM_B2 * v[i] + (1.0f - ADAM_B2) * g[i] * g[i];

		/*
		 * The moments of a parameter whose gradient stays zero (a ReLU unit
		 * no pair switches on, a row no batch touches) decay geometrically
		 * into subnormal floats, which cost the FPU a hundred cycles an
		 * operation: zero them first.
		 */
		m[i] = fabsf(mi) < ADAM_FLUSH ? 0.0f : mi;
		v[i] = vi < ADAM_FLUSH ? 0.0f : vi;
		p[i] += step * m[i] / (sqrtf(v[i]) + ADAM_EPS);
	}
}

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

void
LpInitEmbeddings(LpEmbeddings *emb, int32 n_src, int32 n_dst, bool tied, uint64 seed)
{
	LpRng		rng;
	int64		total = (int64) n_src * emb->dim;

	LpRngSeed(&rng, seed ^ UINT64CONST(0x5eed));
	/* Box-Muller normals, sd 0.1 */
	for (int pass = 0; pass < (tied ? 1 : 2); pass++)
	{
		float	   *m = pass == 0 ? emb->U : emb->V;
		int64		n = pass == 0 ? total : (int64) n_dst * emb->dim;

		for (int64 i = 0; i < n; i += 2)
		{
			/* one draw each: Max() would evaluate the draw twice */
			float		a = LpRngUniform(&rng);
			float		b = LpRngUniform(&rng);
			float		r;

			if (a < 1e-7f)
				a = 1e-7f;		/* log(0) would be infinite */
			r = sqrtf(-2.0f * logf(a)) * 0.1f;

			m[i] = r * cosf(6.2831853f * b);
			if (i + 1 < n)
				m[i + 1] = r * sinf(6.2831853f * b);
		}
	}
	memset(emb->bu, 0, sizeof(float) * n_src);
	if (!tied)
		memset(emb->bv, 0, sizeof(float) * n_dst);
}

static inline float
Score(const LpEmbeddings *emb, int dim, const float *pu, int32 u, int32 j)
{
	return LpDot(pu, emb->V + (int64) j * dim, dim) + emb->bu[u] + emb->bv[j];
}

/* one positive u -> i with its negatives; returns the loss */
static float
Step(const LpGraph *g, const LpTrainConfig *cfg, const LpSamplerState *sampler,
	 LpEmbeddings *emb, LpRng *rng, int32 u, int32 i, float w, float lr)
{
	const int	dim = cfg->dim;
	const float reg = cfg->reg;
	float	   *pu = emb->U + (int64) u * dim;
	float	   *pi = emb->V + (int64) i * dim;
	float		loss = 0;
	int			negatives = LpNegativeCount(g, cfg, u);

	if (!LpLossPairwise(cfg->loss))
	{
		/* a positive: target 1 (bce) or the edge weight (mse) */
		float		gr = LpPointGrad(cfg, Score(emb, dim, pu, u, i), cfg->loss == LP_TRAIN_MSE ? w : 1.0f,
								   &loss);

		if (cfg->loss == LP_TRAIN_BCE)
			gr *= w;
		for (int d = 0; d < dim; d++)
		{
			float		a = pu[d],
						b = pi[d];

			pu[d] += lr * (gr * b - reg * a);
			pi[d] += lr * (gr * a - reg * b);
		}
		if (cfg->bias)
		{
			emb->bu[u] += lr * (gr - reg * emb->bu[u]);
			emb->bv[i] += lr * (gr - reg * emb->bv[i]);
		}
	}

	for (int n = 0; n < negatives; n++)
	{
		int32		j = LpNegative(g, cfg, sampler, emb, pu, rng, u);
		float	   *pj;

		if (j < 0)
			continue;
		pj = emb->V + (int64) j * dim;
		if (!LpLossPairwise(cfg->loss))
		{
			float		gr = LpPointGrad(cfg, Score(emb, dim, pu, u, j), 0.0f, &loss);

			for (int d = 0; d < dim; d++)
			{
				float		a = pu[d],
							b = pj[d];

				pu[d] += lr * (gr * b - reg * a);
				pj[d] += lr * (gr * a - reg * b);
			}
			if (cfg->bias)
			{
				emb->bu[u] += lr * (gr - reg * emb->bu[u]);
				emb->bv[j] += lr * (gr - reg * emb->bv[j]);
			}
		}
		else
		{
			float		x = 0;
			float		gr;
			float		l = 0;

			for (int d = 0; d < dim; d++)
				x += pu[d] * (pi[d] - pj[d]);
			if (cfg->bias)
				x += emb->bv[i] - emb->bv[j];
			gr = LpPairGrad(cfg, x, &l) * w;
			loss += l * w;
			for (int d = 0; d < dim; d++)
			{
				float		a = pu[d],
							b = pi[d],
							c = pj[d];

				pu[d] += lr * (gr * (b - c) - reg * a);
				pi[d] += lr * (gr * a - reg * b);
				pj[d] += lr * (-gr * a - reg * c);
			}
			if (cfg->bias)
			{
				emb->bv[i] += lr * (gr - reg * emb->bv[i]);
				emb->bv[j] += lr * (-gr - reg * emb->bv[j]);
			}
		}
	}
	return loss;
}

/*
 * One positive u -> i with its negatives under the bilinear decoder; q and
 * gq are dim floats of scratch.  R's gradient is added to emb->R_state.
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
		float		gr = LpPointGrad(cfg, Score(emb, dim, q, u, i), cfg->loss == LP_TRAIN_MSE ? w : 1.0f,
								   &loss);

		if (cfg->loss == LP_TRAIN_BCE)
			gr *= w;
		for (int d = 0; d < dim; d++)
		{
			gq[d] += gr * pi[d];
			pi[d] += lr * (gr * q[d] - reg * pi[d]);
		}
		if (cfg->bias)
		{
			emb->bu[u] += lr * (gr - reg * emb->bu[u]);
			emb->bv[i] += lr * (gr - reg * emb->bv[i]);
		}
	}

	for (int n = 0; n < negatives; n++)
	{
		int32		j = LpNegative(g, cfg, sampler, emb, q, rng, u);
		float	   *pj;

		if (j < 0)
			continue;
		pj = emb->V + (int64) j * dim;
		if (!LpLossPairwise(cfg->loss))
		{
			float		gr = LpPointGrad(cfg, Score(emb, dim, q, u, j), 0.0f, &loss);

			for (int d = 0; d < dim; d++)
			{
				gq[d] += gr * pj[d];
				pj[d] += lr * (gr * q[d] - reg * pj[d]);
			}
			if (cfg->bias)
			{
				emb->bu[u] += lr * (gr - reg * emb->bu[u]);
				emb->bv[j] += lr * (gr - reg * emb->bv[j]);
			}
		}
		else
		{
			float		x = 0;
			float		gr;
			float		l = 0;

			for (int d = 0; d < dim; d++)
				x += q[d] * (pi[d] - pj[d]);
			if (cfg->bias)
				x += emb->bv[i] - emb->bv[j];
			gr = LpPairGrad(cfg, x, &l) * w;
			loss += l * w;
			for (int d = 0; d < dim; d++)
			{
				gq[d] += gr * (pi[d] - pj[d]);
				pi[d] += lr * (gr * q[d] - reg * pi[d]);
				pj[d] += lr * (-gr * q[d] - reg * pj[d]);
			}
			if (cfg->bias)
			{
				emb->bv[i] += lr * (gr - reg * emb->bv[i]);
				emb->bv[j] += lr * (-gr - reg * emb->bv[j]);
			}
		}
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

/*
 * The second relation (option user_edges), after the positives start ..
 * end - 1 of an epoch: the term (lr * link_weight / 2) ||U[a] - U[b]||^2 of
 * as many links, drawn at random, as is their share of the epoch (one pass
 * over the links per epoch); each draw moves both users toward each other.
 * U is the users' free vectors, n_src x dim.
 */
void
LpLinkPull(const LpGraph *g, const LpTrainConfig *cfg, float *U, float lr,
		   int64 start, int64 end, LpRng *rng)
{
	const int	dim = cfg->dim;
	/* beyond the midpoint the two would swap sides */
	float		rate = Min(lr * cfg->link_weight, 0.5f);
	int64		n;

	if (g->n_links == 0 || cfg->link_weight <= 0 || g->n_entries == 0)
		return;
	n = g->n_links * end / g->n_entries - g->n_links * start / g->n_entries;
	for (int64 k = 0; k < n; k++)
	{
		int64		l = (int64) (LpRngNext(rng) % (uint64) g->n_links);
		float	   *a = U + (int64) g->link_a[l] * dim;
		float	   *b = U + (int64) g->link_b[l] * dim;

		for (int d = 0; d < dim; d++)
		{
			float		diff = rate * (b[d] - a[d]);

			a[d] += diff;
			b[d] -= diff;
		}
	}
}

void
LpEntrySources(const LpGraph *g, int32 *entry_src)
{
	for (int32 u = 0; u < g->n_src; u++)
		for (int64 e = g->offsets[u]; e < g->offsets[u + 1]; e++)
			entry_src[e] = u;
}

void
LpTrainBegin(const LpGraph *g, const LpTrainConfig *cfg, LpRng *rng, int64 *order,
			 int32 *entry_src)
{
	LpRngSeed(rng, cfg->seed);
	LpEntrySources(g, entry_src);
	for (int64 e = 0; e < g->n_entries; e++)
		order[e] = e;
}

void
LpShuffle(int64 *order, int64 n, LpRng *rng)
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

LpTrainResult
LpEpochLoop(const LpGraph *g, const LpTrainConfig *cfg, int64 batch, LpRng *rng,
			int64 *order, LpBatchFn fn, void *state, LpProgressFn progress, void *arg,
			double *final_loss)
{
	int64		n = g->n_entries;
	int64		batches;
	LpBatch		b;

	batch = Max(batch, 1);
	batches = (n + batch - 1) / batch;
	b.total = batches * cfg->epochs;
	b.t = 0;
	*final_loss = 0;
	for (b.epoch = 1; b.epoch <= cfg->epochs; b.epoch++)
	{
		double		loss = 0;

		LpShuffle(order, n, rng);
		for (b.start = 0; b.start < n; b.start += batch, b.t++)
		{
			b.end = Min(b.start + batch, n);
			b.lr = LpDecayedLr(cfg, b.t, b.total);
			fn(state, order, &b, rng, &loss);
			if (isnan(loss) || isinf(loss))
				return LP_TRAIN_DIVERGED;
			if (progress && !progress(arg, b.epoch, (double) b.end / n, loss / b.end, b.end == n))
				return LP_TRAIN_STOPPED;
		}
		*final_loss = loss / Max(n, 1);
	}
	return LP_TRAIN_OK;
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
	float		q[LP_MAX_DIM];
	float		gq[LP_MAX_DIM];
	float		attr_scratch[4 * LP_MAX_DIM];	/* item attributes (attrs.h) */
} MfRun;

/*
 * One chunk of positives.  The learning rate decays with every positive,
 * not per chunk: per-sample SGD has no other state to smooth it.
 */
static void
MfBatch(void *state, const int64 *order, const LpBatch *b, LpRng *rng, double *loss)
{
	MfRun	   *r = state;
	const LpGraph *g = r->g;
	const LpTrainConfig *cfg = r->cfg;
	LpEmbeddings *emb = r->emb;
	int64		n = g->n_entries;
	int64		total_steps = n * cfg->epochs;
	int64		step = (int64) (b->epoch - 1) * n + b->start;
	bool		bilinear = LpDecoderAt(cfg->decoder)->sgd_matrix;
	const Size	dd = (Size) cfg->dim * cfg->dim;

	if (b->start == 0)
		r->pulled = 0;
	for (int64 p = b->start; p < b->end; p++, step++)
	{
		int64		e = order[p];
		float		lr = LpDecayedLr(cfg, step, total_steps);

		if ((p + 1) % LP_LINK_BATCH == 0 || p + 1 == n)
		{
			LpLinkPull(g, cfg, emb->U, lr, r->pulled, p + 1, rng);
			r->pulled = p + 1;
		}
		if (!bilinear && g->n_attrs > 0 && emb->A != NULL)
		{
			/* items composed of id and attribute vectors (option item_features) */
			*loss += LpAttrStep(g, cfg, r->sampler, emb, rng, r->entry_src[e], g->targets[e],
								g->weights ? g->weights[e] : 1.0f, lr, r->attr_scratch);
			continue;
		}
		if (!bilinear)
		{
			*loss += Step(g, cfg, r->sampler, emb, rng, r->entry_src[e], g->targets[e],
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
MfShare(void *state, const int64 *order, int64 lo, int64 hi, const LpShare *sh,
		const LpSamplerState *sampler, LpRng *rng, double *loss)
{
	MfRun	   *r = state;
	const LpGraph *g = r->g;
	const LpTrainConfig *cfg = r->cfg;
	int64		total_steps = g->n_entries * cfg->epochs;

	for (int64 p = lo; p < hi; p++)
	{
		int64		e = order[p];

		*loss += Step(g, cfg, sampler, r->emb, rng, r->entry_src[e], g->targets[e],
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

LpTrainResult
LpTrain(const LpGraph *g, const LpTrainConfig *cfg, const LpSamplerState *sampler,
		LpEmbeddings *emb, int64 *order, int32 *entry_src,
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
	if (LpDecoderAt(cfg->decoder)->sgd_matrix)
		memset(emb->R_state, 0, sizeof(float) * LP_BILINEAR_STATE_FLOATS(cfg->dim));
	LpTrainBegin(g, cfg, &rng, order, entry_src);
	if (LpTrainThreads(g, cfg) > 1)
		return LpEpochLoopParallel(g, cfg, LpTrainThreads(g, cfg), CHUNK, &rng, order, entry_src,
								   sampler, MfShare, MfSerial, &r, progress, arg, final_loss);
	return LpEpochLoop(g, cfg, CHUNK, &rng, order, MfBatch, &r, progress, arg, final_loss);
}

void
LpFoldIn(const float *V, const float *bv, int32 n_items, const int32 *items, int n,
		 const LpTrainConfig *cfg, int passes, float *u, float *bu)
{
	const int	dim = cfg->dim;
	LpRng		rng;

	memset(u, 0, sizeof(float) * dim);
	*bu = 0;
	if (n == 0 || n_items <= n)
		return;
	LpRngSeed(&rng, cfg->seed);
	for (int p = 0; p < passes; p++)
	{
		float		lr = LpDecayedLr(cfg, p, passes);

		for (int t = 0; t < n; t++)
		{
			const float *vi = V + (int64) items[t] * dim;

			if (!LpLossPairwise(cfg->loss))
			{
				float		x = *bu + bv[items[t]];
				float		g;
				float		l = 0;

				for (int d = 0; d < dim; d++)
					x += u[d] * vi[d];
				g = LpPointGrad(cfg, x, 1.0f, &l);
				for (int d = 0; d < dim; d++)
					u[d] += lr * (g * vi[d] - cfg->reg * u[d]);
				if (cfg->bias)
					*bu += lr * (g - cfg->reg * *bu);
			}
			for (int k = 0; k < cfg->negatives; k++)
			{
				int32		j = -1;
				const float *vj;

				for (int r = 0; r < 16 && j < 0; r++)
				{
					int32		c = (int32) LpRngBelow(&rng, (uint32) n_items);

					if (!LpSortedContains(items, n, c))
						j = c;
				}
				if (j < 0)
					continue;
				vj = V + (int64) j * dim;
				if (!LpLossPairwise(cfg->loss))
				{
					float		x = *bu + bv[j];
					float		g;
					float		l = 0;

					for (int d = 0; d < dim; d++)
						x += u[d] * vj[d];
					g = LpPointGrad(cfg, x, 0.0f, &l);
					for (int d = 0; d < dim; d++)
						u[d] += lr * (g * vj[d] - cfg->reg * u[d]);
					if (cfg->bias)
						*bu += lr * (g - cfg->reg * *bu);
				}
				else
				{
					float		x = bv[items[t]] - bv[j];
					float		g;
					float		l = 0;

					for (int d = 0; d < dim; d++)
						x += u[d] * (vi[d] - vj[d]);
					g = LpPairGrad(cfg, x, &l);
					for (int d = 0; d < dim; d++)
						u[d] += lr * (g * (vi[d] - vj[d]) - cfg->reg * u[d]);
				}
			}
		}
	}
}
