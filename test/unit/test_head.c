/*
 * test_head.c: the structural decoder head (src/kernels/head.c).
 *
 * Checks that:
 *  - hand-computed features of a small graph are right (cn, ra, aa, paths
 *    of length 3, degrees, the unseen count);
 *  - scoring every candidate at once (LpHeadAll) gives, candidate by
 *    candidate, the pair scores (LpHeadPair), on random bipartite,
 *    undirected and directed graphs, also for a node with no edges;
 *  - on an undirected graph every feature of (u, v) is that of (v, u), so
 *    the score is too: the degrees as the smaller and the larger, p3 of an
 *    edge without the walks through v, the exact distance (no search
 *    budget, which a hub reaches sooner); a head stored by 0.1.0 (u's and v's degree) scores the mean
 *    of both orders once symmetrised;
 *  - the random-walk features equal those of the dense matrix powers P^k
 *    (and are 0 on a directed graph);
 *  - the fit learns what separates positives from negatives (AUC of the
 *    fitted head on its own data near 1 for a separable feature, a feature
 *    that carries nothing gets a small weight) and is deterministic.
 */
#include "postgres.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "head.h"
#include "tap.h"

static void *
Alloc(Size n)
{
	return calloc(1, n);
}

static uint64 rs = 88172645463325252ULL;

static uint32
Rand(uint32 n)
{
	rs ^= rs << 13;
	rs ^= rs >> 7;
	rs ^= rs << 17;
	return (uint32) ((rs >> 11) % n);
}

static int
CmpInt(const void *a, const void *b)
{
	int32		x = *(const int32 *) a,
				y = *(const int32 *) b;

	return (x > y) - (x < y);
}

/* per-user sorted, de-duplicated lists from m (u, v) pairs; symmetric if tied */
static void
Lists(int32 n_users, int m, const int32 *us, const int32 *vs, bool tied,
	  int64 **start, int32 **len, int32 **items)
{
	int32	   *tmp = calloc((Size) n_users * n_users + 1, sizeof(int32));
	int32	   *cnt = calloc(n_users, sizeof(int32));
	int64		w = 0;

	*start = calloc(n_users, sizeof(int64));
	*len = calloc(n_users, sizeof(int32));
	*items = calloc(2 * (Size) m + 1, sizeof(int32));
	for (int e = 0; e < m; e++)
	{
		tmp[(Size) us[e] * n_users + cnt[us[e]]++] = vs[e];
		if (tied)
			tmp[(Size) vs[e] * n_users + cnt[vs[e]]++] = us[e];
	}
	for (int32 u = 0; u < n_users; u++)
	{
		int32	   *l = tmp + (Size) u * n_users;

		qsort(l, cnt[u], sizeof(int32), CmpInt);
		(*start)[u] = w;
		for (int32 k = 0; k < cnt[u]; k++)
			if (k == 0 || l[k] != l[k - 1])
				(*items)[w++] = l[k];
		(*len)[u] = (int32) (w - (*start)[u]);
	}
	free(tmp);
	free(cnt);
}

static LpHeadScratch *
NewScratch(int32 n)
{
	LpHeadScratch *sc = malloc(sizeof(LpHeadScratch));

	sc->c2 = calloc(n, sizeof(int32));
	sc->cn = calloc(n, sizeof(float));
	sc->ra = calloc(n, sizeof(float));
	sc->aa = calloc(n, sizeof(float));
	sc->p3 = calloc(n, sizeof(float));
	sc->touched = calloc(n, sizeof(int32));
	sc->vt = calloc(n, sizeof(int32));
	sc->vmark = calloc(n, 1);
	sc->level = calloc(n, 1);
	sc->queue = calloc(n, sizeof(int32));
	sc->level2 = calloc(n, 1);
	sc->queue2 = calloc(n, sizeof(int32));
	sc->w3 = calloc(n, sizeof(float));
	sc->wt = calloc(n, sizeof(int32));
	sc->wt_n = 0;
	sc->wmark = calloc(n, 1);
	return sc;
}

static LpHead
SomeHead(void)
{
	LpHead		h;

	for (int k = 0; k < LP_HEAD_NFEAT; k++)
	{
		h.mean[k] = 0.1f * k;
		h.scale[k] = 1.0f + 0.5f * k;
		h.w[k] = (k % 2 ? -0.3f : 0.7f) + 0.1f * k;
	}
	h.b = 0.2f;
	return h;
}

