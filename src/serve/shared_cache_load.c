/*
 * shared_cache_load.c: a model version's shared copy, from cache.c's side
 * (the design is at the top of shared_cache.c, which owns the registry,
 * the area and the pins).  LpSharedCacheBegin finds a version's copy and
 * pins it, or claims a slot and has the caller load the version privately;
 * LpSharedCachePublish lays the loaded arrays out as one flat,
 * position-independent block, copies it into the DSA area and marks the
 * slot ready; LpSharedCacheReuse re-pins a copy at a later transaction;
 * LpSharedCacheForget marks a dropped model's copies stale at commit.
 */
#include "postgres.h"

#include "access/xact.h"
#include "miscadmin.h"
#include "storage/condition_variable.h"
#include "storage/dsm.h"
#include "storage/lwlock.h"
#include "storage/proc.h"
#include "utils/builtins.h"
#include "utils/dsa.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/timestamp.h"
#include "utils/wait_event.h"

#include "keymap.h"
#include "linkpred.h"
#include "shared_cache_internal.h"

#define LP_BLOB_MAGIC 0x4C50424CU	/* "LPBL" */
#define LP_BLOB_ALIGN 64		/* arrays start on a cache line */
#define LP_LOAD_WAIT_MS (60 * 1000) /* longest wait for another backend's load */
#define LP_COPY_CHUNK ((Size) 64 * 1024 * 1024)	/* bytes copied between interrupt checks */

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
				decoder[LP_DECODER_MAX_ARRAYS]; /* the decoder's own (the MLP's weights, P) */
	LpFlatKeyMap ukeys;
	LpFlatKeyMap ikeys;
} BlobHeader;

/* ---------- the flat copy ---------- */

static Size
Place(Size *off, Size bytes)
{
	Size		at = *off;

	*off = TYPEALIGN(LP_BLOB_ALIGN, at + bytes);
	return at;
}

/* the decoder's own serving arrays (decoder.h): where each is, its floats */
static int
DecoderArrays(const LpServingModel *m, float ***where, Size *floats)
{
	const LpDecoderKind *dk = LpDecoderAt(m->decoder);

	return dk->arrays ? dk->arrays((LpServingModel *) m, where, floats) : 0;
}

