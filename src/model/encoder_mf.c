/*
 * encoder_mf.c: the matrix factorisation as a model kind (model.h).
 *
 * Free vectors per node trained by SGD (train.c's LpTrain), the only
 * encoder the bilinear and MLP decoders train with (mlp.c trains the MLP
 * jointly with the vectors).  On a bipartite graph with the dot decoder it
 * defaults to the logistic loss, and with it to a learning rate of 0.1 and
 * 8 negatives (options.h says what that was measured against).
 *
 * With option item_features (attrs.h) and the dot decoder, an item's
 * vector is its id vector plus the weighted mean of its attribute values'
 * vectors, all trained together, and with user_features a user's; the fit
 * ends by writing the composed vectors into V and U, so an item or user
 * without edges (cold) gets its attributes'.
 */
#include "postgres.h"

#include "attrs.h"
#include "cache.h"
#include "decoder.h"
#include "linkpred.h"
#include "model.h"
#include "options.h"

static void
MfDefaults(LpOptions *opts, const bool *given)
{
	if (!LpDecoderIs(LpDecoderAt(opts->decoder), LP_DEC_VECTORS_ONLY) || !opts->bipartite)
		return;
	if (!LpOptionGiven(given, offsetof(LpOptions, loss)))
		opts->loss = LP_MF_BIPARTITE_DEFAULT_LOSS;
	if (opts->loss == LP_LOSS_BCE && !LpOptionGiven(given, offsetof(LpOptions, lr)))
		opts->lr = LP_MF_BIPARTITE_DEFAULT_LR;
	if (opts->loss == LP_LOSS_BCE && !LpOptionGiven(given, offsetof(LpOptions, negatives)))
		opts->negatives = LP_MF_BIPARTITE_DEFAULT_NEGATIVES;
}

/*
 * The parallel loop's own memory (parallel.c): its control block, under
 * 256 kB, and what each helper thread's stack touches; it reuses the order
 * array the serial loop has, so nothing grows with the graph.
 */
static double
MfWorkBytes(const LpGraph *g, const LpTrainConfig *cfg)
{
	int			threads = LpTrainThreads(g, cfg);

	return threads > 1 ? 262144.0 + 65536.0 * threads : 0;
}

/* the SGD (LpTrain), unless the decoder trains the vectors itself (the MLP) */
static LpTrainResult
MfFit(const LpFitArgs *a)
{
	const LpGraph *g = a->g;
	const LpDecoderKind *dk = LpDecoderAt(a->cfg->decoder);
	LpTrainResult r;

	if (dk->fit.run)
		return dk->fit.run(a);
	r = LpTrain(g, a->cfg, a->sampler, a->emb, a->order, a->entry_src, a->progress,
				a->arg, a->final_loss);
	if (g->n_attrs > 0 && a->emb->A != NULL)
		LpAttrsCompose(g, a->emb);
	return r;
}

void
LpMfFoldIn(LpServingModel *m, const int32 *items, int n, float *bu)
{
	const LpDecoderKind *dk = LpDecoderAt(m->decoder);

	if (dk->serve.fold_in)
		dk->serve.fold_in(m, items, n, bu);
	else
		LpFoldIn(m->V, m->bv, m->n_items, items, n, m->fold, 30, m->fold_u, bu);
}

/*
 * "tune": the options that move the matrix factorisation most.  The first
 * value of each is not special: the search's first trial is the options as
 * parsed (the defaults), the others draw from these lists.
 */
static const LpTuneAxis MfTuneAxes[] = {
	{"dim", 3, {32, 64, 128}},
	{"lr", 4, {0.02, 0.05, 0.1, 0.2}},
	{"reg", 4, {0.001, 0.003, 0.01, 0.03}},
	{"epochs", 3, {20, 40, 80}},
	{NULL}
};

const LpEncoderKind LpMfEncoder = {
	.name = "mf",
	.options = {.defaults = MfDefaults, .tune_axes = MfTuneAxes},
	.fit = {.run = MfFit, .work_bytes = MfWorkBytes, .work_label = "training threads",
			.threads = LpTrainThreads, .simd = LpTrainSimd},
	.permits = LP_ENC_TRAINS_DECODERS | LP_ENC_WARM_START | LP_ENC_ANN_INDEX |
		LP_ENC_MINIMISES_LOSS | LP_ENC_ITEM_FEATURES | LP_ENC_FRESH_NODES,
	.fold_in = LpMfFoldIn,
};
