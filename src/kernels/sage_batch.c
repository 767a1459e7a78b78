/*
 * sage_batch.c: the GraphSAGE encoder's training (see sage.h for the
 * model, sage.c for the plan, the sampled hops and the layers): one
 * mini-batch's positives, negatives, loss and Adam steps, the full-graph
 * pass that writes the final vectors, and LpSageTrain, which hands the
 * batch to LpEpochLoop.
 *
 * Adam: the weights take a step every batch; an input row or a bias only
 * when the batch read it, with its own step count for the bias correction
 * (so a row first read late is not pushed as if it had a long history).
 * The weights' learning rate is lr / sqrt(dim): Adam moves every entry of
 * a row of W by about lr, which moves a unit's output dim times as much
 * as one input coordinate's step.  At the full lr the hidden units could
 * all die under the pointwise losses (with bce on LastFM every vector came
 * out zero, AUC 0.844; 0.953 with the smaller step).
 *
 * Regularisation: L2 `reg` on the input rows (and biases) a batch read,
 * and L2 towards their start (I) on the matrices Ws and Wn, with
 * LP_SAGE_WEIGHT_DECAY times `reg`.  Without the second, the matrices grow
 * to undo the shrinking of the inputs and a small graph overfits: USAir
 * AUC 0.951 without it, 0.976 with it (lr 0.02, the weights then at the
 * full lr).  Their gradient sums over a whole batch, so the factor is
 * large: 30 to 300 all helped USAir, 100 was best on LastFM.  Decaying
 * the layer biases b as well cost USAir 0.006, so they are free.
 */
#include "postgres.h"

#include <math.h>
#include <string.h>
#include <cblas.h>

#include "sage_internal.h"

/* L2 of Ws and Wn towards I, per batch, in units of `reg` (see above) */
#define LP_SAGE_WEIGHT_DECAY 100.0f

/*
 * The loss of positive p of the batch and its negatives, on the seeds'
 * last-layer vectors H and biases bias (seed rows); gradients into g and
 * bgrad.  The same arithmetic as lightgcn.c's Accumulate.
 */
float
LpSageAccumulate(Sage *s, int p, const float *H, float *g, const float *bias, float *bgrad)
{
	const LpTrainConfig *cfg = s->cfg;
	const int	dim = s->dim;
	int32		u = s->pos_u[p];
	int32		ri = s->item0 + s->pos_i[p];
	int32		lu = s->slot[u],
				li = s->slot[ri];
	const float *pu = H + (Size) lu * dim;
	const float *pi = H + (Size) li * dim;
	float	   *gu = g + (Size) lu * dim;
	float	   *gi = g + (Size) li * dim;
	float		w = s->pos_w[p];
	float		bi = bias[li];
	float		loss = 0;

	if (!LpLossPairwise(cfg->loss))
	{
		float		sc = LpDot(pu, pi, dim) + bias[lu] + bi;
		float		gr = LpPointGrad(cfg, sc, cfg->loss == LP_TRAIN_MSE ? w : 1.0f, &loss);

		if (cfg->loss == LP_TRAIN_BCE)
			gr *= w;
		LpDotGrad(gr, pu, pi, gu, gi, dim);
		bgrad[lu] += gr;
		bgrad[li] += gr;
	}
	for (int k = s->neg_off[p]; k < s->neg_off[p + 1]; k++)
	{
		int32		rj = s->item0 + s->neg[k];
		int32		lj = s->slot[rj];
		const float *pj = H + (Size) lj * dim;
		float	   *gj = g + (Size) lj * dim;
		float		bj = bias[lj];

		if (!LpLossPairwise(cfg->loss))
		{
			float		sc = LpDot(pu, pj, dim) + bias[lu] + bj;
			float		gr = LpPointGrad(cfg, sc, 0.0f, &loss);

			LpDotGrad(gr, pu, pj, gu, gj, dim);
			bgrad[lu] += gr;
			bgrad[lj] += gr;
		}
		else
		{
			float		x = bi - bj + LpDot(pu, pi, dim) - LpDot(pu, pj, dim),
						l = 0,
						gr;

			gr = LpPairGrad(cfg, x, &l) * w;
			loss += l * w;
			LpPairDotGrad(gr, pu, pi, pj, gu, gi, gj, dim);
			bgrad[li] += gr;
			bgrad[lj] -= gr;
		}
	}
	return loss;
}

