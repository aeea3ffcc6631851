#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# test_fastpath.sh - the property vigil rests on, over a real veth pair between
# two network namespaces with the XDP program attached in native mode: a host's
# kernel answers signed PINGs while its userspace is stopped or absent, and
# a captured PING sent again and again cannot make it stop answering.
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

# 8. Replayed PINGs (protocol.md 7.6, 12). One PING captured on A's link is
#    sent again from A's own address, 300 times at once and then every 0.5 ms
#    for as long as A probes B: a budget per source address would be spent by
#    the replays and A's probes refused. Each replay is dropped, A's probes
#    all answered. B's budget refills at 1 answer/s here (burst 200 as by
#    default), so that on a busy machine a replayer that gets the CPU in fits
#    still outpaces the refill. tests/lib has no packet tool; a few lines of
#    Python with an AF_PACKET socket capture and send raw frames.
sed 's/"key_next"/"rate_limit_pps": 1, "key_next"/' "$CB" >"$VT_DIR/b-slow.json"
inB "$VIGIL" xdp attach -config "$VT_DIR/b-slow.json" >/dev/null
cat >"$VT_DIR/replay.py" <<'PY'
import socket, sys, time
mode, ifname, path = sys.argv[1:4]
if mode == "capture":  # capture IFACE FILE SECONDS: the first vigil PING leaving
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
    s.bind((ifname, 0))
    s.settimeout(0.2)
    print("ready", flush=True)
    end = time.monotonic() + float(sys.argv[4])
    while time.monotonic() < end:
        try:
            frame, addr = s.recvfrom(2048)
        except socket.timeout:
            continue
        if addr[2] != socket.PACKET_OUTGOING or frame[12:14] != b"\x08\x00" or frame[23] != 17:
            continue
        udp = 14 + (frame[14] & 15) * 4
        msg = frame[udp + 8:]
        if msg[:4] == b"VGIL" and len(msg) >= 64 and msg[5] == 1:
            open(path, "wb").write(frame)
            sys.exit(0)
    sys.exit(1)
else:  # replay IFACE FILE BURST STOPFILE: BURST copies at once, then one per
    # 0.5 ms until STOPFILE exists (at most 20 s)
    import os
    frame = open(path, "rb").read()
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((ifname, 0))
    n = 0
    for _ in range(int(sys.argv[4])):
        n += s.send(frame) > 0
    print("burst", n, flush=True)
    end = time.monotonic() + 20
    while time.monotonic() < end and not os.path.exists(sys.argv[5]):
        n += s.send(frame) > 0
        time.sleep(0.0005)
    print("sent", n, flush=True)
PY
vt_bg "$VT_DIR/capture.log" ip netns exec "$A" python3 "$VT_DIR/replay.py" capture eth0 \
	"$VT_DIR/ping.bin" 10
CPID=$VT_LAST_PID
vt_wait_for 5 grep -q ready "$VT_DIR/capture.log"
inA "$VIGIL" ping -config "$CX" -c 3 -i 0.1 -q "hvb@$IPB" >/dev/null
wait "$CPID"
check "a PING of A's was captured on A's link" test -s "$VT_DIR/ping.bin"
rep0=$(vt_stat "$B" "$CB" drop_replayed_ping)
vt_bg "$VT_DIR/replayer.log" ip netns exec "$A" python3 "$VT_DIR/replay.py" replay eth0 \
	"$VT_DIR/ping.bin" 300 "$VT_DIR/replay.stop"
RPID=$VT_LAST_PID
vt_wait_for 10 grep -q burst "$VT_DIR/replayer.log"
out=$(inA "$VIGIL" ping -config "$CX" -c 20 -i 0.05 -W 0.5 -j "hvb@$IPB")
touch "$VT_DIR/replay.stop"
wait "$RPID"
sent=$(awk '/^sent/ {print $2}' "$VT_DIR/replayer.log")
rep1=$(vt_stat "$B" "$CB" drop_replayed_ping)
check "replayed PING sent ${sent:-0} times from A's address (300 at once)" test "${sent:-0}" -ge 300
check "A's 20 probes all answered meanwhile (got $(vt_json_field acked <<<"$out"))" \
	test "$(vt_json_field acked <<<"$out")" = 20
check "B dropped them as replays (drop_replayed_ping +$((${rep1:-0} - ${rep0:-0})))" \
	test $((${rep1:-0} - ${rep0:-0})) -ge 300

