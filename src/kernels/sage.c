/*
 * sage.c: the GraphSAGE encoder (see sage.h for the model).
 *
 * Rows are stacked as in lightgcn.c: 0 .. n_src - 1 the users (nodes in
 * their source role), n_src .. n_src + n_dst - 1 the items (target role);
 * a tied graph has the first block only.
 *
 * A batch's nodes are kept in one array whose prefixes are the hops: the
 * first size[0] are the seeds (the endpoints of the batch's positives and
 * negatives), the first size[k] everything within k sampled hops of them.
 * Layer l computes its output for the first size[L - l] nodes from its
 * input on the first size[L - l + 1], so the "self" operand of a layer is
 * a prefix of its input and needs no gather, and each layer is two matrix
 * products over contiguous rows.  A node is re-sampled at every hop it is
 * in (GraphSAGE's minibatch algorithm): hop k's neighbour lists serve
 * layer L - k + 1 only.
 *
 * Sizes.  A batch cannot hold more nodes than the graph, and on graphs of
 * LastFM's or Gowalla's shape two hops of fan-out 10 from a few thousand
 * seeds already reach most of it.  So a batch costs about two dense passes
 * over the graph however few positives it holds, and batches are large,
 * as in lightgcn.c: a sixteenth of an epoch, within LP_SAGE_MIN_BATCH and
 * LP_SAGE_MAX_BATCH positives.  The work space is sized for the worst case
 * of every hop (capped at the graph), so it is known before training.
 *
 * Adam: the weights take a step every batch; an input row or a bias only
 * when the batch read it, with its own step count for the bias correction
 * (so a row first read late is not pushed as if it had a long history).
 * The weights' learning rate is lr / sqrt(dim): Adam moves every entry of
 * a row of W by about lr, which moves a unit's output dim times as much
 * as one input coordinate's step.  At the full lr the hidden units could
 * all die under the pointwise losses (with bce on LastFM every vector came
 * out zero, AUC 0.844; 0.953 with the smaller step).
 *
 * Regularisation: L2 `reg` on the input rows (and biases) a batch read,
 * and L2 towards their start (I) on the matrices Ws and Wn, with
 * LP_SAGE_WEIGHT_DECAY times `reg`.  Without the second, the matrices grow
 * to undo the shrinking of the inputs and a small graph overfits: USAir
 * AUC 0.951 without it, 0.976 with it (lr 0.02, the weights then at the
 * full lr).  Their gradient sums over a whole batch, so the factor is
 * large: 30 to 300 all helped USAir, 100 was best on LastFM.  Decaying
 * the layer biases b as well cost USAir 0.006, so they are free.
 */
#include "postgres.h"

#include <math.h>
#include <string.h>
#include <cblas.h>

#include "sage.h"

#define LP_SAGE_BATCHES 16
#define LP_SAGE_MIN_BATCH 256
#define LP_SAGE_MAX_BATCH 65536

/* L2 of Ws and Wn towards I, per batch, in units of `reg` (see above) */
#define LP_SAGE_WEIGHT_DECAY 100.0f

/* an empty slot of the batch's positive-pair set: no pair of ids < 2^31 */
#define EMPTY_KEY (~UINT64CONST(0))

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
} Plan;

/* the trainer's state, carved from work and index */
typedef struct Sage
{
	const LpGraph *g;
	const LpTrainConfig *cfg;
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
} Sage;

int64
LpSageBatchSize(int64 n_entries)
{
	return Min(Max(n_entries / LP_SAGE_BATCHES, LP_SAGE_MIN_BATCH), LP_SAGE_MAX_BATCH);
}

static int
Fanout(int f)
{
	if (f <= 0)
		return LP_SAGE_DEFAULT_FANOUT;
	return Min(f, LP_SAGE_MAX_FANOUT);
}

