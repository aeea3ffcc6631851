/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * fsm.h - the state the servers replicate through Raft: the cluster's hosts
 * as decided (member, maintenance, failed, left), the failure verdicts, and
 * the Masakari notification outbox. Commands are small JSON objects applied
 * in log order; snapshots are the whole state as JSON. No I/O here, so the
 * Raft fixture tests drive exactly this code.
 */
#ifndef VIGIL_FSM_H
#define VIGIL_FSM_H

#include <stddef.h>
#include <stdint.h>

#define FSM_NAME_MAX 64
#define FSM_ADDR_MAX 64 /* "[v6]:port" */

enum fsm_host_state {
	FSM_MEMBER = 0,
	FSM_MAINTENANCE,
	FSM_FAILED,
	FSM_LEFT,
};

const char *fsm_host_state_name(enum fsm_host_state s);

struct fsm_host {
	uint32_t id;
	char name[FSM_NAME_MAX];     /* vigil node name */
	char hostname[FSM_NAME_MAX]; /* as Nova and Masakari know it */
	char addr[FSM_ADDR_MAX];     /* its UDP address, "ip:port" ("" = not known) */
	enum fsm_host_state state;
	int failed;	    /* a verdict stands (also while in maintenance) */
	uint64_t failed_at; /* CLOCK_REALTIME ns of the verdict */
};

enum fsm_outbox_status {
	OUTBOX_PENDING = 0, /* to be sent by the leader */
	OUTBOX_HELD,	    /* too few healthy hosts would remain: not sent, alert */
	OUTBOX_DELIVERED,   /* Masakari has it */
	OUTBOX_CANCELLED,   /* obsolete (host in maintenance) */
};

const char *fsm_outbox_status_name(enum fsm_outbox_status s);

/* Where the fencing of a STOPPED entry stands (core/fence.h). Only a
 * committed "fenced" sets power_off_confirmed of a fencing verdict. */
enum fsm_fence {
	FSM_FENCE_NONE = 0,  /* no fencing: mode none, or a STARTED */
	FSM_FENCE_WAITING,   /* to be fenced before it may be sent */
	FSM_FENCE_FENCING,   /* a leader has started fencing */
	FSM_FENCE_FAILED,    /* fencing failed and is retried: alert */
	FSM_FENCE_FENCED,    /* power-off confirmed by the fence agent */
	FSM_FENCE_ASSUMED,   /* mode assume-off: the site guarantees power-off */
	FSM_FENCE_CANCELLED, /* the host came back (or maintenance) before */
};

const char *fsm_fence_name(enum fsm_fence s);

struct fsm_outbox {
	uint64_t id;
	uint32_t host_id;
	char hostname[FSM_NAME_MAX];
	int stopped; /* 1: STOPPED/OFFLINE, 0: STARTED/ONLINE */
	int power_off_confirmed;
	uint64_t generated_at; /* CLOCK_REALTIME ns; the same on every retry */
	enum fsm_outbox_status status;
	char uuid[64];	 /* Masakari's notification_uuid, once delivered */
	char result[16]; /* delivered / duplicate */
	enum fsm_fence fence;
	uint64_t fenced_at;    /* CLOCK_REALTIME ns of the confirmation */
	char fence_error[256]; /* the first failure's reason (no secrets) */
	char fence_mode[16];   /* the verdict's fencing mode ("" before modes were recorded) */
	char fenced_by[16];    /* power (the fence agent), vms-stopped, watchdog */
};

/* The last MAINT taken from a sender, as (epoch, seq): replicated, so that
 * every leader refuses a replay (core/replay.h). */
struct fsm_maint_mark {
	uint32_t sender;
	uint64_t epoch, seq;
};

