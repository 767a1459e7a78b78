-- linkpred 0.1.0 -> 0.2.0.
--
-- Everything 0.2.0 installs that 0.1.0 did not: comments on the private
-- tables and the sequence, and linkpred_materialize refusing up front on a
-- standby.  test/shell/upgrade.sh checks that an upgraded 0.1.0 holds the
-- same objects as a fresh 0.2.0.

\echo Use "ALTER EXTENSION linkpred UPDATE TO '0.2.0'" to load this file. \quit

COMMENT ON TABLE linkpred.model_catalog IS
'linkpred''s private store of models: one row per model name, its owner and active version (read linkpred.models)';
COMMENT ON TABLE linkpred.version_catalog IS
'linkpred''s private store of model versions: sizes, options, metrics, decoder weights, top-k index (read linkpred.versions)';
COMMENT ON TABLE linkpred.embedding_store IS
'linkpred''s private store of node vectors: one row per version, side and node (read linkpred.embeddings)';
COMMENT ON SEQUENCE linkpred.job_id_seq IS 'ids of linkpred training jobs';
COMMENT ON TABLE linkpred.job_catalog IS
'linkpred''s private record of training jobs, written by the workers (read linkpred.jobs)';

CREATE OR REPLACE FUNCTION linkpred_materialize(model text, target regclass, k integer DEFAULT 20,
                                     exclude_seen boolean DEFAULT true,
                                     only_if_newer boolean DEFAULT false)
RETURNS boolean
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    m record;
BEGIN
    IF model IS NULL OR target IS NULL OR k IS NULL THEN
        RAISE EXCEPTION 'argument "%" of linkpred_materialize must not be NULL',
            CASE WHEN model IS NULL THEN 'model' WHEN target IS NULL THEN 'target' ELSE 'k' END
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    -- the rows are replaced with DELETE: never a system catalog, a view or
    -- a sequence, whoever calls
    IF NOT EXISTS (SELECT 1 FROM pg_class c
                   WHERE c.oid = target AND c.relkind IN ('r', 'p', 'f')
                     AND c.relnamespace <> 'pg_catalog'::regnamespace
                     AND c.relnamespace <> 'information_schema'::regnamespace
                     AND c.relnamespace <> 'linkpred'::regnamespace) THEN
        RAISE EXCEPTION '% is not a table linkpred_materialize can fill', target
            USING ERRCODE = 'wrong_object_type',
                  DETAIL = 'The target must be a table of your own, outside pg_catalog, information_schema and linkpred.',
                  HINT = 'CREATE TABLE recs (user_id ..., item ..., rank integer, score double precision) and pass it.';
    END IF;
    SELECT x.name, x.active_version, x.user_type, x.item_type INTO m
    FROM linkpred.models x WHERE x.name = linkpred_materialize.model;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'linkpred model "%" does not exist', model
            USING ERRCODE = 'undefined_object',
                  HINT = 'See linkpred.models for the models you can use.';
    END IF;
    -- before any write, so a standby says where to run it
    IF pg_catalog.pg_is_in_recovery() THEN
        RAISE EXCEPTION 'cannot run linkpred_materialize() on a standby server'
            USING ERRCODE = 'read_only_sql_transaction',
                  DETAIL = 'linkpred_materialize() writes to its target table and linkpred''s catalog, and a server in recovery accepts no writes.',
                  HINT = 'Run it on the primary server; replication brings the change here.';
    END IF;
    IF only_if_newer AND EXISTS (
        SELECT 1 FROM linkpred.materializations x
        WHERE x.target = linkpred_materialize.target AND x.owner = current_user::regrole
          AND x.model = m.name AND x.version = m.active_version) THEN
        RETURN false;
    END IF;
    -- replace the contents in this transaction: readers see the old rows
    -- until it commits
    EXECUTE format('DELETE FROM %s', target);
    IF m.user_type = m.item_type
       OR (m.user_type IN ('int2', 'int4', 'int8') AND m.item_type IN ('int2', 'int4', 'int8')) THEN
        EXECUTE format('INSERT INTO %s SELECT * FROM @extschema@.linkpred_topk_many(NULL::%s[], $1, $2, $3)',
                       target, m.user_type)
            USING k, model, exclude_seen;
    ELSE
        -- users and items of different kinds: through text, each cast back
        EXECUTE format('INSERT INTO %s SELECT user_id::%s, item::%s, rank, score'
                       ' FROM @extschema@.linkpred_topk_many(NULL::text[], $1, $2, $3)',
                       target, m.user_type, m.item_type)
            USING k, model, exclude_seen;
    END IF;
    INSERT INTO linkpred.materializations AS x (target, model, version)
    VALUES (linkpred_materialize.target, m.name, m.active_version)
    ON CONFLICT ON CONSTRAINT materializations_pkey DO UPDATE
        SET model = excluded.model, version = excluded.version, refreshed_at = pg_catalog.now();
    RETURN true;
END
$fn$;
