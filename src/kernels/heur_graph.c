/*
 * heur_graph.c: the heuristics' and the structural head's view of a
 * training graph (heuristics.h's LpHeurGraph): each node's sorted list of
 * neighbours, or a bipartite graph's lists both ways, and the connected
 * components.  Built once per graph, in training (the head's fit,
 * evaluation) and on a version's first use in serving.
 * Pure C: no PostgreSQL calls; the caller's allocator owns the arrays.
 */
#include "postgres.h"

#include <string.h>

#include "graph.h"
#include "head.h"

static int32
Find(int32 *parent, int32 x)
{
	while (parent[x] != x)
	{
		parent[x] = parent[parent[x]];	/* path halving */
		x = parent[x];
	}
	return x;
}

/* union-find over every edge, then each node's representative and size */
static void
BuildComponents(LpHeurGraph *g, void *(*alloc) (Size))
{
	int32		item0 = g->homogeneous ? 0 : g->n_users;
	int32		n = g->homogeneous ? g->n_users : g->n_users + g->n_items;
	int32	   *parent = alloc(sizeof(int32) * Max(n, 1));
	int32	   *size = alloc(sizeof(int32) * Max(n, 1));

	for (int32 x = 0; x < n; x++)
	{
		parent[x] = x;
		size[x] = 0;
	}
	for (int32 u = 0; u < g->n_users; u++)
		for (int64 e = g->u_off[u]; e < g->u_off[u + 1]; e++)
		{
			int32		a = Find(parent, u),
						b = Find(parent, item0 + g->u_adj[e]);

			if (a != b)
				parent[Max(a, b)] = Min(a, b);
		}
	for (int32 x = 0; x < n; x++)
	{
		parent[x] = Find(parent, x);
		size[parent[x]]++;
	}
	for (int32 x = 0; x < n; x++)
		size[x] = size[parent[x]];
	g->comp = parent;
	g->comp_size = size;
}

void
LpHeurGraphBuild(LpHeurGraph *g, bool homogeneous, bool tied, int32 n_users, int32 n_items,
				 const int64 *start, const int32 *len, const int32 *items,
				 void *(*alloc) (Size))
{
	int64		nnz = 0;
	int64	   *off;
	int32	   *adj;

	memset(g, 0, sizeof(*g));
	g->homogeneous = homogeneous;
	g->tied = homogeneous && tied;
	g->n_users = n_users;
	g->n_items = n_items;
	for (int32 u = 0; u < n_users; u++)
		nnz += len[u];

	/* user -> items, contiguous */
	off = alloc(sizeof(int64) * ((Size) n_users + 1));
	adj = alloc(sizeof(int32) * Max(nnz, 1));
	off[0] = 0;
	for (int32 u = 0; u < n_users; u++)
	{
		memcpy(adj + off[u], items + start[u], sizeof(int32) * len[u]);
		off[u + 1] = off[u] + len[u];
	}

	if (!homogeneous || !tied)
	{
		/* item -> users; users come out ascending */
		int64	   *toff = alloc(sizeof(int64) * ((Size) n_items + 2));
		int32	   *tadj = alloc(sizeof(int32) * Max(nnz, 1));

		LpCsrTranspose(n_users, n_items, off, adj, toff, tadj);

		if (!homogeneous)
		{
			g->i_off = toff;
			g->i_adj = tadj;
		}
		else
		{
			/* directed homogeneous: merge out- and in-neighbours */
			int64	   *soff = alloc(sizeof(int64) * ((Size) n_users + 1));
			int32	   *sadj = alloc(sizeof(int32) * Max(2 * nnz, 1));
			int64		w = 0;

			for (int32 u = 0; u < n_users; u++)
			{
				int64		a = off[u],
							ae = off[u + 1],
							b = toff[u],
							be = toff[u + 1];

				soff[u] = w;
				while (a < ae || b < be)
				{
					int32		x;

					if (b >= be || (a < ae && adj[a] <= tadj[b]))
						x = adj[a++];
					else
						x = tadj[b++];
					if (w == soff[u] || sadj[w - 1] != x)
						sadj[w++] = x;
				}
			}
			soff[n_users] = w;
			off = soff;
			adj = sadj;
		}
	}
	g->u_off = off;
	g->u_adj = adj;
	BuildComponents(g, alloc);
}
