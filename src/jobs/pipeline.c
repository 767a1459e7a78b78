/*
 * pipeline.c: the training pipeline of one job, run by its worker
 * (worker.c, which owns the life cycle around it) as the submitter's role.
 *
 * Phases, each shown in the job row (jobrows.c) as it starts:
 *
 *   1. a session advisory lock on the model name, so two jobs for one
 *      model run one after the other, never as two writers (the job stays
 *      'queued' until it is granted);
 *   2. load: the edges in one transaction, through a cursor (loader.c),
 *      and for an evaluation job the holdout split;
 *   3. fit: with option "tune", first a search of the encoder's options on
 *      a validation part of the training edges (tune.c), and without it,
 *      where the user named no encoder, the choice between the default
 *      and the spectral encoder on such a part; the memory budget
 *      checked against the graph now known, a warm
 *      start from the serving version where it is compatible, the
 *      structural head (headfit.c) and the embeddings (train.c), with no
 *      transaction or snapshot held, committing progress to the job row in
 *      short transactions (the fit itself is jobfit.c's, which tuning's
 *      trials run too);
 *   4. an evaluation job ends here: the model is measured on the held-out
 *      edges and the result goes into the job row; no version is stored;
 *   5. for a large catalog, the approximate top-k index of the items
 *      (ann.h) and its default effort calibrated on the model's users
 *      (jobindex.c), still outside any transaction;
 *   6. store: the new version, its activation and the job's 'done', all in
 *      one transaction (store.c): readers switch from the old version to
 *      the new one at that commit, and a failure before it leaves the old
 *      one serving.
 *
 * Any error goes up to the worker, which records it as the job's outcome.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "cache.h"
#include "metrics.h"
#include "graph.h"
#include "fit.h"
#include "jobindex.h"
#include "jobs.h"
#include "decoder.h"
#include "linkpred.h"
#include "memory.h"
#include "model.h"
#include "options.h"
#include "pipeline.h"
#include "shared_cache.h"
#include "store.h"
#include "train.h"
#include "tune.h"

/* advisory lock class for "one writer per model" */
#define LP_LOCK_CLASS 0x6c70

/*
 * This process's peak resident memory in MB (VmHWM), the figure the
 * benchmarks report; -1 where /proc is not there.
 */
static double
PeakRssMb(void)
{
	FILE	   *f = fopen("/proc/self/status", "r");
	char		line[256];
	double		kb = -1024;

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, "VmHWM:", 6) == 0)
			kb = strtod(line + 6, NULL);
	fclose(f);
	return kb / 1024.0;
}

/*
 * An evaluation job's end: measure the model on the held-out edges and
 * record the result in the job row.  No version is stored.
 */
static void
FinishEvaluation(LpJobRun *run, const LpGraph *g, const LpSplit *split, const LpEmbeddings *emb,
				 const LpTrainConfig *cfg, const LpHead *head)
{
	static const char *const modes[] = {"none", "random", "per_user", "time"};
	LpJobSpec  *spec = run->spec;
	LpEvalResult r;
	char	   *json;
	MemoryContext old;

	LpJobSetPhase(spec->job_id, "running", "evaluating");
	old = MemoryContextSwitchTo(run->cxt);
	LpMeasureSplit(g, split, emb, cfg, head, spec->nk, spec->ks, (uint64) spec->eval_seed, &r);

	json = LpEvalResultJson(&r, psprintf("holdout:%s", modes[spec->holdout]), "model",
							psprintf(", \"holdout\": \"%s\", \"fraction\": %g, \"leave_out\": %d,"
									 " \"train_edges\": " INT64_FORMAT ", \"test_edges\": " INT64_FORMAT
									 ", \"unseen_users\": %d, \"unseen_items\": %d"
									 "%s%s%s, \"train_seconds\": %.3f, \"peak_rss_mb\": %.1f, \"training_threads\": %d, \"simd\": \"%s\"",
									 modes[spec->holdout], spec->fraction, spec->leave_out,
									 g->n_edges, split->n_test, split->unseen_users, split->unseen_items,
									 spec->holdout == LP_HOLDOUT_TIME ? ", \"cut\": \"" : "",
									 spec->holdout == LP_HOLDOUT_TIME ? timestamptz_to_str(split->cut) : "",
									 spec->holdout == LP_HOLDOUT_TIME ? "\"" : "",
									 (double) (GetCurrentTimestamp() - run->train_start) / 1e6,
									 PeakRssMb(), run->threads, LpSimdName(run->simd)));
	MemoryContextSwitchTo(old);

	LpJobMarkEvaluated(spec->job_id, json);
}

