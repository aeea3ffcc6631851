/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * replay.h - replay protection for the signed messages that change the
 * servers' state (REPORT, MAINT). Each carries its sender's epoch and a
 * sequence number counted up within it (vigil_abi.h); a message is taken
 * only if its (epoch, seq) is past the last one taken from the same sender.
 * The MAC covers both, so a captured message can neither be replayed nor
 * re-dated, and no clock need agree with another. The one use of the clock:
 * an epoch too far ahead of ours is refused, or a forged one could lock its
 * sender out.
 */
#ifndef VIGIL_REPLAY_H
#define VIGIL_REPLAY_H

#include <stddef.h>
#include <stdint.h>

#define REPLAY_MAX_SENDERS 4096

enum replay_result {
	REPLAY_OK = 0,
	REPLAY_REPLAY, /* not past the last message taken from this sender */
	REPLAY_FUTURE, /* epoch beyond our clock + VIGIL_EPOCH_AHEAD_S */
	REPLAY_FULL,   /* a new sender, and the table is full */
};
#define REPLAY_RESULTS (REPLAY_FULL + 1)

struct replay {
	struct {
		uint32_t sender;
		uint64_t epoch, seq;
	} * e;
	size_t n, cap;
};

/* Check (epoch, seq) from sender (now_s: our CLOCK_REALTIME seconds) and,
 * if it is new, remember it. */
enum replay_result replay_check(struct replay *f, uint32_t sender, uint64_t epoch, uint64_t seq,
				uint64_t now_s);
/* Is (epoch, seq) past (last_epoch, last_seq)? */
int replay_newer(uint64_t epoch, uint64_t seq, uint64_t last_epoch, uint64_t last_seq);
const char *replay_result_name(enum replay_result r);
void replay_free(struct replay *f);

#endif /* VIGIL_REPLAY_H */
