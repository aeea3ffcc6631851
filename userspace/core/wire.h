/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * wire.h - the one codec of vigil's wire format (docs/protocol.md): every
 * message type is encoded and decoded here, from and to host-order structs,
 * with one header initialiser; signing and verification too. The XDP program
 * implements the same checks for PING and ACK (bpf/vigil_xdp.bpf.c); the
 * layouts themselves are include/vigil_abi.h.
 *
 * Encoders write an unsigned message whose last VIGIL_MAC_LEN bytes are left
 * for the MAC and return its whole length (0 if it does not fit); sign it
 * with wire_sign. Decoders take a message already verified with wire_verify
 * and check that its length is the one its type and count imply.
 */
#ifndef VIGIL_WIRE_H
#define VIGIL_WIRE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "vigil_abi.h"

/* The cluster keys this node accepts; slot 0 signs. */
struct vigil_keyring {
	struct {
		uint64_t k0, k1;
		int valid;
	} slot[VIGIL_KEY_SLOTS];
};

/* Why a received message was refused. */
enum wire_err {
	WIRE_OK = 0,
	WIRE_E_SHORT = -1,   /* shorter than its header or type's length */
	WIRE_E_MAGIC = -2,   /* not a vigil message */
	WIRE_E_VERSION = -3, /* another protocol version */
	WIRE_E_CLUSTER = -4, /* another cluster */
	WIRE_E_MAC = -5,     /* MAC matches no key */
	WIRE_E_LENGTH = -6,  /* wrong length for its type */
	WIRE_E_NAME = -7,    /* a name that is not UTF-8, or holds control characters */
	WIRE_E_VALUE = -8,   /* a field out of its range */
};

const char *wire_strerror(int err);

void wire_key_split(const uint8_t key[VIGIL_KEY_LEN], uint64_t *k0, uint64_t *k1);
/* 1 if s is valid UTF-8 without control characters: what a node, host or
 * cluster name may be (names go into JSON, logs and Masakari's API). */
int wire_name_valid(const char *s);
/* Stable non-zero 32-bit id of a node or cluster name. */
uint32_t wire_name_id(const char *name);

/* ---- header, MAC ---------------------------------------------------------- */

/* Magic, version (the probe version for PING and ACK), type, no flags,
 * cluster and sender ids. */
void wire_hdr_init(struct vigil_hdr *h, uint8_t type, uint32_t cluster_id, uint32_t sender_id);
/* MAC of len bytes (the MAC field excluded) written to the last 8 bytes. */
void wire_sign(void *msg, size_t len, uint64_t k0, uint64_t k1);
/* Check a whole message: header, cluster, MAC. Sets *slot (if not NULL) to
 * the key slot that verified it. WIRE_OK or a WIRE_E_* value. */
int wire_verify(const void *msg, size_t len, uint32_t cluster_id, const struct vigil_keyring *kr,
		int *slot);
/* The type of a message at least a header long, else 0. */
uint8_t wire_type(const void *msg, size_t len);
/* Its sender id (host order); the message must be at least a header long. */
uint32_t wire_sender(const void *msg);

/* ---- PING and ACK (64 bytes, answered and recorded by the XDP program) ----- */

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

void wire_probe_encode(struct vigil_probe *m, const struct probe_fields *f);
void wire_probe_decode(const struct vigil_probe *m, struct probe_fields *f);

/* ---- member updates: GOSSIP, JOIN and STATE ------------------------------- */

/* One member's state as gossiped, host order. */
struct wire_update {
	uint32_t node_id;
	uint64_t incarnation; /* epoch << 32 | count (vigil_abi.h) */
	uint8_t state;	      /* enum vigil_member_state */
	uint8_t flags;	      /* VIGIL_UF_* */
	uint8_t role;	      /* enum vigil_role */
	uint32_t from_id;
	struct sockaddr_storage addr; /* UDP address and port */
	socklen_t addrlen;	      /* 0: unspecified (a joiner that does not know it) */
	char name[VIGIL_NAME_LEN];    /* NUL-terminated */
};

/* A GOSSIP, JOIN or STATE of n updates into buf (cap bytes); its length, or
 * 0 if it does not fit (or n exceeds what the type allows). */
size_t wire_updates_encode(void *buf, size_t cap, uint8_t type, uint32_t cluster_id,
			   uint32_t sender_id, const struct wire_update *u, size_t n);
/* The updates of a verified GOSSIP, JOIN or STATE: at most max into out,
 * their count in *n. WIRE_E_LENGTH if the length does not match the count
 * or the count exceeds max. */
