#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# test_operator.sh - the operator's tools on the decided state, on a 5-host
# namespace cluster (hv1..hv3 Raft servers, hv4 and hv5 clients; Masakari
# unreachable, so a failure's notification stays pending):
#   1 vigil maint through a client      -> waits for the leader: applied (who
#                                          and why on every server, in status
#                                          and the event line), already so,
#                                          unknown host, each its exit code
#   2 vigil forget refused              -> for a host that runs, for a crashed
#                                          one whose notification is pending,
#                                          for an unknown one
#   3 vigil forget after maintenance    -> gone from the decided state on every
#                                          server, audited; every member sees
#                                          it left and does not relearn it; it
#                                          comes back a member when it returns
#   4 snapshot save (on the leader; a follower only with -stale), every
#     server's Raft state wiped, restore
#                                          -> refused when truncated, edited,
#                                          of another cluster, on a follower;
#                                          then the saved state on every server
#   5 no leader                          -> maint and forget give up, exit 4
# vigil-test: timeout=400
set -u
cd "$(dirname "$0")/../.."
. tests/lib/netns.sh
. tests/lib/cluster.sh

vt_require operator
vt_init || { not_ok "operator: setup"; exit 1; }
vc_up 5 || { not_ok "operator: building 5 hosts"; exit 1; }
SERVERS="\"servers\": [\"hv1@${VC_IP[1]}\", \"hv2@${VC_IP[2]}\", \"hv3@${VC_IP[3]}\"]"
VC_JOIN="[\"${VC_IP[1]}\", \"${VC_IP[2]}\", \"${VC_IP[3]}\"]"
for i in 1 2 3 4 5; do
	role=client
	[ "$i" -le 3 ] && role=server
	vc_write_cfg "$i" "$SERVERS, \"role\": \"$role\", \"hypervisor_hostname\": \"compute-$i\",
  \"wait_period_ms\": 1500, \"min_healthy_hosts\": 0, \"raft_election_timeout_ms\": 500,
  \"masakari\": {\"url\": \"http://127.0.0.1:1/v1\", \"retry_min_ms\": 10000},"
done
for i in 1 2 3 4 5; do vc_start "$i"; done
check "5 agents converge" vt_wait_for 30 vc_converged
has_leader() { [ -n "$(vc_leader)" ]; }
check "a Raft leader" vt_wait_for 20 has_leader

# vig I ARGS...: vigil ARGS on hv I (its configuration); output in
# $VT_DIR/out, errors in $VT_DIR/err, the exit status in $RC
vig() {
	local i=$1
	shift
	ip netns exec "${VC_NS[$i]}" "$VIGIL" "$@" -config "${VC_CFG[$i]}" >"$VT_DIR/out" 2>"$VT_DIR/err"
	RC=$?
}
out_has() { grep -q -- "$1" "$VT_DIR/out"; }
err_has() { grep -q -- "$1" "$VT_DIR/err"; }
# host_py I EXPR: EXPR (Python) holds of hv I's status -j, with h = the
# decided hosts by name and a = the audit list
host_py() {
	vc_status "$1" | python3 -c "
import json, sys
s = json.load(sys.stdin)
h = {x['name']: x for x in s.get('hosts', [])}
a = s.get('audit', [])
sys.exit(0 if ($2) else 1)" 2>/dev/null
}
# on_servers EXPR: host_py holds on hv1, hv2 and hv3 (those running)
on_servers() {
	local i
	for i in 1 2 3; do
		kill -0 "${VC_PID[$i]}" 2>/dev/null || continue
		host_py "$i" "$1" || return 1
	done
}
members_known() { on_servers "len(h) == 5"; }
check "every server's decided state has the 5 hosts" vt_wait_for 20 members_known

# --- 1: maintenance waits for the leader, records who and why -------------------------
vig 4 maint enable hv5 -reason "kernel upgrade, CHG-1234"
check "1 maint enable through a client: exit 0" test "$RC" = 0
check "1 ... says the leader applied it" out_has "maintenance on for hv5: applied by the Raft leader hv"
maint5() { on_servers "h['hv5']['state'] == 'maintenance' and h['hv5']['maint_by'] == 'hv4' and h['hv5']['maint_reason'] == 'kernel upgrade, CHG-1234' and h['hv5']['maint_at']"; }
check "1 every server records it: who (hv4), why, when" vt_wait_for 5 maint5
L=$(vc_leader_wait) || { not_ok "operator: no Raft leader"; exit 1; }
ip netns exec "${VC_NS[$L]}" "$VIGIL" status -config "${VC_CFG[$L]}" >"$VT_DIR/status.txt" 2>&1
check "1 vigil status shows who and why" \
	grep -q "^hv5 .*maintenance by hv4 at .*: kernel upgrade, CHG-1234" "$VT_DIR/status.txt"
