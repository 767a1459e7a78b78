#!/usr/bin/env bash
# tune_eval.sh: the default options against "tune" (default budget, 180 s)
# on graphs of ../shared/data, both trained on the same training part and
# measured on the same test part; the tuning chooses on its own
# validation part of the training edges (src/jobs/tune.c), never on the
# test part.  Writes bench/RESULTS-tune.md.
#
#   LastFM   the bench split of lastfm_load.sql (80/10/10, setseed 0.2011):
#            train on "train", test on "test" (unlabelled: AUC against
#            one sampled non-edge per edge, Recall@20, NDCG@20).
#   SEAL     split 1 of the 90/10 splits: train on its training edges,
#            test on its labelled test pairs (AUC).
#   Gowalla  LightGCN's split (gowalla_load.sql): train on gowalla_train,
#            test on gowalla_test (AUC against one sampled non-edge per
#            edge, Recall@20, NDCG@20 over every test user).
#
# Usage: bash bench/tune_eval.sh [graph ...]   (default: lastfm usair celegans yeast)
# TUNE_OUT names the results file in bench/ (default RESULTS-tune.md);
# TUNE_MODELS the models trained on each graph (default "default tune").
source "$(dirname "$0")/../test/cluster.sh"
graphs=${*:-lastfm usair celegans yeast}
out="$LP_SRC/bench/${TUNE_OUT:-RESULTS-tune.md}"
lp_build_install
lp_cluster_start
lp_psql -c "CREATE EXTENSION linkpred"
D="$LP_SRC/../shared/data"
q() { lp_psql -At -F ' | ' "$@"; }

{
	echo "# Default options against \"tune\""
	echo
	echo "bench/tune_eval.sh, $(date -u +%Y-%m-%d), $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')),"
	echo "shared with other work; linkpred commit $(git -C "$LP_SRC" rev-parse --short HEAD)."
	echo "Seed 1 for both models; \"tune\" with its default budget (180 s)."
	echo "\"validation\": the tuning's own measure on its validation part of the training edges"
	echo "(Recall@20 for LastFM, AUC for SEAL) for trial 1 (the defaults) and the winner."
	echo
	echo "| graph | model | test AUC | test Recall@20 | test NDCG@20 | validation (defaults → winner) | trials | winner | seconds (tuning + final) |"
	echo "|---|---|---|---|---|---|---|---|---|"
} >"$out"

for g in $graphs; do
	if [ "$g" = gowalla ]; then
		lp_psql -v train_reader="zcat $D/gowalla/gowalla_train.csv.gz" -v test_reader="cat $D/gowalla/gowalla_test.csv" <<'SQL'
CREATE TABLE g_train (src integer NOT NULL, dst integer NOT NULL);
CREATE TABLE g_test (src integer NOT NULL, dst integer NOT NULL);
COPY g_train FROM PROGRAM :'train_reader' WITH (FORMAT csv, HEADER);
COPY g_test FROM PROGRAM :'test_reader' WITH (FORMAT csv, HEADER);
SQL
		opts='{"seed": 1}'
		label=NULL
	elif [ "$g" = lastfm ]; then
		lp_psql -v reader="cat $D/lastfm/user_artist_idx.csv" -v split_sql="$LP_SRC/bench/lastfm_split.sql" <<'SQL'
\i :split_sql
CREATE TABLE g_train AS SELECT user_idx AS src, artist_idx AS dst FROM lastfm_split WHERE part = 'train';
CREATE TABLE g_test AS SELECT user_idx AS src, artist_idx AS dst FROM lastfm_split WHERE part = 'test';
SQL
		opts='{"seed": 1}'
		label=NULL
	else
		f="$D/seal/splits/${g}_train90_splits.csv"
		reader="cat $f"; [ -r "$f" ] || reader="zcat $f.gz"
		lp_psql -v reader="$reader" <<'SQL'
CREATE TEMP TABLE seal_raw (split integer, part text, src integer, dst integer, label integer);
COPY seal_raw FROM PROGRAM :'reader' WITH (FORMAT csv, HEADER);
CREATE TABLE g_train AS SELECT src, dst FROM seal_raw WHERE split = 1 AND part = 'train' AND label = 1 ORDER BY src, dst;
CREATE TABLE g_test AS SELECT src, dst, label FROM seal_raw WHERE split = 1 AND part = 'test' ORDER BY src, dst;
SQL
		opts='{"bipartite": false, "seed": 1}'
		label="'label'"
	fi
	for m in ${TUNE_MODELS:-default tune}; do
		o=$opts; [ $m = tune ] && o=${opts%\}}', "tune": true}'
		lp_log "$g: training $m"
		start=$(date +%s.%N)
		lp_psql -c "SELECT linkpred_train('$g-$m', 'g_train', 'src', 'dst', options => '$o')" >/dev/null
		secs=$(echo "$(date +%s.%N) - $start" | bc)
		row=$(q <<SQL
WITH e AS (SELECT metric, k, value FROM linkpred_evaluate('$g-$m', test => 'g_test', label => $label,
                                                         k => CASE WHEN $label IS NULL THEN '{20}'::int[] ELSE '{}' END, seed => 1)),
     t AS (SELECT metrics->'tuning' AS t FROM linkpred.models WHERE name = '$g-$m')
SELECT '$g', '$m',
       (SELECT round(value::numeric, 4) FROM e WHERE metric = 'auc'),
       coalesce((SELECT round(value::numeric, 4)::text FROM e WHERE metric = 'recall'), '—'),
       coalesce((SELECT round(value::numeric, 4)::text FROM e WHERE metric = 'ndcg'), '—'),
       coalesce((SELECT round((x->>'value')::numeric, 4)::text FROM t, jsonb_array_elements(t->'trials') x WHERE x->>'trial' = '1')
                || ' → ' ||
                (SELECT round((x->>'value')::numeric, 4)::text FROM t, jsonb_array_elements(t->'trials') x WHERE x->>'trial' = t->>'winner'), '—'),
       coalesce((SELECT jsonb_array_length(t->'trials')::text FROM t), '—'),
       coalesce((SELECT (x - 'trial' - 'value' - 'se' - 'seconds')::text FROM t, jsonb_array_elements(t->'trials') x WHERE x->>'trial' = t->>'winner'), '—'),
       round($secs, 1)
SQL
)
		echo "| $row |" >>"$out"
		lp_log "$row"
	done
	lp_psql -c "DROP TABLE g_train, g_test" -c "DROP TABLE IF EXISTS lastfm_edges, lastfm_split"
done
cat "$out"
