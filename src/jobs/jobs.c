/*
 * jobs.c: the SQL side of training jobs: linkpred_train, linkpred_wait,
 * linkpred_cancel.
 *
 * linkpred_train checks everything it can before any work starts (the
 * relation and its columns, their types, the caller's SELECT privilege, the
 * options, the model's owner), then hands the job to a background worker
 * (see jobs.h for the hand-off and worker.c for the life cycle).  With
 * wait => true it then waits like linkpred_wait, and cancelling the waiting
 * statement cancels the job.  The job rows themselves are read and written
 * by jobrows.c.
 */
#include "postgres.h"

#include <signal.h>

#include "access/relation.h"
#include "access/xact.h"
#include "access/xlog.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "storage/dsm.h"
#include "storage/latch.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/regproc.h"
#include "utils/timestamp.h"

#include "attrs_columns.h"
#include "jobs.h"
#include "keymap.h"
#include "linkpred.h"
#include "options.h"

PG_FUNCTION_INFO_V1(linkpred_train);
PG_FUNCTION_INFO_V1(linkpred_wait);
PG_FUNCTION_INFO_V1(linkpred_cancel);

static void
CheckModelName(const char *model)
{
	if (model[0] == '\0' || strlen(model) > LINKPRED_MAX_NAME)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_NAME),
				 errmsg("invalid model name \"%s\"", LpClip(model)),
				 errdetail("A model name has 1 to %d bytes.", LINKPRED_MAX_NAME)));
}

/* relid is something SELECT can read */
static void
CheckRelkind(Oid relid)
{
	char		relkind = get_rel_relkind(relid);

	if (relkind != RELKIND_RELATION && relkind != RELKIND_VIEW &&
		relkind != RELKIND_MATVIEW && relkind != RELKIND_PARTITIONED_TABLE &&
		relkind != RELKIND_FOREIGN_TABLE)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is not a table, view or materialized view", get_rel_name(relid)),
				 errhint("Pass the relation that holds the edges, one row per edge.")));
}

/* a column of node ids: it exists, the caller may read it, its type can be a key */
static void
CheckIdColumn(Oid relid, const char *argname, const char *column)
{
	Oid			t;
	LpKeyKind	k;

	LpCheckColumn(relid, argname, column, &t);
	if (!LpKeyKindForType(t, &k))
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("column \"%s\" has unsupported type %s", column, format_type_be(t)),
				 errdetail("Node id columns must be of type %s.", LpSupportedKeyTypes()),
				 errhint("Train from a view that casts the id column to one of these types.")));
}

/*
 * The relation named in option (user_edges, item_features, user_features), resolved with
 * the caller's search_path: an ERROR if there is none, or if it is no
 * table or view.  holds says in the hint what it should hold.
 */
static Oid
OptionRelation(const char *option, const char *name, const char *holds)
{
	Oid			relid;

	relid = RangeVarGetRelid(makeRangeVarFromNameList(stringToQualifiedNameList(name)),
							 NoLock, true);
	if (!OidIsValid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation \"%s\" of option \"%s\" does not exist", name, option),
				 errhint("Name a table or view of %s, schema-qualified if it is not on the search_path.",
						 holds)));
	CheckRelkind(relid);
	return relid;
}

/* Option user_edges: its relation and its two id columns. */
static Oid
CheckUserEdges(const LpUserEdges *ue)
{
	Oid			relid = OptionRelation("user_edges", ue->relation, "user-user links");

	CheckIdColumn(relid, "user_edges src", ue->src);
	CheckIdColumn(relid, "user_edges dst", ue->dst);
	LpCheckUserMappings(relid);
	return relid;
}

/*
 * Option item_features or user_features (option, of the node kind "item"
 * or "user"): its relation; the key column, of the edges' column's kind of
 * key (key_type: the item or the user column's type); the attribute column
 * (any type: values compare as text) with its numeric weight column, or
 * the columns, each of a kind that attrs_columns.h knows.
 */
