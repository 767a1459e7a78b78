/*
 * memory.h: what a training job's worker will hold at its peak, for
 * linkpred.max_memory and the version's "memory_estimate_mb" (memory.c).
 */
#ifndef LINKPRED_MEMORY_H
#define LINKPRED_MEMORY_H

#include "postgres.h"

#include "graph.h"
#include "model.h"
#include "options.h"

/*
 * The worker's cost before it reads a row: the server's and linkpred's code
 * and libraries mapped in, the catalog caches, the memory contexts of a
 * backend (measured: a worker that trains a 1,000-edge graph peaks near it).
 */
#define LP_WORKER_FIXED_BYTES (32.0 * 1024 * 1024)

/* what the estimate adds up, each in bytes */
typedef struct LpMemoryEstimate
{
	double		fixed;			/* LP_WORKER_FIXED_BYTES */
	double		shared;			/* shared buffers the scan of the edges maps in */
	double		load;			/* reading: the edge buffer, the CSR build, the ids */
	double		fit;			/* training: graph, vectors, sampling, work space */
	double		store;			/* storing: graph, vectors, ids, index, rows written */
	double		total;			/* fixed + shared + the largest of the three phases */
	/* the training phase's parts, for the refusal's detail */
	double		graph;
	double		emb;
	double		sampling;
	double		ids;
	double		extra;			/* evaluation, index, head, encoder's and decoder's work */
} LpMemoryEstimate;

/* what the job trains: its graph, the loaded one around it, its options */
typedef struct LpMemoryInput
{
	const LpLoadedGraph *loaded;
	const LpGraph *g;			/* what trains: loaded's, or a holdout's part */
	const LpOptions *opts;
	const LpTrainConfig *cfg;
	bool		head;			/* the structural head is fitted */
	bool		index;			/* the approximate top-k index is built */
	bool		holdout;		/* an evaluation: measured, not stored */
	double		scan_shared;	/* LpScanSharedBytes of the edges' relation */
} LpMemoryInput;

/*
 * Bytes of shared buffers a full scan of relid (and its partitions) can map
 * into the worker: the relations' size, at most shared_buffers.  In a
 * transaction.
 */
extern double LpScanSharedBytes(Oid relid);

/*
 * The worker's memory at the end of a phase (VmRSS, VmHWM, RssAnon,
 * RssShmem from /proc, and what its memory contexts hold), logged at DEBUG1.
 */
extern void LpLogMemory(int64 job_id, const char *phase);

/* the estimate of in's job */
extern void LpEstimateMemory(const LpMemoryInput *in, LpMemoryEstimate *est);

/* whether est is within budget_kb (0: no limit) */
extern bool LpMemoryWithin(const LpMemoryEstimate *est, int budget_kb);

/* refuse (ERROR) when est is over budget_kb (0: no limit) */
extern void LpCheckMemory(const LpMemoryEstimate *est, int budget_kb, int32 n_vectors, int dim);

#endif
