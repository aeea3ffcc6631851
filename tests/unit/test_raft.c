// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_raft.c - verdicts, the outbox and their replication, deterministic:
 * the leader's decision rule (verdict.c) and the replicated state machine
 * (fsm.c) driven through libraft's in-memory fixture (raft/fixture.h): three
 * servers, leader change, a minority partition, snapshot and restore, and
 * who frees an unreadable snapshot.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include "memb_fake.h"
#include "raft_cluster.h"
#include "verdict.h"

#define NS_S 1000000000ULL

/* Five hosts: ids 1..5; hv1..hv3 are the servers. */
static void add_members(struct fsm *f, int n)
{
	char name[16], host[32];

	for (int i = 1; i <= n; i++) {
		char *c;

		snprintf(name, sizeof(name), "hv%d", i);
		snprintf(host, sizeof(host), "compute-%d", i);
		c = fsm_cmd_member((uint32_t)i, name, host, fake_addr((uint32_t)i));
		assert_int_equal(fsm_apply(f, c, strlen(c)), 0);
		free(c);
	}
}

static const struct verdict_params vcfg = {
	.wait_ns = 30 * NS_S,
	.report_ttl_ns = 2 * NS_S,
	.min_healthy = 3,
};

static void report(struct reports *rs, uint32_t from, const uint32_t *ids, size_t n, uint64_t now)
{
	char name[16], host[32];

	snprintf(name, sizeof(name), "hv%u", from);
	snprintf(host, sizeof(host), "compute-%u", from);
	reports_update(rs, &vcfg, from, name, host, ids, n, now);
}

/* A cluster of five members (hv1..hv5) and no reports yet. */
static void five(struct fsm *f, struct reports *rs)
{
	fsm_init(f);
	reports_init(rs);
	add_members(f, 5);
}

static void done(struct fsm *f, struct reports *rs)
{
	reports_free(rs);
	fsm_free(f);
}

/* Reporters lo..hi list *h (or nothing) every half second from t0 to t1. */
static void report_span(struct reports *rs, uint32_t lo, uint32_t hi, const uint32_t *h,
			uint64_t t0, uint64_t t1)
{
	for (uint64_t t = t0; t <= t1; t += NS_S / 2)
		for (uint32_t r = lo; r <= hi; r++)
			report(rs, r, h, h ? 1 : 0, t);
}

/* The leader's membership: hosts 1..200 alive and heard by its kernel, so
 * every reporter of these tests is admitted. */
static const struct memb *view(void)
{
	static struct memb m;
	static int made;

	if (!made) {
		fake_memb_init(&m);
		for (uint32_t id = 1; id <= 200; id++) {
			fake_member(&m, id, VIGIL_ROLE_CLIENT, MEMB_ALIVE, 0);
			fake_heard(&m, id);
		}
		made = 1;
	}
	return &m;
}

/* Apply cmd to f (as if committed) and free it. */
static void commit(struct fsm *f, char *cmd)
{
	assert_non_null(cmd);
	assert_int_equal(fsm_apply(f, cmd, strlen(cmd)), 0);
	free(cmd);
}

/* ---- the decision rule ----------------------------------------------------- */

static void test_verdict_needs_majority_for_wait_period(void **state)
{
	struct reports rs;
	struct fsm f;
	uint32_t h5 = 5;
	char *c;

	(void)state;
	five(&f, &rs);
	/* hv1..hv4 report every 0.5 s; hv5 is down. */
	for (uint64_t t = 0; t <= 29 * NS_S; t += NS_S / 2) {
		for (uint32_t r = 1; r <= 4; r++)
			report(&rs, r, &h5, 1, t);
		c = verdict_next(&f, &rs, &vcfg, view(), t, 1000);
		assert_null(c); /* within the wait period: nothing */
	}
	for (uint32_t r = 1; r <= 4; r++)
		report(&rs, r, &h5, 1, 30 * NS_S);
	c = verdict_next(&f, &rs, &vcfg, view(), 30 * NS_S, 1000);
	assert_non_null(c);
	assert_non_null(strstr(c, "\"verdict\""));
	commit(&f, c);
	assert_true(fsm_host(&f, 5)->failed);
	assert_int_equal(f.noutbox, 1);
	assert_int_equal(f.outbox[0].status, OUTBOX_PENDING);
	assert_string_equal(f.outbox[0].hostname, "compute-5");
	assert_int_equal(f.outbox[0].generated_at, 1000);
	/* Proposing it again changes nothing (idempotent). */
	commit(&f, fsm_cmd_verdict(5, 2000, 0, 4));
	assert_int_equal(f.noutbox, 1);
	assert_null(verdict_next(&f, &rs, &vcfg, view(), 30 * NS_S, 1000));
	done(&f, &rs);
}