static Oid
CheckFeatures(const LpItemFeatures *f, const char *option, const char *node, Oid key_type)
{
	Oid			relid = OptionRelation(option, f->relation,
									   psprintf("%s attributes", node));
	Oid			t;
	LpKeyKind	k,
				dk;

	CheckIdColumn(relid, psprintf("%s key", option), f->key);
	LpCheckColumn(relid, psprintf("%s key", option), f->key, &t);
	if (LpKeyKindForType(key_type, &dk) && LpKeyKindForType(t, &k) && k != dk)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("key column \"%s\" of option \"%s\" has type %s, the %s column %s",
						f->key, option, format_type_be(t), node, format_type_be(key_type)),
				 errdetail("The key must hold the %s ids as the edges relation does.", node),
				 errhint("Pass a view that casts \"%s\" to %s.", f->key, format_type_be(key_type))));
	if (f->n_columns == 0)
		LpCheckColumn(relid, psprintf("%s attribute", option), f->attribute, &t);
	if (f->weight[0])
	{
		LpCheckColumn(relid, psprintf("%s weight", option), f->weight, &t);
		if (t != INT2OID && t != INT4OID && t != INT8OID && t != FLOAT4OID && t != FLOAT8OID &&
			t != NUMERICOID)
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("weight column \"%s\" of option \"%s\" has type %s",
							f->weight, option, format_type_be(t)),
					 errhint("Use a column of a numeric type: integer, bigint, real, double precision or numeric.")));
	}
	for (int c = 0; c < f->n_columns; c++)
	{
		LpCheckColumn(relid, psprintf("%s columns", option), f->columns[c], &t);
		if (LpAttrColumnKindOf(t) == LP_ATTR_UNSUPPORTED)
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("column \"%s\" of option \"%s\" has type %s, which is neither categorical, numeric nor a vector",
							f->columns[c], option, format_type_be(t)),
					 errdetail("A column of \"columns\" is categorical (text, an integer type, boolean, an enum, ...), numeric (real, double precision, numeric) or a vector (real[], double precision[], numeric[])."),
					 errhint("Pass a view that turns the column into one of these, or give its values as rows of a many-to-many relation with \"attribute\".")));
	}
	LpCheckUserMappings(relid);
	return relid;
}

static void
CheckSource(Oid relid, const char *src, const char *dst, const char *weight,
			const LpOptions *opts)
{
	Oid			st,
				dt,
				wt;
	LpKeyKind	sk,
				dk;

	CheckRelkind(relid);

	LpCheckColumn(relid, "src", src, &st);
	LpCheckColumn(relid, "dst", dst, &dt);
	if (!LpKeyKindForType(st, &sk) || !LpKeyKindForType(dt, &dk))
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("column \"%s\" has unsupported type %s",
						LpKeyKindForType(st, &sk) ? dst : src,
						format_type_be(LpKeyKindForType(st, &sk) ? dt : st)),
				 errdetail("Node id columns must be of type %s.", LpSupportedKeyTypes()),
				 errhint("Train from a view that casts the id column to one of these types.")));
	if (!opts->bipartite && (sk != dk || (sk == LP_KEY_TEXT && st != dt)))
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("columns \"%s\" (%s) and \"%s\" (%s) must have the same type in a homogeneous graph",
						src, format_type_be(st), dst, format_type_be(dt)),
				 errdetail("With \"bipartite\": false both columns hold ids of one set of nodes."),
				 errhint("Cast one column in a view, or train a bipartite model.")));
	if (weight)
	{
		LpCheckColumn(relid, "weight", weight, &wt);
		if (wt != INT2OID && wt != INT4OID && wt != INT8OID && wt != FLOAT4OID &&
			wt != FLOAT8OID && wt != NUMERICOID)
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("weight column \"%s\" has type %s, which is not numeric",
							weight, format_type_be(wt)),
					 errhint("Use a column of a numeric type, or a view that computes one.")));
	}
	/* the worker reads foreign tables (partitions) through this role's user mappings */
	LpCheckUserMappings(relid);
}

