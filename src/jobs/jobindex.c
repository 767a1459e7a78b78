/*
 * jobindex.c: the approximate top-k index of a training job's items
 * (kernels/ann.h), between the fit and the store (pipeline.c): the build,
 * then its default effort calibrated on the model's own users.
 *
 * The build sets the default effort for the worst case, items with no
 * structure (40% of the lists at 1M items); trained embeddings are
 * clustered, and far fewer lists find the same top 10.  A user never sets
 * linkpred.ann_probes, so the default must suit the model: the job takes a
 * fixed-seed sample of CALIBRATION_USERS users (uniform over the users with
 * at least one training item, as queries for known users arrive), their
 * exact top 10 as linkpred_topk returns it (training items and, in a
 * homogeneous graph, the node itself left out; a bilinear model's users
 * through its query step), and stores as the default the smallest effort
 * whose mean recall@10 over the sample is at least CALIBRATION_TARGET
 * (kernels/ann_calibrate.c; never above the build's default, never below
 * a floor).  What was measured goes into the version's metrics
 * ("ann_calibration").  If the calibration cannot run (no user has an
 * item, out of memory), the build's default stays and the metrics say why.
 *
 * Why 0.99 when the promise is 0.95: the sample's mean is good to about
 * 0.002 at 512 users (if per-user recall@10 spreads by 0.05, as a mean near
 * 0.99 allows), but the queries that arrive are not the sample: active
 * users ask more often, fresh users are folded in, calls exclude items or
 * ask for another k.  On a trained 1M-item model of communities
 * (bench/RESULTS-ann-calibrated.md) the default came to 69 of 4,004 lists:
 * 0.990 for other trained users, 0.968 for fresh ones, so the margin is
 * used; and it is cheap: from 0.97 to 0.995 cost 0.17 ms per search
 * (RESULTS-yardstick.md), well inside the 1 ms the default must meet.
 */
#include "postgres.h"

#include <math.h>

#include "miscadmin.h"
#include "pgstat.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "ann.h"
#include "decoder.h"
#include "jobindex.h"
#include "jobs.h"
#include "linkpred.h"
#include "model.h"
#include "rng.h"

#define CALIBRATION_USERS	512
#define CALIBRATION_TARGET	0.99
#define CALIBRATION_SEED	UINT64CONST(0x616e6e63616c6962)	/* "anncalib" */

/*
 * The index build asks this between its matrix products (ann.h): a cancel
 * or terminate stops it within a block instead of after the whole build
 * (minutes for tens of millions of items).  It only reads the flags the
 * signal handlers set; the error is raised once the build has returned.
 */
static bool
IndexBuildKeepGoing(void *arg)
{
	if (QueryCancelPending || ProcDiePending)
	{
		*(bool *) arg = true;
		return false;
	}
	return true;
}

/*
 * The sample: up to CALIBRATION_USERS users with at least one training
 * item, each as likely (selection sampling: one pass, ascending, a fixed
 * seed), with their query vectors, training items and, in a homogeneous
 * graph, themselves to leave out.  malloc'd into q (free with
 * FreeQueries); false when out of memory or no user has an item.
 */
static bool
SampleQueries(const LpJobRun *run, const LpGraph *g, const LpEmbeddings *emb, LpAnnQueries *q)
{
	const LpDecoderKind *dk = LpDecoderAt(run->opts.decoder);
	int32		eligible = 0,
				want,
				t = 0;
	int64		n_seen = 0;
	int32	   *users;
	float	   *U;
	float	   *Q;
	int64	   *start;
	int32	   *seen;
	int32	   *self;
	LpRng		rng;

	memset(q, 0, sizeof(*q));
	for (int32 u = 0; u < g->n_src; u++)
		eligible += g->offsets[u + 1] > g->offsets[u];
	want = Min(eligible, CALIBRATION_USERS);
	if (want == 0)
		return false;
	users = malloc(sizeof(int32) * want);
	if (users == NULL)
		return false;
	LpRngSeed(&rng, (uint64) run->opts.seed ^ CALIBRATION_SEED);
	for (int32 u = 0, left = eligible; u < g->n_src && t < want; u++)
	{
		if (g->offsets[u + 1] == g->offsets[u])
			continue;
		/* keep u with probability (still wanted) / (eligible users left) */
		if ((int32) LpRngBelow(&rng, (uint32) left) < want - t)
			users[t++] = u;
		left--;
	}
	for (t = 0; t < want; t++)
		n_seen += g->offsets[users[t] + 1] - g->offsets[users[t]];

	U = malloc(sizeof(float) * (Size) want * emb->dim);
	Q = dk->score.queries ? malloc(sizeof(float) * (Size) want * emb->dim) : U;
	start = malloc(sizeof(int64) * (want + 1));
	seen = malloc(sizeof(int32) * Max(n_seen, 1));
	self = malloc(sizeof(int32) * want);
	if (!U || !Q || !start || !seen || !self)
	{
		if (Q != U)
			free(Q);
		free(U);
		free(start);
		free(seen);
		free(self);
		free(users);
		return false;
	}
	start[0] = 0;
	for (t = 0; t < want; t++)
	{
		int32		u = users[t];
		int64		len = g->offsets[u + 1] - g->offsets[u];

		memcpy(U + (int64) t * emb->dim, emb->U + (int64) u * emb->dim, sizeof(float) * emb->dim);
		/* the CSR's lists are sorted, as the stored seen lists serving reads */
		memcpy(seen + start[t], g->targets + g->offsets[u], sizeof(int32) * len);
		start[t + 1] = start[t] + len;
		self[t] = g->homogeneous ? u : -1;
	}
	if (Q != U)
	{
		/* a bilinear model searches with R' U[u], as serving's copy of U holds */
		dk->score.queries(U, want, emb->dim, dk->store.weights(emb), Q);
		free(U);
	}
	free(users);
	q->n = want;
	q->Q = Q;
	q->seen_start = start;
	q->seen = seen;
	q->self = self;
	return true;
}

