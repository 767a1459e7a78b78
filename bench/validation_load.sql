-- validation_load.sql: the Gowalla and LastFM tables the default-choosing
-- benches (spectral_defaults.sh, mf_defaults.sh) train and validate on.
--
-- psql variables: train_reader, test_reader (the Gowalla training and test
-- CSVs), lastfm_reader (user_artist_idx.csv).
--
--   gw_all, gw_test    the LightGCN Gowalla split as shipped
--   gw_fit, gw_val     gw_all split again, training edges only: per user,
--                      the 20% of its items with the smallest hash of
--                      (user, item) are validation, ranked for every 4th
--                      user (user_id % 4 = 0)
--   fm_fit, fm_val,    bench/lastfm_load.sql's 80/10/10 split (setseed
--   fm_test            0.2011): train, val, test

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

CREATE TABLE fm_edges (user_idx integer, artist_idx integer, weight integer);
COPY fm_edges FROM PROGRAM :'lastfm_reader' WITH (FORMAT csv, HEADER);
SELECT setseed(0.2011) \gset
CREATE TABLE fm_split AS
WITH drawn AS (SELECT user_idx, artist_idx, random() AS r
               FROM (SELECT user_idx, artist_idx FROM fm_edges ORDER BY user_idx, artist_idx) ordered),
     ranked AS (SELECT user_idx, artist_idx, row_number() OVER (ORDER BY r, user_idx, artist_idx) AS rn,
                       count(*) OVER () AS n FROM drawn)
SELECT user_idx, artist_idx,
       CASE WHEN rn <= 0.8 * n THEN 'train' WHEN rn <= 0.9 * n THEN 'val' ELSE 'test' END AS part
FROM ranked;
CREATE TABLE fm_fit AS SELECT user_idx, artist_idx FROM fm_split WHERE part = 'train';
CREATE TABLE fm_val AS SELECT user_idx, artist_idx FROM fm_split WHERE part = 'val';
CREATE TABLE fm_test AS SELECT user_idx, artist_idx FROM fm_split WHERE part = 'test';
ANALYZE;
