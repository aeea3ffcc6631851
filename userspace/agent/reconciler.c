// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* reconciler.c - the leader's reconciliation rounds, off the loop. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reconciler.h"
#include "log.h"
#include "masakari_seg.h"
#include "util.h"

#define AZ_MAX_ACTIONS 64		     /* per round, whatever reconcile.max_actions */
#define AZ_AGAIN_NS    (1ULL * NSEC_PER_SEC) /* after a round that changed something */

struct az_job {
	uv_work_t work;
	struct reconciler *az;
	int write; /* 0: read the zone; 1: make the changes */
	/* read */
	struct az_view view;
	int seg_rc, agg_rc;
	struct mk_result seg_res, agg_res;
	/* write */
	char seg_uuid[AZ_UUID_MAX];
	struct az_action acts[AZ_MAX_ACTIONS];
	int rc[AZ_MAX_ACTIONS];
	struct mk_result res[AZ_MAX_ACTIONS];
	size_t n;
};

void reconciler_init(struct reconciler *az, uv_loop_t *loop, const struct reconcile_config *cfg,
		     const char *cluster, const struct mk_config *mk, const char *nova_url,
		     const struct fsm *f, void (*record)(void *ctx, char *cmd),
		     int (*reporting)(void *ctx, uint32_t id), void *ctx)
{
	memset(az, 0, sizeof(*az));
	az->loop = loop;
	az->cfg = cfg;
	az->nova_url = nova_url;
	az->fsm = f;
	az->record = record;
	az->ctx = ctx;
	snprintf(az->segment, sizeof(az->segment), "%s", cfg->segment[0] ? cfg->segment : cluster);
	az->params = (struct az_params){
		.create_segment = cfg->create_segment,
		.recovery_method = cfg->recovery_method,
		.use_aggregate = cfg->aggregate[0] != '\0',
		.grace_ns = (uint64_t)cfg->grace_ms * NSEC_PER_MSEC,
		.max_actions =
			cfg->max_actions < AZ_MAX_ACTIONS ? cfg->max_actions : AZ_MAX_ACTIONS,
		.reporting = reporting,
		.ctx = ctx,
	};
	mk_client_init(&az->mk, mk);
}

/* What the decided hosts look like: a round starts at once when it changes. */
static uint64_t signature(const struct fsm *f)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */

	for (size_t i = 0; i < f->nhosts; i++) {
		const struct fsm_host *x = &f->hosts[i];
		uint64_t v[] = {x->id, (uint64_t)x->state, (uint64_t)x->failed};

		for (size_t k = 0; k < ARRAY_SIZE(v); k++)
			h = (h ^ v[k]) * 1099511628211ULL;
		for (const char *c = x->hostname; *c; c++)
			h = (h ^ (unsigned char)*c) * 1099511628211ULL;
	}
	return h;
}

static void forget_state(struct reconciler *az)
{
	az_view_free(&az->view);
	az_memory_free(&az->mem);
	free(az->rows);
	az->rows = NULL;
	az->nrows = 0;
}

/* ---- the worker's part ------------------------------------------------------ */

static int perform(struct reconciler *az, struct az_job *j, const struct az_action *a,
		   struct mk_result *r)
{
	struct mk_client *c = &az->mk;

	switch (a->kind) {
	case AZ_SEG_CREATE:
		return mk_segment_create(c, az->segment, az->cfg->recovery_method, r);
	case AZ_SEG_METHOD:
		return mk_segment_method(c, j->seg_uuid, az->cfg->recovery_method, r);
	case AZ_HOST_ADD:
		return mk_host_add(c, j->seg_uuid, a->hostname, a->on, r);
	case AZ_HOST_REMOVE:
		return mk_host_remove(c, j->seg_uuid, a->uuid, r);
	case AZ_HOST_MAINT:
		return mk_host_maintenance(c, j->seg_uuid, a->uuid, a->on, r);
	default:
		return -1; /* vigil's side is recorded on the loop */
	}
}

static void job_run(struct az_job *j)
{
	struct reconciler *az = j->az;

	if (j->write) {
		for (size_t i = 0; i < j->n; i++)
			j->rc[i] = perform(az, j, &j->acts[i], &j->res[i]);
		return;
	}
	j->seg_rc = mk_segment_read(&az->mk, az->segment, &j->view, &j->seg_res);
	if (az->params.use_aggregate)
		j->agg_rc = nova_aggregate_read(&az->mk, az->nova_url, az->cfg->aggregate, &j->view,
						&j->agg_res);
}

