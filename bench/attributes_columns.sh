#!/usr/bin/env bash
# bench/attributes_columns.sh: the column kinds and rare values of option
# item_features on HetRec LastFM (bench/attributes_columns.sql says what is
# measured): a random numeric column against the plain model (and a random
# categorical one, at several id_dropout), and tags held
# by one artist kept, merged or dropped.  Builds and installs linkpred, runs a throwaway cluster, and
# writes its section at the end of bench/RESULTS-attributes.md, replacing an
# earlier one (bench/attributes.sh rewrites that file whole: run this after
# it).  About 25 minutes on 2 cores.
#
# usage: bash bench/attributes_columns.sh
set -Eeuo pipefail
source "$(dirname "$0")/../test/cluster.sh"
OUT="$LP_SRC/bench/RESULTS-attributes.md"
TITLE="## Column kinds and rare values"

lp_build_install
lp_cluster_start
lp_stage_shared data/lastfm/user_artist_idx.csv data/lastfm/artist_tags_idx.csv
mkdir -p "$LP_TMP/src/bench" && cp "$LP_SRC/bench/attributes_columns.sql" "$LP_TMP/src/bench/"
chown -R "$LP_OWNER" "$LP_TMP/src"
lp_psql -c "CREATE DATABASE bench"
lp_psql -d bench -c "CREATE EXTENSION linkpred"
lp_log "LastFM: a random numeric column; rare tags merged or dropped"
rows=$(cd "$LP_TMP" && lp_psql -d bench -tA -f src/bench/attributes_columns.sql)
v() { awk -F'|' -v k="$1" '$1 == k { print $2 }' <<<"$rows"; }

commit="commit $(git -C "$LP_SRC" rev-parse --short HEAD 2>/dev/null || echo unknown)"
[ -z "$(git -C "$LP_SRC" status --porcelain --untracked-files=all -- src sql Makefile 2>/dev/null)" ] ||
	commit="$commit + uncommitted changes in src/, sql/ or Makefile"
# the file up to this section (an earlier run's is replaced)
head=$(awk -v t="$TITLE" '$0 == t { exit } { print }' "$OUT")
{
	printf '%s\n' "$head"
	echo "$TITLE"
	echo
	echo "Written by \`bash bench/attributes_columns.sh\` ($(date -u '+%Y-%m-%d %H:%M UTC')), linkpred $commit;"
	echo "the same data, splits, seed and default options as above (bench/attributes_columns.sql)."
	echo
	echo "### A numeric column without signal"
	echo
	echo "Each artist gets a random number (a hash of its id) as a numeric column, its only attribute;"
	echo "for comparison, a random categorical column (16 values) instead."
	echo
	echo "| model (warm 90/10 split) | AUC | Recall@20 | training s |"
	echo "|---|---|---|---|"
	echo "| mf | $(v warm_plain_auc) | $(v warm_plain_recall) | $(v warm_plain_train_seconds) |"
	echo "| mf + a random numeric column, id_dropout 0.8 (the default) | $(v warm_noise_auc) | $(v warm_noise_recall) | $(v warm_noise_train_seconds) |"
	echo "| mf + a random numeric column, id_dropout 0.4 | $(v warm_noise4_auc) | $(v warm_noise4_recall) | $(v warm_noise4_train_seconds) |"
	echo "| mf + a random numeric column, id_dropout 0 | $(v warm_noise0_auc) | $(v warm_noise0_recall) | $(v warm_noise0_train_seconds) |"
	echo "| mf + a random categorical column, id_dropout 0.8 | $(v warm_noisecat_auc) | $(v warm_noisecat_recall) | $(v warm_noisecat_train_seconds) |"
	echo
	echo "### Rare values"
	echo
	echo "$(v rare_tags) of the $(v tags) tags are held by a single artist ($(v rare_rows) of $(v rows) tag rows);"
	echo "$(v rare_only_artists) artists have no other tag ($(v cold_rare_only_artists) of them among the cold artists)."
	echo "Such a tag is kept as its own value (today's behaviour, bench/attributes.sh's runs again at"
	echo "this commit), merged into one value (\"rare\"), or dropped; warm with every artist's tags."
	echo
	echo "| tags held by one artist | warm AUC | warm Recall@20 | warm unknown pairs | cold Recall@20 | cold NDCG@20 |"
	echo "|---|---|---|---|---|---|"
	echo "| kept, each its own value (today) | $(v warm_kept_auc) | $(v warm_kept_recall) | $(v warm_kept_unknown) | $(v cold_kept_recall) | $(v cold_kept_ndcg) |"
	echo "| merged into one \"rare\" value | $(v warm_merged_auc) | $(v warm_merged_recall) | $(v warm_merged_unknown) | $(v cold_merged_recall) | $(v cold_merged_ndcg) |"
	echo "| dropped | $(v warm_dropped_auc) | $(v warm_dropped_recall) | $(v warm_dropped_unknown) | $(v cold_dropped_recall) | $(v cold_dropped_ndcg) |"
} >"$OUT.new"
mv "$OUT.new" "$OUT"
lp_log "wrote $OUT"
sed -n "/^$TITLE\$/,\$p" "$OUT"
