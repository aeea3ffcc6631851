// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * agent.c - `vigil agent`: the daemon's wiring. One libuv loop; the
 * membership socket (netio.c), push-pull (pushpull.c), the reporter
 * (reporter.c), on servers Raft (server.c), the timers and the signals are
 * its sources. It loads (or reuses) the pinned XDP program, bumps the
 * heartbeat counter that ACKs carry, and renders its view for the HTTP
 * API thread (api.c) when a request asks. Every module gets what it needs,
 * not this struct.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>
#include <systemd/sd-daemon.h>

#include "agent.h"
#include "api.h"
#include "backup.h"
#include "learn.h"
#include "isolator.h"
#include "loader.h"
#include "log.h"
#include "metrics.h"
#include "netio.h"
#include "pushpull.h"
#include "reporter.h"
#include "server.h"
#include "status.h"
#include "util.h"

#define STATUS_MS      100
#define LEARN_MS       2000 /* a server teaches its membership the decided hosts */
#define LEAVE_GRACE_MS 200
#define CALL_QUEUE     8 /* operator calls waiting for the loop */

struct agent {
	/* configuration */
	struct vigil_config cfg;
	const char *config_path;
	struct vigil_keyring keys; /* the cluster keys in use (reload replaces them) */
	/* the daemon's parts */
	uv_loop_t *loop;
	struct loader loader; /* owns the XDP program and maps */
	struct memb memb;
	struct netio net;
	struct pushpull pp;
	struct reporter rep;
	struct server *server;	  /* Raft, on servers; NULL on clients */
	struct isolator isolator; /* isolation, its response, the hardware watchdog */
	struct storage_hb *shb;	  /* the storage heartbeat; NULL: none */
	struct api_state pub;	  /* the texts the HTTP threads ask the loop for */
	struct metrics metrics;	  /* what /metrics keeps between renders */
	struct api_server *api, *metrics_api;
	/* loop sources */
	uv_timer_t tick_timer, heartbeat_timer, join_timer, learn_timer;
	uv_timer_t status_timer;   /* systemd STATUS=, leader changes */
	uv_timer_t watchdog_timer; /* systemd WATCHDOG=1 at half of WatchdogSec= */
	uv_signal_t sig_term, sig_int, sig_hup;
	uv_async_t leave_async, call_async, render_async; /* requests from the HTTP thread */
	/* state */
	uint64_t epoch; /* this start's boot epoch: incarnations and REPORT/MAINT begin there */
	uint64_t heartbeat;
	uint64_t started_ns;
	uint64_t max_loop_lag_ns; /* worst tick lateness seen since start */
	uint64_t lag_logged_ns;	  /* when a late loop was last logged */
	uint64_t last_tick_ns;
	int joined;
	int stopping;
	char sd_status[160];		     /* last STATUS= sent to systemd */
	struct api_call *call_q[CALL_QUEUE]; /* operator calls, under pub.lock */
	int call_n;
};

/* ---- what the modules tell the wiring ---------------------------------------- */

static void member_changed(void *ctx, const struct member *mb, enum memb_state old)
{
	struct agent *a = ctx;

	if ((old == MEMB_DEAD) != (mb->state == MEMB_DEAD))
		reporter_now(&a->rep);
	if (old != mb->state)
		log_event(LOG_LVL_INFO, "state", "member=%s from=%s to=%s incarnation=%llu",
			  mb->name, memb_state_name(old), memb_state_name(mb->state),
			  (unsigned long long)mb->incarnation);
	else
		log_event(LOG_LVL_INFO, "agent", "member=%s agent_stalled=%d", mb->name,
			  mb->agent_stalled);
}

static void to_server(void *ctx, const void *buf, size_t len, const struct sockaddr *from)
{
	struct agent *a = ctx;

	if (a->server)
		server_receive(a->server, buf, len, from);
}

static void send_to_servers(void *ctx, void *msg, size_t len)
{
	netio_to_servers(&((struct agent *)ctx)->net, msg, len);
}

/* ---- systemd ------------------------------------------------------------------- */

/* STATUS= for `systemctl status`, sent when the member counts change. Without
 * NOTIFY_SOCKET (not under systemd) sd_notify() does nothing. */
static void notify_status(struct agent *a)
{
	char st[sizeof(a->sd_status)];

	if (a->stopping)
		return;
	snprintf(st, sizeof(st), "STATUS=%zu alive, %zu suspect, %zu dead, %zu left; XDP %s",
		 memb_count(&a->memb, MEMB_ALIVE), memb_count(&a->memb, MEMB_SUSPECT),
		 memb_count(&a->memb, MEMB_DEAD), memb_count(&a->memb, MEMB_LEFT),
		 xdp_mode_name(a->loader.attached));
	if (!strcmp(st, a->sd_status))
		return;
	memcpy(a->sd_status, st, sizeof(st));
	sd_notify(0, st);
}

/* From the loop itself: a loop stalled longer than WatchdogSec= misses it and
 * systemd restarts the agent (the pinned XDP link answers meanwhile). */
static void on_watchdog(uv_timer_t *t)
{
	(void)t;
	sd_notify(0, "WATCHDOG=1");
}

