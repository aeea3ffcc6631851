/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* metrics.h - the agent's Prometheus /metrics text. */
#ifndef VIGIL_METRICS_H
#define VIGIL_METRICS_H

#include "ctrsum.h"
#include "leader_watch.h"
#include "status.h"

/* What the metrics keep from one render, or one look, to the next. */
struct metrics {
	struct ctrsum rtt;	    /* vigil_rtt_seconds: the peers' histograms, summed */
	struct leader_watch leader; /* vigil_raft_leader_changes_total */
};

/* 0, or -ENOMEM. */
int metrics_init(struct metrics *mx);
void metrics_free(struct metrics *mx);
/* The exposition text (malloc'd), or NULL. Call from the event loop. */
char *metrics_render(struct metrics *mx, const struct agent_view *v);
/* Look at what is counted between renders (the Raft leader of server s,
 * NULL on a client); call from the event loop every 100 ms or so. */
void metrics_watch(struct metrics *mx, struct server *s);

#endif /* VIGIL_METRICS_H */
