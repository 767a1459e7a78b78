/*
 * serve.c: the serving SQL functions: linkpred_score, linkpred_topk,
 * linkpred_topk_many, linkpred_similar.
 *
 * score(u, v) = U[u].V[v] + bu[u] + bv[v], the logit the model was trained
 * on; NULL when u or v is not in the model.  With fresh => true a user is
 * folded in from its current rows in the model's source (a cold user with
 * no rows keeps its trained vector: ColdUserWithoutRows).  With
 * fresh_items => true an item added to the item attribute relation since
 * training is composed from its attributes (fresh_items.c).  The top-k
 * functions parse their arguments here, rank in ranking.c (the exact scan
 * or the approximate index, the exclusions and filters, the batch) and
 * emit the rows here.
 */
#include "postgres.h"

#include <math.h>

#include <cblas.h>

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/lsyscache.h"
#include "utils/tuplestore.h"

#include "cache.h"
#include "fresh_items.h"
#include "linkpred.h"
#include "model.h"
#include "ranking.h"
#include "slice.h"
#include "train.h"
#include "vec.h"

PG_FUNCTION_INFO_V1(linkpred_score);
PG_FUNCTION_INFO_V1(linkpred_topk);
PG_FUNCTION_INFO_V1(linkpred_topk_many);
PG_FUNCTION_INFO_V1(linkpred_similar);

/* a value of type from as type to (through text when they differ) */
static Datum
CastVia(Datum value, Oid from, Oid to)
{
	Oid			out,
				in,
				ioparam;
	bool		varlena;

	if (from == to)
		return value;
	if (from == UNKNOWNOID)
	{
		getTypeInputInfo(to, &in, &ioparam);
		return OidInputFunctionCall(in, DatumGetCString(value), ioparam, -1);
	}
	getTypeOutputInfo(from, &out, &varlena);
	getTypeInputInfo(to, &in, &ioparam);
	return OidInputFunctionCall(in, OidOutputFunctionCall(out, value), ioparam, -1);
}

/*
 * The vector (m->fold_u) and bias of a user with items[0 .. n-1], sorted,
 * as the model's encoder folds it in (model.h).
 */
static void
FoldIn(LpServingModel *m, const int32 *items, int n, float *bu)
{
	m->fold->encoder->fold_in(m, items, n, bu);
}

/*
 * Fold-in for fresh => true: the user's items as they are now in the
 * model's source (the query's snapshot, read as the calling role), mapped to
 * the model's items (items new since training have no embedding and are
 * left out), and a user vector learnt from them against the frozen item
 * embeddings; a user the model does not hold with no rows, and a row in
 * the model's user_features relation, is composed from its attributes
 * instead (fresh_attrs.c).  Returns the sorted item indices, *n of them; the vector is
 * in m->fold_u and its bias in *bu.  With unheld != NULL, the ids of the
 * current items the model does not hold (copies, in the caller's
 * context), *n_unheld of them, go to *unheld: exclude_seen leaves out the
 * ones fresh_items would serve.
 */
