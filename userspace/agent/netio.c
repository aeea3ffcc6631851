// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* netio.c - the membership's socket, probes and kernel observations. */
#include <stdlib.h>
#include <sys/random.h>

#include "log.h"
#include "netio.h"
#include "util.h"

/* ---- memb's environment ---------------------------------------------------- */

static uint64_t env_now(void *ctx)
{
	(void)ctx;
	return now_mono_ns();
}

static uint64_t env_wall_s(void *ctx)
{
	(void)ctx;
	return now_real_ns() / NSEC_PER_SEC;
}

static void env_send(void *ctx, const struct sockaddr *to, socklen_t tolen, const void *buf,
		     size_t len)
{
	struct netio *n = ctx;
	uv_buf_t b = uv_buf_init((char *)buf, (unsigned)len);
	int rc;

	(void)tolen;
	rc = uv_udp_try_send(&n->udp, &b, 1, to);
	if (rc < 0)
		log_debug("send: %s", uv_strerror(rc));
}

static uint64_t env_probe(void *ctx, const struct member *mb, uint8_t chan, uint32_t seq)
{
	struct netio *n = ctx;
	struct probe_fields f = {
		.type = VIGIL_MSG_PING,
		.cluster_id = n->cluster_id,
		.sender_id = n->node_id,
		.target_id = mb->id,
		.seq = seq,
		.incarnation = n->memb->self.incarnation,
		.chan = chan,
		.heartbeat = *n->heartbeat,
	};
	struct vigil_probe msg;
	uv_buf_t b;
	int rc;

	f.send_ns = now_mono_ns();
	if (maps_inflight_record(n->maps, mb->id, chan, seq, f.send_ns))
		return 0;
	wire_probe_encode(&msg, &f);
	wire_sign(&msg, sizeof(msg), n->keys->slot[0].k0, n->keys->slot[0].k1);
	b = uv_buf_init((char *)&msg, sizeof(msg));
	rc = uv_udp_try_send(&n->udp, &b, 1, (const struct sockaddr *)&mb->addr);
	if (rc < 0) {
		log_debug("probe %s: %s", mb->name, uv_strerror(rc));
		return 0;
	}
	/* The PING left no later than now: deadlines run from here. */
	return now_mono_ns();
}

static int env_observe(void *ctx, const struct member *mb, uint8_t chan, struct probe_obs *o)
{
	struct netio *n = ctx;
	struct vigil_peer p;

	if (maps_peer_get(n->maps, mb->id, chan, &p))
		return -1;
	o->last_ack_seq = p.last_ack_seq;
	o->last_ack_ns = p.last_ack_ns;
	o->acks = p.acks;
	o->heartbeat = p.heartbeat;
	o->srtt_ns = p.srtt_ns;
	o->jitter_ns = p.jitter_ns;
	return 0;
}

static void env_peer_added(void *ctx, struct member *mb)
{
	struct netio *n = ctx;
	struct vigil_peer p;

	/* Keep what the kernel already knows (agent restart): continue the
	 * sequence numbers so our next probes are newer than its last ACK. */
	if (maps_peer_ensure(n->maps, mb->id, VIGIL_CHAN_AGENT) ||
	    maps_peer_ensure(n->maps, mb->id, VIGIL_CHAN_RELAY))
		log_warn("member %s (id %u): no room in the kernel's peers map; its ACKs cannot be "
			 "recorded (lower max_members)",
			 mb->name, mb->id);
	if (maps_peer_get(n->maps, mb->id, VIGIL_CHAN_AGENT, &p) == 0)
		mb->probe_seq = p.last_ack_seq + VIGIL_INFLIGHT;
	if (maps_peer_get(n->maps, mb->id, VIGIL_CHAN_RELAY, &p) == 0)
		mb->relay_seq = p.last_ack_seq + VIGIL_INFLIGHT;
	log_info("member %s (id %u) added", mb->name, mb->id);
}

