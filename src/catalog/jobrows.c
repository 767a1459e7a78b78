/*
 * jobrows.c: linkpred.job_catalog, one row per training or evaluation job.
 *
 * Every C statement on the job rows (and their id sequence) is here: the
 * submitter takes an id, the worker inserts the row and commits its phase,
 * progress and outcome, linkpred_wait and linkpred_cancel read it (and mark
 * an orphaned one failed), linkpred_drop looks for a live one, and a model
 * version's store marks it done.  Job rows are read against the latest
 * committed state rather than the caller's snapshot, because a job's worker
 * commits its own progress while the caller may be inside a long
 * transaction (linkpred_wait).
 *
 * The times a write records (updated_at, started_at, finished_at) are read
 * from the clock here and passed as parameters, never computed by a
 * VOLATILE function inside the statement: Citus refuses clock_timestamp()
 * in an UPDATE of a reference table, and a statement with only constants
 * writes the same values on every node that replays it.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/backend_status.h"
#include "utils/builtins.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "jobs.h"
#include "linkpred.h"

int64
LpJobNextId(void)
{
	LpCatalogContext cc;
	bool		isnull;
	int64		id;

	SPI_connect();
	LpCatalogEnter(&cc);
	LpSpiExec("SELECT nextval('linkpred.job_id_seq')", 0, NULL, NULL, NULL, false);
	id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	LpCatalogLeave(&cc);
	SPI_finish();
	return id;
}

/* a column as a C string, NULL for SQL NULL */
static char *
GetText(HeapTuple tup, TupleDesc desc, int col)
{
	return SPI_getvalue(tup, desc, col);
}

bool
LpJobIsFinal(const char *state)
{
	return strcmp(state, "done") == 0 || strcmp(state, "failed") == 0 ||
		strcmp(state, "cancelled") == 0;
}

bool
LpJobRead(int64 job_id, LpJobRow *row)
{
	LpCatalogContext cc;
	SPIPlanPtr	plan;
	Oid			types[1] = {INT8OID};
	Datum		values[1];
	bool		found = false;
	MemoryContext caller = CurrentMemoryContext;

	values[0] = Int64GetDatum(job_id);
	memset(row, 0, sizeof(*row));

	/* pg_stat_activity is otherwise cached for the whole transaction */
	pgstat_clear_backend_activity_snapshot();

	SPI_connect();
	LpCatalogEnter(&cc);
	plan = SPI_prepare("SELECT id, model, owner::oid, state,"
					   " linkpred.job_is_live(pid, backend_start), version,"
					   " error, error_sqlstate, error_detail, error_hint, pid,"
					   " coalesce((stats->>'null_ids')::int8, 0),"
					   " coalesce((stats->>'self_loops')::int8, 0),"
					   " coalesce((stats->>'duplicates')::int8, 0),"
					   " coalesce((stats->>'bad_weights')::int8, 0), result::text,"
					   " coalesce((stats->>'unknown_events')::int8, 0),"
					   " coalesce((stats->>'links_skipped')::int8, 0),"
					   " coalesce((stats->>'link_rows')::int8, 0),"
					   " coalesce((stats->>'attribute_rows_skipped')::int8, 0),"
					   " coalesce((stats->>'attribute_rows')::int8, 0),"
					   " coalesce((stats->>'user_attribute_rows_skipped')::int8, 0),"
					   " coalesce((stats->>'user_attribute_rows')::int8, 0)"
					   " FROM linkpred.job_catalog WHERE id = $1", 1, types);
	if (plan == NULL)
		elog(ERROR, "linkpred: SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
	if (SPI_execute_snapshot(plan, values, NULL, GetLatestSnapshot(),
							 InvalidSnapshot, true, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "linkpred: reading job " INT64_FORMAT " failed", job_id);
	if (SPI_processed == 1)
	{
		HeapTuple	tup = SPI_tuptable->vals[0];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		MemoryContext spi = MemoryContextSwitchTo(caller);

		found = true;
		row->id = job_id;
		row->model = GetText(tup, desc, 2);
		row->owner = DatumGetObjectId(SPI_getbinval(tup, desc, 3, &isnull));
		row->state = GetText(tup, desc, 4);
		row->live = DatumGetBool(SPI_getbinval(tup, desc, 5, &isnull));
		row->version = DatumGetInt32(SPI_getbinval(tup, desc, 6, &isnull));
		if (isnull)
			row->version = 0;
		row->error = GetText(tup, desc, 7);
		row->sqlstate = GetText(tup, desc, 8);
		row->detail = GetText(tup, desc, 9);
		row->hint = GetText(tup, desc, 10);
		row->pid = DatumGetInt32(SPI_getbinval(tup, desc, 11, &isnull));
		if (isnull)
			row->pid = 0;
		row->null_ids = DatumGetInt64(SPI_getbinval(tup, desc, 12, &isnull));
		row->self_loops = DatumGetInt64(SPI_getbinval(tup, desc, 13, &isnull));
		row->duplicates = DatumGetInt64(SPI_getbinval(tup, desc, 14, &isnull));
		row->bad_weights = DatumGetInt64(SPI_getbinval(tup, desc, 15, &isnull));
		row->result = GetText(tup, desc, 16);
		row->unknown_events = DatumGetInt64(SPI_getbinval(tup, desc, 17, &isnull));
		row->links_skipped = DatumGetInt64(SPI_getbinval(tup, desc, 18, &isnull));
		row->link_rows = DatumGetInt64(SPI_getbinval(tup, desc, 19, &isnull));
		row->attr_skipped = DatumGetInt64(SPI_getbinval(tup, desc, 20, &isnull));
		row->attr_rows = DatumGetInt64(SPI_getbinval(tup, desc, 21, &isnull));
		row->user_attr_skipped = DatumGetInt64(SPI_getbinval(tup, desc, 22, &isnull));
		row->user_attr_rows = DatumGetInt64(SPI_getbinval(tup, desc, 23, &isnull));
		MemoryContextSwitchTo(spi);
	}
	SPI_freeplan(plan);
	LpCatalogLeave(&cc);
	SPI_finish();
	return found;
}

void
LpJobCheckAccess(const LpJobRow *row)
{
	if (!has_privs_of_role(GetUserId(), row->owner))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied for linkpred job " INT64_FORMAT, row->id),
				 errdetail("The job belongs to role \"%s\".",
						   GetUserNameFromId(row->owner, false)),
				 errhint("Only members of the job's owner role can wait for or cancel it.")));
}

