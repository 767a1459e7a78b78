/*
 * attrs_loader.c: reading the items' attributes (option item_features)
 * through SPI, as the submitting role, like the edges (loader.c).
 *
 * Each row gives an item key, an attribute value and a weight: a row of a
 * many-to-many relation ("attribute", optional "weight"), or one value of a
 * categorical column of a per-item relation ("columns": the value is
 * prefixed with its column's name, so equal values of two columns stay two
 * attributes, and weighs 1).  Values are compared as their text output.
 * An item key that no edge has is a cold item: it joins the item side of
 * the graph with no edge, and its vector will be its attributes' alone.
 * Rows with a NULL key or value, or a NULL, non-positive or non-finite
 * weight, are skipped and counted; a repeated (item, value) pair adds its
 * weights.  Each item's weights are then scaled to sum to 1.
 */
#include "postgres.h"

#include <math.h>

#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "attrs_columns.h"
#include "graph.h"
#include "keymap.h"
#include "linkpred.h"

#define ATTR_BATCH 10000

typedef struct AttrRow
{
	int32		item;
	int32		attr;
	float		w;
} AttrRow;

static int
CompareAttrRow(const void *a, const void *b)
{
	const AttrRow *x = a,
			   *y = b;

	if (x->item != y->item)
		return x->item < y->item ? -1 : 1;
	return (x->attr > y->attr) - (x->attr < y->attr);
}

typedef struct AttrBuf
{
	AttrRow    *rows;
	int64		n;
	int64		cap;
	LpKeyMap   *values;
} AttrBuf;

/* ReadQuery's state for its rows */
typedef struct AttrQuery
{
	const char *prefix;
	bool		weighted;
	LpLoadedGraph *out;
	AttrBuf    *buf;
	MemoryContext cxt;			/* the loader's: the maps and rows grow here */
} AttrQuery;

/* one row (key, value[, weight]), in the batch's context */
static void
AttrQueryRow(void *arg, HeapTuple tup, TupleDesc desc)
{
	AttrQuery  *q = (AttrQuery *) arg;
	LpLoadedGraph *out = q->out;
	AttrBuf    *buf = q->buf;
	bool		knull,
				wnull = false;
	Datum		kd = SPI_getbinval(tup, desc, 1, &knull);
	char	   *value = SPI_getvalue(tup, desc, 2);
	double		w = q->weighted ? DatumGetFloat8(SPI_getbinval(tup, desc, 3, &wnull)) : 1.0;
	int64		ikey = 0;
	char	   *tkey = NULL;
	int32		item;
	int32		attr;
	int32		n_items;
	MemoryContext batch_cxt;

	out->stats.attr_rows++;
	if (knull || value == NULL || wnull || !isfinite(w) || w <= 0 ||
		!LpKeyFromDatum(out->dst_keys->kind, out->dst_type, kd,
						TupleDescAttr(desc, 0)->atttypid, &ikey, &tkey))
	{
		out->stats.attr_skipped++;
		return;
	}
	if (q->prefix)
		value = psprintf("%s=%s", q->prefix, value);
	/* the maps grow in the loader's context, not the batch's */
	batch_cxt = MemoryContextSwitchTo(q->cxt);
	n_items = out->dst_keys->n;
	item = LpKeyMapIntern(out->dst_keys, ikey, tkey, tkey ? strlen(tkey) : 0);
	if (out->dst_keys->n > n_items)
		out->stats.attr_cold_items++;
	attr = LpKeyMapIntern(buf->values, 0, value, strlen(value));
	if (buf->n == buf->cap)
	{
		buf->cap *= 2;
		buf->rows = repalloc_huge(buf->rows, sizeof(AttrRow) * buf->cap);
	}
	buf->rows[buf->n].item = item;
	buf->rows[buf->n].attr = attr;
	buf->rows[buf->n].w = (float) w;
	buf->n++;
	MemoryContextSwitchTo(batch_cxt);
}

/* the rows of one query: (key, value[, weight]); prefix goes before each value */
static void
ReadQuery(const char *sql, const char *prefix, bool weighted, LpLoadedGraph *out, AttrBuf *buf)
{
	AttrQuery	q = {
		.prefix = prefix,
		.weighted = weighted,
		.out = out,
		.buf = buf,
		.cxt = CurrentMemoryContext,
	};

	LpSpiEachRowBatched(SPI_cursor_open_with_args(NULL, sql, 0, NULL, NULL, NULL, true, 0),
						ATTR_BATCH, AttrQueryRow, &q, q.cxt);
}