/* one mini-batch: positives order[0 .. n - 1]; Adam step t; the loss */
static double
Batch(Sage *s, const LpSamplerState *sampler, LpEmbeddings *emb, LpRng *rng,
	  const LpEntry *order, int64 n, const int32 *entry_src, float lr, int64 t)
{
	const LpGraph *g = s->g;
	const LpTrainConfig *cfg = s->cfg;
	const int	dim = s->dim;
	const int	L = s->p.layers;
	int32		n_neg = 0;
	Size		n_fresh = 0;
	double		loss = 0;
	float	   *grad;

	/* positives, their negatives (hard ones against the latest vectors) */
	memset(s->pairs, 0xff, sizeof(uint64) * s->p.hcap);
	for (int64 p = 0; p < n; p++)
	{
		int64		e = order[p];
		int32		u = entry_src[e];
		int			k = LpNegativeCount(g, cfg, u);

		s->pos_u[p] = u;
		s->pos_i[p] = g->targets[e];
		s->pos_w[p] = g->weights ? g->weights[e] : 1.0f;
		s->neg_off[p] = n_neg;
		/* the attributes-only pass (sage_attrs.c) takes it, with chance id_dropout */
		if (s->attrs)
			s->pflag[p] = (LpSageHasAttrs(s, u) || LpSageHasAttrs(s, s->item0 + s->pos_i[p])) &&
				LpRngUniform(rng) < cfg->id_dropout;
		for (int c = 0; c < k; c++)
		{
			int32		j = LpNegative(g, cfg, sampler, emb, emb->U + (Size) u * dim, rng, u);

			if (j >= 0)
				s->neg[n_neg++] = j;
		}
		LpSagePairAdd(s, PairKey(s, u, s->item0 + s->pos_i[p]));
	}
	s->neg_off[n] = n_neg;

	/* the seeds, then the hops */
	for (int64 p = 0; p < n; p++)
	{
		LpSageFind(s, s->pos_u[p], &n_fresh);
		LpSageFind(s, s->item0 + s->pos_i[p], &n_fresh);
	}
	for (int32 k = 0; k < n_neg; k++)
		LpSageFind(s, s->item0 + s->neg[k], &n_fresh);
	LpSageAdmit(s, 0, n_fresh);
	for (int k = 1; k <= L; k++)
		LpSageSampleHop(s, k, rng);

	LpSageForward(s);

	/* the seeds' biases: the id part's, plus the attributes' */
	for (Size a = 0; a < s->size[0]; a++)
	{
		int32		r = s->nodes[a];

		if (s->attrs)
			LpSageInput(s, r, !LpSageIdDropped(s, r), NULL, &s->sbias[a]);
		else
			s->sbias[a] = *BiasOf(s, emb, r);
	}
	memset(s->d1, 0, sizeof(float) * s->size[0] * dim);
	memset(s->bgrad, 0, sizeof(float) * s->size[0]);
	for (int64 p = 0; p < n; p++)
		loss += LpSageAccumulate(s, (int) p, s->h[L], s->d1, s->sbias, s->bgrad);

	/* the latest vectors, for hard negatives */
	for (Size a = 0; a < s->size[0]; a++)
	{
		int32		r = s->nodes[a];
		float	   *dst = r < g->n_src ? emb->U + (Size) r * dim : emb->V + (Size) (r - g->n_src) * dim;

		memcpy(dst, s->h[L] + a * dim, sizeof(float) * dim);
	}

	memset(s->wg, 0, sizeof(float) * (Size) L * s->p.wblock);
	grad = LpSageBackward(s, s->d1, s->d2);

	/*
	 * The input rows read: each attribute's share (sage_attrs.c), then the
	 * id part with L2 (none for a node without edges that has attributes);
	 * then their biases (seeds only)
	 */
	for (Size a = 0; a < s->size[L]; a++)
	{
		int32		r = s->nodes[a];
		Size		o = (Size) r * dim;

		if (s->attrs)
		{
			LpSageScatter(s, r, grad + a * dim, a < s->size[0] ? s->bgrad[a] : 0.0f);
			if (LpSageIdDropped(s, r))
				continue;
		}
		LpAxpy(-cfg->reg, s->x + o, grad + a * dim, dim);
		s->xt[r] += 1;
		LpAdam(s->x + o, grad + a * dim, s->xm + o, s->xv + o, dim, lr, (int64) s->xt[r]);
	}
	if (cfg->bias)
		for (Size a = 0; a < s->size[0]; a++)
		{
			int32		r = s->nodes[a];
			float	   *b = BiasOf(s, emb, r);
			float		gb = s->bgrad[a] - cfg->reg * *b;

			if (s->attrs && LpSageIdDropped(s, r))
				continue;
			LpAdam(b, &gb, s->bm + r, s->bv2 + r, 1, lr, (int64) s->xt[r]);
		}
	/* the attributes-only pass, then the attributes' step, before the weights move */
	if (s->attrs)
	{
		LpSageColdPass(s, n);
		LpSageAttrsStep(s, lr);
	}
	/* the matrices: L2 towards I (see LP_SAGE_WEIGHT_DECAY); b is free */
	for (int l = 1; l <= L; l++)
	{
		const float *w = Block(s, s->w, l);
		float	   *wg = Block(s, s->wg, l);

		for (Size i = 0; i < 2 * (Size) dim * dim; i++)
		{
			Size		e = i % ((Size) dim * dim);
			float		w0 = e / dim == e % dim ? 1.0f : 0.0f;

			wg[i] -= LP_SAGE_WEIGHT_DECAY * cfg->reg * (w[i] - w0);
		}
	}
	/* a dim-wide row of W moves all of a unit's input: smaller steps */
	LpAdam(s->w, s->wg, s->wm, s->wv, (Size) L * s->p.wblock, lr / sqrtf((float) dim), t);

	for (Size a = 0; a < s->size[L]; a++)
		s->slot[s->nodes[a]] = -1;
	return loss;
}

