// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_wire.c - the wire codec (docs/protocol.md): every message type
 * encoded byte for byte as the layout tables say (the expected bytes are
 * written field by field at the documented offsets, not by the codec), the
 * worked examples of section 13, decoding and every length check, name ids
 * and key splitting.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <arpa/inet.h>
#include <cmocka.h>
#include <stdlib.h>
#include <zlib.h>

#include "vigil_abi.h"
#include "vigil_siphash.h"
#include "wire.h"

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
	struct probe_fields zero = {.type = VIGIL_MSG_PING}, ones, f;
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
		'V',
		'G',
		'I',
		'L',
		VIGIL_PROBE_VERSION,
		VIGIL_MSG_ACK,
		0x00,
		0x03,
		/* 8: cluster_id, sender_id */
		0x01,
		0x02,
		0x03,
		0x04,
		0x05,
		0x06,
		0x07,
		0x08,
		/* 16: target_id, seq */
		0x09,
		0x0a,
		0x0b,
		0x0c,
		0x0d,
		0x0e,
		0x0f,
		0x10,
		/* 24: send_ns */
		0x11,
		0x12,
		0x13,
		0x14,
		0x15,
		0x16,
		0x17,
		0x18,
		/* 32: incarnation, chan, pad[3] */
		0x19,
		0x1a,
		0x1b,
		0x1c,
		0x1d,
		0x00,
		0x00,
		0x00,
		/* 40: heartbeat */
		0x21,
		0x22,
		0x23,
		0x24,
		0x25,
		0x26,
		0x27,
		0x28,
		/* 48: origin_id, reserved */
		0x29,
		0x2a,
		0x2b,
		0x2c,
		0x00,
		0x00,
		0x00,
		0x00,
		/* 56: mac, left for wire_sign */
		0,
		0,
		0,
		0,
		0,
		0,
		0,
		0,
	};
	struct vigil_probe m;
	const uint8_t *p = (const uint8_t *)&m;

	/* encode owns every byte: nothing of what was there before survives */
	memset(&m, 0xaa, sizeof(m));
	wire_probe_encode(&m, &sample);
	assert_memory_equal(p, want, sizeof(want));

	/* spot checks, named */
	assert_memory_equal(p + 0, "VGIL", 4);
	assert_int_equal(p[4], VIGIL_PROBE_VERSION);
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
	uint8_t raw[VIGIL_PROBE_LEN] = {'V', 'G', 'I', 'L', 1, VIGIL_MSG_PING, 0x00, 0x01};
	struct vigil_probe m;
	struct probe_fields f;

	raw[8] = 0xca, raw[9] = 0xfe, raw[10] = 0xba, raw[11] = 0xbe;	/* cluster */
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

/* ---- the worked example of docs/protocol.md, section 13 ------------------- */

#define AZ1	      0xb12a9e75u
#define HV1	      0xa8186421u
#define HV2	      0x383053e3u
#define HV3	      0x0bb65f52u
#define EXAMPLE_EPOCH 1764547200ULL /* the sender started 2025-12-01T00:00:00Z */

static const uint8_t example_key[VIGIL_KEY_LEN] = {0, 1, 2,  3,	 4,  5,	 6,  7,
						   8, 9, 10, 11, 12, 13, 14, 15};

static void example_keyring(struct vigil_keyring *kr)
{
	memset(kr, 0, sizeof(*kr));
	wire_key_split(example_key, &kr->slot[0].k0, &kr->slot[0].k1);
	kr->slot[0].valid = 1;
}

static void sign_example(void *msg, size_t len)
{
	struct vigil_keyring kr;

	example_keyring(&kr);
	wire_sign(msg, len, kr.slot[0].k0, kr.slot[0].k1);
}

/* Parse a hex dump as docs/protocol.md prints them ("0000  56 47 ..."). */
static size_t unhex(const char *dump, uint8_t *out, size_t max)
{
	size_t n = 0;

	for (const char *line = dump; *line;) {
		const char *end = strchr(line, '\n');
		const char *p = line + 6; /* past the offset column */

		if (!end)
			end = line + strlen(line);
		while (p + 1 < end && n < max) {
			unsigned v;

			if (sscanf(p, "%2x", &v) != 1)
				break;
			out[n++] = (uint8_t)v;
			p += 3;
		}
		line = *end ? end + 1 : end;
	}
	return n;
}

static void test_example_ids(void **state)
{
	assert_int_equal(wire_name_id("az1"), AZ1);
	assert_int_equal(wire_name_id("hv1"), HV1);
	assert_int_equal(wire_name_id("hv2"), HV2);
	assert_int_equal(wire_name_id("hv3"), HV3);
}

