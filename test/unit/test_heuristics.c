/*
 * test_heuristics.c: unit tests of src/kernels/heuristics.c, which never calls
 * PostgreSQL and so runs as a plain program.  Prints TAP.
 *
 *  - method names map to methods and back;
 *  - on a small homogeneous and a small bipartite graph, every method gives
 *    the value worked out by hand in the comments below;
 *  - LpHeuristicAll agrees with LpHeuristicPair for every candidate, every
 *    method, on both small graphs and on larger random graphs;
 *  - repeated calls, and calls across a stamp overflow, give identical
 *    results (the scratch is never cleared between calls).
 */
#include "postgres.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "heuristics.h"

/* postgres.h maps these to pg_printf and friends, which live in the server */
#include "tap.h"
#undef snprintf
#undef fprintf

#ifdef USE_ASSERT_CHECKING
/* Assert() calls into the server on a cassert build; fail loudly instead */
void
ExceptionalCondition(const char *conditionName, const char *errorType,
					 const char *fileName, int lineNumber)
{
	fprintf(stderr, "assertion %s failed at %s:%d\n", conditionName, fileName, lineNumber);
	abort();
}
#endif

#define N_METHODS 5

static const char *const method_names[N_METHODS] = {"cn", "jaccard", "aa", "ra", "pa"};


static bool
Close(double got, double want, double rel)
{
	return fabs(got - want) <= rel * fabs(want) + 1e-12;
}

/* an owned graph with its scratch */
typedef struct TestGraph
{
	LpHeurGraph g;
	LpHeurScratch s;
} TestGraph;

/* CSR of n rows from an edge list (row, col); rows sorted and deduplicated */
static void
BuildCsr(int32 n_rows, int32 n_cols, int64 m, const int32 *rows, const int32 *cols,
		 int64 **off_out, int32 **adj_out)
{
	int64	   *off = calloc(n_rows + 1, sizeof(int64));
	int32	   *adj = malloc(sizeof(int32) * (m > 0 ? m : 1));
	bool	   *seen = calloc(n_cols, sizeof(bool));
	int64		k = 0;

	for (int32 r = 0; r < n_rows; r++)
	{
		off[r] = k;
		for (int64 e = 0; e < m; e++)
			if (rows[e] == r)
				seen[cols[e]] = true;
		for (int32 c = 0; c < n_cols; c++)
			if (seen[c])
			{
				adj[k++] = c;
				seen[c] = false;
			}
	}
	off[n_rows] = k;
	free(seen);
	*off_out = off;
	*adj_out = adj;
}

static void
InitScratch(TestGraph *t)
{
	int32		size = Max(t->g.n_users, t->g.n_items);

	t->s.mark = calloc(size, sizeof(int32));
	t->s.list = calloc(size, sizeof(int32));
	t->s.stamp = 0;
}

/* undirected homogeneous graph of n nodes from m edges a[k] - b[k] */
static TestGraph
Homogeneous(int32 n, int64 m, const int32 *a, const int32 *b)
{
	TestGraph	t;
	int32	   *rows = malloc(sizeof(int32) * 2 * (m > 0 ? m : 1));
	int32	   *cols = malloc(sizeof(int32) * 2 * (m > 0 ? m : 1));
	int64	   *off;
	int32	   *adj;

	for (int64 e = 0; e < m; e++)
	{
		rows[2 * e] = a[e];
		cols[2 * e] = b[e];
		rows[2 * e + 1] = b[e];
		cols[2 * e + 1] = a[e];
	}
	BuildCsr(n, n, 2 * m, rows, cols, &off, &adj);
	free(rows);
	free(cols);
	memset(&t, 0, sizeof(t));
	t.g.homogeneous = true;
	t.g.n_users = t.g.n_items = n;
	t.g.u_off = off;
	t.g.u_adj = adj;
	InitScratch(&t);
	return t;
}

