#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# bench-compare.sh - vigil against HashiCorp memberlist (Serf's lan and local
# profiles, and memberlist tuned to vigil's speed), side by side, under the
# same faults at the same moments.
#
# N hosts (default 16) in network namespaces on one bridge (tests/lib/
# cluster.sh). Every host runs one agent of every system in SYSTEMS, started at
# random offsets; a fault hits all of a host's agents at once. Faults, in
# order: ROUNDS hard crashes (switch port down, agents SIGKILLed); one host's
# agents SIGSTOPped for STOP_SHORT and for STOP_LONG seconds; STRESS_SECONDS of
# normal-priority CPU hogs and of SCHED_FIFO hogs (chrt -f FIFO_PRIO); LOSS_PCT %
# packet loss at the bridge for LOSS_SECONDS; a crash FIFO_LEAD seconds into
# FIFO_CRASH_SECONDS of SCHED_FIFO hogs. Every state change is read back from
# the agents' own logs (tests/bench/compare.py).
# Output: the table, OUT/bench-compare.tsv and OUT/bench-compare.png (OUT
# defaults to docs/), and last, machine-readable:
#   vigil_dead_ms_p50=… vigil_dead_ms_p99=… serf_lan_dead_ms_p99=… … vigil_false_dead=…
#   … vigil_fifo_crash_dead_ms=…
# Environment: N, ROUNDS, SYSTEMS, FAULTS, the durations above, SETTLE,
# TIGHT_ARGS, VIGIL_EXTRA (JSON spliced into vigil's configs), VIGIL_SCHED
# (a command prefix for vigil's agents, e.g. "chrt -f 20"), OUT, KEEP_LOGS.
set -u
cd "$(dirname "$0")/../.." || exit 1
# Not vt$$: a failing namespace test prunes all but the newest three
# /tmp/vigil-vt* directories, and this run lasts longer than most tests.
VT_ID=bc$$ # read by netns.sh
# shellcheck source=tests/lib/netns.sh
. tests/lib/netns.sh
# shellcheck source=tests/lib/cluster.sh
. tests/lib/cluster.sh

N=${N:-16}
ROUNDS=${ROUNDS:-5}
SYSTEMS=${SYSTEMS:-vigil serf-lan serf-local tight}
FAULTS=${FAULTS:-crash stop cpu fifo loss fifo_crash}
STOP_SHORT=${STOP_SHORT:-3}
STOP_LONG=${STOP_LONG:-30}
STRESS_SECONDS=${STRESS_SECONDS:-60}
LOSS_SECONDS=${LOSS_SECONDS:-60}
LOSS_PCT=${LOSS_PCT:-5}
FIFO_PRIO=${FIFO_PRIO:-10}
FIFO_CRASH_SECONDS=${FIFO_CRASH_SECONDS:-20}
FIFO_LEAD=${FIFO_LEAD:-3}
SETTLE=${SETTLE:-5}
OUT=${OUT:-docs}
KEEP_LOGS=${KEEP_LOGS:-}
VIGIL_EXTRA=${VIGIL_EXTRA:-}
VIGIL_SCHED=${VIGIL_SCHED:-}
MLNODE=${MLNODE:-${O:-build}/bench/memberlist-node}
# memberlist tuned to vigil's crash-to-dead median (docs/benchmarks.md says why).
TIGHT_ARGS=${TIGHT_ARGS:--probe-interval 90ms -probe-timeout 45ms -suspicion-mult 3 -gossip-interval 50ms}
# The harness's own quick actions (crash, stamping serf's log) run above the
# FIFO hogs and above vigil's own loop (sched_priority, 50 by default), so
# that they happen when they should.
RT=(chrt -f 60)

T_START=$(date +%s)
vt_require bench_compare
for tool in serf stress-ng nft chrt gnuplot "$MLNODE"; do
	command -v "$tool" >/dev/null || { echo "bench-compare: $tool not found (make deps; make bench-compare builds $MLNODE)" >&2; exit 1; }
