/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* http.h - the agent's HTTP API (libmicrohttpd, its own thread; never blocks the loop). */
#ifndef VIGIL_HTTP_H
#define VIGIL_HTTP_H

struct agent;
struct api_server;

/* Listen on the agent's api_addr. NULL (logged) on failure. */
struct api_server *api_start(struct agent *a);
/* Listen on metrics_addr, serving /metrics and /v1/health only. */
struct api_server *api_start_metrics(struct agent *a);
void api_stop(struct api_server *s);

#endif /* VIGIL_HTTP_H */
