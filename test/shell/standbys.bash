# standbys.bash: sourced by the shell tests that need streaming standbys
# (standby.sh, split.sh); not a test itself (test/run.sh runs only *.sh).
#
# lp_standbys_run N SCRIPT: the outer run of SCRIPT.  Starts a primary of
# its own with linkpred preloaded (and WAL for replicas), N hot standbys
# made with pg_basebackup -R streaming from it (Unix sockets in the same
# directory, ports 5433, 5434, ...), runs SCRIPT again against the primary
# with LPT_STANDBY_PORTS="5433 5434 ..." exported, prints the log tails of a
# failed run, stops everything and returns SCRIPT's exit code.
#
# Inside the inner run (after lib.bash and lpt_start), lp_standby_caught_up
# PORT says whether the standby at PORT has replayed all the primary wrote.

source "$(dirname "${BASH_SOURCE[0]}")/../cluster.sh"

lp_standbys_run() {
	local n=$1 script=$2 i port rc
	lp_cluster_start "wal_level = replica" "max_wal_senders = 8" "shared_preload_libraries = 'linkpred'"
	LP_STANDBY_PORTS=
	for ((i = 1; i <= n; i++)); do
		LP_STANDBY_PORTS="${LP_STANDBY_PORTS:+$LP_STANDBY_PORTS }$((5432 + i))"
	done
	lp_standbys_stop() {
		local p
		for p in $LP_STANDBY_PORTS; do
			lp_as_owner "$LP_BINDIR/pg_ctl" -D "$LP_TMP/standby$p" -m immediate -w stop >/dev/null 2>&1 || true
		done
		lp_cluster_stop
	}
	trap lp_standbys_stop EXIT
	for port in $LP_STANDBY_PORTS; do
		lp_as_owner "$LP_BINDIR/pg_basebackup" -h "$LP_TMP" -p 5432 -U "$LP_OWNER" -D "$LP_TMP/standby$port" -R -X stream -c fast \
			>"$LP_TMP/basebackup$port.log" 2>&1 || { cat "$LP_TMP/basebackup$port.log" >&2; return 1; }
		echo "port = $port" >>"$LP_TMP/standby$port/postgresql.conf"
		(cd "$LP_TMP" && lp_as_owner "$LP_BINDIR/pg_ctl" -D "$LP_TMP/standby$port" -l "$LP_TMP/standby$port.log" -w start >/dev/null) ||
			{ cat "$LP_TMP/standby$port.log" >&2; return 1; }
	done
	set +e
	LPT_STANDBY_PORTS=$LP_STANDBY_PORTS bash "$script"
	rc=$?
	set -e
	if [ "$rc" -ne 0 ]; then
		echo "# primary log tail:"
		tail -n 20 "$LP_TMP/server.log" | sed 's/^/#   /'
		for port in $LP_STANDBY_PORTS; do
			echo "# standby $port log tail:"
			tail -n 20 "$LP_TMP/standby$port.log" | sed 's/^/#   /'
		done
	fi
	return "$rc"
}

lp_standby_caught_up() {
	local lsn
	lsn=$(lpt_psql postgres -c "SELECT pg_current_wal_lsn()")
	[ "$(PGPORT=$1 lpt_psql postgres -c "SELECT pg_last_wal_replay_lsn() >= '$lsn'")" = t ]
}
