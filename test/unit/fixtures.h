/*
 * fixtures.h: pieces the unit tests of the trainers share: a small graph
 * built from an edge list, planted bipartite communities, the dense
 * adjacency of a graph's stacked rows, a progress callback that stops
 * a run at once, and the decoders as the trainer sees them.  Header-only, so each test stays one compile line in
 * test/run.sh.
 */
#ifndef LINKPRED_TEST_FIXTURES_H
#define LINKPRED_TEST_FIXTURES_H

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "decoder.h"
#include "graph.h"
#include "train.h"

/* CSR of n_src sources from m edges (u[e], v[e]); tied: both directions */
static inline LpGraph
TestCsr(int32 n_src, int32 n_dst, int m, const int32 *us, const int32 *vs, bool homogeneous, bool tied)
{
	LpGraph		g;
	bool	   *adj = calloc((size_t) n_src * n_dst, sizeof(bool));
	int64		k = 0;

	memset(&g, 0, sizeof(g));
	g.n_src = n_src;
	g.n_dst = n_dst;
	g.homogeneous = homogeneous;
	g.tied = tied;
	for (int e = 0; e < m; e++)
	{
		adj[(size_t) us[e] * n_dst + vs[e]] = true;
		if (tied)
			adj[(size_t) vs[e] * n_dst + us[e]] = true;
	}
	g.offsets = calloc(n_src + 1, sizeof(int64));
	g.targets = calloc((size_t) n_src * n_dst + 1, sizeof(int32));
	g.src_degree = calloc(n_src, sizeof(int32));
	g.dst_degree = calloc(n_dst, sizeof(int32));
	for (int32 u = 0; u < n_src; u++)
	{
		g.offsets[u] = k;
		for (int32 v = 0; v < n_dst; v++)
			if (adj[(size_t) u * n_dst + v])
			{
				g.targets[k++] = v;
				g.src_degree[u]++;
				g.dst_degree[v]++;
			}
	}
	g.offsets[n_src] = k;
	g.n_entries = k;
	g.n_edges = tied ? k / 2 : k;
	free(adj);
	return g;
}

/*
 * Planted communities: nu sources and n_dst targets in `groups` groups
 * (node k is in group k % groups); each source links to `per` random
 * targets of its own group, the first of them held out into held[u].
 * Bipartite (n_dst items), or undirected (n_dst == nu nodes, no loops, tied
 * and symmetric).  Drawn from `seed`.
 */
static inline LpGraph
TestPlanted(int32 nu, int32 n_dst, int groups, int per, uint64 seed, bool undirected, int32 *held)
{
	int32	   *us = malloc(sizeof(int32) * nu * per),
			   *vs = malloc(sizeof(int32) * nu * per);
	bool	   *used = malloc(sizeof(bool) * (n_dst / groups));
	int			m = 0;
	LpRng		rng;
	LpGraph		g;

	LpRngSeed(&rng, seed);
	for (int32 u = 0; u < nu; u++)
	{
		int32		grp = u % groups;

		memset(used, 0, sizeof(bool) * (n_dst / groups));
		for (int k = 0; k < per; k++)
		{
			int32		j,
						v;

			do
			{
				j = (int32) LpRngBelow(&rng, (uint32) (n_dst / groups));
				v = grp + groups * j;
			} while (used[j] || (undirected && v == u));
			used[j] = true;
			if (k == 0)
				held[u] = v;
			else
			{
				us[m] = u;
				vs[m++] = v;
			}
		}
	}
	g = TestCsr(nu, n_dst, m, us, vs, undirected, undirected);
	free(us);
	free(vs);
	free(used);
	return g;
}

/* TestPlanted's bipartite graph: nu users, ni items */
static inline LpGraph
TestPlantedBipartite(int32 nu, int32 ni, int groups, int per, uint64 seed, int32 *held)
{
	return TestPlanted(nu, ni, groups, per, seed, false, held);
}

/*
 * AUC of each source's held-out target held[u] against every target that
 * is neither an edge of u nor u itself (undirected), scored as
 * U[u] . V[i] (+ bu[u] + bv[i] when bu is not NULL).  A source whose
 * held-out pair is an edge of g (an undirected hold-out that came back the
 * other way round) is left out.
 */
static inline double
TestHeldOutAuc(const LpGraph *g, const float *U, const float *V, const float *bu,
			   const float *bv, int dim, const int32 *held, bool undirected)
{
	double		above = 0,
				pairs = 0;

	for (int32 u = 0; u < g->n_src; u++)
	{
		const float *pu = U + (size_t) u * dim;
		double		sp = bu ? bu[u] + bv[held[u]] : 0;

		if (LpGraphHasEdge(g, u, held[u]))
			continue;
		for (int d = 0; d < dim; d++)
			sp += pu[d] * V[(size_t) held[u] * dim + d];
		for (int32 i = 0; i < g->n_dst; i++)
		{
			double		s = bu ? bu[u] + bv[i] : 0;

			if (i == held[u] || LpGraphHasEdge(g, u, i) || (undirected && i == u))
				continue;
			for (int d = 0; d < dim; d++)
				s += pu[d] * V[(size_t) i * dim + d];
			above += sp > s ? 1 : sp == s ? 0.5 : 0;
			pairs += 1;
		}
	}
	return pairs > 0 ? above / pairs : 0;
}