void
LpLoadItemAttributes(Oid relid, const char *key, const char *attribute, const char *weight,
					 int n_columns, const char (*columns)[NAMEDATALEN], LpLoadedGraph *out)
{
	LpGraph    *g = &out->graph;
	char	   *relname = LpQualifiedRelName(relid);
	int32		n_warm = g->n_dst;
	AttrBuf		buf;
	int64		kept = 0;
	LpAttrTerms terms;			/* the numeric and vector columns' (attrs_columns.c) */

	if (relname == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("the relation of option \"item_features\" (OID %u) no longer exists", relid),
				 errhint("It was dropped after the job was submitted; name a relation that exists.")));
	Assert(!g->homogeneous);
	buf.cap = 1024;
	buf.n = 0;
	buf.rows = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(AttrRow) * buf.cap);
	buf.values = LpKeyMapCreate(LP_KEY_TEXT, 1024);
	LpAttrTermsInit(&terms);

	if (n_columns == 0)
		ReadQuery(psprintf("SELECT %s, %s%s FROM %s", quote_identifier(key),
						   quote_identifier(attribute),
						   weight ? psprintf(", (%s)::pg_catalog.float8", quote_identifier(weight)) : "",
						   relname),
				  NULL, weight != NULL, out, &buf);
	for (int c = 0; c < n_columns; c++)
		if (!LpReadAttrColumn(relid, relname, key, columns[c], out, &terms))
			ReadQuery(psprintf("SELECT %s, %s FROM %s", quote_identifier(key),
							   quote_identifier(columns[c]), relname),
					  columns[c], false, out, &buf);

	if (buf.n == 0 && terms.n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("relation %s of option \"item_features\" has no usable rows", relname),
				 errdetail("Rows read: " INT64_FORMAT "; skipped for a NULL key or value, a key that cannot be an item id, or a NULL, non-positive or non-finite weight: " INT64_FORMAT ".",
						   out->stats.attr_rows, out->stats.attr_skipped),
				 errhint("Give the items' attributes one row per item and value, with non-NULL keys and values.")));

	/* the new (cold) items join the item side, with no edge */
	g->n_dst = out->dst_keys->n;
	if (g->n_dst > n_warm)
	{
		g->dst_degree = repalloc_huge(g->dst_degree, sizeof(int32) * g->n_dst);
		memset(g->dst_degree + n_warm, 0, sizeof(int32) * (g->n_dst - n_warm));
	}

	/* CSR by item, repeats merged, weights scaled to sum 1 per item */
	qsort(buf.rows, buf.n, sizeof(AttrRow), CompareAttrRow);
	for (int64 k = 0; k < buf.n; k++)
	{
		if (kept > 0 && buf.rows[kept - 1].item == buf.rows[k].item &&
			buf.rows[kept - 1].attr == buf.rows[k].attr)
			buf.rows[kept - 1].w += buf.rows[k].w;
		else
			buf.rows[kept++] = buf.rows[k];
	}
	g->n_attrs = buf.values->n;
	g->item_attr_off = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int64) * (g->n_dst + 1));
	g->item_attr = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int32) * kept);
	g->item_attr_w = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(float) * kept);
	memset(g->item_attr_off, 0, sizeof(int64) * (g->n_dst + 1));
	for (int64 k = 0; k < kept; k++)
	{
		g->item_attr_off[buf.rows[k].item + 1]++;
		g->item_attr[k] = buf.rows[k].attr;
		g->item_attr_w[k] = buf.rows[k].w;
	}
	for (int32 i = 0; i < g->n_dst; i++)
	{
		double		sum = 0;

		g->item_attr_off[i + 1] += g->item_attr_off[i];
		for (int64 e = g->item_attr_off[i]; e < g->item_attr_off[i + 1]; e++)
			sum += g->item_attr_w[e];
		for (int64 e = g->item_attr_off[i]; e < g->item_attr_off[i + 1]; e++)
			g->item_attr_w[e] = (float) (g->item_attr_w[e] / sum);
	}
	pfree(buf.rows);
	LpAttrTermsJoin(&terms, g);
}
