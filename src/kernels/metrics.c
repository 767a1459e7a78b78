/*
 * metrics.c: AUC and ranking metrics for any scorer (see metrics.h for the
 * definitions).
 *
 * Ranking scores users in blocks through the scorer's block callback (for
 * embeddings in a fixed summation order, see dotblock.h), then per user excludes
 * the training items, selects the top max(K) with the same ordering as
 * linkpred_topk, and compares them with the user's positive test items,
 * grouped by a counting sort.  No PostgreSQL calls.
 */
#include "postgres.h"

#include <math.h>
#include <stdlib.h>

#include "metrics.h"
#include "mlp.h"
#include "topk.h"
#include "train.h"

#define NEG_TRIES 100

/* an unknown node (-1) has a zero vector and a zero bias */
static double
EmbPair(void *arg, int32 u, int32 v)
{
	const LpEvalEmbedding *e = arg;
	float		s = 0;

	if (e->mlp)
	{
		float	   *zero = e->mlp_scratch + LpMlpScoreAllFloats(e->dim, e->hidden);

		memset(zero, 0, sizeof(float) * e->dim);
		s = LpMlpScore(e->mlp, e->dim, e->hidden, u >= 0 ? e->U + (int64) u * e->dim : zero,
					   v >= 0 ? e->V + (int64) v * e->dim : zero);
	}
	else if (u >= 0 && v >= 0)
	{
		const float *a = e->U + (int64) u * e->dim;
		const float *b = e->V + (int64) v * e->dim;

		for (int d = 0; d < e->dim; d++)
			s += a[d] * b[d];
	}
	return (double) (s + ((u >= 0 ? e->bu[u] : 0) + (v >= 0 ? e->bv[v] : 0)));
}

/* a block of users' scores: out = U[users] . V^T, plus biases */
static void
EmbBlock(void *arg, const int32 *users, int nb, float *out)
{
	LpEvalEmbedding *e = arg;

	if (e->mlp)
		for (int b = 0; b < nb; b++)
			LpMlpScoreAll(e->mlp, e->dim, e->hidden, e->U + (int64) users[b] * e->dim, e->V,
						  e->P, e->n_items, e->mlp_scratch, out + (int64) b * e->n_items);
	else
		LpDotBlock(e->U, e->V, e->dim, e->n_items, users, nb, true, e->vchunk, out);
	for (int b = 0; b < nb; b++)
	{
		float	   *row = out + (int64) b * e->n_items;
		float		bu = e->bu[users[b]];

		for (int32 i = 0; i < e->n_items; i++)
			row[i] += bu + e->bv[i];
	}
}

void
LpEvalEmbeddingScorer(LpEvalEmbedding *e, int block_size, LpEvalScorer *sc)
{
	sc->arg = e;
	sc->pair = EmbPair;
	sc->block = EmbBlock;
	sc->block_size = block_size;
}

int
LpEvalBlockSize(int32 n_items)
{
	return (int) Max(1, Min(256, (16 * 1024 * 1024) / Max(n_items, 1)));
}

static inline bool
IsPositive(const LpEvalPairs *p, int64 i)
{
	return p->label == NULL || p->label[i] == 1;
}

static bool
Seen(const LpEvalTrainView *v, int32 u, int32 j)
{
	return LpSortedContains(v->seen + v->seen_start[u], v->seen_len[u], j);
}


/*
 * Mann-Whitney over all positive/negative pairs, ties one half; *se is its
 * standard error by Hanley and McNeil's approximation (Radiology, 1982).
 */
