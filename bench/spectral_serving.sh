#!/usr/bin/env bash
# spectral_serving.sh: what a spectral model costs to serve, against its
# dimension, on Gowalla's LightGCN training file (41k items): the model
# "tune" may choose on a bipartite graph.  Writes
# bench/RESULTS-spectral-serving.md.
#
# For dim 128, 256 and 512 (512: the default; every other option at its
# default, seed 1) and the default matrix factorisation: training seconds
# and the worker's peak RSS; linkpred_topk(u, 20) over every 15th user
# (1,991 calls, one each, after a warm-up call that loads the model):
# median and p99; linkpred_score over 100,000 (user, item) pairs.
# No accuracy here: bench/RESULTS-spectral-defaults.md has it.
#
# Usage: bash bench/spectral_serving.sh
source "$(dirname "$0")/common.bash"
source "$(dirname "$0")/validation.bash"
out="$LP_SRC/bench/RESULTS-spectral-serving.md"
q -q -c "CREATE TABLE serving (label text, dim int, train_s float8, rss_mb float8, p50 float8, p99 float8, calls int, pairs_s float8)"

# measure LABEL OPTIONS
measure() {
	local label=$1 opts=$2
	q -c "SELECT linkpred_train('s', 'gw_all', 'user_id', 'item_id', options => '$opts')" >/dev/null
	q -v model=s -f - -c "
INSERT INTO serving
SELECT '$label', (options->>'dim')::int, (metrics->>'train_seconds')::float8,
       (metrics->>'peak_rss_mb')::float8, p50, p99, calls, pairs_s
FROM linkpred.models, latency WHERE name = 's'" <"$LP_SRC/bench/topk_latency.sql"
	q -c "SELECT linkpred_drop('s')" >/dev/null
	lp_log "$label: $(q -c "SELECT round(p50::numeric, 2) || ' ms median' FROM serving ORDER BY ctid DESC LIMIT 1")"
}

measure "matrix factorisation (the default)" '{"seed": 1}'
for dim in 128 256 512; do
	measure "spectral" "{\"encoder\": \"spectral\", \"dim\": $dim, \"seed\": 1}"
done

{
	echo "# Serving a spectral model against its dimension (Gowalla, 41k items)"
	echo
	echo "- Date: $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "- Command: \`bash bench/spectral_serving.sh\`"
	echo "- Machine: $(bench_machine); shared with other work, so times are upper bounds"
	echo "- linkpred: $(bench_commit)"
	echo "- Graph: Gowalla's LightGCN training file (29,858 users, 40,981 items, 810,128 edges)."
	echo "  Every option at its default but \`encoder\` and \`dim\`; seed 1."
	echo "- Top-20: \`linkpred_topk(u, 20)\` for every 15th user, one call each, after a warm-up call that"
	echo "  loads the model. Score: \`linkpred_score\` over 100,000 (user, item) pairs in one statement."
	echo
	echo "| model | dim | training, s | peak RSS, MB | top-20 median, ms | top-20 p99, ms | calls | linkpred_score, pairs/s |"
	echo "|---|---:|---:|---:|---:|---:|---:|---:|"
	q -F ' | ' -c "SELECT label, dim, round(train_s::numeric, 1), round(rss_mb::numeric), round(p50::numeric, 2),
	               round(p99::numeric, 2), calls, round(pairs_s::numeric) FROM serving ORDER BY ctid" |
		sed 's/^/| /; s/$/ |/'
	echo
	echo "A spectral top-k is a scan of every item's vector (the low-rank term; from 16MB of float vectors,"
	echo "linkpred.exact_scan_8bit_min, it reads their 8-bit copy: 21 MB at \`dim\` 512 instead of 84) and a"
	echo "walk user → item → user → item over the training graph (the item-item term); the first grows"
	echo "with \`dim\`, the second does not. The matrix factorisation's 10.5 MB of floats scan as they are."
} >"$out"
cat "$out"
