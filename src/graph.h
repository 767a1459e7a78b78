/*
 * graph.h: the training graph, as the loader builds it and the trainer reads it.
 *
 * Nodes are dense indices.  "Source" nodes (users; in a homogeneous graph,
 * every node) each have a sorted, duplicate-free list of "target" nodes
 * (items; neighbours) in CSR form.  An undirected homogeneous graph stores
 * each edge in both directions and has one embedding table (tied).
 */
#ifndef LINKPRED_GRAPH_H
#define LINKPRED_GRAPH_H

#include "postgres.h"

#include "keymap.h"

typedef struct LpGraph
{
	int32		n_src;			/* users, or nodes */
	int32		n_dst;			/* items, or nodes (same as n_src) */
	bool		homogeneous;	/* one id space */
	bool		tied;			/* homogeneous and undirected: one table */
	int64		n_entries;		/* CSR entries = training positives */
	int64		n_edges;		/* distinct edges (undirected counted once) */
	int64	   *offsets;		/* n_src + 1 */
	int32	   *targets;		/* n_entries, sorted within each source */
	float	   *weights;		/* n_entries, or NULL when unweighted */
	int64	   *times;			/* n_entries first-seen times, or NULL */
	int32	   *src_degree;		/* n_src */
	int32	   *dst_degree;		/* n_dst: in-degree (popularity) */
} LpGraph;

/* What the loader skipped or merged; reported back to the user. */
typedef struct LpLoadStats
{
	int64		rows;			/* rows read */
	int64		null_ids;		/* rows with a NULL id: skipped */
	int64		self_loops;		/* homogeneous u = v rows: skipped */
	int64		bad_weights;	/* NULL, NaN, infinite or <= 0 weight: skipped */
	int64		duplicates;		/* repeated edges merged (weights add up) */
} LpLoadStats;

typedef struct LpEdgeSource
{
	Oid			relid;
	const char *src_column;
	const char *dst_column;
	const char *weight_column;	/* NULL = unweighted */
	const char *time_column;	/* NULL = no times (only holdout by time reads them) */
	bool		homogeneous;
	bool		directed;
	Size		budget;			/* bytes the edge buffers may take; 0 = no limit */
} LpEdgeSource;

typedef struct LpLoadedGraph
{
	LpGraph		graph;
	LpKeyMap   *src_keys;
	LpKeyMap   *dst_keys;		/* same pointer as src_keys when homogeneous */
	Oid			src_type;
	Oid			dst_type;
	LpLoadStats stats;
} LpLoadedGraph;

/* loader.c: read the edge relation through SPI (caller is connected) */
extern void LpLoadGraph(const LpEdgeSource *source, LpLoadedGraph *out);

/* split.c: hold out test edges of a loaded graph */
typedef struct LpSplit
{
	LpGraph		train;			/* same nodes, the remaining edges */
	int64		n_test;
	int32	   *test_u;			/* held-out edges, once each */
	int32	   *test_v;
	int64		cut;			/* holdout by time: the cut used */
} LpSplit;

extern void LpSplitGraph(const LpGraph *g, int mode, double fraction, int leave_out,
						 bool has_cut, int64 cut, uint64 seed, LpSplit *out);

/* binary search of x in the ascending array a[0 .. n-1] */
static inline bool
LpSortedContains(const int32 *a, int64 n, int32 x)
{
	int64		lo = 0,
				hi = n - 1;

	while (lo <= hi)
	{
		int64		mid = lo + (hi - lo) / 2;

		if (a[mid] == x)
			return true;
		if (a[mid] < x)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return false;
}

/* whether v is in u's sorted target list */
static inline bool
LpGraphHasEdge(const LpGraph *g, int32 u, int32 v)
{
	return LpSortedContains(g->targets + g->offsets[u], g->offsets[u + 1] - g->offsets[u], v);
}

#endif
