/*
 * topk.h: choosing the k best of n scored candidates.
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
 * Write the indices of the (at most) k best candidates, best first, into
 * out[0 .. k-1]; returns how many.  deg may be NULL (no popularity tie-break).
 */
extern int	LpSelectTopK(const float *scores, int32 n, const int32 *deg, int k, int32 *out);

#endif
