#!/usr/bin/env bash
# docs.sh: README.md (with the pages of docs/ it links to) documents
# everything a user can name, read from the installed extension rather than
# from a list kept by hand:
#
#   every function the extension owns has its section in the function
#   reference ("### name"), or, for the few that are not called directly
#   (set-returning helpers behind the views), is named in README;
#   every view and table of schema linkpred is named there;
#   every linkpred.* setting has its row in the Configuration table, and
#   the default the row gives is the setting's boot value;
#   every key of a trained model's stored options (the whole option set:
#   the job stores every option, given or defaulted) has its row in the
#   Training options table;
#   every link of README.md (and of docs/*.md, if any) to a heading or to a
#   file of the checkout resolves.
#
# A new function, setting or option without its documentation fails here.
set -euo pipefail
source "$(dirname "$0")/lib.bash"
lpt_start lp_shell_docs

readme=$LP_SRC/README.md
lpt_ok "README.md exists" test -f "$readme"
# README.md and its pages in docs/
all_docs=("$readme")
for f in "$LP_SRC"/docs/*.md; do [ -f "$f" ] && all_docs+=("$f"); done

# missing LIST PATTERN [FILE...]: the words of LIST whose PATTERN (%s: the
# word, as a fixed string inside an extended regex) none of the FILEs
# (README.md if none is given) matches
missing() {
	local w out= list=$1 pattern=$2
	shift 2
	[ $# -gt 0 ] || set -- "$readme"
	for w in $list; do
		# shellcheck disable=SC2059
		grep -Eqs -- "$(printf "$pattern" "$(sed 's/[.[\*^$()+?{|]/\\&/g' <<<"$w")")" "$@" ||
			out="$out $w"
	done
	echo "${out# }"
}

# ---------------------------------------------------------------- functions
funcs=$(lpt_sql "SELECT DISTINCT p.proname FROM pg_depend d JOIN pg_proc p ON p.oid = d.objid
                 WHERE d.classid = 'pg_proc'::regclass AND d.deptype = 'e'
                   AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'linkpred')
                 ORDER BY 1")
lpt_like "$(wc -w <<<"$funcs")" '^[1-9][0-9]+$' "the extension owns functions ($(wc -w <<<"$funcs"))"
public=$(lpt_sql "SELECT DISTINCT p.proname FROM pg_depend d JOIN pg_proc p ON p.oid = d.objid
                  WHERE d.classid = 'pg_proc'::regclass AND d.deptype = 'e'
                    AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'linkpred')
                    AND p.pronamespace = 'public'::regnamespace AND p.proname LIKE 'linkpred\_%'
                    AND p.prorettype <> 'trigger'::regtype
                  ORDER BY 1")
lpt_is "$(missing "$public" '^### %s$')" "" "every public linkpred_* function has a section in the function reference"
lpt_is "$(missing "$funcs" '%s' "${all_docs[@]}")" "" "every function of the extension is named in README.md or docs/"

# ---------------------------------------------------------------- views and tables
rels=$(lpt_sql "SELECT c.relname FROM pg_class c WHERE c.relnamespace = 'linkpred'::regnamespace
                AND c.relkind IN ('r', 'v', 'p') ORDER BY 1")
lpt_is "$(missing "$(sed 's/^/linkpred./' <<<"$rels")" '%s' "${all_docs[@]}")" "" \
	"every table and view of schema linkpred is named in README.md or docs/"

# ---------------------------------------------------------------- settings
# the settings exist once the library is loaded in the session
gucs=$(lpt_sql "LOAD 'linkpred'; SELECT name || '=' || boot_val || coalesce(unit, '')
                FROM pg_settings WHERE name LIKE 'linkpred.%' ORDER BY 1")
lpt_like "$(wc -w <<<"$gucs")" '^[1-9]' "the library defines linkpred.* settings ($(wc -w <<<"$gucs"))"
lpt_is "$(missing "$(sed 's/=.*//' <<<"$gucs")" '^\| `%s` \|')" "" "every setting has its row in the Configuration table"
# the documented default against the boot value, sizes both in kB (1GB = 1048576kB; a
# setting in MB boots as 16MB)
in_kb() {
	case "$1" in
		''|"''") echo "" ;;
		*GB) echo "$(( ${1%GB} * 1048576 ))kB" ;;
		*MB) echo "$(( ${1%MB} * 1024 ))kB" ;;
		*) echo "$1" ;;
	esac
}
wrong=
while IFS='=' read -r name boot; do
	doc=$(grep -E "^\| \`$name\` \|" "$readme" | head -n 1 | awk -F'|' '{print $3}' | tr -d ' `')
	[ "$(in_kb "$doc")" = "$(in_kb "$boot")" ] || wrong="$wrong $name($doc vs $boot)"
done <<<"$gucs"
lpt_is "${wrong# }" "" "every setting's documented default is its boot value"

# ---------------------------------------------------------------- training options
lpt_small_edges small_edges
lpt_sql "SELECT linkpred_train('m', 'small_edges', 'user_id', 'item_id',
                               options => '{\"dim\": 8, \"epochs\": 1, \"seed\": 1}')" >/dev/null
opts=$(lpt_sql "SELECT jsonb_object_keys(options) FROM linkpred.models WHERE name = 'm' ORDER BY 1")
lpt_like "$(wc -w <<<"$opts")" '^[1-9][0-9]+$' "a trained model stores its whole option set ($(wc -w <<<"$opts") keys)"
lpt_is "$(missing "$opts" '^\| `%s` \|')" "" "every stored option has its row in the Training options table"


# ---------------------------------------------------------------- links
# anchors FILE: the GitHub anchors of FILE's headings (outside code blocks):
# lower case, characters other than letters, digits, _, - and space dropped,
# spaces as hyphens, a repeated heading numbered -1, -2, ...
anchors() {
	awk '/^```/ { code = !code; next } !code && /^#+ / { sub(/^#+ /, ""); print }' "$1" |
		tr '[:upper:]' '[:lower:]' | LC_ALL=C sed 's/[^a-z0-9_ -]//g; s/ /-/g' |
		awk '{ n[$0]++; print (n[$0] > 1 ? $0 "-" (n[$0] - 1) : $0) }'
}
# links FILE: FILE's markdown link targets that are not URLs, one a line
links() {
	awk '/^```/ { code = !code; next } !code' "$1" | grep -oE '\]\([^) ]+\)' |
		sed 's/^](//; s/)$//' | grep -vE '^[a-z]+:' || true
}
broken=
for doc in "$readme" "$LP_SRC"/docs/*.md; do
	[ -f "$doc" ] || continue
	dir=$(dirname "$doc")
	while read -r target; do
		[ -n "$target" ] || continue
		file=${target%%#*}
		anchor=
		[[ "$target" == *"#"* ]] && anchor=${target#*#}
		path=$doc
		[ -z "$file" ] || path=$dir/$file
		if [ ! -e "$path" ]; then
			broken="$broken ${doc#"$LP_SRC"/}:$target"
		elif [ -n "$anchor" ] && ! grep -qxF -- "$anchor" <<<"$(anchors "$path")"; then
			broken="$broken ${doc#"$LP_SRC"/}:$target"
		fi
	done < <(links "$doc")
done
lpt_is "${broken# }" "" "every link of README.md (and docs/) to a heading or a file resolves"
