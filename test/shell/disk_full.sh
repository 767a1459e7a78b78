#!/usr/bin/env bash
# A write that fails for want of space while a version is stored, on a
# cluster of its own.  The server is restarted under a file-size limit
# (ulimit -f, 40 MB: PostgreSQL ignores SIGXFSZ, so a write past it fails
# with EFBIG exactly where a full disk fails with ENOSPC: "could not extend
# file", "could not write to file").  A retraining whose embeddings need
# more than that:
#
#   fails, and the job records the storage error and its SQLSTATE;
#   the previous version serves the same scores, no version was added and
#   no embedding row of the half-written version is left;
#   linkpred_materialize into a table that outgrows the limit fails and
#   leaves the table's previous rows in place;
#   with the space back (the limit lifted), the same training succeeds.
set -euo pipefail

if [ -z "${LPT_OWN_CLUSTER:-}" ]; then
	# the outer run: a cluster of its own, since this one is restarted with a limit
	source "$(dirname "$0")/../cluster.sh"
	lp_own_cluster_run "$0"
fi

source "$(dirname "$0")/lib.bash"
lpt_start lp_shell_disk_full

lpt_small_edges small_edges
lpt_serving_model
v1=$LPT_V1
before=$LPT_BEFORE
# 100,000 users and 100,000 items: at dim 64 their embeddings take about
# 60 MB in linkpred.embedding_store, the edges themselves about 13 MB
lpt_sql "CREATE TABLE wide_edges AS
         SELECT u::bigint AS user_id, ((u * 7919 + i * 104729) % 100000 + 1)::bigint AS item_id
         FROM generate_series(1, 100000) u, generate_series(1, 3) i" >/dev/null
lpt_sql "CREATE TABLE recs (user_id bigint, item bigint, rank integer, score real);
         INSERT INTO recs VALUES (1, 2, 1, 0.5)" >/dev/null

# restart the server with a limit (KB) on the size of any file it writes;
# set in the owner's own shell (runuser resets limits), soft only, so a
# later restart lifts it
limited_restart() {
	(cd "$LP_TMP" && lp_as_owner bash -c 'ulimit -S -f "$1" && exec "$2" -D "$3" -l "$4" -m fast -w -t 60 restart' \
		_ "$1" "$LP_BINDIR/pg_ctl" "$LPT_DATA" "$LPT_LOG" >/dev/null)
}
lpt_ok "the server restarts with a 40 MB file-size limit" limited_restart 40960
lpt_ok "and accepts connections" lpt_wait_until 60 lpt_serving
lpt_is "$(lpt_fingerprint m)" "$before" "model m serves version $v1"

# materialize first (the failed version below leaves its dead rows in
# embedding_store): every user's top-100 of a model of the wide graph
# outgrows the limit; that model itself is small enough to store (dim 2)
lpt_sql "SELECT linkpred_train('w', 'wide_edges', 'user_id', 'item_id',
                               options => '{\"dim\": 2, \"epochs\": 1, \"seed\": 5}')" >/dev/null
set +e
out=$(lpt_sql "SELECT linkpred_materialize('w', 'recs', k => 100)" 2>&1)
rc=$?
set -e
lpt_isnt "$rc" 0 "linkpred_materialize into a table that outgrows the space fails"
# the set it inserts spills to a temporary file, which hits the limit first
lpt_like "$out" 'could not (extend|write to) file' "with the storage error"
lpt_is "$(lpt_sql "SELECT string_agg(concat_ws(':', user_id, item, rank, score), ',') FROM recs")" "1:2:1:0.5" \
	"and the target keeps its previous rows"

TRAIN="SELECT linkpred_train('m', 'wide_edges', 'user_id', 'item_id',
                             options => '{\"dim\": 64, \"epochs\": 1, \"seed\": 5, \"warm_start\": false}')"
set +e
out=$(lpt_sql "$TRAIN" 2>&1)
rc=$?
set -e
lpt_isnt "$rc" 0 "a training whose version outgrows the space fails"
lpt_like "$out" 'could not extend file' "with the storage error"
job=$(lpt_sql "SELECT max(id) FROM linkpred.jobs")
lpt_is "$(lpt_sql "SELECT state || ' ' || error_sqlstate || ' ' || (error LIKE 'could not extend file%')
                   FROM linkpred.jobs WHERE id = $job")" "failed XX000 true" \
	"job $job is recorded as failed, with the error and its SQLSTATE"
lpt_is "$(lpt_fingerprint m)" "$before" "model m still serves version $v1 with the same scores and top-k"
lpt_is "$(lpt_sql "SELECT string_agg(version::text, ',' ORDER BY version) FROM linkpred.versions WHERE model = 'm'")" \
	"$v1" "no version was added"
lpt_is "$(lpt_stray_embeddings m)" 0 "no embedding rows of the half-written version"

lpt_ok "the server restarts without the limit" lpt_pg_ctl -l "$LPT_LOG" -m fast -w -t 60 restart
lpt_ok "and accepts connections" lpt_wait_until 60 lpt_serving
lpt_like "$(lpt_sql "$TRAIN")" '^[0-9]+$' "the same training succeeds with the space back"
v2=$(lpt_sql "SELECT active_version FROM linkpred.models WHERE name = 'm'")
lpt_ok "its version ($v2) is the active one, newer than $v1" test "$v2" -gt "$v1"
lpt_is "$(lpt_stray_embeddings m)" 0 "no embedding rows outside a listed version"
