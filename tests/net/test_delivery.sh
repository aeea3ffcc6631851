#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# test_delivery.sh - delivery to the real masakari-api (Debian's, run by
# userspace/tools/masakari-local.sh) when the leader's own path or Masakari's
# state stands in the way, on a 4-host namespace cluster (hv1..hv3 Raft
# servers, hv4 a client; fencing.mode assume-off, so a STOPPED goes out
# host_status NORMAL as after a confirmed fence):
#   1 the leader cannot reach masakari-api (nftables drops its packets to
#     it; the other servers still can) while hv4 dies -> after 30 s of failed
#     deliveries it hands leadership over (event=leader_transfer
#     reason=delivery); another server delivers: one STOPPED
#   2 masakari-engine recovered hv4 and left it on_maintenance (the
#     launcher's `recover` writes what the engine would); nobody clears the
#     flag; hv4 returns and dies again -> Masakari refuses with 409 "on
#     maintenance": pending, "refused" in vigil status (and the flag noted in
#     its host table), an error naming the command that clears the flag,
#     metric on_maintenance; no record made.
#     The flag cleared through the API -> delivered: one record per event
# vigil-test: timeout=420
set -u
cd "$(dirname "$0")/../.."
. tests/lib/netns.sh
. tests/lib/cluster.sh

WAIT_MS=2000
vt_require delivery
vt_init || { not_ok "delivery: setup"; exit 1; }
vc_up 4 || { not_ok "delivery: building hosts"; exit 1; }
# Masakari 14.0.2 takes a STOPPED of a host as a duplicate of any earlier one
# with the same payload generated within this window (180 s by default):
# keep it shorter than the time between hv4's two failures here.
export MASAKARI_DUP_INTERVAL=20
if ! vc_masakari_up; then
	not_ok "delivery: the real masakari-api did not start"
	exit 1
fi
ok "real masakari-api running at $VC_MK_URL"
MK=(env MASAKARI_ADDR="$VT_NET.1" ip netns exec "$VC_SW" userspace/tools/masakari-local.sh)

SERVERS="\"servers\": [\"hv1@${VC_IP[1]}\", \"hv2@${VC_IP[2]}\", \"hv3@${VC_IP[3]}\"]"
for i in 1 2 3 4; do
	role=client
	[ "$i" -le 3 ] && role=server
	vc_write_cfg "$i" "$SERVERS, \"role\": \"$role\", \"hypervisor_hostname\": \"compute-$i\",
  \"wait_period_ms\": $WAIT_MS, \"raft_election_timeout_ms\": 1000,
  \"fencing\": {\"mode\": \"assume-off\"},
  \"masakari\": {\"url\": \"$VC_MK_URL\", \"timeout_ms\": 2000, \"retry_min_ms\": 200, \"retry_max_ms\": 2000},"
done
for i in 1 2 3 4; do vc_start "$i"; done
check "4 agents converge" vt_wait_for 20 vc_converged

members4() {
	vc_status "$(vc_leader)" | python3 -c "
import json, sys
sys.exit(sum(1 for h in json.load(sys.stdin)['hosts'] if h['state'] == 'member') < 4)"
}
check "a Raft leader knows the 4 hosts" vt_wait_for 30 members4

count() { # HOST EVENT: Masakari's notifications of HOST with payload EVENT
	vc_notifications "$1" | grep -c " $2 " || true
}
more_than() { [ "$(count "$1" "$2")" -gt "$3" ]; }
metric() { # I NAME{LABELS}: hv I's metric
	ip netns exec "${VC_NS[$1]}" curl -s --noproxy '*' "http://127.0.0.1:7500/metrics" |
		awk -v m="$2" '$1 == m {print $2}'
}
since() { tail -n +"$2" "$VT_DIR/hv$1.log"; } # I LINE: hv I's log from LINE on

