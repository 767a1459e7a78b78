/*
 * mlp.c: the MLP decoder's network (see mlp.h for the model and the
 * weight layout): the weights' start, the score of a pair, of every item
 * for a user, and fold-in, which serving runs for a user unseen in
 * training.  The training is in mlp_train.c.
 *
 * This file never calls PostgreSQL.
 */
#include "postgres.h"

#include <math.h>
#include <string.h>

#include <cblas.h>

#include "mlp.h"

/* items per matrix product in LpMlpScoreAll: a block of Z stays in cache */
#define SCORE_BLOCK 512

Size
LpMlpWeightCount(int dim, int hidden)
{
	return LP_MLP_B2(dim, hidden) + 1;
}

/* a standard normal draw (Box-Muller, one of the pair) */
static float
Normal(LpRng *rng)
{
	float		a = LpRngUniform(rng);
	float		b = LpRngUniform(rng);

	if (a < 1e-7f)
		a = 1e-7f;				/* log(0) would be infinite */
	return sqrtf(-2.0f * logf(a)) * cosf(6.2831853f * b);
}

void
LpMlpInit(float *w, int dim, int hidden, uint64 seed)
{
	const int	in = 3 * dim;
	float		sd = sqrtf(2.0f / in);
	LpRng		rng;

	/* a stream of its own: the embeddings' initialisation uses seed ^ 0x5eed */
	LpRngSeed(&rng, seed ^ UINT64CONST(0x31f));
	memset(w, 0, sizeof(float) * LpMlpWeightCount(dim, hidden));
	for (int k = 0; k < hidden; k++)
	{
		float	   *row = w + (Size) k * in;

		if (k < 2)
		{
			/* relu(x) - relu(-x) = x: units 0 and 1 make the dot product */
			for (int d = 0; d < dim; d++)
				row[2 * dim + d] = k == 0 ? 1.0f : -1.0f;
			w[LP_MLP_W2(dim, hidden) + k] = k == 0 ? 1.0f : -1.0f;
		}
		else
		{
			/* random features (He), read out by a zero weight for now */
			for (int d = 0; d < in; d++)
				row[d] = sd * Normal(&rng);
		}
	}
}

/*
 * One pair, in plain loops: the reference the matrix paths are tested
 * against, and cheap enough for scoring listed pairs (3 dim hidden
 * multiply-adds, no BLAS call overhead, no scratch).
 */
float
LpMlpScore(const float *w, int dim, int hidden, const float *hu, const float *hv)
{
	const int	in = 3 * dim;
	const float *b1 = w + LP_MLP_B1(dim, hidden);
	const float *w2 = w + LP_MLP_W2(dim, hidden);
	float		s = w[LP_MLP_B2(dim, hidden)];

	for (int k = 0; k < hidden; k++)
	{
		const float *row = w + (Size) k * in;
		float		z = b1[k];

		for (int d = 0; d < dim; d++)
			z += row[d] * hu[d] + row[dim + d] * hv[d] + row[2 * dim + d] * (hu[d] * hv[d]);
		s += w2[k] * LpMlpRelu(z);
	}
	return s;
}

void
LpMlpItemPrecompute(const float *w, int dim, int hidden, const float *V, int32 n_items,
					float *P)
{
	/* W1_v is W1's middle block of columns: start dim, row stride 3 dim */
	if (n_items > 0)
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n_items, hidden, dim,
					1.0f, V, dim, w + dim, 3 * dim, 0.0f, P, hidden);
}

Size
LpMlpScoreAllFloats(int dim, int hidden)
{
	return (Size) hidden * dim + hidden + (Size) SCORE_BLOCK * hidden;
}

void
LpMlpScoreAll(const float *w, int dim, int hidden, const float *hu, const float *V,
			  const float *P, int32 n_items, float *scratch, float *out)
{
	const int	in = 3 * dim;
	const float *w2 = w + LP_MLP_W2(dim, hidden);
	const float b2 = w[LP_MLP_B2(dim, hidden)];
	float	   *M = scratch;	/* W1_p diag(hu): hidden x dim */
	float	   *c = M + (Size) hidden * dim;	/* W1_u hu + b1 */
	float	   *Z = c + hidden;

	/*
	 * The user's share of every pre-activation: c = W1_u hu + b1, and the
	 * product block folded into a matrix, so z_i = c + P_i + M V_i.
	 */
	memcpy(c, w + LP_MLP_B1(dim, hidden), sizeof(float) * hidden);
	cblas_sgemv(CblasRowMajor, CblasNoTrans, hidden, dim, 1.0f, w, in, hu, 1, 1.0f, c, 1);
	for (int k = 0; k < hidden; k++)
	{
		const float *wp = w + (Size) k * in + 2 * dim;

		for (int d = 0; d < dim; d++)
			M[(Size) k * dim + d] = wp[d] * hu[d];
	}

	for (int32 i0 = 0; i0 < n_items; i0 += SCORE_BLOCK)
	{
		int32		nb = Min(SCORE_BLOCK, n_items - i0);

		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, nb, hidden, dim,
					1.0f, V + (Size) i0 * dim, dim, M, dim, 0.0f, Z, hidden);
		for (int32 i = 0; i < nb; i++)
		{
			const float *z = Z + (Size) i * hidden;
			const float *p = P + (Size) (i0 + i) * hidden;
			float		s = b2;

			for (int k = 0; k < hidden; k++)
			{
				float		a = z[k] + p[k] + c[k];

				s += w2[k] * LpMlpRelu(a);
			}
			out[i0 + i] = s;
		}
	}
}

