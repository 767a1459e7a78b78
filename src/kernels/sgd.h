/*
 * sgd.h: what every SGD trainer is made of: the training configuration,
 * the model's arrays (LpEmbeddings), the losses with their gradients, the
 * dot decoder's update of one pair, the learning-rate schedule and Adam.
 *
 * The layer under the sampler, the node attributes, the epoch loops and the
 * trainers (train.h names them all): it calls none of them.  Nothing here
 * calls PostgreSQL.
 */
#ifndef LINKPRED_SGD_H
#define LINKPRED_SGD_H

#include "postgres.h"

#include <math.h>

#include "simd.h"
#include "vec.h"

typedef enum LpTrainLoss
{
	LP_TRAIN_BPR,				/* pairwise: -log sigmoid(s_ui - s_uj) */
	LP_TRAIN_BCE,				/* pointwise: logistic, edges 1, non-edges 0 */
	LP_TRAIN_MARGIN,			/* pairwise: max(0, margin - (s_ui - s_uj)) */
	LP_TRAIN_MSE				/* pointwise: (s - target)^2, target = edge weight or 0 */
} LpTrainLoss;

/* how the negatives of a positive are chosen, on top of the sampler's distribution */
typedef enum LpNegMode
{
	LP_NEG_PLAIN,				/* `negatives` draws from the sampler */
	LP_NEG_INBATCH,				/* targets of random training edges (in-batch negatives) */
	LP_NEG_HARD,				/* each negative the best-scoring of hard_pool draws */
	LP_NEG_DYNAMIC				/* count scaled by sqrt(mean degree / degree), 1 .. 4x */
} LpNegMode;

/* most layers an encoder (LightGCN, GraphSAGE) may have; the largest dim */
#define LP_MAX_LAYERS 8
#define LP_MAX_DIM 1024

typedef enum LpDecoder
{
	LP_DECODER_DOT,				/* U[u] . V[v] */
	LP_DECODER_BILINEAR,		/* h_u' R h_v, R a learnt dim x dim matrix */
	LP_DECODER_MLP				/* w2' relu(W1 [h_u; h_v; h_u * h_v] + b1) + b2 */
} LpDecoder;

typedef struct LpTrainConfig
{
	int			dim;
	int			epochs;
	float		lr;
	float		reg;
	LpTrainLoss loss;
	int			negatives;
	bool		bias;
	uint64		seed;
	float		margin;			/* LP_TRAIN_MARGIN */
	LpNegMode	neg_mode;
	int			hard_pool;		/* LP_NEG_HARD */
	float		mean_degree;	/* LP_NEG_DYNAMIC: n_entries / n_src */
	/* the encoder (model.h) that fits the model */
	const struct LpEncoderKind *encoder;
	/* the spectral encoder (spectral.h): no SGD, a closed form */
	float		lowrank_weight;
	float		item_norm;
	bool		item_term;		/* spectral and bipartite: the item-item term */
	/* the LightGCN and GraphSAGE encoders: layers */
	int			layers;
	/* GraphSAGE (sage.h): learned weights over sampled neighbourhoods */
	int			fanout[LP_MAX_LAYERS];	/* neighbours sampled per node, hop 1 first */
	/* the decoder that scores a pair of vectors */
	LpDecoder	decoder;
	int			hidden;			/* LP_DECODER_MLP: width of the hidden layer */
	/* option user_edges: strength of the pull between linked users, 0 = none */
	float		link_weight;
	/* options item_features, user_features (attrs.h): chance a step adds an attributes-only pass */
	float		id_dropout;
	/* threads the SGD may use (linkpred.training_threads, resolved); 0 or 1: one */
	int			threads;
	/*
	 * option negative_group: consecutive positives that share one draw of
	 * negatives (train.c; the plain and in-batch samplers); 0 or 1: each
	 * positive draws its own
	 */
	int			neg_group;
	/*
	 * the instruction set the matrix factorisation's steps may use
	 * (simd.h; linkpred.simd, resolved); 0: the baseline
	 */
	LpSimd		simd;
} LpTrainConfig;

/*
 * The model being learnt.  U is n_src x dim, V is n_dst x dim (V == U and
 * bv == bu when the graph is tied).  Score of (u, v) = U[u].V[v] + bu[u] + bv[v].
 *
 * The bilinear decoder scores U[u]' R V[v] + bu[u] + bv[v] instead: R is
 * read and written only when the configuration's decoder is bilinear.  On
 * a homogeneous graph U and V are then one table even when it is directed:
 * the relation matrix, not a second vector per node, carries the direction.
 * Serving multiplies each user vector by R once (LpBilinearQueries), after
 * which every path is the dot product's.
 */