static double
LabelledAuc(const LpEvalScorer *sc, const LpEvalPairs *p, LpEvalScratch *s, double *se)
{
	int64		np = 0,
				nn = 0,
				j = 0,
				k;
	double		wins = 0,
				a,
				q1,
				q2;

	for (int64 i = 0; i < p->n; i++)
	{
		double		x = sc->pair(sc->arg, p->u[i], p->v[i]);

		if (p->label[i] == 1)
			s->pos[np++] = x;
		else
			s->neg[nn++] = x;
	}
	*se = NAN;
	if (np == 0 || nn == 0)
		return NAN;
	qsort(s->pos, np, sizeof(double), LpCompareDouble);
	qsort(s->neg, nn, sizeof(double), LpCompareDouble);
	/* j = negatives strictly below, k = below or equal */
	k = 0;
	for (int64 i = 0; i < np; i++)
	{
		while (j < nn && s->neg[j] < s->pos[i])
			j++;
		if (k < j)
			k = j;
		while (k < nn && s->neg[k] <= s->pos[i])
			k++;
		wins += j + 0.5 * (k - j);
	}
	a = wins / ((double) np * nn);
	q1 = a / (2 - a);
	q2 = 2 * a * a / (1 + a);
	*se = sqrt(Max(a * (1 - a) + (np - 1) * (q1 - a * a) + (nn - 1) * (q2 - a * a), 0) /
			   ((double) np * nn));
	return a;
}

/*
 * Each positive against one sampled non-edge of its user; *se is the
 * standard error of that mean of independent draws.
 */
static double
SampledAuc(const LpEvalTrainView *view, const LpEvalScorer *sc, const LpEvalPairs *p,
		   const LpEvalScratch *s, uint64 seed, double *se)
{
	LpRng		rng;
	double		wins = 0,
				wins_sq = 0;
	int64		count = 0;

	LpRngSeed(&rng, seed);
	for (int64 i = 0; i < p->n; i++)
	{
		int32		u = p->u[i];
		int32		j = -1;
		double		sp,
					sn;

		if (!IsPositive(p, i))
			continue;
		for (int t = 0; t < NEG_TRIES && j < 0; t++)
		{
			int32		c = (int32) LpRngBelow(&rng, (uint32) view->n_items);
			bool		ok;

			if (u < 0)
			{
				/* an unknown user has no training items; any other item */
				if (c != p->v[i])
					j = c;
				continue;
			}
			ok = !(view->homogeneous && c == u) && !Seen(view, u, c);
			for (int64 q = s->uoff[u]; ok && q < s->uoff[u + 1]; q++)
				if (p->v[s->order[q]] == c)
					ok = false;
			if (ok)
				j = c;
		}
		if (j < 0)
			continue;			/* u is linked to (nearly) every item */
		sp = sc->pair(sc->arg, u, p->v[i]);
		sn = sc->pair(sc->arg, u, j);
		wins += sp > sn ? 1.0 : (sp == sn ? 0.5 : 0.0);
		wins_sq += sp > sn ? 1.0 : (sp == sn ? 0.25 : 0.0);
		count++;
	}
	if (count == 0)
	{
		*se = NAN;
		return NAN;
	}
	*se = sqrt(Max(wins_sq / count - (wins / count) * (wins / count), 0) / count);
	return wins / count;
}

/* Ranking metrics of one user from its score row. */
static void
RankUser(const LpEvalTrainView *view, const LpEvalPairs *p, LpEvalScratch *s,
		 int nk, const int *ks, int kmax, int32 u, float *row, LpEvalResult *r)
{
	int64		first = s->uoff[u],
				last = s->uoff[u + 1];
	int64		nrel = 0;
	int			ntop;
	int32		best = -1;
	int64		rank;

	/* exclusions */
	for (int32 q = 0; q < view->seen_len[u]; q++)
		row[view->seen[view->seen_start[u] + q]] = -INFINITY;
	if (view->homogeneous)
		row[u] = -INFINITY;

	/* relevant items: distinct positives (each unknown item counts once) */
	for (int64 q = first; q < last; q++)
	{
		int32		v = p->v[s->order[q]];
		bool		dup = false;

		for (int64 t = first; t < q && v >= 0; t++)
			if (p->v[s->order[t]] == v)
				dup = true;
		if (dup)
			continue;
		nrel++;
		if (v >= 0 && !(isinf(row[v]) && row[v] < 0) &&
			(best < 0 || LpRanksAbove(row, view->ideg, v, best)))
			best = v;
	}

	ntop = LpSelectTopK(row, view->n_items, view->ideg, kmax, s->top);
	for (int ki = 0; ki < nk; ki++)
	{
		int			k = ks[ki];
		double		dcg = 0,
					idcg = 0;
		int64		hits = 0;

		for (int r2 = 0; r2 < Min(k, ntop); r2++)
		{
			bool		rel = false;

			for (int64 q = first; q < last && !rel; q++)
				rel = (p->v[s->order[q]] == s->top[r2]);
			if (rel)
			{
				hits++;
				dcg += 1.0 / log2(r2 + 2.0);
			}
		}
		for (int r2 = 0; r2 < Min(nrel, k); r2++)
			idcg += 1.0 / log2(r2 + 2.0);
		r->hits[ki] += hits > 0 ? 1.0 : 0.0;
		r->recall[ki] += (double) hits / nrel;
		/* the sum of squares until LpEvaluate turns it into the error */
		r->recall_se[ki] += ((double) hits / nrel) * ((double) hits / nrel);
		r->ndcg[ki] += idcg > 0 ? dcg / idcg : 0.0;
	}

	if (best >= 0)
	{
		rank = 1;
		for (int32 x = 0; x < view->n_items; x++)
			if (x != best && !(isinf(row[x]) && row[x] < 0) &&
				LpRanksAbove(row, view->ideg, x, best))
				rank++;
		r->mrr += 1.0 / rank;
	}
}

