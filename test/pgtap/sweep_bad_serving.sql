-- Bad input to the serving, evaluation, version and materialization
-- functions, and a source relation renamed, retyped or dropped between
-- training and serving.  Each gets an error with its SQLSTATE or a
-- documented answer; the model serves the same scores afterwards.
-- (sql/bad_input.sql and sql/serve.sql cover k 0/-5/NULL for topk, a
-- missing model for score/topk, and unknown or non-numeric ids in score.)
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
SELECT plan(67);

CREATE TABLE ev AS
SELECT u AS user_id, (u * 7 + i) % 30 AS item_id FROM generate_series(1, 40) u, generate_series(1, 5) i;
SELECT linkpred_train('base', 'ev', 'user_id', 'item_id', options => '{"dim": 4, "epochs": 2, "seed": 1}') AS base_job \gset
CREATE TABLE fingerprint AS
SELECT (SELECT active_version FROM linkpred.models WHERE name = 'base') AS version,
       (SELECT string_agg(linkpred_score(u, (u * 3) % 30, model => 'base')::text, ',' ORDER BY u)
        FROM generate_series(1, 40) u) AS scores;

-- linkpred_score: ids of the wrong type are nodes the model does not know (NULL)
SELECT is(linkpred_score(1.5, 8, model => 'base'), NULL, 'score: a numeric id is no node: NULL');
SELECT is(linkpred_score('NaN'::float8, 8, model => 'base'), NULL, 'score: a NaN id: NULL');
SELECT is(linkpred_score('Infinity'::float8, 8, model => 'base'), NULL, 'score: an infinite id: NULL');
SELECT is(linkpred_score(true, 8, model => 'base'), NULL, 'score: a boolean id: NULL');
SELECT is(linkpred_score(ARRAY[1], 8, model => 'base'), NULL, 'score: an array id: NULL');
SELECT is(linkpred_score(99999999999::bigint, 8, model => 'base'), NULL, 'score: a bigint beyond the ids: NULL');
SELECT is(linkpred_score(NULL, NULL, model => 'base'), NULL, 'score: NULL ids: NULL');
SELECT ok(linkpred_score(1, 8, model => 'base', fresh => NULL) IS NOT NULL, 'score: fresh NULL means false');
SELECT throws_ok($$SELECT linkpred_score(1, 8, model => '')$$, '42704', NULL, 'score: an empty model name');
SELECT throws_ok($$SELECT linkpred_score(1, 8, model => repeat('m', 10000000))$$, '42704',
                 'linkpred model "' || repeat('m', 64) || '..." does not exist', 'score: a 10-million-character model name, clipped');

-- linkpred_topk
SELECT is((SELECT count(*)::int FROM linkpred_topk(1, 2147483647, model => 'base')), 25, 'topk: k = 2^31-1 returns every unseen item');
SELECT is((SELECT count(*)::int FROM linkpred_topk(NULL::int, 5, model => 'base')), 5, 'topk: a NULL user gets the cold-start list');
SELECT throws_ok($$SELECT * FROM linkpred_topk(1.5, 5, model => 'base')$$, '42804', NULL, 'topk: a numeric user');
SELECT throws_ok($$SELECT * FROM linkpred_topk('NaN'::float8, 5, model => 'base')$$, '42804', NULL, 'topk: a NaN user');
SELECT throws_ok($$SELECT * FROM linkpred_topk(true, 5, model => 'base')$$, '42804', NULL, 'topk: a boolean user');
SELECT is((SELECT count(*)::int FROM linkpred_topk(1, 5, model => 'base', exclude_seen => NULL)), 5, 'topk: exclude_seen NULL');
SELECT is((SELECT count(*)::int FROM linkpred_topk(1, 5, model => 'base', candidates => ARRAY['a', 'b'])), 0, 'topk: text candidates of an integer model match nothing');
SELECT is((SELECT count(*)::int FROM linkpred_topk(1, 5, model => 'base', candidates => ARRAY[NULL::int, 0])), 1, 'topk: a NULL candidate is skipped');
SELECT is((SELECT count(*)::int FROM linkpred_topk(1, 5, model => 'base', candidates => '{}'::int[])), 0, 'topk: no candidates, no rows');
SELECT throws_ok($$SELECT * FROM linkpred_topk(1, 5, model => 'base', exclude => 'x'::text)$$, '42804', NULL, 'topk: exclude not an array');
SELECT is((SELECT count(*)::int FROM linkpred_topk(1, 5, model => 'base', exclude => ARRAY[NULL::int])), 5, 'topk: a NULL in exclude is skipped');
SELECT throws_ok($$SELECT * FROM linkpred_topk(1, 5, model => 'nope')$$, '42704', NULL, 'topk: an unknown model');

