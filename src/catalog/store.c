/*
 * store.c: the embeddings table (linkpred.embedding_store): a new model
 * version in one transaction, and a dropped model's rows (reading a
 * version's nodes back is store_read.c's).
 *
 * The version row, its nodes (a row per chunk of up to LP_STORE_CHUNK nodes
 * of a side, see below), the switch of the model's active version, the pruning of old versions and the job's 'done'
 * all happen in the caller's single transaction.  Readers keep serving the
 * previous version until it commits; if anything fails, nothing of the new
 * version exists.  The model row is locked first, so two stores for one
 * model (which the per-model advisory lock already prevents) could not
 * interleave either.
 *
 * The approximate top-k index, when the job built one, goes into the
 * version row as one bytea (version_catalog.ann): it belongs to these
 * embeddings, so it is written, activated and pruned with them.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/lsyscache.h"
#include "catalog/namespace.h"
#include "utils/memutils.h"

#include "decoder.h"
#include "jobs.h"
#include "linkpred.h"
#include "memory.h"
#include "model.h"
#include "options.h"
#include "store.h"
#include "attr_store.h"

/* a one-dimensional array of n 4-byte values (int4 or float4) copied from v */
static ArrayType *
FlatArray(const void *v, int64 n, Oid elemtype)
{
	Size		bytes = ARR_OVERHEAD_NONULLS(1) + sizeof(int32) * (Size) n;
	ArrayType  *a;

	if (n == 0)
		return construct_empty_array(elemtype);
	a = palloc(bytes);
	SET_VARSIZE(a, bytes);
	a->ndim = 1;
	a->dataoffset = 0;
	a->elemtype = elemtype;
	ARR_DIMS(a)[0] = (int) n;
	ARR_LBOUND(a)[0] = 1;
	memcpy(ARR_DATA_PTR(a), v, sizeof(int32) * (Size) n);
	return a;
}

/*
 * The layout: one row per chunk of a side's nodes (LP_STORE_CHUNK of them,
 * fewer when a chunk's seen lists would pass STORE_SEEN_MAX entries, and
 * the side's last), each column an array over the chunk's nodes: keys,
 * degrees, biases, the vectors one after another, and for 'u' and 'n' rows
 * the seen lists one after another with where each ends.  Serving reads a
 * 10M-node version in a few thousand rows whose vectors (stored EXTERNAL,
 * uncompressed) copy straight into its arrays, instead of ten million rows
 * through a sort; linkpred.embeddings unnests them (linkpred.embedding_nodes).
 */
#define STORE_SEEN_MAX (4 * 1024 * 1024)

/*
 * A bipartite version's users go into buckets instead (WriteUserBuckets):
 * bucket b holds the users whose key falls in slice b of
 * LpStoreUserBuckets(n_users) slices (kernels/shard.h's hash, the same on
 * every platform), in index order, its row's idx is b and its column nodes
 * their indices.  A backend then reads one user's row by the primary key
 * (model, version, 'u', b) on the user's first call (serve/cache.c) rather
 * than the whole user side.  A bucket's seen lists are bounded by
 * BUCKET_SEEN_MAX: a version whose bucket would pass it (a few users with
 * huge histories) keeps the chunks of consecutive users.
 */
#define BUCKET_SEEN_MAX (4 * STORE_SEEN_MAX)

/* $1 model, $2 version, $3 side, $4 the chunk's first idx (or bucket), $5 .. $11 its arrays */
#define STORE_PLAN \
	"INSERT INTO linkpred.embedding_store" \
	" (model, version, side, idx, keys, degrees, biases, vecs, seen, seen_ends, nodes)" \
	" VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
#define STORE_NARGS 11

/*
 * A catalog of 0.1.0 (before ALTER EXTENSION linkpred UPDATE) holds a row
 * per node: the library writes and reads it so until the update.  One
 * statement unnests a batch of LP_STORE_CHUNK nodes (LEGACY_PLAN).
 */

