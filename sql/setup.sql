-- The extension installs cleanly and exposes its functions and views.
CREATE EXTENSION linkpred;
SELECT p.proname, pg_catalog.pg_get_function_arguments(p.oid) AS arguments,
       pg_catalog.pg_get_function_result(p.oid) AS result
FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
WHERE p.proname LIKE 'linkpred\_%' ORDER BY 1;
SELECT c.relname, c.relkind FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'linkpred' AND c.relkind IN ('r', 'v', 'S') ORDER BY 1;
SHOW linkpred.model;
