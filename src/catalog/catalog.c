/*
 * catalog.c: access to linkpred's own tables.
 *
 * The tables in schema linkpred are readable and writable only by the
 * extension owner; users see them through filtered views.  C code that
 * needs the tables enters the "catalog context": it becomes the extension
 * owner with SECURITY_RESTRICTED_OPERATION, with search_path = pg_catalog so
 * that no object a user created can be picked up by name, and runs fixed
 * SQL with $n parameters only.  Every check of the caller's own rights
 * (model ownership, job ownership) is made before entering it.
 *
 * The context itself and the SPI helpers are spi.c's.  This file owns the
 * worker-transaction helpers, the checks of a source relation's columns and of the user
 * mappings its foreign tables read through, and every statement
 * on linkpred.model_catalog and linkpred.version_catalog but those that
 * write a new version with its embeddings (store.c): reading a model's row
 * with its active version, the models a role may use, the version a warm
 * start continues from, a version's decoder weights and top-k index,
 * activating a version, deleting a model's row, and recording a version's
 * peak memory and evaluation results.  Job rows are jobrows.c's, embedding
 * rows store.c's.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/relation.h"
#include "access/skey.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/xact.h"
#include "access/xlog.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_type.h"
#include "catalog/pg_user_mapping.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "foreign/foreign.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/backend_status.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#include "linkpred.h"

/*
 * The OID of linkpred's pg_extension row: it identifies this incarnation of
 * the catalog.  DROP EXTENSION and CREATE EXTENSION make a new row, and the
 * new catalog's sequences start again at 1, so a job id alone does not say
 * which catalog a version came from; the caches key on both.
 */
Oid
LpCatalogIncarnation(void)
{
	Oid			ext = get_extension_oid("linkpred", true);

	if (!OidIsValid(ext))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("extension \"linkpred\" does not exist"),
				 errhint("Run CREATE EXTENSION linkpred in this database.")));
	return ext;
}

void
LpRefuseOnStandby(const char *func)
{
	if (RecoveryInProgress())
		ereport(ERROR,
				(errcode(ERRCODE_READ_ONLY_SQL_TRANSACTION),
				 errmsg("cannot run %s() on a standby server", func),
				 errdetail("%s() writes to linkpred's catalog, and a server in recovery accepts no writes.",
						   func),
				 errhint("Run it on the primary server; replication brings the change here.")));
}

/* the refusals of a function that writes the catalog: a standby, a Citus worker */
void
LpRefuseWrites(const char *func)
{
	LpRefuseOnStandby(func);
	LpRefuseOnCitusWorker(func);
}

char *
LpQualifiedRelName(Oid relid)
{
	char	   *rel = get_rel_name(relid);
	char	   *nsp;

	if (rel == NULL)
		return NULL;			/* dropped meanwhile */
	nsp = get_namespace_name(get_rel_namespace(relid));
	return quote_qualified_identifier(nsp, rel);
}

/*
 * A background worker's short transaction, with SPI connected and a
 * snapshot pushed; activity, if given, is what pg_stat_activity shows
 * meanwhile.
 */
void
LpBeginTx(const char *activity)
{
	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	SPI_connect();
	PushActiveSnapshot(GetTransactionSnapshot());
	if (activity)
		pgstat_report_activity(STATE_RUNNING, activity);
}

void
LpEndTx(void)
{
	SPI_finish();
	PopActiveSnapshot();
	CommitTransactionCommand();
	pgstat_report_activity(STATE_IDLE, NULL);
}

static char *
ColumnList(Oid relid)
{
	StringInfoData s;
	int			natts;
	Relation	rel = relation_open(relid, AccessShareLock);

	initStringInfo(&s);
	natts = RelationGetDescr(rel)->natts;
	for (int i = 0; i < natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(RelationGetDescr(rel), i);

		if (att->attisdropped)
			continue;
		appendStringInfo(&s, "%s%s", s.len ? ", " : "", quote_identifier(NameStr(att->attname)));
	}
	relation_close(rel, AccessShareLock);
	return s.data;
}

