// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * fuzz_report.c - what a server does with REPORT, MAINT and FORGET datagrams
 * short of Raft: wire_verify, wire_report_decode and wire_maint_decode, the
 * replay checks (replay_check, fsm_maint_newer), reports_update, a forget's
 * checks (the host runs, fsm_forget_check), and the leader's
 * decisions (verdict_left, verdict_next) applied to a small replicated state
 * (fsm.c) as if each command were committed at once — the path of
 * userspace/agent/server.c.
 *
 * Input: a parameter byte (min_healthy_hosts = bits 0-1), then operations:
 *   op & 3 == 0  a datagram: control byte (FZ_FIX, FZ_SIGN, FZ_SIGN_NEXT; with
 *                SMALL, the sender (ctl >> 5), the REPORT's ids and the
 *                MAINT's or FORGET's host (on >> 1) come from 8 hosts hv1..hv8 (compute-1..8, also
 * a REPORT whose host name is empty), its epoch is the clock's and its sequence number the next, so
 * reports meet each other), 16-bit length, the bytes op & 3 == 1  time passes: (byte + 1) * 10 ms
 *   op & 3 == 2  the leader's membership sees host (op >> 2) & 7 in state
 *                (op >> 5) & 3 (for verdict_left; alive, its kernel is heard,
 *                which admits it as a reporter)
 *   op & 3 == 3  the replicated state is snapshotted and restored
 * After each, the leader proposes until nothing is left to decide. Checked:
 * what decodes has valid names; a request is taken once; a forget applies
 * exactly where fsm_forget_check says and never leaves a notification
 * about the host still to go; every proposal applies and changes the state
 * (else the leader would propose it for ever); the decisions converge;
 * afterwards every current reporter the leader's kernel heard is a member
 * under the host name it reports, and no healthy member has the support of
 * a majority; a snapshot restores to the same state.
 */
#include <stddef.h>

#include "fuzz.h"
#include "fsm.h"
#include "replay.h"
#include "verdict.h"

#define SMALL	   0x08
#define MAX_OPS	   256
#define MAX_ROUNDS 64
#define NS_PER_MS  1000000ULL
#define NS_PER_S   1000000000ULL

struct world {
	struct fsm fsm;
	struct reports rs;
	struct replay rp_report; /* (MAINT's marks are replicated, in the fsm) */
	struct verdict_params p;
	struct memb memb; /* the leader's own membership view */
	uint64_t mono, real;
	uint64_t seq; /* SMALL: the senders' message counter */
};

static uint32_t small_id(uint32_t k)
{
	return 0x100 + (k & 7);
}

/* SMALL: make the datagram's ids and names those of hv1..hv8, its epoch now
 * and its sequence number the next. */
static void smallify(struct world *w, uint8_t *buf, size_t len, uint8_t ctl)
{
	uint64_t epoch = htobe64(w->real / NS_PER_S), seq = htobe64(++w->seq);
	uint8_t type;
	uint32_t v;

	if (len < sizeof(struct vigil_hdr))
		return;
	v = htonl(small_id(ctl >> 5));
	memcpy(buf + offsetof(struct vigil_hdr, sender_id), &v, 4);
	type = buf[offsetof(struct vigil_hdr, type)];
	if (type == VIGIL_MSG_REPORT && len >= sizeof(struct vigil_report)) {
		memcpy(buf + offsetof(struct vigil_report, epoch), &epoch, 8);
		memcpy(buf + offsetof(struct vigil_report, seq), &seq, 8);
		if (!buf[offsetof(struct vigil_report, hostname)]) {
			memset(buf + offsetof(struct vigil_report, name), 0, 2 * VIGIL_NAME_LEN);
			snprintf((char *)buf + offsetof(struct vigil_report, name), VIGIL_NAME_LEN,
				 "hv%u", (ctl >> 5) + 1);
			snprintf((char *)buf + offsetof(struct vigil_report, hostname),
				 VIGIL_NAME_LEN, "compute-%u", (ctl >> 5) + 1);
		}
		for (size_t off = sizeof(struct vigil_report); off + 4 <= len; off += 4) {
			memcpy(&v, buf + off, 4);
			v = htonl(small_id(ntohl(v)));
			memcpy(buf + off, &v, 4);
		}
	} else if ((type == VIGIL_MSG_MAINT || type == VIGIL_MSG_FORGET) &&
		   len >= sizeof(struct vigil_maint)) {
		uint8_t *on = buf + offsetof(struct vigil_maint, on);

		memcpy(buf + offsetof(struct vigil_maint, epoch), &epoch, 8);
		memcpy(buf + offsetof(struct vigil_maint, seq), &seq, 8);
		memset(buf + offsetof(struct vigil_maint, host), 0, VIGIL_NAME_LEN);
		snprintf((char *)buf + offsetof(struct vigil_maint, host), VIGIL_NAME_LEN,
			 "compute-%u", ((*on >> 1) & 7) + 1);
		*on = type == VIGIL_MSG_MAINT ? *on & 1 : 0;
	}
}

