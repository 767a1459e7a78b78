-- report.sql: turn the rows in schema "bench" into the markdown body of
-- RESULTS.md (run.sh writes the header: date, command, machine).
--
-- Run with psql -tA; psql variable mode = full | quick.  Every section
-- prints only when its dataset was run.  Published figures are the ones
-- listed in ../shared/data/README.md; they are typed in here, next to
-- where they are used.

\set QUIET on
SET client_min_messages = warning;

-- x rounded to d places, '–' for NULL
CREATE FUNCTION pg_temp.f(x double precision, d integer DEFAULT 3) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT coalesce(round(x::numeric, d)::text, '–')
$$;
-- mean ± sample std
CREATE FUNCTION pg_temp.ms(mean double precision, sd double precision, d integer DEFAULT 3) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT pg_temp.f(mean, d) || CASE WHEN sd IS NULL THEN '' ELSE ' ± ' || pg_temp.f(sd, d) END
$$;

-- the linkpred_evaluate numbers only (impl 'sql' is the cross-check)
CREATE TEMP VIEW m AS
SELECT dataset, graph, split, method, metric, k, value
FROM bench.metrics WHERE impl = 'linkpred';

-------------------------------------------------------------------------
-- Wall time per dataset
SELECT E'## Wall time\n\n'
    || E'| dataset | wall time | training (sum of jobs) | evaluation (sum) | covers |\n'
    || E'|---|---:|---:|---:|---|\n'
    || string_agg(format('| %s | %s s | %s s | %s s | %s |', p.dataset, pg_temp.f(p.seconds, 1),
                         pg_temp.f(t.s, 1), pg_temp.f(e.s, 1), p.covers),
                  E'\n' ORDER BY array_position('{seal,gowalla,lastfm,warm,serving}', p.dataset))
    || E'\n\nTraining time is the job''s elapsed time (loading, training, storing) as '
    || E'`linkpred.jobs` reports it; evaluation time sums the `linkpred_evaluate` calls '
    || E'(the SQL reference''s cross-check runs are in the wall time only).\n'
FROM bench.phases p
LEFT JOIN (SELECT dataset, sum(job_s) AS s FROM bench.trainings GROUP BY dataset) t USING (dataset)
LEFT JOIN (SELECT dataset, sum(seconds) AS s FROM bench.evaluations
           WHERE impl = 'linkpred' GROUP BY dataset) e USING (dataset)
HAVING count(*) > 0;

