// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_proto.c - the PING/ACK wire layout (docs/protocol.md): encode and
 * decode, byte order on the wire, name ids and key splitting.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "wire.h"
#include "vigil_abi.h"

static const struct probe_fields sample = {
	.type = VIGIL_MSG_ACK,
	.flags = VIGIL_F_RELAYED | VIGIL_F_KEYNEXT,
	.cluster_id = 0x01020304,
	.sender_id = 0x05060708,
	.target_id = 0x090a0b0c,
	.seq = 0x0d0e0f10,
	.send_ns = 0x1112131415161718ULL,
	.incarnation = 0x191a1b1c,
	.chan = 0x1d,
	.heartbeat = 0x2122232425262728ULL,
	.origin_id = 0x292a2b2c,
};

static void assert_fields_equal(const struct probe_fields *a, const struct probe_fields *b)
{
	assert_int_equal(a->type, b->type);
	assert_int_equal(a->flags, b->flags);
	assert_int_equal(a->cluster_id, b->cluster_id);
	assert_int_equal(a->sender_id, b->sender_id);
	assert_int_equal(a->target_id, b->target_id);
	assert_int_equal(a->seq, b->seq);
	assert_int_equal(a->send_ns, b->send_ns);
	assert_int_equal(a->incarnation, b->incarnation);
	assert_int_equal(a->chan, b->chan);
	assert_int_equal(a->heartbeat, b->heartbeat);
	assert_int_equal(a->origin_id, b->origin_id);
}

static void test_round_trip(void **state)
{
	struct vigil_probe m;
	struct probe_fields f;

	wire_probe_encode(&m, &sample);
	memset(&f, 0xee, sizeof(f));
	wire_probe_decode(&m, &f);
	assert_fields_equal(&f, &sample);
}

static void test_round_trip_extremes(void **state)
{
	struct probe_fields zero = { .type = VIGIL_MSG_PING }, ones, f;
	struct vigil_probe m;

	wire_probe_encode(&m, &zero);
	wire_probe_decode(&m, &f);
	assert_fields_equal(&f, &zero);

	ones = (struct probe_fields){
		.type = 0xff,
		.flags = 0xffff,
		.cluster_id = 0xffffffff,
		.sender_id = 0xffffffff,
		.target_id = 0xffffffff,
		.seq = 0xffffffff,
		.send_ns = UINT64_MAX,
		.incarnation = 0xffffffff,
		.chan = 0xff,
		.heartbeat = UINT64_MAX,
		.origin_id = 0xffffffff,
	};
	wire_probe_encode(&m, &ones);
	wire_probe_decode(&m, &f);
	assert_fields_equal(&f, &ones);
}

/* Every byte of the 64-byte message, at the offsets docs/protocol.md gives. */
static void test_wire_bytes(void **state)
{
	static const uint8_t want[VIGIL_PROBE_LEN] = {
		/* 0: magic "VGIL", version, type, flags (big-endian) */
		'V', 'G', 'I', 'L', VIGIL_PROTO_VERSION, VIGIL_MSG_ACK, 0x00, 0x03,
		/* 8: cluster_id, sender_id */
		0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
		/* 16: target_id, seq */
		0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10,
		/* 24: send_ns */
		0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18,
		/* 32: incarnation, chan, pad[3] */
		0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x00, 0x00, 0x00,
		/* 40: heartbeat */
		0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28,
		/* 48: origin_id, reserved */
		0x29, 0x2a, 0x2b, 0x2c, 0x00, 0x00, 0x00, 0x00,
		/* 56: mac, left for wire_sign */
		0, 0, 0, 0, 0, 0, 0, 0,
	};
	struct vigil_probe m;
	const uint8_t *p = (const uint8_t *)&m;

	/* encode owns every byte: nothing of what was there before survives */
	memset(&m, 0xaa, sizeof(m));
	wire_probe_encode(&m, &sample);
	assert_memory_equal(p, want, sizeof(want));

	/* spot checks, named */
	assert_memory_equal(p + 0, "VGIL", 4);
	assert_int_equal(p[4], VIGIL_PROTO_VERSION);
	assert_int_equal(p[5], VIGIL_MSG_ACK);
	assert_int_equal(offsetof(struct vigil_probe, seq), 20);
	assert_int_equal(p[20], 0x0d); /* seq, most significant byte first */
	assert_int_equal(p[23], 0x10);
	assert_int_equal(offsetof(struct vigil_probe, send_ns), 24);
	assert_int_equal(offsetof(struct vigil_probe, heartbeat), 40);
	assert_int_equal(offsetof(struct vigil_probe, mac), VIGIL_PROBE_MAC_OFF);
}

