/*
 * test_lightgcn.c: unit tests of the LightGCN encoder (src/kernels/lightgcn.c).
 * Prints TAP.
 *
 *  - with a zero learning rate the stored vectors are exactly the layer
 *    mean (I + A + ... + A^K) E0 / (K + 1) of the initial vectors, checked
 *    against a dense computation, on a bipartite and an undirected graph;
 *  - training learns: planted communities, held-out edges rank above
 *    non-edges, and the loss falls;
 *  - a run is repeatable for a seed, and the progress callback can stop it.
 */
#include "postgres.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "lightgcn.h"

#include "tap.h"
#include "fixtures.h"

static LpTrainConfig
Config(int dim, int layers, int epochs, float lr)
{
	LpTrainConfig cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.dim = dim;
	cfg.layers = layers;
	cfg.epochs = epochs;
	cfg.lr = lr;
	cfg.reg = 1e-4f;
	cfg.loss = LP_TRAIN_BPR;
	cfg.negatives = 1;
	cfg.bias = false;
	cfg.seed = 11;
	cfg.neg_mode = LP_NEG_PLAIN;
	cfg.mean_degree = 1;
	return cfg;
}

typedef struct Run
{
	LpEmbeddings emb;
	LpTrainResult result;
	double		loss;
	double		first_loss;		/* mean loss after the first epoch */
} Run;

static bool
Record(void *arg, int epoch, double frac, double loss, bool epoch_end)
{
	Run		   *r = arg;

	if (epoch == 1 && epoch_end)
		r->first_loss = loss;
	return true;
}

static Run
Train(const LpGraph *g, const LpTrainConfig *cfg, LpProgressFn progress)
{
	Run			r;
	LpSamplerState s;
	int32		rows = g->tied ? g->n_src : g->n_src + g->n_dst;
	float	   *work = malloc(sizeof(float) * LpLightGcnWorkFloats(g->n_src, g->n_dst, g->tied, cfg->dim));
	void	   *index = malloc(LpLightGcnIndexBytes(g->n_src, g->n_dst, g->n_entries, g->tied) + 1);
	LpEntry	   *order = malloc(sizeof(LpEntry) * g->n_entries);
	int32	   *entry_src = malloc(sizeof(int32) * g->n_entries);

	memset(&r, 0, sizeof(r));
	r.emb.dim = cfg->dim;
	r.emb.U = malloc(sizeof(float) * rows * cfg->dim);
	r.emb.bu = malloc(sizeof(float) * rows);
	r.emb.V = g->tied ? r.emb.U : r.emb.U + (size_t) g->n_src * cfg->dim;
	r.emb.bv = g->tied ? r.emb.bu : r.emb.bu + g->n_src;
	LpInitEmbeddings(&r.emb, g->n_src, g->n_dst, g->tied, cfg->seed);
	LpSamplerInitUniform(&s, g->n_dst);
	r.result = LpLightGcnTrain(g, cfg, &s, &r.emb, order, entry_src, work, index,
							   progress, &r, &r.loss);
	free(work);
	free(index);
	free(order);
	free(entry_src);
	return r;
}

/*
 * The dense layer mean of the initial vectors: rows stacked users then
 * items (untied) with A the normalised bipartite adjacency; the largest
 * difference from what training with lr 0 stored.
 */
static double
DenseCheck(const LpGraph *g, int dim, int layers)
{
	LpTrainConfig cfg = Config(dim, layers, 1, 0.0f);
	int32		rows;
	double	   *deg;
	double	   *A = TestStackedAdjacency(g, &rows, &deg);
	double	   *cur = calloc((size_t) rows * dim, sizeof(double));
	double	   *next = calloc((size_t) rows * dim, sizeof(double));
	double	   *acc = calloc((size_t) rows * dim, sizeof(double));
	LpEmbeddings init;
	Run			r;
	double		worst = 0;

	for (int32 a = 0; a < rows; a++)
		for (int32 b = 0; b < rows; b++)
			if (A[(size_t) a * rows + b] != 0)
				A[(size_t) a * rows + b] /= sqrt(deg[a] * deg[b]);

	/* the initial vectors, as the trainer will see them */
	init.dim = dim;
	init.U = malloc(sizeof(float) * rows * dim);
	init.bu = malloc(sizeof(float) * rows);
	init.V = g->tied ? init.U : init.U + (size_t) g->n_src * dim;
	init.bv = g->tied ? init.bu : init.bu + g->n_src;
	LpInitEmbeddings(&init, g->n_src, g->n_dst, g->tied, cfg.seed);
	for (size_t i = 0; i < (size_t) rows * dim; i++)
		cur[i] = acc[i] = init.U[i];
	for (int k = 1; k <= layers; k++)
	{
		for (int32 a = 0; a < rows; a++)
			for (int d = 0; d < dim; d++)
			{
				double		s = 0;

				for (int32 b = 0; b < rows; b++)
					s += A[(size_t) a * rows + b] * cur[(size_t) b * dim + d];
				next[(size_t) a * dim + d] = s;
			}
		for (size_t i = 0; i < (size_t) rows * dim; i++)
		{
			cur[i] = next[i];
			acc[i] += next[i];
		}
	}

	r = Train(g, &cfg, NULL);
	for (size_t i = 0; i < (size_t) rows * dim; i++)
		worst = fmax(worst, fabs(acc[i] / (layers + 1) - r.emb.U[i]));
	free(A);
	free(deg);
	free(cur);
	free(next);
	free(acc);
	return worst;
}

