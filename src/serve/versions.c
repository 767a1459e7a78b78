/*
 * versions.c: a model's versions: linkpred_activate (roll back or forward)
 * and linkpred_drop.
 *
 * Both change linkpred's catalog in the caller's transaction, after
 * checking that the caller has the privileges of the model's owner; every
 * backend's serving cache notices the change at its next statement (it
 * compares the active version's job id), so a switch is atomic for readers.
 * A dropped model's shared copies (shared_cache.c) are freed at commit, or
 * when the last statement still serving from one ends.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"

#include "cache.h"
#include "jobs.h"
#include "linkpred.h"
#include "shared_cache.h"
#include "store.h"

PG_FUNCTION_INFO_V1(linkpred_activate);
PG_FUNCTION_INFO_V1(linkpred_drop);

/* Lock the model row and check the caller may change the model. */
static void
LockOwnModel(const char *model, const char *action)
{
	LpModelRow	row;

	LpReadModel(model, true, false, &row);
	if (!has_privs_of_role(GetUserId(), row.owner))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("must be a member of role \"%s\" to %s model \"%s\"",
						GetUserNameFromId(row.owner, false), action, model)));
}

Datum
linkpred_activate(PG_FUNCTION_ARGS)
{
	char	   *model = text_to_cstring(PG_GETARG_TEXT_PP(0));
	int32		version = PG_GETARG_INT32(1);
	LpCatalogContext cc;

	LpRefuseWrites("linkpred_activate");

	SPI_connect();
	LockOwnModel(model, "activate a version of");
	LpCatalogEnter(&cc);
	if (!LpVersionExists(model, version))
	{
		char	   *stored = LpVersionList(model);

		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("model \"%s\" has no version %d", model, version),
				 errdetail("Stored versions: %s.", stored),
				 errhint("Old versions are pruned after keep_versions trainings.")));
	}
	LpActivateVersion(model, version);
	LpCatalogLeave(&cc);
	SPI_finish();
	PG_RETURN_BOOL(true);
}

Datum
linkpred_drop(PG_FUNCTION_ARGS)
{
	char	   *model = text_to_cstring(PG_GETARG_TEXT_PP(0));
	LpCatalogContext cc;
	int64		id;

	LpRefuseWrites("linkpred_drop");

	SPI_connect();
	LockOwnModel(model, "drop");

	LpCatalogEnter(&cc);
	if (LpJobLiveForModel(model, &id))
	{
		LpCatalogLeave(&cc);
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_IN_USE),
				 errmsg("model \"%s\" has a training job in progress", model),
				 errhint("Cancel it first: SELECT linkpred_cancel(" INT64_FORMAT ");", id)));
	}
	LpStoreDropModel(model);
	LpDeleteModelRow(model);
	LpCatalogLeave(&cc);
	SPI_finish();
	/* this backend's copy goes now, shared copies when this commits */
	LpCacheForgetModel(model);
	LpSharedCacheForget(model);
	PG_RETURN_BOOL(true);
}
