/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * verdict.h - the leader's decision rule. Every member reports, to every
 * server, which hosts it finds unreachable. Host H is declared failed only
 * when more than half of the counted hosts (members and failed hosts; not
 * maintenance, not left) have reported H unreachable continuously for the
 * wait period. Reports are soft state on each server, so a new leader
 * already has them. No I/O: the Raft fixture tests drive this code.
 */
#ifndef VIGIL_VERDICT_H
#define VIGIL_VERDICT_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "fsm.h"
#include "memb.h"
#include "vigil_abi.h"

/* As many as one REPORT carries. */
#define VERDICT_MAX_UNREACH VIGIL_REPORT_MAX_IDS

struct report {
	uint32_t reporter;
	char name[FSM_NAME_MAX];
	char hostname[FSM_NAME_MAX];
	uint64_t last_ns; /* monotonic time of the newest report */
	size_t n;
	struct {
		uint32_t id;
		uint64_t since_ns; /* reported continuously since */
	} unreach[VERDICT_MAX_UNREACH];
};

struct reports {
	struct report *r;
	size_t n;
	/* Hosts whose verdict the last pass held because this leader's own
	 * kernel heard them answer (verdict_next), and when it last said so. */
	size_t contradicted;
	uint64_t contradicted_logged_ns;
	/* Failed hosts that report again while another host still reports
	 * them unreachable (not recovered yet), and when it last said so. */
	size_t recovery_held;
	uint64_t recovery_held_logged_ns;
};

struct verdict_params {
	uint64_t wait_ns;	/* wait period before a verdict */
	uint64_t report_ttl_ns; /* a reporter silent this long no longer counts */
	uint32_t min_healthy;	/* hosts that must stay in service, else hold */
	const char *fence_mode; /* recorded in each verdict: what its STOPPED waits for (fence.h) */
	/* An answer this leader's own kernel received from a host this
	 * recently contradicts every report that calls it unreachable for the
	 * wait period: its verdict is held (0: no such check). The wait
	 * period, from the configuration. */
	uint64_t witness_ns;
};

/* The rule's parameters from the configuration: a report counts for three
 * report intervals. */
void verdict_params_init(struct verdict_params *p, const struct verdict_config *c);

void reports_init(struct reports *rs);
void reports_free(struct reports *rs);
/* Record a report received at now. A host it lists keeps the time since
 * when this reporter has listed it without a break; one missing from it, or
 * every one after the reporter went silent longer than the report TTL,
 * starts over: the evidence must be continuous. */
void reports_update(struct reports *rs, const struct verdict_params *c, uint32_t reporter,
		    const char *name, const char *hostname, const uint32_t *ids, size_t n,
		    uint64_t now);

/* Has reporter sent a report within the report TTL (is its report current)? */
int reports_current(const struct reports *rs, const struct verdict_params *c, uint32_t reporter,
		    uint64_t now);
/* How many current reporters (counted, healthy hosts other than id) have
 * reported id unreachable for at least wait_ns. */
size_t verdict_support(const struct fsm *f, const struct reports *rs,
		       const struct verdict_params *c, uint32_t id, uint64_t now);

/* Is id cut off from a majority of every host not left -- maintenance hosts
 * included, which the verdict does not count but the host's own isolation
 * judgement (isolation.h) does? 1 if at least half of them report it
 * unreachable for the wait period: then it reaches no majority of its own
 * zone, and has judged itself isolated. Mode watchdog's rule needs this. */
int verdict_cut_off(const struct fsm *f, const struct reports *rs, const struct verdict_params *c,
		    uint32_t id, uint64_t now);

/* The next command the leader should propose (malloc'd JSON), or NULL when
 * the replicated state already matches the evidence. m is the leader's
 * membership: a reporter is admitted as a host once its kernel was heard,
 * and a host its kernel heard answer within witness_ns gets no verdict,
 * whatever the reports say (a one-sided fault, or reports forged by a key
 * holder: rs->contradicted counts them, with an event line at most every
 * 10 s). now is monotonic (the kernel's clock), now_real is CLOCK_REALTIME
 * (the notification's generated_time). */
char *verdict_next(const struct fsm *f, struct reports *rs, const struct verdict_params *c,
		   const struct memb *m, uint64_t now, uint64_t now_real);

/* A graceful leave, decided: the first member that the leader's membership
 * shows left, that is still a healthy member of the decided membership and
 * no longer reports. It stops counting for the quorum of hosts and is never
 * notified about; a report from it later makes it a member again
 * (verdict_next). The command (malloc'd JSON), or NULL. */
char *verdict_left(const struct fsm *f, const struct reports *rs, const struct verdict_params *c,
		   const struct memb *m, uint64_t now);

#endif /* VIGIL_VERDICT_H */
