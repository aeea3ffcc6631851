/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * fencer.h - the Raft leader's fencing. The rules (which call next, what an
 * answer means, retries, what to record) are core/fence.c; this runs the
 * fence agents (lib/proc.c: posix_spawn, parameters and password on stdin,
 * killed by PID at fencing.timeout_ms) on libuv's thread pool, at most
 * FENCER_PARALLEL at a time, so the loop never waits; and, after a
 * confirmed power-off, Nova's force_down (nova.c) when configured.
 * `vigil fence test HOST` (cmd_fence) makes the same status call.
 */
#ifndef VIGIL_FENCER_H
#define VIGIL_FENCER_H

#include <pthread.h>
#include <uv.h>

#include "cmdline.h"
#include "config.h"
#include "fence.h"
#include "fsm.h"
#include "masakari.h"

/* Two hosts fenced at once; the pool's other threads stay for Raft's disk
 * I/O and the notifier. */
#define FENCER_PARALLEL 2

struct fence_run;

struct fencer {
	/* wiring */
	uv_loop_t *loop;
	const struct fence_config *cfg;
	const struct fsm *fsm;
	void (*record)(void *ctx, char *cmd); /* propose through Raft; takes cmd over */
	void *ctx;
	struct fence_env env; /* self-fence evidence (storage heartbeat, reports) */
	/* state */
	struct fence_stage stage;
	struct fence_run *runs[FENCER_PARALLEL]; /* calls in flight */
	int leader;				 /* the stage belongs to our current term */
	struct mk_client nova;			 /* Keystone for force_down, under nova_lock */
	pthread_mutex_t nova_lock;
	uint64_t nova_ok, nova_failed; /* force_down results, for metrics */
	int closing;
	void (*closed)(void *ctx);
	void *closed_ctx;
};

void fencer_init(struct fencer *fz, uv_loop_t *loop, const struct fence_config *cfg,
		 const struct mk_config *mk, const struct fsm *f,
		 void (*record)(void *ctx, char *cmd), void *ctx);
/* Every decision round: start the calls that are due while leader, kill
 * those whose host came back; on losing leadership, stop. */
void fencer_step(struct fencer *fz, int leader);
/* Stop; done(ctx) runs once no call is in flight (calls are killed). */
void fencer_close(struct fencer *fz, void (*done)(void *ctx), void *ctx);

/* One call, blocking: the host's agent with op. The result, with the
 * agent's reason (secrets masked) in msg. */
enum fence_result fencer_call(const struct fence_config *cfg, const char *hostname,
			      const char *name, enum fence_op op, char *msg, size_t n,
			      uint64_t *elapsed_ns);

/* `vigil fence test`'s record of its last status call for hostname, kept
 * in <data_dir>/fence-tests/<hostname> ("UNIXTIME RESULT"), which `vigil
 * check openstack` reads: 0, or -1 if there is none. */
int fence_test_record(const char *data_dir, const char *hostname, int write, long long *when,
		      char *result, size_t n);

extern const struct cmd cmd_fence;

#endif /* VIGIL_FENCER_H */
