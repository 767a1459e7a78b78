/*
 * simd.c: which of simd.h's instruction sets this CPU runs.  The answer
 * comes from the CPU's own flags (cpuid, through the compiler's
 * __builtin_cpu_supports, which also checks that the operating system
 * saves the wide registers), never from the build machine's.  No
 * PostgreSQL calls.
 */
#include "postgres.h"

#include "simd.h"

LpSimd
LpSimdDetect(void)
{
#ifdef LP_SIMD_VARIANTS
	static int	detected = -1;

	/* a benign race: every thread computes the same answer */
	if (detected < 0)
	{
		__builtin_cpu_init();
		detected = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") ?
			LP_SIMD_AVX2 : LP_SIMD_BASELINE;
	}
	return (LpSimd) detected;
#else
	return LP_SIMD_BASELINE;
#endif
}

LpSimd
LpSimdUsable(LpSimd want)
{
	LpSimd		have = LpSimdDetect();

	return want < have ? want : have;
}

const char *
LpSimdName(LpSimd simd)
{
	return simd == LP_SIMD_AVX2 ? "avx2" : "baseline";
}
