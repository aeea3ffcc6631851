// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* verdict.c - quorum-of-hosts failure verdicts, decided on the Raft leader. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "util.h"
#include "verdict.h"

void verdict_params_init(struct verdict_params *p, const struct verdict_config *c)
{
	p->wait_ns = (uint64_t)c->wait_period_ms * 1000000ULL;
	p->report_ttl_ns = 3ULL * c->report_interval_ms * 1000000ULL;
	p->min_healthy = c->min_healthy_hosts;
	p->witness_ns = p->wait_ns;
}

void reports_init(struct reports *rs)
{
	memset(rs, 0, sizeof(*rs));
}

void reports_free(struct reports *rs)
{
	free(rs->r);
	reports_init(rs);
}

static struct report *find(const struct reports *rs, uint32_t reporter)
{
	for (size_t i = 0; i < rs->n; i++)
		if (rs->r[i].reporter == reporter)
			return &rs->r[i];
	return NULL;
}

void reports_update(struct reports *rs, const struct verdict_params *c, uint32_t reporter,
		    const char *name, const char *hostname, const uint32_t *ids, size_t n,
		    uint64_t now)
{
	struct report *r = find(rs, reporter), prev;

	if (!r) {
		struct report *nr = realloc(rs->r, (rs->n + 1) * sizeof(*nr));

		if (!nr)
			return;
		rs->r = nr;
		r = &rs->r[rs->n++];
		memset(r, 0, sizeof(*r));
		r->reporter = reporter;
	}
	prev = *r;
	if (prev.last_ns && now - prev.last_ns > c->report_ttl_ns)
		prev.n = 0; /* it went silent: its evidence is not continuous */
	snprintf(r->name, sizeof(r->name), "%s", name);
	snprintf(r->hostname, sizeof(r->hostname), "%s", hostname);
	/* A host still in the list keeps its start time; one missing from it
	 * (or a reporter that went silent longer than a report interval would
	 * explain) starts over: the reports must be continuous. */
	r->n = 0;
	for (size_t i = 0; i < n && r->n < VERDICT_MAX_UNREACH; i++) {
		uint64_t since = now;

		for (size_t j = 0; j < prev.n; j++)
			if (prev.unreach[j].id == ids[i])
				since = prev.unreach[j].since_ns;
		r->unreach[r->n].id = ids[i];
		r->unreach[r->n].since_ns = since;
		r->n++;
	}
	r->last_ns = now;
}

static int current(const struct report *r, const struct verdict_params *c, uint64_t now)
{
	return now >= r->last_ns && now - r->last_ns <= c->report_ttl_ns;
}

int reports_current(const struct reports *rs, const struct verdict_params *c, uint32_t reporter,
		    uint64_t now)
{
	const struct report *r = find(rs, reporter);

	return r && current(r, c, now);
}

/* Has r listed id without a break for the wait period? */
static int listed_for_wait(const struct report *r, const struct verdict_params *c, uint32_t id,
			   uint64_t now)
{
	for (size_t j = 0; j < r->n; j++)
		if (r->unreach[j].id == id)
			return now >= r->unreach[j].since_ns &&
			       now - r->unreach[j].since_ns >= c->wait_ns;
	return 0;
}

/* How many current reporters, healthy hosts other than id in a state that
 * maint allows (FSM_MEMBER, or with maint also FSM_MAINTENANCE), have listed
 * id for the wait period. */
static size_t support_of(const struct fsm *f, const struct reports *rs,
			 const struct verdict_params *c, uint32_t id, uint64_t now, int maint)
{
	size_t support = 0;

	for (size_t i = 0; i < rs->n; i++) {
		const struct report *r = &rs->r[i];
		const struct fsm_host *rh = fsm_host(f, r->reporter);

		if (r->reporter == id || !current(r, c, now) || !rh || rh->failed ||
		    (rh->state != FSM_MEMBER && !(maint && rh->state == FSM_MAINTENANCE)))
			continue;
		support += (size_t)listed_for_wait(r, c, id, now);
	}
	return support;
}

