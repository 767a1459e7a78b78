/*
 * store_read.c: reading a version's nodes back from linkpred.embedding_store
 * (serving, warm start): chunk by chunk (store.c writes them), each chunk's
 * arrays detoasted once and handed over node by node; one side, or one
 * bucket of users (serving's lazy users); a 0.1.0 catalog's row per node
 * until its update.
 */
#include "postgres.h"

#include "access/detoast.h"
#include "access/tupmacs.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "linkpred.h"
#include "store.h"

/* LpStoreReadEmbeddings' read: which columns, whom to hand each node */
typedef struct ReadState
{
	bool		full;
	bool		no_vectors;		/* the vectors column is not read: rows get vec NULL */
	LpStoredRowFn fn;
	void	   *arg;
	MemoryContext chunk_cxt;	/* a chunk's detoasted arrays, reset after it */
	char	   *keybuf;			/* the node's key, NUL-terminated */
	int			keycap;
} ReadState;

/*
 * The two reads of a version's chunks.  Serving needs every column, in
 * index order (keys are interned in that order); a warm start matches nodes
 * by key and needs no order.
 */
static const char *const read_sql[2] = {
	"SELECT side, idx, keys, degrees, biases, vecs FROM linkpred.embedding_store"
	" WHERE model = $1 AND version = $2",
	"SELECT side, idx, keys, degrees, biases, vecs, seen, seen_ends, nodes"
	" FROM linkpred.embedding_store"
	" WHERE model = $1 AND version = $2 ORDER BY side, idx"
};

/* a full read of one side; one bucket of users (store.c's WriteUserBuckets) */
#define SIDE_SQL \
	"SELECT side, idx, keys, degrees, biases, vecs, seen, seen_ends, nodes" \
	" FROM linkpred.embedding_store" \
	" WHERE model = $1 AND version = $2 AND side = $3 ORDER BY idx"
/* the items without their vectors (serving's lazy items) */
#define ITEMS_SQL \
	"SELECT side, idx, keys, degrees, biases, NULL::real[], seen, seen_ends, nodes" \
	" FROM linkpred.embedding_store" \
	" WHERE model = $1 AND version = $2 AND side = 'i' ORDER BY idx"
#define BUCKET_SQL \
	"SELECT side, idx, keys, degrees, biases, vecs, seen, seen_ends, nodes" \
	" FROM linkpred.embedding_store" \
	" WHERE model = $1 AND version = $2 AND side = 'u' AND idx = $3"

/* the same reads of a 0.1.0 catalog's rows, a row per node */
static const char *const legacy_read_sql[2] = {
	"SELECT side, key, bias, vec FROM linkpred.embedding_store"
	" WHERE model = $1 AND version = $2",
	"SELECT side, idx, key, degree, bias, vec, seen"
	" FROM linkpred.embedding_store"
	" WHERE model = $1 AND version = $2 ORDER BY side, idx"
};

static void
ReadRow(void *arg, HeapTuple tup, TupleDesc desc)
{
	ReadState  *rs = arg;
	bool		full = rs->full;
	int			col = 1;
	bool		isnull;
	LpStoredRow row;
	ArrayType  *vec;
	Datum		seen;

	memset(&row, 0, sizeof(row));
	row.idx = -1;
	row.side = DatumGetChar(SPI_getbinval(tup, desc, col++, &isnull));
	if (full)
		row.idx = DatumGetInt32(SPI_getbinval(tup, desc, col++, &isnull));
	row.key = TextDatumGetCString(SPI_getbinval(tup, desc, col++, &isnull));
	if (full)
		row.degree = DatumGetInt32(SPI_getbinval(tup, desc, col++, &isnull));
	row.bias = DatumGetFloat4(SPI_getbinval(tup, desc, col++, &isnull));
	vec = DatumGetArrayTypeP(SPI_getbinval(tup, desc, col++, &isnull));
	row.vec = (const float *) ARR_DATA_PTR(vec);
	row.vec_len = (ARR_NDIM(vec) != 1 || ARR_HASNULL(vec)) ? -1 : ARR_DIMS(vec)[0];
	if (full)
	{
		seen = SPI_getbinval(tup, desc, col++, &isnull);
		if (!isnull)
		{
			ArrayType  *s = DatumGetArrayTypeP(seen);

			row.seen = (const int32 *) ARR_DATA_PTR(s);
			row.n_seen = ArrayGetNItems(ARR_NDIM(s), ARR_DIMS(s));
		}
	}
	rs->fn(rs->arg, &row);
}

