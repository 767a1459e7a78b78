#!/usr/bin/env bash
# bench/run.sh: make bench.  Builds and installs linkpred, starts a throwaway
# cluster, and measures the default model and the classic heuristics on
# public link-prediction benchmarks, next to the published figures:
#
#   seal     the seven SEAL graphs, 10 random 90/10 splits each: AUC
#   gowalla  the LightGCN Gowalla split: Recall@20, NDCG@20, training time, memory
#   lastfm   HetRec last.fm user-artist edges, random 80/10/10 split: AUC
#   warm     a nightly retrain on Gowalla: warm start from a model of 95% of the
#            training pairs against a cold retrain; epochs, time, Recall@20
#   serving  the default Gowalla model: top-k latency (SQL loop and pgbench),
#            linkpred_materialize for every user, linkpred_score throughput,
#            fresh => true latency
#   scale    only when asked for (--only scale, alone): bench/scale.sh, the
#            phases, serving and memory of synthetic graphs of 1M and 10M
#            edges (--size 100m adds 100M) and Gowalla -> bench/RESULTS-scale.md
#
# Writes bench/RESULTS.md (full run) or bench/RESULTS-quick.md (--quick);
# a run with --only writes bench/RESULTS[-quick]-<datasets>.md.
# Progress goes to stderr.  See bench/README.md.
#
# usage: bash bench/run.sh [--quick] [--only seal|gowalla|lastfm|warm|serving[,...]] [--no-check]
#        bash bench/run.sh --only scale [--sizes LIST] [--size SIZE]
#
# BENCH_PG_BINDIR=/path/bin: run the cluster with these PostgreSQL binaries
# instead of building and installing (a relocated copy of the PostgreSQL
# tree with another linkpred build installed into it: measure one build
# while the source tree is being changed).
set -Eeuo pipefail
source "$(dirname "$0")/common.bash"
ARGS="$*"

usage() {
	cat >&2 <<'EOF'
usage: bash bench/run.sh [--quick] [--only DATASETS] [--no-check]
  (no option)      full run: 7 SEAL graphs x 10 splits, Gowalla, LastFM, warm start, serving
                   -> bench/RESULTS.md
  --quick          developer loop (about a minute after the build): SEAL splits 1-2 of usair,
                   celegans, power, router; Gowalla, warm start and serving on every 10th
                   user, with fewer serving calls; LastFM -> bench/RESULTS-quick.md
  --only LIST      only these datasets: seal, gowalla, lastfm, warm, serving (comma separated,
                   repeatable)
                   -> bench/RESULTS[-quick]-<datasets>.md, never the complete results
  --no-check       skip the cross-check of linkpred_evaluate against bench/reference.sql
  --only scale [--sizes LIST] [--size SIZE]
                   bash bench/scale.sh with these options (see its --help): the scale bench,
                   never part of a full run -> bench/RESULTS-scale.md
EOF
}

mode=full
check=1
only=""
scale_args=()
while [ $# -gt 0 ]; do
	case "$1" in
		--quick) mode=quick ;;
		--only) only="$only,${2:?--only needs a dataset list}"; shift ;;
		--only=*) only="$only,${1#--only=}" ;;
		--no-check) check=0 ;;
		--sizes | --size) scale_args+=("$1" "${2:?$1 needs a value}"); shift ;;
		--sizes=* | --size=*) scale_args+=("$1") ;;
		-h | --help) usage; exit 0 ;;
		*) usage; echo "unknown argument: $1" >&2; exit 2 ;;
	esac
	shift
done
for d in ${only//,/ }; do
	case "$d" in seal | gowalla | lastfm | warm | serving | scale) ;; *) echo "unknown dataset: $d" >&2; exit 2 ;; esac
done
# the scale bench is a script of its own, with its own cluster and results file
if [[ ",$only," == *",scale,"* ]]; then
	if [ "$(echo ${only//,/ } | tr ' ' '\n' | sort -u)" != scale ] || [ "$mode" = quick ]; then
		echo "--only scale runs alone (no other dataset, no --quick)" >&2
		exit 2
	fi
	exec bash "$BENCH/scale.sh" "${scale_args[@]}"
