-- Holdout evaluation scores a node whose every edge fell into the test part
-- as a node the model never saw, exactly as the test-relation path does
-- (issue 20, item 4).
--
-- A synthetic temporal message graph, generated here: node k joins at tick
-- k with up to three edges to older nodes of its community (k mod 4), and
-- every tick two old nodes of one community exchange a message.  Ids are
-- renumbered by first appearance and the rows stored in time order, so the
-- loader gives every node the same index whether it reads all the rows or
-- only those before the cut.  The cut (tick 320 of 400) leaves 81 nodes
-- that only exist after it (ticks 320 to 400).
--
-- Two measurements of one thing:
--   holdout:  linkpred_evaluate(model, holdout => 'time', cut => ...)
--   relation: a model trained on the rows before the cut, evaluated on the
--             pairs first seen at or after it (test => ...)
-- Same graph, same options and seed, same pairs in the same order, same
-- evaluation seed: every figure must be equal (AUC, MRR, Recall@10, the
-- unknown counts), up to the 6 significant digits the holdout's result
-- keeps.  Before the fix the holdout trained a vector for each of the 81
-- late nodes from negative samples only, and drew its AUC's non-edges
-- among them too.  A bipartite graph (users and items joining over time)
-- is checked the same way.
\set ON_ERROR_STOP 1
SELECT plan(9);

-- ---- homogeneous, undirected ----------------------------------------------
CREATE TABLE raw_msgs AS
SELECT a, b, tick, seq FROM (
    -- node k joins: edges to older nodes of its community
    SELECT k AS a, j AS b, k AS tick, i AS seq
    FROM generate_series(5, 400) k, generate_series(0, 2) i,
         LATERAL (SELECT (1 + abs(hashint4(k * 31 + i)) % (k - 1)) AS j0) x,
         LATERAL (SELECT j0 - ((j0 - k) % 4 + 4) % 4 AS j) y
    WHERE j >= 1
    UNION ALL
    -- old nodes of one community exchange a message
    SELECT a, a + 4 * (1 + abs(hashint4(t * 17 + i)) % ((t - 1 - a) / 4)), t, 10 + i
    FROM generate_series(20, 400) t, generate_series(0, 1) i,
         LATERAL (SELECT 1 + abs(hashint4(t * 13 + i)) % (t - 10) AS a) x
) s
WHERE a <> b;

-- ids by first appearance (row order, then the source before the target)
CREATE TABLE node_ids AS
SELECT node, row_number() OVER (ORDER BY tick, seq, side) AS id FROM (
    SELECT DISTINCT ON (node) node, tick, seq, side FROM (
        SELECT a AS node, tick, seq, 0 AS side FROM raw_msgs
        UNION ALL SELECT b, tick, seq, 1 FROM raw_msgs) e
    ORDER BY node, tick, seq, side) f;

CREATE TABLE msgs (src int, dst int, at timestamptz);
INSERT INTO msgs
SELECT na.id, nb.id, '2026-01-01 00:00+00'::timestamptz + r.tick * interval '1 hour'
FROM raw_msgs r JOIN node_ids na ON na.node = r.a JOIN node_ids nb ON nb.node = r.b
ORDER BY r.tick, r.seq;

-- the test-relation path: train before the cut, test on what came after
CREATE TABLE msgs_before AS SELECT src, dst FROM msgs WHERE at < '2026-01-14 08:00+00';
CREATE TABLE msgs_after AS
SELECT least(src, dst) AS src, greatest(src, dst) AS dst FROM msgs
GROUP BY 1, 2 HAVING min(at) >= '2026-01-14 08:00+00' ORDER BY 1, 2;

SELECT is((SELECT count(*)::int FROM (SELECT src FROM msgs_after UNION SELECT dst FROM msgs_after
                                      EXCEPT SELECT src FROM msgs_before EXCEPT SELECT dst FROM msgs_before) s),
          81, 'the graph: 81 nodes appear only after the cut');

SELECT linkpred_train('msgs', 'msgs', 'src', 'dst', options => '{"bipartite": false, "dim": 16, "seed": 5}') \gset
SELECT linkpred_train('msgs_before', 'msgs_before', 'src', 'dst', options => '{"bipartite": false, "dim": 16, "seed": 5}') \gset

CREATE TABLE measured AS
SELECT 'holdout' AS path, metric, value FROM linkpred_evaluate('msgs', holdout => 'time', time_column => 'at',
                                                               cut => '2026-01-14 08:00+00', k => '{10}', seed => 9)
UNION ALL
SELECT 'relation', metric, value FROM linkpred_evaluate('msgs_before', test => 'msgs_after', k => '{10}', seed => 9);

SELECT is((SELECT array_agg(value ORDER BY metric) FROM measured WHERE path = 'holdout' AND metric IN ('pairs', 'users', 'unknown')),
          (SELECT array_agg(value ORDER BY metric) FROM measured WHERE path = 'relation' AND metric IN ('pairs', 'users', 'unknown')),
          'homogeneous: the same test pairs, users and pairs with an unknown node');
SELECT is((SELECT array_agg(round(value::numeric, 5) ORDER BY metric) FROM measured WHERE path = 'holdout' AND metric IN ('auc', 'mrr', 'recall', 'ndcg')),
          (SELECT array_agg(round(value::numeric, 5) ORDER BY metric) FROM measured WHERE path = 'relation' AND metric IN ('auc', 'mrr', 'recall', 'ndcg')),
          'homogeneous: holdout by time measures what the test relation measures (AUC, MRR, Recall@10, NDCG@10)');
