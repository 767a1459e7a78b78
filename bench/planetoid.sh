#!/usr/bin/env bash
# bench/planetoid.sh: Cora and CiteSeer link prediction (bench/planetoid.sql
# says what is measured): the graph auto-encoder protocol (85/5/10 edge
# split, equal negatives, test AUC and AP, mean over seeds) beside GAE and
# VGAE's published figures, and an inductive split (10% of the nodes held
# out with all their edges) scored from the nodes' word sets in SQL.
# Builds and installs linkpred, runs a throwaway cluster, writes
# bench/RESULTS-planetoid.md.
#
# usage: bash bench/planetoid.sh [SEEDS]   (default 10)
set -Eeuo pipefail
source "$(dirname "$0")/common.bash"
OUT="$LP_SRC/bench/RESULTS-planetoid.md"
SEEDS=${1:-10}

lp_build_install
lp_cluster_start
lp_stage_shared data/planetoid/cora_edges.csv data/planetoid/cora_features.csv \
	data/planetoid/citeseer_edges.csv data/planetoid/citeseer_features.csv
mkdir -p "$LP_TMP/src/bench" && cp "$LP_SRC/bench/planetoid.sql" "$LP_TMP/src/bench/"
chown -R "$LP_OWNER" "$LP_TMP/src"
lp_psql -c "CREATE DATABASE bench"
lp_psql -d bench -c "CREATE EXTENSION linkpred"
lp_log "Cora and CiteSeer, $SEEDS seeds"
t0=$(now)
rows=$(cd "$LP_TMP" && lp_psql -d bench -tA -v seeds="$SEEDS" -f src/bench/planetoid.sql | grep "|")
wall=$(since "$t0")
v() { awk -F'|' -v k="$1" '$1 == k { print $2 }' <<<"$rows"; }

{
	echo "# Cora and CiteSeer (Planetoid): link prediction"
	echo
	echo "Written by \`bash bench/planetoid.sh $SEEDS\` ($(date -u '+%Y-%m-%d %H:%M UTC'), $wall s in all)."
	echo
	echo "- Machine: $(bench_machine), shared with up to 5 other jobs: times are noisy"
	echo "- linkpred: $(bench_commit)"
	echo "- Data: ../shared/data/planetoid/{cora,citeseer}_edges.csv and _features.csv (README there)"
	echo "- bench/planetoid.sql has every query."
	echo
	echo "## Graph auto-encoder protocol (Kipf & Welling 2016)"
	echo
	echo "Per seed: the undirected edges split 85/5/10 at random, as many random non-edges as test"
	echo "edges; test AUC and AP in %, mean of $SEEDS seeds (AUC sample standard deviation in brackets, none for one seed)."
	echo "linkpred trains on the 85% with \`{\"bipartite\": false, \"seed\": s}\` and every other option"
	echo "at its default, and again with the nodes' word sets as their attributes (\`\"item_features\":"
	echo "{\"relation\": \"pl.words\", \"key\": \"node\", \"attribute\": \"feature\"}\`: in a homogeneous graph"
	echo "the items are the nodes); no option was chosen on these splits (the 5% validation part is left unused)."
	echo "A test pair with a node that has no training edge gets no score and ranks lowest."
	echo
	echo "| method | Cora AUC | Cora AP | CiteSeer AUC | CiteSeer AP |"
	echo "|---|---|---|---|---|"
	echo "| linkpred mf, no node features | $(v cora_mf_auc) ($(v cora_mf_auc_sd)) | $(v cora_mf_ap) | $(v citeseer_mf_auc) ($(v citeseer_mf_auc_sd)) | $(v citeseer_mf_ap) |"
	echo "| **linkpred mf with the word sets** | **$(v cora_mfwords_auc)** ($(v cora_mfwords_auc_sd)) | **$(v cora_mfwords_ap)** | **$(v citeseer_mfwords_auc)** ($(v citeseer_mfwords_auc_sd)) | **$(v citeseer_mfwords_ap)** |"
	echo "| cosine of the two nodes' word sets (SQL) | $(v cora_cosine_auc) ($(v cora_cosine_auc_sd)) | $(v cora_cosine_ap) | $(v citeseer_cosine_auc) ($(v citeseer_cosine_auc_sd)) | $(v citeseer_cosine_ap) |"
	echo "| GAE (published) | 91.0 | 92.0 | 89.5 | 89.9 |"
	echo "| VGAE (published) | 91.4 | 92.6 | 90.8 | 92.0 |"
	echo "| spectral clustering (published) | 84.6 | 88.5 | | |"
	echo "| DeepWalk (published) | 83.1 | 85.0 | | |"
	echo
	echo "## Inductive: 10% of the nodes held out with all their edges"
	echo
	echo "Per seed: the held-out nodes' true edges against as many random non-edges with a held-out"
	echo "end; AUC in %, mean of $SEEDS seeds.  linkpred trains on the edges between the other nodes,"
	echo "with every node's word set (option item_features as above): a held-out node is in no training"
	echo "edge, so its vector is its words' alone."
	echo
	echo "| method | Cora AUC | CiteSeer AUC |"
	echo "|---|---|---|"
	echo "| **linkpred mf with the word sets** | **$(v ind_cora_mfwords_auc)** | **$(v ind_citeseer_mfwords_auc)** |"
	echo "| cosine of the two nodes' word sets (SQL) | $(v ind_cora_cosine_auc) | $(v ind_citeseer_cosine_auc) |"
	echo
	echo "Training time of the last models trained (CiteSeer, seed $SEEDS): $(v train_seconds) s without"
	echo "the word sets, $(v train_seconds_words) s with them."
} >"$OUT"
lp_log "wrote $OUT"
cat "$OUT"
