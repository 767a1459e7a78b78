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

	LpRngSeed(&rng, seed ^ UINT64CONST(0x5eed));
	/* U, then V from the same stream */
	LpRngNormals(&rng, emb->U, (int64) n_src * emb->dim, 0.1f);
	if (!tied)
		LpRngNormals(&rng, emb->V, (int64) n_dst * emb->dim, 0.1f);
	memset(emb->bu, 0, sizeof(float) * n_src);
	if (!tied)
		memset(emb->bv, 0, sizeof(float) * n_dst);
}
