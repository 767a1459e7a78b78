/*
 * fresh_attrs.c: nodes added to a model's attribute relation after
 * training (option item_features, and user_features), composed at serve
 * time from the version's stored attribute vectors; fresh_items.c puts the
 * composed items into linkpred_topk's and linkpred_similar's rows.
 *
 * A model trained with item_features keeps, per version, each attribute's
 * learnt vector and bias and, for a numeric or vector term, the mean, sd
 * and scale that turned a raw value into its weight
 * (linkpred.attribute_store, catalog/attr_store.c).  Training composed a
 * cold item (no edge) from those alone (kernels/attrs.h); here an item the
 * version does not hold is composed the same way from the relation's
 * current rows: the mean of its categorical values' vectors (a
 * many-to-many relation's rows weighted by "weight"), plus each numeric
 * term's vector times clip((x - mean) / sd, -3, 3) * scale.  A value that
 * training never saw has no vector and contributes nothing: the mean runs
 * over the values the version knows.  An item with no known value and no
 * numeric term has the zero vector and bias (its score is the user's
 * bias), as a cold item with nothing usable had at training.  Items the
 * version holds keep their stored vectors, so nothing about serving
 * models without attributes, or known items, changes.  A user of the
 * user_features relation is composed the same way from the users' rows.
 *
 * The relation is read as the calling role, in the query's snapshot, as
 * fresh => true reads a user's rows (privileges and row-level security
 * apply); the version's attribute rows are read once per backend and
 * version, as the extension owner (linkpred's private tables).
 */
#include "postgres.h"

#include <math.h>

#include "access/tupdesc.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/regproc.h"
#include "utils/varlena.h"

#include "attrs_columns.h"
#include "cache.h"
#include "fresh_items.h"
#include "fresh_scan.h"
#include "linkpred.h"
#include "options.h"

/* one side's attributes of the version, as loaded once per backend (in m->cxt) */
typedef struct FreshAttrs
{
	bool		users;			/* user_features, else item_features */
	const char *option;			/* "item_features" or "user_features" */
	const char *node;			/* "item" or "user" */
	LpItemFeatures spec;		/* the option of the version; relation "": not given */
	int32		n;				/* the side's attribute rows */
	int32	   *idx;			/* each row's attribute number: the order of composing */
	char	   *kind;			/* 'c' or 'n' */
	char	  **column;
	int32	   *component;		/* 'n': 0 numeric, 1-based vector component */
	double	   *mean,
			   *sd,
			   *scale;
	float	   *A;				/* n x dim */
	float	   *ab;
	LpKeyMap   *values;			/* "column=value" of each 'c' row -> value_row */
	int32	   *value_row;
	LpKeyMap   *terms;			/* "component:column" of each 'n' row -> term_head */
	int32	   *term_head;		/* the key's last 'n' row; term_next: the one before, or -1 */
	int32	   *term_next;
	LpFreshScan *scan;			/* fresh_scan.c: the statement reading new nodes */
} FreshAttrs;

/* one (item, attribute row, weight) of the items read */
typedef struct Part
{
	int32		item;
	int32		row;
	float		w;
	bool		categorical;
} Part;

typedef struct Parts
{
	Part	   *p;
	int64		n;
	int64		cap;
} Parts;

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

static char *
ValueKey(const char *column, const char *value)
{
	return psprintf("%s=%s", column, value);
}

/* the key of a numeric column's (or a vector column's component's) rows */
static char *
TermKey(const char *column, int component)
{
	return psprintf("%d:%s", component, column);
}

/*
 * The version's option item_features (user_features if users) and that
 * side's attribute rows (SPI connected).  Items: ERRORs unless the model
 * can compose them.  Users: a model without user_features gets spec
 * relation "" and no rows.
 */
