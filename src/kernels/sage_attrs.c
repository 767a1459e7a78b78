/*
 * sage_attrs.c: node attributes as GraphSAGE's input features (options
 * item_features and user_features; sage.h has the model, attrs.h the
 * matrix factorisation's use of the same attributes).
 *
 * A row's input (layer 0) is its free id vector plus the weighted sum of
 * its attributes' vectors, and its bias likewise:
 *
 *   h0(v) = x(v) + sum_a w_va A[a],   b(v) = b_id(v) + sum_a w_va ab[a]
 *
 * with the graph's attribute lists (graph.h: a categorical value's
 * weights of a node summing to 1, numeric and vector terms signed) and
 * the one table A, ab that the matrix factorisation uses.  A user row reads
 * the user_attr lists, an item row the item_attr lists, a tied graph's one
 * row per node user_attr; on a homogeneous graph, where both describe the
 * same nodes, a side that has no lists reads the other's.  The layers then run as
 * without attributes, so the gradient reaching a row's input is handed to
 * its id vector and to each of its attributes times its weight, and Adam
 * steps the attribute rows a batch touched (own step counts, L2 `reg`, as
 * the input rows).
 *
 * A row without neighbours that has attributes (a cold item: in the
 * attribute relation, in no edge) has no id part, in training and after:
 * its input is its attributes' alone, as it is served.  Its vector after
 * training is the layers applied to that input with a zero neighbour mean
 * (what a node without edges aggregates), so it scores and ranks like any
 * node.
 *
 * The attributes-only pass (option id_dropout, attrs.c says why the
 * matrix factorisation has one; sage_batch.c runs it, LpSageColdPass):
 * with chance id_dropout a positive with an
 * endpoint that has attributes takes part in a second pass over the batch
 * in which every seed of it that has attributes (the user, the item, the
 * negatives) is computed as a cold node would be served: input from its
 * attributes alone, no neighbours, through the same layers.  Seeds without
 * attributes keep the first pass's vectors.  The pass's gradient updates
 * only the attributes' vectors and biases (never an id vector nor the
 * weights), so that they learn to place a node without edges, and its
 * loss is not reported.
 *
 * The final vectors are a function of the layers and the neighbours, not a
 * sum of attribute vectors: serving cannot compose a node added after
 * training from stored attribute vectors, so a GraphSAGE model stores none
 * and refuses fresh_items (model.h: LP_ENC_FRESH_NODES).
 *
 * Pure C: no PostgreSQL calls; sage.c carves the arrays.
 */
#include "postgres.h"

#include <string.h>

#include "rng.h"
#include "sage_internal.h"

/*
 * row r's attribute list: entries [*lo, *hi) of attr and w; false if none.
 * On a homogeneous graph a node's two roles are one node, so a side
 * without lists of its own reads the other side's.
 */
static bool
List(const Sage *s, int32 r, int64 *lo, int64 *hi, const int32 **attr, const float **w)
{
	const LpGraph *g = s->g;
	bool		user = g->tied || r < g->n_src;
	int32		i = user ? r : r - g->n_src;
	const int64 *off;

	if (user ? g->user_attr_off == NULL : g->item_attr_off == NULL)
	{
		if (!g->homogeneous)
			return false;
		user = !user;
	}
	off = user ? g->user_attr_off : g->item_attr_off;
	*attr = user ? g->user_attr : g->item_attr;
	*w = user ? g->user_attr_w : g->item_attr_w;
	if (off == NULL)
		return false;
	*lo = off[i];
	*hi = off[i + 1];
	return *hi > *lo;
}

void
LpSageAttrsBegin(Sage *s, LpEmbeddings *emb)
{
	Size		na = (Size) s->p.n_attrs;

	s->attrs = na > 0 && emb->A != NULL;
	if (!s->attrs)
		return;
	s->A = emb->A;
	s->ab = emb->ab;
	memset(s->am, 0, sizeof(float) * 3 * na * s->dim);	/* am, av, ag */
	memset(s->at, 0, sizeof(float) * 4 * na);	/* at, abm, abv, abg */
	memset(s->amark, 0, sizeof(int32) * na);
	s->n_touched = 0;
}

bool
LpSageHasAttrs(const Sage *s, int32 r)
{
	int64		lo,
				hi;
	const int32 *attr;
	const float *w;

	return s->attrs && List(s, r, &lo, &hi, &attr, &w);
}

bool
LpSageIdDropped(const Sage *s, int32 r)
{
	int32		base;
	int64		deg;

	(void) Neighbours(s, r, &deg, &base);
	return deg == 0 && LpSageHasAttrs(s, r);
}

void
LpSageInput(const Sage *s, int32 r, bool with_id, float *x, float *b)
{
	const int	dim = s->dim;
	int64		lo = 0,
				hi = 0;
	const int32 *attr;
	const float *w;

	if (x != NULL)
	{
		const float *id = s->x + (Size) r * dim;

		if (!with_id)
			memset(x, 0, sizeof(float) * dim);
		else if (x != id)
			memcpy(x, id, sizeof(float) * dim);
	}
	if (b != NULL)
		*b = with_id ? *BiasOf(s, s->cur, r) : 0.0f;
	if (!s->attrs || !List(s, r, &lo, &hi, &attr, &w))
		return;
	for (int64 e = lo; e < hi; e++)
	{
		if (x != NULL)
			LpAxpy(w[e], s->A + (Size) attr[e] * dim, x, dim);
		if (b != NULL)
			*b += w[e] * s->ab[attr[e]];
	}
}

void
LpSageScatter(Sage *s, int32 r, const float *grad, float gb)
{
	const int	dim = s->dim;
	int64		lo,
				hi;
	const int32 *attr;
	const float *w;

	if (!List(s, r, &lo, &hi, &attr, &w))
		return;
	for (int64 e = lo; e < hi; e++)
	{
		int32		a = attr[e];

		if (!s->amark[a])
		{
			s->amark[a] = 1;
			s->alist[s->n_touched++] = a;
		}
		LpAxpy(w[e], grad, s->ag + (Size) a * dim, dim);
		s->abg[a] += w[e] * gb;
	}
}

void
LpSageAttrsStep(Sage *s, float lr)
{
	const LpTrainConfig *cfg = s->cfg;
	const int	dim = s->dim;

	for (int32 k = 0; k < s->n_touched; k++)
	{
		int32		a = s->alist[k];
		Size		o = (Size) a * dim;

		LpAxpy(-cfg->reg, s->A + o, s->ag + o, dim);
		s->at[a] += 1;
		LpAdam(s->A + o, s->ag + o, s->am + o, s->av + o, dim, lr, (int64) s->at[a]);
		if (cfg->bias)
		{
			float		gb = s->abg[a] - cfg->reg * s->ab[a];

			LpAdam(&s->ab[a], &gb, &s->abm[a], &s->abv[a], 1, lr, (int64) s->at[a]);
		}
		memset(s->ag + o, 0, sizeof(float) * dim);
		s->abg[a] = 0;
		s->amark[a] = 0;
	}
	s->n_touched = 0;
}

void
LpSageAttrsFinal(Sage *s)
{
	for (int32 r = 0; r < s->p.n_rows; r++)
	{
		if (!LpSageHasAttrs(s, r))
			continue;
		/* in place: the id part is the row itself */
		LpSageInput(s, r, !LpSageIdDropped(s, r), s->x + (Size) r * s->dim, BiasOf(s, s->cur, r));
	}
}
