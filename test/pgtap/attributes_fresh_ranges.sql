-- fresh_items => true reads only the rows of the item attribute relation
-- whose keys fall outside the version's long runs of integer keys
-- (src/serve/fresh_scan.c), with a plan kept per backend and version.
-- What it composes must be exactly what reading every row composed:
--
--   every key the version does not hold is served, wherever it falls: below
--   the first run, between two, above the last, at the ends of int8 and of
--   smallint, with an index on the key or without one, and for text keys
--   (no runs: every row is read);
--   a row inserted, updated (attributes, or key) or deleted is seen by the
--   next statement, across transactions and inside one, and a rolled back
--   one is not;
--   the plan is kept, but the caller's privileges and row-level security
--   still decide what is read: a policy created, changed or dropped after
--   the first call applies at the next, per role.
--
-- A new item's score is checked against linkpred_score(u, item,
-- fresh_items => true), which reads that item's rows by its key alone (not
-- through the ranges).
\set ON_ERROR_STOP 1
SELECT plan(35);

-- items 1 .. 300 and 1001 .. 1300: two runs of trained keys, every item in
-- the relation at training (those without an edge join as cold items)
CREATE TABLE re AS
SELECT u AS user_id, i AS item_id
FROM generate_series(0, 79) u, (SELECT generate_series(1, 300) UNION ALL SELECT generate_series(1001, 1300)) s(i)
WHERE (hashint4(u * 7919 + i) & 15) = 0 AND (i % 5) = (u % 5);
CREATE TABLE ritems (item_id int PRIMARY KEY, category text, price float8);
INSERT INTO ritems
SELECT i, 'c' || (i % 5), 10 + (i % 5) * 3 + (hashint4(i) & 3)
FROM (SELECT generate_series(1, 300) UNION ALL SELECT generate_series(1001, 1300)) s(i);
SELECT linkpred_train('fr', 're', 'user_id', 'item_id',
                      options => '{"seed": 1, "dim": 8, "epochs": 3, "item_features": {"relation": "ritems", "key": "item_id", "columns": ["category", "price"]}}');

-- the items served by fresh_items that the version does not hold (a top-k
-- long enough to hold every item), and those whose score is not the one
-- linkpred_score gives them reading the item alone
CREATE FUNCTION served_new(model text, u int) RETURNS int[] LANGUAGE sql AS $$
    SELECT coalesce(array_agg(item::int ORDER BY item), '{}')
    FROM linkpred_topk(u, 5000, model, fresh_items => true) WHERE linkpred_score(u, item, model) IS NULL
$$;
CREATE FUNCTION wrong_scores(model text, u int) RETURNS bigint LANGUAGE sql AS $$
    SELECT count(*) FROM linkpred_topk(u, 5000, model, fresh_items => true) t
    WHERE linkpred_score(u, t.item, model) IS NULL
      AND t.score IS DISTINCT FROM linkpred_score(u, t.item, model, fresh_items => true)
$$;
CREATE VIEW r_new AS
SELECT coalesce(array_agg(item_id ORDER BY item_id), '{}') AS ids FROM ritems
WHERE item_id NOT BETWEEN 1 AND 300 AND item_id NOT BETWEEN 1001 AND 1300;

INSERT INTO ritems VALUES (-2147483648, 'c1', 11), (-7, 'c1', 12), (0, 'c2', 13), (301, 'c3', 14),
    (500, 'c4', 15), (1000, 'c0', 16), (1301, 'c1', 17), (2147483647, 'c2', 18);
SELECT is(served_new('fr', 3), ARRAY[-2147483648, -7, 0, 301, 500, 1000, 1301, 2147483647],
          'every new key is served: below, between and above the runs of trained keys, at the ends of integer');
SELECT is(served_new('fr', 3), (SELECT ids FROM r_new), 'and nothing else');
SELECT is(wrong_scores('fr', 3), 0::bigint, 'each with the score linkpred_score gives it from its own rows');
SELECT is((SELECT count(*) FROM linkpred_topk(3, 5000, 'fr', exclude_seen => false, fresh_items => true)), 608::bigint,
          'with every known item once');

