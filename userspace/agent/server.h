/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * server.h - a Raft voter (role "server"): libraft over its libuv backend,
 * the replicated state of core/fsm.c, the REPORTs and MAINTs it takes from
 * the members (replay-checked), and, while leader, the decisions of
 * core/verdict.c and core/voters.c and the notifier's deliveries.
 */
#ifndef VIGIL_SERVER_H
#define VIGIL_SERVER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <raft.h>
#include <uv.h>

#include "config.h"
#include "fencer.h"
#include "fsm.h"
#include "memb.h"
#include "notifier.h"
#include "reconciler.h"
#include "replay.h"
#include "shb.h"
#include "wire.h"

/* What a server needs, and nothing else. */
struct server_params {
	uv_loop_t *loop;
	const char *node_name;
	uint32_t node_id, cluster_id;
	const struct sockaddr *self; /* Raft listens on its address, at raft.port */
	const char *data_dir;	     /* Raft's log and snapshots go to data_dir/raft */
	const struct raft_config *raft;
	const struct verdict_config *verdict;
	const struct mk_config *masakari;
	const struct vigil_keyring *keys;   /* verifies REPORT and MAINT; authenticates Raft */
	const struct memb *memb;	    /* the membership: voters and graceful leaves */
	const struct fence_config *fencing; /* how the leader fences before notifying */
	const struct reconcile_config *reconcile; /* the zone's segment and aggregate */
	const char *cluster;			  /* the segment's default name */
	/* the leader's ANSWER to an operator's MAINT or FORGET: sign it and send
	 * it to `to` (NULL: the request came from this agent itself) */
	void (*answer)(void *ctx, const struct sockaddr *to, void *msg, size_t len);
	void *ctx;
	const struct shb_tracker *storage; /* the storage heartbeat's records; NULL: none */
};

struct server;

/* Start Raft (bootstrapping from raft->servers on first start). NULL (logged) on failure. */
struct server *server_start(const struct server_params *p);
/* A REPORT, MAINT or FORGET datagram, as received from `from` (verified
 * here; from NULL: sent by this agent itself). */
void server_receive(struct server *s, const void *buf, size_t len, const struct sockaddr *from);
/* Leave Raft cleanly; done(ctx) runs once everything is closed and s freed.
 * Never from inside a Raft callback. */
void server_close(struct server *s, void (*done)(void *ctx), void *ctx);

/* What status and metrics show of a server. */
struct server_view {
	struct raft *raft; /* read only (libraft's getters take it non-const) */
	const struct fsm *fsm;
	const struct outbox_sender *outbox;
	const uint64_t *refused;      /* REPORT/MAINT refused, by enum replay_result */
	uint64_t malformed;	      /* ... and those that did not decode */
	uint64_t proposals_failed;    /* Raft proposals that failed (full disk, lost leadership) */
	const uint64_t *raft_refused; /* Raft connections refused, by enum raft_auth_refusal */
	uint32_t wait_period_ms;
	uint64_t leader_changes; /* Raft leaders seen (core/leader_watch.h) */
	size_t contradicted;	 /* verdicts held: the leader's kernel hears the host (verdict.h) */
	size_t recovery_held;	 /* failed hosts reporting again, still reported unreachable */
	const struct fencer *fencer;	     /* the leader's fencing (mode in fencer->cfg) */
	const struct reconciler *reconciler; /* the zone kept in sync (leader) */
	const struct shb_tracker *storage;   /* the storage heartbeat's records; NULL: none */
};
void server_view(struct server *s, struct server_view *v);
/* `vigil operator raft remove-peer WHO` (a server's name or Raft id): only on
 * the leader, never itself, never a server that runs. An HTTP status, and
 * what to tell the operator in msg. */
unsigned server_remove_peer(struct server *s, const char *who, char *msg, size_t n);
/* Does this server lead? If not, what to tell the operator (who does) in
 * msg (n bytes). */
int server_leads(struct server *s, char *msg, size_t n);
/* `vigil operator snapshot restore`: replace the decided state by state
 * (fsm_dump's text, as core/backup.h read it from a file; reason goes into
 * the audit list). Only on the leader. 0 when proposed: done(ctx, arg,
 * code, msg) then says, exactly once, what came of it (200 restored, or
 * why not); else an HTTP status now, and why in msg. */
unsigned server_restore(struct server *s, const char *state, const char *reason,
			void (*done)(void *ctx, void *arg, unsigned code, const char *msg),
			void *ctx, void *arg, char *msg, size_t n);

#endif /* VIGIL_SERVER_H */
