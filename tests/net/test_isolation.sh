#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# test_isolation.sh - a host cut off from its zone stops its own VMs before
# the zone restarts them. 5 hosts (hv1..hv3 Raft servers), fencing mode
# "watchdog", the real masakari-api, a directory every host shares standing
# in for the VMs' shared storage (the storage heartbeat), a VM stand-in per
# host, and per host a watchdog emulated on a FIFO (tests/lib/wdemu.py: this
# kernel has no softdog; the FIFO is the agent's watchdog_device, and its
# reader "resets" the host -- kills its agent and VMs -- when feeding stops
# for watchdog_timeout_ms, exactly as the kernel's watchdog core would):
#   5 a blip shorter than isolation_timeout_ms (every switch port down)
#                       -> nothing anywhere: no isolation, no verdict, no
#                          notification, every VM runs, every watchdog fed
#   1 hv4 cut off (its port down; the storage reachable)
#                       -> it runs its response before wait_period_ms ends,
#                          records vms-stopped; the majority then notifies
#                          NORMAL exactly once (fenced by "vms-stopped")
#   2 hv5 cut off, its response hangs
#                       -> feeding stops (event line, emulator's log); with
#                          the watchdog broken the leader holds: hv5's record
#                          still advances, "isolated"; mended, the watchdog
#                          resets hv5, its record stops, the leader notifies
#                          NORMAL exactly once (fenced by "watchdog")
# In no scenario does a VM stand-in run on two hosts at once (the ledger of
# every start and stop, by timestamps): Masakari's "evacuation" -- the test
# starting the VM on another host -- happens only once NORMAL arrived.
# vigil-test: timeout=300
set -u
cd "$(dirname "$0")/../.."
. tests/lib/netns.sh
. tests/lib/cluster.sh
. tests/lib/isolation.sh

export MASAKARI_DUP_INTERVAL=10
vi_cluster isolation 5
VI_CMD[5]=hang
for i in 1 2 3 4 5; do vi_write_cfgs "$i" "$(vi_fencing_watchdog)"; done
vi_up 5
L=$(vc_leader_wait) || { not_ok "isolation: no Raft leader"; exit 1; }
status_says() { ip netns exec "${VC_NS[$L]}" "$VIGIL" status -config "${VC_CFG[$L]}" | grep -q "$1"; }
check "vigil status: fencing watchdog, isolation connected, watchdog (stand-in) fed" \
	sh -c "ip netns exec ${VC_NS[$L]} $VIGIL status -config ${VC_CFG[$L]} > $VT_DIR/status.txt &&
	grep -q '^fencing     watchdog' $VT_DIR/status.txt &&
	grep -q '^isolation   connected (5 of 5' $VT_DIR/status.txt &&
	grep -q '^watchdog    .*(stand-in) fed' $VT_DIR/status.txt"
members_storage() { ip netns exec "${VC_NS[$L]}" "$VIGIL" members -config "${VC_CFG[$L]}" | grep -c " running$" || true; }
storage_all_running() { [ "$(members_storage)" = 5 ]; }
check "vigil members on the leader: every host's storage record advances (running)" vt_wait_for 10 storage_all_running

# --- 5: a blip shorter than the isolation timeout --------------------------------------------
t0=$(date +%s.%N)
for i in 1 2 3 4 5; do vc_isolate "$i"; done
sleep 0.6
for i in 1 2 3 4 5; do vc_heal "$i"; done
sleep $(((VI_WAIT_MS + VI_TIMEOUT_MS) / 1000 + 2))
check "5 blip of 0.6 s everywhere: no host isolated itself" sh -c "! grep -q 'event=isolated ' $VT_DIR/hv[1-5].log"
check "5 ... no verdict, no fencing" sh -c "! grep -qE 'event=(verdict|self_fenced) ' $VT_DIR/hv[1-5].log"
running=0
for i in 1 2 3 4 5; do [ "$("$VI_CTL" running "$VT_DIR" "hv$i")" = "vm$i" ] && running=$((running + 1)); done
check "5 ... every VM still runs ($running of 5)" test "$running" = 5
check "5 ... nothing sent to Masakari" test "$(vc_notifications | wc -l)" = 0
gaps=""
for i in 1 2 3 4 5; do
	g=$(vi_fed_gap "$i" "$t0")
	[ "$g" -lt "$VI_WD_MS" ] || gaps="$gaps hv$i:${g}ms"
done
check "5 ... every watchdog fed throughout (no gap of ${VI_WD_MS} ms${gaps:+:$gaps})" test -z "$gaps"
diag "blip: $(cat "$VT_DIR"/hv[1-5].log | grep -c 'event=isolation_lost ') losses of the majority seen, $(cat "$VT_DIR"/hv[1-5].log | grep -c 'event=isolation_cancelled ') cancelled"
check "5 agents converge again" vt_wait_for 30 vc_converged