/* offsets of m's arrays in a copy; the copy's size */
static Size
Layout(const LpServingModel *m, BlobHeader *h)
{
	Size		off = TYPEALIGN(LP_BLOB_ALIGN, sizeof(BlobHeader));
	float	  **where[LP_DECODER_MAX_ARRAYS];
	Size		floats[LP_DECODER_MAX_ARRAYS];
	int			n_dec = DecoderArrays(m, where, floats);

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
	for (int i = 0; i < n_dec; i++)
		h->decoder[i] = Place(&off, sizeof(float) * floats[i]);
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
	float	  **where[LP_DECODER_MAX_ARRAYS];
	Size		floats[LP_DECODER_MAX_ARRAYS];
	int			n_dec = DecoderArrays(m, where, floats);

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
	for (int i = 0; i < n_dec; i++)
		CopyIn(base, h->decoder[i], *where[i], sizeof(float) * floats[i]);
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
	SharedSlot *s = &lp_sc->slots[m->shared_slot];
	char	   *base;
	const BlobHeader *h;
	float	  **where[LP_DECODER_MAX_ARRAYS];
	Size		floats[LP_DECODER_MAX_ARRAYS];
	int			n_dec = DecoderArrays(m, where, floats);

	LpScAttachArea(lp_sc->area_handle);
	base = dsa_get_address(lp_sc_area, s->blob);
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
	for (int i = 0; i < n_dec; i++)
		*where[i] = (float *) (base + h->decoder[i]);
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

/*
 * The bytes m's copy takes at the least, from what is known before its rows
 * are read: the node arrays Layout places (not the seen lists, the
 * decoder's arrays, the index or the keys).
 */
static Size
MinimumCopyBytes(const LpServingModel *m)
{
	Size		users = (Size) m->n_users,
				items = (Size) m->n_items;
	Size		bytes = sizeof(float) * users * m->dim + (sizeof(float) + sizeof(int32)) * users +
		(sizeof(int64) + sizeof(int32)) * users;

	if (!LpModelOneArray(m))
		bytes += sizeof(float) * items * m->dim;
	if (!m->tied)
		bytes += (sizeof(float) + sizeof(int32)) * items;
	return bytes;
}

/* why a copy of `bytes` (or `at_least` that many) is not shared, and the way out */
static void
OverCap(Size bytes, const char *at_least, char **why, const char **hint)
{
	*why = psprintf("Its arrays take %s%zu kB; linkpred.shared_cache_size is %d kB.",
					at_least, bytes / 1024, linkpred_shared_cache_kb);
	*hint = psprintf("Set linkpred.shared_cache_size to at least %zu kB (and reload) to share one copy among all backends.",
					 bytes / 1024 + 1);
}

LpSharedBegin
LpSharedCacheBegin(LpServingModel *m)
{
	TimestampTz deadline = 0;
	LpSharedBegin result = LP_SHARED_LOAD_PRIVATE;
	Size		least = MinimumCopyBytes(m);

	m->shared_slot = -1;
	if (lp_sc == NULL)
		return LP_SHARED_LOAD_PRIVATE;
	LpScEnsureCallbacks();
	if (LpScCapBytes() == 0)
	{
		/* off: free what nobody pins, and do not keep the rest alive */
		LWLockAcquire(lp_sc->lock, LW_EXCLUSIVE);
		LpScAttachArea(lp_sc->area_handle);
		LpScMakeRoom(0);
		LWLockRelease(lp_sc->lock);
		return LP_SHARED_LOAD_PRIVATE;
	}

	for (;;)
	{
		int			i;

		LWLockAcquire(lp_sc->lock, LW_EXCLUSIVE);
		LpScAttachArea(lp_sc->area_handle);
		LpScMakeRoom(0);			/* applies a lowered cap; frees stale copies */
		i = LpScFindSlot(m);
		if (i >= 0 && lp_sc->slots[i].state == SLOT_READY)
		{
			if (!lp_sc->slots[i].stale)
				LpScMarkOthersStale(m);
			LpScPin(i, m);
			LWLockRelease(lp_sc->lock);
			PointInto(m);
			result = LP_SHARED_ATTACHED;
			break;
		}
		if (i >= 0)
		{
			/* another backend is loading this version: wait for its copy */
			TimestampTz now = GetCurrentTimestamp();

			LWLockRelease(lp_sc->lock);
			if (deadline == 0)
				deadline = TimestampTzPlusMilliseconds(now, LP_LOAD_WAIT_MS);
			if (now >= deadline)
			{
				elog(DEBUG1, "linkpred: gave up waiting for another backend to load model \"%s\"",
					 m->name);
				break;
			}
			ConditionVariableTimedSleep(&lp_sc->loaded, 1000, PG_WAIT_EXTENSION);
			continue;
		}
		if (least > LpScCapBytes())
		{
			/*
			 * Never claimed: this backend reads its own copy at once,
			 * lazily where it can (cache_load.c), rather than reading the
			 * whole version only to find it does not fit.
			 */
			char	   *why;
			const char *hint;

			LWLockRelease(lp_sc->lock);
			OverCap(least, "at least ", &why, &hint);
			NoticeNotShared(m, why, hint);
			break;
		}
		if (!IsInParallelMode() && (i = LpScFreeSlotIndex()) >= 0)
		{
			SharedSlot *s = &lp_sc->slots[i];

			s->state = SLOT_LOADING;
			s->stale = false;
			s->dboid = MyDatabaseId;
			s->owner = m->owner;
			strlcpy(s->model, m->name, NAMEDATALEN);
			s->incarnation = m->incarnation;
			s->job_id = m->job_id;
			s->version = m->version;
			s->serial = lp_sc->next_serial++;
			s->loader_pid = MyProcPid;
			s->blob = InvalidDsaPointer;
			s->bytes = 0;
			s->pins = 0;
			s->last_used = GetCurrentTransactionStartTimestamp();
			lp_sc_my_claim = i;
			lp_sc_my_claim_serial = s->serial;
			LpScMarkOthersStale(m);
			result = LP_SHARED_LOAD_PUBLISH;
		}
		LWLockRelease(lp_sc->lock);
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
		if (lp_sc_area == NULL)
			LpScCreateArea();
		dp = dsa_allocate_extended(lp_sc_area, size, DSA_ALLOC_HUGE | DSA_ALLOC_NO_OOM);
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
	SharedSlot *s = &lp_sc->slots[lp_sc_my_claim];
	char	   *why = NULL;
	const char *hint = NULL;
	dsa_pointer dp;

	Assert(lp_sc_my_claim >= 0);
	LWLockAcquire(lp_sc->lock, LW_EXCLUSIVE);
	Assert(s->serial == lp_sc_my_claim_serial && s->state == SLOT_LOADING);
	if (size > LpScCapBytes())
		OverCap(size, "", &why, &hint);
	else if (!LpScMakeRoom(size))
	{
		why = psprintf("Its arrays take %zu kB; linkpred.shared_cache_size is %d kB, of which %zu kB hold copies in use.",
					   size / 1024, linkpred_shared_cache_kb, lp_sc->total_bytes / 1024);
		hint = "Raise linkpred.shared_cache_size, or serve fewer models at once; see linkpred_cache_status().";
	}
	else
	{
		s->bytes = size;
		lp_sc->total_bytes += size;
	}
	LWLockRelease(lp_sc->lock);
	if (why)
	{
		LpScReleaseClaim();
		NoticeNotShared(m, why, hint);
		return false;
	}

	dp = AllocateProtected(size, &why);
	if (!DsaPointerIsValid(dp))
	{
		LpScReleaseClaim();
		NoticeNotShared(m, psprintf("Shared memory for its %zu kB could not be allocated: %s",
									size / 1024, why),
						"Check the room for dynamic shared memory (dynamic_shared_memory_type; the size of /dev/shm for posix).");
		return false;
	}
	LWLockAcquire(lp_sc->lock, LW_EXCLUSIVE);
	s->blob = dp;				/* from here on an abort frees it */
	LWLockRelease(lp_sc->lock);

	WriteBlob(m, &h, dsa_get_address(lp_sc_area, dp));

	LWLockAcquire(lp_sc->lock, LW_EXCLUSIVE);
	s->state = SLOT_READY;
	s->loader_pid = 0;
	LpScPin(lp_sc_my_claim, m);
	lp_sc_my_claim = -1;
	LWLockRelease(lp_sc->lock);
	ConditionVariableBroadcast(&lp_sc->loaded);
	PointInto(m);
	return true;
}

bool
LpSharedCacheReuse(LpServingModel *m)
{
	int			i;

	if (lp_sc == NULL)
		return true;
	if (m->shared_slot >= 0)
	{
		SharedSlot *s;

		if (m->pin_lxid == MyProc->lxid && LpScHoldsPin(m->shared_slot, m->shared_serial))
			return true;
		LWLockAcquire(lp_sc->lock, LW_EXCLUSIVE);
		/* a lowered cap (or 0, off) frees unpinned copies, maybe this one */
		if (lp_sc->total_bytes > LpScCapBytes())
		{
			LpScAttachArea(lp_sc->area_handle);
			LpScMakeRoom(0);
		}
		s = &lp_sc->slots[m->shared_slot];
		if (LpScCapBytes() == 0 || s->state != SLOT_READY || s->serial != m->shared_serial)
		{
			LWLockRelease(lp_sc->lock);
			m->shared_slot = -1;
			return false;
		}
		LpScPin(m->shared_slot, m);
		LWLockRelease(lp_sc->lock);
		PointInto(m);			/* the mapping may have moved: cheap */
		return true;
	}

	/* a private copy: has a shared copy of its version appeared since? */
	if (LpScCapBytes() == 0)
		return true;
	LpScEnsureCallbacks();
	LWLockAcquire(lp_sc->lock, LW_SHARED);
	i = LpScFindSlot(m);
	i = (i >= 0 && lp_sc->slots[i].state == SLOT_READY && !lp_sc->slots[i].stale) ? i : -1;
	LWLockRelease(lp_sc->lock);
	if (i < 0)
		return true;
	LWLockAcquire(lp_sc->lock, LW_EXCLUSIVE);
	LpScAttachArea(lp_sc->area_handle);
	i = LpScFindSlot(m);
	if (i >= 0 && lp_sc->slots[i].state == SLOT_READY && !lp_sc->slots[i].stale)
	{
		LpScPin(i, m);
		LWLockRelease(lp_sc->lock);
		PointInto(m);
		return true;
	}
	LWLockRelease(lp_sc->lock);
	return true;
}

void
LpSharedCacheForget(const char *model)
{
	MemoryContext old;

	if (lp_sc == NULL)
		return;
	LpScEnsureCallbacks();
	old = MemoryContextSwitchTo(TopTransactionContext);
	lp_sc_pending_forget = lappend(lp_sc_pending_forget, pstrdup(model));
	MemoryContextSwitchTo(old);
}
