/*
 * fit.h: a model's arrays and their fit by its encoder, in the training
 * worker (fit.c).
 */
#ifndef LINKPRED_FIT_H
#define LINKPRED_FIT_H

#include "postgres.h"

#include "graph.h"
#include "model.h"
#include "train.h"

/*
 * The arrays of a model of g under cfg, in the current memory context,
 * initialised (LpInitEmbeddings; R the identity; LpMlpInit): one vector
 * table when the graph is tied or the decoder is bilinear on a homogeneous
 * graph, a table per side otherwise; R and its training state for the
 * bilinear decoder, the weights of the MLP decoder.
 */
extern void LpEmbeddingsAlloc(const LpGraph *g, const LpTrainConfig *cfg, LpEmbeddings *emb);

/*
 * Fit emb on g with the encoder cfg names (model.h): order and entry_src
 * are the SGD loop's scratch (g->n_entries each); the fit allocates and
 * frees any other work space.  Progress is reported through the callback;
 * a closed form reports its steps as epochs.
 */
extern LpTrainResult LpFitEmbeddings(const LpGraph *g, const LpTrainConfig *cfg,
									 const LpSamplerState *sampler, LpEmbeddings *emb,
									 LpEntry *order, int32 *entry_src, LpProgressFn progress,
									 void *arg, double *final_loss);

/* the epochs LpFitEmbeddings reports for cfg */
extern int	LpFitEpochs(const LpTrainConfig *cfg);

/*
 * An encoder's fit through a kernel that trains in a work array of
 * work_floats floats and an index space of index_bytes bytes (none when
 * 0); both are allocated here and freed after.  LightGCN and GraphSAGE.
 */
typedef LpTrainResult (*LpWorkTrainFn) (const LpGraph *g, const LpTrainConfig *cfg,
										const LpSamplerState *sampler, LpEmbeddings *emb,
										LpEntry *order, int32 *entry_src, float *work,
										void *index, LpProgressFn progress, void *arg,
										double *final_loss);
extern LpTrainResult LpFitWithWork(const LpFitArgs *a, Size work_floats,
								   Size index_bytes, LpWorkTrainFn train);

#endif
