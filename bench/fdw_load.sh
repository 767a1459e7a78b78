#!/usr/bin/env bash
# bench/fdw_load.sh: sharded sources (issue 19, item 2).  Gowalla's training
# edges split by user between two shard servers (clusters on this machine,
# Unix sockets), read on the main server through a partitioned table whose
# partitions are postgres_fdw foreign tables, against a local table holding
# the same rows in the same order.  Writes bench/RESULTS-fdw.md.
#
#   bash bench/fdw_load.sh
#
# Times, each the median of three runs:
#   read   COPY (SELECT user_id, item_id FROM source) TO STDOUT into
#          /dev/null: the statement the training loader runs, without it
#   job    linkpred_train(..., '{"epochs": 1, "seed": 1}'): the job's
#          elapsed time, and that minus its training loop (train_seconds):
#          loading the edges, the checks, storing the version
# for the local table, the sharded table with postgres_fdw's default
# fetch_size (100 rows a round trip) and with fetch_size 10000; and checks
# that the three models store the same embeddings.
set -Eeuo pipefail
source "$(dirname "$0")/../test/cluster.sh"
OUT="$LP_SRC/bench/RESULTS-fdw"
SHARDS="5441 5442"

lp_install_packages
lp_build_install
lp_cluster_start "shared_buffers = 256MB" "work_mem = 256MB"
stop_all() {
	local p
	for p in $SHARDS; do lp_plain_cluster_stop "$LP_TMP/shard$p" immediate || true; done
	lp_cluster_stop
}
trap stop_all EXIT
lp_stage_shared data/gowalla/gowalla_train.csv.gz
q() { lp_as_owner psql -X -v ON_ERROR_STOP=1 -q -d bench -tA "$@"; }
on_shard() { local p=$1; shift; lp_as_owner psql -X -v ON_ERROR_STOP=1 -q -h "$LP_TMP/shard$p" -p "$p" -d shard -tA "$@"; }
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
median() { printf '%s\n' "$@" | sort -g | sed -n 2p; }

lp_psql -c "CREATE DATABASE bench"
lp_log "loading gowalla_train"
lp_psql -d bench -o /dev/null <<SQL
CREATE EXTENSION linkpred;
CREATE EXTENSION postgres_fdw;
CREATE TABLE gowalla_file (user_id integer NOT NULL, item_id integer NOT NULL);
\copy gowalla_file FROM PROGRAM 'zcat $LP_TMP/shared/data/gowalla/gowalla_train.csv.gz' CSV HEADER
SQL
split=$(q -c "SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY user_id) FROM gowalla_file")
# the local copy: the file's rows, those of the first shard first, each part in the file's order
q -c "CREATE TABLE gowalla_local AS
      SELECT user_id, item_id FROM (SELECT row_number() OVER () AS rn, * FROM gowalla_file) f
      ORDER BY user_id >= $split, rn" >/dev/null

lp_log "starting two shard servers, each with its half"
i=0
for p in $SHARDS; do
	lp_plain_cluster_start "$LP_TMP/shard$p" "$p"
	if [ "$i" -eq 0 ]; then where="user_id < $split"; else where="user_id >= $split"; fi
	lp_as_owner psql -X -q -h "$LP_TMP/shard$p" -p "$p" -d postgres -c "CREATE DATABASE shard" >/dev/null
	on_shard "$p" -c "CREATE TABLE edges (user_id integer NOT NULL, item_id integer NOT NULL)"
	q -c "COPY (SELECT * FROM gowalla_local WHERE $where) TO STDOUT" | on_shard "$p" -c "COPY edges FROM STDIN"
	on_shard "$p" -c "VACUUM ANALYZE edges"
	q -c "CREATE SERVER shard$i FOREIGN DATA WRAPPER postgres_fdw
	          OPTIONS (host '$LP_TMP/shard$p', port '$p', dbname 'shard');
	      CREATE USER MAPPING FOR CURRENT_USER SERVER shard$i" >/dev/null
	i=$((i + 1))
done
q -o /dev/null <<SQL
CREATE TABLE gowalla_sharded (user_id integer, item_id integer) PARTITION BY RANGE (user_id);
CREATE FOREIGN TABLE gowalla_sharded_0 PARTITION OF gowalla_sharded FOR VALUES FROM (MINVALUE) TO ($split)
    SERVER shard0 OPTIONS (table_name 'edges');
CREATE FOREIGN TABLE gowalla_sharded_1 PARTITION OF gowalla_sharded FOR VALUES FROM ($split) TO (MAXVALUE)
    SERVER shard1 OPTIONS (table_name 'edges');
