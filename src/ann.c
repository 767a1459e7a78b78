/*
 * ann.c: the approximate top-k index (see ann.h for the interface).
 *
 * Method: inverted lists (IVF) with 4-bit residual codes scanned by byte
 * shuffles ("fast scan"), then an exact re-rank.
 *
 * 1. Lists.  Items x = [V[i], bv[i] / g] get one more coordinate,
 *    sqrt(R^2 - |x|^2) with R the largest |x|, which puts them all on a
 *    sphere of radius R; a query [u, g, 0] scaled onto that sphere is then
 *    nearest (L2) to the items of largest inner product.  g is the typical
 *    size of a query coordinate, so the bias weighs in the geometry as in
 *    the scores (with g = 1, vectors and biases of training scale, N(0,
 *    0.01), lost a tenth of recall@10 at half the lists).  k-means on a
 *    sample of these points gives nlist centroids (n / 256 by default);
 *    every item goes to the list of its nearest centroid, and a query probes
 *    the lists whose centroids are nearest to it.
 * 2. Codes.  Within its list an item is stored as its residual from the
 *    centroid, 4 bits per coordinate: 16 levels per coordinate fitted to the
 *    residuals (1-d k-means, Lloyd-Max), 33 bytes per item at dim 64.  A
 *    query turns each coordinate's levels into a table of 16 8-bit partial
 *    scores; a block of 32 items is scored with AVX2 byte shuffles (pshufb:
 *    32 look-ups per instruction), summed in 16 bits.
 * 3. Re-rank.  The rerank x k accepted items of best code score (200 for
 *    k = 10) are scored exactly from V and bv; the k best are returned.
 *
 * Why, by measurement (1M x 64, one thread; bench/RESULTS-ann.md):
 * - Routing on the sphere beats routing by q . centroid: with items and
 *   biases of equal weight it found 94% of the top 10 in 2.4% of the items,
 *   where the inner product needed 3.9%.
 * - Random Gaussian items (every coordinate and the bias N(0, 1)) have no
 *   structure to exploit: with exact scores in the lists, IVF had to scan
 *   47% of the items for recall@10 0.95 (1024 lists).  Scanning float
 *   vectors costs 22 ms per 1M (sgemv), so IVF-flat would need about 10 ms
 *   there.  Codes of 2 bits per coordinate (16 bytes per item) needed
 *   5,000 candidates re-ranked for the same recall; 4 bits need 200.
 * - The shuffle kernel scores an item in about 2.7 ns, the same whether the
 *   codes are in cache or not (it is bound by instructions, not memory), so
 *   the 40% of the lists probed by default (about 400,000 items) take
 *   1.35 ms for recall@10 0.97 on the random catalog; on the structured one
 *   recall is 1.00 from 10% of the lists on.  The default is set for the
 *   random case; clustered catalogs, as trained embeddings are, can use a
 *   lower effort.
 * - HNSW was not tried: its blob would hold the float vectors and a graph,
 *   about ten times this one (40 MB at 1M x 64), and its build is longer.
 *
 * Blob: a header, then sections at 64-byte aligned offsets: centroids
 * (nlist x (dim + 1) floats, without the sphere coordinate), half their
 * squared norms on the sphere, the levels ((dim + 1) x 16 floats), the first
 * block of each list (nlist + 1), the item ids (32 per block, -1 pads a
 * list's last block) and the codes.  A block's codes are 16 bytes per
 * coordinate: byte j holds item j's code in its low nibble and item j + 16's
 * in its high nibble.  Coordinates are padded to an even count so that one
 * 32-byte load feeds both 128-bit lanes of an AVX2 shuffle (coordinates
 * 2p and 2p + 1).
 */
#include "postgres.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "port/pg_bitutils.h"
#include "port/pg_crc32c.h"

#include "ann.h"

#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define LP_ANN_HAVE_AVX2 1
#endif