/* an undirected graph from m edges (us[e], vs[e]) of n nodes */
static void
Undirected(LpHeurGraph *g, int32 n, int m, const int32 *us, const int32 *vs)
{
	int64	   *start;
	int32	   *len,
			   *items;

	Lists(n, m, us, vs, true, &start, &len, &items);
	LpHeurGraphBuild(g, true, true, n, n, start, len, items, Alloc);
}

/*
 * Every feature of (u, v) equals that of (v, u), and with it the score,
 * for u in us (n_us of them) and every v; the embedding score is a
 * symmetric function of the pair, as a tied model's is.  Then LpHeadAll
 * from each u agrees with the pairs.
 */
static void
Symmetric(const char *what, const LpHeurGraph *g, const int32 *us, int n_us)
{
	LpHead		h = SomeHead();
	LpHeadScratch *sc = NewScratch(g->n_users);
	float	   *s = malloc(sizeof(float) * g->n_users);
	int64		asym = 0,
				pairs = 0;
	double		worst = 0;
	char		detail[160];

	for (int i = 0; i < n_us; i++)
	{
		int32		u = us[i];

		for (int32 v = 0; v < g->n_users; v++)
			s[v] = 0.01f * ((u * v) % 13);
		LpHeadAll(&h, g, u, s, sc);
		for (int32 v = 0; v < g->n_users; v++)
		{
			float		fa[LP_HEAD_NFEAT],
						fb[LP_HEAD_NFEAT];
			float		emb = 0.01f * ((u * v) % 13);

			if (v == u)
				continue;
			LpHeadPairFeatures(g, u, v, emb, fa, sc);
			LpHeadPairFeatures(g, v, u, emb, fb, sc);
			asym += memcmp(fa, fb, sizeof(fa)) != 0 ||
				LpHeadPair(&h, g, u, v, emb, sc) != LpHeadPair(&h, g, v, u, emb, sc);
			worst = Max(worst, fabs(s[v] - LpHeadApply(&h, fa)));
			pairs++;
		}
	}
	snprintf(detail, sizeof(detail), " (%lld of %lld pairs differ; all candidates vs pairs: %.2e)",
			 (long long) asym, (long long) pairs, worst);
	TapLine(asym == 0 && worst < 1e-4, what, detail);
	free(s);
}

/*
 * The random-walk features of every pair against the matrix powers: P =
 * D^-1 A dense, r_k = P^k[u, v] 2m / d_v (k = 2, 3), the feature
 * ln(1 + r_k); 0 for a node with no edges.
 */
static void
WalksMatchPowers(const char *what, const LpHeurGraph *g)
{
	int32		n = g->n_users;
	double	   *P = calloc((Size) n * n, sizeof(double)),
			   *Q = calloc((Size) n * n, sizeof(double)),
			   *R = calloc((Size) n * n, sizeof(double));
	double		two_m = (double) g->u_off[n],
				worst = 0;
	LpHeadScratch *sc = NewScratch(n);
	char		detail[96],
				name[160];

	for (int32 x = 0; x < n; x++)
		for (int64 e = g->u_off[x]; e < g->u_off[x + 1]; e++)
			P[(Size) x * n + g->u_adj[e]] = 1.0 / (double) (g->u_off[x + 1] - g->u_off[x]);
	memcpy(Q, P, sizeof(double) * n * n);
	for (int k = 2; k <= 3; k++)
	{
		/* Q = P^(k-1) on entry, P^k after */
		for (int32 x = 0; x < n; x++)
			for (int32 y = 0; y < n; y++)
			{
				double		s = 0;

				for (int32 z = 0; z < n; z++)
					s += Q[(Size) x * n + z] * P[(Size) z * n + y];
				R[(Size) x * n + y] = s;
			}
		memcpy(Q, R, sizeof(double) * n * n);
		for (int32 u = 0; u < n; u++)
			for (int32 v = 0; v < n; v++)
			{
				float		f[LP_HEAD_NFEAT];
				int64		dv = g->u_off[v + 1] - g->u_off[v];
				double		want = dv > 0 && u != v ? log1p(Q[(Size) u * n + v] * two_m / (double) dv) : 0;

				if (u == v)
					continue;
				LpHeadPairFeatures(g, u, v, 0.0f, f, sc);
				worst = Max(worst, fabs(f[LP_HEAD_WALK0 + k - 2] - want));
			}
	}
	snprintf(detail, sizeof(detail), " (largest difference %.2e)", worst);
	snprintf(name, sizeof(name), "%s: the walk features are ln(1 + P^k[u, v] 2m / d_v), k = 2, 3", what);
	TapLine(worst < 1e-5, name, detail);
	free(P);
	free(Q);
	free(R);
}

