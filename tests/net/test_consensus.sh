#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# test_consensus.sh - from "host dead" to "Masakari told, exactly once", on a
# 5-host namespace cluster (hv1..hv3 Raft servers, hv4, hv5 clients) against
# the real masakari-api (Debian's, run by userspace/tools/masakari-local.sh):
#   1 crash a host                         -> exactly one STOPPED for it
#   2 crash the leader's host              -> the new leader notifies, once
#   3 leader agent killed while its request to a frozen masakari-api is in
#     flight (Masakari takes it after the thaw)       -> the new leader looks
#                                                        it up, finds it: once
#   4 masakari-api down 60 s while a host dies -> delivered after, once
#   5 partition 2 | 3                       -> only the majority notifies, only
#                                              about the minority hosts
#   6 a host reboots within the wait period -> no notification
#   7 a host in maintenance crashes         -> no notification
#   8 masakari answers 400 (unknown host)   -> visible error, delivered once
#                                              the host is registered
#   9 a host leaves gracefully, comes back   -> recorded left, no notification;
#                                              a member again after its restart
# MASAKARI_DOWN_SECONDS shortens scenario 4 (default 60).
set -u
cd "$(dirname "$0")/../.."
. tests/lib/netns.sh
. tests/lib/cluster.sh

DOWN=${MASAKARI_DOWN_SECONDS:-60}
WAIT_MS=3000
vt_require consensus
vt_init || { not_ok "consensus: setup"; exit 1; }
vc_up 6 || { not_ok "consensus: building hosts"; exit 1; }
# Masakari's duplicate window must cover a resend, not two separate crashes
# of one host in this test: 20 s.
export MASAKARI_DUP_INTERVAL=20
if ! vc_masakari_up; then
	not_ok "consensus: the real masakari-api did not start"
	exit 1
fi
ok "real masakari-api running at $VC_MK_URL"

SERVERS="\"servers\": [\"hv1@${VC_IP[1]}\", \"hv2@${VC_IP[2]}\", \"hv3@${VC_IP[3]}\"]"
for i in 1 2 3 4 5 6; do
	role=client
	[ "$i" -le 3 ] && role=server
	host=compute-$i
	[ "$i" = 6 ] && host=compute-unregistered
	vc_write_cfg "$i" "$SERVERS, \"role\": \"$role\", \"hypervisor_hostname\": \"$host\",
  \"wait_period_ms\": $WAIT_MS, \"raft_election_timeout_ms\": 500,
  \"masakari\": {\"url\": \"$VC_MK_URL\", \"retry_min_ms\": 200, \"retry_max_ms\": 2000},"
done
for i in 1 2 3 4 5; do vc_start "$i"; done
check "5 agents converge" vt_wait_for 20 vc_converged 6

all_hosts_decided() {
	local l
	l=$(vc_leader) || return 1
	[ "$(vc_status "$l" | python3 -c "import json,sys; print(sum(1 for h in json.load(sys.stdin)['hosts'] if h['state']=='member'))")" -ge 5 ]
}
check "a Raft leader is elected among the 3 servers" vt_wait_for 20 vc_has_leader
check "the leader knows the 5 hosts as members" vt_wait_for 20 all_hosts_decided

stopped() { vc_notifications "$1" | grep -c " STOPPED " || true; }
all_stopped() { vc_notifications | grep -c " STOPPED " || true; }
# new_stopped HOST BEFORE: at least one STOPPED for HOST beyond BEFORE
new_stopped() { [ "$(stopped "$1")" -gt "$2" ]; }
one_stopped() { new_stopped "$1" 0; }
restore() { # I: bring host I back (link up, agent restarted), back in service
	vc_heal "$1"
	vc_start "$1"
	vt_wait_for 20 vc_converged 6
	# before the next scenario: a host still failed in the decided state
	# gets no new verdict (a CI run partitioned hv2 2 s after its restart)
	vt_wait_for 30 vc_back_in_service "$1"
}

# --- 1: crash a host -----------------------------------------------------------
vc_crash 5
check "1 crash hv5: a notification arrives" vt_wait_for 30 one_stopped compute-5
sleep 3
n=$(vc_notifications compute-5)
check "1 exactly one COMPUTE_HOST STOPPED for compute-5 ($(stopped compute-5))" test "$(stopped compute-5)" = 1
check "1 payload: STOPPED, host_status UNKNOWN, cluster_status OFFLINE" \
	grep -q "^compute-5 COMPUTE_HOST STOPPED UNKNOWN OFFLINE " <<<"$n"