static int32 *
FoldInFresh(LpServingModel *m, Datum user, Oid utype, int *n, float *bu, Datum **unheld, int *n_unheld)
{
	Datum		arg;
	int32	   *items;
	int			count = 0;
	MemoryContext caller = CurrentMemoryContext;
	int64		ikey;
	char	   *tkey;

	/* an id that cannot be one of the model's (say 'abc' for integer ids)
	 * has no rows: a user with no history, as without fresh */
	if (!LpKeyFromDatum(m->ukeys->kind, m->user_type, user, utype, &ikey, &tkey))
	{
		items = palloc(sizeof(int32));
		FoldIn(m, items, 0, bu);
		*n = 0;
		return items;
	}
	if (m->ukeys->kind == LP_KEY_INT)
		arg = CastVia(Int64GetDatum(ikey), INT8OID, m->user_type);
	else
		arg = CastVia(CStringGetDatum(tkey), UNKNOWNOID, m->user_type);

	SPI_connect();
	if (m->fresh_plan == NULL)
	{
		char	   *rel = LpQualifiedRelName(m->source);
		char	   *src = pstrdup(quote_identifier(m->src_column));
		char	   *dst = pstrdup(quote_identifier(m->dst_column));
		char	   *sql;
		SPIPlanPtr	plan;

		if (rel == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_TABLE),
					 errmsg("the source relation of model \"%s\" no longer exists", m->name),
					 errhint("fresh => true reads the user's current rows from it; retrain from a relation that exists.")));
		/* a sharded source: the caller's user mappings, checked once per backend and model */
		LpCheckUserMappings(m->source);
		/* an undirected graph's edge counts from either end */
		if (m->tied)
			sql = psprintf("SELECT %s FROM %s WHERE %s OPERATOR(pg_catalog.=) $1"
						   " UNION ALL SELECT %s FROM %s WHERE %s OPERATOR(pg_catalog.=) $1",
						   dst, rel, src, src, rel, dst);
		else
			sql = psprintf("SELECT %s FROM %s WHERE %s OPERATOR(pg_catalog.=) $1", dst, rel, src);
		plan = SPI_prepare(sql, 1, &m->user_type);
		if (plan == NULL)
			elog(ERROR, "linkpred: SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
		SPI_keepplan(plan);
		m->fresh_plan = plan;
	}
	if (SPI_execute_plan((SPIPlanPtr) m->fresh_plan, &arg, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "linkpred: reading a user's current items failed");
	items = MemoryContextAlloc(caller, sizeof(int32) * Max(SPI_processed, 1));
	if (unheld)
	{
		*unheld = MemoryContextAlloc(caller, sizeof(Datum) * Max(SPI_processed, 1));
		*n_unheld = 0;
	}
	for (uint64 r = 0; r < SPI_processed; r++)
	{
		bool		isnull;
		Datum		d = SPI_getbinval(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 1, &isnull);
		int32		i;

		if (isnull)
			continue;
		i = LpLookupItem(m, d, m->item_type);
		if (i >= 0)
			items[count++] = i;
		else if (unheld)
		{
			MemoryContext spi = MemoryContextSwitchTo(caller);

			(*unheld)[(*n_unheld)++] = datumCopy(d, TupleDescAttr(SPI_tuptable->tupdesc, 0)->attbyval,
										   TupleDescAttr(SPI_tuptable->tupdesc, 0)->attlen);
			MemoryContextSwitchTo(spi);
		}
	}
	SPI_finish();

	qsort(items, count, sizeof(int32), LpCompareInt32);
	{
		int			w = 0;

		for (int r = 0; r < count; r++)
			if (w == 0 || items[w - 1] != items[r])
				items[w++] = items[r];
		count = w;
	}
	FoldIn(m, items, count, bu);
	/* a user new since training with no rows yet: from its attributes, if the model has some */
	if (count == 0 && LpLookupUser(m, user, utype) < 0)
		(void) LpFreshUserVector(m, user, utype, m->fold_u, bu);
	*n = count;
	return items;
}

/* k of a top-k call: positive, at most the catalog */
int32
LpCheckK(int32 k)
{
	if (k <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("k must be positive, not %d", k),
				 errhint("Ask for at least one item, for example k => 10.")));
	return k;
}

