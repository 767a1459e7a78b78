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

/* "features": "auto" fits a head only on graphs with this many edges */
#define LP_HEAD_AUTO_MIN_EDGES 200

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
 * An evaluation scorer that puts the head over another (embedding) scorer:
 * fill inner, head, g and scratch, then LpEvalHeadScorer.
 */
typedef struct LpEvalHead
{
	LpEvalScorer inner;
	const LpHead *head;
	const LpHeurGraph *g;
	LpHeadScratch *scratch;
} LpEvalHead;

extern void LpEvalHeadScorer(LpEvalHead *eh, LpEvalScorer *sc);

/* the heuristics' view of a training graph, in the current memory context */
extern void LpBuildHeurGraph(const LpGraph *g, LpHeurGraph *hg);

#endif
