/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* metrics.h - the agent's Prometheus /metrics text. */
#ifndef VIGIL_METRICS_H
#define VIGIL_METRICS_H

#include "ctrsum.h"
#include "status.h"

/* What the metrics keep from one render to the next. */
struct metrics {
	struct ctrsum rtt; /* vigil_rtt_seconds: the peers' histograms, summed */
};

/* 0, or -ENOMEM. */
int metrics_init(struct metrics *mx);
void metrics_free(struct metrics *mx);
/* The exposition text (malloc'd), or NULL. Call from the event loop. */
char *metrics_render(struct metrics *mx, const struct agent_view *v);

#endif /* VIGIL_METRICS_H */
