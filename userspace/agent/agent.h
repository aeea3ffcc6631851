/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* agent.h - `vigil agent`: the daemon that runs on every hypervisor. */
#ifndef VIGIL_AGENT_H
#define VIGIL_AGENT_H

#include <pthread.h>
#include <stdint.h>

#include <uv.h>

#include "config.h"
#include "loader.h"
#include "memb.h"

struct api_server;
struct consensus;

#define AGENT_MAINT_QUEUE 16

struct agent {
	/* configuration */
	struct vigil_config cfg;
	const char *config_path;
	/* state */
	uv_loop_t *loop;
	uv_udp_t udp;
	uv_timer_t tick_timer, heartbeat_timer, join_timer, publish_timer;
	uv_signal_t sig_term, sig_int, sig_hup;
	uv_timer_t watchdog_timer; /* systemd WATCHDOG=1 at half of WatchdogSec= */
	char sd_status[160];	   /* last STATUS= sent to systemd */
	uv_tcp_t pp_listener; /* push-pull anti-entropy */
	uv_timer_t pp_timer;
	uint64_t pp_exchanges; /* completed state exchanges */
	struct loader loader; /* owns the XDP program and maps */
	struct memb memb;
	uint64_t heartbeat;
	uint64_t started_ns;
	uint64_t max_loop_lag_ns; /* worst tick lateness seen since start */
	uint64_t last_tick_ns;
	int joined;
	int stopping;
	struct api_server *http;
	struct api_server *metrics_http; /* metrics_addr listener, or NULL */
	uv_async_t leave_async;		  /* `vigil leave` from the HTTP thread */
	struct consensus *cons; /* reports, and Raft on servers */
	/* maintenance requests from the HTTP thread, drained in the loop */
	uv_async_t maint_async;
	struct {
		char host[64];
		int on;
	} maint_q[AGENT_MAINT_QUEUE];
	int maint_n;
	/* published for the HTTP thread: JSON texts, replaced under lock */
	pthread_mutex_t pub_lock;
	char *pub_members;
	char *pub_status;
	char *pub_metrics;
};

#include "cmdline.h"

extern const struct cmd cmd_agent;
/* From the HTTP thread: queue a maintenance request for the loop. 0 or -errno. */
int agent_queue_maintenance(struct agent *a, const char *host, int on);

/* From the HTTP thread: leave the cluster gracefully and exit 0, as SIGTERM. */
void agent_queue_leave(struct agent *a);

/* Label of a member's state for people: "alive", "alive (agent stalled)", ... */
const char *agent_state_label(const struct member *mb);

#endif /* VIGIL_AGENT_H */
