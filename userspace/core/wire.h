/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* proto.h - encode, decode, sign and verify vigil messages (docs/protocol.md). */
#ifndef VIGIL_PROTO_H
#define VIGIL_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "vigil_abi.h"

/* The cluster keys this node accepts; slot 0 signs. */
struct vigil_keyring {
	struct {
		uint64_t k0, k1;
		int valid;
	} slot[VIGIL_KEY_SLOTS];
};

/* A PING or ACK in host byte order. */
struct probe_fields {
	uint8_t type;
	uint16_t flags;
	uint32_t cluster_id;
	uint32_t sender_id;
	uint32_t target_id;
	uint32_t seq;
	uint64_t send_ns;
	uint32_t incarnation;
	uint8_t chan;
	uint64_t heartbeat;
	uint32_t origin_id;
};

/* Why a received message was refused. */
enum wire_err {
	WIRE_OK = 0,
	WIRE_E_SHORT = -1,	/* shorter than its header or type's length */
	WIRE_E_MAGIC = -2,	/* not a vigil message */
	WIRE_E_VERSION = -3,	/* another protocol version */
	WIRE_E_CLUSTER = -4,	/* another cluster */
	WIRE_E_MAC = -5,	/* MAC matches no key */
	WIRE_E_LENGTH = -6,	/* wrong length for its type */
};

const char *wire_strerror(int err);

void wire_key_split(const uint8_t key[VIGIL_KEY_LEN], uint64_t *k0, uint64_t *k1);
/* Stable non-zero 32-bit id of a node or cluster name. */
uint32_t wire_name_id(const char *name);

/* MAC of len bytes (the MAC field excluded) written to the last 8 bytes. */
void wire_sign(void *msg, size_t len, uint64_t k0, uint64_t k1);
/* Check a whole message: header, cluster, MAC. Sets *slot to the key slot
 * that verified it. Returns WIRE_OK or a PROTO_E_* value. */
int wire_verify(const void *msg, size_t len, uint32_t cluster_id, const struct vigil_keyring *kr,
		 int *slot);

void wire_probe_encode(struct vigil_probe *m, const struct probe_fields *f);
void wire_probe_decode(const struct vigil_probe *m, struct probe_fields *f);

#endif /* VIGIL_PROTO_H */
