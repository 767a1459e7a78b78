#!/usr/bin/env bash
# many_exact.sh: linkpred_topk_many over every Gowalla user for a model
# served by the exact top-k with its 8-bit copy (the spectral encoder at
# its default dim 512, 84 MB of item floats), ranked user by user through
# the 8-bit scan (the default) against the block product over the floats
# (linkpred.exact_scan_8bit_min = -1), in one server and one backend, and
# whether the two give the same rows.  Writes bench/RESULTS-many-exact.md.
#
# Usage: bash bench/many_exact.sh
source "$(dirname "$0")/common.bash"
D="$LP_SRC/../shared/data"
[ -r "$D/gowalla/gowalla_train.csv.gz" ] || { lp_log "needs ../shared/data/gowalla"; exit 1; }
out="$BENCH/RESULTS-many-exact.md"
lp_build_install
lp_cluster_start "shared_buffers = 1GB" "work_mem = 256MB"
lp_psql -q -c "CREATE EXTENSION linkpred"
lp_log "loading and training Gowalla (spectral, seed 1)"
lp_psql -q -v train_reader="zcat $D/gowalla/gowalla_train.csv.gz" <<'SQL'
CREATE TABLE g_train (src integer NOT NULL, dst integer NOT NULL);
COPY g_train FROM PROGRAM :'train_reader' WITH (FORMAT csv, HEADER);
SELECT linkpred_train('gw', 'g_train', 'src', 'dst', options => '{"encoder": "spectral", "seed": 1}');
SQL
lp_log "ranking every user both ways"
fig=$(lp_psql -q -At -F ' ' <<'SQL'
SELECT count(*) AS warm FROM linkpred_topk(1, 20, 'gw') \gset
SET linkpred.exact_scan_8bit_min = -1;
SELECT clock_timestamp() AS t0 \gset
CREATE TABLE blockwise AS SELECT * FROM linkpred_topk_many(NULL::integer[], 20, 'gw');
SELECT extract(epoch FROM clock_timestamp() - :'t0'::timestamptz) AS block_s \gset
RESET linkpred.exact_scan_8bit_min;
SELECT clock_timestamp() AS t0 \gset
CREATE TABLE onebyone AS SELECT * FROM linkpred_topk_many(NULL::integer[], 20, 'gw');
SELECT extract(epoch FROM clock_timestamp() - :'t0'::timestamptz) AS one_s \gset
SELECT round(:block_s::numeric, 1), round(:one_s::numeric, 1), (SELECT count(*) FROM onebyone),
       (SELECT count(*) FROM (SELECT * FROM onebyone EXCEPT SELECT * FROM blockwise) x),
       (SELECT count(*) FROM (SELECT * FROM blockwise EXCEPT SELECT * FROM onebyone) x),
       (SELECT count(DISTINCT user_id) FROM onebyone);
SQL
)
read -r block one rows only_one only_block users <<<"$fig"
{
	echo "# linkpred_topk_many with the exact top-k's 8-bit copy"
	echo
	echo "\`bash bench/many_exact.sh\`, $(date -u '+%Y-%m-%d %H:%M UTC'), $(bench_machine), linkpred $(bench_commit)."
	echo
	echo "Gowalla's training file, \`{\"encoder\": \"spectral\", \"seed\": 1}\` (dim 512: 40,981 item vectors of"
	echo "2 kB, 84 MB of floats). \`CREATE TABLE ... AS SELECT * FROM linkpred_topk_many(NULL::integer[], 20, 'gw')\`"
	echo "for all $users users, one backend that had loaded the model, each way once."
	echo
	echo "| path | seconds | rows |"
	echo "|---|---|---|"
	echo "| block product over the floats (\`linkpred.exact_scan_8bit_min = -1\`) | $block | $rows |"
	echo "| user by user through the 8-bit scan (the default) | $one | $rows |"
	echo
	echo "Rows (user, item, rank, score) in one table and not the other: $only_one and $only_block."
} >"$out"
cat "$out"