restore 5
started() { vc_notifications compute-5 | grep -q " STARTED NORMAL ONLINE "; }
check "1 hv5 back: STARTED / NORMAL / ONLINE sent" vt_wait_for 30 started

# --- 2: crash the leader's host --------------------------------------------------
L=$(vc_leader_wait) || { not_ok "consensus: no Raft leader"; exit 1; }
diag "leader is hv$L"
vc_crash "$L"
check "2 crash the leader's host hv$L: a new leader notifies" vt_wait_for 40 one_stopped "compute-$L"
sleep 3
check "2 exactly one STOPPED for compute-$L ($(stopped "compute-$L"))" test "$(stopped "compute-$L")" = 1
restore "$L"

# --- 3: leader agent killed between outbox and delivery ----------------------------
L=$(vc_leader_wait) || { not_ok "consensus: no Raft leader"; exit 1; }
mark=$(wc -l <"$VT_DIR/hv$L.log")
declare -A mark3
for i in 1 2 3; do mark3[$i]=$(wc -l <"$VT_DIR/hv$i.log"); done
# A frozen masakari-api: the leader's request waits in its socket.
vc_masakari_freeze
vc_crash 4
sending() { tail -n +"$mark" "$VT_DIR/hv$L.log" | grep -q "event=notify .*hostname=compute-4 kind=STOPPED"; }
if vt_wait_for 30 sending; then
	sleep 0.2 # the request is written
	kill -KILL "${VC_PID[$L]}"
	ok "3 leader hv$L killed while its notification for compute-4 was in flight"
else
	not_ok "3 leader hv$L never started sending for compute-4"
fi
# The entry was not created in the new leader's term: it looks it up before
# sending. Thawed once that lookup waits too, Masakari takes the killed
# leader's request first (it queued first), then answers the lookup.
# others_logged PATTERN: a server other than the killed leader logged
# PATTERN since the scenario began
others_logged() {
	local i
	for i in 1 2 3; do
		[ "$i" = "$L" ] && continue
		tail -n +"${mark3[$i]}" "$VT_DIR/hv$i.log" | grep -q "$1" && return 0
	done
	return 1
}
check "3 the new leader looks compute-4's entry up before sending it" \
	vt_wait_for 20 others_logged "event=notify .*hostname=compute-4 kind=STOPPED .*lookup=1"
vc_masakari_thaw
check "3 a new leader delivers it" vt_wait_for 40 one_stopped compute-4
sleep 4
check "3 exactly one STOPPED for compute-4 ($(stopped compute-4))" test "$(stopped compute-4)" = 1
check "3 ... recorded as found by the new leader's lookup (event=notified result=found)" \
	others_logged "event=notified .*hostname=compute-4 kind=STOPPED result=found http=200 uuid=."
vc_start "$L" # its host never went down: only the agent comes back
restore 4

# --- 4: masakari-api down while a host dies -----------------------------------------
L=$(vc_leader_wait) || { not_ok "consensus: no Raft leader"; exit 1; }
V=
for i in 1 2 3; do [ "$i" != "$L" ] && V=$i; done
b4=$(stopped "compute-$V")
vc_masakari_stop
vc_crash "$V"
t4=$(date +%s)
sleep "$DOWN"
pending_shown() {
	vc_status "$(vc_leader)" | python3 -c "
import json, sys
s = json.load(sys.stdin)
assert any(o['hostname'] == 'compute-$V' and o['status'] == 'pending' and o['last_error'] for o in s['outbox'])"
}
check "4 while masakari is down: the notification is pending with an error shown" pending_shown
vc_masakari_start
check "4 masakari back after $(( $(date +%s) - t4 )) s: delivered" vt_wait_for 40 new_stopped "compute-$V" "$b4"
sleep 3
check "4 exactly one new STOPPED for compute-$V" test "$(stopped "compute-$V")" = $((b4 + 1))
restore "$V"

# --- 5: partition 2 | 3 -------------------------------------------------------------
L=$(vc_leader_wait) || { not_ok "consensus: no Raft leader"; exit 1; }
# The minority holds one server (not the leader) and one client.
M1=1
[ "$L" = 1 ] && M1=2
MIN="$M1 5"
MAJ=$(for i in 1 2 3 4 5; do [[ " $MIN " == *" $i "* ]] || echo -n "$i "; done)
before=$(all_stopped)
b5a=$(stopped "compute-$M1")
b5b=$(stopped compute-5)
mark1=$(wc -l <"$VT_DIR/hv$M1.log")
vc_partition "$MIN" "$MAJ"
both_minority_notified() { new_stopped "compute-$M1" "$b5a" && new_stopped compute-5 "$b5b"; }
check "5 partition {hv$M1, hv5} | {$MAJ}: the majority notifies about both minority hosts" \
	vt_wait_for 40 both_minority_notified
