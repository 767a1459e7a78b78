-- The index's default effort calibrated on the model's own users
-- (src/jobs/jobindex.c, src/kernels/ann_calibrate.c).  A catalog of
-- 120,000 items, above the default linkpred.ann_min_items (100,000), where
-- the build's own default probes every list: the job lowers the default to
-- the smallest effort whose mean recall@10 over a sample of 512 users
-- reaches 0.99, records what it measured in the version's metrics, and
-- linkpred_topk at that default (nothing set) still finds 0.95 of the exact
-- top 10 for users it did not calibrate on: trained users (the sample is
-- 512 of 12,000, about 4% of them) and fresh users added after training
-- (held out entirely).  A bilinear model of 24,000 items: its calibration
-- searches with the users' queries R' U[u], as serving does.
\set ON_ERROR_STOP 1
SELECT plan(11);

-- 300 groups of 400 items, 40 users a group; each item has two users of
-- its group, so each user has about 20 items of one group: structure an
-- embedding learns, no randomness
CREATE TABLE ev AS
SELECT DISTINCT u AS user_id, i AS item_id
FROM generate_series(0, 119999) i,
     LATERAL (VALUES (i % 300 + 300 * ((i / 300) % 40)),
                     (i % 300 + 300 * ((i / 300 * 7 + 3) % 40))) us(u);
CREATE INDEX ON ev (user_id);

SELECT linkpred_train('c', 'ev', 'user_id', 'item_id',
                      options => '{"dim": 32, "epochs": 10, "seed": 3}') IS NOT NULL AS trained \gset

SELECT ok((SELECT ann IS NOT NULL FROM linkpred.version_catalog WHERE model = 'c'),
          'a model of 120,000 items trained with the default linkpred.ann_min_items has an index');
SELECT diag('metrics: ann_lists ' || (metrics->>'ann_lists') || ', ann_probes ' || (metrics->>'ann_probes')
            || ', ann_calibration ' || (metrics->'ann_calibration')::text)
FROM linkpred.versions WHERE model = 'c';
SELECT ok((SELECT (c->>'users')::int = 512 AND (c->>'k')::int = 10 AND (c->>'target')::float8 = 0.99
                  AND (c->>'recall')::float8 >= 0.99 AND (c->>'recall')::float8 <= 1
                  AND (c->>'efforts_measured')::int >= 1 AND (c->>'seconds')::float8 >= 0
           FROM linkpred.versions, LATERAL (SELECT metrics->'ann_calibration' AS c) x WHERE model = 'c'),
          'metrics record the calibration: 512 users, recall@10 >= 0.99 at target 0.99, efforts, seconds');
SELECT ok((SELECT (metrics->>'ann_probes')::int = (metrics->'ann_calibration'->>'probes')::int
                  AND (metrics->'ann_calibration'->>'probes')::int
                      BETWEEN (metrics->'ann_calibration'->>'probes_floor')::int
                          AND (metrics->'ann_calibration'->>'probes_ceiling')::int
           FROM linkpred.versions WHERE model = 'c'),
          'ann_probes is the calibrated effort, between its floor and ceiling');
-- at 120,000 items the build's default probes every list (at least 262,144 items' worth)
SELECT ok((SELECT (metrics->'ann_calibration'->>'probes_ceiling')::int = (metrics->>'ann_lists')::int
                  AND (metrics->>'ann_probes')::int <= (metrics->>'ann_lists')::int / 2
           FROM linkpred.versions WHERE model = 'c'),
          'the calibrated default probes at most half of the lists, where the build''s probed all');

CREATE FUNCTION recall(a regclass, b regclass) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE r float8;
BEGIN
  EXECUTE format('SELECT avg(hits) / 10 FROM (SELECT x.u, count(y.item) AS hits FROM %s x
                  LEFT JOIN %s y ON y.u = x.u AND y.item = x.item GROUP BY x.u) h', a, b) INTO r;
  RETURN r;
END $$;

-- 400 trained users, exact top-10 (the index off) and at the default effort
CREATE TABLE q AS SELECT u FROM generate_series(7, 11999, 30) u;
SET linkpred.ann_min_items = 0;
CREATE TABLE exact AS SELECT q.u, t.item FROM q, LATERAL linkpred_topk(q.u, 10, model => 'c') t;
RESET linkpred.ann_min_items;
RESET linkpred.ann_probes;
CREATE TABLE approx AS SELECT q.u, t.item FROM q, LATERAL linkpred_topk(q.u, 10, model => 'c') t;
SELECT diag('recall@10 of 400 trained users at the calibrated default: '
            || round(recall('exact', 'approx')::numeric, 4));
