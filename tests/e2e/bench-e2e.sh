#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# bench-e2e.sh - time from the COMPUTE_HOST notification (host_status NORMAL,
# sent after a confirmed fence) to the crashed host's instances ACTIVE on
# other hosts, in the real OpenStack of tests/lib/openstack.sh, for a few
# profiles of the settings that dominate it. Each profile is a fresh rig
# (3 hypervisors); each round boots INSTANCES instances on the next victim,
# crashes it (link down, nova-compute killed; instances that landed on it in
# earlier rounds go too), sends the trigger, waits until
# they are ACTIVE elsewhere and the notification is finished, then repairs the
# host (back up, enabled, maintenance cleared) for a later round.
#
# Profiles (PROFILES, default "tuned forced"; "default" adds ~5 min a round),
# each with when the notification comes after the crash, as vigil sends it
# once its wait period (wait_period_ms, 30 s by default) and the fence are
# over:
#   default  upstream: service_down_time 60, report_interval 10,
#            wait_period_after_service_update 180; notified 33 s after the
#            crash (vigil's default wait period and a fence)
#   tuned    service_down_time 10, report_interval 2, wait 12; notified once
#            Nova sees the host down (before vigil's wait period is over)
#   forced   vigil's fencing.nova_force_down: the compute service forced down
#            in Nova (os-services, microversion 2.53), then notified; wait 0
# ROUNDS (default 4) per profile (the default profile: ROUNDS_DEFAULT, 1),
# INSTANCES (default 2) per crash.
# One line per profile, machine-readable:
#   profile=P rounds=N notify_to_first_active_s_p50=… _p99=… notify_to_last_active_s_p50=… _p99=…
#   engine_pickup_s_p50=… disable_and_wait_s_p50=… evacuate_s_p50=…
set -u
cd "$(dirname "$0")/../.."
. tests/lib/netns.sh
. tests/lib/cluster.sh
. tests/lib/openstack.sh

PROFILES=${PROFILES:-tuned forced}
ROUNDS=${ROUNDS:-4}
INSTANCES=${INSTANCES:-2}
vt_require bench_e2e
"$OS_LAUNCHER" install || exit 1

profile_env() { # PROFILE: NOVA_* and MASAKARI_* for it
	case "$1" in
	default) echo "NOVA_SERVICE_DOWN_TIME=60 NOVA_REPORT_INTERVAL=10 MASAKARI_WAIT_SERVICE_UPDATE=180" ;;
	tuned) echo "NOVA_SERVICE_DOWN_TIME=10 NOVA_REPORT_INTERVAL=2 MASAKARI_WAIT_SERVICE_UPDATE=12" ;;
	forced) echo "NOVA_SERVICE_DOWN_TIME=60 NOVA_REPORT_INTERVAL=10 MASAKARI_WAIT_SERVICE_UPDATE=0" ;;
	*) return 1 ;;
	esac
}

# prepare PROFILE I: what happens between hv I's crash and the notification
# (not timed)
prepare() {
	case "$1" in
	default) sleep 33 ;;
	tuned) vt_wait_for 60 nova_sees "compute-$2" down ;;
	forced) os_client force-down "compute-$2" ;;
	esac
}

nova_sees() { # HOST STATE
	[ "$(os_client service "$1" | awk '{print $1}')" = "$2" ]
}

# figures RES PROFILE: the summary line of one profile from its rounds
figures() {
	python3 - "$1" "$2" <<'EOF'
import sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
cols = ["first", "last", "pickup", "wait", "evacuate"]
vals = {c: sorted(float(r[i]) for r in rows) for i, c in enumerate(cols)}
def pct(v, p):
    k = min(len(v) - 1, max(0, int(round(p / 100 * len(v) + 0.5)) - 1))
    return v[k]
f = lambda c, p: "%.1f" % pct(vals[c], p)
print("profile=%s rounds=%d notify_to_first_active_s_p50=%s notify_to_first_active_s_p99=%s "
      "notify_to_last_active_s_p50=%s notify_to_last_active_s_p99=%s engine_pickup_s_p50=%s "
      "disable_and_wait_s_p50=%s evacuate_s_p50=%s"
      % (sys.argv[2], len(rows), f("first", 50), f("first", 99), f("last", 50), f("last", 99),
         f("pickup", 50), f("wait", 50), f("evacuate", 50)))
EOF
}

