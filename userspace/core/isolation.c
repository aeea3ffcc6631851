// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* isolation.c - isolation detection and response: the rule and the machine. */
#include <stdio.h>
#include <string.h>

#include "isolation.h"
#include "log.h"
#include "util.h"

#define NS_PER_MS 1000000ULL

/* ---- configuration ---------------------------------------------------------------------- */

static const char *const response_names[] = {"none", "command", "virsh-destroy", "reset"};

const char *iso_response_name(int r)
{
	return name_at(response_names, ARRAY_SIZE(response_names), r);
}

int iso_response_parse(const char *s)
{
	return name_index(response_names, ARRAY_SIZE(response_names), s);
}

int isolation_config_finish(const struct isolation_config *c, const struct fence_config *f,
			    uint32_t wait_period_ms, const char **key, char *err, size_t errsz)
{
	const struct fence_mode *m = fence_mode_get(fence_mode_name(f->mode));
	struct fence_timing t = {
		.wait_period_ms = wait_period_ms,
		.isolation_timeout_ms = c->timeout_ms,
		.watchdog_timeout_ms = c->watchdog_timeout_ms,
		.margin_ms = f->watchdog_margin_ms,
		.watchdog = c->watchdog_device[0] != '\0',
		.response = c->response,
	};

	if (c->response != ISO_RESP_NONE && !c->timeout_ms) {
		*key = "isolation_response";
		snprintf(err, errsz,
			 "\"isolation_response\" %s needs isolation detection: "
			 "\"isolation_timeout_ms\" above 0",
			 iso_response_name(c->response));
		return -1;
	}
	if (c->response == ISO_RESP_COMMAND && !c->command[0]) {
		*key = "isolation_command";
		snprintf(err, errsz,
			 "\"isolation_response\" command needs \"isolation_command\" (run with "
			 "/bin/sh -c; exit status 0 means the VMs are stopped)");
		return -1;
	}
	if (c->response == ISO_RESP_RESET && !c->watchdog_device[0]) {
		*key = "watchdog_device";
		snprintf(err, errsz,
			 "\"isolation_response\" reset needs a hardware watchdog: set "
			 "\"watchdog_device\" (e.g. /dev/watchdog)");
		return -1;
	}
	/* Watchdog devices count whole seconds: a timeout they would round
	 * up would break the watchdog rule of the servers. */
	if (c->watchdog_timeout_ms % 1000) {
		*key = "watchdog_timeout_ms";
		snprintf(err, errsz,
			 "\"watchdog_timeout_ms\" = %u must be a whole number of seconds (a "
			 "multiple of 1000): watchdog devices count seconds",
			 c->watchdog_timeout_ms);
		return -1;
	}
	return m->check ? m->check(&t, key, err, errsz) : 0;
}

/* ---- reach ---------------------------------------------------------------------------------- */

void iso_reach(const struct memb *m, size_t *reached, size_t *zone)
{
	size_t r = 1, z = 1;

	for (size_t i = 0; i < m->n; i++) {
		const struct member *mb = m->members[i];

		if (mb->state == MEMB_LEFT)
			continue;
		z++;
		r += mb->state == MEMB_ALIVE ||
		     (mb->state == MEMB_SUSPECT && mb->last_ack_ns > mb->suspect_start_ns);
	}
	*reached = r;
	*zone = z;
}

/* ---- the machine ---------------------------------------------------------------------------- */

const char *iso_state_name(enum iso_state s)
{
	static const char *const n[] = {"connected", "lost", "isolated", "vms-stopped"};

	return name_at(n, ARRAY_SIZE(n), (int)s);
}

const char *iso_record_state(enum iso_state s)
{
	return s == ISO_ISOLATED ? "isolated" : s == ISO_VMS_STOPPED ? "vms-stopped" : "running";
}

void iso_init(struct iso *s, const struct iso_params *p)
{
	memset(s, 0, sizeof(*s));
	s->timeout_ns = (uint64_t)p->timeout_ms * NS_PER_MS;
	s->response = p->response;
	s->watchdog = p->watchdog;
	/* A failed response is tried again after the timeout (at least 1 s). */
	s->retry_ns = (p->timeout_ms > 1000 ? p->timeout_ms : 1000) * NS_PER_MS;
	s->stall_ns = 1000 * NS_PER_MS;
	s->stall_grace_ns = (uint64_t)p->stall_grace_ms * NS_PER_MS;
	s->state = ISO_CONNECTED;
}

int iso_cut_off(const struct iso *s)
{
	return s->state != ISO_CONNECTED;
}

int iso_may_feed(const struct iso *s)
{
	return !s->reset && !(s->watchdog && s->owed);
}

