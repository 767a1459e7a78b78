-- The structural head on an undirected graph scores (a, b) and (b, a)
-- alike, as README.md ("Homogeneous graphs") promises: every node has one
-- embedding, and the head's features are symmetric there (src/kernels/head.h).
-- Before, the head weighed "u's" and "v's" degree apart (a Cora model gave
-- 12.07 and 11.96 for one pair) and counted walks through v in p3.
-- Also: a head stored by linkpred 0.1.0 (no format number) is made
-- symmetric when it loads; a head of an unknown format is refused.
-- USAir (SEAL benchmark), 90% split 1: 332 nodes, 1,900 training edges.
\set ON_ERROR_STOP 1
SELECT plan(10);

CREATE TABLE split (split int, part text, src int, dst int, label int);
\copy split FROM '../shared/data/seal/splits/usair_train90_splits.csv' WITH (FORMAT csv, HEADER)
CREATE TABLE usair_train AS SELECT src, dst FROM split WHERE split = 1 AND part = 'train' AND label = 1;
CREATE TABLE usair_test AS SELECT src, dst, label FROM split WHERE split = 1 AND part = 'test';
-- the test pairs (edges and non-edges), every training edge (the pairs a
-- path count through v would have told apart), and 2,000 other pairs
CREATE TABLE nodes AS SELECT src AS n FROM usair_train UNION SELECT dst FROM usair_train;
CREATE TABLE pairs AS
    SELECT src AS a, dst AS b FROM usair_test
    UNION SELECT src, dst FROM usair_train
    UNION SELECT (i * 7919) % 332, (i * 104729) % 332 FROM generate_series(1, 2000) i;
DELETE FROM pairs WHERE a = b OR a NOT IN (SELECT n FROM nodes) OR b NOT IN (SELECT n FROM nodes);

-- three models of the same options; "features" left to "auto"
SELECT is((SELECT count(linkpred_train(m, 'usair_train', 'src', 'dst',
                   options => '{"bipartite": false, "seed": 7}'))::int
           FROM unnest(ARRAY['usair', 'usair_old', 'usair_bad']) m),
          3, 'three default models trained on USAir');
SELECT ok((SELECT bool_and(head IS NOT NULL) FROM linkpred.version_catalog
           WHERE model IN ('usair', 'usair_old', 'usair_bad')),
          '"features": "auto" fitted a structural head on the undirected graph');

-- before any of them is loaded: usair_old's head as 0.1.0 stored it (no
-- format number), usair_bad's with a format this build does not know
-- (0.1.0's layout: 11 features' means, scales and weights, the bias; a head
-- of format 3 holds 13 of each: reals 1-13, 14-26, 27-39, the bias 40)
UPDATE linkpred.version_catalog SET head = head[1:11] || head[14:24] || head[27:37] || head[40:40]
WHERE model = 'usair_old';
UPDATE linkpred.version_catalog SET head[array_length(head, 1)] = 7 WHERE model = 'usair_bad';

SELECT is((SELECT count(*)::int FROM pairs WHERE linkpred_score(a, b, 'usair') IS NULL), 0,
          'every pair is scored (both nodes have training edges)');
SELECT is((SELECT count(*)::int FROM pairs
           WHERE linkpred_score(a, b, 'usair') IS DISTINCT FROM linkpred_score(b, a, 'usair')),
          0, 'linkpred_score(a, b) = linkpred_score(b, a) for ' || (SELECT count(*) FROM pairs) || ' pairs');
SELECT ok((SELECT count(DISTINCT linkpred_score(a, b, 'usair')) FROM pairs) > 1000,
          'the scores are not all alike');

-- top-k ranks with the same scores from either end: the 5 best of node n
-- score as linkpred_score of (item, n); top-k sums ra and aa in single
-- precision, a pair in double, so the last bits may differ
SELECT is((SELECT count(*)::int FROM (SELECT n FROM nodes WHERE n % 11 = 0) u,
                  LATERAL linkpred_topk(u.n, 5, 'usair') t
           WHERE abs(t.score - linkpred_score(t.item, u.n, 'usair')) < 1e-4),
          (SELECT 5 * count(*)::int FROM nodes WHERE n % 11 = 0),
          'top-k scores equal linkpred_score(item, user), the other way round (up to float rounding)');

-- a 0.1.0 head: its two degree weights get their mean, so it is symmetric
SELECT is((SELECT count(*)::int FROM pairs
           WHERE linkpred_score(a, b, 'usair_old') IS DISTINCT FROM linkpred_score(b, a, 'usair_old')),
          0, 'a head stored by 0.1.0 scores (a, b) and (b, a) alike once loaded');
SELECT ok((SELECT count(*) FROM pairs
           WHERE linkpred_score(a, b, 'usair_old') <> linkpred_score(a, b, 'usair')) > 0,
          'read as 0.1.0''s features, the same weights score differently');
SELECT cmp_ok((SELECT (count(*) FILTER (WHERE p.s > n.s) + 0.5 * count(*) FILTER (WHERE p.s = n.s))::float8 / count(*)
               FROM (SELECT label, linkpred_score(src, dst, 'usair_old') AS s FROM usair_test) p,
                    (SELECT label, linkpred_score(src, dst, 'usair_old') AS s FROM usair_test) n
               WHERE p.label = 1 AND n.label = 0 AND p.s IS NOT NULL AND n.s IS NOT NULL),
              '>=', 0.90::float8, 'and ranks the test pairs as well as a head should (AUC >= 0.90)');

SELECT throws_ok($$SELECT linkpred_score(1, 2, 'usair_bad')$$, 'XX001',
                 'the stored decoder head has the wrong shape',
                 'a head of an unknown format is refused when the version loads (data_corrupted)');

SELECT * FROM finish();
