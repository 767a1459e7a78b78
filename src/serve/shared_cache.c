/*
 * shared_cache.c: one shared copy of a model version, served by every
 * backend.  This file owns the shared memory: the registry and its slots,
 * the DSA area, eviction under the budget, pins and their release at the
 * end of a transaction, and linkpred_cache_status().  shared_cache_load.c
 * finds, loads, publishes and reuses a version's copy with them.
 *
 * Design.  Without this file each backend that serves a model loads the
 * active version's arrays (embeddings, biases, degrees, the training items
 * of each user, the id maps) into its own memory: eight connections serving
 * one model hold eight copies.  With linkpred in shared_preload_libraries,
 * a version is loaded once into dynamic shared memory and every backend
 * points its LpServingModel at that copy; per-backend state (the top-k
 * score row, fold-in vectors, prepared plans) stays private.
 *
 * Layout.  A registry in the main shared memory, sized at startup, holds a
 * fixed array of slots, one per cached version, keyed by (database, catalog
 * incarnation, model name, job id): the job id identifies a version even
 * across a linkpred_drop and re-create, the incarnation (the OID of
 * linkpred's pg_extension row) tells the catalogs apart across DROP and
 * CREATE EXTENSION, whose new sequences start at 1 again, and names are per
 * database.  The copies themselves live in one
 * DSA area created by the first backend that publishes (its handle is kept
 * in the registry; other backends attach lazily and keep the mapping for
 * their lifetime).  A copy is one flat block with offsets, not pointers
 * (BlobHeader), so it reads the same at whatever address a process maps it:
 * the arrays as cache.c holds them, and the id maps in keymap.c's flat form
 * (its open-addressing table, the int64 keys or the text keys back to back),
 * and the version's top-k index when it has one (ann.h: already a flat,
 * position-independent blob, so it is copied as it is).
 *
 * Loading and publishing.  The first backend that needs a version and finds
 * no copy claims a slot (state LOADING), loads the version from the catalog
 * into private memory exactly as without preload, and only then copies it
 * into a DSA chunk and marks the slot READY.  Backends that ask for the
 * same version meanwhile wait on a condition variable instead of loading a
 * copy of their own (for at most a minute, after which they load privately
 * and switch to the shared copy at their next statement).  An error or a
 * cancel during the load releases the claim from the abort callback: a
 * chunk already allocated is marked for freeing and never read, since only
 * a READY slot is ever pinned.  Nothing half-loaded is published.
 *
 * Pins.  A backend pins the copy it serves from for the rest of its
 * transaction (the slot's pin count, plus a list in this backend) and
 * releases every pin just before commit, or on abort, so a copy is never
 * freed under a statement that reads it.  A pointer kept in fn_extra or in
 * the backend's model list is only followed after checking that the pin is
 * this transaction's (LpSharedCacheValid); at a later transaction cache.c
 * asks again (LpSharedCacheReuse), which pins the same copy if the slot
 * still holds it.
 *
 * Replacement and freeing.  When a backend resolves a model to a version
 * (its statement read the active job id from the catalog), every other
 * version of that model in the registry becomes stale: it is no longer
 * found by new lookups and is freed when its last pin goes.  So a retrain
 * or linkpred_activate replaces the copy at the first statement that sees
 * the new version, while statements still serving the old one finish on it.
 * linkpred_drop marks the model's copies stale when its transaction
 * commits.  Freeing happens under the registry lock by whichever backend
 * drops the last pin, or by the next backend that takes the lock; the abort
 * path only decrements counts (no DSA calls where an error cannot be
 * raised).
 *
 * Budget.  linkpred.shared_cache_size caps the bytes of all copies.  A new
 * copy that would exceed it first evicts unpinned copies, least recently
 * used first, across databases; if that is not enough (the rest is pinned)
 * or the copy alone is larger than the cap, the backend serves from its
 * private copy and says so once with a NOTICE; never an error.  Running out
 * of dynamic shared memory (a small /dev/shm) is caught the same way: the
 * allocation runs in a subtransaction.  A lowered cap takes effect at the
 * next transaction that serves, which frees unpinned copies until the rest
 * fits; 0 turns the shared cache off: each backend loads a private copy at
 * its next transaction and the shared copies go as their pins do.
 */
