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
 * linkpred.embeddings, a row per node, stays a plain view.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/tuplestore.h"

#include "linkpred.h"

PG_FUNCTION_INFO_V1(linkpred_model_rows);
PG_FUNCTION_INFO_V1(linkpred_version_rows);

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
