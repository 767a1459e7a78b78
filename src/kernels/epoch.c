/*
 * epoch.c: the serial epoch loop, its start, and the user-user pull
 * (epoch.h).  No PostgreSQL calls.
 */
#include "postgres.h"

#include <math.h>

#include "epoch.h"

/*
 * The term (lr * link_weight / 2) ||U[a] - U[b]||^2 of as many links,
 * drawn at random, as is the share start .. end of the epoch's positives
 * (one pass over the links per epoch); each draw moves both users toward
 * each other.
 */
void
LpLinkPull(const LpGraph *g, const LpTrainConfig *cfg, float *U, float lr,
		   int64 start, int64 end, LpRng *rng)
{
	const int	dim = cfg->dim;
	/* beyond the midpoint the two would swap sides */
	float		rate = Min(lr * cfg->link_weight, 0.5f);
	int64		n;

	if (g->n_links == 0 || cfg->link_weight <= 0 || g->n_entries == 0)
		return;
	n = g->n_links * end / g->n_entries - g->n_links * start / g->n_entries;
	for (int64 k = 0; k < n; k++)
	{
		int64		l = (int64) (LpRngNext(rng) % (uint64) g->n_links);
		float	   *a = U + (int64) g->link_a[l] * dim;
		float	   *b = U + (int64) g->link_b[l] * dim;

		for (int d = 0; d < dim; d++)
		{
			float		diff = rate * (b[d] - a[d]);

			a[d] += diff;
			b[d] -= diff;
		}
	}
}

void
LpEntrySources(const LpGraph *g, int32 *entry_src)
{
	for (int32 u = 0; u < g->n_src; u++)
		for (int64 e = g->offsets[u]; e < g->offsets[u + 1]; e++)
			entry_src[e] = u;
}

void
LpTrainBegin(const LpGraph *g, const LpTrainConfig *cfg, LpRng *rng, LpEntry *order,
			 int32 *entry_src)
{
	LpRngSeed(rng, cfg->seed);
	LpEntrySources(g, entry_src);
	for (int64 e = 0; e < g->n_entries; e++)
		order[e] = e;
}

void
LpSourceOrder(const LpGraph *g, LpEntry *order, LpRng *rng)
{
	LpAffinePerm perm;
	int64		at = 0;

	LpAffineDraw(&perm, g->n_src, rng);
	for (int64 k = 0; k < g->n_src; k++)
	{
		int32		u = LpAffineAt(&perm, k);
		int64		lo = g->offsets[u],
					len = g->offsets[u + 1] - lo;

		for (int64 e = 0; e < len; e++)
			order[at + e] = (LpEntry) (lo + e);
		LpShuffle(order + at, len, rng);
		at += len;
	}
}

LpTrainResult
LpEpochLoop(const LpGraph *g, const LpTrainConfig *cfg, int64 batch, LpEpochOrder how,
			LpRng *rng, LpEntry *order, LpBatchFn fn, void *state, LpProgressFn progress,
			void *arg, double *final_loss)
{
	int64		n = g->n_entries;
	int64		batches;
	LpBatch		b;

	batch = Max(batch, 1);
	batches = (n + batch - 1) / batch;
	b.total = batches * cfg->epochs;
	b.t = 0;
	*final_loss = 0;
	for (b.epoch = 1; b.epoch <= cfg->epochs; b.epoch++)
	{
		double		loss = 0;

		if (how == LP_ORDER_BY_SOURCE)
			LpSourceOrder(g, order, rng);
		else
			LpShuffle(order, n, rng);
		for (b.start = 0; b.start < n; b.start += batch, b.t++)
		{
			b.end = Min(b.start + batch, n);
			b.lr = LpDecayedLr(cfg, b.t, b.total);
			fn(state, order, &b, rng, &loss);
			if (isnan(loss) || isinf(loss))
				return LP_TRAIN_DIVERGED;
			if (progress && !progress(arg, b.epoch, (double) b.end / n, loss / b.end, b.end == n))
				return LP_TRAIN_STOPPED;
		}
		*final_loss = loss / Max(n, 1);
	}
	return LP_TRAIN_OK;
}
