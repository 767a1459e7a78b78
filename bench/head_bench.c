/*
 * head_bench.c: what the structural head's random-walk features (format 3,
 * src/kernels/head_walk.c) cost top-k on a large undirected graph.  A
 * benchmark, not a test: it prints figures for bench/RESULTS-head-walk.md.
 *
 * The graph: n nodes, m edge draws whose ends are node floor(n r^2), r
 * uniform (skewed degrees: the lowest indices are hubs), loops and
 * duplicates dropped, made symmetric.  For Q random nodes with edges,
 * LpHeadAll (every candidate's head score, what linkpred_topk runs through
 * the head after the embedding scores) with a head that weighs the walk
 * features (format 3) and with the same head without them (weights 0: a
 * format 2 head, whose top-k skips the walk), then P single pairs
 * (LpHeadPair, linkpred_score's head).  Prints median and mean ms.
 *
 *	head_bench [n nodes] [m edges] [Q users] [P pairs]
 *
 * Build: see bench/RESULTS-head-walk.md.
 */
#include "postgres.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "head.h"

static uint64 rs = 0x9e3779b97f4a7c15ULL;

static double
Unif(void)
{
	rs ^= rs << 13;
	rs ^= rs >> 7;
	rs ^= rs << 17;
	return (double) (rs >> 11) / 9007199254740992.0;
}

static void *
Alloc(Size n)
{
	return calloc(1, n);
}

static double
Now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec * 1e-9;
}

static int
CmpPair(const void *a, const void *b)
{
	const int32 *x = a,
			   *y = b;

	return x[0] != y[0] ? (x[0] > y[0]) - (x[0] < y[0]) : (x[1] > y[1]) - (x[1] < y[1]);
}

static int
CmpDouble(const void *a, const void *b)
{
	double		x = *(const double *) a,
				y = *(const double *) b;

	return (x > y) - (x < y);
}

static LpHeadScratch *
NewScratch(int32 n)
{
	LpHeadScratch *sc = calloc(1, sizeof(LpHeadScratch));

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
	sc->wmark = calloc(n, 1);
	return sc;
}

static void
Report(const char *what, double *ms, int q)
{
	double		sum = 0;

	for (int i = 0; i < q; i++)
		sum += ms[i];
	qsort(ms, q, sizeof(double), CmpDouble);
	printf("%-44s median %8.3f ms, mean %8.3f ms (%d calls)\n", what, ms[q / 2], sum / q, q);
}

int
main(int argc, char **argv)
{
	int32		n = argc > 1 ? atoi(argv[1]) : 200000;
	int64		m = argc > 2 ? atoll(argv[2]) : 2000000;
	int			q = argc > 3 ? atoi(argv[3]) : 100,
				p = argc > 4 ? atoi(argv[4]) : 2000;
	int32	   *e = malloc(sizeof(int32) * 4 * m),
			   *len = calloc(n, sizeof(int32)),
			   *items = malloc(sizeof(int32) * 2 * m),
			   *users = malloc(sizeof(int32) * q);
	int64	   *start = calloc(n, sizeof(int64)),
				ne = 0,
				w = 0;
	LpHeurGraph g;
	LpHead		h,
				h2;
	LpHeadScratch *sc = NewScratch(n);
	float	   *s = malloc(sizeof(float) * n);
	double	   *ms = malloc(sizeof(double) * (2 * q + p)),
			   *ratio = malloc(sizeof(double) * q),
				t;
	float		sink = 0;

	for (int64 i = 0; i < m; i++)
	{
		int32		a = (int32) (n * Unif() * Unif()),
					b = (int32) (n * Unif());

		if (a == b)
			continue;
		e[4 * ne] = a, e[4 * ne + 1] = b, e[4 * ne + 2] = b, e[4 * ne + 3] = a;
		ne++;
	}
	qsort(e, 2 * ne, 2 * sizeof(int32), CmpPair);
	for (int64 i = 0; i < 2 * ne; i++)
	{
		if (i > 0 && e[2 * i] == e[2 * i - 2] && e[2 * i + 1] == e[2 * i - 1])
			continue;
		if (len[e[2 * i]]++ == 0)
			start[e[2 * i]] = w;
		items[w++] = e[2 * i + 1];
	}
	LpHeurGraphBuild(&g, true, true, n, n, start, len, items, Alloc);
	printf("graph: %d nodes, %lld undirected edges, largest degree", n, (long long) (w / 2));
	{
		int32		dmax = 0;

		for (int32 x = 0; x < n; x++)
			dmax = Max(dmax, len[x]);
		printf(" %d\n", dmax);
	}
	for (int k = 0; k < LP_HEAD_NFEAT; k++)
	{
		h.mean[k] = 0.1f * k;
		h.scale[k] = 1.0f + 0.5f * k;
		h.w[k] = (k % 2 ? -0.3f : 0.7f) + 0.1f * k;
	}
	h.b = 0.2f;
	h2 = h;
	for (int k = LP_HEAD_WALK0; k < LP_HEAD_NFEAT; k++)
		h2.w[k] = 0.0f;
	for (int i = 0; i < q; i++)
		do
			users[i] = (int32) (n * Unif());
		while (len[users[i]] == 0);

	/* both heads on each user in turn, so that the machine's load drifts alike */
	for (int i = 0; i < q; i++)
		for (int pass = 0; pass < 2; pass++)
		{
			memset(s, 0, sizeof(float) * n);
			t = Now();
			LpHeadAll(pass == 0 ? &h2 : &h, &g, users[i], s, sc);
			ms[pass * q + i] = (Now() - t) * 1e3;
			sink += s[i];
		}
	for (int i = 0; i < q; i++)
		ratio[i] = ms[q + i] / ms[i];
	Report("top-k, head without the walks (format 2)", ms, q);
	Report("top-k, head with the walks (format 3)", ms + q, q);
	qsort(ratio, q, sizeof(double), CmpDouble);
	printf("%-44s median %8.3f\n", "with / without, per user", ratio[q / 2]);
	for (int i = 0; i < p; i++)
	{
		int32		a = users[i % q],
					b;

		do
			b = (int32) (n * Unif());
		while (len[b] == 0 || b == a);
		t = Now();
		sink += LpHeadPair(&h, &g, a, b, 0.0f, sc);
		ms[i] = (Now() - t) * 1e3;
	}
	Report("one pair (features 0 to 12)", ms, p);
	return sink == 12345.0f;
}
