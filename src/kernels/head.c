/*
 * head.c: the structural decoder head (see head.h for the features and
 * why they are there).
 *
 * Pair features intersect sorted adjacency lists; LpHeadAll gets every
 * candidate's features from one walk of at most three hops out of u, the
 * same sets counted the same way, so a top-k ranking and per-pair scores
 * agree.  On an undirected graph both compute the symmetric features of
 * head.h: the walks u-v-b-v are taken off p3, and the distance is the
 * exact one up to LP_HEAD_MAX_DIST hops (a pair's search runs from both
 * ends, LpHeadAll's from u through its component).  The accumulators are dense arrays reset through the lists of
 * what a call touched, so a call costs the walk, not the catalog (plus one
 * pass to apply the weights).
 */
#include "postgres.h"

#include <math.h>
#include <string.h>

#include "graph.h"
#include "head.h"

const char *const LpHeadFeatureNames[LP_HEAD_NFEAT] = {
	"embedding", "ln_deg_u", "ln_deg_v", "unseen", "ln_cn", "ra", "aa", "ln_p3", "inv_dist",
	"apart", "ln_comp", "ln_rw2", "ln_rw3"
};

static inline int64
DegU(const LpHeurGraph *g, int32 u)
{
	return u < 0 ? 0 : g->u_off[u + 1] - g->u_off[u];
}

/* neighbours of v on the user side: its users, or its neighbours */
static inline const int32 *
AdjV(const LpHeurGraph *g, int32 v, int64 *n)
{
	if (v < 0)
	{
		*n = 0;
		return NULL;
	}
	if (g->homogeneous)
	{
		*n = g->u_off[v + 1] - g->u_off[v];
		return g->u_adj + g->u_off[v];
	}
	*n = g->i_off[v + 1] - g->i_off[v];
	return g->i_adj + g->i_off[v];
}

static inline int64
Intersect(const int32 *a, int64 na, const int32 *b, int64 nb)
{
	int64		i = 0,
				j = 0,
				c = 0;
	int32		x;

	while (LpNextCommon(a, na, &i, b, nb, &j, &x))
		c++;
	return c;
}

static inline float
AaWeight(int64 deg)
{
	return deg > 1 ? (float) (1.0 / log((double) deg)) : 0.0f;
}

/* features 0 to 3; undirected: the smaller degree, then the larger */
static inline void
DegreeFeatures(const LpHeurGraph *g, int64 du, int64 dv, float emb, float *f)
{
	int64		d1 = g->tied ? Min(du, dv) : du,
				d2 = g->tied ? Max(du, dv) : dv;

	f[0] = emb;
	f[1] = (float) log1p((double) d1);
	f[2] = (float) log1p((double) d2);
	f[3] = (float) ((du == 0) + (dv == 0));
}

/*
 * Undirected: the walks u-v-b-v (b another neighbour of v) that p3 counts
 * when u-v is an edge; taking them off leaves the paths of four distinct
 * nodes, the same number from either end (u-a-u-v is never counted).
 */
static inline double
WalksThroughV(const LpHeurGraph *g, bool adjacent, int64 dv)
{
	return g->tied && adjacent ? (double) (dv - 1) : 0.0;
}

/* features 9 and 10 of u and v (either may be -1) */
static inline void
ComponentFeatures(const LpHeurGraph *g, int32 u, int32 v, float *f)
{
	int32		x = u,
				y = v < 0 || g->homogeneous ? v : g->n_users + v;
	int32		sx = x < 0 ? 1 : g->comp_size[x],
				sy = y < 0 ? 1 : g->comp_size[y];

	f[9] = (float) (sx > 1 && sy > 1 && g->comp[x] != g->comp[y]);
	f[10] = (float) log((double) Min(sx, sy));
}

/*
 * Breadth-first levels from u (homogeneous): level[x] = depth + 1 for the
 * nodes reached, in queue[0 .. returned).  Stops after LP_HEAD_MAX_DIST
 * levels or as soon as target (>= 0) is reached, and on a directed graph
 * before a level once LP_HEAD_BFS_BUDGET nodes are reached: the level a
 * node gets never depends on the target, so one search per pair and one
 * per user agree.  An undirected graph's search has no budget: a budget
 * cut the search short sooner from a hub than from its neighbour, and the
 * distance would depend on the end it started from.
 */
