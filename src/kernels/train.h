/*
 * train.h: the numeric core: negative samplers and the SGD trainer.
 *
 * Nothing declared here calls PostgreSQL: no palloc, no ereport, no SPI.
 * Callers allocate every array; the trainer reports through a callback
 * between chunks of work, and the callback decides whether to go on.
 */
#ifndef LINKPRED_TRAIN_H
#define LINKPRED_TRAIN_H

#include "postgres.h"

#include <math.h>

#include "graph.h"
#include "vec.h"

/* xoshiro256** state: fast, good enough for sampling, seedable */
typedef struct LpRng
{
	uint64		s[4];
} LpRng;

extern void LpRngSeed(LpRng *rng, uint64 seed);
extern uint64 LpRngNext(LpRng *rng);

static inline uint32
LpRngBelow(LpRng *rng, uint32 n)
{
	/* multiply-shift: unbiased enough for n << 2^32 */
	return (uint32) (((LpRngNext(rng) >> 32) * (uint64) n) >> 32);
}

static inline float
LpRngUniform(LpRng *rng)
{
	return (float) (LpRngNext(rng) >> 40) * (1.0f / 16777216.0f);
}

/* Negative sampler over the target nodes (items) of a graph. */
typedef struct LpSamplerState
{
	int32		n;
	bool		uniform;
	float	   *prob;			/* alias method: n entries each */
	int32	   *alias;
	/*
	 * A thread of a parallel run (LpEpochLoopParallel) draws only nodes of
	 * the blocks it owns: the node's block (LpNodeBlock over `blocks`) must
	 * be a bit of `allowed`.  blocks = 0: every node (the serial trainers).
	 */
	int			blocks;
	uint64		allowed;
} LpSamplerState;

/* arrays prob and alias hold n entries; weights[i] >= 0 */
extern void LpSamplerInitAlias(LpSamplerState *s, int32 n, const double *weights,
							   float *prob, int32 *alias, int32 *work);
extern void LpSamplerInitUniform(LpSamplerState *s, int32 n);

/* most threads a parallel run uses (parallel.c: its node blocks fit a uint64) */
#define LP_MAX_THREADS 32

/* the block of node j among `blocks`: a multiplicative hash, so hubs spread */
static inline int
LpNodeBlock(int32 j, int blocks)
{
	return (int) (((uint64) ((uint32) j * 2654435761u) * (uint64) blocks) >> 32);
}

static inline bool
LpSamplerAllows(const LpSamplerState *s, int32 j)
{
	return s->blocks == 0 || ((s->allowed >> LpNodeBlock(j, s->blocks)) & 1) != 0;
}

static inline int32
LpSamplerDraw(const LpSamplerState *s, LpRng *rng)
{
	int32		i = (int32) LpRngBelow(rng, (uint32) s->n);

	if (s->uniform)
		return i;
	return LpRngUniform(rng) < s->prob[i] ? i : s->alias[i];
}

#define LP_MAX_REDRAWS 16
/* draws outside a thread's blocks a negative may take before it gives up */
#define LP_MAX_MISSES (LP_MAX_REDRAWS * LP_MAX_THREADS)

/*
 * A negative for source u: a target that is neither u (homogeneous graphs)
 * nor one of u's training edges; redrawn up to LP_MAX_REDRAWS times, -1 if
 * none was found (u is linked to nearly everything).  A draw outside the
 * sampler's blocks is no redraw: it is drawn again (up to LP_MAX_MISSES),
 * which restricts the distribution to the blocks without reshaping it.
 */
static inline int32
LpDrawNegative(const LpGraph *g, const LpSamplerState *sampler, LpRng *rng, int32 u)
{
	int			misses = 0;

	for (int t = 0; t < LP_MAX_REDRAWS; t++)
	{
		int32		j = LpSamplerDraw(sampler, rng);

		if (!LpSamplerAllows(sampler, j))
		{
			if (++misses < LP_MAX_MISSES)
				t--;
			continue;
		}
		if (g->homogeneous && j == u)
			continue;
		if (!LpGraphHasEdge(g, u, j))
			return j;
	}
	return -1;
}

typedef enum LpTrainLoss
{
	LP_TRAIN_BPR,				/* pairwise: -log sigmoid(s_ui - s_uj) */
	LP_TRAIN_BCE,				/* pointwise: logistic, edges 1, non-edges 0 */
	LP_TRAIN_MARGIN,			/* pairwise: max(0, margin - (s_ui - s_uj)) */
	LP_TRAIN_MSE				/* pointwise: (s - target)^2, target = edge weight or 0 */
} LpTrainLoss;

