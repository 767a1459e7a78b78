/*
 * vec.h: the dot product every scorer shares, training and serving alike,
 * so that a score computed in one place is bit for bit the score computed
 * in another.
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

#endif
