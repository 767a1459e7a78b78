#!/usr/bin/env bash
# bench/scale.sh: the scale bench (issue 18, items 1 and 4).  For each graph,
# the default model (options: a fixed "seed" only) from loading to serving,
# phase by phase, with its memory, next to the issue's targets.  Writes
# bench/RESULTS-scale.md.  `make bench BENCH_ARGS="--only scale"` runs it.
#
#   bash bench/scale.sh                  1m, 10m and gowalla
#   bash bench/scale.sh --size 100m      and 100m (about 3 GB of table, hours)
#   bash bench/scale.sh --sizes 1m,gowalla
#
# Graphs: 1m, 10m, 100m are bench/scale_gen.sql's synthetic power-law
# user-item graphs (fixed seed; 1M edges over 50k users and 20k items, 10M
# over 500k and 200k, 100M over 5M and 2M); gowalla is the LightGCN
# training file.  Per graph, in a database of its own (dropped after):
#   generating      the table (scale_gen.sql, or COPY of the CSV)
#   the job         linkpred_train, then its metrics: load_seconds,
#                   train_seconds, store_seconds (and ann_build_seconds),
#                   peak_rss_mb, memory_estimate_mb, the loader's stats
#   serving         bench/serving.sql in a new backend: its first call
#                   (with the defaults it attaches the copy the training
#                   worker published, linkpred.publish_on_store, waiting for
#                   it if need be; builds before 8222f17 load the model from
#                   the tables into the shared cache there),
#                   1000 top-10 calls, linkpred_materialize of every user's
#                   top-20 (not at 100m: exact, it would take about a day), linkpred_score over 1,000,000 pairs, fresh top-10;
#                   then the first call of another new backend (attaching
#                   the shared copy)
# The cluster preloads linkpred (shared_preload_libraries, the default
# linkpred.shared_cache_size of 1GB); linkpred.max_memory keeps its default
# (4GB) at every size (before 5abc8a5 the estimate refused 100m there).
set -Eeuo pipefail
source "$(dirname "$0")/common.bash"
ARGS="$*"
OUT="$BENCH/RESULTS-scale.md"
TOPK_CALLS=1000 FRESH_CALLS=100 SCORE_PAIRS=1000000

usage() {
	cat >&2 <<'EOF'
usage: bash bench/scale.sh [--sizes LIST] [--size SIZE] [--epochs N] [--group G] [--out FILE]
  --sizes LIST   the graphs to run, comma separated: 1m, 10m, 100m, gowalla
                 (default: 1m,10m,gowalla)
  --size SIZE    add one graph to the list (--size 100m: the default ones and 100M)
  --epochs N     train N epochs instead of the default (40): a 10m run's memory
                 and phase times in minutes rather than an hour
  --group G      option "negative_group": G (negatives shared by G positives;
                 bench/RESULTS-throughput.md)
  --out FILE     write the results there instead of bench/RESULTS-scale.md
EOF
}

opt_sizes="" opt_size="" opt_epochs="" opt_group="" opt_out=""
bench_options "sizes size epochs group out" "$@"
OUT=${opt_out:-$OUT}
[[ -z "$opt_group" || "$opt_group" =~ ^[1-9][0-9]*$ ]] || { usage; echo "--group wants a positive integer" >&2; exit 2; }
sizes="${opt_sizes:-1m,10m,gowalla}${opt_size:+,$opt_size}"
epochs=$opt_epochs
# the job's options: the defaults, a fixed seed, and the epochs asked for
OPTIONS='{"seed": 1'${epochs:+", \"epochs\": $epochs"}${opt_group:+", \"negative_group\": $opt_group"}'}'
# in order of size, each once
SIZES=""
for s in gowalla 1m 10m 100m; do
	[[ ",$sizes," == *",$s,"* ]] && SIZES="$SIZES $s"
done
for s in ${sizes//,/ }; do
	case "$s" in 1m | 10m | 100m | gowalla) ;; *) usage; echo "unknown graph: $s" >&2; exit 2 ;; esac
done

