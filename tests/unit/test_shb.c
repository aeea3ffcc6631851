// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_shb.c - the storage heartbeat (core/shb.c): records that round-trip,
 * and that are refused when torn, altered, signed with another key or
 * another cluster's; the reader's tracker turning successive reads into
 * evidence -- advancing (running, isolated, vms-stopped), silent, unknown
 * until watched long enough, unreadable, no record.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "shb.h"

#define MS 1000000ULL
#define U  (10 * MS) /* test_tracker_evidence: its times, at a 1 s interval */

static const struct vigil_keyring keys = {.slot = {{11, 22, 1}}};

static struct shb_record rec(const char *node, uint64_t counter, const char *state)
{
	struct shb_record r;

	memset(&r, 0, sizeof(r));
	r.cluster_id = 77;
	snprintf(r.node, sizeof(r.node), "%s", node);
	snprintf(r.hostname, sizeof(r.hostname), "compute-%s", node);
	snprintf(r.boot_id, sizeof(r.boot_id), "2f0c1d6e-5b0a-4b8e-9c55-7a1e0d3c9f10");
	r.epoch = 1764547200;
	r.counter = counter;
	r.time_ns = 1764547200123456789ULL;
	snprintf(r.state, sizeof(r.state), "%s", state);
	return r;
}

static void test_record_round_trip_and_refusals(void **state)
{
	struct shb_record r = rec("hv4", 42, "vms-stopped"), back;
	struct vigil_keyring other = {.slot = {{11, 23, 1}}}, rotated = {.slot = {{5, 6, 1}}};
	char buf[SHB_RECORD_LEN], bad[SHB_RECORD_LEN];

	(void)state;
	assert_int_equal(shb_encode(&r, &keys, buf), 0);
	assert_int_equal(buf[SHB_RECORD_LEN - 1], '\n');
	assert_int_equal(shb_decode(buf, sizeof(buf), &keys, 77, &back), 0);
	assert_string_equal(back.node, "hv4");
	assert_string_equal(back.hostname, "compute-hv4");
	assert_string_equal(back.state, "vms-stopped");
	assert_string_equal(back.boot_id, r.boot_id);
	assert_int_equal(back.counter, 42);
	assert_int_equal(back.epoch, r.epoch);
	assert_int_equal(back.time_ns, r.time_ns);
	/* Another cluster's record: refused as such. */
	assert_int_equal(shb_decode(buf, sizeof(buf), &keys, 78, &back), -3);
	/* Another key; a key being rotated in (slot 1) verifies. */
	assert_int_equal(shb_decode(buf, sizeof(buf), &other, 77, &back), -2);
	rotated.slot[1] = keys.slot[0];
	assert_int_equal(shb_decode(buf, sizeof(buf), &rotated, 77, &back), 0);
	/* One byte of the state changed ("vms-stopped" -> "vms-stoppeD"). */
	memcpy(bad, buf, sizeof(bad));
	*strstr(bad, "stopped\"") = 'S';
	assert_int_equal(shb_decode(bad, sizeof(bad), &keys, 77, &back), -2);
	/* Torn: only the first half written. */
	assert_int_equal(shb_decode(buf, 40, &keys, 77, &back), -1);
	memset(bad, ' ', sizeof(bad));
	assert_int_equal(shb_decode(bad, sizeof(bad), &keys, 77, &back), -1);
	/* No key, no record. */
	{
		struct vigil_keyring none = {0};

		assert_int_equal(shb_encode(&r, &none, buf), -1);
	}
}

/* A body sealed with the cluster key, decoded: what shb_decode says. */
static int decode_body(const char *body, struct shb_record *r)
{
	char buf[SHB_RECORD_LEN];

	assert_int_equal(shb_seal(body, strlen(body), &keys, 0, buf), 0);
	return shb_decode(buf, sizeof(buf), &keys, 77, r);
}

#define BODY(node, state)                                                                          \
	"{\"boot\":\"b\",\"cluster\":77,\"counter\":5,\"epoch\":1,\"hostname\":\"c\","             \
	"\"node\":\"" node "\",\"state\":\"" state "\",\"time\":1,\"v\":1}"

