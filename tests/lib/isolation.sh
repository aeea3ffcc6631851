# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# isolation.sh - the isolation scenarios' cluster: hv1..hvN (hv1..hv3 Raft
# servers) in namespaces, the real masakari-api, a directory all hosts share
# standing in for the VMs' shared storage ($VT_DIR/storage: the storage
# heartbeat), a VM stand-in per host (tests/lib/vm-ctl.sh, with a ledger of
# every start and stop), and per host a watchdog emulated on a FIFO
# (tests/lib/wdemu.py: this kernel has no softdog, so the agent's
# watchdog_device is a FIFO whose reader behaves as the kernel's watchdog
# core and "resets" the host -- kills its agent and its VMs -- when feeding
# stops for the timeout). Source after netns.sh and cluster.sh.
#
#   vi_cluster NAME N          hosts, Masakari, storage, emulators, a VM "vmI" on hvI
#   vi_write_cfgs I JSON       hv I's configuration: the isolation settings
#                              (VI_* below), the command response VI_CMD[I]
#                              (vm-ctl.sh's stop by default; hang, fail), and JSON
#   vi_start I                 hv I's watchdog emulator (if not running), then its agent
#   vi_up N                    hv1..hvN started, converged, a leader, every record written
#   vi_fencing_watchdog / vi_fencing_no_bmc   a "fencing" section for vi_write_cfgs
#   vi_fake_virsh I            a virsh for hv I's agent that acts on its VM stand-ins
#   vi_normal I / vi_stopped I [STATUS]   Masakari's STOPPED (NORMAL) for compute-I
#   vi_evacuate I TO           "Masakari evacuated" hv I's VM: start vmI on hv TO
#   vi_no_double_run           no VM ran on two hosts at once (the ledger)
#   vi_event I NAME            hv I logged event NAME (prints the first line)
#   vi_time LINE / vi_first I PATTERN   epoch seconds of a log line

VI_TIMEOUT_MS=${VI_TIMEOUT_MS:-2000}  # isolation_timeout_ms
VI_WD_MS=${VI_WD_MS:-2000}            # watchdog_timeout_ms
VI_MARGIN_MS=${VI_MARGIN_MS:-1000}    # fencing.watchdog_margin_ms
VI_WAIT_MS=${VI_WAIT_MS:-5000}        # wait_period_ms (>= the three above)
VI_SHB_MS=${VI_SHB_MS:-1000}          # storage_heartbeat_interval_ms (the default)
VI_CTL=$PWD/tests/lib/vm-ctl.sh
declare -a VI_WD_PID VI_CMD VI_RESP VI_NOWD

# vi_require_fence_agent NAME: skip the test without fence_ipmilan (make deps)
vi_require_fence_agent() {
	command -v /usr/sbin/fence_ipmilan >/dev/null || {
		skip "$1" "fence_ipmilan not installed (make deps)"
		exit 0
	}
}

vi_cluster() { # NAME N
	local name=$1 n=$2 i
	vt_require "$name"
	vt_init || { not_ok "$name: setup"; exit 1; }
	trap 'not_ok "$name: stopped by a signal (a timeout?)"; exit 130' INT TERM # (logs kept)
	vc_up "$n" || { not_ok "$name: building hosts"; exit 1; }
	vc_masakari_up || { not_ok "$name: the real masakari-api did not start"; exit 1; }
	mkdir -p "$VT_DIR/storage" "$VT_DIR/wd"
	for i in $(seq 1 "$n"); do
		vi_vm_start "$i" "$i"
	done
	ok "real masakari-api at $VC_MK_URL; $n hosts, a VM stand-in on each, shared storage $VT_DIR/storage"
}

vi_vm_start() { # HOST_INDEX VM_INDEX
	VT_PIDS+=("$("$VI_CTL" start "$VT_DIR" "hv$1" "vm$2")")
}

