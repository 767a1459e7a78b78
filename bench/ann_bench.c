/*
 * ann_bench.c: the approximate top-k index (src/kernels/ann.c) against the exact
 * scan (sgemv + heap, as linkpred_topk does it) on large catalogs.  A
 * benchmark, not a test: it prints figures for bench/RESULTS-ann.md.
 *
 * Catalogs: "gaussian" (every coordinate, bias and query coordinate N(0, 1):
 * no structure at all, the hard case), "gaussian at training scale" (the
 * same at N(0, 0.01), the scale linkpred initialises vectors at: the bias,
 * weighed 1 against query coordinates of 0.1, then counts as much as the
 * whole dot product), "structured" (items around 50 latent centres of
 * skewed popularity, biases from a popularity draw, users around the same
 * centres, as trained embeddings look) and, when given, items from a file
 * (one per line: dim floats then the bias, as bench/yardstick.sh exports
 * them) with queries from a second file (dim floats then 1) or Gaussian
 * queries of the items' scale.
 *
 * For each: build seconds (BLAS threads: all cores), blob size, then with
 * one BLAS thread, per single query over Q queries: the exact scan's median
 * ms, and for efforts around the default the index's median and p95 ms and
 * its mean recall@10 against the exact top 10 (recall@1 and @100 at the
 * default).  Build and run: see bench/RESULTS-ann.md.
 *
 *	ann_bench [-n items] [-q queries] [-l list_size] [-p probe_fraction]
 *			  [-r rerank] [items.txt [queries.txt]]
 *
 * -l, -p and -r override the build parameters of those names (ann.h).
 */
#include "postgres.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cblas.h>

#include "ann.h"
#include "topk.h"

#undef printf
#undef fprintf

#define DIM		64
#define CENTRES 50
#define KMAX	100

typedef struct Catalog
{
	const char *name;
	int32		n;
	int			dim;
	float	   *V;
	float	   *bv;
	int			nq;
	float	   *Q;				/* nq x dim */
} Catalog;

static uint64 rng_state = 20240601;

static double
Uniform(void)
{
	uint64		z = (rng_state += UINT64CONST(0x9E3779B97F4A7C15));

	z = (z ^ (z >> 30)) * UINT64CONST(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64CONST(0x94D049BB133111EB);
	return ((z ^ (z >> 31)) >> 11) * (1.0 / 9007199254740992.0);
}

static float
Gauss(void)
{
	return (float) (sqrt(-2.0 * log(1.0 - Uniform())) * cos(2.0 * M_PI * Uniform()));
}

static double
Now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec * 1e-9;
}

static void *
Alloc(Size bytes)
{
	void	   *p = malloc(bytes);

	if (!p)
	{
		fprintf(stderr, "out of memory\n");
		exit(1);
	}
	return p;
}

static void
Allocate(Catalog *c)
{
	c->V = Alloc(sizeof(float) * (Size) c->n * c->dim);
	c->bv = Alloc(sizeof(float) * c->n);
	c->Q = Alloc(sizeof(float) * (Size) c->nq * c->dim);
}

/* every coordinate, bias and query coordinate N(0, s^2) */
static void
MakeGaussian(Catalog *c, float s)
{
	Allocate(c);
	for (int64 j = 0; j < (int64) c->n * c->dim; j++)
		c->V[j] = s * Gauss();
	for (int32 i = 0; i < c->n; i++)
		c->bv[i] = s * Gauss();
	for (int64 j = 0; j < (int64) c->nq * c->dim; j++)
		c->Q[j] = s * Gauss();
}

/* a centre, the low ones more often (popular tastes) */
static int
Centre(void)
{
	double		u = Uniform();

	return (int) (CENTRES * u * u);
}

static void
MakeStructured(Catalog *c)
{
	float		centre[CENTRES][DIM];

	Allocate(c);
	for (int j = 0; j < CENTRES; j++)
		for (int d = 0; d < DIM; d++)
			centre[j][d] = Gauss();
	for (int32 i = 0; i < c->n; i++)
	{
		int			j = Centre();

		for (int d = 0; d < DIM; d++)
			c->V[(int64) i * DIM + d] = centre[j][d] + 0.5f * Gauss();
		c->bv[i] = 2.0f * Gauss() + 0.5f * Gauss();
	}
	for (int t = 0; t < c->nq; t++)
	{
		int			j = Centre();

		for (int d = 0; d < DIM; d++)
			c->Q[(int64) t * DIM + d] = centre[j][d] + 0.5f * Gauss();
	}
}

