/*
 * fresh_compose.c: one call's rows of an attribute relation, read into
 * parts (a node, one of the version's attribute rows, its weight), and
 * the parts composed into vectors and biases the way training composed a
 * cold node (kernels/attrs.h): fresh_attrs.c reads the rows, and explains
 * the composition at its top.
 *
 * A value finds its attribute row by one lookup of its text in its
 * column's map (a text or varchar value by its bytes, others through
 * their output function, set up once per call), and a numeric value or
 * vector component finds its rows by number; nothing is formatted per
 * value.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "attrs_columns.h"
#include "cache.h"
#include "fresh_internal.h"
#include "linkpred.h"

static void
AddPart(Parts *ps, int32 item, int32 row, float w, bool categorical)
{
	if (ps->n == ps->cap)
	{
		ps->cap = Max(256, ps->cap * 2);
		ps->p = ps->p ? repalloc_huge(ps->p, sizeof(Part) * ps->cap) :
			MemoryContextAllocHuge(CurrentMemoryContext, sizeof(Part) * ps->cap);
	}
	ps->p[ps->n++] = (Part) {item, row, w, categorical};
}

static int
ComparePart(const void *a, const void *b)
{
	const Part *x = a,
			   *y = b;

	if (x->item != y->item)
		return x->item < y->item ? -1 : 1;
	return (x->row > y->row) - (x->row < y->row);
}

/* the 'n' rows of column c (component comp): their terms for value x */
static void
AddTerms(const FreshAttrs *fa, Parts *ps, int32 item, int c, int comp, double x)
{
	for (int32 r = comp < fa->n_comp[c] ? fa->term_head[c][comp] : -1; r >= 0; r = fa->term_next[r])
	{
		double		z;

		z = ((double) (float) x - fa->mean[r]) / fa->sd[r];
		z = Max(-LP_ATTR_Z_CLIP, Min(LP_ATTR_Z_CLIP, z));
		if (z != 0)
			AddPart(ps, item, r, (float) (z * fa->scale[r]), false);
	}
}

/* the value d of categorical column c (tuple column c + 2), if the version knows it */
static void
AddValue(Reader *rd, TupleDesc desc, Parts *ps, int32 item, int c, Datum d, float w)
{
	const FreshAttrs *fa = rd->fa;
	const char *value;
	int			len;
	int32		v;

	if (!rd->ready)
	{
		/* text's bytes are its output: no copy per value */
		for (int i = 0; i < Max(fa->spec.n_columns, 1) && i + 1 < desc->natts; i++)
		{
			Oid			t = TupleDescAttr(desc, i + 1)->atttypid,
						out;
			bool		varlena;

			rd->as_text[i] = t == TEXTOID || t == VARCHAROID;
			getTypeOutputInfo(t, &out, &varlena);
			fmgr_info(out, &rd->out[i]);
		}
		rd->ready = true;
	}
	if (rd->as_text[c])
	{
		text	   *t = DatumGetTextPP(d);

		value = VARDATA_ANY(t);
		len = VARSIZE_ANY_EXHDR(t);
	}
	else
	{
		value = OutputFunctionCall(&rd->out[c], d);
		len = strlen(value);
	}
	v = LpKeyMapFind(fa->values[c], 0, value, len);
	if (v >= 0)
		AddPart(ps, item, fa->value_row[c][v], w, true);
}

