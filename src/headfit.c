/*
 * headfit.c: fitting the structural decoder head in the training worker.
 *
 * The head must learn how features of pairs the embeddings have NOT seen
 * relate to whether they are edges, because that is what it will be asked
 * about.  So a tenth of the training edges is held out (the random holdout
 * of split.c), embeddings are trained on the rest with the job's own
 * configuration, and the features of the held-out edges and of as many
 * random non-edges (uniform over all pairs, as a user's test negatives
 * usually are) are computed on that reduced graph.  A node whose edges all
 * went to the held-out part looks exactly like a node first seen after
 * training, which is how the head learns what such nodes mean.
 *
 * The caller then trains the final embeddings on every edge.  Fitting costs
 * one more training run; every array here lives in the caller's memory
 * context.
 */
#include "postgres.h"

#include "miscadmin.h"

#include "headfit.h"
#include "jobs.h"
#include "linkpred.h"
#include "lightgcn.h"
#include "mlp.h"
#include "sage.h"
#include "spectral.h"

#define HEAD_HOLDOUT 0.1
#define HEAD_MAX_POSITIVES 100000

static void *
PallocHuge(Size n)
{
	return MemoryContextAllocHuge(CurrentMemoryContext, n);
}

void
LpBuildHeurGraph(const LpGraph *g, LpHeurGraph *hg)
{
	int32	   *len = palloc(sizeof(int32) * Max(g->n_src, 1));

	for (int32 u = 0; u < g->n_src; u++)
		len[u] = (int32) (g->offsets[u + 1] - g->offsets[u]);
	LpHeurGraphBuild(hg, g->homogeneous, g->tied, g->n_src, g->n_dst, g->offsets, len,
					 g->targets, PallocHuge);
	pfree(len);
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

void
LpEmbeddingsAlloc(const LpGraph *g, const LpTrainConfig *cfg, LpEmbeddings *emb)
{
	bool		bilinear = cfg->decoder == LP_DECODER_BILINEAR;
	bool		one_table = g->tied || (bilinear && g->homogeneous);

	memset(emb, 0, sizeof(*emb));
	emb->dim = cfg->dim;
	emb->U = PallocHuge(sizeof(float) * (Size) g->n_src * emb->dim);
	emb->bu = PallocHuge(sizeof(float) * (Size) g->n_src);
	emb->V = one_table ? emb->U : PallocHuge(sizeof(float) * (Size) g->n_dst * emb->dim);
	emb->bv = g->tied ? emb->bu : PallocHuge(sizeof(float) * (Size) g->n_dst);
	/* untied initialisation on one table: V's draw overwrites U's, bv is zeroed */
	LpInitEmbeddings(emb, g->n_src, g->n_dst, g->tied, cfg->seed);
	if (bilinear)
	{
		emb->R = palloc(sizeof(float) * emb->dim * emb->dim);
		emb->R_state = palloc(sizeof(float) * LP_BILINEAR_STATE_FLOATS(emb->dim));
		LpBilinearInit(emb->R, emb->dim);
	}
	if (cfg->decoder == LP_DECODER_MLP)
	{
		emb->mlp = PallocHuge(sizeof(float) * LpMlpWeightCount(emb->dim, cfg->hidden));
		LpMlpInit(emb->mlp, emb->dim, cfg->hidden, cfg->seed);
	}
}

void
LpEmbeddingsEval(const LpEmbeddings *emb, const LpTrainConfig *cfg, int32 n_src, int32 n_dst,
				 int block_size, LpEvalEmbedding *ee)
{
	memset(ee, 0, sizeof(*ee));
	ee->dim = emb->dim;
	ee->n_items = n_dst;
	ee->U = emb->U;
	ee->V = emb->V;
	ee->bu = emb->bu;
	ee->bv = emb->bv;
	ee->ublock = block_size > 0 ? palloc(sizeof(float) * block_size * emb->dim) : NULL;
	if (cfg->decoder == LP_DECODER_BILINEAR)
	{
		float	   *q = PallocHuge(sizeof(float) * (Size) n_src * emb->dim);

		LpBilinearQueries(emb->U, n_src, emb->dim, emb->R, q);
		ee->U = q;
	}
	else if (cfg->decoder == LP_DECODER_MLP)
	{
		float	   *P = PallocHuge(sizeof(float) * (Size) n_dst * cfg->hidden);

		LpMlpItemPrecompute(emb->mlp, emb->dim, cfg->hidden, emb->V, n_dst, P);
		ee->mlp = emb->mlp;
		ee->hidden = cfg->hidden;
		ee->P = P;
		ee->mlp_scratch = PallocHuge(sizeof(float) *
									 (LpMlpScoreAllFloats(emb->dim, cfg->hidden) + emb->dim));
	}
}

int
LpFitEpochs(const LpTrainConfig *cfg)
{
	return cfg->spectral ? LP_SPECTRAL_ITERS + 2 : cfg->epochs;
}

LpTrainResult
LpFitEmbeddings(const LpGraph *g, const LpTrainConfig *cfg, const LpSamplerState *sampler,
				LpEmbeddings *emb, int64 *order, int32 *entry_src, LpProgressFn progress,
				void *arg, double *final_loss)
{
	SpectralProgress sp;
	LpSpectralResult r;
	float	   *work;

	if (cfg->decoder == LP_DECODER_MLP)
	{
		float	   *w = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(float) *
											   LpMlpWorkFloats(g->n_src, g->n_dst, g->tied, cfg));
		LpTrainResult r = LpMlpTrain(g, cfg, sampler, emb, emb->mlp, order, entry_src, w,
									 progress, arg, final_loss);

		pfree(w);
		return r;
	}
	if (cfg->sage)
	{
		float	   *w = MemoryContextAllocHuge(CurrentMemoryContext,
											   sizeof(float) * LpSageWorkFloats(g, cfg));
		void	   *index = MemoryContextAllocHuge(CurrentMemoryContext,
												   Max(LpSageIndexBytes(g, cfg), 1));
		LpTrainResult r = LpSageTrain(g, cfg, sampler, emb, order, entry_src, w, index,
									  progress, arg, final_loss);

		pfree(w);
		pfree(index);
		return r;
	}
	if (cfg->layers > 0)
	{
		float	   *gcn = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(float) *
												 LpLightGcnWorkFloats(g->n_src, g->n_dst, g->tied, emb->dim));
		Size		index_b = LpLightGcnIndexBytes(g->n_src, g->n_dst, g->n_entries, g->tied);
		void	   *index = index_b > 0 ? MemoryContextAllocHuge(CurrentMemoryContext, index_b) : NULL;
		LpTrainResult r = LpLightGcnTrain(g, cfg, sampler, emb, order, entry_src, gcn, index,
										  progress, arg, final_loss);

		pfree(gcn);
		if (index)
			pfree(index);
		return r;
	}
	if (!cfg->spectral)
		return LpTrain(g, cfg, sampler, emb, order, entry_src, progress, arg, final_loss);

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
	work = MemoryContextAllocHuge(CurrentMemoryContext,
								  sizeof(float) * LpSpectralWorkFloats(g->n_src, g->n_dst, emb->dim));
	sp.progress = progress;
	sp.arg = arg;
	*final_loss = 0;
	memset(emb->bu, 0, sizeof(float) * g->n_src);
	memset(emb->bv, 0, sizeof(float) * g->n_dst);
	LpSetBlasThreads(LpBlasCores());
	PG_TRY();
	{
		r = LpSpectralFit(g, emb->dim, cfg->lowrank_weight, cfg->seed, work, SpectralStep, &sp,
						  emb->U, emb->V);
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

LpTrainResult
LpFitHead(const LpGraph *g, const LpTrainConfig *cfg, const LpSamplerState *sampler,
		  int64 *order, int32 *entry_src, LpProgressFn progress, void *arg, LpHead *head)
{
	LpSplit		split;
	LpEmbeddings emb;
	LpHeurGraph hg;
	LpEvalEmbedding ee;
	LpEvalScorer emb_score;
	LpTrainResult result;
	LpHeadScratch *sc = LpHeadScratchAlloc(Max(g->n_src, g->n_dst));
	LpRng		rng;
	double		loss;
	int64		npos,
				n,
				stride;
	float	   *X,
			   *y;

	LpSplitGraph(g, LP_HOLDOUT_RANDOM, HEAD_HOLDOUT, 0, false, 0, cfg->seed ^ 0x5eedf00dULL,
				 &split);
	if (split.n_test == 0 || split.train.n_entries == 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("too few edges to fit the structural decoder"),
				 errdetail("Holding out a tenth of " INT64_FORMAT " edges left none on one side.",
						   g->n_edges),
				 errhint("Set \"features\": \"none\" in the options.")));

	LpEmbeddingsAlloc(g, cfg, &emb);
	result = LpFitEmbeddings(&split.train, cfg, sampler, &emb, order, entry_src, progress, arg,
							 &loss);
	if (result != LP_TRAIN_OK)
		return result;

	LpBuildHeurGraph(&split.train, &hg);

	/* the embedding feature exactly as evaluation and serving compute it */
	LpEmbeddingsEval(&emb, cfg, g->n_src, g->n_dst, 0, &ee);	/* pairs only */
	LpEvalEmbeddingScorer(&ee, 1, &emb_score);
	LpEvalWithDecoder(&emb_score, cfg, NULL, &hg, sc);	/* no head yet: it is being fitted */

	/* held-out edges (every stride-th if there are many) and as many non-edges */
	stride = Max(1, (split.n_test + HEAD_MAX_POSITIVES - 1) / HEAD_MAX_POSITIVES);
	npos = (split.n_test + stride - 1) / stride;
	X = PallocHuge(sizeof(float) * LP_HEAD_NFEAT * 2 * (Size) npos);
	y = PallocHuge(sizeof(float) * 2 * (Size) npos);
	n = 0;
	for (int64 t = 0; t < split.n_test; t += stride)
	{
		int32		u = split.test_u[t],
					v = split.test_v[t];

		LpHeadPairFeatures(&hg, u, v, (float) emb_score.pair(emb_score.arg, u, v), X + n * LP_HEAD_NFEAT, sc);
		y[n++] = 1.0f;
		CHECK_FOR_INTERRUPTS();
	}
	LpRngSeed(&rng, cfg->seed ^ 0x0dd5eedULL);
	for (int64 t = 0, tries = 0; t < npos && tries < 100 * npos; tries++)
	{
		int32		u = (int32) LpRngBelow(&rng, (uint32) g->n_src),
					v = (int32) LpRngBelow(&rng, (uint32) g->n_dst);

		if ((g->homogeneous && u == v) || LpGraphHasEdge(g, u, v) ||
			(g->homogeneous && LpGraphHasEdge(g, v, u)))
			continue;
		LpHeadPairFeatures(&hg, u, v, (float) emb_score.pair(emb_score.arg, u, v), X + n * LP_HEAD_NFEAT, sc);
		y[n++] = 0.0f;
		t++;
		if ((t & 1023) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	LpHeadFit(head, X, y, n);
	return LP_TRAIN_OK;
}

LpHeadScratch *
LpHeadScratchAlloc(int32 n)
{
	LpHeadScratch *s = palloc(sizeof(LpHeadScratch));
	Size		m = Max(n, 1);

	s->c2 = MemoryContextAllocExtended(CurrentMemoryContext, sizeof(int32) * m,
									   MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	s->cn = MemoryContextAllocExtended(CurrentMemoryContext, sizeof(float) * m,
									   MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	s->ra = MemoryContextAllocExtended(CurrentMemoryContext, sizeof(float) * m,
									   MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	s->aa = MemoryContextAllocExtended(CurrentMemoryContext, sizeof(float) * m,
									   MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	s->p3 = MemoryContextAllocExtended(CurrentMemoryContext, sizeof(float) * m,
									   MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	s->touched = PallocHuge(sizeof(int32) * m);
	s->vt = PallocHuge(sizeof(int32) * m);
	s->vmark = MemoryContextAllocExtended(CurrentMemoryContext, m,
										  MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	s->level = MemoryContextAllocExtended(CurrentMemoryContext, m,
										  MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	s->queue = PallocHuge(sizeof(int32) * m);
	return s;
}

typedef struct EvalHead
{
	LpEvalScorer inner;
	const LpHead *head;
	const LpHeurGraph *g;
	LpHeadScratch *scratch;
} EvalHead;

static double
HeadPair(void *arg, int32 u, int32 v)
{
	EvalHead   *eh = arg;

	return LpHeadPair(eh->head, eh->g, u, v, (float) eh->inner.pair(eh->inner.arg, u, v),
					  eh->scratch);
}

static void
HeadBlock(void *arg, const int32 *users, int nb, float *out)
{
	EvalHead   *eh = arg;

	eh->inner.block(eh->inner.arg, users, nb, out);
	for (int b = 0; b < nb; b++)
		LpHeadAll(eh->head, eh->g, users[b], out + (int64) b * eh->g->n_items, eh->scratch);
}

static void
EvalWithHead(LpEvalScorer *sc, const LpHead *head, const LpHeurGraph *g,
			 LpHeadScratch *scratch)
{
	EvalHead   *eh = palloc(sizeof(EvalHead));

	eh->inner = *sc;
	eh->head = head;
	eh->g = g;
	eh->scratch = scratch;
	sc->arg = eh;
	sc->pair = HeadPair;
	sc->block = HeadBlock;
	sc->block_size = eh->inner.block_size;
}

typedef struct EvalItemTerm
{
	LpEvalScorer inner;
	const LpHeurGraph *g;
	float		item_norm;
	float	   *acc;
} EvalItemTerm;

/* user u's items (its edges) in g, *n of them */
static inline const int32 *
UserItems(const LpHeurGraph *g, int32 u, int *n)
{
	*n = (int) (g->u_off[u + 1] - g->u_off[u]);
	return g->u_adj + g->u_off[u];
}

static double
ItemTermPair(void *arg, int32 u, int32 v)
{
	EvalItemTerm *et = arg;
	double		s = et->inner.pair(et->inner.arg, u, v);
	const int32 *items;
	int			n;

	if (u < 0)
		return s;
	items = UserItems(et->g, u, &n);
	return s + LpSpectralItemPair(et->g, items, n, v, et->item_norm);
}

static void
ItemTermBlock(void *arg, const int32 *users, int nb, float *out)
{
	EvalItemTerm *et = arg;

	et->inner.block(et->inner.arg, users, nb, out);
	for (int b = 0; b < nb; b++)
	{
		int32		u = users[b];
		const int32 *items;
		int			n;

		if (u < 0)
			continue;
		items = UserItems(et->g, u, &n);
		LpSpectralItemAll(et->g, items, n, et->item_norm, out + (int64) b * et->g->n_items,
						  et->acc);
	}
}

/* the item-item term; acc is g->n_items zeroed floats of scratch */
static void
EvalWithItemTerm(LpEvalScorer *sc, const LpHeurGraph *g, float item_norm, float *acc)
{
	EvalItemTerm *et = palloc(sizeof(EvalItemTerm));

	et->inner = *sc;
	et->g = g;
	et->item_norm = item_norm;
	et->acc = acc;
	sc->arg = et;
	sc->pair = ItemTermPair;
	sc->block = ItemTermBlock;
}

void
LpEvalWithDecoder(LpEvalScorer *sc, const LpTrainConfig *cfg, const LpHead *head,
				  const LpHeurGraph *g, LpHeadScratch *scratch)
{
	/* the item-item term leaves its accumulator zeroed, so the head's p3
	 * array can serve as it: the two never run at the same time */
	if (cfg->item_term)
		EvalWithItemTerm(sc, g, cfg->item_norm, scratch->p3);
	if (head)
		EvalWithHead(sc, head, g, scratch);
}