/* 13.1 and 13.2: the PING and the ACK, byte for byte with their MACs. */
static void test_example_ping_ack(void **state)
{
	static const char ping_dump[] = "0000  56 47 49 4c 01 01 00 00 b1 2a 9e 75 a8 18 64 21\n"
					"0010  38 30 53 e3 00 00 00 01 00 00 00 00 00 0f 42 40\n"
					"0020  00 00 00 01 00 00 00 00 00 00 00 00 00 00 00 64\n"
					"0030  00 00 00 00 00 00 00 00 73 c5 f8 8a e2 f3 76 e2\n";
	static const char ack_dump[] = "0000  56 47 49 4c 01 02 00 00 b1 2a 9e 75 38 30 53 e3\n"
				       "0010  a8 18 64 21 00 00 00 01 00 00 00 00 00 0f 42 40\n"
				       "0020  00 00 00 02 00 00 00 00 00 00 00 00 00 00 00 c8\n"
				       "0030  00 00 00 00 00 00 00 00 45 3d 33 02 e0 d7 6a 64\n";
	struct probe_fields ping = {.type = VIGIL_MSG_PING,
				    .cluster_id = AZ1,
				    .sender_id = HV1,
				    .target_id = HV2,
				    .seq = 1,
				    .send_ns = 1000000,
				    .incarnation = 1,
				    .heartbeat = 100};
	struct probe_fields ack = ping;
	uint8_t want[VIGIL_PROBE_LEN];
	struct vigil_probe m;

	assert_int_equal(unhex(ping_dump, want, sizeof(want)), VIGIL_PROBE_LEN);
	wire_probe_encode(&m, &ping);
	sign_example(&m, sizeof(m));
	assert_memory_equal(&m, want, sizeof(want));

	ack.type = VIGIL_MSG_ACK;
	ack.sender_id = HV2;
	ack.target_id = HV1;
	ack.incarnation = 2;
	ack.heartbeat = 200;
	assert_int_equal(unhex(ack_dump, want, sizeof(want)), VIGIL_PROBE_LEN);
	wire_probe_encode(&m, &ack);
	sign_example(&m, sizeof(m));
	assert_memory_equal(&m, want, sizeof(want));
}

/* ---- the agent's messages, laid out by hand from the tables of section 10 -- */

static void put16(uint8_t *p, uint16_t v)
{
	v = htons(v);
	memcpy(p, &v, 2);
}

static void put32(uint8_t *p, uint32_t v)
{
	v = htonl(v);
	memcpy(p, &v, 4);
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)(v >> 32));
	put32(p + 4, (uint32_t)v);
}

/* Section 5.1: the common header at p. */
static void put_hdr(uint8_t *p, uint8_t type, uint32_t cluster, uint32_t sender)
{
	memcpy(p, "VGIL", 4);
	p[4] = 2; /* the agent messages' version */
	p[5] = type;
	put16(p + 6, 0);
	put32(p + 8, cluster);
	put32(p + 12, sender);
}

static void sin4(struct sockaddr_storage *ss, socklen_t *len, const char *ip, uint16_t port)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof(*ss));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	assert_int_equal(inet_pton(AF_INET, ip, &sin->sin_addr), 1);
	*len = sizeof(*sin);
}

/* The example update of section 13.5: hv2 suspected by hv1. */
static void example_update(struct wire_update *u)
{
	memset(u, 0, sizeof(*u));
	u->node_id = HV2;
	u->incarnation = EXAMPLE_EPOCH << 32 | 2;
	u->state = VIGIL_ST_SUSPECT;
	u->role = VIGIL_ROLE_SERVER;
	u->from_id = HV1;
	sin4(&u->addr, &u->addrlen, "10.0.0.2", 7301);
	snprintf(u->name, sizeof(u->name), "hv2");
}

/* Section 10.2 at p. */
static void put_example_update(uint8_t *p)
{
	put32(p + 0, HV2);
	p[4] = VIGIL_ST_SUSPECT;
	p[5] = 0;
	p[6] = VIGIL_ROLE_SERVER;
	put64(p + 8, EXAMPLE_EPOCH << 32 | 2);
	put16(p + 16, 7301);
	p[30] = p[31] = 0xff; /* ::ffff:10.0.0.2 */
	p[32] = 10, p[33] = 0, p[34] = 0, p[35] = 2;
	put32(p + 36, HV1);
	memcpy(p + 40, "hv2", 3);
}

static void assert_update_equal(const struct wire_update *a, const struct wire_update *b)
{
	assert_int_equal(a->node_id, b->node_id);
	assert_int_equal(a->incarnation, b->incarnation);
	assert_int_equal(a->state, b->state);
	assert_int_equal(a->flags, b->flags);
	assert_int_equal(a->role, b->role);
	assert_int_equal(a->from_id, b->from_id);
	assert_int_equal(a->addrlen, b->addrlen);
	assert_memory_equal(&a->addr, &b->addr, a->addrlen);
	assert_string_equal(a->name, b->name);
}

