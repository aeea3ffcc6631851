/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * status.h - what the agent shows of itself: the member table and the status
 * document of the HTTP API (GET /v1/members, /v1/status), and the view of
 * the agent that they, and /metrics (metrics.h), are rendered from.
 */
#ifndef VIGIL_STATUS_H
#define VIGIL_STATUS_H

#include <stdint.h>

#include "config.h"
#include "isolator.h"
#include "maps.h"
#include "memb.h"
#include "server.h"

/* The agent's facts, gathered by the wiring for status and metrics. */
struct agent_view {
	const struct vigil_config *cfg;
	const struct memb *memb;
	const struct vigil_maps *maps;
	struct server *server; /* NULL on a client */
	uint64_t heartbeat;
	uint64_t started_ns;	  /* monotonic */
	uint64_t max_loop_lag_ns; /* worst tick lateness seen */
	uint64_t pushpull_exchanges;
	uint64_t pushpull_refused;
	enum xdp_mode xdp_mode;		 /* the mode in use */
	const struct isolator *isolator; /* isolation, its response, the watchdog */
	struct storage_hb *shb;		 /* the storage heartbeat; NULL: none */
};

/* Label of a member's state for people: "alive", "alive (agent stalled)", ... */
const char *status_state_label(const struct member *mb);
/* What the storage heartbeat says of a member (servers; NULL if nothing). */
const char *status_storage_label(const struct agent_view *v, const char *node);
/* JSON texts (malloc'd), or NULL. */
char *status_members_json(const struct agent_view *v);
char *status_json(const struct agent_view *v);

#endif /* VIGIL_STATUS_H */
