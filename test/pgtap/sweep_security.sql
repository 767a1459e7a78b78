-- Security sweep, beyond permissions.sql: a model is private to its owner
-- role through every function and view, shared only by membership; the
-- caller's SELECT privilege and row-level security bound what training,
-- evaluation and fresh serving read; a hostile schema first on the
-- search_path (functions and operators named like the ones linkpred calls)
-- is never called by the serving functions or the training worker; and
-- every SECURITY DEFINER function pins its search_path.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
SELECT plan(39);

CREATE ROLE lp_sw_owner;
CREATE ROLE lp_sw_other;
CREATE ROLE lp_sw_member;
CREATE ROLE lp_sw_rls;
CREATE ROLE lp_sw_team;
GRANT lp_sw_team TO lp_sw_member;

CREATE TABLE events AS
SELECT u AS user_id, (u * 7 + i) % 30 AS item_id FROM generate_series(1, 40) u, generate_series(1, 5) i;
GRANT SELECT ON events TO lp_sw_owner, lp_sw_team;
CREATE TABLE other_events AS SELECT * FROM events;
GRANT SELECT ON other_events TO lp_sw_other;
CREATE TABLE recs (user_id int, item int, rank int, score float8);
GRANT ALL ON recs TO PUBLIC;

-- the owner's private model, and a team model
SET ROLE lp_sw_owner;
SELECT linkpred_train('private', 'events', 'user_id', 'item_id', options => '{"dim": 4, "epochs": 2, "seed": 1}') AS private_job \gset
RESET ROLE;
SET ROLE lp_sw_team;
SELECT linkpred_train('shared', 'events', 'user_id', 'item_id', options => '{"dim": 4, "epochs": 2, "seed": 1}') IS NOT NULL AS trained \gset
RESET ROLE;

-- another role: nothing of the private model through any function or view
SET ROLE lp_sw_other;
SELECT throws_ok($$SELECT * FROM linkpred_similar(8, 3, model => 'private')$$, '42501', NULL, 'other role: similar refused');
SELECT throws_ok($$SELECT * FROM linkpred_topk_many(ARRAY[1, 2], 3, model => 'private')$$, '42501', NULL, 'other role: topk_many refused');
SELECT throws_ok($$SELECT * FROM linkpred_topk_many(NULL::int[], 3, model => 'private')$$, '42501', NULL, 'other role: topk_many of every user refused');
SELECT throws_ok($$SELECT linkpred_heuristic(1, 8, 'cn', 'private')$$, '42501', NULL, 'other role: heuristic refused');
SELECT throws_ok($$SELECT * FROM linkpred_heuristic_topk(1, 3, 'cn', 'private')$$, '42501', NULL, 'other role: heuristic_topk refused');
SELECT throws_ok($$SELECT * FROM linkpred_evaluate('private', seed => 1)$$, '42501', NULL, 'other role: holdout evaluation refused');
SELECT throws_ok($$SELECT * FROM linkpred_evaluate('private', test => 'other_events')$$, '42501', NULL, 'other role: evaluation on its own pairs refused');
SELECT throws_ok($$SELECT linkpred_score(1, 8, model => 'private', fresh => true)$$, '42501', NULL, 'other role: fresh score refused');
SELECT throws_ok($$SELECT linkpred_materialize('private', 'recs')$$, '42704', NULL, 'other role: materialize sees no such model');
SELECT is((SELECT count(*)::int FROM recs), 0, 'and wrote nothing');
SELECT is((SELECT count(*)::int FROM linkpred.embeddings WHERE model = 'private'), 0, 'other role: the embeddings view shows none of its vectors');
SELECT is((SELECT count(*)::int FROM linkpred.versions WHERE model = 'private'), 0, 'other role: nor its versions');
SELECT is((SELECT count(*)::int FROM linkpred.jobs WHERE model = 'private'), 0, 'other role: nor its jobs');
SELECT is((SELECT count(*)::int FROM linkpred_cache_status() WHERE model = 'private'), 0, 'other role: nor its cached copies');
SELECT throws_ok($$SELECT * FROM linkpred.version_catalog$$, '42501', NULL, 'other role: the version catalog is private');
SELECT throws_ok($$SELECT * FROM linkpred.job_catalog$$, '42501', NULL, 'other role: the job catalog is private');
SELECT throws_ok($$SELECT * FROM linkpred.model_catalog$$, '42501', NULL, 'other role: the model catalog is private');
SELECT throws_ok($$SELECT nextval('linkpred.job_id_seq')$$, '42501', NULL, 'other role: the job id sequence is private');
SELECT throws_ok($$SELECT * FROM linkpred_evaluate('shared', test => 'events')$$, '42501', NULL, 'other role: not a member of the team: refused');
-- evaluating its own model on pairs it may not read
SELECT linkpred_train('mine', 'other_events', 'user_id', 'item_id', options => '{"dim": 4, "epochs": 1, "seed": 1}') IS NOT NULL AS trained \gset
SELECT throws_ok($$SELECT * FROM linkpred_evaluate('mine', test => 'events')$$, '42501', NULL, 'other role: evaluation reads the test relation with its own privileges');
RESET ROLE;