/*
 * Layer l for every row over its full neighbourhood: out from in (both
 * n_rows x dim), the neighbour means a block at a time in tmp (blk rows).
 */
static void
FullLayer(Sage *s, int l, const float *in, float *out, float *tmp, Size blk)
{
	const int	dim = s->dim;
	const int32 n_rows = s->p.n_rows;

	for (int32 r0 = 0; r0 < n_rows; r0 += (int32) blk)
	{
		int32		r1 = (int32) Min((Size) n_rows, r0 + blk);

		for (int32 r = r0; r < r1; r++)
		{
			float	   *o = tmp + (Size) (r - r0) * dim;
			int32		base;
			int64		deg;
			const int32 *list = Neighbours(s, r, &deg, &base);

			memset(o, 0, sizeof(float) * dim);
			for (int64 e = 0; e < deg; e++)
				LpAxpy(1.0f, in + (Size) (base + list[e]) * dim, o, dim);
			if (deg > 1)
				Scale(1.0f / (float) deg, o, dim);
		}
		LpSageAffine(s, l, r1 - r0, in + (Size) r0 * dim, tmp, out + (Size) r0 * dim);
	}
}

/* Ws = Wn = I, b = 0: the untrained encoder smooths, see sage.h */
static void
InitWeights(Sage *s)
{
	Size		nw = (Size) s->p.layers * s->p.wblock;

	memset(s->w, 0, sizeof(float) * nw);
	for (Size blk = 0; blk < nw; blk += s->p.wblock)
		for (int d = 0; d < s->dim; d++)
		{
			s->w[blk + (Size) d * s->dim + d] = 1.0f;
			s->w[blk + (Size) s->dim * s->dim + (Size) d * s->dim + d] = 1.0f;
		}
	memset(s->wm, 0, sizeof(float) * 2 * nw);
}

static void
SageBatch(void *state, const LpEntry *order, const LpBatch *b, LpRng *rng, double *loss)
{
	Sage	   *s = state;

	*loss += Batch(s, s->sampler, s->cur, rng, order + b->start, b->end - b->start,
				   s->entry_src, b->lr, b->t + 1);
	LpLinkPull(s->g, s->cfg, s->x, b->lr, b->start, b->end, rng);	/* on the users' input vectors */
}