/*
 * A job whose worker is gone without recording an outcome (crash, kill -9,
 * server restart) is marked failed, so it stops looking alive.
 */
void
LpJobMarkOrphaned(int64 job_id)
{
	LpCatalogContext cc;
	Oid			types[2] = {INT8OID, TIMESTAMPTZOID};
	Datum		values[2];

	values[0] = Int64GetDatum(job_id);
	values[1] = TimestampTzGetDatum(GetCurrentTimestamp());
	SPI_connect();
	LpCatalogEnter(&cc);
	LpSpiExec("UPDATE linkpred.job_catalog SET state = 'failed',"
			  " finished_at = $2, updated_at = $2,"
			  " error = 'training worker exited without recording an outcome',"
			  " error_sqlstate = '58000',"
			  " error_hint = 'The worker was killed or the server restarted; see the server log, then train again.'"
			  " WHERE id = $1 AND state IN ('queued', 'running')",
			  2, types, values, NULL, false);
	LpCatalogLeave(&cc);
	SPI_finish();
}

bool
LpJobLiveForModel(const char *model, int64 *job_id)
{
	bool		isnull;

	LpSpiExecModel("SELECT id FROM linkpred.job_catalog WHERE model = $1"
				   " AND state IN ('queued', 'running') AND linkpred.job_is_live(pid, backend_start)",
				   model, true);
	if (SPI_processed == 0)
		return false;
	*job_id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	return true;
}

void
LpJobMarkStored(int64 job_id, int32 version)
{
	Oid			t[3] = {INT8OID, INT4OID, TIMESTAMPTZOID};
	Datum		v[3] = {Int64GetDatum(job_id), Int32GetDatum(version),
	TimestampTzGetDatum(GetCurrentTimestamp())};

	LpSpiExec("UPDATE linkpred.job_catalog SET state = 'done', version = $2, phase = NULL,"
			  " epoch = epochs, finished_at = $3, updated_at = $3"
			  " WHERE id = $1",
			  3, t, v, NULL, false);
}

/*
 * The worker's writes.  Each is one UPDATE of the job's row as the
 * extension owner, in its own short transaction, so that progress is
 * visible to linkpred_wait and the jobs view while the job runs.  In
 * set_clause, $1 is the job's id, $2 the time of the write, and the
 * caller's nargs values are $3 on.
 */
#define JOB_UPDATE_MAX_ARGS 8
static void
UpdateJob(int64 job_id, const char *set_clause, int nargs, const Oid *types,
		  const Datum *values, const char *nulls)
{
	LpCatalogContext cc;
	Oid			t[JOB_UPDATE_MAX_ARGS] = {INT8OID, TIMESTAMPTZOID};
	Datum		v[JOB_UPDATE_MAX_ARGS];
	char		n[JOB_UPDATE_MAX_ARGS];
	char	   *sql = psprintf("UPDATE linkpred.job_catalog SET %s, updated_at = $2"
							   " WHERE id = $1", set_clause);

	Assert(nargs + 2 <= JOB_UPDATE_MAX_ARGS);
	memset(n, ' ', sizeof(n));
	v[0] = Int64GetDatum(job_id);
	v[1] = TimestampTzGetDatum(GetCurrentTimestamp());
	memcpy(t + 2, types, nargs * sizeof(Oid));
	memcpy(v + 2, values, nargs * sizeof(Datum));
	if (nulls)
		memcpy(n + 2, nulls, nargs);
	LpBeginTx(NULL);
	LpCatalogEnter(&cc);
	LpSpiExec(sql, nargs + 2, t, v, n, false);
	LpCatalogLeave(&cc);
	LpEndTx();
	pfree(sql);
}

