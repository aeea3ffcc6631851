// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_raft_auth.c - the Raft transport's protocol (core/raft_auth.c), in
 * memory: the handshake binds both ids and proves the key both ways, every
 * refusal has its reason, and frames cannot be altered, replayed, reordered
 * or moved to another connection.
 */
#include <endian.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "raft_auth.h"
#include "raft_peer.h"

#define CLUSTER 0xb12a9e75U
#define ID_C	11 /* the client */
#define ID_S	22 /* the server */
#define ID_X	33 /* a server both know, not in the handshake */

static const uint8_t key_a[VIGIL_KEY_LEN] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
static const uint8_t key_b[VIGIL_KEY_LEN] = {0xb0, 0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7,
					     0xb8, 0xb9, 0xba, 0xbb, 0xbc, 0xbd, 0xbe, 0xbf};
static const uint8_t key_c[VIGIL_KEY_LEN] = {0xc0};

static int known(void *ctx, uint64_t id)
{
	(void)ctx;
	return id == ID_C || id == ID_S || id == ID_X;
}

/* Both ends of one connection, in memory. */
struct link {
	struct raft_auth_keys ck, sk; /* client's keys, server's */
	struct raft_auth_hs c, s;
	struct raft_auth_session cs, ss;
	struct raft_auth_hello hello;
	struct raft_auth_challenge challenge;
	struct raft_auth_confirm confirm;
	struct raft_auth_accept accept;
};

static void link_init(struct link *l, const uint8_t *ckey, const uint8_t *ckey_next,
		      const uint8_t *skey, const uint8_t *skey_next)
{
	struct vigil_keyring kr;

	memset(l, 0, sizeof(*l));
	rp_keyring(&kr, ckey, ckey_next);
	raft_auth_keys_derive(&l->ck, &kr);
	rp_keyring(&kr, skey, skey_next);
	raft_auth_keys_derive(&l->sk, &kr);
	l->c.cluster_id = l->s.cluster_id = CLUSTER;
	l->c.self_id = ID_C;
	l->c.peer_id = ID_S;
	strcpy(l->c.self_addr, "10.0.0.11:7300");
	l->s.self_id = ID_S;
	strcpy(l->s.self_addr, "10.0.0.22:7300");
}

static void nonce(uint8_t n[RAFT_AUTH_NONCE_LEN])
{
	randombytes_buf(n, RAFT_AUTH_NONCE_LEN);
}

static int step_hello(struct link *l)
{
	uint8_t n[RAFT_AUTH_NONCE_LEN];

	nonce(n);
	return raft_auth_client_hello(&l->c, &l->ck, n, &l->hello);
}

static int step_challenge(struct link *l)
{
	uint8_t n[RAFT_AUTH_NONCE_LEN];

	nonce(n);
	return raft_auth_server_challenge(&l->s, &l->sk, known, NULL, &l->hello, n, &l->challenge);
}

/* The whole handshake; the first refusal, or RAFT_AUTH_OK. */
static int handshake(struct link *l)
{
	int rc;

	if ((rc = step_hello(l)) || (rc = step_challenge(l)) ||
	    (rc = raft_auth_client_confirm(&l->c, &l->challenge, &l->confirm, &l->cs)) ||
	    (rc = raft_auth_server_accept(&l->s, &l->confirm, &l->accept, &l->ss)))
		return rc;
	return raft_auth_client_accepted(&l->c, &l->accept, &l->cs);
}

/* Seal msg on from, open it on to: the plaintext comes back. */
static void roundtrip(struct raft_auth_session *from, struct raft_auth_session *to, const char *msg)
{
	uint8_t frame[256], out[RAFT_AUTH_FRAME_MAX];
	size_t len = raft_auth_seal(from, msg, strlen(msg), frame), plen = 0;

	assert_int_equal(len, strlen(msg) + RAFT_AUTH_FRAME_EXTRA);
	assert_int_equal(raft_auth_open(to, frame, len, out, &plen), (long)len);
	assert_int_equal(plen, strlen(msg));
	assert_memory_equal(out, msg, plen);
}

