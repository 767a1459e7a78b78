/*
 * decoders.c: the builtin decoders as kinds (decoder.h): the dot product,
 * the bilinear h_u' R h_v and the MLP.
 *
 * The dot product is the default and needs nothing of its own.  The
 * bilinear decoder learns a dim x dim matrix R with the vectors (train.c's
 * bilinear step, on one thread); a homogeneous graph keeps one node table
 * even when directed, R gives the direction; serving and evaluation rank
 * with the users' queries R' h_u, so every later path is the dot product's.
 * The MLP (mlp.c) trains its weights jointly with the matrix
 * factorisation's vectors, scores rows through its item precompute P
 * instead of a matrix-vector product, and folds a fresh user in against
 * its frozen weights; an inner-product index cannot rank its scores.
 */
#include "postgres.h"

#include "cache.h"
#include "decoder.h"
#include "linkpred.h"
#include "metrics.h"
#include "mlp.h"
#include "options.h"

const LpDecoderKind LpDotDecoder = {
	.name = "dot",
	.traits = LP_DEC_VECTORS_ONLY | LP_DEC_PARALLEL | LP_DEC_ANN_INDEX,
};

/* ---------- bilinear ---------- */

/* R, its training state (LP_BILINEAR_STATE_FLOATS), the users' queries */
static double
BilinearEmbBytes(const LpGraph *g, double dim)
{
	return 16.0 * dim * dim + 4.0 * dim * g->n_src;
}

static void
BilinearAlloc(const LpGraph *g, const LpTrainConfig *cfg, LpEmbeddings *emb)
{
	emb->R = palloc(sizeof(float) * emb->dim * emb->dim);
	emb->R_state = palloc(sizeof(float) * LP_BILINEAR_STATE_FLOATS(emb->dim));
	LpBilinearInit(emb->R, emb->dim);
}

static Size
BilinearWeights(int dim, int hidden)
{
	return (Size) dim * dim;
}

static const float *
BilinearR(const LpEmbeddings *emb)
{
	return emb->R;
}

const LpDecoderKind LpBilinearDecoder = {
	.name = "bilinear",
	.label = "bilinear",
	.traits = LP_DEC_ONE_TABLE | LP_DEC_SGD_MATRIX | LP_DEC_ANN_INDEX,
	.fit = {.alloc = BilinearAlloc, .emb_bytes = BilinearEmbBytes},
	.store = {.n_weights = BilinearWeights, .weights = BilinearR},
	.score = {.queries = LpBilinearQueries},
};

/* ---------- MLP ---------- */

/* its Adam learning rate, L2 and epochs (mlp.h) */
static void
MlpDefaults(LpOptions *opts, const bool *given)
{
	if (!LpOptionGiven(given, offsetof(LpOptions, lr)))
		opts->lr = LP_MLP_DEFAULT_LR;
	if (!LpOptionGiven(given, offsetof(LpOptions, reg)))
		opts->reg = LP_MLP_DEFAULT_REG;
	if (!LpOptionGiven(given, offsetof(LpOptions, epochs)))
		opts->epochs = LP_MLP_DEFAULT_EPOCHS;
}

/* its weights, its training work space, the item precompute */
static double
MlpWorkBytes(const LpGraph *g, const LpTrainConfig *cfg)
{
	return 4.0 * (LpMlpWeightCount(cfg->dim, cfg->hidden) +
				  LpMlpWorkFloats(g->n_src, g->n_dst, g->tied, cfg) +
				  (double) g->n_dst * cfg->hidden);
}

static void
MlpAlloc(const LpGraph *g, const LpTrainConfig *cfg, LpEmbeddings *emb)
{
	emb->mlp = LpPallocHuge(sizeof(float) * LpMlpWeightCount(emb->dim, cfg->hidden));
	LpMlpInit(emb->mlp, emb->dim, cfg->hidden, cfg->seed);
}

static LpTrainResult
MlpFit(const LpFitArgs *a)
{
	const LpGraph *g = a->g;
	float	   *w;
	LpTrainResult r;

	w = LpPallocHuge(sizeof(float) * LpMlpWorkFloats(g->n_src, g->n_dst, g->tied, a->cfg));
	r = LpMlpTrain(g, a->cfg, a->sampler, a->emb, a->emb->mlp, a->order, a->entry_src, w,
				   a->progress, a->arg, a->final_loss);
	pfree(w);
	return r;
}

