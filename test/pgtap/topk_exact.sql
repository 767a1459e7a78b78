-- The exact top-k (no approximate index) is exactly the k best by
-- linkpred_score.  Without an index, linkpred_topk ranks every item from
-- 8-bit copies of the item vectors and bounds on their error
-- (src/kernels/qscan.h), then scores exactly only the items the bounds
-- cannot rule out (src/serve/ranking.c); nothing may be ruled out that
-- belongs in the top k.
--
-- A synthetic shop of 3,000 items (popular items and tastes), a graph of
-- communities.  Checked, for sampled users and several k: the rows are the
-- k best items by linkpred_score among those the call may return, and each
-- row's score is linkpred_score's; for matrix factorisation at dim 64 and
-- 40 (rows not a multiple of 32 bytes), the spectral encoder (its
-- item-item term added to the low-rank score), an undirected graph (one
-- vector per node, the node itself left out), with candidates and
-- exclusions, with exclude_seen false, and in a batch (linkpred_topk_many
-- ranks user by user where the 8-bit scan applies).  The 8-bit scan serves item
-- vectors from linkpred.exact_scan_8bit_min (16MB by default); these small
-- models take it at 0, and the float scan (-1) gives the same rows.
\set ON_ERROR_STOP 1
SELECT plan(13);


CREATE TABLE shop (user_id int, item_id int);
INSERT INTO shop
SELECT DISTINCT u, CASE WHEN i % 3 = 0 THEN abs(hashint4(u * 17 + i)) % 60                 -- popular
                        ELSE ((u % 12) * 250 + abs(hashint4(u * 31 + i)) % 250) END        -- the user's taste
FROM generate_series(1, 400) u, generate_series(1, 18) i;
-- every item seen once at least
INSERT INTO shop SELECT 1 + i % 400, i FROM generate_series(0, 2999) i
ON CONFLICT DO NOTHING;

CREATE TABLE items AS SELECT DISTINCT item_id AS i FROM shop;
CREATE TABLE users AS SELECT u FROM generate_series(1, 400, 23) u;

SELECT linkpred_train('x64', 'shop', 'user_id', 'item_id', options => '{"epochs": 15, "seed": 3}') \gset
SELECT linkpred_train('x40', 'shop', 'user_id', 'item_id', options => '{"dim": 40, "epochs": 15, "seed": 3}') \gset
SELECT linkpred_train('xsp', 'shop', 'user_id', 'item_id', options => '{"encoder": "spectral", "seed": 3}') \gset

-- (the library is loaded now, with its settings)
SELECT is(current_setting('linkpred.exact_scan_8bit_min'), '16MB', 'linkpred.exact_scan_8bit_min is 16MB by default');
SET linkpred.exact_scan_8bit_min = 0;

-- the k best of user u by linkpred_score among the items not in training
CREATE FUNCTION best(m text, k int, seen boolean DEFAULT false)
RETURNS TABLE (u int, i int, score float8) LANGUAGE sql AS $$
    SELECT u, i, s FROM (
        SELECT us.u, it.i, linkpred_score(us.u, it.i, m) AS s,
               row_number() OVER (PARTITION BY us.u ORDER BY linkpred_score(us.u, it.i, m) DESC, it.i) AS r
        FROM users us, items it
        WHERE seen OR NOT EXISTS (SELECT FROM shop e WHERE e.user_id = us.u AND e.item_id = it.i)) x
    WHERE r <= k
$$;
CREATE FUNCTION served(m text, k int, seen boolean DEFAULT false)
RETURNS TABLE (u int, i int, score float8) LANGUAGE sql AS $$
    SELECT us.u, t.item, t.score FROM users us, linkpred_topk(us.u, k, m, exclude_seen => NOT seen) t
$$;

SELECT set_eq($$SELECT * FROM served('x64', 10)$$, $$SELECT * FROM best('x64', 10)$$,
              'matrix factorisation, dim 64: top-10 rows and scores are the 10 best by linkpred_score');
SELECT set_eq($$SELECT * FROM served('x64', 200)$$, $$SELECT * FROM best('x64', 200)$$,
              'matrix factorisation, dim 64: top-200 likewise');
SELECT set_eq($$SELECT * FROM served('x40', 25, true)$$, $$SELECT * FROM best('x40', 25, true)$$,
              'matrix factorisation, dim 40, exclude_seen false: top-25 likewise');
SELECT set_eq($$SELECT * FROM served('xsp', 20)$$, $$SELECT * FROM best('xsp', 20)$$,
              'spectral (the item-item term on top of the low-rank score): top-20 likewise');
