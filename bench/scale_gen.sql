-- scale_gen.sql: a deterministic synthetic user-item graph for the scale
-- bench (bench/scale.sh), with power-law user activity and item popularity.
--
-- psql variables (set by scale.sh):
--   tbl            the table to create: (user_id integer, item_id integer)
--   n_edges        rows to generate
--   n_users        user ids are 0 .. n_users - 1
--   n_items        item ids are 0 .. n_items - 1
--   user_exponent  s of user activity (default in scale.sh: 0.6)
--   item_exponent  s of item popularity (default in scale.sh: 0.6)
--   seed           fixed (scale.sh: 42); the same variables give the same table
--   communities    optional (bench/ann_calibrated.sh --graph communities: 1000):
--                  user u belongs to block hashint4(u) % communities of the
--                  item ids, and community_share / 1024 of the rows (819:
--                  80%) redraw their item inside that block, by the same law
--
-- Row n (1 .. n_edges) draws its user and its item independently, each by
-- the inverse of a continuous Zipf-Mandelbrot law: the node of rank r (0
-- first) has weight about (r + 1)^-s, so
--
--   r = floor(((1 + h ((N + 1)^(1-s) - 1))^(1 / (1-s)) - 1)     (s <> 1)
--
-- for h uniform in [0, 1).  h is no random(): it is the low 53 bits of
-- PostgreSQL's hashint8extended(n, seed) (seed + 1 for the item), so the
-- table depends on nothing but the variables, and any row can be computed
-- alone (no setseed, no order, parallel-safe).  With s = 0.6 the top 10% of
-- users and of items hold about 39% of the edges, as in Gowalla's training
-- file (39.3% and 39.4%); the least active user expects 0.4 times the mean
-- degree (8 edges of a mean of 20 at every size here: Gowalla's minimum is
-- 8 too).  Rank is the id: user 0 is the most active, item 0 the most
-- popular.
--
-- Duplicate (user, item) rows are kept (a popular user draws popular items
-- more than once): linkpred's loader merges them and counts them
-- (linkpred.jobs.stats->'duplicates'), and scale.sh reports the distinct
-- edges the model trained on beside the rows.

CREATE FUNCTION pg_temp.zipf_rank(n bigint, seed bigint, nodes integer, s double precision)
RETURNS integer LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT least(nodes - 1,
                 floor(power(1 + ((hashint8extended(n, seed) & 9007199254740991)::float8
                                  / 9007199254740992.0)
                                 * (power(nodes + 1.0, 1 - s) - 1),
                             1 / (1 - s)) - 1))::integer
$$;

SET max_parallel_workers_per_gather = 2;
CREATE UNLOGGED TABLE :"tbl" AS
SELECT pg_temp.zipf_rank(n, :seed, :n_users, :user_exponent) AS user_id,
       pg_temp.zipf_rank(n, :seed + 1, :n_items, :item_exponent) AS item_id
FROM generate_series(1::bigint, :n_edges) n;
RESET max_parallel_workers_per_gather;
VACUUM ANALYZE :"tbl";

\if :{?communities}
-- row n keeps its user; with chance community_share / 1024 (hash seed + 2) its
-- item becomes rank zipf(seed + 3) of the user's block of n_items /
-- communities ids
CREATE UNLOGGED TABLE scale_gen_communities AS
SELECT user_id,
       CASE WHEN hashint8extended(n, :seed + 2) & 1023 < :community_share
            THEN (hashint4(user_id) & 2147483647) % :communities * (:n_items / :communities)
                 + pg_temp.zipf_rank(n, :seed + 3, :n_items / :communities, 0.6)
            ELSE item_id END AS item_id
FROM (SELECT row_number() OVER () AS n, user_id, item_id FROM :"tbl") b;
DROP TABLE :"tbl";
ALTER TABLE scale_gen_communities RENAME TO :"tbl";
VACUUM ANALYZE :"tbl";
\endif
