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

#include <math.h>

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
	/* user-user links of a second relation (option user_edges), each once */
	int64		n_links;
	int32	   *link_a;
	int32	   *link_b;

	/*
	 * Node attributes (options item_features and user_features, attrs.h):
	 * item i's attribute values are item_attr[item_attr_off[i] ..
	 * item_attr_off[i + 1]), each with its weight in item_attr_w: a
	 * categorical value's weights of an item summing to 1, then the signed
	 * terms of numeric and vector columns (attrs_columns.h); user u's
	 * likewise in the user_attr arrays.  n_attrs counts the values of both
	 * sides, which are rows of one table of vectors; a side's values are its
	 * own (a user value and an item value of the same text are two rows).  A
	 * side without attributes has NULL arrays; n_attrs = 0: neither side has
	 * any.  In a homogeneous graph (option item_features names the nodes'
	 * attributes) the user_attr pointers are the item_attr arrays: a node
	 * has the same attributes as a source and as a target.
	 */
	int32		n_attrs;
	int64	   *item_attr_off;	/* n_dst + 1 */
	int32	   *item_attr;
	float	   *item_attr_w;
	int64	   *user_attr_off;	/* n_src + 1 */
	int32	   *user_attr;
	float	   *user_attr_w;
} LpGraph;

/* What the loader skipped or merged; reported back to the user. */
typedef struct LpLoadStats
{
	int64		rows;			/* rows read */
	int64		null_ids;		/* rows with a NULL id: skipped */
	int64		self_loops;		/* homogeneous u = v rows: skipped */
	int64		bad_weights;	/* NULL, NaN, infinite or <= 0 weight: skipped */
	int64		duplicates;		/* repeated edges merged (weights add up) */
	int64		unknown_events; /* event without a weight in event_weights: skipped */
	/* user_edges: links read, and those skipped (an end has no user-item edge) */
	int64		link_rows;
	int64		link_skipped;
	/*
	 * item_features: rows read; skipped (NULL key, NULL value, bad weight);
	 * new items; distinct values
	 */
	int64		attr_rows;
	int64		attr_skipped;
	int64		attr_cold_items;
	int64		attr_values;
	int64		attr_nulls;		/* NULL numeric values and arrays: no term */
	/* user_features: the same for the users' attributes; new users */
	int64		user_attr_rows;
	int64		user_attr_skipped;
	int64		user_attr_cold_users;
	int64		user_attr_values;
	int64		user_attr_nulls;
} LpLoadStats;

/*
 * Option "event_weights": a weight per value of the event column, e.g.
 * {"click": 1, "cart": 3, "buy": 10}.  Rows whose event has no weight are
 * skipped and counted.
 */
#define LP_MAX_EVENTS 32

typedef struct LpEventWeights
{
	int			n;
	char		name[LP_MAX_EVENTS][NAMEDATALEN];
	double		weight[LP_MAX_EVENTS];
} LpEventWeights;

typedef struct LpEdgeSource
{
	Oid			relid;
	const char *src_column;
	const char *dst_column;
	const char *weight_column;	/* NULL = unweighted */
	const char *time_column;	/* NULL = no times (only holdout by time reads them) */
	const char *event_column;	/* NULL = none; else each row's weight is times its event's */
	const LpEventWeights *events;	/* with event_column */
	bool		homogeneous;
	bool		directed;
	Size		budget;			/* bytes the worker may take (linkpred.max_memory); 0 = no limit */
	Size		reserved;		/* of those, what the worker holds besides the edges */
} LpEdgeSource;

/*
 * What composing a node from its attributes needs about attribute a
 * (0 .. graph.n_attrs - 1), beside its learnt vector: which side it is of,
 * its name, and for a numeric term how a raw value x becomes its weight,
 * Max(-LP_ATTR_Z_CLIP, Min(LP_ATTR_Z_CLIP, (x - mean) / sd)) * scale.  Kept
 * with the version (linkpred.attribute_store), so that a node added after
 * training can be composed at serve time.
 */
typedef struct LpAttrInfo
{
	char		side;			/* 'u' (user_features) or 'i' (item_features) */
	char		kind;			/* 'c' categorical value, 'n' numeric or vector term */
	const char *column;			/* the column it comes from */
	const char *value;			/* 'c': the value's text; 'n': NULL */
	int32		component;		/* 'n': the vector component (1-based), 0 for a numeric column */
	double		mean;			/* 'n' only */
	double		sd;
	double		scale;
} LpAttrInfo;

typedef struct LpLoadedGraph
{
	LpGraph		graph;
	LpAttrInfo *attr_info;		/* graph.n_attrs entries, NULL without attributes */
	LpKeyMap   *src_keys;
	LpKeyMap   *dst_keys;		/* same pointer as src_keys when homogeneous */
	Oid			src_type;
	Oid			dst_type;
	LpLoadStats stats;
} LpLoadedGraph;