/* protocol.md section 15.2's test vector: the Raft key and its id for the
 * cluster key 00 01 .. 0f. */
static void test_key_derivation_vector(void **state)
{
	static const uint8_t want_key[RAFT_AUTH_KEY_LEN] = {
		0x5b, 0xd8, 0x13, 0xdc, 0xcd, 0x5d, 0x1e, 0xb0, 0x98, 0x86, 0x8b,
		0x21, 0xd7, 0x99, 0x96, 0x71, 0xf8, 0x14, 0x3c, 0x3e, 0x52, 0xcc,
		0xcb, 0x76, 0xf2, 0x10, 0x6c, 0x1a, 0x0a, 0xd9, 0xb9, 0x7c};
	static const uint8_t want_id[RAFT_AUTH_KEYID_LEN] = {0x94, 0xa3, 0xac, 0xf2,
							     0x32, 0xf2, 0x6f, 0x8d};
	uint8_t key[VIGIL_KEY_LEN];
	struct vigil_keyring kr;
	struct raft_auth_keys k;

	(void)state;
	for (int i = 0; i < VIGIL_KEY_LEN; i++)
		key[i] = (uint8_t)i;
	rp_keyring(&kr, key, NULL);
	raft_auth_keys_derive(&k, &kr);
	assert_true(k.slot[0].valid);
	assert_false(k.slot[1].valid);
	assert_memory_equal(k.slot[0].key, want_key, RAFT_AUTH_KEY_LEN);
	assert_memory_equal(k.slot[0].id, want_id, RAFT_AUTH_KEYID_LEN);
}

static void test_handshake_binds_ids_and_address(void **state)
{
	struct link l;

	(void)state;
	link_init(&l, key_a, NULL, key_a, NULL);
	assert_int_equal(handshake(&l), RAFT_AUTH_OK);
	assert_int_equal(l.s.peer_id, ID_C);
	assert_string_equal(l.s.peer_addr, "10.0.0.11:7300");
	roundtrip(&l.cs, &l.ss, "AppendEntries");
	roundtrip(&l.ss, &l.cs, "a reply, the other way");
	roundtrip(&l.cs, &l.ss, "and a second frame");
	/* The derived key is not the cluster key, and each key has its own id. */
	assert_memory_not_equal(l.ck.slot[0].key, key_a, VIGIL_KEY_LEN);
	link_init(&l, key_a, NULL, key_b, NULL);
	assert_memory_not_equal(l.ck.slot[0].id, l.sk.slot[0].id, RAFT_AUTH_KEYID_LEN);
}

static void test_frames_reassemble_from_any_split(void **state)
{
	uint8_t stream[3 * 1024], out[RAFT_AUTH_FRAME_MAX], msg[700];
	size_t len = 0, off = 0, plen, got = 0;
	struct link l;

	(void)state;
	link_init(&l, key_a, NULL, key_a, NULL);
	assert_int_equal(handshake(&l), RAFT_AUTH_OK);
	for (int i = 0; i < 3; i++) {
		memset(msg, 'a' + i, sizeof(msg));
		len += raft_auth_seal(&l.cs, msg, sizeof(msg), stream + len);
	}
	/* Bytes arrive one at a time: a frame opens exactly when its last byte is in. */
	for (size_t avail = 1; avail <= len; avail++) {
		long n = raft_auth_open(&l.ss, stream + off, avail - off, out, &plen);

		assert_true(n >= 0);
		if (n > 0) {
			assert_int_equal(plen, sizeof(msg));
			assert_int_equal(out[0], 'a' + got);
			got++;
			off += (size_t)n;
			assert_int_equal(off, avail);
		}
	}
	assert_int_equal(got, 3);
}

