#!/usr/bin/env bash
# cron.sh: the README's pg_cron recipe, run for real.  Two schedules: a
# training job submitted with wait => false (the cron statement returns at
# once and holds no long transaction), and a refresh that rewrites the
# recommendations table once a newer version serves.  pg_cron 1.4 runs at
# most once a minute, so this test takes one to two minutes.
set -euo pipefail
source "$(dirname "$0")/../cluster.sh"
DB=lp_cron	# test/run.sh starts the cluster with cron.database_name = lp_cron
n=0; failed=0
check() { n=$((n + 1)); if [ "$2" = "$3" ]; then echo "ok $n - $1"; else echo "not ok $n - $1 (got '$2', want '$3')"; failed=$((failed + 1)); fi; }
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$DB" -c "$1"; }

psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
q "CREATE EXTENSION pg_cron"
q "CREATE EXTENSION linkpred"
q "CREATE TABLE events AS SELECT u AS user_id, (u * 7 + i) % 50 AS item_id FROM generate_series(1, 300) u, generate_series(1, 6) i"
q "SELECT linkpred_train('shop', 'events', 'user_id', 'item_id', options => '{\"dim\": 8, \"epochs\": 2}')" >/dev/null
q "CREATE TABLE recs (user_id int, item int, rank int, score float8)"

# the recipe, with '* * * * *' standing in for '0 3 * * *' and '*/10 * * * *'
q "SELECT cron.schedule('shop-train', '* * * * *',
     \$\$SELECT linkpred_train('shop', 'events', 'user_id', 'item_id', options => '{\"dim\": 8, \"epochs\": 2}', wait => false)\$\$)" >/dev/null
q "SELECT cron.schedule('shop-recs', '* * * * *',
     \$\$SELECT linkpred_materialize('shop', 'recs', 10, only_if_newer => true)\$\$)" >/dev/null

# wait (at most 150 s) until recs holds a version newer than the first
deadline=$((SECONDS + 150))
while [ $SECONDS -lt $deadline ]; do
	v=$(q "SELECT coalesce((SELECT version FROM linkpred.materializations WHERE target = 'recs'::regclass), 0)")
	[ "$v" -ge 2 ] && break
	sleep 3
done
q "SELECT cron.unschedule('shop-train'), cron.unschedule('shop-recs')" >/dev/null

check "a scheduled training produced a newer version" "$(q "SELECT active_version >= 2 FROM linkpred.models WHERE name = 'shop'")" t
check "the scheduled refresh wrote top-k of that version for every user" \
	"$(q "SELECT count(DISTINCT user_id) = 300 AND count(*) = 3000 FROM recs")" t
check "recs holds a version newer than the first" "$(q "SELECT version >= 2 FROM linkpred.materializations WHERE target = 'recs'::regclass")" t
check "every cron run succeeded" \
	"$(q "SELECT count(*) FILTER (WHERE status <> 'succeeded') = 0 AND count(*) >= 2 FROM cron.job_run_details")" t
check "the cron statement that submits training returns within 5 s" \
	"$(q "SELECT coalesce(max(extract(epoch FROM end_time - start_time)) < 5, false) FROM cron.job_run_details WHERE command LIKE '%linkpred_train%'")" t
check "scheduled jobs are ordinary linkpred jobs that ended done" \
	"$(q "SELECT count(*) >= 2 AND bool_and(state = 'done') FROM linkpred.jobs")" t

psql -X -q -d postgres -c "DROP DATABASE $DB WITH (FORCE)"
echo "1..$n"
[ "$failed" -eq 0 ]