/* how the negatives of a positive are chosen, on top of the sampler's distribution */
typedef enum LpNegMode
{
	LP_NEG_PLAIN,				/* `negatives` draws from the sampler */
	LP_NEG_INBATCH,				/* targets of random training edges (in-batch negatives) */
	LP_NEG_HARD,				/* each negative the best-scoring of hard_pool draws */
	LP_NEG_DYNAMIC				/* count scaled by sqrt(mean degree / degree), 1 .. 4x */
} LpNegMode;

/* most layers an encoder (LightGCN, GraphSAGE) may have; the largest dim */
#define LP_MAX_LAYERS 8
#define LP_MAX_DIM 1024

typedef enum LpDecoder
{
	LP_DECODER_DOT,				/* U[u] . V[v] */
	LP_DECODER_BILINEAR,		/* h_u' R h_v, R a learnt dim x dim matrix */
	LP_DECODER_MLP				/* w2' relu(W1 [h_u; h_v; h_u * h_v] + b1) + b2 */
} LpDecoder;

typedef struct LpTrainConfig
{
	int			dim;
	int			epochs;
	float		lr;
	float		reg;
	LpTrainLoss loss;
	int			negatives;
	bool		bias;
	uint64		seed;
	float		margin;			/* LP_TRAIN_MARGIN */
	LpNegMode	neg_mode;
	int			hard_pool;		/* LP_NEG_HARD */
	float		mean_degree;	/* LP_NEG_DYNAMIC: n_entries / n_src */
	/* the encoder (model.h) that fits the model */
	const struct LpEncoderKind *encoder;
	/* the spectral encoder (spectral.h): no SGD, a closed form */
	float		lowrank_weight;
	float		item_norm;
	bool		item_term;		/* spectral and bipartite: the item-item term */
	/* the LightGCN and GraphSAGE encoders: layers */
	int			layers;
	/* GraphSAGE (sage.h): learned weights over sampled neighbourhoods */
	int			fanout[LP_MAX_LAYERS];	/* neighbours sampled per node, hop 1 first */
	/* the decoder that scores a pair of vectors */
	LpDecoder	decoder;
	int			hidden;			/* LP_DECODER_MLP: width of the hidden layer */
	/* option user_edges: strength of the pull between linked users, 0 = none */
	float		link_weight;
	/* option item_features (attrs.h): chance a step leaves out an item's id part */
	float		id_dropout;
	/* threads the SGD may use (linkpred.training_threads, resolved); 0 or 1: one */
	int			threads;
} LpTrainConfig;

/*
 * The losses, shared by the SGD trainer and the LightGCN encoder: the
 * gradient of the log-likelihood (or of minus the error) with respect to a
 * score, and the loss added to *loss.
 */
/* log(1 + exp(-x)) without overflow */
static inline float
LpSoftplusNeg(float x)
{
	return x > 0 ? log1pf(expf(-x)) : -x + log1pf(expf(x));
}

static inline float
LpSigmoid(float x)
{
	return x >= 0 ? 1.0f / (1.0f + expf(-x)) : expf(x) / (1.0f + expf(x));
}

static inline bool
LpLossPairwise(LpTrainLoss loss)
{
	return loss == LP_TRAIN_BPR || loss == LP_TRAIN_MARGIN;
}

/* pointwise: d(log-likelihood or -error)/ds for score s against target t */
static inline float
LpPointGrad(const LpTrainConfig *cfg, float s, float t, float *loss)
{
	if (cfg->loss == LP_TRAIN_MSE)
	{
		*loss += (s - t) * (s - t);
		return t - s;
	}
	*loss += t > 0 ? LpSoftplusNeg(s) : LpSoftplusNeg(-s);
	return t > 0 ? 1.0f - LpSigmoid(s) : -LpSigmoid(s);
}

/* pairwise: the same for the difference x = s_ui - s_uj */
static inline float
LpPairGrad(const LpTrainConfig *cfg, float x, float *loss)
{
	if (cfg->loss == LP_TRAIN_MARGIN)
	{
		if (x >= cfg->margin)
			return 0.0f;
		*loss += cfg->margin - x;
		return 1.0f;
	}
	*loss += LpSoftplusNeg(x);
	return 1.0f - LpSigmoid(x);
}

/*
 * The model being learnt.  U is n_src x dim, V is n_dst x dim (V == U and
 * bv == bu when the graph is tied).  Score of (u, v) = U[u].V[v] + bu[u] + bv[v].
 *
 * The bilinear decoder scores U[u]' R V[v] + bu[u] + bv[v] instead: R is
 * read and written only when the configuration's decoder is bilinear.  On
 * a homogeneous graph U and V are then one table even when it is directed:
 * the relation matrix, not a second vector per node, carries the direction.
 * Serving multiplies each user vector by R once (LpBilinearQueries), after
 * which every path is the dot product's.
 */
