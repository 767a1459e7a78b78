/*
 * spectral.c: the spectral encoder (spectral.h): a truncated SVD of the
 * normalised interaction matrix, and the item-item term of its decoder.
 *
 * Matrices are row-major float arrays.  A row-major n x l matrix is, to
 * LAPACK, a column-major l x n one, so orthonormalising its columns is an
 * LQ factorisation of that l x n matrix (sgelqf + sorglq).
 */
#include "postgres.h"

#include <math.h>
#include <cblas.h>

#include "spectral.h"
#include "train.h"

/* LAPACK (in OpenBLAS), Fortran calling convention */
extern void sgelqf_(const int *m, const int *n, float *a, const int *lda, float *tau,
					float *work, const int *lwork, int *info);
extern void sorglq_(const int *m, const int *n, const int *k, float *a, const int *lda,
					const float *tau, float *work, const int *lwork, int *info);
extern void dsyevd_(const char *jobz, const char *uplo, const int *n, double *a,
					const int *lda, double *w, double *work, const int *lwork, int *iwork,
					const int *liwork, int *info, size_t jobz_len, size_t uplo_len);

static int
SubspaceCols(int32 n_dst, int dim)
{
	return (int) Min((int64) dim + LP_SPECTRAL_OVERSAMPLE, (int64) n_dst);
}

/* workspace floats of one LQ factorisation of an l x n matrix */
static Size
LqWorkFloats(int l, int32 n)
{
	/* blocked LQ wants l * nb; 64 is above OpenBLAS's block size */
	return (Size) l * 64 + (Size) n;
}

Size
LpSpectralWorkFloats(int32 n_src, int32 n_dst, int dim)
{
	int			l = SubspaceCols(n_dst, dim);
	Size		dbl = 2 * ((Size) l * l + l + 1 + 2 * (Size) l * l + 6 * (Size) l + 1);

	/* Q and Y: n_dst x l; B: n_src x l; tau; LQ work; the small
	 * eigenproblem in doubles (matrix, values, work); iwork; Z */
	return (Size) l * n_dst * 2 + (Size) l * n_src + l + LqWorkFloats(l, n_dst) +
		dbl + (5 * (Size) l + 3) + (Size) l * dim + 64;
}

/* Q (n x l, row-major) := an orthonormal basis of its columns */
static bool
Orthonormalise(float *Q, int32 n, int l, float *tau, float *work)
{
	int			m = l,
				nn = (int) n,
				lda = l,
				lwork = (int) LqWorkFloats(l, n),
				info = 0;

	sgelqf_(&m, &nn, Q, &lda, tau, work, &lwork, &info);
	if (info != 0)
		return false;
	sorglq_(&m, &nn, &m, Q, &lda, tau, work, &lwork, &info);
	return info == 0;
}

/* B (n_src x l) := Rn Q */
static void
MulRn(const LpGraph *g, const float *ru, const float *ri, const float *Q, int l, float *B)
{
	for (int32 u = 0; u < g->n_src; u++)
	{
		float	   *b = B + (int64) u * l;

		memset(b, 0, sizeof(float) * l);
		for (int64 e = g->offsets[u]; e < g->offsets[u + 1]; e++)
		{
			int32		i = g->targets[e];
			const float *q = Q + (int64) i * l;
			float		w = ri[i];

			for (int c = 0; c < l; c++)
				b[c] += w * q[c];
		}
		for (int c = 0; c < l; c++)
			b[c] *= ru[u];
	}
}

/* Y (n_dst x l) := Rn^T B */
static void
MulRnT(const LpGraph *g, const float *ru, const float *ri, const float *B, int l, float *Y)
{
	memset(Y, 0, sizeof(float) * (Size) g->n_dst * l);
	for (int32 u = 0; u < g->n_src; u++)
	{
		const float *b = B + (int64) u * l;

		for (int64 e = g->offsets[u]; e < g->offsets[u + 1]; e++)
		{
			int32		i = g->targets[e];
			float	   *y = Y + (int64) i * l;
			float		w = ri[i] * ru[u];

			for (int c = 0; c < l; c++)
				y[c] += w * b[c];
		}
	}
}

void
LpSpectralGaussian(float u1, float u2, float *out)
{
	/* 1 - u1 is in (0, 1]: the logarithm is finite and never positive */
	double		r = sqrt(-2.0 * log(1.0 - (double) u1));

	out[0] = (float) (r * cos(2 * M_PI * u2));
	out[1] = (float) (r * sin(2 * M_PI * u2));
}