/* a column's one-dimensional array without NULLs, its length in *n; NULL if not that */
static ArrayType *
ChunkArray(HeapTuple tup, TupleDesc desc, int col, int *n)
{
	bool		isnull;
	Datum		d = SPI_getbinval(tup, desc, col, &isnull);
	ArrayType  *a;

	*n = 0;
	if (isnull)
		return NULL;
	a = DatumGetArrayTypeP(d);
	if (ARR_HASNULL(a) || ARR_NDIM(a) > 1)
		return NULL;
	*n = ARR_NDIM(a) == 0 ? 0 : ARR_DIMS(a)[0];
	return a;
}

/*
 * One chunk: its nodes handed over one by one.  A chunk whose arrays do not
 * match (a damaged row) hands its nodes with vec_len -1, which every
 * reader refuses as damaged.
 */
static void
ReadChunk(void *arg, HeapTuple tup, TupleDesc desc)
{
	ReadState  *rs = arg;
	MemoryContext old = MemoryContextSwitchTo(rs->chunk_cxt);
	bool		isnull;
	char		side = DatumGetChar(SPI_getbinval(tup, desc, 1, &isnull));
	int32		first = DatumGetInt32(SPI_getbinval(tup, desc, 2, &isnull));
	int			n,
				nd,
				nb,
				nv,
				ns = 0,
				ne = 0;
	ArrayType  *keys = ChunkArray(tup, desc, 3, &n);
	ArrayType  *deg = ChunkArray(tup, desc, 4, &nd);
	ArrayType  *bias = ChunkArray(tup, desc, 5, &nb);
	ArrayType  *vec = ChunkArray(tup, desc, 6, &nv);
	ArrayType  *seen = NULL,
			   *ends = NULL,
			   *nodes = NULL;
	int			nn = 0;
	bool		ok;
	char	   *kp;
	int			dim;

	if (rs->full)
	{
		seen = ChunkArray(tup, desc, 7, &ns);
		ends = ChunkArray(tup, desc, 8, &ne);
		/* a bucket of users: each one's index (a NULL column: first, first + 1, ...) */
		nodes = ChunkArray(tup, desc, 9, &nn);
	}
	if (rs->no_vectors)
		nv = 0;
	ok = keys && deg && bias && (vec || rs->no_vectors) && n > 0 && nd == n && nb == n && nv % n == 0 &&
		(seen == NULL) == (ends == NULL) && (ends == NULL || ne == n) &&
		(nodes == NULL || nn == n);
	dim = ok ? nv / n : 0;
	/* the seen lists' ends: ascending, the last one the list's length */
	for (int i = 0; ok && ends && i < n; i++)
	{
		int32		e = ((const int32 *) ARR_DATA_PTR(ends))[i];

		ok = e >= (i > 0 ? ((const int32 *) ARR_DATA_PTR(ends))[i - 1] : 0) &&
			(i < n - 1 || e == ns);
	}
	if (!ok)
	{
		/* one node stands for the damaged chunk */
		LpStoredRow row;

		memset(&row, 0, sizeof(row));
		row.side = side;
		row.idx = first;
		row.chunk = first;
		row.key = "";
		row.vec_len = -1;
		rs->fn(rs->arg, &row);
		MemoryContextSwitchTo(old);
		MemoryContextReset(rs->chunk_cxt);
		return;
	}
	kp = ARR_DATA_PTR(keys);
	for (int i = 0; i < n; i++)
	{
		LpStoredRow row;
		int			klen = VARSIZE_ANY_EXHDR(kp);

		memset(&row, 0, sizeof(row));
		row.side = side;
		row.chunk = first;
		row.idx = !rs->full ? -1 : nodes ? ((const int32 *) ARR_DATA_PTR(nodes))[i] : first + i;
		if (klen >= rs->keycap)
		{
			rs->keycap = Max(klen + 1, rs->keycap * 2);
			rs->keybuf = repalloc(rs->keybuf, rs->keycap);
		}
		memcpy(rs->keybuf, VARDATA_ANY(kp), klen);
		rs->keybuf[klen] = '\0';
		row.key = rs->keybuf;
		kp = (char *) att_addlength_pointer(kp, -1, kp);
		kp = (char *) att_align_nominal(kp, TYPALIGN_INT);
		row.degree = ((const int32 *) ARR_DATA_PTR(deg))[i];
		row.bias = ((const float *) ARR_DATA_PTR(bias))[i];
		if (!rs->no_vectors)
		{
			row.vec = (const float *) ARR_DATA_PTR(vec) + (int64) i * dim;
			row.vec_len = dim;
		}
		if (ends)
		{
			const int32 *e = (const int32 *) ARR_DATA_PTR(ends);
			int32		s0 = i > 0 ? e[i - 1] : 0;

			row.seen = (const int32 *) ARR_DATA_PTR(seen) + s0;
			row.n_seen = e[i] - s0;
		}
		rs->fn(rs->arg, &row);
	}
	MemoryContextSwitchTo(old);
	MemoryContextReset(rs->chunk_cxt);
}