static FreshAttrs *
LoadAttrs(LpServingModel *m, bool users)
{
	LpModelRow	row;
	LpOptions	opts;
	LpCatalogContext cc;
	FreshAttrs *fa;
	MemoryContext old;
	bool		given;

	LpReadModel(m->name, false, false, &row);
	if (row.options)
		LpOptionsParseText(row.options, &opts);
	given = row.options != NULL && row.job_id == m->job_id &&
		(users ? opts.user_features : opts.item_features).relation[0];
	if (!users && !given)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("model \"%s\" was trained without option \"item_features\"", m->name),
				 errdetail("fresh_items => true composes items added after training from the vectors the model learnt for their attributes; version %d has none.",
						   m->version),
				 errhint("Retrain the model with \"item_features\", or leave fresh_items out.")));
	/* a user composed scores through the decoder as a folded-in one does */
	if (!users &&
		(m->has_head || m->fold->item_term || !LpDecoderIs(LpDecoderAt(m->decoder), LP_DEC_VECTORS_ONLY)))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("fresh_items => true is not available for model \"%s\", which has a structural head",
						m->name),
				 errdetail("The head scores a pair from the training graph, in which an item added since has no place."),
				 errhint("Retrain with \"features\": \"none\" to serve new items, or leave fresh_items out.")));

	old = MemoryContextSwitchTo(m->cxt);
	fa = palloc0(sizeof(FreshAttrs));
	fa->users = users;
	fa->option = users ? "user_features" : "item_features";
	fa->node = users ? "user" : "item";
	if (given)
		fa->spec = users ? opts.user_features : opts.item_features;
	MemoryContextSwitchTo(old);
	if (!given)
		return fa;
	LpCatalogEnter(&cc);
	LpSpiExecVersion(users ?
					 "SELECT kind, column_name, value, component, mean, sd, scale, bias, vec, idx"
					 " FROM linkpred.attribute_store WHERE model = $1 AND version = $2"
					 " AND side = 'u' ORDER BY idx" :
					 "SELECT kind, column_name, value, component, mean, sd, scale, bias, vec, idx"
					 " FROM linkpred.attribute_store WHERE model = $1 AND version = $2"
					 " AND side = 'i' ORDER BY idx", m->name, m->version, true);
	LpCatalogLeave(&cc);
	old = MemoryContextSwitchTo(m->cxt);
	fa->n = (int32) SPI_processed;
	fa->idx = palloc(sizeof(int32) * Max(fa->n, 1));
	fa->kind = palloc(Max(fa->n, 1));
	fa->column = palloc(sizeof(char *) * Max(fa->n, 1));
	fa->component = palloc(sizeof(int32) * Max(fa->n, 1));
	fa->mean = palloc(sizeof(double) * Max(fa->n, 1));
	fa->sd = palloc(sizeof(double) * Max(fa->n, 1));
	fa->scale = palloc(sizeof(double) * Max(fa->n, 1));
	fa->A = MemoryContextAllocHuge(m->cxt, sizeof(float) * Max(fa->n, 1) * m->dim);
	fa->ab = palloc(sizeof(float) * Max(fa->n, 1));
	fa->values = LpKeyMapCreate(LP_KEY_TEXT, Max(fa->n, 16));
	fa->value_row = palloc(sizeof(int32) * Max(fa->n, 1));
	fa->terms = LpKeyMapCreate(LP_KEY_TEXT, 16);
	fa->term_head = palloc(sizeof(int32) * Max(fa->n, 1));
	fa->term_next = palloc(sizeof(int32) * Max(fa->n, 1));
	for (int32 r = 0; r < fa->n; r++)
	{
		HeapTuple	tup = SPI_tuptable->vals[r];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		ArrayType  *vec;

		fa->kind[r] = DatumGetChar(SPI_getbinval(tup, desc, 1, &isnull));
		fa->column[r] = SPI_getvalue(tup, desc, 2);
		fa->component[r] = DatumGetInt32(SPI_getbinval(tup, desc, 4, &isnull));
		fa->mean[r] = DatumGetFloat8(SPI_getbinval(tup, desc, 5, &isnull));
		fa->sd[r] = DatumGetFloat8(SPI_getbinval(tup, desc, 6, &isnull));
		fa->scale[r] = DatumGetFloat8(SPI_getbinval(tup, desc, 7, &isnull));
		fa->ab[r] = DatumGetFloat4(SPI_getbinval(tup, desc, 8, &isnull));
		vec = DatumGetArrayTypeP(SPI_getbinval(tup, desc, 9, &isnull));
		fa->idx[r] = DatumGetInt32(SPI_getbinval(tup, desc, 10, &isnull));
		if (ARR_NDIM(vec) != 1 || ARR_DIMS(vec)[0] != m->dim || ARR_HASNULL(vec))
			ereport(ERROR,
					(errcode(ERRCODE_DATA_CORRUPTED),
					 errmsg("attribute vectors of model \"%s\" version %d are damaged", m->name, m->version),
					 errdetail("Each needs %d reals in linkpred.attribute_store.vec.", m->dim),
					 errhint("Retrain the model.")));
		memcpy(fa->A + (int64) r * m->dim, ARR_DATA_PTR(vec), sizeof(float) * m->dim);
		if (fa->kind[r] == 'c')
		{
			char	   *k = ValueKey(fa->column[r], SPI_getvalue(tup, desc, 3));

			fa->value_row[LpKeyMapIntern(fa->values, 0, k, strlen(k))] = r;
		}
		else
		{
			char	   *k = TermKey(fa->column[r], fa->component[r]);
			int32		n = fa->terms->n;
			int32		t = LpKeyMapIntern(fa->terms, 0, k, strlen(k));

			fa->term_next[r] = t < n ? fa->term_head[t] : -1;
			fa->term_head[t] = r;
		}
	}
	MemoryContextSwitchTo(old);
	return fa;
}