-- a member of the owner role uses the team model through every function
SET ROLE lp_sw_member;
SELECT ok((SELECT count(*) FROM linkpred_similar(8, 3, model => 'shared')) = 3, 'member: similar');
SELECT ok((SELECT count(*) FROM linkpred_topk_many(ARRAY[1, 2], 3, model => 'shared')) = 6, 'member: topk_many');
SELECT ok((SELECT count(*) FROM linkpred_evaluate('shared', test => 'events', k => '{5}')) > 0, 'member: evaluate');
SELECT ok((SELECT count(*) FROM linkpred.embeddings WHERE model = 'shared') > 0, 'member: the embeddings view');
RESET ROLE;

-- the owner loses SELECT on the source: fresh serving reads as the caller
REVOKE SELECT ON events FROM lp_sw_owner;
SET ROLE lp_sw_owner;
SELECT ok(linkpred_score(1, 8, model => 'private') IS NOT NULL, 'owner: stored embeddings still serve');
SELECT throws_ok($$SELECT linkpred_score(1, 8, model => 'private', fresh => true)$$, '42501', NULL,
                 'owner without SELECT on the source: fresh => true refused');
SELECT throws_ok($$SELECT linkpred_train('private', 'events', 'user_id', 'item_id')$$, '42501', NULL,
                 'owner without SELECT on the source: retraining refused');
RESET ROLE;

-- row-level security: the worker sees what the role sees
CREATE TABLE rls_events AS SELECT * FROM events;
ALTER TABLE rls_events ENABLE ROW LEVEL SECURITY;
CREATE POLICY even_users ON rls_events FOR SELECT TO lp_sw_rls USING (user_id % 2 = 0 AND item_id < 20);
GRANT SELECT ON rls_events TO lp_sw_rls;
SET ROLE lp_sw_rls;
SELECT linkpred_train('rls', 'rls_events', 'user_id', 'item_id', options => '{"dim": 4, "epochs": 1, "seed": 1}') IS NOT NULL AS trained \gset
SELECT is((SELECT count(*)::int FROM linkpred.embeddings WHERE model = 'rls' AND side = 'u' AND key::int % 2 = 1), 0,
          'RLS: no odd user reached the model');
SELECT is((SELECT count(*)::int FROM linkpred.embeddings WHERE model = 'rls' AND side = 'i' AND key::int >= 20), 0,
          'RLS: no item the policy hides reached the model');
SELECT is((SELECT n_edges::int FROM linkpred.models WHERE name = 'rls'),
          (SELECT count(DISTINCT (user_id, item_id))::int FROM rls_events), 'RLS: exactly the visible edges');
RESET ROLE;

