/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * memb_fake.h - a membership table for unit tests of the rules that read one
 * (voters, reports, graceful leaves): memb.c itself, with an environment that
 * sends nothing and a clock the test sets, filled through memb_merge as
 * gossip would fill it.
 */
#ifndef VIGIL_TEST_MEMB_FAKE_H
#define VIGIL_TEST_MEMB_FAKE_H

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "memb.h"

#define FAKE_CLUSTER 7
#define FAKE_SELF    1000
#define FAKE_K0	     1
#define FAKE_K1	     2

static uint64_t fake_now_ns = 1000000000ULL;

static uint64_t fake_now(void *ctx)
{
	(void)ctx;
	return fake_now_ns;
}

static uint64_t fake_wall_s_value = 1764547200; /* CLOCK_REALTIME seconds the fake shows */

static uint64_t fake_wall_s(void *ctx)
{
	(void)ctx;
	return fake_wall_s_value;
}

/* What memb sent: how many datagrams, and the last one and where to. */
static unsigned fake_sent;
static uint8_t fake_last[VIGIL_MAX_MSG];
static size_t fake_last_len;
static struct sockaddr_storage fake_last_to;

static void fake_send(void *ctx, const struct sockaddr *to, socklen_t tolen, const void *buf,
		      size_t len)
{
	(void)ctx;
	fake_sent++;
	memcpy(&fake_last_to, to, tolen);
	fake_last_len = len < sizeof(fake_last) ? len : sizeof(fake_last);
	memcpy(fake_last, buf, fake_last_len);
}

static uint64_t fake_probe(void *ctx, const struct member *m, uint8_t chan, uint32_t seq)
{
	(void)ctx, (void)m, (void)chan, (void)seq;
	return fake_now_ns;
}

static int fake_observe(void *ctx, const struct member *m, uint8_t chan, struct probe_obs *o)
{
	(void)ctx, (void)m, (void)chan, (void)o;
	return -1;
}

static void fake_peer_added(void *ctx, struct member *m)
{
	(void)ctx, (void)m;
}

static unsigned fake_removed; /* members reaped */

static void fake_peer_removed(void *ctx, const struct member *m)
{
	(void)ctx, (void)m;
	fake_removed++;
}

static void fake_changed(void *ctx, const struct member *m, enum memb_state old)
{
	(void)ctx, (void)m, (void)old;
}

static uint32_t fake_random(void *ctx)
{
	(void)ctx;
	return 4;
}

/* This node is "self" (id 1000), with the agent's default timing. */
static inline void fake_memb_init(struct memb *m)
{
	const struct memb_env env = {
		.now = fake_now,
		.wall_s = fake_wall_s,
		.send = fake_send,
		.probe = fake_probe,
		.observe = fake_observe,
		.peer_added = fake_peer_added,
		.peer_removed = fake_peer_removed,
		.changed = fake_changed,
		.random = fake_random,
	};
	struct vigil_keyring kr = {.slot = {{FAKE_K0, FAKE_K1, 1}}};
	struct vigil_config c;

	config_defaults(&c);
	memb_init(m, &c.memb, &env, &kr, FAKE_CLUSTER, "self", FAKE_SELF, NULL, 0,
		  VIGIL_ROLE_SERVER);
	m->self.incarnation = fake_wall_s_value << 32; /* as the agent starts, at its epoch */
}

/* The address fake_member gives member id, as addr_format writes it. */
static inline const char *fake_addr(uint32_t id)
{
	static char s[32];

	snprintf(s, sizeof(s), "10.%u.%u.%u:7301", (id >> 16) & 0xff, (id >> 8) & 0xff, id & 0xff);
	return s;
}

/* Member id (named hvID, at 10.0.0.ID) in state st at incarnation inc, as a
 * full-state merge would bring it. */
static inline void fake_member(struct memb *m, uint32_t id, uint8_t role, enum memb_state st,
			       uint64_t inc)
{
	struct wire_update u;
	struct sockaddr_in *sin = (struct sockaddr_in *)&u.addr;

	memset(&u, 0, sizeof(u));
	u.node_id = id;
	u.incarnation = inc;
	u.role = role;
	u.from_id = 1000;
	sin->sin_family = AF_INET;
	sin->sin_port = htons(7301);
	sin->sin_addr.s_addr = htonl(0x0a000000u + (id & 0xffffff));
	u.addrlen = sizeof(*sin);
	snprintf(u.name, sizeof(u.name), "hv%u", id);
	if (!memb_find(m, id)) {
		u.state = VIGIL_ST_ALIVE;
		memb_merge(m, &u, 1);
		if (st == MEMB_ALIVE)
			return;
	}
	u.state = (uint8_t)st;
	memb_merge(m, &u, 1);
}

/* Member id has answered our kernel (the peers map recorded an ACK). */
static inline void fake_heard(struct memb *m, uint32_t id)
{
	memb_find(m, id)->last_ack_ns = fake_now_ns;
}

/* Sign msg as a member of the fake's cluster and hand it to memb, from
 * 10.0.0.(from & 0xff):7301. */
static inline void fake_deliver(struct memb *m, void *msg, size_t len, uint32_t from)
{
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(7301)};

	sin.sin_addr.s_addr = htonl(0x0a000000u + (from & 0xff));
	wire_sign(msg, len, FAKE_K0, FAKE_K1);
	memb_receive(m, (struct sockaddr *)&sin, sizeof(sin), msg, len);
}

#endif /* VIGIL_TEST_MEMB_FAKE_H */