/* bipartite graph from m edges user[k] -> item[k] */
static TestGraph
Bipartite(int32 n_users, int32 n_items, int64 m, const int32 *user, const int32 *item)
{
	TestGraph	t;
	int64	   *uo,
			   *io;
	int32	   *ua,
			   *ia;

	BuildCsr(n_users, n_items, m, user, item, &uo, &ua);
	BuildCsr(n_items, n_users, m, item, user, &io, &ia);
	memset(&t, 0, sizeof(t));
	t.g.homogeneous = false;
	t.g.n_users = n_users;
	t.g.n_items = n_items;
	t.g.u_off = uo;
	t.g.u_adj = ua;
	t.g.i_off = io;
	t.g.i_adj = ia;
	InitScratch(&t);
	return t;
}

static void
FreeGraph(TestGraph *t)
{
	free((void *) t->g.u_off);
	free((void *) t->g.u_adj);
	free((void *) t->g.i_off);
	free((void *) t->g.i_adj);
	free(t->s.mark);
	free(t->s.list);
}

/* a small xorshift generator, so this test needs nothing but the file under test */
static uint64 rng_state = UINT64CONST(0x9e3779b97f4a7c15);

static uint32
Below(uint32 n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32) ((rng_state >> 11) % n);
}

static void
TestNames(void)
{
	bool		ok = true;
	LpHeuristic h;
	LpHeuristic want[N_METHODS] = {LP_HEUR_CN, LP_HEUR_JACCARD, LP_HEUR_AA,
	LP_HEUR_RA, LP_HEUR_PA};

	for (int i = 0; i < N_METHODS; i++)
		if (!LpHeuristicFromName(method_names[i], &h) || h != want[i])
			ok = false;
	Check(ok, "every listed name maps to its method");
	Check(!LpHeuristicFromName("adamic", &h) && !LpHeuristicFromName("", &h)
		  && !LpHeuristicFromName("cnx", &h),
		  "unknown names are refused");
	Check(strcmp(LpHeuristicNames(), "cn, jaccard, aa, ra, pa") == 0,
		  "LpHeuristicNames lists the five methods");
}

/* expected values in method order cn, jaccard, aa, ra, pa */
static void
CheckPair(TestGraph *t, int32 u, int32 v, const double want[N_METHODS], const char *label)
{
	char		what[200];

	for (int h = 0; h < N_METHODS; h++)
	{
		double		got = LpHeuristicPair(&t->g, (LpHeuristic) h, u, v, &t->s);

		snprintf(what, sizeof(what), "%s: %s(%d, %d) = %.10g (got %.10g)",
				 label, method_names[h], u, v, want[h], got);
		Check(Close(got, want[h], 1e-12), what);
	}
}

#define INV_LN2 1.4426950408889634	/* 1 / ln 2 */
#define INV_LN3 0.9102392266268373	/* 1 / ln 3 */
#define INV_LN4 0.7213475204444817	/* 1 / ln 4 */

/*
 * Homogeneous graph, 7 nodes, 8 undirected edges:
 *   0-1 0-2 0-3 0-4 1-2 2-3 3-4 4-5, node 6 isolated
 *   N(0) = {1,2,3,4} deg 4     N(1) = {0,2}   deg 2
 *   N(2) = {0,1,3}   deg 3     N(3) = {0,2,4} deg 3
 *   N(4) = {0,3,5}   deg 3     N(5) = {4}     deg 1     N(6) = {} deg 0
 */
static const int32 hom_a[] = {0, 0, 0, 0, 1, 2, 3, 4};
static const int32 hom_b[] = {1, 2, 3, 4, 2, 3, 4, 5};

