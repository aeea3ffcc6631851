/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * replay.h - replay protection for the signed messages that change the
 * servers' state (REPORT, MAINT). Each carries its sender's wall-clock send
 * time; a message is taken only if it is newer than the last one taken from
 * the same sender and within a window of the receiver's own clock. The MAC
 * covers the time, so a captured message cannot be replayed or re-dated.
 */
#ifndef VIGIL_FRESH_H
#define VIGIL_FRESH_H

#include <stddef.h>
#include <stdint.h>

#define REPLAY_MAX_SENDERS 4096

enum replay_result {
	REPLAY_OK = 0,
	REPLAY_REPLAY, /* not newer than the last message taken from this sender */
	REPLAY_CLOCK,  /* outside the window around our clock: skew or an old capture */
	REPLAY_FULL,   /* a new sender, and the table is full */
};

struct replay {
	struct {
		uint32_t sender;
		uint64_t last_ns;
	} * e;
	size_t n, cap;
};

/* Check sent_ns from sender against now_ns (both CLOCK_REALTIME ns) and, if
 * within the window and newer, remember it. */
enum replay_result replay_check(struct replay *f, uint32_t sender, uint64_t sent_ns,
				uint64_t now_ns, uint64_t window_ns);
const char *replay_result_name(enum replay_result r);
void replay_free(struct replay *f);

#endif /* VIGIL_FRESH_H */