LpTrainResult
LpSageTrain(const LpGraph *g, const LpTrainConfig *cfg, const LpSamplerState *sampler,
			LpEmbeddings *emb, LpEntry *order, int32 *entry_src, float *work, void *index,
			LpProgressFn progress, void *arg, double *final_loss)
{
	Sage		s;
	LpRng		rng;
	LpEmbeddings cur = *emb;
	LpTrainResult result;
	Size		nd;
	float	   *in;

	memset(&s, 0, sizeof(s));
	s.g = g;
	s.cfg = cfg;
	s.sampler = sampler;
	s.cur = &cur;
	s.entry_src = entry_src;
	s.dim = cfg->dim;
	s.item0 = g->tied ? 0 : g->n_src;
	LpSageMakePlan(g, cfg, &s.p);
	LpSageCarve(&s, g, cfg, work, index);
	LpSageAttrsBegin(&s, &cur);
	nd = (Size) s.p.n_rows * s.dim;

	/* a tied graph's V and bv are its U and bu */
	if (g->tied)
	{
		cur.V = cur.U;
		cur.bv = cur.bu;
	}
	memcpy(s.x, cur.U, sizeof(float) * g->n_src * (Size) s.dim);
	if (!g->tied)
		memcpy(s.x + (Size) g->n_src * s.dim, cur.V, sizeof(float) * g->n_dst * (Size) s.dim);
	memset(s.xm, 0, sizeof(float) * 2 * nd);
	memset(s.xt, 0, sizeof(float) * 3 * (Size) s.p.n_rows);	/* and bias moments */
	InitWeights(&s);
	for (int32 r = 0; r < s.p.n_rows; r++)
		s.slot[r] = -1;

	LpTrainBegin(g, cfg, &rng, order, entry_src);
	result = LpEpochLoop(g, cfg, s.p.batch, LP_ORDER_SHUFFLED, &rng, order, SageBatch, &s, progress,
						 arg, final_loss);
	if (result != LP_TRAIN_OK)
		return result;

	/* every node over its full neighbourhood, from its composed input; the moments are spent */
	if (s.attrs)
		LpSageAttrsFinal(&s);
	in = s.x;
	for (int l = 1; l <= s.p.layers; l++)
	{
		float	   *out = l % 2 ? s.xm : s.xv;

		FullLayer(&s, l, in, out, s.h[0], Max(s.p.cap[s.p.layers], 1));
		in = out;
	}
	memcpy(cur.U, in, sizeof(float) * g->n_src * (Size) s.dim);
	if (!g->tied)
		memcpy(cur.V, in + (Size) g->n_src * s.dim, sizeof(float) * g->n_dst * (Size) s.dim);
	return LP_TRAIN_OK;
}

/*
 * The attributes-only pass (sage_attrs.c says what it is for): the
 * flagged positives' seeds that have attributes computed as cold nodes,
 * their gradient handed to their attributes only.
 */

/* mark seed row r for the attributes-only pass, if it has attributes */
static void
MarkCold(Sage *s, int32 r)
{
	if (LpSageHasAttrs(s, r))
		s->cold[s->slot[r]] = true;
}

void
LpSageColdPass(Sage *s, int64 n)
{
	const int	dim = s->dim;
	const int	L = s->p.layers;
	const Size	n0 = s->size[0];
	const float *H = s->h[L];
	float	   *g = s->cg1,
			   *spare = s->cg2;
	bool		any = false;

	memset(s->cold, 0, sizeof(bool) * n0);
	for (int64 p = 0; p < n; p++)
	{
		if (!s->pflag[p])
			continue;
		any = true;
		MarkCold(s, s->pos_u[p]);
		MarkCold(s, s->item0 + s->pos_i[p]);
		for (int k = s->neg_off[p]; k < s->neg_off[p + 1]; k++)
			MarkCold(s, s->item0 + s->neg[k]);
	}
	if (!any || n0 == 0)
		return;

	/* the marked seeds as cold nodes: attributes alone, no neighbours */
	for (Size a = 0; a < n0; a++)
	{
		if (s->cold[a])
			LpSageInput(s, s->nodes[a], false, s->ch[0] + a * dim, &s->cb[a]);
		else
			memset(s->ch[0] + a * dim, 0, sizeof(float) * dim);
	}
	for (int l = 1; l <= L; l++)
		LpSageAffine(s, l, n0, s->ch[l - 1], NULL, s->ch[l]);
	/* the others as the first pass computed them */
	for (Size a = 0; a < n0; a++)
		if (!s->cold[a])
		{
			memcpy(s->ch[L] + a * dim, H + a * dim, sizeof(float) * dim);
			s->cb[a] = s->sbias[a];
		}

	memset(g, 0, sizeof(float) * n0 * dim);
	memset(s->cbg, 0, sizeof(float) * n0);
	for (int64 p = 0; p < n; p++)
		if (s->pflag[p])
			(void) LpSageAccumulate(s, (int) p, s->ch[L], g, s->cb, s->cbg);
	for (Size a = 0; a < n0; a++)
		if (!s->cold[a])
			memset(g + a * dim, 0, sizeof(float) * dim);

	/* back through the self path of each layer to the inputs */
	for (int l = L; l >= 1; l--)
	{
		const float *ws = Block(s, s->w, l);
		float	   *tmp;

		if (l < L)
			for (Size i = 0; i < n0 * dim; i++)
				if (s->ch[l][i] <= 0)
					g[i] = 0;
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int) n0, dim, dim, 1.0f,
					g, dim, ws, dim, 0.0f, spare, dim);
		tmp = g;
		g = spare;
		spare = tmp;
	}
	for (Size a = 0; a < n0; a++)
		if (s->cold[a])
			LpSageScatter(s, s->nodes[a], g + a * dim, s->cbg[a]);
}
