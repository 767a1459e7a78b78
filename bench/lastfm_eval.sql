-- lastfm_eval.sql: AUC of the default model "lastfm" (trained by run.sh on
-- lastfm_train) on the test and validation edges.
--
-- psql variables: check (1 = also run the SQL reference).
--
-- No labels: linkpred_evaluate pairs each test edge with one sampled
-- non-edge of the same user (1:1 negatives, never a training or test
-- edge), the protocol of the PyG GraphSAGE notebook.  Fixed seed.

SELECT bench.evaluate('lastfm', 'lastfm', NULL, 'lastfm', 'lastfm_test',
                      NULL, 'model', '{10,20}', 1, 'linkpred');
SELECT bench.evaluate('lastfm', 'lastfm val', NULL, 'lastfm', 'lastfm_val',
                      NULL, 'model', '{10,20}', 1, 'linkpred');

-- Extras, not in the brief: classic heuristics on the bipartite training
-- graph (two-hop definitions, see the extension's heuristics.h).
SELECT bench.evaluate('lastfm', 'lastfm', NULL, 'lastfm', 'lastfm_test',
                      NULL, m, '{10,20}', 1, 'linkpred', true)
FROM unnest('{cn,jaccard,aa,ra,pa}'::text[]) WITH ORDINALITY AS x (m, o)
ORDER BY o;

-- cross-check: the reference draws its own negatives, so it agrees only
-- up to sampling noise (about 0.003 on ~9,300 test edges)
SELECT bench.evaluate('lastfm', 'lastfm', NULL, 'lastfm', 'lastfm_test',
                      NULL, 'model', '{10,20}', 1, 'sql')
WHERE :check = 1;
