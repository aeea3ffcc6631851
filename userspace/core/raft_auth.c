// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* raft_auth.c - the Raft transport's handshake and frames (raft_auth.h). */
#include <arpa/inet.h>
#include <endian.h>
#include <string.h>

#include "raft_auth.h"
#include "vigil_siphash.h"

/* Domain separation: each use of a Raft key hashes its own 16-byte label. */
#define LABEL_LEN 16
static const char label_server[LABEL_LEN] = "server proof";
static const char label_client[LABEL_LEN] = "client proof";
static const char label_c2s[LABEL_LEN] = "client to server";
static const char label_s2c[LABEL_LEN] = "server to client";
static const char kdf_context[] = "vigil raft transport key v1";
static const char keyid_context[] = "vigil raft key id";

/* Bytes of CHALLENGE the transcript covers: all but the proof. */
#define CHALLENGE_SIGNED offsetof(struct raft_auth_challenge, proof)

static const char *const refusal_names[RAFT_AUTH_REFUSALS] = {
	[RAFT_AUTH_OK] = "ok",
	[RAFT_AUTH_MALFORMED] = "malformed",
	[RAFT_AUTH_WRONG_CLUSTER] = "wrong_cluster",
	[RAFT_AUTH_UNKNOWN_KEY] = "unknown_key",
	[RAFT_AUTH_BAD_PROOF] = "bad_proof",
	[RAFT_AUTH_UNKNOWN_SERVER] = "unknown_server",
	[RAFT_AUTH_WRONG_SERVER] = "wrong_server",
	[RAFT_AUTH_BAD_FRAME] = "bad_frame",
	[RAFT_AUTH_TIMEOUT] = "timeout",
	[RAFT_AUTH_BUSY] = "busy",
};

const char *raft_auth_refusal_name(enum raft_auth_refusal r)
{
	return (unsigned)r < RAFT_AUTH_REFUSALS ? refusal_names[r] : "unknown";
}

void raft_auth_keys_derive(struct raft_auth_keys *out, const struct vigil_keyring *kr)
{
	uint8_t cluster_key[VIGIL_KEY_LEN], id[crypto_generichash_BYTES_MIN];

	memset(out, 0, sizeof(*out));
	for (int i = 0; i < VIGIL_KEY_SLOTS; i++) {
		if (!kr->slot[i].valid)
			continue;
		/* The keyring holds the key as SipHash's two words; these are
		 * its 16 bytes, as configured. */
		vigil_store_le64(cluster_key, kr->slot[i].k0);
		vigil_store_le64(cluster_key + 8, kr->slot[i].k1);
		crypto_generichash(out->slot[i].key, RAFT_AUTH_KEY_LEN,
				   (const uint8_t *)kdf_context, sizeof(kdf_context) - 1,
				   cluster_key, sizeof(cluster_key));
		crypto_generichash(id, sizeof(id), (const uint8_t *)keyid_context,
				   sizeof(keyid_context) - 1, out->slot[i].key, RAFT_AUTH_KEY_LEN);
		memcpy(out->slot[i].id, id, RAFT_AUTH_KEYID_LEN);
		out->slot[i].valid = 1;
	}
	sodium_memzero(cluster_key, sizeof(cluster_key));
}

/* BLAKE2b-256 keyed with the Raft key, over label || transcript. */
static void keyed(uint8_t out[32], const uint8_t key[RAFT_AUTH_KEY_LEN], const char *label,
		  const uint8_t transcript[crypto_generichash_BYTES])
{
	crypto_generichash_state st;

	crypto_generichash_init(&st, key, RAFT_AUTH_KEY_LEN, 32);
	crypto_generichash_update(&st, (const uint8_t *)label, LABEL_LEN);
	crypto_generichash_update(&st, transcript, crypto_generichash_BYTES);
	crypto_generichash_final(&st, out, 32);
}

/* Both sides hash the same bytes: HELLO, then CHALLENGE without its proof.
 * Everything later (proofs, both stream keys) derives from this hash, so it
 * binds the cluster, both ids, the key and both nonces. */
static void transcript(struct raft_auth_hs *hs, const struct raft_auth_challenge *c)
{
	crypto_generichash_state st;

	crypto_generichash_init(&st, NULL, 0, sizeof(hs->transcript));
	crypto_generichash_update(&st, (const uint8_t *)&hs->hello, sizeof(hs->hello));
	crypto_generichash_update(&st, (const uint8_t *)c, CHALLENGE_SIGNED);
	crypto_generichash_final(&st, hs->transcript, sizeof(hs->transcript));
	keyed(hs->k_c2s, hs->key, label_c2s, hs->transcript);
	keyed(hs->k_s2c, hs->key, label_s2c, hs->transcript);
}

