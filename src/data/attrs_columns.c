/*
 * attrs_columns.c: the numeric and vector columns of options item_features
 * and user_features (attrs_columns.h says how each kind becomes terms of a
 * node's vector).
 *
 * A numeric column is a vector column of length 1, so both take one path:
 * the column is read through SPI as float8 (float8[]), one row per item;
 * each component is standardised over the relation's non-NULL values
 * (mean, population sd), clipped to +-LP_ATTR_Z_CLIP, and scaled by
 * 1 / sqrt(d).  Standardising puts a price in cents and a rating in stars
 * on one footing, and an embedding computed elsewhere, whatever its norm
 * and offset, gets components of unit spread; the 1 / sqrt(d) then keeps
 * the sum of a vector's d squared terms near 1, as one numeric column's,
 * so that a 384-long embedding does not take 384 times the step of a
 * price (the terms' vectors move by x times the composed vector's step,
 * and the composed vector by x^2 times that).  The clip at 3 bounds that
 * factor at 9 for the rare outlier; a heavy-tailed column (prices) is
 * better logged in a view.
 *
 * A component whose values are all equal (sd 0, or a single non-NULL
 * value) says nothing about any item: it gets no attribute and no term.
 * A NULL value (or a NaN or infinite number) counts as the mean, z = 0: no
 * term; a NULL array gives no term either.  Both are counted
 * (stats.attr_nulls, or user_attr_nulls).  NULL or non-finite elements inside an array, arrays
 * of two lengths, a multidimensional array and a key on two rows are
 * errors, naming a key.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "attrs_columns.h"
#include "keymap.h"
#include "linkpred.h"

#define COLUMN_BATCH 10000

LpAttrColumnKind
LpAttrColumnKindOf(Oid typid)
{
	Oid			base = getBaseType(typid);
	Oid			elem = get_element_type(base);

	if (base == FLOAT4OID || base == FLOAT8OID || base == NUMERICOID)
		return LP_ATTR_NUMERIC;
	if (OidIsValid(elem))
	{
		elem = getBaseType(elem);
		return (elem == FLOAT4OID || elem == FLOAT8OID || elem == NUMERICOID) ?
			LP_ATTR_VECTOR : LP_ATTR_UNSUPPORTED;
	}
	if (base == JSONOID || base == JSONBOID || base == XMLOID)
		return LP_ATTR_UNSUPPORTED;
	switch (get_typtype(base))
	{
		case TYPTYPE_BASE:
		case TYPTYPE_ENUM:
			return LP_ATTR_CATEGORICAL;
		default:
			return LP_ATTR_UNSUPPORTED;
	}
}

void
LpAttrTermsInit(LpAttrTerms *t)
{
	memset(t, 0, sizeof(*t));
}

/* one column's rows as read: every row's item, the non-NULL rows' values */
typedef struct ColumnRead
{
	const char *relname;
	const char *column;
	bool		vector;
	const LpAttrSide *side;		/* the users' or the items' (attrs_columns.h) */
	MemoryContext cxt;			/* the loader's: the rows grow here */
	int64		n_rows;			/* rows with a usable key */
	int64		rows_cap;
	int32	   *row_item;
	int64		n_kept;			/* rows with a value */
	int64		kept_cap;
	int32	   *kept_item;
	float	   *vals;			/* n_kept x d */
	int64		vals_cap;
	int			d;				/* -1 until the first array */
	int32		first_item;		/* the first array's item */
} ColumnRead;

/* what a key names in messages: "user" or "item" */
static const char *
NodeWord(const ColumnRead *r)
{
	return r->side->users ? "user" : "item";
}

static void *
Grow(void *p, int64 *cap, int64 need, Size elem)
{
	if (need <= *cap)
		return p;
	while (*cap < need)
		*cap = Max(1024, *cap * 2);
	return p ? repalloc_huge(p, elem * *cap) : MemoryContextAllocHuge(CurrentMemoryContext, elem * *cap);
}

/* the array of one row as d float8 values (its elements checked) */
static float8 *
ArrayValues(ColumnRead *r, Datum value, int32 item, int *len)
{
	ArrayType  *a = DatumGetArrayTypeP(value);
	Datum	   *elems;
	bool	   *nulls;
	float8	   *x;

	if (ARR_NDIM(a) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("column \"%s\" of option \"%s\" holds a %d-dimensional array for key %s",
						r->column, r->side->option, ARR_NDIM(a), LpKeyMapText(r->side->keys, item)),
				 errhint("Give each %s a one-dimensional array.", NodeWord(r))));
	deconstruct_array(a, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE,
					  &elems, &nulls, len);
	x = palloc(sizeof(float8) * Max(*len, 1));
	for (int k = 0; k < *len; k++)
	{
		if (nulls[k])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("the array of column \"%s\" of option \"%s\" has a NULL element for key %s",
							r->column, r->side->option, LpKeyMapText(r->side->keys, item)),
					 errdetail("Element %d is NULL; a vector column's elements must all be numbers.", k + 1),
					 errhint("Replace the NULL elements in a view, or make the whole array NULL: a%s %s with a NULL array gets no terms from the column.",
							 r->side->users ? "" : "n", NodeWord(r))));
		x[k] = DatumGetFloat8(elems[k]);
		if (!isfinite(x[k]))
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("the array of column \"%s\" of option \"%s\" has a non-finite element for key %s",
							r->column, r->side->option, LpKeyMapText(r->side->keys, item)),
					 errdetail("Element %d is %s.", k + 1, float8out_internal(x[k])),
					 errhint("Replace NaN and infinite elements in a view, or make the whole array NULL.")));
	}
	return x;
}