/*
 * Copy a name into a NAMEDATALEN field.  Model names are checked here;
 * a longer column name cannot name a column, so it is kept whole enough
 * for the "does not exist" error that follows.
 */
static void
CopyName(char *dst, const char *src, const char *model_arg)
{
	if (model_arg)
		CheckModelName(src);
	strlcpy(dst, src, NAMEDATALEN);
}

/* If the model exists, the caller must have the privileges of its owner. */
static void
CheckModelOwner(const char *model)
{
	LpModelRow	row;
	bool		found;

	SPI_connect();
	found = LpReadModel(model, false, true, &row);
	SPI_finish();
	if (found && !has_privs_of_role(GetUserId(), row.owner))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("model \"%s\" belongs to role \"%s\"", model, GetUserNameFromId(row.owner, false)),
				 errhint("Train under another model name.")));
}

/* Start the worker and wait until it has committed the job row. */
static void
LaunchWorker(LpJobSpec *spec_template, const char *options)
{
	Size		size = offsetof(LpJobSpec, options) + strlen(options) + 1;
	dsm_segment *seg = dsm_create(size, 0);
	LpJobSpec  *spec = dsm_segment_address(seg);
	BackgroundWorker w;
	BackgroundWorkerHandle *handle;
	BgwHandleStatus status;
	pid_t		pid;

	memcpy(spec, spec_template, offsetof(LpJobSpec, options));
	spec->options_len = strlen(options);
	memcpy(spec->options, options, spec->options_len + 1);
	pg_atomic_init_u32(&spec->status, LP_JOB_PENDING);

	memset(&w, 0, sizeof(w));
	w.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	w.bgw_start_time = BgWorkerStart_RecoveryFinished;
	w.bgw_restart_time = BGW_NEVER_RESTART;
	snprintf(w.bgw_library_name, BGW_MAXLEN, "linkpred");
	snprintf(w.bgw_function_name, BGW_MAXLEN, "LinkpredWorkerMain");
	snprintf(w.bgw_name, BGW_MAXLEN, "linkpred training job " INT64_FORMAT, spec->job_id);
	snprintf(w.bgw_type, BGW_MAXLEN, LINKPRED_WORKER_TYPE);
	w.bgw_main_arg = UInt32GetDatum(dsm_segment_handle(seg));
	w.bgw_notify_pid = MyProcPid;

	if (!RegisterDynamicBackgroundWorker(&w, &handle))
		ereport(ERROR,
				(errcode(ERRCODE_CONFIGURATION_LIMIT_EXCEEDED),
				 errmsg("could not start a linkpred training worker"),
				 errdetail("All background worker slots are in use (max_worker_processes = %d).",
						   max_worker_processes),
				 errhint("Wait for running jobs to finish, or raise max_worker_processes and restart the server.")));

	/*
	 * A small job can be accepted, done and its worker gone before we look:
	 * BGWH_STOPPED is decided by the job status below, not here.
	 */
	status = WaitForBackgroundWorkerStartup(handle, &pid);
	if (status == BGWH_POSTMASTER_DIED || status == BGWH_NOT_YET_STARTED)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_RESOURCES),
				 errmsg("linkpred training worker did not start"),
				 errhint("See the server log.")));

	for (;;)
	{
		uint32		st = pg_atomic_read_u32(&spec->status);

		if (st == LP_JOB_ACCEPTED)
			break;
		if (st == LP_JOB_REJECTED)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("linkpred training worker refused the job: %s", spec->reject_message)));
		if (GetBackgroundWorkerPid(handle, &pid) == BGWH_STOPPED &&
			pg_atomic_read_u32(&spec->status) == LP_JOB_PENDING)
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_RESOURCES),
					 errmsg("linkpred training worker exited before accepting the job"),
					 errhint("See the server log.")));
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, 5,
						 PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
	}
	dsm_detach(seg);
}

