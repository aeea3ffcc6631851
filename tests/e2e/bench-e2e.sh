#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# bench-e2e.sh - what the users of a crashed hypervisor feel: the time from
# the crash to its instances ACTIVE on other hosts, through vigil (detection,
# verdict after the wait period, fence through the BMC, notification) and the
# real masakari-engine and Nova (tests/lib/openstack.sh: 5 hypervisors,
# hv1..hv3 Raft servers), for a few profiles of the settings that dominate
# it. Each profile is a fresh rig; each round boots INSTANCES instances on
# the next victim (hv4, hv5, hv1, hv2, hv3, ...; the leader's host among
# them), crashes it (port down, agent and nova-compute killed), waits until
# its instances are ACTIVE elsewhere and the notification is finished, then
# repairs it (powered on, agent and nova-compute back, enabled, off
# maintenance).
#
# Profiles (PROFILES, default "recommended tuned-nova nova-timeout default");
# vigil's wait period is its default, 30 s, in every one (WAIT_MS):
#   recommended  fencing.nova_force_down on, Masakari's
#                wait_period_after_service_update 5 s, Nova's defaults
#                (service_down_time 60 s, report_interval 10 s)
#   tuned-nova   no force down; Nova's service_down_time 10 s (computes
#                report every 2 s), Masakari's wait 5 s
#   nova-timeout no force down; Masakari's wait 32 s, what it must be to
#                outlast Nova's service_down_time after vigil's notification
#                (60 - 33 + 5); Nova's defaults
#   default      no force down, Masakari's wait 180 s (its default), Nova's
#                defaults
# ROUNDS rounds of "recommended" (4), SLOW_ROUNDS of the others (1);
# INSTANCES per crash (2). One line per profile, machine-readable:
#   profile=P rounds=N crash_to_active_s_p50=… crash_to_active_s_p99=…
#   crash_to_first_active_s_p50=… crash_to_first_active_s_p99=… detect_s=…
#   verdict_s=… fence_s=… notify_s=… engine_s=… disable_wait_s=… evacuate_s=…
# crash_to_active: the last of the host's instances ACTIVE elsewhere; the
# steps are medians (os_breakdown in tests/lib/openstack.sh says what each
# one spans).
set -u
cd "$(dirname "$0")/../.."
. tests/lib/netns.sh
. tests/lib/cluster.sh
. tests/lib/bmc.sh
. tests/lib/openstack.sh
os_exclusive "$@"

PROFILES=${PROFILES:-recommended tuned-nova nova-timeout default}
ROUNDS=${ROUNDS:-4}
SLOW_ROUNDS=${SLOW_ROUNDS:-1}
INSTANCES=${INSTANCES:-2}
WAIT_MS=${WAIT_MS:-30000}

# profile P: "ROUNDS MASAKARI_WAIT NOVA_SERVICE_DOWN_TIME NOVA_REPORT_INTERVAL
# FENCING_MORE" of profile P
profile() {
	case "$1" in
	recommended) echo "$ROUNDS 5 60 10 \"nova_force_down\":true," ;;
	tuned-nova) echo "$SLOW_ROUNDS 5 10 2" ;;
	nova-timeout) echo "$SLOW_ROUNDS 32 60 10" ;;
	default) echo "$SLOW_ROUNDS 180 60 10" ;;
	*) return 1 ;;
	esac
}

# figures RES PROFILE: the summary line of one profile from its rounds
figures() {
	python3 - "$1" "$2" <<'EOF'
import statistics, sys
rows = [[float(x) for x in l.split()] for l in open(sys.argv[1]) if l.strip()]
if not rows:
    sys.exit("bench-e2e: profile %s: no round finished" % sys.argv[2])
cols = ["detect", "verdict", "fence", "notify", "engine", "disable_wait", "evacuate", "first", "last"]
v = {c: sorted(r[i] for r in rows) for i, c in enumerate(cols)}
def pct(s, p):
    return s[min(len(s) - 1, max(0, int(round(p / 100 * len(s) + 0.5)) - 1))]
out = ["profile=%s rounds=%d" % (sys.argv[2], len(rows))]
for name, c in (("crash_to_active", "last"), ("crash_to_first_active", "first")):
    out += ["%s_s_p50=%.1f" % (name, pct(v[c], 50)), "%s_s_p99=%.1f" % (name, pct(v[c], 99))]
out += ["%s_s=%.1f" % (c, statistics.median(v[c])) for c in cols[:7]]
print(" ".join(out))
EOF
}

run_profile() { # PROFILE
	local p=$1
	read -r rounds mwait sdown report more < <(profile "$p") || {
		echo "bench-e2e: unknown profile $p" >&2
		return 1
	}
	(
		export MASAKARI_WAIT_SERVICE_UPDATE=$mwait NOVA_SERVICE_DOWN_TIME=$sdown \
			NOVA_REPORT_INTERVAL=$report
		os_rig "bench_e2e $p" 5 >&2
		os_vigil_cfgs "$WAIT_MS" "$more"
		os_vigil_start 1
		for i in 2 3 4 5; do
			sleep "0.$((RANDOM % 10))"
			os_vigil_start "$i"
		done
		vt_wait_for 60 vc_converged && vt_wait_for 30 vb_members 5 || {
			echo "bench-e2e: vigil did not converge" >&2
			exit 1
		}
		RES=$VT_DIR/res.txt
		: >"$RES"
		for r in $(seq 1 "$rounds"); do
			v=$(((r + 2) % 5 + 1))
			names=()
			for i in $(seq 1 "$INSTANCES"); do names+=("r$r-$i"); done
			os_client boot az-e2e "compute-$v" "${names[@]}" || exit 1
			ids=$(os_client servers | awk -v h="compute-$v" '$4 == h {print $2}')
			what=""
			[ "$(vc_leader)" = "$v" ] && what=" (the Raft leader)"
			os_mark_stopped "$v"
			t0=$(date +%s.%N)
			os_host_crash "$v"
			# shellcheck disable=SC2086
			OS_WATCH_LIMIT=900 os_client watch "$t0" "compute-$v" $ids >"$VT_DIR/watch.txt" || {
				echo "round $r: hv$v's instances not evacuated" >&2
				VT_FAILS=$((VT_FAILS + 1))
				exit 1
			}
			os_wait 300 os_finished "$v" || echo "round $r: notification not finished" >&2
			line=$(os_breakdown "$t0" "$v" "$(os_new_stopped "$v" | head -1)" "$VT_DIR/watch.txt") || exit 1
			echo "$line" >>"$RES"
			echo "$p round $r: crashed hv$v$what, $(wc -l <"$VT_DIR/watch.txt") instances;" \
				"detect verdict fence notify engine disable_wait evacuate first last: $line" >&2
			os_host_restore "$v" || { echo "round $r: hv$v not repaired" >&2; exit 1; }
		done
		figures "$RES" "$p"
	)
}

echo "bench-e2e: 5 hypervisors (3 servers), vigil's wait period $WAIT_MS ms, $INSTANCES instances per crash: $PROFILES" >&2
for p in $PROFILES; do
	t=$SECONDS
	run_profile "$p"
	echo "# $p: $((SECONDS - t)) s with the rig's start" >&2
done
