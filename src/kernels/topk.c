/*
 * topk.c: bounded-heap selection of the k best candidates, O(n log k).
 *
 * The heap keeps the k best seen so far with the worst of them at the root,
 * so most candidates cost one comparison with the root.  No PostgreSQL calls.
 */
#include "postgres.h"

#include <math.h>

#include "topk.h"

#define Better LpRanksAbove

static void
SiftDown(const float *s, const int32 *deg, int32 *heap, int n, int i)
{
	for (;;)
	{
		int			l = 2 * i + 1,
					r = l + 1,
					w = i;
		int32		t;

		if (l < n && Better(s, deg, heap[w], heap[l]))
			w = l;
		if (r < n && Better(s, deg, heap[w], heap[r]))
			w = r;
		if (w == i)
			return;
		t = heap[i];
		heap[i] = heap[w];
		heap[w] = t;
		i = w;
	}
}

static void
SiftUp(const float *s, const int32 *deg, int32 *heap, int i)
{
	while (i > 0)
	{
		int			p = (i - 1) / 2;
		int32		t;

		if (!Better(s, deg, heap[p], heap[i]))
			return;
		t = heap[i];
		heap[i] = heap[p];
		heap[p] = t;
		i = p;
	}
}

int
LpSelectTopK(const float *s, int32 n, const int32 *deg, int k, int32 *heap)
{
	int			size = 0;

	if (k <= 0)
		return 0;
	for (int32 i = 0; i < n; i++)
	{
		if (isinf(s[i]) && s[i] < 0)
			continue;
		if (size < k)
		{
			heap[size] = i;
			SiftUp(s, deg, heap, size++);
		}
		else if (Better(s, deg, i, heap[0]))
		{
			heap[0] = i;
			SiftDown(s, deg, heap, size, 0);
		}
	}
	/* heap sort: move the worst to the end until sorted best first */
	for (int end = size - 1; end > 0; end--)
	{
		int32		t = heap[0];

		heap[0] = heap[end];
		heap[end] = t;
		SiftDown(s, deg, heap, end, 0);
	}
	return size;
}
