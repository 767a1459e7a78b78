/*
 * fresh_scan.c: the statements fresh_attrs.c reads an attribute relation
 * with: the key and the option's columns (cast as it reads them) of one
 * node's rows (linkpred_score of a new item, a fresh user), or of the
 * rows that may be new (linkpred_topk, linkpred_similar): which rows
 * those are, and the plan that reads them on each call.
 *
 * Only an item the version does not hold is composed (fresh_attrs.c
 * skips every row whose key is in the version's key map), so the rows of
 * the version's own items need not be read at all; reading them was most
 * of a call's cost (issue 22: 13 times a plain top-k at 100,000 items).
 * The statement therefore asks the relation for the keys outside the
 * version's longest runs of consecutive integer keys: with ids 1 .. N
 * trained and N + 1 .. N + 1000 added since, "key < 1 OR key > N", which
 * a btree index on the key answers by reading the 1,000 new rows.  The
 * runs are computed once per backend and version from its key map (sorted
 * once); at most LP_FRESH_MAX_RUNS of them, the longest, each at least
 * LP_FRESH_MIN_RUN keys (a shorter one costs an index descent to save
 * fewer rows).  The rows the ranges still cover that the version holds
 * are skipped in C as before, so what is composed is exactly what reading
 * every row composed; when the runs kept hold every key of the version,
 * no row read can be one of its nodes, and the lookup is skipped too
 * (all_new).
 *
 * Semantics are those of reading the whole relation, because nothing
 * read is kept between calls: the statement runs in the active snapshot
 * (a row inserted, updated or deleted is seen by the next statement), as
 * the calling role (the executor checks its SELECT privilege on every
 * execution; row-level security is applied by the plan cache, which
 * replans for another role and when a policy changes).  Only the plan is
 * kept (SPI_keepplan, freed with the model's context), re-prepared when
 * the statement's text changes (the relation renamed, a column of
 * another kind) and replanned by PostgreSQL when the relation changes
 * (DDL, ANALYZE).  One thing may differ from a full read: new items of
 * exactly equal score rank in the order the rows come, which an index
 * scan gives by key and a sequential or bitmap scan by their place in the
 * table (as before, an order no one promised).
 *
 * Limits.  The saving needs integer keys: a text or uuid key map has no
 * runs, and every row is read as before.  It needs trained ids in long
 * runs (serial ids with a few gaps); ids scattered at random leave no run
 * worth excluding, and every row is read.  It needs an index on the key
 * column, else the planner scans the relation and filters the ranges
 * itself (cheaper than returning every row to C, still proportional to
 * the relation).  The plan is made with the statistics at its first use
 * and kept until PostgreSQL invalidates it (ANALYZE, autovacuum's
 * included, or DDL), so a relation never analysed may be scanned until
 * it is.  Within those limits a call costs the items added since
 * training, not the relation.
 */
#include "postgres.h"

#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "attrs_columns.h"
#include "fresh_scan.h"
#include "linkpred.h"

#define LP_FRESH_MAX_RUNS 32	/* index descents per call, at the most 33 */
#define LP_FRESH_MIN_RUN 32		/* keys a run needs to be excluded */

typedef struct Run
{
	int64		lo;
	int64		hi;
} Run;

struct LpFreshScan
{
	char	   *where;			/* " WHERE ..." on the key column, or "" */
	bool		all_new;		/* every key of the version lies in an excluded run */
	char	   *sql;			/* the statement of plan */
	SPIPlanPtr	plan;			/* kept (SPI_keepplan), NULL until prepared */
};

static int
CompareInt64(const void *a, const void *b)
{
	int64		x = *(const int64 *) a,
				y = *(const int64 *) b;

	return (x > y) - (x < y);
}

/* longest first; of equal length, the lower first (the choice is deterministic) */
static int
CompareRunLength(const void *a, const void *b)
{
	const Run  *x = a,
			   *y = b;
	uint64		lx = (uint64) x->hi - (uint64) x->lo,
				ly = (uint64) y->hi - (uint64) y->lo;

	if (lx != ly)
		return lx > ly ? -1 : 1;
	return (x->lo > y->lo) - (x->lo < y->lo);
}

