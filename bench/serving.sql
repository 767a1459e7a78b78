-- serving.sql: how fast the default Gowalla model serves, after run.sh has
-- trained it as "gowalla" on gowalla_train (the gowalla section's model,
-- or trained by the serving section when the gowalla one did not run).
-- run.sh adds the concurrent figures from pgbench afterwards; scale.sh
-- runs it on each of its graphs.
--
-- psql variables: model (gowalla), train (the relation it was trained on,
-- user_id and item_id: gowalla_train), test (whose users are timed:
-- gowalla_test), calls (single-user top-k calls timed), fresh_calls
-- (fresh => true calls timed), pairs (rows of the score table).
--
-- Everything here runs in one backend, so after the first (timed) call the
-- model is in this backend's memory and the later figures leave out its
-- loading.  Nothing is tuned: the extension's defaults throughout.

SET max_parallel_workers_per_gather = 0;

-- random test users, the same ones every run
SELECT setseed(0.42) \gset
CREATE TABLE serving_users AS
SELECT row_number() OVER (ORDER BY r, user_id) AS call, user_id
FROM (SELECT user_id, random() AS r
      FROM (SELECT DISTINCT user_id FROM :"test" ORDER BY user_id) d) x
ORDER BY r, user_id
LIMIT :calls;

-- the first call of a new backend loads the model version into it
SELECT bench.time_sql('first_call_s',
                      format('SELECT count(*) FROM linkpred_topk(%s, 10, model => %L)',
                             (SELECT user_id FROM serving_users WHERE call = 1), :'model'));

-- single-user top-10, one call at a time
SELECT bench.time_topk('topk', :'model', array_agg(user_id ORDER BY call), 10)
FROM serving_users;

-- top-20 of every user into a table; scale.sh sets skip_materialize at
-- 100M edges, where the exact all-user ranking would take about a day
\if :{?skip_materialize}
\else
CREATE TABLE serving_recs (user_id integer, item integer, rank integer, score double precision);
SELECT bench.time_sql('materialize_s',
                      format('SELECT linkpred_materialize(%L, %L, 20)', :'model', 'serving_recs'));
INSERT INTO bench.serving
SELECT 'materialize_rows', count(*), count(DISTINCT user_id) || ' users'
FROM serving_recs;
-- the same ranking without writing a table: where the time goes
SELECT bench.time_sql('topk_many_s',
                      format('SELECT count(*) FROM linkpred_topk_many(NULL::integer[], 20, model => %L)',
                             :'model'));
\endif

-- linkpred_score over a table of random (user, item) pairs of the model
SELECT setseed(0.1) \gset
CREATE TABLE serving_pairs AS
SELECT u.ids[1 + floor(random() * cardinality(u.ids))::integer] AS user_id,
       i.ids[1 + floor(random() * cardinality(i.ids))::integer] AS item_id
FROM (SELECT array_agg(DISTINCT user_id) AS ids FROM :"train") u,
     (SELECT array_agg(DISTINCT item_id) AS ids FROM :"train") i,
     generate_series(1, :pairs);
VACUUM ANALYZE serving_pairs;
INSERT INTO bench.serving SELECT 'score_pairs', count(*), NULL FROM serving_pairs;
-- the scan alone (the table is in shared buffers now), for comparison
SELECT bench.time_sql('scan_s', 'SELECT sum(user_id + item_id) FROM serving_pairs');
-- the detail keeps the sum: NULL would mean no pair was scored
SELECT bench.time_sql('score_s',
                      format('SELECT sum(linkpred_score(user_id, item_id, %L)) FROM serving_pairs',
                             :'model'));

-- fresh => true: the user's vector folded in from its current rows, read
-- from the source relation through an index on its user column, as the
-- README advises
CREATE INDEX serving_train_user_id ON :"train" (user_id);
ANALYZE :"train";
SELECT count(*) FROM linkpred_topk((SELECT user_id FROM serving_users WHERE call = 1), 10,
                                   model => :'model', fresh => true) \g /dev/null
SELECT bench.time_topk('fresh', :'model',
                       array_agg(user_id ORDER BY call) FILTER (WHERE call <= :fresh_calls), 10, true)
FROM serving_users;
DROP INDEX serving_train_user_id;
