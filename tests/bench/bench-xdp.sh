#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# bench-xdp.sh - CPU cost of answering a PING: the XDP program vs a userspace
# UDP responder doing the same verification and signing.
#
# ROUNDS times, interleaved:
#   (a) bench_xdp xdp: the real XDP program (skeleton, loaded, not attached)
#       run on a signed IPv4 PING frame through BPF_PROG_TEST_RUN, REPEAT
#       repetitions behind a wrapper that restores the PING before each one;
#       kernel-timed ns per PING->ACK, every repetition checked to have sent
#       an ACK. Cross-check: CALLS single-repetition calls without the wrapper.
#   (b) bench_xdp responder in namespace B answering PINGS pings sent by
#       bench_xdp client in namespace A over a veth pair (recvmmsg/sendmmsg,
#       WINDOW in flight); the responder's own CPU time per ping answered.
# Prints every round, then, last line, machine-readable:
#   xdp_ns_per_ping=<median> userspace_ns_per_ping=<median> ratio=<userspace/xdp>
# Environment: O (build dir), ROUNDS (5), REPEAT (1000000), CALLS (100000),
# PINGS (200000), WINDOW (256). Needs root. Everything it creates (two
# namespaces, one veth pair, processes) is removed on exit, even on failure
# or interruption.
set -u
cd "$(dirname "$0")/../.." || exit 1

O=${O:-build}
BENCH=${BENCH:-$O/bench/bench_xdp}
ROUNDS=${ROUNDS:-5}
REPEAT=${REPEAT:-1000000}
CALLS=${CALLS:-100000}
PINGS=${PINGS:-200000}
WINDOW=${WINDOW:-256}
PORT=7301

ID=vbx$$
NS_A=${ID}a
NS_B=${ID}b
PIDS=()
NETNS=()
TMP=

