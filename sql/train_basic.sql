-- Training end to end on tiny graphs: job life cycle, versions, key types,
-- homogeneous graphs, and what the loader skips or merges.
SET client_min_messages = notice;

-- a bipartite user -> item graph with a NULL id, a duplicate and a weight
CREATE TABLE events (user_id int, item_id int, w real);
INSERT INTO events
SELECT u, (u * 7 + i * 13) % 40, 1 + (u + i) % 3
FROM generate_series(1, 60) u, generate_series(1, 6) i;
INSERT INTO events VALUES (NULL, 1, 1), (5, NULL, 1), (1, 20, 1);

-- wait => false returns at once with the job id; linkpred_wait reports
-- what the loader skipped and the final state
SELECT linkpred_train(model => 'shop', edges => 'events', src => 'user_id', dst => 'item_id',
                      options => '{"dim": 8, "epochs": 5, "seed": 1}', wait => false) AS job \gset
SELECT linkpred_wait(:job);
SELECT model, state, epoch, epochs, loss > 0 AS has_loss, version, error,
       stats->>'rows' AS rows, stats->>'null_ids' AS null_ids, stats->>'duplicates' AS dups,
       started_at >= submitted_at AND finished_at >= started_at AS timings_ok
FROM linkpred.jobs WHERE id = :job;
SELECT name, active_version, source, src_column, dst_column, user_type, item_type,
       n_users, n_items, n_edges, dim, options->>'loss' AS loss, options->>'lr' AS lr,
       options->>'negatives' AS negatives, options->>'seed' AS seed
FROM linkpred.models;

-- a retrain makes version 2 and activates it; warm_start continues from
-- version 1's embeddings
SELECT linkpred_train('shop', 'events', 'user_id', 'item_id', 'w',
                      '{"dim": 8, "epochs": 5, "seed": 2, "warm_start": true}') > :job AS newer_job;
SELECT model, version, active, n_edges FROM linkpred.versions ORDER BY version;
-- the retrain continued from version 1 (warm start): min(warm_epochs, epochs) epochs
SELECT version, metrics->>'warm_start_from' AS warm_from, metrics->>'warm_nodes' AS warm_nodes,
       metrics->>'epochs_run' AS epochs_run, options->>'epochs' AS epochs_option
FROM linkpred.versions WHERE model = 'shop' ORDER BY version;
SELECT weight_column, active_version FROM linkpred.models;
SELECT count(*) AS embedding_rows, count(DISTINCT side) AS sides
FROM linkpred.embeddings WHERE model = 'shop' AND version = 2;

-- the same seed gives the same model
SELECT linkpred_train('rep1', 'events', 'user_id', 'item_id', options => '{"dim": 8, "epochs": 3, "seed": 99}') IS NOT NULL;
SELECT linkpred_train('rep2', 'events', 'user_id', 'item_id', options => '{"dim": 8, "epochs": 3, "seed": 99}') IS NOT NULL;
SELECT bool_and(a.vec = b.vec) AS same_embeddings
FROM linkpred.embeddings a JOIN linkpred.embeddings b USING (side, idx)
WHERE a.model = 'rep1' AND b.model = 'rep2';
SELECT linkpred_drop('rep1'), linkpred_drop('rep2');

-- any relation the caller can read: a view and a materialized view
CREATE VIEW early_events AS SELECT user_id, item_id FROM events WHERE user_id <= 30;
CREATE MATERIALIZED VIEW events_mv AS SELECT user_id, item_id FROM events WHERE user_id IS NOT NULL;
SELECT linkpred_train('from_view', 'early_events', 'user_id', 'item_id', options => '{"dim": 4, "epochs": 1, "seed": 1}') IS NOT NULL;
SELECT linkpred_train('from_mv', 'events_mv', 'user_id', 'item_id', options => '{"dim": 4, "epochs": 1, "seed": 1}') IS NOT NULL;
SELECT name, n_users, source FROM linkpred.models WHERE name LIKE 'from%' ORDER BY name;

-- another loss and sampler; with bpr a bipartite graph gets bpr's lr and
-- negatives, as a homogeneous graph does by default
SELECT linkpred_train('bpr', 'events', 'user_id', 'item_id',
                      options => '{"loss": "bpr", "sampler": "degree", "degree_alpha": 1, "dim": 4, "epochs": 2, "seed": 1}') IS NOT NULL;
