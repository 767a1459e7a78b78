#!/usr/bin/env bash
# DROP EXTENSION and CREATE EXTENSION again, on a cluster of its own that has
# linkpred in shared_preload_libraries: the re-created catalog's sequences
# start at 1 again, so a new model of the same name trained by the first job
# has the same (database, model, job id) as the dropped one.  Neither cache
# may serve the dropped model's copy for it:
#
#   the shared cache: a new session serves the new model, not the copy of
#   the old one that is still in shared memory;
#   the per-backend cache: a session that served the old model (from the
#   shared copy, then, with linkpred.shared_cache_size = 0, from its own
#   copy) serves the new one at its next statement;
#   in every case what is served equals what a new session loading its own
#   copy from the catalog serves.
set -euo pipefail

if [ -z "${LPT_OWN_CLUSTER:-}" ]; then
	# the outer run: start the preloading cluster, run this file against it
	source "$(dirname "$0")/../cluster.sh"
	lp_own_cluster_run "$0" "shared_preload_libraries = 'linkpred'"
fi

source "$(dirname "$0")/lib.bash"
lpt_start lp_shell_stale_cache

lpt_like "$(lpt_sql "SHOW shared_preload_libraries")" 'linkpred' "the cluster preloads linkpred"

# ---------------------------------------------------------------- helpers

# edges TABLE A B: 300 users, 100 items, pairs with (u * A + i * B) % 7 < 2
edges() {
	lpt_sql "DROP TABLE IF EXISTS $1;
	         CREATE TABLE $1 AS
	         SELECT u::bigint AS user_id, i::bigint AS item_id
	         FROM generate_series(1, 300) u, generate_series(1, 100) i
	         WHERE (u * $2 + i * $3) % 7 < 2" >/dev/null
}
# train m on TABLE with SEED; prints the job id
train() {
	lpt_sql "SELECT linkpred_train('m', '$1', 'user_id', 'item_id',
	                               options => '{\"dim\": 16, \"epochs\": 5, \"seed\": $2}')"
}
# the SQL of lpt_fingerprint m: active version, twenty scores, a top five
FP="SELECT concat_ws(' | ',
    (SELECT active_version FROM linkpred.models WHERE name = 'm'),
    (SELECT string_agg(coalesce(linkpred_score(u::bigint, (u * 3 % 100 + 1)::bigint, model => 'm')::text, 'null'),
                       ',' ORDER BY u)
     FROM generate_series(1, 20) u),
    (SELECT string_agg(item || ':' || score, ',' ORDER BY score DESC, item)
     FROM linkpred_topk(3::bigint, 5, model => 'm')));"

# one session kept open across the drop and re-create: its per-backend cache
holder_start() {
	HOLDER_IN=$(lpt_tmpfile)
	HOLDER_OUT=$(lpt_tmpfile)
	rm -f "$HOLDER_IN"
	mkfifo "$HOLDER_IN"
	timeout "$LPT_CALL_LIMIT" psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$LPT_DB" <"$HOLDER_IN" >"$HOLDER_OUT" 2>&1 &
	HOLDER_PID=$!
	exec 3>"$HOLDER_IN"
	HOLDER_N=0
}
holder_end() {
	exec 3>&-
	wait "$HOLDER_PID"
}
# holder_fp: the fingerprint of m as the held session serves it, in HELD
holder_fp() {
	HOLDER_N=$((HOLDER_N + 1))
	echo "$FP SELECT 'end $HOLDER_N';" >&3
	lpt_wait_until 60 grep -qx "end $HOLDER_N" "$HOLDER_OUT" || { cat "$HOLDER_OUT" >&2; return 1; }
	HELD=$(grep -x -B1 "end $HOLDER_N" "$HOLDER_OUT" | head -n 1)
}
shared_jobs() {
	lpt_sql "SELECT string_agg(job_id || ':' || state, ' ' ORDER BY job_id)
	         FROM linkpred_cache_status() WHERE shared AND model = 'm'"
}
recreate() {
	lpt_sql "DROP EXTENSION linkpred CASCADE" >/dev/null
	lpt_sql "CREATE EXTENSION linkpred" >/dev/null
}
set_cap() {
	lpt_sql "ALTER SYSTEM SET linkpred.shared_cache_size = '$1'" >/dev/null
	lpt_sql "SELECT pg_reload_conf()" >/dev/null
	lpt_wait_until 10 test "$(lpt_sql "SHOW linkpred.shared_cache_size")" = "$1"
}

edges old_edges 37 11
edges new_edges 13 29

# ---------------------------------------------------------------- the shared copy

job=$(train old_edges 1)
holder_start
holder_fp
old=$(lpt_fingerprint m)
lpt_like "$old" '^1 \| -?[0-9]' "model m (job $job) serves"
lpt_is "$HELD" "$old" "a session kept open serves the same"
lpt_is "$(shared_jobs)" "$job:ready" "from one shared copy"

recreate
job2=$(train new_edges 2)
lpt_is "$job2" "$job" "the re-created catalog's first job has the dropped one's id again ($job2)"
new=$(lpt_fingerprint m)
lpt_isnt "$new" "$old" "a new session serves the new model m, not the dropped one's shared copy"
holder_fp
lpt_is "$HELD" "$new" "the session kept open serves the new model too"
lpt_is "$(shared_jobs)" "$job:ready" "from one shared copy: the dropped model's copy is gone"
holder_end

# what the new model serves from a copy of its own, loaded from the catalog
lpt_ok "linkpred.shared_cache_size set to 0" set_cap 0
truth=$(lpt_fingerprint m)
lpt_is "$(lpt_sql "SELECT count(*) FROM linkpred_cache_status() WHERE shared")" 0 "no shared copies with the cache off"
lpt_is "$new" "$truth" "the shared copy served exactly what the new model's own copy serves"

# ---------------------------------------------------------------- per-backend copies

holder_start
holder_fp
lpt_is "$HELD" "$truth" "a session kept open serves m from its own copy"
recreate
job3=$(train old_edges 1)
lpt_is "$job3" "$job" "re-created again, m is again job $job3"
again=$(lpt_fingerprint m)
lpt_is "$again" "$old" "a new session serves the model trained again on the first data"
holder_fp
lpt_is "$HELD" "$again" "the session kept open reloads its own copy instead of serving the dropped one"
holder_end
