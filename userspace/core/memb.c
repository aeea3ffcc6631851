// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * memb.c - SWIM membership with Lifeguard's refinements, on kernel evidence.
 *
 * Probing: each round this node probes a few members from a shuffled
 * round-robin order. A direct probe is a PING answered by the target's
 * kernel; whether it was answered is read from this host's peers map, which
 * the XDP program stamps with kernel receive times. A probe counts as missed
 * only if no ACK was recorded by its deadline, and the deadline runs from the
 * time the PING actually left (measured after the send returned). A stalled
 * observer therefore detects late, never falsely. After a direct miss, k
 * relays probe the target from their own kernels (PING_REQ / RELAY_ANS).
 *
 * Suspicion: a member missed directly and indirectly becomes SUSPECT. Its
 * suspicion timeout shrinks from suspicion_max to suspicion_min as distinct
 * members confirm it (Lifeguard). At expiry the suspector looks at its own
 * kernel once more: an ACK received since the suspicion began is a witness
 * that the host lives, gossiped as ALIVE+WITNESS; otherwise it is DEAD.
 *
 * Dissemination: updates are gossiped to gossip_fanout random members every
 * gossip_interval, each update retransmitted retransmit_mult * log10(n+1)
 * times; news is pushed at once. A member that hears itself suspected or
 * declared dead refutes with a higher incarnation, also straight back to the
 * sender (this heals partitions). Dead members are re-contacted periodically.
 */
#include <arpa/inet.h>
#include <math.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memb.h"

#define NS_PER_MS 1000000ULL

const char *memb_state_name(enum memb_state s)
{
	switch (s) {
	case MEMB_ALIVE:
		return "alive";
	case MEMB_SUSPECT:
		return "suspect";
	case MEMB_DEAD:
		return "dead";
	case MEMB_LEFT:
		return "left";
	}
	return "?";
}

static uint64_t now(struct memb *m)
{
	return m->env.now(m->env.ctx);
}

static uint32_t rnd(struct memb *m)
{
	return m->env.random(m->env.ctx);
}

struct member *memb_find(const struct memb *m, uint32_t id)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->members[i]->id == id)
			return m->members[i];
	return NULL;
}

size_t memb_count(const struct memb *m, enum memb_state s)
{
	size_t c = m->self.state == s;

	for (size_t i = 0; i < m->n; i++)
		c += m->members[i]->state == s;
	return c;
}

/* Members that count for fan-out sizes: everyone not gone. */
static size_t live_count(const struct memb *m)
{
	return memb_count(m, MEMB_ALIVE) + memb_count(m, MEMB_SUSPECT);
}

static uint32_t retransmits(const struct memb *m)
{
	double n = (double)live_count(m) + 1;

	return m->cfg.retransmit_mult * (uint32_t)ceil(log10(n));
}

static uint64_t ms(uint32_t v)
{
	return (uint64_t)v * NS_PER_MS;
}

/* Time from since to t; 0 if since is later (it was stamped after t was read,
 * or comes from the kernel's clock a moment ahead of ours). */
static uint64_t elapsed(uint64_t t, uint64_t since)
{
	return t > since ? t - since : 0;
}

/* ---- sending ------------------------------------------------------------ */

static void send_signed(struct memb *m, const struct sockaddr *to, socklen_t tolen, void *buf,
			size_t len)
{
	wire_sign(buf, len, m->keys.slot[0].k0, m->keys.slot[0].k1);
	m->env.send(m->env.ctx, to, tolen, buf, len);
	m->stats.msgs_sent++;
	m->stats.bytes_sent += len;
}

/* mb's current state as an update asserted by from. */
static void member_update(const struct member *mb, uint8_t flags, uint32_t from,
			  struct wire_update *u)
{
	memset(u, 0, sizeof(*u));
	u->node_id = mb->id;
	u->incarnation = mb->incarnation;
	u->state = (uint8_t)mb->state;
	u->flags = flags;
	u->role = mb->role;
	u->from_id = from;
	u->addr = mb->addr;
	u->addrlen = mb->addrlen;
	snprintf(u->name, sizeof(u->name), "%s", mb->name);
}

/* The updates of one GOSSIP or JOIN datagram. */
struct update_batch {
	struct wire_update u[VIGIL_GOSSIP_MAX_UPDATES];
	size_t count;
};