static void watchdog_start(struct agent *a)
{
	uint64_t usec = 0;

	uv_timer_init(a->loop, &a->watchdog_timer);
	if (sd_watchdog_enabled(0, &usec) <= 0 || !usec)
		return;
	uv_timer_start(&a->watchdog_timer, on_watchdog, 0, usec / 2000 ? usec / 2000 : 1);
	log_info("systemd watchdog: every %llu ms", (unsigned long long)(usec / 2000));
}

/* ---- the texts of the HTTP API, rendered when a request asks ------------------- */

static char *render_doc(void *ctx, enum api_doc d)
{
	struct agent *a = ctx;
	struct agent_view v = {
		.cfg = &a->cfg,
		.memb = &a->memb,
		.maps = &a->loader.maps,
		.server = a->server,
		.heartbeat = a->heartbeat,
		.started_ns = a->started_ns,
		.max_loop_lag_ns = a->max_loop_lag_ns,
		.pushpull_exchanges = a->pp.exchanges,
		.pushpull_refused = a->pp.refused,
		.xdp_mode = a->loader.attached,
		.isolator = &a->isolator,
		.shb = a->shb,
	};

	switch (d) {
	case API_MEMBERS:
		return status_members_json(&v);
	case API_STATUS:
		return status_json(&v);
	default:
		return metrics_render(&a->metrics, &v);
	}
}

static void on_render_async(uv_async_t *h)
{
	struct agent *a = h->data;

	api_answer(&a->pub, render_doc, a, 0);
}

/* ---- loop sources ---------------------------------------------------------------- */

#define LOOP_LATE_NS (200 * NSEC_PER_MSEC)

static void on_tick(uv_timer_t *t)
{
	struct agent *a = t->data;
	uint64_t n = now_mono_ns();

	if (a->last_tick_ns && n - a->last_tick_ns > MEMB_TICK_MS * NSEC_PER_MSEC) {
		uint64_t lag = n - a->last_tick_ns - MEMB_TICK_MS * NSEC_PER_MSEC;

		if (lag > a->max_loop_lag_ns)
			a->max_loop_lag_ns = lag;
		/* Late enough for Raft to notice (heartbeats, elections) and for
		 * probes to be late: said, at most every 10 s. */
		if (lag >= LOOP_LATE_NS &&
		    (!a->lag_logged_ns || n - a->lag_logged_ns >= 10 * NSEC_PER_SEC)) {
			a->lag_logged_ns = n;
			log_event(LOG_LVL_WARN, "loop_late", "ms=%llu",
				  (unsigned long long)(lag / NSEC_PER_MSEC));
		}
	}
	a->last_tick_ns = n;
	if (!a->stopping)
		memb_tick(&a->memb);
}

/* A server: every host the decided state counts is a member here too, and
 * the deaths among them are told again until they have their verdict; a
 * host it forgot is told left (core/learn.h). */
static void on_learn(uv_timer_t *t)
{
	struct agent *a = t->data;
	struct server_view v;
	size_t n;

	if (!a->server || a->stopping)
		return;
	server_view(a->server, &v);
	n = learn_decided_hosts(&a->memb, v.fsm, (uint16_t)a->cfg.port, 1);
	if (n)
		log_event(LOG_LVL_INFO, "members_learned",
			  "count=%zu source=decided_state (probing them)", n);
	n = learn_forgotten(&a->memb, v.fsm);
	if (n)
		log_info("%zu forgotten host(s) told left to the members (`vigil forget`)", n);
}

static void on_heartbeat(uv_timer_t *t)
{
	struct agent *a = t->data;

	a->heartbeat++;
	maps_set_self(&a->loader.maps, (uint32_t)a->memb.self.incarnation, a->heartbeat);
}

static void requests_expire(struct agent *a);

static void on_status(uv_timer_t *t)
{
	struct agent *a = t->data;

	notify_status(a);
	requests_expire(a);
}

static void send_joins(struct agent *a)
{
	for (int i = 0; i < a->cfg.njoin; i++) {
		struct sockaddr_storage ss;
		socklen_t sl;

		if (addr_parse(a->cfg.join[i], (uint16_t)a->cfg.port, &ss, &sl))
			continue;
		memb_join(&a->memb, (struct sockaddr *)&ss, sl);
		pushpull_with(&a->pp, (struct sockaddr *)&ss); /* reliable: full state both ways */
	}
}

static void on_join_timer(uv_timer_t *t)
{
	struct agent *a = t->data;

	/* (members learned from the decided state or the zone file do not
	 * count until one answers: they may be gone) */
	if (memb_count(&a->memb, MEMB_ALIVE) > 1) {
		if (!a->joined)
			log_info("joined the cluster: %zu members known", a->memb.n + 1);
		a->joined = 1;
		uv_timer_stop(t);
		return;
	}
	send_joins(a);
}

static void close_walk(uv_handle_t *h, void *arg)
{
	(void)arg;
	if (!uv_is_closing(h))
		uv_close(h, NULL);
}

static void stop_loop(void *ctx)
{
	struct agent *a = ctx;

	uv_stop(a->loop);
}

static void on_leave_done(uv_timer_t *t)
{
	struct agent *a = t->data;
	struct server *s = a->server;

	if (s) {
		a->server = NULL;
		server_close(s, stop_loop, a);
	} else {
		stop_loop(a);
	}
}

/* Stop, or leave and stop: either way the reporter is quiet from now on and
 * the API answers 503. */
