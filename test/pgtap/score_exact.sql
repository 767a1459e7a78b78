-- linkpred_topk, linkpred_topk_many and linkpred_materialize report, for
-- every pair they return, exactly the score linkpred_score gives that pair
-- (src/serve/ranking.c, ExactRanked).  Their scans score whole rows with a
-- BLAS product or a block product, whose sums run in another order than
-- linkpred_score's and differed from it in the last bits; they now re-score
-- the items they keep as linkpred_score does.  Checked with = on float8,
-- for the matrix factorisation (exact scan, its batch and materialize, a
-- fresh user), the spectral encoder's item-item term, the structural head
-- on a homogeneous graph, and the bilinear decoder.
\set ON_ERROR_STOP 1
SELECT plan(9);
SET linkpred.ann_min_items = 0;

-- a bipartite graph: 400 users in 8 groups, 12 of their group's 50 items each
CREATE TABLE ex_edges AS
SELECT u AS user_id, (u % 8) * 50 + ((u * 7 + i * 13) % 50) AS item_id
FROM generate_series(1, 400) u, generate_series(1, 12) i;
SELECT linkpred_train('ex_mf', 'ex_edges', 'user_id', 'item_id',
                      options => '{"dim": 16, "epochs": 5, "seed": 1}') IS NOT NULL AS trained;

SELECT is((SELECT count(*)::int FROM generate_series(1, 400) u, linkpred_topk(u, 20, model => 'ex_mf') t
           WHERE t.score IS DISTINCT FROM linkpred_score(u, t.item, 'ex_mf')), 0,
          'mf: every top-20 score of 400 users is linkpred_score''s, bit for bit');
SELECT is((SELECT count(*)::int FROM linkpred_topk_many(NULL::integer[], 20, model => 'ex_mf') t
           WHERE t.score IS DISTINCT FROM linkpred_score(t.user_id, t.item, 'ex_mf')), 0,
          'mf: so is every score of linkpred_topk_many over all users');
CREATE TABLE ex_recs (user_id integer, item integer, rank integer, score double precision);
SELECT linkpred_materialize('ex_mf', 'ex_recs', 20) AS materialized;
SELECT is((SELECT count(*)::int FROM ex_recs r
           WHERE r.score IS DISTINCT FROM linkpred_score(r.user_id, r.item, 'ex_mf')), 0,
          'mf: and of linkpred_materialize');
SELECT is((SELECT count(*)::int FROM ex_recs r
           JOIN LATERAL (SELECT item, row_number() OVER () AS rank
                         FROM linkpred_topk(r.user_id, 20, model => 'ex_mf')) t
             ON t.rank = r.rank
           WHERE t.item IS DISTINCT FROM r.item), 0,
          'mf: materialize and linkpred_topk rank the same items in the same order');

-- a fresh user: rows added after training, folded in on each call
INSERT INTO ex_edges SELECT 9001, item_id FROM ex_edges WHERE user_id = 17;
SELECT is((SELECT count(*)::int FROM linkpred_topk(9001, 20, model => 'ex_mf', fresh => true) t
           WHERE t.score IS DISTINCT FROM linkpred_score(9001, t.item, 'ex_mf', fresh => true)), 0,
          'mf, fresh => true: top-20 scores are linkpred_score''s with fresh => true');

SELECT linkpred_train('ex_sp', 'ex_edges', 'user_id', 'item_id',
                      options => '{"encoder": "spectral", "dim": 16}') IS NOT NULL AS trained;
SELECT is((SELECT count(*)::int FROM generate_series(1, 400, 7) u, linkpred_topk(u, 20, model => 'ex_sp') t
           WHERE t.score IS DISTINCT FROM linkpred_score(u, t.item, 'ex_sp')), 0,
          'spectral (the item-item term): top-20 scores are linkpred_score''s');

SELECT linkpred_train('ex_bil', 'ex_edges', 'user_id', 'item_id',
                      options => '{"decoder": "bilinear", "dim": 8, "epochs": 3, "seed": 1}') IS NOT NULL AS trained;
SELECT is((SELECT count(*)::int FROM generate_series(1, 400, 7) u, linkpred_topk(u, 20, model => 'ex_bil') t
           WHERE t.score IS DISTINCT FROM linkpred_score(u, t.item, 'ex_bil')), 0,
          'bilinear decoder: top-20 scores are linkpred_score''s');

-- a homogeneous graph: the default puts the structural head over the model
CREATE TABLE ex_links AS
SELECT a, b FROM (SELECT u AS a, (u % 10) * 30 + ((u * 11 + i * 7) % 30) AS b
                  FROM generate_series(0, 299) u, generate_series(1, 5) i) x WHERE a <> b;
SELECT linkpred_train('ex_head', 'ex_links', 'a', 'b',
                      options => '{"bipartite": false, "dim": 16, "epochs": 5, "seed": 1}') IS NOT NULL AS trained;
SELECT ok((SELECT head IS NOT NULL FROM linkpred.version_catalog c JOIN linkpred.models m
           ON m.name = c.model AND m.active_version = c.version WHERE m.name = 'ex_head'),
          'the homogeneous model has its structural head');
SELECT is((SELECT count(*)::int FROM generate_series(0, 299, 3) u, linkpred_topk(u, 20, model => 'ex_head') t
           WHERE t.score IS DISTINCT FROM linkpred_score(u, t.item, 'ex_head')), 0,
          'structural head: top-20 scores are linkpred_score''s');

SELECT * FROM finish();
