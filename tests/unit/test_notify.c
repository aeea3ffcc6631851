// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_notify.c - the notifier's exactly-once delivery (core/outbox.c):
 * which entry the leader sends, what each answer means, the retry backoff,
 * when an entry is looked up in Masakari before it is sent, when a leader
 * whose deliveries fail hands leadership over, and, through libraft's
 * fixture with three servers, that a leader killed between Masakari's 202
 * and the commit of "delivered" is replaced by one that finds the
 * notification instead of sending it again, and that a second failure of a
 * host Masakari keeps on_maintenance is refused, kept and delivered once the
 * flag is cleared.
 *
 * Masakari is modelled by its rules (masakari/ha/api.py, Debian 14.0.2):
 * a host on_maintenance is refused first (409); then a notification for the
 * same host and payload generated within the detection interval is a
 * duplicate (409), whatever became of the one it repeats, so a host's second
 * failure within the interval is refused as its first's duplicate;
 * processing a STOPPED sets on_maintenance (the engine).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include "masakari.h"
#include "outbox.h"
#include "raft_cluster.h"

#define NS_MS 1000000ULL
#define NS_S  1000000000ULL
/* Masakari's duplicate_notification_detection_interval (its default) */
#define MK_DUP_INTERVAL_NS (180 * NS_S)

/* ---- a model of Masakari's notification store -------------------------------- */

struct mk_model {
	struct {
		char hostname[64];
		char generated_time[64];
		char event[16];
		uint64_t at; /* generated_time in ns */
	} rec[16];
	int n;
	int window; /* the duplicate rule by the detection interval; 0: the same time only */
	char on_maintenance[64]; /* the host Masakari keeps on_maintenance, or "" */
	int finds, sends;	 /* calls */
	int find_fails;		 /* lookups that fail (cannot tell) before one works */
};

/* One delivery's context for outbox_deliver: the model and the entry. */
struct mk_call {
	struct mk_model *mk;
	struct mk_notification note;
	uint64_t entry, sent; /* the entry's time, the time it is sent with (ns) */
};

/* GET /v1/notifications of the host, matched on generated_time and event. */
static int mk_model_find(void *ctx)
{
	struct mk_call *c = ctx;
	struct mk_model *mk = c->mk;

	mk->finds++;
	if (mk->find_fails) {
		mk->find_fails--;
		return -1;
	}
	for (int i = 0; i < mk->n; i++)
		if (!strcmp(mk->rec[i].hostname, c->note.hostname) &&
		    !strcmp(mk->rec[i].event, c->note.event) &&
		    (c->note.sent_time[0]
			     ? mk->rec[i].at >= c->entry
			     : !strcmp(mk->rec[i].generated_time, c->note.generated_time)))
			return 1;
	return 0;
}

/* POST /v1/notifications as the payload mk_send builds it. */
static enum notify_result mk_model_send(void *ctx)
{
	struct mk_call *c = ctx;
	struct mk_model *mk = c->mk;

	mk->sends++;
	if (!strcmp(mk->on_maintenance, c->note.hostname))
		return NOTIFY_ON_MAINTENANCE; /* checked first */
	for (int i = 0; i < mk->n; i++)
		if (!strcmp(mk->rec[i].hostname, c->note.hostname) &&
		    (mk->window ? !strcmp(mk->rec[i].event, c->note.event) &&
					  mk->rec[i].at + MK_DUP_INTERVAL_NS >= c->sent
				: !strcmp(mk->rec[i].generated_time, c->note.generated_time)))
			return NOTIFY_DUPLICATE;
	assert_true(mk->n < 16);
	snprintf(mk->rec[mk->n].hostname, sizeof(mk->rec[0].hostname), "%s", c->note.hostname);
	snprintf(mk->rec[mk->n].generated_time, sizeof(mk->rec[0].generated_time), "%s",
		 c->note.sent_time[0] ? c->note.sent_time : c->note.generated_time);
	snprintf(mk->rec[mk->n].event, sizeof(mk->rec[0].event), "%s", c->note.event);
	mk->rec[mk->n].at = c->sent;
	mk->n++;
	return NOTIFY_DELIVERED;
}

