// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_replay.c - replay protection of REPORT and MAINT (core/replay.c):
 * per sender, only an (epoch, seq) past the last one taken; a new epoch (the
 * sender restarted) starts a new sequence; no clock involved but the bound
 * on epochs from the future; the table is bounded.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "replay.h"
#include "vigil_abi.h"

#define NOW   1764547200ULL /* our clock, seconds */
#define EPOCH (NOW - 3600)  /* the sender started an hour ago */

static void test_newer_only(void **state)
{
	struct replay f = {0};

	(void)state;
	assert_int_equal(replay_check(&f, 7, EPOCH, 10, NOW), REPLAY_OK);
	assert_int_equal(replay_check(&f, 7, EPOCH, 10, NOW), REPLAY_REPLAY); /* same */
	assert_int_equal(replay_check(&f, 7, EPOCH, 9, NOW), REPLAY_REPLAY);  /* older */
	assert_int_equal(replay_check(&f, 7, EPOCH, 11, NOW), REPLAY_OK);
	/* A refused message does not move the mark. */
	assert_int_equal(replay_check(&f, 7, EPOCH, 11, NOW), REPLAY_REPLAY);
	assert_int_equal(replay_check(&f, 7, EPOCH, 12, NOW), REPLAY_OK);
	/* The sender restarted: a new epoch, its counter from 1 again. */
	assert_int_equal(replay_check(&f, 7, EPOCH + 60, 1, NOW), REPLAY_OK);
	/* Anything of the old epoch is a replay now. */
	assert_int_equal(replay_check(&f, 7, EPOCH, 1000, NOW), REPLAY_REPLAY);
	replay_free(&f);
}

static void test_senders_independent(void **state)
{
	struct replay f = {0};

	(void)state;
	assert_int_equal(replay_check(&f, 1, EPOCH, 5, NOW), REPLAY_OK);
	assert_int_equal(replay_check(&f, 2, EPOCH, 1, NOW), REPLAY_OK);
	assert_int_equal(replay_check(&f, 2, EPOCH, 1, NOW), REPLAY_REPLAY);
	assert_int_equal(replay_check(&f, 1, EPOCH, 6, NOW), REPLAY_OK);
	replay_free(&f);
}

/* No clock need agree: a sender whose epoch is days old, or a little ahead
 * of ours, is taken; only an epoch far in our future is refused, or a
 * forged one could lock its sender out until then. */
static void test_clocks(void **state)
{
	struct replay f = {0};

	(void)state;
	assert_int_equal(replay_check(&f, 3, NOW - 30 * 86400, 1, NOW), REPLAY_OK);
	assert_int_equal(replay_check(&f, 4, NOW + VIGIL_EPOCH_AHEAD_S, 1, NOW), REPLAY_OK);
	assert_int_equal(replay_check(&f, 5, NOW + VIGIL_EPOCH_AHEAD_S + 1, 1, NOW), REPLAY_FUTURE);
	assert_int_equal(replay_check(&f, 3, UINT64_MAX, UINT64_MAX, NOW), REPLAY_FUTURE);
	/* the refused ones moved nothing */
	assert_int_equal(replay_check(&f, 3, NOW - 30 * 86400, 2, NOW), REPLAY_OK);
	assert_int_equal(f.n, 2);
	replay_free(&f);
}

static void test_table_bounded(void **state)
{
	struct replay f = {0};

	(void)state;
	for (uint32_t i = 0; i < REPLAY_MAX_SENDERS; i++)
		assert_int_equal(replay_check(&f, i + 1, EPOCH, 1, NOW), REPLAY_OK);
	assert_int_equal(replay_check(&f, REPLAY_MAX_SENDERS + 1, EPOCH, 1, NOW), REPLAY_FULL);
	/* Known senders still work. */
	assert_int_equal(replay_check(&f, 1, EPOCH, 2, NOW), REPLAY_OK);
	assert_string_equal(replay_result_name(REPLAY_FULL), "full");
	assert_string_equal(replay_result_name(REPLAY_FUTURE), "future");
	replay_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_newer_only),
		cmocka_unit_test(test_senders_independent),
		cmocka_unit_test(test_clocks),
		cmocka_unit_test(test_table_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
