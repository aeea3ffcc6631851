/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * memb.h - SWIM membership and failure detection, free of I/O.
 *
 * The same code runs in the agent (real sockets, real BPF maps, libuv timers)
 * and in the simulator (virtual time, simulated network): everything it needs
 * from the world goes through struct memb_env. docs/design.md explains the
 * protocol and its timing.
 */
#ifndef VIGIL_MEMB_H
#define VIGIL_MEMB_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "wire.h"
#include "vigil_abi.h"

enum memb_state {
	MEMB_ALIVE = VIGIL_ST_ALIVE,
	MEMB_SUSPECT = VIGIL_ST_SUSPECT,
	MEMB_DEAD = VIGIL_ST_DEAD,
	MEMB_LEFT = VIGIL_ST_LEFT,
};

const char *memb_state_name(enum memb_state s);

#define MEMB_CHAN_AGENT	 0   /* the agent's own probes */
#define MEMB_CHAN_RELAY	 255 /* probes sent on behalf of another member */
#define MEMB_MAX_CONFIRM 8   /* distinct suspectors remembered */
#define MEMB_MAX_RELAYS	 8
/* Dead members are told so (dead_contact) at most this often in all, so a
 * table full of forged dead members cannot make us a traffic source. */
#define MEMB_DEAD_CONTACTS_PER_S 50

/* How the code around memb drives it (the agent and the simulator alike). */
#define MEMB_TICK_MS	   5	/* memb_tick period */
#define MEMB_JOIN_RETRY_MS 1000 /* JOIN and push-pull with the seeds until a member answers */

/* Timing and fan-out knobs: the configuration keys of the same names, whose
 * table in config.c holds their defaults and ranges. */
struct memb_config {
	uint32_t probe_interval_ms;	 /* one probe round */
	uint32_t probes_per_interval;	 /* targets probed per round */
	uint32_t probe_timeout_ms;	 /* direct probe: time to wait for the ACK */
	uint32_t indirect_timeout_ms;	 /* indirect probe: time to wait for relays */
	uint32_t indirect_probes;	 /* relays asked after a direct miss (k) */
	uint32_t suspicion_min_ms;	 /* suspicion timeout with full confirmation */
	uint32_t suspicion_max_ms;	 /* suspicion timeout with no confirmation */
	uint32_t suspicion_confirm;	 /* confirmations that shrink it to the minimum (K) */
	uint32_t gossip_interval_ms;	 /* dissemination round */
	uint32_t gossip_fanout;		 /* members per dissemination round */
	uint32_t retransmit_mult;	 /* an update is sent mult * log10(n + 1) times (lambda) */
	uint32_t agent_stall_ms;	 /* heartbeat unchanged this long: agent stalled */
	uint32_t dead_probe_interval_ms; /* how often dead members are re-contacted */
	uint32_t max_local_health;	 /* Lifeguard local health multiplier cap */
	uint32_t max_members;		 /* members this table holds at most (self excluded) */
	uint32_t reap_after_ms;		 /* dead or left this long: forgotten */
};

/* What the kernel recorded about a peer channel (from the peers map). */
struct probe_obs {
	uint32_t last_ack_seq;
	uint64_t last_ack_ns; /* kernel receive time of that ACK */
	uint64_t acks;
	uint64_t heartbeat;
	uint64_t srtt_ns, jitter_ns;
};

struct member {
	/* identity */
	char name[VIGIL_NAME_LEN];
	uint32_t id;
	struct sockaddr_storage addr; /* UDP address */
	socklen_t addrlen;
	uint8_t role;
	/* SWIM state, as this node sees it */
	enum memb_state state;
	uint64_t incarnation; /* epoch << 32 | count (vigil_abi.h) */
	uint64_t state_since_ns;
	/* suspicion (state == MEMB_SUSPECT) */
	uint64_t suspect_start_ns;
	uint32_t confirmers[MEMB_MAX_CONFIRM];
	uint32_t nconfirm;
	/* probing (this node's probes of the member) */
	int probe_phase; /* 0 idle, 1 direct, 2 indirect */
	uint32_t probe_seq;
	uint64_t probe_sent_ns; /* actual send time of the current probe */
	uint64_t probe_deadline_ns;
	uint32_t indirect_acks;		  /* relays that reported the target's ACK */
	uint32_t relays[MEMB_MAX_RELAYS]; /* the relays asked for the current probe */
	uint32_t nrelays;
	uint64_t last_dead_contact_ns;
	/* the kernel's view */
	uint64_t last_ack_ns; /* newest ACK from it, kernel time */
	uint64_t heartbeat;   /* its agent's heartbeat, from that ACK */
	uint64_t heartbeat_changed_ns;
	int agent_stalled; /* kernel answers, agent's counter stopped */
	uint64_t srtt_ns, jitter_ns;
	/* relay duty: a PING_REQ we are serving for another member */
	uint32_t relay_for_id;
	uint32_t relay_req_seq;
	uint32_t relay_seq;
	uint64_t relay_deadline_ns;
	struct sockaddr_storage relay_to;
	socklen_t relay_tolen;
	/* dissemination */
	uint32_t transmits_left; /* times its current update is still to be sent */
	uint8_t update_flags;	 /* VIGIL_UF_* of its current update */
	uint32_t update_from;	 /* asserter of its current update */
};

