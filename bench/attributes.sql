-- bench/attributes.sql: item attributes (option item_features) on HetRec
-- LastFM with the artists' tags; run by bench/attributes.sh from the
-- staged data folder.  Prints "name|value" rows.
--
-- warm: the fixed 90/10 hash split of test/pgtap/relations.sql, with and
--       without the tags: AUC and Recall@20 (linkpred_evaluate on ua_test);
--       with the tags of the training artists only, and of every artist.
--       The same with encoder sage (GraphSAGE, default options otherwise):
--       without tags and with every artist's.
-- cold: 20% of the tagged artists (a fixed hash) lose every listening edge;
--       the model trains on the rest with the tags of every artist, and
--       ranks the cold artists only, for each user who listened to one:
--       Recall@20 and NDCG@20 among the cold artists.  Two baselines in
--       SQL from the same tags: tag popularity (a cold artist scores the
--       training listens of its tags, weighted by its tag counts: one list
--       for everyone) and the user's tag profile (the tags of the user's
--       training artists, each damped by the square root of its popularity).
--       GraphSAGE with the tags, with its attributes-only pass (id_dropout,
--       the default 0.8) and without it (0).
\set ON_ERROR_STOP 1
CREATE TABLE ua (user_idx int, artist_idx int, weight int);
\copy ua FROM 'shared/data/lastfm/user_artist_idx.csv' WITH (FORMAT csv, HEADER)
CREATE TABLE atags (artist_idx int, tag_id int, count int);
\copy atags FROM 'shared/data/lastfm/artist_tags_idx.csv' WITH (FORMAT csv, HEADER)

-- warm ----------------------------------------------------------------
CREATE TABLE ua_train AS SELECT user_idx, artist_idx FROM ua WHERE hashint4(user_idx * 20000 + artist_idx) % 10 <> 0;
CREATE TABLE ua_test AS SELECT user_idx, artist_idx FROM ua WHERE hashint4(user_idx * 20000 + artist_idx) % 10 = 0;
SELECT linkpred_train('warm_plain', 'ua_train', 'user_idx', 'artist_idx', options => '{"encoder": "mf", "seed": 3}') \gset
-- the tags of the training split's artists only: 1,170 test pairs have an
-- artist with no training edge, which this model does not know either
CREATE VIEW atags_warm AS SELECT * FROM atags WHERE artist_idx IN (SELECT artist_idx FROM ua_train);
SELECT linkpred_train('warm_tagsw', 'ua_train', 'user_idx', 'artist_idx',
                      options => '{"seed": 3, "item_features": {"relation": "atags_warm", "key": "artist_idx", "attribute": "tag_id", "weight": "count"}}') \gset
-- the tags of every artist: the test-only artists with tags become cold items it scores
SELECT linkpred_train('warm_tags', 'ua_train', 'user_idx', 'artist_idx',
                      options => '{"seed": 3, "item_features": {"relation": "atags", "key": "artist_idx", "attribute": "tag_id", "weight": "count"}}') \gset
SELECT linkpred_train('warm_sage', 'ua_train', 'user_idx', 'artist_idx', options => '{"seed": 3, "encoder": "sage"}') \gset
SELECT linkpred_train('warm_sagetags', 'ua_train', 'user_idx', 'artist_idx',
                      options => '{"seed": 3, "encoder": "sage", "item_features": {"relation": "atags", "key": "artist_idx", "attribute": "tag_id", "weight": "count"}}') \gset
SELECT 'warm_' || m || '_' || metric, round(value::numeric, CASE metric WHEN 'unknown' THEN 0 ELSE 4 END)
FROM (VALUES ('plain'), ('tagsw'), ('tags'), ('sage'), ('sagetags')) v(m), LATERAL linkpred_evaluate('warm_' || m, test => 'ua_test', k => '{20}', seed => 1)
WHERE metric IN ('auc', 'recall', 'unknown');
SELECT 'warm_' || substr(model, 6) || '_train_seconds', round((metrics->>'train_seconds')::numeric, 1)
FROM linkpred.versions WHERE model IN ('warm_plain', 'warm_tagsw', 'warm_tags', 'warm_sage', 'warm_sagetags') AND active;

-- cold ----------------------------------------------------------------
CREATE TABLE cold_artists AS
SELECT DISTINCT t.artist_idx FROM atags t JOIN ua USING (artist_idx)
WHERE (hashint4(t.artist_idx * 7919 + 11) & 2147483647) % 5 = 0;
CREATE TABLE cold_train AS SELECT user_idx, artist_idx FROM ua WHERE artist_idx NOT IN (SELECT artist_idx FROM cold_artists);
CREATE TABLE cold_test AS SELECT user_idx, artist_idx FROM ua
WHERE artist_idx IN (SELECT artist_idx FROM cold_artists) AND user_idx IN (SELECT user_idx FROM cold_train);
SELECT 'cold_artists', count(*) FROM cold_artists
UNION ALL SELECT 'cold_train_edges', count(*) FROM cold_train
UNION ALL SELECT 'cold_test_edges', count(*) FROM cold_test
UNION ALL SELECT 'cold_test_users', count(DISTINCT user_idx) FROM cold_test;

SELECT linkpred_train('cold_tags', 'cold_train', 'user_idx', 'artist_idx',
                      options => '{"seed": 3, "item_features": {"relation": "atags", "key": "artist_idx", "attribute": "tag_id", "weight": "count"}}') \gset
