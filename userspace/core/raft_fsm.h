/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* fsm_raft.h - the replicated state machine (fsm.c) as a libraft FSM. */
#ifndef VIGIL_FSM_RAFT_H
#define VIGIL_FSM_RAFT_H

#include <raft.h>

#include "fsm.h"

/* Wire f into rf (apply, snapshot, restore). */
void raft_fsm_init(struct raft_fsm *rf, struct fsm *f);
/* Propose command text cmd (taken over: freed here) through r; cb may be
 * NULL. 0 or a RAFT_* error (e.g. RAFT_NOTLEADER). cb's result is the fsm
 * if the command applied, NULL if fsm_apply skipped it (malformed). */
int raft_fsm_propose(struct raft *r, char *cmd, raft_apply_cb cb, void *data);

#endif /* VIGIL_FSM_RAFT_H */
