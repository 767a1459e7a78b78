#!/usr/bin/env bash
# make sanitize: linkpred under the sanitizers and valgrind.  Not part of
# make test (it takes longer than make test itself).
#
# 1. The unit tests of the pure-C core (test/unit, the same list as make
#    test), built with AddressSanitizer and UndefinedBehaviorSanitizer and
#    run: an out-of-bounds access, a use after free or undefined behaviour
#    (overflow, misaligned access, bad shift) fails the run.
# 2. The whole server suite (test/run.sh: pg_regress, pgTAP, the shell
#    tests) with the extension built with UndefinedBehaviorSanitizer.  Its
#    runtime loads with the library; every report goes to a file, and any
#    report fails the run.  (AddressSanitizer cannot run inside the
#    server: its runtime must be preloaded into postgres, which then
#    deadlocks in bindtextdomain before main does anything.)
# 3. Memory errors in the server: the pg_regress suite (make installcheck)
#    against a server started under valgrind's memcheck, every process
#    traced.  An error whose stack passes through linkpred.so fails the run;
#    errors inside PostgreSQL alone (it is not built for valgrind) are
#    counted and not held against linkpred.
#
# Leak checking is off: neither the test programs nor PostgreSQL (whose
# memory contexts are freed wholesale) free everything one by one.
# LP_SANITIZE_SERVER=0 runs the unit tests alone; LP_SANITIZE_PARTS picks
# the server parts (default "ubsan memcheck").  The objects are cleaned
# before and after the server parts, so no instrumented build is left.
set -euo pipefail
LP_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CC=${CC:-cc}
LP_TMP=$(mktemp -d /tmp/linkpred-sanitize.XXXXXX)
trap 'rm -rf "$LP_TMP"' EXIT
LP_UNIT_CFLAGS="-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# OpenBLAS's own threads are not what is under test
export OPENBLAS_NUM_THREADS=1

K="$LP_SRC/src/kernels"
LP_INC=$(for d in src src/kernels src/model src/data src/catalog src/jobs src/serve; do printf -- '-I%s ' "$LP_SRC/$d"; done)
passed=0
failed=0
unit() {
	local name=$1; shift
	echo "== sanitized unit test $name" >&2
	if $CC $LP_UNIT_CFLAGS -Wall $LP_INC -I "$(pg_config --includedir-server)" -o "$LP_TMP/$name" \
		"$LP_SRC/test/unit/$name.c" "$@" -L"$(pg_config --pkglibdir)" -lpgport -lm && "$LP_TMP/$name" >"$LP_TMP/$name.out" 2>&1; then
		passed=$((passed + 1))
	else
		tail -n 40 "$LP_TMP/$name.out" >&2 || true
		failed=$((failed + 1))
	fi
}
source "$LP_SRC/test/unit/list.bash"
echo "linkpred sanitize, unit tests: $passed passed, $failed failed"
unit_failed=$failed

ubsan=skipped
parts=
memcheck=skipped
if [ "${LP_SANITIZE_SERVER:-1}" = 1 ]; then
	reports=$LP_TMP/reports
	mkdir -p "$reports/ubsan" "$reports/memcheck"
	chmod 1777 "$LP_TMP" "$reports" "$reports/ubsan" "$reports/memcheck"
	trap 'make -C "$LP_SRC" -s clean >/dev/null 2>&1 || true; rm -rf "$LP_TMP"' EXIT

	parts=${LP_SANITIZE_PARTS:-ubsan memcheck}
fi
if [[ "${LP_SANITIZE_SERVER:-1} $parts" == 1*ubsan* ]]; then
	# 2. the whole suite, the library built with UBSan
	make -C "$LP_SRC" -s clean
	ubsan=passed
	LP_EXTRA_CFLAGS="-O1 -g -fno-omit-frame-pointer -fsanitize=undefined" \
		UBSAN_OPTIONS="print_stacktrace=1:log_path=$reports/ubsan/ubsan" \
		bash "$LP_SRC/test/run.sh" || ubsan=failed
	n_ubsan=$(find "$reports/ubsan" -type f | wc -l)
	for f in $(find "$reports/ubsan" -type f); do
		echo "== UBSan report $f" >&2
		head -n 30 "$f" >&2
		ubsan=failed
	done
	echo "linkpred sanitize, server suite under UBSan: $ubsan, $n_ubsan reports"
fi
if [[ "${LP_SANITIZE_SERVER:-1} $parts" == 1*memcheck* ]]; then
	# 3. the pg_regress suite against a server under memcheck
	command -v valgrind >/dev/null || (source "$LP_SRC/test/cluster.sh" && trap - EXIT && lp_install_valgrind)
	make -C "$LP_SRC" -s clean
	cat >"$LP_TMP/postgres-memcheck" <<WRAP
#!/bin/sh
exec valgrind --quiet --trace-children=yes --leak-check=no --error-limit=no --num-callers=30 --fullpath-after= \\
	--log-file=$reports/memcheck/vg.%p "$(pg_config --bindir)/postgres" "\$@"
WRAP
	chmod 755 "$LP_TMP/postgres-memcheck"
	memcheck=failed
	(
		source "$LP_SRC/test/cluster.sh"
		LP_EXTRA_CFLAGS="-O1 -g" lp_build_install
		# OpenBLAS picks its kernels from the CPU valgrind shows; pin one it runs
		export OPENBLAS_CORETYPE=Haswell OPENBLAS_NUM_THREADS=1
		LP_POSTGRES="$LP_TMP/postgres-memcheck" lp_cluster_start
		mkdir -p "$LP_TMP/regress"
		make -C "$LP_SRC" -s installcheck EXTRA_REGRESS_OPTS="--outputdir=$LP_TMP/regress"
	) && memcheck=passed
	n_all=0
	n_ours=0
	for f in "$reports"/memcheck/vg.*; do
		[ -s "$f" ] || continue
		# one error a block, from "==pid== <message>" to the blank "==pid== "
		# line; it is linkpred's when one of its first four frames is in
		# linkpred (its source path, or linkpred.so without debug info)
		n_all=$((n_all + $(grep -E '^==[0-9]+== [A-Z][a-z]' "$f" | grep -cv '== Warning' || true)))
		ours=$(awk -v src="$LP_SRC/src/" '
			function flush() { if (hit) print b; b = ""; hit = 0; frames = 0 }
			/^==[0-9]+== $/ { flush(); next }
			{ b = b "\n" $0 }
			/^==[0-9]+== +(at|by) 0x/ { if (++frames <= 4 && (index($0, src) || index($0, "linkpred.so"))) hit = 1 }
			END { flush() }' "$f")
		if [ -n "$ours" ]; then
			n_ours=$((n_ours + $(grep -E '^==[0-9]+== [A-Z][a-z]' <<<"$ours" | grep -cv '== Warning' || true)))
			echo "== memcheck errors through linkpred.so in $f" >&2
			head -n 60 <<<"$ours" >&2
		fi
	done
	[ "$n_ours" -eq 0 ] || memcheck=failed
	echo "linkpred sanitize, pg_regress under memcheck: $memcheck; $n_ours errors through linkpred.so, $n_all in all"
fi
echo "linkpred sanitize: unit tests $passed passed, $unit_failed failed; server suite under UBSan $ubsan; pg_regress under memcheck $memcheck"
[ "$unit_failed" -eq 0 ] && [ "$ubsan" != failed ] && [ "$memcheck" != failed ]
