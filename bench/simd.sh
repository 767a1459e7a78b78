#!/usr/bin/env bash
# simd.sh: the matrix factorisation's steps compiled for AVX2 with FMA
# (linkpred.simd, src/kernels/simd.h) against the baseline x86-64 code.
# Writes bench/RESULTS-simd.md with the machine, the commit and the load.
#
#   throughput  bench/train_bench.c (the SGD without the server) with the
#               server's defaults for the step (dim 64, bce, 16 uniform
#               negatives shared by groups of 4), `both`: the baseline and
#               the AVX2 steps in turn within each run, on 1 and 2 threads,
#               so that the two meet the same load; and, alternating with
#               it, the train_bench of commit BEFORE (default the merge base
#               with main: the code before this work); wall and CPU seconds
#               (user + system) per run, on about 1.2M and (unless --small)
#               5M edges, SIMD_EPOCHS epochs (default 1), SIMD_RUNS runs
#               (default 2).
#   quality     HetRec LastFM's validation part (bench/validation_load.sql),
#               the default model, seeds 1 and 2, with linkpred.simd = 'off'
#               and 'on' (the training part, 74,000 edges, is under the
#               100,000 from which 'auto' uses AVX2): validation Recall@20
#               and NDCG@20 by linkpred_evaluate, and the metrics' 'simd'.
#
# Usage: bash bench/simd.sh [--small]
set -Eeuo pipefail
SMALL=0
for a in "$@"; do
	case "$a" in
		--small) SMALL=1 ;;
		*) echo "usage: bash bench/simd.sh [--small]" >&2; exit 2 ;;
	esac
done
EPOCHS=${SIMD_EPOCHS:-1}
RUNS=${SIMD_RUNS:-2}
BEFORE=${BEFORE:-$(git -C "$(dirname "$0")/.." merge-base HEAD main)}
source "$(dirname "$0")/validation.bash"
source "$(dirname "$0")/train_bench.bash"
OUT="$LP_SRC/bench/RESULTS-simd.md"
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

# --- throughput: the kernel alone -------------------------------------------
lp_log "train_bench: the SGD without the server"
train_bench_build "$LP_SRC" "$LP_TMP/train_bench"
# the same bench as of commit BEFORE, its own kernels
train_bench_before "$BEFORE" "$LP_TMP/train_bench_before"
sizes="1250000"
[ "$SMALL" = 1 ] || sizes="$sizes 5000000"
kernel_out=$(train_bench_alternate "$sizes" "$RUNS" "$EPOCHS" "$(git -C "$LP_SRC" rev-parse --short "$BEFORE")" both)$'\n\n'

# the runs' mean CPU seconds per graph, thread count and code
summary=$(awk -v epochs="$EPOCHS" '
/ edges, .* users, / { size = $1 }
/^Run [0-9]+, before/ { who = "before" }
/^Run [0-9]+, this commit/ { who = "this" }
/^\| [0-9]+ \| [0-9]+ \|/ {
	n = split($0, f, "|")
	th = f[3] + 0
	if (who == "before") { code = "before"; cpu = f[5] + 0 }
	else { code = f[4]; gsub(/ /, "", code); cpu = f[6] + 0 }
	key = size SUBSEP th SUBSEP code
	sum[key] += cpu; cnt[key]++
	if (!(size SUBSEP th in seen)) { seen[size SUBSEP th] = 1; order[++no] = size SUBSEP th }
}
END {
	print "| edges | threads | runs | before: CPU s | this commit, baseline: CPU s | this commit, avx2: CPU s | avx2 / before | avx2 edges per CPU second |"
	print "|---|---|---|---|---|---|---|---|"
	for (i = 1; i <= no; i++) {
		split(order[i], k, SUBSEP)
		b = sum[order[i] SUBSEP "before"] / cnt[order[i] SUBSEP "before"]
		s = sum[order[i] SUBSEP "baseline"] / cnt[order[i] SUBSEP "baseline"]
		a = sum[order[i] SUBSEP "avx2"] / cnt[order[i] SUBSEP "avx2"]
		printf "| %d | %d | %d | %.2f | %.2f | %.2f | %.2f | %.0f |\n", k[1], k[2], cnt[order[i] SUBSEP "avx2"], b, s, a, a / b, epochs * k[1] / a
	}
}
' <<<"$kernel_out")

# --- quality: LastFM validation, off against on ------------------------------
lp_psql -q -c "CREATE TABLE grid (graph text, simd text, seed int, part text,
                                  recall float8, ndcg float8, seconds float8)"
