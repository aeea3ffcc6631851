#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# bench-recovery.sh - time from a host's crash to Masakari's 202, on a 5-host
# namespace cluster (hv1..hv3 Raft servers) with the real masakari-api and the
# wait period set to 0. ROUNDS crashes (default 6), each of a host that has
# not been crashed within Masakari's duplicate window, recovered in between.
# The 202 time is the leader's log line for it (ms resolution, same clock).
# Last line: crash_to_notified_ms_p50=… crash_to_notified_ms_p99=… max=…
set -u
cd "$(dirname "$0")/../.."
. tests/lib/netns.sh
. tests/lib/cluster.sh

ROUNDS=${ROUNDS:-6}
vt_require bench_recovery
vt_init || exit 1
vc_up 5 || exit 1
export MASAKARI_DUP_INTERVAL=5
vc_masakari_up || { echo "masakari-api did not start" >&2; exit 1; }
SERVERS="\"servers\": [\"hv1@${VC_IP[1]}\", \"hv2@${VC_IP[2]}\", \"hv3@${VC_IP[3]}\"]"
for i in 1 2 3 4 5; do
	role=client
	[ "$i" -le 3 ] && role=server
	vc_write_cfg "$i" "$SERVERS, \"role\": \"$role\", \"hypervisor_hostname\": \"compute-$i\",
  \"wait_period_ms\": 0, \"min_healthy_hosts\": 3, \"masakari\": {\"url\": \"$VC_MK_URL\"},"
done
vc_start 1
for i in 2 3 4 5; do
	sleep "0.$((RANDOM % 10))$((RANDOM % 10))"
	vc_start "$i"
done
vt_wait_for 30 vc_converged || { echo "no convergence" >&2; exit 1; }
sleep 5
echo "bench-recovery: 5 hosts (3 servers), wait period 0, real masakari-api, $ROUNDS crashes"
RES=$VT_DIR/res.txt
: >"$RES"
for r in $(seq 1 "$ROUNDS"); do
	victim=$(( (r - 1) % 5 + 1 ))
	what=""
	[ "$(vc_leader)" = "$victim" ] && what=" (the Raft leader)"
	t0=$(date +%s%N)
	vc_crash "$victim"
	# The leaders' event lines (docs/operations.md, "Event lines").
	pat="event=notified .*hostname=compute-$victim kind=STOPPED result=delivered http=202"
	delivered() { grep -h "$pat" "$VT_DIR"/hv[123].log 2>/dev/null |
		awk -v t0="$t0" '{ cmd = "date -d " $1 " +%s%N"; cmd | getline t; close(cmd); if (t >= t0) { print t; exit } }' | grep -q .; }
	if vt_wait_for 30 delivered; then
		t1=$(grep -h "$pat" "$VT_DIR"/hv[123].log |
			awk -v t0="$t0" '{ cmd = "date -d " $1 " +%s%N"; cmd | getline t; close(cmd); if (t >= t0) print t }' | sort -n | head -1)
		ms=$(( (t1 - t0) / 1000000 ))
		echo "round $r: crashed hv$victim$what; Masakari answered 202 after $ms ms"
		echo "$ms" >>"$RES"
	else
		echo "round $r: hv$victim not notified within 30 s" >&2
		echo "miss" >>"$RES"
		VT_FAILS=$((VT_FAILS + 1)) # keep the logs
	fi
	vc_heal "$victim"
	vc_start "$victim"
	vt_wait_for 30 vc_converged
	sleep 6 # past Masakari's duplicate window and the STARTED notification
done
python3 - "$RES" <<'EOF'
import sys
v = [l.strip() for l in open(sys.argv[1])]
miss = v.count("miss")
v = sorted(float(x) for x in v if x != "miss")
def pct(p):
    k = min(len(v) - 1, max(0, int(round(p / 100 * len(v) + 0.5)) - 1))
    return v[k]
print(f"crash_to_notified_ms_p50={pct(50):.0f} crash_to_notified_ms_p99={pct(99):.0f} max={v[-1]:.0f} n={len(v)} missed={miss}")
EOF
