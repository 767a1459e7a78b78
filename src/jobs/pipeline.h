/*
 * pipeline.h: the training pipeline of one job (pipeline.c), as the
 * training worker (worker.c) runs it.  The job's state, LpJobRun, is
 * jobfit.h's: the fit and tuning below the pipeline share it.
 */
#ifndef LINKPRED_PIPELINE_H
#define LINKPRED_PIPELINE_H

#include "postgres.h"

#include "jobfit.h"

/*
 * Run the job: wait for the model's lock, load, fit, then evaluate, or
 * build the index and store the new version.  The caller has filled in
 * spec, opts (parsed, seed chosen) and cxt, the rest zeroed; its job row
 * is inserted.  Errors are raised to the caller; run->cxt holds the
 * model's arrays until the caller deletes it.
 */
extern void LpRunPipeline(LpJobRun *run);

#endif
