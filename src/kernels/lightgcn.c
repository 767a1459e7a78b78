/*
 * lightgcn.c: the LightGCN encoder (see lightgcn.h for the model).
 *
 * Vectors are kept stacked: rows 0 .. n_src - 1 are the users (nodes in
 * their source role), rows n_src .. n_src + n_dst - 1 the items (target
 * role); a tied graph has the first block only.  One smoothing routine,
 * (I + A + ... + A^K) / (K + 1), serves the forward pass (base vectors to
 * propagated ones) and the backward pass (the gradient back to the base
 * vectors), because A is symmetric.
 *
 * A batch costs 2K sparse products over the whole graph, however few
 * positives it holds, so batches are large: a sixteenth of an epoch,
 * between LP_LIGHTGCN_MIN_BATCH and LP_LIGHTGCN_MAX_BATCH positives.
 */
#include "postgres.h"

#include <math.h>
#include <string.h>

#include "lightgcn.h"

#define LP_LIGHTGCN_BATCHES 16
#define LP_LIGHTGCN_MIN_BATCH 256
#define LP_LIGHTGCN_MAX_BATCH 65536

/* the run's inputs, the stacked layout and the arrays carved from the work space */
typedef struct Gcn
{
	const LpGraph *g;
	const LpTrainConfig *cfg;
	const LpSamplerState *sampler;
	const int32 *entry_src;
	LpEmbeddings cur;			/* what a batch scores: the propagated vectors, the biases */
	int			dim;
	int			layers;
	int32		n_rows;			/* n_src (tied) or n_src + n_dst */
	Size		n;				/* n_rows * dim */
	const float *dinv;			/* n_rows: 1 / sqrt(degree), 0 for degree 0 */
	const int64 *t_off;			/* untied: item -> users lists */
	const int32 *t_src;
	float	   *e0;				/* base vectors */
	float	   *m;				/* Adam moments of e0 */
	float	   *v;
	float	   *e;				/* propagated vectors */
	float	   *grad;			/* gradient: on e, then smoothed onto e0 */
	float	   *t1;				/* smoothing scratch */
	float	   *t2;
	float	   *bm;				/* Adam moments of the biases (n_rows each) */
	float	   *bv2;
	float	   *bgrad;
	float	   *count;			/* times each row was in the batch */
} Gcn;

static int32
Rows(int32 n_src, int32 n_dst, bool tied)
{
	return tied ? n_src : n_src + n_dst;
}

Size
LpLightGcnWorkFloats(int32 n_src, int32 n_dst, bool tied, int dim)
{
	Size		rows = Rows(n_src, n_dst, tied);

	return 7 * rows * (Size) dim + 5 * rows;
}

Size
LpLightGcnIndexBytes(int32 n_src, int32 n_dst, int64 n_entries, bool tied)
{
	return tied ? 0 : sizeof(int64) * ((Size) n_dst + 2) + sizeof(int32) * (Size) Max(n_entries, 1);
}

/* out rows r0 .. r0 + nr - 1 = D^-1/2 M D^-1/2 in, M's rows as CSR lists */
static void
SpMM(const Gcn *c, const int64 *off, const int32 *adj, int32 nr, int32 r0, int32 c0,
	 const float *in, float *out)
{
	const int	dim = c->dim;

	for (int32 r = 0; r < nr; r++)
	{
		float	   *o = out + (Size) (r0 + r) * dim;
		float		dr = c->dinv[r0 + r];

		memset(o, 0, sizeof(float) * dim);
		for (int64 e = off[r]; e < off[r + 1]; e++)
		{
			int32		col = c0 + adj[e];
			const float *x = in + (Size) col * dim;
			float		w = dr * c->dinv[col];

			for (int d = 0; d < dim; d++)
				o[d] += w * x[d];
		}
	}
}

/* out = A in (every row) */
static void
Propagate(const Gcn *c, const float *in, float *out)
{
	const LpGraph *g = c->g;

	if (g->tied)
		SpMM(c, g->offsets, g->targets, g->n_src, 0, 0, in, out);
	else
	{
		/* users from items, items from users */
		SpMM(c, g->offsets, g->targets, g->n_src, 0, g->n_src, in, out);
		SpMM(c, c->t_off, c->t_src, g->n_dst, g->n_src, 0, in, out);
	}
}

/* x = (I + A + ... + A^K) x / (K + 1), in place */
static void
Smooth(const Gcn *c, float *x)
{
	const float *cur = x;
	float	   *next = c->t1;
	const float scale = 1.0f / (float) (c->layers + 1);

	for (int k = 1; k <= c->layers; k++)
	{
		Propagate(c, cur, next);
		/* x is read (as cur) only by the first product: safe to add into now */
		for (Size i = 0; i < c->n; i++)
			x[i] += next[i];
		cur = next;
		next = next == c->t1 ? c->t2 : c->t1;
	}
	for (Size i = 0; i < c->n; i++)
		x[i] *= scale;
}

