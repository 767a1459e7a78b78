/*
 * views.c: the rows of the views linkpred.models and linkpred.versions.
 *
 * Each view is a set-returning function here rather than a query over the
 * private tables.  A plain view reads its tables with its owner's
 * privileges, but once linkpred_citus_setup() has made them reference
 * tables, Citus checks the shards against the role that queries the view
 * (citus#1683, citus#6161), and a role that is not a superuser was refused
 * on every node.  Here the rows are read as the extension owner, in the
 * catalog context (spi.c), and only those of models whose owner role
 * the caller has the privileges of are returned: the same rows as the
 * plain views, on any node, Citus or not.  On a Citus worker the owner,
 * source and key types are read by their name copies (citus.c).
 *
 * The two catalog tables are small (a row per model and per version), so
 * reading them whole for each query costs nothing that matters;
 * linkpred.embeddings, a row per node, stays a plain view over the chunks
 * of linkpred.embedding_store (store.c), which linkpred.embedding_nodes()
 * here turns back into a row per node: a C function detoasts a chunk's
 * arrays once, where SQL's subscripts would detoast the vectors again for
 * each node.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/tuplestore.h"

#include "linkpred.h"

PG_FUNCTION_INFO_V1(linkpred_model_rows);
PG_FUNCTION_INFO_V1(linkpred_version_rows);
PG_FUNCTION_INFO_V1(linkpred_embedding_nodes);

/*
 * The references of a model row m as this node reads them: by their name
 * copies on a Citus worker, else by OID (a source kept by name only, NULL,
 * through its name).  {owner, source, user_type, item_type}.
 */
static void
ModelRefs(const char *refs[4])
{
	bool		by_name = LpCatalogByName();

	refs[0] = by_name ? "to_regrole(m.owner_name)" : "m.owner";
	refs[1] = by_name ? "to_regclass(m.source_name)" :
		"coalesce(m.source, to_regclass(m.source_name))";
	refs[2] = by_name ? "to_regtype(m.user_type_name)" : "m.user_type";
	refs[3] = by_name ? "to_regtype(m.item_type_name)" : "m.item_type";
}

/* sql's rows ($1 = the calling role) into the function's result set */
static void
EmitRows(FunctionCallInfo fcinfo, const char *sql)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Oid			t[1] = {OIDOID};
	Datum		v[1] = {ObjectIdGetDatum(GetUserId())};
	LpCatalogContext cc;
	int			natts;
	Datum	   *values;
	bool	   *nulls;

	InitMaterializedSRF(fcinfo, 0);
	natts = rsinfo->setDesc->natts;
	values = palloc(sizeof(Datum) * natts);
	nulls = palloc(sizeof(bool) * natts);
	SPI_connect();
	LpCatalogEnter(&cc);
	LpSpiExec(sql, 1, t, v, NULL, true);
	if (SPI_tuptable->tupdesc->natts != natts)
		elog(ERROR, "linkpred: a catalog view's query returns %d columns, its function %d",
			 SPI_tuptable->tupdesc->natts, natts);
	for (uint64 r = 0; r < SPI_processed; r++)
	{
		for (int c = 0; c < natts; c++)
			values[c] = SPI_getbinval(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, c + 1, &nulls[c]);
		/* copied into the result set, which lives past SPI_finish */
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	LpCatalogLeave(&cc);
	SPI_finish();
}

/* linkpred.model_rows(): what linkpred.models shows */
Datum
linkpred_model_rows(PG_FUNCTION_ARGS)
{
	const char *refs[4];

	ModelRefs(refs);
	EmitRows(fcinfo, psprintf("SELECT m.name, %s, m.active_version, %s,"
							  " m.src_column, m.dst_column, m.weight_column, %s, %s,"
							  " v.options, v.n_users, v.n_items, v.n_edges, v.dim,"
							  " v.created_at, v.metrics"
							  " FROM linkpred.model_catalog m"
							  " LEFT JOIN linkpred.version_catalog v"
							  "   ON v.model = m.name AND v.version = m.active_version"
							  " WHERE pg_has_role($1, coalesce((%s)::oid, 0), 'USAGE')",
							  refs[0], refs[1], refs[2], refs[3], refs[0]));
	return (Datum) 0;
}

/* linkpred.version_rows(): what linkpred.versions shows */
Datum
linkpred_version_rows(PG_FUNCTION_ARGS)
{
	const char *refs[4];

	ModelRefs(refs);
	EmitRows(fcinfo, psprintf("SELECT v.model, v.version, v.version = m.active_version, v.job_id,"
							  " v.created_at, v.dim, v.n_users, v.n_items, v.n_edges,"
							  " v.options, v.metrics, v.decoder"
							  " FROM linkpred.version_catalog v"
							  " JOIN linkpred.model_catalog m ON m.name = v.model"
							  " WHERE pg_has_role($1, coalesce((%s)::oid, 0), 'USAGE')",
							  refs[0]));
	return (Datum) 0;
}