int64
LpSubmitJob(LpJobSpec *spec, Jsonb *options)
{
	LpOptions	opts;
	char	   *options_text;

	CheckModelName(spec->model);
	if (get_rel_name(spec->relid) == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation with OID %u does not exist", spec->relid)));
	LpOptionsParse(options, &opts);
	CheckSource(spec->relid, spec->src_column, spec->dst_column,
				spec->weight_column[0] ? spec->weight_column : NULL, &opts);
	/* option "time_column" (with "tune"): the loader reads the edges' times */
	if (opts.time_column[0] && spec->holdout == LP_HOLDOUT_NONE)
		strlcpy(spec->time_column, opts.time_column, NAMEDATALEN);
	if (spec->time_column[0])
	{
		Oid			tt;

		LpCheckColumn(spec->relid, "time_column", spec->time_column, &tt);
		if (tt != TIMESTAMPTZOID && tt != TIMESTAMPOID && tt != DATEOID)
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("time column \"%s\" has type %s", spec->time_column, format_type_be(tt)),
					 errhint("Use a column of type timestamptz, timestamp or date.")));
	}
	if (opts.event_column[0])
	{
		Oid			et;

		LpCheckColumn(spec->relid, "event_column", opts.event_column, &et);
	}
	spec->user_edges_relid = opts.user_edges.relation[0] ? CheckUserEdges(&opts.user_edges) : InvalidOid;
	spec->item_features_relid = InvalidOid;
	spec->user_features_relid = InvalidOid;
	if (opts.item_features.relation[0])
	{
		Oid			dt;

		LpCheckColumn(spec->relid, "dst", spec->dst_column, &dt);
		spec->item_features_relid = CheckFeatures(&opts.item_features, "item_features", "item", dt);
	}
	if (opts.user_features.relation[0])
	{
		Oid			st;

		LpCheckColumn(spec->relid, "src", spec->src_column, &st);
		spec->user_features_relid = CheckFeatures(&opts.user_features, "user_features", "user", st);
	}
	CheckModelOwner(spec->model);

	options_text = options ? JsonbToCString(NULL, &options->root, VARSIZE(options)) : "{}";
	spec->job_id = LpJobNextId();
	spec->dboid = MyDatabaseId;
	spec->login_roleid = GetSessionUserId();
	spec->roleid = GetUserId();
	spec->submitted_at = GetCurrentTimestamp();
	spec->max_memory_kb = linkpred_max_memory_kb;
	spec->ann_min_items = linkpred_ann_min_items;
	spec->training_threads = linkpred_training_threads;
	spec->simd = linkpred_simd;
	LaunchWorker(spec, options_text);
	return spec->job_id;
}

Datum
linkpred_train(PG_FUNCTION_ARGS)
{
	bool		wait = PG_ARGISNULL(6) ? true : PG_GETARG_BOOL(6);
	LpJobSpec	spec;
	int64		job_id;

	LpRefuseWrites("linkpred_train");

	for (int i = 0; i < 4; i++)
		if (PG_ARGISNULL(i))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("argument \"%s\" of linkpred_train must not be NULL",
							(const char *[]) {"model", "edges", "src", "dst"}[i])));
	memset(&spec, 0, sizeof(spec));
	CopyName(spec.model, text_to_cstring(PG_GETARG_TEXT_PP(0)), "model");
	spec.relid = PG_GETARG_OID(1);
	CopyName(spec.src_column, text_to_cstring(PG_GETARG_TEXT_PP(2)), NULL);
	CopyName(spec.dst_column, text_to_cstring(PG_GETARG_TEXT_PP(3)), NULL);
	if (!PG_ARGISNULL(4))
	{
		CopyName(spec.weight_column, text_to_cstring(PG_GETARG_TEXT_PP(4)), NULL);
		/* an empty name would mean "no weight" below: say so instead */
		if (spec.weight_column[0] == '\0')
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_COLUMN),
					 errmsg("weight column name must not be empty"),
					 errhint("Pass weight => NULL to train without weights.")));
	}

	job_id = LpSubmitJob(&spec, PG_ARGISNULL(5) ? NULL : PG_GETARG_JSONB_P(5));
	if (wait)
		(void) LpWaitForJob(job_id, -1, true);
	PG_RETURN_INT64(job_id);
}

