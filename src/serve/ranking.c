/*
 * ranking.c: top-k serving, for one user (linkpred_topk) and for a batch
 * (linkpred_topk_many); the SQL functions are in serve.c.
 *
 * topk(u, k) scores every item, drops the items u had in training (and u
 * itself in a homogeneous graph) unless exclude_seen is false, keeps only
 * the candidates (if given), drops the excluded items, and keeps the k
 * best in a heap (kernels/topk.c).  Every item is scored from the 8-bit
 * copy of the item vectors (kernels/qscan.h), which reads a quarter of
 * the memory, with a bound on each score's error; the items whose bound
 * reaches the k-th best are then scored exactly (KeepRankable), so the k
 * best are those of the float scores.  Models the copy does not serve
 * (another decoder than the dot product, a structural head, no AVX2)
 * score every item with one BLAS matrix-vector product instead.  The
 * filters apply before the k best are chosen, so a call returns k rows
 * whenever k items qualify.  Ties break by training popularity, then by
 * index, so results are deterministic.  A user the model does not know
 * (new since training, or NULL) is scored as a user with no history: items
 * rank by their learnt bias, then popularity.
 *
 * Large catalogs: a version trained with at least linkpred.ann_min_items
 * items has an approximate index (kernels/ann.h).  A known or fresh user
 * is answered from it when the serving session's linkpred.ann_min_items
 * allows, probing linkpred.ann_probes lists; the exclusions become the
 * search's filter, so k rows still come back when k items qualify, and the
 * rows are scored and ordered as the exact path does.  A candidate list,
 * the batch, materialize and evaluation stay exact.
 *
 * The batch scores a block of users through metrics.h's scorer (with the
 * model's decoder over it), whose sums do not depend on the block: a user's
 * rows are the same bits whichever users share its block, so slices of a
 * batch equal the whole.  The single call's BLAS product may round the last
 * bit of a score differently from either; so both re-score the k items
 * they keep exactly as linkpred_score scores a pair (LpModelEmbScore, then
 * the head or the item-item term) and order them by those scores
 * (ExactRanked): every path returns linkpred_score's value for a pair.
 */
#include "postgres.h"

#include <math.h>

#include "miscadmin.h"

#include "ann.h"
#include "graph.h"
#include "linkpred.h"
#include "metrics.h"
#include "qscan.h"
#include "ranking.h"
#include "topk.h"

/*
 * The largest k the index serves.  Its exact re-rank scores 20 candidates
 * per result, so a larger k would score a good part of the catalog anyway:
 * such calls use the exact scan.
 */
#define LP_ANN_MAX_K 1000

int
LpRankRow(const LpServingModel *m, const float *s, int32 k, int32 **top, float **scores)
{
	int			n;

	k = Min(k, m->n_items);
	*top = palloc(sizeof(int32) * Max(k, 1));
	*scores = palloc(sizeof(float) * Max(k, 1));
	n = LpSelectTopK(s, m->n_items, m->ideg, k, *top);
	for (int i = 0; i < n; i++)
		(*scores)[i] = s[(*top)[i]];
	return n;
}

/*
 * The n ranked items top[] of a user re-scored as linkpred_score scores
 * them, into sc[] (the order of top), then top and sc put in order by
 * those scores with the ranking's tie-breaks (popularity, then index).
 * The user: u with its own vector, or with fresh its folded-in vector q,
 * bias bu and current items.  A block product sums in another order than
 * LpDot, a few units in the last place apart, so two items that close may
 * swap; nothing else moves.  (LpSelectTopK never ranks an excluded item,
 * at -infinity, so every item here has a score.)
 */
