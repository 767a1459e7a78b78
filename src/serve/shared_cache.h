/*
 * shared_cache.h: one copy of a model version's arrays in shared memory,
 * used by every backend (needs linkpred in shared_preload_libraries).
 *
 * cache.c asks here first when it needs a version; without preload, or
 * when the copy does not fit under linkpred.shared_cache_size, it keeps a
 * private copy as before.  The design is at the top of shared_cache.c.
 */
#ifndef LINKPRED_SHARED_CACHE_H
#define LINKPRED_SHARED_CACHE_H

#include "postgres.h"

#include "storage/proc.h"

#include "funcapi.h"

#include "serving_model.h"

/* linkpred.shared_cache_size, in kB (registered in module.c); 0 = off */
extern int	linkpred_shared_cache_kb;

/*
 * linkpred.publish_on_store: a training worker loads the version it stored
 * into the shared cache (LpCachePublishStored, cache.c)
 */
extern bool linkpred_publish_on_store;

/* whether this backend can share copies: linkpred preloaded, a cap above 0 */
extern bool LpSharedCacheOn(void);

/* _PG_init, while shared_preload_libraries loads: request shared memory */
extern void LpSharedCacheRequest(void);

typedef enum LpSharedBegin
{
	LP_SHARED_ATTACHED,			/* m serves from a shared copy, pinned */
	LP_SHARED_LOAD_PUBLISH,		/* load m privately, then LpSharedCachePublish */
	LP_SHARED_LOAD_PRIVATE		/* load m privately and keep it so */
} LpSharedBegin;

/*
 * m (header filled, no arrays) is about to be loaded: attach it to the
 * shared copy of its version if there is one (waiting for a backend that
 * is loading it), else say whether this backend should publish its load.
 */
extern LpSharedBegin LpSharedCacheBegin(LpServingModel *m);

/*
 * After LP_SHARED_LOAD_PUBLISH and a complete private load: copy m into
 * shared memory and point it there (true), or leave it private (false,
 * with a NOTICE saying why).  Never an error for lack of room.
 */
extern bool LpSharedCachePublish(LpServingModel *m);

/*
 * A cached model at a later statement.  Shared: pin it for this
 * transaction; false if its copy is gone (the caller reloads).  Private:
 * switch it to a shared copy of its version if one appeared since.
 */
extern bool LpSharedCacheReuse(LpServingModel *m);

/*
 * m may be used without asking again: a private copy, or a shared copy
 * pinned by this transaction (the fast path of a bulk call)
 */
static inline bool
LpSharedCacheValid(const LpServingModel *m)
{
	return m->shared_slot < 0 || m->pin_lxid == MyProc->lxid;
}

/* linkpred_drop: free the model's shared copies when this transaction commits */
extern void LpSharedCacheForget(const char *model);
/* a standby: mark stale the copies whose version replay removed (shared_cache.c) */
extern void LpSharedCacheDropOrphans(void);

/*
 * One row of linkpred_cache_status: pins < 0 and last_used 0 are NULL (a
 * private copy has neither).
 */
extern void LpCacheStatusRow(ReturnSetInfo *rsinfo, const char *model, int32 version,
							 int64 job_id, bool shared, const char *state, int64 bytes,
							 int32 pins, TimestampTz last_used);
/* linkpred_cache_status's rows for the shared copies the caller may see */
extern void LpSharedCacheStatusRows(ReturnSetInfo *rsinfo);

#endif
