/*
 * sage.c: the GraphSAGE encoder's plan and layers (see sage.h for the
 * model): the sizes of the work and index spaces and their carving, the
 * sampled neighbourhood of a batch hop by hop, and the layers' forward and
 * backward passes.  sage_batch.c trains with them: the loss, the Adam
 * steps and the epoch loop.
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
 */
#include "postgres.h"

#include <math.h>
#include <string.h>
#include <cblas.h>

#include "sage_internal.h"

#define LP_SAGE_BATCHES 16
#define LP_SAGE_MIN_BATCH 256
#define LP_SAGE_MAX_BATCH 65536

/* an empty slot of the batch's positive-pair set: no pair of ids < 2^31 */
#define EMPTY_KEY (~UINT64CONST(0))

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

void
LpSageMakePlan(const LpGraph *g, const LpTrainConfig *cfg, Plan *p)
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
	p->n_attrs = g->n_attrs;
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
	n += 2 * p->cap[0];			/* bgrad, sbias */
	if (p->n_attrs > 0)
	{
		/* A's moments and gradient; ab's; the attributes-only pass */
		n += 3 * (Size) p->n_attrs * dim + 4 * (Size) p->n_attrs;
		n += (Size) (p->layers + 3) * p->cap[0] * dim + 2 * p->cap[0];
	}
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
	if (p->n_attrs > 0)
		n += 2 * ALIGN8(sizeof(int32) * (Size) p->n_attrs) +	/* amark, alist */
			ALIGN8(sizeof(bool) * (Size) p->batch) + ALIGN8(sizeof(bool) * p->cap[0]);
	return n + 8;
}

Size
LpSageWorkFloats(const LpGraph *g, const LpTrainConfig *cfg)
{
	Plan		p;

	LpSageMakePlan(g, cfg, &p);
	return PlanFloats(&p, cfg->dim);
}

Size
LpSageIndexBytes(const LpGraph *g, const LpTrainConfig *cfg)
{
	Plan		p;

	LpSageMakePlan(g, cfg, &p);
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

void
LpSageCarve(Sage *s, const LpGraph *g, const LpTrainConfig *cfg, float *work, void *index)
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
	s->sbias = TakeFloats(&work, p->cap[0]);
	if (p->n_attrs > 0)
	{
		Size		na = (Size) p->n_attrs;

		s->am = TakeFloats(&work, na * dim);
		s->av = TakeFloats(&work, na * dim);
		s->ag = TakeFloats(&work, na * dim);
		s->at = TakeFloats(&work, na);
		s->abm = TakeFloats(&work, na);
		s->abv = TakeFloats(&work, na);
		s->abg = TakeFloats(&work, na);
		for (int l = 0; l <= L; l++)
			s->ch[l] = TakeFloats(&work, p->cap[0] * dim);
		s->cg1 = TakeFloats(&work, p->cap[0] * dim);
		s->cg2 = TakeFloats(&work, p->cap[0] * dim);
		s->cb = TakeFloats(&work, p->cap[0]);
		s->cbg = TakeFloats(&work, p->cap[0]);
	}

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
	if (p->n_attrs > 0)
	{
		s->amark = TakeBytes(&b, sizeof(int32) * (Size) p->n_attrs);
		s->alist = TakeBytes(&b, sizeof(int32) * (Size) p->n_attrs);
		s->pflag = TakeBytes(&b, sizeof(bool) * (Size) p->batch);
		s->cold = TakeBytes(&b, sizeof(bool) * p->cap[0]);
	}
}

static inline Size
PairSlot(const Sage *s, uint64 key)
{
	/* Fibonacci hashing: the product's high bits are the well-mixed ones */
	return (Size) ((key * UINT64CONST(0x9E3779B97F4A7C15)) >> 32) & (s->p.hcap - 1);
}

void
LpSagePairAdd(Sage *s, uint64 key)
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
void
LpSageFind(Sage *s, int32 r, Size *n_fresh)
{
	if (s->slot[r] == -1)
	{
		s->slot[r] = -2;
		s->fresh[(*n_fresh)++] = r;
	}
}

/* append the current hop's new nodes as hop k */
void
LpSageAdmit(Sage *s, int k, Size n_fresh)
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
void
LpSageSampleHop(Sage *s, int k, LpRng *rng)
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
			LpSageFind(s, q, &n_fresh);
		}
	}
	off[s->size[k - 1]] = m;
	LpSageAdmit(s, k, n_fresh);
	for (int64 e = 0; e < m; e++)
		idx[e] = s->slot[idx[e]];
}


/*
 * out = act(in Ws' + agg Wn' + b), n rows, with the weights of layer l:
 * the one dense step of the forward pass, batch or full graph; agg NULL:
 * no neighbour term, as for nodes without neighbours (the cold pass).
 */
void
LpSageAffine(const Sage *s, int l, Size n, const float *in, const float *agg, float *out)
{
	const int	dim = s->dim;
	const float *ws = Block(s, s->w, l);
	const float *wn = ws + (Size) dim * dim;
	const float *b = wn + (Size) dim * dim;

	if (n == 0)
		return;
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int) n, dim, dim, 1.0f,
				in, dim, ws, dim, 0.0f, out, dim);
	if (agg)
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

void
LpSageForward(Sage *s)
{
	const int	dim = s->dim;
	const int	L = s->p.layers;

	for (Size a = 0; a < s->size[L]; a++)
	{
		int32		r = s->nodes[a];
		float		b;

		if (s->attrs)
			LpSageInput(s, r, !LpSageIdDropped(s, r), s->h[0] + a * dim, &b);
		else
			memcpy(s->h[0] + a * dim, s->x + (Size) r * dim, sizeof(float) * dim);
	}
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
				LpAxpy(1.0f, s->h[l - 1] + (Size) idx[e] * dim, o, dim);
			if (cnt > 1)
				Scale(1.0f / (float) cnt, o, dim);
		}
		LpSageAffine(s, l, s->size[depth], s->h[l - 1], s->agg[l], s->h[l]);
	}
}

/*
 * From the gradient on the last layer (seeds, in g) back to the weights
 * (into wg) and the inputs; returns the buffer holding the gradient of
 * h[0] (size[L] rows).
 */
float *
LpSageBackward(Sage *s, float *g, float *spare)
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
				LpAxpy(1.0f, g + i * dim, db, dim);
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
				LpAxpy(1.0f / (float) cnt, ga, spare + (Size) idx[e] * dim, dim);
		}
		tmp = g;
		g = spare;
		spare = tmp;
	}
	return g;
}
