/*
 * test_sage.c: unit tests of the GraphSAGE encoder (src/kernels/sage.c).  Prints
 * TAP.
 *
 *  - with a zero learning rate the stored vectors are exactly the encoder
 *    of the initial parameters (Ws = Wn = I, b = 0: h = act(h + mean of
 *    the neighbours' h) per layer) over full neighbourhoods, checked
 *    against a dense computation on a bipartite and an undirected graph;
 *  - a batch's own positives carry no messages: on a graph whose every
 *    edge is in the one batch, the vectors computed during training are
 *    the inputs unchanged, while the stored ones (full neighbourhoods) are
 *    not;
 *  - training learns: planted communities, bipartite and undirected,
 *    held-out edges rank above non-edges, under each of the four losses;
 *    and the loss falls;
 *  - a run is repeatable for a seed, and the progress callback can stop it.
 */
#include "postgres.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "sage.h"

#include "tap.h"
#include "fixtures.h"

static LpTrainConfig
Config(int dim, int layers, int epochs, float lr)
{
	LpTrainConfig cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.dim = dim;
	cfg.layers = layers;
	for (int k = 0; k < LP_MAX_LAYERS; k++)
		cfg.fanout[k] = 5;
	cfg.epochs = epochs;
	cfg.lr = lr;
	cfg.reg = 1e-3f;
	cfg.loss = LP_TRAIN_BPR;
	cfg.negatives = 2;
	cfg.margin = 1.0f;
	cfg.bias = false;
	cfg.seed = 11;
	cfg.neg_mode = LP_NEG_PLAIN;
	cfg.hard_pool = 4;
	cfg.mean_degree = 1;
	return cfg;
}

typedef struct Run
{
	LpEmbeddings emb;
	LpTrainResult result;
	double		loss;
	double		first_loss;		/* mean loss after the first epoch */
	float	   *during;			/* emb->U, V at the end of the first batch */
	size_t		n_floats;
} Run;

static bool
Record(void *arg, int epoch, double frac, double loss, bool epoch_end)
{
	Run		   *r = arg;

	if (epoch == 1 && epoch_end)
		r->first_loss = loss;
	if (r->during == NULL)
	{
		/* the vectors computed in training: sage.h says emb holds them */
		r->during = malloc(sizeof(float) * r->n_floats);
		memcpy(r->during, r->emb.U, sizeof(float) * r->n_floats);
	}
	return true;
}

static Run
Train(const LpGraph *g, const LpTrainConfig *cfg, LpProgressFn progress)
{
	Run			r;
	LpSamplerState s;
	int32		rows = g->tied ? g->n_src : g->n_src + g->n_dst;
	float	   *work = malloc(sizeof(float) * LpSageWorkFloats(g, cfg));
	void	   *index = malloc(LpSageIndexBytes(g, cfg));
	LpEntry	   *order = malloc(sizeof(LpEntry) * g->n_entries);
	int32	   *entry_src = malloc(sizeof(int32) * g->n_entries);

	memset(&r, 0, sizeof(r));
	r.emb.dim = cfg->dim;
	r.emb.U = malloc(sizeof(float) * rows * cfg->dim);
	r.emb.bu = malloc(sizeof(float) * rows);
	r.emb.V = g->tied ? r.emb.U : r.emb.U + (size_t) g->n_src * cfg->dim;
	r.emb.bv = g->tied ? r.emb.bu : r.emb.bu + g->n_src;
	r.n_floats = (size_t) rows * cfg->dim;
	LpInitEmbeddings(&r.emb, g->n_src, g->n_dst, g->tied, cfg->seed);
	LpSamplerInitUniform(&s, g->n_dst);
	r.result = LpSageTrain(g, cfg, &s, &r.emb, order, entry_src, work, index,
						   progress, &r, &r.loss);
	free(work);
	free(index);
	free(order);
	free(entry_src);
	return r;
}

/* the initial vectors, stacked users then items, as the trainer sees them */
static float *
Initial(const LpGraph *g, int dim, uint64 seed)
{
	int32		rows = g->tied ? g->n_src : g->n_src + g->n_dst;
	LpEmbeddings init;

	init.dim = dim;
	init.U = malloc(sizeof(float) * rows * dim);
	init.bu = malloc(sizeof(float) * rows);
	init.V = g->tied ? init.U : init.U + (size_t) g->n_src * dim;
	init.bv = g->tied ? init.bu : init.bu + g->n_src;
	LpInitEmbeddings(&init, g->n_src, g->n_dst, g->tied, seed);
	free(init.bu);
	return init.U;
}

