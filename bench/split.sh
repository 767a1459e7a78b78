#!/usr/bin/env bash
# bench/split.sh: split batch inference (issue 19, item 3).  All-user top-20
# of the default model of a graph, computed once on one node and then as
# three slices (shard => s, shards => 3) on three nodes -- a primary and two
# streaming standbys on this machine -- gathered into the primary's table
# with COPY ... TO STDOUT | COPY ... FROM STDIN.  Writes bench/RESULTS-split.md
# (Gowalla) or bench/RESULTS-split-GRAPH.md (a synthetic graph).
#
#   bash bench/split.sh                          Gowalla's training file
#   bash bench/split.sh --graph 10m --epochs 1   the scale bench's 10M-edge graph
#
# --graph 1m|10m|100m generates bench/scale_gen.sql's graph exactly as
# bench/scale.sh does (scale_generate: same variables, seed 42) and trains
# the default model with options {"seed": 1} as scale.sh does; --epochs N
# adds "epochs": N (a 10M-edge job of 40 epochs takes hours on a shared
# 2-core machine; what is timed here scores the trained vectors, and its
# cost does not depend on the epochs).
#
# Times, each with the model already in the node's shared cache:
#   one node   linkpred_materialize('gowalla', recs_one, 20); and
#              linkpred_topk_many(NULL, 20) streamed out with COPY TO STDOUT
#   per slice  each node's COPY (linkpred_topk_many(..., shard => s,
#              shards => 3)) TO STDOUT into a file, one node at a time (what
#              a slice costs a node of its own); then each file loaded into
#              the primary's table with COPY FROM STDIN (the gather)
#   at once    the three pipes node -> primary run concurrently, end to end
# and checks that the gathered table is the one-node table, row for row.
# All three servers share this machine's cores, so "at once" shows the
# overhead of splitting, not a speed-up: that needs a machine per node.
set -Eeuo pipefail
source "$(dirname "$0")/common.bash"
ARGS="$*"
PORTS="5433 5434"

