-- Bad input to linkpred_train, swept: NULL and empty arguments, malformed,
-- deeply nested and huge options, out-of-range numbers, unusable relations
-- and ids.  Each gets an error with its SQLSTATE (or a documented answer),
-- never a crash, a hang or a changed stored model: at the end the model
-- that served before serves the same version and the same scores.
-- (sql/bad_input.sql pins the messages of the cases it covers; none of
-- those is repeated here.)
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
SELECT plan(50);

CREATE TABLE ev AS
SELECT u AS user_id, (u * 7 + i) % 30 AS item_id FROM generate_series(1, 40) u, generate_series(1, 5) i;
SELECT linkpred_train('base', 'ev', 'user_id', 'item_id', options => '{"dim": 4, "epochs": 2, "seed": 1}') AS base_job \gset
CREATE TABLE fingerprint AS
SELECT (SELECT active_version FROM linkpred.models WHERE name = 'base') AS version,
       (SELECT string_agg(linkpred_score(u, (u * 3) % 30, model => 'base')::text, ',' ORDER BY u)
        FROM generate_series(1, 40) u) AS scores,
       (SELECT count(*) FROM linkpred.embeddings WHERE model = 'base') AS rows;

-- NULL and empty arguments
SELECT throws_ok($$SELECT linkpred_train('base', 'ev', NULL, 'item_id')$$, '22004', NULL, 'src NULL');
SELECT throws_ok($$SELECT linkpred_train('base', 'ev', 'user_id', NULL)$$, '22004', NULL, 'dst NULL');
SELECT throws_ok($$SELECT linkpred_train('base', 'ev', '', 'item_id')$$, '42703', NULL, 'src empty');
SELECT throws_ok($$SELECT linkpred_train('base', 'ev', 'user_id', '')$$, '42703', NULL, 'dst empty');
SELECT throws_ok($$SELECT linkpred_train('base', 'ev', 'user_id', 'item_id', weight => '')$$, '42703', NULL, 'weight empty');
SELECT throws_ok($$SELECT linkpred_train('base', 'ev', 'User_Id', 'item_id')$$, '42703', NULL, 'column names are case-sensitive');

-- options that are not an object of known keys
SELECT throws_ok($$SELECT linkpred_train('base', 'ev', 'user_id', 'item_id', options => 'null')$$, '22023', NULL, 'options JSON null');
SELECT throws_ok($$SELECT linkpred_train('base', 'ev', 'user_id', 'item_id', options => '"dim"')$$, '22023', NULL, 'options a JSON string');
SELECT throws_ok($$SELECT linkpred_train('base', 'ev', 'user_id', 'item_id', options => '42')$$, '22023', NULL, 'options a JSON number');
SELECT throws_ok($$SELECT linkpred_train('base', 'ev', 'user_id', 'item_id', options => '{"": 1}')$$, '22023', NULL, 'an empty option key');
SELECT throws_ok($$SELECT linkpred_train('base', 'ev', 'user_id', 'item_id', options => '{"DIM": 4}')$$, '22023', NULL, 'option keys are case-sensitive');
SELECT throws_ok($$SELECT linkpred_train('base', 'ev', 'user_id', 'item_id', options => '{"dim": null}')$$, '22023', NULL, 'a number option given null');
SELECT throws_ok($$SELECT linkpred_train('base', 'ev', 'user_id', 'item_id', options => '{"encoder": 1}')$$, '22023', NULL, 'a string option given a number');
SELECT throws_ok($$SELECT linkpred_train('base', 'ev', 'user_id', 'item_id', options => '{"encoder": "nope"}')$$, '22023', NULL, 'an unknown encoder');
SELECT throws_ok($$SELECT linkpred_train('base', 'ev', 'user_id', 'item_id', options => '{"seed": 1.5}')$$, '22023', NULL, 'a fractional seed');
SELECT throws_ok($$SELECT linkpred_train('base', 'ev', 'user_id', 'item_id', options => '{"lr": "NaN"}')$$, '22023', NULL, 'lr "NaN" as a string');

-- deeply nested options (5,000 levels), at the top and inside an object option
SELECT throws_ok($$SELECT linkpred_train('base', 'ev', 'user_id', 'item_id',
                   options => (repeat('{"a":', 5000) || '1' || repeat('}', 5000))::jsonb)$$,
                 '22023', NULL, 'options nested 5,000 deep');