static int32
Bfs(const LpHeurGraph *g, int32 u, int32 target, LpHeadScratch *sc)
{
	int32		head = 0,
				tail = 0;

	/* edges out of the frontier, and out of the nodes not reached yet */
	int64		frontier_edges = DegU(g, u),
				unreached_edges = g->u_off[g->n_users] - DegU(g, u);

	sc->queue[tail++] = u;
	sc->level[u] = 1;
	for (int d = 1; d <= LP_HEAD_MAX_DIST && head < tail &&
		 (g->tied || tail <= LP_HEAD_BFS_BUDGET); d++)
	{
		int32		level_end = tail;

		if (g->tied && target < 0 && g->comp && frontier_edges > unreached_edges / 14 &&
			level_end - head > g->n_users / 24)
		{
			/*
			 * The frontier is large and holds much of what is left (a
			 * small-world graph's middle levels): each node of u's component not
			 * reached yet looks for a neighbour in the frontier, and stops
			 * at the first, instead of the frontier scanning every edge
			 * (Beamer's direction-optimising search).  The same levels.
			 */
			frontier_edges = 0;
			for (int32 x = 0; x < g->n_users; x++)
			{
				if (sc->level[x] || g->comp[x] != g->comp[u])
					continue;
				for (int64 e = g->u_off[x]; e < g->u_off[x + 1]; e++)
					if (sc->level[g->u_adj[e]] == d)
					{
						sc->level[x] = (uint8) (d + 1);
						sc->queue[tail++] = x;
						frontier_edges += DegU(g, x);
						break;
					}
			}
			head = level_end;
			unreached_edges -= frontier_edges;
			continue;
		}
		frontier_edges = 0;
		for (; head < level_end; head++)
		{
			int32		x = sc->queue[head];

			for (int64 e = g->u_off[x]; e < g->u_off[x + 1]; e++)
			{
				int32		y = g->u_adj[e];

				if (sc->level[y])
					continue;
				sc->level[y] = (uint8) (d + 1);
				sc->queue[tail++] = y;
				frontier_edges += DegU(g, y);
				if (y == target)
					return tail;
			}
		}
		unreached_edges -= frontier_edges;
	}
	return tail;
}

static void
BfsReset(LpHeadScratch *sc, int32 n)
{
	for (int32 i = 0; i < n; i++)
		sc->level[sc->queue[i]] = 0;
}

/*
 * Undirected: the distance from u to v (u != v), 0 beyond LP_HEAD_MAX_DIST
 * or in another component, searched from both ends at once (the smaller
 * frontier grows by a level next), so that a pair costs two balls of about
 * half the distance rather than one of all of it.  While one search grows
 * from radius r to r + 1, the other at radius s, no node lay yet within r
 * of one end and s of the other, so d > r + s: the first node both have
 * reached ends the search with d = r + 1 + s, as the search from u alone
 * (Bfs) finds it.  level and queue hold u's search, level2 and queue2 v's.
 */
static int32
BiDist(const LpHeurGraph *g, int32 u, int32 v, LpHeadScratch *sc)
{
	uint8	   *lev[2] = {sc->level, sc->level2};
	int32	   *q[2] = {sc->queue, sc->queue2};
	int32		head[2] = {0, 0},
				tail[2] = {1, 1},
				r[2] = {0, 0},
				dist = 0;

	if (g->comp && g->comp[u] != g->comp[v])
		return 0;
	q[0][0] = u;
	lev[0][u] = 1;
	q[1][0] = v;
	lev[1][v] = 1;
	while (dist == 0 && r[0] + r[1] < LP_HEAD_MAX_DIST && head[0] < tail[0] && head[1] < tail[1])
	{
		int			s = tail[1] - head[1] < tail[0] - head[0];	/* the smaller frontier */
		int32		level_end = tail[s];

		for (; head[s] < level_end && dist == 0; head[s]++)
		{
			int32		x = q[s][head[s]];

			for (int64 e = g->u_off[x]; e < g->u_off[x + 1]; e++)
			{
				int32		y = g->u_adj[e];

				if (lev[1 - s][y])
				{
					dist = r[s] + 1 + (lev[1 - s][y] - 1);
					break;
				}
				if (lev[s][y])
					continue;
				lev[s][y] = (uint8) (r[s] + 2);
				q[s][tail[s]++] = y;
			}
		}
		r[s]++;
	}
	for (int k = 0; k < 2; k++)
		for (int32 i = 0; i < tail[k]; i++)
			lev[k][q[k][i]] = 0;
	return dist;
}

