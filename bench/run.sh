#!/usr/bin/env bash
# bench/run.sh: make bench.  Builds and installs linkpred, starts a throwaway
# cluster, and measures the default model and the classic heuristics on
# public link-prediction benchmarks, next to the published figures:
#
#   seal     the seven SEAL graphs, 10 random 90/10 splits each: AUC
#   gowalla  the LightGCN Gowalla split: Recall@20, NDCG@20, training time, memory
#   lastfm   HetRec last.fm user-artist edges, random 80/10/10 split: AUC
#
# Writes bench/RESULTS.md (full run) or bench/RESULTS-quick.md (--quick);
# a run with --only writes bench/RESULTS[-quick]-<datasets>.md.
# Progress goes to stderr.  See bench/README.md.
#
# usage: bash bench/run.sh [--quick] [--only seal|gowalla|lastfm[,...]] [--no-check]
#
# BENCH_PG_BINDIR=/path/bin: run the cluster with these PostgreSQL binaries
# instead of building and installing (a relocated copy of the PostgreSQL
# tree with another linkpred build installed into it: measure one build
# while the source tree is being changed).
set -Eeuo pipefail
source "$(dirname "$0")/../test/cluster.sh"
BENCH="$LP_SRC/bench"
ARGS="$*"

usage() {
	cat >&2 <<'EOF'
usage: bash bench/run.sh [--quick] [--only DATASETS] [--no-check]
  (no option)      full run: 7 SEAL graphs x 10 splits, Gowalla, LastFM -> bench/RESULTS.md
  --quick          developer loop (under a minute after the build): SEAL splits 1-2 of usair,
                   celegans, power, router; Gowalla on every 10th user; LastFM
                   -> bench/RESULTS-quick.md
  --only LIST      only these datasets: seal, gowalla, lastfm (comma separated, repeatable)
                   -> bench/RESULTS[-quick]-<datasets>.md, never the complete results
  --no-check       skip the cross-check of linkpred_evaluate against bench/reference.sql
EOF
}

mode=full
check=1
only=""
while [ $# -gt 0 ]; do
	case "$1" in
		--quick) mode=quick ;;
		--only) only="$only,${2:?--only needs a dataset list}"; shift ;;
		--only=*) only="$only,${1#--only=}" ;;
		--no-check) check=0 ;;
		-h | --help) usage; exit 0 ;;
		*) usage; echo "unknown argument: $1" >&2; exit 2 ;;
	esac
	shift
done
for d in ${only//,/ }; do
	case "$d" in seal | gowalla | lastfm) ;; *) echo "unknown dataset: $d" >&2; exit 2 ;; esac
done
want() { [ -z "$only" ] || [[ ",$only," == *",$1,"* ]]; }

if [ "$mode" = quick ]; then
	SEAL_GRAPHS="usair celegans power router"
	SEAL_SPLITS="1 2"
	GOWALLA_USER_MOD=10
	OUT="$BENCH/RESULTS-quick"
else
	SEAL_GRAPHS="usair ns pb yeast celegans power router"
	SEAL_SPLITS="1 2 3 4 5 6 7 8 9 10"
	GOWALLA_USER_MOD=1
	OUT="$BENCH/RESULTS"
fi

# a partial run never overwrites the complete results: RESULTS-seal.md,
# RESULTS-quick-gowalla-lastfm.md, ...
if [ -n "$only" ]; then
	OUT="$OUT-$(echo ${only//,/ } | tr ' ' '\n' | sort -u | paste -sd-)"
fi
OUT="$OUT.md"

bench_started=$(date +%s.%N)
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

bench_psql() { lp_psql -d bench "$@"; }

on_error() {
	lp_log "failed: $2"
	if [ -n "${LP_TMP:-}" ] && [ ! -d "$LP_TMP" ]; then
		lp_log "bench FAILED (line $1): the cluster's directory $LP_TMP vanished (removed by another job?); re-run"
		return
	fi
	lp_log "bench FAILED (line $1); server log tail:"
	[ -n "${LP_TMP:-}" ] && tail -n 30 "$LP_TMP/server.log" >&2 || true
}
trap 'on_error $LINENO "$BASH_COMMAND"' ERR

