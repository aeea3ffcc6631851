// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * agent.c - `vigil agent`: one libuv loop with the membership socket, the
 * timers and the signals as sources. It loads (or reuses) the pinned XDP
 * program, feeds the membership code with kernel observations from the BPF
 * maps, bumps the heartbeat counter that ACKs carry, and publishes its view
 * to the HTTP API thread.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <jansson.h>
#include <systemd/sd-daemon.h>

#include "agent.h"
#include "consensus.h"
#include "api.h"
#include "log.h"
#include "metrics.h"
#include "pushpull.h"
#include "util.h"

#define PUBLISH_MS 100
#define LEAVE_GRACE_MS 200

const char *agent_state_label(const struct member *mb)
{
	if (mb->state == MEMB_ALIVE && mb->agent_stalled)
		return "alive (agent stalled)";
	if (mb->state == MEMB_SUSPECT && mb->agent_stalled)
		return "suspect (agent stalled)";
	return memb_state_name(mb->state);
}

/* ---- environment for the membership code ------------------------------- */

static uint64_t env_now(void *ctx)
{
	(void)ctx;
	return now_mono_ns();
}

static void env_send(void *ctx, const struct sockaddr *to, socklen_t tolen, const void *buf,
		     size_t len)
{
	struct agent *a = ctx;
	uv_buf_t b = uv_buf_init((char *)buf, (unsigned)len);
	int rc;

	(void)tolen;
	rc = uv_udp_try_send(&a->udp, &b, 1, to);
	if (rc < 0)
		log_debug("send: %s", uv_strerror(rc));
}

static uint64_t env_probe(void *ctx, const struct member *mb, uint8_t chan, uint32_t seq)
{
	struct agent *a = ctx;
	struct probe_fields f = {
		.type = VIGIL_MSG_PING,
		.cluster_id = a->cfg.cluster_id,
		.sender_id = a->cfg.node_id,
		.target_id = mb->id,
		.seq = seq,
		.incarnation = a->memb.self.incarnation,
		.chan = chan,
		.heartbeat = a->heartbeat,
	};
	struct vigil_probe msg;
	uv_buf_t b;
	int rc;

	f.send_ns = now_mono_ns();
	if (maps_inflight_record(&a->loader.maps, mb->id, chan, seq, f.send_ns))
		return 0;
	wire_probe_encode(&msg, &f);
	wire_sign(&msg, sizeof(msg), a->memb.keys.slot[0].k0, a->memb.keys.slot[0].k1);
	b = uv_buf_init((char *)&msg, sizeof(msg));
	rc = uv_udp_try_send(&a->udp, &b, 1, (const struct sockaddr *)&mb->addr);
	if (rc < 0) {
		log_debug("probe %s: %s", mb->name, uv_strerror(rc));
		return 0;
	}
	/* The PING left no later than now: deadlines run from here. */
	return now_mono_ns();
}

static int env_observe(void *ctx, const struct member *mb, uint8_t chan, struct probe_obs *o)
{
	struct agent *a = ctx;
	struct vigil_peer p;

	if (maps_peer_get(&a->loader.maps, mb->id, chan, &p))
		return -1;
	o->last_ack_seq = p.last_ack_seq;
	o->last_ack_ns = p.last_ack_ns;
	o->acks = p.acks;
	o->heartbeat = p.heartbeat;
	o->srtt_ns = p.srtt_ns;
	o->jitter_ns = p.jitter_ns;
	return 0;
}

static void env_peer_added(void *ctx, struct member *mb)
{
	struct agent *a = ctx;
	struct vigil_peer p;

	/* Keep what the kernel already knows (agent restart): continue the
	 * sequence numbers so our next probes are newer than its last ACK. */
	maps_peer_ensure(&a->loader.maps, mb->id, MEMB_CHAN_AGENT);
	maps_peer_ensure(&a->loader.maps, mb->id, MEMB_CHAN_RELAY);
	if (maps_peer_get(&a->loader.maps, mb->id, MEMB_CHAN_AGENT, &p) == 0)
		mb->probe_seq = p.last_ack_seq + VIGIL_INFLIGHT;
	if (maps_peer_get(&a->loader.maps, mb->id, MEMB_CHAN_RELAY, &p) == 0)
		mb->relay_seq = p.last_ack_seq + VIGIL_INFLIGHT;
	log_info("member %s (id %u) added", mb->name, mb->id);
}

