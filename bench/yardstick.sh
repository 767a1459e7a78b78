#!/usr/bin/env bash
# bench/yardstick.sh: linkpred_topk against FAISS IndexFlatIP (issue 5's
# yardstick: Debian's python3-faiss), single query, one thread each, on the
# same item matrices: the Gowalla model's (40,981 x 64) and a synthetic
# catalog of 1,000,000 items x 64.  Writes bench/RESULTS-yardstick.md.
#   bash bench/yardstick.sh            (as root: installs python3-faiss if missing)
source "$(dirname "$0")/../test/cluster.sh"
PY=/usr/bin/python3
lp_install_packages
if ! $PY -c "import faiss, numpy" 2>/dev/null; then
	[ "$(id -u)" -eq 0 ] || { lp_log "python3-faiss is missing (apt-get install python3-faiss)"; exit 1; }
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-faiss python3-numpy >/dev/null
fi
lp_build_install
lp_cluster_start "shared_buffers = 2GB" "work_mem = 256MB"
lp_stage_shared data/gowalla/gowalla_train.csv.gz
OUT="$LP_SRC/bench/RESULTS-yardstick.md"
W="$LP_TMP/yard"; mkdir -p "$W"; chown "$LP_OWNER" "$W"
started=$(date +%s)

lp_log "training: Gowalla (5 epochs: only the matrix shape matters here) and a synthetic 1M-item catalog"
lp_psql <<SQL
CREATE EXTENSION linkpred;
CREATE TABLE gtrain (user_id int, item_id int);
\copy gtrain FROM PROGRAM 'zcat $LP_TMP/shared/data/gowalla/gowalla_train.csv.gz' CSV HEADER
SELECT linkpred_train('gowalla', 'gtrain', 'user_id', 'item_id', options => '{"epochs": 5, "seed": 1}') IS NULL;
SELECT setseed(0.1);
CREATE TABLE big AS SELECT (random() * 99999)::int AS user_id, i AS item_id
FROM generate_series(0, 999999) i, generate_series(1, 2);
SELECT linkpred_train('big', 'big', 'user_id', 'item_id', options => '{"epochs": 1, "seed": 1}') IS NULL;
-- per-call latency of linkpred_topk(u, 10), timed inside the server after a warm-up call
CREATE FUNCTION time_topk(m text, users int[]) RETURNS TABLE (u int, ms float8) LANGUAGE plpgsql AS \$\$
DECLARE t0 timestamptz; x int;
BEGIN
  PERFORM count(*) FROM linkpred_topk(users[1], 10, m);
  FOREACH x IN ARRAY users LOOP
    t0 := clock_timestamp();
    PERFORM count(*) FROM linkpred_topk(x, 10, m);
    u := x; ms := extract(epoch FROM clock_timestamp() - t0) * 1000; RETURN NEXT;
  END LOOP;
