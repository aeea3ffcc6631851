// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_fence.c - fence, then notify (core/fence.c, the gate in core/outbox.c,
 * the facts in core/fsm.c, the runner's lib/proc.c):
 *  - the "fencing" configuration: modes, defaults and per-host overrides,
 *    what the fence agent gets on stdin, and the errors for bad parameters;
 *  - the stage against a model BMC that injects faults (unreachable, hung,
 *    lying): status first, off, status until off, "fenced" only then, a
 *    STOPPED never sendable before it, retries with backoff, cancellation;
 *  - through libraft's fixture: a leader killed after "off" but before
 *    "fenced" commits is replaced by one that finishes with a status call,
 *    no second "off", and exactly one NORMAL notification;
 *  - the real runner (posix_spawn, stdin, timeout, kill by PID) against
 *    fence agent scripts that answer, fail, hang and lie.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include "config.h"
#include "fence.h"
#include "masakari.h"
#include "outbox.h"
#include "proc.h"
#include "raft_cluster.h"

#define NS_MS 1000000ULL
#define NS_S  1000000000ULL

/* ---- configuration --------------------------------------------------------------- */

static const char *const base_cfg = "{\"node_name\": \"hv1\", \"interface\": \"eth0\", ";

static int load(struct vigil_config *c, const char *fencing, char *err, size_t n)
{
	char text[8192];

	snprintf(text, sizeof(text), "%s\n\"fencing\": %s}", base_cfg, fencing);
	config_defaults(c);
	return config_load_string(c, text, "t.json", err, n);
}

static void test_config_modes(void **state)
{
	static struct vigil_config c;
	char err[512];

	(void)state;
	/* Nothing configured: detection only, as before. */
	assert_int_equal(load(&c, "{}", err, sizeof(err)), 0);
	assert_int_equal(c.fencing.mode, FENCE_MODE_NONE);
	/* An agent configured: power is the default. */
	assert_int_equal(load(&c, "{\"agent\": \"fence_ipmilan\"}", err, sizeof(err)), 0);
	assert_int_equal(c.fencing.mode, FENCE_MODE_POWER);
	assert_int_equal(c.fencing.timeout_ms, 30000);
	assert_int_equal(load(&c, "{\"mode\": \"assume-off\"}", err, sizeof(err)), 0);
	assert_int_equal(c.fencing.mode, FENCE_MODE_ASSUME_OFF);
	/* power without any agent is refused, naming the key and its line. */
	assert_int_equal(load(&c, "{\"mode\": \"power\"}", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "t.json:2: \"fencing.mode\" power needs a fence agent"));
	assert_int_equal(load(&c, "{\"mode\": \"fence\"}", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "power, none, assume-off"));
}

static void test_config_bad_params(void **state)
{
	static const struct {
		const char *fencing, *says;
	} bad[] = {
		{"{\"agent\": \"f\", \"params\": {\"ip\": \"a\\nusername=root\"}}", "line break"},
		{"{\"agent\": \"f\", \"params\": {\"action\": \"on\"}}", "vigil's to choose"},
		{"{\"agent\": \"f\", \"params\": {\"IP\": \"a\"}}", "lower case"},
		{"{\"agent\": \"f\", \"params\": {\"ip\": [1]}}",
		 "string, an integer or a boolean"},
		{"{\"agent\": \"f\", \"params\": {\"agent\": \"g\"}}", "not a parameter"},
		{"{\"agent\": \"f\", \"hosts\": {\"c1\": \"10.0.0.1\"}}", "must be an object"},
		{"{\"hosts\": {\"c1\": {\"ip\": \"1\"}}}", "needs a fence agent"},
		{"{\"agent\": \"f\", \"hosts\": []}", "\"fencing.hosts\" must be an object"},
		{"{\"agent\": \"f\", \"retry_min_ms\": 5000, \"retry_max_ms\": 1000}",
		 "must not exceed"},
	};
	static struct vigil_config c;
	char err[512];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(load(&c, bad[i].fencing, err, sizeof(err)), -1);
		if (!strstr(err, bad[i].says))
			fail_msg("case %zu: \"%s\" does not say \"%s\"", i, err, bad[i].says);
	}
}

/* 50 hosts: the defaults carry everything but the address; one host differs. */
static const char *const site = "{\"agent\": \"fence_ipmilan\", "
				"\"params\": {\"username\": \"admin\", \"password_file\": "
				"\"/etc/vigil/bmc.pass\", \"lanplus\": true, \"ip\": "
				"\"{hostname}-bmc.mgmt\", \"ipport\": 623, \"verbose\": false}, "
				"\"hosts\": {\"compute-7\": {\"ip\": \"10.9.0.7\"}, "
				"\"hv9\": {\"agent\": \"fence_redfish\", \"ip\": \"10.9.0.9\", "
				"\"password_credential\": \"bmc9\", \"ssl_insecure\": 1}}}";