/* Decode reads big-endian regardless of the host. */
static void test_decode_from_bytes(void **state)
{
	uint8_t raw[VIGIL_PROBE_LEN] = { 'V', 'G', 'I', 'L', 1, VIGIL_MSG_PING, 0x00, 0x01 };
	struct vigil_probe m;
	struct probe_fields f;

	raw[8] = 0xca, raw[9] = 0xfe, raw[10] = 0xba, raw[11] = 0xbe; /* cluster */
	raw[12] = 0x00, raw[13] = 0x00, raw[14] = 0x01, raw[15] = 0x00; /* sender 256 */
	raw[20] = 0x00, raw[21] = 0x00, raw[22] = 0x00, raw[23] = 0x2a; /* seq 42 */
	raw[24] = 0x00, raw[31] = 0x01;					/* send_ns 1 */
	raw[36] = 7;							/* chan */
	raw[40] = 0x80;							/* heartbeat 2^63 */
	memcpy(&m, raw, sizeof(m));
	wire_probe_decode(&m, &f);
	assert_int_equal(f.type, VIGIL_MSG_PING);
	assert_int_equal(f.flags, VIGIL_F_RELAYED);
	assert_int_equal(f.cluster_id, 0xcafebabe);
	assert_int_equal(f.sender_id, 256);
	assert_int_equal(f.target_id, 0);
	assert_int_equal(f.seq, 42);
	assert_int_equal(f.send_ns, 1);
	assert_int_equal(f.chan, 7);
	assert_int_equal(f.heartbeat, 1ULL << 63);
	assert_int_equal(f.origin_id, 0);
}

static void test_name_id_stable(void **state)
{
	/* Ids go on the wire and into other hosts' tables: they must never
	 * change between builds or versions. Golden values computed with an
	 * independent SipHash-2-4 implementation. */
	assert_int_equal(wire_name_id("default"), 0x95cf28c0);
	assert_int_equal(wire_name_id("node-a"), 0xfddacea0);
	assert_int_equal(wire_name_id("hv-01"), 0xe7781b41);
	assert_int_equal(wire_name_id(""), 0x66a89180);

	assert_int_equal(wire_name_id("node-a"), wire_name_id("node-a"));
	assert_int_not_equal(wire_name_id("node-a"), wire_name_id("node-b"));
	assert_int_not_equal(wire_name_id("node-a"), wire_name_id("node-a "));
}

static void test_name_id_nonzero(void **state)
{
	char name[32];
	int same = 0;

	for (int i = 0; i < 20000; i++) {
		snprintf(name, sizeof(name), "compute-%d", i);
		assert_int_not_equal(wire_name_id(name), 0);
		if (i && wire_name_id(name) == wire_name_id("compute-0"))
			same++;
	}
	assert_int_equal(same, 0);
}

static void test_key_split(void **state)
{
	uint8_t key[VIGIL_KEY_LEN];
	uint64_t k0 = 0, k1 = 0;

	for (int i = 0; i < VIGIL_KEY_LEN; i++)
		key[i] = (uint8_t)i;
	wire_key_split(key, &k0, &k1);
	/* little-endian words, SipHash convention: k0 = bytes 0..7 */
	assert_int_equal(k0, 0x0706050403020100ULL);
	assert_int_equal(k1, 0x0f0e0d0c0b0a0908ULL);

	memset(key, 0, sizeof(key));
	key[0] = 0xff;
	key[15] = 0x80;
	wire_key_split(key, &k0, &k1);
	assert_int_equal(k0, 0xffULL);
	assert_int_equal(k1, 0x8000000000000000ULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_round_trip_extremes),
		cmocka_unit_test(test_wire_bytes),
		cmocka_unit_test(test_decode_from_bytes),
		cmocka_unit_test(test_name_id_stable),
		cmocka_unit_test(test_name_id_nonzero),
		cmocka_unit_test(test_key_split),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
