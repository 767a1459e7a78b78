/*
 * fresh_items.h: items added to a model's item attribute relation after
 * training, composed at serve time from the version's stored attribute
 * vectors (fresh_items => true of linkpred_topk and linkpred_score;
 * serve/fresh_items.c).
 */
#ifndef LINKPRED_FRESH_ITEMS_H
#define LINKPRED_FRESH_ITEMS_H

#include "postgres.h"

#include "fmgr.h"
#include "nodes/execnodes.h"

#include "keymap.h"
#include "serving_model.h"

/* the items of the attribute relation that the version does not hold */
typedef struct LpFreshItems
{
	int32		n;
	int			dim;
	LpKeyMap   *keys;			/* their ids, in the model's key kind: index j = item j */
	float	   *V;				/* n x dim composed vectors */
	float	   *bv;				/* n composed biases */
} LpFreshItems;

/*
 * ERRORs unless the model can compose fresh items: trained with
 * item_features, without a structural head.  Loads the version's item
 * attribute rows once per backend (m->fresh_attrs).
 */
extern void LpFreshItemsCheck(LpServingModel *m);

/*
 * Read the model's item attribute relation (option item_features) as the
 * calling role, in the query's snapshot, and compose every item the
 * version does not hold; with has_only, only the item `only` (of type
 * only_type).  ERRORs when the model has no item attributes, its relation
 * is gone, or a column changed kind since training.  Caller connected to
 * no SPI (it connects itself).
 */
extern LpFreshItems *LpFreshItemsRead(LpServingModel *m, bool has_only, Datum only,
									  Oid only_type);

/*
 * fresh => true for a user the model does not hold and who has no current
 * rows: its vector and bias composed from its current rows in the model's
 * user_features relation, into q (dim floats) and *bu; false (q untouched)
 * when the model has no user_features or the user has no row there.
 */
extern bool LpFreshUserVector(LpServingModel *m, Datum user, Oid utype, float *q, float *bu);

/*
 * the score of fresh item j for user query q (NULL: none) with bias bu;
 * with a structural head, scored as the head scores a node without edges
 * for user u (the model's index, -1 for none): degree 0, no neighbour in
 * common, a component of its own, as a cold item of the model would be
 */
extern float LpFreshItemScore(LpServingModel *m, const LpFreshItems *fi, int32 u, int32 j,
							  const float *q, float bu);

/*
 * Emit linkpred_topk's rows: the known items top[0 .. n-1] with their
 * scores (best first, the call's filters applied) merged with fi's items,
 * scored for q and bu and filtered by the call's candidates (argument 5)
 * and exclude (argument 6) arguments and the ids seen_new[0 .. n_seen_new-1]
 * (in the model's item type: a fresh user's current items, under
 * exclude_seen); k rows at most, best first, a known
 * item before a fresh one of equal score.
 */
extern void LpFreshItemsEmitTopK(FunctionCallInfo fcinfo, LpServingModel *m,
								 const LpFreshItems *fi, int32 u, const float *q, float bu,
								 const int32 *top, const float *scores, int n, int32 k,
								 Oid type, const Datum *seen_new, int n_seen_new);

/* the index in fi of an item id of type type, -1 if not a fresh item */
extern int32 LpFreshItemIndex(const LpServingModel *m, const LpFreshItems *fi, Datum item,
							  Oid type);

/*
 * Emit linkpred_similar's rows for query vector q: the known items' cosine
 * similarities s (the query itself -infinity if known) merged with fi's
 * items' (fi's item self, if >= 0, left out); k rows at most, best first.
 */
extern void LpFreshItemsEmitSimilar(ReturnSetInfo *rsinfo, const LpServingModel *m,
									const LpFreshItems *fi, const float *q, int32 self,
									const float *s, int32 k, Oid type);

#endif
