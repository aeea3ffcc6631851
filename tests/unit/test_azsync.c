// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_azsync.c - HA per availability zone kept in sync (core/azsync.c and
 * its commands in core/fsm.c):
 *  - the segment: created only when configured, its recovery method kept;
 *  - hosts: vigil's added (a host with a notification to go first, in its
 *    maintenance state), never a left one, only the aggregate's with one;
 *    removed only after the grace period without a break, never while
 *    failed or notified about, never on an unread, missing or empty
 *    aggregate; forgotten by vigil out of the aggregate once its agent
 *    stopped;
 *  - maintenance both ways, by who changed since the last agreement, and
 *    "needs an operator" when Masakari set it;
 *  - bounded rounds, the notifier's wait, the findings;
 *  - against a model Masakari: rounds converge and then do nothing, a
 *    round planned twice (a leader that died before reading again) makes
 *    no duplicate, and a lost round (Masakari down) changes nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include "azsync.h"
#include "fsm.h"
#include "outbox.h"

#define NS_S  1000000000ULL
#define GRACE (60 * NS_S)

/* ---- fixtures ---------------------------------------------------------------- */

static void apply(struct fsm *f, char *cmd)
{
	assert_non_null(cmd);
	assert_int_equal(fsm_apply(f, cmd, strlen(cmd)), 0);
	free(cmd);
}

/* hv<id> known as compute-<id> */
static void member(struct fsm *f, uint32_t id)
{
	char name[16], hostname[16];

	snprintf(name, sizeof(name), "hv%u", id);
	snprintf(hostname, sizeof(hostname), "compute-%u", id);
	apply(f, fsm_cmd_member(id, name, hostname, NULL));
}

static uint32_t maint_seq;

static void vigil_maint(struct fsm *f, uint32_t id, int on)
{
	char hostname[16];

	snprintf(hostname, sizeof(hostname), "compute-%u", id);
	apply(f, fsm_cmd_maintenance(hostname, on, 99, 1, ++maint_seq));
}

/* A model Masakari segment and Nova aggregate. */
static struct az_view view;

static void seg_exists(void)
{
	view.seg_read = 1;
	snprintf(view.seg_uuid, sizeof(view.seg_uuid), "seg-uuid");
	snprintf(view.seg_method, sizeof(view.seg_method), "auto");
}

static void seg_add(const char *name, int maint)
{
	struct az_seg_host *h;

	view.seg = realloc(view.seg, (view.nseg + 1) * sizeof(*view.seg));
	h = &view.seg[view.nseg++];
	memset(h, 0, sizeof(*h));
	snprintf(h->name, sizeof(h->name), "%s", name);
	snprintf(h->uuid, sizeof(h->uuid), "uuid-%s", name);
	h->on_maintenance = maint;
}

static void seg_del(const char *name)
{
	for (size_t i = 0; i < view.nseg; i++)
		if (!strcmp(view.seg[i].name, name)) {
			view.seg[i] = view.seg[--view.nseg];
			return;
		}
}

static struct az_seg_host *seg_get(const char *name)
{
	return (struct az_seg_host *)az_seg_find(&view, name);
}

static void agg_add(const char *name)
{
	view.agg_read = view.agg_found = 1;
	view.agg = realloc(view.agg, (view.nagg + 1) * sizeof(*view.agg));
	snprintf(view.agg[view.nagg++], sizeof(view.agg[0]), "%s", name);
}

static void agg_del(const char *name)
{
	for (size_t i = 0; i < view.nagg; i++)
		if (!strcmp(view.agg[i], name)) {
			memcpy(view.agg[i], view.agg[--view.nagg], sizeof(view.agg[0]));
			return;
		}
}

static int reporting_ids[8];

static int reporting(void *ctx, uint32_t id)
{
	(void)ctx;
	return id < 8 && reporting_ids[id];
}

static struct az_params params(int aggregate)
{
	return (struct az_params){.create_segment = 0,
				  .recovery_method = "auto",
				  .use_aggregate = aggregate,
				  .grace_ns = GRACE,
				  .max_actions = 10,
				  .reporting = reporting};
}

static struct fsm f;
static struct az_memory mem;
static struct az_action acts[32];