static int agent_stopping(struct agent *a, const char *status)
{
	if (a->stopping)
		return 0;
	a->stopping = 1;
	pthread_mutex_lock(&a->pub.lock);
	a->pub.stopping = 1;
	pthread_mutex_unlock(&a->pub.lock);
	sd_notifyf(0, "STOPPING=1\nSTATUS=%s", status);
	reporter_stop(&a->rep);
	uv_timer_stop(&a->join_timer);
	return 1;
}

/* `vigil leave` (and the signals with leave_on_terminate): tell the members,
 * then stop the loop. */
static void agent_leave(struct agent *a, const char *why)
{
	if (!agent_stopping(a, "leaving the cluster"))
		return;
	log_info("%s: leaving the cluster", why);
	memb_leave(&a->memb);
	uv_timer_start(&a->join_timer, (uv_timer_cb)on_leave_done, LEAVE_GRACE_MS, 0);
}

/* SIGTERM, SIGINT: stop without leaving. The host stays a member: the XDP
 * program keeps answering probes (its link is pinned), a server stays a
 * voter. A restart or an upgrade never unprotects the host. */
static void agent_stop(struct agent *a, const char *why)
{
	if (!agent_stopping(a, "stopping (still a member)"))
		return;
	log_info("%s: stopping; this host stays a member of the cluster (`vigil leave` leaves)",
		 why);
	on_leave_done(&a->join_timer);
}

/* ---- requests from the HTTP thread ------------------------------------------------ */

/* Wake the loop from an ordinary thread, at the loop's priority for the
 * moment of the send (util.h: a real-time loop would otherwise stall). */
static void wake_loop(uv_async_t *h)
{
	int raised = sched_raise();

	uv_async_send(h);
	sched_lower(raised);
}

static void api_leave(void *ctx)
{
	wake_loop(&((struct agent *)ctx)->leave_async);
}

static void api_render(void *ctx)
{
	wake_loop(&((struct agent *)ctx)->render_async);
}

static void on_leave_async(uv_async_t *h)
{
	agent_leave(h->data, "leave requested through the API");
}

static int api_call(void *ctx, struct api_call *c)
{
	struct agent *a = ctx;
	int rc = 0;

	pthread_mutex_lock(&a->pub.lock);
	if (a->pub.stopping)
		rc = -ESHUTDOWN;
	else if (a->call_n == CALL_QUEUE)
		rc = -EBUSY;
	else
		a->call_q[a->call_n++] = c;
	pthread_mutex_unlock(&a->pub.lock);
	if (!rc)
		wake_loop(&a->call_async);
	return rc;
}

/* ---- operators' requests, answered by the Raft leader ------------------------------ */

static const char *const host_states[] = {
	[VIGIL_HOST_MEMBER] = "member", [VIGIL_HOST_MAINTENANCE] = "maintenance",
	[VIGIL_HOST_FAILED] = "failed", [VIGIL_HOST_LEFT] = "left",
	[VIGIL_HOST_NONE] = "none",
};

static const char *const answer_results[] = {
	[VIGIL_ANS_APPLIED] = "applied", [VIGIL_ANS_UNKNOWN] = "unknown",
	[VIGIL_ANS_ALIVE] = "alive",	 [VIGIL_ANS_ALREADY] = "already",
	[VIGIL_ANS_PENDING] = "pending", [VIGIL_ANS_UNDECIDED] = "undecided",
};

/* Why a request did not apply, for the operator. */
static void refusal_text(const struct wire_answer *ans, char *err, size_t n)
{
	switch (ans->result) {
	case VIGIL_ANS_UNKNOWN:
		snprintf(
			err, n,
			"%s is not a host of the decided state: nothing changed (`vigil status` on "
			"a server lists them)",
			ans->host);
		break;
	case VIGIL_ANS_ALIVE:
		snprintf(err, n,
			 "%s is alive (its kernel answers probes, or it still reports): nothing "
			 "changed; forget is for a host that is gone: `vigil leave` on it takes it "
			 "out of the cluster",
			 ans->host);
		break;
	case VIGIL_ANS_ALREADY:
		snprintf(err, n, "%s is %s maintenance already: nothing changed", ans->host,
			 ans->on ? "in" : "out of");
		break;
	case VIGIL_ANS_PENDING:
		snprintf(
			err, n,
			"a notification about %s is still to go (being fenced, or not yet "
			"delivered to Masakari): nothing changed; wait for it (`vigil status`), or "
			"`vigil maint enable %s` first, which cancels it",
			ans->host, ans->host);
		break;
	default:
		snprintf(err, n,
			 "%s is a counted member without a verdict: nothing changed; a host that "
			 "runs leaves with `vigil leave`, one that died gets its verdict first, or "
			 "`vigil maint enable %s` first",
			 ans->host, ans->host);
	}
}

/* The leader's answer to the request of call c, for the operator: 200 when
 * it applied or was so already, else 404 (unknown host) or 409 (refused);
 * "result" says which. */
