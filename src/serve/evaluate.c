/*
 * evaluate.c: linkpred_evaluate and the heuristic SQL functions.
 *
 * linkpred_evaluate(model, test => relation) measures the model's active
 * version (or a heuristic on its training graph) on the user's own test
 * pairs, in the calling backend, with the metric code of eval.c; the
 * figures are returned as rows and stored with the version, under
 * metrics->'evaluation'->method, so linkpred.models shows them.
 * linkpred_evaluate(model) without a test relation holds out edges from the
 * model's source and trains on the rest in a background worker (see
 * worker.c and pipeline.c); this file only submits that job and reports
 * its result.
 *
 * linkpred_heuristic / linkpred_heuristic_topk expose the classic
 * heuristics (heuristics.h) on a model's training graph, which the serving
 * cache already holds as each user's training items.
 */
#include "postgres.h"

#include <math.h>

#include <cblas.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

#include "cache.h"
#include "metrics.h"
#include "scoring.h"
#include "jobs.h"
#include "heuristics.h"
#include "linkpred.h"
#include "options.h"
#include "ranking.h"
#include "topk.h"

PG_FUNCTION_INFO_V1(linkpred_evaluate);
PG_FUNCTION_INFO_V1(linkpred_heuristic);
PG_FUNCTION_INFO_V1(linkpred_heuristic_topk);

/* ---- scorers -------------------------------------------------------- */

typedef struct HeurArg
{
	const LpHeurGraph *g;
	LpHeuristic h;
	LpHeurScratch *scratch;		/* the cached model's: one backend, one user */
	int32		n_items;
} HeurArg;

/* a node with no training edge has no neighbours: every heuristic is 0 */
static double
HeurPair(void *arg, int32 u, int32 v)
{
	HeurArg    *ha = arg;

	if (u < 0 || v < 0)
		return 0;
	return LpHeuristicPair(ha->g, ha->h, u, v, ha->scratch);
}

static void
HeurBlock(void *arg, const int32 *users, int nb, float *out)
{
	HeurArg    *ha = arg;

	for (int b = 0; b < nb; b++)
		LpHeuristicAll(ha->g, ha->h, users[b], out + (int64) b * ha->n_items, ha->scratch);
}

static void
InitHeurArg(HeurArg *ha, LpServingModel *m, LpHeuristic h)
{
	ha->g = LpModelHeurGraph(m);
	ha->h = h;
	ha->n_items = m->n_items;
	if (m->heur_scratch == NULL)
	{
		int32		n = Max(m->n_users, m->n_items);
		LpHeurScratch *s = MemoryContextAlloc(m->cxt, sizeof(LpHeurScratch));

		s->mark = MemoryContextAllocExtended(m->cxt, sizeof(int32) * n,
											 MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
		s->list = MemoryContextAllocHuge(m->cxt, sizeof(int32) * n);
		s->stamp = 0;
		m->heur_scratch = s;
	}
	ha->scratch = m->heur_scratch;
}

static LpHeuristic
ParseMethod(const char *method, bool *is_model)
{
	LpHeuristic h = LP_HEUR_RA;

	*is_model = (strcmp(method, "model") == 0);
	if (!*is_model && !LpHeuristicFromName(method, &h))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown method \"%s\"", LpClip(method)),
				 errdetail("Valid methods are: model, %s.", LpHeuristicNames())));
	return h;
}

/* ---- test pairs ----------------------------------------------------- */

typedef struct TestPairs
{
	int64		n;
	int64		cap;
	int32	   *u;
	int32	   *v;
	int8	   *label;			/* NULL when unlabelled */
	int64		unknown_users;
} TestPairs;

static void
PushPair(TestPairs *tp, int32 u, int32 v, int8 label)
{
	if (tp->n == tp->cap)
	{
		tp->cap = tp->cap ? tp->cap * 2 : 4096;
		tp->u = LpGrowHuge(tp->u, sizeof(int32) * tp->cap);
		tp->v = LpGrowHuge(tp->v, sizeof(int32) * tp->cap);
		if (tp->label || label >= 0)
			tp->label = LpGrowHuge(tp->label, sizeof(int8) * tp->cap);
	}
	tp->u[tp->n] = u;
	tp->v[tp->n] = v;
	if (tp->label)
		tp->label[tp->n] = label;
	tp->n++;
}

