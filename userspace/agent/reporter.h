/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * reporter.h - the member side of consensus, on every agent: a REPORT of the
 * members this host finds dead to every server, every report interval and at
 * once when that set changes; and the operator's MAINT and FORGET requests,
 * sent again until the Raft leader answers (core/opreq.h).
 */
#ifndef VIGIL_REPORTER_H
#define VIGIL_REPORTER_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "memb.h"
#include "opreq.h"
#include "wire.h"

struct reporter {
	/* configuration */
	char name[VIGIL_NAME_LEN];     /* this node */
	char hostname[VIGIL_NAME_LEN]; /* its hypervisor host name */
	uint32_t cluster_id, node_id;
	uint32_t interval_ms;
	uint64_t epoch; /* this agent's boot epoch (agent.c) */
	/* wiring */
	const struct memb *memb;			/* whom it finds dead */
	void (*send)(void *ctx, void *msg, size_t len); /* sign, to every server */
	void *ctx;
	/* state */
	uv_timer_t timer;
	int truncated_warned; /* said once that the dead did not fit one report */
	uint64_t seq;	      /* messages sent in this epoch (REPORT, MAINT, FORGET) */
	int stopped;
	struct opreq_table requests; /* MAINT and FORGET waiting for the leader's answer */
};

void reporter_start(struct reporter *r, uv_loop_t *loop);
/* The set of dead members changed: report now, not at the next tick. */
void reporter_now(struct reporter *r);
/* Send an operator's request to the servers (w: type, host, on, reason;
 * its epoch and seq are set here), again until answered. 0, -EINVAL (w is
 * not a request the wire carries) or -EBUSY (OPREQ_MAX wait already). */
int reporter_request(struct reporter *r, struct wire_maint *w, void *ctx);
/* A verified ANSWER: the ctx of the request it answers (no longer waiting),
 * or NULL if it answers none. */
void *reporter_answered(struct reporter *r, const struct wire_answer *a);
/* Send again what is due; the ctx of a request given up (no answer within
 * OPREQ_WAIT_MS), or NULL. Call until NULL. */
void *reporter_expired(struct reporter *r);
/* The ctx of one request still waiting, no longer (the agent stops), or
 * NULL when none is left. */
void *reporter_abandon(struct reporter *r);
/* No more reports (the agent is leaving); the timer closes with the loop. */
void reporter_stop(struct reporter *r);

#endif /* VIGIL_REPORTER_H */
