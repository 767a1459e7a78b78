/*
 * linkpred.h: what the subsystems share: GUCs, the catalog context that
 * reads and writes linkpred's own tables, and model rows.  Its own file,
 * linkpred.c, is low (every layer above the kernels calls it); the
 * module's entry, _PG_init, is module.c.
 */
#ifndef LINKPRED_H
#define LINKPRED_H

#include "postgres.h"

#include "access/attnum.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "utils/array.h"
#include "utils/elog.h"

#include "head.h"

#define LINKPRED_WORKER_TYPE "linkpred training"
#define LINKPRED_MAX_NAME (NAMEDATALEN - 1)

/* GUCs: the variables are linkpred.c's, module.c registers them */
extern char *linkpred_default_model;
extern int	linkpred_max_memory_kb;
extern int	linkpred_ann_min_items;
extern int	linkpred_ann_probes;
extern int	linkpred_exact_scan_8bit_min_mb;
extern int	linkpred_training_threads;
extern int	linkpred_simd;

/* linkpred.simd's values: may training use the CPU's wide instructions (simd.h) */
typedef enum LpSimdSetting
{
	LP_SIMD_SETTING_AUTO,		/* "on" from LP_AUTO_THREADS_MIN_ENTRIES positives */
	LP_SIMD_SETTING_ON,			/* AVX2 and FMA when the CPU has them */
	LP_SIMD_SETTING_OFF			/* the baseline build's */
} LpSimdSetting;

/* linkpred.simd resolved for a graph of n_entries positives (simd.h's LpSimd) */
extern int	LpResolveSimd(int setting, int64 n_entries);

/* linkpred.training_threads resolved for a graph: 0 = every core, from this many positives */
#define LP_AUTO_THREADS_MIN_ENTRIES 100000
extern int	LpResolveTrainingThreads(int setting, int64 n_entries);

/* a user string cut for an error message (see linkpred.c) */
#define LINKPRED_CLIP_BYTES 64
extern const char *LpClip(const char *s);

/*
 * Bytes a loaded edge entry costs while the graph is built from the load
 * buffer: the buffer's ids (8, with a weight 12, with a time 8 more), the
 * CSR build's scratch (16) and the CSR's own entry (the buffer's less 4).
 * The loader's check while it reads and the memory estimate after both
 * use it (loader.c, memory.c).
 */
static inline double
LpLoadBytesPerEntry(bool weighted, bool timed)
{
	double		per_entry = 8.0 + (weighted ? 4 : 0) + (timed ? 8 : 0);

	return per_entry + 16.0 + (per_entry - 4);
}

/* the error for a training job over linkpred.max_memory (catalog.c) */
extern void LpMemoryOverBudget(const char *when, double need_mb, int budget_kb, const char *detail);

/*
 * Catalog context: linkpred's tables are private to the extension owner.
 * Code that reads or writes them switches to that role and to a search_path
 * of pg_catalog only, runs fixed SQL with $n parameters, and switches back.
 * An ERROR in between is undone by transaction abort.
 */
typedef struct LpCatalogContext
{
	Oid			save_userid;
	int			save_sec_context;
	int			save_nestlevel;
} LpCatalogContext;

extern void LpCatalogEnter(LpCatalogContext *ctx);
extern void LpCatalogLeave(LpCatalogContext *ctx);
extern Oid	LpExtensionOwner(void);
/* the OID of linkpred's pg_extension row: new at each CREATE EXTENSION */
extern Oid	LpCatalogIncarnation(void);
/*
 * ERROR (SQLSTATE 25006, read_only_sql_transaction) on a hot standby: the
 * first call of every SQL function that writes, so it fails up front with a
 * hint to run it on the primary instead of half-way with nextval()'s error
 */
extern void LpRefuseOnStandby(const char *func);

/*
 * Citus (citus.c).  LpCatalogByName: this node reads a copy of a catalog
 * written on its Citus coordinator (a worker after linkpred_citus_setup),
 * so the catalog's references are read by their name copies, not their
 * OIDs.  LpRefuseOnCitusWorker: ERROR (SQLSTATE 0A000) there, for the
 * functions that write the catalog; LpRefuseWrites: that and
 * LpRefuseOnStandby.  LpCitusLocalOnly: the catalog is a Citus table and
 * relid is not, so the workers' copies cannot name it (stored by name
 * only).  LpRoleRefName, LpTypeRefName: the name copy of a
 * role (quoted) and of a type (schema-qualified, quoted), as written next
 * to the OID; a relation's is LpQualifiedRelName's.  LpMissingModelHint:
 * the hint of "model does not exist", which on a Citus worker before the
 * setup says to run linkpred_citus_setup() on the coordinator.
 */