static void
MakePlan(const LpGraph *g, const LpTrainConfig *cfg, Plan *p)
{
	int64		deg_sum = g->tied ? g->n_entries : 2 * g->n_entries;

	memset(p, 0, sizeof(*p));
	p->n_rows = g->tied ? g->n_src : g->n_src + g->n_dst;
	p->layers = cfg->layers > 0 ? Min(cfg->layers, LP_MAX_LAYERS) : LP_SAGE_DEFAULT_LAYERS;
	for (int k = 0; k < p->layers; k++)
		p->fanout[k] = Fanout(cfg->fanout[k]);
	p->batch = LpSageBatchSize(g->n_entries);
	/* LpNegativeCount: at most 4x under the dynamic mode */
	p->kmax = cfg->neg_mode == LP_NEG_DYNAMIC ? Max(1, 4 * cfg->negatives) : Max(0, cfg->negatives);
	p->cap[0] = Min((Size) p->n_rows, (Size) p->batch * (2 + p->kmax));
	for (int k = 1; k <= p->layers; k++)
	{
		p->cap[k] = Min((Size) p->n_rows, p->cap[k - 1] * (1 + p->fanout[k - 1]));
		/* each node of hop k - 1 at most once: no more than every degree */
		p->nbcap[k] = Min(p->cap[k - 1] * p->fanout[k - 1], (Size) Max(deg_sum, 0));
	}
	p->hcap = 16;
	while (p->hcap < 2 * (Size) p->batch)
		p->hcap *= 2;
	p->wblock = 2 * (Size) cfg->dim * cfg->dim + cfg->dim;
}

/* floats, in MakePlan's terms; Carve takes them in the same order */
static Size
PlanFloats(const Plan *p, int dim)
{
	Size		n = 0;
	Size		nw = (Size) p->layers * p->wblock;

	n += 3 * (Size) p->n_rows * dim + 3 * (Size) p->n_rows;	/* x, moments; xt, bias moments */
	n += 4 * nw;				/* w, moments, gradient */
	n += (Size) p->batch;		/* pos_w */
	for (int l = 0; l <= p->layers; l++)
		n += p->cap[p->layers - l] * dim;	/* h[l] */
	for (int l = 1; l <= p->layers; l++)
		n += p->cap[p->layers - l] * dim;	/* agg[l] */
	n += 2 * p->cap[p->layers] * dim;	/* d1, d2 */
	n += p->cap[0];				/* bgrad */
	return n + 1;
}

/* bytes, each array rounded up to 8 so the next one stays aligned */
#define ALIGN8(n) (((Size) (n) + 7) & ~(Size) 7)

static Size
PlanBytes(const LpGraph *g, const Plan *p)
{
	Size		n = 0;

	if (!g->tied)
		n += ALIGN8(sizeof(int64) * ((Size) g->n_dst + 2)) +
			ALIGN8(sizeof(int32) * (Size) Max(g->n_entries, 1));
	n += ALIGN8(sizeof(int32) * (Size) p->n_rows);	/* slot */
	n += 2 * ALIGN8(sizeof(int32) * p->cap[p->layers]);	/* nodes, fresh */
	for (int k = 1; k <= p->layers; k++)
		n += ALIGN8(sizeof(int64) * (p->cap[k - 1] + 1)) + ALIGN8(sizeof(int32) * p->nbcap[k]);
	n += ALIGN8(sizeof(uint64) * p->hcap);
	n += 2 * ALIGN8(sizeof(int32) * (Size) p->batch);	/* pos_u, pos_i */
	n += ALIGN8(sizeof(int32) * ((Size) p->batch + 1));	/* neg_off */
	n += ALIGN8(sizeof(int32) * (Size) p->batch * Max(p->kmax, 1));	/* neg */
	return n + 8;
}

Size
LpSageWorkFloats(const LpGraph *g, const LpTrainConfig *cfg)
{
	Plan		p;

	MakePlan(g, cfg, &p);
	return PlanFloats(&p, cfg->dim);
}

Size
LpSageIndexBytes(const LpGraph *g, const LpTrainConfig *cfg)
{
	Plan		p;

	MakePlan(g, cfg, &p);
	return PlanBytes(g, &p);
}

