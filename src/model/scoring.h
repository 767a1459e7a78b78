/*
 * scoring.h: a trained model's scores as evaluation, the head's fit and
 * serving compute them (scoring.c).
 */
#ifndef LINKPRED_SCORING_H
#define LINKPRED_SCORING_H

#include "postgres.h"

#include "metrics.h"
#include "graph.h"
#include "head.h"
#include "heuristics.h"
#include "spectral.h"
#include "train.h"

/*
 * ee scoring a trained model as serving will: through the bilinear
 * decoder's queries or the MLP decoder; vchunk scratch for blocks of users
 * when block_size > 0 (0: pairs only).  Arrays in the current memory context.
 */
extern void LpEmbeddingsEval(const LpEmbeddings *emb, const LpTrainConfig *cfg, int32 n_src,
							 int32 n_dst, int block_size, LpEvalEmbedding *ee);

/* LpHeadAll's scratch for n = max(users, items) nodes, zeroed */
extern LpHeadScratch *LpHeadScratchAlloc(int32 n);

/* LpSpectralItemAll's scratch, in arrays of s that LpHeadAll leaves zeroed */
extern LpItemTermScratch LpItemTermScratchOf(LpHeadScratch *s);

/*
 * LpEvaluate's scratch, in the current context: n pairs of n_users x
 * n_items, scored block_size users at a time, ranked up to the largest
 * of ks; the labelled AUC's arrays only if labelled.
 */
extern void LpEvalScratchAlloc(int64 n, int32 n_users, int32 n_items, int block_size, int nk,
							   const int *ks, bool labelled, LpEvalScratch *s);

/*
 * Put a model's decoder over an evaluation scorer of its embeddings, in
 * the order serving applies it (cache.c, LpModelDecode): the encoder's
 * item-item term when cfg->item_term (each user's items are its edges in
 * g), then the structural head when head is not NULL.  scratch is
 * LpHeadScratchAlloc's for g's nodes.  The wrappers are allocated in the
 * current memory context.
 */
extern void LpEvalWithDecoder(LpEvalScorer *sc, const LpTrainConfig *cfg, const LpHead *head,
							  const LpHeurGraph *g, LpHeadScratch *scratch);

/* the heuristics' view of a training graph, in the current memory context */
extern void LpBuildHeurGraph(const LpGraph *g, LpHeurGraph *hg);

#endif
