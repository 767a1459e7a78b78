#!/usr/bin/env bash
# META.json, the PGXN distribution metadata, checked against the PGXN meta
# spec 1.0.0 (https://pgxn.org/meta/spec.txt) and against the checkout:
#
#   it is JSON, has the spec's required keys and no others but x_ keys, and
#   each value has the spec's form (SemVer versions, a known license, a
#   known release status, tags, prereqs phases and relationships);
#   its version is linkpred.control's default_version, and the one extension
#   it provides is that version, in the install script of that version.
set -euo pipefail
source "$(dirname "$0")/lib.bash"
lpt_start lp_shell_meta

meta=$(cat "$LP_SRC/META.json")
default=$(sed -n "s/^default_version = '\(.*\)'$/\1/p" "$LP_SRC/linkpred.control")
# q SQL: SQL over the jsonb value m (psql interpolates :'meta' only in input
# it reads, not in -c)
q() {
	echo "SELECT $1 FROM (SELECT :'meta'::jsonb AS m) x;" |
		lpt_psql "$LPT_DB" -v meta="$meta" -f - 2>&1 || echo "(query failed)"
}
SEMVER='^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$'

lpt_is "$(q "jsonb_typeof(m)")" object "META.json is a JSON object"
lpt_is "$(q "(SELECT string_agg(k, ' ' ORDER BY k) FROM unnest(ARRAY['name', 'version', 'abstract', 'maintainer',
                'license', 'provides', 'meta-spec']) k WHERE NOT m ? k)")" "" "it has every key the spec requires"
lpt_is "$(q "(SELECT string_agg(k, ' ' ORDER BY k) FROM jsonb_object_keys(m) k
              WHERE k NOT IN ('name', 'version', 'abstract', 'maintainer', 'license', 'provides', 'meta-spec',
                              'description', 'generated_by', 'tags', 'no_index', 'prereqs', 'release_status',
                              'resources') AND k !~ '^[xX]_.')")" "" "and no key the spec does not define"
lpt_is "$(q "m->'meta-spec'->>'version'")" 1.0.0 "it follows meta spec 1.0.0"
lpt_like "$(q "m->>'name'")" '^[^[:space:]/\\]{2,}$' "name is a term (two characters or more, no space or slash)"
lpt_is "$(q "m->>'version'")" "$default" "version is linkpred.control's default_version ($default)"
lpt_like "$(q "m->>'version'")" "$SEMVER" "version is a SemVer"
lpt_is "$(q "length(m->>'abstract') > 0 AND (jsonb_typeof(m->'maintainer') = 'string'
             OR (jsonb_typeof(m->'maintainer') = 'array' AND jsonb_array_length(m->'maintainer') > 0))")" t \
	"abstract and maintainer are given"
lpt_is "$(q "m->>'license' IN ('agpl_3', 'apache_1_1', 'apache_2_0', 'artistic_1', 'artistic_2', 'bsd', 'freebsd',
             'gfdl_1_2', 'gfdl_1_3', 'gpl_1', 'gpl_2', 'gpl_3', 'lgpl_2_1', 'lgpl_3_0', 'mit', 'mozilla_1_0',
             'mozilla_1_1', 'openssl', 'perl_5', 'postgresql', 'qpl_1_0', 'ssleay', 'sun', 'zlib', 'open_source',
             'restricted', 'unrestricted', 'unknown')")" t "license is one the spec names"
lpt_is "$(q "coalesce(m->>'release_status', 'stable') IN ('stable', 'testing', 'unstable')")" t "release_status is one the spec names"
lpt_is "$(q "(SELECT count(*) FROM jsonb_array_elements_text(m->'tags') t
              WHERE length(t) NOT BETWEEN 2 AND 255 OR t ~ '[/\\\\[:cntrl:]]')")" 0 "every tag is a valid tag"
lpt_is "$(q "(SELECT count(*) FROM jsonb_each(m->'prereqs') p, jsonb_each(p.value) r, jsonb_each(r.value) v
              WHERE p.key NOT IN ('configure', 'build', 'test', 'runtime', 'develop')
                 OR r.key NOT IN ('requires', 'recommends', 'suggests', 'conflicts')
                 OR NOT (v.value = '0' OR v.value #>> '{}' ~ '^(0|[<>=!]=? ?[0-9][0-9.]*(, ?[<>=!]=? ?[0-9][0-9.]*)*|[0-9]+\.[0-9]+\.[0-9]+)$'))")" \
	0 "prereqs use the spec's phases, relationships and version forms"

lpt_is "$(q "(SELECT string_agg(k, ' ') FROM jsonb_object_keys(m->'provides') k)")" linkpred "it provides one extension, linkpred"
lpt_is "$(q "m->'provides'->'linkpred'->>'version'")" "$default" "the extension's version is the default version"
file=$(q "m->'provides'->'linkpred'->>'file'")
lpt_is "$file" "sql/linkpred--$default.sql" "its file is that version's install script"
lpt_ok "which exists" test -f "$LP_SRC/$file"
lpt_ok "its docfile exists" test -f "$LP_SRC/$(q "m->'provides'->'linkpred'->>'docfile'")"