cleanup() {
	local pid ns
	set +e
	for pid in "${PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null
	done
	for pid in "${PIDS[@]}"; do
		for _ in $(seq 1 30); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null
	done
	for ns in "${NETNS[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	[ -n "$TMP" ] && rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

fail() {
	echo "bench-xdp: $*" >&2
	exit 1
}

[ "$(id -u)" -eq 0 ] || fail "needs root (BPF programs, network namespaces)"
[ -x "$BENCH" ] || fail "$BENCH not built (make bench-xdp)"
command -v ip >/dev/null || fail "ip (iproute2) not found"
for v in ROUNDS REPEAT CALLS PINGS WINDOW; do
	[[ ${!v} =~ ^[1-9][0-9]*$ ]] || fail "$v must be a positive integer"
done

# A 10.251.X.0/24 that no address on this host is in and no route but the
# default one covers; it only ever exists inside the two namespaces below.
pick_net() {
	local addrs x
	addrs=$(ip -4 addr show)
	for x in $(shuf -i 1-254 -n 40); do
		grep -q "inet 10\.251\.$x\." <<<"$addrs" && continue
		ip -4 route show table all match "10.251.$x.0/24" | grep -qv '^default ' && continue
		NET=10.251.$x
		return 0
	done
	return 1
}
pick_net || fail "no unused 10.251.X.0/24 on this host; refusing to run"
ADDR_A=$NET.1
ADDR_B=$NET.2

TMP=$(mktemp -d "/tmp/vigil-$ID.XXXXXX") || fail "mktemp"
for ns in "$NS_A" "$NS_B"; do
	ip netns add "$ns" || fail "ip netns add $ns"
	NETNS+=("$ns")
	ip -n "$ns" link set lo up
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 2>/dev/null
done
ip link add "${ID}a" netns "$NS_A" type veth peer name "${ID}b" netns "$NS_B" ||
	fail "cannot create the veth pair"
ip -n "$NS_A" addr add "$ADDR_A/24" dev "${ID}a"
ip -n "$NS_B" addr add "$ADDR_B/24" dev "${ID}b"
ip -n "$NS_A" link set "${ID}a" up
ip -n "$NS_B" link set "${ID}b" up

# Two CPUs or more: responder (and the XDP run) on CPU 1, client on CPU 0, so
# the two sides of (b) do not take turns on one CPU. Otherwise, unpinned.
PIN_A=() PIN_B=()
if [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null; then
	PIN_A=(taskset -c 0) PIN_B=(taskset -c 1)
fi

# field NAME FILE: the value of the first NAME=value word in FILE
field() {
	grep -o "\b$1=[^ ]*" "$2" | head -n 1 | cut -d= -f2
}

median() {
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 }
		END { if (NR % 2) printf "%.1f", v[(NR + 1) / 2];
		      else printf "%.1f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# forget PID: drop PID from PIDS once reaped; a reaped PID may be reused and
# must never be signalled.
forget() {
	local p keep=()
	for p in "${PIDS[@]}"; do
		[ "$p" = "$1" ] || keep+=("$p")
	done
	PIDS=("${keep[@]}")
}

# start LOG SECONDS CMD...: CMD in the background under timeout, its PID in
# BG_PID. timeout passes a TERM on to CMD.
start() {
	local log=$1 secs=$2
	shift 2
	timeout "$secs" "$@" >"$log" 2>&1 &
	BG_PID=$!
	PIDS+=("$BG_PID")
}

# run LOG SECONDS CMD...: start CMD and wait for it. Waiting on a background
# job, unlike on a foreground one, lets a signal to this script act at once.
run() {
	local rc
	start "$@"
	wait "$BG_PID"
	rc=$?
	forget "$BG_PID"
	return $rc
}

# finish PID SECONDS: wait for PID to exit; TERM, then KILL, when time runs out
finish() {
	for _ in $(seq 1 $(($2 * 10))); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$1" 2>/dev/null; then
		kill -TERM "$1" 2>/dev/null
		sleep 1
		kill -KILL "$1" 2>/dev/null
	fi
	wait "$1" 2>/dev/null
	forget "$1"
}

echo "bench-xdp: $(uname -r), $(nproc) CPUs, $ROUNDS rounds; XDP $REPEAT runs" \
	"(+ $CALLS single calls), userspace $PINGS pings over veth $ADDR_A -> $ADDR_B:$PORT," \
	"window $WINDOW"
XDP=() USR=() FLOOR=() CALL=()
for r in $(seq 1 "$ROUNDS"); do
	# (a) XDP, kernel-timed.
	out=$TMP/xdp.$r
	run "$out" 300 "${PIN_B[@]}" "$BENCH" xdp "$REPEAT" "$CALLS" ||
		{ cat "$out" >&2; fail "round $r: XDP run failed"; }
	x=$(field ns_per_ping "$out")
	f=$(field restore_floor_ns "$out")
	c=$(field percall_ns "$out")
	cf=$(field percall_floor_ns "$out")
	if [ -z "$x" ] || [ -z "$f" ] || [ -z "$c" ] || [ -z "$cf" ]; then
		cat "$out" >&2
		fail "round $r: no XDP figure"
	fi
	[ "$r" -eq 1 ] && grep '^xdp_without_restore' "$out" | sed 's/^/# /'

	# (b) userspace responder in B, client in A.
	rlog=$TMP/resp.$r
	start "$rlog" 180 ip netns exec "$NS_B" "${PIN_B[@]}" "$BENCH" responder "$PORT" "$PINGS"
	rpid=$BG_PID
	for _ in $(seq 1 100); do
		grep -q '^ready' "$rlog" && break
		kill -0 "$rpid" 2>/dev/null || break
		sleep 0.1
	done
	grep -q '^ready' "$rlog" || { cat "$rlog" >&2; fail "round $r: responder did not start"; }
	clog=$TMP/client.$r
	run "$clog" 120 ip netns exec "$NS_A" "${PIN_A[@]}" "$BENCH" client "$ADDR_B" "$PORT" \
		"$PINGS" "$WINDOW" || { cat "$clog" "$rlog" >&2; fail "round $r: client failed"; }
	finish "$rpid" 10
	u=$(field ns_per_ping "$rlog")
	answered=$(field answered "$rlog")
	if [ -z "$u" ] || [ -z "$answered" ]; then
		cat "$rlog" >&2
		fail "round $r: no responder figure"
	fi
	[ "$answered" -ge $((PINGS / 2)) ] ||
		{ cat "$clog" "$rlog" >&2; fail "round $r: only $answered of $PINGS pings answered"; }

	user=$(field user_ns "$rlog") sys=$(field sys_ns "$rlog")
	echo "round $r: xdp_ns_per_ping=$x (floor $f; single calls $c, floor $cf)" \
		"userspace_ns_per_ping=$u (user ~$((user / answered)) + sys ~$((sys / answered))," \
		"answered $answered, lost $(field lost "$clog"), $(field per_batch "$rlog")/batch," \
		"$(field pps "$clog") pps; client $(field client_ns_per_ping "$clog") ns/ping)"
	XDP+=("$x") USR+=("$u") FLOOR+=("$f") CALL+=("$c")
done

mx=$(median "${XDP[@]}")
mu=$(median "${USR[@]}")
mf=$(median "${FLOOR[@]}")
mc=$(median "${CALL[@]}")
echo "medians: xdp $mx ns (of which harness + restore wrapper $mf ns), xdp single calls $mc ns," \
	"userspace $mu ns"
awk -v x="$mx" -v u="$mu" 'BEGIN {
	printf "xdp_ns_per_ping=%.1f userspace_ns_per_ping=%.1f ratio=%.1f\n", x, u, u / x }'