extern bool LpCatalogByName(void);
extern void LpRefuseOnCitusWorker(const char *func);
extern const char *LpMissingModelHint(void);
extern void LpRefuseWrites(const char *func);
extern bool LpCitusLocalOnly(Oid relid);
/* the catalog has the name copies (0.2.0 on; a 0.1.0 catalog has not) */
extern bool LpCatalogHasNameCopies(void);
extern char *LpRoleRefName(Oid roleid);
extern char *LpTypeRefName(Oid typid);

/* schema-qualified, quoted name of a relation, for messages and SQL; NULL if it no longer exists */
extern char *LpQualifiedRelName(Oid relid);

/*
 * A column of relid by exact name, checked to exist and to be readable
 * (table or column SELECT privilege) by the current role; its type in
 * *typid.  argname names the SQL argument in messages.
 */
extern AttrNumber LpCheckColumn(Oid relid, const char *argname, const char *column, Oid *typid);

/*
 * Every foreign table relid reads through (itself, or a partition or child at
 * any depth) has a user mapping for the current role or PUBLIC where its
 * server needs one: an ERROR with the CREATE USER MAPPING to run otherwise,
 * before a job starts or a read fails with the wrapper's terser message.
 */
extern void LpCheckUserMappings(Oid relid);

/*
 * palloc in the current context for arrays that may pass 1 GB; and p grown
 * to n bytes that way (allocated if p is NULL).  linkpred.c.
 */
extern void *LpPallocHuge(Size n);
extern void *LpGrowHuge(void *p, Size n);

/*
 * Give the pages wholly inside bytes [from, to) of the array at p back to
 * the operating system (madvise MADV_DONTNEED) while the array stays
 * allocated: for an array read front to back once more before it is freed
 * (the store writing a side's vectors), so that its read part stops
 * counting in the worker's memory.  A page touched again reads as zeros:
 * only for bytes nobody reads again.  A no-op where madvise is missing.
 */
extern void LpReleasePages(void *p, Size from, Size to);

/*
 * Ask for transparent huge pages (madvise MADV_HUGEPAGE) for the n bytes
 * at p, just allocated and not yet touched: for the training arrays the
 * SGD reads at random (the vectors, the edges' targets, the shuffle),
 * where 4 kB pages cost a page-table walk on most reads.  Only arrays of
 * at least LP_HUGE_PAGES_MIN bytes; a hint: the same contents either way,
 * and a no-op where the system has no huge pages or madvise.
 */
#define LP_HUGE_PAGES_MIN (8 * 1024 * 1024)
extern void LpAdviseHugePages(void *p, Size n);

/* v[0 .. n-1] as a real[] */
extern ArrayType *LpFloatArray(const float *v, int n);

/* Run SQL through SPI (caller connected); errors if the result is not ok. */
extern int	LpSpiExec(const char *sql, int nargs, Oid *types, Datum *values,
					  const char *nulls, bool read_only);

/*
 * fn(arg, row, desc) for every row of an open cursor, fetched batch rows at
 * a time (each batch freed after, interrupts checked between); then the
 * cursor is closed.
 */
typedef void (*LpSpiRowFn) (void *arg, HeapTuple tup, TupleDesc desc);
extern void LpSpiEachRow(Portal portal, long batch, LpSpiRowFn fn, void *arg);

/*
 * LpSpiEachRow with fn run in a batch context, a child of cxt reset after
 * each batch: what fn allocates for a row lasts for its batch; fn switches
 * to cxt for what must stay.  cxt is current again at the end.  Pass the
 * context current before the cursor was opened: SPI's calls leave its own
 * context current.
 */
extern void LpSpiEachRowBatched(Portal portal, long batch, LpSpiRowFn fn, void *arg,
								MemoryContext cxt);

