#!/usr/bin/env bash
# Sharded sources: edges in a partitioned table whose partitions are
# postgres_fdw foreign tables on two shard servers the test starts (clusters
# of their own, each on a Unix socket in its own directory, local logins
# other than the owner's by password), read by a role that is no superuser
# through user mappings with a password, as postgres_fdw requires of one:
#
#   a model trained from the sharded table (bipartite with the default
#   encoder and with lightgcn, and a homogeneous graph) stores exactly the
#   embeddings, bit for bit, of the same model trained with the same seed
#   from a local table holding the same rows in the same order (the order
#   the partitioned table yields them: partition by partition, each in the
#   shard's order);
#   linkpred_evaluate on a sharded test relation measures exactly what it
#   measures on the local copy, and a holdout evaluation (a job reading
#   the sharded source) exactly what it measures on the local model;
#   a role with no user mapping is refused at submit with what to create
#   (SQLSTATE 42704), as is linkpred_evaluate's and fresh => true's read,
#   and with a PUBLIC mapping trains the same model;
#   a mapping without a password fails the job with postgres_fdw's own
#   message and detail, kept in linkpred.jobs and raised by linkpred_train;
#   with a shard server down, a retraining fails cleanly (SQLSTATE 08001,
#   a hint saying what to do) and the previous version still serves.
#
# The read time of the sharded and the local source is printed as comments.
# Skipped, with the reason, when postgres_fdw is not installed.
set -euo pipefail
source "$(dirname "$0")/lib.bash"

# exit status 77: test/run.sh counts the test as skipped, with the reason
if [ "$(lpt_psql postgres -c "SELECT count(*) FROM pg_available_extensions WHERE name = 'postgres_fdw'")" != 1 ]; then
	echo "1..0 # SKIP postgres_fdw is not installed in $(pg_config --sharedir)/extension (Debian ships it in postgresql-15)"
	exit 77
fi
lpt_start lp_shell_fdw

SHARDS=(5441 5442)
TRAINER=lp_fdw_trainer
NOMAP=lp_fdw_nomap
NOPW=lp_fdw_nopw
ROLES="$TRAINER $NOMAP $NOPW"

# the test's roles go after its database (lib.bash's lpt_servers_finish)
lpt_servers_cleanup() {
	local p
	for p in $ROLES; do lpt_psql postgres -c "DROP ROLE IF EXISTS $p" >/dev/null 2>&1; done
}

# ---------------------------------------------------------------- the shard servers

# each shard server in $SHARD_DIR/PORT (lp_plain_cluster_start, cluster.sh)
lpt_servers linkpred_fdw "${SHARDS[@]}"
SHARD_DIR=$LPT_SERVERS_DIR
shard_start() { lp_plain_cluster_start "$SHARD_DIR/$1" "$1"; }
shard_stop() { lp_plain_cluster_stop "$SHARD_DIR/$1" "$2"; }
# on_shard PORT SQL...: SQL in database shard of the shard server at PORT
on_shard() { local p=$1; shift; PGHOST=$SHARD_DIR/$p PGPORT=$p lpt_psql shard -c "$*"; }

# The graphs, by rows in one order: the bipartite one (300 users, 100 items,
# about 8,600 edges, as lpt_small_edges), the test pairs, a homogeneous one
# (400 nodes); users 1-150 (nodes 1-200) on the first shard, the rest on the second.
EDGES="SELECT u::bigint AS user_id, i::bigint AS item_id
       FROM generate_series(1, 300) u, generate_series(1, 100) i
       WHERE (u * 37 + i * 11) % 7 < 2"
TESTS="SELECT u::bigint AS user_id, i::bigint AS item_id, ((u * 37 + i * 11) % 7 < 3) AS label
       FROM generate_series(1, 300) u, generate_series(1, 100) i
       WHERE (u * 13 + i * 5) % 11 = 0"
LINKS="SELECT a::bigint AS a, b::bigint AS b
       FROM generate_series(1, 400) a, generate_series(1, 400) b
       WHERE a <> b AND (a * 31 + b * 17) % 97 < 3"
# the rows of QUERY in WHERE, in one order
rows() { echo "SELECT * FROM ($1) g WHERE $2 ORDER BY 1, 2"; }
SPLIT=(150 200)		# the last user and node of the first shard

