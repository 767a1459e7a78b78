/*
 * jobindex.h: the approximate top-k index of a training job's items
 * (jobindex.c): its build and the calibration of its default effort on the
 * model's users, between the fit and the store (pipeline.c).
 */
#ifndef LINKPRED_JOBINDEX_H
#define LINKPRED_JOBINDEX_H

#include "postgres.h"

#include "graph.h"
#include "jobfit.h"
#include "sgd.h"
#include "store.h"

/*
 * Build the index over emb's final item vectors into req (blob malloc'd:
 * the caller frees it after storing), its default effort calibrated on a
 * sample of g's users; or say in req why the version has none.  A cancel
 * is raised as an ERROR.
 */
extern void LpBuildJobIndex(LpJobRun *run, const LpGraph *g, const LpEmbeddings *emb,
							LpStoreRequest *req);

#endif
