#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# test_format.sh - every C source and header is formatted as .clang-format
# says (`make format` fixes it). No root.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh

if ! command -v clang-format >/dev/null; then
	not_ok "format: clang-format is not installed (make deps installs it)"
	exit 1
fi
mapfile -t files < <(find bpf include userspace tests -name '*.[ch]' | sort)
bad=()
for f in "${files[@]}"; do
	clang-format --dry-run --Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done
check "${#files[@]} C files formatted as .clang-format says${bad:+ (not: ${bad[*]}; run make format)}" \
	test ${#bad[@]} -eq 0

# The layers (lib < core < xdp < agent < cli < demo) are enforced by each
# layer's include path (Makefile INC_*): a header of a higher layer is not
# found by its name. A path in an include would walk around that.
around=$(grep -rlE '^#include "[^"]*/' userspace | sort | tr '\n' ' ')
check "userspace includes headers by name only, so each layer's include path holds${around:+ (not: $around)}" \
	test -z "$around"
exit $((VT_FAILS > 0))
