/*
 * headfit.h: fitting in the training worker: the embeddings with the
 * configured encoder, and the structural decoder head (head.h).
 */
#ifndef LINKPRED_HEADFIT_H
#define LINKPRED_HEADFIT_H

#include "postgres.h"

#include "graph.h"
#include "eval.h"
#include "head.h"
#include "train.h"

/*
 * Fit emb on g with the encoder cfg names: LpTrain's SGD (order and
 * entry_src are its scratch), LightGCN (lightgcn.h; same scratch, its work
 * space allocated and freed here) or the spectral encoder's closed form
 * (spectral.h; work space allocated and freed here, OpenBLAS on every
 * core while it runs, *final_loss 0).  Progress is reported through the
 * same callback; the spectral fit reports its steps as epochs.
 */
extern LpTrainResult LpFitEmbeddings(const LpGraph *g, const LpTrainConfig *cfg,
									 const LpSamplerState *sampler, LpEmbeddings *emb,
									 int64 *order, int32 *entry_src, LpProgressFn progress,
									 void *arg, double *final_loss);

/*
 * The arrays of a model of g under cfg, in the current memory context,
 * initialised (LpInitEmbeddings; R the identity; LpMlpInit): one vector
 * table when the graph is tied or the decoder is bilinear on a homogeneous
 * graph, a table per side otherwise; R and its training state for the
 * bilinear decoder, the weights of the MLP decoder.
 */
extern void LpEmbeddingsAlloc(const LpGraph *g, const LpTrainConfig *cfg, LpEmbeddings *emb);


/*
 * ee scoring a trained model as serving will: through the bilinear
 * decoder's queries or the MLP decoder; ublock for blocks of block_size
 * users (0: pairs only).  Arrays in the current memory context.
 */
extern void LpEmbeddingsEval(const LpEmbeddings *emb, const LpTrainConfig *cfg, int32 n_src,
							 int32 n_dst, int block_size, LpEvalEmbedding *ee);

/* the epochs LpFitEmbeddings reports for cfg (cfg->epochs for SGD) */
extern int	LpFitEpochs(const LpTrainConfig *cfg);

/*
 * Hold out a tenth of g's edges, fit embeddings on the rest with cfg,
 * and fit head on the held-out edges against as many random non-edges.
 * order / entry_src are LpTrain's scratch (g->n_entries each).  Returns
 * LpTrain's result; head is set only for LP_TRAIN_OK.  Allocates in the
 * current memory context.
 */
extern LpTrainResult LpFitHead(const LpGraph *g, const LpTrainConfig *cfg,
							   const LpSamplerState *sampler, int64 *order, int32 *entry_src,
							   LpProgressFn progress, void *arg, LpHead *head);

/* LpHeadAll's scratch for n = max(users, items) nodes, zeroed */
extern LpHeadScratch *LpHeadScratchAlloc(int32 n);

/*
 * Put a model's decoder over an evaluation scorer of its embeddings, in
 * the order serving applies it (cache.c, LpModelDecode): the spectral
 * encoder's item-item term when cfg->spectral (each user's items are its
 * edges in g), then the structural head when head is not NULL.  scratch
 * is LpHeadScratchAlloc's for g's nodes.  The wrappers are allocated in the
 * current memory context.
 */
extern void LpEvalWithDecoder(LpEvalScorer *sc, const LpTrainConfig *cfg, const LpHead *head,
							  const LpHeurGraph *g, LpHeadScratch *scratch);

/* the heuristics' view of a training graph, in the current memory context */
extern void LpBuildHeurGraph(const LpGraph *g, LpHeurGraph *hg);

#endif