-- changes between statements (each its own transaction), same backend
CREATE TABLE before_update AS SELECT score FROM linkpred_topk(3, 5000, 'fr', fresh_items => true) WHERE item = 500;
UPDATE ritems SET category = 'c0', price = 25 WHERE item_id = 500;
SELECT isnt((SELECT score FROM linkpred_topk(3, 5000, 'fr', fresh_items => true) WHERE item = 500),
            (SELECT score FROM before_update), 'an updated new item is composed from its new attributes');
SELECT is(wrong_scores('fr', 3), 0::bigint, 'its new score is the one linkpred_score gives it');
INSERT INTO ritems VALUES (700, 'c2', 19);
SELECT ok(700 = ANY (served_new('fr', 3)), 'an inserted item is served by the next statement');
UPDATE ritems SET item_id = 701 WHERE item_id = 700;
SELECT ok(701 = ANY (served_new('fr', 3)) AND NOT 700 = ANY (served_new('fr', 3)),
          'a new item whose key changed is served under its new key only');
UPDATE ritems SET item_id = 800 WHERE item_id = 5;
SELECT ok(800 = ANY (served_new('fr', 3)), 'a trained item''s row moved to an untrained key is a new item');
SELECT is((SELECT count(*) FROM linkpred_topk(3, 5000, 'fr', fresh_items => true) WHERE item = 5), 1::bigint,
          'while the trained item keeps its stored vector');
UPDATE ritems SET item_id = 5 WHERE item_id = 701;
SELECT ok(NOT 701 = ANY (served_new('fr', 3)), 'a new item moved onto a trained key is no longer new');
DELETE FROM ritems WHERE item_id IN (800, 1301);
SELECT is(served_new('fr', 3), (SELECT ids FROM r_new), 'deleted items are gone at the next statement');

-- changes inside one transaction, and a rolled back one
BEGIN;
INSERT INTO ritems VALUES (900, 'c3', 20);
SELECT ok(900 = ANY (served_new('fr', 3)), 'in a transaction: its own insert is served by its next statement');
UPDATE ritems SET item_id = 901 WHERE item_id = 900;
SELECT ok(901 = ANY (served_new('fr', 3)) AND NOT 900 = ANY (served_new('fr', 3)), 'and its own update');
DELETE FROM ritems WHERE item_id = 901;
SELECT ok(NOT 901 = ANY (served_new('fr', 3)), 'and its own delete');
INSERT INTO ritems VALUES (902, 'c3', 20);
ROLLBACK;
SELECT ok(NOT 902 = ANY (served_new('fr', 3)), 'a rolled back insert is not served');
SELECT is(served_new('fr', 3), (SELECT ids FROM r_new), 'after all that: exactly the new keys of the relation');

-- without an index on the key the ranges are filtered by a scan: the same items
ALTER TABLE ritems DROP CONSTRAINT ritems_pkey;
INSERT INTO ritems VALUES (1500, 'c4', 21);
SELECT is(served_new('fr', 3), (SELECT ids FROM r_new), 'without an index on the key: the same new items');
SELECT is(wrong_scores('fr', 3), 0::bigint, 'with the same scores');
ALTER TABLE ritems ADD PRIMARY KEY (item_id);

-- row-level security and privileges with the plan kept: a role trains its
-- own model, serves it, then a policy comes, changes and goes
CREATE ROLE lp_ranges_ann LOGIN;
GRANT SELECT ON re, ritems TO lp_ranges_ann;
GRANT EXECUTE ON FUNCTION served_new(text, int) TO lp_ranges_ann;
SET ROLE lp_ranges_ann;
SELECT linkpred_train('fra', 're', 'user_id', 'item_id',
                      options => '{"seed": 1, "dim": 8, "epochs": 2, "item_features": {"relation": "ritems", "key": "item_id", "columns": ["category"]}}');
