/*
 * cache.c: the per-backend cache of serving models.
 *
 * Design.  Each backend keeps, per model name, the one version it last
 * served, in its own memory context under TopMemoryContext.  A call finds
 * its model through fn_extra: the first call of a statement reads the
 * model's active version from the catalog (one small query, in the
 * statement's snapshot, so a statement never mixes versions) and compares
 * it with the cached one by the job id that produced it and the catalog's
 * incarnation (the OID of linkpred's pg_extension row: after DROP EXTENSION
 * and CREATE EXTENSION the job ids start at 1 again); only a changed
 * version is reloaded.
 * Later calls of the statement reuse the pointer after checking a global
 * generation counter that every eviction bumps, so a pointer to a freed
 * version is never followed.
 *
 * Loading builds the arrays in a context parented to the current
 * transaction and re-parents it under TopMemoryContext only when complete:
 * an error (or a cancel) half-way frees everything.  What is read, every
 * node or the items with each user on first use (lazy users), is
 * cache_load.c's.
 *
 * With linkpred in shared_preload_libraries the arrays (and the id maps)
 * are not this backend's: shared_cache.c keeps one copy per version in
 * shared memory, and a cached model here is then a small header pointing
 * into it plus this backend's scratch space.  Such a copy is only safe to
 * read while this transaction pins it, so the fast path below also checks
 * the pin, and a model found in the list at a later transaction is pinned
 * again (or reloaded if its copy was evicted meanwhile).  A load that
 * shared_cache.c asks to publish is copied there once complete, and the
 * private arrays are freed.
 *
 * A version with an approximate top-k index (ann.h) carries it as one more
 * array: the bytea from its version row, checked once when loaded, kept in
 * data_cxt beside the embeddings (or in the shared copy with them).  The
 * search memory for it is per backend, in the model's own context.
 */
#include "postgres.h"

#include <cblas.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "funcapi.h"
#include "utils/memutils.h"
#include "utils/tuplestore.h"

#include "cache.h"
#include "cache_internal.h"
#include "train.h"
#include "vec.h"
#include "linkpred.h"
#include "scoring.h"
#include "options.h"
#include "qscan.h"
#include "shared_cache.h"
#include "spectral.h"
#include "store.h"

PG_FUNCTION_INFO_V1(linkpred_cache_status);

#define MAX_CACHED_MODELS 64

static LpServingModel *cached[MAX_CACHED_MODELS];
static int	n_cached = 0;
static uint64 cache_generation = 1;

typedef struct CallCache
{
	uint64		generation;
	LpServingModel *model;
	bool		by_name;		/* resolved from the model argument */
	int			requested_len;
	char		requested[NAMEDATALEN];
	Oid			argtypes[2];	/* the call site's first two argument types */
} CallCache;

static void
Evict(int i)
{
	if (cached[i]->fresh_plan)
		SPI_freeplan((SPIPlanPtr) cached[i]->fresh_plan);
	MemoryContextDelete(cached[i]->cxt);
	cached[i] = cached[--n_cached];
	cache_generation++;
}

/* the single model the caller can use, for calls that name none */
static char *
OnlyModel(void)
{
	char	   *name = NULL;
	uint64		n = LpUsableModels(GetUserId(), &name);

	if (n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("no linkpred model exists"),
				 errhint("Train one with linkpred_train(), or pass model => '...'.")));
	if (n > 1)
		ereport(ERROR,
				(errcode(ERRCODE_AMBIGUOUS_PARAMETER),
				 errmsg("several linkpred models exist; which one is meant?"),
				 errhint("Pass model => '...', or SET linkpred.model = '...'.")));
	return name;
}

void
LpCacheForgetModel(const char *name)
{
	for (int i = 0; i < n_cached; i++)
		if (strcmp(cached[i]->name, name) == 0)
		{
			Evict(i);
			break;
		}
}

/*
 * linkpred_cache_status(): the shared copies of this database the caller
 * may see (shared_cache.c), then this backend's private ones.
 */
Datum
linkpred_cache_status(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;

	InitMaterializedSRF(fcinfo, 0);
	LpSharedCacheStatusRows(rsinfo);

	/* this backend's private copies */
	for (int i = 0; i < n_cached; i++)
	{
		LpServingModel *m = cached[i];

		if (m->shared_slot < 0)
			LpCacheStatusRow(rsinfo, m->name, m->version, m->job_id, false, "private",
							 (int64) MemoryContextMemAllocated(m->cxt, true), -1, 0);
	}
	return (Datum) 0;
}

