/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * opreq.h - an operator's requests (MAINT, FORGET) waiting for the Raft
 * leader's ANSWER, on the agent the operator asked. A request goes to every
 * server; only the leader acts on it and answers once it is decided (once
 * committed, or at once for an unknown host or a host that is alive). It
 * is sent again, with the same (epoch, seq), every OPREQ_RESEND_MS until
 * an answer matches it, and given up after OPREQ_WAIT_MS: no leader, or
 * none reachable. The leader answers a repeat as it answered the first
 * (the sender's mark in fsm.h), so a lost answer costs a resend, never a
 * second change. No I/O.
 */
#ifndef VIGIL_OPREQ_H
#define VIGIL_OPREQ_H

#include <stddef.h>
#include <stdint.h>

#include "wire.h"

#define OPREQ_MAX	16   /* requests waiting at once */
#define OPREQ_RESEND_MS 1000 /* sent again this often ... */
#define OPREQ_WAIT_MS	4000 /* ... until this long after the first: given up */

struct opreq {
	struct wire_maint w; /* the request as sent: type, host, on, reason, epoch, seq */
	uint64_t first_ns;   /* monotonic: sent first ... */
	uint64_t sent_ns;    /* ... and last */
	void *ctx;	     /* whoever waits for the answer */
};

struct opreq_table {
	struct opreq q[OPREQ_MAX];
	size_t n;
	uint64_t unmatched; /* answers that matched no request waiting (late, or forged) */
};

/* w (sent at now) waits for its answer. 0, or -EBUSY if OPREQ_MAX wait. */
int opreq_add(struct opreq_table *t, const struct wire_maint *w, void *ctx, uint64_t now);
/* The request a (decoded ANSWER) answers, removed from t and copied to *r:
 * 0; -1 if it answers none waiting (counted). */
int opreq_answered(struct opreq_table *t, const struct wire_answer *a, struct opreq *r);

enum opreq_due {
	OPREQ_NONE = 0, /* nothing to do now */
	OPREQ_RESEND,	/* *r is to be sent again (its sent_ns is now) */
	OPREQ_EXPIRED,	/* *r had no answer in OPREQ_WAIT_MS: removed */
};
/* The next thing to do at now; call until OPREQ_NONE. */
enum opreq_due opreq_next(struct opreq_table *t, uint64_t now, struct opreq *r);
/* Remove the oldest request into *r (the agent stops: each is ended); 0 if
 * there was none. */
int opreq_pop(struct opreq_table *t, struct opreq *r);

#endif /* VIGIL_OPREQ_H */
