# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# netns.sh - shared helpers for vigil's whole-path tests in network namespaces.
#
# Source it, call vt_init, then vt_* functions. Everything created is recorded
# and removed by vt_cleanup (run from an EXIT trap), even when a test fails:
# processes are killed by PID, namespaces deleted, the private bpffs unmounted.
# Addresses come from a private /24 that vt_init checks is unused on this host;
# nothing routes there, and no traffic leaves the namespaces the test made.
#
# Output is TAP-like: "ok - NAME", "not ok - NAME", "ok - NAME # SKIP why".

VT_ID=${VT_ID:-vt$$}
VT_PIDS=()
VT_NETNS=()
VT_DIR=
VT_BPFFS=
VT_NET=
VIGIL=${VIGIL:-build/vigil}
. "$(dirname "${BASH_SOURCE[0]}")/tap.sh"

vt_cleanup() {
	local pid ns
	set +e
	for pid in "${VT_PIDS[@]}"; do
		kill -CONT "$pid" 2>/dev/null
		kill -TERM "$pid" 2>/dev/null
	done
	for pid in "${VT_PIDS[@]}"; do
		for _ in $(seq 1 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null
	done
	for ns in "${VT_NETNS[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	if [ -n "$VT_BPFFS" ] && mountpoint -q "$VT_BPFFS"; then
		umount "$VT_BPFFS"
	fi
	if [ -n "$VT_DIR" ]; then
		if [ "$VT_FAILS" -gt 0 ] || [ -n "${VT_KEEP:-}" ]; then
			# Keep the logs of a failed run, or of any with VT_KEEP
			# set (bounded: the newest 3 of the finished ones; never
			# a directory whose test still runs: suites run side by
			# side).
			rmdir "$VT_DIR/bpffs" 2>/dev/null
			echo "# logs kept in $VT_DIR"
			vt_prune_logs
		else
			rm -rf "$VT_DIR"
		fi
	fi
}

# vt_prune_logs: delete the logs of finished failed runs but the newest 3.
# A directory is a running test's if the PID in its name (vigil-vt<PID>.*)
# lives or a bpffs is still mounted in it: those are never touched.
vt_prune_logs() {
	local d pid n=0
	for d in $(ls -dt /tmp/vigil-vt* 2>/dev/null); do
		pid=${d#/tmp/vigil-vt}
		pid=${pid%%.*}
		if [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null; then continue; fi
		mountpoint -q "$d/bpffs" && continue
		n=$((n + 1))
		[ "$n" -gt 3 ] && rm -rf "$d"
	done
}

# Pick a 10.x.y.0/24 that no address or route on this host uses.
vt_pick_net() {
	local tries a b used
	used=$(ip -4 addr show; ip -4 route show table all 2>/dev/null)
	for tries in $(seq 1 50); do
		a=$((200 + RANDOM % 50)) b=$((RANDOM % 250 + 1))
		if ! grep -q "10\.$a\.$b\." <<<"$used" && ! grep -q "10\.$a\.0\.0/16\|10\.0\.0\.0/8" <<<"$used"; then
			VT_NET="10.$a.$b"
			return 0
		fi
	done
	echo "vt: no unused private /24 found" >&2
	return 1
}

vt_require() {
	[ "$(id -u)" -eq 0 ] || { skip "$1" "needs root"; exit 0; }
	[ -x "$VIGIL" ] || { not_ok "$1: $VIGIL not built"; exit 1; }
	[ -e /sys/kernel/btf/vmlinux ] || { skip "$1" "kernel without BTF"; exit 0; }
}

vt_init() {
	trap vt_cleanup EXIT
	trap 'exit 130' INT TERM
	VT_DIR=$(mktemp -d "/tmp/vigil-$VT_ID.XXXXXX")
	VT_BPFFS=$VT_DIR/bpffs
	mkdir -p "$VT_BPFFS"
	# A private bpffs: `ip netns exec` remounts /sys, so /sys/fs/bpf is not
	# shared with the namespaces; this mount is.
	mount -t bpf bpf "$VT_BPFFS" || return 1
	vt_pick_net || return 1
}

vt_netns_add() { # NAME
	ip netns add "$1" || return 1
	VT_NETNS+=("$1")
	ip -n "$1" link set lo up
}

# vt_pair NS_A IF_A ADDR_A NS_B IF_B ADDR_B: a veth pair between two namespaces
vt_pair() {
	ip link add "$2" netns "$1" type veth peer name "$5" netns "$4" || return 1
	ip -n "$1" addr add "$3/24" dev "$2"
	ip -n "$4" addr add "$6/24" dev "$5"
	ip -n "$1" link set "$2" up
	ip -n "$4" link set "$5" up
}

# vt_bg LOGFILE CMD...: start CMD in the background, record its PID in VT_LAST_PID
vt_bg() {
	local log=$1
	shift
	"$@" >"$log" 2>&1 &
	VT_LAST_PID=$!
	VT_PIDS+=("$VT_LAST_PID")
}

# vt_wait_for SECONDS CMD...: poll CMD every 0.1 s until it succeeds or time runs out
vt_wait_for() {
	local limit=$1 i
	shift
	for i in $(seq 1 $((limit * 10))); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

# vt_stat NS CONFIG FIELD: a summed XDP counter, read from the pinned maps
vt_stat() {
	ip netns exec "$1" "$VIGIL" maps -config "$2" -j 2>/dev/null |
		python3 -c "import json,sys; print(json.load(sys.stdin)['stats']['$3'])"
}

# vt_json_field FIELD: read JSON from stdin, print a top-level field
vt_json_field() {
	python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"
}

# vt_bg_append LOGFILE CMD...: like vt_bg, appending to LOGFILE
vt_bg_append() {
	local log=$1
	shift
	"$@" >>"$log" 2>&1 &
	VT_LAST_PID=$!
	VT_PIDS+=("$VT_LAST_PID")
}

# vt_solo CLUSTER KEY: one host alone in namespace ${VT_ID}CLUSTER, eth0 (a veth
# whose peer stays in the namespace) at $VT_NET.1, and an agent configuration
# for it in generic XDP mode. Sets VT_SOLO_NS and VT_SOLO_CFG.
vt_solo() {
	VT_SOLO_NS=${VT_ID}$1
	VT_SOLO_CFG=$VT_DIR/$1.json
	vt_netns_add "$VT_SOLO_NS" || return 1
	ip netns exec "$VT_SOLO_NS" ip link add eth0 type veth peer name eth1 || return 1
	ip -n "$VT_SOLO_NS" addr add "$VT_NET.1/24" dev eth0
	ip -n "$VT_SOLO_NS" link set eth0 up
	ip -n "$VT_SOLO_NS" link set eth1 up
	printf '{"node_name": "solo", "cluster": "%s", "interface": "eth0", "key": "%s",\n "bpffs": "%s/%s", "data_dir": "%s/data-%s", "xdp_mode": "generic"}\n' \
		"$1" "$2" "$VT_BPFFS" "$1" "$VT_DIR" "$1" >"$VT_SOLO_CFG"
}