/* n items with their scores, as (item, score) rows in the given type */
void
LpEmitItems(ReturnSetInfo *rsinfo, const LpServingModel *m, const int32 *items,
			const float *scores, int n, Oid type)
{
	for (int i = 0; i < n; i++)
	{
		Datum		values[2];
		bool		nulls[2] = {false, false};

		values[0] = LpKeyToDatum(m->ikeys, items[i], type);
		values[1] = Float8GetDatum((double) scores[i]);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
}

/*
 * Choose the k best of the score row s (excluded entries are -infinity)
 * and return them as (item, score) rows in the given type, best first.
 */
void
LpEmitTopK(ReturnSetInfo *rsinfo, const LpServingModel *m, const float *s, int32 k, Oid type)
{
	int32	   *top;
	float	   *scores;
	int			n = LpRankRow(m, s, k, &top, &scores);

	LpEmitItems(rsinfo, m, top, scores, n, type);
	pfree(top);
	pfree(scores);
}

/*
 * fresh => true for a cold user of a bipartite model (option user_features:
 * a user with attributes and no training edge) that has no current rows
 * either: its trained vector, its attributes' alone, is all the model
 * knows of it, and it is what a fold-in of no rows would throw away for
 * the no-history ranking.  Such a user is scored as without fresh.  Every
 * other known user of a bipartite model has a training edge (udeg > 0).
 */
static bool
ColdUserWithoutRows(const LpServingModel *m, int32 u, int n_current)
{
	return !m->homogeneous && u >= 0 && m->udeg[u] == 0 && n_current == 0;
}

/* argument argno, fresh_items (absent in 0.1.0's SQL signatures), is true */
static bool
FreshItemsArg(FunctionCallInfo fcinfo, int argno)
{
	return PG_NARGS() > argno && !PG_ARGISNULL(argno) && PG_GETARG_BOOL(argno);
}

/*
 * linkpred_score(u, v, fresh_items => true) for an item v the version does
 * not hold: v composed from its current attribute rows (fresh_items.c),
 * scored for u as linkpred_topk scores it; NULL when v has no row there or
 * u is unknown (and not fresh).
 */
static Datum
FreshItemScore(FunctionCallInfo fcinfo, LpServingModel *m, Oid ut, Oid vt)
{
	LpFreshItems *fi = LpFreshItemsRead(m, true, PG_GETARG_DATUM(1), vt);
	int32		u = LpLookupUser(m, PG_GETARG_DATUM(0), ut);
	int32		hu = u;			/* the head's user: the model's, folded in or not */
	const float *q = NULL;
	float		bu = 0;

	if (fi->n == 0)
		PG_RETURN_NULL();
	if (!PG_ARGISNULL(3) && PG_GETARG_BOOL(3))
	{
		int			n;

		(void) FoldInFresh(m, PG_GETARG_DATUM(0), ut, &n, &bu, NULL, NULL);
		if (!ColdUserWithoutRows(m, u, n))
		{
			q = m->fold_u;
			u = -1;
		}
	}
	if (u >= 0)
	{
		q = m->U + (int64) u * m->dim;
		bu = m->bu[u];
	}
	else if (q == NULL)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8((double) LpFreshItemScore(m, fi, hu, 0, q, bu));
}

Datum
linkpred_score(PG_FUNCTION_ARGS)
{
	LpServingModel *m;
	int32		u,
				v;
	Oid			ut,
				vt;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_NULL();
	m = LpModelForCall(fcinfo, 2);
	ut = LpCallArgType(fcinfo, 0);
	vt = LpCallArgType(fcinfo, 1);
	if (FreshItemsArg(fcinfo, 4))
		LpFreshItemsCheck(m);
	v = LpLookupItem(m, PG_GETARG_DATUM(1), vt);
	if (v < 0 && FreshItemsArg(fcinfo, 4))
		return FreshItemScore(fcinfo, m, ut, vt);
	if (v < 0)
		PG_RETURN_NULL();
	if (!PG_ARGISNULL(3) && PG_GETARG_BOOL(3))
	{
		float		bu;
		int			n;

		int32	   *items = FoldInFresh(m, PG_GETARG_DATUM(0), ut, &n, &bu, NULL, NULL);

		u = LpLookupUser(m, PG_GETARG_DATUM(0), ut);
		if (!ColdUserWithoutRows(m, u, n))
			PG_RETURN_FLOAT8((double) LpModelPairScoreQuery(m, u, items, n, v, m->fold_u, bu));
	}
	u = LpLookupUser(m, PG_GETARG_DATUM(0), ut);
	if (u < 0)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8((double) LpModelPairScoreUser(m, u, v));
}

/*
 * Items come back in the type of the user argument (the SQL signature ties
 * them).  Refuse up front, with the way out, when the model's item ids
 * cannot be written in that type, rather than fail on the first item.
 */
void
LpCheckItemType(const LpServingModel *m, Oid utype)
{
	if (utype == m->item_type || utype == TEXTOID || utype == VARCHAROID)
		return;
	if (m->ikeys->kind == LP_KEY_INT &&
		(utype == INT8OID || utype == INT4OID || utype == INT2OID))
		return;
	ereport(ERROR,
			(errcode(ERRCODE_DATATYPE_MISMATCH),
			 errmsg("model \"%s\" has item ids of type %s, which linkpred_topk cannot return as %s",
					m->name, format_type_be(m->item_type), format_type_be(utype)),
			 errdetail("linkpred_topk returns items in the type of its user argument."),
			 errhint("Pass the user id cast to %s, for example linkpred_topk(u::%s, k): the user is found all the same.",
					 format_type_be(m->item_type), format_type_be(m->item_type))));
}

/*
 * The items of an array argument ("any": candidates or exclude) as model
 * indices; items the model does not know are left out.  The array must hold
 * ids of the user argument's type (the type items come back in).
 */
static int32 *
ItemArray(FunctionCallInfo fcinfo, int argno, const char *argname, const LpServingModel *m,
		  Oid utype, int *n)
{
	Oid			arrtype = get_fn_expr_argtype(fcinfo->flinfo, argno);
	Oid			etype = get_element_type(arrtype);
	ArrayType  *arr;
	Datum	   *elems;
	bool	   *nulls;
	int			count,
				w = 0;
	int16		typlen;
	bool		typbyval;
	char		typalign;
	int32	   *out;

	if (!OidIsValid(etype))
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("argument \"%s\" must be an array of item ids, not %s",
						argname, format_type_be(arrtype)),
				 errhint("Pass for example %s => ARRAY[1, 2, 3], or (SELECT array_agg(id) FROM products WHERE in_stock).",
						 argname)));
	arr = DatumGetArrayTypeP(PG_GETARG_DATUM(argno));
	get_typlenbyvalalign(etype, &typlen, &typbyval, &typalign);
	deconstruct_array(arr, etype, typlen, typbyval, typalign, &elems, &nulls, &count);
	out = palloc(sizeof(int32) * Max(count, 1));
	for (int i = 0; i < count; i++)
	{
		int32		idx;

		if (nulls[i])
			continue;
		idx = LpLookupItem(m, elems[i], etype);
		if (idx >= 0)
			out[w++] = idx;
	}
	*n = w;
	return out;
}

