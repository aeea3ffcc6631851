// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_isolation.c - isolation detection and response (core/isolation.c):
 *  - the machine, in virtual time: a blip shorter than the timeout does
 *    nothing; a cut that lasts runs the response exactly at the timeout,
 *    withholds the watchdog until the VMs are stopped, retries a failed
 *    response, never feeds again after a reset, never isolates on evidence
 *    from before a loop stall;
 *  - reach from the membership's own kernel evidence (a suspicion others
 *    gossip is not ours);
 *  - the configuration: mode watchdog's rule wait_period_ms >= isolation
 *    timeout + watchdog timeout + margin, and the checks around it;
 *  - the servers' side of the rule: cut off from a majority of every host,
 *    maintenance hosts included (verdict_cut_off).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"
#include "isolation.h"
#include "memb_fake.h"
#include "verdict.h"

#define MS 1000000ULL
#define S  1000000000ULL

/* ---- the machine ---------------------------------------------------------------------- */

static void machine(struct iso *s, int response, int watchdog)
{
	const struct iso_params p = {
		.timeout_ms = 2000,
		.response = response,
		.watchdog = watchdog,
		.stall_grace_ms = 400,
	};

	iso_init(s, &p);
}

/* Judge every 100 ms over [from, until) with reach r of 5; the first
 * ISO_ACT_RESPOND's time, or 0. */
static uint64_t run(struct iso *s, size_t r, uint64_t from, uint64_t until)
{
	uint64_t responded = 0;

	for (uint64_t t = from; t < until; t += 100 * MS)
		if (iso_step(s, r, 5, t) == ISO_ACT_RESPOND && !responded)
			responded = t;
	return responded;
}

static void test_blip_shorter_than_timeout_does_nothing(void **state)
{
	struct iso s;

	(void)state;
	machine(&s, ISO_RESP_COMMAND, 1);
	assert_int_equal(run(&s, 5, 1 * S, 2 * S), 0);
	assert_int_equal(s.state, ISO_CONNECTED);
	/* Cut off (2 of 5: no majority) for 1.9 s, then back. */
	assert_int_equal(run(&s, 2, 2 * S, 3900 * MS), 0);
	assert_int_equal(s.state, ISO_LOST);
	assert_true(iso_may_feed(&s)); /* still fed while merely lost */
	assert_string_equal(iso_record_state(s.state), "running");
	assert_int_equal(run(&s, 3, 3900 * MS, 5 * S), 0); /* 3 of 5 is a majority */
	assert_int_equal(s.state, ISO_CONNECTED);
	assert_int_equal(s.cancelled, 1);
	assert_int_equal(s.isolations, 0);
	assert_true(iso_may_feed(&s));
}

static void test_cut_off_responds_at_timeout_and_withholds_the_watchdog(void **state)
{
	struct iso s;

	(void)state;
	machine(&s, ISO_RESP_COMMAND, 1);
	run(&s, 5, 0, 1 * S);
	/* Lost at 1.0 s: the response starts at 3.0 s, not a tick earlier. */
	assert_int_equal(run(&s, 2, 1 * S, 10 * S), 3 * S);
	assert_int_equal(s.state, ISO_ISOLATED);
	assert_string_equal(iso_record_state(s.state), "isolated");
	assert_false(iso_may_feed(&s));
	assert_true(s.running);
	/* It runs: back on the network meanwhile changes nothing yet. */
	assert_int_equal(run(&s, 5, 10 * S, 11 * S), 0);
	assert_int_equal(s.state, ISO_ISOLATED);
	assert_false(iso_may_feed(&s));
	/* Done: the VMs are stopped; fed again; connected at the next look. */
	iso_response_done(&s, 1, NULL, 800, 11 * S);
	assert_int_equal(s.state, ISO_VMS_STOPPED);
	assert_string_equal(iso_record_state(s.state), "vms-stopped");
	assert_true(iso_may_feed(&s));
	run(&s, 5, 11 * S, 12 * S);
	assert_int_equal(s.state, ISO_CONNECTED);
	assert_int_equal(s.isolations, 1);
	assert_int_equal(s.responses_ok, 1);
}

