/*
 * fixtures.h: pieces the unit tests of the trainers share: a small graph
 * built from an edge list, and a progress callback that stops a run at
 * once.  Header-only, so each test stays one compile line in test/run.sh.
 */
#ifndef LINKPRED_TEST_FIXTURES_H
#define LINKPRED_TEST_FIXTURES_H

#include <stdlib.h>
#include <string.h>

#include "graph.h"

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

static inline bool
TestStopAtOnce(void *arg, int epoch, double frac, double loss, bool epoch_end)
{
	return false;
}

#endif