static void request_answered(struct agent *a, struct api_call *c, const struct wire_answer *ans,
			     uint32_t leader)
{
	const struct member *mb = memb_find(&a->memb, leader);
	int forget = ans->request == VIGIL_MSG_FORGET;
	const char *result = answer_results[ans->result];
	char who[VIGIL_NAME_LEN], err[512];
	unsigned code;
	json_t *j;

	if (leader == a->cfg.node_id || mb)
		snprintf(who, sizeof(who), "%s", mb ? mb->name : a->cfg.node_name);
	else
		snprintf(who, sizeof(who), "node-%08x", leader);
	j = json_pack("{s:s, s:s, s:s, s:s}", "host", ans->host, "result", result, "state",
		      host_states[ans->state], "leader", who);
	if (ans->result == VIGIL_ANS_APPLIED || ans->result == VIGIL_ANS_ALREADY) {
		code = 200;
		json_object_set_new(j, "reason", json_string(c->reason));
		if (forget)
			json_object_set_new(j, "voter",
					    json_boolean(ans->flags & VIGIL_ANSF_VOTER));
		else
			json_object_set_new(j, "maintenance", json_boolean(ans->on));
	} else {
		code = ans->result == VIGIL_ANS_UNKNOWN ? 404 : 409;
	}
	if (ans->result != VIGIL_ANS_APPLIED) {
		refusal_text(ans, err, sizeof(err));
		json_object_set_new(j, code == 200 ? "status" : "error", json_string(err));
	}
	api_call_answer(&a->pub, c, code, j);
}

/* An ANSWER datagram (from the leader, or from this agent's own server). */
static void on_answer(void *ctx, const void *buf, size_t len)
{
	struct agent *a = ctx;
	struct wire_answer ans;
	struct api_call *c;

	if (wire_verify(buf, len, a->cfg.cluster_id, &a->keys, NULL) ||
	    wire_answer_decode(buf, len, &ans)) {
		a->memb.stats.bad_msgs++;
		return;
	}
	c = reporter_answered(&a->rep, &ans);
	if (c)
		request_answered(a, c, &ans, wire_sender(buf));
}

/* The server's answer to a request: to the requester, or to ourselves. */
static void server_answer(void *ctx, const struct sockaddr *to, void *msg, size_t len)
{
	struct agent *a = ctx;

	if (to) {
		netio_send(&a->net, to, msg, len);
		return;
	}
	wire_sign(msg, len, a->keys.slot[0].k0, a->keys.slot[0].k1);
	on_answer(a, msg, len);
}

/* Requests no leader answered in time. */
static void requests_expire(struct agent *a)
{
	struct api_call *c;

	while ((c = reporter_expired(&a->rep)))
		api_call_answer(
			&a->pub, c, 504,
			json_pack("{s:s, s:s, s:s}", "host", c->arg, "result", "no_leader", "error",
				  "no Raft leader answered within 4 s: not applied as far as this "
				  "agent knows (no leader elected, or none reachable from here); "
				  "`vigil status` on a server shows the decided state"));
}

/* MAINT or FORGET: to the servers; the leader's answer answers c. */
static void request_start(struct agent *a, struct api_call *c)
{
	struct wire_maint w = {.type = strcmp(c->op, "forget") ? VIGIL_MSG_MAINT
							       : VIGIL_MSG_FORGET};
	int rc;

	w.on = w.type == VIGIL_MSG_MAINT && c->on;
	/* (the API took names under 64 bytes and reasons of at most 200) */
	snprintf(w.host, sizeof(w.host), "%.63s", c->arg);
	snprintf(w.reason, sizeof(w.reason), "%.200s", c->reason);
	rc = reporter_request(&a->rep, &w, c);
	if (rc)
		api_call_answer(&a->pub, c, rc == -EBUSY ? 503 : 400,
				json_pack("{s:s}", "error",
					  rc == -EBUSY
						  ? "too many requests waiting for the leader, "
						    "retry"
						  : "bad host name or reason"));
}

/* ---- snapshots of the decided state ----------------------------------------------- */

static void snapshot_save(struct agent *a, struct api_call *c)
{
	struct backup_meta m = {.cluster_id = a->cfg.cluster_id, .time_ns = now_real_ns()};
	struct server_view v;
	char *text, msg[192], err[320];

	/* A follower's state trails the leader's by what it has not applied
	 * yet, a request just answered perhaps: only -stale takes it. */
	if (!c->on && !server_leads(a->server, msg, sizeof(msg))) {
		snprintf(err, sizeof(err),
			 "%s, or -stale for this server's state as far as it applied the log", msg);
		api_call_answer(&a->pub, c, 409, json_pack("{s:s}", "error", err));
		return;
	}
	server_view(a->server, &v);
	snprintf(m.cluster, sizeof(m.cluster), "%s", a->cfg.cluster);
	snprintf(m.node, sizeof(m.node), "%s", a->cfg.node_name);
	m.term = v.raft->current_term;
	m.index = raft_last_applied(v.raft);
	text = backup_encode(v.fsm, &m);
	if (!text) {
		api_call_answer(&a->pub, c, 503, json_pack("{s:s}", "error", "out of memory"));
		return;
	}
	api_call_answer_text(&a->pub, c, 200, text);
}

static void restore_done(void *ctx, void *arg, unsigned code, const char *msg)
{
	api_call_answer(&((struct agent *)ctx)->pub, arg, code,
			json_pack("{s:s}", code == 200 ? "status" : "error", msg));
}