/* the candidates (argument 5) and exclude (argument 6) arguments of linkpred_topk */
static void
ItemFilterArgs(FunctionCallInfo fcinfo, const LpServingModel *m, Oid utype, LpRankFilter *f)
{
	f->candidates = NULL;
	f->n_candidates = 0;
	f->exclude = NULL;
	f->n_exclude = 0;
	if (!PG_ARGISNULL(5))
		f->candidates = ItemArray(fcinfo, 5, "candidates", m, utype, &f->n_candidates);
	if (!PG_ARGISNULL(6))
		f->exclude = ItemArray(fcinfo, 6, "exclude", m, utype, &f->n_exclude);
}

/*
 * The start of linkpred_topk and _topk_many: the result set, k (argument
 * 1), the model (argument 2) checked against the users' type; NULL when k
 * is NULL (no rows).  lazy_items: the copy's items may stay lazy
 * (LpModelForTopK).
 */
static LpServingModel *
TopKCall(FunctionCallInfo fcinfo, Oid utype, int32 *k, bool lazy_items)
{
	LpServingModel *m;

	InitMaterializedSRF(fcinfo, 0);
	if (PG_ARGISNULL(1))
		return NULL;
	*k = LpCheckK(PG_GETARG_INT32(1));
	m = lazy_items ? LpModelForTopK(fcinfo, 2) : LpModelForCall(fcinfo, 2);
	LpCheckItemType(m, utype);
	return m;
}

