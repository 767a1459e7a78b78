/*
 * head.h: the structural decoder head, embeddings plus graph features.
 *
 * On sparse graphs an embedding alone knows little about a pair whose
 * nodes have few edges, while counts of short paths between them (the
 * heuristics of heuristics.h) and the nodes' degrees say a lot.  The head
 * is a logistic regression over thirteen features of a pair (u, v) on the
 * training graph:
 *
 *   0  the embedding score U[u].V[v] + bu[u] + bv[v]
 *   1  ln(1 + deg u)          2  ln(1 + deg v)
 *   3  how many of u, v have no training edge (0, 1 or 2)
 *   4  ln(1 + cn)             5  ra            6  aa
 *   7  ln(1 + p3): paths of length 3 from u to v
 *   8  1 / d, d the length of a shortest path from u to v, 0 if none
 *      was found: directed graphs search breadth-first from u up to
 *      LP_HEAD_MAX_DIST hops, and stop before a level once more than
 *      LP_HEAD_BFS_BUDGET nodes are reached (so a dense graph costs a
 *      bounded walk); undirected graphs, see below; bipartite graphs look
 *      no further than the 3 hops the path count walks (1 for an edge,
 *      1/3 for p3 > 0)
 *   9  1 if u and v both have edges but lie in different connected
 *      components of the training graph
 *   10 ln of the smaller of the two nodes' component sizes
 *   11, 12  ln(1 + r_k) for k = 2, 3, undirected graphs only (0
 *      elsewhere): r_k is the chance that a random walk of k steps from u
 *      ends at v, over v's share of the stationary walk,
 *          r_k = P^k[u, v] / (d_v / 2m) = 2m / (d_u d_v) W_k(u, v),
 *      W_k the sum over the walks u-x1-..-x(k-1)-v of 1 / (d_x1 .. d_x(k-1))
 *      (head_walk.c).  W_k is symmetric in u and v (walking back the same
 *      walk has the same weight), so r_k is.  A walk profile says what the
 *      counts of cn, aa and p3 do not: how much of u's walk mass reaches v
 *      when the paths between them go through hubs or through long chains
 *      (WalkPool's signal, without its graph network).  Not k = 4: its
 *      validation AUC was no better (bench/RESULTS-head-walk.md), and its
 *      fourth hop from u reaches most of a large graph in every top-k
 *
 * On an undirected graph (LpHeurGraph.tied) (u, v) and (v, u) are one
 * pair, and every feature is a symmetric function of it, so that the score
 * is too (the embedding score of a tied model already is):
 *
 *   1  ln(1 + the smaller degree)    2  ln(1 + the larger degree)
 *      (weights of "u's" and "v's" degree would depend on the order the
 *      pair was written in; the smaller and the larger degree are the
 *      unordered pair, everything a symmetric score may use: their sum
 *      and difference would carry the same, less readably)
 *   7  p3 counts paths u-a-b-v of four distinct nodes; counting walks
 *      (a == v or b == u, possible only when u-v is an edge) would give
 *      deg u - 1 more from one end than deg v - 1 from the other
 *   8  1 / d with d the exact distance up to LP_HEAD_MAX_DIST: the
 *      search has no LP_HEAD_BFS_BUDGET, which would end a hub's search
 *      sooner than its neighbour's and make d depend on the end it
 *      started from.  A pair is searched from both ends at once (about
 *      two balls of radius d / 2); top-k searches u's component up to
 *      LP_HEAD_MAX_DIST hops, a pass over its edges beside the pass over
 *      every candidate that top-k makes anyway
 *
 * Directed and bipartite graphs keep u's and v's degrees, p3 as walks and
 * the budgeted search from u: their scores are meant to depend on the
 * order.
 *
 * Features 8 to 10 are what sparse, long-range graphs (power grids,
 * router maps) have: a held-out edge there rarely closes a triangle, but
 * its ends stay a few hops apart, or one end is left in a small piece
 * that broke off when the edge was held out, while a random pair is far
 * apart within the main component.
 * cn, ra and aa are those of heuristics.h (bipartite: over the users two
 * hops from u that used item v).  p3 counts u-a-b-v paths; bipartite:
 * u-i-w-v, i an item of u, w another user of both i and v.
 *
 * Fitting (LpHeadFit) happens on pairs the embeddings were not trained on:
 * the worker holds out a part of the training edges, trains on the rest,
 * computes the features of the held-out edges and of as many random
 * non-edges (undirected graphs: up to four times as many) on that reduced
 * graph, and fits the weights; the final
 * embeddings are then trained on every edge.  Features are standardised
 * with the fit's mean and scale, which are stored with the weights.
 *
 * The head's score is the logit; it ranks like the probability.
 * Pure C: no PostgreSQL calls.
 */
#ifndef LINKPRED_HEAD_H
#define LINKPRED_HEAD_H

#include "postgres.h"

#include "heuristics.h"