static void head_init(struct raft_auth_head *h, uint8_t type)
{
	h->magic = htonl(RAFT_AUTH_MAGIC);
	h->version = RAFT_AUTH_VERSION;
	h->type = type;
	h->reserved = 0;
}

int raft_auth_check_head(const void *buf, uint8_t type)
{
	struct raft_auth_head h;

	memcpy(&h, buf, sizeof(h));
	if (ntohl(h.magic) != RAFT_AUTH_MAGIC || h.version != RAFT_AUTH_VERSION || h.type != type)
		return RAFT_AUTH_MALFORMED;
	return RAFT_AUTH_OK;
}

/* ---- client ---------------------------------------------------------------- */

int raft_auth_client_hello(struct raft_auth_hs *hs, const struct raft_auth_keys *keys,
			   const uint8_t nonce[RAFT_AUTH_NONCE_LEN], struct raft_auth_hello *out)
{
	struct raft_auth_hello *h = &hs->hello;

	if (!keys->slot[0].valid)
		return RAFT_AUTH_UNKNOWN_KEY;
	memcpy(hs->key, keys->slot[0].key, RAFT_AUTH_KEY_LEN);
	memset(h, 0, sizeof(*h));
	head_init(&h->head, RAFT_AUTH_HELLO);
	h->cluster_id = htonl(hs->cluster_id);
	h->from_id = htobe64(hs->self_id);
	h->to_id = htobe64(hs->peer_id);
	memcpy(h->key_id, keys->slot[0].id, RAFT_AUTH_KEYID_LEN);
	memcpy(h->nonce, nonce, RAFT_AUTH_NONCE_LEN);
	memcpy(h->address, hs->self_addr, strnlen(hs->self_addr, sizeof(h->address) - 1));
	*out = *h;
	return RAFT_AUTH_OK;
}

int raft_auth_client_confirm(struct raft_auth_hs *hs, const struct raft_auth_challenge *in,
			     struct raft_auth_confirm *out, struct raft_auth_session *s)
{
	uint8_t proof[RAFT_AUTH_PROOF_LEN];

	if (raft_auth_check_head(in, RAFT_AUTH_CHALLENGE))
		return RAFT_AUTH_MALFORMED;
	if (ntohl(in->cluster_id) != hs->cluster_id)
		return RAFT_AUTH_WRONG_CLUSTER;
	if (be64toh(in->from_id) != hs->peer_id || be64toh(in->to_id) != hs->self_id)
		return RAFT_AUTH_WRONG_SERVER;
	if (memcmp(in->key_id, hs->hello.key_id, RAFT_AUTH_KEYID_LEN))
		return RAFT_AUTH_UNKNOWN_KEY;
	transcript(hs, in);
	keyed(proof, hs->key, label_server, hs->transcript);
	if (crypto_verify_32(proof, in->proof))
		return RAFT_AUTH_BAD_PROOF;
	memset(out, 0, sizeof(*out));
	head_init(&out->head, RAFT_AUTH_CONFIRM);
	keyed(out->proof, hs->key, label_client, hs->transcript);
	crypto_secretstream_xchacha20poly1305_init_push(&s->tx, out->stream, hs->k_c2s);
	return RAFT_AUTH_OK;
}

int raft_auth_client_accepted(struct raft_auth_hs *hs, const struct raft_auth_accept *in,
			      struct raft_auth_session *s)
{
	if (raft_auth_check_head(in, RAFT_AUTH_ACCEPT) ||
	    crypto_secretstream_xchacha20poly1305_init_pull(&s->rx, in->stream, hs->k_s2c))
		return RAFT_AUTH_MALFORMED;
	return RAFT_AUTH_OK;
}

/* ---- server ---------------------------------------------------------------- */

int raft_auth_server_challenge(struct raft_auth_hs *hs, const struct raft_auth_keys *keys,
			       int (*known)(void *ctx, uint64_t id), void *ctx,
			       const struct raft_auth_hello *in,
			       const uint8_t nonce[RAFT_AUTH_NONCE_LEN],
			       struct raft_auth_challenge *out)
{
	int slot;

