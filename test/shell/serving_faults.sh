#!/usr/bin/env bash
# Faults in a serving backend while it fills the shared serving cache, on a
# cluster of its own that preloads linkpred (as shared_cache.sh).  The fill
# is held half-way for the test by a session that locks
# linkpred.embedding_store: the backend has claimed its slot (state
# 'loading' in linkpred_cache_status) and waits to read the rows.
#
#   pg_terminate_backend of the loading backend: its claim is released, a
#   second backend that was waiting for the same copy loads it itself and
#   serves exactly what a private copy serves;
#   kill -9 of the loading backend: the postmaster reinitialises (crash
#   recovery), the shared cache starts empty, the model serves exactly as
#   before and fills one shared copy again; nothing in linkpred's catalog
#   changed.
#
# The cluster turns linkpred.publish_on_store off, so that a backend's first
# call loads the version (with it on, the training worker would).
set -euo pipefail

if [ -z "${LPT_OWN_CLUSTER:-}" ]; then
	# the outer run: start the preloading cluster, run this file against it
	source "$(dirname "$0")/../cluster.sh"
	lp_own_cluster_run "$0" "shared_preload_libraries = 'pg_cron,linkpred'" \
		"linkpred.publish_on_store = off"
fi

source "$(dirname "$0")/lib.bash"
lpt_start lp_shell_serving_faults

lpt_like "$(lpt_sql "SHOW shared_preload_libraries")" 'linkpred' "the cluster preloads linkpred"

# ---------------------------------------------------------------- helpers

# status MODEL: MODEL's shared copies as "state:pins" words, in job order
status() {
	lpt_sql "SELECT coalesce(string_agg(state || ':' || pins, ' ' ORDER BY job_id), '')
	         FROM linkpred_cache_status() WHERE shared AND model = '$1'"
}
# a session holding linkpred.embedding_store locked: lock_start, lock_end
lock_start() {
	LOCK_IN=$(lpt_tmpfile)
	LOCK_OUT=$(lpt_tmpfile)
	rm -f "$LOCK_IN"
	mkfifo "$LOCK_IN"
	timeout "$LPT_CALL_LIMIT" psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$LPT_DB" <"$LOCK_IN" >"$LOCK_OUT" 2>&1 &
	LOCK_PID=$!
	exec 3>"$LOCK_IN"
	echo "BEGIN; LOCK TABLE linkpred.embedding_store IN ACCESS EXCLUSIVE MODE; SELECT 'locked';" >&3
	lpt_wait_until 30 grep -q locked "$LOCK_OUT"
}
lock_end() {
	# in a subshell: after a crash the pipe's reader is gone (SIGPIPE)
	(echo "COMMIT;" >&3) 2>/dev/null || true
	exec 3>&-
	wait "$LOCK_PID" || true
}
# serve_bg OUT: top-5 of user 3 from model n in a new backend, in the background
TOP="SELECT string_agg(item || ':' || score, ',' ORDER BY score DESC, item) FROM linkpred_topk(3::bigint, 5, model => 'n')"
serve_bg() { lpt_sql "$TOP" >"$1" 2>&1 & }
# the pid of the backend serving model n that waits for the lock
loader_pid() {
	lpt_sql "SELECT pid FROM pg_stat_activity
	         WHERE datname = current_database() AND wait_event_type = 'Lock'
	           AND query LIKE '%linkpred_topk%' ORDER BY backend_start LIMIT 1"
}
loading() { [ "$(status n)" = "loading:0" ]; }

# ---------------------------------------------------------------- data

# n: 2,000 users, 1,000 items, 60,000 edges; its reference top-5 and
# fingerprint served from a private copy (the shared cache switched off)
lpt_sql "CREATE TABLE events AS
         SELECT u::bigint AS user_id, ((u * 31 + i * 17) % 1000)::bigint AS item_id
         FROM generate_series(1, 2000) u, generate_series(1, 30) i" >/dev/null
lpt_sql "SELECT linkpred_train('n', 'events', 'user_id', 'item_id',
                               options => '{\"dim\": 16, \"epochs\": 2, \"seed\": 3}')" >/dev/null