# bench_train DATASET GRAPH SPLIT MODEL RELATION SRC DST OPTIONS
# Submits a training job without waiting, polls the worker's memory from
# /proc while it runs (VmHWM: peak resident set, shared buffers it touched
# included; RssAnon: private memory, its peak as sampled), then waits for
# the job (which raises its error if it failed) and records it.
#
# An existing model of that name is dropped first, so every job trains from
# scratch: a retrain that warm-starts from the previous version (a default
# of some builds) would carry the previous split's edges, this split's test
# edges among them, into the new model.
bench_train() {
	local dataset=$1 graph=$2 split=$3 model=$4 rel=$5 src=$6 dst=$7 opts=$8
	local t0 job pid h a hwm=0 anon=0 polls=0 state
	bench_psql -v model="$model" <<'SQL'
SELECT linkpred_drop(name) FROM linkpred.models WHERE name = :'model' \g /dev/null
SQL
	t0=$(now)
	job=$(bench_psql -tA -v model="$model" -v rel="$rel" -v src="$src" -v dst="$dst" -v opts="$opts" <<'SQL'
SELECT linkpred_train(:'model', :'rel', :'src', :'dst', options => :'opts', wait => false);
SQL
)
	pid=$(bench_psql -tA -c "SELECT pid FROM linkpred.jobs WHERE id = $job")
	while [ -n "$pid" ] && [ -e "/proc/$pid/status" ]; do
		read -r h a < <(awk '/^VmHWM:/ { h = $2 } /^RssAnon:/ { a = $2 } END { print h + 0, a + 0 }' \
			"/proc/$pid/status" 2>/dev/null || echo "0 0")
		[ "$h" -gt "$hwm" ] && hwm=$h
		[ "$a" -gt "$anon" ] && anon=$a
		sleep 0.05
		# a worker that outlives its job (it should not) must not hang us
		if [ $((++polls % 40)) -eq 0 ]; then
			state=$(bench_psql -tA -c "SELECT state FROM linkpred.jobs WHERE id = $job")
			[ "$state" = queued ] || [ "$state" = running ] || break
		fi
	done
	bench_psql -tA -c "SELECT linkpred_wait($job)" >/dev/null
	bench_psql -q -v dataset="$dataset" -v graph="$graph" -v split="${split:-NULL}" -v model="$model" \
		-v job="$job" -v wall="$(since "$t0")" -v hwm="$hwm" -v anon="$anon" <<'SQL'
SELECT bench.record_training(:'dataset', :'graph', :split, :'model', :job, :wall,
                             nullif(:hwm, 0) / 1024.0, nullif(:anon, 0) / 1024.0) \g /dev/null
SQL
}

# bench_phase DATASET STARTED COVERS: record a dataset's wall time
bench_phase() {
	bench_psql -v dataset="$1" -v secs="$(since "$2")" -v covers="$3" <<'SQL'
INSERT INTO bench.phases VALUES (:'dataset', :secs, :'covers');
SQL
}

# --------------------------------------------------------------------------
lp_log "linkpred bench, $mode mode${only:+, only ${only#,}}"
lp_install_packages
if [ -n "${BENCH_PG_BINDIR:-}" ]; then
	# a relocated PostgreSQL tree with its own linkpred build: no build here
	LP_BINDIR=$BENCH_PG_BINDIR
	lp_log "using the PostgreSQL binaries (and linkpred) in $LP_BINDIR; not building"
else
	lp_build_install
fi
# Another engineer may `make install` while we run: every new backend would
# then load a different library.  Note the library's checksum now and
# compare at the end.
if [ -n "${BENCH_PG_BINDIR:-}" ]; then
	LIB_SO="$BENCH_PG_BINDIR/../lib/linkpred.so"
else
	LIB_SO="$(pg_config --pkglibdir)/linkpred.so"
fi
lib_sum() { md5sum <"$LIB_SO" | cut -c1-32; }
LIB_SUM=$(lib_sum)
lp_cluster_start "shared_buffers = 1GB" "work_mem = 256MB"
# Remember our postmaster: if the cluster's directory disappears under us
# (another job cleaning /tmp), pg_ctl cannot stop it any more, so the exit
# handler stops it by its pid.
BENCH_POSTMASTER=$(head -n 1 "$LP_TMP/data/postmaster.pid")
bench_exit() {
	local vanished=0
	[ -d "$LP_TMP/data" ] || vanished=1
	lp_cluster_stop
	if [ "$vanished" = 1 ] && kill -0 "$BENCH_POSTMASTER" 2>/dev/null; then
		lp_log "stopping our postmaster (pid $BENCH_POSTMASTER) directly"
		kill -INT "$BENCH_POSTMASTER" 2>/dev/null || true
	fi
}
trap bench_exit EXIT
lp_stage bench
files=()
if want seal; then
	for g in $SEAL_GRAPHS; do
		f=data/seal/splits/${g}_train90_splits.csv
		[ -e "$LP_SRC/../shared/$f" ] || f=$f.gz
		files+=("$f")
	done
