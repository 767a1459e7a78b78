/*
 * spi.c: the catalog context and the SPI helpers every catalog file uses.
 *
 * C code that reads or writes linkpred's own tables enters the catalog
 * context (LpCatalogEnter): it becomes the extension owner with
 * SECURITY_RESTRICTED_OPERATION and search_path = pg_catalog, so that no
 * object a user created can be picked up by name, and runs fixed SQL with
 * $n parameters only (LpSpiExec and its model/version forms, LpSpiEachRow
 * for cursors).  What the statements are is catalog.c's, store.c's,
 * jobrows.c's and citus.c's.
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/syscache.h"

#include "linkpred.h"

Oid
LpExtensionOwner(void)
{
	Oid			nsp = get_namespace_oid("linkpred", true);
	HeapTuple	tup;
	Oid			owner;

	if (!OidIsValid(nsp))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("schema \"linkpred\" does not exist"),
				 errhint("Run CREATE EXTENSION linkpred in this database.")));
	tup = SearchSysCache1(NAMESPACEOID, ObjectIdGetDatum(nsp));
	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for namespace %u", nsp);
	owner = ((Form_pg_namespace) GETSTRUCT(tup))->nspowner;
	ReleaseSysCache(tup);
	return owner;
}

void
LpCatalogEnter(LpCatalogContext *ctx)
{
	Oid			owner = LpExtensionOwner();

	GetUserIdAndSecContext(&ctx->save_userid, &ctx->save_sec_context);
	SetUserIdAndSecContext(owner, ctx->save_sec_context |
						   SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION);
	ctx->save_nestlevel = NewGUCNestLevel();
	(void) set_config_option("search_path", "pg_catalog", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
}

void
LpCatalogLeave(LpCatalogContext *ctx)
{
	AtEOXact_GUC(false, ctx->save_nestlevel);
	SetUserIdAndSecContext(ctx->save_userid, ctx->save_sec_context);
}

int
LpSpiExec(const char *sql, int nargs, Oid *types, Datum *values,
		  const char *nulls, bool read_only)
{
	int			rc = SPI_execute_with_args(sql, nargs, types, values, nulls, read_only, 0);

	if (rc < 0)
		elog(ERROR, "linkpred: SPI failed (%s) for: %s", SPI_result_code_string(rc), sql);
	return rc;
}

/*
 * The cursor loop of LpSpiEachRow and LpSpiEachRowBatched: with batch_cxt,
 * fn runs in it and it is reset after every batch, cxt current between.
 */
static void
EachRow(Portal portal, long batch, LpSpiRowFn fn, void *arg, MemoryContext cxt,
		MemoryContext batch_cxt)
{
	for (;;)
	{
		SPI_cursor_fetch(portal, true, batch);
		if (SPI_processed == 0)
		{
			SPI_freetuptable(SPI_tuptable);
			break;
		}
		if (batch_cxt)
			MemoryContextSwitchTo(batch_cxt);
		for (uint64 r = 0; r < SPI_processed; r++)
			fn(arg, SPI_tuptable->vals[r], SPI_tuptable->tupdesc);
		if (batch_cxt)
		{
			MemoryContextSwitchTo(cxt);
			MemoryContextReset(batch_cxt);
		}
		SPI_freetuptable(SPI_tuptable);
		CHECK_FOR_INTERRUPTS();
	}
	SPI_cursor_close(portal);
}

void
LpSpiEachRow(Portal portal, long batch, LpSpiRowFn fn, void *arg)
{
	EachRow(portal, batch, fn, arg, NULL, NULL);
}

void
LpSpiEachRowBatched(Portal portal, long batch, LpSpiRowFn fn, void *arg, MemoryContext cxt)
{
	MemoryContext batch_cxt = AllocSetContextCreate(cxt, "linkpred row batch",
													ALLOCSET_DEFAULT_SIZES);

	EachRow(portal, batch, fn, arg, cxt, batch_cxt);
	MemoryContextDelete(batch_cxt);
	/* SPI's calls leave its own context current */
	MemoryContextSwitchTo(cxt);
}

/* LpSpiExec with $1 the model's name */
int
LpSpiExecModel(const char *sql, const char *model, bool read_only)
{
	Oid			t[1] = {TEXTOID};
	Datum		v[1];

	v[0] = CStringGetTextDatum(model);
	return LpSpiExec(sql, 1, t, v, NULL, read_only);
}

/* LpSpiExec with $1 the model's name, $2 a version */
int
LpSpiExecVersion(const char *sql, const char *model, int32 version, bool read_only)
{
	Oid			t[2] = {TEXTOID, INT4OID};
	Datum		v[2];

	v[0] = CStringGetTextDatum(model);
	v[1] = Int32GetDatum(version);
	return LpSpiExec(sql, 2, t, v, NULL, read_only);
}

