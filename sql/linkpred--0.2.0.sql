-- linkpred 0.2.0 install script (0.1.0 upgrades with linkpred--0.1.0--0.2.0.sql;
-- keep the two in step: test/shell/upgrade.sh compares what each installs).
--
-- Storage lives in schema "linkpred": private *_catalog / *_store tables that
-- only the extension owner (a superuser) can read or write, and views over
-- them that show each role the models and jobs it has the privileges of.
-- The C code writes the tables as the extension owner after its own checks;
-- users never write them directly.  The SQL functions (linkpred_*) live in
-- the schema CREATE EXTENSION installs into, so they are callable unqualified.

\echo Use "CREATE EXTENSION linkpred" to load this file. \quit

CREATE SCHEMA linkpred;
COMMENT ON SCHEMA linkpred IS 'linkpred storage: models, versions, embeddings, training jobs';

-- A model is a name plus the relation it is trained from; each training
-- makes a new version and the active one serves.
CREATE TABLE linkpred.model_catalog (
    name            text PRIMARY KEY,
    owner           regrole NOT NULL,
    active_version  integer,
    source          regclass,
    src_column      name NOT NULL,
    dst_column      name NOT NULL,
    weight_column   name,
    user_type       regtype NOT NULL,
    item_type       regtype NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT pg_catalog.now(),
    -- owner, source and the key types again, by name (quoted, the source and
    -- the types schema-qualified): a Citus worker's copy of this table reads
    -- these, where the OIDs above name the coordinator's objects
    -- (src/catalog/citus.c); everywhere else the OIDs, which follow a rename
    -- (source NULL: a table the Citus workers lack, kept by name only)
    owner_name      text NOT NULL,
    source_name     text,
    user_type_name  text NOT NULL,
    item_type_name  text NOT NULL
);
COMMENT ON TABLE linkpred.model_catalog IS
'linkpred''s private store of models: one row per model name, its owner and active version (read linkpred.models)';

CREATE TABLE linkpred.version_catalog (
    model       text NOT NULL REFERENCES linkpred.model_catalog (name)
                    ON UPDATE CASCADE ON DELETE CASCADE,
    version     integer NOT NULL,
    job_id      bigint NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
    dim         integer NOT NULL,
    n_users     bigint NOT NULL,
    n_items     bigint NOT NULL,
    n_edges     bigint NOT NULL,
    options     jsonb NOT NULL,
    metrics     jsonb NOT NULL DEFAULT '{}',
    -- what this version was trained from; activating it restores these
    source          regclass,
    src_column      name NOT NULL,
    dst_column      name NOT NULL,
    weight_column   name,
    user_type       regtype NOT NULL,
    item_type       regtype NOT NULL,
    -- the structural decoder head (src/kernels/head.h): mean, scale and
    -- weight of each feature, the bias, then the features' format
    -- (LP_HEAD_FORMAT; absent in heads stored by 0.1.0); NULL = the plain
    -- embedding score
    head            real[],
    -- the decoder's learnt weights: for "bilinear" the relation matrix R,
    -- dim x dim, row-major (src/train.h); for "mlp" W1, b1, w2, b2 in the
    -- layout of src/mlp.h; NULL = the dot product
    decoder         real[],
    -- the approximate top-k index of the items (src/ann.h), built when the
    -- model has at least linkpred.ann_min_items items and no head; NULL =
    -- top-k is always exact
    ann             bytea,
    -- source and key types by name, as in model_catalog
    source_name     text,
    user_type_name  text NOT NULL,
    item_type_name  text NOT NULL,
    PRIMARY KEY (model, version)
);
-- The index's 4-bit codes do not compress: spare every store the attempt.
ALTER TABLE linkpred.version_catalog ALTER COLUMN ann SET STORAGE EXTERNAL;
COMMENT ON TABLE linkpred.version_catalog IS
'linkpred''s private store of model versions: sizes, options, metrics, decoder weights, top-k index (read linkpred.versions)';