/* Reports, however many, against what the leader's own kernel hears: a
 * host it heard answer within the wait period gets no verdict (a one-sided
 * fault, or reports forged by a key holder), and the hold is counted; once
 * its last answer is older than the wait period, the reports decide. */
static void test_leader_hearing_host_holds_verdict(void **state)
{
	struct verdict_params wc = vcfg;
	struct reports rs;
	struct memb m;
	struct fsm f;
	uint32_t h5 = 5;
	char *c;

	(void)state;
	wc.witness_ns = wc.wait_ns;
	five(&f, &rs);
	fake_memb_init(&m);
	for (uint32_t id = 1; id <= 5; id++) {
		fake_member(&m, id, VIGIL_ROLE_CLIENT, MEMB_ALIVE, 0);
		fake_heard(&m, id);
	}
	for (uint64_t t = 0; t < 50 * NS_S; t += NS_S / 2) {
		for (uint32_t r = 1; r <= 4; r++)
			report(&rs, r, &h5, 1, t);
		if (t && t <= 20 * NS_S) /* the leader's kernel hears hv5 until 20 s */
			memb_find(&m, 5)->last_ack_ns = t;
		c = verdict_next(&f, &rs, &wc, &m, t, 1000);
		assert_null(c); /* reported for 30 s from 30 s on, but heard until 20 s */
	}
	assert_int_equal(rs.contradicted, 1);
	for (uint32_t r = 1; r <= 4; r++)
		report(&rs, r, &h5, 1, 50 * NS_S);
	c = verdict_next(&f, &rs, &wc, &m, 50 * NS_S, 1000);
	assert_non_null(c);
	assert_non_null(strstr(c, "\"verdict\""));
	assert_int_equal(rs.contradicted, 0);
	commit(&f, c);
	assert_true(fsm_host(&f, 5)->failed);
	memb_free(&m);
	done(&f, &rs);
}

/* A reporter becomes a counted host only once the leader's own kernel has
 * heard it: forged sender ids cannot grow the quorum they must reach. */
static void test_unheard_reporter_not_admitted(void **state)
{
	struct reports rs;
	struct memb m;
	struct fsm f;
	char *c;

	(void)state;
	fsm_init(&f);
	reports_init(&rs);
	fake_memb_init(&m);
	report(&rs, 77, NULL, 0, 0);
	assert_null(verdict_next(&f, &rs, &vcfg, &m, 0, 1)); /* unknown to the leader */
	fake_member(&m, 77, VIGIL_ROLE_CLIENT, MEMB_ALIVE, 0);
	assert_null(verdict_next(&f, &rs, &vcfg, &m, 0, 1)); /* gossip alone vouches for it */
	fake_heard(&m, 77);
	c = verdict_next(&f, &rs, &vcfg, &m, 0, 1);
	assert_non_null(c);
	assert_non_null(strstr(c, "\"member\""));
	free(c);
	/* the leader's own report is always taken */
	reports_free(&rs);
	reports_init(&rs);
	report(&rs, FAKE_SELF, NULL, 0, 0);
	c = verdict_next(&f, &rs, &vcfg, &m, 0, 1);
	assert_non_null(c);
	free(c);
	memb_free(&m);
	done(&f, &rs);
}

/* A reporter whose member command cannot be built (its name would not go
 * into JSON) must not hold up the verdicts of everyone else. */
static void test_unbuildable_member_does_not_block_verdicts(void **state)
{
	struct reports rs;
	struct fsm f;
	uint32_t h5 = 5;
	char *c;

	(void)state;
	five(&f, &rs);
	reports_update(&rs, &vcfg, 6, "hv6", "\xff\xfe", NULL, 0, 30 * NS_S);
	report_span(&rs, 1, 4, &h5, 0, 30 * NS_S);
	c = verdict_next(&f, &rs, &vcfg, view(), 30 * NS_S, 1000);
	assert_non_null(c);
	assert_non_null(strstr(c, "\"verdict\""));
	free(c);
	done(&f, &rs);
}