/*
 * The item of a row's key, a new key joining the items (a cold item), or
 * -1 for a NULL key or one that cannot be an item id.  Every row with an
 * item is remembered, for CheckOneRowPerItem.
 */
static int32
RowItem(ColumnRead *r, HeapTuple tup, TupleDesc desc)
{
	const LpAttrSide *side = r->side;
	bool		isnull;
	Datum		kd = SPI_getbinval(tup, desc, 1, &isnull);
	int64		ikey = 0;
	char	   *tkey = NULL;
	int32		n_items = side->keys->n;
	int32		item;
	MemoryContext old;

	if (isnull || !LpKeyFromDatum(side->keys->kind, side->key_type, kd,
								  TupleDescAttr(desc, 0)->atttypid, &ikey, &tkey))
		return -1;
	old = MemoryContextSwitchTo(r->cxt);
	item = LpKeyMapIntern(side->keys, ikey, tkey, tkey ? strlen(tkey) : 0);
	if (side->keys->n > n_items)
		(*side->cold)++;
	r->row_item = Grow(r->row_item, &r->rows_cap, r->n_rows + 1, sizeof(int32));
	r->row_item[r->n_rows++] = item;
	MemoryContextSwitchTo(old);
	return item;
}

/* one row (key, value), in the batch's context */
static void
ColumnRow(void *arg, HeapTuple tup, TupleDesc desc)
{
	ColumnRead *r = (ColumnRead *) arg;
	const LpAttrSide *side = r->side;
	int32		item;
	bool		vnull;
	Datum		vd;
	float8		one;
	float8	   *x = &one;
	int			len = 1;
	MemoryContext batch_cxt;

	(*side->rows)++;
	item = RowItem(r, tup, desc);
	if (item < 0)
	{
		(*side->skipped)++;
		return;
	}
	vd = SPI_getbinval(tup, desc, 2, &vnull);
	if (!vnull && r->vector)
		x = ArrayValues(r, vd, item, &len);
	else if (!vnull)
	{
		one = DatumGetFloat8(vd);
		vnull = !isfinite(one);
	}
	if (vnull)
	{
		(*side->nulls)++;
		return;
	}
	if (r->d < 0)
	{
		r->d = len;
		r->first_item = item;
	}
	else if (len != r->d)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("arrays of column \"%s\" of option \"%s\" differ in length: %d for key %s, %d for key %s",
						r->column, r->side->option, r->d, LpKeyMapText(r->side->keys, r->first_item), len,
						LpKeyMapText(r->side->keys, item)),
				 errdetail("A vector column gives every %s the same number of components.", NodeWord(r)),
				 errhint("Make the arrays one length, or NULL for a%s %s without a vector.",
						 r->side->users ? "" : "n", NodeWord(r))));

	batch_cxt = MemoryContextSwitchTo(r->cxt);
	r->kept_item = Grow(r->kept_item, &r->kept_cap, r->n_kept + 1, sizeof(int32));
	r->vals = Grow(r->vals, &r->vals_cap, (r->n_kept + 1) * Max(r->d, 1), sizeof(float));
	r->kept_item[r->n_kept] = item;
	for (int k = 0; k < len; k++)
		r->vals[r->n_kept * r->d + k] = (float) x[k];
	r->n_kept++;
	MemoryContextSwitchTo(batch_cxt);
}

/* a key on two rows: an error naming it */
static void
CheckOneRowPerItem(ColumnRead *r)
{
	qsort(r->row_item, r->n_rows, sizeof(int32), LpCompareInt32);
	for (int64 k = 1; k < r->n_rows; k++)
		if (r->row_item[k] == r->row_item[k - 1])
			ereport(ERROR,
					(errcode(ERRCODE_CARDINALITY_VIOLATION),
					 errmsg("key %s is on more than one row of relation %s of option \"%s\"",
							LpKeyMapText(r->side->keys, r->row_item[k]), r->relname, r->side->option),
					 errdetail("Column \"%s\" is %s, which needs one row per %s.", r->column,
							   r->vector ? "a vector" : "numeric", NodeWord(r)),
					 errhint("Give one row per %s, for example a view that aggregates the rows of a key.",
							 NodeWord(r))));
}