# The isolation settings of one host: "watchdog" mode's rule holds with
# VI_WAIT_MS >= VI_TIMEOUT_MS + VI_WD_MS + VI_MARGIN_MS. Per host:
# VI_RESP[I] the response (command by default), VI_CMD[I] what the command
# response runs (vm-ctl.sh's stop by default; hang, fail), VI_NOWD[I]=1 no
# watchdog.
vi_write_cfgs() { # I EXTRA_JSON
	local i=$1 role=client wd=""
	[ "$i" -le 3 ] && role=server
	[ "${VI_NOWD[$i]:-0}" = 1 ] ||
		wd="\"watchdog_device\": \"$VT_DIR/wd/hv$i.fifo\", \"watchdog_timeout_ms\": $VI_WD_MS,"
	vc_write_cfg "$i" "\"servers\": [\"hv1@${VC_IP[1]}\", \"hv2@${VC_IP[2]}\", \"hv3@${VC_IP[3]}\"],
  \"role\": \"$role\", \"hypervisor_hostname\": \"compute-$i\",
  \"wait_period_ms\": $VI_WAIT_MS, \"raft_election_timeout_ms\": 500, \"min_healthy_hosts\": 2,
  \"masakari\": {\"url\": \"$VC_MK_URL\", \"retry_min_ms\": 200, \"retry_max_ms\": 2000},
  \"isolation_timeout_ms\": $VI_TIMEOUT_MS, \"isolation_response\": \"${VI_RESP[$i]:-command}\",
  \"isolation_command\": \"$VI_CTL ${VI_CMD[$i]:-stop} $VT_DIR hv$i\", \"isolation_command_timeout_ms\": 60000,
  $wd
  \"storage_heartbeat_dir\": \"$VT_DIR/storage\", \"storage_heartbeat_interval_ms\": $VI_SHB_MS,
  $2"
}

# hv I's virsh: vm-ctl.sh's stand-in, first in its agent's PATH (vi_start)
vi_fake_virsh() { # I
	mkdir -p "$VT_DIR/bin-hv$1"
	printf '#!/bin/sh\nexec %s virsh %s hv%s "$@"\n' "$VI_CTL" "$VT_DIR" "$1" >"$VT_DIR/bin-hv$1/virsh"
	chmod 0755 "$VT_DIR/bin-hv$1/virsh"
}

# hv I's watchdog: the emulator on its FIFO, which resets hv I at expiry.
vi_wd_start() {
	local i=$1
	[ -n "${VI_WD_PID[$i]:-}" ] && kill -0 "${VI_WD_PID[$i]}" 2>/dev/null && return 0
	vt_bg "$VT_DIR/wd/hv$i.err" /usr/bin/python3 tests/lib/wdemu.py "$VT_DIR/wd/hv$i.fifo" \
		"$VI_WD_MS" "$VT_DIR/wd/hv$i.log" "$VI_CTL" reset "$VT_DIR" "hv$i"
	VI_WD_PID[$i]=$VT_LAST_PID
	vt_wait_for 10 grep -qs ready "$VT_DIR/wd/hv$i.log"
}

vi_start() { # I
	if [ "${VI_NOWD[$1]:-0}" != 1 ]; then vi_wd_start "$1" || return 1; fi
	PATH=$VT_DIR/bin-hv$1:$PATH vc_start "$1"
	echo "${VC_PID[$1]}" >"$VT_DIR/hv$1.agent.pid"
}

vi_all_records() { [ "$(ls "$VT_DIR"/storage/*.hb 2>/dev/null | wc -l)" = "$1" ]; }

# vi_up N: start hv1..hvN; they converge, elect a leader and write their
# storage heartbeat records (the test ends if not)
vi_up() {
	local i
	for i in $(seq 1 "$1"); do vi_start "$i"; done
	vt_wait_for 30 vc_converged || { not_ok "$1 agents converge"; exit 1; }
	ok "$1 agents converge"
	vt_wait_for 30 vc_has_leader || { not_ok "a Raft leader"; exit 1; }
	check "every host writes its storage heartbeat record" vt_wait_for 10 vi_all_records "$1"
}