static void
ExactRanked(LpServingModel *m, const LpRankUser *who, int32 *top, float *sc, int n)
{
	int32		u = who->u;
	int32	   *items,
			   *deg,
			   *order;
	float	   *exact;

	if (n == 0 || (!who->fresh && u < 0))
		return;
	/* in ascending item order, the last tie-break */
	items = palloc(sizeof(int32) * n);
	memcpy(items, top, sizeof(int32) * n);
	qsort(items, n, sizeof(int32), LpCompareInt32);
	exact = palloc(sizeof(float) * n);
	deg = palloc(sizeof(int32) * n);
	order = palloc(sizeof(int32) * n);
	for (int j = 0; j < n; j++)
	{
		int32		v = items[j];

		if (who->fresh)
			exact[j] = LpModelPairScoreItems(m, u, who->current, who->n_current, v,
											 LpModelEmbScore(m, who->q, who->bu, v));
		else
			exact[j] = LpModelPairScore(m, u, v,
										LpModelEmbScore(m, m->U + (int64) u * m->dim, m->bu[u], v));
		deg[j] = m->ideg[v];
	}
	n = LpSelectTopK(exact, n, deg, n, order);
	for (int j = 0; j < n; j++)
	{
		top[j] = items[order[j]];
		sc[j] = exact[order[j]];
	}
	pfree(items);
	pfree(exact);
	pfree(deg);
	pfree(order);
}

void
LpMaskUser(const LpServingModel *m, int32 u, bool exclude_seen, float *s)
{
	if (exclude_seen)
		for (int32 j = 0; j < m->seen_len[u]; j++)
			s[m->seen[m->seen_start[u] + j]] = -INFINITY;
	if (m->homogeneous)
		s[u] = -INFINITY;
}

/* the candidates (if given) alone remain in s, then the excluded items go */
static void
ApplyItemFilters(const LpServingModel *m, const LpRankFilter *f, float *s)
{
	if (f->candidates != NULL)
	{
		float	   *keep = palloc(sizeof(float) * Max(f->n_candidates, 1));

		for (int i = 0; i < f->n_candidates; i++)
			keep[i] = s[f->candidates[i]];
		for (int32 i = 0; i < m->n_items; i++)
			s[i] = -INFINITY;
		for (int i = 0; i < f->n_candidates; i++)
			s[f->candidates[i]] = keep[i];
	}
	for (int i = 0; i < f->n_exclude; i++)
		s[f->exclude[i]] = -INFINITY;
}

/* what an index search leaves out: ascending item lists and one node */
typedef struct AnnFilter
{
	const int32 *seen;			/* the user's items (training or fresh), or NULL */
	int32		n_seen;
	const int32 *exclude;		/* the exclude argument's items */
	int32		n_exclude;
	int32		self;			/* u itself in a homogeneous graph, else -1 */
} AnnFilter;

/* the search's filter: called for the few items that could enter its top */
static bool
AnnAccept(int32 item, void *arg)
{
	const AnnFilter *f = arg;

	return item != f->self && !LpSortedContains(f->seen, f->n_seen, item) &&
		!LpSortedContains(f->exclude, f->n_exclude, item);
}

/*
 * Whether the approximate index answers: the version has one (never with a
 * structural head: see pipeline.c), its catalog has at least this
 * session's linkpred.ann_min_items items (0: never), k is at most
 * LP_ANN_MAX_K, no candidate list was given (a list is scored exactly at
 * the cost of its length) and the CPU has AVX2: the portable scan is no
 * faster than the exact one.
 */
static bool
UseIndex(const LpServingModel *m, const LpRankFilter *f, int32 k)
{
	static int	simd = -1;

	if (m->ann == NULL || m->has_head || f->candidates != NULL || k > LP_ANN_MAX_K ||
		linkpred_ann_min_items <= 0 || m->n_items < linkpred_ann_min_items)
		return false;
	if (simd < 0)
		simd = LpAnnUseSimd(true) ? 1 : 0;
	return simd == 1;
}

