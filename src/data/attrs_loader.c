/*
 * attrs_loader.c: reading one side's attributes (options item_features and
 * user_features) through SPI, as the submitting role, like the edges
 * (loader.c).  Both sides are read by the same code: a Side says which
 * keys, degrees, arrays and counters are the side's.
 *
 * Each row gives a node key, an attribute value and a weight: a row of a
 * many-to-many relation ("attribute", optional "weight"), or one value of a
 * categorical column of a per-node relation ("columns": the value is
 * keyed with its column's name (ValueKey), so equal values of two
 * columns stay two attributes, and weighs 1).  Values are compared as
 * their text output.
 * A node key that no edge has is a cold node (item or user): it joins its
 * side of the graph with no edge, and its vector will be its attributes'
 * alone.  Rows with a NULL key or value, or a NULL, non-positive or
 * non-finite weight, are skipped and counted; a repeated (node, value)
 * pair adds its weights.  Each node's weights are then scaled to sum to 1.
 * A side's values get their own numbers, after the other side's.
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
	int32		item;			/* the node: an item, or a user */
	int32		attr;
	float		w;
} AttrRow;

/* what is one side's: users (user_features) or items (item_features) */

static LpAttrSide
SideOf(bool users, LpLoadedGraph *out)
{
	LpGraph    *g = &out->graph;
	LpLoadStats *st = &out->stats;
	LpAttrSide	s;

	s.users = users;
	s.option = users ? "user_features" : "item_features";
	s.keys = users ? out->src_keys : out->dst_keys;
	s.key_type = users ? out->src_type : out->dst_type;
	s.n = users ? &g->n_src : &g->n_dst;
	s.degree = users ? &g->src_degree : &g->dst_degree;
	s.off = users ? &g->user_attr_off : &g->item_attr_off;
	s.attr = users ? &g->user_attr : &g->item_attr;
	s.w = users ? &g->user_attr_w : &g->item_attr_w;
	s.rows = users ? &st->user_attr_rows : &st->attr_rows;
	s.skipped = users ? &st->user_attr_skipped : &st->attr_skipped;
	s.cold = users ? &st->user_attr_cold_users : &st->attr_cold_items;
	s.values = users ? &st->user_attr_values : &st->attr_values;
	s.nulls = users ? &st->user_attr_nulls : &st->attr_nulls;
	return s;
}

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
	const LpAttrSide *side;
	AttrBuf    *buf;
	MemoryContext cxt;			/* the loader's: the maps and rows grow here */
} AttrQuery;

/*
 * The key of value `value` of categorical column `column` in the values'
 * map: "<length of column>:column=value", which no other (column, value)
 * pair spells, whatever '=' or ':' either holds.  ValueKeySplit gives back
 * the column (palloc'd) and the value (in key).
 */
static char *
ValueKey(const char *column, const char *value)
{
	return psprintf("%zu:%s=%s", strlen(column), column, value);
}

static char *
ValueKeySplit(const char *key, const char **value)
{
	char	   *end;
	unsigned long len = strtoul(key, &end, 10);

	Assert(*end == ':' && strlen(end + 1) > len && end[1 + len] == '=');
	*value = end + 2 + len;
	return pnstrdup(end + 1, len);
}

/* one row (key, value[, weight]), in the batch's context */
static void
AttrQueryRow(void *arg, HeapTuple tup, TupleDesc desc)
{
	AttrQuery  *q = (AttrQuery *) arg;
	const LpAttrSide *side = q->side;
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

	(*side->rows)++;
	if (knull || value == NULL || wnull || !isfinite(w) || w <= 0 ||
		!LpKeyFromDatum(side->keys->kind, side->key_type, kd,
						TupleDescAttr(desc, 0)->atttypid, &ikey, &tkey))
	{
		(*side->skipped)++;
		return;
	}
	if (q->prefix)
		value = ValueKey(q->prefix, value);
	/* the maps grow in the loader's context, not the batch's */
	batch_cxt = MemoryContextSwitchTo(q->cxt);
	n_items = side->keys->n;
	item = LpKeyMapIntern(side->keys, ikey, tkey, tkey ? strlen(tkey) : 0);
	if (side->keys->n > n_items)
		(*side->cold)++;
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
ReadQuery(const char *sql, const char *prefix, bool weighted, const LpAttrSide *side, AttrBuf *buf)
{
	AttrQuery	q = {
		.prefix = prefix,
		.weighted = weighted,
		.side = side,
		.buf = buf,
		.cxt = CurrentMemoryContext,
	};

	LpSpiEachRowBatched(SPI_cursor_open_with_args(NULL, sql, 0, NULL, NULL, NULL, true, 0),
						ATTR_BATCH, AttrQueryRow, &q, q.cxt);
}

/*
 * The side's n nodes (n_warm of them before the attributes) with their
 * attribute lists from the merged rows: the new ones have no edge, and
 * new users no CSR entry either (their offsets repeat the last).
 */
static void
BuildLists(LpGraph *g, const LpAttrSide *side, int32 n_warm, const AttrRow *rows, int64 kept,
		   int32 first_attr)
{
	int32		n = *side->n;
	int64	   *off;
	int32	   *attr;
	float	   *w;

	if (n > n_warm)
	{
		*side->degree = repalloc_huge(*side->degree, sizeof(int32) * n);
		memset(*side->degree + n_warm, 0, sizeof(int32) * (n - n_warm));
		if (g->homogeneous)
		{
			/* a new node is a source too: one id space */
			g->src_degree = repalloc_huge(g->src_degree, sizeof(int32) * n);
			memset(g->src_degree + n_warm, 0, sizeof(int32) * (n - n_warm));
			g->n_src = n;
		}
		if (side->users || g->homogeneous)
		{
			g->offsets = repalloc_huge(g->offsets, sizeof(int64) * (n + 1));
			for (int32 u = n_warm + 1; u <= n; u++)
				g->offsets[u] = g->offsets[n_warm];
		}
	}
	off = *side->off = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int64) * (n + 1));
	attr = *side->attr = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int32) * kept);
	w = *side->w = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(float) * kept);
	memset(off, 0, sizeof(int64) * (n + 1));
	for (int64 k = 0; k < kept; k++)
	{
		off[rows[k].item + 1]++;
		attr[k] = first_attr + rows[k].attr;
		w[k] = rows[k].w;
	}
	for (int32 i = 0; i < n; i++)
	{
		double		sum = 0;

		off[i + 1] += off[i];
		for (int64 e = off[i]; e < off[i + 1]; e++)
			sum += w[e];
		for (int64 e = off[i]; e < off[i + 1]; e++)
			w[e] = (float) (w[e] / sum);
	}
}