# The "fencing" sections: mode watchdog with VI_MARGIN_MS; mode power
# through the real fence_ipmilan against an address nothing answers (a BMC
# unreachable: a fence never confirms)
vi_fencing_watchdog() { echo "\"fencing\": {\"mode\": \"watchdog\", \"watchdog_margin_ms\": $VI_MARGIN_MS},"; }
vi_fencing_no_bmc() {
	(umask 077 && echo secret >"$VT_DIR/bmc.pass")
	echo "\"fencing\": {\"mode\": \"power\", \"agent\": \"/usr/sbin/fence_ipmilan\", \"timeout_ms\": 3000,
  \"retry_min_ms\": 1000, \"retry_max_ms\": 2000,
  \"params\": {\"ip\": \"$VT_NET.250\", \"username\": \"admin\", \"password_file\": \"$VT_DIR/bmc.pass\"}},"
}

vi_stopped() { vc_notifications "compute-$1" | grep -c " STOPPED ${2:-}" || true; }
vi_normal() { [ "$(vi_stopped "$1" NORMAL)" -ge 1 ]; }

vi_evacuate() { # I TO
	VT_PIDS+=("$("$VI_CTL" start "$VT_DIR" "hv$2" "vm$1")")
}

vi_no_double_run() { "$VI_CTL" check "$VT_DIR"; }

vi_event() { # I NAME: the first line of hv I's log with event NAME
	grep -m1 "event=$2 " "$VT_DIR/hv$1.log"
}

# vi_time: the epoch seconds of an agent's log line (its ISO-8601 stamp).
vi_time() {
	/usr/bin/python3 -c '
import datetime, sys
ts = sys.argv[1].split()[0] if sys.argv[1].split() else ""
try:
    print("%.6f" % datetime.datetime.strptime(ts, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc).timestamp())
except ValueError:
    print("")' "$1"
}

# vi_first FILES PATTERN: epoch seconds of the first line matching PATTERN
# in the agents' logs FILES (a glob), "" if none
vi_first() {
	local line
	line=$(cat $1 2>/dev/null | grep -m1 -- "$2")
	[ -n "$line" ] && vi_time "$line"
}

# vi_ledger WHAT NAME HOST: epoch seconds of the ledger's first such line
vi_ledger() {
	awk -v w="$1" -v n="$2" -v h="$3" '$2 == w && $3 == n && $4 == h {print $1; exit}' "$VT_DIR/vms.log"
}

# vi_before A B: A and B are epoch seconds, A < B
vi_before() { [ -n "$1" ] && [ -n "$2" ] && awk -v a="$1" -v b="$2" 'BEGIN {exit !(a < b)}'; }

# vi_ms A B: B - A in ms
vi_ms() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%d", (b - a) * 1000}'; }

# vi_metric I NAME{LABELS}: a sample of hv I's /metrics
vi_metric() {
	ip netns exec "${VC_NS[$1]}" curl -s --noproxy '*' "http://127.0.0.1:7500/metrics" |
		awk -v m="$2" '$1 == m {print $2}'
}

# vi_fed_gap I SINCE: the longest time (ms) between two feeds of hv I's
# watchdog since SINCE (epoch s), up to now; what the emulator logged as its
# own stall (the machine's, not the agent's) is not counted
vi_fed_gap() {
	/usr/bin/python3 - "$VT_DIR/wd/hv$1.log" "$2" <<'PYEOF'
import sys, time
since, gap, prev, stalled = float(sys.argv[2]), 0.0, float(sys.argv[2]), 0.0
for l in list(open(sys.argv[1])) + ["%f fed" % time.time()]:
    w = l.split()
    t = float(w[0])
    if t < since:
        continue
    if w[1] == "stalled":
        stalled += float(w[2])
    elif w[1] == "fed":
        gap, prev, stalled = max(gap, t - prev - stalled), t, 0.0
print(int(gap * 1000))
PYEOF
}

# vi_resets: the hosts the watchdog emulators reset, as "hvI ..."
vi_resets() { awk '$2 == "reset" {print $3}' "$VT_DIR/vms.log" | sort -u | tr '\n' ' '; }
