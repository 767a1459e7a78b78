#!/usr/bin/env bash
# head_walk.sh: the structural head's feature set chosen on VALIDATION
# pairs of the SEAL graphs, carved from each split's training edges (the
# split's test pairs are never read, except to keep them out of the
# validation non-edges).
#
# Per graph and split (the bench's 90%/10% files): a tenth of the split's
# training edges, chosen by a hash of (split, src, dst), becomes the
# validation positives; as many uniform random pairs of the graph's nodes
# that are no training edge, no test pair and no loop, the validation
# negatives.  The default model (`{"bipartite": false}`, seed fixed per
# split) trains on the other nine tenths and linkpred_evaluate measures its
# AUC on the validation pairs.  Each run records one build (LABEL) into
# bench/head_walk.tsv; the rule that chooses between builds is written in
# bench/RESULTS-head-walk.md, fixed before any figure was seen.
#
# Usage: bash bench/head_walk.sh LABEL   (HW_GRAPHS, HW_SPLITS to narrow)
source "$(dirname "$0")/../test/cluster.sh"
label=${1:?usage: head_walk.sh LABEL}
D="$LP_SRC/../shared/data/seal/splits"
out="$LP_SRC/bench/head_walk.tsv"
GRAPHS=${HW_GRAPHS:-"usair ns pb yeast celegans power router"}
SPLITS=${HW_SPLITS:-"1 2 3 4 5 6 7 8 9 10"}
lp_build_install
lp_cluster_start "shared_buffers = 1GB" "work_mem = 256MB"
lp_psql -q -c "CREATE EXTENSION linkpred"
q() { lp_psql -At "$@"; }
commit=$(git -C "$LP_SRC" rev-parse --short HEAD)$(git -C "$LP_SRC" diff --quiet HEAD -- src || echo "+changes")

for g in $GRAPHS; do
	f=$(ls "$D/${g}_train90_splits.csv"* | head -n 1)
	reader="cat $f"
	case "$f" in *.gz) reader="zcat $f" ;; esac
	lp_psql -q <<SQL
DROP TABLE IF EXISTS raw;
CREATE TABLE raw (split integer, part text, src integer, dst integer, label integer);
COPY raw FROM PROGRAM '$reader' WITH (FORMAT csv, HEADER);
SQL
	for s in $SPLITS; do
		lp_psql -q <<SQL
DROP TABLE IF EXISTS tr, fit, val;
CREATE TABLE tr AS SELECT src, dst FROM raw WHERE split = $s AND part = 'train' AND label = 1;
-- the validation tenth: by a hash, so every build sees the same pairs
CREATE TABLE fit AS SELECT src, dst FROM tr
WHERE ('x' || substr(md5($s || ':' || src || ':' || dst), 1, 8))::bit(32)::int % 10 <> 0;
CREATE TABLE val AS SELECT src, dst, 1 AS label FROM tr
WHERE ('x' || substr(md5($s || ':' || src || ':' || dst), 1, 8))::bit(32)::int % 10 = 0;
SELECT setseed(0.$s) \g /dev/null
-- every pair the split's file lists (training and test, edges and non-edges), unordered
CREATE TEMP TABLE seen AS SELECT DISTINCT least(src, dst) AS a, greatest(src, dst) AS b FROM raw WHERE split = $s;
CREATE TEMP TABLE cand AS
WITH nodes AS (SELECT DISTINCT n FROM raw r, LATERAL (VALUES (r.src), (r.dst)) x (n) WHERE split = $s AND label = 1),
     arr AS (SELECT array_agg(n ORDER BY n) AS ns, count(*) AS c FROM nodes)
SELECT ns[1 + floor(random() * c)::int] AS a, ns[1 + floor(random() * c)::int] AS b, g AS o
FROM arr, generate_series(1, 4 * (SELECT count(*) FROM val)) g;
INSERT INTO val
SELECT a, b, 0 FROM (
  SELECT DISTINCT ON (least(a, b), greatest(a, b)) a, b, o FROM cand c
  WHERE a <> b AND NOT EXISTS (SELECT 1 FROM seen s WHERE s.a = least(c.a, c.b) AND s.b = greatest(c.a, c.b))
  ORDER BY least(a, b), greatest(a, b), o) x
ORDER BY o LIMIT (SELECT count(*) FROM val);
DROP TABLE seen, cand;
SQL
		t0=$(date +%s.%N)
		q -c "SELECT linkpred_train('m', 'fit', 'src', 'dst', options => '{\"bipartite\": false, \"seed\": $s}')" >/dev/null
		auc=$(q -c "SELECT round(value::numeric, 5) FROM linkpred_evaluate('m', test => 'val', label => 'label') WHERE metric = 'auc'")
		secs=$(echo "$(date +%s.%N) - $t0" | bc)
		q -c "SELECT linkpred_drop('m')" >/dev/null
		printf '%s\t%s\t%s\t%s\t%s\t%.1f\n' "$label" "$commit" "$g" "$s" "$auc" "$secs" >>"$out"
		lp_log "$label $g split $s: validation AUC $auc (${secs} s)"
	done
done
