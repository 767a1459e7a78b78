-- Evaluation and heuristics on graphs small enough to check by hand.

-- the homogeneous graph of test/unit/test_heuristics.c:
-- 0-1 0-2 0-3 0-4 1-2 2-3 3-4 4-5
CREATE TABLE hand (a int, b int);
INSERT INTO hand VALUES (0,1), (0,2), (0,3), (0,4), (1,2), (2,3), (3,4), (4,5);
SELECT linkpred_train('hand', 'hand', 'a', 'b', options => '{"bipartite": false, "dim": 4, "epochs": 20, "seed": 1}') IS NOT NULL;
-- pair (1,3): common neighbours 0 (degree 4) and 2 (degree 3)
SELECT m, round(linkpred_heuristic(1, 3, m, 'hand')::numeric, 6) AS value
FROM unnest(ARRAY['cn', 'jaccard', 'aa', 'ra', 'pa']) m;
SELECT round((1 / ln(4) + 1 / ln(3))::numeric, 6) AS aa_by_hand, round(7 / 12.0, 6) AS ra_by_hand;
-- (1,5) share no neighbour; an unknown node gives NULL
SELECT linkpred_heuristic(1, 5, 'cn', 'hand') AS cn, linkpred_heuristic(1, 99, 'cn', 'hand') AS unknown;
-- best new neighbours of 1 by resource allocation: 3 (7/12), then 4 (1/4)
SELECT item, round(score::numeric, 6) FROM linkpred_heuristic_topk(1, 3, 'ra', 'hand');

-- a bipartite graph: u0 {i0,i1}, u1 {i0,i2,i3}, u2 {i1,i2}
CREATE TABLE buys (u text, i text);
INSERT INTO buys VALUES ('u0','i0'), ('u0','i1'), ('u1','i0'), ('u1','i2'), ('u1','i3'), ('u2','i1'), ('u2','i2');
SELECT linkpred_train('buys', 'buys', 'u', 'i', options => '{"dim": 4, "epochs": 5, "seed": 1}') IS NOT NULL;
-- (u0, i2): users sharing an item with u0 are {u1, u2}; both bought i2
SELECT m, round(linkpred_heuristic('u0'::text, 'i2'::text, m, 'buys')::numeric, 6) AS value
FROM unnest(ARRAY['cn', 'jaccard', 'aa', 'ra', 'pa']) m;
SELECT item, round(score::numeric, 6) FROM linkpred_heuristic_topk('u0'::text, 5, 'cn', 'buys');

-- evaluation on labelled pairs: AUC only needs the ordering
CREATE TABLE hand_test (a int, b int, label int);
INSERT INTO hand_test VALUES (1, 3, 1), (2, 4, 1), (1, 5, 0), (5, 2, 0);
SELECT metric, k, round(value::numeric, 4) FROM linkpred_evaluate('hand', test => 'hand_test', label => 'label', method => 'cn', k => '{1,2}');
-- cn: positives 2 and 2, negatives 0 and 0: AUC 1
SELECT evaluation->'cn'->>'auc' AS stored_auc, evaluation->'cn'->>'test' AS test
FROM (SELECT metrics->'evaluation' AS evaluation FROM linkpred.models WHERE name = 'hand') s;
SELECT metric, round(value::numeric, 4) FROM linkpred_evaluate('hand', test => 'hand_test', label => 'label', method => 'pa', k => '{}') WHERE metric = 'auc';

-- unlabelled pairs: ranking metrics and AUC against sampled non-edges
CREATE TABLE buys_test (u text, i text);
INSERT INTO buys_test VALUES ('u0', 'i2'), ('u2', 'i0'), ('nobody', 'i1');
SELECT metric, k, round(value::numeric, 4) FROM linkpred_evaluate('buys', test => 'buys_test', method => 'cn', k => '{1}');
SELECT count(*) FROM linkpred_evaluate('buys', test => 'buys_test');