static LpServingModel *
Resolve(const char *requested)
{
	LpCatalogContext cc;
	const char *name;
	LpModelRow	row;
	LpOptions	opts;
	LpServingModel hdr;
	LpTrainConfig fold;
	LpServingModel *m;
	MemoryContext cxt,
				old;
	LpSharedBegin shared;

	SPI_connect();
	name = requested ? requested : (linkpred_default_model && linkpred_default_model[0] ?
									linkpred_default_model : OnlyModel());
	memset(&hdr, 0, sizeof(hdr));
	hdr.shared_slot = -1;
	strlcpy(hdr.name, name, NAMEDATALEN);

	if (!LpReadModel(name, false, true, &row))
	{
		/* on a standby, copies of a model replay dropped go now */
		LpSharedCacheDropOrphans();
		LpReadModel(name, false, false, &row);	/* "does not exist" */
	}
	if (!has_privs_of_role(GetUserId(), row.owner))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied for linkpred model \"%s\"", name),
				 errdetail("The model belongs to role \"%s\".", GetUserNameFromId(row.owner, false)),
				 errhint("Ask a member of that role to grant it to you.")));
	if (row.active_version == 0 || row.options == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("linkpred model \"%s\" has no active version", name),
				 errhint("Train it with linkpred_train().")));
	LpOptionsParseText(row.options, &opts);
	hdr.owner = row.owner;
	hdr.version = row.active_version;
	hdr.job_id = row.job_id;
	hdr.incarnation = LpCatalogIncarnation();
	hdr.user_type = row.user_type;
	hdr.item_type = row.item_type;
	hdr.dim = row.dim;
	hdr.n_users = (int32) row.n_users;
	hdr.n_items = (int32) row.n_items;
	hdr.homogeneous = !opts.bipartite;
	hdr.tied = hdr.homogeneous && !opts.directed;
	hdr.decoder = opts.decoder;
	hdr.hidden = opts.hidden;
	strlcpy(hdr.src_column, row.src_column, NAMEDATALEN);
	strlcpy(hdr.dst_column, row.dst_column, NAMEDATALEN);
	hdr.source = row.source;
	hdr.has_head = row.has_head;
	hdr.head = row.head;
	/* a 0.1.0 head weighs u's and v's degree apart: the mean of both orders */
	if (hdr.has_head && hdr.tied && row.head_format == 1)
		LpHeadSymmetrise(&hdr.head);
	/* fold-in trains one user with the model's own loss and settings */
	LpOptionsToTrainConfig(&opts, &fold);
	fold.neg_mode = LP_NEG_PLAIN;
	fold.seed = 42;

	for (int i = 0; i < n_cached; i++)
	{
		if (strcmp(cached[i]->name, hdr.name) != 0)
			continue;
		if (cached[i]->job_id == hdr.job_id && cached[i]->incarnation == hdr.incarnation &&
			!cached[i]->half_read)
		{
			/* pinned for this transaction (or private) */
			if (LpSharedCacheReuse(cached[i]))
			{
				SPI_finish();
				return cached[i];
			}
			Evict(i);			/* its shared copy was evicted: load it again */
			break;
		}
		Evict(i);				/* a newer (or older, re-activated) version, or a
								 * copy a failed lazy read left half read */
		break;
	}
	if (n_cached == MAX_CACHED_MODELS)
		Evict(0);

	/* under the transaction until complete: an error frees it */
	cxt = AllocSetContextCreate(TopTransactionContext, "linkpred serving model",
								ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(cxt);
	m = palloc(sizeof(LpServingModel));
	*m = hdr;
	m->cxt = cxt;
	m->fold = palloc(sizeof(LpTrainConfig));
	*m->fold = fold;
	m->fold_u = palloc(sizeof(float) * hdr.dim);
	if (LpDecoderAt(hdr.decoder)->serve.scratch_floats)
		m->dec_scratch = palloc(sizeof(float) *
								LpDecoderAt(hdr.decoder)->serve.scratch_floats(hdr.dim, hdr.hidden));
	m->scratch = MemoryContextAllocHuge(cxt, sizeof(float) * (Size) hdr.n_items);
	MemoryContextSwitchTo(old);

	shared = LpSharedCacheBegin(m);
	if (shared != LP_SHARED_ATTACHED)
	{
		m->data_cxt = AllocSetContextCreate(cxt, "linkpred model data", ALLOCSET_DEFAULT_SIZES);
		LpCatalogEnter(&cc);
		LpCacheLoadVersion(m, shared == LP_SHARED_LOAD_PUBLISH);
		LpCatalogLeave(&cc);
	}
	SPI_finish();
	if (shared == LP_SHARED_LOAD_PUBLISH)
		LpSharedCachePublish(m);	/* else (or if it does not fit) stays private */

	MemoryContextSetParent(cxt, TopMemoryContext);
	cached[n_cached++] = m;
	return m;
}

