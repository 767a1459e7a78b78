-- fresh_items => true (linkpred_topk, linkpred_score, linkpred_similar):
-- items added to the item attribute relation after training, composed at
-- serve time from the version's stored attribute vectors
-- (src/serve/fresh_attrs.c, fresh_items.c); and with fresh => true a user
-- added to the user attribute relation, with no rows yet.
--
-- Planted: 4 groups of 40 users and 16 items; a user links to about three
-- quarters of its group's items and to nothing else.  An item's category
-- is its group, its colour noise, its price and 2-long embedding follow
-- the group loosely.  Items 50 of each group are cold (attributes, no
-- edge).  After training, 2 new items per group are inserted with their
-- group's attributes: with fresh_items they are scored and recommended to
-- their group's users; without it they are not in the model at all.
\set ON_ERROR_STOP 1
SELECT plan(43);

CREATE TABLE fe AS
SELECT u AS user_id, (u % 4) * 100 + k AS item_id
FROM generate_series(0, 159) u, generate_series(0, 15) k
WHERE (hashint4(u * 31 + k) & 3) <> 0;
CREATE TABLE fitems (item_id int PRIMARY KEY, category text, colour text, price float8, emb real[]);
INSERT INTO fitems
SELECT g * 100 + k, 'g' || g, (ARRAY['red', 'green', 'blue', 'white'])[1 + (hashint4(g * 100 + k) & 3)],
       10 * g + (hashint4(k + 7) & 7), ARRAY[g % 2 + (hashint4(k) & 3) / 8.0, g / 2]::real[]
FROM generate_series(0, 3) g, (SELECT generate_series(0, 15) UNION ALL SELECT 50) s(k);

SELECT linkpred_train('fa', 'fe', 'user_id', 'item_id',
                      options => '{"seed": 1, "dim": 16, "item_features": {"relation": "fitems", "key": "item_id", "columns": ["category", "colour", "price", "emb"]}}');
SELECT linkpred_train('fn', 'fe', 'user_id', 'item_id', options => '{"seed": 1, "dim": 16}');

-- the new items: g*100 + 70 and 71, with their group's attributes
INSERT INTO fitems
SELECT g * 100 + k, 'g' || g, (ARRAY['red', 'green', 'blue', 'white'])[1 + (hashint4(g * 100 + k) & 3)],
       10 * g + (hashint4(k + 7) & 7), ARRAY[g % 2 + (hashint4(k) & 3) / 8.0, g / 2]::real[]
FROM generate_series(0, 3) g, generate_series(70, 71) k;
CREATE VIEW new_items AS SELECT item_id, item_id / 100 AS grp FROM fitems WHERE item_id % 100 >= 70;

SELECT is((SELECT count(*) FROM generate_series(0, 159) u, linkpred_topk(u, 8, 'fa') t
           WHERE t.item IN (SELECT item_id FROM new_items)), 0::bigint,
          'without fresh_items top-k never returns an item added after training');
SELECT is((SELECT count(*) FROM new_items WHERE linkpred_score(1, item_id, 'fa') IS NOT NULL), 0::bigint,
          'without fresh_items a new item has no score');

CREATE FUNCTION new_in_topk(k int, own bool) RETURNS bigint LANGUAGE sql AS $$
    SELECT count(*) FROM generate_series(0, 159) u, linkpred_topk(u, k, 'fa', fresh_items => true) t
    JOIN new_items n ON n.item_id = t.item WHERE (n.grp = u % 4) = own
$$;
SELECT diag('new items of the own group / of other groups in the top 8: ' || new_in_topk(8, true) || ' / ' || new_in_topk(8, false));
SELECT cmp_ok((SELECT count(*) FROM generate_series(0, 159) u
               WHERE EXISTS (SELECT 1 FROM linkpred_topk(u, 8, 'fa', fresh_items => true) t
                             JOIN new_items n ON n.item_id = t.item WHERE n.grp = u % 4)),
              '>=', 144::bigint,
              'fresh_items: top-k recommends a new item of the user''s group to at least 90% of users');
SELECT cmp_ok(8 * new_in_topk(8, false), '<', new_in_topk(8, true),
              'fresh_items: in the top 8, other groups'' new items are under an eighth of the own group''s');
SELECT is((SELECT count(*) FROM generate_series(0, 159) u, linkpred_topk(u, 8, 'fa', fresh_items => true)), 1280::bigint,
          'fresh_items: k rows for every user');

-- the score linkpred_score gives a new item is the one top-k gives it
SELECT is((SELECT count(*) FROM generate_series(0, 159) u, new_items n
           WHERE linkpred_score(u, n.item_id, 'fa', fresh_items => true) IS NULL), 0::bigint,
          'fresh_items: every user has a score for every new item');
