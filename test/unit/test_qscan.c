/*
 * test_qscan.c: 8-bit item codes and the bounded scan (src/kernels/qscan.h).
 *
 * Checks that:
 *  - every item's float score LpDot(q, V[i]) lies within bound[i] of
 *    approx[i], over dimensions 1 to 1024 (rows not a multiple of 32
 *    included), on Gaussian vectors and on awkward ones: zero rows, a zero
 *    query, one large coordinate among small ones, rows of very different
 *    sizes;
 *  - the AVX2 kernel gives the portable kernel's results bit for bit;
 *  - with a user bias and item biases added, the scores stay within bounds;
 *  - a vector that is not finite makes the build, or the scan, refuse;
 *  - the bounds are tight enough to be useful: on Gaussian items of
 *    dim 64 and 512, the items whose upper bound reaches the 20th best
 *    lower bound are under 2% of 20,000 (ranking.c falls back to the
 *    float scan above an eighth).
 */
#include "postgres.h"

#include <math.h>
#include <stdlib.h>

#include "qscan.h"
#include "rng.h"
#include "vec.h"
#include "tap.h"

/* fills V and q for a case; kind 0 Gaussian, 1 awkward */
static void
Fill(LpRng *rng, float *V, int32 n, int dim, float *q, int kind)
{
	LpRngNormals(rng, V, (int64) n * dim, 1.0f);
	LpRngNormals(rng, q, dim, 1.0f);
	if (kind == 0)
		return;
	for (int32 i = 0; i < n; i++)
	{
		float	   *v = V + (int64) i * dim;

		switch (i % 5)
		{
			case 0:				/* a zero row */
				memset(v, 0, sizeof(float) * dim);
				break;
			case 1:				/* one large coordinate among small ones */
				for (int d = 0; d < dim; d++)
					v[d] *= 1e-3f;
				v[i % dim] = 50.0f;
				break;
			case 2:				/* a very small row */
				for (int d = 0; d < dim; d++)
					v[d] *= 1e-6f;
				break;
			case 3:				/* a large row */
				for (int d = 0; d < dim; d++)
					v[d] *= 1e4f;
				break;
			default:
				break;
		}
	}
	q[0] = 100.0f;				/* one large coordinate in the query */
}

/* whether every score is within its bound; the worst ratio into *worst */
static bool
WithinBiased(const float *V, int32 n, int dim, const float *q, float bu, const float *bv,
			 const float *a, const float *b, double *worst)
{
	bool		ok = true;

	*worst = 0;
	for (int32 i = 0; i < n; i++)
	{
		/* as LpModelEmbScore adds the biases */
		float		exact = LpDot(q, V + (int64) i * dim, dim) + (bu + (bv ? bv[i] : 0.0f));
		double		gap = fabs((double) exact - (double) a[i]);

		if (gap > b[i])
			ok = false;
		if (b[i] > 0)
			*worst = Max(*worst, gap / b[i]);
	}
	return ok;
}

static bool
Within(const float *V, int32 n, int dim, const float *q, const float *a, const float *b,
	   double *worst)
{
	return WithinBiased(V, n, dim, q, 0.0f, NULL, a, b, worst);
}

/* the items whose upper bound reaches the k-th best lower bound */
static int32
Survivors(const float *a, const float *b, int32 n, int k)
{
	float	   *lo = malloc(sizeof(float) * n);
	float		theta;
	int32		kept = 0;

	for (int32 i = 0; i < n; i++)
		lo[i] = a[i] - b[i];
	/* the k-th largest by k passes of the maximum (n small) */
	theta = INFINITY;
	for (int r = 0; r < k; r++)
	{
		float		best = -INFINITY;
		int32		at = 0;

		for (int32 i = 0; i < n; i++)
			if (lo[i] > best)
			{
				best = lo[i];
				at = i;
			}
		theta = best;
		lo[at] = -INFINITY;
	}
	for (int32 i = 0; i < n; i++)
		if (a[i] + b[i] >= theta)
			kept++;
	free(lo);
	return kept;
}

