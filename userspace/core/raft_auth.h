/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * raft_auth.h - the authenticated Raft transport's protocol, without I/O
 * (docs/protocol.md section 15): a mutual challenge-response handshake that
 * proves both ends hold the cluster key and binds the connection to the
 * connecting server's Raft id, then frames sealed with libsodium's
 * crypto_secretstream (XChaCha20-Poly1305), one key per direction and per
 * connection, so a frame cannot be forged, altered, reordered, or replayed
 * within or across connections. agent/raft_transport.c moves the bytes.
 *
 * The key is never the SipHash cluster key itself: each slot of the keyring
 * gives a Raft key through keyed BLAKE2b. sodium_init() must have been called.
 */
#ifndef VIGIL_RAFT_AUTH_H
#define VIGIL_RAFT_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include <sodium.h>

#include "wire.h"

#define RAFT_AUTH_MAGIC	    0x56524654U /* "VRFT" */
#define RAFT_AUTH_VERSION   1
#define RAFT_AUTH_KEY_LEN   32
#define RAFT_AUTH_KEYID_LEN 8
#define RAFT_AUTH_NONCE_LEN 32
#define RAFT_AUTH_PROOF_LEN 32
#define RAFT_AUTH_ADDR_LEN  64
#define RAFT_AUTH_SS_HEADER crypto_secretstream_xchacha20poly1305_HEADERBYTES /* 24 */

/* Frames: a 4-byte big-endian length, then the sealed bytes (the plaintext
 * plus crypto_secretstream's 17-byte tag); the length is authenticated too. */
#define RAFT_AUTH_FRAME_MAX   65536 /* plaintext bytes per frame */
#define RAFT_AUTH_FRAME_HDR   4
#define RAFT_AUTH_FRAME_EXTRA (RAFT_AUTH_FRAME_HDR + crypto_secretstream_xchacha20poly1305_ABYTES)

enum raft_auth_type {
	RAFT_AUTH_HELLO = 1,	 /* client -> server: who I am, whom I want, my nonce */
	RAFT_AUTH_CHALLENGE = 2, /* server -> client: its nonce and its proof */
	RAFT_AUTH_CONFIRM = 3,	 /* client -> server: its proof, its stream header */
	RAFT_AUTH_ACCEPT = 4,	 /* server -> client: its stream header */
};

/* Every handshake message starts with this. Multi-byte fields big-endian. */
struct raft_auth_head {
	uint32_t magic;	   /* RAFT_AUTH_MAGIC */
	uint8_t version;   /* RAFT_AUTH_VERSION */
	uint8_t type;	   /* enum raft_auth_type */
	uint16_t reserved; /* zero */
};

struct raft_auth_hello {
	struct raft_auth_head head;
	uint32_t cluster_id;
	uint32_t reserved;
	uint64_t from_id; /* the connecting server's Raft id */
	uint64_t to_id;	  /* the Raft id it means to reach */
	uint8_t key_id[RAFT_AUTH_KEYID_LEN];
	uint8_t nonce[RAFT_AUTH_NONCE_LEN];
	char address[RAFT_AUTH_ADDR_LEN]; /* the connecting server's Raft address, NUL-padded */
};

struct raft_auth_challenge {
	struct raft_auth_head head;
	uint32_t cluster_id;
	uint32_t reserved;
	uint64_t from_id; /* the server's Raft id */
	uint64_t to_id;	  /* the client's, echoed */
	uint8_t key_id[RAFT_AUTH_KEYID_LEN];
	uint8_t nonce[RAFT_AUTH_NONCE_LEN];
	uint8_t proof[RAFT_AUTH_PROOF_LEN];
};

struct raft_auth_confirm {
	struct raft_auth_head head;
	uint8_t proof[RAFT_AUTH_PROOF_LEN];
	uint8_t stream[RAFT_AUTH_SS_HEADER]; /* client -> server stream header */
};

struct raft_auth_accept {
	struct raft_auth_head head;
	uint8_t stream[RAFT_AUTH_SS_HEADER]; /* server -> client stream header */
};

_Static_assert(sizeof(struct raft_auth_head) == 8, "head");
_Static_assert(sizeof(struct raft_auth_hello) == 136, "HELLO");
_Static_assert(sizeof(struct raft_auth_challenge) == 104, "CHALLENGE");
_Static_assert(sizeof(struct raft_auth_confirm) == 64, "CONFIRM");
_Static_assert(sizeof(struct raft_auth_accept) == 32, "ACCEPT");