-- A version's nodes, a row per chunk of up to 1024 nodes of one side: 'u'
-- = user (source) side, 'i' = item (destination) side, 'n' = a node of a
-- homogeneous undirected graph, which serves as both.  idx is the chunk's
-- first node index, its nodes idx, idx + 1, ...; each array holds the
-- chunk's nodes in that order: keys, degrees, biases, the vectors one
-- after another (dim reals each), and on 'u' and 'n' rows the idx of the
-- items (neighbours) each node had in training (top-k excludes them), one
-- list after another, with where each list ends (seen_ends).  Serving reads
-- a 10M-node version in about ten thousand rows (src/catalog/store.c);
-- linkpred.embeddings shows a row per node.  A bipartite version's 'u' rows
-- may instead be buckets of a stable hash of the user's key (nodes not
-- NULL): idx is then the bucket, nodes each user's index, so serving reads
-- one user's row by the primary key (src/serve/cache.c, lazy users).
CREATE TABLE linkpred.embedding_store (
    model      text NOT NULL,
    version    integer NOT NULL,
    side       "char" NOT NULL CHECK (side IN ('u', 'i', 'n')),
    idx        integer NOT NULL,
    keys       text[] NOT NULL,
    degrees    integer[] NOT NULL,
    biases     real[] NOT NULL,
    vecs       real[] NOT NULL,
    seen       integer[],
    seen_ends  integer[],
    nodes      integer[],
    PRIMARY KEY (model, version, side, idx)
);
-- Vectors do not compress: spare every store the attempt, and serving the
-- decompression.
ALTER TABLE linkpred.embedding_store ALTER COLUMN vecs SET STORAGE EXTERNAL;
-- No foreign key to version_catalog: only linkpred's C code writes this
-- table, and deletes a version's rows together with the version.
COMMENT ON TABLE linkpred.embedding_store IS
'linkpred''s private store of node vectors: one row per version, side and chunk of nodes (read linkpred.embeddings)';

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

CREATE SEQUENCE linkpred.job_id_seq;
COMMENT ON SEQUENCE linkpred.job_id_seq IS 'ids of linkpred training jobs';

-- Job rows are written by the training worker itself, in its own short
-- transactions, so they are visible (and progress is live) even while the
-- submitting transaction is still open.
CREATE TABLE linkpred.job_catalog (
    id              bigint PRIMARY KEY,
    model           text NOT NULL,
    owner           regrole NOT NULL,
    state           text NOT NULL
                        CHECK (state IN ('queued', 'running', 'done', 'failed', 'cancelled')),
    source          regclass,
    src_column      name NOT NULL,
    dst_column      name NOT NULL,
    weight_column   name,
    options         jsonb NOT NULL,
    submitted_at    timestamptz NOT NULL,
    started_at      timestamptz,
    finished_at     timestamptz,
    updated_at      timestamptz,
    pid             integer,
    backend_start   timestamptz,
    phase           text,
    epoch           integer,
    epochs          integer,
    loss            double precision,
    version         integer,
    stats           jsonb NOT NULL DEFAULT '{}',
    result          jsonb,
    error           text,
    error_sqlstate  text,
    error_detail    text,
    error_hint      text
);
CREATE INDEX ON linkpred.job_catalog (model);
COMMENT ON TABLE linkpred.job_catalog IS
'linkpred''s private record of training jobs, written by the workers (read linkpred.jobs)';

REVOKE ALL ON ALL TABLES IN SCHEMA linkpred FROM PUBLIC;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA linkpred FROM PUBLIC;
GRANT USAGE ON SCHEMA linkpred TO PUBLIC;

-- pg_dump keeps trained models and the job history.
SELECT pg_catalog.pg_extension_config_dump('linkpred.model_catalog', '');
SELECT pg_catalog.pg_extension_config_dump('linkpred.version_catalog', '');
SELECT pg_catalog.pg_extension_config_dump('linkpred.embedding_store', '');
SELECT pg_catalog.pg_extension_config_dump('linkpred.job_catalog', '');
SELECT pg_catalog.pg_extension_config_dump('linkpred.job_id_seq', '');

