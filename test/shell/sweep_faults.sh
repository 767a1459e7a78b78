#!/usr/bin/env bash
# Faults during training, beyond kill9.sh, restart.sh and lifecycle.sql:
# pg_cancel_backend of the worker in its training loop, pg_cancel_backend
# while it is storing a version (half its rows written), and an immediate
# server stop while it is storing.  After each: the previous version serves
# identical scores, the job is recorded with its reason, no row of the
# interrupted version is left in linkpred.embedding_store, and the next
# training succeeds.  Storing is slowed down for the test by a trigger on
# embedding_store (after each chunk row, a sleep per node in it), so the
# faults land mid-store every time.
set -euo pipefail
source "$(dirname "$0")/lib.bash"

lpt_start lp_shell_sweep_faults
lpt_small_edges small_edges
lpt_big_edges big_edges

lpt_serving_model
v1=$LPT_V1
before=$LPT_BEFORE

# after a fault: same scores, no version and no rows of the interrupted job
lpt_unchanged() {
	lpt_is "$(lpt_fingerprint m)" "$before" "$1: model m serves version $v1 with the same scores and top-k"
	lpt_is "$(lpt_sql "SELECT string_agg(version::text, ',' ORDER BY version) FROM linkpred.versions WHERE model = 'm'")" \
		"$v1" "$1: no version was added"
	lpt_is "$(lpt_stray_embeddings m)" 0 "$1: no embedding rows of a half-written version"
}

# 1. pg_cancel_backend of the worker in its training loop
lpt_long_retrain 2
job=$LPT_LONG
pid=$(lpt_sql "SELECT pid FROM linkpred.jobs WHERE id = $job")
lpt_is "$(lpt_sql "SELECT pg_cancel_backend(pid) FROM pg_stat_activity
                   WHERE pid = $pid AND backend_type = 'linkpred training'")" t \
	"pg_cancel_backend($pid), the worker of job $job"
lpt_ok "job $job ends within 30 s" lpt_wait_until 30 lpt_job_is "$job" "state NOT IN ('queued', 'running')"
lpt_is "$(lpt_sql "SELECT state || ': ' || coalesce(error, '(no reason)') FROM linkpred.jobs WHERE id = $job")" \
	"cancelled: cancelled by request" "the job is recorded as cancelled, with the reason"
lpt_unchanged "cancelled in training"

# storing made slow: 50 ms per node after each chunk row is written (about
# 20 s for the 400 nodes of a version)
lpt_sql "CREATE FUNCTION public.slow_store() RETURNS trigger LANGUAGE plpgsql AS
         \$\$ BEGIN PERFORM pg_catalog.pg_sleep(0.05 * cardinality(NEW.keys)); RETURN NULL; END \$\$;
         CREATE TRIGGER slow_store AFTER INSERT ON linkpred.embedding_store
         FOR EACH ROW EXECUTE FUNCTION public.slow_store()" >/dev/null
# two seconds into 'storing embeddings' the worker has written its first
# chunk row and sleeps after it, in its own uncommitted transaction
store_job() {
	lpt_sql "SELECT linkpred_train('m', 'small_edges', 'user_id', 'item_id',
	                               options => '{\"dim\": 16, \"epochs\": 5, \"seed\": $1}', wait => false)"
}

# 2. pg_cancel_backend while the worker stores the new version
job=$(store_job 4)
lpt_ok "job $job reaches 'storing embeddings'" lpt_wait_until 60 lpt_job_is "$job" "state = 'running' AND phase = 'storing embeddings'"
sleep 2
pid=$(lpt_sql "SELECT pid FROM linkpred.jobs WHERE id = $job")
lpt_is "$(lpt_sql "SELECT pg_cancel_backend($pid)")" t "pg_cancel_backend($pid) two seconds into storing"
lpt_ok "job $job ends within 30 s" lpt_wait_until 30 lpt_job_is "$job" "state NOT IN ('queued', 'running')"
lpt_is "$(lpt_sql "SELECT state || ': ' || coalesce(error, '(no reason)') FROM linkpred.jobs WHERE id = $job")" \
	"cancelled: cancelled by request" "the job is recorded as cancelled, with the reason"
lpt_unchanged "cancelled while storing"

# 3. an immediate stop while the worker stores the new version
job=$(store_job 5)
lpt_ok "job $job reaches 'storing embeddings'" lpt_wait_until 60 lpt_job_is "$job" "state = 'running' AND phase = 'storing embeddings'"
sleep 2
lpt_ok "pg_ctl stop -m immediate two seconds into storing" lpt_pg_ctl -m immediate -w -t 60 stop
lpt_ok "pg_ctl start" lpt_pg_ctl -l "$LPT_LOG" -w -t 60 start
lpt_ok "the server accepts connections again" lpt_wait_until 60 lpt_serving
lpt_is "$(lpt_sql "SELECT state || ' (' || error_sqlstate || ')' FROM linkpred.jobs WHERE id = $job")" \
	"failed (58000)" "the job shows failed: its worker left no outcome"
lpt_unchanged "stopped while storing"

# the next training succeeds, storing at full speed again
lpt_sql "DROP TRIGGER slow_store ON linkpred.embedding_store" >/dev/null
job=$(store_job 6)
lpt_is "$(lpt_sql "SELECT linkpred_wait($job, '60 seconds')")" done "the next training (job $job) ends done"
v2=$(lpt_sql "SELECT active_version FROM linkpred.models WHERE name = 'm'")
lpt_ok "it made a new active version ($v2 > $v1)" test "$v2" -gt "$v1"
lpt_is "$(lpt_sql "SELECT count(*) FROM linkpred.embeddings WHERE model = 'm' AND version = $v2")" \
	"$(lpt_sql "SELECT n_users + n_items FROM linkpred.versions WHERE model = 'm' AND version = $v2")" \
	"version $v2 has one embedding row per node"
lpt_isnt "$(lpt_fingerprint m)" "$before" "and serves new scores"