static void snapshot_restore(struct agent *a, struct api_call *c)
{
	char err[512], reason[512], when[40], *state;
	struct backup_meta m;
	unsigned code;

	if (backup_decode(c->input ? c->input : "", a->cfg.cluster_id, &m, &state, err,
			  sizeof(err))) {
		api_call_answer(&a->pub, c, 400, json_pack("{s:s}", "error", err));
		return;
	}
	utc_format(m.time_ns, 0, 1, when, sizeof(when));
	snprintf(reason, sizeof(reason), "%.200s%s%.30s snapshot by %.63s, index %llu", c->reason,
		 c->reason[0] ? "; " : "", when, m.node, (unsigned long long)m.index);
	code = server_restore(a->server, state, reason, restore_done, a, c, err, sizeof(err));
	free(state);
	if (code)
		api_call_answer(&a->pub, c, code, json_pack("{s:s}", "error", err));
}

/* One operator call, answered here on the loop (or, for a request the
 * Raft leader decides, once it has answered). */
static void answer_call(struct agent *a, struct api_call *c)
{
	char msg[512];
	unsigned code;

	if (a->stopping) {
		api_call_answer(&a->pub, c, 503,
				json_pack("{s:s}", "error", "the agent is stopping"));
		return;
	}
	if (!strcmp(c->op, "maintenance") || !strcmp(c->op, "forget")) {
		request_start(a, c);
		return;
	}
	if (!a->server) {
		api_call_answer(
			&a->pub, c, 400,
			json_pack("{s:s}", "error", "this agent is a client; run it on a server"));
		return;
	}
	if (!strcmp(c->op, "remove-peer")) {
		code = server_remove_peer(a->server, c->arg, msg, sizeof(msg));
		api_call_answer(&a->pub, c, code,
				json_pack("{s:s, s:s}", "server", c->arg,
					  code < 300 ? "status" : "error", msg));
	} else if (!strcmp(c->op, "snapshot-save")) {
		snapshot_save(a, c);
	} else if (!strcmp(c->op, "snapshot-restore")) {
		snapshot_restore(a, c);
	} else {
		api_call_answer(&a->pub, c, 404, json_pack("{s:s}", "error", "unknown operation"));
	}
}

/* Take the queued calls under the lock, answer them outside it. */
static void drain_calls(struct agent *a)
{
	struct api_call *q[CALL_QUEUE];
	int n;

	pthread_mutex_lock(&a->pub.lock);
	n = a->call_n;
	memcpy(q, a->call_q, (size_t)n * sizeof(*q));
	a->call_n = 0;
	pthread_mutex_unlock(&a->pub.lock);
	for (int i = 0; i < n; i++)
		answer_call(a, q[i]);
}

static void on_call_async(uv_async_t *h)
{
	drain_calls(h->data);
}

/* ---- signals ------------------------------------------------------------------------ */

static void reload(struct agent *a)
{
	struct vigil_config c;
	struct vigil_keyring kr;
	char err[512];

	config_defaults(&c);
	if (config_load_file(&c, a->config_path, err, sizeof(err))) {
		log_err("reload refused, keeping the running configuration: %s", err);
		return;
	}
	/* A reload never weakens what runs: without a key the XDP program
	 * would drop every probe and this host would look dead. */
	if (!c.has_key) {
		log_err("reload refused, keeping the running configuration: %s has no \"key\"",
			a->config_path);
		return;
	}
	if (config_restart_keys(&a->cfg, &c, err, sizeof(err)))
		log_warn("changed but applied only on restart: %s", err);
	log_set_level((enum log_level)c.log_level);
	config_keyring(&c, &kr);
	if (maps_set_keys(&a->loader.maps, &kr) == 0) {
		a->keys = kr;
		memb_set_keys(&a->memb, &kr);
	}
	a->memb.cfg = c.memb;
	a->cfg.memb = c.memb;
	a->cfg.log_level = c.log_level;
	a->cfg.metrics_per_peer = c.metrics_per_peer;
	/* The timers with periods of their own, restarted if those changed;
	 * the heartbeat ticks at once, so the change leaves no gap in it. */
	if (c.heartbeat_interval_ms != a->cfg.heartbeat_interval_ms) {
		a->cfg.heartbeat_interval_ms = c.heartbeat_interval_ms;
		uv_timer_start(&a->heartbeat_timer, on_heartbeat, 0, c.heartbeat_interval_ms);
	}
	if (c.pushpull_interval_ms != a->cfg.pushpull_interval_ms) {
		a->cfg.pushpull_interval_ms = c.pushpull_interval_ms;
		pushpull_set_interval(&a->pp, c.pushpull_interval_ms);
	}
	memcpy(a->cfg.key, c.key, sizeof(c.key));
	memcpy(a->cfg.key_next, c.key_next, sizeof(c.key_next));
	a->cfg.has_key_next = c.has_key_next;
	log_info("configuration reloaded (log level, timing, keys, metrics_per_peer)");
}

static void on_signal(uv_signal_t *s, int signum)
{
	struct agent *a = s->data;
	char why[32];

	if (signum == SIGHUP) {
		sd_notify(0, "RELOADING=1");
		reload(a);
		sd_notify(0, "READY=1");
		return;
	}
	snprintf(why, sizeof(why), "signal %d", signum);
	if (a->cfg.leave_on_terminate)
		agent_leave(a, why);
	else
		agent_stop(a, why);
}

/* ---- set-up --------------------------------------------------------------------------- */

