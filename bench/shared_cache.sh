#!/usr/bin/env bash
# bench/shared_cache.sh: the memory and throughput of serving one model to 8
# clients, with the shared serving cache and without it.  Issue 5: "one
# shared copy of a model whatever the number of backends (show it with 8
# clients)".  Writes bench/RESULTS-shared-cache.md.
#
#   bash bench/shared_cache.sh [SECONDS]     (pgbench time per run, default 20)
#
# One throwaway cluster with linkpred (and pg_cron, as make test's cluster)
# in shared_preload_libraries trains the default Gowalla model.  Then
# pgbench runs 8 clients of `SELECT * FROM linkpred_topk(:u, 10)` (random
# users) twice: with linkpred.shared_cache_size = 0, where every backend
# loads its own copy as it does without preload, and with the default size,
# where the backends share one copy.  During each run the script reads
# /proc/<pid>/smaps_rollup of the 8 client backends and sums Rss, Pss and
# Private (clean + dirty).  Run it as root (it installs missing packages and
# make installs) or as a user who can make install.
set -Eeuo pipefail
source "$(dirname "$0")/../test/cluster.sh"
SECS=${1:-20}
ARGS="$*"
OUT="$LP_SRC/bench/RESULTS-shared-cache.md"

lp_install_packages
lp_build_install
lp_cluster_start "shared_buffers = 1GB" "work_mem = 256MB" "shared_preload_libraries = 'pg_cron,linkpred'"
lp_stage_shared data/gowalla/gowalla_train.csv.gz
PGBENCH="$LP_BINDIR/pgbench"
[ -x "$PGBENCH" ] || PGBENCH=/usr/lib/postgresql/15/bin/pgbench
W="$LP_TMP/shared_cache"
mkdir -p "$W"
chown "$LP_OWNER" "$W"
q() { lp_psql -d bench -tA "$@"; }

lp_psql -c "CREATE DATABASE bench"
lp_log "loading gowalla_train and training the default model"
t0=$(date +%s.%N)
lp_psql -d bench -o /dev/null <<SQL
CREATE EXTENSION linkpred;
CREATE TABLE gowalla_train (user_id integer NOT NULL, item_id integer NOT NULL);
\copy gowalla_train FROM PROGRAM 'zcat $LP_TMP/shared/data/gowalla/gowalla_train.csv.gz' CSV HEADER
SELECT linkpred_train('gowalla', 'gowalla_train', 'user_id', 'item_id') IS NULL;
SQL
train_s=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.0f", b - a }')
model=$(q -c "SELECT n_users || ' users, ' || n_items || ' items, ' || n_edges || ' edges, dim ' || dim
              FROM linkpred.models WHERE name = 'gowalla'")
maxu=$(q -c "SELECT max(user_id) FROM gowalla_train")
printf '\\set u random(0, %s)\nSELECT * FROM linkpred_topk(:u, 10);\n' "$maxu" >"$W/topk.sql"
chown "$LP_OWNER" "$W/topk.sql"

set_cap() {
	q -c "ALTER SYSTEM SET linkpred.shared_cache_size = '$1'" -c "SELECT pg_reload_conf()" >/dev/null
	for _ in $(seq 50); do
		[ "$(q -c "SHOW linkpred.shared_cache_size")" = "$1" ] && return 0
		sleep 0.2
	done
	lp_log "the server did not take linkpred.shared_cache_size = $1"
	return 1
}

# sum of one smaps_rollup field (kB) over the given pids
smaps_sum() {
	local field=$1 total=0 v pid
	shift
	for pid in "$@"; do
		v=$(awk -v f="$field:" '$1 == f { print $2 }' "/proc/$pid/smaps_rollup" 2>/dev/null || echo 0)
		total=$((total + ${v:-0}))
	done
	echo "$total"
}

# kB of the dynamic shared memory segments (/dev/shm/PostgreSQL.*) that
# the given pids map, each segment once
dsm_kb() {
	local segs
	segs=$(for pid in "$@"; do grep -o '/dev/shm/PostgreSQL\.[0-9]*' "/proc/$pid/maps" 2>/dev/null; done | sort -u)
	[ -n "$segs" ] || { echo 0; return; }
	# shellcheck disable=SC2086
	du -k -c $segs 2>/dev/null | awk '/total$/ { print $1 }'
}

# run NAME: pgbench for SECS, memory sampled at 3/4 of the run
run() {
	local name=$1 pids pgb
	lp_log "$name: pgbench, 8 clients, $SECS s"
	lp_as_owner env PGOPTIONS="-c linkpred.model=gowalla" "$PGBENCH" -n -c 8 -j 2 -T "$SECS" \
		-f "$W/topk.sql" bench >"$W/$name.out" 2>&1 &
	local bench=$!
	sleep "$((SECS * 3 / 4))"
	pids=$(q -c "SELECT pid FROM pg_stat_activity WHERE application_name = 'pgbench' AND backend_type = 'client backend'")
	# shellcheck disable=SC2086
	{
		echo "backends=$(echo $pids | wc -w)"
		echo "rss_kb=$(smaps_sum Rss $pids)"
		echo "pss_kb=$(smaps_sum Pss $pids)"
		echo "private_kb=$(($(smaps_sum Private_Clean $pids) + $(smaps_sum Private_Dirty $pids)))"
		echo "copies=$(q -c "SELECT count(*) FROM linkpred_cache_status() WHERE shared")"
		echo "copy_bytes=$(q -c "SELECT coalesce(sum(bytes), 0) FROM linkpred_cache_status() WHERE shared")"
		echo "dsm_kb=$(dsm_kb $pids)"
	} >"$W/$name.mem"
	wait "$bench" || { cat "$W/$name.out" >&2; return 1; }
	pgb=$(cat "$W/$name.out")
	{
		echo "tps=$(printf '%s\n' "$pgb" | sed -n 's/^tps = \([0-9]*\).*/\1/p' | head -n 1)"
		echo "lat=$(printf '%s\n' "$pgb" | sed -n 's/^latency average = \([0-9.]*\).*/\1/p')"
		echo "n=$(printf '%s\n' "$pgb" | sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p')"
		echo "failed=$(printf '%s\n' "$pgb" | sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p')"
	} >>"$W/$name.mem"
	# one new session's own linkpred memory after one call
	echo "session_kb=$(lp_as_owner env PGOPTIONS="-c linkpred.model=gowalla" psql -X -d bench -tA \
		-c "SELECT count(*) FROM linkpred_topk(1, 10)" \
		-c "SELECT (sum(total_bytes) / 1024)::bigint FROM pg_backend_memory_contexts WHERE name LIKE 'linkpred%'" |
		tail -n 1)" >>"$W/$name.mem"
	lp_log "$name: $(tr '\n' ' ' <"$W/$name.mem")"
}