static void
AllMatchesPair(const char *what, bool homogeneous, bool tied, int32 n_users, int32 n_items, int m)
{
	int32	   *us = malloc(sizeof(int32) * m),
			   *vs = malloc(sizeof(int32) * m);
	int64	   *start;
	int32	   *len,
			   *items;
	LpHeurGraph g;
	LpHead		h = SomeHead();
	int32		n = Max(n_users, n_items);
	LpHeadScratch *sc = NewScratch(n);
	float	   *s = malloc(sizeof(float) * n_items);
	double		worst = 0;
	char		detail[128];

	for (int e = 0; e < m; e++)
	{
		us[e] = (int32) Rand(n_users - 1);	/* the last user has no edges */
		do
			vs[e] = (int32) Rand(n_items);
		while (homogeneous && vs[e] == us[e]);
	}
	Lists(n_users, m, us, vs, tied, &start, &len, &items);
	LpHeurGraphBuild(&g, homogeneous, tied, n_users, n_items, start, len, items, Alloc);
	for (int32 u = -1; u < n_users; u++)
	{
		for (int32 v = 0; v < n_items; v++)
			s[v] = 0.01f * ((u * 7 + v * 3) % 11);
		LpHeadAll(&h, &g, u, s, sc);
		for (int32 v = 0; v < n_items; v++)
		{
			double		d;

			if (homogeneous && v == u)
				continue;
			d = fabs(s[v] - LpHeadPair(&h, &g, u, v, 0.01f * ((u * 7 + v * 3) % 11), sc));
			worst = Max(worst, d);
		}
	}
	snprintf(detail, sizeof(detail), " (largest difference %.2e)", worst);
	TapLine(worst < 1e-4, what, detail);
	free(us);
	free(vs);
	free(s);
}