static void
TestHomogeneousByHand(TestGraph *t)
{
	/*
	 * (1,3): N(1) & N(3) = {0,2}; cn 2; union 2 + 3 - 2 = 3; aa 1/ln4 +
	 * 1/ln3; ra 1/4 + 1/3; pa 2 * 3
	 */
	const double p13[] = {2, 2.0 / 3, INV_LN4 + INV_LN3, 0.25 + 1.0 / 3, 6};

	/* (0,2), an edge: N(0) & N(2) = {1,3}; union 4 + 3 - 2 = 5; pa 4 * 3 */
	const double p02[] = {2, 0.4, INV_LN2 + INV_LN3, 0.5 + 1.0 / 3, 12};

	/* (2,4): {0,3}; union 3 + 3 - 2 = 4; pa 3 * 3 */
	const double p24[] = {2, 0.5, INV_LN4 + INV_LN3, 0.25 + 1.0 / 3, 9};

	/* (1,5): {0,2} & {4} is empty; union 3; pa 2 * 1 */
	const double p15[] = {0, 0, 0, 0, 2};

	/* (0,5), 5 of degree 1: {4}; union 4 + 1 - 1 = 4; pa 4 * 1 */
	const double p05[] = {1, 0.25, INV_LN3, 1.0 / 3, 4};

	/*
	 * (4,4), u == v: the intersection is N(4) = {0,3,5} itself; cn 3,
	 * jaccard 3/3; aa 1/ln4 + 1/ln3 and nothing for 5 (deg 1, ln 1 = 0);
	 * ra 1/4 + 1/3 + 1/1; pa 3 * 3
	 */
	const double p44[] = {3, 1, INV_LN4 + INV_LN3, 0.25 + 1.0 / 3 + 1, 9};

	/* (6,6): isolated, empty union: jaccard 0, everything 0 */
	const double p66[] = {0, 0, 0, 0, 0};

	/* (1,6): union 2 + 0 - 0 = 2, jaccard 0; pa 2 * 0 */
	const double p16[] = {0, 0, 0, 0, 0};

	CheckPair(t, 1, 3, p13, "homogeneous");
	CheckPair(t, 3, 1, p13, "homogeneous, symmetric");
	CheckPair(t, 0, 2, p02, "homogeneous");
	CheckPair(t, 2, 4, p24, "homogeneous");
	CheckPair(t, 1, 5, p15, "homogeneous, no common neighbour");
	CheckPair(t, 0, 5, p05, "homogeneous, degree-1 node");
	CheckPair(t, 4, 4, p44, "homogeneous, u == v with a degree-1 neighbour");
	CheckPair(t, 6, 6, p66, "homogeneous, isolated node (empty union)");
	CheckPair(t, 1, 6, p16, "homogeneous, isolated candidate");
}

/*
 * Bipartite graph, 6 users, 6 items:
 *   u0: {i0,i1} deg 2   u1: {i0,i2,i3} deg 3   u2: {i1,i2} deg 2
 *   u3: {i4}    deg 1   u4: {i4}       deg 1   u5: {}      deg 0
 *   i0: {u0,u1}  i1: {u0,u2}  i2: {u1,u2}  i3: {u1}  i4: {u3,u4}  i5: {}
 * Two-hop user sets A = N2(u):
 *   A(u0) = {u1 (via i0), u2 (via i1)}   A(u2) = {u0 (i1), u1 (i2)}
 *   A(u3) = {u4}   A(u5) = {}
 */
static const int32 bip_u[] = {0, 0, 1, 1, 1, 2, 2, 3, 4};
static const int32 bip_i[] = {0, 1, 0, 2, 3, 1, 2, 4, 4};

