# ab.bash: sourced by the benches that compare this checkout's library with
# an earlier commit's on the same stored models (serving_ab.sh,
# evaluate_ab.sh).  The caller sets before (a commit) and sources
# common.bash first.  Builds that commit in a scratch worktree and keeps its
# library, then builds and installs this checkout and starts the cluster
# with Gowalla and LastFM loaded (validation.bash), keeping its library too.
# ab_side SIDE (before or after) installs that side's library and restarts
# the server.  On exit this checkout's library is installed again and the
# cluster stopped.  The stored models must be readable by both libraries
# (no storage change between the two).
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
