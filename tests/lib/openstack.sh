# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# openstack.sh - a real OpenStack (userspace/tools/openstack-local.sh) behind
# a namespace cluster built by vc_up: the control services in the switch
# namespace at $VT_NET.1 on the bridge, one nova-compute "compute-I" (Nova's
# fake virt driver) inside hypervisor I's namespace, so that crashing hv I
# (its link down, its nova-compute killed) is what a dying host does to Nova.
# Source tests/lib/netns.sh and tests/lib/cluster.sh first, then vc_up.
#
#   os_up                    install if needed, start the control services
#   os_compute_start I...    compute-I in hv I's namespace, all at once, up and
#                            reporting (OS_COMPUTE[I] its PID)
#   os_client CMD ...        userspace/tools/openstack-client.py with the rig's credentials
#   os_crash I               hv I's link down and its nova-compute SIGKILLed
#   os_return I              hv I's link up and its nova-compute started again
#   os_discover              map the started nova-computes to Nova's cell
#   os_where NAME / os_id NAME  an instance's "STATUS HOST" / its id
#   os_down                  stop every process of the rig by PID (also on EXIT)
#
# Settings: the environment of os_up (NOVA_SERVICE_DOWN_TIME,
# NOVA_REPORT_INTERVAL, MASAKARI_WAIT_SERVICE_UPDATE, MASAKARI_WAIT_EVACUATION;
# see openstack-local.sh).

OS_LAUNCHER=${OS_LAUNCHER:-userspace/tools/openstack-local.sh}
OS_DIR=
declare -a OS_COMPUTE

os_up() {
	# Only the root namespace reaches a package mirror.
	os_fg "$OS_LAUNCHER" install || return 1
	OS_DIR=$VT_DIR/openstack
	mkdir -p "$OS_DIR"
	trap 'os_down; vt_cleanup' EXIT
	ip -n "$VC_SW" addr add "$VT_NET.1/24" dev br0 2>/dev/null
	ip -n "$VC_SW" link set lo up
	os_fg ip netns exec "$VC_SW" env OPENSTACK_ADDR="$VT_NET.1" "$OS_LAUNCHER" start "$OS_DIR" \
		>"$VT_DIR/openstack-start.log" 2>&1 || {
		tail -n 5 "$VT_DIR/openstack-start.log" | sed 's/^/# /'
		return 1
	}
	local f
	for f in "$OS_DIR"/pids/*.pid; do VT_PIDS+=("$(cat "$f")"); done
}

os_compute_start() { # I...: all at once, each in its hypervisor's namespace
	local i rc=0
	local -a jobs=()
	for i in "$@"; do
		ip netns exec "${VC_NS[$i]}" "$OS_LAUNCHER" compute-start "$OS_DIR" "compute-$i" \
			2>>"$VT_DIR/openstack-start.log" &
		jobs+=($!)
	done
	for i in "${jobs[@]}"; do wait "$i" || rc=1; done
	for i in "$@"; do
		[ -s "$OS_DIR/pids/compute-compute-$i.pid" ] || continue
		OS_COMPUTE[$i]=$(cat "$OS_DIR/pids/compute-compute-$i.pid")
		VT_PIDS+=("${OS_COMPUTE[$i]}")
	done
	return $rc
}

# os_fg CMD...: CMD in the background, waited for: a SIGTERM (the runner's
# timeout) interrupts `wait` at once and the EXIT trap stops the rig, where a
# foreground command would hold the trap back until it ends.
os_fg() {
	"$@" &
	wait $!
}

os_client() { os_fg ip netns exec "$VC_SW" "$OS_LAUNCHER" client "$OS_DIR" "$@"; }

os_crash() { # I
	vc_isolate "$1"
	"$OS_LAUNCHER" compute-stop "$OS_DIR" "compute-$1" KILL
}

os_return() { # I
	vc_heal "$1"
	os_compute_start "$1"
}

os_down() {
	[ -n "$OS_DIR" ] && [ -d "$OS_DIR/pids" ] && "$OS_LAUNCHER" stop "$OS_DIR"
	return 0
}

# os_discover: map the nova-computes started so far to the cell
os_discover() { ip netns exec "$VC_SW" "$OS_LAUNCHER" discover "$OS_DIR"; }

# os_where NAME: "STATUS HOST" of instance NAME (from `os_client servers`)
os_where() { os_client servers | awk -v n="$1" '$1 == n {print $3, $4}'; }

# os_id NAME: instance NAME's id
os_id() { os_client servers | awk -v n="$1" '$1 == n {print $2}'; }