static void test_still_cut_off_after_the_response_stays_vms_stopped(void **state)
{
	struct iso s;

	(void)state;
	machine(&s, ISO_RESP_VIRSH, 1);
	assert_int_equal(run(&s, 1, 0, 3 * S), 2 * S);
	iso_response_done(&s, 1, NULL, 300, 2500 * MS);
	assert_int_equal(run(&s, 1, 3 * S, 60 * S), 0); /* never a second response */
	assert_int_equal(s.state, ISO_VMS_STOPPED);
	assert_true(iso_may_feed(&s));
}

static void test_failed_response_is_retried_and_keeps_the_watchdog_withheld(void **state)
{
	struct iso s;

	(void)state;
	machine(&s, ISO_RESP_COMMAND, 1);
	assert_int_equal(run(&s, 2, 0, 3 * S), 2 * S);
	iso_response_done(&s, 0, "exited with 1", 100, 2100 * MS);
	assert_int_equal(s.state, ISO_ISOLATED);
	assert_false(iso_may_feed(&s));
	/* Retried after the timeout (2 s): at 4.1 s. */
	assert_int_equal(run(&s, 2, 2100 * MS, 10 * S), 4100 * MS);
	iso_response_done(&s, 0, "exited with 1", 100, 4200 * MS);
	/* Reconnected, the response still owed, a watchdog configured: the host
	 * stays isolated and unfed (the servers count on its reset). */
	run(&s, 5, 4200 * MS, 5 * S);
	assert_int_equal(s.state, ISO_ISOLATED);
	assert_false(iso_may_feed(&s));
	assert_int_equal(s.responses_failed, 2);
}

static void test_without_a_watchdog_a_reconnected_host_is_in_service(void **state)
{
	struct iso s;

	(void)state;
	machine(&s, ISO_RESP_COMMAND, 0);
	assert_int_equal(run(&s, 2, 0, 3 * S), 2 * S);
	iso_response_done(&s, 0, "exited with 1", 100, 2100 * MS);
	assert_true(iso_may_feed(&s)); /* nothing to withhold */
	run(&s, 5, 2200 * MS, 3 * S);
	assert_int_equal(s.state, ISO_CONNECTED);
}

static void test_response_none_records_and_feeds(void **state)
{
	struct iso s;

	(void)state;
	machine(&s, ISO_RESP_NONE, 1);
	assert_int_equal(run(&s, 2, 0, 5 * S), 0); /* nothing to start */
	assert_int_equal(s.state, ISO_ISOLATED);
	assert_int_equal(s.isolations, 1);
	assert_string_equal(iso_record_state(s.state), "isolated");
	assert_true(iso_may_feed(&s));
	run(&s, 4, 5 * S, 6 * S);
	assert_int_equal(s.state, ISO_CONNECTED);
}

static void test_reset_never_feeds_again(void **state)
{
	struct iso s;

	(void)state;
	machine(&s, ISO_RESP_RESET, 1);
	assert_int_equal(run(&s, 2, 0, 5 * S), 0);
	assert_int_equal(s.state, ISO_ISOLATED);
	assert_false(iso_may_feed(&s));
	run(&s, 5, 5 * S, 30 * S);
	assert_int_equal(s.state, ISO_ISOLATED);
	assert_false(iso_may_feed(&s));
}

