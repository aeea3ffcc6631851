#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# test_cli.sh - the vigil binary's commands without an agent: help, exit
# codes and messages, keys, and the configuration checks. No root, no
# namespaces; tests/net/test_cli.sh drives a running agent.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
VIGIL=${VIGIL:-build/vigil}
[ -x "$VIGIL" ] || { not_ok "cli: $VIGIL not built"; exit 1; }
tmp=$(mktemp -d /tmp/vigil-cli.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
VT_DIR=$tmp

# rc CMD...: print CMD's exit code
rc() {
	"$@" >"$VT_DIR/out" 2>"$VT_DIR/err"
	echo $?
}

check "help exits 0 and lists agent, ping, xdp, maps" \
	sh -c "$VIGIL help | grep -q agent && $VIGIL help | grep -q ping && $VIGIL help | grep -q maps"
check "help COMMAND shows its usage" sh -c "$VIGIL help ping | grep -q 'usage: vigil ping'"
proto=$(sed -n 's/^#define VIGIL_PROTO_VERSION[[:space:]]\+\([0-9]*\).*/\1/p' include/vigil_abi.h)
probe=$(sed -n 's/^#define VIGIL_PROBE_VERSION[[:space:]]\+\([0-9]*\).*/\1/p' include/vigil_abi.h)
abi=$(sed -n 's/^#define VIGIL_MAP_ABI[[:space:]]\+\([0-9]*\).*/\1/p' include/vigil_abi.h)
check "version names the protocols and map ABI ($proto, $probe, $abi as in vigil_abi.h)" \
	sh -c "$VIGIL version | grep -q 'wire protocol $proto, probe protocol $probe, map ABI $abi'"
check "unknown command: exit 2" test "$(rc "$VIGIL" frobnicate)" = 2
check "unknown command: says what to do" grep -q "vigil help" "$VT_DIR/err"
check "no command: exit 2" test "$(rc "$VIGIL")" = 2

k1=$($VIGIL keygen)
k2=$($VIGIL keygen)
check "keygen: 16 random bytes in base64 ($k1)" \
	sh -c "test \$(printf %s '$k1' | base64 -d | wc -c) = 16 && test '$k1' != '$k2'"

badcfg() { # NAME JSON EXPECTED-MESSAGE-REGEX
	printf '%s\n' "$2" >"$VT_DIR/bad.json"
	local code
	code=$(rc "$VIGIL" agent -config "$VT_DIR/bad.json" -config-test)
	if [ "$code" = 2 ] && grep -q "$3" "$VT_DIR/err"; then
		ok "bad config refused: $1"
	else
		not_ok "bad config refused: $1 (exit $code: $(cat "$VT_DIR/err"))"
	fi
}
badcfg "port out of range" '{"key": "'"$k1"'",
 "port": 0}' 'bad.json:2: "port" = 0 is out of range \[1, 65535\]'
badcfg "unknown key names the key" '{"prot": 7301}' 'unknown key "prot"'
badcfg "wrong type" '{"port": "7301"}' '"port" must be an integer'
badcfg "control character in a name" '{"node_name": "hv\u0007bell"}' '"node_name" must be UTF-8 without control characters'
badcfg "control character in the hypervisor name" '{"hypervisor_hostname": "compute\n1"}' 'hypervisor_hostname'
badcfg "node_id of its own on a server" '{"node_name": "hv1", "role": "server", "node_id": 7, "servers": ["hv1@10.0.0.1"]}' \
	'"node_id" = 7 on a server'
badcfg "bad key length" '{"key": "c2hvcnQ="}' 'exactly 16 bytes'
badcfg "bad enum lists values" '{"xdp_mode": "fast"}' 'auto, native, generic'
badcfg "invalid JSON has line:column" '{"port": 7301,,}' 'bad.json:1:'
badcfg "bad join address" '{"join": ["not an address"]}' '"join"\[0\]'
badcfg "suspicion min above max" '{"suspicion_min_ms": 5000, "suspicion_max_ms": 1000}' 'must not exceed'
badcfg "wildcard api_addr: names the key and the way to allow it" '{"api_addr": "0.0.0.0:7500"}' \
	'bad.json:1: "api_addr" = 0.0.0.0:7500 is a public or wildcard address.*"allow_public_bind": true'
badcfg "public metrics_addr" '{"metrics_addr": "[2001:db8::1]:9100"}' '"metrics_addr" = \[2001:db8::1\]:9100 is a public'
badcfg "public bind_addr" '{"bind_addr": "8.8.8.8"}' '"bind_addr" = 8.8.8.8:7301 is a public'
# -config-test refuses what the agent would refuse at start.
K='"key": "'"$k1"'", "interface": "lo"'
S3='"servers": ["hv1@10.0.0.1", "hv2@10.0.0.2", "hv3@10.0.0.3"]'
badcfg "no key" '{"interface": "lo"}' 'bad.json: no "key"'
badcfg "no interface" '{"key": "'"$k1"'"}' 'bad.json: no "interface"'
badcfg "an interface this host does not have" '{"key": "'"$k1"'", "interface": "vigil-none0"}' \
	'"interface" = "vigil-none0": no such interface'
