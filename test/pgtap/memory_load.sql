-- linkpred.max_memory while the edges load (src/data/loader.c): when the
-- load buffer is full and about to double, the job asks whether loading
-- would fit at its end.  Without planner statistics it assumes the doubled
-- buffer fills; with them it assumes the rows the table holds, a tenth
-- more.  Before, every load was judged at its next doubling, so a 100M-row
-- table (next doubling 134M entries) was refused under the default 4GB
-- although the job needs 3.5 GB (bench/RESULTS-scale-100m.md).
--
-- 70,000 rows under a 36 MB budget: the buffer doubles at 65,536 entries.
-- Judged at 131,072 entries the load does not fit; judged at 77,000 it
-- does, and the estimate after loading (exact sizes, every phase) refuses
-- the job before training instead.
\set ON_ERROR_STOP 1
SELECT plan(4);

-- no autovacuum: the table keeps no statistics until ANALYZE below
CREATE TABLE mem_edges WITH (autovacuum_enabled = false) AS
SELECT g % 50000 AS user_id, g % 997 AS item_id FROM generate_series(1, 70000) g;
SET linkpred.max_memory = '36MB';

SELECT is((SELECT reltuples FROM pg_class WHERE oid = 'mem_edges'::regclass), -1::real,
          'the table has no statistics yet');
SELECT throws_like($$SELECT linkpred_train('mem', 'mem_edges', 'user_id', 'item_id')$$,
                   'training would need % MB to load the edges, over linkpred.max_memory (36.0 MB)',
                   'without statistics the load is judged at its doubled buffer and refused while loading');

ANALYZE mem_edges;
SELECT throws_like($$SELECT linkpred_train('mem', 'mem_edges', 'user_id', 'item_id')$$,
                   'training would need % MB to train, over linkpred.max_memory (36.0 MB)',
                   'with statistics the same rows load, and the estimate after loading refuses the job');
RESET linkpred.max_memory;
SELECT is((SELECT count(*)::int FROM linkpred.versions WHERE model = 'mem'), 0,
          'neither job stored a version');

SELECT * FROM finish();