/* one row of the relation: its item (new ones only) and parts */
void
LpFreshReadRow(LpServingModel *m, Reader *rd, HeapTuple tup, TupleDesc desc, LpKeyMap *keys,
			   Parts *ps)
{
	const FreshAttrs *fa = rd->fa;
	const LpItemFeatures *f = &fa->spec;
	bool		isnull;
	Datum		kd = SPI_getbinval(tup, desc, 1, &isnull);
	Oid			kt = TupleDescAttr(desc, 0)->atttypid;
	int64		ikey = 0;
	char	   *tkey = NULL;
	int32		item;

	if (isnull ||
		(!rd->all_new && (fa->users ? LpLookupUser(m, kd, kt) : LpLookupItem(m, kd, kt)) >= 0) ||
		!LpKeyFromDatum(keys->kind, fa->users ? m->user_type : m->item_type, kd, kt, &ikey, &tkey))
		return;
	item = LpKeyMapIntern(keys, ikey, tkey, tkey ? strlen(tkey) : 0);
	if (f->n_columns == 0)
	{
		Datum		value = SPI_getbinval(tup, desc, 2, &isnull);
		double		w = 1.0;

		if (isnull)
			return;
		if (f->weight[0])
		{
			w = DatumGetFloat8(SPI_getbinval(tup, desc, 3, &isnull));
			if (isnull)
				return;
		}
		if (isfinite(w) && w > 0)
			AddValue(rd, desc, ps, item, 0, value, (float) w);
		return;
	}
	for (int c = 0; c < f->n_columns; c++)
	{
		Datum		d = SPI_getbinval(tup, desc, c + 2, &isnull);

		if (isnull)
			continue;
		if (rd->kinds[c] == LP_ATTR_CATEGORICAL)
			AddValue(rd, desc, ps, item, c, d, 1.0f);
		else if (rd->kinds[c] == LP_ATTR_NUMERIC)
		{
			if (isfinite(DatumGetFloat8(d)))
				AddTerms(fa, ps, item, c, 0, DatumGetFloat8(d));
		}
		else
		{
			ArrayType  *a = DatumGetArrayTypeP(d);
			Datum	   *el;
			bool	   *nulls;
			int			len,
						want = rd->dims[c];

			deconstruct_array(a, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE,
							  &el, &nulls, &len);
			/* want 0: no component of the column varied at training, no term */
			if (want > 0 && (len != want || ARR_NDIM(a) > 1))
				ereport(ERROR,
						(errcode(ERRCODE_DATA_EXCEPTION),
						 errmsg("column \"%s\" of the %s relation of model \"%s\" holds %d components for key %s, not %d",
								f->columns[c], fa->option, m->name, len, LpKeyMapText(keys, item), want),
						 errdetail("Version %d learnt %d-long vectors.", m->version, want),
						 errhint("Give the new %ss vectors of the training length, or retrain the model.",
								 fa->node)));
			for (int k = 0; k < len; k++)
				if (!nulls[k] && isfinite(DatumGetFloat8(el[k])))
					AddTerms(fa, ps, item, c, k + 1, DatumGetFloat8(el[k]));
		}
	}
}

/* each item's vector and bias from its parts (sorted), as training composed a cold item */
void
LpFreshCompose(const FreshAttrs *fa, Parts *ps, LpFreshItems *fi, const char *model)
{
	int			dim = fi->dim;

	qsort(ps->p, ps->n, sizeof(Part), ComparePart);
	for (int64 s = 0, e; s < ps->n; s = e)
	{
		int32		item = ps->p[s].item;
		float	   *v = fi->V + (int64) item * dim;
		int64		w = s;
		double		sum = 0;

		/* a value on two rows adds its weights; the categorical weights sum to 1 */
		for (e = s; e < ps->n && ps->p[e].item == item; e++)
		{
			if (w > s && ps->p[w - 1].row == ps->p[e].row)
			{
				if (!ps->p[e].categorical)
					ereport(ERROR,
							(errcode(ERRCODE_CARDINALITY_VIOLATION),
							 errmsg("key %s is on more than one row of the %s relation of model \"%s\"",
									LpKeyMapText(fi->keys, item), fa->option, model),
							 errdetail("Column \"%s\" is numeric or a vector, which needs one row per %s.",
									   fa->column[ps->p[e].row], fa->node),
							 errhint("Give one row per %s, for example a view that aggregates the rows of a key.",
									 fa->node)));
				ps->p[w - 1].w += ps->p[e].w;
			}
			else
				ps->p[w++] = ps->p[e];
		}
		for (int64 j = s; j < w; j++)
			if (ps->p[j].categorical)
				sum += ps->p[j].w;
		for (int64 j = s; j < w; j++)
		{
			const float *av = fa->A + (int64) ps->p[j].row * dim;
			float		x = ps->p[j].categorical ? (float) (ps->p[j].w / sum) : ps->p[j].w;

			for (int d = 0; d < dim; d++)
				v[d] += x * av[d];
			fi->bv[item] += x * fa->ab[ps->p[j].row];
		}
	}
}
