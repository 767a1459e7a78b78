/*
 * ann.c: the approximate top-k index (see ann.h for the interface): reading
 * a blob back and searching it.  The build (k-means, level fitting,
 * encoding) is in ann_build.c; the blob's header and layout, which both
 * use, are in ann_internal.h.
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
 *   recall is 1.00 from 10% of the lists on.  The build's default (40%) is
 *   set for the random case; clustered catalogs, as trained embeddings are,
 *   need less, so a training job calibrates it on its own users
 *   (ann_calibrate.c: the fewest lists for recall@10 0.99, 40% the ceiling).
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
#include <string.h>

#include <cblas.h>

#include "port/pg_bitutils.h"
#include "port/pg_crc32c.h"

#include "ann_internal.h"
#include "topk.h"

#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define LP_ANN_HAVE_AVX2 1
#endif

#define MIN_RERANK		64			/* candidates re-scored, at the least */

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
	int			n_cand;			/* candidates of the last LpAnnCandidates */
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
	LpKBest		cand;			/* over s->cand: the best by code score */
} ScanState;

/* ---------------------------------------------------------------- helpers */

/* true if a ranks above b: higher score, or equal score and lower item */
static inline bool
Above(const LpAnnCand *a, const LpAnnCand *b)
{
	return a->score > b->score || (a->score == b->score && a->item < b->item);
}

/* Above for the heap of the k best (topk.h) */
static bool
CandAbove(const void *a, const void *b, const void *ctx)
{
	return Above(a, b);
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

/* ------------------------------------------------------------ blob layout */

/*
 * Section offsets and total size of a blob with these counts, in h.  Used by
 * the build to lay a blob out and by LpAnnValid to check one.
 */
uint64
LpAnnLayout(LpAnnBlob *h)
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

uint32
LpAnnBlobCrc(const LpAnnBlob *h, Size size)
{
	Size		from = offsetof(LpAnnBlob, crc) + sizeof(uint32);
	pg_crc32c	crc;

	INIT_CRC32C(crc);
	COMP_CRC32C(crc, (const char *) h + from, size - from);
	FIN_CRC32C(crc);
	return crc;
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
	if (LpAnnLayout(&want) != size || memcmp(&want, h, sizeof(want)) != 0)
		return false;
	if (LpAnnBlobCrc(h, size) != h->crc)
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
	s->n_cand = 0;
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

	if (st->cand.n < st->cand.cap)
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
				if (c.item < 0 || (st->cand.n == st->cand.cap && !Above(&c, &s->cand[0])))
					continue;
				if (st->accept && !st->accept(c.item, st->accept_arg))
					continue;
				LpKBestOffer(&st->cand, &c);
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
LpAnnCandidateCount(const void *blob, int k)
{
	const LpAnnBlob *h = blob;

	return k <= 0 || h->nlist == 0 ? 0 : RerankCount(h, k);
}

int
LpAnnCandidates(const void *blob, const float *q, int k, int effort, LpAnnAccept accept,
				void *accept_arg, int32 *out_items, LpAnnScratch *scratch)
{
	const LpAnnBlob *h = blob;
	const float *halfnorm = SECTION(h, off_halfnorm, const float *);
	LpAnnScratch *s = scratch;
	ScanState	st;
	int32		nprobe;
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
	LpKBestInit(&st.cand, s->cand, sizeof(LpAnnCand), RerankCount(h, k), CandAbove, NULL);
	TableScale(h, s->query, s->lut, &st.step, &st.offset);
	/* the nprobe best routed lists, then the next ones while too few items were accepted */
	for (int32 done = 0; done < h->nlist && (done == 0 || st.cand.n < k); done += nprobe)
	{
		int32		m = Min(nprobe, h->nlist - done);

		SelectLists(s->order + done, h->nlist - done, m, s->key);
		ScanLists(&st, s->order + done, m);
	}
	s->n_cand = st.cand.n;
	if (out_items)
		for (int c = 0; c < st.cand.n; c++)
			out_items[c] = s->cand[c].item;
	return st.cand.n;
}

int
LpAnnRerank(const void *blob, const float *V, const float *bv, const float *q, int k,
			int32 *out_items, float *out_scores, LpAnnScratch *scratch)
{
	const LpAnnBlob *h = blob;
	LpAnnScratch *s = scratch;
	LpKBest		best;

	if (k > s->max_k)
		return -1;
	if (k <= 0)
		return 0;
	/* exactly: the candidates' scores from V and bv */
	LpKBestInit(&best, s->best, sizeof(LpAnnCand), k, CandAbove, NULL);
	for (int c = 0; c < s->n_cand; c++)
	{
		LpAnnCand	e;

		e.item = s->cand[c].item;
		e.score = ItemScore(q, V, bv, h->dim, e.item);
		LpKBestOffer(&best, &e);
	}
	LpKBestSort(&best);
	for (int j = 0; j < best.n; j++)
	{
		out_items[j] = s->best[j].item;
		if (out_scores)
			out_scores[j] = s->best[j].score;
	}
	return best.n;
}

int
LpAnnSearch(const void *blob, const float *V, const float *bv, const float *q, int k,
			int effort, LpAnnAccept accept, void *accept_arg, int32 *out_items,
			float *out_scores, LpAnnScratch *scratch)
{
	int			n = LpAnnCandidates(blob, q, k, effort, accept, accept_arg, NULL, scratch);

	if (n <= 0)
		return n;
	return LpAnnRerank(blob, V, bv, q, k, out_items, out_scores, scratch);
}
