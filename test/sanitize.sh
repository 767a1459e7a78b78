#!/usr/bin/env bash
# make sanitize: the unit tests of the pure-C core (test/unit, the same list
# as make test) built with AddressSanitizer and UndefinedBehaviorSanitizer,
# and run: any out-of-bounds access, use after free, leak or undefined
# behaviour (overflow, misaligned access, bad shift) fails the run.  Leak
# checking is off: the test programs do not free their fixtures.  No
# server is involved.  Not part of make test.
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
echo "linkpred sanitize: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