/* argument argno: a one-dimensional array without NULLs, its length in *n */
static ArrayType *
NodesArg(FunctionCallInfo fcinfo, int argno, int *n)
{
	ArrayType  *a = PG_GETARG_ARRAYTYPE_P(argno);

	if (ARR_HASNULL(a) || ARR_NDIM(a) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("a chunk of linkpred.embedding_store is damaged"),
				 errdetail("Its arrays must be one-dimensional without NULLs.")));
	*n = ARR_NDIM(a) == 0 ? 0 : ARR_DIMS(a)[0];
	return a;
}

/*
 * linkpred.embedding_nodes(idx, keys, degrees, biases, vecs, seen,
 * seen_ends, nodes): the nodes of one chunk of linkpred.embedding_store, a
 * row each (idx, key, degree, bias, vec, seen), what the store held as a
 * row per node before 0.2.0.  seen is NULL on an item chunk.  The nodes'
 * indices are idx, idx + 1, ..., or those of nodes when not NULL (a bucket
 * of users, store.c).
 */
Datum
linkpred_embedding_nodes(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int32		first;
	int			n,
				nd,
				nb,
				nv,
				ns = 0,
				ne = 0,
				dim;
	ArrayType  *keys,
			   *deg,
			   *bias,
			   *vec,
			   *seen = NULL,
			   *ends = NULL;
	Datum	   *kd;
	int			nk;
	const int32 *e = NULL;
	const int32 *nodes = NULL;
	int			nn = 0;

	InitMaterializedSRF(fcinfo, 0);
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3) ||
		PG_ARGISNULL(4))
		return (Datum) 0;
	first = PG_GETARG_INT32(0);
	keys = NodesArg(fcinfo, 1, &n);
	deg = NodesArg(fcinfo, 2, &nd);
	bias = NodesArg(fcinfo, 3, &nb);
	vec = NodesArg(fcinfo, 4, &nv);
	if (!PG_ARGISNULL(5) && !PG_ARGISNULL(6))
	{
		seen = NodesArg(fcinfo, 5, &ns);
		ends = NodesArg(fcinfo, 6, &ne);
		e = (const int32 *) ARR_DATA_PTR(ends);
	}
	if (PG_NARGS() > 7 && !PG_ARGISNULL(7))
		nodes = (const int32 *) ARR_DATA_PTR(NodesArg(fcinfo, 7, &nn));
	if (n == 0 || nd != n || nb != n || nv % n != 0 || (ends && ne != n) ||
		(nodes && nn != n) ||
		ARR_ELEMTYPE(keys) != TEXTOID)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("a chunk of linkpred.embedding_store is damaged"),
				 errdetail("Its arrays do not hold the same number of nodes.")));
	for (int i = 0; ends && i < n; i++)
		if (e[i] < (i > 0 ? e[i - 1] : 0) || e[i] > ns)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_CORRUPTED),
					 errmsg("a chunk of linkpred.embedding_store is damaged"),
					 errdetail("Its seen lists' ends are not ascending within the list.")));
	dim = nv / n;
	deconstruct_array(keys, TEXTOID, -1, false, TYPALIGN_INT, &kd, NULL, &nk);
	for (int i = 0; i < n; i++)
	{
		Datum		values[6];
		bool		nulls[6] = {false, false, false, false, false, ends == NULL};

		values[0] = Int32GetDatum(nodes ? nodes[i] : first + i);
		values[1] = kd[i];
		values[2] = Int32GetDatum(((const int32 *) ARR_DATA_PTR(deg))[i]);
		values[3] = Float4GetDatum(((const float *) ARR_DATA_PTR(bias))[i]);
		values[4] = PointerGetDatum(LpFloatArray((const float *) ARR_DATA_PTR(vec) +
												 (int64) i * dim, dim));
		if (ends)
		{
			int32		s0 = i > 0 ? e[i - 1] : 0;
			Datum	   *sd = palloc(sizeof(Datum) * Max(e[i] - s0, 1));

			for (int32 j = s0; j < e[i]; j++)
				sd[j - s0] = Int32GetDatum(((const int32 *) ARR_DATA_PTR(seen))[j]);
			values[5] = PointerGetDatum(e[i] > s0 ?
										construct_array(sd, e[i] - s0, INT4OID, sizeof(int32),
														true, TYPALIGN_INT) :
										construct_empty_array(INT4OID));
		}
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}
