#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# vigil-test: exclusive timeout=1500
# test_az_sync.sh - HA per availability zone kept in sync (reconcile.*)
# against the real Keystone, Nova and masakari-api of the end-to-end rig
# (tests/lib/openstack.sh): four hypervisors hv1..hv4 in namespaces, each
# with its nova-compute compute-I; hv1..hv3 are vigil's Raft servers; Nova
# aggregate/availability zone az-sync holds compute-1..3; no Masakari
# segment exists: vigil's leader creates it.
#  1. the segment appears with compute-1..3 (one host each, once);
#  2. compute-4 added to the aggregate, no agent: "unprotected" (status,
#     metric, `vigil check openstack`); its agent started: in the segment and in vigil, no longer
#     unprotected;
#  3. maintenance set in vigil reaches Masakari and back; set in Masakari,
#     vigil follows and says the host needs an operator; cleared in vigil,
#     Masakari follows;
#  4. masakari-api frozen: rounds fail and say so; a maintenance set
#     meanwhile reaches Masakari once it answers, nothing twice;
#  5. nova-api frozen beyond the grace period: nothing removed;
#  6. the leader stopped and restarted: the new leader changes nothing that
#     is in sync (no second host_add, the segment unchanged);
#  7. compute-3 deleted from the segment by hand, then hv3 crashes: back in
#     the segment before the failure notification, which Masakari takes
#     (no 400 "host not found");
#  8. compute-4 removed from the aggregate: flagged, out of the segment
#     after the grace period while its agent runs, still in vigil; after
#     `vigil leave`, forgotten by vigil after the grace period.
# One rig on the machine at a time: the script holds
# /tmp/vigil-openstack-rig.lock (os_exclusive).
set -u
cd "$(dirname "$0")/../.."
. tests/lib/netns.sh
. tests/lib/cluster.sh
. tests/lib/openstack.sh
os_exclusive "$@"

export NOVA_SERVICE_DOWN_TIME=${NOVA_SERVICE_DOWN_TIME:-10}
export NOVA_REPORT_INTERVAL=${NOVA_REPORT_INTERVAL:-2}
AZ=az-sync
GRACE_MS=8000
INTERVAL_MS=2000

T0=$SECONDS
os_base az_sync 4
os_compute_start 1 2 3 4 || { not_ok "nova-compute compute-1..4 start"; exit 1; }
os_discover || { not_ok "az_sync: discover_hosts"; exit 1; }
check "Nova aggregate $AZ holds compute-1..3, no Masakari segment yet" \
	os_client aggregate "$AZ" compute-1 compute-2 compute-3

SERVERS="\"servers\": [\"hv1@${VC_IP[1]}\", \"hv2@${VC_IP[2]}\", \"hv3@${VC_IP[3]}\"]"
for i in 1 2 3 4; do
	role=client
	[ "$i" -le 3 ] && role=server
	vc_write_cfg "$i" "$SERVERS, \"role\": \"$role\", \"hypervisor_hostname\": \"compute-$i\",
  \"wait_period_ms\": 10000,
  \"masakari\": $(os_masakari_json '"interface": "public", "timeout_ms": 3000'),
  \"reconcile\": {\"enabled\": true, \"segment\": \"$AZ\", \"create_segment\": true,
    \"aggregate\": \"$AZ\", \"interval_ms\": $INTERVAL_MS, \"grace_ms\": $GRACE_MS},"
done
for i in 1 2 3; do vc_start "$i"; done