static const struct outbox_ops mk_model_ops = {mk_model_find, mk_model_send};

/* Deliver entry o to the model as the notifier does, sent with the time
 * `fresh` (ns; 0: the entry's own). */
static enum notify_result mk_model_deliver_at(struct mk_model *mk, const struct fsm_outbox *o,
					      int unsure, uint64_t fresh)
{
	struct mk_call c = {.mk = mk, .entry = o->generated_at, .sent = o->generated_at};

	mk_notification_init(&c.note, o->hostname, o->stopped, o->power_off_confirmed,
			     o->generated_at);
	if (fresh) {
		mk_notification_sent_at(&c.note, fresh);
		c.sent = fresh;
	}
	return outbox_deliver(&mk_model_ops, &c, unsure);
}

static enum notify_result mk_model_deliver(struct mk_model *mk, const struct fsm_outbox *o,
					   int unsure)
{
	return mk_model_deliver_at(mk, o, unsure, 0);
}

/* masakari-engine processes the host's STOPPED: the host is on_maintenance. */
static void mk_model_engine(struct mk_model *mk, const char *host)
{
	snprintf(mk->on_maintenance, sizeof(mk->on_maintenance), "%s", host);
}

/* ---- the rules alone ----------------------------------------------------------- */

static void commit(struct fsm *f, char *cmd)
{
	assert_non_null(cmd);
	assert_int_equal(fsm_apply(f, cmd, strlen(cmd)), 0);
	free(cmd);
}

/* hv1..hv5 (compute-1..5) members; hv5 failed: one pending STOPPED. */
static void one_verdict(struct fsm *f)
{
	char name[16], host[32];

	fsm_init(f);
	for (uint32_t i = 1; i <= 5; i++) {
		snprintf(name, sizeof(name), "hv%u", i);
		snprintf(host, sizeof(host), "compute-%u", i);
		commit(f, fsm_cmd_member(i, name, host, NULL));
	}
	commit(f, fsm_cmd_verdict(5, 1764547200123456789ULL, 0, 4));
	assert_int_equal(f->noutbox, 1);
}

static void test_sent_once_then_recorded(void **state)
{
	struct outbox_sender s;
	struct fsm f;
	const struct fsm_outbox *o;

	(void)state;
	one_verdict(&f);
	outbox_sender_init(&s, 500, 30000);
	o = outbox_next(&s, &f, 10 * NS_S);
	assert_non_null(o);
	assert_int_equal(o->id, 1);
	assert_int_equal(outbox_answer(&s, o->id, NOTIFY_DELIVERED, "HTTP 202", 10 * NS_S, 0), 1);
	/* Not again while "delivered" commits ... */
	assert_null(outbox_next(&s, &f, 10 * NS_S + OUTBOX_COMMIT_WAIT_NS - 1));
	/* ... a resend after that, if it never committed (Masakari answers 409) ... */
	assert_non_null(outbox_next(&s, &f, 10 * NS_S + OUTBOX_COMMIT_WAIT_NS));
	/* ... and never once it has. */
	commit(&f, fsm_cmd_delivered(1, "uuid-1", "delivered"));
	assert_null(outbox_next(&s, &f, 100 * NS_S));
	assert_int_equal(outbox_attempt(&s, 1)->tries, 1);
	assert_int_equal(s.sent_by_result[NOTIFY_DELIVERED], 1);
	fsm_free(&f);
}

