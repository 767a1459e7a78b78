/*
 * memory.c: the memory a training job's worker will need, estimated once
 * the graph is loaded and before the long part starts: what
 * linkpred.max_memory is checked against, and what a version's metrics
 * record as "memory_estimate_mb" beside the measured "peak_rss_mb".
 *
 * The peak RSS a worker reaches is its fixed cost (code, libraries,
 * caches), the shared buffers it mapped (the scan of the edges; the pages
 * of embedding rows it writes), and the largest of its phases' private
 * memory, since each phase frees its work space before the next:
 *
 *   reading   the edge buffer, the CSR build (a 16-byte entry per edge,
 *             then the sorted targets), the ids;
 *   training  the graph, the vectors, the shuffled order and the entries'
 *             sources (4 + 4 bytes an entry), the sampler, the ids and each
 *             encoder's, decoder's, head's and evaluation's work space;
 *   storing   at its start the graph, the vectors, the ids and the top-k
 *             index; users in buckets (every graph but an undirected one)
 *             add their rows' pages before anything is released; then, as
 *             the rows are written, the vectors and the users' seen lists
 *             are released (pipeline.c) while the pages of the rows, their
 *             index and the WAL buffers are mapped in: at its end the ids,
 *             the index and those pages.
 *
 * Only pages that were written count (an array's untouched tail does not),
 * so the edge buffer counts by its rows, not its doubling capacity.  A
 * relation larger than a quarter of shared_buffers is scanned through a
 * 256 kB ring of buffers (PostgreSQL's bulk-read strategy), so its scan
 * maps little, unless its pages already sit in shared buffers.
 *
 * The formulas follow the allocations of loader.c, keymap.c, jobfit.c and
 * store.c and the measured size of embedding rows; bench/scale.sh compares
 * the estimate with the measured peak (bench/RESULTS-scale.md).
 */
#include "postgres.h"

#include "access/table.h"
#include "access/xlog.h"
#include "catalog/pg_class.h"
#include "catalog/pg_inherits.h"
#include "storage/bufmgr.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "decoder.h"
#include "head.h"
#include "keymap.h"
#include "linkpred.h"
#include "memory.h"
#include "metrics.h"

#define MB(b) ((b) / (1024.0 * 1024.0))

void
LpLogMemory(int64 job_id, const char *phase)
{
	FILE	   *f = fopen("/proc/self/status", "r");
	char		line[256];
	double		rss = -1,
				hwm = -1,
				anon = -1,
				shmem = -1;

	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f))
	{
		if (strncmp(line, "VmRSS:", 6) == 0)
			rss = strtod(line + 6, NULL) / 1024;
		else if (strncmp(line, "VmHWM:", 6) == 0)
			hwm = strtod(line + 6, NULL) / 1024;
		else if (strncmp(line, "RssAnon:", 8) == 0)
			anon = strtod(line + 8, NULL) / 1024;
		else if (strncmp(line, "RssShmem:", 9) == 0)
			shmem = strtod(line + 9, NULL) / 1024;
	}
	fclose(f);
	ereport(DEBUG1,
			(errmsg_internal("linkpred job " INT64_FORMAT " memory after %s: VmRSS %.1f MB, VmHWM %.1f MB, RssAnon %.1f MB, RssShmem %.1f MB, contexts %.1f MB",
							 job_id, phase, rss, hwm, anon, shmem,
							 MB((double) MemoryContextMemAllocated(TopMemoryContext, true)))));
}

double
LpScanSharedBytes(Oid relid)
{
	List	   *rels = find_all_inheritors(relid, AccessShareLock, NULL);
	ListCell   *lc;
	double		blocks = 0;

	foreach(lc, rels)
	{
		Oid			r = lfirst_oid(lc);
		Relation	rel;
		BlockNumber n;

		if (!RELKIND_HAS_STORAGE(get_rel_relkind(r)))
			continue;
		rel = table_open(r, AccessShareLock);
		n = RelationGetNumberOfBlocks(rel);
		table_close(rel, AccessShareLock);
		/* a large relation's scan cycles through a ring of 256 kB */
		blocks += (n > (BlockNumber) (NBuffers / 4)) ? (256 * 1024) / BLCKSZ : n;
	}
	list_free(rels);
	return Min(blocks, (double) NBuffers) * BLCKSZ;
}