SELECT throws_ok($$SELECT linkpred_train('base', 'ev', 'user_id', 'item_id',
                   options => ('{"user_edges":' || repeat('{"a":', 3000) || '1' || repeat('}', 3001))::jsonb)$$,
                 '22023', NULL, 'user_edges nested 3,000 deep');
SELECT throws_ok($$SELECT linkpred_train('base', 'ev', 'user_id', 'item_id',
                   options => ('{"user_edges":' || repeat('[', 3000) || '1' || repeat(']', 3000) || '}')::jsonb)$$,
                 '22023', NULL, 'user_edges as arrays nested 3,000 deep');
SELECT throws_ok($$SELECT linkpred_train('base', 'ev', 'user_id', 'item_id',
                   options => '{"user_edges": {"relation": {"a": [1, {"b": 2}]}}}')$$,
                 '22023', NULL, 'an object where user_edges wants a string');

-- 10-million-character strings: a clear error, the string clipped in it
SELECT throws_ok($$SELECT linkpred_train('base', 'ev', 'user_id', 'item_id',
                   options => jsonb_build_object('encoder', repeat('e', 10000000)))$$,
                 '22023', 'invalid value for option "encoder": "' || repeat('e', 64) || '..."',
                 'a 10-million-character option value, clipped in the message');
SELECT throws_ok($$SELECT linkpred_train('base', 'ev', 'user_id', 'item_id',
                   options => jsonb_build_object(repeat('k', 10000000), 1))$$,
                 '22023', 'unknown option "' || repeat('k', 64) || '..."',
                 'a 10-million-character option key, clipped');
SELECT throws_ok($$SELECT linkpred_train('base', 'ev', 'user_id', 'item_id',
                   options => jsonb_build_object('event_column', repeat('e', 10000000)))$$,
                 '22023', NULL, 'a 10-million-character event column');
SELECT throws_ok($$SELECT linkpred_train(repeat('c', 10000000), 'ev', 'user_id', 'item_id')$$,
                 '42602', 'invalid model name "' || repeat('c', 64) || '..."',
                 'a 10-million-character model name, clipped');
SELECT throws_ok($$SELECT linkpred_train('base', 'ev', repeat('c', 10000000), 'item_id')$$,
                 '42703', NULL, 'a 10-million-character column name');
SELECT throws_ok($$SELECT linkpred_train('base', 'ev', 'user_id', 'item_id',
                   options => jsonb_build_object('user_edges', jsonb_build_object('relation', repeat('r', 10000000),
                                                 'src', 'user_id', 'dst', 'item_id')))$$,
                 '22023', NULL, 'a 10-million-character user_edges relation');

-- out-of-range numbers
SELECT throws_ok($$SELECT linkpred_train('base', 'ev', 'user_id', 'item_id', options => '{"dim": -1}')$$, '22023', NULL, 'dim -1');
SELECT throws_ok($$SELECT linkpred_train('base', 'ev', 'user_id', 'item_id', options => '{"dim": 2147483648}')$$, '22023', NULL, 'dim 2^31');
SELECT throws_ok($$SELECT linkpred_train('base', 'ev', 'user_id', 'item_id', options => '{"dim": 1e308}')$$, '22023', NULL, 'dim 1e308');
SELECT throws_ok($$SELECT linkpred_train('base', 'ev', 'user_id', 'item_id', options => '{"epochs": 0}')$$, '22023', NULL, 'epochs 0');
SELECT throws_ok($$SELECT linkpred_train('base', 'ev', 'user_id', 'item_id', options => '{"epochs": 1e12}')$$, '22023', NULL, 'epochs 1e12');
SELECT throws_ok($$SELECT linkpred_train('base', 'ev', 'user_id', 'item_id', options => '{"lr": 0}')$$, '22023', NULL, 'lr 0');
SELECT throws_ok($$SELECT linkpred_train('base', 'ev', 'user_id', 'item_id', options => '{"lr": 1e400}')$$, '22003', NULL, 'lr 1e400 overflows a float8');
SELECT throws_ok($$SELECT linkpred_train('base', 'ev', 'user_id', 'item_id', options => '{"seed": -1}')$$, '22023', NULL, 'seed -1');
SELECT throws_ok($$SELECT linkpred_train('base', 'ev', 'user_id', 'item_id', options => '{"negatives": 0}')$$, '22023', NULL, 'negatives 0');
SELECT throws_ok($$SELECT linkpred_train('base', 'ev', 'user_id', 'item_id', options => '{"reg": -1}')$$, '22023', NULL, 'reg -1');