/* ReadTestPairs' state while the rows come in */
typedef struct TestRead
{
	LpServingModel *m;
	const char *label;
	Oid			st;				/* the types of the two id columns */
	Oid			dt;
	MemoryContext cxt;			/* where tp and unknown grow */
	LpKeyMap   *unknown;		/* users the model does not know, counted once */
	TestPairs  *tp;
} TestRead;

static void
TestRow(void *arg, HeapTuple tup, TupleDesc desc)
{
	TestRead   *tr = arg;
	LpServingModel *m = tr->m;
	const char *label = tr->label;
	TestPairs  *tp = tr->tp;
	LpKeyMap   *unknown = tr->unknown;
	bool		n1,
				n2,
				n3 = false;
	Datum		a = SPI_getbinval(tup, desc, 1, &n1);
	Datum		b = SPI_getbinval(tup, desc, 2, &n2);
	int32		lab = label ? DatumGetInt32(SPI_getbinval(tup, desc, 3, &n3)) : -1;
	int32		u,
				v;
	MemoryContext spi;

	if (n1 || n2 || n3)
		return;
	if (label && lab != 0 && lab != 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("label column \"%s\" holds %d", label, lab),
				 errhint("Labels must be 1 (an edge) or 0 (a non-edge).")));
	u = LpLookupUser(m, a, tr->st);
	v = LpLookupItem(m, b, tr->dt);
	spi = MemoryContextSwitchTo(tr->cxt);
	if (u < 0 && lab != 0)
	{
		int64		ik = 0;
		char	   *tk = NULL;

		if (LpKeyFromDatum(m->ukeys->kind, m->user_type, a, tr->st, &ik, &tk))
		{
			int32		before = unknown->n;

			LpKeyMapIntern(unknown, ik, tk, tk ? strlen(tk) : 0);
			if (unknown->n > before)
				tp->unknown_users++;
		}
	}
	PushPair(tp, u, v, (int8) lab);
	MemoryContextSwitchTo(spi);
}

/*
 * Read the test relation (columns named like the model's source columns,
 * plus an optional label column of type boolean or integer 0/1) as the
 * calling role.  Rows with a NULL id or label are skipped.
 */
static void
ReadTestPairs(LpServingModel *m, Oid relid, const char *label, TestPairs *tp)
{
	StringInfoData sql;
	Oid			lt = InvalidOid;
	TestRead	tr;

	tr.m = m;
	tr.label = label;
	tr.cxt = CurrentMemoryContext;
	tr.tp = tp;
	LpCheckColumn(relid, "test", m->src_column, &tr.st);
	LpCheckColumn(relid, "test", m->dst_column, &tr.dt);
	LpCheckUserMappings(relid);
	if (label)
	{
		LpCheckColumn(relid, "label", label, &lt);
		if (lt != BOOLOID && lt != INT2OID && lt != INT4OID && lt != INT8OID)
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("label column \"%s\" has type %s", label, format_type_be(lt)),
					 errhint("Use a boolean column, or an integer column holding 1 for an edge and 0 for a non-edge.")));
	}

	memset(tp, 0, sizeof(*tp));
	tr.unknown = LpKeyMapCreate(m->ukeys->kind, 64);
	initStringInfo(&sql);
	appendStringInfo(&sql, "SELECT %s, %s", quote_identifier(m->src_column),
					 quote_identifier(m->dst_column));
	if (label)
		appendStringInfo(&sql, ", (%s)::pg_catalog.int4", quote_identifier(label));
	appendStringInfo(&sql, " FROM %s", LpQualifiedRelName(relid));

	SPI_connect();
	LpSpiEachRow(SPI_cursor_open_with_args(NULL, sql.data, 0, NULL, NULL, NULL, true, 0),
				 10000, TestRow, &tr);
	SPI_finish();
	if (tp->n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("test relation %s has no pairs", LpQualifiedRelName(relid)),
				 errhint("Pass a relation with columns \"%s\" and \"%s\" holding at least one pair.",
						 m->src_column, m->dst_column)));
}

