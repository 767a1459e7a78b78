/*
 * metrics.h: link-prediction and ranking metrics (pure C).  The SQL
 * function that runs them on a user's test relation is linkpred_evaluate
 * (serve/evaluate.c).
 *
 * One routine measures any scorer (the trained model, a heuristic) on a set
 * of test pairs, the way the literature does:
 *
 *  - AUC.  With labelled pairs: P(score of a positive > score of a
 *    negative), ties counting one half, over all positive/negative pairs.
 *    Without labels: each positive (u, v) against one non-edge (u, j), j
 *    drawn uniformly from the items u has neither in training nor in the
 *    test set; the share of wins, ties one half.
 *  - Ranking, per test user with at least one positive: every item the
 *    user did not have in training is ranked (in a homogeneous graph the
 *    user itself is left out too); Recall@K, NDCG@K (binary relevance, ideal
 *    DCG over min(|relevant|, K)), Hits@K (at least one relevant item in the
 *    top K) and MRR (1 / rank of the best-ranked relevant item), averaged
 *    over test users.  Relevant = the user's positive test items.
 *
 * Unknown nodes (index -1: no edge in the training graph) are scored as
 * nodes with no history: the scorer's pair function receives -1 and must
 * give the natural value (a heuristic: 0; the dot-product model: a zero
 * vector and zero bias), so such pairs mostly tie, as in the SEAL protocol
 * where every node exists.  A test user unknown to the model counts with
 * zero ranking metrics; an unknown relevant item counts in the user's
 * relevant set but can never be ranked.
 */
#ifndef LINKPRED_EVAL_H
#define LINKPRED_EVAL_H

#include "postgres.h"

#include "dotblock.h"

#define LP_EVAL_MAX_K 16

/* What the model saw in training, per user: excluded from rankings. */
typedef struct LpEvalTrainView
{
	int32		n_users;
	int32		n_items;
	bool		homogeneous;
	const int64 *seen_start;
	const int32 *seen_len;
	const int32 *seen;			/* each user's run sorted ascending */
	const int32 *ideg;			/* item popularity, for tie-breaks; may be NULL */
} LpEvalTrainView;

typedef struct LpEvalScorer
{
	void	   *arg;
	/* score of one pair; either index may be -1 (unknown node) */
	double		(*pair) (void *arg, int32 u, int32 v);
	/* scores of every item for users[0 .. nb-1], row after row into out */
	void		(*block) (void *arg, const int32 *users, int nb, float *out);
	int			block_size;		/* most users per block call (>= 1) */
} LpEvalScorer;

typedef struct LpEvalPairs
{
	int64		n;
	const int32 *u;				/* -1 = unknown to the model */
	const int32 *v;
	const int8 *label;			/* 1 / 0, or NULL: every pair is a positive */
	int64		unknown_users;	/* distinct test users (with a positive) unknown to the model */
} LpEvalPairs;

typedef struct LpEvalResult
{
	double		auc;
	double		auc_se;			/* its standard error (see LpEvaluate) */
	double		mrr;
	int			nk;
	int			ks[LP_EVAL_MAX_K];
	double		hits[LP_EVAL_MAX_K];
	double		recall[LP_EVAL_MAX_K];
	double		recall_se[LP_EVAL_MAX_K];	/* standard error of the mean over users */
	double		ndcg[LP_EVAL_MAX_K];
	int64		pairs;
	int64		positives;
	int64		users;			/* test users with at least one positive */
	int64		unknown;		/* pairs with a node unknown to the model */
} LpEvalResult;

/*
 * The embedding model as a scorer: s(u, v) = U[u].V[v] + bu[u] + bv[v];
 * a block is summed in a fixed order (LpDotBlock: the same bits as the pair
 * score, whatever the block); vchunk holds LP_EVAL_CHUNK * dim floats.  With mlp
 * set, the MLP decoder (mlp.h) replaces the dot product: a block is one
 * LpMlpScoreAll per user, P its item precompute, mlp_scratch its scratch
 * (LpMlpScoreAllFloats) plus dim floats (an unknown node's zero vector).
 */
#define LP_EVAL_CHUNK LP_DOT_CHUNK

typedef struct LpEvalEmbedding
{
	int			dim;
	int32		n_items;
	const float *U;
	const float *V;
	const float *bu;
	const float *bv;
	float	   *vchunk;		/* LP_EVAL_CHUNK * dim floats */
	const float *mlp;			/* NULL: the dot product */
	int			hidden;
	const float *P;
	float	   *mlp_scratch;
} LpEvalEmbedding;

extern void LpEvalEmbeddingScorer(LpEvalEmbedding *e, int block_size, LpEvalScorer *sc);

/* users per block so that block * n_items floats stay near 64 MB */
extern int	LpEvalBlockSize(int32 n_items);

/* Scratch the caller allocates; sizes in the comments. */
typedef struct LpEvalScratch
{
	int64	   *order;			/* n pairs */
	int64	   *uoff;			/* n_users + 2 */
	float	   *scores;			/* block_size * n_items */
	int32	   *top;			/* max K */
	double	   *pos;			/* n pairs (labelled AUC) */
	double	   *neg;			/* n pairs (labelled AUC) */
	int32	   *users;			/* block_size */
} LpEvalScratch;

/* Called between blocks of users; may leave by longjmp (an ERROR). */
typedef void (*LpEvalProgressFn) (void *arg, int64 users_done, int64 users_total);

/*
 * The figures of a model on test pairs.  Beside each mean, a standard error
 * says how far a figure moves from one draw of test pairs to another, which
 * tuning (tune.c) uses as its noise margin: the error of the mean over
 * users for Recall@K; for the AUC, that of a mean of independent draws
 * (sampled non-edges) or Hanley and McNeil's (labelled pairs).
 */
extern void LpEvaluate(const LpEvalTrainView *view, const LpEvalScorer *scorer,
					   const LpEvalPairs *pairs, int nk, const int *ks, uint64 seed,
					   LpEvalScratch *scratch, LpEvalProgressFn progress, void *arg,
					   LpEvalResult *result);

#endif