typedef struct LpEmbeddings
{
	int			dim;
	float	   *U;
	float	   *V;
	float	   *bu;
	float	   *bv;
	float	   *R;				/* bilinear: dim x dim, row-major */
	float	   *R_state;		/* while training R: 3 dim x dim (gradient, Adam moments) */
	float	   *mlp;			/* the MLP decoder's weights (mlp.h's layout) */
	/* node attributes (attrs.h): g->n_attrs x dim vectors and biases, or NULL */
	float	   *A;
	float	   *ab;
} LpEmbeddings;

/* floats of R_state for a dimension */
#define LP_BILINEAR_STATE_FLOATS(dim) (3 * (Size) (dim) * (Size) (dim))

/* initialise embeddings: N(0, 0.1^2) vectors, zero biases */
extern void LpInitEmbeddings(LpEmbeddings *emb, int32 n_src, int32 n_dst, bool tied,
							 uint64 seed);

/* most negatives of a step drawn ahead of its updates (train.c's Step) */
#define LP_PREDRAW_MAX 64

/* ask the cache for a row of n floats (a hint: no effect on results) */
static inline void
LpPrefetchRow(const float *row, int n)
{
	for (int d = 0; d < n; d += 16)
		__builtin_prefetch(row + d, 1, 1);
}

/* one Adam step (ascent along g) on n parameters, step t (1-based) */
extern void LpAdam(float *p, const float *g, float *m, float *v, Size n, float lr, int64 t);

/* the learning rate at step t of total: lr falling linearly to lr / 10 */
static inline float
LpDecayedLr(const LpTrainConfig *cfg, int64 t, int64 total)
{
	return cfg->lr * (1.0f - 0.9f * (float) t / (float) Max(total, 1));
}

/*
 * The losses, shared by every SGD trainer: the gradient of the
 * log-likelihood (or of minus the error) with respect to a score, and the
 * loss added to *loss.
 */
/* log(1 + exp(-x)) without overflow */
static inline float
LpSoftplusNeg(float x)
{
	return x > 0 ? log1pf(expf(-x)) : -x + log1pf(expf(x));
}

static inline float
LpSigmoid(float x)
{
	return x >= 0 ? 1.0f / (1.0f + expf(-x)) : expf(x) / (1.0f + expf(x));
}

static inline bool
LpLossPairwise(LpTrainLoss loss)
{
	return loss == LP_TRAIN_BPR || loss == LP_TRAIN_MARGIN;
}

/* pointwise: d(log-likelihood or -error)/ds for score s against target t */
static inline float
LpPointGrad(const LpTrainConfig *cfg, float s, float t, float *loss)
{
	/*
	 * LpSoftplusNeg(+-s) and LpSigmoid(s) share one e = exp(-|s|): the
	 * same bits as calling them, one expf instead of two (a tenth of a
	 * step's time went to the second)
	 */
	float		e,
				l,
				sig;

	if (cfg->loss == LP_TRAIN_MSE)
	{
		*loss += (s - t) * (s - t);
		return t - s;
	}
	e = expf(-fabsf(s));
	l = log1pf(e);
	sig = s >= 0 ? 1.0f / (1.0f + e) : e / (1.0f + e);
	if (t > 0)
		*loss += s > 0 ? l : -s + l;
	else
		*loss += s < 0 ? l : s + l;
	return t > 0 ? 1.0f - sig : -sig;
}

/* pairwise: the same for the difference x = s_ui - s_uj */
static inline float
LpPairGrad(const LpTrainConfig *cfg, float x, float *loss)
{
	if (cfg->loss == LP_TRAIN_MARGIN)
	{
		if (x >= cfg->margin)
			return 0.0f;
		*loss += cfg->margin - x;
		return 1.0f;
	}
	else
	{
		/* as LpPointGrad: one expf for both */
		float		e = expf(-fabsf(x));
		float		l = log1pf(e);

		*loss += x > 0 ? l : -x + l;
		return 1.0f - (x >= 0 ? 1.0f / (1.0f + e) : e / (1.0f + e));
	}
}

/*
 * One pair's terms under the dot product, shared by the matrix
 * factorisation's steps (train.c, both decoders) and the item-attribute
 * step (attrs.c).  q is the user's side of the score (U[u], or under the
 * bilinear decoder its query R' U[u]); an item's side is a vector v and a
 * bias *bv, which are the model's rows or a composed item's scratch copy.
 *
 * A positive of edge weight w, pointwise: its target (mse: w, else 1) and
 * the scale of its gradient (bce: w, else 1).  A negative: target 0, scale 1.
 */