fi
if [ ${#scale_args[@]} -gt 0 ]; then
	echo "--sizes and --size go with --only scale" >&2
	exit 2
fi
want() { [ -z "$only" ] || [[ ",$only," == *",$1,"* ]]; }

if [ "$mode" = quick ]; then
	SEAL_GRAPHS="usair celegans power router"
	SEAL_SPLITS="1 2"
	GOWALLA_USER_MOD=10
	SERVING_CALLS=300 FRESH_CALLS=100 SCORE_PAIRS=100000 PGBENCH_SECONDS=5
	OUT="$BENCH/RESULTS-quick"
else
	SEAL_GRAPHS="usair ns pb yeast celegans power router"
	SEAL_SPLITS="1 2 3 4 5 6 7 8 9 10"
	GOWALLA_USER_MOD=1
	SERVING_CALLS=2000 FRESH_CALLS=300 SCORE_PAIRS=1000000 PGBENCH_SECONDS=15
	OUT="$BENCH/RESULTS"
fi

# a partial run never overwrites the complete results: RESULTS-seal.md,
# RESULTS-quick-gowalla-lastfm.md, ...
if [ -n "$only" ]; then
	OUT="$OUT-$(echo ${only//,/ } | tr ' ' '\n' | sort -u | paste -sd-)"
fi
OUT="$OUT.md"

bench_started=$(now)

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
if want gowalla || want warm || want serving; then
	files+=(data/gowalla/gowalla_train.csv.gz data/gowalla/gowalla_test.csv)
fi
want lastfm && files+=(data/lastfm/user_artist_idx.csv data/lastfm/user_user_idx.csv)
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
			# the spectral preset for undirected graphs, under dataset seal_spectral
			t0=$(now)
			bench_train seal_spectral "$g" "$s" "seal_${g}_spectral" "seal.${g}_train_$s" src dst \
				'{"bipartite": false, "encoder": "spectral"}'
			t2=$(since "$t0")
			bench_psql -c "SELECT bench.evaluate('seal_spectral', '$g', $s, 'seal_${g}_spectral',
			                                     'seal.${g}_test_$s', 'label', 'model', '{10,20}', 1, 'linkpred')" >/dev/null
			auc="$auc; spectral $(bench_psql -tA -c "SELECT round(value::numeric, 3) FROM bench.metrics
			                         WHERE dataset = 'seal_spectral' AND graph = '$g' AND split = $s AND metric = 'auc'")"
			n=$((n + 1))
			lp_log "seal $g split $s: trained in ${t1} s (spectral ${t2} s), AUC $auc ($(since "$started") s so far)"
		done
	done
	bench_phase seal "$started" "$(echo $SEAL_GRAPHS | wc -w) graphs x $(echo $SEAL_SPLITS | wc -w) splits = $n models"
fi

# the Gowalla tables, loaded by the first section that needs them (gowalla,
# warm or serving), in that section's wall time
gowalla_loaded=0
gowalla_load() {
	[ "$gowalla_loaded" = 1 ] && return 0
	lp_log "gowalla: loading$([ "$GOWALLA_USER_MOD" -gt 1 ] && echo " every ${GOWALLA_USER_MOD}th user")"
	bench_psql -v train_reader="$(reader "$DATA/gowalla/gowalla_train.csv.gz")" \
		-v test_reader="$(reader "$DATA/gowalla/gowalla_test.csv")" \
		-v user_mod="$GOWALLA_USER_MOD" -f "$SQLDIR/gowalla_load.sql"
	gowalla_loaded=1
}
gowalla_covers() {
	if [ "$GOWALLA_USER_MOD" -gt 1 ]; then
		echo "Gowalla users with user_id % $GOWALLA_USER_MOD = 0 only (not comparable with published figures)$1"
	else
		echo "full LightGCN split$1"
	fi
}

if want gowalla; then
	started=$(now)
	gowalla_load
	lp_log "gowalla: training the default model ($(bench_psql -tA -c "SELECT train_pairs FROM bench.gowalla_stats") pairs)"
	t0=$(now)
	bench_train gowalla gowalla "" gowalla gowalla_train user_id item_id '{}'
	lp_log "gowalla: trained in $(since "$t0") s; evaluating"
	t0=$(now)
	bench_psql -v check="$check" -f "$SQLDIR/gowalla_eval.sql" >/dev/null
	lp_log "gowalla: $(bench_psql -tA -c "SELECT string_agg(metric || '@' || k || ' ' || round(value::numeric, 4), ', ' ORDER BY metric)
	                                   FROM bench.metrics WHERE dataset = 'gowalla' AND graph = 'gowalla'
	                                     AND method = 'model' AND impl = 'linkpred' AND k = 20") (evaluated in $(since "$t0") s)"
	# the quality preset of the README: the spectral encoder
	lp_log "gowalla: training the spectral preset"
	t0=$(now)
	bench_train gowalla "gowalla spectral" "" gowalla_spectral gowalla_train user_id item_id '{"encoder": "spectral"}'
	lp_log "gowalla: spectral trained in $(since "$t0") s; evaluating"
	bench_psql -c "SELECT bench.evaluate('gowalla', 'gowalla spectral', NULL, 'gowalla_spectral', 'gowalla_test',
	                                     NULL, 'model', '{20}', 1, 'linkpred')" >/dev/null
	bench_psql -f "$SQLDIR/spectral_latency.sql" >/dev/null
	lp_log "gowalla: spectral $(bench_psql -tA -c "SELECT string_agg(metric || '@' || k || ' ' || round(value::numeric, 4), ', ' ORDER BY metric)
	                                   FROM bench.metrics WHERE dataset = 'gowalla' AND graph = 'gowalla spectral'
	                                     AND method = 'model' AND impl = 'linkpred' AND k = 20")"
	if [ "$GOWALLA_USER_MOD" -gt 1 ]; then
		bench_phase gowalla "$started" "users with user_id % $GOWALLA_USER_MOD = 0 only (not comparable with published figures)"
	else
		bench_phase gowalla "$started" "full LightGCN split"
	fi