/* The column's number, checked to exist and to be readable by the caller. */
AttrNumber
LpCheckColumn(Oid relid, const char *argname, const char *column, Oid *typid)
{
	AttrNumber	attnum;

	if (strlen(column) > LINKPRED_MAX_NAME)
		attnum = InvalidAttrNumber;
	else
		attnum = get_attnum(relid, column);
	if (attnum == InvalidAttrNumber || attnum < 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("column \"%s\" of relation %s does not exist",
						LpClip(column), LpQualifiedRelName(relid)),
				 errdetail("The %s argument names a column exactly as spelled, case included.",
						   argname),
				 errhint("Columns of the relation: %s.", ColumnList(relid))));
	*typid = get_atttype(relid, attnum);
	if (pg_class_aclcheck(relid, GetUserId(), ACL_SELECT) != ACLCHECK_OK &&
		pg_attribute_aclcheck(relid, attnum, GetUserId(), ACL_SELECT) != ACLCHECK_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied for relation %s",
						LpQualifiedRelName(relid)),
				 errdetail("linkpred reads column \"%s\" as role \"%s\", which may not select it.",
						   column, GetUserNameFromId(GetUserId(), false)),
				 errhint("GRANT SELECT on the relation (or the column) to the role that trains.")));
	return attnum;
}

/*
 * An ERROR unless the current role can read foreign table relid as far as
 * user mappings go: its server has a mapping for the role or for PUBLIC, or
 * needs none.  postgres_fdw always needs one; another wrapper is taken to
 * need one when its server has a mapping for some role (file_fdw has none).
 */
static void
CheckUserMapping(Oid relid)
{
	Oid			role = GetUserId();
	ForeignServer *server = GetForeignServer(GetForeignTable(relid)->serverid);
	ForeignDataWrapper *fdw = GetForeignDataWrapper(server->fdwid);
	bool		needs;

	if (SearchSysCacheExists2(USERMAPPINGUSERSERVER, ObjectIdGetDatum(role),
							  ObjectIdGetDatum(server->serverid)) ||
		SearchSysCacheExists2(USERMAPPINGUSERSERVER, ObjectIdGetDatum(InvalidOid),
							  ObjectIdGetDatum(server->serverid)))
		return;
	needs = strcmp(fdw->fdwname, "postgres_fdw") == 0;
	if (!needs)
	{
		/* any mapping on the server (a small catalog: a plain scan) */
		Relation	um = table_open(UserMappingRelationId, AccessShareLock);
		ScanKeyData key;
		SysScanDesc scan;

		ScanKeyInit(&key, Anum_pg_user_mapping_umserver, BTEqualStrategyNumber, F_OIDEQ,
					ObjectIdGetDatum(server->serverid));
		scan = systable_beginscan(um, InvalidOid, false, NULL, 1, &key);
		needs = HeapTupleIsValid(systable_getnext(scan));
		systable_endscan(scan);
		table_close(um, AccessShareLock);
	}
	if (needs)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("role \"%s\" has no user mapping for foreign server \"%s\"",
						GetUserNameFromId(role, false), server->servername),
				 errdetail("linkpred reads foreign table %s through server \"%s\" as role \"%s\": a training job reads as the role that submitted it, linkpred_evaluate as its caller.",
						   LpQualifiedRelName(relid), server->servername,
						   GetUserNameFromId(role, false)),
				 errhint("Create one: CREATE USER MAPPING FOR %s SERVER %s OPTIONS (user '...', password '...'), or one FOR PUBLIC.",
						 quote_identifier(GetUserNameFromId(role, false)),
						 quote_identifier(server->servername))));
}

