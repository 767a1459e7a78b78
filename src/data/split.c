/*
 * split.c: holding out test edges for linkpred_evaluate's holdout modes.
 *
 * The split works on the loaded, de-duplicated graph, so an edge that
 * appears many times in the source is in training or in the test set,
 * never both.  In an undirected graph each edge is stored in both
 * directions and is decided once, for both copies.  LpSplitGraph keeps
 * every node's index, so a node whose every edge was held out is still
 * there with no training edge (the structural head's own split, headfit.c,
 * relies on the indices).  For linkpred_evaluate's holdout the pipeline
 * then calls LpSplitDropUnseen: such nodes leave the training graph and the
 * others are renumbered in order, which is the graph the loader builds
 * from the training edges alone.  A model trained on it knows exactly the
 * nodes a model trained on a relation of those edges would know; a test
 * pair with a node it does not know carries -1 there and is scored as a
 * node with no history, as linkpred_evaluate(test => ...) scores it.
 * Otherwise such a node would keep a vector learnt from negative samples
 * only, and would be drawn as a non-edge in the sampled AUC.
 *
 *   random    each edge goes to the test set with probability fraction;
 *   per_user  each user with at least two edges hands leave_out of them
 *             (fewer if needed to keep one) to the test set; leave_out 0
 *             (tune.c's validation part) hands about fraction of them,
 *             rounded at random;
 *   time      edges first seen at or after the cut are the test set; with
 *             no cut given, the cut is the time after which the newest
 *             fraction of the edges lie.
 */
#include "postgres.h"

#include <math.h>
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
			/* leave_out 0 (tuning's validation part): about fraction of them */
			int64		want = leave_out > 0 ? leave_out :
				(int64) floor(fraction * deg + LpRngUniform(&rng));
			int64		n = Min(want, deg - 1);

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

	/*
	 * The training graph: g's nodes with every entry not held out.  It keeps
	 * g's second relation, which is not held out (it is not what is
	 * predicted), and g's node attributes (they are the nodes', not edges);
	 * it carries no times.
	 */
	*t = *g;
	t->times = NULL;
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
	t->n_edges = g->tied ? w / 2 : w;
	pfree(test);
}

/*
 * Drop the nodes the split left without a training edge (in a homogeneous
 * graph: none in either direction) and renumber the rest in their order,
 * the order in which the loader met them, so the training graph is the one
 * the loader would build from the training edges alone.  Test pairs are
 * renumbered too, -1 for a dropped node; links with a dropped end go.
 * A dropped node has no entries, so the entries stay where they are: only
 * their targets, the offsets and the degrees are rewritten.
 */
void
LpSplitDropUnseen(LpSplit *split)
{
	LpGraph    *t = &split->train;
	int32	   *smap = palloc(sizeof(int32) * Max(t->n_src, 1));
	int32	   *dmap = t->homogeneous ? smap : palloc(sizeof(int32) * Max(t->n_dst, 1));
	bool	   *counted = palloc0(sizeof(bool) * Max(t->n_src, 1));
	int32		ns = 0,
				nd = 0;
	int64		nl = 0;

	/*
	 * With a side's attributes (item_features, user_features) every node of
	 * that side stays: one without a training edge is a cold node scored
	 * from its attributes, as it is when the model is trained on the
	 * training edges alone.
	 */
	for (int32 x = 0; x < t->n_src; x++)
		smap[x] = (t->src_degree[x] > 0 || (t->homogeneous && t->dst_degree[x] > 0) ||
				   t->user_attr_off != NULL) ? ns++ : -1;
	if (t->homogeneous)
		nd = ns;
	else
		for (int32 x = 0; x < t->n_dst; x++)
			dmap[x] = (t->dst_degree[x] > 0 || t->item_attr_off != NULL) ? nd++ : -1;

	split->unseen_users = t->n_src - ns;
	split->unseen_items = t->homogeneous ? 0 : t->n_dst - nd;
	split->unknown_users = 0;
	for (int64 i = 0; i < split->n_test; i++)
	{
		int32		u = split->test_u[i];

		if (smap[u] < 0 && !counted[u])
		{
			counted[u] = true;
			split->unknown_users++;
		}
		split->test_u[i] = smap[u];
		split->test_v[i] = dmap[split->test_v[i]];
	}
	pfree(counted);
	if (ns == t->n_src && nd == t->n_dst)
		return;

	/* smap[x] <= x and dmap[x] <= x: moving down in ascending order is safe */
	for (int64 e = 0; e < t->n_entries; e++)
		t->targets[e] = dmap[t->targets[e]];
	for (int32 x = 0; x < t->n_src; x++)
		if (smap[x] >= 0)
		{
			t->offsets[smap[x]] = t->offsets[x];
			t->src_degree[smap[x]] = t->src_degree[x];
		}
	t->offsets[ns] = t->n_entries;
	for (int32 x = 0; x < t->n_dst; x++)
		if (dmap[x] >= 0)
			t->dst_degree[dmap[x]] = t->dst_degree[x];

	/* the links are the loaded graph's arrays: new ones */
	if (t->n_links > 0)
	{
		int32	   *a = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int32) * t->n_links);
		int32	   *b = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int32) * t->n_links);

		for (int64 i = 0; i < t->n_links; i++)
			if (smap[t->link_a[i]] >= 0 && smap[t->link_b[i]] >= 0)
			{
				a[nl] = smap[t->link_a[i]];
				b[nl] = smap[t->link_b[i]];
				nl++;
			}
		t->link_a = a;
		t->link_b = b;
		t->n_links = nl;
	}
	t->n_src = ns;
	t->n_dst = nd;
	pfree(smap);
	if (dmap != smap)
		pfree(dmap);
}
