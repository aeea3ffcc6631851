// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_operator.c - the operator's tools in the decided state: `vigil
 * forget` (fsm.c: when a host may be forgotten, what the audit list keeps),
 * `vigil maint` (already so; who and why), a snapshot restore (what it
 * cannot undo), the snapshot file (backup.c: what it refuses, and why),
 * and the requests an agent keeps until the leader answers (opreq.c).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "backup.h"
#include "fsm.h"
#include "opreq.h"
#include "util.h"

#define T0 1764547200000000000ULL /* 2025-12-01T00:00:00Z */
#define MS 1000000ULL

/* Apply cmd to f (as if committed) and free it. */
static void commit(struct fsm *f, char *cmd)
{
	assert_non_null(cmd);
	assert_int_equal(fsm_apply(f, cmd, strlen(cmd)), 0);
	free(cmd);
}

/* hv1..hvN (compute-1..N), ids 1..N. */
static void hosts(struct fsm *f, uint32_t n)
{
	char name[16], host[32], addr[32];

	fsm_init(f);
	for (uint32_t i = 1; i <= n; i++) {
		snprintf(name, sizeof(name), "hv%u", i);
		snprintf(host, sizeof(host), "compute-%u", i);
		snprintf(addr, sizeof(addr), "10.0.0.%u:7301", i);
		commit(f, fsm_cmd_member(i, name, host, addr));
	}
}

/* The request seq of sender 9 (hv9), through node "hv1", with reason. */
static struct fsm_request rq(uint64_t seq, const char *reason)
{
	return (struct fsm_request){
		.sender = 9, .epoch = 100, .seq = seq, .by = "hv1", .reason = reason, .at = T0};
}

static enum fsm_request_result forget(struct fsm *f, uint32_t id, uint64_t seq)
{
	struct fsm_request r = rq(seq, "gone for good");

	commit(f, fsm_cmd_forget(id, &r));
	return fsm_request_mark(f, 9)->result;
}

/* A host that left is forgotten: out of the decided state and its count,
 * recorded with who, why, when and what it was; kept across a snapshot. A
 * report from it later makes it a member again. */
static void test_forget_left_host(void **state)
{
	struct fsm f, g;
	char *text;

	(void)state;
	hosts(&f, 5);
	commit(&f, fsm_cmd_left(4));
	assert_int_equal(fsm_counted(&f), 4);
	assert_int_equal(forget(&f, 4, 1), FSM_REQ_APPLIED);
	assert_null(fsm_host(&f, 4));
	assert_null(fsm_host_by_name(&f, "compute-4"));
	assert_int_equal(f.nhosts, 4);
	assert_int_equal(fsm_counted(&f), 4);
	assert_int_equal(f.naudit, 1);
	assert_string_equal(f.audit[0].action, "forget");
	assert_int_equal(f.audit[0].id, 4);
	assert_string_equal(f.audit[0].host, "hv4");
	assert_string_equal(f.audit[0].hostname, "compute-4");
	assert_string_equal(f.audit[0].was, "left");
	assert_string_equal(f.audit[0].by, "hv1");
	assert_string_equal(f.audit[0].reason, "gone for good");
	assert_int_equal(f.audit[0].at, T0);
	/* every server, and one restored from a snapshot, has the record */
	text = fsm_dump(&f);
	fsm_init(&g);
	assert_int_equal(fsm_load(&g, text), 0);
	assert_int_equal(g.naudit, 1);
	assert_string_equal(g.audit[0].reason, "gone for good");
	assert_int_equal(g.audit[0].id, 4);
	assert_false(fsm_maint_newer(&g, 9, 100, 1));
	free(text);
	fsm_free(&g);
	/* the host comes back and reports: a member again */
	commit(&f, fsm_cmd_member(4, "hv4", "compute-4", "10.0.0.4:7301"));
	assert_int_equal(fsm_host(&f, 4)->state, FSM_MEMBER);
	assert_int_equal(fsm_counted(&f), 5);
	fsm_free(&f);
}

/* Refused while an evacuation it asks for could be lost: a notification
 * pending, held or being fenced; a member without a verdict. Maintenance
 * (which cancels what is still to go) or the delivery opens the way. */
static void test_forget_refused_until_safe(void **state)
{
	struct fsm f;

	(void)state;
	hosts(&f, 6);
	/* hv5 failed, its STOPPED pending (fencing "power": waiting) */
	commit(&f, fsm_cmd_verdict_fence(5, T0, 0, 4, "power"));
	assert_int_equal(forget(&f, 5, 1), FSM_REQ_PENDING);
	assert_non_null(fsm_host(&f, 5));
	assert_int_equal(f.naudit, 0);
	assert_int_equal(f.outbox[0].status, OUTBOX_PENDING);
	/* ... being fenced */
	commit(&f, fsm_cmd_fence_start(1));
	assert_int_equal(forget(&f, 5, 2), FSM_REQ_PENDING);
	/* ... delivered: Masakari has it, the host may go */
	commit(&f, fsm_cmd_fenced(1, T0 + 1));
	commit(&f, fsm_cmd_delivered(1, "uuid-1", "delivered"));
	assert_int_equal(forget(&f, 5, 3), FSM_REQ_APPLIED);
	assert_null(fsm_host(&f, 5));
	/* a notification held (too few healthy hosts) */
	commit(&f, fsm_cmd_verdict(6, T0 + 2, 1, 4));
	assert_int_equal(f.outbox[1].status, OUTBOX_HELD);
	assert_int_equal(forget(&f, 6, 4), FSM_REQ_PENDING);
	/* the operator's way past it: maintenance first */
	commit(&f, fsm_cmd_maintenance("hv6", 1, 9, 100, 5));
	assert_int_equal(f.outbox[1].status, OUTBOX_CANCELLED);
	assert_int_equal(forget(&f, 6, 6), FSM_REQ_APPLIED);
	/* a counted member without a verdict: it runs, or is being decided */
	assert_int_equal(forget(&f, 2, 7), FSM_REQ_UNDECIDED);
	assert_int_equal(fsm_host(&f, 2)->state, FSM_MEMBER);
	/* no such host */
	assert_int_equal(forget(&f, 77, 8), FSM_REQ_UNKNOWN);
	/* a replay of an earlier request changes nothing, not even the mark */
	commit(&f, fsm_cmd_left(3));
	assert_int_equal(forget(&f, 3, 8), FSM_REQ_UNKNOWN);
	assert_non_null(fsm_host(&f, 3));
	assert_int_equal(f.naudit, 2);
	fsm_free(&f);
}

/* Maintenance records who and why; a request that changes nothing says so
 * and leaves the record of the one that did. */
static void test_maint_already_and_who_why(void **state)
{
	struct fsm_request r = rq(1, "kernel upgrade, CHG-1234");
	struct fsm f, g;
	char *text;

	(void)state;
	hosts(&f, 3);
	commit(&f, fsm_cmd_maint("compute-2", 1, &r));
	assert_int_equal(fsm_request_mark(&f, 9)->result, FSM_REQ_APPLIED);
	assert_int_equal(fsm_host(&f, 2)->state, FSM_MAINTENANCE);
	assert_string_equal(fsm_host(&f, 2)->maint_by, "hv1");
	assert_string_equal(fsm_host(&f, 2)->maint_reason, "kernel upgrade, CHG-1234");
	assert_int_equal(fsm_host(&f, 2)->maint_at, T0);
	r = rq(2, "again");
	r.at = T0 + 1;
	commit(&f, fsm_cmd_maint("hv2", 1, &r));
	assert_int_equal(fsm_request_mark(&f, 9)->result, FSM_REQ_ALREADY);
	assert_string_equal(fsm_host(&f, 2)->maint_reason, "kernel upgrade, CHG-1234");
	assert_int_equal(fsm_host(&f, 2)->maint_at, T0);
	/* what the request came to survives a snapshot (a resend is answered
	 * as the first time by any leader) */
	text = fsm_dump(&f);
	fsm_init(&g);
	assert_int_equal(fsm_load(&g, text), 0);
	assert_int_equal(fsm_request_mark(&g, 9)->result, FSM_REQ_ALREADY);
	assert_string_equal(fsm_host(&g, 2)->maint_reason, "kernel upgrade, CHG-1234");
	free(text);
	fsm_free(&g);
	r = rq(3, "done");
	commit(&f, fsm_cmd_maint("hv2", 0, &r));
	assert_int_equal(fsm_request_mark(&f, 9)->result, FSM_REQ_APPLIED);
	assert_int_equal(fsm_host(&f, 2)->state, FSM_MEMBER);
	assert_string_equal(fsm_host(&f, 2)->maint_reason, "done");
	r = rq(4, "");
	commit(&f, fsm_cmd_maint("hv2", 0, &r));
	assert_int_equal(fsm_request_mark(&f, 9)->result, FSM_REQ_ALREADY);
	r = rq(5, "");
	commit(&f, fsm_cmd_maint("compute-9", 1, &r));
	assert_int_equal(fsm_request_mark(&f, 9)->result, FSM_REQ_UNKNOWN);
	fsm_free(&f);
}

/* A restore brings back the saved hosts, verdicts and maintenance, and
 * keeps what cannot be undone: what Masakari has stays delivered (never
 * sent again, the host's failure as told), what is still to go of the
 * verdicts since is cancelled, ids and replay marks only grow, the audit
 * list keeps both histories and records the restore. */
static void test_restore_keeps_what_cannot_be_undone(void **state)
{
	struct fsm_request r = rq(10, "");
	struct fsm f;
	char *saved, *bad;

	(void)state;
	hosts(&f, 5);
	commit(&f, fsm_cmd_verdict(5, T0, 0, 4)); /* id 1 */
	commit(&f, fsm_cmd_delivered(1, "uuid-1", "delivered"));
	commit(&f, fsm_cmd_verdict_fence(2, T0, 0, 4, "power")); /* id 2, to fence */
	saved = fsm_dump(&f);
	/* since the save: hv2 came back before its fence (its STOPPED
	 * cancelled, Masakari never told); hv4 failed and Masakari has it;
	 * hv3 failed, still pending; hv2 into maintenance; hv1 left and was
	 * forgotten */
	commit(&f, fsm_cmd_recovered(2, T0 + 1));
	assert_int_equal(fsm_outbox_get(&f, 2)->status, OUTBOX_CANCELLED);
	commit(&f, fsm_cmd_verdict(4, T0 + 1, 0, 4)); /* id 3 */
	commit(&f, fsm_cmd_delivered(3, "uuid-3", "delivered"));
	commit(&f, fsm_cmd_verdict(3, T0 + 2, 0, 4)); /* id 4 */
	commit(&f, fsm_cmd_maint("hv2", 1, &r));
	commit(&f, fsm_cmd_left(1));
	assert_int_equal(forget(&f, 1, 11), FSM_REQ_APPLIED);
	assert_int_equal(f.next_outbox_id, 5);

	commit(&f, fsm_cmd_restore(saved, "hv2", "back to the morning", T0 + 9));
	assert_int_equal(f.nhosts, 5);
	assert_int_equal(fsm_host(&f, 1)->state, FSM_MEMBER);
	assert_int_equal(fsm_host(&f, 3)->state, FSM_MEMBER);
	assert_false(fsm_host(&f, 3)->failed);
	assert_int_equal(fsm_host(&f, 5)->state, FSM_FAILED);
	assert_int_equal(fsm_outbox_get(&f, 1)->status, OUTBOX_DELIVERED);
	/* hv2 is failed again as saved, but its cancelled STOPPED is not
	 * revived: it is not fenced, nor evacuated, for a verdict it outlived */
	assert_int_equal(fsm_host(&f, 2)->state, FSM_FAILED);
	assert_int_equal(fsm_outbox_get(&f, 2)->status, OUTBOX_CANCELLED);
	assert_int_equal(fsm_outbox_get(&f, 2)->fence, FSM_FENCE_CANCELLED);
	/* Masakari evacuated hv4: it stays failed, its notification delivered */
	assert_int_equal(fsm_host(&f, 4)->state, FSM_FAILED);
	assert_int_equal(fsm_outbox_get(&f, 3)->status, OUTBOX_DELIVERED);
	assert_string_equal(fsm_outbox_get(&f, 3)->uuid, "uuid-3");
	/* hv3's pending STOPPED belongs to a verdict the restore undid */
	assert_int_equal(fsm_outbox_get(&f, 4)->status, OUTBOX_CANCELLED);
	assert_int_equal(f.noutbox, 4);
	assert_int_equal(f.next_outbox_id, 5);
	/* requests taken since the save stay taken */
	assert_false(fsm_maint_newer(&f, 9, 100, 11));
	/* both histories, then the restore */
	assert_int_equal(f.naudit, 2);
	assert_string_equal(f.audit[0].action, "forget");
	assert_string_equal(f.audit[1].action, "restore");
	assert_string_equal(f.audit[1].by, "hv2");
	assert_string_equal(f.audit[1].reason, "back to the morning");
	assert_int_equal(f.audit[1].at, T0 + 9);

	/* a state that is not one is skipped, nothing changes */
	bad = fsm_cmd_restore("{\"hosts\":[{\"id\":0}],\"outbox\":[]}", "hv2", "", T0);
	assert_int_equal(fsm_apply(&f, bad, strlen(bad)), -1);
	assert_int_equal(f.nhosts, 5);
	assert_null(fsm_cmd_restore("{not json", "hv2", "", T0));
	free(bad);
	free(saved);
	fsm_free(&f);
}

/* A notification id of the saved state that the current history gave to
 * another notification: both are kept, under two ids. */
static void test_restore_never_one_id_for_two(void **state)
{
	struct fsm f;
	char *saved;

	(void)state;
	hosts(&f, 5);
	saved = fsm_dump(&f);
	commit(&f, fsm_cmd_verdict(4, T0, 0, 4)); /* id 1, hv4 */
	commit(&f, fsm_cmd_delivered(1, "uuid-4", "delivered"));
	fsm_free(&f);
	/* the other history: id 1 is hv5's */
	hosts(&f, 5);
	commit(&f, fsm_cmd_verdict(5, T0 + 1, 0, 4));
	free(saved);
	saved = fsm_dump(&f);
	fsm_free(&f);
	hosts(&f, 5);
	commit(&f, fsm_cmd_verdict(4, T0, 0, 4));
	commit(&f, fsm_cmd_delivered(1, "uuid-4", "delivered"));
	commit(&f, fsm_cmd_restore(saved, "hv1", "", T0 + 2));
	assert_int_equal(f.noutbox, 2);
	assert_int_equal(fsm_outbox_get(&f, 1)->host_id, 4);
	assert_int_equal(fsm_outbox_get(&f, 1)->status, OUTBOX_DELIVERED);
	assert_int_equal(fsm_outbox_get(&f, 2)->host_id, 5);
	assert_int_equal(fsm_outbox_get(&f, 2)->status, OUTBOX_PENDING);
	assert_int_equal(f.next_outbox_id, 3);
	free(saved);
	fsm_free(&f);
}

/* ---- the snapshot file --------------------------------------------------------- */

static char *saved_file(struct fsm *f, uint32_t cluster_id)
{
	struct backup_meta m = {
		.cluster = "az1", .node = "hv2", .term = 3, .index = 42, .time_ns = T0};

	m.cluster_id = cluster_id;
	hosts(f, 3);
	commit(f, fsm_cmd_verdict(3, T0, 0, 2));
	return backup_encode(f, &m);
}

static void refused(const char *text, const char *why)
{
	struct backup_meta m;
	char err[512], *state = (char *)"x";

	assert_int_equal(backup_decode(text, 0xb12a9e75, &m, &state, err, sizeof(err)), -1);
	assert_null(state);
	if (!strstr(err, why))
		fail_msg("refused with \"%s\", want \"%s\"", err, why);
}

/* A file saved reads back to the same state, with its description; a
 * reformatted one (indented, keys reordered) still checks. */
static void test_snapshot_file_round_trip(void **state)
{
	struct backup_meta m;
	char err[512], *doc, *st, *want, *re;
	struct fsm f;
	json_t *j;

	(void)state;
	doc = saved_file(&f, 0xb12a9e75);
	assert_non_null(doc);
	assert_int_equal(backup_decode(doc, 0xb12a9e75, &m, &st, err, sizeof(err)), 0);
	want = fsm_dump(&f);
	assert_string_equal(st, want);
	assert_string_equal(m.cluster, "az1");
	assert_string_equal(m.node, "hv2");
	assert_int_equal(m.index, 42);
	assert_int_equal(m.term, 3);
	assert_int_equal(m.time_ns, T0);
	assert_int_equal(m.hosts, 3);
	assert_int_equal(m.notifications, 1);
	free(st);
	j = json_loads(doc, 0, NULL);
	re = json_dumps(j, JSON_INDENT(4) | JSON_SORT_KEYS);
	assert_int_equal(backup_decode(re, 0xb12a9e75, &m, &st, err, sizeof(err)), 0);
	fsm_free(&f);
	assert_int_equal(fsm_load(&f, st), 0);
	free(st);
	st = fsm_dump(&f);
	assert_string_equal(st, want);
	free(st);
	free(re);
	json_decref(j);
	free(want);
	free(doc);
	fsm_free(&f);
}

/* Truncated, damaged or edited, of another cluster or format, not a
 * snapshot at all, a state vigil cannot restore: each refused, saying so. */
static void test_snapshot_file_refused(void **state)
{
	char hex[BACKUP_SHA256_HEX], *doc, *p, *s;
	struct fsm f;
	json_t *j;

	(void)state;
	doc = saved_file(&f, 0xb12a9e75);
	fsm_free(&f);
	s = strdup(doc);
	s[strlen(s) / 2] = '\0';
	refused(s, "not JSON");
	free(s);
	refused("", "not JSON");
	refused("{\"hosts\": []}", "not a vigil snapshot");
	refused("[1, 2]", "not a vigil snapshot");
	/* edited: a host name changed, its sha256 not */
	s = strdup(doc);
	p = strstr(s, "compute-2");
	p[8] = '7';
	refused(s, "does not match its sha256");
	free(s);
	/* another cluster's */
	free(doc);
	doc = saved_file(&f, 0x12345678);
	fsm_free(&f);
	refused(doc, "not of this one");
	/* another format; a state that does not pass fsm_check under a sha256
	 * that matches it */
	j = json_loads(doc, 0, NULL);
	json_object_set_new(j, "cluster_id", json_integer(0xb12a9e75));
	json_object_set_new(j, "vigil_snapshot", json_integer(2));
	s = json_dumps(j, 0);
	refused(s, "format 2");
	free(s);
	json_object_set_new(j, "vigil_snapshot", json_integer(BACKUP_FORMAT));
	json_object_set_new(
		json_array_get(json_object_get(json_object_get(j, "state"), "hosts"), 0), "id",
		json_integer(0));
	s = json_dumps(json_object_get(j, "state"), JSON_COMPACT);
	assert_int_equal(backup_sha256(s, hex), 0);
	free(s);
	json_object_set_new(j, "sha256", json_string(hex));
	s = json_dumps(j, 0);
	refused(s, "not one vigil can restore: host 1: \"id\"");
	free(s);
	json_decref(j);
	free(doc);
}

/* What fsm_check refuses in a state, each named. */
static void test_state_check(void **state)
{
	static const struct {
		const char *text, *why;
	} bad[] = {
		{"{\"hosts\":[],\"outbox\":[]}", "next_outbox_id"},
		{"{\"hosts\":[{\"id\":1,\"name\":\"a\",\"hostname\":\"b\",\"state\":\"gone\"}],"
		 "\"outbox\":[],\"next_outbox_id\":1}",
		 "host 1: \"state\""},
		{"{\"hosts\":[{\"id\":1,\"name\":\"a\\n\",\"hostname\":\"b\",\"state\":\"member\"}],"
		 "\"outbox\":[],\"next_outbox_id\":1}",
		 "host 1: \"name\" is not a clean name"},
		{"{\"hosts\":[{\"id\":1,\"name\":\"a\",\"hostname\":\"b\",\"state\":\"member\"},"
		 "{\"id\":1,\"name\":\"c\",\"hostname\":\"d\",\"state\":\"member\"}],"
		 "\"outbox\":[],\"next_outbox_id\":1}",
		 "host 2: its id is host 1's too"},
		{"{\"hosts\":[],\"outbox\":[{\"id\":1,\"host_id\":1,\"hostname\":\"b\",\"event\":"
		 "\"STOPPED\",\"status\":\"pending\",\"generated_at\":1}],"
		 "\"next_outbox_id\":9007199254740993}",
		 "\"next_outbox_id\""},
		{"{\"hosts\":[],\"outbox\":[],\"next_outbox_id\":1,\"audit\":[{\"action\":\"x\"}]}",
		 "audit entry 1: \"action\""},
		{"{\"hosts\":[{\"id\":1,\"name\":\"a\",\"hostname\":\"b\",\"state\":\"failed\","
		 "\"failed\":false}],\"outbox\":[],\"next_outbox_id\":1}",
		 "host 1: its state is failed without a verdict"},
	};
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(fsm_check(bad[i].text, err, sizeof(err)), -1);
		if (!strstr(err, bad[i].why))
			fail_msg("%s: \"%s\", want \"%s\"", bad[i].text, err, bad[i].why);
	}
	assert_int_equal(
		fsm_check("{\"hosts\":[],\"outbox\":[],\"next_outbox_id\":1}", err, sizeof(err)),
		0);
}

/* ---- requests waiting for the leader's answer ----------------------------------- */

static struct wire_maint request(uint8_t type, const char *host, int on, uint64_t seq)
{
	struct wire_maint w = {.type = type, .on = on, .epoch = 100, .seq = seq};

	snprintf(w.host, sizeof(w.host), "%s", host);
	return w;
}

/* Sent again every second with the same (epoch, seq), given up after 4 s;
 * an answer matches only the request it echoes. */
static void test_requests_resent_matched_expired(void **state)
{
	struct wire_maint a = request(VIGIL_MSG_MAINT, "hv2", 1, 5),
			  b = request(VIGIL_MSG_FORGET, "hv3", 0, 6);
	struct wire_answer ans = {.request = VIGIL_MSG_FORGET, .epoch = 100, .seq = 6};
	struct opreq_table t = {.n = 0};
	uint64_t now = 10 * NSEC_PER_SEC;
	struct opreq r;
	int ctx_a, ctx_b;

	(void)state;
	assert_int_equal(opreq_add(&t, &a, &ctx_a, now), 0);
	assert_int_equal(opreq_add(&t, &b, &ctx_b, now + 100 * MS), 0);
	assert_int_equal(opreq_next(&t, now + 999 * MS, &r), OPREQ_NONE);
	assert_int_equal(opreq_next(&t, now + OPREQ_RESEND_MS * MS, &r), OPREQ_RESEND);
	assert_int_equal(r.w.seq, 5);
	assert_int_equal(opreq_next(&t, now + OPREQ_RESEND_MS * MS, &r), OPREQ_NONE);
	/* an answer to another host, type or seq matches nothing */
	snprintf(ans.host, sizeof(ans.host), "hv2");
	assert_int_equal(opreq_answered(&t, &ans, &r), -1);
	ans.request = VIGIL_MSG_MAINT;
	ans.on = 1;
	ans.seq = 6;
	assert_int_equal(opreq_answered(&t, &ans, &r), -1);
	assert_int_equal(t.unmatched, 2);
	ans.seq = 5;
	assert_int_equal(opreq_answered(&t, &ans, &r), 0);
	assert_ptr_equal(r.ctx, &ctx_a);
	assert_int_equal(t.n, 1);
	assert_int_equal(opreq_answered(&t, &ans, &r), -1); /* answered once */
	/* b: resent, then given up 4 s after it was first sent */
	assert_int_equal(opreq_next(&t, now + 2 * NSEC_PER_SEC, &r), OPREQ_RESEND);
	assert_int_equal(opreq_next(&t, now + 100 * MS + OPREQ_WAIT_MS * MS - 1, &r), OPREQ_RESEND);
	assert_int_equal(opreq_next(&t, now + 100 * MS + OPREQ_WAIT_MS * MS, &r), OPREQ_EXPIRED);
	assert_ptr_equal(r.ctx, &ctx_b);
	assert_int_equal(t.n, 0);
	/* bounded */
	for (int i = 0; i < OPREQ_MAX; i++)
		assert_int_equal(opreq_add(&t, &a, NULL, now), 0);
	assert_int_equal(opreq_add(&t, &a, NULL, now), -EBUSY);
	for (int i = 0; i < OPREQ_MAX; i++)
		assert_int_equal(opreq_pop(&t, &r), 1);
	assert_int_equal(opreq_pop(&t, &r), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forget_left_host),
		cmocka_unit_test(test_forget_refused_until_safe),
		cmocka_unit_test(test_maint_already_and_who_why),
		cmocka_unit_test(test_restore_keeps_what_cannot_be_undone),
		cmocka_unit_test(test_restore_never_one_id_for_two),
		cmocka_unit_test(test_snapshot_file_round_trip),
		cmocka_unit_test(test_snapshot_file_refused),
		cmocka_unit_test(test_state_check),
		cmocka_unit_test(test_requests_resent_matched_expired),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