static void send_updates(struct memb *m, const struct sockaddr *to, socklen_t tolen, uint8_t type,
			 const struct update_batch *b)
{
	uint8_t buf[VIGIL_MAX_MSG];
	size_t len = wire_updates_encode(buf, sizeof(buf), type, m->cluster_id, m->self.id, b->u,
					 b->count);

	if (!len)
		return;
	send_signed(m, to, tolen, buf, len);
	if (type == VIGIL_MSG_GOSSIP)
		m->stats.gossip_sent++;
	m->stats.updates_sent += b->count;
}

/* Send one member's state (asserted by us) to one address. */
static void send_one(struct memb *m, const struct member *mb, const struct sockaddr *to,
		     socklen_t tolen, uint8_t type)
{
	struct update_batch b;

	b.count = 1;
	member_update(mb, 0, m->self.id, &b.u[0]);
	send_updates(m, to, tolen, type, &b);
}

/* Queue a member's current state for dissemination. */
static void enqueue(struct memb *m, struct member *mb, uint8_t flags, uint32_t from)
{
	mb->transmits_left = retransmits(m);
	mb->update_flags = flags;
	mb->update_from = from;
}

/* Fill b with the updates that have the most retransmissions left. */
static void collect_updates(struct memb *m, struct update_batch *b)
{
	struct member *pick[VIGIL_GOSSIP_MAX_UPDATES];
	size_t np = 0;

	b->count = 0;
	if (m->self.transmits_left)
		pick[np++] = &m->self;
	for (size_t i = 0; i < m->n; i++) {
		struct member *mb = m->members[i];

		if (!mb->transmits_left)
			continue;
		if (np < VIGIL_GOSSIP_MAX_UPDATES) {
			pick[np++] = mb;
			continue;
		}
		/* Replace the pick with the fewest left (most already sent). */
		size_t low = 0;
		for (size_t j = 1; j < np; j++)
			if (pick[j]->transmits_left < pick[low]->transmits_left)
				low = j;
		if (pick[low] != &m->self && mb->transmits_left > pick[low]->transmits_left)
			pick[low] = mb;
	}
	for (size_t i = 0; i < np; i++) {
		member_update(pick[i], pick[i]->update_flags, pick[i]->update_from,
			      &b->u[b->count]);
		b->count++;
		pick[i]->transmits_left--;
	}
}

/* Pick up to k distinct random members in state ALIVE or SUSPECT, not excl. */
static size_t pick_random(struct memb *m, struct member **out, size_t k, const struct member *excl)
{
	size_t got = 0, tries = 0;

	if (!m->n)
		return 0;
	while (got < k && tries < 4 * k + 8) {
		struct member *mb = m->members[rnd(m) % m->n];
		int dup = 0;

		tries++;
		if (mb == excl || (mb->state != MEMB_ALIVE && mb->state != MEMB_SUSPECT))
			continue;
		for (size_t i = 0; i < got; i++)
			dup |= out[i] == mb;
		if (!dup)
			out[got++] = mb;
	}
	return got;
}

static void gossip_round(struct memb *m)
{
	struct member *to[16];
	struct update_batch b;
	size_t k = m->cfg.gossip_fanout < 16 ? m->cfg.gossip_fanout : 16;
	size_t nto = pick_random(m, to, k, NULL);

	for (size_t i = 0; i < nto; i++) {
		collect_updates(m, &b);
		if (!b.count)
			return;
		send_updates(m, (struct sockaddr *)&to[i]->addr, to[i]->addrlen, VIGIL_MSG_GOSSIP,
			     &b);
	}
}

/* ---- state changes ------------------------------------------------------ */

static void set_state(struct memb *m, struct member *mb, enum memb_state st, uint64_t inc)
{
	enum memb_state old = mb->state;

	mb->incarnation = inc;
	if (old == st)
		return;
	mb->state = st;
	mb->state_since_ns = now(m);
	if (st != MEMB_SUSPECT)
		mb->nconfirm = 0;
	if (st == MEMB_DEAD)
		m->stats.deaths++;
	if (st == MEMB_SUSPECT)
		m->stats.suspicions++;
	m->env.changed(m->env.ctx, mb, old);
}

static void add_confirmer(struct member *mb, uint32_t from, int *added)
{
	*added = 0;
	for (uint32_t i = 0; i < mb->nconfirm; i++)
		if (mb->confirmers[i] == from)
			return;
	if (mb->nconfirm < MEMB_MAX_CONFIRM) {
		mb->confirmers[mb->nconfirm++] = from;
		*added = 1;
	}
}