#define LP_ANN_MAGIC	0x4E41504C	/* "LPAN" */
#define LP_ANN_VERSION	1
#define BLOCK			32			/* items per code block */
#define LEVELS			16			/* 4-bit codes */
#define SECTION_ALIGN	64
#define LEVEL_SAMPLE	65536		/* residuals per coordinate to fit levels */
#define LLOYD_ROUNDS	25
#define ASSIGN_FLOATS	(4 * 1024 * 1024)	/* sgemm output block, floats */
#define ASSIGN_ROWS		4096		/* and rows, at the most */
#define MIN_RERANK		64			/* candidates re-scored, at the least */

struct LpAnnBlob
{
	uint32		magic;
	uint32		version;
	uint32		size;			/* whole blob, bytes */
	uint32		crc;			/* CRC-32C of every byte after this field */
	int32		n;
	int32		dim;
	int32		nlist;
	int32		npairs;			/* coded coordinates (dim + 1, made even) / 2 */
	int32		nblocks;
	int32		nprobe;			/* lists probed when effort is 0 */
	int32		rerank;			/* candidates re-scored per result */
	float		bias_scale;		/* g: items carry bv[i] / g, queries g */
	float		radius;			/* largest |[V[i], bv[i] / g]| */
	uint32		off_centroids;
	uint32		off_halfnorm;
	uint32		off_levels;
	uint32		off_lists;
	uint32		off_ids;
	uint32		off_codes;
};

/* a candidate: approximate or exact score, item */
typedef struct LpAnnCand
{
	float		score;
	int32		item;
} LpAnnCand;

struct LpAnnScratch
{
	int32		nlist;
	int32		dim;
	int32		rerank;
	int			max_k;
	int			cap;			/* candidates kept for re-ranking */
	float	   *query;			/* [q, g] */
	float	   *route;			/* query . centroid */
	float	   *key;			/* routing key per list */
	int32	   *order;			/* lists, best routed first */
	uint8	   *lut;			/* 8-bit partial scores, 16 per coordinate */
	LpAnnCand  *cand;
	LpAnnCand  *best;
	uint16		acc[BLOCK];
};

/* what a search needs to score a list's blocks */
typedef struct ScanState
{
	const LpAnnBlob *h;
	LpAnnScratch *s;
	float		step;			/* score of one unit of the 8-bit table sums */
	float		offset;			/* sum of the tables' minima */
	LpAnnAccept accept;
	void	   *accept_arg;
	int			ncand;
	int			cap;
} ScanState;

#define SECTION(h, off, type) ((type) ((const char *) (h) + (h)->off))

/* ---------------------------------------------------------------- helpers */

static inline Size
AlignUp(Size x, Size a)
{
	return (x + a - 1) / a * a;
}

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

/* true if a ranks below b: lower score, or equal score and higher item */
static inline bool
Worse(LpAnnCand a, LpAnnCand b)
{
	return a.score < b.score || (a.score == b.score && a.item > b.item);
}

/* min-heap of candidates, the worst at the root */
static void
SiftDown(LpAnnCand *heap, int n, int i)
{
	for (;;)
	{
		int			l = 2 * i + 1,
					r = l + 1,
					w = i;
		LpAnnCand	t;

		if (l < n && Worse(heap[l], heap[w]))
			w = l;
		if (r < n && Worse(heap[r], heap[w]))
			w = r;
		if (w == i)
			return;
		t = heap[i];
		heap[i] = heap[w];
		heap[w] = t;
		i = w;
	}
}

/* keep c if the heap (n of cap) has room or c beats its worst */
static void
HeapOffer(LpAnnCand *heap, int *n, int cap, LpAnnCand c)
{
	if (*n < cap)
	{
		int			i = (*n)++;

		while (i > 0 && Worse(c, heap[(i - 1) / 2]))
		{
			heap[i] = heap[(i - 1) / 2];
			i = (i - 1) / 2;
		}
		heap[i] = c;
	}
	else if (cap > 0 && Worse(heap[0], c))
	{
		heap[0] = c;
		SiftDown(heap, *n, 0);
	}
}