SELECT is((SELECT count(*) FROM approx), 4000::bigint, '10 rows for each of the 400 users');
SELECT cmp_ok(recall('exact', 'approx'), '>=', 0.95::float8,
              'at the calibrated default, recall@10 of 400 users against exact top-10 is at least 0.95');

-- 100 users the model never saw, added after training: fresh => true folds
-- them in and searches the index at its default effort
INSERT INTO ev SELECT 100000 + g, i
FROM generate_series(0, 99) g, generate_series(0, 15) j, LATERAL (SELECT (g * 3) % 300 + 300 * ((j * 13 + g) % 400) AS i) x;
CREATE TABLE fq AS SELECT 100000 + g AS u FROM generate_series(0, 99) g;
SET linkpred.ann_min_items = 0;
CREATE TABLE fresh_exact AS SELECT fq.u, t.item FROM fq, LATERAL linkpred_topk(fq.u, 10, model => 'c', fresh => true) t;
RESET linkpred.ann_min_items;
CREATE TABLE fresh_approx AS SELECT fq.u, t.item FROM fq, LATERAL linkpred_topk(fq.u, 10, model => 'c', fresh => true) t;
SELECT diag('recall@10 of 100 fresh users at the calibrated default: '
            || round(recall('fresh_exact', 'fresh_approx')::numeric, 4));
SELECT is((SELECT count(*) FROM fresh_exact), 1000::bigint, '10 exact rows for each of the 100 fresh users');
SELECT cmp_ok(recall('fresh_exact', 'fresh_approx'), '>=', 0.95::float8,
              'fresh users, held out of training and calibration: recall@10 at least 0.95');

-- the default is what searches use: probing the calibrated count explicitly gives the same rows
SELECT set_config('linkpred.ann_probes', (metrics->>'ann_probes'), false) IS NOT NULL AS probes_set
FROM linkpred.versions WHERE model = 'c' \gset
SELECT is((SELECT count(*) FROM (SELECT q.u, t.item FROM q, LATERAL linkpred_topk(q.u, 10, model => 'c') t
                                 EXCEPT SELECT u, item FROM approx) d), 0::bigint,
          'linkpred.ann_probes = the recorded ann_probes returns the default''s rows');

RESET linkpred.ann_probes;

-- a bilinear model searches with its users' queries R' U[u]: the calibration
-- measures those, so its default holds for them too (24,000 items: floor 32
-- of 93 lists, 8,192 items' worth)
CREATE TABLE ev_small AS SELECT * FROM ev WHERE item_id < 24000 AND user_id < 100000;
SET linkpred.ann_min_items = 10000;
SELECT linkpred_train('bil', 'ev_small', 'user_id', 'item_id',
                      options => '{"decoder": "bilinear", "dim": 16, "epochs": 10, "seed": 3}') IS NOT NULL AS t_bil \gset
SELECT diag('bilinear: ann_lists ' || (metrics->>'ann_lists') || ', ann_calibration '
            || (metrics->'ann_calibration')::text)
FROM linkpred.versions WHERE model = 'bil';
SELECT ok((SELECT (metrics->'ann_calibration'->>'recall')::float8 >= 0.99
                  AND (metrics->>'ann_probes')::int = (metrics->'ann_calibration'->>'probes')::int
           FROM linkpred.versions WHERE model = 'bil'),
          'a bilinear model''s index is calibrated (recall@10 >= 0.99 on its sample)');
CREATE TABLE qb AS SELECT DISTINCT user_id AS u FROM ev_small WHERE user_id % 7 = 3;
SET linkpred.ann_min_items = 0;
CREATE TABLE bil_exact AS SELECT qb.u, t.item FROM qb, LATERAL linkpred_topk(qb.u, 10, model => 'bil') t;
SET linkpred.ann_min_items = 10000;
CREATE TABLE bil_approx AS SELECT qb.u, t.item FROM qb, LATERAL linkpred_topk(qb.u, 10, model => 'bil') t;
SELECT diag('bilinear: recall@10 of ' || (SELECT count(*) FROM qb) || ' users at the calibrated default: '
            || round(recall('bil_exact', 'bil_approx')::numeric, 4));
SELECT cmp_ok(recall('bil_exact', 'bil_approx'), '>=', 0.95::float8,
              'and its top-10 at that default finds at least 0.95 of the exact top-10');

SELECT * FROM finish();
