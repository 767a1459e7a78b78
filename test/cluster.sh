# cluster.sh: sourced by test/run.sh, test/demo.sh and bench/run.sh.
#
# Installs what a fresh Debian 12 machine lacks (when run as root), builds
# and installs the extension, and runs a throwaway PostgreSQL cluster in a
# temporary directory: unix socket only, owned by an unprivileged OS user
# (initdb refuses root), removed on exit.

set -euo pipefail

LP_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LP_PACKAGES="postgresql-15 postgresql-server-dev-15 libopenblas-dev postgresql-15-pgtap pgtap postgresql-15-cron make gcc"

lp_log() { printf '== %s\n' "$*" >&2; }

lp_install_packages() {
	local missing=()
	for p in $LP_PACKAGES; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	if [ "$(id -u)" -ne 0 ]; then
		lp_log "missing Debian packages: ${missing[*]} (run as root to install them)"
		return 1
	fi
	lp_log "installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

lp_build_install() {
	lp_log "building and installing linkpred"
	make -C "$LP_SRC" -s -j2 >/dev/null
	if ! make -C "$LP_SRC" -s install >/dev/null; then
		lp_log "make install failed: installing into PostgreSQL needs root (or sudo)"
		return 1
	fi
}

# Binaries of the PostgreSQL that pg_config belongs to.
LP_BINDIR=$(pg_config --bindir 2>/dev/null || echo /usr/lib/postgresql/15/bin)

lp_as_owner() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u "$LP_OWNER" -- "$@"
	else
		"$@"
	fi
}

# make sanitize runs the server under valgrind (not a make test package)
lp_install_valgrind() {
	[ "$(id -u)" -eq 0 ] || { lp_log "valgrind is missing (run as root to install it)"; return 1; }
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends valgrind >/dev/null
}

# lp_cluster_start [extra postgresql.conf lines...]
lp_cluster_start() {
	LP_OWNER=$(id -un)
	[ "$(id -u)" -eq 0 ] && LP_OWNER=postgres
	LP_TMP=$(mktemp -d /tmp/linkpred.XXXXXX)
	chmod 755 "$LP_TMP"
	chown "$LP_OWNER" "$LP_TMP"
	export PGHOST="$LP_TMP" PGPORT=5432 PGUSER="$LP_OWNER" PGDATABASE=postgres
	trap lp_cluster_stop EXIT
	lp_log "starting a throwaway cluster in $LP_TMP as OS user $LP_OWNER"
	lp_as_owner "$LP_BINDIR/initdb" -D "$LP_TMP/data" -U "$LP_OWNER" -A trust --no-sync >"$LP_TMP/initdb.log" 2>&1 \
		|| { cat "$LP_TMP/initdb.log" >&2; return 1; }
	{
		echo "listen_addresses = ''"
		echo "unix_socket_directories = '$LP_TMP'"
		echo "port = 5432"
		echo "fsync = off"
		echo "max_worker_processes = 16"
		echo "log_min_messages = warning"
		for line in "$@"; do echo "$line"; done
	} >>"$LP_TMP/data/postgresql.conf"
	# LP_POSTGRES: another program to start as the server (make sanitize: postgres under valgrind)
	lp_as_owner "$LP_BINDIR/pg_ctl" -D "$LP_TMP/data" -l "$LP_TMP/server.log" -w -t 600 \
		${LP_POSTGRES:+-p "$LP_POSTGRES"} start >/dev/null \
		|| { cat "$LP_TMP/server.log" >&2; return 1; }
}

# The cluster's OS user may not be able to read the checkout (CI may clone
# under /root): tests and the demo read their inputs from copies staged in
# $LP_TMP/src, and data files from ../shared staged in $LP_TMP/shared.
lp_stage() {
	mkdir -p "$LP_TMP/src"
	(cd "$LP_SRC" && cp -r --parents "$@" "$LP_TMP/src/")
	chown -R "$LP_OWNER" "$LP_TMP/src"
}

lp_stage_shared() {
	local f
	for f in "$@"; do
		if [ ! -r "$LP_SRC/../shared/$f" ]; then
			lp_log "missing ../shared/$f (the shared data folder must sit beside the checkout)"
			return 1
		fi
		mkdir -p "$LP_TMP/shared/$(dirname "$f")"
		cp "$LP_SRC/../shared/$f" "$LP_TMP/shared/$f"
	done
	chown -R "$LP_OWNER" "$LP_TMP/shared"
}

# lp_own_cluster_run SCRIPT [postgresql.conf lines...]: for a shell test that
# needs a cluster of its own (preloading linkpred, restarted with limits):
# start one, run SCRIPT against it with LPT_OWN_CLUSTER=1, print the server
# log's tail if it failed, stop the cluster and exit with SCRIPT's status.
lp_own_cluster_run() {
	local script=$1 rc
	shift
	lp_cluster_start "$@"
	set +e
	LPT_OWN_CLUSTER=1 bash "$script"
	rc=$?
	if [ "$rc" -ne 0 ]; then
		echo "# server log tail of the test's own cluster:"
		tail -n 30 "$LP_TMP/server.log" | sed 's/^/#   /'
	fi
	exit "$rc"
}

# lp_plain_cluster_start DIR PORT: another cluster (a shard server for
# postgres_fdw), in DIR/data, its socket in DIR, logging to DIR/server.log;
# the owner logs in without a password, every other role with one (SCRAM).
# The caller stops it: lp_plain_cluster_stop DIR MODE.
lp_plain_cluster_start() {
	local d=$1 port=$2
	mkdir -p "$d"
	chown "$LP_OWNER" "$d"
	lp_as_owner "$LP_BINDIR/initdb" -D "$d/data" -U "$LP_OWNER" -A trust --no-sync >"$d/initdb.log" 2>&1 ||
		{ cat "$d/initdb.log" >&2; return 1; }
	{
		echo "listen_addresses = ''"
		echo "unix_socket_directories = '$d'"
		echo "port = $port"
		echo "fsync = off"
		echo "log_min_messages = warning"
	} >>"$d/data/postgresql.conf"
	printf 'local all %s trust\nlocal all all scram-sha-256\n' "$LP_OWNER" >"$d/data/pg_hba.conf"
	(cd "$d" && lp_as_owner "$LP_BINDIR/pg_ctl" -D "$d/data" -l "$d/server.log" -w -t 60 start >/dev/null) ||
		{ cat "$d/server.log" >&2; return 1; }
}

lp_plain_cluster_stop() {
	lp_as_owner "$LP_BINDIR/pg_ctl" -D "$1/data" -m "$2" -w stop >/dev/null 2>&1
}

lp_cluster_stop() {
	[ -n "${LP_TMP:-}" ] && [ -d "$LP_TMP" ] || return 0
	lp_as_owner "$LP_BINDIR/pg_ctl" -D "$LP_TMP/data" -m fast -w stop >/dev/null 2>&1 || true
	if [ -n "${LP_KEEP_TMP:-}" ]; then
		lp_log "kept $LP_TMP"
	else
		rm -rf "$LP_TMP"
	fi
}

lp_psql() {
	lp_as_owner psql -X -v ON_ERROR_STOP=1 -q "$@"
}
