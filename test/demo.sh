#!/usr/bin/env bash
# make demo: build, install, start a throwaway cluster, generate a small
# shop (test/demo_data.sql), train a model on it, show recommendations and
# held-out AUC / Recall@10 (test/demo.sql), stop the cluster.  Exits
# non-zero if any step fails.
source "$(dirname "$0")/cluster.sh"

started=$(date +%s)
lp_install_packages
lp_build_install
lp_cluster_start
lp_stage test/demo.sql test/demo_data.sql

lp_psql -c "CREATE DATABASE shop"
if ! lp_psql -d shop -f "$LP_TMP/src/test/demo.sql"; then
	lp_log "demo failed; server log tail:"
	tail -n 40 "$LP_TMP/server.log" >&2 || true
	exit 1
fi
lp_log "demo finished in $(($(date +%s) - started)) s"