static float *
TakeFloats(float **at, Size n)
{
	float	   *r = *at;

	*at += n;
	return r;
}

static void *
TakeBytes(char **at, Size n)
{
	void	   *r = *at;

	*at += ALIGN8(n);
	return r;
}

static void
Carve(Sage *s, const LpGraph *g, const LpTrainConfig *cfg, float *work, void *index)
{
	Plan	   *p = &s->p;
	const int	dim = cfg->dim;
	const int	L = p->layers;
	Size		nw = (Size) L * p->wblock;
	Size		nd = (Size) p->n_rows * dim;
	char	   *b = index;

	s->x = TakeFloats(&work, nd);
	s->xm = TakeFloats(&work, nd);
	s->xv = TakeFloats(&work, nd);
	s->xt = TakeFloats(&work, p->n_rows);
	s->bm = TakeFloats(&work, p->n_rows);
	s->bv2 = TakeFloats(&work, p->n_rows);
	s->w = TakeFloats(&work, nw);
	s->wm = TakeFloats(&work, nw);
	s->wv = TakeFloats(&work, nw);
	s->wg = TakeFloats(&work, nw);
	s->pos_w = TakeFloats(&work, p->batch);
	for (int l = 0; l <= L; l++)
		s->h[l] = TakeFloats(&work, p->cap[L - l] * dim);
	for (int l = 1; l <= L; l++)
		s->agg[l] = TakeFloats(&work, p->cap[L - l] * dim);
	s->d1 = TakeFloats(&work, p->cap[L] * dim);
	s->d2 = TakeFloats(&work, p->cap[L] * dim);
	s->bgrad = TakeFloats(&work, p->cap[0]);

	if (!g->tied)
	{
		int64	   *off = TakeBytes(&b, sizeof(int64) * ((Size) g->n_dst + 2));
		int32	   *src = TakeBytes(&b, sizeof(int32) * (Size) Max(g->n_entries, 1));

		LpCsrTranspose(g->n_src, g->n_dst, g->offsets, g->targets, off, src);
		s->t_off = off;
		s->t_src = src;
	}
	s->slot = TakeBytes(&b, sizeof(int32) * (Size) p->n_rows);
	s->nodes = TakeBytes(&b, sizeof(int32) * p->cap[L]);
	s->fresh = TakeBytes(&b, sizeof(int32) * p->cap[L]);
	for (int k = 1; k <= L; k++)
	{
		s->nb_off[k] = TakeBytes(&b, sizeof(int64) * (p->cap[k - 1] + 1));
		s->nb_idx[k] = TakeBytes(&b, sizeof(int32) * p->nbcap[k]);
	}
	s->pairs = TakeBytes(&b, sizeof(uint64) * p->hcap);
	s->pos_u = TakeBytes(&b, sizeof(int32) * (Size) p->batch);
	s->pos_i = TakeBytes(&b, sizeof(int32) * (Size) p->batch);
	s->neg_off = TakeBytes(&b, sizeof(int32) * ((Size) p->batch + 1));
	s->neg = TakeBytes(&b, sizeof(int32) * (Size) p->batch * Max(p->kmax, 1));
}

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

static inline Size
PairSlot(const Sage *s, uint64 key)
{
	/* Fibonacci hashing: the product's high bits are the well-mixed ones */
	return (Size) ((key * UINT64CONST(0x9E3779B97F4A7C15)) >> 32) & (s->p.hcap - 1);
}

static void
PairAdd(Sage *s, uint64 key)
{
	Size		i = PairSlot(s, key);

	while (s->pairs[i] != EMPTY_KEY && s->pairs[i] != key)
		i = (i + 1) & (s->p.hcap - 1);
	s->pairs[i] = key;
}

static bool
PairHas(const Sage *s, uint64 key)
{
	Size		i = PairSlot(s, key);

	while (s->pairs[i] != EMPTY_KEY)
	{
		if (s->pairs[i] == key)
			return true;
		i = (i + 1) & (s->p.hcap - 1);
	}
	return false;
}

