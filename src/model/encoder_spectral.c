/*
 * encoder_spectral.c: the spectral encoder as a model kind (model.h): a
 * closed form, Chebyshev-filtered eigenvectors of the normalised adjacency
 * (spectral.c), plus on bipartite graphs an item-item term that every
 * score adds.  It trains no vectors by SGD, so it minimises no loss, takes
 * neither a warm start nor user-user links, and its top-k stays exact.
 * Its default dimension is capped to the graph once the graph is known
 * (dim_auto).  The factorisation is BLAS: it gets every core while it runs.
 */
#include "postgres.h"

#include "cache.h"
#include "linkpred.h"
#include "model.h"
#include "options.h"
#include "spectral.h"

static void
SpectralDefaults(LpOptions *opts, const bool *given)
{
	if (!LpOptionGiven(given, offsetof(LpOptions, dim)))
	{
		opts->dim = opts->bipartite ? LP_SPECTRAL_DEFAULT_DIM_BIPARTITE : LP_SPECTRAL_DEFAULT_DIM;
		opts->dim_auto = true;
	}
}

static void
SpectralCheck(const LpOptions *opts)
{
	if (opts->directed)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("encoder \"spectral\" does not apply to directed graphs"),
				 errdetail("It factorises a symmetric matrix: the user x item matrix of a bipartite graph, or the adjacency of an undirected one."),
				 errhint("Use \"encoder\": \"mf\" for a directed graph.")));
	if (opts->user_edges.relation[0])
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("option \"user_edges\" is not available with encoder \"spectral\""),
				 errdetail("The links pull linked users' trained vectors together; the spectral encoder trains none."),
				 errhint("Use encoder \"mf\", \"lightgcn\" or \"sage\", or leave \"user_edges\" out.")));
}

/* its steps, reported as epochs */
static int
SpectralEpochs(const LpTrainConfig *cfg)
{
	return LP_SPECTRAL_ITERS + 2;
}

static double
SpectralWorkBytes(const LpGraph *g, const LpTrainConfig *cfg)
{
	return 4.0 * LpSpectralWorkFloats(g->n_src, g->n_dst, cfg->dim);
}

typedef struct SpectralProgress
{
	LpProgressFn progress;
	void	   *arg;
} SpectralProgress;

static bool
SpectralStep(void *arg, int step, int steps)
{
	SpectralProgress *sp = arg;

	return sp->progress(sp->arg, step, 1.0, 0.0, true);
}

static LpTrainResult
SpectralFit(const LpFitArgs *a)
{
	const LpGraph *g = a->g;
	LpEmbeddings *emb = a->emb;
	SpectralProgress sp;
	LpSpectralResult r;
	float	   *work;

	if (emb->dim > g->n_src || emb->dim > g->n_dst)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("\"dim\" %d is larger than the graph allows for the spectral encoder",
						emb->dim),
				 g->homogeneous ?
				 errdetail("The training graph has %d nodes; \"dim\" may be at most that.", g->n_src) :
				 errdetail("The training graph has %d users and %d items; \"dim\" may be at most the smaller.",
						   g->n_src, g->n_dst),
				 errhint("Pass a smaller \"dim\" in the options, or leave it out.")));
	work = LpPallocHuge(sizeof(float) * LpSpectralWorkFloats(g->n_src, g->n_dst, emb->dim));
	sp.progress = a->progress;
	sp.arg = a->arg;
	*a->final_loss = 0;
	memset(emb->bu, 0, sizeof(float) * g->n_src);
	memset(emb->bv, 0, sizeof(float) * g->n_dst);
	LpSetBlasThreads(LpBlasCores());
	PG_TRY();
	{
		r = LpSpectralFit(g, emb->dim, a->cfg->lowrank_weight, a->cfg->seed, work, SpectralStep,
						  &sp, emb->U, emb->V);
	}
	PG_FINALLY();
	{
		LpSetBlasThreads(1);
	}
	PG_END_TRY();
	pfree(work);
	if (r == LP_SPECTRAL_FAILED)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("the spectral encoder's factorisation failed"),
				 errdetail("LAPACK reported an error for a graph of %d users and %d items at \"dim\" %d.",
						   g->n_src, g->n_dst, emb->dim),
				 errhint("Try a smaller \"dim\", or \"encoder\": \"mf\".")));
	return r == LP_SPECTRAL_OK ? LP_TRAIN_OK : LP_TRAIN_STOPPED;
}

/* the closed form's fold-in; a tied graph's needs U's column norms, once */
static void
SpectralFoldIn(LpServingModel *m, const int32 *items, int n, float *bu)
{
	if (m->tied)
	{
		if (m->lambda == NULL)
		{
			float	   *lambda = MemoryContextAlloc(m->cxt, sizeof(float) * m->dim);

			LpSpectralColumnNorms(m->U, m->n_users, m->dim, lambda);
			m->lambda = lambda;
		}
		LpSpectralFoldInTied(m->U, m->lambda, m->udeg, m->dim, items, n, m->fold_u);
	}
	else
		LpSpectralFoldIn(m->V, m->ideg, m->dim, items, n, m->fold->lowrank_weight, m->fold_u);
	*bu = 0;
}

/* "tune": the closed form's two weights (the dimension costs the most time) */
static const LpTuneAxis SpectralTuneAxes[] = {
	{"lowrank_weight", 5, {0.1, 0.2, 0.3, 0.5, 1.0}},
	{"item_norm", 4, {0.0, 0.15, 0.3, 0.5}},
	{NULL}
};

const LpEncoderKind LpSpectralEncoder = {
	.name = "spectral",
	.options = {.defaults = SpectralDefaults, .check = SpectralCheck,
				.tune_axes = SpectralTuneAxes},
	.fit = {.run = SpectralFit, .work_bytes = SpectralWorkBytes,
			.work_label = "spectral factorisation", .epochs = SpectralEpochs},
	.permits = LP_ENC_ITEM_TERM,
	.fold_in = SpectralFoldIn,
};
