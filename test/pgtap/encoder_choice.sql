-- The default encoder chosen on validation data (src/jobs/tune.c,
-- LpChoosesEncoder): a bipartite graph trained with no "encoder" named and
-- no "tune" compares the default matrix factorisation with the spectral
-- encoder on a per-user validation part of the training edges, records
-- both trials in the version's metrics->'tuning' ("purpose": "encoder"),
-- and trains the winner on all the edges.
--
-- A synthetic shop of 2,400 users in 40 tastes and 1,200 items, about
-- 26,000 edges: a validation part of about 2,600 edges, enough to choose
-- on; and a sparse catalog with a popular head, where the spectral encoder
-- wins.  Checked: the two trials and the winner's rule; the stored options
-- and the model are the winner's; no choice where the user named an
-- encoder, on a graph too small to tell the two apart, where the default
-- model gets an approximate index, with a warm start, or on a
-- homogeneous graph.
\set ON_ERROR_STOP 1
SELECT plan(11);

CREATE TABLE store (user_id int, item_id int);
INSERT INTO store
SELECT DISTINCT u, (u % 40) * 30 + abs(hashint4(u * 31 + i)) % 30
FROM generate_series(0, 2399) u, generate_series(1, 9) i;
-- a popular tail across tastes
INSERT INTO store
SELECT DISTINCT u, abs(hashint4(u * 7 + i)) % 1200
FROM generate_series(0, 2399) u, generate_series(1, 3) i
ON CONFLICT DO NOTHING;

SELECT diag(format('store: %s edges, %s users, %s items', count(*), count(DISTINCT user_id), count(DISTINCT item_id)))
FROM store;

SELECT linkpred_train('store_default', 'store', 'user_id', 'item_id', options => '{"seed": 5}') \gset

CREATE TABLE choice AS SELECT metrics->'tuning' AS t, options FROM linkpred.versions WHERE model = 'store_default';
CREATE TABLE trials AS
SELECT * FROM jsonb_to_recordset((SELECT t->'trials' FROM choice))
    AS x(trial int, encoder text, value float8, se float8, seconds float8);
SELECT diag(format('trial %s: %s, validation recall@20 %s (se %s) in %s s',
                   trial, encoder, round(value::numeric, 4), round(se::numeric, 4), round(seconds::numeric, 2)))
FROM trials ORDER BY trial;
SELECT diag(format('winner: trial %s, margin %s', t->>'winner', round((t->>'margin')::numeric, 4))) FROM choice;

SELECT is((SELECT (t->>'purpose', t->>'metric', t->>'validation', t->'searched', t->>'draws')::text FROM choice),
          '(encoder,recall@20,per_user,[],1)',
          'no encoder named, a bipartite graph of 24,000 edges: the encoder is chosen on one per-user validation draw, nothing else searched');
SELECT is((SELECT string_agg(encoder || ':' || (value > 0 AND se > 0), ',' ORDER BY trial) FROM trials),
          'mf:true,spectral:true', 'two trials: the default matrix factorisation, then the spectral encoder, each with its figure');
SELECT is((SELECT (t->>'winner')::int FROM choice),
          (SELECT CASE WHEN s.value > m.value + (SELECT (t->>'margin')::float8 FROM choice) THEN 2 ELSE 1 END
           FROM trials m, trials s WHERE m.trial = 1 AND s.trial = 2),
          'the spectral encoder wins only if it beats the default by more than the margin (one standard error)');
SELECT is((SELECT (options->>'encoder', options->>'tune')::text FROM choice),
          (SELECT (encoder, 'false')::text FROM trials WHERE trial = (SELECT (t->>'winner')::int FROM choice)),
          'the stored options name the winner''s encoder; "tune" stays false');