int
main(void)
{
	/* a path 0-1-2-3 plus 0-2: undirected */
	{
		int32		us[] = {0, 1, 2, 0},
					vs[] = {1, 2, 3, 2};
		int64	   *start;
		int32	   *len,
				   *items;
		LpHeurGraph g;
		float		f[LP_HEAD_NFEAT];

		Lists(5, 4, us, vs, true, &start, &len, &items);
		LpHeurGraphBuild(&g, true, true, 5, 5, start, len, items, Alloc);
		LpHeadScratch *sc = NewScratch(5);

		LpHeadPairFeatures(&g, 0, 3, 0.5f, f, sc);
		/* N(0) = {1, 2}, N(3) = {2}: cn 1 (node 2, degree 3); paths 0-1-2-3 */
		Check(f[0] == 0.5f, "feature 0 is the embedding score");
		/* undirected: the smaller degree first (deg 0 = 2, deg 3 = 1) */
		Check(fabs(f[1] - log(2.0)) < 1e-6 && fabs(f[2] - log(3.0)) < 1e-6,
			  "degree features ln(1 + deg): the smaller, then the larger");
		Check(f[3] == 0.0f, "no unseen node");
		Check(fabs(f[4] - log(2.0)) < 1e-6, "cn = 1");
		Check(fabs(f[5] - 1.0 / 3) < 1e-6 && fabs(f[6] - 1.0 / log(3.0)) < 1e-6, "ra = 1/3, aa = 1/ln 3");
		/* paths of length 3 from 0 to 3: 0-1-2-3 only */
		Check(fabs(f[7] - log(2.0)) < 1e-6, "one path of length 3");
		Check(fabs(f[8] - 0.5) < 1e-6, "shortest path 0-2-3: distance 2, feature 1/2");
		LpHeadPairFeatures(&g, 1, 3, 0.0f, f, sc);
		Check(fabs(f[8] - 0.5) < 1e-6, "1-2-3: distance 2");
		/*
		 * the edge 0-2: walks of length 3 are 0-2-1-2 and 0-2-3-2 from 0,
		 * 2-0-1-0 from 2 (2 one way, 1 the other), but none is a path of
		 * four distinct nodes
		 */
		LpHeadPairFeatures(&g, 0, 2, 0.0f, f, sc);
		Check(f[7] == 0.0f, "edge 0-2: no path of length 3 (walks through 2 left out)");
		LpHeadPairFeatures(&g, 2, 0, 0.0f, f, sc);
		Check(f[7] == 0.0f, "edge 2-0: none either way round");
		LpHeadPairFeatures(&g, 1, 0, 0.0f, f, sc);
		/* 1-2-3? no; 1-0-2? length 2; paths 1-a-b-0: 1-2-?-0 needs b in N(2) & N(0) = {1} */
		Check(f[7] == 0.0f, "edge 1-0: no path of length 3");
		LpHeadPairFeatures(&g, 4, 3, 0.0f, f, sc);
		Check(f[3] == 1.0f && f[1] == 0.0f && f[4] == 0.0f && f[7] == 0.0f && f[8] == 0.0f,
			  "a node with no edges: unseen 1, no paths, no distance");
		LpHeadPairFeatures(&g, -1, -1, 0.0f, f, sc);
		Check(f[3] == 2.0f, "two unknown nodes: unseen 2");
	}
	/* bipartite: users 0, 1, 2; items 0, 1, 2 */
	{
		int32		us[] = {0, 0, 1, 1, 2},
					vs[] = {0, 1, 1, 2, 2};
		int64	   *start;
		int32	   *len,
				   *items;
		LpHeurGraph g;
		float		f[LP_HEAD_NFEAT];

		Lists(3, 5, us, vs, false, &start, &len, &items);
		LpHeurGraphBuild(&g, false, false, 3, 3, start, len, items, Alloc);
		LpHeadScratch *sc = NewScratch(3);

		/* user 0, item 2: users of item 2 = {1, 2}; 1 shares item 1 with 0 */
		LpHeadPairFeatures(&g, 0, 2, 0.0f, f, sc);
		Check(fabs(f[4] - log(2.0)) < 1e-6 && fabs(f[5] - 0.5) < 1e-6, "bipartite cn 1, ra 1/2 (user 1 has 2 items)");
		Check(fabs(f[7] - log(2.0)) < 1e-6, "bipartite: one path 0-1-1-2");
		Check(fabs(f[2] - log(3.0)) < 1e-6, "item degree counts its users");
		Check(fabs(f[8] - 1.0 / 3) < 1e-6, "bipartite distance 3: feature 1/3");
		LpHeadPairFeatures(&g, 0, 1, 0.0f, f, sc);
		Check(f[8] == 1.0f, "bipartite: an edge is distance 1");
	}

	/*
	 * A path 0 - 1 - ... - (L + 1), L = LP_HEAD_MAX_DIST, and apart from it
	 * one edge a - b: distance up to L, none beyond; components.
	 */
	{
		enum
		{
			L = LP_HEAD_MAX_DIST, N = L + 4
		};
		int32		us[L + 2],
					vs[L + 2];
		int64	   *start;
		int32	   *len,
				   *items;
		LpHeurGraph g;
		float		f[LP_HEAD_NFEAT];
		LpHeadScratch *sc = NewScratch(N);
		float		s[N];

		for (int i = 0; i <= L; i++)
		{
			us[i] = i;
			vs[i] = i + 1;
		}
		us[L + 1] = L + 2;
		vs[L + 1] = L + 3;
		Lists(N, L + 2, us, vs, true, &start, &len, &items);
		LpHeurGraphBuild(&g, true, true, N, N, start, len, items, Alloc);
		LpHeadPairFeatures(&g, 0, 5, 0.0f, f, sc);
		Check(fabs(f[8] - 0.2) < 1e-6, "path: distance 5");
		LpHeadPairFeatures(&g, 0, L, 0.0f, f, sc);
		Check(fabs(f[8] - 1.0 / L) < 1e-6, "path: distance LP_HEAD_MAX_DIST, the limit");
		Check(f[9] == 0.0f && fabs(f[10] - log((double) L + 2)) < 1e-6,
			  "same component: not apart, ln of its size");
		LpHeadPairFeatures(&g, 0, L + 1, 0.0f, f, sc);
		Check(f[8] == 0.0f && f[9] == 0.0f, "path: one hop beyond the search, yet not apart");
		LpHeadPairFeatures(&g, 3, L + 3, 0.0f, f, sc);
		Check(f[8] == 0.0f && f[9] == 1.0f && fabs(f[10] - log(2.0)) < 1e-6,
			  "the lone edge: apart, the smaller component has 2 nodes");
		LpHeadPairFeatures(&g, L + 3, 3, 0.0f, f, sc);
		Check(f[9] == 1.0f && fabs(f[10] - log(2.0)) < 1e-6, "apart either way round");
		LpHeadPairFeatures(&g, -1, 3, 0.0f, f, sc);
		Check(f[9] == 0.0f && f[10] == 0.0f, "an unknown node is not apart; its component is itself");

		/* every candidate at once agrees with the pairs, beyond the search too */
		for (int v = 0; v < N; v++)
			s[v] = 0.0f;
		{
			LpHead		h;
			bool		same = true;

			memset(&h, 0, sizeof(h));
			for (int k = 0; k < LP_HEAD_NFEAT; k++)
			{
				h.scale[k] = 1.0f;
				h.w[k] = (float) (k + 1);
			}
			LpHeadAll(&h, &g, 0, s, sc);
			for (int v = 1; v < N; v++)
				same = same && fabs(s[v] - LpHeadPair(&h, &g, 0, v, 0.0f, sc)) < 1e-4;
			Check(same, "path and lone edge: all candidates = pair scores");
		}
	}

	/*
	 * A 4-cycle 0-1-2-3 with the chord 0-2 and a tail 3-4: the edge 0-1
	 * has one path of length 3 (0-3-2-1) and walks through either end.
	 */
	{
		int32		us[] = {0, 1, 2, 3, 0, 3},
					vs[] = {1, 2, 3, 0, 2, 4};
		LpHeurGraph g;
		float		f[LP_HEAD_NFEAT];
		LpHeadScratch *sc = NewScratch(5);
		int32		all[] = {0, 1, 2, 3, 4};

		Undirected(&g, 5, 6, us, vs);
		LpHeadPairFeatures(&g, 0, 1, 0.0f, f, sc);
		Check(fabs(f[7] - log(2.0)) < 1e-6, "edge 0-1: one path 0-3-2-1 of length 3");
		LpHeadPairFeatures(&g, 1, 0, 0.0f, f, sc);
		Check(fabs(f[7] - log(2.0)) < 1e-6, "edge 1-0: the same path backwards");
		LpHeadPairFeatures(&g, 2, 3, 0.0f, f, sc);
		/* 2-1-0-3 only (2-0-... -3 needs a neighbour of 0 next to 3 other than 2: 1? no) */
		Check(fabs(f[7] - log(2.0)) < 1e-6, "edge 2-3: one path 2-1-0-3");
		Symmetric("small undirected graph: (u, v) and (v, u) have the same features and score",
				  &g, all, 5);
	}

	/* random undirected graphs, sparse and dense */
	{
		LpHeurGraph g;
		int32		us[600],
					vs[600],
					all[60];

		for (int e = 0; e < 600; e++)
		{
			us[e] = (int32) Rand(59);	/* node 59 has no edges */
			do
				vs[e] = (int32) Rand(59);
			while (vs[e] == us[e]);
		}
		for (int32 x = 0; x < 60; x++)
			all[x] = x;
		Undirected(&g, 60, 90, us, vs);
		Symmetric("random undirected graph, 60 nodes, 90 edges: symmetric", &g, all, 60);
		WalksMatchPowers("random undirected graph, 60 nodes, 90 edges", &g);
		Undirected(&g, 60, 600, us, vs);
		Symmetric("random undirected graph, 60 nodes, 600 edges: symmetric", &g, all, 60);
		WalksMatchPowers("random undirected graph, 60 nodes, 600 edges", &g);
	}

	/*
	 * A hub past the search budget: hub 0 with leaves 1 .. L, node a
	 * hanging off leaf 1, a path b - c - a.  A search cut at
	 * LP_HEAD_BFS_BUDGET nodes would find leaf 2 from a (a-1-0-2) but stop
	 * after the hub's level from leaf 2; an undirected graph's search has
	 * no budget, so every distance counts, from either end.
	 */
	{
		enum
		{
			L = LP_HEAD_BFS_BUDGET + 100, A = L + 1, B = L + 2, C = L + 3, N = L + 4
		};
		int32	   *us = malloc(sizeof(int32) * (L + 3)),
				   *vs = malloc(sizeof(int32) * (L + 3));
		LpHeurGraph g;
		float		f[LP_HEAD_NFEAT],
					fr[LP_HEAD_NFEAT];
		LpHeadScratch *sc = NewScratch(N);
		int32		some[] = {0, 1, 2, 3, L, A, B, C};

		for (int32 i = 0; i < L; i++)
		{
			us[i] = 0;
			vs[i] = i + 1;
		}
		us[L] = A;
		vs[L] = 1;
		us[L + 1] = B;
		vs[L + 1] = C;
		us[L + 2] = C;
		vs[L + 2] = A;
		Undirected(&g, N, L + 3, us, vs);
		LpHeadPairFeatures(&g, A, 2, 0.0f, f, sc);
		LpHeadPairFeatures(&g, 2, A, 0.0f, fr, sc);
		Check(fabs(f[8] - 1.0 / 3) < 1e-6 && fr[8] == f[8],
			  "a to a leaf and back, distance 3 past the hub's 4,196 leaves: 1/3 both ways");
		LpHeadPairFeatures(&g, B, 0, 0.0f, f, sc);
		LpHeadPairFeatures(&g, 0, B, 0.0f, fr, sc);
		Check(fabs(f[8] - 0.25) < 1e-6 && fr[8] == f[8], "b and the hub, distance 4: 1/4 both ways");
		LpHeadPairFeatures(&g, B, L, 0.0f, f, sc);
		LpHeadPairFeatures(&g, L, B, 0.0f, fr, sc);
		Check(fabs(f[8] - 0.2) < 1e-6 && fr[8] == f[8], "b and the last leaf, distance 5: 1/5 both ways");
		Symmetric("hub past the search budget: symmetric, all candidates = pairs", &g, some, 8);
		free(us);
		free(vs);
	}

	/*
	 * The exact distance on a path of L + 4 nodes with a side branch at
	 * every node (n = 2 (L + 4)): both ends' searches meet in the middle,
	 * up to LP_HEAD_MAX_DIST and not past it
	 */
	{
		enum
		{
			L = LP_HEAD_MAX_DIST, P = L + 4, N = 2 * P
		};
		int32		us[2 * P],
					vs[2 * P];
		int			m = 0;
		LpHeurGraph g;
		float		f[LP_HEAD_NFEAT];
		LpHeadScratch *sc = NewScratch(N);
		bool		right = true;
		int32		all[N];

		for (int32 i = 0; i + 1 < P; i++)
		{
			us[m] = i;
			vs[m++] = i + 1;
		}
		for (int32 i = 0; i < P; i++)
		{
			us[m] = i;
			vs[m++] = P + i;	/* the branch of node i */
		}
		Undirected(&g, N, m, us, vs);
		for (int32 x = 0; x < N; x++)
			for (int32 y = 0; y < N; y++)
			{
				int32		px = x % P,
							py = y % P;
				int			d = abs(px - py) + (x >= P) + (y >= P);

				if (x == y)
					continue;
				if (px == py)
					d = 1;		/* a node and its own branch */
				LpHeadPairFeatures(&g, x, y, 0.0f, f, sc);
				right = right && (d <= L ? fabs(f[8] - 1.0 / d) < 1e-6 : f[8] == 0.0f);
			}
		Check(right, "path with branches: 1 / the exact distance up to LP_HEAD_MAX_DIST, 0 past it");
		for (int32 x = 0; x < N; x++)
			all[x] = x;
		Symmetric("path with branches: symmetric, all candidates = pairs", &g, all, N);
	}

	/* a head of 0.1.0 (u's and v's degree), symmetrised: the mean of both orders */
	{
		int32		us[] = {0, 1, 2, 0, 3},
					vs[] = {1, 2, 3, 2, 4};
		LpHeurGraph g;
		LpHead		h = SomeHead(),
					hs = h;
		LpHeadScratch *sc = NewScratch(5);
		double		worst = 0;
		char		detail[64];

		Undirected(&g, 5, 5, us, vs);
		LpHeadSymmetrise(&hs);
		for (int32 u = 0; u < 5; u++)
			for (int32 v = 0; v < 5; v++)
			{
				float		f[LP_HEAD_NFEAT],
							fl[LP_HEAD_NFEAT],
							fr[LP_HEAD_NFEAT];
				double		du = log1p((double) (g.u_off[u + 1] - g.u_off[u])),
							dv = log1p((double) (g.u_off[v + 1] - g.u_off[v]));

				if (u == v)
					continue;
				LpHeadPairFeatures(&g, u, v, 0.3f, f, sc);
				memcpy(fl, f, sizeof(f));
				memcpy(fr, f, sizeof(f));
				fl[1] = fr[2] = (float) du;
				fl[2] = fr[1] = (float) dv;
				worst = Max(worst, fabs(LpHeadApply(&hs, f) -
										(LpHeadApply(&h, fl) + LpHeadApply(&h, fr)) / 2));
			}
		snprintf(detail, sizeof(detail), " (largest difference %.2e)", worst);
		TapLine(worst < 1e-5, "a 0.1.0 head, symmetrised, scores the mean of (u, v) and (v, u)", detail);
	}

	AllMatchesPair("all candidates = pair scores, bipartite 40 x 30", false, false, 40, 30, 120);
	AllMatchesPair("all candidates = pair scores, bipartite 20 x 60", false, false, 20, 60, 200);
	AllMatchesPair("all candidates = pair scores, undirected 50 nodes", true, true, 50, 50, 120);
	AllMatchesPair("all candidates = pair scores, directed 50 nodes", true, false, 50, 50, 150);

	/* directed graphs keep u's and v's degree: 0 -> 1, 0 -> 2, 3 -> 0 */
	{
		int32		us[] = {0, 0, 3},
					vs[] = {1, 2, 0};
		int64	   *start;
		int32	   *len,
				   *items;
		LpHeurGraph g;
		float		f[LP_HEAD_NFEAT];
		LpHeadScratch *sc = NewScratch(4);

		Lists(4, 3, us, vs, false, &start, &len, &items);
		LpHeurGraphBuild(&g, true, false, 4, 4, start, len, items, Alloc);
		LpHeadPairFeatures(&g, 0, 1, 0.0f, f, sc);
		/* the merged view: 0 has 3 neighbours, 1 has 1 */
		Check(fabs(f[1] - log(4.0)) < 1e-6 && fabs(f[2] - log(2.0)) < 1e-6,
			  "directed: u's degree, then v's");
		Check(f[LP_HEAD_WALK0] == 0.0f && f[LP_HEAD_WALK0 + 1] == 0.0f,
			  "directed: no random-walk features (0)");
	}

	/* fit: feature 4 separates, feature 1 is noise */
	{
		int64		n = 2000;
		float	   *X = calloc(n * LP_HEAD_NFEAT, sizeof(float));
		float	   *y = calloc(n, sizeof(float));
		LpHead		h,
					h2;
		int64		right = 0;

		for (int64 i = 0; i < n; i++)
		{
			y[i] = (float) (i % 2);
			X[i * LP_HEAD_NFEAT + 4] = y[i] + 0.3f * ((float) Rand(1000) / 1000.0f);
			X[i * LP_HEAD_NFEAT + 1] = (float) Rand(1000) / 1000.0f;
		}
		LpHeadFit(&h, X, y, n);
		LpHeadFit(&h2, X, y, n);
		for (int64 i = 0; i < n; i++)
			right += (LpHeadApply(&h, X + i * LP_HEAD_NFEAT) > 0) == (y[i] > 0.5f);
		Check(right == n, "the fitted head separates a separable feature");
		Check(h.w[4] > 5 * fabs(h.w[1]), "the noise feature weighs far less");
		Check(memcmp(&h, &h2, sizeof(h)) == 0, "the fit is deterministic");
		Check(h.scale[0] == 1.0f && h.w[0] == 0.0f, "a constant feature gets scale 1 and weight 0");
	}
	return TapFinish();
}
