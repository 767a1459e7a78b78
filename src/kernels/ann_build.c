/*
 * ann_build.c: the build of the approximate top-k index (see ann.h for the
 * interface, ann.c for the method and the blob's format): the items put on
 * a sphere, k-means for the lists (sgemm), every item assigned to its list,
 * the 4-bit levels fitted per coordinate (Lloyd-Max), the codes written
 * into the lists' blocks and the blob laid out and checksummed.  Plain
 * malloc, no PostgreSQL calls; a caller's keep_going can stop it between
 * matrix products.
 */
#include "postgres.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "ann_internal.h"
#include "graph.h"

#define LEVEL_SAMPLE	65536		/* residuals per coordinate to fit levels */
#define LLOYD_ROUNDS	25
#define ASSIGN_FLOATS	(4 * 1024 * 1024)	/* sgemm output block, floats */
#define ASSIGN_ROWS		4096		/* and rows, at the most */

/* splitmix64: a seedable generator for the k-means sample and restarts */
static inline uint64
NextRandom(uint64 *state)
{
	uint64		z = (*state += UINT64CONST(0x9E3779B97F4A7C15));

	z = (z ^ (z >> 30)) * UINT64CONST(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64CONST(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

/* uniform in [0, m) */
static inline int32
RandomBelow(uint64 *state, int32 m)
{
	return (int32) (((NextRandom(state) >> 32) * (uint64) m) >> 32);
}

/* the items as the index sees them: V and the bias over the bias scale */
typedef struct Items
{
	const float *V;
	const float *bv;			/* may be NULL */
	int			dim;
	float		bias_scale;
} Items;

/* coordinate d (0 .. dim) of item i */
static inline float
Coord(const Items *it, int32 i, int d)
{
	if (d < it->dim)
		return it->V[(int64) i * it->dim + d];
	return it->bv ? it->bv[i] / it->bias_scale : 0.0f;
}

static double
Norm2(const Items *it, int32 i)
{
	double		s = 0.0;

	for (int d = 0; d <= it->dim; d++)
		s += (double) Coord(it, i, d) * Coord(it, i, d);
	return s;
}

/*
 * Rows [x, sqrt(R^2 - |x|^2)] for items first .. first + nrows - 1, or for
 * items idx[0 .. nrows - 1] when idx is not NULL.
 */
static void
SphereRows(const Items *it, double radius2, const int32 *idx, int32 first, int32 nrows,
		   float *out)
{
	int			width = it->dim + 2;

	for (int32 r = 0; r < nrows; r++)
	{
		int32		i = idx ? idx[r] : first + r;
		float	   *o = out + (int64) r * width;

		for (int d = 0; d <= it->dim; d++)
			o[d] = Coord(it, i, d);
		o[it->dim + 1] = (float) sqrt(Max(radius2 - Norm2(it, i), 0.0));
	}
}

/* half the squared norm of each centroid, for nearest-centroid searches */
static void
HalfNorms(const float *C, int32 nlist, int width, float *halfnorm)
{
	for (int32 c = 0; c < nlist; c++)
	{
		double		s = 0.0;

		for (int d = 0; d < width; d++)
			s += (double) C[(int64) c * width + d] * C[(int64) c * width + d];
		halfnorm[c] = (float) (s / 2);
	}
}

/* the caller asked the build to stop (LpAnnParams.keep_going) */
static inline bool
Stopped(const LpAnnParams *p)
{
	return p->keep_going != NULL && !p->keep_going(p->keep_going_arg);
}

/*
 * Nearest centroid of each of nrows rows: argmax x.c - |c|^2 / 2, the dot
 * products by sgemm into gbuf (gbuf_rows x nlist).  Ties go to the lower
 * centroid.  Asks p whether to go on before each block (the build's time
 * is here); false when told to stop.
 */
static bool
AssignRows(const LpAnnParams *p, const float *X, int32 nrows, int width, const float *C,
		   const float *halfnorm, int32 nlist, float *gbuf, int32 gbuf_rows, int32 *out)
{
	for (int32 r0 = 0; r0 < nrows; r0 += gbuf_rows)
	{
		int32		nb = Min(gbuf_rows, nrows - r0);

		if (Stopped(p))
			return false;

		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, nb, nlist, width, 1.0f,
					X + (int64) r0 * width, width, C, width, 0.0f, gbuf, nlist);
		for (int32 r = 0; r < nb; r++)
		{
			const float *g = gbuf + (int64) r * nlist;
			int32		best = 0;
			float		best_v = g[0] - halfnorm[0];

			for (int32 c = 1; c < nlist; c++)
			{
				float		v = g[c] - halfnorm[c];

				if (v > best_v)
				{
					best_v = v;
					best = c;
				}
			}
			out[r0 + r] = best;
		}
	}
	return true;
}

/*
 * Lloyd's k-means on the ns sample rows S, starting from the first nlist of
 * them (the sample is in random order).  A list left empty restarts at a
 * random sample row.  C: nlist x width.  false when out of memory or
 * told to stop.
 */
static bool
KMeans(const LpAnnParams *p, const float *S, int32 ns, int width, int32 nlist,
	   uint64 *rng, float *C, float *halfnorm, float *gbuf, int32 gbuf_rows)
{
	int32	   *assign = malloc(sizeof(int32) * ns);
	int32	   *count = malloc(sizeof(int32) * nlist);
	double	   *sum = malloc(sizeof(double) * nlist * width);
	bool		ok = assign && count && sum;

	if (ok)
		memcpy(C, S, sizeof(float) * nlist * width);
	for (int it = 0; ok && it < p->iterations; it++)
	{
		HalfNorms(C, nlist, width, halfnorm);
		if (!AssignRows(p, S, ns, width, C, halfnorm, nlist, gbuf, gbuf_rows, assign))
		{
			ok = false;
			break;
		}
		memset(count, 0, sizeof(int32) * nlist);
		memset(sum, 0, sizeof(double) * nlist * width);
		for (int32 r = 0; r < ns; r++)
		{
			count[assign[r]]++;
			for (int d = 0; d < width; d++)
				sum[(int64) assign[r] * width + d] += S[(int64) r * width + d];
		}
		for (int32 c = 0; c < nlist; c++)
		{
			float	   *centroid = C + (int64) c * width;

			if (count[c] == 0)
				memcpy(centroid, S + (int64) RandomBelow(rng, ns) * width, sizeof(float) * width);
			else
				for (int d = 0; d < width; d++)
					centroid[d] = (float) (sum[(int64) c * width + d] / count[c]);
		}
	}
	if (ok)
		HalfNorms(C, nlist, width, halfnorm);
	free(assign);
	free(count);
	free(sum);
	return ok;
}

/*
 * 16 levels minimising the squared error on m sorted values (Lloyd-Max),
 * started at the quantiles; ascending.  prefix: m + 1 doubles.
 */
static void
FitLevels(const float *sorted, int32 m, double *prefix, float *levels)
{
	prefix[0] = 0.0;
	for (int32 i = 0; i < m; i++)
		prefix[i + 1] = prefix[i] + sorted[i];
	for (int j = 0; j < LEVELS; j++)
		levels[j] = sorted[(int32) ((j + 0.5) * m / LEVELS)];
	for (int round = 0; round < LLOYD_ROUNDS; round++)
	{
		int32		lo = 0;

		for (int j = 0; j < LEVELS; j++)
		{
			int32		hi = m;

			if (j < LEVELS - 1)
			{
				/* first value past the midpoint to the next level */
				float		bound = (levels[j] + levels[j + 1]) / 2;
				int32		a = lo,
							b = m;

				while (a < b)
				{
					int32		mid = a + (b - a) / 2;

					if (sorted[mid] <= bound)
						a = mid + 1;
					else
						b = mid;
				}
				hi = a;
			}
			if (hi > lo)
				levels[j] = (float) ((prefix[hi] - prefix[lo]) / (hi - lo));
			lo = hi;
		}
	}
}

/* code of value v: the number of midpoints between levels below it */
static inline int
Quantize(const float *bounds, float v)
{
	int			c = 0;

	for (int j = 0; j < LEVELS - 1; j++)
		c += v > bounds[j];
	return c;
}

LpAnnParams
LpAnnDefaultParams(void)
{
	LpAnnParams p;

	p.list_size = 256;
	p.nlist = 0;
	p.probe_fraction = 0.4;
	p.min_scan = 262144;
	p.query_scale = 0.0f;
	p.rerank = 20;
	p.sample_per_list = 64;
	p.iterations = 10;
	p.keep_going = NULL;
	p.keep_going_arg = NULL;
	return p;
}

/*
 * Lists probed by default: probe_fraction of them, and enough for min_scan
 * items.  A smaller catalog needs a larger share for the same recall (its
 * lists are fewer and coarser) and its scan is cheap anyway.
 */
static int32
DefaultProbes(const LpAnnParams *p, int32 n, int32 nlist)
{
	double		share = Max(p->probe_fraction, n > 0 ? (double) p->min_scan / n : 1.0);

	if (nlist == 0)
		return 0;
	return (int32) Min((double) nlist, Max(1.0, ceil(Min(share, 1.0) * nlist)));
}

/*
 * Fit the levels of every coordinate on the residuals of the sampled items
 * (idx: the first m of the sample) and write each item's codes and id into
 * its list's blocks.  false when out of memory.
 */
static bool
EncodeItems(LpAnnBlob *h, const Items *it, const int32 *idx, int32 m, const int32 *assign)
{
	int			coords = h->dim + 1;
	const float *C = SECTION(h, off_centroids, const float *);
	float	   *levels = SECTION(h, off_levels, float *);
	const int32 *lists = SECTION(h, off_lists, const int32 *);
	int32	   *ids = SECTION(h, off_ids, int32 *);
	uint8	   *codes = SECTION(h, off_codes, uint8 *);
	Size		block_bytes = BlockBytes(h);
	float	   *vals;
	double	   *prefix;
	float	   *bounds;
	int32	   *fill;

	if (h->n == 0)
		return true;			/* no lists, no blocks; the levels stay 0 */
	vals = malloc(sizeof(float) * m);
	prefix = malloc(sizeof(double) * (m + 1));
	bounds = malloc(sizeof(float) * coords * (LEVELS - 1));
	fill = calloc(h->nlist, sizeof(int32));
	if (!vals || !prefix || !bounds || !fill)
	{
		free(vals);
		free(prefix);
		free(bounds);
		free(fill);
		return false;
	}
	for (int d = 0; d < coords; d++)
	{
		for (int32 r = 0; r < m; r++)
			vals[r] = Coord(it, idx[r], d) - C[(int64) assign[idx[r]] * coords + d];
		qsort(vals, m, sizeof(float), LpCompareFloat);
		FitLevels(vals, m, prefix, levels + d * LEVELS);
		for (int j = 0; j < LEVELS - 1; j++)
			bounds[d * (LEVELS - 1) + j] = (levels[d * LEVELS + j] + levels[d * LEVELS + j + 1]) / 2;
	}

	/* padding: ids -1, codes 0 (the padding coordinate's table is all 0) */
	memset(ids, 0xff, sizeof(int32) * h->nblocks * BLOCK);
	memset(codes, 0, block_bytes * h->nblocks);
	for (int32 i = 0; i < h->n; i++)
	{
		int32		l = assign[i];
		int32		slot = fill[l]++;
		int64		b = lists[l] + slot / BLOCK;
		int			j = slot % BLOCK;
		uint8	   *bc = codes + b * block_bytes + (j % (BLOCK / 2));
		int			shift = j < BLOCK / 2 ? 0 : 4;

		ids[b * BLOCK + j] = i;
		for (int d = 0; d < coords; d++)
			bc[d * (BLOCK / 2)] |= Quantize(bounds + d * (LEVELS - 1),
											Coord(it, i, d) - C[(int64) l * coords + d]) << shift;
	}
	free(vals);
	free(prefix);
	free(bounds);
	free(fill);
	return true;
}

/* the counts a build needs before it can allocate the blob */
typedef struct BuildPlan
{
	int32		nlist;
	int32		ns;				/* k-means sample */
	int32		gbuf_rows;
	double		radius2;
} BuildPlan;

/* centroids (C, with halfnorm) and every item's list, into assign */
static bool
Cluster(const Items *it, int32 n, const LpAnnParams *p, const BuildPlan *plan,
		const int32 *perm, uint64 *rng, float *C, float *halfnorm, int32 *assign)
{
	int			width = it->dim + 2;
	/* S holds the sample, then blocks of items */
	float	   *S = malloc(sizeof(float) * (Size) Max(plan->ns, Min(plan->gbuf_rows, n)) * width);
	float	   *gbuf = malloc(sizeof(float) * (Size) plan->gbuf_rows * plan->nlist);
	bool		ok = S && gbuf;

	if (ok)
	{
		SphereRows(it, plan->radius2, perm, 0, plan->ns, S);
		ok = KMeans(p, S, plan->ns, width, plan->nlist, rng, C, halfnorm,
					gbuf, plan->gbuf_rows);
	}
	/* every item: its sphere rows a block at a time, reusing S */
	for (int32 i0 = 0; ok && i0 < n; i0 += plan->gbuf_rows)
	{
		int32		nb = Min(plan->gbuf_rows, n - i0);

		SphereRows(it, plan->radius2, NULL, i0, nb, S);
		ok = AssignRows(p, S, nb, width, C, halfnorm, plan->nlist, gbuf, plan->gbuf_rows,
						assign + i0);
	}
	free(S);
	free(gbuf);
	return ok;
}

LpAnnBlob *
LpAnnBuild(const float *V, const float *bv, int32 n, int dim, const LpAnnParams *params,
		   uint64 seed, Size *blob_size)
{
	LpAnnParams p = params ? *params : LpAnnDefaultParams();
	LpAnnBlob	h;
	LpAnnBlob  *blob = NULL;
	BuildPlan	plan;
	Items		it;
	int			width = dim + 2;
	int			coords = dim + 1;
	int32	   *perm = NULL,
			   *assign = NULL,
			   *count = NULL;
	float	   *C = NULL,
			   *halfnorm = NULL;
	uint64		rng = seed;
	uint64		size;

	*blob_size = 0;
	if (n < 0 || dim < 1 || dim > LP_ANN_MAX_DIM)
		return NULL;

	/*
	 * The bias is weighed against the vector as a query weighs it: 1 against
	 * coordinates of the query's typical size.  Items carry bv / g and
	 * queries g, g that size, so that k-means and the codes see the bias
	 * with its weight in the scores.
	 */
	it.V = V;
	it.bv = bv;
	it.dim = dim;
	it.bias_scale = p.query_scale;
	if (!(it.bias_scale > 0.0f))
	{
		double		ss = 0.0;

		for (int64 j = 0; j < (int64) n * dim; j++)
			ss += (double) V[j] * V[j];
		it.bias_scale = ss > 0.0 ? (float) sqrt(ss / ((double) n * dim)) : 1.0f;
	}

	/* the sphere's radius: the largest item norm */
	plan.radius2 = 0.0;
	for (int32 i = 0; i < n; i++)
		plan.radius2 = Max(plan.radius2, Norm2(&it, i));
	plan.nlist = p.nlist > 0 ? p.nlist : n / Max(p.list_size, 1);
	plan.nlist = n > 0 ? Min(Max(plan.nlist, 1), n) : 0;
	plan.ns = (int32) Min((int64) n, (int64) plan.nlist * Max(p.sample_per_list, 1));
	plan.gbuf_rows = Min(ASSIGN_ROWS, Max(1, ASSIGN_FLOATS / Max(plan.nlist, 1)));

	memset(&h, 0, sizeof(h));
	h.magic = LP_ANN_MAGIC;
	h.version = LP_ANN_VERSION;
	h.n = n;
	h.dim = dim;
	h.nlist = plan.nlist;
	h.npairs = (coords + 1) / 2;
	h.nprobe = DefaultProbes(&p, n, plan.nlist);
	h.rerank = Max(p.rerank, 1);
	h.bias_scale = it.bias_scale;
	h.radius = (float) sqrt(plan.radius2);

	perm = malloc(sizeof(int32) * Max(n, 1));
	assign = malloc(sizeof(int32) * Max(n, 1));
	count = calloc(Max(plan.nlist, 1), sizeof(int32));
	C = malloc(sizeof(float) * Max(plan.nlist, 1) * width);
	halfnorm = malloc(sizeof(float) * Max(plan.nlist, 1));
	if (!perm || !assign || !count || !C || !halfnorm)
		goto done;

	/* a random sample without repeats: the first ns of a shuffled prefix */
	for (int32 i = 0; i < n; i++)
		perm[i] = i;
	for (int32 i = 0; i < plan.ns; i++)
	{
		int32		j = i + RandomBelow(&rng, n - i);
		int32		t = perm[i];

		perm[i] = perm[j];
		perm[j] = t;
	}
	if (n > 0 && !Cluster(&it, n, &p, &plan, perm, &rng, C, halfnorm, assign))
		goto done;

	for (int32 i = 0; i < n; i++)
		count[assign[i]]++;
	h.nblocks = 0;
	for (int32 l = 0; l < plan.nlist; l++)
		h.nblocks += (count[l] + BLOCK - 1) / BLOCK;
	size = LpAnnLayout(&h);
	if (size > PG_UINT32_MAX || (blob = calloc(1, size)) == NULL)
		goto done;
	*blob = h;
	blob->size = (uint32) size;

	{
		float	   *bc = SECTION(blob, off_centroids, float *);
		int32	   *lists = SECTION(blob, off_lists, int32 *);

		/* the blob keeps the centroids without their sphere coordinate */
		for (int32 l = 0; l < plan.nlist; l++)
			memcpy(bc + (int64) l * coords, C + (int64) l * width, sizeof(float) * coords);
		memcpy(SECTION(blob, off_halfnorm, float *), halfnorm, sizeof(float) * plan.nlist);
		lists[0] = 0;
		for (int32 l = 0; l < plan.nlist; l++)
			lists[l + 1] = lists[l] + (count[l] + BLOCK - 1) / BLOCK;
	}
	if (!EncodeItems(blob, &it, perm, Min(plan.ns, LEVEL_SAMPLE), assign))
	{
		free(blob);
		blob = NULL;
		goto done;
	}
	blob->crc = LpAnnBlobCrc(blob, blob->size);
	*blob_size = blob->size;

done:
	free(perm);
	free(assign);
	free(count);
	free(C);
	free(halfnorm);
	return blob;
}