/* what kind of column the version's rows say column was: a LpAttrColumnKind, or -1: no row */
static int
TrainedKind(const FreshAttrs *fa, const char *column, int *d)
{
	*d = 0;
	for (int32 r = 0; r < fa->n; r++)
		if (strcmp(fa->column[r], column) == 0)
		{
			if (fa->kind[r] == 'c')
				return LP_ATTR_CATEGORICAL;
			if (fa->component[r] == 0)
				return LP_ATTR_NUMERIC;
			/* scale = 1 / sqrt(d) (attrs_columns.c) */
			*d = (int) rint(1.0 / (fa->scale[r] * fa->scale[r]));
			return LP_ATTR_VECTOR;
		}
	return -1;
}

static const char *
KindWord(int kind)
{
	return kind == LP_ATTR_CATEGORICAL ? "categorical" :
		kind == LP_ATTR_NUMERIC ? "numeric" : kind == LP_ATTR_VECTOR ? "a vector" : "unsupported";
}

/* the relation, still there, with the key and columns training read, of the same kinds */
static Oid
CheckRelation(const LpServingModel *m, const FreshAttrs *fa, int *kinds, int *dims)
{
	const LpItemFeatures *f = &fa->spec;
	const char *arg = fa->users ? "fresh" : "fresh_items";
	Oid			relid = RangeVarGetRelid(makeRangeVarFromNameList(stringToQualifiedNameList(f->relation)),
										 AccessShareLock, true);
	Oid			t;
	LpKeyKind	kk;

	if (!OidIsValid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("the %s relation %s of model \"%s\" no longer exists",
						fa->option, f->relation, m->name),
				 errdetail("%s => true reads the current attributes of %ss the model does not hold from it.",
						   arg, fa->node),
				 errhint("Recreate it, retrain the model from a relation that exists, or leave %s out.", arg)));
	LpCheckColumn(relid, psprintf("%s key", fa->option), f->key, &t);
	if (!LpKeyKindForType(t, &kk) || kk != (fa->users ? m->ukeys : m->ikeys)->kind)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("key column \"%s\" of the %s relation of model \"%s\" has type %s, which cannot hold its %s ids",
						f->key, fa->option, m->name, format_type_be(t), fa->node),
				 errdetail("The model's %s ids are of type %s.", fa->node,
						   format_type_be(fa->users ? m->user_type : m->item_type)),
				 errhint("Change the column back, or retrain the model.")));
	if (f->n_columns == 0)
		LpCheckColumn(relid, psprintf("%s attribute", fa->option), f->attribute, &t);
	if (f->weight[0])
		LpCheckColumn(relid, psprintf("%s weight", fa->option), f->weight, &t);
	for (int c = 0; c < f->n_columns; c++)
	{
		int			was = TrainedKind(fa, f->columns[c], &dims[c]);

		LpCheckColumn(relid, psprintf("%s columns", fa->option), f->columns[c], &t);
		kinds[c] = LpAttrColumnKindOf(t);
		if (kinds[c] == LP_ATTR_UNSUPPORTED || (was >= 0 && was != kinds[c]))
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("column \"%s\" of the %s relation of model \"%s\" changed type since training",
							f->columns[c], fa->option, m->name),
					 errdetail("It is now %s, %s; version %d learnt it as %s.", format_type_be(t),
							   KindWord(kinds[c]), m->version, was >= 0 ? KindWord(was) : "something else"),
					 errhint("Retrain the model, or leave %s out.", arg)));
	}
	return relid;
}

