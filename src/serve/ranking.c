/*
 * ranking.c: top-k serving, for one user (linkpred_topk) and for a batch
 * (linkpred_topk_many); the SQL functions are in serve.c.
 *
 * topk(u, k) scores every item, drops the items u had in training (and u
 * itself in a homogeneous graph) unless exclude_seen is false, keeps only
 * the candidates (if given), drops the excluded items, and keeps the k
 * best in a heap (kernels/topk.c).  Items are scored with one BLAS
 * matrix-vector product, or, for item vectors of linkpred.exact_scan_8bit_min
 * or more (which no longer stay in the CPU cache), from their 8-bit copy
 * (kernels/qscan.h), a quarter of the memory, with a bound on each score's
 * error; the items whose bound reaches the k-th best are then scored
 * exactly (TopKFromBounds), so the k best are those of the float scores.
 * The copy serves only the dot product (plus the item-item term), with no
 * structural head, on a CPU with AVX2 (LpModelQuantItems).  The
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
			exact[j] = LpModelPairScoreQuery(m, u, who->current, who->n_current, v, who->q,
											 who->bu);
		else
			exact[j] = LpModelPairScoreUser(m, u, v);
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

/* the 8-bit scan's bounds (qscan.h), when s holds its scores */
typedef struct Bounded
{
	bool		on;				/* false: s holds the float scan's scores */
	float	   *approx;			/* the scan's scores before the decoder's terms were
								 * added to s; NULL: the model adds none */
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

	bd->on = false;
	if (qi != NULL)
	{
		float	   *b = m->quant_scratch + m->n_items;

		if (LpQuantScores(qi, q, bu, m->bv, true, s, b))
		{
			bd->on = true;
			bd->bound = b;
			bd->approx = NULL;
			/* the item-item term goes into s next: keep what it is added to */
			if (m->fold->item_term)
			{
				bd->approx = m->quant_scratch;
				memcpy(bd->approx, s, sizeof(float) * m->n_items);
			}
			return;
		}
	}
	LpModelEmbScoresAll(m, q, bu, s);
}

/* LpKBest's order for plain floats: the larger ranks above */
static bool
FloatAbove(const void *a, const void *b, const void *ctx)
{
	return *(const float *) a > *(const float *) b;
}

/*
 * The k best (at most) from s, which holds the 8-bit scores with the
 * decoder's terms added and the filters' -infinity, into *top and
 * *top_scores as LpRankRow gives them.  Only the items whose upper bound
 * reaches the k-th best lower bound can be among the k best: they are
 * scored as the float scan would have scored them (LpModelEmbScore's
 * score, plus the same terms) and the k best of them kept, with the
 * ranking's tie-breaks (popularity, then index).  Should the bounds leave
 * more than an eighth of the catalog, one float scan scores every item.
 */
static int
TopKFromBounds(LpServingModel *m, const float *q, float bu, const Bounded *bd, int32 k,
			   float *s, int32 **top, float **top_scores)
{
	int32		n = m->n_items;
	const float *w = bd->bound;
	const float *a = bd->approx;
	float	   *heap;
	LpKBest		best;
	float		theta;
	int32		cap = n / 8 + 1,
				kept = 0;
	int32	   *list,
			   *deg,
			   *order;
	float	   *sc;
	int			got;

	k = Min(k, n);
	if (k <= 0)
		return LpRankRow(m, s, k, top, top_scores);
	/*
	 * A bound widened by the rounding of the additions since the scan (the
	 * item-item term's), in both passes alike
	 */
#define WIDE(i) (w[i] + 4.8e-7f * (fabsf(s[i]) + fabsf(a ? a[i] : s[i])))
	heap = palloc(sizeof(float) * k);
	LpKBestInit(&best, heap, sizeof(float), k, FloatAbove, NULL);
	for (int32 i = 0; i < n; i++)
	{
		float		lo;

		if (s[i] == -INFINITY)
			continue;
		lo = s[i] - WIDE(i);
		/* most items fall below the worst kept: told apart without the call */
		if (best.n < k || lo > heap[0])
			LpKBestOffer(&best, &lo);
	}
	theta = best.n < k ? -INFINITY : heap[0];
	pfree(heap);

	list = palloc(sizeof(int32) * cap);
	for (int32 i = 0; i < n; i++)
		if (s[i] != -INFINITY && s[i] + WIDE(i) >= theta)
		{
			if (kept == cap)
			{
				kept++;			/* too many: the float scan below */
				break;
			}
			list[kept++] = i;
		}
#undef WIDE
	if (kept > n / 8)
	{
		float	   *e = palloc(sizeof(float) * n);

		LpModelEmbScoresAll(m, q, bu, e);
		for (int32 i = 0; i < n; i++)
			if (s[i] != -INFINITY)
				s[i] = (a ? s[i] - a[i] : 0.0f) + e[i];
		pfree(e);
		pfree(list);
		return LpRankRow(m, s, k, top, top_scores);
	}

	/* the kept items, ascending (the last tie-break), scored from the floats */
	sc = palloc(sizeof(float) * Max(kept, 1));
	deg = palloc(sizeof(int32) * Max(kept, 1));
	order = palloc(sizeof(int32) * Max(kept, 1));
	for (int32 j = 0; j < kept; j++)
	{
		int32		i = list[j];

		sc[j] = (a ? s[i] - a[i] : 0.0f) + LpModelEmbScore(m, q, bu, i);
		deg[j] = m->ideg[i];
	}
	got = LpSelectTopK(sc, kept, deg, k, order);
	*top = palloc(sizeof(int32) * Max(k, 1));
	*top_scores = palloc(sizeof(float) * Max(k, 1));
	for (int j = 0; j < got; j++)
	{
		(*top)[j] = list[order[j]];
		(*top_scores)[j] = sc[order[j]];
	}
	pfree(list);
	pfree(sc);
	pfree(deg);
	pfree(order);
	return got;
}

int
LpRankOne(LpServingModel *m, const LpRankUser *who, bool exclude_seen, LpRankFilter *f,
		  int32 k, int32 **top, float **scores)
{
	int32		u = who->u;
	float	   *s = m->scratch;
	const float *q = NULL;
	float		bu = 0;
	Bounded		bd = {false, NULL, NULL};

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
	{
		int			n = bd.on ? TopKFromBounds(m, q, bu, &bd, k, s, top, scores) :
			LpRankRow(m, s, k, top, scores);

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