/* x[0 .. n-1]: standard normal deviates */
static void
FillNormal(float *x, Size n, uint64 seed)
{
	LpRng		rng;

	LpRngSeed(&rng, seed);
	for (Size k = 0; k < n; k += 2)
	{
		float		pair[2];
		float		u1 = LpRngUniform(&rng);

		LpSpectralGaussian(u1, LpRngUniform(&rng), pair);
		x[k] = pair[0];
		if (k + 1 < n)
			x[k + 1] = pair[1];
	}
}

LpSpectralResult
LpSpectralFit(const LpGraph *g, int dim, float lowrank_weight, uint64 seed, float *work,
			  LpSpectralProgressFn progress, void *arg, float *U, float *V)
{
	int32		nu = g->n_src,
				ni = g->n_dst;
	int			l = SubspaceCols(ni, dim);
	int			steps = LP_SPECTRAL_ITERS + 2;
	float	   *Q = work;
	float	   *Y = Q + (Size) l * ni;
	float	   *B = Y + (Size) l * ni;
	float	   *tau = B + (Size) l * nu;
	float	   *lqwork = tau + l;
	double	   *C = (double *) (lqwork + LqWorkFloats(l, ni) + 1);	/* l x l */
	double	   *eval;
	double	   *dwork;
	int		   *iwork;
	float	   *Z;
	float	   *ru = U;			/* U and V double as the degree scalings until the end */
	float	   *ri = V;
	int			n = l,
				info = 0,
				ldwork = 1 + 6 * l + 2 * l * l,
				liwork = 3 + 5 * l;

	/* doubles must be 8-byte aligned: C starts at an even float offset */
	if (((uintptr_t) C) % sizeof(double) != 0)
		C = (double *) ((char *) C + sizeof(float));
	eval = C + (Size) l * l;
	dwork = eval + l;
	iwork = (int *) (dwork + ldwork);
	Z = (float *) (iwork + liwork);

	Assert(dim >= 1 && dim <= l && l <= ni && dim <= nu && !g->homogeneous);

	for (int32 u = 0; u < nu; u++)
		ru[u] = g->src_degree[u] > 0 ? 1.0f / sqrtf((float) g->src_degree[u]) : 0.0f;
	for (int32 i = 0; i < ni; i++)
		ri[i] = g->dst_degree[i] > 0 ? 1.0f / sqrtf((float) g->dst_degree[i]) : 0.0f;

	/* subspace iteration on Rn^T Rn from a random start */
	FillNormal(Q, (Size) l * ni, seed ^ 0x5bec7a1ULL);
	if (!Orthonormalise(Q, ni, l, tau, lqwork))
		return LP_SPECTRAL_FAILED;
	for (int it = 0; it < LP_SPECTRAL_ITERS; it++)
	{
		if (progress && !progress(arg, it + 1, steps))
			return LP_SPECTRAL_STOPPED;
		MulRn(g, ru, ri, Q, l, B);
		MulRnT(g, ru, ri, B, l, Q);
		if (!Orthonormalise(Q, ni, l, tau, lqwork))
			return LP_SPECTRAL_FAILED;
	}
	if (progress && !progress(arg, steps - 1, steps))
		return LP_SPECTRAL_STOPPED;

	/* Rayleigh-Ritz: eigenvectors of (Rn Q)^T (Rn Q), largest first */
	MulRn(g, ru, ri, Q, l, B);
	cblas_ssyrk(CblasRowMajor, CblasUpper, CblasTrans, l, nu, 1.0f, B, l, 0.0f, Y, l);
	for (int a = 0; a < l; a++)
		for (int b = 0; b < l; b++)
			C[(Size) a * l + b] = a <= b ? Y[(Size) a * l + b] : Y[(Size) b * l + a];
	{
		/* row-major upper = column-major lower of the same symmetric matrix */
		int			lw = ldwork,
					liw = liwork;

		dsyevd_("V", "L", &n, C, &n, eval, dwork, &lw, iwork, &liw, &info, 1, 1);
	}
	if (info != 0)
		return LP_SPECTRAL_FAILED;
	/* column k of C (column-major) is eigenvector k, ascending: Z[j][c] = vector l-1-c */
	for (int j = 0; j < l; j++)
		for (int c = 0; c < dim; c++)
			Z[(Size) j * dim + c] = (float) C[(Size) (l - 1 - c) * l + j];
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, ni, dim, l, 1.0f, Q, l, Z, dim,
				0.0f, Y, dim);		/* Y now holds the dim top vectors, ni x dim */
	if (progress && !progress(arg, steps, steps))
		return LP_SPECTRAL_STOPPED;

	/* a non-finite value here would only make every score NaN: say so */
	for (Size k = 0; k < (Size) ni * dim; k++)
		if (!isfinite(Y[k]))
			return LP_SPECTRAL_FAILED;

	/* V[i] = d_i^1/2 Q[i]; U[u] = alpha * sum_j d_j^-1/2 Q[j] */
	for (int32 u = 0; u < nu; u++)
	{
		float	   *out = U + (int64) u * dim;

		memset(out, 0, sizeof(float) * dim);
		for (int64 e = g->offsets[u]; e < g->offsets[u + 1]; e++)
		{
			int32		i = g->targets[e];
			const float *q = Y + (int64) i * dim;
			float		w = lowrank_weight / sqrtf((float) g->dst_degree[i]);

			for (int c = 0; c < dim; c++)
				out[c] += w * q[c];
		}
	}
	for (int32 i = 0; i < ni; i++)
	{
		float		s = sqrtf((float) g->dst_degree[i]);
		const float *q = Y + (int64) i * dim;
		float	   *out = V + (int64) i * dim;

		for (int c = 0; c < dim; c++)
			out[c] = s * q[c];
	}
	return LP_SPECTRAL_OK;
}

