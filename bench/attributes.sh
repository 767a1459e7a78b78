#!/usr/bin/env bash
# bench/attributes.sh: item attributes (option item_features) on HetRec
# LastFM with the artists' tags (bench/attributes.sql says what is
# measured): warm quality with and without the tags, and cold artists
# (20% of the tagged ones, every listening edge held out) ranked from their
# tags against two SQL baselines; the matrix factorisation (the default
# encoder) and GraphSAGE ("encoder": "sage").  Builds and installs linkpred, runs a
# throwaway cluster, writes bench/RESULTS-attributes.md (keeping the
# sections other scripts wrote, from "## Column kinds" on).  About 10
# minutes on 2 cores.
#
# usage: bash bench/attributes.sh
set -Eeuo pipefail
source "$(dirname "$0")/../test/cluster.sh"
OUT="$LP_SRC/bench/RESULTS-attributes.md"

lp_build_install
lp_cluster_start
lp_stage_shared data/lastfm/user_artist_idx.csv data/lastfm/artist_tags_idx.csv
mkdir -p "$LP_TMP/src/bench" && cp "$LP_SRC/bench/attributes.sql" "$LP_TMP/src/bench/"
chown -R "$LP_OWNER" "$LP_TMP/src"
lp_psql -c "CREATE DATABASE bench"
lp_psql -d bench -c "CREATE EXTENSION linkpred"
lp_log "LastFM with tags: warm and cold"
rows=$(cd "$LP_TMP" && lp_psql -d bench -tA -f src/bench/attributes.sql)
v() { awk -F'|' -v k="$1" '$1 == k { print $2 }' <<<"$rows"; }

commit="commit $(git -C "$LP_SRC" rev-parse --short HEAD 2>/dev/null || echo unknown)"
[ -z "$(git -C "$LP_SRC" status --porcelain --untracked-files=all -- src sql Makefile 2>/dev/null)" ] ||
	commit="$commit + uncommitted changes in src/, sql/ or Makefile"
tail_file=$(mktemp)
[ -f "$OUT" ] && sed -n '/^## Column kinds/,$p' "$OUT" >"$tail_file"
cpu=$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -n 1)
{
	echo "# Item attributes: LastFM with artist tags"
	echo
	echo "Written by \`bash bench/attributes.sh\` ($(date -u '+%Y-%m-%d %H:%M UTC'))."
	echo
	echo "- Machine: $cpu, $(nproc) cores, $(free -g | awk '/^Mem:/ { print $2 }') GB memory (shared with other work)"
	echo "- linkpred: $commit"
	echo "- Data: HetRec 2011 LastFM, ../shared/data/lastfm/user_artist_idx.csv and artist_tags_idx.csv"
	echo "  (tag counts as weights); default options, seed 3; bench/attributes.sql has every query."
	echo
	echo "## Warm: the 90/10 hash split of test/pgtap/relations.sql"
	echo
	echo "| model | AUC | Recall@20 | test pairs with an unknown node | training s |"
	echo "|---|---|---|---|---|"
	echo "| mf | $(v warm_plain_auc) | $(v warm_plain_recall) | $(v warm_plain_unknown) | $(v warm_plain_train_seconds) |"
	echo "| mf + the training artists' tags | $(v warm_tagsw_auc) | $(v warm_tagsw_recall) | $(v warm_tagsw_unknown) | $(v warm_tagsw_train_seconds) |"
	echo "| mf + every artist's tags (test-only artists become cold items) | $(v warm_tags_auc) | $(v warm_tags_recall) | $(v warm_tags_unknown) | $(v warm_tags_train_seconds) |"
	echo "| sage | $(v warm_sage_auc) | $(v warm_sage_recall) | $(v warm_sage_unknown) | $(v warm_sage_train_seconds) |"
	echo "| sage + every artist's tags (test-only artists become cold items) | $(v warm_sagetags_auc) | $(v warm_sagetags_recall) | $(v warm_sagetags_unknown) | $(v warm_sagetags_train_seconds) |"
	echo
	echo "The first two compare warm artists alone; the third also scores the test pairs whose artist"
	echo "has tags but no training edge, which the others count as unknown; the sage rows likewise."
	echo
	echo "## Cold artists"
	echo
	echo "$(v cold_artists) cold artists (20% of the tagged ones) lose all their listening edges;"
	echo "the model trains on the other $(v cold_train_edges) edges with the tags of every artist"
	echo "($(v cold_tags_train_seconds) s), then ranks the cold artists alone for each of the"
	echo "$(v cold_test_users) users who listened to one ($(v cold_test_edges) edges)."
	echo
	echo "| method | Recall@20 | NDCG@20 |"
	echo "|---|---|---|"
	echo "| mf + item_features: \`linkpred_topk(u, 20, candidates => cold artists)\` | $(v cold_model_recall) | $(v cold_model_ndcg) |"
	echo "| sage + item_features, the same ($(v cold_sage_train_seconds) s) | $(v cold_sage_recall) | $(v cold_sage_ndcg) |"
	echo "| sage + item_features, \"id_dropout\": 0 (no attributes-only pass; $(v cold_sage0_train_seconds) s) | $(v cold_sage0_recall) | $(v cold_sage0_ndcg) |"
	echo "| tag popularity (SQL): tags' training listens, one list for all | $(v cold_pop_recall) | $(v cold_pop_ndcg) |"
	echo "| user tag profile (SQL): the user's artists' tags, damped by popularity | $(v cold_prof_recall) | $(v cold_prof_ndcg) |"
	echo
	echo "Without item_features a cold artist is in no model: it has no score and top-k never returns it."
	if [ -s "$tail_file" ]; then
		echo
		cat "$tail_file"
	fi
} >"$OUT"
rm -f "$tail_file"
lp_log "wrote $OUT"
cat "$OUT"