static void test_two_of_five_is_not_enough(void **state)
{
	struct reports rs;
	struct fsm f;
	uint32_t h5 = 5;

	(void)state;
	five(&f, &rs);
	for (uint64_t t = 0; t <= 60 * NS_S; t += NS_S / 2) {
		report(&rs, 1, &h5, 1, t);
		report(&rs, 2, &h5, 1, t);
		report(&rs, 3, NULL, 0, t);
		report(&rs, 4, NULL, 0, t);
		assert_null(verdict_next(&f, &rs, &vcfg, view(), t, t));
	}
	assert_int_equal(verdict_support(&f, &rs, &vcfg, 5, 60 * NS_S), 2);
	done(&f, &rs);
}

static void test_return_before_wait_cancels(void **state)
{
	struct reports rs;
	struct fsm f;
	uint32_t h5 = 5;

	(void)state;
	five(&f, &rs);
	/* Down for 20 s (a reboot), back for one report, down again 20 s. */
	report_span(&rs, 1, 4, &h5, 0, 20 * NS_S);
	report_span(&rs, 1, 4, NULL, 21 * NS_S, 21 * NS_S);
	for (uint64_t t = 22 * NS_S; t <= 42 * NS_S; t += NS_S / 2) {
		for (uint32_t r = 1; r <= 4; r++)
			report(&rs, r, &h5, 1, t);
		assert_null(verdict_next(&f, &rs, &vcfg, view(), t, t));
	}
	done(&f, &rs);
}

static void test_silent_reporter_does_not_count(void **state)
{
	struct reports rs;
	struct fsm f;
	uint32_t h5 = 5;

	(void)state;
	five(&f, &rs);
	report(&rs, 1, &h5, 1, 0);
	report(&rs, 2, &h5, 1, 0);
	report(&rs, 3, &h5, 1, 0);
	for (uint64_t t = NS_S / 2; t <= 40 * NS_S; t += NS_S / 2) {
		report(&rs, 1, &h5, 1, t);
		report(&rs, 2, &h5, 1, t); /* hv3 went silent after t = 0 */
	}
	assert_null(verdict_next(&f, &rs, &vcfg, view(), 40 * NS_S, 1));
	done(&f, &rs);
}

/* A reporter that went silent longer than the report TTL (itself cut off,
 * or restarting) starts over when it reports again: its listing the host
 * before the silence does not count towards the wait period. */
static void test_silent_reporter_starts_over(void **state)
{
	struct reports rs;
	struct fsm f;
	uint32_t h5 = 5;

	(void)state;
	five(&f, &rs);
	report_span(&rs, 1, 4, &h5, 0, 20 * NS_S);
	/* hv3 and hv4 fall silent for 10 s (> report TTL), then report again */
	report_span(&rs, 1, 2, &h5, 20 * NS_S + NS_S / 2, 30 * NS_S);
	for (uint64_t t = 30 * NS_S + NS_S / 2; t <= 49 * NS_S; t += NS_S / 2) {
		for (uint32_t r = 1; r <= 4; r++)
			report(&rs, r, &h5, 1, t);
		/* hv1, hv2: 49 s; hv3, hv4: < 19 s since they came back: 2 of 5 */
		assert_null(verdict_next(&f, &rs, &vcfg, view(), t, t));
	}
	done(&f, &rs);
}

static void test_maintenance_never_notified(void **state)
{
	struct reports rs;
	struct fsm f;
	uint32_t h5 = 5;

	(void)state;
	five(&f, &rs);
	commit(&f, fsm_cmd_maintenance("compute-5", 1, 4, 100, 1));
	assert_int_equal(fsm_host(&f, 5)->state, FSM_MAINTENANCE);
	assert_int_equal(fsm_counted(&f), 4);
	report_span(&rs, 1, 4, &h5, 0, 40 * NS_S);
	assert_null(verdict_next(&f, &rs, &vcfg, view(), 40 * NS_S, 1));
	/* A pending notification is cancelled when its host enters maintenance. */
	commit(&f, fsm_cmd_maintenance("hv5", 0, 4, 100, 2));
	commit(&f, fsm_cmd_verdict(5, 7, 0, 4));
	assert_int_equal(f.outbox[0].status, OUTBOX_PENDING);
	commit(&f, fsm_cmd_maintenance("compute-5", 1, 4, 100, 3));
	assert_int_equal(f.outbox[0].status, OUTBOX_CANCELLED);
	done(&f, &rs);
}

