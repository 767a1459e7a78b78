/*
 * mlp_train.c: the MLP decoder's training, jointly with the vectors (see
 * mlp.h for the model and the weight layout; mlp.c for the network
 * itself, its scoring and fold-in).
 *
 * Design.  The trainer is the matrix factorisation's loop (train.c) cut
 * into mini-batches.  Per pair the network costs about 6 dim hidden flops
 * forward and back, which scalar code at -O2 runs at a flop or two a
 * cycle; as three matrix products per batch it runs at BLAS speed:
 *
 *   forward   Z = relu(X W1' + b1), s = Z w2 + b2 (+ node biases)
 *             X holds one row [h_u; h_v; h_u * h_v] per scored pair
 *   backward  dW1 = dZ' X, dX = dZ W1
 *
 * A batch is LP_MLP_BATCH positives, each followed by its negatives (the
 * count and the sampler as train.c draws them), so the loss of a positive,
 * pointwise or pairwise, is computed from rows next to each other.  Hard
 * negatives are scored by the network itself: the candidates of the whole
 * batch go through one forward pass first, and the best of each pool
 * becomes the negative.
 *
 * Two optimisers.  The embeddings take train.c's steps: SGD at lr with L2
 * reg on the rows a pair uses, each pair's gradient applied as soon as the
 * backward pass has it (computed at the batch-start model, which X
 * holds).  Lazy Adam on the rows was tried and lost (LastFM Recall@20
 * 0.12 against 0.18 for SGD before the anchor below; it also costs a
 * square root and a division per coordinate).  The decoder sees every
 * pair, and its layers want per-parameter step sizes: Adam, at a
 * twenty-fifth of the embeddings' rate by default.
 *
 * The anchor.  The decoder starts as the dot product (LpMlpInit) and its
 * L2 pulls it back there, not to zero: a free network scales pairs' scores
 * up at no cost in the embeddings' L2 and grows its random units into a
 * memory of the training edges, and on LastFM and USAir both lost to the
 * plain dot product by far (mlp.h).  Pulled toward the dot product it is
 * a learnt correction to it, which beat the dot product's Recall@20 at
 * each loss and sampler tried.
 *
 * All of it is deterministic for a seed given the BLAS thread count: the
 * sampling is sequential, and OpenBLAS splits a product the same way each
 * time it is called with the same shapes.
 *
 * This file never calls PostgreSQL; the progress callback, between
 * batches, is the only way out mid-run.
 */
#include "postgres.h"

#include <math.h>
#include <string.h>

#include <cblas.h>

#include "mlp.h"

/* the trainer's state: the run's inputs, views into the caller's work space */
typedef struct Mlp
{
	const LpGraph *g;
	const LpTrainConfig *cfg;
	const LpSamplerState *sampler;
	LpEmbeddings *emb;
	float	   *w;				/* the decoder's weights */
	const int32 *entry_src;
	int			dim;
	int			hidden;
	int			in;				/* 3 dim: the width of a row of X */
	Size		nw;				/* decoder weights */
	float		decoder_lr;		/* LpMlpOptions */
	float		anchor;
	int64		max_rows;		/* pairs a batch (or its hard candidates) may hold */
	/* decoder: gradient, Adam moments, the weights it started from */
	float	   *gw;
	float	   *mw;
	float	   *vw;
	float	   *w0;
	/* the batch: one row per scored pair */
	float	   *X;				/* max_rows x in: [h_u; h_v; h_u * h_v] */
	float	   *dX;				/* max_rows x in: d score / d X */
	float	   *Z;				/* max_rows x hidden: activations, then dZ */
	float	   *s;				/* scores */
	float	   *gs;				/* d(objective)/d(score) */
	float	   *rw;				/* a positive's edge weight; 0 for a negative */
	int32	   *ru;
	int32	   *rv;
	int32	   *hardneg;		/* NULL unless the sampler is "hard" */
	int32		users[LP_MLP_BATCH];	/* the batch's sources, for hard negatives */
} Mlp;

/*
 * W1_u and W1_v (or their gradients) both set to their mean.  On a tied
 * graph the trainer keeps them so, which makes the score symmetric:
 * s(u, v) = s(v, u), as the graph's edges are.
 */
static void
TieSides(float *w, int dim, int hidden)
{
	for (int k = 0; k < hidden; k++)
	{
		float	   *row = w + (Size) k * 3 * dim;

		for (int d = 0; d < dim; d++)
		{
			float		m = 0.5f * (row[d] + row[dim + d]);

			row[d] = m;
			row[dim + d] = m;
		}
	}
}

/* most negatives one positive can bring */
static int
MaxNegatives(const LpTrainConfig *cfg)
{
	return cfg->neg_mode == LP_NEG_DYNAMIC ? 4 * cfg->negatives : cfg->negatives;
}

