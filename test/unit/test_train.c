/*
 * test_train.c: unit tests of the numeric core (src/kernels/sampler.c, src/kernels/train.c),
 * which never calls PostgreSQL and so runs as a plain program.  Prints TAP.
 *
 *  - a sampled negative is never a training edge of its source, nor the
 *    source itself in a homogeneous graph, for both samplers;
 *  - the alias sampler draws in proportion to its weights;
 *  - training lowers the loss and ranks held-in edges above non-edges;
 *  - the bilinear decoder learns a direction one shared table cannot;
 *  - the user-user links' pull: one pass over the links per epoch, however
 *    the epoch is cut, and each draw moves two linked users toward each
 *    other around their midpoint, no one else;
 *  - the affine permutation reaches every node once, whatever n; the
 *    matrix factorisation's epoch order (LpSourceOrder) visits every
 *    positive once, each source's together, in a new order each epoch.
 */
#include "postgres.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "train.h"

#include "fixtures.h"
#include "tap.h"


/* a random graph of n nodes, each linked to deg random others, as CSR */
static LpGraph
RandomGraph(int32 n, int deg, bool homogeneous, LpRng *rng)
{
	LpGraph		g;
	int64		m = 0;

	memset(&g, 0, sizeof(g));
	g.n_src = g.n_dst = n;
	g.homogeneous = homogeneous;
	g.offsets = calloc(n + 1, sizeof(int64));
	g.targets = calloc((size_t) n * deg, sizeof(int32));
	g.dst_degree = calloc(n, sizeof(int32));
	for (int32 u = 0; u < n; u++)
	{
		bool	   *mark = calloc(n, sizeof(bool));

		for (int k = 0; k < deg; k++)
		{
			int32		v = (int32) LpRngBelow(rng, n);

			if (v != u || !homogeneous)
				mark[v] = true;
		}
		g.offsets[u] = m;
		for (int32 v = 0; v < n; v++)
			if (mark[v])
			{
				g.targets[m++] = v;
				g.dst_degree[v]++;
			}
		free(mark);
	}
	g.offsets[n] = m;
	g.n_entries = g.n_edges = m;
	return g;
}

static void
TestNegativesAreNonEdges(bool degree_sampler)
{
	LpRng		rng;
	LpGraph		g;
	LpSamplerState s;
	int32		n = 300;
	double	   *w = malloc(sizeof(double) * n);
	float	   *prob = malloc(sizeof(float) * n);
	int32	   *alias = malloc(sizeof(int32) * n);
	int32	   *work = malloc(sizeof(int32) * n);
	int64		bad = 0,
				drawn = 0;

	LpRngSeed(&rng, 42);
	/* dense: a third of all pairs are edges, so rejection matters */
	g = RandomGraph(n, 120, true, &rng);
	if (degree_sampler)
	{
		for (int32 i = 0; i < n; i++)
			w[i] = pow(g.dst_degree[i], 0.75);
		LpSamplerInitAlias(&s, n, w, prob, alias, work);
	}
	else
		LpSamplerInitUniform(&s, n);
	for (int i = 0; i < 200000; i++)
	{
		int32		u = (int32) LpRngBelow(&rng, n);
		int32		j = LpDrawNegative(&g, &s, &rng, u);

		if (j < 0)
			continue;
		drawn++;
		if (j == u)
			bad++;
		for (int64 e = g.offsets[u]; e < g.offsets[u + 1]; e++)
			if (g.targets[e] == j)
				bad++;
	}
	Check(bad == 0 && drawn > 190000,
		  degree_sampler ? "degree sampler: no negative is a training edge or the node itself"
		  : "uniform sampler: no negative is a training edge or the node itself");
}