static void
TestBipartiteByHand(TestGraph *t)
{
	/*
	 * (u0,i2): B = {u1,u2} = A; cn 2; union 2 + 2 - 2 = 2; aa 1/ln3 (u1) +
	 * 1/ln2 (u2); ra 1/3 + 1/2; pa 2 * 2
	 */
	const double p02[] = {2, 1, INV_LN3 + INV_LN2, 1.0 / 3 + 0.5, 4};

	/* (u0,i3): B = {u1}; cn 1; union 2 + 1 - 1 = 2; pa 2 * 1 */
	const double p03[] = {1, 0.5, INV_LN3, 1.0 / 3, 2};

	/*
	 * (u0,i0), a training edge: B = {u0,u1}, u0 is not in A; cn 1; union 2
	 * + 2 - 1 = 3; pa 2 * 2
	 */
	const double p00[] = {1, 1.0 / 3, INV_LN3, 1.0 / 3, 4};

	/* (u0,i4): B = {u3,u4}, no overlap; union 4; pa 2 * 2 */
	const double p04[] = {0, 0, 0, 0, 4};

	/* (u2,i3): A = {u0,u1}, B = {u1}; cn 1; union 2 + 1 - 1 = 2; pa 2 * 1 */
	const double p23[] = {1, 0.5, INV_LN3, 1.0 / 3, 2};

	/*
	 * (u3,i4): A = {u4}, B = {u3,u4}; cn 1 through u4 of degree 1: aa 0
	 * (ln 1 = 0), ra 1; union 1 + 2 - 1 = 2; pa 1 * 2
	 */
	const double p34[] = {1, 0.5, 0, 1, 2};

	/* (u5,i5): A and B empty: jaccard 0 (empty union), pa 0 * 0 */
	const double p55[] = {0, 0, 0, 0, 0};

	/* (u0,i5): B empty; union 2 + 0 - 0 = 2; pa 2 * 0 */
	const double p05[] = {0, 0, 0, 0, 0};

	CheckPair(t, 0, 2, p02, "bipartite");
	CheckPair(t, 0, 3, p03, "bipartite");
	CheckPair(t, 0, 0, p00, "bipartite, training edge");
	CheckPair(t, 0, 4, p04, "bipartite, no common neighbour");
	CheckPair(t, 2, 3, p23, "bipartite");
	CheckPair(t, 3, 4, p34, "bipartite, degree-1 common neighbour");
	CheckPair(t, 5, 5, p55, "bipartite, empty union");
	CheckPair(t, 0, 5, p05, "bipartite, item without users");
}

/* All == Pair for every user, every candidate, every method */
static void
TestAllMatchesPair(TestGraph *t, const char *label)
{
	float	   *out = malloc(sizeof(float) * t->g.n_items);
	char		what[200];

	for (int h = 0; h < N_METHODS; h++)
	{
		int64		bad = 0,
					nonzero = 0;

		for (int32 u = 0; u < t->g.n_users; u++)
		{
			LpHeuristicAll(&t->g, (LpHeuristic) h, u, out, &t->s);
			for (int32 v = 0; v < t->g.n_items; v++)
			{
				double		want = LpHeuristicPair(&t->g, (LpHeuristic) h, u, v, &t->s);

				if (!Close(out[v], want, 1e-5))
				{
					if (bad < 3)
						printf("# %s %s u=%d v=%d: all %.9g pair %.9g\n",
							   label, method_names[h], u, v, out[v], want);
					bad++;
				}
				nonzero += want != 0;
			}
		}
		snprintf(what, sizeof(what), "%s: %s, All equals Pair for every candidate",
				 label, method_names[h]);
		/* a graph where everything is 0 would prove nothing */
		Check(bad == 0 && nonzero > 0, what);
	}
	free(out);
}

/*
 * Repeated calls give bit-identical results, including across the stamp
 * overflow, where the scratch is reset once.
 */
