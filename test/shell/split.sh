#!/usr/bin/env bash
# Split batch inference: a primary and two streaming standbys (standbys.bash)
# as three nodes, each computing one slice of the users:
#
#   linkpred_shard places keys where the documented hash says (the values
#   test/unit/test_shard.c checks), the same on a standby, the same for a
#   key as smallint, integer or bigint;
#   each node's linkpred_topk_many(NULL, ..., shard => s, shards => 3) holds
#   only users of slice s, every slice some; the three slices, gathered
#   into a table on the primary with COPY ... TO STDOUT | COPY ... FROM
#   STDIN, are row for row (scores in full) the table one linkpred_materialize
#   writes on one node; the same for a given users array (unknown and NULL
#   users included);
#   linkpred_materialize(..., shard => s, shards => 3) in three concurrent
#   sessions (a model with text users and bigint items) fills one table
#   identical to a one-node materialize, each slice replacing only its own
#   users' rows (stale rows of other slices stay until their slice runs),
#   and records nothing in linkpred.materializations;
#   bad slices fail with SQLSTATE 22023 and a hint, only_if_newer with a
#   slice with 0A000, linkpred_shard of an unsupported type with 42804.
set -euo pipefail

source "$(dirname "$0")/standbys.bash"
if [ -z "${LPT_STANDBY_PORTS:-}" ]; then
	lp_standbys_run 2 "$0"
	exit $?
fi

source "$(dirname "$0")/lib.bash"
lpt_start lp_shell_split
read -r S1 S2 <<<"$LPT_STANDBY_PORTS"

# verbose_error SQL: the ERROR and HINT lines SQL raises on the primary
verbose_error() {
	timeout "$LPT_CALL_LIMIT" psql -X -q -A -t -v VERBOSITY=verbose -d "$LPT_DB" -c "$1" 2>&1 |
		grep -E '^(ERROR|HINT)' || true
}
# differ A B: rows of table A not in B plus rows of B not in A (duplicates count)
differ() {
	lpt_sql "SELECT (SELECT count(*) FROM (TABLE $1 EXCEPT ALL TABLE $2) x)
	              + (SELECT count(*) FROM (TABLE $2 EXCEPT ALL TABLE $1) y)"
}
on_port() { local p=$1; shift; PGPORT=$p lpt_psql "$LPT_DB" -c "$*"; }

lpt_small_edges small_edges
lpt_serving_model
lpt_sql "CREATE TABLE t_edges AS SELECT 'u' || user_id AS user_id, item_id FROM small_edges" >/dev/null
lpt_sql "SELECT linkpred_train('t', 't_edges', 'user_id', 'item_id',
                               options => '{\"dim\": 16, \"epochs\": 5, \"seed\": 2}')" >/dev/null
for t in recs_one recs_gathered; do
	lpt_sql "CREATE TABLE $t (user_id bigint, item bigint, rank integer, score double precision)" >/dev/null
done
for t in trecs_one trecs_par; do
	lpt_sql "CREATE TABLE $t (user_id text, item bigint, rank integer, score double precision)" >/dev/null
done
lpt_is "$(lpt_sql "SELECT linkpred_materialize('m', 'recs_one', 10)")" t "one-node materialize of m"
lpt_is "$(lpt_sql "SELECT count(DISTINCT user_id) || ' ' || count(*) FROM recs_one")" "300 3000" \
	"it holds top-10 for the 300 users"
both_caught_up() { lp_standby_caught_up "$S1" && lp_standby_caught_up "$S2"; }
lpt_ok "both standbys replay the models" lpt_wait_until 60 both_caught_up

# ---------------------------------------------------------------- the hash

