/*
 * cache_lazy.c: what a private serving copy reads after its load, on first
 * use: a user's bucket (lazy users), the vectors of the items a top-k
 * re-ranks (lazy items), and the rest of either side before whatever needs
 * all of it.  The load itself, and the rows of every read, are
 * cache_load.c's.
 *
 * Lazy users.  The first call in a new backend used to read the whole
 * version: at ten million nodes that is seconds of TOAST reads and key
 * interning before the first row, though top-k for one user needs the
 * items and that one user.  A bipartite version stores its users in
 * buckets by a stable hash of their key (store.c), so a private copy (no
 * shared cache, or a copy that would not be published) whose scoring needs
 * nothing but the vectors reads the item side at once and each user's
 * bucket, by the table's primary key, on the user's first lookup
 * (LpCacheLookupLazyUser): a bucket holds about LP_STORE_CHUNK users, and
 * a user absent from the version costs one read of its bucket, after which
 * the bucket is known.  Users keep their index in the version, so their
 * arrays are allocated for every user (address space; a page is touched
 * only where a user is read) and nothing that holds an index ever has to
 * change it.  What needs every user (evaluation, top-k for all users,
 * the structural head's graph, fresh users) reads the rest first
 * (LpCacheReadAllUsers): then the copy is a whole one.
 *
 * Lazy items.  With the users lazy, the first call's cost was the item
 * side: at 2M items of dim 64, 486 MB of vectors from TOAST and 2M keys
 * hashed, of which a top-k answered by the approximate index (ann.h) uses
 * a few hundred vectors, its re-rank's candidates, and no key lookup.  So
 * such a copy of a version with an index reads the items' keys (appended,
 * their hash table built on the first item lookup: keymap.h), biases and
 * degrees at once, and an item's vector when the re-rank or a score needs
 * it (LpCacheItemVectors): each as a slice of its chunk's vectors array,
 * which is stored uncompressed out of line, so a slice reads one or two
 * TOAST chunks (store_read.c).  Item indices, scores and order are those
 * of a whole copy: the same vectors, the same arithmetic.  What reads V
 * whole (the exact scan, evaluation, similar items, fold-in, fresh items,
 * any function but linkpred_topk: LpModelForCall) reads every vector
 * first (LpCacheReadAllItems).
 *
 * A failure half-way through any of these reads marks the copy half read
 * (the caller's statement fails; cache.c evicts the copy before its next
 * use, which loads afresh).
 */
#include "postgres.h"

#include "executor/spi.h"
#include "utils/memutils.h"

#include "cache.h"
#include "cache_internal.h"
#include "graph.h"
#include "linkpred.h"
#include "shard.h"
#include "store.h"

/*
 * Run read(m, arg) connected to SPI in the catalog context; if it fails,
 * mark m half read before the error goes on: cache.c then evicts it before
 * any further use (the next statement's lookup, or a later call of this
 * statement that caught the error), and loads the version afresh.
 */
static void
ReadOrMark(LpServingModel *m, void (*read) (LpServingModel *m, void *arg), void *arg)
{
	PG_TRY();
	{
		LpCatalogContext cc;

		SPI_connect();
		LpCatalogEnter(&cc);
		read(m, arg);
		LpCatalogLeave(&cc);
		SPI_finish();
	}
	PG_CATCH();
	{
		m->half_read = true;
		PG_RE_THROW();
	}
	PG_END_TRY();
}

static void
ReadBucket(LpServingModel *m, void *arg)
{
	int32		b = *(int32 *) arg;
	LpLoadState	ls = {m, m->n_seen, m->seen_cap, true};

	LpStoreReadUserBucket(m->name, m->version, b, LpCacheLoadRow, &ls);
	m->n_seen = ls.seen_used;
	m->seen_cap = ls.seen_cap;
	m->bucket_read[b] = true;
}

int32
LpCacheLookupLazyUser(LpServingModel *m, Datum value, Oid valtype)
{
	int32		j = LpKeyMapFindDatum(m->ukeys, m->user_type, value, valtype);
	int64		ikey = 0;
	char	   *tkey = NULL;
	int32		b;

	Assert(m->user_buckets > 0);
	if (j >= 0)
		return m->ukey_idx[j];
	/* a value that cannot be a key of the version (text for integer keys) */
	if (!LpKeyFromDatum(m->ukeys->kind, m->user_type, value, valtype, &ikey, &tkey))
		return -1;
	b = m->ukeys->kind == LP_KEY_INT ? LpShardOfInt(ikey, m->user_buckets) :
		LpShardOfText(tkey, strlen(tkey), m->user_buckets);
	if (m->bucket_read[b])
		return -1;				/* its bucket is read: not in the version */
	ReadOrMark(m, ReadBucket, &b);
	j = LpKeyMapFindDatum(m->ukeys, m->user_type, value, valtype);
	return j >= 0 ? m->ukey_idx[j] : -1;
}

