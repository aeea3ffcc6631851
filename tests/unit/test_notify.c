// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_notify.c - the notifier's exactly-once delivery (core/outbox.c):
 * which entry the leader sends, what each answer means, the retry backoff,
 * and, through libraft's fixture with three servers, that a leader killed
 * between Masakari's 202 and the commit of "delivered" is replaced by one
 * whose resend Masakari recognises, so Masakari ends up with one record.
 *
 * Masakari is modelled by its duplicate rule (masakari 14.0.2, ha/api.py
 * _is_duplicate_notification): a notification is refused with 409 when one
 * of the same host and type with an equal payload was generated no earlier
 * than duplicate_notification_detection_interval (180 s) before it,
 * whatever its status; and vigil's client by what it does with a 409
 * (agent/masakari.c, tests/unit/test_masakari.c): the entry is Masakari's
 * already if it holds a notification of the host with this payload
 * generated since the entry's own time, else it is blocked.
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

/* ---- a model of Masakari's notification store -------------------------------- */

#define MK_DUP_INTERVAL_NS (180 * NS_S)

struct mk_model {
	struct {
		char hostname[64];
		char payload[64]; /* event, host_status, cluster_status */
		uint64_t generated;
	} rec[16];
	int n;
};

/* POST /v1/notifications of entry o with generated_time sent (ns), and the
 * client's look-up after a 409. */
static enum notify_result mk_model_post(struct mk_model *mk, const struct fsm_outbox *o,
					uint64_t sent)
{
	struct mk_notification note;
	char payload[64];
	int dup = 0, held = 0;

	mk_notification_init(&note, o->hostname, o->stopped, o->power_off_confirmed,
			     o->generated_at);
	snprintf(payload, sizeof(payload), "%s %s %s", note.event, note.host_status,
		 note.cluster_status);
	for (int i = 0; i < mk->n; i++) {
		if (strcmp(mk->rec[i].hostname, note.hostname) ||
		    strcmp(mk->rec[i].payload, payload))
			continue;
		dup |= mk->rec[i].generated + MK_DUP_INTERVAL_NS >= sent;
		held |= mk->rec[i].generated >= o->generated_at;
	}
	if (dup)
		return held ? NOTIFY_DUPLICATE : NOTIFY_BLOCKED;
	assert_true(mk->n < 16);
	snprintf(mk->rec[mk->n].hostname, sizeof(mk->rec[0].hostname), "%s", note.hostname);
	snprintf(mk->rec[mk->n].payload, sizeof(mk->rec[0].payload), "%s", payload);
	mk->rec[mk->n].generated = sent;
	mk->n++;
	return NOTIFY_DELIVERED;
}

/* What the notifier sends as generated_time: the entry's own, or the time
 * of sending once Masakari's window blocked it. */
