-- warm_load.sql: yesterday's data for the warm-start benchmark, after
-- gowalla_load.sql: g95, a fixed random 95% of gowalla_train.
--
-- The nightly retrain this simulates: yesterday's model was trained on
-- g95; today's data is all of gowalla_train (the other 5% arrived since).
-- Today's retrain warm-starts from yesterday's version.  g95 is a subset
-- of the training pairs, so no test pair gets into any model.
--
-- random() is drawn in a fixed row order with serial plans, so every run
-- makes the same g95 (as lastfm_load.sql does).

SET max_parallel_workers_per_gather = 0;

SELECT setseed(0.95) \gset
CREATE TABLE g95 AS
WITH drawn AS (SELECT user_id, item_id, random() AS r
               FROM (SELECT user_id, item_id FROM gowalla_train
                     ORDER BY user_id, item_id) ordered),
     ranked AS (SELECT user_id, item_id,
                       row_number() OVER (ORDER BY r, user_id, item_id) AS rn,
                       count(*) OVER () AS n
                FROM drawn)
SELECT user_id, item_id FROM ranked WHERE rn <= 0.95 * n;
ANALYZE g95;

CREATE TABLE bench.warm_stats AS
SELECT (SELECT count(*) FROM g95) AS yesterday_pairs,
       (SELECT count(*) FROM gowalla_train) AS today_pairs,
       (SELECT count(DISTINCT user_id) FROM g95) AS yesterday_users,
       (SELECT count(DISTINCT item_id) FROM g95) AS yesterday_items,
       (SELECT count(DISTINCT user_id) FROM gowalla_train) AS today_users,
       (SELECT count(DISTINCT item_id) FROM gowalla_train) AS today_items;
