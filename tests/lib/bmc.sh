# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# bmc.sh - a real BMC per test host: OpenIPMI's ipmi_sim, one per host, in
# the switch namespace at $VT_NET.(100+I):623 on the bridge (a management
# network: a partition of the hosts' ports does not cut it), answering
# fence_ipmilan and ipmitool over plain IPMI LAN. Its chassis control
# really powers the host off: switch port down, its processes killed by PID. Source
# after netns.sh and cluster.sh; call vb_up after vc_up (and vc_masakari_up).
# Configurations come from tests/lib/bmc/*.in, generated per host.
#
#   vb_up I            start hv I's BMC (user admin, password in VB_PASS[I])
#   vb_track I [PID...]  hand hv I's current agent PID (VC_PID[I]) and PID...
#                      (the host's other processes) to its BMC
#   vb_power I         the power state the BMC reports (1 on, 0 off)
#   vb_offs I          "set power 0" requests it carried out (its chassis log)
#   vb_freeze I / vb_thaw I    SIGSTOP / SIGCONT the simulator: no answers
#   vb_on I            power hv I on through IPMI (its port comes back up)
#   vb_fencing [JSON]  the "fencing" section for vc_write_cfg (JSON: more keys)
#   vb_password I PASS what vigil reads as hv I's BMC password (file, mode 0600)

declare -a VB_PID VB_ADDR VB_PASS
VB_TEMPLATES=$(dirname "${BASH_SOURCE[0]}")/bmc
VB_FENCE_AGENT=${VB_FENCE_AGENT:-/usr/sbin/fence_ipmilan}

vb_require() { # NAME: skip the test without the packages (make deps installs them)
	local t
	for t in ipmi_sim ipmitool "$VB_FENCE_AGENT"; do
		command -v "$t" >/dev/null || { skip "$1" "$t not installed (make deps)"; exit 0; }
	done
}

vb_up() { # I
	local i=$1 d=$VT_DIR/bmc/hv$1 ipcmd
	VB_ADDR[$i]=$VT_NET.$((100 + i))
	VB_PASS[$i]=bmc-$i-$RANDOM$RANDOM
	ipcmd=$(command -v ip)
	mkdir -p "$d"
	ip -n "$VC_SW" addr add "${VB_ADDR[$i]}/24" dev br0 2>/dev/null
	ip -n "$VC_SW" link set br0 up
	sed -e "s#@HOST@#hv$i#g" -e "s#@NAME@#vigil-bmc$i#g" -e "s#@ADDR@#${VB_ADDR[$i]}#g" \
		-e "s#@PORT@#623#g" -e "s#@DIR@#$d#g" -e "s#@USER@#admin#g" \
		-e "s#@PASS@#${VB_PASS[$i]}#g" -e "s#@GUID@#$(printf 'a1234567%024x' "$i")#g" \
		"$VB_TEMPLATES/lan.conf.in" >"$d/lan.conf"
	sed -e "s#@HOST@#hv$i#g" -e "s#@DIR@#$d#g" -e "s#@IP@#$ipcmd#g" -e "s#@LINK@#p$i#g" \
		"$VB_TEMPLATES/chassis.sh.in" >"$d/chassis.sh"
	chmod 0755 "$d/chassis.sh"
	cp "$VB_TEMPLATES/cmd.emu" "$d/cmd.emu"
	echo 1 >"$d/power"
	: >"$d/chassis.log"
	vb_password "$i" "${VB_PASS[$i]}"
	mkdir -p "$d/state"
	vt_bg "$d/sim.log" ip netns exec "$VC_SW" ipmi_sim -c "$d/lan.conf" -f "$d/cmd.emu" -n -s "$d/state"
	VB_PID[$i]=$VT_LAST_PID
	vt_wait_for 10 vb_answers "$i"
}

# vb_answers I: the BMC answers a status request (over IPMI LAN, from the switch)
vb_answers() {
	ip netns exec "$VC_SW" ipmitool -I lan -H "${VB_ADDR[$1]}" -U admin -P "${VB_PASS[$1]}" \
		chassis power status >/dev/null 2>&1
}

vb_password() { # I PASS
	(umask 077 && printf '%s\n' "$2" >"$VT_DIR/bmc/compute-$1.pass")
}

vb_track() { # I [PID...]
	local i=$1
	shift
	echo "${VC_PID[$i]}" "$@" >"$VT_DIR/bmc/hv$i/agent.pid"
}
vb_power() { cat "$VT_DIR/bmc/hv$1/power"; }
vb_offs() { grep -c " set power 0" "$VT_DIR/bmc/hv$1/chassis.log" || true; }
vb_freeze() { kill -STOP "${VB_PID[$1]}"; }
vb_thaw() { kill -CONT "${VB_PID[$1]}"; }
vb_on() {
	ip netns exec "$VC_SW" ipmitool -I lan -H "${VB_ADDR[$1]}" -U admin -P "${VB_PASS[$1]}" \
		chassis power on >/dev/null
}

