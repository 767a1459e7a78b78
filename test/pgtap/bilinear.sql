-- The bilinear decoder ("decoder": "bilinear"): s(u,v) = h_u' R h_v with one
-- vector per node and a learnt relation matrix R.
-- A directed graph whose direction only R can carry: 600 nodes in six
-- groups, every node linked to ten random nodes of the next group (a
-- cycle).  Held-out edges are ranked against their own reversals, which
-- are never edges.  Measured with seed 5: AUC 1.000; USAir split 1 with the
-- structural head 0.972 and without 0.96 (splits 1-3, seed 7).  The floors
-- sit under those.  Also: R as stored, linkpred_score = h_u' R h_v + biases
-- from the stored rows, top-k and its index, symmetry on an undirected
-- graph, warm_start ignored, and the encoder the decoder refuses.
\set ON_ERROR_STOP 1
SELECT plan(10);

SELECT setseed(0.25);
CREATE TABLE cyc AS
SELECT DISTINCT u AS src, ((u % 6 + 1) % 6) + 6 * floor(random() * 100)::int AS dst
FROM generate_series(0, 599) u, generate_series(1, 10) k;
CREATE TABLE cyc_train AS SELECT * FROM cyc WHERE hashint4(src * 1000 + dst) % 10 <> 0;
CREATE TABLE cyc_test AS
SELECT src, dst, 1 AS label FROM cyc WHERE hashint4(src * 1000 + dst) % 10 = 0
UNION ALL
SELECT dst, src, 0 FROM cyc WHERE hashint4(src * 1000 + dst) % 10 = 0;

SET linkpred.ann_min_items = 10;
SELECT linkpred_train('cyc_bil', 'cyc_train', 'src', 'dst',
                      options => '{"bipartite": false, "directed": true, "decoder": "bilinear",
                                   "features": "none", "seed": 5}') \gset
SELECT cmp_ok((SELECT value FROM linkpred_evaluate('cyc_bil', test => 'cyc_test', label => 'label')
               WHERE metric = 'auc'), '>=', 0.95::float8,
              'directed cycle of groups, bilinear: held-out edges outrank their reversals (AUC at least 0.95)');

SELECT is((SELECT (options->>'decoder', array_length(decoder, 1), ann IS NOT NULL)::text
           FROM linkpred.version_catalog WHERE model = 'cyc_bil'),
          '(bilinear,4096,t)',
          'stored: the decoder, R as 64 x 64 reals, and a top-k index (the queries R''h_u make it a dot product)');
SELECT ok((SELECT bool_or(abs(decoder[a * 64 + b + 1] - decoder[b * 64 + a + 1]) > 0.01)
           FROM linkpred.versions, generate_series(0, 63) a, generate_series(0, 63) b
           WHERE model = 'cyc_bil'),
          'on a directed graph R has learnt to be asymmetric');

-- h_u' R h_v + b_u + b_v from the stored rows: one table, both roles
CREATE FUNCTION by_hand(m text, u int, v int) RETURNS float8 LANGUAGE sql AS $$
    SELECT sum(hu.vec[a + 1] * r.decoder[a * 64 + b + 1] * hv.vec[b + 1]) + min(hu.bias) + min(hv.bias)
    FROM linkpred.versions r
    JOIN linkpred.embeddings hu ON hu.model = m AND hu.side IN ('u', 'n') AND hu.key = u::text
    JOIN linkpred.embeddings hv ON hv.model = m AND hv.side IN ('i', 'n') AND hv.key = v::text,
         generate_series(0, 63) a, generate_series(0, 63) b
    WHERE r.model = m AND r.active
$$;
SELECT ok((SELECT bool_and(abs(linkpred_score(src, dst, model => 'cyc_bil') - by_hand('cyc_bil', src, dst)) < 1e-3)
           FROM (SELECT * FROM cyc_test ORDER BY src, dst LIMIT 5) t),
          'linkpred_score = h_u'' R h_v + biases, computed from linkpred.embeddings and linkpred.versions');

SET linkpred.ann_min_items = 0;	-- serving: exact top-k, whatever was built
SELECT is((SELECT array_agg(item ORDER BY score DESC, item) FROM linkpred_topk(7, 10, model => 'cyc_bil')),
          (SELECT array_agg(n ORDER BY s DESC, n) FROM (
               SELECT n, linkpred_score(7, n, model => 'cyc_bil') AS s
               FROM (SELECT DISTINCT dst AS n FROM cyc_train) a
               WHERE n <> 7 AND NOT EXISTS (SELECT 1 FROM cyc_train t WHERE t.src = 7 AND t.dst = a.n)
               ORDER BY s DESC, n LIMIT 10) x),
          'exact top-k = the ten best new nodes by linkpred_score');

-- USAir, undirected: R is kept symmetric, so scores are too
CREATE TABLE split (split int, part text, src int, dst int, label int);
\copy split FROM '../shared/data/seal/splits/usair_train90_splits.csv' WITH (FORMAT csv, HEADER)
CREATE TABLE usair_train AS SELECT src, dst FROM split WHERE split = 1 AND part = 'train' AND label = 1;
CREATE TABLE usair_test AS SELECT src, dst, label FROM split WHERE split = 1 AND part = 'test';
SELECT count(linkpred_train(name, 'usair_train', 'src', 'dst', options => o))
FROM (VALUES ('usair_bil', '{"bipartite": false, "decoder": "bilinear", "seed": 7}'::jsonb),
             ('usair_bil_plain', '{"bipartite": false, "decoder": "bilinear", "features": "none", "seed": 7}')) m(name, o) \gset
SELECT cmp_ok((SELECT value FROM linkpred_evaluate('usair_bil', test => 'usair_test', label => 'label')
               WHERE metric = 'auc'), '>=', 0.95::float8,
              'USAir split 1, bilinear with the structural head: AUC at least 0.95');
SELECT cmp_ok((SELECT value FROM linkpred_evaluate('usair_bil_plain', test => 'usair_test', label => 'label')
               WHERE metric = 'auc'), '>=', 0.93::float8,
              'USAir split 1, bilinear alone: AUC at least 0.93');
SELECT ok((SELECT bool_and(abs(linkpred_score(src, dst, model => 'usair_bil_plain') -
                               linkpred_score(dst, src, model => 'usair_bil_plain')) < 1e-4)
           FROM (SELECT * FROM usair_test ORDER BY src, dst LIMIT 20) t),
          'undirected graph: s(u,v) = s(v,u)');

-- warm_start: the stored vectors mean nothing without their R: a cold start
SELECT linkpred_train('usair_bil_plain', 'usair_train', 'src', 'dst',
                      options => '{"bipartite": false, "decoder": "bilinear", "features": "none",
                                   "seed": 7, "warm_start": true}') \gset
SELECT is((SELECT metrics->>'warm_start_from' FROM linkpred.version_catalog
           WHERE model = 'usair_bil_plain' ORDER BY version DESC LIMIT 1), '0',
          'warm_start with the bilinear decoder: the version records no warm start');

SELECT throws_ok($$SELECT linkpred_train('bad', 'usair_train', 'src', 'dst',
                     options => '{"bipartite": false, "encoder": "spectral", "decoder": "bilinear"}')$$,
                 '0A000', 'decoder "bilinear" is not available with encoder "spectral"',
                 'the bilinear decoder with the spectral encoder is refused');

SELECT * FROM finish();