# --- helpers ------------------------------------------------------------------------
# poll SECONDS CMD...: CMD every second until it succeeds (OpenStack calls are slow)
poll() {
	local end=$((SECONDS + $1))
	shift
	while [ $SECONDS -lt "$end" ]; do
		"$@" && return 0
		sleep 1
	done
	return 1
}
seg_hosts() { os_client segment-hosts "$AZ" | sort; } # "compute-1 False" lines
seg_is() { [ "$(seg_hosts | awk '{print $1}' | tr '\n' ' ')" = "$1" ]; }
seg_maint() { [ "$(seg_hosts | awk -v h="$1" '$1 == h {print $2}')" = "$2" ]; }
leader_json() {
	local l
	l=$(vc_leader) || return 1
	vc_status "$l"
}
# finding HOST FINDING: the leader's status lists FINDING for HOST
finding() {
	leader_json | jq -e --arg h "$1" --arg f "$2" \
		'[.reconcile.hosts[] | select(.hostname == $h) | .findings[]] | index($f) != null' \
		>/dev/null
}
no_finding() { leader_json | jq -e --arg h "$1" '[.reconcile.hosts[] | select(.hostname == $h) | .findings[]] | length == 0' >/dev/null; }
# vigil_is HOST STATE: the decided state of HOST ("none": not in it)
vigil_is() {
	[ "$(leader_json | jq -r --arg h "$1" '[.hosts[] | select(.hostname == $h) | .state][0] // "none"')" = "$2" ]
}
needs_operator() { leader_json | jq -e --arg h "$1" '.hosts[] | select(.hostname == $h) | .needs_operator' >/dev/null; }
metric() { # PATTERN: the leader's /metrics has a line matching it
	local l
	l=$(vc_leader) || return 1
	ip netns exec "${VC_NS[$l]}" curl -s --max-time 5 "http://127.0.0.1:7500/metrics" | grep -qE "$1"
}
maint() { ip netns exec "${VC_NS[1]}" "$VIGIL" maint "$1" "$2" -config "${VC_CFG[1]}" >/dev/null 2>&1; }
events() { cat "$VT_DIR"/hv*.log | grep -c "event=reconcile $1" || true; }
proc_group() { kill "-$1" -- "-$(cat "$OS_DIR/pids/$2.pid")"; }

# --- 1. the segment made and filled ------------------------------------------------
check "a Raft leader among hv1..hv3" vt_wait_for 30 vc_has_leader
check "the leader created segment $AZ with compute-1..3" \
	poll 60 seg_is "compute-1 compute-2 compute-3 "
check "one segment_create, one host_add per host" \
	test "$(events "action=segment_create") $(events "action=host_add.*result=done")" = "1 3"

# --- 2. a hypervisor of the aggregate without an agent ------------------------------
os_client aggregate "$AZ" compute-4 >/dev/null
check "compute-4 in the aggregate without an agent: unprotected (status)" poll 30 finding compute-4 unprotected
check "... and on /metrics" poll 10 \
	metric 'vigil_zone_host_finding\{.*hostname="compute-4".*finding="unprotected".*\} 1'
check "... not added to the segment" seg_is "compute-1 compute-2 compute-3 "
ip netns exec "${VC_NS[1]}" "$VIGIL" check openstack -config "${VC_CFG[1]}" >"$VT_DIR/preflight.txt" 2>&1
rc=$?
sed 's/^/# /' "$VT_DIR/preflight.txt"
check "vigil check openstack: compute-4 unprotected, exit 1" \
	sh -c "[ $rc = 1 ] && grep -qE '^  compute-4 +unprotected' '$VT_DIR/preflight.txt'"
check "... compute-1..3 in the aggregate, the segment and vigil, Nova up" \
	test "$(grep -cE '^compute-[123] +yes +yes +member .* up enabled$' "$VT_DIR/preflight.txt")" = 3
vc_start 4
check "its agent started: compute-4 joins vigil" poll 30 vigil_is compute-4 member
check "... and the segment" poll 30 seg_is "compute-1 compute-2 compute-3 compute-4 "
check "... and is no longer unprotected" poll 20 no_finding compute-4
grep -h "event=zone_finding" "$VT_DIR"/hv*.log | sed 's/^/# /' | head -5

# --- 3. maintenance, both ways --------------------------------------------------------
maint enable compute-2
check "vigil maintenance of compute-2 reaches Masakari" poll 30 seg_maint compute-2 True
maint disable compute-2
check "... and its end" poll 30 seg_maint compute-2 False
os_client set-maintenance compute-2 True
check "Masakari's on_maintenance of compute-2: vigil puts it in maintenance" poll 30 vigil_is compute-2 maintenance
check "... and says it needs an operator" needs_operator compute-2
check "... on /metrics too" poll 10 \
	metric 'vigil_zone_host_finding\{.*hostname="compute-2".*finding="needs_operator".*\} 1'
maint disable compute-2
check "cleared in vigil: Masakari follows" poll 30 seg_maint compute-2 False
check "... compute-2 is a member again, nothing flagged" poll 20 no_finding compute-2