void
LpHeadPairFeatures(const LpHeurGraph *g, int32 u, int32 v, float emb, float *f,
				   LpHeadScratch *sc)
{
	int64		du = DegU(g, u),
				dv;
	const int32 *nu = u >= 0 ? g->u_adj + g->u_off[u] : NULL;
	const int32 *nv = AdjV(g, v, &dv);
	double		cn = 0,
				ra = 0,
				aa = 0,
				p3 = 0;
	bool		adjacent;

	DegreeFeatures(g, du, dv, emb, f);
	if (g->homogeneous)
	{
		/* common neighbours of u and v, by merging the sorted lists */
		int64		i = 0,
					j = 0;
		int32		w;

		while (LpNextCommon(nu, du, &i, nv, dv, &j, &w))
		{
			int64		dw = DegU(g, w);

			cn += 1;
			ra += 1.0 / dw;
			aa += AaWeight(dw);
		}
	}
	/* w: v's neighbours (homogeneous) or users (bipartite) other than u */
	for (int64 j = 0; j < dv; j++)
	{
		int32		w = nv[j];
		int64		dw = DegU(g, w);
		int64		c;

		if (w == u || du == 0)
			continue;
		c = Intersect(nu, du, g->u_adj + g->u_off[w], dw);
		p3 += c;
		if (!g->homogeneous && c > 0)
		{
			cn += 1;
			ra += 1.0 / dw;
			aa += AaWeight(dw);
		}
	}
	adjacent = du > 0 && dv > 0 && (g->tied || !g->homogeneous) && Intersect(nu, du, &v, 1) > 0;
	p3 -= WalksThroughV(g, adjacent, dv);
	f[4] = (float) log1p(cn);
	f[5] = (float) ra;
	f[6] = (float) aa;
	f[7] = (float) log1p(p3);
	f[8] = 0.0f;
	if (du > 0 && dv > 0)
	{
		if (g->tied)
		{
			int32		d = BiDist(g, u, v, sc);

			if (d > 0)
				f[8] = 1.0f / (float) d;
		}
		else if (g->homogeneous)
		{
			int32		n = Bfs(g, u, v, sc);

			if (sc->level[v] > 1)
				f[8] = 1.0f / (float) (sc->level[v] - 1);
			BfsReset(sc, n);
		}
		else if (adjacent)
			f[8] = 1.0f;
		else if (p3 > 0)
			f[8] = 1.0f / 3.0f;
	}
	ComponentFeatures(g, u, v, f);
	LpHeadWalkPair(g, u, v, f, sc);
}

float
LpHeadApply(const LpHead *h, const float *f)
{
	float		z = h->b;

	for (int k = 0; k < LP_HEAD_NFEAT; k++)
		z += h->w[k] * (f[k] - h->mean[k]) / h->scale[k];
	return z;
}

void
LpHeadSymmetrise(LpHead *h)
{
	/* per unit of ln(1 + degree): a1 for u's, a2 for v's */
	double		a1 = h->w[1] / h->scale[1],
				a2 = h->w[2] / h->scale[2],
				c = (a1 + a2) / 2;

	/* c (f1 - m1) + c (f2 - m2) + b' = the mean of both orders' terms + b */
	h->b += (float) (c * (h->mean[1] + h->mean[2]) - a1 * h->mean[1] - a2 * h->mean[2]);
	h->w[1] = (float) (c * h->scale[1]);
	h->w[2] = (float) (c * h->scale[2]);
}

float
LpHeadPair(const LpHead *h, const LpHeurGraph *g, int32 u, int32 v, float emb,
		   LpHeadScratch *scratch)
{
	float		f[LP_HEAD_NFEAT];

	LpHeadPairFeatures(g, u, v, emb, f, scratch);
	return LpHeadApply(h, f);
}

static inline void
Touch(LpHeadScratch *s, int32 v, int32 *nvt)
{
	if (!s->vmark[v])
	{
		s->vmark[v] = 1;
		s->vt[(*nvt)++] = v;
	}
}

