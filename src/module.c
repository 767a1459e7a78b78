/*
 * module.c: the module's entry: PG_MODULE_MAGIC and _PG_init, which
 * registers the builtin encoders and the linkpred.* settings (their
 * variables are linkpred.c's, read by every layer) and sets OpenBLAS's
 * threads.  Nothing calls into this file; it calls down into every layer
 * that has something to set up when the library loads.
 *
 * The library needs no shared_preload_libraries entry: training workers are
 * dynamic background workers and serving caches are per backend.  With the
 * entry, serving shares one copy of each model version among all backends
 * (shared_cache.c, which asks for its shared memory here).  Query backends
 * run OpenBLAS single-threaded (see POSTGRES-NOTES: each backend would
 * otherwise start a pool of nproc threads).
 */
#include "postgres.h"

#include <limits.h>

#include "fmgr.h"
#include "miscadmin.h"
#include "utils/guc.h"

#include "decoder.h"
#include "linkpred.h"
#include "model.h"
#include "shared_cache.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

/*
 * OpenBLAS's pthread build starts its thread pool when the library loads.
 * In the postmaster (shared_preload_libraries) those threads would live on
 * in a process that must stay single-threaded; stop them.  Weak: another
 * BLAS without this entry point simply has no pool to stop.  A process
 * that raises the thread count later gets a new pool then.
 */
extern int	blas_thread_shutdown_(void) __attribute__((weak));

static const struct config_enum_entry SimdOptions[] = {
	{"auto", LP_SIMD_SETTING_AUTO, false},
	{"on", LP_SIMD_SETTING_ON, false},
	{"off", LP_SIMD_SETTING_OFF, false},
	{NULL, 0, false}
};

void
_PG_init(void)
{
	LpRegisterBuiltinEncoders();
	LpRegisterBuiltinDecoders();
	DefineCustomStringVariable("linkpred.model",
							   "Model used by linkpred_score and linkpred_topk when a call names none.",
							   "Empty means: the only model you can use.",
							   &linkpred_default_model,
							   "",
							   PGC_USERSET,
							   0,
							   NULL, NULL, NULL);
	DefineCustomIntVariable("linkpred.max_memory",
							"Most memory a training job may use.",
							"Checked while edges load and before training starts; 0 means no limit.",
							&linkpred_max_memory_kb,
							4 * 1024 * 1024, 0, INT_MAX,
							PGC_SUSET,
							GUC_UNIT_KB,
							NULL, NULL, NULL);
	DefineCustomIntVariable("linkpred.shared_cache_size",
							"Most shared memory for model versions served from one shared copy.",
							"Used only with linkpred in shared_preload_libraries; 0 turns the shared cache off.",
							&linkpred_shared_cache_kb,
							1024 * 1024, 0, INT_MAX,
							PGC_SIGHUP,
							GUC_UNIT_KB,
							NULL, NULL, NULL);
	DefineCustomBoolVariable("linkpred.publish_on_store",
							 "After storing a version, the training worker loads it into the shared cache.",
							 "Every backend's first call then attaches the copy instead of reading the version. Used only with the shared cache on.",
							 &linkpred_publish_on_store,
							 true,
							 PGC_SIGHUP,
							 0,
							 NULL, NULL, NULL);
	/*
	 * One setting for both ends of the top-k index: a training job takes the
	 * submitting session's value (jobs.c puts it in the job spec), serving
	 * reads the serving session's, so SET linkpred.ann_min_items = 0 gives a
	 * session exact top-k without touching the stored index.
	 */
	DefineCustomIntVariable("linkpred.training_threads",
							"Threads a training job's SGD runs on.",
							"0 means every core of the machine for graphs of 100,000 training pairs "
							"or more, one thread below. Taken when the job is submitted; "
							"the matrix factorisation with the dot decoder uses them, the other "
							"trainers one (linkpred.versions.metrics->'training_threads').",
							&linkpred_training_threads,
							0, 0, LP_MAX_THREADS,
							PGC_USERSET,
							0,
							NULL, NULL, NULL);
	DefineCustomEnumVariable("linkpred.simd",
							 "Whether training may use the CPU's AVX2 and FMA instructions.",
							 "on: AVX2 and FMA when the CPU has them, for the matrix factorisation's steps with "
							 "the dot decoder; auto: on for graphs of 100,000 training pairs or more, "
							 "off below; off: the baseline x86-64 code. Taken when the job is "
							 "submitted (linkpred.versions.metrics->>'simd'); serving never uses them.",
							 &linkpred_simd,
							 LP_SIMD_SETTING_AUTO,
							 SimdOptions,
							 PGC_USERSET,
							 0,
							 NULL, NULL, NULL);
	DefineCustomIntVariable("linkpred.ann_min_items",
							"Catalog size from which top-k uses an approximate index.",
							"A training job builds the index for models with at least this many items; "
							"linkpred_topk uses it for such models. 0 means never.",
							&linkpred_ann_min_items,
							100000, 0, INT_MAX,
							PGC_USERSET,
							0,
							NULL, NULL, NULL);
	DefineCustomIntVariable("linkpred.exact_scan_8bit_min",
							"Size of a model's item vectors from which exact top-k scans their 8-bit copy.",
							"Below it the scan reads the float vectors, which then stay in the CPU cache; "
							"from it, an 8-bit copy (a quarter of the memory) and exact scores for the items "
							"that can rank. The rows are the same either way. -1 means never.",
							&linkpred_exact_scan_8bit_min_mb,
							16, -1, INT_MAX,
							PGC_USERSET,
							GUC_UNIT_MB,
							NULL, NULL, NULL);
	DefineCustomIntVariable("linkpred.ann_probes",
							"Inverted lists of the top-k index probed per query.",
							"0 means the index's default effort (linkpred.versions.metrics->'ann_probes'). "
							"More lists: higher recall, slower queries.",
							&linkpred_ann_probes,
							0, 0, INT_MAX,
							PGC_USERSET,
							0,
							NULL, NULL, NULL);
	MarkGUCPrefixReserved("linkpred");
	LpSetBlasThreads(1);
	if (process_shared_preload_libraries_in_progress)
	{
		LpSharedCacheRequest();
		if (blas_thread_shutdown_)
			blas_thread_shutdown_();
	}
}