/*
 * The k best from the index for user vector q with bias bu: items not in
 * seen (ascending), not in f's exclusions and not self.  Items the filter
 * rejects do not count towards k, so k rows come back whenever k items
 * qualify.  The search ranks by its own exact q . V[i] + bv[i]; the rows
 * get linkpred_score's arithmetic (so a row's score equals linkpred_score
 * of its pair) and the exact path's order (score, then popularity, then
 * index).
 */
static int
TopKFromIndex(LpServingModel *m, const float *q, float bu, const int32 *seen, int32 n_seen,
			  int32 self, LpRankFilter *f, int32 k, int32 **top, float **top_scores)
{
	AnnFilter	af;
	LpAnnScratch *scratch;
	int32	   *items,
			   *order,
			   *deg,
			   *ranked;
	float	   *scores,
			   *ranked_scores;
	int			n;

	af.seen = seen;
	af.n_seen = n_seen;
	af.exclude = NULL;
	af.n_exclude = 0;
	af.self = m->homogeneous ? self : -1;
	if (f->exclude != NULL)
	{
		qsort(f->exclude, f->n_exclude, sizeof(int32), LpCompareInt32);
		af.exclude = f->exclude;
		af.n_exclude = f->n_exclude;
	}

	k = Min(k, m->n_items);
	scratch = LpModelAnnScratch(m, k);
	items = palloc(sizeof(int32) * k);
	if (m->items_lazy)
	{
		/* the candidates' vectors read before the re-rank scores them */
		int32	   *cand = palloc(sizeof(int32) * Max(LpAnnCandidateCount(m->ann, k), 1));

		n = LpAnnCandidates(m->ann, q, k, linkpred_ann_probes, AnnAccept, &af, cand, scratch);
		if (n > 0)
		{
			LpCacheItemVectors(m, cand, n);
			n = LpAnnRerank(m->ann, m->V, m->bv, q, k, items, NULL, scratch);
		}
		pfree(cand);
	}
	else
		n = LpAnnSearch(m->ann, m->V, m->bv, q, k, linkpred_ann_probes, AnnAccept, &af, items,
						NULL, scratch);
	if (n < 0)
		elog(ERROR, "linkpred: search memory of model \"%s\" does not fit its top-k index",
			 m->name);

	/* in ascending item order, so that LpSelectTopK's last tie-break is the index */
	qsort(items, n, sizeof(int32), LpCompareInt32);
	scores = palloc(sizeof(float) * Max(n, 1));
	deg = palloc(sizeof(int32) * Max(n, 1));
	for (int j = 0; j < n; j++)
	{
		scores[j] = LpModelEmbScore(m, q, bu, items[j]);
		deg[j] = m->ideg[items[j]];
	}
	order = palloc(sizeof(int32) * Max(n, 1));
	n = LpSelectTopK(scores, n, deg, n, order);
	ranked = palloc(sizeof(int32) * Max(n, 1));
	ranked_scores = palloc(sizeof(float) * Max(n, 1));
	for (int j = 0; j < n; j++)
	{
		ranked[j] = items[order[j]];
		ranked_scores[j] = scores[order[j]];
	}
	*top = ranked;
	*top_scores = ranked_scores;
	return n;
}

/* the 8-bit scan's scores of every item and their bounds (qscan.h) */
typedef struct Bounded
{
	float	   *approx;			/* NULL: s holds the float scan's scores */
	float	   *bound;
} Bounded;

/*
 * The embedding scores of query q (bias bu) into s: from the 8-bit codes
 * where the model has them, with bd set, else the float scan.
 */
static void
EmbScores(LpServingModel *m, const float *q, float bu, float *s, Bounded *bd)
{
	const LpQuantItems *qi = LpModelQuantItems(m);

	bd->approx = NULL;
	if (qi != NULL)
	{
		float	   *a = m->quant_scratch;
		float	   *b = m->quant_scratch + m->n_items;

		if (LpQuantScores(qi, q, true, a, b))
		{
			for (int32 i = 0; i < m->n_items; i++)
			{
				/* the biases added as LpModelEmbScore adds them */
				a[i] = a[i] + (bu + m->bv[i]);
				s[i] = a[i];
			}
			bd->approx = a;
			bd->bound = b;
			return;
		}
	}
	LpModelEmbScoresAll(m, q, bu, s);
}

