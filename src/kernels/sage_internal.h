/*
 * sage_internal.h: what sage.c (the plan, the sampled hops, the layers)
 * and sage_batch.c (the training batch, LpSageTrain) share: the trainer's
 * state and the steps one calls on the other.  Not for other files.
 */
#ifndef LINKPRED_SAGE_INTERNAL_H
#define LINKPRED_SAGE_INTERNAL_H

#include "sage.h"

/* the sizes of everything carved from the work and index spaces */
typedef struct Plan
{
	int32		n_rows;			/* n_src (tied) or n_src + n_dst */
	int			layers;
	int			fanout[LP_MAX_LAYERS];	/* hop k samples fanout[k - 1] */
	int64		batch;			/* positives per batch */
	int			kmax;			/* most negatives of one positive */
	Size		cap[LP_MAX_LAYERS + 1]; /* most nodes within k hops */
	Size		nbcap[LP_MAX_LAYERS + 1];	/* hop k >= 1: most sampled entries */
	Size		hcap;			/* slots of the positive-pair set, a power of 2 */
	Size		wblock;			/* one layer: Ws, Wn, b */
	int32		n_attrs;		/* g->n_attrs: node attributes (sage_attrs.c) */
} Plan;

/* the trainer's state, carved from work and index */
typedef struct Sage
{
	const LpGraph *g;
	const LpTrainConfig *cfg;
	const LpSamplerState *sampler;	/* training only: the batches' negatives */
	LpEmbeddings *cur;			/* training only: the vectors a batch scores */
	const int32 *entry_src;		/* training only: LpTrainBegin's */
	Plan		p;
	int			dim;
	int32		item0;			/* row of item 0: 0 when tied, else n_src */
	const int64 *t_off;			/* untied: item -> users lists */
	const int32 *t_src;

	/* parameters and their Adam state */
	float	   *x;				/* input vectors, n_rows x dim */
	float	   *xm;
	float	   *xv;
	float	   *xt;				/* per row: Adam steps taken */
	float	   *bm;				/* per row: Adam moments of the bias */
	float	   *bv2;
	float	   *w;				/* a block of wblock per layer */
	float	   *wm;
	float	   *wv;
	float	   *wg;				/* the batch's gradient of w */

	/* the batch */
	int32	   *slot;			/* n_rows: index in nodes, -1 if absent */
	int32	   *nodes;			/* cap[L]: rows, hop by hop */
	int32	   *fresh;			/* cap[L]: nodes found by the current hop */
	Size		size[LP_MAX_LAYERS + 1];	/* nodes within k hops */
	int64	   *nb_off[LP_MAX_LAYERS + 1];	/* hop k: size[k - 1] + 1 offsets */
	int32	   *nb_idx[LP_MAX_LAYERS + 1];	/* hop k: indices into nodes */
	uint64	   *pairs;			/* the batch's positives, hcap slots */
	int32	   *pos_u;			/* batch: source, target, weight */
	int32	   *pos_i;
	float	   *pos_w;
	int32	   *neg_off;		/* batch + 1: negatives of each positive */
	int32	   *neg;
	float	   *h[LP_MAX_LAYERS + 1];	/* layer l's output, size[L - l] rows */
	float	   *agg[LP_MAX_LAYERS + 1]; /* layer l's neighbour means */
	float	   *d1;				/* gradient ping-pong, cap[L] rows each */
	float	   *d2;
	float	   *bgrad;			/* cap[0]: the seeds' bias gradients */
	float	   *sbias;			/* cap[0]: the seeds' biases (composed) */

	/*
	 * node attributes (sage_attrs.c), when the graph has them and emb->A is
	 * set: the table A, ab is emb's; its Adam state and gradient; which
	 * attributes the batch touched
	 */
	bool		attrs;
	float	   *A;
	float	   *ab;
	float	   *am;				/* n_attrs x dim: moments, gradient */
	float	   *av;
	float	   *ag;
	float	   *at;				/* n_attrs: Adam steps; bias moments, gradient */
	float	   *abm;
	float	   *abv;
	float	   *abg;
	int32	   *amark;			/* n_attrs: 1 once touched by the batch */
	int32	   *alist;			/* the touched ones */
	int32		n_touched;
	/* the attributes-only pass: rows of the seeds (cap[0] each) */
	bool	   *pflag;			/* batch: positive p takes part */
	bool	   *cold;			/* cap[0]: seed a is composed without its id part */
	float	   *ch[LP_MAX_LAYERS + 1];	/* its layers, cap[0] x dim each */
	float	   *cg1;			/* gradient ping-pong, cap[0] x dim each */
	float	   *cg2;
	float	   *cb;				/* cap[0]: biases; their gradients */
	float	   *cbg;
} Sage;

