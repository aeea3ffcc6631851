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

static uint64_t fake_now_ns = 1000000000ULL;

static uint64_t fake_now(void *ctx)
{
	(void)ctx;
	return fake_now_ns;
}

static void fake_send(void *ctx, const struct sockaddr *to, socklen_t tolen, const void *buf,
		      size_t len)
{
	(void)ctx, (void)to, (void)tolen, (void)buf, (void)len;
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
	const struct memb_env env = {fake_now,	      fake_send,    fake_probe,	 fake_observe,
				     fake_peer_added, fake_changed, fake_random, NULL};
	struct vigil_keyring kr = {.slot = {{1, 2, 1}}};
	struct vigil_config c;

	config_defaults(&c);
	memb_init(m, &c.memb, &env, &kr, 7, "self", 1000, NULL, 0, VIGIL_ROLE_SERVER);
}

/* Member id (named hvID, at 10.0.0.ID) in state st at incarnation inc, as a
 * full-state merge would bring it. */
static inline void fake_member(struct memb *m, uint32_t id, uint8_t role, enum memb_state st,
			       uint32_t inc)
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
	}
	u.state = (uint8_t)st;
	memb_merge(m, &u, 1);
}

#endif /* VIGIL_TEST_MEMB_FAKE_H */