size_t verdict_support(const struct fsm *f, const struct reports *rs,
		       const struct verdict_params *c, uint32_t id, uint64_t now)
{
	return support_of(f, rs, c, id, now, 0);
}

int verdict_cut_off(const struct fsm *f, const struct reports *rs, const struct verdict_params *c,
		    uint32_t id, uint64_t now)
{
	size_t zone = 0;

	for (size_t i = 0; i < f->nhosts; i++)
		zone += f->hosts[i].state != FSM_LEFT;
	return zone && 2 * support_of(f, rs, c, id, now, 1) >= zone;
}

/* A current reporter that lists id unreachable (any duration), or NULL. */
static const struct report *reported_down(const struct reports *rs, const struct verdict_params *c,
					  uint32_t id, uint64_t now)
{
	for (size_t i = 0; i < rs->n; i++) {
		if (!current(&rs->r[i], c, now) || rs->r[i].reporter == id)
			continue;
		for (size_t j = 0; j < rs->r[i].n; j++)
			if (rs->r[i].unreach[j].id == id)
				return &rs->r[i];
	}
	return NULL;
}

/* The reporter's entry in the leader's membership if it is admitted, NULL
 * if not. */
static const struct member *admitted(const struct memb *m, uint32_t id)
{
	const struct member *mb;

	if (id == m->self.id)
		return &m->self;
	mb = memb_find(m, id);
	return mb && mb->last_ack_ns ? mb : NULL;
}

/* Did this leader's own kernel hear id answer within the witness window?
 * A verdict needs every supporting report to be older than the wait
 * period, so such an answer came after all of them: a host that crashed
 * cannot have sent it. */
static int witnessed(const struct memb *m, const struct verdict_params *c, uint32_t id,
		     uint64_t now)
{
	const struct member *mb = c->witness_ns ? memb_find(m, id) : NULL;

	return mb && mb->last_ack_ns && mb->last_ack_ns <= now &&
	       now - mb->last_ack_ns < c->witness_ns;
}

/* A verdict held by witnessed(): counted, and said at most every 10 s. */
static void contradicted(struct reports *rs, const struct memb *m, const struct fsm_host *h,
			 size_t support, size_t counted, uint64_t now)
{
	uint64_t ago = now - memb_find(m, h->id)->last_ack_ns;

	rs->contradicted++;
	if (rs->contradicted_logged_ns && now - rs->contradicted_logged_ns < 10 * NSEC_PER_SEC)
		return;
	rs->contradicted_logged_ns = now;
	log_event(LOG_LVL_WARN, "verdict_contradicted",
		  "host=%s hostname=%s reporters=%zu counted=%zu heard_ms_ago=%llu", h->name,
		  h->hostname, support, counted, (unsigned long long)(ago / 1000000));
	log_warn("%s is reported unreachable by %zu of %zu hosts, but this leader's kernel heard "
		 "it answer: no verdict while it does (a one-sided network fault, or forged "
		 "reports)",
		 h->hostname, support, counted);
}

/* A failed host reports again, but by reports still calls it unreachable:
 * not back yet. Counted, and said at most every 30 s (the answer to "why
 * is my repaired host not in service again?"). */
static void recovery_held(struct reports *rs, const struct fsm_host *h, const struct report *by,
			  uint64_t now)
{
	rs->recovery_held++;
	if (rs->recovery_held_logged_ns && now - rs->recovery_held_logged_ns < 30 * NSEC_PER_SEC)
		return;
	rs->recovery_held_logged_ns = now;
	log_event(LOG_LVL_WARN, "recovery_held", "host=%s hostname=%s by=%s", h->name, h->hostname,
		  by->name);
	log_warn("%s reports again, but %s still reports it unreachable: it is not back in service "
		 "(no STARTED) until no host does (`vigil members` on %s)",
		 h->hostname, by->name, by->name);
}

