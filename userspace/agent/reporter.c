// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* reporter.c - REPORT and MAINT to the servers. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "report.h"
#include "reporter.h"
#include "util.h"

static void on_timer(uv_timer_t *t)
{
	reporter_now(t->data);
}

void reporter_now(struct reporter *r)
{
	uint8_t buf[VIGIL_MAX_MSG];
	struct wire_report w;
	long ndead;
	size_t len;

	if (r->stopped)
		return;
	memset(&w, 0, sizeof(w));
	snprintf(w.name, sizeof(w.name), "%s", r->name);
	snprintf(w.hostname, sizeof(w.hostname), "%s", r->hostname);
	ndead = report_build(r->memb, &w);
	if (ndead < 0)
		return;
	if ((size_t)ndead > w.n && !r->truncated_warned) {
		log_warn("%ld members are dead, more than one report carries (%zu): reporting the "
			 "most recent deaths first",
			 ndead, w.n);
		r->truncated_warned = 1;
	}
	w.epoch = r->epoch;
	w.seq = ++r->seq;
	len = wire_report_encode(buf, sizeof(buf), r->cluster_id, r->node_id, &w);
	r->send(r->ctx, buf, len);
}

void reporter_start(struct reporter *r, uv_loop_t *loop)
{
	uv_timer_init(loop, &r->timer);
	r->timer.data = r;
	uv_timer_start(&r->timer, on_timer, r->interval_ms, r->interval_ms);
}

static void request_send(struct reporter *r, const struct wire_maint *w)
{
	uint8_t buf[VIGIL_MAINT_LEN(VIGIL_REASON_MAX)];
	size_t len = wire_maint_encode(buf, sizeof(buf), r->cluster_id, r->node_id, w);

	if (len && !r->stopped)
		r->send(r->ctx, buf, len);
}

int reporter_request(struct reporter *r, struct wire_maint *w, void *ctx)
{
	uint8_t buf[VIGIL_MAINT_LEN(VIGIL_REASON_MAX)];
	int rc;

	w->epoch = r->epoch;
	w->seq = r->seq + 1;
	if (!wire_maint_encode(buf, sizeof(buf), r->cluster_id, r->node_id, w))
		return -EINVAL;
	rc = opreq_add(&r->requests, w, ctx, now_mono_ns());
	if (rc)
		return rc;
	r->seq++;
	request_send(r, w);
	return 0;
}

void *reporter_answered(struct reporter *r, const struct wire_answer *a)
{
	struct opreq q;

	return opreq_answered(&r->requests, a, &q) ? NULL : q.ctx;
}

void *reporter_expired(struct reporter *r)
{
	struct opreq q;

	for (;;) {
		switch (opreq_next(&r->requests, now_mono_ns(), &q)) {
		case OPREQ_RESEND:
			request_send(r, &q.w);
			continue;
		case OPREQ_EXPIRED:
			return q.ctx;
		default:
			return NULL;
		}
	}
}

void *reporter_abandon(struct reporter *r)
{
	struct opreq q;

	return opreq_pop(&r->requests, &q) ? q.ctx : NULL;
}

void reporter_stop(struct reporter *r)
{
	r->stopped = 1;
	uv_timer_stop(&r->timer);
}
