// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* notifier.c - deliver the outbox to Masakari from libuv's thread pool. */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "notifier.h"
#include "util.h"

struct notify_job {
	uv_work_t work;
	struct notifier *n;
	uint64_t outbox_id;
	struct mk_notification note;
	struct mk_reply reply;
	enum notify_result result;
};

void notifier_init(struct notifier *n, uv_loop_t *loop, const struct mk_config *cfg,
		   void (*record)(void *ctx, char *cmd), void *ctx)
{
	memset(n, 0, sizeof(*n));
	n->loop = loop;
	n->record = record;
	n->ctx = ctx;
	mk_client_init(&n->mk, cfg);
	outbox_sender_init(&n->out, cfg->retry_min_ms, cfg->retry_max_ms);
}

static void work(uv_work_t *w)
{
	struct notify_job *j = w->data;

	sched_thread_normal();
	j->result = mk_send(&j->n->mk, &j->note, &j->reply);
}

static void after(uv_work_t *w, int status)
{
	struct notify_job *j = w->data;
	struct notifier *n = j->n;
	uint64_t backoff;

	n->job = NULL;
	if (status || n->closing) {
		free(j);
		if (n->closing && n->closed)
			n->closed(n->closed_ctx);
		return;
	}
	if (outbox_answer(&n->out, j->outbox_id, j->result, j->reply.message, now_mono_ns(),
			  (uint32_t)random())) {
		log_event(LOG_LVL_INFO, "notified",
			  "outbox=%llu hostname=%s kind=%s result=%s http=%ld uuid=%s",
			  (unsigned long long)j->outbox_id, j->note.hostname, j->note.event,
			  notify_result_name(j->result), j->reply.http_status, j->reply.uuid);
		n->record(n->ctx, fsm_cmd_delivered(j->outbox_id, j->reply.uuid,
						    notify_result_name(j->result)));
		free(j);
		return;
	}
	backoff = outbox_attempt(&n->out, j->outbox_id)->backoff_ms;
	if (j->result == NOTIFY_RETRY)
		log_warn("notification %llu for %s not delivered (%s); retry in %llu ms",
			 (unsigned long long)j->outbox_id, j->note.hostname, j->reply.message,
			 (unsigned long long)backoff);
	else
		log_err("notification %llu for %s refused by Masakari (%s): a configuration "
			"error (is the host registered in a Masakari segment under this exact "
			"name?); kept, retrying",
			(unsigned long long)j->outbox_id, j->note.hostname, j->reply.message);
	free(j);
}

void notifier_step(struct notifier *n, const struct fsm *f)
{
	const struct fsm_outbox *o;
	struct notify_job *j;

	if (n->job || n->closing)
		return;
	o = outbox_next(&n->out, f, now_mono_ns());
	if (!o)
		return;
	j = calloc(1, sizeof(*j));
	if (!j)
		return;
	j->n = n;
	j->outbox_id = o->id;
	mk_notification_init(&j->note, o->hostname, o->stopped, o->power_off_confirmed,
			     o->generated_at);
	j->work.data = j;
	log_event(LOG_LVL_INFO, "notify", "outbox=%llu hostname=%s kind=%s again=%d",
		  (unsigned long long)o->id, o->hostname, j->note.event,
		  outbox_attempt(&n->out, o->id) != NULL);
	if (uv_queue_work(n->loop, &j->work, work, after)) {
		free(j);
		return;
	}
	n->job = j;
}

void notifier_close(struct notifier *n, void (*done)(void *ctx), void *ctx)
{
	n->closing = 1;
	n->closed = done;
	n->closed_ctx = ctx;
	if (!n->job) {
		done(ctx);
		return;
	}
	/* A queued delivery is cancelled (after() then runs with UV_ECANCELED);
	 * a running one holds the client and cannot be: wait for it, at most
	 * about two request timeouts. after() calls done either way. */
	uv_cancel((uv_req_t *)&n->job->work);
}
