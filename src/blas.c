/*
 * blas.c: how many threads OpenBLAS runs in this process.  Query backends
 * run it single-threaded; the training worker gives it every core for a
 * BLAS-heavy phase (the spectral fit, the top-k index build) and sets it
 * back to one before anything else runs.
 */
#include "postgres.h"

#include <cblas.h>

#include "linkpred.h"

void
LpSetBlasThreads(int n)
{
	openblas_set_num_threads(n);
}

int
LpBlasCores(void)
{
	return Max(openblas_get_num_procs(), 1);
}