/*
 * The 0/1 adjacency of g's rows stacked as the encoders stack them (users
 * then items; a tied graph's nodes once), rows x rows, symmetric, and each
 * row's degree into *deg (both calloc'd); *rows is set.
 */
static inline double *
TestStackedAdjacency(const LpGraph *g, int32 *rows, double **deg)
{
	int32		n = g->tied ? g->n_src : g->n_src + g->n_dst;
	int32		item0 = g->tied ? 0 : g->n_src;
	double	   *A = calloc((size_t) n * n, sizeof(double));
	double	   *d = calloc(n, sizeof(double));

	for (int32 u = 0; u < g->n_src; u++)
		for (int64 e = g->offsets[u]; e < g->offsets[u + 1]; e++)
		{
			int32		v = item0 + g->targets[e];

			A[(size_t) u * n + v] = 1;
			A[(size_t) v * n + u] = 1;
		}
	for (int32 a = 0; a < n; a++)
		for (int32 b = 0; b < n; b++)
			d[a] += A[(size_t) a * n + b];
	*rows = n;
	*deg = d;
	return A;
}

static inline bool
TestStopAtOnce(void *arg, int epoch, double frac, double loss, bool epoch_end)
{
	return false;
}

/*
 * The builtin decoders (decoder.h) as the trainer's kernels ask them, in
 * the registry's order (dot 0, bilinear 1, mlp 2, LpDecoder's values):
 * the real kinds (model/decoders.c) allocate through PostgreSQL, so a
 * program that runs LpTrain registers these instead.
 */
static inline void
TestRegisterDecoders(void)
{
	static const LpDecoderKind dot = {.name = "dot", .traits = LP_DEC_VECTORS_ONLY | LP_DEC_PARALLEL};
	static const LpDecoderKind bilinear = {.name = "bilinear",
		.traits = LP_DEC_ONE_TABLE | LP_DEC_SGD_MATRIX};
	static const LpDecoderKind mlp = {.name = "mlp"};

	LpRegistryAdd(LP_DECODERS, &dot);
	LpRegistryAdd(LP_DECODERS, &bilinear);
	LpRegistryAdd(LP_DECODERS, &mlp);
}

/* a matrix factorisation trained by LpTrain, and what the training said */
typedef struct TestModel
{
	LpEmbeddings emb;
	int32		n_src,
				n_dst;
	double		loss;
	LpTrainResult result;
} TestModel;

/*
 * Train g with cfg from LpInitEmbeddings' vectors of seed 1; negatives
 * uniform, or with `degree` in proportion to the item's degree to 0.75.
 */
static inline TestModel
TestTrainModel(const LpGraph *g, LpTrainConfig cfg, bool degree)
{
	TestModel	m;
	LpSamplerState s;
	double	   *w = malloc(sizeof(double) * g->n_dst);
	float	   *prob = malloc(sizeof(float) * g->n_dst);
	int32	   *alias = malloc(sizeof(int32) * g->n_dst),
			   *work = malloc(sizeof(int32) * g->n_dst);
	LpEntry    *order = malloc(sizeof(LpEntry) * g->n_entries);
	int32	   *entry_src = malloc(sizeof(int32) * g->n_entries);

	m.n_src = g->n_src;
	m.n_dst = g->n_dst;
	memset(&m.emb, 0, sizeof(m.emb));
	m.emb.dim = cfg.dim;
	m.emb.U = malloc(sizeof(float) * g->n_src * cfg.dim);
	m.emb.bu = malloc(sizeof(float) * g->n_src);
	m.emb.V = g->tied ? m.emb.U : malloc(sizeof(float) * g->n_dst * cfg.dim);
	m.emb.bv = g->tied ? m.emb.bu : malloc(sizeof(float) * g->n_dst);
	LpInitEmbeddings(&m.emb, g->n_src, g->n_dst, g->tied, 1);
	if (degree)
	{
		for (int32 i = 0; i < g->n_dst; i++)
			w[i] = pow(g->dst_degree[i], 0.75);
		LpSamplerInitAlias(&s, g->n_dst, w, prob, alias, work);
		cfg.mean_degree = (float) g->n_entries / g->n_src;
	}
	else
		LpSamplerInitUniform(&s, g->n_dst);
	m.result = LpTrain(g, &cfg, &s, &m.emb, order, entry_src, NULL, NULL, &m.loss);
	free(w);
	free(prob);
	free(alias);
	free(work);
	free(order);
	free(entry_src);
	return m;
}

static inline void
TestFreeModel(TestModel *m, bool tied)
{
	free(m->emb.U);
	free(m->emb.bu);
	if (!tied)
	{
		free(m->emb.V);
		free(m->emb.bv);
	}
}

/* the same vectors, biases and final loss, bit for bit */
static inline bool
TestSameModel(const TestModel *a, const TestModel *b)
{
	return memcmp(a->emb.U, b->emb.U, sizeof(float) * a->n_src * a->emb.dim) == 0 &&
		memcmp(a->emb.V, b->emb.V, sizeof(float) * a->n_dst * a->emb.dim) == 0 &&
		memcmp(a->emb.bu, b->emb.bu, sizeof(float) * a->n_src) == 0 &&
		memcmp(a->emb.bv, b->emb.bv, sizeof(float) * a->n_dst) == 0 &&
		a->loss == b->loss;
}

#endif
