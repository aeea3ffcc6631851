#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# test_demo.sh - `vigil demo --no-tui` runs to completion with the real
# masakari-api, prints the five steps of the timeline with their milliseconds,
# and leaves nothing behind; interrupted midway with SIGINT it leaves nothing
# behind either. Its first run on a fresh machine installs masakari-api from
# the root namespace, the only one that reaches a package mirror. "Nothing" is: no namespace, no root-namespace link, no
# process, no bpffs mount or pin, no temporary directory.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/netns.sh

vt_require demo
vt_init || { not_ok "demo: setup"; exit 1; }

check "help demo shows its usage" sh -c "$VIGIL help demo | grep -q 'usage: vigil demo \[--no-tui\]'"
check "--hosts out of range: exit 2" sh -c "$VIGIL demo --hosts 2 >/dev/null 2>&1; test \$? = 2"

# snapshot: what the host has that a demo could leave behind (its own names
# carry its PID; these lists catch anything else it might have made)
snapshot() {
	ip netns list | awk '{print "netns", $1}'
	ip -o link show | awk -F': ' '{print "link", $2}'
	awk '$3 == "bpf" {print "bpffs", $2}' /proc/mounts
	find /sys/fs/bpf -maxdepth 3 2>/dev/null | sed 's/^/pin /'
}