/*
 * $1 model, $2 version, $3 side, $4 the batch's first idx, $5 keys, $6
 * degrees, $7 biases, $8 the vectors one after another, $9 dim, $10 the
 * seen lists one after another and $11 where each starts in $10 (n + 1
 * offsets), both NULL without seen lists.
 */
#define LEGACY_PLAN \
	"INSERT INTO linkpred.embedding_store" \
	" (model, version, side, idx, key, degree, bias, vec, seen)" \
	" SELECT $1, $2, $3, $4 + r.o::integer - 1, r.k, r.d, r.b," \
	"        $8[(r.o::integer - 1) * $9 + 1 : r.o::integer * $9]," \
	"        CASE WHEN $11 IS NOT NULL THEN" \
	"          coalesce($10[$11[r.o::integer] + 1 : $11[r.o::integer + 1]], '{}') END" \
	" FROM ROWS FROM (pg_catalog.unnest($5::text[]), pg_catalog.unnest($6::integer[])," \
	"                 pg_catalog.unnest($7::real[])) WITH ORDINALITY AS r(k, d, b, o)"
#define LEGACY_NARGS 11

/*
 * Insert one side's nodes, LP_STORE_CHUNK at a time (fewer when their seen
 * lists would pass STORE_SEEN_MAX), seen lists from the CSR when
 * with_seen: a row per chunk (STORE_PLAN) when chunked, else a 0.1.0
 * catalog's row per node (LEGACY_PLAN).  The two statements take the same
 * first eight parameters; then the chunk's seen lists with their ends, or
 * dim and the seen lists with their n + 1 offsets.
 */
static void
WriteSide(SPIPlanPtr plan, bool chunked, const LpStoreRequest *req, int32 version, char side,
		  const LpKeyMap *keys, int32 n, const float *M, const float *bias,
		  const int32 *degree, bool with_seen)
{
	const LpGraph *g = &req->loaded->graph;
	int			dim = req->emb->dim;
	int			seen_arg = chunked ? 8 : 9;
	MemoryContext old = CurrentMemoryContext;
	MemoryContext tmp = AllocSetContextCreate(old, "linkpred store batch",
											  ALLOCSET_DEFAULT_SIZES);
	int32		cnt;

	for (int32 first = 0; first < n; first += cnt)
	{
		Datum		values[LEGACY_NARGS];
		char		nulls[LEGACY_NARGS];
		Datum	   *kd;

		/*
		 * Every chunk builds its arrays in tmp, reset after the chunk.  The
		 * switch is needed each time round: SPI_execute_plan returns in
		 * SPI's procedure context, where the next chunk's arrays would
		 * otherwise pile up until the transaction ends (the whole model's
		 * rows, at 10M edges about 760 MB, as datums and arrays).
		 */
		MemoryContextSwitchTo(tmp);
		kd = palloc(sizeof(Datum) * Min(LP_STORE_CHUNK, n - first));

		/* the chunk: up to LP_STORE_CHUNK nodes, their seen lists bounded */
		for (cnt = 0; cnt < Min(LP_STORE_CHUNK, n - first); cnt++)
		{
			if (with_seen && cnt > 0 &&
				g->offsets[first + cnt + 1] - g->offsets[first] > STORE_SEEN_MAX)
				break;
			kd[cnt] = CStringGetTextDatum(LpKeyMapText(keys, first + cnt));
		}
		memset(nulls, ' ', sizeof(nulls));
		values[0] = CStringGetTextDatum(req->model);
		values[1] = Int32GetDatum(version);
		values[2] = CharGetDatum(side);
		values[3] = Int32GetDatum(first);
		values[4] = PointerGetDatum(construct_array(kd, cnt, TEXTOID, -1, false, TYPALIGN_INT));
		values[5] = PointerGetDatum(FlatArray(degree + first, cnt, INT4OID));
		values[6] = PointerGetDatum(FlatArray(bias + first, cnt, FLOAT4OID));
		values[7] = PointerGetDatum(FlatArray(M + (int64) first * dim, (int64) cnt * dim, FLOAT4OID));
		if (!chunked)
			values[8] = Int32GetDatum(dim);
		if (with_seen)
		{
			int64		base = g->offsets[first];
			int32	   *off = palloc(sizeof(int32) * (cnt + 1));

			for (int32 i = 0; i <= cnt; i++)
				off[i] = (int32) (g->offsets[first + i] - base);
			values[seen_arg] = PointerGetDatum(FlatArray(g->targets + base, off[cnt], INT4OID));
			/* a chunk keeps each list's end; the row statement wants every start too */
			values[seen_arg + 1] = chunked ?
				PointerGetDatum(FlatArray(off + 1, cnt, INT4OID)) :
				PointerGetDatum(FlatArray(off, cnt + 1, INT4OID));
		}
		else
			nulls[seen_arg] = nulls[seen_arg + 1] = 'n';
		if (chunked)
			nulls[10] = 'n';	/* nodes: the chunk's are first, first + 1, ... */
		if (SPI_execute_plan(plan, values, nulls, false, 0) != SPI_OK_INSERT ||
			SPI_processed != (chunked ? 1 : (uint64) cnt))
			elog(ERROR, "linkpred: inserting a chunk of embedding rows failed");
		MemoryContextSwitchTo(old);
		MemoryContextReset(tmp);
		if (req->rows_written)
			req->rows_written(req->rows_written_arg, side, first, first + cnt);
		CHECK_FOR_INTERRUPTS();
	}
	MemoryContextDelete(tmp);
}