/*
 * Up to f distinct positions of 0 .. n - 1 into pos, all of them when
 * n <= f (Floyd's method otherwise: f draws, no scratch the size of n).
 */
static int
SamplePositions(LpRng *rng, int64 n, int f, int64 *pos)
{
	int			m = 0;

	if (n <= f)
	{
		for (int64 j = 0; j < n; j++)
			pos[m++] = j;
		return m;
	}
	for (int64 j = n - f; j < n; j++)
	{
		int64		t = (int64) LpRngBelow(rng, (uint32) (j + 1));

		for (int c = 0; c < m; c++)
			if (pos[c] == t)
			{
				t = j;
				break;
			}
		pos[m++] = t;
	}
	return m;
}

/* mark row r as found by the current hop (if it is new) */
static inline void
Find(Sage *s, int32 r, Size *n_fresh)
{
	if (s->slot[r] == -1)
	{
		s->slot[r] = -2;
		s->fresh[(*n_fresh)++] = r;
	}
}

/* append the current hop's new nodes as hop k */
static void
Admit(Sage *s, int k, Size n_fresh)
{
	Size		at = k == 0 ? 0 : s->size[k - 1];

	for (Size i = 0; i < n_fresh; i++)
	{
		s->slot[s->fresh[i]] = (int32) at;
		s->nodes[at++] = s->fresh[i];
	}
	s->size[k] = at;
}

/* hop k: sample the neighbours of every node within k - 1 hops */
static void
SampleHop(Sage *s, int k, LpRng *rng)
{
	const int	f = s->p.fanout[k - 1];
	int64	   *off = s->nb_off[k];
	int32	   *idx = s->nb_idx[k];
	int64		pos[LP_SAGE_MAX_FANOUT];
	int64		m = 0;
	Size		n_fresh = 0;

	for (Size a = 0; a < s->size[k - 1]; a++)
	{
		int32		r = s->nodes[a];
		int32		base;
		int64		deg;
		const int32 *list = Neighbours(s, r, &deg, &base);
		int			np = SamplePositions(rng, deg, f, pos);

		off[a] = m;
		for (int t = 0; t < np; t++)
		{
			int32		q = base + list[pos[t]];

			/* the batch's own positives carry no messages */
			if (PairHas(s, PairKey(s, r, q)))
				continue;
			idx[m++] = q;
			Find(s, q, &n_fresh);
		}
	}
	off[s->size[k - 1]] = m;
	Admit(s, k, n_fresh);
	for (int64 e = 0; e < m; e++)
		idx[e] = s->slot[idx[e]];
}

static inline void
Axpy(float a, const float *x, float *y, int dim)
{
	for (int d = 0; d < dim; d++)
		y[d] += a * x[d];
}

static inline void
Scale(float a, float *x, int dim)
{
	for (int d = 0; d < dim; d++)
		x[d] *= a;
}

/*
 * out = act(in Ws' + agg Wn' + b), n rows, with the weights of layer l:
 * the one dense step of the forward pass, batch or full graph.
 */
static void
Affine(const Sage *s, int l, Size n, const float *in, const float *agg, float *out)
{
	const int	dim = s->dim;
	const float *ws = Block(s, s->w, l);
	const float *wn = ws + (Size) dim * dim;
	const float *b = wn + (Size) dim * dim;

	if (n == 0)
		return;
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int) n, dim, dim, 1.0f,
				in, dim, ws, dim, 0.0f, out, dim);
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int) n, dim, dim, 1.0f,
				agg, dim, wn, dim, 1.0f, out, dim);
	for (Size i = 0; i < n; i++)
	{
		float	   *o = out + i * dim;

		for (int d = 0; d < dim; d++)
			o[d] += b[d];
		if (l < s->p.layers)
			for (int d = 0; d < dim; d++)
				o[d] = Max(o[d], 0.0f);
	}
}

