# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# tap.sh - TAP-like output of vigil's shell tests: "ok - NAME",
# "not ok - NAME", "ok - NAME # SKIP why", "# note". Source it.

VT_FAILS=${VT_FAILS:-0}

ok() { echo "ok - $*"; }
not_ok() {
	echo "not ok - $*"
	VT_FAILS=$((VT_FAILS + 1))
}
skip() { echo "ok - $1 # SKIP $2"; }
# check NAME CMD...: ok if CMD succeeds
check() {
	local name=$1
	shift
	if "$@"; then ok "$name"; else not_ok "$name"; fi
}
diag() { echo "# $*"; }