static void start_suspicion(struct memb *m, struct member *mb, uint64_t inc, uint32_t from)
{
	int added;

	mb->suspect_start_ns = now(m);
	mb->nconfirm = 0;
	set_state(m, mb, MEMB_SUSPECT, inc);
	add_confirmer(mb, from, &added);
	enqueue(m, mb, 0, from);
}

/* A member we learned without having heard it: suspected by us alone, so
 * our own probes decide (an ACK makes it alive, silence dead). */
static void verify(struct memb *m, struct member *mb, uint64_t inc)
{
	m->stats.learned++;
	start_suspicion(m, mb, inc, m->self.id);
}

/* Suspicion timeout after C confirmations beyond the first (Lifeguard). */
static uint64_t suspicion_timeout(const struct memb *m, const struct member *mb)
{
	double lo = (double)m->cfg.suspicion_min_ms, hi = (double)m->cfg.suspicion_max_ms;
	double c = mb->nconfirm ? (double)(mb->nconfirm - 1) : 0;
	double k = (double)m->cfg.suspicion_confirm;
	double t = hi - (hi - lo) * log(c + 1) / log(k + 1);

	if (t < lo)
		t = lo;
	return (uint64_t)(t * (double)NS_PER_MS);
}

static void local_health_add(struct memb *m, int delta)
{
	if (delta > 0 && m->local_health < m->cfg.max_local_health)
		m->local_health++;
	else if (delta < 0 && m->local_health > 0)
		m->local_health--;
}

static struct member *member_new(struct memb *m, const struct wire_update *u,
				 const struct sockaddr *from, socklen_t fromlen)
{
	struct member *mb;

	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 16;
		struct member **nm = realloc(m->members, cap * sizeof(*nm));

		if (!nm)
			return NULL;
		m->members = nm;
		m->cap = cap;
	}
	mb = calloc(1, sizeof(*mb));
	if (!mb)
		return NULL;
	mb->id = u->node_id;
	snprintf(mb->name, sizeof(mb->name), "%s", u->name);
	mb->role = u->role;
	if (!u->addrlen && from) {
		memcpy(&mb->addr, from, fromlen);
		mb->addrlen = fromlen;
	} else {
		mb->addr = u->addr;
		mb->addrlen = u->addrlen;
	}
	mb->state = MEMB_ALIVE;
	mb->incarnation = u->incarnation;
	mb->state_since_ns = now(m);
	mb->heartbeat_changed_ns = now(m);
	m->members[m->n++] = mb;
	m->env.peer_added(m->env.ctx, mb);
	return mb;
}

/* Forget members[i] (dead or left for reap_after_ms): its peer map entries
 * go, the probe order is rebuilt. */
static void member_reap(struct memb *m, size_t i)
{
	struct member *mb = m->members[i];

	m->env.peer_removed(m->env.ctx, mb);
	memmove(&m->members[i], &m->members[i + 1], (m->n - i - 1) * sizeof(*m->members));
	m->n--;
	m->order_len = 0; /* indices moved: reshuffle before the next probe round */
	m->order_pos = 0;
	m->stats.reaped++;
	free(mb);
}

/* Send our own current state to one member that holds an older view of us. */
static void tell_alive(struct memb *m, const struct sockaddr *to, socklen_t tolen)
{
	send_one(m, &m->self, to, tolen, VIGIL_MSG_GOSSIP);
}

/* Refute a claim about ourselves that is not true (suspect, dead, left, or
 * alive elsewhere), also straight back to from. Incarnations are 64-bit and
 * a claim's epoch is bounded by the clock (apply_update): inc + 1 cannot wrap. */
static void refute(struct memb *m, uint64_t inc, const struct sockaddr *from, socklen_t fromlen)
{
	m->self.incarnation = inc + 1;
	m->stats.refutations++;
	local_health_add(m, +1);
	enqueue(m, &m->self, 0, m->self.id);
	if (from)
		tell_alive(m, from, fromlen);
	gossip_round(m);
}

static int same_addr(const struct sockaddr_storage *a, socklen_t alen,
		     const struct sockaddr_storage *b, socklen_t blen)
{
	return alen == blen && !memcmp(a, b, alen);
}

/* What a claim about ourselves says is so: alive, at our address (or none
 * given), in our role, and no later than our incarnation. */
static int true_of_self(const struct memb *m, const struct wire_update *u)
{
	return u->state == VIGIL_ST_ALIVE && u->incarnation <= m->self.incarnation &&
	       u->role == m->self.role &&
	       (!u->addrlen || same_addr(&u->addr, u->addrlen, &m->self.addr, m->self.addrlen));
}