/* ---- results -------------------------------------------------------- */

static void
PutRow(ReturnSetInfo *rsinfo, const char *metric, int k, double value)
{
	Datum		values[3];
	bool		nulls[3] = {false, k < 0, isnan(value)};

	values[0] = CStringGetTextDatum(metric);
	values[1] = Int32GetDatum(k);
	values[2] = Float8GetDatum(value);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

static void
AppendNumber(StringInfo s, const char *key, double v)
{
	if (isnan(v))
		appendStringInfo(s, ", \"%s\": null", key);
	else
		appendStringInfo(s, ", \"%s\": %.6g", key, v);
}

/*
 * The result as the jsonb stored with the version; extra, if not NULL, is
 * more ", \"key\": value" members.
 */
char *
LpEvalResultJson(const LpEvalResult *r, const char *test, const char *method, const char *extra)
{
	StringInfoData s;

	initStringInfo(&s);
	appendStringInfo(&s, "{\"test\": \"%s\", \"method\": \"%s\"%s", test, method,
					 extra ? extra : "");
	AppendNumber(&s, "auc", r->auc);
	AppendNumber(&s, "mrr", r->mrr);
	for (int i = 0; i < r->nk; i++)
	{
		char		key[32];

		snprintf(key, sizeof(key), "hits@%d", r->ks[i]);
		AppendNumber(&s, key, r->hits[i]);
		snprintf(key, sizeof(key), "recall@%d", r->ks[i]);
		AppendNumber(&s, key, r->recall[i]);
		snprintf(key, sizeof(key), "ndcg@%d", r->ks[i]);
		AppendNumber(&s, key, r->ndcg[i]);
	}
	appendStringInfo(&s, ", \"pairs\": " INT64_FORMAT ", \"users\": " INT64_FORMAT
					 ", \"unknown\": " INT64_FORMAT ", \"at\": \"%s\"}",
					 r->pairs, r->users, r->unknown,
					 timestamptz_to_str(GetCurrentTimestamp()));
	return s.data;
}

static void
StoreResult(const char *model, int32 version, const char *method, const char *json)
{
	SPI_connect();
	LpVersionSetEvaluation(model, version, method, json);
	SPI_finish();
}

static void
EmitResult(ReturnSetInfo *rsinfo, const LpEvalResult *r)
{
	PutRow(rsinfo, "auc", -1, r->auc);
	PutRow(rsinfo, "mrr", -1, r->mrr);
	for (int i = 0; i < r->nk; i++)
	{
		PutRow(rsinfo, "hits", r->ks[i], r->hits[i]);
		PutRow(rsinfo, "recall", r->ks[i], r->recall[i]);
		PutRow(rsinfo, "ndcg", r->ks[i], r->ndcg[i]);
	}
	PutRow(rsinfo, "pairs", -1, (double) r->pairs);
	PutRow(rsinfo, "users", -1, (double) r->users);
	PutRow(rsinfo, "unknown", -1, (double) r->unknown);
}

static void
EvalProgress(void *arg, int64 done, int64 total)
{
	CHECK_FOR_INTERRUPTS();
}

/* K values: 1..LP_EVAL_MAX_K of them, each >= 1 */
static int
ParseKs(ArrayType *arr, int *ks)
{
	Datum	   *elems;
	bool	   *nulls;
	int			n;

	deconstruct_array(arr, INT4OID, sizeof(int32), true, TYPALIGN_INT, &elems, &nulls, &n);
	if (n > LP_EVAL_MAX_K)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("too many K values: %d", n),
				 errdetail("At most %d K values are measured at once.", LP_EVAL_MAX_K)));
	for (int i = 0; i < n; i++)
	{
		if (nulls[i] || DatumGetInt32(elems[i]) < 1)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("K values must be positive integers"),
					 errhint("Pass for example k => '{10, 20}'.")));
		ks[i] = DatumGetInt32(elems[i]);
	}
	return n;
}