struct memb;

/* Everything memb needs from the world. */
struct memb_env {
	uint64_t (*now)(void *ctx);    /* CLOCK_MONOTONIC ns (virtual in the simulator) */
	uint64_t (*wall_s)(void *ctx); /* CLOCK_REALTIME s: bounds incarnation epochs */
	/* Send a signed datagram. */
	void (*send)(void *ctx, const struct sockaddr *to, socklen_t tolen, const void *buf,
		     size_t len);
	/* Send a PING to m on chan with seq; record it as in flight first.
	 * Returns the time the PING actually left (taken after the send
	 * returned), or 0 if it could not be sent. */
	uint64_t (*probe)(void *ctx, const struct member *m, uint8_t chan, uint32_t seq);
	/* Read the kernel's record of m's chan; -1 if there is none. */
	int (*observe)(void *ctx, const struct member *m, uint8_t chan, struct probe_obs *o);
	/* A member was added (create its peer map entries) ... */
	void (*peer_added)(void *ctx, struct member *m);
	/* ... or reaped (delete them); m is freed after the call. */
	void (*peer_removed)(void *ctx, const struct member *m);
	/* m changed state (old -> m->state) or stall flag: log, metrics, consensus. */
	void (*changed)(void *ctx, const struct member *m, enum memb_state old);
	uint32_t (*random)(void *ctx);
	void *ctx;
};

struct memb_stats {
	uint64_t probes, probe_fail_direct, probe_fail_indirect;
	uint64_t ping_req_sent, ping_req_served;
	uint64_t gossip_sent, gossip_recv, updates_sent;
	uint64_t msgs_sent, msgs_recv, bytes_sent;
	uint64_t bad_msgs; /* refused on receipt: bad MAC, cluster, format */
	uint64_t suspicions, deaths, refutations;
	uint64_t future_claims;	  /* updates refused: incarnation epoch ahead of our clock */
	uint64_t members_refused; /* new members refused: the table is full */
	uint64_t foreign_answers; /* RELAY_ANS from a member we had not asked */
	uint64_t reaped;	  /* members forgotten after reap_after_ms dead or left */
	uint64_t learned;	  /* members learned unheard (memb_learn, a death we did not
				     know of) and verified by our own probes */
};

struct memb {
	/* configuration */
	struct memb_config cfg;
	struct memb_env env;
	struct vigil_keyring keys;
	uint32_t cluster_id;
	/* state */
	struct member self;
	struct member **members; /* every known member but self */
	size_t n, cap;
	uint32_t *order; /* shuffled probe order (indices into members) */
	size_t order_len, order_pos;
	uint64_t next_probe_ns, next_gossip_ns;
	uint32_t local_health; /* Lifeguard: 0 healthy .. max_local_health */
	uint64_t last_tick_ns;
	uint64_t dead_budget_ns; /* dead_contact's token bucket: 1e9 / MEMB_DEAD_CONTACTS_PER_S each
				  */
	int leaving;
	struct memb_stats stats;
};

int memb_init(struct memb *m, const struct memb_config *cfg, const struct memb_env *env,
	      const struct vigil_keyring *keys, uint32_t cluster_id, const char *name, uint32_t id,
	      const struct sockaddr *addr, socklen_t addrlen, uint8_t role);
void memb_free(struct memb *m);

/* Run timers: probes, timeouts, suspicion expiry, gossip. Call every few ms. */
void memb_tick(struct memb *m);
/* A datagram arrived on the membership socket. */
void memb_receive(struct memb *m, const struct sockaddr *from, socklen_t fromlen, const void *buf,
		  size_t len);
/* Ask a known address to let us in (sends JOIN). */
void memb_join(struct memb *m, const struct sockaddr *to, socklen_t tolen);
/* Leave gracefully: announce LEFT to everyone we know. */
void memb_leave(struct memb *m);
/* Replace the keys (SIGHUP). */
void memb_set_keys(struct memb *m, const struct vigil_keyring *keys);

/* Full state for anti-entropy: every member (and self) as wire updates.
 * Returns the count written (at most max). */
size_t memb_snapshot(const struct memb *m, struct wire_update *out, size_t max);
/* Merge a peer's full state. */
void memb_merge(struct memb *m, const struct wire_update *u, size_t n);
/* Learn a member we have not heard from (a host the decided state counts):
 * it is suspected by us alone until our own probes hear it; its name and
 * address are all we know. Returns 1 if it was new to us. */
int memb_learn(struct memb *m, uint32_t id, const char *name, const struct sockaddr *addr,
	       socklen_t addrlen);
/* A host forgotten through Raft (`vigil forget`): a member we find dead is
 * left from now on, at its incarnation, and told so to everyone, so nobody
 * probes, reports or relearns it (a dead or suspect claim at that
 * incarnation loses to left; memb_merge never adds a member that left);
 * the host itself, if it ever comes back, outbids the claim and is a
 * member again. Any other member is not touched. 1 if told. */
int memb_forget(struct memb *m, uint32_t id);
/* Gossip a member's current state again (a death others may not know of). */
void memb_retell(struct memb *m, uint32_t id);

struct member *memb_find(const struct memb *m, uint32_t id);
size_t memb_count(const struct memb *m, enum memb_state s); /* self included */

#endif /* VIGIL_MEMB_H */
