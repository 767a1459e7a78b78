-- linkpred 0.1.0 -> 0.2.0.
--
-- Everything 0.2.0 installs that 0.1.0 did not: comments on the private
-- tables and the sequence, linkpred_materialize refusing up front on a
-- standby, and slices of the users in linkpred_topk_many and
-- linkpred_materialize (with linkpred_shard), linkpred_citus_setup, the
-- name copies of the catalog's references (owner, source, key types) that a
-- Citus worker reads, linkpred.attribute_store, and fresh_items of
-- linkpred_score, _topk and _similar.  test/shell/upgrade.sh checks that an
-- upgraded 0.1.0 holds the same objects as a fresh 0.2.0.

\echo Use "ALTER EXTENSION linkpred UPDATE TO '0.2.0'" to load this file. \quit

COMMENT ON TABLE linkpred.model_catalog IS
'linkpred''s private store of models: one row per model name, its owner and active version (read linkpred.models)';
COMMENT ON TABLE linkpred.version_catalog IS
'linkpred''s private store of model versions: sizes, options, metrics, decoder weights, top-k index (read linkpred.versions)';
-- linkpred.embedding_store: a row per chunk of up to 1024 nodes of a side
-- (LP_STORE_CHUNK, src/catalog/store.h) instead of a row per node, so that
-- serving reads a large version in a few rows; linkpred.embeddings shows a
-- row per node as before.  0.1.0's rows become chunks of idx / 1024, held
-- aside while the table changes its columns in place (it keeps its OID, so
-- pg_dump's list of configuration tables and its privileges stay as they
-- are).
DROP VIEW linkpred.embeddings;
CREATE TEMP TABLE embedding_chunks ON COMMIT DROP AS
SELECT model, version, side, pg_catalog.min(idx) AS idx,
       pg_catalog.array_agg(key ORDER BY idx) AS keys,
       pg_catalog.array_agg(degree ORDER BY idx) AS degrees,
       pg_catalog.array_agg(bias ORDER BY idx) AS biases,
       -- the chunk's vectors, one after another (array_agg of equal-length
       -- arrays is two-dimensional; unnest reads it row by row)
       ARRAY(SELECT pg_catalog.unnest(pg_catalog.array_agg(vec ORDER BY idx))) AS vecs,
       CASE WHEN side <> 'i' THEN
           coalesce(pg_catalog.string_to_array(
                        pg_catalog.string_agg(nullif(pg_catalog.array_to_string(seen, ','), ''), ','
                                              ORDER BY idx), ',')::integer[], '{}')
       END AS seen,
       CASE WHEN side <> 'i' THEN pg_catalog.array_agg(seen_end ORDER BY idx) END AS seen_ends
FROM (SELECT e.*,
             (pg_catalog.sum(coalesce(pg_catalog.cardinality(e.seen), 0))
                  OVER (PARTITION BY e.model, e.version, e.side, e.idx / 1024 ORDER BY e.idx))::integer
                 AS seen_end
      FROM linkpred.embedding_store e) r
GROUP BY model, version, side, idx / 1024;
TRUNCATE linkpred.embedding_store;
ALTER TABLE linkpred.embedding_store
    DROP COLUMN key, DROP COLUMN degree, DROP COLUMN bias, DROP COLUMN vec, DROP COLUMN seen,
    ADD COLUMN keys text[] NOT NULL, ADD COLUMN degrees integer[] NOT NULL,
    ADD COLUMN biases real[] NOT NULL, ADD COLUMN vecs real[] NOT NULL,
    ADD COLUMN seen integer[], ADD COLUMN seen_ends integer[], ADD COLUMN nodes integer[];
-- Vectors do not compress: spare every store the attempt, and serving the
-- decompression.
ALTER TABLE linkpred.embedding_store ALTER COLUMN vecs SET STORAGE EXTERNAL;
INSERT INTO linkpred.embedding_store
    (model, version, side, idx, keys, degrees, biases, vecs, seen, seen_ends)
SELECT model, version, side, idx, keys, degrees, biases, vecs, seen, seen_ends
FROM embedding_chunks;
DROP TABLE embedding_chunks;
COMMENT ON TABLE linkpred.embedding_store IS
'linkpred''s private store of node vectors: one row per version, side and chunk of nodes (read linkpred.embeddings)';

