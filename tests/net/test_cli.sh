#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# test_cli.sh - the commands against a running agent: members (-json,
# -status, -role), status and check on a server that never gets a leader,
# the commands as a user who cannot read the configuration, the data_dir,
# SIGHUP reload (timers too; a broken file refused), a stalled event loop
# and a detached XDP program seen by check, SIGTERM, the pinned link left
# behind. tests/check/test_cli.sh covers the offline commands.
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
# A Raft server whose two fellow servers never come: it never has a leader.
python3 - "$CFG" "$VT_NET" <<'EOF'
import json, sys
c = json.load(open(sys.argv[1]))
n = sys.argv[2]
c.update(role="server", servers=["solo@%s.1" % n, "ghost1@%s.2" % n, "ghost2@%s.3" % n])
json.dump(c, open(sys.argv[1], "w"))
EOF
vt_bg "$VT_DIR/agent.log" ip netns exec "$NS" "$VIGIL" agent -config "$CFG"
APID=$VT_LAST_PID
up() { ip netns exec "$NS" "$VIGIL" members -config "$CFG" -j >"$VT_DIR/m.json" 2>/dev/null; }
check "agent serves its member table" vt_wait_for 10 up
check "members -j is JSON with this node alive" \
	python3 -c "import json; m=json.load(open('$VT_DIR/m.json')); assert m[0]['name']=='solo' and m[0]['state']=='alive'"
check "members table has a header and a row" \
	sh -c "ip netns exec $NS $VIGIL members -config $CFG | grep -q '^solo .* alive'"
names() { # ARGS...: the names vigil members ARGS -j lists, space-separated
	ip netns exec "$NS" "$VIGIL" members -config "$CFG" -j "$@" |
		python3 -c "import json,sys; print(' '.join(m['name'] for m in json.load(sys.stdin)))"
}
check "members -status alive: this node" test "$(names -status alive)" = solo
check "members -status 'suspect|dead,left': none" test "$(names -status 'suspect|dead,left')" = ""
check "members -role server: this node; -role client: none" \
	sh -c "test \"\$(ip netns exec $NS $VIGIL members -config $CFG -role server | grep -c '^solo ')\" = 1 &&
	       test \"\$(ip netns exec $NS $VIGIL members -config $CFG -role client -j)\" = '[]'"

# No leader: status says so and exits 1 (2 is for "cannot ask"); check is CRIT.
in_ns() { ip netns exec "$NS" "$@"; }
in_ns "$VIGIL" status -config "$CFG" >"$VT_DIR/status.txt" 2>&1
check "status on a server without a leader: exit 1" test $? = 1
check "... the text says NO LEADER" grep -q '^raft .*NO LEADER' "$VT_DIR/status.txt"
check "... and which Raft connections were refused" grep -q '^refused ' "$VT_DIR/status.txt"
in_ns "$VIGIL" status -config "$CFG" -j >/dev/null 2>&1
check "status -j without a leader: exit 1 too" test $? = 1
in_ns "$VIGIL" check -config "$CFG" >"$VT_DIR/check.txt"
check "check without a leader: exit 2, one CRIT line naming it" \
	sh -c "test $? = 2 && test \$(wc -l <$VT_DIR/check.txt) = 1 && grep -q '^CRIT: vigil solo: no Raft leader' $VT_DIR/check.txt"

# A user who cannot read the configuration (in a 0700 directory) reaches
# the API through VIGIL_HTTP_ADDR (and VIGIL_HTTP_TOKEN).
nobody() { ip netns exec "$NS" setpriv --reuid=65534 --regid=65534 --clear-groups \
	env VIGIL_HTTP_ADDR=127.0.0.1:7500 "$@"; }
check "as nobody, the configuration is unreadable" sh -c "! ip netns exec $NS setpriv --reuid=65534 --regid=65534 --clear-groups cat $CFG 2>/dev/null"
nobody_members() { nobody "$VIGIL" members | grep -q '^solo '; }
nobody_status() { nobody "$VIGIL" status >"$VT_DIR/st.txt"; test $? = 1 && grep -q '^node *solo' "$VT_DIR/st.txt"; }
nobody_check() { nobody "$VIGIL" check | grep -q '^CRIT: vigil solo: no Raft leader'; }
nobody_maint() { # (no leader: the agent takes the request, none answers it)
	nobody VIGIL_HTTP_TOKEN="$(cat "$VT_DIR/data-cli/api-token")" "$VIGIL" maint enable solo 2>"$VT_DIR/err"
	test $? = 4 && grep -q 'no Raft leader answered' "$VT_DIR/err"
}
nobody_maint_no_token() {
	nobody "$VIGIL" maint enable solo 2>"$VT_DIR/err"
	test $? = 2 && grep -q VIGIL_HTTP_TOKEN "$VT_DIR/err"
}
check "as nobody with VIGIL_HTTP_ADDR: members" nobody_members
check "as nobody with VIGIL_HTTP_ADDR: status (exit 1: no leader)" nobody_status
check "as nobody with VIGIL_HTTP_ADDR: check" nobody_check
check "as nobody with VIGIL_HTTP_ADDR and VIGIL_HTTP_TOKEN: maint (exit 4: no leader)" nobody_maint
check "as nobody without the token: maint refused, exit 2, says how" nobody_maint_no_token

