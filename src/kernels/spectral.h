/*
 * spectral.h: the spectral encoder, a closed-form model of a bipartite or an
 * undirected graph.
 *
 * Instead of learning embeddings by sampling, the spectral encoder reads
 * them off the graph itself.  With R the user x item matrix of training
 * edges (1 per edge), d_u and d_i the degrees and
 *
 *     Rn = D_u^-1/2 R D_i^-1/2,
 *
 * the score of user u and item i is the sum of two terms:
 *
 *   low-rank   alpha * sum over j in N(u) of d_j^-1/2 (Q Q^T)[j, i] d_i^1/2,
 *              Q the top `dim` right singular vectors of Rn: propagation
 *              through the graph with every layer mixed in (the limit of
 *              LightGCN's propagation as the layers grow), kept to the
 *              smooth part of the spectrum.  It is a dot product of
 *              embeddings: U[u] = alpha * sum_j d_j^-1/2 Q[j],
 *              V[i] = d_i^1/2 Q[i].
 *   item-item  sum over j in N(u), w in N(j) & N(i) of
 *              d_j^-1/2 * d_w^-1 * d_i^-item_norm:
 *              how strongly i co-occurs with the user's items, a walk
 *              user -> item -> user -> item over the training graph.
 *              With item_norm = 1/2 it is (R Rn^T Rn)[u, i], the linear
 *              filter of GF-CF; a smaller item_norm holds popular items
 *              back less.
 *
 * This is the graph-filter view of collaborative filtering (GF-CF, Shen et
 * al. 2021): no training loop, one truncated SVD.  The SVD is randomised
 * subspace iteration on Rn^T Rn with an LQ (Householder) orthonormalisation
 * per step and a Rayleigh-Ritz step at the end, all OpenBLAS/LAPACK.
 *
 * Serving splits as before: the low-rank term is the embeddings' dot
 * product; the item-item term is a graph walk per user (top-k) or one
 * sorted-list intersection per item of the user (one pair).
 *
 * Pure C: no PostgreSQL calls.  The caller allocates every array.
 */
#ifndef LINKPRED_SPECTRAL_H
#define LINKPRED_SPECTRAL_H

#include "postgres.h"

#include "graph.h"
#include "heuristics.h"

/* dimension when "dim" is not given with "encoder": "spectral" */
/*
 * The default dim: 512 on a bipartite graph (chosen on validation parts of
 * Gowalla and LastFM, bench/spectral_defaults.sh), 256 on an undirected one.
 */
#define LP_SPECTRAL_DEFAULT_DIM_BIPARTITE 512
#define LP_SPECTRAL_DEFAULT_DIM 256
/* columns beyond dim in the iterated subspace, and the iterations */
#define LP_SPECTRAL_OVERSAMPLE 64
#define LP_SPECTRAL_ITERS 4
/* undirected graphs: degree of the Chebyshev filter of each iteration */
#define LP_SPECTRAL_CHEB_DEGREE 10

typedef enum LpSpectralResult
{
	LP_SPECTRAL_OK,
	LP_SPECTRAL_STOPPED,		/* the progress callback said stop */
	LP_SPECTRAL_FAILED			/* LAPACK reported an error, or a value was not finite */
} LpSpectralResult;

/* called between steps (step 1 .. steps); false stops the fit */
typedef bool (*LpSpectralProgressFn) (void *arg, int step, int steps);

/* floats of work space LpSpectralFit needs for g at dimension dim */
extern Size LpSpectralWorkFloats(int32 n_src, int32 n_dst, int dim);

/*
 * Fit the spectral embeddings of g, bipartite or tied: U (n_src x dim) and
 * V (n_dst x dim; the same array as U when tied), row-major;
 * dim <= min(n_src, n_dst).  work holds
 * LpSpectralWorkFloats floats.  Deterministic for a seed (and a BLAS
 * thread count).
 */
extern LpSpectralResult LpSpectralFit(const LpGraph *g, int dim, float lowrank_weight,
									  uint64 seed, float *work, LpSpectralProgressFn progress,
									  void *arg, float *U, float *V);

/*
 * Two standard normal deviates from two uniforms in [0, 1) (Box-Muller);
 * finite for every input, 0 and the largest uniform below 1 included.
 */
extern void LpSpectralGaussian(float u1, float u2, float *out);

/*
 * The user vector of a user with items[0 .. n-1] (any order), exactly as
 * LpSpectralFit computes it: alpha * sum_j V[j] / d_j (ideg = item degrees).
 */
extern void LpSpectralFoldIn(const float *V, const int32 *ideg, int dim, const int32 *items,
							 int n, float lowrank_weight, float *u);

/*
 * Undirected homogeneous graphs (tied: one table).  With A_n =
 * D^-1/2 A D^-1/2 and Q its top `dim` eigenvectors by largest eigenvalue
 * lambda, U[v] = max(lambda, 0) Q[v], so that U[u].U[v] is the rank-dim
 * part of A_n^2: a degree-normalised count of 2-paths over the smooth part
 * of the spectrum, which reaches pairs with no common neighbour.  There is
 * no item-item term; lowrank_weight and item_norm do not apply.
 *
 * The fold-in of a node with neighbours nbrs[0 .. n-1]: (A_n U)[u] / lambda,
 * which is U[u] itself for a trained node whose neighbours did not change.
 * lambda[c] is the norm of U's column c (LpSpectralColumnNorms), since Q's
 * columns have norm 1.
 */
extern void LpSpectralFoldInTied(const float *U, const float *lambda, const int32 *deg, int dim,
								 const int32 *nbrs, int n, float *u);
extern void LpSpectralColumnNorms(const float *U, int32 n, int dim, float *out);

/*
 * The weight of each item of bipartite g as the item-item term's target,
 * d_i^-item_norm (0 for an item without users), n_items floats from alloc
 */
extern float *LpSpectralItemWeights(const LpHeurGraph *g, float item_norm,
									void *(*alloc) (Size));

/* LpSpectralItemAll's scratch: the floats zeroed, and zeroed again on return */
typedef struct LpItemTermScratch
{
	float	   *acc;			/* n_items floats */
	float	   *cx;				/* n_users floats */
	int32	   *xs;				/* n_users */
} LpItemTermScratch;

/*
 * The item-item term of a user with items[0 .. n-1] (sorted or not, distinct)
 * on bipartite graph g, added to s[0 .. n_items-1]; iw from
 * LpSpectralItemWeights.
 */
extern void LpSpectralItemAll(const LpHeurGraph *g, const int32 *items, int n,
							  const float *iw, float *s, const LpItemTermScratch *sc);

/*
 * The item-item term of one pair: the user's items[0 .. n-1], distinct,
 * and item v; iw as above; mark is Max(n_users, n_items) zeroed bytes of
 * scratch, zeroed again on return
 */
extern double LpSpectralItemPair(const LpHeurGraph *g, const int32 *items, int n, int32 v,
								 const float *iw, uint8 *mark);

#endif