CREATE FUNCTION linkpred.embedding_nodes(idx integer, keys text[], degrees integer[],
                                         biases real[], vecs real[], seen integer[],
                                         seen_ends integer[], nodes integer[] DEFAULT NULL,
                                         OUT idx integer, OUT key text, OUT degree integer,
                                         OUT bias real, OUT vec real[], OUT seen integer[])
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'linkpred_embedding_nodes'
LANGUAGE C IMMUTABLE PARALLEL SAFE
ROWS 1024;
COMMENT ON FUNCTION linkpred.embedding_nodes(integer, text[], integer[], real[], real[], integer[], integer[], integer[]) IS
'internal: the nodes of one chunk of linkpred.embedding_store, a row each (linkpred.embeddings)';

CREATE VIEW linkpred.embeddings WITH (security_barrier) AS
SELECT e.model, e.version, e.side, n.idx, n.key, n.degree, n.bias, n.vec
FROM linkpred.embedding_store e
JOIN linkpred.model_catalog m ON m.name = e.model
CROSS JOIN LATERAL linkpred.embedding_nodes(e.idx, e.keys, e.degrees, e.biases, e.vecs,
                                            NULL, NULL, e.nodes) n
WHERE pg_catalog.pg_has_role(m.owner, 'USAGE');
COMMENT ON VIEW linkpred.embeddings IS 'node embeddings (key as text, side u/i/n) of the models you can see';

GRANT SELECT ON linkpred.embeddings TO PUBLIC;

COMMENT ON SEQUENCE linkpred.job_id_seq IS 'ids of linkpred training jobs';
COMMENT ON TABLE linkpred.job_catalog IS
'linkpred''s private record of training jobs, written by the workers (read linkpred.jobs)';

-- linkpred_topk_many and linkpred_materialize take a slice of the users
-- (shard, shards): new signatures, so the old ones go
DROP FUNCTION linkpred_topk_many(anyarray, integer, text, boolean);
DROP FUNCTION linkpred_materialize(text, regclass, integer, boolean, boolean);

CREATE FUNCTION linkpred_topk_many(users anyarray, k integer, model text DEFAULT NULL,
                                   exclude_seen boolean DEFAULT true,
                                   shard integer DEFAULT NULL, shards integer DEFAULT NULL)
RETURNS TABLE (user_id anyelement, item anyelement, rank integer, score double precision)
AS 'MODULE_PATHNAME', 'linkpred_topk_many'
LANGUAGE C STABLE PARALLEL RESTRICTED
ROWS 1000;
COMMENT ON FUNCTION linkpred_topk_many(anyarray, integer, text, boolean, integer, integer) IS
'top-k for many users at once (users NULL: every user of the model), blockwise matrix products; with shard => s, shards => n only the users of slice s of n (linkpred_shard)';

-- Which slice of a split batch a user key falls in: the same on every
-- server and platform (SplitMix64 of an integer key, of the FNV-1a hash of
-- a text key).
CREATE FUNCTION linkpred_shard(key anyelement, shards integer)
RETURNS integer
AS 'MODULE_PATHNAME', 'linkpred_shard'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION linkpred_shard(anyelement, integer) IS
'the slice (0 to shards - 1) a user key falls in when linkpred_topk_many or linkpred_materialize split their users into shards slices';

CREATE FUNCTION linkpred_materialize(model text, target regclass, k integer DEFAULT 20,
                                     exclude_seen boolean DEFAULT true,
                                     only_if_newer boolean DEFAULT false,
                                     shard integer DEFAULT NULL, shards integer DEFAULT NULL)
RETURNS boolean
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    m record;
    ucol name;