check "1 the leader's event line, the reason percent-encoded" \
	sh -c "cat '$VT_DIR'/hv[123].log | grep -q 'event=maintenance host=hv5 on=1 by=hv4 reason=kernel%20upgrade,%20CHG-1234'"
vig 4 maint enable compute-5
check "1 again: exit 5, already so" sh -c "test $RC = 5 && grep -q 'already so, nothing changed' $VT_DIR/out"
check "1 ... the first request's record stays" maint5
vig 4 maint disable hv5 -j
check "1 maint disable -j: exit 0, result applied" python3 -c "
import json; r = json.load(open('$VT_DIR/out'))
assert r['result'] == 'applied' and r['maintenance'] is False and r['state'] == 'member', r"
vig 4 maint enable nosuch
check "1 an unknown host: exit 3, says so" sh -c "test $RC = 3 && grep -q 'not a host of the decided state' $VT_DIR/err"
vig 2 maint enable hv4 -reason "through a server"
check "1 through a server: exit 0" test "$RC" = 0
vig 2 maint disable hv4
check "1 ... and off again" test "$RC" = 0

# --- 2: forget is refused while the host may still need vigil -----------------------------
vig 4 forget hv5
check "2 forget a host that runs: exit 1, says it is alive" sh -c "test $RC = 1 && grep -q 'hv5 is alive' $VT_DIR/err"
check "2 ... it stays" on_servers "'hv5' in h"
vc_crash 5
failed5() { on_servers "h['hv5']['state'] == 'failed'"; }
check "2 hv5 crashed: a verdict" vt_wait_for 20 failed5
pending5() {
	vc_status "$(vc_leader)" | python3 -c "
import json, sys
assert any(o['hostname'] == 'compute-5' and o['status'] == 'pending' for o in json.load(sys.stdin)['outbox'])"
}
check "2 ... its notification pending (Masakari unreachable)" vt_wait_for 5 pending5
vig 4 forget hv5 -reason "gone"
check "2 forget with a notification still to go: exit 1, says why" \
	sh -c "test $RC = 1 && grep -q 'a notification about hv5 is still to go' $VT_DIR/err"
check "2 ... it stays, failed" failed5
vig 4 forget nosuch
check "2 forget an unknown host: exit 3" test "$RC" = 3

# --- 3: maintenance cancels the notification; forget applies --------------------------------
vig 4 maint enable hv5 -reason "decommissioning"
check "3 maint enable on the crashed host: exit 0" test "$RC" = 0
vig 4 forget compute-5 -reason "RMA 4711: mainboard dead"
check "3 forget: exit 0, says every agent is told" \
	sh -c "test $RC = 0 && grep -q 'compute-5 forgotten: removed from the decided state by the Raft leader hv' $VT_DIR/out"
gone5() { on_servers "'hv5' not in h and a and a[-1]['action'] == 'forget' and a[-1]['host'] == 'hv5' and a[-1]['was'] == 'maintenance' and a[-1]['by'] == 'hv4' and a[-1]['reason'] == 'RMA 4711: mainboard dead' and a[-1]['at']"; }
check "3 every server: hv5 out of the decided state, the audit list says who, why, what it was" \
	vt_wait_for 5 gone5
# (the leader that applied it: leadership may have moved since)
check "3 the leader's event line" \
	sh -c "cat '$VT_DIR'/hv[123].log | grep -q 'event=forget host=hv5 hostname=compute-5 was=maintenance by=hv4 reason=RMA%204711:%20mainboard%20dead'"
left5() { vc_all_see left hv5 5; }
check "3 every member sees hv5 left" vt_wait_for 10 left5
sleep 5 # two learning rounds of every server, gossip and push-pull
check "3 ... and still left 5 s later: not relearned, not probed" left5
check "3 ... not in the decided state either" on_servers "'hv5' not in h"
ip netns exec "${VC_NS[$L]}" "$VIGIL" status -config "${VC_CFG[$L]}" >"$VT_DIR/status.txt" 2>&1
check "3 vigil status lists the audit entry" \
	grep -q "forget   hv5 .*maintenance  hv4 .*RMA 4711: mainboard dead" "$VT_DIR/status.txt"
vc_heal 5
vc_start 5
back5() { vc_all_see alive hv5 && on_servers "h.get('hv5', {}).get('state') == 'member'"; }
check "3 hv5 comes back: alive everywhere, a member of the decided state again" vt_wait_for 30 back5

# --- 4: snapshot save, the servers' Raft state lost, restore -------------------------------
vig 4 maint enable hv4 -reason "before the backup"
check "4 hv4 into maintenance before the save" test "$RC" = 0
SNAP=$VT_DIR/snap.json
L=$(vc_leader_wait) || { not_ok "operator: no Raft leader"; exit 1; }
F=$((L % 3 + 1))
vig "$F" operator snapshot save "$VT_DIR/follower.json"
check "4 snapshot save on a follower: exit 1, names the leader, offers -stale" \
	sh -c "test $RC = 1 && grep -q 'not the Raft leader.*-stale' $VT_DIR/err"