/* A MAINT taken once is never taken again, nor an older one of its sender,
 * on any server: the mark is replicated state, kept across snapshots. */
static void test_maintenance_replay_refused(void **state)
{
	struct fsm f, g;
	char *text;

	(void)state;
	fsm_init(&f);
	add_members(&f, 5);
	commit(&f, fsm_cmd_maintenance("compute-2", 1, 9, 500, 7));
	assert_int_equal(fsm_host(&f, 2)->state, FSM_MAINTENANCE);
	commit(&f, fsm_cmd_maintenance("compute-2", 0, 9, 500, 8));
	assert_int_equal(fsm_host(&f, 2)->state, FSM_MEMBER);
	/* the first one replayed, and an older one: no effect */
	commit(&f, fsm_cmd_maintenance("compute-2", 1, 9, 500, 7));
	commit(&f, fsm_cmd_maintenance("compute-2", 1, 9, 499, 1000));
	assert_int_equal(fsm_host(&f, 2)->state, FSM_MEMBER);
	assert_false(fsm_maint_newer(&f, 9, 500, 8));
	assert_true(fsm_maint_newer(&f, 9, 500, 9));
	assert_true(fsm_maint_newer(&f, 10, 1, 1)); /* another sender */
	/* a new leader restored from a snapshot refuses the replay as well */
	text = fsm_dump(&f);
	fsm_init(&g);
	assert_int_equal(fsm_load(&g, text), 0);
	assert_false(fsm_maint_newer(&g, 9, 500, 7));
	commit(&g, fsm_cmd_maintenance("compute-2", 1, 9, 500, 7));
	assert_int_equal(fsm_host(&g, 2)->state, FSM_MEMBER);
	/* the sender restarted: a new epoch is taken */
	commit(&g, fsm_cmd_maintenance("compute-2", 1, 9, 600, 1));
	assert_int_equal(fsm_host(&g, 2)->state, FSM_MAINTENANCE);
	free(text);
	fsm_free(&f);
	fsm_free(&g);
}

static void test_hold_when_too_few_healthy(void **state)
{
	struct reports rs;
	struct fsm f;
	uint32_t h3 = 3;
	char *c;

	(void)state;
	fsm_init(&f);
	reports_init(&rs);
	add_members(&f, 3);
	for (uint64_t t = 0; t <= 30 * NS_S; t += NS_S / 2) {
		report(&rs, 1, &h3, 1, t);
		report(&rs, 2, &h3, 1, t);
	}
	c = verdict_next(&f, &rs, &vcfg, view(), 30 * NS_S, 5);
	assert_non_null(strstr(c, "\"hold\":true"));
	commit(&f, c);
	assert_int_equal(f.outbox[0].status, OUTBOX_HELD);
	/* A fourth host joins: 3 in service again, the notification is released. */
	report(&rs, 4, NULL, 0, 31 * NS_S);
	commit(&f, verdict_next(&f, &rs, &vcfg, view(), 31 * NS_S, 5)); /* member hv4 */
	c = verdict_next(&f, &rs, &vcfg, view(), 31 * NS_S, 5);
	assert_non_null(strstr(c, "\"release\""));
	commit(&f, c);
	assert_int_equal(f.outbox[0].status, OUTBOX_PENDING);
	done(&f, &rs);
}

/* A failed host that reports again is back once nobody lists it: until
 * then held, counted (the leader names who lists it). */
static void test_recovery_sends_started(void **state)
{
	const uint32_t five_id = 5;
	struct reports rs;
	struct fsm f;
	char *c;

	(void)state;
	five(&f, &rs);
	commit(&f, fsm_cmd_verdict(5, 7, 0, 4));
	for (uint32_t r = 1; r <= 5; r++)
		report(&rs, r, r == 4 ? &five_id : NULL, r == 4, 99 * NS_S);
	assert_null(verdict_next(&f, &rs, &vcfg, view(), 99 * NS_S, 98));
	assert_int_equal(rs.recovery_held, 1);
	assert_true(fsm_host(&f, 5)->failed);
	for (uint32_t r = 1; r <= 5; r++) /* hv4 hears it again */
		report(&rs, r, NULL, 0, 100 * NS_S);
	c = verdict_next(&f, &rs, &vcfg, view(), 100 * NS_S, 99);
	assert_non_null(strstr(c, "\"recovered\""));
	commit(&f, c);
	assert_false(fsm_host(&f, 5)->failed);
	assert_null(verdict_next(&f, &rs, &vcfg, view(), 100 * NS_S, 99));
	assert_int_equal(rs.recovery_held, 0);
	assert_int_equal(f.noutbox, 2);
	assert_int_equal(f.outbox[1].stopped, 0);
	assert_int_equal(f.outbox[1].generated_at, 99);
	done(&f, &rs);
}