static void
ReportOutcome(const LpJobRow *row)
{
	if (strcmp(row->state, "failed") == 0)
	{
		int			code = ERRCODE_INTERNAL_ERROR;

		if (row->sqlstate && strlen(row->sqlstate) == 5)
			code = MAKE_SQLSTATE(row->sqlstate[0], row->sqlstate[1], row->sqlstate[2],
								 row->sqlstate[3], row->sqlstate[4]);
		ereport(ERROR,
				(errcode(code),
				 errmsg("%s", row->error ? row->error : "training failed"),
				 row->detail ? errdetail("%s", row->detail) : 0,
				 row->hint ? errhint("%s", row->hint) : 0,
				 errcontext("linkpred training job " INT64_FORMAT " for model \"%s\"",
							row->id, row->model)));
	}
	if (strcmp(row->state, "done") == 0)
	{
		/* what the loader skipped; repeated edges are normal in event data: counted in stats, no notice */
		const struct
		{
			int64		n;
			const char *one;
			const char *many;
			const char *detail;
			const char *hint;
		}			skipped[] = {
			{row->null_ids,
				"skipped " INT64_FORMAT " row with a NULL id",
				"skipped " INT64_FORMAT " rows with a NULL id", NULL, NULL},
			{row->self_loops,
				"skipped " INT64_FORMAT " self loop",
				"skipped " INT64_FORMAT " self loops",
				"A homogeneous graph's edge from a node to itself carries no signal.", NULL},
			{row->bad_weights,
				"skipped " INT64_FORMAT " row with a NULL, non-positive or non-finite weight",
				"skipped " INT64_FORMAT " rows with a NULL, non-positive or non-finite weight", NULL, NULL},
			{row->unknown_events,
				"skipped " INT64_FORMAT " row whose event has no weight",
				"skipped " INT64_FORMAT " rows whose event has no weight", NULL,
				"Give every event type a weight in option \"event_weights\", or filter the rows in a view."},
		};

		for (int i = 0; i < lengthof(skipped); i++)
			if (skipped[i].n > 0)
				ereport(NOTICE,
						(errmsg_plural(skipped[i].one, skipped[i].many, skipped[i].n, skipped[i].n),
						 skipped[i].detail ? errdetail("%s", skipped[i].detail) : 0,
						 skipped[i].hint ? errhint("%s", skipped[i].hint) : 0));
		if (row->links_skipped > 0)
			ereport(NOTICE,
					(errmsg("skipped " INT64_FORMAT " of " INT64_FORMAT " user_edges rows",
							row->links_skipped, row->link_rows),
					 errdetail("A link is used only when both ends are users with an edge to an item; NULL ends and self links are skipped too.")));
		if (row->attr_skipped > 0)
			ereport(NOTICE,
					(errmsg("skipped " INT64_FORMAT " of " INT64_FORMAT " item_features rows",
							row->attr_skipped, row->attr_rows),
					 errdetail("A row is skipped when its key or value is NULL, its key cannot be an item id, or its weight is NULL, not positive or not finite.")));
		if (row->user_attr_skipped > 0)
			ereport(NOTICE,
					(errmsg("skipped " INT64_FORMAT " of " INT64_FORMAT " user_features rows",
							row->user_attr_skipped, row->user_attr_rows),
					 errdetail("A row is skipped when its key or value is NULL, its key cannot be a user id, or its weight is NULL, not positive or not finite.")));
	}
}

/* the job's row, which must exist and be the caller's to see */
static void
ReadVisibleJob(int64 job_id, LpJobRow *row)
{
	if (!LpJobRead(job_id, row))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("linkpred job " INT64_FORMAT " does not exist", job_id),
				 errhint("See linkpred.jobs for the jobs you can see.")));
	LpJobCheckAccess(row);
}