static void test_a_stall_is_not_evidence(void **state)
{
	struct iso s;

	(void)state;
	machine(&s, ISO_RESP_COMMAND, 1);
	run(&s, 5, 0, 1 * S);
	assert_int_equal(iso_step(&s, 2, 5, 1 * S), ISO_ACT_NONE); /* lost at 1 s */
	/* The loop froze for 10 s; on its first look the old view still says
	 * "no majority": no response on it, for the grace (400 ms) ... */
	assert_int_equal(iso_step(&s, 2, 5, 11 * S), ISO_ACT_NONE);
	assert_int_equal(s.stalls, 1);
	assert_int_equal(iso_step(&s, 2, 5, 11 * S + 300 * MS), ISO_ACT_NONE);
	/* ... within which fresh probes found the zone again. */
	assert_int_equal(iso_step(&s, 5, 5, 11 * S + 350 * MS), ISO_ACT_NONE);
	assert_int_equal(s.state, ISO_CONNECTED);
	/* Had it stayed cut off, the response comes once the grace is over. */
	machine(&s, ISO_RESP_COMMAND, 1);
	iso_step(&s, 2, 5, 1 * S);
	iso_step(&s, 2, 5, 11 * S);
	assert_int_equal(iso_step(&s, 2, 5, 11 * S + 399 * MS), ISO_ACT_NONE);
	assert_int_equal(iso_step(&s, 2, 5, 11 * S + 400 * MS), ISO_ACT_RESPOND);
}

static void test_timeout_zero_never_isolates(void **state)
{
	const struct iso_params p = {.timeout_ms = 0, .response = ISO_RESP_NONE};
	struct iso s;

	(void)state;
	iso_init(&s, &p);
	assert_int_equal(run(&s, 1, 0, 100 * S), 0);
	assert_int_equal(s.state, ISO_CONNECTED);
	assert_true(iso_may_feed(&s));
}

/* A zone of one (an agent that knows nobody) and of two: the majority rule
 * as the verdict counts it. */
static void test_majority_of_the_zone(void **state)
{
	struct iso s;

	(void)state;
	machine(&s, ISO_RESP_NONE, 0);
	iso_step(&s, 1, 1, 0);
	assert_int_equal(s.state, ISO_CONNECTED);
	iso_step(&s, 1, 2, 100 * MS); /* 1 of 2 is no majority */
	assert_int_equal(s.state, ISO_LOST);
	iso_step(&s, 2, 4, 200 * MS); /* nor 2 of 4 */
	assert_int_equal(s.state, ISO_LOST);
	iso_step(&s, 3, 4, 300 * MS);
	assert_int_equal(s.state, ISO_CONNECTED);
}

/* ---- reach ---------------------------------------------------------------------------- */

static void test_reach_is_our_own_kernel_evidence(void **state)
{
	struct memb m;
	size_t reached, zone;

	(void)state;
	fake_memb_init(&m);
	fake_member(&m, 1, VIGIL_ROLE_SERVER, MEMB_ALIVE, 0);
	fake_member(&m, 2, VIGIL_ROLE_SERVER, MEMB_SUSPECT, 0);
	fake_member(&m, 3, VIGIL_ROLE_SERVER, MEMB_SUSPECT, 0);
	fake_member(&m, 4, VIGIL_ROLE_CLIENT, MEMB_DEAD, 0);
	fake_member(&m, 5, VIGIL_ROLE_CLIENT, MEMB_LEFT, 1);
	/* hv3's kernel answered us after its suspicion began (gossip from a
	 * lossy path); hv2's last answer is from before. */
	memb_find(&m, 2)->last_ack_ns = memb_find(&m, 2)->suspect_start_ns - 1;
	memb_find(&m, 3)->last_ack_ns = memb_find(&m, 3)->suspect_start_ns + 1;
	iso_reach(&m, &reached, &zone);
	assert_int_equal(zone, 5);    /* self, hv1..hv4; hv5 left */
	assert_int_equal(reached, 3); /* self, hv1, hv3 */
	memb_free(&m);
}

/* ---- configuration: the watchdog rule --------------------------------------------------- */

static int load(struct vigil_config *c, const char *extra, char *err, size_t n)
{
	char text[4096];

	snprintf(text, sizeof(text), "{\"node_name\": \"hv1\", \"interface\": \"eth0\",\n%s}",
		 extra);
	config_defaults(c);
	return config_load_string(c, text, "t.json", err, n);
}

