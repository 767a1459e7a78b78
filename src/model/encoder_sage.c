/*
 * encoder_sage.c: GraphSAGE as a model kind (model.h): learnt weights over
 * sampled neighbourhoods (sage.c), with its own defaults for layers and
 * for Adam's learning rate and L2 over shared weights (sage.h says how
 * they were measured).
 *
 * With options item_features and user_features a node's input is its id
 * vector plus its attributes' vectors (sage_attrs.c), so a node without
 * edges gets a vector from its attributes; its final vector is not a sum
 * of attribute vectors, so the version stores none and fresh_items is
 * refused (no LP_ENC_FRESH_NODES).
 */
#include "postgres.h"

#include "fit.h"
#include "model.h"
#include "options.h"
#include "sage.h"

static void
SageDefaults(LpOptions *opts, const bool *given)
{
	if (!LpOptionGiven(given, offsetof(LpOptions, layers)))
		opts->layers = LP_SAGE_DEFAULT_LAYERS;
	if (!LpOptionGiven(given, offsetof(LpOptions, lr)))
		opts->lr = LP_SAGE_DEFAULT_LR;
	if (!LpOptionGiven(given, offsetof(LpOptions, reg)))
		opts->reg = LP_SAGE_DEFAULT_REG;
}

static double
SageWorkBytes(const LpGraph *g, const LpTrainConfig *cfg)
{
	return 4.0 * LpSageWorkFloats(g, cfg) + LpSageIndexBytes(g, cfg);
}

static LpTrainResult
SageFit(const LpFitArgs *a)
{
	return LpFitWithWork(a, LpSageWorkFloats(a->g, a->cfg),
						 Max(LpSageIndexBytes(a->g, a->cfg), 1), LpSageTrain);
}

const LpEncoderKind LpSageEncoder = {
	.name = "sage",
	.options = {.defaults = SageDefaults},
	.fit = {.run = SageFit, .work_bytes = SageWorkBytes, .work_label = "GraphSAGE training"},
	.permits = LP_ENC_ANN_INDEX | LP_ENC_MINIMISES_LOSS | LP_ENC_ITEM_FEATURES,
	.fold_in = LpMfFoldIn,
};