/* WarmStart's target and count while the stored rows come in */
typedef struct WarmCopy
{
	const LpLoadedGraph *lg;
	LpEmbeddings *emb;
	int32		copied;
} WarmCopy;

/* one stored row into the new embeddings, if its node is still in the graph */
static void
WarmStartRow(void *arg, const LpStoredRow *row)
{
	WarmCopy   *wc = arg;
	LpEmbeddings *emb = wc->emb;
	bool		user_side = (row->side != 'i');
	const LpKeyMap *keys = user_side ? wc->lg->src_keys : wc->lg->dst_keys;
	int32		idx;

	if (row->vec_len != emb->dim)
		return;
	if (keys->kind == LP_KEY_INT)
		idx = LpKeyMapFind(keys, strtoll(row->key, NULL, 10), NULL, 0);
	else
		idx = LpKeyMapFind(keys, 0, row->key, strlen(row->key));
	if (idx < 0)
		return;					/* a node gone from the graph */
	memcpy((user_side ? emb->U : emb->V) + (int64) idx * emb->dim, row->vec,
		   sizeof(float) * emb->dim);
	(user_side ? emb->bu : emb->bv)[idx] = row->bias;
	wc->copied++;
}

/*
 * Warm start: copy the active version's embedding of every node that is
 * still in the graph (matched by key), when that version is compatible
 * (same dimension, graph kind and key types).  Returns how many nodes were
 * copied; 0 means a cold start.
 */
static int32
WarmStart(LpJobRun *run, const LpLoadedGraph *lg, LpEmbeddings *emb)
{
	LpCatalogContext cc;
	WarmCopy	wc;
	int32		version;

	/* both reads run as the extension owner: one catalog context around them */
	LpBeginTx("linkpred: warm start");
	LpCatalogEnter(&cc);
	version = LpWarmStartVersion(run->spec->model, run->opts.dim, run->opts.bipartite,
								 run->opts.directed, lg->src_type, lg->dst_type);
	if (version == 0)
	{
		LpCatalogLeave(&cc);
		LpEndTx();
		return 0;
	}
	wc.lg = lg;
	wc.emb = emb;
	wc.copied = 0;
	LpStoreReadEmbeddings(run->spec->model, version, false, WarmStartRow, &wc);
	LpCatalogLeave(&cc);
	LpEndTx();
	run->warm_version = version;
	return wc.copied;
}

/* the estimate (memory.c) of training opts with cfg on g, now that the graph is known */
static void
EstimateTraining(const LpJobRun *run, const LpLoadedGraph *loaded, const LpGraph *g,
				 const LpOptions *opts, const LpTrainConfig *cfg, bool head, bool index,
				 double scan_shared, LpMemoryEstimate *est)
{
	LpMemoryInput in = {
		.loaded = loaded, .g = g, .opts = opts, .cfg = cfg, .head = head,
		.index = index, .holdout = run->spec->holdout != LP_HOLDOUT_NONE,
		.scan_shared = scan_shared,
	};

	LpEstimateMemory(&in, est);
}

/*
 * The job's memory: refuse before the long part starts if it is over
 * linkpred.max_memory.  Returns the estimate in bytes, which the version's
 * metrics record ("memory_estimate_mb") beside the measured peak.
 */
