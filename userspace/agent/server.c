// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* server.c - Raft among the servers, and the leader's decisions. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <raft/uv.h>

#include "leader_watch.h"
#include "log.h"
#include "raft_conf.h"
#include "raft_fsm.h"
#include "raft_transport.h"
#include "server.h"
#include "util.h"
#include "verdict.h"
#include "voters.h"

#define DECIDE_MS 100

struct pending_req;

struct server {
	/* configuration */
	struct server_params p;
	struct verdict_params vp;
	/* Raft */
	struct raft raft;
	struct raft_io io;
	struct raft_uv_transport transport;
	struct raft_fsm rfsm;
	struct fsm fsm;
	char raft_dir[512];
	char raft_addr[96];
	uv_timer_t decide_timer;
	int proposing;		   /* a proposal of ours is in flight */
	struct raft_change change; /* a voter change of ours is in flight */
	int changing;
	/* what the members tell us */
	struct reports reports;
	struct replay replay_report;	  /* REPORT replay protection, per sender (MAINT's: fsm) */
	uint64_t refused[REPLAY_RESULTS]; /* REPORT/MAINT refused, by replay_result */
	uint64_t malformed;		  /* REPORT/MAINT that did not decode (length, names) */
	uint64_t proposals_failed;
	uint64_t proposal_warned_ns;
	uint64_t clock_warned_ns;
	struct pending_req *pending; /* operators' requests we proposed, until committed */
	/* delivery to Masakari, while leader */
	struct notifier notifier;
	raft_term led_term;	       /* the term this server last led in (0: never) */
	struct leader_watch leaders;   /* leaders seen, each logged (event=raft_leader) */
	struct raft_transfer transfer; /* leadership handed over for delivery ... */
	int transferring;	       /* ... and not done yet */
	/* fencing before a STOPPED may go, while leader */
	struct fencer fencer;
	/* the zone's Masakari segment and Nova aggregate kept in sync, while leader */
	struct reconciler reconciler;
	/* shutdown */
	void (*done)(void *ctx);
	void *done_ctx;
	int closing;
	int pending_close; /* closings still to complete */
};

/* ---- proposals ------------------------------------------------------------------ */

/* A proposal that failed (not leader any more, a full disk, ...): counted,
 * and said at warning level at most every 10 s. */
static void proposal_failed(struct server *s, int status)
{
	uint64_t now = now_mono_ns();

	s->proposals_failed++;
	if (now - s->proposal_warned_ns > 10 * NSEC_PER_SEC) {
		s->proposal_warned_ns = now;
		log_warn("raft: a proposal failed: %s (%llu so far; a full disk under %s?)",
			 raft_strerror(status), (unsigned long long)s->proposals_failed,
			 s->raft_dir);
	}
}

/* Propose cmd (taken over); failures are counted and said. */
static void propose(struct server *s, char *cmd, raft_apply_cb cb)
{
	int rc = raft_fsm_propose(&s->raft, cmd, cb, s);

	if (rc) {
		if (cb)
			s->proposing = 0;
		proposal_failed(s, rc);
	}
}

/* ---- the members' REPORTs and MAINTs ----------------------------------------- */

/* Take a REPORT or MAINT only if it is newer than the last one from its
 * sender and near our clock (replay.h); count and explain the others. */
static int replay_ok(struct server *s, struct replay *f, uint32_t sender, uint64_t epoch,
		     uint64_t seq)
{
	uint64_t now = now_real_ns();
	enum replay_result r = replay_check(f, sender, epoch, seq, now / NSEC_PER_SEC);

	if (r == REPLAY_OK)
		return 1;
	s->refused[r]++;
	if (r == REPLAY_FUTURE && now - s->clock_warned_ns > 10 * NSEC_PER_SEC) {
		s->clock_warned_ns = now;
		log_warn("refusing messages from node %08x: its epoch is %.0f s ahead of our clock "
			 "(more than %d s: its clock, or ours, is wrong; check NTP) or forged",
			 sender, (double)epoch - (double)(now / NSEC_PER_SEC), VIGIL_EPOCH_AHEAD_S);
	}
	return 0;
}

static void server_request(struct server *s, const void *buf, size_t len,
			   const struct sockaddr *from);