usage() {
	cat >&2 <<'EOF'
usage: bash bench/split.sh [--graph GRAPH] [--epochs N]
  --graph GRAPH  gowalla (the default: LightGCN's Gowalla training file) or one of
                 bench/scale_gen.sql's graphs as bench/scale.sh makes them: 1m, 10m, 100m
  --epochs N     train N epochs instead of the default (40)
EOF
}

opt_graph="" opt_epochs=""
bench_options "graph epochs" "$@"
graph=${opt_graph:-gowalla} epochs=$opt_epochs
if [ "$graph" = gowalla ]; then
	MODEL=gowalla TABLE=gowalla_train OUT="$BENCH/RESULTS-split"
	OPTIONS=${epochs:+"{\"epochs\": $epochs}"}
else
	[ -n "$(scale_spec "$graph")" ] || { usage; echo "unknown graph: $graph" >&2; exit 2; }
	MODEL="scale_$graph" TABLE=edges OUT="$BENCH/RESULTS-split-$graph"
	OPTIONS='{"seed": 1'${epochs:+", \"epochs\": $epochs"}'}'
fi

lp_install_packages
lp_build_install
lp_cluster_start "shared_buffers = 256MB" "work_mem = 256MB" "wal_level = replica" "max_wal_senders = 8" \
	"shared_preload_libraries = 'linkpred'"
stop_all() {
	local p
	kill "${BENCH_LOAD_SAMPLER:-}" 2>/dev/null || true
	for p in $PORTS; do
		lp_as_owner "$LP_BINDIR/pg_ctl" -D "$LP_TMP/standby$p" -m immediate -w stop >/dev/null 2>&1 || true
	done
	lp_cluster_stop
}
trap stop_all EXIT
W="$LP_TMP/split"
mkdir -p "$W"
bench_sample_load "$W/loadavg"
chown "$LP_OWNER" "$W"
q() { local p=$1; shift; lp_as_owner psql -X -v ON_ERROR_STOP=1 -q -p "$p" -d bench -tA "$@"; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

lp_psql -c "CREATE DATABASE bench"
lp_psql -d bench -c "CREATE EXTENSION linkpred"
t0=$(now)
if [ "$graph" = gowalla ]; then
	lp_log "loading gowalla_train"
	lp_stage_shared data/gowalla/gowalla_train.csv.gz
	lp_psql -d bench -o /dev/null <<SQL
CREATE TABLE gowalla_train (user_id integer NOT NULL, item_id integer NOT NULL);
\copy gowalla_train FROM PROGRAM 'zcat $LP_TMP/shared/data/gowalla/gowalla_train.csv.gz' CSV HEADER
SQL
else
	lp_log "generating the $graph graph ($(scale_spec "$graph" | awk '{ print $1 " rows, " $2 " users, " $3 " items" }'))"
	lp_stage bench/scale_gen.sql
	scale_generate "$graph" "$TABLE" "$LP_TMP/src/bench"
fi
load_s=$(secs "$t0" "$(now)")
lp_log "training the default model${OPTIONS:+ with options $OPTIONS}"
t0=$(now)
lp_psql -d bench -o /dev/null -v model="$MODEL" -v tbl="$TABLE" -v opts="${OPTIONS:-"{}"}" <<'SQL'
SELECT linkpred_train(:'model', :'tbl', 'user_id', 'item_id', options => :'opts') IS NULL;
CREATE TABLE recs_one (user_id integer, item integer, rank integer, score double precision);
CREATE TABLE recs_gathered (LIKE recs_one);
CREATE TABLE recs_at_once (LIKE recs_one);
SQL
train_s=$(secs "$t0" "$(now)")
model=$(q 5432 -c "SELECT n_users || ' users, ' || n_items || ' items, ' || n_edges || ' edges, dim ' || dim
                          || ', ' || (metrics->>'epochs_run') || ' epochs'
                   FROM linkpred.models WHERE name = '$MODEL'")

lp_log "starting two standbys"
for p in $PORTS; do
	lp_as_owner "$LP_BINDIR/pg_basebackup" -h "$LP_TMP" -p 5432 -U "$LP_OWNER" -D "$LP_TMP/standby$p" -R -X stream -c fast \
		>"$W/basebackup$p.log" 2>&1 || { cat "$W/basebackup$p.log" >&2; exit 1; }
	echo "port = $p" >>"$LP_TMP/standby$p/postgresql.conf"
	(cd "$LP_TMP" && lp_as_owner "$LP_BINDIR/pg_ctl" -D "$LP_TMP/standby$p" -l "$LP_TMP/standby$p.log" -w start >/dev/null)
done
lsn=$(q 5432 -c "SELECT pg_current_wal_lsn()")
for p in $PORTS; do
	for _ in $(seq 300); do
		[ "$(q "$p" -c "SELECT pg_last_wal_replay_lsn() >= '$lsn'")" = t ] && break
		sleep 0.2
	done
done
# every node loads its shared copy before anything is timed
for p in 5432 $PORTS; do q "$p" -c "SELECT count(*) FROM linkpred_topk(1, 20, '$MODEL')" >/dev/null; done

slice() { echo "COPY (SELECT * FROM linkpred_topk_many(NULL::integer[], 20, '$MODEL', shard => $1, shards => 3)) TO STDOUT"; }

lp_log "one node"
t0=$(now); q 5432 -c "SELECT linkpred_materialize('$MODEL', 'recs_one', 20)" >/dev/null; t1=$(now)
one_mat=$(secs "$t0" "$t1")
t0=$(now); q 5432 -c "COPY (SELECT * FROM linkpred_topk_many(NULL::integer[], 20, '$MODEL')) TO STDOUT" >"$W/all.tsv"; t1=$(now)
one_copy=$(secs "$t0" "$t1")
rows_one=$(q 5432 -c "SELECT count(*) FROM recs_one")

lp_log "three slices, one node at a time, then the gather"
nodes=("5433 0 standby 1" "5434 1 standby 2" "5432 2 primary")
rows_tab=""
: >"$W/slice_times"
for node in "${nodes[@]}"; do
	read -r p s name <<<"$node"
	t0=$(now); q "$p" -c "$(slice "$s")" >"$W/slice$s.tsv"; t1=$(now)
	t2=$(now); q 5432 -c "COPY recs_gathered FROM STDIN" <"$W/slice$s.tsv"; t3=$(now)
	echo "$(secs "$t0" "$t1") $(secs "$t2" "$t3")" >>"$W/slice_times"
	rows_tab="$rows_tab| $s | $name (port $p) | $(wc -l <"$W/slice$s.tsv") | $(secs "$t0" "$t1") | $(secs "$t2" "$t3") |
"
done
# the slices' sum, the slowest slice, the gathers' sum
read -r slice_sum slice_max gather_sum <<<"$(awk '{ s += $1; g += $2; if ($1 > m) m = $1 }
                                                END { printf "%.2f %.2f %.2f", s, m, g }' "$W/slice_times")"
diff_gathered=$(q 5432 -c "SELECT (SELECT count(*) FROM (TABLE recs_one EXCEPT ALL TABLE recs_gathered) x)
                               + (SELECT count(*) FROM (TABLE recs_gathered EXCEPT ALL TABLE recs_one) y)")

lp_log "three pipes at once"
t0=$(now)
pids=()
for node in "${nodes[@]}"; do
	read -r p s _ <<<"$node"
	( q "$p" -c "$(slice "$s")" | q 5432 -c "COPY recs_at_once FROM STDIN" ) &
	pids+=($!)
done
for pid in "${pids[@]}"; do wait "$pid"; done
at_once=$(secs "$t0" "$(now)")
diff_at_once=$(q 5432 -c "SELECT (SELECT count(*) FROM (TABLE recs_one EXCEPT ALL TABLE recs_at_once) x)
                              + (SELECT count(*) FROM (TABLE recs_at_once EXCEPT ALL TABLE recs_one) y)")

# --------------------------------------------------------------------------
kill "$BENCH_LOAD_SAMPLER" 2>/dev/null || true
if [ "$graph" = gowalla ]; then
	title="Gowalla" about="the default Gowalla model ($model)" loaded="loaded in $load_s s"
else
	title="the scale bench's $graph graph"
	about="the default model ($model) of \`bench/scale_gen.sql\`'s $graph graph, generated as"
	about="$about \`bench/scale.sh\` does (seed 42, exponents 0.6; $(scale_spec "$graph" | cut -d ' ' -f 1) rows)"
	loaded="generated in $load_s s"
fi
{
	echo "# Split batch inference: all-user top-20 on $title, one node and three slices"
	echo
	echo "- Date: $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "- Command: \`bash bench/split.sh${ARGS:+ $ARGS}\`"
	echo "- Machine: $(bench_machine), shared with other work"
	echo "- Load average (1 min, sampled every 10 s through the run): $(bench_load_summary "$W/loadavg")."
	echo "  Other engineers' builds, tests and benches ran on the same cores: the times are upper bounds."
	echo "- PostgreSQL: $(q 5432 -c 'SHOW server_version'); a primary and two streaming standbys"
	echo "  (pg_basebackup -R) on this machine, Unix sockets; shared_buffers = 256MB, work_mem = 256MB,"
	echo "  shared_preload_libraries = 'linkpred' (each node serves from its shared copy, loaded before timing)"
	echo "- linkpred: $(bench_commit)"
	echo "- Model: $about; options \`${OPTIONS:-"{}"}\`; $loaded, trained in $train_s s"
	[ -n "$epochs" ] && {
		echo "  ($epochs epochs instead of the default 40, to fit the run in the time this shared machine had:"
		echo "  what is timed below scores the trained vectors, and its cost does not depend on the epochs)"
	}
	echo
	echo "| one node | seconds |"
	echo "|---|---:|"
	echo "| \`linkpred_materialize('$MODEL', recs_one, 20)\` ($rows_one rows) | $one_mat |"
	echo "| \`COPY (SELECT * FROM linkpred_topk_many(NULL::integer[], 20, '$MODEL')) TO STDOUT\` into a file | $one_copy |"
	echo
	echo "Three slices (\`shard => s, shards => 3\`), one node at a time: each node's"
	echo "\`COPY (... linkpred_topk_many(..., shard => s, shards => 3)) TO STDOUT\` into a file, then the"
	echo "gather, \`COPY recs_gathered FROM STDIN\` of that file on the primary."
	echo
	echo "| slice | node | rows | slice, s | gather, s |"
	echo "|---:|---|---:|---:|---:|"
	printf '%s' "$rows_tab"
	echo
	echo "The three slices took $slice_sum s together (one node: $one_copy s for the same COPY of all users),"
	echo "the slowest $slice_max s; the three gathers $gather_sum s."
	echo
	echo "The three pipes \`node COPY TO STDOUT | primary COPY FROM STDIN\` at once, end to end: $at_once s."
	echo
	echo "Rows that differ from the one-node table (EXCEPT ALL both ways, scores in full): gathered one at"
	echo "a time $diff_gathered, gathered at once $diff_at_once."
	echo
	echo "This is one 2-core machine running all three servers: it shows that the slices are correct"
	echo "and what splitting costs (each slice scores only its users, but every node still reads the"
	echo "whole model, and the gather is one more COPY), not a speed-up. Run concurrently, the three"
	echo "slices compete for the same two cores. With a machine per node the slices run in parallel"
	echo "and the wall time is about the slowest slice plus the gather."
} >"$OUT.md.tmp"
mv "$OUT.md.tmp" "$OUT.md"
lp_log "wrote $OUT.md"
cat "$OUT.md"
