#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# vigil-test: exclusive timeout=2700
# test_e2e.sh - vigil's whole chain in a real OpenStack: a hypervisor dies,
# vigil's Raft leader takes the verdict after the wait period, powers the host
# off through its BMC (fence_ipmilan against ipmi_sim), forces its compute
# service down in Nova, notifies Masakari (host_status NORMAL) through
# Keystone, and Debian's masakari-engine and Nova run the host's instances
# again on the other hosts.
#
# Five hypervisors hv1..hv5 in namespaces (hv1..hv3 Raft servers, hv4 and hv5
# clients), each running vigil and nova-compute "compute-I" (Nova's fake virt
# driver) in its namespace, with a BMC whose power-off takes the host's port
# down and kills its agent and its nova-compute; Keystone, Glance, Placement,
# Nova, RabbitMQ, MariaDB, masakari-api and masakari-engine in the switch's
# (tests/lib/openstack.sh). One Nova aggregate/availability zone = one
# Masakari segment (recovery auto) = one vigil cluster. Settings: the
# recommended ones (docs/openstack.md): fencing.nova_force_down,
# wait_period_after_service_update 5 s, Nova's service_down_time at its
# default; vigil's wait period WAIT_MS (6 s here, 30 s by default).
#  1. hv5 goes down (port, agent, nova-compute) and returns within the wait
#     period: no verdict, no power-off, no notification, nothing moves.
#  2. a client (hv4) crashes,
#  3. the Raft leader's host crashes,
#  4. a partition cuts two hosts from the other three: hv5 and a server,
#     the one that crashed in 3 if it does not lead again (Masakari still
#     holds its previous failure within its duplicate window, 180 s: the
#     notification is held back until that has passed, then taken).
#  In 2, 3 and 4 every instance of the failed hosts is ACTIVE on another host,
#     each failed host was powered off through its BMC before its one STOPPED
#     notification, which is finished; the host is on maintenance in
#     Masakari; nothing else was powered off, notified or moved. In 4, the cut
#     hosts kept reaching the control plane: only the power-off stops their
#     nova-computes, and no instance ends up on two hosts.
# Repaired hosts come back between scenarios as an operator brings them
# back: powered on, agent and nova-compute started, then enabled in Nova,
# no longer forced down and off maintenance. The first run installs the
# OpenStack packages (openstack-local.sh install); one rig at a time on the
# machine (os_exclusive).
set -u
cd "$(dirname "$0")/../.."
. tests/lib/netns.sh
. tests/lib/cluster.sh
. tests/lib/bmc.sh
. tests/lib/openstack.sh
os_exclusive "$@"

export MASAKARI_WAIT_SERVICE_UPDATE=${MASAKARI_WAIT_SERVICE_UPDATE:-5}
WAIT_MS=${WAIT_MS:-6000}
T0=$SECONDS
os_rig e2e 5
os_vigil_cfgs "$WAIT_MS" '"nova_force_down": true,'
os_vigil_start 1
for i in 2 3 4 5; do
	sleep "0.$((RANDOM % 10))"
	os_vigil_start "$i"
done
check "5 agents converge" vt_wait_for 60 vc_converged
check "a Raft leader counts the 5 hosts" vt_wait_for 30 vb_members 5

booted=1
for i in 1 2 3 4 5; do os_client boot az-e2e "compute-$i" "vm-$i" || booted=0; done
os_client boot az-e2e compute-4 vm-4b || booted=0
check "6 instances ACTIVE: vm-I on compute-I, vm-4b on compute-4" test $booted = 1
[ $booted = 1 ] || exit 1

