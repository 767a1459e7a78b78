-- Bad input: each case gets a clear error (errcode, detail, hint) or a
-- documented outcome, and none touches the model that is serving.
SELECT active_version AS v0 FROM linkpred.models WHERE name = 'shop' \gset
SELECT linkpred_score(1, 20) AS s0 \gset

-- an empty relation: the job fails, the previous version keeps serving
CREATE TABLE empty_events (user_id int, item_id int);
SELECT linkpred_train('shop', 'empty_events', 'user_id', 'item_id');
SELECT state, error, error_sqlstate, error_hint FROM linkpred.jobs ORDER BY id DESC LIMIT 1;
-- only NULL ids: the same
INSERT INTO empty_events VALUES (NULL, 1), (2, NULL);
SELECT linkpred_train('shop', 'empty_events', 'user_id', 'item_id');
SELECT active_version = :v0 AS same_version, linkpred_score(1, 20) = :s0 AS same_scores
FROM linkpred.models WHERE name = 'shop';

-- relations and columns that do not exist, or have unusable types
SELECT linkpred_train('x', 'no_such_table', 'a', 'b');
SELECT linkpred_train('x', 'events', 'userid', 'item_id');
SELECT linkpred_train('x', 'events', 'user_id', 'item_id', weight => 'weight');
SELECT linkpred_train('x', 'events', 'user_id', 'item_id', weight => '');
SELECT linkpred_train('x', 'events', 'user_id', 'ctid');
CREATE TABLE typed (a int, b date, c numeric, t text);
SELECT linkpred_train('x', 'typed', 'a', 'b');
SELECT linkpred_train('x', 'typed', 'a', 'c');
SELECT linkpred_train('x', 'typed', 'a', 't', options => '{"bipartite": false}');
SELECT linkpred_train('x', 'typed', 'a', 'a', weight => 't');
CREATE SEQUENCE not_a_table;
SELECT linkpred_train('x', 'not_a_table', 'last_value', 'log_cnt');
SELECT count(*) AS no_models_made FROM linkpred.models WHERE name = 'x';

-- NULL and malformed arguments
SELECT linkpred_train(NULL, 'events', 'user_id', 'item_id');
SELECT linkpred_train('x', NULL, 'user_id', 'item_id');
SELECT linkpred_train('', 'events', 'user_id', 'item_id');
SELECT linkpred_train(repeat('m', 64), 'events', 'user_id', 'item_id');

-- options: unknown keys, wrong types, out of range, contradictions
SELECT linkpred_train('x', 'events', 'user_id', 'item_id', options => '{"dims": 8}');
SELECT linkpred_train('x', 'events', 'user_id', 'item_id', options => '{"dim": "big"}');
SELECT linkpred_train('x', 'events', 'user_id', 'item_id', options => '{"dim": 8.5}');
SELECT linkpred_train('x', 'events', 'user_id', 'item_id', options => '{"dim": 0}');
SELECT linkpred_train('x', 'events', 'user_id', 'item_id', options => '{"lr": -1}');
SELECT linkpred_train('x', 'events', 'user_id', 'item_id', options => '{"loss": "hinge"}');
SELECT linkpred_train('x', 'events', 'user_id', 'item_id', options => '{"features": true}');
SELECT linkpred_train('x', 'events', 'user_id', 'item_id', options => '{"features": "mlp"}');
SELECT linkpred_train('x', 'events', 'user_id', 'item_id', options => '{"bias": 1}');
SELECT linkpred_train('x', 'events', 'user_id', 'item_id', options => '[1, 2]');
SELECT linkpred_train('x', 'events', 'user_id', 'item_id', options => '{"directed": true}');
SELECT linkpred_train('x', 'events', 'user_id', 'item_id', options => '{"encoder": "lightgcn", "decoder": "bilinear"}');
-- event types and a second relation
SELECT linkpred_train('x', 'events', 'user_id', 'item_id', options => '{"event_column": "user_id"}');
SELECT linkpred_train('x', 'events', 'user_id', 'item_id', options => '{"event_column": "user_id", "event_weights": {"buy": -1}}');
SELECT linkpred_train('x', 'events', 'user_id', 'item_id', options => '{"event_weights": [1, 2]}');
SELECT linkpred_train('x', 'events', 'user_id', 'item_id', options => '{"user_edges": {"relation": "events"}}');
SELECT linkpred_train('x', 'events', 'user_id', 'item_id', options => '{"user_edges": {"relation": "events", "src": "user_id", "dst": "user_id", "colour": 1}}');
SELECT linkpred_train('x', 'events', 'user_id', 'item_id', options => '{"bipartite": false, "user_edges": {"relation": "events", "src": "user_id", "dst": "item_id"}}');
SELECT linkpred_train('x', 'events', 'user_id', 'item_id', options => '{"user_edges": {"relation": "events", "src": "user_id", "dst": "nope"}}');
SELECT linkpred_train('x', 'events', 'user_id', 'item_id', options => '{"encoder": "sage", "tune": true}');
SELECT linkpred_train('x', 'events', 'user_id', 'item_id', options => '{"tune": true, "tune_seconds": 0}');
SELECT linkpred_train('x', 'events', 'user_id', 'item_id', options => '{"id_dropout": 1, "item_features": {"relation": "events", "key": "item_id", "attribute": "user_id"}}');
SELECT linkpred_train('x', 'events', 'user_id', 'item_id', options => '{"id_dropout": 0.5}');
SELECT linkpred_train('x', 'events', 'user_id', 'item_id', options => '{"negative_group": 0}');