/* heap sort: best first */
static void
HeapSortBestFirst(LpAnnCand *heap, int n)
{
	for (int end = n - 1; end > 0; end--)
	{
		LpAnnCand	t = heap[0];

		heap[0] = heap[end];
		heap[end] = t;
		SiftDown(heap, end, 0);
	}
}

static inline float
ItemScore(const float *q, const float *V, const float *bv, int dim, int32 item)
{
	const float *v = V + (int64) item * dim;
	float		s = 0.0f;

	for (int d = 0; d < dim; d++)
		s += q[d] * v[d];
	return bv ? s + bv[item] : s;
}

/* bytes of a block's codes: 16 per coordinate, coordinates made even */
static inline Size
BlockBytes(const LpAnnBlob *h)
{
	return (Size) h->npairs * 2 * (BLOCK / 2);
}

/* bytes of a query's tables: 16 entries per coordinate, the same count */
static inline Size
TableBytes(const LpAnnBlob *h)
{
	return (Size) h->npairs * 2 * LEVELS;
}

/*
 * Section offsets and total size of a blob with these counts, in h.  Used by
 * the build to lay a blob out and by LpAnnValid to check one.
 */
static uint64
Layout(LpAnnBlob *h)
{
	uint64		off = AlignUp(sizeof(LpAnnBlob), SECTION_ALIGN);
	int			coords = h->dim + 1;

#define PLACE(field, bytes) \
	do { h->field = (uint32) off; off = AlignUp(off + (uint64) (bytes), SECTION_ALIGN); } while (0)
	PLACE(off_centroids, sizeof(float) * (uint64) h->nlist * coords);
	PLACE(off_halfnorm, sizeof(float) * (uint64) h->nlist);
	PLACE(off_levels, sizeof(float) * (uint64) coords * LEVELS);
	PLACE(off_lists, sizeof(int32) * ((uint64) h->nlist + 1));
	PLACE(off_ids, sizeof(int32) * (uint64) h->nblocks * BLOCK);
	PLACE(off_codes, (uint64) h->nblocks * BlockBytes(h));
#undef PLACE
	return off;
}

static uint32
BlobCrc(const LpAnnBlob *h, Size size)
{
	Size		from = offsetof(LpAnnBlob, crc) + sizeof(uint32);
	pg_crc32c	crc;

	INIT_CRC32C(crc);
	COMP_CRC32C(crc, (const char *) h + from, size - from);
	FIN_CRC32C(crc);
	return crc;
}

/* ------------------------------------------------------------------ build */

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

static int
CompareFloat(const void *a, const void *b)
{
	float		x = *(const float *) a,
				y = *(const float *) b;

	return (x > y) - (x < y);
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
		qsort(vals, m, sizeof(float), CompareFloat);
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
	size = Layout(&h);
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
	blob->crc = BlobCrc(blob, blob->size);
	*blob_size = blob->size;

done:
	free(perm);
	free(assign);
	free(count);
	free(C);
	free(halfnorm);
	return blob;
}

/* ------------------------------------------------------------- read back */

