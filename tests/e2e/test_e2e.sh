#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# vigil-test: exclusive timeout=1200
# test_e2e.sh - the end of vigil's chain in a real OpenStack: after a
# hypervisor's crash, the COMPUTE_HOST notification (host_status NORMAL, as
# after a confirmed power-off) makes Debian's masakari-engine and Nova run the
# crashed host's instances again on the other hosts, and nothing else moves.
#
# Three hypervisors hv1..hv3 in namespaces on a bridge (tests/lib/cluster.sh),
# each running nova-compute "compute-I" (fake virt driver) in its namespace;
# Keystone, Glance, Placement, Nova, RabbitMQ, MariaDB and Masakari in the
# switch's (tests/lib/openstack.sh). One Nova aggregate/availability zone and
# one Masakari segment (recovery auto) hold the three hosts.
#  1. hv3 crashes and comes back before anything is sent: Nova saw it down,
#     then up again; no notification, no instance moved.
#  2. hv1 crashes, e2e_trigger sends the notification: hv1's instances are
#     ACTIVE on hv2/hv3, exactly one notification exists and it is finished,
#     compute-1 is on maintenance in Masakari, the other instances stayed.
# The first run installs the packages (openstack-local.sh install).
set -u
cd "$(dirname "$0")/../.."
. tests/lib/netns.sh
. tests/lib/cluster.sh
. tests/lib/openstack.sh

# Nova notices a silent compute within NOVA_SERVICE_DOWN_TIME; masakari-engine
# waits MASAKARI_WAIT_SERVICE_UPDATE after disabling it before it evacuates,
# and Nova refuses to evacuate from a host it still believes up: the wait
# must cover what is left of service_down_time (docs/openstack.md).
export NOVA_SERVICE_DOWN_TIME=${NOVA_SERVICE_DOWN_TIME:-10}
export NOVA_REPORT_INTERVAL=${NOVA_REPORT_INTERVAL:-2}
export MASAKARI_WAIT_SERVICE_UPDATE=${MASAKARI_WAIT_SERVICE_UPDATE:-12}
export MASAKARI_WAIT_EVACUATION=${MASAKARI_WAIT_EVACUATION:-90}

# e2e_trigger I: what reaches Masakari once hv I is known dead and fenced;
# prints "UUID UNIXTIME" (the notification, when it was sent). Today: the
# notification masakari-monitors' hostmonitor sends after an IPMI check found
# the host powered off. With vigil's fencing stage this becomes "vigil's
# verdict -> fence agent off + status -> vigil's leader notifies".
e2e_trigger() {
	os_client notify "compute-$1"
}

vt_require e2e
T0=$SECONDS
vt_init || { not_ok "e2e: setup"; exit 1; }
vc_up 3 || { not_ok "e2e: namespaces"; exit 1; }
if ! os_up; then
	not_ok "e2e: the OpenStack services start (see $VT_DIR/openstack/logs)"
	exit 1
fi
ok "Keystone, Glance, Placement, Nova, Masakari up at $VT_NET.1 ($((SECONDS - T0)) s)"
T1=$SECONDS
os_compute_start 1 2 3 || {
	not_ok "nova-compute compute-1..3 start, each in its hypervisor's namespace"
	exit 1
}
os_discover || { not_ok "e2e: discover_hosts"; exit 1; }
ok "nova-compute compute-1..3 up, each in its hypervisor's namespace ($((SECONDS - T1)) s)"

check "aggregate/availability zone and Masakari segment az-e2e hold compute-1..3" \
	os_client segment az-e2e compute-1 compute-2 compute-3
T1=$SECONDS
booted=1
os_client boot az-e2e compute-1 vm-a vm-b || booted=0
os_client boot az-e2e compute-2 vm-c || booted=0
os_client boot az-e2e compute-3 vm-d || booted=0
check "4 instances ACTIVE: 2 on compute-1, 1 on compute-2, 1 on compute-3 ($((SECONDS - T1)) s)" test $booted = 1
[ $booted = 1 ] || exit 1
os_client servers | sort >"$VT_DIR/before.txt"

# --- 1. a host that returns before anything is sent ------------------------------
nova_sees() { # HOST STATE
	[ "$(os_client service "$1" | awk '{print $1}')" = "$2" ]
}
os_crash 3
check "hv3 crashed: Nova sees compute-3 down" vt_wait_for $((NOVA_SERVICE_DOWN_TIME + 20)) nova_sees compute-3 down
os_return 3 || not_ok "compute-3 restarts"
check "hv3 returned: Nova sees compute-3 up" vt_wait_for 60 nova_sees compute-3 up
sleep 2
check "no notification was sent for the returned host" test -z "$(os_client notifications)"
os_client servers | sort >"$VT_DIR/after-return.txt"
check "no instance moved after hv3's return" cmp -s "$VT_DIR/before.txt" "$VT_DIR/after-return.txt"

# --- 2. a crashed host whose instances run again elsewhere ------------------------
A=$(os_id vm-a) B=$(os_id vm-b)
os_crash 1
# vigil notifies after its wait period (30 s by default) and the fence; by
# then Nova (service_down_time 10 s here) sees the host down. Notified
# earlier, masakari-engine's disable would wait for Nova's RPC to the dead
# compute (rpc_response_timeout, 60 s; docs/openstack.md).
check "hv1 crashed: Nova sees compute-1 down" vt_wait_for $((NOVA_SERVICE_DOWN_TIME + 20)) nova_sees compute-1 down
read -r UUID t0 < <(e2e_trigger 1)
check "the notification for compute-1 is accepted" test -n "$UUID"
OS_WATCH_LIMIT=$((MASAKARI_WAIT_SERVICE_UPDATE + 180)) os_client watch "$t0" compute-1 "$A" "$B" >"$VT_DIR/watch.txt"
check "vm-a and vm-b ACTIVE on another host" test "$(wc -l <"$VT_DIR/watch.txt")" = 2
sed 's/^/# landed: /' "$VT_DIR/watch.txt"
first=$(awk '{print $3}' "$VT_DIR/watch.txt" | sort -n | head -1)
last=$(awk '{print $3}' "$VT_DIR/watch.txt" | sort -n | tail -1)
diag "notify_to_first_active_s=$first notify_to_last_active_s=$last" \
	"(service_down_time $NOVA_SERVICE_DOWN_TIME, wait_period_after_service_update $MASAKARI_WAIT_SERVICE_UPDATE)"
for x in vm-a vm-b; do
	where=$(os_where "$x")
	check "$x is ACTIVE on compute-2 or compute-3 ($where)" \
		grep -qE '^ACTIVE compute-[23]$' <<<"$where"
done
finished() { os_client notifications | grep -q "^$UUID compute-1 finished "; }
check "the notification is finished" vt_wait_for 60 finished
check "exactly one notification in Masakari" test "$(os_client notifications | wc -l)" = 1
check "compute-1 is on maintenance in Masakari" test "$(os_client maintenance compute-1)" = True
check "compute-2 and compute-3 are not" test "$(os_client maintenance compute-2)$(os_client maintenance compute-3)" = FalseFalse
os_client servers | sort >"$VT_DIR/after.txt"
stayed() { grep -E '^vm-[cd] ' "$1" | awk '{print $1, $2, $3, $4}'; }
check "vm-c and vm-d stayed where they were, ACTIVE" \
	test "$(stayed "$VT_DIR/before.txt")" = "$(stayed "$VT_DIR/after.txt")"
os_client progress "$UUID" | sed 's/^/# engine: /' | cut -c1-160
diag "e2e took $((SECONDS - T0)) s"
