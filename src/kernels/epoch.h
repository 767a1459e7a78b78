/*
 * epoch.h: the epoch loop every SGD trainer runs (mf, lightgcn, sage, the
 * MLP decoder) on one thread, its start, and the user-user pull (option
 * user_edges) the trainers run between batches.
 *
 * Above the random numbers (rng.h) and the training's types (sgd.h); the
 * parallel loop (parallel.h) and the trainers call it.  Nothing here calls
 * PostgreSQL: the caller's progress callback is the only way out mid-run,
 * and it is called between batches, never inside one.
 */
#ifndef LINKPRED_EPOCH_H
#define LINKPRED_EPOCH_H

#include "postgres.h"

#include "graph.h"
#include "rng.h"
#include "sgd.h"

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
 * The second relation (option user_edges), after the positives start ..
 * end - 1 of an epoch: a pull of U's linked users toward each other, as
 * many links as is their share of the epoch.  U is n_src x dim.
 */
extern void LpLinkPull(const LpGraph *g, const LpTrainConfig *cfg, float *U, float lr,
					   int64 start, int64 end, LpRng *rng);

/* entry_src[e] = the source node of CSR entry e (n_entries of them) */
extern void LpEntrySources(const LpGraph *g, int32 *entry_src);

/*
 * Every trainer's start: rng seeded from cfg->seed, entry_src filled,
 * order the identity over the n_entries positives (shuffled per epoch).
 */
extern void LpTrainBegin(const LpGraph *g, const LpTrainConfig *cfg, LpRng *rng, LpEntry *order,
						 int32 *entry_src);

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
typedef void (*LpBatchFn) (void *state, const LpEntry *order, const LpBatch *b, LpRng *rng,
						   double *loss);

/* the order of an epoch's positives */
typedef enum LpEpochOrder
{
	LP_ORDER_SHUFFLED,			/* all of them in a fresh random order */
	LP_ORDER_BY_SOURCE			/* LpSourceOrder's */
} LpEpochOrder;

/*
 * order = every positive, each source's together: the sources in a fresh
 * random order (LpAffinePerm), each one's positives shuffled among
 * themselves.  A step reads and writes its source's row and neighbour
 * list, which stay in the cache for the source's next positives, where a
 * shuffle of all positives misses on them at almost every step.
 */
extern void LpSourceOrder(const LpGraph *g, LpEntry *order, LpRng *rng);

/*
 * The epoch loop: cfg->epochs passes over g's n_entries positives, each in
 * a fresh order of `how` (drawn from rng), cut into batches of `batch`
 * positives.  After each batch it checks the epoch's loss for divergence
 * and reports progress; the callback's false stops the run.  *final_loss
 * is the mean loss of the last finished epoch.  The trainer seeds rng and
 * fills order before (LpTrainBegin).
 */
extern LpTrainResult LpEpochLoop(const LpGraph *g, const LpTrainConfig *cfg, int64 batch,
								 LpEpochOrder how, LpRng *rng, LpEntry *order, LpBatchFn fn,
								 void *state, LpProgressFn progress, void *arg,
								 double *final_loss);

#endif
