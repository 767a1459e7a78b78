-- lastfm_split.sql: the benches' one LastFM split.  Reads HetRec 2011
-- last.fm's user-artist edges (psql variable reader: a shell command
-- writing user_artist_idx.csv) into lastfm_edges, and splits them at random
-- 80/10/10 into lastfm_split(user_idx, artist_idx, part), part 'train',
-- 'val' or 'test'.
--
-- The split mirrors PyG's RandomLinkSplit: a random permutation of the
-- edges, exact 80/10/10 cuts.  random() is drawn in a fixed row order with
-- serial plans, so every run makes the same split.  Included by
-- lastfm_load.sql, validation_load.sql and tune_eval.sh.

SET max_parallel_workers_per_gather = 0;

CREATE TABLE lastfm_edges (user_idx integer, artist_idx integer, weight integer);
COPY lastfm_edges FROM PROGRAM :'reader' WITH (FORMAT csv, HEADER);

SELECT setseed(0.2011) \gset
CREATE TABLE lastfm_split AS
WITH drawn AS (SELECT user_idx, artist_idx, random() AS r
               FROM (SELECT user_idx, artist_idx FROM lastfm_edges
                     ORDER BY user_idx, artist_idx) ordered),
     ranked AS (SELECT user_idx, artist_idx,
                       row_number() OVER (ORDER BY r, user_idx, artist_idx) AS rn,
                       count(*) OVER () AS n
                FROM drawn)
SELECT user_idx, artist_idx,
       CASE WHEN rn <= 0.8 * n THEN 'train' WHEN rn <= 0.9 * n THEN 'val' ELSE 'test' END AS part
FROM ranked;
