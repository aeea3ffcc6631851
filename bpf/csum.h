/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* csum.h - Internet checksum helpers for rewriting a PING into its ACK. */
#ifndef VIGIL_BPF_CSUM_H
#define VIGIL_BPF_CSUM_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

static __always_inline __u16 csum_fold(__u64 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

/* RFC 1624 incremental update of a checksum for one changed 16-bit word. */
static __always_inline void csum_replace2(__sum16 *sum, __u16 old, __u16 new)
{
	__u64 c = (__u16) ~*sum;

	c += (__u16)~old;
	c += new;
	*sum = csum_fold(c);
}

struct pseudo_v4 {
	__be32 saddr;
	__be32 daddr;
	__u8 zero;
	__u8 proto;
	__be16 len;
};

struct pseudo_v6 {
	struct in6_addr saddr;
	struct in6_addr daddr;
	__be32 len;
	__u8 zero[3];
	__u8 nexthdr;
};

/* Full UDP checksum over a pseudo header, the UDP header (check = 0) and a
 * payload, all on the stack (sizes multiple of 4, as bpf_csum_diff needs). */
static __always_inline __u16 udp_csum(void *pseudo, __u32 pseudo_len, struct udphdr *uh,
				      void *payload, __u32 payload_len)
{
	__s64 s;

	s = bpf_csum_diff(0, 0, pseudo, pseudo_len, 0);
	if (s < 0)
		return 0;
	s = bpf_csum_diff(0, 0, (void *)uh, sizeof(*uh), (__wsum)s);
	if (s < 0)
		return 0;
	s = bpf_csum_diff(0, 0, payload, payload_len, (__wsum)s);
	if (s < 0)
		return 0;
	return csum_fold((__u64)(__u32)s);
}

#endif /* VIGIL_BPF_CSUM_H */