RESET ROLE;
INSERT INTO ritems VALUES (3001, 'c1', 12), (3002, 'c2', 13);
SET ROLE lp_ranges_ann;
SELECT is(served_new('fra', 3), ARRAY[3001, 3002], 'the role serves the items added after its training');
RESET ROLE;
ALTER TABLE ritems ENABLE ROW LEVEL SECURITY;
CREATE POLICY no_3001 ON ritems FOR SELECT TO lp_ranges_ann USING (item_id <> 3001);
SET ROLE lp_ranges_ann;
SELECT is(served_new('fra', 3), ARRAY[3002], 'a policy created after its first call hides a row at the next');
RESET ROLE;
SELECT is(served_new('fra', 3), ARRAY[3001, 3002], 'the table''s owner in the same backend still reads every row');
SET ROLE lp_ranges_ann;
SELECT is(served_new('fra', 3), ARRAY[3002], 'and the role after it still reads its rows only');
RESET ROLE;
ALTER POLICY no_3001 ON ritems USING (item_id <> 3002);
SET ROLE lp_ranges_ann;
SELECT is(served_new('fra', 3), ARRAY[3001], 'a changed policy applies at the next call');
RESET ROLE;
DROP POLICY no_3001 ON ritems;
SET ROLE lp_ranges_ann;
SELECT is(served_new('fra', 3), '{}'::int[], 'with no policy left, row-level security shows the role no row');
RESET ROLE;
ALTER TABLE ritems DISABLE ROW LEVEL SECURITY;
REVOKE SELECT ON ritems FROM lp_ranges_ann;
SET ROLE lp_ranges_ann;
SELECT throws_ok($$SELECT served_new('fra', 3)$$, '42501', NULL,
                 'a role that may no longer read the relation is refused, plan kept or not');
RESET ROLE;
SELECT linkpred_drop('fra');
DROP OWNED BY lp_ranges_ann;
DROP ROLE lp_ranges_ann;

-- bigint keys: runs beyond integer, one ending at the largest int8
CREATE TABLE be AS
SELECT u::bigint AS user_id, i AS item_id
FROM generate_series(0, 79) u,
     (SELECT 1099511627776 + generate_series(1, 300) UNION ALL SELECT 9223372036854775807 - generate_series(0, 299)) s(i)
