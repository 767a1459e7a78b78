#!/usr/bin/env bash
# Citus: a coordinator and two workers the test starts (clusters of their
# own, each on a Unix socket in its own directory, citus preloaded), linkpred
# installed on the coordinator and propagated by Citus to the workers:
#
#   a model trains from a distributed edge table (job done, every edge read);
#   before linkpred_citus_setup() a lateral top-k that Citus pushes to the
#   workers fails there (the workers have no models), and the call
#   converts exactly the four serving tables;
#   after it, a lateral top-k over a distributed users table runs on the
#   workers (EXPLAIN: Citus Adaptive, one task per shard) and returns
#   exactly the rows of the same query over a plain table;
#   linkpred_score over a distributed table's rows equals it over the plain copy;
#   linkpred_topk_many run per shard (run_command_on_shards) returns k rows
#   for every user of every shard, the same rows as on the plain table;
#   a second call converts nothing; a retrain on the coordinator serves on
#   the workers (the new version's rows reached them), and a rollback with
#   linkpred_activate there serves the first version's rows on the workers;
#   on a worker, linkpred.models and linkpred.versions show the owner,
#   source and key types the coordinator shows (the catalog's name copies,
#   not the coordinator's OIDs);
#   a model trained before the setup by a role that is not a superuser (its
#   OID differs between the nodes) serves that role on the workers, and no
#   other role; a fresh top-k pushed to the workers reads the source there;
#   linkpred_train and linkpred_activate on a worker fail with 0A000 and
#   a hint to run them on the coordinator; job_catalog stays local and its
#   ids are the coordinator's only; a model whose owner role a worker
#   lacks fails there with a message naming the role; a model trained after
#   the setup from a table only the coordinator has stores and serves (the
#   table kept by name only, shown as no source on a worker); a role that
#   is not a superuser reads linkpred.models and linkpred.versions on the
#   coordinator and on a worker, its own rows only.  Pinned as not
#   working: after the setup such a role cannot read linkpred.embeddings
#   (Citus checks a plain view's tables as the querying role).
#
# Skipped, with the reason, when the citus extension is not installed.
set -euo pipefail
source "$(dirname "$0")/lib.bash"

# exit status 77: test/run.sh counts the test as skipped, with the reason
if [ "$(lpt_psql postgres -c "SELECT count(*) FROM pg_available_extensions WHERE name = 'citus'")" != 1 ]; then
	echo "1..0 # SKIP citus is not installed in $(pg_config --sharedir)/extension (build Citus against this PostgreSQL to run it)"
	exit 77
fi
lpt_start lp_shell_citus

NODES=(5451 5452 5453)	# the coordinator, then the workers
lpt_servers linkpred_citus "${NODES[@]}"
NODE_DIR=$LPT_SERVERS_DIR
# node_start PORT: a cluster preloading citus, database lp with the citus extension
node_start() {
	local d=$NODE_DIR/$1
	lp_plain_cluster_start "$d" "$1" || return 1
	echo "shared_preload_libraries = 'citus'" >>"$d/data/postgresql.conf"
	# every role without a password: Citus connects node to node as the role
	printf 'local all all trust\n' >"$d/data/pg_hba.conf"
	(cd "$d" && lp_as_owner "$LP_BINDIR/pg_ctl" -D "$d/data" -l "$d/server.log" -w -t 60 restart >/dev/null) ||
		{ cat "$d/server.log" >&2; return 1; }
	PGHOST=$d PGPORT=$1 lpt_psql postgres -c "CREATE DATABASE lp" >/dev/null &&
		PGHOST=$d PGPORT=$1 lpt_psql lp -c "CREATE EXTENSION citus" >/dev/null
}
# on PORT SQL...: SQL in database lp of the node at PORT
on() { local p=$1; shift; PGHOST=$NODE_DIR/$p PGPORT=$p lpt_psql lp -c "$*"; }
C=${NODES[0]}
# coord SQL: on the coordinator; coord_err SQL: its ERROR line
coord() { on "$C" "$@"; }
coord_err() { on_err "$C" "$@"; }
coord_err_hint() { PGHOST=$NODE_DIR/$C PGPORT=$C psql -X -q -d lp -c "$*" 2>&1 >/dev/null | grep -m1 '^HINT' || true; }
# on_err PORT SQL: the ERROR line of SQL on the node at PORT
on_err() { local p=$1; shift; PGHOST=$NODE_DIR/$p PGPORT=$p psql -X -q -d lp -c "$*" 2>&1 >/dev/null | grep -m1 '^ERROR' || true; }
W1=${NODES[1]}
W2=${NODES[2]}