# leftovers PID BEFORE-FILE: what demo PID left; empty if nothing
leftovers() {
	local pid=$1 before=$2 p
	# Other tests may run concurrently: count only what is new and still there.
	snapshot | sort >"$VT_DIR/after"
	comm -13 "$before" "$VT_DIR/after" | grep -E "vd$pid|vigil-demo-$pid|^link |^pin " || true
	for p in /proc/[0-9]*; do
		{ tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null | grep -q "vigil-demo-$pid\." && echo "process ${p#/proc/}"
	done
	ls -d /tmp/vigil-demo-"$pid".* 2>/dev/null | sed 's/^/dir /'
	ip netns list | grep "^vd$pid" | sed 's/^/netns /'
}

# wait_bounded PID SECONDS: wait for PID; its exit code, or 124 if killed at the limit
wait_bounded() {
	local pid=$1 limit=$2 i
	for i in $(seq 1 $((limit * 10))); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid"
		wait "$pid" 2>/dev/null
		return 124
	fi
	wait "$pid"
}

# --- a whole run ---------------------------------------------------------------
# Through a spy in front of the real launcher, which records each call's verb
# and the network namespace it ran in. On a fresh machine masakari-api is not
# installed yet and only this namespace reaches a package mirror (the demo's
# switch namespace routes nowhere): the demo must install from here first.
# The package is made to look absent until the launcher has run apt-get
# (the real one, against the real mirror): dpkg-query answers "not
# installed" until then, so the first run's install path runs whole.
mkdir -p "$VT_DIR/shim"
cat >"$VT_DIR/shim/dpkg-query" <<SHIM
#!/bin/sh
[ -e "$VT_DIR/apt.log" ] || exit 1
exec /usr/bin/dpkg-query "\$@"
SHIM
cat >"$VT_DIR/shim/apt-get" <<SHIM
#!/bin/sh
/usr/bin/apt-get "\$@"
rc=\$?
echo "\$1 \$rc \$(readlink /proc/self/ns/net)" >>"$VT_DIR/apt.log"
exit \$rc
SHIM
chmod +x "$VT_DIR/shim/dpkg-query" "$VT_DIR/shim/apt-get"
cat >"$VT_DIR/spy.sh" <<SPY
#!/usr/bin/env bash
echo "\$1 \$(readlink /proc/self/ns/net)" >>"$VT_DIR/spy.log"
PATH="$VT_DIR/shim:\$PATH" exec bash "$PWD/userspace/tools/masakari-local.sh" "\$@"
SPY
chmod +x "$VT_DIR/spy.sh"
snapshot | sort >"$VT_DIR/before"
OUT=$VT_DIR/demo.out
t0=$(date +%s)
VIGIL_MASAKARI_LAUNCHER=$VT_DIR/spy.sh "$VIGIL" demo --no-tui >"$OUT" 2>&1 &
DEMO=$!
wait_bounded "$DEMO" 300
rc=$?
diag "the demo took $(($(date +%s) - t0)) s"
check "vigil demo --no-tui exits 0" test "$rc" = 0
[ "$rc" = 0 ] || sed 's/^/# /' "$OUT"

step() { grep -E "^ +\+[0-9]+ ms  $1" "$OUT" | head -1 | sed -E 's/^ +\+([0-9]+) ms.*/\1/'; }
CRASH=$(step "crash hv[0-9]")
SUSPECT=$(step "first suspicion of hv[0-9] \(by hv[0-9]\)")
DEAD=$(step "hv[0-9] declared dead")
VERDICT=$(step "Raft verdict \(leader hv[0-9]\): hv[0-9] \(compute-[0-9]\) failed: [0-9]+ of 5 hosts")
NOTIFIED=$(step "Masakari accepted notification [0-9a-f]{8}… for compute-[0-9] \(HTTP 202")
check "timeline: crash at +0 ms" test "$CRASH" = 0
check "timeline: first suspicion (+${SUSPECT:-?} ms)" test -n "$SUSPECT"
check "timeline: death (+${DEAD:-?} ms)" test -n "$DEAD"
check "timeline: Raft verdict (+${VERDICT:-?} ms)" test -n "$VERDICT"
check "timeline: Masakari's 202 (+${NOTIFIED:-?} ms)" test -n "$NOTIFIED"
check "timeline: the steps are in order" \
	test "${SUSPECT:-0}" -le "${DEAD:-0}" -a "${DEAD:-0}" -le "${VERDICT:-0}" -a "${VERDICT:-0}" -le "${NOTIFIED:-0}"
check "the member table is shown, then the crashed host as dead" \
	sh -c "grep -c '^Node  *Address' '$OUT' | grep -qx 2 && grep -Eq '^hv[0-9] .* dead ' '$OUT'"
check "the output names the production wait period" grep -q "30 s" "$OUT"
left=$(leftovers "$DEMO" "$VT_DIR/before")
check "nothing left behind after a full run${left:+: $(echo $left)}" test -z "$left"
here=$(readlink /proc/self/ns/net)
first=$(head -n1 "$VT_DIR/spy.log" 2>/dev/null)
check "first run: the launcher installs in this namespace, which reaches the mirror ($first)" \
	test "$first" = "install $here"
check "then starts masakari-api in the switch namespace" \
	sh -c "grep '^start ' '$VT_DIR/spy.log' | grep -vq ' $here\$'"
sed 's/^/# apt-get: /' "$VT_DIR/apt.log" 2>/dev/null
check "first run with masakari-api absent: apt-get install ran in this namespace and succeeded" \
	grep -qxF "install 0 $here" "$VT_DIR/apt.log"
check "... and apt-get never ran in another namespace" \
	sh -c "! grep -vF ' $here' '$VT_DIR/apt.log'"

# --- Ctrl-C midway: agents and masakari-api running ----------------------------
snapshot | sort >"$VT_DIR/before"
OUT=$VT_DIR/demo-int.out
"$VIGIL" demo --no-tui >"$OUT" 2>&1 &
DEMO=$!
if vt_wait_for 120 grep -q "agents: hv1" "$OUT"; then
	sleep 1
	check "demo midway has its agents running" \
		sh -c "ps -eo args | grep -q '[a]gent -config /tmp/vigil-demo-$DEMO\.'"
	kill -INT "$DEMO"
	wait_bounded "$DEMO" 30
	rc=$?
	check "SIGINT: the demo exits 130 within 30 s (exit $rc)" test "$rc" = 130
	check "SIGINT: it says it cleaned up" grep -q "interrupted (signal 2); cleaning up" "$OUT"
else
	kill -INT "$DEMO"
	wait_bounded "$DEMO" 30
	not_ok "demo midway: agents never started"
	sed 's/^/# /' "$OUT"
fi
left=$(leftovers "$DEMO" "$VT_DIR/before")
check "nothing left behind after SIGINT${left:+: $(echo $left)}" test -z "$left"
exit 0