static int
CompareRunStart(const void *a, const void *b)
{
	const Run  *x = a,
			   *y = b;

	return (x->lo > y->lo) - (x->lo < y->lo);
}

/*
 * The version's longest runs of consecutive keys (at most
 * LP_FRESH_MAX_RUNS, each of LP_FRESH_MIN_RUN keys or more), by start;
 * returns how many.  *all: they hold every key of the version.
 */
static int
LongRuns(const LpKeyMap *keys, Run *out, bool *all)
{
	int32		n = keys->n;
	int64	   *k = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int64) * Max(n, 1));
	Run		   *runs = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(Run) * Max(n, 1));
	int32		nr = 0;
	int			kept;

	memcpy(k, keys->ikeys, sizeof(int64) * n);
	qsort(k, n, sizeof(int64), CompareInt64);
	*all = true;
	for (int32 i = 0, j; i < n; i = j)
	{
		for (j = i + 1; j < n && k[j] == k[j - 1] + 1; j++)
			;
		if (j - i >= LP_FRESH_MIN_RUN)
			runs[nr++] = (Run) {k[i], k[j - 1]};
		else
			*all = false;
	}
	qsort(runs, nr, sizeof(Run), CompareRunLength);
	kept = Min(nr, LP_FRESH_MAX_RUNS);
	*all = *all && kept == nr;
	memcpy(out, runs, sizeof(Run) * kept);
	qsort(out, kept, sizeof(Run), CompareRunStart);
	pfree(k);
	pfree(runs);
	return kept;
}

/*
 * " WHERE ..." selecting the keys of column key outside the runs: below
 * the first, between two, above the last (the bounds are integers of
 * ours, never user text).  Two runs never touch (each is maximal), so no
 * range between them is empty.
 */
static char *
RangesClause(const Run *runs, int nr, const char *key)
{
	StringInfoData w;
	const char *col = quote_identifier(key);
	bool		first = true;

	if (nr == 0)
		return "";
	initStringInfo(&w);
	appendStringInfoString(&w, " WHERE ");
	for (int i = 0; i <= nr; i++)
	{
		bool		below = i > 0,	/* a bound below: the previous run's end */
					above = i < nr; /* a bound above: this run's start */

		if (below && runs[i - 1].hi == PG_INT64_MAX)
			continue;
		if (above && runs[i].lo == PG_INT64_MIN)
			continue;
		if (!first)
			appendStringInfoString(&w, " OR ");
		first = false;
		appendStringInfoChar(&w, '(');
		if (below)
			appendStringInfo(&w, "%s OPERATOR(pg_catalog.>) " INT64_FORMAT "::pg_catalog.int8",
							 col, runs[i - 1].hi);
		if (below && above)
			appendStringInfoString(&w, " AND ");
		if (above)
			appendStringInfo(&w, "%s OPERATOR(pg_catalog.<) " INT64_FORMAT "::pg_catalog.int8",
							 col, runs[i].lo);
		appendStringInfoChar(&w, ')');
	}
	/* one run holding every int8: no key can be new */
	if (first)
		appendStringInfoString(&w, "false");
	return w.data;
}

/* the model's context is going: its kept plan with it */
static void
ForgetPlan(void *arg)
{
	LpFreshScan *scan = arg;

	if (scan->plan)
		SPI_freeplan(scan->plan);
	scan->plan = NULL;
}

