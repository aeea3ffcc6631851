#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# run.sh - `make fuzz`: each libFuzzer harness named for FUZZ_SECONDS on its
# committed corpus, one at a time under nice -n 19, then the XDP packet
# generator (root) for FUZZ_XDP_SECONDS with a fresh seed.
#
# New inputs go to $O/fuzz/work/TARGET (kept between runs, not committed). A
# crash, leak, timeout or broken invariant stops that target with the input
# in $O/fuzz/artifacts/TARGET/: fix the code, then copy the input to
# tests/fuzz/corpus/TARGET/crash-NAME so `make check` replays it for good
# (fuzz_xdp writes its failing frame to fuzz_xdp-SEED-INDEX.bin, for
# tests/fuzz/corpus/xdp/). One line per target: executions, libFuzzer's
# coverage (cov: edges, ft: features) and corpus size. Exit 1 if any failed.
set -uo pipefail
cd "$(dirname "$0")/../.."
O=${O:-build}
SECS=${FUZZ_SECONDS:-60}
XDP_SECS=${FUZZ_XDP_SECONDS:-300}
failed=()

for t in "$@"; do
	work=$O/fuzz/work/$t
	art=$O/fuzz/artifacts/$t
	log=$O/fuzz/$t.log
	mkdir -p "$work" "$art"
	nice -n 19 "$O/fuzz/fuzz_$t" -max_total_time="$SECS" -timeout=10 -rss_limit_mb=2048 \
		-max_len=8192 -print_final_stats=1 -artifact_prefix="$art/" \
		"$work" "tests/fuzz/corpus/$t" >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n1)
	last=$(grep -E '^#[0-9]+' "$log" | tail -n1)
	cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
	ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
	corp=$(sed -n 's/.* corp: \([^ ]*\).*/\1/p' <<<"$last")
	printf 'fuzz_%-7s %4s s  %10s executions  cov %5s  ft %6s  corpus %s\n' "$t" "$SECS" \
		"${execs:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}"
	if [ "$rc" -ne 0 ]; then
		echo "fuzz_$t FAILED (exit $rc): $log; the input is in $art/"
		grep -E '^(==[0-9]+==ERROR|SUMMARY|.*invariant broken)' "$log" | head -n 5
		failed+=("$t")
	fi
done

if [ "$XDP_SECS" -gt 0 ]; then
	nice -n 19 "$O/fuzz/fuzz_xdp" -seconds "$XDP_SECS" tests/fuzz/corpus/xdp
	rc=$?
	[ "$rc" -eq 0 ] || [ "$rc" -eq 77 ] || failed+=(xdp)
fi

if [ ${#failed[@]} -gt 0 ]; then
	echo "fuzzing found problems in: ${failed[*]}"
	exit 1
fi
echo "fuzzing: no crash, leak, timeout or broken invariant"