fi

if want lastfm; then
	started=$(now)
	bench_psql -v reader="$(reader "$DATA/lastfm/user_artist_idx.csv")" \
		-v friends_reader="$(reader "$DATA/lastfm/user_user_idx.csv")" -f "$SQLDIR/lastfm_load.sql"
	t0=$(now)
	bench_train lastfm lastfm "" lastfm lastfm_train user_idx artist_idx '{}'
	lp_log "lastfm: trained in $(since "$t0") s; evaluating"
	bench_psql -v check="$check" -f "$SQLDIR/lastfm_eval.sql" >/dev/null
	lp_log "lastfm: test AUC $(bench_psql -tA -c "SELECT round(value::numeric, 4) FROM bench.metrics
	                                          WHERE dataset = 'lastfm' AND graph = 'lastfm' AND method = 'model'
	                                            AND impl = 'linkpred' AND metric = 'auc'")"
	# docs/training.md's AUC preset: the spectral encoder with the structural head over it
	t0=$(now)
	bench_train lastfm "lastfm spectral" "" lastfm_spectral lastfm_train user_idx artist_idx \
		'{"encoder": "spectral", "features": "structural"}'
	bench_psql -c "SELECT bench.evaluate('lastfm', 'lastfm spectral', NULL, 'lastfm_spectral', 'lastfm_test',
	                                     NULL, 'model', '{10,20}', 1, 'linkpred')" >/dev/null
	lp_log "lastfm: spectral + structural head, trained in $(since "$t0") s: test AUC $(bench_psql -tA -c "SELECT round(value::numeric, 4)
	                                          FROM bench.metrics WHERE dataset = 'lastfm' AND graph = 'lastfm spectral'
	                                            AND method = 'model' AND impl = 'linkpred' AND metric = 'auc'")"
	# the other presets: LightGCN and the MLP decoder (their gain is in
	# NDCG, not AUC), GraphSAGE, GraphSAGE under the head, and the README's
	# LastFM preset: the matrix factorisation under the head, without and
	# with the friendships as a second relation
	friends='"user_edges": {"relation": "lastfm_friends", "src": "src_idx", "dst": "dst_idx"}'
	mf_auc='"encoder": "mf", "features": "structural", "dim": 128, "reg": 0.02, "sampler": "degree", "negatives": 8'
	for preset in 'lightgcn|{"encoder": "lightgcn"}' 'sage|{"encoder": "sage"}' 'mlp|{"decoder": "mlp"}' \
		'sage_auc|{"encoder": "sage", "loss": "bce", "reg": 0.01, "features": "structural"}' \
		"mf_auc|{$mf_auc}" "mf_auc_friends|{$mf_auc, $friends}"; do
		name=${preset%%|*}
		t0=$(now)
		bench_train lastfm "lastfm $name" "" "lastfm_$name" lastfm_train user_idx artist_idx "${preset#*|}"
		bench_psql -c "SELECT bench.evaluate('lastfm', 'lastfm $name', NULL, 'lastfm_$name', 'lastfm_test',
		                                     NULL, 'model', '{10,20}', 1, 'linkpred')" >/dev/null
		lp_log "lastfm: $name, trained in $(since "$t0") s: $(bench_psql -tA -c "SELECT string_agg(metric || ' ' || round(value::numeric, 4), ', ')
		                                          FROM bench.metrics WHERE dataset = 'lastfm' AND graph = 'lastfm $name'
		                                            AND method = 'model' AND impl = 'linkpred' AND (metric = 'auc' OR k = 20)")"
	done
	bench_phase lastfm "$started" "random 80/10/10 split, seed 0.2011"
