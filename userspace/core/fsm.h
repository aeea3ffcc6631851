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

#define FSM_NAME_MAX   64
#define FSM_ADDR_MAX   64  /* "[v6]:port" */
#define FSM_REASON_MAX 256 /* an operator's reason (the wire's 200 bytes fit) */
#define FSM_AUDIT_MAX  32  /* operator actions remembered (the oldest go first) */
#define FSM_ID_MAX                                                                                 \
	((1ULL << 53) - 1) /* notification ids a saved state may hold: exact                       \
			    * in any JSON reader */

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
	/* the Masakari segment (core/azsync.h) */
	int mk_maint;	    /* Masakari's on_maintenance when both sides last agreed */
	int maint_masakari; /* in maintenance because Masakari is: an operator must clear it */
	/* the last maintenance request applied to it: who, why, when */
	char maint_by[FSM_NAME_MAX]; /* the node it came through ("" = none yet) */
	char maint_reason[FSM_REASON_MAX];
	uint64_t maint_at; /* CLOCK_REALTIME ns (the leader's) */
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

/* What an operator's request (MAINT, FORGET) came to. Anything but
 * APPLIED changed nothing. */
enum fsm_request_result {
	FSM_REQ_APPLIED = 0, /* applied */
	FSM_REQ_UNKNOWN,     /* no such host */
	FSM_REQ_ALREADY,     /* MAINT: the host is in (out of) maintenance already */
	FSM_REQ_PENDING,     /* FORGET: a notification about it is still to go (being
			      * fenced, or not yet delivered) */
	FSM_REQ_UNDECIDED,   /* FORGET: a counted member without a verdict: it runs, or
			      * its failure is still being decided */
};
#define FSM_REQ_RESULTS (FSM_REQ_UNDECIDED + 1)
const char *fsm_request_result_name(enum fsm_request_result r);

/* The last request (MAINT or FORGET) taken from a sender, as (epoch, seq),
 * and what it came to: replicated, so that every leader refuses a replay
 * (core/replay.h) and answers a repeat of it as the first time. */
struct fsm_maint_mark {
	uint32_t sender;
	uint64_t epoch, seq;
	enum fsm_request_result result;
};

/* One operator action on the decided state: a host forgotten, a snapshot
 * restored. */
struct fsm_audit {
	char action[16];	     /* "forget", "restore" */
	uint32_t id;		     /* forget: the host's node id, ... */
	char host[FSM_NAME_MAX];     /* ... name ... */
	char hostname[FSM_NAME_MAX]; /* ... and hypervisor host name */
	char was[16];		     /* forget: its decided state then */
	char by[FSM_NAME_MAX];	     /* the node the request came through */
	char reason[FSM_REASON_MAX];
	uint64_t at; /* CLOCK_REALTIME ns (the leader's) */
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
	struct fsm_audit *audit; /* oldest first, at most FSM_AUDIT_MAX */
	size_t naudit;
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
/* Is text a whole state as fsm_dump writes it, every field of its type and
 * range, no id twice? 0, or -1 with the first problem in err. A snapshot
 * to restore (fsm_cmd_restore) must pass. */
int fsm_check(const char *text, char *err, size_t errsz);

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
/* An operator's request (MAINT, FORGET) as the leader took it. */
struct fsm_request {
	uint32_t sender;     /* the node it came through ... */
	uint64_t epoch, seq; /* ... and its (epoch, seq): applied only past its last one */
	const char *by;	     /* that node's name */
	const char *reason;  /* the operator's ("" = none) */
	uint64_t at;	     /* CLOCK_REALTIME ns, the leader's */
};
/* Maintenance on or off for a host (a name or hypervisor host name). */
char *fsm_cmd_maint(const char *host, int on, const struct fsm_request *rq);
/* ... without who and why: fsm_cmd_maint with by and reason "". */
char *fsm_cmd_maintenance(const char *hostname, int on, uint32_t sender, uint64_t epoch,
			  uint64_t seq);
/* Forget host id, gone for good: it leaves the decided state (no longer
 * counted, learned or notified about), recorded in the audit list; a report
 * from it later makes it a member again. Applied only where
 * fsm_forget_check allows it. */
char *fsm_cmd_forget(uint32_t id, const struct fsm_request *rq);
/* May h be forgotten, as far as the decided state tells? FSM_REQ_APPLIED
 * if it left, is in maintenance, or failed with every notification about
 * it delivered or cancelled; FSM_REQ_PENDING while one is still to go (its
 * fence, or its delivery: the evacuation it asks for must not be lost);
 * FSM_REQ_UNDECIDED for a member without a verdict (a host that runs
 * leaves with `vigil leave`; one that died gets its verdict first). The
 * way past both is maintenance, which cancels what is still to go. Whether
 * the host runs (its kernel answers, it reports) is the leader's to check:
 * the decided state does not know. */
enum fsm_request_result fsm_forget_check(const struct fsm *f, const struct fsm_host *h);
/* Would a MAINT or FORGET of sender with (epoch, seq) be new? */
int fsm_maint_newer(const struct fsm *f, uint32_t sender, uint64_t epoch, uint64_t seq);
/* sender's last request taken (what it came to), or NULL. */
const struct fsm_maint_mark *fsm_request_mark(const struct fsm *f, uint32_t sender);
/* Replace the decided state by state (fsm_dump's text, fsm_check'ed; a
 * command that does not pass is skipped). The hosts, their verdicts and
 * maintenance become the saved ones; what cannot be undone stays: a
 * notification the current state also has goes on as it is now (one
 * Masakari has is never sent again, one cancelled never revived, one
 * fenced not fenced again); one made since the save keeps its host's
 * failure as Masakari was told it if delivered, and is cancelled if still
 * to go (its verdict is undone); notification ids and the requests'
 * replay marks only grow; the audit list keeps both histories and records
 * the restore (by, reason, at). A saved notification the current state
 * does not have (a cluster rebuilt from nothing) is taken as saved: a
 * pending one is delivered. NULL if state is not JSON. */
char *fsm_cmd_restore(const char *state, const char *by, const char *reason, uint64_t at);
char *fsm_cmd_release(uint64_t outbox_id);
char *fsm_cmd_left(uint32_t id);
/* The reconciler (core/azsync.h) saw vigil's maintenance of host id and
 * Masakari's on_maintenance agree at `on`; with pull, Masakari changed it
 * and vigil follows: maintenance on (cancelling what is still to be sent,
 * as a MAINT does, and marked as needing an operator) or off. */
char *fsm_cmd_mk_maint(uint32_t id, int on, int pull);
/* The leader's own fsm_cmd_forget (the reconciler's: by names it, reason
 * says why, at is the leader's CLOCK_REALTIME ns): no sender, so no replay
 * mark; recorded in the audit list as an operator's forget is. Applied only
 * while host id has not failed and nothing about it is still to go. */
char *fsm_cmd_forget_decided(uint32_t id, const char *by, const char *reason, uint64_t at);
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
