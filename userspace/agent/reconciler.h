/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * reconciler.h - the Raft leader's reconciliation of the zone (reconcile.*):
 * the rules are core/azsync.c; this reads Masakari's segment and Nova's
 * aggregate and makes the changes (masakari_seg.c) on libuv's thread pool,
 * one job at a time, every reconcile.interval_ms and at once when the
 * decided hosts change, and records vigil's side through Raft. Never on
 * the detection path: a slow or dead OpenStack only delays the next round.
 */
#ifndef VIGIL_RECONCILER_H
#define VIGIL_RECONCILER_H

#include <uv.h>

#include "azsync.h"
#include "config.h"
#include "fsm.h"
#include "masakari.h"

struct az_job;

struct reconciler {
	/* wiring */
	uv_loop_t *loop;
	const struct reconcile_config *cfg;
	const char *nova_url; /* fixed compute endpoint, or "" for the catalog's */
	const struct fsm *fsm;
	void (*record)(void *ctx, char *cmd); /* propose through Raft; takes cmd over */
	void *ctx;
	struct az_params params;
	char segment[CFG_NAME_MAX]; /* reconcile.segment, or the cluster name */
	/* state (leader only; dropped on losing leadership) */
	struct mk_client mk;  /* used by the worker thread while a job runs */
	struct az_job *job;   /* in flight, or NULL */
	struct az_view view;  /* the last read */
	struct az_memory mem; /* grace periods */
	struct az_row *rows;  /* the zone's hosts after the last read */
	size_t nrows;
	int leader;
	uint64_t next_ns;	  /* monotonic time of the next round */
	uint64_t started_ns;	  /* ... and of the last one's start */
	uint64_t backoff_ms;	  /* after failed rounds */
	uint64_t signature;	  /* of the decided hosts, at the last round */
	uint64_t last_round_real; /* CLOCK_REALTIME ns of the last read that went through */
	char error[512];	  /* why the last round failed ("" if it did not) */
	/* counters, for metrics */
	uint64_t rounds_ok, rounds_failed;
	uint64_t actions[AZ_VIGIL_FORGET + 1][2]; /* by kind, [0] done [1] failed */
	int closing;
	void (*closed)(void *ctx);
	void *closed_ctx;
};

void reconciler_init(struct reconciler *az, uv_loop_t *loop, const struct reconcile_config *cfg,
		     const char *cluster, const struct mk_config *mk, const char *nova_url,
		     const struct fsm *f, void (*record)(void *ctx, char *cmd),
		     int (*reporting)(void *ctx, uint32_t id), void *ctx);
/* Every decision round: start a round when one is due, while leader. */
void reconciler_step(struct reconciler *az, int leader);
/* Should a notification about hostname wait (it is about to be added to
 * the segment)? */
int reconciler_waits(const struct reconciler *az, const char *hostname);
/* Stop; done(ctx) runs once no job is in flight. */
void reconciler_close(struct reconciler *az, void (*done)(void *ctx), void *ctx);

#endif /* VIGIL_RECONCILER_H */