static void env_changed(void *ctx, const struct member *mb, enum memb_state old)
{
	struct agent *a = ctx;

	if ((old == MEMB_DEAD) != (mb->state == MEMB_DEAD))
		consensus_report_now(a->cons);
	if (old != mb->state)
		log_info("event=state member=%s from=%s to=%s incarnation=%u", mb->name,
			 memb_state_name(old), memb_state_name(mb->state), mb->incarnation);
	else
		log_info("event=agent member=%s agent_stalled=%d", mb->name, mb->agent_stalled);
}

static uint32_t env_random(void *ctx)
{
	uint32_t r;

	(void)ctx;
	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != sizeof(r))
		r = (uint32_t)random();
	return r;
}

/* ---- systemd ------------------------------------------------------------ */

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

/* ---- publishing for the HTTP thread ------------------------------------ */

static json_t *member_json(const struct agent *a, const struct member *mb, int self)
{
	char addr[80];
	uint64_t t = now_mono_ns();

	addr_format((const struct sockaddr *)&mb->addr, addr, sizeof(addr));
	return json_pack("{s:s, s:I, s:s, s:s, s:I, s:s, s:b, s:f, s:f, s:f, s:I}", "name",
			 mb->name, "id", (json_int_t)mb->id, "address", addr, "state",
			 self ? "alive" : agent_state_label(mb), "incarnation",
			 (json_int_t)(self ? a->memb.self.incarnation : mb->incarnation), "role",
			 mb->role == VIGIL_ROLE_SERVER ? "server" : "client", "agent_stalled", mb->agent_stalled,
			 "last_ack_age_ms",
			 self || !mb->last_ack_ns ? -1.0 : (double)(t - mb->last_ack_ns) / 1e6,
			 "srtt_ms", (double)mb->srtt_ns / 1e6, "jitter_ms",
			 (double)mb->jitter_ns / 1e6, "heartbeat",
			 (json_int_t)(self ? a->heartbeat : mb->heartbeat));
}

static void publish(struct agent *a)
{
	json_t *arr = json_array(), *st;
	char *members, *status, *metrics;

	json_array_append_new(arr, member_json(a, &a->memb.self, 1));
	for (size_t i = 0; i < a->memb.n; i++)
		json_array_append_new(arr, member_json(a, a->memb.members[i], 0));
	st = json_pack("{s:s, s:I, s:s, s:s, s:I, s:I, s:{s:I, s:I, s:I, s:I}, s:I, s:f, s:f}",
		       "node", a->cfg.node_name, "node_id", (json_int_t)a->cfg.node_id, "cluster",
		       a->cfg.cluster, "role", a->cfg.role == VIGIL_ROLE_SERVER ? "server" : "client", "incarnation",
		       (json_int_t)a->memb.self.incarnation, "heartbeat", (json_int_t)a->heartbeat,
		       "members", "alive", (json_int_t)memb_count(&a->memb, MEMB_ALIVE), "suspect",
		       (json_int_t)memb_count(&a->memb, MEMB_SUSPECT), "dead",
		       (json_int_t)memb_count(&a->memb, MEMB_DEAD), "left",
		       (json_int_t)memb_count(&a->memb, MEMB_LEFT), "local_health",
		       (json_int_t)a->memb.local_health, "uptime_s",
		       (double)(now_mono_ns() - a->started_ns) / 1e9, "max_loop_lag_ms",
		       (double)a->max_loop_lag_ns / 1e6);
	json_object_set_new(st, "pushpull_exchanges", json_integer((json_int_t)a->pp_exchanges));
	json_object_set_new(st, "xdp_mode", json_string(xdp_mode_name(a->loader.attached)));
	json_object_set_new(st, "bad_messages", json_integer((json_int_t)a->memb.stats.bad_msgs));
	json_object_set_new(st, "hypervisor_hostname", json_string(a->cfg.hypervisor_hostname));
	if (a->cons)
		consensus_status(a->cons, st);
	metrics = metrics_render(a);
	members = json_dumps(arr, JSON_COMPACT);
	status = json_dumps(st, JSON_COMPACT);
	json_decref(arr);
	json_decref(st);

	notify_status(a);
	pthread_mutex_lock(&a->pub_lock);
	free(a->pub_members);
	free(a->pub_status);
	a->pub_members = members;
	a->pub_status = status;
	if (metrics) {
		free(a->pub_metrics);
		a->pub_metrics = metrics;
	}
	pthread_mutex_unlock(&a->pub_lock);
}

