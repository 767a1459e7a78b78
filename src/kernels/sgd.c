/*
 * sgd.c: the SGD trainers' shared start and optimiser (sgd.h): the
 * embeddings' initial draw and Adam.  No PostgreSQL calls.
 */
#include "postgres.h"

#include <math.h>

#include "rng.h"
#include "sgd.h"

#define ADAM_B1 0.9f
#define ADAM_B2 0.999f
#define ADAM_EPS 1e-8f
/* below this an Adam moment is taken as zero (FLT_MIN is 1.2e-38) */
#define ADAM_FLUSH 1e-30f

void
LpAdam(float *p, const float *g, float *m, float *v, Size n, float lr, int64 t)
{
	float		c1 = 1.0f - powf(ADAM_B1, (float) t),
				c2 = 1.0f - powf(ADAM_B2, (float) t);
	float		step = lr * sqrtf(c2) / c1;

	for (Size i = 0; i < n; i++)
	{
		float		mi = ADAM_B1 * m[i] + (1.0f - ADAM_B1) * g[i];
		float		vi = ADAM_B2 * v[i] + (1.0f - ADAM_B2) * g[i] * g[i];

		/*
		 * The moments of a parameter whose gradient stays zero (a ReLU unit
		 * no pair switches on, a row no batch touches) decay geometrically
		 * into subnormal floats, which cost the FPU a hundred cycles an
		 * operation: zero them first.
		 */
		m[i] = fabsf(mi) < ADAM_FLUSH ? 0.0f : mi;
		v[i] = vi < ADAM_FLUSH ? 0.0f : vi;
		p[i] += step * m[i] / (sqrtf(v[i]) + ADAM_EPS);
	}
}

void
LpInitEmbeddings(LpEmbeddings *emb, int32 n_src, int32 n_dst, bool tied, uint64 seed)
{
	LpRng		rng;
	int64		total = (int64) n_src * emb->dim;

	LpRngSeed(&rng, seed ^ UINT64CONST(0x5eed));
	/* Box-Muller normals, sd 0.1 */
	for (int pass = 0; pass < (tied ? 1 : 2); pass++)
	{
		float	   *m = pass == 0 ? emb->U : emb->V;
		int64		n = pass == 0 ? total : (int64) n_dst * emb->dim;

		for (int64 i = 0; i < n; i += 2)
		{
			/* one draw each: Max() would evaluate the draw twice */
			float		a = LpRngUniform(&rng);
			float		b = LpRngUniform(&rng);
			float		r;

			if (a < 1e-7f)
				a = 1e-7f;		/* log(0) would be infinite */
			r = sqrtf(-2.0f * logf(a)) * 0.1f;

			m[i] = r * cosf(6.2831853f * b);
			if (i + 1 < n)
				m[i + 1] = r * sinf(6.2831853f * b);
		}
	}
	memset(emb->bu, 0, sizeof(float) * n_src);
	if (!tied)
		memset(emb->bv, 0, sizeof(float) * n_dst);
}
