-- setup.sql: the bench database's own tables, run once by bench/run.sh.
--
-- Every figure the harness measures lands in schema "bench"; report.sql
-- turns these rows into bench/RESULTS.md.  Nothing here is part of the
-- extension: the harness only calls linkpred's public SQL API.

CREATE EXTENSION linkpred;
CREATE SCHEMA bench;
COMMENT ON SCHEMA bench IS 'linkpred benchmark harness: raw results and helpers';
CREATE SCHEMA seal;
COMMENT ON SCHEMA seal IS 'SEAL graphs: one training and one test table per graph and split';

-- One row per training job the harness ran.
CREATE TABLE bench.trainings (
    dataset         text NOT NULL,          -- seal | gowalla | lastfm
    graph           text NOT NULL,          -- SEAL graph name, or the dataset name
    split           integer,                -- SEAL split 1..10, NULL otherwise
    model           text NOT NULL,
    job             bigint NOT NULL,
    wall_s          double precision,       -- submit to end, seen from the client
    job_s           double precision,       -- linkpred.jobs.elapsed (load + train + store)
    train_s         double precision,       -- metrics->>'train_seconds' (training loop only)
    loss            double precision,       -- metrics->>'loss' (last epoch)
    peak_rss_mb     double precision,       -- metrics->>'peak_rss_mb', NULL when the extension does not report it
    polled_hwm_mb   double precision,       -- VmHWM of the worker, polled from /proc (includes shared buffers it touched)
    polled_anon_mb  double precision,       -- largest RssAnon seen while polling (private memory only)
    seed            bigint,                 -- the seed the job actually used (options->>'seed')
    n_users         bigint,
    n_items         bigint,
    n_edges         bigint,
    options         jsonb,
    metrics         jsonb
);

-- One row per metric returned by an evaluation.  impl: 'linkpred' for
-- linkpred_evaluate, 'sql' for the plain-SQL reference in reference.sql.
CREATE TABLE bench.metrics (
    dataset  text NOT NULL,
    graph    text NOT NULL,
    split    integer,
    method   text NOT NULL,                 -- model | cn | jaccard | aa | ra | pa
    impl     text NOT NULL CHECK (impl IN ('linkpred', 'sql')),
    metric   text NOT NULL,
    k        integer,
    value    double precision
);

-- How long each evaluation call took.
CREATE TABLE bench.evaluations (
    dataset  text NOT NULL,
    graph    text NOT NULL,
    split    integer,
    method   text NOT NULL,
    impl     text NOT NULL,
    seconds  double precision NOT NULL
);

-- Sizes of the SEAL graphs run (seal_load.sql fills it).
CREATE TABLE bench.seal_graphs (
    graph        text PRIMARY KEY,
    nodes        bigint,    -- nodes on some edge of split 1 (train or test)
    train_edges  bigint,
    test_edges   bigint,
    test_non     bigint
);

-- Wall time of each dataset's whole phase (load, train, evaluate), written
-- by run.sh.
CREATE TABLE bench.phases (
    dataset  text PRIMARY KEY,
    seconds  double precision NOT NULL,
    covers   text NOT NULL
);

-- Evaluations that failed but were optional (extras beyond the brief):
-- the report lists them instead of the run dying.
CREATE TABLE bench.errors (
    dataset  text NOT NULL,
    graph    text NOT NULL,
    method   text NOT NULL,
    impl     text NOT NULL,
    error    text NOT NULL
);

-- Evaluate one model on one test relation and keep the rows.  impl picks
-- linkpred_evaluate or the SQL reference; both return (metric, k, value).
-- An optional evaluation that fails is logged in bench.errors and warned
-- about; any other failure stops the run.
CREATE FUNCTION bench.evaluate(p_dataset text, p_graph text, p_split integer,
                               p_model text, p_test regclass, p_label text,
                               p_method text, p_k integer[], p_seed bigint,
                               p_impl text DEFAULT 'linkpred',
                               p_optional boolean DEFAULT false)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    t0 timestamptz := clock_timestamp();