BEGIN
    IF model IS NULL OR target IS NULL OR k IS NULL THEN
        RAISE EXCEPTION 'argument "%" of linkpred_materialize must not be NULL',
            CASE WHEN model IS NULL THEN 'model' WHEN target IS NULL THEN 'target' ELSE 'k' END
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF (shard IS NULL) <> (shards IS NULL) THEN
        RAISE EXCEPTION 'linkpred_materialize needs both shard and shards, or neither'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('shard is %s and shards is %s.', coalesce(shard::text, 'NULL'), coalesce(shards::text, 'NULL')),
                  HINT = 'Pass shard => s, shards => n with 0 <= s < n to compute slice s of n; leave both out for every user.';
    END IF;
    IF shards < 1 THEN
        RAISE EXCEPTION 'shards must be at least 1, not %', shards
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'linkpred_materialize splits the users into shards slices, numbered 0 to shards - 1.',
                  HINT = 'Pass shard => s, shards => n with 0 <= s < n to compute slice s of n; leave both out for every user.';
    END IF;
    IF shard < 0 OR shard >= shards THEN
        RAISE EXCEPTION 'shard % is out of range for % shards', shard, shards
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('The slices of %s shards are numbered 0 to %s.', shards, shards - 1),
                  HINT = 'Pass shard => s, shards => n with 0 <= s < n to compute slice s of n; leave both out for every user.';
    END IF;
    IF shards IS NOT NULL AND only_if_newer THEN
        RAISE EXCEPTION 'linkpred_materialize cannot combine only_if_newer with a slice'
            USING ERRCODE = 'feature_not_supported',
                  DETAIL = 'A slice replaces only its own users'' rows, so the table as a whole holds no one version and linkpred.materializations does not record it.',
                  HINT = 'Compare linkpred.models.active_version with the version you last materialized yourself, or refresh the whole table without a slice.';
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
                  HINT = 'Run it on the primary server; replication brings the change here. A standby computes its slice with linkpred_topk_many(..., shard => s, shards => n).';
    END IF;
    IF only_if_newer AND EXISTS (
        SELECT 1 FROM linkpred.materializations x
        WHERE x.target = linkpred_materialize.target AND x.owner = current_user::regrole
          AND x.model = m.name AND x.version = m.active_version) THEN
        RETURN false;
    END IF;
    -- replace the contents in this transaction: readers see the old rows
    -- until it commits; a slice replaces only the rows of its users (the
    -- target's first column), so sessions may fill their slices at once
    IF shards IS NULL THEN
        EXECUTE format('DELETE FROM %s', target);
    ELSE
        SELECT a.attname INTO ucol FROM pg_attribute a
        WHERE a.attrelid = target AND a.attnum > 0 AND NOT a.attisdropped
        ORDER BY a.attnum LIMIT 1;
        EXECUTE format('DELETE FROM %s WHERE @extschema@.linkpred_shard(%I::%s, $1) = $2',
                       target, ucol, m.user_type)
            USING shards, shard;
    END IF;
    IF m.user_type = m.item_type
       OR (m.user_type IN ('int2', 'int4', 'int8') AND m.item_type IN ('int2', 'int4', 'int8')) THEN
        EXECUTE format('INSERT INTO %s SELECT * FROM @extschema@.linkpred_topk_many(NULL::%s[], $1, $2, $3, $4, $5)',
                       target, m.user_type)
            USING k, model, exclude_seen, shard, shards;
    ELSE
        -- users and items of different kinds: through text, each cast back
        EXECUTE format('INSERT INTO %s SELECT user_id::%s, item::%s, rank, score'
                       ' FROM @extschema@.linkpred_topk_many(NULL::text[], $1, $2, $3, $4, $5)',
                       target, m.user_type, m.item_type)
            USING k, model, exclude_seen, shard, shards;
    END IF;
    IF shards IS NULL THEN
        INSERT INTO linkpred.materializations AS x (target, model, version)
        VALUES (linkpred_materialize.target, m.name, m.active_version)
        ON CONFLICT ON CONSTRAINT materializations_pkey DO UPDATE
            SET model = excluded.model, version = excluded.version, refreshed_at = pg_catalog.now();
    END IF;
    RETURN true;
END
$fn$;
COMMENT ON FUNCTION linkpred_materialize(text, regclass, integer, boolean, boolean, integer, integer) IS
'replace the rows of a table (user_id, item, rank, score) with top-k for every user; with only_if_newer, only when a newer version serves; with shard => s, shards => n only the rows of slice s''s users';

-- The catalog's references by name, beside their OIDs (a Citus worker
-- reads these, src/catalog/citus.c), filled from the OIDs; a role or type
-- that no longer exists keeps its OID as its name.
ALTER TABLE linkpred.model_catalog
    ADD COLUMN owner_name text, ADD COLUMN source_name text,
    ADD COLUMN user_type_name text, ADD COLUMN item_type_name text;