-- a sparse catalog with a popular head: the spectral encoder ranks far
-- better there (validation Recall@20 about 0.20 against 0.12), and the
-- model is a plain training of it on all the edges
CREATE TABLE skewed AS
SELECT DISTINCT u AS user_id, (power(abs(hashint4(u * 31 + i)) % 1000 / 1000.0, 3) * 3000)::int AS item_id
FROM generate_series(0, 5999) u, generate_series(1, 2) i
UNION
SELECT u, ((u * 7) % 3000 + abs(hashint4(u * 17 + i)) % 16) % 3000 FROM generate_series(0, 5999) u, generate_series(1, 3) i;
SELECT linkpred_train('skewed_default', 'skewed', 'user_id', 'item_id', options => '{"seed": 5}') \gset
SELECT diag(format('skewed: %s, validation recall@20 %s', x->>'encoder', round((x->>'value')::numeric, 4)))
FROM linkpred.versions, jsonb_array_elements(metrics->'tuning'->'trials') x WHERE model = 'skewed_default';
SELECT is((SELECT (options->>'encoder', metrics->'tuning'->>'winner')::text FROM linkpred.versions WHERE model = 'skewed_default'),
          '(spectral,2)', 'a sparse catalog with a popular head: the spectral encoder wins by more than the margin');
SELECT linkpred_train('skewed_plain', 'skewed', 'user_id', 'item_id', options => '{"encoder": "spectral", "seed": 5}') \gset
SELECT is((SELECT count(*)::int FROM generate_series(0, 5999, 97) u, generate_series(0, 2999, 13) i
           WHERE linkpred_score(u, i, model => 'skewed_default') IS DISTINCT FROM linkpred_score(u, i, model => 'skewed_plain')),
          0, 'the model is the winner''s encoder trained on all the edges: its scores are a plain training''s');

-- no choice: an encoder named; a graph whose validation part would be too
-- small; a catalog the default model indexes; a warm start; a homogeneous graph
SELECT linkpred_train('store_mf', 'store', 'user_id', 'item_id', options => '{"encoder": "mf", "epochs": 2, "seed": 5}') \gset
SELECT is((SELECT (metrics ? 'tuning', options->>'encoder')::text FROM linkpred.versions WHERE model = 'store_mf'),
          '(f,mf)', 'an encoder named in the options: no choice, that encoder');

CREATE TABLE store_small AS SELECT * FROM store WHERE user_id < 1500;
SELECT linkpred_train('store_small', 'store_small', 'user_id', 'item_id', options => '{"epochs": 2, "seed": 5}') \gset
SELECT is((SELECT (count(*) < 20000, bool_or(metrics ? 'tuning'), min(options->>'encoder'))::text
           FROM store_small, linkpred.versions WHERE model = 'store_small'),
          '(t,f,mf)', 'under 20,000 edges (a validation part under 2,000): no choice, the default matrix factorisation');

SET linkpred.ann_min_items = 1000;
SELECT linkpred_train('store_indexed', 'store', 'user_id', 'item_id', options => '{"epochs": 2, "seed": 5}') \gset
RESET linkpred.ann_min_items;
SELECT is((SELECT (metrics ? 'tuning', metrics ? 'ann_lists', options->>'encoder')::text
           FROM linkpred.versions WHERE model = 'store_indexed'),
          '(f,t,mf)', 'a catalog the default model gets an approximate index for: no spectral trial, an indexed matrix factorisation');

SELECT linkpred_train('store_warm', 'store', 'user_id', 'item_id', options => '{"warm_start": true, "epochs": 2, "seed": 5}') \gset
SELECT is((SELECT (metrics ? 'tuning', options->>'encoder')::text FROM linkpred.versions WHERE model = 'store_warm'),
          '(f,mf)', 'a warm start: no choice (the spectral encoder takes none)');

CREATE TABLE web AS SELECT user_id AS a, 2400 + item_id AS b FROM store;
SELECT linkpred_train('web', 'web', 'a', 'b', options => '{"bipartite": false, "features": "none", "epochs": 2, "seed": 5}') \gset
SELECT is((SELECT (metrics ? 'tuning', options->>'encoder')::text FROM linkpred.versions WHERE model = 'web'),
          '(f,mf)', 'a homogeneous graph: no choice');

SELECT * FROM finish();
