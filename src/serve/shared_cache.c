/*
 * shared_cache.c: one shared copy of a model version, served by every
 * backend.
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
#include "utils/resowner.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"
#include "utils/wait_event.h"

#include "cache.h"
#include "keymap.h"
#include "linkpred.h"
#include "mlp.h"
#include "shared_cache.h"

PG_FUNCTION_INFO_V1(linkpred_cache_status);

#define LP_SHARED_SLOTS 128
#define LP_BLOB_MAGIC 0x4C50424CU	/* "LPBL" */
#define LP_BLOB_ALIGN 64		/* arrays start on a cache line */
#define LP_LOAD_WAIT_MS (60 * 1000) /* longest wait for another backend's load */
#define LP_COPY_CHUNK ((Size) 64 * 1024 * 1024)	/* bytes copied between interrupt checks */

int			linkpred_shared_cache_kb = 1024 * 1024;

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

/* the head of a copy: offsets from its start */
typedef struct BlobHeader
{
	uint32		magic;
	int32		n_users;
	int32		n_items;
	int32		dim;
	int64		job_id;
	int64		n_seen;
	Size		total;
	Size		U,
				V,
				bu,
				bv,
				udeg,
				ideg,
				seen_start,
				seen_len,
				seen,
				ann,			/* the top-k index: offset and bytes (0: none) */
				ann_size,
				mlp,			/* the MLP decoder's weights and item precompute */
				mlp_P;
	LpFlatKeyMap ukeys;
	LpFlatKeyMap ikeys;
} BlobHeader;

static SharedCache *sc = NULL;
static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

/* this backend */
static dsa_area *area = NULL;
static bool callbacks_registered = false;
typedef struct LocalPin
{
	int			slot;
	uint64		serial;
} LocalPin;
static LocalPin my_pins[LP_SHARED_SLOTS];
static int	n_my_pins = 0;
static int	my_claim = -1;		/* a slot this backend is loading */
static uint64 my_claim_serial = 0;
static List *pending_forget = NIL;	/* model names dropped in this transaction */

static Size
CapBytes(void)
{
	return (Size) linkpred_shared_cache_kb * 1024;
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
	sc = ShmemInitStruct("linkpred shared cache", MAXALIGN(sizeof(SharedCache)), &found);
	if (!found)
	{
		memset(sc, 0, sizeof(SharedCache));
		sc->lock = &(GetNamedLWLockTranche("linkpred"))->lock;
		sc->dsa_tranche = LWLockNewTrancheId();
		sc->area_handle = DSM_HANDLE_INVALID;
		ConditionVariableInit(&sc->loaded);
		sc->next_serial = 1;
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
static void
AttachArea(dsa_handle handle)
{
	MemoryContext old;
	dsa_area   *a;

	if (area != NULL || handle == DSM_HANDLE_INVALID)
		return;
	old = MemoryContextSwitchTo(TopMemoryContext);
	a = dsa_attach(handle);
	dsa_pin_mapping(a);
	MemoryContextSwitchTo(old);
	area = a;
}

/* the area, created if nobody has yet; may raise errors (run protected) */
static void
CreateArea(void)
{
	LWLockAcquire(sc->lock, LW_EXCLUSIVE);
	if (sc->area_handle == DSM_HANDLE_INVALID)
	{
		MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);
		dsa_area   *a = dsa_create(sc->dsa_tranche);

		dsa_pin_mapping(a);
		dsa_pin(a);				/* outlives this backend */
		MemoryContextSwitchTo(old);
		sc->area_handle = dsa_get_handle(a);
		area = a;
	}
	else
		AttachArea(sc->area_handle);
	LWLockRelease(sc->lock);
}

/* ---------- registry (lock held exclusively unless said) ---------- */

static void
FreeSlot(SharedSlot *s)
{
	if (DsaPointerIsValid(s->blob))
	{
		AttachArea(sc->area_handle);
		dsa_free(area, s->blob);
	}
	sc->total_bytes -= s->bytes;
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
		SharedSlot *s = &sc->slots[i];

		if (s->state == SLOT_READY && s->stale && s->pins == 0)
			FreeSlot(s);
	}
}

