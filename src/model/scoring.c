/*
 * scoring.c: how a trained model scores, the same way in evaluation, in
 * the structural head's fit and in serving: the embedding scorer (through
 * the bilinear decoder's queries or the MLP decoder), then the encoder's
 * item-item term and the structural head over it, as wrappers of an
 * evaluation scorer (metrics.h).
 */
#include "postgres.h"

#include "decoder.h"
#include "linkpred.h"
#include "scoring.h"
#include "spectral.h"

void
LpBuildHeurGraph(const LpGraph *g, LpHeurGraph *hg)
{
	int32	   *len = palloc(sizeof(int32) * Max(g->n_src, 1));

	for (int32 u = 0; u < g->n_src; u++)
		len[u] = (int32) (g->offsets[u + 1] - g->offsets[u]);
	LpHeurGraphBuild(hg, g->homogeneous, g->tied, g->n_src, g->n_dst, g->offsets, len,
					 g->targets, LpPallocHuge);
	pfree(len);
}

void
LpEmbeddingsEval(const LpEmbeddings *emb, const LpTrainConfig *cfg, int32 n_src, int32 n_dst,
				 int block_size, LpEvalEmbedding *ee)
{
	const LpDecoderKind *dk = LpDecoderAt(cfg->decoder);

	memset(ee, 0, sizeof(*ee));
	ee->dim = emb->dim;
	ee->n_items = n_dst;
	ee->U = emb->U;
	ee->V = emb->V;
	ee->bu = emb->bu;
	ee->bv = emb->bv;
	ee->vchunk = block_size > 0 ? palloc(sizeof(float) * LP_EVAL_CHUNK * emb->dim) : NULL;
	if (dk->score.queries)
	{
		float	   *q = LpPallocHuge(sizeof(float) * (Size) n_src * emb->dim);

		dk->score.queries(emb->U, n_src, emb->dim, dk->store.weights(emb), q);
		ee->U = q;
	}
	if (dk->eval.trained)
		dk->eval.trained(emb, cfg, n_dst, ee);
}

