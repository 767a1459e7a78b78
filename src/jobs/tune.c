/*
 * tune.c: option "tune": the encoder's options chosen on validation data
 * carved from the training edges, before the pipeline trains the model on
 * all of them with the winner.
 *
 * The validation protocol:
 *
 *   part     with option "time_column": the newest tenth of the edges
 *            (by each edge's first time), as linkpred_evaluate's holdout
 *            "time" cuts them, so the options are chosen for predicting the
 *            next edges from the past ones; otherwise, bipartite graphs:
 *            about a tenth of each user's edges, drawn at random (a user
 *            keeps at least one); homogeneous graphs: a tenth of the edges
 *            at random (an undirected edge leaves in both directions).
 *            Drawn with the model's seed.  Nodes the part leaves without a
 *            training edge are dropped as a holdout drops them
 *            (LpSplitDropUnseen): scored as nodes with no history.
 *   draws    a random part of a small graph holds too few edges to tell
 *            options apart (190 on C. elegans: one standard error of AUC
 *            is then about 0.025), so a random part is drawn several times,
 *            until the draws hold LP_TUNE_MIN_VALIDATION edges in all, at
 *            most LP_TUNE_MAX_DRAWS times; each trial trains and measures
 *            on every draw, and its figure is the mean.  Draw 1 is the one
 *            a single draw would be.  The time part is one draw: it has only
 *            one newest tenth.
 *   measure  bipartite: Recall@20 of the held-out items, every item the
 *            user did not have ranked, over at most about
 *            LP_TUNE_MAX_USERS users of a draw (SampleUsers); homogeneous:
 *            AUC of the held-out edges against sampled non-edges.  Both as
 *            linkpred_evaluate computes them (metrics.h).
 *   search   trial 1 is the options as parsed, i.e. the defaults for what
 *            the user left out, so the winner is never worse than the
 *            default on validation.  When the user named no encoder and the
 *            graph is bipartite, trial 2 is the spectral encoder with its
 *            defaults (LpTuneAlternative): on Gowalla's validation part it
 *            ranks far better than the matrix factorisation (Recall@20
 *            0.2044 against 0.1655), on LastFM's worse (0.2493 against
 *            0.2723), so which one a graph wants is for its validation part
 *            to say; it costs seconds where a trial of the factorisation
 *            costs minutes.  It is not tried where the default model
 *            would get an approximate top-k index (linkpred.ann_min_items,
 *            pipeline.c): the spectral model's top-k is exact, and slow on
 *            such a catalog.  Then distinct random combinations of the
 *            values the encoder lists (LpEncoderKind.options.tune_axes)
 *            for the options the user did not give, drawn from the seed.
 *            Options the user gave are never changed.
 *   budget   tune_seconds.  A trial starts only when the time it should
 *            take (the seconds per epoch x dimension of the trials so far,
 *            times its own) fits in what is left; trials that would not
 *            are skipped, and a cheaper one after them may still run.  At
 *            most LP_TUNE_MAX_TRIALS trials.
 *   winner   the best validation figure; a tie keeps the earlier trial; a
 *            trial that diverged loses.  But the defaults (trial 1) give way
 *            only to a trial that beats them by more than the noise margin:
 *            LP_TUNE_MARGIN standard errors of trial 1's figure (metrics.h),
 *            i.e. more than another draw of the same size of validation
 *            edges would move that figure.  A search over 16 noisy figures
 *            otherwise picks a winner that beat the defaults by luck, and
 *            it need not beat them on the next edges.
 *
 * Without "tune", a job that names no encoder on a bipartite graph whose
 * draw holds at least LP_TUNE_MIN_VALIDATION edges (LpChoosesEncoder) runs
 * trials 1 and 2 only, by the same protocol: the choice of the encoder,
 * recorded with "purpose": "encoder".
 *
 * Every trial is recorded (the searched options, the figure, its seconds)
 * in the JSON this returns, which the pipeline stores as the version's
 * metrics->'tuning'.
 */
#include "postgres.h"

#include <math.h>

#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "decoder.h"
#include "fit.h"
#include "graph.h"
#include "jobfit.h"
#include "jobs.h"
#include "linkpred.h"
#include "shard.h"
#include "train.h"
#include "tune.h"

