// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_memb.c - the membership rules that guard against forged or
 * replayed claims (core/memb.c), on the real code with a fake world:
 * incarnations never wrap and an epoch beyond the clock is refused; every
 * untrue claim about oneself is refuted; a rebooted member is taken back;
 * a JOIN is answered with one update, not the table; only the relays asked
 * vouch for a probe; the table is bounded, long-dead members reaped, and
 * dead members contacted within a budget.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "learn.h"
#include "util.h"
#include "memb_fake.h"

#define NOW fake_wall_s_value
#define MS  1000000ULL

static struct memb m;

static int setup(void **state)
{
	(void)state;
	fake_now_ns = 1000000000ULL;
	fake_sent = fake_removed = 0;
	fake_memb_init(&m);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	memb_free(&m);
	return 0;
}

/* A GOSSIP from sender (a member) with one update about id. */
static void gossip(uint32_t sender, uint32_t id, enum memb_state st, uint64_t inc, const char *addr)
{
	struct wire_update u;
	struct sockaddr_in *sin = (struct sockaddr_in *)&u.addr;
	uint8_t buf[VIGIL_MAX_MSG];
	size_t len;

	memset(&u, 0, sizeof(u));
	u.node_id = id;
	u.state = (uint8_t)st;
	u.incarnation = inc;
	u.role = id == FAKE_SELF ? VIGIL_ROLE_SERVER : VIGIL_ROLE_CLIENT;
	u.from_id = sender;
	if (addr) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(7301);
		assert_int_equal(inet_pton(AF_INET, addr, &sin->sin_addr), 1);
		u.addrlen = sizeof(*sin);
	}
	snprintf(u.name, sizeof(u.name), id == FAKE_SELF ? "self" : "hv%u", id);
	len = wire_updates_encode(buf, sizeof(buf), VIGIL_MSG_GOSSIP, FAKE_CLUSTER, sender, &u, 1);
	fake_deliver(&m, buf, len, sender);
}

/* A DEAD claim at the last incarnation of an epoch used to make us refute
 * with inc + 1 = 0 in 32 bits, which everyone ignored forever. */
static void test_refutation_never_wraps(void **state)
{
	uint64_t claim = NOW << 32 | 0xffffffffULL;

	(void)state;
	fake_member(&m, 2, VIGIL_ROLE_CLIENT, MEMB_ALIVE, 0);
	gossip(2, FAKE_SELF, MEMB_DEAD, claim, NULL);
	assert_true(m.self.incarnation > claim);
	assert_int_equal(m.self.incarnation, (NOW + 1) << 32);
	assert_int_equal(m.stats.refutations, 1);
}

/* A claim with an epoch beyond the clock could never be outbid: refused,
 * whoever it is about, and counted. */
static void test_future_epoch_refused(void **state)
{
	(void)state;
	fake_member(&m, 2, VIGIL_ROLE_CLIENT, MEMB_ALIVE, NOW << 32);
	gossip(2, 2, MEMB_DEAD, (NOW + VIGIL_EPOCH_AHEAD_S + 1) << 32, NULL);
	assert_int_equal(memb_find(&m, 2)->state, MEMB_ALIVE);
	gossip(2, FAKE_SELF, MEMB_DEAD, UINT64_MAX, NULL);
	assert_int_equal(m.self.incarnation, NOW << 32);
	assert_int_equal(m.stats.future_claims, 2);
	assert_int_equal(m.stats.refutations, 0);
	/* at the edge of the window it is taken */
	gossip(2, 2, MEMB_DEAD, (NOW + VIGIL_EPOCH_AHEAD_S) << 32, NULL);
	assert_int_equal(memb_find(&m, 2)->state, MEMB_DEAD);
}