set_cap 0
run private
set_cap 1GB
run shared
after=$(q -c "SELECT string_agg(model || ' v' || version || ' job ' || job_id || ': ' || state || ', '
                                || bytes || ' bytes, ' || pins || ' pins', '; ')
              FROM linkpred_cache_status() WHERE shared")

# --------------------------------------------------------------------------
get() { sed -n "s/^$2=//p" "$W/$1.mem"; }
mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
commit="commit $(git -C "$LP_SRC" rev-parse --short HEAD 2>/dev/null || echo unknown)"
[ -z "$(git -C "$LP_SRC" status --porcelain --untracked-files=all -- src sql Makefile 2>/dev/null)" ] ||
	commit="$commit + uncommitted changes in src/, sql/ or Makefile (the shared cache itself, if it is not committed yet)"
cpu=$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -n 1)
copy=$(get shared copy_bytes)
{
	echo "# Shared serving cache: memory and throughput with 8 clients"
	echo
	echo "- Date: $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "- Command: \`bash bench/shared_cache.sh${ARGS:+ $ARGS}\`"
	echo "- Machine: $cpu, $(nproc) cores, $(free -g | awk '/^Mem:/ { print $2 }') GB memory"
	echo "- PostgreSQL: $(q -c 'SHOW server_version'); shared_buffers = 1GB, work_mem = 256MB,"
	echo "  shared_preload_libraries = 'pg_cron,linkpred'"
	echo "- linkpred: $commit"
	echo "- Model: the default Gowalla model ($model), trained in $train_s s (load and train)"
	echo "- Workload: \`pgbench -n -c 8 -j 2 -T $SECS\`, \`SELECT * FROM linkpred_topk(:u, 10)\` for a random"
	echo "  user, \`linkpred.model = gowalla\`; each run starts with new backends (the first call of each"
	echo "  loads or attaches the model, inside the timed run)"
	echo "- Memory: /proc/<pid>/smaps_rollup of the 8 client backends, read $((SECS * 3 / 4)) s into each run"
	echo
	echo "| | without (\`linkpred.shared_cache_size = 0\`: a copy per backend) | with (default, 1GB: one shared copy) |"
	echo "|---|---:|---:|"
	echo "| shared copies (\`linkpred_cache_status()\`) | $(get private copies) | $(get shared copies) ($(mb "$((copy / 1024))") MB) |"
	echo "| sum of Private over the 8 backends | $(mb "$(get private private_kb)") MB | $(mb "$(get shared private_kb)") MB |"
	echo "| Private per backend (mean) | $(mb "$(($(get private private_kb) / 8))") MB | $(mb "$(($(get shared private_kb) / 8))") MB |"
	echo "| one backend's linkpred memory (\`pg_backend_memory_contexts\`, after one call) | $(get private session_kb) kB | $(get shared session_kb) kB |"
	echo "| sum of Pss over the 8 backends | $(mb "$(get private pss_kb)") MB | $(mb "$(get shared pss_kb)") MB |"
	echo "| sum of Rss over the 8 backends | $(mb "$(get private rss_kb)") MB | $(mb "$(get shared rss_kb)") MB |"
	echo "| dynamic shared memory segments the 8 backends map (each once) | $(mb "$(get private dsm_kb)") MB | $(mb "$(get shared dsm_kb)") MB |"
	echo "| TPS | $(get private tps) | $(get shared tps) |"
	echo "| latency average | $(get private lat) ms | $(get shared lat) ms |"
	echo "| transactions (failed) | $(get private n) ($(get private failed)) | $(get shared n) ($(get shared failed)) |"
	echo
	echo "After the runs: ${after:-no shared copy}."
	echo
	echo "Private is what only that process maps (its own copy of the model, sorting space, catalog"
	echo "caches). Pss adds each shared page divided by the number of processes that map it: the shared"
	echo "copy once in all, spread over the backends (and shared_buffers pages they touched). Rss counts"
	echo "every mapped page in full in every process, so a shared copy appears in it 8 times. Both runs"
	echo "use the same cluster and build; with the cache off a backend loads the model exactly as without"
	echo "shared_preload_libraries."
} >"$OUT.tmp"
mv "$OUT.tmp" "$OUT"
lp_log "wrote $OUT"
cat "$OUT"
