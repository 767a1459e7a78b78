/*
 * cache_internal.h: between cache.c (the per-backend list of serving
 * copies) and cache_load.c (reading a version into one).
 */
#ifndef LINKPRED_CACHE_INTERNAL_H
#define LINKPRED_CACHE_INTERNAL_H

#include "serving_model.h"

/*
 * Read m's version into m->data_cxt (caller connected to SPI, in the
 * catalog context): every node when publish (the copy goes to shared
 * memory) or when the version cannot serve lazy users, else the items and
 * no user yet.
 */
extern void LpCacheLoadVersion(LpServingModel *m, bool publish);

/* a lazy copy's user (m->user_buckets > 0), its bucket read on first use; -1 if none */
extern int32 LpCacheLookupLazyUser(LpServingModel *m, Datum value, Oid valtype);

#endif
