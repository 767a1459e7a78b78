/*
 * test_simd.c: unit tests of the trainer's instruction-set variants
 * (src/kernels/simd.h: the dot decoder's steps compiled for AVX2 with
 * FMA).  Prints TAP.
 *
 *  - LpSimdDetect agrees with the CPU's flags as Linux lists them
 *    (/proc/cpuinfo): on a machine with AVX2 and FMA the dispatch picks a
 *    wide variant, and a wide step is another function than the baseline's;
 *  - LpSimdUsable never gives more than the CPU has;
 *  - the steps that have no variants (the bilinear decoder, node
 *    attributes) say so: LpTrainSimd is the baseline for them;
 *  - on a planted graph, with the variant if the CPU has it, the shared-negative
 *    step (negative_group 4) and the per-positive one, bce and bpr, 1 and
 *    2 threads, dim 64 and 44 (not a multiple of 8): a fixed seed
 *    repeats bit for bit; the variant's model is not the baseline's
 *    bits (it ran; in a build that fuses a*b+c, LpSimdFuses: make
 *    sanitize's -O1 does not) but nearly the same model: held-out AUC within 0.01
 *    (above 0.75: it learnt), and the scores of all pairs within 0.1% of
 *    the baseline's (root mean square of the differences over that of the
 *    scores; FMA's rounding moves them by about 1e-7 here).
 */
#include "postgres.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "negshare.h"
#include "train.h"

#include "fixtures.h"
#include "tap.h"

typedef TestModel Model;

static Model
Train(const LpGraph *g, LpTrainConfig cfg)
{
	return TestTrainModel(g, cfg, false);
}

static float
Score(const Model *m, int32 u, int32 i)
{
	int			dim = m->emb.dim;

	return LpDot(m->emb.U + (int64) u * dim, m->emb.V + (int64) i * dim, dim) +
		m->emb.bu[u] + m->emb.bv[i];
}

/* the held-out item against every item the user has no edge to */
static double
HeldAuc(const LpGraph *g, const Model *m, const int32 *held)
{
	double		wins = 0;
	int64		trials = 0;

	for (int32 u = 0; u < g->n_src; u++)
	{
		float		sp = Score(m, u, held[u]);

		for (int32 j = 0; j < g->n_dst; j++)
		{
			float		sn;

			if (j == held[u] || LpGraphHasEdge(g, u, j))
				continue;
			sn = Score(m, u, j);
			wins += sp > sn ? 1 : sp == sn ? 0.5 : 0;
			trials++;
		}
	}
	return wins / Max(trials, 1);
}

/* root mean square of the score differences over every pair, over the baseline's */
static double
ScoreDistance(const Model *a, const Model *b)
{
	double		diff = 0,
				size = 0;

	for (int32 u = 0; u < a->n_src; u++)
		for (int32 i = 0; i < a->n_dst; i++)
		{
			double		x = Score(a, u, i),
						y = Score(b, u, i);

			diff += (x - y) * (x - y);
			size += x * x;
		}
	return sqrt(diff / Max(size, 1e-30));
}

/* whether /proc/cpuinfo's flags list `flag`; -1 if it cannot be read */
static int
CpuFlag(const char *flag)
{
	FILE	   *f = fopen("/proc/cpuinfo", "r");
	char		line[8192];
	int			found = -1;

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f))
	{
		char	   *tok;

		if (strncmp(line, "flags", 5) != 0)
			continue;
		found = 0;
		for (tok = strtok(strchr(line, ':') + 1, " \t\n"); tok; tok = strtok(NULL, " \t\n"))
			if (strcmp(tok, flag) == 0)
				found = 1;
		break;
	}
	fclose(f);
	return found;
}

static void
TestDetect(void)
{
	int			avx2 = CpuFlag("avx2"),
				fma = CpuFlag("fma");
	LpSimd		have = LpSimdDetect();
	char		detail[128];

	if (avx2 < 0 || fma < 0)
	{
		printf("ok %d - # SKIP no /proc/cpuinfo flags to check the detection against\n", ++tap_run);
		printf("ok %d - # SKIP likewise\n", ++tap_run);
	}
	else
	{
#ifdef LP_SIMD_VARIANTS
		LpSimd		want = avx2 && fma ? LP_SIMD_AVX2 : LP_SIMD_BASELINE;
#else
		LpSimd		want = LP_SIMD_BASELINE;
#endif

		snprintf(detail, sizeof(detail), " (cpuinfo avx2 %d fma %d: %s, detected %s)",
				 avx2, fma, LpSimdName(want), LpSimdName(have));
		TapLine(have == want, "LpSimdDetect gives the widest set the CPU's flags list", detail);
		TapLine(have == LP_SIMD_BASELINE ||
				LpStepSharedFor(have) != LpStepSharedFor(LP_SIMD_BASELINE),
				"on a CPU with AVX2 and FMA the shared step dispatches to a wide variant", detail);
	}
	Check(LpSimdUsable(LP_SIMD_AVX2) == have && LpSimdUsable(LP_SIMD_BASELINE) == LP_SIMD_BASELINE,
		  "LpSimdUsable gives what was asked, never more than the CPU has");
	Check(strcmp(LpSimdName(LP_SIMD_BASELINE), "baseline") == 0 &&
		  strcmp(LpSimdName(LP_SIMD_AVX2), "avx2") == 0,
		  "the sets' names (metrics->>'simd')");
}

