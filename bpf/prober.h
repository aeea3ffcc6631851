/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * prober.h - may a signed PING be answered? Its prober channel's replay
 * window first, then its answer budget. Also compiled into bench_xdp's
 * userspace responder, so both sides of that comparison do this same work.
 */
#ifndef VIGIL_BPF_PROBER_H
#define VIGIL_BPF_PROBER_H

#include "ratelimit.h"
#include "replay.h"

enum prober_verdict {
	PROBER_ANSWER,	 /* answer it */
	PROBER_REPLAYED, /* refused by the replay window: no token taken */
	PROBER_LIMITED,	 /* fresh, but the channel has no answer left */
};

/*
 * Admit a PING carrying send_ns, at now, against the record p of its channel
 * (sender_id, chan). is_new: p is not in the table yet, and is filled in here
 * (the caller stores it if the verdict is PROBER_ANSWER). A replay is refused
 * before it can cost the channel anything.
 */
static __always_inline enum prober_verdict prober_admit(struct vigil_prober *p, int is_new,
							__u64 send_ns, __u64 now, __u64 quiet_ns,
							__u32 rate_pps, __u32 burst)
{
	if (is_new ? !replay_init(p, send_ns, now) : !replay_check(p, send_ns, now, quiet_ns))
		return PROBER_REPLAYED;
	if (is_new ? !rl_init(&p->rl, now, burst) : !rl_take(&p->rl, now, rate_pps, burst))
		return PROBER_LIMITED;
	return PROBER_ANSWER;
}

#endif /* VIGIL_BPF_PROBER_H */
