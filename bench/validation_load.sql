-- validation_load.sql: the Gowalla and LastFM tables the default-choosing
-- benches (spectral_defaults.sh, mf_defaults.sh) train and validate on.
--
-- psql variables: train_reader, test_reader (the Gowalla training and test
-- CSVs), reader (LastFM's user_artist_idx.csv) and split_sql (the path of
-- lastfm_split.sql, which makes lastfm_split).
--
--   gw_all, gw_test    the LightGCN Gowalla split as shipped
--   gw_fit, gw_val     gw_all split again, training edges only: per user,
--                      the 20% of its items with the smallest hash of
--                      (user, item) are validation, ranked for every 4th
--                      user (user_id % 4 = 0)
--   fm_fit, fm_val,    lastfm_split.sql's 80/10/10 split (setseed 0.2011),
--   fm_test            as lastfm_load.sql has it: train, val, test

SET max_parallel_workers_per_gather = 0;
CREATE TABLE gw_all (user_id integer NOT NULL, item_id integer NOT NULL);
CREATE TABLE gw_test (user_id integer NOT NULL, item_id integer NOT NULL);
COPY gw_all FROM PROGRAM :'train_reader' WITH (FORMAT csv, HEADER);
COPY gw_test FROM PROGRAM :'test_reader' WITH (FORMAT csv, HEADER);
CREATE TABLE gw_ranked AS
SELECT user_id, item_id,
       row_number() OVER (PARTITION BY user_id ORDER BY hashint8(user_id::bigint * 1000003 + item_id), item_id) AS rn,
       count(*) OVER (PARTITION BY user_id) AS n
FROM gw_all;
CREATE TABLE gw_fit AS SELECT user_id, item_id FROM gw_ranked WHERE rn > floor(0.2 * n);
CREATE TABLE gw_val AS SELECT user_id, item_id FROM gw_ranked WHERE rn <= floor(0.2 * n) AND user_id % 4 = 0;

\i :split_sql
CREATE TABLE fm_fit AS SELECT user_idx, artist_idx FROM lastfm_split WHERE part = 'train';
CREATE TABLE fm_val AS SELECT user_idx, artist_idx FROM lastfm_split WHERE part = 'val';
CREATE TABLE fm_test AS SELECT user_idx, artist_idx FROM lastfm_split WHERE part = 'test';
ANALYZE;
