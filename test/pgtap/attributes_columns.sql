-- Item attributes (option item_features) from the columns of a per-item
-- relation, by kind: numeric columns (real, double precision, numeric)
-- and vector columns (real[], double precision[], numeric[]) beside the
-- categorical ones of attributes.sql.
--
-- Planted, numeric: 160 users in 2 price levels; a user links to about
-- three quarters of the 32 items of its level and to nothing else.  An
-- item's price says its level (cheap 5..10, dear 50..100); each level also
-- has 4 cold items, in the item relation but in no edge.  A model given
-- the price ranks a user's own level's cold items first; one given a
-- random number instead cannot, so the price is what decides.
-- Planted, vector: 4 groups of users and items; an item's real[8]
-- embedding is its group's unit vector plus noise.  Noise: a random
-- numeric column beside the plain model on held-out edges.
\set ON_ERROR_STOP 1
SELECT plan(20);

CREATE TABLE ne AS
SELECT u AS user_id, (u % 2) * 100 + k AS item_id
FROM generate_series(0, 159) u, generate_series(0, 31) k
WHERE (hashint4(u * 37 + k) & 3) <> 0;
-- items lvl*100 + 0..31 warm, lvl*100 + 50..53 cold
CREATE TABLE nitems AS
SELECT lvl * 100 + k AS item_id, lvl, k >= 50 AS cold,
       (CASE lvl WHEN 0 THEN 5 + (hashint4(k) & 1023) / 204.6 ELSE 50 + (hashint4(k + 7) & 1023) / 20.46 END)::numeric(8, 2) AS price,
       (hashint4(lvl * 100 + k + 11) & 1023) / 1023.0 AS noise,
       (ARRAY['red', 'green', 'blue'])[1 + (hashint4(lvl * 100 + k) & 1) + (k % 2)] AS colour,
       7.5::float8 AS flat
FROM generate_series(0, 1) lvl, (SELECT generate_series(0, 31) UNION ALL SELECT generate_series(50, 53)) s(k);
-- NULL and NaN prices count as the mean (and are counted); a NULL key is skipped
INSERT INTO nitems VALUES (1000, 0, false, NULL, 0.5, 'red', 7.5), (1001, 1, false, 'NaN', 0.5, 'red', 7.5),
                          (NULL, 0, false, 1, 0.5, 'red', 7.5);

SELECT linkpred_train('np', 'ne', 'user_id', 'item_id',
                      options => '{"seed": 1, "dim": 16, "item_features": {"relation": "nitems", "key": "item_id", "columns": ["price", "colour", "flat"]}}');
SELECT linkpred_train('nz', 'ne', 'user_id', 'item_id',
                      options => '{"seed": 1, "dim": 16, "item_features": {"relation": "nitems", "key": "item_id", "columns": ["noise", "colour"]}}');

SELECT is((SELECT (stats->>'attribute_rows', stats->>'attribute_rows_skipped', stats->>'attributes',
                   stats->>'attribute_nulls', stats->>'cold_items')::text
           FROM linkpred.jobs WHERE model = 'np' ORDER BY id DESC LIMIT 1),
          '(225,3,4,2,10)',
          'numeric: 75 rows x 3 columns, the NULL key skipped in each; 3 colours and one price vector (the flat column: none); a NULL and a NaN price counted; 8 + 2 cold items');
SELECT is((SELECT options->'item_features'->'columns' FROM linkpred.versions WHERE model = 'np' AND active),
          '["price", "colour", "flat"]'::jsonb, 'numeric: the columns are stored as given');

-- each user's best score among its own level's cold items and the other level's
CREATE FUNCTION level_scores(m text)
RETURNS TABLE (user_id int, own float8, other float8) LANGUAGE sql AS $$
    SELECT u, (SELECT max(linkpred_score(u, i.item_id, m)) FROM nitems i WHERE i.cold AND i.lvl = u % 2),
              (SELECT max(linkpred_score(u, i.item_id, m)) FROM nitems i WHERE i.cold AND i.lvl <> u % 2)
    FROM generate_series(0, 159) u
$$;
SELECT cmp_ok((SELECT count(*) FROM level_scores('np') WHERE own > other), '>=', 152::bigint,
              'numeric: at least 95% of users score their price level''s cold items above the other level''s');
SELECT diag('users ranking their level''s cold items first: with the price ' ||
            (SELECT count(*) FROM level_scores('np') WHERE own > other) || ' of 160, with a random number instead ' ||
            (SELECT count(*) FROM level_scores('nz') WHERE own > other));
SELECT cmp_ok((SELECT count(*) FROM level_scores('nz') WHERE own > other), '<', 136::bigint,
              'numeric: with a random number in the price''s place, under 85% of users do (so the price decides above)');