/* Evaluate the active version (or a heuristic) on explicit test pairs. */
static void
EvaluateOnTest(FunctionCallInfo fcinfo, Oid test_relid, const char *label,
			   const char *method, int nk, const int *ks, uint64 seed)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	LpServingModel *m = LpModelForCall(fcinfo, 0);
	bool		is_model;
	LpHeuristic h = ParseMethod(method, &is_model);
	TestPairs	tp;
	LpEvalTrainView view;
	LpEvalScorer sc;
	LpEvalPairs pairs;
	LpEvalScratch s;
	LpEvalResult r;
	LpEvalEmbedding eb;
	HeurArg		ha;

	/* the test pairs' users are looked up in every user's map */
	LpCacheReadAllUsers(m);

	ReadTestPairs(m, test_relid, label, &tp);

	view.n_users = m->n_users;
	view.n_items = m->n_items;
	view.homogeneous = m->homogeneous;
	view.seen_start = m->seen_start;
	view.seen_len = m->seen_len;
	view.seen = m->seen;
	view.ideg = m->ideg;

	if (is_model)
	{
		int			bs = LpEvalBlockSize(m->n_items);

		LpModelEvalEmbedding(m, bs, &eb);
		LpEvalEmbeddingScorer(&eb, bs, &sc);
		LpModelEvalScorer(m, &sc);
	}
	else
	{
		InitHeurArg(&ha, m, h);
		sc.arg = &ha;
		sc.pair = HeurPair;
		sc.block = HeurBlock;
		sc.block_size = 1;
	}

	pairs.n = tp.n;
	pairs.u = tp.u;
	pairs.v = tp.v;
	pairs.label = tp.label;
	pairs.unknown_users = tp.unknown_users;

	LpEvalScratchAlloc(tp.n, m->n_users, m->n_items, sc.block_size, nk, ks, true, &s);

	LpEvaluate(&view, &sc, &pairs, nk, ks, seed, &s, EvalProgress, NULL, &r);

	StoreResult(m->name, m->version, method, LpEvalResultJson(&r, LpQualifiedRelName(test_relid), method, NULL));
	EmitResult(rsinfo, &r);
}

/* One number of a stored result, NaN when absent or null. */
static double
JsonNumber(const char *json, const char *key)
{
	Oid			t[2] = {TEXTOID, TEXTOID};
	Datum		v[2];
	bool		isnull;
	Datum		d;

	v[0] = CStringGetTextDatum(json);
	v[1] = CStringGetTextDatum(key);
	LpSpiExec("SELECT ($1::jsonb ->> $2)::float8", 2, t, v, NULL, true);
	d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	return isnull ? NAN : DatumGetFloat8(d);
}

/*
 * Hold out edges of the model's source, train on the rest with the
 * model's options in a worker, and report what the worker measured.
 */
