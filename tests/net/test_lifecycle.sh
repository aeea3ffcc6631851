#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# test_lifecycle.sh - a host's normal life, on a 7-host namespace cluster
# (hv1..hv3 Raft servers, hv4..hv7 clients) against the real masakari-api:
#   1 a client rebooted cleanly (SIGTERM, the kernel's state gone, restart)
#                                          -> alive and probed again; its
#                                             later crash is notified
#  1b a client that left (`vigil leave`), its kernel state gone, restarted
#                                          -> a member again, probed; its
#                                             later crash is notified
#   2 each server rebooted cleanly in turn  -> the voters stay hv1..hv3
#   3 the whole zone power-cycled, hv7 never comes back
#                                          -> hv7 gets its verdict (nobody
#                                             knew it after the restart)
#   4 the servers leave one after another (a clean power-down), hv3 never
#     comes back                           -> hv1 and hv2 elect a leader
#   5 the quorum lost for good (hv2's and hv3's disks gone)
#                                          -> `vigil operator raft recover`
#                                             on hv1: a leader, the decided
#                                             state kept
# vigil-test: timeout=900
set -u
cd "$(dirname "$0")/../.."
. tests/lib/netns.sh
. tests/lib/cluster.sh

WAIT_MS=4000
vt_require lifecycle
vt_init || { not_ok "lifecycle: setup"; exit 1; }
vc_up 7 || { not_ok "lifecycle: building hosts"; exit 1; }
export MASAKARI_DUP_INTERVAL=5
if ! vc_masakari_up; then
	not_ok "lifecycle: the real masakari-api did not start"
	exit 1
fi
SERVERS="\"servers\": [\"hv1@${VC_IP[1]}\", \"hv2@${VC_IP[2]}\", \"hv3@${VC_IP[3]}\"]"
# every host joins through every server: any one of them may be down
VC_JOIN="[\"${VC_IP[1]}\", \"${VC_IP[2]}\", \"${VC_IP[3]}\"]"
for i in 1 2 3 4 5 6 7; do
	role=client
	[ "$i" -le 3 ] && role=server
	vc_write_cfg "$i" "$SERVERS, \"role\": \"$role\", \"hypervisor_hostname\": \"compute-$i\",
  \"wait_period_ms\": $WAIT_MS, \"min_healthy_hosts\": 0, \"raft_election_timeout_ms\": 500,
  \"masakari\": {\"url\": \"$VC_MK_URL\", \"retry_min_ms\": 200, \"retry_max_ms\": 2000},"
done
for i in 1 2 3 4 5 6 7; do vc_start "$i"; done
check "7 agents converge" vt_wait_for 30 vc_converged

has_leader() { [ -n "$(vc_leader)" ]; }
# decided STATE N: the leader's decided state holds at least N hosts in STATE
decided() {
	local l
	l=$(vc_leader) || return 1
	[ "$(vc_status "$l" | python3 -c "import json,sys; print(sum(1 for h in json.load(sys.stdin)['hosts'] if h['state']=='$1'))")" -ge "$2" ]
}
# voters_are I NAMES: hv I's Raft configuration has exactly these voters
voters_are() {
	local i=$1
	shift
	[ "$(ip netns exec "${VC_NS[$i]}" "$VIGIL" operator raft list-peers -config "${VC_CFG[$i]}" -j 2>/dev/null |
		python3 -c "import json,sys; print(' '.join(sorted(p['name'] for p in json.load(sys.stdin) if p['role']=='voter')))")" = "$*" ]
}
vc_leader_of() { vc_status "$1" | python3 -c "import json,sys; sys.exit(json.load(sys.stdin)['raft']['role'] != 'leader')"; }
stopped() { vc_notifications "$1" | grep -c " STOPPED " || true; }
one_stopped() { [ "$(stopped "$1")" -ge 1 ]; }
check "a Raft leader is elected" vt_wait_for 30 has_leader
check "the leader counts the 7 hosts" vt_wait_for 30 decided member 7

# --- 1: a client rebooted cleanly ------------------------------------------------
vc_reboot_down 4
check "1 hv4 stopped with SIGTERM: exit 0" test $? = 0
sleep 1
vc_start 4
check "1 after its reboot every host sees hv4 alive" vt_wait_for 20 vc_all_see alive hv4
probed() { # I: hv1's kernel heard hv I within the last second
	ip netns exec "${VC_NS[1]}" "$VIGIL" members -config "${VC_CFG[1]}" -j 2>/dev/null |
		python3 -c "import json,sys; sys.exit(not any(m['name']=='hv$1' and 0 <= m['last_ack_age_ms'] < 1000 for m in json.load(sys.stdin)))"
}
check "1 ... and probed: hv1's kernel hears it" vt_wait_for 10 probed 4
sleep $((WAIT_MS / 1000 + 1))
check "1 no notification about the reboot" test "$(stopped compute-4)" = 0