/*
 * The users of a bipartite version in buckets by their key (see
 * BUCKET_SEEN_MAX above): one row per non-empty bucket.  Returns false,
 * having written nothing, when a bucket's seen lists would pass
 * BUCKET_SEEN_MAX.
 */
static bool
WriteUserBuckets(SPIPlanPtr plan, const LpStoreRequest *req, int32 version)
{
	const LpLoadedGraph *lg = req->loaded;
	const LpGraph *g = &lg->graph;
	const LpEmbeddings *emb = req->emb;
	int			dim = emb->dim;
	int32		n = g->n_src;
	int32		nb = LpStoreUserBuckets(n);
	int32	   *start = palloc0(sizeof(int32) * ((Size) nb + 1));
	int64	   *seen = palloc0(sizeof(int64) * (Size) nb);
	int32	   *bucket = LpPallocHuge(sizeof(int32) * (Size) Max(n, 1));
	int32	   *order = LpPallocHuge(sizeof(int32) * (Size) Max(n, 1));
	MemoryContext old = CurrentMemoryContext;
	MemoryContext tmp;

	/* each user's bucket; the buckets' sizes, then a counting sort */
	for (int32 u = 0; u < n; u++)
	{
		bucket[u] = LpKeyMapShard(lg->src_keys, u, nb);
		start[bucket[u] + 1]++;
		seen[bucket[u]] += g->offsets[u + 1] - g->offsets[u];
	}
	for (int32 b = 0; b < nb; b++)
	{
		if (seen[b] > BUCKET_SEEN_MAX)
		{
			pfree(start);
			pfree(seen);
			pfree(bucket);
			pfree(order);
			return false;
		}
		start[b + 1] += start[b];
	}
	/* the users bucket by bucket, each bucket's in index order */
	{
		int32	   *fill = palloc(sizeof(int32) * (Size) nb);

		memcpy(fill, start, sizeof(int32) * (Size) nb);
		for (int32 u = 0; u < n; u++)
			order[fill[bucket[u]]++] = u;
		pfree(fill);
	}

	tmp = AllocSetContextCreate(old, "linkpred store bucket", ALLOCSET_DEFAULT_SIZES);
	for (int32 b = 0; b < nb; b++)
	{
		int32		cnt = start[b + 1] - start[b];
		const int32 *us = order + start[b];
		Datum		values[STORE_NARGS];
		char		nulls[STORE_NARGS];
		Datum	   *kd;
		int32	   *deg,
				   *ends,
				   *items;
		float	   *bias,
				   *vecs;
		int64		w = 0;

		if (cnt == 0)
			continue;
		MemoryContextSwitchTo(tmp);
		kd = palloc(sizeof(Datum) * cnt);
		deg = palloc(sizeof(int32) * cnt);
		ends = palloc(sizeof(int32) * cnt);
		bias = palloc(sizeof(float) * cnt);
		vecs = palloc(sizeof(float) * (Size) cnt * dim);
		items = palloc(sizeof(int32) * (Size) Max(seen[b], 1));
		for (int32 i = 0; i < cnt; i++)
		{
			int32		u = us[i];

			kd[i] = CStringGetTextDatum(LpKeyMapText(lg->src_keys, u));
			deg[i] = g->src_degree[u];
			bias[i] = emb->bu[u];
			memcpy(vecs + (Size) i * dim, emb->U + (Size) u * dim, sizeof(float) * dim);
			memcpy(items + w, g->targets + g->offsets[u],
				   sizeof(int32) * (g->offsets[u + 1] - g->offsets[u]));
			w += g->offsets[u + 1] - g->offsets[u];
			ends[i] = (int32) w;
		}
		memset(nulls, ' ', sizeof(nulls));
		values[0] = CStringGetTextDatum(req->model);
		values[1] = Int32GetDatum(version);
		values[2] = CharGetDatum('u');
		values[3] = Int32GetDatum(b);
		values[4] = PointerGetDatum(construct_array(kd, cnt, TEXTOID, -1, false, TYPALIGN_INT));
		values[5] = PointerGetDatum(FlatArray(deg, cnt, INT4OID));
		values[6] = PointerGetDatum(FlatArray(bias, cnt, FLOAT4OID));
		values[7] = PointerGetDatum(FlatArray(vecs, (int64) cnt * dim, FLOAT4OID));
		values[8] = PointerGetDatum(FlatArray(items, w, INT4OID));
		values[9] = PointerGetDatum(FlatArray(ends, cnt, INT4OID));
		values[10] = PointerGetDatum(FlatArray(us, cnt, INT4OID));
		if (SPI_execute_plan(plan, values, nulls, false, 0) != SPI_OK_INSERT || SPI_processed != 1)
			elog(ERROR, "linkpred: inserting a bucket of user rows failed");
		MemoryContextSwitchTo(old);
		MemoryContextReset(tmp);
		CHECK_FOR_INTERRUPTS();
	}
	MemoryContextDelete(tmp);
	/* the buckets read the side in no order: its arrays are free only now */
	if (req->rows_written)
		req->rows_written(req->rows_written_arg, 'u', 0, n);
	pfree(start);
	pfree(seen);
	pfree(bucket);
	pfree(order);
	return true;
}

