/*
 * serve.c: linkpred_score and linkpred_topk.
 *
 * score(u, v) = U[u].V[v] + bu[u] + bv[v], the logit the model was trained
 * on; NULL when u or v is not in the model.  topk(u, k) scores every item
 * with one BLAS matrix-vector product, drops the items u had in training
 * (and u itself in a homogeneous graph) unless exclude_seen is false, and
 * keeps the k best in a heap.  Ties break by training popularity, then by
 * index, so results are deterministic.  A user the model does not know
 * (new since training, or NULL) is scored as a user with no history: items
 * rank by their learnt bias, then popularity.
 */
#include "postgres.h"

#include <math.h>

#include <cblas.h>

#include "catalog/pg_type.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/tuplestore.h"

#include "cache.h"
#include "linkpred.h"
#include "topk.h"

PG_FUNCTION_INFO_V1(linkpred_score);
PG_FUNCTION_INFO_V1(linkpred_topk);

static inline float
Dot(const float *a, const float *b, int dim)
{
	float		s = 0;

	for (int d = 0; d < dim; d++)
		s += a[d] * b[d];
	return s;
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
	ut = get_fn_expr_argtype(fcinfo->flinfo, 0);
	vt = get_fn_expr_argtype(fcinfo->flinfo, 1);
	u = LpLookupUser(m, PG_GETARG_DATUM(0), ut);
	v = LpLookupItem(m, PG_GETARG_DATUM(1), vt);
	if (u < 0 || v < 0)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8((double) (Dot(m->U + (int64) u * m->dim, m->V + (int64) v * m->dim, m->dim) +
							   m->bu[u] + m->bv[v]));
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

Datum
linkpred_topk(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	LpServingModel *m;
	bool		exclude_seen = PG_ARGISNULL(3) ? true : PG_GETARG_BOOL(3);
	Oid			utype = get_fn_expr_argtype(fcinfo->flinfo, 0);
	int32		u = -1;
	int32		k;
	int32	   *heap;
	float	   *s;
	int			n;

	InitMaterializedSRF(fcinfo, 0);
	if (PG_ARGISNULL(1))
		return (Datum) 0;
	k = PG_GETARG_INT32(1);
	if (k <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("k must be positive, not %d", k),
				 errhint("Ask for at least one item, for example linkpred_topk(u, 10).")));

	m = LpModelForCall(fcinfo, 2);
	LpCheckItemType(m, utype);
	if (!PG_ARGISNULL(0))
		u = LpLookupUser(m, PG_GETARG_DATUM(0), utype);
	s = m->scratch;

	if (u >= 0)
	{
		cblas_sgemv(CblasRowMajor, CblasNoTrans, m->n_items, m->dim, 1.0f, m->V, m->dim,
					m->U + (int64) u * m->dim, 1, 0.0f, s, 1);
		for (int32 i = 0; i < m->n_items; i++)
			s[i] += m->bv[i] + m->bu[u];
		if (exclude_seen)
			for (int32 j = 0; j < m->seen_len[u]; j++)
				s[m->seen[m->seen_start[u] + j]] = -INFINITY;
		if (m->homogeneous)
			s[u] = -INFINITY;
	}
	else
		memcpy(s, m->bv, sizeof(float) * m->n_items);

	k = Min(k, m->n_items);
	heap = palloc(sizeof(int32) * k);
	n = LpSelectTopK(s, m->n_items, m->ideg, k, heap);
	for (int i = 0; i < n; i++)
	{
		Datum		values[2];
		bool		nulls[2] = {false, false};

		values[0] = LpKeyToDatum(m->ikeys, heap[i], utype);
		values[1] = Float8GetDatum((double) s[heap[i]]);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	pfree(heap);
	return (Datum) 0;
}