SELECT is((SELECT count(*) FROM generate_series(0, 159) u, linkpred_topk(u, 8, 'fa', fresh_items => true) t
           WHERE t.item IN (SELECT item_id FROM new_items)
             AND t.score IS DISTINCT FROM linkpred_score(u, t.item, 'fa', fresh_items => true)), 0::bigint,
          'linkpred_score(u, new item, fresh_items => true) equals the score top-k gives it');
SELECT cmp_ok((SELECT count(*) FROM generate_series(0, 159) u
               WHERE linkpred_score(u, (u % 4) * 100 + 70, 'fa', fresh_items => true)
                     > linkpred_score(u, ((u + 1) % 4) * 100 + 70, 'fa', fresh_items => true)), '>=', 152::bigint,
              'at least 95% of users score their group''s new item above the next group''s');
-- a known item: fresh_items changes nothing
SELECT is((SELECT count(*) FROM generate_series(0, 159) u
           WHERE linkpred_score(u, 5, 'fa', fresh_items => true) IS DISTINCT FROM linkpred_score(u, 5, 'fa')), 0::bigint,
          'an item the version holds keeps its stored vector');
SELECT is((SELECT array_agg(item ORDER BY score DESC, item) FROM linkpred_topk(3, 20, 'fa', fresh_items => true)
           WHERE item NOT IN (SELECT item_id FROM new_items)),
          (SELECT array_agg(item ORDER BY score DESC, item) FROM linkpred_topk(3, 20, 'fa')
           WHERE item IN (SELECT item FROM linkpred_topk(3, 20, 'fa', fresh_items => true))),
          'the known items of a fresh_items top-k come in the order and with the scores of a plain one');

-- composed as training composed a cold item: a new item with the
-- attributes of cold item 150 scores as item 150 does
INSERT INTO fitems SELECT 199, category, colour, price, emb FROM fitems WHERE item_id = 150;
SELECT cmp_ok((SELECT max(abs(linkpred_score(u, 199, 'fa', fresh_items => true) - linkpred_score(u, 150, 'fa')))
               FROM generate_series(0, 159) u), '<', 1e-5::float8,
              'a new item with a cold item''s attributes scores as the cold item (composed the training''s way)');
-- an unseen categorical value contributes nothing: as if it were NULL
INSERT INTO fitems SELECT 198, 'g-unseen', colour, price, emb FROM fitems WHERE item_id = 150;
INSERT INTO fitems SELECT 197, NULL, colour, price, emb FROM fitems WHERE item_id = 150;
SELECT cmp_ok((SELECT max(abs(linkpred_score(u, 198, 'fa', fresh_items => true) - linkpred_score(u, 197, 'fa', fresh_items => true)))
               FROM generate_series(0, 159) u), '<', 1e-6::float8,
              'an unseen category contributes nothing (the item scores as with a NULL category)');
SELECT cmp_ok((SELECT max(abs(linkpred_score(u, 198, 'fa', fresh_items => true) - linkpred_score(u, 199, 'fa', fresh_items => true)))
               FROM generate_series(0, 159) u), '>', 1e-3::float8,
              'while a known category does (the check above can fail)');
-- linkpred_similar: a new item as the query, and new items among the answers
SELECT is((SELECT array_agg(similar_item) FROM linkpred_similar(199, 1, 'fa', fresh_items => true)), ARRAY[150],
          'linkpred_similar of a new item: the cold item with its attributes comes first');
SELECT cmp_ok((SELECT score FROM linkpred_similar(199, 1, 'fa', fresh_items => true)), '>', 0.9999::float8,
              'with cosine similarity 1');
SELECT cmp_ok((SELECT count(*) FROM linkpred_similar(170, 5, 'fa', fresh_items => true) s
               WHERE s.similar_item / 100 = 1), '>=', 4::bigint,
              'linkpred_similar of a new item: at least 4 of its 5 nearest are of its group');
SELECT ok(150 IN (SELECT similar_item FROM linkpred_similar(199, 5, 'fa', fresh_items => true))
          AND 199 IN (SELECT similar_item FROM linkpred_similar(150, 5, 'fa', fresh_items => true))
          AND 199 NOT IN (SELECT similar_item FROM linkpred_similar(150, 50, 'fa')),
          'a known item''s similar items include new ones with fresh_items only');
SELECT is((SELECT count(*) FROM linkpred_similar(170, 5, 'fa')), 0::bigint,
          'without fresh_items a new item has no similar items');
DELETE FROM fitems WHERE item_id IN (197, 198, 199);

-- an item the relation does not have, and a key of the wrong kind: NULL
SELECT is(linkpred_score(1, 12345, 'fa', fresh_items => true), NULL, 'an item in no relation has no score');
SELECT is(linkpred_score(1, 'abc'::text, 'fa', fresh_items => true), NULL, 'a key that cannot be an item id has no score');
-- a fresh user (current rows folded in) and a user the model does not know
SELECT ok((SELECT bool_and(linkpred_score(u, 170, 'fa', fresh => true, fresh_items => true) IS NOT NULL) FROM generate_series(0, 9) u),
          'a fresh user scores a new item');
