#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# test_cluster_stress.sh - the failure detector must not raise false alarms
# while both CPUs are saturated:
#   stress-ng on every CPU for 2 minutes -> no suspicion, no node declared dead
# It saturates the machine, so the runner gives it the machine alone.
# vigil-test: exclusive
# VIGIL_FAULT_SECONDS shortens the phase (default 120).
set -u
cd "$(dirname "$0")/../.."
. tests/lib/netns.sh
. tests/lib/cluster.sh

PHASE=${VIGIL_FAULT_SECONDS:-120}
vt_require cluster_stress
vt_init || { not_ok "cluster_stress: setup"; exit 1; }
vc_up 5 || { not_ok "cluster_stress: building 5 hosts"; exit 1; }
for i in 1 2 3 4 5; do vc_start "$i"; done
check "5 agents converge" vt_wait_for 15 vc_converged

# --- both CPUs saturated --------------------------------------------------------
if command -v stress-ng >/dev/null; then
	d0=$(vc_count_events dead)
	s0=$(vc_count_events suspect)
	vt_bg "$VT_DIR/stress.log" stress-ng --cpu 0 --cpu-load 100 --timeout "${PHASE}s"
	SPID=$VT_LAST_PID
	wait "$SPID"
	d1=$(vc_count_events dead)
	s1=$(vc_count_events suspect)
	diag "stress phase: $((s1 - s0)) suspicions, $((d1 - d0)) deaths; $(grep -h 'stressor' "$VT_DIR/stress.log" | tail -1)"
	check "CPUs saturated for ${PHASE}s: no node declared dead" test "$((d1 - d0))" = 0
	check "CPUs saturated: no flapping (no suspicion at all)" test "$((s1 - s0))" = 0
	check "after stress: everyone alive" vt_wait_for 10 vc_converged
else
	skip "CPUs saturated" "stress-ng not installed"
fi

exit $((VT_FAILS > 0))