int
main(void)
{
	static const int dims[] = {1, 7, 32, 40, 64, 100, 512, 1024};
	LpRng		rng;
	bool		simd = LpQuantUsable();
	char		what[200];

	LpRngSeed(&rng, 7);
	for (int kind = 0; kind < 2; kind++)
		for (int di = 0; di < (int) lengthof(dims); di++)
		{
			int			dim = dims[di];
			int32		n = 997;
			float	   *V = malloc(sizeof(float) * n * dim);
			float	   *q = malloc(sizeof(float) * dim);
			void	   *mem = malloc(LpQuantItemsSize(n, dim));
			float	   *a = malloc(sizeof(float) * n),
					   *b = malloc(sizeof(float) * n),
					   *a2 = malloc(sizeof(float) * n),
					   *b2 = malloc(sizeof(float) * n);
			LpQuantItems qi;
			double		worst = 0;
			bool		built,
						ok = true;

			Fill(&rng, V, n, dim, q, kind);
			built = LpQuantItemsBuild(V, n, dim, mem, &qi);
			ok = built && LpQuantScores(&qi, q, 0.0f, NULL, false, a, b);
			snprintf(what, sizeof(what), "%s vectors, dim %d: every float score within its bound",
					 kind ? "awkward" : "Gaussian", dim);
			ok = ok && Within(V, n, dim, q, a, b, &worst);
			TapLine(ok, what, NULL);
			printf("# worst |score - approx| / bound %.3f\n", worst);
			if (simd)
			{
				snprintf(what, sizeof(what), "%s vectors, dim %d: AVX2 gives the portable results",
						 kind ? "awkward" : "Gaussian", dim);
				Check(LpQuantScores(&qi, q, 0.0f, NULL, true, a2, b2) &&
					  memcmp(a, a2, sizeof(float) * n) == 0 && memcmp(b, b2, sizeof(float) * n) == 0,
					  what);
			}
			/* biases, large and small, added to every score */
			if (kind == 1 && dim == 64)
			{
				float	   *bv = malloc(sizeof(float) * n);

				LpRngNormals(&rng, bv, n, 1.0f);
				for (int32 i = 0; i < n; i++)
					bv[i] *= (i % 3 == 0) ? 1e3f : 1.0f;
				Check(LpQuantScores(&qi, q, -2.5f, bv, simd, a, b) &&
					  WithinBiased(V, n, dim, q, -2.5f, bv, a, b, &worst),
					  "with a user bias and item biases: every score within its bound");
				free(bv);
			}
			/* a zero query: every approximate score 0, within bounds */
			if (kind == 1 && dim == 64)
			{
				memset(q, 0, sizeof(float) * dim);
				Check(LpQuantScores(&qi, q, 0.0f, NULL, simd, a, b) && Within(V, n, dim, q, a, b, &worst),
					  "a zero query: every score within its bound");
			}
			free(V);
			free(q);
			free(mem);
			free(a);
			free(b);
			free(a2);
			free(b2);
		}

	/* refusals */
	{
		float		V[2 * 8] = {0};
		float		q[8] = {1, 2, 3, 4, 5, 6, 7, 8};
		float		a[2],
					b[2];
		void	   *mem = malloc(LpQuantItemsSize(2, 8));
		LpQuantItems qi;

		Check(LpQuantItemsBuild(V, 2, 8, mem, &qi), "finite vectors build");
		q[3] = NAN;
		Check(!LpQuantScores(&qi, q, 0.0f, NULL, false, a, b), "a query with NaN is refused");
		q[3] = INFINITY;
		Check(!LpQuantScores(&qi, q, 0.0f, NULL, false, a, b), "a query with infinity is refused");
		V[9] = NAN;
		Check(!LpQuantItemsBuild(V, 2, 8, mem, &qi), "items with NaN are refused");
		free(mem);
	}

	/* tight enough to prune: Gaussian items, top-20 of 20,000 */
	for (int di = 0; di < 2; di++)
	{
		int			dim = di == 0 ? 64 : 512;
		int32		n = 20000;
		float	   *V = malloc(sizeof(float) * n * dim);
		float	   *q = malloc(sizeof(float) * dim);
		void	   *mem = malloc(LpQuantItemsSize(n, dim));
		float	   *a = malloc(sizeof(float) * n),
				   *b = malloc(sizeof(float) * n);
		LpQuantItems qi;
		int32		kept = n;

		LpRngNormals(&rng, V, (int64) n * dim, 1.0f);
		LpRngNormals(&rng, q, dim, 1.0f);
		if (LpQuantItemsBuild(V, n, dim, mem, &qi) && LpQuantScores(&qi, q, 0.0f, NULL, simd, a, b))
			kept = Survivors(a, b, n, 20);
		snprintf(what, sizeof(what), "dim %d, 20,000 Gaussian items: the top-20 leaves %d candidates, under 2%%",
				 dim, kept);
		Check(kept >= 20 && kept < n / 50, what);
		free(V);
		free(q);
		free(mem);
		free(a);
		free(b);
	}
	return TapFinish();
}