i=0
for p in "${SHARDS[@]}"; do
	lpt_ok "shard server $((i + 1)) starts on port $p" shard_start "$p"
	if [ "$i" -eq 0 ]; then
		uw="user_id <= ${SPLIT[0]}"; nw="a <= ${SPLIT[1]}"
	else
		uw="user_id > ${SPLIT[0]}"; nw="a > ${SPLIT[1]}"
	fi
	PGHOST=$SHARD_DIR/$p PGPORT=$p lpt_psql postgres -c "CREATE DATABASE shard" >/dev/null
	on_shard "$p" "CREATE TABLE edges AS $(rows "$EDGES" "$uw");
	               CREATE TABLE tests AS $(rows "$TESTS" "$uw");
	               CREATE TABLE links AS $(rows "$LINKS" "$nw");
	               CREATE ROLE reader LOGIN PASSWORD 'shard secret';
	               GRANT SELECT ON edges, tests, links TO reader" >/dev/null
	i=$((i + 1))
done

# ---------------------------------------------------------------- the main server

lpt_sql "CREATE EXTENSION postgres_fdw" >/dev/null
for p in $ROLES; do lpt_psql postgres -c "DROP ROLE IF EXISTS $p" -c "CREATE ROLE $p LOGIN" >/dev/null; done
for s in 1 2; do
	p=${SHARDS[$((s - 1))]}
	lpt_sql "CREATE SERVER shard$s FOREIGN DATA WRAPPER postgres_fdw
	             OPTIONS (host '$SHARD_DIR/$p', port '$p', dbname 'shard');
	         CREATE USER MAPPING FOR $TRAINER SERVER shard$s OPTIONS (user 'reader', password 'shard secret');
	         CREATE USER MAPPING FOR $NOPW SERVER shard$s OPTIONS (user 'reader')" >/dev/null