static void test_target_defaults_and_overrides(void **state)
{
	static struct vigil_config c;
	struct fence_target t;
	char err[512], in[FENCE_PARAMS_MAX + 300];

	(void)state;
	assert_int_equal(load(&c, site, err, sizeof(err)), 0);
	/* A host with no entry: the defaults, {hostname} expanded. */
	assert_int_equal(fence_target_for(&c.fencing, "compute-3", "hv3", &t, err, sizeof(err)), 0);
	assert_string_equal(t.agent, "fence_ipmilan");
	assert_string_equal(t.params,
			    "username=admin\nlanplus=1\nip=compute-3-bmc.mgmt\nipport=623\n");
	assert_string_equal(t.password_file, "/etc/vigil/bmc.pass");
	/* Its own address, the rest inherited. */
	assert_int_equal(fence_target_for(&c.fencing, "compute-7", "hv7", &t, err, sizeof(err)), 0);
	assert_non_null(strstr(t.params, "ip=10.9.0.7\n"));
	assert_null(strstr(t.params, "bmc.mgmt"));
	/* Matched by node name; another agent, a systemd credential. */
	assert_int_equal(fence_target_for(&c.fencing, "compute-9", "hv9", &t, err, sizeof(err)), 0);
	assert_string_equal(t.agent, "fence_redfish");
	assert_string_equal(t.password_credential, "bmc9");
	assert_non_null(strstr(t.params, "ssl_insecure=1\n"));
	/* stdin: the action first, the password last, never in the parameters. */
	assert_int_equal(fence_stdin(&t, FENCE_OP_OFF, "s3cret", in, sizeof(in)), 0);
	assert_true(!strncmp(in, "action=off\n", 11));
	assert_non_null(strstr(in, "\npassword=s3cret\n"));
	assert_null(strstr(t.params, "s3cret"));
	/* A password written in the file: never among the parameters shown. */
	assert_int_equal(load(&c, "{\"agent\": \"f\", \"params\": {\"password\": \"pw1\"}}", err,
			      sizeof(err)),
			 0);
	assert_int_equal(fence_target_for(&c.fencing, "c1", "hv1", &t, err, sizeof(err)), 0);
	assert_string_equal(t.params, "");
	assert_int_equal(fence_stdin(&t, FENCE_OP_STATUS, NULL, in, sizeof(in)), 0);
	assert_string_equal(in, "action=status\npassword=pw1\n");
	/* A host with nothing configured at all, in power mode: a clear error. */
	assert_int_equal(
		load(&c, "{\"hosts\": {\"c1\": {\"agent\": \"fence_x\"}}}", err, sizeof(err)), 0);
	assert_int_equal(fence_target_for(&c.fencing, "c2", "hv2", &t, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no fence agent for c2"));
}

static void test_classify_and_reason(void **state)
{
	char r[256];

	(void)state;
	assert_int_equal(fence_classify(FENCE_OP_STATUS, 1, 0, 0), FENCE_R_ON);
	assert_int_equal(fence_classify(FENCE_OP_STATUS, 1, 2, 0), FENCE_R_OFF);
	assert_int_equal(fence_classify(FENCE_OP_STATUS, 1, 1, 0), FENCE_R_ERROR);
	assert_int_equal(fence_classify(FENCE_OP_OFF, 1, 0, 0), FENCE_R_DONE);
	assert_int_equal(fence_classify(FENCE_OP_OFF, 1, 1, 0), FENCE_R_ERROR);
	assert_int_equal(fence_classify(FENCE_OP_OFF, 0, -1, 1), FENCE_R_TIMEOUT);
	assert_int_equal(fence_classify(FENCE_OP_OFF, 0, -1, 0), FENCE_R_ERROR);
	fence_output_reason("/usr/sbin/fence_ipmilan:5: DeprecationWarning: 'pipes' is deprecated\n"
			    "  from pipes import quote\n"
			    "2026-12-01 10:35:52,974 ERROR: Failed: Unable to obtain correct plug "
			    "status or plug is not available\n\n",
			    NULL, r, sizeof(r));
	assert_string_equal(
		r, "Failed: Unable to obtain correct plug status or plug is not available");
	/* Under verbose: true, ipmitool's own words say which failure it is. */
	fence_output_reason("DEBUG: 1  Activate Session command failed\n"
			    "Error: Unable to establish LAN session\n"
			    "2026-12-01 10:45:04,506 ERROR: Failed: Unable to obtain correct plug "
			    "status or plug is not available\n",
			    NULL, r, sizeof(r));
	assert_string_equal(r, "the BMC refused the credentials (username, password, privilege "
			       "level) (Failed: Unable to obtain correct plug status or plug is "
			       "not available)");
	fence_output_reason("bad password hunter2 for admin\n", "hunter2", r, sizeof(r));
	assert_string_equal(r, "bad password *** for admin");
}

/* ---- the gate and the replicated facts --------------------------------------------- */

static int n_commands[8]; /* fence_start, fenced, fence_failed committed */

static void commit(struct fsm *f, char *cmd)
{
	assert_non_null(cmd);
	n_commands[0] += !!strstr(cmd, "\"fence_start\"");
	n_commands[1] += !!strstr(cmd, "\"fenced\"");
	n_commands[2] += !!strstr(cmd, "\"fence_failed\"");
	assert_int_equal(fsm_apply(f, cmd, strlen(cmd)), 0);
	free(cmd);
}

/* hv1..hv5 (compute-1..5); hv5 failed, its verdict in fencing mode `mode`. */
static void one_verdict(struct fsm *f, const char *mode, int hold)
{
	char name[16], host[32];

	memset(n_commands, 0, sizeof(n_commands));
	fsm_init(f);
	for (uint32_t i = 1; i <= 5; i++) {
		snprintf(name, sizeof(name), "hv%u", i);
		snprintf(host, sizeof(host), "compute-%u", i);
		commit(f, fsm_cmd_member(i, name, host, NULL));
	}
	commit(f, fsm_cmd_verdict_fence(5, 1764547200123456789ULL, hold, 4, mode));
	assert_int_equal(f->noutbox, 1);
}

static const char *host_status(const struct fsm_outbox *o)
{
	static struct mk_notification n;

	mk_notification_init(&n, o->hostname, o->stopped, o->power_off_confirmed, o->generated_at);
	return n.host_status;
}

static void test_modes_none_and_assume_off_send_at_once(void **state)
{
	struct outbox_sender s;
	struct fence_stage st;
	struct fence_config fc = {.mode = FENCE_MODE_NONE, .retry_min_ms = 1, .retry_max_ms = 1};
	struct fence_job j;
	char *cmd;
	struct fsm f;

	(void)state;
	fence_stage_init(&st, &fc);
	outbox_sender_init(&s, 500, 30000);
	one_verdict(&f, NULL, 0); /* an old verdict, or mode none */
	assert_non_null(outbox_next(&s, &f, 0));
	assert_string_equal(host_status(&f.outbox[0]), "UNKNOWN");
	assert_int_equal(fence_next(&st, &f, 0, &j, &cmd), 0);
	fsm_free(&f);
	one_verdict(&f, "none", 0);
	assert_string_equal(host_status(outbox_next(&s, &f, 0)), "UNKNOWN");
	fsm_free(&f);
	one_verdict(&f, "assume-off", 0);
	assert_int_equal(f.outbox[0].fence, FSM_FENCE_ASSUMED);
	assert_string_equal(host_status(outbox_next(&s, &f, 0)), "NORMAL");
	assert_int_equal(fence_next(&st, &f, 0, &j, &cmd), 0);
	fsm_free(&f);
}

static void test_stopped_waits_for_fenced(void **state)
{
	struct outbox_sender s;
	struct fsm f, g;
	char *dump;

	(void)state;
	outbox_sender_init(&s, 500, 30000);
	one_verdict(&f, "power", 0);
	assert_int_equal(f.outbox[0].fence, FSM_FENCE_WAITING);
	assert_int_equal(f.outbox[0].power_off_confirmed, 0);
	assert_null(outbox_next(&s, &f, 0));
	commit(&f, fsm_cmd_fence_start(1));
	assert_null(outbox_next(&s, &f, 0));
	commit(&f, fsm_cmd_fence_failed(1, "status error: Failed: Unable to obtain"));
	assert_int_equal(f.outbox[0].fence, FSM_FENCE_FAILED);
	assert_null(outbox_next(&s, &f, 0));
	/* The facts survive a snapshot. */
	dump = fsm_dump(&f);
	fsm_init(&g);
	assert_int_equal(fsm_load(&g, dump), 0);
	free(dump);
	assert_int_equal(g.outbox[0].fence, FSM_FENCE_FAILED);
	assert_string_equal(g.outbox[0].fence_error, "status error: Failed: Unable to obtain");
	assert_null(outbox_next(&s, &g, 0));
	commit(&g, fsm_cmd_fenced(1, 1764547201000000000ULL));
	assert_int_equal(g.fences, 1);
	dump = fsm_dump(&g);
	assert_int_equal(fsm_load(&f, dump), 0);
	free(dump);
	assert_int_equal(f.fences, 1);
	assert_int_equal(f.outbox[0].fence, FSM_FENCE_FENCED);
	assert_int_equal(f.outbox[0].fenced_at, 1764547201000000000ULL);
	/* Only now, and with host_status NORMAL. */
	assert_string_equal(host_status(outbox_next(&s, &f, 0)), "NORMAL");
	fsm_free(&f);
	fsm_free(&g);
}

/* ---- the stage against a model BMC ------------------------------------------------ */

enum bmc_fault { BMC_OK, BMC_UNREACHABLE, BMC_HANG, BMC_LIES };

struct bmc {
	int on;
	int offs; /* "off" calls that powered it off */
	int calls;
	enum bmc_fault fault;
};

static enum fence_result bmc_call(struct bmc *b, enum fence_op op, char *msg, size_t n)
{
	b->calls++;
	msg[0] = '\0';
	switch (b->fault) {
	case BMC_UNREACHABLE:
		snprintf(msg, n,
			 "Failed: Unable to obtain correct plug status or plug is not available");
		return FENCE_R_ERROR;
	case BMC_HANG:
		snprintf(msg, n, "killed after 30000 ms");
		return FENCE_R_TIMEOUT;
	case BMC_LIES:
		return op == FENCE_OP_OFF ? FENCE_R_DONE : FENCE_R_ON;
	case BMC_OK:
		break;
	}
	if (op == FENCE_OP_STATUS)
		return b->on ? FENCE_R_ON : FENCE_R_OFF;
	if (b->on)
		b->offs++;
	b->on = 0;
	return FENCE_R_DONE;
}

static void stage_init(struct fence_stage *st)
{
	struct fence_config fc = {.mode = FENCE_MODE_POWER,
				  .retry_min_ms = 2000,
				  .retry_max_ms = 16000,
				  .status_interval_ms = 1000,
				  .confirm_timeout_ms = 10000};

	fence_stage_init(st, &fc);
}

/* A stage, a model BMC and an fsm whose hv5 failed in power mode. */
struct rig {
	struct fence_stage st;
	struct bmc b;
	struct fsm f;
};

static void rig_up(struct rig *r, int hold)
{
	stage_init(&r->st);
	one_verdict(&r->f, "power", hold);
}

/* Who answers the stage's calls: the model BMC, or a real agent. */
typedef enum fence_result (*fence_caller)(void *ctx, enum fence_op op, char *msg, size_t n);

/* Every call due in [from, until), every step, made and answered; the
 * STOPPED must never be sendable unfenced meanwhile. */
static void drive_calls(struct fence_stage *st, struct fsm *f, fence_caller call, void *ctx,
			uint64_t from, uint64_t until, uint64_t step)
{
	struct outbox_sender s;
	struct fence_job j;
	char *cmd, msg[200];

	outbox_sender_init(&s, 500, 30000);
	for (uint64_t t = from; t < until; t += step) {
		while (fence_next(st, f, t, &j, &cmd)) {
			enum fence_result r;

			if (cmd)
				commit(f, cmd);
			r = call(ctx, j.op, msg, sizeof(msg));
			cmd = fence_answer(st, f, &j, r, msg, t, t, 0);
			if (cmd)
				commit(f, cmd);
		}
		if (f->outbox[0].fence != FSM_FENCE_FENCED)
			assert_null(outbox_next(&s, f, t));
	}
}

static enum fence_result bmc_caller(void *ctx, enum fence_op op, char *msg, size_t n)
{
	return bmc_call(ctx, op, msg, n);
}

/* The leader's loop in virtual time against the model BMC, every 100 ms. */
static void drive(struct fence_stage *st, struct fsm *f, struct bmc *b, uint64_t from,
		  uint64_t until)
{
	drive_calls(st, f, bmc_caller, b, from, until, 100 * NS_MS);
}

static void test_fence_status_off_confirm(void **state)
{
	struct rig r = {.b = {.on = 1}};

	(void)state;
	rig_up(&r, 0);
	drive(&r.st, &r.f, &r.b, 0, 5 * NS_S);
	assert_int_equal(r.f.outbox[0].fence, FSM_FENCE_FENCED);
	assert_int_equal(r.f.outbox[0].power_off_confirmed, 1);
	assert_int_equal(r.b.offs, 1);
	assert_int_equal(r.b.calls, 3); /* status (on), off, status (off) */
	assert_int_equal(n_commands[0], 1);
	assert_int_equal(n_commands[1], 1);
	assert_int_equal(n_commands[2], 0);
	/* Fenced: nothing more to do, not even on a new leader. */
	fence_stage_reset(&r.st);
	drive(&r.st, &r.f, &r.b, 5 * NS_S, 20 * NS_S);
	assert_int_equal(r.b.calls, 3);
	fsm_free(&r.f);
}

static void test_host_already_off_needs_no_off(void **state)
{
	struct rig r = {.b = {.on = 0}};

	(void)state;
	rig_up(&r, 0);
	drive(&r.st, &r.f, &r.b, 0, 1 * NS_S);
	assert_int_equal(r.f.outbox[0].fence, FSM_FENCE_FENCED);
	assert_int_equal(r.b.calls, 1);
	assert_int_equal(r.b.offs, 0);
	fsm_free(&r.f);
}

static void test_unreachable_bmc_fails_with_backoff_then_recovers(void **state)
{
	struct fence_stage st;
	struct bmc b = {.on = 1, .fault = BMC_UNREACHABLE};
	const struct fence_attempt *a;
	struct fsm f;

	(void)state;
	stage_init(&st);
	one_verdict(&f, "power", 0);
	/* Rounds at 0, 1.5, 4.5, 10.5, 22.5, 34.5, 46.5 s (backoff 2, 4, 8, 16,
	 * 16 ... s, the earliest the jitter allows). */
	drive(&st, &f, &b, 0, 50 * NS_S);
	a = fence_attempt(&st, 1);
	assert_non_null(a);
	assert_int_equal(a->rounds_failed, 7);
	assert_int_equal(a->backoff_ms, 16000);
	assert_int_equal(b.calls, 7);
	assert_int_equal(f.outbox[0].fence, FSM_FENCE_FAILED);
	assert_non_null(strstr(f.outbox[0].fence_error, "Unable to obtain correct plug status"));
	assert_non_null(strstr(a->message, "status error"));
	assert_int_equal(n_commands[2], 1); /* recorded once, not per retry */
	assert_int_equal(f.outbox[0].power_off_confirmed, 0);
	/* The BMC answers again: fenced at the next round. */
	b.fault = BMC_OK;
	drive(&st, &f, &b, 50 * NS_S, 70 * NS_S);
	assert_int_equal(f.outbox[0].fence, FSM_FENCE_FENCED);
	assert_int_equal(b.offs, 1);
	fsm_free(&f);
}

static void test_hung_agent_is_a_failure(void **state)
{
	struct rig r = {.b = {.on = 1, .fault = BMC_HANG}};

	(void)state;
	rig_up(&r, 0);
	drive(&r.st, &r.f, &r.b, 0, 3 * NS_S);
	assert_int_equal(r.f.outbox[0].fence, FSM_FENCE_FAILED);
	assert_non_null(strstr(r.f.outbox[0].fence_error, "status timeout: killed after"));
	fsm_free(&r.f);
}

/* "off" says success, the power stays on: never fenced. */
static void test_lying_agent_never_confirms(void **state)
{
	struct rig r = {.b = {.on = 1, .fault = BMC_LIES}};

	(void)state;
	rig_up(&r, 0);
	drive(&r.st, &r.f, &r.b, 0, 11 * NS_S);
	assert_int_equal(r.f.outbox[0].fence, FSM_FENCE_FAILED);
	assert_non_null(strstr(r.f.outbox[0].fence_error,
			       "status still on 10000 ms after a successful off"));
	/* status, off, then 11 status calls over the 10 s confirmation */
	assert_int_equal(r.b.calls, 13);
	drive(&r.st, &r.f, &r.b, 11 * NS_S, 120 * NS_S);
	assert_int_not_equal(r.f.outbox[0].fence, FSM_FENCE_FENCED);
	fsm_free(&r.f);
}

static void test_host_back_before_fence_cancels(void **state)
{
	struct fence_stage st;
	struct bmc b = {.on = 1, .fault = BMC_UNREACHABLE};
	struct fence_job j;
	char *cmd;
	struct fsm f;

	(void)state;
	stage_init(&st);
	one_verdict(&f, "power", 0);
	drive(&st, &f, &b, 0, 3 * NS_S);
	/* A call in flight when the host reports again. */
	b.fault = BMC_OK;
	assert_int_equal(fence_next(&st, &f, 10 * NS_S, &j, &cmd), 1);
	assert_false(fence_obsolete(&st, &f, &j));
	commit(&f, fsm_cmd_recovered(5, 1764547300000000000ULL));
	assert_true(fence_obsolete(&st, &f, &j));
	assert_int_equal(f.outbox[0].status, OUTBOX_CANCELLED);
	assert_int_equal(f.outbox[0].fence, FSM_FENCE_CANCELLED);
	/* Masakari heard nothing of it: no STARTED either. */
	assert_int_equal(f.noutbox, 1);
	/* Its late answer records nothing; nothing more is run. */
	assert_null(fence_answer(&st, &f, &j, FENCE_R_OFF, "", 10 * NS_S, 0, 0));
	assert_int_equal(fence_next(&st, &f, 100 * NS_S, &j, &cmd), 0);
	/* A late "fenced" from an older leader changes nothing either. */
	commit(&f, fsm_cmd_fenced(1, 5));
	assert_int_equal(f.outbox[0].fence, FSM_FENCE_CANCELLED);
	assert_int_equal(f.outbox[0].power_off_confirmed, 0);
	fsm_free(&f);
}

static void test_held_verdict_is_not_fenced(void **state)
{
	struct rig r = {.b = {.on = 1}};

	(void)state;
	rig_up(&r, 1);
	drive(&r.st, &r.f, &r.b, 0, 5 * NS_S);
	assert_int_equal(r.b.calls, 0);
	commit(&r.f, fsm_cmd_release(1));
	drive(&r.st, &r.f, &r.b, 5 * NS_S, 10 * NS_S);
	assert_int_equal(r.f.outbox[0].fence, FSM_FENCE_FENCED);
	fsm_free(&r.f);
}

/* ---- through Raft: the leader dies between "off" and "fenced" ------------------------ */

/* One call of leader l's stage against the BMC; a command it yields is proposed. */
static int leader_call(struct cluster *c, unsigned l, struct fence_stage *st, struct bmc *b,
		       uint64_t now)
{
	struct fence_job j;
	char *cmd, msg[200];
	enum fence_result r;

	if (!fence_next(st, &c->fsm[l], now, &j, &cmd))
		return 0;
	if (cmd)
		assert_int_equal(raft_fsm_propose(raft_fixture_get(&c->fx, l), cmd, NULL, NULL), 0);
	r = bmc_call(b, j.op, msg, sizeof(msg));
	cmd = fence_answer(st, &c->fsm[l], &j, r, msg, now, now, 0);
	if (cmd)
		assert_int_equal(raft_fsm_propose(raft_fixture_get(&c->fx, l), cmd, NULL, NULL), 0);
	return 1;
}

static void test_leader_killed_mid_fence_new_leader_finishes(void **state)
{
	struct cluster *c = *state;
	struct fence_stage s1, s2;
	struct outbox_sender out;
	struct bmc b = {.on = 1};
	unsigned l = cluster_leader(c), l2;
	const struct fsm_outbox *o;
	char name[16], host[32];

	for (uint32_t i = 1; i <= 5; i++) {
		snprintf(name, sizeof(name), "hv%u", i);
		snprintf(host, sizeof(host), "compute-%u", i);
		cluster_propose(c, l, fsm_cmd_member(i, name, host, NULL), N_SERVERS);
	}
	cluster_propose(c, l, fsm_cmd_verdict_fence(5, 1764547200123456789ULL, 0, 3, "power"),
			N_SERVERS);
	stage_init(&s1);
	/* status (on): "fence_start" proposed and replicated everywhere. */
	assert_int_equal(leader_call(c, l, &s1, &b, 1 * NS_S), 1);
	assert_true(raft_fixture_step_until_applied(
		&c->fx, N_SERVERS, raft_last_index(raft_fixture_get(&c->fx, l)), 20000));
	for (unsigned i = 0; i < N_SERVERS; i++)
		assert_int_equal(c->fsm[i].outbox[0].fence, FSM_FENCE_FENCING);
	/* off goes through; then the leader is cut off and dies before its
	 * confirmation. */
	assert_int_equal(leader_call(c, l, &s1, &b, 1 * NS_S), 1);
	assert_int_equal(b.offs, 1);
	for (unsigned i = 0; i < N_SERVERS; i++)
		if (i != l)
			raft_fixture_disconnect(&c->fx, l, i);
	assert_int_equal(leader_call(c, l, &s1, &b, 1 * NS_S), 1); /* its "fenced" is lost */
	raft_fixture_kill(&c->fx, l);

	assert_true(raft_fixture_step_until_has_no_leader(&c->fx, 40000));
	assert_true(raft_fixture_step_until_has_leader(&c->fx, 40000));
	l2 = raft_fixture_leader_index(&c->fx);
	assert_int_not_equal(l2, l);
	o = &c->fsm[l2].outbox[0];
	assert_int_equal(o->fence, FSM_FENCE_FENCING);
	outbox_sender_init(&out, 500, 30000);
	assert_null(outbox_next(&out, &c->fsm[l2], 2 * NS_S));
	/* The new leader resumes with a status call: off already, no second off. */
	stage_init(&s2);
	assert_int_equal(leader_call(c, l2, &s2, &b, 2 * NS_S), 1);
	assert_true(raft_fixture_step_until_applied(
		&c->fx, l2, raft_last_index(raft_fixture_get(&c->fx, l2)), 20000));
	assert_int_equal(c->fsm[l2].outbox[0].fence, FSM_FENCE_FENCED);
	assert_int_equal(b.offs, 1);
	assert_int_equal(b.calls, 4);
	for (uint64_t t = 3; t < 30; t++)
		assert_int_equal(leader_call(c, l2, &s2, &b, t * NS_S), 0);
	/* Exactly one notification, and it says NORMAL. */
	o = outbox_next(&out, &c->fsm[l2], 3 * NS_S);
	assert_non_null(o);
	assert_string_equal(host_status(o), "NORMAL");
	assert_int_equal(outbox_answer(&out, o->id, NOTIFY_DELIVERED, "HTTP 202", 3 * NS_S, 0), 1);
	assert_null(outbox_next(&out, &c->fsm[l2], 4 * NS_S));
}

/* ---- the real runner against fence agent scripts ------------------------------------ */

static char dir[64];

/* A fence agent in shell: its behaviour in $dir/mode (ok, fail, hang, lie),
 * its power in $dir/power, each stdin it got appended to $dir/stdin. */
static const char *const script =
	"#!/bin/sh\n"
	"d=$(dirname \"$0\")\n"
	"in=$(cat)\n"
	"printf '%s\\n--\\n' \"$in\" >>\"$d/stdin\"\n"
	"action=$(printf '%s\\n' \"$in\" | sed -n 's/^action=//p')\n"
	"case $(cat \"$d/mode\") in\n"
	"fail) echo \"/usr/sbin/fence_x:5: DeprecationWarning: no\"\n"
	"      echo \"2026-12-01 10:35:52,974 ERROR: Failed: Unable to obtain correct plug status\"; exit 1 ;;\n"
	"hang) sleep 30 & echo $! >\"$d/child\"; wait; exit 0 ;;\n"
	"lie)  [ \"$action\" = off ] && { echo 'Success: Powered OFF'; exit 0; }; echo 'Status: ON'; exit 0 ;;\n"
	"esac\n"
	"if [ \"$action\" = off ]; then echo 0 >\"$d/power\"; echo 'Success: Powered OFF'; exit 0; fi\n"
	"[ \"$(cat \"$d/power\")\" = 1 ] && { echo 'Status: ON'; exit 0; }\n"
	"echo 'Status: OFF'; exit 2\n";

static void put(const char *file, const char *text)
{
	char p[128];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, file);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int agent_setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/vigil-fence-test.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	put("fence_fake", script);
	put("power", "1\n");
	put("mode", "ok\n");
	put("stdin", "");
	{
		char p[128];

		snprintf(p, sizeof(p), "%s/fence_fake", dir);
		chmod(p, 0755);
	}
	return 0;
}

static int agent_teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

/* One call of op through proc.c, as agent/fencer.c makes it. */
static enum fence_result run_agent(enum fence_op op, uint64_t timeout_ms, char *msg, size_t n,
				   uint64_t *elapsed)
{
	struct fence_target t;
	struct proc_call pc;
	char in[FENCE_PARAMS_MAX + 300], path[128];
	const char *argv[2] = {path, NULL};
	enum fence_result r;

	memset(&t, 0, sizeof(t));
	snprintf(t.params, sizeof(t.params), "ip=10.9.0.7\nusername=admin\n");
	snprintf(path, sizeof(path), "%s/fence_fake", dir);
	assert_int_equal(fence_stdin(&t, op, "s3cret", in, sizeof(in)), 0);
	proc_call_init(&pc);
	pc.argv = argv;
	pc.input = in;
	pc.timeout_ms = timeout_ms;
	assert_int_equal(proc_run(&pc), 0);
	r = fence_classify(op, pc.exited, pc.code, pc.timed_out);
	fence_output_reason(pc.output, "s3cret", msg, n);
	if (elapsed)
		*elapsed = pc.elapsed_ns;
	proc_call_destroy(&pc);
	return r;
}

static void test_runner_protocol_and_exit_codes(void **state)
{
	char msg[200], got[4096];
	FILE *f;
	size_t len;

	(void)state;
	put("power", "1\n");
	put("mode", "ok\n");
	assert_int_equal(run_agent(FENCE_OP_STATUS, 5000, msg, sizeof(msg), NULL), FENCE_R_ON);
	assert_int_equal(run_agent(FENCE_OP_OFF, 5000, msg, sizeof(msg), NULL), FENCE_R_DONE);
	assert_int_equal(run_agent(FENCE_OP_STATUS, 5000, msg, sizeof(msg), NULL), FENCE_R_OFF);
	/* The parameters and the password went through stdin. */
	snprintf(got, sizeof(got), "%s/stdin", dir);
	f = fopen(got, "r");
	assert_non_null(f);
	len = fread(got, 1, sizeof(got) - 1, f);
	got[len] = '\0';
	fclose(f);
	assert_non_null(strstr(got, "action=off\nip=10.9.0.7\nusername=admin\npassword=s3cret\n"));
	put("mode", "fail\n");
	assert_int_equal(run_agent(FENCE_OP_STATUS, 5000, msg, sizeof(msg), NULL), FENCE_R_ERROR);
	assert_string_equal(msg, "Failed: Unable to obtain correct plug status");
	/* A program that does not exist: an error, not a crash. */
	{
		struct proc_call pc;
		const char *argv[] = {"/nonexistent/fence_none", NULL};

		proc_call_init(&pc);
		pc.argv = argv;
		pc.timeout_ms = 1000;
		assert_int_equal(proc_run(&pc), -ENOENT);
		proc_call_destroy(&pc);
	}
}

/* Is pid gone (or a zombie nobody reaped yet)? */
static int gone(pid_t pid)
{
	char p[64], st[256];
	FILE *f;

	snprintf(p, sizeof(p), "/proc/%d/stat", (int)pid);
	f = fopen(p, "r");
	if (!f)
		return 1;
	st[0] = '\0';
	if (!fgets(st, sizeof(st), f))
		st[0] = '\0';
	fclose(f);
	return strstr(st, ") Z ") != NULL;
}

static void test_runner_kills_a_hung_agent(void **state)
{
	char msg[200], child[128];
	uint64_t elapsed;
	FILE *f;

	(void)state;
	put("mode", "hang\n");
	put("child", "");
	assert_int_equal(run_agent(FENCE_OP_OFF, 300, msg, sizeof(msg), &elapsed), FENCE_R_TIMEOUT);
	assert_true(elapsed < 2 * NS_S);
	/* Its own child (the sleep) went with it: the process group was killed. */
	snprintf(child, sizeof(child), "%s/child", dir);
	f = fopen(child, "r");
	assert_non_null(f);
	assert_non_null(fgets(child, sizeof(child), f));
	fclose(f);
	for (int i = 0; i < 50 && !gone((pid_t)atoi(child)); i++)
		usleep(20000);
	assert_true(gone((pid_t)atoi(child)));
}

/* The stage through the real runner: a lying agent never gets its host fenced. */
static enum fence_result agent_caller(void *ctx, enum fence_op op, char *msg, size_t n)
{
	(void)ctx;
	return run_agent(op, 5000, msg, n, NULL);
}

static void test_runner_lying_agent_through_the_stage(void **state)
{
	struct fence_stage st;
	struct fsm f;

	(void)state;
	put("power", "1\n");
	put("mode", "lie\n");
	stage_init(&st);
	one_verdict(&f, "power", 0);
	drive_calls(&st, &f, agent_caller, NULL, 0, 12 * NS_S, 500 * NS_MS);
	assert_int_equal(f.outbox[0].fence, FSM_FENCE_FAILED);
	assert_non_null(strstr(f.outbox[0].fence_error, "still on"));
	/* The truth-telling agent then fences it. */
	put("mode", "ok\n");
	drive_calls(&st, &f, agent_caller, NULL, 12 * NS_S, 40 * NS_S, 500 * NS_MS);
	assert_int_equal(f.outbox[0].fence, FSM_FENCE_FENCED);
	fsm_free(&f);
}

/* ---- self-fencing: the modes' evidence rules ------------------------------------------ */

static enum fence_evidence ev_now;
static int cut_now;

static enum fence_evidence ev_stub(void *ctx, const struct fsm_outbox *o, uint64_t now)
{
	(void)ctx, (void)o, (void)now;
	return ev_now;
}

static int cut_stub(void *ctx, uint32_t host_id, uint64_t now)
{
	(void)ctx, (void)host_id, (void)now;
	return cut_now;
}

static const struct fence_env env = {ev_stub, cut_stub, NULL};

/* fence_self at t with this evidence: the command, committed, or NULL. */
static char *self_at(struct fence_stage *st, struct fsm *f, enum fence_evidence ev, int cut,
		     uint64_t t)
{
	ev_now = ev;
	cut_now = cut;
	return fence_self(st, f, &env, t, t);
}

static void test_watchdog_mode_waits_for_evidence(void **state)
{
	struct fence_config fc = {
		.mode = FENCE_MODE_WATCHDOG, .retry_min_ms = 1, .retry_max_ms = 1};
	static const enum fence_evidence alive[] = {FENCE_EV_RUNNING, FENCE_EV_ISOLATED};
	struct outbox_sender s;
	struct fence_stage st;
	struct fence_job j;
	char *cmd;
	struct fsm f;

	(void)state;
	fence_stage_init(&st, &fc);
	outbox_sender_init(&s, 500, 30000);
	one_verdict(&f, "watchdog", 0);
	assert_int_equal(f.outbox[0].fence, FSM_FENCE_WAITING);
	assert_string_equal(f.outbox[0].fence_mode, "watchdog");
	/* No fence agent is ever called in this mode. */
	assert_int_equal(fence_next(&st, &f, 0, &j, &cmd), 0);
	/* Alive on the storage side, or not cut off from all hosts: held. */
	for (size_t i = 0; i < 2; i++) {
		assert_null(self_at(&st, &f, alive[i], 1, i * NS_S));
		assert_int_equal(fence_held(&st, &f), 1);
		assert_null(outbox_next(&s, &f, i * NS_S));
	}
	assert_non_null(strstr(fence_attempt(&st, 1)->message, "isolated, not dead"));
	assert_null(self_at(&st, &f, FENCE_EV_SILENT, 0, 3 * NS_S));
	assert_int_equal(fence_held(&st, &f), 1);
	assert_non_null(strstr(fence_attempt(&st, 1)->message, "hosts in maintenance"));
	/* A new leader still reading the records: waits, not counted as held. */
	fence_stage_reset(&st);
	assert_null(self_at(&st, &f, FENCE_EV_UNKNOWN, 1, 4 * NS_S));
	assert_int_equal(fence_held(&st, &f), 0);
	/* The record stopped advancing: dead there too; the rule decides. */
	cmd = self_at(&st, &f, FENCE_EV_SILENT, 1, 5 * NS_S);
	assert_non_null(strstr(cmd, "\"by\":\"watchdog\""));
	commit(&f, cmd);
	assert_int_equal(f.outbox[0].fence, FSM_FENCE_FENCED);
	assert_string_equal(f.outbox[0].fenced_by, "watchdog");
	assert_string_equal(host_status(outbox_next(&s, &f, 5 * NS_S)), "NORMAL");
	assert_null(self_at(&st, &f, FENCE_EV_SILENT, 1, 6 * NS_S)); /* once */
	fsm_free(&f);

	/* Its VMs recorded stopped: fenced by that, whatever the timing. */
	fence_stage_init(&st, &fc);
	one_verdict(&f, "watchdog", 0);
	cmd = self_at(&st, &f, FENCE_EV_STOPPED, 0, 0);
	assert_non_null(strstr(cmd, "\"by\":\"vms-stopped\""));
	commit(&f, cmd);
	assert_string_equal(f.outbox[0].fenced_by, "vms-stopped");
	fsm_free(&f);
	/* No storage heartbeat configured, or none readable: the rule alone. */
	for (enum fence_evidence e = FENCE_EV_NONE; e <= FENCE_EV_NO_RECORD; e++) {
		fence_stage_init(&st, &fc);
		one_verdict(&f, "watchdog", 0);
		cmd = self_at(&st, &f, e, 1, 0);
		assert_non_null(cmd);
		commit(&f, cmd);
		assert_string_equal(f.outbox[0].fenced_by, "watchdog");
		fsm_free(&f);
	}
	/* A held verdict (min_healthy_hosts) is held whatever the evidence. */
	fence_stage_init(&st, &fc);
	one_verdict(&f, "watchdog", 1);
	assert_null(self_at(&st, &f, FENCE_EV_STOPPED, 1, 0));
	fsm_free(&f);
}

/* A host whose record this leader read advancing after the wait period
 * broke the watchdog rule (its watchdog did not reset it): a record it can
 * no longer read -- its own reads failing, or late while its own fsync
 * stalls -- must not let the rule count it off. Only vms-stopped, or the
 * record seen to stop, ends the wait. */
static void test_watchdog_mode_alive_once_waits_for_the_record(void **state)
{
	struct fence_config fc = {
		.mode = FENCE_MODE_WATCHDOG, .retry_min_ms = 1, .retry_max_ms = 1};
	static const enum fence_evidence blind[] = {FENCE_EV_UNREADABLE, FENCE_EV_UNKNOWN,
						    FENCE_EV_NONE, FENCE_EV_NO_RECORD};
	struct outbox_sender s;
	struct fence_stage st;
	char *cmd;
	struct fsm f;

	(void)state;
	for (int stopped = 0; stopped < 2; stopped++) {
		outbox_sender_init(&s, 500, 30000);
		fence_stage_init(&st, &fc);
		one_verdict(&f, "watchdog", 0);
		assert_null(self_at(&st, &f, FENCE_EV_ISOLATED, 1, 0));
		for (size_t i = 0; i < sizeof(blind) / sizeof(blind[0]); i++) {
			assert_null(self_at(&st, &f, blind[i], 1, (1 + i) * NS_S));
			assert_int_equal(fence_held(&st, &f), 1);
			assert_non_null(strstr(fence_attempt(&st, 1)->message, "seen alive"));
			assert_null(outbox_next(&s, &f, (1 + i) * NS_S));
		}
		cmd = self_at(&st, &f, stopped ? FENCE_EV_STOPPED : FENCE_EV_SILENT, 1, 9 * NS_S);
		assert_non_null(
			strstr(cmd, stopped ? "\"by\":\"vms-stopped\"" : "\"by\":\"watchdog\""));
		commit(&f, cmd);
		assert_string_equal(host_status(outbox_next(&s, &f, 9 * NS_S)), "NORMAL");
		fsm_free(&f);
	}
}

static void test_power_mode_takes_a_vms_stopped_record(void **state)
{
	struct rig r = {.b = {.fault = BMC_UNREACHABLE, .on = 1}};
	struct fence_job j;
	char *cmd, msg[200];

	(void)state;
	rig_up(&r, 0);
	/* Running, isolated or silent: the BMC decides (here it fails). */
	assert_null(self_at(&r.st, &r.f, FENCE_EV_ISOLATED, 1, 0));
	assert_null(self_at(&r.st, &r.f, FENCE_EV_SILENT, 1, 0));
	assert_int_equal(fence_held(&r.st, &r.f), 0);
	assert_int_equal(fence_next(&r.st, &r.f, 0, &j, &cmd), 1);
	commit(&r.f, cmd);
	/* ... and while its call runs, the host records its VMs stopped. */
	cmd = self_at(&r.st, &r.f, FENCE_EV_STOPPED, 1, 100 * NS_MS);
	assert_non_null(strstr(cmd, "\"by\":\"vms-stopped\""));
	commit(&r.f, cmd);
	assert_int_equal(r.f.outbox[0].fence, FSM_FENCE_FENCED);
	/* The call's late answer changes nothing; no call follows. */
	assert_null(fence_answer(&r.st, &r.f, &j, bmc_call(&r.b, j.op, msg, sizeof(msg)), msg,
				 200 * NS_MS, 0, 0));
	assert_int_equal(fence_next(&r.st, &r.f, 10 * NS_S, &j, &cmd), 0);
	assert_int_equal(n_commands[2], 0); /* never "fence_failed" */
	fsm_free(&r.f);
}

/* An entry is fenced as its verdict's mode says, whatever the leader's. */
static void test_the_verdicts_mode_decides(void **state)
{
	struct fence_config wd = {
		.mode = FENCE_MODE_WATCHDOG, .retry_min_ms = 1, .retry_max_ms = 1};
	struct fence_stage st;
	struct fence_job j;
	char *cmd;
	struct fsm f;

	(void)state;
	/* A leader in mode watchdog, a verdict taken in mode power: no silent
	 * record makes it fenced; the fence agent is called. */
	fence_stage_init(&st, &wd);
	one_verdict(&f, "power", 0);
	assert_null(self_at(&st, &f, FENCE_EV_SILENT, 1, 0));
	assert_int_equal(fence_next(&st, &f, 0, &j, &cmd), 1);
	free(cmd);
	fsm_free(&f);
	/* A leader in mode power, a verdict taken in mode watchdog: no calls. */
	stage_init(&st);
	one_verdict(&f, "watchdog", 0);
	assert_int_equal(fence_next(&st, &f, 0, &j, &cmd), 0);
	cmd = self_at(&st, &f, FENCE_EV_SILENT, 1, 0);
	assert_non_null(cmd);
	free(cmd);
	fsm_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_modes),
		cmocka_unit_test(test_config_bad_params),
		cmocka_unit_test(test_target_defaults_and_overrides),
		cmocka_unit_test(test_classify_and_reason),
		cmocka_unit_test(test_modes_none_and_assume_off_send_at_once),
		cmocka_unit_test(test_stopped_waits_for_fenced),
		cmocka_unit_test(test_fence_status_off_confirm),
		cmocka_unit_test(test_host_already_off_needs_no_off),
		cmocka_unit_test(test_unreachable_bmc_fails_with_backoff_then_recovers),
		cmocka_unit_test(test_hung_agent_is_a_failure),
		cmocka_unit_test(test_lying_agent_never_confirms),
		cmocka_unit_test(test_host_back_before_fence_cancels),
		cmocka_unit_test(test_held_verdict_is_not_fenced),
		cmocka_unit_test(test_watchdog_mode_waits_for_evidence),
		cmocka_unit_test(test_watchdog_mode_alive_once_waits_for_the_record),
		cmocka_unit_test(test_power_mode_takes_a_vms_stopped_record),
		cmocka_unit_test(test_the_verdicts_mode_decides),
		cmocka_unit_test_setup_teardown(test_leader_killed_mid_fence_new_leader_finishes,
						cluster_setup, cluster_teardown),
		cmocka_unit_test_setup_teardown(test_runner_protocol_and_exit_codes, agent_setup,
						agent_teardown),
		cmocka_unit_test_setup_teardown(test_runner_kills_a_hung_agent, agent_setup,
						agent_teardown),
		cmocka_unit_test_setup_teardown(test_runner_lying_agent_through_the_stage,
						agent_setup, agent_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