static void
EvaluateByHoldout(FunctionCallInfo fcinfo, const char *model, const char *method,
				  const char *holdout, double fraction, int leave_out,
				  const char *time_column, bool has_cut, TimestampTz cut,
				  int nk, const int *ks, uint64 seed)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	LpJobSpec	spec;
	LpModelRow	row;
	LpOptions	opts;
	int32		version;
	char	   *options;
	char	   *json;
	int64		job_id;
	LpEvalResult r;
	bool		undirected_graph;

	if (strcmp(method, "model") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("holdout evaluation measures the model, not method \"%s\"", LpClip(method)),
				 errhint("Evaluate heuristics on explicit pairs: linkpred_evaluate(model, test => ..., method => '%s').",
						 LpClip(method))));
	memset(&spec, 0, sizeof(spec));
	if (strcmp(holdout, "random") == 0)
		spec.holdout = LP_HOLDOUT_RANDOM;
	else if (strcmp(holdout, "per_user") == 0)
		spec.holdout = LP_HOLDOUT_PER_USER;
	else if (strcmp(holdout, "time") == 0)
		spec.holdout = LP_HOLDOUT_TIME;
	else
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown holdout \"%s\"", LpClip(holdout)),
				 errdetail("Valid holdouts are: random, per_user, time.")));
	if (!(fraction > 0 && fraction < 1))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("fraction must be between 0 and 1, not %g", fraction)));
	if (leave_out < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("leave_out must be at least 1, not %d", leave_out)));
	if (spec.holdout == LP_HOLDOUT_TIME && time_column == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("holdout \"time\" needs a time column"),
				 errhint("Pass time_column => 'the timestamp column of the source', and optionally cut => '...'.")));

	SPI_connect();
	LpReadModel(model, false, false, &row);
	SPI_finish();
	if (!has_privs_of_role(GetUserId(), row.owner))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied for linkpred model \"%s\"", model)));
	if (row.options == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("linkpred model \"%s\" has no active version", model)));
	LpOptionsParseText(row.options, &opts);
	undirected_graph = !opts.bipartite && !opts.directed;
	spec.relid = row.source;
	strlcpy(spec.model, model, NAMEDATALEN);
	strlcpy(spec.src_column, row.src_column, NAMEDATALEN);
	strlcpy(spec.dst_column, row.dst_column, NAMEDATALEN);
	strlcpy(spec.weight_column, row.weight_column, NAMEDATALEN);
	version = row.active_version;
	options = row.options;

	if (spec.holdout == LP_HOLDOUT_PER_USER && undirected_graph)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("holdout \"per_user\" needs a bipartite or directed model"),
				 errhint("Use holdout => 'random' for an undirected graph.")));
	spec.fraction = fraction;
	spec.leave_out = leave_out;
	if (time_column)
		strlcpy(spec.time_column, time_column, NAMEDATALEN);
	spec.has_cut = has_cut;
	spec.cut = cut;
	spec.nk = nk;
	memcpy(spec.ks, ks, sizeof(int) * nk);
	spec.eval_seed = (int64) seed;

	job_id = LpSubmitJob(&spec, DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(options))));
	(void) LpWaitForJob(job_id, -1, true);

	/* the worker's measurement, from the job row (latest committed state) */
	{
		LpJobRow	row;

		if (!LpJobRead(job_id, &row) || row.result == NULL)
			elog(ERROR, "linkpred: evaluation job " INT64_FORMAT " recorded no result", job_id);
		json = row.result;
	}
	SPI_connect();
	memset(&r, 0, sizeof(r));
	r.auc = JsonNumber(json, "auc");
	r.mrr = JsonNumber(json, "mrr");
	r.nk = nk;
	for (int i = 0; i < nk; i++)
	{
		r.ks[i] = ks[i];
		r.hits[i] = JsonNumber(json, psprintf("hits@%d", ks[i]));
		r.recall[i] = JsonNumber(json, psprintf("recall@%d", ks[i]));
		r.ndcg[i] = JsonNumber(json, psprintf("ndcg@%d", ks[i]));
	}
	r.pairs = (int64) JsonNumber(json, "pairs");
	r.users = (int64) JsonNumber(json, "users");
	r.unknown = (int64) JsonNumber(json, "unknown");
	SPI_finish();
	StoreResult(model, version, psprintf("holdout:%s", holdout), json);
	EmitResult(rsinfo, &r);
}