static void test_largest_frame(void **state)
{
	uint8_t *big = malloc(RAFT_AUTH_FRAME_MAX), *frame = malloc(RAFT_AUTH_FRAME_MAX + 64);
	uint8_t *out = malloc(RAFT_AUTH_FRAME_MAX);
	struct link l;
	size_t len, plen;

	(void)state;
	link_init(&l, key_a, NULL, key_a, NULL);
	assert_int_equal(handshake(&l), RAFT_AUTH_OK);
	memset(big, 0x5a, RAFT_AUTH_FRAME_MAX);
	len = raft_auth_seal(&l.cs, big, RAFT_AUTH_FRAME_MAX, frame);
	assert_int_equal(raft_auth_open(&l.ss, frame, len, out, &plen), (long)len);
	assert_int_equal(plen, RAFT_AUTH_FRAME_MAX);
	/* A length beyond the largest frame is refused before anything is read. */
	frame[1]++;
	assert_int_equal(raft_auth_open(&l.ss, frame, 4, out, &plen), -RAFT_AUTH_BAD_FRAME);
	free(big);
	free(frame);
	free(out);
}

/* Rotation: a key and key_next accepted both ways, in either order. */
static void test_key_rotation(void **state)
{
	struct link l;

	(void)state;
	link_init(&l, key_b, NULL, key_a, key_b); /* client already on the new key */
	assert_int_equal(handshake(&l), RAFT_AUTH_OK);
	roundtrip(&l.cs, &l.ss, "new key");
	link_init(&l, key_a, key_b, key_b, key_a); /* both in the middle, swapped */
	assert_int_equal(handshake(&l), RAFT_AUTH_OK);
	link_init(&l, key_a, key_b, key_b, NULL); /* server finished, client not */
	assert_int_equal(handshake(&l), RAFT_AUTH_UNKNOWN_KEY);
	link_init(&l, key_c, NULL, key_a, key_b);
	assert_int_equal(handshake(&l), RAFT_AUTH_UNKNOWN_KEY);
}

/* A peer without the key cannot pass by copying a key id it saw. */
static void test_without_key_refused(void **state)
{
	struct link l, real;

	(void)state;
	link_init(&real, key_a, NULL, key_a, NULL);
	assert_int_equal(step_hello(&real), RAFT_AUTH_OK);
	/* The client holds key_c but names key_a's id (seen on the wire). */
	link_init(&l, key_c, NULL, key_a, NULL);
	memcpy(l.ck.slot[0].id, real.hello.key_id, RAFT_AUTH_KEYID_LEN);
	assert_int_equal(step_hello(&l), RAFT_AUTH_OK);
	assert_int_equal(step_challenge(&l), RAFT_AUTH_OK);
	/* Its own side cannot check the server's proof, nor make its own. */
	assert_int_equal(raft_auth_client_confirm(&l.c, &l.challenge, &l.confirm, &l.cs),
			 RAFT_AUTH_BAD_PROOF);
	randombytes_buf(l.confirm.proof, sizeof(l.confirm.proof));
	memcpy(&l.confirm.head, &real.hello.head, sizeof(l.confirm.head));
	l.confirm.head.type = RAFT_AUTH_CONFIRM;
	assert_int_equal(raft_auth_server_accept(&l.s, &l.confirm, &l.accept, &l.ss),
			 RAFT_AUTH_BAD_PROOF);
	/* A server without the key, posing as one: the client refuses it. */
	link_init(&l, key_a, NULL, key_c, NULL);
	memcpy(l.sk.slot[0].id, l.ck.slot[0].id, RAFT_AUTH_KEYID_LEN);
	assert_int_equal(handshake(&l), RAFT_AUTH_BAD_PROOF);
}

/* The server's proof is no client proof: reflecting it back fails. */
static void test_reflected_proof_refused(void **state)
{
	struct link l;

	(void)state;
	link_init(&l, key_a, NULL, key_a, NULL);
	assert_int_equal(step_hello(&l), RAFT_AUTH_OK);
	assert_int_equal(step_challenge(&l), RAFT_AUTH_OK);
	memset(&l.confirm, 0, sizeof(l.confirm));
	memcpy(&l.confirm.head, &l.challenge.head, sizeof(l.confirm.head));
	l.confirm.head.type = RAFT_AUTH_CONFIRM;
	memcpy(l.confirm.proof, l.challenge.proof, RAFT_AUTH_PROOF_LEN);
	assert_int_equal(raft_auth_server_accept(&l.s, &l.confirm, &l.accept, &l.ss),
			 RAFT_AUTH_BAD_PROOF);
}