/*
 * This start's boot epoch: CLOCK_REALTIME seconds, but never at or below the
 * last one used (kept in data_dir/epoch), so it grows across restarts and
 * reboots even when the clock steps back. Incarnations start at epoch << 32
 * and REPORT/MAINT sequences within it (vigil_abi.h).
 */
static int boot_epoch(const char *data_dir, uint64_t *epoch)
{
	char path[PATH_MAX], text[32];
	uint64_t last = 0, now = now_real_ns() / NSEC_PER_SEC;
	int rc;

	snprintf(path, sizeof(path), "%s/epoch", data_dir);
	if (file_read(path, text, sizeof(text)) > 0)
		last = strtoull(text, NULL, 10);
	*epoch = now > last ? now : last + 1;
	if (*epoch > now + VIGIL_EPOCH_AHEAD_S)
		log_warn("this host's clock is %llu s behind the epoch it used last: the others "
			 "refuse its updates until the clock is set right (check NTP)",
			 (unsigned long long)(*epoch - now));
	snprintf(text, sizeof(text), "%llu\n", (unsigned long long)*epoch);
	rc = file_replace(path, text, strlen(text), 0600);
	if (rc) {
		log_err("cannot record the boot epoch in %s: %s", path, strerror(-rc));
		return -1;
	}
	return 0;
}

/* This host's address on the cluster interface (first IPv4, else IPv6). */
static int self_address(const struct vigil_config *c, struct sockaddr_storage *ss, socklen_t *sl)
{
	struct ifaddrs *ifa, *i;
	int found = 0;

	if (c->bind_addr[0])
		return addr_parse(c->bind_addr, (uint16_t)c->port, ss, sl);
	if (getifaddrs(&ifa))
		return -1;
	for (int fam = 0; fam < 2 && !found; fam++) {
		for (i = ifa; i && !found; i = i->ifa_next) {
			if (!i->ifa_addr || strcmp(i->ifa_name, c->interface))
				continue;
			if (fam == 0 && i->ifa_addr->sa_family == AF_INET) {
				memcpy(ss, i->ifa_addr, sizeof(struct sockaddr_in));
				((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)c->port);
				*sl = sizeof(struct sockaddr_in);
				found = 1;
			} else if (fam == 1 && i->ifa_addr->sa_family == AF_INET6) {
				memcpy(ss, i->ifa_addr, sizeof(struct sockaddr_in6));
				((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)c->port);
				*sl = sizeof(struct sockaddr_in6);
				found = 1;
			}
		}
	}
	freeifaddrs(ifa);
	return found ? 0 : -1;
}

static void timer_start(struct agent *a, uv_timer_t *t, uv_timer_cb cb, uint64_t first,
			uint64_t every)
{
	uv_timer_init(a->loop, t);
	t->data = a;
	if (cb)
		uv_timer_start(t, cb, first, every);
}

static void signal_start(struct agent *a, uv_signal_t *s, int signum)
{
	uv_signal_init(a->loop, s);
	s->data = a;
	uv_signal_start(s, on_signal, signum);
}

/* The server role: Raft with what it needs of the configuration. */
static int server_up(struct agent *a, const struct sockaddr *self)
{
	struct server_params p = {
		.loop = a->loop,
		.node_name = a->cfg.node_name,
		.node_id = a->cfg.node_id,
		.cluster_id = a->cfg.cluster_id,
		.self = self,
		.data_dir = a->cfg.data_dir,
		.raft = &a->cfg.raft,
		.verdict = &a->cfg.verdict,
		.masakari = &a->cfg.masakari,
		.keys = &a->keys,
		.memb = &a->memb,
		.fencing = &a->cfg.fencing,
		.reconcile = &a->cfg.reconcile,
		.cluster = a->cfg.cluster,
		.answer = server_answer,
		.ctx = a,
		.storage = storage_hb_tracker(a->shb),
	};

	if (a->cfg.role != VIGIL_ROLE_SERVER)
		return 0;
	a->server = server_start(&p);
	return a->server ? 0 : -1;
}

/* Every host: the storage heartbeat, and isolation with its watchdog. */
static int isolation_up(struct agent *a)
{
	const struct isolation_config *ic = &a->cfg.isolation;
	struct storage_hb_params hp = {
		.loop = a->loop,
		.dir = ic->storage_dir,
		.interval_ms = ic->storage_interval_ms,
		.reader = a->cfg.role == VIGIL_ROLE_SERVER,
		.cluster_id = a->cfg.cluster_id,
		.keys = &a->keys,
		.node = a->cfg.node_name,
		.hostname = a->cfg.hypervisor_hostname,
		.epoch = a->epoch,
	};
	struct isolator_params ip = {
		.loop = a->loop,
		.cfg = ic,
		.memb = &a->memb,
		.data_dir = a->cfg.data_dir,
		.port = (uint16_t)a->cfg.port,
	};

	a->shb = storage_hb_start(&hp);
	if (ic->storage_dir[0] && !a->shb)
		return -1;
	ip.shb = a->shb;
	return isolator_start(&a->isolator, &ip);
}

static void go_realtime(struct agent *a)
{
	int rc;

	if (!a->cfg.sched_priority)
		return;
	rc = sched_realtime((int)a->cfg.sched_priority);
	if (rc == -ENOMEM)
		log_warn("SCHED_FIFO %u, but memory not locked (LimitMEMLOCK?): page faults may "
			 "delay detection",
			 a->cfg.sched_priority);
	else if (rc)
		log_warn("cannot run SCHED_FIFO %u (%s; CAP_SYS_NICE?): detection may slow down "
			 "when the CPUs are saturated",
			 a->cfg.sched_priority, strerror(-rc));
}

