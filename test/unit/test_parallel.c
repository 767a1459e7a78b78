/*
 * test_parallel.c: unit tests of the parallel epoch loop (src/kernels/parallel.c)
 * through the matrix factorisation's trainer (src/kernels/train.c).  Prints TAP.
 *
 *  - one thread is the serial trainer, bit for bit;
 *  - with 2 and 3 threads a fixed seed repeats bit for bit, for every
 *    loss and negative mode, bipartite and tied, with the user-user pull;
 *  - within a round no two cells (which the threads share out) touch the
 *    same row, positives and negatives, and every positive is visited
 *    once per epoch;
 *  - on a planted graph with noise, 2 threads rank held-out edges as well
 *    as 1 (AUC within 0.003 over three seeds' mean);
 *  - negatives shared by a group of positives (neg_group): 1, 2 and 3
 *    threads repeat bit for bit for every loss and the in-batch mode,
 *    bipartite and tied; hard and dynamic negatives ignore it; a candidate
 *    that is an edge of the positive's source is never trained as a
 *    negative; held-out AUC within 0.005 of the per-positive draw, for
 *    groups of 16 and of 4 (which train in source order), 1 and 2 threads;
 *  - in source order (LP_ORDER_BY_SOURCE) each source's positives of a
 *    cell come together within its round.
 */
#include "postgres.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "train.h"

#include "fixtures.h"
#include "tap.h"

/*
 * nu users, ni items in `groups` groups; each user has `per` items, a
 * fraction `noise` of them anywhere, the rest in its group; the first
 * in-group item is held out into held[u].
 */
static LpGraph
NoisyPlanted(int32 nu, int32 ni, int groups, int per, double noise, uint64 seed, int32 *held)
{
	int32	   *us = malloc(sizeof(int32) * nu * per),
			   *vs = malloc(sizeof(int32) * nu * per);
	int			m = 0;
	LpRng		rng;
	LpGraph		g;

	LpRngSeed(&rng, seed);
	for (int32 u = 0; u < nu; u++)
	{
		int32		grp = u % groups;

		held[u] = grp + groups * (int32) LpRngBelow(&rng, (uint32) (ni / groups));
		for (int k = 0; k < per; k++)
		{
			int32		j = LpRngUniform(&rng) < noise ? (int32) LpRngBelow(&rng, (uint32) ni)
				: grp + groups * (int32) LpRngBelow(&rng, (uint32) (ni / groups));

			if (j == held[u])
				continue;
			us[m] = u;
			vs[m++] = j;
		}
	}
	g = TestCsr(nu, ni, m, us, vs, false, false);
	free(us);
	free(vs);
	return g;
}

/* a random homogeneous graph, both directions (tied) */
static LpGraph
RandomTied(int32 n, int m, uint64 seed)
{
	int32	   *us = malloc(sizeof(int32) * m),
			   *vs = malloc(sizeof(int32) * m);
	int			k = 0;
	LpRng		rng;
	LpGraph		g;

	LpRngSeed(&rng, seed);
	for (int e = 0; e < m; e++)
	{
		us[k] = (int32) LpRngBelow(&rng, (uint32) n);
		vs[k] = (int32) LpRngBelow(&rng, (uint32) n);
		if (us[k] != vs[k])
			k++;
	}
	g = TestCsr(n, n, k, us, vs, true, true);
	free(us);
	free(vs);
	return g;
}

typedef TestModel Model;

/* negatives in proportion to degree^0.75: the sampler these tests run */
static Model
Train(const LpGraph *g, LpTrainConfig cfg)
{
	return TestTrainModel(g, cfg, true);
}

/* the held-out item against 200 random non-edges of each user */
static double
HeldAuc(const LpGraph *g, const Model *m, const int32 *held)
{
	LpRng		rng;
	double		wins = 0;
	int64		trials = 0;
	int			dim = m->emb.dim;

	LpRngSeed(&rng, 99);
	for (int32 u = 0; u < g->n_src; u++)
	{
		const float *pu = m->emb.U + (int64) u * dim;
		float		sp = LpDot(pu, m->emb.V + (int64) held[u] * dim, dim) + m->emb.bv[held[u]];

		for (int k = 0; k < 200; k++)
		{
			int32		j = (int32) LpRngBelow(&rng, (uint32) g->n_dst);
			float		sn;

			if (j == held[u] || LpGraphHasEdge(g, u, j))
				continue;
			sn = LpDot(pu, m->emb.V + (int64) j * dim, dim) + m->emb.bv[j];
			wins += sp > sn ? 1 : sp == sn ? 0.5 : 0;
			trials++;
		}
	}
	return wins / Max(trials, 1);
}