vig "$F" operator snapshot save "$VT_DIR/follower.json" -stale
check "4 ... with -stale: its state" sh -c "test $RC = 0 && grep -q 'taken by hv$F' $VT_DIR/out"
vig "$L" operator snapshot save "$SNAP"
check "4 snapshot save on the leader: exit 0, describes it" \
	sh -c "test $RC = 0 && grep -q 'saved $SNAP (mode 0600): cluster vc, taken by hv$L' $VT_DIR/out"
check "4 the file: mode 0600, format 1, cluster vc, a sha256, the state" python3 -c "
import json, os, stat
assert stat.S_IMODE(os.stat('$SNAP').st_mode) == 0o600
d = json.load(open('$SNAP'))
assert d['vigil_snapshot'] == 1 and d['cluster'] == 'vc' and len(d['sha256']) == 64, d
assert any(h['name'] == 'hv4' and h['state'] == 'maintenance' for h in d['state']['hosts'])"
vig 4 operator snapshot save "$VT_DIR/client.json"
check "4 snapshot save on a client: refused" sh -c "test $RC != 0 && grep -q 'client' $VT_DIR/err"
head -c 300 "$SNAP" >"$VT_DIR/truncated.json"
sed 's/before the backup/before the backuq/' "$SNAP" >"$VT_DIR/edited.json"
python3 -c "
import json; d = json.load(open('$SNAP')); d['cluster_id'] = 12345
json.dump(d, open('$VT_DIR/foreign.json', 'w'))"
vig "$L" operator snapshot restore "$VT_DIR/truncated.json"
check "4 restore a truncated file: exit 1, not JSON" sh -c "test $RC = 1 && grep -q 'not a vigil snapshot: not JSON' $VT_DIR/err"
vig "$L" operator snapshot restore "$VT_DIR/edited.json"
check "4 restore an edited file: exit 1, its sha256" sh -c "test $RC = 1 && grep -q 'does not match its sha256' $VT_DIR/err"
vig "$L" operator snapshot restore "$VT_DIR/foreign.json"
check "4 restore another cluster's file: exit 1" sh -c "test $RC = 1 && grep -q 'not of this one' $VT_DIR/err"
L=$(vc_leader_wait) || { not_ok "operator: no Raft leader"; exit 1; }
F=$((L % 3 + 1)) # a follower now (leadership may have moved meanwhile)
vig "$F" operator snapshot restore "$SNAP"
check "4 restore on a follower: exit 1, names the leader" sh -c "test $RC = 1 && grep -q 'not the Raft leader' $VT_DIR/err"
# every server's Raft state lost: stopped, data_dir/raft removed, started
for i in 1 2 3; do vc_stop "$i"; done
for i in 1 2 3; do rm -rf "$VT_DIR/data/hv$i/raft"; done
for i in 1 2 3; do vc_start "$i"; done
check "4 the wiped servers elect a leader" vt_wait_for 30 has_leader
fresh() { on_servers "'hv4' in h and h['hv4']['state'] == 'member' and not a"; }
check "4 ... their decided state starts over: hv4 a member, no audit" vt_wait_for 20 fresh
L=$(vc_leader_wait) || { not_ok "operator: no Raft leader"; exit 1; }
vig "$L" operator snapshot restore "$SNAP" -reason "disaster drill"
check "4 restore on the leader: exit 0" sh -c "test $RC = 0 && grep -q 'restored through Raft' $VT_DIR/out"
restored() { on_servers "h['hv4']['state'] == 'maintenance' and h['hv4']['maint_reason'] == 'before the backup' and [x['action'] for x in a][-2:] == ['forget', 'restore'] and a[-1]['reason'].startswith('disaster drill') and a[-2]['host'] == 'hv5'"; }
check "4 every server holds the saved state and the restore's record" vt_wait_for 10 restored
check "4 the leader's event line" grep -q "event=snapshot_restore by=hv$L hosts=5 reason=disaster%20drill" "$VT_DIR/hv$L.log"
vig 4 maint disable hv4
check "4 the restored state works on: maint disable applies" test "$RC" = 0

# --- 5: no leader ----------------------------------------------------------------------------
for i in 2 3; do vc_stop "$i"; done
no_leader() { ! has_leader; }
vt_wait_for 10 no_leader
t0=$(date +%s)
vig 4 maint enable hv5 -reason "no leader"
t1=$(date +%s)
check "5 maint without a leader: exit 4, says no leader answered" \
	sh -c "test $RC = 4 && grep -q 'no Raft leader answered' $VT_DIR/err"
check "5 ... after about 4 s ($((t1 - t0)) s)" test $((t1 - t0)) -ge 3 -a $((t1 - t0)) -le 8
vig 4 forget hv5
check "5 forget without a leader: exit 4" test "$RC" = 4
exit $((VT_FAILS > 0))