# 9. Detach removes the program and every pin.
inB "$VIGIL" xdp detach -config "$CB" >/dev/null
check "detach: status says not attached" sh -c "! ip netns exec $B $VIGIL xdp status -config $CB >/dev/null"
check "detach: no XDP program left on the interface" sh -c "! ip -n $B link show eth0 | grep -q 'prog/xdp'"
check "detach: pin directory removed" test ! -e "$VT_BPFFS/hvb/test"
inA "$VIGIL" ping -config "$CX" -c 2 -i 0.05 -W 0.2 -q "hvb@$IPB" >/dev/null
check "detach: probes no longer answered" test $? = 1

# 10. Generic (skb) mode works too.
mkcfg "$CB" hvb "$KEY2" "" generic
inB "$VIGIL" xdp attach -config "$CB" >/dev/null
mode=$(inB "$VIGIL" xdp status -config "$CB" -j | vt_json_field mode)
out=$(inA "$VIGIL" ping -config "$CX" -c 3 -i 0.05 -j "hvb@$IPB")
check "generic mode ($mode): answered" sh -c "test '$mode' = generic && test '$(vt_json_field acked <<<"$out")' = 3"

# 11. An upgrade across map ABI 1 -> 2 (protocol.md 11) without a detach: pins
#     as version 1 left them, made with bpftool: stats of 14 counters, a
#     ratelimit map, and self and a peer stamped ABI 1. The new program takes
#     them over: stats replaced, ratelimit removed, self and peer kept.
inB "$VIGIL" xdp detach -config "$CB" >/dev/null
CU=$VT_DIR/u.json PU=$VT_BPFFS/hvu/test
mkcfg "$CU" hvb "$KEY2"
sed -i "s#$VT_BPFFS/hvb#$VT_BPFFS/hvu#" "$CU"
mkdir -p "$PU" && chmod 0700 "$PU"
hexbytes() { # VALUE_SIZE OFFSET:WIDTH:NUMBER...: little-endian fields, the rest zero
	python3 -c 'import sys
b = bytearray(int(sys.argv[1]))
for f in sys.argv[2:]:
    o, w, v = map(int, f.split(":"))
    b[o:o + w] = v.to_bytes(w, "little")
print(" ".join("%02x" % x for x in b))' "$@"
}
PEER_ID=168496141 # 0x0a0b0c0d
{
	bpftool map create "$PU/stats" type percpu_array key 4 value 112 entries 1 name stats &&
		bpftool map create "$PU/ratelimit" type lru_hash key 16 value 16 entries 16384 name ratelimit &&
		bpftool map create "$PU/self" type array key 4 value 24 entries 1 name self &&
		bpftool map update pinned "$PU/self" key hex 00 00 00 00 \
			value hex $(hexbytes 24 0:4:1 4:4:9 8:8:1234) &&
		bpftool map create "$PU/peers" type hash key 8 value 360 entries 4096 name peers &&
		bpftool map update pinned "$PU/peers" key hex $(hexbytes 8 0:4:$PEER_ID) \
			value hex $(hexbytes 360 0:4:1 4:4:$PEER_ID 24:4:77 80:8:5)
} >"$VT_DIR/old-pins.log" 2>&1
check "map ABI 1 pins made with bpftool" test $? = 0
inB "$VIGIL" xdp attach -config "$CU" >"$VT_DIR/upgrade.log" 2>&1
check "attach over ABI 1 pins succeeds without a detach" test $? = 0
check "the ratelimit pin is removed, probers pinned" test ! -e "$PU/ratelimit" -a -e "$PU/probers"
inB "$VIGIL" maps -config "$CU" >"$VT_DIR/upgraded-maps.txt" 2>&1
kept=$(awk -v id="$PEER_ID" '/self: incarnation/ {gsub(",", ""); inc = $5; hb = $7}
	$1 == id {acks = $3} $1 == "drop_replayed_ping" {rep = $2}
	END {print inc, hb, acks, rep}' "$VT_DIR/upgraded-maps.txt")
check "self (incarnation 9, heartbeat 1234) and the ABI 1 peer (5 acks) kept, stats new (got: $kept)" \
	test "$kept" = "9 1234 5 0"
out=$(inA "$VIGIL" ping -config "$CX" -c 3 -i 0.05 -j "hvb@$IPB")
check "upgraded host answers" test "$(vt_json_field acked <<<"$out")" = 3
inB "$VIGIL" xdp detach -config "$CU" >/dev/null
check "detach removes the upgraded pins" test ! -e "$PU"

exit $((VT_FAILS > 0))
