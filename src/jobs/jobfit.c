/*
 * jobfit.c: one fit of a job's model, and its measurement on a split: the
 * two pieces the pipeline (pipeline.c: the model it stores, or a holdout's
 * figures) and tuning (tune.c: every trial) both run.  Below both: it
 * knows neither the phases around a fit nor the trials.
 *
 * A fit reports its progress to the job row (at most once a second, and
 * at each epoch's end) and to pg_stat_activity, and checks interrupts
 * every chunk of work.
 */
#include "postgres.h"

#include <math.h>

#include "miscadmin.h"
#include "pgstat.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "fit.h"
#include "headfit.h"
#include "jobfit.h"
#include "jobs.h"
#include "linkpred.h"
#include "scoring.h"

/* Progress: interrupts every chunk, a job-row update at most once a second. */
static bool
Progress(void *arg, int epoch, double frac, double loss, bool epoch_end)
{
	LpJobRun   *run = (LpJobRun *) arg;
	TimestampTz now = GetCurrentTimestamp();

	CHECK_FOR_INTERRUPTS();
	if (epoch_end || TimestampDifferenceExceeds(run->last_report, now, 1000))
	{
		char		activity[128];

		LpJobSetProgress(run->spec->job_id, epoch_end ? epoch : epoch - 1, loss);
		snprintf(activity, sizeof(activity), "linkpred job " INT64_FORMAT ": epoch %d/%d (%.0f%%)",
				 run->spec->job_id, epoch, run->epochs, frac * 100);
		pgstat_report_activity(STATE_RUNNING, activity);
		run->last_report = now;
	}
	return true;
}

static void
EvalProgress(void *arg, int64 done, int64 total)
{
	CHECK_FOR_INTERRUPTS();
}

/*
 * Measure emb (and head) on split's held-out pairs, ranking every item each
 * test user did not have in g, split's training graph: the holdout's
 * measurement, and tuning's on its validation part.  A node the split left
 * without a training edge is not in g (LpSplitDropUnseen): its test pairs
 * carry -1 there and are scored as a node with no history, as
 * linkpred_evaluate(test => ...) scores a node the model does not know.
 */
void
LpMeasureSplit(const LpGraph *g, const LpSplit *split, const LpEmbeddings *emb,
			   const LpTrainConfig *cfg, const LpHead *head, int nk, const int *ks,
			   uint64 seed, LpEvalResult *r)
{
	/* g's nodes; its entries, what each test user had; the items' degrees */
	LpEvalTrainView view = {
		.n_users = g->n_src, .n_items = g->n_dst, .homogeneous = g->homogeneous,
		.seen_start = g->offsets, .seen_len = g->src_degree, .seen = g->targets,
		.ideg = g->dst_degree,
	};
	LpEvalPairs pairs = {
		.n = split->n_test,
		.u = split->test_u,
		.v = split->test_v,
		.label = NULL,
		.unknown_users = split->unknown_users,
	};
	LpEvalEmbedding ee;
	LpEvalScorer sc;
	LpEvalScratch s;
	int			bs = LpEvalBlockSize(g->n_dst);

	LpEmbeddingsEval(emb, cfg, g->n_src, g->n_dst, bs, &ee);
	LpEvalEmbeddingScorer(&ee, bs, &sc);
	if (head || cfg->item_term)
	{
		LpHeurGraph *hg = palloc(sizeof(LpHeurGraph));

		LpBuildHeurGraph(g, hg);
		LpEvalWithDecoder(&sc, cfg, head, hg, LpHeadScratchAlloc(Max(g->n_src, g->n_dst)));
	}

	LpEvalScratchAlloc(pairs.n, g->n_src, g->n_dst, bs, nk, ks, false, &s);
	LpEvaluate(&view, &sc, &pairs, nk, ks, seed, &s, EvalProgress, NULL, r);
}

/*
 * Fit the model of opts (cfg is its configuration, epochs set) on g into
 * emb, allocated by the caller: the negative sampler, the structural head
 * first if plan_head, then the embeddings.  Work space goes into the
 * current memory context.  phase is what the job row shows while the
 * embeddings train.
 */
LpTrainResult
LpFitJobModel(LpJobRun *run, const LpGraph *g, const LpOptions *opts, LpTrainConfig *cfg,
			  bool plan_head, const char *phase, LpEmbeddings *emb, LpHead *head,
			  bool *has_head, double *final_loss)
{
	MemoryContext cxt = CurrentMemoryContext;
	LpSamplerState sampler;
	LpTrainResult result = LP_TRAIN_OK;
	LpEntry	   *order;
	int32	   *entry_src;

	if (opts->sampler == LP_SAMPLER_DEGREE)
	{
		double	   *w = MemoryContextAllocHuge(cxt, sizeof(double) * g->n_dst);

		for (int32 i = 0; i < g->n_dst; i++)
			w[i] = pow((double) g->dst_degree[i], opts->degree_alpha);
		LpSamplerInitAlias(&sampler, g->n_dst, w,
						   MemoryContextAllocHuge(cxt, sizeof(float) * g->n_dst),
						   MemoryContextAllocHuge(cxt, sizeof(int32) * g->n_dst),
						   MemoryContextAllocHuge(cxt, sizeof(int32) * g->n_dst));
	}
	else
		LpSamplerInitUniform(&sampler, g->n_dst);

	/* the trainers shuffle 32-bit entry indices (rng.h) */
	if (g->n_entries > LP_ENTRY_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("training graph has " INT64_FORMAT " entries, more than linkpred can train on (" INT64_FORMAT ")",
						g->n_entries, LP_ENTRY_MAX),
				 errdetail("Edges are indexed with 32 bits while training; an undirected graph counts each edge twice."),
				 errhint("Train on a sample of the edges, or split the graph into several models.")));
	order = MemoryContextAllocHuge(cxt, sizeof(LpEntry) * g->n_entries);
	entry_src = MemoryContextAllocHuge(cxt, sizeof(int32) * g->n_entries);
	/* read and written at random (each epoch's shuffle; a shuffled edge's source): huge pages */
	LpAdviseHugePages(order, sizeof(LpEntry) * g->n_entries);
	LpAdviseHugePages(entry_src, sizeof(int32) * g->n_entries);
	cfg->mean_degree = (float) g->n_entries / Max(g->n_src, 1);

	*has_head = false;
	if (plan_head)
	{
		MemoryContext fit = AllocSetContextCreate(cxt, "linkpred head fit",
												  ALLOCSET_DEFAULT_SIZES);

		LpJobSetPhase(run->spec->job_id, "running", "fitting the structural decoder");
		MemoryContextSwitchTo(fit);
		result = LpFitHead(g, cfg, &sampler, order, entry_src, Progress, run, head);
		MemoryContextSwitchTo(cxt);
		MemoryContextDelete(fit);
		*has_head = (result == LP_TRAIN_OK);
		LpJobSetPhase(run->spec->job_id, "running", phase);
	}
	if (result == LP_TRAIN_OK)
		result = LpFitEmbeddings(g, cfg, &sampler, emb, order, entry_src, Progress, run,
								 final_loss);

	/*
	 * The shuffled order and the entries' sources are 8 bytes an edge that
	 * nothing after the fit reads: give them back before the store phase,
	 * whose peak would otherwise sit on top of them.
	 */
	pfree(order);
	pfree(entry_src);
	return result;
}
