-- The GraphSAGE encoder ("encoder": "sage"): learnt weights over mean
-- aggregation of sampled neighbourhoods, the last layer over full
-- neighbourhoods stored.  HetRec LastFM user-artist edges, the fixed 90/10
-- hash split of spectral.sql, and USAir split 1.  Measured with these
-- seeds: LastFM AUC 0.937, Recall@20 0.266,
-- NDCG@20 0.210 (the default model: 0.919, 0.253, 0.199), training 30 s;
-- USAir AUC 0.971 with the head, 0.963 without, 0.849 directed; the
-- GraphSAGE + head below 0.970.  The floors sit under those.  Also: the encoder's
-- defaults as stored, the top-k index it keeps (its decoder is a dot
-- product), directed graphs, warm_start ignored, the options' errors.
\set ON_ERROR_STOP 1
SELECT plan(10);

CREATE TABLE ua (user_idx int, artist_idx int, weight int);
\copy ua FROM '../shared/data/lastfm/user_artist_idx.csv' WITH (FORMAT csv, HEADER)
CREATE TABLE ua_train AS SELECT user_idx, artist_idx FROM ua WHERE hashint4(user_idx * 20000 + artist_idx) % 10 <> 0;
CREATE TABLE ua_test AS SELECT user_idx, artist_idx FROM ua WHERE hashint4(user_idx * 20000 + artist_idx) % 10 = 0;

SET linkpred.ann_min_items = 10;	-- small enough for LastFM's 17,632 artists
SELECT linkpred_train('fm_sage', 'ua_train', 'user_idx', 'artist_idx',
                      options => '{"encoder": "sage", "seed": 3}') \gset
CREATE FUNCTION metric(model text, name text) RETURNS float8 LANGUAGE sql AS $$
    SELECT value FROM linkpred_evaluate(model, test => 'ua_test', k => '{20}', seed => 1)
    WHERE metric = name
$$;
SELECT cmp_ok(metric('fm_sage', 'auc'), '>=', 0.92::float8, 'GraphSAGE on LastFM: AUC at least 0.92');
SELECT cmp_ok(metric('fm_sage', 'recall'), '>=', 0.25::float8, 'GraphSAGE on LastFM: Recall@20 at least 0.25');

-- GraphSAGE + head (docs/training.md's LastFM comparison): logistic loss, the
-- structural head over it (measured: AUC 0.970, training 53 s)
SELECT linkpred_train('fm_sage_auc', 'ua_train', 'user_idx', 'artist_idx',
                      options => '{"encoder": "sage", "loss": "bce", "reg": 0.01, "features": "structural", "seed": 3}') \gset
SELECT cmp_ok(metric('fm_sage_auc', 'auc'), '>=', 0.96::float8,
              'GraphSAGE + head (bce, reg 0.01, structural head) on LastFM: AUC at least 0.96');

SELECT is((SELECT (options->>'encoder', options->>'layers', options->>'fanout', options->>'lr',
                   options->>'reg', ann IS NOT NULL)::text
           FROM linkpred.version_catalog WHERE model = 'fm_sage'),
          '(sage,2,10,0.01,0.001,t)',
          'stored options: 2 layers, fan-out 10, its own lr and reg defaults; a top-k index was built');
SET linkpred.ann_min_items = 0;	-- serving: exact top-k, whatever was built
SELECT is((SELECT array_agg(item ORDER BY score DESC, item)
           FROM linkpred_topk(7, 10, model => 'fm_sage')),
          (SELECT array_agg(artist_idx ORDER BY s DESC, artist_idx) FROM (
               SELECT a.artist_idx, linkpred_score(7, a.artist_idx, model => 'fm_sage') AS s
               FROM (SELECT DISTINCT artist_idx FROM ua_train) a
               WHERE NOT EXISTS (SELECT 1 FROM ua_train t WHERE t.user_idx = 7 AND t.artist_idx = a.artist_idx)
               ORDER BY s DESC, a.artist_idx LIMIT 10) x),
          'exact top-k = the ten best new artists by linkpred_score');

-- USAir, undirected with the head (auto) and without, and directed
CREATE TABLE split (split int, part text, src int, dst int, label int);
\copy split FROM '../shared/data/seal/splits/usair_train90_splits.csv' WITH (FORMAT csv, HEADER)
CREATE TABLE usair_train AS SELECT src, dst FROM split WHERE split = 1 AND part = 'train' AND label = 1;
CREATE TABLE usair_test AS SELECT src, dst, label FROM split WHERE split = 1 AND part = 'test';
SELECT count(linkpred_train(name, 'usair_train', 'src', 'dst', options => o))
FROM (VALUES ('usair_sage', '{"bipartite": false, "encoder": "sage", "seed": 7}'::jsonb),
             ('usair_sage_plain', '{"bipartite": false, "encoder": "sage", "features": "none", "seed": 7}'),
             ('usair_sage_dir', '{"bipartite": false, "directed": true, "encoder": "sage", "features": "none", "seed": 7}')) m(name, o) \gset
CREATE FUNCTION usair_auc(model text) RETURNS float8 LANGUAGE sql AS $$
    SELECT value FROM linkpred_evaluate(model, test => 'usair_test', label => 'label') WHERE metric = 'auc'
$$;
SELECT cmp_ok(usair_auc('usair_sage'), '>=', 0.95::float8,
              'USAir split 1, GraphSAGE with the structural head: AUC at least 0.95');
SELECT cmp_ok(usair_auc('usair_sage_plain'), '>=', 0.93::float8,
              'USAir split 1, GraphSAGE alone: AUC at least 0.93');
SELECT cmp_ok(usair_auc('usair_sage_dir'), '>=', 0.80::float8,
              'USAir as a directed graph (a row per role), GraphSAGE alone: AUC at least 0.80');

-- warm_start asks for what GraphSAGE cannot use (it stores the last
-- layer, not its input vectors and weights): the retraining starts cold
SELECT linkpred_train('usair_sage_plain', 'usair_train', 'src', 'dst',
                      options => '{"bipartite": false, "encoder": "sage", "features": "none",
                                   "seed": 7, "warm_start": true}') \gset
SELECT is((SELECT metrics->>'warm_start_from' FROM linkpred.version_catalog
           WHERE model = 'usair_sage_plain' ORDER BY version DESC LIMIT 1), '0',
          'warm_start with GraphSAGE: the version records no warm start');

SELECT throws_ok($$SELECT linkpred_train('bad', 'usair_train', 'src', 'dst',
                     options => '{"bipartite": false, "encoder": "sage", "fanout": 0}')$$,
                 '22023', 'option "fanout" is out of range: 0',
                 '"fanout": 0 is refused');

SELECT * FROM finish();
