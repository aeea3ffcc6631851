/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * outbox.h - how the Raft leader delivers the notification outbox (fsm.h)
 * exactly once: which entry to send next, what an answer means, and when to
 * try again. No I/O: the agent's notifier (agent/notifier.c) sends on a
 * worker thread and records "delivered" through Raft when this says so; the
 * unit tests drive the same code with libraft's fixture.
 *
 * Exactly once: a notification exists only as a committed outbox entry. The
 * leader sends pending entries, always with the entry's own generated_at,
 * and marks them delivered through the log. Before sending an entry that an
 * earlier send may have reached Masakari with (this leader's last try had no
 * certain outcome, or another leader may have sent it), it looks the entry
 * up in Masakari and records what it finds instead of sending again. Only an
 * entry this leader created in its own term, and never tried, goes straight
 * out: nobody else can have sent it. A 409 "duplicate" is looked up too: it
 * may be the host's previous failure, within Masakari's duplicate window,
 * and not this entry ("blocked": kept, and sent again with the time of
 * sending until Masakari takes it).
 *
 * Leadership follows delivery: a leader whose deliveries keep failing for
 * reasons of its own path (timeouts, connection errors, 5xx, Keystone) hands
 * leadership to another server (outbox_transfer_due), at most once in
 * OUTBOX_TRANSFER_QUIET_NS, so a Masakari that is down for everyone does not
 * make leadership spin.
 */
#ifndef VIGIL_OUTBOX_H
#define VIGIL_OUTBOX_H

#include <stddef.h>
#include <stdint.h>

#include "fsm.h"

/* What one delivery attempt came to (the Masakari client's answer). */
enum notify_result {
	NOTIFY_DELIVERED = 0,  /* 202: Masakari has it */
	NOTIFY_DUPLICATE,      /* 409 duplicate, and a lookup found it (an earlier send got
				* through) */
	NOTIFY_FOUND,	       /* a lookup found it: an earlier send got through */
	NOTIFY_HOST_UNKNOWN,   /* 400 host not found: a configuration error; kept, retried */
	NOTIFY_REJECTED,       /* another 4xx: kept, retried, shown loudly */
	NOTIFY_ON_MAINTENANCE, /* 409 host on_maintenance in Masakari, and not found there: a
				* second failure refused until an operator clears the flag;
				* kept, retried, alert */
	NOTIFY_BLOCKED,	       /* 409 duplicate, and not found: Masakari holds the host's
				* previous failure; kept, sent with the time of sending */
	NOTIFY_UNCERTAIN,      /* 5xx, or a timeout or reset after the request went out:
				* Masakari may have it; the next try looks it up first */
	NOTIFY_RETRY, /* not sent (connection, Keystone, no endpoint) or the lookup failed */
};
#define NOTIFY_RESULTS (NOTIFY_RETRY + 1)

const char *notify_result_name(enum notify_result r);
/* Does r mean Masakari has the notification (delivered, duplicate, found)? */
int notify_delivered(enum notify_result r);

#define OUTBOX_TRACKED	      256	    /* attempts remembered (oldest forgotten first) */
#define OUTBOX_COMMIT_WAIT_NS 2000000000ULL /* after a delivery, wait this long for "delivered" */
/* Hand leadership over after this many consecutive failures of this
 * leader's own path (RETRY, UNCERTAIN), the first at least _AFTER_NS ago;
 * not again within _QUIET_NS of the last time this server did. */
#define OUTBOX_TRANSFER_FAILURES 5
#define OUTBOX_TRANSFER_AFTER_NS (30ULL * 1000000000ULL)
#define OUTBOX_TRANSFER_QUIET_NS (300ULL * 1000000000ULL)

/* The delivery attempts of one outbox entry, on this leader. */
struct outbox_attempt {
	uint64_t outbox_id;
	uint64_t next_ns;    /* monotonic time of the next try */
	uint64_t backoff_ms; /* last retry delay */
	uint64_t tries;
	int unsure; /* Masakari may hold it without our knowing its record: look it up first */
	enum notify_result last;
	int fresh_time;	   /* once blocked: sent with the time of sending, not generated_at */
	char message[512]; /* the last answer, for status and logs */
};

