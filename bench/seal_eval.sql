-- seal_eval.sql: evaluate one SEAL split, after run.sh has trained the
-- model seal_<graph> on seal.<graph>_train_<split>.
--
-- psql variables: graph, split, check (1 = also run the SQL reference).
--
-- AUC of the trained model and of the five heuristics on the split's
-- labelled test pairs (equal numbers of edges and non-edges).  The
-- heuristics are computed by linkpred_evaluate on the model's training
-- graph, so they see exactly the edges the model saw.

SELECT bench.evaluate('seal', :'graph', :split, 'seal_' || :'graph',
                      format('seal.%I', :'graph' || '_test_' || :split)::regclass,
                      'label', m, '{10,20}', 1, 'linkpred')
FROM unnest('{model,cn,jaccard,aa,ra,pa}'::text[]) WITH ORDINALITY AS x (m, o)
ORDER BY o;

-- the same with the plain-SQL reference, to cross-check linkpred_evaluate
SELECT bench.evaluate('seal', :'graph', :split, 'seal_' || :'graph',
                      format('seal.%I', :'graph' || '_test_' || :split)::regclass,
                      'label', m, '{10,20}', 1, 'sql')
FROM unnest('{model,cn,jaccard,aa,ra,pa}'::text[]) WITH ORDINALITY AS x (m, o)
WHERE :check = 1
ORDER BY o;