started=$(now)
lp_log "scale bench:$SIZES"
lp_install_packages
lp_build_install
lp_cluster_start "shared_buffers = 1GB" "work_mem = 256MB" "shared_preload_libraries = 'linkpred'"
lp_stage bench
[[ "$SIZES" == *gowalla* ]] && lp_stage_shared data/gowalla/gowalla_train.csv.gz data/gowalla/gowalla_test.csv
SQLDIR="$LP_TMP/src/bench"
W="$LP_TMP/scale"
mkdir -p "$W"
chown "$LP_OWNER" "$W"
q() { bench_psql -tA "$@"; }

# The machine is shared: sample the load average every 10 s while we run.
bench_sample_load "$W/loadavg"
scale_exit() {
	kill "$BENCH_LOAD_SAMPLER" 2>/dev/null || true
	lp_cluster_stop
}
trap scale_exit EXIT

# one graph: everything measured goes to $W/<size>.kv as "key<TAB>value"
run_size() {
	local size=$1 train test t0 job kv="$W/$1.kv"
	lp_psql -c "DROP DATABASE IF EXISTS bench" -c "CREATE DATABASE bench"
	q -f "$SQLDIR/setup.sql" >/dev/null
	t0=$(now)
	if [ "$size" = gowalla ]; then
		lp_log "$size: loading the Gowalla training file"
		q -v train_reader="zcat $LP_TMP/shared/data/gowalla/gowalla_train.csv.gz" \
			-v test_reader="cat $LP_TMP/shared/data/gowalla/gowalla_test.csv" -v user_mod=1 \
			-f "$SQLDIR/gowalla_load.sql" >/dev/null
		train=gowalla_train test=gowalla_test
	else
		# shellcheck disable=SC2046
		set -- $(scale_spec "$size")
		lp_log "$size: generating $1 rows over $2 users and $3 items"
		scale_generate "$size" edges "$SQLDIR"
		train=edges test=edges
	fi
	printf 'generate_s\t%s\n' "$(since "$t0")" >"$kv"
	printf 'table_mb\t%s\n' "$(q -c "SELECT round(pg_total_relation_size('$train') / 1048576.0)")" >>"$kv"

	lp_log "$size: training the default model"
	bench_train scale "$size" "" s "$train" user_id item_id "$OPTIONS"
	q -F $'\t' >>"$kv" <<'SQL'
SELECT key, value FROM bench.trainings t, linkpred.jobs j, linkpred.models m,
LATERAL (VALUES ('rows', j.stats->>'rows'), ('duplicates', j.stats->>'duplicates'),
                ('edges', m.n_edges::text), ('users', m.n_users::text), ('items', m.n_items::text),
                ('dim', m.dim::text), ('epochs', m.metrics->>'epochs_run'),
                ('threads', m.metrics->>'training_threads'),
                ('load_s', m.metrics->>'load_seconds'), ('train_s', m.metrics->>'train_seconds'),
                ('ann_s', m.metrics->>'ann_build_seconds'), ('store_s', m.metrics->>'store_seconds'),
                ('job_s', round(extract(epoch FROM j.elapsed), 1)::text),
                ('peak_mb', m.metrics->>'peak_rss_mb'), ('estimate_mb', m.metrics->>'memory_estimate_mb'),
                ('anon_mb', round(t.polled_anon_mb)::text), ('train_wall_s', round(t.wall_s)::text),
                ('options', m.options::text)) f(key, value)
WHERE j.id = t.job AND m.name = 's';
SQL
	lp_log "$size: $(tr '\n\t' ' =' <"$kv")"

	lp_log "$size: serving ($TOPK_CALLS top-10 calls, materialize, $SCORE_PAIRS scores, $FRESH_CALLS fresh calls)"
	local skip=()
	[ "$size" = 100m ] && skip=(-v skip_materialize=1)
	q -v model=s -v train="$train" -v test="$test" -v calls="$TOPK_CALLS" -v fresh_calls="$FRESH_CALLS" \
		-v pairs="$SCORE_PAIRS" "${skip[@]}" -f "$SQLDIR/serving.sql" >/dev/null
	# another new backend: its first call attaches the shared copy
	q -c "SELECT bench.time_sql('attach_s', 'SELECT count(*) FROM linkpred_topk(0, 10, model => ''s'')')" \
		-c "INSERT INTO bench.serving SELECT 'shared_copy', count(*), NULL FROM linkpred_cache_status()
		    WHERE model = 's' AND shared" >/dev/null
	q -F $'\t' >>"$kv" <<'SQL'
SELECT measure, value FROM bench.serving
UNION ALL
SELECT test || '_' || p, percentile_cont(f) WITHIN GROUP (ORDER BY ms)
FROM bench.latencies, (VALUES ('median', 0.5), ('p99', 0.99)) x(p, f) GROUP BY test, p, f;
SQL
	lp_psql -c "DROP DATABASE bench"
	lp_log "$size: done"
}