static void test_duplicate_and_found_count_as_delivered(void **state)
{
	struct outbox_sender s;

	(void)state;
	outbox_sender_init(&s, 500, 30000);
	assert_int_equal(outbox_answer(&s, 1, NOTIFY_DUPLICATE, "HTTP 409", 0, 0), 1);
	assert_int_equal(outbox_answer(&s, 2, NOTIFY_FOUND, "found in Masakari", 0, 0), 1);
	/* A refusal because the host is on_maintenance is not a delivery. */
	assert_int_equal(outbox_answer(&s, 3, NOTIFY_ON_MAINTENANCE, "HTTP 409", 0, 0), 0);
	assert_int_equal(s.sent_by_result[NOTIFY_ON_MAINTENANCE], 1);
	assert_string_equal(notify_result_name(NOTIFY_ON_MAINTENANCE), "on_maintenance");
	assert_string_equal(notify_result_name(NOTIFY_FOUND), "found");
}

static void test_failures_stay_pending_with_backoff(void **state)
{
	static const enum notify_result failures[] = {NOTIFY_RETRY, NOTIFY_HOST_UNKNOWN,
						      NOTIFY_REJECTED, NOTIFY_ON_MAINTENANCE,
						      NOTIFY_UNCERTAIN};
	struct outbox_sender s;
	uint64_t now = 0, expect = 500;

	(void)state;
	outbox_sender_init(&s, 500, 30000);
	for (int i = 0; i < 12; i++) {
		const struct outbox_attempt *a;

		/* rnd 0: the earliest the jitter allows, three quarters of the backoff */
		assert_int_equal(outbox_answer(&s, 7, failures[i % 5], "HTTP 503", now, 0), 0);
		a = outbox_attempt(&s, 7);
		assert_int_equal(a->backoff_ms, expect);
		assert_int_equal(a->next_ns, now + expect * 3 / 4 * NS_MS);
		assert_int_equal(a->tries, (uint64_t)i + 1);
		assert_string_equal(a->message, "HTTP 503");
		expect = expect * 2 > 30000 ? 30000 : expect * 2;
	}
	/* the latest the jitter allows: five quarters */
	outbox_answer(&s, 8, NOTIFY_RETRY, "", now, 0xffffffff % 251);
	assert_true(outbox_attempt(&s, 8)->next_ns <= now + 500 * 5 / 4 * NS_MS);
}

static void test_only_pending_entries_are_sent(void **state)
{
	struct outbox_sender s;
	struct fsm f;

	(void)state;
	one_verdict(&f);
	outbox_sender_init(&s, 500, 30000);
	f.outbox[0].status = OUTBOX_HELD;
	assert_null(outbox_next(&s, &f, 0));
	f.outbox[0].status = OUTBOX_CANCELLED;
	assert_null(outbox_next(&s, &f, 0));
	f.outbox[0].status = OUTBOX_DELIVERED;
	assert_null(outbox_next(&s, &f, 0));
	f.outbox[0].status = OUTBOX_PENDING;
	assert_non_null(outbox_next(&s, &f, 0));
	fsm_free(&f);
}

/* A failing entry does not hold back the next one. */
static void test_retrying_entry_does_not_block_others(void **state)
{
	struct outbox_sender s;
	struct fsm f;

	(void)state;
	one_verdict(&f);
	commit(&f, fsm_cmd_verdict(4, 99, 0, 3));
	outbox_sender_init(&s, 500, 30000);
	outbox_answer(&s, 1, NOTIFY_HOST_UNKNOWN, "HTTP 400", 0, 0);
	assert_int_equal(outbox_next(&s, &f, 1)->id, 2);
	fsm_free(&f);
}

/* A host that fails, comes back and fails again within Masakari's duplicate
 * window: its second STOPPED is refused as the first's duplicate, looked up
 * and not found (blocked), kept, and sent with the time of sending until
 * the window has passed; a new leader's resend with the entry's own time is
 * blocked once, then found. Masakari ends up with each notification once. */