fi

# Warm start: a nightly retrain.  Yesterday's model ("gw_warm") learnt 95%
# of the training pairs (g95); today all of them are there.  Retrain it with
# "warm_start": true (warm_epochs, 10 by default), and, as a separate model
# ("gw_cold"), from scratch with the defaults (40 epochs).  All three name
# the matrix factorisation, the encoder a warm start continues (the default
# would otherwise be chosen on validation data, and may be spectral).
if want warm; then
	started=$(now)
	gowalla_load
	bench_psql -f "$SQLDIR/warm_load.sql"
	lp_log "warm: yesterday's model on 95% of the training pairs ($(bench_psql -tA -c "SELECT yesterday_pairs FROM bench.warm_stats") pairs)"
	t0=$(now)
	bench_train warm yesterday "" gw_warm g95 user_id item_id '{"encoder": "mf"}'
	lp_log "warm: yesterday's model trained in $(since "$t0") s; evaluating"
	bench_psql -v graph=yesterday -v model=gw_warm -f "$SQLDIR/warm_eval.sql" >/dev/null
	t0=$(now)
	bench_train warm warm "" gw_warm gowalla_train user_id item_id '{"encoder": "mf", "warm_start": true}' keep
	lp_log "warm: warm retrain on all pairs in $(since "$t0") s; evaluating"
	bench_psql -v graph=warm -v model=gw_warm -f "$SQLDIR/warm_eval.sql" >/dev/null
	t0=$(now)
	bench_train warm cold "" gw_cold gowalla_train user_id item_id '{"encoder": "mf"}'
	lp_log "warm: cold retrain on all pairs in $(since "$t0") s; evaluating"
	bench_psql -v graph=cold -v model=gw_cold -f "$SQLDIR/warm_eval.sql" >/dev/null
	lp_log "warm: $(bench_psql -tA -c "SELECT string_agg(format('%s %s epochs, loop %s s, Recall@20 %s', t.graph,
	                                           t.metrics->>'epochs_run', round(t.train_s::numeric, 1),
	                                           round(m.value::numeric, 4)), '; ' ORDER BY t.job)
	                                    FROM bench.trainings t
	                                    LEFT JOIN bench.metrics m ON m.dataset = 'warm' AND m.graph = t.graph
	                                     AND m.metric = 'recall' AND m.k = 20 AND m.impl = 'linkpred'
	                                    WHERE t.dataset = 'warm'")"
	bench_phase warm "$started" "$(gowalla_covers "; 3 models: 95% of the pairs, then all of them warm and cold")"
fi

