// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * sim.c - deterministic simulator of vigil's membership protocol.
 *
 * Drives the agent's own userspace/memb.c (linked from libvigil.a) with N
 * nodes over a simulated network in virtual time: one event queue (a binary
 * heap ordered by time, then by insertion), one seeded PRNG per node for
 * memb's randomness and one for the network, so a run is a pure function of
 * its command line.
 *
 * The kernel fast path is modelled as the XDP program behaves: a PING that
 * reaches an up host is answered at once by its "kernel", whatever its agent
 * is doing, with the agent's heartbeat counter; the ACK is recorded in the
 * prober's per-(peer, channel) record (newest sequence only, receive time,
 * RFC 6298 srtt and jitter), which env.observe reads like the peers map.
 *
 * Faults: host crash (no answers, no messages, no ticks), independent packet
 * loss, partitions into groups, and agent stalls (no ticks, datagrams queued
 * in the socket buffer, heartbeat frozen, kernel still answering).
 *
 * docs/design.md ("Simulator") describes the model and its results.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "memb.h"
#include "wire.h"
#include "rtt.h" /* the XDP program's RTT estimator */

#define NS_PER_MS   1000000ULL
#define NS_PER_SEC  1000000000ULL
#define T0	    NS_PER_SEC /* virtual clock at the start of a run (never 0) */
#define SIM_PORT    7301
#define MAX_SPECS   64
#define BACKLOG_MAX 256		      /* datagrams a stalled agent's socket buffers */
#define PART_GRACE  (10 * NS_PER_SEC) /* accusations this long after a heal are the partition's */
#define CHECK_EVERY (50 * NS_PER_MS)  /* convergence checks after a heal or while joining */
#define PP_HOPS	    3		      /* one-way delays before a push-pull frame arrives (TCP) */

/* ---- PRNG: xoshiro256**, seeded with splitmix64 ------------------------- */

struct rng {
	uint64_t s[4];
};

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void rng_seed(struct rng *r, uint64_t seed, uint64_t stream)
{
	uint64_t x = seed ^ (stream * 0xd1b54a32d192ed03ULL);

	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t rng_next(struct rng *r)
{
	uint64_t *s = r->s, res = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return res;
}

static double rng_unit(struct rng *r) /* [0, 1) */
{
	return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

/* ---- parameters --------------------------------------------------------- */

struct crash_spec {
	uint32_t node;
	uint64_t at; /* virtual ns from the start of the run */
};

struct stall_spec {
	uint32_t node;
	uint64_t from, to;
};

struct part_spec {
	char groups[256]; /* "0-1|2,3,4": nodes not listed form one more group */
	uint64_t from, to;
};

struct params {
	uint32_t n;
	uint64_t seed;
	double loss;
	uint64_t duration, tick, lat_base, lat_jitter;
	int join;		   /* bootstrap: 1 = memb_join via node 0, 0 = seeded */
	uint64_t pushpull;	   /* anti-entropy period; 0 = off */
	uint64_t win_from, win_to; /* steady-state window; 0 = automatic */
	struct crash_spec crash[MAX_SPECS];
	struct stall_spec stall[MAX_SPECS];
	struct part_spec part[MAX_SPECS];
	int ncrash, nstall, npart;
	int verbose;
	struct vigil_config cfg; /* the agent's configuration: defaults, -set KEY=VALUE */
};

/* ---- simulation state --------------------------------------------------- */

enum ev_type {
	EV_TICK,
	EV_MSG,	 /* datagram to the agent's socket */
	EV_PING, /* PING reaching the target's kernel */
	EV_ACK,	 /* ACK reaching the prober's kernel */
	EV_CRASH,
	EV_STALL,
	EV_RESUME,
	EV_PART,
	EV_HEAL,
	EV_WINDOW,  /* arg 0: steady-state window opens, 1: closes */
	EV_CHECK,   /* convergence check */
	EV_PP_REQ,  /* push-pull: a client's full state reaches the server */
	EV_PP_RESP, /* push-pull: the server's full state reaches the client */
};

struct event {
	uint64_t t, seq;
	uint8_t type, chan;
	uint16_t arg;
	uint32_t src, dst;
	uint32_t pseq; /* probe sequence; datagram length */
	uint64_t send_ns;
	union {
		uint64_t heartbeat; /* ACK */
		void *buf;	    /* datagram */
	};
};

/* A node's kernel record of one peer channel (the peers map value). */
struct rec {
	uint32_t last_ack_seq;
	uint32_t pad;
	uint64_t acks, last_ack_ns, heartbeat;
	__u64 srtt_ns, jitter_ns; /* as struct vigil_peer, for rtt_smooth() */
};

struct node {
	struct sim *sim;
	uint32_t idx;
	struct memb memb;
	struct sockaddr_in addr;
	int up, stalled;
	uint64_t down_at; /* when it crashed */
	uint64_t heartbeat, next_hb;
	struct rng rng;
	struct rec *rec[2]; /* [0] channel 0 (agent), [1] channel 255 (relay); n each */
	struct event *backlog;
	size_t nbacklog;
	uint64_t next_join, next_pp;
	/* what this node put on the wire */
	uint64_t sent_msgs, sent_probes, sent_acks, sent_bytes;
};

struct crash_res {
	uint32_t victim;
	uint64_t at;
	int fired;
	uint64_t *suspect, *dead; /* per observer: first time seen, 0 = never */
};

struct stall_res {
	uint32_t flagged, suspected, dead; /* observers */
	uint8_t *seen_flag;
};

struct part_res {
	uint8_t *group;
	uint8_t *seen;	  /* n*n: 1 suspect or dead, 2 dead */
	uint64_t heal_ns; /* time to convergence after the heal */
	int healed, heal_done;
};

struct sim {
	const struct params *p;
	uint32_t n;
	uint64_t now;
	struct node *nodes;
	struct event *heap;
	size_t nheap, capheap;
	uint64_t evseq;
	struct rng net;
	struct vigil_keyring keys;
	uint32_t cluster_id;
	/* partition in force */
	const uint8_t *group;
	/* results */
	struct crash_res crash[MAX_SPECS];
	struct stall_res stall[MAX_SPECS];
	struct part_res part[MAX_SPECS];
	uint64_t false_suspect, false_dead, part_suspect, part_dead;
	uint64_t win_msgs[2], win_pkts[2], win_bytes[2], win_t[2];
	int win_done;
	uint64_t join_ns; /* join mode: time everyone knew everyone */
	int join_done;
	uint64_t events, dropped, stale_acks, pp_exchanges;
};

struct result {
	uint32_t n;
	double msgs_per_node_s, pkts_per_node_s, bytes_per_node_s;
	double suspect_p50, suspect_p99, suspect_max, dead_p50, dead_p99, dead_max;
	int detected_all, converged, crashes;
	uint64_t false_suspect, false_dead, stalled_dead;
	double real_s;
};

/* ---- event heap --------------------------------------------------------- */

static int ev_before(const struct event *a, const struct event *b)
{
	return a->t < b->t || (a->t == b->t && a->seq < b->seq);
}

static void ev_push(struct sim *s, struct event *e)
{
	size_t i;

	if (s->nheap == s->capheap) {
		size_t cap = s->capheap ? s->capheap * 2 : 1024;
		struct event *h = realloc(s->heap, cap * sizeof(*h));

		if (!h) {
			perror("sim: heap");
			exit(2);
		}
		s->heap = h;
		s->capheap = cap;
	}
	e->seq = s->evseq++;
	i = s->nheap++;
	while (i) {
		size_t up = (i - 1) / 2;

		if (!ev_before(e, &s->heap[up]))
			break;
		s->heap[i] = s->heap[up];
		i = up;
	}
	s->heap[i] = *e;
}

static void ev_pop(struct sim *s, struct event *out)
{
	struct event last;
	size_t i = 0;

	*out = s->heap[0];
	last = s->heap[--s->nheap];
	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= s->nheap)
			break;
		if (c + 1 < s->nheap && ev_before(&s->heap[c + 1], &s->heap[c]))
			c++;
		if (!ev_before(&s->heap[c], &last))
			break;
		s->heap[i] = s->heap[c];
		i = c;
	}
	if (s->nheap)
		s->heap[i] = last;
}