static double
CheckTrainingMemory(LpJobRun *run, const LpLoadedGraph *loaded, const LpGraph *g,
					const LpTrainConfig *cfg, bool head, bool index, double scan_shared)
{
	LpMemoryEstimate est;

	EstimateTraining(run, loaded, g, &run->opts, cfg, head, index, scan_shared, &est);
	LpCheckMemory(&est, run->spec->max_memory_kb, g->n_src + (g->tied ? 0 : g->n_dst),
				  run->opts.dim);
	return est.total;
}

/*
 * Whether the model "tune"'s other encoder (LpTuneAlternative) would train
 * on g stays within linkpred.max_memory, by the estimate the job's own
 * model is checked against: the search never crowns a model the job would
 * then refuse to train.
 */
static bool
AlternativeFits(const LpJobRun *run, const LpLoadedGraph *loaded, const LpGraph *g,
				const LpOptions *alt, double scan_shared)
{
	LpTrainConfig acfg;
	LpMemoryEstimate est;

	LpOptionsToTrainConfig(alt, &acfg);
	acfg.dim = LpOptionsDimOn(alt, g->n_src, g->n_dst);
	EstimateTraining(run, loaded, g, alt, &acfg, LpOptionsStructural(alt, g->n_edges), false,
					 scan_shared, &est);
	return LpMemoryWithin(&est, run->spec->max_memory_kb);
}

/*
 * Whether this job builds the approximate top-k index: a training (a
 * holdout stores nothing) of a model with at least the submitter's
 * linkpred.ann_min_items items, no structural head and an encoder whose
 * scores an inner product ranks (LP_ENC_ANN_INDEX: not the
 * spectral encoder's item-item term).  Both re-score every candidate with graph
 * features (paths, degrees) that an inner-product index cannot rank by, so
 * such a model's top-k stays exact; so does the MLP decoder's, whose
 * score is no inner product at all.
 */
static bool
WantsIndex(const LpJobRun *run, const LpGraph *g, bool has_head)
{
	return run->spec->holdout == LP_HOLDOUT_NONE && run->spec->ann_min_items > 0 &&
		g->n_dst >= run->spec->ann_min_items && !has_head &&
		LpEncoderPermits(LpOptionsEncoder(&run->opts), LP_ENC_ANN_INDEX) &&
		LpDecoderIs(LpDecoderAt(run->opts.decoder), LP_DEC_ANN_INDEX);
}

/* what ReleaseStoredRows may release: the job's model and graph */
typedef struct StoredArrays
{
	LpEmbeddings *emb;
	LpGraph    *g;
} StoredArrays;

/*
 * The store's rows_written (store.h): nothing after the store reads the
 * model or the graph, so a side's vectors and the users' seen lists go as
 * their rows are written, page by page (LpReleasePages) while the side is
 * being written, then freed after its last batch.  The storing phase's peak
 * then holds the rows written (pages of shared buffers) and what is left to
 * write, not both the rows and all their source arrays.  A user table that
 * is the item table too (one-table decoders, not tied) stays for the items'
 * rows.
 */
static void
ReleaseStoredRows(void *arg, char side, int32 first, int32 end)
{
	StoredArrays *sa = arg;
	LpEmbeddings *emb = sa->emb;
	LpGraph    *g = sa->g;
	bool		users = (side != 'i');
	bool		vectors = !(side == 'u' && emb->U == emb->V);
	float	   *M = users ? emb->U : emb->V;
	int32		n = users ? g->n_src : g->n_dst;

	if (users)
		LpReleasePages(g->targets, 0, sizeof(int32) * g->offsets[end]);
	if (vectors)
		LpReleasePages(M, 0, sizeof(float) * (Size) end * emb->dim);
	if (end < n)
		return;

	/* the side's last batch: a tied graph's one table, or one side's */
	if (vectors)
	{
		pfree(M);
		pfree(users ? emb->bu : emb->bv);
		if (M == emb->U)
		{
			emb->U = NULL;
			emb->bu = NULL;
		}
		if (M == emb->V)
		{
			emb->V = NULL;
			emb->bv = NULL;
		}
	}
	if (users)
	{
		pfree(g->targets);
		pfree(g->offsets);
		g->targets = NULL;
		g->offsets = NULL;
		if (g->weights)
			pfree(g->weights);
		if (g->times)
			pfree(g->times);
		g->weights = NULL;
		g->times = NULL;
	}
}