/* a key's text in a stored row: an integer's digits, or the text keys' mean */
static double
KeyTextBytes(const LpKeyMap *m)
{
	if (m->kind == LP_KEY_INT || m->n == 0)
		return 8.0;
	return (double) m->tlen / m->n;
}

/* a CSR graph's arrays: offsets, targets (weights, times), degrees */
static double
GraphBytes(const LpGraph *g)
{
	return 8.0 * ((double) g->n_src + 1) +
		(4.0 + (g->weights ? 4 : 0) + (g->times ? 8 : 0)) * g->n_entries +
		4.0 * ((double) g->n_src + g->n_dst);
}

void
LpEstimateMemory(const LpMemoryInput *in, LpMemoryEstimate *est)
{
	const LpGraph *g = in->g;
	const LpGraph *lg = &in->loaded->graph;
	double		dim = in->opts->dim;
	double		nodes = (double) g->n_src + (g->tied ? 0 : g->n_dst);
	const LpDecoderKind *dk = LpDecoderAt(in->opts->decoder);
	const LpEncoderKind *kind = LpOptionsEncoder(in->opts);
	double		raw = (double) lg->n_entries + in->loaded->stats.duplicates;
	double		graph_b;
	double		index_b;
	double		rows_b,
				store_start,
				store_end;
	double		shared_b = (double) NBuffers * BLCKSZ;

	memset(est, 0, sizeof(*est));
	est->fixed = LP_WORKER_FIXED_BYTES;
	est->shared = in->scan_shared;
	est->ids = LpKeyMapBytes(in->loaded->src_keys) +
		(lg->homogeneous ? 0 : LpKeyMapBytes(in->loaded->dst_keys));

	/* reading: the full edge buffer beside the CSR being built from it */
	est->load = LpLoadBytesPerEntry(lg->weights != NULL, lg->times != NULL) * raw +
		16.0 * ((double) lg->n_src + 1) + 4.0 * ((double) lg->n_src + lg->n_dst) + est->ids;

	/* a holdout keeps the loaded graph beside its training part */
	graph_b = GraphBytes(g) + (g != lg ? GraphBytes(lg) : 0);
	est->graph = graph_b;
	est->emb = 4.0 * (dim + 1) * nodes +
		/* the decoder's (the bilinear: R, its training state, the users' queries) */
		(dk->fit.emb_bytes ? dk->fit.emb_bytes(g, dim) : 0) +
		/* node attributes: their vectors and biases, each item's and user's list */
		4.0 * (dim + 1) * g->n_attrs +
		(g->item_attr_off ? 8.0 * (g->n_dst + 1) + 8.0 * g->item_attr_off[g->n_dst] : 0) +
		(g->user_attr_off ? 8.0 * (g->n_src + 1) + 8.0 * g->user_attr_off[g->n_src] : 0);
	/* the shuffled order and the entries' sources (jobfit.c), the alias tables */
	est->sampling = 8.0 * g->n_entries + 20.0 * g->n_dst;

	/*
	 * The index build (ann_build.c): list and sample arrays of about dim + 10
	 * bytes per item and a 16 MB block of dot products, then the blob
	 * (dim / 2 + 4 bytes per item) and its copy for the version row.
	 */
	index_b = in->index ? (dim + 18.0) * g->n_dst + 16.0 * (1 << 20) : 0;
	if (in->holdout)
		est->extra += 4.0 * LpEvalBlockSize(g->n_dst) * g->n_dst + 16.0 * g->n_entries;

	/*
	 * Fitting the structural head (headfit.c) holds, besides the final
	 * model: a second set of embeddings, the split's training graph, the
	 * heuristics' view of it (both directions), the head's scratch and up
	 * to 200,000 feature rows.
	 */
	if (in->head)
		est->extra += est->emb + graph_b + 16.0 * (g->n_src + g->n_dst) +
			8.0 * g->n_entries + 48.0 * Max(g->n_src, g->n_dst) +
			4.0 * (LP_HEAD_NFEAT + 1) * 200000;
	/* the encoder's own work space (model.h), the decoder's (the MLP) */
	if (kind->fit.work_bytes)
		est->extra += kind->fit.work_bytes(g, in->cfg);
	if (dk->fit.work_bytes)
		est->extra += dk->fit.work_bytes(g, in->cfg);
	est->fit = graph_b + est->emb + est->sampling + est->ids + est->extra;

	/*
	 * storing: the order is gone.  At the start it holds the graph, the
	 * vectors, the ids and the index; at the end the ids, the degrees, the
	 * index and the pages written: a row of (model, version, side, idx, key,
	 * degree, bias, vector, seen) takes about 100 bytes besides its vector
	 * and key, plus 4 bytes a seen entry (the users' training items) and 32
	 * bytes of primary key index; the WAL of those pages passes through the
	 * WAL buffers, each mapped in once.  The pages are shared buffers: the
	 * worker maps in at most all of them (shared_b), however many rows it
	 * writes (at 100M edges the user rows alone are 2.3 GB, more than the
	 * 1 GB of shared buffers of bench/scale.sh's cluster).
	 */
	rows_b = (132.0 + 4.0 * dim) * nodes + 4.0 * lg->n_entries +
		KeyTextBytes(in->loaded->src_keys) * g->n_src +
		(g->tied ? 0 : KeyTextBytes(in->loaded->dst_keys) * g->n_dst);
	store_start = graph_b + est->emb + est->ids + index_b;
	store_end = est->ids + 4.0 * nodes + index_b + Min(rows_b, shared_b) +
		Min(rows_b, (double) XLOGbuffers * XLOG_BLCKSZ);

	/*
	 * Users in buckets (store.c's WriteUserBuckets, every side that is not
	 * tied): a bucket gathers users from across the side, so nothing is
	 * released until the last bucket is written; the user rows' pages and
	 * the buckets' arrays (8 bytes a user) then sit beside everything the
	 * storing started with.
	 */
	if (!g->tied)
	{
		double		rows_u = (132.0 + 4.0 * dim) * g->n_src + 4.0 * lg->n_entries +
			KeyTextBytes(in->loaded->src_keys) * g->n_src;

		store_start += 8.0 * g->n_src + Min(rows_u, shared_b) +
			Min(rows_u, (double) XLOGbuffers * XLOG_BLCKSZ);
	}
	est->store = in->holdout ? 0 : Max(store_start, store_end);

	est->total = est->fixed + est->shared + Max(est->load, Max(est->fit, est->store));
}

bool
LpMemoryWithin(const LpMemoryEstimate *est, int budget_kb)
{
	return budget_kb <= 0 || est->total <= (double) budget_kb * 1024;
}

void
LpCheckMemory(const LpMemoryEstimate *est, int budget_kb, int32 n_vectors, int dim)
{
	if (LpMemoryWithin(est, budget_kb))
		return;
	LpMemoryOverBudget("to train", MB(est->total), budget_kb,
					   psprintf("The worker %.1f MB, shared buffers read %.1f MB, and the largest phase of reading %.1f MB, "
								"training %.1f MB, storing %.1f MB. Training holds the graph %.1f MB, "
								"embeddings %.1f MB (%d x %d dimensions), sampling %.1f MB, ids %.1f MB, other work space %.1f MB.",
								MB(est->fixed), MB(est->shared), MB(est->load), MB(est->fit),
								MB(est->store), MB(est->graph), MB(est->emb), n_vectors, dim,
								MB(est->sampling), MB(est->ids), MB(est->extra)));
}
