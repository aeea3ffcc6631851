#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# run.sh - run every vigil test and print one summary line CI reads:
#   "N passed, N failed, N skipped"
#
# Test kinds:
#   build/tests/test_*      cmocka binaries (unit and BPF prog_test_run tests);
#                           their "[  PASSED  ] N test(s)" / "[  FAILED  ] N test(s)"
#                           lines are counted.
#   tests/net/*.sh          whole-path tests in network namespaces; they print TAP-style
#                           "ok - NAME", "not ok - NAME", "ok - NAME # SKIP why" lines.
# Environment: O (build dir, default build), TESTS (glob filter, e.g. TESTS='*xdp*').
set -uo pipefail

cd "$(dirname "$0")/.."
O=${O:-build}
FILTER=${TESTS:-*}
pass=0 fail=0 skip=0
failed_names=()
logdir=$(mktemp -d /tmp/vigil-tests.XXXXXX)

count_cmocka() { # $1 log, $2 name, $3 rc
	local p f
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

for t in "$O"/tests/test_*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	case "$name" in $FILTER) ;; *) continue ;; esac
	[[ "$name" == *.d ]] && continue
	echo "=== $name"
	t0=$SECONDS
	"$t" >"$logdir/$name.log" 2>&1
	rc=$?
	cat "$logdir/$name.log"
	echo "=== $name: $((SECONDS - t0)) s"
	count_cmocka "$logdir/$name.log" "$name" "$rc"
done

for t in tests/sim/*.sh tests/net/*.sh; do
	[ -f "$t" ] || continue
	name=$(basename "$t" .sh)
	case "$name" in $FILTER) ;; *) continue ;; esac
	echo "=== $name"
	t0=$SECONDS
	VIGIL="$O/vigil" bash "$t" >"$logdir/$name.log" 2>&1
	rc=$?
	cat "$logdir/$name.log"
	echo "=== $name: $((SECONDS - t0)) s"
	count_tap "$logdir/$name.log" "$name" "$rc"
done

echo
if [ ${#failed_names[@]} -gt 0 ]; then
	echo "failed: ${failed_names[*]} (logs in $logdir)"
else
	rm -rf "$logdir"
fi
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
