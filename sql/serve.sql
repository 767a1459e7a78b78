-- Serving: which model a call uses, top-k contract, unknown ids, key types.
SELECT count(*) AS models FROM linkpred.models;

-- one model: calls need not name it
SELECT linkpred_score(1, 20) IS NOT NULL AS scored;
SELECT count(*) FROM linkpred_topk(1, 5);

-- top-k: best first, k rows, never an item the user has (exclude_seen)
SELECT count(*) = 5 AS five,
       bool_and(score IS NOT NULL) AS scored
FROM linkpred_topk(1, 5);
SELECT count(*) AS seen_returned FROM linkpred_topk(1, 40) t
WHERE t.item IN (SELECT item_id FROM events WHERE user_id = 1);
SELECT count(*) AS all_candidates FROM linkpred_topk(1, 1000);
SELECT count(*) AS with_seen FROM linkpred_topk(1, 1000, exclude_seen => false);
SELECT bool_and(prev >= score) AS descending FROM (
    SELECT score, lag(score) OVER () AS prev FROM linkpred_topk(1, 20)) s WHERE prev IS NOT NULL;
-- top-k scores are linkpred_score's
SELECT bool_and(abs(t.score - linkpred_score(1, t.item)) < 1e-5) AS consistent FROM linkpred_topk(1, 10) t;

-- unknown user: items ranked as for a user with no history; NULL user too
SELECT count(*) FROM linkpred_topk(424242, 5);
SELECT array_agg(item) = (SELECT array_agg(item) FROM linkpred_topk(NULL::int, 5)) AS same
FROM linkpred_topk(424242, 5);
SELECT linkpred_score(424242, 20) IS NULL AS unknown_user, linkpred_score(1, 424242) IS NULL AS unknown_item,
       linkpred_score(NULL::int, 20) IS NULL AS null_user;
-- an id of another type that names the same node
SELECT linkpred_score(1::bigint, '20') = linkpred_score(1, 20) AS same;
SELECT linkpred_score('not a number', 20) IS NULL AS not_an_id;

-- the items come back in the type of the user argument, ready to join
CREATE TABLE products (id int PRIMARY KEY, name text);
INSERT INTO products SELECT g, 'product ' || g FROM generate_series(0, 39) g;
SELECT count(*) FROM linkpred_topk(1, 5) t JOIN products p ON p.id = t.item;
SELECT pg_typeof(item) FROM linkpred_topk(1::bigint, 1);

-- several models: a call must say which, by argument or GUC
SELECT linkpred_train('shop2', 'events', 'user_id', 'item_id', options => '{"dim": 4, "epochs": 2, "seed": 1}') IS NOT NULL;
SELECT linkpred_score(1, 20);
SELECT linkpred_score(1, 20, model => 'shop2') IS NOT NULL;
SET linkpred.model = 'shop2';
SELECT linkpred_score(1, 20) = linkpred_score(1, 20, model => 'shop2') AS guc_used;
RESET linkpred.model;
-- a model per row
SELECT m, linkpred_score(1, 20, model => m) IS NOT NULL FROM (VALUES ('shop'), ('shop2'), ('shop')) v(m);
SELECT linkpred_drop('shop2');

-- a new version is picked up by the next statement
SELECT linkpred_score(1, 20) AS before \gset
SELECT linkpred_train('shop', 'events', 'user_id', 'item_id', options => '{"dim": 8, "epochs": 5, "seed": 77}') IS NOT NULL;
SELECT linkpred_score(1, 20) <> :before AS changed;
SELECT active_version FROM linkpred.models WHERE name = 'shop';

-- fresh => true: the user's current rows, folded into a vector against the
-- trained items, in this query's snapshot; works for users new since training
SELECT count(*) FROM linkpred_topk(777, 5);
INSERT INTO events VALUES (777, 20, 1), (777, 33, 1), (777, 6, 1);
SELECT count(*) AS fresh_rows, bool_and(item NOT IN (20, 33, 6)) AS own_items_excluded
FROM linkpred_topk(777, 5, fresh => true);
SELECT linkpred_score(777, 19, fresh => true) IS NOT NULL AS new_user_scored,
       linkpred_score(777, 19) IS NULL AS unknown_without_fresh;
