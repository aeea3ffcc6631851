#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# test_fuzz.sh - the fuzzing corpus, replayed: every input committed under
# tests/fuzz/corpus/TARGET/ (the seeds and each input that once crashed)
# runs once through its harness under AddressSanitizer and UBSan, so a fixed
# crash stays fixed; then the XDP program meets a bounded, seeded run of
# generated frames (root; `make fuzz` runs both for longer).
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
O=${O:-build}
XDP_FRAMES=${XDP_FRAMES:-400000}

for dir in tests/fuzz/corpus/*/; do
	t=$(basename "$dir")
	[ "$t" = xdp ] && continue
	bin=$O/fuzz/replay_$t
	if [ ! -x "$bin" ]; then
		not_ok "fuzz corpus $t: $bin not built"
		continue
	fi
	if out=$("$bin" "$dir" 2>&1); then
		ok "fuzz corpus $t: $(tail -n1 <<<"$out") replayed, no crash, leak or broken invariant"
	else
		echo "$out" | tail -n 40
		not_ok "fuzz corpus $t: an input crashes (see above)"
	fi
done

if [ "$(id -u)" -ne 0 ]; then
	skip "XDP program on generated frames" "needs root"
else
	"$O/fuzz/fuzz_xdp" -seed 1 -frames "$XDP_FRAMES" -seconds 20 tests/fuzz/corpus/xdp
	rc=$?
	[ "$rc" -eq 0 ] || [ "$rc" -eq 77 ] || VT_FAILS=$((VT_FAILS + 1))
fi
exit $((VT_FAILS > 0))
