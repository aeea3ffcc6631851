#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# test_rules.sh - the Prometheus alert rules and the Grafana dashboard say
# what the agent exports: docs/prometheus/vigil-rules.yml is valid
# (`promtool check rules`), is the file docs/operations.md shows, fires each
# alert as its unit tests expect (`promtool test rules`
# tests/check/vigil-rules.test.yml: the failure alert once per host however
# many servers export it), and every metric the rules and the dashboard read
# is one the agent writes; every metric it writes has its row in the metric
# table of operations.md section 10. No root, no namespaces.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh

RULES=docs/prometheus/vigil-rules.yml
DASH=docs/grafana/vigil.json
tmp=$(mktemp -d /tmp/vigil-rules.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

if ! command -v promtool >/dev/null; then
	not_ok "rules: promtool is not installed (make deps installs prometheus)"
	exit 1
fi
check "promtool check rules $RULES" sh -c "promtool check rules $RULES >$tmp/check.log 2>&1"
sed 's/^/# /' "$tmp/check.log"

# Section 10 of operations.md shows the rules: its yaml block is the file.
sed -n '/^## 10\. /,/^## 11\. /p' docs/operations.md |
	sed -n '/^```yaml$/,/^```$/p' | sed '1d;$d' >"$tmp/doc.yml"
check "operations.md section 10 shows $RULES as it is" cmp -s "$tmp/doc.yml" "$RULES"
diff -u "$RULES" "$tmp/doc.yml" | sed 's/^/# /'

check "promtool test rules: every alert fires as tests/check/vigil-rules.test.yml expects" \
	sh -c "promtool test rules tests/check/vigil-rules.test.yml >$tmp/test.log 2>&1"
sed 's/^/# /' "$tmp/test.log"

# What the agent writes: the metric names in its sources (histograms also
# as NAME_bucket, NAME_sum, NAME_count).
grep -ohE '"vigil_[a-z_]+"' userspace/agent/metrics.c userspace/agent/api.c | tr -d '"' |
	sort -u >"$tmp/code"
check "the agent writes metrics ($(wc -l <"$tmp/code"))" test -s "$tmp/code"
known() { # NAME: written by the agent (a histogram's series count)
	grep -qx "$1" "$tmp/code" || grep -qx "$(sed -E 's/_(bucket|sum|count)$//' <<<"$1")" "$tmp/code"
}
missing=""
for m in $(grep -oE 'vigil_[a-z_]+' "$RULES" | sort -u); do
	known "$m" || missing="$missing $m"
done
check "every metric the rules read is one the agent writes${missing:+ (not:$missing)}" test -z "$missing"
missing=""
for m in $(jq -r '.. | .expr? // empty, .definition? // empty' "$DASH" | grep -oE 'vigil_[a-z_]+' | sort -u); do
	known "$m" || missing="$missing $m"
done
check "every metric the dashboard reads is one the agent writes${missing:+ (not:$missing)}" test -z "$missing"

sed -n '/^## 10\. /,/^## 11\. /p' docs/operations.md | grep '^| `vigil_' >"$tmp/table"
missing=""
for m in $(cat "$tmp/code"); do
	grep -qE "\`$m(\`|\{)" "$tmp/table" || missing="$missing $m"
done
check "every metric the agent writes has its row in operations.md section 10${missing:+ (missing:$missing)}" \
	test -z "$missing"

exit $((VT_FAILS > 0))