/* LEFT, or ALIVE at another address, said of us: refuted, not ignored. */
static void test_untrue_claims_about_self_refuted(void **state)
{
	uint64_t inc = m.self.incarnation;

	(void)state;
	fake_member(&m, 2, VIGIL_ROLE_CLIENT, MEMB_ALIVE, 0);
	gossip(2, FAKE_SELF, MEMB_LEFT, inc, NULL);
	assert_int_equal(m.self.incarnation, inc + 1);
	gossip(2, FAKE_SELF, MEMB_ALIVE, inc + 1, "10.9.9.9");
	assert_int_equal(m.self.incarnation, inc + 2);
	/* what is true is not refuted: alive, no address given, our incarnation */
	gossip(2, FAKE_SELF, MEMB_ALIVE, inc + 2, NULL);
	assert_int_equal(m.self.incarnation, inc + 2);
	assert_int_equal(m.stats.refutations, 2);
	/* an older false claim: answered, not refuted */
	fake_sent = 0;
	gossip(2, FAKE_SELF, MEMB_DEAD, inc, NULL);
	assert_int_equal(m.self.incarnation, inc + 2);
	assert_int_equal(fake_sent, 1);
}

/* A member that left (or died) and came back after a reboot starts at a
 * later epoch: its ALIVE is newer than what we hold, whatever its count. */
static void test_rebooted_member_taken_back(void **state)
{
	(void)state;
	fake_member(&m, 3, VIGIL_ROLE_SERVER, MEMB_ALIVE, (NOW - 3600) << 32);
	fake_member(&m, 3, VIGIL_ROLE_SERVER, MEMB_LEFT, ((NOW - 3600) << 32) + 7);
	assert_int_equal(memb_find(&m, 3)->state, MEMB_LEFT);
	gossip(3, 3, MEMB_ALIVE, NOW << 32, "10.0.0.3");
	assert_int_equal(memb_find(&m, 3)->state, MEMB_ALIVE);
}

/* A JOIN (replayable from any source address) is answered with one update,
 * our own, never the table (the joiner gets that by push-pull over TCP). */
static void test_join_answered_with_one_update(void **state)
{
	struct wire_update u[VIGIL_GOSSIP_MAX_UPDATES];
	struct wire_update j;
	uint8_t buf[VIGIL_MAX_MSG];
	size_t len, n;

	(void)state;
	for (uint32_t id = 10; id < 60; id++)
		fake_member(&m, id, VIGIL_ROLE_CLIENT, MEMB_ALIVE, 0);
	memset(&j, 0, sizeof(j));
	j.node_id = 99;
	j.incarnation = NOW << 32;
	snprintf(j.name, sizeof(j.name), "joiner");
	len = wire_updates_encode(buf, sizeof(buf), VIGIL_MSG_JOIN, FAKE_CLUSTER, 99, &j, 1);
	/* no news for the others: the joiner is known already, so the only
	 * datagram is the answer */
	fake_member(&m, 99, VIGIL_ROLE_CLIENT, MEMB_ALIVE, NOW << 32);
	fake_sent = 0;
	fake_deliver(&m, buf, len, 99);
	assert_int_equal(fake_sent, 1);
	assert_int_equal(((struct sockaddr_in *)&fake_last_to)->sin_addr.s_addr, htonl(0x0a000063));
	assert_int_equal(
		wire_updates_decode(fake_last, fake_last_len, u, VIGIL_GOSSIP_MAX_UPDATES, &n),
		WIRE_OK);
	assert_int_equal(n, 1);
	assert_int_equal(u[0].node_id, FAKE_SELF);
	assert_true(fake_last_len <= len); /* no amplification */
}

/* Drive member 2 into its indirect phase: its direct probe unanswered. */
static struct member *indirect_probe_of_2(void)
{
	struct member *mb;

	for (uint32_t id = 2; id <= 6; id++)
		fake_member(&m, id, VIGIL_ROLE_CLIENT, MEMB_ALIVE, 0);
	mb = memb_find(&m, 2);
	for (int i = 0; i < 400 && mb->probe_phase != 2; i++) {
		fake_now_ns += MEMB_TICK_MS * MS;
		memb_tick(&m);
	}
	assert_int_equal(mb->probe_phase, 2);
	assert_true(mb->nrelays > 0);
	return mb;
}

