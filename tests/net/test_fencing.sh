#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# test_fencing.sh - fence, then notify: a 6-host namespace cluster (hv1..hv3
# Raft servers) with a real BMC per host (OpenIPMI's ipmi_sim, whose chassis
# control takes the host's port down and kills its agent), Debian's real
# fence_ipmilan over IPMI LAN, and the real masakari-api:
#   1 crash a host                -> fenced, then exactly one STOPPED with
#                                    host_status NORMAL; one power-off at its BMC
#   2 partition 2 | 3             -> the minority hosts are powered off through
#                                    their BMCs before their NORMAL goes out;
#                                    neither still runs; none about the majority
#   3 leader killed mid-fence     -> (its "off" reached the BMC, "fenced" never
#                                    committed) the new leader confirms with a
#                                    status call: one power-off, one NORMAL
#   4 fencing mode none           -> STOPPED with host_status UNKNOWN, as
#                                    before fencing; the BMC untouched
# "Exactly one" is read from Masakari's notifications and the BMCs' chassis
# logs. Faults (unreachable BMC, wrong password, a host back before its
# fence) are tests/net/test_fencing_faults.sh.
# vigil-test: timeout=420
set -u
cd "$(dirname "$0")/../.."
. tests/lib/netns.sh
. tests/lib/cluster.sh
. tests/lib/bmc.sh

export MASAKARI_DUP_INTERVAL=10
vb_cluster fencing 6
vb_write_cfgs 1000 "$(vb_fencing '"timeout_ms": 20000, "confirm_timeout_ms": 10000, "status_interval_ms": 500, "retry_min_ms": 1000, "retry_max_ms": 4000,')"
for i in 1 2 3 4 5 6; do vb_start "$i"; done
check "6 agents converge" vt_wait_for 30 vc_converged

has_leader() { [ -n "$(vc_leader)" ]; }
check "a Raft leader knows the 6 hosts" vt_wait_for 30 vb_members 6
check "vigil status shows fencing mode power" sh -c "ip netns exec ${VC_NS[1]} $VIGIL status -config ${VC_CFG[1]} | grep -q '^fencing     power'"
check "vigil fence test compute-5 (from a server): powered ON, status only" sh -c \
	"ip netns exec ${VC_NS[2]} $VIGIL fence test compute-5 -config ${VC_CFG[2]} | grep -q 'status: powered ON'"
check "vigil fence test made no power change" test "$(vb_offs 5)" = 0

# --- 1: crash a host ---------------------------------------------------------------
t0=$(date +%s.%N)
vc_crash 4
check "1 crash hv4: a STOPPED NORMAL arrives" vt_wait_for 40 vb_normal compute-4
sleep 3
check "1 exactly one STOPPED for compute-4, and it says NORMAL ($(vb_stopped compute-4))" \
	test "$(vb_stopped compute-4)" = 1 -a "$(vb_stopped compute-4 NORMAL)" = 1
check "1 its BMC powered it off exactly once ($(vb_offs 4))" test "$(vb_offs 4)" = 1 -a "$(vb_power 4)" = 0
check "1 powered off and fenced before the notification was sent" vb_off_before_notify 4 "$t0"
check "1 vigil status: the entry is fenced" test "$(vb_entry compute-4 fence)" = fenced
vb_restore 4

# --- 2: partition 2 | 3 ----------------------------------------------------------------
L=$(vc_leader_wait) || { not_ok "fencing: no Raft leader"; exit 1; }
M1=1
[ "$L" = 1 ] && M1=2
MIN="$M1 5"
MAJ=$(for i in 1 2 3 4 5 6; do [[ " $MIN " == *" $i "* ]] || echo -n "$i "; done)
b_all=$(vc_notifications | grep -c " STOPPED " || true)
mark1=$(wc -l <"$VT_DIR/hv$M1.log")
t0=$(date +%s.%N)
vc_partition "$MIN" "$MAJ"
both() { vb_normal "compute-$M1" && vb_normal compute-5; }
check "2 partition {hv$M1, hv5} | {$MAJ}: NORMAL for both minority hosts" vt_wait_for 60 both
sleep 3
check "2 hv$M1 powered off through its BMC before its notification" vb_off_before_notify "$M1" "$t0"
check "2 hv5 powered off through its BMC before its notification" vb_off_before_notify 5 "$t0"
running=""
for i in $MIN; do
	kill -0 "${VC_PID[$i]}" 2>/dev/null && running="$running hv$i"
	[ "$(vb_power "$i")" = 0 ] || running="$running hv$i(power)"
done
check "2 nothing double-running: the minority's agents are gone, power off${running:+ (still:$running)}" test -z "$running"
for i in $MIN; do wait "${VC_PID[$i]}" 2>/dev/null; done # reap what the BMCs killed, quietly
after_all=$(vc_notifications | grep -c " STOPPED " || true)
check "2 exactly two new STOPPED, none about majority hosts ($((after_all - b_all)))" \
	test "$((after_all - b_all))" = 2
