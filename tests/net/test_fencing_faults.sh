#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# test_fencing_faults.sh - fencing that cannot complete never becomes a
# NORMAL notification. 5 hosts (hv1..hv3 Raft servers), a real BMC per host
# (ipmi_sim), the real fence_ipmilan and masakari-api:
#   1 BMC unreachable (ipmi_sim stopped) -> no notification; fencing
#                                            "failed" in vigil status, metrics
#                                            and an event line; fenced and
#                                            notified once when the BMC answers
#   2 wrong BMC password                 -> the same, and the error says the
#                                            BMC refused the credentials;
#                                            fixed password: fenced, notified once
#   3 the host returns before its fence  -> fencing cancelled: no STOPPED, no
#                                            STARTED, no power-off, ever
# Nova's force_down is configured against an endpoint that refuses: it is
# tried after each fence and never holds a notification back.
# vigil-test: timeout=420
set -u
cd "$(dirname "$0")/../.."
. tests/lib/netns.sh
. tests/lib/cluster.sh
. tests/lib/bmc.sh

export MASAKARI_DUP_INTERVAL=10
vb_cluster fencing_faults 5
# A call is killed after 25 s (fence_ipmilan itself gives up on refused
# credentials after about 8 s and on a silent BMC after about 10 s, more on a
# loaded machine); retries every 1-4 s.
# Nova's force_down is on, against an endpoint where nothing listens: it
# fails, and the notifications go out all the same.
vb_write_cfgs 1000 "$(vb_fencing '"timeout_ms": 25000, "confirm_timeout_ms": 10000, "status_interval_ms": 500, "retry_min_ms": 1000, "retry_max_ms": 4000, "nova_force_down": true, "nova_url": "http://'"$VT_NET"'.1:9/v2.1",')"
for i in 1 2 3 4 5; do vb_start "$i"; done
check "5 agents converge" vt_wait_for 30 vc_converged
check "a Raft leader knows the 5 hosts" vt_wait_for 30 vb_members 5

fence_is() { [ "$(vb_entry "$1" fence)" = "$2" ]; }
metric() { # NAME{LABELS} on the leader
	local l
	l=$(vc_leader) || return 1
	ip netns exec "${VC_NS[$l]}" curl -s --noproxy '*' "http://127.0.0.1:7500/metrics" |
		awk -v m="$1" '$1 == m {print $2}'
}
failed_shown() { [ "$(metric 'vigil_fencing_hosts{state="failed"}')" = 1 ]; }
event_logged() { grep -h "event=fence_failed .*hostname=$1 " "$VT_DIR"/hv[123].log | grep -q .; }

# --- 1: the BMC does not answer ---------------------------------------------------------
t0=$(date +%s.%N)
vb_freeze 4
vc_crash 4
check "1 BMC of hv4 unreachable: fencing shows failed in vigil status" vt_wait_for 40 fence_is compute-4 failed
diag "vigil status: $(vb_entry compute-4 fence_error)"
check "1 ... and in the metrics (vigil_fencing_hosts{state=\"failed\"} 1)" vt_wait_for 10 failed_shown
check "1 ... and as an event line" event_logged compute-4
check "1 the reason says the agent was killed or found no session" sh -c \
	"grep -hE 'fencing compute-4 FAILED: status (timeout|error)' $VT_DIR/hv[123].log | grep -q ."
sleep 8
check "1 no notification while it cannot be fenced ($(vb_stopped compute-4))" test "$(vb_stopped compute-4)" = 0
check "1 ... and nothing NORMAL is pending to send" test "$(vb_entry compute-4 power_off_confirmed)" = False
vb_thaw 4
check "1 the BMC answers again: fenced, and a NORMAL arrives" vt_wait_for 40 vb_normal compute-4
sleep 3
check "1 exactly one STOPPED for compute-4, NORMAL; one power-off" \
	test "$(vb_stopped compute-4)" = 1 -a "$(vb_stopped compute-4 NORMAL)" = 1 -a "$(vb_offs 4)" = 1
check "1 fenced before notified" vb_off_before_notify 4 "$t0"
nova_failed() { grep -h "event=nova_force_down hostname=compute-4 result=failed" "$VT_DIR"/hv[123].log | grep -q .; }
check "1 Nova's force_down was tried and failed (no Nova here): notified all the same" nova_failed
alert_cleared() { [ "$(metric 'vigil_fencing_hosts{state="failed"}')" = 0 ]; }
check "1 the alert clears (vigil_fencing_hosts{state=\"failed\"} 0)" vt_wait_for 10 alert_cleared
vb_restore 4

# --- 2: wrong credentials -----------------------------------------------------------------
t0=$(date +%s.%N)
vb_password 5 wrong-password
vc_crash 5
check "2 wrong BMC password for hv5: fencing failed" vt_wait_for 40 fence_is compute-5 failed
creds_refused() { vb_entry compute-5 fence_error | grep -q "refused the credentials"; }
check "2 the error says the BMC refused the credentials" vt_wait_for 60 creds_refused
diag "vigil status: $(vb_entry compute-5 fence_error)"
check "2 the password does not appear in any log" sh -c "! grep -q wrong-password $VT_DIR/hv[1-5].log"
sleep 5
check "2 no notification ($(vb_stopped compute-5))" test "$(vb_stopped compute-5)" = 0
vb_password 5 "${VB_PASS[5]}"
check "2 the right password (read at every call): fenced, NORMAL" vt_wait_for 40 vb_normal compute-5
sleep 3
check "2 exactly one STOPPED for compute-5, one power-off" \
	test "$(vb_stopped compute-5)" = 1 -a "$(vb_offs 5)" = 1
vb_restore 5

# --- 3: the host returns before it is fenced ------------------------------------------------
vt_wait_for 20 vc_has_leader
b_all=$(vc_notifications compute-4 | wc -l)
offs=$(vb_offs 4)
vb_freeze 4
vc_crash 4
check "3 hv4 down, its BMC silent: fencing fails" vt_wait_for 40 fence_is compute-4 failed
vc_heal 4
vb_start 4
check "3 hv4 back before its fence: the fencing is cancelled" vt_wait_for 30 fence_is compute-4 cancelled
cancel_logged() { grep -h "event=fence_cancelled .*hostname=compute-4 " "$VT_DIR"/hv[123].log | grep -q .; }
check "3 ... with an event line" cancel_logged
vb_thaw 4
sleep 6
check "3 no notification at all for this failure, STOPPED or STARTED" \
	test "$(vc_notifications compute-4 | wc -l)" = "$b_all"
check "3 no power-off at its BMC, the host still runs" \
	test "$(vb_offs 4)" = "$offs" -a "$(vb_power 4)" = 1 -a "$(kill -0 "${VC_PID[4]}" && echo up)" = up

diag "Masakari's notifications:"
vc_notifications | sed 's/^/#   /'
exit $((VT_FAILS > 0))