for s in $SIZES; do
	run_size "$s"
done

# --------------------------------------------------------------------------
# the report
get() { awk -F '\t' -v k="$2" '$1 == k { print $2; exit }' "$W/$1.kv" 2>/dev/null; }
# The figures of a graph, as awk variables: the keys of its kv file.
# EXTENSIVE grow with the rows; the projection to 100M puts each on the
# straight line through the two largest synthetic graphs measured (through
# the origin when only one was); the others stay as measured (epochs,
# threads) or are not projected (serving: n/a; the first call, which
# reads the model from the tables, is, as the nodes grow with the rows).
KEYS="rows duplicates edges users items dim epochs threads load_s train_s ann_s store_s job_s peak_mb
      anon_mb estimate_mb generate_s table_mb train_wall_s first_call_s attach_s shared_copy topk_median
      topk_p99 fresh_median fresh_p99 materialize_s materialize_rows topk_many_s score_pairs score_s scan_s"
EXTENSIVE=" rows edges users items load_s train_s ann_s store_s job_s peak_mb anon_mb estimate_mb
            generate_s table_mb train_wall_s first_call_s "
EXTENSIVE=" $(echo $EXTENSIVE) "
CONSTANT=" dim epochs threads "
fit_a="" fit_b=""
for s in $SIZES; do
	[ "$s" = gowalla ] && continue
	fit_a=$fit_b fit_b=$s
