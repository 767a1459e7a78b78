-- topk_latency.sql: the serving figures of model :'model' on Gowalla's
-- training file (table gw_all of bench/validation_load.sql), for
-- serving_ab.sh and spectral_serving.sh.  After a warm-up call that loads
-- the model: linkpred_topk(u, 20) for every 15th user, one call each
-- (median and p99 in ms); linkpred_score over 100,000 (user, item) pairs
-- in one statement (pairs per second).  Leaves them in the session's
-- temporary table latency (p50, p99, calls, pairs_s), one row.
SELECT count(*) FROM linkpred_topk(0, 20, :'model') \g /dev/null
SET bench.model = :'model';
DROP TABLE IF EXISTS latency;
CREATE TEMP TABLE latency (p50 float8, p99 float8, calls int, pairs_s float8);
DO $$
DECLARE
    m  text := current_setting('bench.model');
    t  timestamptz;
    d  float8[] := '{}';
    x  int;
    u  int;
    ps float8;
BEGIN
    FOR u IN SELECT DISTINCT user_id FROM gw_all WHERE user_id % 15 = 0 ORDER BY 1 LOOP
        t := clock_timestamp();
        SELECT count(*) INTO x FROM linkpred_topk(u, 20, m);
        d := d || extract(epoch FROM clock_timestamp() - t) * 1000;
    END LOOP;
    t := clock_timestamp();
    PERFORM sum(linkpred_score(i % 29858, (i * 7919) % 40981, m)) FROM generate_series(1, 100000) i;
    ps := 100000 / extract(epoch FROM clock_timestamp() - t);
    INSERT INTO latency
    SELECT (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY v) FROM unnest(d) v),
           (SELECT percentile_cont(0.99) WITHIN GROUP (ORDER BY v) FROM unnest(d) v),
           array_length(d, 1), ps;
END
$$;
