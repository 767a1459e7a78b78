/*
 * test_mlp.c: unit tests of the MLP decoder (src/kernels/mlp.c).  Prints TAP.
 *
 *  - the weight array has the documented size, and the initial network
 *    is the dot product;
 *  - the all-items path (LpMlpItemPrecompute + LpMlpScoreAll) gives every
 *    item the pair score LpMlpScore gives;
 *  - training learns: planted communities, held-out edges above
 *    non-edges, with each loss, with hard and dynamic negatives, about as
 *    well as the dot product (a broken decoder lands near 0.5); the loss
 *    falls;
 *  - the decoder says what a dot product cannot (LpTrain as the
 *    baseline): a random label relation that needs more dimensions than
 *    the vectors have, and heterophily on an undirected graph, which a
 *    tied dot product (a positive semi-definite kernel) cannot express;
 *  - a run is repeatable for a seed, the progress callback stops it, and
 *    divergence is reported;
 *  - fold-in recovers users left out of training: from their training
 *    items, their held-out items rank high; the same call twice agrees.
 */
#include "postgres.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "mlp.h"

#include "tap.h"
#include "fixtures.h"

static LpTrainConfig
Config(int dim, int hidden, int epochs)
{
	LpTrainConfig cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.dim = dim;
	cfg.hidden = hidden;
	cfg.decoder = LP_DECODER_MLP;
	cfg.epochs = epochs;
	cfg.lr = 0.05f;
	cfg.reg = (float) LP_MLP_DEFAULT_REG;
	cfg.loss = LP_TRAIN_BPR;
	cfg.negatives = 4;
	cfg.bias = true;
	cfg.seed = 11;
	cfg.margin = 1.0f;
	cfg.neg_mode = LP_NEG_PLAIN;
	cfg.hard_pool = 8;
	cfg.mean_degree = 1;
	return cfg;
}

