/*
 * jobfit.h: a job's run state, one fit of its model, and the measurement
 * of a model on a split (jobfit.c): what the pipeline (pipeline.c) and
 * tuning (tune.c) share.
 */
#ifndef LINKPRED_JOBFIT_H
#define LINKPRED_JOBFIT_H

#include "postgres.h"

#include "utils/timestamp.h"

#include "graph.h"
#include "head.h"
#include "jobs.h"
#include "metrics.h"
#include "options.h"
#include "train.h"

/* One job as the worker hands it to the pipeline, and the pipeline's state. */
typedef struct LpJobRun
{
	LpJobSpec  *spec;
	LpOptions	opts;
	int			epochs;			/* epochs to run: opts.epochs, or warm_epochs */
	int32		warm_version;	/* version warm-started from, 0 = cold */
	int32		warm_nodes;		/* nodes that kept their embedding */
	int			threads;		/* threads the fit runs on (linkpred.training_threads) */
	LpSimd		simd;			/* instructions its steps use (linkpred.simd; simd.h) */
	MemoryContext cxt;
	TimestampTz last_report;
	TimestampTz train_start;
} LpJobRun;

/* one fit of opts on g into emb: the stored model (pipeline.c), each trial (tune.c) */
extern LpTrainResult LpFitJobModel(LpJobRun *run, const LpGraph *g, const LpOptions *opts,
								   LpTrainConfig *cfg, bool plan_head, const char *phase,
								   LpEmbeddings *emb, LpHead *head, bool *has_head,
								   double *final_loss);

/* emb measured on split's held-out pairs; g is split's training graph */
extern void LpMeasureSplit(const LpGraph *g, const LpSplit *split, const LpEmbeddings *emb,
						   const LpTrainConfig *cfg, const LpHead *head, int nk, const int *ks,
						   uint64 seed, LpEvalResult *r);

#endif
