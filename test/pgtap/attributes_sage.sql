-- Node attributes in GraphSAGE ("encoder": "sage" with item_features or
-- user_features): a node's input is its id vector plus its attributes'
-- vectors (src/kernels/sage_attrs.c), so a cold node (in the attribute
-- relation, in no edge) is scored from its attributes through the layers.
--
-- The planted graph of attributes.sql: 4 groups of 40 users and 16 items;
-- a user links to about three quarters of its group's items and to
-- nothing else; every item carries its group's tag and one of 8 noise
-- tags; each group also has 2 cold items.  The plain sage model (no tags)
-- shows what the attributes add: a cold item is in no model, its score is
-- NULL, top-k never returns it.  A sage model's vectors are not sums of
-- attribute vectors, so it stores none and fresh_items is refused.
\set ON_ERROR_STOP 1
SELECT plan(15);

CREATE TABLE pe AS
SELECT u AS user_id, (u % 4) * 100 + k AS item_id
FROM generate_series(0, 159) u, generate_series(0, 15) k
WHERE (hashint4(u * 31 + k) & 3) <> 0;
-- items g*100 + 0..15 are warm, g*100 + 50 and 51 cold
CREATE TABLE items AS
SELECT g * 100 + k AS item_id, g AS grp, k >= 50 AS cold
FROM generate_series(0, 3) g, (SELECT generate_series(0, 15) UNION ALL SELECT 50 UNION ALL SELECT 51) s(k);
CREATE TABLE ptags AS
SELECT item_id, 'group' || grp AS tag FROM items
UNION ALL
SELECT item_id, 'noise' || (hashint4(item_id) & 7) FROM items;

SELECT linkpred_train('sa', 'pe', 'user_id', 'item_id',
                      options => '{"encoder": "sage", "seed": 1, "dim": 16, "item_features": {"relation": "ptags", "key": "item_id", "attribute": "tag"}}');
SELECT linkpred_train('sn', 'pe', 'user_id', 'item_id', options => '{"encoder": "sage", "seed": 1, "dim": 16}');

SELECT is((SELECT (stats->>'attributes', stats->>'cold_items', stats->>'items')::text
           FROM linkpred.jobs WHERE model = 'sa' ORDER BY id DESC LIMIT 1),
          '(12,8,72)', 'sage: 12 tags, the 8 cold items joined the items');

CREATE FUNCTION cold_scores(m text)
RETURNS TABLE (user_id int, own float8, other float8) LANGUAGE sql AS $$
    SELECT u, (SELECT max(linkpred_score(u, i.item_id, m)) FROM items i WHERE i.cold AND i.grp = u % 4),
              (SELECT max(linkpred_score(u, i.item_id, m)) FROM items i WHERE i.cold AND i.grp <> u % 4)
    FROM generate_series(0, 159) u
$$;
SELECT is((SELECT count(*) FROM cold_scores('sa') WHERE own IS NOT NULL AND other IS NOT NULL), 160::bigint,
          'sage with attributes: every user has a score for every cold item');
SELECT is((SELECT count(*) FROM cold_scores('sn') WHERE own IS NOT NULL OR other IS NOT NULL), 0::bigint,
          'sage without attributes: a cold item has no score');
SELECT cmp_ok((SELECT count(*) FROM cold_scores('sa') WHERE own > other), '>=', 152::bigint,
              'sage: at least 95% of users score their group''s cold items above every other group''s');

CREATE FUNCTION cold_in_topk(m text, k int) RETURNS bigint LANGUAGE sql AS $$
    SELECT count(*) FROM generate_series(0, 159) u
    WHERE EXISTS (SELECT 1 FROM linkpred_topk(u, k, m) t JOIN items i ON i.item_id = t.item
                  WHERE i.cold AND i.grp = u % 4)
$$;
SELECT cmp_ok(cold_in_topk('sa', 8), '>=', 144::bigint,
              'sage: linkpred_topk recommends a cold item of the user''s group to at least 90% of users');
