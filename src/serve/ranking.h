/*
 * ranking.h: the k best items of a served model, for one user or a batch
 * (serve/ranking.c).  The SQL functions (serve.c, evaluate.c) parse their
 * arguments into these structs and emit the rows; choosing the exact scan
 * or the approximate index, the exclusions and filters, and the order of
 * the rows happen here.  (kernels/topk.h is the heap these use.)
 */
#ifndef LINKPRED_RANKING_H
#define LINKPRED_RANKING_H

#include "postgres.h"

#include "cache.h"

/* the user of a linkpred_topk call */
typedef struct LpRankUser
{
	int32		u;				/* its index in the model, -1 if unknown or NULL */
	bool		fresh;			/* fresh => true: folded in from its current items */
	const float *q;				/* fresh: its vector (m->fold_u) */
	float		bu;				/* fresh: its bias */
	const int32 *current;		/* fresh: its current items, ascending */
	int			n_current;
} LpRankUser;

/* the item arguments of a linkpred_topk call, as model indices */
typedef struct LpRankFilter
{
	const int32 *candidates;	/* only these; NULL: the argument was NULL */
	int			n_candidates;
	int32	   *exclude;		/* never these; NULL: none.  May be reordered. */
	int			n_exclude;
} LpRankFilter;

/*
 * The k best of the score row s (excluded entries are -infinity), best
 * first: their indices in *top and scores in *scores (palloc'd); returns
 * how many.
 */
extern int	LpRankRow(const LpServingModel *m, const float *s, int32 k, int32 **top,
					  float **scores);

/* the same for one user: its score row, masked and filtered, or the index */
extern int	LpRankOne(LpServingModel *m, const LpRankUser *who, bool exclude_seen,
					  LpRankFilter *f, int32 k, int32 **top, float **scores);

/*
 * A batch: for every position pos of uidx[0 .. n_users-1] (a user index, or
 * -1: ranked as a user with no history) with keep NULL or keep[pos], emit
 * is called with that user's n best items top[0 .. n-1] and its score row s
 * (the score of top[r] is s[top[r]]).
 */
typedef void (*LpRankEmit) (void *arg, int pos, int32 u, const int32 *top,
							const float *s, int n);
extern void LpRankMany(LpServingModel *m, const int32 *uidx, const bool *keep, int n_users,
					   int32 k, bool exclude_seen, LpRankEmit emit, void *arg);

/* known user u's score row s: its training items out if exclude_seen, itself out of a homogeneous graph */
extern void LpMaskUser(const LpServingModel *m, int32 u, bool exclude_seen, float *s);

#endif
