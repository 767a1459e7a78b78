/*
 * ann.h: an approximate top-k index over a model's items, for catalogs too
 * large for the exact scan (one sgemv over every item, src/topk.c) to answer
 * in time.  Pure C: no palloc, no ereport; plain malloc inside the build.
 *
 * score(u, i) = U[u] . V[i] + bv[i]: maximum inner product search with a
 * bias, on items [V[i], bv[i]] and queries [u, 1].  The method (inverted
 * lists with 4-bit residual codes and an exact re-rank) and the measurements
 * that chose it are described at the top of ann.c.
 *
 * The index is one contiguous, position-independent blob (offsets, never
 * pointers), to be stored in a bytea and mapped read-only into shared
 * memory.  It starts 4-byte aligned (any palloc'd or VARDATA address is).
 * It is in the machine's byte order: one from another architecture fails
 * LpAnnValid and must be rebuilt.  It holds no vectors: a search re-scores its candidates from the caller's
 * V and bv, which must be the ones the blob was built from.
 *
 *	blob = LpAnnBuild(V, bv, n, dim, &params, seed, &size);	-- free() it
 *	if (!LpAnnValid(blob, size, n, dim)) ...				-- read back from disk
 *	scratch = LpAnnScratchInit(palloc(LpAnnScratchSize(blob, k)), blob, k);
 *	found = LpAnnSearch(blob, V, bv, q, k, 0, accept, arg, items, scores, scratch);
 *
 * bv may be NULL (no biases), at build and search alike.  A search does no
 * allocation, calls cblas_sgemv once (run BLAS single-threaded in backends)
 * and never writes the blob, so any number of backends may share one.
 *
 * Costs at 1M x 64 (bench/RESULTS-ann.md): blob 40 MB (about 40 bytes per
 * item); build 25-45 s on 2 cores and 90 MB besides V; a top-10 search at
 * the build's default effort 1.2-1.35 ms, recall@10 0.97 on random Gaussian
 * items and 1.00 on clustered ones, where the exact scan takes 24 ms.
 * LpAnnCalibrate then lowers that default to what sample queries need: 40
 * to 69 lists instead of about 1,600 on trained models, 0.2-0.3 ms from SQL
 * (bench/RESULTS-ann-calibrated.md).  The fast scan
 * needs AVX2 (most x86-64 CPUs since 2013); elsewhere a portable kernel gives the same
 * results 20 times slower, no faster than the exact scan: use exact search
 * when LpAnnUseSimd(true) returns false.
 */
#ifndef LINKPRED_ANN_H
#define LINKPRED_ANN_H

#include "postgres.h"

/*
 * The scan sums dim + 1 table entries in 16 bits, so the entries get
 * coarser as dim grows (255 levels up to dim 127, 31 at 1024); linkpred's
 * largest dim is 1024 too.
 */
#define LP_ANN_MAX_DIM 1024

/* build parameters; LpAnnDefaultParams() gives the defaults noted here */
typedef struct LpAnnParams
{
	int32		list_size;		/* items per inverted list, on average: 256 */
	int32		nlist;			/* inverted lists; 0: n / list_size */
	double		probe_fraction; /* lists probed by default, as a share: 0.4 */
	int32		min_scan;		/* and at least enough for this many items: 262144 */
	float		query_scale;	/* typical size of a query coordinate (RMS of U),
								 * which the bias is weighed against; 0: the RMS
								 * of V, which training keeps close */
	int32		rerank;			/* candidates re-scored exactly per result: 20
								 * (and 64 at the least) */
	int32		sample_per_list;	/* k-means training items per list: 64 */
	int32		iterations;		/* k-means iterations: 10 */
	/*
	 * Asked between blocks of the build's matrix products, from the calling
	 * thread (BLAS idle), so a long build can be cancelled: false stops it
	 * and LpAnnBuild returns NULL.  NULL (the default): never asked.
	 */
	bool		(*keep_going) (void *arg);
	void	   *keep_going_arg;
} LpAnnParams;

/* the blob starts with this header (defined in ann_internal.h) */
typedef struct LpAnnBlob LpAnnBlob;

/* per-backend search memory, made by LpAnnScratchInit */
typedef struct LpAnnScratch LpAnnScratch;

/* search filter: false skips the item, which then does not count towards k */
typedef bool (*LpAnnAccept) (int32 item, void *arg);

extern LpAnnParams LpAnnDefaultParams(void);

/*
 * Build the index of n items (V: n x dim, row-major; bv: n or NULL) with
 * params (NULL: the defaults).  Run BLAS with every core: the k-means is
 * sgemm.  The seed fixes the k-means sample and initialisation: same input, seed and
 * BLAS library give the same blob.  Returns a malloc'd blob of *blob_size
 * bytes, or NULL when out of memory, when params->keep_going said to stop,
 * when dim is outside 1 ..
 * LP_ANN_MAX_DIM or when the blob would pass 4 GB (a bytea holds 1 GB: about
 * 25 million items at dim 64).  n may be 0.
 */
extern LpAnnBlob *LpAnnBuild(const float *V, const float *bv, int32 n, int dim,
							 const LpAnnParams *params, uint64 seed, Size *blob_size);

/*
 * Whether size bytes at blob are an intact index of n items of dimension dim
 * from this version of the code: header, layout, CRC-32C of the contents and
 * every item id in range.  O(size).
 */