# on_host HOST [FILE]: ids of the instances on HOST (in FILE, a `servers` list)
on_host() { awk -v h="$1" '$4 == h {print $2}' "${2:-$VT_DIR/now.txt}"; }
# where_now: the instances now, "name id status host" sorted by id
where_now() { os_client servers | sort -k2 >"$VT_DIR/now.txt"; }
# evacuated LABEL T0 FAILED...: the checks after FAILED hosts died at T0:
# their instances ACTIVE elsewhere (not on a failed host), one new STOPPED
# each (finished), powered off once through their BMCs before it, on
# maintenance; the other hosts untouched, their instances where they were.
# Compares with what mark saw before the failure.
evacuated() {
	local label=$1 t0=$2 i where n failed=" ${*:3} " others="" moved
	shift 2
	for i in 1 2 3 4 5; do [[ $failed == *" $i "* ]] || others="$others $i"; done
	# One watch per failed host, side by side: each line's time is when
	# its instance was seen ACTIVE elsewhere.
	local -a watches=()
	for i in "$@"; do
		# shellcheck disable=SC2046
		OS_WATCH_LIMIT=300 os_client watch "$t0" "compute-$i" \
			$(on_host "compute-$i" "$VT_DIR/before.txt") >"$VT_DIR/watch-$i.txt" &
		watches+=($!)
	done
	for i in "${watches[@]}"; do wait "$i"; done
	for i in "$@"; do
		n=$(on_host "compute-$i" "$VT_DIR/before.txt" | wc -l)
		check "$label: the $n instances of compute-$i are ACTIVE on another host" \
			test "$(wc -l <"$VT_DIR/watch-$i.txt")" = "$n"
		sed "s/^/# compute-$i: /; s/\$/ s after the crash/" "$VT_DIR/watch-$i.txt"
		where=$(awk '{print $2}' "$VT_DIR/watch-$i.txt" | sort -u | tr '\n' ' ')
		local bad=0 h
		for h in $where; do [[ $failed == *" ${h#compute-} "* ]] && bad=1; done
		check "$label: none of them on a failed host ($where)" test $bad = 0
	done
	for i in "$@"; do
		os_wait 180 os_finished "$i"
		n=$(os_new_stopped "$i")
		check "$label: exactly one new STOPPED notification for compute-$i, finished ($(wc -w <<<"$n"))" \
			test "$(wc -w <<<"$n")" = 1 -a "$(os_stopped "compute-$i" | grep -c "^$n finished$")" = 1
		check "$label: compute-$i powered off once through its BMC, before its notification" \
			test "$(($(vb_offs "$i") - OFFS_BEFORE[i]))" = 1 -a "$(vb_power "$i")" = 0
		check "$label: compute-$i fenced (off, confirmed) before its notification left" \
			vb_off_before_notify "$i" "$t0"
		check "$label: compute-$i is on maintenance in Masakari" test "$(os_client maintenance "compute-$i")" = True
		diag "$label: crash -> ACTIVE elsewhere, seconds: detect verdict fence notify engine disable_wait evacuate first last:" \
			"$(os_breakdown "$t0" "$i" "$n" "$VT_DIR/watch-$i.txt" 2>&1)"
	done
	where_now
	moved=""
	for i in $others; do
		[ -z "$(os_new_stopped "$i")" ] || moved="$moved compute-$i(notified)"
		[ "$(vb_offs "$i")" = "${OFFS_BEFORE[i]}" ] || moved="$moved hv$i(powered-off)"
		[ "$(os_client maintenance "compute-$i")" = False ] || moved="$moved compute-$i(maintenance)"
		# Their instances stayed where they were; the evacuated ones may
		# have joined them.
		[ -z "$(comm -23 <(on_host "compute-$i" "$VT_DIR/before.txt" | sort) <(on_host "compute-$i" | sort))" ] ||
			moved="$moved compute-$i(an instance left)"
	done
	check "$label: nothing else notified, powered off, on maintenance or moved${moved:+ ($moved)}" test -z "$moved"
	check "$label: every instance ACTIVE, each once" \
		test "$(awk '$3 == "ACTIVE"' "$VT_DIR/now.txt" | wc -l)" = "$(wc -l <"$VT_DIR/before.txt")" \
		-a "$(awk '{print $2}' "$VT_DIR/now.txt" | sort -u | wc -l)" = "$(wc -l <"$VT_DIR/before.txt")"
}