static LpFreshScan *
MakeScan(LpServingModel *m, const LpKeyMap *keys, const char *key)
{
	MemoryContext old = MemoryContextSwitchTo(m->cxt);
	LpFreshScan *scan = palloc0(sizeof(LpFreshScan));
	MemoryContextCallback *cb = palloc0(sizeof(MemoryContextCallback));
	Run		   *runs = palloc(sizeof(Run) * LP_FRESH_MAX_RUNS);
	int			nr = 0;

	if (keys->kind == LP_KEY_INT)
		nr = LongRuns(keys, runs, &scan->all_new);

	scan->where = RangesClause(runs, nr, key);
	pfree(runs);
	cb->func = ForgetPlan;
	cb->arg = scan;
	MemoryContextRegisterResetCallback(m->cxt, cb);
	MemoryContextSwitchTo(old);
	return scan;
}

/* "SELECT key, columns FROM relation": the columns cast to what fresh_attrs.c reads */
static char *
SelectList(const LpItemFeatures *f, Oid relid, const int *kinds)
{
	StringInfoData sql;

	initStringInfo(&sql);
	appendStringInfo(&sql, "SELECT %s", quote_identifier(f->key));
	if (f->n_columns == 0)
	{
		appendStringInfo(&sql, ", %s", quote_identifier(f->attribute));
		if (f->weight[0])
			appendStringInfo(&sql, ", (%s)::pg_catalog.float8", quote_identifier(f->weight));
	}
	for (int c = 0; c < f->n_columns; c++)
		appendStringInfo(&sql, kinds[c] == LP_ATTR_CATEGORICAL ? ", %s" :
						 kinds[c] == LP_ATTR_NUMERIC ? ", (%s)::pg_catalog.float8" :
						 ", (%s)::pg_catalog.float8[]", quote_identifier(f->columns[c]));
	appendStringInfo(&sql, " FROM %s", LpQualifiedRelName(relid));
	return sql.data;
}

/* one node's rows: the key compared in the column's type, planned for this call */
static Portal
OpenOne(const LpItemFeatures *f, Oid relid, const char *select, LpKeyKind kind, int64 ikey,
		const char *tkey)
{
	Oid			keytype = get_atttype(relid, get_attnum(relid, f->key)),
				in,
				ioparam;
	Datum		arg;
	char	   *sql;

	getTypeInputInfo(keytype, &in, &ioparam);
	arg = OidInputFunctionCall(in, kind == LP_KEY_INT ? psprintf(INT64_FORMAT, ikey) : pstrdup(tkey),
							   ioparam, -1);
	sql = psprintf("%s WHERE %s OPERATOR(pg_catalog.=) $1", select, quote_identifier(f->key));
	return SPI_cursor_open_with_args(NULL, sql, 1, &keytype, &arg, NULL, true, 0);
}

Portal
LpFreshScanOpen(LpServingModel *m, LpFreshScan **scanp, const LpKeyMap *keys,
				const LpItemFeatures *f, Oid relid, const int *kinds, bool has_only,
				int64 ikey, const char *tkey, bool *all_new)
{
	char	   *select = SelectList(f, relid, kinds);
	LpFreshScan *scan;
	char	   *sql;

	*all_new = false;
	if (has_only)
		return OpenOne(f, relid, select, keys->kind, ikey, tkey);
	scan = *scanp ? *scanp : (*scanp = MakeScan(m, keys, f->key));
	*all_new = scan->all_new;
	sql = psprintf("%s%s", select, scan->where);
	if (scan->plan == NULL || strcmp(scan->sql, sql) != 0)
	{
		SPIPlanPtr	plan;

		if (scan->plan)
		{
			SPI_freeplan(scan->plan);
			scan->plan = NULL;
		}
		plan = SPI_prepare(sql, 0, NULL);
		if (plan == NULL)
			elog(ERROR, "SPI_prepare of the fresh items' statement failed: %s",
				 SPI_result_code_string(SPI_result));
		if (SPI_keepplan(plan) != 0)
			elog(ERROR, "SPI_keepplan failed");
		if (scan->sql)
			pfree(scan->sql);
		scan->sql = MemoryContextStrdup(m->cxt, sql);
		scan->plan = plan;
	}
	return SPI_cursor_open(NULL, scan->plan, NULL, NULL, true);
}
