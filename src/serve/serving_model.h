/*
 * serving_model.h: a trained model version as serving holds it, in one
 * backend's memory (cache.c) or pointing into a shared copy
 * (shared_cache.h).  Only the type: cache.c loads and scores it,
 * shared_cache*.c share its arrays, and neither calls the other through it.
 */
#ifndef LINKPRED_SERVING_MODEL_H
#define LINKPRED_SERVING_MODEL_H

#include "postgres.h"

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
	/* a decoder's own arrays, which its kind fills (decoder.h); the mlp's: */
	float	   *dec_weights;	/* its weights (mlp.h) */
	float	   *dec_items;		/* its item precompute, n_items x hidden */
	float	   *dec_scratch;	/* LpMlpScoreAll's scratch and a zero vector, in cxt */
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
	/*
	 * Lazy users (cache.c): a private copy of a version whose users are
	 * stored in buckets reads a user's bucket on the user's first lookup.
	 * Meanwhile ukeys holds the users read so far, entry j being user
	 * ukey_idx[j] of the version, and the user arrays above (sized for
	 * every user, touched only where read) hold those users only.
	 */
	int32		user_buckets;	/* > 0: lazy, the version's buckets; 0: every user read */
	bool	   *bucket_read;	/* per bucket: its users are in the arrays */
	int32	   *ukey_idx;
	int32		ukey_cap;
	int64		seen_cap;		/* lazy: entries seen has room for */
	bool		half_read;		/* a lazy read failed part-way: cache.c evicts the
								 * copy before its next use */
	/*
	 * Lazy items (cache_load.c): such a copy of a version with a top-k
	 * index reads the items' keys, biases and degrees at once but an item's
	 * vector only when a top-k's re-rank or a score needs it; V (sized for
	 * every item) holds those read.  The item key map's hash table is built
	 * on the first item lookup (keymap.h).
	 */
	bool		items_lazy;		/* true: V holds only the items of item_read */
	bool	   *item_read;		/* per item: its vector is in V */
	int32	   *item_chunk;		/* the item chunks' first nodes, ascending */
	int32		n_item_chunks;
	int32		item_chunk_cap;
	float	   *scratch;		/* n_items scores for top-k */
	struct LpTrainConfig *fold; /* training hyperparameters, for fold-in */
	void	   *fresh_plan;		/* SPIPlanPtr reading a user's current items */
	void	   *fresh_attrs;	/* fresh_attrs.c: the version's item attributes, on first use */
	void	   *fresh_user_attrs;	/* and its user attributes */
	float	   *fold_u;			/* dim floats: a folded-in user vector */
	float	   *inorm;			/* item vector norms, built by linkpred_similar */
	float	   *lambda;			/* tied spectral: U's column norms, built on first fold-in */
	struct LpHeurGraph *heur;	/* built on first use by a heuristic or the head */
	struct LpHeurScratch *heur_scratch;
	float	   *item_weights;	/* spectral: the item-item term's, on first use */
	bool		has_head;		/* scores go through the structural head */
	LpHead		head;
	LpHeadScratch *head_scratch;	/* built on first use */
	/* the approximate top-k index (ann.h): in data_cxt or the shared copy */
	const void *ann;			/* NULL: the version has none, top-k is exact */
	Size		ann_size;
	LpAnnScratch *ann_scratch;	/* this backend's search memory, in cxt */
	int			ann_scratch_k;	/* the largest k it was made for */
	/* V's 8-bit codes for the exact top-k (qscan.h), in cxt, built on first use */
	struct LpQuantItems *quant;
	float	   *quant_scratch;	/* 2 x n_items: a scan's scores and bounds */
	bool		quant_none;		/* V cannot have them (a value not finite) */
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

#endif
