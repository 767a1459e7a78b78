/*
 * train_bench.c: the matrix factorisation's SGD (src/kernels/train.c and
 * parallel.c) on 1 and on 2 or more threads, without the server.  A
 * benchmark, not a test: bench/parallel.sh builds it and writes what it
 * prints to bench/RESULTS-parallel.md.
 *
 * The graph is the synthetic power-law one of parallel.sh, drawn here in C
 * (same shape, not the same pairs): E draws of user = floor(U r^2), item =
 * floor(I r^3) for uniform r (xoshiro, seed 18), duplicates dropped, U =
 * E / 20, I = E / 50.  The model is the server's default for a bipartite
 * graph: dim 64, bce, 8 uniform negatives, lr 0.1, reg 1e-4, biases.  For
 * each thread count, `runs` alternating runs of `epochs` epochs; per run
 * the wall seconds, the process's CPU seconds (user + system: what the
 * threads cost together, whatever else the machine runs) and edges per
 * second of wall time.
 *
 * simd (src/kernels/simd.h) says which instruction sets the steps run:
 * "auto" the widest this CPU has (the server's linkpred.simd = 'auto'),
 * "off" the baseline, "both" the baseline and the widest in turn within
 * every run, so that the two meet the same load (bench/RESULTS-simd.md).
 *
 *	train_bench [edges [epochs [runs [threads [negatives [group [simd]]]]]]]
 *	defaults 1000000 3 3 2 8 1 auto
 */
#include "postgres.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>

#include "decoder.h"
#include "train.h"

#undef printf

/*
 * malloc, with transparent huge pages asked for the arrays the SGD reads at
 * random, as the server asks for them (linkpred.c's LpAdviseHugePages)
 */
static void *
Alloc(size_t n)
{
	char	   *p = malloc(n);
	uintptr_t	start = ((uintptr_t) p + (2 << 20) - 1) & ~(uintptr_t) ((2 << 20) - 1);
	uintptr_t	end = ((uintptr_t) p + n) & ~(uintptr_t) ((2 << 20) - 1);

	if (n >= (8 << 20) && end > start)
		(void) madvise((void *) start, end - start, MADV_HUGEPAGE);
	return p;
}

static double
Now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec * 1e-9;
}

static double
CpuSeconds(void)
{
	struct rusage r;

	getrusage(RUSAGE_SELF, &r);
	return r.ru_utime.tv_sec + r.ru_utime.tv_usec * 1e-6 + r.ru_stime.tv_sec + r.ru_stime.tv_usec * 1e-6;
}