static void test_gossip_layout(void **state)
{
	uint8_t want[136] = {0}, buf[VIGIL_MAX_MSG];
	struct wire_update u, back[VIGIL_GOSSIP_MAX_UPDATES];
	size_t len, n = 0;

	put_hdr(want, VIGIL_MSG_GOSSIP, AZ1, HV1);
	put16(want + 16, 1); /* count */
	put_example_update(want + 24);
	example_update(&u);
	memset(buf, 0xaa, sizeof(buf));
	len = wire_updates_encode(buf, sizeof(buf), VIGIL_MSG_GOSSIP, AZ1, HV1, &u, 1);
	assert_int_equal(len, 136); /* 24 + 104·n + 8 */
	assert_memory_equal(buf, want, len);
	assert_int_equal(wire_updates_decode(buf, len, back, VIGIL_GOSSIP_MAX_UPDATES, &n),
			 WIRE_OK);
	assert_int_equal(n, 1);
	assert_update_equal(&back[0], &u);
}

static void test_updates_ipv6_and_unspecified(void **state)
{
	struct wire_update u[2], back[2];
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&u[0].addr;
	uint8_t buf[VIGIL_MAX_MSG];
	size_t len, n;

	memset(u, 0, sizeof(u));
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(7999);
	assert_int_equal(inet_pton(AF_INET6, "fd00::17", &sin6->sin6_addr), 1);
	u[0].addrlen = sizeof(*sin6);
	u[0].node_id = 17;
	snprintf(u[0].name, sizeof(u[0].name), "v6-host");
	u[1].node_id = 18; /* a joiner that does not know its address: addrlen 0 */
	memset(u[1].name, 'x', sizeof(u[1].name) - 1); /* 63 characters: the longest name */
	len = wire_updates_encode(buf, sizeof(buf), VIGIL_MSG_JOIN, 1, 2, u, 2);
	assert_int_equal(len, 24 + 208 + 8);
	assert_int_equal(wire_updates_decode(buf, len, back, 2, &n), WIRE_OK);
	assert_int_equal(n, 2);
	assert_update_equal(&back[0], &u[0]);
	assert_int_equal(back[1].addrlen, 0);
	assert_int_equal(strlen(back[1].name), VIGIL_NAME_LEN - 1);
}

static void test_updates_refused(void **state)
{
	struct wire_update u[VIGIL_GOSSIP_MAX_UPDATES + 1], back[VIGIL_GOSSIP_MAX_UPDATES + 1];
	uint8_t buf[4096];
	size_t len, n;

	memset(u, 0, sizeof(u));
	/* A datagram holds at most 13 updates (section 10.3). */
	assert_int_equal(VIGIL_GOSSIP_MAX_UPDATES, 13);
	assert_int_equal(wire_updates_encode(buf, sizeof(buf), VIGIL_MSG_GOSSIP, 1, 2, u, 14), 0);
	len = wire_updates_encode(buf, sizeof(buf), VIGIL_MSG_GOSSIP, 1, 2, u, 13);
	assert_int_equal(len, 24 + 1352 + 8);
	assert_int_equal(wire_updates_encode(buf, len - 1, VIGIL_MSG_GOSSIP, 1, 2, u, 13), 0);
	assert_int_equal(wire_updates_decode(buf, len, back, 13, &n), WIRE_OK);
	assert_int_equal(wire_updates_decode(buf, len, back, 12, &n), WIRE_E_LENGTH);
	assert_int_equal(wire_updates_decode(buf, len - 1, back, 13, &n), WIRE_E_LENGTH);
	assert_int_equal(wire_updates_decode(buf, len + 1, back, 13, &n), WIRE_E_LENGTH);
	assert_int_equal(wire_updates_decode(buf, 31, back, 13, &n), WIRE_E_SHORT);
	/* A count of 14 with the bytes to match is still refused for GOSSIP. */
	put16(buf + 16, 14);
	assert_int_equal(wire_updates_decode(buf, len + 104, back, 14, &n), WIRE_E_LENGTH);
}

static void test_state_frame(void **state)
{
	const size_t count = 300;
	struct wire_update *u = calloc(count, sizeof(*u)), *back = NULL;
	struct vigil_keyring kr, other;
	uint8_t *frame = NULL;
	size_t framelen, n = 0;
	uint32_t zlen;

	assert_non_null(u);
	for (size_t i = 0; i < count; i++) {
		example_update(&u[i]);
		u[i].node_id = (uint32_t)i + 1;
		snprintf(u[i].name, sizeof(u[i].name), "compute-%zu", i);
	}
	example_keyring(&kr);
	assert_int_equal(wire_state_frame(u, count, AZ1, HV1, &kr, &frame, &framelen), 0);
	memcpy(&zlen, frame, 4);
	zlen = ntohl(zlen);
	assert_int_equal(framelen, 4 + zlen); /* big-endian length, then the zlib data */
	assert_int_equal(wire_state_unframe(frame + 4, zlen, AZ1, &kr, &back, &n), WIRE_OK);
	assert_int_equal(n, count);
	for (size_t i = 0; i < count; i++)
		assert_update_equal(&back[i], &u[i]);
	free(back);

	/* another key, another cluster, a corrupt stream: refused */
	other = kr;
	other.slot[0].k0 ^= 1;
	assert_int_equal(wire_state_unframe(frame + 4, zlen, AZ1, &other, &back, &n), WIRE_E_MAC);
	assert_null(back);
	assert_int_equal(wire_state_unframe(frame + 4, zlen, AZ1 + 1, &kr, &back, &n),
			 WIRE_E_CLUSTER);
	frame[4 + zlen / 2] ^= 0x55;
	assert_int_not_equal(wire_state_unframe(frame + 4, zlen, AZ1, &kr, &back, &n), WIRE_OK);
	assert_null(back);
	free(frame);
	free(u);
}