-- a relation whose name needs quoting trains like any other
CREATE TABLE "my events; DROP TABLE events" ("User Id" int, "item" int);
INSERT INTO "my events; DROP TABLE events" SELECT user_id, item_id FROM events WHERE user_id < 10;
SELECT linkpred_train('quoted', '"my events; DROP TABLE events"', 'User Id', 'item',
                      options => '{"dim": 4, "epochs": 1, "seed": 1}') IS NOT NULL AS trained;
SELECT source, src_column FROM linkpred.models WHERE name = 'quoted';
SELECT count(*) > 0 AS events_still_there FROM events;
SELECT linkpred_drop('quoted');

-- serving: bad k, missing models
SELECT * FROM linkpred_topk(1, 0);
SELECT * FROM linkpred_topk(1, -5);
SELECT count(*) FROM linkpred_topk(1, NULL);
SELECT linkpred_score(1, 2, model => 'nope');
SELECT * FROM linkpred_topk(1, 5, model => 'nope');
SELECT linkpred_score(1, 20, model => NULL) IS NOT NULL AS default_model;

-- fresh_items => true: a model without item attributes, a vector of another
-- length, a column of another kind, the relation gone
SELECT linkpred_score(1, 20, fresh_items => true);
CREATE TABLE fresh_attrs AS
SELECT DISTINCT item_id, 'c' || (item_id % 3) AS cat, (item_id % 7)::float8 AS price,
       ARRAY[item_id % 2, item_id % 5]::real[] AS emb
FROM events WHERE item_id IS NOT NULL;
SELECT linkpred_train('fresh_items', 'events', 'user_id', 'item_id',
                      options => '{"dim": 4, "epochs": 1, "seed": 1, "item_features": {"relation": "fresh_attrs", "key": "item_id", "columns": ["cat", "price", "emb"]}}') IS NOT NULL AS trained;
INSERT INTO fresh_attrs VALUES (9001, 'c1', 3, '{1,2,3}');
SELECT linkpred_score(1, 9001, 'fresh_items', fresh_items => true);
UPDATE fresh_attrs SET emb = '{1,2}' WHERE item_id = 9001;
SELECT linkpred_score(1, 9001, 'fresh_items', fresh_items => true) IS NOT NULL AS new_item_scored;
ALTER TABLE fresh_attrs ALTER COLUMN price TYPE text;
SELECT linkpred_score(1, 9001, 'fresh_items', fresh_items => true);
ALTER TABLE fresh_attrs RENAME TO fresh_attrs_moved;
SELECT * FROM linkpred_topk(1, 3, 'fresh_items', fresh_items => true);
SELECT linkpred_drop('fresh_items');
DROP TABLE fresh_attrs_moved;

-- jobs that do not exist or have ended
SELECT linkpred_wait(999999);
SELECT linkpred_cancel(999999);
SELECT max(id) AS last_job FROM linkpred.jobs WHERE state = 'done' \gset
SELECT linkpred_cancel(:last_job);
SELECT linkpred_wait(:last_job, timeout => '-1 second');
SELECT linkpred_wait(NULL);
SELECT linkpred_drop('nope');

-- integer users, text items: top-k returns items in the user argument's
-- type, so it asks for the user id as text
CREATE TABLE mixed AS SELECT user_id, 'sku-' || item_id AS sku FROM events WHERE user_id IS NOT NULL AND item_id IS NOT NULL;
SELECT linkpred_train('mixed', 'mixed', 'user_id', 'sku', options => '{"dim": 4, "epochs": 1, "seed": 1}') IS NOT NULL;
SELECT * FROM linkpred_topk(1, 3, model => 'mixed');
SELECT count(*), min(pg_typeof(item)::text) FROM linkpred_topk(1::text, 3, model => 'mixed');
SELECT linkpred_drop('mixed');

-- linkpred.max_memory: refused while loading, or before training starts,
-- and the model that serves is untouched (the worker's own 32 MB count too)
SET linkpred.max_memory = '36MB';
CREATE TABLE many_edges AS SELECT g % 50000 AS user_id, g % 997 AS item_id FROM generate_series(1, 200000) g;
SELECT linkpred_train('shop', 'many_edges', 'user_id', 'item_id');
CREATE TABLE mid_edges AS SELECT g AS user_id, g % 997 AS item_id FROM generate_series(1, 20000) g;
SELECT linkpred_train('shop', 'mid_edges', 'user_id', 'item_id');
SELECT linkpred_train('mem', 'events', 'user_id', 'item_id', options => '{"dim": 4, "epochs": 1}') IS NOT NULL AS small_fits;
SELECT linkpred_drop('mem');
RESET linkpred.max_memory;
SELECT active_version = :v0 AS same_version FROM linkpred.models WHERE name = 'shop';
CREATE ROLE lp_plain;
SET ROLE lp_plain;
SET linkpred.max_memory = '100GB';
RESET ROLE;
DROP ROLE lp_plain;
-- linkpred_citus_setup() without Citus: refused, saying what to set up first
SELECT linkpred_citus_setup();