/* Does host id run, as the leader tells (agent/server.c host_running)? */
static int running(const struct world *w, uint32_t id)
{
	const struct member *mb = memb_find(&w->memb, id);

	return id == w->memb.self.id ||
	       (mb && (mb->state == MEMB_ALIVE || mb->state == MEMB_SUSPECT)) ||
	       reports_current(&w->rs, &w->p, id, w->mono);
}

/* A MAINT or FORGET the leader takes: proposed and committed. A forget
 * goes through only where fsm_forget_check allows it, and then takes the
 * host out of the decided state with nothing about it left to deliver. */
static void request(struct world *w, uint32_t sender, const struct wire_maint *mt)
{
	const struct fsm_host *h = fsm_host_by_name(&w->fsm, mt->host);
	struct fsm_request rq = {sender, mt->epoch, mt->seq, "hv1", mt->reason, w->real};
	enum fsm_request_result want = FSM_REQ_APPLIED;
	const struct fsm_maint_mark *mk;
	uint32_t id = h->id;
	char *cmd;

	if (mt->type == VIGIL_MSG_FORGET) {
		if (running(w, id))
			return;
		want = fsm_forget_check(&w->fsm, h);
		cmd = fsm_cmd_forget(id, &rq);
	} else {
		cmd = fsm_cmd_maint(mt->host, mt->on, &rq);
	}
	FZ_CHECK(cmd, "no command for \"%s\"", mt->host);
	FZ_CHECK(!fsm_apply(&w->fsm, cmd, strlen(cmd)), "request refused: %s", cmd);
	free(cmd);
	mk = fsm_request_mark(&w->fsm, sender);
	FZ_CHECK(mk && !fsm_maint_newer(&w->fsm, sender, mt->epoch, mt->seq),
		 "the same request would be taken again");
	if (mt->type != VIGIL_MSG_FORGET)
		return;
	FZ_CHECK(mk->result == want, "forget came to %s, its check said %s",
		 fsm_request_result_name(mk->result), fsm_request_result_name(want));
	FZ_CHECK(!fsm_host(&w->fsm, id) == (want == FSM_REQ_APPLIED),
		 "host %08x %s after a forget that came to %s", id,
		 fsm_host(&w->fsm, id) ? "stays" : "is gone", fsm_request_result_name(want));
	for (size_t i = 0; want == FSM_REQ_APPLIED && i < w->fsm.noutbox; i++)
		FZ_CHECK(w->fsm.outbox[i].host_id != id ||
				 w->fsm.outbox[i].status == OUTBOX_DELIVERED ||
				 w->fsm.outbox[i].status == OUTBOX_CANCELLED,
			 "host %08x forgotten with notification %llu still to go", id,
			 (unsigned long long)w->fsm.outbox[i].id);
}

/* server_receive on the leader, with each proposal committed at once. */
static void receive(struct world *w, const uint8_t *buf, size_t len)
{
	uint64_t now_s = w->real / NS_PER_S;
	struct vigil_keyring kr;
	struct wire_report r;
	struct wire_maint mt;
	uint32_t sender;

	fz_keyring(&kr);
	if (wire_verify(buf, len, FZ_CLUSTER, &kr, NULL))
		return;
	sender = wire_sender(buf);
	if (wire_type(buf, len) == VIGIL_MSG_REPORT) {
		if (wire_report_decode(buf, len, &r))
			return;
		FZ_CHECK(wire_name_valid(r.name) && wire_name_valid(r.hostname),
			 "a REPORT decoded with a name that is not valid");
		if (replay_check(&w->rp_report, sender, r.epoch, r.seq, now_s) != REPLAY_OK)
			return;
		reports_update(&w->rs, &w->p, sender, r.name, r.hostname, r.ids, r.n, w->mono);
	} else if (wire_type(buf, len) == VIGIL_MSG_MAINT ||
		   wire_type(buf, len) == VIGIL_MSG_FORGET) {
		if (wire_maint_decode(buf, len, &mt))
			return;
		FZ_CHECK(wire_name_valid(mt.host) && wire_name_valid(mt.reason),
			 "a request decoded with a host or reason that is not valid");
		if (!fsm_maint_newer(&w->fsm, sender, mt.epoch, mt.seq) ||
		    mt.epoch > now_s + VIGIL_EPOCH_AHEAD_S || !fsm_host_by_name(&w->fsm, mt.host))
			return;
		request(w, sender, &mt);
	}
}

/* Admitted as a reporter: the leader's kernel heard it, or it is the leader. */
static int admitted(const struct world *w, uint32_t id)
{
	const struct member *mb = memb_find(&w->memb, id);

	return id == w->memb.self.id || (mb && mb->last_ack_ns);
}