static void test_relay_layout(void **state)
{
	uint8_t want[56] = {0};
	struct wire_relay r = {.target_id = HV2, .req_seq = 7}, back;
	struct vigil_relay m;

	put_hdr(want, VIGIL_MSG_PING_REQ, AZ1, HV1);
	put32(want + 16, HV2);
	put32(want + 20, 7);
	want[34] = want[35] = 0xff;
	want[36] = 10, want[37] = 0, want[38] = 0, want[39] = 2;
	put16(want + 40, 7301);
	sin4(&r.target, &r.targetlen, "10.0.0.2", 7301);
	assert_int_equal(wire_relay_encode(&m, VIGIL_MSG_PING_REQ, AZ1, HV1, &r), 56);
	assert_memory_equal(&m, want, sizeof(want));
	assert_int_equal(wire_relay_decode(&m, sizeof(m), &back), WIRE_OK);
	assert_int_equal(back.target_id, HV2);
	assert_int_equal(back.req_seq, 7);
	assert_int_equal(back.targetlen, r.targetlen);
	assert_memory_equal(&back.target, &r.target, r.targetlen);
	assert_int_equal(wire_relay_decode(&m, sizeof(m) - 1, &back), WIRE_E_LENGTH);

	r.acked = 1;
	r.targetlen = 0;
	wire_relay_encode(&m, VIGIL_MSG_RELAY_ANS, AZ1, HV3, &r);
	assert_int_equal(((uint8_t *)&m)[5], VIGIL_MSG_RELAY_ANS);
	assert_int_equal(((uint8_t *)&m)[42], 1); /* acked */
	assert_int_equal(wire_relay_decode(&m, sizeof(m), &back), WIRE_OK);
	assert_int_equal(back.acked, 1);
}

static void test_report_layout(void **state)
{
	uint8_t want[180] = {0}, buf[VIGIL_MAX_MSG];
	struct wire_report r = {.epoch = EXAMPLE_EPOCH, .seq = 42, .n = 1, .ids = {HV2}}, back;
	size_t len;

	put_hdr(want, VIGIL_MSG_REPORT, AZ1, HV1);
	memcpy(want + 16, "hv1", 3);
	memcpy(want + 80, "compute-1", 9);
	put16(want + 144, 1);
	put64(want + 152, EXAMPLE_EPOCH);
	put64(want + 160, 42);
	put32(want + 168, HV2);
	snprintf(r.name, sizeof(r.name), "hv1");
	snprintf(r.hostname, sizeof(r.hostname), "compute-1");
	len = wire_report_encode(buf, sizeof(buf), AZ1, HV1, &r);
	assert_int_equal(len, 180); /* 176 + 4·n */
	assert_memory_equal(buf, want, len);
	assert_int_equal(wire_report_decode(buf, len, &back), WIRE_OK);
	assert_string_equal(back.name, "hv1");
	assert_string_equal(back.hostname, "compute-1");
	assert_int_equal(back.epoch, EXAMPLE_EPOCH);
	assert_int_equal(back.seq, 42);
	assert_int_equal(back.n, 1);
	assert_int_equal(back.ids[0], HV2);
	assert_int_equal(wire_report_decode(buf, len - 1, &back), WIRE_E_LENGTH);
	assert_int_equal(wire_report_decode(buf, 170, &back), WIRE_E_SHORT);
}