static void
Forward(const Gcn *c)
{
	memcpy(c->e, c->e0, sizeof(float) * c->n);
	Smooth(c, c->e);
}

/* the gradient of one positive u -> i (weight w) and its negatives */
static float
Accumulate(const Gcn *c, const LpTrainConfig *cfg, const LpSamplerState *sampler,
		   const LpEmbeddings *cur, float *bu, float *bv, LpRng *rng, int32 u, int32 i, float w)
{
	const LpGraph *g = c->g;
	const int	dim = c->dim;
	const int32 item0 = g->tied ? 0 : g->n_src;
	const float *pu = cur->U + (Size) u * dim;
	const float *pi = cur->V + (Size) i * dim;
	float	   *gu = c->grad + (Size) u * dim;
	float	   *gi = c->grad + (Size) (item0 + i) * dim;
	float		loss = 0;
	int			negatives = LpNegativeCount(g, cfg, u);

	c->count[u] += 1;
	c->count[item0 + i] += 1;
	if (!LpLossPairwise(cfg->loss))
	{
		float		s = 0,
					gr;

		for (int d = 0; d < dim; d++)
			s += pu[d] * pi[d];
		s += bu[u] + bv[i];
		gr = LpPointGrad(cfg, s, cfg->loss == LP_TRAIN_MSE ? w : 1.0f, &loss);
		if (cfg->loss == LP_TRAIN_BCE)
			gr *= w;
		LpDotGrad(gr, pu, pi, gu, gi, dim);
		c->bgrad[u] += gr;
		c->bgrad[item0 + i] += gr;
	}
	for (int k = 0; k < negatives; k++)
	{
		int32		j = LpNegative(g, cfg, sampler, cur, pu, rng, u);
		const float *pj;
		float	   *gj;

		if (j < 0)
			continue;
		pj = cur->V + (Size) j * dim;
		gj = c->grad + (Size) (item0 + j) * dim;
		c->count[item0 + j] += 1;
		if (!LpLossPairwise(cfg->loss))
		{
			float		s = bu[u] + bv[j],
						gr;

			for (int d = 0; d < dim; d++)
				s += pu[d] * pj[d];
			gr = LpPointGrad(cfg, s, 0.0f, &loss);
			LpDotGrad(gr, pu, pj, gu, gj, dim);
			c->bgrad[u] += gr;
			c->bgrad[item0 + j] += gr;
		}
		else
		{
			float		x = bv[i] - bv[j],
						l = 0,
						gr;

			for (int d = 0; d < dim; d++)
				x += pu[d] * (pi[d] - pj[d]);
			gr = LpPairGrad(cfg, x, &l) * w;
			loss += l * w;
			LpPairDotGrad(gr, pu, pi, pj, gu, gi, gj, dim);
			c->bgrad[item0 + i] += gr;
			c->bgrad[item0 + j] -= gr;
		}
	}
	return loss;
}

/* carve the work space and the transposed lists; dinv from the degrees */
static void
Carve(Gcn *c, const LpGraph *g, const LpTrainConfig *cfg, float *work, void *index)
{
	float	   *dinv;

	memset(c, 0, sizeof(*c));
	c->g = g;
	c->cfg = cfg;
	c->dim = cfg->dim;
	c->layers = cfg->layers;
	c->n_rows = Rows(g->n_src, g->n_dst, g->tied);
	c->n = (Size) c->n_rows * c->dim;
	c->e0 = work;
	c->m = c->e0 + c->n;
	c->v = c->m + c->n;
	c->e = c->v + c->n;
	c->grad = c->e + c->n;
	c->t1 = c->grad + c->n;
	c->t2 = c->t1 + c->n;
	c->bm = c->t2 + c->n;
	c->bv2 = c->bm + c->n_rows;
	c->bgrad = c->bv2 + c->n_rows;
	c->count = c->bgrad + c->n_rows;
	dinv = c->count + c->n_rows;
	c->dinv = dinv;

	LpInvSqrtDegrees(g->src_degree, g->n_src, dinv);
	if (!g->tied)
	{
		int64	   *off = index;
		int32	   *src = (int32 *) (off + g->n_dst + 2);

		LpCsrTranspose(g->n_src, g->n_dst, g->offsets, g->targets, off, src);
		c->t_off = off;
		c->t_src = src;
		LpInvSqrtDegrees(g->dst_degree, g->n_dst, dinv + g->n_src);
	}
}

