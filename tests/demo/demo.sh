#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# demo.sh - the fast path in one minute: two hosts in network namespaces, the
# XDP program on each, one probing the other while the other's userspace is
# frozen. Cleans up everything on exit or Ctrl-C.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/netns.sh
VT_ID=vdemo$$

vt_require demo
vt_init || exit 1
A=${VT_ID}a B=${VT_ID}b
vt_netns_add "$A" && vt_netns_add "$B" && vt_pair "$A" eth0 "$VT_NET.1" "$B" eth0 "$VT_NET.2" || exit 1
KEY=$($VIGIL keygen)
for h in a b; do
	printf '{"node_name": "hv%s", "cluster": "demo", "interface": "eth0", "key": "%s",\n "bpffs": "%s", "log_level": "warn"}\n' \
		"$h" "$KEY" "$VT_BPFFS/hv$h" >"$VT_DIR/$h.json"
done
echo "== two hypervisors, hva ($VT_NET.1) and hvb ($VT_NET.2), one veth between them"
ip netns exec "$A" "$VIGIL" xdp attach -config "$VT_DIR/a.json"
ip netns exec "$B" "$VIGIL" xdp attach -config "$VT_DIR/b.json"
echo
echo "== hvb runs a vigil process; we freeze it with SIGSTOP"
vt_bg "$VT_DIR/b.log" ip netns exec "$B" "$VIGIL" ping -config "$VT_DIR/b.json" -c 100000 -i 0.5 "hva@$VT_NET.1"
kill -STOP "$VT_LAST_PID"
echo
echo "== hva probes hvb: hvb's kernel answers, its frozen userspace is never woken"
ip netns exec "$A" "$VIGIL" ping -config "$VT_DIR/a.json" -c 10 -i 0.1 "hvb@$VT_NET.2"
echo
echo "== hvb's in-kernel counters (vigil maps)"
ip netns exec "$B" "$VIGIL" maps -config "$VT_DIR/b.json" | sed -n '3,6p'
echo
echo "demo done; namespaces, links, pins and processes are removed on exit"
