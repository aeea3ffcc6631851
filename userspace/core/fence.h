/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * fence.h - fence, then notify. After a failure verdict the Raft leader
 * powers the failed host off through a ClusterLabs fence agent (fence_ipmilan,
 * fence_redfish, ...) and confirms it is off before the STOPPED notification
 * may go out with host_status NORMAL, the only status Masakari acts on.
 *
 * The pieces, all without I/O:
 *  - the configuration: the "fencing" section (mode, default agent and
 *    parameters, per-host overrides, timeouts, backoff) and what one host's
 *    fence agent is given on stdin (fence_target, fence_stdin);
 *  - the modes, each a small table (struct fence_mode): "power" fences,
 *    "none" only detects (host_status UNKNOWN), "assume-off" trusts the
 *    site's own tooling (host_status NORMAL at once), "watchdog" relies on
 *    the hosts' self-fencing (isolation response and hardware watchdog,
 *    isolation.h) under the timing rule its row checks;
 *  - self-fence evidence: what the storage heartbeat (shb.h) says of
 *    a host whose entry waits, and which evidence ends the wait in which
 *    mode (fence_self);
 *  - the stage: per outbox entry, which agent call to make next (status,
 *    off, status until off), what its answer means, retries with backoff,
 *    and which facts to record through Raft (fence_start, fenced,
 *    fence_failed; core/fsm.c). A STOPPED entry of a fencing verdict is not
 *    sendable until "fenced" has committed (core/outbox.c).
 *
 * The agent (agent/fencer.c) runs the calls on the thread pool; the unit
 * tests drive the same stage with a fault-injecting runner and libraft's
 * fixture.
 */
#ifndef VIGIL_FENCE_H
#define VIGIL_FENCE_H

#include <stddef.h>
#include <stdint.h>

struct fsm;
struct fsm_outbox;

/* ---- configuration (keys fencing.*) ------------------------------------------- */

enum fence_mode_id {
	FENCE_MODE_AUTO = 0,   /* power if a fence agent is configured, else none */
	FENCE_MODE_POWER,      /* fence agents: off, then status until off */
	FENCE_MODE_NONE,       /* detection only: STOPPED with host_status UNKNOWN */
	FENCE_MODE_ASSUME_OFF, /* the site guarantees power-off: NORMAL, no fencing */
	FENCE_MODE_WATCHDOG,   /* hosts self-fence: NORMAL once the watchdog rule holds */
};

const char *fence_mode_name(int mode);
int fence_mode_parse(const char *s); /* -1 if unknown */

#define FENCE_AGENT_MAX	 128
#define FENCE_PARAMS_MAX 4096
#define FENCE_HOSTS_MAX	 65536

struct fence_config {
	int mode;		       /* enum fence_mode_id; never AUTO once loaded */
	char agent[FENCE_AGENT_MAX];   /* default fence agent: a name in PATH or a path */
	char params[FENCE_PARAMS_MAX]; /* default parameters: a JSON object, as text */
	char hosts[FENCE_HOSTS_MAX];   /* per host: {"agent": …, param: value, …}, as text */
	uint32_t timeout_ms;	       /* one fence agent call; killed after it */
	uint32_t confirm_timeout_ms;   /* after "off": status must say off within this */
	uint32_t status_interval_ms;   /* between status calls while confirming */
	uint32_t retry_min_ms;	       /* first retry delay of a failed fencing; doubles */
	uint32_t retry_max_ms;	       /* longest retry delay; retries never stop */
	int nova_force_down;	       /* after a confirmed fence, force the service down */
	char nova_url[256];	       /* fixed compute endpoint; empty: Keystone catalog */
	uint32_t watchdog_margin_ms;   /* mode watchdog: safety margin of the timing rule */
};

/* Cross-key checks and mode resolution (auto -> power or none), for
 * config.c: 0, or -1 with the reason in err and the key at fault in *key. A
 * password written into the file itself is allowed but warned about. */
int fence_config_finish(struct fence_config *c, const char **key, char *err, size_t errsz);
/* The configured agent and parameters of a JSON object's values, checked:
 * keys [a-z0-9_]+, values strings, integers or booleans, no line breaks
 * (the stdin protocol is one key=value per line), no "action". 0 or -1. */
int fence_params_check(const char *json_text, const char *what, char *err, size_t errsz);

/* What one host's fence agent is run with. */
struct fence_target {
	char agent[FENCE_AGENT_MAX];
	char params[FENCE_PARAMS_MAX]; /* "key=value\n" lines: no action, no secret */
	char password[256];	       /* written in the configuration itself (warned about) */
	char password_file[256];       /* a file holding the password, read per call */
	char password_credential[128]; /* a systemd credential ($CREDENTIALS_DIRECTORY) */
};

/* The target for a host (hypervisor hostname, or vigil node name): the
 * defaults, overridden by the host's entry (matched by either name); "{hostname}"
 * and "{name}" in values are replaced. 0, or -1 with the reason in err. */
