#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# test_raft_auth.sh - the Raft port takes only authenticated servers, on a
# 4-host namespace cluster (hv1..hv3 Raft servers, hv4 a client) whose
# servers are in the middle of a key rotation (hv2 already signs with the
# new key, the others still with the old one; all accept both):
#   1 a forged AppendEntries in plain libraft framing (the leader's own term,
#     a made-up server id; then a higher term) sent to the leader's Raft port
#     -> refused as malformed; the leader lives on, still leader, same term
#     (a vigil without the authenticated transport crashed here)
#   2 a HELLO naming a key nobody holds -> refused unknown_key
#   3 a HELLO naming the cluster key's id, from a peer that cannot prove it
#     -> refused bad_proof; the server's CHALLENGE proof checks out against
#     docs/protocol.md section 15, computed independently here
#   4 a HELLO from an id that is no Raft server -> refused unknown_server
#   5 the cluster still works: a crashed client gets a failure verdict, and
#     a new leader is elected when the leader's host crashes; no legitimate
#     connection was ever refused
# (Replayed and altered frames: tests/unit/test_raft_transport.c.)
set -u
cd "$(dirname "$0")/../.."
. tests/lib/netns.sh
. tests/lib/cluster.sh

vt_require raft_auth
vt_init || { not_ok "raft_auth: setup"; exit 1; }
vc_up 4 || { not_ok "raft_auth: building hosts"; exit 1; }
OLD=$VC_KEY
NEW=$($VIGIL keygen)
SERVERS="\"servers\": [\"hv1@${VC_IP[1]}\", \"hv2@${VC_IP[2]}\", \"hv3@${VC_IP[3]}\"]"
for i in 1 2 3 4; do
	role=client
	[ "$i" -le 3 ] && role=server
	vc_write_cfg "$i" "$SERVERS, \"role\": \"$role\", \"wait_period_ms\": 500,
  \"raft_election_timeout_ms\": 500, \"min_healthy_hosts\": 0,"
	# Key rotation half done: hv2 signs with the new key, everyone takes both.
	if [ "$i" = 2 ]; then
		sed -i "s#\"key\": \"$OLD\"#\"key\": \"$NEW\", \"key_next\": \"$OLD\"#" "${VC_CFG[$i]}"
	else
		sed -i "s#\"key\": \"$OLD\"#\"key\": \"$OLD\", \"key_next\": \"$NEW\"#" "${VC_CFG[$i]}"
	fi
done
for i in 1 2 3 4; do vc_start "$i"; done
check "4 agents converge (hv2 signing with key, the others with key_next)" \
	vt_wait_for 20 vc_converged
has_leader() { [ -n "$(vc_leader)" ]; }
check "a Raft leader is elected across the key rotation" vt_wait_for 20 has_leader

raft_field() { # I EXPR: a field of hv I's status["raft"] (python expression on r)
	vc_status "$1" | python3 -c "import json,sys; r=json.load(sys.stdin)['raft']; print($2)" 2>/dev/null
}
refused() { raft_field "$1" "r['connections_refused']['$2']"; }
# refused_is I REASON N: hv I's status shows N refusals for REASON (status is
# published every few hundred ms: wait for it)
refused_now() { [ "$(refused "$1" "$2")" = "$3" ]; }
refused_is() { vt_wait_for 5 refused_now "$@"; }

# raft_peer I PROGRAM ARGS...: run a Python Raft peer from hv I's namespace.
# The programs speak to ADDR:7300 and print what they saw.
raft_peer() {
	local i=$1
	shift
	ip netns exec "${VC_NS[$i]}" python3 - "$@" <<'PYEOF'
import base64, hashlib, os, socket, struct, sys

prog, host = sys.argv[1], sys.argv[2]

def connect():
    try:
        return socket.create_connection((host, 7300), timeout=5)
    except OSError as e:
        print("cannot connect: %s" % e.strerror)
        sys.exit(0)

def closed(s):
    """True if the server closes the connection (within 5 s)."""
    try:
        while s.recv(4096):
            pass
        return True
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False

def recv_exact(s, n):
    b = b""
    while len(b) < n:
        c = s.recv(n - len(b))
        if not c:
            return None
        b += c
    return b

def le64(v):
    return struct.pack("<Q", v)

if prog == "forged":
    # libraft 0.15's plain TCP handshake, then one AppendEntries (96 bytes).
    term, fake_id = int(sys.argv[3]), int(sys.argv[4])
    addr = b"10.9.9.9:7300"
    alen = (len(addr) + 1 + 7) // 8 * 8
    msg = le64(1) + le64(fake_id) + le64(alen) + addr.ljust(alen, b"\0")
    msg += le64(1) + le64(40) + le64(term) + le64(0) + le64(0) + le64(0) + le64(0)
    assert len(msg) == 96, len(msg)
    s = connect()
    s.sendall(msg)
    print("closed" if closed(s) else "open")
    sys.exit(0)

# The authenticated transport (docs/protocol.md section 15).
cluster_id, from_id, key_b64 = int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
to_id = int(sys.argv[6])
key = base64.b64decode(key_b64)
K = hashlib.blake2b(b"vigil raft transport key v1", key=key, digest_size=32).digest()
key_id = hashlib.blake2b(b"vigil raft key id", key=K, digest_size=16).digest()[:8]
if prog == "unknown_key":
    key_id = os.urandom(8)
nonce = os.urandom(32)
hello = struct.pack(">IBBHIIQQ", 0x56524654, 1, 1, 0, cluster_id, 0, from_id, to_id)
hello += key_id + nonce + b"10.9.9.9:7300".ljust(64, b"\0")
assert len(hello) == 136
s = connect()
s.sendall(hello)
ch = recv_exact(s, 104)
if ch is None:
    print("closed at HELLO")
    sys.exit(0)
# The server's proof, as the document defines it.
th = hashlib.blake2b(hello + ch[:72], digest_size=32).digest()
proof_s = hashlib.blake2b(b"server proof".ljust(16, b"\0") + th, key=K, digest_size=32).digest()
print("server proof ok" if proof_s == ch[72:104] else "server proof WRONG")
# Without the key: any proof but the right one.
confirm = struct.pack(">IBBH", 0x56524654, 1, 3, 0) + os.urandom(32) + os.urandom(24)
s.sendall(confirm)
print("closed at CONFIRM" if closed(s) else "open after CONFIRM")
PYEOF
}