/* Genuinely signed, but no record a vigil agent writes: a field longer than
 * the writer's own (it was cut before, once in the middle of a character,
 * which no JSON text can then hold), a node name with a control character. */
static void test_record_fields_longer_than_the_writers_are_refused(void **state)
{
	struct shb_record r;

	(void)state;
	assert_int_equal(decode_body(BODY("hv4", "vms-stopped"), &r), 0);
	assert_string_equal(r.node, "hv4");
	assert_int_equal(r.counter, 5);
	/* 63 bytes fit, 64 do not */
	assert_int_equal(
		decode_body(BODY("nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn",
				 "running"),
			    &r),
		0);
	assert_int_equal(strlen(r.node), 63);
	assert_int_equal(
		decode_body(BODY("nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn",
				 "running"),
			    &r),
		-1);
	assert_int_equal(decode_body(BODY("hv4", "vms-stopped-and-more"), &r), -1);
	/* 14 bytes then a two-byte character: cut to 15, it would end inside it */
	assert_int_equal(decode_body(BODY("hv4", "vms-stopped-an\\u00e9"), &r), -1);
	assert_int_equal(decode_body(BODY("hv\\u0001", "running"), &r), -1);
	assert_int_equal(decode_body(BODY("", "running"), &r), -1);
	/* shb_seal refuses what a record cannot hold */
	{
		char buf[SHB_RECORD_LEN], big[SHB_RECORD_LEN];

		assert_int_equal(shb_seal("a\nb", 3, &keys, 0, buf), -1);
		assert_int_equal(shb_seal("{}", 2, &keys, 1, buf), -1);
		memset(big, 'x', sizeof(big));
		assert_int_equal(shb_seal(big, SHB_RECORD_LEN - 38, &keys, 0, buf), -1);
		assert_int_equal(shb_seal(big, SHB_RECORD_LEN - 39, &keys, 0, buf), 0);
		assert_int_equal(buf[SHB_RECORD_LEN - 1], '\n');
		assert_int_equal(buf[SHB_RECORD_LEN - 2], '\n');
	}
}

static void test_file_names(void **state)
{
	char n[80];

	(void)state;
	shb_file_name("hv-1.az1", n, sizeof(n));
	assert_string_equal(n, "hv-1.az1.hb");
	shb_file_name("../etc/passwd x", n, sizeof(n));
	assert_string_equal(n, ".._etc_passwd_x.hb");
}

/* One scan at now, of these hosts' records. */
static void scan(struct shb_tracker *t, uint64_t now, const struct shb_record *a,
		 const struct shb_record *b)
{
	struct shb_record r[2];
	size_t n = 0;

	if (a)
		r[n++] = *a;
	if (b)
		r[n++] = *b;
	shb_tracker_scan(t, r, n, 0, now);
}