check "agent created its data_dir" test -d "$VT_DIR/data-cli"
# heartbeat_rate: heartbeats per second, from status over 2 s
heartbeat_rate() {
	local a b
	a=$(in_ns "$VIGIL" status -config "$CFG" -j 2>/dev/null | python3 -c "import json,sys; print(json.load(sys.stdin)['heartbeat'])")
	sleep 2
	b=$(in_ns "$VIGIL" status -config "$CFG" -j 2>/dev/null | python3 -c "import json,sys; print(json.load(sys.stdin)['heartbeat'])")
	echo $(((b - a) / 2))
}
rate=$(heartbeat_rate)
check "heartbeat every 100 ms: ~10 a second ($rate)" test "$rate" -ge 7
sed -i 's/"xdp_mode": "generic"/"xdp_mode": "generic", "log_level": "debug", "probe_interval_ms": 200, "heartbeat_interval_ms": 500, "rate_limit_pps": 50/' "$CFG"
kill -HUP "$APID"
check "SIGHUP: configuration reloaded" vt_wait_for 5 grep -q "configuration reloaded" "$VT_DIR/agent.log"
rate=$(heartbeat_rate)
check "SIGHUP applies heartbeat_interval_ms 500: ~2 a second ($rate)" test "$rate" -ge 1 -a "$rate" -le 3
check "SIGHUP names the key it cannot apply" grep -q "changed but applied only on restart: rate_limit_pps" "$VT_DIR/agent.log"
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
cp "$VT_DIR/good.json" "$CFG"

# A stalled event loop (here: a reload blocked opening a FIFO, as on a hung
# file system) while the HTTP thread answers: /v1/health says 503 stalled
# and check is CRIT. A writer then unblocks it (the reload is refused).
rm "$CFG" && mkfifo "$CFG"
kill -HUP "$APID"
stalled() {
	test "$(in_ns curl -s --noproxy '*' -o "$VT_DIR/h.json" -w '%{http_code}' http://127.0.0.1:7500/v1/health)" = 503 &&
		grep -q '"reason": "stalled"' "$VT_DIR/h.json"
}
check "event loop blocked: /v1/health answers 503 stalled" vt_wait_for 6 stalled
in_ns "$VIGIL" check -http-addr 127.0.0.1:7500 >"$VT_DIR/check.txt"
check "... and check: exit 2, CRIT agent stalled" sh -c "test $? = 2 && grep -q '^CRIT: .*agent stalled' $VT_DIR/check.txt"
timeout 5 sh -c "cat $VT_DIR/good.json >$CFG" 2>/dev/null
rm -f "$CFG" && cp "$VT_DIR/good.json" "$CFG"
healthy() { test "$(in_ns curl -s --noproxy '*' -o /dev/null -w '%{http_code}' http://127.0.0.1:7500/v1/health)" = 200; }
check "loop running again: /v1/health 200" vt_wait_for 5 healthy

# The XDP program detached under the running agent: check is CRIT (the host
# answers no probe). Attached again by hand for what follows.
xdp_ok() { in_ns "$VIGIL" status -config "$CFG" -j | python3 -c "import json,sys; sys.exit(not json.load(sys.stdin)['xdp_attached'])"; }
check "status: XDP attached" xdp_ok
in_ns "$VIGIL" xdp detach -config "$CFG" >/dev/null 2>&1
xdp_gone() { ! xdp_ok; }
check "xdp detach under the agent: status says not attached" vt_wait_for 3 xdp_gone
check "... and check: CRIT XDP not attached" sh -c "ip netns exec $NS $VIGIL check -config $CFG | grep -q '^CRIT: .*XDP not attached'"
in_ns "$VIGIL" xdp attach -config "$CFG" >/dev/null 2>&1
check "xdp attach: status says attached again" vt_wait_for 3 xdp_ok

kill -TERM "$APID"
wait "$APID"
check "SIGTERM: the agent stops and exits 0" test $? = 0
check "SIGTERM: ... without leaving the cluster" grep -q "stays a member of the cluster" "$VT_DIR/agent.log"
check "after exit the XDP program stays attached (pinned link)" \
	sh -c "ip -n $NS link show eth0 | grep -q xdp"

# Restarted with another xdp_mode, the agent reuses the pinned link (no gap),
# reports the mode the kernel runs it in and says how to change it.
sed -i 's/"xdp_mode": "generic"/"xdp_mode": "native"/' "$CFG"
vt_bg "$VT_DIR/agent2.log" ip netns exec "$NS" "$VIGIL" agent -config "$CFG"
APID=$VT_LAST_PID
mode() { in_ns "$VIGIL" status -config "$CFG" -j 2>/dev/null | python3 -c "import json,sys; print(json.load(sys.stdin)['xdp_mode'])"; }
generic() { test "$(mode)" = generic; }
check "restart with xdp_mode native over a generic link: status says generic" vt_wait_for 10 generic
check "... and the log says the link keeps its mode and how to change it" \
	grep -q 'xdp_mode is native but the pinned link on eth0 runs in generic mode.*vigil xdp detach' "$VT_DIR/agent2.log"
kill -TERM "$APID"
wait "$APID"

exit $((VT_FAILS > 0))
