#!/usr/bin/env bash
# spectral_dim.sh: the spectral encoder's default dim on a bipartite graph,
# with its cost, on VALIDATION data only (bench/validation_load.sql's
# gw_fit / gw_val and fm_fit / fm_val; no test part is read).  Writes
# bench/RESULTS-spectral-dim.md.
#
# Each dim trains the spectral encoder with its other defaults, seed 1, and
# ranks every validation user's unseen items (linkpred_topk, k 20): the
# per-user Recall@20 (hits / held-out items, as linkpred_evaluate) gives
# the mean and, paired by user, the difference from the largest dim with
# its standard error.  Also the training job's seconds and peak RSS, and
# the median top-20 over the validation users.
#
# The rule (the one-standard-error rule): the smallest dim whose paired
# difference from the largest (the best of spectral_defaults.sh's grid on
# both graphs) is within one standard error on both graphs.
#
# Usage: bash bench/spectral_dim.sh [dim ...]   (default: 128 256 512)
source "$(dirname "$0")/validation.bash"
out="$LP_SRC/bench/RESULTS-spectral-dim.md"
dims=${*:-128 256 512}
lp_psql -q <<'SQL'
CREATE TABLE per_user (graph text, dim int, user_id int, recall float8);
CREATE TABLE runs (graph text, dim int, train_seconds float8, peak_rss_mb float8, topk_ms float8);
SQL

for g in gowalla lastfm; do
	if [ $g = gowalla ]; then fit=gw_fit val=gw_val src=user_id dst=item_id
	else fit=fm_fit val=fm_val src=user_idx dst=artist_idx; fi
	for d in $dims; do
		lp_log "$g: spectral dim $d"
		q -c "SELECT linkpred_train('m', '$fit', '$src', '$dst', options => '{\"encoder\": \"spectral\", \"dim\": $d, \"seed\": 1}')" >/dev/null
		q <<SQL
CREATE TEMP TABLE held AS SELECT $src AS u, $dst AS i FROM $val;
CREATE TEMP TABLE us AS SELECT DISTINCT u FROM held WHERE EXISTS (SELECT 1 FROM $fit f WHERE f.$src = held.u);
CREATE TEMP TABLE lat (ms float8);
SELECT count(*) FROM (SELECT linkpred_topk(u, 20, 'm') FROM (SELECT u FROM us LIMIT 50) s) w;	-- load, 8-bit copy
DO \$\$
DECLARE r record; t0 timestamptz;
BEGIN
  FOR r IN SELECT u FROM us LOOP
    t0 := clock_timestamp();
    PERFORM * FROM linkpred_topk(r.u, 20, 'm');
    INSERT INTO lat VALUES (extract(epoch FROM clock_timestamp() - t0) * 1000);
  END LOOP;
END \$\$;
INSERT INTO per_user
SELECT '$g', $d, us.u,
       (SELECT count(*) FROM linkpred_topk(us.u, 20, 'm') t JOIN held h ON h.u = us.u AND h.i = t.item::int)::float8
       / (SELECT count(*) FROM held h WHERE h.u = us.u)
FROM us;
INSERT INTO runs
SELECT '$g', $d, (metrics->>'train_seconds')::float8, (metrics->>'peak_rss_mb')::float8,
       (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) FROM lat)
FROM linkpred.versions WHERE model = 'm';
SQL
		q -c "SELECT linkpred_drop('m')" >/dev/null
	done
done

{
	echo "# The spectral encoder's default dim, on validation data"
	echo
	echo "\`bash bench/spectral_dim.sh\`, $(date -u +%Y-%m-%d), $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')),"
	echo "linkpred commit $(git -C "$LP_SRC" rev-parse --short HEAD). Validation parts of bench/validation_load.sql (Gowalla: gw_fit / gw_val,"
	echo "every 4th user ranked; LastFM: fm_fit / fm_val); no test part read. The spectral encoder, other options at"
	echo "their defaults, seed 1. \"difference\": mean over the users of (Recall@20 at this dim − at the largest), with its"
	echo "standard error (paired by user). Top-20: median over the validation users, one backend, model loaded."
	echo
	echo "**The rule (one standard error):** the smallest dim whose difference from the largest (the best of"
	echo "\`bench/RESULTS-spectral-defaults.md\`'s grid on both graphs) is within one standard error on both graphs."
	echo
	echo "| graph | dim | users | Recall@20 | difference from the largest | its standard error | train s | peak RSS MB | top-20 ms |"
	echo "|---|---|---|---|---|---|---|---|---|"
	q -F ' | ' <<'SQL'
WITH top AS (SELECT graph, max(dim) AS dim FROM per_user GROUP BY graph),
d AS (SELECT p.graph, p.dim, p.user_id, p.recall, p.recall - b.recall AS diff
      FROM per_user p JOIN top USING (graph) JOIN per_user b ON b.graph = p.graph AND b.dim = top.dim AND b.user_id = p.user_id)
SELECT '| ' || d.graph, d.dim, count(*), round(avg(recall)::numeric, 4), round(avg(diff)::numeric, 4),
       round((stddev_samp(diff) / sqrt(count(*)))::numeric, 4),
       round(max(r.train_seconds)::numeric, 1), round(max(r.peak_rss_mb)::numeric), round(max(r.topk_ms)::numeric, 2) || ' |'
FROM d JOIN runs r USING (graph, dim) GROUP BY d.graph, d.dim ORDER BY 1, 2;
SQL
	echo
	echo "Total $(($(date +%s) - started)) s."
} >"$out"
cat "$out"
