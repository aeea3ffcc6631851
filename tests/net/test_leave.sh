#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# test_leave.sh - `vigil leave` on a 4-host namespace cluster (hv1..hv3 Raft
# servers with a short wait period, hv4 a client): the agent asked to leave
# tells its members and exits 0; every member shows it "left", none ever
# suspects it, and the servers record no failure. Then a server leaves too:
# it stays a voter (never fewer than the servers list) until the operator
# removes it (`vigil operator raft remove-peer`), is added back when it returns,
# adds a new server that was in nobody's "servers" list, and then removes a
# crashed server once it has a failure verdict.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/netns.sh
. tests/lib/cluster.sh

vt_require leave
vt_init || { not_ok "leave: setup"; exit 1; }
vc_up 4 || { not_ok "leave: building 4 hosts"; exit 1; }
SERVERS="\"servers\": [\"hv1@${VC_IP[1]}\", \"hv2@${VC_IP[2]}\", \"hv3@${VC_IP[3]}\"]"
for i in 1 2 3 4; do
	role=client
	[ "$i" -le 3 ] && role=server
	vc_write_cfg "$i" "$SERVERS, \"role\": \"$role\", \"wait_period_ms\": 500,
  \"raft_election_timeout_ms\": 500, \"min_healthy_hosts\": 0,"
done
for i in 1 2 3 4; do vc_start "$i"; done
check "4 agents converge" vt_wait_for 20 vc_converged

# leave_of I: run `vigil leave` in hv I's namespace; output in $VT_DIR/leave$I.*
leave_of() {
	ip netns exec "${VC_NS[$1]}" "$VIGIL" leave -config "${VC_CFG[$1]}" \
		>"$VT_DIR/leave$1.out" 2>"$VT_DIR/leave$1.err"
}
# no_failure_about NAME: no member logged NAME suspect or dead
no_failure_about() {
	! cat "$VT_DIR"/hv*.log | grep -v ' incarnation=0$' | grep -q "member=$1 from=.* to=\(suspect\|dead\)"
}
verdicts() { # I: vigil_failure_verdicts_total on hv I
	ip netns exec "${VC_NS[$1]}" curl -s --noproxy '*' http://127.0.0.1:7500/metrics |
		awk '$1 == "vigil_failure_verdicts_total" {print $2}'
}

# --- a client leaves -----------------------------------------------------------
leave_of 4
check "vigil leave: exit 0" test $? = 0
check "vigil leave: says the leave completed" grep -q "graceful leave complete" "$VT_DIR/leave4.out"
wait "${VC_PID[4]}"
check "vigil leave: the agent exited 0" test $? = 0
check "vigil leave: the agent logged why it left" \
	grep -q "leave requested through the API: leaving the cluster" "$VT_DIR/hv4.log"
left4() { vc_all_see left hv4 4; }
check "every member shows hv4 left" vt_wait_for 10 left4
sleep 2 # longer than the wait period: a wrong verdict would be in by now
check "hv4 still left everywhere after the wait period" left4
check "no member ever suspected hv4" no_failure_about hv4
check "the servers recorded no failure verdict" test "$(verdicts 1)" = 0
hv4_status() {
	ip netns exec "${VC_NS[1]}" "$VIGIL" status -config "${VC_CFG[1]}" -j |
		python3 -c "import json,sys; s=json.load(sys.stdin); assert not any(h.get('failed') for h in s.get('hosts', [])), s['hosts']"
}
check "vigil status: no host failed" hv4_status

# --- a server leaves: the other two keep a quorum --------------------------------
leave_of 3
check "vigil leave on a server: exit 0" test $? = 0
wait "${VC_PID[3]}"
check "the server's agent exited 0" test $? = 0
left3() { vc_all_see left hv3 3 4; }
check "hv1 and hv2 show hv3 left" vt_wait_for 10 left3
sleep 2
check "no member ever suspected hv3" no_failure_about hv3
check "still no failure verdict" test "$(verdicts 1)" = 0

