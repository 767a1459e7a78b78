/*
 * ann_calibrate.c: the index's default effort chosen on the model's own
 * users (see ann.h for the interface).  The build (ann_build.c) sets the
 * blob's default effort for the worst case, items with no structure at all;
 * trained embeddings are clustered and need far fewer lists.  Given a
 * sample of the users' query vectors, each with the items it must leave
 * out, this finds each query's exact top k (sgemm over blocks of items),
 * then the smallest effort whose mean recall@k over the sample reaches a
 * target, and writes it into the blob's header as its default effort (the
 * CRC recomputed).  Searches run exactly as serving runs them (LpAnnSearch,
 * the same filter), so what is measured is what a user gets.
 *
 * The effort is searched between a floor and the blob's own default, the
 * ceiling: calibration can only make searches cheaper.  Recall grows with
 * effort almost monotonically (a search at a higher effort scans a superset
 * of the lists; only the cut of the re-rank's candidates can swap an item),
 * so a bisection finds the smallest effort that reaches the target, to
 * within a 32nd of it.  Every effort it reports was measured.
 *
 * Pure C: plain malloc, no PostgreSQL calls; keep_going can stop it between
 * blocks and searches.
 */
#include "postgres.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "ann_internal.h"
#include "graph.h"
#include "topk.h"

#define EXACT_BLOCK_FLOATS	(4 * 1024 * 1024)	/* scores per sgemm block */

/* one kept item of a query's exact top k */
typedef struct Hit
{
	float		score;
	int32		item;
} Hit;

/* higher score, then lower item: the order LpAnnSearch ranks by */
static bool
HitAbove(const void *a, const void *b, const void *ctx)
{
	const Hit  *x = a,
			   *y = b;

	return x->score > y->score || (x->score == y->score && x->item < y->item);
}

/* what a search of query t leaves out: its seen items and its self */
typedef struct QueryFilter
{
	const int32 *seen;
	int64		n_seen;
	int32		self;
} QueryFilter;

static bool
FilterAccept(int32 item, void *arg)
{
	const QueryFilter *f = arg;

	return item != f->self && !LpSortedContains(f->seen, f->n_seen, item);
}

static QueryFilter
FilterOf(const LpAnnQueries *q, int32 t)
{
	QueryFilter f;

	f.seen = q->seen_start ? q->seen + q->seen_start[t] : NULL;
	f.n_seen = q->seen_start ? q->seen_start[t + 1] - q->seen_start[t] : 0;
	f.self = q->self ? q->self[t] : -1;
	return f;
}

static inline bool
Stopped(const LpAnnCalibration *cal)
{
	return cal->keep_going != NULL && !cal->keep_going(cal->keep_going_arg);
}

LpAnnCalibration
LpAnnDefaultCalibration(void)
{
	LpAnnCalibration c;

	memset(&c, 0, sizeof(c));
	c.target = 0.99;
	c.k = 10;
	c.min_scan = 8192;
	return c;
}

/*
 * The exact top k of every query, into truth (nq x k, item ids, -1 where a
 * query has fewer than k items to return) and counts (nq): the scores
 * q . V[i] + bv[i] of blocks of items by sgemm, each query's filter applied
 * to the items that would enter its k best.  false when out of memory or
 * told to stop.
 */
static bool
ExactTopK(const float *V, const float *bv, int32 n, int dim, const LpAnnQueries *q, int k,
		  const LpAnnCalibration *cal, int32 *truth, int *counts)
{
	int32		nq = q->n;
	int32		rows = (int32) Max(1, Min((int64) n, EXACT_BLOCK_FLOATS / Max(nq, 1)));
	float	   *S = malloc(sizeof(float) * (Size) nq * rows);
	Hit		   *hits = malloc(sizeof(Hit) * (Size) nq * k);
	LpKBest    *heaps = malloc(sizeof(LpKBest) * nq);
	bool		ok = S && hits && heaps;

	for (int32 t = 0; ok && t < nq; t++)
		LpKBestInit(&heaps[t], hits + (int64) t * k, sizeof(Hit), k, HitAbove, NULL);
	for (int32 i0 = 0; ok && i0 < n; i0 += rows)
	{
		int32		nb = Min(rows, n - i0);

		if (Stopped(cal))
		{
			ok = false;
			break;
		}
		/* S = Q x V[i0 .. i0 + nb)': nq x nb */
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, nq, nb, dim, 1.0f,
					q->Q, dim, V + (int64) i0 * dim, dim, 0.0f, S, nb);
		for (int32 t = 0; t < nq; t++)
		{
			LpKBest    *h = &heaps[t];
			const Hit  *worst = h->elems;
			const float *s = S + (int64) t * nb;
			QueryFilter f = FilterOf(q, t);

			for (int32 j = 0; j < nb; j++)
			{
				Hit			c;

				c.item = i0 + j;
				c.score = bv ? s[j] + bv[c.item] : s[j];
				if (h->n == h->cap && !HitAbove(&c, worst, NULL))
					continue;
				if (!FilterAccept(c.item, &f))
					continue;
				LpKBestOffer(h, &c);
			}
		}
	}
	for (int32 t = 0; ok && t < nq; t++)
	{
		const Hit  *kept = heaps[t].elems;

		counts[t] = heaps[t].n;
		for (int j = 0; j < k; j++)
			truth[(int64) t * k + j] = j < heaps[t].n ? kept[j].item : -1;
	}
	free(S);
	free(hits);
	free(heaps);
	return ok;
}

