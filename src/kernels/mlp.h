/*
 * mlp.h: the MLP decoder: a one-hidden-layer network that scores a pair of
 * node vectors, trained jointly with them, and its scoring paths.
 *
 *   score(u, v) = w2 . relu(W1 [h_u; h_v; h_u * h_v] + b1) + b2
 *                 (+ bu[u] + bv[v] when cfg->bias)
 *
 * h_u = U[u] and h_v = V[v] are free embeddings, as in the matrix
 * factorisation (a tied graph has one table: V == U, bv == bu).  On a
 * tied (undirected) graph the trainer also keeps W1's blocks on h_u and
 * h_v equal, so that score(u, v) = score(v, u) exactly.  Through
 * the product block h_u * h_v the network can be a dot product exactly,
 * and it starts as one (LpMlpInit); the other blocks and the ReLU let it
 * learn what a dot product cannot say: a relation of higher rank than the
 * vectors' dimension, or heterophily on an undirected graph, where a tied
 * dot product, a positive semi-definite kernel, ranks a node's own kind
 * first.
 *
 * Inference is split: embeddings once per node, only the decoder per pair.
 * A pair costs about 3 * dim * hidden multiply-adds instead of dim, and
 * top-k still scores every candidate, but as one matrix product per user:
 * W1's item block times every item vector does not depend on the user and
 * is computed once per model (LpMlpItemPrecompute), leaving the product
 * block, V (W1_p diag(h_u))', per user (LpMlpScoreAll).
 *
 * Weight layout: every decoder weight in one float array (stored as a
 * float4[] beside the embeddings), in this order:
 *
 *   W1   hidden x 3 dim, row-major; row k is [W1_u(k) | W1_v(k) | W1_p(k)],
 *        the weights of hidden unit k on h_u, h_v and h_u * h_v
 *   b1   hidden
 *   w2   hidden
 *   b2   1
 *
 * LpMlpWeightCount floats in all; the LP_MLP_* offset macros below say
 * where each block starts.
 *
 * Pure C: no PostgreSQL calls; the caller allocates every array.
 */
#ifndef LINKPRED_MLP_H
#define LINKPRED_MLP_H

#include "postgres.h"

#include <math.h>

#include "graph.h"
#include "train.h"

/*
 * Defaults, measured on LastFM (user-artist, a random 10% of the edges
 * held out; AUC against as many random non-edges, Recall@20 over all
 * artists) and USAir (SEAL split 1), BPR, 4 uniform negatives:
 *
 *  - hidden 32: 32, 64 and 128 units gave the same accuracy (LastFM
 *    Recall@20 0.272, 0.271, 0.273), and 32 trains in 10.5 s to 64's
 *    14.8 s and scores all items in 1.0 ms a user to 64's 1.9 ms.
 *  - reg 0.05, not the matrix factorisation's 0.01: the decoder scales a
 *    pair's score up at no cost to the embeddings' L2, so at 0.01 it
 *    overfits (LastFM Recall@20 0.249 at reg 0.01, 0.269 at 0.03, 0.272
 *    at 0.05, 0.261 at 0.1; USAir AUC 0.940 at 0.01, 0.968 at 0.05).
 *  - lr 0.05 and epochs 40: the matrix factorisation's, since the
 *    embeddings take the same SGD steps (the decoder's Adam rate is
 *    relative to lr: LpMlpOptions).  20 epochs lose 0.017 Recall@20, 60
 *    gain 0.005 for half as much time again.  dim, loss and negatives:
 *    the matrix factorisation's too.
 */
#define LP_MLP_DEFAULT_HIDDEN 32
#define LP_MLP_DEFAULT_REG 0.05
#define LP_MLP_DEFAULT_LR 0.05
#define LP_MLP_DEFAULT_EPOCHS 40

/*
 * The decoder's own optimiser, relative to the configured lr and reg:
 * Adam at decoder_lr * lr, and an L2 of anchor * reg per scored pair
 * toward the weights training started from (the dot product, LpMlpInit).
 *
 * The anchor is what makes the decoder pay on real graphs.  Free (anchor
 * 0), its random units fit the training edges and not the held-out ones:
 * LastFM Recall@20 0.190 to 0.207 and USAir AUC 0.84 to 0.91 (decoder_lr
 * 0.04 to 0.2), against 0.272 and 0.968 with the anchor at 3 (the dot
 * product: 0.250 and 0.977).  Anchored, it stays a learnt correction to
 * the dot product, which still beats the dot product on a relation of
 * higher rank than the vectors (test_mlp.c: AUC 0.888 against 0.844),
 * but by less than a free decoder does (0.934); anchor 0 with decoder_lr
 * 0.2 is the setting for graphs known to be of that kind.
 */
typedef struct LpMlpOptions
{
	float		decoder_lr;		/* multiple of cfg->lr */
	float		anchor;			/* multiple of cfg->reg */
} LpMlpOptions;

#define LP_MLP_DEFAULT_DECODER_LR 0.04f
#define LP_MLP_DEFAULT_ANCHOR 3.0f

