/*
 * cache_internal.h: between cache.c (the per-backend list of serving
 * copies), cache_load.c (reading a version into one) and cache_lazy.c
 * (what a private copy reads on first use).
 */
#ifndef LINKPRED_CACHE_INTERNAL_H
#define LINKPRED_CACHE_INTERNAL_H

#include "serving_model.h"
#include "store.h"

/*
 * Read m's version into m->data_cxt (caller connected to SPI, in the
 * catalog context): every node when publish (the copy goes to shared
 * memory) or when the version cannot serve lazy users, else the items and
 * no user yet.
 */
extern void LpCacheLoadVersion(LpServingModel *m, bool publish);

/* a lazy copy's user (m->user_buckets > 0), its bucket read on first use; -1 if none */
extern int32 LpCacheLookupLazyUser(LpServingModel *m, Datum value, Oid valtype);

/* the reads' rows, one node at a time, into the copy (cache_load.c) */
/* LpCacheLoadRow's state while the rows come in */
typedef struct LpLoadState
{
	LpServingModel *m;
	int64		seen_used;
	int64		seen_cap;
	bool		lazy;			/* a bucket of users read on first use */
	bool		lazy_items;		/* items without vectors (rows' vec NULL): keys appended */
	bool		vectors_only;	/* a lazy copy's item vectors read whole: V alone */
	int32		rows;			/* nodes handed over */
	bool		bucketed;		/* a bucketed user side read whole: keys by idx, interned after */
	int64	   *pend_ikeys;		/* bucketed: each user's key, integer keys */
	char	  **pend_tkeys;		/* bucketed: each user's key, text keys */
	bool	   *pend_set;
	MemoryContext pend_cxt;
} LpLoadState;
extern void LpCacheLoadRow(void *arg, const LpStoredRow *row);

/* a whole read of a bucketed user side: its keys kept, then interned in index order */
extern void LpCacheBeginBucketedUsers(LpLoadState *ls);
extern void LpCacheEndBucketedUsers(LpLoadState *ls);

/* a user's training items: ascending item indices, or the copy is damaged */
extern void LpCacheCheckSeen(const LpServingModel *m, const int32 *s, int n);

#endif
