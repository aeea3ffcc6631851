/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* rtt.h - per-peer RTT accounting: smoothed RTT, jitter, log2 histogram. */
#ifndef VIGIL_BPF_RTT_H
#define VIGIL_BPF_RTT_H

#include "vmlinux.h"
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

/* Fold one RTT sample into the peer's statistics (RFC 6298 gains). */
static __always_inline void rtt_account(struct vigil_peer *p, __u64 rtt)
{
	__u32 b = log2_u64(rtt);
	__u64 dev;

	if (p->acks == 0) {
		p->srtt_ns = rtt;
		p->jitter_ns = rtt / 2;
		p->rtt_min_ns = rtt;
		p->rtt_max_ns = rtt;
	} else {
		/* Unsigned arithmetic only: BPF has no signed division. */
		dev = rtt > p->srtt_ns ? rtt - p->srtt_ns : p->srtt_ns - rtt;
		if (rtt > p->srtt_ns)
			p->srtt_ns += dev / 8;
		else
			p->srtt_ns -= dev / 8;
		if (dev > p->jitter_ns)
			p->jitter_ns += (dev - p->jitter_ns) / 4;
		else
			p->jitter_ns -= (p->jitter_ns - dev) / 4;
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
