// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_report.c - what a member reports to the servers (core/report.c): the
 * members its table finds dead, all of them when they fit one REPORT, the
 * most recent deaths first when they do not.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "memb_fake.h"
#include "report.h"

/* More dead members than one REPORT carries: the most recent deaths go first. */
static void test_report_select_newest_first(void **state)
{
	enum { N = VIGIL_REPORT_MAX_IDS + 100 };
	static struct dead_member d[N];
	static uint32_t ids[VIGIL_REPORT_MAX_IDS];
	size_t n;

	(void)state;
	for (uint32_t i = 0; i < N; i++) /* id i + 1 died at time (i * 7919) % N */
		d[i] = (struct dead_member){i + 1, (uint64_t)((i * 7919u) % N), 1};
	n = report_select(d, N, ids, VIGIL_REPORT_MAX_IDS);
	assert_int_equal(n, VIGIL_REPORT_MAX_IDS);
	/* Exactly the ids whose death time is among the newest VIGIL_REPORT_MAX_IDS. */
	for (size_t k = 0; k < n; k++) {
		uint64_t since = ((uint64_t)(ids[k] - 1) * 7919u) % N;

		assert_true(since >= N - VIGIL_REPORT_MAX_IDS);
		for (size_t j = 0; j < k; j++)
			assert_int_not_equal(ids[j], ids[k]);
	}
	/* When they fit, all of them, in table order. */
	for (uint32_t i = 0; i < 3; i++)
		d[i] = (struct dead_member){10 + i, i, 1};
	n = report_select(d, 3, ids, VIGIL_REPORT_MAX_IDS);
	assert_int_equal(n, 3);
	assert_int_equal(ids[0], 10);
	assert_int_equal(ids[2], 12);
}

/* The table's dead members, and only they. */
static void test_build_lists_the_dead(void **state)
{
	struct wire_report r;
	struct memb m;

	(void)state;
	fake_memb_init(&m);
	fake_member(&m, 1, VIGIL_ROLE_SERVER, MEMB_ALIVE, 0);
	fake_member(&m, 2, VIGIL_ROLE_CLIENT, MEMB_DEAD, 0);
	fake_member(&m, 3, VIGIL_ROLE_CLIENT, MEMB_SUSPECT, 0);
	fake_member(&m, 4, VIGIL_ROLE_CLIENT, MEMB_LEFT, 1);
	fake_member(&m, 5, VIGIL_ROLE_SERVER, MEMB_DEAD, 3);
	memset(&r, 0, sizeof(r));
	assert_int_equal(report_build(&m, &r), 2);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.ids[0], 2);
	assert_int_equal(r.ids[1], 5);
	/* a dead member that comes back is no longer reported */
	fake_member(&m, 2, VIGIL_ROLE_CLIENT, MEMB_ALIVE, 1);
	assert_int_equal(report_build(&m, &r), 1);
	assert_int_equal(r.ids[0], 5);
	memb_free(&m);
}

/* More dead than a report holds: a new death is never crowded out. */
static void test_build_new_death_fits(void **state)
{
	const uint32_t many = VIGIL_REPORT_MAX_IDS + 50;
	struct wire_report r;
	struct memb m;
	int found = 0;

	(void)state;
	fake_memb_init(&m);
	for (uint32_t id = 1; id <= many; id++) {
		fake_now_ns += 1000000; /* each died a millisecond after the previous */
		fake_member(&m, id, VIGIL_ROLE_CLIENT, MEMB_DEAD, 0);
	}
	fake_now_ns += 1000000000;
	fake_member(&m, 9999, VIGIL_ROLE_CLIENT, MEMB_DEAD, 0); /* the newest death */
	assert_int_equal(report_build(&m, &r), many + 1);
	assert_int_equal(r.n, VIGIL_REPORT_MAX_IDS);
	for (size_t i = 0; i < r.n; i++) {
		found |= r.ids[i] == 9999;
		assert_true(r.ids[i] > many + 1 - VIGIL_REPORT_MAX_IDS); /* the oldest left out */
	}
	assert_true(found);
	memb_free(&m);
}

/* Forged members (gossip alone vouches for them, our kernel never heard
 * them) cannot crowd a real death out of the report, however many and
 * however recent. */
static void test_build_heard_deaths_first(void **state)
{
	struct wire_report r;
	struct memb m;

	(void)state;
	fake_memb_init(&m);
	m.cfg.max_members = 2000;
	fake_member(&m, 1, VIGIL_ROLE_CLIENT, MEMB_ALIVE, 0);
	fake_heard(&m, 1);
	fake_member(&m, 1, VIGIL_ROLE_CLIENT, MEMB_DEAD, 0); /* the real death, first */
	for (uint32_t id = 100; id < 100 + VIGIL_REPORT_MAX_IDS + 20; id++) {
		fake_now_ns += 1000000;
		fake_member(&m, id, VIGIL_ROLE_CLIENT, MEMB_DEAD, 0);
	}
	assert_int_equal(report_build(&m, &r), VIGIL_REPORT_MAX_IDS + 21);
	assert_int_equal(r.n, VIGIL_REPORT_MAX_IDS);
	assert_int_equal(r.ids[0], 1);
	memb_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_report_select_newest_first),
		cmocka_unit_test(test_build_lists_the_dead),
		cmocka_unit_test(test_build_new_death_fits),
		cmocka_unit_test(test_build_heard_deaths_first),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