/* Apply one gossiped update (SWIM precedence rules). Returns 1 if it was news. */
static int apply_update(struct memb *m, const struct wire_update *u, const struct sockaddr *from,
			socklen_t fromlen)
{
	uint32_t id = u->node_id, who = u->from_id;
	uint64_t inc = u->incarnation;
	enum memb_state st = (enum memb_state)u->state;
	struct member *mb;
	int added;

	if (u->state > VIGIL_ST_LEFT || !id)
		return 0;
	/* An epoch ahead of our clock could never be outbid by its subject
	 * (incarnations would run out): refuse it. */
	if ((inc >> 32) > m->env.wall_s(m->env.ctx) + VIGIL_EPOCH_AHEAD_S) {
		m->stats.future_claims++;
		return 0;
	}
	if (id == m->self.id) {
		/* Any claim about us that is not true is refuted: suspect, dead,
		 * left (we are not leaving), or alive at another address or in
		 * another role. */
		if (m->leaving || true_of_self(m, u))
			return 0;
		if (inc >= m->self.incarnation)
			refute(m, inc, from, fromlen);
		else if (from)
			tell_alive(m, from, fromlen); /* a stale view: correct it at its source */
		return 0;
	}
	mb = memb_find(m, id);
	if (!mb) {
		/* A member that left is never added. One we hear is suspect or
		 * dead, and did not know (we restarted since, or it was down
		 * before we started), is learned and verified with our own
		 * probes: suspect, by us alone, until it answers or our
		 * suspicion runs out. A full-state merge (no sender) only adds
		 * the living: it would bring back members everyone else has
		 * already forgotten. */
		if (st == MEMB_LEFT || (st != MEMB_ALIVE && !from))
			return 0;
		if (m->n >= m->cfg.max_members) {
			m->stats.members_refused++;
			return 0;
		}
		mb = member_new(m, u, NULL, 0);
		if (!mb)
			return 0;
		if (st == MEMB_SUSPECT)
			start_suspicion(m, mb, inc, who);
		else if (st == MEMB_DEAD)
			verify(m, mb, inc);
		else
			enqueue(m, mb, 0, who);
		return 1;
	}

	switch (st) {
	case MEMB_ALIVE:
		if (inc > mb->incarnation || (inc == mb->incarnation && mb->state == MEMB_SUSPECT &&
					      (u->flags & VIGIL_UF_WITNESS))) {
			if (u->addrlen) {
				mb->addr = u->addr;
				mb->addrlen = u->addrlen;
			}
			mb->role = u->role; /* a restarted agent may have a new role */
			set_state(m, mb, MEMB_ALIVE, inc);
			enqueue(m, mb, u->flags, who);
			return 1;
		}
		return 0;
	case MEMB_SUSPECT:
		if (mb->state == MEMB_DEAD || mb->state == MEMB_LEFT)
			return 0;
		if (inc > mb->incarnation || (inc == mb->incarnation && mb->state == MEMB_ALIVE)) {
			start_suspicion(m, mb, inc, who);
			return 1;
		}
		if (inc == mb->incarnation && mb->state == MEMB_SUSPECT) {
			add_confirmer(mb, who, &added);
			if (added)
				enqueue(m, mb, 0, who);
			return added;
		}
		return 0;
	case MEMB_DEAD:
		if (mb->state == MEMB_LEFT)
			return 0;
		if (inc > mb->incarnation || (inc == mb->incarnation && mb->state != MEMB_DEAD)) {
			set_state(m, mb, MEMB_DEAD, inc);
			enqueue(m, mb, 0, who);
			return 1;
		}
		return 0;
	case MEMB_LEFT:
		if (mb->state != MEMB_LEFT && inc >= mb->incarnation) {
			set_state(m, mb, MEMB_LEFT, inc);
			mb->probe_phase = 0;
			enqueue(m, mb, 0, who);
			return 1;
		}
		return 0;
	}
	return 0;
}

/* ---- probing ------------------------------------------------------------ */

/* Read the kernel's record for mb; update the liveness view. Returns 1 if an
 * ACK for seq (or a newer one) on chan has been recorded. */
