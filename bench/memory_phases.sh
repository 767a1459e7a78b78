#!/usr/bin/env bash
# bench/memory_phases.sh: where a training job's worker peaks.  Trains the
# default model for one epoch on a bench/scale_gen.sql graph in a throwaway
# cluster that logs at DEBUG1, and prints the worker's memory at the end of
# each phase (LpLogMemory: VmRSS, VmHWM, RssAnon, RssShmem, its memory
# contexts), the stored rows' sizes, and the version's peak and estimate.
#
#   bash bench/memory_phases.sh [ROWS USERS ITEMS]   (default: 1000000 50000 20000;
#                                                    10000000 500000 200000 is 10m)
set -Eeuo pipefail
source "$(dirname "$0")/common.bash"
N=${1:-1000000} U=${2:-50000} I=${3:-20000}
lp_build_install
lp_cluster_start "shared_buffers = 1GB" "work_mem = 256MB" "shared_preload_libraries = 'linkpred'" \
	"log_min_messages = debug1"
lp_stage bench
lp_psql -c "CREATE DATABASE phases"
q() { lp_psql -d phases -tA "$@"; }
q -c "CREATE EXTENSION linkpred" >/dev/null
q -v tbl=edges -v n_edges="$N" -v n_users="$U" -v n_items="$I" -v user_exponent=0.6 \
	-v item_exponent=0.6 -v seed=42 -f "$LP_TMP/src/bench/scale_gen.sql" >/dev/null
q -F ' ' <<'SQL'
SELECT linkpred_train('s', 'edges', 'user_id', 'item_id', options => '{"seed": 1, "epochs": 1}') IS NOT NULL AS trained \g /dev/null
SELECT 'rows: heap', pg_relation_size('linkpred.embedding_store'),
       'index', pg_indexes_size('linkpred.embedding_store'),
       'toast', pg_relation_size((SELECT reltoastrelid FROM pg_class
                                  WHERE oid = 'linkpred.embedding_store'::regclass));
SELECT 'edges', n_edges, 'peak_rss_mb', metrics->>'peak_rss_mb',
       'memory_estimate_mb', metrics->>'memory_estimate_mb',
       'load_seconds', metrics->>'load_seconds', 'store_seconds', metrics->>'store_seconds'
FROM linkpred.models WHERE name = 's';
SQL
grep -o 'linkpred job [0-9]* memory after.*' "$LP_TMP/server.log"