ALTER TABLE linkpred.version_catalog
    ADD COLUMN source_name text, ADD COLUMN user_type_name text, ADD COLUMN item_type_name text;
CREATE FUNCTION linkpred.upgrade_type_name(t regtype) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT coalesce((SELECT pg_catalog.format('%I.%I', n.nspname, y.typname)
                     FROM pg_catalog.pg_type y JOIN pg_catalog.pg_namespace n ON n.oid = y.typnamespace
                     WHERE y.oid = $1), $1::pg_catalog.oid::pg_catalog.text)
$$;
CREATE FUNCTION linkpred.upgrade_rel_name(r regclass) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT pg_catalog.format('%I.%I', n.nspname, c.relname)
    FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE c.oid = $1
$$;
UPDATE linkpred.model_catalog SET
    owner_name = coalesce((SELECT pg_catalog.quote_ident(r.rolname) FROM pg_catalog.pg_roles r
                           WHERE r.oid = owner), owner::pg_catalog.oid::pg_catalog.text),
    source_name = linkpred.upgrade_rel_name(source),
    user_type_name = linkpred.upgrade_type_name(user_type),
    item_type_name = linkpred.upgrade_type_name(item_type);
UPDATE linkpred.version_catalog SET
    source_name = linkpred.upgrade_rel_name(source),
    user_type_name = linkpred.upgrade_type_name(user_type),
    item_type_name = linkpred.upgrade_type_name(item_type);
DROP FUNCTION linkpred.upgrade_type_name(regtype);
DROP FUNCTION linkpred.upgrade_rel_name(regclass);
ALTER TABLE linkpred.model_catalog
    ALTER COLUMN owner_name SET NOT NULL,
    ALTER COLUMN user_type_name SET NOT NULL, ALTER COLUMN item_type_name SET NOT NULL;
ALTER TABLE linkpred.version_catalog
    ALTER COLUMN user_type_name SET NOT NULL, ALTER COLUMN item_type_name SET NOT NULL;

-- linkpred.models and linkpred.versions read their rows through functions
-- that read the private tables as the extension owner and keep the rows of
-- models whose owner role the caller has the privileges of (src/catalog/
-- views.c): a plain view's tables are checked against the querying role
-- once linkpred_citus_setup() has made them Citus reference tables.  On a
-- Citus worker they read the owner, source and key types by name.
CREATE FUNCTION linkpred.model_rows(OUT name text, OUT owner regrole, OUT active_version integer,
                                    OUT source regclass, OUT src_column name, OUT dst_column name,
                                    OUT weight_column name, OUT user_type regtype, OUT item_type regtype,
                                    OUT options jsonb, OUT n_users bigint, OUT n_items bigint,
                                    OUT n_edges bigint, OUT dim integer, OUT trained_at timestamptz,
                                    OUT metrics jsonb)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'linkpred_model_rows'
LANGUAGE C STABLE PARALLEL RESTRICTED
ROWS 10;
COMMENT ON FUNCTION linkpred.model_rows() IS
'internal: the rows of linkpred.models (the models of the roles you have the privileges of)';

CREATE FUNCTION linkpred.version_rows(OUT model text, OUT version integer, OUT active boolean,
                                      OUT job_id bigint, OUT created_at timestamptz, OUT dim integer,
                                      OUT n_users bigint, OUT n_items bigint, OUT n_edges bigint,
                                      OUT options jsonb, OUT metrics jsonb, OUT decoder real[])
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'linkpred_version_rows'
LANGUAGE C STABLE PARALLEL RESTRICTED
ROWS 10;
COMMENT ON FUNCTION linkpred.version_rows() IS
'internal: the rows of linkpred.versions (the versions of the models you can see)';

CREATE OR REPLACE VIEW linkpred.models WITH (security_barrier) AS
SELECT name, owner, active_version, source, src_column, dst_column, weight_column,
       user_type, item_type, options, n_users, n_items, n_edges, dim, trained_at, metrics
