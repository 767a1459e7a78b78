/*
 * dotblock.h: the dot products of a block of users with every item, each
 * summed in a fixed order (dotblock.c).
 *
 * Evaluation, the job's closing evaluation, tune's trials and the batch
 * top-k of a model without an 8-bit copy score whole rows: nb users against
 * n_items items.  A BLAS sgemm would round a row differently with its place
 * in the block on some CPUs (OpenBLAS's AVX-512 kernels), so a user's
 * scores would change with the users batched beside it, and a sliced
 * materialize would differ from a one-node one.  Here each score is
 *
 *   s = 0; for d = 0 .. dim-1: s = s + u[d] * v[d]
 *
 * rounded after each product and each sum, as a plain C loop computes it
 * (no fused multiply-add): the same bits whichever users share the block,
 * and the same as the pair score's loop (metrics.c, EmbPair).  An AVX2
 * kernel computes tiles of 4 users x 16 items in registers, each element in
 * that same order, where the CPU has AVX2; the portable loop otherwise.
 * Pure C: no PostgreSQL calls.
 */
#ifndef LINKPRED_DOTBLOCK_H
#define LINKPRED_DOTBLOCK_H

#include "postgres.h"

/* items laid out at a time in the scratch */
#define LP_DOT_CHUNK 1024

/*
 * out[b * n_items + i] = U[users[b]] . V[i] for b < nb, i < n_items, U and
 * V row-major with dim floats a row.  scratch holds LP_DOT_CHUNK * dim
 * floats.  simd: the AVX2 kernel where the CPU runs it (LpCpuHasAvx2,
 * simd.h), else the portable loop; both give the same bits.
 */
extern void LpDotBlock(const float *U, const float *V, int dim, int32 n_items,
					   const int32 *users, int nb, bool simd, float *scratch, float *out);

#endif