/* Ordinary priority for the blocking OpenStack calls; the loop's again
 * after them, for libuv's own wake-up of the loop (util.h, sched_raise). */
static void work(uv_work_t *w)
{
	int prio = sched_thread_normal();

	job_run(w->data);
	sched_thread_restore(prio);
}

/* ---- the loop's part ------------------------------------------------------- */

static void after(uv_work_t *w, int status);

static int queue(struct reconciler *az, struct az_job *j)
{
	j->az = az;
	j->work.data = j;
	if (uv_queue_work(az->loop, &j->work, work, after))
		return -1;
	az->job = j;
	return 0;
}

/* The round is over: the next one after the interval, or sooner. */
static void round_done(struct reconciler *az, int failed, int changed)
{
	uint64_t now = now_mono_ns();

	if (failed) {
		az->rounds_failed++;
		az->next_ns = backoff_next(&az->backoff_ms, 1000, az->cfg->interval_ms, now,
					   (uint32_t)random());
		return;
	}
	az->rounds_ok++;
	az->backoff_ms = 0;
	az->error[0] = '\0';
	az->next_ns = now + (changed ? AZ_AGAIN_NS : az->cfg->interval_ms * NSEC_PER_MSEC);
}

/* Say when a host's findings change (unprotected, needs an operator, ...). */
static void findings_changed(struct reconciler *az, const struct az_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned was = 0;

		for (size_t k = 0; k < az->nrows; k++)
			if (!strcmp(az->rows[k].hostname, rows[i].hostname))
				was = az->rows[k].findings;
		for (int f = 0; f < AZ_FINDINGS; f++) {
			unsigned bit = 1u << f;

			if ((was ^ rows[i].findings) & bit)
				log_event(LOG_LVL_WARN, "zone_finding",
					  "hostname=%s finding=%s on=%d", rows[i].hostname,
					  az_finding_name((enum az_finding)f),
					  !!(rows[i].findings & bit));
		}
	}
}

/* vigil's side of an action, proposed through Raft. */
static void record_vigil(struct reconciler *az, const struct az_action *a)
{
	char *cmd = a->kind == AZ_VIGIL_FORGET ? fsm_cmd_forget_decided(a->host_id, "reconciler",
									a->why, now_real_ns())
					       : fsm_cmd_mk_maint(a->host_id, a->on, a->pull);

	log_event(LOG_LVL_INFO, "reconcile", "action=%s hostname=%s on=%d why=%s result=%s http=0",
		  az_kind_name(a->kind), a->hostname, a->on, a->why, "proposed");
	if (a->pull && a->on)
		log_warn("%s is in maintenance because Masakari set on_maintenance (as it does "
			 "after recovering it): it is NOT protected until an operator runs `vigil "
			 "maint disable %s`",
			 a->hostname, a->hostname);
	az->actions[a->kind][0]++;
	if (cmd)
		az->record(az->ctx, cmd);
}

static void after_read(struct reconciler *az, struct az_job *j)
{
	struct az_action acts[AZ_MAX_ACTIONS];
	struct az_row *rows;
	size_t n, k = 0;
	long nrows;

	if (j->seg_rc)
		snprintf(az->error, sizeof(az->error), "Masakari: %s", j->seg_res.msg);
	else if (az->params.use_aggregate && j->agg_rc)
		snprintf(az->error, sizeof(az->error), "Nova: %s", j->agg_res.msg);
	if (az->params.use_aggregate && !j->agg_rc && !j->view.agg_found)
		log_warn("reconcile: Nova has no aggregate or availability zone named \"%s\": no "
			 "host is added, removed or forgotten for it",
			 az->cfg->aggregate);
	if (!j->seg_rc && !j->view.seg_uuid[0] && !az->params.create_segment)
		snprintf(az->error, sizeof(az->error),
			 "Masakari has no segment \"%s\" (create it, or set "
			 "reconcile.create_segment)",
			 az->segment);
	if (az->error[0])
		log_warn("reconcile: %s", az->error);
	az_view_free(&az->view);
	az->view = j->view;
	memset(&j->view, 0, sizeof(j->view));
	if (!j->seg_rc)
		az->last_round_real = now_real_ns();
	nrows = az_rows(&az->params, az->fsm, &az->view, &rows);
	if (nrows >= 0) {
		findings_changed(az, rows, (size_t)nrows);
		free(az->rows);
		az->rows = rows;
		az->nrows = (size_t)nrows;
	}
	n = az_plan(&az->params, az->fsm, &az->view, &az->mem, now_mono_ns(), acts,
		    ARRAY_SIZE(acts));
	j->n = 0;
	snprintf(j->seg_uuid, sizeof(j->seg_uuid), "%s", az->view.seg_uuid);
	for (size_t i = 0; i < n; i++) {
		if (acts[i].kind == AZ_VIGIL_MAINT || acts[i].kind == AZ_VIGIL_FORGET) {
			record_vigil(az, &acts[i]);
			k++;
		} else {
			j->acts[j->n++] = acts[i];
		}
	}
	if (j->n) {
		j->write = 1;
		if (!queue(az, j))
			return;
	}
	free(j);
	round_done(az, az->error[0] != '\0', k > 0);
}