#define LP_TUNE_MAX_TRIALS 16
#define LP_TUNE_FRACTION 0.1
#define LP_TUNE_K 20
#define LP_TUNE_SEED 0x74756e65ULL
/* standard errors of trial 1's figure that another trial must beat it by */
#define LP_TUNE_MARGIN 1.0
/* a random validation part is drawn again until the draws hold this many edges */
#define LP_TUNE_MIN_VALIDATION 2000
#define LP_TUNE_MAX_DRAWS 5
/* a ranked draw measures about this many of its users at most (SampleUsers) */
#define LP_TUNE_MAX_USERS 5000

typedef struct Trial
{
	double		values[LP_TUNE_MAX_AXES];
	double		figure;			/* the mean over the draws; NaN: diverged, or not run */
	double		se;				/* its standard error */
	double		seconds;
	bool		ran;
	bool		alt;			/* the other encoder's defaults (LpTuneAlternative) */
} Trial;

/* the seed of validation draw d > 0 (draw 0 takes the tuning seed itself) */
static uint64
DrawSeed(uint64 seed, int d)
{
	return seed + (uint64) d * 0x9e3779b97f4a7c15ULL;
}

/*
 * Recall@20 ranks every item for each user of a draw: at dim 512 over
 * Gowalla's 30k validation users and 41k items that was 110 s of the
 * spectral trial's 131.  A draw with more than LP_TUNE_MAX_USERS users keeps
 * the pairs of a random subset of about that many (by a hash of the user
 * and the draw's seed), so a trial's measure costs the same beyond that
 * size; the figure's standard error then grows as one over the square root
 * of the users kept (Gowalla's default model: 0.0018 with all of them,
 * about 0.0045 with 5,000), which the margin takes into account.  Runs
 * before LpSplitDropUnseen, on the graph's own user numbers.  Returns the
 * users kept.
 */
static int32
SampleUsers(LpSplit *s, int32 n_users, uint64 seed)
{
	bool	   *has = palloc0(sizeof(bool) * Max(n_users, 1));
	int32		users = 0,
				kept = 0;
	uint64		below;
	int64		n = 0;

	for (int64 i = 0; i < s->n_test; i++)
		if (!has[s->test_u[i]])
		{
			has[s->test_u[i]] = true;
			users++;
		}
	if (users <= LP_TUNE_MAX_USERS)
	{
		pfree(has);
		return users;
	}
	/* user u is kept when its hash falls below the share LP_TUNE_MAX_USERS / users */
	below = (uint64) ((double) LP_TUNE_MAX_USERS / users * 18446744073709551615.0);
	memset(has, 0, sizeof(bool) * n_users);
	for (int64 i = 0; i < s->n_test; i++)
	{
		int32		u = s->test_u[i];

		if (LpMix64((uint64) u ^ seed) >= below)
			continue;
		if (!has[u])
		{
			has[u] = true;
			kept++;
		}
		s->test_u[n] = u;
		s->test_v[n] = s->test_v[i];
		n++;
	}
	s->n_test = n;
	pfree(has);
	return kept;
}

static int
AxisCount(const LpTuneAxis *axes)
{
	int			n = 0;

	while (n < LP_TUNE_MAX_AXES && axes[n].option)
		n++;
	return n;
}

static bool
SameValues(const Trial *a, const Trial *b, int naxes)
{
	for (int x = 0; x < naxes; x++)
		if (a->values[x] != b->values[x])
			return false;
	return true;
}

/* the options of trial t: the base options with its axis values, or the alternative's */
static void
TrialOptions(const LpOptions *base, const LpOptions *alternative, const LpTuneAxis *axes,
			 int naxes, const Trial *t, LpOptions *out)
{
	if (t->alt)
	{
		*out = *alternative;
		return;
	}
	*out = *base;
	for (int x = 0; x < naxes; x++)
		LpOptionsSetNumber(out, axes[x].option, t->values[x]);
}