-- A job is live while its worker process is; a job left 'queued' or
-- 'running' by a worker that died (kill -9, server restart) shows as failed.
-- SECURITY DEFINER because pg_stat_activity hides other roles' processes
-- (a worker may run as a role other than the one looking); it reveals only
-- whether a given pid and start time belong to a live linkpred worker.
CREATE FUNCTION linkpred.job_is_live(pid integer, backend_start timestamptz)
RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog
AS $$
    SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_stat_activity a
                   WHERE a.pid = $1 AND a.backend_start = $2
                     AND a.backend_type = 'linkpred training')
$$;
COMMENT ON FUNCTION linkpred.job_is_live(integer, timestamptz) IS
'internal: is this pid, started at this time, a live linkpred training worker?';

CREATE VIEW linkpred.jobs WITH (security_barrier) AS
SELECT j.id, j.model, j.owner,
       CASE WHEN l.orphaned = 1 THEN 'failed' ELSE j.state END AS state,
       j.phase, j.epoch, j.epochs, j.loss,
       j.submitted_at, j.started_at, o.finished_at,
       COALESCE(o.finished_at, pg_catalog.clock_timestamp()) - j.started_at AS elapsed,
       j.version, j.source, j.src_column, j.dst_column, j.weight_column,
       j.options, j.stats, j.result, j.pid,
       o.error, o.error_sqlstate, o.error_detail, o.error_hint
FROM linkpred.job_catalog j,
LATERAL (SELECT CASE WHEN j.state IN ('queued', 'running')
                          AND NOT linkpred.job_is_live(j.pid, j.backend_start) THEN 1 END AS orphaned) l,
LATERAL (SELECT CASE WHEN l.orphaned = 1 THEN 'training worker exited without recording an outcome'
                     ELSE j.error END AS error,
                -- an orphan ended at its last sign of life
                CASE WHEN l.orphaned = 1 THEN COALESCE(j.updated_at, j.started_at, j.submitted_at)
                     ELSE j.finished_at END AS finished_at,
                CASE WHEN l.orphaned = 1 THEN '58000' ELSE j.error_sqlstate END AS error_sqlstate,
                j.error_detail,
                CASE WHEN l.orphaned = 1
                     THEN 'The worker was killed or the server restarted; see the server log, then train again.'
                     ELSE j.error_hint END AS error_hint) o
WHERE pg_catalog.pg_has_role(j.owner, 'USAGE');
COMMENT ON VIEW linkpred.jobs IS 'training jobs of the roles you have the privileges of: state, progress, timings, error';

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

CREATE VIEW linkpred.models WITH (security_barrier) AS
SELECT name, owner, active_version, source, src_column, dst_column, weight_column,
       user_type, item_type, options, n_users, n_items, n_edges, dim, trained_at, metrics
FROM linkpred.model_rows();
COMMENT ON VIEW linkpred.models IS 'trained models: source, active version, sizes, options, metrics';

CREATE VIEW linkpred.versions WITH (security_barrier) AS
SELECT model, version, active, job_id, created_at, dim, n_users, n_items, n_edges,
       options, metrics, decoder
FROM linkpred.version_rows();
COMMENT ON VIEW linkpred.versions IS 'every stored version of every model you can see';

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

GRANT SELECT ON linkpred.jobs, linkpred.models, linkpred.versions, linkpred.embeddings TO PUBLIC;

-- Training ---------------------------------------------------------------

CREATE FUNCTION linkpred_train(model text, edges regclass, src text, dst text,
                               weight text DEFAULT NULL,
                               options jsonb DEFAULT '{}',
                               wait boolean DEFAULT true)
RETURNS bigint
AS 'MODULE_PATHNAME', 'linkpred_train'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION linkpred_train(text, regclass, text, text, text, jsonb, boolean) IS
'train (or retrain) a model from an edge relation in a background worker; returns the job id';

