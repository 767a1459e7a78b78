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
 * version, as the extension owner (linkpred's private tables), and
 * indexed by column (IndexRows).  Nothing read from the relation is kept
 * between calls, so every call composes from its rows as they are now.
 * What keeps a call cheap (issue 22: a top-k with fresh_items was 13 times
 * a plain one at 100,000 items when every row was read) is reading only
 * the rows that can be new: fresh_scan.c asks the relation for the keys
 * outside the version's long runs of integer keys, through a plan kept
 * per backend and version, so a call costs the items added since
 * training, not the relation; when those ranges leave out every key of
 * the version, no key read is looked up in its key map either
 * (Reader.all_new).  Text and uuid keys, ids in no long runs, or a key
 * column without an index still read (or scan) every row; fresh_scan.c
 * says why.  fresh_compose.c turns rows into parts and parts into vectors.
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
#include "fresh_internal.h"
#include "linkpred.h"

/* the option's number of a column of the version's rows, -1 if none */
static int
ColumnIndex(const LpItemFeatures *f, const char *column)
{
	if (f->n_columns == 0)
		return strcmp(column, f->attribute) == 0 ? 0 : -1;
	for (int c = 0; c < f->n_columns; c++)
		if (strcmp(column, f->columns[c]) == 0)
			return c;
	return -1;
}

/*
 * Index the rows by column once, so that reading a value costs one lookup
 * of its text in its column's map, and a numeric value or vector
 * component finds its rows by number (no string is built per value).
 */
static void
IndexRows(FreshAttrs *fa, char **values)
{
	int			ncol = Max(fa->spec.n_columns, 1);

	for (int c = 0; c < ncol; c++)
	{
		fa->values[c] = LpKeyMapCreate(LP_KEY_TEXT, 16);
		fa->value_row[c] = palloc(sizeof(int32) * Max(fa->n, 1));
	}
	for (int32 r = 0; r < fa->n; r++)
	{
		int			c = ColumnIndex(&fa->spec, fa->column[r]);

		if (c >= 0 && fa->kind[r] != 'c')
			fa->n_comp[c] = Max(fa->n_comp[c], fa->component[r] + 1);
	}
	for (int c = 0; c < ncol; c++)
	{
		fa->term_head[c] = palloc(sizeof(int32) * Max(fa->n_comp[c], 1));
		for (int32 k = 0; k < fa->n_comp[c]; k++)
			fa->term_head[c][k] = -1;
	}
	fa->term_next = palloc(sizeof(int32) * Max(fa->n, 1));
	for (int32 r = 0; r < fa->n; r++)
	{
		int			c = ColumnIndex(&fa->spec, fa->column[r]);

		fa->term_next[r] = -1;
		if (c < 0)
			continue;
		if (fa->kind[r] == 'c')
		{
			/* (training stores no NULL value; if one were there, no value would find it) */
			if (values[r])
				fa->value_row[c][LpKeyMapIntern(fa->values[c], 0, values[r], strlen(values[r]))] = r;
		}
		else
		{
			fa->term_next[r] = fa->term_head[c][fa->component[r]];
			fa->term_head[c][fa->component[r]] = r;
		}
	}
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
	char	  **values;

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
	/*
	 * Only an encoder whose vectors are sums of attribute vectors stores
	 * them (LP_ENC_FRESH_NODES); with another one (GraphSAGE: its layers
	 * over the neighbours) new items are refused, new users are folded in
	 * from their items as without user_features.
	 */
	if (given && !LpEncoderPermits(LpOptionsEncoder(&opts), LP_ENC_FRESH_NODES))
	{
		if (!users)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("fresh_items => true is not available for model \"%s\", trained with encoder \"%s\"",
							m->name, LpOptionsEncoder(&opts)->name),
					 errdetail("Its item vectors come out of layers over each item's neighbours, not out of a sum of attribute vectors, so an item added since training cannot be composed from what version %d stores.",
							   m->version),
					 errhint("Retrain the model to include the new items (an item with attributes and no edge is then scored from its attributes), train with \"encoder\": \"mf\", or leave fresh_items out.")));
		given = false;
	}
	/*
	 * A new item's score is its vectors' (fresh_items.c), through the
	 * structural head as a node without edges; item_features needs the dot
	 * decoder, and no encoder with an item-item term learns attributes.
	 */
	Assert(users || (!m->fold->item_term &&
					 LpDecoderIs(LpDecoderAt(m->decoder), LP_DEC_VECTORS_ONLY)));

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
	values = palloc(sizeof(char *) * Max(fa->n, 1));
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
		values[r] = fa->kind[r] == 'c' ? SPI_getvalue(tup, desc, 3) : NULL;
	}
	IndexRows(fa, values);
	for (int32 r = 0; r < fa->n; r++)
		if (values[r])
			pfree(values[r]);
	pfree(values);
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
	LpKeyMap   *mkeys;
	Oid			mtype = users ? m->user_type : m->item_type;
	Reader		rd = {fa};
	Oid			relid;
	Parts		ps = {0};
	LpFreshItems *fi = palloc0(sizeof(LpFreshItems));
	MemoryContext caller = CurrentMemoryContext;
	Portal		portal;
	int64		ikey = 0;
	char	   *tkey = NULL;

	/* which users the version holds: all of them (a lazy copy reads them now) */
	if (users)
		LpCacheReadAllUsers(m);
	mkeys = users ? m->ukeys : m->ikeys;
	fi->dim = m->dim;
	fi->keys = LpKeyMapCreate(mkeys->kind, has_only ? 16 : Max(fa->last_nodes, 64));
	/* no attributes on the side; or a value that cannot be one of its ids: no node */
	if (!f->relation[0] ||
		(has_only && !LpKeyFromDatum(mkeys->kind, mtype, only, only_type, &ikey, &tkey)))
		return fi;
	if (!has_only && fa->last_parts > 0)
	{
		ps.cap = fa->last_parts;
		ps.p = MemoryContextAllocHuge(caller, sizeof(Part) * ps.cap);
	}

	SPI_connect();
	relid = CheckRelation(m, fa, rd.kinds, rd.dims);
	LpCheckUserMappings(relid);
	portal = LpFreshScanOpen(m, &fa->scan, mkeys, f, relid, rd.kinds, has_only, ikey, tkey,
							 &rd.all_new);
	for (;;)
	{
		MemoryContext old;

		SPI_cursor_fetch(portal, true, 10000);
		if (SPI_processed == 0)
			break;
		old = MemoryContextSwitchTo(caller);
		for (uint64 r = 0; r < SPI_processed; r++)
			LpFreshReadRow(m, &rd, SPI_tuptable->vals[r], SPI_tuptable->tupdesc, fi->keys, &ps);
		MemoryContextSwitchTo(old);
		SPI_freetuptable(SPI_tuptable);
		CHECK_FOR_INTERRUPTS();
	}
	SPI_cursor_close(portal);
	SPI_finish();

	fi->n = fi->keys->n;
	if (!has_only)
	{
		fa->last_nodes = fi->n;
		fa->last_parts = ps.n;
	}
	fi->V = MemoryContextAllocHuge(caller, sizeof(float) * Max(fi->n, 1) * m->dim);
	memset(fi->V, 0, sizeof(float) * Max(fi->n, 1) * m->dim);
	fi->bv = palloc0(sizeof(float) * Max(fi->n, 1));
	LpFreshCompose(fa, &ps, fi, m->name);
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