# --- 1: the leader cannot reach masakari-api ------------------------------------------
L=$(vc_leader_wait) || { not_ok "delivery: no Raft leader"; exit 1; }
diag "leader is hv$L; its packets to masakari-api are dropped from now on"
ip netns exec "${VC_NS[$L]}" nft -f - <<EOF
table inet vigil_cut {
	chain out {
		type filter hook output priority 0; policy accept;
		ip daddr $VT_NET.1 tcp dport 15868 drop
	}
}
EOF
declare -A mark
for i in 1 2 3; do mark[$i]=$(wc -l <"$VT_DIR/hv$i.log"); done
vc_crash 4
t1=$(date +%s)
check "1 hv$L keeps failing to reach masakari-api" \
	vt_wait_for 30 sh -c "tail -n +${mark[$L]} $VT_DIR/hv$L.log | grep -q 'notification .* for compute-4 not delivered'"
check "1 another server delivers the STOPPED for compute-4" vt_wait_for 90 more_than compute-4 STOPPED 0
diag "delivered $(($(date +%s) - t1)) s after the crash (wait period $WAIT_MS ms)"
transferred() { since "$L" "${mark[$L]}" | grep -q 'event=leader_transfer reason=delivery failures=[0-9]* seconds=[0-9]* to=hv'; }
check "1 hv$L handed leadership over: event=leader_transfer reason=delivery" transferred
since $L "${mark[$L]}" | grep "event=leader_transfer" | sed 's/^/# /'
# (Masakari lists the notification a moment before its 202 reaches the
# sender and the sender logs it)
D=
delivered_by() {
	local i
	for i in 1 2 3; do
		[ "$i" = "$L" ] && continue
		since "$i" "${mark[$i]}" | grep -q "event=notified .*hostname=compute-4 kind=STOPPED result=delivered" && D=$i
	done
	[ -n "$D" ]
}
vt_wait_for 10 delivered_by
looked_up() { [ -n "$D" ] && since "$D" "${mark[$D]}" | grep -q 'event=notify .*hostname=compute-4 kind=STOPPED .*lookup=1'; }
check "1 the new leader hv${D:-?} (not hv$L) delivered it, after a lookup" looked_up
check "1 vigil_leadership_transfers_total{reason=\"delivery\"} is 1 on hv$L" \
	test "$(metric "$L" 'vigil_leadership_transfers_total{reason="delivery"}')" = 1
sleep 3
check "1 exactly one STOPPED for compute-4 ($(count compute-4 STOPPED))" test "$(count compute-4 STOPPED)" = 1
check "1 hv$L handed over once ($(grep -c 'event=leader_transfer' "$VT_DIR/hv$L.log"))" \
	test "$(grep -c 'event=leader_transfer' "$VT_DIR/hv$L.log")" = 1
ip netns exec "${VC_NS[$L]}" nft delete table inet vigil_cut

# --- 2: a second failure of a host Masakari keeps on_maintenance ------------------------
check "2 masakari-engine's recovery of compute-4 (its STOPPED finished, the host on_maintenance)" \
	"${MK[@]}" recover "$VC_MK_DIR" compute-4
vc_heal 4
vc_start 4
vt_wait_for 20 vc_converged
L=$(vc_leader_wait) || { not_ok "delivery: no Raft leader"; exit 1; }
for i in 1 2 3; do mark[$i]=$(wc -l <"$VT_DIR/hv$i.log"); done
started_refused() { # the leader shows compute-4's STARTED refused
	vc_status "$(vc_leader)" | python3 -c "
import json, sys
sys.exit(not any(o['hostname'] == 'compute-4' and o['event'] == 'STARTED' and
                 o['status'] == 'pending' and o['last_result'] == 'on_maintenance'
                 for o in json.load(sys.stdin)['outbox']))"
}
check "2 hv4 back: its STARTED is refused too (the host is still on_maintenance)" vt_wait_for 30 started_refused
vc_crash 4
stopped_refused() {
	vc_status "$(vc_leader)" | python3 -c "
import json, sys
o = [o for o in json.load(sys.stdin)['outbox'] if o['hostname'] == 'compute-4' and o['event'] == 'STOPPED']
sys.exit(len(o) != 2 or o[-1]['status'] != 'pending' or o[-1]['last_result'] != 'on_maintenance'
         or 'openstack segment host update --on_maintenance False vigil compute-4' not in o[-1]['last_error'])"
}
check "2 hv4 dies again: its STOPPED stays pending, refused, with the command that clears the flag" \
	vt_wait_for 40 stopped_refused
