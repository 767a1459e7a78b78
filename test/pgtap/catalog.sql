-- Catalog and privileges: storage private to the extension owner, views
-- readable by everyone (filtered per role), every function documented,
-- trained models kept by pg_dump.
\set ON_ERROR_STOP 1
SELECT plan(13);

SELECT has_schema('linkpred');
SELECT ok(NOT has_table_privilege('public', 'linkpred.' || t, 'SELECT')
          AND NOT has_table_privilege('public', 'linkpred.' || t, 'INSERT'),
          'PUBLIC can neither read nor write linkpred.' || t)
FROM unnest(ARRAY['model_catalog', 'version_catalog', 'embedding_store', 'job_catalog']) t;
SELECT ok(has_table_privilege('public', 'linkpred.' || v, 'SELECT'), 'PUBLIC can read linkpred.' || v)
FROM unnest(ARRAY['jobs', 'models', 'versions', 'embeddings']) v;
SELECT is((SELECT count(*)::int FROM pg_proc WHERE proname LIKE 'linkpred\_%'
           AND obj_description(oid, 'pg_proc') IS NULL), 0, 'every linkpred_* function has a comment');
SELECT is((SELECT count(*)::int FROM pg_proc WHERE proname LIKE 'linkpred\_%' AND prosecdef), 0,
          'no linkpred_* function is SECURITY DEFINER');
SELECT ok((SELECT prosecdef AND proconfig = '{search_path=pg_catalog}' FROM pg_proc
           WHERE oid = 'linkpred.job_is_live(integer, timestamptz)'::regprocedure),
          'the liveness helper (SECURITY DEFINER, so any role sees its own jobs'' state) pins search_path');
SELECT is((SELECT array_agg(c::regclass::text ORDER BY c::regclass::text COLLATE "C")
           FROM pg_extension, unnest(extconfig) c WHERE extname = 'linkpred'),
          ARRAY['linkpred.attribute_store', 'linkpred.embedding_store', 'linkpred.job_catalog',
                'linkpred.job_id_seq', 'linkpred.materializations', 'linkpred.model_catalog',
                'linkpred.version_catalog'],
          'pg_dump keeps the storage tables (attribute vectors included), materializations and the job sequence');

SELECT * FROM finish();
