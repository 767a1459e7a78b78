/*
 * heuristics.c: the classic link-prediction heuristics (common neighbours,
 * Jaccard, Adamic-Adar, resource allocation, preferential attachment) on a
 * training graph, for one pair and for every candidate of one node.
 *
 * The definitions are in heuristics.h.  Two ways in: LpHeuristicPair scores
 * one pair; LpHeuristicAll scores every item (node) of one user (node) in a
 * single two-hop walk, pushing each intermediate node's weight f(w) to the
 * candidates it reaches, so a full ranking costs O(sum of the degrees
 * touched + n_items) rather than n_items separate intersections.  Both walk
 * the same sets, so All and Pair agree candidate by candidate (the unit test
 * holds them to it).
 *
 * Bipartite graphs need the set A = N2(u); it is marked in the caller's
 * scratch with a fresh stamp per call, so the scratch is never cleared
 * between calls (only when the stamp would overflow).  Homogeneous graphs
 * need no scratch: Pair merges the two sorted lists, All accumulates
 * straight into out.  No PostgreSQL calls, no allocation: the caller owns
 * every array.
 */
#include "postgres.h"

#include <math.h>
#include <string.h>

#include "heuristics.h"

static const char *const heuristic_names[] = {"cn", "jaccard", "aa", "ra", "pa"};

bool
LpHeuristicFromName(const char *name, LpHeuristic *h)
{
	for (int i = 0; i < (int) lengthof(heuristic_names); i++)
	{
		if (strcmp(name, heuristic_names[i]) == 0)
		{
			*h = (LpHeuristic) i;
			return true;
		}
	}
	return false;
}

const char *
LpHeuristicNames(void)
{
	return "cn, jaccard, aa, ra, pa";
}

static inline int64
UserDegree(const LpHeurGraph *g, int32 u)
{
	return g->u_off[u + 1] - g->u_off[u];
}

/* users of item i (bipartite); in a homogeneous graph, i's neighbours */
static inline int64
ItemDegree(const LpHeurGraph *g, int32 i)
{
	if (g->homogeneous)
		return g->u_off[i + 1] - g->u_off[i];
	return g->i_off[i + 1] - g->i_off[i];
}

/*
 * What one common neighbour w of degree deg adds.  cn counts it; aa skips
 * deg <= 1, where 1 / ln deg is undefined (ln 1 = 0): a neighbour that
 * links to nothing else carries no evidence.  Jaccard starts from cn.
 */
static inline double
Weight(LpHeuristic h, int64 deg)
{
	switch (h)
	{
		case LP_HEUR_AA:
			return deg > 1 ? 1.0 / log((double) deg) : 0.0;
		case LP_HEUR_RA:
			return deg > 0 ? 1.0 / (double) deg : 0.0;
		default:
			return 1.0;
	}
}

/* cn / |A | B| with |A | B| = |A| + |B| - cn; an empty union scores 0 */
static inline double
Jaccard(double cn, int64 size_a, int64 size_b)
{
	double		uni = (double) size_a + (double) size_b - cn;

	return uni > 0 ? cn / uni : 0.0;
}

/*
 * A fresh stamp: every mark[] entry differs from it, so nothing marked by
 * an earlier call counts.  The caller zeroes mark[] and stamp once, so 0 is
 * never a live stamp.  When the counter would overflow (or was left
 * negative), clear mark[] and start again at 1; LpHeurScratch carries no
 * size, but its arrays hold max(n_users, n_items) entries by contract.
 */
static int32
NextStamp(const LpHeurGraph *g, LpHeurScratch *s)
{
	Assert(s != NULL && s->mark != NULL);
	if (s->stamp < 0 || s->stamp >= PG_INT32_MAX)
	{
		memset(s->mark, 0, sizeof(int32) * (size_t) Max(g->n_users, g->n_items));
		s->stamp = 0;
	}
	return ++s->stamp;
}

/*
 * Mark A = N2(u) in the bipartite graph: users other than u that share an
 * item with u, each marked once.  Returns |A|; when list is not NULL the
 * members are also stored there (at most n_users - 1 of them).
 */
static int64
MarkTwoHop(const LpHeurGraph *g, int32 u, int32 stamp, int32 *mark, int32 *list)
{
	int64		size = 0;

	for (int64 e = g->u_off[u]; e < g->u_off[u + 1]; e++)
	{
		int32		item = g->u_adj[e];

		for (int64 f = g->i_off[item]; f < g->i_off[item + 1]; f++)
		{
			int32		w = g->i_adj[f];

			if (w == u || mark[w] == stamp)
				continue;
			mark[w] = stamp;
			if (list)
				list[size] = w;
			size++;
		}
	}
	return size;
}