/* the 'n' rows of column (component comp) : their terms for value x */
static void
AddTerms(const FreshAttrs *fa, Parts *ps, int32 item, const char *column, int comp, double x)
{
	char	   *k = TermKey(column, comp);
	int32		t = LpKeyMapFind(fa->terms, 0, k, strlen(k));

	pfree(k);
	for (int32 r = t >= 0 ? fa->term_head[t] : -1; r >= 0; r = fa->term_next[r])
	{
		double		z;

		z = ((double) (float) x - fa->mean[r]) / fa->sd[r];
		z = Max(-LP_ATTR_Z_CLIP, Min(LP_ATTR_Z_CLIP, z));
		if (z != 0)
			AddPart(ps, item, r, (float) (z * fa->scale[r]), false);
	}
}

static void
AddValue(const FreshAttrs *fa, Parts *ps, int32 item, const char *column, const char *value, float w)
{
	char	   *k = ValueKey(column, value);
	int32		v = LpKeyMapFind(fa->values, 0, k, strlen(k));

	if (v >= 0)
		AddPart(ps, item, fa->value_row[v], w, true);
}

/* one row of the relation: its item (new ones only) and parts */
static void
ReadRow(LpServingModel *m, const FreshAttrs *fa, const int *kinds, const int *dims,
		HeapTuple tup, TupleDesc desc, LpKeyMap *keys, Parts *ps)
{
	const LpItemFeatures *f = &fa->spec;
	bool		isnull;
	Datum		kd = SPI_getbinval(tup, desc, 1, &isnull);
	Oid			kt = TupleDescAttr(desc, 0)->atttypid;
	int64		ikey = 0;
	char	   *tkey = NULL;
	int32		item;

	if (isnull ||
		(fa->users ? LpLookupUser(m, kd, kt) : LpLookupItem(m, kd, kt)) >= 0 ||
		!LpKeyFromDatum(keys->kind, fa->users ? m->user_type : m->item_type, kd, kt, &ikey, &tkey))
		return;
	item = LpKeyMapIntern(keys, ikey, tkey, tkey ? strlen(tkey) : 0);
	if (f->n_columns == 0)
	{
		char	   *value = SPI_getvalue(tup, desc, 2);
		double		w = 1.0;

		if (f->weight[0])
		{
			w = DatumGetFloat8(SPI_getbinval(tup, desc, 3, &isnull));
			if (isnull)
				return;
		}
		if (value != NULL && isfinite(w) && w > 0)
			AddValue(fa, ps, item, f->attribute, value, (float) w);
		return;
	}
	for (int c = 0; c < f->n_columns; c++)
	{
		Datum		d = SPI_getbinval(tup, desc, c + 2, &isnull);

		if (isnull)
			continue;
		if (kinds[c] == LP_ATTR_CATEGORICAL)
			AddValue(fa, ps, item, f->columns[c], SPI_getvalue(tup, desc, c + 2), 1.0f);
		else if (kinds[c] == LP_ATTR_NUMERIC)
		{
			if (isfinite(DatumGetFloat8(d)))
				AddTerms(fa, ps, item, f->columns[c], 0, DatumGetFloat8(d));
		}
		else
		{
			ArrayType  *a = DatumGetArrayTypeP(d);
			Datum	   *el;
			bool	   *nulls;
			int			len,
						want = dims[c];

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
					AddTerms(fa, ps, item, f->columns[c], k + 1, DatumGetFloat8(el[k]));
		}
	}
}

/* each item's vector and bias from its parts (sorted), as training composed a cold item */
static void
Compose(const FreshAttrs *fa, Parts *ps, LpFreshItems *fi, const char *model)
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

/* the side's attributes of m's version, loaded on first use */
static FreshAttrs *
SideAttrs(LpServingModel *m, bool users)
{
	void	  **slot = users ? &m->fresh_user_attrs : &m->fresh_attrs;

	if (*slot == NULL)
	{
		SPI_connect();
		*slot = LoadAttrs(m, users);
		SPI_finish();
	}
	return *slot;
}

void
LpFreshItemsCheck(LpServingModel *m)
{
	(void) SideAttrs(m, false);
}

/*
 * The nodes of the side's attribute relation that the version does not
 * hold (with has_only, only the node `only`), composed; n is 0 when the
 * model has no attributes on that side.
 */