SELECT is((SELECT count(*)::int FROM served('x64', 5000)),
          (SELECT count(*)::int FROM users, items
           WHERE NOT EXISTS (SELECT FROM shop e WHERE e.user_id = u AND e.item_id = i)),
          'k beyond the catalog: every item the user did not have, once');

-- candidates and exclusions: the best among what is left
SELECT set_eq(
    $$SELECT us.u, t.item, t.score FROM users us,
             linkpred_topk(us.u, 15, 'x64', candidates => ARRAY(SELECT g FROM generate_series(0, 2999, 3) g),
                           exclude => ARRAY(SELECT g FROM generate_series(0, 2999, 2) g)) t$$,
    $$SELECT u, i, score FROM (
        SELECT u, i, score, row_number() OVER (PARTITION BY u ORDER BY score DESC, i) AS r
        FROM best('x64', 5000) WHERE i % 3 = 0 AND i % 2 <> 0) x WHERE r <= 15$$,
    'candidates and exclude: the 15 best of the items both leave');

-- an undirected graph: one vector per node, the node itself left out
CREATE TABLE ring (a int, b int);
INSERT INTO ring
SELECT n, (n / 40) * 40 + abs(hashint4(n * 13 + i)) % 40
FROM generate_series(0, 1999) n, generate_series(1, 5) i;
DELETE FROM ring WHERE a = b;
SELECT linkpred_train('xring', 'ring', 'a', 'b',
                      options => '{"bipartite": false, "features": "none", "epochs": 10, "seed": 3}') \gset
CREATE TABLE nodes AS SELECT a AS n FROM ring UNION SELECT b FROM ring;
SELECT set_eq(
    $$SELECT s.n, t.item, t.score FROM nodes s, linkpred_topk(s.n, 12, 'xring') t WHERE s.n % 97 = 0$$,
    $$SELECT n, c, sc FROM (
        SELECT s.n, c.n AS c, linkpred_score(s.n, c.n, 'xring') AS sc,
               row_number() OVER (PARTITION BY s.n ORDER BY linkpred_score(s.n, c.n, 'xring') DESC, c.n) AS r
        FROM nodes s, nodes c
        WHERE s.n % 97 = 0 AND c.n <> s.n
          AND NOT EXISTS (SELECT FROM ring e WHERE (e.a, e.b) IN ((s.n, c.n), (c.n, s.n)))) x
      WHERE r <= 12$$,
    'undirected graph: top-12 are the 12 best by linkpred_score, the node and its neighbours left out');

-- the order: best first
SELECT is((SELECT count(*)::int FROM (
               SELECT score, lag(score) OVER (ORDER BY ord) AS prev
               FROM linkpred_topk(5, 100, 'xsp') WITH ORDINALITY AS t(item, score, ord)) x
           WHERE score > prev), 0, 'rows come best first');
SELECT is((SELECT count(*)::int FROM served('xsp', 20) s
           WHERE s.score IS DISTINCT FROM linkpred_score(s.u, s.i, 'xsp')), 0,
          'every row''s score is linkpred_score''s for its pair');

-- a batch ranks each user as a single call does (the 8-bit scan, user by
-- user), with the ranks in order; a user the model lacks gets the rows of
-- one with no history
SELECT set_eq($$SELECT m.user_id, m.item, m.score
                FROM linkpred_topk_many(ARRAY(SELECT u FROM users), 20, 'xsp') m$$,
              $$SELECT * FROM served('xsp', 20)$$,
              'linkpred_topk_many: the rows and scores of linkpred_topk for every user (spectral)');
SELECT is((SELECT (count(*), count(*) FILTER (WHERE score > prev))::text FROM (
               SELECT m.score, lag(m.score) OVER (PARTITION BY m.user_id ORDER BY m.rank) AS prev
               FROM linkpred_topk_many(ARRAY(SELECT u FROM users) || 999999, 20, 'xsp') m) x),
          ('(' || (SELECT count(*) FROM users) * 20 + 20 || ',0)'),
          'linkpred_topk_many: 20 rows a user, best first, an unknown user included');

-- the float scan gives the same rows
CREATE TABLE rows_8bit AS SELECT * FROM served('xsp', 20) UNION ALL SELECT * FROM served('x64', 200);
SET linkpred.exact_scan_8bit_min = -1;
SELECT set_eq($$SELECT * FROM served('xsp', 20) UNION ALL SELECT * FROM served('x64', 200)$$,
              $$SELECT * FROM rows_8bit$$, 'the float scan (linkpred.exact_scan_8bit_min -1) gives the same rows');
RESET linkpred.exact_scan_8bit_min;

SELECT * FROM finish();
