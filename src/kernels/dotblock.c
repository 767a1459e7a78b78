/*
 * dotblock.c: a block of users' dot products with every item, each summed
 * over d = 0 .. dim-1 in turn (dotblock.h).
 *
 * The portable loop transposes a chunk of items so that its inner loop runs
 * over contiguous items (the vectoriser's 4 floats at a time, one user at a
 * time): it reads the whole chunk, LP_DOT_CHUNK x dim floats (2 MB at dim
 * 512), once per user, and waits on memory.  The AVX2 kernel lays a chunk
 * out in strips of 16 items, dim x 16 floats each, and keeps a tile of 4
 * users x 16 items in 8 registers while d runs: each strip is read from the
 * cache once per 4 users, and each load feeds 8 products.  Products and
 * sums are separate instructions (the kernel is compiled for AVX2 without
 * FMA), so every element is rounded as the portable loop rounds it.
 */
#include "postgres.h"

#include "dotblock.h"
#include "simd.h"

#if defined(__x86_64__) && defined(__GNUC__)
#define LP_DOT_HAVE_AVX2 1
#include <immintrin.h>
#endif

#define STRIP 16

static void
DotBlockPortable(const float *U, const float *V, int dim, int32 n_items, const int32 *users,
				 int nb, float *scratch, float *out)
{
	for (int32 c0 = 0; c0 < n_items; c0 += LP_DOT_CHUNK)
	{
		int32		cn = Min(LP_DOT_CHUNK, n_items - c0);

		for (int32 j = 0; j < cn; j++)
			for (int d = 0; d < dim; d++)
				scratch[(int64) d * LP_DOT_CHUNK + j] = V[(int64) (c0 + j) * dim + d];
		for (int b = 0; b < nb; b++)
		{
			const float *u = U + (int64) users[b] * dim;
			float	   *o = out + (int64) b * n_items + c0;

			memset(o, 0, sizeof(float) * cn);
			for (int d = 0; d < dim; d++)
			{
				const float ud = u[d];
				const float *vd = scratch + (int64) d * LP_DOT_CHUNK;

				for (int32 j = 0; j < cn; j++)
					o[j] += ud * vd[j];
			}
		}
	}
}

#ifdef LP_DOT_HAVE_AVX2

/*
 * users u[0 .. R-1] (R at most 4, a constant where it is inlined) against
 * the strip st (dim x 16 floats) into t[R][16]: 2R accumulators
 */
__attribute__((target("avx2"), always_inline))
static inline void
Tile(const float *st, int dim, const float *const *u, int R, float *t)
{
	__m256		acc[4][2];

	for (int r = 0; r < R; r++)
		acc[r][0] = acc[r][1] = _mm256_setzero_ps();
	for (int d = 0; d < dim; d++)
	{
		__m256		v0 = _mm256_loadu_ps(st + (int64) d * STRIP);
		__m256		v1 = _mm256_loadu_ps(st + (int64) d * STRIP + 8);

		for (int r = 0; r < R; r++)
		{
			__m256		x = _mm256_set1_ps(u[r][d]);

			acc[r][0] = _mm256_add_ps(acc[r][0], _mm256_mul_ps(x, v0));
			acc[r][1] = _mm256_add_ps(acc[r][1], _mm256_mul_ps(x, v1));
		}
	}
	for (int r = 0; r < R; r++)
	{
		_mm256_storeu_ps(t + r * STRIP, acc[r][0]);
		_mm256_storeu_ps(t + r * STRIP + 8, acc[r][1]);
	}
}

__attribute__((target("avx2")))
static void
DotBlockAvx2(const float *U, const float *V, int dim, int32 n_items, const int32 *users, int nb,
			 float *scratch, float *out)
{
	float		t[4 * STRIP];

	for (int32 c0 = 0; c0 < n_items; c0 += LP_DOT_CHUNK)
	{
		int32		cn = Min(LP_DOT_CHUNK, n_items - c0);
		int32		strips = (cn + STRIP - 1) / STRIP;

		/* strip s holds items s*16 .. s*16+15 as dim rows of 16, zeros past the end */
		for (int32 j = 0; j < strips * STRIP; j++)
		{
			float	   *dst = scratch + (int64) (j / STRIP) * dim * STRIP + j % STRIP;

			if (j < cn)
				for (int d = 0; d < dim; d++)
					dst[(int64) d * STRIP] = V[(int64) (c0 + j) * dim + d];
			else
				for (int d = 0; d < dim; d++)
					dst[(int64) d * STRIP] = 0.0f;
		}
		for (int32 s = 0; s < strips; s++)
		{
			const float *st = scratch + (int64) s * dim * STRIP;
			int32		first = c0 + s * STRIP;
			int			w = Min(STRIP, n_items - first);
			int			b = 0;

			for (; b + 4 <= nb; b += 4)
			{
				const float *u[4];

				for (int r = 0; r < 4; r++)
					u[r] = U + (int64) users[b + r] * dim;
				Tile(st, dim, u, 4, t);
				for (int r = 0; r < 4; r++)
					memcpy(out + (int64) (b + r) * n_items + first, t + r * STRIP,
						   sizeof(float) * w);
			}
			for (; b < nb; b++)
			{
				const float *u1 = U + (int64) users[b] * dim;

				Tile(st, dim, &u1, 1, t);
				memcpy(out + (int64) b * n_items + first, t, sizeof(float) * w);
			}
		}
	}
}
#endif

void
LpDotBlock(const float *U, const float *V, int dim, int32 n_items, const int32 *users, int nb,
		   bool simd, float *scratch, float *out)
{
#ifdef LP_DOT_HAVE_AVX2
	if (simd && LpCpuHasAvx2())
	{
		DotBlockAvx2(U, V, dim, n_items, users, nb, scratch, out);
		return;
	}
#endif
	DotBlockPortable(U, V, dim, n_items, users, nb, scratch, out);
}