BEGIN
    BEGIN
        IF p_impl = 'linkpred' THEN
            INSERT INTO bench.metrics
            SELECT p_dataset, p_graph, p_split, p_method, p_impl, e.metric, e.k, e.value
            FROM linkpred_evaluate(model => p_model, test => p_test, label => p_label,
                                   method => p_method, k => p_k, seed => p_seed) e;
        ELSE
            INSERT INTO bench.metrics
            SELECT p_dataset, p_graph, p_split, p_method, p_impl, e.metric, e.at_k, e.value
            FROM bench.evaluate_sql(model => p_model, test => p_test, label => p_label,
                                    method => p_method, k => p_k, seed => p_seed) e;
        END IF;
    EXCEPTION WHEN OTHERS THEN
        IF NOT p_optional THEN
            RAISE;
        END IF;
        RAISE WARNING 'optional evaluation of % % (%) failed: %', p_graph, p_method, p_impl, SQLERRM;
        INSERT INTO bench.errors VALUES (p_dataset, p_graph, p_method, p_impl, SQLERRM);
        RETURN;
    END;
    INSERT INTO bench.evaluations
    VALUES (p_dataset, p_graph, p_split, p_method, p_impl,
            extract(epoch FROM clock_timestamp() - t0));
END
$$;
COMMENT ON FUNCTION bench.evaluate(text, text, integer, text, regclass, text, text, integer[], bigint, text, boolean) IS
'run linkpred_evaluate (or the SQL reference) and store its rows and run time in bench.metrics / bench.evaluations';

-- Record a finished training job (run.sh passes what it measured outside
-- the database: client wall time and the polled worker memory).
CREATE FUNCTION bench.record_training(p_dataset text, p_graph text, p_split integer,
                                      p_model text, p_job bigint, p_wall double precision,
                                      p_hwm_mb double precision, p_anon_mb double precision)
RETURNS void LANGUAGE sql AS $$
    INSERT INTO bench.trainings
    SELECT p_dataset, p_graph, p_split, p_model, p_job, p_wall,
           extract(epoch FROM j.elapsed),
           (m.metrics->>'train_seconds')::float8,
           (m.metrics->>'loss')::float8,
           (m.metrics->>'peak_rss_mb')::float8,
           p_hwm_mb, p_anon_mb,
           (m.options->>'seed')::bigint,
           m.n_users, m.n_items, m.n_edges, m.options, m.metrics
    FROM linkpred.jobs j
    JOIN linkpred.models m ON m.name = j.model
    WHERE j.id = p_job
$$;
COMMENT ON FUNCTION bench.record_training(text, text, integer, text, bigint, double precision, double precision, double precision) IS
'store the timings, memory and model sizes of a finished training job in bench.trainings';

-- Serving measurements (serving.sql and run.sh's pgbench run): one row per
-- figure, e.g. 'materialize_s', 'score_s', 'pgbench_tps'; detail holds a
-- count or the query's result, as a sanity check on what was timed.
CREATE TABLE bench.serving (
    measure  text PRIMARY KEY,
    value    double precision,
    detail   text
);

-- One row per timed serving call (test: 'topk', 'fresh').
CREATE TABLE bench.latencies (
    test     text NOT NULL,
    call     integer NOT NULL,
    user_id  bigint,
    ms       double precision NOT NULL,
    n_rows   integer                        -- rows the call returned
);

-- Time linkpred_topk(u, k) for each user of p_users, one call at a time,
-- from inside the server: clock_timestamp() around each call, so the
-- figures leave out the client round trip but include the executor's
-- start-up for the call.  The caller makes one untimed call first, so the
-- backend has loaded the model.
CREATE FUNCTION bench.time_topk(p_test text, p_model text, p_users integer[], p_k integer,
                                p_fresh boolean DEFAULT false)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    t0  timestamptz;
    ms  double precision;
    n   integer;
BEGIN
    FOR i IN 1 .. coalesce(cardinality(p_users), 0) LOOP
        t0 := clock_timestamp();
        SELECT count(*) INTO n
        FROM linkpred_topk(p_users[i], p_k, model => p_model, fresh => p_fresh);
        ms := 1000 * extract(epoch FROM clock_timestamp() - t0);
        INSERT INTO bench.latencies VALUES (p_test, i, p_users[i], ms, n);
    END LOOP;
END
$$;
COMMENT ON FUNCTION bench.time_topk(text, text, integer[], integer, boolean) IS
'time one linkpred_topk call per user into bench.latencies';

-- Run one statement (which returns one value) and store its wall time in
-- bench.serving, with its result as the detail.
CREATE FUNCTION bench.time_sql(p_measure text, p_sql text)
RETURNS double precision LANGUAGE plpgsql AS $$
DECLARE
    t0      timestamptz := clock_timestamp();
    result  text;
    secs    double precision;
BEGIN
    EXECUTE p_sql INTO result;
    secs := extract(epoch FROM clock_timestamp() - t0);
    INSERT INTO bench.serving VALUES (p_measure, secs, result);
    RETURN secs;
END
$$;
COMMENT ON FUNCTION bench.time_sql(text, text) IS
'run a statement, store its wall time and result in bench.serving';
