/*
 * headfit.h: fitting the structural decoder head (head.h) in the worker.
 */
#ifndef LINKPRED_HEADFIT_H
#define LINKPRED_HEADFIT_H

#include "postgres.h"

#include "graph.h"
#include "eval.h"
#include "head.h"
#include "train.h"

/*
 * Hold out a tenth of g's edges, train embeddings on the rest with cfg,
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
 * Put the head over an evaluation scorer (the embeddings'): sc then scores
 * pairs and blocks through the head on graph g, with scratch for g's nodes.
 * The wrapper is allocated in the current memory context.
 */
extern void LpEvalWithHead(LpEvalScorer *sc, const LpHead *head, const LpHeurGraph *g,
						   LpHeadScratch *scratch);

/* the heuristics' view of a training graph, in the current memory context */
extern void LpBuildHeurGraph(const LpGraph *g, LpHeurGraph *hg);

#endif
