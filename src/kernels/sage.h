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
 * width dim, and a node without neighbours aggregating a zero vector.
 * With options item_features and user_features x(v) is the node's id
 * vector plus its attributes' vectors, and a node without edges has only
 * the latter (sage_attrs.c).  On a
 * bipartite or directed graph a node's source-role row (user) aggregates
 * its targets (items) and a target-role row aggregates the sources that
 * point at it; an undirected homogeneous graph (tied) has one table of
 * nodes.  Users and items share one weight set: a set per role, as a
 * heterogeneous GraphSAGE has one per edge type, was measured and lost
 * (LastFM AUC 0.901 against 0.929 at the same settings): the two sides'
 * vectors meet in a dot product, and the free inputs already tell them
 * apart.  The weights start as Ws = Wn = I, b = 0, so the untrained encoder
 * smooths x ("self plus neighbourhood mean"), which puts neighbours to use
 * from the first batch on and is something a test can compute by hand;
 * random (Glorot) weights did worse (USAir 0.963 against 0.973).
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
 * The encoder's defaults.  Measured through linkpred_train and
 * linkpred_evaluate on the LastFM hash split of test/pgtap/sage.sql (AUC
 * against one sampled non-edge per test edge; Recall@20) and USAir split 1
 * (AUC with the structural head / without), seed 3 and 7:
 *
 *   lr 0.01, reg 0.001   LastFM 0.937, 0.266   USAir 0.971 / 0.963
 *   lr 0.02, reg 0.01    LastFM 0.941, 0.252   USAir 0.969 / 0.958
 *   lr 0.02, reg 0.1     LastFM 0.912, 0.273   USAir 0.975 / 0.959
 *
 * (the matrix factorisation: LastFM 0.919, 0.253; USAir 0.969 / 0.978).
 * The first is the only one above the matrix factorisation on both of
 * LastFM's figures.  On a split of its own (10% of the edges held out,
 * mean of 3 seeds on USAir) the encoder's development measured: one layer
 * 0.938 / 0.962 (LastFM / USAir), two 0.940 / 0.973, three 0.934 / 0.969;
 * fan-out 5 0.941 / 0.971, 10 as good as 25 (0.943 / 0.972) at 1 / 1.4 of
 * the time.  Two layers and fan-out 10 stand.
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
 * uninitialised).  cfg->layers of 0 means LP_SAGE_DEFAULT_LAYERS (more
 * than LP_MAX_LAYERS means that many); a fan-out of 0 or less means
 * LP_SAGE_DEFAULT_FANOUT, more than LP_SAGE_MAX_FANOUT means that.
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
 * initial vector until then).  Deterministic for cfg->seed (and a given
 * number of BLAS threads, which changes the rounding of the products).
 */
extern LpTrainResult LpSageTrain(const LpGraph *g, const LpTrainConfig *cfg,
								 const LpSamplerState *sampler, LpEmbeddings *emb,
								 LpEntry *order, int32 *entry_src, float *work, void *index,
								 LpProgressFn progress, void *arg, double *final_loss);

#endif
