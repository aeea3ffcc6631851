#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# test_systemd.sh - the agent under systemd's protocols, without systemd:
# sd_notify messages (READY=1, STATUS=, WATCHDOG=1 from the loop at half of
# WATCHDOG_USEC, RELOADING=1 on SIGHUP, STOPPING=1 on leave) received on a
# datagram socket made with socat, and the agent running with no more
# capabilities than docs/systemd/vigil.service grants it.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/netns.sh

vt_require systemd
command -v socat >/dev/null || { not_ok "socat not installed (make deps installs it)"; exit 1; }
vt_init || { not_ok "systemd: setup"; exit 1; }

vt_solo sd "$($VIGIL keygen)" || not_ok "systemd: the agent's namespace"
NS=$VT_SOLO_NS
CFG=$VT_SOLO_CFG

# --- sd_notify -------------------------------------------------------------------
SOCK=$VT_DIR/notify.sock
MSGS=$VT_DIR/notify.log
vt_bg "$MSGS" socat -u "UNIX-RECV:$SOCK" STDOUT
vt_wait_for 5 test -S "$SOCK" || not_ok "socat did not create $SOCK"
# 1 s watchdog: the agent must ping every 500 ms.
vt_bg "$VT_DIR/agent.log" ip netns exec "$NS" env NOTIFY_SOCKET="$SOCK" WATCHDOG_USEC=1000000 \
	"$VIGIL" agent -config "$CFG"
APID=$VT_LAST_PID
count() { grep -o "$1" "$MSGS" | wc -l; }
check "READY=1 once the agent runs" vt_wait_for 10 grep -q "READY=1" "$MSGS"
api_up() { ip netns exec "$NS" "$VIGIL" members -config "$CFG" -j >/dev/null 2>&1; }
check "the API answers by the time READY=1 arrived" api_up
check "STATUS= with the member counts" grep -q "STATUS=1 alive, 0 suspect, 0 dead, 0 left; XDP generic" "$MSGS"
check "the agent logged the watchdog period" grep -q "systemd watchdog: every 500 ms" "$VT_DIR/agent.log"
w0=$(count WATCHDOG=1)
sleep 2.2
w1=$(count WATCHDOG=1)
check "WATCHDOG=1 every 500 ms ($((w1 - w0)) in 2.2 s)" test $((w1 - w0)) -ge 4 -a $((w1 - w0)) -le 6
kill -STOP "$APID" 2>/dev/null
# ip netns exec runs the agent as its own child: stop the agent itself.
AGENT=$(pgrep -P "$APID" -x vigil || echo "$APID")
kill -STOP "$AGENT"
sleep 0.3
w2=$(count WATCHDOG=1)
sleep 1.5
w3=$(count WATCHDOG=1)
check "a stalled loop stops the WATCHDOG=1 pings (systemd would restart it)" test "$w3" = "$w2"
kill -CONT "$AGENT" "$APID"
# (counted anew at every try: vt_wait_for re-runs the function)
resumed() { [ "$(count WATCHDOG=1)" -gt "$w3" ]; }
check "pings resume when the loop runs again" vt_wait_for 3 resumed
kill -HUP "$AGENT"
check "SIGHUP: RELOADING=1, then READY=1 again" \
	vt_wait_for 5 sh -c "grep -q RELOADING=1 $MSGS && test \$(grep -o READY=1 $MSGS | wc -l) = 2"
ip netns exec "$NS" "$VIGIL" leave -config "$CFG" >/dev/null 2>&1
check "vigil leave: exit 0" test $? = 0
check "leave: STOPPING=1" grep -q "STOPPING=1" "$MSGS"
wait "$APID"
check "leave: the agent exited 0 (RestartPreventExitStatus=0 keeps it stopped)" test $? = 0

# --- the unit's capabilities are enough ------------------------------------------
UNIT=docs/systemd/vigil.service
caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$UNIT" | tr 'A-Z' 'a-z' | sed 's/cap_/+/g; s/ /,/g')
check "the unit sets a capability bounding set ($caps)" test -n "$caps"
# From nothing attached, then a restart that reopens the pinned program.
ip netns exec "$NS" "$VIGIL" xdp detach -config "$CFG" >/dev/null 2>&1
# The unit sets LimitMEMLOCK=infinity; where this machine's hard limit cannot
# be raised (a container), the agent runs real-time without locked memory
# and says so.
MEMLOCK=
prlimit --memlock=unlimited:unlimited true 2>/dev/null && MEMLOCK="prlimit --memlock=unlimited:unlimited --"
for run in first restart; do
	vt_bg "$VT_DIR/caps-$run.log" ip netns exec "$NS" \
		$MEMLOCK setpriv --bounding-set=-all,"$caps" --inh-caps=-all -- "$VIGIL" agent -config "$CFG"
	pid=$VT_LAST_PID
	check "agent with only the unit's capabilities: $run start" vt_wait_for 10 api_up
	if [ "$run" = first ]; then
		# sched_priority (default 50): the loop real-time, what serves others not
		check "the event loop runs SCHED_FIFO 50 (CAP_SYS_NICE)" \
			sh -c "chrt -p $pid | grep -q 'policy: SCHED_FIFO' && chrt -p $pid | grep -q 'priority: 50'"
		http_normal() {
			local t
			for t in /proc/"$pid"/task/*; do
				t=${t##*/}
				[ "$t" = "$pid" ] && continue
				chrt -p "$t" 2>/dev/null | grep -q "SCHED_OTHER" && return 0
			done
			return 1
		}
		check "the thread that served the API runs ordinary (SCHED_OTHER)" http_normal
		if [ -n "$MEMLOCK" ]; then
			check "its memory is locked (LimitMEMLOCK=infinity, as the unit sets)" \
				sh -c "grep -q '^VmLck: *[1-9]' /proc/$pid/status"
		else
			check "its memory could not be locked here (LimitMEMLOCK $(ulimit -Hl) KiB, hard): it says so" \
				grep -q "but memory not locked" "$VT_DIR/caps-first.log"
		fi
		diag "$(grep -E '^(VmRSS|VmLck)' /proc/$pid/status | tr -s ' \t' ' ' | tr '\n' ' ')"
	fi
	kill -TERM "$pid"
	wait "$pid"
	check "agent with only the unit's capabilities: $run exit 0" test $? = 0
done
check "the restart reused the pinned program" grep -q "pinned link reused" "$VT_DIR/caps-restart.log"
ip netns exec "$NS" setpriv --bounding-set=-all,+net_admin --inh-caps=-all -- \
	"$VIGIL" agent -config "$CFG" >"$VT_DIR/nocaps.log" 2>&1
check "without CAP_BPF the agent refuses to start (the bounding set is in force)" test $? != 0

exit $((VT_FAILS > 0))
