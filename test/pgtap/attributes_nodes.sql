-- Node attributes on a homogeneous graph (option item_features names the
-- nodes' attributes: in a homogeneous graph the items are the nodes).
--
-- Planted: 160 nodes in 4 groups (node % 4); about a quarter of the pairs
-- of a group are linked, no pair across groups.  Every node carries its
-- group's tag and one of 8 noise tags; 8 cold nodes (1000..1007, group
-- node % 4) are in the tag table but in no edge.  With the tags a cold
-- node is scored from its tags alone, as a target and as a source, and
-- recommended to its group; without them it is not in the model.  The
-- default fits the structural head (features auto, 758 edges), which ranks
-- a node without edges below the warm ones (README, Item and user
-- attributes): the recommendation checks train with "features": "none".
\set ON_ERROR_STOP 1
SELECT plan(25);

CREATE TABLE he AS
SELECT a, b FROM generate_series(0, 159) a, generate_series(0, 159) b
WHERE a < b AND a % 4 = b % 4 AND (hashint4(a * 397 + b) & 3) = 0;
CREATE TABLE nodes AS
SELECT n AS node, n % 4 AS grp, n >= 1000 AS cold
FROM (SELECT generate_series(0, 159) UNION ALL SELECT 1000 + generate_series(0, 7)) s(n);
CREATE TABLE ntags AS
SELECT node, 'group' || grp AS tag FROM nodes
UNION ALL
SELECT node, 'noise' || (hashint4(node) & 7) FROM nodes;

SELECT linkpred_train('na', 'he', 'a', 'b',
                      options => '{"bipartite": false, "seed": 1, "dim": 16, "item_features": {"relation": "ntags", "key": "node", "attribute": "tag"}}');
SELECT linkpred_train('nn', 'he', 'a', 'b', options => '{"bipartite": false, "seed": 1, "dim": 16}');
SELECT linkpred_train('nc', 'he', 'a', 'b',
                      options => '{"bipartite": false, "features": "none", "seed": 1, "dim": 16, "item_features": {"relation": "ntags", "key": "node", "attribute": "tag"}}');
SELECT linkpred_train('nd', 'he', 'a', 'b',
                      options => '{"bipartite": false, "directed": true, "features": "none", "seed": 1, "dim": 16, "item_features": {"relation": "ntags", "key": "node", "attribute": "tag"}}');

SELECT is((SELECT (stats->>'attribute_rows', stats->>'attributes', stats->>'cold_items', stats->>'users', stats->>'items')::text
           FROM linkpred.jobs WHERE model = 'na' ORDER BY id DESC LIMIT 1),
          '(336,12,8,168,168)',
          'two tag rows per node, 12 tags, the 8 cold nodes joined the graph (one id space: users and items alike)');
SELECT is((SELECT array_agg(side::text || ':' || n ORDER BY side) FROM (
               SELECT side, count(*) AS n FROM linkpred.embeddings WHERE model = 'na' GROUP BY side) s),
          '{n:168}', 'undirected: one stored row per node, the cold ones included');
SELECT is((SELECT array_agg(side::text || ':' || n ORDER BY side) FROM (
               SELECT side, count(*) AS n FROM linkpred.embeddings WHERE model = 'nd' GROUP BY side) s),
          '{i:168,u:168}', 'directed: a source and a target row per node, the cold ones included');
SELECT is((SELECT options->>'features' FROM linkpred.versions WHERE model = 'na' AND active), 'auto',
          'features left at auto');
SELECT is((SELECT array_agg(v.model ORDER BY v.model) FROM linkpred.version_catalog v
           JOIN linkpred.model_catalog m ON m.name = v.model AND m.active_version = v.version WHERE v.head IS NOT NULL),
          '{na,nn}', 'auto fits the structural head with item_features as without; "none" fits none');

-- a node against its own group's cold nodes and the other groups'
CREATE FUNCTION cold_scores(m text)
RETURNS TABLE (node int, own float8, other float8) LANGUAGE sql AS $$
    SELECT u, (SELECT max(linkpred_score(u, c.node, m)) FROM nodes c WHERE c.cold AND c.grp = u % 4),
              (SELECT max(linkpred_score(u, c.node, m)) FROM nodes c WHERE c.cold AND c.grp <> u % 4)
    FROM generate_series(0, 159) u
$$;
SELECT is((SELECT count(*) FROM cold_scores('na') WHERE own IS NOT NULL AND other IS NOT NULL), 160::bigint,
          'with attributes every node has a score for every cold node');
SELECT is((SELECT count(*) FROM cold_scores('nn') WHERE own IS NOT NULL OR other IS NOT NULL), 0::bigint,
          'without attributes a cold node has no score');
SELECT cmp_ok((SELECT count(*) FROM cold_scores('na') WHERE own > other), '>=', 152::bigint,
              'at least 95% of nodes score their group''s cold nodes above every other group''s');
SELECT cmp_ok((SELECT count(*) FROM cold_scores('nd') WHERE own > other), '>=', 152::bigint,
              'directed: the same, a cold node as the target');
SELECT cmp_ok((SELECT count(*) FROM nodes c, generate_series(0, 159) v
               WHERE c.cold AND v % 4 = c.grp
                 AND linkpred_score(c.node, v, 'nd') > (SELECT max(linkpred_score(c.node, w, 'nd'))
                                                        FROM generate_series(0, 159) w WHERE w % 4 <> c.grp)),
              '>=', 8 * 40 * 9 / 10::bigint,
              'directed: a cold node as the source scores its own group above every other group''s node, 90% of the time');
