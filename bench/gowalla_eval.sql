-- gowalla_eval.sql: rank all items for every test user, after run.sh has
-- trained the default model "gowalla" on gowalla_train.
--
-- psql variables: check (1 = also run the SQL reference on every 20th user).
--
-- Recall@20 and NDCG@20 as LightGCN computes them: all items the user did
-- not have in training are ranked; recall = hits / test items of the user,
-- NDCG with binary gains; mean over test users.

SELECT bench.evaluate('gowalla', 'gowalla', NULL, 'gowalla', 'gowalla_test',
                      NULL, 'model', '{20}', 1, 'linkpred');

-- Extra, not in the published tables: preferential attachment ranks a
-- user's candidates by item degree, i.e. a popularity baseline.
SELECT bench.evaluate('gowalla', 'gowalla', NULL, 'gowalla', 'gowalla_test',
                      NULL, 'pa', '{20}', 1, 'linkpred', true);

-- cross-check on every 20th user: linkpred_evaluate against the reference
SELECT bench.evaluate('gowalla', 'gowalla check', NULL, 'gowalla', 'gowalla_test_check',
                      NULL, 'model', '{20}', 1, impl)
FROM unnest('{linkpred,sql}'::text[]) AS impl
WHERE :check = 1;
