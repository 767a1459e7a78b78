#!/usr/bin/env bash
# kernel_ab.sh: a change to the matrix factorisation's SGD kernels (src/kernels)
# against commit BEFORE: speed of the kernel alone and the default model's
# validation quality, each side built from its own tree.  Writes
# bench/OUT with the machine, the commits and the load.
#
#   throughput  bench/train_bench.c (the SGD without the server) with the
#               server's defaults for the step (dim 64, bce, 16 uniform
#               negatives shared by groups of 4, AVX2 where the CPU has it),
#               this commit's and BEFORE's in turn, ORDER_RUNS runs (default
#               3) of ORDER_EPOCHS epochs (default 1) on 1 and 2 threads, on
#               about 5M and (unless --small) 20M edges: wall and CPU seconds
#               (user + system) per run.
#   quality     the validation parts of bench/validation_load.sql (Gowalla's
#               training file split again per user, LastFM's bench split), the
#               default model, seeds 1 and 2, trained by this commit's library
#               and by BEFORE's (installed in its place for those runs):
#               validation Recall@20 and NDCG@20 by linkpred_evaluate.  The
#               rule, fixed before the figures: within 0.003 Recall@20 of
#               BEFORE on each graph and seed.
#
# Usage: bash bench/kernel_ab.sh --before COMMIT --out RESULTS-NAME.md --title TITLE [--small]
# (bench/source_order.sh runs it for the source-order change.)
set -Eeuo pipefail
usage() {
	echo "usage: bash bench/kernel_ab.sh --before COMMIT --out RESULTS-NAME.md --title TITLE [--small]" >&2
	exit 2
}
SMALL=0 BEFORE='' OUT_NAME='' TITLE='' ARGS=$(printf '%q ' "$@")
while [ $# -gt 0 ]; do
	case "$1" in
		--small) SMALL=1 ;;
		--before) BEFORE=${2:-}; shift ;;
		--out) OUT_NAME=${2:-}; shift ;;
		--title) TITLE=${2:-}; shift ;;
		*) usage ;;
	esac
	shift
done
[ -n "$BEFORE" ] && [ -n "$TITLE" ] && [[ $OUT_NAME =~ ^RESULTS-[a-z0-9-]+\.md$ ]] || usage
EPOCHS=${ORDER_EPOCHS:-1}
RUNS=${ORDER_RUNS:-3}
source "$(dirname "$0")/validation.bash"
source "$(dirname "$0")/train_bench.bash"
OUT="$LP_SRC/bench/$OUT_NAME"
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
before_short=$(git -C "$LP_SRC" rev-parse --short "$BEFORE")
dirty=$(git -C "$LP_SRC" diff --quiet HEAD -- src bench ":(exclude)$OUT" || echo ' (with uncommitted changes)')

# --- throughput: the kernel alone -------------------------------------------
lp_log "train_bench: this commit and $before_short"
train_bench_build "$LP_SRC" "$LP_TMP/train_bench"
train_bench_before "$BEFORE" "$LP_TMP/train_bench_before"
sizes="5000000"
[ "$SMALL" = 1 ] || sizes="$sizes 20000000"
kernel_out=$(train_bench_alternate "$sizes" "$RUNS" "$EPOCHS" "$before_short")$'\n\n'
# per graph and thread count: mean CPU seconds and best wall edges/s of each side
summary=$(awk '
/ edges, .* users, / { size = $1 }
/^Run [0-9]+, before/ { who = "before" }
/^Run [0-9]+, this commit/ { who = "this" }
/^\| [0-9]+ \| [0-9]+ \|/ {
	split($0, f, "|")
	th = f[3] + 0
	key = size SUBSEP th SUBSEP who
	cpu[key] += f[6]; cnt[key]++
	if (f[7] + 0 > best[key]) best[key] = f[7] + 0
	if (!(size SUBSEP th in seen)) { seen[size SUBSEP th] = 1; order[++no] = size SUBSEP th }
}
END {
	print "| edges | threads | runs | before: mean CPU s | this: mean CPU s | CPU this / before | before: best edges/s | this: best edges/s | best this / before |"
	print "|---|---|---|---|---|---|---|---|---|"
	for (i = 1; i <= no; i++) {
		split(order[i], k, SUBSEP)
		b = order[i] SUBSEP "before"; t = order[i] SUBSEP "this"
		printf "| %d | %d | %d | %.2f | %.2f | %.2f | %.0f | %.0f | %.2f |\n", k[1], k[2], cnt[t],
			cpu[b] / cnt[b], cpu[t] / cnt[t], (cpu[t] / cnt[t]) / (cpu[b] / cnt[b]), best[b], best[t], best[t] / best[b]
	}
}
' <<<"$kernel_out")

# --- quality: the validation parts, this commit's library and BEFORE's ------
lp_psql -q -c "CREATE TABLE grid (graph text, code text, seed int, part text,
                                  recall float8, ndcg float8, seconds float8)"
