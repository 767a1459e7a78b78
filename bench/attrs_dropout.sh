#!/usr/bin/env bash
# bench/attrs_dropout.sh: choose the default of option "id_dropout"
# (item_features) on validation data carved from the TRAINING part of
# bench/attributes.sh's LastFM split (bench/attrs_dropout.sql says how);
# the test artists and pairs are never read.  Trains every dropout in
# DROPOUTS with every seed in SEEDS, measures pseudo-cold Recall@20 and warm
# AUC, applies the rule below, and writes bench/RESULTS-attrs-dropout.md.
# Loads the data as bench/attributes.sh does.  About 15 minutes on 2 cores.
#
# The rule, fixed before any result was seen: over the seeds' means, the
# dropout with the highest cold Recall@20 among those whose warm AUC is
# within 0.005 of the best warm AUC; ties (at 4 decimals) go to the smaller
# dropout.
#
# usage: bash bench/attrs_dropout.sh [DROPOUTS [SEEDS]]   (default: 0,0.2,0.4,0.6,0.8 and 1,2,3)
set -Eeuo pipefail
source "$(dirname "$0")/../test/cluster.sh"
OUT="$LP_SRC/bench/RESULTS-attrs-dropout.md"
DROPOUTS=${1:-0,0.2,0.4,0.6,0.8}
SEEDS=${2:-1,2,3}

lp_build_install
lp_cluster_start
lp_stage_shared data/lastfm/user_artist_idx.csv data/lastfm/artist_tags_idx.csv
mkdir -p "$LP_TMP/src/bench" && cp "$LP_SRC/bench/attrs_dropout.sql" "$LP_TMP/src/bench/"
chown -R "$LP_OWNER" "$LP_TMP/src"
lp_psql -c "CREATE DATABASE bench"
lp_psql -d bench -c "CREATE EXTENSION linkpred"
lp_log "LastFM training part: id_dropout $DROPOUTS, seeds $SEEDS"
start=$(date +%s)
rows=$(cd "$LP_TMP" && lp_psql -d bench -tA -v dropouts="$DROPOUTS" -v seeds="$SEEDS" -f src/bench/attrs_dropout.sql)
secs=$(($(date +%s) - start))
IFS='|' read -r _ n_tr n_cold_artists n_train n_warm n_cold_edges n_cold_users <<<"$(grep '^sizes|' <<<"$rows")"
runs=$(grep -v '^sizes|' <<<"$rows")

# per dropout: mean cold Recall@20, mean warm AUC, each seed's pair; then the rule
table=$(awk -F'|' '
	{ d = $1 + 0; if (!(d in n)) order[++k] = d; n[d]++; r[d] += $3; a[d] += $4; s[d] = s[d] sprintf("%s%.4f / %.4f", n[d] > 1 ? ", " : "", $3, $4) }
	END {
		best = -1
		for (i = 1; i <= k; i++) { d = order[i]; if (a[d] / n[d] > best) best = a[d] / n[d] }
		choice = ""
		for (i = 1; i <= k; i++) {
			d = order[i]; mr = sprintf("%.4f", r[d] / n[d]); ma = a[d] / n[d]
			ok = ma >= best - 0.005
			printf "| %s | %s | %.4f | %s | %s |\n", d, mr, ma, ok ? "yes" : "no", s[d]
			if (ok && (choice == "" || mr + 0 > cr + 0 || (mr + 0 == cr + 0 && d < choice))) { choice = d; cr = mr }
		}
		printf "CHOICE|%s|%.4f\n", choice, best
	}' < <(sort -t'|' -k1,1g -k2,2n <<<"$runs"))
choice=$(sed -n 's/^CHOICE|\([^|]*\)|.*/\1/p' <<<"$table")
best_auc=$(sed -n 's/^CHOICE|[^|]*|//p' <<<"$table")

commit="commit $(git -C "$LP_SRC" rev-parse --short HEAD 2>/dev/null || echo unknown)"
[ -z "$(git -C "$LP_SRC" status --porcelain --untracked-files=all -- src sql Makefile 2>/dev/null)" ] ||
	commit="$commit + uncommitted changes in src/, sql/ or Makefile"
cpu=$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -n 1)
{
	echo "# The default of id_dropout, chosen on validation data"
	echo
	echo "Written by \`bash bench/attrs_dropout.sh\` ($(date -u '+%Y-%m-%d %H:%M UTC'), ${secs} s)."
	echo
	echo "- Machine: $cpu, $(nproc) cores, $(free -g | awk '/^Mem:/ { print $2 }') GB memory (shared with other work)"
	echo "- linkpred: $commit"
	echo "- Data: HetRec 2011 LastFM, ../shared/data/lastfm/user_artist_idx.csv and artist_tags_idx.csv"
	echo "  (tag counts as weights); default options but \`id_dropout\`, seeds $SEEDS; bench/attrs_dropout.sql has every query."
	echo
	echo "## Validation split, from the training part only"
	echo
	echo "bench/attributes.sh's test parts (its warm tenth of the pairs, its cold artists' edges) are"
	echo "left out first: $n_tr training edges remain, with the tags of their artists only. Of these,"
	echo "$n_cold_artists tagged artists (20%, a hash other than the bench's) become pseudo-cold: all"
	echo "their edges are removed, and each of the $n_cold_users users who listened to one ranks them"
	echo "alone (\`linkpred_topk(u, 20, candidates => ...)\`) against those $n_cold_edges edges. Of the"
	echo "other edges, 10% ($n_warm) are held out for warm AUC (\`linkpred_evaluate\`, seed 1); the"
	echo "model trains on the remaining $n_train."
	echo
	echo "## The rule, fixed before the runs"
	echo
	echo "Over the seeds' means: the dropout with the highest cold Recall@20 among those whose warm"
	echo "AUC is within 0.005 of the best warm AUC; ties (at 4 decimals) go to the smaller dropout."
	echo
	echo "| id_dropout | cold Recall@20 | warm AUC | AUC within 0.005 of the best ($best_auc) | per seed: Recall@20 / AUC |"
	echo "|---|---|---|---|---|"
	grep -v '^CHOICE|' <<<"$table"
	echo
	echo "**Choice: id_dropout = $choice.**"
} >"$OUT"
lp_log "wrote $OUT"
cat "$OUT"
