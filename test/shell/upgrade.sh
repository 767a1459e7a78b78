#!/usr/bin/env bash
# The upgrade path from the released 0.1.0:
#
#   CREATE EXTENSION linkpred VERSION '0.1.0' installs 0.1.0; a model trained
#   and stored there serves the same scores and top-k after ALTER EXTENSION
#   linkpred UPDATE, which brings it to the default version, 0.2.0;
#   an upgraded 0.1.0 holds exactly the objects of a fresh 0.2.0 install:
#   every member object of the extension with its comment, each function's
#   full definition and privileges, each table's columns, constraints,
#   indexes, privileges and policies, each view's query, and the tables
#   pg_dump keeps (so the install and upgrade scripts cannot drift apart);
#   in 0.2.0 every member object has a comment.
set -euo pipefail
source "$(dirname "$0")/lib.bash"

# the fresh install of the default version, the reference
lpt_start lp_shell_upgrade
FRESH=$LPT_DB

# members DB: one line per member object of linkpred in DB, all it is made of
MEMBERS="WITH m AS (
    SELECT classid, objid, objsubid FROM pg_catalog.pg_depend
    WHERE refclassid = 'pg_catalog.pg_extension'::regclass AND deptype = 'e'
      AND refobjid = (SELECT oid FROM pg_catalog.pg_extension WHERE extname = 'linkpred'))
SELECT pg_describe_object(classid, objid, objsubid) || ' | ' ||
       coalesce(obj_description(objid, (SELECT relname FROM pg_class WHERE oid = classid)), '(no comment)') || ' | ' ||
       CASE classid
       WHEN 'pg_proc'::regclass THEN
           pg_get_functiondef(objid) || ' ' || coalesce((SELECT proacl::text FROM pg_proc WHERE oid = objid), '')
       WHEN 'pg_class'::regclass THEN concat_ws(' ; ',
           (SELECT relkind::text || ' ' || coalesce(relacl::text, '') || ' ' || relrowsecurity FROM pg_class WHERE oid = objid),
           (SELECT string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod) || ' ' || a.attnotnull
                              || ' ' || a.attstorage::text || ' ' || coalesce(pg_get_expr(d.adbin, d.adrelid), ''),
                              ', ' ORDER BY a.attnum)
            FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
            WHERE a.attrelid = objid AND a.attnum > 0 AND NOT a.attisdropped),
           (SELECT string_agg(conname || ' ' || pg_get_constraintdef(oid), ', ' ORDER BY conname)
            FROM pg_constraint WHERE conrelid = objid),
           (SELECT string_agg(pg_get_indexdef(indexrelid), ', ' ORDER BY 1) FROM pg_index WHERE indrelid = objid),
           (SELECT string_agg(polname || ' ' || polcmd::text || ' ' || coalesce(pg_get_expr(polqual, polrelid), '')
                              || ' ' || coalesce(pg_get_expr(polwithcheck, polrelid), ''), ', ' ORDER BY polname)
            FROM pg_policy WHERE polrelid = objid),
           (SELECT pg_get_viewdef(objid) FROM pg_class WHERE oid = objid AND relkind = 'v'))
       WHEN 'pg_namespace'::regclass THEN (SELECT coalesce(nspacl::text, '') FROM pg_namespace WHERE oid = objid)
       ELSE '' END
FROM m
UNION ALL
SELECT 'extconfig ' || extconfig::regclass[]::text || ' ' || extcondition::text || ' ' || extrelocatable
FROM pg_extension WHERE extname = 'linkpred'
ORDER BY 1"
members() { lpt_psql "$1" -c "$MEMBERS"; }
version() { lpt_psql "$1" -c "SELECT extversion FROM pg_extension WHERE extname = 'linkpred'"; }

default=$(sed -n "s/^default_version = '\(.*\)'$/\1/p" "$LP_SRC/linkpred.control")
lpt_is "$(version "$FRESH")" "$default" "CREATE EXTENSION installs the default version, $default"
lpt_is "$default" 0.2.0 "the default version is 0.2.0"
lpt_like "$(lpt_sql "SELECT string_agg(source || '>' || target, ' ') FROM pg_extension_update_paths('linkpred')
                     WHERE path IS NOT NULL")" '(^| )0\.1\.0>0\.2\.0( |$)' "there is an update path from 0.1.0 to 0.2.0"
fresh=$(members "$FRESH")
lpt_is "$(printf '%s\n' "$fresh" | grep -c ' | (no comment) | ' || true)" 0 "every object of 0.2.0 has a comment"

# ---------------------------------------------------------------- 0.1.0, a model, the update

lpt_new_db lp_shell_upgrade_old
LPT_DB=lp_shell_upgrade_old
lpt_sql "CREATE EXTENSION linkpred VERSION '0.1.0'" >/dev/null
lpt_is "$(version "$LPT_DB")" 0.1.0 "CREATE EXTENSION linkpred VERSION '0.1.0' installs 0.1.0"
lpt_isnt "$(members "$LPT_DB")" "$fresh" "0.1.0's objects differ from 0.2.0's (the comparison sees a difference)"