FROM linkpred.model_rows();
COMMENT ON VIEW linkpred.models IS 'trained models: source, active version, sizes, options, metrics';

CREATE OR REPLACE VIEW linkpred.versions WITH (security_barrier) AS
SELECT model, version, active, job_id, created_at, dim, n_users, n_items, n_edges,
       options, metrics, decoder
FROM linkpred.version_rows();
COMMENT ON VIEW linkpred.versions IS 'every stored version of every model you can see';

-- Citus (opt-in): the serving tables become reference tables, a copy on
-- every node, so a query Citus pushes to its workers finds the models there.
-- Run once on the coordinator, after citus_add_node for every worker.
CREATE FUNCTION linkpred_citus_setup()
RETURNS text[]
LANGUAGE plpgsql
SET search_path = pg_catalog
AS $fn$
DECLARE
    t text;
    done text[] := '{}';
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus') THEN
        RAISE EXCEPTION 'the citus extension is not installed in this database'
            USING ERRCODE = 'feature_not_supported',
                  DETAIL = 'linkpred_citus_setup() makes linkpred''s serving tables Citus reference tables.',
                  HINT = 'Preload citus (shared_preload_libraries), CREATE EXTENSION citus and add the workers, then call it again.';
    END IF;
    IF NOT (SELECT citus_is_coordinator()) THEN
        RAISE EXCEPTION 'linkpred_citus_setup() runs on the Citus coordinator only'
            USING ERRCODE = 'feature_not_supported',
                  DETAIL = 'This node is not the coordinator of its Citus cluster.',
                  HINT = 'Call it on the coordinator; it copies the tables to every worker.';
    END IF;
    -- With version_catalog's and attribute_store's foreign keys in place,
    -- Citus would convert the whole foreign-key graph at once and drop and
    -- recreate the views on it, which an extension's views refuse (and meet
    -- the workers' own copy of attribute_store): the keys go, the tables
    -- convert one by one, and the keys come back between the reference
    -- tables.  The workers' own copies of the extension hold the keys too.
    FOREACH t IN ARRAY ARRAY['version_catalog.version_catalog_model_fkey',
                             'attribute_store.attribute_store_model_version_fkey'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_dist_partition
                       WHERE logicalrelid = ('linkpred.' || split_part(t, '.', 1))::regclass) THEN
            EXECUTE format('ALTER TABLE linkpred.%I DROP CONSTRAINT %I',
                           split_part(t, '.', 1), split_part(t, '.', 2));
            PERFORM run_command_on_workers(format('ALTER TABLE linkpred.%I DROP CONSTRAINT IF EXISTS %I',
                                                  split_part(t, '.', 1), split_part(t, '.', 2)));
        END IF;
    END LOOP;
    FOREACH t IN ARRAY ARRAY['model_catalog', 'version_catalog', 'embedding_store', 'attribute_store'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_dist_partition
                       WHERE logicalrelid = ('linkpred.' || t)::regclass) THEN
            PERFORM create_reference_table(('linkpred.' || t)::regclass);
            done := done || t;
        END IF;
    END LOOP;
    IF 'version_catalog' = ANY (done) THEN
        ALTER TABLE linkpred.version_catalog ADD CONSTRAINT version_catalog_model_fkey
            FOREIGN KEY (model) REFERENCES linkpred.model_catalog (name)
            ON UPDATE CASCADE ON DELETE CASCADE;
    END IF;
    IF 'attribute_store' = ANY (done) THEN
        ALTER TABLE linkpred.attribute_store ADD CONSTRAINT attribute_store_model_version_fkey
            FOREIGN KEY (model, version) REFERENCES linkpred.version_catalog (model, version)
            ON UPDATE CASCADE ON DELETE CASCADE;
    END IF;
    -- a shard query on a worker that calls linkpred reads the catalog, a
    -- reference table, and Citus refuses that nested read unless allowed;
    -- for this database on every node, from the next session on
    PERFORM run_command_on_all_nodes(format(
        'ALTER DATABASE %I SET citus.allow_nested_distributed_execution = on', current_database()));
    RETURN done;