SELECT linkpred_train('cold_sage', 'cold_train', 'user_idx', 'artist_idx',
                      options => '{"seed": 3, "encoder": "sage", "item_features": {"relation": "atags", "key": "artist_idx", "attribute": "tag_id", "weight": "count"}}') \gset
SELECT linkpred_train('cold_sage0', 'cold_train', 'user_idx', 'artist_idx',
                      options => '{"seed": 3, "encoder": "sage", "id_dropout": 0, "item_features": {"relation": "atags", "key": "artist_idx", "attribute": "tag_id", "weight": "count"}}') \gset
SELECT model || '_train_seconds', round((metrics->>'train_seconds')::numeric, 1)
FROM linkpred.versions WHERE model IN ('cold_tags', 'cold_sage', 'cold_sage0') AND active;

CREATE TABLE cand AS SELECT array_agg(artist_idx ORDER BY artist_idx) AS a FROM cold_artists;
CREATE TABLE rec_model AS
SELECT u.user_idx, t.item AS artist_idx, row_number() OVER (PARTITION BY u.user_idx ORDER BY t.score DESC, t.item) AS rank
FROM (SELECT DISTINCT user_idx FROM cold_test) u, cand,
     LATERAL linkpred_topk(u.user_idx, 20, 'cold_tags', candidates => cand.a) t;
CREATE TABLE rec_sage AS
SELECT u.user_idx, t.item AS artist_idx, row_number() OVER (PARTITION BY u.user_idx ORDER BY t.score DESC, t.item) AS rank
FROM (SELECT DISTINCT user_idx FROM cold_test) u, cand,
     LATERAL linkpred_topk(u.user_idx, 20, 'cold_sage', candidates => cand.a) t;
CREATE TABLE rec_sage0 AS
SELECT u.user_idx, t.item AS artist_idx, row_number() OVER (PARTITION BY u.user_idx ORDER BY t.score DESC, t.item) AS rank
FROM (SELECT DISTINCT user_idx FROM cold_test) u, cand,
     LATERAL linkpred_topk(u.user_idx, 20, 'cold_sage0', candidates => cand.a) t;

-- w(a, t): artist a's tag counts, summing to 1; pop(t): training listens of artists tagged t
CREATE TABLE tagw AS SELECT artist_idx, tag_id, count::float8 / sum(count) OVER (PARTITION BY artist_idx) AS w FROM atags;
CREATE TABLE tagpop AS SELECT w.tag_id, sum(w.w) AS pop FROM cold_train e JOIN tagw w USING (artist_idx) GROUP BY 1;
CREATE TABLE rec_pop AS
SELECT u.user_idx, s.artist_idx, row_number() OVER (PARTITION BY u.user_idx ORDER BY s.score DESC, s.artist_idx) AS rank
FROM (SELECT DISTINCT user_idx FROM cold_test) u,
     (SELECT c.artist_idx, sum(w.w * p.pop) AS score FROM cold_artists c JOIN tagw w USING (artist_idx)
      JOIN tagpop p USING (tag_id) GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 20) s;
-- prof(u, t): u's training artists' weights on tag t
CREATE TABLE prof AS SELECT e.user_idx, w.tag_id, sum(w.w) AS n FROM cold_train e JOIN tagw w USING (artist_idx)
WHERE e.user_idx IN (SELECT user_idx FROM cold_test) GROUP BY 1, 2;
CREATE TABLE ctw AS SELECT w.* FROM tagw w JOIN cold_artists USING (artist_idx);
CREATE TABLE rec_prof AS
SELECT user_idx, artist_idx, rank FROM (
    SELECT user_idx, artist_idx, row_number() OVER (PARTITION BY user_idx ORDER BY score DESC, artist_idx) AS rank
    FROM (SELECT p.user_idx, c.artist_idx, sum(p.n * c.w / sqrt(tp.pop)) AS score
          FROM prof p JOIN ctw c USING (tag_id) JOIN tagpop tp USING (tag_id) GROUP BY 1, 2) s) r
WHERE rank <= 20;

-- Recall@20 = hits / the user's cold artists; NDCG@20 against min(that, 20)
CREATE FUNCTION cold_metrics(tbl text) RETURNS TABLE (recall float8, ndcg float8) LANGUAGE plpgsql AS $$
BEGIN
    RETURN QUERY EXECUTE format($q$
        WITH rel AS (SELECT user_idx, count(*) AS n FROM cold_test GROUP BY 1),
             hit AS (SELECT r.user_idx, count(*) AS hits, sum(1 / log(2.0, r.rank + 1.0)) AS dcg
                     FROM %I r JOIN cold_test t USING (user_idx, artist_idx) GROUP BY 1)
        SELECT avg(coalesce(h.hits, 0)::float8 / rel.n),
               avg(coalesce(h.dcg, 0) / (SELECT sum(1 / log(2.0, k + 1.0)) FROM generate_series(1, least(rel.n, 20)) k))::float8
        FROM rel LEFT JOIN hit h USING (user_idx)$q$, tbl);
END $$;
SELECT 'cold_' || m || '_' || x.k, round(x.v::numeric, 4)
FROM (VALUES ('model'), ('sage'), ('sage0'), ('pop'), ('prof')) v(m), LATERAL cold_metrics('rec_' || m) c,
     LATERAL (VALUES ('recall', c.recall), ('ndcg', c.ndcg)) x(k, v);