static void
TestAliasProportions(void)
{
	LpRng		rng;
	LpSamplerState s;
	double		w[5] = {1, 2, 3, 4, 0};
	float		prob[5];
	int32		alias[5],
				work[5];
	int64		count[5] = {0};
	int64		n = 1000000;
	bool		ok = true;

	LpRngSeed(&rng, 7);
	LpSamplerInitAlias(&s, 5, w, prob, alias, work);
	for (int64 i = 0; i < n; i++)
		count[LpSamplerDraw(&s, &rng)]++;
	for (int i = 0; i < 5; i++)
		if (fabs((double) count[i] / n - w[i] / 10.0) > 0.005)
			ok = false;
	Check(ok, "alias sampler draws each node in proportion to its weight");
}

static void
TestTrainingLearns(void)
{
	LpRng		rng;
	LpGraph		g;
	LpSamplerState s;
	LpTrainConfig cfg = {.dim = 16, .epochs = 30, .lr = 0.05f, .reg = 0.0001f,
	.loss = LP_TRAIN_BPR, .negatives = 4, .bias = true, .seed = 3};
	LpEmbeddings emb;
	int32		n = 200;
	double		loss;
	int64		wins = 0,
				trials = 0;
	LpTrainResult r;

	LpRngSeed(&rng, 9);
	g = RandomGraph(n, 10, false, &rng);
	emb.dim = cfg.dim;
	emb.U = malloc(sizeof(float) * n * cfg.dim);
	emb.V = malloc(sizeof(float) * n * cfg.dim);
	emb.bu = malloc(sizeof(float) * n);
	emb.bv = malloc(sizeof(float) * n);
	LpInitEmbeddings(&emb, n, n, false, 1);
	LpSamplerInitUniform(&s, n);
	r = LpTrain(&g, &cfg, &s, &emb, malloc(sizeof(int64) * g.n_entries),
				malloc(sizeof(int32) * g.n_entries), NULL, NULL, &loss);
	Check(r == LP_TRAIN_OK && loss < 0.5 * log(2.0) * cfg.negatives,
		  "training converges below the loss of a random model");

	/* a trained edge outscores a random non-edge of the same user */
	for (int i = 0; i < 20000; i++)
	{
		int32		u = (int32) LpRngBelow(&rng, n);
		int64		deg = g.offsets[u + 1] - g.offsets[u];
		int32		pos,
					neg;
		float		sp = 0,
					sn = 0;

		if (deg == 0)
			continue;
		pos = g.targets[g.offsets[u] + LpRngBelow(&rng, (uint32) deg)];
		neg = LpDrawNegative(&g, &s, &rng, u);
		if (neg < 0)
			continue;
		for (int d = 0; d < cfg.dim; d++)
		{
			sp += emb.U[u * cfg.dim + d] * emb.V[pos * cfg.dim + d];
			sn += emb.U[u * cfg.dim + d] * emb.V[neg * cfg.dim + d];
		}
		sp += emb.bv[pos];
		sn += emb.bv[neg];
		wins += sp > sn;
		trials++;
	}
	Check((double) wins / trials > 0.95, "trained edges outrank non-edges (training AUC > 0.95)");
}

/*
 * Initial embeddings are finite for every seed.  Seed 4 at Gowalla's size
 * (29,858 users, 40,981 items, 64 dimensions) once drew an exact 0 into
 * log() and made every training with it "diverge" at once.
 */
static void
TestInitFinite(void)
{
	int32		nu = 29858,
				ni = 40981;
	LpEmbeddings emb;
	bool		ok = true;

	emb.dim = 64;
	emb.U = malloc(sizeof(float) * nu * 64);
	emb.V = malloc(sizeof(float) * ni * 64);
	emb.bu = malloc(sizeof(float) * nu);
	emb.bv = malloc(sizeof(float) * ni);
	for (uint64 seed = 1; seed <= 6 && ok; seed++)
	{
		LpInitEmbeddings(&emb, nu, ni, false, seed);
		for (int64 i = 0; i < (int64) nu * 64 && ok; i++)
			ok = isfinite(emb.U[i]);
		for (int64 i = 0; i < (int64) ni * 64 && ok; i++)
			ok = isfinite(emb.V[i]);
	}
	Check(ok, "initial embeddings are finite (Gowalla's shape, seeds 1-6, seed 4 once was not)");
}