static void test_tracker_evidence(void **state)
{
	struct shb_tracker t;
	struct shb_record a, b;
	uint64_t now = 1000 * U, i;

	(void)state;
	shb_tracker_init(&t, 1000, now); /* stale after 4 intervals: 4 s */
	assert_int_equal(shb_evidence(NULL, "hv1", now), FENCE_EV_NONE);
	assert_int_equal(shb_evidence(&t, "hv1", now), FENCE_EV_UNKNOWN);
	/* hv1 writes every 100 ms; hv2's record is there but never changes. */
	b = rec("hv2", 7, "isolated");
	for (i = 1; i <= 3; i++) {
		a = rec("hv1", i, "running");
		scan(&t, now + i * 100 * U, &a, &b);
	}
	now += 300 * U;
	assert_int_equal(shb_evidence(&t, "hv1", now), FENCE_EV_RUNNING);
	/* Never seen to change: unknown while young ... */
	assert_int_equal(shb_evidence(&t, "hv2", now), FENCE_EV_UNKNOWN);
	assert_int_equal(shb_evidence(&t, "hv9", now), FENCE_EV_UNKNOWN);
	for (i = 4; i <= 8; i++) {
		a = rec("hv1", i, i < 6 ? "isolated" : "vms-stopped");
		scan(&t, 1000 * U + i * 100 * U, &a, &b);
		if (i == 5)
			assert_int_equal(shb_evidence(&t, "hv1", 1500 * U), FENCE_EV_ISOLATED);
	}
	now = 1800 * U;
	assert_int_equal(shb_evidence(&t, "hv1", now), FENCE_EV_STOPPED);
	/* ... silent once watched longer than the stale time; nobody: no record. */
	assert_int_equal(shb_evidence(&t, "hv2", now), FENCE_EV_SILENT);
	assert_int_equal(shb_evidence(&t, "hv9", now), FENCE_EV_NO_RECORD);
	/* hv1 stops writing (its agent, or host, died): silent after 4 s,
	 * whatever its last record says. */
	for (i = 9; i <= 12; i++)
		scan(&t, 1000 * U + i * 100 * U, &a, &b);
	assert_int_equal(shb_evidence(&t, "hv1", 2200 * U), FENCE_EV_STOPPED);
	scan(&t, 2300 * U, &a, &b);
	assert_int_equal(shb_evidence(&t, "hv1", 2300 * U), FENCE_EV_SILENT);
	/* A reboot (same counter, new boot id) is a change. */
	a.boot_id[0] = 'X';
	scan(&t, 2400 * U, &a, &b);
	assert_int_equal(shb_evidence(&t, "hv1", 2400 * U), FENCE_EV_STOPPED);
	/* The directory unreadable: a scan failed, none worked for longer than
	 * the stale time. */
	shb_tracker_failed(&t);
	assert_int_equal(shb_evidence(&t, "hv1", 2700 * U), FENCE_EV_STOPPED);
	assert_int_equal(shb_evidence(&t, "hv1", 2801 * U), FENCE_EV_UNREADABLE);
	assert_int_equal(t.scans_failed, 1);
	shb_tracker_free(&t);
}

/* A scan that is late (the reader's thread slow, or hung on the mount) is
 * no evidence either way: unknown, never unreadable, which mode watchdog
 * would read as "no record to hold it". Only a failed scan is. The stale
 * time has a floor, for a storage whose fsync stalls for a second. */
static void test_tracker_late_reads_tell_nothing(void **state)
{
	struct shb_tracker t;
	struct shb_record a = rec("hv1", 1, "isolated");

	(void)state;
	assert_int_equal(shb_stale_ns(100), 2000 * MS);
	assert_int_equal(shb_stale_ns(1000), 4000 * MS);
	shb_tracker_init(&t, 100, 0);
	scan(&t, 100 * MS, &a, NULL);
	a.counter++;
	scan(&t, 200 * MS, &a, NULL);
	assert_int_equal(shb_evidence(&t, "hv1", 1000 * MS), FENCE_EV_ISOLATED);
	/* no scan since 200 ms, none failed: late, unknown */
	assert_int_equal(shb_evidence(&t, "hv1", 2300 * MS), FENCE_EV_UNKNOWN);
	assert_int_equal(shb_evidence(&t, "hv1", 60000 * MS), FENCE_EV_UNKNOWN);
	/* one failed: unreadable */
	shb_tracker_failed(&t);
	assert_int_equal(shb_evidence(&t, "hv1", 2300 * MS), FENCE_EV_UNREADABLE);
	/* a scan works again: the record is judged again */
	a.counter++;
	scan(&t, 2400 * MS, &a, NULL);
	assert_int_equal(shb_evidence(&t, "hv1", 2400 * MS), FENCE_EV_ISOLATED);
	assert_int_equal(t.failing, 0);
	shb_tracker_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_record_round_trip_and_refusals),
		cmocka_unit_test(test_record_fields_longer_than_the_writers_are_refused),
		cmocka_unit_test(test_file_names),
		cmocka_unit_test(test_tracker_evidence),
		cmocka_unit_test(test_tracker_late_reads_tell_nothing),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