static void test_second_failure_within_masakari_window(void **state)
{
	const uint64_t t0 = 1764547200123456789ULL;
	struct outbox_sender s, s2;
	struct mk_model mk = {.window = 1};
	const struct fsm_outbox *o;
	const struct outbox_attempt *a;
	enum notify_result r;
	struct fsm f;
	uint64_t mono = 0;

	(void)state;
	one_verdict(&f); /* compute-5 failed */
	outbox_sender_init(&s, 500, 30000);
	assert_int_equal(mk_model_deliver(&mk, &f.outbox[0], 0), NOTIFY_DELIVERED);
	commit(&f, fsm_cmd_delivered(1, "uuid-1", "delivered"));
	commit(&f, fsm_cmd_recovered(5, t0 + 60 * NS_S)); /* STARTED */
	assert_int_equal(mk_model_deliver(&mk, &f.outbox[1], 0), NOTIFY_DELIVERED);
	commit(&f, fsm_cmd_delivered(2, "uuid-2", "delivered"));
	commit(&f, fsm_cmd_verdict(5, t0 + 90 * NS_S, 0, 4));
	assert_int_equal(f.noutbox, 3);

	/* Sent at t0 + 90 s, t0 + 120 s, ... until t0 + 180 s has passed. */
	for (uint64_t real = t0 + 90 * NS_S;; real += 30 * NS_S) {
		o = outbox_next(&s, &f, mono);
		assert_non_null(o);
		assert_int_equal(o->id, 3);
		a = outbox_attempt(&s, o->id);
		r = mk_model_deliver_at(&mk, o, outbox_unsure(&s, o->id),
					a && a->fresh_time ? real : 0);
		if (real <= t0 + 180 * NS_S) {
			assert_int_equal(r, NOTIFY_BLOCKED);
			assert_int_equal(outbox_answer(&s, o->id, r, "blocked", mono, 0), 0);
			assert_true(outbox_attempt(&s, 3)->fresh_time);
			mono = outbox_attempt(&s, 3)->next_ns;
			continue;
		}
		assert_int_equal(r, NOTIFY_DELIVERED);
		assert_int_equal(outbox_answer(&s, o->id, r, "", mono, 0), 1);
		break;
	}
	assert_int_equal(s.sent_by_result[NOTIFY_BLOCKED], 4);
	assert_int_equal(mk.n, 3);
	/* A new leader ("delivered" never committed) resends with the entry's
	 * own time: blocked by what its predecessor delivered, then that is
	 * found by the time of sending. */
	outbox_sender_init(&s2, 500, 30000);
	o = outbox_next(&s2, &f, 0);
	r = mk_model_deliver(&mk, o, outbox_unsure(&s2, o->id));
	assert_int_equal(r, NOTIFY_BLOCKED);
	assert_int_equal(outbox_answer(&s2, o->id, r, "blocked", 0, 0), 0);
	o = outbox_next(&s2, &f, outbox_attempt(&s2, 3)->next_ns);
	r = mk_model_deliver_at(&mk, o, outbox_unsure(&s2, o->id), t0 + 240 * NS_S);
	assert_int_equal(r, NOTIFY_DUPLICATE);
	assert_int_equal(mk.n, 3);
	fsm_free(&f);
}

