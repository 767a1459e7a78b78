/*
 * linkpred.h: what the subsystems share: GUCs, the catalog context that
 * reads and writes linkpred's own tables, and model rows.
 */
#ifndef LINKPRED_H
#define LINKPRED_H

#include "postgres.h"

#include "access/attnum.h"
#include "fmgr.h"
#include "utils/elog.h"

#include "head.h"

#define LINKPRED_WORKER_TYPE "linkpred training"
#define LINKPRED_MAX_NAME (NAMEDATALEN - 1)

/* GUCs (linkpred.c) */
extern char *linkpred_default_model;
extern int	linkpred_max_memory_kb;
extern int	linkpred_ann_min_items;
extern int	linkpred_ann_probes;

/* the error for a training job over linkpred.max_memory */
/* a user string cut for an error message (see linkpred.c) */
#define LINKPRED_CLIP_BYTES 64
extern const char *LpClip(const char *s);
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

/* schema-qualified, quoted name of a relation, for messages and SQL; NULL if it no longer exists */
extern char *LpQualifiedRelName(Oid relid);

/*
 * A column of relid by exact name, checked to exist and to be readable
 * (table or column SELECT privilege) by the current role; its type in
 * *typid.  argname names the SQL argument in messages.
 */
extern AttrNumber LpCheckColumn(Oid relid, const char *argname, const char *column, Oid *typid);

/* Run SQL through SPI (caller connected); errors if the result is not ok. */
extern int	LpSpiExec(const char *sql, int nargs, Oid *types, Datum *values,
					  const char *nulls, bool read_only);

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
} LpModelRow;

/*
 * Read model name (caller connected to SPI; options copied to the
 * transaction's context), locking its row if lock.  A missing model is an
 * error unless missing_ok (then false).  No access check: callers say in
 * their own words what the caller may not do.
 */
extern bool LpReadModel(const char *name, bool lock, bool missing_ok, LpModelRow *row);

/*
 * The model's active version if a warm start can continue from it (same
 * dimension, graph kind and key types), else 0 (caller connected to SPI, in
 * the catalog context).
 */
extern int32 LpWarmStartVersion(const char *model, int dim, bool bipartite, bool directed,
								Oid user_type, Oid item_type);

/* Record a stored version's peak memory in its metrics (caller connected). */
extern void LpVersionSetPeakRss(const char *model, int32 version, double peak_rss_mb);

/* a structural head as stored (real[]: means, scales, weights, bias) */
extern Datum LpHeadToDatum(const LpHead *h);
extern bool LpHeadFromDatum(Datum d, bool isnull, LpHead *h);

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
