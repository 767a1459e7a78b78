-- The spectral encoder's item-item term, checked against its definition in
-- SQL.  For user u and item v, linkpred_score adds to the embedding score
-- u . v
--     d_v^-item_norm * sum over the paths u - j - x - v of d_j^-1/2 / d_x
-- (j an item of u, x a user of both j and v; d the training degrees).
-- LpSpectralItemPair walks those paths from u's items or from v, whichever
-- reads fewer lists; the graph below has users of one item and of 150, and
-- items of 60 users and of 3, so that pairs of both kinds take each walk.
-- Needs no data: runs everywhere.
\set ON_ERROR_STOP 1
SELECT plan(4);

-- 300 users: one of 5 popular items each, and 1 to 10 of 200 others; user
-- 1000 has 150 of the others
CREATE TABLE it_edges AS
SELECT DISTINCT user_id, item_id FROM (
    SELECT u AS user_id, u % 5 AS item_id FROM generate_series(1, 300) u
    UNION ALL
    SELECT u, 5 + (u * 7 + i * 13) % 200 FROM generate_series(1, 300) u, generate_series(1, 10) i
    WHERE i <= 1 + u % 10
    UNION ALL
    SELECT 1000, 5 + i FROM generate_series(0, 149) i) e;

SELECT linkpred_train('it_sp', 'it_edges', 'user_id', 'item_id',
                      options => '{"encoder": "spectral", "dim": 8, "item_norm": 0.4}') IS NOT NULL AS trained;

CREATE TABLE it_deg_u AS SELECT user_id, count(*)::float8 AS d FROM it_edges GROUP BY 1;
CREATE TABLE it_deg_i AS SELECT item_id, count(*)::float8 AS d FROM it_edges GROUP BY 1;

-- the pairs: the heavy user and a few light ones against every item
CREATE TABLE it_pairs AS
SELECT u.user_id, i.item_id
FROM (VALUES (1000), (1), (2), (9), (10), (77), (150)) u(user_id), it_deg_i i;

-- the item-item term from its definition
CREATE TABLE it_expected AS
SELECT p.user_id, p.item_id,
       power(dv.d, -0.4) * coalesce((
           SELECT sum(power(dj.d, -0.5) / dx.d)
           FROM it_edges uj
           JOIN it_deg_i dj ON dj.item_id = uj.item_id
           JOIN it_edges xj ON xj.item_id = uj.item_id
           JOIN it_edges xv ON xv.user_id = xj.user_id AND xv.item_id = p.item_id
           JOIN it_deg_u dx ON dx.user_id = xj.user_id
           WHERE uj.user_id = p.user_id), 0) AS term
FROM it_pairs p JOIN it_deg_i dv ON dv.item_id = p.item_id;

-- the embedding score from the stored vectors
CREATE TABLE it_emb AS
SELECT p.user_id, p.item_id,
       (SELECT sum(a * b) FROM unnest(eu.vec, ev.vec) AS x(a, b)) + coalesce(eu.bias, 0) + coalesce(ev.bias, 0) AS emb
FROM it_pairs p
JOIN linkpred.embeddings eu ON eu.model = 'it_sp' AND eu.side = 'u' AND eu.key = p.user_id::text
JOIN linkpred.embeddings ev ON ev.model = 'it_sp' AND ev.side = 'i' AND ev.key = p.item_id::text;

SELECT is((SELECT count(*)::int FROM it_emb), (SELECT count(*)::int FROM it_pairs),
          'every pair has both stored vectors');
SELECT cmp_ok((SELECT count(*)::int FROM it_expected WHERE term > 0), '>', 1000,
              'most pairs have an item-item term');
SELECT is((SELECT count(*)::int
           FROM it_expected x JOIN it_emb e USING (user_id, item_id)
           WHERE abs(linkpred_score(x.user_id, x.item_id, 'it_sp') - (e.emb + x.term))
                 > 2e-6 * (1 + abs(e.emb) + x.term)),
          0, 'linkpred_score is the embedding score plus the item-item term, for every pair');
-- the scores linkpred_topk gives are the same sums
SELECT is((SELECT count(*)::int FROM (VALUES (1000), (1), (77)) u(user_id)
           CROSS JOIN LATERAL linkpred_topk(u.user_id, 50, model => 'it_sp', exclude_seen => false) t
           JOIN it_expected x ON x.user_id = u.user_id AND x.item_id = t.item
           JOIN it_emb e ON e.user_id = u.user_id AND e.item_id = t.item
           WHERE abs(t.score - (e.emb + x.term)) > 2e-6 * (1 + abs(e.emb) + x.term)),
          0, 'so are linkpred_topk''s scores');

SELECT * FROM finish();
