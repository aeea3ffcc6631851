/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* metrics.h - the agent's Prometheus /metrics text. */
#ifndef VIGIL_METRICS_H
#define VIGIL_METRICS_H

#include "status.h"

/* The exposition text (malloc'd), or NULL. Call from the event loop. */
char *metrics_render(const struct agent_view *v);

#endif /* VIGIL_METRICS_H */
