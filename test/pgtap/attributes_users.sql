-- User attributes (option user_features): users composed of id and
-- attribute vectors in the matrix factorisation, and cold users (in the
-- attribute relation, in no edge) scored from their attributes alone.
--
-- Planted: 4 groups of 40 users and 16 items; a user links to about three
-- quarters of its group's items (g * 100 + 0..15) and to nothing else.
-- Every user's row in "customers" carries its group as its country and one
-- of 8 noise ages; 40 cold users (ids 1000..1039, 10 per group) are in
-- "customers" only.  With the option a cold user is in the model and gets
-- its group's items; without it the cold user is unknown (score NULL, the
-- no-history ranking), which the assertions on the plain model below show.
\set ON_ERROR_STOP 1
SELECT plan(39);

CREATE TABLE ue AS
SELECT u AS user_id, (u % 4) * 100 + k AS item_id
FROM generate_series(0, 159) u, generate_series(0, 15) k
WHERE (hashint4(u * 31 + k) & 3) <> 0;
CREATE TABLE customers AS
SELECT u AS id, 'c' || (u % 4) AS country, 20 + (hashint4(u) & 7) AS age, u >= 1000 AS cold, u % 4 AS grp,
       1.5::numeric AS score
FROM (SELECT generate_series(0, 159) UNION ALL SELECT generate_series(1000, 1039)) s(u);
-- skipped and counted: a NULL key (both columns), a NULL country
INSERT INTO customers VALUES (NULL, 'c0', 30, false, 0, 1), (2000, NULL, 31, true, 0, 1);

SELECT linkpred_train('ua', 'ue', 'user_id', 'item_id',
                      options => '{"seed": 1, "dim": 16, "user_features": {"relation": "customers", "key": "id", "columns": ["country", "age"]}}');
SELECT linkpred_train('un', 'ue', 'user_id', 'item_id', options => '{"seed": 1, "dim": 16}');

SELECT is((SELECT (stats->>'user_attribute_rows', stats->>'user_attribute_rows_skipped', stats->>'user_attributes',
                   stats->>'cold_users', stats->>'users', stats->>'attribute_rows', stats->>'cold_items')::text
           FROM linkpred.jobs WHERE model = 'ua' ORDER BY id DESC LIMIT 1),
          (SELECT (404, 3, count(DISTINCT country) + count(DISTINCT age), 41, 201, 0, 0)::text
           FROM customers WHERE id IS NOT NULL),
          'rows read and skipped (NULL key twice, NULL country), the values of both columns, the 41 cold users joined the users');
SELECT is((SELECT options->'user_features' FROM linkpred.versions WHERE model = 'ua' AND active),
          '{"relation": "public.customers", "key": "id", "columns": ["country", "age"]}'::jsonb,
          'stored: the relation schema-qualified');
SELECT is((SELECT (options->'item_features', (options->>'id_dropout')::float8)::text
           FROM linkpred.versions WHERE model = 'ua' AND active),
          '(null,0.8)', 'user_features alone: no item_features, and id_dropout applies (the default is stored)');

-- cold users: scored, and ranked to their group's items
CREATE FUNCTION own_share(m text, k int) RETURNS float8 LANGUAGE sql AS $$
    SELECT avg((t.item / 100 = c.grp)::int)::float8
    FROM customers c, linkpred_topk(c.id, k, m) t
    WHERE c.cold AND c.id < 2000
$$;
SELECT is((SELECT count(*) FROM customers c, ue i
           WHERE c.cold AND c.id < 2000 AND i.user_id = 0 AND linkpred_score(c.id, i.item_id, 'ua') IS NOT NULL),
          (SELECT 40 * count(*) FROM ue WHERE user_id = 0),
          'with user_features linkpred_score(cold user, item) is not NULL');
SELECT is((SELECT count(*) FROM customers c
           WHERE c.cold AND c.id < 2000 AND linkpred_score(c.id, 0, 'un') IS NOT NULL), 0::bigint,
          'without user_features a cold user has no score');
SELECT is((SELECT count(*) FROM customers c, linkpred_topk(c.id, 8, 'ua') t WHERE c.cold AND c.id < 2000),
          320::bigint, 'linkpred_topk(cold user, 8) returns 8 items to each cold user');