/*
 * Parameters first .. first+9 of a statement: what a version was trained
 * from (relation, source columns, weight column, id types), then the name
 * copies of the relation and the types (citus.c).
 */
#define SOURCE_NPARAMS 9
static void
SourceParams(const LpStoreRequest *req, int first, Oid *t, Datum *v, char *n)
{
	const LpLoadedGraph *lg = req->loaded;
	const LpEdgeSource *src = req->source;
	char	   *rel = LpQualifiedRelName(src->relid);

	t[first] = OIDOID;
	v[first] = ObjectIdGetDatum(src->relid);
	/* a table the Citus workers lack: by its name copy only (citus.c) */
	n[first] = LpCitusLocalOnly(src->relid) ? 'n' : ' ';
	t[first + 1] = TEXTOID;
	v[first + 1] = CStringGetTextDatum(src->src_column);
	t[first + 2] = TEXTOID;
	v[first + 2] = CStringGetTextDatum(src->dst_column);
	t[first + 3] = TEXTOID;
	v[first + 3] = src->weight_column ? CStringGetTextDatum(src->weight_column) : (Datum) 0;
	n[first + 3] = src->weight_column ? ' ' : 'n';
	t[first + 4] = OIDOID;
	v[first + 4] = ObjectIdGetDatum(lg->src_type);
	t[first + 5] = OIDOID;
	v[first + 5] = ObjectIdGetDatum(lg->dst_type);
	t[first + 6] = TEXTOID;
	v[first + 6] = rel ? CStringGetTextDatum(rel) : (Datum) 0;
	n[first + 6] = rel ? ' ' : 'n';
	t[first + 7] = TEXTOID;
	v[first + 7] = CStringGetTextDatum(LpTypeRefName(lg->src_type));
	t[first + 8] = TEXTOID;
	v[first + 8] = CStringGetTextDatum(LpTypeRefName(lg->dst_type));
}