/* When an entry is looked up before it is sent. */
static void test_lookup_before_resend(void **state)
{
	struct outbox_sender s;

	(void)state;
	outbox_sender_init(&s, 500, 30000);
	outbox_lead(&s);
	/* Never tried, not created by this leader: another may have sent it. */
	assert_true(outbox_unsure(&s, 1));
	/* Created by this leader's own proposal: straight out. */
	outbox_created(&s, 2);
	assert_false(outbox_unsure(&s, 2));
	/* Not sent at all (connection refused, Keystone): still sure. */
	outbox_answer(&s, 2, NOTIFY_RETRY, "Couldn't connect", 0, 0);
	assert_false(outbox_unsure(&s, 2));
	/* A timeout after the request went out, or a 5xx: Masakari may have it. */
	outbox_answer(&s, 2, NOTIFY_UNCERTAIN, "Timeout was reached", 0, 0);
	assert_true(outbox_unsure(&s, 2));
	/* ... and a failed lookup leaves it so. */
	outbox_answer(&s, 2, NOTIFY_RETRY, "lookup: HTTP 503", 0, 0);
	assert_true(outbox_unsure(&s, 2));
	/* Refused after a lookup found nothing: Masakari does not have it. */
	outbox_answer(&s, 2, NOTIFY_ON_MAINTENANCE, "HTTP 409", 0, 0);
	assert_false(outbox_unsure(&s, 2));
	outbox_answer(&s, 1, NOTIFY_HOST_UNKNOWN, "HTTP 400", 0, 0);
	assert_false(outbox_unsure(&s, 1));
	/* Delivered, but "delivered" never committed: look, do not send. */
	outbox_created(&s, 3);
	outbox_answer(&s, 3, NOTIFY_DELIVERED, "HTTP 202", 0, 0);
	assert_true(outbox_unsure(&s, 3));
	/* Marking an entry own after it was tried changes nothing. */
	outbox_created(&s, 3);
	assert_true(outbox_unsure(&s, 3));
	/* A new term: everything is unsure again. */
	outbox_lead(&s);
	assert_true(outbox_unsure(&s, 2));
	assert_null(outbox_attempt(&s, 2));
}

/* One delivery's sequence of lookups and sends (outbox_deliver). */
static void test_deliver_sequence(void **state)
{
	struct mk_model mk = {0};
	struct fsm f;

	(void)state;
	one_verdict(&f);
	/* Sure: sent without a lookup. */
	assert_int_equal(mk_model_deliver(&mk, &f.outbox[0], 0), NOTIFY_DELIVERED);
	assert_int_equal(mk.finds, 0);
	/* Unsure and there: found, not sent. */
	assert_int_equal(mk_model_deliver(&mk, &f.outbox[0], 1), NOTIFY_FOUND);
	assert_int_equal(mk.finds, 1);
	assert_int_equal(mk.sends, 1);
	/* Unsure, and the lookup fails: nothing sent. */
	mk.find_fails = 1;
	assert_int_equal(mk_model_deliver(&mk, &f.outbox[0], 1), NOTIFY_RETRY);
	assert_int_equal(mk.sends, 1);
	/* Sent again anyway (sure): a duplicate. */
	assert_int_equal(mk_model_deliver(&mk, &f.outbox[0], 0), NOTIFY_DUPLICATE);
	/* 409 on maintenance for ours, processed: found after the refusal. */
	mk_model_engine(&mk, "compute-5");
	assert_int_equal(mk_model_deliver(&mk, &f.outbox[0], 0), NOTIFY_FOUND);
	/* ... for another notification of the host: refused. */
	f.outbox[0].generated_at += NS_S;
	assert_int_equal(mk_model_deliver(&mk, &f.outbox[0], 1), NOTIFY_ON_MAINTENANCE);
	/* ... and if the lookup after the refusal fails: cannot tell, retry. */
	mk.find_fails = 1;
	assert_int_equal(mk_model_deliver(&mk, &f.outbox[0], 0), NOTIFY_RETRY);
	assert_int_equal(mk.n, 1);
	fsm_free(&f);
}