static int observe(struct memb *m, struct member *mb, uint8_t chan, uint32_t seq)
{
	struct probe_obs o;
	uint64_t t = now(m);

	if (m->env.observe(m->env.ctx, mb, chan, &o) || !o.acks)
		return 0;
	if (chan == MEMB_CHAN_AGENT) {
		int stalled;

		if (o.last_ack_ns > mb->last_ack_ns)
			mb->last_ack_ns = o.last_ack_ns;
		if (o.heartbeat != mb->heartbeat) {
			mb->heartbeat = o.heartbeat;
			mb->heartbeat_changed_ns = t;
		}
		mb->srtt_ns = o.srtt_ns;
		mb->jitter_ns = o.jitter_ns;
		stalled = elapsed(t, mb->heartbeat_changed_ns) > ms(m->cfg.agent_stall_ms) &&
			  elapsed(t, mb->last_ack_ns) < ms(m->cfg.agent_stall_ms);
		if (stalled != mb->agent_stalled) {
			mb->agent_stalled = stalled;
			m->env.changed(m->env.ctx, mb, mb->state);
		}
	}
	return (int32_t)(o.last_ack_seq - seq) >= 0;
}

static uint64_t probe_timeout(const struct memb *m, const struct member *mb, uint32_t base_ms)
{
	uint64_t t = ms(base_ms), adaptive = mb->srtt_ns + 4 * mb->jitter_ns;

	if (adaptive > t)
		t = adaptive;
	return t * (1 + m->local_health);
}

static void probe_start(struct memb *m, struct member *mb)
{
	uint64_t sent;

	mb->probe_seq++;
	sent = m->env.probe(m->env.ctx, mb, MEMB_CHAN_AGENT, mb->probe_seq);
	m->stats.probes++;
	if (!sent) {
		/* Could not even send: our problem, not evidence against mb. */
		local_health_add(m, +1);
		mb->probe_phase = 0;
		return;
	}
	mb->probe_phase = 1;
	mb->probe_sent_ns = sent;
	mb->probe_deadline_ns = sent + probe_timeout(m, mb, m->cfg.probe_timeout_ms);
}

static void send_ping_req(struct memb *m, struct member *relay, struct member *target)
{
	struct wire_relay r = {
		.target_id = target->id,
		.req_seq = target->probe_seq,
		.target = target->addr,
		.targetlen = target->addrlen,
	};
	struct vigil_relay msg;
	size_t len = wire_relay_encode(&msg, VIGIL_MSG_PING_REQ, m->cluster_id, m->self.id, &r);

	send_signed(m, (struct sockaddr *)&relay->addr, relay->addrlen, &msg, len);
	m->stats.ping_req_sent++;
}

/* A member was reached: cancel our own suspicion of it with a witness. */
static void probe_succeeded(struct memb *m, struct member *mb)
{
	mb->probe_phase = 0;
	if (mb->state == MEMB_SUSPECT) {
		set_state(m, mb, MEMB_ALIVE, mb->incarnation);
		enqueue(m, mb, VIGIL_UF_WITNESS, m->self.id);
		gossip_round(m);
	}
}

static void probe_check(struct memb *m, struct member *mb, uint64_t t)
{
	if (mb->probe_phase == 1) {
		if (observe(m, mb, MEMB_CHAN_AGENT, mb->probe_seq)) {
			local_health_add(m, -1);
			probe_succeeded(m, mb);
			return;
		}
		if (t < mb->probe_deadline_ns)
			return;
		/* Direct miss: ask k relays, and try once more directly. */
		struct member *relays[MEMB_MAX_RELAYS];
		size_t k = m->cfg.indirect_probes < MEMB_MAX_RELAYS ? m->cfg.indirect_probes
								    : MEMB_MAX_RELAYS;
		size_t nr = pick_random(m, relays, k, mb);

		m->stats.probe_fail_direct++;
		mb->indirect_acks = 0;
		mb->nrelays = (uint32_t)nr;
		for (size_t i = 0; i < nr; i++) {
			mb->relays[i] = relays[i]->id;
			send_ping_req(m, relays[i], mb);
		}
		probe_start(m, mb);
		mb->probe_phase = 2;
		mb->probe_deadline_ns = t + probe_timeout(m, mb, m->cfg.indirect_timeout_ms);
		return;
	}
	if (mb->probe_phase == 2) {
		if (observe(m, mb, MEMB_CHAN_AGENT, mb->probe_seq - 1) || mb->indirect_acks) {
			/* Others reached it while we could not: suspect ourselves. */
			if (mb->indirect_acks)
				local_health_add(m, +1);
			probe_succeeded(m, mb);
			return;
		}
		if (t < mb->probe_deadline_ns)
			return;
		m->stats.probe_fail_indirect++;
		mb->probe_phase = 0;
		if (mb->state == MEMB_ALIVE) {
			start_suspicion(m, mb, mb->incarnation, m->self.id);
			gossip_round(m);
		} else if (mb->state == MEMB_SUSPECT) {
			int added;

			add_confirmer(mb, m->self.id, &added);
			if (added) {
				enqueue(m, mb, 0, m->self.id);
				gossip_round(m);
			}
		}
	}
}