static int setup(void **state)
{
	(void)state;
	fsm_init(&f);
	memset(&view, 0, sizeof(view));
	memset(&mem, 0, sizeof(mem));
	memset(reporting_ids, 0, sizeof(reporting_ids));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fsm_free(&f);
	az_view_free(&view);
	az_memory_free(&mem);
	return 0;
}

static size_t plan(const struct az_params *p, uint64_t now)
{
	return az_plan(p, &f, &view, &mem, now, acts, 32);
}

/* The one action of kind for hostname in the last plan, or NULL. */
static const struct az_action *find(size_t n, enum az_kind kind, const char *hostname)
{
	const struct az_action *a = NULL;

	for (size_t i = 0; i < n; i++)
		if (acts[i].kind == kind && !strcmp(acts[i].hostname, hostname)) {
			assert_null(a); /* never twice in a round */
			a = &acts[i];
		}
	return a;
}

/* What the reconciler does with a round's actions, against the model:
 * Masakari's changes on the view, vigil's through the fsm. */
static void perform(size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct az_action *a = &acts[i];

		switch (a->kind) {
		case AZ_SEG_CREATE:
			seg_exists();
			break;
		case AZ_SEG_METHOD:
			break;
		case AZ_HOST_ADD:
			assert_null(seg_get(a->hostname)); /* never a duplicate */
			seg_add(a->hostname, a->on);
			apply(&f, fsm_cmd_mk_maint(a->host_id, a->on, 0));
			break;
		case AZ_HOST_REMOVE:
			assert_non_null(seg_get(a->hostname));
			seg_del(a->hostname);
			break;
		case AZ_HOST_MAINT:
			seg_get(a->hostname)->on_maintenance = a->on;
			apply(&f, fsm_cmd_mk_maint(a->host_id, a->on, 0));
			break;
		case AZ_VIGIL_MAINT:
			apply(&f, fsm_cmd_mk_maint(a->host_id, a->on, a->pull));
			break;
		case AZ_VIGIL_FORGET:
			apply(&f, fsm_cmd_forget_decided(a->host_id, "reconciler", a->why, 1));
			break;
		}
	}
}

/* Rounds until one has nothing to do (at most 10); how many did something. */
static int converge(const struct az_params *p, uint64_t now)
{
	for (int r = 0; r < 10; r++) {
		size_t n = plan(p, now);

		if (!n)
			return r;
		perform(n);
	}
	fail_msg("no convergence in 10 rounds");
	return -1;
}

/* ---- the segment -------------------------------------------------------------- */

static void test_segment_created_only_if_configured(void **state)
{
	struct az_params p = params(0);
	size_t n;

	(void)state;
	member(&f, 1);
	view.seg_read = 1; /* Masakari answered: no segment of that name */
	assert_int_equal(plan(&p, 0), 0);
	p.create_segment = 1;
	n = plan(&p, 0);
	assert_int_equal(n, 1);
	assert_int_equal(acts[0].kind, AZ_SEG_CREATE);
	/* Masakari unreachable: nothing at all. */
	view.seg_read = 0;
	assert_int_equal(plan(&p, 0), 0);
	/* It exists with another method: vigil owns it, sets its own. */
	seg_exists();
	p.recovery_method = "reserved_host";
	n = plan(&p, 0);
	assert_non_null(find(n, AZ_SEG_METHOD, ""));
	p.create_segment = 0; /* not ours: left as the operator made it */
	assert_null(find(plan(&p, 0), AZ_SEG_METHOD, ""));
}

/* ---- hosts in ------------------------------------------------------------------ */

static void test_vigil_hosts_added(void **state)
{
	struct az_params p = params(0);
	const struct az_action *a;
	size_t n;

	(void)state;
	for (uint32_t i = 1; i <= 4; i++)
		member(&f, i);
	vigil_maint(&f, 2, 1);
	apply(&f, fsm_cmd_left(3));
	seg_exists();
	seg_add("compute-4", 0);
	n = plan(&p, 0);
	assert_int_equal(n, 2);
	a = find(n, AZ_HOST_ADD, "compute-1");
	assert_non_null(a);
	assert_int_equal(a->on, 0);
	assert_int_equal(a->host_id, 1);
	/* In maintenance in vigil: registered on maintenance. */
	a = find(n, AZ_HOST_ADD, "compute-2");
	assert_non_null(a);
	assert_int_equal(a->on, 1);
	/* Left: not added; already there: not again. */
	assert_null(find(n, AZ_HOST_ADD, "compute-3"));
	assert_null(find(n, AZ_HOST_ADD, "compute-4"));
	perform(n);
	assert_int_equal(plan(&p, 0), 0);
}

