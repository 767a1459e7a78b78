#!/usr/bin/env bash
# pg_dump -Fc of a database with trained models, then pg_restore into a new
# database: the models, their versions, embeddings and job history come
# back, scoring and top-k give the same answers, and a new job gets an id
# that does not collide with the restored history (the job id sequence is
# restored too).
set -euo pipefail
source "$(dirname "$0")/lib.bash"

lpt_start lp_shell_dump
src=$LPT_DB
dst=lp_shell_restored

# model a: integer ids, trained twice (two versions, the second with item
# attributes, so linkpred.attribute_store has rows); model b: a homogeneous
# graph with text ids; one job that failed, for the history
lpt_small_edges purchases
lpt_sql "CREATE TABLE follows AS
         SELECT 'n' || a AS a, 'n' || ((a * 7 + k * 13) % 400) AS b
         FROM generate_series(1, 400) a, generate_series(1, 5) k;
         CREATE TABLE no_edges (user_id bigint, item_id bigint);
         CREATE TABLE item_attrs AS
         SELECT i::bigint AS item_id, 'c' || (i % 3) AS colour, i * 0.5 AS price
         FROM generate_series(1, 110) i" >/dev/null
lpt_sql "SELECT linkpred_train('a', 'purchases', 'user_id', 'item_id',
                               options => '{\"dim\": 8, \"epochs\": 3, \"seed\": 1}')" >/dev/null
lpt_sql "SELECT linkpred_train('a', 'purchases', 'user_id', 'item_id',
                               options => '{\"dim\": 8, \"epochs\": 4, \"seed\": 2,
                                            \"item_features\": {\"relation\": \"item_attrs\", \"key\": \"item_id\",
                                                              \"columns\": [\"colour\", \"price\"]}}')" >/dev/null
lpt_sql "SELECT linkpred_train('b', 'follows', 'a', 'b',
                               options => '{\"bipartite\": false, \"dim\": 8, \"epochs\": 3, \"seed\": 3}')" >/dev/null
failed_job=$(lpt_sql "SELECT linkpred_train('c', 'no_edges', 'user_id', 'item_id', wait => false)")
lpt_wait_until 60 lpt_job_is "$failed_job" "state = 'failed'" || true

lpt_is "$(lpt_sql "SELECT string_agg(name || ' v' || active_version, ', ' ORDER BY name) FROM linkpred.models")" \
	"a v2, b v1" "the original database has models a (version 2) and b (version 1)"
lpt_is "$(lpt_sql "SELECT string_agg(id || ' ' || state, ', ' ORDER BY id) FROM linkpred.jobs")" \
	"1 done, 2 done, 3 done, 4 failed" "and four jobs, one of them failed"

# what the two databases must agree on: one query per line of the report
report() {
	local db=$1
	lpt_psql "$db" <<'SQL'
SELECT 'models', name, owner, active_version, source, src_column, dst_column, weight_column,
       user_type, item_type, options, n_users, n_items, n_edges, dim, trained_at, metrics
FROM linkpred.models ORDER BY name;
SELECT 'versions', * FROM linkpred.versions ORDER BY model, version;
SELECT 'embeddings', model, version, side, count(*),
       md5(string_agg(concat_ws('/', idx, key, degree, bias, vec), ';' ORDER BY idx))
FROM linkpred.embeddings GROUP BY model, version, side ORDER BY model, version, side;
SELECT 'attributes', model, version, count(*),
       md5(string_agg(concat_ws('/', idx, side, kind, column_name, value, component, mean, sd, scale, bias, vec),
                      ';' ORDER BY idx))
FROM linkpred.attribute_store GROUP BY model, version ORDER BY model, version;
SELECT 'jobs', id, model, owner, state, phase, epoch, epochs, loss, submitted_at, started_at,
       finished_at, elapsed, version, source, src_column, dst_column, weight_column, options,
       stats, result, pid, error, error_sqlstate, error_detail, error_hint
FROM linkpred.jobs ORDER BY id;
SELECT 'score a', u, linkpred_score(u::bigint, (u * 3 % 100 + 1)::bigint, model => 'a')
FROM generate_series(1, 300, 7) u ORDER BY u;
SELECT 'topk a', u, t.item, t.score
FROM generate_series(1, 300, 37) u, linkpred_topk(u::bigint, 5, model => 'a') t;
SELECT 'topk a, a new user', t.* FROM linkpred_topk(100000::bigint, 3, model => 'a') t;
SELECT 'score b', u, linkpred_score('n' || u, 'n' || (u * 11 % 400), model => 'b')
FROM generate_series(1, 400, 13) u ORDER BY u;
SELECT 'topk b', u, t.item, t.score
FROM generate_series(1, 400, 57) u, linkpred_topk('n' || u, 5, model => 'b') t;
SQL
}
before=$(lpt_tmpfile)
after=$(lpt_tmpfile)
report "$src" >"$before"
lpt_ok "the report of the original database has scores in it" grep -Eq '^score a\|1\|-?[0-9]' "$before"
lpt_ok "and the attribute rows of model a's version 2 (3 colours, the price)" grep -Eq '^attributes\|a\|2\|4\|' "$before"

dump=$(lpt_tmpfile)
lpt_ok "pg_dump -Fc" timeout "$LPT_CALL_LIMIT" pg_dump -Fc -f "$dump" "$src"
lpt_new_db "$dst"
lpt_ok "pg_restore into a new database" \
	timeout "$LPT_CALL_LIMIT" pg_restore --exit-on-error -d "$dst" "$dump"

report "$dst" >"$after"
for what in models versions embeddings attributes jobs "score a" "topk a" "topk a, a new user" "score b" "topk b"; do
	got=$(grep "^$what|" "$after" || true)
	expected=$(grep "^$what|" "$before" || true)
	lpt_is "$got" "$expected" "restored: $what ($(printf '%s' "$expected" | grep -c .) rows)"
done
[ "$LPT_FAILED" -eq 0 ] || lpt_diag "$(diff "$before" "$after" | head -n 20)"

# a new job in the restored database: the id sequence continues
job=$(lpt_psql "$dst" -c "SELECT linkpred_train('a', 'purchases', 'user_id', 'item_id',
                                               options => '{\"dim\": 8, \"epochs\": 3, \"seed\": 4}', wait => false)")
lpt_is "$job" 5 "a new job in the restored database gets id 5, after the restored history"
lpt_is "$(lpt_psql "$dst" -c "SELECT linkpred_wait($job, '60 seconds')")" "done" "it ends done"
lpt_is "$(lpt_psql "$dst" -c "SELECT string_agg(version || ':' || active, ', ' ORDER BY version)
                               FROM linkpred.versions WHERE model = 'a'")" \
	"1:false, 2:false, 3:true" "it makes version 3 of model a, next to the restored ones"
lpt_is "$(lpt_psql "$dst" -c "SELECT count(*) FROM linkpred.jobs")" 5 "the history holds all five jobs"
lpt_is "$(report "$src")" "$(cat "$before")" "the original database is unchanged"
