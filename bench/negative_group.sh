#!/usr/bin/env bash
# negative_group.sh: the quality side of option negative_group (negatives
# shared by consecutive positives, src/kernels/negshare.c) on VALIDATION data
# carved from training edges only (bench/validation_load.sql: Gowalla's
# training file split again per user, LastFM's bench split).  Every other
# option at its default; seeds 1 and 2.  The test splits are never read.
# Prints its table (RESULTS-throughput.md quotes it).
#
# The rule, fixed before any figure was seen (bench/RESULTS-throughput.md):
# the candidate group's validation Recall@20, averaged over the two seeds,
# at least the per-positive draw's (negative_group 1) minus 0.003, on each
# graph.
#
# Usage: bash bench/negative_group.sh   (NG_GROUPS="1 16" NG_SEEDS="1 2" by default)
source "$(dirname "$0")/validation.bash"
lp_psql -q -c "CREATE TABLE grid (graph text, negative_group int, seed int, part text,
                                  recall float8, ndcg float8, seconds float8)"
for g in lastfm gowalla; do
	for s in ${NG_SEEDS:-1 2}; do
		for n in ${NG_GROUPS:-1 16}; do
			val_run $g val "{\"encoder\": \"mf\", \"negative_group\": $n, \"seed\": $s}" "$n, $s" "negative_group $n seed $s"
		done
	done
done
echo "| graph | negative_group | seeds | mean val Recall@20 | mean val NDCG@20 | per seed Recall@20 | mean seconds (train + evaluate) |"
echo "|---|---|---|---|---|---|---|"
q -F ' | ' <<SQL | sed 's/^/| /; s/$/ |/'
SELECT graph, negative_group, count(*), round(avg(recall)::numeric, 4), round(avg(ndcg)::numeric, 4),
       string_agg(round(recall::numeric, 4)::text, ', ' ORDER BY seed), round(avg(seconds)::numeric, 1)
FROM grid GROUP BY graph, negative_group ORDER BY graph, negative_group;
SQL
