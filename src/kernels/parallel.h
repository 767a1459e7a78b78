/*
 * parallel.h: the epoch loop on several threads (parallel.c), for a
 * trainer whose steps, like the matrix factorisation's, touch only the
 * rows of a positive and its negatives.
 *
 * Above the samplers (sampler.h) and the serial loop (epoch.h), under the
 * trainers.  Nothing here calls PostgreSQL.
 */
#ifndef LINKPRED_PARALLEL_H
#define LINKPRED_PARALLEL_H

#include "postgres.h"

#include "epoch.h"
#include "graph.h"
#include "rng.h"
#include "sampler.h"
#include "sgd.h"

/*
 * The epoch loop on several threads.  It cuts the positives into cells
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
 * A cell is put in order at the start of its round: shuffled, or, `how`
 * LP_ORDER_BY_SOURCE, as LpSourceOrder orders an epoch (each source's
 * positives of the cell together, the sources in the epoch's random order,
 * each one's shuffled).  A round is cut into pieces
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
typedef void (*LpShareFn) (void *state, const LpEntry *order, int64 lo, int64 hi,
						   const LpShare *sh, const LpSamplerState *sampler, LpRng *rng,
						   double *loss);

/* between pieces, on the calling thread: positives done .. now of the epoch */
typedef void (*LpSerialFn) (void *state, int epoch, int64 done, int64 now, LpRng *rng);

/*
 * LpEpochLoop over `threads` threads (>= 2).  order is rearranged into
 * the cells (it holds every entry, as LpTrainBegin leaves it); entry_src
 * is LpTrainBegin's.  LP_TRAIN_NO_THREADS if a thread could not start.
 */
extern LpTrainResult LpEpochLoopParallel(const LpGraph *g, const LpTrainConfig *cfg, int threads,
										 int64 chunk, LpEpochOrder how, LpRng *rng, LpEntry *order,
										 const int32 *entry_src, const LpSamplerState *sampler,
										 LpShareFn fn, LpSerialFn serial, void *state,
										 LpProgressFn progress, void *arg, double *final_loss);

#endif
