/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * ratelimit.h - token bucket capping the answers one prober channel gets.
 * Also compiled into bench_xdp's userspace responder, like replay.h.
 */
#ifndef VIGIL_BPF_RATELIMIT_H
#define VIGIL_BPF_RATELIMIT_H

#include "both.h"
#include "vigil_abi.h"

#define NSEC_PER_SEC 1000000000ULL
/* Refill is computed over at most this long, so elapsed * rate cannot overflow. */
#define RL_MAX_ELAPSED_NS (10 * NSEC_PER_SEC)

/* A new bucket, full but for the answer being given now. Returns 1 if that
 * answer may be sent (0 only with a burst of 0). */
static __always_inline int rl_init(struct vigil_rl_bucket *b, __u64 now, __u32 burst)
{
	b->tokens = burst ? ((__u64)burst - 1) * NSEC_PER_SEC : 0;
	b->last_ns = now;
	return burst != 0;
}

/*
 * Take one answer from bucket b. rate_pps answers per second are refilled,
 * up to burst. Returns 1 if the answer may be sent. Concurrent updates from
 * two CPUs can lose a refill or a take; the limit stays within a token of its
 * setting, which is all an amplification guard needs.
 */
static __always_inline int rl_take(struct vigil_rl_bucket *b, __u64 now, __u32 rate_pps,
				   __u32 burst)
{
	__u64 cap = (__u64)burst * NSEC_PER_SEC;
	__u64 elapsed, tokens;

	elapsed = now > b->last_ns ? now - b->last_ns : 0;
	if (elapsed > RL_MAX_ELAPSED_NS)
		elapsed = RL_MAX_ELAPSED_NS;
	tokens = b->tokens + elapsed * rate_pps;
	if (tokens > cap)
		tokens = cap;
	b->last_ns = now;
	if (tokens < NSEC_PER_SEC) {
		b->tokens = tokens;
		return 0;
	}
	b->tokens = tokens - NSEC_PER_SEC;
	return 1;
}

#endif /* VIGIL_BPF_RATELIMIT_H */
