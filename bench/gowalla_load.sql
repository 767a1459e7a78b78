-- gowalla_load.sql: the LightGCN Gowalla split.
--
-- psql variables (set by run.sh):
--   train_reader, test_reader  shell commands writing the CSVs to stdout
--   user_mod                   1 = every user (full run); n > 1 = only users
--                              with user_id % n = 0 (quick run: a subset,
--                              not comparable with the published figures)
--
-- Makes gowalla_train and gowalla_test (user_id, item_id), as LightGCN
-- ships them: each test pair's user and item occur in training, and no
-- test pair is a training pair.

CREATE TABLE gowalla_train (user_id integer NOT NULL, item_id integer NOT NULL);
CREATE TABLE gowalla_test (user_id integer NOT NULL, item_id integer NOT NULL);
COPY gowalla_train FROM PROGRAM :'train_reader' WITH (FORMAT csv, HEADER);
COPY gowalla_test FROM PROGRAM :'test_reader' WITH (FORMAT csv, HEADER);
DELETE FROM gowalla_train WHERE user_id % :user_mod <> 0;
DELETE FROM gowalla_test WHERE user_id % :user_mod <> 0;
VACUUM ANALYZE gowalla_train, gowalla_test;

-- every 20th test user, for the cross-check against the SQL reference
-- (which ranks with one linkpred_topk call per user)
CREATE TABLE gowalla_test_check AS
SELECT * FROM gowalla_test WHERE user_id % 20 = 0;

CREATE TABLE bench.gowalla_stats AS
SELECT (SELECT count(*) FROM gowalla_train) AS train_pairs,
       (SELECT count(*) FROM gowalla_test) AS test_pairs,
       (SELECT count(DISTINCT user_id) FROM gowalla_train) AS users,
       (SELECT count(DISTINCT item_id) FROM gowalla_train) AS items,
       (SELECT count(DISTINCT user_id) FROM gowalla_test) AS test_users,
       :user_mod AS user_mod;
