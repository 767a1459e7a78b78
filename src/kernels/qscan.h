/*
 * qscan.h: item vectors in 8 bits, for an exact top-k that reads a quarter
 * of the memory of the float scan.
 *
 * A top-k over a catalog without an approximate index scores every item:
 * one pass over n x dim floats, which at dim 512 and 41k items is 84 MB
 * read from memory on each call.  Here every item's vector is kept a second
 * time as 8-bit codes with one scale (V[i] ~ scale[i] * codes[i]), and the
 * query too (q ~ t * p).  The integer dot products give each item an
 * approximate score and a bound on how far the float score LpDot(q, V[i])
 * can be from it:
 *
 *   |q . V[i] - t scale[i] (p . codes[i])|
 *       <= t/2 (scale[i] |p|_1 + |V[i]|_1)
 *
 * (each coordinate of q and of V[i] is within half a step of its code),
 * plus the rounding of LpDot's float sum (dim x 2^-23 x |q|_inf |V[i]|_1 at
 * most) and of the approximation's own arithmetic.  A caller that wants the
 * k best items then needs exact scores only for the items whose upper bound
 * reaches the k-th best lower bound: every item that can be among the k
 * best is among them (ranking.c).
 *
 * Pure C: no palloc, no ereport.  The scan needs AVX2 (LpQuantUsable); the
 * portable kernel gives the same integers and is there for the tests.
 */
#ifndef LINKPRED_QSCAN_H
#define LINKPRED_QSCAN_H

#include "postgres.h"

/* the widest vectors: linkpred's largest dim */
#define LP_QSCAN_MAX_DIM 1024
/* items a scan's integer dots are kept for at a time (16 kB) */
#define LP_QSCAN_CHUNK 4096

typedef struct LpQuantItems
{
	int32		n;
	int			dim;
	int			stride;			/* bytes a row: dim rounded up to 32, zero padded */
	int8	   *codes;			/* n x stride */
	float	   *scale;			/* V[i] ~ scale[i] * codes[i] */
	float	   *l1;				/* |V[i]|_1 */
} LpQuantItems;

/* whether this CPU runs the fast scan (AVX2); asked once */
extern bool LpQuantUsable(void);

/* the bytes LpQuantItemsBuild lays out */
extern Size LpQuantItemsSize(int32 n, int dim);

/*
 * The codes of V (n x dim floats) into mem (LpQuantItemsSize bytes), *qi
 * pointing into it.  False when V holds a value that is not finite (the
 * caller then keeps the float scan).
 */
extern bool LpQuantItemsBuild(const float *V, int32 n, int dim, void *mem, LpQuantItems *qi);

/*
 * For query q (dim floats) with bias bu, items with biases bv (NULL: none):
 * approx[i] and bound[i] for every item, with
 * |LpDot(q, V[i]) + (bu + bv[i]) - approx[i]| <= bound[i].  False (nothing
 * written) when q holds a value that is not finite.  simd: the AVX2 kernel
 * (LpQuantUsable must be true), else the portable one; both give the same
 * results.
 */
extern bool LpQuantScores(const LpQuantItems *qi, const float *q, float bu, const float *bv,
						  bool simd, float *approx, float *bound);

#endif
