-- Option "tune": the encoder's options chosen on a validation part of the
-- training edges (src/jobs/tune.c), every trial recorded in the version's
-- metrics->'tuning', the final model trained on all edges with the winner.
--
-- A small synthetic shop (300 users in 10 tastes, 100 items) and a small
-- undirected graph of communities.  Checked: trial 1 is the default
-- options; an option the user gave is never searched; the winner is the
-- best trial; the stored options are the winner's; the model is the one
-- a plain training with the winner's options gives (same seed, scores
-- equal); the homogeneous graph is tuned on AUC; the refusals.
\set ON_ERROR_STOP 1
SELECT plan(24);

CREATE TABLE shop (user_id int, item_id int);
INSERT INTO shop
SELECT u, (u % 10) * 10 + (abs(hashint4(u * 31 + i)) % 10)
FROM generate_series(1, 300) u, generate_series(1, 8) i;
-- some noise across tastes
INSERT INTO shop
SELECT u, abs(hashint4(u * 7)) % 100 FROM generate_series(1, 300) u;

SELECT linkpred_train('shop_tuned', 'shop', 'user_id', 'item_id',
                      options => '{"tune": true, "tune_seconds": 120, "epochs": 15, "seed": 4}') \gset

CREATE TABLE tuning AS SELECT metrics->'tuning' AS t, options FROM linkpred.versions WHERE model = 'shop_tuned';
CREATE TABLE trials AS
SELECT * FROM jsonb_to_recordset((SELECT t->'trials' FROM tuning))
    AS x(trial int, encoder text, dim int, lr float8, reg float8, epochs int, value float8, seconds float8);

SELECT diag(format('trial %s: %s, dim %s, lr %s, reg %s, epochs %s: recall@20 %s in %s s',
                   trial, encoder, dim, lr, reg, epochs, round(value::numeric, 4), round(seconds::numeric, 2)))
FROM trials ORDER BY trial;

SELECT cmp_ok((SELECT count(*)::int FROM trials), '>=', 2, 'several trials recorded, each with its figure and seconds');
SELECT is((SELECT (t->>'metric', t->>'validation', t->'searched')::text FROM tuning),
          '(recall@20,per_user,"[""dim"", ""lr"", ""reg""]")',
          'bipartite: Recall@20 on a per-user validation part; "epochs", given, is not searched');
SELECT is((SELECT (dim, lr, reg, epochs)::text FROM trials WHERE trial = 1),
          '(64,0.1,0.01,15)', 'trial 1 is the default options (with the given epochs)');
SELECT is((SELECT string_agg(encoder || ':' || (dim IS NULL), ',' ORDER BY trial) FROM trials WHERE trial <= 2),
          'mf:false,spectral:true',
          'no encoder named, a bipartite graph: trial 2 is the spectral encoder with its defaults (no matrix factorisation options)');
SELECT is((SELECT count(*)::int FROM trials
           WHERE (encoder = 'mf' AND epochs IS DISTINCT FROM 15) OR value IS NULL OR seconds IS NULL), 0,
          'every trial has a figure and a time, and every matrix factorisation trial kept the given epochs');
-- a small graph's random part is drawn several times (about 200 edges each here: five draws)
SELECT is((SELECT ((t->>'draws')::int, (t->>'validation_edges')::int BETWEEN 5 * 150 AND 5 * 400)::text FROM tuning),
          '(5,t)', 'a small graph''s random validation part is drawn five times; validation_edges counts them all');
-- the noise margin: one standard error of trial 1's figure
CREATE TABLE trial_se AS
SELECT (x->>'trial')::int AS trial, (x->>'se')::float8 AS se
FROM tuning, jsonb_array_elements(t->'trials') x;
SELECT diag(format('margin %s, winner trial %s', round((t->>'margin')::numeric, 4), t->>'winner')) FROM tuning;
SELECT is((SELECT (t->>'margin')::float8 FROM tuning), (SELECT se FROM trial_se WHERE trial = 1),
          'the margin is one standard error of trial 1''s figure');
SELECT ok((SELECT bool_and(se > 0 AND se < 0.05) FROM trial_se),
          'every trial has a standard error, above 0 and below 0.05 with 300 users');
