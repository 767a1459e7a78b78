/*
 * lightgcn.h: the LightGCN encoder (He et al. 2020), trained.
 *
 * Every node has a free base vector e0.  The vector that scores is the
 * mean of K + 1 layers of symmetric-normalised propagation,
 *
 *   e = (e0 + A e0 + A^2 e0 + ... + A^K e0) / (K + 1),
 *   A = D^-1/2 (adjacency) D^-1/2,
 *
 * where the adjacency is the user x item matrix of a bipartite graph (and
 * its transpose), the symmetric adjacency of an undirected graph, or, on a
 * directed graph, the source-role x target-role matrix (each node has a
 * vector in each role, as in the matrix factorisation).  A is symmetric,
 * so the gradient with respect to e0 is the same smoothing applied to the
 * gradient with respect to e.
 *
 * Training: mini-batches of positives with the configured loss, sampler
 * and negatives, scored on the propagated vectors; each batch's gradient
 * is smoothed back to the base vectors, which Adam updates (with L2 `reg`
 * on the base rows a batch touches, as LightGCN does).  Biases, when on,
 * are learnt beside the vectors, not propagated.  The propagated vectors
 * are what is stored and served: the decoder stays a dot product, so
 * top-k, the index and fold-in work as for the matrix factorisation.
 *
 * Pure C: no PostgreSQL calls; the caller allocates.
 */
#ifndef LINKPRED_LIGHTGCN_H
#define LINKPRED_LIGHTGCN_H

#include "postgres.h"

#include "graph.h"
#include "train.h"

/*
 * The encoder's defaults: layers, and the L2 on base rows (a tenth of the
 * matrix factorisation's: LastFM Recall@20 0.289 against 0.268 at 0.01).
 */
#define LP_LIGHTGCN_DEFAULT_LAYERS 3
#define LP_LIGHTGCN_DEFAULT_REG 0.001

/*
 * Work space of LpLightGcnTrain, in floats, for a graph with these sides
 * (tied: one table of n_src nodes), and in bytes for the transposed lists
 * of an untied graph (0 when tied).
 */
extern Size LpLightGcnWorkFloats(int32 n_src, int32 n_dst, bool tied, int dim);
extern Size LpLightGcnIndexBytes(int32 n_src, int32 n_dst, int64 n_entries, bool tied);

/*
 * Train emb (its U, V, bu, bv are written with the propagated vectors and
 * the biases) on g with cfg (cfg->layers layers).  work holds
 * LpLightGcnWorkFloats floats, index LpLightGcnIndexBytes bytes (both
 * uninitialised).  order / entry_src are n_entries scratch arrays, as for
 * LpTrain; progress is called after every batch.
 */
extern LpTrainResult LpLightGcnTrain(const LpGraph *g, const LpTrainConfig *cfg,
									 const LpSamplerState *sampler, LpEmbeddings *emb,
									 LpEntry *order, int32 *entry_src, float *work, void *index,
									 LpProgressFn progress, void *arg, double *final_loss);

#endif
