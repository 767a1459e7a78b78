/*
 * headfit.h: fitting the structural decoder head (head.h) in the training
 * worker (headfit.c).
 */
#ifndef LINKPRED_HEADFIT_H
#define LINKPRED_HEADFIT_H

#include "postgres.h"

#include "graph.h"
#include "head.h"
#include "train.h"

/*
 * Hold out a tenth of g's edges, fit embeddings on the rest with cfg,
 * and fit head on the held-out edges against as many random non-edges.
 * order / entry_src are the SGD loop's scratch (g->n_entries each).
 * Returns the fit's result; head is set only for LP_TRAIN_OK.  Allocates
 * in the current memory context.
 */
extern LpTrainResult LpFitHead(const LpGraph *g, const LpTrainConfig *cfg,
							   const LpSamplerState *sampler, LpEntry *order, int32 *entry_src,
							   LpProgressFn progress, void *arg, LpHead *head);

#endif
