/*
 * train.h: the matrix factorisation's trainer (train.c): its SGD on one
 * thread or several, the bilinear decoder's relation matrix, and a new
 * user's fold-in; and, for every caller, the layers it stands on:
 *
 *   train.h      the trainer: LpTrain, LpFoldIn, the bilinear decoder
 *   parallel.h   the epoch loop on several threads
 *   attrs.h      node attributes (included where used)
 *   negshare.h   negatives shared by a group of positives (included by train.c)
 *   epoch.h      the serial epoch loop, its start, the user-user pull
 *   sampler.h    negative sampling
 *   sgd.h        the configuration, the embeddings, losses, gradients, Adam
 *   rng.h        random numbers
 *   simd.h       the instruction sets the steps are compiled for (included by sgd.h)
 *
 * Each includes only the ones below it.  Nothing declared here calls
 * PostgreSQL: no palloc, no ereport, no SPI.  Callers allocate every
 * array; the trainer reports through a callback between chunks of work,
 * and the callback decides whether to go on.
 */
#ifndef LINKPRED_TRAIN_H
#define LINKPRED_TRAIN_H

#include "postgres.h"

#include "epoch.h"
#include "graph.h"
#include "parallel.h"
#include "rng.h"
#include "sampler.h"
#include "sgd.h"
#include "vec.h"

/* the initial relation matrix: the identity, so training starts from the dot product */
extern void LpBilinearInit(float *R, int dim);

/* Q[u] = R' U[u] for n rows: the query vectors that make the score a dot product */
extern void LpBilinearQueries(const float *U, int32 n, int dim, const float *R, float *Q);

/*
 * The threads a run of LpTrain uses for cfg on g: cfg->threads (at most
 * LP_MAX_THREADS) for the dot decoder without node attributes, else 1.
 */
extern int	LpTrainThreads(const LpGraph *g, const LpTrainConfig *cfg);

/*
 * The instruction set (simd.h) a run of LpTrain uses for cfg on g: cfg->simd
 * as far as the CPU runs it, for the dot decoder's steps; the baseline for
 * the others (the bilinear and attribute steps, the MLP's).
 */
extern LpSimd LpTrainSimd(const LpGraph *g, const LpTrainConfig *cfg);

/*
 * order (int64) and entry_src (int32) are n_entries scratch arrays: the
 * per-epoch shuffle of the positives and the source node of each CSR entry.
 */
extern LpTrainResult LpTrain(const LpGraph *g, const LpTrainConfig *cfg,
							 const LpSamplerState *sampler, LpEmbeddings *emb,
							 LpEntry *order, int32 *entry_src,
							 LpProgressFn progress, void *arg, double *final_loss);

/*
 * Fold-in: learn one user's vector (and bias) against frozen item
 * embeddings V / bv from the user's items, with the model's loss, learning
 * rate, regularisation and negatives, for `passes` passes; the same
 * objective training optimised, so the result is comparable with trained
 * users.  items must be sorted ascending (the non-edge check is a binary
 * search); u (dim floats) and *bu are written.  Deterministic for a seed.
 */
extern void LpFoldIn(const float *V, const float *bv, int32 n_items, const int32 *items,
					 int n, const LpTrainConfig *cfg, int passes, float *u, float *bu);

/*
 * A fold-in's start (LpFoldIn; the MLP decoder's LpMlpFoldIn may share
 * it): u (cfg->dim floats) and *bu zeroed, rng seeded from cfg->seed;
 * false when there is nothing to learn: no item, or none left to draw a
 * negative from (LpFoldInNegative), when the user keeps the zero vector.
 */
static inline bool
LpFoldInBegin(const LpTrainConfig *cfg, int n, int32 n_items, float *u, float *bu, LpRng *rng)
{
	memset(u, 0, sizeof(float) * cfg->dim);
	*bu = 0;
	if (n == 0 || n_items <= n)
		return false;
	LpRngSeed(rng, cfg->seed);
	return true;
}

#endif