fi
want gowalla && files+=(data/gowalla/gowalla_train.csv.gz data/gowalla/gowalla_test.csv)
want lastfm && files+=(data/lastfm/user_artist_idx.csv)
lp_stage_shared "${files[@]}"
DATA="$LP_TMP/shared/data"
SQLDIR="$LP_TMP/src/bench"
reader() { case "$1" in *.gz) echo "zcat $1" ;; *) echo "cat $1" ;; esac; }

lp_psql -c "CREATE DATABASE bench"
bench_psql -f "$SQLDIR/setup.sql"
bench_psql -f "$SQLDIR/reference.sql"
if [ "$(bench_psql -tA -c "SELECT EXISTS (SELECT 1 FROM pg_proc WHERE proname = 'linkpred_evaluate')")" = t ]; then
	EVALUATOR=extension
else
	EVALUATOR=stub
	check=0
	lp_log "the installed linkpred has no linkpred_evaluate: using the SQL stand-in (bench/stub.sql)"
	bench_psql -f "$SQLDIR/stub.sql"
fi

# --------------------------------------------------------------------------
if want seal; then
	started=$(now)
	n=0
	for g in $SEAL_GRAPHS; do
		f=$(ls "$DATA/seal/splits/${g}_train90_splits.csv"* | head -n 1)
		bench_psql -v graph="$g" -v reader="$(reader "$f")" -v splits="$(echo $SEAL_SPLITS | tr ' ' ',')" \
			-f "$SQLDIR/seal_load.sql"
		for s in $SEAL_SPLITS; do
			t0=$(now)
			bench_train seal "$g" "$s" "seal_$g" "seal.${g}_train_$s" src dst '{"bipartite": false}'
			t1=$(since "$t0")
			bench_psql -v graph="$g" -v split="$s" -v check="$check" -f "$SQLDIR/seal_eval.sql" >/dev/null
			auc=$(bench_psql -tA -c "SELECT string_agg(method || ' ' || round(value::numeric, 3), ', ' ORDER BY
			                            array_position('{model,cn,jaccard,aa,ra,pa}', method))
			                         FROM bench.metrics WHERE dataset = 'seal' AND graph = '$g' AND split = $s
			                           AND impl = 'linkpred' AND metric = 'auc'")
			n=$((n + 1))
			lp_log "seal $g split $s: trained in ${t1} s, AUC $auc ($(since "$started") s so far)"
		done
	done
	bench_phase seal "$started" "$(echo $SEAL_GRAPHS | wc -w) graphs x $(echo $SEAL_SPLITS | wc -w) splits = $n models"
fi

if want gowalla; then
	started=$(now)
	lp_log "gowalla: loading$([ "$GOWALLA_USER_MOD" -gt 1 ] && echo " every ${GOWALLA_USER_MOD}th user")"
	bench_psql -v train_reader="$(reader "$DATA/gowalla/gowalla_train.csv.gz")" \
		-v test_reader="$(reader "$DATA/gowalla/gowalla_test.csv")" \
		-v user_mod="$GOWALLA_USER_MOD" -f "$SQLDIR/gowalla_load.sql"
	lp_log "gowalla: training the default model ($(bench_psql -tA -c "SELECT train_pairs FROM bench.gowalla_stats") pairs)"
	t0=$(now)
	bench_train gowalla gowalla "" gowalla gowalla_train user_id item_id '{}'
	lp_log "gowalla: trained in $(since "$t0") s; evaluating"
	t0=$(now)
	bench_psql -v check="$check" -f "$SQLDIR/gowalla_eval.sql" >/dev/null
	lp_log "gowalla: $(bench_psql -tA -c "SELECT string_agg(metric || '@' || k || ' ' || round(value::numeric, 4), ', ' ORDER BY metric)
	                                   FROM bench.metrics WHERE dataset = 'gowalla' AND graph = 'gowalla'
	                                     AND method = 'model' AND impl = 'linkpred' AND k = 20") (evaluated in $(since "$t0") s)"
	if [ "$GOWALLA_USER_MOD" -gt 1 ]; then
		bench_phase gowalla "$started" "users with user_id % $GOWALLA_USER_MOD = 0 only (not comparable with published figures)"
	else
		bench_phase gowalla "$started" "full LightGCN split"
	fi
