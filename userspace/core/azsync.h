/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * azsync.h - HA per availability zone, kept in sync: what the Raft leader
 * does to make the Masakari segment of the zone (and vigil's decided hosts)
 * follow vigil's hosts and, optionally, the zone's Nova aggregate. Given the
 * decided state, what was read from Masakari and Nova, and the leader's
 * memory of how long each host has been on its way out, the rule returns a
 * bounded list of actions; the agent (agent/reconciler.c) performs them and
 * reads again. No I/O, no clock: the unit tests drive exactly this code.
 *
 * The rules (docs/operations.md, "HA for an availability zone"):
 *  - the segment exists (created when reconcile.create_segment), with the
 *    configured recovery method;
 *  - every host of vigil's decided state (not left) is a host of the
 *    segment under its hypervisor host name, and, with an aggregate, only
 *    those in it; a host with a notification still to go is added first;
 *  - a host leaves the segment when it has been, for the grace period
 *    without a break (on this leader), unknown to vigil, left, or out of
 *    the aggregate; never while failed or with a notification to go;
 *  - with an aggregate, a host out of it whose agent no longer reports is
 *    forgotten by vigil after the grace period, never while failed;
 *  - maintenance: vigil's (the host in maintenance) and Masakari's
 *    (on_maintenance) are kept equal. The side that changed since they last
 *    agreed (fsm_host.mk_maint, replicated) wins: vigil's is pushed to
 *    Masakari, or Masakari's pulled into vigil. Pulled "on" (what
 *    masakari-engine does when it recovers a host) marks the host as
 *    needing an operator: it stays unprotected until `vigil maint disable`
 *    (or Masakari's on_maintenance cleared).
 */
#ifndef VIGIL_AZSYNC_H
#define VIGIL_AZSYNC_H

#include <stddef.h>
#include <stdint.h>

#include "fsm.h"

#define AZ_UUID_MAX 40

/* One host of the segment, as Masakari lists it. */
struct az_seg_host {
	char name[FSM_NAME_MAX];
	char uuid[AZ_UUID_MAX];
	int on_maintenance;
};

/* What the leader read from OpenStack in one round. */
struct az_view {
	/* Masakari */
	int seg_read;		    /* the segments were listed (Masakari answered) */
	char seg_uuid[AZ_UUID_MAX]; /* "" = no segment of that name */
	char seg_method[16];	    /* its recovery_method */
	struct az_seg_host *seg;    /* its hosts (read only if it exists) */
	size_t nseg;
	/* Nova, with an aggregate configured */
	int agg_read;		   /* os-aggregates was read (Nova answered) */
	int agg_found;		   /* an aggregate of that name or zone exists */
	char (*agg)[FSM_NAME_MAX]; /* its hosts (compute service host names) */
	size_t nagg;
};

void az_view_free(struct az_view *v);
/* Host name in the segment / in the aggregate? */
const struct az_seg_host *az_seg_find(const struct az_view *v, const char *name);
int az_in_aggregate(const struct az_view *v, const char *name);

struct az_params {
	int create_segment;	     /* create the segment if missing, own its method */
	const char *recovery_method; /* auto, reserved_host, auto_priority, rh_priority */
	int use_aggregate;	     /* a Nova aggregate is the zone's source of truth */
	uint64_t grace_ns;	     /* on the way out this long before removed */
	size_t max_actions;	     /* per round */
	/* Is host id's agent reporting to the servers (the leader's reports)? */
	int (*reporting)(void *ctx, uint32_t id);
	void *ctx;
};

/* The leader's memory: since when each host has been a candidate for
 * removal (from the segment or from vigil), and the hosts Masakari refused
 * to add. Not replicated: a new leader starts every grace period again. */
enum az_mark_kind { AZ_MARK_SEG_REMOVE, AZ_MARK_FORGET, AZ_MARK_ADD_REFUSED };
struct az_mark {
	char hostname[FSM_NAME_MAX];
	enum az_mark_kind kind;
	uint64_t since_ns;
	int seen; /* still a candidate in this round */
};
struct az_memory {
	struct az_mark *m;
	size_t n;
};

void az_memory_free(struct az_memory *mem);
/* Masakari refused to add hostname (a 4xx): the notifier no longer waits
 * for it (az_waits); cleared once it is in the segment. */
void az_add_refused(struct az_memory *mem, const char *hostname, uint64_t now);

enum az_kind {
	AZ_SEG_CREATE,	 /* create the segment (name, recovery method) */
	AZ_SEG_METHOD,	 /* set the segment's recovery method */
	AZ_HOST_ADD,	 /* add hostname, on_maintenance = on */
	AZ_HOST_REMOVE,	 /* remove hostname (uuid) */
	AZ_HOST_MAINT,	 /* set hostname's (uuid) on_maintenance = on in Masakari */
	AZ_VIGIL_MAINT,	 /* record through Raft: fsm_cmd_mk_maint(host_id, on, pull) */
	AZ_VIGIL_FORGET, /* record through Raft: fsm_cmd_forget_decided(host_id, ..., why) */
};

const char *az_kind_name(enum az_kind k);

struct az_action {
	enum az_kind kind;
	char hostname[FSM_NAME_MAX];
	char uuid[AZ_UUID_MAX];
	uint32_t host_id;
	int on;
	int pull;	 /* AZ_VIGIL_MAINT: Masakari changed, vigil follows */
	const char *why; /* why, one word (an event line's field) */
};

/* The actions of one round, at most p->max_actions (and n), into out;
 * returns how many. Updates mem (grace periods) with now (monotonic). An
 * unread side (seg_read, agg_read 0) yields no action that depends on it. */
size_t az_plan(const struct az_params *p, const struct fsm *f, const struct az_view *v,
	       struct az_memory *mem, uint64_t now, struct az_action *out, size_t n);

/* Should the notifier hold back a notification about hostname, because the
 * reconciler is about to add it to the segment (a 400 "host not found"
 * otherwise)? Only while the segment was read, lacks it, and it is to be
 * added (not refused). */
int az_waits(const struct az_params *p, const struct az_view *v, const struct az_memory *mem,
	     const char *hostname);

/* What is wrong with a host, as status, metrics and `vigil check openstack`
 * show it. */
enum az_finding {
	AZ_UNPROTECTED = 0,  /* in the aggregate, no vigil agent (or it left) */
	AZ_NOT_IN_AGGREGATE, /* a vigil host that is not in the aggregate */
	AZ_NOT_IN_SEGMENT,   /* a vigil host missing from the segment */
	AZ_NEEDS_OPERATOR,   /* in maintenance because Masakari is (after a recovery) */
	AZ_NOT_IN_VIGIL,     /* in the segment, not a vigil host */
	AZ_FINDINGS,
};

const char *az_finding_name(enum az_finding f);

/* One host of the zone: vigil's, the segment's or the aggregate's. */
struct az_row {
	char hostname[FSM_NAME_MAX];
	int state;	   /* vigil's decided state (fsm_host_state), -1: none */
	int in_segment;	   /* 1, 0, or -1 (not read) */
	int seg_maint;	   /* Masakari's on_maintenance (in_segment 1) */
	int in_aggregate;  /* 1, 0, or -1 (no aggregate, or not read) */
	unsigned findings; /* 1 << enum az_finding */
};

/* Every host of the zone (vigil's first, then the segment's, then the
 * aggregate's others), each once, into *rows (malloc'd); how many, or -1. */
long az_rows(const struct az_params *p, const struct fsm *f, const struct az_view *v,
	     struct az_row **rows);

#endif /* VIGIL_AZSYNC_H */
