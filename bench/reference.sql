-- reference.sql: bench.evaluate_sql, a plain-SQL reference for linkpred_evaluate.
--
-- It takes the same arguments as linkpred_evaluate for explicit test pairs
-- and returns the same rows (metric, at_k, value: PL/pgSQL cannot have an
-- argument and an output column both named k), computed from scratch with
-- nothing of the extension but linkpred_score, linkpred_topk and the
-- linkpred.models / linkpred.embeddings views:
--
--   * A node with no training edge is scored as a node with no history:
--     every heuristic is 0, the model gives it a zero vector and a zero
--     bias (so the pair scores the known node's bias), as in the SEAL
--     protocol where every node exists.
--   * AUC with labels: Mann-Whitney U over the labelled pairs, ties one
--     half.
--   * AUC without labels: every test pair against one random non-edge of the
--     same user (not a training edge, not a test edge, not the user itself),
--     drawn with setseed(seed): the share of pairs that beat their non-edge,
--     ties one half.  It agrees with linkpred_evaluate only up to sampling
--     noise.
--   * auc_known (reference only): the AUC over the pairs whose nodes the
--     model knows, to show what the unseen nodes do to the figure.
--   * Ranking metrics (method 'model' only): linkpred_topk(u, max(k)) per
--     test user, which already leaves out the user's training items;
--     recall@K = hits / relevant items, hits@K = share of users with a hit,
--     ndcg@K with binary gains and the ideal DCG of min(relevant, K) hits.
--     Users the model does not know count as users with no hit.  No MRR:
--     a top-k list cannot give ranks beyond k.
--   * Heuristics (cn, jaccard, aa, ra, pa): undirected homogeneous graphs
--     only, from the model's source relation (the bench never changes it
--     after training).
--
-- run.sh uses it two ways: as a cross-check of linkpred_evaluate on the
-- same inputs, and, when the installed extension has no linkpred_evaluate
-- yet, as a stand-in (stub.sql) so the rest of the harness still runs.