void
LpJobInsert(const LpJobSpec *spec)
{
	LpCatalogContext cc;
	Oid			types[12] = {INT8OID, TEXTOID, OIDOID, OIDOID, TEXTOID, TEXTOID,
	TEXTOID, TEXTOID, TIMESTAMPTZOID, INT4OID, TIMESTAMPTZOID, TIMESTAMPTZOID};
	Datum		values[12];
	char		nulls[12];

	memset(nulls, ' ', sizeof(nulls));
	values[0] = Int64GetDatum(spec->job_id);
	values[1] = CStringGetTextDatum(spec->model);
	values[2] = ObjectIdGetDatum(spec->roleid);
	values[3] = ObjectIdGetDatum(spec->relid);
	values[4] = CStringGetTextDatum(spec->src_column);
	values[5] = CStringGetTextDatum(spec->dst_column);
	values[6] = CStringGetTextDatum(spec->weight_column);
	if (spec->weight_column[0] == '\0')
		nulls[6] = 'n';
	values[7] = CStringGetTextDatum(spec->options);
	values[8] = TimestampTzGetDatum(spec->submitted_at);
	values[9] = Int32GetDatum(MyProcPid);
	values[10] = TimestampTzGetDatum(MyStartTimestamp);
	values[11] = TimestampTzGetDatum(GetCurrentTimestamp());

	LpBeginTx(NULL);
	LpCatalogEnter(&cc);
	LpSpiExec("INSERT INTO linkpred.job_catalog (id, model, owner, state, source,"
			  " src_column, dst_column, weight_column, options, submitted_at, pid,"
			  " backend_start, phase, epochs, updated_at)"
			  " VALUES ($1, $2, $3::regrole, 'queued', $4::regclass, $5, $6, $7,"
			  " $8::jsonb, $9, $10, $11, 'waiting for other jobs of this model', NULL,"
			  " $12)",
			  12, types, values, nulls, false);
	LpCatalogLeave(&cc);
	LpEndTx();
}

void
LpJobSetPhase(int64 job_id, const char *state, const char *phase)
{
	Oid			types[2] = {TEXTOID, TEXTOID};
	Datum		values[2];

	values[0] = CStringGetTextDatum(state);
	values[1] = CStringGetTextDatum(phase);
	UpdateJob(job_id,
			  strcmp(state, "running") == 0 ?
			  "state = $3, phase = $4, started_at = coalesce(started_at, $2)" :
			  "state = $3, phase = $4",
			  2, types, values, NULL);
}

void
LpJobSetLoaded(int64 job_id, const char *stats, int32 epochs)
{
	Oid			types[2] = {TEXTOID, INT4OID};
	Datum		values[2];

	values[0] = CStringGetTextDatum(stats);
	values[1] = Int32GetDatum(epochs);
	UpdateJob(job_id, "stats = $3::jsonb, epochs = $4, epoch = 0, phase = 'training'",
			  2, types, values, NULL);
}

void
LpJobSetEpochs(int64 job_id, int32 epochs)
{
	Oid			types[1] = {INT4OID};
	Datum		values[1];

	values[0] = Int32GetDatum(epochs);
	UpdateJob(job_id, "epochs = $3", 1, types, values, NULL);
}

void
LpJobSetProgress(int64 job_id, int32 epoch, double loss)
{
	Oid			types[2] = {INT4OID, FLOAT8OID};
	Datum		values[2];

	values[0] = Int32GetDatum(epoch);
	values[1] = Float8GetDatum(loss);
	UpdateJob(job_id, "epoch = $3, loss = $4", 2, types, values, NULL);
}

void
LpJobMarkEvaluated(int64 job_id, const char *result)
{
	Oid			types[1] = {TEXTOID};
	Datum		values[1];

	values[0] = CStringGetTextDatum(result);
	UpdateJob(job_id, "state = 'done', result = $3::jsonb, phase = NULL, epoch = epochs,"
			  " finished_at = $2", 1, types, values, NULL);
}

void
LpJobMarkFailed(int64 job_id, const char *state, const char *message,
				const char *sqlstate, const char *detail, const char *hint)
{
	Oid			types[5] = {TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID};
	Datum		values[5];
	char		nulls[5] = {' ', ' ', ' ', 'n', 'n'};

	values[0] = CStringGetTextDatum(state);
	values[1] = CStringGetTextDatum(message);
	values[2] = CStringGetTextDatum(sqlstate);
	if (detail)
	{
		values[3] = CStringGetTextDatum(detail);
		nulls[3] = ' ';
	}
	if (hint)
	{
		values[4] = CStringGetTextDatum(hint);
		nulls[4] = ' ';
	}
	UpdateJob(job_id, "state = $3, error = $4, error_sqlstate = $5, error_detail = $6,"
			  " error_hint = $7, phase = NULL, finished_at = $2",
			  5, types, values, nulls);
}
