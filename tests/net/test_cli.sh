#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# test_cli.sh - the commands against a running agent: members (-j), the
# data_dir, SIGHUP reload (and a broken file refused), SIGTERM, the pinned
# link left behind. tests/check/test_cli.sh covers the offline commands.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/netns.sh

vt_require cli
vt_init || { not_ok "cli: setup"; exit 1; }

k1=$($VIGIL keygen)

# An agent in a namespace of its own: -json output, SIGHUP reload, SIGTERM.
vt_solo cli "$k1" || not_ok "cli: the agent's namespace"
NS=$VT_SOLO_NS
CFG=$VT_SOLO_CFG
vt_bg "$VT_DIR/agent.log" ip netns exec "$NS" "$VIGIL" agent -config "$CFG"
APID=$VT_LAST_PID
up() { ip netns exec "$NS" "$VIGIL" members -config "$CFG" -j >"$VT_DIR/m.json" 2>/dev/null; }
check "agent serves its member table" vt_wait_for 10 up
check "members -j is JSON with this node alive" \
	python3 -c "import json; m=json.load(open('$VT_DIR/m.json')); assert m[0]['name']=='solo' and m[0]['state']=='alive'"
check "members table has a header and a row" \
	sh -c "ip netns exec $NS $VIGIL members -config $CFG | grep -q '^solo .* alive'"
check "agent created its data_dir" test -d "$VT_DIR/data-cli"
sed -i 's/"xdp_mode": "generic"/"xdp_mode": "generic", "log_level": "debug", "probe_interval_ms": 200/' "$CFG"
kill -HUP "$APID"
check "SIGHUP: configuration reloaded" vt_wait_for 5 grep -q "configuration reloaded" "$VT_DIR/agent.log"
# A file without the key: the reload is refused, the kernel keeps its keys
# (clearing them would make XDP drop every probe: the host would look dead).
cp "$CFG" "$VT_DIR/good.json"
python3 -c "import json,sys; c=json.load(open('$CFG')); del c['key']; json.dump(c, open('$CFG','w'))"
mark=$(wc -l <"$VT_DIR/agent.log")
kill -HUP "$APID"
refused_nokey() { tail -n +"$mark" "$VT_DIR/agent.log" | grep -q 'reload refused.*has no "key"'; }
check "SIGHUP with a file without key: refused" vt_wait_for 5 refused_nokey
keys_valid() {
	bpftool map dump pinned "$VT_BPFFS/cli/cli/keys" 2>/dev/null | grep -q '"valid": 1'
}
check "... and the kernel keeps its key" keys_valid
cp "$VT_DIR/good.json" "$CFG"
echo '{ broken' >>"$CFG"
kill -HUP "$APID"
check "SIGHUP with a broken file: refused, agent keeps running" \
	sh -c "sleep 0.5; grep -q 'reload refused' $VT_DIR/agent.log && kill -0 $APID"
kill -TERM "$APID"
wait "$APID"
check "SIGTERM: the agent stops and exits 0" test $? = 0
check "SIGTERM: ... without leaving the cluster" grep -q "stays a member of the cluster" "$VT_DIR/agent.log"
check "after exit the XDP program stays attached (pinned link)" \
	sh -c "ip -n $NS link show eth0 | grep -q xdp"

exit $((VT_FAILS > 0))
