/*
 * test_dotblock.c: a block of users' dot products with every item
 * (src/kernels/dotblock.h).
 *
 * Checks that, over dimensions 1 to 513 and catalogs that end inside a
 * strip and cross a chunk:
 *  - every score equals the plain loop s = s + u[d] * v[d], bit for bit
 *    (what the pair score computes), from the portable loop and from the
 *    AVX2 kernel (skipped where the CPU has no AVX2);
 *  - a user's row is the same whatever the block (1 to 9 users, in any
 *    order, repeated), so a tile of 4 and the single-user tail agree;
 *  - large and tiny values round as the plain loop rounds them (a fused
 *    multiply-add would not).
 */
#include "postgres.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dotblock.h"
#include "rng.h"
#include "simd.h"
#include "tap.h"

/* the plain loop, in a function of its own so that nothing reorders it */
static float
Plain(const float *u, const float *v, int dim)
{
	volatile float s = 0;

	for (int d = 0; d < dim; d++)
		s = s + u[d] * v[d];
	return s;
}

/* rows of the block out (nb users) that differ from Plain, bit for bit */
static int
Wrong(const float *U, const float *V, int dim, int32 n_items, const int32 *users, int nb,
	  const float *out)
{
	int			bad = 0;

	for (int b = 0; b < nb; b++)
		for (int32 i = 0; i < n_items; i++)
		{
			float		want = Plain(U + (int64) users[b] * dim, V + (int64) i * dim, dim);

			if (memcmp(&want, out + (int64) b * n_items + i, sizeof(float)) != 0)
			{
				bad++;
				break;
			}
		}
	return bad;
}

int
main(void)
{
	const int	dims[] = {1, 7, 16, 64, 100, 513};
	const int32 n_users = 23;
	const int32 n_items = 1061;		/* a chunk of 1024, then 37: two strips, the last short */
	bool		simd = LpCpuHasAvx2();
	LpRng		rng;
	char		detail[128];

	LpRngSeed(&rng, 11);
	if (!simd)
		printf("# this CPU has no AVX2: the kernel's checks compare the portable loop twice\n");
	for (int k = 0; k < (int) lengthof(dims); k++)
	{
		int			dim = dims[k];
		float	   *U = malloc(sizeof(float) * n_users * dim),
				   *V = malloc(sizeof(float) * n_items * dim),
				   *scratch = malloc(sizeof(float) * LP_DOT_CHUNK * dim),
				   *a = malloc(sizeof(float) * 9 * n_items),
				   *b = malloc(sizeof(float) * 9 * n_items);
		int			bad_portable = 0,
					bad_simd = 0,
					differ = 0;

		LpRngNormals(&rng, U, (int64) n_users * dim, 1.0f);
		LpRngNormals(&rng, V, (int64) n_items * dim, 1.0f);
		/* values whose products and sums round: huge, tiny, cancelling */
		for (int32 i = 0; i < n_items; i += 7)
			V[(int64) i * dim] *= 1e7f;
		for (int32 u = 0; u < n_users; u += 3)
			U[(int64) u * dim + dim - 1] *= 1e-6f;

		for (int nb = 1; nb <= 9; nb++)
		{
			int32		users[9];

			/* users in a scrambled order, one of them twice when nb > 5 */
			for (int r = 0; r < nb; r++)
				users[r] = (int32) ((r * 7 + nb * 5) % n_users);
			if (nb > 5)
				users[nb - 1] = users[1];
			LpDotBlock(U, V, dim, n_items, users, nb, false, scratch, a);
			LpDotBlock(U, V, dim, n_items, users, nb, true, scratch, b);
			bad_portable += Wrong(U, V, dim, n_items, users, nb, a);
			bad_simd += Wrong(U, V, dim, n_items, users, nb, b);
			differ += memcmp(a, b, sizeof(float) * nb * n_items) != 0;
		}
		snprintf(detail, sizeof(detail), " (dim %d: %d rows differ)", dim, bad_portable);
		TapLine(bad_portable == 0, "portable loop: every score is the plain loop's", detail);
		snprintf(detail, sizeof(detail), " (dim %d: %d rows differ)", dim, bad_simd);
		TapLine(bad_simd == 0, "AVX2 kernel: every score is the plain loop's, in blocks of 1 to 9",
				detail);
		snprintf(detail, sizeof(detail), " (dim %d: %d blocks differ)", dim, differ);
		TapLine(differ == 0, "the two give the same bits", detail);
		free(U);
		free(V);
		free(scratch);
		free(a);
		free(b);
	}
	return TapFinish();
}