/* the weights of layer l (1-based) */
static inline float *
Block(const Sage *s, float *base, int l)
{
	return base + (Size) (l - 1) * s->p.wblock;
}

static inline float *
BiasOf(const Sage *s, LpEmbeddings *emb, int32 r)
{
	return r < s->g->n_src ? emb->bu + r : emb->bv + (r - s->g->n_src);
}

/* row r's neighbours: rows base + list[0 .. *n - 1] */
static inline const int32 *
Neighbours(const Sage *s, int32 r, int64 *n, int32 *base)
{
	const LpGraph *g = s->g;

	if (g->tied || r < g->n_src)
	{
		*n = g->offsets[r + 1] - g->offsets[r];
		*base = s->item0;
		return g->targets + g->offsets[r];
	}
	*n = s->t_off[r - g->n_src + 1] - s->t_off[r - g->n_src];
	*base = 0;
	return s->t_src + s->t_off[r - g->n_src];
}

/* the positive-pair key of the edge between rows r and q */
static inline uint64
PairKey(const Sage *s, int32 r, int32 q)
{
	int32		a,
				b;

	if (s->g->tied)
	{
		/* undirected: either direction of the edge is the same positive */
		a = Min(r, q);
		b = Max(r, q);
	}
	else if (r < s->g->n_src)
	{
		a = r;
		b = q - s->g->n_src;
	}
	else
	{
		a = q;
		b = r - s->g->n_src;
	}
	return ((uint64) (uint32) a << 32) | (uint32) b;
}

static inline void
Scale(float a, float *x, int dim)
{
	for (int d = 0; d < dim; d++)
		x[d] *= a;
}

extern void LpSageMakePlan(const LpGraph *g, const LpTrainConfig *cfg, Plan *p);
extern void LpSageCarve(Sage *s, const LpGraph *g, const LpTrainConfig *cfg, float *work, void *index);
extern void LpSagePairAdd(Sage *s, uint64 key);
extern void LpSageFind(Sage *s, int32 r, Size *n_fresh);
extern void LpSageAdmit(Sage *s, int k, Size n_fresh);
extern void LpSageSampleHop(Sage *s, int k, LpRng *rng);
/* agg NULL: no neighbour term */
extern void LpSageAffine(const Sage *s, int l, Size n, const float *in, const float *agg, float *out);
extern void LpSageForward(Sage *s);
extern float *LpSageBackward(Sage *s, float *g, float *spare);
extern float LpSageAccumulate(Sage *s, int p, const float *H, float *g, const float *bias,
							  float *bgrad);

/* sage_attrs.c: node attributes as input features */
extern void LpSageAttrsBegin(Sage *s, LpEmbeddings *emb);
extern bool LpSageHasAttrs(const Sage *s, int32 r);
extern bool LpSageIdDropped(const Sage *s, int32 r);
extern void LpSageInput(const Sage *s, int32 r, bool with_id, float *x, float *b);
extern void LpSageScatter(Sage *s, int32 r, const float *grad, float gb);
extern void LpSageAttrsStep(Sage *s, float lr);
/* sage_batch.c: the attributes-only pass over a batch's n positives */
extern void LpSageColdPass(Sage *s, int64 n);
extern void LpSageAttrsFinal(Sage *s);

#endif
