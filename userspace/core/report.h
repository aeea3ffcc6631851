/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * report.h - what a member tells the servers: the members it finds dead,
 * as one REPORT carries them (the member side of the verdict rule, verdict.h).
 */
#ifndef VIGIL_REPORT_H
#define VIGIL_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "memb.h"
#include "wire.h"

/* A member this agent finds dead, and since when (its own monotonic clock). */
struct dead_member {
	uint32_t id;
	uint64_t since_ns;
	int heard; /* our kernel once recorded its answer (forged members never are) */
};

/* The ids one REPORT lists, at most max: all of them if they fit, else those
 * our kernel has heard before the others (members only gossip vouches for
 * could be forged to crowd the real ones out), each group the most recently
 * dead first. A host dead for long already has its verdict,
 * and leaving it out cannot recover it (only its own report can); leaving
 * out a new death would delay its verdict. Sorts d in place. */
size_t report_select(struct dead_member *d, size_t n, uint32_t *ids, size_t max);

/* Fill r->ids and r->n with the members m finds dead (report_select's
 * choice). Returns how many are dead (more than r->n when they do not all
 * fit), or -1 if out of memory. Name, host name and time are the caller's. */
long report_build(const struct memb *m, struct wire_report *r);

#endif /* VIGIL_REPORT_H */
