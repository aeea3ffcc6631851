// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * fuzz_wire.c - the UDP message codec (userspace/core/wire.c): wire_verify
 * on any bytes, then every decoder on what verifies, as memb.c and server.c
 * would meet it.
 *
 * Input: a control byte (FZ_FIX, FZ_SIGN, FZ_SIGN_NEXT: fuzz.h), then the
 * datagram (MAINT and FORGET with their reason, the leader's ANSWER
 * included). Checked: a fixed-up and signed message verifies unless its length
 * is wrong for its type, with the key slot it was signed with; what decodes
 * has valid names (wire_name_valid) and encodes to the same length and
 * decodes to the same values again.
 */
#include "fuzz.h"

static void probe_round_trip(const uint8_t *buf)
{
	struct probe_fields a, b;
	struct vigil_probe m;

	memcpy(&m, buf, sizeof(m));
	wire_probe_decode(&m, &a);
	wire_probe_encode(&m, &a);
	wire_probe_decode(&m, &b);
	FZ_CHECK(!memcmp(&a, &b, sizeof(a)), "PING/ACK fields changed by a round trip");
}

static void updates_round_trip(const uint8_t *buf, size_t len)
{
	static struct wire_update u[VIGIL_GOSSIP_MAX_UPDATES], v[VIGIL_GOSSIP_MAX_UPDATES];
	static uint8_t out[VIGIL_MAX_MSG];
	size_t n, n2, len2;

	if (wire_updates_decode(buf, len, u, VIGIL_GOSSIP_MAX_UPDATES, &n))
		return;
	FZ_CHECK(n <= VIGIL_GOSSIP_MAX_UPDATES, "%zu updates", n);
	len2 = wire_updates_encode(out, sizeof(out), wire_type(buf, len), FZ_CLUSTER, FZ_PEER, u,
				   n);
	FZ_CHECK(len2 == len, "%zu updates re-encode to %zu bytes, not %zu", n, len2, len);
	FZ_CHECK(!wire_updates_decode(out, len2, v, VIGIL_GOSSIP_MAX_UPDATES, &n2) && n2 == n,
		 "re-encoded updates do not decode");
	for (size_t i = 0; i < n; i++) {
		FZ_CHECK(wire_name_valid(u[i].name),
			 "an update decoded with a name that is not valid");
		FZ_CHECK(fz_update_equal(&u[i], &v[i]), "update %zu changed by a round trip", i);
	}
}

static void relay_round_trip(const uint8_t *buf, size_t len)
{
	struct wire_relay a, b;
	struct vigil_relay m;

	if (wire_relay_decode(buf, len, &a))
		return;
	FZ_CHECK(wire_relay_encode(&m, wire_type(buf, len), FZ_CLUSTER, FZ_PEER, &a) == len,
		 "relay re-encodes to another length");
	FZ_CHECK(!wire_relay_decode(&m, sizeof(m), &b), "re-encoded relay does not decode");
	FZ_CHECK(a.target_id == b.target_id && a.req_seq == b.req_seq && a.acked == b.acked &&
			 fz_addr_equal(&a.target, a.targetlen, &b.target, b.targetlen),
		 "relay changed by a round trip");
}

static void report_round_trip(const uint8_t *buf, size_t len)
{
	static struct wire_report a, b;
	static uint8_t out[VIGIL_MAX_MSG];
	size_t len2;

	if (wire_report_decode(buf, len, &a))
		return;
	FZ_CHECK(a.n <= VIGIL_REPORT_MAX_IDS, "report of %zu ids", a.n);
	FZ_CHECK(wire_name_valid(a.name) && wire_name_valid(a.hostname),
		 "a report decoded with a name that is not valid");
	len2 = wire_report_encode(out, sizeof(out), FZ_CLUSTER, FZ_PEER, &a);
	FZ_CHECK(len2 == len, "report re-encodes to %zu bytes, not %zu", len2, len);
	FZ_CHECK(!wire_report_decode(out, len2, &b), "re-encoded report does not decode");
	FZ_CHECK(!strcmp(a.name, b.name) && !strcmp(a.hostname, b.hostname) && a.epoch == b.epoch &&
			 a.seq == b.seq && a.n == b.n &&
			 !memcmp(a.ids, b.ids, a.n * sizeof(a.ids[0])),
		 "report changed by a round trip");
}