static void
Forward(Sage *s)
{
	const int	dim = s->dim;
	const int	L = s->p.layers;

	for (Size a = 0; a < s->size[L]; a++)
		memcpy(s->h[0] + a * dim, s->x + (Size) s->nodes[a] * dim, sizeof(float) * dim);
	for (int l = 1; l <= L; l++)
	{
		int			depth = L - l;
		const int64 *off = s->nb_off[depth + 1];
		const int32 *idx = s->nb_idx[depth + 1];

		for (Size a = 0; a < s->size[depth]; a++)
		{
			float	   *o = s->agg[l] + a * dim;
			int64		cnt = off[a + 1] - off[a];

			memset(o, 0, sizeof(float) * dim);
			for (int64 e = off[a]; e < off[a + 1]; e++)
				Axpy(1.0f, s->h[l - 1] + (Size) idx[e] * dim, o, dim);
			if (cnt > 1)
				Scale(1.0f / (float) cnt, o, dim);
		}
		Affine(s, l, s->size[depth], s->h[l - 1], s->agg[l], s->h[l]);
	}
}

/*
 * From the gradient on the last layer (seeds, in g) back to the weights
 * (into wg) and the inputs; returns the buffer holding the gradient of
 * h[0] (size[L] rows).
 */
static float *
Backward(Sage *s, float *g, float *spare)
{
	const int	dim = s->dim;
	const int	L = s->p.layers;

	for (int l = L; l >= 1; l--)
	{
		int			depth = L - l;
		Size		n_out = s->size[depth],
					n_in = s->size[depth + 1];
		const int64 *off = s->nb_off[depth + 1];
		const int32 *idx = s->nb_idx[depth + 1];
		const float *in = s->h[l - 1];
		float	   *agg = s->agg[l];
		const float *ws = Block(s, s->w, l);
		float	   *dws = Block(s, s->wg, l);
		float	   *dwn = dws + (Size) dim * dim;
		float	   *db = dwn + (Size) dim * dim;
		float	   *tmp;

		/* through the ReLU of a hidden layer: zero where it was cut */
		if (l < L)
			for (Size i = 0; i < n_out * dim; i++)
				if (s->h[l][i] <= 0)
					g[i] = 0;

		if (n_out > 0)
		{
			cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, dim, dim, (int) n_out, 1.0f,
						g, dim, in, dim, 1.0f, dws, dim);
			cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, dim, dim, (int) n_out, 1.0f,
						g, dim, agg, dim, 1.0f, dwn, dim);
			for (Size i = 0; i < n_out; i++)
				Axpy(1.0f, g + i * dim, db, dim);
			/* to the inputs: the self path, then the mean's (into agg: spent) */
			cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int) n_out, dim, dim, 1.0f,
						g, dim, ws, dim, 0.0f, spare, dim);
			cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int) n_out, dim, dim, 1.0f,
						g, dim, ws + (Size) dim * dim, dim, 0.0f, agg, dim);
		}
		memset(spare + n_out * dim, 0, sizeof(float) * (n_in - n_out) * dim);
		/* each neighbour gets its share of the mean's gradient */
		for (Size a = 0; a < n_out; a++)
		{
			int64		cnt = off[a + 1] - off[a];
			const float *ga = agg + a * dim;

			if (cnt == 0)
				continue;
			for (int64 e = off[a]; e < off[a + 1]; e++)
				Axpy(1.0f / (float) cnt, ga, spare + (Size) idx[e] * dim, dim);
		}
		tmp = g;
		g = spare;
		spare = tmp;
	}
	return g;
}

/*
 * The loss of positive p of the batch and its negatives, on the seeds'
 * last-layer vectors; gradients into g (seed rows) and bgrad.  The same
 * arithmetic as lightgcn.c's Accumulate.
 */
