/*
 * test_spectral.c: the spectral encoder (src/kernels/spectral.c).
 *
 * Checks, on a random bipartite graph with two planted communities (so the
 * top of the spectrum is well separated) and a user and an item with no
 * edges:
 *  - the fitted item vectors span the top singular subspace of
 *    D_u^-1/2 R D_i^-1/2: their projection equals the one from a dense
 *    eigendecomposition of Rn^T Rn;
 *  - user vectors are alpha * sum_j d_j^-1/2 q_j, as fold-in computes them;
 *    nodes with no edges get zero vectors;
 *  - the item-item term for every candidate at once equals the pair
 *    function and the dense formula R D_i^-1/2 R^T D_u^-1 R D_i^-e;
 *  - a second fit with the same seed is identical; a stop from the
 *    progress callback is reported;
 *  - the random start is finite even for the largest uniform draw (it was
 *    not: sqrt of a negative logarithm gave NaN embeddings for some seeds).
 *
 * And on an undirected graph (TestTied): U U^T is the rank-dim part of
 * A_n^2 over the largest eigenvalues (not the largest in size: a bipartite
 * component's -1 is left out), a node's fold-in from its neighbours is its
 * trained vector, and a node with no edges gets a zero vector.
 */
#include "postgres.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "head.h"
#include "spectral.h"
#include "tap.h"

extern void dsyevd_(const char *jobz, const char *uplo, const int *n, double *a,
					const int *lda, double *w, double *work, const int *lwork, int *iwork,
					const int *liwork, int *info, size_t jobz_len, size_t uplo_len);

#define NU 120
#define NI 90
#define DIM 2

static uint64 rs = 88172645463325252ULL;

static uint32
Rand(uint32 n)
{
	rs ^= rs << 13;
	rs ^= rs >> 7;
	rs ^= rs << 17;
	return (uint32) ((rs >> 11) % n);
}

static void *
Alloc(Size n)
{
	return calloc(1, n);
}

static int	adj[NU][NI];

static bool
StopAtTwo(void *arg, int step, int steps)
{
	return step < 2;
}

/*
 * Dense reference: eigenvalues of the symmetric n x n matrix M into w
 * (ascending), eigenvectors over M (vector k is row k); false on error.
 */
static bool
DenseEigen(double *M, int n, double *w)
{
	int			lw = 1 + 6 * n + 2 * n * n,
				liw = 3 + 5 * n,
				info;
	double	   *dw = malloc(sizeof(double) * lw);
	int		   *iw = malloc(sizeof(int) * liw);

	dsyevd_("V", "U", &n, M, &n, w, dw, &lw, iw, &liw, &info, 1, 1);
	free(dw);
	free(iw);
	return info == 0;
}

/*
 * An undirected graph: two planted communities of 40 nodes, a 6-node
 * cycle apart from them (its own eigenvalue 1, and -1 as it is bipartite:
 * as large in size as the top one, which the fit must not take) and one
 * node with no edges.
 */
#define NT 87
#define TDIM 3

static int	tadj[NT][NT];