for s in 1 2; do
	for mode in off on; do
		PGOPTIONS="-c linkpred.simd=$mode" val_run lastfm val "{\"encoder\": \"mf\", \"seed\": $s}" "'$mode', $s" "simd $mode seed $s"
	done
done
quality=$(q -F ' | ' <<SQL | sed 's/^/| /; s/$/ |/'
SELECT simd, count(*), round(avg(recall)::numeric, 4), round(avg(ndcg)::numeric, 4),
       string_agg(round(recall::numeric, 4)::text, ', ' ORDER BY seed), round(avg(seconds)::numeric, 1)
FROM grid GROUP BY simd ORDER BY simd DESC;
SQL
)
# the set 'on' trained with, as a version records it
PGOPTIONS="-c linkpred.simd=on" q -c "SELECT linkpred_train('rec', 'fm_fit', 'user_idx', 'artist_idx', options => '{\"encoder\": \"mf\", \"seed\": 1, \"epochs\": 1}')" >/dev/null
on_set=$(q -c "SELECT metrics->>'simd' FROM linkpred.models WHERE name = 'rec'")
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
# before $OUT is rewritten (it is tracked: rewriting it is no change of the code)
dirty=$(git -C "$LP_SRC" diff --quiet HEAD -- src bench ":(exclude)bench/RESULTS-simd.md" || echo ' (with uncommitted changes)')

{
	echo "# linkpred: AVX2 with FMA for the matrix factorisation's steps"
	echo
	echo "- Date: $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "- Command: \`bash bench/simd.sh $*\` (SIMD_EPOCHS=$EPOCHS, SIMD_RUNS=$RUNS)"
	echo "- Machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GB", $2 / 1048576}' /proc/meminfo) memory; flags: $(grep -m1 '^flags' /proc/cpuinfo | tr ' ' '\n' | grep -xE 'avx2|fma|avx512f' | tr '\n' ' ')"
	echo "- linkpred: commit $(git -C "$LP_SRC" rev-parse --short HEAD)$dirty"
	echo "- Load average (1, 5, 15 min) before: $load_before; after: $load_after. The machine is shared:"
	echo "  compare the CPU seconds of neighbouring rows (the same load), not the wall times."
	echo
	echo "## Throughput: bench/train_bench.c"
	echo
	echo "Each run of this commit trains the baseline and then the AVX2 steps on the same graph"
	echo "from the same start, each on 1 and on 2 threads, right after the bench of commit"
	echo "$(git -C "$LP_SRC" rev-parse --short "$BEFORE") (before this work) did the same with its one step;"
	echo "edges/s is of wall time; the Best lines give edges per second of wall and of CPU time."
	echo "In short, the mean CPU seconds (user + system) of the runs:"
	echo
	printf '%s\n\n' "$summary"
	echo "The runs:"
	echo
	printf '%s' "$kernel_out"
	echo "## Quality: LastFM validation Recall@20, default model"
	echo
	echo "'on' trained with: $on_set."
	echo
	echo "| linkpred.simd | seeds | mean val Recall@20 | mean val NDCG@20 | per seed Recall@20 | mean seconds (train + evaluate) |"
	echo "|---|---|---|---|---|---|"
	printf '%s\n' "$quality"
} >"$OUT"
lp_log "wrote $OUT"
