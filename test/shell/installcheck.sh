#!/usr/bin/env bash
# make installcheck, as a user runs it against a server of theirs: on a
# cluster of its own with nothing preloaded and no settings of make test's,
# named only by PGHOST, PGPORT and PGUSER:
#
#   the pg_regress suite (REGRESS) passes there;
#   it leaves nothing behind: its database is dropped, no role is left, and
#   the other databases hold what they held before.
set -euo pipefail

if [ -z "${LPT_OWN_CLUSTER:-}" ]; then
	source "$(dirname "$0")/../cluster.sh"
	lp_own_cluster_run "$0"
fi

source "$(dirname "$0")/lib.bash"
lpt_start lp_shell_installcheck

lpt_is "$(lpt_psql postgres -c "SHOW shared_preload_libraries")" "" "the server preloads nothing"

# all that makes up the cluster outside the test's own database
state() {
	lpt_psql postgres -c "SELECT string_agg(datname, ' ' ORDER BY datname) FROM pg_database WHERE datname <> '$LPT_DB'
	                      UNION ALL SELECT string_agg(rolname, ' ' ORDER BY rolname) FROM pg_roles
	                      UNION ALL SELECT count(*)::text FROM pg_class"
}
before=$(state)

out=$(lpt_tmpfile)
rm -f "$out"
mkdir -p "$out"
set +e
env -u PGDATABASE -u PGOPTIONS -u PGAPPNAME timeout 600 \
	make -s -C "$LP_SRC" installcheck EXTRA_REGRESS_OPTS="--outputdir=$out" >"$out/make.log" 2>&1
rc=$?
set -e
lpt_is "$rc" 0 "make installcheck passes against the server PGHOST, PGPORT and PGUSER name"
n=$(make -s -C "$LP_SRC" --no-print-directory print-regress | wc -w)
lpt_ok "all $n pg_regress tests ran and passed" grep -q "All $n tests passed" "$out/make.log"
[ "$rc" -eq 0 ] || lpt_diag "$(tail -n 20 "$out/make.log")" "$(head -n 40 "$out/regression.diffs" 2>/dev/null)"
lpt_is "$(lpt_psql postgres -c "SELECT count(*) FROM pg_database WHERE datname LIKE 'contrib_regression%'")" 0 \
	"its database is dropped afterwards"
lpt_is "$(state)" "$before" "no role, database or object is left behind"
rm -rf "$out"