# --- 1: hv4 cut off, the storage reachable -----------------------------------------------------
vt_wait_for 20 vi_has_leader
L=$(vc_leader_wait) || { not_ok "isolation: no Raft leader"; exit 1; }
t0=$(date +%s.%N)
vc_isolate 4
stopped4() { grep -q "event=isolation_response result=vms_stopped" "$VT_DIR/hv4.log"; }
check "1 hv4 cut off: it runs its response and records its VMs stopped" vt_wait_for 20 stopped4
check "1 NORMAL for compute-4 arrives" vt_wait_for 30 vi_normal 4
vi_evacuate 4 1 # Masakari "evacuates" vm4 to hv1, only now
t_iso=$(vi_first "$VT_DIR/hv4.log" "event=isolated ")
t_vmstop=$(vi_ledger stop vm4 hv4)
t_fenced=$(vi_first "$VT_DIR/hv[1-3].log" "event=self_fenced .*hostname=compute-4 by=vms-stopped")
t_notify=$(vi_first "$VT_DIR/hv[1-3].log" "event=notify .*hostname=compute-4 kind=STOPPED")
t_vmstart=$(vi_ledger start vm4 hv1)
diag "hv4: cut +0 ms, isolated +$(vi_ms "$t0" "$t_iso") ms, vm4 stopped +$(vi_ms "$t0" "$t_vmstop") ms, fenced (vms-stopped) +$(vi_ms "$t0" "$t_fenced") ms, NORMAL sent +$(vi_ms "$t0" "$t_notify") ms, vm4 started on hv1 +$(vi_ms "$t0" "$t_vmstart") ms"
check "1 hv4 isolated itself before the wait period ended" vi_before "$t_iso" "$(awk -v a="$t0" -v w="$VI_WAIT_MS" 'BEGIN {printf "%.6f", a + w / 1000}')"
check "1 its VM stopped before the leader counted it fenced, and that before the notification" \
	sh -c "$(declare -f vi_before); vi_before '$t_vmstop' '$t_fenced' && ! vi_before '$t_notify' '$t_fenced'"