bool
LpTuneAlternative(const LpJobRun *run, LpOptions *alt)
{
	const LpOptions *o = &run->opts;
	const char *body = strchr(run->spec->options, '{');

	/* what the spectral encoder takes: no links, attributes, trained decoder or warm start */
	if (o->encoder_given || !o->bipartite || o->directed || o->warm_start ||
		strcmp(LpOptionsEncoder(o)->name, "mf") != 0 || o->user_edges.relation[0] ||
		o->item_features.relation[0] || o->user_features.relation[0] ||
		!LpDecoderIs(LpDecoderAt(o->decoder), LP_DEC_VECTORS_ONLY) || body == NULL)
		return false;
	/* the user's object (jsonb's text: "{...}") with "encoder" in front */
	body++;
	while (*body == ' ')
		body++;
	LpOptionsParseText(psprintf("{\"encoder\": \"spectral\"%s%s", *body == '}' ? "" : ", ", body),
					   alt);
	alt->seed = o->seed;		/* drawn by the worker when the user gave none */
	return true;
}

bool
LpChoosesEncoder(const LpJobRun *run, const LpGraph *g)
{
	return !run->opts.tune && !run->opts.encoder_given &&
		(double) g->n_edges * LP_TUNE_FRACTION >= LP_TUNE_MIN_VALIDATION;
}

/* what a trial's time grows with: the epochs it runs times the dimension */
static double
TrialCost(const LpOptions *o)
{
	LpTrainConfig cfg;

	LpOptionsToTrainConfig(o, &cfg);
	return (double) Max(LpFitEpochs(&cfg), 1) * Max(o->dim, 1);
}