badcfg "a server without servers" '{'"$K"', "role": "server"}' '"role" is server but "servers" is empty'
badcfg "an even servers list" '{'"$K"', "servers": ["hv1@10.0.0.1", "hv2@10.0.0.2"]}' \
	'"servers" lists 2 servers: use an odd number'
badcfg "a server named twice" '{'"$K"', "servers": ["hv1@10.0.0.1", "hv2@10.0.0.2", "hv1@10.0.0.3"]}' \
	'"servers"\[0\] and \[2\] both name "hv1"'
badcfg "a server address twice" '{'"$K"', "servers": ["hv1@10.0.0.1", "hv2@10.0.0.2:7300", "hv3@10.0.0.2"]}' \
	'"servers"\[1\] and \[2\] have the same address 10.0.0.2'
badcfg "masakari.interface not a catalog interface" '{'"$K"', "masakari": {"interface": "intern"}}' \
	'"masakari.interface" = "intern" must be one of: public, internal, admin'
badcfg "key_next equal to key" '{'"$K"', "key_next": "'"$k1"'"}' '"key_next" is the same as "key"'
badcfg "an all-zero key" '{"interface": "lo", "key": "AAAAAAAAAAAAAAAAAAAAAA=="}' '"key" is all zeros'
printf '{%s, %s, "role": "server", "node_name": "hv1"}\n' "$K" "$S3" >"$VT_DIR/good.json"
check "a complete server configuration passes -config-test" "$VIGIL" agent -config "$VT_DIR/good.json" -config-test
printf '{%s, "wait_period_ms": 0}\n' "$K" >"$VT_DIR/w0.json"
check "wait_period_ms 0: accepted (exit 0) ..." test "$(rc "$VIGIL" agent -config "$VT_DIR/w0.json" -config-test)" = 0
check "... with a warning" grep -q 'warn: .*"wait_period_ms" is 0' "$VT_DIR/err"
printf '{"key": "%s", "interface": "lo", "api_addr": "0.0.0.0:7500", "allow_public_bind": true}\n' "$k1" >"$VT_DIR/pub.json"
check "allow_public_bind: true accepts a wildcard api_addr" "$VIGIL" agent -config "$VT_DIR/pub.json" -config-test
# --- secrets outside the configuration file ------------------------------------
printf '%s\n' "$k1" >"$VT_DIR/key"
chmod 600 "$VT_DIR/key"
printf 'mk-secret\n' >"$VT_DIR/pw"
printf '{"interface": "lo", "key_file": "%s", "masakari": {"password_file": "%s"}}\n' "$VT_DIR/key" "$VT_DIR/pw" >"$VT_DIR/kf.json"
check "key_file and masakari.password_file: valid" "$VIGIL" agent -config "$VT_DIR/kf.json" -config-test
badcfg "key and key_file both" '{"key": "'"$k1"'", "key_file": "'"$VT_DIR/key"'"}' 'set one of "key", "key_file" and "key_credential"'
badcfg "key_file missing: names the file" '{"key_file": "'"$VT_DIR/nokey"'"}' "\"key\": cannot read the secret in $VT_DIR/nokey"
printf 'not base64 of a key\n' >"$VT_DIR/badkey"
badcfg "key_file not a key" '{"key_file": "'"$VT_DIR/badkey"'"}' '"key" from .*badkey is not base64 of exactly 16 bytes'
badcfg "key_credential without systemd" '{"key_credential": "vigil-key"}' 'CREDENTIALS_DIRECTORY is not set'
mkdir -p "$VT_DIR/creds"
cp "$VT_DIR/key" "$VT_DIR/creds/vigil-key"
printf '{"interface": "lo", "key_credential": "vigil-key"}\n' >"$VT_DIR/kc.json"
check "key_credential from \$CREDENTIALS_DIRECTORY (LoadCredential=): valid" \
	env CREDENTIALS_DIRECTORY="$VT_DIR/creds" "$VIGIL" agent -config "$VT_DIR/kc.json" -config-test
badcfg "masakari.password and password_file both" \
	'{"masakari": {"password": "x", "password_file": "'"$VT_DIR/pw"'"}}' 'set one of "masakari.password"'
printf '{"key": "%s", "interface": "lo", "masakari": {"auth_url": "http://keystone:5000/v3", "password": "p"}}\n' "$k1" >"$VT_DIR/open.json"
chmod 644 "$VT_DIR/open.json"
"$VIGIL" agent -config "$VT_DIR/open.json" -config-test >/dev/null 2>"$VT_DIR/open.err"
check "a key in a file others can read: warned" grep -q "open.json holds the cluster key and is readable by everyone (mode 644)" "$VT_DIR/open.err"
check "a password to an http:// Keystone: warned" grep -q "the Keystone password travels in clear" "$VT_DIR/open.err"
chmod 600 "$VT_DIR/open.json"
"$VIGIL" agent -config "$VT_DIR/kf.json" -config-test >/dev/null 2>"$VT_DIR/kf.err"
check "secrets in their own files: no warning" test ! -s "$VT_DIR/kf.err"
check "missing config file: exit 2" test "$(rc "$VIGIL" agent -config /nonexistent.json -config-test)" = 2
check "missing config file: names it" grep -q "/nonexistent.json" "$VT_DIR/err"