static void schedule(struct sim *s, uint64_t t, uint8_t type, uint32_t dst, uint16_t arg)
{
	struct event e = {.t = t, .type = type, .dst = dst, .arg = arg};

	ev_push(s, &e);
}

/* ---- network ------------------------------------------------------------ */

static int reach(const struct sim *s, uint32_t a, uint32_t b)
{
	return !s->group || s->group[a] == s->group[b];
}

static uint64_t latency(struct sim *s)
{
	return s->p->lat_base + (uint64_t)((double)s->p->lat_jitter * rng_unit(&s->net));
}

/* May a packet from a to b leave (not lost, not partitioned)? */
static int net_pass(struct sim *s, uint32_t a, uint32_t b)
{
	if (!reach(s, a, b) || (s->p->loss > 0 && rng_unit(&s->net) < s->p->loss)) {
		s->dropped++;
		return 0;
	}
	return 1;
}

/* Node index of a simulated address (10.x.y.z:7301), or -1. */
static int addr_node(const struct sim *s, const struct sockaddr *sa)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;
	uint32_t ip;

	if (sa->sa_family != AF_INET || ntohs(sin->sin_port) != SIM_PORT)
		return -1;
	ip = ntohl(sin->sin_addr.s_addr);
	if (ip < 0x0a000001U || ip - 0x0a000001U >= s->n)
		return -1;
	return (int)(ip - 0x0a000001U);
}

/* ---- the memb environment ----------------------------------------------- */

static uint64_t env_now(void *ctx)
{
	return ((struct node *)ctx)->sim->now;
}

/* The wall clock, which bounds incarnation epochs: virtual time from a fixed
 * date (incarnations here stay in epoch 0, far behind it). */
static uint64_t env_wall_s(void *ctx)
{
	return 1764547200ULL + ((struct node *)ctx)->sim->now / NS_PER_SEC;
}

static uint32_t env_random(void *ctx)
{
	return (uint32_t)(rng_next(&((struct node *)ctx)->rng) >> 32);
}

static void env_send(void *ctx, const struct sockaddr *to, socklen_t tolen, const void *buf,
		     size_t len)
{
	struct node *nd = ctx;
	struct sim *s = nd->sim;
	int dst = addr_node(s, to);
	struct event e = {.type = EV_MSG, .src = nd->idx, .pseq = (uint32_t)len};

	nd->sent_msgs++;
	nd->sent_bytes += len;
	if (dst < 0 || !net_pass(s, nd->idx, (uint32_t)dst))
		return;
	e.dst = (uint32_t)dst;
	e.t = s->now + latency(s);
	e.buf = malloc(len);
	if (!e.buf) {
		perror("sim: datagram");
		exit(2);
	}
	memcpy(e.buf, buf, len);
	ev_push(s, &e);
}

static uint64_t env_probe(void *ctx, const struct member *mb, uint8_t chan, uint32_t seq)
{
	struct node *nd = ctx;
	struct sim *s = nd->sim;
	int dst = addr_node(s, (const struct sockaddr *)&mb->addr);
	struct event e = {.type = EV_PING, .src = nd->idx, .chan = chan, .pseq = seq};

	nd->sent_probes++;
	e.send_ns = s->now;
	if (dst >= 0 && net_pass(s, nd->idx, (uint32_t)dst)) {
		e.dst = (uint32_t)dst;
		e.t = s->now + latency(s);
		ev_push(s, &e);
	}
	return s->now; /* the PING left now */
}

static struct rec *node_rec(struct node *nd, uint32_t peer, uint8_t chan)
{
	if (peer >= nd->sim->n || (chan != MEMB_CHAN_AGENT && chan != MEMB_CHAN_RELAY))
		return NULL;
	return &nd->rec[chan == MEMB_CHAN_RELAY][peer];
}

static int env_observe(void *ctx, const struct member *mb, uint8_t chan, struct probe_obs *o)
{
	struct rec *r = node_rec(ctx, mb->id - 1, chan);

	if (!r)
		return -1;
	o->last_ack_seq = r->last_ack_seq;
	o->last_ack_ns = r->last_ack_ns;
	o->acks = r->acks;
	o->heartbeat = r->heartbeat;
	o->srtt_ns = r->srtt_ns;
	o->jitter_ns = r->jitter_ns;
	return 0;
}

static void env_peer_removed(void *ctx, const struct member *mb)
{
	(void)ctx, (void)mb; /* runs are shorter than reap_after_ms */
}

static void env_peer_added(void *ctx, struct member *mb)
{
	struct rec *r;

	/* As the agent: continue after what the kernel already recorded. */
	r = node_rec(ctx, mb->id - 1, MEMB_CHAN_AGENT);
	if (r && r->acks)
		mb->probe_seq = r->last_ack_seq + VIGIL_INFLIGHT;
	r = node_rec(ctx, mb->id - 1, MEMB_CHAN_RELAY);
	if (r && r->acks)
		mb->relay_seq = r->last_ack_seq + VIGIL_INFLIGHT;
}

static int in_stall(const struct sim *s, uint32_t v, int *which)
{
	for (int i = 0; i < s->p->nstall; i++) {
		const struct stall_spec *st = &s->p->stall[i];

		if (st->node == v && s->now >= T0 + st->from && s->now < T0 + st->to + PART_GRACE) {
			*which = i;
			return 1;
		}
	}
	return 0;
}

static int in_partition_window(const struct sim *s, int *which)
{
	for (int i = 0; i < s->p->npart; i++) {
		const struct part_spec *ps = &s->p->part[i];

		if (s->now >= T0 + ps->from && s->now < T0 + ps->to + PART_GRACE) {
			*which = i;
			return 1;
		}
	}
	return 0;
}

