/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * rtt.h - per-peer RTT accounting: smoothed RTT, jitter, log2 histogram.
 * Also compiled into the simulator (tests/sim), so its model of the kernel's
 * estimator is this code, not a copy.
 */
#ifndef VIGIL_BPF_RTT_H
#define VIGIL_BPF_RTT_H

#include "both.h"
#include "vigil_abi.h"

static __always_inline __u32 log2_u64(__u64 v)
{
	__u32 r = 0;

	if (v >> 32) {
		v >>= 32;
		r += 32;
	}
	if (v >> 16) {
		v >>= 16;
		r += 16;
	}
	if (v >> 8) {
		v >>= 8;
		r += 8;
	}
	if (v >> 4) {
		v >>= 4;
		r += 4;
	}
	if (v >> 2) {
		v >>= 2;
		r += 2;
	}
	if (v >> 1)
		r += 1;
	return r;
}

/* Smoothed RTT and mean deviation with RFC 6298's gains (1/8, 1/4); the
 * first sample sets srtt = rtt, jitter = rtt / 2. Unsigned arithmetic only:
 * BPF has no signed division. */
static __always_inline void rtt_smooth(__u64 *srtt, __u64 *jitter, __u64 samples, __u64 rtt)
{
	__u64 dev;

	if (samples == 0) {
		*srtt = rtt;
		*jitter = rtt / 2;
		return;
	}
	dev = rtt > *srtt ? rtt - *srtt : *srtt - rtt;
	if (rtt > *srtt)
		*srtt += dev / 8;
	else
		*srtt -= dev / 8;
	if (dev > *jitter)
		*jitter += (dev - *jitter) / 4;
	else
		*jitter -= (*jitter - dev) / 4;
}

/* Fold one RTT sample into the peer's statistics. */
static __always_inline void rtt_account(struct vigil_peer *p, __u64 rtt)
{
	__u32 b = log2_u64(rtt);

	rtt_smooth(&p->srtt_ns, &p->jitter_ns, p->acks, rtt);
	if (p->acks == 0) {
		p->rtt_min_ns = rtt;
		p->rtt_max_ns = rtt;
	} else {
		if (rtt < p->rtt_min_ns)
			p->rtt_min_ns = rtt;
		if (rtt > p->rtt_max_ns)
			p->rtt_max_ns = rtt;
	}
	p->rtt_ns = rtt;
	if (b >= VIGIL_RTT_BUCKETS)
		b = VIGIL_RTT_BUCKETS - 1;
	p->rtt_hist[b]++;
	p->rtt_sum_ns += rtt;
	p->acks++;
}

#endif /* VIGIL_BPF_RTT_H */