/* A leader whose deliveries fail hands leadership over, in virtual time. */
static void test_transfer_rule(void **state)
{
	struct outbox_sender s;
	uint64_t t = 1000 * NS_S;
	struct fsm f;

	(void)state;
	one_verdict(&f); /* a STOPPED to deliver throughout */
	outbox_sender_init(&s, 500, 30000);
	outbox_lead(&s);
	/* Failures of this leader's path, spread over 40 s: due once there are
	 * 5 and the first is 30 s old, not before. */
	for (int i = 0; i < 4; i++)
		outbox_answer(&s, 1, i % 2 ? NOTIFY_RETRY : NOTIFY_UNCERTAIN, "", t + i * 10 * NS_S,
			      0);
	assert_false(outbox_transfer_due(&s, &f, t + 39 * NS_S)); /* 4 failures */
	outbox_answer(&s, 2, NOTIFY_RETRY, "", t + 39 * NS_S, 0);
	assert_true(outbox_transfer_due(&s, &f, t + 39 * NS_S));
	/* 5 failures in under 30 s are not enough. */
	outbox_lead(&s);
	for (int i = 0; i < 10; i++)
		outbox_answer(&s, 1, NOTIFY_RETRY, "", t + i * NS_S, 0);
	assert_false(outbox_transfer_due(&s, &f, t + 29 * NS_S));
	assert_true(outbox_transfer_due(&s, &f, t + 30 * NS_S));
	/* Any answer from Masakari restarts the count: a configuration error
	 * or a refusal is not this leader's path failing. */
	static const enum notify_result answered[] = {NOTIFY_HOST_UNKNOWN,   NOTIFY_REJECTED,
						      NOTIFY_ON_MAINTENANCE, NOTIFY_DELIVERED,
						      NOTIFY_FOUND,	     NOTIFY_DUPLICATE};
	for (size_t k = 0; k < sizeof(answered) / sizeof(answered[0]); k++) {
		outbox_answer(&s, 3, answered[k], "", t + 31 * NS_S, 0);
		assert_false(outbox_transfer_due(&s, &f, t + 100 * NS_S));
		for (int i = 0; i < 5; i++)
			outbox_answer(&s, 1, NOTIFY_RETRY, "", t + 32 * NS_S + i * NS_S, 0);
		assert_false(outbox_transfer_due(&s, &f, t + 61 * NS_S));
		assert_true(outbox_transfer_due(&s, &f, t + 62 * NS_S));
	}
	/* Handed over: not again for 5 minutes, whatever fails meanwhile; a
	 * new term starts its own count but keeps that time. */
	outbox_transferred(&s, t + 62 * NS_S);
	assert_int_equal(s.transfers, 1);
	assert_false(outbox_transfer_due(&s, &f, t + 62 * NS_S));
	outbox_lead(&s);
	for (int i = 0; i < 100; i++)
		outbox_answer(&s, 1, NOTIFY_RETRY, "", t + 63 * NS_S + i * NS_S, 0);
	assert_false(outbox_transfer_due(&s, &f, t + 361 * NS_S));
	assert_true(outbox_transfer_due(&s, &f, t + 362 * NS_S));
	/* A new term forgets the run. */
	outbox_lead(&s);
	assert_false(outbox_transfer_due(&s, &f, t + 1000 * NS_S));
	fsm_free(&f);
}

/* The failures that made a transfer due do not move the leader once
 * nothing is left to deliver (here the entry was cancelled: its host was
 * put in maintenance). */
static void test_no_transfer_without_work(void **state)
{
	struct outbox_sender s;
	uint64_t t = 1000 * NS_S;
	struct fsm f;

	(void)state;
	one_verdict(&f);
	outbox_sender_init(&s, 500, 30000);
	outbox_lead(&s);
	for (int i = 0; i < 10; i++)
		outbox_answer(&s, 1, NOTIFY_RETRY, "", t + i * 5 * NS_S, 0);
	assert_true(outbox_transfer_due(&s, &f, t + 45 * NS_S));
	commit(&f, fsm_cmd_maintenance("compute-5", 1, 1, 1, 1)); /* an operator's choice */
	assert_int_equal(f.outbox[0].status, OUTBOX_CANCELLED);
	assert_false(outbox_transfer_due(&s, &f, t + 45 * NS_S));
	fsm_free(&f);
}

/* ---- through Raft: a leader dies between 202 and "delivered" ------------------ */

/* What a leader's notifier does in one step: deliver the due entry
 * (looked up first when unsure), and on a delivery propose "delivered"
 * (which may or may not commit). The answer, or -1 if nothing was due. */
