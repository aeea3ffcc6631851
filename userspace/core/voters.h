/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * voters.h - the Raft leader's rule for who votes: the voters follow the
 * membership, one change at a time. No I/O; the agent's server applies the
 * change with libraft, the unit tests check the rule itself.
 *
 *   - a member in the server role that is alive and not in the Raft
 *     configuration is added (libraft promotes it once its log caught up);
 *   - one that is in it but not a voter is made a voter;
 *   - a server that left gracefully is removed, but a voter only while
 *     more voters than the configured servers remain (never below them);
 *   - a crashed server stays a voter until it has a committed failure
 *     verdict *and* a new server has taken its place (more voters than the
 *     configured servers): removing crashed servers on sight would let the
 *     survivors of a partition shrink the quorum to their own size.
 */
#ifndef VIGIL_VOTERS_H
#define VIGIL_VOTERS_H

#include <raft.h>

#include "fsm.h"
#include "memb.h"

enum voter_op {
	VOTER_NONE = 0,
	VOTER_ADD,     /* raft_add: a new server, as a spare first */
	VOTER_PROMOTE, /* raft_assign RAFT_VOTER */
	VOTER_REMOVE,  /* raft_remove */
};

struct voter_change {
	enum voter_op op;
	const struct member *member; /* whom it is about */
	const char *why;	     /* for the log: one word */
};

/* Voters in a Raft configuration. */
unsigned voters_count(const struct raft_configuration *conf);
/* The next change, given the configuration, the leader's membership, the
 * decided state and how many servers the configuration lists. */
enum voter_op voters_next(const struct raft_configuration *conf, const struct memb *m,
			  const struct fsm *f, unsigned configured, struct voter_change *out);

#endif /* VIGIL_VOTERS_H */