# --- 1: a forged AppendEntries against the leader -------------------------------
L=$(vc_leader_wait) || { not_ok "raft_auth: no Raft leader"; exit 1; }
T=$(raft_field "$L" "r['term']")
LPID=${VC_PID[$L]}
diag "leader hv$L (pid $LPID), term $T"
out=$(raft_peer 4 forged "${VC_IP[$L]}" "$T" 4242)
check "1 forged AppendEntries (term $T, id 4242) to the leader: connection closed ($out)" \
	test "$out" = closed
out=$(raft_peer 4 forged "${VC_IP[$L]}" $((T + 5)) 4243)
check "1 forged AppendEntries with a higher term $((T + 5)): connection closed ($out)" \
	test "$out" = closed
sleep 2
check "1 the leader's agent is still running" kill -0 "$LPID"
check "1 hv$L is still the leader" test "$(vc_leader_wait)" = "$L"
check "1 its term is still $T" test "$(raft_field "$L" "r['term']")" = "$T"
check "1 both counted as malformed" refused_is "$L" malformed 2
check "1 the refusal is logged" grep -q "refused: malformed" "$VT_DIR/hv$L.log"

# --- 2..4: the authenticated protocol without the key, or without a known id --------
F=1
[ "$L" = 1 ] && F=2 # a follower this time
id_of() { vc_status "$1" | vt_json_field node_id; }
CID=$(id_of "$F")
H3=$(id_of 3) # a Raft server's id, claimed by the peer
CLUSTER_ID=$(vc_status 1 | vt_json_field cluster_id)
diag "cluster id $CLUSTER_ID, target hv$F (id $CID)"
b2=$(refused "$F" unknown_key)
out=$(raft_peer 4 unknown_key "${VC_IP[$F]}" "$CLUSTER_ID" "$H3" "$OLD" "$CID")
check "2 HELLO naming a key nobody holds: closed at HELLO ($out)" test "$out" = "closed at HELLO"
check "2 counted as unknown_key" refused_is "$F" unknown_key $((b2 + 1))

out=$(raft_peer 4 no_proof "${VC_IP[$F]}" "$CLUSTER_ID" "$H3" "$OLD" "$CID")
check "3 the server proves the key as protocol.md says" grep -q "server proof ok" <<<"$out"
check "3 a peer that cannot prove the key: closed at CONFIRM" grep -q "closed at CONFIRM" <<<"$out"
check "3 counted as bad_proof" refused_is "$F" bad_proof 1
out=$(raft_peer 4 no_proof "${VC_IP[$F]}" "$CLUSTER_ID" 4242 "$OLD" "$CID")
check "4 a HELLO from id 4242, no Raft server: closed at HELLO ($out)" \
	test "$out" = "closed at HELLO"
check "4 counted as unknown_server" refused_is "$F" unknown_server 1
check "4 the refusal is logged with the id" grep -q "server id 4242) refused: unknown_server" \
	"$VT_DIR/hv$F.log"

# --- 5: the cluster still decides ------------------------------------------------------
verdicts() { # I
	ip netns exec "${VC_NS[$1]}" curl -s --noproxy '*' http://127.0.0.1:7500/metrics |
		awk '$1 == "vigil_failure_verdicts_total" {print $2}'
}
vc_crash 4
verdict4() {
	local l
	l=$(vc_leader) && [ "$(verdicts "$l")" = 1 ]
}
check "5 crash the client hv4: a failure verdict is committed" vt_wait_for 30 verdict4
L=$(vc_leader_wait) || { not_ok "5 no leader left"; exit 1; }
t0=$(date +%s%N)
vc_crash "$L"
new_leader() { local n; n=$(vc_leader) && [ "$n" != "$L" ]; }
if vt_wait_for 30 new_leader; then
	ok "5 crash the leader's host hv$L: hv$(vc_leader) leads after $((($(date +%s%N) - t0) / 1000000)) ms"
else
	not_ok "5 crash the leader's host hv$L: no new leader"
	exit 1
fi
N=$(vc_leader)
failed_in_new() { vc_status "$N" | python3 -c "
import json, sys
sys.exit(not any(h['name'] == 'hv4' and h['failed'] for h in json.load(sys.stdin)['hosts']))"; }
check "5 the new leader holds hv4's verdict" failed_in_new
legit_refused() { # I: refusals other than the test's own
	raft_field "$1" "sum(v for k, v in r['connections_refused'].items() if k not in ('malformed', 'unknown_key', 'bad_proof', 'unknown_server'))"
}
for i in 1 2 3; do
	[ "$i" = "$L" ] && continue
	check "5 hv$i never refused a legitimate connection" test "$(legit_refused "$i")" = 0
done
metrics_ok() {
	ip netns exec "${VC_NS[$N]}" curl -s --noproxy '*' http://127.0.0.1:7500/metrics |
		grep -q '^vigil_raft_connections_refused_total{reason="malformed"} '
}
check "5 /metrics exports vigil_raft_connections_refused_total{reason}" metrics_ok
exit $((VT_FAILS > 0))