END
$fn$;
COMMENT ON FUNCTION linkpred_citus_setup() IS
'Citus, on the coordinator: make linkpred''s serving tables (models, versions, embeddings, attribute vectors) reference tables so queries pushed to workers serve; returns the tables it converted';
REVOKE EXECUTE ON FUNCTION linkpred_citus_setup() FROM PUBLIC;

-- What composing a node from its attributes needs (options item_features,
-- user_features), one row per attribute of a version: its side, the column
-- it comes from, for a categorical value its text, for a numeric or vector
-- term the mean, sd and scale that turned a raw value into its weight
-- (clip((x - mean) / sd, -3, 3) * scale), and its learnt vector and bias.
-- A version trained without attributes has no rows.  Deleted with its
-- version (the few rows per version make the foreign key cheap).
CREATE TABLE linkpred.attribute_store (
    model      text NOT NULL,
    version    integer NOT NULL,
    idx        integer NOT NULL,
    side       "char" NOT NULL CHECK (side IN ('u', 'i')),
    kind       "char" NOT NULL CHECK (kind IN ('c', 'n')),
    column_name text NOT NULL,
    value      text,
    component  integer NOT NULL DEFAULT 0,
    mean       double precision,
    sd         double precision,
    scale      double precision,
    bias       real NOT NULL,
    vec        real[] NOT NULL,
    PRIMARY KEY (model, version, idx),
    FOREIGN KEY (model, version) REFERENCES linkpred.version_catalog (model, version)
        ON UPDATE CASCADE ON DELETE CASCADE
);
COMMENT ON TABLE linkpred.attribute_store IS
'linkpred''s private store of learnt attribute vectors and their standardisation: one row per version and attribute';
REVOKE ALL ON linkpred.attribute_store FROM PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('linkpred.attribute_store', '');

-- linkpred_score, linkpred_topk and linkpred_similar take fresh_items (items
-- added to the item_features relation since training): new signatures, so
-- the old ones go
DROP FUNCTION linkpred_score("any", "any", text, boolean);
DROP FUNCTION linkpred_topk(anyelement, integer, text, boolean, boolean, "any", "any");
DROP FUNCTION linkpred_similar(anyelement, integer, text);

CREATE FUNCTION linkpred_score(u "any", v "any", model text DEFAULT NULL,
                               fresh boolean DEFAULT false,
                               fresh_items boolean DEFAULT false)
RETURNS double precision
AS 'MODULE_PATHNAME', 'linkpred_score'
LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION linkpred_score("any", "any", text, boolean, boolean) IS
'score of the pair (u, v) under a model: higher means the edge is more likely; NULL for an unknown node; fresh_items => true composes an item added since training from its attributes';

CREATE FUNCTION linkpred_topk(u anyelement, k integer, model text DEFAULT NULL,
                              exclude_seen boolean DEFAULT true,
                              fresh boolean DEFAULT false,
                              candidates "any" DEFAULT NULL,
                              exclude "any" DEFAULT NULL,
                              fresh_items boolean DEFAULT false)
RETURNS TABLE (item anyelement, score double precision)
AS 'MODULE_PATHNAME', 'linkpred_topk'
LANGUAGE C STABLE PARALLEL RESTRICTED
ROWS 10;
COMMENT ON FUNCTION linkpred_topk(anyelement, integer, text, boolean, boolean, "any", "any", boolean) IS
'the k best items for user u, best first; items u already has are excluded unless exclude_seen is false; fresh => true uses u''s current rows; candidates / exclude filter while scoring; fresh_items => true also ranks items added since training, composed from their attributes';

CREATE FUNCTION linkpred_similar(item anyelement, k integer, model text DEFAULT NULL,
                                 fresh_items boolean DEFAULT false)
RETURNS TABLE (similar_item anyelement, score double precision)
AS 'MODULE_PATHNAME', 'linkpred_similar'
LANGUAGE C STABLE PARALLEL RESTRICTED
ROWS 10;
COMMENT ON FUNCTION linkpred_similar(anyelement, integer, text, boolean) IS
'the k items most similar to item (cosine similarity of the item embeddings), best first; fresh_items => true also composes items added since training from their attributes';