# Serving: the default Gowalla model of the gowalla section (trained here
# when that section did not run).  serving.sql times the calls from inside
# the server; pgbench then runs single-user top-10 from 8 clients.
if want serving; then
	started=$(now)
	gowalla_load
	if [ "$(bench_psql -tA -c "SELECT count(*) FROM linkpred.models WHERE name = 'gowalla'")" = 0 ]; then
		lp_log "serving: training the default Gowalla model (the gowalla section did not run)"
		bench_train serving gowalla "" gowalla gowalla_train user_id item_id '{}'
	fi
	lp_log "serving: $SERVING_CALLS top-10 calls, linkpred_materialize, $SCORE_PAIRS scores, $FRESH_CALLS fresh calls"
	bench_psql -v model=gowalla -v train=gowalla_train -v test=gowalla_test -v calls="$SERVING_CALLS" \
		-v fresh_calls="$FRESH_CALLS" -v pairs="$SCORE_PAIRS" -f "$SQLDIR/serving.sql" >/dev/null
	lp_log "serving: $(bench_psql -tA -c "SELECT format('top-10 median %s ms, materialize %s s, score %s pairs/s, fresh median %s ms',
	                                         (SELECT round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 3)
	                                          FROM bench.latencies WHERE test = 'topk'),
	                                         (SELECT round(value::numeric, 1) FROM bench.serving WHERE measure = 'materialize_s'),
	                                         (SELECT round(p.value / s.value) FROM bench.serving p, bench.serving s
	                                          WHERE p.measure = 'score_pairs' AND s.measure = 'score_s'),
	                                         (SELECT round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 3)
	                                          FROM bench.latencies WHERE test = 'fresh'))")"

	# pgbench: 8 clients, each its own backend (each loads the model on its
	# first call, inside the timed run), random users, simple protocol
	PGBENCH="$LP_BINDIR/pgbench"
	[ -x "$PGBENCH" ] || PGBENCH=/usr/lib/postgresql/15/bin/pgbench
	maxu=$(bench_psql -tA -c "SELECT max(user_id) FROM gowalla_train")
	mkdir -p "$LP_TMP/pgbench"
	printf '\\set u %s * random(0, %s)\nSELECT * FROM linkpred_topk(:u, 10);\n' \
		"$GOWALLA_USER_MOD" "$((maxu / GOWALLA_USER_MOD))" >"$LP_TMP/pgbench/topk.sql"
	chown -R "$LP_OWNER" "$LP_TMP/pgbench"
	lp_log "serving: pgbench, 8 clients, $PGBENCH_SECONDS s"
	if ! pgb=$(lp_as_owner env PGOPTIONS="-c linkpred.model=gowalla" "$PGBENCH" -n -c 8 -j 2 -T "$PGBENCH_SECONDS" \
		-l --log-prefix="$LP_TMP/pgbench/tx" -f "$LP_TMP/pgbench/topk.sql" bench 2>&1); then
		printf '%s\n' "$pgb" >&2
		false
	fi
	pgb_field() { printf '%s\n' "$pgb" | sed -n "s/^$1//p" | head -n 1 | awk '{ print $1 }'; }
	bench_psql -v tps="$(pgb_field 'tps = ')" -v lat="$(pgb_field 'latency average = ')" \
		-v n="$(pgb_field 'number of transactions actually processed: ')" \
		-v failed="$(pgb_field 'number of failed transactions: ')" \
		-v conn="$(pgb_field 'initial connection time = ')" -v secs="$PGBENCH_SECONDS" <<'SQL'
INSERT INTO bench.serving VALUES
    ('pgbench_tps', nullif(:'tps', '')::float8, NULL),
    ('pgbench_latency_ms', nullif(:'lat', '')::float8, NULL),
    ('pgbench_transactions', nullif(:'n', '')::float8, coalesce(nullif(:'failed', ''), '0') || ' failed'),
    ('pgbench_connect_ms', nullif(:'conn', '')::float8, NULL),
    ('pgbench_clients', 8, NULL),
    ('pgbench_seconds', :secs, NULL);
SQL
	# per-transaction latencies from pgbench's logs (3rd field, microseconds)
	cat "$LP_TMP"/pgbench/tx.* | awk '{ printf "pgbench\t%d\t%.3f\n", NR, $3 / 1000 }' |
		bench_psql -c "\\copy bench.latencies (test, call, ms) FROM pstdin"
	lp_log "serving: pgbench $(pgb_field 'tps = ') TPS, average latency $(pgb_field 'latency average = ') ms"
	bench_phase serving "$started" "$(gowalla_covers "; the default model")"
fi

# --------------------------------------------------------------------------
lp_log "writing $OUT"
total=$(since "$bench_started")
commit=$(bench_commit)
if [ -n "${BENCH_PG_BINDIR:-}" ]; then
	commit="the build installed with $BENCH_PG_BINDIR (the checkout is at ${commit%% +*})"
fi
cpu=$(bench_cpu)
{
	echo "# linkpred benchmarks"
	echo
	echo "- Date: $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "- Command: \`bash bench/run.sh${ARGS:+ $ARGS}\`"
	if [ "$mode" = quick ]; then
		echo "- Mode: **quick**: SEAL splits $(echo $SEAL_SPLITS | tr ' ' ',') of $(echo $SEAL_GRAPHS | tr ' ' ','); Gowalla, warm start and serving on every ${GOWALLA_USER_MOD}th user only (a smoke test, not comparable with the published figures or the targets), with $SERVING_CALLS top-k calls, $SCORE_PAIRS scored pairs and $PGBENCH_SECONDS s of pgbench; LastFM in full."
	else
		echo "- Mode: full: SEAL 7 graphs x 10 splits, Gowalla (full LightGCN split), LastFM, warm start and serving on Gowalla."
	fi
	[ -n "$only" ] && echo "- Datasets: only ${only#,}"
	echo "- Machine: $(bench_machine)"
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