/* evict unpinned copies, least recently used first, until need more bytes fit */
static bool
MakeRoom(Size need)
{
	Sweep();
	while (sc->total_bytes + need > CapBytes())
	{
		SharedSlot *lru = NULL;

		for (int i = 0; i < LP_SHARED_SLOTS; i++)
		{
			SharedSlot *s = &sc->slots[i];

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
static int
FreeSlotIndex(void)
{
	int			lru = -1;

	for (int i = 0; i < LP_SHARED_SLOTS; i++)
	{
		SharedSlot *s = &sc->slots[i];

		if (s->state == SLOT_FREE)
			return i;
		if (s->state == SLOT_READY && s->pins == 0 &&
			(lru < 0 || s->last_used < sc->slots[lru].last_used))
			lru = i;
	}
	if (lru >= 0)
		FreeSlot(&sc->slots[lru]);
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
static int
FindSlot(const LpServingModel *m)
{
	for (int i = 0; i < LP_SHARED_SLOTS; i++)
	{
		SharedSlot *s = &sc->slots[i];

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
static void
MarkOthersStale(const LpServingModel *m)
{
	for (int i = 0; i < LP_SHARED_SLOTS; i++)
	{
		SharedSlot *s = &sc->slots[i];

		if (SameModel(s, m->name) && !SameVersion(s, m))
		{
			s->stale = true;
			if (s->state == SLOT_READY && s->pins == 0)
				FreeSlot(s);
		}
	}
}

static bool
HoldsPin(int slot, uint64 serial)
{
	for (int i = 0; i < n_my_pins; i++)
		if (my_pins[i].slot == slot && my_pins[i].serial == serial)
			return true;
	return false;
}

static void
Pin(int slot, LpServingModel *m)
{
	SharedSlot *s = &sc->slots[slot];

	if (!HoldsPin(slot, s->serial))
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
static void
ReleaseClaim(void)
{
	SharedSlot *s;

	if (my_claim < 0)
		return;
	LWLockAcquire(sc->lock, LW_EXCLUSIVE);
	s = &sc->slots[my_claim];
	if (s->state == SLOT_LOADING && s->serial == my_claim_serial)
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
			sc->total_bytes -= s->bytes;
			memset(s, 0, sizeof(SharedSlot));
			s->blob = InvalidDsaPointer;
		}
	}
	LWLockRelease(sc->lock);
	my_claim = -1;
	ConditionVariableBroadcast(&sc->loaded);
}

/*
 * Drop this transaction's pins.  At commit (may_free) also apply the
 * drops and free what became unreachable; on abort only count down: the
 * next lock holder frees.
 */
static void
EndOfTransaction(bool may_free)
{
	List	   *forget = may_free ? pending_forget : NIL;

	pending_forget = NIL;
	if (n_my_pins == 0 && forget == NIL)
		return;
	LWLockAcquire(sc->lock, LW_EXCLUSIVE);
	for (int i = 0; i < n_my_pins; i++)
	{
		SharedSlot *s = &sc->slots[my_pins[i].slot];

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
				if (SameModel(&sc->slots[i], model))
					sc->slots[i].stale = true;
		}
		Sweep();
	}
	LWLockRelease(sc->lock);
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
			ReleaseClaim();
			EndOfTransaction(true);
			break;
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PARALLEL_ABORT:
			ReleaseClaim();
			EndOfTransaction(false);
			break;
		default:
			pending_forget = NIL;
			break;
	}
}

static void
AtSubXactEvent(SubXactEvent event, SubTransactionId mySubid,
			   SubTransactionId parentSubid, void *arg)
{
	/* a load that failed inside an exception block: let others load */
	if (event == SUBXACT_EVENT_ABORT_SUB)
		ReleaseClaim();
}

static void
BackendExit(int code, Datum arg)
{
	if (LWLockHeldByMe(sc->lock))
		LWLockRelease(sc->lock);
	ReleaseClaim();
	EndOfTransaction(false);
}

static void
EnsureCallbacks(void)
{
	if (callbacks_registered)
		return;
	LWLockRegisterTranche(sc->dsa_tranche, "linkpred_dsa");
	RegisterXactCallback(AtXactEvent, NULL);
	RegisterSubXactCallback(AtSubXactEvent, NULL);
	before_shmem_exit(BackendExit, (Datum) 0);
	callbacks_registered = true;
}

/* ---------- the flat copy ---------- */

static Size
Place(Size *off, Size bytes)
{
	Size		at = *off;

	*off = TYPEALIGN(LP_BLOB_ALIGN, at + bytes);
	return at;
}

/* offsets of m's arrays in a copy; the copy's size */
static Size
Layout(const LpServingModel *m, BlobHeader *h)
{
	Size		off = TYPEALIGN(LP_BLOB_ALIGN, sizeof(BlobHeader));

	memset(h, 0, sizeof(BlobHeader));
	h->magic = LP_BLOB_MAGIC;
	h->n_users = m->n_users;
	h->n_items = m->n_items;
	h->dim = m->dim;
	h->job_id = m->job_id;
	h->n_seen = m->n_seen;
	h->U = Place(&off, sizeof(float) * (Size) m->n_users * m->dim);
	h->bu = Place(&off, sizeof(float) * (Size) m->n_users);
	h->udeg = Place(&off, sizeof(int32) * (Size) m->n_users);
	h->V = LpModelOneArray(m) ? h->U : Place(&off, sizeof(float) * (Size) m->n_items * m->dim);
	if (m->tied)
	{
		h->bv = h->bu;
		h->ideg = h->udeg;
	}
	else
	{
		h->bv = Place(&off, sizeof(float) * (Size) m->n_items);
		h->ideg = Place(&off, sizeof(int32) * (Size) m->n_items);
	}
	h->seen_start = Place(&off, sizeof(int64) * (Size) m->n_users);
	h->seen_len = Place(&off, sizeof(int32) * (Size) m->n_users);
	h->seen = Place(&off, sizeof(int32) * (Size) m->n_seen);
	if (m->decoder == LP_DECODER_MLP)
	{
		h->mlp = Place(&off, sizeof(float) * LpMlpWeightCount(m->dim, m->hidden));
		h->mlp_P = Place(&off, sizeof(float) * (Size) m->n_items * m->hidden);
	}
	/* Place's 64-byte alignment covers the 4 bytes the index needs */
	h->ann_size = m->ann ? m->ann_size : 0;
	h->ann = m->ann ? Place(&off, m->ann_size) : 0;
	h->ukeys.slots_off = Place(&off, LpKeyMapFlatSize(m->ukeys));
	h->ikeys.slots_off = m->homogeneous ? h->ukeys.slots_off :
		Place(&off, LpKeyMapFlatSize(m->ikeys));
	h->total = off;
	return off;
}

static void
CopyIn(char *base, Size off, const void *src, Size bytes)
{
	for (Size done = 0; done < bytes; done += LP_COPY_CHUNK)
	{
		memcpy(base + off + done, (const char *) src + done, Min(LP_COPY_CHUNK, bytes - done));
		CHECK_FOR_INTERRUPTS();
	}
}

static void
WriteBlob(const LpServingModel *m, BlobHeader *h, char *base)
{
	CopyIn(base, h->U, m->U, sizeof(float) * (Size) m->n_users * m->dim);
	CopyIn(base, h->bu, m->bu, sizeof(float) * (Size) m->n_users);
	CopyIn(base, h->udeg, m->udeg, sizeof(int32) * (Size) m->n_users);
	if (!LpModelOneArray(m))
		CopyIn(base, h->V, m->V, sizeof(float) * (Size) m->n_items * m->dim);
	if (!m->tied)
	{
		CopyIn(base, h->bv, m->bv, sizeof(float) * (Size) m->n_items);
		CopyIn(base, h->ideg, m->ideg, sizeof(int32) * (Size) m->n_items);
	}
	CopyIn(base, h->seen_start, m->seen_start, sizeof(int64) * (Size) m->n_users);
	CopyIn(base, h->seen_len, m->seen_len, sizeof(int32) * (Size) m->n_users);
	CopyIn(base, h->seen, m->seen, sizeof(int32) * (Size) m->n_seen);
	if (m->decoder == LP_DECODER_MLP)
	{
		CopyIn(base, h->mlp, m->mlp, sizeof(float) * LpMlpWeightCount(m->dim, m->hidden));
		CopyIn(base, h->mlp_P, m->mlp_P, sizeof(float) * (Size) m->n_items * m->hidden);
	}
	if (h->ann_size > 0)
		CopyIn(base, h->ann, m->ann, h->ann_size);
	LpKeyMapFlatten(m->ukeys, base, h->ukeys.slots_off, &h->ukeys);
	if (m->homogeneous)
		h->ikeys = h->ukeys;
	else
		LpKeyMapFlatten(m->ikeys, base, h->ikeys.slots_off, &h->ikeys);
	memcpy(base, h, sizeof(BlobHeader));
}

/* point m's arrays into the copy of its pinned slot */
static void
PointInto(LpServingModel *m)
{
	SharedSlot *s = &sc->slots[m->shared_slot];
	char	   *base;
	const BlobHeader *h;

	AttachArea(sc->area_handle);
	base = dsa_get_address(area, s->blob);
	h = (const BlobHeader *) base;
	if (h->magic != LP_BLOB_MAGIC || h->job_id != m->job_id || h->n_users != m->n_users ||
		h->n_items != m->n_items || h->dim != m->dim)
		elog(ERROR, "linkpred: the shared copy of model \"%s\" does not match its catalog row",
			 m->name);
	m->U = (float *) (base + h->U);
	m->V = (float *) (base + h->V);
	m->bu = (float *) (base + h->bu);
	m->bv = (float *) (base + h->bv);
	m->udeg = (int32 *) (base + h->udeg);
	m->ideg = (int32 *) (base + h->ideg);
	m->seen_start = (int64 *) (base + h->seen_start);
	m->seen_len = (int32 *) (base + h->seen_len);
	m->seen = (int32 *) (base + h->seen);
	m->n_seen = h->n_seen;
	if (m->decoder == LP_DECODER_MLP)
	{
		m->mlp = (float *) (base + h->mlp);
		m->mlp_P = (float *) (base + h->mlp_P);
	}
	m->ann = h->ann_size > 0 ? base + h->ann : NULL;
	m->ann_size = h->ann_size;
	/* the map structs live in m->cxt, their arrays in the copy */
	if (m->ukeys == NULL || !m->ukeys->frozen)
	{
		m->ukeys = MemoryContextAlloc(m->cxt, sizeof(LpKeyMap));
		m->ikeys = m->homogeneous ? m->ukeys : MemoryContextAlloc(m->cxt, sizeof(LpKeyMap));
	}
	LpKeyMapInitFlat(m->ukeys, &h->ukeys, base);
	if (!m->homogeneous)
		LpKeyMapInitFlat(m->ikeys, &h->ikeys, base);
	/* a private copy this replaces */
	if (m->data_cxt)
	{
		MemoryContextDelete(m->data_cxt);
		m->data_cxt = NULL;
	}
}

/* ---------- what cache.c calls ---------- */

/* once per backend and version: this copy is not shared, and why */
static void
NoticeNotShared(LpServingModel *m, const char *detail, const char *hint)
{
	if (m->fallback_noticed)
		return;
	m->fallback_noticed = true;
	ereport(NOTICE,
			(errmsg("model \"%s\" version %d is served from this backend's own memory",
					m->name, m->version),
			 errdetail_internal("%s", detail),
			 errhint("%s", hint)));
}

LpSharedBegin
LpSharedCacheBegin(LpServingModel *m)
{
	TimestampTz deadline = 0;
	LpSharedBegin result = LP_SHARED_LOAD_PRIVATE;

	m->shared_slot = -1;
	if (sc == NULL)
		return LP_SHARED_LOAD_PRIVATE;
	EnsureCallbacks();
	if (CapBytes() == 0)
	{
		/* off: free what nobody pins, and do not keep the rest alive */
		LWLockAcquire(sc->lock, LW_EXCLUSIVE);
		AttachArea(sc->area_handle);
		MakeRoom(0);
		LWLockRelease(sc->lock);
		return LP_SHARED_LOAD_PRIVATE;
	}

	for (;;)
	{
		int			i;

		LWLockAcquire(sc->lock, LW_EXCLUSIVE);
		AttachArea(sc->area_handle);
		MakeRoom(0);			/* applies a lowered cap; frees stale copies */
		i = FindSlot(m);
		if (i >= 0 && sc->slots[i].state == SLOT_READY)
		{
			if (!sc->slots[i].stale)
				MarkOthersStale(m);
			Pin(i, m);
			LWLockRelease(sc->lock);
			PointInto(m);
			result = LP_SHARED_ATTACHED;
			break;
		}
		if (i >= 0)
		{
			/* another backend is loading this version: wait for its copy */
			TimestampTz now = GetCurrentTimestamp();

			LWLockRelease(sc->lock);
			if (deadline == 0)
				deadline = TimestampTzPlusMilliseconds(now, LP_LOAD_WAIT_MS);
			if (now >= deadline)
			{
				elog(DEBUG1, "linkpred: gave up waiting for another backend to load model \"%s\"",
					 m->name);
				break;
			}
			ConditionVariableTimedSleep(&sc->loaded, 1000, PG_WAIT_EXTENSION);
			continue;
		}
		if (!IsInParallelMode() && (i = FreeSlotIndex()) >= 0)
		{
			SharedSlot *s = &sc->slots[i];

			s->state = SLOT_LOADING;
			s->stale = false;
			s->dboid = MyDatabaseId;
			s->owner = m->owner;
			strlcpy(s->model, m->name, NAMEDATALEN);
			s->incarnation = m->incarnation;
			s->job_id = m->job_id;
			s->version = m->version;
			s->serial = sc->next_serial++;
			s->loader_pid = MyProcPid;
			s->blob = InvalidDsaPointer;
			s->bytes = 0;
			s->pins = 0;
			s->last_used = GetCurrentTransactionStartTimestamp();
			my_claim = i;
			my_claim_serial = s->serial;
			MarkOthersStale(m);
			result = LP_SHARED_LOAD_PUBLISH;
		}
		LWLockRelease(sc->lock);
		if (result != LP_SHARED_LOAD_PUBLISH)
		{
			if (IsInParallelMode())
				NoticeNotShared(m, "A parallel query cannot publish a shared copy.",
								"The next statement that is not a parallel query shares it.");
			else
				NoticeNotShared(m, psprintf("All %d entries of the shared cache hold versions in use.",
											LP_SHARED_SLOTS),
								"Serve fewer model versions at once.");
		}
		break;
	}
	ConditionVariableCancelSleep();
	return result;
}

/* a DSA chunk of size bytes, or invalid with *why set; errors are caught */
static dsa_pointer
AllocateProtected(Size size, char **why)
{
	MemoryContext cxt = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	volatile dsa_pointer dp = InvalidDsaPointer;

	*why = NULL;
	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(cxt);
	PG_TRY();
	{
		if (area == NULL)
			CreateArea();
		dp = dsa_allocate_extended(area, size, DSA_ALLOC_HUGE | DSA_ALLOC_NO_OOM);
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(cxt);
		CurrentResourceOwner = owner;
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(cxt);
		CurrentResourceOwner = owner;
		if (edata->sqlerrcode == ERRCODE_QUERY_CANCELED ||
			edata->sqlerrcode == ERRCODE_ADMIN_SHUTDOWN)
			ReThrowError(edata);
		*why = edata->message;
		dp = InvalidDsaPointer;
	}
	PG_END_TRY();
	if (!DsaPointerIsValid(dp) && *why == NULL)
		*why = "out of dynamic shared memory";
	return dp;
}

bool
LpSharedCachePublish(LpServingModel *m)
{
	BlobHeader h;
	Size		size = Layout(m, &h);
	SharedSlot *s = &sc->slots[my_claim];
	char	   *why = NULL;
	const char *hint = NULL;
	dsa_pointer dp;

	Assert(my_claim >= 0);
	LWLockAcquire(sc->lock, LW_EXCLUSIVE);
	Assert(s->serial == my_claim_serial && s->state == SLOT_LOADING);
	if (size > CapBytes())
	{
		why = psprintf("Its arrays take %zu kB; linkpred.shared_cache_size is %d kB.",
					   size / 1024, linkpred_shared_cache_kb);
		hint = psprintf("Set linkpred.shared_cache_size to at least %zu kB (and reload) to share one copy among all backends.",
						size / 1024 + 1);
	}
	else if (!MakeRoom(size))
	{
		why = psprintf("Its arrays take %zu kB; linkpred.shared_cache_size is %d kB, of which %zu kB hold copies in use.",
					   size / 1024, linkpred_shared_cache_kb, sc->total_bytes / 1024);
		hint = "Raise linkpred.shared_cache_size, or serve fewer models at once; see linkpred_cache_status().";
	}
	else
	{
		s->bytes = size;
		sc->total_bytes += size;
	}
	LWLockRelease(sc->lock);
	if (why)
	{
		ReleaseClaim();
		NoticeNotShared(m, why, hint);
		return false;
	}

	dp = AllocateProtected(size, &why);
	if (!DsaPointerIsValid(dp))
	{
		ReleaseClaim();
		NoticeNotShared(m, psprintf("Shared memory for its %zu kB could not be allocated: %s",
									size / 1024, why),
						"Check the room for dynamic shared memory (dynamic_shared_memory_type; the size of /dev/shm for posix).");
		return false;
	}
	LWLockAcquire(sc->lock, LW_EXCLUSIVE);
	s->blob = dp;				/* from here on an abort frees it */
	LWLockRelease(sc->lock);

	WriteBlob(m, &h, dsa_get_address(area, dp));

	LWLockAcquire(sc->lock, LW_EXCLUSIVE);
	s->state = SLOT_READY;
	s->loader_pid = 0;
	Pin(my_claim, m);
	my_claim = -1;
	LWLockRelease(sc->lock);
	ConditionVariableBroadcast(&sc->loaded);
	PointInto(m);
	return true;
}

bool
LpSharedCacheReuse(LpServingModel *m)
{
	int			i;

	if (sc == NULL)
		return true;
	if (m->shared_slot >= 0)
	{
		SharedSlot *s;

		if (m->pin_lxid == MyProc->lxid && HoldsPin(m->shared_slot, m->shared_serial))
			return true;
		LWLockAcquire(sc->lock, LW_EXCLUSIVE);
		/* a lowered cap (or 0, off) frees unpinned copies, maybe this one */
		if (sc->total_bytes > CapBytes())
		{
			AttachArea(sc->area_handle);
			MakeRoom(0);
		}
		s = &sc->slots[m->shared_slot];
		if (CapBytes() == 0 || s->state != SLOT_READY || s->serial != m->shared_serial)
		{
			LWLockRelease(sc->lock);
			m->shared_slot = -1;
			return false;
		}
		Pin(m->shared_slot, m);
		LWLockRelease(sc->lock);
		PointInto(m);			/* the mapping may have moved: cheap */
		return true;
	}

	/* a private copy: has a shared copy of its version appeared since? */
	if (CapBytes() == 0)
		return true;
	EnsureCallbacks();
	LWLockAcquire(sc->lock, LW_SHARED);
	i = FindSlot(m);
	i = (i >= 0 && sc->slots[i].state == SLOT_READY && !sc->slots[i].stale) ? i : -1;
	LWLockRelease(sc->lock);
	if (i < 0)
		return true;
	LWLockAcquire(sc->lock, LW_EXCLUSIVE);
	AttachArea(sc->area_handle);
	i = FindSlot(m);
	if (i >= 0 && sc->slots[i].state == SLOT_READY && !sc->slots[i].stale)
	{
		Pin(i, m);
		LWLockRelease(sc->lock);
		PointInto(m);
		return true;
	}
	LWLockRelease(sc->lock);
	return true;
}

void
LpSharedCacheForget(const char *model)
{
	MemoryContext old;

	if (sc == NULL)
		return;
	EnsureCallbacks();
	old = MemoryContextSwitchTo(TopTransactionContext);
	pending_forget = lappend(pending_forget, pstrdup(model));
	MemoryContextSwitchTo(old);
}

/* ---------- linkpred_cache_status() ---------- */

Datum
linkpred_cache_status(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	SharedSlot *copy = NULL;
	int			n = 0;
	int			n_local;
	LpServingModel **local;
	bool		see_all = has_privs_of_role(GetUserId(), ROLE_PG_READ_ALL_STATS);

	InitMaterializedSRF(fcinfo, 0);

	if (sc != NULL)
	{
		copy = palloc(sizeof(SharedSlot) * LP_SHARED_SLOTS);
		LWLockAcquire(sc->lock, LW_SHARED);
		for (int i = 0; i < LP_SHARED_SLOTS; i++)
			if (sc->slots[i].state != SLOT_FREE && sc->slots[i].dboid == MyDatabaseId)
				copy[n++] = sc->slots[i];
		LWLockRelease(sc->lock);
	}
	for (int i = 0; i < n; i++)
	{
		SharedSlot *s = &copy[i];
		Datum		values[8];
		bool		nulls[8] = {false};

		if (!see_all && !has_privs_of_role(GetUserId(), s->owner))
			continue;
		values[0] = CStringGetTextDatum(s->model);
		values[1] = Int32GetDatum(s->version);
		values[2] = Int64GetDatum(s->job_id);
		values[3] = BoolGetDatum(true);
		values[4] = CStringGetTextDatum(s->state == SLOT_LOADING ? "loading" :
										s->stale ? "stale" : "ready");
		values[5] = Int64GetDatum((int64) s->bytes);
		values[6] = Int32GetDatum(s->pins);
		values[7] = TimestampTzGetDatum(s->last_used);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}

	/* this backend's private copies */
	local = LpCachedModels(&n_local);
	for (int i = 0; i < n_local; i++)
	{
		LpServingModel *m = local[i];
		Datum		values[8];
		bool		nulls[8] = {false};

		if (m->shared_slot >= 0)
			continue;
		values[0] = CStringGetTextDatum(m->name);
		values[1] = Int32GetDatum(m->version);
		values[2] = Int64GetDatum(m->job_id);
		values[3] = BoolGetDatum(false);
		values[4] = CStringGetTextDatum("private");
		values[5] = Int64GetDatum((int64) MemoryContextMemAllocated(m->cxt, true));
		nulls[6] = true;
		nulls[7] = true;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}
