#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# test_isolation_partition.sh - isolation and the storage heartbeat when the
# cluster splits, and when the storage fails. 5 hosts (hv1..hv3 Raft
# servers), fencing mode "power" with every BMC unreachable (the real
# fence_ipmilan against an address nothing answers: a fence never
# confirms), the real masakari-api, a directory all hosts share standing in
# for the VMs' shared storage, a VM stand-in per host; watchdogs emulated on
# FIFOs (tests/lib/wdemu.py: no softdog in this kernel) on hv1, hv2, hv5.
#   6 the storage directory unavailable (gone, for everyone), then one
#     host's record write hung (a FIFO in its place: an NFS hard mount that
#     hangs)    -> an alert on every host (event line, vigil_storage_heartbeat_ok
#                  0, vigil status), no false isolation: every VM runs,
#                  every watchdog fed, no verdict, nothing notified; cleared
#                  when the storage is back
#   4 a 2 | 3 partition, {hv3 (a Raft server), hv4} | {hv1, hv2, hv5}
#               -> the minority runs its isolation response: hv3 virsh
#                  destroys its domains (a virsh stand-in acting on the VM
#                  stand-ins) and records vms-stopped; hv4's response fails
#                  (no watchdog there), its VM runs on. The majority never
#                  isolates; it notifies only its confirmed-stopped host:
#                  one NORMAL, for compute-3; compute-4 is held (fence
#                  failed, alert). The minority decides nothing.
# No VM stand-in ever runs on two hosts at once (the ledger, by timestamps).
# vigil-test: timeout=300
set -u
cd "$(dirname "$0")/../.."
. tests/lib/netns.sh
. tests/lib/cluster.sh
. tests/lib/isolation.sh

vi_require_fence_agent isolation_partition
export MASAKARI_DUP_INTERVAL=10
vi_cluster isolation_partition 5
VI_RESP[3]=virsh-destroy
vi_fake_virsh 3
VI_CMD[4]=fail
VI_NOWD[3]=1
VI_NOWD[4]=1
fencing=$(vi_fencing_no_bmc)
for i in 1 2 3 4 5; do vi_write_cfgs "$i" "$fencing"; done
vi_up 5

metric_all() { # NAME VALUE: every host's sample of NAME is VALUE
	local i
	for i in 1 2 3 4 5; do [ "$(vi_metric "$i" "$1")" = "$2" ] || return 1; done
}
vms_all_run() {
	local i
	for i in 1 2 3 4 5; do [ "$("$VI_CTL" running "$VT_DIR" "hv$i")" = "vm$i" ] || return 1; done
}
fed_throughout() { # SINCE: hv1, hv2, hv5's watchdogs never went a timeout unfed
	local i g
	for i in 1 2 5; do
		g=$(vi_fed_gap "$i" "$1")
		[ "$g" -lt "$VI_WD_MS" ] || { diag "hv$i's watchdog unfed for $g ms"; return 1; }
	done
}

# --- 6: the storage unavailable ---------------------------------------------------------------------
t0=$(date +%s.%N)
mv "$VT_DIR/storage" "$VT_DIR/storage.away"
check "6 storage gone: every host alerts (vigil_storage_heartbeat_ok 0)" vt_wait_for 10 metric_all vigil_storage_heartbeat_ok 0
alerted=$(grep -l "event=storage_hb_failed dir=$VT_DIR/storage error=No such file or directory" "$VT_DIR"/hv[1-5].log | wc -l)
check "6 ... with an event line on each ($alerted of 5)" test "$alerted" = 5
check "6 ... and vigil status says FAILING" sh -c \
	"ip netns exec ${VC_NS[5]} $VIGIL status -config ${VC_CFG[5]} | grep -q '^storage     .* FAILING'"
L=$(vc_leader_wait) || { not_ok "isolation_partition: no Raft leader"; exit 1; }
unreadable() { vc_status "$L" | python3 -c "import json,sys; sys.exit(any(h['evidence'] != 'unreadable' for h in json.load(sys.stdin)['storage_hosts']))"; }
check "6 ... the leader reads nothing (storage evidence unreadable)" vt_wait_for 5 unreadable
sleep 3
mv "$VT_DIR/storage.away" "$VT_DIR/storage"
check "6 storage back: the alert clears everywhere" vt_wait_for 10 metric_all vigil_storage_heartbeat_ok 1
# One host's write hangs (a FIFO where its record was: open() blocks, as on a
# hard NFS mount that stopped answering).
rm -f "$VT_DIR/storage/hv5.hb"
mkfifo "$VT_DIR/storage/hv5.hb"
ln "$VT_DIR/storage/hv5.hb" "$VT_DIR/hv5.fifo" # to reach the FIFO once its name is gone
hung5() { [ "$(vi_metric 5 vigil_storage_heartbeat_ok)" = 0 ]; }
check "6 hv5's write hangs: it alerts" vt_wait_for 10 hung5
check "6 ... its loop answers meanwhile (vigil status, I/O stuck)" sh -c \
	"ip netns exec ${VC_NS[5]} $VIGIL status -config ${VC_CFG[5]} -j | python3 -c 'import json,sys; sys.exit(json.load(sys.stdin)[\"isolation\"][\"storage\"][\"io_stuck_ms\"] < 500)'"
