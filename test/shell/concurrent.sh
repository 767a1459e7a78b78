#!/usr/bin/env bash
# Serving under load while the model is retrained: pgbench runs 8 clients
# of linkpred_topk for a fixed time while a retraining job of the same model
# runs and finishes.  No call fails; each statement serves exactly one
# version (the active version it reads and the scores it gets agree); no
# backend goes back to the old version; afterwards every backend serves the
# new one.
set -euo pipefail
source "$(dirname "$0")/lib.bash"

command -v pgbench >/dev/null || PATH=$PATH:$LP_BINDIR
lpt_start lp_shell_concurrent

# 2,000 users, 1,000 items, about 60,000 edges; users up to 2,100 are drawn,
# so some calls take the path for a user the model does not know
lpt_sql "CREATE TABLE events AS
         SELECT u::bigint AS user_id, ((u * 31 + i * 17) % 1000)::bigint AS item_id
         FROM generate_series(1, 2000) u, generate_series(1, 30) i;
         CREATE UNLOGGED TABLE probe (pid integer, at timestamptz, version integer,
                                      score text, top text)" >/dev/null
# the encoder named: the retrains under load below are timed for it (with none,
# a graph this size would have its encoder chosen first, on a validation part)
lpt_sql "SELECT linkpred_train('m', 'events', 'user_id', 'item_id',
                               options => '{\"encoder\": \"mf\", \"dim\": 32, \"epochs\": 10, \"seed\": 1}')" >/dev/null
v1=$(lpt_sql "SELECT active_version FROM linkpred.models WHERE name = 'm'")

# what a statement serves for one fixed user: a score and its top five
served="linkpred_score(7::bigint, 123::bigint, model => 'm')::text,
        (SELECT string_agg(item || ':' || score, ',' ORDER BY score DESC, item)
         FROM linkpred_topk(7::bigint, 5, model => 'm'))"
IFS='|' read -r s1 t1 <<<"$(lpt_sql "SELECT $served")"
lpt_like "$s1" '^-?[0-9]' "version $v1 of model m serves (score $s1)"

# the retraining should take about six seconds: scale its epochs by the first run
epochs=$(lpt_sql "SELECT least(100000, greatest(10, ceil(6.0 / greatest(
                      (metrics->>'train_seconds')::float8 / 10, 1e-4))))::int
                  FROM linkpred.models WHERE name = 'm'")
job=$(lpt_sql "SELECT linkpred_train('m', 'events', 'user_id', 'item_id',
                                     options => '{\"encoder\": \"mf\", \"dim\": 32, \"epochs\": $epochs, \"seed\": 2, \"warm_start\": false}',
                                     wait => false)")
lpt_diag "retraining job $job: $epochs epochs"

script=$(lpt_tmpfile)
cat >"$script" <<EOF
\\set u random(1, 2100)
SELECT count(*) FROM linkpred_topk(:u::bigint, 10, model => 'm');
INSERT INTO probe SELECT pg_backend_pid(), clock_timestamp(),
    (SELECT active_version FROM linkpred.models WHERE name = 'm'), $served;
EOF
# 400 statements a second in all: heavy enough to keep all 8 backends busy
# serving, light enough that the job still gets a core on a 2-core machine
out=$(lpt_tmpfile)
set +e
timeout 60 pgbench -n -c 8 -j 2 -T 25 -R 400 -f "$script" "$LPT_DB" >"$out" 2>&1
rc=$?
set -e
lpt_is "$rc" 0 "pgbench: 8 clients, 25 s, while job $job retrains the model"
[ "$rc" -eq 0 ] || lpt_diag "$(grep -v '^progress' "$out" | head -n 20)"
lpt_ok "pgbench reports 0 failed transactions" grep -q '^number of failed transactions: 0 ' "$out"
lpt_ok "no client aborted" bash -c "! grep -qi 'aborted' '$out'"
processed=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$out")
lpt_ok "at least 500 transactions ran (${processed:-none})" test "${processed:-0}" -ge 500

lpt_diag "pgbench: $(grep -E '^(tps|latency average)' "$out" | tr '\n' ' ')"
lpt_is "$(lpt_sql "SELECT linkpred_wait($job, '60 seconds')")" "done" "job $job ends done"
lpt_diag "$(lpt_sql "SELECT 'job ' || $job || ' ran ' || round(extract(epoch FROM j.elapsed)::numeric, 1)
                           || ' s and switched ' || round(extract(epoch FROM j.finished_at - p.first)::numeric, 1)
                           || ' s into the run; statements per version: ' || p.per_version
                    FROM linkpred.jobs j,
                         (SELECT min(at) AS first,
                                 (SELECT string_agg('v' || version || ' ' || n, ', ' ORDER BY version)
                                  FROM (SELECT version, count(*) AS n FROM probe GROUP BY version) c) AS per_version
                          FROM probe) p
                    WHERE j.id = $job")"
v2=$(lpt_sql "SELECT active_version FROM linkpred.models WHERE name = 'm'")
lpt_is "$v2" "$((v1 + 1))" "the active version went from $v1 to $((v1 + 1))"
IFS='|' read -r s2 t2 <<<"$(lpt_sql "SELECT $served")"
lpt_isnt "$s2|$t2" "$s1|$t1" "the two versions serve different scores (so the checks below can tell them apart)"

lpt_is "$(lpt_sql "SELECT (SELECT finished_at FROM linkpred.jobs WHERE id = $job)
                          BETWEEN min(at) AND max(at) - interval '2 seconds' FROM probe")" t \
	"the new version became active while pgbench ran, at least 2 s before its end"
lpt_is "$(lpt_sql "SELECT string_agg(DISTINCT version::text, ',') FROM probe")" "$v1,$v2" \
	"the clients served both versions"
lpt_is "$(lpt_sql "SELECT count(*) FROM probe
                   WHERE NOT ((version = $v1 AND score = '$s1' AND top = '$t1')
                           OR (version = $v2 AND score = '$s2' AND top = '$t2'))")" 0 \
	"every statement served exactly the version it read as active"
lpt_is "$(lpt_sql "SELECT count(*) FROM (SELECT version, lag(version) OVER (PARTITION BY pid ORDER BY at) AS prev
                                         FROM probe) p WHERE prev > version")" 0 \
	"no backend went back to the old version"
lpt_is "$(lpt_sql "SELECT count(DISTINCT pid) || ' backends, ' ||
                          count(*) FILTER (WHERE version = $v2) || ' on the new version'
                   FROM (SELECT DISTINCT ON (pid) pid, version FROM probe ORDER BY pid, at DESC) last")" \
	"8 backends, 8 on the new version" "afterwards every backend serves the new version"