static const float *
MlpWeights(const LpEmbeddings *emb)
{
	return emb->mlp;
}

/* the weights and the item precompute P, in the model's data context */
static void
MlpLoad(LpServingModel *m, const float *w, Size n)
{
	m->dec_weights = MemoryContextAllocHuge(m->data_cxt, sizeof(float) * n);
	memcpy(m->dec_weights, w, sizeof(float) * n);
	m->dec_items = MemoryContextAllocHuge(m->data_cxt, sizeof(float) * (Size) m->n_items * m->hidden);
	LpMlpItemPrecompute(m->dec_weights, m->dim, m->hidden, m->V, m->n_items, m->dec_items);
}

static void
MlpEval(const LpEmbeddings *emb, const LpTrainConfig *cfg, int32 n_dst, LpEvalEmbedding *ee)
{
	float	   *P = LpPallocHuge(sizeof(float) * (Size) n_dst * cfg->hidden);

	LpMlpItemPrecompute(emb->mlp, emb->dim, cfg->hidden, emb->V, n_dst, P);
	ee->mlp = emb->mlp;
	ee->hidden = cfg->hidden;
	ee->P = P;
	ee->mlp_scratch = LpPallocHuge(sizeof(float) *
								   (LpMlpScoreAllFloats(emb->dim, cfg->hidden) + emb->dim));
}

static void
MlpServeEval(LpServingModel *m, LpEvalEmbedding *ee)
{
	ee->mlp = m->dec_weights;
	ee->hidden = m->hidden;
	ee->P = m->dec_items;
	ee->mlp_scratch = m->dec_scratch;
}

/* the serving scratch: LpMlpScoreAll's or fold-in's, then a zero vector */
static Size
MlpScratchFloats(int dim, int hidden)
{
	return Max(LpMlpScoreAllFloats(dim, hidden), LpMlpFoldInFloats(dim, hidden)) + dim;
}

/* the zero vector of a user with none: after the MLP scratch */
static const float *
ZeroQuery(LpServingModel *m)
{
	float	   *z = m->dec_scratch + Max(LpMlpScoreAllFloats(m->dim, m->hidden),
										 LpMlpFoldInFloats(m->dim, m->hidden));

	memset(z, 0, sizeof(float) * m->dim);
	return z;
}

static float
MlpScore(LpServingModel *m, const float *q, const float *hv)
{
	return LpMlpScore(m->dec_weights, m->dim, m->hidden, q ? q : ZeroQuery(m), hv);
}

static void
MlpScoreRow(LpServingModel *m, const float *q, float *s)
{
	LpMlpScoreAll(m->dec_weights, m->dim, m->hidden, q ? q : ZeroQuery(m), m->V, m->dec_items,
				  m->n_items, m->dec_scratch, s);
}

static int
MlpArrays(LpServingModel *m, float ***where, Size *floats)
{
	where[0] = &m->dec_weights;
	floats[0] = LpMlpWeightCount(m->dim, m->hidden);
	where[1] = &m->dec_items;
	floats[1] = (Size) m->n_items * m->hidden;
	return 2;
}

static void
MlpFoldIn(LpServingModel *m, const int32 *items, int n, float *bu)
{
	LpMlpFoldIn(m->dec_weights, m->V, m->bv, m->n_items, items, n, m->fold, 30, m->dec_scratch,
				m->fold_u, bu);
}

const LpDecoderKind LpMlpDecoder = {
	.name = "mlp",
	.label = "MLP",
	.defaults = MlpDefaults,
	.fit = {.alloc = MlpAlloc, .run = MlpFit, .work_bytes = MlpWorkBytes},
	.store = {.n_weights = LpMlpWeightCount, .weights = MlpWeights},
	.serve = {.load = MlpLoad, .scratch_floats = MlpScratchFloats, .fold_in = MlpFoldIn},
	.score = {.pair = MlpScore, .row = MlpScoreRow},
	.eval = {.trained = MlpEval, .served = MlpServeEval},
	.arrays = MlpArrays,
};