for p in "${NODES[@]}"; do lpt_ok "node on port $p starts with citus" node_start "$p"; done
coord "SELECT citus_set_coordinator_host('$NODE_DIR/$C', $C)" >/dev/null
for p in "${NODES[@]:1}"; do coord "SELECT citus_add_node('$NODE_DIR/$p', $p)" >/dev/null; done
lpt_is "$(coord "SELECT count(*) FROM pg_dist_node WHERE isactive AND noderole = 'primary'")" 3 \
	"the coordinator and two workers are in the cluster"
coord "CREATE EXTENSION linkpred" >/dev/null
lpt_is "$(on "${NODES[1]}" "SELECT count(*) FROM pg_extension WHERE extname = 'linkpred'")$(on "${NODES[2]}" "SELECT count(*) FROM pg_extension WHERE extname = 'linkpred'")" 11 \
	"CREATE EXTENSION linkpred on the coordinator reaches both workers"

# the same rows twice: plain tables (l_*) and distributed ones (d_*, by user)
EDGES="SELECT u::bigint AS user_id, i::bigint AS item_id
       FROM generate_series(1, 300) u, generate_series(1, 100) i
       WHERE (u * 37 + i * 11) % 7 < 2"
coord "CREATE TABLE l_edges AS $EDGES ORDER BY 1, 2;
       CREATE TABLE d_edges AS $EDGES ORDER BY 1, 2;
       CREATE TABLE l_users AS SELECT u::bigint AS id FROM generate_series(1, 320) u;
       CREATE TABLE d_users AS SELECT * FROM l_users;
       SET client_min_messages = warning;
       SELECT create_distributed_table('d_edges', 'user_id');
       SELECT create_distributed_table('d_users', 'id')" >/dev/null
NE=$(coord "SELECT count(*) FROM l_edges")

job=$(coord "SELECT linkpred_train('gw', 'd_edges', 'user_id', 'item_id', options => '{\"dim\": 16, \"epochs\": 3, \"seed\": 7}')")
lpt_is "$(coord "SELECT state || ' ' || (SELECT n_edges FROM linkpred.versions WHERE model = 'gw' AND version = 1)
                 FROM linkpred.jobs WHERE id = $job")" "done $NE" \
	"a model trains from a distributed edge table, reading every edge"

LATERAL="SELECT string_agg(u.id || ':' || t.item || ':' || t.score, ',' ORDER BY u.id, t.score DESC, t.item)
         FROM %s u, LATERAL linkpred_topk(u.id, 5, 'gw') t"
# shown, not asserted: where each node stands before the opt-in
lpt_diag "before linkpred_citus_setup(): $(coord_err "$(printf "$LATERAL" d_users)")"
lpt_like "$(coord_err "$(printf "$LATERAL" d_users)")" 'model "gw" does not exist' \
	"before the opt-in, a top-k pushed to the workers finds no model there"
lpt_like "$(PGHOST=$NODE_DIR/$W1 PGPORT=$W1 psql -X -q -d lp -c "SELECT linkpred_score(1::bigint, 2::bigint, 'gw')" 2>&1 >/dev/null |
            grep -m1 '^HINT' || true)" 'linkpred_citus_setup[(][)] on the coordinator' \
	"and a worker's error says to run linkpred_citus_setup() on the coordinator"
lpt_like "$(coord_err_hint "SELECT linkpred_score(1::bigint, 2::bigint, 'nosuchmodel')")" 'See linkpred.models' \
	"the coordinator's hint for a missing model stays the usual one"