char *verdict_next(const struct fsm *f, struct reports *rs, const struct verdict_params *c,
		   const struct memb *m, uint64_t now, uint64_t now_real)
{
	size_t counted = fsm_counted(f);
	char *cmd;
	/* Reporting hosts become members of the decided membership, once
	 * admitted: this leader's own kernel has heard them answer (a forged
	 * sender id with no host behind it never is), or it is the leader. */
	for (size_t i = 0; i < rs->n; i++) {
		const struct report *r = &rs->r[i];
		const struct fsm_host *h = fsm_host(f, r->reporter);
		const struct member *mb;
		char addr[FSM_ADDR_MAX] = "";

		if (!current(r, c, now) || !(mb = admitted(m, r->reporter)))
			continue;
		/* its address too, for agents that restart without knowing it */
		if (mb->addrlen)
			addr_format((const struct sockaddr *)&mb->addr, addr, sizeof(addr));
		/* (a command that cannot be built must not hold up the others) */
		if ((!h || h->state == FSM_LEFT || strcmp(h->hostname, r->hostname) ||
		     (addr[0] && strcmp(h->addr, addr))) &&
		    (cmd = fsm_cmd_member(r->reporter, r->name, r->hostname, addr)))
			return cmd;
	}

	rs->contradicted = 0;
	for (size_t i = 0; i < f->nhosts; i++) {
		const struct fsm_host *h = &f->hosts[i];
		size_t support;

		if (h->state != FSM_MEMBER || h->failed)
			continue;
		support = verdict_support(f, rs, c, h->id, now);
		if (2 * support > counted && witnessed(m, c, h->id, now)) {
			contradicted(rs, m, h, support, counted, now);
			continue;
		}
		if (2 * support > counted) {
			/* Would fewer than min_healthy hosts stay in service? Then
			 * record the verdict but hold the notification. */
			int hold = fsm_healthy(f) - 1 < c->min_healthy;

			log_event(LOG_LVL_WARN, "verdict",
				  "host=%s hostname=%s reporters=%zu counted=%zu hold=%d", h->name,
				  h->hostname, support, counted, hold);
			if (hold)
				log_warn(
					"notification for %s HELD: fewer than min_healthy_hosts (%u) "
					"would remain in service",
					h->hostname, c->min_healthy);
			return fsm_cmd_verdict_fence(h->id, now_real, hold, support, c->fence_mode);
		}
	}

	/* A failed host that reports again, and that nobody reports down, is back. */
	rs->recovery_held = 0;
	for (size_t i = 0; i < f->nhosts; i++) {
		const struct fsm_host *h = &f->hosts[i];
		const struct report *r = find(rs, h->id), *by;

		if (!h->failed || h->state == FSM_LEFT || !r || !current(r, c, now))
			continue;
		by = reported_down(rs, c, h->id, now);
		if (!by)
			return fsm_cmd_recovered(h->id, now_real);
		recovery_held(rs, h, by, now);
	}

	/* Held notifications go out once enough hosts are in service again. */
	for (size_t i = 0; i < f->noutbox; i++)
		if (f->outbox[i].status == OUTBOX_HELD && fsm_healthy(f) >= c->min_healthy)
			return fsm_cmd_release(f->outbox[i].id);
	return NULL;
}

char *verdict_left(const struct fsm *f, const struct reports *rs, const struct verdict_params *c,
		   const struct memb *m, uint64_t now)
{
	for (size_t i = 0; i < m->n; i++) {
		const struct member *mb = m->members[i];
		const struct fsm_host *h;

		if (mb->state != MEMB_LEFT)
			continue;
		h = fsm_host(f, mb->id);
		if (h && h->state == FSM_MEMBER && !h->failed &&
		    !reports_current(rs, c, mb->id, now)) {
			log_event(LOG_LVL_INFO, "left", "host=%s hostname=%s", h->name,
				  h->hostname);
			return fsm_cmd_left(mb->id);
		}
	}
	return NULL;
}