SELECT is((SELECT (t->>'winner')::int FROM tuning),
          (SELECT CASE WHEN b.value > f.value + (SELECT (t->>'margin')::float8 FROM tuning) THEN b.trial ELSE 1 END
           FROM (SELECT trial, value FROM trials ORDER BY value DESC, trial LIMIT 1) b, trials f
           WHERE f.trial = 1),
          'the winner is the best trial (the earlier one on a tie) when it beats trial 1 by more than the margin; trial 1 otherwise');
SELECT is((SELECT (options->>'encoder', CASE WHEN options->>'encoder' = 'mf' THEN (options->>'dim')::int END,
                   CASE WHEN options->>'encoder' = 'mf' THEN (options->>'lr')::float8 END,
                   CASE WHEN options->>'encoder' = 'mf' THEN (options->>'reg')::float8 END, options->>'tune')::text FROM tuning),
          (SELECT (encoder, dim, lr, reg, 'true')::text FROM trials WHERE trial = (SELECT (t->>'winner')::int FROM tuning)),
          'the stored options are the winner''s (its encoder, and the searched values of a matrix factorisation)');

-- the same model as a plain training with the winner's options
SELECT CASE encoder WHEN 'spectral' THEN '{"encoder": "spectral", "seed": 4}'
       ELSE format('{"dim": %s, "lr": %s, "reg": %s, "epochs": 15, "seed": 4}', dim, lr, reg) END AS winner_opts
FROM trials WHERE trial = (SELECT (t->>'winner')::int FROM tuning) \gset
SELECT linkpred_train('shop_plain', 'shop', 'user_id', 'item_id', options => :'winner_opts') \gset
SELECT is((SELECT count(*)::int FROM generate_series(1, 300, 7) u, generate_series(0, 99, 3) i
           WHERE linkpred_score(u, i, model => 'shop_tuned') IS DISTINCT FROM linkpred_score(u, i, model => 'shop_plain')),
          0, 'the final model is trained on all edges with the winner: its scores are the plain training''s');

-- homogeneous: AUC on a random tenth of the edges
CREATE TABLE ring (a int, b int);
INSERT INTO ring
SELECT n, (n / 20) * 20 + abs(hashint4(n * 13 + i)) % 20
FROM generate_series(0, 399) n, generate_series(1, 4) i;
DELETE FROM ring WHERE a = b;
SELECT linkpred_train('ring_tuned', 'ring', 'a', 'b',
                      options => '{"bipartite": false, "features": "none", "tune": true, "dim": 16, "seed": 2}') \gset
SELECT is((SELECT (metrics->'tuning'->>'metric', metrics->'tuning'->>'validation', metrics->'tuning'->'searched')::text
           FROM linkpred.versions WHERE model = 'ring_tuned'),
          '(auc,random,"[""lr"", ""reg"", ""epochs""]")',
          'homogeneous: AUC on a random tenth of the edges; the given "dim" is not searched');
SELECT cmp_ok((SELECT max((x->>'value')::float8) FROM linkpred.versions, jsonb_array_elements(metrics->'tuning'->'trials') x
               WHERE model = 'ring_tuned'), '>', 0.8::float8, 'homogeneous: the best trial has an AUC above 0.8');

-- the other encoders search their own options
SELECT linkpred_train('shop_spectral', 'shop', 'user_id', 'item_id',
                      options => '{"encoder": "spectral", "dim": 16, "tune": true, "seed": 4}') \gset
SELECT is((SELECT (metrics->'tuning'->'searched', jsonb_array_length(metrics->'tuning'->'trials') > 1,
                   (options->>'lowrank_weight')::float8 = (w->>'lowrank_weight')::float8
                   AND (options->>'item_norm')::float8 = (w->>'item_norm')::float8)::text
           FROM linkpred.versions, jsonb_array_elements(metrics->'tuning'->'trials') w
           WHERE model = 'shop_spectral' AND w->>'trial' = metrics->'tuning'->>'winner'),
          '("[""lowrank_weight"", ""item_norm""]",t,t)',
          'spectral: lowrank_weight and item_norm searched, the winner''s stored');
SELECT linkpred_train('shop_gcn', 'shop', 'user_id', 'item_id',
                      options => '{"encoder": "lightgcn", "dim": 16, "epochs": 5, "tune": true, "tune_seconds": 30, "seed": 4}') \gset
SELECT is((SELECT (metrics->'tuning'->'searched', (options->>'layers')::int = (w->>'layers')::int)::text
           FROM linkpred.versions, jsonb_array_elements(metrics->'tuning'->'trials') w
           WHERE model = 'shop_gcn' AND w->>'trial' = metrics->'tuning'->>'winner'),
          '("[""lr"", ""reg"", ""layers""]",t)',
          'lightgcn: lr, reg and layers searched, the winner''s stored');