static void
FreeQueries(LpAnnQueries *q)
{
	free((void *) q->Q);
	free((void *) q->seen_start);
	free((void *) q->seen);
	free((void *) q->self);
}

/*
 * Calibrate blob's default effort on a sample of the users (above), with
 * BLAS on every core (the caller's setting); the record into
 * req->ann_calibration.  *stopped is set when a cancel stopped it.  On any
 * other failure the build's default stays, and the record says why.
 */
static void
CalibrateIndex(LpJobRun *run, const LpGraph *g, const LpEmbeddings *emb, LpAnnBlob *blob,
			   bool *stopped, LpStoreRequest *req)
{
	TimestampTz start = GetCurrentTimestamp();
	LpAnnCalibration cal = LpAnnDefaultCalibration();
	LpAnnQueries q;
	int			rc;

	if (!SampleQueries(run, g, emb, &q))
	{
		req->ann_calibration = psprintf("{\"skipped\": \"%s\"}",
										g->n_entries == 0 ? "no user has a training item" :
										"out of memory");
		return;
	}
	cal.target = CALIBRATION_TARGET;
	cal.keep_going = IndexBuildKeepGoing;
	cal.keep_going_arg = stopped;
	rc = LpAnnCalibrate(blob, emb->V, emb->bv, &q, &cal);
	FreeQueries(&q);
	if (rc == LP_ANN_CALIBRATE_STOPPED)
		*stopped = true;
	if (rc != LP_ANN_CALIBRATED)
	{
		req->ann_calibration = psprintf("{\"skipped\": \"%s\"}",
										*stopped ? "cancelled" : "out of memory");
		return;
	}
	req->ann_calibration =
		psprintf("{\"users\": %d, \"k\": %d, \"target\": %.2f, \"recall\": %.4f,"
				 " \"probes\": %d, \"probes_floor\": %d, \"probes_ceiling\": %d,"
				 " \"efforts_measured\": %d, \"seconds\": %.3f}",
				 q.n, cal.k, cal.target, cal.recall, cal.effort, cal.floor, cal.ceiling,
				 cal.searches, (double) (GetCurrentTimestamp() - start) / 1e6);
}

/*
 * Build the index over the final item embeddings into req (blob malloc'd:
 * the caller frees it after storing) and calibrate its default effort.
 * The k-means and the calibration's exact top 10 are sgemm, so OpenBLAS
 * gets every core for them, and is set back to one thread before anything
 * else runs in this process.  A blob a bytea cannot hold, or a build out of
 * memory, is not a failed job: the version is stored without an index
 * (top-k stays exact), with the reason in its metrics ("ann_skipped") and
 * in the server log (LOG: a worker's NOTICE reaches no client, and the
 * default log_min_messages drops it).
 */
void
LpBuildJobIndex(LpJobRun *run, const LpGraph *g, const LpEmbeddings *emb, LpStoreRequest *req)
{
	TimestampTz start = GetCurrentTimestamp();
	LpAnnParams params = LpAnnDefaultParams();
	bool		stopped = false;
	LpAnnBlob  *blob;
	Size		size;

	LpJobSetPhase(run->spec->job_id, "running", "building the top-k index");
	pgstat_report_activity(STATE_RUNNING,
						   psprintf("linkpred job " INT64_FORMAT ": building the top-k index of %d items",
									run->spec->job_id, g->n_dst));
	params.keep_going = IndexBuildKeepGoing;
	params.keep_going_arg = &stopped;
	LpSetBlasThreads(LpBlasCores());
	blob = LpAnnBuild(emb->V, emb->bv, g->n_dst, emb->dim, &params, (uint64) run->opts.seed, &size);
	if (blob != NULL && !stopped && size <= MaxAllocSize - VARHDRSZ)
	{
		LpJobSetPhase(run->spec->job_id, "running", "calibrating the top-k index");
		CalibrateIndex(run, g, emb, blob, &stopped, req);
	}
	LpSetBlasThreads(1);
	CHECK_FOR_INTERRUPTS();
	if (stopped)				/* the pending cancel was not raised above: still a cancel */
		ereport(ERROR,
				(errcode(ERRCODE_QUERY_CANCELED),
				 errmsg("canceling statement due to user request")));

	if (blob == NULL)
		req->ann_skipped = "out of memory while building the index";
	else if (size > MaxAllocSize - VARHDRSZ)
	{
		req->ann_skipped = psprintf("the index would take %zu MB, over the 1 GB a bytea holds",
									size >> 20);
		free(blob);
		blob = NULL;
	}
	if (blob == NULL)
	{
		ereport(LOG,
				(errmsg("linkpred job " INT64_FORMAT ": model \"%s\" is stored without a top-k index: %s",
						run->spec->job_id, run->spec->model, req->ann_skipped),
				 errdetail("linkpred_topk serves this version with exact top-k."),
				 errhint("Train with a smaller \"dim\", or raise linkpred.ann_min_items above %d items to skip the index.",
						 g->n_dst)));
		return;
	}
	req->ann = blob;
	req->ann_size = size;
	req->ann_lists = LpAnnListCount(blob);
	req->ann_probes = LpAnnDefaultEffort(blob);
	req->ann_build_seconds = (double) (GetCurrentTimestamp() - start) / 1e6;
}