#include "postgres.h"

#include "access/xact.h"
#include "access/xlog.h"
#include "catalog/pg_authid.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "storage/condition_variable.h"
#include "storage/dsm.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/proc.h"
#include "storage/shmem.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/dsa.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"
#include "utils/wait_event.h"

#include "linkpred.h"
#include "shared_cache_internal.h"


int			linkpred_shared_cache_kb = 1024 * 1024;
bool		linkpred_publish_on_store = true;

SharedCache *lp_sc = NULL;
static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

/* this backend */
dsa_area *lp_sc_area = NULL;
static bool callbacks_registered = false;
typedef struct LocalPin
{
	int			slot;
	uint64		serial;
} LocalPin;
static LocalPin my_pins[LP_SHARED_SLOTS];
static int	n_my_pins = 0;
int	lp_sc_my_claim = -1;		/* a slot this backend is loading */
uint64 lp_sc_my_claim_serial = 0;
List *lp_sc_pending_forget = NIL;	/* model names dropped in this transaction */

Size
LpScCapBytes(void)
{
	return (Size) linkpred_shared_cache_kb * 1024;
}

bool
LpSharedCacheOn(void)
{
	return lp_sc != NULL && LpScCapBytes() > 0;
}

static void
ShmemRequest(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(MAXALIGN(sizeof(SharedCache)));
	RequestNamedLWLockTranche("linkpred", 1);
}

static void
ShmemStartup(void)
{
	bool		found;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();
	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	lp_sc = ShmemInitStruct("linkpred shared cache", MAXALIGN(sizeof(SharedCache)), &found);
	if (!found)
	{
		memset(lp_sc, 0, sizeof(SharedCache));
		lp_sc->lock = &(GetNamedLWLockTranche("linkpred"))->lock;
		lp_sc->dsa_tranche = LWLockNewTrancheId();
		lp_sc->area_handle = DSM_HANDLE_INVALID;
		ConditionVariableInit(&lp_sc->loaded);
		lp_sc->next_serial = 1;
	}
	LWLockRelease(AddinShmemInitLock);
}

void
LpSharedCacheRequest(void)
{
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = ShmemRequest;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = ShmemStartup;
}

/* ---------- the DSA area ---------- */

/* attach to the area if it exists (registry lock held or not) */
void
LpScAttachArea(dsa_handle handle)
{
	MemoryContext old;
	dsa_area   *a;

	if (lp_sc_area != NULL || handle == DSM_HANDLE_INVALID)
		return;
	old = MemoryContextSwitchTo(TopMemoryContext);
	a = dsa_attach(handle);
	dsa_pin_mapping(a);
	MemoryContextSwitchTo(old);
	lp_sc_area = a;
}

/* the area, created if nobody has yet; may raise errors (run protected) */
void
LpScCreateArea(void)
{
	LWLockAcquire(lp_sc->lock, LW_EXCLUSIVE);
	if (lp_sc->area_handle == DSM_HANDLE_INVALID)
	{
		MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);
		dsa_area   *a = dsa_create(lp_sc->dsa_tranche);

		dsa_pin_mapping(a);
		dsa_pin(a);				/* outlives this backend */
		MemoryContextSwitchTo(old);
		lp_sc->area_handle = dsa_get_handle(a);
		lp_sc_area = a;
	}
	else
		LpScAttachArea(lp_sc->area_handle);
	LWLockRelease(lp_sc->lock);
}

/* ---------- registry (lock held exclusively unless said) ---------- */

static void
FreeSlot(SharedSlot *s)
{
	if (DsaPointerIsValid(s->blob))
	{
		LpScAttachArea(lp_sc->area_handle);
		dsa_free(lp_sc_area, s->blob);
	}
	lp_sc->total_bytes -= s->bytes;
	memset(s, 0, sizeof(SharedSlot));
	s->state = SLOT_FREE;
	s->blob = InvalidDsaPointer;
}

