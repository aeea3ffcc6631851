# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# openstack.sh - a real OpenStack (userspace/tools/openstack-local.sh) behind
# a namespace cluster built by vc_up: the control services in the switch
# namespace at $VT_NET.1 on the bridge, one nova-compute "compute-I" (Nova's
# fake virt driver) inside hypervisor I's namespace, so that crashing hv I
# (its link down, its nova-compute killed) is what a dying host does to Nova.
# Source tests/lib/netns.sh, tests/lib/cluster.sh and tests/lib/bmc.sh
# first.
#
#   os_exclusive "$@"        first thing in a script: run it again holding
#                            the rig's lock (one rig on the machine at a time)
#   os_rig NAME N            the whole rig: hv1..hvN, the OpenStack services, a
#                            BMC per host, compute-1..N up, aggregate and
#                            segment "az-e2e"; "not ok" and exit on failure
#   os_vigil_cfgs WAIT_MS [FENCING_MORE]  hv1..hv3 servers, the rest clients,
#                            notifying through Keystone as user vigil, fencing
#                            through the BMCs (FENCING_MORE: more keys)
#   os_vigil_start I         hv I's agent, and its agent and nova-compute
#                            handed to its BMC (a power-off kills both)
#   os_host_crash I          hv I dies: its port down, agent and nova-compute
#                            SIGKILLed
#   os_host_restore I        hv I powered on through its BMC, agent and
#                            nova-compute started, the cluster converged, and
#                            what an operator does after a repair (recover)
#   os_stopped HOST          Masakari's STOPPED notifications for HOST, one
#                            "uuid status" line each
#   os_wait SECONDS CMD...   CMD until it succeeds (slow CMDs: os_client)
#   os_mark_stopped I / os_new_stopped I / os_finished I   compute-I's
#                            STOPPED notifications since a mark / the first finished
#   os_breakdown T0 I UUID WATCH   crash -> ACTIVE elsewhere, step by step
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

# The rig takes both cores for minutes and its services sit on fixed ports
# (in their own namespace here, in the root one when run by hand): whatever
# starts one holds this lock, tests and benchmarks through os_exclusive, by
# hand `flock /tmp/vigil-openstack-rig.lock ...`.
OS_LOCK=${OS_LOCK:-/tmp/vigil-openstack-rig.lock}

# os_lock_above: a process above this one is `flock ... $OS_LOCK ...`
# (someone ran the script under the lock already)
os_lock_above() {
	local p=$PPID stat
	while [ "$p" -gt 1 ] 2>/dev/null; do
		tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -q "^flock .*$OS_LOCK" && return 0
		stat=$(cat "/proc/$p/stat" 2>/dev/null) || return 1
		stat=${stat##*) }
		p=$(echo "$stat" | cut -d' ' -f2)
	done
	return 1
}

# os_exclusive "$@": run the calling script again under the rig's lock,
# waiting for it at most OS_LOCK_WAIT seconds (1200); exits with the script's
# status. flock(1) holds the lock; the script closes its inherited copy. Run
# under `flock /tmp/vigil-openstack-rig.lock ...` already, it goes on.
os_exclusive() {
	local fd
	if [ -z "${OS_LOCKED:-}" ] && os_lock_above; then
		OS_LOCKED=1
	fi
	if [ -n "${OS_LOCKED:-}" ]; then
		# flock(1) passes its descriptor on; the rig's processes must not
		# hold the lock (one that outlived the test would keep it).
		for fd in /proc/$$/fd/*; do
			[ "$(readlink "$fd")" = "$OS_LOCK" ] && eval "exec ${fd##*/}<&-"
		done
		return 0
	fi
	if ! flock -n "$OS_LOCK" true; then
		echo "# waiting for $OS_LOCK (another OpenStack rig runs)"
	fi
	OS_LOCKED=1 flock -w "${OS_LOCK_WAIT:-1200}" -E 75 "$OS_LOCK" bash "$0" "$@"
	local rc=$?
	[ $rc = 75 ] && echo "not ok - $(basename "$0" .sh): $OS_LOCK still held after ${OS_LOCK_WAIT:-1200} s"
	exit $rc
}

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

