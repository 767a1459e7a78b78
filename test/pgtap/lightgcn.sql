-- The LightGCN encoder ("encoder": "lightgcn"): base vectors trained
-- through K layers of normalised propagation, the layer mean stored.
-- HetRec LastFM user-artist edges, the fixed 90/10 hash split of
-- spectral.sql.  Measured with seed 3: NDCG@20 0.236, Recall@20 0.289
-- (MF with the same loss, bpr: 0.201, 0.260; the default MF model, bce
-- with lr 0.1 and 8 negatives: 0.227).  USAir split 1 with the
-- structural head: AUC 0.972 (splits 1-3, seed 7).  The floors sit under
-- those.  Also: the encoder's defaults as stored, the top-k index it keeps
-- (its decoder is a dot product), directed graphs, warm_start ignored,
-- and the "layers" option's errors.
\set ON_ERROR_STOP 1
SELECT plan(11);

CREATE TABLE ua (user_idx int, artist_idx int, weight int);
\copy ua FROM '../shared/data/lastfm/user_artist_idx.csv' WITH (FORMAT csv, HEADER)
CREATE TABLE ua_train AS SELECT user_idx, artist_idx FROM ua WHERE hashint4(user_idx * 20000 + artist_idx) % 10 <> 0;
CREATE TABLE ua_test AS SELECT user_idx, artist_idx FROM ua WHERE hashint4(user_idx * 20000 + artist_idx) % 10 = 0;

SET linkpred.ann_min_items = 10;	-- small enough for LastFM's 17,632 artists
SELECT is((SELECT count(linkpred_train(name, 'ua_train', 'user_idx', 'artist_idx', options => o))::int
           FROM (VALUES ('fm_gcn', '{"encoder": "lightgcn", "seed": 3}'::jsonb),
                        ('fm_mf', '{"seed": 3, "loss": "bpr"}')) AS m(name, o)),
          2, 'LightGCN and MF with the same loss (bpr) trained on LastFM');

CREATE FUNCTION metric(model text, name text) RETURNS float8 LANGUAGE sql AS $$
    SELECT value FROM linkpred_evaluate(model, test => 'ua_test', k => '{20}', seed => 1)
    WHERE metric = name
$$;
SELECT cmp_ok(metric('fm_gcn', 'ndcg'), '>=', 0.22::float8, 'LightGCN: NDCG@20 at least 0.22');
SELECT cmp_ok(metric('fm_gcn', 'ndcg') - metric('fm_mf', 'ndcg'), '>=', 0.015::float8,
              'LightGCN: NDCG@20 at least 0.015 above MF''s with the same loss');

SELECT is((SELECT (options->>'encoder', options->>'layers', options->>'reg', options->>'lr', ann IS NOT NULL)::text
           FROM linkpred.version_catalog WHERE model = 'fm_gcn'),
          '(lightgcn,3,0.001,0.05,t)',
          'stored options: 3 layers, its own reg default (0.001); a top-k index was built');
SET linkpred.ann_min_items = 0;	-- serving: exact top-k, whatever was built
SELECT is((SELECT array_agg(item ORDER BY score DESC, item)
           FROM linkpred_topk(7, 10, model => 'fm_gcn')),
          (SELECT array_agg(artist_idx ORDER BY s DESC, artist_idx) FROM (
               SELECT a.artist_idx, linkpred_score(7, a.artist_idx, model => 'fm_gcn') AS s
               FROM (SELECT DISTINCT artist_idx FROM ua_train) a
               WHERE NOT EXISTS (SELECT 1 FROM ua_train t WHERE t.user_idx = 7 AND t.artist_idx = a.artist_idx)
               ORDER BY s DESC, a.artist_idx LIMIT 10) x),
          'exact top-k = the ten best new artists by linkpred_score');

-- USAir, undirected with the head (auto), and directed
CREATE TABLE split (split int, part text, src int, dst int, label int);
\copy split FROM '../shared/data/seal/splits/usair_train90_splits.csv' WITH (FORMAT csv, HEADER)
CREATE TABLE usair_train AS SELECT src, dst FROM split WHERE split = 1 AND part = 'train' AND label = 1;
CREATE TABLE usair_test AS SELECT src, dst, label FROM split WHERE split = 1 AND part = 'test';
SELECT linkpred_train('usair_gcn', 'usair_train', 'src', 'dst',
                      options => '{"bipartite": false, "encoder": "lightgcn", "seed": 7}') \gset
SELECT cmp_ok((SELECT value FROM linkpred_evaluate('usair_gcn', test => 'usair_test', label => 'label')
               WHERE metric = 'auc'), '>=', 0.95::float8,
              'USAir split 1, LightGCN with the structural head: AUC at least 0.95');
SELECT linkpred_train('usair_gcn_dir', 'usair_train', 'src', 'dst',
                      options => '{"bipartite": false, "directed": true, "encoder": "lightgcn", "features": "none", "seed": 7}') \gset
SELECT cmp_ok((SELECT value FROM linkpred_evaluate('usair_gcn_dir', test => 'usair_test', label => 'label')
               WHERE metric = 'auc'), '>=', 0.85::float8,
              'USAir as a directed graph (a vector per role), LightGCN alone: AUC at least 0.85');

-- warm_start asks for what LightGCN cannot use (it stores propagated
-- vectors, not its base vectors): the retraining starts cold
SELECT linkpred_train('usair_gcn', 'usair_train', 'src', 'dst',
                      options => '{"bipartite": false, "encoder": "lightgcn", "seed": 7, "warm_start": true}') \gset
SELECT is((SELECT metrics->>'warm_start_from' FROM linkpred.version_catalog
           WHERE model = 'usair_gcn' ORDER BY version DESC LIMIT 1), '0',
          'warm_start with LightGCN: the version records no warm start');

SELECT throws_ok($$SELECT linkpred_train('bad', 'usair_train', 'src', 'dst',
                     options => '{"bipartite": false, "encoder": "lightgcn", "layers": 0}')$$,
                 '22023', 'option "layers" is out of range: 0',
                 '"layers": 0 is refused');
SELECT throws_ok($$SELECT linkpred_train('bad', 'usair_train', 'src', 'dst',
                     options => '{"bipartite": false, "encoder": "lightgcn", "layers": 9}')$$,
                 '22023', 'option "layers" is out of range: 9',
                 '"layers": 9 is refused');
SELECT throws_ok($$SELECT linkpred_train('bad', 'usair_train', 'src', 'dst',
                     options => '{"encoder": "gcn"}')$$,
                 '22023', 'invalid value for option "encoder": "gcn"',
                 'an unknown encoder is refused');

SELECT * FROM finish();
