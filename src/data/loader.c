/*
 * loader.c: edges in through SPI, ids mapped to dense indices, CSR built.
 *
 * The edge relation is read through a cursor in batches (the caller holds a
 * transaction, a snapshot and an SPI connection, running as the role that
 * submitted the job, so that role's privileges and row-level security apply).
 * Rows with a NULL id or an unusable weight are skipped, self loops of a
 * homogeneous graph dropped, repeated edges merged with their weights added;
 * each is counted in LpLoadStats and reported to the user.  The result is a
 * CSR with sorted target lists, which the sampler's "is this a real edge?"
 * check relies on.
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

#include "graph.h"
#include "linkpred.h"

#define LOAD_BATCH 10000
#define MAX_WEIGHT_SCALE 10.0f

typedef struct EdgeBuf
{
	int64		n;
	int64		cap;
	int32	   *src;
	int32	   *dst;
	float	   *w;				/* NULL when unweighted */
	int64	   *t;				/* NULL when no time column */
} EdgeBuf;

static void
EdgeBufPush(EdgeBuf *b, int32 s, int32 d, float w, bool timed, int64 t)
{
	if (b->n == b->cap)
	{
		b->cap = b->cap ? b->cap * 2 : 65536;
		b->src = LpGrowHuge(b->src, sizeof(int32) * b->cap);
		b->dst = LpGrowHuge(b->dst, sizeof(int32) * b->cap);
		if (b->w != NULL || w >= 0)
			b->w = LpGrowHuge(b->w, sizeof(float) * b->cap);
		if (timed)
			b->t = LpGrowHuge(b->t, sizeof(int64) * b->cap);
	}
	b->src[b->n] = s;
	b->dst[b->n] = d;
	if (b->w)
		b->w[b->n] = w;
	if (b->t)
		b->t[b->n] = t;
	b->n++;
}

/*
 * The weight of a row's event (option event_weights), 0 when the event is
 * NULL or has none.  A handful of names: a linear scan.
 */
static double
EventWeight(const LpEdgeSource *src, Datum d, bool isnull)
{
	text	   *t;
	int			len;

	if (isnull)
		return 0;
	t = DatumGetTextPP(d);
	len = VARSIZE_ANY_EXHDR(t);
	for (int k = 0; k < src->events->n; k++)
		if (strlen(src->events->name[k]) == (size_t) len &&
			memcmp(src->events->name[k], VARDATA_ANY(t), len) == 0)
			return src->events->weight[k];
	return 0;
}