static void test_delivered_and_dump_roundtrip(void **state)
{
	struct fsm f, g;
	char *a, *b;

	(void)state;
	fsm_init(&f);
	fsm_init(&g);
	add_members(&f, 4);
	commit(&f, fsm_cmd_verdict(2, 1234, 0, 3));
	commit(&f, fsm_cmd_delivered(1, "uuid-1", "delivered"));
	commit(&f, fsm_cmd_delivered(1, "uuid-2", "duplicate")); /* first one stands */
	commit(&f, fsm_cmd_maintenance("hv3", 1, 4, 100, 4));
	assert_string_equal(f.outbox[0].uuid, "uuid-1");
	a = fsm_dump(&f);
	assert_int_equal(fsm_load(&g, a), 0);
	b = fsm_dump(&g);
	assert_string_equal(a, b);
	assert_int_equal(fsm_apply(&g, "not json", 8), -1);
	assert_int_equal(fsm_apply(&g, "{\"op\": \"explode\"}", 17), -1);
	free(a);
	free(b);
	fsm_free(&f);
	fsm_free(&g);
}

/* A snapshot whose next_outbox_id is not above its notifications' ids (an
 * older writer, a damaged file): a new notification must not reuse an id,
 * or "delivered" for it would mark the old one and leave it pending. */
static void test_restore_never_reuses_outbox_ids(void **state)
{
	struct fsm f;
	struct fsm_outbox *o;

	(void)state;
	fsm_init(&f);
	assert_int_equal(
		fsm_load(&f, "{\"hosts\":[{\"id\":2,\"name\":\"hv2\",\"hostname\":\"compute-2\","
			     "\"state\":\"member\"}],\"outbox\":[{\"id\":1,\"host_id\":2,"
			     "\"hostname\":\"compute-2\",\"event\":\"STARTED\",\"status\":"
			     "\"delivered\"}],\"next_outbox_id\":1}"),
		0);
	commit(&f, fsm_cmd_verdict(2, 1234, 0, 3));
	assert_int_equal(f.noutbox, 2);
	o = &f.outbox[1];
	assert_int_not_equal(o->id, 1);
	commit(&f, fsm_cmd_delivered(o->id, "uuid-2", "delivered"));
	assert_int_equal(f.outbox[1].status, OUTBOX_DELIVERED);
	fsm_free(&f);
}

/* A string longer than its field is cut at a character boundary: cut inside
 * a UTF-8 sequence it is no JSON string, and the snapshot would lose the
 * notification that holds it. */
static void test_long_utf8_survives_snapshot(void **state)
{
	struct fsm f, g;
	char uuid[80], cmd[160], *a;

	(void)state;
	fsm_init(&f);
	fsm_init(&g);
	add_members(&f, 2);
	commit(&f, fsm_cmd_verdict(2, 1234, 0, 1));
	memset(uuid, 'a', 62);
	snprintf(uuid + 62, sizeof(uuid) - 62, "\xc3\xa9z"); /* 62 bytes, then e-acute */
	snprintf(cmd, sizeof(cmd), "{\"op\":\"delivered\",\"outbox\":1,\"uuid\":\"%s\"}", uuid);
	assert_int_equal(fsm_apply(&f, cmd, strlen(cmd)), 0);
	assert_int_equal(strlen(f.outbox[0].uuid), 62);
	a = fsm_dump(&f);
	assert_int_equal(fsm_load(&g, a), 0);
	assert_int_equal(g.noutbox, 1);
	assert_int_equal(g.outbox[0].status, OUTBOX_DELIVERED);
	free(a);
	fsm_free(&f);
	fsm_free(&g);
}

/* ---- through Raft ------------------------------------------------------------ */