# a role that is not a superuser (the workers know it by name, under another
# OID) trains a model before the setup: its row is copied at the conversion
coord "CREATE ROLE lp_citus_alice LOGIN; GRANT SELECT ON d_edges, d_users, l_users TO lp_citus_alice" >/dev/null
ROLE_OID="SELECT oid FROM pg_roles WHERE rolname = 'lp_citus_alice'"
lpt_isnt "$(on "$W1" "$ROLE_OID")" "$(coord "$ROLE_OID")" "the role has another OID on the worker than on the coordinator"
alice() { PGUSER=lp_citus_alice on "$@"; }
alice_err() { PGUSER=lp_citus_alice on_err "$@"; }
alice "$C" "SELECT linkpred_train('al', 'd_edges', 'user_id', 'item_id', options => '{\"dim\": 8, \"epochs\": 2, \"seed\": 3}')" >/dev/null

lpt_is "$(coord "SET client_min_messages = warning; SELECT linkpred_citus_setup()" | tail -1)" \
	"{model_catalog,version_catalog,embedding_store,attribute_store}" "linkpred_citus_setup() makes the four serving tables reference tables"
lpt_is "$(coord "SELECT string_agg(logicalrelid::text || ':' || partmethod::text, ' ' ORDER BY 1)
                 FROM pg_dist_partition WHERE logicalrelid::text LIKE 'linkpred.%'" | tr ' ' '\n' | sort | tr '\n' ' ' | sed 's/ $//')" \
	"linkpred.attribute_store:n linkpred.embedding_store:n linkpred.model_catalog:n linkpred.version_catalog:n" \
	"Citus lists them as reference tables (partition method n)"
lpt_is "$(on "${NODES[1]}" "SELECT count(*) FROM linkpred.model_catalog WHERE name = 'gw'")" 1 \
	"a worker reads the model from its copy"

lpt_like "$(coord "EXPLAIN (COSTS OFF) $(printf "$LATERAL" d_users)" | tr '\n' ' ')" 'Custom Scan \(Citus Adaptive\).*Task Count: 32' \
	"the lateral top-k over the distributed users table runs on the workers, one task per shard"
want=$(coord "$(printf "$LATERAL" l_users)")
lpt_isnt "$want" "" "the lateral top-k over the plain table returns rows"
lpt_is "$(coord "$(printf "$LATERAL" d_users)")" "$want" \
	"it returns exactly the rows of the same query over the plain table"

SCORE="SELECT sum(linkpred_score(user_id, item_id, 'gw'))::text || ' ' || count(*) FROM %s"
lpt_is "$(coord "$(printf "$SCORE" d_edges)")" "$(coord "$(printf "$SCORE" l_edges)")" \
	"linkpred_score over a distributed table's rows equals it over the plain copy"

# per shard: each shard's users in one linkpred_topk_many, on the node holding it
MANY='SELECT coalesce(string_agg(user_id || '"':'"' || item || '"':'"' || rank, '"','"' ORDER BY user_id, rank), '"''"')
      FROM linkpred_topk_many(ARRAY(SELECT id FROM %s), 3, '"'gw'"')'