void
LpCheckUserMappings(Oid relid)
{
	char		relkind = get_rel_relkind(relid);
	List	   *rels;
	ListCell   *lc;

	if (relkind == RELKIND_FOREIGN_TABLE)
	{
		CheckUserMapping(relid);
		return;
	}
	if (relkind != RELKIND_PARTITIONED_TABLE && relkind != RELKIND_RELATION)
		return;
	/* a partitioned table's partitions (or an inheritance parent's children), at any depth */
	rels = find_all_inheritors(relid, AccessShareLock, NULL);
	foreach(lc, rels)
		if (get_rel_relkind(lfirst_oid(lc)) == RELKIND_FOREIGN_TABLE)
			CheckUserMapping(lfirst_oid(lc));
	list_free(rels);
}

void
LpMemoryOverBudget(const char *when, double need_mb, int budget_kb, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_CONFIGURATION_LIMIT_EXCEEDED),
			 errmsg("training would need %.1f MB %s, over linkpred.max_memory (%.1f MB)",
					need_mb, when, budget_kb / 1024.0),
			 errdetail("%s", detail),
			 errhint("Lower \"dim\", train on fewer edges, or have a superuser raise linkpred.max_memory.")));
}

bool
LpJobVersionExists(const char *model, int64 job_id)
{
	LpCatalogContext cc;
	Oid			t[2] = {TEXTOID, INT8OID};
	Datum		v[2];
	bool		exists;

	v[0] = CStringGetTextDatum(model);
	v[1] = Int64GetDatum(job_id);
	SPI_connect();
	LpCatalogEnter(&cc);
	LpSpiExec("SELECT 1 FROM linkpred.version_catalog WHERE model = $1 AND job_id = $2",
			  2, t, v, NULL, true);
	LpCatalogLeave(&cc);
	exists = SPI_processed > 0;
	SPI_finish();
	return exists;
}

bool
LpReadModel(const char *name, bool lock, bool missing_ok, LpModelRow *row)
{
	LpCatalogContext cc;
	Oid			t[1] = {TEXTOID};
	Datum		v[1];
	HeapTuple	tup;
	TupleDesc	desc;
	bool		isnull;
	bool		by_name;
	bool		names;
	char	   *s;

	memset(row, 0, sizeof(*row));
	v[0] = CStringGetTextDatum(name);
	names = LpCatalogHasNameCopies();
	by_name = names && LpCatalogByName();
	LpCatalogEnter(&cc);
	LpSpiExec(psprintf("SELECT %s, m.active_version, %s, m.src_column::text,"
					   " m.dst_column::text, m.weight_column::text, %s, %s,"
					   " v.job_id, v.dim, v.n_users, v.n_items, v.options::text, v.head, %s"
					   " FROM linkpred.model_catalog m LEFT JOIN linkpred.version_catalog v"
					   " ON v.model = m.name AND v.version = m.active_version WHERE m.name = $1%s",
					   /* on a Citus worker, the references by their names (citus.c) */
					   by_name ? "to_regrole(m.owner_name)::oid" : "m.owner::oid",
					   by_name ? "to_regclass(m.source_name)::oid" :
					   names ? "coalesce(m.source, to_regclass(m.source_name))::oid" : "m.source::oid",
					   by_name ? "to_regtype(m.user_type_name)::oid" : "m.user_type::oid",
					   by_name ? "to_regtype(m.item_type_name)::oid" : "m.item_type::oid",
					   names ? "m.owner_name" : "m.owner::text",
					   lock ? " FOR UPDATE OF m" : ""),
			  1, t, v, NULL, !lock);
	LpCatalogLeave(&cc);
	if (SPI_processed == 0)
	{
		if (missing_ok)
			return false;
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("linkpred model \"%s\" does not exist", LpClip(name)),
				 errhint("%s", LpMissingModelHint())));
	}
	tup = SPI_tuptable->vals[0];
	desc = SPI_tuptable->tupdesc;
	row->owner = DatumGetObjectId(SPI_getbinval(tup, desc, 1, &isnull));
	if (isnull)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("role %s, the owner of linkpred model \"%s\", does not exist on this node",
						SPI_getvalue(tup, desc, 15), LpClip(name)),
				 errdetail("linkpred's catalog here is a copy of the Citus coordinator's, and names the owner by name."),
				 errhint("Create the role on the coordinator (Citus creates it on every node), or on this node.")));
	row->active_version = DatumGetInt32(SPI_getbinval(tup, desc, 2, &isnull));
	if (isnull)
		row->active_version = 0;
	row->source = DatumGetObjectId(SPI_getbinval(tup, desc, 3, &isnull));
	strlcpy(row->src_column, SPI_getvalue(tup, desc, 4), NAMEDATALEN);
	strlcpy(row->dst_column, SPI_getvalue(tup, desc, 5), NAMEDATALEN);
	if ((s = SPI_getvalue(tup, desc, 6)) != NULL)
		strlcpy(row->weight_column, s, NAMEDATALEN);
	row->user_type = DatumGetObjectId(SPI_getbinval(tup, desc, 7, &isnull));
	if (!isnull)
		row->item_type = DatumGetObjectId(SPI_getbinval(tup, desc, 8, &isnull));
	if (isnull)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("a key type of linkpred model \"%s\" does not exist on this node", LpClip(name)),
				 errdetail("linkpred's catalog here is a copy of the Citus coordinator's, and names the key types by name."),
				 errhint("Create the type on the coordinator (Citus creates it on every node), or on this node.")));
	row->job_id = DatumGetInt64(SPI_getbinval(tup, desc, 9, &isnull));
	if (!isnull)
	{
		row->dim = DatumGetInt32(SPI_getbinval(tup, desc, 10, &isnull));
		row->n_users = DatumGetInt64(SPI_getbinval(tup, desc, 11, &isnull));
		row->n_items = DatumGetInt64(SPI_getbinval(tup, desc, 12, &isnull));
		row->options = MemoryContextStrdup(TopTransactionContext, SPI_getvalue(tup, desc, 13));
		{
			Datum		head = SPI_getbinval(tup, desc, 14, &isnull);

			row->has_head = LpHeadFromDatum(head, isnull, &row->head, &row->head_format);
		}
	}
	return true;
}