static inline float
LpPositiveTarget(const LpTrainConfig *cfg, float w)
{
	return cfg->loss == LP_TRAIN_MSE ? w : 1.0f;
}

static inline float
LpPositiveScale(const LpTrainConfig *cfg, float w)
{
	return cfg->loss == LP_TRAIN_BCE ? w : 1.0f;
}

/* pointwise: the gradient for score q.v + *bq + *bv against target t, times scale */
static inline float
LpDotPointGrad(const LpTrainConfig *cfg, const float *q, const float *bq, const float *v,
			   const float *bv, float t, float scale, float *loss)
{
	return LpPointGrad(cfg, LpDot(q, v, cfg->dim) + *bq + *bv, t, loss) * scale;
}

/*
 * pairwise: the gradient for x = q.(vi - vj) (+ *bi - *bj with biases),
 * times the positive's weight w; the loss, times w, is added to *loss
 */
static inline float
LpDotPairGrad(const LpTrainConfig *cfg, const float *q, const float *vi, const float *bi,
			  const float *vj, const float *bj, float w, float *loss)
{
	float		x = 0;
	float		l = 0;
	float		gr;

	for (int d = 0; d < cfg->dim; d++)
		x += q[d] * (vi[d] - vj[d]);
	if (cfg->bias)
		x += *bi - *bj;
	gr = LpPairGrad(cfg, x, &l) * w;
	*loss += l * w;
	return gr;
}

/* the biases' step (with cfg->bias): *a along ga, *b along gb, each with L2 */
static inline void
LpBiasStep(const LpTrainConfig *cfg, float *a, float ga, float *b, float gb, float lr)
{
	if (!cfg->bias)
		return;
	*a += lr * (ga - cfg->reg * *a);
	*b += lr * (gb - cfg->reg * *b);
}

/*
 * The dot decoder's moves along a score gradient gr, with L2 `reg` and
 * the biases: a point score's rows p and v toward each other; a pair
 * score's (p.vi - p.vj) rows p, vi and vj.  The SGD steps here make
 * exactly these updates; the shared-negative step (negshare.c) makes them
 * to the item rows and moves p once for all of a step's pairs.
 */
static inline void
LpDotPointMove(const LpTrainConfig *cfg, float *p, float *bp, float *v, float *bv, float gr,
			   float lr)
{
	const float reg = cfg->reg;

	for (int d = 0; d < cfg->dim; d++)
	{
		float		a = p[d],
					b = v[d];

		p[d] += lr * (gr * b - reg * a);
		v[d] += lr * (gr * a - reg * b);
	}
	LpBiasStep(cfg, bp, gr, bv, gr, lr);
}

static inline void
LpDotPairMove(const LpTrainConfig *cfg, float *p, float *vi, float *bi, float *vj, float *bj,
			  float gr, float lr)
{
	const float reg = cfg->reg;

	for (int d = 0; d < cfg->dim; d++)
	{
		float		a = p[d],
					b = vi[d],
					c = vj[d];

		p[d] += lr * (gr * (b - c) - reg * a);
		vi[d] += lr * (gr * a - reg * b);
		vj[d] += lr * (-gr * a - reg * c);
	}
	LpBiasStep(cfg, bi, gr, bj, -gr, lr);
}

/*
 * The dot decoder's pointwise step: u's vector p and bias *bp against an
 * item's v and *bv, target t, gradient scale `scale` (LpPositiveTarget,
 * LpPositiveScale); p and v move toward each other, with L2.
 */
static inline void
LpDotPointStep(const LpTrainConfig *cfg, float *p, float *bp, float *v, float *bv,
			   float t, float scale, float lr, float *loss)
{
	LpDotPointMove(cfg, p, bp, v, bv, LpDotPointGrad(cfg, p, bp, v, bv, t, scale, loss), lr);
}

/*
 * The dot decoder's pairwise step: u's vector p against the positive vi
 * (bias *bi) and the negative vj (*bj), the positive's weight w.
 */
static inline void
LpDotPairStep(const LpTrainConfig *cfg, float *p, float *vi, float *bi, float *vj, float *bj,
			  float w, float lr, float *loss)
{
	LpDotPairMove(cfg, p, vi, bi, vj, bj, LpDotPairGrad(cfg, p, vi, bi, vj, bj, w, loss), lr);
}

#endif
