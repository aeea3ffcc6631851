/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * netio.h - the membership's world in the agent: its UDP socket, the PINGs
 * it sends (recorded in the inflight map first, so the XDP program accepts
 * their ACKs), the kernel's peers map it reads, and the dispatch of what
 * arrives: REPORT, MAINT and FORGET to the server, the leader's ANSWERs to
 * the agent that asked, everything else to memb.
 */
#ifndef VIGIL_NETIO_H
#define VIGIL_NETIO_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "maps.h"
#include "memb.h"

struct netio {
	/* wiring, set before netio_start */
	struct memb *memb;
	const struct vigil_maps *maps;
	const struct vigil_keyring *keys; /* slot 0 signs */
	const uint64_t *heartbeat;	  /* the agent's counter, carried in PINGs */
	uint32_t cluster_id, node_id;
	/* a member changed state (old -> mb->state) or its stall flag */
	void (*changed)(void *ctx, const struct member *mb, enum memb_state old);
	/* a REPORT, MAINT or FORGET for this server, from `from` (NULL: from
	 * this agent); NULL on a client */
	void (*to_server)(void *ctx, const void *buf, size_t len, const struct sockaddr *from);
	/* an ANSWER of the Raft leader to a request of this agent's (unverified) */
	void (*answer)(void *ctx, const void *buf, size_t len);
	void *ctx;
	/* state */
	uv_udp_t udp;
};

/* Bind the socket to self and start receiving. 0 or -1 (logged). */
int netio_start(struct netio *n, uv_loop_t *loop, const struct sockaddr *self);
/* memb's environment: this socket, the maps, the monotonic clock. */
void netio_env(struct netio *n, struct memb_env *env);
/* Sign msg and send it to every alive or suspect member in the server role,
 * and hand it to this host's own server if it is one. */
void netio_to_servers(struct netio *n, void *msg, size_t len);
/* Sign msg and send it to `to`. */
void netio_send(struct netio *n, const struct sockaddr *to, void *msg, size_t len);

#endif /* VIGIL_NETIO_H */
