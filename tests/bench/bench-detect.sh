#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# bench-detect.sh - detection latency of a real cluster in network namespaces.
#
# Builds N hosts (default 16) with default timings, started at random offsets
# so their probe timers do not align. ROUNDS times: hard-crash a random host
# (traffic dropped at the switch, agent SIGKILLed), record when each survivor
# logged it suspect and dead, then bring it back. Then saturates both CPUs with
# stress-ng for STRESS_SECONDS and counts false suspicions and deaths.
# Last line, machine-readable:
#   suspect_ms_p50=… suspect_ms_p99=… dead_ms_p50=… dead_ms_p99=… false_suspect=… false_dead=…
# Environment: N, ROUNDS (default 5), STRESS_SECONDS (default 60).
set -u
cd "$(dirname "$0")/../.."
. tests/lib/netns.sh
. tests/lib/cluster.sh

N=${N:-16}
ROUNDS=${ROUNDS:-5}
STRESS_SECONDS=${STRESS_SECONDS:-60}
vt_require bench_detect
vt_init || exit 1
vc_up "$N" || { echo "cannot build $N hosts" >&2; exit 1; }
echo "bench-detect: $N hosts, $ROUNDS crashes, ${STRESS_SECONDS}s stress; default timings"
vc_start 1
sleep 0.5
for i in $(seq 2 "$N"); do
	sleep "0.$((RANDOM % 10))$((RANDOM % 10))"
	vc_start "$i"
done
vt_wait_for 60 vc_converged || { echo "cluster did not converge" >&2; exit 1; }
sleep 3

RES=$VT_DIR/results.txt
: >"$RES"
for r in $(seq 1 "$ROUNDS"); do
	victim=$((2 + RANDOM % (N - 1)))
	t0=$(date +%s%N)
	vc_crash "$victim"
	all_dead() { vc_all_see dead "hv$victim" "$victim"; }
	if ! vt_wait_for 20 all_dead; then
		echo "round $r: not every survivor declared hv$victim dead" >&2
	fi
	sleep 0.5
	# Per survivor: first time it logged hv$victim suspect (or dead, if the
	# verdict reached it first) and dead, relative to the crash.
	for i in $(seq 1 "$N"); do
		[ "$i" = "$victim" ] && continue
		python3 - "$VT_DIR/hv$i.log" "hv$victim" "$t0" >>"$RES" <<'EOF'
import sys, datetime
log, name, t0 = sys.argv[1], sys.argv[2], int(sys.argv[3]) / 1e9
sus = dead = None
for line in open(log):
    if f"member={name} " not in line or "event=state" not in line:
        continue
    ts = datetime.datetime.strptime(line[:23], "%Y-%m-%dT%H:%M:%S.%f").replace(
        tzinfo=datetime.timezone.utc).timestamp()
    if ts < t0 - 0.002:
        continue
    if ("to=suspect" in line or "to=dead" in line) and sus is None:
        sus = ts
    if "to=dead" in line and dead is None:
        dead = ts
if sus is not None and dead is not None:
    print(f"{(sus - t0) * 1000:.1f} {(dead - t0) * 1000:.1f}")
else:
    print("miss miss")
EOF
	done
	echo "round $r: crashed hv$victim; $(tail -n $((N - 1)) "$RES" | awk '{print $2}' | sort -n | tail -1) ms until the last survivor declared it dead"
	vc_heal "$victim"
	vc_start "$victim"
	vt_wait_for 30 vc_converged || echo "round $r: no reconvergence" >&2
	sleep 2
done

# False alarms under CPU saturation.
before_s=$(cat "$VT_DIR"/hv*.log | grep -c "to=suspect")
before_d=$(cat "$VT_DIR"/hv*.log | grep -c "to=dead")
stress-ng --cpu 0 --cpu-load 100 --timeout "${STRESS_SECONDS}s" >/dev/null 2>&1
after_s=$(cat "$VT_DIR"/hv*.log | grep -c "to=suspect")
after_d=$(cat "$VT_DIR"/hv*.log | grep -c "to=dead")

python3 - "$RES" $((after_s - before_s)) $((after_d - before_d)) <<'EOF'
import sys
sus, dead, miss = [], [], 0
for line in open(sys.argv[1]):
    a, b = line.split()
    if a == "miss":
        miss += 1
        continue
    sus.append(float(a)); dead.append(float(b))
def pct(v, p):
    v = sorted(v)
    if not v:
        return float("nan")
    k = min(len(v) - 1, max(0, int(round(p / 100 * len(v) + 0.5)) - 1))
    return v[k]
print(f"observations: {len(sus)} (missed: {miss})")
print(f"crash->suspect ms: p50 {pct(sus,50):.0f}  p99 {pct(sus,99):.0f}  max {max(sus) if sus else 0:.0f}")
print(f"crash->dead    ms: p50 {pct(dead,50):.0f}  p99 {pct(dead,99):.0f}  max {max(dead) if dead else 0:.0f}")
print(f"suspect_ms_p50={pct(sus,50):.0f} suspect_ms_p99={pct(sus,99):.0f} "
      f"dead_ms_p50={pct(dead,50):.0f} dead_ms_p99={pct(dead,99):.0f} "
      f"false_suspect={sys.argv[2]} false_dead={sys.argv[3]} missed={miss}")
EOF