sleep 4
after=$(all_stopped)
check "5 exactly two new STOPPED, none about majority hosts ($((after - before)))" \
	test "$((after - before))" = 2
minority_verdicts=$(tail -n +"$mark1" "$VT_DIR/hv$M1.log" | grep -c "event=verdict \|event=notify " || true)
check "5 the minority server decided nothing" test "$minority_verdicts" = 0
vc_unpartition
vt_wait_for 30 vc_converged 6

# --- 6: a reboot shorter than the wait period ------------------------------------------
before=$(stopped compute-4)
vc_crash 4
sleep 1.5
restore 4
sleep $((WAIT_MS / 1000 + 3))
check "6 hv4 down 1.5 s (< wait period): no notification" test "$(stopped compute-4)" = "$before"

# --- 7: a host in maintenance crashes --------------------------------------------------
ip netns exec "${VC_NS[4]}" "$VIGIL" maint enable compute-2 -config "${VC_CFG[4]}" >/dev/null
in_maint2() { vc_status "$(vc_leader)" | python3 -c "
import json, sys
assert any(h['hostname'] == 'compute-2' and h['state'] == 'maintenance' for h in json.load(sys.stdin)['hosts'])"; }
check "7 vigil maint enable (through a client) reaches the leader" vt_wait_for 20 in_maint2
before=$(stopped compute-2)
if [ "$(vc_leader_wait)" = 2 ]; then
	kill -KILL "${VC_PID[2]}" # keep the leader; crash the host after a new one is elected
	vt_wait_for 20 vc_has_leader
fi
vc_crash 2
sleep $((WAIT_MS / 1000 + 6))
check "7 hv2 in maintenance crashed: no notification" test "$(stopped compute-2)" = "$before"
restore 2
ip netns exec "${VC_NS[4]}" "$VIGIL" maint disable compute-2 -config "${VC_CFG[4]}" >/dev/null

# --- 8: Masakari does not know the host ------------------------------------------------
vc_start 6
vt_wait_for 20 vc_converged
known6() { vc_status "$(vc_leader)" | grep -q compute-unregistered; }
vt_wait_for 20 known6
vc_crash 6
error_shown() {
	vc_status "$(vc_leader)" | python3 -c "
import json, sys
s = json.load(sys.stdin)
assert any(o['hostname'] == 'compute-unregistered' and o['status'] == 'pending' and 'could not be found' in o['last_error'] for o in s['outbox'])"
}
check "8 400 host not found: kept pending, error shown in vigil status" vt_wait_for 30 error_shown
check "8 the error is logged loudly" sh -c "grep -h 'refused by Masakari' $VT_DIR/hv[123].log | grep -q compute-unregistered"
MASAKARI_ADDR=$VT_NET.1 ip netns exec "$VC_SW" userspace/tools/masakari-local.sh add-host "$VC_MK_DIR" compute-unregistered
check "8 host registered: delivered" vt_wait_for 30 one_stopped compute-unregistered
sleep 3
check "8 exactly one STOPPED for it" test "$(stopped compute-unregistered)" = 1

# --- 9: graceful leave, then return ------------------------------------------------------
vt_wait_for 20 vc_has_leader
before=$(stopped compute-5)
vc_leave 5
check "9 hv5 left with vigil leave: exit 0" test $? = 0
host_state() { # HOSTNAME STATE: the leader's decided state of HOSTNAME is STATE
	vc_status "$(vc_leader)" | python3 -c "
import json, sys
sys.exit(not any(h['hostname'] == '$1' and h['state'] == '$2' for h in json.load(sys.stdin)['hosts']))"
}
check "9 the leader records compute-5 as left" vt_wait_for 20 host_state compute-5 left
sleep $((WAIT_MS / 1000 + 2))
check "9 no notification about a host that left" test "$(stopped compute-5)" = "$before"
vc_start 5
check "9 hv5 restarted: every running member sees it alive again" \
	vt_wait_for 20 vc_all_see alive hv5 6
check "9 the leader counts compute-5 as a member again" vt_wait_for 20 host_state compute-5 member

diag "Masakari's notifications:"
vc_notifications | sed 's/^/#   /'
exit $((VT_FAILS > 0))