/*
 * out->attr_info for the side's categorical values (numbered from
 * g->n_attrs, in values' order) and then its terms (t's, numbered after
 * them as LpAttrTermsJoin numbers them).  A value read from a column of
 * "columns" is "column=value" (ReadQuery's prefix); one of a many-to-many
 * relation is the value of column `attribute`.
 */
static void
RecordValues(LpLoadedGraph *out, const LpAttrSide *side, const char *attribute,
			 const LpKeyMap *values, const LpAttrTerms *t)
{
	int32		first = out->graph.n_attrs;
	int32		n = first + values->n + t->n_attrs;

	out->attr_info = out->attr_info ?
		repalloc_huge(out->attr_info, sizeof(LpAttrInfo) * Max(n, 1)) :
		MemoryContextAllocHuge(CurrentMemoryContext, sizeof(LpAttrInfo) * Max(n, 1));
	for (int32 v = 0; v < values->n; v++)
	{
		char	   *text = pstrdup(LpKeyMapText(values, v));
		LpAttrInfo *a = &out->attr_info[first + v];

		memset(a, 0, sizeof(*a));
		a->side = side->users ? 'u' : 'i';
		a->kind = 'c';
		if (attribute == NULL)
			a->column = ValueKeySplit(text, &a->value);
		else
		{
			a->column = attribute;
			a->value = text;
		}
	}
	for (int32 k = 0; k < t->n_attrs; k++)
		out->attr_info[first + values->n + k] = t->info[k];
}

void
LpLoadAttributes(bool users, Oid relid, const char *key, const char *attribute,
				 const char *weight, int n_columns, const char (*columns)[NAMEDATALEN],
				 LpLoadedGraph *out)
{
	LpGraph    *g = &out->graph;
	LpAttrSide	side = SideOf(users, out);
	char	   *relname = LpQualifiedRelName(relid);
	int32		n_warm = *side.n;
	AttrBuf		buf;
	int64		kept = 0;
	LpAttrTerms terms;			/* the numeric and vector columns' (attrs_columns.c) */

	if (relname == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("the relation of option \"%s\" (OID %u) no longer exists", side.option, relid),
				 errhint("It was dropped after the job was submitted; name a relation that exists.")));
	Assert(!g->homogeneous || !users);
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
				  NULL, weight != NULL, &side, &buf);
	for (int c = 0; c < n_columns; c++)
		if (!LpReadAttrColumn(relid, relname, key, columns[c], &side, &terms))
			ReadQuery(psprintf("SELECT %s, %s FROM %s", quote_identifier(key),
							   quote_identifier(columns[c]), relname),
					  columns[c], false, &side, &buf);

	if (buf.n == 0 && terms.n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("relation %s of option \"%s\" has no usable rows", relname, side.option),
				 errdetail("Rows read: " INT64_FORMAT "; skipped for a NULL key or value, a key that cannot be %s id, or a NULL, non-positive or non-finite weight: " INT64_FORMAT ".",
						   *side.rows, users ? "a user" : "an item", *side.skipped),
				 errhint("Give the %s attributes one row per %s and value, with non-NULL keys and values.",
						 users ? "users'" : "items'", users ? "user" : "item")));

	/* the new (cold) nodes join their side, with no edge; lists by node */
	*side.n = side.keys->n;
	qsort(buf.rows, buf.n, sizeof(AttrRow), CompareAttrRow);
	for (int64 k = 0; k < buf.n; k++)
	{
		if (kept > 0 && buf.rows[kept - 1].item == buf.rows[k].item &&
			buf.rows[kept - 1].attr == buf.rows[k].attr)
			buf.rows[kept - 1].w += buf.rows[k].w;
		else
			buf.rows[kept++] = buf.rows[k];
	}
	BuildLists(g, &side, n_warm, buf.rows, kept, g->n_attrs);
	RecordValues(out, &side, n_columns == 0 ? attribute : NULL, buf.values, &terms);
	g->n_attrs += buf.values->n;
	pfree(buf.rows);
	LpAttrTermsJoin(&terms, g, &side);
	*side.values = buf.values->n + terms.n_attrs;
	if (g->homogeneous)
	{
		/* a node's attributes serve it as a source and as a target */
		g->user_attr_off = g->item_attr_off;
		g->user_attr = g->item_attr;
		g->user_attr_w = g->item_attr_w;
	}
}