void
LpStoreReadEmbeddings(const char *model, int32 version, bool full,
					  LpStoredRowFn fn, void *arg)
{
	Oid			t[2] = {TEXTOID, INT4OID};
	Datum		v[2];
	ReadState	rs;

	v[0] = CStringGetTextDatum(model);
	v[1] = Int32GetDatum(version);
	rs.full = full;
	rs.no_vectors = false;
	rs.fn = fn;
	rs.arg = arg;
	if (!LpStoreChunked())
	{
		LpSpiEachRow(SPI_cursor_open_with_args(NULL, legacy_read_sql[full], 2, t, v, NULL, true, 0),
					 10000, ReadRow, &rs);
		return;
	}
	rs.chunk_cxt = AllocSetContextCreate(CurrentMemoryContext, "linkpred embedding chunk",
										 ALLOCSET_DEFAULT_SIZES);
	rs.keycap = 64;
	rs.keybuf = palloc(rs.keycap);
	/* a few chunks a fetch: each holds LP_STORE_CHUNK nodes */
	LpSpiEachRow(SPI_cursor_open_with_args(NULL, read_sql[full], 2, t, v, NULL, true, 0),
				 16, ReadChunk, &rs);
	MemoryContextDelete(rs.chunk_cxt);
	pfree(rs.keybuf);
}


/* ReadChunk over a cursor's rows, in a chunk context of its own */
static void
ReadChunks(Portal portal, bool no_vectors, LpStoredRowFn fn, void *arg)
{
	ReadState	rs;

	rs.full = true;
	rs.no_vectors = no_vectors;
	rs.fn = fn;
	rs.arg = arg;
	rs.chunk_cxt = AllocSetContextCreate(CurrentMemoryContext, "linkpred embedding chunk",
										 ALLOCSET_DEFAULT_SIZES);
	rs.keycap = 64;
	rs.keybuf = palloc(rs.keycap);
	LpSpiEachRow(portal, 16, ReadChunk, &rs);
	MemoryContextDelete(rs.chunk_cxt);
	pfree(rs.keybuf);
}

void
LpStoreReadSide(const char *model, int32 version, char side, LpStoredRowFn fn, void *arg)
{
	Oid			t[3] = {TEXTOID, INT4OID, CHAROID};
	Datum		v[3];

	Assert(LpStoreChunked());
	v[0] = CStringGetTextDatum(model);
	v[1] = Int32GetDatum(version);
	v[2] = CharGetDatum(side);
	ReadChunks(SPI_cursor_open_with_args(NULL, SIDE_SQL, 3, t, v, NULL, true, 0), false, fn, arg);
}

void
LpStoreReadUserBucket(const char *model, int32 version, int32 bucket, LpStoredRowFn fn, void *arg)
{
	Oid			t[3] = {TEXTOID, INT4OID, INT4OID};
	Datum		v[3];

	v[0] = CStringGetTextDatum(model);
	v[1] = Int32GetDatum(version);
	v[2] = Int32GetDatum(bucket);
	/* an empty bucket has no row: no node */
	ReadChunks(SPI_cursor_open_with_args(NULL, BUCKET_SQL, 3, t, v, NULL, true, 0), false, fn, arg);
}

void
LpStoreReadItemsWithoutVectors(const char *model, int32 version, LpStoredRowFn fn, void *arg)
{
	Oid			t[2] = {TEXTOID, INT4OID};
	Datum		v[2];

	Assert(LpStoreChunked());
	v[0] = CStringGetTextDatum(model);
	v[1] = Int32GetDatum(version);
	ReadChunks(SPI_cursor_open_with_args(NULL, ITEMS_SQL, 2, t, v, NULL, true, 0), true, fn, arg);
}

/*
 * The vectors of items[0 .. n-1] (ascending) into V (item i at V + i *
 * dim), from the item chunks whose first nodes are first[0 .. n_chunks-1]
 * (ascending; chunk c holds nodes first[c] .. first[c + 1] - 1, the last
 * one up to n_items - 1).  The vectors' arrays are stored out of line and
 * uncompressed (STORAGE EXTERNAL), so each item's dim floats are read as a
 * slice of its chunk's array: the few TOAST chunks that hold them, not the
 * array.  Returns false (V holding what it read so far) when a chunk's row
 * is missing or its array is not the one-dimensional float4 array of its
 * nodes' vectors: the caller then reads the side whole, which reports the
 * damage.
 */
