// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * consensus.c - reports, Raft among the servers, verdicts on the leader, and
 * the exactly-once notification outbox.
 *
 * Exactly once: a notification exists only as a committed outbox entry. The
 * leader sends pending entries (always with the entry's own generated_time,
 * so Masakari's duplicate window recognises a resend) and marks them
 * delivered through the log. A leader that dies after sending but before the
 * "delivered" entry commits is replaced by one that sends again; Masakari
 * answers 409 duplicate, which counts as delivered. So Masakari records one
 * notification per verdict whatever fails in between.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <raft.h>
#include <raft/uv.h>

#include "agent.h"
#include "consensus.h"
#include "fsm.h"
#include "replay.h"
#include "raft_fsm.h"
#include "log.h"
#include "masakari.h"
#include "util.h"
#include "verdict.h"

#define DECIDE_MS 100
#define MAX_ATTEMPTS_TRACKED 256

/* Delivery attempts of one outbox entry (leader-local, not replicated). */
struct attempt {
	uint64_t outbox_id;
	uint64_t next_ns;     /* monotonic time of the next try */
	uint64_t backoff_ms;
	uint64_t tries;
	enum mk_result last;
	char message[512];
};

struct notify_job {
	uv_work_t work;
	struct consensus *c;
	uint64_t outbox_id;
	struct mk_notification n;
	struct mk_reply reply;
	enum mk_result result;
	uint64_t delay_ms; /* test hook: VIGIL_TEST_NOTIFY_DELAY_MS */
};

struct consensus {
	/* configuration */
	struct agent *a;
	struct verdict_cfg vcfg;
	int server;
	/* reporting (every agent) */
	uv_timer_t report_timer;
	/* Raft (servers) */
	struct raft raft;
	struct raft_io io;
	struct raft_uv_transport transport;
	struct raft_fsm rfsm;
	struct fsm fsm;
	char raft_dir[512];
	char raft_addr[96];
	uv_timer_t decide_timer;
	int proposing;	     /* a proposal of ours is in flight */
	struct raft_change change; /* a voter change of ours is in flight */
	int changing;
	struct reports reports;
	struct replay replay_report, replay_maint; /* replay protection, per sender */
	uint64_t refused[REPLAY_FULL + 1];	/* REPORT/MAINT refused, by replay_result */
	uint64_t clock_warned_ns;
	int report_truncated; /* warned once that the dead did not fit */
	/* notifier (leader) */
	struct mk_client mk;
	struct notify_job *job;	     /* in flight on the thread pool */
	struct attempt attempts[MAX_ATTEMPTS_TRACKED];
	size_t nattempts;
	uint64_t sent_by_result[MK_RETRY + 1];
	/* shutdown */
	void (*done)(struct agent *a);
	int closing;
	int pending_close;
};

/* ---- reporting ------------------------------------------------------------- */

static void send_to_servers(struct consensus *c, void *msg, size_t len)
{
	struct agent *a = c->a;
	uv_buf_t b = uv_buf_init(msg, (unsigned)len);

	wire_sign(msg, len, a->memb.keys.slot[0].k0, a->memb.keys.slot[0].k1);
	if (c->server)
		consensus_receive(c, NULL, msg, len);
	for (size_t i = 0; i < a->memb.n; i++) {
		const struct member *mb = a->memb.members[i];

		if (mb->role != VIGIL_ROLE_SERVER || (mb->state != MEMB_ALIVE && mb->state != MEMB_SUSPECT))
			continue;
		uv_udp_try_send(&a->udp, &b, 1, (const struct sockaddr *)&mb->addr);
	}
}

static void on_report_timer(uv_timer_t *t)
{
	struct consensus *c = t->data;
	struct agent *a = c->a;
	uint8_t buf[VIGIL_MAX_MSG];
	struct wire_report r;
	struct dead_member *dead;
	size_t ndead = 0, len;

	if (a->stopping)
		return;
	dead = malloc((a->memb.n ? a->memb.n : 1) * sizeof(*dead));
	if (!dead)
		return;
	memset(&r, 0, sizeof(r));
	snprintf(r.name, sizeof(r.name), "%s", a->cfg.node_name);
	snprintf(r.hostname, sizeof(r.hostname), "%s", a->cfg.hypervisor_hostname);
	for (size_t i = 0; i < a->memb.n; i++)
		if (a->memb.members[i]->state == MEMB_DEAD)
			dead[ndead++] = (struct dead_member){ a->memb.members[i]->id,
							      a->memb.members[i]->state_since_ns };
	r.n = report_select(dead, ndead, r.ids, VERDICT_MAX_UNREACH);
	if (r.n < ndead && !c->report_truncated) {
		log_warn("%zu members are dead, more than one report carries (%zu): reporting the "
			 "most recent deaths first",
			 ndead, r.n);
		c->report_truncated = 1;
	}
	free(dead);
	r.sent_ns = now_real_ns();
	len = wire_report_encode(buf, sizeof(buf), a->cfg.cluster_id, a->cfg.node_id, &r);
	send_to_servers(c, buf, len);
}

void consensus_report_now(struct consensus *c)
{
	/* A member died or came back: tell the servers now rather than at the
	 * next report tick (the periodic report keeps refreshing it). */
	if (c && !c->closing)
		on_report_timer(&c->report_timer);
}

/* ---- receiving ------------------------------------------------------------- */

/* Take a REPORT or MAINT only if it is newer than the last one from its
 * sender and near our clock (replay.h); count and explain the others. */
static int replay_ok(struct consensus *c, struct replay *f, uint32_t sender, uint64_t at)
{
	uint64_t now = now_real_ns();
	enum replay_result r = replay_check(f, sender, at, now, VIGIL_REPLAY_WINDOW_NS);

	if (r == REPLAY_OK)
		return 1;
	c->refused[r]++;
	if (r == REPLAY_CLOCK && now - c->clock_warned_ns > 10 * NSEC_PER_SEC) {
		c->clock_warned_ns = now;
		log_warn("refusing messages from node %08x: its clock is %+.1f s from ours (more "
			 "than %llu s; check NTP on both hosts) or the message is an old capture",
			 sender, ((double)at - (double)now) / 1e9,
			 VIGIL_REPLAY_WINDOW_NS / NSEC_PER_SEC);
	}
	return 0;
}

void consensus_receive(struct consensus *c, const struct sockaddr *from, const void *buf,
		       size_t len)
{
	struct agent *a = c->a;
	uint32_t sender = wire_sender(buf);

	(void)from;
	if (!c->server || wire_verify(buf, len, a->cfg.cluster_id, &a->memb.keys, NULL)) {
		a->memb.stats.bad_msgs++;
		return;
	}
	if (wire_type(buf, len) == VIGIL_MSG_REPORT) {
		struct wire_report r;

		if (wire_report_decode(buf, len, &r)) {
			a->memb.stats.bad_msgs++;
			return;
		}
		if (!replay_ok(c, &c->replay_report, sender, r.sent_ns))
			return;
		reports_update(&c->reports, sender, r.name, r.hostname, r.ids, r.n, now_mono_ns());
	} else if (wire_type(buf, len) == VIGIL_MSG_MAINT) {
		struct wire_maint m;

		if (wire_maint_decode(buf, len, &m) || raft_state(&c->raft) != RAFT_LEADER ||
		    !replay_ok(c, &c->replay_maint, sender, m.sent_ns))
			return;
		if (!fsm_host_by_name(&c->fsm, m.host)) {
			log_warn("maintenance request for unknown host \"%s\" ignored", m.host);
			return;
		}
		log_info("maintenance %s for %s", m.on ? "on" : "off", m.host);
		raft_fsm_propose(&c->raft, fsm_cmd_maintenance(m.host, m.on), NULL, NULL);
	}
}

int consensus_request_maintenance(struct consensus *c, const char *host, int on)
{
	struct wire_maint w = { .on = on, .sent_ns = now_real_ns() };
	struct vigil_maint m;
	size_t len;

	if (strlen(host) >= sizeof(w.host))
		return -EINVAL;
	snprintf(w.host, sizeof(w.host), "%s", host);
	len = wire_maint_encode(&m, c->a->cfg.cluster_id, c->a->cfg.node_id, &w);
	send_to_servers(c, &m, len);
	return 0;
}
/* ---- the notifier (leader) -------------------------------------------------- */

static struct attempt *attempt_for(struct consensus *c, uint64_t id)
{
	for (size_t i = 0; i < c->nattempts; i++)
		if (c->attempts[i].outbox_id == id)
			return &c->attempts[i];
	if (c->nattempts == MAX_ATTEMPTS_TRACKED) {
		/* Forget the oldest record (the entry was delivered long ago). */
		memmove(&c->attempts[0], &c->attempts[1],
			(MAX_ATTEMPTS_TRACKED - 1) * sizeof(c->attempts[0]));
		c->nattempts--;
	}
	memset(&c->attempts[c->nattempts], 0, sizeof(c->attempts[0]));
	c->attempts[c->nattempts].outbox_id = id;
	return &c->attempts[c->nattempts++];
}

static void notify_work(uv_work_t *w)
{
	struct notify_job *j = w->data;

	if (j->delay_ms)
		usleep((useconds_t)(j->delay_ms * 1000));
	j->result = mk_send(&j->c->mk, &j->n, &j->reply);
}

static void notify_after(uv_work_t *w, int status)
{
	struct notify_job *j = w->data;
	struct consensus *c = j->c;
	struct attempt *at = attempt_for(c, j->outbox_id);
	uint64_t lo = c->a->cfg.masakari.retry_min_ms, hi = c->a->cfg.masakari.retry_max_ms;

	c->job = NULL;
	if (status) {
		free(j);
		return;
	}
	at->tries++;
	at->last = j->result;
	snprintf(at->message, sizeof(at->message), "%s", j->reply.message);
	c->sent_by_result[j->result]++;
	switch (j->result) {
	case MK_DELIVERED:
	case MK_DUPLICATE:
		log_info("notification %llu for %s %s (%s) %s", (unsigned long long)j->outbox_id,
			 j->n.hostname, j->n.event, j->reply.message, mk_result_name(j->result));
		if (!c->closing && raft_state(&c->raft) == RAFT_LEADER)
			raft_fsm_propose(&c->raft,
					 fsm_cmd_delivered(j->outbox_id, j->reply.uuid,
							   mk_result_name(j->result)),
					 NULL, NULL);
		at->next_ns = now_mono_ns() + 2 * NSEC_PER_SEC; /* until "delivered" commits */
		break;
	case MK_HOST_UNKNOWN:
	case MK_REJECTED:
		log_err("notification %llu for %s refused by Masakari (%s): a configuration "
			"error (is the host registered in a Masakari segment under this exact "
			"name?); kept, retrying",
			(unsigned long long)j->outbox_id, j->n.hostname, j->reply.message);
		/* fallthrough */
	case MK_RETRY:
		at->backoff_ms = at->backoff_ms ? at->backoff_ms * 2 : lo;
		if (at->backoff_ms > hi)
			at->backoff_ms = hi;
		/* +-25 % jitter so servers that change leader do not align. */
		at->next_ns = now_mono_ns() +
			      (at->backoff_ms * 3 / 4 + random() % (at->backoff_ms / 2 + 1)) *
				      NSEC_PER_MSEC;
		if (j->result == MK_RETRY)
			log_warn("notification %llu for %s not delivered (%s); retry in %llu ms",
				 (unsigned long long)j->outbox_id, j->n.hostname, j->reply.message,
				 (unsigned long long)at->backoff_ms);
		break;
	}
	free(j);
}

static void notify_next(struct consensus *c)
{
	uint64_t now = now_mono_ns();
	const char *delay = getenv("VIGIL_TEST_NOTIFY_DELAY_MS");

	if (c->job || c->closing || raft_state(&c->raft) != RAFT_LEADER)
		return;
	for (size_t i = 0; i < c->fsm.noutbox; i++) {
		const struct fsm_outbox *o = &c->fsm.outbox[i];
		struct attempt *at;
		struct notify_job *j;

		if (o->status != OUTBOX_PENDING)
			continue;
		at = attempt_for(c, o->id);
		if (now < at->next_ns)
			continue;
		j = calloc(1, sizeof(*j));
		if (!j)
			return;
		j->c = c;
		j->outbox_id = o->id;
		j->delay_ms = delay ? strtoull(delay, NULL, 10) : 0;
		mk_notification_init(&j->n, o->hostname, o->stopped, o->power_off_confirmed,
				     o->generated_at);
		j->work.data = j;
		log_info("notification %llu: sending %s for %s to Masakari%s",
			 (unsigned long long)o->id, j->n.event, o->hostname,
			 at->tries ? " (again)" : "");
		if (uv_queue_work(c->a->loop, &j->work, notify_work, notify_after)) {
			free(j);
			return;
		}
		c->job = j;
		return;
	}
}

/* ---- the leader's decisions -------------------------------------------------- */

static void proposed(struct raft_apply *req, int status, void *result)
{
	struct consensus *c = req->data;

	(void)result;
	c->proposing = 0;
	if (status)
		log_debug("raft: proposal not applied: %s", raft_strerror(status));
}

/* A member that left gracefully (as the leader's membership shows, and that
 * no longer reports) leaves the decided membership: it is not counted in
 * the quorum of hosts and never notified about. A report from it later
 * makes it a member again (verdict_next). */
static char *left_next(struct consensus *c, uint64_t now)
{
	const struct memb *m = &c->a->memb;

	for (size_t i = 0; i < m->n; i++) {
		const struct member *mb = m->members[i];
		const struct fsm_host *h;

		if (mb->state != MEMB_LEFT)
			continue;
		h = fsm_host(&c->fsm, mb->id);
		if (h && h->state == FSM_MEMBER && !h->failed &&
		    !reports_current(&c->reports, &c->vcfg, mb->id, now)) {
			log_info("%s (%s) left the cluster", h->name, h->hostname);
			return fsm_cmd_left(mb->id);
		}
	}
	return NULL;
}

/* ---- the set of voters ------------------------------------------------------ */

/* "ADDR:raft_port": the address Raft knows a server by, whatever port sa has
 * (sin_port and sin6_port sit at the same offset). */
static void raft_address(const struct consensus *c, const struct sockaddr *sa, char *out,
			 size_t size)
{
	struct sockaddr_storage ss;

	memset(&ss, 0, sizeof(ss));
	memcpy(&ss, sa, sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
						  : sizeof(struct sockaddr_in));
	((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)c->a->cfg.raft_port);
	addr_format((struct sockaddr *)&ss, out, size);
}

static void changed(struct raft_change *req, int status)
{
	struct consensus *c = req->data;

	c->changing = 0;
	if (status)
		log_warn("raft: configuration change not done: %s", raft_strerror(status));
}

static const struct raft_server *voter_get(const struct raft *r, raft_id id)
{
	for (unsigned i = 0; i < r->configuration.n; i++)
		if (r->configuration.servers[i].id == id)
			return &r->configuration.servers[i];
	return NULL;
}

static unsigned voters_count(const struct raft *r)
{
	unsigned n = 0;

	for (unsigned i = 0; i < r->configuration.n; i++)
		n += r->configuration.servers[i].role == RAFT_VOTER;
	return n;
}

static int host_failed(const struct consensus *c, uint32_t id)
{
	const struct fsm_host *h = fsm_host(&c->fsm, id);

	return h && h->failed;
}

/* Leader: the Raft voters follow the membership, one change at a time. A
 * member in the server role that is alive and not a voter is added (libraft
 * promotes it once its log has caught up); a server that left gracefully is
 * removed. A crashed server stays a voter until it has a committed failure
 * verdict *and* a new server has taken its place (more voters than
 * `servers` lists): removing crashed servers on sight would let the
 * survivors of a partition shrink the quorum to their own size. */
static void voters_follow_membership(struct consensus *c)
{
	const struct memb *m = &c->a->memb;
	char addr[128];
	int rc;

	if (c->changing)
		return;
	c->change.data = c;
	for (size_t i = 0; i < m->n; i++) {
		const struct member *mb = m->members[i];
		const struct raft_server *s = voter_get(&c->raft, mb->id);
		int alive_server = mb->role == VIGIL_ROLE_SERVER && mb->state == MEMB_ALIVE;

		if (alive_server && !s) {
			raft_address(c, (const struct sockaddr *)&mb->addr, addr, sizeof(addr));
			log_info("raft: adding server %s at %s", mb->name, addr);
			rc = raft_add(&c->raft, &c->change, mb->id, addr, changed);
		} else if (alive_server && s->role != RAFT_VOTER) {
			log_info("raft: making %s a voter (once its log has caught up)", mb->name);
			rc = raft_assign(&c->raft, &c->change, mb->id, RAFT_VOTER, changed);
		} else if (mb->state == MEMB_LEFT && s) {
			log_info("raft: removing server %s, which left the cluster", mb->name);
			rc = raft_remove(&c->raft, &c->change, mb->id, changed);
		} else if (s && s->role == RAFT_VOTER &&
			   voters_count(&c->raft) > (unsigned)c->a->cfg.nservers &&
			   host_failed(c, mb->id)) {
			log_info("raft: removing server %s: it failed and a new server has taken "
				 "its place",
				 mb->name);
			rc = raft_remove(&c->raft, &c->change, mb->id, changed);
		} else {
			continue;
		}
		if (rc)
			log_warn("raft: cannot change the configuration for %s: %s", mb->name,
				 raft_strerror(rc));
		else
			c->changing = 1;
		return;
	}
}

static void on_decide(uv_timer_t *t)
{
	struct consensus *c = t->data;
	uint64_t now = now_mono_ns();
	char *cmd;

	if (c->closing || raft_state(&c->raft) != RAFT_LEADER)
		return;
	if (!c->proposing) {
		voters_follow_membership(c);
		cmd = left_next(c, now);
		if (!cmd)
			cmd = verdict_next(&c->fsm, &c->reports, &c->vcfg, now, now_real_ns());
		if (cmd) {
			c->proposing = 1;
			if (raft_fsm_propose(&c->raft, cmd, proposed, c))
				c->proposing = 0;
		}
	}
	notify_next(c);
}

/* ---- life cycle --------------------------------------------------------------- */

static int bootstrap(struct consensus *c)
{
	struct raft_configuration conf;
	struct agent *a = c->a;
	int rc;

	if (!a->cfg.nservers)
		return 0;
	raft_configuration_init(&conf);
	for (int i = 0; i < a->cfg.nservers; i++) {
		char name[96], addr[128];
		const char *at = strchr(a->cfg.servers[i], '@');
		struct sockaddr_storage ss;
		socklen_t sl;

		snprintf(name, sizeof(name), "%.*s", (int)(at - a->cfg.servers[i]), a->cfg.servers[i]);
		addr_parse(at + 1, (uint16_t)a->cfg.raft_port, &ss, &sl);
		/* Raft always uses raft_port, whatever port the entry names. */
		raft_address(c, (struct sockaddr *)&ss, addr, sizeof(addr));
		rc = raft_configuration_add(&conf, wire_name_id(name), addr, RAFT_VOTER);
		if (rc) {
			log_err("raft: bad server %s: %s", a->cfg.servers[i], raft_strerror(rc));
			raft_configuration_close(&conf);
			return -1;
		}
	}
	rc = raft_bootstrap(&c->raft, &conf);
	raft_configuration_close(&conf);
	if (rc && rc != RAFT_CANTBOOTSTRAP) {
		log_err("raft: bootstrap: %s", raft_strerror(rc));
		return -1;
	}
	if (!rc)
		log_info("raft: bootstrapped with %d servers", a->cfg.nservers);
	return 0;
}

static int raft_setup(struct consensus *c, const struct sockaddr *self)
{
	struct agent *a = c->a;
	int rc;

	snprintf(c->raft_dir, sizeof(c->raft_dir), "%s/raft", a->cfg.data_dir);
	rc = mkdir_p(c->raft_dir, 0700);
	if (rc) {
		log_err("raft: cannot create %s: %s", c->raft_dir, strerror(-rc));
		return -1;
	}
	raft_address(c, self, c->raft_addr, sizeof(c->raft_addr));

	fsm_init(&c->fsm);
	raft_fsm_init(&c->rfsm, &c->fsm);
	if ((rc = raft_uv_tcp_init(&c->transport, a->loop)) ||
	    (rc = raft_uv_init(&c->io, a->loop, c->raft_dir, &c->transport))) {
		log_err("raft: cannot set up its I/O in %s: %s", c->raft_dir, raft_strerror(rc));
		return -1;
	}
	raft_uv_set_segment_size(&c->io, 1 << 20); /* default 8 MiB per segment */
	rc = raft_init(&c->raft, &c->io, &c->rfsm, a->cfg.node_id, c->raft_addr);
	if (rc) {
		log_err("raft: init: %s", raft_strerror(rc));
		return -1;
	}
	raft_set_election_timeout(&c->raft, a->cfg.raft_election_timeout_ms);
	raft_set_heartbeat_timeout(&c->raft, a->cfg.raft_election_timeout_ms / 10 + 1);
	raft_set_snapshot_threshold(&c->raft, 512);
	raft_set_snapshot_trailing(&c->raft, 128);
	raft_set_pre_vote(&c->raft, true);
	if (bootstrap(c))
		return -1;
	rc = raft_start(&c->raft);
	if (rc) {
		log_err("raft: start: %s (%s)", raft_strerror(rc), raft_errmsg(&c->raft));
		return -1;
	}
	log_info("raft: server %s (id %u) on %s, data in %s", a->cfg.node_name, a->cfg.node_id,
		 c->raft_addr, c->raft_dir);
	return 0;
}

struct consensus *consensus_start(struct agent *a)
{
	struct consensus *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->a = a;
	c->server = a->cfg.role == VIGIL_ROLE_SERVER;
	c->vcfg.wait_ns = (uint64_t)a->cfg.wait_period_ms * NSEC_PER_MSEC;
	c->vcfg.report_ttl_ns = 3ULL * a->cfg.report_interval_ms * NSEC_PER_MSEC;
	c->vcfg.min_healthy = a->cfg.min_healthy_hosts;
	reports_init(&c->reports);
	mk_client_init(&c->mk, &a->cfg.masakari);

	uv_timer_init(a->loop, &c->report_timer);
	c->report_timer.data = c;
	uv_timer_start(&c->report_timer, on_report_timer, a->cfg.report_interval_ms,
		       a->cfg.report_interval_ms);
	if (c->server && !a->cfg.masakari.url[0] && !a->cfg.masakari.auth_url[0])
		log_warn("this server has neither masakari.url nor masakari.auth_url: as Raft "
			 "leader it will record verdicts but cannot notify Masakari (they stay "
			 "pending until the configuration is fixed and the agent restarted)");
	if (c->server) {
		if (raft_setup(c, (struct sockaddr *)&a->memb.self.addr)) {
			free(c);
			return NULL;
		}
		uv_timer_init(a->loop, &c->decide_timer);
		c->decide_timer.data = c;
		uv_timer_start(&c->decide_timer, on_decide, DECIDE_MS, DECIDE_MS);
	}
	return c;
}

static void handle_closed(uv_handle_t *h)
{
	struct consensus *c = h->data;

	if (--c->pending_close == 0 && c->done) {
		void (*done)(struct agent *) = c->done;
		struct agent *a = c->a;

		fsm_free(&c->fsm);
		reports_free(&c->reports);
		replay_free(&c->replay_report);
		replay_free(&c->replay_maint);
		free(c);
		done(a);
	}
}

static void raft_closed(struct raft *r)
{
	struct consensus *c = (struct consensus *)((char *)r - offsetof(struct consensus, raft));

	raft_uv_close(&c->io);
	raft_uv_tcp_close(&c->transport);
	uv_close((uv_handle_t *)&c->decide_timer, handle_closed);
}

/* Close every handle of ours; c is freed, and done called, from the close
 * callback of the last one (never earlier: libuv still holds a handle
 * until its close callback has run). */
void consensus_close(struct consensus *c, void (*done)(struct agent *a))
{
	c->closing = 1;
	c->done = done;
	c->pending_close = 1; /* report_timer */
	c->report_timer.data = c;
	uv_timer_stop(&c->report_timer);
	if (c->server) {
		c->pending_close++; /* decide_timer, closed once Raft is */
		c->decide_timer.data = c;
		uv_timer_stop(&c->decide_timer);
		/* Never from inside a Raft callback: we run from a timer here. */
		raft_close(&c->raft, raft_closed);
	}
	uv_close((uv_handle_t *)&c->report_timer, handle_closed);
}

/* ---- status and metrics ---------------------------------------------------------- */

static const char *role_name(int st)
{
	switch (st) {
	case RAFT_FOLLOWER:
		return "follower";
	case RAFT_CANDIDATE:
		return "candidate";
	case RAFT_LEADER:
		return "leader";
	}
	return "unavailable";
}

void consensus_status(const struct consensus *c, json_t *st)
{
	struct consensus *cc = (struct consensus *)c;
	json_t *r, *hosts, *ob, *conf;
	const char *laddr = NULL;
	raft_id lid = 0;

	json_object_set_new(st, "wait_period_ms", json_integer(c->a->cfg.wait_period_ms));
	if (!c->server) {
		json_object_set_new(st, "raft", json_pack("{s:s}", "role", "client"));
		return;
	}
	raft_leader(&cc->raft, &lid, &laddr);
	r = json_pack("{s:s, s:I, s:I, s:s, s:I, s:I, s:I}", "role",
		      role_name(raft_state(&cc->raft)), "term", (json_int_t)cc->raft.current_term,
		      "leader_id", (json_int_t)lid, "leader_address", laddr ? laddr : "",
		      "commit_index", (json_int_t)cc->raft.commit_index, "last_applied",
		      (json_int_t)raft_last_applied(&cc->raft), "voters",
		      (json_int_t)voters_count(&cc->raft));
	conf = json_array();
	for (unsigned i = 0; i < cc->raft.configuration.n; i++) {
		const struct raft_server *s = &cc->raft.configuration.servers[i];

		json_array_append_new(conf, json_pack("{s:I, s:s, s:s}", "id", (json_int_t)s->id,
						      "address", s->address, "role",
						      s->role == RAFT_VOTER	? "voter"
						      : s->role == RAFT_STANDBY ? "standby"
										: "spare"));
	}
	json_object_set_new(r, "configuration", conf);
	json_object_set_new(st, "raft", r);
	hosts = json_array();
	for (size_t i = 0; i < c->fsm.nhosts; i++) {
		const struct fsm_host *h = &c->fsm.hosts[i];

		json_array_append_new(hosts, json_pack("{s:s, s:s, s:s, s:b}", "name", h->name,
						       "hostname", h->hostname, "state",
						       fsm_host_state_name(h->state), "failed",
						       h->failed));
	}
	json_object_set_new(st, "hosts", hosts);
	ob = json_array();
	for (size_t i = 0; i < c->fsm.noutbox; i++) {
		const struct fsm_outbox *o = &c->fsm.outbox[i];
		const struct attempt *at = NULL;

		for (size_t k = 0; k < c->nattempts; k++)
			if (c->attempts[k].outbox_id == o->id)
				at = &c->attempts[k];
		json_array_append_new(
			ob, json_pack("{s:I, s:s, s:s, s:s, s:s, s:I, s:s}", "id", (json_int_t)o->id,
				      "hostname", o->hostname, "event",
				      o->stopped ? "STOPPED" : "STARTED", "status",
				      fsm_outbox_status_name(o->status), "uuid", o->uuid, "tries",
				      (json_int_t)(at ? at->tries : 0), "last_error",
				      at && at->last != MK_DELIVERED && at->last != MK_DUPLICATE
					      ? at->message
					      : ""));
	}
	json_object_set_new(st, "outbox", ob);
}

void consensus_metrics(const struct consensus *c, FILE *f)
{
	struct consensus *cc = (struct consensus *)c;
	size_t pending = 0, held = 0;

	fprintf(f, "# HELP vigil_raft_leader 1 if this server is the Raft leader.\n"
		   "# TYPE vigil_raft_leader gauge\n");
	fprintf(f, "vigil_raft_leader %d\n", c->server && raft_state(&cc->raft) == RAFT_LEADER);
	if (!c->server)
		return;
	fprintf(f, "# HELP vigil_consensus_messages_refused_total Signed REPORT and MAINT "
		   "messages refused: replayed, or sent too far from this server's clock.\n"
		   "# TYPE vigil_consensus_messages_refused_total counter\n");
	for (int r = REPLAY_REPLAY; r <= REPLAY_FULL; r++)
		fprintf(f, "vigil_consensus_messages_refused_total{reason=\"%s\"} %llu\n",
			replay_result_name((enum replay_result)r), (unsigned long long)c->refused[r]);
	fprintf(f, "# HELP vigil_raft_term Current Raft term.\n# TYPE vigil_raft_term gauge\n"
		   "vigil_raft_term %llu\n",
		(unsigned long long)cc->raft.current_term);
	fprintf(f, "# HELP vigil_raft_commit_index Raft commit index.\n"
		   "# TYPE vigil_raft_commit_index gauge\nvigil_raft_commit_index %llu\n",
		(unsigned long long)cc->raft.commit_index);
	for (size_t i = 0; i < c->fsm.noutbox; i++) {
		pending += c->fsm.outbox[i].status == OUTBOX_PENDING;
		held += c->fsm.outbox[i].status == OUTBOX_HELD;
	}
	fprintf(f, "# HELP vigil_notifications_pending Verdicts not yet delivered to Masakari.\n"
		   "# TYPE vigil_notifications_pending gauge\nvigil_notifications_pending %zu\n",
		pending);
	fprintf(f, "# HELP vigil_notifications_held Notifications held: too few healthy hosts "
		   "would remain (alert).\n# TYPE vigil_notifications_held gauge\n"
		   "vigil_notifications_held %zu\n",
		held);
	fprintf(f, "# HELP vigil_failure_verdicts_total Failure verdicts committed.\n"
		   "# TYPE vigil_failure_verdicts_total counter\nvigil_failure_verdicts_total %llu\n",
		(unsigned long long)c->fsm.verdicts);
	fprintf(f, "# HELP vigil_notifications_sent_total Masakari answers by result (this "
		   "server while leader).\n# TYPE vigil_notifications_sent_total counter\n");
	for (int r = MK_DELIVERED; r <= MK_RETRY; r++)
		fprintf(f, "vigil_notifications_sent_total{result=\"%s\"} %llu\n",
			mk_result_name((enum mk_result)r), (unsigned long long)c->sent_by_result[r]);
}