static void relay_check(struct memb *m, struct member *mb, uint64_t t)
{
	struct wire_relay r = {0};
	struct vigil_relay msg;
	size_t len;
	int acked;

	if (!mb->relay_for_id)
		return;
	acked = observe(m, mb, MEMB_CHAN_RELAY, mb->relay_seq);
	if (!acked && t < mb->relay_deadline_ns)
		return;
	r.target_id = mb->id;
	r.req_seq = mb->relay_req_seq;
	r.acked = (uint8_t)acked;
	len = wire_relay_encode(&msg, VIGIL_MSG_RELAY_ANS, m->cluster_id, m->self.id, &r);
	send_signed(m, (struct sockaddr *)&mb->relay_to, mb->relay_tolen, &msg, len);
	mb->relay_for_id = 0;
}

static void suspicion_check(struct memb *m, struct member *mb, uint64_t t)
{
	if (mb->state != MEMB_SUSPECT ||
	    elapsed(t, mb->suspect_start_ns) < suspicion_timeout(m, mb))
		return;
	/* Last look at our own kernel: an ACK since the suspicion began proves
	 * the host alive, whatever the gossip says. */
	observe(m, mb, MEMB_CHAN_AGENT, 0);
	if (mb->last_ack_ns > mb->suspect_start_ns) {
		set_state(m, mb, MEMB_ALIVE, mb->incarnation);
		enqueue(m, mb, VIGIL_UF_WITNESS, m->self.id);
	} else {
		set_state(m, mb, MEMB_DEAD, mb->incarnation);
		enqueue(m, mb, 0, m->self.id);
	}
	gossip_round(m);
}

/* Tell a dead member it is considered dead; if it lives it will refute. */
static void dead_contact(struct memb *m, struct member *mb, uint64_t t)
{
	const uint64_t cost = 1000000000ULL / MEMB_DEAD_CONTACTS_PER_S;

	if (mb->state != MEMB_DEAD ||
	    elapsed(t, mb->last_dead_contact_ns) < ms(m->cfg.dead_probe_interval_ms) ||
	    m->dead_budget_ns < cost)
		return;
	m->dead_budget_ns -= cost;
	mb->last_dead_contact_ns = t;
	send_one(m, mb, (struct sockaddr *)&mb->addr, mb->addrlen, VIGIL_MSG_GOSSIP);
}

static void shuffle_order(struct memb *m)
{
	if (m->order_len != m->n) {
		uint32_t *o = realloc(m->order, (m->n ? m->n : 1) * sizeof(*o));

		if (!o)
			return;
		m->order = o;
		m->order_len = m->n;
	}
	for (size_t i = 0; i < m->n; i++)
		m->order[i] = (uint32_t)i;
	for (size_t i = m->n; i > 1; i--) {
		size_t j = rnd(m) % i;
		uint32_t tmp = m->order[i - 1];

		m->order[i - 1] = m->order[j];
		m->order[j] = tmp;
	}
	m->order_pos = 0;
}

static void probe_round(struct memb *m)
{
	uint32_t started = 0;
	size_t scanned = 0;

	while (started < m->cfg.probes_per_interval && scanned < m->n) {
		struct member *mb;

		if (m->order_pos >= m->order_len || m->order_len != m->n)
			shuffle_order(m);
		if (!m->order_len)
			return;
		mb = m->members[m->order[m->order_pos++]];
		scanned++;
		if (mb->probe_phase || (mb->state != MEMB_ALIVE && mb->state != MEMB_SUSPECT))
			continue;
		probe_start(m, mb);
		started++;
	}
}