/* ---- loop sources ------------------------------------------------------- */

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	static char rxbuf[2048];

	(void)h;
	(void)suggested;
	*buf = uv_buf_init(rxbuf, sizeof(rxbuf));
}

static void on_recv(uv_udp_t *h, ssize_t n, const uv_buf_t *buf, const struct sockaddr *from,
		    unsigned flags)
{
	struct agent *a = h->data;
	socklen_t fl;

	if (n <= 0 || !from || (flags & UV_UDP_PARTIAL))
		return;
	fl = from->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
	if ((size_t)n >= sizeof(struct vigil_hdr) && a->cons &&
	    (((struct vigil_hdr *)buf->base)->type == VIGIL_MSG_REPORT ||
	     ((struct vigil_hdr *)buf->base)->type == VIGIL_MSG_MAINT)) {
		consensus_receive(a->cons, from, buf->base, (size_t)n);
		return;
	}
	memb_receive(&a->memb, from, fl, buf->base, (size_t)n);
}

static void on_tick(uv_timer_t *t)
{
	struct agent *a = t->data;
	uint64_t n = now_mono_ns();

	if (a->last_tick_ns && n - a->last_tick_ns > MEMB_TICK_MS * NSEC_PER_MSEC) {
		uint64_t lag = n - a->last_tick_ns - MEMB_TICK_MS * NSEC_PER_MSEC;

		if (lag > a->max_loop_lag_ns)
			a->max_loop_lag_ns = lag;
	}
	a->last_tick_ns = n;
	if (!a->stopping)
		memb_tick(&a->memb);
}

static void on_heartbeat(uv_timer_t *t)
{
	struct agent *a = t->data;

	a->heartbeat++;
	maps_set_self(&a->loader.maps, a->memb.self.incarnation, a->heartbeat);
}

static void on_publish(uv_timer_t *t)
{
	publish(t->data);
}

static void send_joins(struct agent *a)
{
	for (int i = 0; i < a->cfg.njoin; i++) {
		struct sockaddr_storage ss;
		socklen_t sl;

		if (addr_parse(a->cfg.join[i], (uint16_t)a->cfg.port, &ss, &sl))
			continue;
		memb_join(&a->memb, (struct sockaddr *)&ss, sl);
		pushpull_with(a, (struct sockaddr *)&ss); /* reliable: full state both ways */
	}
}