bool
LpAnnValid(const void *blob, Size size, int32 n, int dim)
{
	const LpAnnBlob *h = blob;
	LpAnnBlob	want;
	const int32 *lists;
	const int32 *ids;
	int64		real = 0;

	if (blob == NULL || ((uintptr_t) blob & 3) != 0 || size < sizeof(LpAnnBlob))
		return false;
	if (h->magic != LP_ANN_MAGIC || h->version != LP_ANN_VERSION || h->size != size ||
		h->n != n || h->dim != dim || dim < 1 || dim > LP_ANN_MAX_DIM ||
		h->npairs != (dim + 2) / 2 || h->rerank < 1 || !(h->radius >= 0.0f) ||
		!(h->bias_scale > 0.0f) ||
		h->nlist < 0 || h->nlist > n || (n > 0 && h->nlist < 1) ||
		h->nprobe < Min(1, h->nlist) || h->nprobe > h->nlist ||
		h->nblocks < 0 || h->nblocks > n / BLOCK + h->nlist)
		return false;

	/* the offsets must be the ones this code lays out */
	want = *h;
	if (Layout(&want) != size || memcmp(&want, h, sizeof(want)) != 0)
		return false;
	if (BlobCrc(h, size) != h->crc)
		return false;

	lists = SECTION(h, off_lists, const int32 *);
	if (lists[0] != 0 || lists[h->nlist] != h->nblocks)
		return false;
	for (int32 l = 0; l < h->nlist; l++)
		if (lists[l + 1] < lists[l])
			return false;
	ids = SECTION(h, off_ids, const int32 *);
	for (int64 j = 0; j < (int64) h->nblocks * BLOCK; j++)
	{
		if (ids[j] < -1 || ids[j] >= n)
			return false;
		real += ids[j] >= 0;
	}
	return real == n;
}

int32
LpAnnDefaultEffort(const void *blob)
{
	return ((const LpAnnBlob *) blob)->nprobe;
}

int32
LpAnnListCount(const void *blob)
{
	return ((const LpAnnBlob *) blob)->nlist;
}

/* ------------------------------------------------------------------ search */

/* candidates kept for the exact re-rank when k results are wanted */
static int
RerankCount(const LpAnnBlob *h, int k)
{
	return (int) Min((int64) h->n, Max((int64) h->rerank * k, (int64) Max(k, MIN_RERANK)));
}

Size
LpAnnScratchSize(const void *blob, int max_k)
{
	const LpAnnBlob *h = blob;
	Size		cap = RerankCount(h, Max(max_k, 1));

	return AlignUp(sizeof(LpAnnScratch), 16)
		+ AlignUp(sizeof(float) * (h->dim + 1), 16)
		+ 2 * AlignUp(sizeof(float) * h->nlist, 16)
		+ AlignUp(sizeof(int32) * h->nlist, 16)
		+ AlignUp(TableBytes(h), 16)
		+ AlignUp(sizeof(LpAnnCand) * cap, 16)
		+ AlignUp(sizeof(LpAnnCand) * Max(max_k, 1), 16);
}

LpAnnScratch *
LpAnnScratchInit(void *mem, const void *blob, int max_k)
{
	const LpAnnBlob *h = blob;
	LpAnnScratch *s = mem;
	char	   *p = (char *) mem + AlignUp(sizeof(LpAnnScratch), 16);

#define CARVE(field, bytes) \
	do { s->field = (void *) p; p += AlignUp(bytes, 16); } while (0)
	s->nlist = h->nlist;
	s->dim = h->dim;
	s->rerank = h->rerank;
	s->max_k = Max(max_k, 1);
	s->cap = RerankCount(h, s->max_k);
	CARVE(query, sizeof(float) * (h->dim + 1));
	CARVE(route, sizeof(float) * h->nlist);
	CARVE(key, sizeof(float) * h->nlist);
	CARVE(order, sizeof(int32) * h->nlist);
	CARVE(lut, TableBytes(h));
	CARVE(cand, sizeof(LpAnnCand) * s->cap);
	CARVE(best, sizeof(LpAnnCand) * s->max_k);
#undef CARVE
	return s;
}

/*
 * Scan kernels: the 8-bit table sums of the 32 items of a block into acc,
 * and a mask of the items whose sum is at least threshold (0 .. 32768).
 * The sums stay below 32768 (see TableScale), so 16 bits hold them.
 */
typedef uint32 (*ScanBlockFn) (const uint8 *codes, const uint8 *lut, int npairs,
							   int threshold, uint16 *acc);

