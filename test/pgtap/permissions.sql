-- The security model: training runs as the calling role (its privileges and
-- row-level security apply), the SELECT privilege is checked at submit
-- time, and models and jobs belong to their owner role.
\set ON_ERROR_STOP 1
SELECT plan(21);

CREATE ROLE lp_alice LOGIN;
CREATE ROLE lp_bob LOGIN;
CREATE ROLE lp_team NOLOGIN;
GRANT lp_team TO lp_bob;

-- owned by the superuser; alice may read it, and RLS shows her users <= 10 only
CREATE TABLE shared_events (user_id int, item_id int);
INSERT INTO shared_events SELECT u, (u * 7 + i) % 30 FROM generate_series(1, 40) u, generate_series(1, 5) i;
ALTER TABLE shared_events ENABLE ROW LEVEL SECURITY;
CREATE POLICY small_users ON shared_events FOR SELECT TO lp_alice USING (user_id <= 10);
GRANT SELECT ON shared_events TO lp_alice;

-- bob may read two columns of this one, nothing else
CREATE TABLE col_events (user_id int, item_id int, secret text);
INSERT INTO col_events SELECT user_id, item_id, 'x' FROM shared_events;
GRANT SELECT (user_id, item_id) ON col_events TO lp_bob;
CREATE TABLE team_events AS SELECT user_id, item_id FROM shared_events;
GRANT SELECT ON team_events TO lp_team;

SET ROLE lp_alice;
SELECT lives_ok($$SELECT linkpred_train('amodel', 'shared_events', 'user_id', 'item_id',
                  options => '{"dim": 4, "epochs": 2, "seed": 1}')$$, 'alice trains on a table she can read');
SELECT is((SELECT n_users::int FROM linkpred.models WHERE name = 'amodel'), 10,
          'the worker read as alice: row-level security hid users above 10');
SELECT is((SELECT owner::text FROM linkpred.models WHERE name = 'amodel'), 'lp_alice', 'alice owns her model');
SELECT ok(linkpred_score(1, 8, model => 'amodel') IS NOT NULL, 'alice scores with her model');
SELECT max(id) AS alice_job FROM linkpred.jobs \gset
SELECT is((SELECT state || coalesce(error, '') FROM linkpred.jobs WHERE id = :alice_job), 'done',
          'alice reads her job''s state and error');
RESET ROLE;

SET ROLE lp_bob;
SELECT throws_ok($$SELECT linkpred_train('bmodel', 'shared_events', 'user_id', 'item_id')$$,
                 '42501', NULL, 'bob cannot train on a table he cannot read');
SELECT is((SELECT count(*)::int FROM linkpred.jobs WHERE model = 'bmodel'), 0, 'and no job was created');
SELECT throws_ok($$SELECT linkpred_train('cmodel', 'col_events', 'user_id', 'secret')$$,
                 '42501', NULL, 'a column bob may not read is refused');
SELECT lives_ok($$SELECT linkpred_train('cmodel', 'col_events', 'user_id', 'item_id',
                  options => '{"dim": 4, "epochs": 1, "seed": 1}')$$, 'column privileges are enough');
SELECT is((SELECT count(*)::int FROM linkpred.models WHERE name = 'amodel'), 0, 'bob does not see alice''s model');
SELECT throws_ok($$SELECT linkpred_score(1, 8, model => 'amodel')$$, '42501', NULL, 'bob cannot score with it');
SELECT throws_ok($$SELECT * FROM linkpred_topk(1, 3, model => 'amodel')$$, '42501', NULL, 'nor ask for its top-k');
SELECT throws_ok($$SELECT linkpred_drop('amodel')$$, '42501', NULL, 'nor drop it');
SELECT throws_ok($$SELECT linkpred_activate('amodel', 1)$$, '42501', NULL, 'nor activate a version of it');
SELECT throws_ok(format('SELECT linkpred_wait(%s)', :alice_job), '42501', NULL, 'nor wait for alice''s job');
SELECT throws_ok(format('SELECT linkpred_cancel(%s)', :alice_job), '42501', NULL, 'nor cancel it');
SELECT throws_ok($$SELECT linkpred_train('amodel', 'col_events', 'user_id', 'item_id')$$,
                 '42501', NULL, 'nor train over her model''s name');
SELECT throws_ok($$SELECT * FROM linkpred.embedding_store$$, '42501', NULL, 'the storage tables are private');

-- a NOLOGIN group role trains through a member's session
SET ROLE lp_team;
SELECT lives_ok($$SELECT linkpred_train('tmodel', 'team_events', 'user_id', 'item_id',
                  options => '{"dim": 4, "epochs": 1, "seed": 1}')$$, 'a NOLOGIN role trains via SET ROLE');
RESET ROLE;
SET ROLE lp_bob;
SELECT is((SELECT owner::text FROM linkpred.models WHERE name = 'tmodel'), 'lp_team', 'the group owns the model');
SELECT ok(linkpred_score(1, 8, model => 'tmodel') IS NOT NULL, 'members of the owner role use it');
RESET ROLE;

SELECT * FROM finish();
