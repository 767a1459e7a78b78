#!/usr/bin/env bash
# bench/fresh_items.sh: what fresh_items => true costs a call (issue 22).
# A synthetic shop: 5,000 users, N items in 50 categories with a price,
# about 20 edges a user; trained with item_features, then 1% more items
# inserted.  Times linkpred_topk(u, 10) and linkpred_score(u, item) with
# and without fresh_items, for N = 10,000, 100,000 and 1,000,000 items
# (FRESH_SIZES, a list, sets others), then top-k again without an index on
# the key column.  With FRESH_BASELINE=<commit>, first the same with that
# commit's build (its tree from git archive, built and installed, the
# cluster restarted after), so that before and after come from one
# machine and one run.  Writes bench/RESULTS-fresh-items.md.  About ten
# minutes on 2 cores for one build, most of it training 1,000,000 items.
#
# usage: bash bench/fresh_items.sh
#        FRESH_SIZES="10000 100000" bash bench/fresh_items.sh
#        FRESH_BASELINE=3e329d0 bash bench/fresh_items.sh
set -Eeuo pipefail
source "$(dirname "$0")/common.bash"
OUT="$LP_SRC/bench/RESULTS-fresh-items.md"
SIZES=${FRESH_SIZES:-10000 100000 1000000}

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

# "plain fresh ratio": ms per call of top-10 without and with fresh_items,
# the two calls alternating for the same users (so that the load of the
# other jobs on the machine falls on both alike); ratio = fresh / plain
topk_pair() {
	lp_psql -d bench -tA -c "
DO \$\$
DECLARE t0 timestamptz; t1 timestamptz; tp float8 := 0; tf float8 := 0;
BEGIN
    PERFORM (SELECT count(*) FROM linkpred_topk(u, 10, '$1', fresh_items => true)) FROM generate_series(1, 3) u;
    FOR i IN 1 .. $2 LOOP
        t0 := clock_timestamp();
        PERFORM (SELECT count(*) FROM linkpred_topk(i, 10, '$1'));
        t1 := clock_timestamp();
        PERFORM (SELECT count(*) FROM linkpred_topk(i, 10, '$1', fresh_items => true));
        tp := tp + extract(epoch FROM t1 - t0);
        tf := tf + extract(epoch FROM clock_timestamp() - t1);
    END LOOP;
    RAISE NOTICE 'ms=% % %', round((tp * 1000 / $2)::numeric, 3), round((tf * 1000 / $2)::numeric, 3),
        round((tf / tp)::numeric, 1);
END \$\$" 2>&1 | sed -n 's/.*ms=//p'
}

# measure: every size with the installed build, in a new database bench;
# the table rows in ROWS (with the index) and NOINDEX (without)
measure() {
	local n calls topk topk_f ratio score score_k score_f
	ROWS=()
	NOINDEX=()
	lp_psql -c "DROP DATABASE IF EXISTS bench" -c "CREATE DATABASE bench" >/dev/null
	lp_psql -d bench -c "CREATE EXTENSION linkpred"
	for n in $SIZES; do
		lp_log "$n items"
		lp_psql -d bench -q -c "
SET client_min_messages = warning;
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
		calls=$((n >= 1000000 ? 50 : 200))
		read -r topk topk_f ratio <<<"$(topk_pair "shop$n" $calls)"
		score=$(ms_per_call "linkpred_score(u, 7, 'shop$n')" 1000)
		score_k=$(ms_per_call "linkpred_score(u, 7, 'shop$n', fresh_items => true)" 1000)
		score_f=$(ms_per_call "linkpred_score(u, $n + 7, 'shop$n', fresh_items => true)" 1000)
		ROWS+=("| $n + $((n / 100)) new | $topk | $topk_f | ${ratio}x | $score | $score_k | $score_f |")
		# the same without an index on the key: the ranges filtered by a scan
		lp_psql -d bench -q -c "ALTER TABLE shop_items DROP CONSTRAINT shop_items_pkey; ANALYZE shop_items" >/dev/null
		read -r topk topk_f ratio <<<"$(topk_pair "shop$n" $((calls / 5)))"
		NOINDEX+=("| $n + $((n / 100)) new | $topk | $topk_f | ${ratio}x |")
	done
}