static void test_notified_host_added_first(void **state)
{
	struct az_params p = params(0);

	(void)state;
	for (uint32_t i = 1; i <= 3; i++)
		member(&f, i);
	apply(&f, fsm_cmd_verdict(3, 1, 0, 2)); /* compute-3 failed: a STOPPED to go */
	seg_exists();
	p.max_actions = 1;
	assert_int_equal(plan(&p, 0), 1);
	assert_int_equal(acts[0].kind, AZ_HOST_ADD);
	assert_string_equal(acts[0].hostname, "compute-3");
	/* Meanwhile the notifier waits for it, and for the others, not yet
	 * added, too; never for one Masakari refused. */
	assert_true(az_waits(&p, &view, &mem, "compute-3"));
	az_add_refused(&mem, "compute-3", 0);
	assert_false(az_waits(&p, &view, &mem, "compute-3"));
	assert_int_equal(plan(&p, 0), 1);
	assert_string_equal(acts[0].hostname, "compute-1"); /* refused: not retried */
	/* Once it is in the segment (an operator fixed it), the mark goes. */
	seg_add("compute-3", 0);
	plan(&p, 0);
	assert_false(az_waits(&p, &view, &mem, "compute-3"));
	seg_del("compute-3");
	assert_true(az_waits(&p, &view, &mem, "compute-3"));
	/* Unread segment: nothing known, nothing held back. */
	view.seg_read = 0;
	assert_false(az_waits(&p, &view, &mem, "compute-3"));
}

/* The notifier's side: a STOPPED about a host the reconciler is about to
 * add is not sent (it would be a 400 "host not found"), then it is. */
static struct az_params gate_params;

static int gate(void *ctx, const char *hostname)
{
	(void)ctx;
	return az_waits(&gate_params, &view, &mem, hostname);
}

static void test_notification_waits_for_the_segment(void **state)
{
	struct outbox_sender s;
	const struct fsm_outbox *o;

	(void)state;
	gate_params = params(0);
	member(&f, 1);
	member(&f, 2);
	seg_exists();
	seg_add("compute-1", 0);
	apply(&f, fsm_cmd_verdict(2, 1, 0, 1));
	outbox_sender_init(&s, 100, 1000);
	assert_non_null(outbox_next(&s, &f, 0)); /* no gate: sent at once */
	s.wait = gate;
	assert_null(outbox_next(&s, &f, 0));
	/* The round adds it; the next read shows it; the notification goes. */
	assert_non_null(find(plan(&gate_params, 0), AZ_HOST_ADD, "compute-2"));
	seg_add("compute-2", 0);
	o = outbox_next(&s, &f, 0);
	assert_non_null(o);
	assert_string_equal(o->hostname, "compute-2");
}

static void test_aggregate_decides_who_is_added(void **state)
{
	struct az_params p = params(1);
	size_t n;

	(void)state;
	member(&f, 1);
	member(&f, 2);
	seg_exists();
	/* Nova not read: nobody added (who is in the zone is not known). */
	assert_int_equal(plan(&p, 0), 0);
	agg_add("compute-1");
	n = plan(&p, 0);
	assert_int_equal(n, 1);
	assert_non_null(find(n, AZ_HOST_ADD, "compute-1"));
	assert_false(az_waits(&p, &view, &mem, "compute-2"));
}

/* ---- hosts out ------------------------------------------------------------------ */

