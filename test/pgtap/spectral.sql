-- The spectral encoder ("encoder": "spectral") on a real bipartite graph:
-- HetRec LastFM user-artist edges, a fixed 90/10 split by hash.  Measured
-- with seed 3: NDCG@20 0.2035 and Recall@20 0.2466 (the default SGD model:
-- 0.1987, 0.2532), AUC 0.883 alone and
-- 0.963 with the structural head over it.  The floors sit under those.
-- Every serving path must agree with the pair score: top-k, batch top-k,
-- fresh => true (closed-form fold-in).  Also its options, errors and
-- stored metadata.
\set ON_ERROR_STOP 1
SELECT plan(16);

CREATE TABLE ua (user_idx int, artist_idx int, weight int);
\copy ua FROM '../shared/data/lastfm/user_artist_idx.csv' WITH (FORMAT csv, HEADER)
CREATE TABLE ua_train AS SELECT user_idx, artist_idx FROM ua WHERE hashint4(user_idx * 20000 + artist_idx) % 10 <> 0;
CREATE TABLE ua_test AS SELECT user_idx, artist_idx FROM ua WHERE hashint4(user_idx * 20000 + artist_idx) % 10 = 0;
CREATE INDEX ON ua_train (user_idx);

SET linkpred.ann_min_items = 10;	-- an MF model this size would get an index
SELECT is((SELECT count(linkpred_train(name, 'ua_train', 'user_idx', 'artist_idx', options => o))::int
           FROM (VALUES ('fm_spectral', '{"encoder": "spectral", "seed": 3}'::jsonb),
                        ('fm_spectral_head', '{"encoder": "spectral", "features": "structural", "seed": 3}'),
                        ('fm_mf', '{"seed": 3}')) AS m(name, o)),
          3, 'spectral, spectral with the structural head, and the default model trained');

CREATE FUNCTION metric(model text, name text, method text DEFAULT 'model') RETURNS float8 LANGUAGE sql AS $$
    SELECT value FROM linkpred_evaluate(model, test => 'ua_test', method => method, k => '{20}', seed => 1)
    WHERE metric = name
$$;
SELECT cmp_ok(metric('fm_spectral', 'ndcg'), '>=', 0.19::float8,
              'spectral: NDCG@20 at least 0.19');
SELECT cmp_ok(metric('fm_spectral', 'recall') - metric('fm_spectral', 'recall', 'pa'), '>=', 0.10::float8,
              'spectral: Recall@20 at least 0.10 above popularity');
SELECT cmp_ok(metric('fm_spectral_head', 'auc'), '>=', 0.94::float8,
              'spectral with the structural head: AUC at least 0.94');
SELECT cmp_ok(metric('fm_spectral_head', 'auc') - metric('fm_spectral', 'auc'), '>=', 0.05::float8,
              'the head over the spectral score adds at least 0.05 AUC');

SELECT is((SELECT (dim, options->>'encoder', metrics->'loss', metrics->>'epochs_run', ann IS NULL)::text
           FROM linkpred.version_catalog WHERE model = 'fm_spectral'),
          '(512,spectral,null,6,t)',
          'stored: dim 512 by default on a bipartite graph, no loss, six steps, no approximate index');

-- every candidate at once = each pair
CREATE TABLE some_users AS SELECT DISTINCT user_idx AS u FROM ua_train ORDER BY 1 LIMIT 20;
CREATE TABLE artists AS SELECT DISTINCT artist_idx AS a FROM ua_train;
SELECT set_eq(
    $$SELECT s.u, t.item FROM some_users s, linkpred_topk(s.u, 5, 'fm_spectral') t$$,
    $$SELECT u, a FROM (SELECT s.u, c.a, row_number() OVER (PARTITION BY s.u
                          ORDER BY linkpred_score(s.u, c.a, 'fm_spectral') DESC, c.a) AS r
                        FROM some_users s, artists c
                        WHERE NOT EXISTS (SELECT FROM ua_train e WHERE e.user_idx = s.u
                                          AND e.artist_idx = c.a)) x WHERE r <= 5$$,
    'top-5 are the 5 best linkpred_score candidates');
SELECT is((SELECT round(t.score::numeric, 5) FROM linkpred_topk(7, 1, 'fm_spectral') t),
          (SELECT round(linkpred_score(7, t.item, 'fm_spectral')::numeric, 5)
           FROM linkpred_topk(7, 1, 'fm_spectral') t),
          'top-k scores are the pair scores');
SELECT is((SELECT count(*)::int FROM linkpred_topk_many(ARRAY(SELECT u FROM some_users), 5, 'fm_spectral') m
           JOIN LATERAL linkpred_topk(m.user_id, 5, 'fm_spectral') t ON t.item = m.item),
          100, 'batch top-k returns what top-k does');

-- fresh => true: the closed-form fold-in of an unchanged user is its
-- trained vector, so results match; a new row changes them
SELECT results_eq(
    $$SELECT item, round(score::numeric, 4) FROM linkpred_topk(7, 10, 'fm_spectral', fresh => true)$$,
    $$SELECT item, round(score::numeric, 4) FROM linkpred_topk(7, 10, 'fm_spectral')$$,
    'fresh => true on an unchanged user gives the trained top-k');
SELECT is(round(linkpred_score(7, 100, 'fm_spectral', fresh => true)::numeric, 4),
          round(linkpred_score(7, 100, 'fm_spectral')::numeric, 4),
          'fresh => true pair score of an unchanged user');
INSERT INTO ua_train
SELECT 7, t.item FROM linkpred_topk(7, 1, 'fm_spectral') t;
SELECT ok((SELECT item FROM linkpred_topk(7, 1, 'fm_spectral', fresh => true))
          <> (SELECT item FROM linkpred_topk(7, 1, 'fm_spectral')),
          'fresh => true sees the new row: that item is no longer recommended');

-- options and errors
SELECT throws_ok($$SELECT linkpred_train('bad', 'ua_train', 'user_idx', 'artist_idx',
                                         options => '{"encoder": "spectral", "bipartite": false,
                                                      "directed": true}')$$,
                 '0A000', 'encoder "spectral" does not apply to directed graphs',
                 'spectral on a directed graph is refused');
CREATE TABLE tiny AS SELECT * FROM ua_train WHERE user_idx < 3;
-- without "dim", a graph smaller than the default gets all of it
SELECT linkpred_train('tiny_spectral', 'tiny', 'user_idx', 'artist_idx',
                      options => '{"encoder": "spectral", "features": "none"}');
SELECT is((SELECT (options->>'dim')::int FROM linkpred.versions WHERE model = 'tiny_spectral'),
          3, 'the default dim is capped at the smaller side (3 users) and stored so');
SELECT throws_like($$SELECT linkpred_train('bad', 'tiny', 'user_idx', 'artist_idx',
                                           options => '{"encoder": "spectral", "dim": 8}')$$,
                   '%"dim" 8 is larger than the graph allows%',
                   'a dim beyond the smaller side is refused with the sizes');
SELECT throws_ok($$SELECT linkpred_train('bad', 'ua_train', 'user_idx', 'artist_idx',
                                         options => '{"encoder": "gcn"}')$$,
                 '22023', 'invalid value for option "encoder": "gcn"',
                 'an unknown encoder is refused');

SELECT * FROM finish();