/* the column's components, standardised, as terms of t */
static void
AddTerms(const ColumnRead *r, LpAttrTerms *t)
{
	double		scale = r->d > 0 ? 1.0 / sqrt((double) r->d) : 0;

	for (int k = 0; k < r->d; k++)
	{
		double		mean = 0,
					var = 0,
					sd;
		int32		attr;

		for (int64 j = 0; j < r->n_kept; j++)
			mean += r->vals[j * r->d + k];
		mean /= r->n_kept;
		for (int64 j = 0; j < r->n_kept; j++)
			var += (r->vals[j * r->d + k] - mean) * (r->vals[j * r->d + k] - mean);
		sd = sqrt(var / r->n_kept);
		/* all equal, up to rounding: the component tells no item from another */
		if (!(sd > 1e-9 * fabs(mean)) || sd == 0)
			continue;
		attr = t->n_attrs++;
		t->info = Grow(t->info, &t->info_cap, t->n_attrs, sizeof(LpAttrInfo));
		t->info[attr] = (LpAttrInfo) {
			.side = r->side->users ? 'u' : 'i',
			.kind = 'n',
			.column = pstrdup(r->column),
			.component = r->vector ? k + 1 : 0,
			.mean = mean,
			.sd = sd,
			.scale = scale,
		};
		t->terms = Grow(t->terms, &t->cap, t->n + r->n_kept, sizeof(LpAttrTerm));
		for (int64 j = 0; j < r->n_kept; j++)
		{
			double		z = (r->vals[j * r->d + k] - mean) / sd;

			z = Max(-LP_ATTR_Z_CLIP, Min(LP_ATTR_Z_CLIP, z));
			if (z == 0)
				continue;
			t->terms[t->n].item = r->kept_item[j];
			t->terms[t->n].attr = attr;
			t->terms[t->n].x = (float) (z * scale);
			t->n++;
		}
	}
}

bool
LpReadAttrColumn(Oid relid, const char *relname, const char *key, const char *column,
				 const LpAttrSide *side, LpAttrTerms *t)
{
	AttrNumber	attnum = get_attnum(relid, column);
	LpAttrColumnKind kind = attnum == InvalidAttrNumber ? LP_ATTR_CATEGORICAL :
		LpAttrColumnKindOf(get_atttype(relid, attnum));
	ColumnRead	r = {
		.relname = relname,
		.column = column,
		.vector = kind == LP_ATTR_VECTOR,
		.side = side,
		.cxt = CurrentMemoryContext,
		.d = kind == LP_ATTR_VECTOR ? -1 : 1,
	};

	if (kind != LP_ATTR_NUMERIC && kind != LP_ATTR_VECTOR)
		return false;
	LpSpiEachRowBatched(SPI_cursor_open_with_args(NULL,
												  psprintf("SELECT %s, (%s)::pg_catalog.float8%s FROM %s",
														   quote_identifier(key), quote_identifier(column),
														   r.vector ? "[]" : "", relname),
												  0, NULL, NULL, NULL, true, 0),
						COLUMN_BATCH, ColumnRow, &r, r.cxt);
	CheckOneRowPerItem(&r);
	if (r.n_kept > 0)
		AddTerms(&r, t);
	if (r.row_item)
		pfree(r.row_item);
	if (r.kept_item)
		pfree(r.kept_item);
	if (r.vals)
		pfree(r.vals);
	return true;
}

/*
 * The terms are in the order AddTerms made them, by attribute: placing
 * them by item (a counting sort) keeps each item's in attribute order.
 */
void
LpAttrTermsJoin(const LpAttrTerms *t, LpGraph *g, const LpAttrSide *side)
{
	int32		n = *side->n;
	int64	   *old_off = *side->off;
	int32	   *old_attr = *side->attr;
	float	   *old_w = *side->w;
	int64		n_old = old_off[n];
	int64	   *off;
	int64	   *next;
	int32	   *attr;
	float	   *w;

	if (t->n_attrs == 0)
		return;
	off = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int64) * (n + 1));
	next = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int64) * Max(n, 1));
	attr = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int32) * Max(n_old + t->n, 1));
	w = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(float) * Max(n_old + t->n, 1));
	/* each node's new length: its categorical values, then its terms */
	for (int32 i = 0; i < n; i++)
		next[i] = old_off[i + 1] - old_off[i];
	for (int64 j = 0; j < t->n; j++)
		next[t->terms[j].item]++;
	off[0] = 0;
	for (int32 i = 0; i < n; i++)
	{
		int64		e = off[i];

		off[i + 1] = off[i] + next[i];
		for (int64 k = old_off[i]; k < old_off[i + 1]; k++, e++)
		{
			attr[e] = old_attr[k];
			w[e] = old_w[k];
		}
		next[i] = e;			/* where its first term goes */
	}
	for (int64 j = 0; j < t->n; j++)
	{
		int64		e = next[t->terms[j].item]++;

		attr[e] = g->n_attrs + t->terms[j].attr;
		w[e] = t->terms[j].x;
	}
	pfree(next);
	pfree(old_off);
	pfree(old_attr);
	pfree(old_w);
	*side->off = off;
	*side->attr = attr;
	*side->w = w;
	g->n_attrs += t->n_attrs;
}