-- linkpred_similar
SELECT throws_ok($$SELECT * FROM linkpred_similar(8, 0, model => 'base')$$, '22023', NULL, 'similar: k 0');
SELECT throws_ok($$SELECT * FROM linkpred_similar(8, -1, model => 'base')$$, '22023', NULL, 'similar: k -1');
SELECT is((SELECT count(*)::int FROM linkpred_similar(8, 2147483647, model => 'base')), 29, 'similar: k = 2^31-1 returns every other item');
SELECT is((SELECT count(*)::int FROM linkpred_similar(NULL::int, 5, model => 'base')), 0, 'similar: a NULL item: no rows');
SELECT is((SELECT count(*)::int FROM linkpred_similar(8, NULL, model => 'base')), 0, 'similar: k NULL: no rows');
SELECT throws_ok($$SELECT * FROM linkpred_similar(8, 5, model => 'nope')$$, '42704', NULL, 'similar: an unknown model');
SELECT throws_ok($$SELECT * FROM linkpred_similar(8.5, 5, model => 'base')$$, '42804', NULL, 'similar: a numeric item');

-- linkpred_topk_many
SELECT throws_ok($$SELECT * FROM linkpred_topk_many(ARRAY[1, 2], 0, model => 'base')$$, '22023', NULL, 'topk_many: k 0');
SELECT throws_ok($$SELECT * FROM linkpred_topk_many(ARRAY[1, 2], -1, model => 'base')$$, '22023', NULL, 'topk_many: k -1');
SELECT is((SELECT count(*)::int FROM linkpred_topk_many(ARRAY[1, 2], 2147483647, model => 'base')), 50, 'topk_many: k = 2^31-1');
SELECT is((SELECT count(*)::int FROM linkpred_topk_many('{}'::int[], 5, model => 'base')), 0, 'topk_many: no users, no rows');
SELECT is((SELECT count(*)::int FROM linkpred_topk_many(ARRAY[NULL::int, 1], 5, model => 'base')), 10, 'topk_many: a NULL user gets the cold-start list, as in topk');
SELECT is((SELECT count(*)::int FROM linkpred_topk_many(ARRAY[[1, 2], [3, 4]], 5, model => 'base')), 20, 'topk_many: a 2-D array is read flat');
SELECT throws_ok($$SELECT * FROM linkpred_topk_many(ARRAY[1.5], 5, model => 'base')$$, '42804', NULL, 'topk_many: numeric users');
SELECT throws_ok($$SELECT * FROM linkpred_topk_many(ARRAY[1], 5, model => 'nope')$$, '42704', NULL, 'topk_many: an unknown model');
SELECT is((SELECT count(*)::int FROM linkpred_topk_many(array_fill(1, ARRAY[100000]), 1, model => 'base')), 100000, 'topk_many: 100,000 users in one call');

-- linkpred_evaluate
SELECT throws_ok($$SELECT * FROM linkpred_evaluate(NULL)$$, '22004', NULL, 'evaluate: model NULL');
SELECT throws_ok($$SELECT * FROM linkpred_evaluate('nope')$$, '42704', NULL, 'evaluate: an unknown model');
SELECT throws_ok($$SELECT * FROM linkpred_evaluate('base', method => 'bogus')$$, '0A000', NULL, 'evaluate: a heuristic on a holdout');
SELECT throws_ok($$SELECT * FROM linkpred_evaluate('base', k => '{0}')$$, '22023', NULL, 'evaluate: K 0');
SELECT throws_ok($$SELECT * FROM linkpred_evaluate('base', k => '{NULL}')$$, '22023', NULL, 'evaluate: K NULL');
SELECT is((SELECT value FROM linkpred_evaluate('base', k => '{2147483647}', seed => 1) WHERE metric = 'recall'), 1::float8,
          'evaluate: K = 2^31-1 measures (it failed with XX000 before)');
