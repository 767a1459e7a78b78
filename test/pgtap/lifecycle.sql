-- Job life cycle: wait => false, queueing behind a running job of the same
-- model, cancel within seconds, termination, a cancelled waiting statement
-- cancelling its job, and a submit that survives its transaction's
-- rollback.  Through all of it the previous version keeps serving.
\set ON_ERROR_STOP 1
SELECT plan(16);

-- big enough that 1000 epochs take far longer than this test waits
CREATE TABLE big_events AS
SELECT u AS user_id, (u * 31 + i * 17) % 2000 AS item_id
FROM generate_series(1, 5000) u, generate_series(1, 20) i;
CREATE TABLE small_events AS SELECT * FROM big_events WHERE user_id <= 50;

SELECT linkpred_train('m', 'small_events', 'user_id', 'item_id', options => '{"dim": 4, "epochs": 1, "seed": 1}') AS v1_job \gset
SELECT linkpred_score(1, 48) AS v1_score \gset

-- a long job, then a short one for the same model: the second queues
SELECT linkpred_train('m', 'big_events', 'user_id', 'item_id',
                      options => '{"epochs": 1000, "seed": 2, "warm_start": false}', wait => false) AS long_job \gset
SELECT linkpred_train('m', 'small_events', 'user_id', 'item_id',
                      options => '{"dim": 4, "epochs": 1, "seed": 3}', wait => false) AS short_job \gset
SELECT ok(linkpred_wait(:long_job, timeout => '2 seconds') = 'running', 'the long job is running');
SELECT is((SELECT state FROM linkpred.jobs WHERE id = :short_job), 'queued',
          'a second job for the same model waits: never two writers');
SELECT ok((SELECT epoch IS NOT NULL AND phase IS NOT NULL FROM linkpred.jobs WHERE id = :long_job),
          'progress shows while it runs');
SELECT ok(linkpred_score(1, 48) = :v1_score, 'the previous version serves meanwhile');

-- cancel: stops within seconds, nothing written
SELECT clock_timestamp() AS t0 \gset
SELECT ok(linkpred_cancel(:long_job), 'cancel is delivered');
SELECT is(linkpred_wait(:long_job), 'cancelled', 'the job ends cancelled');
SELECT cmp_ok(extract(epoch FROM clock_timestamp() - :'t0'::timestamptz)::float8, '<', 5::float8,
              'within five seconds');
SELECT is(linkpred_wait(:short_job), 'done', 'the queued job then runs');
SELECT is((SELECT active_version FROM linkpred.models WHERE name = 'm'), 2,
          'the cancelled job made no version; the queued one made version 2');

-- pg_terminate_backend on a worker: failed, previous version untouched
SELECT linkpred_train('m', 'big_events', 'user_id', 'item_id',
                      options => '{"epochs": 1000, "seed": 4, "warm_start": false}', wait => false) AS term_job \gset
SELECT ok(linkpred_wait(:term_job, timeout => '2 seconds') = 'running', 'another long job runs');
SELECT ok(pg_terminate_backend((SELECT pid FROM linkpred.jobs WHERE id = :term_job)), 'terminate its worker');
SELECT throws_ok(format('SELECT linkpred_wait(%s)', :term_job), '57P01', NULL,
                 'waiting for it raises the termination');
SELECT is((SELECT state FROM linkpred.jobs WHERE id = :term_job), 'failed', 'the job is failed');
SELECT is((SELECT active_version FROM linkpred.models WHERE name = 'm'), 2, 'version 2 still active');

-- wait => true: cancelling the waiting statement cancels the job
-- (PL/pgSQL cannot catch a cancel, so psql runs the statement and its
-- expected error is not fatal to this script)
\set ON_ERROR_STOP 0
SET statement_timeout = '1500ms';
SELECT linkpred_train('m', 'big_events', 'user_id', 'item_id', options => '{"epochs": 1000, "seed": 5, "warm_start": false}');
RESET statement_timeout;
\set ON_ERROR_STOP 1
SELECT is(linkpred_wait((SELECT max(id) FROM linkpred.jobs)), 'cancelled', 'and cancels the job it waited for');

-- the job row is the worker's own: rolling back the submitter does not withdraw it
BEGIN;
SELECT linkpred_train('m', 'small_events', 'user_id', 'item_id',
                      options => '{"dim": 4, "epochs": 1, "seed": 6}', wait => false) AS rb_job \gset
ROLLBACK;
SELECT is(linkpred_wait(:rb_job), 'done', 'a job submitted in a rolled-back transaction still runs');

SELECT * FROM finish();