int fence_target_for(const struct fence_config *c, const char *hostname, const char *name,
		     struct fence_target *t, char *err, size_t errsz);

enum fence_op {
	FENCE_OP_STATUS = 0,
	FENCE_OP_OFF,
};
const char *fence_op_name(enum fence_op op);

/* The fence agent's stdin: action, the parameters, the password (may be
 * NULL: then t's own, if any). 0, or -1 if it does not fit. */
int fence_stdin(const struct fence_target *t, enum fence_op op, const char *password, char *out,
		size_t n);

/* What one fence agent call came to. */
enum fence_result {
	FENCE_R_ON = 0,	 /* status: powered on (exit 0) */
	FENCE_R_OFF,	 /* status: powered off (exit 2) */
	FENCE_R_DONE,	 /* off: the agent reports success (exit 0) */
	FENCE_R_ERROR,	 /* the agent failed: unreachable BMC, credentials, ... */
	FENCE_R_TIMEOUT, /* killed after fencing.timeout_ms */
};
#define FENCE_RESULTS (FENCE_R_TIMEOUT + 1)
const char *fence_result_name(enum fence_result r);

/* The fence agents' exit codes (ClusterLabs fencing library): status 0 on,
 * 2 off, anything else an error; off 0 done. exited 0: killed or not run. */
enum fence_result fence_classify(enum fence_op op, int exited, int code, int timed_out);

/* The line of an agent's output that says why it failed (its last line
 * that is not a Python warning), with any occurrence of secret masked. */
void fence_output_reason(const char *output, const char *secret, char *out, size_t n);

/* ---- modes -------------------------------------------------------------------------- */

/* What a mode's configuration rule is checked against (config validation). */
struct fence_timing {
	uint64_t wait_period_ms;       /* the verdict's wait period */
	uint64_t isolation_timeout_ms; /* a cut-off host runs its response after this */
	uint64_t watchdog_timeout_ms;  /* its watchdog resets it this long after the last feed */
	uint64_t margin_ms;	       /* fencing.watchdog_margin_ms */
	int watchdog;		       /* a watchdog device is configured */
	int response;		       /* the isolation response (enum iso_response) */
};

/* The shortest wait period for which mode watchdog may treat a host as off:
 * isolation timeout + watchdog timeout + margin (Pacemaker's rule for
 * stonith-watchdog-timeout). By the time a majority has found a host
 * unreachable this long, the host has stopped its VMs or been reset. */
uint64_t fence_watchdog_safe_ms(const struct fence_timing *t);

/* What the storage heartbeat (shb.h) says of a host whose entry waits
 * for a fence, as the leader reads it. */
enum fence_evidence {
	FENCE_EV_NONE = 0,   /* no storage heartbeat is configured */
	FENCE_EV_UNREADABLE, /* the leader cannot read the directory (alert) */
	FENCE_EV_NO_RECORD,  /* the host has never written a valid record there */
	FENCE_EV_UNKNOWN,    /* not watched long enough to tell (a new leader) */
	FENCE_EV_RUNNING,    /* its record advances: running, not isolated */
	FENCE_EV_ISOLATED,   /* its record advances: isolated, VMs not yet stopped */
	FENCE_EV_STOPPED,    /* its record advances: isolated, VMs stopped */
	FENCE_EV_SILENT,     /* its record stopped advancing: dead on the storage side too */
};
#define FENCE_EVIDENCES (FENCE_EV_SILENT + 1)
const char *fence_evidence_name(enum fence_evidence e);

/* A mode is what a verdict's STOPPED entry waits for, and how the leader
 * obtains it: a fence agent's calls, evidence of a self-fence, or both. */
struct fence_mode {
	const char *name; /* as in fencing.mode and in the verdict command */
	/* (how its new STOPPED entry waits: fsm_fence_mode) The stage (NULL: the mode has none).
	 * The call a phase makes, and the phase after an answer, given the phase it answered. */
	enum fence_op (*op)(int phase);
	int (*after)(int phase, enum fence_result r);
	/* Self-fence (NULL: none): the "by" the entry's host counts as fenced
	 * by on this evidence (cut_off: a majority of every host not left,
	 * those in maintenance included, finds it unreachable), or NULL to
	 * wait. */
	const char *(*self)(enum fence_evidence ev, int cut_off);
	/* The configuration rule of the mode (NULL: none): 0, or -1 with the
	 * reason in err and the key at fault in *key. */
	int (*check)(const struct fence_timing *t, const char **key, char *err, size_t errsz);
};

/* The mode of a name recorded in a verdict (NULL or unknown: none). */
const struct fence_mode *fence_mode_get(const char *name);

/* ---- the stage (the leader's fencing, per outbox entry) ------------------------------ */

