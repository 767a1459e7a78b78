/*
 * head_walk.c: the structural head's random-walk features (11 and 12 of
 * head.h) on an undirected graph.
 *
 * r_k(u, v) = 2m / (d_u d_v) W_k(u, v), W_k the sum over the walks of k
 * steps from u to v of 1 / (the degrees of the nodes inside the walk):
 * P^k[u, v] = W_k / d_u, and d_v / 2m is v's stationary share.  Walks,
 * not paths: a walk may return to u or pass v, as a random walk does, and
 * reversing a walk keeps its weight, so W_k(u, v) = W_k(v, u).
 *
 * A pair: the 2-hop sums h[y] = W_2(a, y) out of one end a (the smaller
 * index, so that both orders add the same floats in the same order), then
 * at the other end b, W_2 = h[b] and W_3 = the sum over y ~ b of h[y] / d_y:
 * a ball of radius 2 and b's neighbours.  Every candidate of u (top-k): the
 * 2-hop sums are head.c's ra, then one more hop of the same propagation
 * from u, whose sums the pass over the candidates reads and zeroes.
 * (r_4 was measured too and left out: bench/RESULTS-head-walk.md.)
 * Pure C: no PostgreSQL calls.
 */
#include "postgres.h"

#include <math.h>
#include <string.h>

#include "head.h"

static inline int64
Deg(const LpHeurGraph *g, int32 x)
{
	return g->u_off[x + 1] - g->u_off[x];
}

static inline void
Mark(LpHeadScratch *sc, int32 x, int32 *n)
{
	if (!sc->wmark[x])
	{
		sc->wmark[x] = 1;
		sc->wt[(*n)++] = x;
	}
}

/*
 * ln(1 + r): top-k takes it for every node three hops from u, and libm's
 * log1p cost as much as the walk.  x = 1 + r = 2^e m with m in
 * [sqrt(1/2), sqrt(2)), then ln m = 2 atanh(t), t = (m - 1) / (m + 1),
 * |t| < 0.172, by its series to t^9: error below 1e-9, and no call.
 */
static inline float
LnWalk(double r)
{
	double		x = 1.0 + r,
				m,
				t,
				t2;
	uint64		bits;
	int			e;

	if (!(r > 0))
		return 0.0f;
	memcpy(&bits, &x, sizeof(x));
	e = (int) ((bits >> 52) & 0x7ff) - 1023;
	bits = (bits & 0x000fffffffffffffULL) | 0x3ff0000000000000ULL;	/* m in [1, 2) */
	memcpy(&m, &bits, sizeof(m));
	if (m > M_SQRT2)
	{
		m *= 0.5;
		e++;
	}
	t = (m - 1.0) / (m + 1.0);
	t2 = t * t;
	return (float) (e * M_LN2 +
					2.0 * t * (1.0 + t2 * (1.0 / 3 + t2 * (1.0 / 5 + t2 * (1.0 / 7 + t2 / 9)))));
}

static inline void
Features(const LpHeurGraph *g, int64 du, int64 dv, double w2, double w3, float *f)
{
	/* 2m over the two degrees: r_k is W_k over what a random pair expects */
	double		c = (double) g->u_off[g->n_users] / ((double) du * (double) dv);

	f[LP_HEAD_WALK0] = LnWalk(c * w2);
	f[LP_HEAD_WALK0 + 1] = LnWalk(c * w3);
}

static inline void
Zero(float *f)
{
	f[LP_HEAD_WALK0] = f[LP_HEAD_WALK0 + 1] = 0.0f;
}

/* a pair's 2-hop sums and marks back to 0 */
static void
Reset(LpHeadScratch *sc)
{
	int32		n = sc->wt_n;

	for (int32 i = 0; i < n; i++)
	{
		int32		x = sc->wt[i];

		sc->w3[x] = 0.0f;
		sc->wmark[x] = 0;
	}
	sc->wt_n = 0;
}

void
LpHeadWalkPair(const LpHeurGraph *g, int32 u, int32 v, float *f, LpHeadScratch *sc)
{
	int32		a = Min(u, v),
				b = Max(u, v),
				n = 0;
	int64		da,
				db;
	float	   *h = sc->w3;
	double		w2,
				w3 = 0;

	if (!g->tied || a < 0 || a == b || (da = Deg(g, a)) == 0 || (db = Deg(g, b)) == 0)
	{
		Zero(f);
		return;
	}
	for (int64 e = g->u_off[a]; e < g->u_off[a + 1]; e++)
	{
		int32		x = g->u_adj[e];
		float		wx = 1.0f / (float) Deg(g, x);

		for (int64 k = g->u_off[x]; k < g->u_off[x + 1]; k++)
		{
			Mark(sc, g->u_adj[k], &n);
			h[g->u_adj[k]] += wx;
		}
	}
	sc->wt_n = n;
	w2 = h[b];
	for (int64 e = g->u_off[b]; e < g->u_off[b + 1]; e++)
	{
		int32		x = g->u_adj[e];

		if (h[x] != 0.0f)
			w3 += h[x] / (double) Deg(g, x);
	}
	Reset(sc);
	Features(g, da, db, w2, w3, f);
}

void
LpHeadWalkAll(const LpHeurGraph *g, int32 u, int32 ntouched, LpHeadScratch *sc)
{
	/* locals, not sc's fields: stores into the float array may alias sc */
	const int64 *off = g->u_off;
	const int32 *adj = g->u_adj;
	float	   *w3 = sc->w3;
	float		self2 = 0.0f;

	/* W_2(u, u): the walks u-a-u */
	for (int64 e = off[u]; e < off[u + 1]; e++)
		self2 += 1.0f / (float) Deg(g, adj[e]);

	/*
	 * hop 3: from every node y with W_2(u, y) > 0 (u among them).  Nothing
	 * marks what it reaches: LpHeadWalkTake zeroes every node's sum as the
	 * pass over the candidates reads it.
	 */
	for (int32 t = -1; t < ntouched; t++)
	{
		int32		y = t < 0 ? u : sc->touched[t];
		float		hy = (t < 0 ? self2 : sc->ra[y]) / (float) Deg(g, y);

		for (int64 k = off[y]; k < off[y + 1]; k++)
			w3[adj[k]] += hy;
	}
}

void
LpHeadWalkTake(const LpHeurGraph *g, int32 u, int32 v, LpHeadScratch *sc, float *f)
{
	int64		du = Deg(g, u),
				dv = Deg(g, v);

	if (v == u || du == 0 || dv == 0)
		Zero(f);
	else
		Features(g, du, dv, sc->ra[v], sc->w3[v], f);
	sc->w3[v] = 0.0f;
}

bool
LpHeadUsesWalks(const LpHead *h)
{
	for (int k = LP_HEAD_WALK0; k < LP_HEAD_NFEAT; k++)
		if (h->w[k] != 0.0f)
			return true;
	return false;
}
