/*
 * qscan.c: 8-bit item codes and the scan that bounds each item's score
 * (qscan.h says what it promises).
 *
 * Codes are symmetric, one scale a vector: code = round(x / scale) with
 * scale = max |x| / 127, so every code is within [-127, 127] and every
 * coordinate within half a step of scale * code.  The integer products of
 * a row sum exactly in 32 bits (at most 1024 x 127 x 127).  The AVX2 kernel
 * multiplies |p| (unsigned) by the codes with p's sign moved onto them,
 * 32 bytes a step, into 16-bit pairs (at most 2 x 127 x 127, no
 * saturation) and those into 32-bit lanes.
 */
#include "postgres.h"

#include <float.h>
#include <math.h>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define LP_QSCAN_HAVE_AVX2 1
#endif

#include "qscan.h"

#define LP_QSCAN_ALIGN 32
/* a bound on the relative rounding of one float operation, with room */
#define LP_QSCAN_ULP 1.2e-7

static Size
Align(Size x)
{
	return (x + LP_QSCAN_ALIGN - 1) & ~((Size) LP_QSCAN_ALIGN - 1);
}

static int
Stride(int dim)
{
	return (int) Align((Size) dim);
}

bool
LpQuantUsable(void)
{
	static int	usable = -1;

	if (usable < 0)
	{
		usable = 0;
#ifdef LP_QSCAN_HAVE_AVX2
		__builtin_cpu_init();
		usable = __builtin_cpu_supports("avx2") ? 1 : 0;
#endif
	}
	return usable == 1;
}

Size
LpQuantItemsSize(int32 n, int dim)
{
	return Align((Size) n * Stride(dim)) + 2 * Align(sizeof(float) * (Size) n) + LP_QSCAN_ALIGN;
}

/* x's codes into c (stride bytes, zero padded); its scale, or -1 if x is not finite */
static float
Encode(const float *x, int dim, int stride, int8 *c, double *l1)
{
	float		m = 0;
	double		sum = 0;
	float		scale;

	for (int d = 0; d < dim; d++)
	{
		if (!isfinite(x[d]))
			return -1;
		m = Max(m, fabsf(x[d]));
		sum += fabsf(x[d]);
	}
	*l1 = sum;
	memset(c, 0, stride);
	if (m == 0)
		return 0;
	scale = m / 127.0f;
	for (int d = 0; d < dim; d++)
	{
		long		v = lrintf(x[d] / scale);

		c[d] = (int8) Max(-127, Min(127, v));
	}
	return scale;
}

bool
LpQuantItemsBuild(const float *V, int32 n, int dim, void *mem, LpQuantItems *qi)
{
	char	   *p = (char *) Align((Size) mem);
	int			stride = Stride(dim);

	qi->n = n;
	qi->dim = dim;
	qi->stride = stride;
	qi->codes = (int8 *) p;
	p += Align((Size) n * stride);
	qi->scale = (float *) p;
	p += Align(sizeof(float) * (Size) n);
	qi->l1 = (float *) p;
	for (int32 i = 0; i < n; i++)
	{
		double		l1;
		float		s = Encode(V + (int64) i * dim, dim, stride, qi->codes + (int64) i * stride, &l1);

		if (s < 0)
			return false;
		qi->scale[i] = s;
		/* rounded up, so that the bound stays one */
		qi->l1[i] = (float) (l1 * (1 + 4 * LP_QSCAN_ULP));
	}
	return true;
}

static int32
DotPortable(const int8 *a, const int8 *b, int stride)
{
	int32		s = 0;

	for (int d = 0; d < stride; d++)
		s += (int32) a[d] * (int32) b[d];
	return s;
}

#ifdef LP_QSCAN_HAVE_AVX2
__attribute__((target("avx2")))
static void
DotsAvx2(const LpQuantItems *qi, const int8 *p, int32 *dots)
{
	int			steps = qi->stride / 32;
	__m256i		pa[32],
				ps[32];
	const __m256i ones = _mm256_set1_epi16(1);

	/* |p| and p's sign, once (stride is at most 1024: 32 steps) */
	for (int j = 0; j < steps; j++)
	{
		__m256i		x = _mm256_loadu_si256((const __m256i *) (p + 32 * j));

		pa[j] = _mm256_abs_epi8(x);
		ps[j] = x;
	}
	for (int32 i = 0; i < qi->n; i++)
	{
		const int8 *c = qi->codes + (int64) i * qi->stride;
		__m256i		acc = _mm256_setzero_si256();
		__m128i		h;

		for (int j = 0; j < steps; j++)
		{
			__m256i		x = _mm256_loadu_si256((const __m256i *) (c + 32 * j));
			__m256i		prod = _mm256_maddubs_epi16(pa[j], _mm256_sign_epi8(x, ps[j]));

			acc = _mm256_add_epi32(acc, _mm256_madd_epi16(prod, ones));
		}
		h = _mm_add_epi32(_mm256_castsi256_si128(acc), _mm256_extracti128_si256(acc, 1));
		h = _mm_add_epi32(h, _mm_shuffle_epi32(h, 0x4e));
		h = _mm_add_epi32(h, _mm_shuffle_epi32(h, 0xb1));
		dots[i] = _mm_cvtsi128_si32(h);
	}
}
#endif

bool
LpQuantScores(const LpQuantItems *qi, const float *q, bool simd, float *approx, float *bound)
{
	int8		p[LP_QSCAN_MAX_DIM];
	double		ql1;
	float		t;
	double		p1 = 0;
	int32	   *dots = (int32 *) bound; /* the integers first, then the bounds over them */

	Assert(qi->stride <= LP_QSCAN_MAX_DIM);
	t = Encode(q, qi->dim, qi->stride, p, &ql1);
	if (t < 0)
		return false;
	for (int d = 0; d < qi->dim; d++)
		p1 += abs(p[d]);

#ifdef LP_QSCAN_HAVE_AVX2
	if (simd)
		DotsAvx2(qi, p, dots);
	else
#endif
		for (int32 i = 0; i < qi->n; i++)
			dots[i] = DotPortable(p, qi->codes + (int64) i * qi->stride, qi->stride);

	for (int32 i = 0; i < qi->n; i++)
	{
		double		a = (double) t * qi->scale[i] * dots[i];
		/* the codes' half steps, LpDot's float sum, and this float's rounding */
		double		b = 0.5 * t * (qi->scale[i] * p1 + qi->l1[i]) +
			qi->dim * LP_QSCAN_ULP * (127.0 * t) * qi->l1[i] +
			4 * LP_QSCAN_ULP * fabs(a);

		approx[i] = (float) a;
		/* with room for the float division that chose each code (a half
		 * step may come out a few parts in 10^5 wider) */
		bound[i] = (float) (b * (1 + 1e-4)) + FLT_MIN;
	}
	return true;
}