static void relay_answer(uint32_t relay, const struct member *target)
{
	struct wire_relay r = {
		.target_id = target->id, .req_seq = target->probe_seq - 1, .acked = 1};
	struct vigil_relay msg;
	size_t len = wire_relay_encode(&msg, VIGIL_MSG_RELAY_ANS, FAKE_CLUSTER, relay, &r);

	fake_deliver(&m, &msg, len, relay);
}

/* Only a relay we asked can vouch for the target. */
static void test_relay_answer_bound_to_relays_asked(void **state)
{
	struct member *mb = indirect_probe_of_2();
	uint32_t stranger = 0;

	(void)state;
	for (uint32_t id = 3; id <= 6 && !stranger; id++) {
		int asked = 0;

		for (uint32_t i = 0; i < mb->nrelays; i++)
			asked |= mb->relays[i] == id;
		if (!asked)
			stranger = id;
	}
	assert_int_not_equal(stranger, 0);
	relay_answer(stranger, mb);
	assert_int_equal(mb->indirect_acks, 0);
	assert_int_equal(m.stats.foreign_answers, 1);
	relay_answer(mb->relays[0], mb);
	assert_int_equal(mb->indirect_acks, 1);
}

static void test_member_table_bounded(void **state)
{
	(void)state;
	m.cfg.max_members = 20;
	for (uint32_t id = 1; id <= 30; id++)
		fake_member(&m, id, VIGIL_ROLE_CLIENT, MEMB_ALIVE, 0);
	assert_int_equal(m.n, 20);
	assert_int_equal(m.stats.members_refused, 10);
}

static void test_long_dead_reaped(void **state)
{
	(void)state;
	m.cfg.reap_after_ms = 60000;
	fake_member(&m, 2, VIGIL_ROLE_CLIENT, MEMB_DEAD, 0);
	fake_member(&m, 3, VIGIL_ROLE_CLIENT, MEMB_ALIVE, 0);
	fake_member(&m, 4, VIGIL_ROLE_CLIENT, MEMB_LEFT, 1);
	fake_now_ns += 59000 * MS;
	memb_tick(&m);
	assert_int_equal(m.n, 3);
	fake_now_ns += 1000 * MS;
	memb_tick(&m);
	assert_int_equal(m.n, 1);
	assert_non_null(memb_find(&m, 3));
	assert_int_equal(fake_removed, 2);
	assert_int_equal(m.stats.reaped, 2);
}

/* A table full of (forged) dead members cannot make us a traffic source:
 * dead members are told so at most MEMB_DEAD_CONTACTS_PER_S in all. */
static void test_dead_contacts_budgeted(void **state)
{
	(void)state;
	for (uint32_t id = 1; id <= 500; id++)
		fake_member(&m, id, VIGIL_ROLE_CLIENT, MEMB_DEAD, 0);
	fake_sent = 0;
	for (int i = 0; i < 2000; i++) { /* 10 s */
		fake_now_ns += MEMB_TICK_MS * MS;
		memb_tick(&m);
	}
	assert_true(fake_sent <= 11 * MEMB_DEAD_CONTACTS_PER_S);
	assert_true(fake_sent >= 9 * MEMB_DEAD_CONTACTS_PER_S);
}

/* After a restart we hear of a death we did not know of (the host was down
 * before we started): we learn the member and verify it with our own
 * probes, suspected by us alone, until our suspicion runs out. */
