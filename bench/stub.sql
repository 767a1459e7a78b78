-- stub.sql: a stand-in linkpred_evaluate, loaded by run.sh only when the
-- installed extension does not have the function yet.
--
-- It forwards to the plain-SQL reference (reference.sql), so the harness,
-- its data loading, splits, timings and report can be exercised before the
-- real function lands.  RESULTS.md says so in its header when it was used,
-- and the cross-check section is then skipped: it would compare the
-- reference with itself.  The holdout arguments are accepted for the
-- sake of the signature but not implemented (the reference needs explicit
-- test pairs), nor are ranking metrics for heuristics.

CREATE FUNCTION linkpred_evaluate(model text,
                                  test regclass DEFAULT NULL,
                                  label text DEFAULT NULL,
                                  method text DEFAULT 'model',
                                  k integer[] DEFAULT '{10,20}',
                                  holdout text DEFAULT 'random',
                                  fraction double precision DEFAULT 0.1,
                                  leave_out integer DEFAULT 1,
                                  time_column text DEFAULT NULL,
                                  cut timestamptz DEFAULT NULL,
                                  seed bigint DEFAULT NULL)
RETURNS TABLE (metric text, k integer, value double precision)
LANGUAGE sql AS $$
    SELECT e.metric, e.at_k, e.value
    FROM bench.evaluate_sql(model, test, label, method, k, seed) e
$$;
COMMENT ON FUNCTION linkpred_evaluate(text, regclass, text, text, integer[], text, double precision, integer, text, timestamptz, bigint) IS
'bench stand-in for the extension''s linkpred_evaluate: forwards to bench.evaluate_sql';