typedef struct LpEmbeddings
{
	int			dim;
	float	   *U;
	float	   *V;
	float	   *bu;
	float	   *bv;
	float	   *R;				/* bilinear: dim x dim, row-major */
	float	   *R_state;		/* while training R: 3 dim x dim (gradient, Adam moments) */
	float	   *mlp;			/* the MLP decoder's weights (mlp.h's layout) */
	/* item attributes (attrs.h): g->n_attrs x dim vectors and biases, or NULL */
	float	   *A;
	float	   *ab;
} LpEmbeddings;

/* floats of R_state for a dimension */
#define LP_BILINEAR_STATE_FLOATS(dim) (3 * (Size) (dim) * (Size) (dim))

/* the initial relation matrix: the identity, so training starts from the dot product */
extern void LpBilinearInit(float *R, int dim);

/* Q[u] = R' U[u] for n rows: the query vectors that make the score a dot product */
extern void LpBilinearQueries(const float *U, int32 n, int dim, const float *R, float *Q);

/* one Adam step (ascent along g) on n parameters, step t (1-based) */
extern void LpAdam(float *p, const float *g, float *m, float *v, Size n, float lr, int64 t);

/*
 * Progress callback: called after every chunk of about chunk_size positives
 * with the epoch (1-based), the fraction of it done and the mean loss of
 * the epoch so far.  Returning false stops training.  The callback may also
 * leave by longjmp (an ERROR): the trainer holds no resources of its own.
 */
typedef bool (*LpProgressFn) (void *arg, int epoch, double frac, double loss, bool epoch_end);

typedef enum LpTrainResult
{
	LP_TRAIN_OK,
	LP_TRAIN_STOPPED,
	LP_TRAIN_DIVERGED,
	LP_TRAIN_NO_THREADS			/* the system refused a training thread */
} LpTrainResult;

/*
 * One negative for source u under cfg->neg_mode (pu = u's current vector,
 * for hard negatives); never u itself in a homogeneous graph nor one of
 * u's training edges; -1 when none was found.
 */
extern int32 LpNegative(const LpGraph *g, const LpTrainConfig *cfg, const LpSamplerState *sampler,
						const LpEmbeddings *emb, const float *pu, LpRng *rng, int32 u);

/* how many negatives source u gets: `negatives`, or DSSLP's dynamic count */
static inline int
LpNegativeCount(const LpGraph *g, const LpTrainConfig *cfg, int32 u)
{
	float		k;

	if (cfg->neg_mode != LP_NEG_DYNAMIC)
		return cfg->negatives;
	/* rarely seen nodes get more contrast, hubs fewer */
	k = cfg->negatives * sqrtf(cfg->mean_degree / (float) Max(g->offsets[u + 1] - g->offsets[u], 1));
	return Max(1, Min((int) (k + 0.5f), 4 * cfg->negatives));
}

/* entry_src[e] = the source node of CSR entry e (n_entries of them) */
extern void LpLinkPull(const LpGraph *g, const LpTrainConfig *cfg, float *U, float lr,
					   int64 start, int64 end, LpRng *rng);
extern void LpEntrySources(const LpGraph *g, int32 *entry_src);

/*
 * Every trainer's start: rng seeded from cfg->seed, entry_src filled,
 * order the identity over the n_entries positives (shuffled per epoch).
 */
extern void LpTrainBegin(const LpGraph *g, const LpTrainConfig *cfg, LpRng *rng, int64 *order,
						 int32 *entry_src);

/* the learning rate at step t of total: lr falling linearly to lr / 10 */
static inline float
LpDecayedLr(const LpTrainConfig *cfg, int64 t, int64 total)
{
	return cfg->lr * (1.0f - 0.9f * (float) t / (float) Max(total, 1));
}

/* a uniformly random permutation of order[0 .. n-1], in place */
extern void LpShuffle(int64 *order, int64 n, LpRng *rng);

/*
 * One batch of a training run, as the epoch loop hands it to a trainer:
 * the positives order[start .. end - 1] of the epoch's shuffled order, the
 * batch's place in the run and its learning rate.
 */
typedef struct LpBatch
{
	int			epoch;			/* 1-based */
	int64		start;
	int64		end;
	int64		t;				/* batches before this one in the whole run */
	int64		total;			/* batches in the whole run */
	float		lr;				/* LpDecayedLr(cfg, t, total) */
} LpBatch;

/* a trainer's work on one batch; adds the batch's loss to *loss */
typedef void (*LpBatchFn) (void *state, const int64 *order, const LpBatch *b, LpRng *rng,
						   double *loss);