typedef struct Run
{
	LpEmbeddings emb;
	float	   *w;
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

static void
AllocEmbeddings(LpEmbeddings *emb, const LpGraph *g, int dim)
{
	int32		rows = g->tied ? g->n_src : g->n_src + g->n_dst;

	memset(emb, 0, sizeof(*emb));
	emb->dim = dim;
	emb->U = malloc(sizeof(float) * rows * dim);
	emb->bu = malloc(sizeof(float) * rows);
	emb->V = g->tied ? emb->U : emb->U + (size_t) g->n_src * dim;
	emb->bv = g->tied ? emb->bu : emb->bu + g->n_src;
	LpInitEmbeddings(emb, g->n_src, g->n_dst, g->tied, 1);
}

/*
 * The MLP decoder trained on g with opt (NULL: the defaults); dot: LpTrain
 * instead, the baseline.  plant: the initial vectors' first coordinate is
 * +-0.5 by the parity of the node.
 */
static Run
TrainWith(const LpGraph *g, const LpTrainConfig *cfg, const LpMlpOptions *opt,
		  LpProgressFn progress, bool dot, bool plant)
{
	Run			r;
	LpSamplerState s;
	LpEntry	   *order = malloc(sizeof(LpEntry) * g->n_entries);
	int32	   *entry_src = malloc(sizeof(int32) * g->n_entries);

	memset(&r, 0, sizeof(r));
	AllocEmbeddings(&r.emb, g, cfg->dim);
	if (plant)
		for (int32 x = 0; x < (g->tied ? g->n_src : g->n_src + g->n_dst); x++)
			r.emb.U[(size_t) x * cfg->dim] = x % 2 ? 0.5f : -0.5f;
	LpSamplerInitUniform(&s, g->n_dst);
	if (dot)
		r.result = LpTrain(g, cfg, &s, &r.emb, order, entry_src, progress, &r, &r.loss);
	else
	{
		float	   *work = malloc(sizeof(float) * LpMlpWorkFloats(g->n_src, g->n_dst, g->tied, cfg));

		r.w = malloc(sizeof(float) * LpMlpWeightCount(cfg->dim, cfg->hidden));
		LpMlpInit(r.w, cfg->dim, cfg->hidden, cfg->seed);
		r.result = LpMlpTrainWith(g, cfg, opt, &s, &r.emb, r.w, order, entry_src, work,
								  progress, &r, &r.loss);
		free(work);
	}
	free(order);
	free(entry_src);
	return r;
}

static Run
Train(const LpGraph *g, const LpTrainConfig *cfg, LpProgressFn progress, bool dot)
{
	return TrainWith(g, cfg, NULL, progress, dot, false);
}

/* the model's score of (u, v), node biases included */
static double
PairScore(const Run *r, const LpTrainConfig *cfg, int32 u, int32 v)
{
	const float *hu = r->emb.U + (size_t) u * cfg->dim;
	const float *hv = r->emb.V + (size_t) v * cfg->dim;
	double		s = 0;

	if (r->w)
		s = LpMlpScore(r->w, cfg->dim, cfg->hidden, hu, hv);
	else
		for (int d = 0; d < cfg->dim; d++)
			s += hu[d] * hv[d];
	if (cfg->bias)
		s += r->emb.bu[u] + r->emb.bv[v];
	return s;
}

static void
RandomVector(LpRng *rng, float *x, int n, float scale)
{
	for (int i = 0; i < n; i++)
		x[i] = scale * (2.0f * LpRngUniform(rng) - 1.0f);
}

/* the size of the weight array, and the initial network = the dot product */
static void
TestLayoutAndInit(void)
{
	enum
	{
		DIM = 8, HIDDEN = 5
	};
	float		w[3 * DIM * HIDDEN + 2 * HIDDEN + 1 + 1];
	float		hu[DIM],
				hv[DIM];
	double		worst = 0;
	LpRng		rng;
	char		detail[64];

	w[3 * DIM * HIDDEN + 2 * HIDDEN + 1] = 12345.0f;	/* a guard past the end */
	LpMlpInit(w, DIM, HIDDEN, 7);
	Check(LpMlpWeightCount(DIM, HIDDEN) == 3 * DIM * HIDDEN + 2 * HIDDEN + 1 &&
		  LP_MLP_B2(DIM, HIDDEN) + 1 == LpMlpWeightCount(DIM, HIDDEN) &&
		  w[3 * DIM * HIDDEN + 2 * HIDDEN + 1] == 12345.0f,
		  "weight array: 3 dim hidden + 2 hidden + 1 floats, init writes no further");
	LpRngSeed(&rng, 3);
	for (int t = 0; t < 100; t++)
	{
		double		dot = 0;

		RandomVector(&rng, hu, DIM, 1.0f);
		RandomVector(&rng, hv, DIM, 1.0f);
		for (int d = 0; d < DIM; d++)
			dot += hu[d] * hv[d];
		worst = fmax(worst, fabs(LpMlpScore(w, DIM, HIDDEN, hu, hv) - dot));
	}
	snprintf(detail, sizeof(detail), " (largest difference %.1e)", worst);
	TapLine(worst < 1e-5, "the initial network scores the dot product h_u . h_v", detail);
}

/*
 * LpMlpScoreAll against LpMlpScore for every item, with random weights
 * (about half the units active for a pair) and an item count that is not
 * a multiple of the block.
 */
static void
TestScoreAll(void)
{
	enum
	{
		DIM = 24, HIDDEN = 40, ITEMS = 1337
	};
	Size		nw = LpMlpWeightCount(DIM, HIDDEN);
	float	   *w = malloc(sizeof(float) * nw);
	float	   *V = malloc(sizeof(float) * ITEMS * DIM);
	float	   *P = malloc(sizeof(float) * ITEMS * HIDDEN);
	float	   *scratch = malloc(sizeof(float) * LpMlpScoreAllFloats(DIM, HIDDEN));
	float	   *out = malloc(sizeof(float) * ITEMS);
	float		hu[DIM];
	double		worst = 0;
	LpRng		rng;
	char		detail[64];

	LpRngSeed(&rng, 21);
	RandomVector(&rng, w, (int) nw, 0.5f);
	RandomVector(&rng, V, ITEMS * DIM, 1.0f);
	LpMlpItemPrecompute(w, DIM, HIDDEN, V, ITEMS, P);
	for (int u = 0; u < 5; u++)
	{
		RandomVector(&rng, hu, DIM, 1.0f);
		LpMlpScoreAll(w, DIM, HIDDEN, hu, V, P, ITEMS, scratch, out);
		for (int i = 0; i < ITEMS; i++)
		{
			float		s = LpMlpScore(w, DIM, HIDDEN, hu, V + (size_t) i * DIM);

			worst = fmax(worst, fabs(out[i] - s) / fmax(1.0, fabs(s)));
		}
	}
	snprintf(detail, sizeof(detail), " (largest relative difference %.1e)", worst);
	TapLine(worst < 1e-4, "LpMlpScoreAll = LpMlpScore for every item (5 users x 1337 items)", detail);
	free(w);
	free(V);
	free(P);
	free(scratch);
	free(out);
}

/*
 * Planted communities: users and items in 4 groups; each user links to 12
 * items of its group, one of them held out (held[u]).
 */
enum
{
	NU = 200, NI = 120, GROUPS = 4, PER = 12
};

static LpGraph
Communities(int32 *held)
{
	return TestPlantedBipartite(NU, NI, GROUPS, PER, 5, held);
}

/* AUC of each user's held-out item against its non-edges */
static double
HeldOutAuc(const LpGraph *g, const Run *r, const LpTrainConfig *cfg, const int32 *held)
{
	double		above = 0,
				pairs = 0;

	for (int32 u = 0; u < g->n_src; u++)
	{
		double		sp = PairScore(r, cfg, u, held[u]);

		for (int32 i = 0; i < g->n_dst; i++)
		{
			double		s;

			if (i == held[u] || LpGraphHasEdge(g, u, i))
				continue;
			s = PairScore(r, cfg, u, i);
			above += sp > s ? 1 : sp == s ? 0.5 : 0;
			pairs += 1;
		}
	}
	return above / pairs;
}

static void
TestCommunities(void)
{
	int32		held[NU];
	LpGraph		g = Communities(held);
	char		detail[128];
	static const struct
	{
		LpTrainLoss loss;
		LpNegMode	mode;
		const char *name;
	}			runs[] = {
		{LP_TRAIN_BPR, LP_NEG_PLAIN, "bpr"},
		{LP_TRAIN_BCE, LP_NEG_PLAIN, "bce"},
		{LP_TRAIN_MARGIN, LP_NEG_PLAIN, "margin"},
		{LP_TRAIN_MSE, LP_NEG_PLAIN, "mse"},
		{LP_TRAIN_BPR, LP_NEG_HARD, "bpr, hard negatives"},
		{LP_TRAIN_BPR, LP_NEG_DYNAMIC, "bpr, dynamic negatives"},
	};

	for (int k = 0; k < lengthof(runs); k++)
	{
		LpTrainConfig cfg = Config(16, 16, 40);
		Run			r,
					dot;
		double		auc,
					auc_dot;
		char		what[128];

		cfg.loss = runs[k].loss;
		cfg.neg_mode = runs[k].mode;
		cfg.mean_degree = (float) g.n_entries / g.n_src;
		r = Train(&g, &cfg, Record, false);
		auc = HeldOutAuc(&g, &r, &cfg, held);
		dot = Train(&g, &cfg, NULL, true);
		auc_dot = HeldOutAuc(&g, &dot, &cfg, held);
		snprintf(what, sizeof(what), "planted communities, %s: held-out edges rank above non-edges",
				 runs[k].name);
		snprintf(detail, sizeof(detail), " (AUC %.3f; the dot product %.3f)", auc, auc_dot);
		TapLine(r.result == LP_TRAIN_OK && auc > 0.85 && auc > auc_dot - 0.03, what, detail);
		if (k == 0)
		{
			snprintf(detail, sizeof(detail), " (%.3f -> %.3f)", r.first_loss, r.loss);
			TapLine(r.loss < 0.7 * r.first_loss, "the loss falls from the first epoch to the last",
					detail);
		}
	}
}

/*
 * A relation that is not low-rank: users and items each have one of 16
 * labels, a random 16 x 16 table says which label pairs may link, and each
 * user links to 20 random items its table row allows; a tenth of the
 * edges held out.  AUC of the held-out edges against the pairs the table
 * forbids, with 4-dimensional vectors: a dot product can realise a
 * sign pattern of rank about 4 at most, the MLP any table.  The MLP wins
 * free (anchor 0) by a wide margin, and still, by less, with the default
 * anchor that keeps it near a dot product.
 */
static void
TestRelation(void)
{
	enum
	{
		L = 16, NR = 400, DEG = 20
	};
	bool		allow[L * L];
	int32	   *us = malloc(sizeof(int32) * NR * DEG),
			   *vs = malloc(sizeof(int32) * NR * DEG),
			   *hu = malloc(sizeof(int32) * NR * DEG),
			   *hv = malloc(sizeof(int32) * NR * DEG);
	int			m = 0,
				nh = 0;
	LpRng		rng;
	LpGraph		g;
	LpTrainConfig cfg = Config(4, 32, 40);
	LpMlpOptions free_decoder = {.decoder_lr = 0.2f, .anchor = 0.0f};
	double		auc[3];
	char		detail[128];

	LpRngSeed(&rng, 99);
	for (int i = 0; i < L * L; i++)
		allow[i] = LpRngBelow(&rng, 2) == 1;
	for (int32 u = 0; u < NR; u++)
		for (int k = 0; k < DEG; k++)
		{
			int32		v;

			do
				v = (int32) LpRngBelow(&rng, NR);
			while (!allow[(u % L) * L + v % L]);
			if (LpRngBelow(&rng, 10) == 0)
			{
				hu[nh] = u;
				hv[nh++] = v;
			}
			else
			{
				us[m] = u;
				vs[m++] = v;
			}
		}
	g = TestCsr(NR, NR, m, us, vs, false, false);
	/*
	 * The free MLP's result on this relation moves by several hundredths with
	 * the last bits of its sums (BLAS kernel, thread count): each model's AUC
	 * is the mean over three seeds.
	 */
	for (int model = 0; model < 3; model++)
	{
		/* 0: the free MLP, 1: the MLP with the defaults, 2: the dot product */
		double		above = 0,
					pairs = 0;

		for (int seed = 0; seed < 3; seed++)
		{
			LpTrainConfig c = cfg;
			Run			r;

			c.seed = cfg.seed + seed;
			r = TrainWith(&g, &c, model == 0 ? &free_decoder : NULL, NULL, model == 2, false);
			for (int e = 0; e < nh; e++)
			{
				double		sp = PairScore(&r, &c, hu[e], hv[e]);

				for (int32 v = 0; v < NR; v++)
				{
					double		s;

					if (allow[(hu[e] % L) * L + v % L])
						continue;
					s = PairScore(&r, &c, hu[e], v);
					above += sp > s ? 1 : sp == s ? 0.5 : 0;
					pairs += 1;
				}
			}
		}
		auc[model] = above / pairs;
	}
	snprintf(detail, sizeof(detail), " (AUC: mlp %.3f, dot %.3f)", auc[0], auc[2]);
	TapLine(auc[0] > 0.89 && auc[0] > auc[2] + 0.04,
			"random 16-label relation, dim 4: the free MLP learns it, the dot product cannot", detail);
	snprintf(detail, sizeof(detail), " (AUC: mlp %.3f, dot %.3f)", auc[1], auc[2]);
	TapLine(auc[1] > auc[2] + 0.025, "the same with the default anchor: the MLP still ahead", detail);
	free(us);
	free(vs);
	free(hu);
	free(hv);
}

/*
 * Heterophily on an undirected graph: 400 nodes in two groups (odd and
 * even), each linked to about 40 random nodes of the other group only.  A tied
 * dot product h_u . h_v is a positive semi-definite kernel: it cannot rank
 * a node's other-group pairs above its own group's on the whole.  Neither
 * model finds the groups from scratch (a symmetric start has no gradient
 * toward them), so the initial vectors carry them, as node features
 * would: coordinate 0 is +-0.5 by group.  AUC of held-out edges against
 * same-group pairs.
 */
static void
TestHeterophily(void)
{
	enum
	{
		NH = 400, DEG = 40
	};
	int32	   *us = malloc(sizeof(int32) * NH * DEG),
			   *vs = malloc(sizeof(int32) * NH * DEG),
			   *hu = malloc(sizeof(int32) * NH * DEG),
			   *hv = malloc(sizeof(int32) * NH * DEG);
	int			m = 0,
				nh = 0;
	LpRng		rng;
	LpGraph		g;
	LpTrainConfig cfg = Config(8, 16, 40);
	double		auc[2];
	double		asym = 0;
	char		detail[128];

	LpRngSeed(&rng, 17);
	for (int32 u = 0; u < NH; u++)
		for (int k = 0; k < DEG / 2; k++)
		{
			int32		v = (int32) (2 * LpRngBelow(&rng, NH / 2) + 1 - u % 2);

			if (LpRngBelow(&rng, 10) == 0)
			{
				hu[nh] = u;
				hv[nh++] = v;
			}
			else
			{
				us[m] = u;
				vs[m++] = v;
			}
		}
	g = TestCsr(NH, NH, m, us, vs, true, true);
	for (int model = 0; model < 2; model++)
	{
		Run			r = TrainWith(&g, &cfg, NULL, NULL, model == 1, true);
		double		above = 0,
					pairs = 0;

		for (int e = 0; e < nh; e++)
		{
			double		sp = PairScore(&r, &cfg, hu[e], hv[e]);

			for (int32 v = hu[e] % 2; v < NH; v += 2)
			{
				double		s;

				if (v == hu[e])
					continue;
				s = PairScore(&r, &cfg, hu[e], v);
				above += sp > s ? 1 : sp == s ? 0.5 : 0;
				pairs += 1;
			}
		}
		auc[model] = above / pairs;
		if (model == 0)
			for (int32 u = 0; u < NH; u++)
				for (int32 v = 0; v < NH; v++)
					asym = fmax(asym, fabs(PairScore(&r, &cfg, u, v) - PairScore(&r, &cfg, v, u)));
	}
	snprintf(detail, sizeof(detail), " (largest |s(u,v) - s(v,u)| %.2g)", asym);
	TapLine(asym < 1e-5, "undirected graph: the trained MLP scores a pair the same both ways", detail);
	snprintf(detail, sizeof(detail), " (AUC: mlp %.3f, dot %.3f)", auc[0], auc[1]);
	TapLine(auc[0] > 0.95 && auc[1] < 0.7,
			"heterophily, groups in the vectors: the MLP ranks cross-group pairs first, a tied dot cannot",
			detail);
	free(us);
	free(vs);
	free(hu);
	free(hv);
}

static void
TestRepeatAndStop(void)
{
	int32		held[NU];
	LpGraph		g = Communities(held);
	LpTrainConfig cfg = Config(8, 8, 3);
	Size		nw = LpMlpWeightCount(8, 8);
	Run			r1,
				r2,
				r3;

	cfg.neg_mode = LP_NEG_HARD;	/* the path with the most randomness */
	r1 = Train(&g, &cfg, NULL, false);
	r2 = Train(&g, &cfg, NULL, false);
	Check(r1.result == LP_TRAIN_OK &&
		  memcmp(r1.emb.U, r2.emb.U, sizeof(float) * (NU + NI) * 8) == 0 &&
		  memcmp(r1.emb.bu, r2.emb.bu, sizeof(float) * (NU + NI)) == 0 &&
		  memcmp(r1.w, r2.w, sizeof(float) * nw) == 0,
		  "the same seed trains the same vectors, biases and decoder weights");
	cfg.seed = 12;
	r2 = Train(&g, &cfg, NULL, false);
	Check(memcmp(r1.w, r2.w, sizeof(float) * nw) != 0, "another seed trains another decoder");
	r3 = Train(&g, &cfg, TestStopAtOnce, false);
	Check(r3.result == LP_TRAIN_STOPPED, "a progress callback returning false stops training");
	cfg.lr = 1e6f;
	r3 = Train(&g, &cfg, NULL, false);
	Check(r3.result == LP_TRAIN_DIVERGED, "a learning rate far too high is reported as divergence");
}

/*
 * Fold-in: train on the communities without users 0 .. FOLD-1 (they keep
 * their items in the graph but no edge), then fold each of them in from
 * its training items: its held-out item must rank above its non-edges as
 * for a trained user, and the same call twice gives the same vector.
 */
static void
TestFoldIn(void)
{
	enum
	{
		FOLD = 20
	};
	int32		held[NU];
	LpGraph		full = Communities(held);
	LpGraph		g;
	LpTrainConfig cfg = Config(16, 16, 40);
	Run			r;
	int32	   *us = malloc(sizeof(int32) * full.n_entries),
			   *vs = malloc(sizeof(int32) * full.n_entries);
	int			m = 0;
	float	   *work = malloc(sizeof(float) * LpMlpFoldInFloats(cfg.dim, cfg.hidden));
	float		u[16],
				u2[16],
				bu,
				bu2;
	double		above = 0,
				pairs = 0;
	bool		same = true;
	char		detail[64];

	for (int32 x = FOLD; x < NU; x++)
		for (int64 e = full.offsets[x]; e < full.offsets[x + 1]; e++)
		{
			us[m] = x;
			vs[m++] = full.targets[e];
		}
	g = TestCsr(NU, NI, m, us, vs, false, false);
	r = Train(&g, &cfg, NULL, false);

	for (int32 x = 0; x < FOLD; x++)
	{
		const int32 *items = full.targets + full.offsets[x];
		int			n = (int) (full.offsets[x + 1] - full.offsets[x]);
		double		sp;

		LpMlpFoldIn(r.w, r.emb.V, r.emb.bv, NI, items, n, &cfg, 30, work, u, &bu);
		LpMlpFoldIn(r.w, r.emb.V, r.emb.bv, NI, items, n, &cfg, 30, work, u2, &bu2);
		same = same && memcmp(u, u2, sizeof(u)) == 0 && bu == bu2;
		sp = LpMlpScore(r.w, cfg.dim, cfg.hidden, u, r.emb.V + (size_t) held[x] * cfg.dim)
			+ r.emb.bv[held[x]];
		for (int32 i = 0; i < NI; i++)
		{
			double		s;

			if (i == held[x] || LpSortedContains(items, n, i))
				continue;
			s = LpMlpScore(r.w, cfg.dim, cfg.hidden, u, r.emb.V + (size_t) i * cfg.dim)
				+ r.emb.bv[i];
			above += sp > s ? 1 : sp == s ? 0.5 : 0;
			pairs += 1;
		}
	}
	snprintf(detail, sizeof(detail), " (AUC %.3f)", above / pairs);
	TapLine(above / pairs > 0.9,
			"fold-in: a user unseen in training gets its held-out items ranked high", detail);
	Check(same, "fold-in is deterministic");
	free(us);
	free(vs);
	free(work);
}

int
main(void)
{
	TestRegisterDecoders();
	printf("1..20\n");
	TestLayoutAndInit();
	TestScoreAll();
	TestCommunities();
	TestRelation();
	TestHeterophily();
	TestRepeatAndStop();
	TestFoldIn();
	return TapFinish();
}