/* free what nobody can reach any more: stale copies without pins */
static void
Sweep(void)
{
	for (int i = 0; i < LP_SHARED_SLOTS; i++)
	{
		SharedSlot *s = &lp_sc->slots[i];

		if (s->state == SLOT_READY && s->stale && s->pins == 0)
			FreeSlot(s);
	}
}

/* evict unpinned copies, least recently used first, until need more bytes fit */
bool
LpScMakeRoom(Size need)
{
	Sweep();
	while (lp_sc->total_bytes + need > LpScCapBytes())
	{
		SharedSlot *lru = NULL;

		for (int i = 0; i < LP_SHARED_SLOTS; i++)
		{
			SharedSlot *s = &lp_sc->slots[i];

			if (s->state == SLOT_READY && s->pins == 0 &&
				(lru == NULL || s->last_used < lru->last_used))
				lru = s;
		}
		if (lru == NULL)
			return false;
		FreeSlot(lru);
	}
	return true;
}

/* a free slot, evicting the least recently used unpinned copy if need be; -1 if none */
int
LpScFreeSlotIndex(void)
{
	int			lru = -1;

	for (int i = 0; i < LP_SHARED_SLOTS; i++)
	{
		SharedSlot *s = &lp_sc->slots[i];

		if (s->state == SLOT_FREE)
			return i;
		if (s->state == SLOT_READY && s->pins == 0 &&
			(lru < 0 || s->last_used < lp_sc->slots[lru].last_used))
			lru = i;
	}
	if (lru >= 0)
		FreeSlot(&lp_sc->slots[lru]);
	return lru;
}

static bool
SameModel(const SharedSlot *s, const char *model)
{
	return s->state != SLOT_FREE && s->dboid == MyDatabaseId && strcmp(s->model, model) == 0;
}

/* a copy of m's version: same model, same job, same catalog incarnation */
static bool
SameVersion(const SharedSlot *s, const LpServingModel *m)
{
	return SameModel(s, m->name) && s->job_id == m->job_id && s->incarnation == m->incarnation;
}

/* the slot of m's version that a lookup may use, -1 if none */
int
LpScFindSlot(const LpServingModel *m)
{
	for (int i = 0; i < LP_SHARED_SLOTS; i++)
	{
		SharedSlot *s = &lp_sc->slots[i];

		if (SameVersion(s, m) &&
			!(s->stale && s->pins == 0))
			return i;
	}
	return -1;
}

/*
 * The model resolved to m's version: its other versions are replaced, and so
 * are the copies of a dropped catalog's model of the same name
 */
void
LpScMarkOthersStale(const LpServingModel *m)
{
	for (int i = 0; i < LP_SHARED_SLOTS; i++)
	{
		SharedSlot *s = &lp_sc->slots[i];

		if (SameModel(s, m->name) && !SameVersion(s, m))
		{
			s->stale = true;
			if (s->state == SLOT_READY && s->pins == 0)
				FreeSlot(s);
		}
	}
}

bool
LpScHoldsPin(int slot, uint64 serial)
{
	for (int i = 0; i < n_my_pins; i++)
		if (my_pins[i].slot == slot && my_pins[i].serial == serial)
			return true;
	return false;
}

void
LpScPin(int slot, LpServingModel *m)
{
	SharedSlot *s = &lp_sc->slots[slot];

	if (!LpScHoldsPin(slot, s->serial))
	{
		s->pins++;
		my_pins[n_my_pins].slot = slot;
		my_pins[n_my_pins].serial = s->serial;
		n_my_pins++;
	}
	s->last_used = GetCurrentTransactionStartTimestamp();
	m->shared_slot = slot;
	m->shared_serial = s->serial;
	m->pin_lxid = MyProc->lxid;
}

/* ---------- end of transaction ---------- */

