-- demo.sql: `make demo`, run by test/demo.sh in a fresh database.
--
-- A small shop (test/demo_data.sql) is split into training events and
-- held-out (user, item) pairs, a model is trained on the training events,
-- and then it recommends products to a few users and is scored on the pairs
-- it never saw: AUC against random non-interacted items and Recall@10 of
-- linkpred_topk.  A popularity ranking is scored the same way, because on
-- skewed shop data "recommend the best sellers" is the bar to clear.
--
-- Every random draw follows a setseed() and reads its input in a fixed
-- order, and training has a fixed seed, so the figures are the same on
-- every run.

\pset footer off
\pset null '-'
-- parallel plans could change the order in which random() is drawn
SET max_parallel_workers_per_gather = 0;
SET client_min_messages = warning;

\echo
\echo '=== linkpred demo: recommendations for a small shop'
\echo

CREATE EXTENSION linkpred;

-------------------------------------------------------------------------
\echo '--- 1. Data: 2,000 users, 500 products in 10 categories, click/cart/buy events'
\echo '    (synthetic, fixed seed: popular best sellers, and users who each prefer 1-2 categories)'
\ir demo_data.sql

SELECT (SELECT count(*) FROM users) AS users,
       (SELECT count(*) FROM products) AS products,
       (SELECT count(*) FROM events) AS events,
       (SELECT count(DISTINCT (user_id, item_id)) FROM events) AS "distinct user-item pairs";

\echo 'Events by kind:'
SELECT kind, count(*) AS events,
       round(100.0 * count(*) / sum(count(*)) OVER (), 1) AS pct
FROM events GROUP BY kind ORDER BY events DESC;

\echo 'A few products get most of the traffic:'
SELECT top AS "top products", round(100.0 * sum(n) / max(total), 1) AS "% of events"
FROM (SELECT count(*) AS n,
             row_number() OVER (ORDER BY count(*) DESC) AS rk,
             sum(count(*)) OVER () AS total
      FROM events GROUP BY item_id) r
CROSS JOIN (VALUES (10), (50), (100)) AS t (top)
WHERE rk <= top
GROUP BY top ORDER BY top;

\echo 'Best sellers:'
SELECT p.id, p.name, p.category, p.price, count(*) AS buys
FROM events e JOIN products p ON p.id = e.item_id
WHERE e.kind = 'buy'
GROUP BY p.id ORDER BY buys DESC, p.id LIMIT 5;

-------------------------------------------------------------------------
\echo
\echo '--- 2. Hold out a test set'
\echo '    For each user with at least 5 distinct products, about 15% of those products'
\echo '    (at random, at least one) are hidden: none of the events of a hidden pair is'
\echo '    used for training.'

-- Distinct pairs in a fixed order, so the random() draws are reproducible.
SELECT setseed(0.5) \gset
CREATE TABLE test_pairs AS
SELECT user_id, item_id
FROM (SELECT user_id, item_id, n_items,
             row_number() OVER (PARTITION BY user_id ORDER BY r) AS pick
      FROM (SELECT user_id, item_id, n_items, random() AS r
            FROM (SELECT user_id, item_id,
                         count(*) OVER (PARTITION BY user_id) AS n_items
                  FROM (SELECT DISTINCT user_id, item_id FROM events) d
                  ORDER BY user_id, item_id) s) drawn) ranked
WHERE n_items >= 5 AND pick <= greatest(1, round(0.15 * n_items));
ALTER TABLE test_pairs ADD PRIMARY KEY (user_id, item_id);

-- Training sees every event except those of a held-out pair: a test item is
-- one the user never touched as far as the model knows.
CREATE VIEW train_events AS
SELECT e.*
FROM events e
WHERE NOT EXISTS (SELECT 1 FROM test_pairs t
                  WHERE t.user_id = e.user_id AND t.item_id = e.item_id);

SELECT (SELECT count(*) FROM train_events) AS "training events",
       (SELECT count(DISTINCT (user_id, item_id)) FROM train_events) AS "training pairs",
       (SELECT count(*) FROM test_pairs) AS "test pairs",
       (SELECT count(DISTINCT user_id) FROM test_pairs) AS "test users";

-- The split must not leak: show it, and stop the demo if it does.
SELECT count(*) AS "test pairs also in training"
FROM test_pairs t
WHERE EXISTS (SELECT 1 FROM train_events e
              WHERE e.user_id = t.user_id AND e.item_id = t.item_id);
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM test_pairs t JOIN train_events e USING (user_id, item_id)) THEN
        RAISE EXCEPTION 'held-out pairs leak into training';
    END IF;
