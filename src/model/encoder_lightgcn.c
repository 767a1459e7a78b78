/*
 * encoder_lightgcn.c: LightGCN as a model kind (model.h): base vectors
 * trained through layer-mean propagation (lightgcn.c).  It stores the
 * propagated vectors, not the base ones it trains, so a retrain cannot
 * start from them; its L2 weighs on base vectors every propagated one
 * shares, so it defaults to less than the matrix factorisation's.
 */
#include "postgres.h"

#include "fit.h"
#include "lightgcn.h"
#include "model.h"
#include "options.h"

static void
GcnDefaults(LpOptions *opts, const bool *given)
{
	if (!LpOptionGiven(given, offsetof(LpOptions, reg)))
		opts->reg = LP_LIGHTGCN_DEFAULT_REG;
}

static double
GcnWorkBytes(const LpGraph *g, const LpTrainConfig *cfg)
{
	return 4.0 * LpLightGcnWorkFloats(g->n_src, g->n_dst, g->tied, cfg->dim) +
		LpLightGcnIndexBytes(g->n_src, g->n_dst, g->n_entries, g->tied);
}

static LpTrainResult
GcnFit(const LpFitArgs *a)
{
	const LpGraph *g = a->g;

	return LpFitWithWork(a, LpLightGcnWorkFloats(g->n_src, g->n_dst, g->tied, a->emb->dim),
						 LpLightGcnIndexBytes(g->n_src, g->n_dst, g->n_entries, g->tied),
						 LpLightGcnTrain);
}

/* "tune": what the search tries (jobs/tune.c) */
static const LpTuneAxis GcnTuneAxes[] = {
	{"dim", 3, {32, 64, 128}},
	{"lr", 4, {0.01, 0.025, 0.05, 0.1}},
	{"reg", 3, {0.0001, 0.001, 0.01}},
	{"layers", 4, {1, 2, 3, 4}},
	{"epochs", 3, {20, 40, 80}},
	{NULL}
};

const LpEncoderKind LpLightGcnEncoder = {
	.name = "lightgcn",
	.options = {.defaults = GcnDefaults, .tune_axes = GcnTuneAxes},
	.fit = {.run = GcnFit, .work_bytes = GcnWorkBytes, .work_label = "LightGCN training"},
	.permits = LP_ENC_ANN_INDEX | LP_ENC_MINIMISES_LOSS,
	.fold_in = LpMfFoldIn,
};