/*
 * linkpred.publish_on_store: the version just stored, loaded into the
 * shared cache in a transaction of its own (cache.c), so that no backend's
 * first call pays for reading it.  The job is done already: a failure here
 * (no room is not one) is logged and leaves the version to be loaded by
 * the first call, as without the setting.  A call that comes meanwhile
 * waits for this copy rather than loading its own (shared_cache_load.c).
 */
static void
PublishStored(LpJobRun *run)
{
	MemoryContext cxt = CurrentMemoryContext;
	TimestampTz start = GetCurrentTimestamp();

	LpBeginTx("linkpred: publishing the stored version");
	PG_TRY();
	{
		bool		shared = LpCachePublishStored(run->spec->model);

		LpEndTx();
		elog(DEBUG1, "linkpred: model \"%s\" %s the shared cache in %.3f s", run->spec->model,
			 shared ? "published to" : "not published to",
			 (double) (GetCurrentTimestamp() - start) / 1e6);
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		FlushErrorState();
		AbortCurrentTransaction();
		ereport(WARNING,
				(errcode(edata->sqlerrcode),
				 errmsg("linkpred: model \"%s\" was stored but not published to the shared cache: %s",
						run->spec->model, edata->message),
				 errhint("Its first call loads it instead.")));
		FreeErrorData(edata);
	}
	PG_END_TRY();
	pgstat_report_activity(STATE_IDLE, NULL);
}

/*
 * One side's attributes (users: option user_features, f), when the job has
 * them (relid valid); the stored options then name the relation read,
 * schema-qualified, whatever the search_path later.
 */
static void
LoadFeatures(bool users, Oid relid, LpItemFeatures *f, LpLoadedGraph *loaded)
{
	if (!OidIsValid(relid))
		return;
	LpLoadAttributes(users, relid, f->key, f->attribute, f->weight[0] ? f->weight : NULL,
					 f->n_columns, (const char (*)[NAMEDATALEN]) f->columns, loaded);
	strlcpy(f->relation, LpQualifiedRelName(relid), sizeof(f->relation));
}