done
# vars SIZE: "k = v; ..." for awk (p10m, p100m: the projections)
vars() {
	local s=$1 k v ya yb xa xb
	for k in $KEYS; do
		if [[ "$s" != p* ]]; then
			v=$(get "$s" "$k")
		elif [[ "$EXTENSIVE" == *" $k "* ]]; then
			v=""
			yb=$(get "$fit_b" "$k") xb=$(get "$fit_b" rows) ya=0 xa=0
			[ -n "$fit_a" ] && ya=$(get "$fit_a" "$k") xa=$(get "$fit_a" rows)
			[ -n "$yb" ] && v=$(awk -v ya="${ya:-0}" -v yb="${yb:-0}" -v xa="$xa" -v xb="$xb" \
				-v x="$(scale_spec "${s#p}" | cut -d ' ' -f 1)" 'BEGIN { printf "%.6f", ya + (yb - ya) * (x - xa) / (xb - xa) }')
		elif [[ "$CONSTANT" == *" $k "* ]]; then
			v=$(get "$fit_b" "$k")
		else
			v=""
		fi
		# a missing figure is "nan": every expression of it prints n/a
		printf '%s = %s; ' "$k" "${v:-"\"nan\""}"
	done
}
# row LABEL EXPR DECIMALS [TARGET]: one line of the table
row() {
	local label=$1 expr=$2 d=$3 target=${4:-} line s
	line="| $label |"
	for s in $cols; do
		line="$line $(awk -v d="$d" "BEGIN { $(vars "$s") x = ($expr);
		                                    if (x \"\" ~ /nan|inf/) print \"n/a\"; else printf \"%.*f\", d, x }" 2>/dev/null ||
		              echo n/a) |"
	done
	echo "$line $target |"
}
cols="$SIZES"
# the default sizes and 100m that were not run, larger than the largest run: projected
projected=""
for s in 10m 100m; do
	[ -n "$fit_b" ] && [[ " $SIZES " != *" $s "* ]] &&
		[ "$(scale_spec "$s" | cut -d ' ' -f 1)" -gt "$(scale_spec "$fit_b" | cut -d ' ' -f 1)" ] && projected="$projected $s"
done
for s in $projected; do cols="$cols p$s"; done

loads=$(bench_load_summary "$W/loadavg")
{
	echo "# linkpred scale bench"
	echo
	echo "- Date: $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "- Command: \`bash bench/scale.sh${ARGS:+ $ARGS}\` (\`make bench BENCH_ARGS=\"--only scale${ARGS:+ $ARGS}\"\`)"
	echo "- Machine: $(bench_machine)"
	echo "- Load average (1 min, sampled every 10 s through the run): $loads. This machine is shared:"
	echo "  other engineers' builds and test suites ran beside this bench, so the times are upper bounds."
	echo "- PostgreSQL: $(lp_psql -tA -c 'SHOW server_version'); shared_buffers = 1GB, work_mem = 256MB,"
	echo "  shared_preload_libraries = 'linkpred' (linkpred.shared_cache_size = 1GB, the default)"
	echo "- linkpred: $(bench_commit)"
	first=$(echo $SIZES | cut -d ' ' -f 1)
	echo "- Model: the defaults, options \`$OPTIONS\` only (stored options: \`$(get "$first" options | sed 's/^ *//')\`"
	echo "  for $first); linkpred.max_memory at its default (4GB)"
	echo "- Total wall time: $(since "$started") s"
	echo
	echo "Graphs: \`gowalla\` is the LightGCN Gowalla training file; \`1m\`, \`10m\`, \`100m\` are"
	echo "\`bench/scale_gen.sql\`'s synthetic user-item graphs (seed 42, user and item exponents 0.6: the"
	echo "top 10% of users and of items hold about 39% of the rows, as in Gowalla), with their duplicate rows"
	echo "(merged by the loader: \"distinct edges\" is what the model trained on)."
	[ -n "$projected" ] && {
		echo "**The columns marked projection were not measured**: each figure on the straight line through"
		echo "the ${fit_a:+$fit_a and }$fit_b figures$([ -z "$fit_a" ] && echo " and the origin (proportional to the rows)"), at the graph's rows,"
		echo "for the figures that grow with the graph (times of the job's phases and of the first call, memory);"
		echo "epochs and threads as measured, the other serving figures not projected (n/a)."
	}
	echo
	printf '| | %s | target |\n' "$(echo $cols | sed 's/ / | /g; s/p\(10*m\)/\1 (projection)/g')"
	printf '|---|'; for _ in $cols; do printf -- '---:|'; done; echo '---|'
	row "rows" rows 0
	row "duplicate rows" duplicates 0
	row "distinct edges (trained on)" edges 0
	row "users" users 0
	row "items" items 0
	row "table on disk, MB" table_mb 0
	row "generating the table (or COPY), s" generate_s 1
	row "job: loading, s" load_s 1
	row "epochs" epochs 0
	row "training threads" threads 0
	row "job: training, s" train_s 1
	row "MF edge throughput, edges x epochs / training s" "edges * epochs / train_s" 0 "≥ 2,000,000 on 2 cores"
	row "job: approximate index build, s (n/a: none built)" ann_s 1
	row "job: storing, s" store_s 1
	row "job: elapsed (loading to stored), s" job_s 1
	row "first top-10 in a new backend after the job (the published copy; before 8222f17 it loads the model), s" first_call_s 3 "≤ 1 s at 10M nodes"
	row "first top-10 in another new backend (attaches the shared copy), s" attach_s 3
	row "served from a shared copy (1 = yes)" shared_copy 0
	row "loading → stored → first top-k, s" "job_s + first_call_s" 1 "≤ 1800 s at 100M edges"
	row "top-10 median, ms" topk_median 3
	row "top-10 p99, ms" topk_p99 3
	row "linkpred_score, pairs/s" "score_pairs / score_s" 0
	row "linkpred_materialize, every user's top-20, s (not run at 100m: exact, about a day)" materialize_s 1
	row "fresh top-10 median, ms" fresh_median 3
	row "worker peak RSS (peak_rss_mb), MB" peak_mb 0 "≤ 8192 MB at 100M edges"
	row "worker peak private memory (RssAnon, polled every 50 ms), MB" anon_mb 0
	row "linkpred.max_memory estimate (memory_estimate_mb), MB" estimate_mb 0
	row "estimate / peak RSS" "estimate_mb / peak_mb" 2 "within 20% (0.80-1.20)"
	row "estimate / peak private memory" "estimate_mb / anon_mb" 2
	row "peak bytes per distinct edge" "peak_mb * 1048576 / edges" 0
	row "estimate bytes per distinct edge" "estimate_mb * 1048576 / edges" 0
} >"$OUT.tmp"
mv "$OUT.tmp" "$OUT"
lp_log "wrote $OUT in $(since "$started") s"
cat "$OUT"
