/*
 * encoder_sage.c: GraphSAGE as a model kind (model.h): learnt weights over
 * sampled neighbourhoods (sage.c), with its own defaults for layers and
 * for Adam's learning rate and L2 over shared weights (sage.h says how
 * they were measured).
 */
#include "postgres.h"

#include "linkpred.h"
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
	float	   *w = LpPallocHuge(sizeof(float) * LpSageWorkFloats(a->g, a->cfg));
	void	   *index = LpPallocHuge(Max(LpSageIndexBytes(a->g, a->cfg), 1));
	LpTrainResult r = LpSageTrain(a->g, a->cfg, a->sampler, a->emb, a->order, a->entry_src, w,
								  index, a->progress, a->arg, a->final_loss);

	pfree(w);
	pfree(index);
	return r;
}

const LpEncoderKind LpSageEncoder = {
	.name = "sage",
	.work_label = "GraphSAGE training",
	.defaults = SageDefaults,
	.work_bytes = SageWorkBytes,
	.fit = SageFit,
	.ann_index = true,
	.minimises_loss = true,
	.fold_in = LpMfFoldIn,
};