END
$$;

-------------------------------------------------------------------------
\echo
\echo '--- 3. Train'
\echo '    Each (user, product) pair with at least one event in training is an edge;'
\echo '    repeated events of a pair are merged by the loader.'

SELECT linkpred_train(model => 'shop', edges => 'train_events',
                      src => 'user_id', dst => 'item_id',
                      options => '{"seed": 42}') AS job_id;

\echo 'The job:'
SELECT id, state, epoch, epochs, round(loss::numeric, 4) AS loss, elapsed
FROM linkpred.jobs ORDER BY id;
\echo 'What the loader made of the training events:'
SELECT (stats->>'rows')::bigint AS "rows read",
       (stats->>'duplicates')::bigint AS "repeats merged",
       (stats->>'edges')::bigint AS edges,
       (stats->>'users')::int AS users, (stats->>'items')::int AS items
FROM linkpred.jobs WHERE model = 'shop' ORDER BY id DESC LIMIT 1;
\echo 'The model:'
SELECT name, options->>'encoder' AS encoder, n_users, n_items, n_edges, trained_at FROM linkpred.models;
\echo 'No encoder was named: on a bipartite graph of 20,000 edges or more the job first compares'
\echo 'the matrix factorisation with the spectral encoder on a validation part of the training'
\echo 'edges (Recall@20) and trains the winner; the trials, if it ran them:'
SELECT x->>'trial' AS trial, x->>'encoder' AS encoder, round((x->>'value')::numeric, 4) AS "validation Recall@20",
       round((x->>'seconds')::numeric, 2) AS seconds,
       CASE WHEN x->>'trial' = m.metrics->'tuning'->>'winner' THEN 'winner' ELSE '' END AS chosen
FROM linkpred.models m, jsonb_array_elements(m.metrics->'tuning'->'trials') x
WHERE m.name = 'shop' ORDER BY 1;

-------------------------------------------------------------------------
\echo
\echo '--- 4. Recommendations'
\echo '    For three users: the categories of what they touched in training ("planted" ='
\echo '    a favourite the data generator gave them), then their top 5; products they'
\echo '    already touched in training are excluded, and "held out" marks products they'
\echo '    did touch but training never saw, i.e. hits on the test set.'

-- A user's categories in training: what a reader should expect the
-- recommendations to lean towards.  "planted" marks the generator's own
-- favourites for that user.
CREATE FUNCTION demo_tastes(u int)
RETURNS TABLE (category text, products bigint, "% of products" numeric, planted text)
LANGUAGE sql STABLE
AS $$
    SELECT p.category, count(*),
           round(100.0 * count(*) / sum(count(*)) OVER (), 0),
           CASE WHEN p.cat_no IN (us.fav1, us.fav2) THEN 'yes' ELSE '' END
    FROM (SELECT DISTINCT item_id FROM train_events WHERE user_id = u) t
    JOIN products p ON p.id = t.item_id
    JOIN users us ON us.id = u
    GROUP BY p.category, p.cat_no, us.fav1, us.fav2
    ORDER BY count(*) DESC, p.category
    LIMIT 4
$$;

-- Top-5 with names; "held out" marks products the user really did interact
-- with but that training never saw: hits on the test set.
CREATE FUNCTION demo_recommend(u int)
RETURNS TABLE (rank bigint, item int, name text, category text, price numeric,
               score numeric, "held out" text)
LANGUAGE sql STABLE
AS $$
    SELECT t.rank, t.item, p.name, p.category, p.price,
           round(t.score::numeric, 3),
           CASE WHEN EXISTS (SELECT 1 FROM test_pairs h
                             WHERE h.user_id = u AND h.item_id = t.item)
                THEN 'yes' ELSE '' END
    FROM linkpred_topk(u, 5) WITH ORDINALITY AS t (item, score, rank)
    JOIN products p ON p.id = t.item
    ORDER BY t.rank             -- the join does not keep topk's best-first order
$$;

\echo
\echo 'User 17: categories of the products they touched in training'
SELECT * FROM demo_tastes(17);
\echo 'User 17: top 5 recommendations'
SELECT * FROM demo_recommend(17);

\echo
\echo 'User 37: categories of the products they touched in training'
SELECT * FROM demo_tastes(37);
\echo 'User 37: top 5 recommendations'
SELECT * FROM demo_recommend(37);