VACUUM ANALYZE gowalla_local;
SQL
rows=$(q -c "SELECT count(*) FROM gowalla_local")
same_order=$(q -c "SELECT (SELECT md5(string_agg(t::text, ',')) FROM gowalla_sharded t)
                        = (SELECT md5(string_agg(t::text, ',')) FROM gowalla_local t)")

# measure LABEL RELATION MODEL: one table row of medians
measure() {
	local reads=() jobs=() outs=() r t0 line
	for r in 1 2 3; do
		t0=$(now)
		q -c "COPY (SELECT user_id, item_id FROM $2) TO STDOUT" >/dev/null
		reads+=("$(secs "$t0" "$(now)")")
		q -c "SELECT linkpred_train('$3', '$2', 'user_id', 'item_id',
		                            options => '{\"epochs\": 1, \"seed\": 1, \"warm_start\": false}')" >/dev/null
		line=$(q -F ' ' -c "SELECT round(extract(epoch FROM j.elapsed)::numeric, 2),
		                           round((extract(epoch FROM j.elapsed) - (m.metrics->>'train_seconds')::float8)::numeric, 2)
		                    FROM linkpred.jobs j JOIN linkpred.models m ON m.name = j.model
		                    WHERE j.model = '$3' ORDER BY j.id DESC LIMIT 1")
		jobs+=("${line% *}")
		outs+=("${line#* }")
	done
	echo "| $1 | $(median "${reads[@]}") | $(median "${jobs[@]}") | $(median "${outs[@]}") |"
}
embeddings() {
	q -c "SELECT md5(string_agg(concat_ws(' ', side, idx, key, degree, bias, vec::text), ',' ORDER BY side, idx))
	      FROM linkpred.embeddings e JOIN linkpred.models m ON m.name = e.model AND m.active_version = e.version
	      WHERE e.model = '$1'"
}

lp_log "measuring"
tab="$(measure "local table \`gowalla_local\`" gowalla_local g_local)
$(measure "sharded, fetch_size 100 (the default)" gowalla_sharded g_sharded)"
q -c "ALTER SERVER shard0 OPTIONS (ADD fetch_size '10000'); ALTER SERVER shard1 OPTIONS (ADD fetch_size '10000')"
tab="$tab
$(measure "sharded, fetch_size 10000" gowalla_sharded g_sharded_fetch)"
eq=$([ "$(embeddings g_local)" = "$(embeddings g_sharded)" ] && [ "$(embeddings g_local)" = "$(embeddings g_sharded_fetch)" ] &&
	echo "equal" || echo "NOT equal")

# --------------------------------------------------------------------------
commit="commit $(git -C "$LP_SRC" rev-parse --short HEAD 2>/dev/null || echo unknown)"
[ -z "$(git -C "$LP_SRC" status --porcelain --untracked-files=all -- src sql Makefile 2>/dev/null)" ] ||
	commit="$commit + uncommitted changes in src/, sql/ or Makefile"
cpu=$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -n 1)
{
	echo "# Sharded sources: Gowalla's training edges from two postgres_fdw shards and from a local table"
	echo
	echo "- Date: $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "- Command: \`bash bench/fdw_load.sh\`"
	echo "- Machine: $cpu, $(nproc) cores, $(free -g | awk '/^Mem:/ { print $2 }') GB memory, shared with other work;"
	echo "  load average at the end $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "- PostgreSQL: $(q -c 'SHOW server_version'); the main server and two shard servers on this"
	echo "  machine, Unix sockets; shared_buffers = 256MB on the main server"
	echo "- linkpred: $commit"
	echo "- Data: \`gowalla_train\` ($rows rows), users below $split on the first shard, the rest on the"
	echo "  second; \`gowalla_sharded\` partitioned by range of \`user_id\`, two foreign partitions;"
	echo "  \`gowalla_local\` the same rows in the order the partitioned table yields them (same order: $same_order)"
	echo
	echo "Median of three runs, seconds. Read: \`COPY (SELECT user_id, item_id FROM source) TO STDOUT\`,"
	echo "the loader's statement. Job: \`linkpred_train\` with \`{\"epochs\": 1, \"seed\": 1}\`, its"
	echo "\`elapsed\`; outside the loop: that minus \`train_seconds\` (loading, checks, storing)."
	echo
	echo "| source | read | job | outside the loop |"
	echo "|---|---:|---:|---:|"
	echo "$tab"
	echo
	echo "The three models' stored embeddings: $eq."
} >"$OUT.md.tmp"
mv "$OUT.md.tmp" "$OUT.md"
lp_log "wrote $OUT.md"
cat "$OUT.md"