static void
TestRepeatable(TestGraph *t, const char *label)
{
	int32		n_u = t->g.n_users,
				n_i = t->g.n_items;
	float	   *ref = malloc(sizeof(float) * n_u * n_i * N_METHODS);
	double	   *ref_pair = malloc(sizeof(double) * n_u * N_METHODS);
	float	   *out = malloc(sizeof(float) * n_i);
	char		what[200];
	bool		ok = true;
	bool		pair_ok = true;

	for (int h = 0; h < N_METHODS; h++)
		for (int32 u = 0; u < n_u; u++)
		{
			LpHeuristicAll(&t->g, (LpHeuristic) h, u, ref + ((size_t) h * n_u + u) * n_i, &t->s);
			ref_pair[h * n_u + u] = LpHeuristicPair(&t->g, (LpHeuristic) h, u, u % n_i, &t->s);
		}

	/*
	 * Again, in another order, starting just below the overflow, with marks
	 * left by (simulated) early generations that the restarted stamps will
	 * meet again unless the overflow clears them.
	 */
	t->s.stamp = PG_INT32_MAX - 7;
	for (int32 i = 0; i < Max(n_u, n_i); i++)
		t->s.mark[i] = 1 + i % 64;
	for (int round = 0; round < 3; round++)
		for (int h = N_METHODS - 1; h >= 0; h--)
			for (int32 u = n_u - 1; u >= 0; u--)
			{
				LpHeuristicAll(&t->g, (LpHeuristic) h, u, out, &t->s);
				if (memcmp(out, ref + ((size_t) h * n_u + u) * n_i, sizeof(float) * n_i) != 0)
					ok = false;
				if (LpHeuristicPair(&t->g, (LpHeuristic) h, u, u % n_i, &t->s)
					!= ref_pair[h * n_u + u])
					pair_ok = false;
			}
	snprintf(what, sizeof(what), "%s: repeated All calls are identical across the stamp overflow", label);
	Check(ok, what);
	snprintf(what, sizeof(what), "%s: repeated Pair calls are identical across the stamp overflow", label);
	Check(pair_ok, what);
	if (!t->g.homogeneous)
	{
		snprintf(what, sizeof(what), "%s: the stamp restarted after the overflow", label);
		Check(t->s.stamp > 0 && t->s.stamp < 1000000, what);
	}
	free(ref);
	free(ref_pair);
	free(out);
}

/* m random edges; homogeneous ones skip self loops, duplicates merge */
static TestGraph
RandomGraph(bool homogeneous, int32 n_users, int32 n_items, int64 m)
{
	int32	   *a = malloc(sizeof(int32) * m);
	int32	   *b = malloc(sizeof(int32) * m);
	int64		k = 0;
	TestGraph	t;

	while (k < m)
	{
		a[k] = (int32) Below(n_users);
		/* skew the items so some are popular and aa/ra weights vary */
		b[k] = (int32) (Below(2) ? Below(n_items) : Below(Max(n_items / 10, 1)));
		if (homogeneous && a[k] == b[k])
			continue;
		k++;
	}
	t = homogeneous ? Homogeneous(n_users, m, a, b) : Bipartite(n_users, n_items, m, a, b);
	free(a);
	free(b);
	return t;
}

int
main(void)
{
	TestGraph	hom = Homogeneous(7, lengthof(hom_a), hom_a, hom_b);
	TestGraph	bip = Bipartite(6, 6, lengthof(bip_u), bip_u, bip_i);
	TestGraph	rh = RandomGraph(true, 300, 300, 900);
	TestGraph	rb1 = RandomGraph(false, 300, 150, 1200);
	TestGraph	rb2 = RandomGraph(false, 120, 400, 1000);

	TestNames();
	TestHomogeneousByHand(&hom);
	TestBipartiteByHand(&bip);

	TestAllMatchesPair(&hom, "small homogeneous");
	TestAllMatchesPair(&bip, "small bipartite");
	TestAllMatchesPair(&rh, "random homogeneous (300 nodes)");
	TestAllMatchesPair(&rb1, "random bipartite (300 users, 150 items)");
	TestAllMatchesPair(&rb2, "random bipartite (120 users, 400 items)");

	TestRepeatable(&hom, "small homogeneous");
	TestRepeatable(&bip, "small bipartite");
	TestRepeatable(&rb1, "random bipartite (300 users, 150 items)");
	TestRepeatable(&rb2, "random bipartite (120 users, 400 items)");

	FreeGraph(&hom);
	FreeGraph(&bip);
	FreeGraph(&rh);
	FreeGraph(&rb1);
	FreeGraph(&rb2);

	printf("1..%d\n", tap_run);
	return TapFinish();
}
