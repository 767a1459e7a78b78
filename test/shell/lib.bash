# lib.bash: sourced by the shell tests in test/shell/*.sh (not a test itself:
# test/run.sh runs only *.sh files).
#
# The tests run against the throwaway cluster that test/run.sh started; they
# never start one.  run.sh exports PGHOST (the cluster's directory, which
# holds its socket, data/ and server.log), PGPORT and PGUSER (the cluster's
# OS user and superuser).  LP_TMP and LP_OWNER are taken from them unless
# they are set.  Client programs run as whoever runs the test; pg_ctl runs as
# the cluster's owner (lp_as_owner, from cluster.sh).
#
# Each test gets its own database, prints TAP lines ("ok N - ...",
# "not ok N - ...", then "1..N"), drops its database on exit and exits
# non-zero if any check failed or the script stopped early.  Every wait has
# a deadline and every client call a time limit, so no test can hang.

source "$(dirname "${BASH_SOURCE[0]}")/../cluster.sh"

: "${PGHOST:?the shell tests run under test/run.sh, which exports PGHOST, PGPORT and PGUSER}"
: "${PGUSER:?the shell tests run under test/run.sh, which exports PGHOST, PGPORT and PGUSER}"
LP_TMP=${LP_TMP:-$PGHOST}
LP_OWNER=${LP_OWNER:-$PGUSER}
LPT_DATA=$LP_TMP/data
LPT_LOG=$LP_TMP/server.log
export PGAPPNAME=linkpred_shell_test
# NOTICEs (skipped rows and the like) are not what these tests look at
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"
[ -f "$LPT_DATA/PG_VERSION" ] || { echo "Bail out! no cluster data directory at $LPT_DATA" >&2; exit 1; }

LPT_N=0
LPT_FAILED=0
LPT_DB=
LPT_DBS=()
LPT_FILES=()
# a time limit for each client call, in seconds
LPT_CALL_LIMIT=${LPT_CALL_LIMIT:-120}
LPT_ERR_LINE=
LPT_ERR_CMD=

# lpt_diag LINE...: TAP comment lines
lpt_diag() { printf '%s\n' "$@" | sed 's/^/# /'; }

