/*
 * worker.c: the training background worker's life cycle, one per job.
 *
 * linkpred_train (jobs.c) starts a dynamic worker with the job description
 * in a DSM segment.  The worker:
 *
 *   1. copies the description, connects to the database as the session user
 *      of the submitter and becomes the submitter's current role, so every
 *      read of user data is checked against that role (privileges, RLS);
 *   2. inserts the job row ('queued') in its own transaction and tells the
 *      submitter it has accepted the job;
 *   3. runs the job's training pipeline (pipeline.c: the model's lock, load,
 *      fit, head, evaluate, index, store);
 *   4. records how it ended, if it failed, and exits.
 *
 * Signals.  SIGINT (linkpred_cancel, pg_cancel_backend) raises "canceling
 * statement" at the next CHECK_FOR_INTERRUPTS: the job ends 'cancelled'.
 * SIGTERM (pg_terminate_backend, shutdown) is turned into the same error so
 * that the outcome can still be recorded, and the job ends 'failed'.  Every
 * ERROR is caught here, recorded in a fresh transaction, and the worker
 * exits with status 0, so the postmaster never restarts the cluster over a
 * failed job.  A worker killed outright leaves its row 'running'; the jobs
 * view and linkpred_wait see that the process is gone and report 'failed'.
 */
#include "postgres.h"

#include <signal.h>

#include "access/xact.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "storage/dsm.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "tcop/tcopprot.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/timestamp.h"

#include "jobs.h"
#include "linkpred.h"
#include "options.h"
#include "pipeline.h"

static volatile sig_atomic_t got_sigterm = false;

static void
WorkerSigterm(SIGNAL_ARGS)
{
	int			save_errno = errno;

	got_sigterm = true;
	InterruptPending = true;
	QueryCancelPending = true;
	SetLatch(MyLatch);
	errno = save_errno;
}

static void
RecordFailure(int64 job_id, ErrorData *edata)
{
	const char *state;
	const char *message = edata->message ? edata->message : "unknown error";

	if (got_sigterm)
	{
		state = "failed";
		message = "training worker was terminated (pg_terminate_backend or server shutdown)";
	}
	else if (edata->sqlerrcode == ERRCODE_QUERY_CANCELED)
	{
		state = "cancelled";
		message = "cancelled by request";
	}
	else
		state = "failed";

	/* a terminated worker's error is the shutdown, not what it interrupted */
	LpJobMarkFailed(job_id, state, message,
					unpack_sql_state(got_sigterm ? ERRCODE_ADMIN_SHUTDOWN : edata->sqlerrcode),
					got_sigterm ? NULL : edata->detail,
					got_sigterm ? NULL : edata->hint);
}

void
LinkpredWorkerMain(Datum main_arg)
{
	dsm_segment *seg;
	LpJobSpec  *shared;
	LpJobRun	run;
	Size		size;

	pqsignal(SIGTERM, WorkerSigterm);
	BackgroundWorkerUnblockSignals();

	CurrentResourceOwner = ResourceOwnerCreate(NULL, "linkpred worker");
	seg = dsm_attach(DatumGetUInt32(main_arg));
	if (seg == NULL)
		proc_exit(0);			/* the submitter gave up before we started */
	shared = (LpJobSpec *) dsm_segment_address(seg);

	memset(&run, 0, sizeof(run));
	run.cxt = AllocSetContextCreate(TopMemoryContext, "linkpred job", ALLOCSET_DEFAULT_SIZES);
	size = offsetof(LpJobSpec, options) + shared->options_len + 1;
	run.spec = MemoryContextAlloc(run.cxt, size);
	memcpy(run.spec, shared, size);

	BackgroundWorkerInitializeConnectionByOid(run.spec->dboid, run.spec->login_roleid, 0);
	pgstat_report_appname("linkpred");

	PG_TRY();
	{
		Jsonb	   *opts;

		StartTransactionCommand();
		if (run.spec->roleid != run.spec->login_roleid)
			SetCurrentRoleId(run.spec->roleid, superuser_arg(run.spec->roleid));
		opts = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(run.spec->options)));
		MemoryContextSwitchTo(run.cxt);
		LpOptionsParse(opts, &run.opts);
		CommitTransactionCommand();
		if (run.opts.seed < 0)
			run.opts.seed = (int64) ((uint64) GetCurrentTimestamp() ^ ((uint64) MyProcPid << 32)) &
				INT64CONST(0x1fffffffffffff);
		LpJobInsert(run.spec);
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(run.cxt);
		edata = CopyErrorData();
		FlushErrorState();
		AbortCurrentTransaction();
		strlcpy(shared->reject_message, edata->message ? edata->message : "unknown error",
				sizeof(shared->reject_message));
		pg_atomic_write_u32(&shared->status, LP_JOB_REJECTED);
		dsm_detach(seg);
		proc_exit(0);
	}
	PG_END_TRY();

	pg_atomic_write_u32(&shared->status, LP_JOB_ACCEPTED);
	dsm_detach(seg);

	PG_TRY();
	{
		LpRunPipeline(&run);
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		HOLD_INTERRUPTS();
		MemoryContextSwitchTo(run.cxt);
		edata = CopyErrorData();
		FlushErrorState();
		AbortCurrentTransaction();

		/*
		 * A connection failure is a foreign table's server (a shard) down or
		 * unreachable: the wrapper says what failed, not what to do.
		 */
		if (edata->hint == NULL &&
			ERRCODE_TO_CATEGORY(edata->sqlerrcode) == ERRCODE_CONNECTION_EXCEPTION)
			edata->hint = pstrdup("Start the foreign server the source reads from (or fix its options), then train again; the model's active version serves meanwhile.");
		if (edata->sqlerrcode != ERRCODE_QUERY_CANCELED)
		{
			edata->elevel = LOG;
			ThrowErrorData(edata);
		}
		RecordFailure(run.spec->job_id, edata);
		RESUME_INTERRUPTS();
	}
	PG_END_TRY();

	proc_exit(0);
}