static const LpTrainConfig base = {.dim = 16, .epochs = 8, .lr = 0.05f, .reg = 0.0001f,
	.loss = LP_TRAIN_BPR, .negatives = 4, .bias = true, .seed = 3, .margin = 1.0f,
.hard_pool = 4};

static void
TestRepeats(void)
{
	int32	   *held = malloc(sizeof(int32) * 600);
	LpGraph		bip = NoisyPlanted(600, 400, 8, 12, 0.3, 5, held);
	LpGraph		tied = RandomTied(500, 4000, 6);
	static const struct
	{
		const char *name;
		LpTrainLoss loss;
		LpNegMode mode;
	}			runs[] = {
		{"bpr", LP_TRAIN_BPR, LP_NEG_PLAIN},
		{"bce", LP_TRAIN_BCE, LP_NEG_PLAIN},
		{"margin", LP_TRAIN_MARGIN, LP_NEG_PLAIN},
		{"mse", LP_TRAIN_MSE, LP_NEG_PLAIN},
		{"in-batch", LP_TRAIN_BPR, LP_NEG_INBATCH},
		{"hard", LP_TRAIN_BCE, LP_NEG_HARD},
		{"dynamic", LP_TRAIN_BPR, LP_NEG_DYNAMIC},
	};
	static int32 la[300],
				lb[300];

	for (int k = 0; k < 300; k++)
	{
		la[k] = k;
		lb[k] = (k * 7 + 3) % 600;
	}
	for (int r = 0; r < (int) lengthof(runs); r++)
		for (int tg = 0; tg < 2; tg++)
		{
			const LpGraph *g = tg ? &tied : &bip;
			LpTrainConfig cfg = base;
			Model		one,
						a,
						b,
						c;
			char		what[160];

			cfg.loss = runs[r].loss;
			cfg.neg_mode = runs[r].mode;
			one = Train(g, cfg);
			cfg.threads = 2;
			a = Train(g, cfg);
			b = Train(g, cfg);
			cfg.threads = 3;
			c = Train(g, cfg);
			snprintf(what, sizeof(what), "%s, %s: 2 threads repeat bit for bit, differ from 1 thread, and train (loss %.3f vs %.3f)",
					 runs[r].name, tg ? "tied" : "bipartite", a.loss, one.loss);
			Check(a.result == LP_TRAIN_OK && TestSameModel(&a, &b) && !TestSameModel(&a, &one) &&
				  fabs(a.loss - one.loss) < 0.1 * one.loss, what);
			TestFreeModel(&b, g->tied);
			b = Train(g, cfg);
			snprintf(what, sizeof(what), "%s, %s: 3 threads repeat bit for bit", runs[r].name,
					 tg ? "tied" : "bipartite");
			Check(c.result == LP_TRAIN_OK && TestSameModel(&b, &c) && !TestSameModel(&a, &c), what);
			TestFreeModel(&one, g->tied);
			TestFreeModel(&a, g->tied);
			TestFreeModel(&b, g->tied);
			TestFreeModel(&c, g->tied);
		}

	/* the user-user pull runs between pieces, on the calling thread */
	{
		LpTrainConfig cfg = base;
		Model		a,
					b;

		bip.link_a = la;
		bip.link_b = lb;
		bip.n_links = 300;
		cfg.link_weight = 0.5f;
		cfg.threads = 2;
		a = Train(&bip, cfg);
		b = Train(&bip, cfg);
		Check(a.result == LP_TRAIN_OK && TestSameModel(&a, &b), "user-user pull: 2 threads repeat bit for bit");
		bip.n_links = 0;
		TestFreeModel(&a, false);
		TestFreeModel(&b, false);
	}
	free(held);
}

/* one thread is the serial trainer: threads = 1 and 0 give the same bits */
static void
TestOneThread(void)
{
	int32	   *held = malloc(sizeof(int32) * 600);
	LpGraph		g = NoisyPlanted(600, 400, 8, 12, 0.3, 5, held);
	LpTrainConfig cfg = base;
	Model		a,
				b;

	a = Train(&g, cfg);
	cfg.threads = 1;
	b = Train(&g, cfg);
	Check(TestSameModel(&a, &b), "threads 1 is threads 0: the serial trainer");
	Check(LpTrainThreads(&g, &cfg) == 1, "LpTrainThreads: 1 when asked for 1");
	cfg.threads = 4;
	Check(LpTrainThreads(&g, &cfg) == 4, "LpTrainThreads: 4 when asked for 4 with the dot decoder");
	cfg.decoder = LP_DECODER_BILINEAR;
	Check(LpTrainThreads(&g, &cfg) == 1, "LpTrainThreads: the bilinear decoder trains on one thread");
	TestFreeModel(&a, false);
	TestFreeModel(&b, false);
	free(held);
}

