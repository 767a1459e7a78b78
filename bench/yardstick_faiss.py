"""bench/yardstick_faiss.py: FAISS's side of bench/yardstick.sh (which runs it).

    python3 yardstick_faiss.py DIR [HNSW_M [HNSW_EF_CONSTRUCTION]]

DIR holds what yardstick.sh exported: {gowalla,big}_items.txt (one item a line:
its vector, then its bias) and {gowalla,big}_queries.txt (one user a line: its
vector, then 1), so an inner product ranks exactly what linkpred_topk ranks.
The Gowalla files are optional (yardstick.sh --skip-gowalla leaves them out).
HNSW_M (default 32) and HNSW_EF_CONSTRUCTION (default 40, FAISS's own) set
IndexHNSWFlat's build.

Prints to stdout, for each catalog, IndexFlatIP's single-query latency:
    name items dim median_ms p95_ms queries
and writes DIR/faiss_sweeps.txt for the 1,000,000-item catalog, one line a
setting, tab-separated:
    method setting median_ms p95_ms recall@10 build_s
for IndexHNSWFlat (M = HNSW_M, efSearch swept) and IndexIVFPQ (nlist 4096, 32
sub-quantizers of 8 bits, nprobe swept), alone and re-ranked on the exact
vectors (IndexRefineFlat).  Recall@10: the share of IndexFlatIP's top-10 the
index returns, over the queries.  Builds run on every core (as linkpred's index
build does), searches on one thread, one query at a time.  A catalog too small
for those IVF-PQ sizes (yardstick.sh's check runs) gets fewer lists (at least
39 training items each) and trains on every item.
"""
import os
import sys
import time

import faiss
import numpy as np

K = 10
W = sys.argv[1]
CORES = os.cpu_count()
HNSW_M = int(sys.argv[2]) if len(sys.argv) > 2 else 32
HNSW_EFC = int(sys.argv[3]) if len(sys.argv) > 3 else 40


def load(path):
    with open(path) as f:
        width = len(f.readline().split())
        f.seek(0)
        return np.fromstring(f.read(), dtype=np.float32, sep=" ").reshape(-1, width)


def single_queries(index, xq):
    """Latencies (ms) and top-K ids of one search per query, on one thread."""
    faiss.omp_set_num_threads(1)
    index.search(xq[:1], K)
    ms, ids = [], []
    for i in range(len(xq)):
        t0 = time.perf_counter()
        _, found = index.search(xq[i:i + 1], K)
        ms.append((time.perf_counter() - t0) * 1000)
        ids.append(found[0])
    return np.array(ms), np.array(ids)


def built(index, train, xb):
    """Trains (if needed) and fills index on every core; returns the seconds."""
    faiss.omp_set_num_threads(CORES)
    t0 = time.perf_counter()
    if train is not None:
        index.train(train)
    index.add(xb)
    return time.perf_counter() - t0


def sweep(out, method, index, knob, settings, xq, exact, build_s):
    for s in settings:
        knob(s)
        ms, ids = single_queries(index, xq)
        recall = np.mean([len(set(a) & set(b)) / K for a, b in zip(ids, exact)])
        out.write(f"{method}\t{s}\t{np.median(ms):.4f}\t{np.percentile(ms, 95):.4f}\t{recall:.4f}\t{build_s:.1f}\n")
        out.flush()


exact_big = None
for name in ("gowalla", "big"):
    if not os.path.exists(f"{W}/{name}_items.txt"):
        continue
    xb = load(f"{W}/{name}_items.txt")
    xq = load(f"{W}/{name}_queries.txt")
    flat = faiss.IndexFlatIP(xb.shape[1])
    flat.add(xb)
    ms, ids = single_queries(flat, xq)
    print(name, xb.shape[0], xb.shape[1] - 1, np.median(ms), np.percentile(ms, 95), len(ms), flush=True)
    del flat

with open(f"{W}/faiss_sweeps.txt", "w") as out:
    d = xb.shape[1]
    hnsw = faiss.IndexHNSWFlat(d, HNSW_M, faiss.METRIC_INNER_PRODUCT)
    hnsw.hnsw.efConstruction = HNSW_EFC
    build_s = built(hnsw, None, xb)
    sweep(out, f"FAISS IndexHNSWFlat (M {HNSW_M}, efConstruction {HNSW_EFC})", hnsw, lambda ef: setattr(hnsw.hnsw, "efSearch", ef),
          (16, 32, 64, 128, 256, 512), xq, ids, build_s)
    del hnsw

    # PQ needs the dimension to be a multiple of the sub-quantizers: zeros pad
    # the vectors (65 -> 96), which leaves every inner product as it was.
    m = 32
    dp = -(-d // m) * m
    xbp = np.zeros((xb.shape[0], dp), dtype=np.float32)
    xbp[:, :d] = xb
    xqp = np.zeros((xq.shape[0], dp), dtype=np.float32)
    xqp[:, :d] = xq
    del xb
    n_sample = min(200000, xbp.shape[0])
    nlist = min(4096, n_sample // 39)
    sample = xbp[np.random.default_rng(1).choice(xbp.shape[0], n_sample, replace=False)]
    ivfpq = faiss.IndexIVFPQ(faiss.IndexFlatIP(dp), dp, nlist, m, 8, faiss.METRIC_INNER_PRODUCT)
    refined = faiss.IndexRefineFlat(ivfpq)
    build_s = built(refined, sample, xbp)
    nprobes = (8, 16, 32, 64, 128, 256, 512, 1024)
    sweep(out, f"FAISS IndexIVFPQ ({nlist} lists, 32 x 8 bits)", ivfpq, lambda p: setattr(ivfpq, "nprobe", p),
          nprobes, xqp, ids, build_s)
    refined.k_factor = 4
    sweep(out, "FAISS IndexIVFPQ + IndexRefineFlat (k_factor 4)", refined,
          lambda p: setattr(ivfpq, "nprobe", p), nprobes, xqp, ids, build_s)