done
# parent KEY TABLE COLUMNS: a partitioned table by range of KEY, one foreign
# partition per shard server reading TABLE there
sharded() {
	lpt_sql "CREATE TABLE $1 ($4) PARTITION BY RANGE ($2);
	         CREATE FOREIGN TABLE ${1}_1 PARTITION OF $1 FOR VALUES FROM (MINVALUE) TO ($5)
	             SERVER shard1 OPTIONS (table_name '$3');
	         CREATE FOREIGN TABLE ${1}_2 PARTITION OF $1 FOR VALUES FROM ($5) TO (MAXVALUE)
	             SERVER shard2 OPTIONS (table_name '$3')" >/dev/null
}
sharded s_edges user_id edges "user_id bigint, item_id bigint" $((SPLIT[0] + 1))
sharded s_tests user_id tests "user_id bigint, item_id bigint, label boolean" $((SPLIT[0] + 1))
sharded s_links a links "a bigint, b bigint" $((SPLIT[1] + 1))
lpt_sql "CREATE TABLE l_edges AS $(rows "$EDGES" true);
         CREATE TABLE l_tests AS $(rows "$TESTS" true);
         CREATE TABLE l_links AS $(rows "$LINKS" true);
         GRANT SELECT ON s_edges, s_edges_1, s_tests, s_links, l_edges, l_tests, l_links TO ${ROLES// /, }" >/dev/null
lpt_is "$(lpt_sql "SELECT string_agg(relname || ':' || relkind::text, ' ' ORDER BY relname) FROM pg_class
                   WHERE relname IN ('s_edges', 's_edges_1', 's_edges_2')")" "s_edges:p s_edges_1:f s_edges_2:f" \
	"s_edges is a partitioned table of two foreign tables"

# as ROLE: SQL in the test's database
as() { local r=$1; shift; PGUSER=$r lpt_psql "$LPT_DB" -c "$*"; }
# as_verbose ROLE SQL: the ERROR, DETAIL and HINT lines SQL raises as ROLE
as_verbose() {
	PGUSER=$1 timeout "$LPT_CALL_LIMIT" psql -X -q -A -t -v VERBOSITY=verbose -d "$LPT_DB" -c "$2" 2>&1 |
		grep -E '^(ERROR|DETAIL|HINT)' || true
}
lpt_is "$(as "$TRAINER" "SELECT rolsuper FROM pg_roles WHERE rolname = current_user")" f "$TRAINER is no superuser"
lpt_is "$(as "$TRAINER" "SELECT (SELECT md5(string_agg(t::text, ',')) FROM s_edges t)
                              = (SELECT md5(string_agg(t::text, ',')) FROM l_edges t)")" t \
	"$TRAINER reads the same rows in the same order from s_edges and l_edges"

# a role that is no superuser reads both sources: the time of the loader's read
read_ms() {
	local t0
	t0=$(date +%s%N)
	as "$TRAINER" "SELECT user_id, item_id FROM $1" >/dev/null
	echo $((($(date +%s%N) - t0) / 1000000))
}
for rel in s_edges l_edges s_edges l_edges; do ms=$(read_ms "$rel"); done
lpt_diag "reading the $(lpt_sql "SELECT count(*) FROM l_edges") edges: s_edges (sharded) $(read_ms s_edges) ms, l_edges (local) $(read_ms l_edges) ms"

# ---------------------------------------------------------------- equal models

# embeddings MODEL: every stored row of MODEL's active version, as one digest
embeddings() {
	lpt_sql "SELECT count(*) || ' ' || md5(string_agg(concat_ws(' ', side, idx, key, degree, bias, vec::text), ','
	                                                   ORDER BY side, idx))
	               FROM linkpred.embeddings e JOIN linkpred.models m
	                 ON m.name = e.model AND m.active_version = e.version
	               WHERE e.model = '$1'"
}
# train ROLE MODEL RELATION SRC DST OPTIONS: a training, waited for; prints its job's elapsed ms
train() {
	as "$1" "SELECT linkpred_train('$2', '$3', '$4', '$5', options => '$6')" >/dev/null
	as "$1" "SELECT round(extract(epoch FROM elapsed) * 1000) FROM linkpred.jobs
	         WHERE model = '$2' ORDER BY id DESC LIMIT 1"
}
# same NAME RELATIONS SRC DST OPTIONS: NAME trained from s_RELATIONS and l_RELATIONS, the same stored
same() {
	local ts tl
	ts=$(train "$TRAINER" "s_$1" "s_$2" "$3" "$4" "$5")
	tl=$(train "$TRAINER" "l_$1" "l_$2" "$3" "$4" "$5")
	local es el
	es=$(embeddings "s_$1")
	el=$(embeddings "l_$1")
	lpt_like "$es" '^[1-9][0-9]* [0-9a-f]{32}$' "$1: the model from s_$2 stores its embeddings"
	lpt_is "$es" "$el" "$1: they equal, row for row and bit for bit, those of the model from l_$2"
	lpt_diag "$1: the job took $ts ms from s_$2, $tl ms from l_$2"
}
same mf edges user_id item_id '{"dim": 16, "epochs": 5, "seed": 1}'
same gcn edges user_id item_id '{"encoder": "lightgcn", "dim": 16, "epochs": 5, "seed": 3}'
same homog links a b '{"bipartite": false, "dim": 16, "epochs": 5, "seed": 5}'
# Why the order: the loader numbers ids in the order they first appear, and
# the vectors' random start follows those numbers; nothing else depends on
# the order (each source's targets are sorted, repeated edges merged).  The
# same rows with every id's first row where it was and the others moved
# train the same model; the same rows in another order, another one.
lpt_sql "CREATE TABLE l_moved AS
             WITH n AS (SELECT row_number() OVER () AS rn, * FROM l_edges),
             f AS (SELECT min(rn) AS rn FROM n GROUP BY user_id UNION SELECT min(rn) FROM n GROUP BY item_id)
             SELECT user_id, item_id FROM n
             ORDER BY rn NOT IN (SELECT rn FROM f), CASE WHEN rn IN (SELECT rn FROM f) THEN rn ELSE rn * 7919 % 10007 END;
         CREATE TABLE l_other AS SELECT * FROM l_edges ORDER BY item_id, user_id;
         GRANT SELECT ON l_moved, l_other TO $TRAINER" >/dev/null
