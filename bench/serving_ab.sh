#!/usr/bin/env bash
# serving_ab.sh: the serving code of this checkout against an earlier
# commit's, on the same stored models, in alternating rounds, so that the
# machine's drift (it is shared) falls on both sides alike.
#
# Builds COMMIT in a scratch worktree and this checkout, loads Gowalla's
# LightGCN training file, trains the default matrix factorisation and the
# spectral encoder at dim 512 (its default) and 256 once, with this
# checkout (and at 128).  Then, ROUNDS times: for each side, that side's library is
# installed, the server restarted, and every model measured:
# linkpred_topk(u, 20) for every 15th user (1,991 calls, one each, after a
# warm-up call that loads the model): median and p99; linkpred_score over
# 100,000 (user, item) pairs.  Writes bench/RESULTS-NAME.md with each
# round's figures and, per model, the median over rounds and after/before.
# The stored models must be readable by both libraries (no storage change
# between the two).  The checkout's library is installed again at the end
# (ab.bash).
#
# Usage: bash bench/serving_ab.sh --before COMMIT [--rounds N] [--out RESULTS-NAME.md] [--title T]
source "$(dirname "$0")/common.bash"
usage() { echo "usage: $0 --before COMMIT [--rounds N] [--out RESULTS-NAME.md] [--title T]" >&2; }
source "$(dirname "$0")/ab.bash" 3 RESULTS-serving-ab.md "Serving, against an earlier commit" "$@"

models="mf spectral128 spectral256 spectral512"
q -c "SELECT linkpred_train('mf', 'gw_all', 'user_id', 'item_id', options => '{\"encoder\": \"mf\", \"seed\": 1}')" >/dev/null
q -c "SELECT linkpred_train('spectral512', 'gw_all', 'user_id', 'item_id', options => '{\"encoder\": \"spectral\", \"seed\": 1}')" >/dev/null
for dim in 128 256; do
	q -c "SELECT linkpred_train('spectral$dim', 'gw_all', 'user_id', 'item_id', options => '{\"encoder\": \"spectral\", \"dim\": $dim, \"seed\": 1}')" >/dev/null
done
q -q -c "CREATE TABLE ab (round int, side text, model text, p50 float8, p99 float8, pairs_s float8)"

measure() {
	q -v model="$3" -f - \
		-c "INSERT INTO ab SELECT $1, '$2', '$3', p50, p99, pairs_s FROM latency" <"$LP_SRC/bench/topk_latency.sql"
}

ab_rounds "round(p50::numeric, 2) || ' ms'"

{
	echo "# $title"
	echo
	echo "- Date: $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "- Command: \`bash bench/serving_ab.sh --before $before_sha --rounds $rounds --out $out\`"
	echo "- Machine: $(bench_machine); shared with other work"
	echo "- before: commit $before_sha; after: $(bench_commit)"
	echo "- Graph: Gowalla's LightGCN training file (29,858 users, 40,981 items). Models trained once"
	echo "  (seed 1), served by each side's library in turn: $rounds rounds of before then after, the"
	echo "  server restarted at each switch."
	echo "- Top-20: \`linkpred_topk(u, 20)\` for every 15th user (1,991 calls, one each, after a warm-up"
	echo "  call). Score: \`linkpred_score\` over 100,000 (user, item) pairs in one statement."
	echo
	echo "## Median over the rounds"
	echo
	echo "| model | top-20 median, ms, before | after | after / before | rounds after was faster | pairs/s before | after |"
	echo "|---|---:|---:|---:|---:|---:|---:|"
	q -F ' | ' <<SQL | sed 's/^/| /; s/$/ |/'
WITH b AS (SELECT * FROM ab WHERE side = 'before'), a AS (SELECT * FROM ab WHERE side = 'after')
SELECT b.model,
       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY b.p50)::numeric, 2),
       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY a.p50)::numeric, 2),
       round((percentile_cont(0.5) WITHIN GROUP (ORDER BY a.p50) /
              percentile_cont(0.5) WITHIN GROUP (ORDER BY b.p50))::numeric, 2),
       count(*) FILTER (WHERE a.p50 < b.p50) || ' of ' || count(*),
       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY b.pairs_s)::numeric),
       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY a.pairs_s)::numeric)
FROM b JOIN a USING (round, model)
GROUP BY b.model ORDER BY array_position(ARRAY['mf', 'spectral128', 'spectral256', 'spectral512'], b.model);
SQL
	echo
	echo "## Every round"
	echo
	echo "| round | side | model | top-20 median, ms | p99, ms | linkpred_score, pairs/s |"
	echo "|---:|---|---|---:|---:|---:|"
	q -F ' | ' -c "SELECT round, side, model, round(p50::numeric, 2), round(p99::numeric, 2), round(pairs_s::numeric) FROM ab ORDER BY ctid" |
		sed 's/^/| /; s/$/ |/'
} >"$LP_SRC/bench/$out"
cat "$LP_SRC/bench/$out"
