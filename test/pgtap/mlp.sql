-- The MLP decoder ("decoder": "mlp"): w2 . relu(W1 [h_u; h_v; h_u * h_v] +
-- b1) + b2 (+ the node biases), trained with the vectors.  HetRec LastFM
-- user-artist edges, the fixed 90/10 hash split of spectral.sql, and
-- USAir split 1.  Measured with these seeds: LastFM AUC 0.924, Recall@20 0.271,
-- NDCG@20 0.219 (the dot product: 0.919, 0.253, 0.199), training 11 s;
-- user 7's fresh top 50 holds 27 of its training artists; USAir AUC
-- 0.965 with the head, 0.972 without (both orders score alike).  The floors
-- sit under those.  Also: the weights as stored and linkpred_score
-- recomputed from them by hand, exact top-k with no index, top-k for many
-- users, fresh fold-in, and the encoders it refuses.
\set ON_ERROR_STOP 1
SELECT plan(12);

CREATE TABLE ua (user_idx int, artist_idx int, weight int);
\copy ua FROM '../shared/data/lastfm/user_artist_idx.csv' WITH (FORMAT csv, HEADER)
CREATE TABLE ua_train AS SELECT user_idx, artist_idx FROM ua WHERE hashint4(user_idx * 20000 + artist_idx) % 10 <> 0;
CREATE TABLE ua_test AS SELECT user_idx, artist_idx FROM ua WHERE hashint4(user_idx * 20000 + artist_idx) % 10 = 0;

SET linkpred.ann_min_items = 10;	-- an index would be built for a dot product
SELECT linkpred_train('fm_mlp', 'ua_train', 'user_idx', 'artist_idx',
                      options => '{"decoder": "mlp", "seed": 3}') \gset
CREATE FUNCTION metric(model text, name text) RETURNS float8 LANGUAGE sql AS $$
    SELECT value FROM linkpred_evaluate(model, test => 'ua_test', k => '{20}', seed => 1)
    WHERE metric = name
$$;
SELECT cmp_ok(metric('fm_mlp', 'auc'), '>=', 0.91::float8, 'MLP decoder on LastFM: AUC at least 0.91');
SELECT cmp_ok(metric('fm_mlp', 'recall'), '>=', 0.26::float8,
              'MLP decoder on LastFM: Recall@20 at least 0.26 (the dot product: 0.253)');

SELECT is((SELECT (options->>'decoder', options->>'hidden', options->>'lr', options->>'epochs',
                   array_length(decoder, 1), ann IS NULL)::text
           FROM linkpred.version_catalog WHERE model = 'fm_mlp'),
          '(mlp,32,0.05,40,6209,t)',
          'stored: its defaults, W1 b1 w2 b2 as 3*64*32 + 2*32 + 1 reals, and no top-k index');

-- w2 . relu(W1 z + b1) + b2 + b_u + b_v, z = [h_u; h_v; h_u * h_v], from the stored rows
CREATE FUNCTION by_hand(u int, v int) RETURNS float8 LANGUAGE sql AS $$
    WITH w AS (SELECT decoder FROM linkpred.versions WHERE model = 'fm_mlp' AND active),
         hu AS (SELECT vec, bias FROM linkpred.embeddings WHERE model = 'fm_mlp' AND side = 'u' AND key = u::text),
         hv AS (SELECT vec, bias FROM linkpred.embeddings WHERE model = 'fm_mlp' AND side = 'i' AND key = v::text),
         pre AS (
             SELECT k, sum(w.decoder[k * 192 + d + 1] * hu.vec[d + 1]
                         + w.decoder[k * 192 + 64 + d + 1] * hv.vec[d + 1]
                         + w.decoder[k * 192 + 128 + d + 1] * hu.vec[d + 1] * hv.vec[d + 1])
                       + min(w.decoder[6144 + k + 1]) AS a
             FROM w, hu, hv, generate_series(0, 31) k, generate_series(0, 63) d
             GROUP BY k)
    SELECT sum(greatest(pre.a, 0) * w.decoder[6176 + pre.k + 1]) + min(w.decoder[6209])
           + min(hu.bias) + min(hv.bias)
    FROM pre, w, hu, hv
