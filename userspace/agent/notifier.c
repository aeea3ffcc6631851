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
	int unsure; /* look it up before sending */
	struct mk_notification note;
	struct mk_reply reply; /* the last answer: the lookup's or the send's */
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

static int job_find(void *ctx)
{
	struct notify_job *j = ctx;
	struct mk_reply r;
	int rc = mk_find(&j->n->mk, &j->note, &r);
	size_t l;

	if (!rc && j->reply.http_status)
		return 0; /* not found after a send: its answer (a 409) is the one to show */
	if (rc < 0 && j->reply.http_status) {
		l = strlen(j->reply.message);
		snprintf(j->reply.message + l, sizeof(j->reply.message) - l,
			 "; looking it up failed: %s", r.message);
		return rc;
	}
	j->reply = r;
	return rc;
}

static enum notify_result job_send(void *ctx)
{
	struct notify_job *j = ctx;

	return mk_send(&j->n->mk, &j->note, &j->reply);
}

static void deliver(struct notify_job *j)
{
	static const struct outbox_ops ops = {job_find, job_send};
	size_t l;

	j->result = outbox_deliver(&ops, j, j->unsure);
	l = strlen(j->reply.message);
	if (j->result == NOTIFY_BLOCKED)
		snprintf(j->reply.message + l, sizeof(j->reply.message) - l,
			 " Not found in Masakari: it holds an earlier notification of %s with the "
			 "same payload, generated within its "
			 "duplicate_notification_detection_interval; sent again with the time of "
			 "sending until that has passed",
			 j->note.hostname);
	if (j->result != NOTIFY_ON_MAINTENANCE)
		return;
	snprintf(j->reply.message + l, sizeof(j->reply.message) - l,
		 " Not found in Masakari: a second failure of a host whose on_maintenance was "
		 "never cleared; clear it: openstack segment host update --on_maintenance False "
		 "%s %s",
		 *mk_host_segment(&j->n->mk, j->note.hostname)
			 ? mk_host_segment(&j->n->mk, j->note.hostname)
			 : "SEGMENT",
		 j->note.hostname);
}

/* Ordinary priority for the blocking delivery; the loop's again after it,
 * for libuv's own wake-up of the loop (util.h, sched_raise). */
static void work(uv_work_t *w)
{
	int prio = sched_thread_normal();

	deliver(w->data);
	sched_thread_restore(prio);
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
	if (j->result == NOTIFY_RETRY || j->result == NOTIFY_UNCERTAIN ||
	    j->result == NOTIFY_BLOCKED) {
		log_warn("notification %llu for %s not delivered (%s); retry in %llu ms%s",
			 (unsigned long long)j->outbox_id, j->note.hostname, j->reply.message,
			 (unsigned long long)backoff,
			 j->result == NOTIFY_UNCERTAIN ? ", looking it up first" : "");
	} else if (j->result == NOTIFY_ON_MAINTENANCE) {
		log_event(LOG_LVL_ERR, "notify_refused",
			  "outbox=%llu hostname=%s kind=%s reason=on_maintenance http=%ld",
			  (unsigned long long)j->outbox_id, j->note.hostname, j->note.event,
			  j->reply.http_status);
		log_err("notification %llu for %s REFUSED by Masakari: the host is on_maintenance "
			"there, so its evacuation will not run (%s); kept, retrying every %llu ms",
			(unsigned long long)j->outbox_id, j->note.hostname, j->reply.message,
			(unsigned long long)backoff);
	} else {
		log_err("notification %llu for %s refused by Masakari (%s): a configuration "
			"error (is the host registered in a Masakari segment under this exact "
			"name?); kept, retrying",
			(unsigned long long)j->outbox_id, j->note.hostname, j->reply.message);
	}
	free(j);
}

void notifier_step(struct notifier *n, const struct fsm *f)
{
	const struct fsm_outbox *o;
	const struct outbox_attempt *a;
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
	j->unsure = outbox_unsure(&n->out, o->id);
	mk_notification_init(&j->note, o->hostname, o->stopped, o->power_off_confirmed,
			     o->generated_at);
	a = outbox_attempt(&n->out, o->id);
	if (a && a->fresh_time)
		mk_notification_sent_at(&j->note, now_real_ns());
	j->work.data = j;
	log_event(LOG_LVL_INFO, "notify", "outbox=%llu hostname=%s kind=%s again=%d lookup=%d",
		  (unsigned long long)o->id, o->hostname, j->note.event, a && a->tries, j->unsure);
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