SELECT cmp_ok((SELECT count(*) FROM generate_series(0, 159) u
               WHERE EXISTS (SELECT 1 FROM linkpred_topk(u, 12, 'np') t JOIN nitems i ON i.item_id = t.item
                             WHERE i.cold AND i.lvl = u % 2)), '>=', 144::bigint,
              'numeric: in the top 12 (about the unseen items of a level), a cold item of the user''s level for at least 90% of users');
SELECT ok((SELECT bool_and(linkpred_score(u, 1000, 'np') IS NOT NULL AND linkpred_score(u, 1001, 'np') IS NOT NULL)
           FROM generate_series(0, 9) u), 'numeric: items with a NULL or NaN price are in the model');

-- a vector column: 4 groups, real[8] embeddings
CREATE TABLE ve AS
SELECT u AS user_id, (u % 4) * 100 + k AS item_id
FROM generate_series(0, 159) u, generate_series(0, 15) k
WHERE (hashint4(u * 31 + k) & 3) <> 0;
CREATE TABLE vitems AS
SELECT g * 100 + k AS item_id, g AS grp, k >= 50 AS cold,
       (SELECT array_agg(((c = g)::int + ((hashint4(g * 1000 + k * 10 + c) & 1023) / 1023.0 - 0.5) * 0.6)::real ORDER BY c)
        FROM generate_series(0, 7) c) AS emb
FROM generate_series(0, 3) g, (SELECT generate_series(0, 15) UNION ALL SELECT 50 UNION ALL SELECT 51) s(k);
INSERT INTO vitems VALUES (1000, 0, false, NULL);
SELECT linkpred_train('nv', 've', 'user_id', 'item_id',
                      options => '{"seed": 1, "dim": 16, "item_features": {"relation": "vitems", "key": "item_id", "columns": ["emb"]}}');
SELECT is((SELECT (stats->>'attribute_rows', stats->>'attributes', stats->>'attribute_nulls', stats->>'cold_items')::text
           FROM linkpred.jobs WHERE model = 'nv' ORDER BY id DESC LIMIT 1),
          '(73,8,1,9)', 'vector: one attribute per component; the NULL array counted');
SELECT cmp_ok((SELECT count(*) FROM generate_series(0, 159) u
               WHERE (SELECT max(linkpred_score(u, i.item_id, 'nv')) FROM vitems i WHERE i.cold AND i.grp = u % 4)
                   > (SELECT max(linkpred_score(u, i.item_id, 'nv')) FROM vitems i WHERE i.cold AND i.grp <> u % 4)),
              '>=', 152::bigint,
              'vector: at least 95% of users score their group''s cold items above every other group''s');
-- numeric[] reads as a vector too
CREATE VIEW vitems_numeric AS SELECT item_id, emb::numeric[] AS emb FROM vitems;
SELECT linkpred_train('nn', 've', 'user_id', 'item_id',
                      options => '{"seed": 1, "dim": 16, "epochs": 2, "item_features": {"relation": "vitems_numeric", "key": "item_id", "columns": ["emb"]}}');
SELECT is((SELECT stats->>'attributes' FROM linkpred.jobs WHERE model = 'nn' ORDER BY id DESC LIMIT 1), '8',
          'vector: a numeric[] column is a vector too');

-- noise: a random numeric column on warm items does not hurt held-out edges
-- here (on LastFM it does at the default id_dropout, as a random categorical
-- column does: docs/relations-and-attributes.md, "Attributes without signal", bench/attributes_columns.sh)
CREATE TABLE wnoise AS SELECT DISTINCT item_id, (hashint4(item_id * 3 + 1) & 1023) / 1023.0 AS r FROM ne;
SELECT linkpred_train('nw', 'ne', 'user_id', 'item_id',
                      options => '{"seed": 1, "dim": 16, "item_features": {"relation": "wnoise", "key": "item_id", "columns": ["r"]}}');
SELECT linkpred_train('n0', 'ne', 'user_id', 'item_id', options => '{"seed": 1, "dim": 16}');
SELECT value AS auc_noise FROM linkpred_evaluate('nw', fraction => 0.2, seed => 4) WHERE metric = 'auc' \gset
SELECT value AS auc_plain FROM linkpred_evaluate('n0', fraction => 0.2, seed => 4) WHERE metric = 'auc' \gset
SELECT diag('holdout AUC with a random numeric column ' || round(:auc_noise::numeric, 4) || ', without ' || round(:auc_plain::numeric, 4));
SELECT cmp_ok(:auc_noise::float8, '>=', :auc_plain::float8 - 0.01,
              'noise: a random numeric column keeps the holdout AUC within 0.01 of the plain model''s');

