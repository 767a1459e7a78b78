#!/usr/bin/env bash
# bench/first_call.sh: storing a version and the first top-k of a new backend
# at scale (issue 18, items 6 and 8).  Writes bench/RESULTS-first-call.md.
#
#   bash bench/first_call.sh --label after                 the 10m graph
#   bash bench/first_call.sh --label after --graphs 10m,10mnodes
#   FIRST_CALL_COMMIT="main abc1234" bash bench/first_call.sh --label before --build no
#                        (a build installed by hand; the variable names it)
#
# Graphs: 10m is bench/scale_gen.sql's 10M-edge graph (500k users, 200k
# items, as scale.sh); 10mnodes has about ten million nodes (8M user ids,
# 2M item ids, 40M rows: about 5 edges per user); two node-heavy graphs
# that train in minutes: 6mnodes (10M rows over 8M user ids and 1M item
# ids: 4.7M users, 1M items) and 10mnodes20m (20M rows over 12M user ids
# and 2M item ids: about 8.1M users and 2M items).  Per graph, in a cluster
# that preloads linkpred (shared_buffers 1GB, linkpred.shared_cache_size
# 8GB), the default model with options {"seed": 1, "epochs": 1}:
#   store_s           the job's metrics->'store_seconds'
#   private_s         the first top-10 of a new backend with the shared cache
#                     off (linkpred.shared_cache_size = 0): it reads the version
#   private_*_blocks  the TOAST blocks that call fetched (buffer hits or reads)
#                     of linkpred.embedding_store and of version_catalog (the
#                     index): what it reads, whatever the load
#   publish_s         the first top-10 of a new backend with the shared cache
#                     on and no copy yet: it reads the version and publishes it
#   attach_s          the first top-10 of another new backend: it attaches
# and, when the build has linkpred.publish_on_store (after), a retrain with it
# on, while 8 pgbench clients run top-10 on the model (item 8):
#   ready_s           from linkpred_train's return to the worker's copy ready
#   attach_after_s    then the first top-10 of a new backend (attaches)
#   pgbench_*         the clients' transactions, failures and throughput
# Each figure is one run's: the machine is shared, the header records the
# load average.  kv files go to $FIRST_CALL_STATE (default
# /tmp/linkpred-first-call), one per label and graph; the report is made
# from all of them, so a before run and an after run land in one table.
set -Eeuo pipefail
source "$(dirname "$0")/common.bash"
OUT="$BENCH/RESULTS-first-call.md"
STATE=${FIRST_CALL_STATE:-/tmp/linkpred-first-call}
OPTIONS='{"seed": 1, "epochs": 1}'

usage() {
	cat >&2 <<'EOF'
usage: bash bench/first_call.sh --label LABEL [--graphs LIST] [--build no] [--retrain no] [--report yes]
  --label LABEL    what this run measures (before, after): a column of the report
  --graphs LIST    10m, 10mnodes, 6mnodes, 10mnodes20m, comma separated (default: 10m)
  --build no       do not build and install this checkout (measure what is installed)
  --retrain no     skip the retrain with publish_on_store and pgbench clients (item 8)
  --report yes     measure nothing: write the report from the figures kept so far
EOF
}
opt_label="" opt_graphs="" opt_build="" opt_retrain="" opt_report=""
bench_options "label graphs build retrain report" "$@"
[ -n "$opt_label" ] || [ -n "$opt_report" ] || { usage; exit 2; }
graphs=${opt_graphs:-10m}
mkdir -p "$STATE"
chmod 777 "$STATE"