# tables TITLE: the two tables of the last measure
tables() {
	echo "$1"
	echo
	echo "| items | topk(u, 10) | topk(u, 10, fresh_items) | ratio | score(u, known) | score(u, known, fresh_items) | score(u, new, fresh_items) |"
	echo "|---|---|---|---|---|---|---|"
	printf '%s\n' "${ROWS[@]}"
	echo
	echo "The same top-k calls after dropping the primary key (no index on the key column):"
	echo
	echo "| items | topk(u, 10) | topk(u, 10, fresh_items) | ratio |"
	echo "|---|---|---|---|"
	printf '%s\n' "${NOINDEX[@]}"
	echo
}

BEFORE=""
if [ -n "${FRESH_BASELINE:-}" ]; then
	base=$(mktemp -d /tmp/lp_fresh_base.XXXXXX)
	git -C "$LP_SRC" archive "$FRESH_BASELINE" | tar -x -C "$base"
	lp_log "building and installing the baseline, $FRESH_BASELINE"
	make -C "$base" -s -j2 >/dev/null
	make -C "$base" -s install >/dev/null
	rm -rf "$base"
	lp_cluster_start
	measure
	BEFORE=$(tables "### Before: commit $(git -C "$LP_SRC" rev-parse --short "$FRESH_BASELINE"), the same run")
	# a new build must not replace the library under running backends
	lp_as_owner "$LP_BINDIR/pg_ctl" -D "$LP_TMP/data" -m fast -w stop >/dev/null
	lp_build_install
	lp_as_owner "$LP_BINDIR/pg_ctl" -D "$LP_TMP/data" -l "$LP_TMP/server.log" -w start >/dev/null
else
	lp_build_install
	lp_cluster_start
fi
measure

{
	echo "# What fresh_items => true costs a call"
	echo
	echo "Written by \`${FRESH_BASELINE:+FRESH_BASELINE=$FRESH_BASELINE }bash bench/fresh_items.sh\` ($(date -u '+%Y-%m-%d %H:%M UTC')), linkpred $(bench_commit)."
	echo
	echo "- Machine: $(bench_machine), shared with up to 5 other jobs: the timings are noisy"
	echo "  (take the ratios, not the digits)."
	echo "- Data: synthetic, 5,000 users with 20 edges each, N items with a category (50 values)"
	echo "  and a price, \`dim\` 32, 5 epochs, \`item_features\` on both columns; then N / 100 items"
	echo "  inserted into the attribute table (and ANALYZE). Milliseconds per call, one backend, warm"
	echo "  cache, no shared cache (not preloaded). The item relation has a primary key on its id."
	echo "- The two top-k columns come from one loop that alternates the two calls for the same"
	echo "  users (200 pairs, 50 at 1,000,000 items, a fifth of that without the index), so the"
	echo "  other jobs' load falls on both alike; ratio = with / without \`fresh_items\`."
	echo
	tables "### After: $(bench_commit)"
	[ -z "$BEFORE" ] || { echo "$BEFORE"; echo; }
	echo "Before, \`fresh_items => true\` on \`linkpred_topk\` read the whole attribute relation on"
	echo "every call, so its cost grew with the relation. Now it reads only the rows whose keys lie"
	echo "outside the version's long runs of integer ids (\`src/serve/fresh_scan.c\`): here one run,"
	echo "1 .. N, so \`id < 1 OR id > N\`, which the primary key answers with the N / 100 new rows;"
	echo "the cost grows with the items added since training. Without an index on the key the"
	echo "planner scans the relation and filters the ranges itself: cheaper than before (the rows"
	echo "of trained items no longer reach C), still proportional to the relation."
	echo "\`linkpred_score\` of a new item reads that item's rows through the key (an index on it"
	echo "keeps that cheap)."
} >"$OUT"
lp_log "wrote $OUT"
cat "$OUT"