static void test_unknown_death_learned_and_verified(void **state)
{
	struct member *mb;
	unsigned sent;

	(void)state;
	gossip(2, 9, MEMB_DEAD, 5, "10.0.0.9");
	mb = memb_find(&m, 9);
	assert_non_null(mb);
	assert_int_equal(mb->state, MEMB_SUSPECT);
	assert_int_equal(mb->nconfirm, 1);
	assert_int_equal(mb->confirmers[0], FAKE_SELF); /* not the claim's sender */
	assert_int_equal(m.stats.learned, 1);
	sent = fake_sent;
	for (int i = 0; i < 2000 && mb->state == MEMB_SUSPECT; i++) { /* <= 10 s */
		fake_now_ns += MEMB_TICK_MS * MS;
		memb_tick(&m);
	}
	assert_int_equal(mb->state, MEMB_DEAD);
	assert_true(fake_sent > sent); /* it was probed, not just believed */
}

/* Only a death heard from a member teaches us; a full-state merge (push-pull)
 * never brings back what the others may already have forgotten, and a
 * member that left is never learned. */
static void test_merge_and_leave_never_learned(void **state)
{
	struct wire_update u;

	(void)state;
	memset(&u, 0, sizeof(u));
	u.node_id = 9;
	u.state = VIGIL_ST_DEAD;
	u.incarnation = 5;
	snprintf(u.name, sizeof(u.name), "hv9");
	memb_merge(&m, &u, 1);
	assert_null(memb_find(&m, 9));
	gossip(2, 10, MEMB_LEFT, 5, "10.0.0.10");
	assert_null(memb_find(&m, 10));
	assert_int_equal(m.stats.learned, 0);
}

/* A host the decided state counts and we never heard of: learned at the
 * lowest incarnation, so the host's own word (it answers, it gossips)
 * always overrides it. */
static void test_learned_member_overridden_by_its_own_word(void **state)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	struct member *mb;

	(void)state;
	assert_int_equal(addr_parse("10.0.0.11:7301", 7301, &ss, &sl), 0);
	assert_int_equal(memb_learn(&m, 11, "hv11", (struct sockaddr *)&ss, sl), 1);
	assert_int_equal(memb_learn(&m, 11, "hv11", (struct sockaddr *)&ss, sl), 0);
	assert_int_equal(memb_learn(&m, FAKE_SELF, "self", (struct sockaddr *)&ss, sl), 0);
	mb = memb_find(&m, 11);
	assert_int_equal(mb->state, MEMB_SUSPECT);
	assert_int_equal(mb->incarnation, 0);
	gossip(11, 11, MEMB_ALIVE, NOW << 32, "10.0.0.11");
	assert_int_equal(mb->state, MEMB_ALIVE);
}

/* A server teaches its membership the hosts of the decided state: those
 * without a verdict that did not leave, with a recorded address. */
static void test_decided_hosts_learned(void **state)
{
	struct fsm f;
	char *c;
	struct member *mb;

	(void)state;
	fsm_init(&f);
	for (uint32_t id = 2; id <= 6; id++) {
		char name[16], addr[32];

		snprintf(name, sizeof(name), "hv%u", id);
		snprintf(addr, sizeof(addr), "10.0.0.%u:7301", id);
		c = fsm_cmd_member(id, name, name, id == 6 ? NULL : addr);
		fsm_apply(&f, c, strlen(c));
		free(c);
	}
	c = fsm_cmd_verdict(3, 1, 0, 3); /* hv3 has its verdict */
	fsm_apply(&f, c, strlen(c));
	free(c);
	c = fsm_cmd_left(4); /* hv4 left */
	fsm_apply(&f, c, strlen(c));
	free(c);
	/* hv2 and hv5 are learned; hv6 has no address recorded */
	assert_int_equal(learn_decided_hosts(&m, &f, 7301, 1), 2);
	assert_non_null(memb_find(&m, 2));
	assert_non_null(memb_find(&m, 5));
	assert_null(memb_find(&m, 3));
	assert_null(memb_find(&m, 4));
	assert_null(memb_find(&m, 6));
	assert_int_equal(learn_decided_hosts(&m, &f, 7301, 1), 0);
	/* a death without a verdict is told again */
	mb = memb_find(&m, 2);
	mb->state = MEMB_DEAD;
	mb->transmits_left = 0;
	learn_decided_hosts(&m, &f, 7301, 1);
	assert_true(mb->transmits_left > 0);
	fsm_free(&f);
}