	if (raft_auth_check_head(in, RAFT_AUTH_HELLO) ||
	    !memchr(in->address, '\0', sizeof(in->address)))
		return RAFT_AUTH_MALFORMED;
	hs->peer_id = be64toh(in->from_id); /* claimed, for the log until proven */
	if (ntohl(in->cluster_id) != hs->cluster_id)
		return RAFT_AUTH_WRONG_CLUSTER;
	for (slot = 0; slot < VIGIL_KEY_SLOTS; slot++)
		if (keys->slot[slot].valid &&
		    !memcmp(keys->slot[slot].id, in->key_id, RAFT_AUTH_KEYID_LEN))
			break;
	if (slot == VIGIL_KEY_SLOTS)
		return RAFT_AUTH_UNKNOWN_KEY;
	if (be64toh(in->to_id) != hs->self_id)
		return RAFT_AUTH_WRONG_SERVER;
	if (!hs->peer_id || hs->peer_id == hs->self_id || !known(ctx, hs->peer_id))
		return RAFT_AUTH_UNKNOWN_SERVER;
	hs->hello = *in;
	memcpy(hs->peer_addr, in->address, sizeof(hs->peer_addr));
	memcpy(hs->key, keys->slot[slot].key, RAFT_AUTH_KEY_LEN);
	memset(out, 0, sizeof(*out));
	head_init(&out->head, RAFT_AUTH_CHALLENGE);
	out->cluster_id = htonl(hs->cluster_id);
	out->from_id = htobe64(hs->self_id);
	out->to_id = in->from_id;
	memcpy(out->key_id, in->key_id, RAFT_AUTH_KEYID_LEN);
	memcpy(out->nonce, nonce, RAFT_AUTH_NONCE_LEN);
	transcript(hs, out);
	keyed(out->proof, hs->key, label_server, hs->transcript);
	return RAFT_AUTH_OK;
}

int raft_auth_server_accept(struct raft_auth_hs *hs, const struct raft_auth_confirm *in,
			    struct raft_auth_accept *out, struct raft_auth_session *s)
{
	uint8_t proof[RAFT_AUTH_PROOF_LEN];

	if (raft_auth_check_head(in, RAFT_AUTH_CONFIRM))
		return RAFT_AUTH_MALFORMED;
	keyed(proof, hs->key, label_client, hs->transcript);
	if (crypto_verify_32(proof, in->proof))
		return RAFT_AUTH_BAD_PROOF;
	if (crypto_secretstream_xchacha20poly1305_init_pull(&s->rx, in->stream, hs->k_c2s))
		return RAFT_AUTH_MALFORMED;
	memset(out, 0, sizeof(*out));
	head_init(&out->head, RAFT_AUTH_ACCEPT);
	crypto_secretstream_xchacha20poly1305_init_push(&s->tx, out->stream, hs->k_s2c);
	return RAFT_AUTH_OK;
}

void raft_auth_hs_clear(struct raft_auth_hs *hs)
{
	sodium_memzero(hs->key, sizeof(hs->key));
	sodium_memzero(hs->k_c2s, sizeof(hs->k_c2s));
	sodium_memzero(hs->k_s2c, sizeof(hs->k_s2c));
}

/* ---- frames ---------------------------------------------------------------- */

size_t raft_auth_seal(struct raft_auth_session *s, const void *in, size_t len, uint8_t *out)
{
	size_t clen = len + crypto_secretstream_xchacha20poly1305_ABYTES;
	uint32_t be = htonl((uint32_t)clen);

	memcpy(out, &be, RAFT_AUTH_FRAME_HDR);
	crypto_secretstream_xchacha20poly1305_push(
		&s->tx, out + RAFT_AUTH_FRAME_HDR, NULL, in, len, out, RAFT_AUTH_FRAME_HDR,
		crypto_secretstream_xchacha20poly1305_TAG_MESSAGE);
	return RAFT_AUTH_FRAME_HDR + clen;
}

long raft_auth_open(struct raft_auth_session *s, const uint8_t *in, size_t avail, uint8_t *out,
		    size_t *outlen)
{
	unsigned long long mlen;
	unsigned char tag;
	uint32_t be;
	size_t clen;

	if (avail < RAFT_AUTH_FRAME_HDR)
		return 0;
	memcpy(&be, in, RAFT_AUTH_FRAME_HDR);
	clen = ntohl(be);
	if (clen < crypto_secretstream_xchacha20poly1305_ABYTES ||
	    clen > RAFT_AUTH_FRAME_MAX + crypto_secretstream_xchacha20poly1305_ABYTES)
		return -RAFT_AUTH_BAD_FRAME;
	if (avail < RAFT_AUTH_FRAME_HDR + clen)
		return 0;
	if (crypto_secretstream_xchacha20poly1305_pull(&s->rx, out, &mlen, &tag,
						       in + RAFT_AUTH_FRAME_HDR, clen, in,
						       RAFT_AUTH_FRAME_HDR) ||
	    tag != crypto_secretstream_xchacha20poly1305_TAG_MESSAGE)
		return -RAFT_AUTH_BAD_FRAME;
	*outlen = (size_t)mlen;
	return (long)(RAFT_AUTH_FRAME_HDR + clen);
}