void
LpSpectralFoldIn(const float *V, const int32 *ideg, int dim, const int32 *items, int n,
				 float lowrank_weight, float *u)
{
	memset(u, 0, sizeof(float) * dim);
	for (int k = 0; k < n; k++)
	{
		int32		j = items[k];
		const float *v = V + (int64) j * dim;
		float		w;

		if (ideg[j] <= 0)
			continue;
		w = lowrank_weight / (float) ideg[j];
		for (int c = 0; c < dim; c++)
			u[c] += w * v[c];
	}
}

void
LpSpectralItemAll(const LpHeurGraph *g, const int32 *items, int n, float item_norm, float *s,
				  float *acc)
{
	for (int k = 0; k < n; k++)
	{
		int32		j = items[k];
		int64		jd = g->i_off[j + 1] - g->i_off[j];
		float		wj;

		if (jd == 0)
			continue;
		wj = 1.0f / sqrtf((float) jd);
		for (int64 a = g->i_off[j]; a < g->i_off[j + 1]; a++)
		{
			int32		w = g->i_adj[a];
			float		ww = wj / (float) (g->u_off[w + 1] - g->u_off[w]);

			for (int64 b = g->u_off[w]; b < g->u_off[w + 1]; b++)
				acc[g->u_adj[b]] += ww;
		}
	}
	for (int32 i = 0; i < g->n_items; i++)
	{
		if (acc[i] != 0.0f)
		{
			s[i] += acc[i] * powf((float) (g->i_off[i + 1] - g->i_off[i]), -item_norm);
			acc[i] = 0.0f;
		}
	}
}

double
LpSpectralItemPair(const LpHeurGraph *g, const int32 *items, int n, int32 v, float item_norm)
{
	double		total = 0;
	int64		vd;

	if (v < 0)
		return 0;
	vd = g->i_off[v + 1] - g->i_off[v];
	if (vd == 0)
		return 0;
	for (int k = 0; k < n; k++)
	{
		int32		j = items[k];
		int64		a = g->i_off[j],
					ae = g->i_off[j + 1],
					b = g->i_off[v],
					be = g->i_off[v + 1];
		double		sum = 0;

		if (ae == a)
			continue;
		/* users of both j and v: a merge of two sorted lists */
		while (a < ae && b < be)
		{
			int32		x = g->i_adj[a],
						y = g->i_adj[b];

			if (x < y)
				a++;
			else if (y < x)
				b++;
			else
			{
				sum += 1.0 / (double) (g->u_off[x + 1] - g->u_off[x]);
				a++;
				b++;
			}
		}
		total += sum / sqrt((double) (g->i_off[j + 1] - g->i_off[j]));
	}
	return total * pow((double) vd, -item_norm);
}