lpt_isnt "$(lpt_sql "SELECT md5(string_agg(t::text, ',')) FROM l_moved t")" \
	"$(lpt_sql "SELECT md5(string_agg(t::text, ',')) FROM l_edges t")" "l_moved holds the rows in another order"
mf='{"dim": 16, "epochs": 5, "seed": 1}'
train "$TRAINER" moved l_moved user_id item_id "$mf" >/dev/null
train "$TRAINER" other l_other user_id item_id "$mf" >/dev/null
lpt_is "$(embeddings moved)" "$(embeddings s_mf)" \
	"the rows in another order but every id first where it was (l_moved): the same model"
lpt_isnt "$(embeddings other)" "$(embeddings s_mf)" \
	"the rows by item, then user (l_other): another model, with the same seed"
lpt_is "$(as "$TRAINER" "SELECT stats->>'rows' FROM linkpred.jobs WHERE model = 's_mf'")" \
	"$(lpt_sql "SELECT count(*) FROM l_edges")" "the job read every row of both shards"

train "$TRAINER" part1 s_edges_1 user_id item_id "$mf" >/dev/null
lpt_is "$(as "$TRAINER" "SELECT stats->>'rows' FROM linkpred.jobs WHERE model = 'part1'")" \
	"$(lpt_sql "SELECT count(*) FROM l_edges WHERE user_id <= ${SPLIT[0]}")" "a foreign table (one partition) trains too"

# ---------------------------------------------------------------- evaluation

# figures SQL: the rows of a linkpred_evaluate call, in full precision
figures() { as "$TRAINER" "SELECT string_agg(metric || '@' || coalesce(k, 0) || '=' || value, ' ' ORDER BY metric, k) FROM ($1) f"; }
fs=$(figures "SELECT * FROM linkpred_evaluate('s_mf', test => 's_tests', label => 'label', k => '{5,10}')")
fl=$(figures "SELECT * FROM linkpred_evaluate('l_mf', test => 'l_tests', label => 'label', k => '{5,10}')")
lpt_like "$fs" '^auc@0=(0\.[0-9]+|1) ' "linkpred_evaluate measures s_mf on the sharded s_tests"
lpt_is "$fs" "$fl" "exactly as l_mf on the local l_tests"
lpt_is "$(figures "SELECT * FROM linkpred_evaluate('l_mf', test => 's_tests', label => 'label', k => '{5,10}')")" "$fl" \
	"l_mf measures the same on s_tests as on l_tests"
fs=$(figures "SELECT * FROM linkpred_evaluate('s_mf', k => '{10}', seed => 7)")
fl=$(figures "SELECT * FROM linkpred_evaluate('l_mf', k => '{10}', seed => 7)")
lpt_like "$fs" '^auc@0=(0\.[0-9]+|1) ' "a holdout evaluation of s_mf reads the sharded source in a job"
lpt_is "$fs" "$fl" "and measures exactly what it measures for l_mf"

# ---------------------------------------------------------------- user mappings

out=$(as_verbose "$NOMAP" "SELECT linkpred_train('nomap', 's_edges', 'user_id', 'item_id')")
lpt_diag "what $NOMAP gets:" "$out"
lpt_like "$out" "^ERROR:  42704: role \"$NOMAP\" has no user mapping for foreign server \"shard1\"" \
	"a role without a user mapping is refused at submit (42704), naming the server"
lpt_like "$out" "DETAIL:  linkpred reads foreign table public.s_edges_1 through server \"shard1\" as role \"$NOMAP\"" \
	"the detail names the partition and the role the job reads as"
lpt_like "$out" "HINT:  Create one: CREATE USER MAPPING FOR $NOMAP SERVER shard1 OPTIONS \(user '...', password '...'\), or one FOR PUBLIC\." \
	"the hint says what to create"
lpt_is "$(as "$NOMAP" "SELECT count(*) FROM linkpred.jobs WHERE model = 'nomap'")" 0 "no job was queued"
lpt_sql "REVOKE SELECT ON s_links FROM $NOMAP" >/dev/null
lpt_like "$(as_verbose "$NOMAP" "SELECT linkpred_train('nomap', 's_links', 'a', 'b', options => '{\"bipartite\": false}')")" \
	'^ERROR:  42501: permission denied for relation public.s_links' \
	"a role that may not select the partitioned table is refused that first (42501)"
