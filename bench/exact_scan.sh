#!/usr/bin/env bash
# bench/exact_scan.sh: the exact top-k over a catalog of about 1,000,000
# items x 64, scanning the float item vectors (linkpred.exact_scan_8bit_min
# = -1) against their 8-bit copy (the default, 16MB: these floats take
# 256 MB), in the same server and on the same model, alternating over
# rounds.  The graph is ann_calibrated.sh's: bench/scale_gen.sql's zipf
# graph (4,500,000 rows, 200,000 users, 1,100,000 item ids, exponents 0.6,
# seed 42), trained {"epochs": 10, "seed": 1} with no approximate index
# (linkpred.ann_min_items = 0 in the submitting and the serving session).
# Per round and side: linkpred_topk(u, 10) for 300 users in a fixed hash
# order, one call each after a warm-up call (median, p99 in ms); and
# whether both sides returned the same rows for every user.  Writes
# bench/RESULTS-exact-scan.md.
#   bash bench/exact_scan.sh [--rounds N] [--edges N] [--users N] [--items N] [--epochs N]
source "$(dirname "$0")/common.bash"
usage() { echo "usage: bash bench/exact_scan.sh [--rounds N] [--edges N] [--users N] [--items N] [--epochs N]" >&2; }
CMD="bash bench/exact_scan.sh $*"
opt_rounds="" opt_edges="" opt_users="" opt_items="" opt_epochs=""
bench_options "rounds edges users items epochs" "$@"
ROUNDS=${opt_rounds:-3} EDGES=${opt_edges:-4500000} USERS=${opt_users:-200000}
ITEMS=${opt_items:-1100000} EPOCHS=${opt_epochs:-10}
lp_build_install
lp_cluster_start "shared_buffers = 2GB" "work_mem = 256MB"
started=$(now)
lp_psql -c "CREATE EXTENSION linkpred"
lp_log "generating $EDGES rows ($USERS users, $ITEMS items)"
lp_psql -v tbl=big -v n_edges="$EDGES" -v n_users="$USERS" -v n_items="$ITEMS" \
	-v user_exponent=0.6 -v item_exponent=0.6 -v seed=42 -f "$BENCH/scale_gen.sql" >/dev/null
lp_log "training $EPOCHS epochs"
lp_psql <<SQL
SET linkpred.ann_min_items = 0;
SELECT linkpred_train('big', 'big', 'user_id', 'item_id', options => '{"encoder": "mf", "epochs": $EPOCHS, "seed": 1}') IS NULL;
CREATE TABLE q AS
SELECT u FROM (SELECT DISTINCT user_id AS u FROM big) d ORDER BY hashint4(u), u LIMIT 300;
CREATE TABLE runs (round int, side text, p50 float8, p99 float8);
CREATE TABLE rows_seen (round int, side text, u int, items bigint[]);
SQL
n_items=$(lp_psql -At -c "SELECT count(DISTINCT item_id) FROM big")

for r in $(seq 1 "$ROUNDS"); do
	for side in float 8bit; do
		setting=-1
		[ "$side" = 8bit ] && setting=16MB
		lp_psql <<SQL
SET linkpred.ann_min_items = 0;
SET linkpred.exact_scan_8bit_min = '$setting';
SELECT count(*) FROM linkpred_topk(0, 10, 'big') \g /dev/null
DO \$\$
DECLARE
    t  timestamptz;
    d  float8[] := '{}';
    it bigint[];
    u  int;
BEGIN
    FOR u IN SELECT q.u FROM q LOOP
        t := clock_timestamp();
        SELECT array_agg(item) INTO it FROM linkpred_topk(u, 10, 'big');
        d := d || extract(epoch FROM clock_timestamp() - t) * 1000;
        INSERT INTO rows_seen VALUES ($r, '$side', u, it);
    END LOOP;
    INSERT INTO runs
    SELECT $r, '$side',
           (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY v) FROM unnest(d) v),
           (SELECT percentile_cont(0.99) WITHIN GROUP (ORDER BY v) FROM unnest(d) v);
END
\$\$;
SQL
		lp_log "round $r, $side: $(lp_psql -At -c "SELECT round(p50::numeric, 2) FROM runs WHERE round = $r AND side = '$side'") ms median"
	done
done

{
	echo "# Exact top-10 over 1M items: float scan against the 8-bit copy"
	echo
	echo "- Date: $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "- Command: \`$CMD\`"
	echo "- Machine: $(bench_machine); shared with other work"
	echo "- linkpred: $(bench_commit)"
	echo "- Graph: \`bench/scale_gen.sql\` zipf, $EDGES rows, $USERS users, $n_items distinct items (64 floats"
	echo "  an item: 256 MB); trained {\"epochs\": $EPOCHS, \"seed\": 1}, no index. Total $(since "$started") s."
	echo "- Each round: the same 300 users, one call each, with \`linkpred.exact_scan_8bit_min\` -1 (float)"
	echo "  then 16MB (8-bit), in one server."
	echo
	echo "| side | top-10 median, ms (median over rounds) | p99, ms | rounds |"
	echo "|---|---:|---:|---:|"
	lp_psql -At -F ' | ' -c "SELECT side, round(percentile_cont(0.5) WITHIN GROUP (ORDER BY p50)::numeric, 2),
	                                 round(percentile_cont(0.5) WITHIN GROUP (ORDER BY p99)::numeric, 2), count(*)
	                          FROM runs GROUP BY side ORDER BY side DESC" | sed 's/^/| /; s/$/ |/'
	echo
	echo "Users whose 10 items (in order) differ between the two scans in some round:"
	echo "$(lp_psql -At -c "SELECT count(DISTINCT a.u) FROM rows_seen a JOIN rows_seen b USING (round, u)
	                        WHERE a.side = 'float' AND b.side = '8bit' AND a.items IS DISTINCT FROM b.items") of 300."
	echo
	echo "| round | side | median, ms | p99, ms |"
	echo "|---:|---|---:|---:|"
	lp_psql -At -F ' | ' -c "SELECT round, side, round(p50::numeric, 2), round(p99::numeric, 2) FROM runs ORDER BY 1, 2 DESC" |
		sed 's/^/| /; s/$/ |/'
} >"$BENCH/RESULTS-exact-scan.md"
cat "$BENCH/RESULTS-exact-scan.md"