static void env_changed(void *ctx, const struct member *mb, enum memb_state old)
{
	struct node *nd = ctx;
	struct sim *s = nd->sim;
	uint32_t v = mb->id - 1, o = nd->idx;
	int accuse = mb->state == MEMB_SUSPECT || mb->state == MEMB_DEAD,
	    dead = mb->state == MEMB_DEAD;
	int w;

	if (v >= s->n)
		return;
	if (s->p->verbose) {
		if (old != mb->state)
			printf("%10.3f n%u: n%u %s -> %s (incarnation %llu)\n",
			       (double)(s->now - T0) / 1e9, o, v, memb_state_name(old),
			       memb_state_name(mb->state), (unsigned long long)mb->incarnation);
		else
			printf("%10.3f n%u: n%u agent_stalled=%d\n", (double)(s->now - T0) / 1e9, o,
			       v, mb->agent_stalled);
	}
	if (old == mb->state) {
		if (mb->agent_stalled && in_stall(s, v, &w) && !s->stall[w].seen_flag[o]) {
			s->stall[w].seen_flag[o] = 1;
			s->stall[w].flagged++;
		}
		return;
	}
	if (!accuse)
		return;
	if (!s->nodes[v].up) {
		/* A true accusation: record the first suspicion and death. */
		for (int i = 0; i < s->p->ncrash; i++) {
			struct crash_res *c = &s->crash[i];

			if (c->victim != v || !c->fired)
				continue;
			if (!c->suspect[o])
				c->suspect[o] = s->now;
			if (dead && !c->dead[o])
				c->dead[o] = s->now;
			break;
		}
		return;
	}
	if (in_partition_window(s, &w)) {
		struct part_res *pr = &s->part[w];

		if (dead)
			s->part_dead++;
		else
			s->part_suspect++;
		if (pr->seen && s->group && pr->group[o] != pr->group[v])
			pr->seen[(size_t)o * s->n + v] |= (uint8_t)(dead ? 3 : 1);
		return;
	}
	if (dead)
		s->false_dead++;
	else
		s->false_suspect++;
	if (in_stall(s, v, &w)) {
		if (dead)
			s->stall[w].dead++;
		else
			s->stall[w].suspected++;
	}
}

/* ---- set-up ------------------------------------------------------------- */

static void node_addr(uint32_t i, struct sockaddr_in *sin)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(SIM_PORT);
	sin->sin_addr.s_addr = htonl(0x0a000001U + i);
}

/* Every node's update as push-pull would carry it (incarnation 0, alive). */
static struct wire_update *seed_updates(const struct sim *s)
{
	struct wire_update *u = calloc(s->n, sizeof(*u));

	if (!u)
		return NULL;
	for (uint32_t i = 0; i < s->n; i++) {
		u[i].node_id = i + 1;
		u[i].state = VIGIL_ST_ALIVE;
		memcpy(&u[i].addr, &s->nodes[i].addr, sizeof(s->nodes[i].addr));
		u[i].addrlen = sizeof(s->nodes[i].addr);
		u[i].from_id = 1;
		snprintf(u[i].name, sizeof(u[i].name), "n%u", i);
	}
	return u;
}

static int parse_groups(const char *spec, uint32_t n, uint8_t *group)
{
	char buf[256], *save = NULL, *g;
	uint8_t gi = 0;

	memset(group, 0xff, n);
	snprintf(buf, sizeof(buf), "%s", spec);
	for (g = strtok_r(buf, "|", &save); g; g = strtok_r(NULL, "|", &save), gi++) {
		char *save2 = NULL, *item;

		if (gi == 254)
			return -1;
		for (item = strtok_r(g, ",", &save2); item; item = strtok_r(NULL, ",", &save2)) {
			char *end;
			unsigned long a = strtoul(item, &end, 10), b = a;

			if (end == item)
				return -1;
			if (*end == '-')
				b = strtoul(end + 1, &end, 10);
			if (*end || b < a || b >= n)
				return -1;
			for (unsigned long k = a; k <= b; k++)
				group[k] = gi;
		}
	}
	for (uint32_t i = 0; i < n; i++)
		if (group[i] == 0xff)
			group[i] = gi; /* the unlisted form one more group */
	return 0;
}

static int sim_init(struct sim *s, const struct params *p)
{
	struct memb_env env = {
		.now = env_now,
		.wall_s = env_wall_s,
		.send = env_send,
		.probe = env_probe,
		.observe = env_observe,
		.peer_added = env_peer_added,
		.peer_removed = env_peer_removed,
		.changed = env_changed,
		.random = env_random,
	};
	static const uint8_t key[VIGIL_KEY_LEN] = "vigil-simulator";

	memset(s, 0, sizeof(*s));
	s->p = p;
	s->n = p->n;
	s->now = T0;
	rng_seed(&s->net, p->seed, 0xffffffffULL);
	wire_key_split(key, &s->keys.slot[0].k0, &s->keys.slot[0].k1);
	s->keys.slot[0].valid = 1;
	s->cluster_id = wire_name_id("sim");
	s->nodes = calloc(s->n, sizeof(*s->nodes));
	if (!s->nodes)
		return -1;
	for (uint32_t i = 0; i < s->n; i++) {
		struct node *nd = &s->nodes[i];
		char name[32];

		nd->sim = s;
		nd->idx = i;
		nd->up = 1;
		nd->heartbeat = 1;
		rng_seed(&nd->rng, p->seed, i);
		node_addr(i, &nd->addr);
		nd->rec[0] = calloc(s->n, sizeof(struct rec));
		nd->rec[1] = calloc(s->n, sizeof(struct rec));
		if (!nd->rec[0] || !nd->rec[1])
			return -1;
		env.ctx = nd;
		snprintf(name, sizeof(name), "n%u", i);
		memb_init(&nd->memb, &p->cfg.memb, &env, &s->keys, s->cluster_id, name, i + 1,
			  (struct sockaddr *)&nd->addr, sizeof(nd->addr), 0);
	}
	for (int i = 0; i < p->ncrash; i++) {
		s->crash[i].victim = p->crash[i].node;
		s->crash[i].at = T0 + p->crash[i].at;
		s->crash[i].suspect = calloc(s->n, sizeof(uint64_t));
		s->crash[i].dead = calloc(s->n, sizeof(uint64_t));
		if (!s->crash[i].suspect || !s->crash[i].dead)
			return -1;
		schedule(s, s->crash[i].at, EV_CRASH, p->crash[i].node, (uint16_t)i);
	}
	for (int i = 0; i < p->nstall; i++) {
		s->stall[i].seen_flag = calloc(s->n, 1);
		if (!s->stall[i].seen_flag)
			return -1;
		schedule(s, T0 + p->stall[i].from, EV_STALL, p->stall[i].node, (uint16_t)i);
		schedule(s, T0 + p->stall[i].to, EV_RESUME, p->stall[i].node, (uint16_t)i);
	}
	for (int i = 0; i < p->npart; i++) {
		s->part[i].group = malloc(s->n);
		if (!s->part[i].group)
			return -1;
		if (parse_groups(p->part[i].groups, s->n, s->part[i].group)) {
			fprintf(stderr, "sim: bad partition groups '%s' for %u nodes\n",
				p->part[i].groups, s->n);
			return -1;
		}
		if (s->n <= 4096)
			s->part[i].seen = calloc((size_t)s->n * s->n, 1);
		schedule(s, T0 + p->part[i].from, EV_PART, 0, (uint16_t)i);
		schedule(s, T0 + p->part[i].to, EV_HEAL, 0, (uint16_t)i);
	}
	schedule(s, T0 + p->win_from, EV_WINDOW, 0, 0);
	schedule(s, T0 + p->win_to, EV_WINDOW, 0, 1);

	/* Bootstrap, and each node's tick at its own phase. */
	if (p->join) {
		for (uint32_t i = 1; i < s->n; i++)
			s->nodes[i].next_join =
				T0 + (uint64_t)(rng_unit(&s->net) * (double)NS_PER_SEC);
		schedule(s, T0 + CHECK_EVERY, EV_CHECK, 0, 0);
	} else {
		struct wire_update *u = seed_updates(s);

		if (!u)
			return -1;
		/* A cluster that has long converged: everyone merged everyone's
		 * state (as push-pull does), and nothing is left to gossip. */
		for (uint32_t i = 0; i < s->n; i++) {
			struct memb *m = &s->nodes[i].memb;

			memb_merge(m, u, s->n);
			m->self.transmits_left = 0;
			for (size_t k = 0; k < m->n; k++)
				m->members[k]->transmits_left = 0;
		}
		free(u);
	}
	for (uint32_t i = 0; i < s->n; i++) {
		s->nodes[i].next_pp = T0 + (uint64_t)(rng_unit(&s->net) * (double)p->pushpull);
		schedule(s, T0 + (uint64_t)(rng_unit(&s->net) * (double)p->tick), EV_TICK, i, 0);
	}
	return 0;
}