enum fence_phase {
	FENCE_PH_CHECK = 0, /* status first: a host already off needs no "off" */
	FENCE_PH_OFF,	    /* power it off */
	FENCE_PH_CONFIRM,   /* status until off, within confirm_timeout_ms */
	FENCE_PH_FENCED,    /* confirmed: "fenced" proposed, waiting for it to commit */
	FENCE_PH_FAIL,	    /* this round failed: back off, then CHECK again */
};

#define FENCE_TRACKED	     256
#define FENCE_COMMIT_WAIT_NS 2000000000ULL /* "fenced" proposed; re-check after this */

struct fence_attempt {
	uint64_t outbox_id;
	enum fence_phase phase;
	uint64_t next_ns;	   /* monotonic time of the next call */
	uint64_t confirm_until_ns; /* CONFIRM: the deadline */
	uint64_t started_ns;	   /* this leader's first call */
	uint64_t backoff_ms;	   /* last retry delay */
	uint64_t rounds_failed;	   /* failed rounds, on this leader */
	uint64_t calls;		   /* agent calls made */
	int running;		   /* a call is in flight */
	int start_logged;	   /* this leader logged the start */
	enum fence_result last;	   /* the last call's result */
	char message[256];	   /* why the last round failed, for status and logs */
	int held;		   /* self-fence evidence not enough: enum fence_evidence + 1 */
	int alive_seen;		   /* its record was read advancing without vms-stopped */
};

/* One call for the runner to make. */
struct fence_job {
	uint64_t outbox_id;
	uint32_t host_id;
	char hostname[64];
	char name[64]; /* vigil node name */
	enum fence_op op;
	uint64_t gen; /* the stage generation it belongs to */
};

struct fence_stage {
	/* configuration */
	const struct fence_mode *mode; /* how entries waiting for a fence are fenced */
	uint64_t retry_min_ms, retry_max_ms, status_interval_ms, confirm_timeout_ms;
	/* state: leader-local, rebuilt by a new leader (fence_stage_reset) */
	uint64_t gen;
	struct fence_attempt attempts[FENCE_TRACKED];
	size_t nattempts;
	uint64_t calls_by_result[FENCE_RESULTS]; /* for metrics */
};

void fence_stage_init(struct fence_stage *s, const struct fence_config *c);
/* Forget every attempt (a new term of leadership): answers to calls made
 * before are ignored. Counters are kept. */
void fence_stage_reset(struct fence_stage *s);

/* The next call due at now, into job; 1 if there is one, else 0. *cmd
 * receives a command to propose first ("fence_start"), or NULL. Held
 * entries are not fenced (a held verdict is the brake on mass failures). */
int fence_next(struct fence_stage *s, const struct fsm *f, uint64_t now, struct fence_job *job,
	       char **cmd);
/* The answer to job (message: the agent's reason on failure), at now;
 * rnd: 32 random bits for the retry jitter. The command to propose
 * ("fenced" or "fence_failed", malloc'd), or NULL. now_real (CLOCK_REALTIME)
 * dates a confirmation. */
char *fence_answer(struct fence_stage *s, const struct fsm *f, const struct fence_job *job,
		   enum fence_result r, const char *message, uint64_t now, uint64_t now_real,
		   uint32_t rnd);
/* Is the entry of a running job no longer to be fenced (the host came back,
 * maintenance, or a new term)? The runner then kills the call. */
int fence_obsolete(const struct fence_stage *s, const struct fsm *f, const struct fence_job *job);
/* The attempt record of an entry, or NULL. */
const struct fence_attempt *fence_attempt(const struct fence_stage *s, uint64_t outbox_id);

/* What the leader knows of a host beyond the replicated state: its storage
 * heartbeat, and whether the reports still cut it off from a majority of
 * every host not left (verdict_cut_off). */
struct fence_env {
	enum fence_evidence (*evidence)(void *ctx, const struct fsm_outbox *o, uint64_t now);
	int (*cut_off)(void *ctx, uint32_t host_id, uint64_t now);
	void *ctx;
};

/* Self-fencing, every decision round before fence_next: the first entry
 * waiting for a fence whose host's evidence is enough for its mode (a
 * storage record advancing with "vms-stopped"; in mode watchdog also a
 * record gone silent, or none to read) gets its "fenced" command (malloc'd,
 * with by=...); NULL if none. An entry whose evidence is not enough is held,
 * said once per reason (event fence_hold) and shown in its attempt's
 * message. Once this leader read a host's record advancing without
 * "vms-stopped" (alive after the wait period: its watchdog did not reset
 * it), only "vms-stopped" or a record seen to stop ends the wait: a record
 * it can no longer read does not. */
char *fence_self(struct fence_stage *s, const struct fsm *f, const struct fence_env *env,
		 uint64_t now, uint64_t now_real);
/* Entries of mode watchdog held now because their host is alive on the
 * storage side (for metrics). */
size_t fence_held(const struct fence_stage *s, const struct fsm *f);

#endif /* VIGIL_FENCE_H */
