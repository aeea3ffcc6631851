// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_siphash.c - vigil_siphash24() against the SipHash-2-4 reference test
 * vectors, and wire_sign()/wire_verify() on whole messages.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <arpa/inet.h>
#include <cmocka.h>

#include "wire.h"
#include "vigil_abi.h"
#include "vigil_siphash.h"

/*
 * vectors_sip64 of the reference implementation (vectors.h): SipHash-2-4 with
 * key = 00 01 .. 0f of the message 00 01 .. (n - 1), n = 0..63, the 64-bit
 * output as little-endian bytes.
 */
static const uint8_t vectors_sip64[64][8] = {
	{0x31, 0x0e, 0x0e, 0xdd, 0x47, 0xdb, 0x6f, 0x72}, /* 0 */
	{0xfd, 0x67, 0xdc, 0x93, 0xc5, 0x39, 0xf8, 0x74}, /* 1 */
	{0x5a, 0x4f, 0xa9, 0xd9, 0x09, 0x80, 0x6c, 0x0d}, /* 2 */
	{0x2d, 0x7e, 0xfb, 0xd7, 0x96, 0x66, 0x67, 0x85}, /* 3 */
	{0xb7, 0x87, 0x71, 0x27, 0xe0, 0x94, 0x27, 0xcf}, /* 4 */
	{0x8d, 0xa6, 0x99, 0xcd, 0x64, 0x55, 0x76, 0x18}, /* 5 */
	{0xce, 0xe3, 0xfe, 0x58, 0x6e, 0x46, 0xc9, 0xcb}, /* 6 */
	{0x37, 0xd1, 0x01, 0x8b, 0xf5, 0x00, 0x02, 0xab}, /* 7 */
	{0x62, 0x24, 0x93, 0x9a, 0x79, 0xf5, 0xf5, 0x93}, /* 8 */
	{0xb0, 0xe4, 0xa9, 0x0b, 0xdf, 0x82, 0x00, 0x9e}, /* 9 */
	{0xf3, 0xb9, 0xdd, 0x94, 0xc5, 0xbb, 0x5d, 0x7a}, /* 10 */
	{0xa7, 0xad, 0x6b, 0x22, 0x46, 0x2f, 0xb3, 0xf4}, /* 11 */
	{0xfb, 0xe5, 0x0e, 0x86, 0xbc, 0x8f, 0x1e, 0x75}, /* 12 */
	{0x90, 0x3d, 0x84, 0xc0, 0x27, 0x56, 0xea, 0x14}, /* 13 */
	{0xee, 0xf2, 0x7a, 0x8e, 0x90, 0xca, 0x23, 0xf7}, /* 14 */
	{0xe5, 0x45, 0xbe, 0x49, 0x61, 0xca, 0x29, 0xa1}, /* 15 */
	{0xdb, 0x9b, 0xc2, 0x57, 0x7f, 0xcc, 0x2a, 0x3f}, /* 16 */
	{0x94, 0x47, 0xbe, 0x2c, 0xf5, 0xe9, 0x9a, 0x69}, /* 17 */
	{0x9c, 0xd3, 0x8d, 0x96, 0xf0, 0xb3, 0xc1, 0x4b}, /* 18 */
	{0xbd, 0x61, 0x79, 0xa7, 0x1d, 0xc9, 0x6d, 0xbb}, /* 19 */
	{0x98, 0xee, 0xa2, 0x1a, 0xf2, 0x5c, 0xd6, 0xbe}, /* 20 */
	{0xc7, 0x67, 0x3b, 0x2e, 0xb0, 0xcb, 0xf2, 0xd0}, /* 21 */
	{0x88, 0x3e, 0xa3, 0xe3, 0x95, 0x67, 0x53, 0x93}, /* 22 */
	{0xc8, 0xce, 0x5c, 0xcd, 0x8c, 0x03, 0x0c, 0xa8}, /* 23 */
	{0x94, 0xaf, 0x49, 0xf6, 0xc6, 0x50, 0xad, 0xb8}, /* 24 */
	{0xea, 0xb8, 0x85, 0x8a, 0xde, 0x92, 0xe1, 0xbc}, /* 25 */
	{0xf3, 0x15, 0xbb, 0x5b, 0xb8, 0x35, 0xd8, 0x17}, /* 26 */
	{0xad, 0xcf, 0x6b, 0x07, 0x63, 0x61, 0x2e, 0x2f}, /* 27 */
	{0xa5, 0xc9, 0x1d, 0xa7, 0xac, 0xaa, 0x4d, 0xde}, /* 28 */
	{0x71, 0x65, 0x95, 0x87, 0x66, 0x50, 0xa2, 0xa6}, /* 29 */
	{0x28, 0xef, 0x49, 0x5c, 0x53, 0xa3, 0x87, 0xad}, /* 30 */
	{0x42, 0xc3, 0x41, 0xd8, 0xfa, 0x92, 0xd8, 0x32}, /* 31 */
	{0xce, 0x7c, 0xf2, 0x72, 0x2f, 0x51, 0x27, 0x71}, /* 32 */
	{0xe3, 0x78, 0x59, 0xf9, 0x46, 0x23, 0xf3, 0xa7}, /* 33 */
	{0x38, 0x12, 0x05, 0xbb, 0x1a, 0xb0, 0xe0, 0x12}, /* 34 */
	{0xae, 0x97, 0xa1, 0x0f, 0xd4, 0x34, 0xe0, 0x15}, /* 35 */
	{0xb4, 0xa3, 0x15, 0x08, 0xbe, 0xff, 0x4d, 0x31}, /* 36 */
	{0x81, 0x39, 0x62, 0x29, 0xf0, 0x90, 0x79, 0x02}, /* 37 */
	{0x4d, 0x0c, 0xf4, 0x9e, 0xe5, 0xd4, 0xdc, 0xca}, /* 38 */
	{0x5c, 0x73, 0x33, 0x6a, 0x76, 0xd8, 0xbf, 0x9a}, /* 39 */
	{0xd0, 0xa7, 0x04, 0x53, 0x6b, 0xa9, 0x3e, 0x0e}, /* 40 */
	{0x92, 0x59, 0x58, 0xfc, 0xd6, 0x42, 0x0c, 0xad}, /* 41 */
	{0xa9, 0x15, 0xc2, 0x9b, 0xc8, 0x06, 0x73, 0x18}, /* 42 */
	{0x95, 0x2b, 0x79, 0xf3, 0xbc, 0x0a, 0xa6, 0xd4}, /* 43 */
	{0xf2, 0x1d, 0xf2, 0xe4, 0x1d, 0x45, 0x35, 0xf9}, /* 44 */
	{0x87, 0x57, 0x75, 0x19, 0x04, 0x8f, 0x53, 0xa9}, /* 45 */
	{0x10, 0xa5, 0x6c, 0xf5, 0xdf, 0xcd, 0x9a, 0xdb}, /* 46 */
	{0xeb, 0x75, 0x09, 0x5c, 0xcd, 0x98, 0x6c, 0xd0}, /* 47 */
	{0x51, 0xa9, 0xcb, 0x9e, 0xcb, 0xa3, 0x12, 0xe6}, /* 48 */
	{0x96, 0xaf, 0xad, 0xfc, 0x2c, 0xe6, 0x66, 0xc7}, /* 49 */
	{0x72, 0xfe, 0x52, 0x97, 0x5a, 0x43, 0x64, 0xee}, /* 50 */
	{0x5a, 0x16, 0x45, 0xb2, 0x76, 0xd5, 0x92, 0xa1}, /* 51 */
	{0xb2, 0x74, 0xcb, 0x8e, 0xbf, 0x87, 0x87, 0x0a}, /* 52 */
	{0x6f, 0x9b, 0xb4, 0x20, 0x3d, 0xe7, 0xb3, 0x81}, /* 53 */
	{0xea, 0xec, 0xb2, 0xa3, 0x0b, 0x22, 0xa8, 0x7f}, /* 54 */
	{0x99, 0x24, 0xa4, 0x3c, 0xc1, 0x31, 0x57, 0x24}, /* 55 */
	{0xbd, 0x83, 0x8d, 0x3a, 0xaf, 0xbf, 0x8d, 0xb7}, /* 56 */
	{0x0b, 0x1a, 0x2a, 0x32, 0x65, 0xd5, 0x1a, 0xea}, /* 57 */
	{0x13, 0x50, 0x79, 0xa3, 0x23, 0x1c, 0xe6, 0x60}, /* 58 */
	{0x93, 0x2b, 0x28, 0x46, 0xe4, 0xd7, 0x06, 0x66}, /* 59 */
	{0xe1, 0x91, 0x5f, 0x5c, 0xb1, 0xec, 0xa4, 0x6c}, /* 60 */
	{0xf3, 0x25, 0x96, 0x5c, 0xa1, 0x6d, 0x62, 0x9f}, /* 61 */
	{0x57, 0x5f, 0xf2, 0x8e, 0x60, 0x38, 0x1b, 0xe5}, /* 62 */
	{0x72, 0x45, 0x06, 0xeb, 0x4c, 0x32, 0x8a, 0x95}, /* 63 */
};