/* One id value of a row as a key of the map; false if NULL. */
static bool
InternDatum(LpKeyMap *map, Oid typid, Datum d, bool isnull, int32 *idx)
{
	if (isnull)
		return false;
	switch (typid)
	{
		case INT2OID:
			*idx = LpKeyMapIntern(map, DatumGetInt16(d), NULL, 0);
			break;
		case INT4OID:
			*idx = LpKeyMapIntern(map, DatumGetInt32(d), NULL, 0);
			break;
		case INT8OID:
			*idx = LpKeyMapIntern(map, DatumGetInt64(d), NULL, 0);
			break;
		case TEXTOID:
		case VARCHAROID:
			{
				text	   *t = DatumGetTextPP(d);

				*idx = LpKeyMapIntern(map, 0, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
				break;
			}
		default:
			{
				/* uuid: its canonical text form */
				char	   *s = OidOutputFunctionCall(F_UUID_OUT, d);

				*idx = LpKeyMapIntern(map, 0, s, strlen(s));
				break;
			}
	}
	return true;
}

typedef struct AdjEntry
{
	int32		target;
	float		w;
	int64		t;
} AdjEntry;

static int
CompareAdj(const void *a, const void *b)
{
	int32		x = ((const AdjEntry *) a)->target;
	int32		y = ((const AdjEntry *) b)->target;

	return (x > y) - (x < y);
}

/*
 * CSR from the edge buffer: counting sort by source, sort and merge each
 * target list.
 */
static void
BuildCsr(EdgeBuf *b, LpGraph *g, LpLoadStats *stats)
{
	int64	   *off;
	AdjEntry   *adj;
	int64	   *fill;
	int64		out = 0;
	bool		weighted = (b->w != NULL);
	bool		timed = (b->t != NULL);
	double		wsum = 0;

	off = LpPallocHuge(sizeof(int64) * ((Size) g->n_src + 1));
	memset(off, 0, sizeof(int64) * ((Size) g->n_src + 1));
	for (int64 i = 0; i < b->n; i++)
		off[b->src[i] + 1]++;
	for (int32 u = 0; u < g->n_src; u++)
		off[u + 1] += off[u];

	adj = LpPallocHuge(sizeof(AdjEntry) * Max(b->n, 1));
	fill = LpPallocHuge(sizeof(int64) * Max(g->n_src, 1));
	memcpy(fill, off, sizeof(int64) * g->n_src);
	for (int64 i = 0; i < b->n; i++)
	{
		AdjEntry   *e = &adj[fill[b->src[i]]++];

		e->target = b->dst[i];
		e->w = weighted ? b->w[i] : 1.0f;
		e->t = timed ? b->t[i] : 0;
	}
	pfree(fill);

	g->targets = LpPallocHuge(sizeof(int32) * Max(b->n, 1));
	/* read at random by the SGD (a shuffled edge's target, negatives' checks) */
	LpAdviseHugePages(g->targets, sizeof(int32) * Max(b->n, 1));
	g->weights = weighted ? LpPallocHuge(sizeof(float) * Max(b->n, 1)) : NULL;
	g->times = timed ? LpPallocHuge(sizeof(int64) * Max(b->n, 1)) : NULL;
	g->src_degree = palloc0(sizeof(int32) * Max(g->n_src, 1));
	g->dst_degree = palloc0(sizeof(int32) * Max(g->n_dst, 1));

	for (int32 u = 0; u < g->n_src; u++)
	{
		int64		start = off[u];
		int64		end = off[u + 1];

		off[u] = out;
		if (end - start > 1)
			qsort(adj + start, end - start, sizeof(AdjEntry), CompareAdj);
		for (int64 i = start; i < end; i++)
		{
			if (out > off[u] && g->targets[out - 1] == adj[i].target)
			{
				stats->duplicates++;
				if (weighted)
					g->weights[out - 1] += adj[i].w;
				/* a repeated edge exists from its first occurrence on */
				if (timed && adj[i].t < g->times[out - 1])
					g->times[out - 1] = adj[i].t;
				continue;
			}
			g->targets[out] = adj[i].target;
			if (weighted)
				g->weights[out] = adj[i].w;
			if (timed)
				g->times[out] = adj[i].t;
			g->dst_degree[adj[i].target]++;
			out++;
		}
		g->src_degree[u] = (int32) (out - off[u]);
		CHECK_FOR_INTERRUPTS();
	}
	off[g->n_src] = out;
	g->offsets = off;
	g->n_entries = out;
	pfree(adj);

	/* an undirected edge was stored twice: each copy's duplicate counted twice */
	if (g->tied)
		stats->duplicates /= 2;
	g->n_edges = g->tied ? out / 2 : out;

	/* weights scale the gradient: mean 1, capped so SGD stays stable */
	if (weighted && out > 0)
	{
		for (int64 i = 0; i < out; i++)
			wsum += g->weights[i];
		for (int64 i = 0; i < out; i++)
			g->weights[i] = Min((float) (g->weights[i] * out / wsum), MAX_WEIGHT_SCALE);
	}
}

/*
 * The entries the relation should give, from its planner statistics
 * (pg_class.reltuples, two entries a row when undirected), or 0 when it
 * has none (never analysed, a view, a foreign table without them).
 */
static double
RelationEntries(const LpEdgeSource *src)
{
	HeapTuple	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(src->relid));
	double		rows = 0;

	if (HeapTupleIsValid(tup))
	{
		rows = Max(((Form_pg_class) GETSTRUCT(tup))->reltuples, 0);
		ReleaseSysCache(tup);
	}
	return rows * (src->homogeneous && !src->directed ? 2 : 1);
}

/* the id maps' bytes so far (0 before the first batch) */
static double
IdMapBytes(const LpLoadedGraph *out)
{
	if (out->src_keys == NULL)
		return 0;
	return LpKeyMapBytes(out->src_keys) +
		(out->dst_keys != out->src_keys ? LpKeyMapBytes(out->dst_keys) : 0);
}

