#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# test_fuzz.sh - the fuzzing corpus, replayed: the seeds are still what the
# codec writes, and every input committed under tests/fuzz/corpus/TARGET/
# (the seeds and each input that once crashed) runs once through its
# harness under AddressSanitizer and UBSan, so a fixed crash stays fixed;
# then the XDP program meets a bounded, seeded run of generated frames
# (root; `make fuzz` runs both for longer).
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
O=${O:-build}
XDP_FRAMES=${XDP_FRAMES:-400000}

# The seeds are what the codec makes today: a protocol change shows here
# first (make fuzz-seeds rewrites them). The copy of docs/vigil.json among
# them may lag the sample: editing the sample must not fail this.
tmp=$(mktemp -d /tmp/vigil-seeds.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
if "$O/fuzz/seeds" "$tmp" docs/vigil.json >/dev/null; then
	stale=$(cd "$tmp" && for f in */seed-*; do
		[ "$f" = config/seed-sample ] || cmp -s "$f" "$OLDPWD/tests/fuzz/corpus/$f" || echo "$f"
	done)
	extra=$(cd tests/fuzz/corpus && for f in */seed-*; do [ -e "$tmp/$f" ] || echo "$f"; done)
	check "the seed corpus is what make fuzz-seeds writes${stale:+ (stale: $(echo $stale))}${extra:+ (not written any more: $(echo $extra))}" \
		test -z "$stale$extra"
else
	not_ok "the seed corpus: $O/fuzz/seeds failed"
fi

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