/* give up a claim: nobody will read what was loaded so far */
void
LpScReleaseClaim(void)
{
	SharedSlot *s;

	if (lp_sc_my_claim < 0)
		return;
	LWLockAcquire(lp_sc->lock, LW_EXCLUSIVE);
	s = &lp_sc->slots[lp_sc_my_claim];
	if (s->state == SLOT_LOADING && s->serial == lp_sc_my_claim_serial)
	{
		if (DsaPointerIsValid(s->blob))
		{
			/* a chunk was allocated: the next lock holder frees it */
			s->state = SLOT_READY;
			s->stale = true;
			s->pins = 0;
		}
		else
		{
			lp_sc->total_bytes -= s->bytes;
			memset(s, 0, sizeof(SharedSlot));
			s->blob = InvalidDsaPointer;
		}
	}
	LWLockRelease(lp_sc->lock);
	lp_sc_my_claim = -1;
	ConditionVariableBroadcast(&lp_sc->loaded);
}

/*
 * Drop this transaction's pins.  At commit (may_free) also apply the
 * drops and free what became unreachable; on abort only count down: the
 * next lock holder frees.
 */
static void
EndOfTransaction(bool may_free)
{
	List	   *forget = may_free ? lp_sc_pending_forget : NIL;

	lp_sc_pending_forget = NIL;
	if (n_my_pins == 0 && forget == NIL)
		return;
	LWLockAcquire(lp_sc->lock, LW_EXCLUSIVE);
	for (int i = 0; i < n_my_pins; i++)
	{
		SharedSlot *s = &lp_sc->slots[my_pins[i].slot];

		if (s->state == SLOT_READY && s->serial == my_pins[i].serial && s->pins > 0)
			s->pins--;
	}
	n_my_pins = 0;
	if (may_free)
	{
		ListCell   *lc;

		foreach(lc, forget)
		{
			const char *model = lfirst(lc);

			for (int i = 0; i < LP_SHARED_SLOTS; i++)
				if (SameModel(&lp_sc->slots[i], model))
					lp_sc->slots[i].stale = true;
		}
		Sweep();
	}
	LWLockRelease(lp_sc->lock);
}

static void
AtXactEvent(XactEvent event, void *arg)
{
	switch (event)
	{
		case XACT_EVENT_PRE_COMMIT:
		case XACT_EVENT_PARALLEL_PRE_COMMIT:
		case XACT_EVENT_PRE_PREPARE:
			/* every statement has ended: nothing reads a pinned copy any more */
			LpScReleaseClaim();
			EndOfTransaction(true);
			break;
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PARALLEL_ABORT:
			LpScReleaseClaim();
			EndOfTransaction(false);
			break;
		default:
			lp_sc_pending_forget = NIL;
			break;
	}
}

static void
AtSubXactEvent(SubXactEvent event, SubTransactionId mySubid,
			   SubTransactionId parentSubid, void *arg)
{
	/* a load that failed inside an exception block: let others load */
	if (event == SUBXACT_EVENT_ABORT_SUB)
		LpScReleaseClaim();
}

static void
BackendExit(int code, Datum arg)
{
	if (LWLockHeldByMe(lp_sc->lock))
		LWLockRelease(lp_sc->lock);
	LpScReleaseClaim();
	EndOfTransaction(false);
}

void
LpScEnsureCallbacks(void)
{
	if (callbacks_registered)
		return;
	LWLockRegisterTranche(lp_sc->dsa_tranche, "linkpred_dsa");
	RegisterXactCallback(AtXactEvent, NULL);
	RegisterSubXactCallback(AtSubXactEvent, NULL);
	before_shmem_exit(BackendExit, (Datum) 0);
	callbacks_registered = true;
}

/* ---------- linkpred_cache_status() ---------- */

/*
 * On a standby, replay removes a dropped model's rows without running
 * linkpred_drop, so no commit there marks its copies stale.  This marks
 * stale every copy of this database whose version is no longer in the
 * catalog, or whose catalog was dropped and created again, and frees the
 * unpinned ones.  Called by linkpred_cache_status and when serving finds no
 * model of a name.  Only in recovery (on the primary linkpred_drop does it
 * at commit) and only with a snapshot per statement, so a version newer
 * than the transaction is never taken for a removed one.
 */