/* the id maps' bytes a node so far (0 before the first node) */
static double
IdBytesPerNode(const LpLoadedGraph *out)
{
	double		nodes;

	if (out->src_keys == NULL)
		return 0;
	nodes = out->src_keys->n + (out->dst_keys != out->src_keys ? out->dst_keys->n : 0);
	return nodes > 0 ? IdMapBytes(out) / nodes : 0;
}

/*
 * What loading will have needed at its end, asked when the buffer is full
 * and about to double: the worker's reserve, the entries at
 * LpLoadBytesPerEntry each and the id maps, grown in proportion.  The
 * entries expected are the doubled buffer's, or fewer when the relation's
 * statistics say so (with a tenth to spare): a 100M-row table is then
 * judged at 110M entries, not at the 134M of the buffer's next doubling.
 * Stale statistics can only let a load go on; the estimate after loading
 * (memory.c) checks the exact sizes.
 */
static double
LoadingBytes(const LpEdgeSource *src, const LpLoadedGraph *out, const EdgeBuf *buf,
			 double expect_entries, bool weighted, bool timed)
{
	double		entries = (double) buf->cap * 2;

	if (expect_entries * 1.1 > (double) buf->n)
		entries = Min(entries, expect_entries * 1.1);
	return (double) src->reserved + entries * LpLoadBytesPerEntry(weighted, timed) +
		IdMapBytes(out) * entries / Max((double) buf->n, 1);
}