/*
 * Positives per mini-batch; each brings its negatives along.  64 to 1024
 * gave the same accuracy (LastFM Recall@20 0.271 to 0.273, USAir AUC
 * 0.966 to 0.970) in about the same time (9.5 to 10.7 s).
 */
#define LP_MLP_BATCH 256

/* where each block of the weight array starts */
#define LP_MLP_W1(dim, hidden)	((Size) 0)
#define LP_MLP_B1(dim, hidden)	((Size) 3 * (Size) (dim) * (Size) (hidden))
#define LP_MLP_W2(dim, hidden)	(LP_MLP_B1(dim, hidden) + (Size) (hidden))
#define LP_MLP_B2(dim, hidden)	(LP_MLP_W2(dim, hidden) + (Size) (hidden))

/* floats of the weight array: 3 dim hidden + 2 hidden + 1 */
extern Size LpMlpWeightCount(int dim, int hidden);

/*
 * The hidden units' max(x, 0), without a branch: which units a pair
 * switches on is a coin toss, and a mispredicted branch per unit and pair
 * cost 8% of the training time.  Exact: x + |x| is 2x or 0.
 */
static inline float
LpMlpRelu(float x)
{
	return 0.5f * (x + fabsf(x));
}

/*
 * The initial weights, deterministic for a seed: the dot product.  Hidden
 * units 0 and 1 read h_u * h_v with weights +1 and -1 and are read out
 * with +1 and -1, so the network starts as relu(x) - relu(-x) = x =
 * h_u . h_v; the other units are random (He) features of all three blocks
 * with a zero read-out weight, there for training to use.  hidden >= 2
 * (with 1, the start is relu(h_u . h_v)).
 */
extern void LpMlpInit(float *w, int dim, int hidden, uint64 seed);

/*
 * The score of one pair without the node biases (the caller adds
 * bu[u] + bv[v] when the model has them).  No scratch.
 */
extern float LpMlpScore(const float *w, int dim, int hidden, const float *hu, const float *hv);

/*
 * Top-k over every item.  P = V W1_v' (n_items x hidden, row-major): once
 * per model, after training.  LpMlpScoreAll then writes out[i] =
 * LpMlpScore(w, dim, hidden, hu, V[i]) for every item i (no node biases)
 * with one matrix product per block of items; scratch holds
 * LpMlpScoreAllFloats(dim, hidden) floats.
 */
extern void LpMlpItemPrecompute(const float *w, int dim, int hidden, const float *V,
								int32 n_items, float *P);
extern Size LpMlpScoreAllFloats(int dim, int hidden);
extern void LpMlpScoreAll(const float *w, int dim, int hidden, const float *hu, const float *V,
						  const float *P, int32 n_items, float *scratch, float *out);

/*
 * Training.  Work space of LpMlpTrain in floats, for a graph with these
 * sides: the decoder's optimiser state and one mini-batch (a few of its
 * arrays are int32, carved from the same space).  Nothing is per node
 * today; the sides are asked for so that callers need not change if
 * that changes.
 */
extern Size LpMlpWorkFloats(int32 n_src, int32 n_dst, bool tied, const LpTrainConfig *cfg);

/*
 * Train emb (initialised by the caller, LpInitEmbeddings) and the decoder
 * weights w (initialised by the caller, LpMlpInit) jointly on g with cfg
 * (cfg->decoder == LP_DECODER_MLP, cfg->hidden hidden units):
 * mini-batches of LP_MLP_BATCH positives with their negatives, the
 * configured loss and sampler; SGD on the embeddings as in train.c, Adam
 * on the decoder.  order / entry_src are n_entries scratch arrays as for
 * LpTrain; work holds LpMlpWorkFloats floats (uninitialised).  progress is
 * called after every batch.  LpMlpTrainWith takes the decoder's optimiser
 * settings (NULL: the defaults, which LpMlpTrain uses).
 */
extern LpTrainResult LpMlpTrain(const LpGraph *g, const LpTrainConfig *cfg,
								const LpSamplerState *sampler, LpEmbeddings *emb, float *w,
								LpEntry *order, int32 *entry_src, float *work,
								LpProgressFn progress, void *arg, double *final_loss);
extern LpTrainResult LpMlpTrainWith(const LpGraph *g, const LpTrainConfig *cfg,
									const LpMlpOptions *opt, const LpSamplerState *sampler,
									LpEmbeddings *emb, float *w, LpEntry *order,
									int32 *entry_src, float *work, LpProgressFn progress,
									void *arg, double *final_loss);

/*
 * Fold-in, as LpFoldIn for the dot product: learn one user's vector u
 * (dim floats) and bias *bu from the user's items[0 .. n-1] (sorted
 * ascending) against the frozen items (V, bv; bv may be NULL when the
 * model has no biases) and the frozen decoder w, with the model's loss
 * and negatives, for `passes` passes.  work holds LpMlpFoldInFloats
 * floats.  Deterministic for cfg->seed.
 */
extern Size LpMlpFoldInFloats(int dim, int hidden);
extern void LpMlpFoldIn(const float *w, const float *V, const float *bv, int32 n_items,
						const int32 *items, int n, const LpTrainConfig *cfg, int passes,
						float *work, float *u, float *bu);

#endif
