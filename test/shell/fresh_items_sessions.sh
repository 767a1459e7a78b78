#!/usr/bin/env bash
# fresh_items => true in a session kept open while other sessions change the
# item attribute relation.  The session keeps the version, its attribute
# vectors and the plan that reads the relation (src/serve/fresh_scan.c),
# but never what it read: another session's committed insert, update or
# delete is served by its next statement, an uncommitted one is not, and a
# REPEATABLE READ transaction keeps serving its snapshot.  At every step
# the kept session serves what a new session serves (new items and scores).
set -euo pipefail

source "$(dirname "$0")/lib.bash"
lpt_start lp_shell_fresh_sessions

lpt_sql "CREATE TABLE ev AS
         SELECT u AS user_id, i AS item_id FROM generate_series(0, 59) u, generate_series(1, 400) i
         WHERE (hashint4(u * 7919 + i) & 15) = 0 AND i % 4 = u % 4;
         CREATE TABLE items (item_id int PRIMARY KEY, category text, price float8);
         INSERT INTO items SELECT i, 'c' || (i % 4), 10 + (i % 4) * 5 FROM generate_series(1, 400) i;" >/dev/null
lpt_sql "SELECT linkpred_train('m', 'ev', 'user_id', 'item_id',
         options => '{\"seed\": 1, \"dim\": 8, \"epochs\": 3,
                      \"item_features\": {\"relation\": \"items\", \"key\": \"item_id\", \"columns\": [\"category\", \"price\"]}}')" >/dev/null

# the new items user 3 is served and their scores, one line
NEW="SELECT coalesce(string_agg(item || ':' || score, ',' ORDER BY item), 'none')
     FROM linkpred_topk(3, 1000, 'm', fresh_items => true) WHERE linkpred_score(3, item, 'm') IS NULL;"

# a session kept open: statements in through a fifo, answers out in a file
start_session() {
	local in out
	in=$(lpt_tmpfile)
	out=$(lpt_tmpfile)
	rm -f "$in"
	mkfifo "$in"
	timeout "$LPT_CALL_LIMIT" psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$LPT_DB" <"$in" >"$out" 2>&1 &
	eval "${1}_PID=$! ${1}_OUT=$out ${1}_N=0"
	eval "exec ${2}>\"$in\""
}
# in_session NAME FD SQL: run SQL in the session, its last output line in GOT
in_session() {
	local n out
	eval "${1}_N=\$((${1}_N + 1)); n=\$${1}_N; out=\$${1}_OUT"
	echo "$3 SELECT 'end $n';" >&"$2"
	lpt_wait_until 60 grep -qx "end $n" "$out" || { cat "$out" >&2; return 1; }
	GOT=$(grep -x -B1 "end $n" "$out" | head -n 1)
}

start_session held 3
start_session writer 4

in_session held 3 "$NEW"
lpt_is "$GOT" none "the kept session: no new item before any is inserted"

lpt_sql "INSERT INTO items VALUES (1000, 'c1', 15)" >/dev/null
in_session held 3 "$NEW"
lpt_like "$GOT" '^1000:' "another session's committed insert is served by the next statement"
lpt_is "$GOT" "$(lpt_sql "$NEW")" "as a new session serves it"

in_session writer 4 "BEGIN; INSERT INTO items VALUES (1001, 'c2', 20);"
in_session held 3 "$NEW"
lpt_unlike_1001() { ! grep -q '1001:' <<<"$GOT"; }
lpt_ok "an uncommitted insert is not served" lpt_unlike_1001
in_session writer 4 "COMMIT;"
in_session held 3 "$NEW"
lpt_like "$GOT" '^1000:[^,]*,1001:' "once committed, it is"

BEFORE=$GOT
lpt_sql "UPDATE items SET category = 'c3', price = 25 WHERE item_id = 1000" >/dev/null
in_session held 3 "$NEW"
lpt_isnt "$GOT" "$BEFORE" "an update of a new item's attributes changes its score at the next statement"
lpt_is "$GOT" "$(lpt_sql "$NEW")" "to the score a new session gives it"

lpt_sql "UPDATE items SET item_id = 1500 WHERE item_id = 1001" >/dev/null
in_session held 3 "$NEW"
lpt_like "$GOT" '^1000:[^,]*,1500:[^,]*$' "a key changed by another session: served under the new key only"

in_session held 3 "BEGIN ISOLATION LEVEL REPEATABLE READ; $NEW"
SNAP=$GOT
lpt_sql "DELETE FROM items WHERE item_id = 1000" >/dev/null
in_session held 3 "$NEW"
lpt_is "$GOT" "$SNAP" "a REPEATABLE READ transaction keeps serving its snapshot"
in_session held 3 "COMMIT; $NEW"
lpt_like "$GOT" '^1500:[^,]*$' "after it, the delete is seen"
lpt_is "$GOT" "$(lpt_sql "$NEW")" "as a new session sees it"

lpt_sql "DELETE FROM items WHERE item_id = 1500" >/dev/null
in_session held 3 "$NEW"
lpt_is "$GOT" none "every new item deleted: none is served"

exec 3>&- 4>&-
wait "$held_PID" "$writer_PID"