static void test_raft_verdict_replicated(void **state)
{
	struct cluster *c = *state;
	struct reports rs;
	unsigned l = cluster_leader(c);
	uint32_t h5 = 5;
	char name[16], host[32];

	reports_init(&rs);
	for (uint32_t i = 1; i <= 5; i++) {
		snprintf(name, sizeof(name), "hv%u", i);
		snprintf(host, sizeof(host), "compute-%u", i);
		cluster_propose(c, l, fsm_cmd_member(i, name, host, fake_addr(i)), c->n);
	}
	for (uint64_t t = 0; t <= 30 * NS_S; t += NS_S)
		for (uint32_t r = 1; r <= 3; r++)
			report(&rs, r, &h5, 1, t);
	cluster_propose(c, l, verdict_next(&c->fsm[l], &rs, &vcfg, view(), 30 * NS_S, 42), c->n);
	for (unsigned i = 0; i < c->n; i++) {
		assert_true(fsm_host(&c->fsm[i], 5)->failed);
		assert_int_equal(c->fsm[i].noutbox, 1);
		assert_int_equal(c->fsm[i].outbox[0].generated_at, 42);
	}
	reports_free(&rs);
}

static void test_raft_leader_change_keeps_outbox(void **state)
{
	struct cluster *c = *state;
	unsigned l = cluster_leader(c), l2;

	cluster_propose(c, l, fsm_cmd_member(7, "hv7", "compute-7", NULL), c->n);
	cluster_propose(c, l, fsm_cmd_verdict(7, 9, 0, 3), c->n);
	raft_fixture_depose(&c->fx);
	l2 = cluster_leader(c);
	/* The new leader sees the undelivered notification and delivers it. */
	assert_int_equal(c->fsm[l2].outbox[0].status, OUTBOX_PENDING);
	cluster_propose(c, l2, fsm_cmd_delivered(1, "u-1", "delivered"), c->n);
	for (unsigned i = 0; i < c->n; i++)
		assert_int_equal(c->fsm[i].outbox[0].status, OUTBOX_DELIVERED);
}

static void test_raft_minority_cannot_commit(void **state)
{
	struct cluster *c = *state;
	unsigned l = cluster_leader(c), l2;
	struct raft *r;
	raft_index idx;

	cluster_propose(c, l, fsm_cmd_member(8, "hv8", "compute-8", NULL), c->n);
	/* Cut the leader off from both followers. */
	for (unsigned i = 0; i < c->n; i++) {
		if (i == l)
			continue;
		raft_fixture_disconnect(&c->fx, l, i);
		raft_fixture_disconnect(&c->fx, i, l);
	}
	r = raft_fixture_get(&c->fx, l);
	if (raft_fsm_propose(r, fsm_cmd_verdict(8, 1, 0, 3), NULL, NULL) == 0) {
		idx = raft_last_index(r);
		assert_false(raft_fixture_step_until_applied(&c->fx, l, idx, 3000));
	}
	assert_false(fsm_host(&c->fsm[l], 8)->failed);
	/* The isolated leader steps down; the majority elects a leader of its
	 * own and commits. */
	assert_true(raft_fixture_step_until_state_is(&c->fx, l, RAFT_FOLLOWER, 10000) ||
		    raft_state(raft_fixture_get(&c->fx, l)) == RAFT_CANDIDATE);
	l2 = c->n;
	for (int step = 0; step < 200 && l2 == c->n; step++) {
		raft_fixture_step_until_elapsed(&c->fx, 100);
		for (unsigned i = 0; i < c->n; i++)
			if (i != l && raft_state(raft_fixture_get(&c->fx, i)) == RAFT_LEADER)
				l2 = i;
	}
	assert_int_not_equal(l2, c->n);
	r = raft_fixture_get(&c->fx, l2);
	assert_int_equal(raft_fsm_propose(r, fsm_cmd_verdict(8, 2, 0, 3), NULL, NULL), 0);
	idx = raft_last_index(r);
	assert_true(raft_fixture_step_until_applied(&c->fx, l2, idx, 10000));
	assert_true(fsm_host(&c->fsm[l2], 8)->failed);
	assert_false(fsm_host(&c->fsm[l], 8)->failed);
	/* Healed: the old leader catches up, with the majority's verdict only. */
	for (unsigned i = 0; i < c->n; i++) {
		raft_fixture_reconnect(&c->fx, l, i);
		raft_fixture_reconnect(&c->fx, i, l);
	}
	assert_true(raft_fixture_step_until_applied(&c->fx, c->n, idx, 20000));
	assert_true(fsm_host(&c->fsm[l], 8)->failed);
	assert_int_equal(fsm_host(&c->fsm[l], 8)->failed_at, 2);
}

