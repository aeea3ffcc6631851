/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * fuzz.h - what vigil's libFuzzer harnesses share: an input read piece by
 * piece, the cluster and key every harness signs with (those of the worked
 * example in docs/protocol.md section 13, so its messages are valid inputs),
 * header fix-up and signing so the fuzzer's bytes get past the MAC, and a
 * membership environment driven by the input that checks every datagram
 * memb sends.
 *
 * A harness defines LLVMFuzzerTestOneInput. Built with -fsanitize=fuzzer it
 * is a libFuzzer target (`make fuzz`); linked with replay.c it runs the
 * committed corpus once (`make check`). A broken invariant is a crash
 * (FZ_CHECK aborts), so libFuzzer saves the input that broke it.
 */
#ifndef VIGIL_FUZZ_H
#define VIGIL_FUZZ_H

#include <arpa/inet.h>
#include <endian.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "config.h"
#include "log.h"
#include "memb.h"
#include "wire.h"
#include "vigil_abi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* docs/protocol.md section 13: cluster az1, key 00 01 .. 0f (slot 0); the
 * harnesses' own node is hv2, messages mostly come from hv1. Slot 1 holds a
 * second key, so rotation paths are reachable. */
#define FZ_CLUSTER 0xb12a9e75U /* id("az1") */
#define FZ_SELF	   0x383053e3U /* id("hv2") */
#define FZ_PEER	   0xa8186421U /* id("hv1") */
#define FZ_K0	   0x0706050403020100ULL
#define FZ_K1	   0x0f0e0d0c0b0a0908ULL
#define FZ_K0_NEXT 0x1716151413121110ULL /* slot 1: key bytes 10 11 .. 1f */
#define FZ_K1_NEXT 0x1f1e1d1c1b1a1918ULL

/* Where a failed invariant is reported: the real stderr, even when the
 * code's own log lines are silenced. */
static FILE *fz_err;

#define FZ_CHECK(cond, ...)                                                                        \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(fz_err ? fz_err : stderr,                                          \
				"%s:%d: invariant broken: %s: ", __FILE__, __LINE__, #cond);       \
			fprintf(fz_err ? fz_err : stderr, __VA_ARGS__);                            \
			fputc('\n', fz_err ? fz_err : stderr);                                     \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

/* Silence the code's log lines (a malformed command is logged each time it
 * is refused, thousands of times a second under the fuzzer). libFuzzer and
 * the sanitizers keep writing to the real stderr: they hold the original
 * stream or write to fd 2 directly. VIGIL_FUZZ_LOG=1 keeps the lines. */
static inline void fz_quiet(void)
{
	FILE *null;

	fz_err = stderr;
	if (getenv("VIGIL_FUZZ_LOG"))
		return;
	null = fopen("/dev/null", "w");
	if (null)
		stderr = null;
	log_set_level(LOG_LVL_ERR);
}

/* libFuzzer (and replay.c) call this once, before the first input. */
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fz_quiet();
	if (sodium_init() < 0) /* (storage heartbeat records: keyed BLAKE2b) */
		abort();
	return 0;
}

/* ---- reading the input ---------------------------------------------------- */

struct fz {
	const uint8_t *p;
	size_t n;
};

static inline uint8_t fz_u8(struct fz *in)
{
	uint8_t v = 0;

	if (in->n) {
		v = *in->p++;
		in->n--;
	}
	return v;
}

static inline uint16_t fz_u16(struct fz *in)
{
	return (uint16_t)(fz_u8(in) | fz_u8(in) << 8);
}

/* The next len bytes (fewer if the input ends first; *got says how many). */
static inline const uint8_t *fz_take(struct fz *in, size_t len, size_t *got)
{
	const uint8_t *p = in->p;

	*got = len < in->n ? len : in->n;
	in->p += *got;
	in->n -= *got;
	return p;
}

/* ---- keys, header, MAC ------------------------------------------------------ */

static inline void fz_keyring(struct vigil_keyring *kr)
{
	memset(kr, 0, sizeof(*kr));
	kr->slot[0].k0 = FZ_K0;
	kr->slot[0].k1 = FZ_K1;
	kr->slot[0].valid = 1;
	kr->slot[1].k0 = FZ_K0_NEXT;
	kr->slot[1].k1 = FZ_K1_NEXT;
	kr->slot[1].valid = 1;
}

/* What fz_seal does to a message, from a control byte of the input. */
#define FZ_FIX	     0x01 /* write magic, version (of its type) and our cluster id */
#define FZ_SIGN	     0x02 /* sign it (its last 8 bytes become the MAC) */
#define FZ_SIGN_NEXT 0x04 /* ... with the key of slot 1 */

/* Make the fuzzer's message look genuine as far as flags asks. Returns 1 if
 * it is now signed with a key of fz_keyring. */