SELECT is(linkpred_score(99999, 170, 'fa', fresh_items => true), NULL, 'an unknown user has no score, as for any item');
-- a fresh user who already has a new item: exclude_seen leaves it out, as any item it has
SELECT item AS top_new FROM linkpred_topk(1, 50, 'fa', fresh => true, fresh_items => true)
WHERE item IN (SELECT item_id FROM new_items) LIMIT 1 \gset
INSERT INTO fe VALUES (1, :top_new);
SELECT is((SELECT count(*) FROM linkpred_topk(1, 100, 'fa', fresh => true, fresh_items => true) WHERE item = :top_new),
          0::bigint, 'fresh => true: a new item in the user''s current rows is seen, so exclude_seen leaves it out');
SELECT is((SELECT count(*) FROM linkpred_topk(1, 100, 'fa', exclude_seen => false, fresh => true, fresh_items => true)
           WHERE item = :top_new), 1::bigint, 'with exclude_seen => false it is served');
DELETE FROM fe WHERE user_id = 1 AND item_id = :top_new;

-- candidates and exclude apply to the new items too
SELECT is((SELECT array_agg(item ORDER BY item) FROM linkpred_topk(1, 5, 'fa', candidates => ARRAY[170, 270, 2], fresh_items => true)),
          ARRAY[2, 170, 270], 'candidates keep the new items they name');
SELECT is((SELECT count(*) FROM linkpred_topk(1, 200, 'fa', exclude => ARRAY[170, 171], fresh_items => true)
           WHERE item IN (170, 171)), 0::bigint, 'exclude drops the new items it names');

-- the relation is read as the calling role: row-level security hides rows
CREATE ROLE lp_fresh_bob LOGIN;
GRANT SELECT ON fe, fitems TO lp_fresh_bob;
SET ROLE lp_fresh_bob;
SELECT linkpred_train('fb', 'fe', 'user_id', 'item_id',
                      options => '{"seed": 1, "dim": 8, "epochs": 3, "item_features": {"relation": "fitems", "key": "item_id", "columns": ["category"]}}');
RESET ROLE;
INSERT INTO fitems VALUES (372, 'g3', 'red', 30, '{1,1}'), (373, 'g3', 'blue', 31, '{1,1}');
ALTER TABLE fitems ENABLE ROW LEVEL SECURITY;
CREATE POLICY no_372 ON fitems FOR SELECT TO lp_fresh_bob USING (item_id <> 372);
SET ROLE lp_fresh_bob;
SELECT is((SELECT array_agg(item ORDER BY item) FROM linkpred_topk(3, 200, 'fb', fresh_items => true)
           WHERE item IN (372, 373)),
          ARRAY[373], 'row-level security: the calling role composes only the new items it may see');
SELECT ok(linkpred_score(3, 372, 'fb', fresh_items => true) IS NULL AND linkpred_score(3, 373, 'fb', fresh_items => true) IS NOT NULL,
          'nor scores a hidden one');
RESET ROLE;
REVOKE SELECT ON fitems FROM lp_fresh_bob;
SET ROLE lp_fresh_bob;
SELECT throws_ok($$SELECT * FROM linkpred_topk(3, 5, 'fb', fresh_items => true)$$, '42501', NULL,
                 'a role that may no longer read the relation is refused');
RESET ROLE;
SELECT linkpred_drop('fb');
DROP POLICY no_372 ON fitems;
ALTER TABLE fitems DISABLE ROW LEVEL SECURITY;
DELETE FROM fitems WHERE item_id IN (372, 373);
DROP OWNED BY lp_fresh_bob;
DROP ROLE lp_fresh_bob;

-- users: with fresh => true a user added to the user_features relation
-- after training, with no rows yet, is composed from its attributes
CREATE TABLE fusers AS SELECT u AS user_id, 'g' || (u % 4) AS grp FROM generate_series(0, 159) u;
SELECT linkpred_train('fu', 'fe', 'user_id', 'item_id',
                      options => '{"seed": 1, "dim": 16, "user_features": {"relation": "fusers", "key": "user_id", "columns": ["grp"]}}');
INSERT INTO fusers SELECT 1000 + u, 'g' || (u % 4) FROM generate_series(0, 39) u;
CREATE FUNCTION own_group_in_topk(fresh bool) RETURNS bigint LANGUAGE sql AS $$
    SELECT count(*) FROM generate_series(0, 39) u, linkpred_topk(1000 + u, 8, 'fu', fresh => fresh) t
    WHERE t.item / 100 = u % 4