spec() {
	case "$1" in
		10m) echo 10000000 500000 200000 ;;
		10mnodes) echo 40000000 8000000 2000000 ;;
		6mnodes) echo 10000000 8000000 1000000 ;;
		10mnodes20m) echo 20000000 12000000 2000000 ;;
		*) usage; echo "unknown graph: $1" >&2; exit 2 ;;
	esac
}
for g in ${graphs//,/ }; do spec "$g" >/dev/null; done

if [ -z "$opt_report" ]; then
lp_install_packages
[ "$opt_build" = no ] || lp_build_install
lp_cluster_start "shared_buffers = 1GB" "work_mem = 256MB" "shared_preload_libraries = 'linkpred'" \
	"linkpred.shared_cache_size = 8GB" "max_connections = 40" \
	"linkpred.publish_on_store = off"	# on by default since 8222f17; the retrain below turns it on
lp_stage bench
SQLDIR="$LP_TMP/src/bench"
command -v pgbench >/dev/null || PATH=$PATH:$LP_BINDIR
q() { lp_psql -d bench -tA "$@"; }
bench_sample_load "$STATE/loadavg-$opt_label"
trap 'kill $BENCH_LOAD_SAMPLER 2>/dev/null || true; lp_cluster_stop' EXIT

# first_call: seconds of the first top-10 in a new backend (psql's \timing)
first_call() {
	lp_psql -d bench -c '\timing on' -c "SELECT count(*) FROM linkpred_topk(12345, 10, model => 's')" |
		sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | awk '{ printf "%.3f", $1 / 1000 }'
}
# first_call_read: the same first top-10 in a transaction, then the blocks it
# fetched from the TOAST tables of linkpred.embedding_store and of
# linkpred.version_catalog (the index), as "seconds store_blocks ann_blocks"
# (a measure of what the call reads that does not depend on the load)
first_call_read() {
	lp_psql -d bench -qtA -c '\timing on' -c 'BEGIN' \
		-c "SELECT count(*) FROM linkpred_topk(12345, 10, model => 's')" \
		-c "SELECT pg_stat_get_xact_blocks_fetched(reltoastrelid) FROM pg_class
		    WHERE oid IN ('linkpred.embedding_store'::regclass, 'linkpred.version_catalog'::regclass)
		    ORDER BY oid = 'linkpred.version_catalog'::regclass" -c 'COMMIT' |
		awk '/^Time: / { if (++t == 2) s = $2 / 1000; next } t == 2 { b = b " " $1 } END { printf "%.3f%s", s, b }'
}
set_conf() {
	lp_psql -c "ALTER SYSTEM SET $1" -c "SELECT pg_reload_conf()" >/dev/null
	sleep 1
}
job_metric() { q -c "SELECT metrics->>'$1' FROM linkpred.versions WHERE model = 's' AND active"; }

run_graph() {
	local g=$1 kv="$STATE/$opt_label-$1.kv" edges users items t0 job ready
	read -r edges users items <<<"$(spec "$g")"
	lp_psql -c "DROP DATABASE IF EXISTS bench" -c "CREATE DATABASE bench"
	q -c "CREATE EXTENSION linkpred" >/dev/null
	lp_log "$g: generating $edges rows over $users user ids and $items item ids"
	q -v tbl=edges -v n_edges="$edges" -v n_users="$users" -v n_items="$items" \
		-v user_exponent=0.6 -v item_exponent=0.6 -v seed=42 -f "$SQLDIR/scale_gen.sql" >/dev/null
	lp_log "$g: training"
	[ "$g" != 10m ] && q -c "ALTER DATABASE bench SET linkpred.max_memory = '16GB'" >/dev/null
	q -c "SELECT linkpred_train('s', 'edges', 'user_id', 'item_id', options => '$OPTIONS')" >/dev/null
	{
		printf 'commit\t%s\n' "${FIRST_CALL_COMMIT:-$(bench_commit)}"
		printf 'users\t%s\n' "$(q -c "SELECT n_users FROM linkpred.models WHERE name = 's'")"
		printf 'items\t%s\n' "$(q -c "SELECT n_items FROM linkpred.models WHERE name = 's'")"
		printf 'edges\t%s\n' "$(q -c "SELECT n_edges FROM linkpred.models WHERE name = 's'")"
		printf 'train_s\t%s\n' "$(job_metric train_seconds)"
		printf 'store_s\t%s\n' "$(job_metric store_seconds)"
		printf 'peak_mb\t%s\n' "$(job_metric peak_rss_mb)"
		printf 'store_rows\t%s\n' "$(q -c "SELECT count(*) FROM linkpred.embedding_store")"
		printf 'store_mb\t%s\n' "$(q -c "SELECT round(pg_total_relation_size('linkpred.embedding_store') / 1048576.0)")"
	} >"$kv"
	lp_log "$g: first calls"
	set_conf "linkpred.shared_cache_size = 0"
	read -r t sb ab <<<"$(first_call_read)"
	printf 'private_s\t%s\nprivate_store_blocks\t%s\nprivate_ann_blocks\t%s\n' "$t" "$sb" "$ab" >>"$kv"
	set_conf "linkpred.shared_cache_size = '8GB'"
	printf 'publish_s\t%s\n' "$(first_call)" >>"$kv"
	printf 'attach_s\t%s\n' "$(first_call)" >>"$kv"
	printf 'copy_mb\t%s\n' "$(q -c "SELECT round(sum(bytes) / 1048576.0) FROM linkpred_cache_status() WHERE model = 's' AND shared")" >>"$kv"

	if [ "$opt_retrain" != no ] &&
		[ "$(q -c "SELECT count(*) FROM pg_settings WHERE name = 'linkpred.publish_on_store'")" = 1 ]; then
		lp_log "$g: a retrain with linkpred.publish_on_store on, 8 pgbench clients meanwhile"
		set_conf "linkpred.publish_on_store = on"
		echo "SELECT count(*) FROM linkpred_topk((random() * 200000)::integer, 10, model => 's');" \
			>"$STATE/topk.sql"
		job=$(q -c "SELECT linkpred_train('s', 'edges', 'user_id', 'item_id', options => '$OPTIONS', wait => false)")
		rm -f "$STATE/ready"
		# meanwhile: when the worker's copy is first seen ready (every 0.1 s)
		(
			t0=$(now)
			until [ -n "$(q -c "SELECT 1 FROM linkpred_cache_status()
			                   WHERE model = 's' AND shared AND state = 'ready' AND job_id = $job")" ]; do
				sleep 0.1
				[ "$(since "$t0" | cut -d. -f1)" -lt 3600 ] || exit 0
			done
			q -c "SELECT extract(epoch FROM clock_timestamp())" >"$STATE/ready"
		) &
		poller=$!
		# 10-second pgbench runs until the job ends (each run's summary kept)
		: >"$STATE/pgbench-$opt_label-$g.log"
		while [[ "$(q -c "SELECT state FROM linkpred.jobs WHERE id = $job")" =~ ^(queued|running)$ ]]; do
			lp_as_owner pgbench -n -c 8 -j 2 -T 10 -f "$STATE/topk.sql" bench \
				>>"$STATE/pgbench-$opt_label-$g.log" 2>&1 || true
		done
		[ "$(q -c "SELECT state FROM linkpred.jobs WHERE id = $job")" = done ] ||
			{ lp_log "job $job did not end done"; q -c "SELECT error FROM linkpred.jobs WHERE id = $job"; exit 1; }
		wait "$poller"
		{
			printf 'ready_s\t%s\n' "$(q -c "SELECT round(($(cat "$STATE/ready" 2>/dev/null || echo NULL)
			                                      - extract(epoch FROM finished_at))::numeric, 3)
			                              FROM linkpred.jobs WHERE id = $job")"
			printf 'attach_after_s\t%s\n' "$(first_call)"
			awk '/^number of transactions actually processed:/ { t += $6 }
			     /^number of failed transactions:/ { f += $5 }
			     /^tps = / { n++; s += $3 }
			     END { printf "pgbench_tx\t%d\npgbench_failed\t%d\npgbench_runs\t%d\npgbench_tps\t%.0f\n", t, f, n, n ? s / n : 0 }' \
				"$STATE/pgbench-$opt_label-$g.log"
		} >>"$kv"
		set_conf "linkpred.publish_on_store = off"
	fi
	lp_log "$g: $(tr '\n\t' ' =' <"$kv")"
	lp_psql -c "DROP DATABASE bench"
}

for g in ${graphs//,/ }; do
	run_graph "$g"
done
kill "$BENCH_LOAD_SAMPLER" 2>/dev/null || true
printf '%s\t%s\n' "$opt_label" "$(bench_load_summary "$STATE/loadavg-$opt_label")" >"$STATE/load-$opt_label"
fi
# a run stopped early (killed) left its load samples unsummarised
for f in "$STATE"/loadavg-*; do
	l=${f##*/loadavg-}
	[ -f "$STATE/load-$l" ] || printf '%s\t%s\n' "$l" "$(bench_load_summary "$f")" >"$STATE/load-$l"
done

# ------------------------------------------------------------------ the report
get() { awk -F '\t' -v k="$2" '$1 == k { v = $2 } END { print (v == "" ? "n/a" : v) }' "$STATE/$1.kv" 2>/dev/null; }
cols=$(cd "$STATE" && ls -- *.kv 2>/dev/null | sed 's/\.kv$//' | sort -t- -k2,2 -k1,1r)
row() {
	local label=$1 key=$2 line="| $1 |"
	for c in $cols; do line="$line $(get "$c" "$key") |"; done
	echo "$line${3:+ $3 |}"
}
{
	echo "# linkpred first-call bench (issue 18, items 6 and 8)"
	echo
	echo "- Date: $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "- Command: \`bash bench/first_call.sh --label LABEL --graphs ...\` (one run per column's label;"
	echo "  before = main's build installed by hand and \`--build no\`)"
	echo "- Machine: $(bench_machine); shared with other engineers' builds and tests: times are one run each, upper bounds"
	for f in "$STATE"/load-*; do
		echo "- Load average during the $(cut -f1 "$f") run (1 min, every 10 s): $(cut -f2 "$f")"
	done
	echo "- PostgreSQL: $("$LP_BINDIR/postgres" --version | sed 's/^postgres (PostgreSQL) //'); shared_buffers = 1GB, work_mem = 256MB,"
	echo "  linkpred preloaded, linkpred.shared_cache_size = 8GB (0 for the private figure)"
	echo "- Model: options \`$OPTIONS\` (the defaults otherwise: dim 64, MF, the approximate index at this size)"
	echo "- Graphs: 10m = bench/scale_gen.sql with 10M rows over 500k user ids and 200k item ids (scale.sh's);"
	echo "  10mnodes = 40M rows over 8M user ids and 2M item ids; 6mnodes = 10M rows over 8M user ids"
	echo "  and 1M item ids; 10mnodes20m = 20M rows over 12M user ids and 2M item ids (seed 42,"
	echo "  exponents 0.6 both)"
	echo
	echo "| | $(for c in $cols; do printf '%s | ' "$c"; done)target |"
	echo "|---|$(for c in $cols; do printf -- '---:|'; done)---|"
	row commit commit
	row users users
	row items items
	row "distinct edges" edges
	row "job: training, s" train_s
	row "job: storing, s" store_s "≤ 60 s at 10M nodes"
	row "worker peak RSS, MB" peak_mb
	row "linkpred.embedding_store rows" store_rows
	row "linkpred.embedding_store, MB" store_mb
	row "first top-10 in a new backend, shared cache off (reads the version), s" private_s "≤ 1 s at 10M nodes"
	row "its TOAST blocks read: linkpred.embedding_store (8 kB each)" private_store_blocks
	row "its TOAST blocks read: linkpred.version_catalog (the index)" private_ann_blocks
	row "first top-10 in a new backend, shared cache on, no copy yet (reads and publishes), s" publish_s "≤ 1 s at 10M nodes"
	row "first top-10 in another new backend (attaches the copy), s" attach_s
	row "the shared copy, MB" copy_mb
	row "publish_on_store: copy ready after the retrain's job ended, s" ready_s
	row "publish_on_store: first top-10 in a new backend after it, s" attach_after_s "≤ 1 s at 10M nodes"
	row "8 pgbench clients during the retrain: top-10 calls" pgbench_tx
	row "8 pgbench clients during the retrain: failed" pgbench_failed "0"
	row "8 pgbench clients during the retrain: 10 s runs" pgbench_runs
	row "8 pgbench clients during the retrain: top-10/s (mean of the runs)" pgbench_tps
} >"$OUT.new"
if [ -f "$OUT" ] && grep -q '^## ' "$OUT"; then
	{ echo; sed -n '/^## /,$p' "$OUT"; } >>"$OUT.new"
fi
mv "$OUT.new" "$OUT"
lp_log "wrote $OUT"
