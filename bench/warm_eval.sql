-- warm_eval.sql: Recall@20 and NDCG@20 of one model of the warm-start
-- benchmark on the Gowalla test pairs, as gowalla_eval.sql does for the
-- default model.
--
-- psql variables: graph (yesterday | warm | cold: the row of the report),
-- model (gw_warm | gw_cold).

SELECT bench.evaluate('warm', :'graph', NULL, :'model', 'gowalla_test',
                      NULL, 'model', '{20}', 1, 'linkpred');
