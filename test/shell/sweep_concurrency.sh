#!/usr/bin/env bash
# Concurrency, beyond concurrent.sh (serving while the same model retrains)
# and lifecycle.sql (a queued second job):
#  1. two trainings of the same model name submitted at the same moment
#     from two sessions: one waits for the other (the model's advisory
#     lock), both end done, their versions are consecutive, and neither
#     version mixes the other's rows (dimension, row count, options);
#  2. 8 pgbench clients serving model m (a bounded number of transactions)
#     while another model is trained and dropped over and over: 0 errors,
#     and m's scores do not change.
set -euo pipefail
source "$(dirname "$0")/lib.bash"

command -v pgbench >/dev/null || PATH=$PATH:$LP_BINDIR
lpt_start lp_shell_sweep_concurrency
lpt_small_edges small_edges
lpt_serving_model
v1=$LPT_V1
before=$LPT_BEFORE

# 1. two submissions at once; 400 epochs each (a second or so) so that they overlap
a_out=$(lpt_tmpfile)
b_out=$(lpt_tmpfile)
go=$(( $(date +%s) + 2 ))
submit() {
	while [ "$(date +%s)" -lt "$go" ]; do sleep 0.05; done
	lpt_sql "SELECT linkpred_train('m', 'small_edges', 'user_id', 'item_id',
	                               options => '{\"dim\": $1, \"epochs\": 400, \"seed\": $2, \"warm_start\": false}')" >"$3" 2>&1
}
submit 8 21 "$a_out" &
pa=$!
submit 24 22 "$b_out" &
pb=$!
ra=0; rb=0
wait "$pa" || ra=$?
wait "$pb" || rb=$?
lpt_is "$ra,$rb" "0,0" "both linkpred_train calls return without error"
[ "$ra$rb" = 00 ] || lpt_diag "$(cat "$a_out" "$b_out")"
ja=$(cat "$a_out"); jb=$(cat "$b_out")
lpt_is "$(lpt_sql "SELECT string_agg(state, ',') FROM linkpred.jobs WHERE id IN ($ja, $jb)")" "done,done" \
	"jobs $ja and $jb both end done"
lpt_is "$(lpt_sql "SELECT string_agg(version::text, ',' ORDER BY version) FROM linkpred.jobs WHERE id IN ($ja, $jb)")" \
	"$((v1 + 1)),$((v1 + 2))" "their versions are consecutive: $((v1 + 1)) and $((v1 + 2))"
lpt_is "$(lpt_sql "SELECT bool_and(j2.submitted_at < j1.finished_at) FROM linkpred.jobs j1, linkpred.jobs j2
                   WHERE j1.id IN ($ja, $jb) AND j2.id IN ($ja, $jb) AND j1.version < j2.version")" t \
	"they overlapped: the second was submitted before the first finished"
lpt_diag "$(lpt_sql "SELECT string_agg(format('job %s: submitted %s, started %s, finished %s', id,
                                              submitted_at::time, started_at::time, finished_at::time), '; ' ORDER BY id)
                     FROM linkpred.jobs WHERE id IN ($ja, $jb)")"
lpt_is "$(lpt_sql "SELECT bool_and(j2.version_made >= j1.finished_at)
                   FROM (SELECT j.*, v.created_at AS version_made FROM linkpred.jobs j
                         JOIN linkpred.versions v ON v.model = j.model AND v.version = j.version) j1,
                        (SELECT j.*, v.created_at AS version_made FROM linkpred.jobs j
                         JOIN linkpred.versions v ON v.model = j.model AND v.version = j.version) j2
                   WHERE j1.id IN ($ja, $jb) AND j2.id IN ($ja, $jb) AND j1.version < j2.version")" t \
	"the second stored its version only after the first had finished (one writer at a time)"
# never a mixed version: each version has its own job's dimension in every
# row, one row per node, and its job's options
lpt_is "$(lpt_sql "SELECT string_agg(format('v%s dim %s rows %s vec %s seed %s', v.version, v.dim, e.n, e.dims, v.options->>'seed'),
                                     '; ' ORDER BY v.version)
                   FROM linkpred.versions v
                   JOIN LATERAL (SELECT count(*) AS n, string_agg(DISTINCT array_length(vec, 1)::text, '/') AS dims
                                 FROM linkpred.embeddings x WHERE x.model = v.model AND x.version = v.version) e ON true
                   WHERE v.model = 'm' AND v.version > $v1")" \
	"$(lpt_sql "SELECT string_agg(format('v%s dim %s rows %s vec %s seed %s', j.version, j.options->>'dim', v.n_users + v.n_items,
                                        j.options->>'dim', j.options->>'seed'), '; ' ORDER BY j.version)
              FROM linkpred.jobs j JOIN linkpred.versions v ON v.model = j.model AND v.version = j.version
              WHERE j.id IN ($ja, $jb)")" \
	"each version holds only its own job's rows"
lpt_is "$(lpt_stray_embeddings m)" 0 "no embedding rows outside a version"

# 2. serving m while model 'other' is trained and dropped, again and again
lpt_sql "SELECT linkpred_activate('m', $v1)" >/dev/null
lpt_is "$(lpt_fingerprint m)" "$before" "version $v1 is active again, with its scores"
script=$(lpt_tmpfile)
cat >"$script" <<EOS
\\set u random(1, 320)
SELECT count(*) FROM linkpred_topk(:u::bigint, 10, model => 'm');
SELECT linkpred_score(:u::bigint, 7::bigint, model => 'm');
SELECT count(*) FROM linkpred.models;
EOS
churn_out=$(lpt_tmpfile)
(
	for i in 1 2 3 4 5 6; do
		lpt_sql "SELECT linkpred_train('other', 'small_edges', 'user_id', 'item_id',
		                               options => '{\"dim\": 8, \"epochs\": 3, \"seed\": $i}')" >/dev/null
		lpt_sql "SELECT count(*) FROM linkpred_topk(1::bigint, 5, model => 'other')" >/dev/null
		lpt_sql "SELECT linkpred_drop('other')" >/dev/null
	done
	echo churned
) >"$churn_out" 2>&1 &
churn=$!
out=$(lpt_tmpfile)
set +e
timeout 120 pgbench -n -c 8 -j 2 -t 300 -f "$script" "$LPT_DB" >"$out" 2>&1
rc=$?
set -e
rc_churn=0
wait "$churn" || rc_churn=$?
lpt_is "$rc" 0 "pgbench: 8 clients x 300 transactions serving m"
[ "$rc" -eq 0 ] || lpt_diag "$(grep -v '^progress' "$out" | head -n 20)"
lpt_ok "pgbench reports 0 failed transactions" grep -q '^number of failed transactions: 0 ' "$out"
lpt_is "$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$out")" 2400 \
	"all 2,400 transactions ran"
lpt_is "$rc_churn $(cat "$churn_out")" "0 churned" "meanwhile model 'other' was trained, served and dropped six times"
lpt_is "$(lpt_sql "SELECT count(*) FROM linkpred.embedding_store WHERE model = 'other'")" 0 \
	"no embedding rows of the dropped model remain"
lpt_is "$(lpt_fingerprint m)" "$before" "m serves the same scores afterwards"