static void
TestTied(void)
{
	LpGraph		g;
	float	   *U = calloc((Size) NT * TDIM, sizeof(float));
	float	   *work = malloc(sizeof(float) * LpSpectralWorkFloats(NT, NT, TDIM));
	double	   *M = calloc((Size) NT * NT, sizeof(double));
	float		lambda[TDIM];
	double		worst = 0;
	char		detail[128];
	int64		e = 0;

	for (int a = 0; a < 80; a++)
		for (int t = 0; t < 6; t++)
		{
			int			b = Rand(10) < 9 ? (a < 40 ? 0 : 40) + (int) Rand(40) : (int) Rand(80);

			if (b != a)
				tadj[a][b] = tadj[b][a] = 1;
		}
	for (int k = 0; k < 6; k++)
		tadj[80 + k][80 + (k + 1) % 6] = tadj[80 + (k + 1) % 6][80 + k] = 1;
	memset(&g, 0, sizeof(g));
	g.n_src = g.n_dst = NT;
	g.homogeneous = g.tied = true;
	g.offsets = malloc(sizeof(int64) * (NT + 1));
	g.targets = malloc(sizeof(int32) * NT * NT);
	g.src_degree = calloc(NT, sizeof(int32));
	g.dst_degree = g.src_degree;
	for (int a = 0; a < NT; a++)
	{
		g.offsets[a] = e;
		for (int b = 0; b < NT; b++)
			if (tadj[a][b])
			{
				g.targets[e++] = b;
				g.src_degree[a]++;
			}
	}
	g.offsets[NT] = e;
	g.n_entries = e;
	g.n_edges = e / 2;

	Check(LpSpectralFit(&g, TDIM, 1.0f, 11, work, NULL, NULL, U, U) == LP_SPECTRAL_OK,
		  "undirected: the fit succeeds");

	/* dense reference: A_n, U U^T = sum over the TDIM largest of lambda^2 q q^T */
	for (int a = 0; a < NT; a++)
		for (int b = 0; b < NT; b++)
			if (tadj[a][b])
				M[a * NT + b] = 1.0 / sqrt((double) g.src_degree[a] * g.src_degree[b]);
	{
		double	   *w = malloc(sizeof(double) * NT);
		bool		solved = DenseEigen(M, NT, w);

		snprintf(detail, sizeof(detail), " (eigenvalues %.3f | %.3f, smallest %.3f)",
				 w[NT - TDIM], w[NT - TDIM - 1], w[0]);
		TapLine(solved && w[NT - TDIM] > w[NT - TDIM - 1] * 1.05 && w[0] < -0.99,
				"undirected: the reference has a gap after dim and an eigenvalue -1", detail);
		for (int a = 0; a < NT; a++)
			for (int b = 0; b < NT; b++)
			{
				double		pe = 0,
							pf = 0;

				for (int k = NT - TDIM; k < NT; k++)
					pe += w[k] * w[k] * M[k * NT + a] * M[k * NT + b];
				for (int c = 0; c < TDIM; c++)
					pf += U[a * TDIM + c] * U[b * TDIM + c];
				worst = Max(worst, fabs(pe - pf));
			}
		snprintf(detail, sizeof(detail), " (largest difference %.2e)", worst);
		TapLine(worst < 1e-3, "undirected: U U^T is the top of A_n^2 by largest eigenvalue", detail);
	}

	/* fold-in from the neighbours gives the trained vector back */
	LpSpectralColumnNorms(U, NT, TDIM, lambda);
	worst = 0;
	for (int a = 0; a < NT; a++)
	{
		float		f[TDIM];

		LpSpectralFoldInTied(U, lambda, g.src_degree, TDIM, g.targets + g.offsets[a],
							 (int) (g.offsets[a + 1] - g.offsets[a]), f);
		for (int c = 0; c < TDIM; c++)
			worst = Max(worst, fabs(f[c] - U[a * TDIM + c]));
	}
	snprintf(detail, sizeof(detail), " (largest difference %.2e)", worst);
	TapLine(worst < 1e-3, "undirected: a node's fold-in from its neighbours is its vector", detail);
	{
		bool		zero = true;

		for (int c = 0; c < TDIM; c++)
			zero = zero && U[(NT - 1) * TDIM + c] == 0;
		Check(zero, "undirected: a node with no edges has a zero vector");
	}
}