majority_offs=0
for i in $MAJ; do majority_offs=$((majority_offs + $(vb_offs "$i"))); done
check "2 no majority host was powered off (4's one from scenario 1 aside)" test "$majority_offs" = 1
minority_decided=$(tail -n +"$mark1" "$VT_DIR/hv$M1.log" | grep -c "event=verdict \|event=fence_start \|event=notify " || true)
check "2 the minority server decided and fenced nothing" test "$minority_decided" = 0
vc_unpartition
vb_on "$M1"
vb_on 5
vb_start "$M1"
vb_start 5
check "2 healed and powered on: all converge" vt_wait_for 40 vc_converged
# Back and in service, the fenced hosts are never fenced again for the same
# verdict (a fence in flight, a new leader, a retry must not repeat it).
started_both() { vc_notifications "compute-$M1" | grep -q " STARTED " && vc_notifications compute-5 | grep -q " STARTED "; }
vt_wait_for 30 started_both
sleep 3
check "2 powered on and back: one power-off each, never repeated ($(vb_offs "$M1"), $(vb_offs 5))" \
	test "$(vb_offs "$M1")" = 1 -a "$(vb_offs 5)" = 1

# --- 3: the leader dies between its "off" and "fenced" ------------------------------------
vc_leader_wait >/dev/null || { not_ok "fencing: no Raft leader"; exit 1; }
declare -A mark3
for i in 1 2 3; do mark3[$i]=$(wc -l <"$VT_DIR/hv$i.log"); done
t0=$(date +%s.%N)
offs6=$(vb_offs 6)
vc_crash 6
off_reached() { [ "$(vb_offs 6)" -gt "$offs6" ]; }
# the leader that fences is the one to kill (leadership may have moved
# since it was asked: a server restarted in scenario 2 may have taken it)
fencer6() {
	local i
	for i in 1 2 3; do
		tail -n +"${mark3[$i]}" "$VT_DIR/hv$i.log" |
			grep -q "event=fence_start .*hostname=compute-6" && echo "$i" && return 0
	done
	return 1
}
if vt_wait_for 40 off_reached; then
	L=$(fencer6) || L=$(vc_leader_wait)
	kill -KILL "${VC_PID[$L]}"
	wait "${VC_PID[$L]}" 2>/dev/null
	ok "3 leader hv$L killed as hv6's BMC carried out its off"
else
	not_ok "3 the leader never powered hv6 off"
fi
leader_fenced=$(grep -c "event=fenced .*hostname=compute-6" "$VT_DIR/hv$L.log" || true)
check "3 the killed leader had not recorded fenced" test "$leader_fenced" = 0
check "3 a new leader notifies, NORMAL" vt_wait_for 40 vb_normal compute-6
sleep 3
check "3 exactly one STOPPED for compute-6 ($(vb_stopped compute-6))" test "$(vb_stopped compute-6 NORMAL)" = 1 -a "$(vb_stopped compute-6)" = 1
check "3 exactly one power-off at hv6's BMC ($(vb_offs 6))" test "$(vb_offs 6)" = $((offs6 + 1))
resumed() { grep -h "event=fence_start .*hostname=compute-6 resumed=1" "$VT_DIR"/hv[123].log | grep -q .; }
check "3 the new leader resumed the fencing (status first)" resumed
check "3 fenced before notified" vb_off_before_notify 6 "$t0"
vb_start "$L" # only its agent had died
vb_restore 6

# --- 4: fencing mode none: detection only ----------------------------------------------------
for i in 1 2 3; do
	kill -KILL "${VC_PID[$i]}"
	wait "${VC_PID[$i]}" 2>/dev/null
done
vb_write_cfgs 1000 '"fencing": {"mode": "none"},'
for i in 1 2 3; do vb_start "$i"; done
vt_wait_for 30 has_leader
vt_wait_for 30 vc_converged
offs4=$(vb_offs 4)
b4=$(vb_stopped compute-4)
vc_crash 4
new4() { [ "$(vb_stopped compute-4)" -gt "$b4" ]; }
check "4 mode none: a STOPPED for compute-4 arrives" vt_wait_for 40 new4
sleep 3
check "4 exactly one, host_status UNKNOWN as before fencing" \
	test "$(vb_stopped compute-4 UNKNOWN)" = 1 -a "$(vb_stopped compute-4)" = $((b4 + 1))
check "4 its BMC was not touched" test "$(vb_offs 4)" = "$offs4" -a "$(vb_power 4)" = 1

diag "Masakari's notifications:"
vc_notifications | sed 's/^/#   /'
for i in 1 2 3 4 5 6; do diag "hv$i BMC: $(vb_offs "$i") power-off(s)"; done
exit $((VT_FAILS > 0))
