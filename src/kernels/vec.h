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

/*
 * a . b over dim floats in 8 partial sums (lane d % 8), added pairwise at
 * the end: the same result on every run, not the same bits as LpDot.  The
 * 8 sums are independent chains, so the adds overlap where LpDot's one
 * chain waits for each; the shared-negative step (train.c) uses it, every
 * other path keeps LpDot.
 */
static inline float
LpDot8(const float *a, const float *b, int dim)
{
	float		s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
	int			d = 0;

	for (; d + 8 <= dim; d += 8)
		for (int l = 0; l < 8; l++)
			s[l] += a[d + l] * b[d + l];
	for (; d < dim; d++)
		s[d & 7] += a[d] * b[d];
	return ((s[0] + s[4]) + (s[1] + s[5])) + ((s[2] + s[6]) + (s[3] + s[7]));
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