static void on_join_timer(uv_timer_t *t)
{
	struct agent *a = t->data;

	if (a->memb.n > 0) {
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

static void stop_loop(struct agent *a)
{
	uv_stop(a->loop);
}

static void on_leave_done(uv_timer_t *t)
{
	struct agent *a = t->data;

	if (a->cons) {
		struct consensus *c = a->cons;

		a->cons = NULL;
		consensus_close(c, stop_loop);
	} else {
		stop_loop(a);
	}
}

/* SIGTERM, SIGINT and `vigil leave`: tell the members, then stop the loop. */
static void agent_leave(struct agent *a, const char *why)
{
	if (a->stopping)
		return;
	a->stopping = 1;
	log_info("%s: leaving the cluster", why);
	sd_notify(0, "STOPPING=1\nSTATUS=leaving the cluster");
	memb_leave(&a->memb);
	uv_timer_stop(&a->join_timer);
	uv_timer_start(&a->join_timer, (uv_timer_cb)on_leave_done, LEAVE_GRACE_MS, 0);
}

void agent_queue_leave(struct agent *a)
{
	uv_async_send(&a->leave_async);
}

static void on_leave_async(uv_async_t *h)
{
	agent_leave(h->data, "leave requested through the API");
}

int agent_queue_maintenance(struct agent *a, const char *host, int on)
{
	int rc = 0;

	if (strlen(host) >= sizeof(a->maint_q[0].host))
		return -EINVAL;
	pthread_mutex_lock(&a->pub_lock);
	if (a->maint_n == AGENT_MAINT_QUEUE) {
		rc = -EBUSY;
	} else {
		snprintf(a->maint_q[a->maint_n].host, sizeof(a->maint_q[0].host), "%s", host);
		a->maint_q[a->maint_n].on = on;
		a->maint_n++;
	}
	pthread_mutex_unlock(&a->pub_lock);
	if (!rc)
		uv_async_send(&a->maint_async);
	return rc;
}

static void on_maint_async(uv_async_t *h)
{
	struct agent *a = h->data;
	int n;

	pthread_mutex_lock(&a->pub_lock);
	n = a->maint_n;
	for (int i = 0; i < n; i++)
		if (a->cons)
			consensus_request_maintenance(a->cons, a->maint_q[i].host, a->maint_q[i].on);
	a->maint_n = 0;
	pthread_mutex_unlock(&a->pub_lock);
}

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
	if (strcmp(c.node_name, a->cfg.node_name) || strcmp(c.cluster, a->cfg.cluster) ||
	    strcmp(c.interface, a->cfg.interface) || c.port != a->cfg.port)
		log_warn("node_name, cluster, interface and port change only on restart");
	log_set_level((enum log_level)c.log_level);
	config_keyring(&c, &kr);
	if (maps_set_keys(&a->loader.maps, &kr) == 0)
		memb_set_keys(&a->memb, &kr);
	a->memb.cfg = c.memb;
	a->cfg.memb = c.memb;
	a->cfg.log_level = c.log_level;
	memcpy(a->cfg.key, c.key, sizeof(c.key));
	memcpy(a->cfg.key_next, c.key_next, sizeof(c.key_next));
	a->cfg.has_key_next = c.has_key_next;
	log_info("configuration reloaded (log level, timing, keys)");
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
	agent_leave(a, why);
}

/* ---- set-up ------------------------------------------------------------- */

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

static int agent_run(struct agent *a)
{
	struct memb_env env = {
		.now = env_now,
		.send = env_send,
		.probe = env_probe,
		.observe = env_observe,
		.peer_added = env_peer_added,
		.changed = env_changed,
		.random = env_random,
		.ctx = a,
	};
	struct sockaddr_storage self;
	struct vigil_keyring kr;
	struct vigil_self me;
	socklen_t sl;
	char addr[80], err[512];
	int rc;

	a->started_ns = now_mono_ns();
	pthread_mutex_init(&a->pub_lock, NULL);
	/* A peer that dies mid-write (Raft, push-pull, HTTP) must cost an EPIPE,
	 * not the agent: SIGPIPE's default action would end the process. */
	signal(SIGPIPE, SIG_IGN);
	if (self_address(&a->cfg, &self, &sl)) {
		log_err("no address on interface %s (or bad bind_addr); vigil needs one to be "
			"reached at",
			a->cfg.interface);
		return -1;
	}
	/* An empty bind_addr is only known here, from the interface. */
	if (config_check_bind(&a->cfg, "bind_addr", (struct sockaddr *)&self, err, sizeof(err))) {
		log_err("%s (interface %s)", err, a->cfg.interface);
		return -1;
	}
	rc = mkdir_p(a->cfg.data_dir, 0700);
	if (rc) {
		log_err("cannot create data_dir %s: %s", a->cfg.data_dir, strerror(-rc));
		return -1;
	}
	if (loader_bringup(&a->cfg, &a->loader))
		return -1;
	/* After a restart the pinned self map still holds our incarnation
	 * and heartbeat: continue from them so peers see no gap. */
	if (maps_get_self(&a->loader.maps, &me) == 0 && me.abi == VIGIL_MAP_ABI)
		a->heartbeat = me.heartbeat;
	config_keyring(&a->cfg, &kr);
	memb_init(&a->memb, &a->cfg.memb, &env, &kr, a->cfg.cluster_id, a->cfg.node_name,
		  a->cfg.node_id, (struct sockaddr *)&self, sl, (uint8_t)a->cfg.role);
	/* Come back one incarnation higher: this overrides whatever the others
	 * last heard of us (alive, or left after a graceful stop). */
	a->memb.self.incarnation = me.abi == VIGIL_MAP_ABI ? me.incarnation + 1 : 0;

	a->loop = uv_default_loop();
	uv_udp_init(a->loop, &a->udp);
	a->udp.data = a;
	rc = uv_udp_bind(&a->udp, (struct sockaddr *)&self, UV_UDP_REUSEADDR);
	if (rc) {
		addr_format((struct sockaddr *)&self, addr, sizeof(addr));
		log_err("cannot bind UDP %s: %s", addr, uv_strerror(rc));
		return -1;
	}
	uv_udp_recv_start(&a->udp, on_alloc, on_recv);
	if (pushpull_start(a, (struct sockaddr *)&self))
		return -1;
	uv_async_init(a->loop, &a->maint_async, on_maint_async);
	a->maint_async.data = a;
	uv_async_init(a->loop, &a->leave_async, on_leave_async);
	a->leave_async.data = a;
	a->cons = consensus_start(a);
	if (!a->cons)
		return -1;

	uv_timer_init(a->loop, &a->tick_timer);
	uv_timer_init(a->loop, &a->heartbeat_timer);
	uv_timer_init(a->loop, &a->join_timer);
	uv_timer_init(a->loop, &a->publish_timer);
	a->tick_timer.data = a->heartbeat_timer.data = a->join_timer.data = a;
	a->publish_timer.data = a;
	uv_timer_start(&a->tick_timer, on_tick, MEMB_TICK_MS, MEMB_TICK_MS);
	uv_timer_start(&a->heartbeat_timer, on_heartbeat, 0, a->cfg.heartbeat_interval_ms);
	uv_timer_start(&a->publish_timer, on_publish, 0, PUBLISH_MS);
	if (a->cfg.njoin) {
		send_joins(a);
		uv_timer_start(&a->join_timer, on_join_timer, MEMB_JOIN_RETRY_MS, MEMB_JOIN_RETRY_MS);
	}

	uv_signal_init(a->loop, &a->sig_term);
	uv_signal_init(a->loop, &a->sig_int);
	uv_signal_init(a->loop, &a->sig_hup);
	a->sig_term.data = a->sig_int.data = a->sig_hup.data = a;
	uv_signal_start(&a->sig_term, on_signal, SIGTERM);
	uv_signal_start(&a->sig_int, on_signal, SIGINT);
	uv_signal_start(&a->sig_hup, on_signal, SIGHUP);

	publish(a);
	a->http = api_start(a);
	if (!a->http)
		return -1;
	if (a->cfg.metrics_addr[0]) {
		a->metrics_http = api_start_metrics(a);
		if (!a->metrics_http) {
			api_stop(a->http);
			return -1;
		}
	}
	watchdog_start(a);

	addr_format((struct sockaddr *)&self, addr, sizeof(addr));
	log_info("vigil agent %s (id %u) in cluster %s at %s, %s, XDP %s on %s", a->cfg.node_name,
		 a->cfg.node_id, a->cfg.cluster, addr, a->cfg.role == VIGIL_ROLE_SERVER ? "server" : "client",
		 xdp_mode_name(a->loader.attached), a->cfg.interface);
	/* XDP attached, sockets bound, API listening: the loop runs next. */
	sd_notify(0, "READY=1");
	notify_status(a);

	uv_run(a->loop, UV_RUN_DEFAULT);

	api_stop(a->metrics_http);
	api_stop(a->http);
	uv_walk(a->loop, close_walk, NULL);
	uv_run(a->loop, UV_RUN_DEFAULT);
	uv_loop_close(a->loop);
	memb_free(&a->memb);
	/* The pinned link keeps the program answering after we exit. */
	loader_close(&a->loader);
	free(a->pub_members);
	free(a->pub_status);
	free(a->pub_metrics);
	log_info("agent stopped");
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
	if (config_load(&a.cfg, a.config_path))
		return EXIT_USAGE;
	if (args.config_test) {
		printf("%s: configuration is valid\n", a.config_path);
		return 0;
	}
	log_set_timestamps(1);
	return agent_run(&a) ? EXIT_USAGE : 0;
}

const struct cmd cmd_agent = {
	"agent", run, "agent -config FILE [-config-test]",
	"run the agent: membership, failure detection, HTTP API",
};