static LpFreshItems *
ReadFresh(LpServingModel *m, bool users, bool has_only, Datum only, Oid only_type)
{
	FreshAttrs *fa = SideAttrs(m, users);
	const LpItemFeatures *f = &fa->spec;
	LpKeyMap   *mkeys = users ? m->ukeys : m->ikeys;
	Oid			mtype = users ? m->user_type : m->item_type;
	int			kinds[LP_MAX_FEATURE_COLUMNS],
				dims[LP_MAX_FEATURE_COLUMNS];
	Oid			relid;
	StringInfoData sql;
	Oid			keytype;
	Parts		ps = {0};
	LpFreshItems *fi = palloc0(sizeof(LpFreshItems));
	MemoryContext caller = CurrentMemoryContext;
	Portal		portal;
	int64		ikey = 0;
	char	   *tkey = NULL;

	fi->dim = m->dim;
	fi->keys = LpKeyMapCreate(mkeys->kind, 64);
	/* no attributes on the side; or a value that cannot be one of its ids: no node */
	if (!f->relation[0] ||
		(has_only && !LpKeyFromDatum(mkeys->kind, mtype, only, only_type, &ikey, &tkey)))
		return fi;

	SPI_connect();
	relid = CheckRelation(m, fa, kinds, dims);
	LpCheckUserMappings(relid);
	initStringInfo(&sql);
	appendStringInfo(&sql, "SELECT %s", quote_identifier(f->key));
	if (f->n_columns == 0)
	{
		appendStringInfo(&sql, ", %s", quote_identifier(f->attribute));
		if (f->weight[0])
			appendStringInfo(&sql, ", (%s)::pg_catalog.float8", quote_identifier(f->weight));
	}
	for (int c = 0; c < f->n_columns; c++)
		appendStringInfo(&sql, kinds[c] == LP_ATTR_CATEGORICAL ? ", %s" :
						 kinds[c] == LP_ATTR_NUMERIC ? ", (%s)::pg_catalog.float8" :
						 ", (%s)::pg_catalog.float8[]", quote_identifier(f->columns[c]));
	appendStringInfo(&sql, " FROM %s", LpQualifiedRelName(relid));
	if (has_only)
	{
		/* one node: the key compared in the column's type */
		Oid			in,
					ioparam;
		Datum		arg;

		keytype = get_atttype(relid, get_attnum(relid, f->key));
		getTypeInputInfo(keytype, &in, &ioparam);
		arg = OidInputFunctionCall(in, mkeys->kind == LP_KEY_INT ? psprintf(INT64_FORMAT, ikey) : tkey,
								   ioparam, -1);
		appendStringInfo(&sql, " WHERE %s OPERATOR(pg_catalog.=) $1", quote_identifier(f->key));
		portal = SPI_cursor_open_with_args(NULL, sql.data, 1, &keytype, &arg, NULL, true, 0);
	}
	else
		portal = LpFreshScanOpen(m, &fa->scan, mkeys, f->key, sql.data);

	for (;;)
	{
		MemoryContext old;

		SPI_cursor_fetch(portal, true, 10000);
		if (SPI_processed == 0)
			break;
		old = MemoryContextSwitchTo(caller);
		for (uint64 r = 0; r < SPI_processed; r++)
			ReadRow(m, fa, kinds, dims, SPI_tuptable->vals[r], SPI_tuptable->tupdesc, fi->keys, &ps);
		MemoryContextSwitchTo(old);
		SPI_freetuptable(SPI_tuptable);
		CHECK_FOR_INTERRUPTS();
	}
	SPI_cursor_close(portal);
	SPI_finish();

	fi->n = fi->keys->n;
	fi->V = MemoryContextAllocHuge(caller, sizeof(float) * Max(fi->n, 1) * m->dim);
	memset(fi->V, 0, sizeof(float) * Max(fi->n, 1) * m->dim);
	fi->bv = palloc0(sizeof(float) * Max(fi->n, 1));
	Compose(fa, &ps, fi, m->name);
	return fi;
}

LpFreshItems *
LpFreshItemsRead(LpServingModel *m, bool has_only, Datum only, Oid only_type)
{
	return ReadFresh(m, false, has_only, only, only_type);
}

bool
LpFreshUserVector(LpServingModel *m, Datum user, Oid utype, float *q, float *bu)
{
	LpFreshItems *fu = ReadFresh(m, true, true, user, utype);

	if (fu->n == 0)
		return false;
	memcpy(q, fu->V, sizeof(float) * m->dim);
	*bu = fu->bv[0];
	return true;
}
