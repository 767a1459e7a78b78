#!/usr/bin/env bash
# evaluate_ab.sh: the whole-row scoring of this checkout against an earlier
# commit's: linkpred_evaluate over every Gowalla test user, and the batch
# top-k of every user (linkpred_topk_many), on the same stored models.
#
# Builds COMMIT and this checkout (ab.bash), loads Gowalla's LightGCN
# split, trains the matrix factorisation ("encoder": "mf") and the spectral
# encoder at its default dim 512 once, with this checkout, on gw_all.  Then,
# ROUNDS times, for each side: that side's library installed, the server
# restarted, and for each model the seconds of
#   linkpred_evaluate(model, test => 'gw_test', k => '{20}', seed => 1)
#   linkpred_topk_many(NULL, 20, model)   (every user's top-20, counted)
# and the Recall@20 and NDCG@20 the evaluation gives (both sides must give
# the same).  Writes bench/RESULTS-NAME.md: each round's figures, and per
# model the median over rounds and after/before.
#
# Usage: bash bench/evaluate_ab.sh --before COMMIT [--rounds N] [--out RESULTS-NAME.md] [--title T]
source "$(dirname "$0")/common.bash"
usage() { echo "usage: $0 --before COMMIT [--rounds N] [--out RESULTS-NAME.md] [--title T]" >&2; }
source "$(dirname "$0")/ab.bash" 1 RESULTS-evaluate-ab.md "Evaluation and batch top-k, against an earlier commit" "$@"

models="mf spectral512"
q -c "SELECT linkpred_train('mf', 'gw_all', 'user_id', 'item_id', options => '{\"encoder\": \"mf\", \"seed\": 1}')" >/dev/null
q -c "SELECT linkpred_train('spectral512', 'gw_all', 'user_id', 'item_id', options => '{\"encoder\": \"spectral\", \"seed\": 1}')" >/dev/null
q -q -c "CREATE TABLE ab (round int, side text, model text, eval_s float8, many_s float8, recall float8, ndcg float8)"

measure() {
	q <<SQL
SELECT clock_timestamp() AS t0 \gset
CREATE TEMP TABLE ev AS SELECT metric, value FROM linkpred_evaluate('$3', test => 'gw_test', k => '{20}', seed => 1);
SELECT clock_timestamp() AS t1 \gset
SELECT count(*) FROM linkpred_topk_many(NULL::integer[], 20, model => '$3') \g /dev/null
SELECT clock_timestamp() AS t2 \gset
INSERT INTO ab SELECT $1, '$2', '$3', extract(epoch FROM :'t1'::timestamptz - :'t0'::timestamptz),
       extract(epoch FROM :'t2'::timestamptz - :'t1'::timestamptz),
       (SELECT value FROM ev WHERE metric = 'recall'), (SELECT value FROM ev WHERE metric = 'ndcg');
SQL
}

ab_rounds "round(eval_s::numeric, 1) || ' s'"

{
	echo "# $title"
	echo
	echo "- Date: $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "- Command: \`bash bench/evaluate_ab.sh --before $before_sha --rounds $rounds --out $out\`"
	echo "- Machine: $(bench_machine); shared with other work"
	echo "- before: commit $before_sha; after: $(bench_commit)"
	echo "- Graph: Gowalla's LightGCN split (29,858 users, 40,981 items, 810,128 training edges, test"
	echo "  file of 217,242 edges). Models trained once on the training file (seed 1), served by each"
	echo "  side's library in turn, the server restarted at each switch."
	echo "- Evaluation: \`linkpred_evaluate(model, test => 'gw_test', k => '{20}', seed => 1)\`."
	echo "  Batch: \`linkpred_topk_many(NULL, 20, model)\`, every user's top-20."
	echo
	echo "## Median over the rounds"
	echo
	echo "| model | evaluation, s, before | after | after / before | batch top-20, s, before | after | after / before | Recall@20 before | after | NDCG@20 before | after |"
	echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
	q -F ' | ' <<SQL | sed 's/^/| /; s/$/ |/'
WITH b AS (SELECT * FROM ab WHERE side = 'before'), a AS (SELECT * FROM ab WHERE side = 'after')
SELECT b.model,
       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY b.eval_s)::numeric, 1),
       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY a.eval_s)::numeric, 1),
       round((percentile_cont(0.5) WITHIN GROUP (ORDER BY a.eval_s) /
              percentile_cont(0.5) WITHIN GROUP (ORDER BY b.eval_s))::numeric, 2),
       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY b.many_s)::numeric, 1),
       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY a.many_s)::numeric, 1),
       round((percentile_cont(0.5) WITHIN GROUP (ORDER BY a.many_s) /
              percentile_cont(0.5) WITHIN GROUP (ORDER BY b.many_s))::numeric, 2),
       round(max(b.recall)::numeric, 4), round(max(a.recall)::numeric, 4),
       round(max(b.ndcg)::numeric, 4), round(max(a.ndcg)::numeric, 4)
FROM b JOIN a USING (round, model)
GROUP BY b.model ORDER BY b.model;
SQL
	echo
	echo "## Every round"
	echo
	echo "| round | side | model | evaluation, s | batch top-20, s | Recall@20 | NDCG@20 |"
	echo "|---:|---|---|---:|---:|---:|---:|"
	q -F ' | ' -c "SELECT round, side, model, round(eval_s::numeric, 1), round(many_s::numeric, 1), round(recall::numeric, 6), round(ndcg::numeric, 6) FROM ab ORDER BY ctid" |
		sed 's/^/| /; s/$/ |/'
} >"$LP_SRC/bench/$out"
cat "$LP_SRC/bench/$out"
