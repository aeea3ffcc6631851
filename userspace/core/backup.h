/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * backup.h - `vigil operator snapshot save|restore`: the decided state
 * (fsm.h) written to a file and read back. The file is one JSON document:
 * the state exactly as the Raft snapshots hold it (fsm_dump), the cluster
 * it belongs to, where in the Raft log it was taken and when, under a
 * SHA-256 of the state, so that a restore refuses a file of another
 * cluster, a damaged one, and one that is not a snapshot at all. No I/O.
 */
#ifndef VIGIL_BACKUP_H
#define VIGIL_BACKUP_H

#include <stddef.h>
#include <stdint.h>

#include "fsm.h"

#define BACKUP_FORMAT	  1  /* "vigil_snapshot": the document's version */
#define BACKUP_SHA256_HEX 65 /* a SHA-256 in hex, and its NUL */

struct backup_meta {
	char cluster[FSM_NAME_MAX]; /* the cluster (availability zone) ... */
	uint32_t cluster_id;	    /* ... and its id */
	char node[FSM_NAME_MAX];    /* the server that wrote it */
	uint64_t term, index;	    /* Raft: the state is the log applied up to index */
	uint64_t time_ns;	    /* CLOCK_REALTIME when */
	size_t hosts, notifications;
};

/* The document of f, with m's cluster, cluster_id, node, term, index and
 * time_ns (malloc'd JSON text); NULL if out of memory. */
char *backup_encode(const struct fsm *f, const struct backup_meta *m);
/* Read a document taken for cluster cluster_id: 0 with its metadata in *m
 * and the state it holds in *state (fsm_dump's text, malloc'd, fsm_check'ed);
 * -1 with the reason in err: not JSON, not a snapshot, another format,
 * another cluster, a checksum that does not match, a state that does not
 * pass fsm_check. */
int backup_decode(const char *text, uint32_t cluster_id, struct backup_meta *m, char **state,
		  char *err, size_t errsz);
/* The "sha256" a document carries for its state (JSON text): over the
 * state's compact form with sorted keys, so that a file indented or
 * reordered by a tool still checks. 0, or -1 if state is not JSON. */
int backup_sha256(const char *state, char hex[BACKUP_SHA256_HEX]);

#endif /* VIGIL_BACKUP_H */
