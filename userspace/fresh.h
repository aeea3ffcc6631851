/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * fresh.h - replay protection for the signed messages that change the
 * servers' state (REPORT, MAINT). Each carries its sender's wall-clock send
 * time; a message is taken only if it is newer than the last one taken from
 * the same sender and within a window of the receiver's own clock. The MAC
 * covers the time, so a captured message cannot be replayed or re-dated.
 */
#ifndef VIGIL_FRESH_H
#define VIGIL_FRESH_H

#include <stddef.h>
#include <stdint.h>

#define FRESH_MAX_SENDERS 4096

enum fresh_result {
	FRESH_OK = 0,
	FRESH_REPLAY, /* not newer than the last message taken from this sender */
	FRESH_CLOCK,  /* outside the window around our clock: skew or an old capture */
	FRESH_FULL,   /* a new sender, and the table is full */
};

struct fresh {
	struct {
		uint32_t sender;
		uint64_t last_ns;
	} *e;
	size_t n, cap;
};

/* Check sent_ns from sender against now_ns (both CLOCK_REALTIME ns) and, if
 * fresh, remember it. */
enum fresh_result fresh_check(struct fresh *f, uint32_t sender, uint64_t sent_ns, uint64_t now_ns,
			      uint64_t window_ns);
const char *fresh_result_name(enum fresh_result r);
void fresh_free(struct fresh *f);

#endif /* VIGIL_FRESH_H */