static int64
MaxRows(const LpTrainConfig *cfg)
{
	int64		rows = (int64) LP_MLP_BATCH * (1 + MaxNegatives(cfg));

	if (cfg->neg_mode == LP_NEG_HARD)
		rows = Max(rows, (int64) LP_MLP_BATCH * cfg->negatives * Max(cfg->hard_pool, 1));
	return rows;
}

Size
LpMlpWorkFloats(int32 n_src, int32 n_dst, bool tied, const LpTrainConfig *cfg)
{
	Size		nw = LpMlpWeightCount(cfg->dim, cfg->hidden);

	return 4 * nw + (Size) MaxRows(cfg) * (6 * (Size) cfg->dim + cfg->hidden + 5);
}

static void
Carve(Mlp *c, const LpGraph *g, const LpTrainConfig *cfg, float *work)
{
	memset(c, 0, sizeof(*c));
	c->g = g;
	c->cfg = cfg;
	c->dim = cfg->dim;
	c->hidden = cfg->hidden;
	c->in = 3 * cfg->dim;
	c->nw = LpMlpWeightCount(cfg->dim, cfg->hidden);
	c->max_rows = MaxRows(cfg);

	c->gw = work;
	c->mw = c->gw + c->nw;
	c->vw = c->mw + c->nw;
	c->w0 = c->vw + c->nw;
	c->X = c->w0 + c->nw;
	c->dX = c->X + (Size) c->max_rows * c->in;
	c->Z = c->dX + (Size) c->max_rows * c->in;
	c->s = c->Z + (Size) c->max_rows * c->hidden;
	c->gs = c->s + c->max_rows;
	c->rw = c->gs + c->max_rows;
	/* int32 arrays in float space: the two types have the same size */
	c->ru = (int32 *) (c->rw + c->max_rows);
	c->rv = c->ru + c->max_rows;
}

/* scores of rows 0 .. nr-1 into c->s; Z keeps the activations */
static void
Forward(Mlp *c, int64 nr)
{
	const LpEmbeddings *emb = c->emb;
	const float *w = c->w;
	const int	dim = c->dim;
	const int	hidden = c->hidden;
	const float *b1 = w + LP_MLP_B1(dim, hidden);
	const float *w2 = w + LP_MLP_W2(dim, hidden);
	const float b2 = w[LP_MLP_B2(dim, hidden)];
	const bool	bias = c->cfg->bias;

	if (nr == 0)
		return;
	for (int64 r = 0; r < nr; r++)
	{
		const float *hu = emb->U + (Size) c->ru[r] * dim;
		const float *hv = emb->V + (Size) c->rv[r] * dim;
		float	   *x = c->X + (Size) r * c->in;

		memcpy(x, hu, sizeof(float) * dim);
		memcpy(x + dim, hv, sizeof(float) * dim);
		for (int d = 0; d < dim; d++)
			x[2 * dim + d] = hu[d] * hv[d];
	}
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int) nr, hidden, c->in,
				1.0f, c->X, c->in, w, c->in, 0.0f, c->Z, hidden);
	for (int64 r = 0; r < nr; r++)
	{
		float	   *z = c->Z + (Size) r * hidden;
		float		s = b2;

		for (int k = 0; k < hidden; k++)
		{
			float		a = LpMlpRelu(z[k] + b1[k]);

			z[k] = a;
			s += w2[k] * a;
		}
		if (bias)
			s += emb->bu[c->ru[r]] + emb->bv[c->rv[r]];
		c->s[r] = s;
	}
}

/*
 * The batch's gradient and the embeddings' step.  The decoder's gradient
 * goes to gw (Adam steps it after); each pair's gradient on its two
 * vectors (and biases) is applied at once, with the pair's L2, as
 * train.c's per-pair SGD does.  All gradients are of the batch-start
 * model: X holds the vectors as they were when the batch was scored.
 * Overwrites Z with dZ.
 */