void server_receive(struct server *s, const void *buf, size_t len, const struct sockaddr *from)
{
	uint32_t sender;

	if (s->closing || wire_verify(buf, len, s->p.cluster_id, s->p.keys, NULL))
		return;
	sender = wire_sender(buf);
	if (wire_type(buf, len) == VIGIL_MSG_REPORT) {
		struct wire_report r;

		if (wire_report_decode(buf, len, &r)) {
			s->malformed++;
			return;
		}
		if (!replay_ok(s, &s->replay_report, sender, r.epoch, r.seq))
			return;
		reports_update(&s->reports, &s->vp, sender, r.name, r.hostname, r.ids, r.n,
			       now_mono_ns());
	} else if (wire_type(buf, len) == VIGIL_MSG_MAINT ||
		   wire_type(buf, len) == VIGIL_MSG_FORGET) {
		server_request(s, buf, len, from);
	}
}

/* ---- the leader's decisions ---------------------------------------------------- */

static void proposed(struct raft_apply *req, int status, void *result)
{
	struct server *s = req->data;

	(void)result;
	s->proposing = 0;
	if (status) {
		proposal_failed(s, status);
		return;
	}
	/* libraft calls this right after applying our entry: the outbox
	 * entries it created are this leader's own, sent by nobody else. */
	for (uint64_t id = s->fsm.created_from; id < s->fsm.next_outbox_id; id++)
		outbox_created(&s->notifier.out, id);
}

/* The notifier's "delivered", proposed if we still lead. */
static void record(void *ctx, char *cmd)
{
	struct server *s = ctx;

	if (s->closing || raft_state(&s->raft) != RAFT_LEADER) {
		free(cmd);
		return;
	}
	propose(s, cmd, NULL);
}

/* "ADDR:raft_port": the address Raft knows a server by, whatever port sa has
 * (sin_port and sin6_port sit at the same offset). */
static void raft_address(const struct server *s, const struct sockaddr *sa, char *out, size_t size)
{
	raft_conf_address(sa, s->p.raft->port, out, size);
}

static void changed(struct raft_change *req, int status)
{
	struct server *s = req->data;

	s->changing = 0;
	if (status)
		log_warn("raft: configuration change not done: %s", raft_strerror(status));
}

/* One voter change at a time, as core/voters.c decides. */
static void follow_membership(struct server *s)
{
	struct voter_change vc;
	char addr[128];
	int rc;

	if (s->changing)
		return;
	s->change.data = s; /* changed() finds us through it */
	switch (voters_next(&s->raft.configuration, s->p.memb, &s->fsm,
			    (unsigned)s->p.raft->nservers, &vc)) {
	case VOTER_NONE:
		return;
	case VOTER_ADD:
		raft_address(s, (const struct sockaddr *)&vc.member->addr, addr, sizeof(addr));
		log_event(LOG_LVL_INFO, "raft_add", "server=%s address=%s", vc.member->name, addr);
		rc = raft_add(&s->raft, &s->change, vc.member->id, addr, changed);
		break;
	case VOTER_PROMOTE:
		log_event(LOG_LVL_INFO, "raft_promote", "server=%s reason=%s", vc.member->name,
			  vc.why);
		rc = raft_assign(&s->raft, &s->change, vc.member->id, RAFT_VOTER, changed);
		break;
	case VOTER_REMOVE:
	default:
		log_event(LOG_LVL_INFO, "raft_remove", "server=%s reason=%s", vc.member->name,
			  vc.why);
		rc = raft_remove(&s->raft, &s->change, vc.member->id, changed);
		break;
	}
	if (rc)
		log_warn("raft: cannot change the configuration for %s: %s", vc.member->name,
			 raft_strerror(rc));
	else
		s->changing = 1;
}

/* The Raft id `who` names: a number, or a server's name (ids are derived
 * from names). 0 if it names no server of the configuration. */
static raft_id peer_id(const struct raft_configuration *conf, const char *who)
{
	char *end;
	unsigned long n = strtoul(who, &end, 10);
	raft_id id = *who && !*end ? (raft_id)n : wire_name_id(who);

	for (unsigned i = 0; i < conf->n; i++)
		if (conf->servers[i].id == id)
			return id;
	return 0;
}