void
LpSharedCacheDropOrphans(void)
{
	SharedSlot *copy;
	bool	   *gone;
	int			n = 0;
	Oid			incarnation;

	if (lp_sc == NULL || !RecoveryInProgress() || IsolationUsesXactSnapshot())
		return;
	copy = palloc(sizeof(SharedSlot) * LP_SHARED_SLOTS);
	gone = palloc0(sizeof(bool) * LP_SHARED_SLOTS);
	LWLockAcquire(lp_sc->lock, LW_SHARED);
	for (int i = 0; i < LP_SHARED_SLOTS; i++)
		if (lp_sc->slots[i].state == SLOT_READY && !lp_sc->slots[i].stale &&
			lp_sc->slots[i].dboid == MyDatabaseId)
			copy[n++] = lp_sc->slots[i];
	LWLockRelease(lp_sc->lock);
	if (n == 0)
		return;

	incarnation = LpCatalogIncarnation();
	for (int i = 0; i < n; i++)
		gone[i] = copy[i].incarnation != incarnation ||
			!LpJobVersionExists(copy[i].model, copy[i].job_id);

	LWLockAcquire(lp_sc->lock, LW_EXCLUSIVE);
	for (int i = 0; i < n; i++)
	{
		if (!gone[i])
			continue;
		for (int j = 0; j < LP_SHARED_SLOTS; j++)
		{
			SharedSlot *s = &lp_sc->slots[j];

			/* the same copy still (the serial is unique per claim) */
			if (s->state == SLOT_READY && s->serial == copy[i].serial)
			{
				s->stale = true;
				if (s->pins == 0)
					FreeSlot(s);
			}
		}
	}
	LWLockRelease(lp_sc->lock);
}

/*
 * linkpred_cache_status's rows for the shared copies of this database that
 * the caller may see (cache.c adds the backend's private ones): first the
 * orphans of a standby are dropped.
 */
void
LpSharedCacheStatusRows(ReturnSetInfo *rsinfo)
{
	SharedSlot *copy = NULL;
	int			n = 0;
	bool		see_all = has_privs_of_role(GetUserId(), ROLE_PG_READ_ALL_STATS);

	LpSharedCacheDropOrphans();
	if (lp_sc != NULL)
	{
		copy = palloc(sizeof(SharedSlot) * LP_SHARED_SLOTS);
		LWLockAcquire(lp_sc->lock, LW_SHARED);
		for (int i = 0; i < LP_SHARED_SLOTS; i++)
			if (lp_sc->slots[i].state != SLOT_FREE && lp_sc->slots[i].dboid == MyDatabaseId)
				copy[n++] = lp_sc->slots[i];
		LWLockRelease(lp_sc->lock);
	}
	for (int i = 0; i < n; i++)
	{
		SharedSlot *s = &copy[i];

		if (!see_all && !has_privs_of_role(GetUserId(), s->owner))
			continue;
		LpCacheStatusRow(rsinfo, s->model, s->version, s->job_id, true,
						 s->state == SLOT_LOADING ? "loading" : s->stale ? "stale" : "ready",
						 (int64) s->bytes, s->pins, s->last_used);
	}
}

void
LpCacheStatusRow(ReturnSetInfo *rsinfo, const char *model, int32 version, int64 job_id,
				 bool shared, const char *state, int64 bytes, int32 pins, TimestampTz last_used)
{
	Datum		values[8];
	bool		nulls[8] = {false};

	values[0] = CStringGetTextDatum(model);
	values[1] = Int32GetDatum(version);
	values[2] = Int64GetDatum(job_id);
	values[3] = BoolGetDatum(shared);
	values[4] = CStringGetTextDatum(state);
	values[5] = Int64GetDatum(bytes);
	values[6] = Int32GetDatum(pins);
	nulls[6] = pins < 0;
	values[7] = TimestampTzGetDatum(last_used);
	nulls[7] = last_used == 0;
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}