-- share of the cold users' top 8 that is of their group: 1.000 with
-- user_features; the same measure on the model without them gives 0.250:
-- a cold user is unknown there, every one gets the same no-history list,
-- and the 4 groups' shares of one list average a quarter
SELECT diag('own group''s share of the cold users'' top 8: with user_features ' || round(own_share('ua', 8)::numeric, 3)
            || ', without ' || round(own_share('un', 8)::numeric, 3));
SELECT cmp_ok(own_share('ua', 8), '>=', 0.9::float8,
              'cold users: at least 90% of their top 8 are their group''s items');
SELECT cmp_ok(own_share('un', 8), '<=', 0.5::float8,
              'the same measure without user_features: at most half (the assertion above needs the option)');
SELECT is((SELECT (stats->>'user_attribute_rows')::int FROM linkpred.jobs WHERE model = 'un' ORDER BY id DESC LIMIT 1), 0,
          'without user_features no user attribute row is read');

-- fresh => true: a cold user with no rows keeps its attributes' vector; with rows it is folded in
SELECT is((SELECT array_agg(item ORDER BY n) FROM linkpred_topk(1001, 8, 'ua', fresh => true) WITH ORDINALITY t(item, score, n)),
          (SELECT array_agg(item ORDER BY n) FROM linkpred_topk(1001, 8, 'ua') WITH ORDINALITY t(item, score, n)),
          'fresh => true, a cold user without rows: the same top 8 as its trained (attributes'') vector');
SELECT is(linkpred_score(1001, 101, 'ua', fresh => true), linkpred_score(1001, 101, 'ua'),
          'fresh => true, a cold user without rows: its trained score');
INSERT INTO ue VALUES (1001, 300), (1001, 301), (1001, 302);
SELECT isnt(linkpred_score(1001, 101, 'ua', fresh => true), linkpred_score(1001, 101, 'ua'),
            'fresh => true, a cold user with current rows: folded in from them');
SELECT cmp_ok((SELECT count(*) FROM linkpred_topk(1001, 8, 'ua', fresh => true) WHERE item / 100 = 3), '>=', 5::bigint,
              'fresh => true, a cold user with current rows in group 3: most of its top 8 is group 3''s');
DELETE FROM ue WHERE user_id = 1001;
SELECT is((SELECT count(*) FROM linkpred_topk(99999, 8, 'ua', fresh => true)), 8::bigint,
          'fresh => true, a user the model does not know: the no-history ranking, as before');

-- warm users: the attributes do not hurt the ranking of held-out edges
SELECT value AS auc_attrs FROM linkpred_evaluate('ua', fraction => 0.2, seed => 4) WHERE metric = 'auc' \gset
SELECT value AS auc_plain FROM linkpred_evaluate('un', fraction => 0.2, seed => 4) WHERE metric = 'auc' \gset
SELECT diag('holdout AUC with user attributes ' || round(:auc_attrs::numeric, 6) || ', without ' || round(:auc_plain::numeric, 6));
SELECT cmp_ok(:auc_attrs::float8, '>=', :auc_plain::float8 - 0.01,
              'a holdout evaluation re-reads the user attributes and the AUC is not below the plain model''s');

-- a many-to-many relation with weights, and both sides together: the same
-- value text on both sides ("g0") is two attributes, one per side
CREATE TABLE utags AS
SELECT id AS user_id, 'g' || grp AS tag, 2 AS w FROM customers WHERE id IS NOT NULL AND id < 2000
UNION ALL SELECT 3, 'g1', 0;
CREATE TABLE itags AS
SELECT (g * 100 + k) AS item_id, 'g' || g AS tag FROM generate_series(0, 3) g, generate_series(0, 15) k
UNION ALL SELECT g * 100 + 50, 'g' || g FROM generate_series(0, 3) g;
SELECT linkpred_train('ub', 'ue', 'user_id', 'item_id',
                      options => '{"seed": 1, "dim": 16, "id_dropout": 0.5, "user_features": {"relation": "utags", "key": "user_id", "attribute": "tag", "weight": "w"}, "item_features": {"relation": "itags", "key": "item_id", "attribute": "tag"}}');
