/*
 * test_split.c: the holdout splits of src/data/split.c leak nothing.
 *
 * For random, per-user and time holdouts, on directed and undirected
 * graphs: every edge is in training or in the test set, never both (an
 * undirected edge leaves training in both directions); per-user holdout
 * keeps at least one training edge per user; a time holdout puts exactly
 * the edges first seen at or after the cut in the test set.
 *
 * split.c allocates with palloc; this program supplies malloc-backed
 * stand-ins for the few allocator entry points it uses.
 */
#include "postgres.h"

#include <stdio.h>
#include <stdlib.h>

#include "graph.h"
#include "jobs.h"
#include "train.h"

#include "tap.h"

MemoryContext CurrentMemoryContext = NULL;
void	   *palloc(Size size) { return malloc(size ? size : 1); }
void	   *palloc0(Size size) { return calloc(1, size ? size : 1); }
void	   *MemoryContextAllocHuge(MemoryContext c, Size size) { return malloc(size ? size : 1); }
void		pfree(void *p) { free(p); }


/* a random simple graph as CSR; undirected ones stored both ways */
static LpGraph
Graph(int32 n, int deg, bool tied, LpRng *rng)
{
	LpGraph		g;
	bool	   *adj = calloc((size_t) n * n, 1);
	int64		m = 0;

	memset(&g, 0, sizeof(g));
	g.n_src = g.n_dst = n;
	g.homogeneous = tied;
	g.tied = tied;
	for (int32 u = 0; u < n; u++)
		for (int k = 0; k < deg; k++)
		{
			int32		v = (int32) LpRngBelow(rng, n);

			if (tied && v == u)
				continue;
			adj[u * n + v] = true;
			if (tied)
				adj[v * n + u] = true;
		}
	g.offsets = calloc(n + 1, sizeof(int64));
	g.targets = malloc(sizeof(int32) * n * n);
	g.times = malloc(sizeof(int64) * n * n);
	for (int32 u = 0; u < n; u++)
	{
		g.offsets[u] = m;
		for (int32 v = 0; v < n; v++)
			if (adj[u * n + v])
			{
				g.targets[m] = v;
				/* symmetric time: both copies of an undirected edge agree */
				g.times[m] = (int64) ((Min(u, v) * 7919 + Max(u, v) * 104729) % 1000);
				m++;
			}
	}
	g.offsets[n] = m;
	g.n_entries = m;
	g.n_edges = tied ? m / 2 : m;
	free(adj);
	return g;
}

static bool
HasEdge(const LpGraph *g, int32 u, int32 v)
{
	return LpGraphHasEdge(g, u, v);
}

static void
CheckSplit(const LpGraph *g, int mode, const char *name)
{
	LpSplit		s;
	bool		disjoint = true,
				covered = true,
				keeps_one = true,
				by_time = true;
	char		what[160];

	LpSplitGraph(g, mode, 0.2, 2, false, 0, 42, &s);

	/* no held-out edge is left in training, in either direction */
	for (int64 i = 0; i < s.n_test; i++)
	{
		if (HasEdge(&s.train, s.test_u[i], s.test_v[i]) ||
			(g->tied && HasEdge(&s.train, s.test_v[i], s.test_u[i])))
			disjoint = false;
		if (!HasEdge(g, s.test_u[i], s.test_v[i]))
			covered = false;
		if (mode == LP_HOLDOUT_TIME)
		{
			int64		e = g->offsets[s.test_u[i]];

			while (g->targets[e] != s.test_v[i])
				e++;
			if (g->times[e] < s.cut)
				by_time = false;
		}
	}
	/* training edges are original edges; train + test = all */
	for (int32 u = 0; u < g->n_src; u++)
	{
		for (int64 e = s.train.offsets[u]; e < s.train.offsets[u + 1]; e++)
			if (!HasEdge(g, u, s.train.targets[e]))
				covered = false;
		if (mode == LP_HOLDOUT_PER_USER && g->offsets[u + 1] - g->offsets[u] >= 2 &&
			s.train.offsets[u + 1] == s.train.offsets[u])
			keeps_one = false;
	}
	if (mode == LP_HOLDOUT_TIME)
		for (int32 u = 0; u < g->n_src; u++)
			for (int64 e = g->offsets[u]; e < g->offsets[u + 1]; e++)
				if ((g->times[e] < s.cut) != HasEdge(&s.train, u, g->targets[e]))
					by_time = false;

	snprintf(what, sizeof(what), "%s: no held-out edge in training", name);
	Check(disjoint && s.n_test > 0, what);
	snprintf(what, sizeof(what), "%s: train + test is exactly the graph", name);
	Check(covered && s.train.n_edges + s.n_test == g->n_edges, what);
	if (mode == LP_HOLDOUT_PER_USER)
	{
		snprintf(what, sizeof(what), "%s: every user keeps a training edge", name);
		Check(keeps_one, what);
	}
	if (mode == LP_HOLDOUT_TIME)
	{
		snprintf(what, sizeof(what), "%s: test = edges first seen at or after the cut", name);
		Check(by_time, what);
	}
}

int
main(void)
{
	LpRng		rng;
	LpGraph		directed,
				undirected;

	LpRngSeed(&rng, 1);
	directed = Graph(120, 6, false, &rng);
	undirected = Graph(120, 4, true, &rng);
	printf("1..14\n");
	CheckSplit(&directed, LP_HOLDOUT_RANDOM, "random, directed");
	CheckSplit(&undirected, LP_HOLDOUT_RANDOM, "random, undirected");
	CheckSplit(&directed, LP_HOLDOUT_PER_USER, "per_user");
	CheckSplit(&directed, LP_HOLDOUT_TIME, "time, directed");
	CheckSplit(&undirected, LP_HOLDOUT_TIME, "time, undirected");
	{
		LpSplit		s;

		LpSplitGraph(&undirected, LP_HOLDOUT_RANDOM, 0.2, 1, false, 0, 42, &s);
		Check(s.train.n_entries % 2 == 0 && s.n_test > 0.1 * undirected.n_edges &&
			  s.n_test < 0.3 * undirected.n_edges,
			  "random 20%: about a fifth of the undirected edges, both copies removed");
	}
	return TapFinish();
}