WHERE ((hashint4(u * 7919) # hashint8(i)) & 15) = 0;
CREATE TABLE bitems (item_id bigint PRIMARY KEY, category text);
INSERT INTO bitems SELECT DISTINCT item_id, 'c' || (item_id % 5) FROM be;
INSERT INTO bitems
SELECT i, 'c' || (i % 5)
FROM (SELECT 1099511627776 + generate_series(1, 300) UNION ALL SELECT 9223372036854775807 - generate_series(0, 299)) s(i)
ON CONFLICT DO NOTHING;
SELECT linkpred_train('fb8', 'be', 'user_id', 'item_id',
                      options => '{"seed": 1, "dim": 8, "epochs": 2, "item_features": {"relation": "bitems", "key": "item_id", "columns": ["category"]}}');
INSERT INTO bitems VALUES (-9223372036854775808, 'c1'), (0, 'c2'), (1099511627776, 'c3'), (1099511628077, 'c4'),
    (4611686018427387904, 'c0'), (9223372036854775507, 'c1');
SELECT is((SELECT array_agg(item ORDER BY item) FROM linkpred_topk(3::bigint, 5000, 'fb8', fresh_items => true)
           WHERE linkpred_score(3::bigint, item, 'fb8') IS NULL),
          ARRAY[-9223372036854775808, 0, 1099511627776, 1099511628077, 4611686018427387904, 9223372036854775507]::bigint[],
          'bigint keys: every new key is served, at both ends of int8 and beside runs that end at its largest value');
SELECT is((SELECT count(*) FROM linkpred_topk(3::bigint, 5000, 'fb8', exclude_seen => false, fresh_items => true)), 606::bigint,
          'with every known item once');

-- a smallint key column (a key map of integers, compared with int8 bounds), no index
CREATE TABLE sitems (item_id smallint, category text);
INSERT INTO sitems SELECT i, 'c' || (i % 5) FROM (SELECT generate_series(1, 300) UNION ALL SELECT generate_series(1001, 1300)) s(i);
SELECT linkpred_train('fs', 're', 'user_id', 'item_id',
                      options => '{"seed": 1, "dim": 8, "epochs": 2, "item_features": {"relation": "sitems", "key": "item_id", "columns": ["category"]}}');
INSERT INTO sitems VALUES (-32768, 'c1'), (400, 'c2'), (32767, 'c3');
SELECT is(served_new('fs', 3), ARRAY[-32768, 400, 32767], 'smallint keys: every new key is served, at both ends of smallint');

-- text keys: no runs, the whole relation is read, as before
CREATE TABLE te AS SELECT 'u' || user_id AS user_id, 'i' || item_id AS item_id FROM re;
CREATE TABLE titems AS SELECT 'i' || item_id AS item_id, category FROM sitems WHERE item_id BETWEEN 1 AND 1300;
SELECT linkpred_train('ft', 'te', 'user_id', 'item_id',
                      options => '{"seed": 1, "dim": 8, "epochs": 2, "item_features": {"relation": "titems", "key": "item_id", "columns": ["category"]}}');
INSERT INTO titems VALUES ('new-1', 'c1'), ('i150x', 'c2');
SELECT is((SELECT array_agg(item ORDER BY item) FROM linkpred_topk('u3'::text, 5000, 'ft', fresh_items => true)
           WHERE linkpred_score('u3'::text, item, 'ft') IS NULL),
          ARRAY['i150x', 'new-1'], 'text keys: every new key is served');
UPDATE titems SET category = 'c4' WHERE item_id = 'new-1';
DELETE FROM titems WHERE item_id = 'i150x';
SELECT is((SELECT array_agg(item) FROM linkpred_topk('u3'::text, 5000, 'ft', fresh_items => true)
           WHERE linkpred_score('u3'::text, item, 'ft') IS NULL),
          ARRAY['new-1'], 'and a deleted one is gone at the next statement');

-- a many-to-many relation with weights and integer values ("attribute",
-- "weight"): a cold item of training (5000, a run of one, read and skipped
-- by its key) and new items composed from the same values score alike
CREATE TABLE mtags (item_id int, tag int, w float8);
INSERT INTO mtags
SELECT i, t, w FROM (SELECT generate_series(1, 300) UNION ALL SELECT generate_series(1001, 1300) UNION ALL SELECT 5000) s(i),
     LATERAL (VALUES (i % 7, 1.0), (i % 3 + 10, 2.0)) v(t, w);
SELECT linkpred_train('fm', 're', 'user_id', 'item_id',
                      options => '{"seed": 1, "dim": 8, "epochs": 2, "item_features": {"relation": "mtags", "key": "item_id", "attribute": "tag", "weight": "w"}}');
INSERT INTO mtags VALUES (6000, 5000 % 7, 1), (6000, 5000 % 3 + 10, 2),
    (6001, 5000 % 7, 1), (6001, 5000 % 3 + 10, 1), (6001, 5000 % 3 + 10, 1), (6001, 99, 5);
SELECT is(served_new('fm', 3), ARRAY[6000, 6001], 'attribute and weight: the new items are served, the cold item of training is not new');
SELECT cmp_ok((SELECT max(abs(t.score - linkpred_score(3, 5000, 'fm'))) FROM linkpred_topk(3, 5000, 'fm', fresh_items => true) t
               WHERE t.item = 6000), '<', 1e-5::float8,
              'a new item with the cold item''s integer values and weights scores as the cold item');
SELECT cmp_ok((SELECT max(abs(t.score - linkpred_score(3, 5000, 'fm'))) FROM linkpred_topk(3, 5000, 'fm', fresh_items => true) t
               WHERE t.item = 6001), '<', 1e-5::float8,
              'so does one whose weight is split over two rows and with an unseen value beside');

-- linkpred_similar reads the same rows
SELECT ok(500 IN (SELECT similar_item FROM linkpred_similar(500, 1, 'fr', fresh_items => true)) IS FALSE
          AND (SELECT count(*) FROM linkpred_similar(1, 5000, 'fr', fresh_items => true)
               WHERE linkpred_score(3, similar_item, 'fr') IS NULL) = cardinality((SELECT ids FROM r_new)),
          'linkpred_similar: a new item is not its own neighbour, and every new item is among a known item''s');

SELECT * FROM finish();