static inline int fz_seal(uint8_t *msg, size_t len, unsigned flags)
{
	struct vigil_hdr h;

	if (len < sizeof(h) + VIGIL_MAC_LEN)
		return 0;
	if (flags & FZ_FIX) {
		memcpy(&h, msg, sizeof(h));
		h.magic = htonl(VIGIL_MAGIC);
		h.version = h.type == VIGIL_MSG_PING || h.type == VIGIL_MSG_ACK
				    ? VIGIL_PROBE_VERSION
				    : VIGIL_PROTO_VERSION;
		h.cluster_id = htonl(FZ_CLUSTER);
		memcpy(msg, &h, sizeof(h));
	}
	if (!(flags & FZ_SIGN))
		return 0;
	if (flags & FZ_SIGN_NEXT)
		wire_sign(msg, len, FZ_K0_NEXT, FZ_K1_NEXT);
	else
		wire_sign(msg, len, FZ_K0, FZ_K1);
	return 1;
}

/* ---- comparing decoded values ------------------------------------------------ */

static inline int fz_addr_equal(const struct sockaddr_storage *a, socklen_t al,
				const struct sockaddr_storage *b, socklen_t bl)
{
	return al == bl && !memcmp(a, b, al);
}

/* Two updates say the same thing (names compared as strings: a decoded name
 * keeps whatever followed its NUL on the wire). */
static inline int fz_update_equal(const struct wire_update *a, const struct wire_update *b)
{
	return a->node_id == b->node_id && a->incarnation == b->incarnation &&
	       a->state == b->state && a->flags == b->flags && a->role == b->role &&
	       a->from_id == b->from_id &&
	       fz_addr_equal(&a->addr, a->addrlen, &b->addr, b->addrlen) &&
	       !strcmp(a->name, b->name);
}

/* ---- a membership driven by the input ---------------------------------------- */

/* The world memb sees: a virtual clock, what the kernel recorded of each
 * probe (FZ_OBS_*), and random numbers from the input's seed. */
enum fz_obs {
	FZ_OBS_NONE,   /* no peers map entry */
	FZ_OBS_EMPTY,  /* an entry, no ACK yet */
	FZ_OBS_ACKED,  /* every probe answered at once */
	FZ_OBS_STALE,  /* answered long ago, heartbeat frozen */
	FZ_OBS_FROZEN, /* answered at once, heartbeat frozen: agent stalled */
	FZ_OBS_COUNT,
};

struct fz_world {
	uint64_t now;	/* CLOCK_MONOTONIC ns */
	uint64_t wall0; /* CLOCK_REALTIME s when now was 0 */
	enum fz_obs obs;
	uint32_t rng;
	int probe_fails; /* env.probe reports that the PING could not be sent */
	uint64_t sent;	 /* datagrams memb sent (each verified) */
};

static struct fz_world fz_world;

static inline uint64_t fz_now(void *ctx)
{
	return ((struct fz_world *)ctx)->now;
}

static inline uint64_t fz_wall_s(void *ctx)
{
	const struct fz_world *w = ctx;

	return w->wall0 + w->now / 1000000000ULL;
}

/* Everything memb sends must be a message it could receive: signed with
 * slot 0, of a type it sends, and decodable. */
static inline void fz_send(void *ctx, const struct sockaddr *to, socklen_t tolen, const void *buf,
			   size_t len)
{
	struct vigil_keyring kr;
	struct wire_update u[VIGIL_GOSSIP_MAX_UPDATES];
	struct wire_relay r;
	size_t n;
	int slot = -1, err;
	uint8_t type;

	(void)to;
	FZ_CHECK(tolen <= sizeof(struct sockaddr_storage), "destination length %u", tolen);
	fz_keyring(&kr);
	err = wire_verify(buf, len, FZ_CLUSTER, &kr, &slot);
	FZ_CHECK(!err && slot == 0, "memb sent a message that does not verify: %s (%zu bytes)",
		 wire_strerror(err), len);
	FZ_CHECK(wire_sender(buf) == FZ_SELF, "memb sent as %08x", wire_sender(buf));
	type = wire_type(buf, len);
	switch (type) {
	case VIGIL_MSG_GOSSIP:
	case VIGIL_MSG_JOIN:
		err = wire_updates_decode(buf, len, u, VIGIL_GOSSIP_MAX_UPDATES, &n);
		break;
	case VIGIL_MSG_PING_REQ:
	case VIGIL_MSG_RELAY_ANS:
		err = wire_relay_decode(buf, len, &r);
		break;
	default:
		err = -1;
	}
	FZ_CHECK(!err, "memb sent type %u that does not decode (%zu bytes)", type, len);
	((struct fz_world *)ctx)->sent++;
}

static inline uint64_t fz_probe(void *ctx, const struct member *m, uint8_t chan, uint32_t seq)
{
	struct fz_world *w = ctx;

	(void)m, (void)chan, (void)seq;
	return w->probe_fails ? 0 : w->now;
}