/*
 * Poll the job row (latest committed state) until it is final, the worker
 * is gone, or the timeout passes.  Returns the state; raises the job's error.
 */
char *
LpWaitForJob(int64 job_id, int64 timeout_ms, bool cancel_on_interrupt)
{
	LpJobRow	row;
	TimestampTz start = GetCurrentTimestamp();
	long		nap = 2;
	volatile int32 live_pid = 0;

	memset(&row, 0, sizeof(row));
	PG_TRY();
	{
		for (;;)
		{
			ReadVisibleJob(job_id, &row);
			if (LpJobIsFinal(row.state))
				break;
			live_pid = row.live ? row.pid : 0;
			if (!row.live)
			{
				/* gone: read again, it may have committed its outcome just now */
				LpJobRead(job_id, &row);
				if (LpJobIsFinal(row.state))
					break;

				/*
				 * A standby sees the primary's worker as gone and cannot
				 * record the job's end: only a finished job can be waited
				 * for here.
				 */
				if (RecoveryInProgress())
					ereport(ERROR,
							(errcode(ERRCODE_READ_ONLY_SQL_TRANSACTION),
							 errmsg("cannot wait for linkpred job " INT64_FORMAT " on a standby server",
									job_id),
							 errdetail("The job is %s on the primary server.", row.state),
							 errhint("Run linkpred_wait() on the primary server, or poll linkpred.jobs here: replication brings the job's end.")));
				LpJobMarkOrphaned(job_id);
				LpJobRead(job_id, &row);
				break;
			}
			if (timeout_ms >= 0 &&
				TimestampDifferenceExceeds(start, GetCurrentTimestamp(),
										   (int) Min(timeout_ms, PG_INT32_MAX)))
				break;
			(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, nap,
							 PG_WAIT_EXTENSION);
			ResetLatch(MyLatch);
			CHECK_FOR_INTERRUPTS();
			nap = Min(nap * 2, 200);
		}
	}
	PG_CATCH();
	{
		/* linkpred_train(wait => true) was cancelled: cancel its job too */
		if (cancel_on_interrupt && live_pid > 0)
			(void) kill(live_pid, SIGINT);
		PG_RE_THROW();
	}
	PG_END_TRY();

	ReportOutcome(&row);
	return row.state;
}

Datum
linkpred_wait(PG_FUNCTION_ARGS)
{
	int64		job_id;
	int64		timeout_ms = -1;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("argument \"job\" of linkpred_wait must not be NULL")));
	job_id = PG_GETARG_INT64(0);
	if (!PG_ARGISNULL(1))
	{
		Interval   *iv = PG_GETARG_INTERVAL_P(1);

		timeout_ms = (int64) ((iv->time + (iv->day * (int64) USECS_PER_DAY) +
							   (iv->month * (int64) DAYS_PER_MONTH * USECS_PER_DAY)) / 1000);
		if (timeout_ms < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("timeout must not be negative")));
	}
	PG_RETURN_TEXT_P(cstring_to_text(LpWaitForJob(job_id, timeout_ms, false)));
}

Datum
linkpred_cancel(PG_FUNCTION_ARGS)
{
	int64		job_id = PG_GETARG_INT64(0);
	LpJobRow	row;

	LpRefuseWrites("linkpred_cancel");

	ReadVisibleJob(job_id, &row);
	if (LpJobIsFinal(row.state))
	{
		ereport(NOTICE,
				(errmsg("linkpred job " INT64_FORMAT " has already ended (%s)", job_id, row.state)));
		PG_RETURN_BOOL(false);
	}
	if (!row.live || row.pid <= 0)
	{
		LpJobMarkOrphaned(job_id);
		PG_RETURN_BOOL(false);
	}
	/* the row's pid and start time matched a live linkpred worker just now */
	if (kill(row.pid, SIGINT) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_SYSTEM_ERROR),
				 errmsg("could not signal the worker of linkpred job " INT64_FORMAT ": %m", job_id)));
	PG_RETURN_BOOL(true);
}