static void sim_free(struct sim *s)
{
	for (uint32_t i = 0; i < s->n; i++) {
		struct node *nd = &s->nodes[i];

		memb_free(&nd->memb);
		free(nd->rec[0]);
		free(nd->rec[1]);
		for (size_t k = 0; k < nd->nbacklog; k++)
			free(nd->backlog[k].buf);
		free(nd->backlog);
	}
	for (size_t i = 0; i < s->nheap; i++)
		if (s->heap[i].type == EV_MSG || s->heap[i].type == EV_PP_REQ ||
		    s->heap[i].type == EV_PP_RESP)
			free(s->heap[i].buf);
	for (int i = 0; i < MAX_SPECS; i++) {
		free(s->crash[i].suspect);
		free(s->crash[i].dead);
		free(s->stall[i].seen_flag);
		free(s->part[i].group);
		free(s->part[i].seen);
	}
	free(s->heap);
	free(s->nodes);
}

/* ---- events ------------------------------------------------------------- */

/* Does every up node see every up node alive and every crashed one dead? */
static int converged(const struct sim *s)
{
	for (uint32_t i = 0; i < s->n; i++) {
		const struct memb *m = &s->nodes[i].memb;

		if (!s->nodes[i].up)
			continue;
		if (m->n != s->n - 1)
			return 0;
		for (size_t k = 0; k < m->n; k++) {
			const struct member *mb = m->members[k];
			uint32_t v = mb->id - 1;

			if (v >= s->n)
				return 0;
			if (mb->state != (s->nodes[v].up ? MEMB_ALIVE : MEMB_DEAD))
				return 0;
		}
	}
	return 1;
}

/* Say how the views differ (for a run that did not converge). */
static void explain_views(const struct sim *s)
{
	int shown = 0;

	for (uint32_t i = 0; i < s->n && shown < 5; i++) {
		const struct memb *m = &s->nodes[i].memb;

		if (!s->nodes[i].up)
			continue;
		if (m->n != s->n - 1) {
			printf("  n%u knows %zu of %u other nodes", i, m->n, s->n - 1);
			for (uint32_t v = 0; v < s->n; v++)
				if (v != i && !memb_find(m, v + 1))
					printf(" (not n%u)", v);
			printf("\n");
			shown++;
		}
		for (size_t k = 0; k < m->n && shown < 5; k++) {
			const struct member *mb = m->members[k];
			uint32_t v = mb->id - 1;

			if (v < s->n && mb->state != (s->nodes[v].up ? MEMB_ALIVE : MEMB_DEAD)) {
				printf("  n%u sees n%u %s (incarnation %llu), but it is %s\n", i, v,
				       memb_state_name(mb->state),
				       (unsigned long long)mb->incarnation,
				       s->nodes[v].up ? "up" : "down");
				shown++;
			}
		}
	}
}

static void window_snap(struct sim *s, int which)
{
	uint64_t msgs = 0, pkts = 0, bytes = 0;

	for (uint32_t i = 0; i < s->n; i++) {
		const struct node *nd = &s->nodes[i];

		msgs += nd->sent_msgs + nd->sent_probes;
		pkts += nd->sent_msgs + nd->sent_probes + nd->sent_acks;
		bytes += nd->sent_bytes + (nd->sent_probes + nd->sent_acks) * VIGIL_PROBE_LEN;
	}
	s->win_msgs[which] = msgs;
	s->win_pkts[which] = pkts;
	s->win_bytes[which] = bytes;
	s->win_t[which] = s->now;
	if (which)
		s->win_done = 1;
}

static void deliver(struct node *nd, struct event *e)
{
	memb_receive(&nd->memb, (struct sockaddr *)&nd->sim->nodes[e->src].addr,
		     sizeof(struct sockaddr_in), e->buf, e->pseq);
	free(e->buf);
}

/* Push-pull as pushpull.c does it over TCP: the client's memb_snapshot()
 * reaches the server, which merges it and answers with its own. TCP hides
 * random loss; a partition, a crash or a stalled agent makes it fail. */
static void pp_send(struct sim *s, struct node *from, uint32_t to, uint8_t type)
{
	struct memb *m = &from->memb;
	struct event e = {.type = type, .src = from->idx, .dst = to};
	struct wire_update *u = calloc(m->n + 1, sizeof(*u));

	if (!u) {
		perror("sim: push-pull");
		exit(2);
	}
	e.pseq = (uint32_t)memb_snapshot(m, u, m->n + 1);
	e.buf = u;
	e.t = s->now;
	for (int i = 0; i < PP_HOPS; i++)
		e.t += latency(s);
	ev_push(s, &e);
}

static void pushpull_with(struct sim *s, struct node *nd, uint32_t to)
{
	if (reach(s, nd->idx, to))
		pp_send(s, nd, to, EV_PP_REQ);
}

static void pushpull_timer(struct sim *s, struct node *nd)
{
	struct memb *m = &nd->memb;

	nd->next_pp = s->now + s->p->pushpull;
	if (!m->n)
		return;
	/* A random alive member, as on_pp_timer() picks it. */
	for (int tries = 0; tries < 16; tries++) {
		struct member *mb = m->members[m->env.random(m->env.ctx) % m->n];

		if (mb->state == MEMB_ALIVE) {
			pushpull_with(s, nd, mb->id - 1);
			return;
		}
	}
}