int
main(void)
{
	LpGraph		g;
	LpHeurGraph hg;
	int32		len[NU];
	float	   *U = calloc((Size) NU * DIM, sizeof(float)),
			   *V = calloc((Size) NI * DIM, sizeof(float)),
			   *U2 = calloc((Size) NU * DIM, sizeof(float)),
			   *V2 = calloc((Size) NI * DIM, sizeof(float));
	float	   *work = malloc(sizeof(float) * LpSpectralWorkFloats(NU, NI, DIM));
	double	   *M = calloc((Size) NI * NI, sizeof(double));
	double		worst;
	char		detail[128];
	const float alpha = 0.3f,
				enorm = 0.3f;
	int64		e = 0;

	/* users 0..59 like items 0..44 more, users 60..118 items 45..88; user
	 * 119 and item 89 have no edges */
	for (int u = 0; u < NU - 1; u++)
		for (int t = 0; t < 12; t++)
		{
			int			i = Rand(10) < 8 ? (u < 60 ? 0 : 45) + (int) Rand(44) : (int) Rand(NI - 1);

			adj[u][i] = 1;
		}
	memset(&g, 0, sizeof(g));
	g.n_src = NU;
	g.n_dst = NI;
	g.homogeneous = false;
	g.tied = false;
	g.offsets = malloc(sizeof(int64) * (NU + 1));
	g.targets = malloc(sizeof(int32) * NU * NI);
	g.weights = NULL;
	g.times = NULL;
	g.src_degree = calloc(NU, sizeof(int32));
	g.dst_degree = calloc(NI, sizeof(int32));
	for (int u = 0; u < NU; u++)
	{
		g.offsets[u] = e;
		for (int i = 0; i < NI; i++)
			if (adj[u][i])
			{
				g.targets[e++] = i;
				g.src_degree[u]++;
				g.dst_degree[i]++;
			}
		len[u] = g.src_degree[u];
	}
	g.offsets[NU] = e;
	g.n_entries = g.n_edges = e;
	LpHeurGraphBuild(&hg, false, false, NU, NI, g.offsets, len, g.targets, Alloc);

	Check(LpSpectralFit(&g, DIM, alpha, 7, work, NULL, NULL, U, V) == LP_SPECTRAL_OK,
		  "the fit succeeds");

	/* dense reference: Rn^T Rn, its top DIM eigenvectors' projection */
	for (int u = 0; u < NU; u++)
		for (int i = 0; i < NI; i++)
			for (int j = 0; j < NI; j++)
				if (adj[u][i] && adj[u][j])
					M[i * NI + j] += 1.0 / (g.src_degree[u] * sqrt((double) g.dst_degree[i] * g.dst_degree[j]));
	{
		double	   *w = malloc(sizeof(double) * NI);
		bool		solved = DenseEigen(M, NI, w);

		snprintf(detail, sizeof(detail), " (eigenvalues %.3f %.3f | %.3f)", w[NI - 1], w[NI - DIM],
				 w[NI - DIM - 1]);
		TapLine(solved && w[NI - DIM] > w[NI - DIM - 1] * 1.05, "the reference has a spectral gap after dim", detail);
		worst = 0;
		for (int i = 0; i < NI; i++)
			for (int j = 0; j < NI; j++)
			{
				double		pe = 0,
							pf = 0;

				for (int k = NI - DIM; k < NI; k++)
					pe += M[k * NI + i] * M[k * NI + j];
				if (g.dst_degree[i] > 0 && g.dst_degree[j] > 0)
					for (int c = 0; c < DIM; c++)
						pf += V[i * DIM + c] * V[j * DIM + c] / sqrt((double) g.dst_degree[i] * g.dst_degree[j]);
				worst = Max(worst, fabs(pe - pf));
			}
		snprintf(detail, sizeof(detail), " (largest difference %.2e)", worst);
		TapLine(worst < 1e-3, "item vectors span the top singular subspace", detail);
	}

	worst = 0;
	for (int u = 0; u < NU; u++)
	{
		float		f[DIM];

		LpSpectralFoldIn(V, g.dst_degree, DIM, g.targets + g.offsets[u], len[u], alpha, f);
		for (int c = 0; c < DIM; c++)
			worst = Max(worst, fabs(f[c] - U[u * DIM + c]));
	}
	snprintf(detail, sizeof(detail), " (largest difference %.2e)", worst);
	TapLine(worst < 1e-5, "user vectors are the fold-in of their items", detail);
	{
		bool		zero = true;

		for (int c = 0; c < DIM; c++)
			zero = zero && U[(NU - 1) * DIM + c] == 0 && V[(NI - 1) * DIM + c] == 0;
		Check(zero, "a user and an item with no edges have zero vectors");
	}

	/* the item-item term: all candidates, pairs and the dense formula */
	{
		float	   *s = malloc(sizeof(float) * NI),
				   *iw = LpSpectralItemWeights(&hg, enorm, malloc);
		LpItemTermScratch its = {calloc(NI, sizeof(float)), calloc(NU, sizeof(float)),
		malloc(sizeof(int32) * NU)};
		uint8	   *mark = calloc(Max(NU, NI), 1);
		double		wp = 0,
					wd = 0;
		bool		clean = true;

		for (int u = 0; u < NU; u++)
		{
			memset(s, 0, sizeof(float) * NI);
			LpSpectralItemAll(&hg, g.targets + g.offsets[u], len[u], iw, s, &its);
			for (int i = 0; i < NI; i++)
			{
				double		dense = 0;

				for (int j = 0; j < NI; j++)
					for (int w = 0; w < NU; w++)
						if (adj[u][j] && adj[w][j] && adj[w][i])
							dense += 1.0 / (sqrt((double) g.dst_degree[j]) * g.src_degree[w]);
				if (dense > 0)
					dense *= pow(g.dst_degree[i], -enorm);
				wd = Max(wd, fabs(s[i] - dense));
				wp = Max(wp, fabs(s[i] - LpSpectralItemPair(&hg, g.targets + g.offsets[u], len[u], i, iw, mark)));
			}
			for (int i = 0; i < NI; i++)
				clean = clean && its.acc[i] == 0 && mark[i] == 0;
			for (int w = 0; w < NU; w++)
				clean = clean && its.cx[w] == 0 && mark[w] == 0;
		}
		snprintf(detail, sizeof(detail), " (largest difference %.2e)", wp);
		TapLine(wp < 1e-5, "item-item term: every candidate at once equals each pair", detail);
		snprintf(detail, sizeof(detail), " (largest difference %.2e)", wd);
		TapLine(wd < 1e-5, "item-item term equals the dense formula", detail);
		Check(clean, "the item-item scratches (accumulator, marks) are left zeroed");
		Check(LpSpectralItemPair(&hg, g.targets, len[0], -1, iw, mark) == 0,
			  "an unknown item has no item-item term");
	}

	Check(LpSpectralFit(&g, DIM, alpha, 7, work, NULL, NULL, U2, V2) == LP_SPECTRAL_OK &&
		  memcmp(U, U2, sizeof(float) * NU * DIM) == 0 &&
		  memcmp(V, V2, sizeof(float) * NI * DIM) == 0,
		  "a second fit with the same seed is identical");
	{
		float		z[2],
					w[2],
					top = 1.0f - 1.0f / 16777216.0f;	/* the largest LpRngUniform */

		LpSpectralGaussian(top, 0.3f, z);
		LpSpectralGaussian(0.0f, 0.7f, w);
		Check(isfinite(z[0]) && isfinite(z[1]) && w[0] == 0 && w[1] == 0,
			  "the random start is finite for the extreme uniforms");
	}
	Check(LpSpectralFit(&g, DIM, alpha, 7, work, StopAtTwo, NULL, U2, V2) == LP_SPECTRAL_STOPPED,
		  "the progress callback stops the fit");
	TestTied();
	return TapFinish();
}