/*
 * Planted communities: users and items in 4 groups; each user links to 12
 * items of its group, one of them held out.  AUC of the held-out edges
 * against every non-edge of their user.
 */
static double
CommunityAuc(int layers, double *first_loss, double *last_loss)
{
	enum
	{
		NU = 200, NI = 120, GROUPS = 4, PER = 12
	};
	int32		held[NU];
	LpGraph		g = TestPlantedBipartite(NU, NI, GROUPS, PER, 5, held);
	LpTrainConfig cfg = Config(16, layers, 60, 0.02f);
	Run			r = Train(&g, &cfg, Record);
	double		auc = TestHeldOutAuc(&g, r.emb.U, r.emb.V, NULL, NULL, cfg.dim, held, false);

	*first_loss = r.first_loss;
	*last_loss = r.loss;
	return auc;
}

int
main(void)
{
	char		detail[128];

	/* bipartite: 5 users, 4 items; undirected: a 6-cycle with a chord */
	{
		int32		us[] = {0, 0, 1, 2, 2, 3, 4, 4},
					vs[] = {0, 1, 1, 2, 3, 3, 0, 3};
		LpGraph		b = TestCsr(5, 4, 8, us, vs, false, false);
		int32		cu[] = {0, 1, 2, 3, 4, 5, 0},
					cv[] = {1, 2, 3, 4, 5, 0, 3};
		LpGraph		t = TestCsr(6, 6, 7, cu, cv, true, true);
		double		w;

		w = DenseCheck(&b, 3, 2);
		snprintf(detail, sizeof(detail), " (largest difference %.1e)", w);
		TapLine(w < 1e-5, "bipartite, lr 0: stored vectors = dense layer mean of 2 layers", detail);
		w = DenseCheck(&b, 4, 1);
		snprintf(detail, sizeof(detail), " (largest difference %.1e)", w);
		TapLine(w < 1e-5, "bipartite, lr 0: 1 layer", detail);
		w = DenseCheck(&t, 3, 3);
		snprintf(detail, sizeof(detail), " (largest difference %.1e)", w);
		TapLine(w < 1e-5, "undirected, lr 0: stored vectors = dense layer mean of 3 layers", detail);
	}

	/* learning */
	{
		double		first,
					last,
					auc;

		auc = CommunityAuc(3, &first, &last);
		snprintf(detail, sizeof(detail), " (AUC %.3f)", auc);
		TapLine(auc > 0.9, "planted communities, 3 layers: held-out edges rank above non-edges", detail);
		snprintf(detail, sizeof(detail), " (%.3f -> %.3f)", first, last);
		TapLine(last < 0.8 * first, "the loss falls from the first epoch to the last", detail);
	}

	/* repeatable; stoppable */
	{
		int32		us[] = {0, 0, 1, 2, 2, 3, 4, 4},
					vs[] = {0, 1, 1, 2, 3, 3, 0, 3};
		LpGraph		b = TestCsr(5, 4, 8, us, vs, false, false);
		LpTrainConfig cfg = Config(4, 2, 5, 0.05f);
		Run			r1,
					r2,
					r3;

		cfg.bias = true;
		r1 = Train(&b, &cfg, NULL);
		r2 = Train(&b, &cfg, NULL);
		Check(r1.result == LP_TRAIN_OK &&
			  memcmp(r1.emb.U, r2.emb.U, sizeof(float) * 9 * 4) == 0 &&
			  memcmp(r1.emb.bu, r2.emb.bu, sizeof(float) * 9) == 0,
			  "the same seed trains the same vectors and biases");
		r3 = Train(&b, &cfg, TestStopAtOnce);
		Check(r3.result == LP_TRAIN_STOPPED, "a progress callback returning false stops training");
	}
	return TapFinish();
}
