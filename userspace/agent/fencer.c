// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* fencer.c - run fence agents for the leader's fencing stage, off the loop. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fencer.h"
#include "log.h"
#include "nova.h"
#include "proc.h"
#include "secret.h"
#include "util.h"

struct fence_run {
	uv_work_t work;
	struct fencer *fz;
	struct fence_job job;
	struct proc_call pc; /* proc_cancel() from the loop kills it */
	enum fence_result result;
	char message[256];
	int cancelled;
};

/* The call, start to end: target, secret, stdin, spawn, classify. */
static enum fence_result call(const struct fence_config *cfg, const char *hostname,
			      const char *name, enum fence_op op, struct proc_call *pc, char *msg,
			      size_t n)
{
	struct fence_target t;
	char password[256], in[FENCE_PARAMS_MAX + 512];
	const char *argv[2];
	enum fence_result r;
	int rc;

	if (fence_target_for(cfg, hostname, name, &t, msg, n))
		return FENCE_R_ERROR;
	if (secret_read(t.password_file, t.password_credential, password, sizeof(password), msg, n))
		return FENCE_R_ERROR;
	if (!password[0])
		snprintf(password, sizeof(password), "%s", t.password);
	argv[0] = t.agent;
	argv[1] = NULL;
	pc->argv = argv;
	pc->input = in;
	pc->timeout_ms = cfg->timeout_ms;
	if (fence_stdin(&t, op, password[0] ? password : NULL, in, sizeof(in)))
		rc = -E2BIG;
	else
		rc = proc_run(pc);
	secret_wipe(in, sizeof(in));
	if (rc) {
		secret_wipe(password, sizeof(password));
		snprintf(msg, n, "cannot run %s: %s", t.agent, strerror(-rc));
		return FENCE_R_ERROR;
	}
	r = fence_classify(op, pc->exited, pc->code, pc->timed_out);
	if (pc->timed_out)
		snprintf(msg, n, "%s killed after %u ms (fencing.timeout_ms)", t.agent,
			 cfg->timeout_ms);
	else if (r == FENCE_R_ERROR)
		fence_output_reason(pc->output, password, msg, n);
	else
		msg[0] = '\0';
	if (r == FENCE_R_ERROR && !msg[0]) {
		char how[80];

		proc_describe(pc, how, sizeof(how));
		snprintf(msg, n, "%s %s", t.agent, how);
	}
	secret_wipe(password, sizeof(password));
	return r;
}

enum fence_result fencer_call(const struct fence_config *cfg, const char *hostname,
			      const char *name, enum fence_op op, char *msg, size_t n,
			      uint64_t *elapsed_ns)
{
	struct proc_call pc;
	enum fence_result r;

	proc_call_init(&pc);
	r = call(cfg, hostname, name, op, &pc, msg, n);
	if (elapsed_ns)
		*elapsed_ns = pc.elapsed_ns;
	proc_call_destroy(&pc);
	return r;
}

/* ---- on the thread pool ------------------------------------------------------------ */

static void work(uv_work_t *w)
{
	struct fence_run *run = w->data;
	struct fencer *fz = run->fz;
	char msg[256];
	/* ordinary priority for the blocking calls; the loop's again after
	 * them, for libuv's own wake-up of the loop (util.h, sched_raise) */
	int prio = sched_thread_normal();

	run->result = call(fz->cfg, run->job.hostname, run->job.name, run->job.op, &run->pc,
			   run->message, sizeof(run->message));
	/* Confirmed off: tell Nova before "fenced" lets the notification go,
	 * so Masakari need not wait for service_down_time. A failure is
	 * reported, never a reason to hold the notification. */
	if (run->result == FENCE_R_OFF && fz->cfg->nova_force_down && !run->pc.cancelled) {
		int rc;

		pthread_mutex_lock(&fz->nova_lock);
		rc = nova_force_down(&fz->nova, fz->cfg->nova_url, run->job.hostname, msg,
				     sizeof(msg));
		rc ? fz->nova_failed++ : fz->nova_ok++;
		pthread_mutex_unlock(&fz->nova_lock);
		log_event(LOG_LVL_WARN, "nova_force_down", "hostname=%s result=%s",
			  run->job.hostname, rc ? "failed" : "done");
		if (rc)
			log_warn("Nova force_down of %s failed (%s): Masakari's evacuation waits "
				 "for Nova's service_down_time instead",
				 run->job.hostname, msg);
	}
	sched_thread_restore(prio);
}

