#!/usr/bin/env bash
# Citus: a coordinator and two workers the test starts (clusters of their
# own, each on a Unix socket in its own directory, citus preloaded), linkpred
# installed on the coordinator and propagated by Citus to the workers:
#
#   a model trains from a distributed edge table (job done, every edge read);
#   before linkpred_citus_setup() a lateral top-k that Citus pushes to the
#   workers fails there (the workers have no models), and the call
#   converts exactly the three serving tables;
#   after it, a lateral top-k over a distributed users table runs on the
#   workers (EXPLAIN: Citus Adaptive, one task per shard) and returns
#   exactly the rows of the same query over a plain table;
#   linkpred_score over a distributed table's rows equals it over the plain copy;
#   linkpred_topk_many run per shard (run_command_on_shards) returns k rows
#   for every user of every shard, the same rows as on the plain table;
#   a second call converts nothing; a retrain on the coordinator serves on
#   the workers (the new version's rows reached them).
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
coord_err() { PGHOST=$NODE_DIR/$C PGPORT=$C psql -X -q -d lp -c "$*" 2>&1 >/dev/null | grep -m1 '^ERROR' || true; }

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

lpt_is "$(coord "SET client_min_messages = warning; SELECT linkpred_citus_setup()" | tail -1)" \
	"{model_catalog,version_catalog,embedding_store}" "linkpred_citus_setup() makes the three serving tables reference tables"
lpt_is "$(coord "SELECT string_agg(logicalrelid::text || ':' || partmethod::text, ' ' ORDER BY 1)
                 FROM pg_dist_partition WHERE logicalrelid::text LIKE 'linkpred.%'" | tr ' ' '\n' | sort | tr '\n' ' ' | sed 's/ $//')" \
	"linkpred.embedding_store:n linkpred.model_catalog:n linkpred.version_catalog:n" \
	"Citus lists them as reference tables (partition method n)"
lpt_is "$(on "${NODES[1]}" "SELECT count(*) FROM linkpred.model_catalog")" 1 \
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

coord "SELECT linkpred_train('gw', 'd_edges', 'user_id', 'item_id', options => '{\"dim\": 8, \"epochs\": 2, \"seed\": 8}')" >/dev/null
lpt_is "$(on "${NODES[2]}" "SELECT active_version || ' ' || (SELECT count(*) FROM linkpred.embedding_store WHERE model = 'gw' AND version = 2) FROM linkpred.model_catalog WHERE name = 'gw'")" \
	"2 $(coord "SELECT count(*) FROM linkpred.embedding_store WHERE model = 'gw' AND version = 2")" \
	"a retrain on the coordinator reaches a worker: the new active version and all its vectors"
lpt_is "$(coord "$(printf "$LATERAL" d_users)")" "$(coord "$(printf "$LATERAL" l_users)")" \
	"after the retrain the pushed-down top-k still equals the plain one"
