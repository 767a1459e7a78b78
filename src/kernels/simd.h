/*
 * simd.h: the instruction sets the matrix factorisation's SGD steps are
 * compiled for, and the choice between them at run time (simd.c).
 *
 * The build targets baseline x86-64 (SSE2), so that the library runs on any
 * x86-64 machine.  The steps that dominate training (negshare.c's shared
 * step, train.c's per-positive step) are compiled a second time, as a whole
 * with every helper they call inlined (flatten), for AVX2 with FMA: 8
 * floats a register instead of 4, and a*b+c in one instruction.
 * LpSimdDetect asks the CPU once whether it has them, and a run takes
 * cfg->simd (linkpred.simd).  The variant repeats bit for bit as the
 * baseline does, but FMA rounds a*b+c once where the baseline rounds twice,
 * so its models differ from the baseline's in the last bits.  Nothing else
 * is compiled for it: serving (ranking, top-k, scores, the index, fold-in)
 * keeps its baseline bits; its two AVX2 kernels (qscan.c's 8-bit scan,
 * dotblock.c's block product) compute exactly what the baseline does.  (An AVX-512 variant measured no faster
 * than AVX2: bench/RESULTS-simd.md.)  No PostgreSQL calls.
 */
#ifndef LINKPRED_SIMD_H
#define LINKPRED_SIMD_H

#include "postgres.h"

/* from narrow to wide: a set has every instruction of the one before */
typedef enum LpSimd
{
	LP_SIMD_BASELINE = 0,		/* what the build targets: SSE2 on x86-64 */
	LP_SIMD_AVX2				/* AVX2 and FMA */
} LpSimd;

/* GCC or clang on x86-64: the variant exists (elsewhere only the baseline) */
#if defined(__x86_64__) && defined(__GNUC__)
#define LP_SIMD_VARIANTS 1
/* the variant: its body and every function it calls compiled for AVX2 and FMA */
#define LP_TARGET_AVX2 __attribute__((target("avx2,fma"), flatten))
#endif

/* the widest set this CPU runs (asked once, then remembered) */
extern LpSimd LpSimdDetect(void);

/*
 * whether this CPU runs AVX2 (without asking for FMA): the serving kernels
 * that keep the baseline's bits (qscan.c, dotblock.c) need no more
 */
extern bool LpCpuHasAvx2(void);

/* want, or the widest narrower set the CPU runs */
extern LpSimd LpSimdUsable(LpSimd want);

/* "baseline", "avx2": metrics->>'simd' */
extern const char *LpSimdName(LpSimd simd);

/*
 * Whether this build's AVX2 code fuses a*b+c into one FMA, and so trains
 * other bits than the baseline: GCC does from -O2 (the kernels' -O3), not
 * at -O1 (make sanitize), where the variant computes what the baseline
 * does.  For the tests; false without the variant or the CPU.
 */
extern bool LpSimdFuses(void);

#endif
