#!/usr/bin/env bash
# bench/md5_models.sh: a fingerprint of what training stores, to show that a
# change to memory handling (loader, store, job phases) leaves every model
# bit for bit the same.  Run it at the commit before a change and after, and
# compare the tables.
#
#   bash bench/md5_models.sh [OUT]     (default OUT: bench/RESULTS-md5.md)
#
# One small deterministic graph (bench/scale_gen.sql: 20,000 rows over 2,000
# users and 1,000 items, seed 42) and one small homogeneous undirected graph
# (the same rows with item ids shifted past the users', trained undirected:
# one side of rows; and directed: two, one table of vectors with the
# bilinear decoder); each model below
# trained with 1 and with 2 threads (linkpred.training_threads), a fixed
# seed and few epochs; per model, the md5 of its linkpred.embeddings rows
# (side, idx, key, degree, bias, vector, seen) in (side, idx) order, and
# of its version row's decoder weights.
set -Eeuo pipefail
source "$(dirname "$0")/common.bash"
OUT="${1:-$BENCH/RESULTS-md5.md}"

# name|relation|options
MODELS=(
	'mf|edges|{"seed": 1, "epochs": 3}'
	'mf_degree|edges|{"seed": 1, "epochs": 3, "sampler": "degree"}'
	'mf_bilinear|edges|{"seed": 1, "epochs": 3, "decoder": "bilinear"}'
	'mf_mlp|edges|{"seed": 1, "epochs": 3, "decoder": "mlp"}'
	'lightgcn|edges|{"seed": 1, "epochs": 3, "encoder": "lightgcn"}'
	'sage|edges|{"seed": 1, "epochs": 2, "encoder": "sage"}'
	'mf_undirected|friends|{"seed": 1, "epochs": 3, "bipartite": false}'
	'mf_directed|friends|{"seed": 1, "epochs": 3, "bipartite": false, "directed": true}'
	'bilinear_directed|friends|{"seed": 1, "epochs": 3, "bipartite": false, "directed": true, "decoder": "bilinear"}'
)

lp_build_install
lp_cluster_start "shared_preload_libraries = 'linkpred'"
lp_stage bench
lp_psql -c "CREATE DATABASE md5"
q() { lp_psql -d md5 -tA "$@"; }
q -c "CREATE EXTENSION linkpred" >/dev/null
q -v tbl=edges -v n_edges=20000 -v n_users=2000 -v n_items=1000 -v user_exponent=0.6 \
	-v item_exponent=0.6 -v seed=42 -f "$LP_TMP/src/bench/scale_gen.sql" >/dev/null
q -c "CREATE TABLE friends AS SELECT user_id AS a, item_id + 2000 AS b FROM edges" >/dev/null

rows=""
for threads in 1 2; do
	for m in "${MODELS[@]}"; do
		IFS='|' read -r name rel opts <<<"$m"
		model="${name}_t$threads"
		if [ "$rel" = friends ]; then src=a dst=b; else src=user_id dst=item_id; fi
		lp_log "training $model"
		q -v model="$model" -v rel="$rel" -v src="$src" -v dst="$dst" -v opts="$opts" -v threads="$threads" >/dev/null <<'SQL'
SET linkpred.training_threads = :threads;
SELECT linkpred_train(:'model', :'rel', :'src', :'dst', options => :'opts');
SQL
		sum=$(q -v model="$model" <<'SQL'
SELECT md5(string_agg(format('%s|%s|%s|%s|%s|%s|%s', side, idx, key, degree, bias, vec, seen), E'\n'
                      ORDER BY side, idx))
FROM linkpred.embedding_store WHERE model = :'model';
SQL
)
		dec=$(q -v model="$model" <<'SQL'
SELECT coalesce(md5(decoder::text), '-') FROM linkpred.version_catalog WHERE model = :'model';
SQL
)
		n=$(q -v model="$model" <<'SQL'
SELECT count(*) FROM linkpred.embedding_store WHERE model = :'model';
SQL
)
		rows="$rows| $name | $threads | \`$opts\` | $n | $sum | $dec |"$'\n'
	done
done

{
	echo "# linkpred: md5 of stored models"
	echo
	echo "- Date: $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "- Command: \`bash bench/md5_models.sh\`"
	echo "- Machine: $(bench_machine) (shared; the figures below do not depend on it)"
	echo "- linkpred: $(bench_commit)"
	echo
	echo "| model | threads | options | rows | md5 of embedding rows | md5 of decoder weights |"
	echo "|---|---:|---|---:|---|---|"
	printf '%s' "$rows"
} >"$OUT"
lp_log "wrote $OUT"
cat "$OUT"