extern bool LpAnnValid(const void *blob, Size size, int32 n, int dim);

/* the lists probed when effort is 0, and how many lists there are */
extern int32 LpAnnDefaultEffort(const void *blob);
extern int32 LpAnnListCount(const void *blob);

/*
 * Search memory for k up to max_k on this blob (or any blob of the same n,
 * dim and build parameters): LpAnnScratchSize bytes, then LpAnnScratchInit
 * on that memory, which must be 8-byte aligned (malloc and palloc are).
 */
extern Size LpAnnScratchSize(const void *blob, int max_k);
extern LpAnnScratch *LpAnnScratchInit(void *mem, const void *blob, int max_k);

/*
 * The (at most) k best accepted items for query q (dim floats, the user's
 * vector; its bias is left out, as it shifts every score alike), best first,
 * into out_items and out_scores (may be NULL), with exact scores
 * q . V[i] + bv[i].  Equal scores rank the lower item first.  effort is the
 * number of lists probed (0 or less: the blob's default,
 * LpAnnDefaultEffort).  While fewer than k items were accepted, the next
 * effort lists are probed too, up to all of them, so a search returns
 * min(k, accepted items) results; a filter that accepts few items makes the
 * search scan more (and call accept once per item scanned until k are
 * found).  accept may be NULL (everything accepted).  Returns the number of
 * results, or -1 when scratch was made for a smaller k or a blob of another
 * shape.
 */
extern int	LpAnnSearch(const void *blob, const float *V, const float *bv, const float *q,
						int k, int effort, LpAnnAccept accept, void *accept_arg,
						int32 *out_items, float *out_scores, LpAnnScratch *scratch);

/*
 * LpAnnSearch in its two steps, for a caller that holds only some of V
 * (serving's lazy items): LpAnnCandidates scans the codes, without V, and
 * keeps in scratch the candidates the re-rank will score (at most
 * LpAnnCandidateCount(blob, k) of them; their items into out_items when not
 * NULL); LpAnnRerank then scores them exactly from V and bv, which need
 * hold only those items, and returns what LpAnnSearch would.  Each returns
 * -1 as LpAnnSearch does.
 */
extern int	LpAnnCandidateCount(const void *blob, int k);
extern int	LpAnnCandidates(const void *blob, const float *q, int k, int effort,
							LpAnnAccept accept, void *accept_arg, int32 *out_items,
							LpAnnScratch *scratch);
extern int	LpAnnRerank(const void *blob, const float *V, const float *bv, const float *q,
						int k, int32 *out_items, float *out_scores, LpAnnScratch *scratch);

/*
 * Calibration (ann_calibrate.c): the blob's default effort chosen on sample
 * queries, the smallest whose mean recall@k against their exact top k
 * reaches a target, between a floor and the build's default (the ceiling:
 * calibration only lowers it).  Query t is the vector Q[t] (a user's, as
 * serving searches with it) and leaves out what serving leaves out: items
 * seen[seen_start[t] .. seen_start[t + 1]) (ascending; seen_start NULL:
 * none) and item self[t] (-1 or self NULL: none).
 */
typedef struct LpAnnQueries
{
	int32		n;
	const float *Q;				/* n x dim */
	const int64 *seen_start;	/* n + 1, or NULL */
	const int32 *seen;
	const int32 *self;			/* n, or NULL */
} LpAnnQueries;

typedef struct LpAnnCalibration
{
	/* in: LpAnnDefaultCalibration() gives the defaults noted here */
	double		target;			/* mean recall@k to reach: 0.99 */
	int			k;				/* 10 */
	int32		min_scan;		/* the floor probes at least this many items' worth: 8192 */
	bool		(*keep_going) (void *arg);	/* as LpAnnParams' (NULL: never asked) */
	void	   *keep_going_arg;
	/* out */
	int32		ceiling;		/* the blob's default effort before */
	int32		floor;			/* the lowest effort considered */
	int32		effort;			/* the chosen one, now the blob's default */
	double		recall;			/* mean recall@k measured at effort (NaN: not calibrated) */
	int			searches;		/* efforts measured, each over every query */
} LpAnnCalibration;

#define LP_ANN_CALIBRATED			1
#define LP_ANN_CALIBRATE_STOPPED	0	/* keep_going said to stop */
#define LP_ANN_CALIBRATE_FAILED		(-1)	/* out of memory or no queries */

extern LpAnnCalibration LpAnnDefaultCalibration(void);

/*
 * Calibrate blob (built from V, bv by LpAnnBuild) on the queries q, with
 * cal's inputs; fills cal's outputs.  On LP_ANN_CALIBRATED the blob's
 * default effort is cal->effort and its checksum is updated; otherwise the
 * blob is unchanged.  Computes every query's exact top k by sgemm (run BLAS
 * with every core, as for the build), then searches on one thread.
 * Deterministic: the same blob, vectors and queries give the same effort.
 */
extern int	LpAnnCalibrate(LpAnnBlob *blob, const float *V, const float *bv,
						   const LpAnnQueries *q, LpAnnCalibration *cal);

/*
 * Use the AVX2 scan kernel when the CPU has it (the default) or the portable
 * one; both compute the same integers, so results do not change.  Returns
 * whether AVX2 is now in use.  For tests and benchmarks.
 */
extern bool LpAnnUseSimd(bool enable);

#endif