/*
 * Homogeneous pair: merge the two sorted neighbour lists.  For u == v the
 * intersection is N(u) itself, so the natural values come out: cn = deg(u),
 * jaccard = 1 (0 for an isolated node), aa / ra summed over all of N(u),
 * pa = deg(u)^2.  The caller decides whether such a pair is a candidate.
 */
static double
PairHomogeneous(const LpHeurGraph *g, LpHeuristic h, int32 u, int32 v)
{
	int64		a = g->u_off[u],
				b = g->u_off[v];
	int32		x;
	double		sum = 0;

	/* positions in u_adj: both lists are slices of it */
	while (LpNextCommon(g->u_adj, g->u_off[u + 1], &a, g->u_adj, g->u_off[v + 1], &b, &x))
		sum += Weight(h, UserDegree(g, x));
	if (h == LP_HEUR_JACCARD)
		return Jaccard(sum, UserDegree(g, u), UserDegree(g, v));
	return sum;
}

/* Bipartite pair: mark A = N2(u), then walk B = N(i) looking for marks */
static double
PairBipartite(const LpHeurGraph *g, LpHeuristic h, int32 u, int32 i, LpHeurScratch *s)
{
	int32		stamp = NextStamp(g, s);
	int64		size_a = MarkTwoHop(g, u, stamp, s->mark, NULL);
	double		sum = 0;

	for (int64 f = g->i_off[i]; f < g->i_off[i + 1]; f++)
	{
		int32		w = g->i_adj[f];

		if (s->mark[w] == stamp)
			sum += Weight(h, UserDegree(g, w));
	}
	if (h == LP_HEUR_JACCARD)
		return Jaccard(sum, size_a, ItemDegree(g, i));
	return sum;
}

double
LpHeuristicPair(const LpHeurGraph *g, LpHeuristic h, int32 u, int32 v,
				LpHeurScratch *s)
{
	Assert(u >= 0 && u < g->n_users);
	Assert(v >= 0 && v < g->n_items);

	/* pa needs no walk at all */
	if (h == LP_HEUR_PA)
		return (double) UserDegree(g, u) * (double) ItemDegree(g, v);
	if (g->homogeneous)
		return PairHomogeneous(g, h, u, v);
	return PairBipartite(g, h, u, v, s);
}

/* out[x] += f(w) for every w of ws[0 .. n - 1] and x in N(w) */
static void
SpreadWeights(const LpHeurGraph *g, LpHeuristic h, const int32 *ws, int64 n, float *out)
{
	for (int64 k = 0; k < n; k++)
	{
		int32		w = ws[k];
		float		fw = (float) Weight(h, UserDegree(g, w));

		if (fw == 0)
			continue;
		for (int64 f = g->u_off[w]; f < g->u_off[w + 1]; f++)
			out[g->u_adj[f]] += fw;
	}
}

/*
 * Every candidate at once.  out[x] accumulates f(w) over the intermediate
 * nodes w that reach x, which is exactly the sum over w in the two sets'
 * intersection; Jaccard then divides the count by the union.  Homogeneous:
 * w runs over N(u) and reaches x through N(w) (x is in N(w) iff w is in
 * N(x), the adjacency being symmetric).  Bipartite: w runs over A = N2(u)
 * and reaches its items.  out[u] of a homogeneous graph gets the u == v
 * value too; the caller excludes it.
 */
void
LpHeuristicAll(const LpHeurGraph *g, LpHeuristic h, int32 u, float *out,
			   LpHeurScratch *s)
{
	int64		deg_u;
	int64		size_a;

	Assert(u >= 0 && u < g->n_users);

	deg_u = UserDegree(g, u);
	if (h == LP_HEUR_PA)
	{
		for (int32 x = 0; x < g->n_items; x++)
			out[x] = (float) ((double) deg_u * (double) ItemDegree(g, x));
		return;
	}

	memset(out, 0, sizeof(float) * (size_t) g->n_items);
	if (g->homogeneous)
	{
		size_a = deg_u;
		SpreadWeights(g, h, g->u_adj + g->u_off[u], size_a, out);
	}
	else
	{
		int32		stamp = NextStamp(g, s);

		size_a = MarkTwoHop(g, u, stamp, s->mark, s->list);
		SpreadWeights(g, h, s->list, size_a, out);
	}

	/* out holds exact counts here (integers below 2^24 in a float) */
	if (h == LP_HEUR_JACCARD)
	{
		for (int32 x = 0; x < g->n_items; x++)
			out[x] = (float) Jaccard(out[x], size_a, ItemDegree(g, x));
	}
}
