#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# run.sh - run vigil's tests and print one summary line CI reads:
#   "N passed, N failed, N skipped"
#
#   tests/run.sh check   the fast tier, no namespaces: unit tests, BPF
#                        prog_test_run tests (root), the simulator, the
#                        checks of docs and sources against the binary
#   tests/run.sh net     the namespace suites (root)
#   tests/run.sh e2e     tests/e2e/test_*.sh, one at a time (root; a real
#                        OpenStack, its packages installed by `make deps`,
#                        `make e2e-deps` or on first use; `make e2e`)
#   tests/run.sh all     check, net, then e2e alone (the default; `make test`)
#
# Kinds of test:
#   $O/tests/test_*   cmocka binaries; their "[  PASSED  ] N test(s)" and
#                     "[  FAILED  ] N test(s)" lines are counted. A binary
#                     that needs root and runs without it exits 77 (skipped).
#   tests/{sim,check,net}/*.sh   print TAP-style "ok - NAME", "not ok - NAME",
#                     "ok - NAME # SKIP why" lines.
# A script's header may say "# vigil-test: exclusive" (it loads the machine:
# run it alone) and "# vigil-test: timeout=SECONDS" (default 600). The net
# suites run JOBS at a time (default 3; they mostly wait), exclusive ones
# alone after them.
# Environment: O (build dir, default build), TESTS (globs on test names,
# separated by spaces, e.g. TESTS='*xdp* test_consensus'), JOBS, TIMEOUT
# (default per-test timeout), VT_KEEP (keep a namespace test's logs even
# when it passes).
set -uo pipefail

cd "$(dirname "$0")/.."
O=${O:-build}
TIER=${1:-all}
FILTER=${TESTS:-*}
JOBS=${JOBS:-3}
TIMEOUT=${TIMEOUT:-600}
pass=0 fail=0 skip=0
failed_names=()
logdir=$(mktemp -d /tmp/vigil-tests.XXXXXX)
t_start=$SECONDS

case "$TIER" in check | net | all | e2e) ;; *)
	echo "usage: tests/run.sh [check|net|all|e2e]" >&2
	exit 2
	;;
esac

count_cmocka() { # $1 log, $2 name, $3 rc
	local p f
	if [ "$3" -eq 77 ]; then
		skip=$((skip + 1))
		return
	fi
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test(s)\./\1/p' "$1" | tail -n1)
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test(s), listed below:/\1/p' "$1" | tail -n1)
	p=${p:-0} f=${f:-0}
	if [ "$3" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi # crashed before its summary
	pass=$((pass + p)) fail=$((fail + f))
	[ "$f" -eq 0 ] || failed_names+=("$2")
}

count_tap() { # $1 log, $2 name, $3 rc
	local p f s
	p=$(grep -c '^ok - ' "$1" | tr -d ' ')
	s=$(grep -c '^ok - .*# SKIP' "$1" | tr -d ' ')
	f=$(grep -c '^not ok - ' "$1" | tr -d ' ')
	p=$((p - s))
	if [ "$3" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
	[ "$f" -eq 0 ] || failed_names+=("$2")
}

wanted() {
	local g globs
	read -ra globs <<<"$FILTER"
	for g in "${globs[@]}"; do
		# shellcheck disable=SC2254
		case "$1" in $g) return 0 ;; esac
	done
	return 1
}

# header FILE KEY: from the script's "# vigil-test: ..." line, 1 for a bare
# KEY, VALUE for KEY=VALUE, else nothing
header() {
	local line w
	line=$(sed -n '1,30{/^# vigil-test:/p}' "$1" | head -n1)
	for w in ${line#\# vigil-test:}; do
		case "$w" in
		"$2") echo 1 && return ;;
		"$2="*) echo "${w#*=}" && return ;;
		esac
	done
}

