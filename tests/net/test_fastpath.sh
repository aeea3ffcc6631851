#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# test_fastpath.sh - the property vigil rests on, over a real veth pair between
# two network namespaces with the XDP program attached in native mode: a host's
# kernel answers signed PINGs while its userspace is stopped or absent.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/netns.sh

vt_require fastpath
vt_init || { not_ok "fastpath: setup"; exit 1; }

A=${VT_ID}a B=${VT_ID}b
IPA=$VT_NET.1 IPB=$VT_NET.2
KEY=$($VIGIL keygen)
KEY2=$($VIGIL keygen)
vt_netns_add "$A" && vt_netns_add "$B" || { not_ok "fastpath: netns"; exit 1; }
vt_pair "$A" eth0 "$IPA" "$B" eth0 "$IPB" || { not_ok "fastpath: veth"; exit 1; }

mkcfg() { # FILE NODE KEY [KEY_NEXT] [MODE]
	local next=""
	[ -n "${4:-}" ] && next="\"key_next\": \"$4\","
	cat >"$1" <<EOF
{
  "node_name": "$2", "cluster": "test", "interface": "eth0",
  "key": "$3", $next
  "bpffs": "$VT_BPFFS/$2", "xdp_mode": "${5:-native}", "log_level": "warn"
}
EOF
}
CA=$VT_DIR/a.json CB=$VT_DIR/b.json
mkcfg "$CA" hva "$KEY"
mkcfg "$CB" hvb "$KEY"
inA() { ip netns exec "$A" "$@"; }
inB() { ip netns exec "$B" "$@"; }

check "attach native on both hosts" inA "$VIGIL" xdp attach -config "$CA"
inB "$VIGIL" xdp attach -config "$CB" >/dev/null
mode=$(inB "$VIGIL" xdp status -config "$CB" -j | vt_json_field mode)
check "status reports native mode (got $mode)" test "$mode" = native
check "ip link shows the program on the interface" \
	sh -c "ip -n $B link show eth0 | grep -q 'xdp'"

# 1. Basic in-kernel answers.
out=$(inA "$VIGIL" ping -config "$CA" -c 5 -i 0.05 -j "hvb@$IPB")
acked=$(vt_json_field acked <<<"$out")
check "ping: 5 of 5 answered in-kernel (got $acked)" test "$acked" = 5
rx0=$(vt_stat "$B" "$CB" rx_ping)
tx0=$(vt_stat "$B" "$CB" tx_ack)
check "responder counted rx_ping=$rx0 tx_ack=$tx0" test "$rx0" -ge 5 -a "$tx0" -ge 5

# 2. B's userspace stopped with SIGSTOP: its kernel keeps answering.
vt_bg "$VT_DIR/b-ping.log" ip netns exec "$B" "$VIGIL" ping -config "$CB" -c 100000 -i 0.1 "hva@$IPA"
BPID=$VT_LAST_PID
vt_wait_for 5 grep -q "ack from" "$VT_DIR/b-ping.log"
kill -STOP "$BPID"
sleep 0.2
state=$(awk '{print $3}' "/proc/$BPID/stat" 2>/dev/null)
check "B's vigil process is stopped (state $state)" test "$state" = T
out=$(inA "$VIGIL" ping -config "$CA" -c 20 -i 0.02 -j "hvb@$IPB")
acked=$(vt_json_field acked <<<"$out")
check "ping answered 20 of 20 while B's userspace is SIGSTOPped (got $acked)" test "$acked" = 20
kill -CONT "$BPID"
kill -TERM "$BPID"
wait "$BPID" 2>/dev/null

# 3. No vigil process at all on B: the pinned link keeps the program running.
check "no vigil process runs in B" sh -c "! ip netns pids $B | grep -q ."
out=$(inA "$VIGIL" ping -config "$CA" -c 5 -i 0.02 -j "hvb@$IPB")
check "ping answered with no process in B" test "$(vt_json_field acked <<<"$out")" = 5

