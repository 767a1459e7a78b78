/*
 * pipeline.h: the training pipeline of one job (pipeline.c), as the
 * training worker (worker.c) runs it.
 */
#ifndef LINKPRED_PIPELINE_H
#define LINKPRED_PIPELINE_H

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
	MemoryContext cxt;
	TimestampTz last_report;
	TimestampTz train_start;
} LpJobRun;

/*
 * Run the job: wait for the model's lock, load, fit, then evaluate, or
 * build the index and store the new version.  The caller has filled in
 * spec, opts (parsed, seed chosen) and cxt, the rest zeroed; its job row
 * is inserted.  Errors are raised to the caller; run->cxt holds the
 * model's arrays until the caller deletes it.
 */
extern void LpRunPipeline(LpJobRun *run);

/* pipeline.c: one fit of opts on g into emb (tune.c runs it per trial) */
extern LpTrainResult LpFitJobModel(LpJobRun *run, const LpGraph *g, const LpOptions *opts,
								   LpTrainConfig *cfg, bool plan_head, const char *phase,
								   LpEmbeddings *emb, LpHead *head, bool *has_head,
								   double *final_loss);

/* pipeline.c: emb measured on split's held-out pairs; g is split's training graph */
extern void LpMeasureSplit(const LpGraph *g, const LpSplit *split, const LpEmbeddings *emb,
						   const LpTrainConfig *cfg, const LpHead *head, int nk, const int *ks,
						   uint64 seed, LpEvalResult *r);

/*
 * tune.c: option "tune": search the encoder's options on a validation part
 * of g, set the winner in run->opts, and return the search's record (JSON
 * text for the version's metrics->'tuning').
 */
extern char *LpTune(LpJobRun *run, const LpGraph *g);

#endif