-- ids that are not integers or text: floats with NaN and Infinity, booleans
CREATE TABLE float_ids (a float8, b float8);
INSERT INTO float_ids VALUES ('NaN', 1), ('Infinity', 2), (1, 2);
SELECT throws_ok($$SELECT linkpred_train('base', 'float_ids', 'a', 'b')$$, '42804', NULL, 'float8 ids (NaN, Infinity) are refused');
CREATE TABLE bool_ids AS SELECT user_id % 2 = 0 AS a, item_id FROM ev;
SELECT throws_ok($$SELECT linkpred_train('base', 'bool_ids', 'a', 'item_id')$$, '42804', NULL, 'boolean ids are refused');
-- weights that are NaN, Infinity or negative: no usable edge, the job fails
CREATE TABLE weighted AS SELECT user_id, item_id, 'NaN'::float8 AS w FROM ev;
SELECT throws_ok($$SELECT linkpred_train('base', 'weighted', 'user_id', 'item_id', weight => 'w')$$, '55000', NULL, 'NaN weights');
UPDATE weighted SET w = 'Infinity';
SELECT throws_ok($$SELECT linkpred_train('base', 'weighted', 'user_id', 'item_id', weight => 'w')$$, '55000', NULL, 'infinite weights');
UPDATE weighted SET w = -1;
SELECT throws_ok($$SELECT linkpred_train('base', 'weighted', 'user_id', 'item_id', weight => 'w')$$, '55000', NULL, 'negative weights');
SELECT is((SELECT error_sqlstate || ' ' || error FROM linkpred.jobs ORDER BY id DESC LIMIT 1),
          '55000 relation public.weighted has no usable edges', 'the failed job records its reason');

-- degenerate graphs: documented answers
CREATE TABLE self_loops (a int, b int);
INSERT INTO self_loops VALUES (5, 5), (6, 6);
SELECT throws_ok($$SELECT linkpred_train('loops', 'self_loops', 'a', 'b', options => '{"bipartite": false}')$$,
                 '55000', NULL, 'a homogeneous graph of self-loops only has no usable edge');
SELECT lives_ok($$SELECT linkpred_train('loops', 'self_loops', 'a', 'b', options => '{"dim": 4, "epochs": 1, "seed": 1}')$$,
                'in a bipartite graph user 5 -> item 5 is an ordinary edge');
CREATE TABLE one_edge (a int, b int);
INSERT INTO one_edge VALUES (1, 2);
SELECT lives_ok($$SELECT linkpred_train('one', 'one_edge', 'a', 'b', options => '{"dim": 4, "epochs": 1, "seed": 1}')$$,
                'one edge (one user, one item) trains');
SELECT is((SELECT count(*)::int FROM linkpred_topk(1, 5, model => 'one')), 0,
          'its only user has seen its only item: top-k is empty');
CREATE TABLE dups AS SELECT 1 + g % 5 AS a, 100 + g % 3 AS b FROM generate_series(1, 1000) g;
SELECT lives_ok($$SELECT linkpred_train('dups', 'dups', 'a', 'b', options => '{"dim": 4, "epochs": 1, "seed": 1}')$$,
                '1,000 rows of 15 distinct edges train');
SELECT is((SELECT n_edges::int FROM linkpred.models WHERE name = 'dups'), 15, 'duplicate edges count once');

-- the stored model is untouched by all of it
SELECT is((SELECT f.version = m.active_version AND f.rows = (SELECT count(*) FROM linkpred.embeddings WHERE model = 'base')
           FROM fingerprint f, linkpred.models m WHERE m.name = 'base'), true,
          'model base still serves the same version, with the same number of embedding rows');
SELECT is((SELECT string_agg(linkpred_score(u, (u * 3) % 30, model => 'base')::text, ',' ORDER BY u)
           FROM generate_series(1, 40) u), (SELECT scores FROM fingerprint),
          'and the same scores');

SELECT * FROM finish();
