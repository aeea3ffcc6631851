#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# test_cluster.sh - membership scenarios on a real 5+1-host cluster in network
# namespaces (XDP in native mode, agents with default timings):
#   agent SIGKILLed and restarted  -> no survivor ever suspects it
#   agent SIGSTOPped for 30 s      -> never suspected; shown as agent stalled
#   hard crash of a host           -> every survivor marks it dead in time
#   join of a new host, graceful leave of another -> seen by all, no failure;
#   the one that left restarts -> alive again everywhere
set -u
cd "$(dirname "$0")/../.."
. tests/lib/netns.sh
. tests/lib/cluster.sh

vt_require cluster
vt_init || { not_ok "cluster: setup"; exit 1; }
vc_up 6 || { not_ok "cluster: building 6 hosts"; exit 1; }
for i in 1 2 3 4 5; do vc_start "$i"; done
check "5 agents converge: everyone sees everyone alive" vt_wait_for 15 vc_converged 6
pp=$(ip netns exec "${VC_NS[1]}" curl -s --noproxy '*' http://127.0.0.1:7500/v1/status | vt_json_field pushpull_exchanges)
check "joiners exchanged full state with the seed over TCP (zlib push-pull: $pp)" test "${pp:-0}" -ge 4

# no_event_about NAME: no survivor logged NAME as suspect, dead or left
no_failure_about() {
	local i
	for i in $(seq 1 "$VC_N"); do
		vc_events "$i" | grep -q "^$1 .* \(suspect\|dead\)$" && return 1
	done
	return 0
}

# --- agent killed with SIGKILL and restarted ---------------------------------
kill -KILL "${VC_PID[4]}"
wait "${VC_PID[4]}" 2>/dev/null
sleep 0.5
vc_start 4
check "restarted agent rejoins" vt_wait_for 10 vc_converged 6
sleep 2
check "SIGKILL + restart: no survivor ever marked hv4 suspect" no_failure_about hv4
check "restarted agent reused the pinned link" grep -q "pinned link reused" "$VT_DIR/hv4.log"

# --- agent frozen with SIGSTOP for 30 s ---------------------------------------
kill -STOP "${VC_PID[2]}"
stall_seen() { vc_all_see "alive (agent stalled)" hv2 6; }
check "SIGSTOP: every peer shows hv2 as 'alive (agent stalled)'" vt_wait_for 10 stall_seen
sleep 25
check "SIGSTOP 30 s: hv2 never suspected" no_failure_about hv2
kill -CONT "${VC_PID[2]}"
check "SIGCONT: hv2 back to plain alive everywhere" vt_wait_for 10 vc_all_see alive hv2 6

# --- hard crash of a host ------------------------------------------------------
t0=$(date +%s%N)
vc_crash 5
all_dead() { vc_all_see dead hv5 5 6; }
if vt_wait_for 10 all_dead; then
	ok "crash: every survivor marks hv5 dead ($(( ($(date +%s%N) - t0) / 1000000 )) ms incl. polling)"
else
	not_ok "crash: every survivor marks hv5 dead"
fi
suspected_first() {
	local i
	for i in 1 2 3 4; do
		vc_events "$i" | grep -q "^hv5 .* \(suspect\|dead\)$" || return 1
	done
	# somebody suspected before anybody declared
	cat "$VT_DIR"/hv[1-4].log | grep -q "member=hv5 from=alive to=suspect"
}
check "crash: suspicion preceded the death verdict" suspected_first
for i in 1 2 3 4; do
	grep -h "member=hv5" "$VT_DIR/hv$i.log" | sed "s/^/# hv$i: /"
done

# --- join of a new host and graceful leave of another -------------------------
vc_start 6
joined() { vc_all_see alive hv6 5; }
check "join: every member sees hv6 alive" vt_wait_for 10 joined
vc_leave 3
check "leave: hv3 exited cleanly" test $? = 0
left() { vc_all_see left hv3 3 5; }
check "leave: every member sees hv3 left" vt_wait_for 10 left
sleep 1
check "join + leave: no failure raised about hv3 or hv6" \
	sh -c "! cat $VT_DIR/hv[1246].log | grep -q 'member=hv[36] from=.* to=\(suspect\|dead\)'"
vc_start 3
back() { vc_all_see alive hv3 5; }
check "leave, then restart: every member sees hv3 alive again" vt_wait_for 10 back

# --- SIGTERM stops the agent, the host stays a member (a restart, an upgrade) -----
declare -A mark
for i in 1 2 3 6; do mark[$i]=$(($(wc -l <"$VT_DIR/hv$i.log") + 1)); done
vc_stop 4
check "SIGTERM: hv4's agent exited 0" test $? = 0
check "SIGTERM: hv4 logged that it stays a member" grep -q "stays a member of the cluster" "$VT_DIR/hv4.log"
sleep 3
check "SIGTERM: every member sees hv4 alive, its agent stalled (its kernel answers)" \
	vt_wait_for 10 vc_all_see "alive (agent stalled)" hv4 5
unsuspected_since_sigterm() {
	local i
	for i in 1 2 3 6; do
		tail -n +"${mark[$i]}" "$VT_DIR/hv$i.log" | grep -q 'member=hv4 from=.* to=\(suspect\|dead\|left\)' && return 1
	done
	return 0
}
check "SIGTERM: nobody suspected hv4" unsuspected_since_sigterm
vc_start 4
check "SIGTERM, then restart: hv4 alive everywhere" vt_wait_for 10 vc_all_see alive hv4 5

exit $((VT_FAILS > 0))