static void
Backward(Mlp *c, int64 nr, float lr)
{
	LpEmbeddings *emb = c->emb;
	const float *w = c->w;
	const int	dim = c->dim;
	const int	hidden = c->hidden;
	const float *w2 = w + LP_MLP_W2(dim, hidden);
	const float shrink = 1.0f - lr * c->cfg->reg;
	const bool	bias = c->cfg->bias;
	float	   *gb1 = c->gw + LP_MLP_B1(dim, hidden);
	float	   *gw2 = c->gw + LP_MLP_W2(dim, hidden);
	float	   *gb2 = c->gw + LP_MLP_B2(dim, hidden);

	memset(gb1, 0, sizeof(float) * (2 * hidden + 1));
	if (nr == 0)
	{
		memset(c->gw, 0, sizeof(float) * LP_MLP_B1(dim, hidden));
		return;
	}
	for (int64 r = 0; r < nr; r++)
	{
		float	   *z = c->Z + (Size) r * hidden;
		float		gr = c->gs[r];

		*gb2 += gr;
		for (int k = 0; k < hidden; k++)
		{
			/* a ReLU's output is positive exactly where it passes gradient */
			gw2[k] += gr * z[k];
			z[k] = (float) (z[k] > 0) * (gr * w2[k]);
			gb1[k] += z[k];
		}
	}
	/* dW1 = dZ' X, dX = dZ W1 */
	cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, hidden, c->in, (int) nr,
				1.0f, c->Z, hidden, c->X, c->in, 0.0f, c->gw, c->in);
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int) nr, c->in, hidden,
				1.0f, c->Z, hidden, w, c->in, 0.0f, c->dX, c->in);

	/* back to the two vectors of each pair through [h_u; h_v; h_u * h_v] */
	for (int64 r = 0; r < nr; r++)
	{
		const float *x = c->X + (Size) r * c->in;
		const float *dx = c->dX + (Size) r * c->in;
		float	   *pu = emb->U + (Size) c->ru[r] * dim;
		float	   *pv = emb->V + (Size) c->rv[r] * dim;
		float		gr = c->gs[r];

		for (int d = 0; d < dim; d++)
		{
			float		p = dx[2 * dim + d];

			pu[d] = shrink * pu[d] + lr * (dx[d] + p * x[dim + d]);
			pv[d] = shrink * pv[d] + lr * (dx[dim + d] + p * x[d]);
		}
		if (bias)
		{
			emb->bu[c->ru[r]] = shrink * emb->bu[c->ru[r]] + lr * gr;
			emb->bv[c->rv[r]] = shrink * emb->bv[c->rv[r]] + lr * gr;
		}
	}
}

/*
 * The decoder's L2, toward the weights it started from rather than toward
 * zero: anchor * reg per pair of the batch on W1 and w2 (not on the
 * biases), the per-pair L2 the embeddings get, made stronger.
 */
static void
Anchor(Mlp *c, int64 nr)
{
	const float *w = c->w;
	float		coef = c->anchor * c->cfg->reg * (float) nr;
	Size		n1 = LP_MLP_B1(c->dim, c->hidden);
	Size		o2 = LP_MLP_W2(c->dim, c->hidden);

	for (Size i = 0; i < n1; i++)
		c->gw[i] -= coef * (w[i] - c->w0[i]);
	for (Size i = o2; i < o2 + c->hidden; i++)
		c->gw[i] -= coef * (w[i] - c->w0[i]);
}

/*
 * Hard negatives for the batch's positives, whose sources are
 * c->users[0 .. np-1]: each of a positive's `negatives` is the
 * best-scoring of hard_pool sampler draws, scored by the current network,
 * into c->hardneg[p * negatives + k]; -1 where no draw found a non-edge.
 * Uses the batch arrays, before the batch itself is laid out in them.
 */
static void
HardNegatives(Mlp *c, LpRng *rng, int np)
{
	const LpTrainConfig *cfg = c->cfg;
	const int32 *users = c->users;
	int32	   *out = c->hardneg;
	int64		nr = 0;

	for (int p = 0; p < np; p++)
		for (int k = 0; k < cfg->negatives; k++)
			for (int q = 0; q < cfg->hard_pool; q++)
			{
				c->ru[nr] = users[p];
				c->rv[nr++] = LpDrawNegative(c->g, c->sampler, rng, users[p]);
			}
	/* a failed draw (-1) is scored as node 0 and ignored below */
	for (int64 r = 0; r < nr; r++)
	{
		c->rw[r] = c->rv[r];
		if (c->rv[r] < 0)
			c->rv[r] = 0;
	}
	Forward(c, nr);
	for (int64 slot = 0; slot < (int64) np * cfg->negatives; slot++)
	{
		int32		best = -1;
		float		best_s = 0;

		for (int q = 0; q < cfg->hard_pool; q++)
		{
			int64		r = slot * cfg->hard_pool + q;

			if (c->rw[r] < 0)
				continue;
			if (best < 0 || c->s[r] > best_s)
			{
				best = c->rv[r];
				best_s = c->s[r];
			}
		}
		out[slot] = best;
	}
}

/*
 * The score gradients of a batch laid out as [positive, its negatives...]
 * groups (rw > 0 marks a positive); returns the loss.
 */