# ---- the rig with vigil in front ---------------------------------------------------

# os_rig NAME N: hv1..hvN in namespaces, Keystone/Nova/Masakari at $VT_NET.1,
# a BMC per host at $VT_NET.(100+I), compute-I in hv I's namespace, and Nova
# aggregate/availability zone az-e2e = Masakari segment az-e2e (recovery
# auto) holding compute-1..N. "not ok" and exit on failure.
# os_base NAME N: N hosts' namespaces and the OpenStack services (the test
# ends here, failed, when they do not come up)
os_base() {
	local name=$1 t0=$SECONDS
	vt_require "$name"
	vt_init || { not_ok "$name: setup"; exit 1; }
	vc_up "$2" || { not_ok "$name: namespaces"; exit 1; }
	os_up || { not_ok "$name: the OpenStack services start (see $VT_DIR/openstack/logs)"; exit 1; }
	ok "Keystone, Glance, Placement, Nova, Masakari up at $VT_NET.1 ($((SECONDS - t0)) s)"
}

# os_masakari_json [MORE]: vigil's "masakari" object for the rig: through
# Keystone as user vigil, its password from the rig's file
os_masakari_json() {
	echo "{\"auth_url\": \"http://$VT_NET.1:5000/v3\", \"username\": \"vigil\",
    \"password_file\": \"$OS_DIR/password\", \"project_name\": \"service\",
    \"retry_min_ms\": 200, \"retry_max_ms\": 2000${1:+, $1}}"
}

os_rig() {
	local name=$1 n=$2 i t0 hosts=()
	vb_require "$name"
	os_base "$name" "$n"
	t0=$SECONDS
	for i in $(seq 1 "$n"); do
		vb_up "$i" || { not_ok "$name: the BMC of hv$i did not answer"; exit 1; }
		hosts+=("compute-$i")
	done
	os_compute_start $(seq 1 "$n") && os_discover || {
		not_ok "$name: nova-compute compute-1..$n start, each in its hypervisor's namespace"
		exit 1
	}
	os_client segment az-e2e "${hosts[@]}" || { not_ok "$name: aggregate and segment az-e2e"; exit 1; }
	ok "compute-1..$n up in hv1..hv$n, BMCs at $VT_NET.101-$((100 + n)), segment az-e2e ($((SECONDS - t0)) s)"
}

# os_vigil_cfgs WAIT_MS [FENCING_MORE]: vigil's configurations, as in
# production: the notification through Keystone (user vigil, its password
# from the rig's file), fencing with fence_ipmilan through each host's BMC
os_vigil_cfgs() {
	vb_write_cfgs "$1" \
		"$(vb_fencing "\"timeout_ms\": 20000, \"confirm_timeout_ms\": 10000, \"status_interval_ms\": 500, \"retry_min_ms\": 1000, \"retry_max_ms\": 4000, ${2:-}")" \
		"$(os_masakari_json)"
}

os_vigil_start() { # I
	vc_start "$1"
	vb_track "$1" "${OS_COMPUTE[$1]:-}"
}

os_host_crash() { # I
	vc_crash "$1"
	"$OS_LAUNCHER" compute-stop "$OS_DIR" "compute-$1" KILL
}

# os_host_restore I: powered on (or its port up if it never was off), its
# agent and nova-compute back, the cluster converged, then repaired in the
# operator's sense: enabled in Nova, no longer forced down, off maintenance
os_host_restore() {
	local i=$1
	[ "$(vb_power "$i")" = 0 ] && vb_on "$i"
	vc_heal "$i"
	vc_start "$i"
	os_compute_start "$i" || return 1
	vb_track "$i" "${OS_COMPUTE[$i]}"
	vt_wait_for 60 vc_converged || return 1
	os_client recover "compute-$i"
}

os_stopped() { # HOST
	os_client notifications | awk -v h="$1" '$2 == h && $7 == "STOPPED" {print $1, $3}'
}