static int leader_step(struct cluster *c, unsigned l, struct outbox_sender *s, struct mk_model *mk,
		       uint64_t now)
{
	const struct fsm_outbox *o = outbox_next(s, &c->fsm[l], now);
	enum notify_result r;

	if (!o)
		return -1;
	r = mk_model_deliver(mk, o, outbox_unsure(s, o->id));
	if (outbox_answer(s, o->id, r, "", now, 0))
		assert_int_equal(
			raft_fsm_propose(raft_fixture_get(&c->fx, l),
					 fsm_cmd_delivered(o->id, "u", notify_result_name(r)), NULL,
					 NULL),
			0);
	return (int)r;
}

/* hv1..hv5 through Raft on leader l, then a verdict on hv5 at `at`, proposed
 * by l as the server does: the entry it creates is l's own (s). */
static void members_and_verdict(struct cluster *c, unsigned l, struct outbox_sender *s)
{
	char name[16], host[32];

	for (uint32_t i = 1; i <= 5; i++) {
		snprintf(name, sizeof(name), "hv%u", i);
		snprintf(host, sizeof(host), "compute-%u", i);
		cluster_propose(c, l, fsm_cmd_member(i, name, host, NULL), N_SERVERS);
	}
	cluster_propose(c, l, fsm_cmd_verdict(5, 1764547200123456789ULL, 0, 3), N_SERVERS);
	for (unsigned i = 0; i < N_SERVERS; i++)
		assert_int_equal(c->fsm[i].outbox[0].status, OUTBOX_PENDING);
	/* What server.c's proposal callback reads: the entries the last
	 * applied command created. */
	assert_int_equal(c->fsm[l].created_from, 1);
	assert_int_equal(c->fsm[l].next_outbox_id, 2);
	outbox_sender_init(s, 500, 30000);
	outbox_lead(s);
	outbox_created(s, 1);
}

/* Step the cluster until leader l applied everything it has. */
static void settle(struct cluster *c, unsigned l)
{
	assert_true(raft_fixture_step_until_applied(
		&c->fx, l, raft_last_index(raft_fixture_get(&c->fx, l)), 20000));
}

static void test_leader_killed_after_send_exactly_once(void **state)
{
	struct cluster *c = *state;
	struct outbox_sender s1, s2;
	struct mk_model mk = {0};
	unsigned l = cluster_leader(c), l2;

	members_and_verdict(c, l, &s1);
	/* The leader sends its own entry straight away (no lookup: nobody else
	 * can have sent it), Masakari stores it and its engine processes it
	 * (the host is on_maintenance now); the leader proposes "delivered"
	 * and is cut off before anyone else has it. */
	for (unsigned i = 0; i < N_SERVERS; i++)
		if (i != l)
			raft_fixture_disconnect(&c->fx, l, i);
	assert_int_equal(leader_step(c, l, &s1, &mk, 1 * NS_S), NOTIFY_DELIVERED);
	assert_int_equal(mk.finds, 0);
	assert_int_equal(mk.n, 1);
	mk_model_engine(&mk, "compute-5");
	raft_fixture_kill(&c->fx, l);

	/* A new leader did not create the entry in its term: it looks it up
	 * and records what it finds. Sending again would be refused (409 on
	 * maintenance), which is no proof of delivery. */
	assert_true(raft_fixture_step_until_has_no_leader(&c->fx, 40000));
	assert_true(raft_fixture_step_until_has_leader(&c->fx, 40000));
	l2 = raft_fixture_leader_index(&c->fx);
	assert_int_not_equal(l2, l);
	assert_int_equal(c->fsm[l2].outbox[0].status, OUTBOX_PENDING);
	outbox_sender_init(&s2, 500, 30000);
	outbox_lead(&s2);
	assert_true(outbox_unsure(&s2, 1));
	assert_int_equal(leader_step(c, l2, &s2, &mk, 2 * NS_S), NOTIFY_FOUND);
	assert_int_equal(mk.sends, 1);
	settle(c, l2);
	assert_int_equal(c->fsm[l2].outbox[0].status, OUTBOX_DELIVERED);
	assert_string_equal(c->fsm[l2].outbox[0].result, "found");
	/* Nobody sends it again, and Masakari holds one record. */
	for (uint64_t t = 3; t < 60; t++)
		assert_int_equal(leader_step(c, l2, &s2, &mk, t * NS_S), -1);
	assert_int_equal(mk.n, 1);
	assert_int_equal(mk.sends, 1);
}