char *
LpTune(LpJobRun *run, const LpGraph *g, const LpOptions *alternative)
{
	const LpTuneAxis *axes = LpOptionsEncoder(&run->opts)->options.tune_axes;
	const char *base_encoder = LpOptionsEncoder(&run->opts)->name;
	int			naxes = AxisCount(axes);
	bool		ranking = run->opts.bipartite;
	/* g->times exist when option "time_column" named the edges' times */
	int			mode = g->times ? LP_HOLDOUT_TIME :
		ranking ? LP_HOLDOUT_PER_USER : LP_HOLDOUT_RANDOM;
	double		margin;
	int			ks[1] = {LP_TUNE_K};
	uint64		seed = (uint64) run->opts.seed ^ LP_TUNE_SEED;
	MemoryContext tune_cxt,
				old;
	LpSplit    *splits[LP_TUNE_MAX_DRAWS];
	int			ndraws;
	int64		validation_edges = 0,
				validation_users = 0;
	Trial		trials[LP_TUNE_MAX_TRIALS];
	int			ntrials = 1,
				winner = 0,
				skipped = 0,
				epochs_before = run->epochs;
	double		per_cost = 0,
				cost_run = 0,
				alt_seconds = 0;
	TimestampTz start = GetCurrentTimestamp();
	/* without "tune": the choice of the encoder alone (LpChoosesEncoder) */
	bool		tuning = run->opts.tune;
	const char *what = tuning ? "tuning" : "choosing the encoder";
	LpRng		rng;
	StringInfoData js;

	LpJobSetPhase(run->spec->job_id, "running", psprintf("%s: the validation split", what));
	tune_cxt = AllocSetContextCreate(run->cxt, "linkpred tuning", ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(tune_cxt);
	splits[0] = palloc(sizeof(LpSplit));
	LpSplitGraph(g, mode, LP_TUNE_FRACTION, 0, false, 0, seed, splits[0]);
	if ((splits[0]->n_test == 0 || splits[0]->train.n_entries == 0) && !tuning)
	{
		/* nothing to choose on: the job keeps its default encoder */
		MemoryContextSwitchTo(old);
		MemoryContextDelete(tune_cxt);
		return NULL;
	}
	if (splits[0]->n_test == 0 || splits[0]->train.n_entries == 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("too few edges to tune: the validation part holds " INT64_FORMAT " edges",
						splits[0]->n_test),
				 errdetail("\"tune\" holds out about a tenth of the edges to compare the options on."),
				 errhint("Leave out \"tune\" for a graph this small.")));
	ndraws = mode == LP_HOLDOUT_TIME ? 1 :
		(int) Min(LP_TUNE_MAX_DRAWS, Max(1, (LP_TUNE_MIN_VALIDATION + splits[0]->n_test - 1) /
										  splits[0]->n_test));
	for (int d = 1; d < ndraws; d++)
	{
		splits[d] = palloc(sizeof(LpSplit));
		LpSplitGraph(g, mode, LP_TUNE_FRACTION, 0, false, 0, DrawSeed(seed, d), splits[d]);
		if (splits[d]->n_test == 0 || splits[d]->train.n_entries == 0)
		{
			ndraws = d;			/* a draw that holds nothing: keep the ones before */
			break;
		}
	}
	for (int d = 0; d < ndraws; d++)
	{
		if (ranking)
			validation_users += SampleUsers(splits[d], g->n_src, d ? DrawSeed(seed, d) : seed);
		LpSplitDropUnseen(splits[d]);
		validation_edges += splits[d]->n_test;
	}
	MemoryContextSwitchTo(old);

	/* trial 1: the options as parsed; the other encoder; then distinct random combinations */
	memset(trials, 0, sizeof(trials));
	for (int x = 0; x < naxes; x++)
		trials[0].values[x] = LpOptionsNumber(&run->opts, axes[x].option);
	if (alternative)
	{
		trials[1] = trials[0];
		trials[1].alt = true;
		ntrials = 2;
	}
	LpRngSeed(&rng, seed);
	for (int tries = 0; tries < 1000 && ntrials < LP_TUNE_MAX_TRIALS; tries++)
	{
		Trial	   *t = &trials[ntrials];
		bool		fresh = true;

		for (int x = 0; x < naxes; x++)
			t->values[x] = (run->opts.tune_free & ((uint32) 1 << x)) ?
				axes[x].values[LpRngBelow(&rng, (uint32) axes[x].n)] : trials[0].values[x];
		for (int i = 0; i < ntrials && fresh; i++)
			fresh = trials[i].alt || !SameValues(t, &trials[i], naxes);
		if (fresh)
			ntrials++;
	}

	for (int i = 0; i < ntrials; i++)
	{
		Trial	   *t = &trials[i];
		MemoryContext trial_cxt;
		LpOptions	o;
		LpTrainConfig cfg;
		LpEmbeddings emb;
		LpHead		head;
		bool		has_head;
		double		loss;
		double		elapsed = (double) (GetCurrentTimestamp() - start) / 1e6;
		double		cost,
					sum,
					var;
		TimestampTz t0;
		LpTrainResult result = LP_TRAIN_OK;

		TrialOptions(&run->opts, alternative, axes, naxes, t, &o);
		o.dim = LpOptionsDimOn(&o, splits[0]->train.n_src, splits[0]->train.n_dst);
		cost = TrialCost(&o) * ndraws;
		t->figure = NAN;
		/* the other encoder's cost does not scale as the epochs and dimension: it runs if time is left */
		if (i > 0 && (t->alt ? elapsed >= run->opts.tune_seconds :
					  elapsed + per_cost * cost > run->opts.tune_seconds))
		{
			skipped++;
			continue;
		}

		LpJobSetPhase(run->spec->job_id, "running",
					  psprintf("%s: trial %d of at most %d", what, i + 1, ntrials));
		trial_cxt = AllocSetContextCreate(tune_cxt, "linkpred tuning trial", ALLOCSET_DEFAULT_SIZES);
		old = MemoryContextSwitchTo(trial_cxt);
		t0 = GetCurrentTimestamp();
		sum = 0;
		var = 0;
		for (int d = 0; d < ndraws; d++)
		{
			const LpGraph *vg = &splits[d]->train;
			LpEvalResult r;

			LpOptionsToTrainConfig(&o, &cfg);
			cfg.dim = o.dim;
			/* the trials train on as many threads as the final model will */
			cfg.threads = LpResolveTrainingThreads(run->spec->training_threads, vg->n_entries);
			cfg.simd = LpResolveSimd(run->spec->simd, vg->n_entries);
			run->epochs = LpFitEpochs(&cfg);
			cfg.epochs = run->epochs;
			LpEmbeddingsAlloc(vg, &cfg, &emb);
			result = LpFitJobModel(run, vg, &o, &cfg, LpOptionsStructural(&o, vg->n_edges),
								   "tuning", &emb, &head, &has_head, &loss);
			CHECK_FOR_INTERRUPTS();
			if (result != LP_TRAIN_OK)
				break;
			LpMeasureSplit(vg, splits[d], &emb, &cfg, has_head ? &head : NULL,
						   ranking ? 1 : 0, ks, seed, &r);
			sum += ranking ? r.recall[0] : r.auc;
			var += ranking ? r.recall_se[0] * r.recall_se[0] : r.auc_se * r.auc_se;
		}
		if (result == LP_TRAIN_OK)
		{
			/* the mean of the draws; its error as of independent draws' */
			t->figure = sum / ndraws;
			t->se = sqrt(var) / ndraws;
		}
		t->seconds = (double) (GetCurrentTimestamp() - t0) / 1e6;
		t->ran = true;
		MemoryContextSwitchTo(old);
		MemoryContextDelete(trial_cxt);

		if (!t->alt)
		{
			cost_run += cost;
			per_cost = (elapsed + t->seconds - alt_seconds) / cost_run;	/* the split's time included */
		}
		else
			alt_seconds += t->seconds;
		if (!isnan(t->figure) && (isnan(trials[winner].figure) || t->figure > trials[winner].figure))
			winner = i;
	}
	MemoryContextDelete(tune_cxt);
	run->epochs = epochs_before;

	/* the defaults stand unless the best beats them by more than the noise */
	margin = isnan(trials[0].figure) || isnan(trials[0].se) ? 0 : LP_TUNE_MARGIN * trials[0].se;
	if (winner != 0 && !isnan(trials[0].figure) &&
		trials[winner].figure <= trials[0].figure + margin)
		winner = 0;

	/* the winner's values, or the other encoder's options, into the options the model trains with */
	if (trials[winner].alt)
		run->opts = *alternative;
	else
		for (int x = 0; x < naxes; x++)
			LpOptionsSetNumber(&run->opts, axes[x].option, trials[winner].values[x]);

	old = MemoryContextSwitchTo(run->cxt);
	initStringInfo(&js);
	appendStringInfo(&js, "{\"purpose\": \"%s\", \"metric\": \"%s\", \"validation\": \"%s\", "
					 "\"fraction\": %g, \"draws\": %d, \"validation_edges\": " INT64_FORMAT ", %s\"budget_seconds\": %d, "
					 "\"seconds\": %.3f, \"margin\": %.6g, \"searched\": [",
					 tuning ? "tune" : "encoder", ranking ? "recall@20" : "auc",
					 mode == LP_HOLDOUT_TIME ? "time" : ranking ? "per_user" : "random",
					 LP_TUNE_FRACTION, ndraws, validation_edges,
					 ranking ? psprintf("\"validation_users\": " INT64_FORMAT ", ", validation_users) : "",
					 run->opts.tune_seconds,
					 (double) (GetCurrentTimestamp() - start) / 1e6, margin);
	for (int x = 0, n = 0; x < naxes; x++)
		if (run->opts.tune_free & ((uint32) 1 << x))
			appendStringInfo(&js, "%s\"%s\"", n++ ? ", " : "", axes[x].option);
	appendStringInfo(&js, "], \"skipped\": %d, \"winner\": %d, \"trials\": [", skipped, winner + 1);
	for (int i = 0, n = 0; i < ntrials; i++)
	{
		if (!trials[i].ran)
			continue;
		appendStringInfo(&js, "%s{\"trial\": %d, \"encoder\": \"%s\"", n++ ? ", " : "", i + 1,
						 trials[i].alt ? LpOptionsEncoder(alternative)->name : base_encoder);
		for (int x = 0; x < naxes && !trials[i].alt; x++)
			appendStringInfo(&js, ", \"%s\": %g", axes[x].option, trials[i].values[x]);
		if (isnan(trials[i].figure))
			appendStringInfoString(&js, ", \"value\": null");
		else
			appendStringInfo(&js, ", \"value\": %.6g, \"se\": %s", trials[i].figure,
							 isnan(trials[i].se) ? "null" : psprintf("%.6g", trials[i].se));
		appendStringInfo(&js, ", \"seconds\": %.3f}", trials[i].seconds);
	}
	appendStringInfoString(&js, "]}");
	MemoryContextSwitchTo(old);
	return js.data;
}