void
LpRunPipeline(LpJobRun *run)
{
	LpJobSpec  *spec = run->spec;
	LpEdgeSource source;
	LpLoadedGraph loaded;
	LpGraph    *g;
	LpSplit		split;
	LpEmbeddings emb;
	LpTrainConfig cfg;
	LpTrainResult result;
	LpStoreRequest req;
	StoredArrays stored;
	LpHead		head;
	bool		has_head = false;
	bool		plan_head;
	double		final_loss;
	double		memory_estimate;
	double		load_seconds;
	double		scan_shared;	/* shared buffers the scan of the edges maps in */
	TimestampTz phase_start;
	char	   *tuning = NULL;
	MemoryContext old;

	/* one writer per model: later jobs wait here, state 'queued' */
	{
		Oid			types[1] = {TEXTOID};
		Datum		values[1];
		char	   *sql = psprintf("SELECT pg_catalog.pg_advisory_lock(%d, pg_catalog.hashtext($1))",
								   LP_LOCK_CLASS);

		values[0] = CStringGetTextDatum(spec->model);
		LpBeginTx("linkpred: waiting for other jobs of this model");
		LpSpiExec(sql, 1, types, values, NULL, false);
		LpEndTx();
	}

	LpJobSetPhase(run->spec->job_id, "running", "loading edges");
	phase_start = GetCurrentTimestamp();
	source.relid = spec->relid;
	source.src_column = spec->src_column;
	source.dst_column = spec->dst_column;
	source.weight_column = spec->weight_column[0] ? spec->weight_column : NULL;
	source.homogeneous = !run->opts.bipartite;
	source.directed = run->opts.directed;
	source.time_column = spec->time_column[0] ? spec->time_column : NULL;
	source.event_column = run->opts.event_column[0] ? run->opts.event_column : NULL;
	source.events = &run->opts.event_weights;
	source.budget = (Size) spec->max_memory_kb * 1024;
	source.reserved = (Size) LP_WORKER_FIXED_BYTES;

	LpBeginTx("linkpred: loading edges");
	old = MemoryContextSwitchTo(run->cxt);
	LpLoadGraph(&source, &loaded);
	scan_shared = LpScanSharedBytes(spec->relid);
	if (OidIsValid(spec->user_edges_relid))
	{
		LpUserEdges *ue = &run->opts.user_edges;

		LpLoadUserLinks(spec->user_edges_relid, ue->src, ue->dst, &loaded);
		/* stored options name the relation read, whatever the search_path later */
		strlcpy(ue->relation, LpQualifiedRelName(spec->user_edges_relid), sizeof(ue->relation));
	}
	/* the items' attributes first (their values keep their numbers), the users' after the links */
	LoadFeatures(false, spec->item_features_relid, &run->opts.item_features, &loaded);
	LoadFeatures(true, spec->user_features_relid, &run->opts.user_features, &loaded);
	MemoryContextSwitchTo(old);
	LpEndTx();
	g = &loaded.graph;
	LpLogMemory(spec->job_id, "loading");
	/* loading: reading the relations and building the graph (metrics "load_seconds") */
	load_seconds = (double) (GetCurrentTimestamp() - phase_start) / 1e6;

	/* an evaluation job trains on what the holdout leaves */
	if (spec->holdout != LP_HOLDOUT_NONE)
	{
		old = MemoryContextSwitchTo(run->cxt);
		LpSplitGraph(g, spec->holdout, spec->fraction, spec->leave_out, spec->has_cut,
					 spec->cut, (uint64) spec->eval_seed, &split);
		MemoryContextSwitchTo(old);
		if (split.n_test == 0 || split.train.n_entries == 0)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("the holdout left " INT64_FORMAT " test edges and " INT64_FORMAT " training entries",
							split.n_test, split.train.n_entries),
					 errhint("Choose a fraction (or cut) that leaves edges on both sides.")));
		/* train on what a relation of the training edges would load */
		old = MemoryContextSwitchTo(run->cxt);
		LpSplitDropUnseen(&split);
		MemoryContextSwitchTo(old);
		g = &split.train;
	}

	{
		char	   *stats = psprintf("{\"rows\": " INT64_FORMAT ", \"null_ids\": " INT64_FORMAT
									 ", \"self_loops\": " INT64_FORMAT ", \"duplicates\": " INT64_FORMAT
									 ", \"bad_weights\": " INT64_FORMAT ", \"unknown_events\": " INT64_FORMAT
									 ", \"edges\": " INT64_FORMAT ", \"users\": %d, \"items\": %d"
									 ", \"link_rows\": " INT64_FORMAT ", \"links\": " INT64_FORMAT
									 ", \"links_skipped\": " INT64_FORMAT
									 ", \"attribute_rows\": " INT64_FORMAT ", \"attribute_rows_skipped\": " INT64_FORMAT
									 ", \"attributes\": " INT64_FORMAT ", \"cold_items\": " INT64_FORMAT
									 ", \"attribute_nulls\": " INT64_FORMAT
									 ", \"user_attribute_rows\": " INT64_FORMAT ", \"user_attribute_rows_skipped\": " INT64_FORMAT
									 ", \"user_attributes\": " INT64_FORMAT ", \"cold_users\": " INT64_FORMAT
									 ", \"user_attribute_nulls\": " INT64_FORMAT "}",
									 loaded.stats.rows, loaded.stats.null_ids,
									 loaded.stats.self_loops, loaded.stats.duplicates,
									 loaded.stats.bad_weights, loaded.stats.unknown_events,
									 loaded.graph.n_edges, loaded.graph.n_src, loaded.graph.n_dst,
									 loaded.stats.link_rows, loaded.graph.n_links,
									 loaded.stats.link_skipped,
									 loaded.stats.attr_rows, loaded.stats.attr_skipped,
									 loaded.stats.attr_values, loaded.stats.attr_cold_items,
									 loaded.stats.attr_nulls,
									 loaded.stats.user_attr_rows, loaded.stats.user_attr_skipped,
									 loaded.stats.user_attr_values, loaded.stats.user_attr_cold_users,
									 loaded.stats.user_attr_nulls);

		LpOptionsToTrainConfig(&run->opts, &cfg);
		run->epochs = LpFitEpochs(&cfg);
		LpJobSetLoaded(spec->job_id, stats, run->epochs);
	}

	/* "tune": the encoder's options chosen on a validation part of the
	 * training edges (tune.c), then the model below trains on all of them
	 * with the winner (never for a holdout: its options are the version's);
	 * without "tune", on a graph large enough (LpChoosesEncoder), the same
	 * with the defaults and the other encoder only; the other encoder is tried only if its model would fit the memory and
	 * the default model would get no approximate index: the spectral
	 * model's top-k scans every item and walks the graph (10.8 ms at 200k
	 * items and 10M edges), where the index answers in a fraction of a
	 * millisecond */
	if (spec->holdout == LP_HOLDOUT_NONE && (run->opts.tune || LpChoosesEncoder(run, g)))
	{
		LpOptions	alt;
		bool		has_alt = LpTuneAlternative(run, &alt) &&
			AlternativeFits(run, &loaded, g, &alt, scan_shared) &&
			!WantsIndex(run, g, LpOptionsStructural(&run->opts, g->n_edges));

		if (run->opts.tune_free != 0 || has_alt)
		{
			bool		choosing = !run->opts.tune;

			tuning = LpTune(run, g, has_alt ? &alt : NULL);
			if (choosing && tuning)
				ereport(LOG,
						(errmsg("linkpred job " INT64_FORMAT ": model \"%s\" trains encoder \"%s\", chosen on a validation part",
								spec->job_id, spec->model, LpOptionsEncoder(&run->opts)->name),
						 errdetail("No encoder was named; the version's metrics->'tuning' has both trials."),
						 errhint("Name \"encoder\" in the options to train that one without the choice.")));
			LpOptionsToTrainConfig(&run->opts, &cfg);
			run->epochs = LpFitEpochs(&cfg);
			LpJobSetEpochs(spec->job_id, run->epochs);
			LpJobSetPhase(spec->job_id, "running", "training");
		}
	}

	/* the spectral default dimension, on a graph smaller than it: all of it
	 * (the stored options show the dimension used) */
	run->opts.dim = LpOptionsDimOn(&run->opts, g->n_src, g->n_dst);

	plan_head = LpOptionsStructural(&run->opts, g->n_edges);
	cfg.dim = run->opts.dim;	/* after dim_auto */
	cfg.threads = LpResolveTrainingThreads(spec->training_threads, g->n_entries);
	cfg.simd = LpResolveSimd(spec->simd, g->n_entries);
	run->threads = LpEncoderThreads(LpOptionsEncoder(&run->opts), g, &cfg);
	run->simd = LpEncoderSimd(LpOptionsEncoder(&run->opts), g, &cfg);
	memory_estimate = CheckTrainingMemory(run, &loaded, g, &cfg, plan_head,
										  WantsIndex(run, g, plan_head), scan_shared);

	/* model arrays live in the job context, outside any transaction */
	old = MemoryContextSwitchTo(run->cxt);
	LpEmbeddingsAlloc(g, &cfg, &emb);
	MemoryContextSwitchTo(old);
	LpLogMemory(spec->job_id, "allocating the model");

	/* retraining continues from the serving version (never for a holdout:
	 * that version has seen the test edges; only for an encoder whose
	 * stored vectors are what it trains (LP_ENC_WARM_START), with
	 * the dot decoder: a bilinear model's vectors mean nothing without the
	 * R they were trained with, which starts afresh) */
	if (run->opts.warm_start && spec->holdout == LP_HOLDOUT_NONE &&
		LpEncoderPermits(LpOptionsEncoder(&run->opts), LP_ENC_WARM_START) &&
		LpDecoderIs(LpDecoderAt(run->opts.decoder), LP_DEC_VECTORS_ONLY))
	{
		run->warm_nodes = WarmStart(run, &loaded, &emb);
		if (run->warm_nodes > 0)
		{
			run->epochs = Min(run->opts.warm_epochs, run->opts.epochs);
			LpJobSetEpochs(spec->job_id, run->epochs);
		}
	}
	cfg.epochs = run->epochs;	/* cfg is from the options, above; a warm start runs fewer */
	run->train_start = GetCurrentTimestamp();
	run->last_report = run->train_start;
	old = MemoryContextSwitchTo(run->cxt);
	result = LpFitJobModel(run, g, &run->opts, &cfg, plan_head, "training", &emb, &head, &has_head,
						   &final_loss);
	MemoryContextSwitchTo(old);
	LpLogMemory(spec->job_id, "training");
	CHECK_FOR_INTERRUPTS();
	if (result == LP_TRAIN_NO_THREADS)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_RESOURCES),
				 errmsg("could not start %d training threads", run->threads),
				 errdetail("The system refused to create a thread."),
				 errhint("Lower linkpred.training_threads, or raise the process or thread limits of the server.")));
	if (result == LP_TRAIN_DIVERGED)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("training diverged: the loss became infinite or NaN"),
				 errdetail("Learning rate %g, %d dimensions.", run->opts.lr, run->opts.dim),
				 errhint("Lower \"lr\" in the options, or raise \"reg\".")));

	if (spec->holdout != LP_HOLDOUT_NONE)
	{
		FinishEvaluation(run, g, &split, &emb, &cfg, has_head ? &head : NULL);
		return;
	}

	req = (LpStoreRequest) {
		.job_id = spec->job_id,
		.model = spec->model,
		.owner = spec->roleid,
		.source = &source,
		.opts = &run->opts,
		.loaded = &loaded,
		.emb = &emb,
		.final_loss = final_loss,
		/* the training loop's: taken before the index build */
		.train_seconds = (double) (GetCurrentTimestamp() - run->train_start) / 1e6,
		.load_seconds = load_seconds,
		.memory_estimate_mb = memory_estimate / (1 << 20),
		.epochs_run = run->epochs,
		.training_threads = run->threads,
		.simd = LpSimdName(run->simd),
		.warm_version = run->warm_version,
		.warm_nodes = run->warm_nodes,
		.head = has_head ? &head : NULL,
		.tuning = tuning,
		/* nothing after the store reads the model or the graph */
		.rows_written = ReleaseStoredRows,
		.rows_written_arg = &stored,
	};
	stored.emb = &emb;
	stored.g = &loaded.graph;
	if (WantsIndex(run, g, has_head))
		LpBuildJobIndex(run, g, &emb, &req);

	LpLogMemory(spec->job_id, "the index build");
	LpJobSetPhase(run->spec->job_id, "running", "storing embeddings");
	req.peak_rss_mb = PeakRssMb();	/* the index build included */

	phase_start = GetCurrentTimestamp();
	LpBeginTx("linkpred: storing embeddings");
	{
		int32		version = LpStoreVersion(&req);

		/* the high-water mark now includes the storing phase, which is
		 * timed up to here (metrics "store_seconds") */
		LpVersionSetStoreMetrics(spec->model, version, round(PeakRssMb() * 10) / 10,
								 round((double) (GetCurrentTimestamp() - phase_start) / 1e3) / 1e3);
	}
	LpEndTx();
	LpLogMemory(spec->job_id, "storing");
	free((void *) req.ann);
	if (linkpred_publish_on_store && LpSharedCacheOn())
		PublishStored(run);
}
