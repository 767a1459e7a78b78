/*
 * fit.c: a model's arrays and their fit, in the training worker: the
 * vectors (one table or two) and its decoder's weights (decoder.h: the
 * bilinear R, the MLP's), initialised; then the fit its encoder does
 * (model.h), in the current memory context.
 */
#include "postgres.h"

#include "attrs.h"
#include "decoder.h"
#include "fit.h"
#include "linkpred.h"
#include "model.h"

void
LpEmbeddingsAlloc(const LpGraph *g, const LpTrainConfig *cfg, LpEmbeddings *emb)
{
	const LpDecoderKind *dk = LpDecoderAt(cfg->decoder);
	bool		one_table = g->tied || (LpDecoderIs(dk, LP_DEC_ONE_TABLE) && g->homogeneous);

	memset(emb, 0, sizeof(*emb));
	emb->dim = cfg->dim;
	emb->U = LpPallocHuge(sizeof(float) * (Size) g->n_src * emb->dim);
	emb->bu = LpPallocHuge(sizeof(float) * (Size) g->n_src);
	emb->V = one_table ? emb->U : LpPallocHuge(sizeof(float) * (Size) g->n_dst * emb->dim);
	emb->bv = g->tied ? emb->bu : LpPallocHuge(sizeof(float) * (Size) g->n_dst);
	/* the SGD reads rows of both at random: huge pages, before the first touch */
	LpAdviseHugePages(emb->U, sizeof(float) * (Size) g->n_src * emb->dim);
	if (!one_table)
		LpAdviseHugePages(emb->V, sizeof(float) * (Size) g->n_dst * emb->dim);
	/* untied initialisation on one table: V's draw overwrites U's, bv is zeroed */
	LpInitEmbeddings(emb, g->n_src, g->n_dst, g->tied, cfg->seed);
	if (g->n_attrs > 0)
	{
		/* node attributes (item_features, user_features): their vectors and biases */
		emb->A = LpPallocHuge(sizeof(float) * (Size) g->n_attrs * emb->dim);
		emb->ab = LpPallocHuge(sizeof(float) * (Size) g->n_attrs);
		LpAttrsInit(g, emb, cfg->seed);
	}
	if (dk->fit.alloc)
		dk->fit.alloc(g, cfg, emb);
}

int
LpFitEpochs(const LpTrainConfig *cfg)
{
	return LpEncoderEpochs(cfg->encoder, cfg);
}

LpTrainResult
LpFitEmbeddings(const LpGraph *g, const LpTrainConfig *cfg, const LpSamplerState *sampler,
				LpEmbeddings *emb, LpEntry *order, int32 *entry_src, LpProgressFn progress,
				void *arg, double *final_loss)
{
	LpFitArgs	a;

	a.g = g;
	a.cfg = cfg;
	a.sampler = sampler;
	a.emb = emb;
	a.order = order;
	a.entry_src = entry_src;
	a.progress = progress;
	a.arg = arg;
	a.final_loss = final_loss;
	return cfg->encoder->fit.run(&a);
}

LpTrainResult
LpFitWithWork(const LpFitArgs *a, Size work_floats, Size index_bytes, LpWorkTrainFn train)
{
	float	   *work = LpPallocHuge(sizeof(float) * work_floats);
	void	   *index = index_bytes > 0 ? LpPallocHuge(index_bytes) : NULL;
	LpTrainResult r = train(a->g, a->cfg, a->sampler, a->emb, a->order, a->entry_src, work,
							index, a->progress, a->arg, a->final_loss);

	pfree(work);
	if (index)
		pfree(index);
	return r;
}
