-- Training on several threads (linkpred.training_threads, src/kernels/parallel.c):
-- the default keeps a small graph on one thread; a job with 2 threads
-- trains, records them in its metrics, repeats bit for bit with the same
-- seed, differs from the one-thread run (the threads did run), and ranks
-- its own edges as well; a trainer that keeps one thread (the bilinear
-- decoder) records 1.
\set ON_ERROR_STOP 1
SELECT plan(17);
LOAD 'linkpred';

SELECT is(current_setting('linkpred.training_threads'), '0', 'linkpred.training_threads defaults to 0 (every core)');

-- 400 users in 8 groups, each linked to 10 of its group's 50 items, and 2 noise items
CREATE TABLE clicks AS
SELECT DISTINCT u, CASE WHEN k < 10 THEN (u % 8) + 8 * ((u * 7 + k * 13) % 50)
                        ELSE (u * 31 + k * 17) % 400 END AS i
FROM generate_series(0, 399) u, generate_series(0, 11) k;

-- the default on a graph under 100,000 pairs: one thread, on any machine
SELECT lives_ok($$SELECT linkpred_train('auto', 'clicks', 'u', 'i', options => '{"seed": 5, "epochs": 2}')$$,
                'trains with the default linkpred.training_threads');
SELECT is((SELECT metrics->>'training_threads' FROM linkpred.models WHERE name = 'auto'), '1',
          'the default trains a graph of under 100,000 pairs on one thread');

SET linkpred.training_threads = 2;
SELECT lives_ok($$SELECT linkpred_train('par2', 'clicks', 'u', 'i', options => '{"seed": 5, "epochs": 10}')$$,
                'trains on 2 threads');
SELECT lives_ok($$SELECT linkpred_train('par2b', 'clicks', 'u', 'i', options => '{"seed": 5, "epochs": 10}')$$,
                'trains on 2 threads again, same seed');
SELECT is((SELECT metrics->>'training_threads' FROM linkpred.models WHERE name = 'par2'), '2',
          'the version''s metrics record 2 training threads');
SELECT is((SELECT count(*)::int FROM linkpred.embeddings a JOIN linkpred.embeddings b
             ON b.model = 'par2b' AND b.side = a.side AND b.key = a.key
           WHERE a.model = 'par2' AND a.vec = b.vec AND a.bias = b.bias),
          (SELECT count(*)::int FROM linkpred.embeddings WHERE model = 'par2'),
          '2 threads with one seed repeat: every vector and bias identical');

SET linkpred.training_threads = 1;
SELECT lives_ok($$SELECT linkpred_train('par1', 'clicks', 'u', 'i', options => '{"seed": 5, "epochs": 10}')$$,
                'trains on 1 thread');
SELECT ok((SELECT metrics->>'training_threads' FROM linkpred.models WHERE name = 'par1') = '1'
          AND EXISTS (SELECT FROM linkpred.embeddings a JOIN linkpred.embeddings b
                        ON b.model = 'par2' AND b.side = a.side AND b.key = a.key
                      WHERE a.model = 'par1' AND a.vec <> b.vec),
          'one thread: recorded as 1, and its vectors differ from the 2-thread run''s');

-- both rank a user's own items above other items about equally well:
-- the share of (own, other) item pairs in the right order
CREATE FUNCTION own_auc(m text) RETURNS float8 LANGUAGE sql AS $$
    WITH s AS (SELECT c.u, c.i, linkpred_score(c.u, c.i, model => m) AS p,
                      linkpred_score(c.u, (c.i * 37 + 11) % 400, model => m) AS n
               FROM clicks c
               WHERE NOT EXISTS (SELECT FROM clicks d WHERE d.u = c.u AND d.i = (c.i * 37 + 11) % 400))
    SELECT avg(CASE WHEN p > n THEN 1 WHEN p = n THEN 0.5 ELSE 0 END)::float8 FROM s $$;
SELECT ok(abs(own_auc('par2') - own_auc('par1')) <= 0.01 AND own_auc('par2') > 0.9,
          format('2 threads rank own items as well as 1 (%s vs %s)',
                 round(own_auc('par2')::numeric, 4), round(own_auc('par1')::numeric, 4)));

SET linkpred.training_threads = 2;
SELECT lives_ok($$SELECT linkpred_train('bil', 'clicks', 'u', 'i', options => '{"seed": 5, "epochs": 2, "decoder": "bilinear"}')$$,
                'the bilinear decoder trains with linkpred.training_threads = 2');
SELECT is((SELECT metrics->>'training_threads' FROM linkpred.models WHERE name = 'bil'), '1',
          'the bilinear decoder trains on one thread, and says so');

-- cancel and terminate reach a job whose helper threads block every signal
SELECT linkpred_train('long', 'clicks', 'u', 'i', options => '{"epochs": 100000, "seed": 1}', wait => false) AS long_job \gset
SELECT ok(linkpred_wait(:long_job, timeout => '2 seconds') = 'running', 'a long 2-thread job is running');
SELECT ok(linkpred_cancel(:long_job), 'cancel is delivered');
SELECT is(linkpred_wait(:long_job), 'cancelled', 'the 2-thread job ends cancelled');
SELECT linkpred_train('long', 'clicks', 'u', 'i', options => '{"epochs": 100000, "seed": 2}', wait => false) AS term_job \gset
SELECT ok(linkpred_wait(:term_job, timeout => '2 seconds') = 'running'
          AND pg_terminate_backend((SELECT pid FROM linkpred.jobs WHERE id = :term_job)),
          'terminate a running 2-thread job''s worker');
SELECT throws_ok(format('SELECT linkpred_wait(%s)', :term_job), '57P01', NULL,
                 'waiting for it raises the termination');

SELECT * FROM finish();