/*
 * Every user: the users' side read whole into the arrays (a user read
 * already gets the same values again), a key map of every user in index
 * order and new seen lists in place of the lazy ones.
 */
static void
ReadAllUsers(LpServingModel *m, void *arg)
{
	LpLoadState	ls = {m, 0, Max(m->n_seen, 1024)};
	LpKeyKind	uk;
	MemoryContext old = MemoryContextSwitchTo(m->data_cxt);

	/* new key map and seen lists (a failure marks the copy half read: ReadOrMark) */
	LpKeyKindForType(m->user_type, &uk);
	m->ukeys = LpKeyMapCreate(uk, m->n_users);
	m->seen_start = MemoryContextAllocExtended(m->data_cxt, sizeof(int64) * (Size) m->n_users,
											   MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	m->seen_len = MemoryContextAllocExtended(m->data_cxt, sizeof(int32) * (Size) m->n_users,
											 MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	m->seen = MemoryContextAllocHuge(m->data_cxt, sizeof(int32) * ls.seen_cap);
	MemoryContextSwitchTo(old);
	LpCacheBeginBucketedUsers(&ls);
	LpStoreReadSide(m->name, m->version, 'u', LpCacheLoadRow, &ls);
	LpCacheEndBucketedUsers(&ls);
	m->n_seen = ls.seen_used;
	for (int32 u = 0; u < m->n_users; u++)
		LpCacheCheckSeen(m, m->seen + m->seen_start[u], m->seen_len[u]);
	m->user_buckets = 0;
}

void
LpCacheReadAllUsers(LpServingModel *m)
{
	if (m->user_buckets > 0)
		ReadOrMark(m, ReadAllUsers, NULL);
}

/*
 * Every item's vector: the item side read whole again, its vectors alone
 * (the keys, biases and degrees are in), an item read already getting the
 * same vector.
 */
static void
ReadAllItemVectors(LpServingModel *m, void *arg)
{
	LpLoadState	ls = {m};

	ls.vectors_only = true;
	LpStoreReadSide(m->name, m->version, 'i', LpCacheLoadRow, &ls);
	if (ls.rows != m->n_items)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("embeddings of model \"%s\" version %d are incomplete", m->name, m->version),
				 errhint("Retrain the model.")));
	m->items_lazy = false;
}

void
LpCacheReadAllItems(LpServingModel *m)
{
	if (m->items_lazy)
		ReadOrMark(m, ReadAllItemVectors, NULL);
}

/* LpCacheItemVectors' items not read yet, ascending and distinct */
typedef struct ItemList
{
	int32	   *items;
	int			n;
} ItemList;

static void
ReadItemVectors(LpServingModel *m, void *arg)
{
	ItemList   *l = arg;

	/* a chunk not as expected: the side read whole, which tells what is wrong */
	if (!LpStoreReadItemVectors(m->name, m->version, m->dim, m->n_items, m->item_chunk,
								m->n_item_chunks, l->items, l->n, m->V))
	{
		ReadAllItemVectors(m, NULL);
		return;
	}
	for (int j = 0; j < l->n; j++)
		m->item_read[l->items[j]] = true;
}

void
LpCacheItemVectors(LpServingModel *m, const int32 *items, int n)
{
	ItemList	l;

	if (!m->items_lazy)
		return;
	l.items = palloc(sizeof(int32) * Max(n, 1));
	l.n = 0;
	for (int j = 0; j < n; j++)
		if (items[j] >= 0 && items[j] < m->n_items && !m->item_read[items[j]])
			l.items[l.n++] = items[j];
	if (l.n > 0)
	{
		int			w = 0;

		qsort(l.items, l.n, sizeof(int32), LpCompareInt32);
		for (int j = 0; j < l.n; j++)
			if (w == 0 || l.items[w - 1] != l.items[j])
				l.items[w++] = l.items[j];
		l.n = w;
		ReadOrMark(m, ReadItemVectors, &l);
	}
	pfree(l.items);
}