int32
LpWarmStartVersion(const char *model, int dim, bool bipartite, bool directed,
				   Oid user_type, Oid item_type)
{
	Oid			t[6] = {TEXTOID, INT4OID, BOOLOID, BOOLOID, OIDOID, OIDOID};
	Datum		v[6];
	bool		isnull;

	v[0] = CStringGetTextDatum(model);
	v[1] = Int32GetDatum(dim);
	v[2] = BoolGetDatum(bipartite);
	v[3] = BoolGetDatum(directed);
	v[4] = ObjectIdGetDatum(user_type);
	v[5] = ObjectIdGetDatum(item_type);
	LpSpiExec("SELECT m.active_version FROM linkpred.model_catalog m"
			  " JOIN linkpred.version_catalog v ON v.model = m.name AND v.version = m.active_version"
			  " WHERE m.name = $1 AND v.dim = $2"
			  " AND coalesce((v.options->>'bipartite')::bool, true) = $3"
			  " AND coalesce((v.options->>'directed')::bool, false) = $4"
			  " AND m.user_type = $5::regtype AND m.item_type = $6::regtype",
			  6, t, v, NULL, true);
	if (SPI_processed == 0)
		return 0;
	return DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
}

/*
 * metrics := expr on a version row, expr's parameters from $3 on (the
 * version's model and number are $1 and $2).
 */
static void
VersionMetricsUpdate(const char *model, int32 version, const char *expr, int n,
					 const Oid *types, const Datum *values)
{
	LpCatalogContext cc;
	Oid			t[4] = {TEXTOID, INT4OID};
	Datum		v[4];

	Assert(n <= 2);
	v[0] = CStringGetTextDatum(model);
	v[1] = Int32GetDatum(version);
	memcpy(t + 2, types, n * sizeof(Oid));
	memcpy(v + 2, values, n * sizeof(Datum));
	LpCatalogEnter(&cc);
	LpSpiExec(psprintf("UPDATE linkpred.version_catalog SET metrics = %s"
					   " WHERE model = $1 AND version = $2", expr),
			  2 + n, t, v, NULL, false);
	LpCatalogLeave(&cc);
}