# vb_fencing [MORE [PARAMS]]: fence_ipmilan over plain IPMI LAN (no lanplus:
# its cipher-suite negotiation with ipmi_sim costs about 14 s a call), the
# password from a file per host, verbose so a failure says which one. MORE:
# more keys of the section ('"timeout_ms": 9000,'); PARAMS: more parameters
# ('"power_wait": 0,').
vb_fencing() {
	local i hosts=""
	for i in $(seq 1 "$VC_N"); do
		[ -n "${VB_ADDR[$i]:-}" ] || continue
		hosts="$hosts\"compute-$i\": {\"ip\": \"${VB_ADDR[$i]}\"}, "
	done
	printf '"fencing": {"agent": "%s", %s "params": {%s "username": "admin", "password_file": "%s/bmc/{hostname}.pass", "verbose": true}, "hosts": {%s}},' \
		"$VB_FENCE_AGENT" "${1:-}" "${2:-}" "$VT_DIR" "${hosts%, }"
}

# vb_off_before_notify I SINCE: since SINCE (epoch s), hv I's BMC powered it
# off (its chassis log), the leader recorded "fenced", and only then sent
# the STOPPED for compute-I (the servers' event lines); all times from this
# machine's one clock.
vb_off_before_notify() {
	python3 - "$VT_DIR/bmc/hv$1/chassis.log" "compute-$1" "$2" "$VT_DIR"/hv[123].log <<'PYEOF'
import datetime, sys
chassis, host, since, logs = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4:]
off = [float(l.split()[0]) for l in open(chassis) if " set power 0" in l]
off = [t for t in off if t >= since]
def first(pat):
    t = []
    for f in logs:
        for l in open(f, errors="replace"):
            if pat in l and "hostname=%s " % host in l + " ":
                ts = l.split()[0]
                try:
                    t.append(datetime.datetime.strptime(ts, "%Y-%m-%dT%H:%M:%S.%fZ")
                             .replace(tzinfo=datetime.timezone.utc).timestamp())
                except ValueError:
                    pass
    t = [x for x in t if x >= since]
    return min(t) if t else None
fenced, notify = first("event=fenced "), first("kind=STOPPED")
ok = off and fenced and notify and off[-1] < notify and fenced <= notify
print("# %s: off %s, fenced %s, notify %s" % (host, off[-1] if off else None, fenced, notify))
sys.exit(0 if ok else 1)
PYEOF
}

# vb_stopped HOST [STATUS]: Masakari's STOPPED notifications for HOST (with
# host_status STATUS)
vb_stopped() { vc_notifications "$1" | grep -c " STOPPED ${2:-}" || true; }

# ---- a fencing scenario's cluster ------------------------------------------------------

# vb_cluster NAME N: hv1..hvN in namespaces, the real masakari-api, a BMC per
# host (MASAKARI_DUP_INTERVAL as exported); "not ok" and exit on failure.
vb_cluster() {
	local name=$1 n=$2 i
	vt_require "$name"
	vb_require "$name"
	vt_init || { not_ok "$name: setup"; exit 1; }
	vc_up "$n" || { not_ok "$name: building hosts"; exit 1; }
	vc_masakari_up || { not_ok "$name: the real masakari-api did not start"; exit 1; }
	for i in $(seq 1 "$n"); do
		vb_up "$i" || { not_ok "$name: the BMC of hv$i did not answer"; exit 1; }
	done
	ok "real masakari-api at $VC_MK_URL, $n ipmi_sim BMCs at $VT_NET.101-$((100 + n))"
}

# vb_write_cfgs WAIT_MS FENCING_SECTION [MASAKARI_SECTION]: hv1..hv3
# servers, the rest clients, compute-I in Masakari, the given wait period,
# fencing section and masakari section (default: the masakari-api of
# vc_masakari_up, unauthenticated)
vb_write_cfgs() {
	local mk=${3:-} i role servers="\"servers\": [\"hv1@${VC_IP[1]}\", \"hv2@${VC_IP[2]}\", \"hv3@${VC_IP[3]}\"]"
	[ -n "$mk" ] || mk="{\"url\": \"$VC_MK_URL\", \"retry_min_ms\": 200, \"retry_max_ms\": 2000}"
	for i in $(seq 1 "$VC_N"); do
		role=client
		[ "$i" -le 3 ] && role=server
		vc_write_cfg "$i" "$servers, \"role\": \"$role\", \"hypervisor_hostname\": \"compute-$i\",
  \"wait_period_ms\": $1, \"raft_election_timeout_ms\": 500, \"min_healthy_hosts\": 2,
  \"masakari\": $mk,
  $2"
	done
}

vb_start() { vc_start "$1" && vb_track "$1"; }

# vb_restore I: power hv I on through its BMC, start its agent, converge
vb_restore() {
	vb_on "$1"
	vb_start "$1"
	vt_wait_for 30 vc_converged
}

# vb_members N: the leader counts at least N hosts as members
vb_members() {
	local l
	l=$(vc_leader) || return 1
	vc_status "$l" | python3 -c "import json,sys; sys.exit(sum(1 for h in json.load(sys.stdin)['hosts'] if h['state']=='member') < $1)" 2>/dev/null
}

# vb_entry HOSTNAME FIELD: FIELD of the newest STOPPED outbox entry for
# HOSTNAME in the leader's vigil status (fence, fence_error, ...)
vb_entry() {
	local l
	l=$(vc_leader) || return 1
	vc_status "$l" | python3 -c "
import json, sys
try:
    o = [o for o in json.load(sys.stdin)['outbox'] if o['hostname'] == '$1' and o['event'] == 'STOPPED']
except ValueError:
    o = []
print(o[-1]['$2'] if o else '')"
}

vb_normal() { [ "$(vb_stopped "$1" NORMAL)" -ge 1 ]; }