# --- 1b: a client left, its kernel state gone, restarted ---------------------------
# The path a reboot took before SIGTERM stopped leaving: LEFT at a higher
# incarnation than the restarted agent's first; its boot epoch outbids it.
host_state() { # HOSTNAME STATE: the leader's decided state of HOSTNAME is STATE
	vc_status "$(vc_leader)" | python3 -c "
import json, sys
sys.exit(not any(h['hostname'] == '$1' and h['state'] == '$2' for h in json.load(sys.stdin)['hosts']))"
}
vc_leave 5
check "1b hv5 left with vigil leave: exit 0" test $? = 0
check "1b the leader records compute-5 as left" vt_wait_for 20 host_state compute-5 left
ip netns exec "${VC_NS[5]}" "$VIGIL" xdp detach -config "${VC_CFG[5]}" >/dev/null 2>&1
vc_start 5
check "1b after its restart every host sees hv5 alive" vt_wait_for 20 vc_all_see alive hv5
check "1b ... and probed: hv1's kernel hears it" vt_wait_for 10 probed 5
check "1b the leader counts compute-5 as a member again" vt_wait_for 20 host_state compute-5 member

# --- 2: each server rebooted cleanly in turn -------------------------------------
for s in 1 2 3; do
	vc_reboot_down "$s"
	check "2 hv$s stopped with SIGTERM: exit 0" test $? = 0
	sleep 1
	vc_start "$s"
	check "2 hv$s rebooted: every host sees it alive" vt_wait_for 30 vc_all_see alive "hv$s"
	check "2 hv$s rebooted: a leader" vt_wait_for 30 has_leader
	check "2 hv$s rebooted: the voters are hv1 hv2 hv3" vt_wait_for 20 voters_are "$s" hv1 hv2 hv3
done

ip netns exec "${VC_NS[1]}" "$VIGIL" operator raft list-peers -config "${VC_CFG[1]}" 2>&1 | sed 's/^/# /'

# ... and the rebooted clients' later crashes are notified
vc_crash 4
vc_crash 5
check "1 hv4 crashes after its reboot: notified" vt_wait_for 40 one_stopped compute-4
check "1b hv5 crashes after its return: notified" vt_wait_for 40 one_stopped compute-5
vc_heal 4
vc_heal 5

# --- 3: the whole zone power-cycled, hv7 stays down -------------------------------
rcs=
for i in 1 2 3 4 5 6 7; do
	[ "$i" = 4 ] || [ "$i" = 5 ] && continue # (crashed above, already down)
	vc_reboot_down "$i"
	rcs="$rcs$?"
done
check "3 every agent stopped with SIGTERM exits 0 ($rcs)" test "$rcs" = 00000
vc_isolate 7
for i in 1 2 3 4 5 6; do vc_start "$i"; done
check "3 the 6 returning hosts converge" vt_wait_for 40 vc_converged 7
check "3 a leader after the power cycle" vt_wait_for 30 has_leader
check "3 hv7, known to nobody after the restart, gets its verdict" \
	vt_wait_for 60 one_stopped compute-7
grep -h "event=members_learned" "$VT_DIR"/hv[123].log | sed 's/^/# /'

# --- 4: a clean power-down, server after server; hv3 never returns -----------------
for s in 1 2 3; do
	vc_leave "$s"
	check "4 hv$s left (vigil leave): exit 0" test $? = 0
	sleep 1
done
vc_isolate 3
vc_start 1
vc_start 2
check "4 hv1 and hv2 come back without hv3: a leader" vt_wait_for 40 has_leader
check "4 the voters are still hv1 hv2 hv3" voters_are 1 hv1 hv2 hv3

# --- 5: the quorum lost for good ---------------------------------------------------
# (hv1 and hv2 were still connecting to hv3, which is gone: push-pull and Raft
# connections in flight when SIGTERM comes)
vc_stop 1
rc1=$?
vc_stop 2
check "5 hv1 and hv2 stopped with SIGTERM mid-connect: exit 0 ($rc1, $?)" test "$rc1$?" = 00
rm -rf "$VT_DIR/data/hv2/raft" "$VT_DIR/data/hv3/raft"
vc_start 1
sleep 5
! vc_leader_of 1
check "5 hv1 alone, the others' state gone: no leader (1 of 3 voters)" test $? = 0
vc_stop 1
ip netns exec "${VC_NS[1]}" "$VIGIL" operator raft recover -config "${VC_CFG[1]}" >"$VT_DIR/recover.out" 2>&1
check "5 vigil operator raft recover on hv1: exit 0" test $? = 0
sed 's/^/# /' "$VT_DIR/recover.out"
# as the recovery says: the other server that will run gets hv1's state
cp -a "$VT_DIR/data/hv1/raft" "$VT_DIR/data/hv2/raft"
vc_start 1
vc_start 2
check "5 after the recovery hv1 leads" vt_wait_for 40 has_leader
check "5 the decided state is kept: hv7 failed, the hosts counted" \
	vt_wait_for 20 decided failed 1
check "5 hv2, given hv1's recovered state, joins as a voter again" vt_wait_for 40 voters_are 1 hv1 hv2
check "5 recover refuses while the agent runs" \
	sh -c "! ip netns exec ${VC_NS[1]} $VIGIL operator raft recover -config ${VC_CFG[1]} 2>$VT_DIR/recover2.err"
check "5 ... and says why" grep -q "is running: stop it first" "$VT_DIR/recover2.err"

exit $((VT_FAILS > 0))
