// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_voters.c - the Raft leader's voter rule (core/voters.c) on a real
 * membership table: alive servers join and become voters, a server that
 * left is removed, a crashed one is removed only with a committed failure
 * verdict and a replacement voter, never to shrink below the configured
 * servers; clients never vote.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fsm.h"
#include "memb_fake.h"
#include "voters.h"

/* Raft configuration: ids 1..n as voters, then extra ones with role. */
static void conf_voters(struct raft_configuration *conf, unsigned n)
{
	char addr[32];

	raft_configuration_init(conf);
	for (unsigned i = 1; i <= n; i++) {
		snprintf(addr, sizeof(addr), "10.0.0.%u:7300", i);
		assert_int_equal(raft_configuration_add(conf, i, addr, RAFT_VOTER), 0);
	}
}

static void member(struct fsm *f, uint32_t id)
{
	char name[16], *c;

	snprintf(name, sizeof(name), "hv%u", id);
	c = fsm_cmd_member(id, name, name, NULL);
	fsm_apply(f, c, strlen(c));
	free(c);
}

static void verdict(struct fsm *f, uint32_t id)
{
	char *c = fsm_cmd_verdict(id, 1, 0, 3);

	fsm_apply(f, c, strlen(c));
	free(c);
}

struct world {
	struct raft_configuration conf;
	struct memb m;
	struct fsm f;
};

static int setup(void **state)
{
	struct world *w = calloc(1, sizeof(*w));

	fake_memb_init(&w->m);
	fsm_init(&w->f);
	conf_voters(&w->conf, 3);
	for (uint32_t i = 1; i <= 3; i++) {
		fake_member(&w->m, i, VIGIL_ROLE_SERVER, MEMB_ALIVE, 0);
		member(&w->f, i);
	}
	*state = w;
	return 0;
}

static int teardown(void **state)
{
	struct world *w = *state;

	raft_configuration_close(&w->conf);
	memb_free(&w->m);
	fsm_free(&w->f);
	free(w);
	return 0;
}

static void test_steady_state_changes_nothing(void **state)
{
	struct world *w = *state;
	struct voter_change vc;

	fake_member(&w->m, 10, VIGIL_ROLE_CLIENT, MEMB_ALIVE, 0);
	assert_int_equal(voters_count(&w->conf), 3);
	assert_int_equal(voters_next(&w->conf, &w->m, &w->f, 3, &vc), VOTER_NONE);
	assert_null(vc.member);
}

static void test_new_server_added_then_promoted(void **state)
{
	struct world *w = *state;
	struct voter_change vc;

	fake_member(&w->m, 4, VIGIL_ROLE_SERVER, MEMB_ALIVE, 0);
	assert_int_equal(voters_next(&w->conf, &w->m, &w->f, 3, &vc), VOTER_ADD);
	assert_int_equal(vc.member->id, 4);
	assert_int_equal(raft_configuration_add(&w->conf, 4, "10.0.0.4:7300", RAFT_SPARE), 0);
	assert_int_equal(voters_next(&w->conf, &w->m, &w->f, 3, &vc), VOTER_PROMOTE);
	assert_int_equal(vc.member->id, 4);
	w->conf.servers[3].role = RAFT_VOTER;
	assert_int_equal(voters_next(&w->conf, &w->m, &w->f, 3, &vc), VOTER_NONE);
}

static void test_suspect_server_not_added(void **state)
{
	struct world *w = *state;
	struct voter_change vc;

	fake_member(&w->m, 4, VIGIL_ROLE_SERVER, MEMB_SUSPECT, 0);
	assert_int_equal(voters_next(&w->conf, &w->m, &w->f, 3, &vc), VOTER_NONE);
}

/* A server that left keeps its vote while it is needed to make up the
 * configured count; a spare that left, or a voter beyond the count, goes. */
