-- The trainer's wide instructions (linkpred.simd, src/kernels/simd.h): the
-- default keeps a small graph on the baseline code, bit for bit what 'off'
-- trains; 'on' trains with AVX2 and FMA when the CPU has them, records it in the
-- metrics, repeats bit for bit, ends at the baseline's loss and ranks as
-- well as the baseline; serving a wide model keeps
-- linkpred_topk's scores as close to linkpred_score's as the baseline's
-- (serving is the same code); the bilinear decoder has no wide step and
-- says so; a value outside auto, on, off is refused.
\set ON_ERROR_STOP 1
SELECT plan(11);
LOAD 'linkpred';

SELECT is(current_setting('linkpred.simd'), 'auto', 'linkpred.simd defaults to auto');

-- 400 users in 8 groups, each linked to 10 of its group's 50 items, and 2 noise items
CREATE TABLE clicks AS
SELECT DISTINCT u, CASE WHEN k < 10 THEN (u % 8) + 8 * ((u * 7 + k * 13) % 50)
                        ELSE (u * 31 + k * 17) % 400 END AS i
FROM generate_series(0, 399) u, generate_series(0, 11) k;

-- every vector and bias of model a identical to model b's
CREATE FUNCTION same_vectors(a text, b text) RETURNS boolean LANGUAGE sql AS $$
    SELECT (SELECT count(*) FROM linkpred.embeddings x JOIN linkpred.embeddings y
              ON y.model = b AND y.side = x.side AND y.key = x.key
            WHERE x.model = a AND x.vec = y.vec AND x.bias = y.bias)
         = (SELECT count(*) FROM linkpred.embeddings WHERE model = a) $$;

SELECT linkpred_train('auto', 'clicks', 'u', 'i', options => '{"seed": 5, "epochs": 10}');
SELECT is((SELECT metrics->>'simd' FROM linkpred.models WHERE name = 'auto'), 'baseline',
          'auto trains a graph of under 100,000 pairs on the baseline code, and says so');

SET linkpred.simd = 'off';
SELECT linkpred_train('off', 'clicks', 'u', 'i', options => '{"seed": 5, "epochs": 10}');
SELECT ok((SELECT metrics->>'simd' FROM linkpred.models WHERE name = 'off') = 'baseline'
          AND same_vectors('off', 'auto'),
          'off: recorded as baseline, bit for bit what auto trained on the small graph');

SET linkpred.simd = 'on';
SELECT linkpred_train('on', 'clicks', 'u', 'i', options => '{"seed": 5, "epochs": 10}');
SELECT linkpred_train('on2', 'clicks', 'u', 'i', options => '{"seed": 5, "epochs": 10}');
-- the CPU's flags as Linux lists them
SELECT CASE WHEN pg_read_file('/proc/cpuinfo') ~ '\mavx2\M' AND pg_read_file('/proc/cpuinfo') ~ '\mfma\M'
            THEN 'avx2' ELSE 'baseline' END AS cpu_set \gset
SELECT is((SELECT metrics->>'simd' FROM linkpred.models WHERE name = 'on'), :'cpu_set',
          'on: AVX2 where /proc/cpuinfo lists avx2 and fma, the baseline elsewhere; the metrics say which');
SELECT ok(same_vectors('on', 'on2'), 'on, one seed: every vector and bias repeats');
-- (that its bits are not the baseline's depends on the build fusing a*b+c,
-- which make sanitize's -O1 does not: test/unit/test_simd.c checks it)
SELECT ok(abs((SELECT (metrics->>'loss')::float8 FROM linkpred.models WHERE name = 'on')
              / (SELECT (metrics->>'loss')::float8 FROM linkpred.models WHERE name = 'off') - 1) < 0.001,
          format('on and off end at the same loss, within 0.1%% (%s, %s)',
                 (SELECT metrics->>'loss' FROM linkpred.models WHERE name = 'on'),
                 (SELECT metrics->>'loss' FROM linkpred.models WHERE name = 'off')));

-- both rank a user's own items above other items about equally well
CREATE FUNCTION own_auc(m text) RETURNS float8 LANGUAGE sql AS $$
    WITH s AS (SELECT c.u, c.i, linkpred_score(c.u, c.i, model => m) AS p,
                      linkpred_score(c.u, (c.i * 37 + 11) % 400, model => m) AS n
               FROM clicks c
               WHERE NOT EXISTS (SELECT FROM clicks d WHERE d.u = c.u AND d.i = (c.i * 37 + 11) % 400))
    SELECT avg(CASE WHEN p > n THEN 1 WHEN p = n THEN 0.5 ELSE 0 END)::float8 FROM s $$;
SELECT ok(abs(own_auc('on') - own_auc('off')) <= 0.005 AND own_auc('on') > 0.9,
          format('the wide model ranks own items as well as the baseline (%s vs %s)',
                 round(own_auc('on')::numeric, 4), round(own_auc('off')::numeric, 4)));

-- serving is the baseline code whatever trained: top-k's scores are
-- linkpred_score's (to serve.sql's 1e-5: top-k scores a block of items at
-- once), for the wide model as for the baseline one
CREATE FUNCTION topk_gap(m text) RETURNS float8 LANGUAGE sql AS $$
    SELECT max(abs(t.score - linkpred_score(u, t.item, model => m)))
    FROM generate_series(0, 399, 7) u, LATERAL linkpred_topk(u, 10, model => m) t $$;
SELECT ok(topk_gap('on') < 1e-5 AND topk_gap('off') < 1e-5,
          format('top-k''s scores are linkpred_score''s, wide model as baseline (largest gaps %s, %s)',
                 topk_gap('on'), topk_gap('off')));

SELECT linkpred_train('bil', 'clicks', 'u', 'i', options => '{"seed": 5, "epochs": 2, "decoder": "bilinear"}');
SELECT is((SELECT metrics->>'simd' FROM linkpred.models WHERE name = 'bil'), 'baseline',
          'the bilinear decoder has no wide step: baseline, and says so');

SELECT throws_ok($$SET linkpred.simd = 'fast'$$, '22023',
                 'invalid value for parameter "linkpred.simd": "fast"',
                 'a value other than auto, on, off is refused');
RESET linkpred.simd;
SELECT is(current_setting('linkpred.simd'), 'auto', 'reset: auto again');

SELECT * FROM finish();
