/*
 * linkpred.c: module initialisation and configuration (GUCs).
 *
 * The library needs no shared_preload_libraries entry: training workers are
 * dynamic background workers and serving caches are per backend.  Query
 * backends run OpenBLAS single-threaded (see POSTGRES-NOTES: each backend
 * would otherwise start a pool of nproc threads).
 */
#include "postgres.h"

#include <cblas.h>

#include <limits.h>

#include "fmgr.h"
#include "utils/guc.h"

#include "linkpred.h"

PG_MODULE_MAGIC;

char	   *linkpred_default_model = NULL;
int			linkpred_max_memory_kb = 4 * 1024 * 1024;

void		_PG_init(void);

void
LpSetBlasThreads(int n)
{
	openblas_set_num_threads(n);
}

void
_PG_init(void)
{
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
	MarkGUCPrefixReserved("linkpred");
	LpSetBlasThreads(1);
}