/*
 * Fold-in's scratch and its per-pair steps.  One pair at a time, as the
 * steps must be (each moves the vector the next one reads), but through
 * matrix-vector products: scalar loops over W1 took four times as long.
 */
typedef struct Fold
{
	const float *w;
	int			dim;
	int			hidden;
	float	   *x;				/* 3 dim: [u; v; u * v] */
	float	   *g3;				/* 3 dim: W1' delta */
} Fold;

/* the pair's score without biases; delta[k] = d score / d z_k */
static float
FoldScore(const Fold *f, const float *u, const float *v, float *delta)
{
	const int	dim = f->dim;
	const int	hidden = f->hidden;
	const float *w2 = f->w + LP_MLP_W2(dim, hidden);
	float		s = f->w[LP_MLP_B2(dim, hidden)];

	memcpy(f->x, u, sizeof(float) * dim);
	memcpy(f->x + dim, v, sizeof(float) * dim);
	for (int d = 0; d < dim; d++)
		f->x[2 * dim + d] = u[d] * v[d];
	memcpy(delta, f->w + LP_MLP_B1(dim, hidden), sizeof(float) * hidden);
	cblas_sgemv(CblasRowMajor, CblasNoTrans, hidden, 3 * dim, 1.0f, f->w, 3 * dim,
				f->x, 1, 1.0f, delta, 1);
	for (int k = 0; k < hidden; k++)
	{
		s += w2[k] * LpMlpRelu(delta[k]);
		delta[k] = (float) (delta[k] > 0) * w2[k];
	}
	return s;
}

/* gu += a * d score / d u = a (W1_u' delta + (W1_p' delta) * v) */
static void
FoldGradient(const Fold *f, const float *delta, const float *v, float a, float *gu)
{
	const int	dim = f->dim;

	cblas_sgemv(CblasRowMajor, CblasTrans, f->hidden, 3 * dim, a, f->w, 3 * dim,
				delta, 1, 0.0f, f->g3, 1);
	for (int d = 0; d < dim; d++)
		gu[d] += f->g3[d] + f->g3[2 * dim + d] * v[d];
}

Size
LpMlpFoldInFloats(int dim, int hidden)
{
	return 2 * (Size) hidden + 7 * (Size) dim;
}

/*
 * Fold-in takes the trainer's steps for one row: per-pair SGD at the
 * trainer's learning rate and L2, as LpFoldIn does, against the frozen
 * items and decoder.  The user vector starts at zero, where the gradient
 * is W1_u' delta plus W1_p' delta times the item: W1_u moves it even
 * when the product block cannot.
 */
void
LpMlpFoldIn(const float *w, const float *V, const float *bv, int32 n_items, const int32 *items,
			int n, const LpTrainConfig *cfg, int passes, float *work, float *u, float *bu)
{
	const int	dim = cfg->dim;
	const int	hidden = cfg->hidden;
	const bool	pairwise = LpLossPairwise(cfg->loss);
	const bool	bias = cfg->bias && bv != NULL;
	float	   *di = work;
	float	   *dj = di + hidden;
	float	   *gu = dj + hidden;
	Fold		f;
	LpRng		rng;

	f.w = w;
	f.dim = dim;
	f.hidden = hidden;
	f.x = gu + dim;
	f.g3 = f.x + 3 * dim;

	memset(u, 0, sizeof(float) * dim);
	*bu = 0;
	if (n == 0 || n_items <= n)
		return;
	LpRngSeed(&rng, cfg->seed);

	for (int p = 0; p < passes; p++)
	{
		float		lr = LpDecayedLr(cfg, p, passes);
		float		shrink = 1.0f - lr * cfg->reg;

		for (int it = 0; it < n; it++)
		{
			const float *vi = V + (Size) items[it] * dim;
			float		bi = bias ? bv[items[it]] : 0.0f;

			if (!pairwise)
			{
				float		l = 0;
				float		s = FoldScore(&f, u, vi, di) + (bias ? *bu + bi : 0.0f);
				float		gr = LpPointGrad(cfg, s, 1.0f, &l);

				memset(gu, 0, sizeof(float) * dim);
				FoldGradient(&f, di, vi, gr, gu);
				for (int d = 0; d < dim; d++)
					u[d] = shrink * u[d] + lr * gu[d];
				if (bias)
					*bu = shrink * *bu + lr * gr;
			}
			for (int k = 0; k < cfg->negatives; k++)
			{
				int32		j = -1;
				const float *vj;
				float		bj;
				float		l = 0;
				float		gr;

				for (int r = 0; r < LP_MAX_REDRAWS && j < 0; r++)
				{
					int32		cand = (int32) LpRngBelow(&rng, (uint32) n_items);

					if (!LpSortedContains(items, n, cand))
						j = cand;
				}
				if (j < 0)
					continue;
				vj = V + (Size) j * dim;
				bj = bias ? bv[j] : 0.0f;
				memset(gu, 0, sizeof(float) * dim);
				if (!pairwise)
				{
					float		s = FoldScore(&f, u, vj, dj) + (bias ? *bu + bj : 0.0f);

					gr = LpPointGrad(cfg, s, 0.0f, &l);
					FoldGradient(&f, dj, vj, gr, gu);
					if (bias)
						*bu = shrink * *bu + lr * gr;
				}
				else
				{
					float		x = FoldScore(&f, u, vi, di) - FoldScore(&f, u, vj, dj) + bi - bj;

					gr = LpPairGrad(cfg, x, &l);
					FoldGradient(&f, di, vi, gr, gu);
					FoldGradient(&f, dj, vj, -gr, gu);
				}
				for (int d = 0; d < dim; d++)
					u[d] = shrink * u[d] + lr * gu[d];
			}
		}
	}
}
