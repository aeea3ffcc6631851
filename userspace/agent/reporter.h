/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * reporter.h - the member side of consensus, on every agent: a REPORT of the
 * members this host finds dead to every server, every report interval and at
 * once when that set changes; and MAINT requests on the operator's behalf.
 */
#ifndef VIGIL_REPORTER_H
#define VIGIL_REPORTER_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "memb.h"
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
	uint64_t seq;	      /* messages sent in this epoch (REPORT and MAINT) */
	int stopped;
};

void reporter_start(struct reporter *r, uv_loop_t *loop);
/* The set of dead members changed: report now, not at the next tick. */
void reporter_now(struct reporter *r);
/* Ask the servers to put host into (on) or out of maintenance. 0 or -EINVAL. */
int reporter_maintenance(struct reporter *r, const char *host, int on);
/* No more reports (the agent is leaving); the timer closes with the loop. */
void reporter_stop(struct reporter *r);

#endif /* VIGIL_REPORTER_H */