SELECT is(cold_in_topk('sn', 8), 0::bigint, 'sage without attributes: top-k never returns a cold item');

-- a holdout evaluation re-reads the attributes; warm items' ranking holds
CREATE VIEW ptags_warm AS SELECT t.* FROM ptags t JOIN items i USING (item_id) WHERE NOT i.cold;
SELECT linkpred_train('sw', 'pe', 'user_id', 'item_id',
                      options => '{"encoder": "sage", "seed": 1, "dim": 16, "item_features": {"relation": "ptags_warm", "key": "item_id", "attribute": "tag"}}');
SELECT value AS auc_attrs FROM linkpred_evaluate('sw', fraction => 0.2, seed => 4) WHERE metric = 'auc' \gset
SELECT value AS auc_plain FROM linkpred_evaluate('sn', fraction => 0.2, seed => 4) WHERE metric = 'auc' \gset
SELECT diag('sage holdout AUC with tags ' || round(:auc_attrs::numeric, 4) || ', without ' || round(:auc_plain::numeric, 4));
SELECT cmp_ok(:auc_attrs::float8, '>=', :auc_plain::float8 - 0.01,
              'sage: a holdout evaluation with attributes is not below the plain model''s AUC');

-- fresh_items: nothing stored to compose from, refused with a clear error
SELECT is((SELECT count(*) FROM linkpred.attribute_store WHERE model = 'sa'), 0::bigint,
          'a sage version stores no attribute vectors');
INSERT INTO ptags VALUES (170, 'group1'), (170, 'noise3');
SELECT throws_ok($$SELECT * FROM linkpred_topk(1, 8, 'sa', fresh_items => true)$$,
                 '0A000', 'fresh_items => true is not available for model "sa", trained with encoder "sage"',
                 'fresh_items is refused for a sage model (top-k)');
SELECT throws_ok($$SELECT linkpred_score(1, 170, 'sa', fresh_items => true)$$,
                 '0A000', 'fresh_items => true is not available for model "sa", trained with encoder "sage"',
                 'fresh_items is refused for a sage model (score of a new item)');
SELECT throws_ok($$SELECT * FROM linkpred_similar(150, 5, 'sa', fresh_items => true)$$,
                 '0A000', 'fresh_items => true is not available for model "sa", trained with encoder "sage"',
                 'fresh_items is refused for a sage model (similar items)');
SELECT ok(linkpred_score(1, 150, 'sa') IS NOT NULL AND linkpred_score(1, 170, 'sa') IS NULL,
          'without fresh_items: a cold item of training scores, an item added since does not');

-- users (user_features): 8 cold users, 2 per group, with their group's value
CREATE TABLE pusers AS
SELECT u AS user_id, 'ugroup' || (u % 4) AS tag FROM generate_series(0, 167) u;
SELECT linkpred_train('su', 'pe', 'user_id', 'item_id',
                      options => '{"encoder": "sage", "seed": 1, "dim": 16, "user_features": {"relation": "pusers", "key": "user_id", "attribute": "tag"}}');
SELECT is((SELECT stats->>'cold_users' FROM linkpred.jobs WHERE model = 'su' ORDER BY id DESC LIMIT 1), '8',
          'sage: the 8 cold users joined the users');
SELECT cmp_ok((SELECT count(*) FROM generate_series(160, 167) u
               WHERE (SELECT count(*) FROM linkpred_topk(u, 8, 'su') t JOIN items i ON i.item_id = t.item
                      WHERE i.grp = u % 4) >= 6), '>=', 7::bigint,
              'sage: at least 7 of 8 cold users get at least 6 of their group''s items in their top 8');
-- a user new since training, with fresh => true: folded in from its rows (no attribute vectors to compose from)
INSERT INTO pe VALUES (500, 0), (500, 1), (500, 2);
SELECT ok((SELECT count(*) FROM linkpred_topk(500, 8, 'su', fresh => true)) = 8,
          'sage with user_features: a new user with fresh => true is folded in from its current items');

SELECT * FROM finish();