# --- 4. masakari-api frozen -----------------------------------------------------------
proc_group STOP masakari-api
maint enable compute-3
failing() { leader_json | jq -e '.reconcile.error | test("Masakari")' >/dev/null; }
check "masakari-api frozen: the leader's rounds fail and say so" poll 40 failing
check "... vigil_reconcile_failing is 1" poll 10 metric '^vigil_reconcile_failing(\{[^}]*\})? 1'
proc_group CONT masakari-api
check "masakari-api back: the maintenance set meanwhile reaches it" poll 60 seg_maint compute-3 True
maint disable compute-3
check "... and its end" poll 30 seg_maint compute-3 False
check "no host twice in the segment" test "$(seg_hosts | awk '{print $1}' | sort | uniq -d)" = ""

# --- 5. nova-api frozen ---------------------------------------------------------------
proc_group STOP nova-api
nova_failing() { leader_json | jq -e '.reconcile.error | test("Nova")' >/dev/null; }
check "nova-api frozen: the rounds say Nova does not answer" poll 40 nova_failing
sleep $((GRACE_MS / 1000 + 4))
proc_group CONT nova-api
check "... nothing left the segment meanwhile (frozen longer than the grace period)" \
	seg_is "compute-1 compute-2 compute-3 compute-4 "

# --- 6. a leader change ----------------------------------------------------------------
adds=$(events "action=host_add.*result=done")
L=$(vc_leader_wait) || { not_ok "az_sync: no Raft leader"; exit 1; }
vc_stop "$L"
vc_start "$L"
newleader() { l=$(vc_leader) && [ "$l" != "$L" ]; }
check "hv$L stopped and restarted: another server leads" poll 30 newleader
sleep $((3 * INTERVAL_MS / 1000 + 2))
check "the new leader added nothing (still $adds host_add)" test "$(events "action=host_add.*result=done")" = "$adds"
check "the segment is unchanged" seg_is "compute-1 compute-2 compute-3 compute-4 "

# --- 7. a host missing from the segment when it fails ------------------------------------
os_client segment-host-delete "$AZ" compute-3
os_crash 3
check "compute-3 deleted by hand, hv3 crashed: it is back in the segment" \
	poll 30 seg_is "compute-1 compute-2 compute-3 compute-4 "
notified() { grep -h "event=notified .*hostname=compute-3 .*kind=STOPPED" "$VT_DIR"/hv*.log | grep -q "result=delivered"; }
check "the failure notification for compute-3 is delivered" poll 90 notified
check "... never answered 400 host not found" \
	test "$(cat "$VT_DIR"/hv*.log | grep -c "hostname=compute-3 .*result=host_unknown")" = 0
check "Masakari has exactly one notification, for compute-3" \
	test "$(os_client notifications | awk '{print $2}' | tr '\n' ' ')" = "compute-3 "

# --- 8. out of the aggregate -------------------------------------------------------------
os_client aggregate-remove "$AZ" compute-4
check "compute-4 out of the aggregate: flagged" poll 30 finding compute-4 not_in_aggregate
check "... leaves the segment after the grace period" \
	poll $((GRACE_MS / 1000 + 30)) seg_is "compute-1 compute-2 compute-3 "
check "... but stays in vigil while its agent runs" vigil_is compute-4 member
ip netns exec "${VC_NS[4]}" "$VIGIL" leave -config "${VC_CFG[4]}" >/dev/null 2>&1
check "after vigil leave on hv4, vigil forgets compute-4 after the grace period" \
	poll $((GRACE_MS / 1000 + 30)) vigil_is compute-4 none
check "one vigil_forget" test "$(events "action=vigil_forget")" = 1
audited() { # HOSTNAME: forgotten by the reconciler, in the audit list
	leader_json | jq -e --arg h "$1" '[.audit[] | select(.hostname == $h and
		.action == "forget" and .by == "reconciler" and
		.reason == "removed_from_aggregate")] | length == 1' >/dev/null
}
check "... in the audit list: by the reconciler, removed_from_aggregate" audited compute-4
grep -h "event=reconcile" "$VT_DIR"/hv*.log | sed 's/^.*event=/# event=/' | sort | uniq -c | sort -rn | head -20
diag "az_sync took $((SECONDS - T0)) s"