static void on_pushpull(struct sim *s, struct event *e)
{
	struct node *nd = &s->nodes[e->dst];

	if (nd->up && !nd->stalled && reach(s, e->src, e->dst)) {
		memb_merge(&nd->memb, e->buf, e->pseq);
		if (e->type == EV_PP_REQ)
			pp_send(s, nd, e->src, EV_PP_RESP);
		else
			s->pp_exchanges++;
	}
	free(e->buf);
}

static void on_tick(struct sim *s, struct node *nd)
{
	if (!nd->up)
		return; /* a crashed host stops for good */
	schedule(s, s->now + s->p->tick, EV_TICK, nd->idx, 0);
	if (nd->stalled)
		return;
	/* The agent's heartbeat timer, on the same loop as the tick. */
	if (s->now >= nd->next_hb) {
		nd->heartbeat++;
		nd->next_hb = s->now + s->p->cfg.heartbeat_interval_ms * NS_PER_MS;
	}
	if (s->p->join && nd->idx && !nd->memb.n && s->now >= nd->next_join) {
		/* As the agent's send_joins(): JOIN, and push-pull with the seed. */
		memb_join(&nd->memb, (struct sockaddr *)&s->nodes[0].addr,
			  sizeof(struct sockaddr_in));
		pushpull_with(s, nd, 0);
		nd->next_join = s->now + MEMB_JOIN_RETRY_MS * NS_PER_MS;
	}
	if (s->p->pushpull && s->now >= nd->next_pp)
		pushpull_timer(s, nd);
	memb_tick(&nd->memb);
}

static void on_ping(struct sim *s, struct event *e)
{
	struct node *t = &s->nodes[e->dst];
	struct event a = *e;

	/* The target's kernel answers at once, whatever its agent does. */
	if (!t->up || !reach(s, e->src, e->dst))
		return;
	t->sent_acks++;
	if (!net_pass(s, e->dst, e->src))
		return;
	a.type = EV_ACK;
	a.src = e->dst;
	a.dst = e->src;
	a.heartbeat = t->heartbeat;
	a.t = s->now + latency(s);
	ev_push(s, &a);
}

static void on_ack(struct sim *s, struct event *e)
{
	struct node *pr = &s->nodes[e->dst];
	struct rec *r = node_rec(pr, e->src, e->chan);
	uint64_t rtt = s->now - e->send_ns;

	if (!pr->up || !reach(s, e->src, e->dst) || !r)
		return;
	/* As the XDP program: only a recent answer newer than the last one. */
	if (rtt > s->p->cfg.ack_max_age_ms * NS_PER_MS ||
	    (r->acks && (int32_t)(e->pseq - r->last_ack_seq) <= 0)) {
		s->stale_acks++;
		return;
	}
	r->last_ack_ns = s->now;
	r->last_ack_seq = e->pseq;
	r->heartbeat = e->heartbeat;
	rtt_smooth(&r->srtt_ns, &r->jitter_ns, r->acks, rtt);
	r->acks++;
}

static void on_msg(struct sim *s, struct event *e)
{
	struct node *nd = &s->nodes[e->dst];

	if (!nd->up || !reach(s, e->src, e->dst)) {
		free(e->buf);
		return;
	}
	if (nd->stalled) {
		/* The socket buffers what the frozen agent will read later. */
		if (nd->nbacklog == BACKLOG_MAX) {
			free(e->buf);
			return;
		}
		if (!nd->backlog && !(nd->backlog = calloc(BACKLOG_MAX, sizeof(*e)))) {
			perror("sim: backlog");
			exit(2);
		}
		nd->backlog[nd->nbacklog++] = *e;
		return;
	}
	deliver(nd, e);
}

static void on_check(struct sim *s, struct event *e)
{
	int again = 0;

	if (!converged(s)) {
		again = 1;
	} else {
		if (s->p->join && !s->join_done) {
			s->join_ns = s->now - T0;
			s->join_done = 1;
		}
		for (int i = 0; i < s->p->npart; i++) {
			if (s->part[i].healed && !s->part[i].heal_done) {
				s->part[i].heal_ns = s->now - (T0 + s->p->part[i].to);
				s->part[i].heal_done = 1;
			}
		}
	}
	if (again)
		schedule(s, s->now + CHECK_EVERY, EV_CHECK, 0, e->arg);
}

static void run(struct sim *s)
{
	uint64_t end = T0 + s->p->duration;
	struct event e;

	while (s->nheap && s->heap[0].t <= end) {
		ev_pop(s, &e);
		s->now = e.t;
		s->events++;
		switch (e.type) {
		case EV_TICK:
			on_tick(s, &s->nodes[e.dst]);
			break;
		case EV_MSG:
			on_msg(s, &e);
			break;
		case EV_PING:
			on_ping(s, &e);
			break;
		case EV_ACK:
			on_ack(s, &e);
			break;
		case EV_CRASH:
			s->nodes[e.dst].up = 0;
			s->nodes[e.dst].down_at = s->now;
			s->crash[e.arg].fired = 1;
			if (s->p->verbose)
				printf("%10.3f n%u crashes\n", (double)(s->now - T0) / 1e9, e.dst);
			break;
		case EV_STALL:
			s->nodes[e.dst].stalled = 1;
			if (s->p->verbose)
				printf("%10.3f n%u agent stalls\n", (double)(s->now - T0) / 1e9,
				       e.dst);
			break;
		case EV_RESUME: {
			struct node *nd = &s->nodes[e.dst];

			if (s->p->verbose)
				printf("%10.3f n%u agent resumes (%zu datagrams queued)\n",
				       (double)(s->now - T0) / 1e9, e.dst, nd->nbacklog);
			nd->stalled = 0;
			if (!nd->up)
				break;
			for (size_t k = 0; k < nd->nbacklog; k++)
				deliver(nd, &nd->backlog[k]);
			nd->nbacklog = 0;
			break;
		}
		case EV_PART:
			s->group = s->part[e.arg].group;
			if (s->p->verbose)
				printf("%10.3f partition %s\n", (double)(s->now - T0) / 1e9,
				       s->p->part[e.arg].groups);
			break;
		case EV_HEAL:
			s->group = NULL;
			s->part[e.arg].healed = 1;
			if (s->p->verbose)
				printf("%10.3f partition healed\n", (double)(s->now - T0) / 1e9);
			schedule(s, s->now, EV_CHECK, 0, 0);
			break;
		case EV_WINDOW:
			window_snap(s, e.arg);
			break;
		case EV_CHECK:
			on_check(s, &e);
			break;
		case EV_PP_REQ:
		case EV_PP_RESP:
			on_pushpull(s, &e);
			break;
		}
	}
	s->now = end;
	if (!s->win_done && s->win_t[0])
		window_snap(s, 1);
}

/* ---- results ------------------------------------------------------------ */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of sorted v[0..n). */
static double pct(const double *v, size_t n, double q)
{
	size_t r;

	if (!n)
		return -1;
	r = (size_t)ceil(q * (double)n);
	if (r < 1)
		r = 1;
	return v[r - 1];
}

