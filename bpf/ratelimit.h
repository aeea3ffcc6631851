/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* ratelimit.h - per-source token bucket so vigil can never be a reflector. */
#ifndef VIGIL_BPF_RATELIMIT_H
#define VIGIL_BPF_RATELIMIT_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "vigil_maps.h"

#define NSEC_PER_SEC 1000000000ULL
/* Refill is computed over at most this long, so elapsed * rate cannot overflow. */
#define RL_MAX_ELAPSED_NS (10 * NSEC_PER_SEC)

/*
 * Take one answer from the bucket of key. rate_pps answers per second are
 * refilled, up to burst. Returns 1 if the answer may be sent. Concurrent
 * updates from two CPUs can lose a refill or a take; the limit stays within a
 * token of its setting, which is all an amplification guard needs.
 */
static __always_inline int rl_take(struct vigil_rl_key *key, __u64 now, __u32 rate_pps, __u32 burst)
{
	__u64 cap = (__u64)burst * NSEC_PER_SEC;
	struct vigil_rl_bucket *b, nb;
	__u64 elapsed, tokens;

	b = bpf_map_lookup_elem(&ratelimit, key);
	if (!b) {
		if (burst == 0)
			return 0;
		nb.tokens = cap - NSEC_PER_SEC;
		nb.last_ns = now;
		bpf_map_update_elem(&ratelimit, key, &nb, BPF_ANY);
		return 1;
	}

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