static int agent_run(struct agent *a)
{
	struct api_ops ops = {
		.call = api_call,
		.leave = api_leave,
		.render = api_render,
		.ctx = a,
	};
	struct sockaddr_storage self;
	struct memb_env env;
	struct vigil_self me;
	socklen_t sl;
	char addr[80], path[PATH_MAX], token[API_TOKEN_MAX];
	long holder;
	int rc;

	a->started_ns = now_mono_ns();
	if (sodium_init() < 0) {
		log_err("libsodium cannot start");
		return -1;
	}
	api_state_init(&a->pub);
	if (metrics_init(&a->metrics)) {
		log_err("out of memory");
		return -1;
	}
	/* A peer that dies mid-write (Raft, push-pull, HTTP) must cost an EPIPE,
	 * not the agent: SIGPIPE's default action would end the process. */
	signal(SIGPIPE, SIG_IGN);
	/* agent_check_config() found an address a moment ago. */
	if (self_address(&a->cfg, &self, &sl)) {
		log_err("interface %s lost its address", a->cfg.interface);
		return -1;
	}
	rc = mkdir_p(a->cfg.data_dir, 0700);
	if (rc) {
		log_err("cannot create data_dir %s: %s", a->cfg.data_dir, strerror(-rc));
		return -1;
	}
	/* One agent per data_dir: a second one (or `vigil operator raft
	 * recover` while this one runs) would corrupt the Raft log. */
	rc = dir_lock(a->cfg.data_dir, &holder);
	if (rc < 0) {
		if (rc == -EWOULDBLOCK)
			log_err("another vigil agent (pid %ld) uses data_dir %s", holder,
				a->cfg.data_dir);
		else
			log_err("cannot lock data_dir %s: %s", a->cfg.data_dir, strerror(-rc));
		return -1;
	}
	if (boot_epoch(a->cfg.data_dir, &a->epoch))
		return -1;
	if (loader_bringup(&a->cfg, &a->loader))
		return -1;
	/* SCHED_FIFO after the loader (the BPF verifier and BTF parsing run in
	 * this thread: up to a second of CPU that, at real-time priority,
	 * would starve the host's other work and delay its own start-up for
	 * nothing), before any thread exists: they inherit it, and those that
	 * serve others (HTTP, deliveries, fence agents) drop it again. */
	go_realtime(a);
	/* After a restart the pinned self map still holds our incarnation
	 * and heartbeat: continue from them so peers see no gap. */
	if (maps_get_self(&a->loader.maps, &me) == 0 && me.abi == VIGIL_MAP_ABI)
		a->heartbeat = me.heartbeat;
	config_keyring(&a->cfg, &a->keys);

	/* libuv's pool runs Raft's disk I/O beside the leader's blocking calls
	 * (the notifier, two fence agents, the reconciler): 4 threads, its
	 * default, could all be taken by a slow OpenStack or BMC. Read by libuv
	 * when it first queues work. */
	setenv("UV_THREADPOOL_SIZE", "8", 0);
	a->loop = uv_default_loop();
	a->net = (struct netio){
		.memb = &a->memb,
		.maps = &a->loader.maps,
		.keys = &a->keys,
		.heartbeat = &a->heartbeat,
		.cluster_id = a->cfg.cluster_id,
		.node_id = a->cfg.node_id,
		.changed = member_changed,
		.to_server = a->cfg.role == VIGIL_ROLE_SERVER ? to_server : NULL,
		.answer = on_answer,
		.ctx = a,
	};
	netio_env(&a->net, &env);
	memb_init(&a->memb, &a->cfg.memb, &env, &a->keys, a->cfg.cluster_id, a->cfg.node_name,
		  a->cfg.node_id, (struct sockaddr *)&self, sl, (uint8_t)a->cfg.role);
	/* Start at this boot epoch: above anything the others last heard of us
	 * (alive, suspect, dead, or left after a graceful stop or a reboot). */
	a->memb.self.incarnation = a->epoch << 32;

	if (netio_start(&a->net, a->loop, (struct sockaddr *)&self))
		return -1;
	a->pp = (struct pushpull){.interval_ms = a->cfg.pushpull_interval_ms, .memb = &a->memb};
	if (pushpull_start(&a->pp, a->loop, (struct sockaddr *)&self))
		return -1;
	uv_async_init(a->loop, &a->call_async, on_call_async);
	a->call_async.data = a;
	uv_async_init(a->loop, &a->leave_async, on_leave_async);
	a->leave_async.data = a;
	uv_async_init(a->loop, &a->render_async, on_render_async);
	a->render_async.data = a;
	a->rep = (struct reporter){
		.cluster_id = a->cfg.cluster_id,
		.node_id = a->cfg.node_id,
		.interval_ms = a->cfg.verdict.report_interval_ms,
		.epoch = a->epoch,
		.memb = &a->memb,
		.send = send_to_servers,
		.ctx = a,
	};
	snprintf(a->rep.name, sizeof(a->rep.name), "%s", a->cfg.node_name);
	snprintf(a->rep.hostname, sizeof(a->rep.hostname), "%s", a->cfg.hypervisor_hostname);
	reporter_start(&a->rep, a->loop);
	if (isolation_up(a))
		return -1;
	if (server_up(a, (struct sockaddr *)&self))
		return -1;

	timer_start(a, &a->tick_timer, on_tick, MEMB_TICK_MS, MEMB_TICK_MS);
	timer_start(a, &a->heartbeat_timer, on_heartbeat, 0, a->cfg.heartbeat_interval_ms);
	timer_start(a, &a->status_timer, on_status, 0, STATUS_MS);
	timer_start(a, &a->learn_timer, on_learn, LEARN_MS, LEARN_MS);
	timer_start(a, &a->join_timer, NULL, 0, 0);
	if (a->cfg.njoin) {
		send_joins(a);
		uv_timer_start(&a->join_timer, on_join_timer, MEMB_JOIN_RETRY_MS,
			       MEMB_JOIN_RETRY_MS);
	}
	signal_start(a, &a->sig_term, SIGTERM);
	signal_start(a, &a->sig_int, SIGINT);
	signal_start(a, &a->sig_hup, SIGHUP);

	/* Texts to serve should the loop never answer. */
	api_answer(&a->pub, render_doc, a, 1);
	config_api_token_path(&a->cfg, path, sizeof(path));
	if (api_token_load(path, token))
		return -1;
	a->api = api_start("api_addr", a->cfg.api_addr, 0, token, &a->pub, &ops);
	if (!a->api)
		return -1;
	if (a->cfg.metrics_addr[0]) {
		a->metrics_api =
			api_start("metrics_addr", a->cfg.metrics_addr, 1, token, &a->pub, &ops);
		if (!a->metrics_api) {
			api_stop(a->api);
			return -1;
		}
	}
	watchdog_start(a);

	addr_format((struct sockaddr *)&self, addr, sizeof(addr));
	log_info("vigil agent %s (id %u) in cluster %s at %s, %s, XDP %s on %s", a->cfg.node_name,
		 a->cfg.node_id, a->cfg.cluster, addr,
		 a->cfg.role == VIGIL_ROLE_SERVER ? "server" : "client",
		 xdp_mode_name(a->loader.attached), a->cfg.interface);
	/* XDP attached, sockets bound, API listening: the loop runs next. */
	sd_notify(0, "READY=1");
	notify_status(a);

	uv_run(a->loop, UV_RUN_DEFAULT);

	drain_calls(a); /* (answered "stopping": nobody waits for a stopped loop) */
	for (struct api_call *c; (c = reporter_abandon(&a->rep));)
		api_call_answer(&a->pub, c, 503, json_pack("{s:s}", "error", "the agent stopped"));
	isolator_stop(&a->isolator); /* the watchdog disarmed, unless a response is owed */
	storage_hb_stop(a->shb);
	pushpull_close(&a->pp); /* before the walk: its callbacks close what they own */
	api_stop(a->metrics_api);
	api_stop(a->api);
	uv_walk(a->loop, close_walk, NULL);
	uv_run(a->loop, UV_RUN_DEFAULT);
	uv_loop_close(a->loop);
	memb_free(&a->memb);
	/* The pinned link keeps the program answering after we exit. */
	loader_close(&a->loader);
	api_state_free(&a->pub);
	metrics_free(&a->metrics);
	log_info("agent stopped");
	return 0;
}

