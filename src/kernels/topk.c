/*
 * topk.c: the heap of the k best candidates, O(n log k), and the k best of
 * a score row through it.
 *
 * The heap keeps the k best seen so far with the worst of them at the root,
 * so most candidates cost one comparison with the root.  No PostgreSQL calls.
 */
#include "postgres.h"

#include <math.h>
#include <string.h>

#include "topk.h"

static inline char *
Elem(const LpKBest *h, int i)
{
	return (char *) h->elems + (Size) i * h->size;
}

/* true if element i ranks above element j */
static inline bool
Above(const LpKBest *h, int i, int j)
{
	return h->above(Elem(h, i), Elem(h, j), h->ctx);
}

static inline void
Swap(LpKBest *h, int i, int j)
{
	char		t[LP_KBEST_MAX_SIZE];

	memcpy(t, Elem(h, i), h->size);
	memcpy(Elem(h, i), Elem(h, j), h->size);
	memcpy(Elem(h, j), t, h->size);
}

/* element i down to its place among the first n: the worse child moves up */
static void
SiftDown(LpKBest *h, int n, int i)
{
	for (;;)
	{
		int			l = 2 * i + 1,
					r = l + 1,
					w = i;

		if (l < n && Above(h, w, l))
			w = l;
		if (r < n && Above(h, w, r))
			w = r;
		if (w == i)
			return;
		Swap(h, i, w);
		i = w;
	}
}

static void
SiftUp(LpKBest *h, int i)
{
	while (i > 0)
	{
		int			p = (i - 1) / 2;

		if (!Above(h, p, i))
			return;
		Swap(h, i, p);
		i = p;
	}
}

void
LpKBestInit(LpKBest *h, void *elems, Size size, int cap, LpAboveFn above, const void *ctx)
{
	Assert(size <= LP_KBEST_MAX_SIZE);
	h->elems = elems;
	h->size = size;
	h->n = 0;
	h->cap = cap;
	h->above = above;
	h->ctx = ctx;
}

bool
LpKBestOffer(LpKBest *h, const void *e)
{
	if (h->n < h->cap)
	{
		memcpy(Elem(h, h->n), e, h->size);
		SiftUp(h, h->n++);
		return true;
	}
	if (h->cap > 0 && h->above(e, h->elems, h->ctx))
	{
		memcpy(h->elems, e, h->size);
		SiftDown(h, h->n, 0);
		return true;
	}
	return false;
}

void
LpKBestSort(LpKBest *h)
{
	/* heap sort: move the worst to the end until sorted best first */
	for (int end = h->n - 1; end > 0; end--)
	{
		Swap(h, 0, end);
		SiftDown(h, end, 0);
	}
}

/* LpRanksAbove over candidate indices, for the heap */
typedef struct Row
{
	const float *s;
	const int32 *deg;
} Row;

static bool
IndexAbove(const void *a, const void *b, const void *ctx)
{
	const Row  *row = ctx;

	return LpRanksAbove(row->s, row->deg, *(const int32 *) a, *(const int32 *) b);
}

int
LpSelectTopK(const float *s, int32 n, const int32 *deg, int k, int32 *heap)
{
	Row			row = {s, deg};
	LpKBest		h;

	if (k <= 0)
		return 0;
	LpKBestInit(&h, heap, sizeof(int32), k, IndexAbove, &row);
	for (int32 i = 0; i < n; i++)
	{
		if (isinf(s[i]) && s[i] < 0)
			continue;
		/* the common case, without a call: not above the k-th best */
		if (h.n == k && !LpRanksAbove(s, deg, i, heap[0]))
			continue;
		LpKBestOffer(&h, &i);
	}
	LpKBestSort(&h);
	return h.n;
}