fi

if want lastfm; then
	started=$(now)
	bench_psql -v reader="$(reader "$DATA/lastfm/user_artist_idx.csv")" -f "$SQLDIR/lastfm_load.sql"
	t0=$(now)
	bench_train lastfm lastfm "" lastfm lastfm_train user_idx artist_idx '{}'
	lp_log "lastfm: trained in $(since "$t0") s; evaluating"
	bench_psql -v check="$check" -f "$SQLDIR/lastfm_eval.sql" >/dev/null
	lp_log "lastfm: test AUC $(bench_psql -tA -c "SELECT round(value::numeric, 4) FROM bench.metrics
	                                          WHERE dataset = 'lastfm' AND graph = 'lastfm' AND method = 'model'
	                                            AND impl = 'linkpred' AND metric = 'auc'")"
	bench_phase lastfm "$started" "random 80/10/10 split, seed 0.2011"
fi

# --------------------------------------------------------------------------
lp_log "writing $OUT"
total=$(since "$bench_started")
commit="commit $(git -C "$LP_SRC" rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [ -n "${BENCH_PG_BINDIR:-}" ]; then
	commit="the build installed with $BENCH_PG_BINDIR (the checkout is at $commit)"
elif [ -n "$(git -C "$LP_SRC" status --porcelain --untracked-files=no -- src sql Makefile 2>/dev/null)" ]; then
	commit="$commit + uncommitted changes in src/, sql/ or Makefile"
fi
cpu=$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -n 1)
[ -n "$cpu" ] || cpu=$(sed -n 's/^model name\t*: //p' /proc/cpuinfo | head -n 1)
{
	echo "# linkpred benchmarks"
	echo
	echo "- Date: $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "- Command: \`bash bench/run.sh${ARGS:+ $ARGS}\`"
	if [ "$mode" = quick ]; then
		echo "- Mode: **quick**: SEAL splits $(echo $SEAL_SPLITS | tr ' ' ',') of $(echo $SEAL_GRAPHS | tr ' ' ','); Gowalla on every ${GOWALLA_USER_MOD}th user only (a smoke test, not comparable with the published figures); LastFM in full."
	else
		echo "- Mode: full: SEAL 7 graphs x 10 splits, Gowalla (full LightGCN split), LastFM."
	fi
	[ -n "$only" ] && echo "- Datasets: only ${only#,}"
	echo "- Machine: $cpu, $(nproc) cores, $(free -g | awk '/^Mem:/ { print $2 }') GB memory"
	echo "- PostgreSQL: $(bench_psql -tA -c 'SHOW server_version'); shared_buffers = 1GB, work_mem = 256MB"
	echo "- linkpred: $commit"
	if [ "$EVALUATOR" = stub ]; then
		echo "- **Evaluation: the installed linkpred had no \`linkpred_evaluate\`; every metric below comes from the plain-SQL stand-in (bench/reference.sql via bench/stub.sql), not from the extension.**"
	else
		echo "- Evaluation: \`linkpred_evaluate\` of the extension$([ "$check" = 1 ] && echo ", cross-checked against the plain-SQL reference bench/reference.sql")"
	fi
	echo "- Total wall time: ${total} s (build, cluster start, loading, training, evaluation, report)"
	if [ "$(lib_sum)" != "$LIB_SUM" ]; then
		echo "- **WARNING: $LIB_SO changed during the run (someone ran make install): backends started after that used another build. Re-run.**"
	fi
	echo
	bench_psql -tA -v mode="$mode" -v cpu="$cpu" -f "$SQLDIR/report.sql"
} >"$OUT.tmp"
mv "$OUT.tmp" "$OUT"
if [ "$(lib_sum)" != "$LIB_SUM" ]; then
	lp_log "WARNING: $LIB_SO changed during the run (make install by someone else?); the figures mix two builds: re-run"
	exit 1
fi
lp_log "done in $(since "$bench_started") s: $OUT"