static uint32
ScanBlockPortable(const uint8 *codes, const uint8 *lut, int npairs, int threshold, uint16 *acc)
{
	uint32		mask = 0;

	for (int j = 0; j < BLOCK; j++)
	{
		const uint8 *c = codes + j % (BLOCK / 2);
		int			shift = j < BLOCK / 2 ? 0 : 4;
		int			sum = 0;

		for (int d = 0; d < 2 * npairs; d++)
			sum += lut[d * LEVELS + ((c[d * (BLOCK / 2)] >> shift) & 15)];
		acc[j] = (uint16) sum;
		if (sum >= threshold)
			mask |= (uint32) 1 << j;
	}
	return mask;
}

#ifdef LP_ANN_HAVE_AVX2
/*
 * 32 items x 2 coordinates per step: the low nibbles (items 0-15) and the
 * high nibbles (items 16-31) index the two coordinates' 16-entry tables,
 * one per 128-bit lane.  The byte results are summed in 16-bit lanes,
 * which add an even item and 256 x the next odd one; the odd items are
 * summed apart (shifted down) and taken out at the end.
 */
__attribute__((target("avx2")))
static uint32
ScanBlockAvx2(const uint8 *codes, const uint8 *lut, int npairs, int threshold, uint16 *acc)
{
	const __m256i low4 = _mm256_set1_epi8(0x0f);
	__m256i		lo_all = _mm256_setzero_si256(),
				lo_odd = _mm256_setzero_si256(),
				hi_all = _mm256_setzero_si256(),
				hi_odd = _mm256_setzero_si256();
	__m256i		lo_even,
				hi_even;
	__m128i		v[4],
				th;

	for (int p = 0; p < npairs; p++)
	{
		__m256i		c = _mm256_loadu_si256((const __m256i *) (codes + p * 32));
		__m256i		t = _mm256_loadu_si256((const __m256i *) (lut + p * 32));
		__m256i		lo = _mm256_shuffle_epi8(t, _mm256_and_si256(c, low4));
		__m256i		hi = _mm256_shuffle_epi8(t, _mm256_and_si256(_mm256_srli_epi16(c, 4), low4));

		lo_all = _mm256_add_epi16(lo_all, lo);
		lo_odd = _mm256_add_epi16(lo_odd, _mm256_srli_epi16(lo, 8));
		hi_all = _mm256_add_epi16(hi_all, hi);
		hi_odd = _mm256_add_epi16(hi_odd, _mm256_srli_epi16(hi, 8));
	}
	lo_even = _mm256_sub_epi16(lo_all, _mm256_slli_epi16(lo_odd, 8));
	hi_even = _mm256_sub_epi16(hi_all, _mm256_slli_epi16(hi_odd, 8));

#define LANES(x) _mm_add_epi16(_mm256_castsi256_si128(x), _mm256_extracti128_si256(x, 1))
	/* add the two coordinates' lanes, then interleave even and odd items */
	v[0] = _mm_unpacklo_epi16(LANES(lo_even), LANES(lo_odd));	/* items 0-7 */
	v[1] = _mm_unpackhi_epi16(LANES(lo_even), LANES(lo_odd));	/* 8-15 */
	v[2] = _mm_unpacklo_epi16(LANES(hi_even), LANES(hi_odd));	/* 16-23 */
	v[3] = _mm_unpackhi_epi16(LANES(hi_even), LANES(hi_odd));	/* 24-31 */
#undef LANES
	for (int i = 0; i < 4; i++)
		_mm_storeu_si128((__m128i *) (acc + 8 * i), v[i]);

	th = _mm_set1_epi16((short) (threshold - 1));
	return (uint32) _mm_movemask_epi8(_mm_packs_epi16(_mm_cmpgt_epi16(v[0], th),
													  _mm_cmpgt_epi16(v[1], th)))
		| (uint32) _mm_movemask_epi8(_mm_packs_epi16(_mm_cmpgt_epi16(v[2], th),
													 _mm_cmpgt_epi16(v[3], th))) << 16;
}
#endif

static ScanBlockFn scan_block = NULL;