void
LpVersionSetStoreMetrics(const char *model, int32 version, double peak_rss_mb, double store_seconds)
{
	Oid			t[2] = {FLOAT8OID, FLOAT8OID};
	Datum		v[2] = {Float8GetDatum(peak_rss_mb), Float8GetDatum(store_seconds)};

	VersionMetricsUpdate(model, version,
						 "metrics || jsonb_build_object('peak_rss_mb', $3, 'store_seconds', $4)", 2, t, v);
}

/*
 * The models role may use, counted up to 2 (in name order); when there is
 * exactly one, its name in *only (in the transaction's context).  For the
 * serving calls that name no model.
 */
uint64
LpUsableModels(Oid role, char **only)
{
	LpCatalogContext cc;
	Oid			t[1] = {OIDOID};
	Datum		v[1];
	uint64		n;

	v[0] = ObjectIdGetDatum(role);
	LpCatalogEnter(&cc);
	LpSpiExec(LpCatalogByName() ?
			  "SELECT name FROM linkpred.model_catalog"
			  " WHERE pg_has_role($1, coalesce(to_regrole(owner_name)::oid, 0), 'USAGE')"
			  " ORDER BY name LIMIT 2" :
			  "SELECT name FROM linkpred.model_catalog"
			  " WHERE pg_has_role($1, owner, 'USAGE') ORDER BY name LIMIT 2",
			  1, t, v, NULL, true);
	n = SPI_processed;
	if (n == 1)
		*only = MemoryContextStrdup(TopTransactionContext,
									SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1));
	LpCatalogLeave(&cc);
	return n;
}

/* one column of a version's row: sql selects it by $1 model, $2 version */
static Datum
VersionColumn(const char *sql, const char *model, int32 version, bool *isnull)
{
	Datum		d = (Datum) 0;

	*isnull = true;
	LpSpiExecVersion(sql, model, version, true);
	if (SPI_processed == 1)
		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, isnull);
	return d;
}

Datum
LpVersionDecoder(const char *model, int32 version, bool *isnull)
{
	return VersionColumn("SELECT decoder FROM linkpred.version_catalog WHERE model = $1 AND version = $2",
						 model, version, isnull);
}

Datum
LpVersionAnn(const char *model, int32 version, bool *isnull)
{
	return VersionColumn("SELECT ann FROM linkpred.version_catalog WHERE model = $1 AND version = $2",
						 model, version, isnull);
}

bool
LpVersionExists(const char *model, int32 version)
{
	LpSpiExecVersion("SELECT 1 FROM linkpred.version_catalog WHERE model = $1 AND version = $2",
					 model, version, false);
	return SPI_processed != 0;
}

char *
LpVersionList(const char *model)
{
	LpSpiExecModel("SELECT string_agg(version::text, ', ' ORDER BY version)"
				   " FROM linkpred.version_catalog WHERE model = $1", model, false);
	return SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
}

void
LpActivateVersion(const char *model, int32 version)
{
	/* the version's own description serves with it (source, columns, types) */
	LpSpiExecVersion(psprintf("UPDATE linkpred.model_catalog m SET active_version = v.version,"
							   " source = v.source, src_column = v.src_column, dst_column = v.dst_column,"
							   " weight_column = v.weight_column, user_type = v.user_type,"
							   " item_type = v.item_type%s"
							   " FROM linkpred.version_catalog v"
							   " WHERE m.name = $1 AND v.model = m.name AND v.version = $2",
							   LpCatalogHasNameCopies() ?
							   ", source_name = v.source_name, user_type_name = v.user_type_name,"
							   " item_type_name = v.item_type_name" : ""),
					 model, version, false);
}

