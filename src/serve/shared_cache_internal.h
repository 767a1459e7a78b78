/*
 * shared_cache_internal.h: what shared_cache.c (the shared memory, its
 * slots and pins) and shared_cache_load.c (finding, loading and
 * publishing a version's copy) share.  Not for other files; the design is
 * at the top of shared_cache.c.
 */
#ifndef LINKPRED_SHARED_CACHE_INTERNAL_H
#define LINKPRED_SHARED_CACHE_INTERNAL_H

#include "utils/dsa.h"
#include "storage/condition_variable.h"
#include "storage/lwlock.h"

#include "shared_cache.h"

#define LP_SHARED_SLOTS 128

typedef enum SlotState
{
	SLOT_FREE = 0,
	SLOT_LOADING,				/* claimed by loader_pid, not readable */
	SLOT_READY					/* blob complete */
} SlotState;

typedef struct SharedSlot
{
	SlotState	state;
	bool		stale;			/* replaced or dropped: freed when unpinned */
	Oid			dboid;
	Oid			incarnation;	/* LpCatalogIncarnation() of the catalog it came from */
	Oid			owner;
	char		model[NAMEDATALEN];
	int64		job_id;
	int32		version;
	uint64		serial;			/* unique per claim: a reused slot is another copy */
	int			loader_pid;
	dsa_pointer blob;			/* invalid until allocated */
	Size		bytes;			/* counted in total_bytes from reservation on */
	int			pins;			/* transactions serving from it now */
	TimestampTz last_used;
} SharedSlot;

typedef struct SharedCache
{
	LWLock	   *lock;			/* everything below */
	int			dsa_tranche;
	dsa_handle	area_handle;	/* DSM_HANDLE_INVALID until the first publish */
	ConditionVariable loaded;	/* a LOADING slot became READY or was given up */
	uint64		next_serial;
	Size		total_bytes;
	SharedSlot	slots[LP_SHARED_SLOTS];
} SharedCache;

/* the registry, in the main shared memory (NULL without preload) */
extern SharedCache *lp_sc;

/* this backend: the area once attached, the slot it is loading, drops to apply at commit */
extern dsa_area *lp_sc_area;
extern int	lp_sc_my_claim;
extern uint64 lp_sc_my_claim_serial;
extern List *lp_sc_pending_forget;

/* the registry's steps (lock held exclusively unless said; see shared_cache.c) */
extern void LpScEnsureCallbacks(void);
extern Size LpScCapBytes(void);
extern void LpScAttachArea(dsa_handle handle);
extern void LpScCreateArea(void);
extern bool LpScMakeRoom(Size need);
extern int LpScFindSlot(const LpServingModel *m);
extern int LpScFreeSlotIndex(void);
extern void LpScMarkOthersStale(const LpServingModel *m);
extern void LpScPin(int slot, LpServingModel *m);
extern bool LpScHoldsPin(int slot, uint64 serial);
extern void LpScReleaseClaim(void);

#endif