-- holdout: edges of the source held out, a model trained on the rest in a
-- worker, measured on them; the serving version is untouched
CREATE TABLE clicks (user_id int, item_id int, at timestamptz);
INSERT INTO clicks
SELECT u, (u % 10) * 10 + (u * 7 + i) % 10, '2026-01-01'::timestamptz + (u * 13 + i * 7) % 100 * interval '1 day'
FROM generate_series(1, 200) u, generate_series(1, 8) i;
-- one edge seen before and after the cut: it is a training edge, never a test edge
INSERT INTO clicks VALUES (1, 18, '2026-01-01'), (1, 18, '2026-12-01');
SELECT linkpred_train('clicks', 'clicks', 'user_id', 'item_id', options => '{"dim": 8, "epochs": 30, "seed": 3}') IS NOT NULL;
SELECT metric, k, value > 0.8 AS good FROM linkpred_evaluate('clicks', holdout => 'random', fraction => 0.2, k => '{10}', seed => 1)
WHERE metric IN ('auc', 'recall');
SELECT metric, k, value > 0.8 AS good FROM linkpred_evaluate('clicks', holdout => 'per_user', leave_out => 2, k => '{10}', seed => 1)
WHERE metric IN ('auc', 'recall', 'users');
SELECT value AS test_pairs FROM linkpred_evaluate('clicks', holdout => 'time', time_column => 'at', cut => '2026-03-01', k => '{}')
WHERE metric = 'pairs';
SELECT count(*) AS edges_first_seen_after_cut FROM (
    SELECT user_id, item_id FROM clicks GROUP BY 1, 2 HAVING min(at) >= '2026-03-01') s;
SELECT result->>'holdout' AS holdout, result->>'train_edges' AS train, result->>'test_edges' AS test
FROM linkpred.jobs WHERE result IS NOT NULL ORDER BY id;
SELECT jsonb_object_keys(metrics->'evaluation') AS stored FROM linkpred.models WHERE name = 'clicks' ORDER BY 1;
SELECT active_version FROM linkpred.models WHERE name = 'clicks';
SELECT * FROM linkpred_evaluate('clicks', holdout => 'sometimes');
SELECT * FROM linkpred_evaluate('clicks', holdout => 'time');
SELECT * FROM linkpred_evaluate('clicks', holdout => 'time', time_column => 'user_id');
SELECT * FROM linkpred_evaluate('clicks', fraction => 1.5);
SELECT * FROM linkpred_evaluate('clicks', method => 'ra');
SELECT * FROM linkpred_evaluate('hand', holdout => 'per_user');
SELECT * FROM linkpred_evaluate('clicks', holdout => 'per_user', leave_out => 0);
SELECT * FROM linkpred_evaluate('clicks', k => '{1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17}');
SELECT * FROM linkpred_evaluate('clicks', holdout => 'time', time_column => 'at', cut => '2030-01-01');
-- no ranking asked for: MRR is not measured
SELECT metric, value IS NULL AS not_measured FROM linkpred_evaluate('clicks', test => 'clicks', k => '{}') WHERE metric = 'mrr';
SELECT linkpred_drop('clicks');

-- bad input
SELECT * FROM linkpred_evaluate('hand', test => 'hand_test', method => 'magic');
SELECT * FROM linkpred_evaluate('hand', test => 'hand_test', label => 'nope');
SELECT * FROM linkpred_evaluate('hand', test => 'hand', label => 'a');
CREATE TABLE text_labels (a int, b int, label text);
SELECT * FROM linkpred_evaluate('hand', test => 'text_labels', label => 'label');
SELECT * FROM linkpred_evaluate('hand', test => 'hand_test', k => '{0}');
SELECT * FROM linkpred_evaluate('hand', test => 'buys_test');
SELECT * FROM linkpred_evaluate(NULL, test => 'hand_test');
SELECT linkpred_heuristic(1, 3, 'model', 'hand');
SELECT * FROM linkpred_heuristic_topk(1, 0, 'ra', 'hand');
CREATE TABLE empty_test (a int, b int);
SELECT * FROM linkpred_evaluate('hand', test => 'empty_test');
SELECT linkpred_drop('hand'), linkpred_drop('buys');