static void test_left_server_removed(void **state)
{
	struct world *w = *state;
	struct voter_change vc;

	fake_member(&w->m, 2, VIGIL_ROLE_SERVER, MEMB_LEFT, 1);
	assert_int_equal(voters_next(&w->conf, &w->m, &w->f, 3, &vc), VOTER_NONE);
	fake_member(&w->m, 4, VIGIL_ROLE_SERVER, MEMB_ALIVE, 0);
	assert_int_equal(raft_configuration_add(&w->conf, 4, "10.0.0.4:7300", RAFT_VOTER), 0);
	assert_int_equal(voters_next(&w->conf, &w->m, &w->f, 3, &vc), VOTER_REMOVE);
	assert_int_equal(vc.member->id, 2);
	fake_member(&w->m, 5, VIGIL_ROLE_SERVER, MEMB_LEFT, 1);
	assert_int_equal(raft_configuration_add(&w->conf, 5, "10.0.0.5:7300", RAFT_SPARE), 0);
	assert_int_equal(voters_next(&w->conf, &w->m, &w->f, 5, &vc), VOTER_REMOVE);
	assert_int_equal(vc.member->id, 5);
}

/* The zone powered down cleanly, server after server: each leaves while the
 * others still elect a leader. The voters never drop below the configured
 * three, so the zone elects a leader again once any two of them return. */
static void test_zone_power_down_keeps_voters(void **state)
{
	struct world *w = *state;
	struct voter_change vc;

	for (uint32_t id = 1; id <= 3; id++) {
		fake_member(&w->m, id, VIGIL_ROLE_SERVER, MEMB_LEFT, 1);
		while (voters_next(&w->conf, &w->m, &w->f, 3, &vc) == VOTER_REMOVE) {
			struct raft_configuration next;

			/* apply the removal as libraft would */
			raft_configuration_init(&next);
			for (unsigned i = 0; i < w->conf.n; i++)
				if (w->conf.servers[i].id != vc.member->id)
					assert_int_equal(
						raft_configuration_add(&next, w->conf.servers[i].id,
								       w->conf.servers[i].address,
								       w->conf.servers[i].role),
						0);
			raft_configuration_close(&w->conf);
			w->conf = next;
		}
		assert_int_equal(voters_count(&w->conf), 3);
	}
}

/* A partition's survivors must not shrink the quorum to their own size. */
static void test_crashed_server_kept_without_verdict(void **state)
{
	struct world *w = *state;
	struct voter_change vc;

	fake_member(&w->m, 3, VIGIL_ROLE_SERVER, MEMB_DEAD, 0);
	assert_int_equal(voters_next(&w->conf, &w->m, &w->f, 3, &vc), VOTER_NONE);
	/* Even with its failure verdict: no replacement yet, so it stays. */
	verdict(&w->f, 3);
	assert_true(fsm_host(&w->f, 3)->failed);
	assert_int_equal(voters_next(&w->conf, &w->m, &w->f, 3, &vc), VOTER_NONE);
}

static void test_crashed_server_replaced(void **state)
{
	struct world *w = *state;
	struct voter_change vc;

	fake_member(&w->m, 3, VIGIL_ROLE_SERVER, MEMB_DEAD, 0);
	fake_member(&w->m, 4, VIGIL_ROLE_SERVER, MEMB_ALIVE, 0);
	assert_int_equal(raft_configuration_add(&w->conf, 4, "10.0.0.4:7300", RAFT_VOTER), 0);
	/* four voters for three configured, but no verdict yet: kept */
	assert_int_equal(voters_next(&w->conf, &w->m, &w->f, 3, &vc), VOTER_NONE);
	verdict(&w->f, 3);
	assert_int_equal(voters_next(&w->conf, &w->m, &w->f, 3, &vc), VOTER_REMOVE);
	assert_int_equal(vc.member->id, 3);
	/* with five configured, four voters is not "more than configured" */
	assert_int_equal(voters_next(&w->conf, &w->m, &w->f, 5, &vc), VOTER_NONE);
}

static void test_client_never_votes(void **state)
{
	struct world *w = *state;
	struct voter_change vc;

	fake_member(&w->m, 20, VIGIL_ROLE_CLIENT, MEMB_ALIVE, 0);
	fake_member(&w->m, 21, VIGIL_ROLE_CLIENT, MEMB_LEFT, 1);
	assert_int_equal(voters_next(&w->conf, &w->m, &w->f, 3, &vc), VOTER_NONE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_steady_state_changes_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_new_server_added_then_promoted, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_suspect_server_not_added, setup, teardown),
		cmocka_unit_test_setup_teardown(test_left_server_removed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_zone_power_down_keeps_voters, setup, teardown),
		cmocka_unit_test_setup_teardown(test_crashed_server_kept_without_verdict, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_crashed_server_replaced, setup, teardown),
		cmocka_unit_test_setup_teardown(test_client_never_votes, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