int agent_check_config(const struct vigil_config *c, const char *path)
{
	struct sockaddr_storage self;
	char err[512];
	socklen_t sl;

	if (config_check_agent(c, path, err, sizeof(err))) {
		log_err("%s", err);
		return -1;
	}
	if (!if_nametoindex(c->interface)) {
		log_err("%s: \"interface\" = \"%s\": no such interface on this host (`ip link` "
			"lists them)",
			path, c->interface);
		return -1;
	}
	if (self_address(c, &self, &sl)) {
		log_err("%s: no address on interface %s (or bad bind_addr); vigil needs one to be "
			"reached at",
			path, c->interface);
		return -1;
	}
	/* An empty bind_addr is only known here, from the interface. */
	if (config_check_bind(c, "bind_addr", (struct sockaddr *)&self, err, sizeof(err))) {
		log_err("%s: %s (interface %s)", path, err, c->interface);
		return -1;
	}
	config_warn(c, path);
	return 0;
}

static int run(int argc, char **argv)
{
	static struct agent a;
	struct cmd_args args;

	if (cmd_parse(argc, argv, OPT_CONFIG | OPT_CONFIG_TEST, &cmd_agent, &args))
		return EXIT_USAGE;
	if (args.nargs)
		return cmd_usage(&cmd_agent);
	a.config_path = args.config ? args.config : VIGIL_DEFAULT_CONFIG;
	/* What -config-test accepts is what the start accepts. */
	if (config_load(&a.cfg, a.config_path) || agent_check_config(&a.cfg, a.config_path))
		return EXIT_USAGE;
	if (args.config_test) {
		printf("%s: configuration is valid\n", a.config_path);
		return 0;
	}
	log_set_timestamps(1);
	return agent_run(&a) ? EXIT_USAGE : 0;
}

const struct cmd cmd_agent = {
	"agent",
	run,
	"agent -config FILE [-config-test]",
	"run the agent: membership, failure detection, HTTP API",
};