/* sift x into the min-heap h of n < cap entries, or over its least once full */
static int
HeapOffer(float *h, int n, int cap, float x)
{
	int			i;

	if (n == cap)
	{
		if (x <= h[0])
			return n;
		/* replace the least: sift down from the root */
		i = 0;
		for (;;)
		{
			int			c = 2 * i + 1;

			if (c >= n)
				break;
			if (c + 1 < n && h[c + 1] < h[c])
				c++;
			if (h[c] >= x)
				break;
			h[i] = h[c];
			i = c;
		}
		h[i] = x;
		return n;
	}
	i = n++;
	while (i > 0 && h[(i - 1) / 2] > x)
	{
		h[i] = h[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	h[i] = x;
	return n;
}

/*
 * s holds the 8-bit scores with the decoder's terms added and the filters'
 * -infinity; keep the items that can be among the k best, with the float
 * score each would have had (LpModelEmbScore's, plus the same terms), and
 * set the rest to -infinity.  An item can be among them when its upper
 * bound reaches the k-th best lower bound.  Should the bounds leave more
 * than an eighth of the catalog, one float scan scores them all instead.
 */
static void
KeepRankable(LpServingModel *m, const float *q, float bu, const Bounded *bd, int32 k, float *s)
{
	int32		n = m->n_items;
	float	   *w = bd->bound;
	float	   *heap;
	int			nh = 0;
	float		theta;
	int32		kept = 0;

	if (k <= 0)
		return;
	heap = palloc(sizeof(float) * Min(k, n));
	for (int32 i = 0; i < n; i++)
	{
		if (s[i] == -INFINITY)
			continue;
		/* room for the rounding of the two float additions since the scan */
		w[i] += 4.8e-7f * (fabsf(s[i]) + fabsf(bd->approx[i]));
		nh = HeapOffer(heap, nh, Min(k, n), s[i] - w[i]);
	}
	theta = nh < Min(k, n) ? -INFINITY : heap[0];
	pfree(heap);
	for (int32 i = 0; i < n; i++)
		if (s[i] != -INFINITY && s[i] + w[i] >= theta)
			kept++;
	if (kept > n / 8)
	{
		float	   *e = palloc(sizeof(float) * n);

		LpModelEmbScoresAll(m, q, bu, e);
		for (int32 i = 0; i < n; i++)
			if (s[i] != -INFINITY)
				s[i] = (s[i] - bd->approx[i]) + e[i];
		pfree(e);
		return;
	}
	for (int32 i = 0; i < n; i++)
	{
		if (s[i] == -INFINITY)
			continue;
		if (s[i] + w[i] >= theta)
			s[i] = (s[i] - bd->approx[i]) + LpModelEmbScore(m, q, bu, i);
		else
			s[i] = -INFINITY;
	}
}

int
LpRankOne(LpServingModel *m, const LpRankUser *who, bool exclude_seen, LpRankFilter *f,
		  int32 k, int32 **top, float **scores)
{
	int32		u = who->u;
	float	   *s = m->scratch;
	const float *q = NULL;
	float		bu = 0;
	Bounded		bd = {NULL, NULL};

	if (who->fresh)
	{
		q = who->q;
		bu = who->bu;
		if (UseIndex(m, f, k))
			return TopKFromIndex(m, who->q, who->bu, exclude_seen ? who->current : NULL,
								 exclude_seen ? who->n_current : 0, u, f, k, top, scores);
		EmbScores(m, q, bu, s, &bd);
		LpModelDecode(m, u, who->current, who->n_current, s);
		if (exclude_seen)
			for (int j = 0; j < who->n_current; j++)
				s[who->current[j]] = -INFINITY;
		if (m->homogeneous && u >= 0)
			s[u] = -INFINITY;
	}
	else if (u >= 0)
	{
		if (UseIndex(m, f, k))
			return TopKFromIndex(m, m->U + (int64) u * m->dim, m->bu[u],
								 exclude_seen ? m->seen + m->seen_start[u] : NULL,
								 exclude_seen ? m->seen_len[u] : 0, u, f, k, top, scores);
		q = m->U + (int64) u * m->dim;
		bu = m->bu[u];
		EmbScores(m, q, bu, s, &bd);
		LpModelDecodeUser(m, u, s);
		LpMaskUser(m, u, exclude_seen, s);
	}
	else
	{
		LpModelEmbScoresAll(m, NULL, 0.0f, s);
		LpModelDecodeUser(m, -1, s);
	}

	ApplyItemFilters(m, f, s);
	if (bd.approx)
		KeepRankable(m, q, bu, &bd, Min(k, m->n_items), s);
	{
		int			n = LpRankRow(m, s, k, top, scores);

		ExactRanked(m, who, *top, *scores, n);
		return n;
	}
}

void
LpRankMany(LpServingModel *m, const int32 *uidx, const bool *keep, int n_users, int32 k,
		   bool exclude_seen, LpRankEmit emit, void *arg)
{
	int			bs;
	LpEvalEmbedding ee;
	LpEvalScorer sc;
	float	   *scores;
	float	   *fallback;
	int32	   *block;
	int32	   *top;
	float	   *exact_sc;
	int			nb = 0;

	k = Min(k, m->n_items);
	bs = LpEvalBlockSize(m->n_items);
	LpModelEvalEmbedding(m, bs, &ee);
	LpEvalEmbeddingScorer(&ee, bs, &sc);
	LpModelEvalScorer(m, &sc);
	scores = LpPallocHuge(sizeof(float) * (Size) bs * m->n_items);
	fallback = LpPallocHuge(sizeof(float) * m->n_items);
	LpModelEmbScoresAll(m, NULL, 0.0f, fallback);
	LpModelDecodeUser(m, -1, fallback);
	block = palloc(sizeof(int32) * bs);
	top = palloc(sizeof(int32) * k);
	exact_sc = palloc(sizeof(float) * Max(k, 1));

	for (int i = 0; i <= n_users; i++)
	{
		/* collect a block of positions in the user list, then score it */
		if (i < n_users && (keep == NULL || keep[i]))
			block[nb++] = i;
		if (nb == bs || (i == n_users && nb > 0))
		{
			int32	   *known = palloc(sizeof(int32) * nb);
			int			nk = 0;

			for (int b = 0; b < nb; b++)
				if (uidx[block[b]] >= 0)
					known[nk++] = uidx[block[b]];
			if (nk > 0)
				sc.block(sc.arg, known, nk, scores);
			nk = 0;
			for (int b = 0; b < nb; b++)
			{
				int32		u = uidx[block[b]];
				float	   *s;

				int			n;

				if (u >= 0)
				{
					s = scores + (int64) (nk++) * m->n_items;
					LpMaskUser(m, u, exclude_seen, s);
				}
				else
					s = fallback;
				n = LpSelectTopK(s, m->n_items, m->ideg, k, top);
				if (u >= 0)
				{
					/* linkpred_score's values, written back into u's own row */
					LpRankUser who = {.u = u};

					for (int r = 0; r < n; r++)
						exact_sc[r] = s[top[r]];
					ExactRanked(m, &who, top, exact_sc, n);
					for (int r = 0; r < n; r++)
						s[top[r]] = exact_sc[r];
				}
				emit(arg, block[b], u, top, s, n);
			}
			pfree(known);
			nb = 0;
			CHECK_FOR_INTERRUPTS();
		}
	}
}
