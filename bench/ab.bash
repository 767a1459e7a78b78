# ab.bash: sourced (after common.bash) by the benches that compare this
# checkout's library with an earlier commit's on the same stored models
# (serving_ab.sh, evaluate_ab.sh).  The stored models must be readable by
# both libraries (no storage change between the two).
#
# Sourced as: source ab.bash ROUNDS OUT TITLE "$@".  ab_options reads the
# bench's arguments --before COMMIT (required), --rounds N, --out
# RESULTS-NAME.md and --title T into before, rounds, out and title, with
# ROUNDS, OUT and TITLE as defaults; the caller defines usage.
# Then ab.bash's body runs: it builds COMMIT in a scratch worktree and keeps
# its library, then builds and installs this checkout and starts the cluster
# with Gowalla and LastFM loaded (validation.bash), keeping its library too.
# ab_side SIDE (before or after) installs that side's library and restarts
# the server.  ab_rounds EXPR runs the rounds: rounds times, each side in
# turn, that side's library installed and the caller's measure ROUND SIDE
# MODEL called for each model of $models, then a log line with the SQL
# expression EXPR of each model's row in the caller's table ab.  On exit this checkout's library is installed again and the
# cluster stopped.
ab_options() {
	local d_rounds=$1 d_out=$2 d_title=$3
	shift 3
	opt_before="" opt_rounds="" opt_out="" opt_title=""
	bench_options "before rounds out title" "$@"
	before=$opt_before rounds=${opt_rounds:-$d_rounds} out=${opt_out:-$d_out}
	title=${opt_title:-$d_title}
	[ -n "$before" ] || { echo "$0: --before COMMIT is required" >&2; exit 2; }
}
ab_options "$@"

before_sha=$(git -C "$LP_SRC" rev-parse --short "$before")
ab_libdir=$(pg_config --pkglibdir)
ab_work=$(mktemp -d /tmp/ab.XXXXXX)

lp_log "building $before_sha in $ab_work/before"
git -C "$LP_SRC" worktree add -q --detach "$ab_work/before" "$before_sha"
make -C "$ab_work/before" -s -j2 >/dev/null
cp "$ab_work/before/linkpred.so" "$ab_work/before.so"
git -C "$LP_SRC" worktree remove --force "$ab_work/before"

source "$(dirname "${BASH_SOURCE[0]}")/validation.bash"	# builds and installs this checkout, starts the cluster
cp "$ab_libdir/linkpred.so" "$ab_work/after.so"
ab_finish() {
	cp "$ab_work/after.so" "$ab_libdir/linkpred.so"
	rm -rf "$ab_work"
	lp_cluster_stop
}
trap ab_finish EXIT

ab_side() {
	cp "$ab_work/$1.so" "$ab_libdir/linkpred.so"
	lp_as_owner "$LP_BINDIR/pg_ctl" -D "$LP_TMP/data" -l "$LP_TMP/server.log" -w restart >/dev/null
}

ab_rounds() {
	local r side m
	for r in $(seq 1 "$rounds"); do
		for side in before after; do
			ab_side "$side"
			for m in $models; do measure "$r" "$side" "$m"; done
			lp_log "round $r, $side: $(q -c "SELECT string_agg(model || ' ' || $1, ', ') FROM ab WHERE round = $r AND side = '$side'")"
		done
	done
}
