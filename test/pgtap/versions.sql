-- Versions: each training adds one, keep_versions prunes the oldest, the
-- active one is never pruned, activate switches and restores, drop removes
-- everything of a model; serving follows each switch at the next statement.
\set ON_ERROR_STOP 1
SELECT plan(13);

CREATE TABLE ev AS SELECT u AS user_id, (u * 7 + i) % 40 AS item_id FROM generate_series(1, 80) u, generate_series(1, 5) i;
SELECT linkpred_train('vv', 'ev', 'user_id', 'item_id', options => format('{"dim": 4, "epochs": 1, "seed": %s, "keep_versions": 3}', s)::jsonb)
FROM generate_series(1, 5) s;

SELECT is((SELECT array_agg(version ORDER BY version) FROM linkpred.versions WHERE model = 'vv'), ARRAY[3, 4, 5],
          'five trainings with keep_versions 3 leave versions 3, 4 and 5');
SELECT is((SELECT active_version FROM linkpred.models WHERE name = 'vv'), 5, 'the newest is active');
SELECT is((SELECT count(DISTINCT version)::int FROM linkpred.embeddings WHERE model = 'vv'), 3,
          'pruned versions take their embeddings with them');
-- what each phase cost and the memory estimate linkpred.max_memory was
-- checked against, beside the measured peak (bench/scale.sh reports them)
SELECT is((SELECT array_agg(k ORDER BY k) FROM linkpred.versions v,
                  unnest(ARRAY['load_seconds', 'train_seconds', 'store_seconds',
                               'peak_rss_mb', 'memory_estimate_mb']) k
           WHERE v.model = 'vv' AND v.active AND jsonb_typeof(v.metrics->k) = 'number'
             AND (v.metrics->>k)::float8 >= 0 AND (k <> 'memory_estimate_mb' OR (v.metrics->>k)::float8 > 0)),
          ARRAY['load_seconds', 'memory_estimate_mb', 'peak_rss_mb', 'store_seconds', 'train_seconds'],
          'a version records load, train and store seconds, its peak memory and the estimate');

SELECT linkpred_score(1, 8, 'vv') AS s5 \gset
SELECT ok(linkpred_activate('vv', 3), 'roll back to version 3');
SELECT isnt(linkpred_score(1, 8, 'vv'), :'s5'::float8, 'the next statement serves version 3');
SELECT linkpred_score(1, 8, 'vv') AS s3 \gset
SELECT ok(linkpred_activate('vv', 5), 'roll forward to version 5');
SELECT is(linkpred_score(1, 8, 'vv'), :'s5'::float8, 'version 5 serves again, scores as before');

-- a rollback inside a transaction that aborts changes nothing
BEGIN;
SELECT linkpred_activate('vv', 4);
ROLLBACK;
SELECT is((SELECT active_version FROM linkpred.models WHERE name = 'vv'), 5, 'an aborted activate is undone');

-- keep_versions never prunes the version that serves: train with keep 1 while 3 is active
SELECT linkpred_activate('vv', 3);
SELECT linkpred_train('vv', 'ev', 'user_id', 'item_id', options => '{"dim": 4, "epochs": 1, "seed": 9, "keep_versions": 1}');
SELECT is((SELECT array_agg(version ORDER BY version) FROM linkpred.versions WHERE model = 'vv'), ARRAY[6],
          'keep_versions 1 keeps only the new (active) version');

SELECT throws_ok($$SELECT linkpred_activate('vv', 3)$$, '42704', NULL, 'a pruned version cannot be activated');
SELECT ok(linkpred_drop('vv'), 'drop the model');
SELECT is((SELECT count(*)::int FROM linkpred.embeddings WHERE model = 'vv')
          + (SELECT count(*)::int FROM linkpred.versions WHERE model = 'vv'), 0,
          'nothing of it is left');

SELECT * FROM finish();
