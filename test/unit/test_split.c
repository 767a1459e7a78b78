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

/*
 * LpSplitDropUnseen after a split: the nodes left without a training edge
 * are gone, the others renumbered in order (entry for entry the same
 * training graph), test pairs renumbered with -1 for a dropped node, and
 * the counts right.
 */
static void
CheckDropUnseen(const LpGraph *g, int mode, double fraction, const char *name)
{
	LpSplit		raw,
				s;
	int32	   *smap = malloc(sizeof(int32) * g->n_src);
	int32	   *dmap = malloc(sizeof(int32) * g->n_dst);
	bool	   *seen_user = calloc(g->n_src, 1);
	int32		ns = 0,
				nd = 0;
	int64		unknown = 0;
	bool		same = true,
				pairs = true,
				degrees = true;
	char		what[160];

	LpSplitGraph(g, mode, fraction, 2, false, 0, 7, &raw);
	LpSplitGraph(g, mode, fraction, 2, false, 0, 7, &s);
	/* the expected maps, from the untouched split */
	for (int32 x = 0; x < g->n_src; x++)
		smap[x] = (raw.train.src_degree[x] > 0 ||
				   (g->homogeneous && raw.train.dst_degree[x] > 0)) ? ns++ : -1;
	for (int32 x = 0; x < g->n_dst; x++)
		dmap[x] = g->homogeneous ? smap[x] : (raw.train.dst_degree[x] > 0 ? nd++ : -1);
	if (g->homogeneous)
		nd = ns;
	for (int64 i = 0; i < raw.n_test; i++)
		if (smap[raw.test_u[i]] < 0 && !seen_user[raw.test_u[i]])
		{
			seen_user[raw.test_u[i]] = true;
			unknown++;
		}

	LpSplitDropUnseen(&s);

	for (int32 u = 0; u < g->n_src; u++)
	{
		if (smap[u] < 0)
		{
			if (raw.train.src_degree[u] != 0)
				same = false;
			continue;
		}
		if (s.train.offsets[smap[u]] != raw.train.offsets[u] ||
			s.train.src_degree[smap[u]] != raw.train.src_degree[u])
			same = false;
		for (int64 e = raw.train.offsets[u]; e < raw.train.offsets[u + 1]; e++)
			if (s.train.targets[e] != dmap[raw.train.targets[e]] || s.train.targets[e] < 0)
				same = false;
	}
	for (int32 x = 0; x < g->n_dst; x++)
		if (dmap[x] >= 0 && s.train.dst_degree[dmap[x]] != raw.train.dst_degree[x])
			degrees = false;
	for (int32 u = 0; u < s.train.n_src; u++)
		if (s.train.src_degree[u] == 0 && !(g->homogeneous && s.train.dst_degree[u] > 0))
			degrees = false;	/* a node left with no training edge */
	for (int64 i = 0; i < raw.n_test; i++)
		if (s.test_u[i] != smap[raw.test_u[i]] || s.test_v[i] != dmap[raw.test_v[i]])
			pairs = false;

	snprintf(what, sizeof(what), "%s: unseen nodes dropped, the rest renumbered entry for entry", name);
	Check(same && degrees && s.train.n_src == ns && s.train.n_dst == nd &&
		  s.train.offsets[ns] == raw.train.n_entries && s.train.n_entries == raw.train.n_entries, what);
	snprintf(what, sizeof(what), "%s: test pairs renumbered, -1 for a dropped node; counts", name);
	Check(pairs && s.n_test == raw.n_test && s.unknown_users == unknown &&
		  s.unseen_users == g->n_src - ns &&
		  s.unseen_items == (g->homogeneous ? 0 : g->n_dst - nd) &&
		  (mode == LP_HOLDOUT_PER_USER ? s.unseen_users == 0 : unknown > 0), what);
	free(smap);
	free(dmap);
	free(seen_user);
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
	printf("1..24\n");
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
	{
		LpGraph		sparse = Graph(200, 2, false, &rng),
					sparse_und = Graph(200, 1, true, &rng),
					sparse_dir = sparse;

		sparse_dir.homogeneous = true;	/* one id space, directed */
		CheckDropUnseen(&sparse, LP_HOLDOUT_RANDOM, 0.6, "drop unseen, random, bipartite");
		CheckDropUnseen(&sparse_dir, LP_HOLDOUT_RANDOM, 0.6, "drop unseen, random, directed");
		CheckDropUnseen(&sparse_und, LP_HOLDOUT_RANDOM, 0.6, "drop unseen, random, undirected");
		CheckDropUnseen(&sparse, LP_HOLDOUT_PER_USER, 0.1, "drop unseen, per_user");
		CheckDropUnseen(&sparse_und, LP_HOLDOUT_TIME, 0.5, "drop unseen, time, undirected");
	}
	return TapFinish();
}
