/*
 * cache_load.c: a model version read from linkpred's tables into a
 * backend's serving copy (cache.c decides when): the decoder's weights,
 * the embeddings, the top-k index.  A private copy may leave its users,
 * and with a top-k index its item vectors, to be read on first use: what
 * is read later, and when, is cache_lazy.c's (its header tells why); the
 * rows of either read come through LpCacheLoadRow here.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/array.h"
#include "utils/memutils.h"

#include "cache.h"
#include "cache_internal.h"
#include "graph.h"
#include "linkpred.h"
#include "shard.h"
#include "store.h"

static void LoadIndex(LpServingModel *m);

/*
 * The decoder's weights (version_catalog.decoder, decoder.h).  With a
 * query step (bilinear): U becomes the users' queries R' U[u], in a new
 * array when U was also the tied model's V.  Then the decoder's own load
 * (MLP: the weights and the item precompute P).
 */
static void
LoadDecoder(LpServingModel *m)
{
	Datum		d;
	bool		isnull;
	ArrayType  *a = NULL;
	const LpDecoderKind *dk = LpDecoderAt(m->decoder);
	Size		want = dk->store.n_weights(m->dim, m->hidden);
	const float *w;

	d = LpVersionDecoder(m->name, m->version, &isnull);
	if (!isnull)
		a = DatumGetArrayTypeP(d);
	if (a == NULL || ARR_NDIM(a) != 1 || ARR_HASNULL(a) || ARR_ELEMTYPE(a) != FLOAT4OID ||
		(Size) ARR_DIMS(a)[0] != want)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("embeddings of model \"%s\" version %d are damaged", m->name, m->version),
				 errdetail("Its %s decoder needs %zu reals in linkpred.version_catalog.decoder.",
						   dk->label, want),
				 errhint("Retrain the model.")));
	w = (const float *) ARR_DATA_PTR(a);
	if (dk->score.queries)
	{
		float	   *q = MemoryContextAllocHuge(m->data_cxt, sizeof(float) * (Size) m->n_users * m->dim);

		dk->score.queries(m->U, m->n_users, m->dim, w, q);
		if (!m->tied)
			pfree(m->U);
		m->U = q;
	}
	if (dk->serve.load)
		dk->serve.load(m, w, want);
	SPI_freetuptable(SPI_tuptable);
}


static void
Damaged(const LpServingModel *m, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_CORRUPTED),
			 errmsg("embeddings of model \"%s\" version %d are damaged", m->name, m->version),
			 detail ? errdetail_internal("%s", detail) : 0,
			 errhint("Retrain the model.")));
}

/*
 * Top-k writes through the seen lists and the index's filter searches
 * them by bisection: each must be ascending item indices.
 */
void
LpCacheCheckSeen(const LpServingModel *m, const int32 *s, int n)
{
	for (int32 j = 0; j < n; j++)
		if (s[j] < 0 || s[j] >= m->n_items || (j > 0 && s[j] <= s[j - 1]))
			Damaged(m, "The training items of a user are not ascending item indices.");
}

/*
 * A stored integer key's text as strtoll reads it, faster: an optional
 * minus and up to 18 digits (longer ones go to strtoll).  At two million
 * item keys strtoll was a sixth of a new backend's first top-k.
 */
static inline int64
IntKey(const char *s)
{
	const char *p = s + (*s == '-');
	uint64		v = 0;
	int			d = 0;

	for (; p[d] >= '0' && p[d] <= '9'; d++)
	{
		if (d == 18)
			return strtoll(s, NULL, 10);
		v = v * 10 + (uint64) (p[d] - '0');
	}
	return *s == '-' ? -(int64) v : (int64) v;
}

/* a user of a lazy copy's bucket into its key map (entry j: user idx) */
static void
InternLazyUser(LpServingModel *m, const char *key, int32 idx)
{
	LpKeyMap   *keys = m->ukeys;
	int32		j;

	/* room first: nothing can fail between the key's entry and its index */
	if (keys->n >= m->ukey_cap)
	{
		m->ukey_cap *= 2;
		m->ukey_idx = repalloc_huge(m->ukey_idx, sizeof(int32) * (Size) m->ukey_cap);
	}
	if (keys->kind == LP_KEY_INT)
		j = LpKeyMapIntern(keys, IntKey(key), NULL, 0);
	else
		j = LpKeyMapIntern(keys, 0, key, strlen(key));
	m->ukey_idx[j] = idx;
}

