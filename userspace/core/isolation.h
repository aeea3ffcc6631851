/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * isolation.h - a host cut off from its zone stops its own VMs before the
 * zone restarts them elsewhere. Every agent judges, from its own kernel's
 * evidence, whether it still reaches a majority of the zone's hosts; after
 * isolation_timeout_ms without one it runs its isolation response (a
 * command, `virsh destroy` of every running domain, or a reset by its
 * hardware watchdog) and stops feeding the watchdog until the response has
 * stopped its VMs, so a response that hangs ends in a reset.
 *
 * The rule mirrors the servers' verdict (verdict.h): a host is declared
 * failed when more than half of the hosts report it unreachable; a host
 * that reaches no majority is exactly one that may be declared failed, so
 * it must assume it will be. Reaching one Raft server is not enough.
 *
 * No I/O: the agent (agent/isolation.c) feeds the machine the membership's
 * view every judgement tick, runs the response off the loop and feeds the
 * watchdog when iso_may_feed() says so; the unit tests drive the same code.
 */
#ifndef VIGIL_ISOLATION_H
#define VIGIL_ISOLATION_H

#include <stddef.h>
#include <stdint.h>

#include "fence.h"
#include "memb.h"

/* ---- configuration (keys isolation_*, watchdog_*, storage_heartbeat_*) ---------------- */

enum iso_response {
	ISO_RESP_NONE = 0, /* detect, record and alert only */
	ISO_RESP_COMMAND,  /* run isolation_command (sh -c) */
	ISO_RESP_VIRSH,	   /* `virsh destroy` every running libvirt domain */
	ISO_RESP_RESET,	   /* stop feeding the watchdog: the host resets */
};

const char *iso_response_name(int r);
int iso_response_parse(const char *s); /* -1 if unknown */

#define ISO_COMMAND_MAX 1024
#define ISO_PATH_MAX	256

struct isolation_config {
	uint32_t timeout_ms;		    /* cut off this long: isolated; 0 = no detection */
	int response;			    /* enum iso_response */
	char command[ISO_COMMAND_MAX];	    /* the command response, run with /bin/sh -c */
	uint32_t command_timeout_ms;	    /* a response (command or virsh) killed after this */
	char libvirt_uri[ISO_PATH_MAX];	    /* virsh -c URI */
	char watchdog_device[ISO_PATH_MAX]; /* /dev/watchdog; "" = none */
	uint32_t watchdog_timeout_ms;	    /* the device's timeout (whole seconds) */
	char storage_dir[ISO_PATH_MAX];	    /* storage heartbeat directory; "" = none */
	uint32_t storage_interval_ms;	    /* one heartbeat record written every */
};

/* Cross-key checks, after the keys were read: 0, or -1 with the reason in
 * err and the key at fault in *key. The fencing mode's own rule (the
 * watchdog inequality, fence.h) is checked here too, since it spans both
 * sections. */
int isolation_config_finish(const struct isolation_config *c, const struct fence_config *f,
			    uint32_t wait_period_ms, const char **key, char *err, size_t errsz);

/* ---- reach ------------------------------------------------------------------------------ */

/* The zone as this host's membership knows it (itself included; members that
 * left not counted, dead ones counted as the servers' verdict counts failed
 * hosts) and how many of its hosts this host reaches: itself, and every
 * member alive, or suspect while our own kernel recorded an ACK from it
 * since the suspicion began (a suspicion gossiped by others is not our
 * evidence). */
void iso_reach(const struct memb *m, size_t *reached, size_t *zone);

/* ---- the machine ------------------------------------------------------------------------ */

enum iso_state {
	ISO_CONNECTED = 0, /* a majority of the zone is reachable */
	ISO_LOST,	   /* it is not, for less than the isolation timeout */
	ISO_ISOLATED,	   /* for the timeout: the response runs, or ran and failed */
	ISO_VMS_STOPPED,   /* the response stopped the VMs; still cut off */
};

const char *iso_state_name(enum iso_state s);

/* What the heartbeat on shared storage says (shb.h): running,
 * isolated, vms-stopped. */
const char *iso_record_state(enum iso_state s);

/* What iso_step() asks of the agent. */
enum iso_action {
	ISO_ACT_NONE = 0,
	ISO_ACT_RESPOND, /* start the response now */
};

struct iso {
	/* configuration */
	uint64_t timeout_ns;	 /* 0: never isolated */
	int response;		 /* enum iso_response */
	int watchdog;		 /* a watchdog is fed: its feeding is withheld while owed */
	uint64_t retry_ns;	 /* a failed response is retried after this */
	uint64_t stall_ns;	 /* a judgement this late means the loop stalled */
	uint64_t stall_grace_ns; /* after a stall, fresh evidence for this long first */
	/* state */
	enum iso_state state;
	uint64_t lost_ns;     /* since when no majority (ISO_LOST and later) */
	uint64_t isolated_ns; /* when the response was started first */
	uint64_t last_ns;     /* the previous judgement */
	uint64_t fresh_ns;    /* no isolation before this (evidence after a stall) */
	uint64_t next_try_ns; /* ISO_ISOLATED, response failed: the next try */
	int running;	      /* a response is in flight */
	int owed;	      /* VMs may still run since isolation: feeding withheld */
	int reset;	      /* response reset: feeding never resumes */
	size_t reached, zone; /* the last judgement's evidence */
	/* counters, for metrics */
	uint64_t isolations; /* times isolated */
	uint64_t cancelled;  /* losses that healed before the timeout */
	uint64_t responses_ok, responses_failed;
	uint64_t stalls; /* judgements after a loop stall */
};

struct iso_params {
	uint32_t timeout_ms;
	int response;
	int watchdog;
	uint32_t stall_grace_ms; /* about one probe round with its timeouts */
};

void iso_init(struct iso *s, const struct iso_params *p);
/* One judgement at now (monotonic), with the reach iso_reach() found.
 * Logs the transitions as event lines. */
enum iso_action iso_step(struct iso *s, size_t reached, size_t zone, uint64_t now);
/* The response started by ISO_ACT_RESPOND ended: ok (the VMs are stopped)
 * or not, after elapsed_ms; why says what failed. */
void iso_response_done(struct iso *s, int ok, const char *why, uint64_t elapsed_ms, uint64_t now);
/* May the watchdog be fed now? Not while a response is owed (isolated, the
 * VMs not yet stopped), never again after a reset response. */
int iso_may_feed(const struct iso *s);
/* Is this host cut off from its zone's majority now (lost or isolated)? */
int iso_cut_off(const struct iso *s);

#endif /* VIGIL_ISOLATION_H */