train "$NOMAP" nomap_local l_edges user_id item_id '{"dim": 16, "epochs": 5, "seed": 1}' >/dev/null
out=$(as_verbose "$NOMAP" "SELECT count(*) FROM linkpred_evaluate('nomap_local', test => 's_tests')")
lpt_like "$out" "^ERROR:  42704: role \"$NOMAP\" has no user mapping for foreign server \"shard1\"" \
	"linkpred_evaluate on a sharded test relation refuses the role the same way"
# fresh => true reads the model's source as the caller: a member of the
# model's owner with no mapping of its own is told the same
lpt_sql "GRANT $TRAINER TO $NOMAP" >/dev/null
lpt_like "$(as_verbose "$NOMAP" "SELECT linkpred_score(1::bigint, 2::bigint, model => 's_mf', fresh => true)")" \
	"^ERROR:  42704: role \"$NOMAP\" has no user mapping for foreign server \"shard1\"" \
	"linkpred_score(..., fresh => true) of a sharded model refuses the role the same way"
lpt_like "$(as "$TRAINER" "SELECT linkpred_score(1::bigint, 2::bigint, model => 's_mf', fresh => true)")" '^-?[0-9]' \
	"and scores for $TRAINER, reading the user's rows from the shards"
lpt_sql "REVOKE $TRAINER FROM $NOMAP" >/dev/null
lpt_sql "CREATE USER MAPPING FOR PUBLIC SERVER shard1 OPTIONS (user 'reader', password 'shard secret');
         CREATE USER MAPPING FOR PUBLIC SERVER shard2 OPTIONS (user 'reader', password 'shard secret')" >/dev/null
train "$NOMAP" nomap s_edges user_id item_id '{"dim": 16, "epochs": 5, "seed": 1}' >/dev/null
lpt_is "$(embeddings nomap)" "$(embeddings s_mf)" \
	"with PUBLIC mappings, $NOMAP trains the same model from s_edges"

out=$(as_verbose "$NOPW" "SELECT linkpred_train('nopw', 's_edges', 'user_id', 'item_id')")
lpt_like "$out" "^ERROR:  2F003: password is required" \
	"a mapping without a password fails the job of a role that is no superuser with postgres_fdw's error"
lpt_like "$out" "DETAIL:  Non-superusers must provide a password in the user mapping" "and keeps its detail"
lpt_is "$(as "$NOPW" "SELECT state || ' ' || error_sqlstate FROM linkpred.jobs WHERE model = 'nopw'")" "failed 2F003" \
	"linkpred.jobs records it"

# ---------------------------------------------------------------- a shard down

v1=$(as "$TRAINER" "SELECT active_version FROM linkpred.models WHERE name = 's_mf'")
before=$(PGUSER=$TRAINER lpt_fingerprint s_mf)
lpt_like "$before" "^$v1 \| -?[0-9]" "s_mf serves version $v1"
lpt_ok "the second shard server stops" \
	shard_stop "${SHARDS[1]}" fast
out=$(as_verbose "$TRAINER" "SELECT linkpred_train('s_mf', 's_edges', 'user_id', 'item_id',
                                                   options => '{\"dim\": 16, \"epochs\": 5, \"seed\": 2}')")
lpt_diag "with a shard down:" "$out"
lpt_like "$out" '^ERROR:  08001: could not connect to server "shard2"' \
	"a retraining with a shard down fails with postgres_fdw's error (08001)"
lpt_like "$out" "HINT:  .*(start|Start)" "with a hint saying what to do"
lpt_is "$(as "$TRAINER" "SELECT state FROM linkpred.jobs WHERE model = 's_mf' ORDER BY id DESC LIMIT 1")" failed \
	"the job is failed"
lpt_is "$(PGUSER=$TRAINER lpt_fingerprint s_mf)" "$before" "s_mf still serves version $v1, the same scores"
lpt_is "$(as "$TRAINER" "SELECT count(*) FROM linkpred.versions WHERE model = 's_mf'")" 1 "and stored no other version"
lpt_is "$(lpt_stray_embeddings s_mf)" 0 "nor embeddings of a half-written one"