-- The structural head (src/kernels/head.h) on a pair with a node the model does
-- not know: such a node has no neighbours, so every path count is 0 and
-- only the embedding score (the known side's bias), the degrees and the
-- unseen count remain (no path, no distance, not apart, a component of
-- one).  h = n means, n scales, n weights, the bias and (since 0.2.0) the
-- format number, as linkpred.version_catalog.head stores them (n =
-- LP_HEAD_NFEAT: (length - 1) / 3 either way).  tied: an undirected graph,
-- whose degree features are the smaller degree, then the larger (format
-- 2; a 0.1.0 head is symmetrised as it loads, which this does not
-- reproduce).
CREATE FUNCTION bench.head_unknown(h real[], emb float8, du float8, dv float8, unseen int,
                                   tied boolean)
RETURNS float8 LANGUAGE sql IMMUTABLE AS $$
    SELECT h[3 * n + 1] + sum(h[2 * n + k] * (f - h[k]) / h[n + k])
    FROM (SELECT (array_length(h, 1) - 1) / 3 AS n) c,
         unnest(ARRAY[emb,
                      ln(1 + CASE WHEN tied THEN least(du, dv) ELSE du END),
                      ln(1 + CASE WHEN tied THEN greatest(du, dv) ELSE dv END), unseen]
                || array_fill(0::float8, ARRAY[(array_length(h, 1) - 1) / 3 - 4]))
             WITH ORDINALITY AS x(f, k)
    GROUP BY n
$$;

CREATE FUNCTION bench.evaluate_sql(model text,
                                   test regclass DEFAULT NULL,
                                   label text DEFAULT NULL,
                                   method text DEFAULT 'model',
                                   k integer[] DEFAULT '{10,20}',
                                   seed bigint DEFAULT NULL)
RETURNS TABLE (metric text, at_k integer, value double precision)
LANGUAGE plpgsql AS $fn$
#variable_conflict use_column
DECLARE
    p_model  text := $1;
    p_test   regclass := $2;
    p_label  text := $3;
    p_method text := coalesce($4, 'model');
    p_k      integer[] := coalesce($5, '{}');
    p_seed   bigint := $6;
    m        record;
    homog    boolean;
    maxk     integer;
    t        text;
    hd       real[];
BEGIN
    SELECT mm.source, mm.src_column, mm.dst_column, mm.active_version,
           NOT coalesce((mm.options->>'bipartite')::boolean, true) AS homogeneous,
           coalesce((mm.options->>'directed')::boolean, false) AS directed
      INTO m
      FROM linkpred.models mm WHERE mm.name = p_model;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'linkpred model "%" does not exist', p_model;
    END IF;
    SELECT v.head INTO hd FROM linkpred.version_catalog v
     WHERE v.model = p_model AND v.version = m.active_version;
    IF p_test IS NULL THEN
        RAISE EXCEPTION 'the SQL reference evaluates explicit test pairs only';
    END IF;
    IF p_method NOT IN ('model', 'cn', 'jaccard', 'aa', 'ra', 'pa') THEN
        RAISE EXCEPTION 'unknown method "%"', p_method;
    END IF;
    homog := m.homogeneous AND NOT m.directed;
    IF p_method <> 'model' AND NOT homog THEN
        RAISE EXCEPTION 'the SQL reference computes heuristics on undirected homogeneous graphs only';
    END IF;

    -- the previous call's scratch tables (checked first: DROP IF EXISTS
    -- would send a NOTICE every time)
    FOR t IN SELECT unnest('{ref_pairs,ref_users,ref_items,ref_adj,ref_deg,ref_scored,ref_rank}'::text[]) LOOP
        IF to_regclass('pg_temp.' || t) IS NOT NULL THEN
            EXECUTE format('DROP TABLE pg_temp.%I', t);
        END IF;
    END LOOP;

    -- test pairs as text ids; rel = 1 relevant, 0 a labelled non-edge
    EXECUTE format('CREATE TEMP TABLE ref_pairs AS
                    SELECT row_number() OVER () AS id, %I::text AS u, %I::text AS v, %s AS rel
                    FROM %s WHERE %I IS NOT NULL AND %I IS NOT NULL',
                   m.src_column, m.dst_column,
                   CASE WHEN p_label IS NULL THEN '1' ELSE format('(%I)::integer', p_label) END,
                   p_test, m.src_column, m.dst_column);
    DELETE FROM ref_pairs WHERE rel IS NULL;

    -- nodes the active version knows, on each side
    CREATE TEMP TABLE ref_users AS
        SELECT e.key, e.bias, e.degree FROM linkpred.embeddings e
        WHERE e.model = p_model AND e.version = m.active_version AND e.side IN ('u', 'n');
    CREATE TEMP TABLE ref_items AS
        SELECT e.key, e.idx, e.bias, e.degree FROM linkpred.embeddings e
        WHERE e.model = p_model AND e.version = m.active_version AND e.side IN ('i', 'n');
    ALTER TABLE ref_users ADD PRIMARY KEY (key);
    ALTER TABLE ref_items ADD PRIMARY KEY (key);

    -- the training graph, user -> item (both directions when undirected)
    EXECUTE format('CREATE TEMP TABLE ref_adj AS
                    SELECT DISTINCT %I::text AS a, %I::text AS b
                    FROM %s WHERE %I IS NOT NULL AND %I IS NOT NULL',
                   m.src_column, m.dst_column, m.source, m.src_column, m.dst_column);
    IF m.homogeneous THEN
        DELETE FROM ref_adj WHERE a = b;
    END IF;
    IF homog THEN
        INSERT INTO ref_adj SELECT b, a FROM ref_adj EXCEPT SELECT a, b FROM ref_adj;
    END IF;
    ALTER TABLE ref_adj ADD PRIMARY KEY (a, b);
    CREATE TEMP TABLE ref_deg AS SELECT a AS n, count(*)::float8 AS d FROM ref_adj GROUP BY a;
    ALTER TABLE ref_deg ADD PRIMARY KEY (n);
    ANALYZE ref_pairs, ref_adj, ref_deg, ref_users, ref_items;

    -- without labels: one random non-edge of the same user per test pair
    IF p_label IS NULL THEN
        PERFORM setseed(((coalesce(p_seed, 0) % 1000003) / 1000003.0)::float8);
        INSERT INTO ref_pairs (id, u, v, rel)
        SELECT -p.id, p.u, n.v, 0
        FROM (SELECT * FROM ref_pairs ORDER BY id) p,
             (SELECT array_agg(key ORDER BY idx) AS keys FROM ref_items) it,
             LATERAL (SELECT c.v
                      FROM (SELECT it.keys[1 + floor(random() * cardinality(it.keys))::int] AS v
                            FROM generate_series(1, 32) OFFSET 0) c
                      WHERE c.v <> p.u
                        AND NOT EXISTS (SELECT 1 FROM ref_adj x WHERE x.a = p.u AND x.b = c.v)
                        AND NOT EXISTS (SELECT 1 FROM ref_pairs t
                                        WHERE (t.u = p.u AND t.v = c.v)
                                           OR (homog AND t.u = c.v AND t.v = p.u))
                      LIMIT 1) n
        WHERE p.rel = 1;
    END IF;

    -- scores; an unknown node is a node with no history
    IF p_method = 'model' THEN
        CREATE TEMP TABLE ref_scored AS
        SELECT p.id, p.u, p.v, p.rel,
               coalesce(linkpred_score(p.u, p.v, model => p_model),
                        CASE WHEN hd IS NULL THEN (coalesce(ku.bias, 0) + coalesce(ki.bias, 0))::float8
                        ELSE bench.head_unknown(hd, (coalesce(ku.bias, 0) + coalesce(ki.bias, 0))::float8,
                                                coalesce(ku.degree, 0), coalesce(ki.degree, 0),
                                                (ku.key IS NULL)::int + (ki.key IS NULL)::int, homog) END) AS s,
               (ku.key IS NULL OR ki.key IS NULL) AS unknown
        FROM ref_pairs p
        LEFT JOIN ref_users ku ON ku.key = p.u
        LEFT JOIN ref_items ki ON ki.key = p.v;
    ELSE
        CREATE TEMP TABLE ref_scored AS
        SELECT p.id, p.u, p.v, p.rel,
               CASE WHEN du.d IS NULL OR dv.d IS NULL THEN 0::float8
                    WHEN p_method = 'cn' THEN coalesce(c.cn, 0)
                    WHEN p_method = 'jaccard' THEN coalesce(c.cn, 0) / (du.d + dv.d - coalesce(c.cn, 0))
                    WHEN p_method = 'aa' THEN coalesce(c.aa, 0)
                    WHEN p_method = 'ra' THEN coalesce(c.ra, 0)
                    ELSE du.d * dv.d END AS s,
               (du.d IS NULL OR dv.d IS NULL) AS unknown
        FROM ref_pairs p
        LEFT JOIN ref_deg du ON du.n = p.u
        LEFT JOIN ref_deg dv ON dv.n = p.v
        LEFT JOIN LATERAL (
            SELECT count(*)::float8 AS cn,
                   sum(1.0 / w.d) AS ra,
                   sum(CASE WHEN w.d > 1 THEN 1.0 / ln(w.d) ELSE 0 END) AS aa
            FROM ref_adj x
            JOIN ref_adj y ON y.a = p.v AND y.b = x.b
            JOIN ref_deg w ON w.n = x.b
            WHERE x.a = p.u) c ON true;
    END IF;

    IF p_label IS NOT NULL THEN
        -- AUC = (rank sum of the relevant pairs - n1 (n1 + 1) / 2) / (n1 n0),
        -- tied scores sharing their mean rank; auc_known: the same over the
        -- pairs whose nodes the model knows
        RETURN QUERY
        SELECT w.name, NULL::integer, x.value
        FROM (VALUES ('auc', false), ('auc_known', true)) AS w (name, known_only),
             LATERAL (
                 WITH r AS (SELECT rel, rank() OVER (ORDER BY s)
                                        + (count(*) OVER (PARTITION BY s) - 1) / 2.0 AS rk
                            FROM ref_scored
                            WHERE rel IN (0, 1) AND NOT (w.known_only AND unknown)),
                      c AS (SELECT count(*) FILTER (WHERE rel = 1)::float8 AS n1,
                                   count(*) FILTER (WHERE rel = 0)::float8 AS n0,
                                   sum(rk) FILTER (WHERE rel = 1)::float8 AS r1
                            FROM r)
                 SELECT CASE WHEN n1 > 0 AND n0 > 0 THEN (r1 - n1 * (n1 + 1) / 2) / (n1 * n0) END AS value
                 FROM c) x;
    ELSE
        -- each test pair against its own sampled non-edge (id = -its id),
        -- ties one half; a pair for which no non-edge was found is left out
        RETURN QUERY
        WITH pr AS (SELECT p.s AS sp, n.s AS sn, p.unknown
                    FROM ref_scored p JOIN ref_scored n ON n.id = -p.id
                    WHERE p.id > 0),
             w AS (SELECT unknown, CASE WHEN sp > sn THEN 1.0 WHEN sp = sn THEN 0.5 ELSE 0.0 END AS win
                   FROM pr)
        SELECT 'auc'::text, NULL::integer, avg(win)::float8 FROM w
        UNION ALL
        SELECT 'auc_known', NULL, avg(win) FILTER (WHERE NOT unknown)::float8 FROM w;
    END IF;

    RETURN QUERY
    SELECT 'pairs'::text, NULL::integer,
           count(*) FILTER (WHERE p_label IS NOT NULL OR id > 0)::float8
    FROM ref_scored;
    RETURN QUERY
    SELECT 'unknown'::text, NULL::integer,
           count(*) FILTER (WHERE unknown AND (p_label IS NOT NULL OR id > 0))::float8
    FROM ref_scored;
    RETURN QUERY
    SELECT 'users'::text, NULL::integer, count(DISTINCT u)::float8
    FROM ref_pairs WHERE rel = 1 AND id > 0;

    -- ranking metrics from linkpred_topk (model only)
    maxk := (SELECT max(x) FROM unnest(p_k) x);
    IF p_method <> 'model' OR maxk IS NULL THEN
        RETURN;
    END IF;
    CREATE TEMP TABLE ref_rank AS
    SELECT t.u, t.n_rel, r.pos
    FROM (SELECT u, array_agg(DISTINCT v) AS items, count(DISTINCT v) AS n_rel
          FROM ref_pairs WHERE rel = 1 AND id > 0 GROUP BY u) t
    LEFT JOIN LATERAL (
        SELECT x.pos
        FROM linkpred_topk(t.u, maxk, model => p_model) WITH ORDINALITY AS x (item, score, pos)
        WHERE EXISTS (SELECT 1 FROM ref_users ku WHERE ku.key = t.u)
          AND x.item = ANY (t.items)) r ON true;

    RETURN QUERY
    WITH kk AS (SELECT DISTINCT x AS kv FROM unnest(p_k) x),
         per_user AS (
             SELECT kk.kv, r.u,
                    count(r.pos) FILTER (WHERE r.pos <= kk.kv)::float8 / max(r.n_rel) AS recall,
                    (count(r.pos) FILTER (WHERE r.pos <= kk.kv) > 0)::int::float8 AS hit,
                    coalesce(sum(1.0 / log(2, r.pos + 1.0)) FILTER (WHERE r.pos <= kk.kv), 0)::float8
                      / (SELECT sum(1.0 / log(2, i + 1.0))
                         FROM generate_series(1, least(max(r.n_rel), kk.kv)::int) i)::float8 AS ndcg
             FROM kk CROSS JOIN ref_rank r
             GROUP BY kk.kv, r.u)
    SELECT mt, kv, v
    FROM (SELECT kv, avg(hit) AS h, avg(recall) AS rc, avg(ndcg) AS nd FROM per_user GROUP BY kv) a,
         LATERAL (VALUES ('hits'::text, a.h), ('recall', a.rc), ('ndcg', a.nd)) AS x (mt, v)
    ORDER BY mt, kv;
END
$fn$;
COMMENT ON FUNCTION bench.evaluate_sql(text, regclass, text, text, integer[], bigint) IS
'plain-SQL reference for linkpred_evaluate on explicit test pairs: AUC, recall/hits/ndcg@K from linkpred_topk, heuristics on undirected graphs';