/* Why a connection was refused (or, for BAD_FRAME, cut). */
enum raft_auth_refusal {
	RAFT_AUTH_OK = 0,
	RAFT_AUTH_MALFORMED,	  /* not this protocol and version (e.g. a plain libraft peer) */
	RAFT_AUTH_WRONG_CLUSTER,  /* another cluster's id */
	RAFT_AUTH_UNKNOWN_KEY,	  /* signed with neither of our keys */
	RAFT_AUTH_BAD_PROOF,	  /* claims a key it cannot prove it holds */
	RAFT_AUTH_UNKNOWN_SERVER, /* the connecting id is no Raft server we know */
	RAFT_AUTH_WRONG_SERVER,	  /* the server is not the one the client meant */
	RAFT_AUTH_BAD_FRAME,	  /* a frame failed authentication: forged, altered, replayed */
	RAFT_AUTH_TIMEOUT,	  /* the handshake did not finish in time */
	RAFT_AUTH_BUSY,		  /* too many handshakes at once */
	RAFT_AUTH_REFUSALS
};
const char *raft_auth_refusal_name(enum raft_auth_refusal r);

/* The Raft keys a keyring gives, one per valid slot. */
struct raft_auth_keys {
	struct {
		uint8_t key[RAFT_AUTH_KEY_LEN];
		uint8_t id[RAFT_AUTH_KEYID_LEN]; /* public fingerprint, names the key in HELLO */
		int valid;
	} slot[VIGIL_KEY_SLOTS];
};
void raft_auth_keys_derive(struct raft_auth_keys *out, const struct vigil_keyring *kr);

/* One direction of an established connection. */
struct raft_auth_session {
	crypto_secretstream_xchacha20poly1305_state tx, rx;
};

/* One handshake, either side. Fill the configuration part, then call the
 * functions of its side in order; each returns RAFT_AUTH_OK or why the
 * connection must be closed. */
struct raft_auth_hs {
	/* configuration */
	uint32_t cluster_id;
	uint64_t self_id;
	char self_addr[RAFT_AUTH_ADDR_LEN];
	uint64_t peer_id; /* client: the server it connects to; server: learned */
	/* state */
	char peer_addr[RAFT_AUTH_ADDR_LEN]; /* server: the client's, from HELLO */
	uint8_t key[RAFT_AUTH_KEY_LEN];
	struct raft_auth_hello hello;
	uint8_t transcript[crypto_generichash_BYTES]; /* hash of HELLO and CHALLENGE */
	uint8_t k_c2s[RAFT_AUTH_KEY_LEN], k_s2c[RAFT_AUTH_KEY_LEN];
};

/* Client. HELLO with the key of slot 0 and nonce (32 random bytes). */
int raft_auth_client_hello(struct raft_auth_hs *hs, const struct raft_auth_keys *keys,
			   const uint8_t nonce[RAFT_AUTH_NONCE_LEN], struct raft_auth_hello *out);
/* Check the server's CHALLENGE; write CONFIRM and start the session's tx. */
int raft_auth_client_confirm(struct raft_auth_hs *hs, const struct raft_auth_challenge *in,
			     struct raft_auth_confirm *out, struct raft_auth_session *s);
/* Take the server's ACCEPT: the session's rx starts. */
int raft_auth_client_accepted(struct raft_auth_hs *hs, const struct raft_auth_accept *in,
			      struct raft_auth_session *s);

/* Server. Check HELLO: known(ctx, id) says whether id is a Raft server we
 * know. Write CHALLENGE with nonce (32 random bytes). */
int raft_auth_server_challenge(struct raft_auth_hs *hs, const struct raft_auth_keys *keys,
			       int (*known)(void *ctx, uint64_t id), void *ctx,
			       const struct raft_auth_hello *in,
			       const uint8_t nonce[RAFT_AUTH_NONCE_LEN],
			       struct raft_auth_challenge *out);
/* Check the client's CONFIRM; write ACCEPT; the session starts both ways. */
int raft_auth_server_accept(struct raft_auth_hs *hs, const struct raft_auth_confirm *in,
			    struct raft_auth_accept *out, struct raft_auth_session *s);

/* Wipe a handshake's secrets. */
void raft_auth_hs_clear(struct raft_auth_hs *hs);

/* The head's check, as soon as its 8 bytes are in: RAFT_AUTH_OK if it is a
 * message of type `type` of this protocol, else RAFT_AUTH_MALFORMED. */
int raft_auth_check_head(const void *buf, uint8_t type);

/* Seal len bytes (<= RAFT_AUTH_FRAME_MAX) into out, which has room for
 * len + RAFT_AUTH_FRAME_EXTRA. Returns the frame's length. */
size_t raft_auth_seal(struct raft_auth_session *s, const void *in, size_t len, uint8_t *out);
/* Open the frame at the start of in (avail bytes received): plaintext to out
 * (room for RAFT_AUTH_FRAME_MAX), its length to *outlen. Returns the bytes
 * the frame took, 0 if it is not all in yet, or -RAFT_AUTH_BAD_FRAME. */
long raft_auth_open(struct raft_auth_session *s, const uint8_t *in, size_t avail, uint8_t *out,
		    size_t *outlen);

#endif /* VIGIL_RAFT_AUTH_H */