Datum
linkpred_topk(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	LpServingModel *m;
	bool		exclude_seen = PG_ARGISNULL(3) ? true : PG_GETARG_BOOL(3);
	bool		fresh = PG_ARGISNULL(4) ? false : PG_GETARG_BOOL(4);
	Oid			utype = get_fn_expr_argtype(fcinfo->flinfo, 0);
	LpRankUser	who = {.u = -1};
	LpRankFilter f;
	int32		k;
	int32	   *top;
	float	   *scores;
	int			n;
	Datum	   *seen_new = NULL;	/* fresh: current items the model does not hold */
	int			n_seen_new = 0;

	/* a fold-in and fresh items read item vectors directly: every item first */
	if ((m = TopKCall(fcinfo, utype, &k, !fresh && !FreshItemsArg(fcinfo, 7))) == NULL)
		return (Datum) 0;
	if (!PG_ARGISNULL(0))
		who.u = LpLookupUser(m, PG_GETARG_DATUM(0), utype);
	if (fresh && !PG_ARGISNULL(0))
	{
		who.fresh = true;
		who.current = FoldInFresh(m, PG_GETARG_DATUM(0), utype, &who.n_current, &who.bu,
								  &seen_new, &n_seen_new);
		who.q = m->fold_u;
		who.fresh = !ColdUserWithoutRows(m, who.u, who.n_current);
	}
	ItemFilterArgs(fcinfo, m, utype, &f);
	n = LpRankOne(m, &who, exclude_seen, &f, k, &top, &scores);
	if (FreshItemsArg(fcinfo, 7))
	{
		/* the user's query as LpRankOne scored it (NULL: no vector, bias 0) */
		const float *q = who.fresh ? who.q : who.u >= 0 ? m->U + (int64) who.u * m->dim : NULL;
		float		bu = who.fresh ? who.bu : who.u >= 0 ? m->bu[who.u] : 0.0f;

		LpFreshItemsEmitTopK(fcinfo, m, LpFreshItemsRead(m, false, (Datum) 0, InvalidOid),
							 who.u, q, bu, top, scores, n, k, utype,
							 seen_new, exclude_seen && who.fresh ? n_seen_new : 0);
	}
	else
		LpEmitItems(rsinfo, m, top, scores, n, utype);
	return (Datum) 0;
}

/* linkpred_topk_many's user list, for emitting a user's rows */
typedef struct ManyUsers
{
	ReturnSetInfo *rsinfo;
	const LpServingModel *m;
	Oid			etype;
	Datum	   *udatums;		/* the users argument, or NULL: every user */
	bool	   *unulls;
} ManyUsers;

/* one user's rows of linkpred_topk_many: (user, item, rank, score) */
static void
EmitManyRows(void *arg, int pos, int32 u, const int32 *top, const float *s, int n)
{
	ManyUsers  *mu = arg;
	Datum		udatum;
	bool		unull = false;

	if (mu->udatums == NULL)
		udatum = LpKeyToDatum(mu->m->ukeys, u, mu->etype);
	else
	{
		udatum = mu->udatums[pos];
		unull = mu->unulls[pos];
	}
	for (int r = 0; r < n; r++)
	{
		Datum		values[4];
		bool		nulls[4] = {unull, false, false, false};

		values[0] = udatum;
		values[1] = LpKeyToDatum(mu->m->ikeys, top[r], mu->etype);
		values[2] = Int32GetDatum(r + 1);
		values[3] = Float8GetDatum((double) s[top[r]]);
		tuplestore_putvalues(mu->rsinfo->setResult, mu->rsinfo->setDesc, values, nulls);
	}
}

/*
 * linkpred_topk_many(users anyarray, k): top-k for many users in one call
 * (ranking.c scores them in blocks).  users NULL means every user of the
 * model.  Rows: (user, item, rank, score); per user the same items, order
 * and scores as linkpred_topk.  With shard => s, shards => n (arguments 4
 * and 5), only the users of slice s (slice.c); a NULL user is in slice 0.
 */
