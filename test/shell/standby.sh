#!/usr/bin/env bash
# Hot standbys, on a primary of its own with two streaming standbys
# (standbys.bash: pg_basebackup -R, Unix sockets in the test's directory,
# linkpred in shared_preload_libraries everywhere):
#
#   the read functions answer on both standbys exactly as on the primary
#   (linkpred_score, linkpred_topk, linkpred_topk_many, the views, and
#   linkpred_wait for a finished job);
#   a retrain and a linkpred_activate on the primary reach both standbys
#   with no restart (same postmaster start time), each standby's shared
#   cache then holds only the served version, and statements that run on
#   the standbys while the primary switches versions back and forth serve
#   each exactly one version, never a mix;
#   every function that writes (linkpred_train, _cancel, _drop, _activate,
#   _evaluate, _materialize) fails up front with SQLSTATE 25006
#   (read_only_sql_transaction) and the hint to run it on the primary, and
#   linkpred_wait refuses (25006) to wait for a job still running there;
#   after linkpred_drop on the primary, replay removes the model and each
#   standby's shared cache drops its copy.
set -euo pipefail

source "$(dirname "$0")/standbys.bash"
if [ -z "${LPT_STANDBY_PORTS:-}" ]; then
	lp_standbys_run 2 "$0"
	exit $?
fi

source "$(dirname "$0")/lib.bash"
lpt_start lp_shell_standby

read -r S1 S2 <<<"$LPT_STANDBY_PORTS"
# on PORT SQL...: run SQL on the server at PORT, in the test's database
on() { local p=$1; shift; PGPORT=$p lpt_psql "$LPT_DB" -c "$*"; }
on_standby() { on "$S1" "$@"; }
# standby_error SQL: the error SQL raises on the first standby, verbose (SQLSTATE, hint)
standby_error() {
	PGPORT=$S1 timeout "$LPT_CALL_LIMIT" psql -X -q -A -t -v VERBOSITY=verbose -d "$LPT_DB" \
		-c "$1" 2>&1 | grep -E '^(ERROR|HINT)' || true
}
# both standbys have replayed everything the primary has written so far
caught_up() { lp_standby_caught_up "$S1" && lp_standby_caught_up "$S2"; }

# the test's database was created on the primary a moment ago: wait for the
# standbys to replay it before the first question asked there
lpt_wait_until 30 caught_up || true
for p in $S1 $S2; do
	lpt_is "$(on "$p" "SELECT pg_is_in_recovery()")" t "the standby on port $p is in recovery"
done
lpt_like "$(on "$S1" "SHOW shared_preload_libraries")" linkpred "the standbys preload linkpred"

lpt_small_edges small_edges
lpt_serving_model
job=$(lpt_sql "SELECT job_id FROM linkpred.versions WHERE model = 'm' AND active")
lpt_sql "CREATE TABLE recs (user_id bigint, item bigint, rank integer, score real)" >/dev/null
TOPK_MANY="SELECT md5(string_agg(user_id || ':' || item || ':' || score, ',' ORDER BY user_id, rank))
           FROM linkpred_topk_many(ARRAY[1, 2, 3, 50, 299]::bigint[], 10, model => 'm')"
VIEWS="SELECT concat_ws(' | ', (SELECT name || ' ' || active_version FROM linkpred.models),
                        (SELECT string_agg(id || ' ' || state, ',' ORDER BY id) FROM linkpred.jobs))"
many=$(lpt_sql "$TOPK_MANY")
views=$(lpt_sql "$VIEWS")
lpt_ok "the standbys replay the trained model" lpt_wait_until 30 caught_up

# ---------------------------------------------------------------- reads

for p in $S1 $S2; do
	lpt_is "$(PGPORT=$p lpt_fingerprint m)" "$LPT_BEFORE" \
		"port $p: linkpred_score and linkpred_topk answer exactly as on the primary"
	lpt_is "$(on "$p" "$TOPK_MANY")" "$many" "port $p: linkpred_topk_many too"
	lpt_is "$(on "$p" "$VIEWS")" "$views" "port $p: linkpred.models and linkpred.jobs show the same"
	lpt_is "$(on "$p" "SELECT linkpred_wait($job)")" done "port $p: linkpred_wait of a finished job answers"
done

# ---------------------------------------------------------------- new versions reach the standbys

# one statement that calls linkpred many times: the md5 of 300 users' top-5
# and 300 scores; a statement that mixed two versions would match neither's
STMT="SELECT md5(concat_ws(';',
        (SELECT string_agg(user_id || ':' || item || ':' || score, ',' ORDER BY user_id, rank)
         FROM linkpred_topk_many(ARRAY(SELECT generate_series(1, 300))::bigint[], 5, model => 'm')),
        (SELECT string_agg(linkpred_score(u::bigint, (u % 100 + 1)::bigint, model => 'm')::text, ',' ORDER BY u)
         FROM generate_series(1, 300) u)))"
started() { on "$1" "SELECT pg_postmaster_start_time()"; }
start1=$(started "$S1")
start2=$(started "$S2")
sig1=$(lpt_sql "$STMT")
lpt_sql "SELECT linkpred_train('m', 'small_edges', 'user_id', 'item_id',
                               options => '{\"dim\": 16, \"epochs\": 5, \"seed\": 7, \"warm_start\": false}')" >/dev/null
v2=$(lpt_sql "SELECT active_version FROM linkpred.models WHERE name = 'm'")
after=$(lpt_fingerprint m)
sig2=$(lpt_sql "$STMT")
lpt_isnt "$sig2" "$sig1" "the retrain (version $v2) serves other scores on the primary"
lpt_ok "the standbys replay the retrain" lpt_wait_until 30 caught_up
for p in $S1 $S2; do
	lpt_is "$(PGPORT=$p lpt_fingerprint m)" "$after" "port $p: the retrained version serves, as on the primary"
	lpt_is "$(on "$p" "SELECT string_agg(version || ':' || state, ' ' ORDER BY version)
	                   FROM linkpred_cache_status() WHERE shared AND model = 'm'")" "$v2:ready" \
		"port $p: its shared cache holds the new version only"
