/*
 * store.h: writing a trained model version to linkpred's tables.
 */
#ifndef LINKPRED_STORE_H
#define LINKPRED_STORE_H

#include "postgres.h"

#include "graph.h"
#include "options.h"
#include "train.h"

typedef struct LpStoreRequest
{
	int64		job_id;
	const char *model;
	Oid			owner;
	Oid			relid;
	const char *src_column;
	const char *dst_column;
	const char *weight_column;
	const LpOptions *opts;
	const LpLoadedGraph *loaded;
	const LpEmbeddings *emb;
	double		final_loss;
	double		train_seconds;
	double		peak_rss_mb;	/* the worker's high-water mark, or < 0 if unknown */
	int			epochs_run;
	int32		warm_version;	/* warm-started from this version, 0 = cold */
	int32		warm_nodes;
	const LpHead *head;			/* structural decoder head, or NULL */
	/* the approximate top-k index (ann.h) of the items, or NULL */
	const void *ann;
	Size		ann_size;		/* bytes, at most MaxAllocSize - VARHDRSZ */
	int32		ann_lists;		/* its inverted lists */
	int32		ann_probes;		/* lists it probes by default */
	double		ann_build_seconds;
	const char *ann_skipped;	/* why a wanted index was not built, or NULL */
} LpStoreRequest;

/*
 * Insert the version, its embeddings, activate it, prune old versions and
 * mark the job done, in the caller's transaction (SPI connected).  Returns
 * the new version number.
 */
extern int32 LpStoreVersion(const LpStoreRequest *req);

#endif