/* every negative mode keeps the rule: never a training edge, never u */
static void
TestNegativeModes(void)
{
	LpRng		rng;
	LpGraph		g;
	LpSamplerState s;
	LpEmbeddings emb;
	LpTrainConfig cfg = {.dim = 8, .negatives = 4, .hard_pool = 8};
	int32		n = 300;
	static const LpNegMode modes[] = {LP_NEG_PLAIN, LP_NEG_INBATCH, LP_NEG_HARD, LP_NEG_DYNAMIC};
	int64		bad = 0,
				drawn = 0;

	LpRngSeed(&rng, 5);
	g = RandomGraph(n, 120, true, &rng);
	emb.dim = 8;
	emb.U = malloc(sizeof(float) * n * 8);
	emb.V = emb.U;
	emb.bu = malloc(sizeof(float) * n);
	emb.bv = emb.bu;
	LpInitEmbeddings(&emb, n, n, true, 1);
	LpSamplerInitUniform(&s, n);
	cfg.mean_degree = (float) g.n_entries / n;
	for (int m = 0; m < 4; m++)
	{
		cfg.neg_mode = modes[m];
		for (int i = 0; i < 20000; i++)
		{
			int32		u = (int32) LpRngBelow(&rng, n);
			int32		j = LpNegative(&g, &cfg, &s, &emb, emb.U + u * 8, &rng, u);

			if (j < 0)
				continue;
			drawn++;
			if (j == u || LpGraphHasEdge(&g, u, j))
				bad++;
		}
	}
	Check(bad == 0 && drawn > 70000, "plain, inbatch, hard and dynamic negatives are never training edges");
}

/*
 * A directed cycle of groups: u -> v exactly when v's group follows u's.
 * With one vector per node, a dot product scores v -> u as u -> v; the
 * bilinear decoder's R can tell them apart.  Held-out edges are ranked
 * against their own reversals (never edges).  Returns that AUC.
 */