quality_runs() {
	for s in 1 2; do
		for g in gowalla lastfm; do
			val_run "$g" val "{\"encoder\": \"mf\", \"seed\": $s}" "'$1', $s" "$1 seed $s"
		done
	done
}
quality_runs this
lp_log "installing the library of $before_short for its runs"
mkdir -p "$LP_TMP/before-tree"
git -C "$LP_SRC" archive "$BEFORE" | tar -x -C "$LP_TMP/before-tree"
make -C "$LP_TMP/before-tree" -s -j2 >/dev/null
make -C "$LP_TMP/before-tree" -s install >/dev/null
quality_runs before
lp_log "installing this commit's library again"
lp_build_install
quality=$(q -F ' | ' <<SQL | sed 's/^/| /; s/$/ |/'
SELECT t.graph, t.seed, round(b.recall::numeric, 4), round(t.recall::numeric, 4),
       round((t.recall - b.recall)::numeric, 4), round(b.ndcg::numeric, 4), round(t.ndcg::numeric, 4),
       round(b.seconds::numeric, 1), round(t.seconds::numeric, 1),
       CASE WHEN t.recall >= b.recall - 0.003 THEN 'yes' ELSE 'no' END
FROM grid t JOIN grid b ON (b.graph, b.seed, b.code) = (t.graph, t.seed, 'before')
WHERE t.code = 'this' ORDER BY t.graph, t.seed;
SQL
)
verdict=$(q -c "SELECT CASE WHEN bool_and(t.recall >= b.recall - 0.003) THEN 'holds' ELSE 'fails' END
                FROM grid t JOIN grid b ON (b.graph, b.seed, b.code) = (t.graph, t.seed, 'before') WHERE t.code = 'this'")
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

{
	echo "# linkpred: $TITLE"
	echo
	echo "- Date: $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "- Command: \`bash bench/kernel_ab.sh $ARGS\` (ORDER_EPOCHS=$EPOCHS, ORDER_RUNS=$RUNS)"
	echo "- Machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GB", $2 / 1048576}' /proc/meminfo) memory"
	echo "- linkpred: commit $(git -C "$LP_SRC" rev-parse --short HEAD)$dirty; before: commit $before_short"
	echo "- Load average (1, 5, 15 min) before: $load_before; after: $load_after. The machine is a"
	echo "  shared virtual one: wall times move by a third from run to run; compare neighbouring rows."
	echo
	echo "## Throughput: bench/train_bench.c"
	echo
	echo "Each run trains the graph with commit $before_short's kernels and then with this commit's, each"
	echo "on 1 and on 2 threads, the server's defaults for the step. Edges/s is of wall time."
	echo
	printf '%s\n\n' "$summary"
	echo "The runs:"
	echo
	printf '%s' "$kernel_out"
	echo "## Quality: validation Recall@20, default model"
	echo
	echo "The rule, fixed before the figures: within 0.003 of $before_short on each graph and seed. It $verdict."
	echo
	echo "| graph | seed | before Recall@20 | this Recall@20 | this - before | before NDCG@20 | this NDCG@20 | before s | this s | within 0.003 |"
	echo "|---|---|---|---|---|---|---|---|---|---|"
	printf '%s\n' "$quality"
	echo
	echo "Seconds are a job's whole run (loading, training on the default threads, storing) plus the evaluation."
} >"$OUT"
lp_log "wrote $OUT"