void
LpHeadAll(const LpHead *h, const LpHeurGraph *g, int32 u, float *s, LpHeadScratch *sc)
{
	int64		du = DegU(g, u);
	const int32 *nu = u >= 0 ? g->u_adj + g->u_off[u] : NULL;
	int32		ntouched = 0,
				nvt = 0,
				nbfs;
	float		f[LP_HEAD_NFEAT];

	/* the random walks' third hop only for a head that weighs them */
	bool		walks = g->tied && du > 0 && LpHeadUsesWalks(h);

	/* hop 1 and 2: c2[w] = paths u-a-w (homogeneous) or u-i-w (bipartite) */
	for (int64 a = 0; a < du; a++)
	{
		int64		da;
		const int32 *na = AdjV(g, nu[a], &da);
		/* homogeneous: a is a node and the common neighbour's weight */
		float		wra = g->homogeneous ? 1.0f / (float) DegU(g, nu[a]) : 0.0f,
					waa = g->homogeneous ? AaWeight(DegU(g, nu[a])) : 0.0f;

		for (int64 b = 0; b < da; b++)
		{
			int32		w = na[b];

			if (w == u)
				continue;
			if (sc->c2[w]++ == 0)
				sc->touched[ntouched++] = w;
			if (g->homogeneous)
			{
				/* a is a common neighbour of u and w */
				sc->cn[w] += 1;
				sc->ra[w] += wra;
				sc->aa[w] += waa;
				Touch(sc, w, &nvt);
			}
		}
	}
	/* hop 3: from every w reached, to its neighbours (items) v */
	for (int32 t = 0; t < ntouched; t++)
	{
		int32		w = sc->touched[t];
		int64		dw = DegU(g, w);
		const int32 *nw = g->u_adj + g->u_off[w];
		float		wra = 1.0f / (float) dw,
					waa = AaWeight(dw);

		for (int64 j = 0; j < dw; j++)
		{
			int32		v = nw[j];

			if (g->homogeneous && v == u)
				continue;
			sc->p3[v] += (float) sc->c2[w];
			if (!g->homogeneous)
			{
				sc->cn[v] += 1;
				sc->ra[v] += wra;
				sc->aa[v] += waa;
			}
			Touch(sc, v, &nvt);
		}
	}

	if (walks)
		LpHeadWalkAll(g, u, ntouched, sc);

	/*
	 * Distances: homogeneous, a breadth-first search from u; bipartite,
	 * u's own items are at distance 1 (marked in the same array).
	 */
	if (g->homogeneous)
		nbfs = du > 0 ? Bfs(g, u, -1, sc) : 0;
	else
	{
		for (int64 a = 0; a < du; a++)
		{
			sc->level[nu[a]] = 2;
			sc->queue[a] = nu[a];
		}
		nbfs = (int32) du;
	}

	/* every candidate from its degrees, then the walked ones in full */
	for (int32 v = 0; v < g->n_items; v++)
	{
		int64		dv;

		(void) AdjV(g, v, &dv);
		DegreeFeatures(g, du, dv, s[v], f);
		f[4] = f[5] = f[6] = f[7] = f[8] = 0.0f;
		if (sc->vmark[v])
		{
			/* level 2: a neighbour of u (the search marks those first) */
			f[4] = (float) log1p(sc->cn[v]);
			f[5] = sc->ra[v];
			f[6] = sc->aa[v];
			f[7] = (float) log1p((double) sc->p3[v] -
								 WalksThroughV(g, sc->level[v] == 2, dv));
		}
		if (dv > 0 && du > 0)
		{
			if (sc->level[v] > 1 && !(g->homogeneous && v == u))
				f[8] = 1.0f / (float) (sc->level[v] - 1);
			else if (!g->homogeneous && sc->p3[v] > 0)
				f[8] = 1.0f / 3.0f;
		}
		ComponentFeatures(g, u, v, f);
		if (walks)
			LpHeadWalkTake(g, u, v, sc, f);
		else
			f[LP_HEAD_WALK0] = f[LP_HEAD_WALK0 + 1] = 0.0f;
		s[v] = LpHeadApply(h, f);
	}
	BfsReset(sc, nbfs);

	for (int32 t = 0; t < ntouched; t++)
		sc->c2[sc->touched[t]] = 0;
	for (int32 t = 0; t < nvt; t++)
	{
		int32		v = sc->vt[t];

		sc->cn[v] = sc->ra[v] = sc->aa[v] = sc->p3[v] = 0.0f;
		sc->vmark[v] = 0;
	}
}
