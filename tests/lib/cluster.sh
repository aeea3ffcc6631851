# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# cluster.sh - an N-host vigil cluster in network namespaces joined by a
# bridge, for the scenario tests and benchmarks. Source tests/lib/netns.sh
# first. Hosts are hv1..hvN at $VT_NET.(10+i); hv1 is everyone's join point.
#
#   vc_up N [EXTRA_JSON]     build the hosts, write configs (EXTRA_JSON is spliced
#                            into every config, e.g. '"probe_interval_ms": 50,')
#   vc_start I               start hv I's agent (PID in VC_PID[I])
#   vc_members I             hv I's member table as JSON (vigil members -j)
#   vc_state I NAME          NAME's state as hv I sees it
#   vc_crash I               hard crash: agent SIGKILLed, all traffic dropped
#   vc_isolate I / vc_heal I drop / restore all of hv I's traffic at the switch
#   vc_partition "I ..." "J ..." / vc_unpartition   cut / restore the traffic
#                            between two groups of hosts at the switch
#   vc_status I / vc_leader  vigil status -j of hv I / index of the Raft leader

VC_N=0
declare -a VC_PID VC_NS VC_CFG VC_IP
VC_XDP_PASS=${VC_XDP_PASS:-${O:-build}/tests/xdp_pass.bpf.o}

vc_up() {
	local n=$1 extra=${2:-} i
	VC_N=$n
	VC_SW=${VT_ID}sw
	vt_netns_add "$VC_SW" || return 1
	ip -n "$VC_SW" link add br0 type bridge || return 1
	ip -n "$VC_SW" link set br0 up
	VC_KEY=$($VIGIL keygen)
	for i in $(seq 1 "$n"); do
		VC_NS[$i]=${VT_ID}h$i
		VC_IP[$i]=$VT_NET.$((10 + i))
		vt_netns_add "${VC_NS[$i]}" || return 1
		ip link add eth0 netns "${VC_NS[$i]}" type veth peer name "p$i" netns "$VC_SW" || return 1
		ip -n "$VC_SW" link set "p$i" master br0
		ip -n "$VC_SW" link set "p$i" up
		# XDP_TX on a veth reaches the peer only if the peer runs XDP too.
		ip -n "$VC_SW" link set dev "p$i" xdp obj "$VC_XDP_PASS" sec xdp || return 1
		ip -n "${VC_NS[$i]}" addr add "${VC_IP[$i]}/24" dev eth0
		ip -n "${VC_NS[$i]}" link set eth0 up
		VC_CFG[$i]=$VT_DIR/hv$i.json
		vc_write_cfg "$i" "$extra"
	done
}