static float
Accumulate(Sage *s, LpEmbeddings *emb, int p, float *g)
{
	const LpTrainConfig *cfg = s->cfg;
	const int	dim = s->dim;
	const float *H = s->h[s->p.layers];
	int32		u = s->pos_u[p];
	int32		ri = s->item0 + s->pos_i[p];
	int32		lu = s->slot[u],
				li = s->slot[ri];
	const float *pu = H + (Size) lu * dim;
	const float *pi = H + (Size) li * dim;
	float	   *gu = g + (Size) lu * dim;
	float	   *gi = g + (Size) li * dim;
	float		w = s->pos_w[p];
	float		bi = *BiasOf(s, emb, ri);
	float		loss = 0;

	if (!LpLossPairwise(cfg->loss))
	{
		float		sc = LpDot(pu, pi, dim) + *BiasOf(s, emb, u) + bi;
		float		gr = LpPointGrad(cfg, sc, cfg->loss == LP_TRAIN_MSE ? w : 1.0f, &loss);

		if (cfg->loss == LP_TRAIN_BCE)
			gr *= w;
		Axpy(gr, pi, gu, dim);
		Axpy(gr, pu, gi, dim);
		s->bgrad[lu] += gr;
		s->bgrad[li] += gr;
	}
	for (int k = s->neg_off[p]; k < s->neg_off[p + 1]; k++)
	{
		int32		rj = s->item0 + s->neg[k];
		int32		lj = s->slot[rj];
		const float *pj = H + (Size) lj * dim;
		float	   *gj = g + (Size) lj * dim;
		float		bj = *BiasOf(s, emb, rj);

		if (!LpLossPairwise(cfg->loss))
		{
			float		sc = LpDot(pu, pj, dim) + *BiasOf(s, emb, u) + bj;
			float		gr = LpPointGrad(cfg, sc, 0.0f, &loss);

			Axpy(gr, pj, gu, dim);
			Axpy(gr, pu, gj, dim);
			s->bgrad[lu] += gr;
			s->bgrad[lj] += gr;
		}
		else
		{
			float		x = bi - bj + LpDot(pu, pi, dim) - LpDot(pu, pj, dim),
						l = 0,
						gr;

			gr = LpPairGrad(cfg, x, &l) * w;
			loss += l * w;
			Axpy(gr, pi, gu, dim);
			Axpy(-gr, pj, gu, dim);
			Axpy(gr, pu, gi, dim);
			Axpy(-gr, pu, gj, dim);
			s->bgrad[li] += gr;
			s->bgrad[lj] -= gr;
		}
	}
	return loss;
}

