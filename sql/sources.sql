-- Sources: a partitioned table and a foreign table are relations to train
-- from.  A foreign table, or a partition that is one, is read through a
-- user mapping of the role that trains (a job reads as its submitter) or
-- evaluates: linkpred checks that it exists before a job starts, and says
-- what to create.  The foreign server here is never reached.
-- (no CONTEXT lines: they hold job ids, which depend on the files before)
\set SHOW_CONTEXT never
CREATE EXTENSION postgres_fdw;
CREATE SERVER lp_nowhere FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host '/nonexistent', dbname 'none');
CREATE TABLE p_local (user_id bigint, item_id bigint) PARTITION BY LIST ((user_id % 2));
CREATE TABLE p_local_even PARTITION OF p_local FOR VALUES IN (0);
CREATE TABLE p_local_odd PARTITION OF p_local FOR VALUES IN (1);
INSERT INTO p_local SELECT u, (u * 7 + i * 3) % 30 FROM generate_series(1, 50) u, generate_series(1, 5) i;
CREATE FOREIGN TABLE f_edges (user_id bigint, item_id bigint) SERVER lp_nowhere OPTIONS (table_name 'edges');
CREATE TABLE p_edges (user_id bigint, item_id bigint) PARTITION BY RANGE (user_id);
CREATE TABLE p_edges_near PARTITION OF p_edges FOR VALUES FROM (MINVALUE) TO (100);
CREATE FOREIGN TABLE p_edges_far PARTITION OF p_edges FOR VALUES FROM (100) TO (MAXVALUE)
    SERVER lp_nowhere OPTIONS (table_name 'edges');
CREATE ROLE lp_far;
GRANT SELECT ON p_local, f_edges, p_edges TO lp_far;
SET ROLE lp_far;
-- a partitioned table of local tables trains as a table does
SELECT linkpred_train('parts', 'p_local', 'user_id', 'item_id', options => '{"dim": 4, "epochs": 2, "seed": 1}') IS NOT NULL AS trained;
SELECT stats->>'rows' AS rows FROM linkpred.jobs WHERE model = 'parts';
-- no user mapping for lp_far: refused at submit, for a foreign table, a
-- partitioned table with a foreign partition, a user_edges relation, and
-- linkpred_evaluate's test relation
SELECT linkpred_train('far', 'f_edges', 'user_id', 'item_id');
SELECT linkpred_train('far', 'p_edges', 'user_id', 'item_id');
SELECT linkpred_train('far', 'p_local', 'user_id', 'item_id',
                      options => '{"user_edges": {"relation": "p_edges", "src": "user_id", "dst": "item_id"}}');
SELECT * FROM linkpred_evaluate('parts', test => 'p_edges');
SELECT count(*) AS far_jobs FROM linkpred.jobs WHERE model = 'far';
RESET ROLE;
-- privileges come first: a role that may not read the relation learns that
CREATE ROLE lp_none;
SET ROLE lp_none;
SELECT linkpred_train('far', 'p_edges', 'user_id', 'item_id');
RESET ROLE;
-- with a PUBLIC mapping the check passes; postgres_fdw then wants a password
-- from a role that is no superuser, and the job fails with its message
CREATE USER MAPPING FOR PUBLIC SERVER lp_nowhere;
SET ROLE lp_far;
SELECT linkpred_train('far', 'f_edges', 'user_id', 'item_id');
RESET ROLE;
-- a superuser connects without one: the server cannot be reached, and the
-- job fails with the wrapper's error and what to do
SELECT linkpred_train('far_su', 'p_edges', 'user_id', 'item_id');
SELECT state, error_sqlstate FROM linkpred.jobs WHERE model IN ('far', 'far_su') ORDER BY id;
SELECT linkpred_drop('parts');
DROP USER MAPPING FOR PUBLIC SERVER lp_nowhere;
REVOKE ALL ON p_local, f_edges, p_edges FROM lp_far;
DROP ROLE lp_far;
DROP ROLE lp_none;
DROP TABLE p_local, p_edges;
DROP FOREIGN TABLE f_edges;
DROP SERVER lp_nowhere;
DROP EXTENSION postgres_fdw;