$$;
SELECT diag('new users'' top 8 in their own group: ' || own_group_in_topk(true) || ' of 320 with fresh, '
            || own_group_in_topk(false) || ' without');
SELECT cmp_ok(own_group_in_topk(true), '>=', 288::bigint,
              'fresh => true: a new user with attributes and no rows gets its group''s items (90% of its top 8)');
SELECT cmp_ok(own_group_in_topk(false), '<', 160::bigint,
              'without fresh it gets the no-history ranking, the same for every group');
-- (top-k scores every item in one BLAS product, which may round the last bit differently)
SELECT cmp_ok((SELECT max(abs(t.score - linkpred_score(1000 + u, t.item, 'fu', fresh => true)))
               FROM generate_series(0, 39) u, linkpred_topk(1000 + u, 8, 'fu', fresh => true) t), '<', 1e-5::float8,
              'linkpred_score(new user, item, fresh => true) is its top-k score');
SELECT is(linkpred_score(1000, 5, 'fu'), NULL, 'without fresh a new user has no score');
ALTER TABLE fusers RENAME TO fusers_moved;
SELECT throws_ok($$SELECT linkpred_score(1001, 5, 'fu', fresh => true)$$, '42P01',
                 'the user_features relation public.fusers of model "fu" no longer exists',
                 'the user relation gone');
SELECT ok(linkpred_score(1, 5, 'fu', fresh => true) IS NOT NULL,
          'a user with rows is folded in from them and does not read it');
ALTER TABLE fusers_moved RENAME TO fusers;

-- refusals
SELECT throws_ok($$SELECT * FROM linkpred_topk(1, 5, 'fn', fresh_items => true)$$, '55000',
                 'model "fn" was trained without option "item_features"', 'a model without item attributes');
SELECT throws_ok($$SELECT linkpred_score(1, 5, 'fn', fresh_items => true)$$, '55000',
                 'model "fn" was trained without option "item_features"', 'also when the item is a known one');
INSERT INTO fitems VALUES (399, 'g3', 'red', 30, '{1,1,1}');
SELECT throws_ok($$SELECT linkpred_score(1, 399, 'fa', fresh_items => true)$$, '22000',
                 'column "emb" of the item_features relation of model "fa" holds 3 components for key 399, not 2',
                 'a vector of another length than training''s');
DELETE FROM fitems WHERE item_id = 399;
ALTER TABLE fitems DROP CONSTRAINT fitems_pkey;
INSERT INTO fitems VALUES (399, 'g3', 'red', 30, '{1,1}'), (399, 'g2', 'red', 30, '{1,1}');
SELECT throws_ok($$SELECT linkpred_score(1, 399, 'fa', fresh_items => true)$$, '21000',
                 'key 399 is on more than one row of the item_features relation of model "fa"',
                 'a new item on two rows, with a numeric column');
DELETE FROM fitems WHERE item_id = 399;
SELECT linkpred_train('fh', 'fe', 'user_id', 'item_id',
                      options => '{"seed": 1, "dim": 8, "epochs": 2, "features": "structural", "item_features": {"relation": "fitems", "key": "item_id", "columns": ["category"]}}');
SELECT ok((SELECT bool_and(abs(t.score - linkpred_score(u, t.item, 'fh', fresh_items => true)) < 1e-9)
           FROM generate_series(0, 19) u, linkpred_topk(u, 50, 'fh', fresh_items => true) t
           WHERE NOT EXISTS (SELECT 1 FROM fe WHERE fe.item_id = t.item))
          AND (SELECT count(*) FROM generate_series(0, 19) u, linkpred_topk(u, 50, 'fh', fresh_items => true) t
               WHERE NOT EXISTS (SELECT 1 FROM fe WHERE fe.item_id = t.item)) > 0,
          'a model with a structural head serves fresh_items: new items in its top-k, each scored as linkpred_score scores it');
ALTER TABLE fitems ALTER COLUMN price TYPE text;
SELECT throws_ok($$SELECT * FROM linkpred_topk(1, 5, 'fa', fresh_items => true)$$, '42804',
                 'column "price" of the item_features relation of model "fa" changed type since training',
                 'a column that changed kind since training');
ALTER TABLE fitems ALTER COLUMN price TYPE float8 USING price::float8;
ALTER TABLE fitems RENAME TO fitems_moved;
SELECT throws_ok($$SELECT * FROM linkpred_topk(1, 5, 'fa', fresh_items => true)$$, '42P01',
                 'the item_features relation public.fitems of model "fa" no longer exists',
                 'the relation gone');
ALTER TABLE fitems_moved RENAME TO fitems;
SELECT ok((SELECT count(*) FROM linkpred_topk(1, 5, 'fa', fresh_items => true)) = 5, 'and back, it serves again');

SELECT * FROM finish();