/* what the rows of the threads of a round are; checked between pieces */
typedef struct Watch
{
	const LpGraph *g;
	const LpTrainConfig *cfg;
	const int32 *entry_src;
	int64	   *mark[32];		/* per cell of a round: row -> step_base + 1 of the last round touching it */
	int32	   *visits;			/* per entry, this epoch */
	int			cells;
	int64		conflicts;
	int64		negatives[32];	/* per cell of a round: one thread at a time adds */
	int			epoch;
	bool		once;
	/* each source's positives together within a cell's round */
	int64	   *run_mark[32];	/* per cell: source -> step_base + 1 of the round it ran in */
	int32		last[32];		/* per cell: the source of its last positive, -1 none */
	int64		last_round[32];
	bool		split;
} Watch;

static void
Touch(Watch *w, const LpShare *sh, int32 row)
{
	w->mark[sh->cell][row] = sh->step_base + 1;
}

static void
WatchShare(void *state, const LpEntry *order, int64 lo, int64 hi, const LpShare *sh,
		   const LpSamplerState *sampler, LpRng *rng, double *loss)
{
	Watch	   *w = state;
	const LpGraph *g = w->g;
	/* sources and targets are rows of two tables unless tied: offset targets */
	int32		off = g->tied ? 0 : g->n_src;

	for (int64 p = lo; p < hi; p++)
	{
		int64		e = order[p];
		int32		u = w->entry_src[e];

		w->visits[e]++;
		w->cells = Max(w->cells, sh->cells);
		if (w->last_round[sh->cell] != sh->step_base + 1 || w->last[sh->cell] != u)
		{
			/* a new run of u in this cell: never a second in one round */
			if (w->run_mark[sh->cell][u] == sh->step_base + 1)
				w->split = true;
			w->run_mark[sh->cell][u] = sh->step_base + 1;
			w->last[sh->cell] = u;
			w->last_round[sh->cell] = sh->step_base + 1;
		}
		Touch(w, sh, u);
		Touch(w, sh, off + g->targets[e]);
		for (int k = 0; k < 4; k++)
		{
			int32		j = LpNegative(g, w->cfg, sampler, NULL, NULL, rng, u);

			if (j >= 0)
			{
				Touch(w, sh, off + j);
				w->negatives[sh->cell]++;
			}
		}
	}
	*loss += 0;
}

static void
WatchSerial(void *state, int epoch, int64 done, int64 now, LpRng *rng)
{
	Watch	   *w = state;
	int32		rows = w->g->tied ? w->g->n_src : w->g->n_src + w->g->n_dst;

	for (int32 r = 0; r < rows; r++)
		for (int a = 0; a < w->cells; a++)
			for (int b = a + 1; b < w->cells; b++)
				if (w->mark[a][r] != 0 && w->mark[a][r] == w->mark[b][r])
					w->conflicts++;
	if (now == w->g->n_entries)
	{
		for (int64 e = 0; e < w->g->n_entries; e++)
			if (w->visits[e] != 1)
				w->once = false;
		memset(w->visits, 0, sizeof(int32) * w->g->n_entries);
	}
}