bool
LpCachePublishStored(const char *model)
{
	LpServingModel *m = Resolve(model);
	bool		shared = m->shared_slot >= 0;

	/* the copy stays in shared memory; this process keeps nothing */
	LpCacheForgetModel(model);
	return shared;
}

/* the model for a call; its items may be lazy (LpModelForTopK) */
static LpServingModel *
ModelForCall(FunctionCallInfo fcinfo, int model_argno)
{
	CallCache  *cc = (CallCache *) fcinfo->flinfo->fn_extra;
	char	   *requested = NULL;
	text	   *t = NULL;

	if (!PG_ARGISNULL(model_argno))
		t = PG_GETARG_TEXT_PP(model_argno);

	if (cc == NULL)
	{
		cc = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(CallCache));
		cc->argtypes[0] = get_fn_expr_argtype(fcinfo->flinfo, 0);
		cc->argtypes[1] = get_fn_expr_argtype(fcinfo->flinfo, 1);
		fcinfo->flinfo->fn_extra = cc;
	}
	/* the fast path of a bulk call: same model as the last row, no allocation */
	else if (cc->generation == cache_generation && cc->model != NULL &&
			 LpSharedCacheValid(cc->model) && !cc->model->half_read && cc->by_name == (t != NULL) &&
			 (t == NULL || (VARSIZE_ANY_EXHDR(t) == cc->requested_len &&
							memcmp(VARDATA_ANY(t), cc->requested, cc->requested_len) == 0)))
		return cc->model;

	if (t)
	{
		requested = text_to_cstring(t);
		if (strlen(requested) > LINKPRED_MAX_NAME)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("linkpred model \"%s\" does not exist", LpClip(requested))));
	}

	cc->model = Resolve(requested);
	cc->generation = cache_generation;
	cc->by_name = (requested != NULL);
	if (requested)
	{
		strlcpy(cc->requested, requested, NAMEDATALEN);
		cc->requested_len = strlen(requested);
	}
	return cc->model;
}

LpServingModel *
LpModelForCall(FunctionCallInfo fcinfo, int model_argno)
{
	LpServingModel *m = ModelForCall(fcinfo, model_argno);

	LpCacheReadAllItems(m);
	return m;
}

LpServingModel *
LpModelForTopK(FunctionCallInfo fcinfo, int model_argno)
{
	return ModelForCall(fcinfo, model_argno);
}

Oid
LpCallArgType(FunctionCallInfo fcinfo, int argno)
{
	CallCache  *cc = (CallCache *) fcinfo->flinfo->fn_extra;

	if (cc != NULL && argno < 2)
		return cc->argtypes[argno];
	return get_fn_expr_argtype(fcinfo->flinfo, argno);
}

int32
LpLookupUser(LpServingModel *m, Datum value, Oid valtype)
{
	if (m->user_buckets > 0)
		return LpCacheLookupLazyUser(m, value, valtype);
	return LpKeyMapFindDatum(m->ukeys, m->user_type, value, valtype);
}

int32
LpLookupItem(const LpServingModel *m, Datum value, Oid valtype)
{
	return LpKeyMapFindDatum(m->ikeys, m->item_type, value, valtype);
}

static void *
ModelAlloc(Size n)
{
	return LpPallocHuge(n);
}

/*
 * Built from the seen lists in the model's own context, so it lives and
 * dies with the cached version (private even when the version is shared).
 */
const LpHeurGraph *
LpModelHeurGraph(LpServingModel *m)
{
	MemoryContext old;

	if (m->heur)
		return m->heur;
	LpCacheReadAllUsers(m);
	old = MemoryContextSwitchTo(m->cxt);
	{
		LpHeurGraph *g = palloc(sizeof(LpHeurGraph));

		LpHeurGraphBuild(g, m->homogeneous, m->tied, m->n_users, m->n_items, m->seen_start,
						 m->seen_len, m->seen, ModelAlloc);
		m->heur = g;
	}
	MemoryContextSwitchTo(old);
	return m->heur;
}

