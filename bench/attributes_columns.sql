-- bench/attributes_columns.sql: the column kinds and rare values of option
-- item_features on HetRec LastFM; run by bench/attributes_columns.sh from
-- the staged data folder.  Prints "name|value" rows.  The splits are
-- bench/attributes.sql's.
--
-- noise: a random numeric column per artist (a hash of its id, no signal)
--        beside the plain model on the warm 90/10 split: AUC, Recall@20;
--        at the default id_dropout and at 0.4 and 0, and a random
--        categorical column (16 values) at the default for comparison.
-- rare:  tags held by fewer than 2 artists (of every artist with tags)
--        kept each as its own value (bench/attributes.sql's runs, again
--        with this commit's defaults), merged into one value per relation
--        ("rare") or dropped: warm, with every artist's tags, and the cold
--        artists' Recall@20 and NDCG@20.
\set ON_ERROR_STOP 1
CREATE TABLE ua (user_idx int, artist_idx int, weight int);
\copy ua FROM 'shared/data/lastfm/user_artist_idx.csv' WITH (FORMAT csv, HEADER)
CREATE TABLE atags (artist_idx int, tag_id int, count int);
\copy atags FROM 'shared/data/lastfm/artist_tags_idx.csv' WITH (FORMAT csv, HEADER)
CREATE TABLE ua_train AS SELECT user_idx, artist_idx FROM ua WHERE hashint4(user_idx * 20000 + artist_idx) % 10 <> 0;
CREATE TABLE ua_test AS SELECT user_idx, artist_idx FROM ua WHERE hashint4(user_idx * 20000 + artist_idx) % 10 = 0;

-- noise ---------------------------------------------------------------
CREATE TABLE anoise AS
SELECT DISTINCT artist_idx, (hashint4(artist_idx * 101 + 7) & 1048575) / 1048575.0 AS r FROM ua_train;
SELECT linkpred_train('warm_plain', 'ua_train', 'user_idx', 'artist_idx', options => '{"encoder": "mf", "seed": 3}') \gset
SELECT linkpred_train('warm_noise', 'ua_train', 'user_idx', 'artist_idx',
                      options => '{"seed": 3, "item_features": {"relation": "anoise", "key": "artist_idx", "columns": ["r"]}}') \gset
SELECT linkpred_train('warm_noise4', 'ua_train', 'user_idx', 'artist_idx',
                      options => '{"seed": 3, "id_dropout": 0.4, "item_features": {"relation": "anoise", "key": "artist_idx", "columns": ["r"]}}') \gset
SELECT linkpred_train('warm_noise0', 'ua_train', 'user_idx', 'artist_idx',
                      options => '{"seed": 3, "id_dropout": 0, "item_features": {"relation": "anoise", "key": "artist_idx", "columns": ["r"]}}') \gset
CREATE TABLE acat AS SELECT artist_idx, 'v' || (hashint4(artist_idx * 13 + 5) & 15) AS c FROM anoise;
SELECT linkpred_train('warm_noisecat', 'ua_train', 'user_idx', 'artist_idx',
                      options => '{"seed": 3, "item_features": {"relation": "acat", "key": "artist_idx", "columns": ["c"]}}') \gset

-- rare ----------------------------------------------------------------
CREATE TABLE tag_artists AS SELECT tag_id, count(DISTINCT artist_idx) AS n FROM atags GROUP BY 1;
SELECT 'rare_tags', count(*) FILTER (WHERE n < 2) FROM tag_artists
UNION ALL SELECT 'tags', count(*) FROM tag_artists
UNION ALL SELECT 'rare_rows', count(*) FROM atags JOIN tag_artists USING (tag_id) WHERE n < 2
UNION ALL SELECT 'rows', count(*) FROM atags
UNION ALL SELECT 'rare_only_artists', count(*) FROM (SELECT artist_idx FROM atags JOIN tag_artists USING (tag_id)
                                                      GROUP BY 1 HAVING max(n) < 2) s;
CREATE VIEW atags_merged AS
SELECT t.artist_idx, CASE WHEN a.n < 2 THEN -1 ELSE t.tag_id END AS tag_id, t.count
FROM atags t JOIN tag_artists a USING (tag_id);
CREATE VIEW atags_dropped AS SELECT t.* FROM atags t JOIN tag_artists a USING (tag_id) WHERE a.n >= 2;
SELECT linkpred_train('warm_kept', 'ua_train', 'user_idx', 'artist_idx',
                      options => '{"seed": 3, "item_features": {"relation": "atags", "key": "artist_idx", "attribute": "tag_id", "weight": "count"}}') \gset
SELECT linkpred_train('warm_merged', 'ua_train', 'user_idx', 'artist_idx',
                      options => '{"seed": 3, "item_features": {"relation": "atags_merged", "key": "artist_idx", "attribute": "tag_id", "weight": "count"}}') \gset
SELECT linkpred_train('warm_dropped', 'ua_train', 'user_idx', 'artist_idx',
                      options => '{"seed": 3, "item_features": {"relation": "atags_dropped", "key": "artist_idx", "attribute": "tag_id", "weight": "count"}}') \gset
SELECT 'warm_' || m || '_' || metric, round(value::numeric, CASE metric WHEN 'unknown' THEN 0 ELSE 4 END)
FROM (VALUES ('plain'), ('noise'), ('noise4'), ('noise0'), ('noisecat'), ('kept'), ('merged'), ('dropped')) v(m),
     LATERAL linkpred_evaluate('warm_' || m, test => 'ua_test', k => '{20}', seed => 1)
WHERE metric IN ('auc', 'recall', 'unknown');
SELECT 'warm_' || substr(model, 6) || '_train_seconds', round((metrics->>'train_seconds')::numeric, 1)
FROM linkpred.versions WHERE model LIKE 'warm\_%' AND active;

-- cold: bench/attributes.sql's split and metric ------------------------
CREATE TABLE cold_artists AS
SELECT DISTINCT t.artist_idx FROM atags t JOIN ua USING (artist_idx)
WHERE (hashint4(t.artist_idx * 7919 + 11) & 2147483647) % 5 = 0;
CREATE TABLE cold_train AS SELECT user_idx, artist_idx FROM ua WHERE artist_idx NOT IN (SELECT artist_idx FROM cold_artists);
CREATE TABLE cold_test AS SELECT user_idx, artist_idx FROM ua
WHERE artist_idx IN (SELECT artist_idx FROM cold_artists) AND user_idx IN (SELECT user_idx FROM cold_train);
SELECT 'cold_rare_only_artists', count(*) FROM (SELECT artist_idx FROM atags JOIN tag_artists USING (tag_id)
                                                 WHERE artist_idx IN (SELECT artist_idx FROM cold_artists)
                                                 GROUP BY 1 HAVING max(n) < 2) s;
SELECT linkpred_train('cold_kept', 'cold_train', 'user_idx', 'artist_idx',
                      options => '{"seed": 3, "item_features": {"relation": "atags", "key": "artist_idx", "attribute": "tag_id", "weight": "count"}}') \gset
SELECT linkpred_train('cold_merged', 'cold_train', 'user_idx', 'artist_idx',
                      options => '{"seed": 3, "item_features": {"relation": "atags_merged", "key": "artist_idx", "attribute": "tag_id", "weight": "count"}}') \gset
SELECT linkpred_train('cold_dropped', 'cold_train', 'user_idx', 'artist_idx',
                      options => '{"seed": 3, "item_features": {"relation": "atags_dropped", "key": "artist_idx", "attribute": "tag_id", "weight": "count"}}') \gset
CREATE TABLE cand AS SELECT array_agg(artist_idx ORDER BY artist_idx) AS a FROM cold_artists;
CREATE FUNCTION cold_metrics(m text) RETURNS TABLE (recall float8, ndcg float8) LANGUAGE sql AS $$
    WITH rec AS (SELECT u.user_idx, t.item AS artist_idx,
                        row_number() OVER (PARTITION BY u.user_idx ORDER BY t.score DESC, t.item) AS rank
                 FROM (SELECT DISTINCT user_idx FROM cold_test) u, cand,
                      LATERAL linkpred_topk(u.user_idx, 20, m, candidates => cand.a) t),
         rel AS (SELECT user_idx, count(*) AS n FROM cold_test GROUP BY 1),
         hit AS (SELECT r.user_idx, count(*) AS hits, sum(1 / log(2.0, r.rank + 1.0)) AS dcg
                 FROM rec r JOIN cold_test t USING (user_idx, artist_idx) GROUP BY 1)
    SELECT avg(coalesce(h.hits, 0)::float8 / rel.n),
           avg(coalesce(h.dcg, 0) / (SELECT sum(1 / log(2.0, k + 1.0)) FROM generate_series(1, least(rel.n, 20)) k))::float8
    FROM rel LEFT JOIN hit h USING (user_idx)
$$;
SELECT 'cold_' || m || '_' || x.k, round(x.v::numeric, 4)
FROM (VALUES ('kept'), ('merged'), ('dropped')) v(m), LATERAL cold_metrics('cold_' || m) c,
     LATERAL (VALUES ('recall', c.recall), ('ndcg', c.ndcg)) x(k, v);