int32
LpStoreVersion(const LpStoreRequest *req)
{
	const LpLoadedGraph *lg = req->loaded;
	const LpGraph *g = &lg->graph;
	const LpEmbeddings *emb = req->emb;
	LpCatalogContext cc;
	Datum		v[22];
	char		n[22];
	Oid			t[22];
	StringInfoData metrics;
	int32		version;
	SPIPlanPtr	plan;
	bool		names = LpCatalogHasNameCopies();	/* not in a 0.1.0 catalog */

	LpCatalogEnter(&cc);

	/* the model row: create it, or lock it and check it is ours */
	t[0] = TEXTOID;
	v[0] = CStringGetTextDatum(req->model);
	LpSpiExec("SELECT owner::oid FROM linkpred.model_catalog WHERE name = $1 FOR UPDATE",
			  1, t, v, NULL, false);
	if (SPI_processed == 1)
	{
		bool		isnull;
		Oid			owner = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0],
														   SPI_tuptable->tupdesc, 1, &isnull));

		if (!has_privs_of_role(req->owner, owner))
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("model \"%s\" belongs to role \"%s\"", req->model,
							GetUserNameFromId(owner, false)),
					 errhint("Train under another model name.")));
	}
	else
	{
		memset(n, ' ', sizeof(n));
		t[1] = OIDOID;
		v[1] = ObjectIdGetDatum(req->owner);
		SourceParams(req, 2, t, v, n);
		t[11] = TEXTOID;
		v[11] = CStringGetTextDatum(LpRoleRefName(req->owner));
		LpSpiExec(psprintf("INSERT INTO linkpred.model_catalog (name, owner, source, src_column,"
						   " dst_column, weight_column, user_type, item_type%s)"
						   " VALUES ($1, $2::regrole, $3::regclass, $4, $5, $6, $7::regtype,"
						   " $8::regtype%s)",
						   names ? ", source_name, user_type_name, item_type_name, owner_name" : "",
						   names ? ", $9, $10, $11, $12" : ""),
				  12, t, v, n, false);
	}

	LpSpiExec("SELECT coalesce(max(version), 0) + 1 FROM linkpred.version_catalog WHERE model = $1",
			  1, t, v, NULL, false);
	{
		bool		isnull;

		version = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc,
											  1, &isnull));
	}

	/* the version row */
	t[1] = INT4OID;
	v[1] = Int32GetDatum(version);
	t[2] = INT8OID;
	v[2] = Int64GetDatum(req->job_id);
	t[3] = INT4OID;
	v[3] = Int32GetDatum(emb->dim);
	t[4] = INT8OID;
	v[4] = Int64GetDatum(g->n_src);
	t[5] = INT8OID;
	v[5] = Int64GetDatum(g->n_dst);
	t[6] = INT8OID;
	v[6] = Int64GetDatum(g->n_edges);
	t[7] = TEXTOID;
	v[7] = CStringGetTextDatum(LpOptionsToJson(req->opts));
	t[8] = TEXTOID;
	initStringInfo(&metrics);
	/* an encoder that minimises no loss (spectral): null rather than a made-up 0 */
	if (!LpEncoderPermits(LpOptionsEncoder(req->opts), LP_ENC_MINIMISES_LOSS))
		appendStringInfoString(&metrics, "{\"loss\": null");
	else
		appendStringInfo(&metrics, "{\"loss\": %.6g", req->final_loss);
	appendStringInfo(&metrics, ", \"train_seconds\": %.3f, \"load_seconds\": %.3f,"
					 " \"peak_rss_mb\": %.1f, \"memory_estimate_mb\": %.3f,"
					 " \"epochs_run\": %d, \"warm_start_from\": %d, \"warm_nodes\": %d,"
					 " \"training_threads\": %d, \"simd\": \"%s\"",
					 req->train_seconds, req->load_seconds, req->peak_rss_mb, req->memory_estimate_mb,
					 req->epochs_run, req->warm_version, req->warm_nodes,
					 req->training_threads, req->simd);
	if (req->ann)
	{
		appendStringInfo(&metrics, ", \"ann_lists\": %d, \"ann_probes\": %d, \"ann_bytes\": %zu,"
						 " \"ann_build_seconds\": %.3f",
						 req->ann_lists, req->ann_probes, req->ann_size, req->ann_build_seconds);
		if (req->ann_calibration)
			appendStringInfo(&metrics, ", \"ann_calibration\": %s", req->ann_calibration);
	}
	else if (req->ann_skipped)
	{
		appendStringInfoString(&metrics, ", \"ann_skipped\": ");
		escape_json(&metrics, req->ann_skipped);
	}
	if (req->tuning)
		appendStringInfo(&metrics, ", \"tuning\": %s", req->tuning);
	appendStringInfoChar(&metrics, '}');
	v[8] = CStringGetTextDatum(metrics.data);
	memset(n, ' ', sizeof(n));
	SourceParams(req, 9, t, v, n);
	t[18] = FLOAT4ARRAYOID;
	if (req->head)
		v[18] = LpHeadToDatum(req->head);
	else
		n[18] = 'n';
	t[19] = BYTEAOID;
	if (req->ann)
	{
		bytea	   *b;

		Assert(req->ann_size <= MaxAllocSize - VARHDRSZ);
		b = palloc(VARHDRSZ + req->ann_size);
		SET_VARSIZE(b, VARHDRSZ + req->ann_size);
		memcpy(VARDATA(b), req->ann, req->ann_size);
		v[19] = PointerGetDatum(b);
	}
	else
		n[19] = 'n';
	t[20] = FLOAT4ARRAYOID;
	{
		/* the decoder's weights (decoder.h), if it has any */
		const LpDecoderKind *dk = LpDecoderAt(req->opts->decoder);

		if (dk->store.n_weights)
			v[20] = PointerGetDatum(LpFloatArray(dk->store.weights(emb),
											   (int) dk->store.n_weights(emb->dim, req->opts->hidden)));
		else
			n[20] = 'n';
	}
	LpSpiExec(psprintf("INSERT INTO linkpred.version_catalog (model, version, job_id, dim, n_users,"
					   " n_items, n_edges, options, metrics, source, src_column, dst_column,"
					   " weight_column, user_type, item_type,%s head, ann, decoder)"
					   " VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9::jsonb, $10::regclass,"
					   " $11, $12, $13, $14::regtype, $15::regtype,%s $19, $20, $21)",
					   names ? " source_name, user_type_name, item_type_name," : "",
					   names ? " $16, $17, $18," : ""),
			  21, t, v, n, false);
	if (req->ann)
		pfree(DatumGetPointer(v[19]));

	/* the embeddings: chunks, or a 0.1.0 catalog's row per node */
	{
		Oid			et[STORE_NARGS] = {TEXTOID, INT4OID, CHAROID, INT4OID, TEXTARRAYOID,
			INT4ARRAYOID, FLOAT4ARRAYOID, FLOAT4ARRAYOID, INT4ARRAYOID, INT4ARRAYOID, INT4ARRAYOID};
		Oid			lt[LEGACY_NARGS] = {TEXTOID, INT4OID, CHAROID, INT4OID, TEXTARRAYOID,
			INT4ARRAYOID, FLOAT4ARRAYOID, FLOAT4ARRAYOID, INT4OID, INT4ARRAYOID, INT4ARRAYOID};
		bool		chunked = LpStoreChunked();

		plan = chunked ? SPI_prepare(STORE_PLAN, STORE_NARGS, et) :
			SPI_prepare(LEGACY_PLAN, LEGACY_NARGS, lt);
		if (plan == NULL)
			elog(ERROR, "linkpred: SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
		if (g->tied)
			WriteSide(plan, chunked, req, version, 'n', lg->src_keys, g->n_src, emb->U, emb->bu,
				  g->src_degree, true);
		else
		{
			if (!chunked || !WriteUserBuckets(plan, req, version))
				WriteSide(plan, chunked, req, version, 'u', lg->src_keys, g->n_src, emb->U, emb->bu,
						  g->src_degree, true);
			WriteSide(plan, chunked, req, version, 'i', lg->dst_keys, g->n_dst, emb->V, emb->bv,
				  g->dst_degree, false);
		}
	}
	SPI_freeplan(plan);
	/* the attribute vectors, for composing nodes at serve time (attr_store.c) */
	if (LpEncoderPermits(LpOptionsEncoder(req->opts), LP_ENC_FRESH_NODES))
		LpStoreAttributes(req->loaded, req->emb, req->model, version);
	LpLogMemory(req->job_id, "writing the embedding rows");

	/* activate, and record where this version came from */
	memset(n, ' ', sizeof(n));
	SourceParams(req, 2, t, v, n);
	LpSpiExec(psprintf("UPDATE linkpred.model_catalog SET active_version = $2, source = $3::regclass,"
					   " src_column = $4, dst_column = $5, weight_column = $6,"
					   " user_type = $7::regtype, item_type = $8::regtype%s WHERE name = $1",
					   names ? ", source_name = $9, user_type_name = $10, item_type_name = $11" : ""),
			  2 + SOURCE_NPARAMS, t, v, n, false);

	/* keep the newest keep_versions versions */
	t[2] = INT4OID;
	v[2] = Int32GetDatum(req->opts->keep_versions);
	LpSpiExec("WITH old AS (SELECT version FROM linkpred.version_catalog"
			  "   WHERE model = $1 AND version <> $2 ORDER BY version DESC OFFSET $3 - 1),"
			  " e AS (DELETE FROM linkpred.embedding_store"
			  "   WHERE model = $1 AND version IN (SELECT version FROM old))"
			  " DELETE FROM linkpred.version_catalog"
			  "   WHERE model = $1 AND version IN (SELECT version FROM old)",
			  3, t, v, NULL, false);

	/* the job is done in the same commit */
	LpJobMarkStored(req->job_id, version);

	LpCatalogLeave(&cc);
	return version;
}

/*
 * Whether linkpred.embedding_store holds chunks (0.2.0), not a row per node
 * (a 0.1.0 catalog before its update).
 */
bool
LpStoreChunked(void)
{
	Oid			nsp = get_namespace_oid("linkpred", true);
	Oid			rel = OidIsValid(nsp) ? get_relname_relid("embedding_store", nsp) : InvalidOid;

	return OidIsValid(rel) && get_attnum(rel, "keys") != InvalidAttrNumber;
}

void
LpStoreDropModel(const char *model)
{
	LpSpiExecModel("DELETE FROM linkpred.embedding_store WHERE model = $1", model, false);
}