SELECT is((SELECT (stats->>'user_attribute_rows', stats->>'user_attribute_rows_skipped', stats->>'user_attributes',
                   stats->>'cold_users', stats->>'attribute_rows', stats->>'attributes', stats->>'cold_items')::text
           FROM linkpred.jobs WHERE model = 'ub' ORDER BY id DESC LIMIT 1),
          '(201,1,4,40,68,4,4)', 'both sides: each side''s rows, skipped rows (zero weight), values and cold nodes');
SELECT is((SELECT (options->>'id_dropout')::float8 FROM linkpred.versions WHERE model = 'ub' AND active), 0.5::float8,
          'a given id_dropout is stored');
SELECT cmp_ok((SELECT count(*) FROM customers c
               WHERE c.cold AND c.id < 2000
                 AND linkpred_score(c.id, c.grp * 100 + 50, 'ub') > linkpred_score(c.id, ((c.grp + 1) % 4) * 100 + 50, 'ub')),
              '>=', 36::bigint, 'both sides: a cold user scores its group''s cold item above the next group''s');
SELECT cmp_ok(own_share('ub', 8), '>=', 0.9::float8,
              'both sides: at least 90% of a cold user''s top 8 are its group''s items');

-- text user ids: cold users keyed by text join the user side too
CREATE TABLE te AS SELECT 'u' || user_id AS u, item_id AS i FROM ue;
CREATE TABLE tc AS SELECT 'u' || id AS u, country FROM customers WHERE id IS NOT NULL;
SELECT linkpred_train('ut', 'te', 'u', 'i',
                      options => '{"seed": 1, "dim": 16, "user_features": {"relation": "tc", "key": "u", "columns": ["country"]}}');
SELECT cmp_ok((SELECT count(*) FROM customers c
               WHERE c.cold AND c.id < 2000
                 AND linkpred_score('u' || c.id, c.grp * 100 + 1, 'ut') > linkpred_score('u' || c.id, ((c.grp + 1) % 4) * 100 + 1, 'ut')),
              '>=', 36::bigint, 'text ids: a cold user scores its group''s item above the next group''s');

-- attributes are shared by many users: two threads asked for, one used
SET linkpred.training_threads = 2;
SELECT linkpred_train('u2', 'ue', 'user_id', 'item_id',
                      options => '{"seed": 1, "dim": 16, "epochs": 2, "user_features": {"relation": "customers", "key": "id", "columns": ["country"]}}');
SELECT is((SELECT metrics->>'training_threads' FROM linkpred.versions WHERE model = 'u2' AND active), '1',
          'with user_features the matrix factorisation trains on one thread, whatever linkpred.training_threads says');
RESET linkpred.training_threads;

-- refusals ------------------------------------------------------------
SELECT throws_ok($$SELECT linkpred_train('x', 'ue', 'user_id', 'item_id',
                   options => '{"encoder": "lightgcn", "user_features": {"relation": "utags", "key": "user_id", "attribute": "tag"}}')$$,
                 '0A000', 'option "user_features" is not available with encoder "lightgcn"', 'other encoders refuse it');
SELECT throws_ok($$SELECT linkpred_train('x', 'ue', 'user_id', 'item_id',
                   options => '{"decoder": "mlp", "user_features": {"relation": "utags", "key": "user_id", "attribute": "tag"}}')$$,
                 '0A000', 'option "user_features" needs the dot decoder', 'the MLP decoder refuses it');
SELECT throws_ok($$SELECT linkpred_train('x', 'ue', 'user_id', 'item_id',
                   options => '{"bipartite": false, "user_features": {"relation": "utags", "key": "user_id", "attribute": "tag"}}')$$,
                 '22023', 'option "user_features" applies only to bipartite graphs', 'a homogeneous graph refuses it: its nodes take item_features');
SELECT throws_ok($$SELECT linkpred_train('x', 'ue', 'user_id', 'item_id',
                   options => '{"warm_start": true, "user_features": {"relation": "utags", "key": "user_id", "attribute": "tag"}}')$$,
                 '0A000', 'option "user_features" cannot be combined with "warm_start"', 'warm_start refuses it');
SELECT throws_ok($$SELECT linkpred_train('x', 'ue', 'user_id', 'item_id',
                   options => '{"user_features": {"relation": "no_such_customers", "key": "id", "columns": ["country"]}}')$$,
                 '42P01', 'relation "no_such_customers" of option "user_features" does not exist', 'a missing relation');