/* A host forgotten through Raft that we find dead: told left, at its
 * incarnation, by every server (learn_forgotten); then never contacted
 * again, and a stale dead or suspect claim about it loses; the host itself
 * comes back with a newer word. One alive is never touched. */
static void test_forgotten_host_told_left(void **state)
{
	struct fsm_request rq = {.sender = 9, .epoch = 100, .seq = 1, .by = "hv9", .reason = ""};
	struct member *mb;
	uint64_t contact;
	struct fsm f;
	char *c;

	(void)state;
	fake_member(&m, 7, VIGIL_ROLE_CLIENT, MEMB_DEAD, 5);
	mb = memb_find(&m, 7);
	for (int i = 0; i < 2000; i++) { /* 10 s: a dead member is contacted */
		fake_now_ns += MEMB_TICK_MS * MS;
		memb_tick(&m);
	}
	assert_true(mb->last_dead_contact_ns > 0);
	fake_member(&m, 8, VIGIL_ROLE_CLIENT, MEMB_ALIVE, 5);
	fsm_init(&f);
	for (uint32_t id = 7; id <= 8; id++) {
		c = fsm_cmd_member(id, id == 7 ? "hv7" : "hv8", "x", "");
		fsm_apply(&f, c, strlen(c));
		free(c);
		c = fsm_cmd_left(id);
		fsm_apply(&f, c, strlen(c));
		free(c);
		rq.seq = id;
		c = fsm_cmd_forget(id, &rq);
		fsm_apply(&f, c, strlen(c));
		free(c);
	}
	assert_int_equal(f.naudit, 2);
	mb->transmits_left = 0;
	assert_int_equal(learn_forgotten(&m, &f), 1); /* hv8 runs: not touched */
	assert_int_equal(mb->state, MEMB_LEFT);
	assert_int_equal(mb->incarnation, 5);
	assert_true(mb->transmits_left > 0); /* told to everyone */
	assert_int_equal(memb_find(&m, 8)->state, MEMB_ALIVE);
	assert_int_equal(learn_forgotten(&m, &f), 0); /* told once */
	contact = mb->last_dead_contact_ns;
	gossip(2, 7, MEMB_DEAD, 5, "10.0.0.7");
	gossip(2, 7, MEMB_SUSPECT, 5, "10.0.0.7");
	assert_int_equal(mb->state, MEMB_LEFT);
	for (int i = 0; i < 2000; i++) {
		fake_now_ns += MEMB_TICK_MS * MS;
		memb_tick(&m);
	}
	assert_int_equal(mb->last_dead_contact_ns, contact);
	assert_int_equal(mb->probe_phase, 0);
	/* a host that reports again is counted again: no longer told left */
	c = fsm_cmd_member(7, "hv7", "x", "");
	fsm_apply(&f, c, strlen(c));
	free(c);
	gossip(7, 7, MEMB_ALIVE, 6, "10.0.0.7");
	assert_int_equal(mb->state, MEMB_ALIVE);
	learn_forgotten(&m, &f); /* (hv8, dead by now, is told left) */
	assert_int_equal(mb->state, MEMB_ALIVE);
	fsm_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_refutation_never_wraps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_future_epoch_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_untrue_claims_about_self_refuted, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_rebooted_member_taken_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_join_answered_with_one_update, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_relay_answer_bound_to_relays_asked, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_member_table_bounded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_dead_reaped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dead_contacts_budgeted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_death_learned_and_verified, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_merge_and_leave_never_learned, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_learned_member_overridden_by_its_own_word,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_decided_hosts_learned, setup, teardown),
		cmocka_unit_test_setup_teardown(test_forgotten_host_told_left, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
