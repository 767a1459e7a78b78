/*
 * store.h: linkpred.embedding_store: writing a trained model version to
 * linkpred's tables, reading a version's embedding rows back.
 */
#ifndef LINKPRED_STORE_H
#define LINKPRED_STORE_H

#include "postgres.h"

#include "utils/array.h"

#include "graph.h"
#include "options.h"
#include "train.h"

/*
 * Nodes per row of linkpred.embedding_store (store.c); the upgrade from
 * 0.1.0 (sql/linkpred--0.1.0--0.2.0.sql) groups old rows by the same number.
 */
#define LP_STORE_CHUNK 1024

/*
 * The buckets a bipartite version's users are stored in (store.c) when its
 * 'u' rows have nodes: a user's bucket is its key's slice of this many
 * (LpKeyMapShard, LpShardOfDatum).  Stored versions depend on it: never
 * change it.
 */
static inline int32
LpStoreUserBuckets(int64 n_users)
{
	return (int32) Max(1, (n_users + LP_STORE_CHUNK - 1) / LP_STORE_CHUNK);
}

typedef struct LpStoreRequest
{
	int64		job_id;
	const char *model;
	Oid			owner;
	const LpEdgeSource *source; /* the relation and columns trained from */
	const LpOptions *opts;
	const LpLoadedGraph *loaded;
	const LpEmbeddings *emb;
	double		final_loss;
	double		train_seconds;
	double		load_seconds;	/* reading the relations into the graph */
	double		memory_estimate_mb; /* what linkpred.max_memory was checked against */
	double		peak_rss_mb;	/* the worker's high-water mark, or < 0 if unknown */
	int			epochs_run;
	int			training_threads;	/* threads the fit ran on */
	const char *simd;			/* the instruction set its steps used (LpSimdName) */
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
	const char *ann_calibration;	/* its default effort's calibration (JSON), or NULL */
	const char *tuning;			/* option "tune": the search's record (JSON), or NULL */

	/*
	 * Called after each batch of a side's rows is written ('u', 'i' or 'n';
	 * rows first .. end - 1 of the side, end = the side's nodes after its
	 * last batch), or NULL: the caller may release what only those rows
	 * needed (their vectors, the users' seen lists), which lowers the peak
	 * of the storing phase.  The store reads a side's arrays front to back
	 * and never again after its last batch.
	 */
	void		(*rows_written) (void *arg, char side, int32 first, int32 end);
	void	   *rows_written_arg;
} LpStoreRequest;

/*
 * Insert the version, its embeddings, activate it, prune old versions and
 * mark the job done, in the caller's transaction (SPI connected).  Returns
 * the new version number.
 */
extern int32 LpStoreVersion(const LpStoreRequest *req);

/* One node of a stored chunk as LpStoreReadEmbeddings hands it over. */
typedef struct LpStoredRow
{
	char		side;			/* 'u' user, 'i' item, 'n' node of a tied graph */
	int32		chunk;			/* its row's idx: the chunk's first node, or the bucket */
	int32		idx;			/* full reads only, else -1 */
	char	   *key;			/* the node's key as text */
	int32		degree;			/* full reads only */
	float		bias;
	const float *vec;			/* NULL: not read (LpStoreReadItemsWithoutVectors) */
	int			vec_len;		/* -1: not a one-dimensional array without NULLs */
	const int32 *seen;			/* full reads only: the user's training items, or NULL */
	int			n_seen;
} LpStoredRow;

typedef void (*LpStoredRowFn) (void *arg, const LpStoredRow *row);

/*
 * Call fn for every node of a model version, read chunk by chunk through
 * a cursor (caller connected to SPI and in the catalog context).  full:
 * also idx and seen, nodes in (side, idx) order; else no order.  What the
 * row points to is valid only during the call; interrupts are checked
 * between batches of chunks.  A damaged chunk is handed as one row with
 * vec_len -1.
 */
extern void LpStoreReadEmbeddings(const char *model, int32 version, bool full,
								  LpStoredRowFn fn, void *arg);

/*
 * The same full read of one side's chunks only, in idx order (a bucketed
 * user side: bucket by bucket, row.idx each user's index); and of one
 * bucket of users (none when it is empty).  A chunked store only.
 */
extern void LpStoreReadSide(const char *model, int32 version, char side,
							LpStoredRowFn fn, void *arg);
extern void LpStoreReadUserBucket(const char *model, int32 version, int32 bucket,
								  LpStoredRowFn fn, void *arg);
/*
 * Serving's lazy items (serve/cache_load.c): the item side's full read
 * without the vectors (rows with vec NULL), and then the vectors of some
 * items, each read as a slice of its chunk's array (see store_read.c).
 */
extern void LpStoreReadItemsWithoutVectors(const char *model, int32 version,
										   LpStoredRowFn fn, void *arg);
extern bool LpStoreReadItemVectors(const char *model, int32 version, int dim, int32 n_items,
								   const int32 *first, int32 n_chunks, const int32 *items,
								   int n, float *V);

/* Whether a version's users are stored in buckets (store.c). */
extern bool LpStoreUsersBucketed(const char *model, int32 version);

/*
 * Whether linkpred.embedding_store holds chunks (0.2.0), not a row per node
 * (a 0.1.0 catalog before its update).
 */
extern bool LpStoreChunked(void);

/* Delete every embedding row of a model (caller in the catalog context). */
extern void LpStoreDropModel(const char *model);

#endif
