/*
 * headfit.c: fitting the structural decoder head in the training worker.
 *
 * The head must learn how features of pairs the embeddings have NOT seen
 * relate to whether they are edges, because that is what it will be asked
 * about.  So a tenth of the training edges is held out (the random holdout
 * of split.c), embeddings are trained on the rest with the job's own
 * configuration, and the features of the held-out edges and of as many
 * random non-edges (uniform over all pairs, as a user's test negatives
 * usually are; an undirected graph up to four times as many) are computed
 * on that reduced graph.  A node whose edges all
 * went to the held-out part looks exactly like a node first seen after
 * training, which is how the head learns what such nodes mean.
 *
 * The caller then trains the final embeddings on every edge.  Fitting costs
 * one more training run; every array here lives in the caller's memory
 * context.
 */
#include "postgres.h"

#include "miscadmin.h"

#include "fit.h"
#include "headfit.h"
#include "jobs.h"
#include "linkpred.h"
#include "scoring.h"

#define HEAD_HOLDOUT 0.1
#define HEAD_MAX_POSITIVES 100000
#define HEAD_NEGATIVES 4		/* undirected: non-edges per held-out edge, up to HEAD_MAX_ROWS rows */
#define HEAD_MAX_ROWS (2 * HEAD_MAX_POSITIVES)

LpTrainResult
LpFitHead(const LpGraph *g, const LpTrainConfig *cfg, const LpSamplerState *sampler,
		  LpEntry *order, int32 *entry_src, LpProgressFn progress, void *arg, LpHead *head)
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
				nneg,
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

	/*
	 * held-out edges (every stride-th if there are many) and as many
	 * non-edges, on an undirected graph up to four times as many: the
	 * negatives cost only their features, and on a small graph's few hundred
	 * held-out edges they steady the fit (chosen on undirected graphs only,
	 * bench/RESULTS-head-walk.md; a bipartite graph's head keeps one)
	 */
	stride = Max(1, (split.n_test + HEAD_MAX_POSITIVES - 1) / HEAD_MAX_POSITIVES);
	npos = (split.n_test + stride - 1) / stride;
	nneg = hg.tied ? Max(npos, Min(HEAD_NEGATIVES * npos, HEAD_MAX_ROWS - npos)) : npos;
	X = LpPallocHuge(sizeof(float) * LP_HEAD_NFEAT * (Size) (npos + nneg));
	y = LpPallocHuge(sizeof(float) * (Size) (npos + nneg));
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
	for (int64 t = 0, tries = 0; t < nneg && tries < 100 * nneg; tries++)
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