sleep 3
check "1 exactly one STOPPED for compute-4, NORMAL ($(vi_stopped 4))" test "$(vi_stopped 4)" = 1 -a "$(vi_stopped 4 NORMAL)" = 1
fenced_by() { vc_status "$L" | python3 -c "
import json, sys
o = [o for o in json.load(sys.stdin)['outbox'] if o['hostname'] == 'compute-$1' and o['event'] == 'STOPPED']
print(o[-1]['fenced_by'] if o else '')"; }
check "1 vigil status: the entry was fenced by vms-stopped" test "$(fenced_by 4)" = vms-stopped
check "1 vigil members on the leader: hv4's storage record says vms-stopped" sh -c \
	"ip netns exec ${VC_NS[$L]} $VIGIL members -config ${VC_CFG[$L]} | grep '^hv4 ' | grep -q ' vms-stopped$'"
check "1 hv4's metrics: vigil_isolated 1" test "$(vi_metric 4 vigil_isolated)" = 1
check "1 vigil members on hv4: itself alive (vms-stopped)" test "$(vc_state 4 hv4)" = "alive (vms-stopped)"
check "1 vigil status on hv4: isolation vms-stopped" sh -c \
	"ip netns exec ${VC_NS[4]} $VIGIL status -config ${VC_CFG[4]} | grep -q '^isolation   vms-stopped'"
diag "vigil status on hv4, cut off (its last lines):"
ip netns exec "${VC_NS[4]}" "$VIGIL" status -config "${VC_CFG[4]}" | tail -n 3 | sed 's/^/#   /'
diag "vigil members on the leader hv$L:"
ip netns exec "${VC_NS[$L]}" "$VIGIL" members -config "${VC_CFG[$L]}" | sed 's/^/#   /'
gap4=$(vi_fed_gap 4 "$t0")
check "1 hv4's watchdog: withheld while its response ran, fed again after (longest gap ${gap4} ms < ${VI_WD_MS})" \
	sh -c "grep -q 'event=watchdog_stopped reason=response_running' $VT_DIR/hv4.log && grep -q 'event=watchdog_resumed' $VT_DIR/hv4.log && [ $gap4 -lt $VI_WD_MS ]"
check "1 no VM ran on two hosts at once" vi_no_double_run
vc_heal 4
reconnected4() { grep -q "event=reconnected" "$VT_DIR/hv4.log" && [ "$(vi_metric 4 vigil_isolated)" = 0 ]; }
check "1 healed: hv4 reconnects (vigil_isolated 0)" vt_wait_for 20 reconnected4

# --- 2: hv5 cut off, its response hangs: the watchdog ---------------------------------------------
vt_wait_for 20 vi_has_leader
vt_wait_for 30 vc_converged
L=$(vc_leader_wait) || { not_ok "isolation: no Raft leader"; exit 1; }
kill -USR1 "${VI_WD_PID[5]}" # a watchdog that does not fire, for now
t0=$(date +%s.%N)
vc_isolate 5
wd_stopped5() { grep -q "event=watchdog_stopped reason=response_running" "$VT_DIR/hv5.log"; }
check "2 hv5 cut off: its response runs and hangs, its watchdog is no longer fed (event line)" vt_wait_for 20 wd_stopped5
hold5() { grep -qh "event=fence_hold .*hostname=compute-5 evidence=isolated" "$VT_DIR"/hv[1-3].log; }
check "2 the leader's verdict holds: hv5's storage record still advances, isolated" vt_wait_for 30 hold5
held_metric() { [ "$(vi_metric "$(vc_leader)" vigil_fencing_held)" = 1 ]; }
check "2 ... vigil_fencing_held 1 on the leader" vt_wait_for 5 held_metric
diag "vigil status on the leader while it holds compute-5 (its outbox):"
ip netns exec "${VC_NS[$(vc_leader)]}" "$VIGIL" status -config "${VC_CFG[$(vc_leader)]}" |
	sed -n '/^Id /,/^$/p' | sed 's/^/#   /'
sleep 4
check "2 ... no notification while it lives on the storage side ($(vi_stopped 5))" test "$(vi_stopped 5)" = 0
check "2 ... and its VM still runs there (the broken watchdog did not reset it)" \
	test "$("$VI_CTL" running "$VT_DIR" hv5)" = vm5
t_fedlast=$(grep " fed " "$VT_DIR/wd/hv5.log" | tail -n1 | cut -d' ' -f1)
t_wdstop=$(vi_first "$VT_DIR/hv5.log" "event=watchdog_stopped ")
check "2 the emulated watchdog saw its last feed when the agent stopped feeding, then expired" sh -c \
	"$(declare -f vi_before); vi_before '$t_fedlast' '$(awk -v a="$t_wdstop" 'BEGIN {printf "%.6f", a + 0.5}')' && grep -q 'expired .* no reset' $VT_DIR/wd/hv5.log"
kill -USR2 "${VI_WD_PID[5]}" # mended: it resets hv5 now
reset5() { grep -q "reset hv5" "$VT_DIR/vms.log"; }
check "2 the watchdog resets hv5: agent, hung response and VM killed" vt_wait_for 10 reset5
wait "${VC_PID[5]}" 2>/dev/null
check "2 NORMAL for compute-5 arrives once its record stopped advancing" vt_wait_for 30 vi_normal 5
vi_evacuate 5 2
t_reset=$(awk '$2 == "reset" && $3 == "hv5" {print $1; exit}' "$VT_DIR/vms.log")
t_fenced=$(vi_first "$VT_DIR/hv[1-3].log" "event=self_fenced .*hostname=compute-5 by=watchdog")
t_notify=$(vi_first "$VT_DIR/hv[1-3].log" "event=notify .*hostname=compute-5 kind=STOPPED")
diag "hv5: cut +0 ms, feeding stopped +$(vi_ms "$t0" "$t_wdstop") ms, reset (mended) +$(vi_ms "$t0" "$t_reset") ms, fenced (watchdog) +$(vi_ms "$t0" "$t_fenced") ms, NORMAL sent +$(vi_ms "$t0" "$t_notify") ms"
check "2 reset before the leader counted it fenced, and that before the notification" \
	sh -c "$(declare -f vi_before); vi_before '$t_reset' '$t_fenced' && ! vi_before '$t_notify' '$t_fenced'"
sleep 3
check "2 exactly one STOPPED for compute-5, NORMAL ($(vi_stopped 5))" test "$(vi_stopped 5)" = 1 -a "$(vi_stopped 5 NORMAL)" = 1
check "2 vigil status: the entry was fenced by watchdog" test "$(fenced_by 5)" = watchdog
check "2 no VM ran on two hosts at once" vi_no_double_run

resets=$(vi_resets)
check "no watchdog reset any host but hv5 (reset: ${resets:-none})" test "$resets" = "hv5 "

diag "Masakari's notifications:"
vc_notifications | sed 's/^/#   /'
diag "the VM ledger:"
sed 's/^/#   /' "$VT_DIR/vms.log"
for p in "$VT_DIR"/hang.*.pid; do [ -f "$p" ] && kill -KILL "$(cat "$p")" 2>/dev/null; done
exit $((VT_FAILS > 0))
