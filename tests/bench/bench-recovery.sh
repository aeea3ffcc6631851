#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# bench-recovery.sh - time from a host's crash to its confirmed fence and to
# Masakari's 202, on a 5-host namespace cluster (hv1..hv3 Raft servers) with
# a real BMC per host (ipmi_sim, tests/lib/bmc.sh), Debian's fence_ipmilan
# over IPMI LAN, the real masakari-api, and the wait period set to 0.
# ROUNDS crashes (default 6), each of a host that has not been crashed
# within Masakari's duplicate window, powered on again in between. Times
# are the leaders' event lines (ms resolution, the same clock as the
# crash): event=fenced and event=notified … http=202. FENCING=0 runs
# without fencing (host_status UNKNOWN, no BMCs), as before fencing existed;
# FENCE_PARAMS adds fence agent parameters (FENCE_PARAMS='"power_wait": 0,').
# Last lines: crash_to_fenced_ms_p50=… p99=… and crash_to_notified_ms_p50=… p99=…
set -u
cd "$(dirname "$0")/../.."
. tests/lib/netns.sh
. tests/lib/cluster.sh
. tests/lib/bmc.sh

ROUNDS=${ROUNDS:-6}
FENCING=${FENCING:-1}
vt_require bench_recovery
[ "$FENCING" = 1 ] && vb_require bench_recovery
vt_init || exit 1
vc_up 5 || exit 1
export MASAKARI_DUP_INTERVAL=5
vc_masakari_up || { echo "masakari-api did not start" >&2; exit 1; }
FENCE_CFG='"fencing": {"mode": "none"},'
if [ "$FENCING" = 1 ]; then
	for i in 1 2 3 4 5; do vb_up "$i" || { echo "BMC of hv$i did not answer" >&2; exit 1; }; done
	FENCE_CFG=$(vb_fencing '"status_interval_ms": 200,' "${FENCE_PARAMS:-}")
fi
SERVERS="\"servers\": [\"hv1@${VC_IP[1]}\", \"hv2@${VC_IP[2]}\", \"hv3@${VC_IP[3]}\"]"
for i in 1 2 3 4 5; do
	role=client
	[ "$i" -le 3 ] && role=server
	vc_write_cfg "$i" "$SERVERS, \"role\": \"$role\", \"hypervisor_hostname\": \"compute-$i\",
  \"wait_period_ms\": 0, \"min_healthy_hosts\": 3, \"masakari\": {\"url\": \"$VC_MK_URL\"},
  $FENCE_CFG"
done
start() {
	vc_start "$1"
	[ "$FENCING" = 1 ] && vb_track "$1"
	return 0
}
start 1
for i in 2 3 4 5; do
	sleep "0.$((RANDOM % 10))$((RANDOM % 10))"
	start "$i"
done
vt_wait_for 30 vc_converged || { echo "no convergence" >&2; exit 1; }
sleep 5
echo "bench-recovery: 5 hosts (3 servers), wait period 0, real masakari-api, $ROUNDS crashes," \
	"fencing $([ "$FENCING" = 1 ] && echo "on (ipmi_sim BMCs, fence_ipmilan over IPMI LAN)" || echo off)"
RES=$VT_DIR/res.txt
: >"$RES"
# first_after T0 PATTERN: the earliest servers' log line matching PATTERN at
# or after T0 (ns since the epoch), as ns; nothing if none
first_after() {
	python3 - "$1" "$2" "$VT_DIR"/hv[123].log <<'PYEOF'
import datetime, re, sys
t0, pat, logs = int(sys.argv[1]), re.compile(sys.argv[2]), sys.argv[3:]
best = None
for f in logs:
    for l in open(f, errors="replace"):
        if not pat.search(l):
            continue
        try:
            t = datetime.datetime.strptime(l.split()[0], "%Y-%m-%dT%H:%M:%S.%fZ")
        except ValueError:
            continue
        ns = int(t.replace(tzinfo=datetime.timezone.utc).timestamp() * 1000) * 1000000
        if ns >= t0 - 1000000 and (best is None or ns < best):
            best = ns
if best is not None:
    print(best)
PYEOF
}
for r in $(seq 1 "$ROUNDS"); do
	victim=$(((r - 1) % 5 + 1))
	what=""
	[ "$(vc_leader)" = "$victim" ] && what=" (the Raft leader)"
	t0=$(date +%s%N)
	vc_crash "$victim"
	pat="event=notified .*hostname=compute-$victim kind=STOPPED result=delivered http=202"
	delivered() { [ -n "$(first_after "$t0" "$pat")" ]; }
	if vt_wait_for 40 delivered; then
		t2=$(first_after "$t0" "$pat")
		line="round $r: crashed hv$victim$what;"
		if [ "$FENCING" = 1 ]; then
			t1=$(first_after "$t0" "event=fenced .*hostname=compute-$victim ")
			line="$line fenced after $(((t1 - t0) / 1000000)) ms;"
			echo "F $(((t1 - t0) / 1000000))" >>"$RES"
		fi
		echo "$line Masakari answered 202 after $(((t2 - t0) / 1000000)) ms"
		echo "N $(((t2 - t0) / 1000000))" >>"$RES"
	else
		echo "round $r: hv$victim not notified within 40 s" >&2
		echo "miss" >>"$RES"
		VT_FAILS=$((VT_FAILS + 1)) # keep the logs
	fi
	if [ "$FENCING" = 1 ]; then vb_on "$victim"; else vc_heal "$victim"; fi
	start "$victim"
	vt_wait_for 30 vc_converged
	sleep 6 # past Masakari's duplicate window and the STARTED notification
done
python3 - "$RES" <<'EOF'
import sys
v = [l.split() for l in open(sys.argv[1])]
miss = sum(1 for x in v if x == ["miss"])
def pct(s, p):
    k = min(len(s) - 1, max(0, int(round(p / 100 * len(s) + 0.5)) - 1))
    return s[k]
for key, name in (("F", "crash_to_fenced_ms"), ("N", "crash_to_notified_ms")):
    s = sorted(float(x[1]) for x in v if x[0] == key)
    if s:
        print(f"{name}_p50={pct(s, 50):.0f} {name}_p99={pct(s, 99):.0f} max={s[-1]:.0f} n={len(s)} missed={miss}")
EOF