struct samples {
	double *v;
	size_t n;
};

static void stats3(struct samples *sm, double *p50, double *p99, double *max)
{
	qsort(sm->v, sm->n, sizeof(double), cmp_double);
	*p50 = pct(sm->v, sm->n, 0.50);
	*p99 = pct(sm->v, sm->n, 0.99);
	*max = sm->n ? sm->v[sm->n - 1] : -1;
}

/* Survivors: up at the crash and either still up at the end or declared the
 * victim dead before crashing in turn. Returns 1 if all declared it dead. */
static int crash_samples(const struct sim *s, const struct crash_res *c, struct samples *sus,
			 struct samples *dead, uint32_t *nsurv, uint32_t *ndead)
{
	*nsurv = *ndead = 0;
	for (uint32_t o = 0; o < s->n; o++) {
		const struct node *nd = &s->nodes[o];

		if (o == c->victim || (!nd->up && (nd->down_at <= c->at || !c->dead[o])))
			continue;
		(*nsurv)++;
		if (c->suspect[o])
			sus->v[sus->n++] = (double)(c->suspect[o] - c->at) / 1e6;
		if (c->dead[o]) {
			dead->v[dead->n++] = (double)(c->dead[o] - c->at) / 1e6;
			(*ndead)++;
		}
	}
	return *ndead == *nsurv;
}

static void report(const struct sim *s, struct result *r, int print)
{
	const struct params *p = s->p;
	size_t cap = (size_t)(p->ncrash ? p->ncrash : 1) * s->n;
	struct samples all_s = {calloc(cap, sizeof(double)), 0};
	struct samples all_d = {calloc(cap, sizeof(double)), 0};
	uint64_t refut = 0, sus = 0;
	double win_s;

	memset(r, 0, sizeof(*r));
	r->n = s->n;
	r->detected_all = 1;
	r->crashes = p->ncrash;
	if (!all_s.v || !all_d.v) {
		perror("sim: results");
		exit(2);
	}
	for (int i = 0; i < p->ncrash; i++) {
		const struct crash_res *c = &s->crash[i];
		struct samples cs = {all_s.v + all_s.n, 0}, cd = {all_d.v + all_d.n, 0};
		double a, b, m, x, y, z;
		uint32_t nsurv, ndead;
		int all = c->fired && crash_samples(s, c, &cs, &cd, &nsurv, &ndead);

		if (!c->fired)
			nsurv = ndead = 0;
		r->detected_all &= all;
		all_s.n += cs.n;
		all_d.n += cd.n;
		stats3(&cs, &a, &b, &m);
		stats3(&cd, &x, &y, &z);
		if (print)
			printf("crash n%u at %.3fs: %u/%u survivors declared it dead; "
			       "suspect ms p50=%.0f p99=%.0f max=%.0f; dead ms p50=%.0f p99=%.0f "
			       "max=%.0f\n",
			       c->victim, (double)(c->at - T0) / 1e9, ndead, nsurv, a, b, m, x, y,
			       z);
	}
	stats3(&all_s, &r->suspect_p50, &r->suspect_p99, &r->suspect_max);
	stats3(&all_d, &r->dead_p50, &r->dead_p99, &r->dead_max);
	free(all_s.v);
	free(all_d.v);

	for (int i = 0; i < p->nstall; i++) {
		const struct stall_res *st = &s->stall[i];

		r->stalled_dead += st->dead;
		if (print)
			printf("stall n%u %.1f-%.1fs: shown stalled by %u/%u, suspected %u times, "
			       "declared dead %u times\n",
			       p->stall[i].node, (double)p->stall[i].from / 1e9,
			       (double)p->stall[i].to / 1e9, st->flagged, s->n - 1, st->suspected,
			       st->dead);
	}
	for (int i = 0; i < p->npart && print; i++) {
		const struct part_res *pr = &s->part[i];
		uint32_t pairs = 0, seen = 0, dead = 0;

		for (uint32_t a = 0; a < s->n && pr->seen; a++)
			for (uint32_t b = 0; b < s->n; b++) {
				if (pr->group[a] == pr->group[b] || !s->nodes[a].up ||
				    !s->nodes[b].up)
					continue;
				pairs++;
				seen += pr->seen[(size_t)a * s->n + b] != 0;
				dead += pr->seen[(size_t)a * s->n + b] == 3;
			}
		printf("partition %s %.1f-%.1fs: cross pairs suspect or dead %u/%u, dead %u/%u; ",
		       p->part[i].groups, (double)p->part[i].from / 1e9,
		       (double)p->part[i].to / 1e9, seen, pairs, dead, pairs);
		if (pr->heal_done)
			printf("all alive again %.0f ms after the heal\n",
			       (double)pr->heal_ns / 1e6);
		else
			printf("not converged after the heal\n");
	}

	win_s = (double)(s->win_t[1] - s->win_t[0]) / 1e9;
	if (win_s > 0) {
		r->msgs_per_node_s = (double)(s->win_msgs[1] - s->win_msgs[0]) / s->n / win_s;
		r->pkts_per_node_s = (double)(s->win_pkts[1] - s->win_pkts[0]) / s->n / win_s;
		r->bytes_per_node_s = (double)(s->win_bytes[1] - s->win_bytes[0]) / s->n / win_s;
	} else {
		r->msgs_per_node_s = r->pkts_per_node_s = r->bytes_per_node_s = -1;
	}
	r->false_suspect = s->false_suspect;
	r->false_dead = s->false_dead;
	r->converged = converged(s);
	if (!r->converged && print) {
		printf("views disagree at the end:\n");
		explain_views(s);
	}
	for (uint32_t i = 0; i < s->n; i++) {
		refut += s->nodes[i].memb.stats.refutations;
		sus += s->nodes[i].memb.stats.suspicions;
	}
	if (!print)
		return;
	if (p->join && s->join_done)
		printf("join through n0: everyone knew everyone alive after %.0f ms\n",
		       (double)s->join_ns / 1e6);
	else if (p->join)
		printf("join through n0: not converged\n");
	printf("steady state %.1f-%.1fs: %.1f msgs/node/s (PINGs and datagrams), %.1f pkts/node/s "
	       "with kernel ACKs, %.0f bytes/node/s\n",
	       (double)(s->win_t[0] - T0) / 1e9, (double)(s->win_t[1] - T0) / 1e9,
	       r->msgs_per_node_s, r->pkts_per_node_s, r->bytes_per_node_s);
	printf("false suspicions %llu, false deaths %llu; during partitions: %llu suspicions, %llu "
	       "deaths; suspicions raised %llu, refutations %llu; %llu push-pull exchanges; "
	       "%llu events, %llu packets dropped\n",
	       (unsigned long long)s->false_suspect, (unsigned long long)s->false_dead,
	       (unsigned long long)s->part_suspect, (unsigned long long)s->part_dead,
	       (unsigned long long)sus, (unsigned long long)refut,
	       (unsigned long long)s->pp_exchanges, (unsigned long long)s->events,
	       (unsigned long long)s->dropped);
}

