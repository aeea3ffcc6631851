#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# test_isolation_dead.sh - a host that is really dead, with no BMC to ask:
# its port down, its agent killed, its VMs gone, its watchdog without power,
# its storage heartbeat record frozen. 5 hosts (hv1..hv3 Raft servers), the
# real masakari-api, a directory all hosts share standing in for the VMs'
# shared storage, a VM stand-in per host, watchdogs emulated on FIFOs
# (tests/lib/wdemu.py: no softdog in this kernel).
#   3a fencing mode "watchdog": the leader counts the host off once the
#      safe wait (isolation_timeout_ms + watchdog_timeout_ms + margin) has
#      passed and its record stopped advancing -> NORMAL exactly once, never
#      before that wait
#   3b fencing mode "power" with its BMC unreachable (the real fence_ipmilan
#      against an address nothing answers): nothing else proves it off ->
#      no notification; fencing fails, retried, shown (event line,
#      vigil_fencing_hosts{state="failed"}, vigil status): the alert
# No VM stand-in ever runs on two hosts at once (the ledger, by timestamps).
# vigil-test: timeout=300
set -u
cd "$(dirname "$0")/../.."
. tests/lib/netns.sh
. tests/lib/cluster.sh
. tests/lib/isolation.sh

vi_require_fence_agent isolation_dead
export MASAKARI_DUP_INTERVAL=10
vi_cluster isolation_dead 5
for i in 1 2 3 4 5; do vi_write_cfgs "$i" "$(vi_fencing_watchdog)"; done
vi_up 5
SAFE_MS=$((VI_TIMEOUT_MS + VI_WD_MS + VI_MARGIN_MS))

# kill_host I: hv I dies: power gone (its watchdog with it), port down, agent
# killed, VMs gone
kill_host() {
	kill -TERM "${VI_WD_PID[$1]}"
	vc_crash "$1"
	"$VI_CTL" stop "$VT_DIR" "hv$1"
}
evidence() { # LEADER NAME: what the leader's storage heartbeat says of NAME
	vc_status "$1" | python3 -c "
import json, sys
print([h['evidence'] for h in json.load(sys.stdin)['storage_hosts'] if h['name'] == '$2'][0])" 2>/dev/null
}

# --- 3a: mode watchdog -----------------------------------------------------------------------------
L=$(vc_leader_wait) || { not_ok "isolation_dead: no Raft leader"; exit 1; }
[ "$L" = 3 ] || [ "$L" = 1 ] || [ "$L" = 2 ] || { not_ok "3a a leader among the servers"; exit 1; }
t0=$(date +%s.%N)
kill_host 4
silent4() { L=$(vc_leader_wait) && [ "$(evidence "$L" hv4)" = silent ]; }
check "3a hv4 dead: its storage record stops advancing (the leader reads it silent)" vt_wait_for 10 silent4
check "3a NORMAL for compute-4 arrives" vt_wait_for 30 vi_normal 4
vi_evacuate 4 1
t_verdict=$(vi_first "$VT_DIR/hv[1-3].log" "event=verdict host=hv4 ")
t_fenced=$(vi_first "$VT_DIR/hv[1-3].log" "event=self_fenced .*hostname=compute-4 by=watchdog")
t_notify=$(vi_first "$VT_DIR/hv[1-3].log" "event=notify .*hostname=compute-4 kind=STOPPED")
diag "hv4: dead +0 ms, verdict +$(vi_ms "$t0" "$t_verdict") ms, fenced (watchdog rule) +$(vi_ms "$t0" "$t_fenced") ms, NORMAL sent +$(vi_ms "$t0" "$t_notify") ms (safe wait ${SAFE_MS} ms)"
check "3a counted off by the watchdog rule, never before the safe wait" \
	test "$(vi_ms "$t0" "$t_fenced")" -ge "$SAFE_MS"
sleep 3
check "3a exactly one STOPPED for compute-4, NORMAL ($(vi_stopped 4))" test "$(vi_stopped 4)" = 1 -a "$(vi_stopped 4 NORMAL)" = 1
check "3a no VM ran on two hosts at once" vi_no_double_run

# --- 3b: mode power, the BMC unreachable -------------------------------------------------------------
fencing=$(vi_fencing_no_bmc)
for i in 1 2 3; do
	vc_stop "$i"
	vi_write_cfgs "$i" "$fencing"
	vi_start "$i"
done
vt_wait_for 30 vc_has_leader || { not_ok "3b a Raft leader after the restart"; exit 1; }
vt_wait_for 30 vc_converged 4
L=$(vc_leader_wait) || { not_ok "isolation_dead: no Raft leader"; exit 1; }
check "3b vigil status: fencing power" sh -c "ip netns exec ${VC_NS[$L]} $VIGIL status -config ${VC_CFG[$L]} | grep -q '^fencing     power'"
t0=$(date +%s.%N)
kill_host 5
failed5() { grep -qh "event=fence_failed .*hostname=compute-5 " "$VT_DIR"/hv[1-3].log; }
check "3b hv5 dead, its BMC unreachable: fencing fails (event line)" vt_wait_for 40 failed5
failed_metric() { [ "$(vi_metric "$(vc_leader)" 'vigil_fencing_hosts{state="failed"}')" = 1 ]; }
check "3b ... vigil_fencing_hosts{state=\"failed\"} 1 on the leader (the alert)" vt_wait_for 10 failed_metric
silent5() { L=$(vc_leader_wait) && [ "$(evidence "$L" hv5)" = silent ]; }
check "3b ... its storage record is silent too: no evidence it stopped its VMs" vt_wait_for 10 silent5
sleep 8
check "3b no notification for compute-5: it holds ($(vi_stopped 5))" test "$(vi_stopped 5)" = 0
rounds=$(grep -h "event=fence_failed .*hostname=compute-5 " "$VT_DIR"/hv[1-3].log | wc -l)
check "3b ... fencing retried ($rounds failed rounds)" test "$rounds" -ge 2
check "3b no self-fence taken for it" sh -c "! grep -qh 'event=self_fenced .*hostname=compute-5' $VT_DIR/hv[1-3].log"
check "3b no VM ran on two hosts at once" vi_no_double_run
resets=$(vi_resets)
check "no watchdog reset a host that was not cut off${resets:+ (reset: $resets)}" test -z "$resets"

diag "Masakari's notifications:"
vc_notifications | sed 's/^/#   /'
exit $((VT_FAILS > 0))