static void test_unknown_host_removed_after_grace(void **state)
{
	struct az_params p = params(0);
	size_t n;

	(void)state;
	member(&f, 1);
	seg_exists();
	seg_add("compute-1", 0);
	seg_add("compute-9", 0); /* not a vigil host */
	assert_int_equal(plan(&p, 0), 0);
	assert_int_equal(plan(&p, GRACE - 1), 0);
	n = plan(&p, GRACE);
	assert_int_equal(n, 1);
	assert_non_null(find(n, AZ_HOST_REMOVE, "compute-9"));
	assert_string_equal(acts[0].uuid, "uuid-compute-9");
	/* It joins vigil meanwhile: no longer a candidate; if it goes again,
	 * the grace period starts over. */
	member(&f, 9);
	assert_int_equal(plan(&p, GRACE + 1), 0);
	apply(&f, fsm_cmd_forget_decided(9, "reconciler", "test", 1));
	assert_int_equal(plan(&p, 2 * GRACE), 0);
	assert_int_equal(plan(&p, 3 * GRACE), 1);
	/* A host that left vigil is removed after the grace period too. */
	perform(1);
	apply(&f, fsm_cmd_left(1));
	assert_int_equal(plan(&p, 4 * GRACE), 0);
	assert_non_null(find(plan(&p, 5 * GRACE), AZ_HOST_REMOVE, "compute-1"));
}

static void test_failed_host_never_removed(void **state)
{
	struct az_params p = params(1);

	(void)state;
	member(&f, 1);
	member(&f, 2);
	seg_exists();
	seg_add("compute-1", 0);
	seg_add("compute-2", 0);
	agg_add("compute-1");
	apply(&f, fsm_cmd_verdict(2, 1, 0, 1)); /* failed, STOPPED pending */
	for (int r = 0; r < 5; r++)
		assert_null(find(plan(&p, (uint64_t)r * GRACE), AZ_HOST_REMOVE, "compute-2"));
	/* Delivered, still failed: not removed (Masakari may be recovering it). */
	apply(&f, fsm_cmd_delivered(1, "u", "delivered"));
	assert_null(find(plan(&p, 10 * GRACE), AZ_HOST_REMOVE, "compute-2"));
	assert_null(find(plan(&p, 11 * GRACE), AZ_VIGIL_FORGET, "compute-2"));
	/* Back: the grace period starts then. */
	apply(&f, fsm_cmd_recovered(2, 2));
	apply(&f, fsm_cmd_delivered(2, "u2", "delivered"));
	assert_null(find(plan(&p, 12 * GRACE), AZ_HOST_REMOVE, "compute-2"));
	assert_non_null(find(plan(&p, 13 * GRACE), AZ_HOST_REMOVE, "compute-2"));
}

static void test_aggregate_removal_and_forget(void **state)
{
	struct az_params p = params(1);
	size_t n;

	(void)state;
	member(&f, 1);
	member(&f, 2);
	reporting_ids[1] = reporting_ids[2] = 1;
	seg_exists();
	agg_add("compute-1");
	agg_add("compute-2");
	assert_int_equal(converge(&p, 0), 1);
	/* compute-2 leaves the aggregate; its agent still runs. */
	agg_del("compute-2");
	assert_int_equal(plan(&p, NS_S), 0);
	n = plan(&p, NS_S + GRACE);
	assert_int_equal(n, 1);
	assert_non_null(find(n, AZ_HOST_REMOVE, "compute-2"));
	perform(n);
	/* Never forgotten while its agent reports ... */
	assert_int_equal(plan(&p, 3 * GRACE), 0);
	/* ... and once it stopped, after a grace period of its own. */
	reporting_ids[2] = 0;
	assert_int_equal(plan(&p, 4 * GRACE), 0);
	n = plan(&p, 5 * GRACE);
	assert_int_equal(n, 1);
	assert_non_null(find(n, AZ_VIGIL_FORGET, "compute-2"));
	perform(n);
	assert_null(fsm_host(&f, 2));
	assert_int_equal(plan(&p, 6 * GRACE), 0);
}