/* loader.c: read the edge relation through SPI (caller is connected) */
extern void LpLoadGraph(const LpEdgeSource *source, LpLoadedGraph *out);

/*
 * loader.c: read user-user links (src_column, dst_column of relid) into
 * out->graph.link_a/link_b, both ends mapped to users of the loaded graph.
 * A link with an end that is not such a user, a NULL end or a self link is
 * skipped; a repeated link (either direction) is kept once.
 */
extern void LpLoadUserLinks(Oid relid, const char *src_column, const char *dst_column,
							LpLoadedGraph *out);

/*
 * attrs_loader.c: read one side's attributes (users: option user_features,
 * else item_features) from relid into out->graph's user_attr or item_attr
 * arrays (graph.h), through SPI: the values of column attribute (weighted
 * by column weight, NULL = 1) or of the n_columns columns (categorical
 * here; numeric and vector ones in attrs_columns.c), per node key.  Keys
 * that are not yet nodes of that side become nodes without edges (cold);
 * skipped rows are counted in out->stats.  The side's values are numbered
 * after the n_attrs already loaded.  In a homogeneous graph only the items'
 * side is read (the nodes': a new node joins both sides) and the users'
 * arrays point to the items'.  Read the user-user links (LpLoadUserLinks)
 * before the users' attributes, so that only users with edges are linked.
 */
extern void LpLoadAttributes(bool users, Oid relid, const char *key, const char *attribute,
							 const char *weight, int n_columns,
							 const char (*columns)[NAMEDATALEN], LpLoadedGraph *out);

/* split.c: hold out test edges of a loaded graph */
typedef struct LpSplit
{
	LpGraph		train;			/* same nodes, the remaining edges */
	int64		n_test;
	int32	   *test_u;			/* held-out edges, once each */
	int32	   *test_v;
	int64		cut;			/* holdout by time: the cut used */
	/* after LpSplitDropUnseen: */
	int32		unseen_users;	/* users (nodes) left without a training edge */
	int32		unseen_items;	/* items left without one (bipartite only) */
	int64		unknown_users;	/* distinct test users among the unseen ones */
} LpSplit;

extern void LpSplitGraph(const LpGraph *g, int mode, double fraction, int leave_out,
						 bool has_cut, int64 cut, uint64 seed, LpSplit *out);
extern void LpSplitDropUnseen(LpSplit *split);

/* binary search of x in the ascending array a[0 .. n-1] */
static inline bool
LpSortedContains(const int32 *a, int64 n, int32 x)
{
	/*
	 * Halving without branches (a conditional move per step): a search for
	 * a random value, as a sampled negative's edge check is, mispredicts a
	 * branch on every other probe.
	 */
	if (n <= 0)
		return false;
	while (n > 1)
	{
		int64		half = n / 2;

		a = a[half] <= x ? a + half : a;
		n -= half;
	}
	return *a == x;
}

/* qsort's comparators for ascending int32, float and double */
#define LP_COMPARE_ASCENDING(name, type) \
static inline int \
name(const void *a, const void *b) \
{ \
	type		x = *(const type *) a, \
				y = *(const type *) b; \
\
	return (x > y) - (x < y); \
}
LP_COMPARE_ASCENDING(LpCompareInt32, int32)
LP_COMPARE_ASCENDING(LpCompareFloat, float)
LP_COMPARE_ASCENDING(LpCompareDouble, double)

/* whether v is in u's sorted target list */
static inline bool
LpGraphHasEdge(const LpGraph *g, int32 u, int32 v)
{
	return LpSortedContains(g->targets + g->offsets[u], g->offsets[u + 1] - g->offsets[u], v);
}

/* out[v] = 1 / sqrt(deg[v]), 0 for degree 0 (v < n) */
static inline void
LpInvSqrtDegrees(const int32 *deg, int32 n, float *out)
{
	for (int32 v = 0; v < n; v++)
		out[v] = deg[v] > 0 ? 1.0f / sqrtf((float) deg[v]) : 0.0f;
}

/*
 * The transpose of CSR lists (row r -> columns adj[off[r] .. off[r+1]))
 * by counting sort: tadj[toff[c] .. toff[c+1]) lists the rows of column c,
 * ascending.  toff has n_cols + 2 entries (the last is scratch), tadj one
 * per entry.
 */
static inline void
LpCsrTranspose(int32 n_rows, int32 n_cols, const int64 *off, const int32 *adj,
			   int64 *toff, int32 *tadj)
{
	memset(toff, 0, sizeof(int64) * ((Size) n_cols + 2));
	for (int64 e = 0; e < off[n_rows]; e++)
		toff[adj[e] + 2]++;
	for (int32 c = 0; c < n_cols; c++)
		toff[c + 2] += toff[c + 1];
	for (int32 r = 0; r < n_rows; r++)
		for (int64 e = off[r]; e < off[r + 1]; e++)
			tadj[toff[adj[e] + 1]++] = r;
}

#endif