static inline int fz_observe(void *ctx, const struct member *m, uint8_t chan, struct probe_obs *o)
{
	struct fz_world *w = ctx;

	memset(o, 0, sizeof(*o));
	switch (w->obs) {
	case FZ_OBS_EMPTY:
		return 0;
	case FZ_OBS_ACKED:
	case FZ_OBS_FROZEN:
		o->acks = 1 + m->probe_seq;
		o->last_ack_seq = chan == MEMB_CHAN_RELAY ? m->relay_seq : m->probe_seq;
		o->last_ack_ns = w->now;
		o->heartbeat = w->obs == FZ_OBS_FROZEN ? 7 : w->now / 1000000;
		o->srtt_ns = 100000;
		o->jitter_ns = 20000;
		return 0;
	case FZ_OBS_STALE:
		o->acks = 1;
		o->last_ack_seq = m->probe_seq - 100;
		o->last_ack_ns = w->now > 60000000000ULL ? w->now - 60000000000ULL : 1;
		o->heartbeat = 7;
		o->srtt_ns = 30000000000ULL; /* as slow as an ACK may be */
		o->jitter_ns = 15000000000ULL;
		return 0;
	default:
		return -1;
	}
}

static inline void fz_peer_added(void *ctx, struct member *m)
{
	(void)ctx, (void)m;
}

static inline void fz_peer_removed(void *ctx, const struct member *m)
{
	(void)ctx, (void)m;
}

static inline void fz_changed(void *ctx, const struct member *m, enum memb_state old)
{
	(void)ctx;
	FZ_CHECK(m->state <= MEMB_LEFT && old <= MEMB_LEFT, "state %d -> %d", old, m->state);
}

static inline uint32_t fz_random(void *ctx)
{
	struct fz_world *w = ctx;

	/* xorshift32: deterministic per input */
	w->rng ^= w->rng << 13;
	w->rng ^= w->rng >> 17;
	w->rng ^= w->rng << 5;
	return w->rng;
}

/* This node: hv2 at 10.0.0.2:7301, a server, with the default timing,
 * started (its incarnation's epoch) at 2025-12-01T00:00:00Z. Its table holds
 * 24 members and forgets the dead after 60 s (the smallest values the
 * configuration allows for reap_after_ms), so the fuzzer reaches both. */
static inline void fz_memb_init(struct memb *m, uint32_t seed)
{
	const struct memb_env env = {
		.now = fz_now,
		.wall_s = fz_wall_s,
		.send = fz_send,
		.probe = fz_probe,
		.observe = fz_observe,
		.peer_added = fz_peer_added,
		.peer_removed = fz_peer_removed,
		.changed = fz_changed,
		.random = fz_random,
		.ctx = &fz_world,
	};
	struct sockaddr_in self = {.sin_family = AF_INET, .sin_port = htons(VIGIL_DEFAULT_PORT)};
	struct vigil_keyring kr;
	struct vigil_config c;

	memset(&fz_world, 0, sizeof(fz_world));
	fz_world.now = 1000000000ULL;
	fz_world.wall0 = 1764547199;
	fz_world.rng = seed ? seed : 1;
	self.sin_addr.s_addr = htonl(0x0a000002);
	fz_keyring(&kr);
	config_defaults(&c);
	c.memb.max_members = 24;
	c.memb.reap_after_ms = 60000;
	memb_init(m, &c.memb, &env, &kr, FZ_CLUSTER, "hv2", FZ_SELF, (struct sockaddr *)&self,
		  sizeof(self), VIGIL_ROLE_SERVER);
	m->self.incarnation = fz_wall_s(&fz_world) << 32; /* as the agent starts */
}

/* What must hold of a membership table whatever it was told. */
static inline void fz_memb_check(const struct memb *m)
{
	FZ_CHECK(m->n <= m->cap, "n %zu > cap %zu", m->n, m->cap);
	FZ_CHECK(m->self.state == (m->leaving ? MEMB_LEFT : MEMB_ALIVE), "self is %s",
		 memb_state_name(m->self.state));
	FZ_CHECK(m->local_health <= m->cfg.max_local_health, "local health %u", m->local_health);
	for (size_t i = 0; i < m->n; i++) {
		const struct member *mb = m->members[i];

		FZ_CHECK(mb->id && mb->id != m->self.id, "member id %08x", mb->id);
		FZ_CHECK(mb->state <= MEMB_LEFT, "member %08x state %d", mb->id, mb->state);
		FZ_CHECK(mb->nconfirm <= MEMB_MAX_CONFIRM, "member %08x nconfirm %u", mb->id,
			 mb->nconfirm);
		FZ_CHECK(mb->addrlen <= sizeof(mb->addr), "member %08x addrlen %u", mb->id,
			 mb->addrlen);
		FZ_CHECK(memchr(mb->name, 0, sizeof(mb->name)), "member %08x name unterminated",
			 mb->id);
		for (size_t j = 0; j < i; j++)
			FZ_CHECK(m->members[j]->id != mb->id, "member %08x twice", mb->id);
	}
	if (m->order_len == m->n)
		for (size_t i = 0; i < m->order_len; i++)
			FZ_CHECK(m->order[i] < m->n, "probe order %u of %zu", m->order[i], m->n);
}

#endif /* VIGIL_FUZZ_H */
