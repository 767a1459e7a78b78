/*
 * vec.h: the dot product every scorer shares, training and serving alike,
 * so that a score computed in one place is bit for bit the score computed
 * in another; and its gradient, which the LightGCN and GraphSAGE trainers
 * spread onto their rows alike.
 */
#ifndef LINKPRED_VEC_H
#define LINKPRED_VEC_H

#include "postgres.h"

/* a . b over dim floats, summed in order */
static inline float
LpDot(const float *a, const float *b, int dim)
{
	float		s = 0;

	for (int d = 0; d < dim; d++)
		s += a[d] * b[d];
	return s;
}

/* y += a x over dim floats */
static inline void
LpAxpy(float a, const float *x, float *y, int dim)
{
	for (int d = 0; d < dim; d++)
		y[d] += a * x[d];
}

/* a gradient gr on the score pu . pi onto the rows' gradients: gu += gr pi, gi += gr pu */
static inline void
LpDotGrad(float gr, const float *pu, const float *pi, float *gu, float *gi, int dim)
{
	LpAxpy(gr, pi, gu, dim);
	LpAxpy(gr, pu, gi, dim);
}

/*
 * A gradient gr on pu . pi - pu . pj (a pairwise loss) onto the rows'
 * gradients, in this order: gu += gr pi, gu -= gr pj, gi += gr pu,
 * gj -= gr pu.
 */
static inline void
LpPairDotGrad(float gr, const float *pu, const float *pi, const float *pj, float *gu, float *gi,
			  float *gj, int dim)
{
	LpAxpy(gr, pi, gu, dim);
	LpAxpy(-gr, pj, gu, dim);
	LpAxpy(gr, pu, gi, dim);
	LpAxpy(-gr, pu, gj, dim);
}

#endif
