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

#include "ann.h"
#include "decoder.h"
#include "head.h"
#include "keymap.h"
#include "train.h"

typedef struct LpServingModel
{
	char		name[NAMEDATALEN];
	Oid			source;			/* the relation trained from */
	char		src_column[NAMEDATALEN];	/* the source's column names */
	char		dst_column[NAMEDATALEN];
	Oid			incarnation;	/* LpCatalogIncarnation(): which catalog it came from */
	int64		job_id;			/* identifies the version within that catalog */
	int32		version;
	Oid			owner;
	Oid			user_type;
	Oid			item_type;
	bool		homogeneous;
	bool		tied;			/* undirected homogeneous: one node table, U == V */
	LpDecoder	decoder;		/* the dot product, or bilinear: U holds R' h_u, or mlp */
	int			hidden;			/* mlp: hidden units */
	float	   *mlp;			/* mlp: the decoder's weights (mlp.h) */
	float	   *mlp_P;			/* mlp: the item precompute, n_items x hidden */
	float	   *mlp_scratch;	/* mlp: LpMlpScoreAll's scratch and a zero vector, in cxt */
	int			dim;
	int32		n_users;
	int32		n_items;
	float	   *U;				/* the vectors users query with (LpModelOneArray) */
	float	   *V;
	float	   *bu;
	float	   *bv;
	int32	   *udeg;
	int32	   *ideg;
	int64	   *seen_start;		/* per user: where its training items start */
	int32	   *seen_len;
	int32	   *seen;
	int64		n_seen;			/* entries of seen */
	LpKeyMap   *ukeys;
	LpKeyMap   *ikeys;			/* == ukeys when homogeneous */
	float	   *scratch;		/* n_items scores for top-k */
	struct LpTrainConfig *fold; /* training hyperparameters, for fold-in */
	void	   *fresh_plan;		/* SPIPlanPtr reading a user's current items */
	float	   *fold_u;			/* dim floats: a folded-in user vector */
	float	   *inorm;			/* item vector norms, built by linkpred_similar */
	float	   *lambda;			/* tied spectral: U's column norms, built on first fold-in */
	struct LpHeurGraph *heur;	/* built on first use by a heuristic or the head */
	struct LpHeurScratch *heur_scratch;
	bool		has_head;		/* scores go through the structural head */
	LpHead		head;
	LpHeadScratch *head_scratch;	/* built on first use */
	/* the approximate top-k index (ann.h): in data_cxt or the shared copy */
	const void *ann;			/* NULL: the version has none, top-k is exact */
	Size		ann_size;
	LpAnnScratch *ann_scratch;	/* this backend's search memory, in cxt */
	int			ann_scratch_k;	/* the largest k it was made for */
	MemoryContext cxt;
	/* the arrays above, when this backend holds them (child of cxt); else NULL */
	MemoryContext data_cxt;
	/* shared_cache.c: the shared copy the arrays point into, if any */
	int			shared_slot;	/* -1: a private copy in data_cxt */
	uint64		shared_serial;	/* which blob of that slot */
	LocalTransactionId pin_lxid;	/* the local transaction that holds its pin */
	bool		fallback_noticed;	/* the "not shared" NOTICE was given */
} LpServingModel;

/*
 * Whether U and V are one array.  A tied model's node table serves both
 * when its decoder scores the vectors alone (LP_DEC_VECTORS_ONLY);
 * under the bilinear decoder U holds each node's query R' h (so every
 * serving path is the dot product's) and V the vectors h.
 */
static inline bool
LpModelOneArray(const LpServingModel *m)
{
	return m->tied && LpDecoderIs(LpDecoderAt(m->decoder), LP_DEC_VECTORS_ONLY);
}

/* the models this backend has cached (for linkpred_cache_status) */
extern LpServingModel **LpCachedModels(int *n);

/* linkpred_drop: forget this backend's copy of a model now */
extern void LpCacheForgetModel(const char *name);

/*
 * The model for this call: the model argument (argument number model_argno)
 * if not NULL, else linkpred.model, else the only model the caller can use.
 * Resolved once per statement (the active version is read in the
 * statement's snapshot) and re-resolved when the model argument changes.
 */
extern LpServingModel *LpModelForCall(FunctionCallInfo fcinfo, int model_argno);

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
extern void LpModelEmbScoresAll(LpServingModel *m, const float *q, float bu, float *s);

/* ee scoring the model's users in blocks of block_size (metrics.h) */
struct LpEvalEmbedding;
extern void LpModelEvalEmbedding(LpServingModel *m, int block_size, struct LpEvalEmbedding *ee);

/* one pair's final score from its embedding score (u or v may be -1) */
extern float LpModelPairScore(LpServingModel *m, int32 u, int32 v, float emb);
/* the same for a user with items[0 .. n-1] (fresh => true) */
extern float LpModelPairScoreItems(LpServingModel *m, int32 u, const int32 *items, int n,
								   int32 v, float emb);

/* dense index of a user / item value of any type, -1 if unknown */
extern int32 LpLookupUser(const LpServingModel *m, Datum value, Oid valtype);
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