void
LpEvaluate(const LpEvalTrainView *view, const LpEvalScorer *sc, const LpEvalPairs *p,
		   int nk, const int *ks, uint64 seed, LpEvalScratch *s,
		   LpEvalProgressFn progress, void *arg, LpEvalResult *r)
{
	int32		n_users = view->n_users;
	int			kmax = 0;
	int64		known_users = 0,
				done = 0;
	int			nb = 0;

	memset(r, 0, sizeof(*r));
	r->nk = Min(nk, LP_EVAL_MAX_K);
	for (int i = 0; i < r->nk; i++)
	{
		r->ks[i] = ks[i];
		kmax = Max(kmax, ks[i]);
	}
	r->pairs = p->n;

	/* group the positives of known users by user (counting sort) */
	memset(s->uoff, 0, sizeof(int64) * ((Size) n_users + 2));
	for (int64 i = 0; i < p->n; i++)
	{
		if (p->u[i] < 0 || p->v[i] < 0)
			r->unknown++;
		if (IsPositive(p, i))
		{
			r->positives++;
			if (p->u[i] >= 0)
				s->uoff[p->u[i] + 2]++;
		}
	}
	for (int32 u = 0; u < n_users; u++)
	{
		if (s->uoff[u + 2] > 0)
			known_users++;
		s->uoff[u + 2] += s->uoff[u + 1];
	}
	for (int64 i = 0; i < p->n; i++)
		if (IsPositive(p, i) && p->u[i] >= 0)
			s->order[s->uoff[p->u[i] + 1]++] = i;
	/* now uoff[u] .. uoff[u + 1] is u's run */

	r->auc = p->label ? LabelledAuc(sc, p, s, &r->auc_se) :
		SampledAuc(view, sc, p, s, seed, &r->auc_se);

	r->users = known_users + p->unknown_users;
	if (r->users == 0 || kmax == 0)
	{
		r->mrr = NAN;			/* no ranking was done */
		return;
	}

	for (int32 u = 0; u <= n_users; u++)
	{
		if (u < n_users && s->uoff[u + 1] > s->uoff[u])
			s->users[nb++] = u;
		if (nb == sc->block_size || (u == n_users && nb > 0))
		{
			sc->block(sc->arg, s->users, nb, s->scores);
			for (int b = 0; b < nb; b++)
				RankUser(view, p, s, r->nk, r->ks, kmax, s->users[b],
						 s->scores + (int64) b * view->n_items, r);
			done += nb;
			nb = 0;
			if (progress)
				progress(arg, done, known_users);
		}
	}

	for (int ki = 0; ki < r->nk; ki++)
	{
		r->hits[ki] /= r->users;
		r->recall[ki] /= r->users;
		r->recall_se[ki] = sqrt(Max(r->recall_se[ki] / r->users - r->recall[ki] * r->recall[ki], 0) /
								r->users);
		r->ndcg[ki] /= r->users;
	}
	r->mrr /= r->users;
}
