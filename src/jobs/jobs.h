/*
 * jobs.h: training jobs: the hand-off between linkpred_train (jobs.c) and
 * the training worker (worker.c), and the job rows (jobrows.c).
 *
 * The submitting backend validates everything it can, puts the job
 * description in a dynamic shared memory segment and starts a worker.  The
 * worker copies the description, inserts the job row in its own transaction
 * and flips "status" to accepted; only then does linkpred_train return.  So
 * the job row is committed and visible before the caller gets its id, even
 * though the caller's transaction has not committed.  (Consequence, and
 * documented: rolling back the calling transaction does not withdraw a job;
 * cancel it with linkpred_cancel.)
 */
#ifndef LINKPRED_JOBS_H
#define LINKPRED_JOBS_H

#include "postgres.h"

#include "port/atomics.h"
#include "utils/jsonb.h"
#include "utils/timestamp.h"

#define LP_HOLDOUT_NONE 0
#define LP_HOLDOUT_RANDOM 1
#define LP_HOLDOUT_PER_USER 2
#define LP_HOLDOUT_TIME 3

#define LP_JOB_PENDING 0
#define LP_JOB_ACCEPTED 1
#define LP_JOB_REJECTED 2

typedef struct LpJobSpec
{
	int64		job_id;
	Oid			dboid;
	Oid			login_roleid;	/* the session user: what the worker connects as */
	Oid			roleid;			/* the caller's current role: what it runs as */
	Oid			relid;
	char		model[NAMEDATALEN];
	char		src_column[NAMEDATALEN];
	char		dst_column[NAMEDATALEN];
	char		weight_column[NAMEDATALEN]; /* "" = unweighted */
	Oid			user_edges_relid;	/* option user_edges, resolved at submit; 0 = none */
	Oid			item_features_relid;	/* option item_features, likewise */
	Oid			user_features_relid;	/* option user_features, likewise */
	TimestampTz submitted_at;
	int			max_memory_kb;	/* the submitter's linkpred.max_memory; 0 = none */
	int			ann_min_items;	/* the submitter's linkpred.ann_min_items: build the
								 * top-k index from this many items; 0 = never */
	int			training_threads;	/* the submitter's linkpred.training_threads */
	int			simd;			/* the submitter's linkpred.simd (LpSimdSetting) */
	/* an evaluation job (linkpred_evaluate without a test relation) */
	int			holdout;		/* LP_HOLDOUT_NONE = a training job */
	double		fraction;
	int			leave_out;
	char		time_column[NAMEDATALEN];
	bool		has_cut;
	TimestampTz cut;
	int			nk;
	int			ks[16];
	int64		eval_seed;
	pg_atomic_uint32 status;	/* LP_JOB_* */
	char		reject_message[256];
	int32		options_len;
	char		options[FLEXIBLE_ARRAY_MEMBER]; /* user's jsonb as text, NUL-ended */
} LpJobSpec;

extern PGDLLEXPORT void LinkpredWorkerMain(Datum main_arg);

/*
 * jobs.c: validate the source and options, start a worker for the job
 * described by spec (model, relid, columns, holdout fields filled in by the
 * caller; ids, roles and times filled in here) and return its id once the
 * worker has accepted it.
 */
extern int64 LpSubmitJob(LpJobSpec *spec, Jsonb *options);

/* A job row as linkpred_wait and linkpred_cancel see it (jobrows.c) */
typedef struct LpJobRow
{
	int64		id;
	char	   *model;
	Oid			owner;
	char	   *state;
	bool		live;			/* worker process still running */
	int32		version;
	int64		null_ids;		/* from stats: what the loader skipped */
	int64		self_loops;
	int64		duplicates;
	int64		bad_weights;
	int64		unknown_events;
	int64		link_rows;		/* user_edges rows read, and skipped */
	int64		links_skipped;
	int64		attr_rows;		/* item_features rows read, and skipped */
	int64		attr_skipped;
	int64		user_attr_rows; /* user_features rows read, and skipped */
	int64		user_attr_skipped;
	char	   *result;			/* jsonb as text: an evaluation job's measurement */
	char	   *error;
	char	   *sqlstate;
	char	   *detail;
	char	   *hint;
	int32		pid;
} LpJobRow;

/* latest committed state of a job (not the caller's snapshot); false if none */
extern bool LpJobRead(int64 job_id, LpJobRow *row);
extern void LpJobCheckAccess(const LpJobRow *row);
extern void LpJobMarkOrphaned(int64 job_id);
extern bool LpJobIsFinal(const char *state);

/* a new job id from linkpred.job_id_seq (own SPI connection) */
extern int64 LpJobNextId(void);

/*
 * Whether a job of model is queued or running with its worker alive, and
 * which (caller connected to SPI, in the catalog context).
 */
extern bool LpJobLiveForModel(const char *model, int64 *job_id);

/*
 * The job is done and stored as version, in the caller's transaction
 * (caller connected to SPI, in the catalog context): the version's commit.
 */
extern void LpJobMarkStored(int64 job_id, int32 version);

/*
 * The training worker's writes, each one UPDATE (LpJobInsert: the INSERT,
 * state 'queued') in its own transaction, committed before it returns.
 */
extern void LpJobInsert(const LpJobSpec *spec);
extern void LpJobSetPhase(int64 job_id, const char *state, const char *phase);
/* the edges are loaded: their stats (jsonb text), the epochs planned, phase 'training' */
extern void LpJobSetLoaded(int64 job_id, const char *stats, int32 epochs);
/* fewer epochs planned (a warm start) */
extern void LpJobSetEpochs(int64 job_id, int32 epochs);
extern void LpJobSetProgress(int64 job_id, int32 epoch, double loss);
/* an evaluation job's end: 'done' with its result (jsonb text), no version */
extern void LpJobMarkEvaluated(int64 job_id, const char *result);
/* state 'failed' or 'cancelled' with the error; detail and hint may be NULL */
extern void LpJobMarkFailed(int64 job_id, const char *state, const char *message,
							const char *sqlstate, const char *detail, const char *hint);

#endif