/* A whole client side captured and played to a new server handshake fails:
 * the server's nonce is new, the old proof does not cover it. */
static void test_replayed_handshake_refused(void **state)
{
	struct link rec, l;

	(void)state;
	link_init(&rec, key_a, NULL, key_a, NULL);
	assert_int_equal(handshake(&rec), RAFT_AUTH_OK);
	link_init(&l, key_a, NULL, key_a, NULL);
	l.hello = rec.hello;
	assert_int_equal(step_challenge(&l), RAFT_AUTH_OK);
	assert_int_equal(raft_auth_server_accept(&l.s, &rec.confirm, &l.accept, &l.ss),
			 RAFT_AUTH_BAD_PROOF);
}

static void test_ids_and_cluster_checked(void **state)
{
	struct link l;

	(void)state;
	link_init(&l, key_a, NULL, key_a, NULL);
	l.c.self_id = 4242; /* a made-up id */
	assert_int_equal(handshake(&l), RAFT_AUTH_UNKNOWN_SERVER);
	link_init(&l, key_a, NULL, key_a, NULL);
	l.c.self_id = ID_S; /* the server's own id */
	assert_int_equal(handshake(&l), RAFT_AUTH_UNKNOWN_SERVER);
	link_init(&l, key_a, NULL, key_a, NULL);
	l.c.peer_id = ID_X; /* meant for another server */
	assert_int_equal(handshake(&l), RAFT_AUTH_WRONG_SERVER);
	link_init(&l, key_a, NULL, key_a, NULL);
	l.c.cluster_id = CLUSTER + 1;
	assert_int_equal(handshake(&l), RAFT_AUTH_WRONG_CLUSTER);
	/* The client checks whom it reached. */
	link_init(&l, key_a, NULL, key_a, NULL);
	assert_int_equal(step_hello(&l), RAFT_AUTH_OK);
	l.s.self_id = ID_X;
	l.hello.to_id = htobe64(ID_X);
	assert_int_equal(step_challenge(&l), RAFT_AUTH_OK);
	assert_int_equal(raft_auth_client_confirm(&l.c, &l.challenge, &l.confirm, &l.cs),
			 RAFT_AUTH_WRONG_SERVER);
	/* Ids are under the proofs: changing one in flight breaks them. */
	link_init(&l, key_a, NULL, key_a, NULL);
	assert_int_equal(step_hello(&l), RAFT_AUTH_OK);
	l.hello.from_id = htobe64(ID_X);
	assert_int_equal(step_challenge(&l), RAFT_AUTH_OK);
	l.challenge.to_id = htobe64(ID_C);
	assert_int_equal(raft_auth_client_confirm(&l.c, &l.challenge, &l.confirm, &l.cs),
			 RAFT_AUTH_BAD_PROOF);
}

/* What a plain libraft peer sends is refused at its first 8 bytes. */
static void test_plain_libraft_malformed(void **state)
{
	uint8_t forged[256];
	struct raft_auth_hello h;
	struct link l;
	size_t n = rp_libraft_append_entries(forged, 4242, "10.0.0.99:7300", 7);

	(void)state;
	assert_int_equal(n, 96);
	assert_int_equal(raft_auth_check_head(forged, RAFT_AUTH_HELLO), RAFT_AUTH_MALFORMED);
	link_init(&l, key_a, NULL, key_a, NULL);
	memcpy(&h, forged, sizeof(h) < n ? sizeof(h) : n);
	l.hello = h;
	assert_int_equal(step_challenge(&l), RAFT_AUTH_MALFORMED);
	/* A HELLO of the right type but an address without its NUL. */
	assert_int_equal(step_hello(&l), RAFT_AUTH_OK);
	memset(l.hello.address, 'x', sizeof(l.hello.address));
	assert_int_equal(step_challenge(&l), RAFT_AUTH_MALFORMED);
	/* Another version. */
	assert_int_equal(step_hello(&l), RAFT_AUTH_OK);
	l.hello.head.version = RAFT_AUTH_VERSION + 1;
	assert_int_equal(raft_auth_check_head(&l.hello, RAFT_AUTH_HELLO), RAFT_AUTH_MALFORMED);
}