# breakdown UUID T0 LAST: "pickup wait evacuate" seconds from the engine's
# progress details: notify -> engine starts; the engine's disable call and
# its sleep after it; the first evacuate call -> the last instance ACTIVE
breakdown() {
	os_client progress "$1" | python3 -c '
import calendar, datetime, sys
t0, last = float(sys.argv[1]), float(sys.argv[2])
ts = {}
for line in sys.stdin:
    d, t, task = line.split()[:3]
    when = datetime.datetime.strptime(d + " " + t, "%Y-%m-%d %H:%M:%S.%f")
    u = calendar.timegm(when.timetuple()) + when.microsecond / 1e6
    msg = line.split(None, 4)[4]
    ts.setdefault("start", u)
    if "Disabled compute service" in msg: ts["disabled"] = u
    if "Evacuation of instance started" in msg: ts.setdefault("evac", u)
if "evac" not in ts:
    sys.exit("bench-e2e: no evacuation in the progress details")
print("%.3f %.3f %.3f" % (ts["start"] - t0, ts.get("disabled", ts["start"]) - ts["start"],
                          t0 + last - ts["evac"]))
' "$2" "$3"
}

run_profile() { # PROFILE
	local p=$1 r v i ids uuid t0 first last rounds
	env_line=$(profile_env "$p") || { echo "unknown profile $p" >&2; return 1; }
	(
		export $env_line
		vt_init || exit 1
		vc_up 3 || exit 1
		os_up || { echo "bench-e2e: the rig did not start" >&2; exit 1; }
		os_compute_start 1 2 3 || exit 1
		os_discover && os_client segment az-bench compute-1 compute-2 compute-3 || exit 1
		RES=$VT_DIR/res.txt
		: >"$RES"
		rounds=$ROUNDS
		[ "$p" = default ] && rounds=${ROUNDS_DEFAULT:-1}
		for r in $(seq 1 "$rounds"); do
			v=$(((r - 1) % 3 + 1))
			names=()
			for i in $(seq 1 "$INSTANCES"); do names+=("r$r-$i"); done
			os_client boot az-bench "compute-$v" "${names[@]}" || exit 1
			ids=$(os_client servers | awk -v h="compute-$v" '$4 == h {print $2}')
			os_crash "$v"
			prepare "$p" "$v" || exit 1
			read -r uuid t0 < <(os_client notify "compute-$v")
			[ -n "$t0" ] || exit 1
			# shellcheck disable=SC2086
			os_client watch "$t0" "compute-$v" $ids >"$VT_DIR/watch.txt" || {
				echo "round $r: not evacuated" >&2
				VT_FAILS=$((VT_FAILS + 1))
				exit 1
			}
			first=$(awk '{print $3}' "$VT_DIR/watch.txt" | sort -n | head -1)
			last=$(awk '{print $3}' "$VT_DIR/watch.txt" | sort -n | tail -1)
			finished() { os_client notifications | grep -q "^$uuid compute-$v finished "; }
			vt_wait_for 120 finished || echo "round $r: notification not finished" >&2
			echo "$first $last $(breakdown "$uuid" "$t0" "$last")" >>"$RES"
			echo "$p round $r: crashed hv$v, $(wc -l <"$VT_DIR/watch.txt") instances ACTIVE elsewhere after $first .. $last s" >&2
			# Repaired: Nova lifts forced_down only once the restarted
			# nova-compute has closed its evacuation records.
			os_return "$v" || exit 1
			os_client recover "compute-$v" || exit 1
		done
		figures "$RES" "$p"
	)
}

echo "bench-e2e: 3 hypervisors, $INSTANCES instances per crash, $ROUNDS rounds per profile: $PROFILES" >&2
for p in $PROFILES; do
	t=$SECONDS
	run_profile "$p"
	echo "# $p: $((SECONDS - t)) s with the rig's start ($(profile_env "$p"))" >&2
done
