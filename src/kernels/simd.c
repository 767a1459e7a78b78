/*
 * simd.c: which of simd.h's instruction sets this CPU runs.  The answer
 * comes from the CPU's own flags (cpuid, through the compiler's
 * __builtin_cpu_supports, which also checks that the operating system
 * saves the wide registers), never from the build machine's.  No
 * PostgreSQL calls.
 */
#include "postgres.h"

#include "simd.h"

#ifdef LP_SIMD_VARIANTS
#define CPU_AVX2 1
#define CPU_FMA 2

/* the CPU's AVX2 and FMA flags, asked once */
static int
CpuFlags(void)
{
	static int	flags = -1;

	/* a benign race: every thread computes the same answer */
	if (flags < 0)
	{
		__builtin_cpu_init();
		flags = (__builtin_cpu_supports("avx2") ? CPU_AVX2 : 0) |
			(__builtin_cpu_supports("fma") ? CPU_FMA : 0);
	}
	return flags;
}
#endif

LpSimd
LpSimdDetect(void)
{
#ifdef LP_SIMD_VARIANTS
	return (CpuFlags() & (CPU_AVX2 | CPU_FMA)) == (CPU_AVX2 | CPU_FMA) ?
		LP_SIMD_AVX2 : LP_SIMD_BASELINE;
#else
	return LP_SIMD_BASELINE;
#endif
}

bool
LpCpuHasAvx2(void)
{
#ifdef LP_SIMD_VARIANTS
	return (CpuFlags() & CPU_AVX2) != 0;
#else
	return false;
#endif
}

LpSimd
LpSimdUsable(LpSimd want)
{
	LpSimd		have = LpSimdDetect();

	return want < have ? want : have;
}

#ifdef LP_SIMD_VARIANTS
/* a*b+c as the AVX2 variants compile it (never inlined: the probe is this code) */
__attribute__((noinline)) LP_TARGET_AVX2 static float
MulAdd(float a, float b, float c)
{
	return a * b + c;
}
#endif

bool
LpSimdFuses(void)
{
#ifdef LP_SIMD_VARIANTS
	/* (1 + 2^-12)^2 - (1 + 2^-11): 2^-24 fused, 0 when the product is rounded first */
	volatile float a = 1.0f + 1.0f / 4096;
	volatile float c = -(1.0f + 1.0f / 2048);

	return LpSimdDetect() == LP_SIMD_AVX2 && MulAdd(a, a, c) != 0.0f;
#else
	return false;
#endif
}

const char *
LpSimdName(LpSimd simd)
{
	return simd == LP_SIMD_AVX2 ? "avx2" : "baseline";
}
