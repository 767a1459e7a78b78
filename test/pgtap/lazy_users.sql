-- Lazy users (src/serve/cache_load.c): a bipartite version stores its users
-- in buckets by a hash of their key, and a backend's private copy reads a
-- user's bucket on the user's first lookup instead of every user.  This
-- cluster has no shared cache, so every copy here is private.
--
-- A planted graph: 5,000 users in ten groups, each with 8 of its group's 30
-- items (300 items): 5 buckets of users, one chunk of items.  What is
-- checked: the layout (each user in the bucket of its key's hash,
-- linkpred.embeddings still a row per node), that the first call reads a
-- small part of what reading every user reads, that the lazy answers
-- (top-k, scores, users in every bucket, a user the version lacks, text
-- keys) equal the answers after every user is read, that the seen lists
-- read from a bucket exclude the user's own items, that a version whose
-- decoder reads every user (bilinear) reads the buckets whole, and that
-- a retrain, a rollback and a drop between calls serve the right version,
-- and that a damaged bucket fails its users' calls only.
\set ON_ERROR_STOP 1
SELECT plan(26);

CREATE TABLE lz_edges AS
SELECT u AS user_id, (u % 10) * 30 + (u * 7 + k * 3) % 30 AS item_id
FROM generate_series(0, 4999) u, generate_series(0, 7) k;
CREATE TABLE lz_text AS SELECT 'user-' || user_id AS user_id, item_id FROM lz_edges;
-- users in every bucket, and one the version lacks
CREATE TABLE lz_users AS SELECT u FROM generate_series(0, 4999, 97) u UNION ALL SELECT 999999;

SELECT linkpred_train('lz', 'lz_edges', 'user_id', 'item_id',
                      options => '{"encoder": "mf", "dim": 16, "epochs": 5, "seed": 1}') IS NOT NULL AS trained;
SELECT linkpred_train('lz_text', 'lz_text', 'user_id', 'item_id',
                      options => '{"encoder": "mf", "dim": 16, "epochs": 5, "seed": 1}') IS NOT NULL AS trained;
SELECT linkpred_train('lz_bil', 'lz_edges', 'user_id', 'item_id',
                      options => '{"dim": 16, "epochs": 5, "seed": 1, "decoder": "bilinear"}') IS NOT NULL AS trained;

-- the layout
SELECT is((SELECT count(*) || ' ' || bool_and(nodes IS NOT NULL) || ' ' || sum(cardinality(keys))
           FROM linkpred.embedding_store WHERE model = 'lz' AND side = 'u'),
          '5 true 5000', 'model lz: 5,000 users in 5 buckets, each with its users'' indices');
SELECT is((SELECT count(*)::int FROM linkpred.embedding_store c, unnest(c.keys) k
           WHERE c.model = 'lz' AND c.side = 'u' AND linkpred_shard(k::integer, 5) <> c.idx),
          0, 'each user is in the bucket of its key''s hash (linkpred_shard''s)');
SELECT is((SELECT count(*)::int FROM linkpred.embedding_store c, unnest(c.keys) k
           WHERE c.model = 'lz_text' AND c.side = 'u' AND linkpred_shard(k, 5) <> c.idx),
          0, 'text keys too');
SELECT is((SELECT count(*) || ' ' || count(DISTINCT idx) || ' ' || min(idx) || ' ' || max(idx)
                  || ' ' || count(DISTINCT key)
           FROM linkpred.embeddings WHERE model = 'lz' AND side = 'u'),
          '5000 5000 0 4999 5000', 'linkpred.embeddings shows a row per user with its index');
SELECT is((SELECT count(*)::int FROM linkpred.embedding_store WHERE model = 'lz' AND side = 'i' AND nodes IS NOT NULL),
          0, 'the items stay in chunks of consecutive nodes');