/* whitespace-separated floats, width per line; returns lines read */
static int32
ReadRows(const char *path, int width, float **out)
{
	FILE	   *f = fopen(path, "r");
	Size		cap = 1024,
				len = 0;
	float	   *x = Alloc(sizeof(float) * cap);
	float		v;

	if (!f)
	{
		perror(path);
		exit(1);
	}
	while (fscanf(f, "%f", &v) == 1)
	{
		if (len == cap)
		{
			cap *= 2;
			x = realloc(x, sizeof(float) * cap);
			if (!x)
			{
				fprintf(stderr, "out of memory\n");
				exit(1);
			}
		}
		x[len++] = v;
	}
	fclose(f);
	if (len % width != 0)
	{
		fprintf(stderr, "%s: %zu numbers, not a multiple of %d\n", path, len, width);
		exit(1);
	}
	*out = x;
	return (int32) (len / width);
}

static void
ReadCatalog(Catalog *c, const char *items, const char *queries)
{
	float	   *rows,
			   *qrows;
	int32		n = ReadRows(items, DIM + 1, &rows);
	double		ss = 0;

	c->n = n;
	c->V = Alloc(sizeof(float) * (Size) n * DIM);
	c->bv = Alloc(sizeof(float) * n);
	for (int32 i = 0; i < n; i++)
	{
		memcpy(c->V + (int64) i * DIM, rows + (int64) i * (DIM + 1), sizeof(float) * DIM);
		c->bv[i] = rows[(int64) i * (DIM + 1) + DIM];
		for (int d = 0; d < DIM; d++)
			ss += (double) c->V[(int64) i * DIM + d] * c->V[(int64) i * DIM + d];
	}
	free(rows);
	if (queries)
	{
		int32		nq = ReadRows(queries, DIM + 1, &qrows);

		c->nq = Min(c->nq, nq);
		c->Q = Alloc(sizeof(float) * (Size) c->nq * DIM);
		for (int t = 0; t < c->nq; t++)
			memcpy(c->Q + (int64) t * DIM, qrows + (int64) t * (DIM + 1), sizeof(float) * DIM);
		free(qrows);
	}
	else
	{
		float		scale = (float) sqrt(ss / ((double) n * DIM));

		c->Q = Alloc(sizeof(float) * (Size) c->nq * DIM);
		for (int64 j = 0; j < (int64) c->nq * DIM; j++)
			c->Q[j] = scale * Gauss();
	}
}

static int
CompareDouble(const void *a, const void *b)
{
	double		x = *(const double *) a,
				y = *(const double *) b;

	return (x > y) - (x < y);
}

/* median and 95th percentile of ms[0 .. n - 1] (sorts it) */
static void
Percentiles(double *ms, int n, double *median, double *p95)
{
	qsort(ms, n, sizeof(double), CompareDouble);
	*median = ms[n / 2];
	*p95 = ms[Min(n - 1, (int) ceil(0.95 * n) - 1)];
}

/* share of truth[0 .. k - 1] found in got[0 .. found - 1] */
static double
Recall(const int32 *truth, int k, const int32 *got, int found)
{
	int			hits = 0;

	for (int a = 0; a < k; a++)
		for (int b = 0; b < found; b++)
			if (got[b] == truth[a])
			{
				hits++;
				break;
			}
	return (double) hits / k;
}

/* the index at effort, k results per query: median, p95 ms and mean recall@k */
static void
RunIndex(const Catalog *c, const void *blob, LpAnnScratch *scratch, const int32 *truth,
		 int effort, int k, double *ms, double *median, double *p95, double *recall)
{
	int32		items[KMAX];

	*recall = 0;
	for (int t = 0; t < c->nq; t++)
	{
		double		t0 = Now();
		int			found = LpAnnSearch(blob, c->V, c->bv, c->Q + (int64) t * c->dim, k, effort,
										NULL, NULL, items, NULL, scratch);

		ms[t] = (Now() - t0) * 1000;
		*recall += Recall(truth + (int64) t * KMAX, k, items, found);
	}
	*recall /= c->nq;
	Percentiles(ms, c->nq, median, p95);
}

