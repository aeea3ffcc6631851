#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# test_hardening.sh - a live cluster under what the trust-boundary audit
# found, each of which the agent must survive unharmed:
#   1 100 idle TCP connections to push-pull (7301): at most 16 held, the
#     rest refused and counted, exchanges with real members still work
#   2 the Raft leader stopped (SIGTERM) while its delivery to a frozen
#     masakari-api is in flight: it exits 0, having waited for the delivery
#     (it freed the state the delivery used, before)
#   3 the same with `vigil leave` on the next leader: exit 0 too
# The agents run with MALLOC_PERTURB_, so memory used after it was freed
# holds garbage, not the old values: a use after free shows.
# vigil-test: timeout=400
set -u
cd "$(dirname "$0")/../.."
. tests/lib/netns.sh
. tests/lib/cluster.sh

vt_require hardening
vt_init || { not_ok "hardening: setup"; exit 1; }
vc_up 4 || { not_ok "hardening: building hosts"; exit 1; }
if ! vc_masakari_up; then
	not_ok "hardening: the real masakari-api did not start"
	exit 1
fi
SERVERS="\"servers\": [\"hv1@${VC_IP[1]}\", \"hv2@${VC_IP[2]}\", \"hv3@${VC_IP[3]}\"]"
for i in 1 2 3 4; do
	role=client
	[ "$i" -le 3 ] && role=server
	vc_write_cfg "$i" "$SERVERS, \"role\": \"$role\", \"hypervisor_hostname\": \"compute-$i\",
  \"wait_period_ms\": 0, \"min_healthy_hosts\": 0, \"pushpull_interval_ms\": 2000,
  \"masakari\": {\"url\": \"$VC_MK_URL\", \"timeout_ms\": 4000, \"retry_min_ms\": 200},"
done
export MALLOC_PERTURB_=165
for i in 1 2 3 4; do vc_start "$i"; done
unset MALLOC_PERTURB_
check "4 agents converge" vt_wait_for 30 vc_converged
has_leader() { [ -n "$(vc_leader)" ]; }
check "a Raft leader is elected" vt_wait_for 30 has_leader

metric() { # I NAME: a metric's value on hv I
	ip netns exec "${VC_NS[$1]}" curl -s --noproxy '*' http://127.0.0.1:7500/metrics |
		awk -v m="$2" '$1 == m {print $2}'
}

# --- 1: a push-pull connection flood -------------------------------------------------
ex0=$(metric 1 vigil_pushpull_exchanges_total)
ip netns exec "${VC_NS[4]}" python3 - "${VC_IP[1]}" "$VT_DIR/flood.pid" <<'EOF' &
import os, socket, sys, time
open(sys.argv[2], "w").write(str(os.getpid()))
held = []
for _ in range(100):
    s = socket.socket()
    s.settimeout(2)
    try:
        s.connect((sys.argv[1], 7301))
        held.append(s)
    except OSError:
        pass
open(sys.argv[2] + ".n", "w").write(str(len(held)))
time.sleep(20)
EOF
FLOOD=$!
VT_PIDS+=("$FLOOD")
sleep 3
held=$(ip netns exec "${VC_NS[1]}" ss -Htn state established "( sport = :7301 )" | wc -l)
diag "connections held by hv1's push-pull during the flood: $held"
check "flood: at most 16 push-pull connections held ($held)" test "$held" -le 17
# Every connection the kernel completed past the 16 held is accepted and
# reset at once: counted, and the client's connect may see the reset
# before it returns (then it never counts as connected); on a loaded
# machine some connects may time out first.
refused_all() {
	local n r
	n=$(cat "$VT_DIR/flood.pid.n" 2>/dev/null) || return 1
	r=$(metric 1 vigil_pushpull_refused_total)
	[ -n "$r" ] && [ "$r" -gt 0 ] && [ "$r" -ge $((n - 16)) ]
}
check "flood: the others refused and counted" vt_wait_for 15 refused_all
diag "connected $(cat "$VT_DIR/flood.pid.n" 2>/dev/null), refused $(metric 1 vigil_pushpull_refused_total)"
exchanged() { [ "$(metric 1 vigil_pushpull_exchanges_total)" -gt "${ex0:-0}" ]; }
check "flood: exchanges with real members go on" vt_wait_for 20 exchanged
kill "$FLOOD" 2>/dev/null
wait "$FLOOD" 2>/dev/null
check "flood: hv1 still running" kill -0 "${VC_PID[1]}"

# --- 2: stop the leader while its delivery hangs -------------------------------------
L=$(vc_leader_wait) || { not_ok "hardening: no Raft leader"; exit 1; }
mark=$(wc -l <"$VT_DIR/hv$L.log")
vc_masakari_freeze
V=4
vc_crash "$V"
sending() { tail -n +"$mark" "$VT_DIR/hv$L.log" | grep -q "event=notify .*hostname=compute-$V kind=STOPPED"; }
if vt_wait_for 30 sending; then
	sleep 0.3
	t0=$(date +%s)
	kill -TERM "${VC_PID[$L]}"
	wait "${VC_PID[$L]}"
	rc=$?
	diag "the leader hv$L exited $rc after $(($(date +%s) - t0)) s"
	check "2 leader stopped during a delivery: exit 0 (not a crash)" test "$rc" = 0
	check "2 ... it logged its orderly stop" grep -q "agent stopped" "$VT_DIR/hv$L.log"
else
	not_ok "2 the leader never started its delivery for compute-$V"
fi
vc_masakari_thaw

# --- 3: a leader told to leave while its delivery hangs ----------------------------
# `vigil leave` ends with exit 0, which the unit's RestartPreventExitStatus
# keeps stopped: a crash there would restart it instead.
vc_start "$L"
vc_heal "$V"
vc_start "$V"
vt_wait_for 30 vc_converged
L2=$(vc_leader_wait) || { not_ok "hardening: no Raft leader"; exit 1; }
V3=1
while [ "$V3" = "$L2" ] || [ "$V3" = "$L" ]; do V3=$((V3 + 1)); done
mark=$(wc -l <"$VT_DIR/hv$L2.log")
vc_masakari_freeze
vc_crash "$V3"
sending3() { tail -n +"$mark" "$VT_DIR/hv$L2.log" | grep -q "event=notify .*hostname=compute-$V3 kind=STOPPED"; }
if vt_wait_for 30 sending3; then
	sleep 0.3
	vc_leave "$L2"
	rc=$?
	check "3 leader hv$L2 left (vigil leave) during a delivery: exit 0 (not a crash)" test "$rc" = 0
	check "3 ... it logged its orderly stop" sh -c "tail -n +$mark '$VT_DIR/hv$L2.log' | grep -q 'agent stopped'"
else
	not_ok "3 the leader hv$L2 never started its delivery for compute-$V3"
fi
vc_masakari_thaw

exit $((VT_FAILS > 0))