bool
LpAnnUseSimd(bool enable)
{
	scan_block = ScanBlockPortable;
#ifdef LP_ANN_HAVE_AVX2
	__builtin_cpu_init();
	if (enable && __builtin_cpu_supports("avx2"))
		scan_block = ScanBlockAvx2;
#endif
	return scan_block != ScanBlockPortable;
}

/*
 * The query's 8-bit tables: coordinate d's entry j approximates
 * q[d] * level[d][j] as its table's least value + step * entry, one step
 * for all coordinates so that the entries add up.  The largest entry is
 * chosen so that the sum over every coordinate stays below 32768.  The
 * levels ascend, so a table's extremes are its first and last entries.
 */
static void
TableScale(const LpAnnBlob *h, const float *query, uint8 *lut, float *step, float *offset)
{
	const float *levels = SECTION(h, off_levels, const float *);
	int			coords = h->dim + 1;
	int			top = Min(255, 32767 / (2 * h->npairs));
	float		range = 0.0f;
	double		sum_min = 0.0;

	for (int d = 0; d < coords; d++)
	{
		const float *lv = levels + d * LEVELS;

		range = Max(range, fabsf(query[d]) * (lv[LEVELS - 1] - lv[0]));
		sum_min += Min(query[d] * lv[0], query[d] * lv[LEVELS - 1]);
	}
	*step = range > 0.0f ? range / top : 1.0f;
	*offset = (float) sum_min;
	for (int d = 0; d < coords; d++)
	{
		const float *lv = levels + d * LEVELS;
		float		least = Min(query[d] * lv[0], query[d] * lv[LEVELS - 1]);

		for (int j = 0; j < LEVELS; j++)
			lut[d * LEVELS + j] = (uint8) Min(top, lrintf((query[d] * lv[j] - least) / *step));
	}
	memset(lut + coords * LEVELS, 0, TableBytes(h) - coords * LEVELS);
}

/*
 * The least table sum that could still make a list's item a candidate: all
 * until the heap is full, then what beats its worst, less a step for
 * rounding.
 */
static inline int
Threshold(const ScanState *st, float base)
{
	double		t;

	if (st->ncand < st->cap)
		return 0;
	t = floor((st->s->cand[0].score - base) / st->step) - 1;
	return (int) Max(0.0, Min(t, 32768.0));
}

/* scan lists[0 .. nl - 1] into the candidate heap */
static void
ScanLists(ScanState *st, const int32 *lists, int32 nl)
{
	const LpAnnBlob *h = st->h;
	LpAnnScratch *s = st->s;
	const int32 *first = SECTION(h, off_lists, const int32 *);
	const int32 *ids = SECTION(h, off_ids, const int32 *);
	const uint8 *codes = SECTION(h, off_codes, const uint8 *);
	Size		block_bytes = BlockBytes(h);

	for (int32 li = 0; li < nl; li++)
	{
		int32		l = lists[li];
		float		base = s->route[l] + st->offset;
		int			threshold = Threshold(st, base);

		/* lists lie apart: start fetching the next one's first block */
		if (li + 1 < nl)
			for (Size off = 0; off < block_bytes; off += 64)
				__builtin_prefetch(codes + first[lists[li + 1]] * block_bytes + off);

		for (int32 b = first[l]; b < first[l + 1]; b++)
		{
			uint32		mask = scan_block(codes + b * block_bytes, s->lut, h->npairs,
										  threshold, s->acc);

			while (mask)
			{
				int			j = pg_rightmost_one_pos32(mask);
				LpAnnCand	c;

				mask &= mask - 1;
				c.item = ids[(int64) b * BLOCK + j];
				c.score = base + st->step * s->acc[j];
				if (c.item < 0 || (st->ncand == st->cap && !Worse(s->cand[0], c)))
					continue;
				if (st->accept && !st->accept(c.item, st->accept_arg))
					continue;
				HeapOffer(s->cand, &st->ncand, st->cap, c);
				threshold = Threshold(st, base);
			}
		}
	}
}

/* true if list a routes before list b */
static inline bool
RoutesBefore(const float *key, int32 a, int32 b)
{
	return key[a] > key[b] || (key[a] == key[b] && a < b);
}