static void env_peer_removed(void *ctx, const struct member *mb)
{
	struct netio *n = ctx;

	maps_peer_del(n->maps, mb->id, VIGIL_CHAN_AGENT);
	maps_peer_del(n->maps, mb->id, VIGIL_CHAN_RELAY);
	log_info("member %s (id %u) forgotten: %s for longer than reap_after_ms", mb->name, mb->id,
		 memb_state_name(mb->state));
}

static void env_changed(void *ctx, const struct member *mb, enum memb_state old)
{
	struct netio *n = ctx;

	if (n->changed)
		n->changed(n->ctx, mb, old);
}

static uint32_t env_random(void *ctx)
{
	uint32_t r;

	(void)ctx;
	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != sizeof(r))
		r = (uint32_t)random();
	return r;
}

void netio_env(struct netio *n, struct memb_env *env)
{
	*env = (struct memb_env){
		.now = env_now,
		.wall_s = env_wall_s,
		.send = env_send,
		.probe = env_probe,
		.observe = env_observe,
		.peer_added = env_peer_added,
		.peer_removed = env_peer_removed,
		.changed = env_changed,
		.random = env_random,
		.ctx = n,
	};
}

/* ---- the socket -------------------------------------------------------------- */

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	static char rxbuf[2048];

	(void)h;
	(void)suggested;
	*buf = uv_buf_init(rxbuf, sizeof(rxbuf));
}

static void on_recv(uv_udp_t *h, ssize_t len, const uv_buf_t *buf, const struct sockaddr *from,
		    unsigned flags)
{
	struct netio *n = h->data;
	uint8_t type;
	socklen_t fl;

	if (len <= 0 || !from || (flags & UV_UDP_PARTIAL))
		return;
	type = wire_type(buf->base, (size_t)len);
	if (type == VIGIL_MSG_REPORT || type == VIGIL_MSG_MAINT || type == VIGIL_MSG_FORGET) {
		if (n->to_server)
			n->to_server(n->ctx, buf->base, (size_t)len, from);
		else
			n->memb->stats.bad_msgs++; /* only servers take these */
		return;
	}
	if (type == VIGIL_MSG_ANSWER) {
		if (n->answer)
			n->answer(n->ctx, buf->base, (size_t)len);
		return;
	}
	fl = from->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
	memb_receive(n->memb, from, fl, buf->base, (size_t)len);
}

int netio_start(struct netio *n, uv_loop_t *loop, const struct sockaddr *self)
{
	char addr[80];
	int rc;

	uv_udp_init(loop, &n->udp);
	n->udp.data = n;
	rc = uv_udp_bind(&n->udp, self, UV_UDP_REUSEADDR);
	if (rc) {
		addr_format(self, addr, sizeof(addr));
		log_err("cannot bind UDP %s: %s", addr, uv_strerror(rc));
		return -1;
	}
	uv_udp_recv_start(&n->udp, on_alloc, on_recv);
	return 0;
}

void netio_to_servers(struct netio *n, void *msg, size_t len)
{
	const struct memb *m = n->memb;
	uv_buf_t b = uv_buf_init(msg, (unsigned)len);

	wire_sign(msg, len, n->keys->slot[0].k0, n->keys->slot[0].k1);
	if (n->to_server)
		n->to_server(n->ctx, msg, len, NULL);
	for (size_t i = 0; i < m->n; i++) {
		const struct member *mb = m->members[i];

		if (mb->role != VIGIL_ROLE_SERVER ||
		    (mb->state != MEMB_ALIVE && mb->state != MEMB_SUSPECT))
			continue;
		uv_udp_try_send(&n->udp, &b, 1, (const struct sockaddr *)&mb->addr);
	}
}

void netio_send(struct netio *n, const struct sockaddr *to, void *msg, size_t len)
{
	uv_buf_t b = uv_buf_init(msg, (unsigned)len);
	int rc;

	wire_sign(msg, len, n->keys->slot[0].k0, n->keys->slot[0].k1);
	rc = uv_udp_try_send(&n->udp, &b, 1, to);
	if (rc < 0)
		log_debug("send: %s", uv_strerror(rc));
}
