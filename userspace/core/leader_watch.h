/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * leader_watch.h - Raft leader changes as one server sees them, from what
 * it knows now (the leader's id, 0 if none, and the current term), looked
 * at periodically: a change is a leader known in a (leader, term) pair not
 * seen last time, so a leader re-elected in a new term counts and a term
 * with no leader (a failed election) does not. A first leader counts.
 */
#ifndef VIGIL_LEADER_WATCH_H
#define VIGIL_LEADER_WATCH_H

#include <stdint.h>

struct leader_watch {
	uint64_t id, term; /* the last leader seen, and its term */
	uint64_t changes;  /* leaders seen */
};

/* 1 when (id, term) is a change (counted), else 0. */
static inline int leader_watch_see(struct leader_watch *w, uint64_t id, uint64_t term)
{
	if (!id || (id == w->id && term == w->term))
		return 0;
	w->id = id;
	w->term = term;
	w->changes++;
	return 1;
}

#endif /* VIGIL_LEADER_WATCH_H */
