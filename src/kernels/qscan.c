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
#include "simd.h"

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
#ifdef LP_QSCAN_HAVE_AVX2
	return LpCpuHasAvx2();
#else
	return false;
#endif
}

Size
LpQuantItemsSize(int32 n, int dim)
{
	return Align((Size) n * Stride(dim)) + 2 * Align(sizeof(float) * (Size) n) + LP_QSCAN_ALIGN;
}

/*
 * x's codes into c (stride bytes, zero padded) and |x|_1 into *l1 (if not
 * NULL); its scale, or -1 if x is not finite
 */
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
	if (l1)
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
DotsAvx2(const LpQuantItems *qi, const int8 *p, int32 from, int32 to, int32 *dots)
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
	/* four items at a time, their sums reduced together; dots[0] is item from's */
	for (int32 i = from; i < to; i += 4)
	{
		__m256i		acc[4];
		__m256i		s;
		int			m = Min(4, to - i);
		int32		out[4];

		for (int r = 0; r < 4; r++)
		{
			/* past the last item, the last item again */
			const int8 *c = qi->codes + (int64) (i + Min(r, m - 1)) * qi->stride;

			acc[r] = _mm256_setzero_si256();
			for (int j = 0; j < steps; j++)
			{
				__m256i		x = _mm256_loadu_si256((const __m256i *) (c + 32 * j));
				__m256i		prod = _mm256_maddubs_epi16(pa[j], _mm256_sign_epi8(x, ps[j]));

				acc[r] = _mm256_add_epi32(acc[r], _mm256_madd_epi16(prod, ones));
			}
		}
		s = _mm256_hadd_epi32(_mm256_hadd_epi32(acc[0], acc[1]), _mm256_hadd_epi32(acc[2], acc[3]));
		_mm_storeu_si128((__m128i *) out,
						 _mm_add_epi32(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1)));
		for (int r = 0; r < m; r++)
			dots[i - from + r] = out[r];
	}
}
#endif

bool
LpQuantScores(const LpQuantItems *qi, const float *q, float bu, const float *bv, bool simd,
			  float *approx, float *bound)
{
	int8		p[LP_QSCAN_MAX_DIM];
	int32		dots[LP_QSCAN_CHUNK];
	float		t;
	double		p1 = 0;
	float		half_p1,
				per_l1,
				own,
				room;

	Assert(qi->stride <= LP_QSCAN_MAX_DIM);
	t = Encode(q, qi->dim, qi->stride, p, NULL);
	if (t < 0)
		return false;
	for (int d = 0; d < qi->dim; d++)
		p1 += abs(p[d]);

	/*
	 * In floats, so that the loop vectorises: a product of three floats is
	 * within 2 units in the last place, and a dot of at most 1024 x 127 x
	 * 127 converts exactly; the bound's own rounding (a few units) and the
	 * float division that chose each code (a half step may come out a few
	 * parts in 10^5 wider) are inside its last factor.  The biases are
	 * added as LpModelEmbScore adds them, a rounding the own term covers.
	 */
	half_p1 = (float) (0.5 * t * p1);
	per_l1 = (float) (t * (0.5 + qi->dim * LP_QSCAN_ULP * 127.0));
	own = (float) (4 * LP_QSCAN_ULP);
	room = (float) (1 + 1e-4);

	/* a chunk of dots at a time, so that they are read back from the cache */
	for (int32 from = 0; from < qi->n; from += LP_QSCAN_CHUNK)
	{
		int32		to = Min(qi->n, from + LP_QSCAN_CHUNK);

#ifdef LP_QSCAN_HAVE_AVX2
		if (simd)
			DotsAvx2(qi, p, from, to, dots);
		else
#endif
			for (int32 i = from; i < to; i++)
				dots[i - from] = DotPortable(p, qi->codes + (int64) i * qi->stride, qi->stride);

		for (int32 i = from; i < to; i++)
		{
			float		a = (t * qi->scale[i]) * (float) dots[i - from];
			float		ab = a + (bu + (bv ? bv[i] : 0.0f));

			approx[i] = ab;
			bound[i] = (half_p1 * qi->scale[i] + per_l1 * qi->l1[i] +
						own * (fabsf(a) + fabsf(ab))) * room + FLT_MIN;
		}
	}
	return true;
}