static void test_broken_aggregate_removes_nothing(void **state)
{
	struct az_params p = params(1);

	(void)state;
	member(&f, 1);
	seg_exists();
	seg_add("compute-1", 0);
	/* Nova down, the aggregate gone (a typo), or emptied: nobody leaves. */
	view.agg_read = 0;
	assert_int_equal(plan(&p, 0), 0);
	assert_int_equal(plan(&p, 10 * GRACE), 0);
	view.agg_read = 1;
	view.agg_found = 0;
	assert_int_equal(plan(&p, 20 * GRACE), 0);
	assert_int_equal(plan(&p, 30 * GRACE), 0);
	view.agg_found = 1; /* found, but no host in it */
	assert_int_equal(plan(&p, 40 * GRACE), 0);
	assert_int_equal(plan(&p, 50 * GRACE), 0);
}

/* ---- maintenance ------------------------------------------------------------------ */

static void test_maintenance_rule(void **state)
{
	struct az_params p = params(0);
	const struct az_action *a;
	struct fsm_host *h;

	(void)state;
	member(&f, 1);
	seg_exists();
	seg_add("compute-1", 0);
	h = fsm_host(&f, 1);
	assert_int_equal(plan(&p, 0), 0);

	/* vigil changed: pushed to Masakari. */
	vigil_maint(&f, 1, 1);
	a = find(plan(&p, 0), AZ_HOST_MAINT, "compute-1");
	assert_non_null(a);
	assert_int_equal(a->on, 1);
	assert_string_equal(a->uuid, "uuid-compute-1");
	assert_int_equal(converge(&p, 0), 1);
	assert_int_equal(seg_get("compute-1")->on_maintenance, 1);
	h = fsm_host(&f, 1);
	assert_int_equal(h->mk_maint, 1);
	vigil_maint(&f, 1, 0);
	assert_int_equal(converge(&p, 0), 1);
	assert_int_equal(seg_get("compute-1")->on_maintenance, 0);

	/* Masakari changed (its engine after a recovery): pulled into vigil,
	 * which shows the host needs an operator. */
	seg_get("compute-1")->on_maintenance = 1;
	a = find(plan(&p, 0), AZ_VIGIL_MAINT, "compute-1");
	assert_non_null(a);
	assert_true(a->pull);
	assert_int_equal(a->on, 1);
	assert_int_equal(converge(&p, 0), 1);
	h = fsm_host(&f, 1);
	assert_int_equal(h->state, FSM_MAINTENANCE);
	assert_true(h->maint_masakari);
	/* The operator clears it in vigil: pushed; no longer flagged. */
	vigil_maint(&f, 1, 0);
	h = fsm_host(&f, 1);
	assert_false(h->maint_masakari);
	assert_int_equal(converge(&p, 0), 1);
	assert_int_equal(seg_get("compute-1")->on_maintenance, 0);
	assert_int_equal(fsm_host(&f, 1)->state, FSM_MEMBER);

	/* ... or in Masakari: vigil follows. */
	seg_get("compute-1")->on_maintenance = 1;
	assert_int_equal(converge(&p, 0), 1);
	seg_get("compute-1")->on_maintenance = 0;
	a = find(plan(&p, 0), AZ_VIGIL_MAINT, "compute-1");
	assert_non_null(a);
	assert_true(a->pull);
	assert_int_equal(a->on, 0);
	assert_int_equal(converge(&p, 0), 1);
	h = fsm_host(&f, 1);
	assert_int_equal(h->state, FSM_MEMBER);
	assert_false(h->maint_masakari);

	/* Both sides agree already, the record lags (a leader died between
	 * the change and its record): only the record. */
	vigil_maint(&f, 1, 1);
	seg_get("compute-1")->on_maintenance = 1;
	a = find(plan(&p, 0), AZ_VIGIL_MAINT, "compute-1");
	assert_non_null(a);
	assert_false(a->pull);
	assert_null(find(plan(&p, 0), AZ_HOST_MAINT, "compute-1"));
}