void memb_tick(struct memb *m)
{
	uint64_t t = now(m);

	if (m->leaving)
		return;
	/* Our own loop running late is a sign of local trouble (Lifeguard). */
	if (m->last_tick_ns && elapsed(t, m->last_tick_ns) > ms(m->cfg.probe_interval_ms))
		local_health_add(m, +1);
	if (m->last_tick_ns) {
		m->dead_budget_ns += elapsed(t, m->last_tick_ns);
		if (m->dead_budget_ns > 1000000000ULL)
			m->dead_budget_ns = 1000000000ULL;
	}
	m->last_tick_ns = t;

	for (size_t i = 0; i < m->n; i++) {
		struct member *mb = m->members[i];

		if ((mb->state == MEMB_DEAD || mb->state == MEMB_LEFT) &&
		    elapsed(t, mb->state_since_ns) >= ms(m->cfg.reap_after_ms)) {
			member_reap(m, i--);
			continue;
		}
		probe_check(m, mb, t);
		relay_check(m, mb, t);
		suspicion_check(m, mb, t);
		dead_contact(m, mb, t);
	}
	if (t >= m->next_probe_ns) {
		probe_round(m);
		m->next_probe_ns = t + ms(m->cfg.probe_interval_ms);
	}
	if (t >= m->next_gossip_ns) {
		gossip_round(m);
		m->next_gossip_ns = t + ms(m->cfg.gossip_interval_ms);
	}
}

/* ---- receiving ---------------------------------------------------------- */

static void on_updates(struct memb *m, const struct sockaddr *from, socklen_t fromlen,
		       const uint8_t *buf, size_t len, int join)
{
	struct wire_update u[VIGIL_GOSSIP_MAX_UPDATES];
	size_t count, news = 0;

	if (wire_updates_decode(buf, len, u, VIGIL_GOSSIP_MAX_UPDATES, &count)) {
		m->stats.bad_msgs++;
		return;
	}
	m->stats.gossip_recv++;
	for (size_t i = 0; i < count; i++) {
		if (join && i == 0 && !u[i].addrlen) {
			/* Joiner did not know its own address: use the source. */
			memcpy(&u[i].addr, from, fromlen);
			u[i].addrlen = fromlen;
		}
		news += (size_t)apply_update(m, &u[i], from, fromlen);
	}
	/* A JOIN is answered with our own state alone, never more than it
	 * carried: the joiner gets the whole table by push-pull, over TCP,
	 * from an address that cannot be spoofed (JOIN may be a replay). */
	if (join)
		tell_alive(m, from, fromlen);
	if (news)
		gossip_round(m); /* push news on at once */
}

static void on_ping_req(struct memb *m, const struct sockaddr *from, socklen_t fromlen,
			uint32_t requester, const struct wire_relay *r)
{
	struct member *mb = memb_find(m, r->target_id);
	uint64_t sent;

	if (!mb || mb->relay_for_id)
		return; /* unknown target, or already relaying for someone */
	mb->relay_for_id = requester;
	mb->relay_req_seq = r->req_seq;
	memcpy(&mb->relay_to, from, fromlen);
	mb->relay_tolen = fromlen;
	mb->relay_seq++;
	sent = m->env.probe(m->env.ctx, mb, MEMB_CHAN_RELAY, mb->relay_seq);
	mb->relay_deadline_ns =
		(sent ? sent : now(m)) + probe_timeout(m, mb, m->cfg.probe_timeout_ms);
	m->stats.ping_req_served++;
}

static void on_relay_ans(struct memb *m, uint32_t relay, const struct wire_relay *r)
{
	struct member *mb = memb_find(m, r->target_id);
	int asked = 0;

	if (!mb || mb->probe_phase != 2 || !r->acked)
		return;
	/* Only the relays we asked for this probe can vouch for it. */
	for (uint32_t i = 0; i < mb->nrelays; i++)
		asked |= mb->relays[i] == relay;
	if (!asked) {
		m->stats.foreign_answers++;
		return;
	}
	/* The answer is about the first (direct) probe of this round. */
	if (r->req_seq + 1 == mb->probe_seq || r->req_seq == mb->probe_seq)
		mb->indirect_acks++;
}

void memb_receive(struct memb *m, const struct sockaddr *from, socklen_t fromlen, const void *buf,
		  size_t len)
{
	struct wire_relay r;
	uint8_t type;

	m->stats.msgs_recv++;
	if (wire_verify(buf, len, m->cluster_id, &m->keys, NULL) ||
	    wire_sender(buf) == m->self.id) {
		m->stats.bad_msgs++;
		return;
	}
	type = wire_type(buf, len);
	switch (type) {
	case VIGIL_MSG_GOSSIP:
	case VIGIL_MSG_JOIN:
		on_updates(m, from, fromlen, buf, len, type == VIGIL_MSG_JOIN);
		return;
	case VIGIL_MSG_PING_REQ:
	case VIGIL_MSG_RELAY_ANS:
		if (wire_relay_decode(buf, len, &r)) {
			m->stats.bad_msgs++;
			return;
		}
		if (type == VIGIL_MSG_PING_REQ)
			on_ping_req(m, from, fromlen, wire_sender(buf), &r);
		else
			on_relay_ans(m, wire_sender(buf), &r);
		return;
	default:
		m->stats.bad_msgs++;
	}
}