static int
CmpInt64(const void *a, const void *b)
{
	int64		x = *(const int64 *) a,
				y = *(const int64 *) b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	int64		draws = argc > 1 ? atoll(argv[1]) : 1000000;
	int			epochs = argc > 2 ? atoi(argv[2]) : 3;
	int			runs = argc > 3 ? atoi(argv[3]) : 3;
	int			threads = argc > 4 ? atoi(argv[4]) : 2;
	int			negatives = argc > 5 ? atoi(argv[5]) : 8;
	int			group = argc > 6 ? atoi(argv[6]) : 1;
	const char *simd_arg = argc > 7 ? argv[7] : "auto";
	LpSimd		sets[2];
	int			nsets = 0;
	int32		nu = (int32) (draws / 20),
				ni = (int32) (draws / 50);
	int64	   *key = malloc(sizeof(int64) * draws);
	int64		n = 0;
	LpRng		rng;
	LpGraph		g;
	LpSamplerState s;
	LpEmbeddings emb;
	LpEntry    *order;
	int32	   *entry_src;
	double		best[2][2] = {{0}},
				best_cpu[2][2] = {{0}};

	LpRngSeed(&rng, 18);
	for (int64 e = 0; e < draws; e++)
	{
		double		a = LpRngUniform(&rng),
					b = LpRngUniform(&rng);

		key[e] = (int64) (int32) (nu * a * a) * ni + (int32) (ni * b * b * b);
	}
	qsort(key, draws, sizeof(int64), CmpInt64);
	for (int64 e = 0; e < draws; e++)
		if (e == 0 || key[e] != key[e - 1])
			key[n++] = key[e];
	memset(&g, 0, sizeof(g));
	g.n_src = nu;
	g.n_dst = ni;
	g.offsets = calloc(nu + 1, sizeof(int64));
	g.targets = Alloc(sizeof(int32) * n);
	g.src_degree = calloc(nu, sizeof(int32));
	g.dst_degree = calloc(ni, sizeof(int32));
	for (int64 e = 0; e < n; e++)
	{
		g.targets[e] = (int32) (key[e] % ni);
		g.offsets[key[e] / ni + 1]++;
		g.dst_degree[key[e] % ni]++;
	}
	for (int32 u = 0; u < nu; u++)
		g.offsets[u + 1] += g.offsets[u];
	g.n_entries = g.n_edges = n;
	free(key);

	emb.dim = 64;
	emb.U = Alloc(sizeof(float) * nu * 64);
	emb.V = Alloc(sizeof(float) * ni * 64);
	emb.bu = malloc(sizeof(float) * nu);
	emb.bv = malloc(sizeof(float) * ni);
	order = Alloc(sizeof(LpEntry) * n);
	entry_src = Alloc(sizeof(int32) * n);
	LpSamplerInitUniform(&s, ni);
	{
		/* the trainer asks the registry about its decoder: the dot product's traits */
		static const LpDecoderKind dot = {.name = "dot",
		.traits = LP_DEC_VECTORS_ONLY | LP_DEC_PARALLEL};

		LpRegistryAdd(LP_DECODERS, &dot);
	}

	if (strcmp(simd_arg, "auto") != 0)
		sets[nsets++] = LP_SIMD_BASELINE;
	if (strcmp(simd_arg, "off") != 0)
		sets[nsets++] = LpSimdDetect();
	printf("%lld edges, %d users, %d items; dim 64, bce, %d uniform negatives (shared by %d positives), %d epochs\n\n",
		   (long long) n, nu, ni, negatives, group, epochs);
	printf("| run | threads | simd | wall s | CPU s | edges/s | final loss |\n|---|---|---|---|---|---|---|\n");
	for (int run = 1; run <= runs; run++)
		for (int k = 0; k < 2; k++)
			for (int si = 0; si < nsets; si++)
			{
				LpTrainConfig cfg = {.dim = 64, .epochs = epochs, .lr = 0.1f, .reg = 0.0001f,
					.loss = LP_TRAIN_BCE, .negatives = negatives, .bias = true, .seed = 1,
				.neg_group = group, .simd = sets[si]};
				double		loss,
							t0,
							c0,
							wall,
							cpu,
							eps;

				cfg.threads = k == 0 ? 1 : threads;
				LpInitEmbeddings(&emb, nu, ni, false, 1);
				t0 = Now();
				c0 = CpuSeconds();
				LpTrain(&g, &cfg, &s, &emb, order, entry_src, NULL, NULL, &loss);
				wall = Now() - t0;
				cpu = CpuSeconds() - c0;
				eps = (double) n * epochs / wall;
				best[si][k] = Max(best[si][k], eps);
				best_cpu[si][k] = Max(best_cpu[si][k], (double) n * epochs / cpu);
				printf("| %d | %d | %s | %.2f | %.2f | %.0f | %.4f |\n", run, cfg.threads,
					   LpSimdName(LpTrainSimd(&g, &cfg)), wall, cpu, eps, loss);
				fflush(stdout);
			}
	printf("\n");
	for (int si = 0; si < nsets; si++)
		printf("Best, %s: 1 thread %.0f edges/s (%.0f per CPU second), %d threads %.0f edges/s (%.0f per CPU second): speed-up %.2fx.\n",
			   LpSimdName(sets[si]), best[si][0], best_cpu[si][0], threads, best[si][1],
			   best_cpu[si][1], best[si][1] / best[si][0]);
	return 0;
}
