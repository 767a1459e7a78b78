-- lastfm_load.sql: HetRec 2011 last.fm user-artist edges, split at random
-- 80/10/10 into train / validation / test with a fixed seed.
--
-- psql variables: reader (shell command writing user_artist_idx.csv),
-- friends_reader (user_user_idx.csv: the friendships, a second relation).
--
-- The split is lastfm_split.sql's.  The listening counts (weight) are not
-- used: the default model is unweighted.

\ir lastfm_split.sql

CREATE TABLE lastfm_train AS SELECT user_idx, artist_idx FROM lastfm_split WHERE part = 'train';
CREATE TABLE lastfm_val AS SELECT user_idx, artist_idx FROM lastfm_split WHERE part = 'val';
CREATE TABLE lastfm_test AS SELECT user_idx, artist_idx FROM lastfm_split WHERE part = 'test';
CREATE TABLE lastfm_friends (src_idx integer, dst_idx integer);
COPY lastfm_friends FROM PROGRAM :'friends_reader' WITH (FORMAT csv, HEADER);
ANALYZE lastfm_train, lastfm_val, lastfm_test, lastfm_friends;

CREATE TABLE bench.lastfm_stats AS
SELECT (SELECT count(*) FROM lastfm_edges) AS edges,
       (SELECT count(*) FROM lastfm_train) AS train_edges,
       (SELECT count(*) FROM lastfm_val) AS val_edges,
       (SELECT count(*) FROM lastfm_test) AS test_edges,
       (SELECT count(DISTINCT user_idx) FROM lastfm_edges) AS users,
       (SELECT count(DISTINCT artist_idx) FROM lastfm_edges) AS artists;
