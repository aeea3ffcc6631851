/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * raft_cluster.h - three servers of vigil's replicated state machine
 * (core/fsm.c through core/raft_fsm.c) in libraft's deterministic in-memory
 * fixture, for the unit tests of what goes through Raft. Include after
 * cmocka.h; use cluster_setup/cluster_teardown as a test's setup/teardown.
 */
#ifndef VIGIL_TEST_RAFT_CLUSTER_H
#define VIGIL_TEST_RAFT_CLUSTER_H

#include <stdlib.h>

#include <raft.h>
#include <raft/fixture.h>

#include "fsm.h"
#include "raft_fsm.h"

#define N_SERVERS 3

struct cluster {
	struct raft_fixture fx;
	struct fsm fsm[N_SERVERS];
	struct raft_fsm rfsm[N_SERVERS];
	unsigned n;
};

static int cluster_setup(void **state)
{
	struct cluster *c = calloc(1, sizeof(*c));
	struct raft_configuration conf;

	if (!c || raft_fixture_initialize(&c->fx))
		return -1;
	for (unsigned i = 0; i < N_SERVERS; i++) {
		fsm_init(&c->fsm[i]);
		raft_fsm_init(&c->rfsm[i], &c->fsm[i]);
		if (raft_fixture_grow(&c->fx, &c->rfsm[i]))
			return -1;
	}
	c->n = N_SERVERS;
	if (raft_fixture_configuration(&c->fx, N_SERVERS, &conf) ||
	    raft_fixture_bootstrap(&c->fx, &conf))
		return -1;
	raft_configuration_close(&conf);
	if (raft_fixture_start(&c->fx))
		return -1;
	*state = c;
	return 0;
}

static int cluster_teardown(void **state)
{
	struct cluster *c = *state;

	raft_fixture_close(&c->fx);
	for (unsigned i = 0; i < c->n; i++)
		fsm_free(&c->fsm[i]);
	free(c);
	return 0;
}

/* The leader's index, once there is one. */
static unsigned cluster_leader(struct cluster *c)
{
	assert_true(raft_fixture_step_until_has_leader(&c->fx, 20000));
	return raft_fixture_leader_index(&c->fx);
}

/* Propose cmd on server l and step until server `on` applied it. */
static void cluster_propose(struct cluster *c, unsigned l, char *cmd, unsigned on)
{
	struct raft *r = raft_fixture_get(&c->fx, l);

	assert_int_equal(raft_fsm_propose(r, cmd, NULL, NULL), 0);
	assert_true(raft_fixture_step_until_applied(&c->fx, on, raft_last_index(r), 20000));
}

#endif /* VIGIL_TEST_RAFT_CLUSTER_H */