done
vt_init || exit 1
# Processes are stopped by PID, and this machine recycles PIDs quickly (other
# test suites run alongside): every PID is remembered with its start time, and
# only those still matching are ever signalled.
declare -A START
own() { START[$1]=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f20); }
ours() { [ -n "${START[$1]:-}" ] && [ "$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f20)" = "${START[$1]}" ]; }
bc_cleanup() {
	local p keep=()
	for p in "${VT_PIDS[@]}"; do ours "$p" && keep+=("$p"); done
	VT_PIDS=("${keep[@]}")
	if [ -n "$KEEP_LOGS" ] && [ -n "$VT_DIR" ]; then
		mkdir -p "$KEEP_LOGS" && cp -r "$VT_DIR"/phases.tsv "$VT_DIR"/*.dat "$KEEP_LOGS"/ 2>/dev/null
		for s in $SYSTEMS; do cp -r "$VT_DIR/$s" "$KEEP_LOGS"/ 2>/dev/null; done
		echo "logs kept in $KEEP_LOGS"
	fi
	vt_cleanup
}
trap bc_cleanup EXIT
vc_up "$N" "$VIGIL_EXTRA" || { echo "cannot build $N hosts" >&2; exit 1; }
for s in $SYSTEMS; do mkdir -p "$VT_DIR/$s"; done
PHASES=$VT_DIR/phases.tsv
: >"$PHASES"
CSV_SYSTEMS=$(tr ' ' ',' <<<"$SYSTEMS")
echo "bench-compare: $N hosts; systems: $SYSTEMS; faults: $FAULTS"
echo "  crashes $ROUNDS, SIGSTOP ${STOP_SHORT}s/${STOP_LONG}s, hogs ${STRESS_SECONDS}s (normal, FIFO $FIFO_PRIO)," \
	"loss ${LOSS_PCT}% ${LOSS_SECONDS}s, crash under FIFO hogs; tight: $TIGHT_ARGS"

now_ms() { date +%s%3N; }
declare -A PID

# start_agent SYSTEM I: start SYSTEM's agent on host I, logging to SYSTEM/hvI.log
start_agent() {
	local s=$1 i=$2 log=$VT_DIR/$1/hv$2.log ns=${VC_NS[$2]} ip=${VC_IP[$2]} port rpc fifo join=()
	echo "$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ) #start" >>"$log"
	case $s in
	vigil)
		# shellcheck disable=SC2086 # VIGIL_SCHED is a command prefix
		vt_bg_append "$log" $VIGIL_SCHED ip netns exec "$ns" "$VIGIL" agent -config "${VC_CFG[$i]}"
		;;
	serf-lan | serf-local)
		[ "$s" = serf-lan ] && port=7946 rpc=7373 || port=7947 rpc=7374
		[ "$i" != 1 ] && join=(-retry-join "${VC_IP[1]}:$port" -retry-interval 1s)
		# serf logs with 1 s resolution: its lines are stamped as they come.
		fifo=$VT_DIR/$s/hv$i.fifo
		[ -p "$fifo" ] || mkfifo "$fifo"
		# shellcheck disable=SC2016 # expanded by sh
		vt_bg_append "$log" "${RT[@]}" sh -c 'exec "$0" -stamp <"$1"' "$MLNODE" "$fifo"
		own "$VT_LAST_PID"
		disown "$VT_LAST_PID"
		vt_bg "$fifo" ip netns exec "$ns" serf agent -node "hv$i" -bind "$ip:$port" \
			-rpc-addr "127.0.0.1:$rpc" -profile "${s#serf-}" -log-level info "${join[@]}"
		;;
	tight)
		# shellcheck disable=SC2086 # TIGHT_ARGS is a list of flags
		vt_bg_append "$log" ip netns exec "$ns" "$MLNODE" -name "hv$i" -bind "$ip" -port 7948 \
			-join "${VC_IP[1]}:7948" $TIGHT_ARGS
		;;
	esac
	PID[$s,$i]=$VT_LAST_PID
	own "$VT_LAST_PID"
	# Agents are killed on purpose: no job notices. Bash still reaps them,
	# and vt_cleanup still stops them by PID.
	disown "$VT_LAST_PID"
}

host_pids() { # I: the PIDs of host I's agents that are still ours
	local s
	for s in $SYSTEMS; do ours "${PID[$s,$1]}" && echo "${PID[$s,$1]}"; done
}

# check_agents: an agent that died without the benchmark killing it (a
# recycled PID signalled by someone else's cleanup has been seen here) is
# reported, counted in LOST and restarted
LOST=0
check_agents() {
	local s i
	for s in $SYSTEMS; do
		for i in $(seq 1 "$N"); do
			ours "${PID[$s,$i]}" && continue
			echo "  warning: $s's agent on hv$i died from outside the benchmark; restarted" >&2
			LOST=$((LOST + 1))
			start_agent "$s" "$i"
		done
	done
}

start_host() { # I: every system's agent, a few ms apart in random order
	local s
	# shellcheck disable=SC2086 # a list
	for s in $(shuf -e $SYSTEMS); do
		start_agent "$s" "$1"
		sleep "0.0$((RANDOM % 10))"
	done
}

# hosts_but I...: comma-separated indexes of the hosts not named
hosts_but() {
	seq 1 "$N" | grep -vxF -f <(printf '%s\n' "$@" 0) | paste -sd,
}

# wait_until SECONDS CMD...: run CMD until it succeeds or SECONDS of wall time
# have passed (each check reads every log, so it is not run in a tight loop)
wait_until() {
	local end=$((SECONDS + $1))
	shift
	until "$@"; do
		[ "$SECONDS" -ge "$end" ] && return 1
		sleep 0.3
	done
}

converged() { python3 tests/bench/compare.py converged "$VT_DIR" "$CSV_SYSTEMS" "$(hosts_but "$@")"; }
all_dead() { # VICTIM T0
	python3 tests/bench/compare.py all-dead "$VT_DIR" "$CSV_SYSTEMS" "$(hosts_but "$1")" "$1" "$2"
}
# reconverge: wait (bounded) until every agent sees every host alive again
reconverge() {
	check_agents
	wait_until 60 converged || echo "  (not every agent sees every host alive after 60 s)" >&2
}

# crash_later DELAY I: after DELAY seconds, cut host I off at the switch, then
# SIGKILL its agents; the time just before the port goes down (ms) is written
# to $VT_DIR/t0 (taking it after `ip` returns would be late: under FIFO hogs
# the link change waits for an RCU grace period the hogs delay by seconds,
# while the port is already down). It runs above the FIFO hogs, and it is started before them and
# waited for until it runs at that priority (touches $VT_DIR/armed): the
# harness itself may not get a CPU for seconds while they run.
crash_later() {
	rm -f "$VT_DIR/t0" "$VT_DIR/armed"
	# shellcheck disable=SC2046,SC2016 # one PID per word; expanded by sh
	"${RT[@]}" sh -c ': >"$5"; sleep "$1"; date +%s%3N >"$4"; ip -n "$2" link set "$3" down; shift 5; kill -KILL "$@"' \
		_ "$1" "$VC_SW" "p$2" "$VT_DIR/t0" "$VT_DIR/armed" $(host_pids "$2") &
	CRASHER=$!
	VT_PIDS+=("$CRASHER")
	own "$CRASHER"
	wait_until 10 test -e "$VT_DIR/armed"
}

# crash_time: wait for crash_later; T0 is the crash time (ms)
crash_time() {
	wait "$CRASHER"
	T0=$(cat "$VT_DIR/t0" 2>/dev/null)
	[ -n "$T0" ] || { echo "bench-compare: the crash failed" >&2; exit 1; }
}

restart() { # I
	vc_heal "$1"
	start_host "$1"
}

pick_victim() { echo $((2 + RANDOM % (N - 1))); }

# hogs SECONDS [chrt args...]: both CPUs busy; PID in HOGS
hogs() {
	local secs=$1
	shift
	vt_bg "$VT_DIR/stress.log" "$@" stress-ng --cpu 0 --cpu-load 100 --timeout "${secs}s"
	HOGS=$VT_LAST_PID
	own "$HOGS"
}

phase() { printf '%s\t%s\t%s\t%s\t%s\n' "$@" >>"$PHASES"; }

# --- start --------------------------------------------------------------------
start_host 1
sleep 0.5
for i in $(seq 2 "$N"); do
	sleep "0.$((RANDOM % 10))$((RANDOM % 10))"
	start_host "$i"
done
check_agents
wait_until 90 converged || { echo "the clusters did not converge" >&2; exit 1; }
echo "all $N hosts alive in every system after $(($(date +%s) - T_START)) s"
sleep 3

for fault in $FAULTS; do
	case $fault in
	crash)
		for r in $(seq 1 "$ROUNDS"); do
			v=$(pick_victim)
			crash_later 0 "$v"
			crash_time
			t0=$T0
			wait_until 45 all_dead "$v" "$t0" ||
				echo "  round $r: not every survivor of every system declared hv$v dead" >&2
			t1=$(now_ms)
			phase crash "$r" "$v" "$t0" "$t1"
			echo "crash $r: hv$v; every survivor of every system declared it dead within $((t1 - t0)) ms"
			restart "$v"
			reconverge
			sleep 2
		done
		;;
	stop)
		for d in "short $STOP_SHORT" "long $STOP_LONG"; do
			read -r kind d <<<"$d"
			v=$(pick_victim)
			t0=$(now_ms)
			# shellcheck disable=SC2046
			kill -STOP $(host_pids "$v")
			sleep "$d"
			# shellcheck disable=SC2046
			kill -CONT $(host_pids "$v")
			t1=$(now_ms)
			phase "stop_$kind" "$d" "$v" "$t0" "$t1"
			sleep "$SETTLE"
			echo "SIGSTOP ${d}s: hv$v's agents frozen and resumed"
			reconverge
		done
		;;
	cpu | fifo)
		t0=$(now_ms)
		if [ "$fault" = cpu ]; then hogs "$STRESS_SECONDS"; else hogs "$STRESS_SECONDS" chrt -f "$FIFO_PRIO"; fi
		wait "$HOGS"
		t1=$(now_ms)
		phase "$fault" "$STRESS_SECONDS" 0 "$t0" "$t1"
		sleep "$SETTLE"
		echo "$fault hogs: $(((t1 - t0) / 1000)) s"
		reconverge
		;;
	loss)
		ip netns exec "$VC_SW" nft -f - <<EOF
table bridge bc_loss {
	chain forward {
		type filter hook forward priority 0; policy accept;
		numgen random mod 100 < $LOSS_PCT counter drop
	}
}
EOF
		t0=$(now_ms)
		sleep "$LOSS_SECONDS"
		dropped=$(ip netns exec "$VC_SW" nft list table bridge bc_loss | sed -n 's/.*packets \([0-9]*\).*/\1/p')
		ip netns exec "$VC_SW" nft delete table bridge bc_loss
		t1=$(now_ms)
		phase loss "$LOSS_PCT" 0 "$t0" "$t1"
		sleep "$SETTLE"
		echo "loss ${LOSS_PCT}%: ${dropped:-?} frames dropped in $LOSS_SECONDS s"
		reconverge
		;;
	fifo_crash)
		v=$(pick_victim)
		crash_later "$FIFO_LEAD" "$v"
		hogs "$FIFO_CRASH_SECONDS" chrt -f "$FIFO_PRIO"
		crash_time
		t0=$T0
		wait "$HOGS"
		t_hogs=$(now_ms)
		wait_until 45 all_dead "$v" "$t0" ||
			echo "  not every survivor of every system declared hv$v dead" >&2
		t1=$(now_ms)
		phase fifo_crash "$t_hogs" "$v" "$t0" "$t1"
		echo "crash under FIFO hogs: hv$v, $(((t_hogs - t0) / 1000)) s of hogs after the crash"
		restart "$v"
		reconverge
		;;
	*)
		echo "unknown fault $fault" >&2
		exit 1
		;;
	esac
done

mkdir -p "$OUT"
python3 tests/bench/compare.py report "$VT_DIR" "$CSV_SYSTEMS" "$N" "$((SETTLE * 1000))" "$OUT" >"$VT_DIR/report.txt" || exit 1
sed '$d' "$VT_DIR/report.txt"
gnuplot -c tests/bench/compare.gp "$VT_DIR" "$OUT/bench-compare.png" "$SYSTEMS" 2>"$VT_DIR/gnuplot.log" ||
	{ cat "$VT_DIR/gnuplot.log" >&2; echo "plot failed" >&2; }
echo "tsv: $OUT/bench-compare.tsv  plot: $OUT/bench-compare.png  run: $(($(date +%s) - T_START)) s;" \
	"agents killed from outside the benchmark: $LOST"
tail -n 1 "$VT_DIR/report.txt"