int server_leads(struct server *s, char *msg, size_t n)
{
	const char *laddr = NULL;
	raft_id lid = 0;

	if (raft_state(&s->raft) == RAFT_LEADER)
		return 1;
	raft_leader(&s->raft, &lid, &laddr);
	snprintf(msg, n, "this server is not the Raft leader; run the command on the leader (%s)",
		 laddr ? laddr : "none elected");
	return 0;
}

unsigned server_remove_peer(struct server *s, const char *who, char *msg, size_t n)
{
	const struct member *mb;
	raft_id id;
	int rc;

	if (!server_leads(s, msg, n))
		return 409;
	id = peer_id(&s->raft.configuration, who);
	if (!id) {
		snprintf(msg, n,
			 "%s is not in the Raft configuration (see `vigil operator raft "
			 "list-peers`)",
			 who);
		return 404;
	}
	if (id == s->p.node_id) {
		snprintf(msg, n,
			 "%s is this leader: run the command on another server after "
			 "`vigil leave` here, or let another server lead",
			 who);
		return 409;
	}
	mb = memb_find(s->p.memb, (uint32_t)id);
	if (mb && (mb->state == MEMB_ALIVE || mb->state == MEMB_SUSPECT)) {
		snprintf(msg, n,
			 "%s is %s: a server that runs would be added back; stop it with "
			 "`vigil leave` on it first",
			 who, memb_state_name(mb->state));
		return 409;
	}
	if (s->changing) {
		snprintf(msg, n, "another configuration change is in flight; retry in a moment");
		return 503;
	}
	s->change.data = s;
	rc = raft_remove(&s->raft, &s->change, id, changed);
	if (rc) {
		snprintf(msg, n, "libraft refused: %s", raft_strerror(rc));
		return 409;
	}
	s->changing = 1;
	log_event(LOG_LVL_WARN, "raft_remove", "server=%s reason=operator", who);
	snprintf(msg, n,
		 "removal of %s (id %llu) proposed; `vigil operator raft list-peers` "
		 "shows it gone once committed",
		 who, (unsigned long long)id);
	return 202;
}

/* ---- operators' requests: MAINT and FORGET, answered ----------------------------- */

/* A request this leader proposed, until its entry is committed (or not). */
struct pending_req {
	struct server *s;
	struct pending_req *next;
	struct wire_maint w;
	uint32_t sender;
	struct fsm_host host; /* the host it is about, as it was */
	char by[FSM_NAME_MAX];
	struct sockaddr_storage from; /* where to answer; fromlen 0: this agent */
	socklen_t fromlen;
};

static const struct sockaddr *answer_to(const struct pending_req *p)
{
	return p->fromlen ? (const struct sockaddr *)&p->from : NULL;
}

/* Tell the requester at `to` what came of request w (the host's decided
 * state as it is now). */
static void answer(struct server *s, const struct wire_maint *w, const struct sockaddr *to,
		   enum vigil_answer_result result, uint8_t flags)
{
	static const uint8_t states[] = {
		[FSM_MEMBER] = VIGIL_HOST_MEMBER,
		[FSM_MAINTENANCE] = VIGIL_HOST_MAINTENANCE,
		[FSM_FAILED] = VIGIL_HOST_FAILED,
		[FSM_LEFT] = VIGIL_HOST_LEFT,
	};
	const struct fsm_host *h = fsm_host_by_name(&s->fsm, w->host);
	struct wire_answer a = {
		.request = w->type,
		.on = w->on,
		.result = (uint8_t)result,
		.state = h ? states[h->state] : VIGIL_HOST_NONE,
		.flags = flags,
		.epoch = w->epoch,
		.seq = w->seq,
	};
	struct vigil_answer m;
	size_t len;

	snprintf(a.host, sizeof(a.host), "%s", w->host);
	len = wire_answer_encode(&m, s->p.cluster_id, s->p.node_id, &a);
	if (s->p.answer)
		s->p.answer(s->p.ctx, to, &m, len);
}

/* The name of node id, for the record: the node a request came through. */
static void node_name(const struct server *s, uint32_t id, char *out, size_t n)
{
	const struct member *mb = memb_find(s->p.memb, id);
	const struct fsm_host *h = fsm_host(&s->fsm, id);

	if (id == s->p.node_id)
		snprintf(out, n, "%s", s->p.node_name);
	else if (mb || h)
		snprintf(out, n, "%s", mb ? mb->name : h->name);
	else
		snprintf(out, n, "node-%08x", id);
}

