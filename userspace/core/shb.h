/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * shb.h - the storage heartbeat: like vSphere's datastore heartbeats,
 * every agent writes a record into its own file in storage_heartbeat_dir,
 * on the storage the VMs' disks live on (NFS, CephFS, ...), every interval,
 * durably; the servers read all of them. A host whose record still advances
 * is alive on the storage side -- isolated from the cluster network, not
 * dead -- and is not notified NORMAL until it records "vms-stopped" (or is
 * fenced); a host whose record stopped advancing is dead there too.
 *
 * The record (docs/protocol.md, "Storage heartbeat records"): one line of
 * JSON (cluster, node, hostname, boot id, agent epoch, counter, state,
 * writer's time), one line "mac=" with its keyed BLAKE2b-128 under a key
 * derived from the cluster key, space-padded to SHB_RECORD_LEN bytes, so a
 * record is one write of one block and a torn or forged one is refused.
 *
 * No I/O here: the encoding, and the reader's tracker that turns successive
 * reads into evidence (fence.h). agent/storage_hb.c does the writing and
 * reading on a thread of its own, so a hung NFS mount never stops the loop
 * that judges isolation and feeds the watchdog.
 */
#ifndef VIGIL_SHB_H
#define VIGIL_SHB_H

#include <stddef.h>
#include <stdint.h>

#include "fence.h"
#include "wire.h"

#define SHB_RECORD_LEN	 512
#define SHB_NAME_MAX	 64
#define SHB_SUFFIX	 ".hb"
#define SHB_STALE_ROUNDS 4    /* unchanged this many intervals: stopped advancing ... */
#define SHB_STALE_MIN_MS 2000 /* ... and at least this long (an fsync may take a second) */

struct shb_record {
	uint32_t cluster_id;
	char node[SHB_NAME_MAX];     /* vigil node name */
	char hostname[SHB_NAME_MAX]; /* hypervisor hostname */
	char boot_id[40];	     /* the kernel's boot id: a new one is a reboot */
	uint64_t epoch;		     /* the agent's boot epoch (a new one is a restart) */
	uint64_t counter;	     /* +1 per record written by this agent */
	uint64_t time_ns;	     /* the writer's CLOCK_REALTIME: for people, never judged */
	char state[16];		     /* running, isolated, vms-stopped (iso_record_state) */
};

/* The record as its file holds it, into out (SHB_RECORD_LEN bytes, not
 * NUL-terminated), signed with the keyring's slot 0. 0, or -1 if it does
 * not fit or there is no key. */
int shb_encode(const struct shb_record *r, const struct vigil_keyring *kr, char *out);
/* The record of a body (one line of JSON, len bytes, no newline) as its
 * file holds it: body, "mac=" and the MAC under the keyring's slot, padded.
 * 0, or -1 if it does not fit, holds a newline, or the slot has no key.
 * (shb_encode's last step; tests and the fuzzer seal bodies of their own.) */
int shb_seal(const char *body, size_t len, const struct vigil_keyring *kr, int slot, char *out);
/* Read a file's bytes back. 0, or -1 malformed (torn, truncated, not a
 * record, a field longer than its writer's, a node name wire_name_valid
 * refuses), -2 no key verifies it, -3 another cluster's. */
int shb_decode(const char *buf, size_t len, const struct vigil_keyring *kr, uint32_t cluster_id,
	       struct shb_record *r);
/* The file name of node's record (its name with anything outside
 * [A-Za-z0-9._-] as '_', and SHB_SUFFIX). */
void shb_file_name(const char *node, char *out, size_t n);

/* ---- the reader's tracker -------------------------------------------------------------- */

struct shb_host {
	struct shb_record rec; /* the newest valid record read */
	uint64_t seen_ns;      /* first read (monotonic) */
	uint64_t changed_ns;   /* last read that found it changed; 0: never seen change */
	uint64_t read_ns;      /* last read that found it */
};

/* The stale time of an interval: a record unchanged this long has stopped
 * advancing; a writer whose writes have not returned this long is stuck. */
uint64_t shb_stale_ns(uint32_t interval_ms);

struct shb_tracker {
	/* configuration */
	uint64_t stale_ns; /* unchanged this long: stopped advancing (shb_stale_ns) */
	/* state */
	struct shb_host *hosts;
	size_t n;
	uint64_t started_ns; /* watched since */
	uint64_t scan_ok_ns; /* the last scan of the directory that worked */
	int failing;	     /* a scan failed since that one */
	/* counters */
	uint64_t scans_ok, scans_failed, bad_records;
};

void shb_tracker_init(struct shb_tracker *t, uint32_t interval_ms, uint64_t now);
void shb_tracker_free(struct shb_tracker *t);
/* A scan of the directory read these records (each valid), at now. */
void shb_tracker_scan(struct shb_tracker *t, const struct shb_record *recs, size_t n, uint64_t bad,
		      uint64_t now);
/* A scan failed: the directory could not be read. (A scan that is late
 * or hangs is no failure: it tells nothing, either way.) */
void shb_tracker_failed(struct shb_tracker *t);
/* The host's record, or NULL. */
const struct shb_host *shb_tracker_host(const struct shb_tracker *t, const char *node);
/* What the records say of node at now (NULL tracker: no storage heartbeat).
 * No scan worked within the stale time: unreadable if one failed since,
 * else unknown (reads late or hung, or not watched long enough yet). */
enum fence_evidence shb_evidence(const struct shb_tracker *t, const char *node, uint64_t now);

#endif /* VIGIL_SHB_H */