static void test_altered_frame_refused(void **state)
{
	uint8_t frame[128], copy[128], out[RAFT_AUTH_FRAME_MAX];
	const char *msg = "AppendEntries term=9";
	size_t len, plen;
	struct link l;

	(void)state;
	link_init(&l, key_a, NULL, key_a, NULL);
	assert_int_equal(handshake(&l), RAFT_AUTH_OK);
	len = raft_auth_seal(&l.cs, msg, strlen(msg), frame);
	/* Any one bit flipped anywhere (length, ciphertext, tag): refused. */
	for (size_t i = 0; i < len; i++) {
		struct raft_auth_session rx = l.ss;
		long n;

		memcpy(copy, frame, len);
		copy[i] ^= 0x01;
		n = raft_auth_open(&rx, copy, len, out, &plen);
		/* A longer length waits for bytes that complete no valid frame. */
		assert_true(n == -RAFT_AUTH_BAD_FRAME || (i < RAFT_AUTH_FRAME_HDR && n == 0));
	}
	assert_int_equal(raft_auth_open(&l.ss, frame, len, out, &plen), (long)len);
}

static void test_replayed_and_reordered_frames_refused(void **state)
{
	uint8_t f1[64], f2[64], out[RAFT_AUTH_FRAME_MAX];
	size_t l1, l2, plen;
	struct raft_auth_session rx;
	struct link l, other;

	(void)state;
	link_init(&l, key_a, NULL, key_a, NULL);
	assert_int_equal(handshake(&l), RAFT_AUTH_OK);
	l1 = raft_auth_seal(&l.cs, "first", 5, f1);
	l2 = raft_auth_seal(&l.cs, "second", 6, f2);
	/* Reordered. */
	rx = l.ss;
	assert_int_equal(raft_auth_open(&rx, f2, l2, out, &plen), -RAFT_AUTH_BAD_FRAME);
	/* Replayed on the same connection. */
	assert_int_equal(raft_auth_open(&l.ss, f1, l1, out, &plen), (long)l1);
	assert_int_equal(raft_auth_open(&l.ss, f1, l1, out, &plen), -RAFT_AUTH_BAD_FRAME);
	/* Replayed on another connection between the same two servers. */
	link_init(&other, key_a, NULL, key_a, NULL);
	assert_int_equal(handshake(&other), RAFT_AUTH_OK);
	assert_int_equal(raft_auth_open(&other.ss, f1, l1, out, &plen), -RAFT_AUTH_BAD_FRAME);
	/* A frame sent back the other way (reflected). */
	link_init(&other, key_a, NULL, key_a, NULL);
	assert_int_equal(handshake(&other), RAFT_AUTH_OK);
	l1 = raft_auth_seal(&other.cs, "to the server", 13, f1);
	assert_int_equal(raft_auth_open(&other.cs, f1, l1, out, &plen), -RAFT_AUTH_BAD_FRAME);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_derivation_vector),
		cmocka_unit_test(test_handshake_binds_ids_and_address),
		cmocka_unit_test(test_frames_reassemble_from_any_split),
		cmocka_unit_test(test_largest_frame),
		cmocka_unit_test(test_key_rotation),
		cmocka_unit_test(test_without_key_refused),
		cmocka_unit_test(test_reflected_proof_refused),
		cmocka_unit_test(test_replayed_handshake_refused),
		cmocka_unit_test(test_ids_and_cluster_checked),
		cmocka_unit_test(test_plain_libraft_malformed),
		cmocka_unit_test(test_altered_frame_refused),
		cmocka_unit_test(test_replayed_and_reordered_frames_refused),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