SELECT ok((SELECT bool_and(abs(linkpred_score(c.node, v, 'nc') - linkpred_score(v, c.node, 'nc')) < 1e-5)
           FROM nodes c, generate_series(0, 159, 7) v WHERE c.cold),
          'undirected: a cold node scores the same from either end');
SELECT cmp_ok((SELECT count(*) FROM nodes a JOIN nodes b ON a.cold AND b.cold AND a.node < b.node AND a.grp = b.grp
               WHERE linkpred_score(a.node, b.node, 'nc') >
                     (SELECT max(linkpred_score(a.node, c.node, 'nc')) FROM nodes c WHERE c.cold AND c.grp <> a.grp)),
              '=', 4::bigint, 'two cold nodes of a group score above either''s pair with another group''s cold node');

-- top 8 of a node: its group's cold nodes rank among its unlinked group
-- members (about 29 of them), as a random pick among those would put one
-- of the 2 in the top 8 for about 73 of the 160 nodes
CREATE FUNCTION cold_in_topk(m text, k int) RETURNS bigint LANGUAGE sql AS $$
    SELECT count(*) FROM generate_series(0, 159) u
    WHERE EXISTS (SELECT 1 FROM linkpred_topk(u, k, m) t JOIN nodes c ON c.node = t.item
                  WHERE c.cold AND c.grp = u % 4)
$$;
SELECT cmp_ok(cold_in_topk('nc', 8), '>=', 50::bigint,
              'linkpred_topk recommends a cold node of the node''s group to at least 50 of the 160 nodes');
SELECT is(cold_in_topk('nn', 8), 0::bigint, 'without attributes top-k never returns a cold node');
SELECT cmp_ok((SELECT count(*) FROM linkpred_similar(1001, 5, 'na') s JOIN nodes n ON n.node = s.similar_item
               WHERE n.grp = 1), '>=', 4::bigint,
              'linkpred_similar of a cold node: at least 4 of its 5 nearest are of its group');
SELECT ok((SELECT bool_and(t.item <> 1002) FROM linkpred_topk(1002, 20, 'nc') t),
          'a cold node''s own top-k leaves it out');
SELECT cmp_ok((SELECT count(*) FROM linkpred_topk(1002, 20, 'nc') t WHERE t.item % 4 = 2), '>=', 18::bigint,
              'a cold node''s top-20: at least 18 of its group');

-- a node added to the tag table after training (fresh_items)
INSERT INTO ntags VALUES (2001, 'group1'), (2001, 'noise3');
CREATE FUNCTION fresh_in_topk(p_grp int) RETURNS bigint LANGUAGE sql AS $$
    SELECT count(*) FROM generate_series(0, 159) u
    WHERE u % 4 = p_grp AND EXISTS (SELECT 1 FROM linkpred_topk(u, 8, 'nc', fresh_items => true) t WHERE t.item = 2001)
$$;
SELECT cmp_ok(fresh_in_topk(1), '>=', 6::bigint,
              'fresh_items: a node added after training is in the top 8 of at least 6 of its group''s 40 (a random pick among the group''s 32 candidates: 10)');
SELECT is(fresh_in_topk(0) + fresh_in_topk(2) + fresh_in_topk(3), 0::bigint,
          'fresh_items: and in no other group''s node''s top 8');
SELECT is((SELECT count(*) FROM generate_series(0, 159) u, linkpred_topk(u, 8, 'nc') t WHERE t.item = 2001), 0::bigint,
          'without fresh_items it is never returned');
-- with the structural head, a new node scores as a cold node with the same tags
INSERT INTO ntags SELECT 2002, tag FROM ntags WHERE node = 1001;
SELECT ok((SELECT bool_and(abs(linkpred_score(u, 2002, 'na', fresh_items => true) - linkpred_score(u, 1001, 'na')) < 1e-4)
           FROM generate_series(0, 159, 3) u),
          'fresh_items under the structural head: a new node scores as the cold node with its tags (degree 0, no neighbours)');
SELECT ok((SELECT bool_and(abs(t.score - linkpred_score(u, 2002, 'na', fresh_items => true)) < 1e-9)
           FROM generate_series(0, 159) u, linkpred_topk(u, 200, 'na', fresh_items => true) t WHERE t.item = 2002),
          'fresh_items under the structural head: top-k and linkpred_score agree');

-- GraphSAGE reads the same attribute lists: a node's input is its id
-- vector plus its attributes' (a cold node's, its attributes' alone)
SELECT linkpred_train('ns', 'he', 'a', 'b',
                      options => '{"bipartite": false, "encoder": "sage", "features": "none", "seed": 1, "dim": 16, "item_features": {"relation": "ntags", "key": "node", "attribute": "tag"}}');
SELECT linkpred_train('nsd', 'he', 'a', 'b',
                      options => '{"bipartite": false, "directed": true, "encoder": "sage", "features": "none", "seed": 1, "dim": 16, "item_features": {"relation": "ntags", "key": "node", "attribute": "tag"}}');
SELECT cmp_ok((SELECT count(*) FROM cold_scores('ns') WHERE own > other), '>=', 152::bigint,
              'sage: at least 95% of nodes score their group''s cold nodes above every other group''s');
SELECT cmp_ok((SELECT count(*) FROM cold_scores('nsd') WHERE own > other), '>=', 152::bigint,
              'sage, directed: the same');

-- holdout evaluation re-reads the attributes
SELECT cmp_ok((SELECT value FROM linkpred_evaluate('na', fraction => 0.2, seed => 3) WHERE metric = 'auc'),
              '>=', (SELECT value FROM linkpred_evaluate('nn', fraction => 0.2, seed => 3) WHERE metric = 'auc') - 0.01,
              'holdout AUC with the tags is not below the plain model''s');

SELECT * FROM finish();
