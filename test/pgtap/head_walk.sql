-- The structural head's random-walk features (format 3, src/kernels/head_walk.c):
-- a new head stores them (13 features, format number 3); a head stored by an
-- older build (format 2: 11 features) loads with weight 0 on them and scores
-- exactly as a format 3 head whose walk weights are 0; the walk features
-- weigh in a new head; an array that says format 3 with 11 features is refused.
-- USAir (SEAL benchmark), 90% split 1.
\set ON_ERROR_STOP 1
SELECT plan(9);

CREATE TABLE split (split int, part text, src int, dst int, label int);
\copy split FROM '../shared/data/seal/splits/usair_train90_splits.csv' WITH (FORMAT csv, HEADER)
CREATE TABLE usair_train AS SELECT src, dst FROM split WHERE split = 1 AND part = 'train' AND label = 1;
CREATE TABLE usair_test AS SELECT src, dst, label FROM split WHERE split = 1 AND part = 'test';
CREATE TABLE nodes AS SELECT src AS n FROM usair_train UNION SELECT dst FROM usair_train;
CREATE TABLE pairs AS
    SELECT src AS a, dst AS b FROM usair_test
    UNION SELECT (i * 7919) % 332, (i * 104729) % 332 FROM generate_series(1, 2000) i;
DELETE FROM pairs WHERE a = b OR a NOT IN (SELECT n FROM nodes) OR b NOT IN (SELECT n FROM nodes);

-- four models of the same options and seed
SELECT is((SELECT count(linkpred_train(m, 'usair_train', 'src', 'dst',
                   options => '{"bipartite": false, "seed": 11}'))::int
           FROM unnest(ARRAY['uw', 'uw_v2', 'uw_zero', 'uw_bad']) m),
          4, 'four default models trained on USAir with one seed');
SELECT is((SELECT count(*)::int FROM (
               SELECT side, idx, keys, biases, vecs FROM linkpred.embedding_store WHERE model = 'uw'
               EXCEPT SELECT side, idx, keys, biases, vecs FROM linkpred.embedding_store WHERE model = 'uw_zero') d),
          0, 'the same seed stored the same embeddings (so their heads can be compared)');
SELECT is((SELECT array_length(head, 1) || ' reals, format ' || head[array_length(head, 1)]
           FROM linkpred.version_catalog WHERE model = 'uw'),
          '41 reals, format 3',
          'a new head stores 13 features'' means, scales and weights, the bias and format 3');

-- before any is loaded: uw_v2 gets uw's head as a format 2 head (features 0
-- to 10 of each part, the bias, 2); uw_zero keeps format 3 with the walk
-- weights (reals 27 + 11 and 27 + 12) set to 0; uw_bad the format 2 layout
-- labelled 3.  A format 3 head: means 1-13, scales 14-26, weights 27-39,
-- the bias 40, the format 41.
UPDATE linkpred.version_catalog v
SET head = h.head[1:11] || h.head[14:24] || h.head[27:37] || ARRAY[h.head[40], 2::real]
FROM linkpred.version_catalog h WHERE v.model = 'uw_v2' AND h.model = 'uw';
UPDATE linkpred.version_catalog
SET head = head[1:37] || '{0,0}'::real[] || head[40:41] WHERE model = 'uw_zero';
UPDATE linkpred.version_catalog v
SET head = h.head[1:11] || h.head[14:24] || h.head[27:37] || ARRAY[h.head[40], 3::real]
FROM linkpred.version_catalog h WHERE v.model = 'uw_bad' AND h.model = 'uw';

SELECT is((SELECT count(*)::int FROM pairs
           WHERE linkpred_score(a, b, 'uw_v2') IS DISTINCT FROM linkpred_score(a, b, 'uw_zero')),
          0, 'a format 2 head scores every pair as a format 3 head with walk weights 0');
SELECT is((SELECT count(*)::int FROM (SELECT n FROM nodes WHERE n % 7 = 0) u,
                  LATERAL (SELECT item, score FROM linkpred_topk(u.n, 5, 'uw_v2')
                           EXCEPT SELECT item, score FROM linkpred_topk(u.n, 5, 'uw_zero')) d),
          0, 'and its top-k (which skips the walks) is the same, item for item and score for score');
SELECT is((SELECT count(*)::int FROM pairs
           WHERE linkpred_score(a, b, 'uw_v2') IS DISTINCT FROM linkpred_score(b, a, 'uw_v2')),
          0, 'a format 2 head stays symmetric');
SELECT cmp_ok((SELECT count(*)::int FROM pairs
               WHERE abs(linkpred_score(a, b, 'uw') - linkpred_score(a, b, 'uw_zero')) > 1e-3),
              '>', (SELECT count(*)::int / 2 FROM pairs),
              'the walk features weigh in a new head: most pairs score otherwise without them');
SELECT is((SELECT count(*)::int FROM (SELECT n FROM nodes WHERE n % 7 = 0) u,
                  LATERAL linkpred_topk(u.n, 5, 'uw') t
           WHERE abs(t.score - linkpred_score(u.n, t.item, 'uw')) < 1e-4),
          (SELECT 5 * count(*)::int FROM nodes WHERE n % 7 = 0),
          'top-k through the walks scores as linkpred_score (up to float rounding)');
SELECT throws_ok($$SELECT linkpred_score(1, 2, 'uw_bad')$$, 'XX001',
                 'the stored decoder head has the wrong shape',
                 'format 3 with 11 features'' reals is refused when the version loads (data_corrupted)');

SELECT * FROM finish();