done
lpt_sql "SELECT linkpred_activate('m', $LPT_V1)" >/dev/null
lpt_ok "the standbys replay linkpred_activate" lpt_wait_until 30 caught_up
for p in $S1 $S2; do
	lpt_is "$(PGPORT=$p lpt_fingerprint m)" "$LPT_BEFORE" "port $p: the activated version $LPT_V1 serves again"
done

# statements on both standbys, over and over, while the primary switches
# the active version back and forth
stop=$(lpt_tmpfile)
rm -f "$stop"
pids=()
for p in $S1 $S2; do
	out=$LP_TMP/standby_sigs$p
	: >"$out"
	(
		while [ ! -e "$stop" ]; do
			for _ in 1 2 3 4 5; do echo "$STMT;"; done |
				PGPORT=$p timeout "$LPT_CALL_LIMIT" psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$LPT_DB" >>"$out" 2>&1 || {
				echo "psql failed" >>"$out"
				break
			}
		done
	) &
	pids+=($!)
done
for v in "$v2" "$LPT_V1" "$v2" "$LPT_V1"; do
	lpt_sql "SELECT linkpred_activate('m', $v)" >/dev/null
	lpt_wait_until 30 caught_up || true
	sleep 1
done
touch "$stop"
for pid in "${pids[@]}"; do wait "$pid" || true; done
for p in $S1 $S2; do
	out=$LP_TMP/standby_sigs$p
	lpt_is "$(grep -cvxE "$sig1|$sig2" "$out" || true)" 0 \
		"port $p: each of $(wc -l <"$out") statements served exactly one version (no mix, no error)"
	lpt_ok "port $p: the statements saw both versions" \
		bash -c "grep -qx '$sig1' '$out' && grep -qx '$sig2' '$out'"
	lpt_is "$(started "$p")" "$([ "$p" = "$S1" ] && echo "$start1" || echo "$start2")" \
		"port $p: with no restart"
done

# ---------------------------------------------------------------- writes

HINT='HINT:  Run it on the primary server; replication brings the change here.'
refused() {
	local fn=$1 sql=$2 out
	out=$(standby_error "$sql")
	lpt_like "$out" "^ERROR:  25006: cannot run $fn\(\) on a standby server" "$fn fails on the standby with SQLSTATE 25006"
	lpt_like "$out" "$HINT" "$fn: the hint says to run it on the primary"
}
refused linkpred_train "SELECT linkpred_train('m2', 'small_edges', 'user_id', 'item_id')"
refused linkpred_cancel "SELECT linkpred_cancel($job)"
refused linkpred_drop "SELECT linkpred_drop('m')"
refused linkpred_activate "SELECT linkpred_activate('m', 1)"
refused linkpred_evaluate "SELECT * FROM linkpred_evaluate('m')"
refused linkpred_materialize "SELECT linkpred_materialize('m', 'recs')"

# a job running on the primary: the standby cannot wait for it
lpt_big_edges big_edges
long=$(lpt_sql "SELECT linkpred_train('long', 'big_edges', 'user_id', 'item_id',
                                      options => '{\"encoder\": \"mf\", \"epochs\": 1000, \"seed\": 1}', wait => false)")
lpt_ok "job $long is in its training loop on the primary" lpt_wait_training "$long"
lpt_ok "the standby replays its running state" lpt_wait_until 30 caught_up
out=$(standby_error "SELECT linkpred_wait($long)")
lpt_like "$out" "^ERROR:  25006: cannot wait for linkpred job $long on a standby server" \
	"linkpred_wait of a job still running fails on the standby with SQLSTATE 25006"
lpt_like "$out" 'HINT:  Run linkpred_wait\(\) on the primary server' "and says where to wait for it"
lpt_is "$(lpt_sql "SELECT linkpred_cancel($long)")" t "the primary cancels the job"
lpt_is "$(lpt_sql "SELECT linkpred_wait($long)")" cancelled "and its linkpred_wait sees it end"

# ---------------------------------------------------------------- a drop replayed

lpt_ok "the standbys replay the cancel" lpt_wait_until 30 caught_up
for p in $S1 $S2; do
	on "$p" "SELECT count(*) FROM linkpred_topk(1::bigint, 5, model => 'm')" >/dev/null
	lpt_is "$(on "$p" "SELECT count(*) FROM linkpred_cache_status() WHERE shared AND model = 'm' AND state = 'ready'")" 1 \
		"port $p: a shared copy of m serves"
done
lpt_is "$(lpt_sql "SELECT linkpred_drop('m')")" t "the primary drops m"
lpt_ok "the standbys replay the drop" lpt_wait_until 30 caught_up
lpt_is "$(on "$S1" "SELECT count(*) FROM linkpred_cache_status() WHERE model = 'm'")" 0 \
	"port $S1: its shared cache dropped the copy of m"
out=$(PGPORT=$S2 timeout "$LPT_CALL_LIMIT" psql -X -q -A -t -d "$LPT_DB" \
	-c "SELECT * FROM linkpred_topk(1::bigint, 5, model => 'm')" 2>&1 || true)
lpt_like "$out" 'linkpred model "m" does not exist' "port $S2: serving m fails: it does not exist"
lpt_is "$(on "$S2" "SELECT count(*) FROM linkpred_cache_status() WHERE model = 'm'")" 0 \
	"port $S2: and its shared cache dropped the copy"