KNOWN="SELECT concat_ws(' ', linkpred_shard(0::bigint, 3), linkpred_shard(1::bigint, 7), linkpred_shard(2::bigint, 7),
                        linkpred_shard(42::bigint, 7), linkpred_shard(-1::bigint, 3),
                        linkpred_shard(1234567890123::bigint, 7), linkpred_shard(9223372036854775807, 7),
                        linkpred_shard(''::text, 3), linkpred_shard('a'::text, 3), linkpred_shard('alice'::varchar, 3),
                        linkpred_shard('żółw'::text, 3),
                        linkpred_shard('6BA7B810-9DAD-11D1-80B4-00C04FD430C8'::uuid, 3))"
lpt_is "$(lpt_sql "$KNOWN")" "0 6 1 3 0 3 3 0 1 0 1 0" "linkpred_shard gives the documented hash's slices"
lpt_is "$(on_port "$S1" "$KNOWN")" "0 6 1 3 0 3 3 0 1 0 1 0" "and the same on a standby"
lpt_is "$(lpt_sql "SELECT count(*) FROM generate_series(-1000, 1000) x
                   WHERE linkpred_shard(x::smallint, 5) <> linkpred_shard(x::bigint, 5)
                      OR linkpred_shard(x::integer, 5) <> linkpred_shard(x::bigint, 5)")" 0 \
	"a key is in the same slice as smallint, integer or bigint"

# ---------------------------------------------------------------- slices on three nodes

slice_sql() { echo "SELECT * FROM linkpred_topk_many(NULL::bigint[], 10, 'm', shard => $1, shards => 3)"; }
nodes=("$S1 0" "$S2 1" "5432 2")
for node in "${nodes[@]}"; do
	read -r port s <<<"$node"
	lpt_like "$(on_port "$port" "SELECT count(*) || ' ' || count(*) FILTER (WHERE linkpred_shard(user_id, 3) <> $s)
	                              FROM ($(slice_sql "$s")) x")" '^[1-9][0-9]+ 0$' \
		"node on port $port: slice $s has rows, all of users in slice $s"
	PGPORT=$port timeout "$LPT_CALL_LIMIT" psql -X -q -v ON_ERROR_STOP=1 -d "$LPT_DB" \
		-c "COPY ($(slice_sql "$s")) TO STDOUT" |
		lpt_psql "$LPT_DB" -c "COPY recs_gathered FROM STDIN"
done
lpt_is "$(lpt_sql "SELECT count(*) FROM recs_gathered")" 3000 "the three slices gathered on the primary hold 3,000 rows"
lpt_is "$(differ recs_one recs_gathered)" 0 "the gathered table is the one-node materialize, row for row"

USERS="ARRAY(SELECT g FROM generate_series(1, 300) g UNION ALL SELECT 999999 UNION ALL SELECT NULL)::bigint[]"
lpt_sql "CREATE TABLE given_one AS SELECT * FROM linkpred_topk_many($USERS, 5, 'm')" >/dev/null
lpt_sql "CREATE TABLE given_sliced AS SELECT * FROM linkpred_topk_many($USERS, 5, 'm', shard => 0, shards => 3) WITH NO DATA" >/dev/null
for node in "${nodes[@]}"; do
	read -r port s <<<"$node"
	PGPORT=$port timeout "$LPT_CALL_LIMIT" psql -X -q -v ON_ERROR_STOP=1 -d "$LPT_DB" \
		-c "COPY (SELECT * FROM linkpred_topk_many($USERS, 5, 'm', shard => $s, shards => 3)) TO STDOUT" |
		lpt_psql "$LPT_DB" -c "COPY given_sliced FROM STDIN"
done
lpt_is "$(lpt_sql "SELECT count(*) FROM given_one")" 1510 "a users array (300 known, one unknown, one NULL): 1,510 rows"
lpt_is "$(differ given_one given_sliced)" 0 "its three slices gathered are the same rows"

# ---------------------------------------------------------------- sliced materialize, concurrent sessions