static void test_recovered_host_needs_operator(void **state)
{
	struct az_params p = params(0);
	struct az_row *rows;
	long n;

	(void)state;
	member(&f, 1);
	member(&f, 2);
	seg_exists();
	assert_int_equal(converge(&p, 0), 1);
	/* compute-1 fails, is notified; masakari-engine evacuates it and sets
	 * on_maintenance. */
	apply(&f, fsm_cmd_verdict(1, 1, 0, 1));
	apply(&f, fsm_cmd_delivered(1, "u", "delivered"));
	seg_get("compute-1")->on_maintenance = 1;
	assert_int_equal(converge(&p, 0), 1);
	assert_int_equal(fsm_host(&f, 1)->state, FSM_MAINTENANCE);
	assert_true(fsm_host(&f, 1)->failed);
	/* It comes back: still in maintenance until an operator says so. */
	apply(&f, fsm_cmd_recovered(1, 2));
	assert_int_equal(fsm_host(&f, 1)->state, FSM_MAINTENANCE);
	n = az_rows(&p, &f, &view, &rows);
	assert_int_equal(n, 2);
	assert_string_equal(rows[0].hostname, "compute-1");
	assert_int_equal(rows[0].findings, 1u << AZ_NEEDS_OPERATOR);
	assert_int_equal(rows[1].findings, 0);
	free(rows);
}

/* ---- rounds -------------------------------------------------------------------- */

static void test_bounded_and_idempotent(void **state)
{
	struct az_params p = params(0);
	size_t n;

	(void)state;
	for (uint32_t i = 1; i <= 7; i++)
		member(&f, i);
	seg_exists();
	p.max_actions = 3;
	n = plan(&p, 0);
	assert_int_equal(n, 3);
	/* A leader that planned and died before its changes were read back:
	 * the next one plans the same; performed twice they would be
	 * duplicates, performed once they are done (perform() asserts). */
	assert_int_equal(plan(&p, 0), 3);
	perform(n);
	/* Masakari down for a round: nothing planned, nothing lost. */
	view.seg_read = 0;
	assert_int_equal(plan(&p, 0), 0);
	view.seg_read = 1;
	assert_int_equal(converge(&p, 0), 2);
	assert_int_equal(view.nseg, 7);
}

static void test_findings(void **state)
{
	struct az_params p = params(1);
	struct az_row *rows;
	long n;

	(void)state;
	member(&f, 1); /* in the aggregate and the segment */
	member(&f, 2); /* a vigil host outside the aggregate */
	member(&f, 3); /* in the aggregate, not yet in the segment */
	seg_exists();
	seg_add("compute-1", 0);
	seg_add("compute-8", 0); /* in the segment, no vigil agent */
	agg_add("compute-1");
	agg_add("compute-3");
	agg_add("compute-9"); /* a hypervisor without a vigil agent */
	n = az_rows(&p, &f, &view, &rows);
	assert_int_equal(n, 5);
	assert_string_equal(rows[0].hostname, "compute-1");
	assert_int_equal(rows[0].findings, 0);
	assert_int_equal(rows[0].in_segment, 1);
	assert_int_equal(rows[0].in_aggregate, 1);
	assert_int_equal(rows[1].findings, 1u << AZ_NOT_IN_AGGREGATE | 1u << AZ_NOT_IN_SEGMENT);
	assert_int_equal(rows[2].findings, 1u << AZ_NOT_IN_SEGMENT);
	assert_string_equal(rows[3].hostname, "compute-8");
	assert_int_equal(rows[3].findings, 1u << AZ_NOT_IN_VIGIL);
	assert_string_equal(rows[4].hostname, "compute-9");
	assert_int_equal(rows[4].findings, 1u << AZ_UNPROTECTED);
	assert_int_equal(rows[4].state, -1);
	free(rows);
	/* A vigil host that left is no protection either. */
	apply(&f, fsm_cmd_left(3));
	n = az_rows(&p, &f, &view, &rows);
	assert_int_equal(rows[2].findings, 1u << AZ_UNPROTECTED);
	free(rows);
	/* Nova unread: no aggregate findings at all. */
	view.agg_read = 0;
	n = az_rows(&p, &f, &view, &rows);
	assert_int_equal(n, 4);
	for (long i = 0; i < n; i++) {
		assert_int_equal(rows[i].in_aggregate, -1);
		assert_false(rows[i].findings & (1u << AZ_UNPROTECTED | 1u << AZ_NOT_IN_AGGREGATE));
	}
	free(rows);
}

/* ---- the decided state ------------------------------------------------------------ */