static void test_watchdog_rule(void **state)
{
	static const struct {
		const char *cfg, *says; /* says NULL: accepted */
	} cases[] = {
		/* the defaults, exactly at the bound: 30000 >= 10000 + 15000 + 5000 */
		{"\"watchdog_device\": \"/dev/watchdog\", \"isolation_response\": \"reset\",\n"
		 "\"fencing\": {\"mode\": \"watchdog\"}",
		 NULL},
		{"\"watchdog_device\": \"/dev/watchdog\", \"isolation_response\": \"reset\",\n"
		 "\"wait_period_ms\": 45000, \"fencing\": {\"mode\": \"watchdog\"}",
		 NULL},
		/* one ms short: refused, on the wait period's line, with the sum */
		{"\"watchdog_device\": \"/dev/watchdog\", \"isolation_response\": \"reset\",\n"
		 "\"wait_period_ms\": 29999, \"fencing\": {\"mode\": \"watchdog\"}",
		 "t.json:3: \"wait_period_ms\" = 29999 is too short for \"fencing.mode\" watchdog: "
		 "it must be at least isolation_timeout_ms + watchdog_timeout_ms + "
		 "fencing.watchdog_margin_ms = 10000 + 15000 + 5000 = 30000 ms"},
		{"\"watchdog_device\": \"/dev/watchdog\", \"isolation_response\": \"reset\",\n"
		 "\"isolation_timeout_ms\": 4000, \"watchdog_timeout_ms\": 3000,\n"
		 "\"wait_period_ms\": 8000, \"fencing\": {\"mode\": \"watchdog\", "
		 "\"watchdog_margin_ms\": 1000}",
		 NULL},
		{"\"watchdog_device\": \"/dev/watchdog\", \"isolation_response\": \"reset\",\n"
		 "\"isolation_timeout_ms\": 4000, \"watchdog_timeout_ms\": 3000,\n"
		 "\"wait_period_ms\": 8000, \"fencing\": {\"mode\": \"watchdog\", "
		 "\"watchdog_margin_ms\": 1001}",
		 "= 4000 + 3000 + 1001 = 8001 ms"},
		/* no watchdog, no response, no detection */
		{"\"isolation_response\": \"command\", \"isolation_command\": \"true\",\n"
		 "\"fencing\": {\"mode\": \"watchdog\"}",
		 "needs a hardware watchdog on every host"},
		{"\"watchdog_device\": \"/dev/watchdog\",\n\"fencing\": {\"mode\": \"watchdog\"}",
		 "\"fencing.mode\" watchdog needs every host to act on its isolation"},
		{"\"watchdog_device\": \"/dev/watchdog\", \"isolation_timeout_ms\": 0,\n"
		 "\"fencing\": {\"mode\": \"watchdog\"}",
		 "needs every host to act on its isolation"},
		/* the checks around it, in any mode */
		{"\"isolation_response\": \"command\"", "needs \"isolation_command\""},
		{"\"isolation_response\": \"reset\"", "reset needs a hardware watchdog"},
		{"\"isolation_response\": \"virsh-destroy\", \"isolation_timeout_ms\": 0",
		 "needs isolation detection"},
		{"\"watchdog_device\": \"/dev/watchdog\", \"watchdog_timeout_ms\": 2500",
		 "must be a whole number of seconds"},
		{"\"isolation_response\": \"shutdown\"", "none, command, virsh-destroy, reset"},
		/* other modes do not care about the wait */
		{"\"wait_period_ms\": 0, \"isolation_response\": \"virsh-destroy\"", NULL},
	};
	static struct vigil_config c;
	char err[512];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = load(&c, cases[i].cfg, err, sizeof(err));

		if (!cases[i].says && rc)
			fail_msg("case %zu refused: %s", i, err);
		if (cases[i].says && (!rc || !strstr(err, cases[i].says)))
			fail_msg("case %zu: \"%s\" does not say \"%s\"", i, rc ? err : "(accepted)",
				 cases[i].says);
	}
	assert_int_equal(load(&c, cases[3].cfg, err, sizeof(err)), 0);
	assert_int_equal(c.fencing.mode, FENCE_MODE_WATCHDOG);
	assert_int_equal(c.isolation.timeout_ms, 4000);
	assert_int_equal(c.isolation.watchdog_timeout_ms, 3000);
	assert_int_equal(c.fencing.watchdog_margin_ms, 1000);
}