static double
DirectedAuc(LpDecoder decoder, bool *queries_match)
{
	const int32 n = 300;
	const int	groups = 6;
	LpRng		rng;
	LpGraph		g;
	LpSamplerState s;
	LpTrainConfig cfg = {.dim = 16, .epochs = 40, .lr = 0.05f, .reg = 0.001f,
	.loss = LP_TRAIN_BPR, .negatives = 4, .bias = true, .seed = 3, .decoder = decoder};
	LpEmbeddings emb;
	int32	   *held_u = malloc(sizeof(int32) * n * 12);
	int32	   *held_v = malloc(sizeof(int32) * n * 12);
	int64		n_held = 0,
				m = 0;
	double		loss,
				wins = 0;
	float	   *Q = malloc(sizeof(float) * n * cfg.dim);

	memset(&g, 0, sizeof(g));
	g.n_src = g.n_dst = n;
	g.homogeneous = true;
	g.offsets = calloc(n + 1, sizeof(int64));
	g.targets = calloc((size_t) n * 12, sizeof(int32));
	g.dst_degree = calloc(n, sizeof(int32));
	LpRngSeed(&rng, 21);
	for (int32 u = 0; u < n; u++)
	{
		bool	   *mark = calloc(n, sizeof(bool));

		for (int k = 0; k < 12; k++)
		{
			/* nodes of group c are c, c + groups, c + 2 groups, ... */
			int32		v = (int32) ((u % groups + 1) % groups +
									 groups * LpRngBelow(&rng, n / groups));

			mark[v] = true;
		}
		g.offsets[u] = m;
		for (int32 v = 0; v < n; v++)
			if (mark[v])
			{
				if (LpRngBelow(&rng, 10) == 0)
				{
					held_u[n_held] = u;
					held_v[n_held++] = v;
					continue;
				}
				g.targets[m++] = v;
				g.dst_degree[v]++;
			}
		free(mark);
	}
	g.offsets[n] = m;
	g.n_entries = g.n_edges = m;

	/* one table for both roles, separate role biases */
	emb.dim = cfg.dim;
	emb.U = malloc(sizeof(float) * n * cfg.dim);
	emb.V = emb.U;
	emb.bu = malloc(sizeof(float) * n);
	emb.bv = malloc(sizeof(float) * n);
	emb.R = malloc(sizeof(float) * cfg.dim * cfg.dim);
	emb.R_state = malloc(sizeof(float) * LP_BILINEAR_STATE_FLOATS(cfg.dim));
	LpInitEmbeddings(&emb, n, n, true, 1);
	memset(emb.bv, 0, sizeof(float) * n);
	LpBilinearInit(emb.R, cfg.dim);
	LpSamplerInitUniform(&s, n);
	LpTrain(&g, &cfg, &s, &emb, malloc(sizeof(int64) * g.n_entries),
			malloc(sizeof(int32) * g.n_entries), NULL, NULL, &loss);

	/* serving's form: query vectors, then a dot product */
	if (decoder == LP_DECODER_BILINEAR)
		LpBilinearQueries(emb.U, n, cfg.dim, emb.R, Q);
	else
		memcpy(Q, emb.U, sizeof(float) * n * cfg.dim);
	*queries_match = true;
	for (int64 h = 0; h < n_held; h++)
	{
		int32		u = held_u[h],
					v = held_v[h];
		float		fwd = emb.bu[u] + emb.bv[v],
					rev = emb.bu[v] + emb.bv[u],
					direct = 0;

		for (int d = 0; d < cfg.dim; d++)
		{
			fwd += Q[u * cfg.dim + d] * emb.V[v * cfg.dim + d];
			rev += Q[v * cfg.dim + d] * emb.V[u * cfg.dim + d];
		}
		/* U[u]' R V[v] computed directly */
		for (int a = 0; a < cfg.dim; a++)
			for (int b = 0; b < cfg.dim; b++)
				direct += emb.U[u * cfg.dim + a] *
					(decoder == LP_DECODER_BILINEAR ? emb.R[a * cfg.dim + b] : (a == b)) *
					emb.V[v * cfg.dim + b];
		if (fabsf(direct + emb.bu[u] + emb.bv[v] - fwd) > 1e-4f * (1 + fabsf(fwd)))
			*queries_match = false;
		wins += fwd > rev ? 1.0 : fwd == rev ? 0.5 : 0.0;
	}
	return wins / Max(n_held, 1);
}

static void
TestBilinearDirection(void)
{
	bool		match_bilinear,
				match_dot;
	double		bilinear = DirectedAuc(LP_DECODER_BILINEAR, &match_bilinear);
	double		dot = DirectedAuc(LP_DECODER_DOT, &match_dot);

	printf("# held-out edge vs its reversal: bilinear AUC %.3f, dot %.3f\n", bilinear, dot);
	Check(bilinear > 0.95, "bilinear decoder, one table: held-out edges outrank their reversals (AUC > 0.95)");
	Check(dot < 0.75, "dot decoder, one table: cannot tell an edge from its reversal (AUC < 0.75)");
	Check(match_bilinear, "query vectors R'U[u] dotted with V[v] equal U[u]' R V[v]");
}