/* one mini-batch: positives order[0 .. n - 1]; Adam step t; the loss */
static double
Batch(Sage *s, const LpSamplerState *sampler, LpEmbeddings *emb, LpRng *rng,
	  const int64 *order, int64 n, const int32 *entry_src, float lr, int64 t)
{
	const LpGraph *g = s->g;
	const LpTrainConfig *cfg = s->cfg;
	const int	dim = s->dim;
	const int	L = s->p.layers;
	int32		n_neg = 0;
	Size		n_fresh = 0;
	double		loss = 0;
	float	   *grad;

	/* positives, their negatives (hard ones against the latest vectors) */
	memset(s->pairs, 0xff, sizeof(uint64) * s->p.hcap);
	for (int64 p = 0; p < n; p++)
	{
		int64		e = order[p];
		int32		u = entry_src[e];
		int			k = LpNegativeCount(g, cfg, u);

		s->pos_u[p] = u;
		s->pos_i[p] = g->targets[e];
		s->pos_w[p] = g->weights ? g->weights[e] : 1.0f;
		s->neg_off[p] = n_neg;
		for (int c = 0; c < k; c++)
		{
			int32		j = LpNegative(g, cfg, sampler, emb, emb->U + (Size) u * dim, rng, u);

			if (j >= 0)
				s->neg[n_neg++] = j;
		}
		PairAdd(s, PairKey(s, u, s->item0 + s->pos_i[p]));
	}
	s->neg_off[n] = n_neg;

	/* the seeds, then the hops */
	for (int64 p = 0; p < n; p++)
	{
		Find(s, s->pos_u[p], &n_fresh);
		Find(s, s->item0 + s->pos_i[p], &n_fresh);
	}
	for (int32 k = 0; k < n_neg; k++)
		Find(s, s->item0 + s->neg[k], &n_fresh);
	Admit(s, 0, n_fresh);
	for (int k = 1; k <= L; k++)
		SampleHop(s, k, rng);

	Forward(s);

	memset(s->d1, 0, sizeof(float) * s->size[0] * dim);
	memset(s->bgrad, 0, sizeof(float) * s->size[0]);
	for (int64 p = 0; p < n; p++)
		loss += Accumulate(s, emb, (int) p, s->d1);

	/* the latest vectors, for hard negatives */
	for (Size a = 0; a < s->size[0]; a++)
	{
		int32		r = s->nodes[a];
		float	   *dst = r < g->n_src ? emb->U + (Size) r * dim : emb->V + (Size) (r - g->n_src) * dim;

		memcpy(dst, s->h[L] + a * dim, sizeof(float) * dim);
	}

	memset(s->wg, 0, sizeof(float) * (Size) L * s->p.wblock);
	grad = Backward(s, s->d1, s->d2);

	/* the input rows read, with L2; then their biases (seeds only) */
	for (Size a = 0; a < s->size[L]; a++)
	{
		int32		r = s->nodes[a];
		Size		o = (Size) r * dim;

		Axpy(-cfg->reg, s->x + o, grad + a * dim, dim);
		s->xt[r] += 1;
		LpAdam(s->x + o, grad + a * dim, s->xm + o, s->xv + o, dim, lr, (int64) s->xt[r]);
	}
	if (cfg->bias)
		for (Size a = 0; a < s->size[0]; a++)
		{
			int32		r = s->nodes[a];
			float	   *b = BiasOf(s, emb, r);
			float		gb = s->bgrad[a] - cfg->reg * *b;

			LpAdam(b, &gb, s->bm + r, s->bv2 + r, 1, lr, (int64) s->xt[r]);
		}
	/* the matrices: L2 towards I (see LP_SAGE_WEIGHT_DECAY); b is free */
	for (int l = 1; l <= L; l++)
	{
		const float *w = Block(s, s->w, l);
		float	   *wg = Block(s, s->wg, l);

		for (Size i = 0; i < 2 * (Size) dim * dim; i++)
		{
			Size		e = i % ((Size) dim * dim);
			float		w0 = e / dim == e % dim ? 1.0f : 0.0f;

			wg[i] -= LP_SAGE_WEIGHT_DECAY * cfg->reg * (w[i] - w0);
		}
	}
	/* a dim-wide row of W moves all of a unit's input: smaller steps */
	LpAdam(s->w, s->wg, s->wm, s->wv, (Size) L * s->p.wblock, lr / sqrtf((float) dim), t);

	for (Size a = 0; a < s->size[L]; a++)
		s->slot[s->nodes[a]] = -1;
	return loss;
}

/*
 * Layer l for every row over its full neighbourhood: out from in (both
 * n_rows x dim), the neighbour means a block at a time in tmp (blk rows).
 */
static void
FullLayer(Sage *s, int l, const float *in, float *out, float *tmp, Size blk)
{
	const int	dim = s->dim;
	const int32 n_rows = s->p.n_rows;

	for (int32 r0 = 0; r0 < n_rows; r0 += (int32) blk)
	{
		int32		r1 = (int32) Min((Size) n_rows, r0 + blk);

		for (int32 r = r0; r < r1; r++)
		{
			float	   *o = tmp + (Size) (r - r0) * dim;
			int32		base;
			int64		deg;
			const int32 *list = Neighbours(s, r, &deg, &base);

			memset(o, 0, sizeof(float) * dim);
			for (int64 e = 0; e < deg; e++)
				Axpy(1.0f, in + (Size) (base + list[e]) * dim, o, dim);
			if (deg > 1)
				Scale(1.0f / (float) deg, o, dim);
		}
		Affine(s, l, r1 - r0, in + (Size) r0 * dim, tmp, out + (Size) r0 * dim);
	}
}