/*
 * The encoder of the initial parameters, densely: rows stacked users then
 * items (untied), A the 0/1 adjacency between them, h <- h + D^-1 A h per
 * layer, ReLU on all but the last; the largest difference from what
 * training with lr 0 stored.
 */
static double
DenseCheck(const LpGraph *g, int dim, int layers)
{
	LpTrainConfig cfg = Config(dim, layers, 2, 0.0f);
	int32		rows;
	double	   *deg;
	double	   *A = TestStackedAdjacency(g, &rows, &deg);
	double	   *cur = calloc((size_t) rows * dim, sizeof(double));
	double	   *next = calloc((size_t) rows * dim, sizeof(double));
	float	   *x = Initial(g, dim, cfg.seed);
	Run			r;
	double		worst = 0;

	for (size_t i = 0; i < (size_t) rows * dim; i++)
		cur[i] = x[i];
	for (int l = 1; l <= layers; l++)
	{
		for (int32 a = 0; a < rows; a++)
			for (int d = 0; d < dim; d++)
			{
				double		s = 0;

				for (int32 b = 0; b < rows; b++)
					s += A[(size_t) a * rows + b] * cur[(size_t) b * dim + d];
				s = cur[(size_t) a * dim + d] + (deg[a] > 0 ? s / deg[a] : 0);
				next[(size_t) a * dim + d] = l < layers ? fmax(s, 0) : s;
			}
		memcpy(cur, next, sizeof(double) * rows * dim);
	}

	r = Train(g, &cfg, NULL);
	for (size_t i = 0; i < (size_t) rows * dim; i++)
		worst = fmax(worst, fabs(cur[i] - r.emb.U[i]));
	free(A);
	free(deg);
	free(cur);
	free(next);
	free(x);
	return worst;
}

/*
 * A graph small enough to be one batch, so every edge is a positive of
 * the batch: with lr 0 and one layer the vectors computed during training
 * must be the inputs (nothing aggregated), the stored ones must not.
 * Returns the largest difference during training; *after the smallest
 * row difference of the stored vectors from the inputs.
 */
static double
ExclusionCheck(const LpGraph *g, double *after)
{
	LpTrainConfig cfg = Config(4, 1, 1, 0.0f);
	int32		rows = g->tied ? g->n_src : g->n_src + g->n_dst;
	float	   *x = Initial(g, cfg.dim, cfg.seed);
	Run			r;
	double		worst = 0;

	cfg.fanout[0] = LP_SAGE_MAX_FANOUT;
	r = Train(g, &cfg, Record);
	*after = INFINITY;
	for (int32 a = 0; a < rows; a++)
	{
		double		moved = 0;

		for (int d = 0; d < cfg.dim; d++)
		{
			size_t		i = (size_t) a * cfg.dim + d;

			worst = fmax(worst, fabs(r.during[i] - x[i]));
			moved += fabs(r.emb.U[i] - x[i]);
		}
		*after = fmin(*after, moved);
	}
	free(x);
	return worst;
}

/*
 * Planted communities.  Bipartite: users and items in 4 groups, each user
 * links to 12 items of its group, one held out.  Undirected: nodes in 4
 * groups, each links to 8 others of its group, one link per node held out.
 * AUC of the held-out edges against every non-edge of their source.  A
 * model that knows the groups and nothing more scores about 0.917
 * (bipartite) and about 0.9 (undirected), since it ties within a group; one
 * that learnt nothing scores 0.5.
 */
