#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# test_cluster_loss.sh - the failure detector must not raise false alarms
# under network loss, and must handle a partition:
#   5 % random loss on every link for 2 minutes   -> no node ever declared dead
#   partition 2 | 3, then heal                    -> each side marks the other
#                                                    unreachable; all alive after
# VIGIL_FAULT_SECONDS shortens the loss phase (default 120).
set -u
cd "$(dirname "$0")/../.."
. tests/lib/netns.sh
. tests/lib/cluster.sh

PHASE=${VIGIL_FAULT_SECONDS:-120}
vt_require cluster_loss
vt_init || { not_ok "cluster_loss: setup"; exit 1; }
vc_up 5 || { not_ok "cluster_loss: building 5 hosts"; exit 1; }
for i in 1 2 3 4 5; do vc_start "$i"; done
check "5 agents converge" vt_wait_for 15 vc_converged

# --- 5 % random loss on every link, in the switch -----------------------------
ip netns exec "$VC_SW" nft -f - <<'EOF'
table bridge vigil_loss {
	chain forward {
		type filter hook forward priority 0; policy accept;
		numgen random mod 100 < 5 counter drop
	}
}
EOF
d0=$(vc_count_events dead)
s0=$(vc_count_events suspect)
sleep "$PHASE"
dropped=$(ip netns exec "$VC_SW" nft list table bridge vigil_loss | sed -n 's/.*packets \([0-9]*\).*/\1/p')
ip netns exec "$VC_SW" nft delete table bridge vigil_loss
d1=$(vc_count_events dead)
s1=$(vc_count_events suspect)
diag "loss phase: $dropped frames dropped, $((s1 - s0)) suspicions (refuted), $((d1 - d0)) deaths"
check "5% loss for ${PHASE}s: no node declared dead" test "$((d1 - d0))" = 0
check "5% loss: the rule really dropped frames ($dropped)" test "${dropped:-0}" -gt 100
check "after loss: everyone alive" vt_wait_for 10 vc_converged

# --- partition 2 | 3 ----------------------------------------------------------
ip -n "$VC_SW" link add br1 type bridge
ip -n "$VC_SW" link set br1 up
for i in 4 5; do ip -n "$VC_SW" link set "p$i" master br1; done
side_a_sees_b() { vc_all_see dead hv4 4 5 && vc_all_see dead hv5 4 5; }
side_b_sees_a() {
	local i j
	for i in 4 5; do
		for j in 1 2 3; do
			[ "$(vc_state "$i" "hv$j")" = dead ] || return 1
		done
	done
}
check "partition: the 3-side marks hv4, hv5 unreachable (dead)" vt_wait_for 15 side_a_sees_b
check "partition: the 2-side marks hv1..hv3 unreachable (dead)" vt_wait_for 15 side_b_sees_a
for i in 4 5; do ip -n "$VC_SW" link set "p$i" master br0; done
check "healed: everyone alive again everywhere" vt_wait_for 20 vc_converged

exit $((VT_FAILS > 0))