bool
LpStoreReadItemVectors(const char *model, int32 version, int dim, int32 n_items,
					   const int32 *first, int32 n_chunks, const int32 *items, int n, float *V)
{
	Oid			t[3] = {TEXTOID, INT4OID, INT4ARRAYOID};
	Datum		v[3];
	int32	   *want = palloc(sizeof(int32) * Max(n, 1));
	int32	   *span = palloc(sizeof(int32) * Max(n, 1));
	int			nw = 0;
	uint64		rows;
	Size		hdr = ARR_OVERHEAD_NONULLS(1) - VARHDRSZ;	/* ndim .. lbound */

	if (n_chunks == 0 || first[0] != 0)
		return false;
	/* each item's chunk (the last whose first node is at most the item), once */
	for (int j = 0, c = 0; j < n; j++)
	{
		while (c + 1 < n_chunks && first[c + 1] <= items[j])
			c++;
		if (nw == 0 || want[nw - 1] != first[c])
		{
			span[nw] = (c + 1 < n_chunks ? first[c + 1] : n_items) - first[c];
			want[nw++] = first[c];
		}
	}
	v[0] = CStringGetTextDatum(model);
	v[1] = Int32GetDatum(version);
	{
		Datum	   *d = palloc(sizeof(Datum) * Max(nw, 1));

		for (int w = 0; w < nw; w++)
			d[w] = Int32GetDatum(want[w]);
		v[2] = PointerGetDatum(construct_array(d, nw, INT4OID, 4, true, TYPALIGN_INT));
	}
	LpSpiExec("SELECT idx, vecs FROM linkpred.embedding_store"
			  " WHERE model = $1 AND version = $2 AND side = 'i' AND idx = ANY ($3)",
			  3, t, v, NULL, true);
	rows = SPI_processed;
	if (rows != (uint64) nw)
		return false;
	for (uint64 r = 0; r < rows; r++)
	{
		HeapTuple	tup = SPI_tuptable->vals[r];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		int32		f = DatumGetInt32(SPI_getbinval(tup, desc, 1, &isnull));
		Datum		d = SPI_getbinval(tup, desc, 2, &isnull);
		struct varlena *raw;
		struct varlena *h;
		const int32 *hv;
		int			w;
		int32		cnt;

		for (w = 0; w < nw && want[w] != f; w++)
			;
		if (isnull || w == nw)
			return false;
		cnt = span[w];
		raw = (struct varlena *) DatumGetPointer(d);
		/* the array whole: its header then cnt x dim floats */
		if (toast_raw_datum_size(d) != VARHDRSZ + hdr + sizeof(float) * (Size) cnt * dim)
			return false;
		h = detoast_attr_slice(raw, 0, (int32) hdr);
		hv = (const int32 *) VARDATA_ANY(h);
		if (VARSIZE_ANY_EXHDR(h) != hdr || hv[0] != 1 || hv[1] != 0 ||
			(Oid) hv[2] != FLOAT4OID || hv[3] != cnt * dim)
			return false;
		pfree(h);
		for (int j = 0; j < n; j++)
		{
			struct varlena *sl;

			if (items[j] < f || items[j] >= f + cnt)
				continue;
			sl = detoast_attr_slice(raw, (int32) (hdr + sizeof(float) * (Size) (items[j] - f) * dim),
									(int32) (sizeof(float) * dim));
			if (VARSIZE_ANY_EXHDR(sl) != sizeof(float) * dim)
				return false;
			memcpy(V + (int64) items[j] * dim, VARDATA_ANY(sl), sizeof(float) * dim);
			pfree(sl);
		}
	}
	SPI_freetuptable(SPI_tuptable);
	pfree(want);
	pfree(span);
	return true;
}

bool
LpStoreUsersBucketed(const char *model, int32 version)
{
	Oid			t[2] = {TEXTOID, INT4OID};
	Datum		v[2];

	if (!LpStoreChunked())
		return false;
	v[0] = CStringGetTextDatum(model);
	v[1] = Int32GetDatum(version);
	LpSpiExec("SELECT 1 FROM linkpred.embedding_store"
			  " WHERE model = $1 AND version = $2 AND side = 'u' AND nodes IS NOT NULL LIMIT 1",
			  2, t, v, NULL, true);
	return SPI_processed == 1;
}