/* the head's scratch: one per cached version, built on first use */
static LpHeadScratch *
HeadScratch(LpServingModel *m)
{
	if (m->head_scratch == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(m->cxt);

		m->head_scratch = LpHeadScratchAlloc(Max(m->n_users, m->n_items));
		MemoryContextSwitchTo(old);
	}
	return m->head_scratch;
}

LpAnnScratch *
LpModelAnnScratch(LpServingModel *m, int k)
{
	Assert(m->ann != NULL);
	if (m->ann_scratch == NULL || m->ann_scratch_k < k)
	{
		/* room for the usual k at once, so that most models make it once */
		int			want = Max(k, 100);
		void	   *mem = MemoryContextAlloc(m->cxt, LpAnnScratchSize(m->ann, want));

		if (m->ann_scratch)
			pfree(m->ann_scratch);
		m->ann_scratch = LpAnnScratchInit(mem, m->ann, want);
		m->ann_scratch_k = want;
	}
	return m->ann_scratch;
}

/* the item-item term's weight of each item (LpSpectralItemWeights), built on first use */
static const float *
ItemWeights(LpServingModel *m)
{
	if (m->item_weights == NULL)
	{
		const LpHeurGraph *g = LpModelHeurGraph(m);
		MemoryContext old = MemoryContextSwitchTo(m->cxt);

		m->item_weights = LpSpectralItemWeights(g, m->fold->item_norm, ModelAlloc);
		MemoryContextSwitchTo(old);
	}
	return m->item_weights;
}

void
LpModelDecode(LpServingModel *m, int32 u, const int32 *items, int n, float *s)
{
	if (m->fold->item_term)
	{
		LpItemTermScratch its = LpItemTermScratchOf(HeadScratch(m));

		LpSpectralItemAll(LpModelHeurGraph(m), items, n, ItemWeights(m), s, &its);
	}
	if (m->has_head)
		LpHeadAll(&m->head, LpModelHeurGraph(m), u, s, HeadScratch(m));
}

/* user u's training items, *n of them (none for u = -1) */
static const int32 *
SeenItems(const LpServingModel *m, int32 u, int *n)
{
	if (u < 0)
	{
		*n = 0;
		return NULL;
	}
	*n = m->seen_len[u];
	return m->seen + m->seen_start[u];
}

void
LpModelDecodeUser(LpServingModel *m, int32 u, float *s)
{
	int			n;
	const int32 *items = SeenItems(m, u, &n);

	LpModelDecode(m, u, items, n, s);
}

/* ask the cache for a row of n floats about to be read (a hint) */
static inline void
PrefetchRow(const float *row, int n)
{
	for (int d = 0; d < n; d += 16)
		__builtin_prefetch(row + d, 0, 3);
}

/* the item-item term of the pair: a user with items[0 .. n-1] and item v */
static double
ItemTerm(LpServingModel *m, const int32 *items, int n, int32 v)
{
	return LpSpectralItemPair(LpModelHeurGraph(m), items, n, v, ItemWeights(m),
							  HeadScratch(m)->vmark);
}

/* the pair's score from its embedding score and item-item term */
static float
PairScore(LpServingModel *m, int32 u, int32 v, float emb, double term)
{
	if (m->fold->item_term)
		emb += (float) term;
	if (!m->has_head)
		return emb;
	return LpHeadPair(&m->head, LpModelHeurGraph(m), u, v, emb, HeadScratch(m));
}

float
LpModelPairScoreQuery(LpServingModel *m, int32 u, const int32 *items, int n, int32 v,
					  const float *q, float bu)
{
	double		term = 0;

	/*
	 * The walk first, with the two vectors asked of memory before it: at
	 * dim 512 they are 4 kB from anywhere in the model, which the walk's
	 * microsecond hides
	 */
	if (m->fold->item_term)
	{
		if (q)
			PrefetchRow(q, m->dim);
		PrefetchRow(m->V + (int64) v * m->dim, m->dim);
		term = ItemTerm(m, items, n, v);
	}
	return PairScore(m, u, v, LpModelEmbScore(m, q, bu, v), term);
}

