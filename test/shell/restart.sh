#!/usr/bin/env bash
# A server restart (pg_ctl restart -m fast) in the middle of a retraining
# job: the model keeps serving its previous version with the same scores,
# the job ends 'failed' with a clear error instead of staying 'running',
# linkpred_wait on it raises that error instead of waiting forever, and
# training works again after the restart.  Then the same with an immediate
# restart (-m immediate), where the worker has no chance to record anything.
set -euo pipefail
source "$(dirname "$0")/lib.bash"

lpt_start lp_shell_restart
lpt_small_edges small_edges
lpt_big_edges big_edges

lpt_serving_model
v1=$LPT_V1
before=$LPT_BEFORE
lpt_long_retrain 2
long=$LPT_LONG
lpt_ok "job $long is still running just before the restart" lpt_job_is "$long" "state = 'running'"

lpt_ok "pg_ctl restart -m fast" lpt_pg_ctl -l "$LPT_LOG" -m fast -w -t 60 restart
lpt_ok "the server accepts connections again" lpt_wait_until 60 lpt_serving

lpt_is "$(lpt_fingerprint m)" "$before" "model m serves version $v1 with the same scores and top-k"
lpt_is "$(lpt_sql "SELECT count(*) FROM linkpred.versions WHERE model = 'm'")" 1 \
	"the interrupted job stored no version"
lpt_is "$(lpt_stray_embeddings m)" 0 "and no embeddings of a half-written version"
lpt_is "$(lpt_sql "SELECT count(*) FROM pg_stat_activity
                   WHERE backend_type = 'linkpred training' AND datname = current_database()")" 0 \
	"no training worker was restarted"

raw=$(lpt_sql "SELECT state || ': ' || coalesce(error, '') FROM linkpred.job_catalog WHERE id = $long")
lpt_diag "job $long as its worker left it: $raw"
lpt_is "$(lpt_sql "SELECT state FROM linkpred.jobs WHERE id = $long")" failed "job $long shows as failed"
lpt_like "$(lpt_sql "SELECT error FROM linkpred.jobs WHERE id = $long")" \
	'^training worker (was terminated|exited without recording an outcome)' "with an error that says why"

# linkpred_wait must raise the job's error at once: a hang ends at the time limit
set +e
out=$(LPT_CALL_LIMIT=30 lpt_sql "SELECT linkpred_wait($long)" 2>&1)
rc=$?
set -e
lpt_isnt "$rc" 124 "linkpred_wait($long) returns instead of waiting forever"
lpt_isnt "$rc" 0 "linkpred_wait($long) raises an error"
lpt_like "$out" 'ERROR: +training worker (was terminated|exited without recording an outcome)' \
	"the error is the job's"
# linkpred_wait marks a job whose worker is gone as failed, with an end time
lpt_diag "job $long's own row now: $(lpt_sql "SELECT state || ', finished_at ' || coalesce(finished_at::text, 'NULL')
                                              FROM linkpred.job_catalog WHERE id = $long")"
lpt_is "$(lpt_sql "SELECT finished_at IS NOT NULL FROM linkpred.jobs WHERE id = $long")" t \
	"job $long has an end time in linkpred.jobs (its elapsed time stops growing)"

# training again: the model's lock died with the old worker
job=$(lpt_sql "SELECT linkpred_train('m', 'small_edges', 'user_id', 'item_id',
                                     options => '{\"dim\": 16, \"epochs\": 5, \"seed\": 3}', wait => false)")
lpt_is "$(lpt_sql "SELECT linkpred_wait($job, '60 seconds')")" "done" "a new training job ($job) ends done"
lpt_ok "its id is higher than the interrupted job's" test "$job" -gt "$long"
v2=$(lpt_sql "SELECT active_version FROM linkpred.models WHERE name = 'm'")
lpt_is "$v2" "$(lpt_sql "SELECT version FROM linkpred.jobs WHERE id = $job")" \
	"its version ($v2) is the active one"
lpt_ok "a version newer than $v1" test "$v2" -gt "$v1"
lpt_isnt "$(lpt_fingerprint m)" "$before" "and it serves new scores"

# an immediate restart: the worker is killed without a chance to record its end
before=$(lpt_fingerprint m)
lpt_long_retrain 4
long=$LPT_LONG
lpt_ok "pg_ctl restart -m immediate" lpt_pg_ctl -l "$LPT_LOG" -m immediate -w -t 60 restart
lpt_ok "the server accepts connections again" lpt_wait_until 60 lpt_serving
lpt_is "$(lpt_fingerprint m)" "$before" "model m serves version $v2 with the same scores and top-k"
lpt_is "$(lpt_stray_embeddings m)" 0 "no embeddings of a half-written version"
lpt_is "$(lpt_sql "SELECT state || ': ' || error FROM linkpred.jobs WHERE id = $long")" \
	"failed: training worker exited without recording an outcome" "job $long shows as failed, with no outcome recorded"
set +e
out=$(LPT_CALL_LIMIT=30 lpt_sql "SELECT linkpred_wait($long)" 2>&1)
rc=$?
set -e
lpt_like "$rc: $out" '^[1-9][0-9]*: .*ERROR: +training worker exited without recording an outcome' \
	"linkpred_wait($long) raises that error at once"
job=$(lpt_sql "SELECT linkpred_train('m', 'small_edges', 'user_id', 'item_id',
                                     options => '{\"dim\": 16, \"epochs\": 5, \"seed\": 5}', wait => false)")
lpt_is "$(lpt_sql "SELECT linkpred_wait($job, '60 seconds')")" "done" "a new training job ($job) ends done"
lpt_is "$(lpt_sql "SELECT active_version FROM linkpred.models WHERE name = 'm'")" \
	"$(lpt_sql "SELECT version FROM linkpred.jobs WHERE id = $job")" "and its version is the active one"