static void test_fsm_commands(void **state)
{
	struct fsm g;
	char *dump;

	(void)state;
	member(&f, 1);
	member(&f, 2);
	apply(&f, fsm_cmd_verdict(1, 1, 0, 1));
	assert_int_equal(f.outbox[0].status, OUTBOX_PENDING);
	/* Masakari's maintenance pulled in: like a MAINT, unsent notifications
	 * are cancelled. */
	apply(&f, fsm_cmd_mk_maint(1, 1, 1));
	assert_int_equal(f.outbox[0].status, OUTBOX_CANCELLED);
	assert_true(fsm_host(&f, 1)->maint_masakari);
	assert_true(fsm_host(&f, 1)->mk_maint);
	/* A record only (no pull) changes nothing else. */
	apply(&f, fsm_cmd_mk_maint(2, 1, 0));
	assert_int_equal(fsm_host(&f, 2)->state, FSM_MEMBER);
	assert_true(fsm_host(&f, 2)->mk_maint);
	/* The new fields survive a snapshot. */
	dump = fsm_dump(&f);
	fsm_init(&g);
	assert_int_equal(fsm_load(&g, dump), 0);
	free(dump);
	assert_true(fsm_host(&g, 1)->maint_masakari);
	assert_true(fsm_host(&g, 2)->mk_maint);
	assert_false(fsm_host(&g, 2)->maint_masakari);
	fsm_free(&g);
	/* The reconciler's forget stands only as it was planned: never for a
	 * host that failed meanwhile (its evacuation must not be lost). */
	apply(&f, fsm_cmd_verdict(2, 1, 0, 1));
	apply(&f, fsm_cmd_forget_decided(2, "reconciler", "removed_from_aggregate", 7));
	assert_non_null(fsm_host(&f, 2));
	assert_int_equal(f.outbox[1].status, OUTBOX_PENDING);
	apply(&f, fsm_cmd_delivered(f.outbox[1].id, "uuid-2", "ok"));
	apply(&f, fsm_cmd_forget_decided(2, "reconciler", "removed_from_aggregate", 7));
	assert_non_null(fsm_host(&f, 2));
	/* A host that did not fail: gone, others untouched, in the audit list
	 * as the reconciler's with its reason; no sender, so no replay mark. */
	apply(&f, fsm_cmd_recovered(2, 2));
	apply(&f, fsm_cmd_forget_decided(2, "reconciler", "removed_from_aggregate", 7));
	assert_non_null(fsm_host(&f, 2)); /* its STARTED is still to go */
	apply(&f, fsm_cmd_delivered(f.outbox[f.noutbox - 1].id, "uuid-2b", "ok"));
	apply(&f, fsm_cmd_forget_decided(2, "reconciler", "removed_from_aggregate", 7));
	assert_null(fsm_host(&f, 2));
	assert_non_null(fsm_host(&f, 1));
	assert_int_equal(f.naudit, 1);
	assert_string_equal(f.audit[0].action, "forget");
	assert_string_equal(f.audit[0].by, "reconciler");
	assert_string_equal(f.audit[0].reason, "removed_from_aggregate");
	assert_int_equal(f.audit[0].id, 2);
	assert_int_equal(f.audit[0].at, 7);
	assert_int_equal(f.nmaint_marks, 0);
	/* A forget of an unknown host is harmless. */
	apply(&f, fsm_cmd_forget_decided(2, "reconciler", "again", 8));
	assert_int_equal(f.nhosts, 1);
	assert_int_equal(f.naudit, 1);
	/* It reports again: a member again. */
	member(&f, 2);
	assert_int_equal(fsm_host(&f, 2)->state, FSM_MEMBER);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_segment_created_only_if_configured, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_vigil_hosts_added, setup, teardown),
		cmocka_unit_test_setup_teardown(test_notified_host_added_first, setup, teardown),
		cmocka_unit_test_setup_teardown(test_notification_waits_for_the_segment, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_aggregate_decides_who_is_added, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_unknown_host_removed_after_grace, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_failed_host_never_removed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_aggregate_removal_and_forget, setup, teardown),
		cmocka_unit_test_setup_teardown(test_broken_aggregate_removes_nothing, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_maintenance_rule, setup, teardown),
		cmocka_unit_test_setup_teardown(test_recovered_host_needs_operator, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_bounded_and_idempotent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_findings, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fsm_commands, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