# 4. bpftool reads the pinned peers map with named fields.
vt_bg "$VT_DIR/a-ping.log" ip netns exec "$A" "$VIGIL" ping -config "$CA" -c 40 -i 0.05 "hvb@$IPB"
APID=$VT_LAST_PID
vt_wait_for 5 grep -q "seq=3 " "$VT_DIR/a-ping.log"
dump=$(bpftool map dump pinned "$VT_BPFFS/hva/test/peers" 2>&1)
named=0
grep -q '"srtt_ns"' <<<"$dump" && grep -q '"rtt_hist"' <<<"$dump" &&
	grep -q '"last_ack_ns"' <<<"$dump" && named=1
check "bpftool map dump pinned peers shows named fields" test "$named" = 1
kill "$APID" 2>/dev/null
wait "$APID" 2>/dev/null

# 5. A prober with the wrong key is never answered; B counts bad MACs.
CX=$VT_DIR/x.json
mkcfg "$CX" hva "$KEY2"
sed -i "s#$VT_BPFFS/hva#$VT_BPFFS/hvx#" "$CX"
inA "$VIGIL" xdp detach -config "$CA" >/dev/null
inA "$VIGIL" xdp attach -config "$CX" >/dev/null
bad0=$(vt_stat "$B" "$CB" drop_bad_mac)
inA "$VIGIL" ping -config "$CX" -c 3 -i 0.05 -W 0.2 -q "hvb@$IPB" >/dev/null
rc=$?
bad1=$(vt_stat "$B" "$CB" drop_bad_mac)
check "wrong key: no answer (rc=$rc) and drop_bad_mac +$((bad1 - bad0))" \
	test "$rc" = 1 -a $((bad1 - bad0)) -ge 3
inA "$VIGIL" xdp detach -config "$CX" >/dev/null

# 6. Key rotation: B accepts KEY and KEY2; a prober on KEY2 is answered.
mkcfg "$CB" hvb "$KEY" "$KEY2"
inB "$VIGIL" xdp attach -config "$CB" >/dev/null
sed -i "s#$VT_BPFFS/hvx#$VT_BPFFS/hva#" "$CX"
inA "$VIGIL" xdp attach -config "$CX" >/dev/null
out=$(inA "$VIGIL" ping -config "$CX" -c 3 -i 0.05 -j "hvb@$IPB")
check "rotation: prober on the secondary key answered" test "$(vt_json_field acked <<<"$out")" = 3

# 7. Re-attaching (an agent restart or upgrade) swaps the program in place
#    under a running prober without losing a probe.
vt_bg "$VT_DIR/a-ping2.log" ip netns exec "$A" "$VIGIL" ping -config "$CX" -c 60 -i 0.02 -j "hvb@$IPB"
APID=$VT_LAST_PID
for _ in 1 2 3; do
	sleep 0.2
	inB "$VIGIL" xdp attach -config "$CB" >"$VT_DIR/reattach.log" 2>&1
done
wait "$APID"
lost=$(python3 -c "import json; d=json.load(open('$VT_DIR/a-ping2.log')); print(d['sent']-d['acked'])" 2>/dev/null || echo "?")
check "re-attach 3x under load: link reused, no probe lost (lost=$lost)" \
	sh -c "grep -q 'existing link updated' '$VT_DIR/reattach.log' && test '$lost' = 0"

# 8. Detach removes the program and every pin.
inB "$VIGIL" xdp detach -config "$CB" >/dev/null
check "detach: status says not attached" sh -c "! ip netns exec $B $VIGIL xdp status -config $CB >/dev/null"
check "detach: no XDP program left on the interface" sh -c "! ip -n $B link show eth0 | grep -q 'prog/xdp'"
check "detach: pin directory removed" test ! -e "$VT_BPFFS/hvb/test"
inA "$VIGIL" ping -config "$CX" -c 2 -i 0.05 -W 0.2 -q "hvb@$IPB" >/dev/null
check "detach: probes no longer answered" test $? = 1

# 9. Generic (skb) mode works too.
mkcfg "$CB" hvb "$KEY2" "" generic
inB "$VIGIL" xdp attach -config "$CB" >/dev/null
mode=$(inB "$VIGIL" xdp status -config "$CB" -j | vt_json_field mode)
out=$(inA "$VIGIL" ping -config "$CX" -c 3 -i 0.05 -j "hvb@$IPB")
check "generic mode ($mode): answered" sh -c "test '$mode' = generic && test '$(vt_json_field acked <<<"$out")' = 3"

exit $((VT_FAILS > 0))
