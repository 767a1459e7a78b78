# common.bash: sourced by bench/run.sh, bench/scale.sh and bench/split.sh.
# test/cluster.sh's build and cluster functions, the wall clock, a training
# job with its worker's memory polled (bench_train, into bench.trainings of
# setup.sql in database bench), the lines of a results file's header that
# say where and what was measured, and the scale bench's synthetic graphs
# (scale_spec, scale_generate).
source "$(dirname "${BASH_SOURCE[0]}")/../test/cluster.sh"
BENCH="$LP_SRC/bench"

now() { date +%s.%N; }
# seconds since a now() value, one decimal
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

bench_cpu() {
	local cpu
	cpu=$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -n 1)
	[ -n "$cpu" ] || cpu=$(sed -n 's/^model name\t*: //p' /proc/cpuinfo | head -n 1)
	echo "$cpu"
}

# "CPU, N cores, M GB memory"
bench_machine() {
	echo "$(bench_cpu), $(nproc) cores, $(free -g | awk '/^Mem:/ { print $2 }') GB memory"
}

# "commit abc1234", and whether src/, sql/ or the Makefile differ from it
# the commit the bench builds, read when this file is sourced (before
# the build), so a long run's report names what it measured even if the
# checkout moved on meanwhile
BENCH_COMMIT_AT_START="commit $(git -C "$LP_SRC" rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [ -n "$(git -C "$LP_SRC" status --porcelain --untracked-files=no -- src sql Makefile 2>/dev/null)" ]; then
	BENCH_COMMIT_AT_START="$BENCH_COMMIT_AT_START + uncommitted changes in src/, sql/ or Makefile"
fi
bench_commit() {
	echo "$BENCH_COMMIT_AT_START"
}

bench_psql() { lp_psql -d bench "$@"; }

# bench_train DATASET GRAPH SPLIT MODEL RELATION SRC DST OPTIONS
# Submits a training job without waiting, polls the worker's memory from
# /proc while it runs (VmHWM: peak resident set, shared buffers it touched
# included; RssAnon: private memory, its peak as sampled), then waits for
# the job (which raises its error if it failed) and records it.
#
# An existing model of that name is dropped first, so every job trains from
# scratch: a retrain that warm-starts from the previous version (a default
# of some builds) would carry the previous split's edges, this split's test
# edges among them, into the new model.  The warm-start benchmark passes a
# ninth argument, keep, to retrain on top of the existing model (its
# previous data is a subset of the training pairs: no test edge leaks).
bench_train() {
	local dataset=$1 graph=$2 split=$3 model=$4 rel=$5 src=$6 dst=$7 opts=$8 keep=${9:-}
	local t0 job pid h a hwm=0 anon=0 polls=0 state
	if [ "$keep" != keep ]; then
		bench_psql -v model="$model" <<'SQL'
SELECT linkpred_drop(name) FROM linkpred.models WHERE name = :'model' \g /dev/null
SQL
	fi
	t0=$(now)
	job=$(bench_psql -tA -v model="$model" -v rel="$rel" -v src="$src" -v dst="$dst" -v opts="$opts" <<'SQL'
SELECT linkpred_train(:'model', :'rel', :'src', :'dst', options => :'opts', wait => false);
SQL
)
	pid=$(bench_psql -tA -c "SELECT pid FROM linkpred.jobs WHERE id = $job")
	while [ -n "$pid" ] && [ -e "/proc/$pid/status" ]; do
		# a command substitution, not < <(...): bash waits for a process
		# substitution by waiting for any child, which hangs while the
		# caller has a background job (scale.sh's load sampler)
		read -r h a <<<"$(awk '/^VmHWM:/ { h = $2 } /^RssAnon:/ { a = $2 } END { print h + 0, a + 0 }' \
			"/proc/$pid/status" 2>/dev/null || echo "0 0")"
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

# scale_spec GRAPH: "edges users items" of bench/scale_gen.sql's synthetic
# graph GRAPH (1m, 10m or 100m); nothing for any other name.
scale_spec() {
	case "$1" in
		1m) echo 1000000 50000 20000 ;;
		10m) echo 10000000 500000 200000 ;;
		100m) echo 100000000 5000000 2000000 ;;
	esac
}

# scale_generate GRAPH TABLE SQLDIR: creates TABLE (user_id, item_id) in
# database bench with SQLDIR/scale_gen.sql and the scale bench's fixed
# variables (seed 42, user and item exponents 0.6): the same graph in every
# script that names it.
scale_generate() {
	local edges users items
	read -r edges users items <<<"$(scale_spec "$1")"
	bench_psql -tA -v tbl="$2" -v n_edges="$edges" -v n_users="$users" -v n_items="$items" \
		-v user_exponent=0.6 -v item_exponent=0.6 -v seed=42 -f "$3/scale_gen.sql" >/dev/null
}

# bench_sample_load FILE: the 1-minute load average every 10 s into FILE, in
# the background, while a bench runs (the machine is shared); kill
# $BENCH_LOAD_SAMPLER to stop it.
bench_sample_load() {
	(while :; do cut -d ' ' -f 1 /proc/loadavg; sleep 10; done) >"$1" &
	BENCH_LOAD_SAMPLER=$!
}

# bench_load_summary FILE: "a (min), b (mean), c (max)" of bench_sample_load's samples
bench_load_summary() {
	sort -n "$1" | awk '{ a[NR] = $1; t += $1 } END { if (NR) printf "%.2f (min), %.2f (mean), %.2f (max)", a[1], t / NR, a[NR] }'
}

# bench_options NAMES "$@": a bench script's arguments, "--name VALUE" or
# "--name=VALUE" for each name in NAMES (a space-separated list), into the
# variables opt_NAME (a name given twice: its values joined by commas).
# -h or --help prints the script's usage and exits; anything else prints it
# and exits with status 2.
bench_options() {
	local names=" $1 " arg name value
	shift
	while [ $# -gt 0 ]; do
		arg=$1 name="" value=""
		case "$arg" in
			-h | --help) usage; exit 0 ;;
			--*=*) name=${arg%%=*} value=${arg#*=} ;;
			--*)
				name=$arg
				[ $# -ge 2 ] || { usage; echo "$arg needs a value" >&2; exit 2; }
				value=$2
				shift
				;;
		esac
		name=${name#--}
		[[ -n "$name" && "$names" == *" $name "* ]] || { usage; echo "unknown argument: $arg" >&2; exit 2; }
		name="opt_$name"
		printf -v "$name" '%s' "${!name:+${!name},}$value"
		shift
	done
	[[ -z "${opt_epochs:-}" || "$opt_epochs" =~ ^[1-9][0-9]*$ ]] ||
		{ usage; echo "--epochs wants a positive integer" >&2; exit 2; }
}