/* reorder so that order[0 .. m - 1] are the m best routed lists (quickselect) */
static void
SelectLists(int32 *order, int32 n, int32 m, const float *key)
{
	int32		lo = 0,
				hi = n - 1;

	while (lo < hi)
	{
		int32		pivot = order[lo + (hi - lo) / 2];
		int32		i = lo,
					j = hi;

		while (i <= j)
		{
			while (RoutesBefore(key, order[i], pivot))
				i++;
			while (RoutesBefore(key, pivot, order[j]))
				j--;
			if (i <= j)
			{
				int32		t = order[i];

				order[i] = order[j];
				order[j] = t;
				i++;
				j--;
			}
		}
		if (m - 1 <= j)
			hi = j;
		else if (m - 1 >= i)
			lo = i;
		else
			break;
	}
}

int
LpAnnSearch(const void *blob, const float *V, const float *bv, const float *q, int k,
			int effort, LpAnnAccept accept, void *accept_arg, int32 *out_items,
			float *out_scores, LpAnnScratch *scratch)
{
	const LpAnnBlob *h = blob;
	const float *halfnorm = SECTION(h, off_halfnorm, const float *);
	LpAnnScratch *s = scratch;
	ScanState	st;
	int32		nprobe;
	int			nbest = 0;
	double		qnorm2 = (double) h->bias_scale * h->bias_scale;
	float		shrink;

	if (s->nlist != h->nlist || s->dim != h->dim || s->rerank != h->rerank ||
		k > s->max_k || s->cap < RerankCount(h, Max(k, 1)))
		return -1;
	if (k <= 0 || h->nlist == 0)
		return 0;
	if (scan_block == NULL)
		LpAnnUseSimd(true);

	/*
	 * Route: the lists whose centroids are nearest to the query scaled onto
	 * the items' sphere, i.e. largest q.c - |q| / radius x |c|^2 / 2.
	 */
	memcpy(s->query, q, sizeof(float) * h->dim);
	s->query[h->dim] = h->bias_scale;
	for (int d = 0; d < h->dim; d++)
		qnorm2 += (double) q[d] * q[d];
	shrink = h->radius > 0.0f ? (float) (sqrt(qnorm2) / h->radius) : 0.0f;
	cblas_sgemv(CblasRowMajor, CblasNoTrans, h->nlist, h->dim + 1, 1.0f,
				SECTION(h, off_centroids, const float *), h->dim + 1, s->query, 1,
				0.0f, s->route, 1);
	for (int32 l = 0; l < h->nlist; l++)
	{
		s->key[l] = s->route[l] - shrink * halfnorm[l];
		s->order[l] = l;
	}
	nprobe = effort > 0 ? Min(effort, h->nlist) : h->nprobe;

	st.h = h;
	st.s = s;
	st.accept = accept;
	st.accept_arg = accept_arg;
	st.ncand = 0;
	st.cap = RerankCount(h, k);
	TableScale(h, s->query, s->lut, &st.step, &st.offset);
	/* the nprobe best routed lists, then the next ones while too few items were accepted */
	for (int32 done = 0; done < h->nlist && (done == 0 || st.ncand < k); done += nprobe)
	{
		int32		m = Min(nprobe, h->nlist - done);

		SelectLists(s->order + done, h->nlist - done, m, s->key);
		ScanLists(&st, s->order + done, m);
	}

	/* re-rank exactly */
	for (int c = 0; c < st.ncand; c++)
	{
		LpAnnCand	e;

		e.item = s->cand[c].item;
		e.score = ItemScore(q, V, bv, h->dim, e.item);
		HeapOffer(s->best, &nbest, k, e);
	}
	HeapSortBestFirst(s->best, nbest);
	for (int j = 0; j < nbest; j++)
	{
		out_items[j] = s->best[j].item;
		if (out_scores)
			out_scores[j] = s->best[j].score;
	}
	return nbest;
}