lpt_sql "ALTER SYSTEM SET linkpred.shared_cache_size = 0" >/dev/null
lpt_sql "SELECT pg_reload_conf()" >/dev/null
lpt_wait_until 10 test "$(lpt_sql "SHOW linkpred.shared_cache_size")" = 0
ref_top=$(lpt_sql "$TOP")
ref=$(lpt_fingerprint n)
lpt_sql "ALTER SYSTEM RESET linkpred.shared_cache_size" >/dev/null
lpt_sql "SELECT pg_reload_conf()" >/dev/null
lpt_wait_until 10 test "$(lpt_sql "SHOW linkpred.shared_cache_size")" = 1GB
lpt_like "$ref_top" '^[0-9]+:' "model n serves from a private copy"
lpt_is "$(status n)" "" "and has no shared copy yet"
catalog="SELECT string_agg(model || ' ' || version || ' ' || job_id || ' ' || active, ',' ORDER BY model, version)
         FROM linkpred.versions"
catalog_before=$(lpt_sql "$catalog")

# ---------------------------------------------------------------- pg_terminate_backend

lock_start
first=$(lpt_tmpfile)
second=$(lpt_tmpfile)
serve_bg "$first"
lpt_ok "a backend serving n claims the shared copy and waits for the rows" lpt_wait_until 30 loading
pid=$(loader_pid)
lpt_like "$pid" '^[0-9]+$' "the loading backend waits for the lock (pid $pid)"
serve_bg "$second"
sleep 1
lpt_is "$(status n)" "loading:0" "a second backend asking for n does not load a copy of its own"
lpt_is "$(lpt_sql "SELECT pg_terminate_backend($pid)")" t "pg_terminate_backend($pid) of the loading backend"
gone() { [ "$(lpt_sql "SELECT count(*) FROM pg_stat_activity WHERE pid = $pid")" = 0 ]; }
lpt_ok "the loading backend exits" lpt_wait_until 30 gone
lock_end
wait || true
lpt_like "$(cat "$first")" 'terminat' "the terminated backend's client got the termination"
lpt_is "$(cat "$second")" "$ref_top" "the waiting backend serves n's top-5 exactly as a private copy does"
lpt_is "$(status n)" "ready:0" "one shared copy of n, ready: the dead backend's claim was released"
lpt_is "$(lpt_fingerprint n)" "$ref" "n serves from the shared copy exactly as from a private one"

# ---------------------------------------------------------------- kill -9

# a retrain (same seed, so the same embeddings) gives n a version not yet in the cache
lpt_sql "SELECT linkpred_train('n', 'events', 'user_id', 'item_id',
                               options => '{\"dim\": 16, \"epochs\": 2, \"seed\": 3, \"warm_start\": false}')" >/dev/null
catalog_before=$(lpt_sql "$catalog")
lock_start
serve_bg "$first"
lpt_ok "a backend serving n's new version claims its shared copy" lpt_wait_until 30 loading
pid=$(loader_pid)
lpt_like "$pid" '^[0-9]+$' "the loading backend waits for the lock (pid $pid)"
offset=$(lpt_log_size)
lpt_ok "kill -9 $pid" kill -KILL "$pid"
crash_logged() { grep -q 'all server processes terminated; reinitializing' <<<"$(lpt_log_since "$offset")"; }
lpt_ok "the postmaster reinitialises (crash recovery)" lpt_wait_until 60 crash_logged
lpt_ok "the server accepts connections again" lpt_wait_until 60 lpt_serving
lock_end
wait || true
lpt_is "$(status n)" "" "the shared cache starts empty"
lpt_is "$(lpt_sql "$catalog")" "$catalog_before" "linkpred's catalog is unchanged"
lpt_is "$(lpt_fingerprint n | cut -d'|' -f2-)" "$(echo "$ref" | cut -d'|' -f2-)" \
	"n's new version serves exactly as the first did (same seed, same data)"
lpt_is "$(status n)" "ready:0" "and fills one shared copy again"
