#!/usr/bin/env bash
# A hot standby, on a primary of its own with one streaming standby
# (pg_basebackup -R, Unix sockets in the test's directory):
#
#   the read functions answer on the standby exactly as on the primary
#   (linkpred_score, linkpred_topk, linkpred_topk_many, the views, and
#   linkpred_wait for a finished job);
#   every function that writes (linkpred_train, _cancel, _drop, _activate,
#   _evaluate, _materialize) fails up front with SQLSTATE 25006
#   (read_only_sql_transaction) and the hint to run it on the primary, and
#   linkpred_wait refuses (25006) to wait for a job still running there.
set -euo pipefail

if [ -z "${LPT_STANDBY_PORT:-}" ]; then
	# the outer run: a primary and its standby, then this file against both
	source "$(dirname "$0")/../cluster.sh"
	lp_cluster_start "wal_level = replica" "max_wal_senders = 4"
	standby_stop() {
		lp_as_owner "$LP_BINDIR/pg_ctl" -D "$LP_TMP/standby" -m immediate -w stop >/dev/null 2>&1 || true
		lp_cluster_stop
	}
	trap standby_stop EXIT
	lp_as_owner "$LP_BINDIR/pg_basebackup" -h "$LP_TMP" -p 5432 -U "$LP_OWNER" -D "$LP_TMP/standby" -R -X stream \
		>"$LP_TMP/basebackup.log" 2>&1 || { cat "$LP_TMP/basebackup.log" >&2; exit 1; }
	echo "port = 5433" >>"$LP_TMP/standby/postgresql.conf"
	(cd "$LP_TMP" && lp_as_owner "$LP_BINDIR/pg_ctl" -D "$LP_TMP/standby" -l "$LP_TMP/standby.log" -w start >/dev/null) ||
		{ cat "$LP_TMP/standby.log" >&2; exit 1; }
	set +e
	LPT_STANDBY_PORT=5433 bash "$0"
	rc=$?
	if [ "$rc" -ne 0 ]; then
		echo "# standby log tail:"
		tail -n 20 "$LP_TMP/standby.log" | sed 's/^/#   /'
	fi
	exit "$rc"
fi

source "$(dirname "$0")/lib.bash"
lpt_start lp_shell_standby

# on_standby SQL...: run SQL on the standby, in the test's database
on_standby() { PGPORT=$LPT_STANDBY_PORT lpt_psql "$LPT_DB" -c "$*"; }
# standby_error SQL: the error SQL raises on the standby, verbose (SQLSTATE, hint)
standby_error() {
	PGPORT=$LPT_STANDBY_PORT timeout "$LPT_CALL_LIMIT" psql -X -q -A -t -v VERBOSITY=verbose -d "$LPT_DB" \
		-c "$1" 2>&1 | grep -E '^(ERROR|HINT)' || true
}
# the standby has replayed everything the primary has written so far
caught_up() {
	local lsn
	lsn=$(lpt_psql postgres -c "SELECT pg_current_wal_lsn()")
	[ "$(PGPORT=$LPT_STANDBY_PORT lpt_psql postgres -c "SELECT pg_last_wal_replay_lsn() >= '$lsn'")" = t ]
}

# the test's database was created on the primary a moment ago: wait for the
# standby to replay it before the first question asked there
lpt_wait_until 30 caught_up || true
lpt_is "$(on_standby "SELECT pg_is_in_recovery()")" t "the standby is in recovery"

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
lpt_ok "the standby replays the trained model" lpt_wait_until 30 caught_up

# ---------------------------------------------------------------- reads

lpt_is "$(PGPORT=$LPT_STANDBY_PORT lpt_fingerprint m)" "$LPT_BEFORE" \
	"linkpred_score and linkpred_topk answer on the standby exactly as on the primary"
lpt_is "$(on_standby "$TOPK_MANY")" "$many" "linkpred_topk_many too"
lpt_is "$(on_standby "$VIEWS")" "$views" "linkpred.models and linkpred.jobs show the same"
lpt_is "$(on_standby "SELECT linkpred_wait($job)")" done "linkpred_wait of a finished job answers on the standby"

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
                                      options => '{\"epochs\": 1000, \"seed\": 1}', wait => false)")
lpt_ok "job $long is in its training loop on the primary" lpt_wait_training "$long"
lpt_ok "the standby replays its running state" lpt_wait_until 30 caught_up
out=$(standby_error "SELECT linkpred_wait($long)")
lpt_like "$out" "^ERROR:  25006: cannot wait for linkpred job $long on a standby server" \
	"linkpred_wait of a job still running fails on the standby with SQLSTATE 25006"
lpt_like "$out" 'HINT:  Run linkpred_wait\(\) on the primary server' "and says where to wait for it"
lpt_is "$(lpt_sql "SELECT linkpred_cancel($long)")" t "the primary cancels the job"
lpt_is "$(lpt_sql "SELECT linkpred_wait($long)")" cancelled "and its linkpred_wait sees it end"