static void
TestNoVariant(void)
{
	int32		held[120];
	LpGraph		g = TestPlantedBipartite(120, 96, 4, 8, 5, held);
	LpTrainConfig cfg = {.dim = 16, .epochs = 1, .lr = 0.05f, .loss = LP_TRAIN_BCE, .negatives = 4,
	.seed = 1, .simd = LP_SIMD_AVX2};

	Check(LpTrainSimd(&g, &cfg) == LpSimdDetect(), "the dot decoder's run takes the set asked for, if the CPU has it");
	cfg.decoder = LP_DECODER_BILINEAR;
	Check(LpTrainSimd(&g, &cfg) == LP_SIMD_BASELINE, "the bilinear decoder's step runs the baseline");
	cfg.decoder = LP_DECODER_DOT;
	g.n_attrs = 3;
	Check(LpTrainSimd(&g, &cfg) == LP_SIMD_BASELINE, "the node attributes' step runs the baseline");
}

/* per set the CPU has: repeats, differs from the baseline, and nearly the same model */
static void
TestVariants(void)
{
	int32		held[400];
	LpGraph		g = TestPlantedBipartite(400, 320, 8, 12, 7, held);
	static const struct
	{
		LpTrainLoss loss;
		int			group;
		int			threads;
		int			dim;
	}			cases[] = {
		{LP_TRAIN_BCE, 4, 1, 64}, {LP_TRAIN_BCE, 4, 2, 64}, {LP_TRAIN_BCE, 1, 1, 64},
		{LP_TRAIN_BCE, 1, 2, 64}, {LP_TRAIN_BPR, 4, 1, 64}, {LP_TRAIN_BPR, 1, 2, 64},
		{LP_TRAIN_BCE, 4, 2, 44}, {LP_TRAIN_BPR, 1, 1, 44},
	};

	for (int c = 0; c < lengthof(cases); c++)
	{
		LpTrainConfig cfg = {.dim = cases[c].dim, .epochs = 8, .lr = 0.05f, .reg = 0.001f,
			.loss = cases[c].loss, .negatives = 8, .bias = true, .seed = 11,
		.threads = cases[c].threads, .neg_group = cases[c].group};
		Model		base = Train(&g, cfg);
		Model		again = Train(&g, cfg);
		double		base_auc = HeldAuc(&g, &base, held);
		char		what[160],
					detail[160];

		snprintf(what, sizeof(what), "%s, negative_group %d, %d thread(s), dim %d",
				 cases[c].loss == LP_TRAIN_BCE ? "bce" : "bpr", cases[c].group, cases[c].threads,
				 cases[c].dim);
		TapLine(base.result == LP_TRAIN_OK && TestSameModel(&base, &again), "baseline repeats bit for bit: ", what);
		TestFreeModel(&again, false);
		{
			Model		wide,
						wide2;
			double		auc,
						dist;
			LpSimd		s = LP_SIMD_AVX2;

			if (LpSimdDetect() < s)
			{
				printf("ok %d - # SKIP %s: the CPU has no AVX2 and FMA\n", ++tap_run, what);
				printf("ok %d - # SKIP likewise\n", ++tap_run);
				TestFreeModel(&base, false);
				continue;
			}
			cfg.simd = s;
			wide = Train(&g, cfg);
			wide2 = Train(&g, cfg);
			auc = HeldAuc(&g, &wide, held);
			dist = ScoreDistance(&base, &wide);
			snprintf(detail, sizeof(detail), "%s: %s (held-out AUC %.4f, baseline %.4f; score distance %.2g)",
					 LpSimdName(s), what, auc, base_auc, dist);
			if (LpSimdFuses())
				TapLine(wide.result == LP_TRAIN_OK && TestSameModel(&wide, &wide2) && !TestSameModel(&wide, &base),
						"the variant repeats bit for bit and is not the baseline's bits: ", detail);
			else
				TapLine(wide.result == LP_TRAIN_OK && TestSameModel(&wide, &wide2),
						"the variant repeats bit for bit (this build does not fuse a*b+c, -O1: "
						"nothing tells its bits from the baseline's): ", detail);
			TapLine(fabs(auc - base_auc) <= 0.01 && base_auc > 0.75 && dist < 1e-3,
					"the variant's model is nearly the baseline's: ", detail);
			TestFreeModel(&wide, false);
			TestFreeModel(&wide2, false);
		}
		TestFreeModel(&base, false);
	}
}

int
main(void)
{
	TestRegisterDecoders();
	printf("1..31\n");
	TestDetect();
	TestNoVariant();
	TestVariants();
	return TapFinish();
}
