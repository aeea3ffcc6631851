/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * learn.h - the membership learns the hosts the decided state counts.
 *
 * An agent knows the members it has heard of since it started. After a
 * restart (a whole zone power-cycled, say) a host that stays down is heard of
 * by nobody, yet the servers' replicated state still counts it: unknown, it
 * would never be probed, reported or notified. A server therefore teaches
 * its membership every host of the decided state that has no verdict and did
 * not leave; the membership verifies each with its own probes (memb_learn),
 * and gossips the deaths it finds, which teaches the clients (memb.c learns
 * an unknown member it hears is dead the same way). A host forgotten
 * through Raft is, the other way round, told left by every server that
 * still finds it dead. No I/O.
 */
#ifndef VIGIL_LEARN_H
#define VIGIL_LEARN_H

#include "fsm.h"
#include "memb.h"

/* Teach m the hosts of f it does not know; gossip again the deaths of those
 * it knows dead that have no verdict yet (retell). Returns how many it
 * learned. */
size_t learn_decided_hosts(struct memb *m, const struct fsm *f, uint16_t port, int retell);
/* The hosts the decided state forgot (its audit list) and does not count
 * again since: each that m finds dead is left from now on (memb_forget).
 * Returns how many. */
size_t learn_forgotten(struct memb *m, const struct fsm *f);

#endif /* VIGIL_LEARN_H */