/* The leader's loop: propose, commit, until there is nothing to decide. */
static void decide(struct world *w)
{
	int rounds;

	for (rounds = 0; rounds < MAX_ROUNDS; rounds++) {
		char *cmd = verdict_left(&w->fsm, &w->rs, &w->p, &w->memb, w->mono), *before,
		     *after;

		if (!cmd)
			cmd = verdict_next(&w->fsm, &w->rs, &w->p, &w->memb, w->mono, w->real);
		if (!cmd)
			break;
		before = fsm_dump(&w->fsm);
		FZ_CHECK(!fsm_apply(&w->fsm, cmd, strlen(cmd)), "proposal refused: %s", cmd);
		after = fsm_dump(&w->fsm);
		FZ_CHECK(before && after && strcmp(before, after),
			 "proposal %s changes nothing: it would be proposed for ever", cmd);
		free(before);
		free(after);
		free(cmd);
	}
	FZ_CHECK(rounds < MAX_ROUNDS, "no fixpoint after %d proposals", rounds);

	/* What the rule promises once it has nothing left to say. */
	for (size_t i = 0; i < w->rs.n; i++) {
		const struct report *r = &w->rs.r[i];
		const struct fsm_host *h = fsm_host(&w->fsm, r->reporter);

		if (!reports_current(&w->rs, &w->p, r->reporter, w->mono) ||
		    !admitted(w, r->reporter))
			continue;
		FZ_CHECK(h && h->state != FSM_LEFT && !strcmp(h->hostname, r->hostname),
			 "reporter %08x (\"%s\") is not a member under its host name \"%s\"",
			 r->reporter, r->name, r->hostname);
	}
	for (size_t i = 0; i < w->fsm.nhosts; i++) {
		const struct fsm_host *h = &w->fsm.hosts[i];
		size_t support;

		if (h->state != FSM_MEMBER || h->failed)
			continue;
		support = verdict_support(&w->fsm, &w->rs, &w->p, h->id, w->mono);
		FZ_CHECK(2 * support <= fsm_counted(&w->fsm),
			 "host %08x has %zu of %zu reporters and no verdict", h->id, support,
			 fsm_counted(&w->fsm));
	}
}

static void restore(struct world *w)
{
	char *a = fsm_dump(&w->fsm), *b;
	struct fsm f;

	FZ_CHECK(a, "no snapshot");
	fsm_init(&f);
	FZ_CHECK(!fsm_load(&f, a), "own snapshot refused: %s", a);
	b = fsm_dump(&f);
	FZ_CHECK(b && !strcmp(a, b) && f.nhosts == w->fsm.nhosts && f.noutbox == w->fsm.noutbox,
		 "snapshot %s restores as %s", a, b ? b : "(null)");
	fsm_free(&w->fsm);
	w->fsm = f;
	free(a);
	free(b);
}

/* The leader's membership sees hvK in state; alive, its kernel is heard. */
static void leader_sees(struct world *w, unsigned k, uint8_t state)
{
	struct wire_update u;
	struct member *mb;

	memset(&u, 0, sizeof(u));
	u.node_id = small_id(k);
	mb = memb_find(&w->memb, u.node_id);
	u.incarnation = mb ? mb->incarnation + 1 : fz_wall_s(&fz_world) << 32;
	u.state = VIGIL_ST_ALIVE;
	u.from_id = FZ_SELF;
	snprintf(u.name, sizeof(u.name), "hv%u", k + 1);
	if (!mb)
		memb_merge(&w->memb, &u, 1);
	u.state = state;
	memb_merge(&w->memb, &u, 1);
	mb = memb_find(&w->memb, u.node_id);
	if (mb && state == VIGIL_ST_ALIVE)
		mb->last_ack_ns = w->mono;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct verdict_config vc = {.wait_period_ms = 1000, .report_interval_ms = 500};
	struct fz in = {data, size};
	static struct world w;

	memset(&w, 0, sizeof(w));
	fsm_init(&w.fsm);
	reports_init(&w.rs);
	verdict_params_init(&w.p, &vc);
	w.p.min_healthy = fz_u8(&in) & 3;
	fz_memb_init(&w.memb, 1);
	w.mono = fz_world.now;
	w.real = 1764547200 * NS_PER_S; /* 2025-12-01, as docs/protocol.md 13.5 */

	for (int ops = 0; in.n && ops < MAX_OPS; ops++) {
		uint8_t op = fz_u8(&in), ctl, *buf;
		size_t want, len;
		const uint8_t *p;

		switch (op & 3) {
		case 0:
			ctl = fz_u8(&in);
			want = fz_u16(&in) & 0x7ff;
			p = fz_take(&in, want, &len);
			buf = malloc(len ? len : 1);
			if (!buf)
				break;
			memcpy(buf, p, len);
			w.real += NS_PER_MS;
			if (ctl & SMALL)
				smallify(&w, buf, len, ctl);
			fz_seal(buf, len, ctl);
			receive(&w, buf, len);
			free(buf);
			break;
		case 1:
			want = (fz_u8(&in) + 1u) * 10 * NS_PER_MS;
			w.mono += want;
			w.real += want;
			break;
		case 2:
			leader_sees(&w, (op >> 2) & 7, (op >> 5) & 3);
			break;
		case 3:
			restore(&w);
			break;
		}
		decide(&w);
	}
	fsm_free(&w.fsm);
	reports_free(&w.rs);
	replay_free(&w.rp_report);
	memb_free(&w.memb);
	return 0;
}