struct fsm {
	struct fsm_host *hosts;
	size_t nhosts;
	struct fsm_outbox *outbox;
	size_t noutbox;
	uint64_t next_outbox_id;
	uint64_t created_from; /* the last command applied created outbox entries
				* created_from .. next_outbox_id - 1 (not replicated) */
	uint64_t applied;      /* commands applied */
	uint64_t verdicts;     /* failure verdicts recorded */
	uint64_t fences;       /* confirmed fences recorded */
	struct fsm_maint_mark *maint_marks;
	size_t nmaint_marks;
};

void fsm_init(struct fsm *f);
void fsm_free(struct fsm *f);

/* Apply one command (JSON text of len bytes). 0, or -1 if malformed (logged;
 * a malformed entry is skipped, never fatal, so a bad entry cannot wedge
 * every server). */
int fsm_apply(struct fsm *f, const void *buf, size_t len);
/* The whole state as JSON text (malloc'd), and back. */
char *fsm_dump(const struct fsm *f);
int fsm_load(struct fsm *f, const char *text);

struct fsm_host *fsm_host(const struct fsm *f, uint32_t id);
struct fsm_host *fsm_host_by_name(const struct fsm *f, const char *name);
struct fsm_outbox *fsm_outbox_get(const struct fsm *f, uint64_t id);
/* Hosts that count for quorum (member or failed: not maintenance, not left). */
size_t fsm_counted(const struct fsm *f);
/* Hosts in service (member and not failed). */
size_t fsm_healthy(const struct fsm *f);

/* Command builders (malloc'd JSON text). */
/* What a verdict's fencing mode (fencing.mode, recorded in the verdict)
 * means for the decided state: how its new STOPPED entry waits. fence.h
 * performs the modes that have a stage. Unknown or NULL: "none". */
struct fsm_fence_mode {
	const char *name;
	enum fsm_fence initial;	 /* the new STOPPED entry's fence state */
	int power_off_confirmed; /* ... and whether it counts as off (assume-off) */
};
const struct fsm_fence_mode *fsm_fence_mode(const char *name);
/* Does outbox entry o wait for fencing (a STOPPED of a fencing verdict, not
 * yet fenced, not cancelled)? */
int fsm_fence_needed(const struct fsm_outbox *o);

char *fsm_cmd_member(uint32_t id, const char *name, const char *hostname, const char *addr);
char *fsm_cmd_verdict(uint32_t id, uint64_t at, int hold, size_t reporters);
char *fsm_cmd_recovered(uint32_t id, uint64_t at);
char *fsm_cmd_delivered(uint64_t outbox_id, const char *uuid, const char *result);
/* Maintenance on or off for a host, as a MAINT from sender asked it: applied
 * only if (epoch, seq) is past that sender's last one. */
char *fsm_cmd_maintenance(const char *hostname, int on, uint32_t sender, uint64_t epoch,
			  uint64_t seq);
/* Would a MAINT of sender with (epoch, seq) be new? */
int fsm_maint_newer(const struct fsm *f, uint32_t sender, uint64_t epoch, uint64_t seq);
char *fsm_cmd_release(uint64_t outbox_id);
char *fsm_cmd_left(uint32_t id);
/* A verdict whose STOPPED waits as fencing mode `fence` says (fence.h;
 * NULL: none, as fsm_cmd_verdict). */
char *fsm_cmd_verdict_fence(uint32_t id, uint64_t at, int hold, size_t reporters,
			    const char *fence);
/* The leader started fencing the entry's host / confirmed it off / failed. */
char *fsm_cmd_fence_start(uint64_t outbox_id);
char *fsm_cmd_fenced(uint64_t outbox_id, uint64_t at);
/* ... confirmed off by other evidence than the fence agent: by is
 * "vms-stopped" (the host's storage record) or "watchdog" (mode watchdog's
 * timing rule; fence.h). */
char *fsm_cmd_fenced_by(uint64_t outbox_id, uint64_t at, const char *by);
char *fsm_cmd_fence_failed(uint64_t outbox_id, const char *reason);

#endif /* VIGIL_FSM_H */