Datum
linkpred_evaluate(PG_FUNCTION_ARGS)
{
	char	   *method;
	int			ks[LP_EVAL_MAX_K];
	int			nk = 0;
	uint64		seed;

	/* every evaluation is recorded with the model version */
	LpRefuseWrites("linkpred_evaluate");

	InitMaterializedSRF(fcinfo, 0);
	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("argument \"model\" of linkpred_evaluate must not be NULL")));
	method = PG_ARGISNULL(3) ? "model" : text_to_cstring(PG_GETARG_TEXT_PP(3));
	if (!PG_ARGISNULL(4))
		nk = ParseKs(PG_GETARG_ARRAYTYPE_P(4), ks);
	seed = PG_ARGISNULL(10) ? UINT64CONST(0x6c696e6b) : (uint64) PG_GETARG_INT64(10);

	if (!PG_ARGISNULL(1))
		EvaluateOnTest(fcinfo, PG_GETARG_OID(1),
					   PG_ARGISNULL(2) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(2)),
					   method, nk, ks, seed);
	else
		EvaluateByHoldout(fcinfo, text_to_cstring(PG_GETARG_TEXT_PP(0)), method,
						  PG_ARGISNULL(5) ? "random" : text_to_cstring(PG_GETARG_TEXT_PP(5)),
						  PG_ARGISNULL(6) ? 0.1 : PG_GETARG_FLOAT8(6),
						  PG_ARGISNULL(7) ? 1 : PG_GETARG_INT32(7),
						  PG_ARGISNULL(8) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(8)),
						  !PG_ARGISNULL(9), PG_ARGISNULL(9) ? 0 : PG_GETARG_TIMESTAMPTZ(9),
						  nk, ks, seed);
	return (Datum) 0;
}

/* ---- heuristics as SQL functions ------------------------------------ */

/*
 * Argument 3 of a heuristic function (fn): a heuristic's name, "ra" if
 * NULL; the model's own score is model_fn's.
 */
static LpHeuristic
HeuristicArg(FunctionCallInfo fcinfo, const char *fn, const char *model_fn)
{
	bool		is_model;
	LpHeuristic h = ParseMethod(PG_ARGISNULL(2) ? "ra" : text_to_cstring(PG_GETARG_TEXT_PP(2)),
								&is_model);

	if (is_model)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s needs a heuristic method", fn),
				 errhint("Use %s for the model; methods here are %s.", model_fn, LpHeuristicNames())));
	return h;
}

Datum
linkpred_heuristic(PG_FUNCTION_ARGS)
{
	LpServingModel *m;
	LpHeuristic h;
	HeurArg		ha;
	int32		u,
				v;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_NULL();
	h = HeuristicArg(fcinfo, "linkpred_heuristic", "linkpred_score");
	m = LpModelForCall(fcinfo, 3);
	u = LpLookupUser(m, PG_GETARG_DATUM(0), get_fn_expr_argtype(fcinfo->flinfo, 0));
	v = LpLookupItem(m, PG_GETARG_DATUM(1), get_fn_expr_argtype(fcinfo->flinfo, 1));
	if (u < 0 || v < 0)
		PG_RETURN_NULL();

	InitHeurArg(&ha, m, h);
	PG_RETURN_FLOAT8(LpHeuristicPair(ha.g, h, u, v, ha.scratch));
}

Datum
linkpred_heuristic_topk(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Oid			utype = get_fn_expr_argtype(fcinfo->flinfo, 0);
	bool		exclude_seen = PG_ARGISNULL(4) ? true : PG_GETARG_BOOL(4);
	LpServingModel *m;
	LpHeuristic h;
	HeurArg		ha;
	int32		u,
				k;
	float	   *s;

	InitMaterializedSRF(fcinfo, 0);
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		return (Datum) 0;
	k = LpCheckK(PG_GETARG_INT32(1));
	h = HeuristicArg(fcinfo, "linkpred_heuristic_topk", "linkpred_topk");
	m = LpModelForCall(fcinfo, 3);
	LpCheckItemType(m, utype);
	u = LpLookupUser(m, PG_GETARG_DATUM(0), utype);
	if (u < 0)
		return (Datum) 0;		/* no training neighbourhood, no heuristic */

	InitHeurArg(&ha, m, h);
	s = LpPallocHuge(sizeof(float) * m->n_items);
	LpHeuristicAll(ha.g, h, u, s, ha.scratch);
	LpMaskUser(m, u, exclude_seen, s);
	LpEmitTopK(rsinfo, m, s, k, utype);
	return (Datum) 0;
}