/*
 * The epoch loop every SGD trainer runs (mf, lightgcn, sage, the MLP
 * decoder): cfg->epochs passes over g's n_entries positives, each in a
 * fresh shuffle of order (drawn from rng), cut into batches of `batch`
 * positives.  After each batch it checks the epoch's loss for divergence
 * and reports progress; the callback's false stops the run.  *final_loss
 * is the mean loss of the last finished epoch.  The trainer seeds rng and
 * fills order before (LpTrainBegin).
 */
extern LpTrainResult LpEpochLoop(const LpGraph *g, const LpTrainConfig *cfg, int64 batch,
								 LpRng *rng, int64 *order, LpBatchFn fn, void *state,
								 LpProgressFn progress, void *arg, double *final_loss);

/*
 * The parallel epoch loop (parallel.c).  It cuts the positives into cells
 * that touch disjoint rows: with C = 4T cells a round (at most 32, and
 * fewer, down to T, where a block would have under 256 target nodes),
 * sources and targets each fall in C blocks (LpNodeBlock), and cell k of
 * round r holds the positives from source block k to target block
 * (k + r) mod C, its negatives drawn from that target block only (the
 * sampler's `allowed`).  A tied graph, whose sources and targets are one
 * table, has 2C blocks; each cell of a round is a pair of blocks (a
 * round-robin tournament, 2C - 1 rounds).  No two cells of a round write
 * the same row, so the threads, taking the cells of a round one at a time,
 * update the shared arrays without locks or races, and a fixed seed and
 * thread count repeat bit for bit: cell c's random stream is seeded from
 * (seed, c) and each cell is trained in its own order, whichever thread
 * takes it.
 *
 * A cell is shuffled at the start of its round; a round is cut into pieces
 * of about `chunk` positives over all cells, and between pieces, with the
 * helper threads parked, the calling thread sums the losses, runs `serial`
 * (work that may touch any row: the user-user pull), checks for divergence
 * and calls progress, which is thus only ever called from the calling
 * thread.  The helper threads block every signal.  A progress callback
 * that leaves by longjmp leaves them parked (blocked, holding no lock)
 * until the process exits.
 */
typedef struct LpShare
{
	int			epoch;			/* 1-based */
	int			cell;			/* the cell's place in its round, 0 .. C - 1 */
	int			cells;			/* C */
	int64		cell_lo;		/* the cell: order[cell_lo .. cell_lo + cell_len - 1] */
	int64		cell_len;
	int64		step_base;		/* positives of the run before this round */
	int64		round_len;		/* positives in this round, over all threads */
} LpShare;

/* the run-wide step of position p of a share: its place spread over the round */
static inline int64
LpShareStep(const LpShare *sh, int64 p)
{
	return sh->step_base +
		(int64) ((double) (p - sh->cell_lo) * sh->round_len / Max(sh->cell_len, 1));
}

/* a cell's part of a piece: order[lo .. hi-1], with the cell's sampler and stream */
typedef void (*LpShareFn) (void *state, const int64 *order, int64 lo, int64 hi,
						   const LpShare *sh, const LpSamplerState *sampler, LpRng *rng,
						   double *loss);

/* between pieces, on the calling thread: positives done .. now of the epoch */
typedef void (*LpSerialFn) (void *state, int epoch, int64 done, int64 now, LpRng *rng);

/*
 * The threads a run of LpTrain uses for cfg on g: cfg->threads (at most
 * LP_MAX_THREADS) for the dot decoder, else 1.
 */
extern int	LpTrainThreads(const LpGraph *g, const LpTrainConfig *cfg);

/*
 * LpEpochLoop over `threads` threads (>= 2).  order is rearranged into
 * the cells (it holds every entry, as LpTrainBegin leaves it); entry_src
 * is LpTrainBegin's.  LP_TRAIN_NO_THREADS if a thread could not start.
 */
extern LpTrainResult LpEpochLoopParallel(const LpGraph *g, const LpTrainConfig *cfg, int threads,
										 int64 chunk, LpRng *rng, int64 *order,
										 const int32 *entry_src, const LpSamplerState *sampler,
										 LpShareFn fn, LpSerialFn serial, void *state,
										 LpProgressFn progress, void *arg, double *final_loss);

/*
 * order (int64) and entry_src (int32) are n_entries scratch arrays: the
 * per-epoch shuffle of the positives and the source node of each CSR entry.
 */
extern LpTrainResult LpTrain(const LpGraph *g, const LpTrainConfig *cfg,
							 const LpSamplerState *sampler, LpEmbeddings *emb,
							 int64 *order, int32 *entry_src,
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

/* initialise embeddings: N(0, 0.1^2) vectors, zero biases */
extern void LpInitEmbeddings(LpEmbeddings *emb, int32 n_src, int32 n_dst, bool tied,
							 uint64 seed);

#endif