-- an encoder the user named is kept: no trial of another
SELECT linkpred_train('shop_mf', 'shop', 'user_id', 'item_id',
                      options => '{"encoder": "mf", "dim": 16, "epochs": 5, "tune": true, "tune_seconds": 20, "seed": 4}') \gset
SELECT is((SELECT count(*)::int FROM linkpred.versions, jsonb_array_elements(metrics->'tuning'->'trials') w
           WHERE model IN ('shop_mf', 'shop_spectral', 'shop_gcn') AND w->>'encoder' IS DISTINCT FROM options->>'encoder'),
          0, 'an encoder named in the options is kept: every trial is of it (mf, spectral, lightgcn)');

-- a catalog the default model gets an approximate top-k index for: no
-- spectral trial (its top-k would scan every item); the shop has 100 items
SET linkpred.ann_min_items = 100;
SELECT linkpred_train('shop_indexed', 'shop', 'user_id', 'item_id',
                      options => '{"dim": 16, "epochs": 5, "tune": true, "tune_seconds": 20, "seed": 4}') \gset
RESET linkpred.ann_min_items;
SELECT is((SELECT (string_agg(DISTINCT w->>'encoder', ','), metrics ? 'ann_lists')::text
           FROM linkpred.versions, jsonb_array_elements(metrics->'tuning'->'trials') w
           WHERE model = 'shop_indexed' GROUP BY metrics),
          '(mf,t)', 'a catalog of linkpred.ann_min_items items or more: only matrix factorisation trials, and the model is indexed');

-- option "time_column": the newest tenth of the edges is the validation part
CREATE TABLE shop_t AS
SELECT user_id, item_id,
       timestamptz '2026-01-01' + row_number() OVER (ORDER BY hashint4(user_id * 1000 + item_id), user_id, item_id)
                                 * interval '1 minute' AS at
FROM (SELECT DISTINCT user_id, item_id FROM shop) d;
SELECT linkpred_train('shop_timed', 'shop_t', 'user_id', 'item_id',
                      options => '{"tune": true, "time_column": "at", "epochs": 5, "dim": 16, "seed": 4}') \gset
SELECT is((SELECT (metrics->'tuning'->>'validation', (metrics->'tuning'->>'validation_edges')::int,
                   options->>'time_column', metrics->'tuning'->>'draws')::text
           FROM linkpred.versions WHERE model = 'shop_timed'),
          (SELECT ('time', count(*) - floor(0.9 * count(*))::int, 'at', 1)::text FROM shop_t),
          'time_column: the validation part is the newest tenth of the edges, one draw; the option is stored');
SELECT throws_ok($$SELECT linkpred_train('x', 'shop_t', 'user_id', 'item_id', options => '{"time_column": "at"}')$$,
                 '22023', 'option "time_column" needs "tune"', 'time_column without tune is refused');
SELECT throws_ok($$SELECT linkpred_train('x', 'shop_t', 'user_id', 'item_id', options => '{"tune": true, "time_column": "item_id"}')$$,
                 '42804', 'time column "item_id" has type integer', 'time_column must be a time');
SELECT throws_ok($$SELECT linkpred_train('x', 'shop_t', 'user_id', 'item_id', options => '{"tune": true, "time_column": "nope"}')$$,
                 '42703', NULL, 'time_column must exist');

-- refusals
SELECT throws_ok($$SELECT linkpred_train('x', 'ring', 'a', 'b', options => '{"bipartite": false, "encoder": "sage", "tune": true}')$$,
                 '0A000', 'option "tune" is not available with encoder "sage"', 'an encoder with nothing to search is refused');
CREATE TABLE tiny (u int, i int);
INSERT INTO tiny VALUES (1, 1), (2, 2), (3, 3);
SELECT throws_ok($$SELECT linkpred_train('tiny', 'tiny', 'u', 'i', options => '{"tune": true}')$$,
                 '55000', 'too few edges to tune: the validation part holds 0 edges',
                 'a graph with no validation part to carve is refused');
SELECT throws_ok($$SELECT linkpred_train('x', 'ring', 'a', 'b', options => '{"tune_seconds": 0}')$$,
                 '22023', 'option "tune_seconds" is out of range: 0', 'tune_seconds is at least 1');

SELECT * FROM finish();
