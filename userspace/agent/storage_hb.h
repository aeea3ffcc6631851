/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * storage_hb.h - the storage heartbeat's I/O (the records and the tracker
 * are core/shb.c): a thread of its own writes this host's record
 * every interval (open, one write, fdatasync, close: an NFS mount that
 * hangs hangs this thread, never the event loop that judges isolation and
 * feeds the watchdog) and, on a server, another reads every record (so a
 * slow fsync of our own record never makes the others' look late). The
 * loop takes their results every interval: the tracker's reads, and
 * whether this host's own writes still succeed (an alert, never an
 * isolation).
 */
#ifndef VIGIL_AGENT_STORAGE_HB_H
#define VIGIL_AGENT_STORAGE_HB_H

#include <pthread.h>
#include <stdint.h>

#include <uv.h>

#include "shb.h"
#include "wire.h"

struct storage_hb_params {
	uv_loop_t *loop;
	const char *dir;      /* storage_heartbeat_dir */
	uint32_t interval_ms; /* storage_heartbeat_interval_ms */
	int reader;	      /* a server: read every host's record */
	uint32_t cluster_id;
	const struct vigil_keyring *keys;
	const char *node, *hostname;
	uint64_t epoch; /* the agent's boot epoch */
};

struct storage_hb;

/* Start (NULL if p->dir is empty, or on failure, logged). */
struct storage_hb *storage_hb_start(const struct storage_hb_params *p);
/* The state the next record says (iso_record_state); a change is written at once. */
void storage_hb_set_state(struct storage_hb *h, const char *state);
/* Stop the threads (one that hangs in I/O is left behind, detached). */
void storage_hb_stop(struct storage_hb *h);
/* The servers' tracker (NULL on a client, or without a storage heartbeat). */
const struct shb_tracker *storage_hb_tracker(const struct storage_hb *h);

/* What status and metrics show. */
struct storage_hb_view {
	const char *dir;
	int healthy;		/* this host's records are being written */
	uint64_t last_write_ns; /* monotonic, 0: never */
	uint64_t writes_ok, writes_failed;
	int error;	      /* errno of the last failure, 0 if none */
	uint64_t io_stuck_ns; /* I/O running this long (0: none), a hung mount */
	uint64_t counter;     /* of the last record written */
	char state[16];
};
void storage_hb_view(struct storage_hb *h, struct storage_hb_view *v);

#endif /* VIGIL_AGENT_STORAGE_HB_H */