static void test_report_limits(void **state)
{
	struct wire_report *r = calloc(1, sizeof(*r)), *back = calloc(1, sizeof(*back));
	uint8_t buf[2048];
	size_t len;

	assert_non_null(r);
	assert_non_null(back);
	/* 1400 bytes hold 306 ids (section 10.5). */
	assert_int_equal(VIGIL_REPORT_MAX_IDS, 306);
	r->n = VIGIL_REPORT_MAX_IDS;
	for (size_t i = 0; i < r->n; i++)
		r->ids[i] = (uint32_t)(i * 7919 + 1);
	len = wire_report_encode(buf, sizeof(buf), 1, 2, r);
	assert_int_equal(len, 168 + 4 * 306 + 8);
	assert_int_equal(wire_report_decode(buf, len, back), WIRE_OK);
	assert_memory_equal(back->ids, r->ids, r->n * sizeof(r->ids[0]));
	r->n++;
	assert_int_equal(wire_report_encode(buf, sizeof(buf), 1, 2, r), 0);
	/* a count of 307 with the bytes to match is refused too */
	put16(buf + 144, 307);
	assert_int_equal(wire_report_decode(buf, len + 4, back), WIRE_E_LENGTH);
	free(r);
	free(back);
}

static void test_maint_layout(void **state)
{
	uint8_t want[112] = {0}, buf[VIGIL_MAINT_LEN(VIGIL_REASON_MAX) + 1];
	struct wire_maint w = {.type = VIGIL_MSG_MAINT, .on = 1, .epoch = EXAMPLE_EPOCH, .seq = 43},
			  back;

	put_hdr(want, VIGIL_MSG_MAINT, AZ1, HV1);
	memcpy(want + 16, "compute-2", 9);
	want[80] = 1;
	put64(want + 88, EXAMPLE_EPOCH);
	put64(want + 96, 43);
	snprintf(w.host, sizeof(w.host), "compute-2");
	/* without a reason: the 112 bytes senders before the reason sent */
	assert_int_equal(wire_maint_encode(buf, sizeof(buf), AZ1, HV1, &w), 112);
	assert_memory_equal(buf, want, 104);
	assert_int_equal(wire_maint_decode(buf, 112, &back), WIRE_OK);
	assert_int_equal(back.type, VIGIL_MSG_MAINT);
	assert_string_equal(back.host, "compute-2");
	assert_int_equal(back.on, 1);
	assert_int_equal(back.epoch, EXAMPLE_EPOCH);
	assert_int_equal(back.seq, 43);
	assert_string_equal(back.reason, "");
	assert_int_equal(wire_maint_decode(buf, 113, &back), WIRE_E_LENGTH);
	assert_int_equal(wire_maint_decode(buf, 111, &back), WIRE_E_SHORT);
	assert_int_equal(wire_maint_encode(buf, 111, AZ1, HV1, &w), 0); /* does not fit */

	/* A host field without its NUL on the wire decodes cut, terminated. */
	memset(buf + 16, 'h', VIGIL_NAME_LEN);
	assert_int_equal(wire_maint_decode(buf, 112, &back), WIRE_OK);
	assert_int_equal(strlen(back.host), VIGIL_NAME_LEN - 1);
}

/* A FORGET with a reason: reason_len at byte 81, the reason after seq, the
 * MAC after it; what does not fit its type is refused. */
static void test_forget_layout(void **state)
{
	static const char reason[] = "RMA 4711: board dead";
	uint8_t buf[VIGIL_MAINT_LEN(VIGIL_REASON_MAX) + 8];
	struct wire_maint w = {.type = VIGIL_MSG_FORGET, .epoch = EXAMPLE_EPOCH, .seq = 44}, back;
	size_t len, rl = sizeof(reason) - 1;

	snprintf(w.host, sizeof(w.host), "compute-4");
	snprintf(w.reason, sizeof(w.reason), "%s", reason);
	len = wire_maint_encode(buf, sizeof(buf), AZ1, HV1, &w);
	assert_int_equal(len, 104 + rl + 8);
	assert_int_equal(buf[5], VIGIL_MSG_FORGET);
	assert_int_equal(buf[80], 0);
	assert_int_equal(buf[81], rl);
	assert_memory_equal(buf + 104, reason, rl);
	assert_int_equal(wire_maint_decode(buf, len, &back), WIRE_OK);
	assert_int_equal(back.type, VIGIL_MSG_FORGET);
	assert_string_equal(back.host, "compute-4");
	assert_string_equal(back.reason, reason);
	assert_int_equal(back.seq, 44);
	/* its length must be the one reason_len implies */
	assert_int_equal(wire_maint_decode(buf, len - 1, &back), WIRE_E_LENGTH);
	assert_int_equal(wire_maint_decode(buf, len + 1, &back), WIRE_E_LENGTH);
	/* a NUL or a control character inside the reason */
	buf[104 + 3] = 0;
	assert_int_equal(wire_maint_decode(buf, len, &back), WIRE_E_NAME);
	buf[104 + 3] = '\n';
	assert_int_equal(wire_maint_decode(buf, len, &back), WIRE_E_NAME);
	buf[104 + 3] = ' ';
	/* a FORGET with on set, an on of 2, a reason_len past the limit */
	buf[80] = 1;
	assert_int_equal(wire_maint_decode(buf, len, &back), WIRE_E_VALUE);
	buf[80] = 0;
	buf[5] = VIGIL_MSG_MAINT;
	buf[80] = 2;
	assert_int_equal(wire_maint_decode(buf, len, &back), WIRE_E_VALUE);
	buf[80] = 0;
	buf[81] = VIGIL_REASON_MAX + 1;
	assert_int_equal(wire_maint_decode(buf, VIGIL_MAINT_LEN(VIGIL_REASON_MAX + 1), &back),
			 WIRE_E_LENGTH);
	/* another type's bytes */
	buf[81] = (uint8_t)rl;
	buf[5] = VIGIL_MSG_REPORT;
	assert_int_equal(wire_maint_decode(buf, len, &back), WIRE_E_VALUE);
	/* what the encoder will not write */
	w.on = 1;
	assert_int_equal(wire_maint_encode(buf, sizeof(buf), AZ1, HV1, &w), 0);
	w.on = 0;
	w.type = VIGIL_MSG_REPORT;
	assert_int_equal(wire_maint_encode(buf, sizeof(buf), AZ1, HV1, &w), 0);
	w.type = VIGIL_MSG_FORGET;
	memset(w.reason, 'r', VIGIL_REASON_MAX);
	w.reason[VIGIL_REASON_MAX] = '\0';
	assert_int_equal(wire_maint_encode(buf, sizeof(buf), AZ1, HV1, &w),
			 VIGIL_MAINT_LEN(VIGIL_REASON_MAX));
	assert_int_equal(VIGIL_MAINT_LEN(VIGIL_REASON_MAX), 312); /* well within 1400 */
}

