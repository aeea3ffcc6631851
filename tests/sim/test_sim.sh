#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# test_sim.sh - the membership protocol (userspace/memb.c, the agent's own code)
# in the deterministic simulator: 10/100/300 nodes (1000 in make bench-sim), loss, partitions, stalls,
# joins. Virtual time, so every run is exact and fast; TAP output for run.sh.
set -u
cd "$(dirname "$0")/../.."
SIM=${SIM:-${O:-build}/sim/sim}
fails=0
ok() { echo "ok - $*"; }
not_ok() {
	echo "not ok - $*"
	fails=$((fails + 1))
}
# field NAME LINE: value of NAME=... in a result line
field() { printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"; }

if [ ! -x "$SIM" ]; then
	not_ok "simulator binary $SIM is built (make tests)"
	exit 1
fi
out=$(mktemp /tmp/vigil-sim.XXXXXX)
trap 'rm -f "$out"' EXIT

# run NAME ARGS...: run the simulator, keep its output, print it on failure
run() {
	local name=$1
	shift
	"$SIM" "$@" >"$out" 2>&1
	local rc=$?
	sed 's/^/# /' "$out"
	res=$(grep '^result:' "$out" | tail -n1)
	return $rc
}

# 1. Scaling: 3 crashes at each size, detected by every survivor, no false
#    death, and the per-node message rate flat from 10 to 300 nodes. (The
#    1000-node run, 40-70 s of CPU, is `make bench-sim`.)
SIZES=${SIM_SIZES:-10,100,300}
BIG=${SIZES##*,}
"$SIM" -scaling -sizes "$SIZES" >"$out" 2>&1
rc=$?
sed 's/^/# /' "$out"
last=$(tail -n1 "$out")
[ $rc -eq 0 ] && [ "$(field ok "$last")" = 1 ] &&
	ok "scaling: every crash detected by every survivor at $SIZES nodes" ||
	not_ok "scaling: every crash detected by every survivor at $SIZES nodes"
ratio=$(field flat_ratio "$last")
awk -v r="${ratio:-0}" 'BEGIN { exit !(r >= 0.67 && r <= 1.5) }' &&
	ok "scaling: msgs/node/s at $BIG nodes is ${ratio}x that at 10 (flat)" ||
	not_ok "scaling: msgs/node/s at $BIG nodes is ${ratio:-?}x that at 10 (flat)"
grep -q "^n=$BIG .*false_dead=0" "$out" && ok "scaling: no live node declared dead at $BIG nodes" ||
	not_ok "scaling: no live node declared dead at $BIG nodes"
p99=$(field dead_ms_p99_max "$last")
awk -v v="${p99:-99999}" 'BEGIN { exit !(v < 1000) }' &&
	ok "scaling: death declared within a second by every survivor (p99 ${p99} ms)" ||
	not_ok "scaling: death declared within a second by every survivor (p99 ${p99:-?} ms)"

# 2. 5 % loss on every packet for a minute, and a crash in the middle.
run loss -n 100 -loss 0.05 -duration 60 -crash 7@30
[ "$(field false_dead "$res")" = 0 ] && ok "5% loss, 100 nodes, 60 s: no live node declared dead" ||
	not_ok "5% loss, 100 nodes, 60 s: no live node declared dead"
[ "$(field detected_all "$res")" = 1 ] && ok "5% loss: the crashed node is declared dead by all" ||
	not_ok "5% loss: the crashed node is declared dead by all"

# 3. Partition 40 | 60 for 15 s: each side declares the other dead; after the
#    heal every node sees every other alive again.
run partition -n 100 -partition '0-39@10-25' -duration 35
grep -q 'cross pairs suspect or dead 4800/4800' "$out" &&
	ok "partition 40|60: every node declares the other side dead" ||
	not_ok "partition 40|60: every node declares the other side dead"
healed=$(sed -n 's/.*all alive again \([0-9]*\) ms after the heal.*/\1/p' "$out")
[ -n "$healed" ] && [ "$healed" -lt 5000 ] && [ "$(field converged "$res")" = 1 ] &&
	ok "partition 40|60: all alive again ${healed} ms after the heal" ||
	not_ok "partition 40|60: all alive again after the heal (${healed:-never})"

# 4. An agent stalled for 30 s (its kernel still answers): never declared dead.
run stall -n 50 -stall 3@5-35 -duration 45
[ "$(field stalled_dead "$res")" = 0 ] && [ "$(field false_suspect "$res")" = 0 ] &&
	[ "$(field converged "$res")" = 1 ] &&
	ok "agent stalled 30 s: never suspected, views agree after" ||
	not_ok "agent stalled 30 s: never suspected, views agree after"

# 5. 100 nodes that start knowing only node 0 and join through it.
run join -n 100 -bootstrap join -duration 20 -crash 5@12
[ "$(field converged "$res")" = 1 ] && [ "$(field detected_all "$res")" = 1 ] &&
	ok "join: 100 nodes join through one, then detect a crash" ||
	not_ok "join: 100 nodes join through one, then detect a crash"

# 6. Determinism: a run is a function of its arguments.
a=$("$SIM" -n 50 -seed 7 -loss 0.05 -crash 3@5 -duration 15 | tail -n1 | sed 's/ real_s=.*//')
b=$("$SIM" -n 50 -seed 7 -loss 0.05 -crash 3@5 -duration 15 | tail -n1 | sed 's/ real_s=.*//')
c=$("$SIM" -n 50 -seed 8 -loss 0.05 -crash 3@5 -duration 15 | tail -n1 | sed 's/ real_s=.*//')
[ -n "$a" ] && [ "$a" = "$b" ] && [ "$a" != "$c" ] &&
	ok "deterministic: the same seed gives the same run, another seed another" ||
	not_ok "deterministic: the same seed gives the same run, another seed another"

# 7. Bad arguments are refused with exit 2.
"$SIM" -n 10 -crash 12@1 >/dev/null 2>&1
[ $? -eq 2 ] && ok "a fault on a node that does not exist: exit 2" ||
	not_ok "a fault on a node that does not exist: exit 2"

[ $fails -eq 0 ]