/*
 * One batch: the gradients of its positives on the propagated vectors,
 * carried back to the base vectors, one Adam step, the layers again.
 */
static void
GcnBatch(void *state, const LpEntry *order, const LpBatch *b, LpRng *rng, double *loss)
{
	Gcn		   *c = state;
	const LpGraph *g = c->g;
	const LpTrainConfig *cfg = c->cfg;
	float	   *bu = c->cur.bu;
	float	   *bv = c->cur.bv;
	int64		t = b->t + 1;	/* Adam's steps are 1-based */

	memset(c->grad, 0, sizeof(float) * c->n);
	memset(c->bgrad, 0, sizeof(float) * 2 * c->n_rows);	/* and count */
	for (int64 p = b->start; p < b->end; p++)
	{
		int64		e = order[p];

		*loss += Accumulate(c, cfg, c->sampler, &c->cur, bu, bv, rng, c->entry_src[e],
							g->targets[e], g->weights ? g->weights[e] : 1.0f);
	}
	if (isnan(*loss) || isinf(*loss))
		return;					/* the loop reports the divergence */

	/* back to the base vectors, L2 on the rows the batch used */
	Smooth(c, c->grad);
	for (int32 r = 0; r < c->n_rows; r++)
	{
		float		k = c->count[r];

		if (k > 0)
		{
			LpAxpy(-cfg->reg * k, c->e0 + (Size) r * c->dim, c->grad + (Size) r * c->dim, c->dim);
			c->bgrad[r] -= cfg->reg * k * (r < g->n_src ? bu[r] : bv[r - g->n_src]);
		}
	}
	LpAdam(c->e0, c->grad, c->m, c->v, c->n, b->lr, t);
	if (cfg->bias)
	{
		/* the biases: the same step on copies stacked like the rows */
		float	   *bb = c->count;	/* count is spent: reuse it */

		memcpy(bb, bu, sizeof(float) * g->n_src);
		if (!g->tied)
			memcpy(bb + g->n_src, bv, sizeof(float) * g->n_dst);
		LpAdam(bb, c->bgrad, c->bm, c->bv2, c->n_rows, b->lr, t);
		memcpy(bu, bb, sizeof(float) * g->n_src);
		if (!g->tied)
			memcpy(bv, bb + g->n_src, sizeof(float) * g->n_dst);
	}
	LpLinkPull(g, cfg, c->e0, b->lr, b->start, b->end, rng);	/* on the users' base vectors */
	Forward(c);
}

LpTrainResult
LpLightGcnTrain(const LpGraph *g, const LpTrainConfig *cfg, const LpSamplerState *sampler,
				LpEmbeddings *emb, LpEntry *order, int32 *entry_src, float *work, void *index,
				LpProgressFn progress, void *arg, double *final_loss)
{
	Gcn			c;
	LpRng		rng;
	int64		n = g->n_entries;
	int64		batch = Min(Max(n / LP_LIGHTGCN_BATCHES, LP_LIGHTGCN_MIN_BATCH),
							LP_LIGHTGCN_MAX_BATCH);
	LpTrainResult result;

	Carve(&c, g, cfg, work, index);
	c.sampler = sampler;
	c.entry_src = entry_src;

	/* base vectors: the caller's initialisation, stacked */
	memcpy(c.e0, emb->U, sizeof(float) * g->n_src * (Size) c.dim);
	if (!g->tied)
		memcpy(c.e0 + (Size) g->n_src * c.dim, emb->V, sizeof(float) * g->n_dst * (Size) c.dim);
	memset(c.m, 0, sizeof(float) * 2 * c.n);
	memset(c.bm, 0, sizeof(float) * 2 * c.n_rows);

	c.cur.dim = c.dim;
	c.cur.U = c.e;
	c.cur.V = g->tied ? c.e : c.e + (Size) g->n_src * c.dim;
	c.cur.bu = emb->bu;
	c.cur.bv = g->tied ? emb->bu : emb->bv;

	LpTrainBegin(g, cfg, &rng, order, entry_src);
	Forward(&c);

	result = LpEpochLoop(g, cfg, batch, LP_ORDER_SHUFFLED, &rng, order, GcnBatch, &c, progress, arg,
						 final_loss);
	if (result != LP_TRAIN_OK)
		return result;

	/* the propagated vectors are the model */
	memcpy(emb->U, c.e, sizeof(float) * g->n_src * (Size) c.dim);
	if (!g->tied)
		memcpy(emb->V, c.e + (Size) g->n_src * c.dim, sizeof(float) * g->n_dst * (Size) c.dim);
	return LP_TRAIN_OK;
}