-- refusals at submit: a type that is no kind ------------------------------
CREATE TYPE pair AS (a int, b int);
CREATE TABLE odd AS
SELECT item_id, '{"a": 1}'::json AS j, '{"a": 1}'::jsonb AS jb, ROW(1, 2)::pair AS p, ARRAY['x', 'y'] AS tags,
       ARRAY[1, 2] AS ints, colour
FROM nitems WHERE item_id IS NOT NULL;
SELECT throws_ok($$SELECT linkpred_train('x', 'ne', 'user_id', 'item_id',
                   options => '{"item_features": {"relation": "odd", "key": "item_id", "columns": ["colour", "j"]}}')$$,
                 '42804', 'column "j" of option "item_features" has type json, which is neither categorical, numeric nor a vector',
                 'a json column is refused at submit');
SELECT throws_ok($$SELECT linkpred_train('x', 'ne', 'user_id', 'item_id',
                   options => '{"item_features": {"relation": "odd", "key": "item_id", "columns": ["jb"]}}')$$,
                 '42804', 'column "jb" of option "item_features" has type jsonb, which is neither categorical, numeric nor a vector',
                 'a jsonb column is refused');
SELECT throws_ok($$SELECT linkpred_train('x', 'ne', 'user_id', 'item_id',
                   options => '{"item_features": {"relation": "odd", "key": "item_id", "columns": ["p"]}}')$$,
                 '42804', 'column "p" of option "item_features" has type pair, which is neither categorical, numeric nor a vector',
                 'a composite column is refused');
SELECT throws_ok($$SELECT linkpred_train('x', 'ne', 'user_id', 'item_id',
                   options => '{"item_features": {"relation": "odd", "key": "item_id", "columns": ["tags"]}}')$$,
                 '42804', 'column "tags" of option "item_features" has type text[], which is neither categorical, numeric nor a vector',
                 'a text[] column is refused (an integer[] alike)');

-- failures of the job, naming a key --------------------------------------
CREATE TABLE vbad (item_id int, emb float8[], n float8);
INSERT INTO vbad VALUES (1, '{1,2,3}', 1), (2, '{4,5}', 2);
SELECT throws_ok($$SELECT linkpred_train('x', 'ne', 'user_id', 'item_id',
                   options => '{"item_features": {"relation": "vbad", "key": "item_id", "columns": ["emb"]}}')$$,
                 '22000', 'arrays of column "emb" of option "item_features" differ in length: 3 for key 1, 2 for key 2',
                 'arrays of two lengths fail the job, naming a key of each');
TRUNCATE vbad;
INSERT INTO vbad VALUES (1, '{1,2}', 1), (2, '{4,NULL}', 2);
SELECT throws_ok($$SELECT linkpred_train('x', 'ne', 'user_id', 'item_id',
                   options => '{"item_features": {"relation": "vbad", "key": "item_id", "columns": ["emb"]}}')$$,
                 '22004', 'the array of column "emb" of option "item_features" has a NULL element for key 2',
                 'a NULL element fails the job');
TRUNCATE vbad;
INSERT INTO vbad VALUES (1, '{1,2}', 1), (2, '{4,Infinity}', 2);
SELECT throws_ok($$SELECT linkpred_train('x', 'ne', 'user_id', 'item_id',
                   options => '{"item_features": {"relation": "vbad", "key": "item_id", "columns": ["emb"]}}')$$,
                 '22000', 'the array of column "emb" of option "item_features" has a non-finite element for key 2',
                 'an infinite element fails the job');
TRUNCATE vbad;
INSERT INTO vbad VALUES (1, '{{1,2},{3,4}}', 1);
SELECT throws_ok($$SELECT linkpred_train('x', 'ne', 'user_id', 'item_id',
                   options => '{"item_features": {"relation": "vbad", "key": "item_id", "columns": ["emb"]}}')$$,
                 '22000', 'column "emb" of option "item_features" holds a 2-dimensional array for key 1',
                 'a two-dimensional array fails the job');
TRUNCATE vbad;
INSERT INTO vbad VALUES (1, '{1,2}', 1), (2, '{3,4}', 2), (1, '{5,6}', 3);
SELECT throws_ok($$SELECT linkpred_train('x', 'ne', 'user_id', 'item_id',
                   options => '{"item_features": {"relation": "vbad", "key": "item_id", "columns": ["n"]}}')$$,
                 '21000', 'key 1 is on more than one row of relation public.vbad of option "item_features"',
                 'a key on two rows fails the job for a numeric column (and a vector one)');
SELECT throws_ok($$SELECT linkpred_train('x', 'ne', 'user_id', 'item_id',
                   options => '{"item_features": {"relation": "nitems", "key": "item_id", "columns": ["flat"]}}')$$,
                 '55000', 'relation public.nitems of option "item_features" has no usable rows',
                 'a constant numeric column alone gives no term: no usable rows');

SELECT * FROM finish();