/* a user of a bucketed side read whole: its key kept until every user is in */
static void
KeepUserKey(LpLoadState *ls, const char *key, int32 idx)
{
	if (ls->pend_set[idx])
		Damaged(ls->m, "A user is stored twice.");
	ls->pend_set[idx] = true;
	if (ls->m->ukeys->kind == LP_KEY_INT)
		ls->pend_ikeys[idx] = IntKey(key);
	else
		ls->pend_tkeys[idx] = MemoryContextStrdup(ls->pend_cxt, key);
}

/* a lazy item chunk's first node, in data_cxt */
static void
KeepItemChunk(LpServingModel *m, int32 first)
{
	if (m->n_item_chunks == m->item_chunk_cap)
	{
		m->item_chunk_cap = Max(m->item_chunk_cap * 2, 64);
		m->item_chunk = m->item_chunk ?
			repalloc_huge(m->item_chunk, sizeof(int32) * (Size) m->item_chunk_cap) :
			MemoryContextAllocHuge(m->data_cxt, sizeof(int32) * (Size) m->item_chunk_cap);
	}
	m->item_chunk[m->n_item_chunks++] = first;
}

/* one stored row into the model's arrays */
void
LpCacheLoadRow(void *arg, const LpStoredRow *row)
{
	LpLoadState  *ls = (LpLoadState *) arg;
	LpServingModel *m = ls->m;
	MemoryContext old;
	char		side = row->side;
	int32		idx = row->idx;
	bool		user_side = (side == 'u' || side == 'n');
	LpKeyMap   *keys = user_side ? m->ukeys : m->ikeys;
	int32		n = user_side ? m->n_users : m->n_items;
	int32		got;

	ls->rows++;
	if (ls->vectors_only)
	{
		/* the keys, biases and degrees are in already */
		if (side != 'i' || idx < 0 || idx >= n || row->vec_len != m->dim)
			Damaged(m, NULL);
		memcpy(m->V + (int64) idx * m->dim, row->vec, sizeof(float) * m->dim);
		return;
	}
	if (idx < 0 || idx >= n ||
		(row->vec_len != m->dim && !(ls->lazy_items && !user_side && row->vec == NULL &&
									 row->vec_len == 0)))
		Damaged(m, NULL);
	old = MemoryContextSwitchTo(m->data_cxt);

	/*
	 * Keys are interned in idx order, so they get their stored idx back.  A
	 * directed homogeneous graph has 'i' and 'u' rows for the same nodes:
	 * 'i' (first in side order) interns them.  Users in buckets come in no
	 * order: a lazy copy maps them apart (InternLazyUser), a whole read
	 * interns them after the last row (KeepUserKey).  Lazy items are
	 * appended (their hash table waits for the first item lookup) and their
	 * chunks' first nodes kept, where their vectors will be read from.
	 */
	if (user_side && ls->lazy)
		InternLazyUser(m, row->key, idx);
	else if (user_side && ls->bucketed)
		KeepUserKey(ls, row->key, idx);
	else if (!(m->homogeneous && side == 'u'))
	{
		if (ls->lazy_items)
			got = keys->kind == LP_KEY_INT ?
				LpKeyMapAppend(keys, IntKey(row->key), NULL, 0) :
				LpKeyMapAppend(keys, 0, row->key, strlen(row->key));
		else if (keys->kind == LP_KEY_INT)
			got = LpKeyMapIntern(keys, IntKey(row->key), NULL, 0);
		else
			got = LpKeyMapIntern(keys, 0, row->key, strlen(row->key));
		if (got != idx)
			Damaged(m, "Node keys are not in index order.");
		if (ls->lazy_items && row->chunk == idx)
			KeepItemChunk(m, idx);
	}
	MemoryContextSwitchTo(old);
	if (row->vec)
		memcpy((user_side ? m->U : m->V) + (int64) idx * m->dim, row->vec,
			   sizeof(float) * m->dim);
	(user_side ? m->bu : m->bv)[idx] = row->bias;
	(user_side ? m->udeg : m->ideg)[idx] = row->degree;
	if (user_side && row->seen)
	{
		int			ns = row->n_seen;

		if (ls->lazy)
			LpCacheCheckSeen(m, row->seen, ns);
		if (ls->seen_used + ns > ls->seen_cap)
		{
			ls->seen_cap = Max(ls->seen_cap * 2, ls->seen_used + ns);
			m->seen = repalloc_huge(m->seen, sizeof(int32) * ls->seen_cap);
		}
		memcpy(m->seen + ls->seen_used, row->seen, sizeof(int32) * ns);
		m->seen_start[idx] = ls->seen_used;
		m->seen_len[idx] = ns;
		ls->seen_used += ns;
	}
}