/* LpSpiExec with $1 = a model's name (text), and $2 = a version (int4) */
extern int	LpSpiExecModel(const char *sql, const char *model, bool read_only);
extern int	LpSpiExecVersion(const char *sql, const char *model, int32 version, bool read_only);

/*
 * A background worker's short transaction: begin (SPI connected, snapshot
 * pushed, activity shown in pg_stat_activity if not NULL) and commit.
 */
extern void LpBeginTx(const char *activity);
extern void LpEndTx(void);

/* A model's catalog row and its active version (catalog.c). */
typedef struct LpModelRow
{
	Oid			owner;
	int32		active_version; /* 0: none */
	Oid			source;
	char		src_column[NAMEDATALEN];
	char		dst_column[NAMEDATALEN];
	char		weight_column[NAMEDATALEN]; /* "" = unweighted */
	Oid			user_type;
	Oid			item_type;
	int64		job_id;			/* the active version's, identifies it */
	int			dim;
	int64		n_users;
	int64		n_items;
	char	   *options;		/* the active version's options (jsonb text), or NULL */
	bool		has_head;		/* the version has a structural decoder head */
	LpHead		head;
	int			head_format;	/* the features it was fitted on (head.h) */
} LpModelRow;

/*
 * Read model name (caller connected to SPI; options copied to the
 * transaction's context), locking its row if lock.  A missing model is an
 * error unless missing_ok (then false).  No access check: callers say in
 * their own words what the caller may not do.
 */
extern bool LpReadModel(const char *name, bool lock, bool missing_ok, LpModelRow *row);

/* whether model still has the version trained by job (connects to SPI itself) */
extern bool LpJobVersionExists(const char *model, int64 job_id);

/*
 * The model's active version if a warm start can continue from it (same
 * dimension, graph kind and key types), else 0 (caller connected to SPI, in
 * the catalog context).
 */
extern int32 LpWarmStartVersion(const char *model, int dim, bool bipartite, bool directed,
								Oid user_type, Oid item_type);

/* Record a stored version's peak memory and storing time in its metrics (caller connected). */
extern void LpVersionSetStoreMetrics(const char *model, int32 version, double peak_rss_mb,
									 double store_seconds);

/*
 * The models role may use, counted up to 2; when exactly one, its name in
 * *only (in the transaction's context).  Caller connected; enters the
 * catalog context itself.
 */
extern uint64 LpUsableModels(Oid role, char **only);

/*
 * A version's decoder weights (version_catalog.decoder) or top-k index
 * (.ann); *isnull if the row or the value is missing.  The datum lives in
 * SPI_tuptable.  Caller connected, in the catalog context.
 */
extern Datum LpVersionDecoder(const char *model, int32 version, bool *isnull);
extern Datum LpVersionAnn(const char *model, int32 version, bool *isnull);

/*
 * linkpred_activate's and linkpred_drop's statements (caller connected, in
 * the catalog context): whether a version exists, the stored versions as
 * a list for a message, make a version the active one with its
 * description, delete the model's row.
 */
extern bool LpVersionExists(const char *model, int32 version);
extern char *LpVersionList(const char *model);
extern void LpActivateVersion(const char *model, int32 version);
extern void LpDeleteModelRow(const char *model);

/* Record an evaluation result under metrics->'evaluation'->method (caller connected). */
extern void LpVersionSetEvaluation(const char *model, int32 version, const char *method,
								   const char *json);

/*
 * a structural head as stored (real[]: means, scales, weights, bias,
 * format); *format: the features it was fitted on, head.h's
 * LP_HEAD_FORMAT or 1 (stored by 0.1.0, which wrote no format)
 */
extern Datum LpHeadToDatum(const LpHead *h);
extern bool LpHeadFromDatum(Datum d, bool isnull, LpHead *h, int *format);

/* jobs.c: wait for a job and report its outcome to the caller */
extern char *LpWaitForJob(int64 job_id, int64 timeout_ms, bool cancel_on_interrupt);

/* evaluate.c: an evaluation result as the jsonb stored with a version */
struct LpEvalResult;
extern char *LpEvalResultJson(const struct LpEvalResult *r, const char *test,
							  const char *method, const char *extra);

/* blas.c: OpenBLAS threads of this process; the cores OpenBLAS sees */
extern void LpSetBlasThreads(int n);
extern int	LpBlasCores(void);

#endif