static double
ScoreGradients(Mlp *c, int64 nr)
{
	const LpTrainConfig *cfg = c->cfg;
	const bool	pairwise = LpLossPairwise(cfg->loss);
	double		loss = 0;
	int64		pos = -1;

	for (int64 r = 0; r < nr; r++)
	{
		float		l = 0;

		if (c->rw[r] > 0)
		{
			float		w = c->rw[r];

			pos = r;
			if (pairwise)
				c->gs[r] = 0;
			else
			{
				c->gs[r] = LpPointGrad(cfg, c->s[r], cfg->loss == LP_TRAIN_MSE ? w : 1.0f, &l);
				if (cfg->loss == LP_TRAIN_BCE)
					c->gs[r] *= w;
			}
		}
		else if (pairwise)
		{
			float		w = c->rw[pos];
			float		gr = LpPairGrad(cfg, c->s[pos] - c->s[r], &l) * w;

			l *= w;
			c->gs[pos] += gr;
			c->gs[r] = -gr;
		}
		else
			c->gs[r] = LpPointGrad(cfg, c->s[r], 0.0f, &l);
		loss += l;
	}
	return loss;
}

LpTrainResult
LpMlpTrain(const LpGraph *g, const LpTrainConfig *cfg, const LpSamplerState *sampler,
		   LpEmbeddings *emb, float *w, LpEntry *order, int32 *entry_src, float *work,
		   LpProgressFn progress, void *arg, double *final_loss)
{
	return LpMlpTrainWith(g, cfg, NULL, sampler, emb, w, order, entry_src, work,
						  progress, arg, final_loss);
}

/* one batch: its rows (positives and negatives) forward, back, one Adam step */
static void
MlpBatch(void *state, const LpEntry *order, const LpBatch *b, LpRng *rng, double *loss)
{
	Mlp		   *c = state;
	const LpGraph *g = c->g;
	const LpTrainConfig *cfg = c->cfg;
	bool		hard = c->hardneg != NULL;
	int64		nr = 0;

	if (hard)
	{
		for (int64 p = b->start; p < b->end; p++)
			c->users[p - b->start] = c->entry_src[order[p]];
		HardNegatives(c, rng, (int) (b->end - b->start));
	}

	for (int64 p = b->start; p < b->end; p++)
	{
		int64		e = order[p];
		int32		u = c->entry_src[e];
		int			k = hard ? cfg->negatives : LpNegativeCount(g, cfg, u);

		c->ru[nr] = u;
		c->rv[nr] = g->targets[e];
		c->rw[nr++] = g->weights ? g->weights[e] : 1.0f;
		for (int q = 0; q < k; q++)
		{
			int32		j;

			if (hard)
				j = c->hardneg[(p - b->start) * cfg->negatives + q];
			else
				j = LpNegative(g, cfg, c->sampler, c->emb, NULL, rng, u);
			if (j < 0)
				continue;
			c->ru[nr] = u;
			c->rv[nr] = j;
			c->rw[nr++] = 0;
		}
	}
	Forward(c, nr);
	*loss += ScoreGradients(c, nr);
	if (isnan(*loss) || isinf(*loss))
		return;					/* the loop reports the divergence */
	Backward(c, nr, b->lr);
	Anchor(c, nr);
	/* equal gradients keep the tied blocks equal, moments included */
	if (g->tied)
		TieSides(c->gw, c->dim, c->hidden);
	LpAdam(c->w, c->gw, c->mw, c->vw, c->nw, b->lr * c->decoder_lr, b->t + 1);
	LpLinkPull(g, cfg, c->emb->U, b->lr, b->start, b->end, rng);
}

LpTrainResult
LpMlpTrainWith(const LpGraph *g, const LpTrainConfig *cfg, const LpMlpOptions *opt,
			   const LpSamplerState *sampler, LpEmbeddings *emb, float *w, LpEntry *order,
			   int32 *entry_src, float *work, LpProgressFn progress, void *arg,
			   double *final_loss)
{
	Mlp			c;
	LpRng		rng;

	Carve(&c, g, cfg, work);
	c.sampler = sampler;
	c.emb = emb;
	c.w = w;
	c.entry_src = entry_src;
	c.decoder_lr = opt ? opt->decoder_lr : LP_MLP_DEFAULT_DECODER_LR;
	c.anchor = opt ? opt->anchor : LP_MLP_DEFAULT_ANCHOR;
	if (g->tied)
		TieSides(w, c.dim, c.hidden);
	memcpy(c.w0, w, sizeof(float) * c.nw);
	memset(c.mw, 0, sizeof(float) * 2 * c.nw);

	/*
	 * A batch's hard negatives wait in gs, which nothing writes between
	 * their choice and the scoring of the batch.
	 */
	c.hardneg = cfg->neg_mode == LP_NEG_HARD ? (int32 *) c.gs : NULL;

	LpTrainBegin(g, cfg, &rng, order, entry_src);
	return LpEpochLoop(g, cfg, LP_MLP_BATCH, LP_ORDER_SHUFFLED, &rng, order, MlpBatch, &c, progress,
					   arg, final_loss);
}
