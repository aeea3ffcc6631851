#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# test_docs.sh - the documentation says what the binary and the code do:
# every configuration key in docs/configuration.md and vigil.json(5), the
# sample configuration valid, every command in vigil(8), every event line
# the code logs in docs/operations.md (and no event there that it does not
# log). No root, no namespaces.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
VIGIL=${VIGIL:-build/vigil}
[ -x "$VIGIL" ] || { not_ok "docs: $VIGIL not built"; exit 1; }
tmp=$(mktemp -d /tmp/vigil-docs.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

keys=$($VIGIL config | awk '/^[a-z_.]+ /{print $1}')
check "vigil config lists keys ($(echo "$keys" | wc -l))" test -n "$keys"
missing="" missing_man=""
for key in $keys; do
	grep -q "\`$key\`" docs/configuration.md || missing="$missing $key"
	grep -q "^\.B $key\$" docs/man/vigil.json.5 || missing_man="$missing_man $key"
done
check "every configuration key is in docs/configuration.md${missing:+ (missing:$missing)}" test -z "$missing"
check "every configuration key is in vigil.json(5)${missing_man:+ (missing:$missing_man)}" test -z "$missing_man"
# ... with what the binary says of it: the line after ".TP / .B KEY" is the
# type, range or values, default and reloading `vigil config` prints (roff
# escapes undone), so the page cannot drift from the directive table. (The
# page may explain a key at more length than the table's help.)
drift=$($VIGIL config | python3 -c '
import re, sys
ref = sys.stdin.read().splitlines()
want = {}
for i in range(0, len(ref) - 1, 2):
    key, rest = ref[i].split(None, 1)
    want[key] = rest + "."
man = open(sys.argv[1]).read().splitlines()
unroff = lambda t: (t.replace("\\&...\\&", "\u2026").replace("\\-", "-").replace("\\(aq", "\x27")
                    .replace("\\(ga", "`").replace("\\(dq", "\"").replace("\\&", ""))
for i in range(1, len(man) - 1):
    m = re.match(r"^\.B ([a-z_.]+)$", man[i])
    if man[i - 1] == ".TP" and m and m.group(1) in want and unroff(man[i + 1]) != want[m.group(1)]:
        print(m.group(1), end=" ")
' docs/man/vigil.json.5)
check "every key's type, default and reloading in vigil.json(5) are what \`vigil config\` prints${drift:+ (differ: $drift)}" test -z "$drift"

# What SIGHUP reloads: operations.md's list is the binary's.
reloaded=$($VIGIL config | awk '/SIGHUP reloads it/{print $1}' | sort)
listed=$(sed -n '/^What `SIGHUP` reloads, exactly/,/^Everything else needs a restart/{/^Everything/!p}' docs/operations.md |
	grep -o '`[a-z_.]*`' | tr -d '`' | grep -v '^keys$' | sort -u)
check "operations.md lists what SIGHUP reloads, as \`vigil config\` marks it ($(echo "$reloaded" | wc -l) keys)" \
	test "$reloaded" = "$listed"

k=$($VIGIL keygen)
printf 'a-password\n' >"$tmp/pw"
sed "s#REPLACE-WITH-OUTPUT-OF-vigil-keygen==#$k#; s#/etc/vigil/masakari-password#$tmp/pw#" docs/vigil.json >"$tmp/sample.json"
chmod 600 "$tmp/sample.json"
check "the sample docs/vigil.json is valid" "$VIGIL" config -config "$tmp/sample.json" -config-test
# ... and one file for every host of the zone: no host's own name in it, and
# its servers are hypervisors it joins (operations.md: servers are members).
check "the sample is the same for every host: no node_name, hypervisor_hostname empty, servers among the joined hosts" \
	python3 -c "
import json; c = json.load(open('docs/vigil.json'))
assert 'node_name' not in c and c['hypervisor_hostname'] == '', 'a host name is hard-coded'
assert sorted(s.split('@')[1] for s in c['servers']) == sorted(c['join']), (c['servers'], c['join'])"

# ... and its timings are the defaults it shows (a change of default that
# the sample misses would be copied into every deployment).
stale=$($VIGIL config | python3 -c '
import json, re, sys
ref = sys.stdin.read().splitlines()
dflt = {}
for i in range(0, len(ref) - 1, 2):
    k, rest = ref[i].split(None, 1)
    m = re.search(r"default: ([^;]*)", rest)
    if m:
        dflt[k] = m.group(1).strip()
def walk(o, p=""):
    for k, v in o.items():
        if isinstance(v, dict):
            walk(v, p + k + ".")
        elif p + k in dflt and (k.endswith("_ms") or k in ("probes_per_interval", "indirect_probes", "suspicion_confirm", "gossip_fanout", "retransmit_mult")):
            if str(v) != dflt[p + k]:
                print("%s%s=%s(default %s)" % (p, k, v, dflt[p + k]), end=" ")
walk(json.load(open("docs/vigil.json")))')
check "the sample's timings are the defaults${stale:+ (not: $stale)}" test -z "$stale"

cmds=$($VIGIL help | awk '/^commands:/{on=1; next} on && /^  [a-z]/{print $1}')
missing=""
for c in $cmds; do
	grep -q "^\.B vigil $c" docs/man/vigil.8 || missing="$missing $c"
done
check "every command is in vigil(8)${missing:+ (missing:$missing)}" test -z "$missing"
# ... with every option its usage line (`vigil help CMD`) shows, in its SYNOPSIS
# entry (".B vigil CMD" up to ".br", roff's \- undone).
missing=""
for c in $cmds; do
	synopsis=$(sed -n "/^\.B vigil $c\( .*\)\?\$/,/^\.br\$/p" docs/man/vigil.8 | sed 's/\\-/-/g')
	for o in $($VIGIL help "$c" | head -1 | grep -oE '(^| |\[)--?[a-z][a-z-]*' | tr -d ' ['); do
		grep -qE -- "(^| )$o( |$)" <<<"$synopsis" || missing="$missing $c:$o"
	done
done
check "vigil(8)'s SYNOPSIS has every option of every command's usage${missing:+ (missing:$missing)}" \
	test -z "$missing"

# Events: what the code logs (log_event(LEVEL, "NAME", ...)) and what
# operations.md's table lists ("| `NAME` | level |").
code=$(grep -rhoE 'log_event\(LOG_LVL_[A-Z]+, "[a-z_]+"' userspace | sed 's/.*"\(.*\)"/\1/' | sort -u)
doc=$(sed -n '/^### Event lines/,/^### /p' docs/operations.md |
	sed -n 's/^| `\([a-z_]*\)` | \(info\|warn\|error\) |.*/\1/p' | sort -u)
check "the code logs event lines ($(echo "$code" | wc -l))" test -n "$code"
undocumented=$(comm -23 <(echo "$code") <(echo "$doc") | tr '\n' ' ')
stale=$(comm -13 <(echo "$code") <(echo "$doc") | tr '\n' ' ')
check "every event line is documented in operations.md${undocumented:+ (missing: $undocumented)}" \
	test -z "$undocumented"
check "operations.md lists no event the code does not log${stale:+ (stale: $stale)}" test -z "$stale"
# ... with the fields the code writes
bad=""
for ev in $code; do
	fields=$(grep -rhoE "log_event\(LOG_LVL_[A-Z]+, \"$ev\", *\"[^\"]*\"" userspace |
		grep -oE '[a-z_]+=' | tr -d '=' | sort -u | tr '\n' ' ')
	row=$(grep "^| \`$ev\` |" docs/operations.md)
	for f in $fields; do
		grep -q "\`$f\`" <<<"$row" || bad="$bad $ev.$f"
	done
done
check "operations.md names every field of every event${bad:+ (missing:$bad)}" test -z "$bad"

exit $((VT_FAILS > 0))