static void
TestLinkPull(void)
{
	LpGraph		g;
	LpTrainConfig cfg;
	LpRng		rng;
	int32		a[1] = {0},
				b[1] = {2};
	float		U[3 * 2] = {1, 0, 5, 5, -1, 4};
	float		before[3 * 2];
	bool		ok = true;

	memset(&g, 0, sizeof(g));
	memset(&cfg, 0, sizeof(cfg));
	g.n_src = 3;
	g.n_entries = 10;
	g.n_links = 1;
	g.link_a = a;
	g.link_b = b;
	cfg.dim = 2;
	cfg.link_weight = 1;
	LpRngSeed(&rng, 1);
	memcpy(before, U, sizeof(U));

	/* an epoch of 10 positives in ten pieces: the one link is drawn once */
	for (int64 p = 0; p < 10; p++)
		LpLinkPull(&g, &cfg, U, 0.25f, p, p + 1, &rng);
	/* rate 0.25: the gap between users 0 and 2 halves, their midpoint stays */
	for (int d = 0; d < 2; d++)
	{
		ok &= fabsf((U[4 + d] - U[d]) - 0.5f * (before[4 + d] - before[d])) < 1e-6f;
		ok &= fabsf((U[4 + d] + U[d]) - (before[4 + d] + before[d])) < 1e-6f;
		ok &= U[2 + d] == before[2 + d];
	}
	Check(ok, "link pull: one draw per link per epoch halves the gap at rate 0.25, keeps the midpoint, leaves others");

	cfg.link_weight = 0;
	memcpy(before, U, sizeof(U));
	LpLinkPull(&g, &cfg, U, 0.25f, 0, 10, &rng);
	Check(memcmp(before, U, sizeof(U)) == 0, "link pull: weight 0 changes nothing");
}

static void
TestAffinePerm(void)
{
	LpRng		rng;
	bool		ok = true;
	bool	   *hit = calloc(5000, sizeof(bool));

	LpRngSeed(&rng, 3);
	for (int64 n = 1; n <= 5000; n += (n < 40 ? 1 : 997))
		for (int draw = 0; draw < 5; draw++)
		{
			LpAffinePerm perm;

			LpAffineDraw(&perm, n, &rng);
			memset(hit, 0, sizeof(bool) * n);
			for (int64 k = 0; k < n; k++)
			{
				int32		u = LpAffineAt(&perm, k);

				ok &= u >= 0 && u < n && !hit[u];
				if (u >= 0 && u < n)
					hit[u] = true;
			}
		}
	Check(ok, "affine permutation: every node of 0 .. n - 1 once, for n from 1 to 4986");
	free(hit);
}

static void
TestSourceOrder(void)
{
	LpRng		rng;
	LpGraph		g;
	LpEntry	   *order;
	int32	   *entry_src;
	int32	   *first = NULL;
	int32	   *seen;
	bool		once = true,
				together = true,
				moved = false;

	LpRngSeed(&rng, 5);
	g = RandomGraph(400, 7, false, &rng);
	order = malloc(sizeof(LpEntry) * g.n_entries);
	entry_src = malloc(sizeof(int32) * g.n_entries);
	seen = malloc(sizeof(int32) * Max(g.n_entries, g.n_src));
	LpEntrySources(&g, entry_src);
	for (int epoch = 0; epoch < 3; epoch++)
	{
		int32	   *sources = malloc(sizeof(int32) * g.n_src);
		int			runs = 0;

		LpSourceOrder(&g, order, &rng);
		memset(seen, 0, sizeof(int32) * g.n_entries);
		for (int64 p = 0; p < g.n_entries; p++)
			once &= order[p] < g.n_entries && seen[order[p]]++ == 0;
		/* a source's positives together: it starts one run, never two */
		memset(seen, 0, sizeof(int32) * g.n_src);
		for (int64 p = 0; p < g.n_entries && once; p++)
		{
			int32		u = entry_src[order[p]];

			if (p > 0 && u == entry_src[order[p - 1]])
				continue;
			together &= seen[u]++ == 0;
			sources[runs++] = u;
		}
		if (first == NULL)
			first = sources;
		else
		{
			moved |= memcmp(first, sources, sizeof(int32) * runs) != 0;
			free(sources);
		}
	}
	Check(once && together && moved,
		  "source order: every positive once an epoch, each source's together, the sources in a new order each epoch");
	free(first);
	free(seen);
	free(order);
	free(entry_src);
}

int
main(void)
{
	TestRegisterDecoders();
	printf("1..14\n");
	TestLinkPull();
	TestAffinePerm();
	TestSourceOrder();
	TestBilinearDirection();
	TestNegativeModes();
	TestInitFinite();
	TestNegativesAreNonEdges(false);
	TestNegativesAreNonEdges(true);
	TestAliasProportions();
	TestTrainingLearns();
	return TapFinish();
}
