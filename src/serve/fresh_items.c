/*
 * fresh_items.c: fresh_items => true of linkpred_topk and
 * linkpred_similar: the items fresh_attrs.c composed, scored and merged
 * with the known items' k best.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/lsyscache.h"
#include "utils/tuplestore.h"

#include "cache.h"
#include "fresh_items.h"
#include "ranking.h"
#include "topk.h"
#include "vec.h"

float
LpFreshItemScore(LpServingModel *m, const LpFreshItems *fi, int32 u, int32 j, const float *q,
				 float bu)
{
	const float *v = fi->V + (int64) j * fi->dim;

	/* LpModelEmbScore's arithmetic for the dot decoder */
	float		emb = (q ? LpDot(q, v, fi->dim) : 0.0f) + (bu + fi->bv[j]);

	return m->has_head ? LpModelPairScore(m, u, -1, emb) : emb;
}

/* mark[j] for the fresh items named in array argument argno */
static void
MarkArray(FunctionCallInfo fcinfo, int argno, const LpServingModel *m, const LpFreshItems *fi,
		  bool *mark)
{
	Oid			etype = get_element_type(get_fn_expr_argtype(fcinfo->flinfo, argno));
	ArrayType  *arr = DatumGetArrayTypeP(PG_GETARG_DATUM(argno));
	Datum	   *elems;
	bool	   *nulls;
	int			count;
	int16		typlen;
	bool		typbyval;
	char		typalign;

	get_typlenbyvalalign(etype, &typlen, &typbyval, &typalign);
	deconstruct_array(arr, etype, typlen, typbyval, typalign, &elems, &nulls, &count);
	for (int i = 0; i < count; i++)
	{
		int32		j = nulls[i] ? -1 : LpKeyMapFindDatum(fi->keys, m->item_type, elems[i], etype);

		if (j >= 0)
			mark[j] = true;
	}
}

/*
 * Emit up to k (item, score) rows from two lists best first, the known
 * items top[0 .. n-1] with scores, and fresh items ftop[0 .. nf-1] with
 * fscore[ftop[b]]: merged, a known item before a fresh one of equal score.
 */
static void
EmitMerged(ReturnSetInfo *rsinfo, const LpServingModel *m, const LpFreshItems *fi,
		   const int32 *top, const float *scores, int n, const int32 *ftop,
		   const float *fscore, int nf, int32 k, Oid type)
{
	int			a = 0,
				b = 0;

	for (int r = 0; r < k && (a < n || b < nf); r++)
	{
		Datum		values[2];
		bool		nulls[2] = {false, false};

		if (b >= nf || (a < n && scores[a] >= fscore[ftop[b]]))
		{
			values[0] = LpKeyToDatum(m->ikeys, top[a], type);
			values[1] = Float8GetDatum((double) scores[a++]);
		}
		else
		{
			values[0] = LpKeyToDatum(fi->keys, ftop[b], type);
			values[1] = Float8GetDatum((double) fscore[ftop[b++]]);
		}
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
}

int32
LpFreshItemIndex(const LpServingModel *m, const LpFreshItems *fi, Datum item, Oid type)
{
	return LpKeyMapFindDatum(fi->keys, m->item_type, item, type);
}

void
LpFreshItemsEmitSimilar(ReturnSetInfo *rsinfo, const LpServingModel *m, const LpFreshItems *fi,
						const float *q, int32 self, const float *s, int32 k, Oid type)
{
	float	   *fs = palloc(sizeof(float) * Max(fi->n, 1));
	float		nq = sqrtf(LpDot(q, q, fi->dim));
	int32	   *top,
			   *ftop = palloc(sizeof(int32) * Max(Min(k, fi->n), 1));
	float	   *scores;
	int			n,
				nf;

	for (int32 j = 0; j < fi->n; j++)
	{
		const float *v = fi->V + (int64) j * fi->dim;
		float		nv = sqrtf(LpDot(v, v, fi->dim));

		fs[j] = j == self ? -INFINITY :
			(nq > 0 && nv > 0) ? LpDot(q, v, fi->dim) / (nq * nv) : 0.0f;
	}
	nf = LpSelectTopK(fs, fi->n, NULL, Min(k, fi->n), ftop);
	n = LpRankRow(m, s, k, &top, &scores);
	EmitMerged(rsinfo, m, fi, top, scores, n, ftop, fs, nf, k, type);
}

void
LpFreshItemsEmitTopK(FunctionCallInfo fcinfo, LpServingModel *m, const LpFreshItems *fi,
					 int32 u, const float *q, float bu, const int32 *top, const float *scores, int n,
					 int32 k, Oid type, const Datum *seen_new, int n_seen_new)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	float	   *s = palloc(sizeof(float) * Max(fi->n, 1));
	bool	   *cand = NULL,
			   *excl = palloc0(sizeof(bool) * Max(fi->n, 1));
	int32	   *ftop = palloc(sizeof(int32) * Max(Min(k, fi->n), 1));
	int			nf;

	if (!PG_ARGISNULL(5))
	{
		cand = palloc0(sizeof(bool) * Max(fi->n, 1));
		MarkArray(fcinfo, 5, m, fi, cand);
	}
	if (!PG_ARGISNULL(6))
		MarkArray(fcinfo, 6, m, fi, excl);
	for (int i = 0; i < n_seen_new; i++)
	{
		int32		j = LpFreshItemIndex(m, fi, seen_new[i], m->item_type);

		if (j >= 0)
			excl[j] = true;
	}
	for (int32 j = 0; j < fi->n; j++)
		s[j] = (excl[j] || (cand && !cand[j])) ? -INFINITY : LpFreshItemScore(m, fi, u, j, q, bu);
	nf = LpSelectTopK(s, fi->n, NULL, Min(k, fi->n), ftop);
	EmitMerged(rsinfo, m, fi, top, scores, n, ftop, s, nf, k, type);
}