void
LpLoadGraph(const LpEdgeSource *src, LpLoadedGraph *out)
{
	MemoryContext cxt = CurrentMemoryContext;
	MemoryContext batch_cxt;
	StringInfoData sql;
	Portal		portal;
	EdgeBuf		buf = {0};
	LpKeyKind	skind,
				dkind;
	char	   *relname;
	bool		has_wcol = (src->weight_column != NULL);
	bool		has_events = (src->event_column != NULL);
	bool		weighted = has_wcol || has_events;
	bool		timed = (src->time_column != NULL);
	int			tcol = has_wcol ? 4 : 3;
	int			ecol = tcol + (timed ? 1 : 0);
	double		expect_entries;

	memset(out, 0, sizeof(*out));

	relname = LpQualifiedRelName(src->relid);
	if (relname == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("the relation to train from (OID %u) no longer exists", src->relid),
				 errhint("It was dropped after the job was submitted; train from a relation that exists.")));
	initStringInfo(&sql);
	appendStringInfo(&sql, "SELECT %s, %s", quote_identifier(src->src_column),
					 quote_identifier(src->dst_column));
	if (has_wcol)
		appendStringInfo(&sql, ", (%s)::pg_catalog.float8", quote_identifier(src->weight_column));
	if (timed)
		appendStringInfo(&sql, ", (%s)::pg_catalog.timestamptz", quote_identifier(src->time_column));
	if (has_events)
		appendStringInfo(&sql, ", (%s)::pg_catalog.text", quote_identifier(src->event_column));
	appendStringInfo(&sql, " FROM %s", relname);

	expect_entries = RelationEntries(src);
	portal = SPI_cursor_open_with_args(NULL, sql.data, 0, NULL, NULL, NULL, true, 0);
	batch_cxt = AllocSetContextCreate(cxt, "linkpred load batch", ALLOCSET_DEFAULT_SIZES);

	for (;;)
	{
		SPITupleTable *tt;
		TupleDesc	desc;

		SPI_cursor_fetch(portal, true, LOAD_BATCH);
		tt = SPI_tuptable;
		desc = tt->tupdesc;

		if (out->src_keys == NULL)
		{
			/* first batch: key types and maps (types can change after submit) */
			out->src_type = TupleDescAttr(desc, 0)->atttypid;
			out->dst_type = TupleDescAttr(desc, 1)->atttypid;
			if (!LpKeyKindForType(out->src_type, &skind) ||
				!LpKeyKindForType(out->dst_type, &dkind))
				ereport(ERROR,
						(errcode(ERRCODE_DATATYPE_MISMATCH),
						 errmsg("id columns of %s have unsupported types %s and %s",
								relname, format_type_be(out->src_type),
								format_type_be(out->dst_type)),
						 errhint("Supported id types are %s.", LpSupportedKeyTypes())));
			if (src->homogeneous && skind != dkind)
				ereport(ERROR,
						(errcode(ERRCODE_DATATYPE_MISMATCH),
						 errmsg("columns \"%s\" and \"%s\" must hold the same kind of id in a homogeneous graph",
								src->src_column, src->dst_column)));
			MemoryContextSwitchTo(cxt);
			out->src_keys = LpKeyMapCreate(skind, 1024);
			out->dst_keys = src->homogeneous ? out->src_keys : LpKeyMapCreate(dkind, 1024);
		}

		MemoryContextSwitchTo(batch_cxt);
		for (uint64 r = 0; r < SPI_processed; r++)
		{
			HeapTuple	tup = tt->vals[r];
			bool		snull,
						dnull,
						wnull = false;
			Datum		sd = SPI_getbinval(tup, desc, 1, &snull);
			Datum		dd = SPI_getbinval(tup, desc, 2, &dnull);
			double		w = 1.0;
			int64		t = 0;
			int32		s,
						d;

			out->stats.rows++;
			if (timed)
			{
				bool		tnull;

				t = DatumGetTimestampTz(SPI_getbinval(tup, desc, tcol, &tnull));
				if (tnull)
					snull = true;	/* an edge with no time cannot be placed */
			}
			if (snull || dnull)
			{
				out->stats.null_ids++;
				continue;
			}
			if (has_wcol)
			{
				w = DatumGetFloat8(SPI_getbinval(tup, desc, 3, &wnull));
				if (wnull || isnan(w) || isinf(w) || w <= 0)
				{
					out->stats.bad_weights++;
					continue;
				}
			}
			if (has_events)
			{
				double		ew = EventWeight(src, SPI_getbinval(tup, desc, ecol, &wnull), wnull);

				if (ew <= 0)
				{
					out->stats.unknown_events++;
					continue;
				}
				w *= ew;
			}
			/* refuse while loading, not hours later: buffers plus the CSR build */
			if (src->budget > 0 && buf.n == buf.cap)
			{
				double		need = LoadingBytes(src, out, &buf, expect_entries, weighted, timed);

				if (need > src->budget)
					LpMemoryOverBudget("to load the edges", need / (1 << 20),
									   (int) (src->budget / 1024),
									   psprintf("Stopped after " INT64_FORMAT " rows of %s; each edge takes about %.0f bytes while loading, and the ids %.0f bytes a node, besides the worker's %.0f MB.",
												out->stats.rows, relname,
												LpLoadBytesPerEntry(weighted, timed),
												IdBytesPerNode(out),
												(double) src->reserved / (1 << 20)));
			}
			MemoryContextSwitchTo(cxt);
			InternDatum(out->src_keys, out->src_type, sd, false, &s);
			InternDatum(out->dst_keys, out->dst_type, dd, false, &d);
			if (src->homogeneous && s == d)
			{
				out->stats.self_loops++;
				MemoryContextSwitchTo(batch_cxt);
				continue;
			}
			EdgeBufPush(&buf, s, d, weighted ? (float) w : -1.0f, timed, t);
			if (src->homogeneous && !src->directed)
				EdgeBufPush(&buf, d, s, weighted ? (float) w : -1.0f, timed, t);
			MemoryContextSwitchTo(batch_cxt);
		}
		MemoryContextSwitchTo(cxt);
		MemoryContextReset(batch_cxt);

		if (SPI_processed == 0)
		{
			SPI_freetuptable(tt);
			break;
		}
		SPI_freetuptable(tt);
		CHECK_FOR_INTERRUPTS();
	}
	SPI_cursor_close(portal);
	MemoryContextDelete(batch_cxt);
	MemoryContextSwitchTo(cxt);

	if (buf.n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("relation %s has no usable edges", relname),
				 errdetail("Rows read: " INT64_FORMAT "; with a NULL id: " INT64_FORMAT
						   "; self loops: " INT64_FORMAT "; unusable weights: " INT64_FORMAT "%s.",
						   out->stats.rows, out->stats.null_ids, out->stats.self_loops,
						   out->stats.bad_weights,
						   has_events ? psprintf("; events without a weight: " INT64_FORMAT,
												 out->stats.unknown_events) : ""),
				 errhint("Train from a relation that holds at least one edge with two non-NULL ids.")));

	out->graph.homogeneous = src->homogeneous;
	out->graph.tied = src->homogeneous && !src->directed;
	out->graph.n_src = out->src_keys->n;
	out->graph.n_dst = out->dst_keys->n;
	BuildCsr(&buf, &out->graph, &out->stats);
	pfree(buf.src);
	pfree(buf.dst);
	if (buf.w)
		pfree(buf.w);
	if (buf.t)
		pfree(buf.t);
}