SELECT throws_ok($$SELECT linkpred_train('x', 'ue', 'user_id', 'item_id',
                   options => '{"user_features": {"relation": "customers", "key": "customer", "columns": ["country"]}}')$$,
                 '42703', NULL, 'a missing key column');
SELECT throws_ok($$SELECT linkpred_train('x', 'ue', 'user_id', 'item_id',
                   options => '{"user_features": {"relation": "utags", "key": "user_id", "attribute": "label"}}')$$,
                 '42703', NULL, 'a missing attribute column');
SELECT throws_ok($$SELECT linkpred_train('x', 'ue', 'user_id', 'item_id',
                   options => '{"user_features": {"relation": "tc", "key": "u", "columns": ["country"]}}')$$,
                 '42804', 'key column "u" of option "user_features" has type text, the user column integer',
                 'a key of another kind than the user ids');
SELECT throws_ok($$SELECT linkpred_train('x', 'ue', 'user_id', 'item_id',
                   options => '{"user_features": {"relation": "utags", "key": "user_id", "attribute": "tag", "weight": "tag"}}')$$,
                 '42804', 'weight column "tag" of option "user_features" has type text', 'a weight column that is not numeric');
SELECT lives_ok($$SELECT linkpred_train('unum', 'ue', 'user_id', 'item_id',
                   options => '{"epochs": 1, "user_features": {"relation": "customers", "key": "id", "columns": ["country", "score"]}}')$$,
                 'a numeric column among "columns" is read as numeric for users too (attributes_columns.sql tests the kinds)');
SELECT is((SELECT (stats->>'user_attribute_nulls')::int FROM linkpred.jobs WHERE model = 'unum' ORDER BY id DESC LIMIT 1), 0,
          'the users'' NULL numbers are counted (none here)');
SELECT throws_ok($$SELECT linkpred_train('x', 'ue', 'user_id', 'item_id',
                   options => '{"user_features": {"relation": "customers", "key": "id"}}')$$,
                 '22023', 'option "user_features" needs "relation", "key" and one of "attribute" or "columns"',
                 'neither "attribute" nor "columns"');
SELECT throws_ok($$SELECT linkpred_train('x', 'ue', 'user_id', 'item_id',
                   options => '{"user_features": {"relation": "customers", "key": "id", "columns": ["country"], "weight": "age"}}')$$,
                 '22023', '"weight" of option "user_features" goes with "attribute", not "columns"',
                 '"weight" with "columns"');
SELECT throws_ok($$SELECT linkpred_train('x', 'ue', 'user_id', 'item_id',
                   options => '{"user_features": {"relation": "customers", "key": "id", "columns": ["country"], "tags": 1}}')$$,
                 '22023', 'unknown key "tags" in option "user_features"', 'an unknown key');
SELECT throws_ok($$SELECT linkpred_train('x', 'ue', 'user_id', 'item_id',
                   options => '{"user_features": {"relation": "customers", "key": "id", "columns": "country"}}')$$,
                 '22023', '"columns" of option "user_features" must be an array of column names', '"columns" not an array');
SELECT throws_ok($$SELECT linkpred_train('x', 'ue', 'user_id', 'item_id', options => '{"user_features": "customers"}')$$,
                 '22023', 'option "user_features" must be an object', 'not an object');
SELECT throws_ok($$SELECT linkpred_train('x', 'ue', 'user_id', 'item_id',
                   options => '{"id_dropout": 1, "user_features": {"relation": "customers", "key": "id", "columns": ["country"]}}')$$,
                 '22023', 'option "id_dropout" is out of range: 1', 'id_dropout 1 is refused with user_features too');
CREATE TABLE null_customers AS SELECT id, NULL::text AS country FROM customers;
SELECT throws_ok($$SELECT linkpred_train('x', 'ue', 'user_id', 'item_id',
                   options => '{"user_features": {"relation": "null_customers", "key": "id", "columns": ["country"]}}')$$,
                 '55000', 'relation public.null_customers of option "user_features" has no usable rows',
                 'a relation without one usable row fails the job');

SELECT * FROM finish();