float
LpModelEmbScore(LpServingModel *m, const float *q, float bu, int32 v)
{
	const float *hv = m->V + (int64) v * m->dim;
	const LpDecoderKind *dk = LpDecoderAt(m->decoder);

	if (m->items_lazy && !m->item_read[v])
		LpCacheItemVectors(m, &v, 1);
	if (dk->score.pair)
		return dk->score.pair(m, q, hv) + (bu + m->bv[v]);
	/* the biases summed first, so an undirected pair scores the same both ways */
	return (q ? LpDot(q, hv, m->dim) : 0.0f) + (bu + m->bv[v]);
}

const LpQuantItems *
LpModelQuantItems(LpServingModel *m)
{
	const LpDecoderKind *dk = LpDecoderAt(m->decoder);

	/* the head is no sum of the embedding score and a term, so no bound carries through it */
	if (dk->score.row || dk->score.pair || m->has_head || m->dim > LP_QSCAN_MAX_DIM ||
		m->n_items == 0 || !LpQuantUsable())
		return NULL;
	/* float vectors small enough to stay in the cache scan as fast as the codes */
	if (linkpred_exact_scan_8bit_min_mb < 0 ||
		sizeof(float) * (double) m->n_items * m->dim <
		(double) linkpred_exact_scan_8bit_min_mb * 1024 * 1024)
		return NULL;
	/* every item's vector, in V for the copy's life (a lazy copy reads the rest now) */
	LpCacheReadAllItems(m);
	if (m->quant == NULL && !m->quant_none)
	{
		LpQuantItems *qi = MemoryContextAlloc(m->cxt, sizeof(LpQuantItems));
		void	   *mem = MemoryContextAllocHuge(m->cxt, LpQuantItemsSize(m->n_items, m->dim));

		if (LpQuantItemsBuild(m->V, m->n_items, m->dim, mem, qi))
		{
			m->quant = qi;
			m->quant_scratch = MemoryContextAllocHuge(m->cxt, sizeof(float) * 2 * (Size) m->n_items);
		}
		else
		{
			pfree(mem);
			pfree(qi);
			m->quant_none = true;
		}
	}
	return m->quant;
}

void
LpModelEmbScoresAll(LpServingModel *m, const float *q, float bu, float *s)
{
	const LpDecoderKind *dk = LpDecoderAt(m->decoder);

	if (q || dk->score.row)
		LpCacheReadAllItems(m);	/* (a user with no vector: the biases alone) */
	if (dk->score.row)
		dk->score.row(m, q, s);
	else if (q)
		cblas_sgemv(CblasRowMajor, CblasNoTrans, m->n_items, m->dim, 1.0f, m->V, m->dim,
					q, 1, 0.0f, s, 1);
	else
		memset(s, 0, sizeof(float) * m->n_items);
	for (int32 i = 0; i < m->n_items; i++)
		s[i] += bu + m->bv[i];
}

void
LpModelEvalEmbedding(LpServingModel *m, int block_size, LpEvalEmbedding *ee)
{
	LpCacheReadAllItems(m);
	memset(ee, 0, sizeof(*ee));
	ee->dim = m->dim;
	ee->n_items = m->n_items;
	ee->U = m->U;
	ee->V = m->V;
	ee->bu = m->bu;
	ee->bv = m->bv;
	ee->vchunk = palloc(sizeof(float) * LP_EVAL_CHUNK * m->dim);
	if (LpDecoderAt(m->decoder)->eval.served)
		LpDecoderAt(m->decoder)->eval.served(m, ee);
}

float
LpModelPairScore(LpServingModel *m, int32 u, int32 v, float emb)
{
	int			n;
	const int32 *items = SeenItems(m, u, &n);

	return PairScore(m, u, v, emb, m->fold->item_term ? ItemTerm(m, items, n, v) : 0);
}

float
LpModelPairScoreUser(LpServingModel *m, int32 u, int32 v)
{
	int			n;
	const int32 *items = SeenItems(m, u, &n);

	return LpModelPairScoreQuery(m, u, items, n, v, m->U + (int64) u * m->dim, m->bu[u]);
}

void
LpModelEvalScorer(LpServingModel *m, LpEvalScorer *sc)
{
	if (m->fold->item_term || m->has_head)
		LpEvalWithDecoder(sc, m->fold, m->has_head ? &m->head : NULL, LpModelHeurGraph(m),
						  HeadScratch(m));
}