static void test_answer_layout(void **state)
{
	uint8_t want[112] = {0};
	struct wire_answer a = {.request = VIGIL_MSG_FORGET,
				.result = VIGIL_ANS_PENDING,
				.state = VIGIL_HOST_FAILED,
				.flags = VIGIL_ANSF_VOTER,
				.epoch = EXAMPLE_EPOCH,
				.seq = 44},
			   back;
	struct vigil_answer m;

	put_hdr(want, VIGIL_MSG_ANSWER, AZ1, HV2);
	memcpy(want + 16, "compute-4", 9);
	want[80] = VIGIL_MSG_FORGET;
	want[82] = VIGIL_ANS_PENDING;
	want[83] = VIGIL_HOST_FAILED;
	want[84] = VIGIL_ANSF_VOTER;
	put64(want + 88, EXAMPLE_EPOCH);
	put64(want + 96, 44);
	snprintf(a.host, sizeof(a.host), "compute-4");
	assert_int_equal(wire_answer_encode(&m, AZ1, HV2, &a), 112);
	assert_memory_equal(&m, want, 104);
	assert_int_equal(wire_answer_decode(&m, sizeof(m), &back), WIRE_OK);
	assert_int_equal(back.request, VIGIL_MSG_FORGET);
	assert_int_equal(back.result, VIGIL_ANS_PENDING);
	assert_int_equal(back.state, VIGIL_HOST_FAILED);
	assert_int_equal(back.flags, VIGIL_ANSF_VOTER);
	assert_int_equal(back.seq, 44);
	assert_string_equal(back.host, "compute-4");
	assert_int_equal(wire_answer_decode(&m, sizeof(m) - 1, &back), WIRE_E_LENGTH);
	/* a field out of its range: the request's type, the result, the state */
	m.request = VIGIL_MSG_REPORT;
	assert_int_equal(wire_answer_decode(&m, sizeof(m), &back), WIRE_E_VALUE);
	m.request = VIGIL_MSG_MAINT;
	m.result = VIGIL_ANS_UNDECIDED + 1;
	assert_int_equal(wire_answer_decode(&m, sizeof(m), &back), WIRE_E_VALUE);
	m.result = VIGIL_ANS_APPLIED;
	m.state = VIGIL_HOST_NONE + 1;
	assert_int_equal(wire_answer_decode(&m, sizeof(m), &back), WIRE_E_VALUE);
	m.state = VIGIL_HOST_NONE;
	m.host[0] = '\x01';
	assert_int_equal(wire_answer_decode(&m, sizeof(m), &back), WIRE_E_NAME);
}

/* Section 13.5: the same messages signed, as protocol.md prints them. */
static void check_dump(const char *dump, const void *msg, size_t len)
{
	struct vigil_keyring kr;
	uint8_t want[256], buf[256];

	assert_true(len <= sizeof(buf));
	memcpy(buf, msg, len);
	sign_example(buf, len);
	assert_int_equal(unhex(dump, want, sizeof(want)), len);
	assert_memory_equal(buf, want, len);
	example_keyring(&kr);
	assert_int_equal(wire_verify(buf, len, AZ1, &kr, NULL), WIRE_OK);
}