# vc_write_cfg I EXTRA_JSON: hv I's configuration; it joins through
# $VC_JOIN (a JSON list; default hv1's address)
vc_write_cfg() {
	local i=$1 extra=${2:-} join=${VC_JOIN:-[\"${VC_IP[1]}\"]}
	mkdir -p "$VT_DIR/data/hv$i"
	printf '{\n  "node_name": "hv%s", "cluster": "vc", "interface": "eth0",\n  "key": "%s", "bpffs": "%s", "data_dir": "%s",\n  "join": %s, %s\n  "log_level": "info"\n}\n' \
		"$i" "$VC_KEY" "$VT_BPFFS/hv$i" "$VT_DIR/data/hv$i" "$join" "$extra" >"${VC_CFG[$i]}"
}

vc_start() { # I
	vt_bg_append "$VT_DIR/hv$1.log" ip netns exec "${VC_NS[$1]}" "$VIGIL" agent -config "${VC_CFG[$1]}"
	VC_PID[$1]=$VT_LAST_PID
}

vc_members() { # I
	ip netns exec "${VC_NS[$1]}" "$VIGIL" members -config "${VC_CFG[$1]}" -j 2>/dev/null
}

vc_state() { # I NAME
	vc_members "$1" | python3 -c "
import json, sys
try:
    m = {x['name']: x['state'] for x in json.load(sys.stdin)}
except Exception:
    m = {}
print(m.get('$2', 'unknown'))"
}

# vc_all_see STATE NAME [EXCEPT...]: every host but NAME and EXCEPT sees NAME in STATE
vc_all_see() {
	local st=$1 name=$2 i
	shift 2
	for i in $(seq 1 "$VC_N"); do
		[[ " $* " == *" $i "* ]] && continue
		[ "hv$i" = "$name" ] && continue
		[ "$(vc_state "$i" "$name")" = "$st" ] || return 1
	done
}

# vc_alive_count I: how many members hv I sees alive (itself included)
vc_alive_count() {
	vc_members "$1" | python3 -c "
import json, sys
try:
    print(sum(1 for x in json.load(sys.stdin) if x['state'].startswith('alive')))
except Exception:
    print(0)"
}

# vc_converged [EXCEPT...]: every running host sees every host alive
vc_converged() {
	local i want=$((VC_N - $#))
	for i in $(seq 1 "$VC_N"); do
		[[ " $* " == *" $i "* ]] && continue
		[ "$(vc_alive_count "$i")" = "$want" ] || return 1
	done
}

vc_isolate() { ip -n "$VC_SW" link set "p$1" down; }

vc_partition() { # "I ..." "J ...": hosts of one group no longer reach the other's
	local a="" b="" i
	for i in $1; do a="$a\"p$i\", "; done
	for i in $2; do b="$b\"p$i\", "; done
	ip netns exec "$VC_SW" nft -f - <<EOF
table bridge vigil_part {
	chain forward {
		type filter hook forward priority 0; policy accept;
		iifname { ${a%, } } oifname { ${b%, } } drop
		iifname { ${b%, } } oifname { ${a%, } } drop
	}
}
EOF
}
vc_unpartition() { ip netns exec "$VC_SW" nft delete table bridge vigil_part; }
vc_heal() { ip -n "$VC_SW" link set "p$1" up; }

vc_crash() { # I
	vc_isolate "$1"
	kill -KILL "${VC_PID[$1]}" 2>/dev/null
	wait "${VC_PID[$1]}" 2>/dev/null # reap it quietly (no "Killed" job notice)
}

# vc_leave I: `vigil leave` on hv I; returns the agent's exit status
vc_leave() {
	ip netns exec "${VC_NS[$1]}" "$VIGIL" leave -config "${VC_CFG[$1]}" >/dev/null 2>&1 ||
		return 1
	wait "${VC_PID[$1]}"
}

# vc_stop I: SIGTERM to hv I's agent; returns its exit status
vc_stop() {
	kill -TERM "${VC_PID[$1]}" 2>/dev/null
	wait "${VC_PID[$1]}"
}

# vc_reboot_down I: the first half of a clean reboot of hv I: the agent
# stopped by SIGTERM, then the kernel's state gone as at power-off (the XDP
# program detached, bpffs pins removed): nothing answers for hv I.
vc_reboot_down() {
	vc_stop "$1" || return 1
	ip netns exec "${VC_NS[$1]}" "$VIGIL" xdp detach -config "${VC_CFG[$1]}" >/dev/null 2>&1
}

# vc_status I: hv I's `vigil status -j`
vc_status() { ip netns exec "${VC_NS[$1]}" "$VIGIL" status -config "${VC_CFG[$1]}" -j 2>/dev/null; }

# vc_leader: index of the Raft leader among the running hv1..hv3, or fail
vc_leader() {
	local i
	for i in 1 2 3; do
		kill -0 "${VC_PID[$i]}" 2>/dev/null || continue
		vc_status "$i" | python3 -c "import json,sys; sys.exit(json.load(sys.stdin)['raft']['role'] != 'leader')" 2>/dev/null && echo "$i" && return 0
	done
	return 1
}

# vc_has_leader: some server says it leads (for vt_wait_for)
vc_has_leader() { [ -n "$(vc_leader)" ]; }

# vc_back_in_service I: the Raft leader's decided state has hv I again, not
# failed (after a failure: its "recovered" committed)
vc_back_in_service() {
	local l
	l=$(vc_leader_wait) || return 1
	vc_status "$l" | python3 -c "
import json, sys
h = [h for h in json.load(sys.stdin)['hosts'] if h['name'] == 'hv$1']
sys.exit(not h or bool(h[0].get('failed')))" 2>/dev/null
}

# vc_leader_wait: vc_leader, waiting up to 30 s for one (an election, or a
# status call slow on a loaded machine); fails with none
vc_leader_wait() {
	local i
	for i in $(seq 1 60); do
		vc_leader && return 0
		sleep 0.5
	done
	return 1
}

# vc_count_events TO-STATE: state changes to TO-STATE logged by any host
vc_count_events() {
	cat "$VT_DIR"/hv*.log | grep -v ' incarnation=0$' | grep -c "event=state .* to=$1" || true
}

# vc_events I: the state changes hv I logged, "member from to" per line.
# Not those at incarnation 0: a restarted agent verifying the members it
# learned from disk before it heard them (a live host's incarnation is
# never 0: its high half is the host's boot epoch).
vc_events() {
	[ -f "$VT_DIR/hv$1.log" ] || return 0
	grep -v ' incarnation=0$' "$VT_DIR/hv$1.log" |
		sed -n 's/.*event=state member=\([^ ]*\) from=\([^ ]*\) to=\([^ ]*\).*/\1 \2 \3/p'
}

# vc_masakari_up: the real masakari-api (userspace/tools/masakari-local.sh) in the switch
# namespace at $VT_NET.1:15868, reachable from every host over the bridge.
# Registers hv1..hvN as Masakari hosts. Sets VC_MK_URL and VC_MK_DIR.
vc_masakari_up() {
	userspace/tools/masakari-local.sh install || return 1
	ip -n "$VC_SW" addr add "$VT_NET.1/24" dev br0 2>/dev/null
	ip -n "$VC_SW" link set lo up
	VC_MK_DIR=$VT_DIR/masakari
	VC_MK_URL=http://$VT_NET.1:15868/v1
	MASAKARI_ADDR=$VT_NET.1 ip netns exec "$VC_SW" userspace/tools/masakari-local.sh start "$VC_MK_DIR" >/dev/null || return 1
	VT_PIDS+=("$(cat "$VC_MK_DIR/pid")")
	local i
	for i in $(seq 1 "$VC_N"); do
		MASAKARI_ADDR=$VT_NET.1 ip netns exec "$VC_SW" userspace/tools/masakari-local.sh add-host "$VC_MK_DIR" "compute-$i" || return 1
	done
}

# vc_masakari_freeze / vc_masakari_thaw: SIGSTOP / SIGCONT masakari-api's
# process group (the launcher starts it in a session of its own): requests
# wait in its socket, as on an overloaded Masakari.
vc_masakari_freeze() { kill -STOP -- "-$(cat "$VC_MK_DIR/pid")"; }
vc_masakari_thaw() { kill -CONT -- "-$(cat "$VC_MK_DIR/pid")"; }

vc_masakari_stop() { MASAKARI_ADDR=$VT_NET.1 ip netns exec "$VC_SW" userspace/tools/masakari-local.sh stop "$VC_MK_DIR"; }
vc_masakari_start() {
	MASAKARI_ADDR=$VT_NET.1 ip netns exec "$VC_SW" userspace/tools/masakari-local.sh start "$VC_MK_DIR" >/dev/null || return 1
	VT_PIDS+=("$(cat "$VC_MK_DIR/pid")")
}

# vc_notifications [HOST]: Masakari's notifications, one line each:
# "hostname type event host_status cluster_status generated_time"
vc_notifications() {
	ip netns exec "$VC_SW" python3 - "$VC_MK_URL" "${1:-}" <<'PYEOF'
import json, sys, urllib.request
base, want = sys.argv[1], sys.argv[2]
op = urllib.request.build_opener(urllib.request.ProxyHandler({}))
get = lambda p: json.load(op.open(base + p, timeout=10))
names = {}
for s in get("/segments")["segments"]:
    for h in get("/segments/%s/hosts" % s["uuid"])["hosts"]:
        names[h["uuid"]] = h["name"]
for n in get("/notifications")["notifications"]:
    name = names.get(n["source_host_uuid"], "?")
    p = n["payload"]
    if not want or want == name:
        print(name, n["type"], p["event"], p["host_status"], p["cluster_status"], n["generated_time"])
PYEOF
}