SELECT cmp_ok((SELECT value FROM measured WHERE path = 'holdout' AND metric = 'unknown'), '>', 0::float8,
              'homogeneous: the late nodes count as unknown');
SELECT is((SELECT (result->>'unseen_users', result->>'unseen_items')::text FROM linkpred.jobs
           WHERE model = 'msgs' AND result IS NOT NULL),
          '(81,0)', 'homogeneous: the holdout left the 81 late nodes out of its model');

-- ---- bipartite -------------------------------------------------------------
-- user u joins at tick u with four items of its taste (u mod 5); item i
-- enters the catalogue at tick i / 2, so the late items are new too
CREATE TABLE raw_buys AS
SELECT u, it, tick, seq FROM (
    SELECT u, it, u AS tick, i AS seq
    FROM generate_series(1, 300) u, generate_series(0, 3) i,
         LATERAL (SELECT 1 + abs(hashint4(u * 7 + i)) % (2 * u) AS c) x,
         LATERAL (SELECT c - ((c - u) % 5 + 5) % 5 AS it) y
    WHERE it >= 1
    UNION ALL
    -- and later comes back for one more
    SELECT u, it, u + 30, 9
    FROM generate_series(1, 300) u,
         LATERAL (SELECT 1 + abs(hashint4(u * 11)) % (2 * u) AS c) x,
         LATERAL (SELECT c - ((c - u) % 5 + 5) % 5 AS it) y
    WHERE it >= 1
) s;
CREATE TABLE user_ids AS
SELECT u, row_number() OVER (ORDER BY tick, seq) AS id FROM (
    SELECT DISTINCT ON (u) u, tick, seq FROM raw_buys ORDER BY u, tick, seq) f;
CREATE TABLE item_ids AS
SELECT it, row_number() OVER (ORDER BY tick, seq) AS id FROM (
    SELECT DISTINCT ON (it) it, tick, seq FROM raw_buys ORDER BY it, tick, seq) f;
CREATE TABLE buys (uid int, iid int, at timestamptz);
INSERT INTO buys
SELECT ui.id, ii.id, '2026-01-01 00:00+00'::timestamptz + r.tick * interval '1 hour'
FROM raw_buys r JOIN user_ids ui ON ui.u = r.u JOIN item_ids ii ON ii.it = r.it
ORDER BY r.tick, r.seq;
CREATE TABLE buys_before AS SELECT uid, iid FROM buys WHERE at < '2026-01-11 00:00+00';
CREATE TABLE buys_after AS
SELECT uid, iid FROM buys GROUP BY 1, 2 HAVING min(at) >= '2026-01-11 00:00+00' ORDER BY 1, 2;

SELECT linkpred_train('buys', 'buys', 'uid', 'iid', options => '{"dim": 16, "seed": 5}') \gset
SELECT linkpred_train('buys_before', 'buys_before', 'uid', 'iid', options => '{"dim": 16, "seed": 5}') \gset

CREATE TABLE measured_b AS
SELECT 'holdout' AS path, metric, value FROM linkpred_evaluate('buys', holdout => 'time', time_column => 'at',
                                                               cut => '2026-01-11 00:00+00', k => '{10}', seed => 9)
UNION ALL
SELECT 'relation', metric, value FROM linkpred_evaluate('buys_before', test => 'buys_after', k => '{10}', seed => 9);

SELECT is((SELECT count(*)::int FROM (SELECT iid FROM buys_after EXCEPT SELECT iid FROM buys_before) s) > 0
          AND (SELECT count(*)::int FROM (SELECT uid FROM buys_after EXCEPT SELECT uid FROM buys_before) s) > 0,
          true, 'the bipartite graph: users and items that appear only after the cut');
SELECT is((SELECT array_agg(value ORDER BY metric) FROM measured_b WHERE path = 'holdout' AND metric IN ('pairs', 'users', 'unknown')),
          (SELECT array_agg(value ORDER BY metric) FROM measured_b WHERE path = 'relation' AND metric IN ('pairs', 'users', 'unknown')),
          'bipartite: the same test pairs, users and pairs with an unknown node');
SELECT is((SELECT array_agg(round(value::numeric, 5) ORDER BY metric) FROM measured_b WHERE path = 'holdout' AND metric IN ('auc', 'mrr', 'recall', 'ndcg')),
          (SELECT array_agg(round(value::numeric, 5) ORDER BY metric) FROM measured_b WHERE path = 'relation' AND metric IN ('auc', 'mrr', 'recall', 'ndcg')),
          'bipartite: holdout by time measures what the test relation measures (AUC, MRR, Recall@10, NDCG@10)');

-- the figures, for the record
SELECT diag(format('%s %s: %s', path, metric, round(value::numeric, 4)))
FROM (SELECT 'msgs ' || path AS path, metric, value FROM measured
      UNION ALL SELECT 'buys ' || path, metric, value FROM measured_b) s
WHERE metric IN ('auc', 'mrr', 'recall', 'unknown') ORDER BY path, metric;
SELECT ok(true, 'figures reported');

SELECT * FROM finish();
