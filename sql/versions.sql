-- Versions (activate = roll back or forward), batch top-k and
-- materialization into a table.
CREATE TABLE v_events AS
SELECT u AS user_id, (u * 7 + i * 3) % 30 AS item_id FROM generate_series(1, 50) u, generate_series(1, 5) i;
SELECT linkpred_train('vm', 'v_events', 'user_id', 'item_id', options => '{"dim": 4, "epochs": 3, "seed": 1}') IS NOT NULL;
SELECT linkpred_score(1, 10, model => 'vm') AS v1 \gset
SELECT linkpred_train('vm', 'v_events', 'user_id', 'item_id', options => '{"dim": 4, "epochs": 3, "seed": 2}') IS NOT NULL;
SELECT version, active FROM linkpred.versions WHERE model = 'vm' ORDER BY version;

-- roll back: version 1 serves again, with its own scores
SELECT linkpred_activate('vm', 1);
SELECT active_version FROM linkpred.models WHERE name = 'vm';
SELECT linkpred_score(1, 10, model => 'vm') = :v1 AS v1_scores;
SELECT linkpred_activate('vm', 2);
SELECT linkpred_activate('vm', 7);
-- a version trained from another relation, with other id types, rolls back
-- with its own description
CREATE TABLE v_text AS SELECT 'u' || user_id AS u, 'i' || item_id AS i FROM v_events;
SELECT linkpred_train('vm2', 'v_events', 'user_id', 'item_id', options => '{"dim": 4, "epochs": 1, "seed": 1}') IS NOT NULL;
SELECT linkpred_train('vm2', 'v_text', 'u', 'i', options => '{"dim": 4, "epochs": 1, "seed": 1}') IS NOT NULL;
SELECT active_version, source, src_column, user_type FROM linkpred.models WHERE name = 'vm2';
SELECT linkpred_activate('vm2', 1);
SELECT active_version, source, src_column, user_type FROM linkpred.models WHERE name = 'vm2';
SELECT count(*) FROM linkpred_topk(1, 3, 'vm2');
SELECT linkpred_drop('vm2');
SELECT linkpred_activate('nope', 1);

-- keep_versions prunes the oldest, never the active one
SELECT linkpred_train('vm', 'v_events', 'user_id', 'item_id', options => '{"dim": 4, "epochs": 1, "seed": 3, "keep_versions": 2}') IS NOT NULL;
SELECT version, active FROM linkpred.versions WHERE model = 'vm' ORDER BY version;
SELECT count(DISTINCT version) AS versions_with_embeddings FROM linkpred.embeddings WHERE model = 'vm';

-- batch top-k: the same rows as linkpred_topk, user by user
SELECT count(*) AS mismatches FROM generate_series(1, 50) u
WHERE (SELECT array_agg(item ORDER BY rank) FROM linkpred_topk_many(ARRAY[u], 5, 'vm'))
   IS DISTINCT FROM (SELECT array_agg(item) FROM linkpred_topk(u, 5, 'vm'));
SELECT count(*) AS rows, count(DISTINCT user_id) AS users, max(rank) FROM linkpred_topk_many(NULL::int[], 3, 'vm');
-- unknown and NULL users get the no-history ranking
SELECT user_id, array_agg(item ORDER BY rank) = (SELECT array_agg(item) FROM linkpred_topk(424242, 3, 'vm')) AS fallback
FROM linkpred_topk_many(ARRAY[424242, NULL], 3, 'vm') GROUP BY user_id ORDER BY user_id;
SELECT * FROM linkpred_topk_many(ARRAY[1], 0, 'vm');

-- materialize: replace a table's rows with top-k for every user
CREATE TABLE vm_recs (user_id int, item int, rank int, score float8);
SELECT linkpred_materialize('vm', 'vm_recs', 4);
SELECT count(*), count(DISTINCT user_id) FROM vm_recs;
SELECT linkpred_materialize('vm', 'vm_recs', 4, only_if_newer => true) AS refreshed;
SELECT linkpred_train('vm', 'v_events', 'user_id', 'item_id', options => '{"dim": 4, "epochs": 1, "seed": 4}') IS NOT NULL;
SELECT linkpred_materialize('vm', 'vm_recs', 4, only_if_newer => true) AS refreshed;
SELECT model, version FROM linkpred.materializations WHERE target = 'vm_recs'::regclass;
SELECT linkpred_materialize('nope', 'vm_recs');
-- a slice of the users (shard => s, shards => n): linkpred_shard places a key
SELECT linkpred_shard(42::bigint, 7) AS slice_of_42, linkpred_shard('alice'::text, 3) AS slice_of_alice;
SELECT count(*) > 0 AS has_rows, bool_and(linkpred_shard(user_id, 2) = 0) AS all_in_slice_0
FROM linkpred_topk_many(NULL::int[], 4, 'vm', shard => 0, shards => 2);
CREATE TABLE vm_slices (user_id int, item int, rank int, score float8);
SELECT linkpred_materialize('vm', 'vm_slices', 4, shard => 1, shards => 2);
SELECT linkpred_materialize('vm', 'vm_slices', 4, shard => 0, shards => 2);
SELECT (SELECT count(*) FROM (TABLE vm_recs EXCEPT ALL TABLE vm_slices) a)
     + (SELECT count(*) FROM (TABLE vm_slices EXCEPT ALL TABLE vm_recs) b) AS rows_differing_from_one_call;
SELECT count(*) AS recorded FROM linkpred.materializations WHERE target = 'vm_slices'::regclass;
SELECT * FROM linkpred_topk_many(NULL::int[], 4, 'vm', shard => 1);
SELECT * FROM linkpred_topk_many(NULL::int[], 4, 'vm', shards => 2);
SELECT * FROM linkpred_topk_many(NULL::int[], 4, 'vm', shard => 0, shards => 0);
SELECT * FROM linkpred_topk_many(NULL::int[], 4, 'vm', shard => 2, shards => 2);
SELECT linkpred_materialize('vm', 'vm_slices', 4, shard => 0);
SELECT linkpred_materialize('vm', 'vm_slices', 4, shard => 0, shards => 0);
SELECT linkpred_materialize('vm', 'vm_slices', 4, shard => -1, shards => 2);
SELECT linkpred_materialize('vm', 'vm_slices', 4, only_if_newer => true, shard => 0, shards => 2);
SELECT linkpred_shard(1.5, 2);
SELECT linkpred_shard(1, 0);
-- integer users, text items
CREATE TABLE v_mixed AS SELECT user_id, 'sku-' || item_id AS sku FROM v_events;
SELECT linkpred_train('vmix', 'v_mixed', 'user_id', 'sku', options => '{"dim": 4, "epochs": 1, "seed": 1}') IS NOT NULL;
CREATE TABLE mixed_recs (user_id int, item text, rank int, score float8);
SELECT linkpred_materialize('vmix', 'mixed_recs', 2);
SELECT count(*), count(DISTINCT user_id), min(item) LIKE 'sku-%' AS text_items FROM mixed_recs;
SELECT linkpred_drop('vmix');
SELECT linkpred_drop('vm');