/* Ws = Wn = I, b = 0: the untrained encoder smooths, see sage.h */
static void
InitWeights(Sage *s)
{
	Size		nw = (Size) s->p.layers * s->p.wblock;

	memset(s->w, 0, sizeof(float) * nw);
	for (Size blk = 0; blk < nw; blk += s->p.wblock)
		for (int d = 0; d < s->dim; d++)
		{
			s->w[blk + (Size) d * s->dim + d] = 1.0f;
			s->w[blk + (Size) s->dim * s->dim + (Size) d * s->dim + d] = 1.0f;
		}
	memset(s->wm, 0, sizeof(float) * 2 * nw);
}

/* LpSageTrain's state between batches */
typedef struct SageRun
{
	Sage	   *s;
	const LpSamplerState *sampler;
	LpEmbeddings *cur;
	const int32 *entry_src;
} SageRun;

static void
SageBatch(void *state, const int64 *order, const LpBatch *b, LpRng *rng, double *loss)
{
	SageRun    *run = state;
	Sage	   *s = run->s;

	*loss += Batch(s, run->sampler, run->cur, rng, order + b->start, b->end - b->start,
				   run->entry_src, b->lr, b->t + 1);
	LpLinkPull(s->g, s->cfg, s->x, b->lr, b->start, b->end, rng);	/* on the users' input vectors */
}

LpTrainResult
LpSageTrain(const LpGraph *g, const LpTrainConfig *cfg, const LpSamplerState *sampler,
			LpEmbeddings *emb, int64 *order, int32 *entry_src, float *work, void *index,
			LpProgressFn progress, void *arg, double *final_loss)
{
	Sage		s;
	LpRng		rng;
	LpEmbeddings cur = *emb;
	SageRun		run;
	LpTrainResult result;
	Size		nd;
	float	   *in;

	memset(&s, 0, sizeof(s));
	s.g = g;
	s.cfg = cfg;
	s.dim = cfg->dim;
	s.item0 = g->tied ? 0 : g->n_src;
	MakePlan(g, cfg, &s.p);
	Carve(&s, g, cfg, work, index);
	nd = (Size) s.p.n_rows * s.dim;

	/* a tied graph's V and bv are its U and bu */
	if (g->tied)
	{
		cur.V = cur.U;
		cur.bv = cur.bu;
	}
	memcpy(s.x, cur.U, sizeof(float) * g->n_src * (Size) s.dim);
	if (!g->tied)
		memcpy(s.x + (Size) g->n_src * s.dim, cur.V, sizeof(float) * g->n_dst * (Size) s.dim);
	memset(s.xm, 0, sizeof(float) * 2 * nd);
	memset(s.xt, 0, sizeof(float) * 3 * (Size) s.p.n_rows);	/* and bias moments */
	InitWeights(&s);
	for (int32 r = 0; r < s.p.n_rows; r++)
		s.slot[r] = -1;

	LpTrainBegin(g, cfg, &rng, order, entry_src);
	run.s = &s;
	run.sampler = sampler;
	run.cur = &cur;
	run.entry_src = entry_src;
	result = LpEpochLoop(g, cfg, s.p.batch, &rng, order, SageBatch, &run, progress, arg,
						 final_loss);
	if (result != LP_TRAIN_OK)
		return result;

	/* every node over its full neighbourhood; the moments are spent */
	in = s.x;
	for (int l = 1; l <= s.p.layers; l++)
	{
		float	   *out = l % 2 ? s.xm : s.xv;

		FullLayer(&s, l, in, out, s.h[0], Max(s.p.cap[s.p.layers], 1));
		in = out;
	}
	memcpy(cur.U, in, sizeof(float) * g->n_src * (Size) s.dim);
	if (!g->tied)
		memcpy(cur.V, in + (Size) g->n_src * s.dim, sizeof(float) * g->n_dst * (Size) s.dim);
	return LP_TRAIN_OK;
}