static double
CommunityAuc(bool undirected, LpTrainConfig *cfg, double *first_loss, double *last_loss)
{
	enum
	{
		NU = 200, NI = 120, GROUPS = 4, PER = 12, NPER = 8
	};
	int32		held[NU];
	LpGraph		g = TestPlanted(NU, undirected ? NU : NI, GROUPS, undirected ? NPER : PER, 5,
								undirected, held);
	Run			r = Train(&g, cfg, Record);
	double		auc = TestHeldOutAuc(&g, r.emb.U, r.emb.V, r.emb.bu, r.emb.bv, cfg->dim, held,
									 undirected);

	*first_loss = r.first_loss;
	*last_loss = r.loss;
	return r.result == LP_TRAIN_OK ? auc : 0;
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
		double		w,
					after;

		w = DenseCheck(&b, 3, 1);
		snprintf(detail, sizeof(detail), " (largest difference %.1e)", w);
		TapLine(w < 1e-5, "bipartite, lr 0: stored vectors = x + neighbour mean, 1 layer", detail);
		w = DenseCheck(&b, 4, 2);
		snprintf(detail, sizeof(detail), " (largest difference %.1e)", w);
		TapLine(w < 1e-5, "bipartite, lr 0: 2 layers, ReLU between", detail);
		w = DenseCheck(&t, 3, 3);
		snprintf(detail, sizeof(detail), " (largest difference %.1e)", w);
		TapLine(w < 1e-5, "undirected, lr 0: 3 layers", detail);

		w = ExclusionCheck(&b, &after);
		snprintf(detail, sizeof(detail), " (during %.1e, stored moved at least %.2f)", w, after);
		TapLine(w < 1e-6 && after > 1e-3,
				"bipartite: a batch's positives carry no messages in that batch", detail);
		w = ExclusionCheck(&t, &after);
		snprintf(detail, sizeof(detail), " (during %.1e, stored moved at least %.2f)", w, after);
		TapLine(w < 1e-6 && after > 1e-3,
				"undirected: a batch's positives carry no messages in that batch", detail);
	}

	/* learning */
	{
		const char *names[] = {"bpr", "bce", "margin", "mse"};
		LpTrainLoss losses[] = {LP_TRAIN_BPR, LP_TRAIN_BCE, LP_TRAIN_MARGIN, LP_TRAIN_MSE};
		double		first,
					last,
					auc;
		LpTrainConfig cfg = Config(16, 2, 30, 0.01f);

		auc = CommunityAuc(false, &cfg, &first, &last);
		snprintf(detail, sizeof(detail), " (AUC %.3f)", auc);
		TapLine(auc > 0.85, "bipartite communities, 2 layers: held-out edges rank above non-edges", detail);
		snprintf(detail, sizeof(detail), " (%.3f -> %.3f)", first, last);
		TapLine(last < 0.8 * first, "the loss falls from the first epoch to the last", detail);
		auc = CommunityAuc(true, &cfg, &first, &last);
		snprintf(detail, sizeof(detail), " (AUC %.3f)", auc);
		TapLine(auc > 0.85, "undirected communities, 2 layers: held-out edges rank above non-edges", detail);

		for (int k = 1; k < 4; k++)
		{
			char		what[128];

			cfg.loss = losses[k];
			cfg.bias = true;
			auc = CommunityAuc(false, &cfg, &first, &last);
			snprintf(detail, sizeof(detail), " (AUC %.3f)", auc);
			snprintf(what, sizeof(what), "bipartite communities, loss %s, biases on", names[k]);
			TapLine(auc > 0.85, what, detail);
		}
		cfg = Config(16, 2, 30, 0.01f);
		cfg.neg_mode = LP_NEG_HARD;
		auc = CommunityAuc(false, &cfg, &first, &last);
		snprintf(detail, sizeof(detail), " (AUC %.3f)", auc);
		TapLine(auc > 0.85, "bipartite communities, hard negatives", detail);
	}

	/* repeatable; stoppable */
	{
		int32		us[] = {0, 0, 1, 2, 2, 3, 4, 4},
					vs[] = {0, 1, 1, 2, 3, 3, 0, 3};
		LpGraph		b = TestCsr(5, 4, 8, us, vs, false, false);
		LpTrainConfig cfg = Config(4, 2, 5, 0.05f);
		Run			r1,
					r2,
					r3,
					r4;

		cfg.bias = true;
		cfg.fanout[0] = cfg.fanout[1] = 1;	/* so that sampling matters */
		r1 = Train(&b, &cfg, NULL);
		r2 = Train(&b, &cfg, NULL);
		Check(r1.result == LP_TRAIN_OK &&
			  memcmp(r1.emb.U, r2.emb.U, sizeof(float) * 9 * 4) == 0 &&
			  memcmp(r1.emb.bu, r2.emb.bu, sizeof(float) * 9) == 0,
			  "the same seed trains the same vectors and biases");
		cfg.seed = 12;
		r4 = Train(&b, &cfg, NULL);
		Check(memcmp(r1.emb.U, r4.emb.U, sizeof(float) * 9 * 4) != 0,
			  "another seed trains other vectors");
		r3 = Train(&b, &cfg, TestStopAtOnce);
		Check(r3.result == LP_TRAIN_STOPPED, "a progress callback returning false stops training");
	}
	return TapFinish();
}