/* The host recovered by Masakari stays on_maintenance there; nobody clears
 * it. Its return and its second failure are refused: kept pending, never
 * recorded delivered, and delivered once each when the flag is cleared. */
static void test_second_failure_refused_until_cleared(void **state)
{
	struct cluster *c = *state;
	struct outbox_sender s;
	struct mk_model mk = {0};
	unsigned l = cluster_leader(c);
	uint64_t t;

	members_and_verdict(c, l, &s);
	assert_int_equal(leader_step(c, l, &s, &mk, 1 * NS_S), NOTIFY_DELIVERED);
	settle(c, l);
	mk_model_engine(&mk, "compute-5");
	/* hv5 back (STARTED), then failed again (a new STOPPED). */
	assert_int_equal(raft_fsm_propose(raft_fixture_get(&c->fx, l),
					  fsm_cmd_recovered(5, 1764547300000000000ULL), NULL, NULL),
			 0);
	settle(c, l);
	assert_int_equal(raft_fsm_propose(raft_fixture_get(&c->fx, l),
					  fsm_cmd_verdict(5, 1764547400000000000ULL, 0, 3), NULL,
					  NULL),
			 0);
	settle(c, l);
	assert_int_equal(c->fsm[l].noutbox, 3);
	for (t = 2; t < 120; t++) {
		int r = leader_step(c, l, &s, &mk, t * NS_S);

		assert_true(r == -1 || r == NOTIFY_ON_MAINTENANCE);
	}
	settle(c, l);
	assert_int_equal(c->fsm[l].outbox[1].status, OUTBOX_PENDING);
	assert_int_equal(c->fsm[l].outbox[2].status, OUTBOX_PENDING);
	assert_int_equal(outbox_attempt(&s, 3)->last, NOTIFY_ON_MAINTENANCE);
	assert_true(s.sent_by_result[NOTIFY_ON_MAINTENANCE] >= 4);  /* retried with backoff */
	assert_true(s.sent_by_result[NOTIFY_ON_MAINTENANCE] <= 40); /* of 118 steps */
	assert_int_equal(mk.n, 1);
	/* An operator clears the flag: each goes out once. */
	mk.on_maintenance[0] = '\0';
	for (; t < 240; t++) {
		leader_step(c, l, &s, &mk, t * NS_S);
		settle(c, l);
	}
	assert_int_equal(c->fsm[l].outbox[1].status, OUTBOX_DELIVERED);
	assert_int_equal(c->fsm[l].outbox[2].status, OUTBOX_DELIVERED);
	assert_int_equal(mk.n, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sent_once_then_recorded),
		cmocka_unit_test(test_duplicate_and_found_count_as_delivered),
		cmocka_unit_test(test_failures_stay_pending_with_backoff),
		cmocka_unit_test(test_only_pending_entries_are_sent),
		cmocka_unit_test(test_retrying_entry_does_not_block_others),
		cmocka_unit_test(test_second_failure_within_masakari_window),
		cmocka_unit_test(test_lookup_before_resend),
		cmocka_unit_test(test_deliver_sequence),
		cmocka_unit_test(test_transfer_rule),
		cmocka_unit_test(test_no_transfer_without_work),
		cmocka_unit_test_setup_teardown(test_leader_killed_after_send_exactly_once,
						cluster_setup, cluster_teardown),
		cmocka_unit_test_setup_teardown(test_second_failure_refused_until_cleared,
						cluster_setup, cluster_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
