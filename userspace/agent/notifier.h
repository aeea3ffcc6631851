/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * notifier.h - the Raft leader's delivery of the notification outbox to
 * Masakari. The rules (what to send, what an answer means, when to retry)
 * are core/outbox.c; this runs the blocking Masakari client (masakari.c) on
 * libuv's thread pool, one delivery at a time, so the loop never waits.
 */
#ifndef VIGIL_NOTIFIER_H
#define VIGIL_NOTIFIER_H

#include <uv.h>

#include "config.h"
#include "fsm.h"
#include "masakari.h"
#include "outbox.h"

struct notify_job;

struct notifier {
	/* wiring */
	uv_loop_t *loop;
	/* record a command through Raft ("delivered"); it takes cmd over */
	void (*record)(void *ctx, char *cmd);
	void *ctx;
	/* state */
	struct mk_client mk;	  /* used by the worker thread while a job runs */
	struct outbox_sender out; /* leader-local attempts and backoff */
	struct notify_job *job;	  /* the delivery in flight, or NULL */
	int closing;
	void (*closed)(void *ctx); /* notifier_close's callback, once no job runs */
	void *closed_ctx;
};

void notifier_init(struct notifier *n, uv_loop_t *loop, const struct mk_config *cfg,
		   void (*record)(void *ctx, char *cmd), void *ctx);
/* On the leader: start the next delivery that is due, if none runs. */
void notifier_step(struct notifier *n, const struct fsm *f);
/* Stop sending; done(ctx) runs once no delivery is in flight (from the loop,
 * possibly at once). The notifier's memory may be freed from done. */
void notifier_close(struct notifier *n, void (*done)(void *ctx), void *ctx);

#endif /* VIGIL_NOTIFIER_H */