static void test_watchdog_safe_time(void **state)
{
	const struct fence_timing t = {
		.isolation_timeout_ms = 10000, .watchdog_timeout_ms = 60000, .margin_ms = 5000};

	(void)state;
	assert_int_equal(fence_watchdog_safe_ms(&t), 75000);
}

/* ---- the servers' side: cut off from a majority of every host --------------------------- */

static void test_cut_off_counts_maintenance_hosts(void **state)
{
	static const struct verdict_params vp = {.wait_ns = 4 * S, .report_ttl_ns = 3 * S};
	struct reports rs;
	struct fsm f;
	char *cmd, name[8], host[16];
	uint32_t x = 5;

	(void)state;
	fsm_init(&f);
	reports_init(&rs);
	for (uint32_t i = 1; i <= 7; i++) {
		snprintf(name, sizeof(name), "hv%u", i);
		snprintf(host, sizeof(host), "c%u", i);
		cmd = fsm_cmd_member(i, name, host, NULL);
		fsm_apply(&f, cmd, strlen(cmd));
		free(cmd);
	}
	/* hv6 and hv7 in maintenance: 5 counted; hv1..hv3 report hv5 for 5 s. */
	for (uint32_t i = 6; i <= 7; i++) {
		snprintf(name, sizeof(name), "hv%u", i);
		cmd = fsm_cmd_maintenance(name, 1, 9, 1, i);
		fsm_apply(&f, cmd, strlen(cmd));
		free(cmd);
	}
	for (uint64_t t = 0; t <= 5 * S; t += S)
		for (uint32_t i = 1; i <= 3; i++)
			reports_update(&rs, &vp, i, "", "", &x, 1, t);
	/* The verdict's majority (3 of 5) holds; but of all 7, hv4, hv6 and hv7
	 * may still reach hv5: with it, 4 of 7 -- hv5 may not judge itself
	 * isolated. */
	assert_int_equal(verdict_support(&f, &rs, &vp, x, 5 * S), 3);
	assert_false(verdict_cut_off(&f, &rs, &vp, x, 5 * S));
	/* The maintenance hosts report it too: 5 of 7 cannot reach it. */
	for (uint64_t t = 0; t <= 5 * S; t += S)
		for (uint32_t i = 6; i <= 7; i++)
			reports_update(&rs, &vp, i, "", "", &x, 1, t);
	assert_true(verdict_cut_off(&f, &rs, &vp, x, 5 * S));
	/* Not yet for the wait period: not yet cut off. */
	assert_false(verdict_cut_off(&f, &rs, &vp, x, 3 * S));
	reports_free(&rs);
	fsm_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_blip_shorter_than_timeout_does_nothing),
		cmocka_unit_test(test_cut_off_responds_at_timeout_and_withholds_the_watchdog),
		cmocka_unit_test(test_still_cut_off_after_the_response_stays_vms_stopped),
		cmocka_unit_test(test_failed_response_is_retried_and_keeps_the_watchdog_withheld),
		cmocka_unit_test(test_without_a_watchdog_a_reconnected_host_is_in_service),
		cmocka_unit_test(test_response_none_records_and_feeds),
		cmocka_unit_test(test_reset_never_feeds_again),
		cmocka_unit_test(test_a_stall_is_not_evidence),
		cmocka_unit_test(test_timeout_zero_never_isolates),
		cmocka_unit_test(test_majority_of_the_zone),
		cmocka_unit_test(test_reach_is_our_own_kernel_evidence),
		cmocka_unit_test(test_watchdog_rule),
		cmocka_unit_test(test_watchdog_safe_time),
		cmocka_unit_test(test_cut_off_counts_maintenance_hosts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