static double real_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Automatic steady-state window: after bootstrap, until the first fault. */
static void auto_window(struct params *p)
{
	uint64_t first = p->duration;

	for (int i = 0; i < p->ncrash; i++)
		if (p->crash[i].at < first)
			first = p->crash[i].at;
	for (int i = 0; i < p->nstall; i++)
		if (p->stall[i].from < first)
			first = p->stall[i].from;
	for (int i = 0; i < p->npart; i++)
		if (p->part[i].from < first)
			first = p->part[i].from;
	if (!p->win_from)
		p->win_from = p->join ? 5 * NS_PER_SEC : NS_PER_SEC;
	if (!p->win_to)
		p->win_to = first;
	if (p->win_to < p->win_from)
		p->win_to = p->win_from;
}

static int simulate(struct params *p, struct result *r, int print)
{
	double t0 = real_now();
	struct sim s;
	int rc;

	auto_window(p);
	if (sim_init(&s, p)) {
		sim_free(&s);
		return -1;
	}
	run(&s);
	report(&s, r, print);
	rc = 0;
	sim_free(&s);
	r->real_s = real_now() - t0;
	return rc;
}

/* ---- command line ------------------------------------------------------- */

static int parse_time(const char *s, uint64_t *out, char **end)
{
	double v = strtod(s, end);

	if (*end == s || v < 0 || v > 1e6)
		return -1;
	*out = (uint64_t)(v * 1e9 + 0.5);
	return 0;
}

static int parse_at(const char *arg, uint32_t *node, uint64_t *from, uint64_t *to)
{
	char *end;
	unsigned long v = strtoul(arg, &end, 10);

	if (end == arg || *end != '@')
		return -1;
	*node = (uint32_t)v;
	if (parse_time(end + 1, from, &end))
		return -1;
	if (to) {
		if (*end != '-' || parse_time(end + 1, to, &end) || *to <= *from)
			return -1;
	}
	return *end ? -1 : 0;
}

/* -set KEY=VALUE: any key of the agent's configuration (vigil config). */
static int set_key(struct vigil_config *c, const char *kv)
{
	const char *eq = strchr(kv, '=');
	char key[64], err[256];

	if (!eq || (size_t)(eq - kv) >= sizeof(key))
		return 1;
	snprintf(key, sizeof(key), "%.*s", (int)(eq - kv), kv);
	if (config_set(c, key, eq + 1, err, sizeof(err))) {
		fprintf(stderr, "sim: -set %s: %s\n", kv, err);
		return 1;
	}
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: sim [-n N] [-seed S] [-loss P] [-duration SEC] [-tick MS]\n"
		   "           [-latency MS] [-jitter MS] [-bootstrap seed|join]\n"
		   "           [-crash NODE@SEC]... [-stall NODE@SEC-SEC]...\n"
		   "           [-partition GROUPS@SEC-SEC]... [-window SEC-SEC]\n"
		   "           [-pushpull SEC] [-set KEY=VALUE]... [-v]\n"
		   "       sim -scaling [-sizes 10,100,1000] [-seed S] [-loss P] [-tick MS]\n"
		   "\n"
		   "Simulates N vigil nodes running userspace/memb.c over a virtual network.\n"
		   "Nodes are numbered from 0. GROUPS is like 0-1|2,3,4 (unlisted nodes form\n"
		   "one more group). -scaling runs each size with 3 crashes and checks that\n"
		   "every crash is detected by every survivor, that no live node is declared\n"
		   "dead, and that msgs/node/s at the largest size is within 1.5x of the\n"
		   "smallest. The last line is machine-readable; exit 1 if a check fails.\n");
}

static void defaults(struct params *p)
{
	memset(p, 0, sizeof(*p));
	p->n = 10;
	p->seed = 1;
	p->duration = 30 * NS_PER_SEC;
	/* The agent's own defaults, from its configuration table. */
	config_defaults(&p->cfg);
	p->tick = MEMB_TICK_MS * NS_PER_MS;
	p->pushpull = p->cfg.pushpull_interval_ms * NS_PER_MS;
	p->lat_base = 200 * 1000;   /* 0.2 ms one way */
	p->lat_jitter = 100 * 1000; /* + up to 0.1 ms */
}

static void print_result(const struct params *p, const struct result *r)
{
	printf("result: n=%u seed=%llu loss=%g detected_all=%d suspect_ms_p50=%.0f "
	       "suspect_ms_p99=%.0f suspect_ms_max=%.0f dead_ms_p50=%.0f dead_ms_p99=%.0f "
	       "dead_ms_max=%.0f false_suspect=%llu false_dead=%llu stalled_dead=%llu "
	       "converged=%d msgs_per_node_s=%.1f pkts_per_node_s=%.1f real_s=%.1f\n",
	       r->n, (unsigned long long)p->seed, p->loss, r->detected_all, r->suspect_p50,
	       r->suspect_p99, r->suspect_max, r->dead_p50, r->dead_p99, r->dead_max,
	       (unsigned long long)r->false_suspect, (unsigned long long)r->false_dead,
	       (unsigned long long)r->stalled_dead, r->converged, r->msgs_per_node_s,
	       r->pkts_per_node_s, r->real_s);
}