/* The response starts (first time, or a retry). */
static enum iso_action respond(struct iso *s, uint64_t now)
{
	if (s->response == ISO_RESP_RESET) {
		s->reset = 1;
		log_event(LOG_LVL_ERR, "watchdog_stopped",
			  "reason=reset_response reached=%zu zone=%zu", s->reached, s->zone);
		return ISO_ACT_NONE;
	}
	if (s->response == ISO_RESP_NONE)
		return ISO_ACT_NONE;
	s->running = 1;
	s->owed = 1;
	if (s->watchdog)
		log_event(LOG_LVL_ERR, "watchdog_stopped",
			  "reason=response_running reached=%zu zone=%zu", s->reached, s->zone);
	return ISO_ACT_RESPOND;
}

enum iso_action iso_step(struct iso *s, size_t reached, size_t zone, uint64_t now)
{
	int majority = 2 * reached > zone;
	enum iso_state was = s->state;

	/* A late judgement means the loop stalled (the agent was frozen, the
	 * CPU starved): the membership's view is from before. Judge isolation
	 * only on evidence gathered after it. The watchdog, not fed meanwhile,
	 * covers a stall longer than its timeout. */
	if (s->last_ns && now - s->last_ns > s->stall_ns) {
		s->stalls++;
		s->fresh_ns = now + s->stall_grace_ns;
	}
	s->last_ns = now;
	s->reached = reached;
	s->zone = zone;
	if (!s->timeout_ns)
		return ISO_ACT_NONE;

	switch (s->state) {
	case ISO_CONNECTED:
		if (majority)
			return ISO_ACT_NONE;
		s->state = ISO_LOST;
		s->lost_ns = now;
		log_event(LOG_LVL_WARN, "isolation_lost", "reached=%zu zone=%zu timeout_ms=%llu",
			  reached, zone, (unsigned long long)(s->timeout_ns / NS_PER_MS));
		return ISO_ACT_NONE;
	case ISO_LOST:
		if (majority) {
			s->state = ISO_CONNECTED;
			s->cancelled++;
			log_event(LOG_LVL_INFO, "isolation_cancelled",
				  "reached=%zu zone=%zu ms=%llu", reached, zone,
				  (unsigned long long)((now - s->lost_ns) / NS_PER_MS));
			return ISO_ACT_NONE;
		}
		if (now - s->lost_ns < s->timeout_ns || now < s->fresh_ns)
			return ISO_ACT_NONE;
		s->state = ISO_ISOLATED;
		s->isolated_ns = now;
		s->isolations++;
		log_event(LOG_LVL_ERR, "isolated", "reached=%zu zone=%zu ms=%llu response=%s",
			  reached, zone, (unsigned long long)((now - s->lost_ns) / NS_PER_MS),
			  iso_response_name(s->response));
		return respond(s, now);
	case ISO_ISOLATED:
		if (s->running)
			return ISO_ACT_NONE;
		/* Reconnected: with nothing owed, or nothing fed that a reset
		 * would have to make good, this host is in service again. */
		if (majority && !s->reset && (!s->owed || !s->watchdog)) {
			s->state = ISO_CONNECTED;
			s->owed = 0;
			break;
		}
		if (s->owed && now >= s->next_try_ns)
			return respond(s, now);
		return ISO_ACT_NONE;
	case ISO_VMS_STOPPED:
		if (majority) {
			s->state = ISO_CONNECTED;
			break;
		}
		return ISO_ACT_NONE;
	}
	if (s->state != was)
		log_event(LOG_LVL_WARN, "reconnected", "reached=%zu zone=%zu from=%s ms=%llu",
			  reached, zone, iso_state_name(was),
			  (unsigned long long)((now - s->lost_ns) / NS_PER_MS));
	return ISO_ACT_NONE;
}

void iso_response_done(struct iso *s, int ok, const char *why, uint64_t elapsed_ms, uint64_t now)
{
	if (!s->running)
		return;
	s->running = 0;
	if (ok) {
		s->responses_ok++;
		s->owed = 0;
		/* Still cut off: the VMs are stopped, which the storage heartbeat
		 * says; reconnected meanwhile: in service again (next step). */
		s->state = ISO_VMS_STOPPED;
		log_event(LOG_LVL_WARN, "isolation_response",
			  "result=vms_stopped response=%s ms=%llu since_isolated_ms=%llu",
			  iso_response_name(s->response), (unsigned long long)elapsed_ms,
			  (unsigned long long)((now - s->isolated_ns) / NS_PER_MS));
		if (s->watchdog)
			log_event(LOG_LVL_WARN, "watchdog_resumed", "reason=%s", "vms_stopped");
		return;
	}
	s->responses_failed++;
	s->next_try_ns = now + s->retry_ns;
	log_event(LOG_LVL_ERR, "isolation_response",
		  "result=failed response=%s ms=%llu since_isolated_ms=%llu",
		  iso_response_name(s->response), (unsigned long long)elapsed_ms,
		  (unsigned long long)((now - s->isolated_ns) / NS_PER_MS));
	log_err("isolation response %s FAILED (%s): %s; retrying in %llu ms",
		iso_response_name(s->response), why && *why ? why : "no reason given",
		s->watchdog ? "the watchdog is not fed: it resets this host"
			    : "no watchdog: the VMs may still run",
		(unsigned long long)(s->retry_ns / NS_PER_MS));
}