static void step_runs(struct fencer *fz);

static void after(uv_work_t *w, int status)
{
	struct fence_run *run = w->data;
	struct fencer *fz = run->fz;
	char *cmd = NULL;

	for (int i = 0; i < FENCER_PARALLEL; i++)
		if (fz->runs[i] == run)
			fz->runs[i] = NULL;
	if (!status && !fz->closing) {
		log_debug("fence %s %s: %s%s%s (%.2f s)", fence_op_name(run->job.op),
			  run->job.hostname, fence_result_name(run->result),
			  run->message[0] ? ", " : "", run->message,
			  (double)run->pc.elapsed_ns / 1e9);
		cmd = fence_answer(&fz->stage, fz->fsm, &run->job, run->result, run->message,
				   now_mono_ns(), now_real_ns(), (uint32_t)random());
	}
	proc_call_destroy(&run->pc);
	free(run);
	if (cmd)
		fz->record(fz->ctx, cmd);
	if (fz->closing) {
		for (int i = 0; i < FENCER_PARALLEL; i++)
			if (fz->runs[i])
				return;
		if (fz->closed) {
			fz->closed(fz->closed_ctx);
			fz->closed = NULL;
		}
		return;
	}
	step_runs(fz); /* the next call may be due at once (off after status) */
}

/* ---- on the loop ---------------------------------------------------------------------- */

void fencer_init(struct fencer *fz, uv_loop_t *loop, const struct fence_config *cfg,
		 const struct mk_config *mk, const struct fsm *f,
		 void (*record)(void *ctx, char *cmd), void *ctx)
{
	memset(fz, 0, sizeof(*fz));
	fz->loop = loop;
	fz->cfg = cfg;
	fz->fsm = f;
	fz->record = record;
	fz->ctx = ctx;
	fence_stage_init(&fz->stage, cfg);
	mk_client_init(&fz->nova, mk);
	pthread_mutex_init(&fz->nova_lock, NULL);
}

static void step_runs(struct fencer *fz)
{
	for (int i = 0; i < FENCER_PARALLEL; i++) {
		struct fence_run *run = fz->runs[i];
		char *cmd;

		if (run) {
			/* The host came back, or maintenance: stop its call now. */
			if (!run->cancelled && fence_obsolete(&fz->stage, fz->fsm, &run->job)) {
				run->cancelled = 1;
				proc_cancel(&run->pc);
			}
			continue;
		}
		run = calloc(1, sizeof(*run));
		if (!run)
			return;
		if (!fence_next(&fz->stage, fz->fsm, now_mono_ns(), &run->job, &cmd)) {
			free(run);
			continue;
		}
		if (cmd)
			fz->record(fz->ctx, cmd);
		run->fz = fz;
		run->work.data = run;
		proc_call_init(&run->pc);
		if (uv_queue_work(fz->loop, &run->work, work, after)) {
			proc_call_destroy(&run->pc);
			free(run);
			return;
		}
		fz->runs[i] = run;
	}
}

void fencer_step(struct fencer *fz, int leader)
{
	char *cmd;

	if (fz->closing)
		return;
	if (leader != fz->leader) {
		/* A new term: what an earlier one started is not ours to finish
		 * (a later leader resumes it with a status call). */
		fence_stage_reset(&fz->stage);
		fz->leader = leader;
	}
	if (!leader) {
		for (int i = 0; i < FENCER_PARALLEL; i++)
			if (fz->runs[i] && !fz->runs[i]->cancelled) {
				fz->runs[i]->cancelled = 1;
				proc_cancel(&fz->runs[i]->pc);
			}
		return;
	}
	/* A host that fenced itself needs no call (and mode watchdog makes none). */
	cmd = fence_self(&fz->stage, fz->fsm, &fz->env, now_mono_ns(), now_real_ns());
	if (cmd)
		fz->record(fz->ctx, cmd);
	step_runs(fz);
}

void fencer_close(struct fencer *fz, void (*done)(void *ctx), void *ctx)
{
	int running = 0;

	fz->closing = 1;
	fz->closed = done;
	fz->closed_ctx = ctx;
	for (int i = 0; i < FENCER_PARALLEL; i++)
		if (fz->runs[i]) {
			running = 1;
			proc_cancel(&fz->runs[i]->pc);
			uv_cancel((uv_req_t *)&fz->runs[i]->work);
		}
	if (!running) {
		fz->closed = NULL;
		done(ctx);
	}
}
