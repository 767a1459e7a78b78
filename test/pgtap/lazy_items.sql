-- Lazy items (src/serve/cache_lazy.c): a private copy of a version with an
-- approximate top-k index reads the items' keys, biases and degrees on its
-- first call, and an item's vector only when a top-k's re-rank (or a
-- score) needs it, as a slice of its chunk's array; the item key map's
-- hash table waits for the first item lookup.  This cluster has no shared
-- cache, so every copy here is private.
--
-- A planted graph: 3,000 users in 20 groups, each with 8 of its group's
-- 1,000 items (20,000 items: 20 chunks), dim 128, so that the item vectors
-- fill many more TOAST pages than the first call's one bucket of users.  What is checked: that the first top-k reads a small
-- part of the TOAST blocks that reading every item vector reads; that the
-- lazy answers (top-k for many users, exclusions by item key, a user the
-- version lacks, text keys) equal those after every item is read, and the
-- rows' scores linkpred_score's; that the exact scan of a lazy copy reads
-- every item first; and that damaged item vectors and damaged (repeated)
-- item keys are refused.
\set ON_ERROR_STOP 1
SELECT plan(19);

SET linkpred.ann_min_items = 1000;
CREATE TABLE li_edges AS
SELECT u AS user_id, (u % 20) * 1000 + ((u / 20) * 7 + k) % 1000 AS item_id
FROM generate_series(0, 2999) u, generate_series(0, 7) k;
CREATE TABLE li_text AS SELECT user_id, 'item-' || item_id AS item_id FROM li_edges;
CREATE TABLE li_users AS SELECT u FROM generate_series(0, 2999, 61) u UNION ALL SELECT 999999;

SELECT linkpred_train('li', 'li_edges', 'user_id', 'item_id',
                      options => '{"dim": 128, "epochs": 3, "seed": 1}') IS NOT NULL AS trained;
SELECT linkpred_train('li_text', 'li_text', 'user_id', 'item_id',
                      options => '{"dim": 128, "epochs": 3, "seed": 1}') IS NOT NULL AS trained;

SELECT is((SELECT (ann IS NOT NULL) || ' ' || (SELECT count(*) FROM linkpred.embedding_store
                                              WHERE model = 'li' AND side = 'i')
           FROM linkpred.version_catalog WHERE model = 'li'),
          'true 20', 'model li has a top-k index and its 20,000 items in 20 chunks');

