#!/usr/bin/env bash
# make sanitize: linkpred under AddressSanitizer and UndefinedBehaviorSanitizer.
#
# 1. The unit tests of the pure-C core (test/unit, the same list as make
#    test), built with both sanitizers and run: any out-of-bounds access,
#    use after free or undefined behaviour (overflow, misaligned access, bad
#    shift) fails the run.
# 2. The whole server suite (test/run.sh: pg_regress, pgTAP, the shell
#    tests), with the extension built with both sanitizers and every server
#    started with the AddressSanitizer runtime preloaded (LP_PRELOAD, see
#    lp_as_owner in cluster.sh).  Each report is written to a file; any
#    report fails the run and is printed.  A sanitizer report stops the
#    backend it is in, so the suite's own checks fail there too.
#
# Leak checking is off: neither the test programs nor PostgreSQL (whose
# memory contexts are freed wholesale) free everything one by one.  Not
# part of make test: it takes about twice as long.  LP_SANITIZE_SERVER=0
# runs the unit tests alone.  The objects are cleaned before and after, so
# no sanitized build is left behind.
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

server=skipped
if [ "${LP_SANITIZE_SERVER:-1}" = 1 ]; then
	reports=$LP_TMP/reports
	mkdir -p "$reports"
	chmod 1777 "$LP_TMP" "$reports"
	LP_PRELOAD=$($CC -print-file-name=libasan.so)
	[ -r "$LP_PRELOAD" ] || { echo "no AddressSanitizer runtime ($LP_PRELOAD)" >&2; exit 1; }
	export LP_PRELOAD
	export LP_EXTRA_CFLAGS="-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined"
	# the server ignores SIGXFSZ and more; the sanitizers must leave its signals alone
	export ASAN_OPTIONS="detect_leaks=0:log_path=$reports/asan:allow_user_segv_handler=1:handle_segv=0:handle_abort=0"
	export UBSAN_OPTIONS="print_stacktrace=1:log_path=$reports/ubsan"
	make -C "$LP_SRC" -s clean
	trap 'make -C "$LP_SRC" -s clean >/dev/null 2>&1 || true; rm -rf "$LP_TMP"' EXIT
	server=passed
	bash "$LP_SRC/test/run.sh" || server=failed
	n_reports=$(find "$reports" -type f | wc -l)
	if [ "$n_reports" -gt 0 ]; then
		server=failed
		for f in "$reports"/*; do
			echo "== sanitizer report $f" >&2
			head -n 40 "$f" >&2
		done
	fi
	echo "linkpred sanitize, server suite: $server, $n_reports sanitizer reports"
fi
echo "linkpred sanitize: unit tests $passed passed, $unit_failed failed; server suite $server"
[ "$unit_failed" -eq 0 ] && [ "$server" != failed ]
