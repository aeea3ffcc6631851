#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# vm-ctl.sh - VM stand-ins for the isolation tests: a "VM" is a sleep
# process per (host, name), with its PID in DIR/vm/HOST.NAME.pid; every
# start and stop is a line "EPOCH_SECONDS start|stop NAME HOST" in the
# ledger DIR/vms.log, from which `check` proves that no VM ran on two
# hosts at once. The agents' isolation responses and the watchdog
# emulator's resets act through it:
#
#   vm-ctl.sh start DIR HOST NAME   start NAME on HOST (prints its PID)
#   vm-ctl.sh stop DIR HOST         stop every VM of HOST (the command response)
#   vm-ctl.sh hang DIR HOST         a response that never ends (PID in DIR/hang.HOST.pid)
#   vm-ctl.sh fail DIR HOST         a response that fails (exit 1), stopping nothing
#   vm-ctl.sh reset DIR HOST        what a watchdog reset does to HOST: its agent
#                                   (PID in DIR/HOST.agent.pid), its response and
#                                   its VMs killed at once
#   vm-ctl.sh virsh DIR HOST ARGS   a stand-in for libvirt's virsh on HOST:
#                                   list --name --state-running, destroy NAME
#   vm-ctl.sh running DIR HOST      the names of HOST's running VMs
#   vm-ctl.sh check DIR             exit 0 iff no VM ever ran on two hosts at once
set -u
cmd=$1 dir=$2
shift 2
mkdir -p "$dir/vm"
now() { date +%s.%N; }

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

stop_one() { # PIDFILE SIGNAL
	local f=$1 name host
	name=${f##*/}
	host=${name%%.*}
	name=${name#*.}
	name=${name%.pid}
	if alive "$f"; then
		kill "-$2" "$(cat "$f")" 2>/dev/null
		echo "$(now) stop $name $host" >>"$dir/vms.log"
	fi
	rm -f "$f"
}

case "$cmd" in
start)
	host=$1 name=$2
	sleep 1000000 </dev/null >/dev/null 2>&1 &
	echo $! >"$dir/vm/$host.$name.pid"
	echo "$(now) start $name $host" >>"$dir/vms.log"
	echo $!
	;;
stop)
	for f in "$dir/vm/$1".*.pid; do [ -e "$f" ] && stop_one "$f" TERM; done
	exit 0
	;;
hang)
	echo $$ >"$dir/hang.$1.pid"
	exec sleep 1000000
	;;
fail)
	echo "no hypervisor answers" >&2
	exit 1
	;;
reset)
	host=$1
	[ -f "$dir/$host.agent.pid" ] && kill -KILL "$(cat "$dir/$host.agent.pid")" 2>/dev/null
	[ -f "$dir/hang.$host.pid" ] && kill -KILL "$(cat "$dir/hang.$host.pid")" 2>/dev/null
	for f in "$dir/vm/$host".*.pid; do [ -e "$f" ] && stop_one "$f" KILL; done
	echo "$(now) reset $host" >>"$dir/vms.log"
	;;
running)
	for f in "$dir/vm/$1".*.pid; do
		[ -e "$f" ] && alive "$f" || continue
		f=${f##*/"$1".}
		echo "${f%.pid}"
	done
	;;
virsh)
	host=$1
	shift
	[ "${1:-}" = "-c" ] && shift 2
	case "${1:-}" in
	list) "$0" running "$dir" "$host" ;;
	destroy)
		[ -f "$dir/vm/$host.$2.pid" ] || { echo "error: domain $2 not found" >&2; exit 1; }
		stop_one "$dir/vm/$host.$2.pid" TERM
		echo "Domain '$2' destroyed"
		;;
	*) echo "vm-ctl virsh: $* not emulated" >&2; exit 2 ;;
	esac
	;;
check)
	/usr/bin/python3 - "$dir/vms.log" <<'PYEOF'
import sys
runs = {}  # name -> list of [host, start, stop]
for line in open(sys.argv[1]):
    t, what, *rest = line.split()
    if what not in ("start", "stop"):
        continue
    name, host = rest
    if what == "start":
        runs.setdefault(name, []).append([host, float(t), float("inf")])
    else:
        for r in runs.get(name, []):
            if r[0] == host and r[2] == float("inf"):
                r[2] = float(t)
bad = 0
for name, rs in runs.items():
    for i, a in enumerate(rs):
        for b in rs[i + 1:]:
            if a[0] != b[0] and a[1] < b[2] and b[1] < a[2]:
                bad += 1
                print("# %s ran on %s [%.3f, %.3f) and %s [%.3f, %.3f) at once" %
                      (name, a[0], a[1], a[2], b[0], b[1], b[2]))
sys.exit(1 if bad else 0)
PYEOF
	;;
*)
	echo "usage: vm-ctl.sh start|stop|hang|fail|reset|virsh|running|check DIR ..." >&2
	exit 2
	;;
esac
