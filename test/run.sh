#!/usr/bin/env bash
# make test: build, install, start a throwaway cluster, run pg_regress
# (sql/ + expected/), pgTAP (test/pgtap via pg_prove) and the shell tests
# (test/shell), stop the cluster.  Ends with "linkpred: N passed, N failed,
# N skipped".
#
# Suites that read benchmark data from ../shared/data (beside the checkout)
# are skipped, each with its reason, when that folder is absent: a clone of
# the repository alone passes.  A suite needs what its own text names, so
# nothing here lists the data files by hand.
source "$(dirname "$0")/cluster.sh"
shopt -s nullglob

lp_install_packages
lp_build_install
lp_cluster_start "shared_preload_libraries = 'pg_cron'" "cron.database_name = 'lp_cron'" "cron.use_background_workers = on"
lp_stage sql expected test/pgtap

passed=0
failed=0
skipped=0

# The ../shared/data files a test file names; prints the first one missing.
missing_data() {
	local f
	for f in $(grep -oE '\.\./shared/data/[A-Za-z0-9_./-]+' "$1" | sort -u || true); do
		[ -r "$LP_SRC/$f" ] || { echo "$f"; return 0; }
	done
	return 1
}
skip() {
	lp_log "SKIPPED $1: needs $2 (the benchmark data folder beside the checkout)"
	skipped=$((skipped + 1))
}

# LP_ONLY=REGEX (a developer's loop): only the unit, pgTAP and shell suites
# whose name matches; pg_regress always runs.  Unset: every suite.
wanted() { [ -z "${LP_ONLY:-}" ] || [[ $1 =~ $LP_ONLY ]]; }

# unit tests of the pure-C core (src/kernels): plain programs, no server
K="$LP_SRC/src/kernels"
LP_INC=$(for d in src src/kernels src/model src/data src/catalog src/jobs src/serve; do printf -- '-I%s ' "$LP_SRC/$d"; done)
unit() {
	local name=$1; shift
	wanted "$name" || return 0
	lp_log "unit test $name"
	if cc ${LP_UNIT_CFLAGS:--O2} -Wall $LP_INC -I "$(pg_config --includedir-server)" -o "$LP_TMP/$name" \
		"$LP_SRC/test/unit/$name.c" "$@" -L"$(pg_config --pkglibdir)" -lpgport -lm && "$LP_TMP/$name"; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
	fi
}
source "$LP_SRC/test/unit/list.bash"

# pg_regress: the REGRESS list of the Makefile, in order, one database
tests=$(make -s -C "$LP_SRC" --no-print-directory print-regress 2>/dev/null)
PG_REGRESS="$(dirname "$(pg_config --pgxs)")/../test/regress/pg_regress"
mkdir -p "$LP_TMP/regress" && chown "$LP_OWNER" "$LP_TMP/regress"
lp_psql -c "CREATE DATABASE lp_regress"
lp_log "pg_regress: $tests"
if lp_as_owner "$PG_REGRESS" --inputdir="$LP_TMP/src" --outputdir="$LP_TMP/regress" \
	--bindir="$LP_BINDIR" --use-existing --host="$PGHOST" --port="$PGPORT" \
	--dbname=lp_regress $tests >"$LP_TMP/regress/out.txt" 2>&1; then
	cat "$LP_TMP/regress/out.txt"
else
	cat "$LP_TMP/regress/out.txt"
	[ -f "$LP_TMP/regress/regression.diffs" ] && cat "$LP_TMP/regress/regression.diffs"
fi
n_ok=$(grep -cE '^(ok|test) .* ok ' "$LP_TMP/regress/out.txt" || true)
n_all=$(echo $tests | wc -w)
passed=$((passed + n_ok))
failed=$((failed + n_all - n_ok))

# pgTAP: one fresh database per file
# pgTAP files find ../shared/data relative to the staged tree
cd "$LP_TMP/src"
for f in test/pgtap/*.sql; do
	wanted "$(basename "$f" .sql)" || continue
	if need=$(missing_data "$f"); then skip "$f" "$need"; continue; fi
	data=$(grep -oE '\.\./shared/data/[A-Za-z0-9_./-]+' "$f" | sed 's|^\.\./shared/||' | sort -u || true)
	[ -z "$data" ] || lp_stage_shared $data
	db="tap_$(basename "$f" .sql)"
	lp_psql -c "CREATE DATABASE $db"
	lp_psql -d "$db" -c "CREATE EXTENSION pgtap; CREATE EXTENSION linkpred"
	if lp_as_owner pg_prove -d "$db" --ext .sql "$f"; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
	fi
done

# shell tests: each gets the cluster's environment
for f in "$LP_SRC"/test/shell/*.sh; do
	[ -e "$f" ] || continue
	wanted "$(basename "$f" .sh)" || continue
	if need=$(missing_data "$f"); then skip "$(basename "$f")" "$need"; continue; fi
	lp_log "shell test $(basename "$f")"
	rc=0
	bash "$f" || rc=$?
	if [ "$rc" -eq 0 ]; then
		passed=$((passed + 1))
	elif [ "$rc" -eq 77 ]; then
		# a test that cannot run here: its "1..0 # SKIP" line says why
		lp_log "SKIPPED $(basename "$f")"
		skipped=$((skipped + 1))
	else
		lp_log "FAILED: $(basename "$f")"
		failed=$((failed + 1))
	fi
done

if [ "$failed" -gt 0 ]; then
	lp_log "server log tail:"
	tail -n 40 "$LP_TMP/server.log" >&2 || true
fi
echo "linkpred: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
