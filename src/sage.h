/*
 * sage.h: the GraphSAGE encoder (Hamilton et al. 2017), mean aggregation,
 * trained on sampled neighbourhoods.
 *
 * Every node has a free input vector x (its row of emb->U or emb->V at the
 * start, as for LightGCN) and L layers of learnt weights turn it into the
 * vector that scores:
 *
 *   h0(v) = x(v)
 *   hl(v) = act(Ws_l hl-1(v) + Wn_l mean{hl-1(u) : u in N(v)} + b_l)
 *
 * with act = ReLU on the hidden layers and the identity on the last, every
 * width dim, and a node without neighbours aggregating a zero vector.  On a
 * bipartite or directed graph a node's source-role row (user) aggregates
 * its targets (items) and a target-role row aggregates the sources that
 * point at it; users and items have a weight set each, as a heterogeneous
 * GraphSAGE has one per edge type, because the two sides look at different
 * kinds of neighbour.  An undirected homogeneous graph (tied) has one table
 * of nodes and one weight set.  The weights start as Ws = I, Wn = I, b = 0,
 * so the untrained encoder is "self plus neighbourhood mean" smoothing of
 * x, which puts neighbours to use from the first batch on (and makes the
 * untrained encoder something a test can compute by hand).
 *
 * Training: mini-batches of positives with the configured loss, sampler
 * and negatives.  The batch's endpoints are the seeds; hop k samples up to
 * fanout[k - 1] neighbours (without replacement) of every node found so
 * far, and layer l runs, with one matrix product per role, over the nodes
 * within L - l hops of the seeds.  A batch's own positives are left out of
 * its message passing: otherwise the encoder would learn "v is among u's
 * neighbours", which never holds for the held-out edges it is asked about.
 * Adam updates the weights, the input rows the batch read (with L2 `reg`)
 * and, when on, the biases, which are learnt beside the vectors.  After
 * training the last layer is computed for every node over its full
 * neighbourhood, and that is what is stored and served: the decoder stays
 * a dot product.
 *
 * Pure C: no PostgreSQL calls; the caller allocates.
 */
#ifndef LINKPRED_SAGE_H
#define LINKPRED_SAGE_H

#include "postgres.h"

#include "graph.h"
#include "train.h"

/*
 * The encoder's defaults, measured on LastFM (10% of edges held out, AUC
 * against as many non-edges) and USAir (split 1), dim 64, BPR, 4 uniform
 * negatives; see the README's training section for the table.  Two layers
 * beat one on both graphs and three added nothing; a fan-out of 10 is as
 * good as 25 at under half the cost.  The matrix factorisation's lr (0.05,
 * for plain SGD) makes Adam over the weights unstable, and its reg (0.01)
 * over-shrinks inputs that every layer reads.
 */
#define LP_SAGE_DEFAULT_LAYERS 2
#define LP_SAGE_DEFAULT_FANOUT 10
#define LP_SAGE_DEFAULT_LR 0.01
#define LP_SAGE_DEFAULT_REG 0.001

/* the fan-out is sampled with a quadratic method: keep it small */
#define LP_SAGE_MAX_FANOUT 64

/*
 * Work space of LpSageTrain for g and cfg (cfg->layers, fanout, dim,
 * negatives, neg_mode): floats, and bytes of index space (both
 * uninitialised).  A fan-out of 0 or less means LP_SAGE_DEFAULT_FANOUT,
 * larger than LP_SAGE_MAX_FANOUT means that.
 */
extern Size LpSageWorkFloats(const LpGraph *g, const LpTrainConfig *cfg);
extern Size LpSageIndexBytes(const LpGraph *g, const LpTrainConfig *cfg);

/* positives in one mini-batch of a graph with n_entries of them */
extern int64 LpSageBatchSize(int64 n_entries);

/*
 * Train emb (its U, V, bu, bv are written with the last layer's vectors
 * over full neighbourhoods and the biases) on g with cfg.  work holds
 * LpSageWorkFloats floats, index LpSageIndexBytes bytes.  order /
 * entry_src are n_entries scratch arrays, as for LpTrain; progress is
 * called after every batch.  During training emb->U / emb->V hold, for
 * hard negatives, the latest last-layer vector computed for each node (the
 * initial vector until then).  Deterministic for cfg->seed.
 */
extern LpTrainResult LpSageTrain(const LpGraph *g, const LpTrainConfig *cfg,
								 const LpSamplerState *sampler, LpEmbeddings *emb,
								 int64 *order, int32 *entry_src, float *work, void *index,
								 LpProgressFn progress, void *arg, double *final_loss);

#endif