/*
 * Mean recall@k over the queries at this effort: the share of each query's
 * exact top k (counts[t] items) that the search returned.  Queries with
 * nothing to return do not count.  NaN when told to stop.
 */
static double
RecallAt(const LpAnnBlob *blob, const float *V, const float *bv, const LpAnnQueries *q,
		 int k, const int32 *truth, const int *counts, int32 effort, LpAnnScratch *scratch,
		 int32 *found_items, const LpAnnCalibration *cal)
{
	double		sum = 0.0;
	int32		measured = 0;

	for (int32 t = 0; t < q->n; t++)
	{
		QueryFilter f = FilterOf(q, t);
		const int32 *want = truth + (int64) t * k;
		int			found,
					hits = 0;

		if (counts[t] == 0)
			continue;
		if (t % 64 == 0 && Stopped(cal))
			return NAN;
		found = LpAnnSearch(blob, V, bv, q->Q + (int64) t * blob->dim, k, effort,
							FilterAccept, &f, found_items, NULL, scratch);
		for (int a = 0; a < found; a++)
			for (int b = 0; b < counts[t]; b++)
				hits += found_items[a] == want[b];
		sum += (double) hits / counts[t];
		measured++;
	}
	return measured > 0 ? sum / measured : 1.0;
}

int
LpAnnCalibrate(LpAnnBlob *blob, const float *V, const float *bv, const LpAnnQueries *q,
			   LpAnnCalibration *cal)
{
	int			k = cal->k;
	int32	   *truth = NULL;
	int		   *counts = NULL;
	int32	   *found = NULL;
	LpAnnScratch *scratch = NULL;
	int32		lo,
				hi;
	double		r,
				r_hi = NAN;
	int			result = LP_ANN_CALIBRATE_FAILED;

	cal->ceiling = blob->nprobe;
	cal->effort = blob->nprobe;
	cal->recall = NAN;
	cal->searches = 0;
	cal->floor = blob->nprobe;
	if (q->n < 1 || k < 1 || blob->nlist == 0 || !(cal->target > 0.0 && cal->target <= 1.0))
		return LP_ANN_CALIBRATE_FAILED;

	/*
	 * The floor: a hundredth of the lists, and at least min_scan items'
	 * worth.  Below it a search costs little more than its routing (one
	 * sgemv over the centroids), so a lower effort would save almost
	 * nothing and would rest on the few sampled queries alone.
	 */
	{
		double		per_list = (double) blob->n / blob->nlist;
		double		fl = Max(ceil(blob->nlist / 100.0), ceil(cal->min_scan / per_list));

		cal->floor = (int32) Min((double) blob->nprobe, Max(1.0, fl));
	}

	truth = malloc(sizeof(int32) * (Size) q->n * k);
	counts = malloc(sizeof(int) * q->n);
	found = malloc(sizeof(int32) * k);
	scratch = malloc(LpAnnScratchSize(blob, k));
	if (!truth || !counts || !found || !scratch)
		goto done;
	LpAnnScratchInit(scratch, blob, k);
	if (!ExactTopK(V, bv, blob->n, blob->dim, q, k, cal, truth, counts))
	{
		result = Stopped(cal) ? LP_ANN_CALIBRATE_STOPPED : LP_ANN_CALIBRATE_FAILED;
		goto done;
	}

#define MEASURE(e) \
	do { \
		r = RecallAt(blob, V, bv, q, k, truth, counts, (e), scratch, found, cal); \
		cal->searches++; \
		if (isnan(r)) { result = LP_ANN_CALIBRATE_STOPPED; goto done; } \
	} while (0)

	/* the smallest effort in [floor, ceiling] reaching the target: the floor first */
	lo = cal->floor;
	hi = cal->ceiling;
	MEASURE(lo);
	if (r >= cal->target || lo == hi)
	{
		hi = lo;
		r_hi = r;
	}
	else
	{
		/* r(lo) fell short; r(hi) is taken to reach it until measured */
		lo++;
		while (hi - lo > hi / 32)
		{
			int32		mid = lo + (hi - lo) / 2;

			MEASURE(mid);
			if (r >= cal->target)
			{
				hi = mid;
				r_hi = r;
			}
			else
				lo = mid + 1;
		}
		if (isnan(r_hi))
		{
			/* nothing below the ceiling reached the target: it stays */
			MEASURE(hi);
			r_hi = r;
		}
	}
#undef MEASURE

	cal->effort = hi;
	cal->recall = r_hi;
	blob->nprobe = hi;
	blob->crc = LpAnnBlobCrc(blob, blob->size);
	result = LP_ANN_CALIBRATED;

done:
	free(truth);
	free(counts);
	free(found);
	free(scratch);
	return result;
}