printf '{"key": "%s", "bpffs": "%s/none", "api_addr": "127.0.0.1:1"}\n' "$k1" "$tmp" >"$VT_DIR/c.json"
check "members with no agent: exit 2" test "$(rc "$VIGIL" members -config "$VT_DIR/c.json")" = 2
check "members with no agent: says why" grep -q "is \`vigil agent\` running" "$VT_DIR/err"
# operations.md's "symptom" table quotes the message: the code must say it.
quoted=$(sed -n 's/^| `vigil members`: `\(cannot reach[^`]*\)`.*/\1/p' docs/operations.md)
check "members with no agent: says what operations.md quotes (${quoted:-nothing quoted})" \
	sh -c "test -n '$quoted' && grep -qF '${quoted/127.0.0.1:7500/127.0.0.1:1}' $VT_DIR/err"
check "status and check with no agent: the same words" \
	sh -c "$VIGIL status -config $VT_DIR/c.json 2>&1 | grep -qF 'cannot reach the agent at http://127.0.0.1:1/v1/status' &&
	       $VIGIL check -config $VT_DIR/c.json | grep -qF 'CRIT: vigil: cannot reach the agent at http://127.0.0.1:1/v1/health'"
check "check with no agent: exit 2 (CRIT)" test "$(rc "$VIGIL" check -config "$VT_DIR/c.json")" = 2
check "check with bad arguments: exit 3 (UNKNOWN) and one line" \
	sh -c "test \$($VIGIL check -pending soon >$VT_DIR/out 2>/dev/null; echo \$?) = 3 && grep -q '^UNKNOWN: ' $VT_DIR/out"
if [ "$(id -u)" = 0 ]; then
	# A user who cannot read the configuration is told how to reach the API.
	check "members as a user who cannot read the configuration: exit 2, names VIGIL_HTTP_ADDR" \
		sh -c "test \$(setpriv --reuid=65534 --regid=65534 --clear-groups $VIGIL members -config $VT_DIR/c.json 2>$VT_DIR/err; echo \$?) = 2 &&
		       grep -q 'VIGIL_HTTP_ADDR' $VT_DIR/err"
fi
check "members -status with an unknown state: exit 2" test "$(rc "$VIGIL" members -config "$VT_DIR/c.json" -status gone)" = 2
check "... naming the states it takes" grep -q "alive, suspect, dead, left, stalled" "$VT_DIR/err"
check "members -role with an unknown role: exit 2" test "$(rc "$VIGIL" members -config "$VT_DIR/c.json" -role voter)" = 2
check "xdp status with nothing attached: exit 1" test "$(rc "$VIGIL" xdp status -config "$VT_DIR/c.json")" = 1
check "maps with nothing pinned: exit 2 and a hint" \
	sh -c "test \$($VIGIL maps -config $VT_DIR/c.json >/dev/null 2>$VT_DIR/err2; echo \$?) = 2 && grep -q 'xdp status' $VT_DIR/err2"
check "ping without a peer name or id: exit 2" \
	test "$(rc "$VIGIL" ping -config "$VT_DIR/c.json" 10.0.0.1)" = 2

# Under systemd stderr is the journal (JOURNAL_STREAM names it): lines carry
# their syslog priority so that `journalctl -p err` selects; elsewhere none.
: >"$VT_DIR/journal"
JOURNAL_STREAM=$(stat -c '%d:%i' "$VT_DIR/journal") "$VIGIL" agent -config /nonexistent.json -config-test 2>>"$VT_DIR/journal"
check "stderr is the journal: an error line starts with <3>" grep -q '^<3>error: /nonexistent.json' "$VT_DIR/journal"
JOURNAL_STREAM=$(stat -c '%d:%i' "$VT_DIR/journal") "$VIGIL" agent -config /nonexistent.json -config-test 2>"$VT_DIR/err"
check "JOURNAL_STREAM naming another file: no priority prefix" grep -q '^error: /nonexistent.json' "$VT_DIR/err"
: >"$VT_DIR/journal"
JOURNAL_STREAM=$(stat -c '%d:%i' "$VT_DIR/journal") "$VIGIL" agent -config "$VT_DIR/w0.json" -config-test 2>>"$VT_DIR/journal" >/dev/null
check "stderr is the journal: a warning starts with <4>" grep -q '^<4>warn: .*wait_period_ms' "$VT_DIR/journal"

exit $((VT_FAILS > 0))