static int in_raft_configuration(const struct server *s, uint32_t id)
{
	for (unsigned i = 0; i < s->raft.configuration.n; i++)
		if (s->raft.configuration.servers[i].id == id)
			return 1;
	return 0;
}

/* What the replicated state recorded of a request, for its ANSWER. */
static enum vigil_answer_result answer_result(enum fsm_request_result r)
{
	switch (r) {
	case FSM_REQ_APPLIED:
		return VIGIL_ANS_APPLIED;
	case FSM_REQ_UNKNOWN:
		break;
	case FSM_REQ_ALREADY:
		return VIGIL_ANS_ALREADY;
	case FSM_REQ_PENDING:
		return VIGIL_ANS_PENDING;
	case FSM_REQ_UNDECIDED:
		return VIGIL_ANS_UNDECIDED;
	}
	return VIGIL_ANS_UNKNOWN;
}

/* The request's entry is committed (or not): answer with what the replicated
 * state recorded of it, once. Not committed: no answer; the requester sends
 * it again, and the leader then (this one or another) decides. */
static void request_committed(struct raft_apply *req, int status, void *result)
{
	struct pending_req *p = req->data, **pp;
	struct server *s = p->s;
	const struct fsm_maint_mark *mk = fsm_request_mark(&s->fsm, p->sender);
	int applied, voter = 0;
	char why[3 * FSM_REASON_MAX];

	(void)result;
	for (pp = &s->pending; *pp && *pp != p; pp = &(*pp)->next)
		;
	if (*pp)
		*pp = p->next;
	if (status || !mk || mk->epoch != p->w.epoch || mk->seq != p->w.seq) {
		if (status)
			proposal_failed(s, status);
		free(p);
		return;
	}
	applied = mk->result == FSM_REQ_APPLIED;
	log_value(p->w.reason, why, sizeof(why));
	if (!applied) {
		log_info("%s request for %s not applied: %s",
			 p->w.type == VIGIL_MSG_MAINT ? "maintenance" : "forget", p->host.name,
			 fsm_request_result_name(mk->result));
	} else if (p->w.type == VIGIL_MSG_MAINT) {
		log_event(LOG_LVL_INFO, "maintenance", "host=%s on=%d by=%s reason=%s",
			  p->host.name, p->w.on, p->by, why);
	} else {
		voter = in_raft_configuration(s, p->host.id);
		log_event(LOG_LVL_WARN, "forget", "host=%s hostname=%s was=%s by=%s reason=%s",
			  p->host.name, p->host.hostname, fsm_host_state_name(p->host.state), p->by,
			  why);
		if (voter)
			log_warn("%s is forgotten but still a Raft voter: `vigil operator raft "
				 "remove-peer %s` on the leader removes it",
				 p->host.name, p->host.name);
	}
	answer(s, &p->w, answer_to(p), answer_result(mk->result), voter ? VIGIL_ANSF_VOTER : 0);
	free(p);
}

/* Is the host alive as this leader knows it: its kernel answers (or it is
 * only suspected), or it reports? Then it is not gone. */
static int host_running(struct server *s, uint32_t id)
{
	const struct member *mb = memb_find(s->p.memb, id);

	return id == s->p.node_id ||
	       (mb && (mb->state == MEMB_ALIVE || mb->state == MEMB_SUSPECT)) ||
	       reports_current(&s->reports, &s->vp, id, now_mono_ns());
}

/* A MAINT or FORGET, on the leader: taken once (the sender's mark in the
 * replicated state), proposed, answered when committed; a repeat of one
 * taken is answered as it was; an unknown host, or a FORGET of a host that
 * runs, is answered at once, and nothing changes. */
