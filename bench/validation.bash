# validation.bash: sourced by the benches that choose defaults on validation
# data (spectral_defaults.sh, mf_defaults.sh).  Builds and installs
# linkpred, starts a throwaway cluster, loads bench/validation_load.sql
# (Gowalla's training file split again per user, LastFM's bench split) and
# defines val_run.  The caller creates its table grid: (graph, its own key
# columns..., part, recall, ndcg, seconds).
source "$(dirname "${BASH_SOURCE[0]}")/../test/cluster.sh"
D="$LP_SRC/../shared/data"
for f in gowalla/gowalla_train.csv.gz gowalla/gowalla_test.csv lastfm/user_artist_idx.csv; do
	[ -r "$D/$f" ] || { lp_log "needs ../shared/data/$f"; exit 1; }
done
lp_build_install
lp_cluster_start "shared_buffers = 1GB" "work_mem = 256MB"
lp_psql -q -c "CREATE EXTENSION linkpred"
q() { lp_psql -At "$@"; }
started=$(date +%s)

lp_log "loading Gowalla and LastFM"
lp_psql -q -v train_reader="zcat $D/gowalla/gowalla_train.csv.gz" -v test_reader="cat $D/gowalla/gowalla_test.csv" \
	-v reader="cat $D/lastfm/user_artist_idx.csv" -v split_sql="$LP_SRC/bench/lastfm_split.sql" \
	<"$LP_SRC/bench/validation_load.sql"

# val_run GRAPH PART OPTIONS KEYS LABEL: train model m with OPTIONS on the
# graph's fit table (PART = test: its whole training table), record in grid
# the row (GRAPH, KEYS (SQL values of the caller's key columns), PART,
# Recall@20, NDCG@20, seconds) measured on PART, drop the model, log LABEL.
val_run() {
	local g=$1 part=$2 opts=$3 keys=$4 label=$5 fit src dst test t0
	if [ "$g" = gowalla ]; then
		src=user_id dst=item_id fit=gw_fit test=gw_val
		[ "$part" = test ] && fit=gw_all test=gw_test
	else
		src=user_idx dst=artist_idx fit=fm_fit test=fm_val
		[ "$part" = test ] && test=fm_test
	fi
	t0=$(date +%s.%N)
	q -c "SELECT linkpred_train('m', '$fit', '$src', '$dst', options => '$opts')" >/dev/null
	q <<SQL
WITH e AS (SELECT metric, value FROM linkpred_evaluate('m', test => '$test', k => '{20}', seed => 1))
INSERT INTO grid
SELECT '$g', $keys, '$part',
       (SELECT value FROM e WHERE metric = 'recall'), (SELECT value FROM e WHERE metric = 'ndcg'),
       extract(epoch FROM clock_timestamp()) - $t0;
SQL
	q -c "SELECT linkpred_drop('m')" >/dev/null
	lp_log "$g $part $label: $(q -c "SELECT round(recall::numeric, 4) FROM grid ORDER BY ctid DESC LIMIT 1")"
}