/* Each size: steady state 1-4 s, then 3 random hosts crash 2.5 s apart. */
static int scaling(const struct params *base, const char *sizes)
{
	uint32_t ns[16];
	struct result res[16];
	int nn = 0, ok = 1;
	double dead_p99_max = 0, lo = 0, hi = 0, ratio;
	char buf[128], *save = NULL, *tok;

	snprintf(buf, sizeof(buf), "%s", sizes);
	for (tok = strtok_r(buf, ",", &save); tok && nn < 16; tok = strtok_r(NULL, ",", &save)) {
		unsigned long v = strtoul(tok, NULL, 10);

		if (v < 5 || v > 100000) {
			fprintf(stderr, "sim: bad size '%s'\n", tok);
			return 2;
		}
		ns[nn++] = (uint32_t)v;
	}
	if (!nn)
		return 2;
	for (int i = 0; i < nn; i++) {
		struct params p = *base;
		struct rng pick;
		struct result *r = &res[i];

		p.n = ns[i];
		p.join = 0;
		p.duration = 11500 * NS_PER_MS;
		p.win_from = NS_PER_SEC;
		p.win_to = 4 * NS_PER_SEC;
		p.ncrash = 3;
		rng_seed(&pick, p.seed, 0xc4a54ULL + p.n);
		for (int k = 0; k < p.ncrash; k++) {
			uint32_t v;
			int dup;

			do {
				v = (uint32_t)(rng_next(&pick) % p.n);
				dup = 0;
				for (int j = 0; j < k; j++)
					dup |= p.crash[j].node == v;
			} while (dup);
			p.crash[k].node = v;
			p.crash[k].at = (4000 + 2500 * (uint64_t)k) * NS_PER_MS;
		}
		printf("== n=%u\n", p.n);
		fflush(stdout);
		if (simulate(&p, r, 1))
			return 2;
		printf("n=%u msgs_per_node_s=%.1f suspect_ms p50=%.0f p99=%.0f max=%.0f dead_ms "
		       "p50=%.0f p99=%.0f max=%.0f detected_all=%d false_dead=%llu real_s=%.1f\n",
		       r->n, r->msgs_per_node_s, r->suspect_p50, r->suspect_p99, r->suspect_max,
		       r->dead_p50, r->dead_p99, r->dead_max, r->detected_all,
		       (unsigned long long)r->false_dead, r->real_s);
		fflush(stdout);
		if (!r->detected_all || r->false_dead)
			ok = 0;
		if (r->dead_p99 > dead_p99_max)
			dead_p99_max = r->dead_p99;
	}
	lo = res[0].msgs_per_node_s;
	hi = res[nn - 1].msgs_per_node_s;
	ratio = lo > 0 ? hi / lo : 0;
	if (ratio > 1.5 || ratio < 1 / 1.5)
		ok = 0;
	for (int i = 0; i < nn; i++)
		printf("n%u_msgs_per_node_s=%.1f ", res[i].n, res[i].msgs_per_node_s);
	printf("flat_ratio=%.2f dead_ms_p99_max=%.0f ok=%d\n", ratio, dead_p99_max, ok);
	return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
	enum {
		O_N = 1,
		O_SEED,
		O_LOSS,
		O_DUR,
		O_TICK,
		O_LAT,
		O_JIT,
		O_BOOT,
		O_CRASH,
		O_STALL,
		O_PART,
		O_WIN,
		O_SET,
		O_PP,
		O_SCALING,
		O_SIZES,
		O_V,
		O_HELP
	};
	static const struct option opts[] = {
		{"n", required_argument, NULL, O_N},
		{"seed", required_argument, NULL, O_SEED},
		{"loss", required_argument, NULL, O_LOSS},
		{"duration", required_argument, NULL, O_DUR},
		{"tick", required_argument, NULL, O_TICK},
		{"latency", required_argument, NULL, O_LAT},
		{"jitter", required_argument, NULL, O_JIT},
		{"bootstrap", required_argument, NULL, O_BOOT},
		{"crash", required_argument, NULL, O_CRASH},
		{"stall", required_argument, NULL, O_STALL},
		{"partition", required_argument, NULL, O_PART},
		{"window", required_argument, NULL, O_WIN},
		{"set", required_argument, NULL, O_SET},
		{"pushpull", required_argument, NULL, O_PP},
		{"scaling", no_argument, NULL, O_SCALING},
		{"sizes", required_argument, NULL, O_SIZES},
		{"v", no_argument, NULL, O_V},
		{"help", no_argument, NULL, O_HELP},
		{NULL, 0, NULL, 0},
	};
	struct params p;
	struct result r;
	const char *sizes = "10,100,1000";
	int opt, scale = 0, bad = 0;
	uint64_t t;
	char *end;

	defaults(&p);
	while ((opt = getopt_long_only(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case O_N:
			p.n = (uint32_t)strtoul(optarg, &end, 10);
			bad |= *end || p.n < 2 || p.n > 100000;
			break;
		case O_SEED:
			p.seed = strtoull(optarg, &end, 0);
			bad |= *end != 0;
			break;
		case O_LOSS:
			p.loss = strtod(optarg, &end);
			bad |= *end || p.loss < 0 || p.loss >= 1;
			break;
		case O_DUR:
			bad |= parse_time(optarg, &p.duration, &end) || *end || !p.duration;
			break;
		case O_TICK:
		case O_LAT:
		case O_JIT:
			bad |= parse_time(optarg, &t, &end) || *end;
			t /= 1000; /* given in ms */
			if (opt == O_TICK)
				p.tick = t ? t : 1;
			else if (opt == O_LAT)
				p.lat_base = t;
			else
				p.lat_jitter = t;
			break;
		case O_BOOT:
			p.join = !strcmp(optarg, "join");
			bad |= !p.join && strcmp(optarg, "seed");
			break;
		case O_CRASH:
			bad |= p.ncrash == MAX_SPECS || parse_at(optarg, &p.crash[p.ncrash].node,
								 &p.crash[p.ncrash].at, NULL);
			p.ncrash++;
			break;
		case O_STALL:
			bad |= p.nstall == MAX_SPECS ||
			       parse_at(optarg, &p.stall[p.nstall].node, &p.stall[p.nstall].from,
					&p.stall[p.nstall].to);
			p.nstall++;
			break;
		case O_PART: {
			const char *at = strchr(optarg, '@');
			struct part_spec *ps = &p.part[p.npart];

			if (p.npart == MAX_SPECS || !at ||
			    (size_t)(at - optarg) >= sizeof(ps->groups) ||
			    parse_time(at + 1, &ps->from, &end) || *end != '-' ||
			    parse_time(end + 1, &ps->to, &end) || *end || ps->to <= ps->from) {
				bad = 1;
				break;
			}
			memcpy(ps->groups, optarg, (size_t)(at - optarg));
			ps->groups[at - optarg] = '\0';
			p.npart++;
			break;
		}
		case O_WIN:
			bad |= parse_time(optarg, &p.win_from, &end) || *end != '-' ||
			       parse_time(end + 1, &p.win_to, &end) || *end ||
			       p.win_to <= p.win_from;
			break;
		case O_SET:
			bad |= set_key(&p.cfg, optarg);
			break;
		case O_PP:
			bad |= parse_time(optarg, &p.pushpull, &end) || *end;
			break;
		case O_SCALING:
			scale = 1;
			break;
		case O_SIZES:
			sizes = optarg;
			break;
		case O_V:
			p.verbose = 1;
			break;
		case O_HELP:
			usage(stdout);
			return 0;
		default:
			bad = 1;
		}
		if (bad) {
			if (opt != '?')
				fprintf(stderr, "sim: bad value for -%s: '%s'\n",
					opts[opt - 1].name, optarg ? optarg : "");
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return 2;
	}
	if (scale)
		return scaling(&p, sizes);

	for (int i = 0; i < p.ncrash; i++)
		bad |= p.crash[i].node >= p.n;
	for (int i = 0; i < p.nstall; i++)
		bad |= p.stall[i].node >= p.n;
	if (bad) {
		fprintf(stderr, "sim: a fault names a node outside 0..%u\n", p.n - 1);
		return 2;
	}
	printf("sim: n=%u seed=%llu loss=%g latency=%.2f+%.2fms tick=%.1fms bootstrap=%s "
	       "pushpull=%.0fs duration=%.1fs\n",
	       p.n, (unsigned long long)p.seed, p.loss, (double)p.lat_base / 1e6,
	       (double)p.lat_jitter / 1e6, (double)p.tick / 1e6, p.join ? "join" : "seed",
	       (double)p.pushpull / 1e9, (double)p.duration / 1e9);
	if (simulate(&p, &r, 1))
		return 2;
	print_result(&p, &r);
	/* A crash not detected by all, a live host declared dead, or views that
	 * do not agree at the end are failures. */
	return r.detected_all && !r.false_dead && r.converged ? 0 : 1;
}