SELECT array_agg(item) AS before FROM linkpred_topk(777, 3, fresh => true) \gset
INSERT INTO events SELECT 777, item FROM linkpred_topk(777, 1, fresh => true);
SELECT array_agg(item) <> :'before' AS answer_changed FROM linkpred_topk(777, 3, fresh => true);
SELECT linkpred_score('abc', 19, fresh => true) IS NOT NULL AS bad_id_is_a_user_with_no_history;
BEGIN;
DELETE FROM events WHERE user_id = 777;
SELECT count(*) AS rows_when_history_gone FROM linkpred_topk(777, 5, fresh => true);
ROLLBACK;

-- fresh => true needs the source relation
CREATE TABLE short_lived AS SELECT * FROM events WHERE user_id IS NOT NULL AND item_id IS NOT NULL;
SELECT linkpred_train('gone', 'short_lived', 'user_id', 'item_id', options => '{"dim": 4, "epochs": 1, "seed": 1}') IS NOT NULL;
DROP TABLE short_lived;
SELECT count(*) FROM linkpred_topk(1, 3, 'gone');
SELECT count(*) FROM linkpred_topk(1, 3, 'gone', fresh => true);
SELECT linkpred_drop('gone');

-- filters while scoring: k rows whenever k items qualify
SELECT count(*) AS rows, bool_and(item < 10) AS only_candidates
FROM linkpred_topk(1, 5, candidates => ARRAY[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
SELECT count(*) AS only_three_qualify FROM linkpred_topk(1, 5, candidates => ARRAY[0, 1, 2, 99999]);
SELECT count(*) AS all_but_excluded, bool_and(item NOT IN (0, 1, 2)) AS none_excluded
FROM linkpred_topk(1, 1000, exclude => ARRAY[0, 1, 2]);
-- a filter written in SQL (here: even product ids), evaluated once per statement
SELECT count(*) AS rows, bool_and(item % 2 = 0) AS all_even
FROM linkpred_topk(1, 10, candidates => (SELECT array_agg(id) FROM products WHERE id % 2 = 0));
-- filtered top-k is the unfiltered ranking restricted to the candidates
SELECT (SELECT array_agg(item) FROM linkpred_topk(1, 3, candidates => ARRAY[10, 11, 12, 13, 14, 15]))
     = (SELECT array_agg(item) FROM (SELECT item FROM linkpred_topk(1, 1000) t
                                     WHERE item BETWEEN 10 AND 15 LIMIT 3) s) AS same_order;
SELECT * FROM linkpred_topk(1, 5, candidates => 7);

-- similar items: cosine similarity of item embeddings, the item itself left out
SELECT count(*) AS rows, bool_and(similar_item <> 20) AS not_itself,
       bool_and(score BETWEEN -1.0001 AND 1.0001) AS cosine
FROM linkpred_similar(20, 5);
SELECT count(*) AS unknown_item FROM linkpred_similar(424242, 5);
SELECT * FROM linkpred_similar(20, 0);

-- a dropped model is gone for every later statement, even where it was cached
CREATE TABLE drop_me AS SELECT * FROM events WHERE user_id IS NOT NULL AND item_id IS NOT NULL;
SELECT linkpred_train('dropped', 'drop_me', 'user_id', 'item_id', options => '{"dim": 4, "epochs": 1, "seed": 1}') IS NOT NULL;
SELECT linkpred_score(1, 20, 'dropped') IS NOT NULL AS cached_now;
SELECT linkpred_drop('dropped');
SELECT linkpred_score(1, 20, 'dropped');

-- the versions loaded for serving: without shared_preload_libraries, only
-- this backend's own copies (a dropped model's copy is gone)
SELECT model, version, job_id > 0 AS has_job, shared, state, bytes > 0 AS holds_memory,
       pins IS NULL AS no_pins
FROM linkpred_cache_status() ORDER BY model;