int wire_updates_decode(const void *buf, size_t len, struct wire_update *out, size_t max,
			size_t *n);

/* A STATE as it travels over TCP: a 4-byte big-endian length, then that many
 * bytes of zlib data inflating to the signed message (signed here, with key
 * slot 0). 0, or -1 if out of memory. */
int wire_state_frame(const struct wire_update *u, size_t n, uint32_t cluster_id, uint32_t sender_id,
		     const struct vigil_keyring *kr, uint8_t **frame, size_t *framelen);
/* Inflate, verify and decode the zlib data z of a frame. On success *u
 * (malloc'd) holds *n updates. WIRE_OK, a WIRE_E_* value, or -1 (memory). */
int wire_state_unframe(const uint8_t *z, size_t zlen, uint32_t cluster_id,
		       const struct vigil_keyring *kr, struct wire_update **u, size_t *n);

/* ---- PING_REQ and RELAY_ANS (56 bytes) ------------------------------------ */

struct wire_relay {
	uint32_t target_id;
	uint32_t req_seq;
	struct sockaddr_storage target; /* PING_REQ: where the target is */
	socklen_t targetlen;
	uint8_t acked; /* RELAY_ANS: the relay's kernel recorded the target's ACK */
};

size_t wire_relay_encode(struct vigil_relay *m, uint8_t type, uint32_t cluster_id,
			 uint32_t sender_id, const struct wire_relay *r);
int wire_relay_decode(const void *buf, size_t len, struct wire_relay *r);

/* ---- REPORT (member -> servers) ------------------------------------------ */

struct wire_report {
	char name[VIGIL_NAME_LEN];     /* reporter's node name */
	char hostname[VIGIL_NAME_LEN]; /* its hypervisor host name */
	uint64_t epoch, seq;	       /* the sender's (epoch, sequence) */
	size_t n;
	uint32_t ids[VIGIL_REPORT_MAX_IDS]; /* members it finds unreachable */
};

size_t wire_report_encode(void *buf, size_t cap, uint32_t cluster_id, uint32_t sender_id,
			  const struct wire_report *r);
int wire_report_decode(const void *buf, size_t len, struct wire_report *r);

/* ---- MAINT and FORGET (any agent -> servers), ANSWER (leader -> sender) ---- */

struct wire_maint {
	uint8_t type;			   /* VIGIL_MSG_MAINT or VIGIL_MSG_FORGET */
	char host[VIGIL_NAME_LEN];	   /* node name or hypervisor host name */
	int on;				   /* MAINT: 1 = enter maintenance */
	uint64_t epoch, seq;		   /* the sender's (epoch, sequence) */
	char reason[VIGIL_REASON_MAX + 1]; /* the operator's ("" = none given) */
};

/* A MAINT or FORGET into buf (cap bytes): its length, or 0 if it does not
 * fit or w is not one (a type other than those two, a FORGET with on set,
 * a reason longer than VIGIL_REASON_MAX). */
size_t wire_maint_encode(void *buf, size_t cap, uint32_t cluster_id, uint32_t sender_id,
			 const struct wire_maint *w);
/* A verified MAINT or FORGET: WIRE_E_LENGTH unless its length is the one
 * its reason_len implies, WIRE_E_NAME for a host or reason that is not a
 * clean name (wire_name_valid), WIRE_E_VALUE for another type, on > 1, or
 * on set in a FORGET. */
int wire_maint_decode(const void *buf, size_t len, struct wire_maint *w);

struct wire_answer {
	uint8_t request;	   /* the request's type: VIGIL_MSG_MAINT or VIGIL_MSG_FORGET */
	char host[VIGIL_NAME_LEN]; /* as the request named it */
	int on;			   /* the request's */
	uint8_t result;		   /* enum vigil_answer_result */
	uint8_t state;		   /* enum vigil_host_state */
	uint8_t flags;		   /* VIGIL_ANSF_* */
	uint64_t epoch, seq;	   /* the request's */
};

size_t wire_answer_encode(struct vigil_answer *m, uint32_t cluster_id, uint32_t sender_id,
			  const struct wire_answer *a);
/* A verified ANSWER: WIRE_E_LENGTH for another length, WIRE_E_VALUE for a
 * field out of its range (request, on, result, state), WIRE_E_NAME for a
 * host that is not a clean name. */
int wire_answer_decode(const void *buf, size_t len, struct wire_answer *a);

#endif /* VIGIL_WIRE_H */