per_shard=$(coord "SELECT string_agg(result, ',' ORDER BY result) FROM run_command_on_shards('d_users', \$\$$MANY\$\$)
                   WHERE result <> ''")
one=$(coord "$(printf "$MANY" l_users)")
lpt_is "$(echo "$per_shard" | tr ',' '\n' | sort | tr '\n' ' ')" "$(echo "$one" | tr ',' '\n' | sort | tr '\n' ' ')" \
	"linkpred_topk_many per shard (run_command_on_shards) gives the rows of one call over all users"
lpt_is "$(coord "SELECT count(*) FROM run_command_on_shards('d_users', 'SELECT 1') WHERE success")" 32 \
	"every shard answered"

lpt_is "$(coord "SELECT linkpred_citus_setup()")" "{}" "a second call converts nothing"

# the views on a worker: the coordinator's names, read from the name copies
MODEL_REFS="SELECT owner || ' ' || source || ' ' || user_type || ' ' || item_type FROM linkpred.models WHERE name = 'gw'"
lpt_is "$(coord "$MODEL_REFS")" "$LP_OWNER d_edges bigint bigint" "linkpred.models on the coordinator names owner, source and key types"
lpt_is "$(on "$W1" "$MODEL_REFS")" "$LP_OWNER d_edges bigint bigint" \
	"linkpred.models on a worker names the same owner, source and key types"
VERSIONS="SELECT string_agg(version || ':' || active || ':' || job_id || ':' || n_edges, ',' ORDER BY version) FROM linkpred.versions WHERE model = 'gw'"
lpt_is "$(on "$W2" "$VERSIONS")" "$(coord "$VERSIONS")" "linkpred.versions on a worker lists the coordinator's versions"

# writes on a worker: refused, with where to run them
lpt_like "$(on_err "$W1" "SELECT linkpred_train('gw', 'd_edges', 'user_id', 'item_id')")" \
	'cannot run linkpred_train\(\) on a Citus worker' "linkpred_train on a worker is refused"
lpt_like "$(PGHOST=$NODE_DIR/$W1 PGPORT=$W1 psql -X -q -d lp -v VERBOSITY=verbose -c "SELECT linkpred_activate('gw', 1)" 2>&1 | tr '\n' ' ' || true)" \
	'ERROR:  0A000: cannot run linkpred_activate\(\) on a Citus worker.*HINT:  Run it on the Citus coordinator' \
	"linkpred_activate on a worker is refused with 0A000 and a hint to run it on the coordinator"
lpt_is "$(coord "SELECT count(*) FROM pg_dist_partition WHERE logicalrelid = 'linkpred.job_catalog'::regclass")" 0 \
	"job_catalog stays a local table of the coordinator"

job2=$(coord "SELECT linkpred_train('gw', 'd_edges', 'user_id', 'item_id', options => '{\"dim\": 8, \"epochs\": 2, \"seed\": 8}')")
lpt_is "$(on "$W2" "SELECT active_version || ' ' || (SELECT count(*) FROM linkpred.embedding_store WHERE model = 'gw' AND version = 2) FROM linkpred.model_catalog WHERE name = 'gw'")" \
	"2 $(coord "SELECT count(*) FROM linkpred.embedding_store WHERE model = 'gw' AND version = 2")" \
	"a retrain on the coordinator reaches a worker: the new active version and all its vectors"
v2=$(coord "$(printf "$LATERAL" l_users)")
lpt_isnt "$v2" "$want" "the retrained version recommends differently"
lpt_is "$(coord "$(printf "$LATERAL" d_users)")" "$v2" \
	"after the retrain the pushed-down top-k equals the plain one"
lpt_is "$(coord "SELECT string_agg(id::text, ',' ORDER BY id) FROM linkpred.jobs WHERE model = 'gw'")" "$job,$job2" \
	"the coordinator numbers the jobs from its own sequence"

# after the setup, a model trained from a table only the coordinator has:
# Citus would send its regclass to the workers by name, which they cannot
# resolve, so the catalog keeps it by name only (a NULL OID)
coord "SELECT linkpred_train('lm', 'l_edges', 'user_id', 'item_id', options => '{\"dim\": 8, \"epochs\": 2, \"seed\": 5}')" >/dev/null
lpt_is "$(coord "SELECT source FROM linkpred.models WHERE name = 'lm'")" l_edges \
	"a model trains after the setup from a table only the coordinator has, named there as its source"
lpt_is "$(on "$W1" "SELECT coalesce(source::text, 'none') FROM linkpred.models WHERE name = 'lm'")" none \
	"a worker, which lacks that table, shows no source"
LM_LATERAL=${LATERAL//\'gw\'/\'lm\'}
lm_want=$(coord "$(printf "$LM_LATERAL" l_users)")
lpt_isnt "$lm_want" "" "its top-k over the plain table returns rows"
lpt_is "$(coord "$(printf "$LM_LATERAL" d_users)")" "$lm_want" "and pushed to the workers returns the same rows"
lpt_is "$(coord "SELECT count(*) FROM linkpred_topk(1::bigint, 3, 'lm', fresh => true)")" 3 \
	"fresh => true on the coordinator reads that table through the name"

# a rollback on the coordinator reaches the workers in its transaction
lpt_is "$(coord "SELECT linkpred_activate('gw', 1)")" t "linkpred_activate rolls back to version 1 on the coordinator"
lpt_is "$(on "$W1" "SELECT active_version FROM linkpred.models WHERE name = 'gw'")" 1 "a worker's copy has version 1 active"
lpt_is "$(coord "$(printf "$LATERAL" d_users)")" "$want" \
	"the pushed-down top-k serves version 1's rows again on the workers"

# the model of that role, trained before the setup, on the workers
lpt_is "$(alice "$W2" "SELECT string_agg(name || ' ' || owner || ' ' || source, ',') FROM linkpred.models")" "al lp_citus_alice d_edges" \
	"on a worker the role reads linkpred.models: its own model only, owned by it, by name"
lpt_is "$(alice "$C" "SELECT string_agg(name || ' ' || owner || ' ' || source, ',') FROM linkpred.models")" "al lp_citus_alice d_edges" \
	"and the same on the coordinator"
lpt_is "$(alice "$W1" "SELECT string_agg(model || ':' || version || ':' || active, ',') FROM linkpred.versions")" "al:1:true" \
	"on a worker the role reads linkpred.versions: its model's versions only"
AL_LATERAL=${LATERAL//\'gw\'/\'al\'}
al_want=$(alice "$C" "$(printf "$AL_LATERAL" l_users)")
lpt_isnt "$al_want" "" "the role's top-k over the plain table returns rows"
lpt_is "$(alice "$C" "$(printf "$AL_LATERAL" d_users)")" "$al_want" \
	"the role's pushed-down top-k runs on the workers (owner check by name) and returns the same rows"
lpt_is "$(alice "$W1" "SELECT string_agg(item || ':' || score, ',' ORDER BY score DESC, item) FROM linkpred_topk(7::bigint, 5, 'al')")" \
	"$(alice "$C" "SELECT string_agg(item || ':' || score, ',' ORDER BY score DESC, item) FROM linkpred_topk(7::bigint, 5, 'al')")" \
	"the role serves on a worker directly as on the coordinator"
coord "CREATE ROLE lp_citus_bob LOGIN; GRANT SELECT ON d_users TO lp_citus_bob" >/dev/null
lpt_like "$(PGUSER=lp_citus_bob on_err "$C" "$(printf "$AL_LATERAL" d_users)")" \
	'permission denied for linkpred model "al"' "another role may not serve from it through the workers"

# fresh => true reads the model's source, by name on a worker: the
# distributed table (nested distributed execution, allowed by the setup)
FRESH=${LATERAL//\'gw\')/\'gw\', fresh => true)}
fresh_want=$(coord "$(printf "$FRESH" l_users)")
lpt_isnt "$fresh_want" "" "a fresh top-k over the plain table returns rows"
lpt_is "$(coord "$(printf "$FRESH" d_users)")" "$fresh_want" \
	"a fresh top-k pushed to the workers reads the source there and returns the same rows"

lpt_is "$(PGUSER=lp_citus_bob on "$W1" "SELECT count(*) FROM linkpred.models")/$(PGUSER=lp_citus_bob on "$W1" "SELECT count(*) FROM linkpred.versions")" "0/0" \
	"on a worker another role sees no model and no version of it"

# Not working, shown so that a change is noticed: Citus checks a view's
# tables against the role querying it (citus#1683, citus#6161), so after
# the setup linkpred.embeddings, a plain view, answers superusers only
lpt_like "$(alice_err "$C" "SELECT count(*) FROM linkpred.embeddings")" 'permission denied for table embedding_store_[0-9]+' \
	"after the setup a role that is not a superuser cannot read linkpred.embeddings (Citus checks the view's tables as that role)"

# a model whose owner role a worker lacks (renamed there alone): it fails
# there, naming the role
coord "CREATE ROLE lp_citus_dave LOGIN; GRANT SELECT ON d_edges TO lp_citus_dave" >/dev/null
PGUSER=lp_citus_dave on "$C" "SELECT linkpred_train('dm', 'd_edges', 'user_id', 'item_id', options => '{\"dim\": 4, \"epochs\": 1, \"seed\": 1}')" >/dev/null
on "$W1" "SET citus.enable_ddl_propagation = off; SET citus.enable_create_role_propagation = off;
          ALTER ROLE lp_citus_dave RENAME TO lp_citus_dave_w1" >/dev/null
lpt_like "$(on_err "$W1" "SELECT linkpred_score(1::bigint, 2::bigint, 'dm')")" \
	'role lp_citus_dave, the owner of linkpred model "dm", does not exist on this node' \
	"a model whose owner role a worker lacks fails there, naming the role"
lpt_is "$(on "$W2" "SELECT linkpred_score(1::bigint, 2::bigint, 'dm') IS NOT NULL")" t \
	"and serves on a worker that has the role"