static void maint_round_trip(const uint8_t *buf, size_t len)
{
	static uint8_t out[VIGIL_MAX_MSG];
	struct wire_maint a, b;
	size_t len2;

	if (wire_maint_decode(buf, len, &a))
		return;
	FZ_CHECK(wire_name_valid(a.host) && wire_name_valid(a.reason),
		 "a maint decoded with a host or reason that is not valid");
	FZ_CHECK(a.type == VIGIL_MSG_MAINT || (a.type == VIGIL_MSG_FORGET && !a.on),
		 "a request of type %u (on %d) decoded", a.type, a.on);
	len2 = wire_maint_encode(out, sizeof(out), FZ_CLUSTER, FZ_PEER, &a);
	FZ_CHECK(len2 == len, "maint re-encodes to %zu bytes, not %zu", len2, len);
	FZ_CHECK(!wire_maint_decode(out, len2, &b), "re-encoded maint does not decode");
	FZ_CHECK(a.type == b.type && !strcmp(a.host, b.host) && !a.on == !b.on &&
			 a.epoch == b.epoch && a.seq == b.seq && !strcmp(a.reason, b.reason),
		 "maint changed by a round trip");
}

static void answer_round_trip(const uint8_t *buf, size_t len)
{
	struct wire_answer a, b;
	struct vigil_answer m;

	if (wire_answer_decode(buf, len, &a))
		return;
	FZ_CHECK(wire_name_valid(a.host), "an answer decoded with a host that is not valid");
	FZ_CHECK(wire_answer_encode(&m, FZ_CLUSTER, FZ_PEER, &a) == len,
		 "answer re-encodes to another length");
	FZ_CHECK(!wire_answer_decode(&m, sizeof(m), &b), "re-encoded answer does not decode");
	FZ_CHECK(a.request == b.request && !a.on == !b.on && a.result == b.result &&
			 a.state == b.state && a.flags == b.flags && a.epoch == b.epoch &&
			 a.seq == b.seq && !strcmp(a.host, b.host),
		 "answer changed by a round trip");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vigil_keyring kr;
	uint8_t ctl, *buf, type;
	size_t len;
	int sealed, err, slot = -1, want;

	if (size < 1)
		return 0;
	ctl = data[0];
	len = size - 1;
	/* An exact copy: the sanitizer sees a read past the datagram. */
	buf = malloc(len ? len : 1);
	if (!buf)
		return 0;
	memcpy(buf, data + 1, len);
	sealed = fz_seal(buf, len, ctl);
	fz_keyring(&kr);
	err = wire_verify(buf, len, FZ_CLUSTER, &kr, &slot);
	type = wire_type(buf, len);
	FZ_CHECK(*wire_strerror(err), "no text for %d", err);

	if (sealed && (ctl & FZ_FIX)) {
		want = WIRE_OK;
		if (len > (type == VIGIL_MSG_STATE ? VIGIL_MAX_STATE_MSG : VIGIL_MAX_MSG) ||
		    ((type == VIGIL_MSG_PING || type == VIGIL_MSG_ACK) && len != VIGIL_PROBE_LEN))
			want = WIRE_E_LENGTH;
		FZ_CHECK(err == want, "sealed %zu-byte message of type %u: %s, want %s", len, type,
			 wire_strerror(err), wire_strerror(want));
		FZ_CHECK(err || slot == !!(ctl & FZ_SIGN_NEXT), "verified by slot %d", slot);
	}
	if (!err) {
		/* Every decoder, whatever the type says: a decoder handed
		 * another type's bytes must refuse them or decode them safely. */
		if (len == VIGIL_PROBE_LEN)
			probe_round_trip(buf);
		updates_round_trip(buf, len);
		relay_round_trip(buf, len);
		report_round_trip(buf, len);
		maint_round_trip(buf, len);
		answer_round_trip(buf, len);
	}
	free(buf);
	return 0;
}