\echo
\echo 'User 83: categories of the products they touched in training'
SELECT * FROM demo_tastes(83);
\echo 'User 83: top 5 recommendations'
SELECT * FROM demo_recommend(83);

-------------------------------------------------------------------------
\echo
\echo '--- 5. Held-out evaluation'
\echo '    AUC: each test pair (u, i) against one product j that u never touched (train'
\echo '    or test), drawn at random; the share of pairs where score(u, i) > score(u, j),'
\echo '    ties counting half.  Recall@10: the share of a test user''s held-out products'
\echo '    found in their top 10, averaged over test users.'
\echo '    Baseline: rank products by how many training users touched them.'

SELECT setseed(0.7) \gset
CREATE TABLE eval_pairs AS
SELECT t.user_id, t.item_id AS pos, n.id AS neg
FROM (SELECT * FROM test_pairs ORDER BY user_id, item_id) t
CROSS JOIN LATERAL (SELECT p.id FROM products p
                    WHERE NOT EXISTS (SELECT 1 FROM events e
                                      WHERE e.user_id = t.user_id AND e.item_id = p.id)
                    ORDER BY random() LIMIT 1) n;

CREATE TABLE popularity AS
SELECT item_id, count(DISTINCT user_id) AS users
FROM train_events GROUP BY item_id;

-- A node the model does not know scores NULL; count it as the lowest score
-- rather than dropping the pair, and show how often it happened.
CREATE TABLE eval_scores AS
SELECT e.user_id,
       linkpred_score(e.user_id, e.pos) AS model_pos,
       linkpred_score(e.user_id, e.neg) AS model_neg,
       coalesce(pp.users, 0) AS pop_pos,
       coalesce(pn.users, 0) AS pop_neg
FROM eval_pairs e
LEFT JOIN popularity pp ON pp.item_id = e.pos
LEFT JOIN popularity pn ON pn.item_id = e.neg;

SELECT count(*) AS "test pairs",
       count(*) FILTER (WHERE model_pos IS NULL OR model_neg IS NULL) AS "pairs with an unknown node"
FROM eval_scores;

-- Per test user: held-out items, and hits in the model's and the
-- popularity ranking's top 10 (both exclude what the user had in training).
CREATE TABLE eval_recall AS
SELECT t.user_id, cardinality(t.items) AS held_out,
       (SELECT count(*) FROM linkpred_topk(t.user_id, 10) k
        WHERE k.item = ANY (t.items)) AS model_hits,
       (SELECT count(*)
        FROM (SELECT p.item_id FROM popularity p
              WHERE NOT EXISTS (SELECT 1 FROM train_events e
                                WHERE e.user_id = t.user_id AND e.item_id = p.item_id)
              ORDER BY p.users DESC, p.item_id LIMIT 10) k
        WHERE k.item_id = ANY (t.items)) AS pop_hits
FROM (SELECT user_id, array_agg(item_id) AS items
      FROM test_pairs GROUP BY user_id) t;

CREATE FUNCTION demo_auc(pos double precision, neg double precision)
RETURNS numeric LANGUAGE sql IMMUTABLE
AS $$
    SELECT CASE WHEN coalesce(pos, '-Infinity') > coalesce(neg, '-Infinity') THEN 1.0
                WHEN coalesce(pos, '-Infinity') = coalesce(neg, '-Infinity') THEN 0.5
                ELSE 0.0 END
$$;

SELECT (SELECT round(avg(demo_auc(model_pos, model_neg)), 3) FROM eval_scores) AS model_auc,
       (SELECT round(avg(demo_auc(pop_pos, pop_neg)), 3) FROM eval_scores) AS pop_auc,
       (SELECT round(avg(model_hits::numeric / held_out), 3) FROM eval_recall) AS model_recall,
       (SELECT round(avg(pop_hits::numeric / held_out), 3) FROM eval_recall) AS pop_recall,
       (SELECT count(*) FROM eval_recall) AS recall_users \gset

SELECT 'linkpred model "shop"' AS ranking, :model_auc AS auc, :model_recall AS "recall@10"
UNION ALL
SELECT 'popularity baseline', :pop_auc, :pop_recall;

SELECT format('held-out AUC:       %s   (popularity baseline %s; random ranking 0.5)',
              :model_auc, :pop_auc) AS auc_line,
       format('held-out Recall@10: %s   (popularity baseline %s; over %s test users)',
              :model_recall, :pop_recall, :recall_users) AS recall_line \gset
\echo
\echo :auc_line
\echo :recall_line
\echo