static uint64_t sent_time(const struct outbox_sender *s, const struct fsm_outbox *o, uint64_t real)
{
	const struct outbox_attempt *a = outbox_attempt(s, o->id);

	return a && a->fresh_time ? real : o->generated_at;
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

static void test_duplicate_counts_as_delivered(void **state)
{
	struct outbox_sender s;
	struct fsm f;

	(void)state;
	one_verdict(&f);
	outbox_sender_init(&s, 500, 30000);
	assert_int_equal(outbox_answer(&s, 1, NOTIFY_DUPLICATE, "HTTP 409", 0, 0), 1);
	fsm_free(&f);
}

static void test_failures_stay_pending_with_backoff(void **state)
{
	static const enum notify_result failures[] = {NOTIFY_RETRY, NOTIFY_HOST_UNKNOWN,
						      NOTIFY_REJECTED};
	struct outbox_sender s;
	uint64_t now = 0, expect = 500;

	(void)state;
	outbox_sender_init(&s, 500, 30000);
	for (int i = 0; i < 12; i++) {
		const struct outbox_attempt *a;

		/* rnd 0: the earliest the jitter allows, three quarters of the backoff */
		assert_int_equal(outbox_answer(&s, 7, failures[i % 3], "HTTP 503", now, 0), 0);
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
 * window: its second STOPPED is blocked by the first, kept, and sent with
 * the time of sending until the window has passed; a new leader's resend
 * with the entry's own time is then recognised as delivered. */
static void test_second_failure_within_masakari_window(void **state)
{
	const uint64_t t0 = 1764547200123456789ULL;
	struct outbox_sender s, s2;
	struct mk_model mk = {0};
	const struct fsm_outbox *o;
	struct fsm f;
	uint64_t mono = 0;

	(void)state;
	one_verdict(&f); /* hv5 failed at t0 */
	outbox_sender_init(&s, 500, 30000);
	assert_int_equal(mk_model_post(&mk, &f.outbox[0], t0), NOTIFY_DELIVERED);
	commit(&f, fsm_cmd_delivered(1, "uuid-1", "delivered"));
	commit(&f, fsm_cmd_recovered(5, t0 + 60 * NS_S)); /* STARTED */
	assert_int_equal(mk_model_post(&mk, &f.outbox[1], t0 + 60 * NS_S), NOTIFY_DELIVERED);
	commit(&f, fsm_cmd_delivered(2, "uuid-2", "delivered"));
	commit(&f, fsm_cmd_verdict(5, t0 + 90 * NS_S, 0, 4));
	assert_int_equal(f.noutbox, 3);

	/* Sent at t0 + 90 s, t0 + 120 s, ... until t0 + 180 s has passed. */
	for (uint64_t real = t0 + 90 * NS_S;; real += 30 * NS_S) {
		enum notify_result r;

		o = outbox_next(&s, &f, mono);
		assert_non_null(o);
		assert_int_equal(o->id, 3);
		r = mk_model_post(&mk, o, sent_time(&s, o, real));
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
	/* A new leader (no attempts) resends with the entry's own time. */
	outbox_sender_init(&s2, 500, 30000);
	o = outbox_next(&s2, &f, 0);
	assert_int_equal(mk_model_post(&mk, o, sent_time(&s2, o, t0 + 240 * NS_S)),
			 NOTIFY_DUPLICATE);
	assert_int_equal(mk.n, 3);
	fsm_free(&f);
}

/* ---- through Raft: a leader dies between 202 and "delivered" ------------------ */

/* What a leader's notifier does in one step: send the due entry, and on a
 * delivery propose "delivered" (which may or may not commit). */
static int leader_step(struct cluster *c, unsigned l, struct outbox_sender *s, struct mk_model *mk,
		       uint64_t now)
{
	const struct fsm_outbox *o = outbox_next(s, &c->fsm[l], now);
	enum notify_result r;

	if (!o)
		return 0;
	r = mk_model_post(mk, o, sent_time(s, o, 1764547200123456789ULL + now));
	if (outbox_answer(s, o->id, r, "", now, 0))
		assert_int_equal(
			raft_fsm_propose(raft_fixture_get(&c->fx, l),
					 fsm_cmd_delivered(o->id, "u", notify_result_name(r)), NULL,
					 NULL),
			0);
	return 1;
}

static void test_leader_killed_after_send_exactly_once(void **state)
{
	struct cluster *c = *state;
	struct outbox_sender s1, s2;
	struct mk_model mk = {0};
	unsigned l = cluster_leader(c), l2;
	char name[16], host[32];

	for (uint32_t i = 1; i <= 5; i++) {
		snprintf(name, sizeof(name), "hv%u", i);
		snprintf(host, sizeof(host), "compute-%u", i);
		cluster_propose(c, l, fsm_cmd_member(i, name, host, NULL), N_SERVERS);
	}
	cluster_propose(c, l, fsm_cmd_verdict(5, 1764547200123456789ULL, 0, 3), N_SERVERS);
	for (unsigned i = 0; i < N_SERVERS; i++)
		assert_int_equal(c->fsm[i].outbox[0].status, OUTBOX_PENDING);

	/* The leader sends (Masakari stores it), proposes "delivered", and is cut
	 * off before anyone else has it: the entry stays pending elsewhere. */
	outbox_sender_init(&s1, 500, 30000);
	for (unsigned i = 0; i < N_SERVERS; i++)
		if (i != l)
			raft_fixture_disconnect(&c->fx, l, i);
	assert_int_equal(leader_step(c, l, &s1, &mk, 1 * NS_S), 1);
	assert_int_equal(mk.n, 1);
	raft_fixture_kill(&c->fx, l);

	/* A new leader, with no memory of the attempt, resends the same entry
	 * with the same generated_time; Masakari recognises it. */
	assert_true(raft_fixture_step_until_has_no_leader(&c->fx, 40000));
	assert_true(raft_fixture_step_until_has_leader(&c->fx, 40000));
	l2 = raft_fixture_leader_index(&c->fx);
	assert_int_not_equal(l2, l);
	assert_int_equal(c->fsm[l2].outbox[0].status, OUTBOX_PENDING);
	outbox_sender_init(&s2, 500, 30000);
	assert_int_equal(leader_step(c, l2, &s2, &mk, 2 * NS_S), 1);
	assert_int_equal(s2.sent_by_result[NOTIFY_DUPLICATE], 1);
	assert_true(raft_fixture_step_until_applied(
		&c->fx, l2, raft_last_index(raft_fixture_get(&c->fx, l2)), 20000));
	assert_int_equal(c->fsm[l2].outbox[0].status, OUTBOX_DELIVERED);
	/* Nobody sends it again, and Masakari holds one record. */
	for (uint64_t t = 3; t < 60; t++)
		assert_int_equal(leader_step(c, l2, &s2, &mk, t * NS_S), 0);
	assert_int_equal(mk.n, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sent_once_then_recorded),
		cmocka_unit_test(test_duplicate_counts_as_delivered),
		cmocka_unit_test(test_failures_stay_pending_with_backoff),
		cmocka_unit_test(test_only_pending_entries_are_sent),
		cmocka_unit_test(test_retrying_entry_does_not_block_others),
		cmocka_unit_test(test_second_failure_within_masakari_window),
		cmocka_unit_test_setup_teardown(test_leader_killed_after_send_exactly_once,
						cluster_setup, cluster_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