lpt_small_edges small_edges
lpt_serving_model
lpt_sql "CREATE TABLE recs (user_id bigint, item bigint, rank integer, score real)" >/dev/null
lpt_is "$(lpt_sql "SELECT linkpred_materialize('m', 'recs', 5)")" t "0.1.0's linkpred_materialize fills a table"
recs=$(lpt_sql "SELECT md5(string_agg(user_id || ':' || item || ':' || rank, ',' ORDER BY user_id, rank)) FROM recs")
# the 0.2.0 library on a 0.1.0 catalog (before the update): a model with
# item attributes trains and serves, its attribute rows left out (no table)
lpt_sql "CREATE TABLE small_items AS SELECT i::bigint AS id, (i % 4)::text AS grp FROM generate_series(1, 100) i" >/dev/null
lpt_is "$(lpt_sql "SELECT linkpred_wait(linkpred_train('ma', 'small_edges', 'user_id', 'item_id',
                     options => '{\"epochs\": 2, \"seed\": 1, \"item_features\": {\"relation\": \"small_items\", \"key\": \"id\", \"columns\": [\"grp\"]}}'))")" done \
	"on a 0.1.0 catalog, a model with item attributes trains (no attribute_store to write)"
lpt_like "$(lpt_sql "SELECT linkpred_score(1::bigint, 4::bigint, model => 'ma')")" '^-?[0-9]' \
	"and serves"

# a model of 20,000 users: its rows become 20 chunks of users (1,024 a chunk)
lpt_big_edges big_edges
lpt_sql "SELECT linkpred_train('mb', 'big_edges', 'user_id', 'item_id',
                               options => '{\"dim\": 8, \"epochs\": 1, \"seed\": 1}')" >/dev/null
NODES="concat_ws(' ', model, version, side, idx, key, degree, bias, vec, coalesce(seen::text, '-'))"
nodes=$(lpt_sql "SELECT md5(string_agg($NODES, ',' ORDER BY model, version, side, idx)) FROM linkpred.embedding_store")
MB_TOPK="SELECT string_agg(u || ':' || t.item || ':' || t.score, ',' ORDER BY u, t.score DESC, t.item)
         FROM unnest(ARRAY[1, 1024, 1025, 1500, 20000]::bigint[]) u, linkpred_topk(u, 5, model => 'mb') t"
mb_topk=$(lpt_sql "$MB_TOPK")

lpt_sql "ALTER EXTENSION linkpred UPDATE" >/dev/null
lpt_is "$(lpt_sql "SELECT md5(string_agg($NODES, ',' ORDER BY model, version, side, idx))
                   FROM (SELECT c.model, c.version, c.side, n.*
                         FROM linkpred.embedding_store c,
                              linkpred.embedding_nodes(c.idx, c.keys, c.degrees, c.biases, c.vecs,
                                                       c.seen, c.seen_ends) n) e")" "$nodes" \
	"the update turns 0.1.0's rows into chunks holding the same nodes, vectors and seen lists"
lpt_is "$(lpt_sql "SELECT count(*) || ' ' || min(cardinality(keys)) || ' ' || max(cardinality(keys))
                   FROM linkpred.embedding_store WHERE model = 'mb' AND side = 'u'")" "20 544 1024" \
	"model mb's 20,000 users are 20 chunks of at most 1,024"
lpt_is "$(lpt_sql "$MB_TOPK")" "$mb_topk" "model mb serves the same top-k from its chunks"
lpt_is "$(version "$LPT_DB")" 0.2.0 "ALTER EXTENSION linkpred UPDATE brings it to 0.2.0"
lpt_is "$(lpt_fingerprint m)" "$LPT_BEFORE" "the model trained under 0.1.0 serves the same scores and top-k under 0.2.0"
lpt_is "$(lpt_sql "SELECT linkpred_materialize('m', 'recs', 5)")" t "linkpred_materialize runs after the update"
lpt_is "$(lpt_sql "SELECT md5(string_agg(user_id || ':' || item || ':' || rank, ',' ORDER BY user_id, rank)) FROM recs")" \
	"$recs" "and writes the same recommendations"

upgraded=$(members "$LPT_DB")
if [ "$upgraded" == "$fresh" ]; then
	lpt_pass "an upgraded 0.1.0 holds exactly the objects of a fresh 0.2.0 ($(printf '%s\n' "$fresh" | wc -l) lines)"
else
	lpt_fail "an upgraded 0.1.0 holds exactly the objects of a fresh 0.2.0" \
		"$(diff <(printf '%s\n' "$fresh") <(printf '%s\n' "$upgraded") | cut -c1-200 | head -n 20)"
fi

# a model trained after the update serves too
lpt_sql "SELECT linkpred_train('m2', 'small_edges', 'user_id', 'item_id',
                               options => '{\"dim\": 8, \"epochs\": 2, \"seed\": 1}')" >/dev/null
lpt_like "$(lpt_sql "SELECT linkpred_score(1::bigint, 4::bigint, model => 'm2')")" '^-?[0-9]' \
	"a model trained after the update serves"