sleep 3
rm -f "$VT_DIR/storage/hv5.hb"    # the next write makes a file again ...
cat "$VT_DIR/hv5.fifo" >/dev/null # ... once this reader lets the hung one return
rm -f "$VT_DIR/hv5.fifo"
check "6 ... and recovers once the storage answers" vt_wait_for 10 metric_all vigil_storage_heartbeat_ok 1
check "6 no host isolated itself, no verdict, nothing notified" sh -c \
	"! grep -qE 'event=(isolated|verdict|self_fenced|fence_start) ' $VT_DIR/hv[1-5].log"
check "6 ... nothing at Masakari" test "$(vc_notifications | wc -l)" = 0
check "6 ... every VM runs" vms_all_run
check "6 ... the watchdogs were fed throughout" fed_throughout "$t0"

# --- 4: a 2 | 3 partition ---------------------------------------------------------------------------
vt_wait_for 20 vc_has_leader
L=$(vc_leader_wait) || { not_ok "isolation_partition: no Raft leader"; exit 1; }
if [ "$L" = 3 ]; then
	# hv3 must be in the minority: let another server lead (hv3 restarts)
	kill -TERM "${VC_PID[3]}"
	wait "${VC_PID[3]}" 2>/dev/null
	vi_start 3
	vt_wait_for 30 vc_converged
	vt_wait_for 20 vc_has_leader
fi
L=$(vc_leader_wait) || { not_ok "isolation_partition: no Raft leader"; exit 1; }
diag "leader hv$L; partition {hv3, hv4} | {hv1, hv2, hv5}"
mark3=$(wc -l <"$VT_DIR/hv3.log")
t0=$(date +%s.%N)
vc_partition "3 4" "1 2 5"
stopped3() { grep -q "event=isolation_response result=vms_stopped response=virsh-destroy" "$VT_DIR/hv3.log"; }
check "4 hv3 (a Raft server in the minority) isolates itself: virsh destroys its domain, vms-stopped" vt_wait_for 20 stopped3
failed4() { grep -q "event=isolation_response result=failed response=command" "$VT_DIR/hv4.log"; }
check "4 hv4 isolates itself; its response fails" vt_wait_for 20 failed4
check "4 NORMAL for compute-3 arrives (its record says vms-stopped)" vt_wait_for 40 vi_normal 3
vi_evacuate 3 1
t_vmstop=$(vi_ledger stop vm3 hv3)
t_fenced=$(vi_first "$VT_DIR/hv[125].log" "event=self_fenced .*hostname=compute-3 by=vms-stopped")
t_notify=$(vi_first "$VT_DIR/hv[12].log" "event=notify .*hostname=compute-3 kind=STOPPED")
diag "hv3: cut +0 ms, vm3 destroyed +$(vi_ms "$t0" "$t_vmstop") ms, fenced (vms-stopped) +$(vi_ms "$t0" "$t_fenced") ms, NORMAL sent +$(vi_ms "$t0" "$t_notify") ms"
check "4 hv3's VM destroyed before it counted as fenced" vi_before "$t_vmstop" "$t_fenced"
fence4_failed() { grep -qh "event=fence_failed .*hostname=compute-4 " "$VT_DIR"/hv[12].log; }
check "4 compute-4: its BMC does not answer, fencing fails (alert)" vt_wait_for 30 fence4_failed
sleep 6
check "4 the majority notified only its confirmed-stopped host: one STOPPED NORMAL for compute-3, none for compute-4" \
	test "$(vi_stopped 3)" = 1 -a "$(vi_stopped 3 NORMAL)" = 1 -a "$(vi_stopped 4)" = 0
check "4 ... nothing about the majority's hosts" test "$(vc_notifications | grep -c ' STOPPED ')" = 1
check "4 hv4's VM still runs: never evacuated" test "$("$VI_CTL" running "$VT_DIR" hv4)" = vm4
check "4 the majority never isolated itself" sh -c "! grep -q 'event=isolated ' $VT_DIR/hv1.log $VT_DIR/hv2.log $VT_DIR/hv5.log"
minority_decided=$(tail -n +"$mark3" "$VT_DIR/hv3.log" | grep -cE "event=(verdict|self_fenced|fence_start|notify) " || true)
check "4 the minority server decided nothing" test "$minority_decided" = 0
check "4 no VM ran on two hosts at once" vi_no_double_run
vc_unpartition
check "4 healed: all converge" vt_wait_for 40 vc_converged
reconnected() { grep -q "event=reconnected" "$VT_DIR/hv3.log" && grep -q "event=reconnected" "$VT_DIR/hv4.log"; }
check "4 ... hv3 and hv4 reconnected" vt_wait_for 20 reconnected
cancelled4() { grep -qh "event=fence_cancelled .*hostname=compute-4 " "$VT_DIR"/hv[12].log; }
check "4 ... compute-4's fencing cancelled: nothing ever sent about it" vt_wait_for 20 cancelled4
check "4 no VM ran on two hosts at once, after the heal either" vi_no_double_run

resets=$(vi_resets)
check "no watchdog reset a host${resets:+ (reset: $resets)}" test -z "$resets"

diag "Masakari's notifications:"
vc_notifications | sed 's/^/#   /'
diag "the VM ledger:"
sed 's/^/#   /' "$VT_DIR/vms.log"
exit $((VT_FAILS > 0))