static void test_raft_snapshot_restore(void **state)
{
	struct cluster *c = *state;
	unsigned l = cluster_leader(c), lag = (l + 1) % c->n;
	char name[16];
	char *a, *b;

	for (unsigned i = 0; i < c->n; i++) {
		raft_set_snapshot_threshold(raft_fixture_get(&c->fx, i), 8);
		raft_set_snapshot_trailing(raft_fixture_get(&c->fx, i), 2);
	}
	/* One follower misses many entries; it must catch up from a snapshot. */
	raft_fixture_disconnect(&c->fx, l, lag);
	for (uint32_t i = 100; i < 140; i++) {
		snprintf(name, sizeof(name), "hv%u", i);
		assert_int_equal(raft_fsm_propose(raft_fixture_get(&c->fx, l),
						  fsm_cmd_member(i, name, name, NULL), NULL, NULL),
				 0);
	}
	assert_int_equal(raft_fsm_propose(raft_fixture_get(&c->fx, l),
					  fsm_cmd_verdict(120, 5, 0, 9), NULL, NULL),
			 0);
	assert_true(raft_fixture_step_until_applied(
		&c->fx, l, raft_last_index(raft_fixture_get(&c->fx, l)), 10000));
	raft_fixture_reconnect(&c->fx, l, lag);
	assert_true(raft_fixture_step_until_applied(
		&c->fx, lag, raft_last_index(raft_fixture_get(&c->fx, l)), 20000));
	a = fsm_dump(&c->fsm[l]);
	b = fsm_dump(&c->fsm[lag]);
	assert_string_equal(a, b);
	assert_int_equal(c->fsm[lag].nhosts, 40);
	assert_true(fsm_host(&c->fsm[lag], 120)->failed);
	free(a);
	free(b);
}

/* ---- an unreadable snapshot ------------------------------------------------- */

/* libraft's heap, tracked: every live allocation is known, so a second free
 * of one is counted (and not done) instead of corrupting the process. */
#define TRACKED_MAX 65536
static struct {
	void *live[TRACKED_MAX];
	size_t n;
	unsigned bad_frees;
} tracked;

static void tracked_add(void *p)
{
	if (p && tracked.n < TRACKED_MAX)
		tracked.live[tracked.n++] = p;
}

/* 1 if p was live (and is not any more). */
static int tracked_del(void *p)
{
	for (size_t i = tracked.n; i-- > 0;)
		if (tracked.live[i] == p) {
			tracked.live[i] = tracked.live[--tracked.n];
			return 1;
		}
	return 0;
}

static int tracked_has(const void *p)
{
	for (size_t i = 0; i < tracked.n; i++)
		if (tracked.live[i] == p)
			return 1;
	return 0;
}

/* Zeroed: libraft's fixture reads a field of its server it never sets. */
static void *t_malloc(void *d, size_t n)
{
	void *p = calloc(1, n);

	(void)d;
	tracked_add(p);
	return p;
}

static void t_free(void *d, void *p)
{
	(void)d;
	if (!p)
		return;
	if (!tracked_del(p)) {
		tracked.bad_frees++;
		return;
	}
	free(p);
}

static void *t_calloc(void *d, size_t n, size_t sz)
{
	void *p = calloc(n, sz);

	(void)d;
	tracked_add(p);
	return p;
}

static void *t_realloc(void *d, void *p, size_t n)
{
	void *q;

	(void)d;
	if (p && !tracked_del(p)) {
		tracked.bad_frees++;
		return NULL;
	}
	q = realloc(p, n);
	tracked_add(q ? q : p);
	return q;
}

static void *t_aligned_alloc(void *d, size_t align, size_t n)
{
	void *p = aligned_alloc(align, (n + align - 1) / align * align);

	(void)d;
	tracked_add(p);
	return p;
}

static void t_aligned_free(void *d, size_t align, void *p)
{
	(void)align;
	t_free(d, p);
}

static struct raft_heap tracked_heap = {
	.malloc = t_malloc,
	.free = t_free,
	.calloc = t_calloc,
	.realloc = t_realloc,
	.aligned_alloc = t_aligned_alloc,
	.aligned_free = t_aligned_free,
};

static int tracked_setup(void **state)
{
	(void)state;
	memset(&tracked, 0, sizeof(tracked));
	raft_heap_set(&tracked_heap);
	return 0;
}

static int tracked_teardown(void **state)
{
	(void)state;
	raft_heap_set_default();
	return 0;
}

