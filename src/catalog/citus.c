/*
 * citus.c: what linkpred's catalog code knows of Citus.
 *
 * After linkpred_citus_setup() the serving tables (model_catalog,
 * version_catalog, embedding_store) are Citus reference tables: written
 * through the coordinator, with a copy on every worker.  A copy holds the
 * coordinator's rows as they were written, OIDs included, so on a worker
 * the regrole, regclass and regtype columns name the coordinator's objects
 * (a shard, another role, nothing).  Each of those columns therefore has a
 * name copy (owner_name, source_name, user_type_name, item_type_name),
 * written with it, and a worker reads the name copies: the role, relation
 * and type of that name on the worker (LpReadModel, LpUsableModels, and
 * the rows of the views, views.c).
 *
 * Everywhere else the OID columns stay the truth: they follow ALTER ...
 * RENAME of the source, the owner or a type, which a name cannot, and pg_dump
 * writes them out as names anyway.  A node reads by name exactly when the
 * catalog it reads is a copy of one written elsewhere:
 *
 *     citus is in this database, this node is not its cluster's coordinator,
 *     and linkpred.model_catalog is a Citus table (linkpred_citus_setup ran).
 *
 * Writing those columns on the coordinator has a catch: Citus sends each
 * regclass, regrole and regtype value to the workers' copies as its name,
 * which every worker must resolve.  A role or type Citus created everywhere
 * does; a table only the coordinator has does not, and the whole write
 * would fail there.  So a source that is not a Citus table is stored with
 * a NULL OID once the catalog is a Citus table (LpCitusLocalOnly), and read
 * back through its name copy on the coordinator too.
 *
 * A catalog of 0.1.0 (before ALTER EXTENSION linkpred UPDATE) has no name
 * copies; the library serves and trains with it all the same, and neither
 * reads nor writes them there (LpCatalogHasNameCopies).
 *
 * The same test refuses linkpred's writers on such a worker: the catalog is
 * written on the coordinator, and the job rows and their id sequence stay
 * local to it (so job ids are unique in the cluster, and the jobs view can
 * see whether a job's process is alive).
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "storage/proc.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "linkpred.h"

/* the answer for one transaction: a node does not change role inside one */
static LocalTransactionId by_name_lxid = InvalidLocalTransactionId;
static bool by_name;

/* the one boolean a query of Citus's catalog answers (false for no row or NULL) */
static bool
QueryBool(const char *sql, int nargs, Oid *types, Datum *values)
{
	LpCatalogContext cc;
	bool		isnull;
	bool		answer;

	SPI_connect();
	LpCatalogEnter(&cc);
	LpSpiExec(sql, nargs, types, values, NULL, true);
	answer = SPI_processed == 1 &&
		DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull)) &&
		!isnull;
	LpCatalogLeave(&cc);
	SPI_finish();
	return answer;
}

bool
LpCatalogByName(void)
{
	if (MyProc != NULL && MyProc->lxid == by_name_lxid)
		return by_name;
	/* without Citus's catalog in this database, the common case: no query */
	by_name = OidIsValid(get_relname_relid("pg_dist_partition", PG_CATALOG_NAMESPACE)) &&
		OidIsValid(get_relname_relid("pg_dist_local_group", PG_CATALOG_NAMESPACE)) &&
		OidIsValid(get_namespace_oid("linkpred", true)) &&
		QueryBool("SELECT (SELECT groupid FROM pg_catalog.pg_dist_local_group) <> 0"
				  " AND EXISTS (SELECT 1 FROM pg_catalog.pg_dist_partition"
				  "             WHERE logicalrelid = 'linkpred.model_catalog'::pg_catalog.regclass)",
				  0, NULL, NULL);
	if (MyProc != NULL)
		by_name_lxid = MyProc->lxid;
	return by_name;
}

bool
LpCatalogHasNameCopies(void)
{
	Oid			nsp = get_namespace_oid("linkpred", true);
	Oid			rel = OidIsValid(nsp) ? get_relname_relid("model_catalog", nsp) : InvalidOid;

	return OidIsValid(rel) && get_attnum(rel, "owner_name") != InvalidAttrNumber;
}

bool
LpCitusLocalOnly(Oid relid)
{
	Oid			t[1] = {OIDOID};
	Datum		v[1] = {ObjectIdGetDatum(relid)};

	if (!OidIsValid(get_relname_relid("pg_dist_partition", PG_CATALOG_NAMESPACE)))
		return false;
	return QueryBool("SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_dist_partition"
					 "               WHERE logicalrelid = 'linkpred.model_catalog'::pg_catalog.regclass)"
					 " AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_dist_partition WHERE logicalrelid = $1)",
					 1, t, v);
}

/*
 * The hint for a model missing from this node's catalog.  On a Citus worker
 * before linkpred_citus_setup() the catalog is the worker's own, empty one:
 * say so, since a query Citus pushed there is what usually asks.
 */
const char *
LpMissingModelHint(void)
{
	if (OidIsValid(get_relname_relid("pg_dist_local_group", PG_CATALOG_NAMESPACE)) &&
		QueryBool("SELECT (SELECT groupid FROM pg_catalog.pg_dist_local_group) <> 0"
				  " AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_dist_partition"
				  "                 WHERE logicalrelid = 'linkpred.model_catalog'::pg_catalog.regclass)",
				  0, NULL, NULL))
		return "This is a Citus worker, whose linkpred catalog holds no copy of the coordinator's models: "
			"run SELECT linkpred_citus_setup() on the coordinator to serve them here.";
	return "See linkpred.models for the models you can use.";
}

void
LpRefuseOnCitusWorker(const char *func)
{
	if (LpCatalogByName())
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cannot run %s() on a Citus worker", func),
				 errdetail("linkpred's catalog here is a copy of the coordinator's (linkpred_citus_setup); "
						   "it is written, and jobs run, on the coordinator only."),
				 errhint("Run it on the Citus coordinator; the change reaches this node in the same transaction.")));
}

char *
LpRoleRefName(Oid roleid)
{
	return pstrdup(quote_identifier(GetUserNameFromId(roleid, false)));
}

char *
LpTypeRefName(Oid typid)
{
	HeapTuple	tup = SearchSysCache1(TYPEOID, ObjectIdGetDatum(typid));
	Form_pg_type t;
	char	   *s;

	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for type %u", typid);
	t = (Form_pg_type) GETSTRUCT(tup);
	s = quote_qualified_identifier(get_namespace_name(t->typnamespace), NameStr(t->typname));
	ReleaseSysCache(tup);
	return s;
}
