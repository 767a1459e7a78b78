/*
 * topk.h: choosing the k best of n scored candidates, and the heap of the
 * k best that does it.
 *
 * Shared by serving (linkpred_topk) and evaluation (ranking metrics), so
 * both rank the same way: higher score first, then higher popularity (the
 * candidate's training degree), then lower index.  Candidates whose score is
 * -infinity are excluded.  Pure C.
 */
#ifndef LINKPRED_TOPK_H
#define LINKPRED_TOPK_H

#include "postgres.h"

/* true if candidate a ranks above candidate b */
static inline bool
LpRanksAbove(const float *s, const int32 *deg, int32 a, int32 b)
{
	if (s[a] != s[b])
		return s[a] > s[b];
	if (deg && deg[a] != deg[b])
		return deg[a] > deg[b];
	return a < b;
}

/*
 * The heap of the k best seen so far, the worst at the root, over elements
 * of any type: above(a, b, ctx) is true if element a ranks above element
 * b, a strict order.  LpSelectTopK keeps candidate indices in one, the
 * approximate index (ann.c) (score, item) pairs.
 */
typedef bool (*LpAboveFn) (const void *a, const void *b, const void *ctx);

#define LP_KBEST_MAX_SIZE 16	/* bytes of an element, at the most */

typedef struct LpKBest
{
	void	   *elems;			/* cap elements of size bytes; elems[0] the worst kept */
	Size		size;
	int			n;				/* elements kept */
	int			cap;
	LpAboveFn	above;
	const void *ctx;
} LpKBest;

/* an empty heap over the caller's array of cap elements */
extern void LpKBestInit(LpKBest *h, void *elems, Size size, int cap, LpAboveFn above,
						const void *ctx);

/* keep a copy of element e if the heap has room or e ranks above its worst; true if kept */
extern bool LpKBestOffer(LpKBest *h, const void *e);

/* the kept elements sorted best first, in place; the heap is spent */
extern void LpKBestSort(LpKBest *h);

/*
 * Write the indices of the (at most) k best candidates, best first, into
 * out[0 .. k-1]; returns how many.  deg may be NULL (no popularity tie-break).
 */
extern int	LpSelectTopK(const float *scores, int32 n, const int32 *deg, int k, int32 *out);

#endif
