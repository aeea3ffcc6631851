/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * raft_transport.h - libraft's connections between the servers, over TCP,
 * authenticated: a struct raft_uv_transport (raft/uv.h) that runs the
 * handshake of core/raft_auth.c on every connection before libraft sees a
 * byte of it, and then seals and opens every frame. libraft gets one end of
 * a socketpair per connection; this module moves the bytes between it and
 * the TCP socket, refusing (closing, counting, logging) anything that does
 * not authenticate. docs/protocol.md section 15 is the wire format.
 */
#ifndef VIGIL_RAFT_TRANSPORT_H
#define VIGIL_RAFT_TRANSPORT_H

#include <stdint.h>

#include <raft.h>
#include <raft/uv.h>
#include <uv.h>

#include "raft_auth.h"
#include "wire.h"

struct raft_transport_params {
	uv_loop_t *loop;
	uint32_t cluster_id;
	/* Read at every handshake: keys a reload installs count for the next
	 * connections (established ones stay up). */
	const struct vigil_keyring *keys;
	/* Is id a Raft server we know? Connections claiming any other id are refused. */
	int (*known)(void *ctx, uint64_t id);
	void *ctx;
};

/* Set t up (as raft_uv_tcp_init does); then raft_uv_init(io, loop, dir, t). */
int raft_transport_init(struct raft_uv_transport *t, const struct raft_transport_params *p);
/* Release t's memory, once raft_close has completed (as raft_uv_tcp_close). */
void raft_transport_close(struct raft_uv_transport *t);
/* Connections refused (or cut), by enum raft_auth_refusal. */
const uint64_t *raft_transport_refused(const struct raft_uv_transport *t);

#endif /* VIGIL_RAFT_TRANSPORT_H */