static void test_example_agent_messages(void **state)
{
	static const char gossip_dump[] = "0000  56 47 49 4c 02 05 00 00 b1 2a 9e 75 a8 18 64 21\n"
					  "0010  00 01 00 00 00 00 00 00 38 30 53 e3 01 00 01 00\n"
					  "0020  69 2c da 80 00 00 00 02 1c 85 00 00 00 00 00 00\n"
					  "0030  00 00 00 00 00 00 ff ff 0a 00 00 02 a8 18 64 21\n"
					  "0040  68 76 32 00 00 00 00 00 00 00 00 00 00 00 00 00\n"
					  "0050  00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00\n"
					  "0060  00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00\n"
					  "0070  00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00\n"
					  "0080  11 f9 93 55 a9 ec 71 af\n";
	static const char ping_req_dump[] =
		"0000  56 47 49 4c 02 03 00 00 b1 2a 9e 75 a8 18 64 21\n"
		"0010  38 30 53 e3 00 00 00 07 00 00 00 00 00 00 00 00\n"
		"0020  00 00 ff ff 0a 00 00 02 1c 85 00 00 00 00 00 00\n"
		"0030  82 1b 5e af 59 da cb c8\n";
	static const char report_dump[] = "0000  56 47 49 4c 02 08 00 00 b1 2a 9e 75 a8 18 64 21\n"
					  "0010  68 76 31 00 00 00 00 00 00 00 00 00 00 00 00 00\n"
					  "0020  00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00\n"
					  "0030  00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00\n"
					  "0040  00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00\n"
					  "0050  63 6f 6d 70 75 74 65 2d 31 00 00 00 00 00 00 00\n"
					  "0060  00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00\n"
					  "0070  00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00\n"
					  "0080  00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00\n"
					  "0090  00 01 00 00 00 00 00 00 00 00 00 00 69 2c da 80\n"
					  "00a0  00 00 00 00 00 00 00 2a 38 30 53 e3 43 46 e8 d9\n"
					  "00b0  78 3c c2 6d\n";
	static const char maint_dump[] = "0000  56 47 49 4c 02 09 00 00 b1 2a 9e 75 a8 18 64 21\n"
					 "0010  63 6f 6d 70 75 74 65 2d 32 00 00 00 00 00 00 00\n"
					 "0020  00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00\n"
					 "0030  00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00\n"
					 "0040  00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00\n"
					 "0050  01 00 00 00 00 00 00 00 00 00 00 00 69 2c da 80\n"
					 "0060  00 00 00 00 00 00 00 2b 4a 04 26 6a cc 63 0d 2e\n";
	struct wire_report rep = {.epoch = EXAMPLE_EPOCH, .seq = 42, .n = 1, .ids = {HV2}};
	struct wire_maint w = {.type = VIGIL_MSG_MAINT, .on = 1, .epoch = EXAMPLE_EPOCH, .seq = 43};
	struct wire_relay r = {.target_id = HV2, .req_seq = 7};
	uint8_t buf[VIGIL_MAX_MSG];
	struct vigil_relay rm;
	struct wire_update u;

	example_update(&u);
	check_dump(gossip_dump, buf,
		   wire_updates_encode(buf, sizeof(buf), VIGIL_MSG_GOSSIP, AZ1, HV1, &u, 1));
	sin4(&r.target, &r.targetlen, "10.0.0.2", 7301);
	check_dump(ping_req_dump, &rm, wire_relay_encode(&rm, VIGIL_MSG_PING_REQ, AZ1, HV1, &r));
	snprintf(rep.name, sizeof(rep.name), "hv1");
	snprintf(rep.hostname, sizeof(rep.hostname), "compute-1");
	check_dump(report_dump, buf, wire_report_encode(buf, sizeof(buf), AZ1, HV1, &rep));
	snprintf(w.host, sizeof(w.host), "compute-2");
	check_dump(maint_dump, buf, wire_maint_encode(buf, sizeof(buf), AZ1, HV1, &w));
}

/* Every byte of a large message is under the MAC: a STATE of 40 members is
 * 4 KiB, and a change to the 30th member's record must be refused (it was
 * not covered beyond 2 KiB once). */
