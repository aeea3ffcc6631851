/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * outbox.h - how the Raft leader delivers the notification outbox (fsm.h)
 * exactly once: which entry to send next, what an answer means, and when to
 * try again. No I/O: the agent's notifier (agent/notifier.c) sends on a
 * worker thread and records "delivered" through Raft when this says so; the
 * unit tests drive the same code with libraft's fixture.
 *
 * Exactly once: a notification exists only as a committed outbox entry. The
 * leader sends pending entries with the entry's own generated_at (so
 * Masakari's duplicate check recognises a resend), and marks them delivered
 * through the log. A leader that dies after sending but before "delivered"
 * commits is replaced by one that sends again; Masakari answers 409, the
 * client finds the entry among Masakari's notifications, and that counts as
 * delivered. A 409 for an entry Masakari does not hold (its duplicate window
 * still covers the host's previous failure) is "blocked": kept, and sent
 * again with the time of sending until Masakari takes it.
 */
#ifndef VIGIL_OUTBOX_H
#define VIGIL_OUTBOX_H

#include <stddef.h>
#include <stdint.h>

#include "fsm.h"

/* What one delivery attempt came to (the Masakari client's answer). */
enum notify_result {
	NOTIFY_DELIVERED = 0, /* 202: Masakari has it */
	NOTIFY_DUPLICATE,     /* 409: it has it already (an earlier send got through) */
	NOTIFY_HOST_UNKNOWN,  /* 400 host not found: a configuration error; kept, retried */
	NOTIFY_REJECTED,      /* another 4xx: kept, retried, shown loudly */
	NOTIFY_BLOCKED,	      /* 409, but Masakari holds the host's previous failure, not this */
	NOTIFY_RETRY,	      /* 5xx, timeout, connection or authentication failure */
};
#define NOTIFY_RESULTS (NOTIFY_RETRY + 1)

const char *notify_result_name(enum notify_result r);

#define OUTBOX_TRACKED	      256	    /* attempts remembered (oldest forgotten first) */
#define OUTBOX_COMMIT_WAIT_NS 2000000000ULL /* after a delivery, wait this long for "delivered" */

/* The delivery attempts of one outbox entry, on this leader. */
struct outbox_attempt {
	uint64_t outbox_id;
	uint64_t next_ns;    /* monotonic time of the next try */
	uint64_t backoff_ms; /* last retry delay */
	uint64_t tries;
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
	struct outbox_attempt attempts[OUTBOX_TRACKED];
	size_t nattempts;
	uint64_t sent_by_result[NOTIFY_RESULTS]; /* answers by result, for metrics */
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

#endif /* VIGIL_OUTBOX_H */