END \$\$;
CREATE TABLE q_gowalla AS SELECT DISTINCT user_id AS u FROM gtrain ORDER BY 1 LIMIT 2000;
CREATE TABLE q_big AS SELECT DISTINCT user_id AS u FROM big ORDER BY 1 LIMIT 300;
CREATE TABLE t_gowalla AS SELECT * FROM time_topk('gowalla', (SELECT array_agg(u) FROM q_gowalla));
CREATE TABLE t_big AS SELECT * FROM time_topk('big', (SELECT array_agg(u) FROM q_big));
-- the same matrices for FAISS: items [v, bias], queries [u, 1] (the user's own bias shifts every score alike)
\copy (SELECT array_to_string(vec || bias, ' ') FROM linkpred.embedding_store WHERE model = 'gowalla' AND side = 'i' ORDER BY idx) TO '$W/gowalla_items.txt'
\copy (SELECT array_to_string(e.vec || 1::real, ' ') FROM linkpred.embedding_store e JOIN q_gowalla q ON e.key = q.u::text WHERE e.model = 'gowalla' AND e.side = 'u' ORDER BY q.u) TO '$W/gowalla_queries.txt'
\copy (SELECT array_to_string(vec || bias, ' ') FROM linkpred.embedding_store WHERE model = 'big' AND side = 'i' ORDER BY idx) TO '$W/big_items.txt'
\copy (SELECT array_to_string(e.vec || 1::real, ' ') FROM linkpred.embedding_store e JOIN q_big q ON e.key = q.u::text WHERE e.model = 'big' AND e.side = 'u' ORDER BY q.u) TO '$W/big_queries.txt'
\copy (SELECT 'gowalla', percentile_cont(0.5) WITHIN GROUP (ORDER BY ms), percentile_cont(0.95) WITHIN GROUP (ORDER BY ms), count(*) FROM t_gowalla UNION ALL SELECT 'big', percentile_cont(0.5) WITHIN GROUP (ORDER BY ms), percentile_cont(0.95) WITHIN GROUP (ORDER BY ms), count(*) FROM t_big) TO '$W/ours.txt'
SQL

lp_log "FAISS IndexFlatIP, one thread, single queries"
$PY - "$W" >"$W/faiss.txt" <<'PYEOF'
import sys, time, numpy as np, faiss
w = sys.argv[1]
faiss.omp_set_num_threads(1)
for name in ("gowalla", "big"):
    xb = np.loadtxt(f"{w}/{name}_items.txt", dtype=np.float32, ndmin=2)
    xq = np.loadtxt(f"{w}/{name}_queries.txt", dtype=np.float32, ndmin=2)
    index = faiss.IndexFlatIP(xb.shape[1]); index.add(xb)
    index.search(xq[:1], 10)
    t = []
    for i in range(len(xq)):
        t0 = time.perf_counter(); index.search(xq[i:i + 1], 10); t.append((time.perf_counter() - t0) * 1000)
    print(name, xb.shape[0], xb.shape[1] - 1, np.median(t), np.percentile(t, 95), len(t))
PYEOF

cpu=$(grep -m1 "model name" /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')
{
	echo "# linkpred_topk against FAISS IndexFlatIP"
	echo
	echo "- Date: $(date -u '+%Y-%m-%d %H:%M UTC'); command: \`bash bench/yardstick.sh\`; linkpred commit $(git -C "$LP_SRC" rev-parse --short HEAD)"
	echo "- Machine: $cpu, $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GB; FAISS $($PY -c 'import faiss; print(faiss.__version__)') (Debian python3-faiss), one thread"
	echo "- linkpred: \`linkpred_topk(u, 10, model)\` called from SQL (PL/pgSQL loop, each call timed with clock_timestamp(), after one warm-up call), so its time includes the SQL call, the user lookup, excluding the user's training items and returning rows. FAISS: \`index.search(q, 10)\` on the same item vectors with the item bias appended (queries [u, 1]), one query at a time from Python."
	echo
	echo "| catalog | items x dim | linkpred_topk median (p95), ms | FAISS IndexFlatIP median (p95), ms | queries | linkpred <= FAISS |"
	echo "|---|---:|---:|---:|---:|---|"
	while read -r name n d fmed fp95 fq; do
		read -r oname omed op95 oq < <(grep -P "^$name\t" "$W/ours.txt" | tr '\t' ' ')
		awk -v n="$name" -v items="$n" -v d="$d" -v om="$omed" -v op="$op95" -v fm="$fmed" -v fp="$fp95" -v q="$oq" 'BEGIN {
			printf "| %s | %d x %d | %.3f (%.3f) | %.3f (%.3f) | %d | %s |\n", (n == "big" ? "synthetic" : "Gowalla"), items, d, om, op, fm, fp, q, (om <= fm ? "yes" : "**no**") }'
	done <"$W/faiss.txt"
	echo
	echo "Issue targets: single-user top-10 over Gowalla's 40,981 items median at most 1 ms and at most FAISS's time; 1,000,000 x 64 exact top-10 at most 30 ms."
	echo "Wall time $(( $(date +%s) - started )) s."
} >"$OUT"
cat "$OUT"