Datum
linkpred_topk_many(PG_FUNCTION_ARGS)
{
	Oid			arrtype = get_fn_expr_argtype(fcinfo->flinfo, 0);
	Oid			etype = get_element_type(arrtype);
	bool		exclude_seen = PG_ARGISNULL(3) ? true : PG_GETARG_BOOL(3);
	LpServingModel *m;
	int32		k;
	int			n_users;
	Datum	   *udatums = NULL;
	bool	   *unulls = NULL;
	int32	   *uidx;
	int32		shard = 0,
				shards = 1;
	bool		sliced = LpSliceArgs(fcinfo, 4, "linkpred_topk_many", &shard, &shards);
	bool	   *keep = NULL;
	ManyUsers	mu;

	if ((m = TopKCall(fcinfo, etype, &k, false)) == NULL)
		return (Datum) 0;

	/* the users: given, or all of the model's */
	if (PG_ARGISNULL(0))
	{
		LpCacheReadAllUsers(m);
		n_users = m->n_users;
		uidx = LpPallocHuge(sizeof(int32) * Max(n_users, 1));
		for (int i = 0; i < n_users; i++)
			uidx[i] = i;
	}
	else
	{
		ArrayType  *arr = PG_GETARG_ARRAYTYPE_P(0);
		int16		typlen;
		bool		typbyval;
		char		typalign;

		get_typlenbyvalalign(etype, &typlen, &typbyval, &typalign);
		deconstruct_array(arr, etype, typlen, typbyval, typalign, &udatums, &unulls, &n_users);
		uidx = LpPallocHuge(sizeof(int32) * Max(n_users, 1));
		for (int i = 0; i < n_users; i++)
			uidx[i] = unulls[i] ? -1 : LpLookupUser(m, udatums[i], etype);
	}
	if (sliced)
	{
		keep = LpPallocHuge(sizeof(bool) * Max(n_users, 1));
		for (int i = 0; i < n_users; i++)
		{
			int32		s;

			if (udatums == NULL)
				s = LpKeyMapShard(m->ukeys, i, shards);
			else if (unulls[i])
				s = 0;
			else
			{
				/* by the value, as LpKeyMapShard would place its stored key */
				s = LpShardOfDatum(m->ukeys->kind, m->user_type, udatums[i], etype, shards);
			}
			keep[i] = (s == shard);
		}
	}

	mu.rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	mu.m = m;
	mu.etype = etype;
	mu.udatums = udatums;
	mu.unulls = unulls;
	LpRankMany(m, uidx, keep, n_users, k, exclude_seen, EmitManyRows, &mu);
	return (Datum) 0;
}

/*
 * linkpred_similar(item, k): the k items whose embeddings point the most
 * the same way as item's (cosine similarity of the item vectors), the item
 * itself left out.  Item norms are computed once per cached version.  With
 * fresh_items => true (argument 3) the items added to the item attribute
 * relation since training are composed (fresh_items.c): item may be one of
 * them, and they are ranked beside the others.
 */
Datum
linkpred_similar(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Oid			itype = get_fn_expr_argtype(fcinfo->flinfo, 0);
	LpServingModel *m;
	int32		i,
				k,
				self = -1;
	float	   *s;
	const float *q;
	float		ni;
	LpFreshItems *fi = NULL;

	InitMaterializedSRF(fcinfo, 0);
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		return (Datum) 0;
	k = LpCheckK(PG_GETARG_INT32(1));
	m = LpModelForCall(fcinfo, 2);
	LpCheckItemType(m, itype);
	i = LpLookupItem(m, PG_GETARG_DATUM(0), itype);
	if (FreshItemsArg(fcinfo, 3))
	{
		fi = LpFreshItemsRead(m, false, (Datum) 0, InvalidOid);
		if (i < 0)
			self = LpFreshItemIndex(m, fi, PG_GETARG_DATUM(0), itype);
	}
	if (i < 0 && self < 0)
		return (Datum) 0;		/* an item the model does not know */

	if (m->inorm == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(m->cxt);

		m->inorm = MemoryContextAllocHuge(m->cxt, sizeof(float) * m->n_items);
		for (int32 j = 0; j < m->n_items; j++)
			m->inorm[j] = sqrtf(LpDot(m->V + (int64) j * m->dim, m->V + (int64) j * m->dim, m->dim));
		MemoryContextSwitchTo(old);
	}
	q = i >= 0 ? m->V + (int64) i * m->dim : fi->V + (int64) self * m->dim;
	ni = i >= 0 ? m->inorm[i] : sqrtf(LpDot(q, q, m->dim));
	s = m->scratch;
	cblas_sgemv(CblasRowMajor, CblasNoTrans, m->n_items, m->dim, 1.0f, m->V, m->dim,
				q, 1, 0.0f, s, 1);
	for (int32 j = 0; j < m->n_items; j++)
		s[j] = (ni > 0 && m->inorm[j] > 0) ? s[j] / (ni * m->inorm[j]) : 0.0f;
	if (i >= 0)
		s[i] = -INFINITY;
	if (fi)
		LpFreshItemsEmitSimilar(rsinfo, m, fi, q, self, s, k, itype);
	else
		LpEmitTopK(rsinfo, m, s, k, itype);
	return (Datum) 0;
}
