/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* metrics.h - Prometheus /metrics text of the agent and its XDP program. */
#ifndef VIGIL_METRICS_H
#define VIGIL_METRICS_H

struct agent;

/* The exposition text (malloc'd), or NULL. Call from the event loop. */
char *metrics_render(const struct agent *a);

#endif /* VIGIL_METRICS_H */
