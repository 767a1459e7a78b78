/*
 * head_regress.c: fitting the structural head's weights (LpHeadFit, head.h):
 * the features standardised, then an L2-regularised logistic regression
 * by Newton's method, each step a Cholesky solve.  Deterministic.  The
 * rows come from the training worker (model/headfit.c).
 * Pure C: no PostgreSQL calls.
 */
#include "postgres.h"

#include <math.h>

#include "head.h"

/* solve A x = b (n x n, symmetric positive definite) by Cholesky, in place */
static bool
SolveSpd(double *A, double *b, int n)
{
	for (int j = 0; j < n; j++)
	{
		double		d = A[j * n + j];

		for (int k = 0; k < j; k++)
			d -= A[j * n + k] * A[j * n + k];
		if (d <= 1e-12)
			return false;
		A[j * n + j] = sqrt(d);
		for (int i = j + 1; i < n; i++)
		{
			double		x = A[i * n + j];

			for (int k = 0; k < j; k++)
				x -= A[i * n + k] * A[j * n + k];
			A[i * n + j] = x / A[j * n + j];
		}
	}
	for (int i = 0; i < n; i++)
	{
		for (int k = 0; k < i; k++)
			b[i] -= A[i * n + k] * b[k];
		b[i] /= A[i * n + i];
	}
	for (int i = n - 1; i >= 0; i--)
	{
		for (int k = i + 1; k < n; k++)
			b[i] -= A[k * n + i] * b[k];
		b[i] /= A[i * n + i];
	}
	return true;
}

#define NP (LP_HEAD_NFEAT + 1)

void
LpHeadFit(LpHead *h, const float *X, const float *y, int64 n)
{
	double		w[NP] = {0};
	const double lambda = 1.0;	/* L2 on the weights (not the bias) */

	/* standardisation; a constant feature keeps scale 1 and gets weight 0 */
	for (int k = 0; k < LP_HEAD_NFEAT; k++)
	{
		double		m = 0,
					v = 0;

		for (int64 i = 0; i < n; i++)
			m += X[i * LP_HEAD_NFEAT + k];
		m /= Max(n, 1);
		for (int64 i = 0; i < n; i++)
		{
			double		d = X[i * LP_HEAD_NFEAT + k] - m;

			v += d * d;
		}
		v = sqrt(v / Max(n, 1));
		h->mean[k] = (float) m;
		h->scale[k] = v > 1e-6 ? (float) v : 1.0f;
	}

	/* Newton's method on the regularised log-likelihood */
	for (int iter = 0; iter < 25; iter++)
	{
		double		H[NP * NP] = {0};
		double		gr[NP] = {0};
		double		step = 0;

		for (int64 i = 0; i < n; i++)
		{
			double		z[NP],
						s = w[LP_HEAD_NFEAT],
						p,
						r;

			for (int k = 0; k < LP_HEAD_NFEAT; k++)
			{
				z[k] = (X[i * LP_HEAD_NFEAT + k] - h->mean[k]) / h->scale[k];
				s += w[k] * z[k];
			}
			z[LP_HEAD_NFEAT] = 1.0;
			p = 1.0 / (1.0 + exp(-s));
			r = p * (1 - p);
			for (int a = 0; a < NP; a++)
			{
				gr[a] += (p - y[i]) * z[a];
				for (int b = 0; b <= a; b++)
					H[a * NP + b] += r * z[a] * z[b];
			}
		}
		for (int a = 0; a < NP; a++)
		{
			for (int b = 0; b < a; b++)
				H[b * NP + a] = H[a * NP + b];
			if (a < LP_HEAD_NFEAT)
			{
				gr[a] += lambda * w[a];
				H[a * NP + a] += lambda;
			}
			else
				H[a * NP + a] += 1e-6;
		}
		if (!SolveSpd(H, gr, NP))
			break;
		for (int a = 0; a < NP; a++)
		{
			w[a] -= gr[a];
			step = Max(step, fabs(gr[a]));
		}
		if (step < 1e-6)
			break;
	}
	for (int k = 0; k < LP_HEAD_NFEAT; k++)
		h->w[k] = (float) w[k];
	h->b = (float) w[LP_HEAD_NFEAT];
}
