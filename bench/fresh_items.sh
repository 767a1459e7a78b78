#!/usr/bin/env bash
# bench/fresh_items.sh: what fresh_items => true costs a call (issue 22).
# A synthetic shop: 5,000 users, N items in 50 categories with a price,
# about 20 edges a user; trained with item_features, then 1% more items
# inserted.  Times linkpred_topk(u, 10) and linkpred_score(u, item) with
# and without fresh_items, for N = 10,000, 100,000 and 1,000,000 items
# (FRESH_SIZES, a list, sets others).  Writes bench/RESULTS-fresh-items.md.
# About ten minutes on 2 cores, most of it training the 1,000,000 items.
#
# usage: bash bench/fresh_items.sh
#        FRESH_SIZES="10000 100000" bash bench/fresh_items.sh
set -Eeuo pipefail
source "$(dirname "$0")/common.bash"
OUT="$LP_SRC/bench/RESULTS-fresh-items.md"

lp_build_install
lp_cluster_start
lp_psql -c "CREATE DATABASE bench"
lp_psql -d bench -c "CREATE EXTENSION linkpred"

# ms per call of a statement run calls times (a plpgsql loop, one snapshot a call)
ms_per_call() {
	lp_psql -d bench -tA -c "
DO \$\$
DECLARE t0 timestamptz; r record;
BEGIN
    PERFORM $1 FROM generate_series(1, 3) u;  -- warm: model loaded, plans made
    t0 := clock_timestamp();
    FOR i IN 1 .. $2 LOOP PERFORM $1 FROM (SELECT i AS u) s; END LOOP;
    RAISE NOTICE 'ms=%', round((extract(epoch FROM clock_timestamp() - t0) * 1000 / $2)::numeric, 3);
END \$\$" 2>&1 | sed -n 's/.*ms=//p'
}

rows=()
for n in ${FRESH_SIZES:-10000 100000 1000000}; do
	lp_log "$n items"
	lp_psql -d bench -q -c "
DROP TABLE IF EXISTS shop_events, shop_items;
CREATE TABLE shop_items (id int PRIMARY KEY, category text, price float8);
INSERT INTO shop_items SELECT i, 'c' || (i % 50), 5 + (hashint4(i) & 1023) / 10.0 FROM generate_series(1, $n) i;
CREATE TABLE shop_events AS
SELECT u AS user_id, (u % 50) + 50 * (hashint4(u * 97 + j) & ($n / 50 - 1)) + 1 AS item_id
FROM generate_series(1, 5000) u, generate_series(1, 20) j;
ANALYZE shop_items;" >/dev/null
	lp_psql -d bench -q -c "SELECT linkpred_train('shop$n', 'shop_events', 'user_id', 'item_id',
		options => '{\"seed\": 1, \"dim\": 32, \"epochs\": 5, \"item_features\": {\"relation\": \"shop_items\", \"key\": \"id\", \"columns\": [\"category\", \"price\"]}}')" >/dev/null
	lp_psql -d bench -q -c "INSERT INTO shop_items SELECT i, 'c' || (i % 50), 5 + (hashint4(i) & 1023) / 10.0
		FROM generate_series($n + 1, $n + $n / 100) i; ANALYZE shop_items" >/dev/null
	calls=$((n >= 100000 ? 20 : 100))
	topk=$(ms_per_call "(SELECT count(*) FROM linkpred_topk(u, 10, 'shop$n'))" $calls)
	topk_f=$(ms_per_call "(SELECT count(*) FROM linkpred_topk(u, 10, 'shop$n', fresh_items => true))" $calls)
	score=$(ms_per_call "linkpred_score(u, 7, 'shop$n')" 1000)
	score_k=$(ms_per_call "linkpred_score(u, 7, 'shop$n', fresh_items => true)" 1000)
	score_f=$(ms_per_call "linkpred_score(u, $n + 7, 'shop$n', fresh_items => true)" 1000)
	rows+=("| $n + $((n / 100)) new | $topk | $topk_f | $score | $score_k | $score_f |")
done

{
	echo "# What fresh_items => true costs a call"
	echo
	echo "Written by \`bash bench/fresh_items.sh\` ($(date -u '+%Y-%m-%d %H:%M UTC')), linkpred $(bench_commit)."
	echo
	echo "- Machine: $(bench_machine), shared with up to 5 other jobs: the timings are noisy"
	echo "  (take the ratios, not the digits)."
	echo "- Data: synthetic, 5,000 users with 20 edges each, N items with a category (50 values)"
	echo "  and a price, \`dim\` 32, 5 epochs, \`item_features\` on both columns; then N / 100 items"
	echo "  inserted into the attribute table. Milliseconds per call, one backend, warm cache, no"
	echo "  shared cache (not preloaded). The item relation has a primary key on its id."
	echo
	echo "| items | topk(u, 10) | topk(u, 10, fresh_items) | score(u, known) | score(u, known, fresh_items) | score(u, new, fresh_items) |"
	echo "|---|---|---|---|---|---|"
	printf '%s\n' "${rows[@]}"
	echo
	echo "\`fresh_items => true\` on \`linkpred_topk\` reads the whole attribute relation on every"
	echo "call (the version's attribute rows are loaded once per backend), so its cost grows with"
	echo "the relation, not with the number of new items; \`linkpred_score\` of a new item reads"
	echo "that item's rows through the key (an index on it keeps that cheap)."
} >"$OUT"
lp_log "wrote $OUT"
cat "$OUT"
