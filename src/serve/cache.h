/*
 * cache.h: trained model versions loaded into backend memory for serving.
 *
 * Split inference: embeddings are computed once, at training; serving only
 * looks up two rows (score) or multiplies the item matrix by one user
 * vector (top-k).  A version is loaded once per backend and kept until a
 * newer version of the model is activated.  With linkpred in
 * shared_preload_libraries its arrays live in shared memory instead, one
 * copy for every backend (shared_cache.h).
 */
#ifndef LINKPRED_CACHE_H
#define LINKPRED_CACHE_H

#include "postgres.h"

#include "fmgr.h"
#include "nodes/execnodes.h"

#include "serving_model.h"

/*
 * Before anything that reads every user of m (evaluation, top-k for all
 * users, the fresh users' attribute scan): a copy that reads its users
 * lazily reads the rest now.  User indices found before stay valid.
 */
extern void LpCacheReadAllUsers(LpServingModel *m);

/*
 * A copy that reads its items lazily (m->items_lazy: cache_load.c): the
 * vectors of items[0 .. n-1] (any order, repeats allowed) read if not yet,
 * before V is read for them; every item's vector, before anything that
 * reads V whole.  No-ops for any other copy.
 */
extern void LpCacheItemVectors(LpServingModel *m, const int32 *items, int n);
extern void LpCacheReadAllItems(LpServingModel *m);

/* linkpred_drop: forget this backend's copy of a model now */
extern void LpCacheForgetModel(const char *name);

/*
 * A training worker, in a transaction of its own right after storing a
 * version (linkpred.publish_on_store, the shared cache on): load the
 * model's active version as a backend's first call would, into the shared
 * cache.  Returns whether a shared copy now serves it (false: it did not
 * fit, and the NOTICE said why).
 */
extern bool LpCachePublishStored(const char *model);

/*
 * The model for this call: the model argument (argument number model_argno)
 * if not NULL, else linkpred.model, else the only model the caller can use.
 * Resolved once per statement (the active version is read in the
 * statement's snapshot) and re-resolved when the model argument changes.
 */
extern LpServingModel *LpModelForCall(FunctionCallInfo fcinfo, int model_argno);

/*
 * The same for linkpred_topk alone, which may leave a copy's items lazy:
 * its caller reads V only through LpModelEmbScore, LpModelEmbScoresAll and
 * the index's re-rank (ranking.c), each of which reads the vectors it
 * needs first, and reads every item (LpCacheReadAllItems) before a fold-in
 * or fresh items.  Every other caller gets a copy with every item's vector.
 */
extern LpServingModel *LpModelForTopK(FunctionCallInfo fcinfo, int model_argno);

/* argument type of the call site, cached after LpModelForCall (argno 0, 1) */
extern Oid	LpCallArgType(FunctionCallInfo fcinfo, int argno);

/* the training graph as the heuristics and the head see it (built once) */
extern const LpHeurGraph *LpModelHeurGraph(LpServingModel *m);

/*
 * The decoder over embedding scores: s[0 .. n_items-1] holds the embedding
 * scores of a user with items[0 .. n-1] (u: its index, -1 if the model has
 * none); they become the model's final scores: the spectral encoder's
 * item-item term is added, a structural head re-scores.  LpModelDecodeUser
 * takes the items from u's training edges.
 */
extern void LpModelDecode(LpServingModel *m, int32 u, const int32 *items, int n, float *s);
extern void LpModelDecodeUser(LpServingModel *m, int32 u, float *s);

/* put the model's decoder (item-item term, head) over an embedding scorer of it */
struct LpEvalScorer;
extern void LpModelEvalScorer(LpServingModel *m, struct LpEvalScorer *sc);

/* search memory for the model's index (m->ann set), for any k up to k */
extern LpAnnScratch *LpModelAnnScratch(LpServingModel *m, int k);

/*
 * The embedding score of a user query q (dim floats; NULL: a user with no
 * vector) with bias bu against item v, or against every item into s: the
 * dot product, or the MLP decoder.  The bilinear decoder's queries are
 * already in U, so it is the dot product here.
 */
extern float LpModelEmbScore(LpServingModel *m, const float *q, float bu, int32 v);

/*
 * V's 8-bit codes (qscan.h), made on first use in the copy's memory
 * (n_items x dim bytes, rounded up to 32 a row), for a model scored by the
 * dot product, plus the item-item term if any; NULL where they do not
 * apply: float vectors under linkpred.exact_scan_8bit_min, another
 * decoder, a structural head, dim above LP_QSCAN_MAX_DIM, no AVX2, or a
 * vector that is not finite.
 */
struct LpQuantItems;
extern const struct LpQuantItems *LpModelQuantItems(LpServingModel *m);
extern void LpModelEmbScoresAll(LpServingModel *m, const float *q, float bu, float *s);

/* ee scoring the model's users in blocks of block_size (metrics.h) */
struct LpEvalEmbedding;
extern void LpModelEvalEmbedding(LpServingModel *m, int block_size, struct LpEvalEmbedding *ee);

/* one pair's final score from its embedding score (u or v may be -1) */
extern float LpModelPairScore(LpServingModel *m, int32 u, int32 v, float emb);

/*
 * The same bits from the query vector q (bias bu) of a user with items[0 ..
 * n-1], and of a trained user u (its own vector and training items), v an
 * item of the model: the embedding score computed after the graph's part,
 * so that fetching the vectors overlaps the walk
 */
extern float LpModelPairScoreQuery(LpServingModel *m, int32 u, const int32 *items, int n,
								   int32 v, const float *q, float bu);
extern float LpModelPairScoreUser(LpServingModel *m, int32 u, int32 v);

/*
 * dense index of a user / item value of any type, -1 if unknown (a copy
 * with lazy users reads the user's bucket on its first lookup: cache_load.c)
 */
extern int32 LpLookupUser(LpServingModel *m, Datum value, Oid valtype);
extern int32 LpLookupItem(const LpServingModel *m, Datum value, Oid valtype);

/* serve.c: k checked to be positive; the k best of a score row emitted as rows */
extern int32 LpCheckK(int32 k);
extern void LpEmitTopK(ReturnSetInfo *rsinfo, const LpServingModel *m, const float *s,
					   int32 k, Oid type);
/* serve.c: n items, best first, with their scores, emitted as LpEmitTopK does */
extern void LpEmitItems(ReturnSetInfo *rsinfo, const LpServingModel *m, const int32 *items,
						const float *scores, int n, Oid type);

/* serve.c: error unless the model's items can be returned in type utype */
extern void LpCheckItemType(const LpServingModel *m, Oid utype);

#endif