-- the first call: the items and one bucket, against every user (blocks of the TOAST table
-- read, the vectors' arrays being stored out of line)
SELECT reltoastrelid AS toast FROM pg_class WHERE oid = 'linkpred.embedding_store'::regclass \gset
-- (PostgreSQL 15's xact counters also hold earlier statements' reads the backend has not
-- flushed yet, which nothing flushes inside a transaction: the difference is this call's)
BEGIN;
SELECT pg_stat_get_xact_blocks_fetched(:toast) AS lazy_before \gset
SELECT count(*) AS first_call FROM linkpred_topk(17, 5, model => 'lz');
SELECT pg_stat_get_xact_blocks_fetched(:toast) - :lazy_before AS lazy_fetched \gset
COMMIT;

-- the lazy answers: users in every bucket, one the version lacks, a score each
SELECT is((SELECT count(DISTINCT linkpred_shard(u, 5))::int FROM lz_users), 5,
          'the users asked for are in all 5 buckets');
CREATE TEMP TABLE lazy_top AS
SELECT x.u, t.item, t.score FROM lz_users x, linkpred_topk(x.u, 5, model => 'lz') t;
CREATE TEMP TABLE lazy_score AS
SELECT x.u, v, linkpred_score(x.u, v, model => 'lz') AS s FROM lz_users x, generate_series(0, 299, 37) v;
CREATE TEMP TABLE lazy_text AS
SELECT x.u, t.item, t.score FROM lz_users x, linkpred_topk('user-' || x.u, 5, model => 'lz_text') t;
SELECT is((SELECT count(*)::int FROM lazy_top WHERE u <> 999999), 5 * 52, 'top-5 of each user the version holds');
SELECT is((SELECT count(*)::int FROM lazy_top l JOIN lz_edges e ON e.user_id = l.u AND e.item_id = l.item), 0,
          'a lazy user''s top-k leaves out its training items (its seen list came from its bucket)');
-- a lazy user's score is its stored vector's: the right user's bucket entry
SELECT is((SELECT count(*)::int
           FROM linkpred.embeddings u, linkpred.embeddings i, lz_users x
           WHERE u.model = 'lz' AND u.side = 'u' AND u.key = (x.u + 1)::text
             AND i.model = 'lz' AND i.side = 'i' AND i.key IN ('3', '150', '299')
             AND abs(linkpred_score(x.u + 1, i.key::integer, model => 'lz')
                     - ((SELECT sum(a * b) FROM unnest(u.vec, i.vec) t(a, b)) + u.bias + i.bias)) > 1e-4),
          0, 'lazy scores are those of the stored vectors of the user and the item');

-- every user read: topk_many for all users
BEGIN;
SELECT pg_stat_get_xact_blocks_fetched(:toast) AS full_before \gset
SELECT count(*) AS all_users FROM linkpred_topk_many(NULL::integer[], 5, model => 'lz');
SELECT pg_stat_get_xact_blocks_fetched(:toast) - :full_before AS full_fetched \gset
COMMIT;
SELECT cmp_ok(:full_fetched::bigint, '>', 3 * :lazy_fetched::bigint,
              format('the first call read %s TOAST blocks, reading every user %s', :lazy_fetched, :full_fetched));
SELECT cmp_ok(:lazy_fetched::bigint, '>', 0::bigint, 'the first call read its rows from the table');

CREATE TEMP TABLE full_top AS
SELECT x.u, t.item, t.score FROM lz_users x, linkpred_topk(x.u, 5, model => 'lz') t;
SELECT is((SELECT count(*)::int FROM (SELECT * FROM lazy_top EXCEPT SELECT * FROM full_top
                                      UNION ALL SELECT * FROM full_top EXCEPT SELECT * FROM lazy_top) d),
          0, 'top-k read lazily equals top-k with every user read');
SELECT is((SELECT count(*)::int FROM lazy_score l
           WHERE l.s IS DISTINCT FROM linkpred_score(l.u, l.v, model => 'lz')),
          0, 'scores read lazily equal scores with every user read, the missing user''s included');
-- (linkpred_topk_many scores users in blocks: the last bits may differ)
SELECT is((SELECT count(*)::int FROM lazy_top l
           LEFT JOIN linkpred_topk_many((SELECT array_agg(u) FROM lz_users), 5, model => 'lz') m
                  ON m.user_id = l.u AND m.item = l.item AND abs(m.score - l.score) < 1e-5
           WHERE l.u <> 999999 AND m.item IS NULL),
          0, 'and equals linkpred_topk_many''s rows for the same users');

SELECT count(*) AS all_text_users FROM linkpred_topk_many(NULL::text[], 5, model => 'lz_text');
SELECT is((SELECT count(*)::int FROM (
             SELECT * FROM lazy_text
             EXCEPT SELECT x.u, t.item, t.score FROM lz_users x, linkpred_topk('user-' || x.u, 5, model => 'lz_text') t) d),
          0, 'text keys: top-k read lazily equals top-k with every user read');
SELECT is((SELECT count(*)::int FROM lazy_text), (SELECT count(*)::int FROM lazy_top),
          'text keys: as many rows as the integer model');

-- a decoder that reads every user (bilinear): the buckets read whole
SELECT is((SELECT count(*)::int FROM linkpred.embedding_store WHERE model = 'lz_bil' AND side = 'u' AND nodes IS NOT NULL),
          5, 'the bilinear model''s users are in buckets too');
CREATE TEMP TABLE bil_top AS
SELECT x.u, t.item, t.score FROM lz_users x, linkpred_topk(x.u, 5, model => 'lz_bil') t;
SELECT is((SELECT count(*)::int FROM bil_top l JOIN lz_edges e ON e.user_id = l.u AND e.item_id = l.item), 0,
          'bilinear: top-k leaves out each user''s training items');
SELECT is((SELECT count(*)::int FROM bil_top WHERE abs(score - linkpred_score(u, item, model => 'lz_bil')) > 1e-5),
          0, 'bilinear: top-k''s scores are linkpred_score''s');

-- a retrain, a rollback and a drop between calls
SELECT linkpred_train('lz', 'lz_edges', 'user_id', 'item_id',
                      options => '{"encoder": "mf", "dim": 16, "epochs": 5, "seed": 2}') IS NOT NULL AS retrained;
CREATE TEMP TABLE v2_top AS
SELECT x.u, t.item, t.score FROM lz_users x, linkpred_topk(x.u, 5, model => 'lz') t;
SELECT isnt((SELECT string_agg(u || ':' || item || ':' || score, ',' ORDER BY u, score, item) FROM v2_top),
            (SELECT string_agg(u || ':' || item || ':' || score, ',' ORDER BY u, score, item) FROM lazy_top),
            'after a retrain the next call serves version 2');
SELECT linkpred_activate('lz', 1);
SELECT is((SELECT count(*)::int FROM (
             SELECT * FROM lazy_top
             EXCEPT SELECT x.u, t.item, t.score FROM lz_users x, linkpred_topk(x.u, 5, model => 'lz') t) d),
          0, 'rolled back to version 1: its top-k again, read lazily');
SELECT linkpred_activate('lz', 2);
SELECT is((SELECT count(*)::int FROM (
             SELECT * FROM v2_top
             EXCEPT SELECT x.u, t.item, t.score FROM lz_users x, linkpred_topk(x.u, 5, model => 'lz') t) d),
          0, 'and forward to version 2 again');
SELECT linkpred_drop('lz_text');
SELECT throws_ok($$SELECT * FROM linkpred_topk('user-17'::text, 5, model => 'lz_text')$$,
                 '42704', 'linkpred model "lz_text" does not exist',
                 'a dropped model''s lazy copy is not served');

-- a damaged bucket: only its users' first call fails, and the copy is read afresh after
SELECT linkpred_train('lz_dmg', 'lz_edges', 'user_id', 'item_id',
                      options => '{"encoder": "mf", "dim": 16, "epochs": 1, "seed": 1}') IS NOT NULL AS trained;
SELECT u AS other FROM generate_series(0, 99) u WHERE linkpred_shard(u, 5) <> linkpred_shard(17, 5) LIMIT 1 \gset
SELECT count(*) AS loaded FROM linkpred_topk(:other, 5, model => 'lz_dmg');
UPDATE linkpred.embedding_store SET vecs = vecs[1:1]
WHERE model = 'lz_dmg' AND side = 'u' AND idx = linkpred_shard(17, 5);
SELECT throws_ok($$SELECT * FROM linkpred_topk(17, 5, model => 'lz_dmg')$$,
                 'XX001', 'embeddings of model "lz_dmg" version 1 are damaged',
                 'a user whose bucket is damaged: its first call fails');
SELECT is((SELECT count(*)::int FROM linkpred_topk(:other, 5, model => 'lz_dmg')), 5,
          'a user of another bucket is served after it (the copy read again)');
SELECT throws_ok($$SELECT * FROM linkpred_topk(17, 5, model => 'lz_dmg')$$,
                 'XX001', 'embeddings of model "lz_dmg" version 1 are damaged',
                 'and the damaged bucket fails again');

SELECT * FROM finish();