static void ref_key(uint64_t *k0, uint64_t *k1)
{
	uint8_t key[VIGIL_KEY_LEN];

	for (int i = 0; i < VIGIL_KEY_LEN; i++)
		key[i] = (uint8_t)i;
	wire_key_split(key, k0, k1);
}

static void test_reference_vectors(void **state)
{
	uint8_t msg[64], out[8];
	uint64_t k0, k1;
	int bad = 0;

	ref_key(&k0, &k1);
	for (int i = 0; i < 64; i++)
		msg[i] = (uint8_t)i;
	for (int n = 0; n < 64; n++) {
		vigil_store_le64(out, vigil_siphash24(msg, (__u32)n, k0, k1));
		if (memcmp(out, vectors_sip64[n], sizeof(out))) {
			print_error("vector %d: got %02x%02x%02x%02x%02x%02x%02x%02x\n", n, out[0],
				    out[1], out[2], out[3], out[4], out[5], out[6], out[7]);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

/* The same vectors through the 64-bit value: the first vector is the value
 * 0x726fdb47dd0e0e31 (bytes 31 0e 0e dd 47 db 6f 72). */
static void test_reference_vector_as_u64(void **state)
{
	uint64_t k0, k1;

	ref_key(&k0, &k1);
	assert_int_equal(k0, 0x0706050403020100ULL);
	assert_int_equal(k1, 0x0f0e0d0c0b0a0908ULL);
	assert_int_equal(vigil_siphash24("", 0, k0, k1), 0x726fdb47dd0e0e31ULL);
}

/* The agent hashes messages at any address: an unaligned copy hashes the same. */
static void test_unaligned_input(void **state)
{
	uint8_t buf[64 + 8], out[8];
	uint64_t k0, k1;

	ref_key(&k0, &k1);
	for (int off = 1; off < 8; off++) {
		for (int i = 0; i < 64; i++)
			buf[off + i] = (uint8_t)i;
		for (int n = 0; n < 64; n++) {
			vigil_store_le64(out, vigil_siphash24(buf + off, (__u32)n, k0, k1));
			assert_memory_equal(out, vectors_sip64[n], sizeof(out));
		}
	}
}

/* ---- wire_sign / wire_verify ------------------------------------------- */

#define CLUSTER 0x0a0b0c0dU

static const uint8_t key_a[VIGIL_KEY_LEN] = {0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
					     0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f};
static const uint8_t key_b[VIGIL_KEY_LEN] = {0xf0, 0xe1, 0xd2, 0xc3, 0xb4, 0xa5, 0x96, 0x87,
					     0x78, 0x69, 0x5a, 0x4b, 0x3c, 0x2d, 0x1e, 0x0f};
static const uint8_t key_c[VIGIL_KEY_LEN] = {0xde, 0xad, 0xbe, 0xef};

static void keyring(struct vigil_keyring *kr, const uint8_t *k_slot0, const uint8_t *k_slot1)
{
	memset(kr, 0, sizeof(*kr));
	if (k_slot0) {
		wire_key_split(k_slot0, &kr->slot[0].k0, &kr->slot[0].k1);
		kr->slot[0].valid = 1;
	}
	if (k_slot1) {
		wire_key_split(k_slot1, &kr->slot[1].k0, &kr->slot[1].k1);
		kr->slot[1].valid = 1;
	}
}

static void make_ping(struct vigil_probe *m, uint8_t type)
{
	struct probe_fields f = {
		.type = type,
		.flags = 0,
		.cluster_id = CLUSTER,
		.sender_id = 0x11111111,
		.target_id = 0x22222222,
		.seq = 42,
		.send_ns = 123456789012345ULL,
		.incarnation = 3,
		.chan = 0,
		.heartbeat = 99,
		.origin_id = 0,
	};

	wire_probe_encode(m, &f);
}

static void sign_with(void *msg, size_t len, const uint8_t *key)
{
	uint64_t k0, k1;

	wire_key_split(key, &k0, &k1);
	wire_sign(msg, len, k0, k1);
}

static void test_sign_then_verify(void **state)
{
	struct vigil_keyring kr;
	struct vigil_probe m;
	uint8_t zero[VIGIL_MAC_LEN] = {0};
	uint64_t k0, k1;
	int slot = -1;

	keyring(&kr, key_a, NULL);
	make_ping(&m, VIGIL_MSG_PING);
	sign_with(&m, sizeof(m), key_a);
	/* The MAC is SipHash-2-4 of bytes 0..55, little-endian, in bytes 56..63. */
	wire_key_split(key_a, &k0, &k1);
	assert_int_equal(vigil_load_le64(m.mac), vigil_siphash24(&m, VIGIL_PROBE_MAC_OFF, k0, k1));
	assert_memory_not_equal(m.mac, zero, sizeof(zero));
	assert_int_equal(wire_verify(&m, sizeof(m), CLUSTER, &kr, &slot), WIRE_OK);
	assert_int_equal(slot, 0);
	/* slot may be NULL */
	assert_int_equal(wire_verify(&m, sizeof(m), CLUSTER, &kr, NULL), WIRE_OK);

	/* ACK has the same layout and rules */
	make_ping(&m, VIGIL_MSG_ACK);
	sign_with(&m, sizeof(m), key_a);
	assert_int_equal(wire_verify(&m, sizeof(m), CLUSTER, &kr, &slot), WIRE_OK);
}

static void test_flipped_byte_fails_mac(void **state)
{
	struct vigil_keyring kr;
	struct vigil_probe m;
	uint8_t *p = (uint8_t *)&m;

	keyring(&kr, key_a, NULL);
	make_ping(&m, VIGIL_MSG_PING);
	sign_with(&m, sizeof(m), key_a);
	/* Every bit after the header's cluster id, the MAC included, is covered. */
	for (size_t off = offsetof(struct vigil_hdr, sender_id); off < sizeof(m); off++) {
		for (int bit = 0; bit < 8; bit++) {
			int slot = -1;

			p[off] ^= (uint8_t)(1u << bit);
			assert_int_equal(wire_verify(&m, sizeof(m), CLUSTER, &kr, &slot),
					 WIRE_E_MAC);
			assert_int_equal(slot, -1);
			p[off] ^= (uint8_t)(1u << bit);
		}
	}
	/* flags are covered too */
	m.hdr.flags ^= htons(VIGIL_F_RELAYED);
	assert_int_equal(wire_verify(&m, sizeof(m), CLUSTER, &kr, NULL), WIRE_E_MAC);
	m.hdr.flags ^= htons(VIGIL_F_RELAYED);
	assert_int_equal(wire_verify(&m, sizeof(m), CLUSTER, &kr, NULL), WIRE_OK);
}

static void test_second_key_slot(void **state)
{
	struct vigil_keyring kr;
	struct vigil_probe m;
	int slot = -1;

	/* slot 0 = key_a (signs), slot 1 = key_b (accepted during rotation) */
	keyring(&kr, key_a, key_b);
	make_ping(&m, VIGIL_MSG_PING);
	sign_with(&m, sizeof(m), key_b);
	assert_int_equal(wire_verify(&m, sizeof(m), CLUSTER, &kr, &slot), WIRE_OK);
	assert_int_equal(slot, 1);

	sign_with(&m, sizeof(m), key_a);
	assert_int_equal(wire_verify(&m, sizeof(m), CLUSTER, &kr, &slot), WIRE_OK);
	assert_int_equal(slot, 0);

	/* a key in neither slot */
	sign_with(&m, sizeof(m), key_c);
	assert_int_equal(wire_verify(&m, sizeof(m), CLUSTER, &kr, NULL), WIRE_E_MAC);

	/* an invalid slot is never used, even if its key material matches */
	keyring(&kr, key_a, key_b);
	kr.slot[1].valid = 0;
	sign_with(&m, sizeof(m), key_b);
	assert_int_equal(wire_verify(&m, sizeof(m), CLUSTER, &kr, NULL), WIRE_E_MAC);

	/* only slot 1 installed */
	keyring(&kr, NULL, key_b);
	slot = -1;
	assert_int_equal(wire_verify(&m, sizeof(m), CLUSTER, &kr, &slot), WIRE_OK);
	assert_int_equal(slot, 1);

	/* no key at all */
	keyring(&kr, NULL, NULL);
	assert_int_equal(wire_verify(&m, sizeof(m), CLUSTER, &kr, NULL), WIRE_E_MAC);
}

static void test_wrong_cluster(void **state)
{
	struct vigil_keyring kr;
	struct vigil_probe m;

	keyring(&kr, key_a, NULL);
	make_ping(&m, VIGIL_MSG_PING);
	sign_with(&m, sizeof(m), key_a);
	assert_int_equal(wire_verify(&m, sizeof(m), CLUSTER + 1, &kr, NULL), WIRE_E_CLUSTER);

	/* re-signed with another cluster id: a valid MAC does not make it ours */
	m.hdr.cluster_id = htonl(CLUSTER ^ 0x80000000U);
	sign_with(&m, sizeof(m), key_a);
	assert_int_equal(wire_verify(&m, sizeof(m), CLUSTER, &kr, NULL), WIRE_E_CLUSTER);
	assert_int_equal(wire_verify(&m, sizeof(m), CLUSTER ^ 0x80000000U, &kr, NULL), WIRE_OK);
}

static void test_bad_magic(void **state)
{
	struct vigil_keyring kr;
	struct vigil_probe m;

	keyring(&kr, key_a, NULL);
	for (int i = 0; i < 4; i++) {
		make_ping(&m, VIGIL_MSG_PING);
		((uint8_t *)&m)[i] ^= 0x20; /* "vGIL", "VgIL", ... */
		sign_with(&m, sizeof(m), key_a);
		assert_int_equal(wire_verify(&m, sizeof(m), CLUSTER, &kr, NULL), WIRE_E_MAGIC);
	}
}

static void test_bad_version(void **state)
{
	struct vigil_keyring kr;
	struct vigil_probe m;

	keyring(&kr, key_a, NULL);
	make_ping(&m, VIGIL_MSG_PING);
	m.hdr.version = VIGIL_PROTO_VERSION + 1;
	sign_with(&m, sizeof(m), key_a);
	assert_int_equal(wire_verify(&m, sizeof(m), CLUSTER, &kr, NULL), WIRE_E_VERSION);
	m.hdr.version = 0;
	sign_with(&m, sizeof(m), key_a);
	assert_int_equal(wire_verify(&m, sizeof(m), CLUSTER, &kr, NULL), WIRE_E_VERSION);
}

static void test_short(void **state)
{
	struct vigil_keyring kr;
	struct vigil_probe m;

	keyring(&kr, key_a, NULL);
	make_ping(&m, VIGIL_MSG_PING);
	sign_with(&m, sizeof(m), key_a);
	/* not even the magic */
	assert_int_equal(wire_verify(&m, 0, CLUSTER, &kr, NULL), WIRE_E_SHORT);
	assert_int_equal(wire_verify(&m, 3, CLUSTER, &kr, NULL), WIRE_E_SHORT);
	/* our magic, but no room for the header and a MAC */
	assert_int_equal(wire_verify(&m, 4, CLUSTER, &kr, NULL), WIRE_E_SHORT);
	assert_int_equal(wire_verify(&m, sizeof(struct vigil_hdr), CLUSTER, &kr, NULL),
			 WIRE_E_SHORT);
	assert_int_equal(
		wire_verify(&m, sizeof(struct vigil_hdr) + VIGIL_MAC_LEN - 1, CLUSTER, &kr, NULL),
		WIRE_E_SHORT);
}

static void test_probe_length(void **state)
{
	struct vigil_keyring kr;
	uint8_t buf[VIGIL_PROBE_LEN + 16];
	struct vigil_probe *m = (struct vigil_probe *)(void *)buf;
	static const uint8_t types[] = {VIGIL_MSG_PING, VIGIL_MSG_ACK};

	keyring(&kr, key_a, NULL);
	for (size_t t = 0; t < sizeof(types); t++) {
		memset(buf, 0, sizeof(buf));
		make_ping(m, types[t]);
		/* a PING/ACK must be exactly 64 bytes, even when correctly signed */
		for (size_t len = sizeof(struct vigil_hdr) + VIGIL_MAC_LEN; len < sizeof(buf);
		     len++) {
			sign_with(buf, len, key_a);
			assert_int_equal(wire_verify(buf, len, CLUSTER, &kr, NULL),
					 len == VIGIL_PROBE_LEN ? WIRE_OK : WIRE_E_LENGTH);
		}
	}
}

/* Other types have no fixed length: any signed size up to VIGIL_MAX_MSG. */
static void test_other_types(void **state)
{
	static uint8_t buf[VIGIL_MAX_MSG + 8];
	struct vigil_hdr *h = (struct vigil_hdr *)(void *)buf;
	struct vigil_keyring kr;
	int slot = -1;

	keyring(&kr, key_a, NULL);
	memset(buf, 0x5a, sizeof(buf));
	h->magic = htonl(VIGIL_MAGIC);
	h->version = VIGIL_PROTO_VERSION;
	h->type = VIGIL_MSG_GOSSIP;
	h->flags = 0;
	h->cluster_id = htonl(CLUSTER);
	h->sender_id = htonl(7);

	sign_with(buf, 100, key_a);
	assert_int_equal(wire_verify(buf, 100, CLUSTER, &kr, &slot), WIRE_OK);
	assert_int_equal(slot, 0);
	assert_int_equal(wire_verify(buf, 99, CLUSTER, &kr, NULL), WIRE_E_MAC);

	sign_with(buf, sizeof(struct vigil_hdr) + VIGIL_MAC_LEN, key_a);
	assert_int_equal(
		wire_verify(buf, sizeof(struct vigil_hdr) + VIGIL_MAC_LEN, CLUSTER, &kr, NULL),
		WIRE_OK);

	sign_with(buf, VIGIL_MAX_MSG, key_a);
	assert_int_equal(wire_verify(buf, VIGIL_MAX_MSG, CLUSTER, &kr, NULL), WIRE_OK);
	/* larger than any datagram vigil sends */
	sign_with(buf, VIGIL_MAX_MSG + 1, key_a);
	assert_int_equal(wire_verify(buf, VIGIL_MAX_MSG + 1, CLUSTER, &kr, NULL), WIRE_E_LENGTH);
}

static void test_strerror(void **state)
{
	static const int codes[] = {WIRE_OK,	    WIRE_E_SHORT, WIRE_E_MAGIC, WIRE_E_VERSION,
				    WIRE_E_CLUSTER, WIRE_E_MAC,	  WIRE_E_LENGTH};

	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		const char *s = wire_strerror(codes[i]);

		assert_non_null(s);
		assert_string_not_equal(s, "unknown error");
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(s, wire_strerror(codes[j]));
	}
	assert_string_equal(wire_strerror(-100), "unknown error");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reference_vectors),
		cmocka_unit_test(test_reference_vector_as_u64),
		cmocka_unit_test(test_unaligned_input),
		cmocka_unit_test(test_sign_then_verify),
		cmocka_unit_test(test_flipped_byte_fails_mac),
		cmocka_unit_test(test_second_key_slot),
		cmocka_unit_test(test_wrong_cluster),
		cmocka_unit_test(test_bad_magic),
		cmocka_unit_test(test_bad_version),
		cmocka_unit_test(test_short),
		cmocka_unit_test(test_probe_length),
		cmocka_unit_test(test_other_types),
		cmocka_unit_test(test_strerror),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