static void server_request(struct server *s, const void *buf, size_t len,
			   const struct sockaddr *from)
{
	uint32_t sender = wire_sender(buf);
	const struct fsm_maint_mark *mk;
	const struct fsm_host *h;
	struct fsm_request rq;
	struct pending_req *p;
	struct wire_maint w;
	char *cmd;
	int rc;

	if (wire_maint_decode(buf, len, &w)) {
		s->malformed++;
		return;
	}
	if (raft_state(&s->raft) != RAFT_LEADER)
		return;
	if (w.epoch > now_real_ns() / NSEC_PER_SEC + VIGIL_EPOCH_AHEAD_S) {
		s->refused[REPLAY_FUTURE]++;
		return;
	}
	mk = fsm_request_mark(&s->fsm, sender);
	if (mk && mk->epoch == w.epoch && mk->seq == w.seq) {
		answer(s, &w, from, answer_result(mk->result), 0);
		return;
	}
	if (!fsm_maint_newer(&s->fsm, sender, w.epoch, w.seq)) {
		s->refused[REPLAY_REPLAY]++;
		return;
	}
	for (p = s->pending; p; p = p->next)
		if (p->sender == sender && p->w.epoch == w.epoch && p->w.seq == w.seq)
			return; /* a repeat of one on its way: answered when committed */
	h = fsm_host_by_name(&s->fsm, w.host);
	if (!h) {
		log_warn("%s request for unknown host \"%s\" ignored",
			 w.type == VIGIL_MSG_MAINT ? "maintenance" : "forget", w.host);
		answer(s, &w, from, VIGIL_ANS_UNKNOWN, 0);
		return;
	}
	if (w.type == VIGIL_MSG_FORGET && host_running(s, h->id)) {
		log_warn("forget request for %s refused: it is alive (or still reports)", h->name);
		answer(s, &w, from, VIGIL_ANS_ALIVE, 0);
		return;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		return;
	p->s = s;
	p->w = w;
	p->sender = sender;
	p->host = *h;
	node_name(s, sender, p->by, sizeof(p->by));
	if (from) {
		p->fromlen = from->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
							 : sizeof(struct sockaddr_in);
		memcpy(&p->from, from, p->fromlen);
	}
	rq = (struct fsm_request){
		.sender = sender,
		.epoch = w.epoch,
		.seq = w.seq,
		.by = p->by,
		.reason = w.reason,
		.at = now_real_ns(),
	};
	cmd = w.type == VIGIL_MSG_MAINT ? fsm_cmd_maint(w.host, w.on, &rq)
					: fsm_cmd_forget(h->id, &rq);
	rc = raft_fsm_propose(&s->raft, cmd, request_committed, p);
	if (rc) {
		proposal_failed(s, rc);
		free(p);
		return;
	}
	p->next = s->pending;
	s->pending = p;
}

/* ---- snapshot restore ----------------------------------------------------------- */

struct restore_req {
	struct server *s;
	void (*done)(void *ctx, void *arg, unsigned code, const char *msg);
	void *ctx, *arg;
	char reason[FSM_REASON_MAX];
};

static void restored(struct raft_apply *req, int status, void *result)
{
	struct restore_req *r = req->data;
	char msg[256], why[3 * FSM_REASON_MAX];

	if (status) {
		proposal_failed(r->s, status);
		snprintf(msg, sizeof(msg), "the restore was not committed: %s",
			 raft_strerror(status));
		r->done(r->ctx, r->arg, 503, msg);
	} else if (!result) {
		r->done(r->ctx, r->arg, 400, "the servers skipped the restore as malformed");
	} else {
		log_value(r->reason, why, sizeof(why));
		log_event(LOG_LVL_WARN, "snapshot_restore", "by=%s hosts=%zu reason=%s",
			  r->s->p.node_name, r->s->fsm.nhosts, why);
		r->done(r->ctx, r->arg, 200, "restored");
	}
	free(r);
}

unsigned server_restore(struct server *s, const char *state, const char *reason,
			void (*done)(void *ctx, void *arg, unsigned code, const char *msg),
			void *ctx, void *arg, char *msg, size_t n)
{
	struct restore_req *r;
	char *cmd;
	int rc;

	if (!server_leads(s, msg, n))
		return 409;
	r = calloc(1, sizeof(*r));
	cmd = fsm_cmd_restore(state, s->p.node_name, reason, now_real_ns());
	if (!r || !cmd) {
		free(r);
		free(cmd);
		snprintf(msg, n, "out of memory");
		return 503;
	}
	*r = (struct restore_req){.s = s, .done = done, .ctx = ctx, .arg = arg};
	snprintf(r->reason, sizeof(r->reason), "%s", reason);
	rc = raft_fsm_propose(&s->raft, cmd, restored, r);
	if (rc) {
		free(r);
		snprintf(msg, n, "libraft refused the restore: %s", raft_strerror(rc));
		return 503;
	}
	return 0;
}

static void transferred(struct raft_transfer *req)
{
	struct server *s = req->data;
	const char *addr = NULL;
	raft_id lid = 0;

	s->transferring = 0;
	if (s->closing)
		return;
	raft_leader(&s->raft, &lid, &addr);
	if (lid != req->id)
		log_warn("raft: leadership was not taken over by server %llu (leader now: %s); "
			 "this server stays leader and keeps trying to deliver",
			 (unsigned long long)req->id, addr ? addr : "none");
}

/* This leader cannot deliver (outbox_transfer_due): let the most
 * up-to-date voter lead, which may reach Masakari where we cannot. */
/* A server by name for a log line: this one's, a member's, or its Raft id. */
static void server_name(const struct server *s, raft_id id, char *name, size_t n)
{
	const struct member *mb;

	if (id == s->p.node_id)
		snprintf(name, n, "%s", s->p.node_name);
	else if ((mb = memb_find(s->p.memb, (uint32_t)id)))
		snprintf(name, n, "%s", mb->name);
	else
		snprintf(name, n, "%llu", (unsigned long long)id);
}

static void hand_over(struct server *s, uint64_t now)
{
	const struct outbox_sender *out = &s->notifier.out;
	unsigned long long failures = out->run, secs = (now - out->run_since_ns) / NSEC_PER_SEC;
	char to_name[FSM_NAME_MAX];
	int rc;

	s->transfer.data = s;
	rc = raft_transfer(&s->raft, &s->transfer, 0, transferred);
	outbox_transferred(&s->notifier.out, now); /* failed or not: not again for a while */
	if (rc) {
		log_warn(
			"raft: cannot hand leadership over after %llu failed deliveries in %llu s: "
			"%s",
			failures, secs, raft_strerror(rc));
		return;
	}
	s->transferring = 1;
	server_name(s, s->transfer.id, to_name, sizeof(to_name));
	log_event(LOG_LVL_WARN, "leader_transfer",
		  "reason=delivery failures=%llu seconds=%llu to=%s", failures, secs, to_name);
}

/* A new Raft leader, or one re-elected in a new term: one line on every
 * server, so a log says who led when (a leadership that moves often is
 * the first thing to look at when notifications are late). */
static void watch_leader(struct server *s)
{
	const char *addr = NULL;
	raft_id id = 0;
	char name[FSM_NAME_MAX];

	raft_leader(&s->raft, &id, &addr);
	if (!leader_watch_see(&s->leaders, id, s->raft.current_term))
		return;
	server_name(s, id, name, sizeof(name));
	log_event(LOG_LVL_INFO, "raft_leader", "leader=%s term=%llu self=%d", name,
		  (unsigned long long)s->raft.current_term, id == s->p.node_id);
}

static void on_decide(uv_timer_t *t)
{
	struct server *s = t->data;
	uint64_t now = now_mono_ns();
	char *cmd;

	watch_leader(s);

	/* Before the leadership check: a deposed leader stops fencing. */
	fencer_step(&s->fencer, !s->closing && raft_state(&s->raft) == RAFT_LEADER);
	reconciler_step(&s->reconciler, !s->closing && raft_state(&s->raft) == RAFT_LEADER);
	if (s->closing || raft_state(&s->raft) != RAFT_LEADER)
		return;
	if (s->led_term != s->raft.current_term) {
		/* Leader anew: earlier attempts may have been overtaken. */
		s->led_term = s->raft.current_term;
		outbox_lead(&s->notifier.out);
	}
	if (s->transferring)
		return;
	if (outbox_transfer_due(&s->notifier.out, &s->fsm, now)) {
		hand_over(s, now);
		return;
	}
	if (!s->proposing) {
		follow_membership(s);
		cmd = verdict_left(&s->fsm, &s->reports, &s->vp, s->p.memb, now);
		if (!cmd)
			cmd = verdict_next(&s->fsm, &s->reports, &s->vp, s->p.memb, now,
					   now_real_ns());
		if (cmd) {
			s->proposing = 1;
			propose(s, cmd, proposed);
		}
	}
	notifier_step(&s->notifier, &s->fsm);
}

/* Is host id's agent reporting (the reconciler forgets only a stopped one)? */
static int reporting(void *ctx, uint32_t id)
{
	struct server *s = ctx;

	return reports_current(&s->reports, &s->vp, id, now_mono_ns());
}

/* A notification about hostname waits while the reconciler adds it to the
 * segment. */
static int segment_wait(void *ctx, const char *hostname)
{
	struct server *s = ctx;

	return reconciler_waits(&s->reconciler, hostname);
}

/* ---- life cycle ------------------------------------------------------------------ */

static int bootstrap(struct server *s)
{
	const struct raft_config *rc_ = s->p.raft;
	struct raft_configuration conf;
	char err[256];
	int rc;

	if (!rc_->nservers)
		return 0;
	if (raft_conf_build(&conf, (const char(*)[96])rc_->servers, rc_->nservers, rc_->port, err,
			    sizeof(err))) {
		log_err("raft: %s", err);
		return -1;
	}
	rc = raft_bootstrap(&s->raft, &conf);
	raft_configuration_close(&conf);
	if (rc && rc != RAFT_CANTBOOTSTRAP) {
		log_err("raft: bootstrap: %s", raft_strerror(rc));
		return -1;
	}
	if (!rc)
		log_info("raft: bootstrapped with %d servers", rc_->nservers);
	return 0;
}

/* Whom the Raft transport lets in: a server of the current configuration
 * (the latest, committed or not), of the configured servers list, or a
 * member in the server role (a server the leader added later is in no
 * list but is gossiped as a server by the membership, under the key). */
static int raft_known(void *ctx, uint64_t id)
{
	struct server *s = ctx;
	const struct raft_configuration *conf = &s->raft.configuration;

	for (unsigned i = 0; i < conf->n; i++)
		if (conf->servers[i].id == id)
			return 1;
	for (int i = 0; i < s->p.raft->nservers; i++)
		if (raft_conf_entry_id(s->p.raft->servers[i]) == id)
			return 1;
	for (size_t i = 0; i < s->p.memb->n; i++)
		if (s->p.memb->members[i]->id == id &&
		    s->p.memb->members[i]->role == VIGIL_ROLE_SERVER)
			return 1;
	return 0;
}

static int raft_setup(struct server *s)
{
	struct raft_transport_params tp = {
		.loop = s->p.loop,
		.cluster_id = s->p.cluster_id,
		.keys = s->p.keys,
		.known = raft_known,
		.ctx = s,
	};
	int rc;

	snprintf(s->raft_dir, sizeof(s->raft_dir), "%s/raft", s->p.data_dir);
	rc = mkdir_p(s->raft_dir, 0700);
	if (rc) {
		log_err("raft: cannot create %s: %s", s->raft_dir, strerror(-rc));
		return -1;
	}
	raft_address(s, s->p.self, s->raft_addr, sizeof(s->raft_addr));

	fsm_init(&s->fsm);
	raft_fsm_init(&s->rfsm, &s->fsm);
	if ((rc = raft_transport_init(&s->transport, &tp)) ||
	    (rc = raft_uv_init(&s->io, s->p.loop, s->raft_dir, &s->transport))) {
		log_err("raft: cannot set up its I/O in %s: %s", s->raft_dir, raft_strerror(rc));
		return -1;
	}
	raft_uv_set_segment_size(&s->io, 1 << 20); /* default 8 MiB per segment */
	rc = raft_init(&s->raft, &s->io, &s->rfsm, s->p.node_id, s->raft_addr);
	if (rc) {
		log_err("raft: init: %s", raft_strerror(rc));
		return -1;
	}
	raft_set_election_timeout(&s->raft, s->p.raft->election_timeout_ms);
	raft_set_heartbeat_timeout(&s->raft, s->p.raft->election_timeout_ms / 10 + 1);
	raft_set_snapshot_threshold(&s->raft, 512);
	raft_set_snapshot_trailing(&s->raft, 128);
	raft_set_pre_vote(&s->raft, true);
	if (bootstrap(s))
		return -1;
	rc = raft_start(&s->raft);
	if (rc) {
		log_err("raft: start: %s (%s)", raft_strerror(rc), raft_errmsg(&s->raft));
		return -1;
	}
	log_info("raft: server %s (id %u) on %s, data in %s", s->p.node_name, s->p.node_id,
		 s->raft_addr, s->raft_dir);
	return 0;
}

/* What the fencer knows beyond the replicated state (fence.h): the host's
 * storage heartbeat, and whether the reports cut it off from a majority of
 * every host. */
static enum fence_evidence host_evidence(void *ctx, const struct fsm_outbox *o, uint64_t now)
{
	struct server *s = ctx;
	const struct fsm_host *h = fsm_host(&s->fsm, o->host_id);

	return shb_evidence(s->p.storage, h ? h->name : o->hostname, now);
}

static int host_cut_off(void *ctx, uint32_t host_id, uint64_t now)
{
	struct server *s = ctx;

	return verdict_cut_off(&s->fsm, &s->reports, &s->vp, host_id, now);
}

struct server *server_start(const struct server_params *p)
{
	struct server *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->p = *p;
	verdict_params_init(&s->vp, p->verdict);
	s->vp.fence_mode = fence_mode_name(p->fencing->mode);
	reports_init(&s->reports);
	notifier_init(&s->notifier, p->loop, p->masakari, record, s);
	fencer_init(&s->fencer, p->loop, p->fencing, p->masakari, &s->fsm, record, s);
	reconciler_init(&s->reconciler, p->loop, p->reconcile, p->cluster, p->masakari,
			p->fencing->nova_url, &s->fsm, record, reporting, s);
	s->notifier.out.wait = segment_wait;
	s->notifier.out.wait_ctx = s;
	s->fencer.env = (struct fence_env){host_evidence, host_cut_off, s};
	if (!p->masakari->url[0] && !p->masakari->auth_url[0])
		log_warn("this server has neither masakari.url nor masakari.auth_url: as Raft "
			 "leader it will record verdicts but cannot notify Masakari (they stay "
			 "pending until the configuration is fixed and the agent restarted)");
	if (raft_setup(s)) {
		free(s);
		return NULL;
	}
	uv_timer_init(p->loop, &s->decide_timer);
	s->decide_timer.data = s;
	uv_timer_start(&s->decide_timer, on_decide, DECIDE_MS, DECIDE_MS);
	return s;
}

/* One closing done; the last frees s (never earlier: libuv still holds a
 * handle until its close callback has run, the pool a job until it ends). */
static void close_step(struct server *s)
{
	void (*done)(void *) = s->done;
	void *ctx = s->done_ctx;

	if (--s->pending_close)
		return;
	while (s->pending) { /* (libraft ended their requests when it closed) */
		struct pending_req *p = s->pending;

		s->pending = p->next;
		free(p);
	}
	fsm_free(&s->fsm);
	reports_free(&s->reports);
	replay_free(&s->replay_report);
	free(s);
	done(ctx);
}

static void timer_closed(uv_handle_t *h)
{
	close_step(h->data);
}

/* The notifier, the fencer or the reconciler is closed. */
static void part_closed(void *ctx)
{
	close_step(ctx);
}

static void raft_closed(struct raft *r)
{
	struct server *s = (struct server *)((char *)r - offsetof(struct server, raft));

	raft_uv_close(&s->io);
	raft_transport_close(&s->transport);
	uv_close((uv_handle_t *)&s->decide_timer, timer_closed);
}

void server_close(struct server *s, void (*done)(void *ctx), void *ctx)
{
	s->closing = 1;
	s->done = done;
	s->done_ctx = ctx;
	/* the decide timer, closed once Raft is; the notifier; the fencer; the reconciler */
	s->pending_close = 4;
	s->decide_timer.data = s;
	uv_timer_stop(&s->decide_timer);
	raft_close(&s->raft, raft_closed);
	notifier_close(&s->notifier, part_closed, s);
	fencer_close(&s->fencer, part_closed, s);
	reconciler_close(&s->reconciler, part_closed, s);
}

void server_view(struct server *s, struct server_view *v)
{
	v->raft = &s->raft;
	v->fsm = &s->fsm;
	v->outbox = &s->notifier.out;
	v->refused = s->refused;
	v->malformed = s->malformed;
	v->proposals_failed = s->proposals_failed;
	v->raft_refused = raft_transport_refused(&s->transport);
	v->wait_period_ms = s->p.verdict->wait_period_ms;
	v->leader_changes = s->leaders.changes;
	v->contradicted = raft_state(&s->raft) == RAFT_LEADER ? s->reports.contradicted : 0;
	v->recovery_held = raft_state(&s->raft) == RAFT_LEADER ? s->reports.recovery_held : 0;
	v->fencer = &s->fencer;
	v->reconciler = &s->reconciler;
	v->storage = s->p.storage;
}