# os_wait SECONDS CMD...: CMD until it succeeds, for at most SECONDS of
# wall-clock time (vt_wait_for counts 0.1 s tries: for quick commands only)
os_wait() {
	local end=$((SECONDS + $1))
	shift
	until "$@"; do
		[ "$SECONDS" -lt "$end" ] || return 1
		sleep 1
	done
}

# os_mark_stopped I: remember compute-I's STOPPED notifications so far;
# os_new_stopped I: the uuids of those that came since;
# os_finished I: the first of those is finished
os_mark_stopped() { os_stopped "compute-$1" | awk '{print $1}' | sort >"$VT_DIR/stopped-$1.txt"; }
os_new_stopped() {
	comm -13 "$VT_DIR/stopped-$1.txt" <(os_stopped "compute-$1" | awk '{print $1}' | sort)
}
os_finished() {
	local n
	n=$(os_new_stopped "$1" | head -1)
	[ -n "$n" ] && os_stopped "compute-$1" | grep -q "^$n finished$"
}

# os_breakdown T0 I UUID WATCH: where the time went between hv I's crash at T0
# (Unix time) and its instances ACTIVE elsewhere, from vigil's event lines
# (every host's log), masakari-engine's progress details of notification
# UUID and WATCH (os_client watch's lines, seconds after T0), all on this
# machine's clock. One line of seconds:
#   detect verdict fence notify engine disable_wait evacuate first last
# detect: crash -> the first host marks it dead; verdict: -> the leader's
# verdict (the wait period); fence: -> fenced (off, confirmed, Nova's force
# down); notify: -> Masakari's 202; engine: -> the engine's first step;
# disable_wait: its disable call and wait_period_after_service_update;
# evacuate: -> the last instance ACTIVE elsewhere (Nova's evacuations and the
# engine's calls around them); first, last: crash -> first / last ACTIVE.
os_breakdown() {
	os_client progress "$3" >"$VT_DIR/progress.txt"
	python3 - "$1" "hv$2" "compute-$2" "$VT_DIR/progress.txt" "$4" "$VT_DIR"/hv*.log <<'PYEOF'
import datetime, re, sys
t0, member, host, progress, watch, logs = (float(sys.argv[1]), sys.argv[2], sys.argv[3],
                                           sys.argv[4], sys.argv[5], sys.argv[6:])
utc = datetime.timezone.utc
def first(pat):
    rx, best = re.compile(pat), None
    for f in logs:
        for l in open(f, errors="replace"):
            if not rx.search(l):
                continue
            try:
                t = datetime.datetime.strptime(l.split()[0], "%Y-%m-%dT%H:%M:%S.%fZ")
            except ValueError:
                continue
            t = t.replace(tzinfo=utc).timestamp()
            if t >= t0 - 0.001 and (best is None or t < best):
                best = t
    return best
dead = first(r"event=state member=%s .*to=dead" % member)
verdict = first(r"event=verdict .*hostname=%s( |$)" % host)
fenced = first(r"event=fenced .*hostname=%s( |$)" % host)
notified = first(r"event=notified .*hostname=%s kind=STOPPED result=delivered" % host)
steps = {}
for l in open(progress):
    d, t = l.split()[:2]
    u = datetime.datetime.strptime(d + " " + t, "%Y-%m-%d %H:%M:%S.%f").replace(tzinfo=utc).timestamp()
    steps.setdefault("start", u)
    if "Disabled compute service" in l:
        steps["disabled"] = u
arrived = sorted(float(l.split()[2]) for l in open(watch) if l.strip())
marks = [dead, verdict, fenced, notified, steps.get("start"), steps.get("disabled")]
if None in marks or not arrived:
    sys.exit("os_breakdown: missing marks for %s: dead verdict fenced notified engine disabled = %s"
             % (host, marks))
prev, out = t0, []
for m in marks + [t0 + arrived[-1]]:
    out.append(m - prev)
    prev = m
print(" ".join("%.1f" % x for x in out + [arrived[0], arrived[-1]]))
PYEOF
}