lpt_pass() { LPT_N=$((LPT_N + 1)); echo "ok $LPT_N - $1"; }
lpt_fail() {
	LPT_N=$((LPT_N + 1)); LPT_FAILED=$((LPT_FAILED + 1))
	echo "not ok $LPT_N - $1"
	shift
	[ $# -eq 0 ] || lpt_diag "$@"
}

# lpt_ok DESCRIPTION COMMAND...: passes when COMMAND succeeds
lpt_ok() {
	local desc=$1; shift
	if "$@"; then lpt_pass "$desc"; else lpt_fail "$desc" "failed: $*"; fi
}

# lpt_is GOT EXPECTED DESCRIPTION
lpt_is() {
	if [ "$1" == "$2" ]; then
		lpt_pass "$3"
	else
		lpt_fail "$3" "got:      $1" "expected: $2"
	fi
}

# lpt_isnt GOT UNEXPECTED DESCRIPTION
lpt_isnt() {
	if [ "$1" != "$2" ]; then lpt_pass "$3"; else lpt_fail "$3" "got $1, which it must not be"; fi
}

# lpt_like GOT EXTENDED_REGEX DESCRIPTION
lpt_like() {
	# a here-string, not printf | grep -q: under pipefail, grep -q's early
	# exit could fail printf with SIGPIPE and the match with it
	if grep -Eq -- "$2" <<<"$1"; then
		lpt_pass "$3"
	else
		lpt_fail "$3" "got:      $1" "expected to match: $2"
	fi
}

# lpt_psql DB ARGS...: psql in DB, unaligned, tuples only, stop at the first error
lpt_psql() {
	local db=$1; shift
	timeout "$LPT_CALL_LIMIT" psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$db" "$@"
}

# lpt_sql SQL...: run SQL in the test's database, print the result rows
lpt_sql() { lpt_psql "$LPT_DB" -c "$*"; }

# lpt_pg_ctl ARGS...: pg_ctl on the cluster, as its owner, from a directory
# the owner can enter, logging to the cluster's log as run.sh does
lpt_pg_ctl() {
	(cd "$LP_TMP" && lp_as_owner "$LP_BINDIR/pg_ctl" -D "$LPT_DATA" "$@" >/dev/null)
}

lpt_ready() { pg_isready -q -h "$PGHOST" -p "$PGPORT" -t 2 >/dev/null 2>&1; }

# lpt_wait_until SECONDS COMMAND...: poll COMMAND every 0.2 s until it
# succeeds (returns 0) or SECONDS have passed (returns 1)
lpt_wait_until() {
	local deadline=$((SECONDS + $1)); shift
	while :; do
		if "$@" 2>/dev/null; then return 0; fi
		[ "$SECONDS" -lt "$deadline" ] || return 1
		sleep 0.2
	done
}

# the server accepts connections and runs queries
lpt_serving() { lpt_ready && [ "$(lpt_psql postgres -c 'SELECT 1' 2>/dev/null)" = 1 ]; }

# lpt_job_is JOB SQL_CONDITION: the job's row in linkpred.jobs meets the condition
lpt_job_is() {
	[ "$(lpt_sql "SELECT count(*) FROM linkpred.jobs WHERE id = $1 AND ($2)")" = 1 ]
}

# lpt_log_size: the server log's size now, to read only what follows
lpt_log_size() { stat -c %s "$LPT_LOG"; }
# lpt_log_since OFFSET: the server log after OFFSET
lpt_log_since() { tail -c +"$(($1 + 1))" "$LPT_LOG"; }

# a file of this test, removed on exit
lpt_tmpfile() {
	local f
	f=$(mktemp "$LP_TMP/shelltest.XXXXXX")
	LPT_FILES+=("$f")
	echo "$f"
}

lpt_finish() {
	local rc=$1
	trap - EXIT ERR
	set +e
	if [ "$rc" -ne 0 ] && [ "$LPT_FAILED" -eq 0 ]; then
		lpt_fail "the test ran to its end" "stopped with status $rc at line ${LPT_ERR_LINE:-?}: ${LPT_ERR_CMD:-?}"
	fi
	# leave the cluster running for the tests that follow
	if ! lpt_ready; then
		lpt_diag "the server is down; starting it again"
		lpt_pg_ctl -l "$LPT_LOG" -w -t 60 start 2>/dev/null
		lpt_wait_until 60 lpt_serving || lpt_diag "the server did not come back"
	fi
	local db
	for db in "${LPT_DBS[@]}"; do
		lpt_psql postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 ||
			lpt_diag "could not drop database $db"
	done
	[ ${#LPT_FILES[@]} -eq 0 ] || rm -f "${LPT_FILES[@]}"
	echo "1..$LPT_N"
	[ "$LPT_FAILED" -eq 0 ] || { lpt_diag "$LPT_FAILED of $LPT_N checks failed"; exit 1; }
	exit "$rc"
}

# Servers a test starts beside the cluster (fdw_sources.sh, citus.sh): one
# per port, each in $LPT_SERVERS_DIR/PORT (cluster.sh's
# lp_plain_cluster_start), stopped and removed however the test ends.
LPT_SERVERS_DIR=
LPT_SERVERS=()

# lpt_servers PREFIX PORT...: after lpt_start, the servers' directory (owned
# by the cluster's OS user) and their ports.  A test that must undo more (its
# roles) defines lpt_servers_cleanup, run after its database is dropped.
lpt_servers() {
	LPT_SERVERS_DIR=$(mktemp -d "/tmp/$1.XXXXXX")
	shift
	LPT_SERVERS=("$@")
	chmod 755 "$LPT_SERVERS_DIR"
	chown "$LP_OWNER" "$LPT_SERVERS_DIR"
	# the TAP lines go to the test's output also when a command whose
	# output was sent elsewhere stopped the script
	exec 8>&1 9>&2
	trap 'lpt_servers_finish $?' EXIT
}

lpt_servers_finish() {
	local rc=$1 p
	set +e
	exec 1>&8 2>&9
	for p in "${LPT_SERVERS[@]}"; do
		[ -d "$LPT_SERVERS_DIR/$p/data" ] && lp_plain_cluster_stop "$LPT_SERVERS_DIR/$p" immediate
	done
	lpt_psql postgres -c "DROP DATABASE IF EXISTS $LPT_DB WITH (FORCE)" >/dev/null 2>&1
	if declare -F lpt_servers_cleanup >/dev/null; then lpt_servers_cleanup; fi
	[ -n "${LP_KEEP_TMP:-}" ] || rm -rf "$LPT_SERVERS_DIR"
	lpt_finish "$rc"
}

# lpt_start DB: a fresh database with the extension; clean up on exit
lpt_start() {
	LPT_DB=$1
	set -E
	trap 'LPT_ERR_LINE=$LINENO LPT_ERR_CMD=$BASH_COMMAND' ERR
	trap 'lpt_finish $?' EXIT
	lpt_wait_until 60 lpt_serving || { lpt_fail "the server accepts connections"; exit 1; }
	lpt_new_db "$LPT_DB"
	lpt_sql "CREATE EXTENSION linkpred" >/dev/null
}

# lpt_new_db DB: a fresh, empty database, dropped on exit
lpt_new_db() {
	LPT_DBS+=("$1")
	lpt_psql postgres -c "SET client_min_messages = warning" \
		-c "DROP DATABASE IF EXISTS $1 WITH (FORCE)" -c "CREATE DATABASE $1" >/dev/null
}

# lpt_fingerprint MODEL: what MODEL serves, as one line: its active version,
# the scores of twenty fixed pairs and the top five of one user.  The scores
# print in full precision, so equal lines mean the same embeddings serve.
lpt_fingerprint() {
	lpt_sql "SELECT concat_ws(' | ',
	    (SELECT active_version FROM linkpred.models WHERE name = '$1'),
	    (SELECT string_agg(coalesce(linkpred_score(u::bigint, (u * 3 % 100 + 1)::bigint, model => '$1')::text, 'null'),
	                       ',' ORDER BY u)
	     FROM generate_series(1, 20) u),
	    (SELECT string_agg(item || ':' || score, ',' ORDER BY score DESC, item)
	     FROM linkpred_topk(3::bigint, 5, model => '$1')))"
}

# lpt_small_edges TABLE: a small bipartite edge table (300 users, 100 items,
# about 8,600 edges) with some structure to learn
lpt_small_edges() {
	lpt_sql "CREATE TABLE $1 AS
	    SELECT u::bigint AS user_id, i::bigint AS item_id
	    FROM generate_series(1, 300) u, generate_series(1, 100) i
	    WHERE (u * 37 + i * 11) % 7 < 2" >/dev/null
}

# lpt_big_edges TABLE: 200,000 edge rows (20,000 users, 5,000 items): a
# thousand epochs over them take far longer than any test waits
lpt_big_edges() {
	lpt_sql "CREATE TABLE $1 AS
	    SELECT u::bigint AS user_id, ((u * 31 + i * 17) % 5000)::bigint AS item_id
	    FROM generate_series(1, 20000) u, generate_series(1, 10) i" >/dev/null
}

# lpt_wait_training JOB: wait (60 s at most) until JOB is in its training loop
lpt_wait_training() {
	lpt_wait_until 60 lpt_job_is "$1" "state = 'running' AND phase = 'training' AND epoch IS NOT NULL"
}

# lpt_serving_model: model m trained on small_edges (lpt_small_edges) and
# checked to serve; its version in LPT_V1, its fingerprint in LPT_BEFORE
lpt_serving_model() {
	lpt_sql "SELECT linkpred_train('m', 'small_edges', 'user_id', 'item_id',
	                               options => '{\"dim\": 16, \"epochs\": 5, \"seed\": 1}')" >/dev/null
	LPT_V1=$(lpt_sql "SELECT active_version FROM linkpred.models WHERE name = 'm'")
	LPT_BEFORE=$(lpt_fingerprint m)
	lpt_like "$LPT_BEFORE" '^[0-9]+ \| -?[0-9]' "model m serves version $LPT_V1"
}

# lpt_long_retrain SEED: a 1000-epoch retraining of m on big_edges
# (lpt_big_edges), waited for until it is in its training loop; id in LPT_LONG.
# The encoder is named: a bipartite graph this size would otherwise have it
# chosen first, on a validation part, through a 1000-epoch trial
lpt_long_retrain() {
	LPT_LONG=$(lpt_sql "SELECT linkpred_train('m', 'big_edges', 'user_id', 'item_id',
	                                          options => '{\"encoder\": \"mf\", \"epochs\": 1000, \"seed\": $1, \"warm_start\": false}', wait => false)")
	lpt_ok "the retraining job $LPT_LONG reaches its training loop" lpt_wait_training "$LPT_LONG"
}

# lpt_stray_embeddings MODEL: rows of MODEL's embeddings that belong to no
# listed version (a half-written version would show here)
lpt_stray_embeddings() {
	lpt_sql "SELECT count(*) FROM linkpred.embedding_store e
	         WHERE e.model = '$1'
	           AND NOT EXISTS (SELECT 1 FROM linkpred.version_catalog v
	                           WHERE v.model = e.model AND v.version = e.version)"
}
