// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* test_fresh.c - replay protection of REPORT and MAINT (userspace/fresh.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "replay.h"

#define S      1000000000ULL
#define NOW    (1700000000ULL * S)
#define WINDOW (60 * S)

static void test_fresh_newer_only(void **state)
{
	struct replay f = {0};

	(void)state;
	assert_int_equal(replay_check(&f, 7, NOW, NOW, WINDOW), REPLAY_OK);
	assert_int_equal(replay_check(&f, 7, NOW, NOW, WINDOW), REPLAY_REPLAY);	    /* same */
	assert_int_equal(replay_check(&f, 7, NOW - 1, NOW, WINDOW), REPLAY_REPLAY); /* older */
	assert_int_equal(replay_check(&f, 7, NOW + 1, NOW, WINDOW), REPLAY_OK);
	/* A refused message does not move the mark. */
	assert_int_equal(replay_check(&f, 7, NOW + 1, NOW, WINDOW), REPLAY_REPLAY);
	assert_int_equal(replay_check(&f, 7, NOW + 2, NOW, WINDOW), REPLAY_OK);
	replay_free(&f);
}

static void test_fresh_senders_independent(void **state)
{
	struct replay f = {0};

	(void)state;
	assert_int_equal(replay_check(&f, 1, NOW, NOW, WINDOW), REPLAY_OK);
	assert_int_equal(replay_check(&f, 2, NOW - 5 * S, NOW, WINDOW), REPLAY_OK);
	assert_int_equal(replay_check(&f, 2, NOW - 6 * S, NOW, WINDOW), REPLAY_REPLAY);
	assert_int_equal(replay_check(&f, 1, NOW + S, NOW, WINDOW), REPLAY_OK);
	replay_free(&f);
}

static void test_fresh_window(void **state)
{
	struct replay f = {0};

	(void)state;
	assert_int_equal(replay_check(&f, 3, NOW - WINDOW - 1, NOW, WINDOW), REPLAY_CLOCK);
	assert_int_equal(replay_check(&f, 3, NOW + WINDOW + 1, NOW, WINDOW), REPLAY_CLOCK);
	/* A sender rejected on its clock is not remembered as seen. */
	assert_int_equal(f.n, 0);
	assert_int_equal(replay_check(&f, 3, NOW - WINDOW, NOW, WINDOW), REPLAY_OK);
	assert_int_equal(replay_check(&f, 3, NOW + WINDOW, NOW, WINDOW), REPLAY_OK);
	/* A capture replayed much later fails the window even after a restart
	 * of the server (empty table). */
	replay_free(&f);
	assert_int_equal(replay_check(&f, 3, NOW, NOW + 2 * WINDOW, WINDOW), REPLAY_CLOCK);
	replay_free(&f);
}

static void test_fresh_table_bounded(void **state)
{
	struct replay f = {0};

	(void)state;
	for (uint32_t i = 0; i < REPLAY_MAX_SENDERS; i++)
		assert_int_equal(replay_check(&f, i + 1, NOW, NOW, WINDOW), REPLAY_OK);
	assert_int_equal(replay_check(&f, REPLAY_MAX_SENDERS + 1, NOW, NOW, WINDOW), REPLAY_FULL);
	/* Known senders still work. */
	assert_int_equal(replay_check(&f, 1, NOW + 1, NOW, WINDOW), REPLAY_OK);
	assert_string_equal(replay_result_name(REPLAY_FULL), "full");
	replay_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fresh_newer_only),
		cmocka_unit_test(test_fresh_senders_independent),
		cmocka_unit_test(test_fresh_window),
		cmocka_unit_test(test_fresh_table_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