static void
Bench(Catalog *c, const LpAnnParams *params, int cores)
{
	float	   *scores = Alloc(sizeof(float) * c->n);
	int32	   *truth = Alloc(sizeof(int32) * KMAX * c->nq);
	int32		heap[KMAX];
	double	   *ms = Alloc(sizeof(double) * c->nq);
	double		t0,
				build_s,
				median,
				p95,
				recall;
	Size		size;
	LpAnnBlob  *blob;
	LpAnnScratch *scratch;
	int32		def,
				nlist;
	static const double factors[] = {0.25, 0.5, 0.75, 1.0, 1.5, 2.0};

	printf("\n## %s: %d items x %d, %d queries\n\n", c->name, c->n, c->dim, c->nq);
	openblas_set_num_threads(cores);
	t0 = Now();
	blob = LpAnnBuild(c->V, c->bv, c->n, c->dim, params, 42, &size);
	build_s = Now() - t0;
	if (!blob)
	{
		fprintf(stderr, "build failed\n");
		exit(1);
	}
	if (!LpAnnValid(blob, size, c->n, c->dim))
	{
		fprintf(stderr, "built blob not valid\n");
		exit(1);
	}
	def = LpAnnDefaultEffort(blob);
	nlist = LpAnnListCount(blob);
	printf("- build: %.1f s (%d BLAS threads); blob %.1f MB (%.1f bytes per item); %d lists, default effort %d\n",
		   build_s, cores, size / 1e6, (double) size / c->n, nlist, def);

	/* exact: sgemv + bias + heap, timed per query; top 100 kept as truth */
	openblas_set_num_threads(1);
	for (int t = 0; t < c->nq; t++)
	{
		double		t1 = Now();

		cblas_sgemv(CblasRowMajor, CblasNoTrans, c->n, c->dim, 1.0f, c->V, c->dim,
					c->Q + (int64) t * c->dim, 1, 0.0f, scores, 1);
		for (int32 i = 0; i < c->n; i++)
			scores[i] += c->bv[i];
		LpSelectTopK(scores, c->n, NULL, 10, heap);
		ms[t] = (Now() - t1) * 1000;
		LpSelectTopK(scores, c->n, NULL, KMAX, truth + (int64) t * KMAX);
	}
	Percentiles(ms, c->nq, &median, &p95);
	printf("- exact (sgemv + heap, 1 thread): median %.3f ms, p95 %.3f ms\n\n", median, p95);

	scratch = LpAnnScratchInit(Alloc(LpAnnScratchSize(blob, KMAX)), blob, KMAX);
	printf("| effort (lists) | share of lists | median ms | p95 ms | recall@10 |\n");
	printf("|---:|---:|---:|---:|---:|\n");
	for (int f = 0; f < (int) lengthof(factors); f++)
	{
		int			effort = Min(nlist, Max(1, (int) lrint(def * factors[f])));

		RunIndex(c, blob, scratch, truth, effort, 10, ms, &median, &p95, &recall);
		printf("| %d%s | %.1f%% | %.3f | %.3f | %.3f |\n", effort, effort == def ? " (default)" : "",
			   100.0 * effort / nlist, median, p95, recall);
	}
	for (int k = 1; k <= KMAX; k *= 100)
	{
		RunIndex(c, blob, scratch, truth, 0, k, ms, &median, &p95, &recall);
		printf("\nk = %d at the default effort: median %.3f ms, p95 %.3f ms, recall@%d %.3f", k,
			   median, p95, k, recall);
	}
	printf("\n");
	free(scratch);
	free(blob);
	free(scores);
	free(truth);
	free(ms);
}

int
main(int argc, char **argv)
{
	int32		n = 1000000;
	int			nq = 1000;
	int			cores = (int) sysconf(_SC_NPROCESSORS_ONLN);
	int			opt;
	Catalog		c;
	LpAnnParams params = LpAnnDefaultParams();

	while ((opt = getopt(argc, argv, "n:q:l:p:r:")) != -1)
	{
		if (opt == 'n')
			n = atoi(optarg);
		else if (opt == 'q')
			nq = atoi(optarg);
		else if (opt == 'l')
			params.list_size = atoi(optarg);
		else if (opt == 'p')
			params.probe_fraction = atof(optarg);
		else if (opt == 'r')
			params.rerank = atoi(optarg);
		else
		{
			fprintf(stderr, "usage: %s [-n items] [-q queries] [-l list_size] [-p probe_fraction] [-r rerank] [items.txt [queries.txt]]\n",
					argv[0]);
			return 2;
		}
	}
	printf("# ann_bench: %s", LpAnnUseSimd(true) ? "AVX2 scan kernel" : "portable scan kernel");

	if (optind < argc)
	{
		memset(&c, 0, sizeof(c));
		c.name = argv[optind];
		c.dim = DIM;
		c.nq = nq;
		ReadCatalog(&c, argv[optind], optind + 1 < argc ? argv[optind + 1] : NULL);
		Bench(&c, &params, cores);
		return 0;
	}
	for (int which = 0; which < 3; which++)
	{
		static const char *const names[] = {"gaussian", "gaussian at training scale", "structured"};

		memset(&c, 0, sizeof(c));
		c.name = names[which];
		c.n = n;
		c.dim = DIM;
		c.nq = nq;
		if (which < 2)
			MakeGaussian(&c, which == 0 ? 1.0f : 0.1f);
		else
			MakeStructured(&c);
		Bench(&c, &params, cores);
		free(c.V);
		free(c.bv);
		free(c.Q);
	}
	return 0;
}