SELECT throws_ok($$SELECT * FROM linkpred_evaluate('base', fraction => 'NaN')$$, '22023', NULL, 'evaluate: fraction NaN');
SELECT throws_ok($$SELECT * FROM linkpred_evaluate('base', fraction => 'Infinity')$$, '22023', NULL, 'evaluate: fraction Infinity');
SELECT throws_ok($$SELECT * FROM linkpred_evaluate('base', holdout => 'per_user', leave_out => 0)$$, '22023', NULL, 'evaluate: leave_out 0');
SELECT throws_ok($$SELECT * FROM linkpred_evaluate('base', holdout => 'time', time_column => 'user_id', cut => now())$$, '42804', NULL, 'evaluate: a time column that is no time');
SELECT throws_ok($$SELECT * FROM linkpred_evaluate('base', test => 'ev', label => 'user_id')$$, '22023', NULL, 'evaluate: labels other than 0/1');

-- heuristics, versions, jobs, drop
SELECT throws_ok($$SELECT linkpred_heuristic(1, 8, 'bogus', 'base')$$, '22023', NULL, 'heuristic: an unknown method');
SELECT throws_ok($$SELECT * FROM linkpred_heuristic_topk(1, 0, 'cn', 'base')$$, '22023', NULL, 'heuristic_topk: k 0');
SELECT throws_ok($$SELECT linkpred_activate('base', 0)$$, '42704', NULL, 'activate: version 0');
SELECT throws_ok($$SELECT linkpred_activate('base', -1)$$, '42704', NULL, 'activate: version -1');
SELECT throws_ok($$SELECT linkpred_activate('nope', 1)$$, '42704', NULL, 'activate: an unknown model');
SELECT throws_ok($$SELECT linkpred_cancel(-1)$$, '42704', NULL, 'cancel: job -1');
SELECT throws_ok($$SELECT linkpred_drop(repeat('d', 10000000))$$, '42704', NULL, 'drop: a 10-million-character name');

-- linkpred_materialize
CREATE TABLE recs (user_id int, item int, rank int, score float8);
SELECT throws_ok($$SELECT linkpred_materialize('base', NULL)$$, '22004', NULL, 'materialize: target NULL (was a syntax error)');
SELECT throws_ok($$SELECT linkpred_materialize(NULL, 'recs')$$, '22004', NULL, 'materialize: model NULL');
SELECT throws_ok($$SELECT linkpred_materialize('base', 'recs', k => NULL)$$, '22004', NULL, 'materialize: k NULL (emptied the table before)');
SELECT throws_ok($$SELECT linkpred_materialize('base', 'pg_class')$$, '42809', NULL,
                 'materialize: a system catalog as target (deleted from pg_class before failing with XX000)');

-- the source renamed, retyped, dropped after training
CREATE TABLE src AS SELECT * FROM ev;
SELECT linkpred_train('moved', 'src', 'user_id', 'item_id', options => '{"dim": 4, "epochs": 1, "seed": 1}') IS NOT NULL AS trained \gset
ALTER TABLE src RENAME TO src_renamed;
SELECT is((SELECT source FROM linkpred.models WHERE name = 'moved'), 'src_renamed', 'a renamed source is followed (regclass)');
ALTER TABLE src_renamed ALTER COLUMN item_id TYPE text USING 'sku-' || item_id;
SELECT ok(linkpred_score(1, 8, model => 'moved') IS NOT NULL, 'a retyped source: the stored version serves as trained');
SELECT lives_ok($$SELECT linkpred_train('moved', 'src_renamed', 'user_id', 'item_id', options => '{"dim": 4, "epochs": 1, "seed": 1}')$$,
                'a retyped source retrains');
SELECT is((SELECT user_type || ' ' || item_type FROM linkpred.models WHERE name = 'moved'), 'integer text',
          'and the new version takes the new item type');
SELECT ok(linkpred_score(1, 'sku-8'::text, model => 'moved') IS NOT NULL, 'and serves the new ids');
DROP TABLE src_renamed;
SELECT throws_ok($$SELECT linkpred_score(1, 'sku-8'::text, model => 'moved', fresh => true)$$, '42P01', NULL,
                 'a dropped source: fresh serving says so');
-- (and the stored version still serves from its embeddings)

-- the stored model is untouched by all of it
SELECT is((SELECT string_agg(linkpred_score(u, (u * 3) % 30, model => 'base')::text, ',' ORDER BY u)
           FROM generate_series(1, 40) u) || ' v' || (SELECT active_version FROM linkpred.models WHERE name = 'base'),
          (SELECT scores || ' v' || version FROM fingerprint),
          'model base serves the same version and the same scores');

SELECT * FROM finish();