# run_one FILE: run a test (binary or script) with its timeout; log in
# $logdir/NAME.log, exit code in $logdir/NAME.rc, seconds in $logdir/NAME.s
run_one() {
	local t=$1 name limit t0 rc
	name=$(basename "$t" .sh)
	limit=$TIMEOUT
	if [[ $t == *.sh ]]; then
		limit=$(header "$t" timeout)
		limit=${limit:-$TIMEOUT}
	fi
	t0=$SECONDS
	if [[ $t == *.sh ]]; then
		VIGIL="$O/vigil" O="$O" timeout --kill-after=30 "$limit" bash "$t" >"$logdir/$name.log" 2>&1
	else
		timeout --kill-after=30 "$limit" "$t" >"$logdir/$name.log" 2>&1
	fi
	rc=$?
	[ "$rc" -eq 124 ] && echo "not ok - $name: timed out after $limit s" >>"$logdir/$name.log"
	echo "$rc" >"$logdir/$name.rc"
	echo $((SECONDS - t0)) >"$logdir/$name.s"
}

# report FILE: print a finished test's log and count it
report() {
	local t=$1 name rc
	name=$(basename "$t" .sh)
	rc=$(cat "$logdir/$name.rc")
	echo "=== $name"
	cat "$logdir/$name.log"
	echo "=== $name: $(cat "$logdir/$name.s") s"
	if [[ $t == *.sh ]]; then
		count_tap "$logdir/$name.log" "$name" "$rc"
	else
		count_cmocka "$logdir/$name.log" "$name" "$rc"
	fi
}

# run_serial FILE...: one after the other
run_serial() {
	local t
	for t in "$@"; do
		run_one "$t"
		report "$t"
	done
}

# run_parallel FILE...: JOBS at a time, each reported when it ends
run_parallel() {
	local -A running=()
	local t pid
	for t in "$@"; do
		while [ "${#running[@]}" -ge "$JOBS" ]; do
			wait -n
			for pid in "${!running[@]}"; do
				if ! kill -0 "$pid" 2>/dev/null; then
					wait "$pid"
					report "${running[$pid]}"
					unset "running[$pid]"
				fi
			done
		done
		run_one "$t" &
		running[$!]=$t
	done
	for pid in "${!running[@]}"; do
		wait "$pid"
		report "${running[$pid]}"
	done
}

if [ "$TIER" = check ] || [ "$TIER" = all ]; then
	tier=()
	for t in "$O"/tests/test_*; do
		[ -x "$t" ] && [[ $t != *.d ]] && wanted "$(basename "$t")" && tier+=("$t")
	done
	for t in tests/sim/*.sh tests/check/*.sh; do
		[ -f "$t" ] && wanted "$(basename "$t" .sh)" && tier+=("$t")
	done
	run_serial "${tier[@]}"
fi

if [ "$TIER" = net ] || [ "$TIER" = all ]; then
	shared=() alone=()
	for t in tests/net/*.sh; do
		[ -f "$t" ] && wanted "$(basename "$t" .sh)" || continue
		if [ -n "$(header "$t" exclusive)" ]; then alone+=("$t"); else shared+=("$t"); fi
	done
	[ ${#shared[@]} -gt 0 ] && run_parallel "${shared[@]}"
	[ ${#alone[@]} -gt 0 ] && run_serial "${alone[@]}"
fi

# The end-to-end tier takes both cores for many minutes: on its own, last.
if [ "$TIER" = e2e ] || [ "$TIER" = all ]; then
	tier=()
	for t in tests/e2e/test_*.sh; do
		[ -f "$t" ] && wanted "$(basename "$t" .sh)" && tier+=("$t")
	done
	[ ${#tier[@]} -gt 0 ] && run_serial "${tier[@]}"
fi

echo
if [ ${#failed_names[@]} -gt 0 ]; then
	echo "failed: ${failed_names[*]} (logs in $logdir)"
	# the failing checks again, so a log cut in the middle still names them
	for n in "${failed_names[@]}"; do
		grep -m 20 -e '^not ok - ' -e '^\[  FAILED  \]' -e '^\[  ERROR   \]' "$logdir/$n.log" 2>/dev/null | sed "s/^/  $n: /"
		tail -n 5 "$logdir/$n.log" 2>/dev/null | sed "s/^/  $n (last lines): /"
	done
else
	rm -rf "$logdir"
fi
echo "tier $TIER: $((SECONDS - t_start)) s"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