# mark: the state a scenario compares against
declare -a OFFS_BEFORE
mark() {
	local i
	os_client servers | sort -k2 >"$VT_DIR/before.txt"
	for i in 1 2 3 4 5; do
		os_mark_stopped "$i"
		OFFS_BEFORE[i]=$(vb_offs "$i")
	done
}

restore() { # I...
	local i
	for i in "$@"; do
		check "hv$i repaired: powered on, agent and compute-$i back, enabled, off maintenance" os_host_restore "$i"
	done
}

# --- 1. a host that returns within the wait period ------------------------------
mark
t0=$(date +%s.%N)
os_host_crash 5
sleep 2
vc_heal 5
os_vigil_start 5
check "1 hv5 down 2 s (port, agent, nova-compute), back: every host sees it alive" vt_wait_for 30 vc_converged
os_compute_start 5 && vb_track 5 "${OS_COMPUTE[5]}"
sleep $((WAIT_MS / 1000 + 3))
verdicts=$(cat "$VT_DIR"/hv*.log | grep -c "event=verdict .*hostname=compute-5" || true)
check "1 no verdict on hv5 ($verdicts)" test "$verdicts" = 0
check "1 no power-off at hv5's BMC" test "$(vb_offs 5)" = "${OFFS_BEFORE[5]}" -a "$(vb_power 5)" = 1
check "1 no notification in Masakari" test -z "$(os_client notifications)"
os_client servers | sort -k2 >"$VT_DIR/now.txt"
check "1 no instance moved" cmp -s "$VT_DIR/before.txt" "$VT_DIR/now.txt"

# --- 2. a client host crashes -----------------------------------------------------
mark
t0=$(date +%s.%N)
os_host_crash 4
evacuated "2 client hv4 crashed" "$t0" 4
restore 4

# --- 3. the Raft leader's host crashes --------------------------------------------
vt_wait_for 30 vc_leader >/dev/null
L=$(vc_leader)
check "3 one more instance on the leader's host hv$L" os_client boot az-e2e "compute-$L" vm-3
mark
t0=$(date +%s.%N)
os_host_crash "$L"
evacuated "3 the leader's host hv$L crashed" "$t0" "$L"
restore "$L"
t3=$t0 L3=$L

# --- 4. a 2 | 3 partition ------------------------------------------------------------
# The cut servers: hv$L3, whose previous failure Masakari still holds within
# its duplicate window (180 s), unless it leads again.
vt_wait_for 30 vc_leader >/dev/null
L=$(vc_leader)
M1=$L3
if [ "$L" = "$L3" ]; then
	M1=1
	[ "$L" = 1 ] && M1=2
fi
MAJ=$(for i in 1 2 3 4 5; do [ "$i" = "$M1" ] || [ "$i" = 5 ] || echo -n "$i "; done)
boot_cut() { os_client boot az-e2e "compute-$M1" vm-4-a && os_client boot az-e2e compute-5 vm-4-b; }
check "4 one more instance on hv$M1 and on hv5" boot_cut
mark
t0=$(date +%s.%N)
vc_partition "$M1 5" "$MAJ"
evacuated "4 partition {hv$M1 hv5} | {$MAJ}" "$t0" "$M1" 5
blocked() { grep -q "holds an earlier notification of compute-$M1 with the same payload" "$VT_DIR"/hv[123].log; }
if [ "$M1" = "$L3" ] && [ "$(python3 -c "print(int($t0 - $t3))")" -lt 150 ]; then
	check "4 compute-$M1's failure, within Masakari's duplicate window of its previous one, was held back by it, then taken" blocked
else
	diag "4 no host of the partition failed within Masakari's duplicate window before"
fi
running=""
for i in "$M1" 5; do
	kill -0 "${VC_PID[$i]}" 2>/dev/null && running="$running agent-hv$i"
	kill -0 "${OS_COMPUTE[$i]}" 2>/dev/null && running="$running compute-$i"
done
check "4 the cut hosts' agents and nova-computes are gone (power off)${running:+: still$running}" test -z "$running"
for i in "$M1" 5; do wait "${VC_PID[$i]}" 2>/dev/null; done # reaped quietly
diag "e2e took $((SECONDS - T0)) s"
