#!/usr/bin/env bash
# kill -9 of a training worker in the middle of a retraining job.  The
# postmaster treats it as a crash: it ends every backend and reinitialises
# (crash recovery).  Afterwards the job shows 'failed' with the error for a
# worker that left no outcome, linkpred_wait raises it instead of waiting
# forever, the model's previous version serves the same scores, and
# training works again.
set -euo pipefail
source "$(dirname "$0")/lib.bash"

lpt_start lp_shell_kill9
lpt_small_edges small_edges
lpt_big_edges big_edges

lpt_serving_model
v1=$LPT_V1
before=$LPT_BEFORE
lpt_long_retrain 2
long=$LPT_LONG
pid=$(lpt_sql "SELECT pid FROM linkpred.jobs WHERE id = $long")
# never kill a process that is not this job's worker
lpt_is "$(lpt_sql "SELECT count(*) FROM pg_stat_activity
                   WHERE pid = $pid AND backend_type = 'linkpred training'")" 1 \
	"pid $pid in linkpred.jobs is a live linkpred training worker"

offset=$(lpt_log_size)
lpt_ok "kill -9 $pid" kill -KILL "$pid"
crash_logged() { grep -q 'all server processes terminated; reinitializing' <<<"$(lpt_log_since "$offset")"; }
lpt_ok "the postmaster reinitialises (crash recovery)" lpt_wait_until 60 crash_logged
lpt_ok "the server accepts connections again" lpt_wait_until 60 lpt_serving
lpt_like "$(lpt_log_since "$offset")" "\\(PID $pid\\) was terminated by signal 9" \
	"the server log names the killed worker"

lpt_is "$(lpt_fingerprint m)" "$before" "model m serves version $v1 with the same scores and top-k"
lpt_is "$(lpt_sql "SELECT count(*) FROM linkpred.versions WHERE model = 'm'")" 1 \
	"the killed job stored no version"
lpt_is "$(lpt_stray_embeddings m)" 0 "and no embeddings of a half-written version"
lpt_is "$(lpt_sql "SELECT count(*) FROM pg_stat_activity
                   WHERE backend_type = 'linkpred training' AND datname = current_database()")" 0 \
	"no training worker was restarted"

lpt_is "$(lpt_sql "SELECT state FROM linkpred.jobs WHERE id = $long")" failed "job $long shows as failed"
lpt_is "$(lpt_sql "SELECT error || ' (' || error_sqlstate || ')' FROM linkpred.jobs WHERE id = $long")" \
	"training worker exited without recording an outcome (58000)" "with the error for a worker that left no outcome"

# linkpred_wait must raise the error at once: a hang ends at the time limit
set +e
out=$(LPT_CALL_LIMIT=30 lpt_sql "SELECT linkpred_wait($long)" 2>&1)
rc=$?
set -e
lpt_isnt "$rc" 124 "linkpred_wait($long) returns instead of waiting forever"
lpt_isnt "$rc" 0 "linkpred_wait($long) raises an error"
lpt_like "$out" 'ERROR: +training worker exited without recording an outcome' "the error is the job's"
# linkpred_wait marks a job whose worker is gone as failed, with an end time
lpt_diag "job $long's own row now: $(lpt_sql "SELECT state || ', finished_at ' || coalesce(finished_at::text, 'NULL')
                                              FROM linkpred.job_catalog WHERE id = $long")"
lpt_is "$(lpt_sql "SELECT finished_at IS NOT NULL FROM linkpred.jobs WHERE id = $long")" t \
	"job $long has an end time in linkpred.jobs (its elapsed time stops growing)"
lpt_is "$(lpt_sql "SELECT linkpred_cancel($long)")" f "linkpred_cancel($long) returns false"
lpt_is "$(lpt_sql "SELECT state || ', ' || (finished_at IS NOT NULL) FROM linkpred.jobs WHERE id = $long")" "failed, true" \
	"and leaves the job failed, with an end time"

# training again: the model's lock died with the killed worker
job=$(lpt_sql "SELECT linkpred_train('m', 'small_edges', 'user_id', 'item_id',
                                     options => '{\"dim\": 16, \"epochs\": 5, \"seed\": 3}', wait => false)")
lpt_is "$(lpt_sql "SELECT linkpred_wait($job, '60 seconds')")" "done" "a new training job ($job) ends done"
v2=$(lpt_sql "SELECT active_version FROM linkpred.models WHERE name = 'm'")
lpt_is "$v2" "$(lpt_sql "SELECT version FROM linkpred.jobs WHERE id = $job")" \
	"its version ($v2) is the active one"
lpt_ok "a version newer than $v1" test "$v2" -gt "$v1"
lpt_isnt "$(lpt_fingerprint m)" "$before" "and it serves new scores"