lpt_is "$(lpt_sql "SELECT linkpred_materialize('t', 'trecs_one', 10)")" t "one-node materialize of t (text users)"
# a stale row for every user: each slice must replace exactly its own
lpt_sql "INSERT INTO trecs_par SELECT DISTINCT user_id, -1, 99, 0 FROM trecs_one" >/dev/null
lpt_is "$(lpt_sql "SELECT linkpred_materialize('t', 'trecs_par', 10, shard => 0, shards => 3)")" t "slice 0 of t materialized"
got=$(lpt_sql "SELECT concat_ws(' ', count(*) FILTER (WHERE rank = 99 AND linkpred_shard(user_id, 3) = 0),
                                  count(*) FILTER (WHERE rank = 99 AND linkpred_shard(user_id, 3) <> 0),
                                  count(*) FILTER (WHERE rank < 99 AND linkpred_shard(user_id, 3) <> 0),
                                  count(*) FILTER (WHERE rank < 99 AND linkpred_shard(user_id, 3) = 0))
                FROM trecs_par")
want=$(lpt_sql "SELECT concat_ws(' ', 0, count(DISTINCT user_id) FILTER (WHERE linkpred_shard(user_id, 3) <> 0),
                                   0, count(*) FILTER (WHERE linkpred_shard(user_id, 3) = 0))
                FROM trecs_one")
lpt_is "$got" "$want" "slice 0 replaced its users' stale rows with their top-10 and left the other slices' rows alone"
pids=()
for s in 0 1 2; do
	lpt_psql "$LPT_DB" -c "SELECT linkpred_materialize('t', 'trecs_par', 10, shard => $s, shards => 3)" \
		>"$LP_TMP/split_mat$s.out" 2>&1 &
	pids+=($!)
done
rcs=0
for p in "${pids[@]}"; do wait "$p" || rcs=$((rcs + 1)); done
lpt_is "$rcs" 0 "three sessions materialize their slices of t at once"
lpt_is "$(differ trecs_one trecs_par)" 0 "the table they fill is the one-node materialize, row for row"
lpt_is "$(lpt_sql "SELECT count(*) FROM linkpred.materializations WHERE target = 'trecs_par'::regclass")" 0 \
	"a sliced materialize records no version for the table"

# ---------------------------------------------------------------- bad slices

bad() {
	local what=$1 code=$2 sql=$3 out
	out=$(verbose_error "$sql")
	lpt_like "$out" "^ERROR:  $code: " "$what fails with SQLSTATE $code"
	lpt_like "$out" "HINT:  " "$what: with a hint"
}
bad "topk_many: shard without shards" 22023 "SELECT * FROM linkpred_topk_many(NULL::bigint[], 5, 'm', shard => 1)"
bad "topk_many: shards without shard" 22023 "SELECT * FROM linkpred_topk_many(NULL::bigint[], 5, 'm', shards => 2)"
bad "topk_many: shards 0" 22023 "SELECT * FROM linkpred_topk_many(NULL::bigint[], 5, 'm', shard => 0, shards => 0)"
bad "topk_many: shard 3 of 3" 22023 "SELECT * FROM linkpred_topk_many(NULL::bigint[], 5, 'm', shard => 3, shards => 3)"
bad "topk_many: shard -1" 22023 "SELECT * FROM linkpred_topk_many(NULL::bigint[], 5, 'm', shard => -1, shards => 3)"
bad "materialize: shard without shards" 22023 "SELECT linkpred_materialize('m', 'recs_one', shard => 0)"
bad "materialize: shard 5 of 2" 22023 "SELECT linkpred_materialize('m', 'recs_one', shard => 5, shards => 2)"
bad "materialize: shards -2" 22023 "SELECT linkpred_materialize('m', 'recs_one', shard => 0, shards => -2)"
bad "materialize: only_if_newer with a slice" 0A000 \
	"SELECT linkpred_materialize('m', 'recs_one', only_if_newer => true, shard => 0, shards => 2)"
bad "linkpred_shard of a numeric" 42804 "SELECT linkpred_shard(1.5, 2)"
bad "linkpred_shard into 0 slices" 22023 "SELECT linkpred_shard(1, 0)"
lpt_is "$(differ recs_one recs_gathered)" 0 "the failed calls changed nothing"