static void
TestDisjointRounds(void)
{
	int32	   *held = malloc(sizeof(int32) * 3000);
	LpGraph		graphs[2];

	graphs[0] = NoisyPlanted(3000, 1000, 10, 10, 0.5, 8, held);
	graphs[1] = RandomTied(2000, 20000, 9);
	for (int gi = 0; gi < 2; gi++)
		for (int threads = 2; threads <= 4; threads++)
		{
			const LpGraph *g = &graphs[gi];
			LpTrainConfig cfg = base;
			LpSamplerState s;
			LpRng		rng;
			LpEntry	   *order = malloc(sizeof(LpEntry) * g->n_entries);
			int32	   *entry_src = malloc(sizeof(int32) * g->n_entries);
			Watch		w;
			double		loss;
			int64		negatives = 0;
			char		what[160];

			memset(&w, 0, sizeof(w));
			cfg.epochs = 2;
			w.g = g;
			w.cfg = &cfg;
			w.entry_src = entry_src;
			w.once = true;
			w.visits = calloc(g->n_entries, sizeof(int32));
			for (int c = 0; c < 32; c++)
			{
				w.mark[c] = calloc(g->n_src + g->n_dst, sizeof(int64));
				w.run_mark[c] = calloc(g->n_src, sizeof(int64));
			}
			LpSamplerInitUniform(&s, g->n_dst);
			LpTrainBegin(g, &cfg, &rng, order, entry_src);
			/* small pieces: many checks per round */
			LpEpochLoopParallel(g, &cfg, threads, 500, LP_ORDER_BY_SOURCE, &rng, order, entry_src, &s,
								WatchShare, WatchSerial, &w, NULL, NULL, &loss);
			for (int c = 0; c < 32; c++)
				negatives += w.negatives[c];
			snprintf(what, sizeof(what), "%s, %d threads, %d cells a round: no row touched by two cells of a round (%lld negatives), every positive once per epoch, each source's together in its cell",
					 gi ? "tied" : "bipartite", threads, w.cells, (long long) negatives);
			Check(w.conflicts == 0 && w.once && !w.split &&
				  negatives > 2 * 4 * g->n_entries * 9 / 10, what);
			for (int c = 0; c < 32; c++)
			{
				free(w.mark[c]);
				free(w.run_mark[c]);
			}
			free(w.visits);
			free(order);
			free(entry_src);
		}
	free(held);
}

/* the held-out AUC of cfg trained 10 epochs, the mean over seeds 1 to 3 */
static double
MeanHeldAuc(const LpGraph *g, const int32 *held, LpTrainConfig cfg)
{
	double		auc = 0;

	for (int seed = 1; seed <= 3; seed++)
	{
		Model		m;

		cfg.epochs = 10;
		cfg.seed = seed;
		m = Train(g, cfg);
		auc += HeldAuc(g, &m, held) / 3;
		TestFreeModel(&m, false);
	}
	return auc;
}

/* quality: 2 threads within 0.003 AUC of 1 thread, mean of three seeds */
static void
TestQuality(void)
{
	int32	   *held = malloc(sizeof(int32) * 4000);
	LpGraph		g = NoisyPlanted(4000, 2000, 20, 16, 0.4, 12, held);
	double		auc[2];
	char		what[160];

	for (int t = 0; t < 2; t++)
	{
		LpTrainConfig cfg = base;

		cfg.threads = t + 1;
		auc[t] = MeanHeldAuc(&g, held, cfg);
	}
	snprintf(what, sizeof(what), "held-out AUC: 2 threads %.4f, 1 thread %.4f, within 0.003",
			 auc[1], auc[0]);
	Check(auc[0] > 0.75 && fabs(auc[1] - auc[0]) <= 0.003, what);
	free(held);
}