/* Leader-local delivery state: not replicated, rebuilt by a new leader. */
struct outbox_sender {
	/* configuration */
	uint64_t retry_min_ms, retry_max_ms; /* first and longest retry delay */
	/* Must a notification about hostname wait (its host is about to be
	 * added to the Masakari segment, core/azsync.h)? NULL: never. */
	int (*wait)(void *ctx, const char *hostname);
	void *wait_ctx;
	/* state */
	struct outbox_attempt attempts[OUTBOX_TRACKED]; /* this term's; an entry without one
							 * is unsure */
	size_t nattempts;
	uint64_t run;		 /* consecutive failures of this leader's path (RETRY, UNCERTAIN) */
	uint64_t run_since_ns;	 /* when the first of them was answered */
	int transferred;	 /* this server handed leadership over for delivery ... */
	uint64_t transferred_ns; /* ... at this time (survives outbox_lead) */
	uint64_t sent_by_result[NOTIFY_RESULTS]; /* answers by result, for metrics */
	uint64_t transfers;			 /* leadership handed over for delivery */
};

void outbox_sender_init(struct outbox_sender *s, uint32_t retry_min_ms, uint32_t retry_max_ms);
/* The pending entry to send now (the first whose retry time has come), or
 * NULL. Held, delivered and cancelled entries are never sent, nor a STOPPED
 * whose verdict needs a fence until "fenced" has committed (fence.h), nor
 * one that s->wait holds back. */
const struct fsm_outbox *outbox_next(struct outbox_sender *s, const struct fsm *f, uint64_t now);
/* Record the answer to a send of entry id at now (rnd: 32 random bits for
 * the retry jitter). Returns 1 if the entry is now delivered and must be
 * recorded so through Raft, else 0 (it stays pending; its next try is set). */
int outbox_answer(struct outbox_sender *s, uint64_t id, enum notify_result r, const char *message,
		  uint64_t now, uint32_t rnd);
/* The attempts made at entry id, or NULL if none. */
const struct outbox_attempt *outbox_attempt(const struct outbox_sender *s, uint64_t id);

/* This server has just become leader (a new term): forget the attempts of
 * any earlier term (another leader may have sent since) and start a new
 * count of failures. The time of its last transfer stays. */
void outbox_lead(struct outbox_sender *s);
/* Entry id was created by this leader's own proposal, committed in its
 * term: nobody else can have sent it, so its first send needs no lookup. */
void outbox_created(struct outbox_sender *s, uint64_t id);
/* Must entry id be looked up in Masakari before it is sent (an earlier
 * send may have got through)? */
int outbox_unsure(const struct outbox_sender *s, uint64_t id);

/* The Masakari operations of one delivery: the agent's client, or a test's
 * model. ctx carries the notification and collects the answers. */
struct outbox_ops {
	/* 1: Masakari holds this notification; 0: it does not; -1: cannot tell */
	int (*find)(void *ctx);
	enum notify_result (*send)(void *ctx);
};
/* One delivery: look the entry up first if unsure (found: FOUND; cannot
 * tell: RETRY, nothing sent), else or if not found send it; a 409 "on
 * maintenance" is looked up too, since an earlier send of ours may be what
 * put the host on maintenance (found: FOUND; not found: ON_MAINTENANCE;
 * cannot tell: RETRY), and a 409 "duplicate", which the host's previous
 * failure may cause (found: DUPLICATE; not found: BLOCKED; cannot tell:
 * RETRY). */
enum notify_result outbox_deliver(const struct outbox_ops *ops, void *ctx, int unsure);

/* Should this leader hand leadership over now, its deliveries failing
 * (OUTBOX_TRANSFER_*) while f still holds a notification to deliver (one
 * cancelled or delivered meanwhile is no reason to move)? Then call
 * outbox_transferred once it has asked. */
int outbox_transfer_due(const struct outbox_sender *s, const struct fsm *f, uint64_t now);
void outbox_transferred(struct outbox_sender *s, uint64_t now);

#endif /* VIGIL_OUTBOX_H */