/* a whole read of a bucketed user side: room for every user's key */
void
LpCacheBeginBucketedUsers(LpLoadState *ls)
{
	LpServingModel *m = ls->m;

	ls->bucketed = true;
	ls->pend_cxt = AllocSetContextCreate(CurrentMemoryContext, "linkpred user keys",
										 ALLOCSET_DEFAULT_SIZES);
	ls->pend_set = MemoryContextAllocExtended(ls->pend_cxt, sizeof(bool) * Max(m->n_users, 1),
											  MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	if (m->ukeys->kind == LP_KEY_INT)
		ls->pend_ikeys = MemoryContextAllocHuge(ls->pend_cxt, sizeof(int64) * Max(m->n_users, 1));
	else
		ls->pend_tkeys = MemoryContextAllocHuge(ls->pend_cxt, sizeof(char *) * Max(m->n_users, 1));
}

/* then every user's key interned in index order */
void
LpCacheEndBucketedUsers(LpLoadState *ls)
{
	LpServingModel *m = ls->m;
	MemoryContext old = MemoryContextSwitchTo(m->data_cxt);

	for (int32 u = 0; u < m->n_users; u++)
	{
		int32		got;

		if (!ls->pend_set[u])
			ereport(ERROR,
					(errcode(ERRCODE_DATA_CORRUPTED),
					 errmsg("embeddings of model \"%s\" version %d are incomplete", m->name, m->version),
					 errhint("Retrain the model.")));
		if (m->ukeys->kind == LP_KEY_INT)
			got = LpKeyMapIntern(m->ukeys, ls->pend_ikeys[u], NULL, 0);
		else
			got = LpKeyMapIntern(m->ukeys, 0, ls->pend_tkeys[u], strlen(ls->pend_tkeys[u]));
		if (got != u)
			Damaged(m, "A user key is stored twice.");
	}
	MemoryContextSwitchTo(old);
	MemoryContextDelete(ls->pend_cxt);
	ls->bucketed = false;
}

/*
 * The key maps: both sides' for a whole read, the items' and an empty one
 * for lazy users, the items' without a hash table yet for lazy items.
 */
static void
CreateKeyMaps(LpServingModel *m, bool lazy, bool lazy_items)
{
	MemoryContext old = MemoryContextSwitchTo(m->data_cxt);
	LpKeyKind	uk,
				ik;

	LpKeyKindForType(m->user_type, &uk);
	LpKeyKindForType(m->item_type, &ik);
	m->ukeys = LpKeyMapCreate(uk, lazy ? 1024 : m->n_users);
	m->ikeys = m->homogeneous ? m->ukeys : lazy_items ? LpKeyMapCreateUnhashed(ik, m->n_items) :
		LpKeyMapCreate(ik, m->n_items);
	MemoryContextSwitchTo(old);
}

/*
 * The version's arrays and id maps into m->data_cxt: every node, or with
 * lazy the items only (the users' arrays allocated, not filled), and with
 * lazy_items too the items without their vectors (V allocated, not
 * filled).  bucketed: the users are stored in buckets.
 */
static void
LoadEmbeddings(LpServingModel *m, bool bucketed, bool lazy, bool lazy_items)
{
	LpLoadState	ls = {m, 0, 1024};
	MemoryContext dcxt = m->data_cxt;

	m->U = MemoryContextAllocHuge(dcxt, sizeof(float) * (Size) m->n_users * m->dim);
	m->bu = MemoryContextAllocHuge(dcxt, sizeof(float) * (Size) m->n_users);
	m->udeg = MemoryContextAllocHuge(dcxt, sizeof(int32) * (Size) m->n_users);
	/* a lazy copy reads an entry only for a user it has read: no need to clear */
	m->seen_start = MemoryContextAllocExtended(dcxt, sizeof(int64) * (Size) m->n_users,
											   MCXT_ALLOC_HUGE | (lazy ? 0 : MCXT_ALLOC_ZERO));
	m->seen_len = MemoryContextAllocExtended(dcxt, sizeof(int32) * (Size) m->n_users,
											 MCXT_ALLOC_HUGE | (lazy ? 0 : MCXT_ALLOC_ZERO));
	m->seen = MemoryContextAllocHuge(dcxt, sizeof(int32) * ls.seen_cap);
	if (m->tied)
	{
		m->V = m->U;
		m->bv = m->bu;
		m->ideg = m->udeg;
	}
	else
	{
		m->V = MemoryContextAllocHuge(dcxt, sizeof(float) * (Size) m->n_items * m->dim);
		m->bv = MemoryContextAllocHuge(dcxt, sizeof(float) * (Size) m->n_items);
		m->ideg = MemoryContextAllocHuge(dcxt, sizeof(int32) * (Size) m->n_items);
	}
	/* rows are read into U (node vectors h) and turned into queries below */
	CreateKeyMaps(m, lazy, lazy_items);

	if (lazy)
	{
		Assert(bucketed && !m->homogeneous);
		if (lazy_items)
		{
			ls.lazy_items = true;
			m->items_lazy = true;
			m->item_read = MemoryContextAllocExtended(dcxt, sizeof(bool) * Max(m->n_items, 1),
													  MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
			LpStoreReadItemsWithoutVectors(m->name, m->version, LpCacheLoadRow, &ls);
		}
		else
			LpStoreReadSide(m->name, m->version, 'i', LpCacheLoadRow, &ls);
		m->user_buckets = LpStoreUserBuckets(m->n_users);
		m->bucket_read = MemoryContextAllocZero(dcxt, sizeof(bool) * m->user_buckets);
		m->ukey_cap = 1024;
		m->ukey_idx = MemoryContextAlloc(dcxt, sizeof(int32) * m->ukey_cap);
		m->seen_cap = ls.seen_cap;
		m->n_seen = 0;
		if (m->ikeys->n != m->n_items)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_CORRUPTED),
					 errmsg("embeddings of model \"%s\" version %d are incomplete", m->name, m->version),
					 errhint("Retrain the model.")));
		return;
	}
	if (bucketed)
		LpCacheBeginBucketedUsers(&ls);
	LpStoreReadEmbeddings(m->name, m->version, true, LpCacheLoadRow, &ls);
	if (bucketed)
		LpCacheEndBucketedUsers(&ls);
	m->n_seen = ls.seen_used;
	if (LpDecoderAt(m->decoder)->store.n_weights)
		LoadDecoder(m);
	if (m->ukeys->n != m->n_users || m->ikeys->n != m->n_items)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("embeddings of model \"%s\" version %d are incomplete", m->name, m->version),
				 errhint("Retrain the model.")));
	for (int32 u = 0; u < m->n_users; u++)
		LpCacheCheckSeen(m, m->seen + m->seen_start[u], m->seen_len[u]);
}