static void after_write(struct reconciler *az, struct az_job *j)
{
	int failed = 0;

	for (size_t i = 0; i < j->n; i++) {
		const struct az_action *a = &j->acts[i];
		const struct mk_result *r = &j->res[i];

		az->actions[a->kind][j->rc[i] != 0]++;
		log_event(LOG_LVL_INFO, "reconcile",
			  "action=%s hostname=%s on=%d why=%s result=%s http=%ld",
			  az_kind_name(a->kind), a->hostname[0] ? a->hostname : "-", a->on, a->why,
			  j->rc[i] ? "failed" : "done", r->http);
		if (j->rc[i]) {
			failed = 1;
			log_warn("reconcile: %s %s failed (%s); retried", az_kind_name(a->kind),
				 a->hostname[0] ? a->hostname : az->segment, r->msg);
			snprintf(az->error, sizeof(az->error), "%s %s: %s", az_kind_name(a->kind),
				 a->hostname, r->msg);
			/* Masakari refuses the host (not a Nova compute host, in another
			 * segment): a notification about it no longer waits for it. */
			if (a->kind == AZ_HOST_ADD && r->http >= 400 && r->http < 500 &&
			    r->http != 401 && r->http != 408 && r->http != 429)
				az_add_refused(&az->mem, a->hostname, now_mono_ns());
			continue;
		}
		/* Both sides agree now: say so in the decided state. */
		if ((a->kind == AZ_HOST_ADD || a->kind == AZ_HOST_MAINT) && a->host_id) {
			char *cmd = fsm_cmd_mk_maint(a->host_id, a->on, 0);

			if (cmd)
				az->record(az->ctx, cmd);
		}
	}
	free(j);
	round_done(az, failed, 1);
}

static void after(uv_work_t *w, int status)
{
	struct az_job *j = w->data;
	struct reconciler *az = j->az;

	az->job = NULL;
	if (status || az->closing || !az->leader) {
		az_view_free(&j->view);
		free(j);
		if (az->closing) {
			forget_state(az);
			if (az->closed)
				az->closed(az->closed_ctx);
		}
		return;
	}
	if (j->write)
		after_write(az, j);
	else
		after_read(az, j);
}

void reconciler_step(struct reconciler *az, int leader)
{
	uint64_t now = now_mono_ns(), sig;
	struct az_job *j;

	if (!az->cfg->enabled || az->closing)
		return;
	if (leader != az->leader) {
		/* A new leader starts afresh: its own reads, its own grace periods. */
		forget_state(az);
		az->leader = leader;
		az->next_ns = now;
		az->backoff_ms = 0;
	}
	if (!leader || az->job)
		return;
	sig = signature(az->fsm);
	if (sig != az->signature && !az->backoff_ms) /* the decided hosts changed: soon */
		az->next_ns =
			az->started_ns + AZ_AGAIN_NS < now ? now : az->started_ns + AZ_AGAIN_NS;
	az->signature = sig;
	if (now < az->next_ns)
		return;
	az->started_ns = now;
	j = calloc(1, sizeof(*j));
	if (!j)
		return;
	az->error[0] = '\0';
	if (queue(az, j))
		free(j);
}

int reconciler_waits(const struct reconciler *az, const char *hostname)
{
	return az->cfg->enabled && az->leader &&
	       az_waits(&az->params, &az->view, &az->mem, hostname);
}

void reconciler_close(struct reconciler *az, void (*done)(void *ctx), void *ctx)
{
	az->closing = 1;
	az->closed = done;
	az->closed_ctx = ctx;
	if (!az->job) {
		forget_state(az);
		done(ctx);
		return;
	}
	uv_cancel((uv_req_t *)&az->job->work);
}
