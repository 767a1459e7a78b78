#!/usr/bin/env bash
# bench/attributes_noise.sh: the "numeric column without signal" part of
# bench/attributes_columns.sh alone (its SQL up to "-- rare", the same
# split, seed and models), for a quick check of how attributes without
# signal change warm quality (issue 22).  Writes
# bench/RESULTS-attributes-noise.md.  About 8 minutes on 2 cores.
#
# usage: bash bench/attributes_noise.sh
set -Eeuo pipefail
source "$(dirname "$0")/../test/cluster.sh"
OUT="$LP_SRC/bench/RESULTS-attributes-noise.md"

lp_build_install
lp_cluster_start
lp_stage_shared data/lastfm/user_artist_idx.csv data/lastfm/artist_tags_idx.csv
mkdir -p "$LP_TMP/src/bench"
{
	sed '/^-- rare ---/,$d' "$LP_SRC/bench/attributes_columns.sql"
	cat <<'SQL'
SELECT 'warm_' || m || '_' || metric, round(value::numeric, 4)
FROM (VALUES ('plain'), ('noise'), ('noise4'), ('noise0'), ('noisecat')) v(m),
     LATERAL linkpred_evaluate('warm_' || m, test => 'ua_test', k => '{20}', seed => 1)
WHERE metric IN ('auc', 'recall');
SELECT 'warm_' || substr(model, 6) || '_train_seconds', round((metrics->>'train_seconds')::numeric, 1)
FROM linkpred.versions WHERE model LIKE 'warm\_%' AND active;
SQL
} >"$LP_TMP/src/bench/attributes_noise.sql"
chown -R "$LP_OWNER" "$LP_TMP/src"
lp_psql -c "CREATE DATABASE bench"
lp_psql -d bench -c "CREATE EXTENSION linkpred"
lp_log "LastFM: random numeric and categorical columns against the plain model"
rows=$(cd "$LP_TMP" && lp_psql -d bench -tA -f src/bench/attributes_noise.sql)
v() { awk -F'|' -v k="$1" '$1 == k { print $2 }' <<<"$rows"; }

commit="commit $(git -C "$LP_SRC" rev-parse --short HEAD 2>/dev/null || echo unknown)"
[ -z "$(git -C "$LP_SRC" status --porcelain --untracked-files=all -- src sql Makefile 2>/dev/null)" ] ||
	commit="$commit + uncommitted changes in src/, sql/ or Makefile"
cpu=$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -n 1)
{
	echo "# Attributes without signal (warm quality)"
	echo
	echo "Written by \`bash bench/attributes_noise.sh\` ($(date -u '+%Y-%m-%d %H:%M UTC')), linkpred $commit."
	echo
	echo "- Machine: $cpu, $(nproc) cores, $(free -g | awk '/^Mem:/ { print $2 }') GB memory, shared with"
	echo "  other work (training seconds are noisy)"
	echo "- Data and split: bench/attributes_columns.sql's noise part (HetRec LastFM, warm 90/10 hash"
	echo "  split, seed 3, default options but the ones named). This is the test split: these figures"
	echo "  report, they chose nothing."
	echo
	echo "| model (warm 90/10 split) | AUC | Recall@20 | training s |"
	echo "|---|---|---|---|"
	echo "| mf | $(v warm_plain_auc) | $(v warm_plain_recall) | $(v warm_plain_train_seconds) |"
	echo "| mf + a random numeric column, default id_dropout | $(v warm_noise_auc) | $(v warm_noise_recall) | $(v warm_noise_train_seconds) |"
	echo "| mf + a random numeric column, id_dropout 0.4 | $(v warm_noise4_auc) | $(v warm_noise4_recall) | $(v warm_noise4_train_seconds) |"
	echo "| mf + a random numeric column, id_dropout 0 | $(v warm_noise0_auc) | $(v warm_noise0_recall) | $(v warm_noise0_train_seconds) |"
	echo "| mf + a random categorical column (16 values), default id_dropout | $(v warm_noisecat_auc) | $(v warm_noisecat_recall) | $(v warm_noisecat_train_seconds) |"
} >"$OUT"
lp_log "wrote $OUT"
cat "$OUT"