/* ---- life cycle --------------------------------------------------------- */

int memb_init(struct memb *m, const struct memb_config *cfg, const struct memb_env *env,
	      const struct vigil_keyring *keys, uint32_t cluster_id, const char *name, uint32_t id,
	      const struct sockaddr *addr, socklen_t addrlen, uint8_t role)
{
	memset(m, 0, sizeof(*m));
	m->cfg = *cfg;
	m->env = *env;
	m->keys = *keys;
	m->cluster_id = cluster_id;
	snprintf(m->self.name, sizeof(m->self.name), "%s", name);
	m->self.id = id;
	if (addr)
		memcpy(&m->self.addr, addr, addrlen);
	m->self.addrlen = addrlen;
	m->self.role = role;
	m->self.state = MEMB_ALIVE;
	m->self.state_since_ns = now(m);
	m->next_probe_ns =
		now(m) + ms(rnd(m) % (cfg->probe_interval_ms ? cfg->probe_interval_ms : 1));
	m->next_gossip_ns = now(m);
	m->dead_budget_ns = 1000000000ULL;
	return 0;
}

void memb_free(struct memb *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->members[i]);
	free(m->members);
	free(m->order);
	m->members = NULL;
	m->order = NULL;
	m->n = m->cap = m->order_len = 0;
}

void memb_set_keys(struct memb *m, const struct vigil_keyring *keys)
{
	m->keys = *keys;
}

void memb_join(struct memb *m, const struct sockaddr *to, socklen_t tolen)
{
	send_one(m, &m->self, to, tolen, VIGIL_MSG_JOIN);
}

void memb_leave(struct memb *m)
{
	m->self.incarnation++;
	m->self.state = MEMB_LEFT;
	m->leaving = 1;
	for (size_t i = 0; i < m->n; i++) {
		struct member *mb = m->members[i];

		if (mb->state == MEMB_ALIVE || mb->state == MEMB_SUSPECT)
			send_one(m, &m->self, (struct sockaddr *)&mb->addr, mb->addrlen,
				 VIGIL_MSG_GOSSIP);
	}
}

size_t memb_snapshot(const struct memb *m, struct wire_update *out, size_t max)
{
	size_t c = 0;

	if (c < max)
		member_update(&m->self, 0, m->self.id, &out[c++]);
	for (size_t i = 0; i < m->n && c < max; i++)
		member_update(m->members[i], 0, m->self.id, &out[c++]);
	return c;
}

int memb_learn(struct memb *m, uint32_t id, const char *name, const struct sockaddr *addr,
	       socklen_t addrlen)
{
	struct wire_update u = {.node_id = id, .state = VIGIL_ST_ALIVE, .role = VIGIL_ROLE_CLIENT};
	struct member *mb;

	if (!id || id == m->self.id || memb_find(m, id) || m->leaving || addrlen > sizeof(u.addr))
		return 0;
	if (m->n >= m->cfg.max_members) {
		m->stats.members_refused++;
		return 0;
	}
	snprintf(u.name, sizeof(u.name), "%s", name);
	memcpy(&u.addr, addr, addrlen);
	u.addrlen = addrlen;
	mb = member_new(m, &u, NULL, 0);
	if (!mb)
		return 0;
	verify(m, mb, 0);
	return 1;
}

int memb_forget(struct memb *m, uint32_t id)
{
	struct member *mb = memb_find(m, id);

	if (!mb || m->leaving || mb->state != MEMB_DEAD)
		return 0;
	/* At its incarnation: the host, should it come back, outbids it. */
	set_state(m, mb, MEMB_LEFT, mb->incarnation);
	mb->probe_phase = 0;
	enqueue(m, mb, 0, m->self.id);
	gossip_round(m);
	return 1;
}

void memb_retell(struct memb *m, uint32_t id)
{
	struct member *mb = memb_find(m, id);

	if (mb && !m->leaving)
		enqueue(m, mb, 0, m->self.id);
}

void memb_merge(struct memb *m, const struct wire_update *u, size_t n)
{
	size_t news = 0;

	for (size_t i = 0; i < n; i++)
		news += (size_t)apply_update(m, &u[i], NULL, 0);
	if (news)
		gossip_round(m);
}