L=$(vc_leader_wait) || { not_ok "delivery: no Raft leader"; exit 1; }
vc_status "$L" | python3 -c "
import json, sys
for o in json.load(sys.stdin)['outbox']:
    print('#', o['id'], o['hostname'], o['event'], o['status'], o['last_result'], o['last_error'][:150])"
status_refused() { ip netns exec "${VC_NS[$L]}" "$VIGIL" status -config "${VC_CFG[$L]}" | grep -q '^[0-9]* *compute-4 *STOPPED *refused'; }
check "2 vigil status shows it refused" status_refused
# masakari_flag I: hv I's status -j says whether Masakari keeps compute-4 on_maintenance
masakari_flag() {
	vc_status "$1" | python3 -c "
import json, sys
print([h['masakari_on_maintenance'] for h in json.load(sys.stdin)['hosts'] if h['hostname'] == 'compute-4'][0])"
}
host_note() { ip netns exec "${VC_NS[$L]}" "$VIGIL" status -config "${VC_CFG[$L]}" | grep -q '^hv4 *compute-4 .*Masakari: on_maintenance (refuses its notifications)'; }
check "2 vigil status's host table notes Masakari's on_maintenance (vigil's own state aside)" host_note
check "2 ... and -j says masakari_on_maintenance" test "$(masakari_flag "$L")" = True
logged_refused() { since "$L" "${mark[$L]}" | grep -q 'error: event=notify_refused .*hostname=compute-4 kind=STOPPED reason=on_maintenance http=409'; }
check "2 the leader logs the refusal as an error (event=notify_refused reason=on_maintenance)" logged_refused
check "2 ... and what to do (REFUSED by Masakari ... openstack segment host update)" \
	sh -c "grep -h 'REFUSED by Masakari' $VT_DIR/hv[123].log | grep -q 'on_maintenance False vigil compute-4'"
n=$(metric "$L" 'vigil_notifications_sent_total{result="on_maintenance"}')
check "2 vigil_notifications_sent_total{result=\"on_maintenance\"} counts it (${n:-none})" test "${n:-0}" -gt 0
check "2 not recorded delivered: Masakari still holds one STOPPED for compute-4" \
	test "$(count compute-4 STOPPED)" = 1
check "2 an operator clears on_maintenance through the API" \
	"${MK[@]}" maintenance "$VC_MK_DIR" compute-4 false
check "2 the second STOPPED is delivered" vt_wait_for 30 more_than compute-4 STOPPED 1
flag_cleared() { [ "$(masakari_flag "$(vc_leader)")" = False ]; }
check "2 ... and status no longer notes the flag" vt_wait_for 10 flag_cleared
all_delivered() {
	vc_status "$(vc_leader)" | python3 -c "
import json, sys
sys.exit(not all(o['status'] == 'delivered' for o in json.load(sys.stdin)['outbox']))"
}
check "2 every outbox entry is delivered" vt_wait_for 20 all_delivered
sleep 3
check "2 one record per event: 2 STOPPED, 1 STARTED for compute-4" \
	test "$(count compute-4 STOPPED) $(count compute-4 STARTED)" = "2 1"

diag "Masakari's notifications:"
vc_notifications | sed 's/^/#   /'
exit $((VT_FAILS > 0))
