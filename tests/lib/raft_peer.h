/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * raft_peer.h - the other end of a Raft connection, for the tests of the
 * authenticated transport (core/raft_auth.c, agent/raft_transport.c):
 * keyrings from key bytes, and the bytes a plain libraft 0.15 TCP peer
 * sends (its handshake, then one AppendEntries), the forged message that
 * crashed a leader when the Raft port took it.
 */
#ifndef VIGIL_TEST_RAFT_PEER_H
#define VIGIL_TEST_RAFT_PEER_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "wire.h"

/* A keyring holding key (16 bytes), and key_next if not NULL. */
static inline void rp_keyring(struct vigil_keyring *kr, const uint8_t *key, const uint8_t *key_next)
{
	memset(kr, 0, sizeof(*kr));
	wire_key_split(key, &kr->slot[0].k0, &kr->slot[0].k1);
	kr->slot[0].valid = 1;
	if (key_next) {
		wire_key_split(key_next, &kr->slot[1].k0, &kr->slot[1].k1);
		kr->slot[1].valid = 1;
	}
}

static inline void rp_put64(uint8_t **p, uint64_t v)
{
	for (int i = 0; i < 8; i++) /* libraft encodes little-endian */
		(*p)[i] = (uint8_t)(v >> (8 * i));
	*p += 8;
}

/* libraft 0.15's TCP handshake (protocol 1, server id, address) followed by
 * an AppendEntries with no entries at `term`: 96 bytes for a 15-character
 * address. Returns the length written to out (room for 256). */
static inline size_t rp_libraft_append_entries(uint8_t *out, uint64_t id, const char *addr,
					       uint64_t term)
{
	size_t alen = (strlen(addr) + 1 + 7) / 8 * 8;
	uint8_t *p = out;

	rp_put64(&p, 1); /* handshake protocol */
	rp_put64(&p, id);
	rp_put64(&p, alen);
	memset(p, 0, alen);
	memcpy(p, addr, strlen(addr));
	p += alen;
	rp_put64(&p, 1);     /* RAFT_IO_APPEND_ENTRIES */
	rp_put64(&p, 5 * 8); /* header length */
	rp_put64(&p, term);  /* leader's term */
	rp_put64(&p, 0);     /* previous index */
	rp_put64(&p, 0);     /* previous term */
	rp_put64(&p, 0);     /* leader commit */
	rp_put64(&p, 0);     /* entries */
	return (size_t)(p - out);
}

#endif /* VIGIL_TEST_RAFT_PEER_H */