$$;
SELECT ok((SELECT bool_and(abs(linkpred_score(user_idx, artist_idx, model => 'fm_mlp') - by_hand(user_idx, artist_idx)) < 1e-3)
           FROM (SELECT * FROM ua_test ORDER BY user_idx, artist_idx LIMIT 3) t),
          'linkpred_score = the MLP recomputed from linkpred.versions.decoder and linkpred.embeddings');

SELECT is((SELECT array_agg(item ORDER BY score DESC, item)
           FROM linkpred_topk(7, 10, model => 'fm_mlp')),
          (SELECT array_agg(artist_idx ORDER BY s DESC, artist_idx) FROM (
               SELECT a.artist_idx, linkpred_score(7, a.artist_idx, model => 'fm_mlp') AS s
               FROM (SELECT DISTINCT artist_idx FROM ua_train) a
               WHERE NOT EXISTS (SELECT 1 FROM ua_train t WHERE t.user_idx = 7 AND t.artist_idx = a.artist_idx)
               ORDER BY s DESC, a.artist_idx LIMIT 10) x),
          'top-k scores every artist: the ten best new artists by linkpred_score');
SELECT is((SELECT array_agg(item ORDER BY rank) FROM linkpred_topk_many(ARRAY[3, 7, 11], 10, model => 'fm_mlp') WHERE user_id = 7),
          (SELECT array_agg(item ORDER BY score DESC, item) FROM linkpred_topk(7, 10, model => 'fm_mlp')),
          'top-k for many users = top-k for one');

-- fresh fold-in: a user's vector relearnt from its rows against the frozen
-- items and decoder ranks that user's training artists near the top
SELECT cmp_ok((SELECT count(*)::int FROM linkpred_topk(7, 50, model => 'fm_mlp', exclude_seen => false, fresh => true) t
               JOIN ua_train a ON a.user_idx = 7 AND a.artist_idx = t.item), '>=', 20,
              'fresh fold-in: at least 20 of user 7''s training artists in its fresh top 50');

-- USAir, with the head (auto) and without
CREATE TABLE split (split int, part text, src int, dst int, label int);
\copy split FROM '../shared/data/seal/splits/usair_train90_splits.csv' WITH (FORMAT csv, HEADER)
CREATE TABLE usair_train AS SELECT src, dst FROM split WHERE split = 1 AND part = 'train' AND label = 1;
CREATE TABLE usair_test AS SELECT src, dst, label FROM split WHERE split = 1 AND part = 'test';
SELECT count(linkpred_train(name, 'usair_train', 'src', 'dst', options => o))
FROM (VALUES ('usair_mlp', '{"bipartite": false, "decoder": "mlp", "seed": 7}'::jsonb),
             ('usair_mlp_plain', '{"bipartite": false, "decoder": "mlp", "features": "none", "seed": 7}')) m(name, o) \gset
CREATE FUNCTION usair_auc(model text) RETURNS float8 LANGUAGE sql AS $$
    SELECT value FROM linkpred_evaluate(model, test => 'usair_test', label => 'label') WHERE metric = 'auc'
$$;
SELECT cmp_ok(usair_auc('usair_mlp'), '>=', 0.95::float8,
              'USAir split 1, MLP decoder with the structural head: AUC at least 0.95');
SELECT cmp_ok(usair_auc('usair_mlp_plain'), '>=', 0.95::float8,
              'USAir split 1, MLP decoder alone: AUC at least 0.95');

SELECT ok((SELECT bool_and(abs(linkpred_score(src, dst, model => 'usair_mlp_plain') -
                               linkpred_score(dst, src, model => 'usair_mlp_plain')) < 1e-4)
           FROM (SELECT * FROM usair_test ORDER BY src, dst LIMIT 20) t),
          'undirected graph: the MLP scores s(u,v) = s(v,u)');
SELECT throws_ok($$SELECT linkpred_train('bad', 'usair_train', 'src', 'dst',
                     options => '{"bipartite": false, "encoder": "lightgcn", "decoder": "mlp"}')$$,
                 '0A000', 'decoder "mlp" is not available with encoder "lightgcn"',
                 'the MLP decoder with the LightGCN encoder is refused');
SELECT throws_ok($$SELECT linkpred_train('bad', 'usair_train', 'src', 'dst',
                     options => '{"decoder": "mlp", "hidden": 0}')$$,
                 '22023', 'option "hidden" is out of range: 0',
                 '"hidden": 0 is refused');

SELECT * FROM finish();