/* negatives shared by groups of positives (cfg.neg_group, train.c) */
static void
TestSharedNegatives(void)
{
	int32	   *held = malloc(sizeof(int32) * 4000);
	LpGraph		bip = NoisyPlanted(600, 400, 8, 12, 0.3, 5, held);
	LpGraph		tied = RandomTied(500, 4000, 6);
	static const struct
	{
		const char *name;
		LpTrainLoss loss;
		LpNegMode mode;
	}			runs[] = {
		{"bpr", LP_TRAIN_BPR, LP_NEG_PLAIN},
		{"bce", LP_TRAIN_BCE, LP_NEG_PLAIN},
		{"margin", LP_TRAIN_MARGIN, LP_NEG_PLAIN},
		{"mse", LP_TRAIN_MSE, LP_NEG_PLAIN},
		{"in-batch", LP_TRAIN_BPR, LP_NEG_INBATCH},
	};
	char		what[200];

	for (int r = 0; r < (int) lengthof(runs); r++)
		for (int tg = 0; tg < 2; tg++)
		{
			const LpGraph *g = tg ? &tied : &bip;
			LpTrainConfig cfg = base;
			Model		own,
						one,
						one2,
						a,
						b,
						c;

			cfg.loss = runs[r].loss;
			cfg.neg_mode = runs[r].mode;
			own = Train(g, cfg);
			cfg.neg_group = 16;
			one = Train(g, cfg);
			one2 = Train(g, cfg);
			cfg.threads = 2;
			a = Train(g, cfg);
			b = Train(g, cfg);
			cfg.threads = 3;
			c = Train(g, cfg);
			snprintf(what, sizeof(what), "%s, %s, groups of 16: 1 thread repeats, differs from its own draws and trains (loss %.3f vs %.3f)",
					 runs[r].name, tg ? "tied" : "bipartite", one.loss, own.loss);
			Check(one.result == LP_TRAIN_OK && TestSameModel(&one, &one2) && !TestSameModel(&one, &own) &&
				  fabs(one.loss - own.loss) < 0.15 * own.loss, what);
			snprintf(what, sizeof(what), "%s, %s, groups of 16: 2 threads repeat bit for bit, 3 threads differ",
					 runs[r].name, tg ? "tied" : "bipartite");
			Check(a.result == LP_TRAIN_OK && c.result == LP_TRAIN_OK && TestSameModel(&a, &b) &&
				  !TestSameModel(&a, &c) && !TestSameModel(&a, &one), what);
			TestFreeModel(&b, g->tied);
			b = Train(g, cfg);
			snprintf(what, sizeof(what), "%s, %s, groups of 16: 3 threads repeat bit for bit",
					 runs[r].name, tg ? "tied" : "bipartite");
			Check(TestSameModel(&b, &c), what);
			TestFreeModel(&own, g->tied);
			TestFreeModel(&one, g->tied);
			TestFreeModel(&one2, g->tied);
			TestFreeModel(&a, g->tied);
			TestFreeModel(&b, g->tied);
			TestFreeModel(&c, g->tied);
		}

	/* hard and dynamic negatives are drawn per positive whatever neg_group says */
	for (int mode = 0; mode < 2; mode++)
	{
		LpTrainConfig cfg = base;
		Model		a,
					b;

		cfg.neg_mode = mode ? LP_NEG_DYNAMIC : LP_NEG_HARD;
		cfg.threads = 2;
		a = Train(&bip, cfg);
		cfg.neg_group = 16;
		b = Train(&bip, cfg);
		Check(TestSameModel(&a, &b), mode ? "dynamic negatives: neg_group changes nothing"
			  : "hard negatives: neg_group changes nothing");
		TestFreeModel(&a, false);
		TestFreeModel(&b, false);
	}

	/*
	 * A complete bipartite graph: every candidate is an edge of every
	 * source, so no negative may train, and under bce every bias only
	 * ever moves up (a negative's step would push both down, four times
	 * per positive).
	 */
	for (int threads = 1; threads <= 2; threads++)
	{
		int32		us[40 * 30],
					vs[40 * 30];
		int			m = 0;
		LpGraph		full;
		LpTrainConfig cfg = base;
		Model		a;
		bool		up = true;

		for (int32 u = 0; u < 40; u++)
			for (int32 i = 0; i < 30; i++)
			{
				us[m] = u;
				vs[m++] = i;
			}
		full = TestCsr(40, 30, m, us, vs, false, false);
		cfg.loss = LP_TRAIN_BCE;
		cfg.neg_group = 8;
		cfg.threads = threads;
		a = Train(&full, cfg);
		for (int32 u = 0; u < 40; u++)
			up &= a.emb.bu[u] > 0;
		for (int32 i = 0; i < 30; i++)
			up &= a.emb.bv[i] > 0;
		snprintf(what, sizeof(what), "complete graph, groups of 8, %d thread(s): no edge trained as a negative (every bias above 0)",
				 threads);
		Check(a.result == LP_TRAIN_OK && up, what);
		TestFreeModel(&a, false);
	}

	/*
	 * quality: groups of 16 (2 threads) and of 4, the default (1 and 2
	 * threads), trained in source order, within 0.005 AUC of the
	 * per-positive draw in a shuffled order, three seeds
	 */
	{
		LpGraph		g = NoisyPlanted(4000, 2000, 20, 16, 0.4, 12, held);
		static const struct
		{
			int			group;
			int			threads;
		}			runs[] = {{16, 2}, {4, 1}, {4, 2}};

		for (int r = 0; r < 3; r++)
		{
			double		auc[2];

			for (int k = 0; k < 2; k++)
			{
				LpTrainConfig cfg = base;

				cfg.threads = runs[r].threads;
				cfg.neg_group = k ? runs[r].group : 1;
				auc[k] = MeanHeldAuc(&g, held, cfg);
			}
			snprintf(what, sizeof(what), "held-out AUC: groups of %d, %d thread(s) %.4f, own draws %.4f, within 0.005",
					 runs[r].group, runs[r].threads, auc[1], auc[0]);
			Check(auc[0] > 0.75 && auc[1] >= auc[0] - 0.005, what);
		}
	}
	free(held);
}

int
main(void)
{
	TestRegisterDecoders();
	printf("1..77\n");
	TestOneThread();
	TestRepeats();
	TestDisjointRounds();
	TestQuality();
	TestSharedNegatives();
	return TapFinish();
}
