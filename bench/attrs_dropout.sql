-- bench/attrs_dropout.sql: the validation runs that choose the default of
-- option "id_dropout" (item_features), from the TRAINING part of
-- bench/attributes.sql's LastFM split only; run by bench/attrs_dropout.sh
-- from the staged data folder with psql variables dropouts and seeds
-- (comma-separated).  Prints "dropout|seed|cold_recall|warm_auc" rows.
--
-- The training part: every edge in neither of attributes.sql's test parts
-- (its warm hash tenth, its cold artists' edges), and the tags of the
-- artists left in it (the test-only artists' tags are not read).  From it:
--   pseudo-cold: 20% of the tagged training artists (a hash other than the
--                bench's) lose every edge; Recall@20 ranks them alone for
--                each user who listened to one, as attributes.sql does;
--   warm:        10% of the remaining edges (another hash) are held out;
--                AUC by linkpred_evaluate (1:1 sampled negatives, seed 1).
-- The model trains on the rest with the tags of every training artist.
\set ON_ERROR_STOP 1
CREATE TABLE ua (user_idx int, artist_idx int, weight int);
\copy ua FROM 'shared/data/lastfm/user_artist_idx.csv' WITH (FORMAT csv, HEADER)
CREATE TABLE atags (artist_idx int, tag_id int, count int);
\copy atags FROM 'shared/data/lastfm/artist_tags_idx.csv' WITH (FORMAT csv, HEADER)

-- attributes.sql's test parts, left out of everything below
CREATE TABLE test_cold_artists AS
SELECT DISTINCT t.artist_idx FROM atags t JOIN ua USING (artist_idx)
WHERE (hashint4(t.artist_idx * 7919 + 11) & 2147483647) % 5 = 0;
CREATE TABLE tr AS SELECT user_idx, artist_idx FROM ua
WHERE hashint4(user_idx * 20000 + artist_idx) % 10 <> 0
  AND artist_idx NOT IN (SELECT artist_idx FROM test_cold_artists);
CREATE TABLE tr_tags AS SELECT * FROM atags WHERE artist_idx IN (SELECT artist_idx FROM tr);

-- the validation split of the training part
CREATE TABLE val_cold_artists AS
SELECT DISTINCT artist_idx FROM tr_tags
WHERE (hashint4(artist_idx * 104729 + 29) & 2147483647) % 5 = 0;
CREATE TABLE val_rest AS SELECT * FROM tr WHERE artist_idx NOT IN (SELECT artist_idx FROM val_cold_artists);
CREATE TABLE val_warm AS SELECT * FROM val_rest WHERE (hashtext(user_idx || ':' || artist_idx || ':val') & 2147483647) % 10 = 0;
CREATE TABLE val_train AS SELECT * FROM val_rest WHERE (hashtext(user_idx || ':' || artist_idx || ':val') & 2147483647) % 10 <> 0;
CREATE TABLE val_cold AS SELECT user_idx, artist_idx FROM tr
WHERE artist_idx IN (SELECT artist_idx FROM val_cold_artists) AND user_idx IN (SELECT user_idx FROM val_train);
CREATE TABLE cand AS SELECT array_agg(artist_idx ORDER BY artist_idx) AS a FROM val_cold_artists;
SELECT 'sizes', (SELECT count(*) FROM tr), (SELECT count(*) FROM val_cold_artists), (SELECT count(*) FROM val_train),
       (SELECT count(*) FROM val_warm), (SELECT count(*) FROM val_cold), (SELECT count(DISTINCT user_idx) FROM val_cold);

CREATE FUNCTION val_run(d float8, s int) RETURNS TABLE (cold_recall float8, warm_auc float8) LANGUAGE plpgsql AS $$
DECLARE
    m text := format('val_%s_%s', replace(d::text, '.', '_'), s);
BEGIN
    PERFORM linkpred_train(m, 'val_train', 'user_idx', 'artist_idx',
        options => jsonb_build_object('seed', s, 'id_dropout', d,
            'item_features', '{"relation": "tr_tags", "key": "artist_idx", "attribute": "tag_id", "weight": "count"}'::jsonb));
    RETURN QUERY
    WITH rec AS (
        SELECT u.user_idx, t.item AS artist_idx FROM (SELECT DISTINCT user_idx FROM val_cold) u, cand,
             LATERAL linkpred_topk(u.user_idx, 20, m, candidates => cand.a) t),
         rel AS (SELECT user_idx, count(*) AS n FROM val_cold GROUP BY 1),
         hit AS (SELECT r.user_idx, count(*) AS hits FROM rec r JOIN val_cold v USING (user_idx, artist_idx) GROUP BY 1)
    SELECT (SELECT avg(coalesce(h.hits, 0)::float8 / rel.n) FROM rel LEFT JOIN hit h USING (user_idx)),
           (SELECT e.value FROM linkpred_evaluate(m, test => 'val_warm', k => '{20}', seed => 1) e WHERE e.metric = 'auc');
    PERFORM linkpred_drop(m);
END $$;

-- one statement (one transaction) per run: the training job commits its own
SELECT format('SELECT %s, %s, round(cold_recall::numeric, 4), round(warm_auc::numeric, 4) FROM val_run(%s, %s)', d, s, d, s)
FROM unnest(string_to_array(:'dropouts', ',')::float8[]) d, unnest(string_to_array(:'seeds', ',')::int[]) s
ORDER BY s, d \gexec
