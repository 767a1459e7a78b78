# train_bench.bash: sourced by the benches that run bench/train_bench.c (the
# matrix factorisation's SGD without the server): parallel.sh, simd.sh and
# source_order.sh.
#
# train_bench_build ROOT OUT: compile ROOT/bench/train_bench.c with ROOT's
# own kernels into OUT.  ROOT is this checkout or an earlier commit's tree
# (git archive), whose kernels may lack files added since (simd.c).
train_bench_build() {
	local root=$1 out=$2 k="$1/src/kernels" f srcs=() warn=-Wall
	# an earlier commit's code is built as it was, its warnings unread
	[ "$root" = "$LP_SRC" ] || warn=-w
	for f in train negshare model attrs parallel epoch sampler sgd rng simd; do
		[ -f "$k/$f.c" ] && srcs+=("$k/$f.c")
	done
	cc -O3 $warn -I "$k" -I "$root/src/data" -I "$(pg_config --includedir-server)" \
		-o "$out" "$root/bench/train_bench.c" "${srcs[@]}" \
		-L"$(pg_config --pkglibdir)" -lpgport -lm -pthread
}

# train_bench_before COMMIT OUT: train_bench_build of COMMIT's tree
train_bench_before() {
	local dir
	dir=$(mktemp -d "${LP_TMP:-/tmp}/before.XXXXXX")
	git -C "$LP_SRC" archive "$1" bench/train_bench.c src/kernels src/data | tar -x -C "$dir"
	train_bench_build "$dir" "$2"
}

# train_bench_alternate SIZES RUNS EPOCHS LABEL [ARG]: for each size (draws)
# and run, $LP_TMP/train_bench_before and then $LP_TMP/train_bench (this
# checkout's, given ARG: simd.sh's "both") on 1 and 2 threads, the server's
# step defaults (16 negatives shared by groups of 4); prints the runs, each
# headed "Run N, before (commit LABEL):" or "Run N, this commit:".
train_bench_alternate() {
	local sizes=$1 runs=$2 epochs=$3 label=$4 arg=${5:-} draws run
	for draws in $sizes; do
		for run in $(seq "$runs"); do
			lp_log "train_bench $draws draws, run $run: before ($label), then this commit"
			printf 'Run %s, before (commit %s):\n\n' "$run" "$label"
			"$LP_TMP/train_bench_before" "$draws" "$epochs" 1 2 16 4
			printf '\nRun %s, this commit:\n\n' "$run"
			"$LP_TMP/train_bench" "$draws" "$epochs" 1 2 16 4 $arg
			printf '\n'
		done
	done
}