CREATE FUNCTION linkpred_wait(job bigint, timeout interval DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'linkpred_wait'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION linkpred_wait(bigint, interval) IS
'wait for a training job to end; returns done or cancelled, raises the job''s error if it failed';

CREATE FUNCTION linkpred_cancel(job bigint)
RETURNS boolean
AS 'MODULE_PATHNAME', 'linkpred_cancel'
LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION linkpred_cancel(bigint) IS
'ask a queued or running training job to stop; the previous model version keeps serving';

CREATE FUNCTION linkpred_drop(model text)
RETURNS boolean
AS 'MODULE_PATHNAME', 'linkpred_drop'
LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION linkpred_drop(text) IS
'drop a model with all its versions and embeddings';

-- Serving ----------------------------------------------------------------

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

-- Evaluation and heuristics -------------------------------------------------

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
AS 'MODULE_PATHNAME', 'linkpred_evaluate'
LANGUAGE C VOLATILE
ROWS 10;
COMMENT ON FUNCTION linkpred_evaluate(text, regclass, text, text, integer[], text, double precision, integer, text, timestamptz, bigint) IS
'AUC, MRR, Hits@K, Recall@K and NDCG@K of a model (or a heuristic) on test pairs; stored with the model version';

CREATE FUNCTION linkpred_heuristic(u "any", v "any", method text DEFAULT 'ra', model text DEFAULT NULL)
RETURNS double precision
AS 'MODULE_PATHNAME', 'linkpred_heuristic'
LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION linkpred_heuristic("any", "any", text, text) IS
'a classic heuristic (cn, jaccard, aa, ra, pa) for the pair (u, v) on a model''s training graph';

CREATE FUNCTION linkpred_heuristic_topk(u anyelement, k integer, method text DEFAULT 'ra',
                                        model text DEFAULT NULL, exclude_seen boolean DEFAULT true)
RETURNS TABLE (item anyelement, score double precision)
AS 'MODULE_PATHNAME', 'linkpred_heuristic_topk'
LANGUAGE C STABLE PARALLEL RESTRICTED
ROWS 10;
COMMENT ON FUNCTION linkpred_heuristic_topk(anyelement, integer, text, text, boolean) IS
'the k best items for u under a classic heuristic on a model''s training graph';

-- Versions -------------------------------------------------------------------

CREATE FUNCTION linkpred_activate(model text, version integer)
RETURNS boolean
AS 'MODULE_PATHNAME', 'linkpred_activate'
LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION linkpred_activate(text, integer) IS
'make a stored version of a model the one that serves (roll back or forward), in one transaction';

-- Serving cache --------------------------------------------------------------

-- The model versions loaded for serving: the shared copies of this database
-- (with linkpred in shared_preload_libraries) and this backend's own copies.
CREATE FUNCTION linkpred_cache_status(OUT model text, OUT version integer, OUT job_id bigint,
                                      OUT shared boolean, OUT state text, OUT bytes bigint,
                                      OUT pins integer, OUT last_used timestamptz)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'linkpred_cache_status'
LANGUAGE C VOLATILE PARALLEL RESTRICTED
ROWS 10;
COMMENT ON FUNCTION linkpred_cache_status() IS
'model versions loaded for serving: shared copies (shared_preload_libraries) and this backend''s private ones';

-- Batch serving and materialization ------------------------------------------

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

-- What each materialized table holds, so a scheduled refresh can skip work.
-- Rows belong to the role that wrote them (row-level security).
CREATE TABLE linkpred.materializations (
    target        regclass NOT NULL,
    owner         regrole NOT NULL DEFAULT current_user::regrole,
    model         text NOT NULL,
    version       integer NOT NULL,
    refreshed_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
    PRIMARY KEY (target, owner)
);
ALTER TABLE linkpred.materializations ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_rows ON linkpred.materializations
    USING (pg_catalog.pg_has_role(owner, 'USAGE'))
    WITH CHECK (pg_catalog.pg_has_role(owner, 'USAGE'));
GRANT SELECT, INSERT, UPDATE, DELETE ON linkpred.materializations TO PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('linkpred.materializations', '');
COMMENT ON TABLE linkpred.materializations IS 'which model version each linkpred_materialize target holds';
-- (registered after materializations, as linkpred--0.1.0--0.2.0.sql does:
-- pg_extension keeps the order)
SELECT pg_catalog.pg_extension_config_dump('linkpred.attribute_store', '');

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