# --- the voters: kept on leave, removed by the operator, added back on return --------
voters() { # number of Raft voters as the current leader sees them
	local l
	l=$(vc_leader_wait) || return 1
	vc_status "$l" | python3 -c "import json,sys; print(json.load(sys.stdin)['raft']['voters'])"
}
voters_are() { [ "$(voters)" = "$1" ]; }
sleep 2
check "hv3 left but stays a voter: never fewer voters than the servers list (3)" voters_are 3
L=$(vc_leader_wait) || { not_ok "leave: no Raft leader"; exit 1; }
F=1
[ "$L" = 1 ] && F=2
op() { # I ARGS...: vigil operator raft ARGS on hv I
	local i=$1
	shift
	ip netns exec "${VC_NS[$i]}" "$VIGIL" operator raft "$@" -config "${VC_CFG[$i]}"
}
# op_leader ARGS...: op on the leader, again on the new one when leadership
# moved under the call (two voters left: a loaded machine's elections)
op_leader() {
	local try rc
	for try in 1 2 3 4 5; do
		L=$(vc_leader_wait) || return 1
		op "$L" "$@" >"$VT_DIR/op.out" 2>&1
		rc=$?
		grep -q "not the Raft leader\|no Raft leader\|lost leadership" "$VT_DIR/op.out" || break
		sleep 1
	done
	cat "$VT_DIR/op.out"
	return $rc
}
op "$F" remove-peer hv3 >/dev/null 2>"$VT_DIR/rp-follower.err"
check "remove-peer on a follower: refused" test $? != 0
check "... naming the way: run it on the leader" grep -q "not the Raft leader" "$VT_DIR/rp-follower.err"
op_leader remove-peer "hv$F" >"$VT_DIR/rp-alive.err" 2>&1
check "remove-peer of a server that runs: refused" test $? != 0
check "... saying it runs" grep -q "is alive" "$VT_DIR/rp-alive.err"
op_leader list-peers >"$VT_DIR/peers.txt" 2>&1
sed 's/^/# /' "$VT_DIR/peers.txt"
check "list-peers shows hv3 left and still a voter" grep -q "^hv3 .* left *true" "$VT_DIR/peers.txt"
op_leader remove-peer hv3 >"$VT_DIR/rp.out" 2>&1
check "remove-peer hv3 on the leader: exit 0" test $? = 0
check "... it waited for the removal to commit" grep -q "hv3 is no longer in the Raft configuration" "$VT_DIR/rp.out"
check "the leader removed hv3 from the Raft voters (2 left)" vt_wait_for 10 voters_are 2
vc_start 3
check "hv3 restarted: a voter again (3)" vt_wait_for 20 voters_are 3
# hv4 comes back in the server role, not in anyone's "servers" list.
sed -i 's/"role": "client"/"role": "server"/' "${VC_CFG[4]}"
vc_start 4
check "a new server hv4 joins: added as the 4th voter" vt_wait_for 20 voters_are 4
in_conf4() {
	vc_status 4 | python3 -c "
import json, sys
r = json.load(sys.stdin)['raft']
sys.exit(not (r['role'] in ('follower', 'leader') and r['voters'] == 4))"
}
check "hv4 itself follows the leader with 4 voters" vt_wait_for 20 in_conf4
# With 4 voters for 3 listed servers, a server that fails for good is replaced.
vc_crash 3
check "hv3 crashes: after its failure verdict the leader removes it (3 voters)" \
	vt_wait_for 30 voters_are 3

# --- no agent to ask -------------------------------------------------------------
ip netns exec "${VC_NS[3]}" "$VIGIL" leave -config "${VC_CFG[3]}" >/dev/null 2>"$VT_DIR/noagent.err"
check "vigil leave with no agent: exit 2" test $? = 2
check "vigil leave with no agent: says why" grep -q "is \`vigil agent\` running" "$VT_DIR/noagent.err"

exit $((VT_FAILS > 0))