#define LP_HEAD_NFEAT 13
#define LP_HEAD_NFEAT_V2 11		/* features 0 to 10: formats 1 and 2 */
#define LP_HEAD_WALK0 11		/* the first random-walk feature */
#define LP_HEAD_MAX_DIST 24
#define LP_HEAD_BFS_BUDGET 4096

/*
 * What a stored head's weights were fitted on: 1, linkpred 0.1.0's
 * features (u's and v's degree, p3 as walks, the search from u on every
 * graph); 2, the symmetric features above on undirected graphs (0 to 10);
 * 3, the random-walk features 11 and 12 too.  A head of format 1 on an
 * undirected graph is made symmetric when loaded (LpHeadSymmetrise); a head
 * of format 1 or 2 gets weight 0 on features 11 and 12, so it scores as
 * before (and top-k skips their walk).
 */
#define LP_HEAD_FORMAT 3

typedef struct LpHead
{
	float		mean[LP_HEAD_NFEAT];
	float		scale[LP_HEAD_NFEAT];
	float		w[LP_HEAD_NFEAT];	/* on standardised features */
	float		b;
} LpHead;

extern const char *const LpHeadFeatureNames[LP_HEAD_NFEAT];

/*
 * Scratch for the head: per-node accumulators, n = max(n_users, n_items)
 * entries each, allocated and zeroed once by the caller; every call leaves
 * them zeroed again.  One scratch per caller (not shared between threads).
 */
typedef struct LpHeadScratch
{
	int32	   *c2;				/* paths u-a-b (homogeneous) / u-i-w (bipartite) */
	float	   *cn;
	float	   *ra;
	float	   *aa;
	float	   *p3;
	int32	   *touched;		/* nodes with c2 > 0 */
	int32	   *vt;				/* candidates with cn or p3 > 0 */
	uint8	   *vmark;
	uint8	   *level;			/* breadth-first search: depth + 1, 0 = not reached */
	int32	   *queue;
	uint8	   *level2;			/* undirected pairs: the search from v */
	int32	   *queue2;
	float	   *w3;				/* random walks (head_walk.c): a pair's 2-hop sums, top-k's 3-hop ones */
	int32	   *wt;				/* a pair's nodes with w3 > 0 ... */
	int32		wt_n;			/* ... how many */
	uint8	   *wmark;
} LpHeadScratch;

/*
 * Features of the pair (u, v) with embedding score emb into f; u or v may
 * be -1 (a node the graph does not know: no edges).
 */
extern void LpHeadPairFeatures(const LpHeurGraph *g, int32 u, int32 v, float emb, float *f,
							   LpHeadScratch *scratch);

/* the logit for features f */
extern float LpHeadApply(const LpHead *h, const float *f);

/* head score of (u, v): features and logit in one call */
extern float LpHeadPair(const LpHead *h, const LpHeurGraph *g, int32 u, int32 v, float emb,
						LpHeadScratch *scratch);

/*
 * Every candidate of user (node) u at once: s[v] holds the embedding score
 * on entry and the head's logit on return, for v = 0 .. n_items - 1.
 * u == -1: a node with no edges.
 */
extern void LpHeadAll(const LpHead *h, const LpHeurGraph *g, int32 u, float *s,
					  LpHeadScratch *scratch);

/*
 * Random-walk features 11 and 12 of the pair (u, v) into f (head_walk.c):
 * zeros unless g is undirected and both have edges.  Computed from the
 * smaller index of the two, so that (u, v) and (v, u) get the same bits.
 */
extern void LpHeadWalkPair(const LpHeurGraph *g, int32 u, int32 v, float *f, LpHeadScratch *sc);

/*
 * LpHeadAll's part, on an undirected graph: after its hops 1 and 2 out of
 * u left sc->ra (the 2-hop walk sums W_2 of every node but u) and the
 * nodes they reached in sc->touched[0 .. ntouched), the 3-hop sums of
 * every node into sc->w3.  Then LpHeadWalkTake, called for every node v
 * (the pass over the candidates), reads v's features and zeroes v's sum,
 * which leaves the scratch clean.
 */
extern void LpHeadWalkAll(const LpHeurGraph *g, int32 u, int32 ntouched, LpHeadScratch *sc);
extern void LpHeadWalkTake(const LpHeurGraph *g, int32 u, int32 v, LpHeadScratch *sc, float *f);

/* whether a head weighs the walk features (a head of format 1 or 2 does not) */
extern bool LpHeadUsesWalks(const LpHead *h);

/*
 * A head fitted on format 1 features (u's and v's degree), for an
 * undirected graph: both degree features get the mean of their two
 * weights (per unit of ln(1 + degree)) and the bias what keeps the
 * average score, so that the head scores the smaller and the larger degree
 * as the mean of its scores of (u, v) and (v, u) in format 1.
 */
extern void LpHeadSymmetrise(LpHead *h);

/*
 * Fit a head on n feature rows X (n x LP_HEAD_NFEAT) with labels y (1 / 0)
 * (head_regress.c):
 * standardised features, L2-regularised logistic regression by Newton's
 * method.  Deterministic.
 */
extern void LpHeadFit(LpHead *h, const float *X, const float *y, int64 n);

#endif