void
LpDeleteModelRow(const char *model)
{
	LpSpiExecModel("DELETE FROM linkpred.model_catalog WHERE name = $1", model, false);
}

void
LpVersionSetEvaluation(const char *model, int32 version, const char *method, const char *json)
{
	Oid			t[2] = {TEXTOID, TEXTOID};
	Datum		v[2] = {CStringGetTextDatum(method), CStringGetTextDatum(json)};

	VersionMetricsUpdate(model, version,
						 "metrics || jsonb_build_object('evaluation', coalesce(metrics->'evaluation', '{}')"
						 "   || jsonb_build_object($3, $4::jsonb))", 2, t, v);
}

/*
 * A head is stored as the features' means, scales and weights, the bias
 * and its format (LP_HEAD_FORMAT); a format 2 head holds the first
 * LP_HEAD_NFEAT_V2 features only, and linkpred 0.1.0 stored no format (1).
 */
Datum
LpHeadToDatum(const LpHead *h)
{
	Datum		d[3 * LP_HEAD_NFEAT + 2];

	for (int k = 0; k < LP_HEAD_NFEAT; k++)
	{
		d[k] = Float4GetDatum(h->mean[k]);
		d[LP_HEAD_NFEAT + k] = Float4GetDatum(h->scale[k]);
		d[2 * LP_HEAD_NFEAT + k] = Float4GetDatum(h->w[k]);
	}
	d[3 * LP_HEAD_NFEAT] = Float4GetDatum(h->b);
	d[3 * LP_HEAD_NFEAT + 1] = Float4GetDatum((float4) LP_HEAD_FORMAT);
	return PointerGetDatum(construct_array(d, lengthof(d), FLOAT4OID, sizeof(float4),
										   true, TYPALIGN_INT));
}

bool
LpHeadFromDatum(Datum d, bool isnull, LpHead *h, int *format)
{
	ArrayType  *a;
	float4	   *x;
	int			n,
				nf;

	if (isnull)
		return false;
	a = DatumGetArrayTypeP(d);
	n = ARR_NDIM(a) == 1 ? ARR_DIMS(a)[0] : 0;
	x = (float4 *) ARR_DATA_PTR(a);
	/* 0.1.0: no format; format 2: the first 11 features; this format: all */
	if (ARR_HASNULL(a) || ARR_ELEMTYPE(a) != FLOAT4OID)
		n = 0;
	if (n == 3 * LP_HEAD_NFEAT_V2 + 1)
		*format = 1, nf = LP_HEAD_NFEAT_V2;
	else if (n == 3 * LP_HEAD_NFEAT_V2 + 2 && x[n - 1] == 2.0f)
		*format = 2, nf = LP_HEAD_NFEAT_V2;
	else if (n == 3 * LP_HEAD_NFEAT + 2 && x[n - 1] == (float4) LP_HEAD_FORMAT)
		*format = LP_HEAD_FORMAT, nf = LP_HEAD_NFEAT;
	else
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("the stored decoder head has the wrong shape"),
				 errdetail("Expected %d reals and the format number %d, %d reals and the format number 2, or %d reals (from linkpred 0.1.0).",
						   3 * LP_HEAD_NFEAT + 1, LP_HEAD_FORMAT, 3 * LP_HEAD_NFEAT_V2 + 1,
						   3 * LP_HEAD_NFEAT_V2 + 1),
				 errhint("Retrain the model.")));
	/* an older head weighs the features it did not know at 0: it scores as before */
	for (int k = 0; k < LP_HEAD_NFEAT; k++)
	{
		h->mean[k] = k < nf ? x[k] : 0.0f;
		h->scale[k] = k < nf ? x[nf + k] : 1.0f;
		h->w[k] = k < nf ? x[2 * nf + k] : 0.0f;
	}
	h->b = x[3 * nf];
	return true;
}