SELECT linkpred_train('homog', 'events', 'user_id', 'item_id',
                      options => '{"bipartite": false, "dim": 4, "epochs": 1, "seed": 1}') IS NOT NULL;
SELECT name, options->>'loss' AS loss, options->>'lr' AS lr, options->>'negatives' AS negatives,
       options->>'sampler' AS sampler, linkpred_score(1, 20, model => name) IS NOT NULL AS scored
FROM linkpred.models WHERE name IN ('bpr', 'homog') ORDER BY name;

-- text, bigint and uuid ids
CREATE TABLE follows_text AS SELECT 'user ' || user_id AS u, 'item-' || item_id AS i FROM events WHERE user_id IS NOT NULL AND item_id IS NOT NULL;
SELECT linkpred_train('txt', 'follows_text', 'u', 'i', options => '{"dim": 4, "epochs": 2, "seed": 3}') IS NOT NULL;
SELECT user_type, item_type, n_users, n_items FROM linkpred.models WHERE name = 'txt';
SELECT linkpred_score('user 1'::text, 'item-20'::text, model => 'txt') IS NOT NULL AS known,
       linkpred_score('user 1'::text, 'item-999'::text, model => 'txt') IS NULL AS unknown_item;
SELECT count(*) FROM linkpred_topk('user 1'::text, 3, model => 'txt');

CREATE TABLE big_ids AS SELECT user_id::bigint * 10000000000 AS u, item_id::bigint AS i FROM events WHERE user_id IS NOT NULL AND item_id IS NOT NULL;
SELECT linkpred_train('big', 'big_ids', 'u', 'i', options => '{"dim": 4, "epochs": 2, "seed": 3}') IS NOT NULL;
SELECT linkpred_score(10000000000, 20, model => 'big') IS NOT NULL AS known;

CREATE TABLE uuid_edges AS
SELECT md5('u' || user_id)::uuid AS u, md5('i' || item_id)::uuid AS i FROM events WHERE user_id IS NOT NULL AND item_id IS NOT NULL;
SELECT linkpred_train('uu', 'uuid_edges', 'u', 'i', options => '{"dim": 4, "epochs": 2, "seed": 3}') IS NOT NULL;
SELECT user_type, item_type FROM linkpred.models WHERE name = 'uu';
-- a uuid given as text in another spelling finds the same node
SELECT linkpred_score(md5('u1')::uuid, md5('i20')::uuid, model => 'uu')
     = linkpred_score(upper(md5('u1')), md5('i20')::uuid, model => 'uu') AS same_node;
SELECT pg_typeof(item) FROM linkpred_topk(md5('u1')::uuid, 1, model => 'uu');

-- a homogeneous, undirected graph: self loops skipped, (a,b) and (b,a) merged
CREATE TABLE friends (a int, b int);
INSERT INTO friends SELECT x, (x * 3 + 1) % 30 FROM generate_series(0, 29) x;
INSERT INTO friends VALUES (1, 1), (4, 1);
SELECT linkpred_train('soc', 'friends', 'a', 'b', options => '{"bipartite": false, "dim": 4, "epochs": 3, "seed": 5}') IS NOT NULL;
SELECT n_users, n_items, n_edges FROM linkpred.models WHERE name = 'soc';
SELECT DISTINCT side FROM linkpred.embeddings WHERE model = 'soc';
-- undirected: score is symmetric; top-k never returns the node itself or its neighbours
SELECT linkpred_score(1, 4, model => 'soc') = linkpred_score(4, 1, model => 'soc') AS symmetric;
SELECT count(*) FROM linkpred_topk(1, 100, model => 'soc') t
WHERE t.item = 1 OR t.item IN (SELECT b FROM friends WHERE a = 1 UNION SELECT a FROM friends WHERE b = 1);
SELECT count(*) AS candidates FROM linkpred_topk(1, 100, model => 'soc');

-- directed: two tables over one id space
SELECT linkpred_train('dir', 'friends', 'a', 'b', options => '{"bipartite": false, "directed": true, "dim": 4, "epochs": 3, "seed": 5}') IS NOT NULL;
SELECT side, count(*) FROM linkpred.embeddings WHERE model = 'dir' GROUP BY side ORDER BY side;
SELECT linkpred_score(1, 4, model => 'dir') IS NOT NULL AS scored;

SELECT linkpred_drop(name) FROM linkpred.models WHERE name <> 'shop' ORDER BY name;
SELECT name FROM linkpred.models;