-------------------------------------------------------------------------
-- SEAL
-- per graph, method, implementation and metric: mean and std over splits
-- (the spectral preset's rows, dataset seal_spectral, as method "spectral")
CREATE TEMP TABLE seal_auc AS
SELECT graph, CASE dataset WHEN 'seal_spectral' THEN 'spectral' ELSE method END AS method,
       impl, metric, count(*) AS splits, avg(value) AS mean, stddev_samp(value) AS sd
FROM bench.metrics WHERE dataset IN ('seal', 'seal_spectral') AND metric IN ('auc', 'auc_known')
GROUP BY 1, 2, impl, metric;

-- share of test pairs with a node that has no training edge
CREATE TEMP TABLE seal_unknown AS
SELECT u.graph, avg(u.value / p.value) AS share
FROM m u JOIN m p USING (dataset, graph, split, method)
WHERE u.dataset = 'seal' AND u.method = 'model' AND u.metric = 'unknown' AND p.metric = 'pairs'
GROUP BY u.graph;

-- "mean ± std" of one cell; mean() for averages over graphs
CREATE FUNCTION pg_temp.cell(g text, meth text, imp text, met text) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT pg_temp.ms(mean, sd) FROM seal_auc
    WHERE graph = g AND method = meth AND impl = imp AND metric = met
$$;
CREATE FUNCTION pg_temp.mean(meth text, imp text, met text) RETURNS double precision
LANGUAGE sql STABLE AS $$
    SELECT avg(mean) FROM seal_auc WHERE method = meth AND impl = imp AND metric = met
$$;

CREATE TEMP TABLE seal_order AS
SELECT g, o FROM unnest('{usair,ns,pb,yeast,celegans,power,router}'::text[]) WITH ORDINALITY AS x (g, o);

-- published: best heuristic RA (0.817 mean; 0.587 Power and 0.556 Router
-- for every common-neighbour heuristic), DSSLP (0.950 mean, 0.970 Router)
CREATE TEMP TABLE seal_pub (graph text, ra double precision, dsslp double precision);
INSERT INTO seal_pub VALUES ('power', 0.587, NULL), ('router', 0.556, 0.970);

CREATE TEMP TABLE seal_graphs_run AS
SELECT DISTINCT s.graph, o.o FROM seal_auc s JOIN seal_order o ON o.g = s.graph;
SELECT count(*) = 7 AS seal_all7, count(*) AS seal_n
FROM seal_graphs_run \gset

SELECT E'## SEAL graphs: AUC on the 90%/10% splits\n\n'
    || format(E'Each split: the default model (`linkpred_train(..., options => ''{"bipartite": false}'')`, '
              'nothing else set) trained on the split''s training edges, then '
              '`linkpred_evaluate(model, test => <test pairs>, label => ''label'', method => ...)` '
              'on its test edges and as many test non-edges. Mean ± std over the splits run '
              '(%s). The heuristics run on the model''s training graph. '
              'A node all of whose edges went to the test part is scored as a node with no history '
              '(heuristics 0; the model: a zero vector and bias), as in the published protocol where '
              'every node exists; the last column says how many test pairs have such a node, and '
              '"known pairs only" gives the model''s AUC without them (SQL reference).' || E'\n\n',
              (SELECT string_agg(DISTINCT splits::text, '/') || ' splits per graph' FROM seal_auc))
    || E'| graph | nodes | train edges | linkpred (defaults) | linkpred, known pairs only | linkpred `{"encoder": "spectral"}` | CN | Jaccard | AA | RA | PA | published RA | published DSSLP | test pairs with an unseen node |\n'
    || E'|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n'
    || string_agg(format('| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s%% |',
                         r.graph, sg.nodes, sg.train_edges,
                         pg_temp.cell(r.graph, 'model', 'linkpred', 'auc'),
                         coalesce(pg_temp.cell(r.graph, 'model', 'sql', 'auc_known'), '–'),
                         coalesce(pg_temp.cell(r.graph, 'spectral', 'linkpred', 'auc'), '–'),
                         pg_temp.cell(r.graph, 'cn', 'linkpred', 'auc'),
                         pg_temp.cell(r.graph, 'jaccard', 'linkpred', 'auc'),
                         pg_temp.cell(r.graph, 'aa', 'linkpred', 'auc'),
                         pg_temp.cell(r.graph, 'ra', 'linkpred', 'auc'),
                         pg_temp.cell(r.graph, 'pa', 'linkpred', 'auc'),
                         pg_temp.f(p.ra), pg_temp.f(p.dsslp), pg_temp.f(100 * un.share, 1)),
                  E'\n' ORDER BY r.o)
    || E'\n'
    || format('| **mean of the %s graphs** | | | **%s** | %s | %s | %s | %s | %s | **%s** | %s | %s | %s | |',
              count(*), pg_temp.f(pg_temp.mean('model', 'linkpred', 'auc')),
              pg_temp.f(pg_temp.mean('model', 'sql', 'auc_known')),
              coalesce(pg_temp.f(pg_temp.mean('spectral', 'linkpred', 'auc')), '–'),
              pg_temp.f(pg_temp.mean('cn', 'linkpred', 'auc')), pg_temp.f(pg_temp.mean('jaccard', 'linkpred', 'auc')),
              pg_temp.f(pg_temp.mean('aa', 'linkpred', 'auc')), pg_temp.f(pg_temp.mean('ra', 'linkpred', 'auc')),
              pg_temp.f(pg_temp.mean('pa', 'linkpred', 'auc')),
              CASE WHEN :'seal_all7'::boolean THEN '0.817' ELSE '(0.817, 7 graphs)' END,
              CASE WHEN :'seal_all7'::boolean THEN '0.950' ELSE '(0.950, 7 graphs)' END)
    || E'\n'
FROM seal_graphs_run r
LEFT JOIN bench.seal_graphs sg ON sg.graph = r.graph
LEFT JOIN seal_pub p ON p.graph = r.graph
LEFT JOIN seal_unknown un ON un.graph = r.graph
HAVING count(*) > 0;

-- Do our heuristics reproduce the published ones?
CREATE TEMP TABLE seal_repro (o integer, what text, ours double precision, published double precision);
INSERT INTO seal_repro
SELECT 1, 'RA, mean of the seven graphs', pg_temp.mean('ra', 'linkpred', 'auc'), 0.817
WHERE :'seal_all7'::boolean;
INSERT INTO seal_repro
SELECT 1 + array_position('{power,router}', graph) * 10 + array_position('{cn,jaccard,aa,ra}', method),
       initcap(graph) || ', ' || upper(method), mean,
       CASE graph WHEN 'power' THEN 0.587 ELSE 0.556 END
FROM seal_auc
WHERE graph IN ('power', 'router') AND method IN ('cn', 'jaccard', 'aa', 'ra')
  AND impl = 'linkpred' AND metric = 'auc';

SELECT E'\n### Do our heuristics reproduce the published figures?\n\n'
    || E'| figure | published | ours (`linkpred_evaluate`) | difference | within 0.01 |\n'
    || E'|---|---:|---:|---:|---|\n'
    || string_agg(format('| %s | %s | %s | %s | %s |', what, pg_temp.f(published), pg_temp.f(ours),
                         pg_temp.f(ours - published),
                         CASE WHEN abs(ours - published) <= 0.01 THEN 'yes' ELSE '**no**' END),
                  E'\n' ORDER BY o)
    || CASE WHEN :'seal_all7'::boolean THEN '' ELSE E'\n\nThe seven-graph RA mean needs a full run (this one had '
                                         || :seal_n || ' graphs).' END
    || E'\n'
FROM seal_repro
HAVING count(*) > 0;

SELECT E'\nlinkpred (defaults) against DSSLP: '
    || CASE WHEN :'seal_all7'::boolean
            THEN format('mean of the seven graphs %s (%s over known pairs) vs 0.950; ',
                        pg_temp.f(pg_temp.mean('model', 'linkpred', 'auc')),
                        pg_temp.f(pg_temp.mean('model', 'sql', 'auc_known')))
            ELSE '' END
    || coalesce(format('Router %s (%s over known pairs) vs 0.970',
                       pg_temp.f(max(mean) FILTER (WHERE impl = 'linkpred' AND metric = 'auc')),
                       pg_temp.f(max(mean) FILTER (WHERE impl = 'sql' AND metric = 'auc_known'))),
                'Router not run')
    || E'.\n'
FROM seal_auc WHERE method = 'model' AND graph = 'router'
HAVING count(*) > 0 OR :'seal_all7'::boolean;

-------------------------------------------------------------------------
-- Gowalla
SELECT to_regclass('bench.gowalla_stats') IS NOT NULL
       AND EXISTS (SELECT 1 FROM bench.trainings WHERE dataset = 'gowalla') AS gw_run \gset
\if :gw_run
SELECT user_mod > 1 AS gw_subset FROM bench.gowalla_stats \gset
CREATE TEMP TABLE gw AS
SELECT max(value) FILTER (WHERE metric = 'recall' AND k = 20) AS recall,
       max(value) FILTER (WHERE metric = 'ndcg' AND k = 20) AS ndcg,
       max(value) FILTER (WHERE metric = 'hits' AND k = 20) AS hits,
       max(value) FILTER (WHERE metric = 'mrr') AS mrr,
       max(value) FILTER (WHERE metric = 'auc') AS auc,
       max(value) FILTER (WHERE metric = 'pairs') AS pairs,
       max(value) FILTER (WHERE metric = 'users') AS users,
       max(value) FILTER (WHERE metric = 'unknown') AS unknown,
       method
FROM m WHERE dataset = 'gowalla' AND graph = 'gowalla' GROUP BY method
UNION ALL
SELECT max(value) FILTER (WHERE metric = 'recall' AND k = 20),
       max(value) FILTER (WHERE metric = 'ndcg' AND k = 20),
       NULL, NULL, NULL, NULL, NULL, NULL, 'spectral'
FROM m WHERE dataset = 'gowalla' AND graph = 'gowalla spectral' AND method = 'model'
HAVING count(*) > 0;

SELECT E'\n## Gowalla (LightGCN split): Recall@20 and NDCG@20\n\n'
    || CASE WHEN :'gw_subset'::boolean
            THEN format(E'**Quick mode: only users with user_id %% %s = 0 (%s training pairs, %s test users). '
                        'Not comparable with the published figures, which rank all 40,981 items for all '
                        '29,858 users.**\n\n', s.user_mod, s.train_pairs, s.test_users)
            ELSE '' END
    || format(E'The default model (`linkpred_train(''gowalla'', ''gowalla_train'', ''user_id'', ''item_id'')`) on '
              '%s training pairs (%s users, %s items), then `linkpred_evaluate(''gowalla'', test => '
              '''gowalla_test'', k => ''{20}'')`: every item the user did not have in training is ranked, mean '
              'over %s test users.' || E'\n\n',
              s.train_pairs, s.users, s.items, pg_temp.f(g.users, 0))
    || E'| method | Recall@20 | NDCG@20 | hardware, time |\n|---|---:|---:|---|\n'
    || format(E'| **linkpred (defaults; encoder `%s`, chosen on validation data), this run** | **%s** | **%s** | %s; training job %s s, evaluation %s s |\n',
              coalesce(t.options->>'encoder', '?'), pg_temp.f(g.recall, 4), pg_temp.f(g.ndcg, 4), split_part(:'cpu', ',', 1),
              pg_temp.f(t.job_s, 1), pg_temp.f(ev.seconds, 1))
    || coalesce(format(E'| **linkpred spectral preset (`{"encoder": "spectral"}`), this run** | **%s** | **%s** | %s, training job %s s (factorisation %s s), peak RSS %s MB; evaluation %s s |\n',
                       pg_temp.f(sp.recall, 4), pg_temp.f(sp.ndcg, 4), split_part(:'cpu', ',', 1),
                       pg_temp.f(ts.job_s, 1), pg_temp.f(ts.train_s, 1), pg_temp.f(ts.peak_rss_mb, 0),
                       pg_temp.f(evs.seconds, 1)), '')
    || coalesce(format(E'| popularity (`method => ''pa''`), this run | %s | %s | evaluation %s s |\n',
                       pg_temp.f(pa.recall, 4), pg_temp.f(pa.ndcg, 4), pg_temp.f(evp.seconds, 1)), '')
    || E'| LightGCN (published) | 0.1830 | 0.1554 | GPU, ~25–30 s per epoch, hundreds of epochs |\n'
    || E'| NGCF (published) | 0.1570 | 0.1327 | |\n'
    || E'| Mult-VAE (published) | 0.1641 | 0.1335 | |\n'
    || E'| UltraGCN (published) | 0.1862 | 0.1580 | |\n'
    || E'| SimpleX (published) | 0.1872 | 0.1557 | |\n'
    || E'| GF-CF (published) | 0.1849 | 0.1518 | |\n'
    || E'| BSPM (published) | 0.1920 | 0.1597 | |\n'
    || coalesce(format(E'\nServing the spectral preset (`bench/spectral_latency.sql`): `linkpred_topk(u, 20)` median %s ms, p99 %s ms over %s users; `linkpred_score` %s pairs/s.\n',
                       pg_temp.f(lat.p50, 2), pg_temp.f(lat.p99, 2), pg_temp.f(lat.n, 0), pg_temp.f(lat.pps, 0)), '')
    || format(E'\nAlso from this run: Hits@20 %s, MRR %s, %s test pairs, %s with a node the model does not know.\n',
              pg_temp.f(g.hits, 4), pg_temp.f(g.mrr, 4), pg_temp.f(g.pairs, 0), pg_temp.f(g.unknown, 0))
    || E'\n### Gowalla training\n\n| measure | value |\n|---|---:|\n'
    || format(E'| training loop (`metrics->>''train_seconds''`) | %s s |\n', pg_temp.f(t.train_s, 1))
    || format(E'| job elapsed (`linkpred.jobs.elapsed`: load, train, store) | %s s |\n', pg_temp.f(t.job_s, 1))
    || format(E'| client wall time (submit to `linkpred_wait`) | %s s |\n', pg_temp.f(t.wall_s, 1))
    || format(E'| peak RSS of the worker (`metrics->>''peak_rss_mb''`) | %s |\n',
              CASE WHEN t.peak_rss_mb IS NULL THEN 'n/a' ELSE pg_temp.f(t.peak_rss_mb, 0) || ' MB' END)
    || format(E'| peak RSS polled from /proc (VmHWM, includes shared buffers it touched) | %s MB |\n', pg_temp.f(t.polled_hwm_mb, 0))
    || format(E'| peak private memory polled from /proc (RssAnon, sampled every 50 ms) | %s MB |\n', pg_temp.f(t.polled_anon_mb, 0))
    || format(E'| final training loss | %s |\n', pg_temp.f(t.loss, 4))
    || format(E'| seed used | %s |\n', t.seed)
FROM bench.gowalla_stats s
CROSS JOIN (SELECT * FROM gw WHERE method = 'model') g
LEFT JOIN (SELECT * FROM gw WHERE method = 'pa') pa ON true
LEFT JOIN (SELECT * FROM gw WHERE method = 'spectral') sp ON true
LEFT JOIN (SELECT max(value) FILTER (WHERE metric = 'topk_ms_p50') AS p50,
                  max(value) FILTER (WHERE metric = 'topk_ms_p99') AS p99,
                  max(value) FILTER (WHERE metric = 'topk_calls') AS n,
                  max(value) FILTER (WHERE metric = 'score_pairs_per_s') AS pps
           FROM bench.metrics WHERE dataset = 'gowalla' AND graph = 'gowalla spectral'
           HAVING count(*) FILTER (WHERE metric = 'topk_ms_p50') > 0) lat ON true
LEFT JOIN bench.trainings t ON t.dataset = 'gowalla' AND t.graph = 'gowalla'
LEFT JOIN bench.trainings ts ON ts.dataset = 'gowalla' AND ts.graph = 'gowalla spectral'
LEFT JOIN bench.evaluations evs ON evs.dataset = 'gowalla' AND evs.graph = 'gowalla spectral' AND evs.method = 'model' AND evs.impl = 'linkpred'
LEFT JOIN bench.evaluations ev ON ev.dataset = 'gowalla' AND ev.graph = 'gowalla' AND ev.method = 'model' AND ev.impl = 'linkpred'
LEFT JOIN bench.evaluations evp ON evp.dataset = 'gowalla' AND evp.graph = 'gowalla' AND evp.method = 'pa' AND evp.impl = 'linkpred';
\endif

-------------------------------------------------------------------------
-- LastFM
SELECT to_regclass('bench.lastfm_stats') IS NOT NULL
       AND EXISTS (SELECT 1 FROM bench.trainings WHERE dataset = 'lastfm') AS fm_run \gset
\if :fm_run
SELECT E'\n## LastFM (HetRec 2011 user–artist): AUC\n\n'
    || format(E'A random 80/10/10 split of the %s user–artist edges (%s train, %s validation, %s test; '
              'fixed seed), the default model trained on the 80%% (`linkpred_train(''lastfm'', ''lastfm_train'', '
              '''user_idx'', ''artist_idx'')`, no weight column), then `linkpred_evaluate(''lastfm'', test => '
              '''lastfm_test'', seed => 1)`: every test edge against one sampled non-edge of the same user '
              '(1:1). %s of the %s test edges have a node with no training edge (scored as a node with no history).' || E'\n\n',
              s.edges, s.train_edges, s.val_edges, s.test_edges, pg_temp.f(unk.value, 0), pg_temp.f(pr.value, 0))
    || E'| method | test AUC | hardware, time |\n|---|---:|---|\n'
    || format(E'| **linkpred (defaults; encoder `%s`, chosen on validation data), this run** | **%s** | %s; training job %s s (loop %s s), evaluation %s s |\n',
              coalesce(t.options->>'encoder', '?'), pg_temp.f(auc.value, 4), split_part(:'cpu', ',', 1), pg_temp.f(t.job_s, 1),
              pg_temp.f(t.train_s, 1), pg_temp.f(ev.seconds, 1))
    || coalesce(format(E'| **linkpred spectral + structural head (`{"encoder": "spectral", "features": "structural"}`), this run** | **%s** | training job %s s, peak RSS %s MB |\n',
                       pg_temp.f(sauc.value, 4), pg_temp.f(ts.job_s, 1), pg_temp.f(ts.peak_rss_mb, 0)), '')
    || coalesce((SELECT string_agg(format(E'| linkpred %s (`%s`), this run; NDCG@20 %s, Recall@20 %s (defaults: %s, %s) | %s | training job %s s, peak RSS %s MB |\n',
                                          p.label, p.opts, pg_temp.f(pn.value, 4), pg_temp.f(pr20.value, 4),
                                          pg_temp.f(mn.value, 4), pg_temp.f(mr.value, 4),
                                          pg_temp.f(pa.value, 4), pg_temp.f(tp.job_s, 1), pg_temp.f(tp.peak_rss_mb, 0)),
                                   '' ORDER BY p.ord)
                 FROM (VALUES (1, 'lastfm lightgcn', 'LightGCN', '{"encoder": "lightgcn"}'),
                              (2, 'lastfm sage', 'GraphSAGE', '{"encoder": "sage"}'),
                              (3, 'lastfm mlp', 'MLP decoder', '{"decoder": "mlp"}'),
                              (4, 'lastfm sage_auc', 'GraphSAGE + structural head',
                               '{"encoder": "sage", "loss": "bce", "reg": 0.01, "features": "structural"}'),
                              (5, 'lastfm mf_auc', 'MF + structural head, the LastFM preset without the friendships',
                               '{"encoder": "mf", "features": "structural", "dim": 128, "reg": 0.02, "sampler": "degree", "negatives": 8}'),
                              (6, 'lastfm mf_auc_friends', '**the LastFM preset: MF + structural head + the friendships (second relation)**',
                               '{"encoder": "mf", "features": "structural", "dim": 128, "reg": 0.02, "sampler": "degree", "negatives": 8, "user_edges": {...}}')) p(ord, graph, label, opts)
                 JOIN bench.trainings tp ON tp.dataset = 'lastfm' AND tp.graph = p.graph
                 LEFT JOIN m pa ON pa.dataset = 'lastfm' AND pa.graph = p.graph AND pa.method = 'model' AND pa.metric = 'auc'
                 LEFT JOIN m pn ON pn.dataset = 'lastfm' AND pn.graph = p.graph AND pn.method = 'model' AND pn.metric = 'ndcg' AND pn.k = 20
                 LEFT JOIN m pr20 ON pr20.dataset = 'lastfm' AND pr20.graph = p.graph AND pr20.method = 'model' AND pr20.metric = 'recall' AND pr20.k = 20),
                '')
    || E'| PyG GraphSAGE notebook (published) | 0.915 | 10 epochs, ~90 minutes |\n'
    || E'| MAGNN (published, with metapaths) | 0.989 | |\n'
    || format(E'\nValidation AUC of the same model: %s.', pg_temp.f(val.value, 4))
    || coalesce(format(' Over the test edges whose user and artist both have training edges, the AUC is %s '
                       '(SQL reference, its own negatives).', pg_temp.f(kn.value, 4)), '')
    || coalesce(E' Heuristics on the bipartite training graph (extras, same protocol): '
                || (SELECT string_agg(upper(method) || ' ' || pg_temp.f(value, 4), ', '
                                      ORDER BY array_position('{cn,jaccard,aa,ra,pa}', method))
                    FROM m WHERE dataset = 'lastfm' AND graph = 'lastfm' AND metric = 'auc' AND method <> 'model')
                || '.', '')
    || E'\n'
FROM bench.lastfm_stats s
LEFT JOIN bench.trainings t ON t.dataset = 'lastfm' AND t.graph = 'lastfm'
LEFT JOIN bench.trainings ts ON ts.dataset = 'lastfm' AND ts.graph = 'lastfm spectral'
LEFT JOIN m mn ON mn.dataset = 'lastfm' AND mn.graph = 'lastfm' AND mn.method = 'model' AND mn.metric = 'ndcg' AND mn.k = 20
LEFT JOIN m mr ON mr.dataset = 'lastfm' AND mr.graph = 'lastfm' AND mr.method = 'model' AND mr.metric = 'recall' AND mr.k = 20
LEFT JOIN m sauc ON sauc.dataset = 'lastfm' AND sauc.graph = 'lastfm spectral' AND sauc.method = 'model' AND sauc.metric = 'auc'
LEFT JOIN m auc ON auc.dataset = 'lastfm' AND auc.graph = 'lastfm' AND auc.method = 'model' AND auc.metric = 'auc'
LEFT JOIN m val ON val.dataset = 'lastfm' AND val.graph = 'lastfm val' AND val.method = 'model' AND val.metric = 'auc'
LEFT JOIN m unk ON unk.dataset = 'lastfm' AND unk.graph = 'lastfm' AND unk.method = 'model' AND unk.metric = 'unknown'
LEFT JOIN bench.metrics kn ON kn.dataset = 'lastfm' AND kn.graph = 'lastfm' AND kn.method = 'model'
                           AND kn.metric = 'auc_known' AND kn.impl = 'sql'
LEFT JOIN m pr ON pr.dataset = 'lastfm' AND pr.graph = 'lastfm' AND pr.method = 'model' AND pr.metric = 'pairs'
LEFT JOIN bench.evaluations ev ON ev.dataset = 'lastfm' AND ev.graph = 'lastfm' AND ev.method = 'model' AND ev.impl = 'linkpred';
\endif

-------------------------------------------------------------------------
-- Warm start: a nightly retrain on Gowalla (run.sh, warm_load.sql)
SELECT to_regclass('bench.warm_stats') IS NOT NULL
       AND EXISTS (SELECT 1 FROM bench.trainings WHERE dataset = 'warm') AS wm_run \gset
\if :wm_run
SELECT user_mod > 1 AS wm_subset, user_mod AS wm_mod FROM bench.gowalla_stats \gset
CREATE TEMP TABLE wm AS
SELECT t.graph, t.model, t.train_s, t.job_s, t.wall_s, t.n_users, t.n_items, t.seed,
       (t.metrics->>'epochs_run')::integer AS epochs,
       (t.metrics->>'warm_start_from')::integer AS warm_from,
       (t.metrics->>'warm_nodes')::bigint AS warm_nodes,
       r.recall, r.ndcg
FROM bench.trainings t
LEFT JOIN LATERAL (
    SELECT max(value) FILTER (WHERE metric = 'recall' AND k = 20) AS recall,
           max(value) FILTER (WHERE metric = 'ndcg' AND k = 20) AS ndcg
    FROM m WHERE m.dataset = 'warm' AND m.graph = t.graph) r ON true
WHERE t.dataset = 'warm';

SELECT E'\n## Warm start (Gowalla): a nightly retrain\n\n'
    || CASE WHEN :'wm_subset'::boolean
            THEN format(E'**Quick mode: only users with user_id %% %s = 0. Not comparable with a full run.**\n\n', :wm_mod)
            ELSE '' END
    || format(E'Yesterday''s model `gw_warm` was trained with the defaults on `g95`, a fixed random 95%% of '
              'the Gowalla training pairs (%s pairs, %s users, %s items; `setseed(0.95)`). Today''s data is all '
              '%s training pairs (%s users, %s items). Today the same model is retrained warm, '
              '`linkpred_train(''gw_warm'', ''gowalla_train'', ''user_id'', ''item_id'', options => '
              '''{"warm_start": true}'')` (`warm_epochs`, 10 by default), and a separate model `gw_cold` from '
              'scratch with the defaults (40 epochs). Each is evaluated like the Gowalla section, '
              '`linkpred_evaluate(model, test => ''gowalla_test'', k => ''{20}'')`. One job at a time, '
              '1 training thread.' || E'\n\n',
              s.yesterday_pairs, s.yesterday_users, s.yesterday_items,
              s.today_pairs, s.today_users, s.today_items)
    || E'| model | trained on | options | epochs run | training loop (`train_seconds`) | job elapsed | client wall | Recall@20 | NDCG@20 |\n'
    || E'|---|---|---|---:|---:|---:|---:|---:|---:|\n'
    || coalesce(format(E'| yesterday (`gw_warm`) | 95%% | defaults | %s | %s s | %s s | %s s | %s | %s |\n',
                       y.epochs, pg_temp.f(y.train_s, 1), pg_temp.f(y.job_s, 1), pg_temp.f(y.wall_s, 1),
                       pg_temp.f(y.recall, 4), pg_temp.f(y.ndcg, 4)), '')
    || coalesce(format(E'| **today, warm** (`gw_warm`) | 100%% | `{"warm_start": true}` | %s | **%s s** | %s s | %s s | **%s** | **%s** |\n',
                       w.epochs, pg_temp.f(w.train_s, 1), pg_temp.f(w.job_s, 1), pg_temp.f(w.wall_s, 1),
                       pg_temp.f(w.recall, 4), pg_temp.f(w.ndcg, 4)), '')
    || coalesce(format(E'| **today, cold** (`gw_cold`) | 100%% | defaults | %s | **%s s** | %s s | %s s | **%s** | **%s** |\n',
                       c.epochs, pg_temp.f(c.train_s, 1), pg_temp.f(c.job_s, 1), pg_temp.f(c.wall_s, 1),
                       pg_temp.f(c.recall, 4), pg_temp.f(c.ndcg, 4)), '')
    || coalesce(format(E'| warm / cold | | | %s | **%s** | %s | %s | %s | %s |\n',
                       pg_temp.f(w.epochs::float8 / c.epochs, 2), pg_temp.f(w.train_s / c.train_s, 2),
                       pg_temp.f(w.job_s / c.job_s, 2), pg_temp.f(w.wall_s / c.wall_s, 2),
                       pg_temp.f(w.recall / c.recall, 3), pg_temp.f(w.ndcg / c.ndcg, 3)), '')
    || CASE WHEN w.warm_nodes > 0
            THEN format(E'\nThe warm retrain started from version %s of `gw_warm`: %s of its %s nodes kept their '
                        'embedding; the %s new since yesterday started random.',
                        w.warm_from, w.warm_nodes, w.n_users + w.n_items, w.n_users + w.n_items - w.warm_nodes)
            ELSE E'\n**The warm retrain did not warm-start (no compatible active version, `warm_nodes` 0): it ran cold.**'
       END
    || E' A development measurement (README, Scheduling with pg_cron) gave warm 10.6 s, Recall@20 0.1443; '
    || E'cold 38.2 s, Recall@20 0.1458.\n'
FROM bench.warm_stats s
LEFT JOIN wm y ON y.graph = 'yesterday'
LEFT JOIN wm w ON w.graph = 'warm'
LEFT JOIN wm c ON c.graph = 'cold';
\endif

-------------------------------------------------------------------------
-- Serving: the default Gowalla model (serving.sql, and pgbench in run.sh)
SELECT EXISTS (SELECT 1 FROM bench.serving) AS sv_run \gset
\if :sv_run
SELECT coalesce((SELECT user_mod > 1 FROM bench.gowalla_stats), false) AS sv_subset \gset
CREATE FUNCTION pg_temp.sv(x text) RETURNS double precision
LANGUAGE sql STABLE AS $$ SELECT value FROM bench.serving WHERE measure = x $$;
CREATE FUNCTION pg_temp.svd(x text) RETURNS text
LANGUAGE sql STABLE AS $$ SELECT detail FROM bench.serving WHERE measure = x $$;
CREATE TEMP TABLE lat AS
SELECT test, count(*) AS n,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS p50,
       percentile_cont(0.95) WITHIN GROUP (ORDER BY ms) AS p95,
       percentile_cont(0.99) WITHIN GROUP (ORDER BY ms) AS p99,
       avg(ms) AS mean, max(ms) AS max,
       min(n_rows) AS min_rows, max(n_rows) AS max_rows
FROM bench.latencies GROUP BY test;
-- thousands separators
CREATE FUNCTION pg_temp.n(x double precision) RETURNS text
LANGUAGE sql IMMUTABLE AS $$ SELECT coalesce(trim(to_char(round(x), 'FM999,999,999,999')), '–') $$;
-- yes / **no** against a target; quick mode's subset is not comparable
CREATE TEMP TABLE sv_mode AS SELECT :'sv_subset'::boolean AS subset;
CREATE FUNCTION pg_temp.met(ok boolean) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN ok IS NULL THEN '–'
                WHEN (SELECT subset FROM sv_mode) THEN CASE WHEN ok THEN 'yes' ELSE 'no' END || ' (subset: not comparable)'
                WHEN ok THEN 'yes' ELSE '**no**' END
$$;
CREATE TEMP TABLE sv_targets AS
SELECT 'single-user top-10 median <= 1 ms' AS target, (SELECT p50 <= 1 FROM lat WHERE test = 'topk') AS ok
UNION ALL
SELECT 'all users top-20 <= 30 s', pg_temp.sv('materialize_s') <= 30
UNION ALL
SELECT 'score >= 1,000,000 pairs/s', pg_temp.sv('score_pairs') / pg_temp.sv('score_s') >= 1e6;

SELECT format(E'\n## Serving (Gowalla model, %s items, %s dimensions)\n\n', pg_temp.n(mo.n_items), mo.options->>'dim')
    || CASE WHEN :'sv_subset'::boolean
            THEN format(E'**Quick mode: the model of the users with user_id %% %s = 0, fewer calls. Not comparable with the targets.**\n\n',
                        (SELECT user_mod FROM bench.gowalla_stats))
            ELSE '' END
    || format(E'The default model `gowalla` (%s users, %s items, encoder `%s` as chosen on validation data, dim %s; %s), on this machine (%s), extension '
              'defaults, nothing tuned. Unless said otherwise, figures come from one backend that had already '
              'loaded the model, timed inside the server with `clock_timestamp()` around each statement (no '
              'client round trip). Random users are test users drawn with a fixed seed.' || E'\n\n',
              pg_temp.n(mo.n_users), pg_temp.n(mo.n_items), mo.options->>'encoder', mo.options->>'dim',
              CASE WHEN EXISTS (SELECT 1 FROM bench.trainings WHERE dataset = 'serving')
                   THEN 'trained by this section' ELSE 'trained by the Gowalla section above' END,
              :'cpu')
    || E'| measure | this run | target (issue) | met |\n|---|---:|---:|---|\n'
    || coalesce(format(E'| single-user `linkpred_topk(u, 10)`, median of %s calls, one at a time | **%s ms** | ≤ 1 ms | %s |\n',
                       pg_temp.n(t.n), pg_temp.f(t.p50, 3), pg_temp.met(t.p50 <= 1)), '')
    || coalesce(format(E'| the same: p95 / p99 / mean / max | %s / %s / %s / %s ms | | |\n',
                       pg_temp.f(t.p95, 3), pg_temp.f(t.p99, 3), pg_temp.f(t.mean, 3), pg_temp.f(t.max, 3)), '')
    || format(E'| first call in a new backend (loads the model into it) | %s ms | | |\n',
              pg_temp.f(1000 * pg_temp.sv('first_call_s'), 1))
    || coalesce(format(E'| pgbench, %s clients, %s s, `SELECT * FROM linkpred_topk(:u, 10)` (random users, simple protocol): throughput | **%s TPS** | | |\n',
                       pg_temp.sv('pgbench_clients'), pg_temp.sv('pgbench_seconds'), pg_temp.f(pg_temp.sv('pgbench_tps'), 0)), '')
    || coalesce(format(E'| the same: average latency (pgbench) | %s ms | | |\n', pg_temp.f(pg_temp.sv('pgbench_latency_ms'), 3)), '')
    || coalesce(format(E'| the same: median / p95 latency (pgbench''s per-transaction log, %s transactions, %s) | %s / %s ms | | |\n',
                       pg_temp.n(pg_temp.sv('pgbench_transactions')), pg_temp.svd('pgbench_transactions'),
                       pg_temp.f(pb.p50, 3), pg_temp.f(pb.p95, 3)), '')
    || format(E'| top-20 for all %s users into a table, `linkpred_materialize(''gowalla'', t, 20)` | **%s s** | ≤ 30 s | %s |\n',
              pg_temp.n(mo.n_users), pg_temp.f(pg_temp.sv('materialize_s'), 1), pg_temp.met(pg_temp.sv('materialize_s') <= 30))
    || format(E'| the same: rows written | %s (%s) | | |\n',
              pg_temp.n(pg_temp.sv('materialize_rows')), pg_temp.svd('materialize_rows'))
    || format(E'| the same ranking without the table, `count(*) FROM linkpred_topk_many(NULL::integer[], 20)` | %s s | | |\n',
              pg_temp.f(pg_temp.sv('topk_many_s'), 1))
    || format(E'| `SELECT sum(linkpred_score(user_id, item_id, ''gowalla'')) FROM pairs`, %s random pairs | %s s = **%s pairs/s** | ≥ 1,000,000 pairs/s | %s |\n',
              pg_temp.n(pg_temp.sv('score_pairs')), pg_temp.f(pg_temp.sv('score_s'), 2),
              pg_temp.n(pg_temp.sv('score_pairs') / pg_temp.sv('score_s')),
              pg_temp.met(pg_temp.sv('score_pairs') / pg_temp.sv('score_s') >= 1e6))
    || format(E'| the same table scanned alone, `sum(user_id + item_id)` | %s s | | |\n',
              pg_temp.f(pg_temp.sv('scan_s'), 2))
    || coalesce(format(E'| `linkpred_topk(u, 10, fresh => true)`, index on `gowalla_train (user_id)`: median of %s calls | **%s ms** | (README: about 1 ms) | |\n',
                       pg_temp.n(fr.n), pg_temp.f(fr.p50, 3)), '')
    || coalesce(format(E'| the same: p95 / mean / max | %s / %s / %s ms | | |\n',
                       pg_temp.f(fr.p95, 3), pg_temp.f(fr.mean, 3), pg_temp.f(fr.max, 3)), '')
    || E'\n'
    || format(E'Targets met: %s of %s%s.%s\n',
              (SELECT count(*) FILTER (WHERE ok) FROM sv_targets), (SELECT count(*) FROM sv_targets),
              coalesce(' (' || (SELECT string_agg(target, '; ') FROM sv_targets WHERE ok) || ')', ''),
              coalesce(' **Not met: ' || (SELECT string_agg(target, '; ') FROM sv_targets WHERE NOT ok OR ok IS NULL) || '.**', ''))
    || CASE WHEN :'sv_subset'::boolean THEN E'(Quick mode: on a subset, so this says nothing about the targets.)\n' ELSE '' END
    || E'\npgbench clients each run in their own backend, which loads the model on its first call inside the '
    || E'timed run; 8 clients share the machine''s cores, so their latency includes waiting for a core.'
    || coalesce(format(' Every timed top-k call returned %s rows.', t.min_rows), '')
    || CASE WHEN t.min_rows IS DISTINCT FROM t.max_rows OR fr.min_rows IS DISTINCT FROM fr.max_rows
            THEN E' **Some top-k calls returned fewer rows than others.**' ELSE '' END
    || coalesce(format(' The scores summed to %s.', pg_temp.svd('score_s')), ' **The score sum is NULL: no pair was scored.**')
    || E'\n'
FROM linkpred.models mo
LEFT JOIN lat t ON t.test = 'topk'
LEFT JOIN lat pb ON pb.test = 'pgbench'
LEFT JOIN lat fr ON fr.test = 'fresh'
WHERE mo.name = 'gowalla';
\endif

-------------------------------------------------------------------------
-- Cross-check: linkpred_evaluate against the plain-SQL reference, metric
-- by metric on the same inputs.  Counts must agree exactly; labelled AUC
-- within 1e-4 (a sum such as RA taken in another order can split a tie by
-- one ulp, which moves the AUC by 0.5 / (n1 n0), about 1e-5 here);
-- sampled AUC (own negatives) within 0.01; top-k metrics within 0.001
-- (ties may break differently).
CREATE TEMP TABLE xc AS
SELECT e.dataset, e.graph, e.method, e.metric, e.k,
       count(*) AS runs,
       avg(e.value) AS ext, avg(s.value) AS ref,
       max(abs(e.value - s.value)) AS maxdiff,
       CASE WHEN e.dataset <> 'seal' AND e.metric IN ('auc', 'auc_known') THEN 0.01
            WHEN e.metric IN ('recall', 'ndcg', 'hits') THEN 0.001
            WHEN e.metric IN ('auc', 'auc_known') THEN 1e-4
            ELSE 1e-9 END AS tol
FROM bench.metrics e
JOIN bench.metrics s ON s.dataset = e.dataset AND s.graph = e.graph
                    AND s.split IS NOT DISTINCT FROM e.split AND s.method = e.method
                    AND s.metric = e.metric AND s.k IS NOT DISTINCT FROM e.k
                    AND s.impl = 'sql'
WHERE e.impl = 'linkpred'
GROUP BY e.dataset, e.graph, e.method, e.metric, e.k;

SELECT E'\n## Cross-check: `linkpred_evaluate` against a plain-SQL reference\n\n'
    || E'bench/reference.sql recomputes each metric from `linkpred_score`, `linkpred_topk` and the training '
    || E'edges, on the same test pairs (SEAL: every split run; Gowalla: every 20th test user; LastFM: '
    || E'its own sampled negatives, so only close). Tolerances: counts exact, labelled AUC 1e-4, '
    || E'sampled AUC 0.01, top-k metrics 0.001. '
    || format(E'%s of %s comparisons agree%s.\n\n',
              count(*) FILTER (WHERE maxdiff <= tol), count(*),
              coalesce('; the largest difference on a labelled AUC is '
                       || trim(to_char(max(maxdiff) FILTER (WHERE dataset = 'seal' AND metric = 'auc'), '9.9EEEE')), ''))
    || coalesce(E'Disagreements:\n\n| dataset | graph | method | metric | linkpred_evaluate | SQL reference | largest difference |\n|---|---|---|---|---:|---:|---:|\n'
                || string_agg(format('| %s | %s | %s | %s | %s | %s | %s |', dataset, graph, method,
                                     metric || coalesce('@' || k, ''), pg_temp.f(ext, 6), pg_temp.f(ref, 6),
                                     pg_temp.f(maxdiff, 6)),
                              E'\n' ORDER BY dataset, graph, method, metric, k) FILTER (WHERE NOT maxdiff <= tol OR maxdiff IS NULL)
                || E'\n', 'No disagreements.' || E'\n')
FROM xc
HAVING count(*) > 0;

-- metrics one side returns and the other does not (same inputs); by
-- design the reference has no MRR nor heuristic rankings, and adds
-- auc_known
SELECT E'\nMetrics only one side returned (besides MRR, auc_known and heuristics'' ranking metrics): '
    || string_agg(DISTINCT format('%s %s (%s)', metric || coalesce('@' || k, ''), impl,
                                  dataset), '; ') || E'.\n'
FROM (SELECT dataset, graph, split, method, metric, k, min(impl) AS impl, count(DISTINCT impl) AS n
      FROM bench.metrics
      WHERE (dataset, graph, coalesce(split, 0), method) IN
            (SELECT dataset, graph, coalesce(split, 0), method FROM bench.metrics WHERE impl = 'sql')
      GROUP BY dataset, graph, split, method, metric, k) x
WHERE n = 1 AND metric NOT IN ('mrr', 'auc_known')
  AND NOT (method <> 'model' AND metric IN ('hits', 'recall', 'ndcg'))
HAVING count(*) > 0;

-------------------------------------------------------------------------
SELECT E'\n## Optional evaluations that failed\n\n'
    || string_agg(format('- %s %s `%s`: %s', dataset, graph, method, error), E'\n') || E'\n'
FROM bench.errors
HAVING count(*) > 0;

-------------------------------------------------------------------------
-- SEAL per split
SELECT E'\n## SEAL per split\n\n<details><summary>AUC of every split, with the seed the job used and its timings</summary>\n\n'
    || E'| graph | split | seed | training job | loop | linkpred | CN | Jaccard | AA | RA | PA |\n'
    || E'|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n'
    || string_agg(format('| %s | %s | %s | %s s | %s s | %s | %s | %s | %s | %s | %s |',
                         t.graph, t.split, t.seed, pg_temp.f(t.job_s, 2), pg_temp.f(t.train_s, 2),
                         pg_temp.f(a.model), pg_temp.f(a.cn), pg_temp.f(a.jaccard), pg_temp.f(a.aa),
                         pg_temp.f(a.ra), pg_temp.f(a.pa)),
                  E'\n' ORDER BY so.o, t.split)
    || E'\n\n</details>\n'
FROM bench.trainings t
JOIN seal_order so ON so.g = t.graph
LEFT JOIN LATERAL (
    SELECT max(value) FILTER (WHERE method = 'model') AS model,
           max(value) FILTER (WHERE method = 'cn') AS cn,
           max(value) FILTER (WHERE method = 'jaccard') AS jaccard,
           max(value) FILTER (WHERE method = 'aa') AS aa,
           max(value) FILTER (WHERE method = 'ra') AS ra,
           max(value) FILTER (WHERE method = 'pa') AS pa
    FROM m WHERE m.dataset = 'seal' AND m.graph = t.graph AND m.split = t.split AND m.metric = 'auc') a ON true
WHERE t.dataset = 'seal'
HAVING count(*) > 0;

SELECT E'\n## How to read this\n\n'
    || E'- linkpred (defaults) is the extension''s default model, nothing passed but the seed where a table says so. '
    || E'On a bipartite graph of 20,000 edges or more (Gowalla, LastFM) the job chooses its encoder on a validation '
    || E'part of the training edges: the matrix factorisation below, or the spectral encoder (dim 512, lowrank_weight '
    || E'0.1, item_norm 0.4) if it ranks better by more than one standard error; the row says which won. The matrix '
    || E'factorisation: dim 64, 40 epochs, uniform negatives, '
    || E'a fresh random seed per job; on the homogeneous SEAL graphs the BPR loss with lr 0.05 and 4 negatives per '
    || E'edge, and the default '
    || E'`features: auto` adds the structural head (embedding score, degrees, unseen nodes, CN, RA, AA, paths of '
    || E'length 3, fitted on a held-out tenth of the edges); on bipartite Gowalla and LastFM it is off, and the loss is the logistic one with lr 0.1 and 16 negatives per edge. '
    || E'Nothing is tuned per dataset by hand.\n'
    || E'- AUC counts ties as one half. A node with no training edge is scored as a node with no history: '
    || E'heuristics 0, the model a zero vector and zero bias; a test user the model does not know counts '
    || E'with zero ranking metrics.\n'
    || E'- Published figures are copied from ../shared/data/README.md. The SEAL heuristic figures there were '
    || E'measured on the same splits; the others come from their papers or notebooks, on other hardware.\n'
    || E'- Regenerate with `make bench` (full: about 5 minutes on 2 cores after the build) or `bash bench/run.sh --quick`.\n';