static void test_mac_covers_large_messages(void **state)
{
	const size_t count = 40;
	struct wire_update u[40], *back = NULL;
	struct vigil_keyring kr;
	uint8_t *buf = malloc(VIGIL_MAX_STATE_MSG), *frame = NULL;
	size_t len, n, framelen;
	uLongf zlen = VIGIL_MAX_STATE_MSG;

	assert_non_null(buf);
	example_keyring(&kr);
	for (size_t i = 0; i < count; i++) {
		example_update(&u[i]);
		u[i].node_id = (uint32_t)i + 1;
	}
	len = wire_updates_encode(buf, VIGIL_MAX_STATE_MSG, VIGIL_MSG_STATE, AZ1, HV1, u, count);
	assert_true(len > 4000);
	sign_example(buf, len);
	assert_int_equal(wire_verify(buf, len, AZ1, &kr, NULL), WIRE_OK);
	/* the 30th record's state byte: DEAD instead of SUSPECT */
	buf[24 + 29 * sizeof(struct vigil_update) + 4] = VIGIL_ST_DEAD;
	assert_int_equal(wire_verify(buf, len, AZ1, &kr, NULL), WIRE_E_MAC);
	/* the same through a push-pull frame, recompressed by the forger */
	assert_int_equal(wire_state_frame(u, count, AZ1, HV1, &kr, &frame, &framelen), 0);
	assert_int_equal(uncompress(buf, &zlen, frame + 4, framelen - 4), Z_OK);
	buf[24 + 29 * sizeof(struct vigil_update) + 4] = VIGIL_ST_DEAD;
	zlen = compressBound(zlen);
	free(frame);
	frame = malloc(zlen);
	assert_int_equal(compress(frame, &zlen, buf, len), Z_OK);
	assert_int_equal(wire_state_unframe(frame, zlen, AZ1, &kr, &back, &n), WIRE_E_MAC);
	assert_null(back);
	free(frame);
	free(buf);
}

/* Names go into JSON, logs and Masakari's API: one that is not UTF-8, or
 * holds a control character, is refused by every decoder (one such REPORT
 * once stopped every verdict while it was current). */
static void test_names_must_be_clean(void **state)
{
	static const char *const bad[] = {"\xff\xfe",
					  "host\nname",
					  "a\x01",
					  "tab\tbed",
					  "del\x7f",
					  "\xc0\xaf" /* overlong "/" */,
					  "\xed\xa0\x80" /* surrogate */,
					  "\xc2\x85" /* NEL */};
	static const char *const good[] = {"compute-1", "höst-ü", "계산-7", "x"};
	struct wire_report r = {.epoch = 1, .seq = 1}, back;
	struct wire_maint w = {.type = VIGIL_MSG_MAINT, .on = 1, .epoch = 1, .seq = 1}, mback;
	struct wire_update u, ub[1];
	uint8_t buf[VIGIL_MAX_MSG];
	size_t len, n;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_true(wire_name_valid(good[i]));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_false(wire_name_valid(bad[i]));
		snprintf(r.name, sizeof(r.name), "hv1");
		snprintf(r.hostname, sizeof(r.hostname), "%s", bad[i]);
		len = wire_report_encode(buf, sizeof(buf), 1, 2, &r);
		assert_int_equal(wire_report_decode(buf, len, &back), WIRE_E_NAME);
		snprintf(w.host, sizeof(w.host), "%s", bad[i]);
		len = wire_maint_encode(buf, sizeof(buf), 1, 2, &w);
		assert_int_equal(wire_maint_decode(buf, len, &mback), WIRE_E_NAME);
		/* ... and as a reason */
		snprintf(w.host, sizeof(w.host), "hv1");
		snprintf(w.reason, sizeof(w.reason), "%s", bad[i]);
		len = wire_maint_encode(buf, sizeof(buf), 1, 2, &w);
		assert_int_equal(wire_maint_decode(buf, len, &mback), WIRE_E_NAME);
		w.reason[0] = '\0';
		example_update(&u);
		snprintf(u.name, sizeof(u.name), "%s", bad[i]);
		len = wire_updates_encode(buf, sizeof(buf), VIGIL_MSG_GOSSIP, 1, 2, &u, 1);
		assert_int_equal(wire_updates_decode(buf, len, ub, 1, &n), WIRE_E_NAME);
	}
}

static void test_hdr_init(void **state)
{
	struct vigil_hdr h;

	memset(&h, 0xaa, sizeof(h));
	wire_hdr_init(&h, VIGIL_MSG_MAINT, 0x01020304, 0x05060708);
	assert_memory_equal(&h, "VGIL\x02\x09\x00\x00\x01\x02\x03\x04\x05\x06\x07\x08", 16);
	assert_int_equal(wire_type(&h, sizeof(h)), VIGIL_MSG_MAINT);
	assert_int_equal(wire_type(&h, sizeof(h) - 1), 0);
	assert_int_equal(wire_sender(&h), 0x05060708);
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
		cmocka_unit_test(test_example_ids),
		cmocka_unit_test(test_example_ping_ack),
		cmocka_unit_test(test_hdr_init),
		cmocka_unit_test(test_gossip_layout),
		cmocka_unit_test(test_updates_ipv6_and_unspecified),
		cmocka_unit_test(test_updates_refused),
		cmocka_unit_test(test_state_frame),
		cmocka_unit_test(test_relay_layout),
		cmocka_unit_test(test_report_layout),
		cmocka_unit_test(test_report_limits),
		cmocka_unit_test(test_maint_layout),
		cmocka_unit_test(test_forget_layout),
		cmocka_unit_test(test_answer_layout),
		cmocka_unit_test(test_example_agent_messages),
		cmocka_unit_test(test_mac_covers_large_messages),
		cmocka_unit_test(test_names_must_be_clean),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