static int
CompareLink(const void *a, const void *b)
{
	const int32 *x = a,
			   *y = b;

	if (x[0] != y[0])
		return x[0] < y[0] ? -1 : 1;
	return x[1] < y[1] ? -1 : x[1] > y[1];
}

/* LpLoadUserLinks's pairs while the rows come in */
typedef struct LinkRead
{
	LpLoadedGraph *out;
	int32	   *pairs;			/* (a, b), a < b */
	int64		n;
	int64		cap;
	MemoryContext cxt;			/* the loader's: pairs grows here */
} LinkRead;

/* one row (a, b) of the user-user relation, in the batch's context */
static void
LinkRow(void *arg, HeapTuple tup, TupleDesc desc)
{
	LinkRead   *lr = (LinkRead *) arg;
	LpLoadedGraph *out = lr->out;
	bool		anull,
				bnull;
	Datum		ad = SPI_getbinval(tup, desc, 1, &anull);
	Datum		bd = SPI_getbinval(tup, desc, 2, &bnull);
	int32		a = anull ? -1 : LpKeyMapFindDatum(out->src_keys, out->src_type, ad,
												   TupleDescAttr(desc, 0)->atttypid);
	int32		b = bnull ? -1 : LpKeyMapFindDatum(out->src_keys, out->src_type, bd,
												   TupleDescAttr(desc, 1)->atttypid);

	out->stats.link_rows++;
	if (a < 0 || b < 0 || a == b)
	{
		out->stats.link_skipped++;
		return;
	}
	if (lr->n == lr->cap)
	{
		MemoryContext batch_cxt = MemoryContextSwitchTo(lr->cxt);

		lr->cap *= 2;
		lr->pairs = repalloc_huge(lr->pairs, sizeof(int32) * 2 * lr->cap);
		MemoryContextSwitchTo(batch_cxt);
	}
	/* undirected: the smaller index first, so a repeat in either direction sorts together */
	lr->pairs[2 * lr->n] = Min(a, b);
	lr->pairs[2 * lr->n + 1] = Max(a, b);
	lr->n++;
}

void
LpLoadUserLinks(Oid relid, const char *src_column, const char *dst_column, LpLoadedGraph *out)
{
	MemoryContext cxt = CurrentMemoryContext;
	char	   *relname = LpQualifiedRelName(relid);
	char	   *sql;
	LinkRead	lr;
	int64		n,
				kept = 0;
	int32	   *pairs;

	if (relname == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("the relation of option \"user_edges\" (OID %u) no longer exists", relid),
				 errhint("It was dropped after the job was submitted; name a relation that exists.")));
	sql = psprintf("SELECT %s, %s FROM %s", quote_identifier(src_column),
				   quote_identifier(dst_column), relname);
	lr.out = out;
	lr.cap = 1024;
	lr.n = 0;
	lr.pairs = MemoryContextAllocHuge(cxt, sizeof(int32) * 2 * lr.cap);
	lr.cxt = cxt;
	LpSpiEachRowBatched(SPI_cursor_open_with_args(NULL, sql, 0, NULL, NULL, NULL, true, 0),
						LOAD_BATCH, LinkRow, &lr, cxt);
	pairs = lr.pairs;
	n = lr.n;

	qsort(pairs, n, sizeof(int32) * 2, CompareLink);
	out->graph.link_a = MemoryContextAllocHuge(cxt, sizeof(int32) * Max(n, 1));
	out->graph.link_b = MemoryContextAllocHuge(cxt, sizeof(int32) * Max(n, 1));
	for (int64 k = 0; k < n; k++)
	{
		if (kept > 0 && out->graph.link_a[kept - 1] == pairs[2 * k] &&
			out->graph.link_b[kept - 1] == pairs[2 * k + 1])
			continue;
		out->graph.link_a[kept] = pairs[2 * k];
		out->graph.link_b[kept] = pairs[2 * k + 1];
		kept++;
	}
	out->graph.n_links = kept;
	pfree(pairs);
}