-- the first call against every item's vector (blocks of the TOAST table read)
SELECT reltoastrelid AS toast FROM pg_class WHERE oid = 'linkpred.embedding_store'::regclass \gset
-- (PostgreSQL 15's xact counters also hold earlier statements' reads the backend has not
-- flushed yet, which nothing flushes inside a transaction: the difference is this call's)
BEGIN;
SELECT pg_stat_get_xact_blocks_fetched(:toast) AS lazy_before \gset
SELECT count(*) AS first_call FROM linkpred_topk(17, 5, model => 'li');
SELECT pg_stat_get_xact_blocks_fetched(:toast) - :lazy_before AS lazy_fetched \gset
COMMIT;

-- the lazy answers: users of every group, one the version lacks
CREATE TEMP TABLE lazy_top AS
SELECT x.u, t.item, t.score FROM li_users x, linkpred_topk(x.u, 5, model => 'li') t;
CREATE TEMP TABLE lazy_excl AS
SELECT x.u, t.item, t.score FROM li_users x,
       linkpred_topk(x.u, 5, model => 'li',
                     exclude => (SELECT array_agg(item) FROM lazy_top l WHERE l.u = x.u AND l.score >=
                                 (SELECT max(score) FROM lazy_top m WHERE m.u = x.u))) t;
CREATE TEMP TABLE lazy_text AS
SELECT x.u, t.item, t.score FROM li_users x, linkpred_topk(x.u::text, 5, model => 'li_text') t;
SELECT is((SELECT count(*)::int FROM lazy_top), 5 * 51, 'top-5 of each user, the missing one''s included');
SELECT is((SELECT count(*)::int FROM lazy_top l JOIN li_edges e ON e.user_id = l.u AND e.item_id = l.item), 0,
          'a lazy copy''s top-k leaves out the user''s training items');
SELECT is((SELECT count(*)::int FROM lazy_excl e JOIN lazy_top l USING (u, item)
           WHERE l.score >= (SELECT max(score) FROM lazy_top m WHERE m.u = l.u)), 0,
          'exclude => by item key works before the item keys were hashed');

-- every item read: linkpred_score needs the item keys and vectors
BEGIN;
SELECT pg_stat_get_xact_blocks_fetched(:toast) AS full_before \gset
SELECT linkpred_score(17, 5, model => 'li') IS NOT NULL AS scored;
SELECT pg_stat_get_xact_blocks_fetched(:toast) - :full_before AS full_fetched \gset
COMMIT;
SELECT cmp_ok(:full_fetched::bigint, '>', 4 * :lazy_fetched::bigint,
              format('the first top-k read %s TOAST blocks, every item vector %s', :lazy_fetched, :full_fetched));
SELECT cmp_ok(:lazy_fetched::bigint, '>', 0::bigint, 'the first top-k read its item vectors from the table');

SELECT is((SELECT count(*)::int FROM (
             SELECT * FROM lazy_top
             EXCEPT SELECT x.u, t.item, t.score FROM li_users x, linkpred_topk(x.u, 5, model => 'li') t) d),
          0, 'top-k read lazily equals top-k with every item read (items, scores)');
SELECT is((SELECT string_agg(u || ':' || item, ',' ORDER BY u, score DESC, item) FROM lazy_top),
          (SELECT string_agg(x.u || ':' || t.item, ',' ORDER BY x.u, t.score DESC, t.item)
           FROM li_users x, linkpred_topk(x.u, 5, model => 'li') t),
          'and in the same order');
SELECT is((SELECT count(*)::int FROM lazy_top
           WHERE u <> 999999 AND score IS DISTINCT FROM linkpred_score(u, item, model => 'li')),
          0, 'a lazy row''s score is linkpred_score''s for its pair');
SELECT is((SELECT count(*)::int FROM (
             SELECT * FROM lazy_excl
             EXCEPT SELECT x.u, t.item, t.score FROM li_users x,
                    linkpred_topk(x.u, 5, model => 'li',
                                  exclude => (SELECT array_agg(item) FROM lazy_top l WHERE l.u = x.u AND l.score >=
                                              (SELECT max(score) FROM lazy_top m WHERE m.u = x.u))) t) d),
          0, 'with exclusions too');
SELECT linkpred_score(17, 'item-5', model => 'li_text') IS NOT NULL AS text_scored;
SELECT is((SELECT count(*)::int FROM (
             SELECT * FROM lazy_text
             EXCEPT SELECT x.u, t.item, t.score FROM li_users x, linkpred_topk(x.u::text, 5, model => 'li_text') t) d),
          0, 'text keys: top-k read lazily equals top-k with every item read');
SELECT is((SELECT count(*)::int FROM lazy_text), 5 * 51, 'text keys: as many rows');

-- the exact scan of a copy whose items are lazy reads every item first
SELECT linkpred_train('li_exact', 'li_edges', 'user_id', 'item_id',
                      options => '{"dim": 128, "epochs": 1, "seed": 1}') IS NOT NULL AS trained;
SELECT count(*) AS loaded FROM linkpred_topk(17, 5, model => 'li_exact');
SET linkpred.ann_min_items = 0;
CREATE TEMP TABLE exact_top AS
SELECT x.u, t.item, t.score FROM li_users x, linkpred_topk(x.u, 5, model => 'li_exact') t;
-- (the exact scan's matrix product may round a score's last bit otherwise)
SELECT is((SELECT count(*)::int FROM exact_top
           WHERE u <> 999999 AND NOT abs(score - linkpred_score(u, item, model => 'li_exact')) < 1e-5),
          0, 'the exact scan of a lazy copy: each row''s score is linkpred_score''s');
SELECT is((SELECT count(*)::int FROM exact_top), 5 * 51, 'and it returns every user''s rows');
SET linkpred.ann_min_items = 1000;

-- damaged item vectors: the call that needs them fails, and again after
SELECT linkpred_train('li_dmg', 'li_edges', 'user_id', 'item_id',
                      options => '{"dim": 128, "epochs": 1, "seed": 1}') IS NOT NULL AS trained;
UPDATE linkpred.embedding_store SET vecs = vecs[1:1] WHERE model = 'li_dmg' AND side = 'i';
SELECT throws_ok($$SELECT * FROM linkpred_topk(17, 5, model => 'li_dmg')$$,
                 'XX001', 'embeddings of model "li_dmg" version 1 are damaged',
                 'damaged item vectors: the first top-k fails');
SELECT throws_ok($$SELECT * FROM linkpred_topk(17, 5, model => 'li_dmg')$$,
                 'XX001', 'embeddings of model "li_dmg" version 1 are damaged',
                 'and the next one too (the copy read afresh)');

-- an item key stored twice: found when the keys are first hashed
SELECT linkpred_train('li_dup', 'li_edges', 'user_id', 'item_id',
                      options => '{"dim": 128, "epochs": 1, "seed": 1}') IS NOT NULL AS trained;
UPDATE linkpred.embedding_store SET keys[2] = keys[1] WHERE model = 'li_dup' AND side = 'i' AND idx = 0;
SELECT is((SELECT count(*)::int FROM linkpred_topk(17, 5, model => 'li_dup')), 5,
          'repeated item keys: a top-k that looks up no item is served');
SELECT throws_ok($$SELECT linkpred_score(17, 5, model => 'li_dup')$$,
                 'XX001', 'the node ids of a stored model version are not distinct',
                 'the first item lookup refuses them');
SELECT throws_ok($$SELECT * FROM linkpred_topk(17, 5, model => 'li_dup', exclude => ARRAY[1])$$,
                 'XX001', 'the node ids of a stored model version are not distinct',
                 'and so does every later one');

SELECT * FROM finish();
