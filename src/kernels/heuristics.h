/*
 * heuristics.h: the classic link-prediction heuristics on a training graph.
 *
 * Common neighbours, Jaccard, Adamic-Adar, resource allocation and
 * preferential attachment, for one pair and for every candidate of a node.
 * Pure C: no PostgreSQL calls; the caller owns every array.
 *
 * Homogeneous graphs: N(x) is x's neighbour set (symmetric adjacency).
 *   cn = |N(u) & N(v)|, jaccard = cn / |N(u) | N(v)|,
 *   aa = sum over w in N(u) & N(v) of 1 / ln deg(w),
 *   ra = sum over w in N(u) & N(v) of 1 / deg(w),
 *   pa = deg(u) * deg(v).
 * Bipartite graphs (user u, item i): the sets compared live on the user
 * side, reached by two-hop paths through the items:
 *   A = N2(u) = users other than u who share at least one item with u,
 *   B = N(i)  = users of item i,
 *   cn = |A & B|, jaccard = cn / |A | B|, aa / ra over w in A & B with
 *   deg(w) = number of items of w, pa = deg(u) * deg(i).
 * A common neighbour of degree 1 adds nothing to aa (ln 1 = 0).
 */
#ifndef LINKPRED_HEURISTICS_H
#define LINKPRED_HEURISTICS_H

#include "postgres.h"

typedef enum LpHeuristic
{
	LP_HEUR_CN,
	LP_HEUR_JACCARD,
	LP_HEUR_AA,
	LP_HEUR_RA,
	LP_HEUR_PA
} LpHeuristic;

typedef struct LpHeurGraph
{
	bool		homogeneous;
	bool		tied;			/* undirected homogeneous: (u, v) and (v, u) are one pair */
	int32		n_users;		/* users, or nodes */
	int32		n_items;		/* items, or nodes (== n_users) */
	/* user -> items; homogeneous: node -> neighbours, symmetric, sorted */
	const int64 *u_off;			/* n_users + 1 */
	const int32 *u_adj;
	/* item -> users; bipartite only (NULL when homogeneous), sorted */
	const int64 *i_off;			/* n_items + 1 */
	const int32 *i_adj;

	/*
	 * Connected components of the undirected view (LpHeurGraphBuild fills
	 * them; NULL when not built): users are nodes 0 .. n_users - 1 and, in
	 * a bipartite graph, items n_users .. n_users + n_items - 1.  comp[x] is
	 * a representative node, comp_size[x] the number of nodes in x's
	 * component (1 for a node without edges).
	 */
	const int32 *comp;
	const int32 *comp_size;
} LpHeurGraph;

/*
 * The heuristics' view of a training graph (heur_graph.c) from per-user
 * lists: start[u], len[u] index items; lists sorted.  tied: undirected
 * homogeneous, lists already symmetric.  Directed homogeneous lists are
 * merged with their reverse.  alloc returns memory the graph keeps (never
 * freed here).
 */
extern void LpHeurGraphBuild(LpHeurGraph *g, bool homogeneous, bool tied,
							 int32 n_users, int32 n_items, const int64 *start,
							 const int32 *len, const int32 *items,
							 void *(*alloc) (Size));

/*
 * Scratch space for one caller (not shared between threads): two int32
 * arrays of max(n_users, n_items) entries, zeroed once before first use,
 * and a generation counter; the functions use stamps so nothing is cleared
 * between calls.
 */
typedef struct LpHeurScratch
{
	int32	   *mark;
	int32	   *list;
	int32		stamp;
} LpHeurScratch;

/*
 * The next element two ascending lists share: a[*i .. na - 1] and
 * b[*j .. nb - 1] are merged up to it, *x is set to it and both positions
 * moved past it; false when either list runs out.  The walk of every
 * common-neighbour sum (here, the head's features, the spectral item term).
 */
static inline bool
LpNextCommon(const int32 *a, int64 na, int64 *i, const int32 *b, int64 nb, int64 *j, int32 *x)
{
	while (*i < na && *j < nb)
	{
		if (a[*i] < b[*j])
			(*i)++;
		else if (b[*j] < a[*i])
			(*j)++;
		else
		{
			*x = a[*i];
			(*i)++;
			(*j)++;
			return true;
		}
	}
	return false;
}

/* name ("cn", "jaccard", "aa", "ra", "pa") -> method; false if unknown */
extern bool LpHeuristicFromName(const char *name, LpHeuristic *h);
extern const char *LpHeuristicNames(void);	/* "cn, jaccard, aa, ra, pa" */

/* score of the pair (u = user/node index, v = item/node index) */
extern double LpHeuristicPair(const LpHeurGraph *g, LpHeuristic h, int32 u, int32 v,
							  LpHeurScratch *s);

/* scores of every item (node) v for user (node) u into out[0 .. n_items-1] */
extern void LpHeuristicAll(const LpHeurGraph *g, LpHeuristic h, int32 u, float *out,
						   LpHeurScratch *s);

#endif