-- a hostile schema first on the search_path, for this session and for new
-- connections to this database (the training worker's): each function and
-- operator logs its call
CREATE SCHEMA evil;
CREATE TABLE public.hijack_log (what text, at timestamptz DEFAULT pg_catalog.clock_timestamp());
GRANT INSERT, SELECT ON public.hijack_log TO PUBLIC;
GRANT USAGE ON SCHEMA evil TO PUBLIC;
CREATE FUNCTION evil.hashtext(text) RETURNS integer LANGUAGE sql
    AS $$ INSERT INTO public.hijack_log (what) VALUES ('hashtext') RETURNING 0 $$;
CREATE FUNCTION evil.pg_advisory_lock(integer, integer) RETURNS void LANGUAGE sql
    AS $$ INSERT INTO public.hijack_log (what) VALUES ('pg_advisory_lock') $$;
CREATE FUNCTION evil.pg_advisory_lock(bigint) RETURNS void LANGUAGE sql
    AS $$ INSERT INTO public.hijack_log (what) VALUES ('pg_advisory_lock') $$;
CREATE FUNCTION evil.clock_timestamp() RETURNS timestamptz LANGUAGE sql
    AS $$ INSERT INTO public.hijack_log (what) VALUES ('clock_timestamp') RETURNING pg_catalog.now() $$;
CREATE FUNCTION evil.now() RETURNS timestamptz LANGUAGE sql
    AS $$ INSERT INTO public.hijack_log (what) VALUES ('now') RETURNING pg_catalog.now() $$;
CREATE FUNCTION evil.jsonb_build_object(text, double precision) RETURNS jsonb LANGUAGE sql
    AS $$ INSERT INTO public.hijack_log (what) VALUES ('jsonb_build_object') RETURNING '{}'::pg_catalog.jsonb $$;
CREATE FUNCTION evil.jsonb_build_object(text, jsonb) RETURNS jsonb LANGUAGE sql
    AS $$ INSERT INTO public.hijack_log (what) VALUES ('jsonb_build_object') RETURNING '{}'::pg_catalog.jsonb $$;
CREATE FUNCTION evil.jsonb_build_object(text, text) RETURNS jsonb LANGUAGE sql
    AS $$ INSERT INTO public.hijack_log (what) VALUES ('jsonb_build_object') RETURNING '{}'::pg_catalog.jsonb $$;
CREATE FUNCTION evil.pg_has_role(oid, oid, text) RETURNS boolean LANGUAGE sql
    AS $$ INSERT INTO public.hijack_log (what) VALUES ('pg_has_role') RETURNING true $$;
CREATE FUNCTION evil.pg_has_role(oid, text) RETURNS boolean LANGUAGE sql
    AS $$ INSERT INTO public.hijack_log (what) VALUES ('pg_has_role') RETURNING true $$;
CREATE FUNCTION evil.eq_int(integer, integer) RETURNS boolean LANGUAGE sql
    AS $$ INSERT INTO public.hijack_log (what) VALUES ('= integer') RETURNING $1 OPERATOR(pg_catalog.=) $2 $$;
CREATE FUNCTION evil.eq_bigint(bigint, bigint) RETURNS boolean LANGUAGE sql
    AS $$ INSERT INTO public.hijack_log (what) VALUES ('= bigint') RETURNING $1 OPERATOR(pg_catalog.=) $2 $$;
CREATE FUNCTION evil.eq_text(text, text) RETURNS boolean LANGUAGE sql
    AS $$ INSERT INTO public.hijack_log (what) VALUES ('= text') RETURNING $1 OPERATOR(pg_catalog.=) $2 $$;
CREATE FUNCTION evil.eq_oid(oid, oid) RETURNS boolean LANGUAGE sql
    AS $$ INSERT INTO public.hijack_log (what) VALUES ('= oid') RETURNING $1 OPERATOR(pg_catalog.=) $2 $$;
CREATE FUNCTION evil.concat_jsonb(jsonb, jsonb) RETURNS jsonb LANGUAGE sql
    AS $$ INSERT INTO public.hijack_log (what) VALUES ('|| jsonb') RETURNING $1 OPERATOR(pg_catalog.||) $2 $$;
CREATE OPERATOR evil.= (LEFTARG = integer, RIGHTARG = integer, FUNCTION = evil.eq_int);
CREATE OPERATOR evil.= (LEFTARG = bigint, RIGHTARG = bigint, FUNCTION = evil.eq_bigint);
CREATE OPERATOR evil.= (LEFTARG = text, RIGHTARG = text, FUNCTION = evil.eq_text);
CREATE OPERATOR evil.= (LEFTARG = oid, RIGHTARG = oid, FUNCTION = evil.eq_oid);
CREATE OPERATOR evil.|| (LEFTARG = jsonb, RIGHTARG = jsonb, FUNCTION = evil.concat_jsonb);
-- the hostile objects work: a query that resolves through them logs
SET search_path = evil, pg_catalog, public;
SELECT 1 = 1 AS probe, hashtext('x') AS probe2 \gset
RESET search_path;
SELECT is((SELECT count(*)::int FROM hijack_log), 2, 'the hostile operator and function catch unqualified calls');
TRUNCATE hijack_log;

DO $$ BEGIN
    EXECUTE format('ALTER DATABASE %I SET search_path = evil, pg_catalog, public', current_database());
END $$;
CREATE TABLE hostile_results (what text, ok boolean);
SET search_path = evil, pg_catalog, public;
-- training (the worker connects afresh and gets the database's search_path),
-- retraining with a warm start, serving, evaluation, versions, materialize
SELECT linkpred_train('hostile', 'events', 'user_id', 'item_id', options => '{"dim": 4, "epochs": 2, "seed": 1}') AS h_job \gset
SELECT linkpred_train('hostile', 'events', 'user_id', 'item_id', options => '{"dim": 4, "epochs": 2, "seed": 2, "warm_start": true}') AS h_job2 \gset
INSERT INTO hostile_results SELECT 'score', linkpred_score(1, 8, model => 'hostile') IS NOT NULL;
INSERT INTO hostile_results SELECT 'fresh score', linkpred_score(1, 8, model => 'hostile', fresh => true) IS NOT NULL;
INSERT INTO hostile_results SELECT 'topk', count(*) > 0 FROM linkpred_topk(1, 3, model => 'hostile');
INSERT INTO hostile_results SELECT 'fresh topk', count(*) > 0 FROM linkpred_topk(1, 3, model => 'hostile', fresh => true);
INSERT INTO hostile_results SELECT 'similar', count(*) > 0 FROM linkpred_similar(8, 3, model => 'hostile');
INSERT INTO hostile_results SELECT 'topk_many', count(*) > 0 FROM linkpred_topk_many(ARRAY[1, 2], 3, model => 'hostile');
INSERT INTO hostile_results SELECT 'heuristic', linkpred_heuristic(1, 8, 'cn', 'hostile') IS NOT NULL;
INSERT INTO hostile_results SELECT 'evaluate', count(*) > 0 FROM linkpred_evaluate('hostile', test => 'events', k => '{5}');
INSERT INTO hostile_results SELECT 'holdout evaluate', count(*) > 0 FROM linkpred_evaluate('hostile', k => '{5}', seed => 1);
INSERT INTO hostile_results SELECT 'activate', linkpred_activate('hostile', 1);
INSERT INTO hostile_results SELECT 'materialize', linkpred_materialize('hostile', 'recs', k => 2);
INSERT INTO hostile_results SELECT 'cache_status', count(*) > 0 FROM linkpred_cache_status();
INSERT INTO hostile_results SELECT 'jobs view', count(*) > 0 FROM linkpred.jobs;
INSERT INTO hostile_results SELECT 'drop', linkpred_drop('hostile');
RESET search_path;
DO $$ BEGIN
    EXECUTE format('ALTER DATABASE %I RESET search_path', current_database());
END $$;
SELECT is((SELECT string_agg(what, ', ' ORDER BY what) FROM hostile_results WHERE ok IS NOT TRUE), NULL,
          'with the hostile search_path every call worked');
SELECT is((SELECT count(*)::int FROM hostile_results), 14, 'all fourteen of them');
SELECT is((SELECT state FROM linkpred.jobs WHERE id = :h_job2), 'done', 'the worker trained under the hostile search_path');
SELECT is((SELECT string_agg(DISTINCT what, ', ') FROM hijack_log), NULL,
          'no hostile function or operator was ever called');

-- SECURITY DEFINER functions pin their search_path; so do the non-C ones
SELECT is((SELECT string_agg(p.oid::regprocedure::text, ', ')
           FROM pg_proc p JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
           JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'linkpred'
           WHERE p.prosecdef AND NOT coalesce(p.proconfig::text LIKE '%search_path=pg_catalog%', false)), NULL,
          'every SECURITY DEFINER function of linkpred sets search_path = pg_catalog');
SELECT ok((SELECT count(*) FROM pg_proc p JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
           JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'linkpred' WHERE p.prosecdef) >= 1,
          'and there is at least one to check (linkpred.job_is_live)');
SELECT is((SELECT string_agg(p.oid::regprocedure::text, ', ')
           FROM pg_proc p JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
           JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'linkpred'
           JOIN pg_language l ON l.oid = p.prolang
           WHERE l.lanname <> 'c' AND NOT coalesce(p.proconfig::text LIKE '%search_path=pg_catalog%', false)), NULL,
          'every SQL and PL/pgSQL function of linkpred pins its search_path');
SELECT is((SELECT count(*)::int FROM pg_proc p JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
           JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'linkpred'
           WHERE p.prosecdef AND has_function_privilege('public', p.oid, 'EXECUTE')
             AND p.proname NOT IN ('job_is_live')), 0,
          'no other SECURITY DEFINER function is open to PUBLIC');

-- the roles are the cluster's: leave none behind
DROP OWNED BY lp_sw_owner, lp_sw_other, lp_sw_member, lp_sw_rls, lp_sw_team;
DROP ROLE lp_sw_owner, lp_sw_other, lp_sw_member, lp_sw_rls, lp_sw_team;

SELECT * FROM finish();