/* A buffer libraft would hand to restore: raft_malloc'd, not a snapshot. */
static struct raft_buffer torn_buffer(void)
{
	static const char torn[] = "{\"hosts\": [{\"id\": 1, \"na";
	struct raft_buffer b = {.base = raft_malloc(sizeof(torn) - 1), .len = sizeof(torn) - 1};

	memcpy(b.base, torn, b.len);
	return b;
}

/* libraft 0.15 takes the buffer back when restore fails (snapshot.c frees
 * it in every caller's error path): restore must not free it then. */
static void test_restore_malformed_leaves_buffer_to_libraft(void **state)
{
	struct raft_buffer b = torn_buffer();
	struct raft_fsm rf;
	struct fsm f;

	(void)state;
	fsm_init(&f);
	raft_fsm_init(&rf, &f);
	assert_int_equal(rf.restore(&rf, &b), RAFT_MALFORMED);
	assert_true(tracked_has(b.base)); /* still ours (libraft's) to free */
	raft_free(b.base);
	assert_int_equal(tracked.bad_frees, 0);
	assert_int_equal(f.nhosts, 0); /* nothing half-loaded */
	fsm_free(&f);
}

/* A server whose stored snapshot is unreadable: raft_start fails cleanly
 * (the agent logs it and exits), with no double free of the snapshot. */
static void test_start_with_torn_snapshot_fails_cleanly(void **state)
{
	struct raft_fixture fx;
	struct raft_snapshot *snap;
	struct raft_fsm rf;
	struct fsm f;

	(void)state;
	memset(&fx, 0, sizeof(fx)); /* see t_malloc */
	fsm_init(&f);
	raft_fsm_init(&rf, &f);
	assert_int_equal(raft_fixture_initialize(&fx), 0);
	assert_int_equal(raft_fixture_grow(&fx, &rf), 0);
	snap = raft_malloc(sizeof(*snap));
	memset(snap, 0, sizeof(*snap));
	snap->index = 8;
	snap->term = 2;
	assert_int_equal(raft_fixture_configuration(&fx, 1, &snap->configuration), 0);
	snap->configuration_index = 1;
	snap->bufs = raft_malloc(sizeof(*snap->bufs));
	snap->bufs[0] = torn_buffer();
	snap->n_bufs = 1;
	raft_fixture_set_snapshot(&fx, 0, snap);
	assert_int_equal(raft_fixture_start(&fx), RAFT_MALFORMED);
	assert_int_equal(tracked.bad_frees, 0);
	raft_fixture_close(&fx);
	assert_int_equal(tracked.bad_frees, 0);
	fsm_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verdict_needs_majority_for_wait_period),
		cmocka_unit_test(test_leader_hearing_host_holds_verdict),
		cmocka_unit_test(test_two_of_five_is_not_enough),
		cmocka_unit_test(test_unbuildable_member_does_not_block_verdicts),
		cmocka_unit_test(test_unheard_reporter_not_admitted),
		cmocka_unit_test(test_return_before_wait_cancels),
		cmocka_unit_test(test_silent_reporter_does_not_count),
		cmocka_unit_test(test_silent_reporter_starts_over),
		cmocka_unit_test(test_maintenance_never_notified),
		cmocka_unit_test(test_maintenance_replay_refused),
		cmocka_unit_test(test_hold_when_too_few_healthy),
		cmocka_unit_test(test_recovery_sends_started),
		cmocka_unit_test(test_delivered_and_dump_roundtrip),
		cmocka_unit_test(test_restore_never_reuses_outbox_ids),
		cmocka_unit_test(test_long_utf8_survives_snapshot),
		cmocka_unit_test_setup_teardown(test_raft_verdict_replicated, cluster_setup,
						cluster_teardown),
		cmocka_unit_test_setup_teardown(test_raft_leader_change_keeps_outbox, cluster_setup,
						cluster_teardown),
		cmocka_unit_test_setup_teardown(test_raft_minority_cannot_commit, cluster_setup,
						cluster_teardown),
		cmocka_unit_test_setup_teardown(test_raft_snapshot_restore, cluster_setup,
						cluster_teardown),
		cmocka_unit_test_setup_teardown(test_restore_malformed_leaves_buffer_to_libraft,
						tracked_setup, tracked_teardown),
		cmocka_unit_test_setup_teardown(test_start_with_torn_snapshot_fails_cleanly,
						tracked_setup, tracked_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