LpHeadScratch *
LpHeadScratchAlloc(int32 n)
{
	LpHeadScratch *s = palloc(sizeof(LpHeadScratch));
	Size		m = Max(n, 1);

	s->c2 = MemoryContextAllocExtended(CurrentMemoryContext, sizeof(int32) * m,
									   MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	s->cn = MemoryContextAllocExtended(CurrentMemoryContext, sizeof(float) * m,
									   MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	s->ra = MemoryContextAllocExtended(CurrentMemoryContext, sizeof(float) * m,
									   MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	s->aa = MemoryContextAllocExtended(CurrentMemoryContext, sizeof(float) * m,
									   MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	s->p3 = MemoryContextAllocExtended(CurrentMemoryContext, sizeof(float) * m,
									   MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	s->touched = LpPallocHuge(sizeof(int32) * m);
	s->vt = LpPallocHuge(sizeof(int32) * m);
	s->vmark = MemoryContextAllocExtended(CurrentMemoryContext, m,
										  MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	s->level = MemoryContextAllocExtended(CurrentMemoryContext, m,
										  MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	s->queue = LpPallocHuge(sizeof(int32) * m);
	s->level2 = MemoryContextAllocExtended(CurrentMemoryContext, m,
										   MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	s->queue2 = LpPallocHuge(sizeof(int32) * m);
	s->w3 = MemoryContextAllocExtended(CurrentMemoryContext, sizeof(float) * m,
									   MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	s->wt = LpPallocHuge(sizeof(int32) * m);
	s->wt_n = 0;
	s->wmark = MemoryContextAllocExtended(CurrentMemoryContext, m,
										  MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	return s;
}

/*
 * sc, wrapped: inner keeps what it was, and sc now calls pair and block
 * with arg (which holds inner).  The block size stays the inner one's.
 */
static void
Wrap(LpEvalScorer *sc, LpEvalScorer *inner, void *arg,
	 double (*pair) (void *arg, int32 u, int32 v),
	 void (*block) (void *arg, const int32 *users, int nb, float *out))
{
	*inner = *sc;
	sc->arg = arg;
	sc->pair = pair;
	sc->block = block;
}

typedef struct EvalHead
{
	LpEvalScorer inner;
	const LpHead *head;
	const LpHeurGraph *g;
	LpHeadScratch *scratch;
} EvalHead;

static double
HeadPair(void *arg, int32 u, int32 v)
{
	EvalHead   *eh = arg;

	return LpHeadPair(eh->head, eh->g, u, v, (float) eh->inner.pair(eh->inner.arg, u, v),
					  eh->scratch);
}

static void
HeadBlock(void *arg, const int32 *users, int nb, float *out)
{
	EvalHead   *eh = arg;

	eh->inner.block(eh->inner.arg, users, nb, out);
	for (int b = 0; b < nb; b++)
		LpHeadAll(eh->head, eh->g, users[b], out + (int64) b * eh->g->n_items, eh->scratch);
}

static void
EvalWithHead(LpEvalScorer *sc, const LpHead *head, const LpHeurGraph *g,
			 LpHeadScratch *scratch)
{
	EvalHead   *eh = palloc(sizeof(EvalHead));

	eh->head = head;
	eh->g = g;
	eh->scratch = scratch;
	Wrap(sc, &eh->inner, eh, HeadPair, HeadBlock);
}

/*
 * The item-item term leaves its scratch as it found it, so the head's
 * arrays can serve as it: the two never run at the same time
 */
LpItemTermScratch
LpItemTermScratchOf(LpHeadScratch *s)
{
	LpItemTermScratch its = {s->p3, s->ra, s->touched};

	return its;
}

typedef struct EvalItemTerm
{
	LpEvalScorer inner;
	const LpHeurGraph *g;
	float	   *iw;				/* LpSpectralItemWeights */
	LpItemTermScratch acc;
	uint8	   *mark;
} EvalItemTerm;

/* user u's items (its edges) in g, *n of them */
static inline const int32 *
UserItems(const LpHeurGraph *g, int32 u, int *n)
{
	*n = (int) (g->u_off[u + 1] - g->u_off[u]);
	return g->u_adj + g->u_off[u];
}

static double
ItemTermPair(void *arg, int32 u, int32 v)
{
	EvalItemTerm *et = arg;
	double		s = et->inner.pair(et->inner.arg, u, v);
	const int32 *items;
	int			n;

	if (u < 0)
		return s;
	items = UserItems(et->g, u, &n);
	return s + LpSpectralItemPair(et->g, items, n, v, et->iw, et->mark);
}

static void
ItemTermBlock(void *arg, const int32 *users, int nb, float *out)
{
	EvalItemTerm *et = arg;

	et->inner.block(et->inner.arg, users, nb, out);
	for (int b = 0; b < nb; b++)
	{
		int32		u = users[b];
		const int32 *items;
		int			n;

		if (u < 0)
			continue;
		items = UserItems(et->g, u, &n);
		LpSpectralItemAll(et->g, items, n, et->iw, out + (int64) b * et->g->n_items,
						  &et->acc);
	}
}

/*
 * the item-item term; acc its scratch, mark Max(n_users, n_items) zeroed
 * bytes of scratch
 */
static void
EvalWithItemTerm(LpEvalScorer *sc, const LpHeurGraph *g, float item_norm,
				 const LpItemTermScratch *acc, uint8 *mark)
{
	EvalItemTerm *et = palloc(sizeof(EvalItemTerm));

	et->g = g;
	et->iw = LpSpectralItemWeights(g, item_norm, LpPallocHuge);
	et->acc = *acc;
	et->mark = mark;
	Wrap(sc, &et->inner, et, ItemTermPair, ItemTermBlock);
}

void
LpEvalWithDecoder(LpEvalScorer *sc, const LpTrainConfig *cfg, const LpHead *head,
				  const LpHeurGraph *g, LpHeadScratch *scratch)
{
	if (cfg->item_term)
	{
		LpItemTermScratch its = LpItemTermScratchOf(scratch);

		EvalWithItemTerm(sc, g, cfg->item_norm, &its, scratch->vmark);
	}
	if (head)
		EvalWithHead(sc, head, g, scratch);
}

void
LpEvalScratchAlloc(int64 n, int32 n_users, int32 n_items, int block_size, int nk,
				   const int *ks, bool labelled, LpEvalScratch *s)
{
	int			kmax = 1;

	for (int i = 0; i < nk; i++)
		kmax = Max(kmax, ks[i]);
	s->order = LpPallocHuge(sizeof(int64) * n);
	s->uoff = LpPallocHuge(sizeof(int64) * ((Size) n_users + 2));
	s->scores = LpPallocHuge(sizeof(float) * (Size) block_size * n_items);
	/* a top-k list never holds more than every item: K may be any int */
	s->top = palloc(sizeof(int32) * Max(1, Min(kmax, n_items)));
	s->pos = labelled ? LpPallocHuge(sizeof(double) * n) : NULL;
	s->neg = labelled ? LpPallocHuge(sizeof(double) * n) : NULL;
	s->users = palloc(sizeof(int32) * block_size);
}
