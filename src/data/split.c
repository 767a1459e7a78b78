/*
 * split.c: holding out test edges for linkpred_evaluate's holdout modes.
 *
 * The split works on the loaded, de-duplicated graph, so an edge that
 * appears many times in the source is in training or in the test set,
 * never both.  In an undirected graph each edge is stored in both
 * directions and is decided once, for both copies.  Nodes keep their
 * indices: a node whose every edge was held out stays in the model with
 * no training edges (as in the standard SEAL splits).
 *
 *   random    each edge goes to the test set with probability fraction;
 *   per_user  each user with at least two edges hands leave_out of them
 *             (fewer if needed to keep one) to the test set;
 *   time      edges first seen at or after the cut are the test set; with
 *             no cut given, the cut is the time after which the newest
 *             fraction of the edges lie.
 */
#include "postgres.h"

#include <stdlib.h>

#include "graph.h"
#include "jobs.h"
#include "train.h"

/* position of v in u's sorted target list, or -1 */
static int64
FindEntry(const LpGraph *g, int32 u, int32 v)
{
	int64		lo = g->offsets[u],
				hi = g->offsets[u + 1] - 1;

	while (lo <= hi)
	{
		int64		mid = (lo + hi) >> 1;

		if (g->targets[mid] == v)
			return mid;
		if (g->targets[mid] < v)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

static int
CompareInt64(const void *a, const void *b)
{
	int64		x = *(const int64 *) a,
				y = *(const int64 *) b;

	return (x > y) - (x < y);
}

void
LpSplitGraph(const LpGraph *g, int mode, double fraction, int leave_out,
			 bool has_cut, int64 cut, uint64 seed, LpSplit *out)
{
	bool	   *test = palloc0(sizeof(bool) * Max(g->n_entries, 1));
	LpRng		rng;
	LpGraph    *t = &out->train;
	int64		w = 0;

	memset(out, 0, sizeof(*out));
	LpRngSeed(&rng, seed);

	if (mode == LP_HOLDOUT_TIME && !has_cut)
	{
		int64	   *times = palloc(sizeof(int64) * Max(g->n_entries, 1));

		memcpy(times, g->times, sizeof(int64) * g->n_entries);
		qsort(times, g->n_entries, sizeof(int64), CompareInt64);
		cut = times[Min(g->n_entries - 1, (int64) ((1.0 - fraction) * g->n_entries))];
		pfree(times);
	}
	out->cut = cut;

	for (int32 u = 0; u < g->n_src; u++)
	{
		int64		first = g->offsets[u],
					last = g->offsets[u + 1];

		if (mode == LP_HOLDOUT_PER_USER)
		{
			int64		deg = last - first;
			int64		n = Min((int64) leave_out, deg - 1);

			/* n distinct random entries of u (partial Fisher-Yates on marks) */
			for (int64 k = 0; k < n; k++)
			{
				int64		e;

				do
					e = first + (int64) (LpRngNext(&rng) % (uint64) deg);
				while (test[e]);
				test[e] = true;
			}
			continue;
		}
		for (int64 e = first; e < last; e++)
		{
			int32		v = g->targets[e];
			bool		held;

			if (g->tied && v < u)
				continue;		/* decided with the (v, u) copy */
			if (mode == LP_HOLDOUT_TIME)
				held = g->times[e] >= cut;
			else
				held = LpRngUniform(&rng) < fraction;
			if (!held)
				continue;
			test[e] = true;
			if (g->tied)
				test[FindEntry(g, v, u)] = true;
		}
	}

	/* the training graph: every entry not held out */
	t->n_src = g->n_src;
	t->n_dst = g->n_dst;
	t->homogeneous = g->homogeneous;
	t->tied = g->tied;
	t->offsets = palloc(sizeof(int64) * ((Size) g->n_src + 1));
	t->targets = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int32) * Max(g->n_entries, 1));
	t->weights = g->weights ? MemoryContextAllocHuge(CurrentMemoryContext, sizeof(float) * Max(g->n_entries, 1)) : NULL;
	t->src_degree = palloc0(sizeof(int32) * Max(g->n_src, 1));
	t->dst_degree = palloc0(sizeof(int32) * Max(g->n_dst, 1));
	out->test_u = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int32) * Max(g->n_entries, 1));
	out->test_v = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int32) * Max(g->n_entries, 1));
	for (int32 u = 0; u < g->n_src; u++)
	{
		t->offsets[u] = w;
		for (int64 e = g->offsets[u]; e < g->offsets[u + 1]; e++)
		{
			int32		v = g->targets[e];

			if (test[e])
			{
				if (!g->tied || u < v)
				{
					out->test_u[out->n_test] = u;
					out->test_v[out->n_test] = v;
					out->n_test++;
				}
				continue;
			}
			t->targets[w] = v;
			if (t->weights)
				t->weights[w] = g->weights[e];
			t->dst_degree[v]++;
			w++;
		}
		t->src_degree[u] = (int32) (w - t->offsets[u]);
	}
	t->offsets[g->n_src] = w;
	t->n_entries = w;
	/* the second relation is not held out: it is not what is predicted */
	t->n_links = g->n_links;
	t->link_a = g->link_a;
	t->link_b = g->link_b;
	/* nor are the items' attributes: they are the items', not edges */
	t->n_attrs = g->n_attrs;
	t->item_attr_off = g->item_attr_off;
	t->item_attr = g->item_attr;
	t->item_attr_w = g->item_attr_w;
	t->n_edges = g->tied ? w / 2 : w;
	pfree(test);
}