/*
 * Whether a private copy of m may read its users lazily: a version stored
 * with user buckets whose scoring needs the vectors only (no decoder
 * weights, head or item-item term, all of which read every user).
 */
static bool
LazyUsersServe(const LpServingModel *m)
{
	return !m->homogeneous && !m->has_head && !m->fold->item_term &&
		LpDecoderAt(m->decoder)->store.n_weights == NULL;
}

/*
 * A lazy copy of a version with a top-k index reads its items lazily too:
 * the index answers a top-k from its codes and re-scores a few hundred
 * candidates, the only item vectors the call needs.  Without an index the
 * first top-k scores every item.
 */
void
LpCacheLoadVersion(LpServingModel *m, bool publish)
{
	bool		bucketed = !m->homogeneous && LpStoreUsersBucketed(m->name, m->version);
	bool		lazy = bucketed && !publish && LazyUsersServe(m);

	LoadIndex(m);
	LoadEmbeddings(m, bucketed, lazy, lazy && m->ann != NULL);
}

/*
 * The version's top-k index, if it has one, into m->data_cxt.  A search
 * trusts every offset and item id in it, so it is checked whole (layout,
 * checksum, ids) here, once per load: O(size), little next to reading
 * the embedding rows.
 */
static void
LoadIndex(LpServingModel *m)
{
	Datum		d;
	bool		isnull;
	bytea	   *b;
	MemoryContext old;

	d = LpVersionAnn(m->name, m->version, &isnull);
	if (isnull)
		return;
	/* a palloc'd copy with a 4-byte header: its data is 4-byte aligned */
	old = MemoryContextSwitchTo(m->data_cxt);
	b = DatumGetByteaPCopy(d);
	MemoryContextSwitchTo(old);
	SPI_freetuptable(SPI_tuptable);
	if (!LpAnnValid(VARDATA(b), VARSIZE(b) - VARHDRSZ, m->n_items, m->dim))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("embeddings of model \"%s\" version %d are damaged", m->name, m->version),
				 errdetail("Its top-k index (linkpred.version_catalog.ann) fails its checks."),
				 errhint("Retrain the model.")));
	m->ann = VARDATA(b);
	m->ann_size = VARSIZE(b) - VARHDRSZ;
}

