-- spectral_latency.sql: serving cost of the spectral preset on Gowalla,
-- after run.sh has trained "gowalla_spectral".  linkpred_topk(u, 20) for
-- every 15th training user (one call each, after one warm-up call that
-- loads the model), and linkpred_score over 100,000 (user, item) pairs.
-- Medians and p99 in ms, pairs per second, into bench.metrics (graph
-- 'gowalla spectral').

SELECT count(*) FROM linkpred_topk(0, 20, 'gowalla_spectral') \g /dev/null

DO $$
DECLARE
    t  timestamptz;
    d  float8[] := '{}';
    x  int;
    u  int;
BEGIN
    FOR u IN SELECT DISTINCT user_id FROM gowalla_train WHERE user_id % 15 = 0 ORDER BY 1 LOOP
        t := clock_timestamp();
        SELECT count(*) INTO x FROM linkpred_topk(u, 20, 'gowalla_spectral');
        d := d || extract(epoch FROM clock_timestamp() - t) * 1000;
    END LOOP;
    INSERT INTO bench.metrics
    SELECT 'gowalla', 'gowalla spectral', NULL, 'model', 'linkpred', m, NULL, v
    FROM (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY v) AS p50,
                 percentile_cont(0.99) WITHIN GROUP (ORDER BY v) AS p99,
                 count(*) AS n
          FROM unnest(d) v) s,
         LATERAL (VALUES ('topk_ms_p50', p50), ('topk_ms_p99', p99), ('topk_calls', n)) AS r(m, v);

    t := clock_timestamp();
    PERFORM sum(linkpred_score(user_id, (user_id * 7 + item_id) % 40981, 'gowalla_spectral'))
    FROM (SELECT user_id, item_id FROM gowalla_train LIMIT 100000) p;
    INSERT INTO bench.metrics VALUES ('gowalla', 'gowalla spectral', NULL, 'model', 'linkpred',
        'score_pairs_per_s', NULL, 100000 / extract(epoch FROM clock_timestamp() - t));
END
$$;
